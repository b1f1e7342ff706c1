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
 *   make build/default/tests/lib/mpref.o ... (see the Makefile target hard-cases)
 *   build/gen/hard_gen > tests/gen/hard_cases.txt
 *
 * Line format: name output p0 p1 p2 x log2(distance in ULP), doubles in %a.
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

static void keep(struct cand *c, int *n, double x, u128 dist)
{
  int i;
  for (i = 0; i < *n; i++)
    if (c[i].x == x)
      return;
  if (*n < KEEP) {
    c[(*n)++] = (struct cand){x, dist};
    return;
  }
  for (i = 0; i < KEEP; i++) /* replace the worst */
    if (c[i].dist > dist) {
      int w = 0;
      for (int j = 1; j < KEEP; j++)
        if (c[j].dist > c[w].dist)
          w = j;
      if (c[w].dist > dist)
        c[w] = (struct cand){x, dist};
      return;
    }
}

static int cmp_dist(const void *a, const void *b)
{
  const struct cand *x = a, *y = b;
  return x->dist < y->dist ? -1 : x->dist > y->dist;
}

/* One combination: activation a, reference r, parameters p, output o. */
static void search(const struct eng_activation *a, const struct mpref *r, const double *p,
                   int o, double span)
{
  mpfr_t v[3][ENG_OUT__COUNT], A, B, C, t, w;
  struct cand c[KEEP];
  int nc = 0, inexact = 0;
  unsigned want = o <= ENG_OUT_D2Y ? 1u << o : ENG_WANT_DP;
  for (int s = 0; s < 3; s++)
    for (int i = 0; i < ENG_OUT__COUNT; i++)
      mpfr_init2(v[s][i], MPREF_PREC);
  mpfr_inits2(MPREF_PREC, A, B, C, t, w, (mpfr_ptr)0);
  for (int ci = 0; ci < CENTRES; ci++) {
    /* a centre in the middle of its binade, so that x0 +- K u stays in it */
    double x0 = (uniform() * 2 - 1) * span, u, U;
    int e;
    frexp(x0, &e);
    x0 = copysign(ldexp(0.625 + 0.25 * uniform(), e), x0);
    u = ldexp(1, e - 53);
    if (r->fn(v[0], x0 - K * u, p, want) || r->fn(v[1], x0, p, want) ||
        r->fn(v[2], x0 + K * u, p, want))
      continue;
    U = ulp_of(v[1][o]);
    if (U == 0 || ulp_of(v[0][o]) != U || ulp_of(v[2][o]) != U)
      continue;
    /* t(k) = A + B k + C k^2 through t(-K), t(0), t(K), in units of U */
    mpfr_div_d(A, v[1][o], U, MPFR_RNDN);
    mpfr_sub(B, v[2][o], v[0][o], MPFR_RNDN);
    mpfr_div_d(B, B, U * 2.0 * K, MPFR_RNDN);
    mpfr_add(C, v[2][o], v[0][o], MPFR_RNDN);
    mpfr_mul_2ui(w, v[1][o], 1, MPFR_RNDN);
    mpfr_sub(C, C, w, MPFR_RNDN);
    mpfr_div_d(C, C, U * 2.0 * K, MPFR_RNDN);
    mpfr_div_d(C, C, (double)K, MPFR_RNDN);
    {
      u128 fa = frac128(A, t), fb = frac128(B, t), fc = frac128(C, t);
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
          keep(c, &nc, x0 + (double)k * u, d);
        tk += dk;
        dk += 2 * fc;
      }
      keep(c, &nc, x0 + (double)bestk * u, best);
    }
  }
  /* verify by the reference alone, and write the best */
  if (inexact && nc > 0) {
    int written = 0;
    for (int i = 0; i < nc; i++) {
      double U;
      if (r->fn(v[1], c[i].x, p, want)) {
        c[i].dist = ~(u128)0;
        continue;
      }
      U = ulp_of(v[1][o]);
      if (U == 0) {
        c[i].dist = ~(u128)0;
        continue;
      }
      mpfr_div_d(A, v[1][o], U, MPFR_RNDN);
      {
        u128 f = frac128(A, t), half = (u128)1 << 127;
        c[i].dist = f > half ? f - half : half - f;
      }
    }
    qsort(c, (size_t)nc, sizeof c[0], cmp_dist);
    for (int i = 0; i < nc && written < BEST; i++) {
      double l2;
      if (c[i].dist == ~(u128)0 || c[i].dist > ((u128)1 << 110))
        continue;
      l2 = c[i].dist == 0 ? -128 : log2((double)c[i].dist) - 128;
      printf("%s %s %a %a %a %a %.1f\n", a->name, out_names[o], p[0], p[1], p[2], c[i].x, l2);
      written++;
    }
    fflush(stdout);
    fprintf(stderr, "hard_gen: %-16s %-8s p0=%-10g best 2^%.1f ULP from a midpoint\n", a->name,
            out_names[o], p[0],
            nc > 0 && c[0].dist != ~(u128)0 ? (c[0].dist == 0 ? -128 : log2((double)c[0].dist) - 128) : 0.0);
  }
  for (int s = 0; s < 3; s++)
    for (int i = 0; i < ENG_OUT__COUNT; i++)
      mpfr_clear(v[s][i]);
  mpfr_clears(A, B, C, t, w, (mpfr_ptr)0);
}

int main(int argc, char **argv)
{
  const char *only = argc > 1 ? argv[1] : NULL;
  mpfr_set_emin(mpfr_get_emin_min());
  mpfr_set_emax(mpfr_get_emax_max());
  printf("# hard cases of correct rounding: name output p0 p1 p2 x log2(ULP from a midpoint)\n"
         "# written by tests/gen/hard_gen.c; read by tests/check_accuracy.c\n");
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
      for (int o = 0; o < ENG_OUT__COUNT - 1; o++) {
        if (o >= ENG_OUT_DP &&
            ((unsigned)(o - ENG_OUT_DP) >= a->nparams || !a->params[o - ENG_OUT_DP].learnable))
          continue;
        search(a, r, p, o, span);
      }
    }
  }
  return 0;
}
