/*
 * check_vector.c: the vector activations (softmax, log_softmax, softmin, sparsemax,
 * maxout, hardmax) against MPFR references written from their definitions: y, the
 * Jacobian and the vector-Jacobian product J^T g per row, on random rows, rows of
 * +-1000 and +-1e300, ties, single elements, a wide row and rows whose outputs are
 * subnormal. Prints the largest error per function and output.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpfr.h>

#include "engine.h"
#include "testutil.h"

#define KMAX 1000
#define PREC 2200 /* sums of doubles from 2^1000 down to 2^-1074 stay exact */

enum { OUT_Y, OUT_J, OUT_G, NOUT };
static const char *const out_names[NOUT] = {"y", "jacobian", "grad_x"};

/* The exact Jacobian of row x (k entries) of function `name`, and y, in MPFR. */
static void reference(const char *name, const double *x, size_t k, mpfr_t *y, mpfr_t *J)
{
  mpfr_t m, s, t;
  mpfr_inits2(PREC, m, s, t, (mpfr_ptr)0);
  if (strcmp(name, "softmax") == 0 || strcmp(name, "softmin") == 0 ||
      strcmp(name, "log_softmax") == 0) {
    double sg = strcmp(name, "softmin") == 0 ? -1 : 1, mx = -INFINITY;
    for (size_t i = 0; i < k; i++)
      mx = fmax(mx, sg * x[i]);
    mpfr_set_ui(s, 0, MPFR_RNDN);
    for (size_t i = 0; i < k; i++) {
      mpfr_set_d(t, sg * x[i], MPFR_RNDN);
      mpfr_sub_d(t, t, mx, MPFR_RNDN);
      mpfr_exp(y[i], t, MPFR_RNDN);
      mpfr_add(s, s, y[i], MPFR_RNDN);
    }
    for (size_t i = 0; i < k; i++)
      mpfr_div(y[i], y[i], s, MPFR_RNDN); /* the softmax of sg x */
    for (size_t i = 0; i < k; i++)
      for (size_t j = 0; j < k; j++) {
        mpfr_ptr e = J[i * k + j];
        if (strcmp(name, "log_softmax") == 0) {
          mpfr_neg(e, y[j], MPFR_RNDN);
          if (i == j)
            mpfr_add_ui(e, e, 1, MPFR_RNDN);
        } else {
          mpfr_neg(e, y[j], MPFR_RNDN);
          if (i == j)
            mpfr_add_ui(e, e, 1, MPFR_RNDN);
          mpfr_mul(e, e, y[i], MPFR_RNDN);
          if (sg < 0)
            mpfr_neg(e, e, MPFR_RNDN);
        }
      }
    if (strcmp(name, "log_softmax") == 0) {
      mpfr_log(s, s, MPFR_RNDN);
      for (size_t i = 0; i < k; i++) {
        mpfr_set_d(t, x[i], MPFR_RNDN);
        mpfr_sub_d(t, t, mx, MPFR_RNDN);
        mpfr_sub(y[i], t, s, MPFR_RNDN);
      }
    }
  } else if (strcmp(name, "sparsemax") == 0) {
    double *z = malloc(k * sizeof *z);
    size_t sup = 0;
    memcpy(z, x, k * sizeof *z);
    for (size_t i = 1; i < k; i++) /* insertion sort, decreasing */
      for (size_t j = i; j > 0 && z[j] > z[j - 1]; j--) {
        double tmp = z[j];
        z[j] = z[j - 1];
        z[j - 1] = tmp;
      }
    mpfr_set_ui(s, 0, MPFR_RNDN);
    for (size_t r = 1; r <= k; r++) {
      mpfr_add_d(s, s, z[r - 1], MPFR_RNDN);
      mpfr_sub_ui(t, s, 1, MPFR_RNDN);
      mpfr_div_ui(t, t, (unsigned long)r, MPFR_RNDN);
      if (mpfr_cmp_d(t, z[r - 1]) < 0) { /* z_r > (sum - 1) / r */
        sup = r;
        mpfr_set(m, t, MPFR_RNDN); /* tau */
      }
    }
    for (size_t i = 0; i < k; i++) {
      mpfr_set_d(t, x[i], MPFR_RNDN);
      mpfr_sub(y[i], t, m, MPFR_RNDN);
      if (mpfr_sgn(y[i]) < 0)
        mpfr_set_ui(y[i], 0, MPFR_RNDN);
    }
    (void)sup;
    {
      size_t n = 0;
      for (size_t i = 0; i < k; i++)
        n += mpfr_sgn(y[i]) > 0;
      for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
          mpfr_ptr e = J[i * k + j];
          mpfr_set_ui(e, 0, MPFR_RNDN);
          if (mpfr_sgn(y[i]) > 0 && mpfr_sgn(y[j]) > 0) {
            mpfr_set_si(e, -1, MPFR_RNDN);
            mpfr_div_ui(e, e, (unsigned long)n, MPFR_RNDN);
            if (i == j)
              mpfr_add_ui(e, e, 1, MPFR_RNDN);
          }
        }
    }
    free(z);
  } else { /* maxout (one output) and hardmax: first maximum */
    int maxout = strcmp(name, "maxout") == 0;
    size_t am = 0, w = maxout ? 1 : k;
    for (size_t i = 1; i < k; i++)
      if (x[i] > x[am])
        am = i;
    for (size_t i = 0; i < w; i++)
      for (size_t j = 0; j < k; j++)
        mpfr_set_ui(J[i * k + j], maxout && j == am ? 1 : 0, MPFR_RNDN);
    if (maxout)
      mpfr_set_d(y[0], x[am], MPFR_RNDN);
    else
      for (size_t i = 0; i < k; i++)
        mpfr_set_ui(y[i], i == am ? 1 : 0, MPFR_RNDN);
  }
  mpfr_clears(m, s, t, (mpfr_ptr)0);
}

