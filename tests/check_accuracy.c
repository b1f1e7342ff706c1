/*
 * check_accuracy.c: every element-wise activation in the engine's table, every
 * output, against its MPFR reference (tests/lib/mpref_*.c), on dense grids, far tails,
 * +-0, subnormals, huge values, seeded random points and each row's own points (kinks,
 * zeros of derivatives), and the hard cases of tests/gen/hard_cases.txt (for each
 * function, setting and output, the inputs found nearest a midpoint between doubles,
 * 2^-18 to 2^-34 ULP from it, and exact ties, by tests/gen/hard_gen.c). Every output must be the correctly rounded value: 0 ULP, the
 * row's ulp bound; the block (vector-lane) path must give the element path's bits.
 * Prints the largest error found per function, parameter setting and output, and how
 * often the exact (MPFR) path ran. ACCURACY_STRIDE=k checks every k-th point only
 * (make valgrind sets 16: the same code paths, a sixteenth of the time).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/engine/internal.h" /* the variants of the block kernels, tested directly */
#include "engine.h"
#include "mpref.h"
#include "testutil.h"

#define MAX_POINTS 60000
#define CONTRACT_ULP 4 /* the bar of the contract: no row may promise less */

static const char *const out_names[ENG_OUT__COUNT] = {
  "y", "dy_dx", "d2y_dx2", "dy_dp0", "dy_dp1", "dy_dp2", "grad_x",
};

/* The upstream gradient of grad_x = gy f'(x) at point i: a few bits, then a full
 * 53-bit one, so that the product is exact in some cases and rounded in others, and
 * one near underflow and one near overflow, where the product leaves the normal range. */
static double grad_y_at(size_t i)
{
  static const double g[6] = {1, -0.75, 0x1.5555555555555p-2, -3.1415926535897931e7,
                              0x1.6a09e667f3bcdp-1020, -0x1.b7e151628aed3p+1017};
  return g[i % 6];
}

