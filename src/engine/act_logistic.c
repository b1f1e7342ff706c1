/*
 * act_logistic.c: the logistic family: sigmoid, tanh, log_sigmoid, softplus, swish,
 * tanhshrink, squareplus.
 *
 * Everything is written in t = exp(-|u|) (or expm1 of it), so nothing overflows and
 * no derivative is formed from a rounded output: sigmoid'(u) = t / (1 + t)^2, not
 * y (1 - y), which is 0 for u > 37. A parameter product u = a x is kept in two words
 * (u_hi + u_lo, by fma); where the function is steep in u, the second word enters as
 * a first-order correction f(u_hi) + f'(u_hi) u_lo, which the rounding of a x alone
 * would otherwise cost (|u| ULP in the tails). No HTTP or JSON here.
 */
#include <float.h>
#include <math.h>

#include "dd.h"
#include "internal.h"
#include "taylor.h"

#define WANT(bit) (want & ENG_WANT_##bit)

/* The logistic function at u in pieces: with t = exp(-|u|) and d + e = 1 + t exactly,
 *   s    = sigmoid(u)        (1 / (1 + t) for u >= 0, t / (1 + t) below),
 *   sc   = sigmoid(-u) = 1 - s, without the subtraction,
 *   ds   = sigmoid'(u) = t / (1 + t)^2,
 * each within about 1.5 ULP (the error e of 1 + t is carried to first order). */
struct logistic {
  double s, sc, ds, t, r; /* r = 1 / (1 + t) */
};

ENG_INLINE struct logistic logistic_at(double u)
{
  struct logistic L;
  double t = exp(-fabs(u));
  struct dd d = two_sum(1, t);
  double r = 1 / d.hi;
  r = fma(-r * d.lo, r, r); /* 1 / (1 + t), carrying the rounding of 1 + t */
  L.t = t;
  L.r = r;
  L.ds = t * r * r;
  if (u >= 0) {
    L.s = r;
    L.sc = t * r;
  } else {
    L.s = t * r;
    L.sc = r;
  }
  return L;
}

/* 1 - 2 sigmoid(u) = -tanh(u / 2) = -(1 - t) / (1 + t) sign(u), with 1 - t from
 * expm1 (1 - t cancels for small |u|). */
ENG_INLINE double one_minus_2s(double u, double t)
{
  double omt = -expm1(-fabs(u));
  double v = omt / (1 + t);
  return u >= 0 ? -v : v;
}

/* ------------------------------------------------------------------ sigmoid */

/* y = sigmoid(a x), y' = a s'(u), y'' = a^2 s'(u)(1 - 2 s(u)), dy/da = x s'(u). */
ENG_KERNEL void eng__sigmoid_ew(double x, const double *p, unsigned want, double *out)
{
  double a = p[0];
  struct dd u = two_prod(a, x);
  struct logistic L;

  if (!isfinite(u.hi)) { /* |a x| overflowed: the limits */
    out[ENG_OUT_Y] = u.hi > 0 ? 1 : 0;
    out[ENG_OUT_DY] = 0;
    out[ENG_OUT_D2Y] = 0;
    out[ENG_OUT_DP + 0] = 0;
    return;
  }
  if (fabs(u.hi) > 700 && (want & ~ENG_WANT_Y)) {
    /* s'(u) = e^-|u| (1 - 2 e^-|u| ...) is e^-|u| to the last bit, and subnormal:
     * every product with it is rounded once by exp_mul */
    struct dd nu = u.hi < 0 ? u : (struct dd){-u.hi, -u.lo};
    out[ENG_OUT_Y] = u.hi < 0 ? exp_mul(u, 1) : 1;
    out[ENG_OUT_DY] = exp_mul(nu, a);
    out[ENG_OUT_D2Y] = exp_mul(nu, u.hi < 0 ? a * a : -a * a);
    out[ENG_OUT_DP + 0] = exp_mul(nu, x);
    return;
  }
  L = logistic_at(u.hi);
  /* s(u_hi + u_lo) = s + s' u_lo; s'(u_hi + u_lo) = s' (1 + (1 - 2s) u_lo) */
  out[ENG_OUT_Y] = fma(L.ds, u.lo, L.s);
  if (want & (ENG_WANT_DY | ENG_WANT_D2Y | ENG_WANT_DP)) {
    /* 1 - 2s only where it is used: the u_lo correction and y'' */
    double oms = (u.lo != 0 || WANT(D2Y)) ? one_minus_2s(u.hi, L.t) : 0;
    double ds = fma(L.ds * oms, u.lo, L.ds);
    out[ENG_OUT_DY] = a * ds;
    /* below u = -700, s'(u) = e^u (1 + u_lo) is subnormal: x s' rounded once */
    out[ENG_OUT_DP + 0] = fabs(u.hi) > 700 ? exp_mul(u.hi < 0 ? u : (struct dd){-u.hi, -u.lo}, x)
                                           : x * ds;
    if (WANT(D2Y)) {
      /* s'' = t (1 - t) r^3 sign, r = 1 / (1 + t) in two words (from the exact 1 + t:
       * the rounded r would enter three times) and the product rounded once */
      double omt = -expm1(-fabs(u.hi));
      struct dd r = dd_div(dd_of(1), two_sum(1, L.t));
      struct dd q = dd_mul(two_prod(L.t, omt), dd_mul(dd_mul(r, r), r));
      double d2 = u.hi >= 0 ? -(q.hi + q.lo) : q.hi + q.lo;
      d2 = fma(-2 * L.ds * L.ds + d2 * oms, u.lo, d2); /* the third derivative times u_lo */
      out[ENG_OUT_D2Y] = (a * a == 1) ? d2 : dd_mul_d(two_prod(a, a), d2).hi;
    }
  }
}

