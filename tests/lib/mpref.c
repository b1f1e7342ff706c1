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
