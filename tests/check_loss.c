/*
 * check_loss.c: eng_loss_eval against MPFR references computed from the definitions
 * (per-sample losses, the reduced loss, the gradient and the softmax), for every loss,
 * both reductions, class-index and probability targets, logits of +-1000 and
 * probabilities of 1e-300; then the error statuses.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <mpfr.h>

#include "../src/engine/dd.h" /* the engine's double-double exp, tested directly */
#include "engine.h"
#include "testutil.h"

/* Enough bits for exp(-2000) beside 1 in a log-sum-exp of logits +-1000. */
#define PREC 4096
#define MAXN 64
#define ULP_BOUND 4

/* Largest error seen per loss, printed at the end of each test. */
static uint64_t worst[ENG_LOSS__COUNT];

/* splitmix64: deterministic random points. */
static uint64_t mix(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static double unif(uint64_t *s, double lo, double hi)
{
  return lo + (hi - lo) * ((double)(mix(s) >> 11) * 0x1p-53);
}

/* ================================================================= Reference */

static double tgt(const struct eng_targets *t, size_t i, size_t j, size_t k)
{
  if (t->r != NULL)
    return t->r[i * k + j];
  return (size_t)t->cls[i] == j ? 1.0 : 0.0;
}

/* The reference per-sample losses L[i], gradient G[i k + j] (already divided by m for
 * MEAN) and softmax P (SOFTMAX_CROSS_ENTROPY), in MPFR. */
struct ref {
  mpfr_t L[MAXN], G[MAXN], P[MAXN], total;
};

static void ref_init(struct ref *r)
{
  for (int i = 0; i < MAXN; i++)
    mpfr_inits2(PREC, r->L[i], r->G[i], r->P[i], (mpfr_ptr)0);
  mpfr_init2(r->total, PREC);
}

static void ref_clear(struct ref *r)
{
  for (int i = 0; i < MAXN; i++)
    mpfr_clears(r->L[i], r->G[i], r->P[i], (mpfr_ptr)0);
  mpfr_clear(r->total);
}

static void ref_eval(enum eng_loss l, const double *x, size_t m, size_t k,
                     const struct eng_targets *t, enum eng_reduction red, struct ref *o)
{
  mpfr_t a, b, c, s, rs;
  mpfr_inits2(PREC, a, b, c, s, rs, (mpfr_ptr)0);
  mpfr_set_zero(o->total, 1);
  for (size_t i = 0; i < m; i++) {
    mpfr_t *L = &o->L[i];
    mpfr_set_zero(*L, 1);
    if (l == ENG_LOSS_SOFTMAX_CROSS_ENTROPY) {
      /* lse = ln sum exp z_j; MPFR's exponent range holds exp(1000). */
      mpfr_set_zero(s, 1);
      mpfr_set_zero(rs, 1);
      for (size_t j = 0; j < k; j++) {
        mpfr_set_d(a, x[i * k + j], MPFR_RNDN);
        mpfr_exp(a, a, MPFR_RNDN);
        mpfr_add(s, s, a, MPFR_RNDN);
        mpfr_add_d(rs, rs, tgt(t, i, j, k), MPFR_RNDN);
      }
      mpfr_log(c, s, MPFR_RNDN);
      for (size_t j = 0; j < k; j++) {
        double r = tgt(t, i, j, k);
        size_t q = i * k + j;
        mpfr_sub_d(a, c, x[q], MPFR_RNDN); /* lse - z_j */
        mpfr_mul_d(a, a, r, MPFR_RNDN);
        mpfr_add(*L, *L, a, MPFR_RNDN);
        mpfr_set_d(a, x[q], MPFR_RNDN);
        mpfr_sub(a, a, c, MPFR_RNDN);
        mpfr_exp(o->P[q], a, MPFR_RNDN);   /* softmax_j = exp(z_j - lse) */
        mpfr_mul(o->G[q], o->P[q], rs, MPFR_RNDN);
        mpfr_sub_d(o->G[q], o->G[q], r, MPFR_RNDN);
      }
    } else {
      for (size_t j = 0; j < k; j++) {
        double r = tgt(t, i, j, k), p = x[i * k + j];
        size_t q = i * k + j;
        switch (l) {
        case ENG_LOSS_SQUARED: /* 1/2 (x - r)^2; x - r */
          mpfr_set_d(a, p, MPFR_RNDN);
          mpfr_sub_d(o->G[q], a, r, MPFR_RNDN);
          mpfr_sqr(a, o->G[q], MPFR_RNDN);
          mpfr_div_2ui(a, a, 1, MPFR_RNDN);
          mpfr_add(*L, *L, a, MPFR_RNDN);
          break;
        case ENG_LOSS_MSE: /* (x - r)^2 / k; 2 (x - r) / k */
          mpfr_set_d(a, p, MPFR_RNDN);
          mpfr_sub_d(o->G[q], a, r, MPFR_RNDN);
          mpfr_sqr(a, o->G[q], MPFR_RNDN);
          mpfr_div_ui(a, a, (unsigned long)k, MPFR_RNDN);
          mpfr_add(*L, *L, a, MPFR_RNDN);
          mpfr_mul_2ui(o->G[q], o->G[q], 1, MPFR_RNDN);
          mpfr_div_ui(o->G[q], o->G[q], (unsigned long)k, MPFR_RNDN);
          break;
        case ENG_LOSS_CROSS_ENTROPY: /* -r ln p; -r / p */
          mpfr_set_zero(o->G[q], 1);
          if (r == 0)
            break;
          mpfr_set_d(a, p, MPFR_RNDN);
          mpfr_log(b, a, MPFR_RNDN);
          mpfr_mul_d(b, b, r, MPFR_RNDN);
          mpfr_sub(*L, *L, b, MPFR_RNDN);
          mpfr_set_d(b, -r, MPFR_RNDN);
          mpfr_div(o->G[q], b, a, MPFR_RNDN);
          break;
        case ENG_LOSS_BINARY_CROSS_ENTROPY:
          /* -(r ln p + (1 - r) ln(1 - p)); -r / p + (1 - r) / (1 - p) */
          mpfr_set_d(a, p, MPFR_RNDN);
          mpfr_d_sub(b, 1, a, MPFR_RNDN);       /* 1 - p */
          mpfr_set_d(c, r, MPFR_RNDN);
          mpfr_d_sub(c, 1, c, MPFR_RNDN);       /* 1 - r */
          mpfr_set_zero(o->G[q], 1);
          if (r > 0) {
            mpfr_log(s, a, MPFR_RNDN);
            mpfr_mul_d(s, s, r, MPFR_RNDN);
            mpfr_sub(*L, *L, s, MPFR_RNDN);
            mpfr_d_div(s, -r, a, MPFR_RNDN);
            mpfr_add(o->G[q], o->G[q], s, MPFR_RNDN);
          }
          if (r < 1) {
            mpfr_neg(s, a, MPFR_RNDN);
            mpfr_log1p(s, s, MPFR_RNDN); /* ln(1 - p) without rounding 1 - p */
            mpfr_mul(s, s, c, MPFR_RNDN);
            mpfr_sub(*L, *L, s, MPFR_RNDN);
            mpfr_div(s, c, b, MPFR_RNDN);
            mpfr_add(o->G[q], o->G[q], s, MPFR_RNDN);
          }
          break;
        case ENG_LOSS_SOFTMAX_CROSS_ENTROPY:
        case ENG_LOSS__COUNT:
          break;
        }
      }
    }
    mpfr_add(o->total, o->total, *L, MPFR_RNDN);
    if (red == ENG_REDUCE_MEAN)
      for (size_t j = 0; j < k; j++)
        mpfr_div_ui(o->G[i * k + j], o->G[i * k + j], (unsigned long)m, MPFR_RNDN);
  }
  if (red == ENG_REDUCE_MEAN)
    mpfr_div_ui(o->total, o->total, (unsigned long)m, MPFR_RNDN);
  mpfr_clears(a, b, c, s, rs, (mpfr_ptr)0);
}

/* ================================================================== Harness */

/* Asserts got within ULP_BOUND of the correctly rounded value, or, when abs_ok > 0,
 * within abs_ok of it. */
static void expect_close_abs(const char *what, size_t idx, double got, mpfr_t want,
                             enum eng_loss l, double abs_ok)
{
  double w = mpfr_get_d(want, MPFR_RNDN);
  uint64_t u = ulp_distance(got, w);
  if (abs_ok > 0 && fabs(got - w) <= abs_ok)
    return;
  if (u > worst[l])
    worst[l] = u;
  ck_assert_msg(u <= ULP_BOUND, "%s %s[%zu] = %.17g, want %.17g (%llu ulp)",
                eng_loss_name(l), what, idx, got, w, (unsigned long long)u);
}

static void expect_close(const char *what, size_t idx, double got, mpfr_t want,
                         enum eng_loss l)
{
  expect_close_abs(what, idx, got, want, l, 0);
}

/* Evaluates the loss with both reductions and compares every output with MPFR. */
static void check_case(enum eng_loss l, const double *x, size_t m, size_t k,
                       const struct eng_targets *t)
{
  static struct ref ref; /* large: kept out of the stack */
  double losses[MAXN], grad[MAXN], prob[MAXN], loss;
  size_t bad = 0;
  ck_assert(m * k <= MAXN);
  ref_init(&ref);
  for (int red = ENG_REDUCE_MEAN; red <= ENG_REDUCE_SUM; red++) {
    int rc = eng_loss_eval(l, x, m, k, t, (enum eng_reduction)red, losses, &loss, grad,
                           prob, &bad);
    ck_assert_msg(rc == ENG_OK, "%s: status %d at %zu", eng_loss_name(l), rc, bad);
    ref_eval(l, x, m, k, t, (enum eng_reduction)red, &ref);
    for (size_t i = 0; i < m; i++) {
      ck_assert_double_finite(losses[i]);
      expect_close("losses", i, losses[i], ref.L[i], l);
    }
    expect_close("loss", 0, loss, ref.total, l);
    for (size_t q = 0; q < m * k; q++) {
      ck_assert_double_finite(grad[q]);
      if (l == ENG_LOSS_SOFTMAX_CROSS_ENTROPY && t->r != NULL) {
        /* R softmax_j - r_j for a fractional target: the softmax is carried to about
         * 2^-95 (double-double), so a difference cancelled beyond 2^-50 is exact to
         * 4 ULP or to 2^-94 of the larger term. */
        double big = fmax(fabs(prob[q]), fabs(t->r[q]));
        if (red == ENG_REDUCE_MEAN)
          big /= (double)m;
        expect_close_abs("grad", q, grad[q], ref.G[q], l, 0x1p-94 * big);
      } else {
        expect_close("grad", q, grad[q], ref.G[q], l);
      }
      if (l == ENG_LOSS_SOFTMAX_CROSS_ENTROPY)
        expect_close("prob", q, prob[q], ref.P[q], l);
    }
  }
  ref_clear(&ref);
}

static void report(enum eng_loss l)
{
  printf("check_loss: %-22s max error %llu ulp\n", eng_loss_name(l),
         (unsigned long long)worst[l]);
}

/* ============================================================ Value tests */

START_TEST(test_loss_squared_matches_mpfr)
{
  uint64_t seed = 11;
  double x[MAXN], r[MAXN], cls[8];
  struct eng_targets tr = {r, NULL}, tc = {NULL, cls};
  for (int rep = 0; rep < 20; rep++) {
    size_t m = 1 + mix(&seed) % 6, k = 1 + mix(&seed) % 5;
    double scale = ldexp(1, (int)(mix(&seed) % 40) - 20);
    for (size_t q = 0; q < m * k; q++) {
      x[q] = unif(&seed, -scale, scale);
      r[q] = unif(&seed, -scale, scale);
    }
    check_case(ENG_LOSS_SQUARED, x, m, k, &tr);
    for (size_t i = 0; i < m; i++)
      cls[i] = (double)(mix(&seed) % k);
    check_case(ENG_LOSS_SQUARED, x, m, k, &tc);
  }
  {
    /* Values whose difference is far below either: x - r must not be rounded first. */
    double x2[3] = {1 + 0x1p-52, 1e150, -3};
    double r2[3] = {1, 1e150 * (1 + 0x1p-52), -3 - 0x1p-51};
    struct eng_targets t2 = {r2, NULL};
    check_case(ENG_LOSS_SQUARED, x2, 1, 3, &t2);
    check_case(ENG_LOSS_SQUARED, x2, 3, 1, &t2);
  }
  report(ENG_LOSS_SQUARED);
}
END_TEST

START_TEST(test_loss_squared_hand_values)
{
  double x[4] = {1, 2, 3, 5}, r[4] = {0, 0, 1, 1}, losses[2], loss, grad[4];
  struct eng_targets t = {r, NULL};
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_SQUARED, x, 2, 2, &t, ENG_REDUCE_SUM, losses,
                                 &loss, grad, NULL, NULL), ENG_OK);
  ck_assert_double_eq(losses[0], 2.5);   /* (1 + 4) / 2 */
  ck_assert_double_eq(losses[1], 10);    /* (4 + 16) / 2 */
  ck_assert_double_eq(loss, 12.5);
  ck_assert_double_eq(grad[3], 4);
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_SQUARED, x, 2, 2, &t, ENG_REDUCE_MEAN, losses,
                                 &loss, grad, NULL, NULL), ENG_OK);
  ck_assert_double_eq(loss, 6.25);
  ck_assert_double_eq(grad[3], 2);
}
END_TEST