/* A small deterministic generator for the random points (splitmix64). */
static uint64_t mix(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/* The grid shared by every function. */
static size_t common_points(double *pts, size_t cap)
{
  size_t n = 0;
  uint64_t seed = 20261122;
  for (double x = -50; x <= 50 && n < cap; x += 1.0 / 64)
    pts[n++] = x;
  for (double x = -3; x <= 3 && n < cap; x += 1.0 / 1024)
    pts[n++] = x;
  for (double x = 50; x <= 1000 && n + 2 <= cap; x += 0.73) {
    pts[n++] = x;
    pts[n++] = -x;
  }
  for (double e = -320; e <= 308 && n + 2 <= cap; e += 0.5) {
    double x = pow(10, e);
    if (x == 0 || !isfinite(x))
      continue;
    pts[n++] = x;
    pts[n++] = -x;
  }
  {
    static const double special[] = {
      0.0, -0.0, DBL_MIN, -DBL_MIN, 4.9406564584124654e-324, -4.9406564584124654e-324,
      DBL_MAX, -DBL_MAX, 1e-20, -1e-20, 1e-10, -1e-10, 709.78, -709.78, 709.8, -709.8,
      745.1, -745.1, 36.7, -36.7, 37, -37, 40, -40, 19, -19, 20, -20, 30, -30,
    };
    for (size_t i = 0; i < sizeof special / sizeof special[0] && n < cap; i++)
      pts[n++] = special[i];
  }
  /* full 53-bit points near 0, at scales 2^-12 to 1: series branches and their ends */
  for (int i = 0; i < 2000 && n < cap; i++)
    pts[n++] = ((double)(mix(&seed) >> 11) * 0x1p-52 - 1) * ldexp(1, -(int)(mix(&seed) % 13));
  for (int i = 0; i < 4000 && n + 2 <= cap; i++) {
    uint64_t b = mix(&seed);
    double x;
    pts[n++] = ((double)(mix(&seed) >> 11) * 0x1p-53 - 0.5) * 80;
    memcpy(&x, &b, sizeof x);
    if (isfinite(x))
      pts[n++] = x;
  }
  return n;
}

/* |binary exponent| of v, as mpref_eval counts it */
static long bexp_of(double v)
{
  int e;
  if (v == 0 || !isfinite(v))
    return 0;
  frexp(v, &e);
  return e < 0 ? -e : e;
}

/* The working precision of the references at x and p, less a margin: mpref_eval
 * works at 384 + 3 e bits and more, e the sum of the exponents. */
static long ref_bits(double x, const double *p)
{
  long e = bexp_of(x);
  for (int j = 0; j < ENG_MAX_PARAMS; j++)
    e += bexp_of(p[j]);
  return 344 + 3 * e;
}

/* The double nearest a reference value; a value within 2^-bits (relative) of a
 * midpoint between two doubles, bits the reference's working precision less a margin,
 * is taken as that midpoint, ties to even: only exact results come that close (a true
 * tie such as grad_y (2x + 3) / 6 is held by the reference only to its precision,
 * while hard_swish(x) = x/2 + x^2/6 for a subnormal x is 2^-1060 from its midpoint,
 * far more than 2^-bits there). */
static double ref_round(const mpfr_t v, long bits)
{
  double lo = mpfr_get_d(v, MPFR_RNDD), hi = mpfr_get_d(v, MPFR_RNDU);
  mpfr_t mid;
  int tie;
  uint64_t b;
  if (lo == hi || !isfinite(lo) || !isfinite(hi))
    return mpfr_get_d(v, MPFR_RNDN);
  mpfr_init2(mid, 128);
  mpfr_set_d(mid, lo, MPFR_RNDN);
  mpfr_add_d(mid, mid, hi, MPFR_RNDN); /* exact at 128 bits */
  mpfr_div_2ui(mid, mid, 1, MPFR_RNDN);
  mpfr_sub(mid, mid, v, MPFR_RNDN);
  tie = mpfr_zero_p(mid) || mpfr_get_exp(mid) < mpfr_get_exp(v) - bits;
  mpfr_clear(mid);
  if (!tie)
    return mpfr_get_d(v, MPFR_RNDN);
  memcpy(&b, &lo, sizeof b);
  return (b & 1) == 0 ? lo : hi;
}

/* Checks one activation at one parameter setting; returns the worst error. */
static uint64_t check_setting(const struct eng_activation *a, const struct mpref *r,
                              const double *p, double *pts, size_t npts)
{
  uint64_t worst[ENG_OUT__COUNT] = {0}, worst_batch[2] = {0};
  double worst_x[ENG_OUT__COUNT] = {0}, worst_batch_x[2] = {0};
  static double batch_y[MAX_POINTS], batch_dy[MAX_POINTS], batch_gy[MAX_POINTS],
    batch_gx[MAX_POINTS];
  unsigned want = ENG_WANT_Y | ENG_WANT_DY | ENG_WANT_D2Y | ENG_WANT_GRAD_X;
  mpfr_t ref[ENG_OUT__COUNT];
  uint64_t overall = 0;
  char pbuf[128] = "";
  const char *env = getenv("ACCURACY_STRIDE");
  size_t stride = env != NULL && atoi(env) > 1 ? (size_t)atoi(env) : 1;

  for (unsigned j = 0; j < a->nparams; j++)
    if (a->params[j].learnable)
      want |= ENG_WANT_DP;
  for (int i = 0; i < ENG_OUT__COUNT; i++)
    mpfr_init2(ref[i], MPREF_PREC);

  /* y, dy/dx and grad_x, as a batch: the path of the block kernels where a row has
   * them */
  {
    struct eng_act_out bo;
    memset(&bo, 0, sizeof bo);
    for (size_t i = 0; i < npts; i++)
      batch_gy[i] = grad_y_at(i);
    bo.y = batch_y;
    bo.dy = batch_dy;
    bo.grad_y = batch_gy;
    bo.grad_x = batch_gx;
    ck_assert_int_eq(eng_activate(a, p, pts, npts, 1, &bo), ENG_OK);
  }
  for (size_t i = 0; i < npts; i += stride) {
    double got[ENG_OUT__COUNT];
    double x = pts[i];
    for (int o = 0; o < ENG_OUT__COUNT; o++)
      got[o] = NAN;
    a->ew(x, p, want, grad_y_at(i), got);
    if (r->fn(ref, x, p, want & ~ENG_WANT_GRAD_X) != 0)
      continue;
    mpfr_mul_d(ref[ENG_OUT_GRAD_X], ref[ENG_OUT_DY], grad_y_at(i), MPFR_RNDN);
    ck_assert_msg(memcmp(&batch_gx[i], &got[ENG_OUT_GRAD_X], sizeof(double)) == 0 ||
                    (batch_gx[i] == 0 && got[ENG_OUT_GRAD_X] == 0),
                  "%s grad_x at x = %a: block %a, element %a", a->name, x, batch_gx[i],
                  got[ENG_OUT_GRAD_X]);
    for (int o = ENG_OUT_Y; o <= ENG_OUT_DY; o++) {
      double exact, b = o == ENG_OUT_Y ? batch_y[i] : batch_dy[i];
      uint64_t d;
      /* both paths round correctly: the same bits (the sign of a zero included) */
      ck_assert_msg(memcmp(&b, &got[o], sizeof b) == 0 || (b == 0 && got[o] == 0),
                    "%s %s at x = %a: block %a, element %a", a->name, out_names[o], x, b,
                    got[o]);
      if (mpfr_nan_p(ref[o]))
        continue;
      exact = ref_round(ref[o], ref_bits(x, p));
      d = ulp_distance(b, exact);
      if (d > worst_batch[o]) {
        worst_batch[o] = d;
        worst_batch_x[o] = x;
      }
    }
    for (int o = 0; o < ENG_OUT__COUNT; o++) {
      double exact;
      uint64_t d;
      if (o >= ENG_OUT_DP && o < ENG_OUT_GRAD_X &&
          ((unsigned)(o - ENG_OUT_DP) >= a->nparams || !a->params[o - ENG_OUT_DP].learnable))
        continue;
      if (mpfr_nan_p(ref[o]))
        continue; /* no reference value (an inf - inf inside an overflowed formula) */
      exact = ref_round(ref[o], ref_bits(x, p));
      d = ulp_distance(got[o], exact);
      if (d > worst[o]) {
        worst[o] = d;
        worst_x[o] = x;
      }
    }
  }
  for (unsigned j = 0; j < a->nparams; j++) {
    size_t len = strlen(pbuf);
    snprintf(pbuf + len, sizeof pbuf - len, "%s%s=%.17g", j ? "," : "", a->params[j].name,
             p[j]);
  }
  for (int o = 0; o < ENG_OUT__COUNT; o++) {
    if (o >= ENG_OUT_DP && o < ENG_OUT_GRAD_X &&
        ((unsigned)(o - ENG_OUT_DP) >= a->nparams || !a->params[o - ENG_OUT_DP].learnable))
      continue;
    printf("  %-18s %-40s %-8s max %llu ulp%s", a->name, pbuf, out_names[o],
           (unsigned long long)worst[o], worst[o] ? "" : "\n");
    if (worst[o])
      printf(" at x = %.17g\n", worst_x[o]);
    if (worst[o] > overall)
      overall = worst[o];
  }
  for (int o = ENG_OUT_Y; o <= ENG_OUT_DY; o++) {
    if (a->block != NULL)
      printf("  %-18s %-40s %-8s max %llu ulp (batch)%s", a->name, pbuf, out_names[o],
             (unsigned long long)worst_batch[o], worst_batch[o] ? "" : "\n");
    if (a->block != NULL && worst_batch[o])
      printf(" at x = %.17g\n", worst_batch_x[o]);
    if (worst_batch[o] > overall)
      overall = worst_batch[o];
  }
  for (int i = 0; i < ENG_OUT__COUNT; i++)
    mpfr_clear(ref[i]);
  return overall;
}

START_TEST(test_activation_matches_mpfr)
{
  const struct eng_activation *a = eng_activation_at((size_t)_i);
  const struct mpref *r;
  static double pts[MAX_POINTS];
  size_t ncommon;
  double p[ENG_MAX_PARAMS] = {0};

  ck_assert_ptr_nonnull(a);
  if (a->kind != ENG_ELEMENTWISE)
    return; /* vector functions: check_vector.c */
  r = mpref_find(a->name);
  ck_assert_msg(r != NULL, "%s has no MPFR reference", a->name);

  ncommon = common_points(pts, MAX_POINTS);
  for (size_t s = 0; s <= r->npsets; s++) {
    size_t n = ncommon;
    uint64_t worst;
    if (s == 0)
      eng_params_default(a, p);
    else
      memcpy(p, r->psets[s - 1], sizeof p);
    if (r->points != NULL)
      n += r->points(p, pts + ncommon, MAX_POINTS - ncommon);
    worst = check_setting(a, r, p, pts, n);
    ck_assert_msg((double)worst <= a->ulp, "%s (setting %zu): %llu ulp > bound %g", a->name,
                  s, (unsigned long long)worst, a->ulp);
    ck_assert_msg(a->ulp <= CONTRACT_ULP, "%s: the table's bound %g is over %d ulp", a->name,
                  a->ulp, CONTRACT_ULP);
  }
}
END_TEST

/* ------------------------------------------------------------- hard cases */

#define HARD_FILE "tests/gen/hard_cases.txt"

/* a and b are the same double (zeros of either sign count as one) */
static int same_bits(double a, double b)
{
  return memcmp(&a, &b, sizeof a) == 0 || (a == 0 && b == 0);
}

static int out_index(const char *name)
{
  for (int o = 0; o < ENG_OUT__COUNT; o++)
    if (strcmp(out_names[o], name) == 0)
      return o;
  return -1;
}

/* Every line of the table: the kernel's output against the reference, and the
 * block path's y and dy_dx; prints how often the exact path ran. */
START_TEST(test_hard_cases)
{
  FILE *f = fopen(HARD_FILE, "r");
  char line[512], name[64], oname[32];
  size_t n = 0, worst = 0, within30 = 0, ties = 0;
  unsigned long long slow0 = eng_exact_count(), outs = 0;
  mpfr_t ref[ENG_OUT__COUNT];
  ck_assert_msg(f != NULL, "cannot read %s (make hard-cases writes it)", HARD_FILE);
  for (int i = 0; i < ENG_OUT__COUNT; i++)
    mpfr_init2(ref[i], MPREF_PREC);
  while (fgets(line, sizeof line, f) != NULL) {
    double p[ENG_MAX_PARAMS], x, l2, gy = 0, got[ENG_OUT__COUNT], by, bdy, bgx;
    const struct eng_activation *a;
    const struct mpref *r;
    struct eng_act_out bo;
    int o, nf;
    unsigned want;
    uint64_t d;
    if (line[0] == '#')
      continue;
    nf = sscanf(line, "%63s %31s %la %la %la %la %lf %la", name, oname, &p[0], &p[1], &p[2],
                &x, &l2, &gy);
    a = eng_activation_lookup(name);
    r = mpref_find(name);
    o = out_index(oname);
    ck_assert(a != NULL && r != NULL && o >= 0);
    ck_assert_int_eq(nf, o == ENG_OUT_GRAD_X ? 8 : 7); /* grad_x's lines end with gy */
    want = o == ENG_OUT_GRAD_X ? ENG_WANT_GRAD_X : o <= ENG_OUT_D2Y ? 1u << o : ENG_WANT_DP;
    a->ew(x, p, want, gy, got);
    if (o == ENG_OUT_GRAD_X) { /* gy f'(x), exact */
      ck_assert_int_eq(r->fn(ref, x, p, ENG_WANT_DY), 0);
      mpfr_mul_d(ref[o], ref[ENG_OUT_DY], gy, MPFR_RNDN);
    } else
      ck_assert_int_eq(r->fn(ref, x, p, want), 0);
    d = ulp_distance(got[o], ref_round(ref[o], ref_bits(x, p)));
    ck_assert_msg(d == 0, "%s %s at x = %a (2^%.1f ULP from a midpoint): %llu ulp", name,
                  oname, x, l2, (unsigned long long)d);
    outs++;
    if (o <= ENG_OUT_DY || o == ENG_OUT_GRAD_X) { /* the block path, where the row has one */
      memset(&bo, 0, sizeof bo);
      bo.y = &by;
      bo.dy = &bdy;
      if (o == ENG_OUT_GRAD_X) {
        bo.grad_y = &gy;
        bo.grad_x = &bgx;
      }
      ck_assert_int_eq(eng_activate(a, p, &x, 1, 1, &bo), ENG_OK);
      {
        double b = o == ENG_OUT_Y ? by : o == ENG_OUT_DY ? bdy : bgx;
        ck_assert_msg(same_bits(b, got[o]), "%s %s at x = %a: block %a", name, oname, x, b);
      }
      outs += o == ENG_OUT_GRAD_X ? 3 : 2;
    }
    n++;
    within30 += l2 <= -30;
    ties += l2 <= -128;
    if (d > worst)
      worst = d;
  }
  fclose(f);
  for (int i = 0; i < ENG_OUT__COUNT; i++)
    mpfr_clear(ref[i]);
  printf("  hard cases: %zu inputs near a midpoint between doubles (%zu within 2^-30 ULP, %zu of "
         "them exact ties), max %zu ulp; the exact path ran for %llu of %llu outputs (%.1f%%)\n",
         n, within30, ties, worst, eng_exact_count() - slow0, outs,
         outs ? 100.0 * (double)(eng_exact_count() - slow0) / (double)outs : 0.0);
  ck_assert_msg(n >= 100, "only %zu hard cases in %s", n, HARD_FILE);
}
END_TEST

/* -------------------------------------------- each variant of a block kernel */

/* The rows whose block kernel is chosen at run time (internal.h): the portable
 * kernel, and the AVX-512 one where the machine runs it. */
static const struct {
  const char *row, *what;
  eng_block_fn *fn;
  int avx512; /* 1: for 2^-8 <= |p[0]| <= 2^8, 2: for 2^-8 <= p[0] <= 2^8, 3: for
               * p[0]/2 + p[1]/2 in [2^-30, 2^30] */
} variants[] = {
  {"sigmoid", "portable", eng__sigmoid_portable_block, 0},
  {"swish", "portable", eng__swish_portable_block, 0},
  {"hard_swish", "portable", eng__hard_swish_portable_block, 0},
  {"elu", "portable", eng__elu_portable_block, 0},
  {"selu", "portable", eng__selu_portable_block, 0},
  {"celu", "portable", eng__celu_portable_block, 0},
  {"rrelu", "portable", eng__rrelu_portable_block, 0},
#ifdef ENG_AVX512
  {"sigmoid", "avx512", eng__sigmoid_block512, 1},
  {"swish", "avx512", eng__swish_block512, 1},
  {"hard_swish", "avx512", eng__hard_swish_block512, 1},
  {"elu", "avx512", eng__elu_block512, 1},
  {"selu", "avx512", eng__selu_block512, 1},
  {"celu", "avx512", eng__celu_block512, 2},
  {"rrelu", "avx512", eng__rrelu_block512, 3},
#endif
};

/* One variant at one setting over pts, in blocks of 1 to 256 elements: every lane it
 * does not flag must hold the element kernel's bits for y, dy_dx and grad_x (the
 * zeros' signs aside, as above), and the count it returns must be its flags'. */
static void check_variant(size_t v, const struct eng_activation *a, const double *p,
                          const double *pts, size_t npts, size_t *flagged)
{
  static double y[256], dy[256], gy[256], gx[256], redo[256];
  for (size_t i0 = 0, len = 1; i0 < npts; i0 += len, len = (len + 37) % 256 + 1) {
    size_t n = npts - i0 < len ? npts - i0 : len;
    for (int with_gx = 0; with_gx <= 1; with_gx++) {
      size_t ret, count = 0;
      for (size_t i = 0; i < n; i++) /* grad_y_at's values, and full 53-bit ones */
        gy[i] = (i & 1) ? grad_y_at(i0 + i)
                        : (double)((i0 + i) * 0x9e3779b97f4a7c15u >> 11) * 0x1p-50 - 4096;
      ret = variants[v].fn(pts + i0, p, n, y, dy, with_gx ? gy : NULL, with_gx ? gx : NULL,
                           redo);
      for (size_t i = 0; i < n; i++) {
        double out[ENG_OUT__COUNT], x = pts[i0 + i];
        if (redo[i] != 0) {
          ck_assert(redo[i] == 1);
          count++;
          continue;
        }
        a->ew(x, p, ENG_WANT_Y | ENG_WANT_DY | ENG_WANT_GRAD_X, gy[i], out);
        ck_assert_msg(same_bits(y[i], out[ENG_OUT_Y]) && same_bits(dy[i], out[ENG_OUT_DY]) &&
                        (!with_gx || same_bits(gx[i], out[ENG_OUT_GRAD_X])),
                      "%s (%s, p = %a) at x = %a, grad_y %a: block %a %a %a, element %a %a %a",
                      variants[v].row, variants[v].what, p[0], x, with_gx ? gy[i] : 0, y[i],
                      dy[i], with_gx ? gx[i] : 0, out[ENG_OUT_Y], out[ENG_OUT_DY],
                      with_gx ? out[ENG_OUT_GRAD_X] : 0);
      }
      ck_assert_uint_eq(ret, count);
      *flagged += count;
    }
  }
}

START_TEST(test_block_variants)
{
  static double pts[MAX_POINTS];
  for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
    const struct eng_activation *a = eng_activation_lookup(variants[v].row);
    const struct mpref *r = mpref_find(variants[v].row);
    double p[ENG_MAX_PARAMS];
    size_t ncommon, nhard = 0, total = 0, flagged = 0;
    char line[512], name[64], oname[32];
    FILE *f = fopen(HARD_FILE, "r");
    ck_assert(a != NULL && r != NULL && f != NULL);
#ifdef ENG_AVX512
    if (variants[v].avx512 && !eng__avx512()) {
      printf("  block variants: %s %s: the machine does not run it\n", variants[v].row,
             variants[v].what);
      fclose(f);
      continue;
    }
#endif
    ncommon = common_points(pts, MAX_POINTS);
    /* and uniform points of the benchmark's range, and the hard cases' inputs */
    for (uint64_t s = 7; ncommon < MAX_POINTS / 2;)
      pts[ncommon++] = -10 + 20 * ((double)(mix(&s) >> 11) * 0x1p-53);
    while (fgets(line, sizeof line, f) != NULL && ncommon + nhard < MAX_POINTS / 2 + 8000) {
      double hp[3], x, l2;
      if (line[0] != '#' &&
          sscanf(line, "%63s %31s %la %la %la %la %lf", name, oname, &hp[0], &hp[1], &hp[2], &x,
                 &l2) == 7 &&
          strcmp(name, variants[v].row) == 0)
        pts[ncommon + nhard++] = x;
    }
    fclose(f);
    ncommon += nhard;
    for (size_t s = 0; s <= r->npsets; s++) {
      size_t n = ncommon;
      if (s == 0)
        eng_params_default(a, p);
      else
        memcpy(p, r->psets[s - 1], sizeof p);
      if (variants[v].avx512 == 3 &&
          !(p[0] / 2 + p[1] / 2 >= 0x1p-30 && p[0] / 2 + p[1] / 2 <= 0x1p30))
        continue; /* outside the range written for (internal.h) */
      if ((variants[v].avx512 == 1 || variants[v].avx512 == 2) && a->nparams > 0 &&
          !((variants[v].avx512 == 1 ? fabs(p[0]) : p[0]) >= 0x1p-8 && fabs(p[0]) <= 0x1p8))
        continue;
      if (r->points != NULL)
        n += r->points(p, pts + ncommon, MAX_POINTS - ncommon);
      check_variant(v, a, p, pts, n, &flagged);
      total += 2 * n;
    }
    printf("  block variants: %-10s %-8s %zu lanes (%zu hard-case inputs), %zu flagged to the "
           "element kernel\n", variants[v].row, variants[v].what, total, nhard, flagged);
  }
}
END_TEST

