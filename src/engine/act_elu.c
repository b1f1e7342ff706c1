/*
 * act_elu.c: the exponential linear units: elu, selu, celu.
 *
 * The negative side is expm1, never exp(x) - 1 (which is 0 for |x| < 2^-53, while
 * elu(-1e-20) is -1e-20), each output in double-double with an error bound and
 * rounded once (cr.h). selu's scale and scale * alpha are kept in two words (within
 * 2^-107 of the decimal constants). Kink rules: elu'(0) = alpha, selu'(0) =
 * scale alpha, celu'(0) = 1; the second derivative is 0 at x = 0, where the pieces
 * switch (PyTorch's double backward). No HTTP or JSON here.
 */
#include <math.h>

#include "cr.h"
#include "dd.h"
#include "internal.h"

#define WANT(bit) (want & ENG_WANT_##bit)

/* Every output of the exact path. */
ENG_INLINE void all_slow(const struct cr_ctx *c, unsigned want)
{
  for (unsigned o = ENG_OUT_Y; o <= ENG_OUT_DP; o++)
    if (want & (1u << o))
      cr_slow(c, o);
  if (WANT(GRAD_X))
    cr_slow(c, ENG_OUT_GRAD_X);
}

/* y = x for x > 0, alpha (e^x - 1) otherwise; y' = 1 or alpha e^x; y'' = 0 or
 * alpha e^x (0 at x = 0); dy/dalpha = 0 or e^x - 1. */
ENG_KERNEL void eng__elu_ew(double x, const double *p, unsigned want, double gy, double *out)
{
  struct cr_ctx c = {&eng__exact_elu, x, gy, p, out};
  double a = p[0];
  struct dde m, e;
  if (x > 0) {
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = 0;
    out[ENG_OUT_DP + 0] = 0;
    out[ENG_OUT_GRAD_X] = gy;
    return;
  }
  if (x <= -746) { /* e^x < 2^-1076: y = -alpha (1 - e^x), y' = y'' = alpha e^x */
    if (WANT(Y)) /* alpha (e^x - 1) rounds to -alpha: e^x is far below its half ulp */
      out[ENG_OUT_Y] = a == 0 ? 0 : -a;
    if (WANT(DY) && !cr_tiny(&c, ENG_OUT_DY, a, x))
      cr_slow(&c, ENG_OUT_DY);
    if (WANT(D2Y) && !cr_tiny(&c, ENG_OUT_D2Y, a, x))
      cr_slow(&c, ENG_OUT_D2Y);
    out[ENG_OUT_DP] = -1;
    if (WANT(GRAD_X) && !cr_tiny(&c, ENG_OUT_GRAD_X, gy * a, x))
      cr_slow(&c, ENG_OUT_GRAD_X);
    return;
  }
  m = dde_expm1(dde_d(x));
  e = dde_exp(dde_d(x));
  if (WANT(Y))
    cr_put(&c, ENG_OUT_Y, dde_mul_d(m, a));
  if (WANT(DY))
    cr_put(&c, ENG_OUT_DY, dde_mul_d(e, a));
  if (WANT(D2Y)) {
    if (x == 0)
      out[ENG_OUT_D2Y] = 0;
    else
      cr_put(&c, ENG_OUT_D2Y, dde_mul_d(e, a));
  }
  if (WANT(DP))
    cr_put(&c, ENG_OUT_DP, m);
  if (WANT(GRAD_X))
    cr_put_gx(&c, dde_mul_d(e, a));
}

/* scale and scale * alpha, each in two words (from the 32-digit constants). */
#define SELU_SCALE_HI 0x1.0cfabd6a91132p+0
#define SELU_SCALE_LO 0x1.6fc7d272f2695p-55
#define SELU_SA_HI 0x1.c212cc640f031p+0
#define SELU_SA_LO 0x1.05161b045a1fep-56

/* y = scale x for x > 0, scale alpha (e^x - 1) otherwise; y' = scale or
 * scale alpha e^x; y'' = 0 or scale alpha e^x (0 at x = 0). */