START_TEST(test_loss_mse_matches_mpfr)
{
  uint64_t seed = 17;
  double x[MAXN], r[MAXN];
  struct eng_targets tr = {r, NULL};
  for (int rep = 0; rep < 20; rep++) {
    size_t m = 1 + mix(&seed) % 6, k = 1 + mix(&seed) % 5;
    double scale = ldexp(1, (int)(mix(&seed) % 40) - 20);
    for (size_t q = 0; q < m * k; q++) {
      x[q] = unif(&seed, -scale, scale);
      r[q] = unif(&seed, -scale, scale);
    }
    check_case(ENG_LOSS_MSE, x, m, k, &tr);
  }
  report(ENG_LOSS_MSE);
}
END_TEST

/* The conventions, on exact values: squared is 1/2 the sum over a row, mse the mean
 * over a row; "mean" divides by the samples. On [[1, 2], [3, 4]] against ones both
 * give 3.5 (with K = 2 the two conventions agree); on [[1, 2, 3]] against zeros
 * squared gives 7 and mse 14/3, PyTorch's MSELoss. */
START_TEST(test_loss_mse_hand_values)
{
  double x[4] = {1, 2, 3, 4}, r[4] = {1, 1, 1, 1}, x3[3] = {1, 2, 3}, z3[3] = {0, 0, 0};
  double losses[3], loss, grad[4];
  struct eng_targets t = {r, NULL}, t3 = {z3, NULL};
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_MSE, x, 2, 2, &t, ENG_REDUCE_MEAN, losses, &loss,
                                 grad, NULL, NULL), ENG_OK);
  ck_assert_double_eq(losses[0], 0.5);   /* (0 + 1) / 2 */
  ck_assert_double_eq(losses[1], 6.5);   /* (4 + 9) / 2 */
  ck_assert_double_eq(loss, 3.5);        /* 14 / 4 elements */
  ck_assert_double_eq(grad[3], 1.5);     /* 2 (4 - 1) / (2 * 2) */
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_SQUARED, x, 2, 2, &t, ENG_REDUCE_MEAN, losses, &loss,
                                 grad, NULL, NULL), ENG_OK);
  ck_assert_double_eq(loss, 3.5);        /* (1/2 + 13/2) / 2 samples */
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_MSE, x3, 1, 3, &t3, ENG_REDUCE_MEAN, losses, &loss,
                                 grad, NULL, NULL), ENG_OK);
  ck_assert_double_eq(loss, 14.0 / 3);
  ck_assert_double_eq(grad[2], 2.0);     /* 2 * 3 / 3 */
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_MSE, x3, 1, 3, &t3, ENG_REDUCE_SUM, losses, &loss,
                                 grad, NULL, NULL), ENG_OK);
  ck_assert_double_eq(loss, 14.0 / 3);
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_SQUARED, x3, 1, 3, &t3, ENG_REDUCE_MEAN, losses,
                                 &loss, grad, NULL, NULL), ENG_OK);
  ck_assert_double_eq(loss, 7);
  /* a 1-D input is one value per sample: mse over [1, 2, 3] against 0 is (1 + 4 + 9) / 3 */
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_MSE, x3, 3, 1, &t3, ENG_REDUCE_MEAN, losses, &loss,
                                 grad, NULL, NULL), ENG_OK);
  ck_assert_double_eq(loss, 14.0 / 3);
  ck_assert_double_eq(grad[0], 2.0 / 3);
}
END_TEST