/* -------------------------------------------------------------------- tanh */

/* y = tanh x, y' = sech^2 x = 4 t / (1 + t)^2, y'' = -2 tanh(x) sech^2(x), with
 * t = exp(-2|x|): tanh |x| = (1 - t) / (1 + t) = -expm1(-2|x|) / (2 + expm1(-2|x|)). */
ENG_KERNEL void eng__tanh_ew(double x, const double *p, unsigned want, double *out)
{
  double ax = fabs(x);
  (void)p;
  if (ax < 0x1p-27) { /* tanh x = x - x^3/3: below 2^-27 the cube is under half an ULP */
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = -2 * x;
    return;
  }
  {
    double m = expm1(-2 * ax); /* t - 1 */
    double th = -m / (2 + m);
    double t = exp(-2 * ax);
    struct dd d = two_sum(1, t);
    double r = 1 / d.hi;
    r = fma(-r * d.lo, r, r);
    double sech2 = 4 * t * r * r;
    out[ENG_OUT_Y] = copysign(th, x);
    out[ENG_OUT_DY] = sech2;
    if (WANT(D2Y))
      out[ENG_OUT_D2Y] = copysign(2 * th * sech2, -x);
  }
}

/* ------------------------------------------------------------- log_sigmoid */

/* y = ln sigmoid(x) = -softplus(-x): -log1p(exp(-x)) for x >= 0, x - log1p(exp(x))
 * below (a sum of two negative terms, no cancellation); y' = sigmoid(-x);
 * y'' = -sigmoid'(x). */
ENG_KERNEL void eng__log_sigmoid_ew(double x, const double *p, unsigned want, double *out)
{
  struct logistic L = logistic_at(x);
  (void)p;
  (void)want;
  out[ENG_OUT_Y] = x >= 0 ? -log1p(L.t) : x - log1p(L.t);
  out[ENG_OUT_DY] = L.sc;
  out[ENG_OUT_D2Y] = -L.ds;
}

/* ---------------------------------------------------------------- softplus */

/* sp(u) = ln(1 + e^u) = max(u, 0) + log1p(exp(-|u|)) */
ENG_INLINE double softplus_u(double u, double t)
{
  return u > 0 ? u + log1p(t) : log1p(t);
}

/* y = sp(beta x) / beta, y' = sigmoid(u), y'' = beta sigmoid'(u),
 * dy/dbeta = (u sigmoid(u) - sp(u)) / beta^2, where u s(u) - sp(u) is
 * -(u t/(1+t) + log1p(t)) for u > 0 and u t/(1+t) - log1p(t) below: in both, terms
 * of one sign, so it never cancels. */
