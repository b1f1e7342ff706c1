/*
 * mpref_elu.c: MPFR references for the exponential linear units, on jets, with the
 * kink rules of the table: at x = 0 the negative piece (elu'(0) = alpha, selu'(0) =
 * scale alpha, celu'(0) = 1), and second derivatives 0 there, where the pieces switch
 * (PyTorch's double backward).
 */
#include "mpref_common.h"

static void f_elu(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                  const double *pv)
{
  (void)pv;
  if (x0 > 0) {
    jet_set(y, x);
  } else {
    struct jet m;
    jet_init(&m);
    jet_expm1(&m, x);
    jet_mul(y, p[0], &m);
    jet_clear(&m);
  }
}

static void f_selu(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                   const double *pv)
{
  mpfr_t s, a;
  (void)p;
  (void)pv;
  mpfr_init2(s, mpfr_get_prec(x->c[0]));
  mpfr_init2(a, mpfr_get_prec(x->c[0]));
  mpfr_set_str(s, "1.0507009873554804934193349852946", 10, MPFR_RNDN);
  mpfr_set_str(a, "1.6732632423543772848170429916717", 10, MPFR_RNDN);
  if (x0 > 0) {
    for (int i = 0; i < y->n; i++)
      mpfr_mul(y->c[i], x->c[i], s, MPFR_RNDN);
  } else {
    struct jet m;
    jet_init(&m);
    jet_expm1(&m, x);
    mpfr_mul(s, s, a, MPFR_RNDN);
    for (int i = 0; i < y->n; i++)
      mpfr_mul(y->c[i], m.c[i], s, MPFR_RNDN);
    jet_clear(&m);
  }
  mpfr_clear(s);
  mpfr_clear(a);
}

static void f_celu(struct jet *y, const struct jet *x, struct jet *const *p, double x0,
                   const double *pv)
{
  (void)pv;
  if (x0 > 0) {
    jet_set(y, x);
  } else {
    struct jet v;
    jet_init(&v);
    jet_div(&v, x, p[0]);
    jet_expm1(&v, &v);
    jet_mul(y, p[0], &v);
    jet_clear(&v);
  }
}

/* The second derivative at the switch point x = 0 is 0 (kinks2 of the table). */
static int at_switch(int rc, mpfr_t *out, double x, unsigned want)
{
  if (x == 0 && (want & ENG_WANT_D2Y))
    mpfr_set_zero(out[ENG_OUT_D2Y], 1);
  return rc;
}
static int r_elu(mpfr_t *out, double x, const double *p, unsigned want)
{
  return at_switch(mpref_eval(f_elu, 1, 1, out, x, p, want), out, x, want);
}
static int r_selu(mpfr_t *out, double x, const double *p, unsigned want)
{
  return at_switch(mpref_eval(f_selu, 0, 0, out, x, p, want), out, x, want);
}
static int r_celu(mpfr_t *out, double x, const double *p, unsigned want)
{
  return at_switch(mpref_eval(f_celu, 1, 1, out, x, p, want), out, x, want);
}

static size_t pts_zero(const double *p, double *pts, size_t cap)
{
  (void)p;
  return mpref_around(0, 3, pts, 0, cap);
}

static const double ps_elu[][ENG_MAX_PARAMS] = {{0.5}, {-2}, {1e-300}, {1e300}};
static const double ps_celu[][ENG_MAX_PARAMS] = {{0.5}, {3}, {-2}, {1e-3}};

const struct mpref mpref_elu[] = {
  {"elu", r_elu, 4, ps_elu, pts_zero},
  {"selu", r_selu, 0, NULL, pts_zero},
  {"celu", r_celu, 4, ps_celu, pts_zero},
  {.name = NULL},
};