/* A random probability row of k entries. */
static void prob_row(uint64_t *seed, double *p, size_t k)
{
  double s = 0;
  for (size_t j = 0; j < k; j++) {
    p[j] = unif(seed, 0.01, 1);
    s += p[j];
  }
  for (size_t j = 0; j < k; j++)
    p[j] /= s;
}

START_TEST(test_loss_cross_entropy_matches_mpfr)
{
  uint64_t seed = 12;
  double x[MAXN], r[MAXN], cls[8];
  struct eng_targets tr = {r, NULL}, tc = {NULL, cls};
  for (int rep = 0; rep < 20; rep++) {
    size_t m = 1 + mix(&seed) % 6, k = 1 + mix(&seed) % 5;
    for (size_t i = 0; i < m; i++) {
      prob_row(&seed, x + i * k, k);
      prob_row(&seed, r + i * k, k);
      cls[i] = (double)(mix(&seed) % k);
    }
    check_case(ENG_LOSS_CROSS_ENTROPY, x, m, k, &tr);
    check_case(ENG_LOSS_CROSS_ENTROPY, x, m, k, &tc);
  }
  {
    /* p = 1e-300 at the target: L = 300 ln 10; p = 0 where r = 0 is fine (0 ln 0 = 0);
     * p = 1 - 2^-53 (ln p = -2^-53 exactly enough to need a good log). */
    double p[6] = {1e-300, 1 - 1e-300, 0, 1 - 0x1p-53, 0x1p-53, 0};
    double rr[6] = {1, 0, 0, 1, 0, 0};
    double cc[2] = {0, 0};
    struct eng_targets t1 = {rr, NULL}, t2 = {NULL, cc};
    double losses[2], loss;
    check_case(ENG_LOSS_CROSS_ENTROPY, p, 2, 3, &t1);
    check_case(ENG_LOSS_CROSS_ENTROPY, p, 2, 3, &t2);
    ck_assert_int_eq(eng_loss_eval(ENG_LOSS_CROSS_ENTROPY, p, 2, 3, &t2, ENG_REDUCE_SUM,
                                   losses, &loss, NULL, NULL, NULL), ENG_OK);
    ck_assert_double_eq(losses[0], 690.77552789821368);
  }
  report(ENG_LOSS_CROSS_ENTROPY);
}
END_TEST

