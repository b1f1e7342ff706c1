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

/* e^-W for a two-word W >= 0, to first order in W.lo, in two words. */
static inline struct dd exp_neg(struct dd W)
{
  double e = exp(-W.hi);
  return dd_norm(e, -e * W.lo);
}

/* q = n / d rounded once, for two-word n and d (d > 0). */
static inline double div_dd(struct dd n, struct dd d)
{
  double q = n.hi / d.hi;
  return q + (fma(-q, d.hi, n.hi) + n.lo - q * d.lo) / d.hi;
}

/* The Taylor series s of taylor.h at x, if |x - x0| < r (r at most the series' own
 * radius): within r of the zero x0 the rounding of e^(...) in the closed forms below
 * would be magnified more than twice; beyond it they are used. */
static inline int near_zero(const struct taylor *s, double x, double r, double *out)
{
  return fabs(x - s->u0_hi) < r && taylor_eval(s, dd_of(x), out);
}

/* x sigmoid(w(x)) with w odd, written for a = |x| with W = |w(x)| >= 0 and
 * t = e^-W in (0, 1], d = 1 + t (two words): sigmoid(w) = t / d for x < 0, 1 / d for
 * x > 0, so y = x t / d or x / d, without 1 - (something near 1). */
static inline double xsig_y(double x, struct dd t, struct dd d)
{
  struct dd q = x < 0 ? t : dd_of(1);
  double r = div_dd(q, d); /* relative error about 2^-104 of the quotient */
  return x * r;
}

/* tanh form: y = (x/2)(1 + tanh(v)), v = sqrt(2/pi)(x + 0.044715 x^3), which is
 * x sigmoid(w), w = 2 v = 2c (x + k x^3), c = sqrt(2/pi), k = 0.044715. With
 * a = |x|, W = |w|, t = e^-W, d = 1 + t and v = 1 + 3k x^2 (so w' = 2c v):
 *   y'  = t (d + x w') / d^2          for x < 0 (the zero near -0.7525 is in d + x w')
 *       = (d + t x w') / d^2          for x > 0 (positive terms)
 *   y'' = 4c t B / d^3, B = (1 + 6k x^2) d - c a v^2 (1 - t), for either sign
 *         (y'' is even: y(x) - y(-x) = x),
 * from y' = s + x s' w', y'' = s' (2 w' + x w'') + x s'' w'^2, s' = t / d^2,
 * s'' = s' (1 - 2 s). Written this way e^-W is a common factor, so its rounding is not
 * cancelled; the sums that cancel (d + x w' near the zero of y', B near the zeros of
 * y'' at +-1.4185) are formed in two words from exact products, and the Taylor series
 * of taylor.h take over where the rounding of t itself would be cancelled. w is
 * formed in two words (its rounding would cost W ULP of y in the tail). */
