/*
 * act_elu.c: the exponential linear units: elu, selu, celu.
 *
 * The negative side is expm1, never exp(x) - 1 (which is 0 for |x| < 2^-53, while
 * elu(-1e-20) is -1e-20). selu's scale * alpha is a product of two constants kept in
 * two words. Kink rules: elu'(0) = alpha, selu'(0) = scale alpha, celu'(0) = 1; the
 * second derivative at 0 is the left one, matching the first. No HTTP or JSON here.
 */
#include <math.h>

#include "dd.h"
#include "internal.h"

/* y = x for x > 0, alpha (e^x - 1) otherwise; y' = 1 or alpha e^x; y'' = 0 or
 * alpha e^x; dy/dalpha = 0 or e^x - 1. */
ENG_KERNEL void eng__elu_ew(double x, const double *p, unsigned want, double *out)
{
  double a = p[0];
  (void)want;
  if (x > 0) {
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = 0;
    out[ENG_OUT_DP + 0] = 0;
  } else {
    double m = expm1(x), e = exp_mul(dd_of(x), a); /* alpha e^x rounded once */
    out[ENG_OUT_Y] = a * m;
    out[ENG_OUT_DY] = e;
    out[ENG_OUT_D2Y] = e;
    out[ENG_OUT_DP + 0] = m;
  }
}

/* scale and scale * alpha, each in two words (from the 32-digit constants). */
#define SELU_SCALE_HI 0x1.0cfabd6a91132p+0
#define SELU_SCALE_LO 0x1.6fc7d272f2695p-55
#define SELU_SA_HI 0x1.c212cc640f031p+0
#define SELU_SA_LO 0x1.05161b045a1fep-56

/* y = scale x for x > 0, scale alpha (e^x - 1) otherwise; y' = scale or
 * scale alpha e^x; y'' = 0 or scale alpha e^x. The two-word constants make each
 * product round once. */
ENG_KERNEL void eng__selu_ew(double x, const double *p, unsigned want, double *out)
{
  (void)p;
  (void)want;
  if (x > 0) {
    out[ENG_OUT_Y] = fma(SELU_SCALE_HI, x, SELU_SCALE_LO * x);
    out[ENG_OUT_DY] = SELU_SCALE_HI;
    out[ENG_OUT_D2Y] = 0;
  } else {
    double m = expm1(x), e = exp(x);
    out[ENG_OUT_Y] = fma(SELU_SA_HI, m, SELU_SA_LO * m);
    out[ENG_OUT_DY] = fma(SELU_SA_HI, e, SELU_SA_LO * e);
    out[ENG_OUT_D2Y] = out[ENG_OUT_DY];
  }
}

/* y = x for x > 0, alpha (e^v - 1) with v = x / alpha otherwise; y' = 1 or e^v;
 * y'' = 0 or e^v / alpha; dy/dalpha = 0 or e^v - 1 - v e^v.
 * v is rounded: its error v_lo = (x - v alpha) / alpha enters at first order.
 * e^v - 1 - v e^v = sum_{n>=2} (1 - n) v^n / n! cancels for small |v|; below
 * |v| = 2 the series (30 terms: 2^30/30! < 2^-78) keeps every digit. */
ENG_KERNEL void eng__celu_ew(double x, const double *p, unsigned want, double *out)
{
  double a = p[0];
  (void)want;
  if (x > 0) {
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = 0;
    out[ENG_OUT_DP + 0] = 0;
    return;
  }
  if (x == 0) {
    out[ENG_OUT_Y] = 0;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = 1 / a;
    out[ENG_OUT_DP + 0] = 0;
    return;
  }
  if (!isfinite(x / a)) { /* x / alpha overflowed to -inf: the plateau */
    out[ENG_OUT_Y] = -a;
    out[ENG_OUT_DY] = 0;
    out[ENG_OUT_D2Y] = 0;
    out[ENG_OUT_DP + 0] = -1;
    return;
  }
  if (x / a > 709.78) { /* alpha < 0: e^(x/alpha) overflows, and so does every output */
    out[ENG_OUT_Y] = a * INFINITY;
    out[ENG_OUT_DY] = INFINITY;
    out[ENG_OUT_D2Y] = INFINITY / a;
    out[ENG_OUT_DP + 0] = -INFINITY;
    return;
  }
  {
    double v = x / a, vlo = fma(-v, a, x) / a;
    double e = exp(v), m = expm1(v);
    /* e^(v + vlo) = e (1 + vlo); expm1(v + vlo) = m + e vlo */
    double ec = fma(e, vlo, e), mc = fma(e, vlo, m);
    out[ENG_OUT_Y] = a * mc;
    out[ENG_OUT_DY] = ec;
    out[ENG_OUT_D2Y] = v < -700 ? exp_mul((struct dd){v, vlo}, 1 / a) : ec / a;
    if (fabs(v) < 2) {
      /* sum_{n>=2} (1 - n) v^n / n!, Horner from the top, then a first-order
       * correction for vlo: d/dv (e^v - 1 - v e^v) = -v e^v */
      /* (1 - n) / n! for n = 2 .. 31, each rounded to nearest */
      static const double coef[30] = {
        -0.5, -0.3333333333333333, -0.125, -0.03333333333333333, -0.006944444444444444,
        -0.0011904761904761906, -0.00017361111111111112, -2.2045855379188714e-05,
        -2.48015873015873e-06, -2.505210838544172e-07, -2.296443268665491e-08,
        -1.9270852604185937e-09, -1.4911969277048643e-10, -1.0706029224547743e-11,
        -7.169215998581078e-13, -4.498331606952833e-14, -2.6552651846596585e-15,
        -1.4797143443923793e-16, -7.809603484293113e-18, -3.9145882126782523e-19,
        -1.8683261924146203e-20, -8.509974375387505e-22, -3.706996413521072e-23,
        -1.5472680682522736e-24, -6.198990658061994e-26, -2.387759364586842e-27,
        -8.855700940088562e-29, -3.166789608205361e-30, -1.0932964123566126e-31,
        -3.6483751246605535e-33,
      };
      double acc = 0;
      for (int n = 29; n >= 0; n--)
        acc = fma(acc, v, coef[n]);
      out[ENG_OUT_DP + 0] = fma(-v * e, vlo, acc * v * v);
    } else {
      out[ENG_OUT_DP + 0] = fma(-v * e, vlo, m - v * e);
    }
  }
}
