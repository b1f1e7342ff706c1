/*
 * hard_gen.c: searches, for every element-wise activation, parameter setting and
 * output, for the inputs whose exact result lies nearest a rounding midpoint (halfway
 * between two doubles): the hard cases of correct rounding. Writes the table that
 * tests/check_accuracy.c reads (tests/gen/hard_cases.txt).
 *
 * Method. Near a centre x0 the output is a smooth function of the input, so along
 * the doubles x0 + k u (u = ulp(x0), |k| <= K = 2^23) its value in units of the
 * output's ulp U is t(k) = A + B k + C k^2 to about 2^-34 (the cubic term, about
 * (K u / x0)^3 of the value: 2^-87 of it, 2^-34 U), enough to pick candidates. A, B and C come from the MPFR references (tests/lib/mpref_*.c,
 * written from the mathematics, 4096 bits) at x0 and x0 +- K u; reduced mod 1 and held
 * as 128-bit binary fractions, t(k) mod 1 is walked by integer additions, and the k
 * with t(k) nearest 1/2 are kept. Each kept input is then evaluated again by the
 * reference alone and its distance to the midpoint measured exactly; the best
 * BEST per (function, setting, output) go to the table with that distance as log2.
 * CENTRES centres per combination, 2^24 inputs each: about 2^28.6 inputs, so the
 * best lie near 2^-29 ULP of a midpoint, many below 2^-30. Settings: the defaults and
 * the first other setting of each reference. Exact outputs (piecewise-linear pieces,
 * constants) never come near a midpoint and are left out.
 *
 * --grad-x: grad_x = gy f'(x), with one full 53-bit gy per centre. --rows: the vector
 * activations (softmax, log_softmax, softmin, sparsemax; tests/lib/mpref_vector.c),
 * rows of 2 and 5 entries, walked along x_0 with the others and the upstream gradient
 * g fixed per centre: y_0, y_1, the Jacobian's (0,0), (0,1) and (1,0), and grad_x_0,
 * grad_x_1 (J^T g).
 *
 *   make hard-cases (see the Makefile): tests/gen/hard_cases.txt from hard_gen and
 *   hard_gen --grad-x, tests/gen/hard_rows.txt from hard_gen --rows
 *
 * Line format: name output p0 p1 p2 x log2(distance in ULP) [gy], doubles in %a; with
 * --rows: name output index k log2 x_0 .. x_{k-1} g_0 .. g_{k-1}, where index is the
 * output's place in y (k entries), the Jacobian (row-major, k x k) or grad_x (k).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpfr.h>

#include "engine.h"
#include "mpref.h"

#define K (1 << 23)
#define CENTRES 24
#define BEST 24
#define KEEP 64 /* candidates kept per combination before verification */

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

static const char *const out_names[ENG_OUT__COUNT] = {
  "y", "dy_dx", "d2y_dx2", "dy_dp0", "dy_dp1", "dy_dp2", "grad_x",
};

static uint64_t rng = 0x2545F4914F6CDD1Du;
static double uniform(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (double)(rng >> 11) * 0x1p-53;
}

struct cand {
  double x;
  u128 dist;
  int centre; /* the centre's index: its state (gy, the row) */
};

/* frac(v) as a 128-bit binary fraction */
static u128 frac128(const mpfr_t v, mpfr_t t)
{
  u128 r;
  mpfr_frac(t, v, MPFR_RNDN);
  if (mpfr_sgn(t) < 0)
    mpfr_add_ui(t, t, 1, MPFR_RNDN);
  mpfr_mul_2ui(t, t, 64, MPFR_RNDN);
  r = (u128)mpfr_get_ui(t, MPFR_RNDZ) << 64;
  mpfr_frac(t, t, MPFR_RNDN);
  mpfr_mul_2ui(t, t, 64, MPFR_RNDN);
  return r | mpfr_get_ui(t, MPFR_RNDZ);
}

/* The ulp of the double nearest v (normal range only): 0 if out of it. */
static double ulp_of(const mpfr_t v)
{
  double d = mpfr_get_d(v, MPFR_RNDN);
  int e;
  if (!isfinite(d) || fabs(d) < DBL_MIN || mpfr_zero_p(v))
    return 0;
  frexp(d, &e);
  return ldexp(1, e - 53);
}

static void keep(struct cand *c, int *n, double x, u128 dist, int centre)
{
  int i;
  for (i = 0; i < *n; i++)
    if (c[i].x == x)
      return;
  if (*n < KEEP) {
    c[(*n)++] = (struct cand){x, dist, centre};
    return;
  }
  for (i = 0; i < KEEP; i++) /* replace the worst */
    if (c[i].dist > dist) {
      int w = 0;
      for (int j = 1; j < KEEP; j++)
        if (c[j].dist > c[w].dist)
          w = j;
      if (c[w].dist > dist)
        c[w] = (struct cand){x, dist, centre};
      return;
    }
}