ENG_KERNEL void eng__selu_ew(double x, const double *p, unsigned want, double gy, double *out)
{
  struct cr_ctx c = {&eng__exact_selu, x, gy, p, out};
  struct dde sc = {SELU_SCALE_HI, SELU_SCALE_LO, 0x1p-106};
  struct dde sa = {SELU_SA_HI, SELU_SA_LO, 0x1p-105};
  struct dde e;
  if (x > 0) {
    if (WANT(Y))
      cr_put(&c, ENG_OUT_Y, dde_mul_d(sc, x));
    out[ENG_OUT_DY] = SELU_SCALE_HI; /* the rounding of scale: its second word is small */
    out[ENG_OUT_D2Y] = 0;
    if (WANT(GRAD_X))
      cr_put_gx(&c, sc);
    return;
  }
  if (x <= -746) { /* e^x < 2^-1076 */
    out[ENG_OUT_Y] = -SELU_SA_HI; /* -scale alpha: its second word is small */
    out[ENG_OUT_DY] = 0;
    out[ENG_OUT_D2Y] = 0;
    if (WANT(GRAD_X) && !cr_tiny(&c, ENG_OUT_GRAD_X, gy * 2, x))
      cr_slow(&c, ENG_OUT_GRAD_X);
    return;
  }
  e = dde_mul(dde_exp(dde_d(x)), sa);
  if (WANT(Y))
    cr_put(&c, ENG_OUT_Y, dde_mul(dde_expm1(dde_d(x)), sa));
  if (WANT(DY))
    cr_put(&c, ENG_OUT_DY, e);
  if (WANT(D2Y)) {
    if (x == 0)
      out[ENG_OUT_D2Y] = 0;
    else
      cr_put(&c, ENG_OUT_D2Y, e);
  }
  if (WANT(GRAD_X))
    cr_put_gx(&c, e);
}

/* y = x for x > 0, alpha (e^v - 1) with v = x / alpha otherwise; y' = 1 or e^v;
 * y'' = 0 or e^v / alpha (0 at x = 0); dy/dalpha = 0 or e^v - 1 - v e^v.
 * e^v - 1 - v e^v = v^2 sum_{n>=2} (1 - n) v^(n-2) / n! cancels for small |v|:
 * below |v| = 2^-4 the series (to n = 16, the next term below 2^-90 of the sum) with
 * its first three coefficients in two words. */
ENG_KERNEL void eng__celu_ew(double x, const double *p, unsigned want, double gy, double *out)
{
  struct cr_ctx c = {&eng__exact_celu, x, gy, p, out};
  double a = p[0];
  struct dde v, e, A = dde_d(a);
  if (x >= 0) {
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = 0;
    out[ENG_OUT_DP + 0] = 0;
    out[ENG_OUT_GRAD_X] = gy;
    return;
  }
  v = dde_div(dde_d(x), A);
  if (v.hi <= -746) {
    /* e^v < 2^-1076: y = alpha (e^v - 1) and dy/dalpha = e^v - 1 - v e^v round to
     * -alpha and -1; y' = e^v, y'' = e^v / alpha and grad_x are zeros unless their
     * factors are huge */
    out[ENG_OUT_Y] = -a;
    out[ENG_OUT_DY] = 0;
    out[ENG_OUT_DP] = -1;
    if (WANT(D2Y) && !cr_tiny(&c, ENG_OUT_D2Y, 1 / a, v.hi))
      cr_slow(&c, ENG_OUT_D2Y);
    if (WANT(GRAD_X) && !cr_tiny(&c, ENG_OUT_GRAD_X, gy, v.hi))
      cr_slow(&c, ENG_OUT_GRAD_X);
    return;
  }
  if (!isfinite(v.hi) || v.hi > 700 || fabs(v.hi) < 0x1p-900) {
    all_slow(&c, want);
    return;
  }
  e = dde_exp(v);
  if (WANT(Y))
    cr_put(&c, ENG_OUT_Y, dde_mul(dde_expm1(v), A));
  if (WANT(DY))
    cr_put(&c, ENG_OUT_DY, e);
  if (WANT(D2Y))
    cr_put(&c, ENG_OUT_D2Y, dde_div(e, A));
  if (WANT(DP)) {
    struct dde g;
    if (fabs(v.hi) < 0x1p-4) {
      /* (1 - n) / n! for n = 5 .. 16 */
      static const double coef[12] = {
        -0.03333333333333333, -0.006944444444444444, -0.0011904761904761906,
        -0.00017361111111111112, -2.2045855379188714e-05, -2.48015873015873e-06,
        -2.505210838544172e-07, -2.296443268665491e-08, -1.9270852604185937e-09,
        -1.4911969277048643e-10, -1.0706029224547743e-11, -7.169215998581078e-13,
      };
      double q = 0;
      for (int n = 11; n >= 0; n--)
        q = fma(q, v.hi, coef[n]);
      g = dde_add_d(dde_mul(dde_of((struct dd){q, 0}, fabs(q) * 0x1p-49), v), -0.125);
      g = dde_add(dde_mul(g, v), (struct dde){-0x1.5555555555555p-2, -0x1.5555555555555p-56, 0x1p-108});
      g = dde_add_d(dde_mul(g, v), -0.5);
      g.e += fabs(g.hi) * 0x1p-90; /* the truncated series */
      g = dde_mul(g, dde_mul(v, v));
    } else {
      g = dde_sub(dde_expm1(v), dde_mul(v, e));
    }
    cr_put(&c, ENG_OUT_DP, g);
  }
  if (WANT(GRAD_X))
    cr_put_gx(&c, e);
}
