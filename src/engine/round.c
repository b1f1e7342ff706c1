/*
 * round.c: rounding an activation's output once to a narrower binary format
 * (float32, float16, bfloat16), from its correctly rounded double and the sign of
 * (exact - double) that the exact path gives. No HTTP or JSON here.
 *
 * Why the sign suffices: every midpoint of a narrower format is a double (it has at
 * most mant_bits + 1 significant bits), and rounding to double is monotone, so the
 * exact value and its double d lie between the same two midpoints of the narrow
 * format, unless d is itself a midpoint; then the exact value is on the side that
 * sign(exact - d) tells, or on the midpoint (a true tie, to even).
 */
#include <math.h>

#include "cr.h"
#include "internal.h"

int eng_ew_exact_sign(const struct eng_activation *a, const double *p, double x,
                      unsigned which, double grad_y, double d)
{
  if (a == NULL || a->kind != ENG_ELEMENTWISE || which >= ENG_OUT__COUNT)
    return 0;
  return eng__exact_sign(a->exact, x, p, which, grad_y, d);
}

int eng_vec_exact_sign(const struct eng_activation *a, const double *p, const double *xrow,
                       size_t k, const double *gyrow, unsigned which, size_t i, size_t j,
                       double d)
{
  (void)p;
  if (a == NULL || a->kind != ENG_VECTOR || k == 0 || which > ENG_VOUT_GRAD_X)
    return 0;
  return eng__exact_vec_sign(a->exact, xrow, k, gyrow, which, i, j, d);
}

double eng_round_to(double d, int sign, int mant_bits, int min_exp, int max_exp)
{
  double ad = fabs(d), ulp, q, n, frac, r;
  int e;
  if (ad == 0 || !isfinite(d))
    return d;
  frexp(ad, &e); /* ad in [2^(e-1), 2^e) */
  if (e - 1 > max_exp)
    return copysign(INFINITY, d);
  /* the spacing of the narrow format at ad: normal binade, or the subnormal grid */
  ulp = ldexp(1, (e - 1 < min_exp ? min_exp : e - 1) - (mant_bits - 1));
  q = ad / ulp; /* exact: a power-of-two scaling within the double range */
  n = floor(q);
  frac = q - n;
  if (frac > 0.5) {
    n += 1;
  } else if (frac == 0.5) {
    /* d is a midpoint: the side of the exact value, measured on |d| */
    int s = d < 0 ? -sign : sign;
    if (s > 0 || (s == 0 && fmod(n, 2) != 0))
      n += 1;
  }
  r = n * ulp;
  /* beyond the largest finite value: (2 - 2^(1 - mant_bits)) 2^max_exp */
  if (r > ldexp(2 - ldexp(1, 1 - mant_bits), max_exp))
    r = INFINITY;
  return copysign(r, d);
}

double eng_round_f32(double d, int sign)
{
  return eng_round_to(d, sign, 24, -126, 127);
}

double eng_round_f16(double d, int sign)
{
  return eng_round_to(d, sign, 11, -14, 15);
}

double eng_round_bf16(double d, int sign)
{
  return eng_round_to(d, sign, 8, -126, 127);
}