static int cmp_dist(const void *a, const void *b)
{
  const struct cand *x = a, *y = b;
  return x->dist < y->dist ? -1 : x->dist > y->dist;
}

/* What one search walks: one exact output as a function of one double x, with the
 * state of the current centre (gy; a row's other entries and its g). */
#define ROWK 5
enum { ROW_Y, ROW_J, ROW_G };
static const char *const row_out_names[] = {"y", "jacobian", "grad_x"};

struct target {
  const char *name;
  /* element-wise: reference r at parameters p, output o (ENG_OUT_*; ENG_OUT_GRAD_X is
   * gy f'(x)) */
  const struct mpref *r;
  const double *p;
  int o;
  /* rows: output `out` (ROW_*) at `index`, rows of k entries */
  int rows, out;
  size_t index, k;
  /* the centre's state */
  double gy, row[ROWK], g[ROWK];
  mpfr_t v[ENG_OUT__COUNT], Y[ROWK], J[ROWK * ROWK], tmp;
};

/* The exact output at x into res: 0, or -1 if the reference skips the point. */
static int eval(struct target *t, double x, mpfr_t res)
{
  if (!t->rows) {
    int o = t->o == ENG_OUT_GRAD_X ? ENG_OUT_DY : t->o;
    unsigned want = o <= ENG_OUT_D2Y ? 1u << o : ENG_WANT_DP;
    if (t->r->fn(t->v, x, t->p, want))
      return -1;
    if (t->o == ENG_OUT_GRAD_X)
      mpfr_mul_d(res, t->v[o], t->gy, MPFR_RNDN);
    else
      mpfr_set(res, t->v[o], MPFR_RNDN);
    return 0;
  }
  t->row[0] = x;
  mpref_row(t->name, t->row, t->k, t->Y, t->J);
  if (t->out == ROW_Y)
    mpfr_set(res, t->Y[t->index], MPFR_RNDN);
  else if (t->out == ROW_J)
    mpfr_set(res, t->J[t->index], MPFR_RNDN);
  else { /* grad_x_j = sum_i g_i J[i][j] */
    mpfr_set_ui(res, 0, MPFR_RNDN);
    for (size_t i = 0; i < t->k; i++) {
      mpfr_mul_d(t->tmp, t->J[i * t->k + t->index], t->g[i], MPFR_RNDN);
      mpfr_add(res, res, t->tmp, MPFR_RNDN);
    }
  }
  return 0;
}

/* A full 53-bit double of magnitude in [3/4, 2), either sign. */
static double full53(void)
{
  double m;
  (void)uniform();
  m = ldexp((double)((rng >> 11) | (1ull << 52)), -52); /* [1, 2), 53 bits */
  return (rng & 1) ? -0.75 * m : m;
}

/* The centre's state: x0 in the middle of its binade (so that x0 +- K u stays in it),
 * of magnitude below span; for rows, the other entries in [-span, span] and g in
 * [-1, 1]; for grad_x, gy. */
static double centre(struct target *t, double span)
{
  double x0 = (uniform() * 2 - 1) * span;
  int e;
  frexp(x0, &e);
  x0 = copysign(ldexp(0.625 + 0.25 * uniform(), e), x0);
  if (t->rows)
    for (size_t i = 0; i < t->k; i++) {
      t->row[i] = (uniform() * 2 - 1) * span;
      t->g[i] = uniform() * 2 - 1;
    }
  else if (t->o == ENG_OUT_GRAD_X)
    t->gy = full53();
  return x0;
}

struct state {
  double gy, row[ROWK], g[ROWK];
};

static void save(struct state *s, const struct target *t)
{
  s->gy = t->gy;
  memcpy(s->row, t->row, sizeof s->row);
  memcpy(s->g, t->g, sizeof s->g);
}

static void restore(struct target *t, const struct state *s)
{
  t->gy = s->gy;
  memcpy(t->row, s->row, sizeof s->row);
  memcpy(t->g, s->g, sizeof s->g);
}

/* One combination: walks CENTRES centres of the target, verifies the candidates by
 * the reference alone and prints the best BEST. */