static uint64_t rng_state = 20261123;
static double rnd(void)
{
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1p-53;
}

/* The error of got against the exact e, in ULP: every entry is correctly rounded,
 * however far the exact value is below the terms it comes from (`scale`, unused). */
static uint64_t err_ulp(double got, const mpfr_t e, double scale)
{
  (void)scale;
  return ulp_distance(got, mpfr_get_d(e, MPFR_RNDN));
}

static uint64_t worst[8][NOUT];

static void check_row(size_t fi, const struct eng_activation *a, const double *x, size_t k)
{
  size_t w = eng_activation_width(a, k);
  double *y = malloc(w * sizeof *y), *jac = malloc(w * k * sizeof *jac);
  double *g = malloc(w * sizeof *g), *gx = malloc(k * sizeof *gx), p[ENG_MAX_PARAMS] = {0};
  size_t am = 0;
  mpfr_t *Y = malloc(k * sizeof *Y), *J = malloc(k * k * sizeof *J), acc, t;
  struct eng_act_out o = {0};
  double gscale = 0;

  for (size_t i = 0; i < k; i++)
    mpfr_init2(Y[i], PREC);
  for (size_t i = 0; i < k * k; i++)
    mpfr_init2(J[i], PREC);
  mpfr_inits2(PREC, acc, t, (mpfr_ptr)0);
  for (size_t i = 0; i < w; i++)
    g[i] = rnd() * 2 - 1;
  o.y = y;
  o.jac = jac;
  o.grad_y = g;
  o.grad_x = gx;
  o.argmax = &am;
  if (a->vfwd != NULL && w != 1)
    o.argmax = NULL;
  ck_assert_int_eq(eng_activate(a, p, x, k, k, &o), ENG_OK);
  reference(a->name, x, k, Y, J);

  for (size_t i = 0; i < w; i++) {
    uint64_t d = ulp_distance(y[i], mpfr_get_d(Y[i], MPFR_RNDN));
    if (d > worst[fi][OUT_Y])
      worst[fi][OUT_Y] = d;
  }
  for (size_t i = 0; i < w * k; i++) {
    uint64_t d = err_ulp(jac[i], J[i], 1);
    if (d > worst[fi][OUT_J])
      worst[fi][OUT_J] = d;
  }
  for (size_t j = 0; j < k; j++) { /* grad_x_j = sum_i g_i J[i][j] */
    mpfr_set_ui(acc, 0, MPFR_RNDN);
    gscale = 0;
    for (size_t i = 0; i < w; i++) {
      mpfr_mul_d(t, J[i * k + j], g[i], MPFR_RNDN);
      mpfr_add(acc, acc, t, MPFR_RNDN);
      gscale = fmax(gscale, fabs(mpfr_get_d(t, MPFR_RNDN)));
    }
    {
      uint64_t d = err_ulp(gx[j], acc, gscale);
      if (d > worst[fi][OUT_G])
        worst[fi][OUT_G] = d;
    }
  }
  for (size_t i = 0; i < k; i++)
    mpfr_clear(Y[i]);
  for (size_t i = 0; i < k * k; i++)
    mpfr_clear(J[i]);
  mpfr_clears(acc, t, (mpfr_ptr)0);
  free(Y);
  free(J);
  free(y);
  free(jac);
  free(g);
  free(gx);
}

