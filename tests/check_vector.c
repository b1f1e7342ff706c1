/*
 * check_vector.c: the vector activations (softmax, log_softmax, softmin, sparsemax,
 * maxout, hardmax) against MPFR references written from their definitions: y, the
 * Jacobian and the vector-Jacobian product J^T g per row, on random rows, rows of
 * +-1000 and +-1e300, ties, single elements, a wide row and rows whose outputs are
 * subnormal, and the hard cases of tests/gen/hard_rows.txt. Prints the largest error
 * per function and output.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpfr.h>

#include "engine.h"
#include "mpref.h"
#include "testutil.h"

#define KMAX 1000

enum { OUT_Y, OUT_J, OUT_G, NOUT };
static const char *const out_names[NOUT] = {"y", "jacobian", "grad_x"};

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
    mpfr_init2(Y[i], MPREF_ROW_PREC);
  for (size_t i = 0; i < k * k; i++)
    mpfr_init2(J[i], MPREF_ROW_PREC);
  mpfr_inits2(MPREF_ROW_PREC, acc, t, (mpfr_ptr)0);
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
  mpref_row(a->name, x, k, Y, J);

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
    unsigned long long ex0 = eng_exact_count(), outs = 0;
    for (int trial = 0; trial < 200; trial++) {
      size_t k = 1 + (size_t)(rnd() * 12), w;
      for (size_t i = 0; i < k; i++)
        x[i] = (rnd() - 0.5) * 20;
      check_row(fi, a, x, k);
      w = eng_activation_width(a, k);
      outs += w + w * k + k;
    }
    printf("  %-12s exact path for %llu of %llu outputs of 200 random rows\n", names[fi],
           eng_exact_count() - ex0, outs);
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

/* The hard cases of tests/gen/hard_rows.txt (tests/gen/hard_gen.c --rows): rows whose
 * output y_i, Jacobian entry or grad_x_j lies nearest a midpoint between doubles,
 * 2^-20 to 2^-34 ULP from it (sparsemax: exact ties too). Each must be the correctly
 * rounded value; prints how often the exact path ran for the rows' outputs. */
#define HARD_ROWS "tests/gen/hard_rows.txt"
#define ROWK 5
START_TEST(test_vector_hard_cases)
{
  FILE *f = fopen(HARD_ROWS, "r");
  char line[2048], name[32], oname[16];
  size_t n = 0, within30 = 0, ties = 0;
  unsigned long long slow0 = eng_exact_count(), outs = 0;
  mpfr_t Y[ROWK], J[ROWK * ROWK], e, t;
  ck_assert_msg(f != NULL, "cannot read %s (make hard-cases writes it)", HARD_ROWS);
  for (size_t i = 0; i < ROWK; i++)
    mpfr_init2(Y[i], MPREF_ROW_PREC);
  for (size_t i = 0; i < ROWK * ROWK; i++)
    mpfr_init2(J[i], MPREF_ROW_PREC);
  mpfr_inits2(MPREF_ROW_PREC, e, t, (mpfr_ptr)0);
  while (fgets(line, sizeof line, f) != NULL) {
    double x[ROWK], g[ROWK], y[ROWK], jac[ROWK * ROWK], gx[ROWK], l2, got;
    double p[ENG_MAX_PARAMS] = {0};
    size_t idx, k;
    int pos, off;
    const struct eng_activation *a;
    struct eng_act_out o = {0};
    if (line[0] == '#')
      continue;
    ck_assert_int_eq(sscanf(line, "%31s %15s %zu %zu %lf%n", name, oname, &idx, &k, &l2, &pos),
                     5);
    ck_assert(k >= 1 && k <= ROWK);
    for (size_t i = 0; i < 2 * k; i++) {
      ck_assert_int_eq(sscanf(line + pos, " %la%n", i < k ? &x[i] : &g[i - k], &off), 1);
      pos += off;
    }
    a = eng_activation_lookup(name);
    ck_assert_ptr_nonnull(a);
    eng_params_default(a, p);
    o.y = y;
    o.jac = jac;
    o.grad_y = g;
    o.grad_x = gx;
    ck_assert_int_eq(eng_activate(a, p, x, k, k, &o), ENG_OK);
    outs += 2 * k + k * k;
    mpref_row(name, x, k, Y, J);
    if (strcmp(oname, "y") == 0) {
      ck_assert(idx < k);
      mpfr_set(e, Y[idx], MPFR_RNDN);
      got = y[idx];
    } else if (strcmp(oname, "jacobian") == 0) {
      ck_assert(idx < k * k);
      mpfr_set(e, J[idx], MPFR_RNDN);
      got = jac[idx];
    } else { /* grad_x_j = sum_i g_i J[i][j] */
      ck_assert_str_eq(oname, "grad_x");
      ck_assert(idx < k);
      mpfr_set_ui(e, 0, MPFR_RNDN);
      for (size_t i = 0; i < k; i++) {
        mpfr_mul_d(t, J[i * k + idx], g[i], MPFR_RNDN);
        mpfr_add(e, e, t, MPFR_RNDN);
      }
      got = gx[idx];
    }
    ck_assert_msg(ulp_distance(got, mpfr_get_d(e, MPFR_RNDN)) == 0,
                  "%s %s[%zu] of a row of %zu (2^%.1f ULP from a midpoint): %a, exact %a", name,
                  oname, idx, k, l2, got, mpfr_get_d(e, MPFR_RNDN));
    n++;
    within30 += l2 <= -30;
    ties += l2 <= -128;
  }
  fclose(f);
  for (size_t i = 0; i < ROWK; i++)
    mpfr_clear(Y[i]);
  for (size_t i = 0; i < ROWK * ROWK; i++)
    mpfr_clear(J[i]);
  mpfr_clears(e, t, (mpfr_ptr)0);
  printf("  hard rows: %zu outputs near a midpoint between doubles (%zu within 2^-30 ULP, %zu "
         "exact ties), all correctly rounded; the exact path ran for %llu of the rows' %llu "
         "outputs (%.2f%%)\n",
         n, within30, ties, eng_exact_count() - slow0, outs,
         outs ? 100.0 * (double)(eng_exact_count() - slow0) / (double)outs : 0.0);
  ck_assert_msg(n >= 100, "only %zu hard rows in %s", n, HARD_ROWS);
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
  tcase_add_test(tc, test_vector_hard_cases);
  tcase_add_test(tc, test_vector_statuses);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(vector_suite)
