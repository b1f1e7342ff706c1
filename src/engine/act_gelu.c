/*
 * act_gelu.c: GELU (exact, tanh and sigmoid forms) and mish.
 *
 * The tails are where the textbook forms fail: gelu(-10) = -7.6e-23 needs erfc, not
 * 1 + erf; gelu(-30) = -1.5e-197 needs the rounding of -x / sqrt 2 carried (it would
 * cost 2 t^2 ULP); below x = -26 erfc itself is replaced by e^(-x^2/2) erfcx(t), with
 * e^(-x^2/2) = h h, h = e^(-x^2/4), so a product that ends subnormal is rounded once.
 * Near the zeros of the derivatives the Taylor series of taylor.h take over. No HTTP or
 * JSON here.
 */
#include <math.h>

#include "dd.h"
#include "internal.h"
#include "taylor.h"

#define WANT(bit) (want & ENG_WANT_##bit)

#define INV_SQRT2_HI 0x1.6a09e667f3bcdp-1
#define INV_SQRT2_LO (-0x1.bdd3413b26456p-55)
#define INV_SQRT_2PI 0x1.9884533d43651p-2     /* 1 / sqrt(2 pi) */
#define SQRT_2_OVER_PI 0x1.9884533d43651p-1   /* sqrt(2 / pi) */
#define TWO_OVER_SQRTPI 0x1.20dd750429b6dp+0  /* 2 / sqrt(pi) */
#define TWO_C_HI 0x1.9884533d43651p+0         /* 2 sqrt(2 / pi), two words */
#define TWO_C_LO (-0x1.cbc0d30ebfd15p-54)
#define K_HI 0x1.6e4e26d4801f7p-5             /* 0.044715, two words */
#define K_LO 0x1.441355475a31ap-59
#define SIG_K_HI 0x1.b3b645a1cac08p+0           /* 1.702, two words */
#define SIG_K_LO 0x1.89374bc6a7efap-55

/* erfcx(t) = e^(t^2) erfc(t) for t = -x / sqrt 2 >= 18, by its asymptotic series
 *   erfcx(t) = sqrt(2 / pi) / |x| sum_n (-1)^n (2n - 1)!! / x^(2n)
 * (2 t^2 = x^2); with x^2 >= 648 the terms fall by 23/648 or more each, so 13 terms
 * leave less than 2^-60. */
static inline double erfcx_tail(double x)
{
  double ix2 = 1 / (x * x), term = 1, sum = 1;
  for (int n = 1; n <= 13; n++) {
    term *= -(2 * n - 1) * ix2;
    sum += term;
  }
  return SQRT_2_OVER_PI / fabs(x) * sum;
}

/* Exact form: y = x Phi(x), Phi(x) = erfc(t) / 2, t = -x / sqrt 2;
 * y' = Phi(x) + x phi(x); y'' = phi(x) (2 - x^2), phi(x) = e^(-x^2/2) / sqrt(2 pi). */
static void gelu_exact(double x, unsigned want, double *out)
{
  double Phi;
  if (x < -40) { /* |y|, |y'|, |y''| < 2^-1100: 0 with the sign of the truth */
    out[ENG_OUT_Y] = -0.0;
    out[ENG_OUT_DY] = -0.0;
    out[ENG_OUT_D2Y] = -0.0;
    return;
  }
  if (x > 40) { /* Phi(x) = 1 and phi(x) < 2^-1100: y = x, y' = 1, y'' = -0 */
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = -0.0;
    return;
  }
  {
    /* -x^2/2 in two words: e^(-x^2/2) = E (exact to first order in a.lo), or
     * exp_mul(a, F) where a product with it may end subnormal */
    struct dd a = two_prod(x, x);
    double E;
    a.hi *= -0.5;
    a.lo *= -0.5;
    if (x < -26) {
      double ex = erfcx_tail(x);
      out[ENG_OUT_Y] = exp_mul(a, (x / 2) * ex);
      out[ENG_OUT_DY] = exp_mul(a, ex / 2 + x * INV_SQRT_2PI);
      out[ENG_OUT_D2Y] = exp_mul(a, fma(-x, x, 2) * INV_SQRT_2PI);
      return;
    }
    E = exp(a.hi) * (1 + a.lo);
    {
      /* t = -x / sqrt 2 in two words; erfc(t_hi + t_lo) = erfc(t_hi) - t_lo (2/sqrt pi)
       * e^(-t_hi^2): without it the rounding of t costs 2 t^2 ULP in the left tail. */
      struct dd t = two_prod(-x, INV_SQRT2_HI);
      double e;
      t.lo = fma(-x, INV_SQRT2_LO, t.lo);
      e = erfc(t.hi);
      if (x < 0)
        e = fma(-t.lo * TWO_OVER_SQRTPI, E, e);
      Phi = e / 2;
    }
    out[ENG_OUT_Y] = x * Phi;
    if (WANT(DY)) {
      if (!taylor_eval(&eng__gelu_d1, dd_of(x), &out[ENG_OUT_DY]))
        out[ENG_OUT_DY] = fma(x * INV_SQRT_2PI, E, Phi);
    }
    if (WANT(D2Y))
      out[ENG_OUT_D2Y] = exp_mul(a, fma(-x, x, 2) * INV_SQRT_2PI);
  }
}