START_TEST(test_loss_binary_cross_entropy_matches_mpfr)
{
  uint64_t seed = 13;
  double x[MAXN], r[MAXN];
  struct eng_targets tr = {r, NULL};
  for (int rep = 0; rep < 30; rep++) {
    size_t m = 1 + mix(&seed) % 8, k = 1 + mix(&seed) % 3;
    for (size_t q = 0; q < m * k; q++) {
      /* probabilities from 1e-300 to 1 - 1e-16, log-uniformly near both ends */
      double e = unif(&seed, -300, 0);
      double p = pow(10, e);
      x[q] = mix(&seed) & 1 ? p : 1 - p;
      if (x[q] == 1)
        x[q] = 1 - 0x1p-53;
      switch (mix(&seed) % 3) {
      case 0: r[q] = 0; break;
      case 1: r[q] = 1; break;
      default: r[q] = unif(&seed, 0, 1); break;
      }
    }
    check_case(ENG_LOSS_BINARY_CROSS_ENTROPY, x, m, k, &tr);
  }
  {
    /* The far tails, p = 0 and 1 with consistent targets, p close to r. */
    double p[8] = {1e-300, 1e-300, 0, 1, 0.3, 0.3 + 0x1p-54, 1 - 0x1p-53, 4.9e-324};
    double rr[8] = {1, 0, 0, 1, 0.3, 0.3, 1, 0};
    struct eng_targets t = {rr, NULL};
    double losses[8], grad[8], loss;
    check_case(ENG_LOSS_BINARY_CROSS_ENTROPY, p, 8, 1, &t);
    ck_assert_int_eq(eng_loss_eval(ENG_LOSS_BINARY_CROSS_ENTROPY, p, 8, 1, &t,
                                   ENG_REDUCE_SUM, losses, &loss, grad, NULL, NULL),
                     ENG_OK);
    ck_assert_double_eq(losses[0], 690.77552789821368); /* -ln 1e-300, not 100 */
    ck_assert_double_eq(losses[1], 1e-300);             /* -log1p(-1e-300) */
    ck_assert_double_eq(losses[2], 0);
    ck_assert_double_eq(grad[2], 1);
    ck_assert_double_eq(grad[3], -1);
    ck_assert(ulp_distance(grad[0], -1 / 1e-300) <= 1);
  }
  report(ENG_LOSS_BINARY_CROSS_ENTROPY);
}
END_TEST