ENG_KERNEL void eng__softplus_ew(double x, const double *p, unsigned want, double *out)
{
  double b = p[0];
  struct dd u = two_prod(b, x);
  struct logistic L;

  if (!isfinite(u.hi)) { /* beta x overflowed: softplus is max(x, 0) to the last bit */
    out[ENG_OUT_Y] = x > 0 ? x : 0;
    out[ENG_OUT_DY] = x > 0 ? 1 : 0;
    out[ENG_OUT_D2Y] = 0;
    out[ENG_OUT_DP + 0] = 0;
    return;
  }
  if (u.hi < -700) { /* sp(u) = s(u) = e^u to the last bit */
    out[ENG_OUT_Y] = exp_mul(u, 1 / b);
    out[ENG_OUT_DY] = exp_mul(u, 1);
    out[ENG_OUT_D2Y] = exp_mul(u, b);
    out[ENG_OUT_DP + 0] = exp_mul(u, (u.hi - 1) / b / b); /* (u - 1) e^u / b^2 */
    return;
  }
  L = logistic_at(u.hi);
  if (u.hi > 700 && WANT(D2Y)) { /* beta s'(u), s'(u) = e^-u subnormal */
    out[ENG_OUT_D2Y] = exp_mul((struct dd){-u.hi, -u.lo}, b);
    want &= ~ENG_WANT_D2Y;
  }
  /* sp(u_hi + u_lo) = sp(u_hi) + s(u_hi) u_lo */
  out[ENG_OUT_Y] = fma(L.s, u.lo, softplus_u(u.hi, L.t)) / b;
  out[ENG_OUT_DY] = fma(L.ds, u.lo, L.s);
  if (WANT(D2Y))
    out[ENG_OUT_D2Y] = b * fma(L.ds * one_minus_2s(u.hi, L.t), u.lo, L.ds);
  if (WANT(DP)) {
    double tr = L.t / (1 + L.t), g;
    g = u.hi > 0 ? -(u.hi * tr + log1p(L.t)) : u.hi * tr - log1p(L.t);
    g = fma(u.hi * L.ds, u.lo, g); /* g'(u) = u s'(u) */
    if (u.hi > 700) /* g = -(u + 1) e^-u to the last bit, rounded once */
      g = exp_mul((struct dd){-u.hi, -u.lo}, -(u.hi + 1) / b) * b;
    out[ENG_OUT_DP + 0] = g / b / b;
  }
}

/* ------------------------------------------------------------------- swish */

/* y = x sigmoid(u), u = beta x.
 * y' = s(u) + u s'(u) = g(u), y'' = beta g'(u) with g'(u) = s'(u)(2 + u(1 - 2 s(u))),
 * dy/dbeta = x^2 s'(u). g and g' vanish at u0 = -1.2785 and u1 = -2.3994, where the
 * sums cancel: around them the Taylor series of g and g' in h = u - u0 (taylor.h)
 * keep every digit. */
ENG_KERNEL void eng__swish_ew(double x, const double *p, unsigned want, double *out)
{
  eng__swish_at(x, two_prod(p[0], x), p[0], want, out);
}