/* The logistic function and its derivative at w = w_hi + w_lo (first order in w_lo). */
static inline void logistic2(struct dd w, double *s, double *ds, double *oms)
{
  double t = exp(-fabs(w.hi)), r = 1 / (1 + t), sh, dsh, o;
  sh = w.hi >= 0 ? r : t * r;
  dsh = t * r * r;
  o = -expm1(-fabs(w.hi)) * r; /* |1 - 2 s| = (1 - t) / (1 + t) */
  if (w.hi >= 0)
    o = -o;
  *s = fma(dsh, w.lo, sh);
  *ds = fma(dsh * o, w.lo, dsh);
  *oms = o;
}

/* tanh form: y = (x/2)(1 + tanh(v)), v = sqrt(2/pi)(x + 0.044715 x^3), which is
 * x sigmoid(w), w = 2 v. y' = s + x s' w', y'' = s' (2 w' + x w'') + x s'' w'^2 with
 * w' = 2c (1 + 3k x^2), w'' = 12 c k x, s'' = s' (1 - 2 s). w is formed in two words
 * (its rounding would cost |w| ULP of y in the tail); below w = -700, where
 * sigmoid(w) = e^w to the last bit, the products are rounded once by exp_mul. */
static void gelu_tanh(double x, unsigned want, double *out)
{
  struct dd x2, w;
  double wp, wpp, s, ds, oms;
  x2 = two_prod(x, x);
  w = dd_add_d(dd_mul(x2, (struct dd){K_HI, K_LO}), 1);
  w = dd_mul(dd_mul_d(w, x), (struct dd){TWO_C_HI, TWO_C_LO});
  if (!isfinite(w.hi) || !isfinite(x2.hi)) { /* |x| > 1e102: x or 0 */
    out[ENG_OUT_Y] = x > 0 ? x : -0.0;
    out[ENG_OUT_DY] = x > 0 ? 1 : -0.0;
    out[ENG_OUT_D2Y] = x > 0 ? 0 : -0.0;
    return;
  }
  if (w.hi > 700) {
    /* s(w) = 1 - e^-w, s' = e^-w, s'' = -e^-w to the last bit: y = x, y' = 1, and
     * y'' = e^-w (2 w' + x w'' - x w'^2), rounded once */
    double wp1 = TWO_C_HI * fma(3 * K_HI, x2.hi, 1);
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = exp_mul((struct dd){-w.hi, -w.lo},
                               2 * wp1 + x * (6 * TWO_C_HI * K_HI * x) - x * wp1 * wp1);
    return;
  }
  if (w.hi < -800) {
    out[ENG_OUT_Y] = -0.0;
    out[ENG_OUT_DY] = -0.0;
    out[ENG_OUT_D2Y] = -0.0;
    return;
  }
  wp = TWO_C_HI * fma(3 * K_HI, x2.hi, 1);
  wpp = 12 * TWO_C_HI / 2 * K_HI * x;
  if (w.hi < -700) {
    out[ENG_OUT_Y] = exp_mul(w, x);
    out[ENG_OUT_DY] = exp_mul(w, fma(x, wp, 1));
    out[ENG_OUT_D2Y] = exp_mul(w, 2 * wp + x * wpp + x * wp * wp);
    return;
  }
  logistic2(w, &s, &ds, &oms);
  out[ENG_OUT_Y] = x * s;
  if (WANT(DY)) {
    if (!taylor_eval(&eng__gelu_tanh_d1, dd_of(x), &out[ENG_OUT_DY]))
      out[ENG_OUT_DY] = fma(x * ds, wp, s);
  }
  if (WANT(D2Y)) {
    if (!taylor_eval(&eng__gelu_tanh_d2a, dd_of(x), &out[ENG_OUT_D2Y]) &&
        !taylor_eval(&eng__gelu_tanh_d2b, dd_of(x), &out[ENG_OUT_D2Y]))
      out[ENG_OUT_D2Y] = ds * fma(x * oms * wp, wp, fma(x, wpp, 2 * wp));
  }
}