static void search(struct target *t, double span)
{
  mpfr_t v[3], A, B, C, w, q;
  struct cand c[KEEP];
  struct state st[CENTRES];
  int nc = 0, inexact = 0;
  for (int s = 0; s < 3; s++)
    mpfr_init2(v[s], MPREF_PREC);
  mpfr_inits2(MPREF_PREC, A, B, C, w, q, (mpfr_ptr)0);
  for (int ci = 0; ci < CENTRES; ci++) {
    double x0 = centre(t, span), u, U;
    int e;
    save(&st[ci], t);
    frexp(x0, &e);
    u = ldexp(1, e - 53);
    if (eval(t, x0 - K * u, v[0]) || eval(t, x0, v[1]) || eval(t, x0 + K * u, v[2]))
      continue;
    U = ulp_of(v[1]);
    if (U == 0 || ulp_of(v[0]) != U || ulp_of(v[2]) != U)
      continue;
    /* t(k) = A + B k + C k^2 through t(-K), t(0), t(K), in units of U */
    mpfr_div_d(A, v[1], U, MPFR_RNDN);
    mpfr_sub(B, v[2], v[0], MPFR_RNDN);
    mpfr_div_d(B, B, U * 2.0 * K, MPFR_RNDN);
    mpfr_add(C, v[2], v[0], MPFR_RNDN);
    mpfr_mul_2ui(w, v[1], 1, MPFR_RNDN);
    mpfr_sub(C, C, w, MPFR_RNDN);
    mpfr_div_d(C, C, U * 2.0 * K, MPFR_RNDN);
    mpfr_div_d(C, C, (double)K, MPFR_RNDN);
    {
      u128 fa = frac128(A, q), fb = frac128(B, q), fc = frac128(C, q);
      u128 half = (u128)1 << 127, tk, dk, best = ~(u128)0;
      long bestk = 0;
      if (fa != 0 || fb != 0)
        inexact = 1;
      /* t(-K) = A - K B + K^2 C, then t(k+1) - t(k) = B + (2k + 1) C */
      tk = fa - (u128)K * fb + (u128)K * (u128)K * fc;
      dk = fb + (u128)(-(2 * (i128)K) + 1) * fc;
      for (long k = -K; k <= K; k++) {
        u128 d = tk > half ? tk - half : half - tk;
        if (d < best) {
          best = d;
          bestk = k;
        }
        if (d < ((u128)1 << 99)) /* within 2^-29 ULP of the midpoint */
          keep(c, &nc, x0 + (double)k * u, d, ci);
        tk += dk;
        dk += 2 * fc;
      }
      keep(c, &nc, x0 + (double)bestk * u, best, ci);
    }
  }
  /* verify by the reference alone, and write the best */
  if (inexact && nc > 0) {
    int written = 0;
    for (int i = 0; i < nc; i++) {
      double U;
      restore(t, &st[c[i].centre]);
      if (eval(t, c[i].x, v[1]) || (U = ulp_of(v[1])) == 0) {
        c[i].dist = ~(u128)0;
        continue;
      }
      mpfr_div_d(A, v[1], U, MPFR_RNDN);
      {
        u128 f = frac128(A, q), half = (u128)1 << 127;
        c[i].dist = f > half ? f - half : half - f;
      }
    }
    qsort(c, (size_t)nc, sizeof c[0], cmp_dist);
    for (int i = 0; i < nc && written < BEST; i++) {
      double l2;
      if (c[i].dist == ~(u128)0 || c[i].dist > ((u128)1 << 110))
        continue;
      l2 = c[i].dist == 0 ? -128 : log2((double)c[i].dist) - 128;
      restore(t, &st[c[i].centre]);
      if (!t->rows) {
        printf("%s %s %a %a %a %a %.1f", t->name, out_names[t->o], t->p[0], t->p[1], t->p[2],
               c[i].x, l2);
        if (t->o == ENG_OUT_GRAD_X)
          printf(" %a", t->gy);
      } else {
        t->row[0] = c[i].x;
        printf("%s %s %zu %zu %.1f", t->name, row_out_names[t->out], t->index, t->k, l2);
        for (size_t j = 0; j < t->k; j++)
          printf(" %a", t->row[j]);
        for (size_t j = 0; j < t->k; j++)
          printf(" %a", t->g[j]);
      }
      printf("\n");
      written++;
    }
    fflush(stdout);
    fprintf(stderr, "hard_gen: %-16s %-8s %-3zu p0=%-10g best 2^%.1f ULP from a midpoint\n",
            t->name, t->rows ? row_out_names[t->out] : out_names[t->o], t->rows ? t->index : 0,
            t->rows ? (double)t->k : t->p[0],
            c[0].dist != ~(u128)0 ? (c[0].dist == 0 ? -128 : log2((double)c[0].dist) - 128)
                                  : 0.0);
  }
  for (int s = 0; s < 3; s++)
    mpfr_clear(v[s]);
  mpfr_clears(A, B, C, w, q, (mpfr_ptr)0);
}