/* swish with u = beta x given in two words (GELU's sigmoid form passes its 1.702 x). */
ENG_KERNEL void eng__swish_at(double x, struct dd u, double b, unsigned want, double *out)
{
  struct logistic L;

  if (!isfinite(u.hi)) { /* beta x overflowed: x or 0 */
    out[ENG_OUT_Y] = u.hi > 0 ? x : 0;
    out[ENG_OUT_DY] = u.hi > 0 ? 1 : 0;
    out[ENG_OUT_D2Y] = 0;
    out[ENG_OUT_DP + 0] = 0;
    return;
  }
  if (u.hi > 700) { /* s = 1, s' = e^-u: y = x, y' = 1, y'' = b (2 - u) e^-u */
    struct dd nu = {-u.hi, -u.lo};
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = exp_mul(nu, b * (2 - u.hi));
    out[ENG_OUT_DP + 0] = exp_mul(nu, x * x);
    return;
  }
  L = logistic_at(u.hi);
  if (u.hi < -700) { /* s(u) = s'(u) = e^u to the last bit: products rounded once */
    out[ENG_OUT_Y] = exp_mul(u, x);
    out[ENG_OUT_DY] = exp_mul(u, 1 + u.hi);
    out[ENG_OUT_D2Y] = exp_mul(u, b * (2 + u.hi));
    out[ENG_OUT_DP + 0] = exp_mul(u, x * x);
    return;
  }
  out[ENG_OUT_Y] = x * fma(L.ds, u.lo, L.s);
  if (want & (ENG_WANT_DY | ENG_WANT_D2Y | ENG_WANT_DP)) {
    /* 1 - 2s only where it is used: the u_lo corrections and y'' */
    double oms = (u.lo != 0 || WANT(D2Y)) ? one_minus_2s(u.hi, L.t) : 0;
    double ds = fma(L.ds * oms, u.lo, L.ds);
    if (WANT(DY)) {
      if (!taylor_eval(&eng__swish_g0, u, &out[ENG_OUT_DY]))
        out[ENG_OUT_DY] = fma(u.hi, L.ds, L.s) + u.lo * ds * (2 + u.hi * oms);
    }
    if (WANT(D2Y)) {
      double g1;
      if (taylor_eval(&eng__swish_g1, u, &g1) || taylor_eval(&eng__swish_g1b, u, &g1)) {
        out[ENG_OUT_D2Y] = b * g1;
      } else {
        /* g'(u) = T R^2 (2 - |u| (1 - T) R), T = e^-|u|, R = 1 / (1 + T), all in
         * two words from the two-word u: in doubles, the roundings of e^-|u| and of
         * 1 / (1 + T) reach 5 ULP where 2 + u (1 - 2 s) partly cancels (u near -2.7)
         * and where it is large (u near -29) */
        struct dd au = u.hi < 0 ? (struct dd){-u.hi, -u.lo} : u;
        struct dd T = dd_exp((struct dd){-au.hi, -au.lo});
        struct dd R = dd_div(dd_of(1), dd_add_d(T, 1));
        struct dd oms2 = dd_mul(dd_add_d((struct dd){-T.hi, -T.lo}, 1), R); /* |1 - 2s| */
        /* u and 1 - 2 s have opposite signs: 2 + u (1 - 2 s) = 2 - |u| |1 - 2 s| */
        struct dd inner = dd_add_d(dd_mul((struct dd){-au.hi, -au.lo}, oms2), 2);
        out[ENG_OUT_D2Y] = dd_mul_d(dd_mul(dd_mul(T, dd_mul(R, R)), inner), b).hi;
      }
    }
    out[ENG_OUT_DP + 0] = x * (x * ds);
  }
}

/* -------------------------------------------------------------- tanhshrink */

/* -c_n for n = 2 .. 23 of tanh x = sum c_n x^(2n-1), from the Bernoulli numbers */
#define TANHSHRINK_SERIES \
  0.3333333333333333, -0.13333333333333333, 0.05396825396825397, -0.021869488536155203, \
  0.008863235529902197, -0.003592128036572481, 0.0014558343870513183, -0.000590027440945586, \
  0.00023912911424355248, -9.691537956929451e-05, 3.927832388331683e-05, -1.5918905069328964e-05, \
  6.451689215655431e-06, -2.6147711512907546e-06, 1.0597268320104654e-06, -4.294911078273806e-07, \
  1.7406618963571648e-07, -7.054636946400968e-08, 2.859136662305254e-08, -1.1587644432798853e-08, \
  4.6962953982309016e-09, -1.903336833931276e-09,


/* y = x - tanh x, y' = tanh^2 x, y'' = 2 tanh(x) sech^2(x).
 * y cancels for small |x|: below 2^-26 the series x^3/3 - 2x^5/15; up to 1.5, tanh in
 * double-double, t = exp(-2|x|) by dd_exp, so x - tanh x keeps its digits. */
