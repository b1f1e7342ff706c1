/*
 * mpref_piecewise.c: MPFR references for the piecewise-linear and rational
 * activations. Each formula picks its piece from x0 and the parameters, so the
 * kink rules of the table (PyTorch's) are part of the reference: at a kink the piece
 * whose derivative the rule names is the one evaluated.
 */
#include <float.h>

#include "mpref_common.h"

#define UNUSED_PARAMS (void)p; (void)pv

static void f_identity(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                       const double *pv)
{
  UNUSED_PARAMS;
  (void)x0;
  jet_set(y, x);
}

static void f_step(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                   const double *pv)
{
  UNUSED_PARAMS;
  (void)x;
  jet_const_d(y, x0 > 0 ? 1 : 0);
}

/* slope x + offset inside (0, 1) (open: the corners belong to the flat pieces) */
static void f_hard_sigmoid(struct jet *y, const struct jet *x, struct jet *const *p,
                           double x0, const double *pv)
{
  mpfr_t t;
  mpfr_init2(t, 2200);
  mpfr_set_d(t, pv[0], MPFR_RNDN);
  mpfr_mul_d(t, t, x0, MPFR_RNDN);
  mpfr_add_d(t, t, pv[1], MPFR_RNDN);
  if (mpfr_cmp_ui(t, 0) <= 0) {
    jet_const_d(y, 0);
  } else if (mpfr_cmp_ui(t, 1) >= 0) {
    jet_const_d(y, 1);
  } else {
    jet_mul(y, p[0], x);
    jet_add(y, y, p[1]);
  }
  mpfr_clear(t);
}

/* x strictly inside; min_val below (a jet in min_val), max_val above; at a corner the
 * constant corner value (y' = 0 and no parameter gradient there). */
static void f_hard_tanh(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                        const double *pv)
{
  if (x0 < pv[0])
    jet_set(y, p[0]);
  else if (x0 > pv[1])
    jet_set(y, p[1]);
  else if (x0 == pv[0] || x0 == pv[1])
    jet_const_d(y, x0);
  else
    jet_set(y, x);
}

static void f_relu(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                   const double *pv)
{
  UNUSED_PARAMS;
  if (x0 > 0)
    jet_set(y, x);
  else
    jet_const_d(y, 0);
}

static void f_relu6(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                    const double *pv)
{
  UNUSED_PARAMS;
  if (x0 > 0 && x0 < 6)
    jet_set(y, x);
  else
    jet_const_d(y, x0 <= 0 ? 0 : 6);
}

static void f_leaky_relu(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                         const double *pv)
{
  (void)pv;
  if (x0 > 0)
    jet_set(y, x);
  else
    jet_mul(y, p[0], x);
}

static void f_rrelu(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                    const double *pv)
{
  (void)pv;
  if (x0 > 0) {
    jet_set(y, x);
  } else {
    struct jet a;
    jet_init(&a);
    jet_add(&a, p[0], p[1]);
    jet_mul_d(&a, &a, 0.5);
    jet_mul(y, &a, x);
    jet_clear(&a);
  }
}

static void f_threshold(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                        const double *pv)
{
  if (x0 > pv[0])
    jet_set(y, x);
  else
    jet_set(y, p[1]);
}

static void f_thresholded_relu(struct jet *y, const struct jet *x, struct jet *const *p,
                               double x0, const double *pv)
{
  (void)p;
  if (x0 > pv[0])
    jet_set(y, x);
  else
    jet_const_d(y, 0);
}

/* 0 at and below -3 (hard_swish'(-3) = 0), x at and above 3 (hard_swish'(3) = 1) */
static void f_hard_swish(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                         const double *pv)
{
  UNUSED_PARAMS;
  if (x0 <= -3) {
    jet_const_d(y, 0);
  } else if (x0 >= 3) {
    jet_set(y, x);
  } else {
    struct jet t;
    jet_init(&t);
    jet_add_d(&t, x, 3);
    jet_mul(y, x, &t);
    jet_mul_d(y, y, 1.0 / 8); /* / 6 as * (1/8) * (4/3): 1/6 is not a double */
    jet_mul_d(y, y, 4);
    for (int i = 0; i < y->n; i++)
      mpfr_div_ui(y->c[i], y->c[i], 3, MPFR_RNDN);
    jet_clear(&t);
  }
}

static void f_hardshrink(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                         const double *pv)
{
  (void)p;
  if (x0 > pv[0] || x0 < -pv[0])
    jet_set(y, x);
  else
    jet_const_d(y, 0);
}

static void f_softshrink(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                         const double *pv)
{
  if (x0 > pv[0])
    jet_sub(y, x, p[0]);
  else if (x0 < -pv[0])
    jet_add(y, x, p[0]);
  else
    jet_const_d(y, 0);
}

/* x / (1 + |x|); at 0 the second derivative is 0 (the mean of its one-sided limits,
 * as sign(0) = 0 gives in PyTorch's autograd) */
static void f_softsign(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                       const double *pv)
{
  struct jet d;
  UNUSED_PARAMS;
  jet_init(&d);
  if (x0 >= 0)
    jet_add_d(&d, x, 1);
  else {
    jet_neg(&d, x);
    jet_add_d(&d, &d, 1);
  }
  jet_div(y, x, &d);
  if (x0 == 0 && y->n > 2)
    mpfr_set_zero(y->c[2], 1);
  jet_clear(&d);
}