static void gelu_tanh(double x, unsigned want, double *out)
{
  static const struct dd K = {K_HI, K_LO}, C2 = {TWO_C_HI, TWO_C_LO};
  double a = fabs(x);
  struct dd x2 = two_prod(a, a), kx2, W, t, d, v;
  if (!isfinite(x2.hi) || a > 0x1p340) { /* beyond 1e102, W overflows: x or -0 */
    out[ENG_OUT_Y] = x > 0 ? x : -0.0;
    out[ENG_OUT_DY] = x > 0 ? 1 : -0.0;
    out[ENG_OUT_D2Y] = -0.0;
    return;
  }
  kx2 = dd_mul(x2, K);
  W = dd_mul(dd_mul_d(dd_add_d(kx2, 1), a), C2);
  if (!isfinite(W.hi)) {
    out[ENG_OUT_Y] = x > 0 ? x : -0.0;
    out[ENG_OUT_DY] = x > 0 ? 1 : -0.0;
    out[ENG_OUT_D2Y] = -0.0;
    return;
  }
  v = dd_add_d(dd_mul_d(kx2, 3), 1);
  if (W.hi > 700) {
    /* t < e^-700: t / d = t and 1 / d = 1 to the last bit, so y = x t or x,
     * y' = t (1 + x w') or 1, y'' = 4c t (1 + 6k x^2 - c a v^2); the products with t,
     * which may be subnormal, are rounded once by exp_mul */
    struct dd nW = {-W.hi, -W.lo}, xw = dd_mul(dd_mul_d(v, x), C2), q;
    q = dd_mul(dd_mul_d(dd_mul(v, v), -a), C2); /* -2 c a v^2 */
    q = dd_add_d(dd_add(dd_mul_d(kx2, 12), q), 2); /* 2 (1 + 6k x^2 - c a v^2) */
    out[ENG_OUT_Y] = x > 0 ? x : exp_mul(nW, x);
    out[ENG_OUT_DY] = x > 0 ? 1 : exp_mul(nW, dd_add_d(xw, 1).hi);
    out[ENG_OUT_D2Y] = exp_mul(nW, fma(TWO_C_HI, q.hi, TWO_C_HI * q.lo + TWO_C_LO * q.hi));
    return;
  }
  t = exp_neg(W);
  d = dd_add_d(t, 1);
  out[ENG_OUT_Y] = xsig_y(x, t, d);
  if (WANT(DY) && !near_zero(&eng__gelu_tanh_d1, x, 0.3, &out[ENG_OUT_DY])) {
    struct dd xw = dd_mul(dd_mul_d(v, x), C2), n;
    n = x < 0 ? dd_mul(t, dd_add(d, xw)) : dd_add(d, dd_mul(t, xw));
    out[ENG_OUT_DY] = div_dd(n, dd_mul(d, d));
  }
  if (WANT(D2Y) && !near_zero(&eng__gelu_tanh_d2a, -a, 0.3, &out[ENG_OUT_D2Y])) {
    struct dd p6 = dd_add_d(dd_mul_d(kx2, 6), 1), omt = dd_add_d((struct dd){-t.hi, -t.lo}, 1);
    struct dd q = dd_mul(dd_mul_d(dd_mul(v, v), a), C2), B;
    q.hi *= 0.5; /* c a v^2 */
    q.lo *= 0.5;
    B = dd_add(dd_mul(p6, d), dd_mul((struct dd){-q.hi, -q.lo}, omt));
    B = dd_mul(dd_mul(B, t), C2);
    B.hi *= 2;
    B.lo *= 2;
    out[ENG_OUT_D2Y] = div_dd(B, dd_mul(dd_mul(d, d), d));
  }
}

/* sigmoid form: y = x sigmoid(u), u = 1.702 x (the decimal constant K in two words,
 * u in two words). As for the tanh form, with U = |u|, t = e^-U, d = 1 + t:
 *   y'  = t (d - U) / d^2 for x < 0 (zero at u = -1.2785), (d + U t) / d^2 for x > 0,
 *   y'' = K t (2 d - U (1 - t)) / d^3 (even; zeros at u = +-2.3994),
 * which are swish'(u) and K swish''(u) for swish(u) = u sigmoid(u): near their zeros
 * the swish series of taylor.h, evaluated at u (two words). */
static void gelu_sigmoid(double x, unsigned want, double *out)
{
  double a = fabs(x);
  struct dd U = two_prod(SIG_K_HI, a), t, d, nU;
  U = dd_norm(U.hi, fma(SIG_K_LO, a, U.lo));
  if (!isfinite(U.hi)) { /* |x| > 1e308: x or -0 */
    out[ENG_OUT_Y] = x > 0 ? x : -0.0;
    out[ENG_OUT_DY] = x > 0 ? 1 : -0.0;
    out[ENG_OUT_D2Y] = -0.0;
    return;
  }
  nU = (struct dd){-U.hi, -U.lo};
  if (U.hi > 700) {
    /* t / d = t, 1 / d = 1 to the last bit (t < e^-700): y = x t or x,
     * y' = t (1 - U) or 1, y'' = K t (2 - U), rounded once by exp_mul */
    out[ENG_OUT_Y] = x > 0 ? x : exp_mul(nU, x);
    out[ENG_OUT_DY] = x > 0 ? 1 : exp_mul(nU, 1 - U.hi);
    out[ENG_OUT_D2Y] = exp_mul(nU, SIG_K_HI * (2 - U.hi));
    return;
  }
  t = exp_neg(U);
  d = dd_add_d(t, 1);
  out[ENG_OUT_Y] = xsig_y(x, t, d);
  if (WANT(DY) && !(x < 0 && taylor_eval(&eng__swish_g0, nU, &out[ENG_OUT_DY]))) {
    struct dd n = x < 0 ? dd_mul(t, dd_add(d, nU)) : dd_add(d, dd_mul(t, U));
    out[ENG_OUT_DY] = div_dd(n, dd_mul(d, d));
  }
  if (WANT(D2Y)) {
    double g;
    if (fabs(nU.hi - eng__swish_g1.u0_hi) < 0.5 && taylor_eval(&eng__swish_g1, nU, &g)) {
      out[ENG_OUT_D2Y] = fma(SIG_K_LO, g, SIG_K_HI * g);
    } else {
      struct dd omt = dd_add_d((struct dd){-t.hi, -t.lo}, 1), B;
      B = dd_add(dd_mul_d(d, 2), dd_mul(nU, omt));
      B = dd_mul(dd_mul(B, t), (struct dd){SIG_K_HI, SIG_K_LO});
      out[ENG_OUT_D2Y] = div_dd(B, dd_mul(dd_mul(d, d), d));
    }
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
    gelu_sigmoid(x, want, out);
  }
}