/* rrelu(-0) = -0 (alpha times -0, as PyTorch's inference form gives) on every path:
 * the element kernel, each block kernel and eng_activate. */
START_TEST(test_rrelu_signed_zero)
{
  const struct eng_activation *a = eng_activation_lookup("rrelu");
  static double x[64], y[64], dy[64], redo[64];
  double p[ENG_MAX_PARAMS], out[ENG_OUT__COUNT];
  struct eng_act_out o = {0};
  ck_assert_ptr_nonnull(a);
  eng_params_default(a, p);
  for (size_t i = 0; i < 64; i++)
    x[i] = (i & 1) ? -0.0 : 0.0;
  a->ew(-0.0, p, ENG_WANT_Y | ENG_WANT_DY, 0, out);
  ck_assert_msg(signbit(out[ENG_OUT_Y]) && out[ENG_OUT_Y] == 0, "element: %a", out[ENG_OUT_Y]);
  for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
    if (strcmp(variants[v].row, "rrelu") != 0)
      continue;
#ifdef ENG_AVX512
    if (variants[v].avx512 && !eng__avx512())
      continue;
#endif
    ck_assert_uint_eq(variants[v].fn(x, p, 64, y, dy, NULL, NULL, redo), 0);
    for (size_t i = 0; i < 64; i++)
      ck_assert_msg(y[i] == 0 && !!signbit(y[i]) == !!signbit(x[i]), "%s at %a: %a",
                    variants[v].what, x[i], y[i]);
  }
  o.y = y;
  o.dy = dy;
  ck_assert_int_eq(eng_activate(a, p, x, 64, 1, &o), ENG_OK);
  for (size_t i = 0; i < 64; i++)
    ck_assert(y[i] == 0 && !!signbit(y[i]) == !!signbit(x[i]));
}
END_TEST

