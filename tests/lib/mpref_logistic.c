/*
 * mpref_logistic.c: MPFR references for the logistic family, written from the
 * definitions on jets (jet.h): sigmoid(a x), tanh, log_sigmoid = -softplus(-x),
 * softplus(beta x) / beta, x sigmoid(beta x), x - tanh x, (x + sqrt(x^2 + b)) / 2.
 */
#include "mpref_common.h"

static void f_sigmoid(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                      const double *pv)
{
  struct jet u;
  (void)x0;
  (void)pv;
  jet_init(&u);
  jet_mul(&u, p[0], x);
  jet_logistic(y, NULL, &u);
  jet_clear(&u);
}

static void f_tanh(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                   const double *pv)
{
  (void)p;
  (void)x0;
  (void)pv;
  jet_tanh(y, x);
}

static void f_log_sigmoid(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                          const double *pv)
{
  struct jet u;
  (void)p;
  (void)x0;
  (void)pv;
  jet_init(&u);
  jet_neg(&u, x);
  jet_softplus(y, &u);
  jet_neg(y, y);
  jet_clear(&u);
}

static void f_softplus(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                       const double *pv)
{
  struct jet u, s;
  (void)x0;
  (void)pv;
  jet_init(&u);
  jet_init(&s);
  jet_mul(&u, p[0], x);
  jet_softplus(&s, &u);
  jet_div(y, &s, p[0]);
  jet_clear(&u);
  jet_clear(&s);
}

static void f_swish(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                    const double *pv)
{
  struct jet u, s;
  (void)x0;
  (void)pv;
  jet_init(&u);
  jet_init(&s);
  jet_mul(&u, p[0], x);
  jet_logistic(&s, NULL, &u);
  jet_mul(y, x, &s);
  jet_clear(&u);
  jet_clear(&s);
}

static void f_tanhshrink(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                         const double *pv)
{
  struct jet t;
  (void)p;
  (void)x0;
  (void)pv;
  jet_init(&t);
  jet_tanh(&t, x);
  jet_sub(y, x, &t);
  jet_clear(&t);
}

static void f_squareplus(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                         const double *pv)
{
  struct jet r;
  (void)x0;
  (void)pv;
  jet_init(&r);
  jet_mul(&r, x, x);
  jet_add(&r, &r, p[0]);
  jet_sqrt(&r, &r);
  jet_add(y, x, &r);
  jet_mul_d(y, y, 0.5);
  jet_clear(&r);
}

#define REF(fname, np, mask)                                                       \
  static int r_##fname(mpfr_t *out, double x, const double *p, unsigned want)     \
  {                                                                                \
    return mpref_eval(f_##fname, np, mask, out, x, p, want);                       \
  }
REF(sigmoid, 1, 1)
REF(tanh, 0, 0)
REF(log_sigmoid, 0, 0)
REF(softplus, 1, 1)
REF(swish, 1, 1)
REF(tanhshrink, 0, 0)
REF(squareplus, 1, 1)

static size_t pts_sigmoid(const double *p, double *pts, size_t cap);
static size_t pts_tanh(const double *p, double *pts, size_t cap);
static size_t pts_log_sigmoid(const double *p, double *pts, size_t cap);
static size_t pts_softplus(const double *p, double *pts, size_t cap);
static size_t pts_swish(const double *p, double *pts, size_t cap);
static size_t pts_tanhshrink(const double *p, double *pts, size_t cap);
static size_t pts_squareplus(const double *p, double *pts, size_t cap);

static const double ps_sigmoid[][ENG_MAX_PARAMS] = {{2}, {-0.5}, {1e-3}, {1e3}, {0.1}};
static const double ps_softplus[][ENG_MAX_PARAMS] = {{0.5}, {2}, {1e-3}, {1e3}};
static const double ps_swish[][ENG_MAX_PARAMS] = {{0.5}, {2}, {1.702}, {1e-3}, {-1}};
static const double ps_squareplus[][ENG_MAX_PARAMS] = {{1}, {1e-6}, {100}};

#define NPS(a) (sizeof a / sizeof a[0])
const struct mpref mpref_logistic[] = {
  {"sigmoid", r_sigmoid, NPS(ps_sigmoid), ps_sigmoid, pts_sigmoid},
  {"tanh", r_tanh, 0, NULL, pts_tanh},
  {"log_sigmoid", r_log_sigmoid, 0, NULL, pts_log_sigmoid},
  {"softplus", r_softplus, NPS(ps_softplus), ps_softplus, pts_softplus},
  {"swish", r_swish, NPS(ps_swish), ps_swish, pts_swish},
  {"tanhshrink", r_tanhshrink, 0, NULL, pts_tanhshrink},
  {"squareplus", r_squareplus, NPS(ps_squareplus), ps_squareplus, pts_squareplus},
  {.name = NULL},
};

/* The zeros of y, y', y'' on [-8/|p|, 8/|p|] (the scale of the parameter) and 0. */
static size_t zeros_scaled(const char *name, const double *p, double scale, double *pts,
                           size_t cap)
{
  static const double k[] = {0};
  const struct mpref *r = mpref_find(name);
  double w = 8 / scale;
  return mpref_zero_points(r, p, -w, w, w / 400, k, 1, pts, 0, cap);
}
static size_t pts_sigmoid(const double *p, double *pts, size_t cap)
{
  return zeros_scaled("sigmoid", p, p[0] < 0 ? -p[0] : p[0], pts, cap);
}
static size_t pts_tanh(const double *p, double *pts, size_t cap)
{
  return zeros_scaled("tanh", p, 1, pts, cap);
}
static size_t pts_log_sigmoid(const double *p, double *pts, size_t cap)
{
  return zeros_scaled("log_sigmoid", p, 1, pts, cap);
}
static size_t pts_softplus(const double *p, double *pts, size_t cap)
{
  return zeros_scaled("softplus", p, p[0], pts, cap);
}
static size_t pts_swish(const double *p, double *pts, size_t cap)
{
  return zeros_scaled("swish", p, p[0] < 0 ? -p[0] : p[0], pts, cap);
}
static size_t pts_tanhshrink(const double *p, double *pts, size_t cap)
{
  return zeros_scaled("tanhshrink", p, 1, pts, cap);
}
static size_t pts_squareplus(const double *p, double *pts, size_t cap)
{
  return zeros_scaled("squareplus", p, 1, pts, cap);
}