START_TEST(test_vector_against_mpfr)
{
  static const char *const names[] = {"softmax", "log_softmax", "softmin", "sparsemax",
                                      "maxout", "hardmax"};
  static double x[KMAX];
  for (size_t fi = 0; fi < 6; fi++) {
    const struct eng_activation *a = eng_activation_lookup(names[fi]);
    ck_assert_ptr_nonnull(a);
    for (int trial = 0; trial < 200; trial++) {
      size_t k = 1 + (size_t)(rnd() * 12);
      for (size_t i = 0; i < k; i++)
        x[i] = (rnd() - 0.5) * 20;
      check_row(fi, a, x, k);
    }
    {
      static const double hard[][6] = {
        {1000, -1000, 0, 999.5, -0.5, 1000},  /* ties at the top, +-1000 */
        {1e300, -1e300, 0, 1, 2, 3},           /* huge spread */
        {0, 0, 0, 0, 0, 0},                    /* all equal */
        {-745, 0, -740, -700, -708, -1},       /* subnormal outputs */
        {1e-300, -1e-300, 5e-324, 0, -0.0, 1e-310},
        {0.5, 0.5 + 0x1p-52, 0.5 - 0x1p-53, 0.25, 0.75, 0.75},
      };
      for (size_t h = 0; h < 6; h++)
        check_row(fi, a, hard[h], 6);
      x[0] = 42;
      check_row(fi, a, x, 1); /* a single element */
    }
    if (strcmp(names[fi], "maxout") != 0 && strcmp(names[fi], "hardmax") != 0) {
      for (size_t i = 0; i < KMAX; i++)
        x[i] = (rnd() - 0.5) * 60;
      check_row(fi, a, x, 200); /* a wide row (200: the reference Jacobian is k^2) */
    }
    for (int o = 0; o < NOUT; o++)
      printf("  %-12s %-9s max %llu ulp\n", names[fi], out_names[o],
             (unsigned long long)worst[fi][o]);
    for (int o = 0; o < NOUT; o++)
      ck_assert_msg((double)worst[fi][o] <= a->ulp, "%s %s: %llu ulp > %g", names[fi],
                    out_names[o], (unsigned long long)worst[fi][o], a->ulp);
  }
}
END_TEST

START_TEST(test_vector_statuses)
{
  const struct eng_activation *sm = eng_activation_lookup("softmax");
  double x[6] = {1, 2, 3, 4, 5, 6}, y[6], p[ENG_MAX_PARAMS] = {0};
  struct eng_act_out o = {0};
  o.y = y;
  ck_assert_int_eq(eng_activate(sm, p, x, 6, 4, &o), ENG_ESHAPE);
  ck_assert_int_eq(eng_activate(sm, p, x, 6, 0, &o), ENG_ESHAPE);
  o.dy = y;
  ck_assert_int_eq(eng_activate(sm, p, x, 6, 3, &o), ENG_ENOTDEF);
  o.dy = NULL;
  o.grad_x = y;
  ck_assert_int_eq(eng_activate(sm, p, x, 6, 3, &o), ENG_EINVAL);
}
END_TEST

static Suite *vector_suite(void)
{
  Suite *s = suite_create("vector");
  TCase *tc = tcase_create("mpfr");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_vector_against_mpfr);
  tcase_add_test(tc, test_vector_statuses);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(vector_suite)