/* How often the exact path runs for y and dy_dx (the default outputs) on 1,000,000
 * inputs uniform in [-10, 10], and on 100,000 random finite doubles (bit patterns:
 * mostly huge or tiny magnitudes, the tails). */
START_TEST(test_exact_path_frequency)
{
  enum { N = 1000000, NB = 100000 };
  static double x[N], y[N], dy[N];
  uint64_t s = 42;
  unsigned long long total_u = 0, total_b = 0, elems_u = 0, elems_b = 0;
  for (size_t i = 0; i < eng_activation_count(); i++) {
    const struct eng_activation *a = eng_activation_at(i);
    struct eng_act_out o;
    double p[ENG_MAX_PARAMS];
    unsigned long long c0, cu, cb;
    if (a->kind != ENG_ELEMENTWISE)
      continue;
    eng_params_default(a, p);
    for (size_t j = 0; j < N; j++)
      x[j] = -10 + 20 * ((double)(mix(&s) >> 11) * 0x1p-53);
    memset(&o, 0, sizeof o);
    o.y = y;
    o.dy = dy;
    c0 = eng_exact_count();
    ck_assert_int_eq(eng_activate(a, p, x, N, 1, &o), ENG_OK);
    cu = eng_exact_count() - c0;
    for (size_t j = 0; j < NB; j++) {
      uint64_t b;
      do {
        b = mix(&s);
        memcpy(&x[j], &b, sizeof b);
      } while (!isfinite(x[j]));
    }
    c0 = eng_exact_count();
    ck_assert_int_eq(eng_activate(a, p, x, NB, 1, &o), ENG_OK);
    cb = eng_exact_count() - c0;
    printf("  exact path, y + dy_dx: %-16s %7.4f%% of [-10, 10]   %7.3f%% of random doubles\n",
           a->name, 100.0 * (double)cu / (2.0 * N), 100.0 * (double)cb / (2.0 * NB));
    total_u += cu;
    total_b += cb;
    elems_u += 2 * N;
    elems_b += 2 * NB;
  }
  printf("  exact path, y + dy_dx, all rows: %.5f%% of outputs on [-10, 10], %.3f%% on random "
         "doubles\n", 100.0 * (double)total_u / (double)elems_u,
         100.0 * (double)total_b / (double)elems_b);
}
END_TEST

