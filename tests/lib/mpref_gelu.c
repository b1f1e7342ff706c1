/*
 * mpref_gelu.c: MPFR references for GELU's three forms and mish, on jets:
 *   none:    x erfc(-x / sqrt 2) / 2
 *   tanh:    (x / 2)(1 + tanh(v)) = x sigmoid(2 v), v = sqrt(2/pi)(x + 0.044715 x^3)
 *   sigmoid: x sigmoid(1.702 x)
 *   mish:    x tanh(softplus(x))
 * The constants are the decimal and mathematical ones, not their doubles.
 */
#include "mpref_common.h"

static void const_str(struct jet *r, const char *s)
{
  mpfr_t v;
  mpfr_init2(v, mpfr_get_prec(r->c[0]));
  mpfr_set_str(v, s, 10, MPFR_RNDN);
  jet_const(r, v);
  mpfr_clear(v);
}

static void f_gelu(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                   const double *pv)
{
  struct jet t, c;
  mpfr_t k;
  (void)p;
  (void)x0;
  jet_init(&t);
  jet_init(&c);
  mpfr_init2(k, mpfr_get_prec(x->c[0]));
  if (pv[0] == 0) {
    mpfr_sqrt_ui(k, 2, MPFR_RNDN);
    mpfr_ui_div(k, 1, k, MPFR_RNDN);
    mpfr_neg(k, k, MPFR_RNDN);
    jet_const(&c, k);
    jet_mul(&t, x, &c);
    jet_erfc(&t, &t);
    jet_mul(y, x, &t);
    jet_mul_d(y, y, 0.5);
  } else if (pv[0] == 1) {
    /* w = 2 sqrt(2/pi) (x + 0.044715 x^3) */
    struct jet w;
    jet_init(&w);
    const_str(&c, "0.044715");
    jet_mul(&w, x, x);
    jet_mul(&w, &w, &c);
    jet_add_d(&w, &w, 1);
    jet_mul(&w, &w, x);
    mpfr_const_pi(k, MPFR_RNDN);
    mpfr_ui_div(k, 2, k, MPFR_RNDN);
    mpfr_sqrt(k, k, MPFR_RNDN);
    mpfr_mul_ui(k, k, 2, MPFR_RNDN);
    jet_const(&c, k);
    jet_mul(&w, &w, &c);
    jet_logistic(&t, NULL, &w);
    jet_mul(y, x, &t);
    jet_clear(&w);
  } else {
    const_str(&c, "1.702");
    jet_mul(&t, x, &c);
    jet_logistic(&t, NULL, &t);
    jet_mul(y, x, &t);
  }
  mpfr_clear(k);
  jet_clear(&t);
  jet_clear(&c);
}

static void f_mish(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                   const double *pv)
{
  struct jet s, t;
  (void)p;
  (void)x0;
  (void)pv;
  jet_init(&s);
  jet_init(&t);
  jet_softplus(&s, x);
  jet_tanh(&t, &s);
  jet_mul(y, x, &t);
  jet_clear(&s);
  jet_clear(&t);
}

static int r_gelu(mpfr_t *out, double x, const double *p, unsigned want)
{
  return mpref_eval(f_gelu, 1, 0, out, x, p, want);
}

static int r_mish(mpfr_t *out, double x, const double *p, unsigned want)
{
  return mpref_eval(f_mish, 0, 0, out, x, p, want);
}

static size_t pts_gelu(const double *p, double *pts, size_t cap)
{
  static const double k[] = {0};
  return mpref_zero_points(mpref_find("gelu"), p, -8, 8, 0.02, k, 1, pts, 0, cap);
}

static size_t pts_mish(const double *p, double *pts, size_t cap)
{
  static const double k[] = {0};
  return mpref_zero_points(mpref_find("mish"), p, -8, 8, 0.02, k, 1, pts, 0, cap);
}

static const double ps_gelu[][ENG_MAX_PARAMS] = {{1}, {2}};

const struct mpref mpref_gelu[] = {
  {"gelu", r_gelu, 2, ps_gelu, pts_gelu},
  {"mish", r_mish, 0, NULL, pts_mish},
  {.name = NULL},
};