START_TEST(test_loss_softmax_cross_entropy_matches_mpfr)
{
  uint64_t seed = 14;
  double x[MAXN], r[MAXN], cls[16];
  struct eng_targets tr = {r, NULL}, tc = {NULL, cls};
  for (int rep = 0; rep < 30; rep++) {
    size_t m = 1 + mix(&seed) % 5, k = 1 + mix(&seed) % 6;
    double scale = rep < 10 ? 3 : rep < 20 ? 40 : 1000;
    for (size_t i = 0; i < m; i++) {
      for (size_t j = 0; j < k; j++)
        x[i * k + j] = unif(&seed, -scale, scale);
      prob_row(&seed, r + i * k, k);
      cls[i] = (double)(mix(&seed) % k);
    }
    check_case(ENG_LOSS_SOFTMAX_CROSS_ENTROPY, x, m, k, &tr);
    check_case(ENG_LOSS_SOFTMAX_CROSS_ENTROPY, x, m, k, &tc);
  }
  {
    /* Logits of +-1000, ties, a dominant class (L tiny), one logit per row. */
    double z[12] = {1000, -1000, 0, -1000, 1000, 1000, 30, 0, -5, 2, 2 + 0x1p-51, 2};
    double c1[4] = {0, 0, 0, 1}, c2[4] = {1, 2, 1, 2};
    struct eng_targets t1 = {NULL, c1}, t2 = {NULL, c2};
    double losses[4], loss, grad[12], prob[12];
    check_case(ENG_LOSS_SOFTMAX_CROSS_ENTROPY, z, 4, 3, &t1);
    check_case(ENG_LOSS_SOFTMAX_CROSS_ENTROPY, z, 4, 3, &t2);
    check_case(ENG_LOSS_SOFTMAX_CROSS_ENTROPY, z, 12, 1, &(struct eng_targets){NULL,
      (const double[12]){0}});
    ck_assert_int_eq(eng_loss_eval(ENG_LOSS_SOFTMAX_CROSS_ENTROPY, z, 4, 3, &t2,
                                   ENG_REDUCE_SUM, losses, &loss, grad, prob, NULL),
                     ENG_OK);
    ck_assert_double_eq(losses[0], 2000);               /* lse - z_1 = 1000 + 1000 */
    ck_assert(ulp_distance(losses[1], 0.69314718055994531) <= 1); /* ln 2 */
    ck_assert_double_eq(prob[4], 0.5);
    ck_assert_double_eq(grad[0], 1);                    /* softmax - r = 1 - 0 */
    ck_assert_double_eq(grad[1], -1);
    /* exp(-30) = 9.357622968840175e-14 in ulp: the dominant-class loss log1p(...) */
    ck_assert_double_eq_tol(losses[2] - 30, 0, 1e-12);
  }
  report(ENG_LOSS_SOFTMAX_CROSS_ENTROPY);
}
END_TEST