/* mish: y = x T, T = tanh(softplus(x)).
 * For x <= 0, with t = e^x (no overflow), T = ((1 + t)^2 - 1) / ((1 + t)^2 + 1) = n / D,
 * n = t (t + 2), D = n + 2 = t^2 + 2t + 2, and, multiplied out,
 *   y'  = t B1 / D^2,     B1 = 4 (1 + x) + t (6 + 4x) + 4t^2 + t^3,
 *   y'' = 4 t B2 / D^3,   B2 = (4 + 2x) + t (8 + 2x) + t^2 (6 - 3x) + t^3 (2 - 2x).
 * For x > 0, with u = e^-x and E = 1 + 2u + 2u^2, T = (1 + 2u) / E and
 *   y'  = ((1 + 2u) E + 4 x u^2 (1 + u)) / E^2   (positive terms),
 *   y'' = u^2 B3 / E^3,   B3 = 8 (1 - x) + u (24 - 12x) + u^2 (32 + 8x) + u^3 (16 + 8x).
 * The polynomials in t are formed with the large first terms in two words (B1, B2 and
 * B3 cancel near the zeros of y' and y'', where the fixed parts 4 (1 + x), 4 + 2x and
 * 8 (1 - x) are exact), and e^x appears only as a factor and in small terms, so its
 * rounding is not magnified; within 0.3 of the zeros (-1.1924 for y', -2.2564 and
 * 1.4906 for y'') the Taylor series of taylor.h, where even that rounding would be.
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
    double t = exp(x);
    struct dd n = dd_mul_d(two_sum(t, 2), t), D = dd_add_d(n, 2);
    out[ENG_OUT_Y] = x * div_dd(n, D);
    if (WANT(DY) && !near_zero(&eng__mish_d1, x, 0.3, &out[ENG_OUT_DY])) {
      struct dd b = dd_mul_d(two_sum(1, x), 4);
      b = dd_add(b, dd_mul_d(two_sum(6, 4 * x), t));
      b = dd_add_d(b, t * t * (4 + t));
      out[ENG_OUT_DY] = div_dd(dd_mul_d(b, t), dd_mul(D, D));
    }
    if (WANT(D2Y) && !near_zero(&eng__mish_d2a, x, 0.3, &out[ENG_OUT_D2Y])) {
      struct dd b = dd_mul_d(two_sum(2, x), 2);
      b = dd_add(b, dd_mul_d(two_sum(8, 2 * x), t));
      b = dd_add_d(b, t * t * fma(t, 2 - 2 * x, 6 - 3 * x));
      out[ENG_OUT_D2Y] = div_dd(dd_mul_d(b, 4 * t), dd_mul(dd_mul(D, D), D));
    }
  } else {
    double u = exp(-x);
    struct dd a = two_sum(1, 2 * u), E = dd_add(a, two_prod(2 * u, u));
    out[ENG_OUT_Y] = x * div_dd(a, E);
    if (WANT(DY)) {
      struct dd n = dd_add_d(dd_mul(a, E), 4 * x * u * u * (1 + u));
      out[ENG_OUT_DY] = div_dd(n, dd_mul(E, E));
    }
    if (WANT(D2Y) && !near_zero(&eng__mish_d2b, x, 0.3, &out[ENG_OUT_D2Y])) {
      struct dd b = dd_mul_d(two_sum(1, -x), 8);
      b = dd_add(b, dd_mul_d(two_sum(24, -12 * x), u));
      b = dd_add_d(b, u * u * fma(u, 16 + 8 * x, 32 + 8 * x));
      out[ENG_OUT_D2Y] = div_dd(dd_mul(b, two_prod(u, u)), dd_mul(dd_mul(E, E), E));
    }
  }
}