/* ------------------------------------------------ one rounding to narrower types */

/* leaky_relu at x = -(1 + 2^-24 + 2^-52), alpha = 1 - 2^-53: the exact product
 *   -(1 + 2^-24 + 2^-53 - 2^-77 - 2^-105)
 * rounds to the double d = -(1 + 2^-24), a float32 midpoint (between 1 and 1 + 2^-23).
 * Rounding d to float32 gives -1 (ties to even); the exact value is beyond d, so the
 * right float32 is -(1 + 2^-23): the sign of (exact - d) decides. */
START_TEST(test_round_narrow_midpoint)
{
  const struct eng_activation *a = eng_activation_lookup("leaky_relu");
  double p[ENG_MAX_PARAMS] = {1 - 0x1p-53}, x = -(1 + 0x1p-24 + 0x1p-52), out[ENG_OUT__COUNT];
  int sg;
  a->ew(x, p, ENG_WANT_Y, 0, out);
  ck_assert(out[ENG_OUT_Y] == -(1 + 0x1p-24));
  sg = eng_ew_exact_sign(a, p, x, ENG_OUT_Y, 0, out[ENG_OUT_Y]);
  ck_assert_int_eq(sg, -1);
  ck_assert((double)(float)out[ENG_OUT_Y] == -1.0); /* the naive rounding */
  ck_assert(eng_round_f32(out[ENG_OUT_Y], sg) == -(1 + 0x1p-23));
  /* grad_x = grad_y alpha with grad_y = x: the same product */
  ck_assert_int_eq(eng_ew_exact_sign(a, p, -1, ENG_OUT_GRAD_X, x, out[ENG_OUT_Y]), -1);
  /* exactly representable: sign 0, and every format rounds d itself */
  ck_assert_int_eq(eng_ew_exact_sign(a, p, 2.5, ENG_OUT_Y, 0, 2.5), 0);
  /* a true tie in float32 (exact value = d = 1 + 2^-24): to even */
  ck_assert(eng_round_f32(1 + 0x1p-24, 0) == 1.0);
  ck_assert(eng_round_f32(1 + 3 * 0x1p-24, 0) == 1 + 0x1p-22);
  ck_assert(eng_round_f32(1 + 0x1p-24, 1) == 1 + 0x1p-23);
  ck_assert(eng_round_f32(-(1 + 0x1p-24), 1) == -1.0);
  /* hard_sigmoid with slope 2^-30, offset 0.5 + 2^-25: y = 0.5 + 2^-25 + 2^-30 x is
   * exact; at x = -1 it is 0.5 + 2^-25 - 2^-30, the double itself (exact, sign 0) */
  {
    const struct eng_activation *h = eng_activation_lookup("hard_sigmoid");
    double q[ENG_MAX_PARAMS] = {0x1p-30, 0.5 + 0x1p-25};
    h->ew(-1, q, ENG_WANT_Y, 0, out);
    ck_assert_int_eq(eng_ew_exact_sign(h, q, -1, ENG_OUT_Y, 0, out[ENG_OUT_Y]), 0);
  }
}
END_TEST