START_TEST(test_loss_softmax_cross_entropy_target_near_softmax)
{
  /* r = softmax(1, 2, 3) rounded to doubles: softmax - r is ~1e-17 and all of it must
   * be right, which needs the exponentials beyond double precision. */
  double z[3] = {1, 2, 3};
  double r[3] = {0.09003057317038046, 0.24472847105479767, 0.6652409557748219};
  struct eng_targets t = {r, NULL};
  check_case(ENG_LOSS_SOFTMAX_CROSS_ENTROPY, z, 1, 3, &t);
}
END_TEST

START_TEST(test_loss_softmax_cross_entropy_tiny_loss_is_exact)
{
  /* z = (30, 0), class 0: L = log1p(exp(-30)) = 9.357622968840171e-14 (MPFR); the
   * textbook lse - z_0 would keep about 3 digits of it. */
  double z[2] = {30, 0}, c[1] = {0}, losses[1], loss, grad[2];
  struct eng_targets t = {NULL, c};
  check_case(ENG_LOSS_SOFTMAX_CROSS_ENTROPY, z, 1, 2, &t);
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_SOFTMAX_CROSS_ENTROPY, z, 1, 2, &t,
                                 ENG_REDUCE_MEAN, losses, &loss, grad, NULL, NULL), ENG_OK);
  ck_assert_double_eq(grad[0], -grad[1]);
  ck_assert_double_eq_tol(losses[0], 9.357622968840171e-14, 1e-26);
}
END_TEST