ENG_KERNEL void eng__tanhshrink_ew(double x, const double *p, unsigned want, double *out)
{
  double ax = fabs(x), th, sech2;
  (void)p;
  if (ax < 0x1p-26) {
    double x2 = x * x;
    out[ENG_OUT_Y] = x * (x2 / 3) * (1 - 0.4 * x2);
    out[ENG_OUT_DY] = x2;
    out[ENG_OUT_D2Y] = 2 * x;
    return;
  }
  if (ax < 0.6) {
    /* x - tanh x = sum_{n>=2} -c_n x^(2n-1), c_n the tanh series coefficients
     * 2^(2n) (2^(2n) - 1) B_(2n) / (2n)!; ratio (x / (pi/2))^2 < 0.146 per term,
     * 22 terms reach 2^-60 at 0.6 */
    static const double c[22] = {TANHSHRINK_SERIES};
    double x2 = x * x, acc = c[21];
    for (int i = 20; i >= 0; i--)
      acc = fma(acc, x2, c[i]);
    out[ENG_OUT_Y] = x * x2 * acc;
    th = ax - ax * x2 * acc; /* tanh|x| to half an ULP: the series term is small */
    sech2 = 1 - th * th;
    out[ENG_OUT_DY] = th * th;
    out[ENG_OUT_D2Y] = copysign(2 * th * sech2, x);
    return;
  }
  {
    double m = expm1(-2 * ax), t = exp(-2 * ax);
    struct dd d = two_sum(1, t);
    double r = 1 / d.hi;
    r = fma(-r * d.lo, r, r);
    th = -m / (2 + m);
    sech2 = 4 * t * r * r;
  }
  if (WANT(Y)) {
    if (ax < 1.5) {
      /* tanh|x| = (1 - t)/(1 + t) in double-double, t = e^(-2|x|) */
      struct dd t = dd_exp(dd_of(-2 * ax));
      struct dd num = dd_add_d((struct dd){-t.hi, -t.lo}, 1);
      struct dd den = dd_add_d(t, 1);
      struct dd tq = dd_div(num, den);
      struct dd yy = dd_add_d((struct dd){-tq.hi, -tq.lo}, ax);
      out[ENG_OUT_Y] = copysign(yy.hi + yy.lo, x);
    } else {
      out[ENG_OUT_Y] = copysign(ax - th, x);
    }
  }
  out[ENG_OUT_DY] = ax > 1 ? 1 - sech2 : th * th; /* tanh^2 = 1 - sech^2, exact there */
  out[ENG_OUT_D2Y] = copysign(2 * th * sech2, x);
}

/* -------------------------------------------------------------- squareplus */

/* y = (x + r) / 2, r = sqrt(x^2 + b) = hypot(x, sqrt b) (no overflow);
 * for x < 0, y = b / (2 (r - x)), y' = b / (2 r (r - x)) (x + r cancels);
 * y'' = b / (2 r^3), dy/db = 1 / (4 r). For |x| > 2^500 the products are scaled:
 * with q = sqrt(1 + b/x^2), r - x = |x| (1 + q). */
ENG_KERNEL void eng__squareplus_ew(double x, const double *p, unsigned want, double *out)
{
  double b = p[0], ax = fabs(x), r;
  (void)want;
  if (ax > 0x1p500) {
    double bx = b / ax, q = sqrt(1 + bx / ax);
    r = ax * q;
    if (x > 0) {
      out[ENG_OUT_Y] = x / 2 + r / 2;
      out[ENG_OUT_DY] = 1 - (bx / ax) / (2 * q * (1 + q));
    } else {
      out[ENG_OUT_Y] = bx / (2 * (1 + q));
      out[ENG_OUT_DY] = (bx / ax) / (2 * q * (1 + q));
    }
    out[ENG_OUT_D2Y] = bx / ax / ax / (2 * q * q * q);
    out[ENG_OUT_DP + 0] = 1 / ax / (4 * q);
    return;
  }
  r = hypot(x, sqrt(b));
  if (x >= 0) {
    out[ENG_OUT_Y] = (x + r) / 2;
    out[ENG_OUT_DY] = (1 + x / r) / 2;
  } else {
    double rm = r - x;
    out[ENG_OUT_Y] = b / (2 * rm);
    out[ENG_OUT_DY] = b / rm / (2 * r);
  }
  out[ENG_OUT_D2Y] = b / r / r / (2 * r);
  out[ENG_OUT_DP + 0] = 1 / (4 * r);
}