START_TEST(test_round_narrow_formats)
{
  /* float32: largest finite 0x1.fffffep127; halfway to 2^128 rounds to inf */
  ck_assert(eng_round_f32(0x1.fffffep127, 0) == 0x1.fffffep127);
  ck_assert(eng_round_f32(0x1.ffffffp127, -1) == 0x1.fffffep127);
  ck_assert(isinf(eng_round_f32(0x1.ffffffp127, 0)));
  ck_assert(isinf(eng_round_f32(-1e300, 0)) && eng_round_f32(-1e300, 0) < 0);
  /* float32 subnormals: 2^-149 is the least; 2^-150 is a tie (to 0), above it 2^-149 */
  ck_assert(eng_round_f32(0x1p-150, 0) == 0);
  ck_assert(eng_round_f32(0x1p-150, 1) == 0x1p-149);
  ck_assert(eng_round_f32(0x1.8p-149, 0) == 0x1p-148);
  ck_assert(eng_round_f32(1e-50, 0) == 0);
  /* float16: max 65504, 65520 is the midpoint to 65536 (rounds to inf) */
  ck_assert(eng_round_f16(65504, 0) == 65504);
  ck_assert(eng_round_f16(65519.99, 0) == 65504);
  ck_assert(isinf(eng_round_f16(65520, 0)));
  ck_assert(eng_round_f16(65520, -1) == 65504);
  ck_assert(eng_round_f16(0x1p-25, 0) == 0 && eng_round_f16(0x1p-25, 1) == 0x1p-24);
  ck_assert(eng_round_f16(1 + 0x1p-11, 0) == 1 && eng_round_f16(1 + 0x1p-11, 1) == 1 + 0x1p-10);
  /* bfloat16: 8 significand bits */
  ck_assert(eng_round_bf16(1 + 0x1p-8, 0) == 1 && eng_round_bf16(1 + 0x1p-8, 1) == 1 + 0x1p-7);
  ck_assert(eng_round_bf16(3.14159265358979, 0) == 3.140625);
  ck_assert(eng_round_bf16(0, 1) == 0);
}
END_TEST