START_TEST(test_loss_dd_exp_matches_mpfr)
{
  /* exp of a double-double to below 2^-95 relative, while the result keeps its second
   * word (x > -600 here; the second word underflows below about -670); checked at seeded points with a second word. */
  uint64_t seed = 15;
  double max_rel = 0;
  mpfr_t want, got;
  mpfr_inits2(PREC, want, got, (mpfr_ptr)0);
  for (int i = 0; i < 4000; i++) {
    double hi = i < 3000 ? unif(&seed, -600, 0) : unif(&seed, -1, 0);
    struct dd x = two_sum(hi, hi * unif(&seed, -1, 1) * 0x1p-53), e = dd_exp(x);
    double rel;
    mpfr_set_d(want, x.hi, MPFR_RNDN);
    mpfr_add_d(want, want, x.lo, MPFR_RNDN);
    mpfr_exp(want, want, MPFR_RNDN);
    mpfr_set_d(got, e.hi, MPFR_RNDN);
    mpfr_add_d(got, got, e.lo, MPFR_RNDN);
    mpfr_sub(got, got, want, MPFR_RNDN);
    mpfr_div(got, got, want, MPFR_RNDN);
    rel = fabs(mpfr_get_d(got, MPFR_RNDN));
    if (rel > max_rel)
      max_rel = rel;
    ck_assert_msg(rel < 0x1p-95, "dd_exp(%.17g + %.17g): relative error %g", x.hi, x.lo, rel);
  }
  printf("check_loss: dd_exp max relative error 2^%.1f\n", log2(max_rel));
  mpfr_clears(want, got, (mpfr_ptr)0);
}
END_TEST

/* ============================================================ Error statuses */

struct err_case {
  enum eng_loss l;
  size_t m, k;
  double x[4];
  double r[4];
  int use_cls;
  int want;
  size_t bad;
};

static const struct err_case err_cases[] = {
  /* class indices: not an integer, out of range, negative */
  {ENG_LOSS_SOFTMAX_CROSS_ENTROPY, 2, 2, {1, 2, 3, 4}, {0, 1.5}, 1, ENG_ETARGET, 1},
  {ENG_LOSS_SOFTMAX_CROSS_ENTROPY, 2, 2, {1, 2, 3, 4}, {2, 0}, 1, ENG_ETARGET, 0},
  {ENG_LOSS_CROSS_ENTROPY, 2, 2, {0.5, 0.5, 0.5, 0.5}, {0, -1}, 1, ENG_ETARGET, 1},
  {ENG_LOSS_SQUARED, 2, 2, {1, 2, 3, 4}, {0, NAN}, 1, ENG_ETARGET, 1},
  /* target values outside [0, 1] where the loss needs probabilities; NaN anywhere */
  {ENG_LOSS_BINARY_CROSS_ENTROPY, 4, 1, {0.5, 0.5, 0.5, 0.5}, {0, 1, 1.5, 0}, 0,
   ENG_ETARGET, 2},
  {ENG_LOSS_CROSS_ENTROPY, 1, 4, {0.25, 0.25, 0.25, 0.25}, {0, 0, 0, -0.1}, 0,
   ENG_ETARGET, 3},
  {ENG_LOSS_SQUARED, 1, 4, {1, 2, 3, 4}, {0, INFINITY, 0, 0}, 0, ENG_ETARGET, 1},
  /* probabilities outside [0, 1], 0 under a positive target, 1 under r < 1 */
  {ENG_LOSS_CROSS_ENTROPY, 1, 4, {0.5, 0.6, -0.1, 0}, {0, 1, 0, 0}, 0, ENG_EDOMAIN, 2},
  {ENG_LOSS_CROSS_ENTROPY, 1, 4, {0.5, 0, 0.5, 0}, {0, 1, 0, 0}, 0, ENG_EDOMAIN, 1},
  {ENG_LOSS_CROSS_ENTROPY, 2, 2, {0.5, 0.5, 1, 0}, {0, 1}, 1, ENG_EDOMAIN, 3},
  {ENG_LOSS_BINARY_CROSS_ENTROPY, 4, 1, {0.5, 1.0000000000000002, 0.5, 0.5},
   {0, 1, 1, 0}, 0, ENG_EDOMAIN, 1},
  {ENG_LOSS_BINARY_CROSS_ENTROPY, 4, 1, {0.5, 0.5, 0, 0.5}, {0, 1, 0.25, 0}, 0,
   ENG_EDOMAIN, 2},
  {ENG_LOSS_BINARY_CROSS_ENTROPY, 4, 1, {0.5, 0.5, 0.5, 1}, {0, 1, 0.25, 0.5}, 0,
   ENG_EDOMAIN, 3},
  {ENG_LOSS_SOFTMAX_CROSS_ENTROPY, 1, 4, {1, NAN, 0, 0}, {0}, 1, ENG_EDOMAIN, 1},
  {ENG_LOSS_SQUARED, 1, 4, {1, 2, -INFINITY, 0}, {0, 0, 0, 0}, 0, ENG_EDOMAIN, 2},
};