static void target_init(struct target *t)
{
  memset(t, 0, sizeof *t);
  for (int i = 0; i < ENG_OUT__COUNT; i++)
    mpfr_init2(t->v[i], MPREF_PREC);
  for (int i = 0; i < ROWK; i++)
    mpfr_init2(t->Y[i], MPREF_PREC);
  for (int i = 0; i < ROWK * ROWK; i++)
    mpfr_init2(t->J[i], MPREF_PREC);
  mpfr_init2(t->tmp, MPREF_PREC);
}

/* The vector activations' rows: y_0, y_1, the Jacobian's (0,0), (0,1), (1,0), grad_x_0
 * and grad_x_1, for rows of 2 and 5 entries (sparsemax: y_0 and y_1 alone, as its
 * Jacobian and grad_x are piecewise constant in x; its y are rationals of denominator
 * the support's size, exact ties among them). */
static void search_rows(struct target *t, const char *only)
{
  static const char *const names[] = {"softmax", "log_softmax", "softmin", "sparsemax"};
  static const size_t ks[] = {2, 5};
  for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
    if (only != NULL && strcmp(only, names[f]) != 0)
      continue;
    for (size_t ki = 0; ki < 2; ki++) {
      size_t k = ks[ki];
      struct { int out; size_t index; } outs[] = {
        {ROW_Y, 0}, {ROW_Y, 1}, {ROW_J, 0}, {ROW_J, 1}, {ROW_J, k}, {ROW_G, 0}, {ROW_G, 1},
      };
      size_t nouts = strcmp(names[f], "sparsemax") == 0 ? 2 : 7;
      for (size_t o = 0; o < nouts; o++) {
        t->name = names[f];
        t->rows = 1;
        t->k = k;
        t->out = outs[o].out;
        t->index = outs[o].index;
        /* sparsemax: entries within 1/2 of each other, so that several share the
         * support (elsewhere its outputs are 0 and 1) */
        search(t, strcmp(names[f], "sparsemax") == 0 ? 0.5 : 6);
      }
    }
  }
}

int main(int argc, char **argv)
{
  int grad_x = 0, rows = 0;
  const char *only = NULL;
  static struct target t;
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--grad-x") == 0)
      grad_x = 1;
    else if (strcmp(argv[i], "--rows") == 0)
      rows = 1;
    else
      only = argv[i];
  mpfr_set_emin(mpfr_get_emin_min());
  mpfr_set_emax(mpfr_get_emax_max());
  target_init(&t);
  if (rows) {
    printf("# hard cases of correct rounding, vector activations: name output index k "
           "log2(ULP from a midpoint) x_0 .. x_{k-1} g_0 .. g_{k-1}\n"
           "# written by tests/gen/hard_gen.c --rows; read by tests/check_vector.c\n");
    search_rows(&t, only);
    return 0;
  }
  if (!grad_x)
    printf("# hard cases of correct rounding: name output p0 p1 p2 x log2(ULP from a midpoint) "
           "[gy]\n# written by tests/gen/hard_gen.c; read by tests/check_accuracy.c\n");
  for (size_t i = 0; i < eng_activation_count(); i++) {
    const struct eng_activation *a = eng_activation_at(i);
    const struct mpref *r;
    double p[ENG_MAX_PARAMS] = {0, 0, 0};
    if (a->kind != ENG_ELEMENTWISE || (only != NULL && strcmp(only, a->name) != 0))
      continue;
    r = mpref_find(a->name);
    if (r == NULL)
      continue;
    for (size_t s = 0; s <= (r->npsets < 1 ? r->npsets : 1); s++) {
      double span = 12;
      if (s == 0)
        eng_params_default(a, p);
      else
        memcpy(p, r->psets[s - 1], sizeof p);
      if (a->nparams > 0 && a->params[0].type == ENG_PARAM_REAL && fabs(p[0]) > 0 &&
          (strcmp(a->name, "sigmoid") == 0 || strcmp(a->name, "softplus") == 0 ||
           strcmp(a->name, "swish") == 0))
        span = 12 / fabs(p[0]); /* the scale of beta x */
      t.name = a->name;
      t.r = r;
      t.p = p;
      t.rows = 0;
      if (grad_x) { /* once per setting: gy f'(x) */
        t.o = ENG_OUT_GRAD_X;
        search(&t, span);
        continue;
      }
      for (int o = 0; o < ENG_OUT__COUNT - 1; o++) {
        if (o >= ENG_OUT_DP &&
            ((unsigned)(o - ENG_OUT_DP) >= a->nparams || !a->params[o - ENG_OUT_DP].learnable))
          continue;
        t.o = o;
        search(&t, span);
      }
    }
  }
  return 0;
}