/* The vector rows' exact signs: softmax of (0, 0) is 1/2 exactly. */
START_TEST(test_vec_exact_sign)
{
  const struct eng_activation *sm = eng_activation_lookup("softmax");
  double x[2] = {0, 0}, g[2] = {1, 0}, p[ENG_MAX_PARAMS] = {0};
  ck_assert_int_eq(eng_vec_exact_sign(sm, p, x, 2, g, ENG_VOUT_Y, 0, 0, 0.5), 0);
  ck_assert_int_eq(eng_vec_exact_sign(sm, p, x, 2, g, ENG_VOUT_Y, 0, 0, 0.4), 1);
  ck_assert_int_eq(eng_vec_exact_sign(sm, p, x, 2, g, ENG_VOUT_JAC, 0, 1, -0.25), 0);
  ck_assert_int_eq(eng_vec_exact_sign(sm, p, x, 2, g, ENG_VOUT_GRAD_X, 0, 0, 0.25), 0);
  x[1] = 1;
  ck_assert_int_eq(eng_vec_exact_sign(sm, p, x, 2, g, ENG_VOUT_Y, 0, 0, 0.25), 1);
}
END_TEST

static Suite *accuracy_suite(void)
{
  Suite *s = suite_create("accuracy");
  setvbuf(stdout, NULL, _IOLBF, 0); /* the figures survive a failing (forked) test */
  TCase *tc = tcase_create("mpfr");
  mpfr_set_emin(mpfr_get_emin_min());
  mpfr_set_emax(mpfr_get_emax_max());
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, test_activation_matches_mpfr, 0, (int)eng_activation_count());
  tcase_add_test(tc, test_hard_cases);
  tcase_add_test(tc, test_rrelu_signed_zero);
  tcase_add_test(tc, test_block_variants);
  tcase_add_test(tc, test_exact_path_frequency);
  tcase_add_test(tc, test_round_narrow_midpoint);
  tcase_add_test(tc, test_round_narrow_formats);
  tcase_add_test(tc, test_vec_exact_sign);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(accuracy_suite)