/* y = x Phi(x) exact, or the tanh form, or x sigmoid(1.702 x): p[0] = 0, 1, 2. */
ENG_KERNEL void eng__gelu_ew(double x, const double *p, unsigned want, double *out)
{
  if (p[0] == 0) {
    gelu_exact(x, want, out);
  } else if (p[0] == 1) {
    gelu_tanh(x, want, out);
  } else {
    /* u = 1.702 x with the decimal constant in two words */
    struct dd u = two_prod(SIG_K_HI, x);
    u.lo = fma(SIG_K_LO, x, u.lo);
    eng__swish_at(x, dd_norm(u.hi, u.lo), SIG_K_HI, want & ~ENG_WANT_DP, out);
  }
}

/* mish: y = x T, T = tanh(softplus(x)).
 * For x <= 0, with t = e^x, n = t (t + 2) = (1 + t)^2 - 1 and D = n + 2:
 *   T = n / D, y' = t ((t + 2) D + 4 x (1 + t)) / D^2,
 *   y'' = 4 t (2 (1 + t) D + x (2 + 2t - 3t^2 - 2t^3)) / D^3.
 * For x > 0, with u = e^-x and E = 1 + 2u + 2u^2 (no overflow):
 *   T = (1 + 2u) / E, y' = ((1 + 2u) E + 4 x u^2 (1 + u)) / E^2,
 *   y'' = u^2 (8 (1 + u) E + 4 x (-2 - 3u + 2u^2 + 2u^3)) / E^3.
 * Below x = -700, where t is subnormal and the factors are 1 to the last bit:
 * y = x e^x, y' = (1 + x) e^x, y'' = (2 + x) e^x, rounded once by exp_mul. */
ENG_KERNEL void eng__mish_ew(double x, const double *p, unsigned want, double *out)
{
  (void)p;
  if (x > 40) { /* u = e^-x: T = 1 - 2u^2 + ..., y' = 1 - O(x u^2), y'' = 8 (1 - x) u^2 */
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = exp_mul(dd_of(-2 * x), 8 * (1 - x));
    return;
  }
  if (x < -700) {
    out[ENG_OUT_Y] = exp_mul(dd_of(x), x);
    out[ENG_OUT_DY] = exp_mul(dd_of(x), 1 + x);
    out[ENG_OUT_D2Y] = exp_mul(dd_of(x), 2 + x);
    return;
  }
  if (x <= 0) {
    double t = exp(x), tp2 = t + 2, n = t * tp2, D = n + 2, iD = 1 / D;
    out[ENG_OUT_Y] = x * n * iD;
    if (WANT(DY) && !taylor_eval(&eng__mish_d1, dd_of(x), &out[ENG_OUT_DY]))
      out[ENG_OUT_DY] = t * fma(tp2, D, 4 * x * (1 + t)) * iD * iD;
    if (WANT(D2Y) && !taylor_eval(&eng__mish_d2a, dd_of(x), &out[ENG_OUT_D2Y]) &&
        !taylor_eval(&eng__mish_d2b, dd_of(x), &out[ENG_OUT_D2Y])) {
      double poly = 2 + t * (2 - t * (3 + 2 * t));
      out[ENG_OUT_D2Y] = 4 * t * fma(2 * (1 + t), D, x * poly) * iD * iD * iD;
    }
  } else {
    double u = exp(-x), E = 1 + u * (2 + 2 * u), iE = 1 / E, a = 1 + 2 * u;
    out[ENG_OUT_Y] = x * a * iE;
    if (WANT(DY))
      out[ENG_OUT_DY] = fma(a, E, 4 * x * u * u * (1 + u)) * iE * iE;
    if (WANT(D2Y) && !taylor_eval(&eng__mish_d2a, dd_of(x), &out[ENG_OUT_D2Y]) &&
        !taylor_eval(&eng__mish_d2b, dd_of(x), &out[ENG_OUT_D2Y])) {
      double poly = -2 + u * (-3 + u * (2 + 2 * u));
      out[ENG_OUT_D2Y] = u * u * fma(8 * (1 + u), E, 4 * x * poly) * iE * iE * iE;
    }
  }
}
