/*
 * check_accuracy.c: every element-wise activation in the engine's table, every
 * output, against its MPFR reference (tests/lib/mpref_*.c), on dense grids, far tails,
 * +-0, subnormals, huge values, seeded random points and each row's own points (kinks,
 * zeros of derivatives). Asserts the row's ulp bound (itself at most 4) and prints the
 * largest error found per function, parameter setting and output. ACCURACY_STRIDE=k
 * checks every k-th point only (make valgrind sets 16: the same code paths, a
 * sixteenth of the time).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "mpref.h"
#include "testutil.h"

#define MAX_POINTS 60000
#define CONTRACT_ULP 4 /* the bar of the contract: no row may promise less */

static const char *const out_names[ENG_OUT__COUNT] = {
  "y", "dy_dx", "d2y_dx2", "dy_dp0", "dy_dp1", "dy_dp2", "grad_x",
};

/* The upstream gradient of grad_x = gy f'(x) at point i: a few bits, then a full
 * 53-bit one, so that the product is exact in some cases and rounded in others. */
static double grad_y_at(size_t i)
{
  static const double g[4] = {1, -0.75, 0x1.5555555555555p-2, -3.1415926535897931e7};
  return g[i % 4];
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

/* Checks one activation at one parameter setting; returns the worst error. */
static uint64_t check_setting(const struct eng_activation *a, const struct mpref *r,
                              const double *p, double *pts, size_t npts)
{
  uint64_t worst[ENG_OUT__COUNT] = {0}, worst_batch[2] = {0};
  double worst_x[ENG_OUT__COUNT] = {0}, worst_batch_x[2] = {0};
  static double batch_y[MAX_POINTS], batch_dy[MAX_POINTS];
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

  /* y and dy/dx alone, as a batch: the path of the block kernels where a row has them */
  {
    struct eng_act_out bo;
    memset(&bo, 0, sizeof bo);
    bo.y = batch_y;
    bo.dy = batch_dy;
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
    for (int o = ENG_OUT_Y; o <= ENG_OUT_DY; o++) {
      double exact, b = o == ENG_OUT_Y ? batch_y[i] : batch_dy[i];
      uint64_t d;
      if (mpfr_nan_p(ref[o]))
        continue;
      exact = mpfr_get_d(ref[o], MPFR_RNDN);
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
      exact = mpfr_get_d(ref[o], MPFR_RNDN);
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

static Suite *accuracy_suite(void)
{
  Suite *s = suite_create("accuracy");
  setvbuf(stdout, NULL, _IOLBF, 0); /* the figures survive a failing (forked) test */
  TCase *tc = tcase_create("mpfr");
  mpfr_set_emin(mpfr_get_emin_min());
  mpfr_set_emax(mpfr_get_emax_max());
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, test_activation_matches_mpfr, 0, (int)eng_activation_count());
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(accuracy_suite)