START_TEST(test_loss_error_statuses)
{
  const struct err_case *c = &err_cases[_i];
  struct eng_targets t = {c->use_cls ? NULL : c->r, c->use_cls ? c->r : NULL};
  double losses[4], loss, grad[4];
  size_t bad = 99;
  int rc = eng_loss_eval(c->l, c->x, c->m, c->k, &t, ENG_REDUCE_MEAN, losses, &loss, grad,
                         NULL, &bad);
  ck_assert_int_eq(rc, c->want);
  ck_assert_uint_eq(bad, c->bad);
}
END_TEST

START_TEST(test_loss_invalid_arguments)
{
  double x[2] = {0.5, 0.5}, r[2] = {1, 0}, loss;
  struct eng_targets both = {r, r}, none = {NULL, NULL}, ok = {r, NULL};
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_SQUARED, x, 1, 2, &both, ENG_REDUCE_MEAN, NULL,
                                 &loss, NULL, NULL, NULL), ENG_EINVAL);
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_SQUARED, x, 1, 2, &none, ENG_REDUCE_MEAN, NULL,
                                 &loss, NULL, NULL, NULL), ENG_EINVAL);
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_SQUARED, NULL, 1, 2, &ok, ENG_REDUCE_MEAN, NULL,
                                 &loss, NULL, NULL, NULL), ENG_EINVAL);
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS__COUNT, x, 1, 2, &ok, ENG_REDUCE_MEAN, NULL,
                                 &loss, NULL, NULL, NULL), ENG_EINVAL);
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_SQUARED, x, 0, 2, &ok, ENG_REDUCE_MEAN, NULL,
                                 &loss, NULL, NULL, NULL), ENG_ESHAPE);
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_SQUARED, x, 1, 0, &ok, ENG_REDUCE_MEAN, NULL,
                                 &loss, NULL, NULL, NULL), ENG_ESHAPE);
  /* the outputs are optional */
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_SQUARED, x, 1, 2, &ok, ENG_REDUCE_MEAN, NULL,
                                 NULL, NULL, NULL, NULL), ENG_OK);
}
END_TEST

START_TEST(test_loss_names_round_trip)
{
  for (int l = 0; l < ENG_LOSS__COUNT; l++)
    ck_assert_int_eq(eng_loss_lookup(eng_loss_name((enum eng_loss)l)), l);
  ck_assert_int_eq(eng_loss_lookup("hinge"), -1);
  ck_assert_ptr_null(eng_loss_name(ENG_LOSS__COUNT));
}
END_TEST

static Suite *loss_suite(void)
{
  Suite *s = suite_create("loss");
  TCase *tc = tcase_create("values");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_loss_squared_matches_mpfr);
  tcase_add_test(tc, test_loss_squared_hand_values);
  tcase_add_test(tc, test_loss_mse_matches_mpfr);
  tcase_add_test(tc, test_loss_mse_hand_values);
  tcase_add_test(tc, test_loss_cross_entropy_matches_mpfr);
  tcase_add_test(tc, test_loss_binary_cross_entropy_matches_mpfr);
  tcase_add_test(tc, test_loss_softmax_cross_entropy_matches_mpfr);
  tcase_add_test(tc, test_loss_softmax_cross_entropy_target_near_softmax);
  tcase_add_test(tc, test_loss_softmax_cross_entropy_tiny_loss_is_exact);
  tcase_add_test(tc, test_loss_dd_exp_matches_mpfr);
  suite_add_tcase(s, tc);
  tc = tcase_create("errors");
  tcase_add_loop_test(tc, test_loss_error_statuses, 0,
                      (int)(sizeof err_cases / sizeof err_cases[0]));
  tcase_add_test(tc, test_loss_invalid_arguments);
  tcase_add_test(tc, test_loss_names_round_trip);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(loss_suite)
