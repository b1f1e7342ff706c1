/*
 * mpref.c: the registry of MPFR references and small tools shared by them.
 */
#include <math.h>
#include <string.h>

#include "mpref.h"

static const struct mpref *const families[] = {
  mpref_piecewise, mpref_logistic, mpref_gelu, mpref_elu,
};

const struct mpref *mpref_find(const char *name)
{
  for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
    for (const struct mpref *r = families[f]; r->name != NULL; r++)
      if (strcmp(r->name, name) == 0)
        return r;
  return NULL;
}

size_t mpref_around(double t, int n, double *pts, size_t count, size_t cap)
{
  double lo = t, hi = t;
  if (count < cap && isfinite(t))
    pts[count++] = t;
  for (int i = 0; i < n && count + 2 <= cap; i++) {
    lo = nextafter(lo, -INFINITY);
    hi = nextafter(hi, INFINITY);
    if (isfinite(lo))
      pts[count++] = lo;
    if (isfinite(hi))
      pts[count++] = hi;
  }
  return count;
}

/* Sign of output `which` at x, evaluated by the reference. */
static int ref_sign(const struct mpref *r, const double *p, int which, double x)
{
  mpfr_t out[ENG_OUT__COUNT];
  int s;
  for (int i = 0; i < ENG_OUT__COUNT; i++)
    mpfr_init2(out[i], MPREF_PREC);
  r->fn(out, x, p, 1u << (which < ENG_OUT_DP ? which : ENG_OUT_DP));
  s = mpfr_sgn(out[which]);
  for (int i = 0; i < ENG_OUT__COUNT; i++)
    mpfr_clear(out[i]);
  return s;
}

double mpref_root(const struct mpref *r, const double *p, int which, double lo, double hi)
{
  int slo = ref_sign(r, p, which, lo);
  /* Bisection on doubles: stops when lo and hi are adjacent. */
  for (int it = 0; it < 2000; it++) {
    double mid = lo + (hi - lo) / 2;
    int s;
    if (mid == lo || mid == hi)
      break;
    s = ref_sign(r, p, which, mid);
    if (s == 0)
      return mid;
    if (s == slo)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/* ============================================================ Jet references */

#include "mpref_common.h"

static long bexp(double v)
{
  int e;
  if (v == 0 || !isfinite(v))
    return 0;
  frexp(v, &e);
  return e < 0 ? -e : e;
}

int mpref_eval(formula_fn *f, unsigned nparams, unsigned learnable, mpfr_t *out, double x,
               const double *p, unsigned want)
{
  long e = bexp(x);
  mpfr_prec_t prec;
  struct jet X, Y, P[ENG_MAX_PARAMS];
  struct jet *pp[ENG_MAX_PARAMS];

  double scale = fabs(x) > 1 ? fabs(x) : 1;
  for (unsigned j = 0; j < nparams; j++) {
    e += bexp(p[j]);
    if (fabs(p[j]) > 1)
      scale *= fabs(p[j]);
  }
  /* results like u s(u) - softplus(u) are e^-u below their terms: 1.5 |u| bits more;
   * a tiny x costs its exponent once in cancellation (1 - 2 s(x) = -x/2 + ...) and
   * the value may sit within x^2 of a midpoint (sigmoid''(x) = -x/8 + 5x^3/96): 3 e */
  prec = 384 + 3 * e + (mpfr_prec_t)(1.5 * (scale < 2400 ? scale : 2400));

  if (want & (ENG_WANT_Y | ENG_WANT_DY | ENG_WANT_D2Y)) {
    jet_begin(3, prec);
    jet_init(&X);
    jet_init(&Y);
    jet_var_d(&X, x);
    for (unsigned j = 0; j < nparams; j++) {
      jet_init(&P[j]);
      jet_const_d(&P[j], p[j]);
      pp[j] = &P[j];
    }
    f(&Y, &X, pp, x, p);
    mpfr_set(out[ENG_OUT_Y], Y.c[0], MPFR_RNDN);
    mpfr_set(out[ENG_OUT_DY], Y.c[1], MPFR_RNDN);
    mpfr_mul_ui(out[ENG_OUT_D2Y], Y.c[2], 2, MPFR_RNDN);
    for (unsigned j = 0; j < nparams; j++)
      jet_clear(&P[j]);
    jet_clear(&X);
    jet_clear(&Y);
  }
  if (want & ENG_WANT_DP) {
    for (unsigned v = 0; v < nparams; v++) {
      if (!(learnable & (1u << v)))
        continue;
      jet_begin(2, prec);
      jet_init(&X);
      jet_init(&Y);
      jet_const_d(&X, x);
      for (unsigned j = 0; j < nparams; j++) {
        jet_init(&P[j]);
        if (j == v)
          jet_var_d(&P[j], p[j]);
        else
          jet_const_d(&P[j], p[j]);
        pp[j] = &P[j];
      }
      f(&Y, &X, pp, x, p);
      mpfr_set(out[ENG_OUT_DP + v], Y.c[1], MPFR_RNDN);
      for (unsigned j = 0; j < nparams; j++)
        jet_clear(&P[j]);
      jet_clear(&X);
      jet_clear(&Y);
    }
  }
  return 0;
}

size_t mpref_zero_points(const struct mpref *r, const double *p, double lo, double hi,
                         double step, const double *kinks, size_t nkinks, double *pts,
                         size_t count, size_t cap)
{
  static const int which[3] = {ENG_OUT_Y, ENG_OUT_DY, ENG_OUT_D2Y};
  for (size_t i = 0; i < nkinks; i++)
    count = mpref_around(kinks[i], 3, pts, count, cap);
  for (int w = 0; w < 3; w++) {
    int prev = ref_sign(r, p, which[w], lo);
    for (double x = lo + step; x <= hi; x += step) {
      int s = ref_sign(r, p, which[w], x);
      if (s != 0 && prev != 0 && s != prev)
        count = mpref_around(mpref_root(r, p, which[w], x - step, x), 3, pts, count, cap);
      if (s != 0)
        prev = s;
    }
  }
  return count;
}