#define REF(fname, np, mask)                                                       \
  static int r_##fname(mpfr_t *out, double x, const double *p, unsigned want)     \
  {                                                                                \
    return mpref_eval(f_##fname, np, mask, out, x, p, want);                       \
  }
REF(identity, 0, 0)
REF(step, 0, 0)
REF(hard_sigmoid, 2, 3)
REF(hard_tanh, 2, 3)
REF(relu, 0, 0)
REF(relu6, 0, 0)
REF(leaky_relu, 1, 1)
REF(rrelu, 2, 3)
REF(threshold, 2, 2)
REF(thresholded_relu, 1, 0)
REF(hard_swish, 0, 0)
REF(hardshrink, 1, 0)
REF(softshrink, 1, 1)
REF(softsign, 0, 0)

/* Kinks of each row at its parameters, and their neighbours. */
static size_t pts_kinks(const double *k, size_t nk, double *pts, size_t cap)
{
  size_t n = 0;
  for (size_t i = 0; i < nk; i++)
    n = mpref_around(k[i], 3, pts, n, cap);
  return n;
}
static size_t pts_zero(const double *p, double *pts, size_t cap)
{
  static const double k[] = {0};
  (void)p;
  return pts_kinks(k, 1, pts, cap);
}
static size_t pts_relu6(const double *p, double *pts, size_t cap)
{
  static const double k[] = {0, 6};
  (void)p;
  return pts_kinks(k, 2, pts, cap);
}
static size_t pts_hard_swish(const double *p, double *pts, size_t cap)
{
  static const double k[] = {-3, 3, 0, -1.5};
  (void)p;
  return pts_kinks(k, 4, pts, cap);
}
static size_t pts_hard_sigmoid(const double *p, double *pts, size_t cap)
{
  double k[3] = {0, 0, 0};
  if (p[0] != 0) {
    k[0] = -p[1] / p[0];
    k[1] = (1 - p[1]) / p[0];
  }
  return pts_kinks(k, 3, pts, cap);
}
static size_t pts_p01(const double *p, double *pts, size_t cap)
{
  double k[3] = {p[0], p[1], 0};
  return pts_kinks(k, 3, pts, cap);
}
static size_t pts_p0(const double *p, double *pts, size_t cap)
{
  double k[2] = {p[0], 0};
  return pts_kinks(k, 2, pts, cap);
}
static size_t pts_pm0(const double *p, double *pts, size_t cap)
{
  double k[3] = {p[0], -p[0], 0};
  return pts_kinks(k, 3, pts, cap);
}

static const double ps_hard_sigmoid[][ENG_MAX_PARAMS] = {{0.25, 0.5}, {-2, 0.25}, {1e-300, 0.5}, {3, -1}};
static const double ps_hard_tanh[][ENG_MAX_PARAMS] = {{-2, 0.5}, {-1e-300, 1e-300}, {0, 6}};
static const double ps_leaky[][ENG_MAX_PARAMS] = {{0.1}, {-0.5}, {1e300}, {0}};
static const double ps_rrelu[][ENG_MAX_PARAMS] = {{0.1, 0.3}, {0.2, 0.2}, {-1, 2}};
static const double ps_threshold[][ENG_MAX_PARAMS] = {{1, -3}, {-2.5, 0.5}};
static const double ps_thr_relu[][ENG_MAX_PARAMS] = {{0}, {-1.5}, {2.5}};
static const double ps_shrink[][ENG_MAX_PARAMS] = {{0}, {1.5}, {1e-300}};

#define NPS(a) (sizeof a / sizeof a[0])
const struct mpref mpref_piecewise[] = {
  {"identity", r_identity, 0, NULL, pts_zero},
  {"step", r_step, 0, NULL, pts_zero},
  {"hard_sigmoid", r_hard_sigmoid, NPS(ps_hard_sigmoid), ps_hard_sigmoid, pts_hard_sigmoid},
  {"hard_logistic", r_hard_sigmoid, NPS(ps_hard_sigmoid), ps_hard_sigmoid, pts_hard_sigmoid},
  {"hard_tanh", r_hard_tanh, NPS(ps_hard_tanh), ps_hard_tanh, pts_p01},
  {"relu", r_relu, 0, NULL, pts_zero},
  {"relu6", r_relu6, 0, NULL, pts_relu6},
  {"leaky_relu", r_leaky_relu, NPS(ps_leaky), ps_leaky, pts_zero},
  {"prelu", r_leaky_relu, NPS(ps_leaky), ps_leaky, pts_zero},
  {"rrelu", r_rrelu, NPS(ps_rrelu), ps_rrelu, pts_zero},
  {"threshold", r_threshold, NPS(ps_threshold), ps_threshold, pts_p01},
  {"thresholded_relu", r_thresholded_relu, NPS(ps_thr_relu), ps_thr_relu, pts_p0},
  {"hard_swish", r_hard_swish, 0, NULL, pts_hard_swish},
  {"hardshrink", r_hardshrink, NPS(ps_shrink), ps_shrink, pts_pm0},
  {"softshrink", r_softshrink, NPS(ps_shrink), ps_shrink, pts_pm0},
  {"softsign", r_softsign, 0, NULL, pts_zero},
  {.name = NULL},
};
