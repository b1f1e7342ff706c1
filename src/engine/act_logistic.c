/*
 * act_logistic.c: the logistic family: sigmoid, tanh, log_sigmoid, softplus, swish,
 * tanhshrink, squareplus.
 *
 * Everything is written in t = exp(-|u|) (or expm1 of it), so nothing overflows and
 * no derivative is formed from a rounded output: sigmoid'(u) = t / (1 + t)^2, not
 * y (1 - y), which is 0 for u > 37. Each output is evaluated in double-double with a
 * running error bound (cr.h: struct dde) and rounded once; where the bound does not
 * decide the rounding, the exact path (exact.c) does. A parameter product u = a x is
 * exact in two words (TwoProduct). No HTTP or JSON here.
 */
#include <float.h>
#include <math.h>

#include "cr.h"
#include "dd.h"
#include "internal.h"

#define WANT(bit) (want & ENG_WANT_##bit)

/* u = a x as a double-double with its bound: exact by TwoProduct unless the low
 * word underflows (|a x| below 2^-960), where it is within 2^-1074. */
ENG_INLINE struct dde prod_u(double a, double x)
{
  struct dd u = two_prod(a, x);
  return dde_of(u, fabs(u.hi) < 0x1p-960 ? 0x1p-1073 : 0);
}

/* ------------------------------------------------------------------ sigmoid */

/* y = sigmoid(a x), y' = a s'(u), y'' = a^2 s'(u)(1 - 2 s(u)), dy/da = x s'(u). */
ENG_KERNEL void eng__sigmoid_ew(double x, const double *p, unsigned want, double gy,
                                double *out)
{
  struct cr_ctx c = {&eng__exact_sigmoid, x, gy, p, out};
  double a = p[0];
  struct dde u = prod_u(a, x);
  struct cr_logistic L;
  if (!isfinite(u.hi)) {
    for (unsigned o = 0; o <= ENG_OUT_GRAD_X; o++)
      if (o <= ENG_OUT_DP || o == ENG_OUT_GRAD_X)
        if (want & (1u << (o <= ENG_OUT_DP ? o : 4)))
          cr_slow(&c, o);
    return;
  }
  if (fabs(u.hi) >= 746) {
    /* e^-|u| < 2^-1076: y is 1 or +0; s' (times a, a^2, x, grad_y a) is a zero unless
     * its factor is huge (then the exact path) */
    double w = -fabs(u.hi);
    out[ENG_OUT_Y] = u.hi > 0 ? 1 : 0;
    if (WANT(DY) && !cr_tiny(&c, ENG_OUT_DY, a, w))
      cr_slow(&c, ENG_OUT_DY);
    if (WANT(D2Y) && !cr_tiny(&c, ENG_OUT_D2Y, u.hi > 0 ? -a * a : a * a, w))
      cr_slow(&c, ENG_OUT_D2Y);
    if (WANT(DP) && !cr_tiny(&c, ENG_OUT_DP, x, w))
      cr_slow(&c, ENG_OUT_DP);
    if (WANT(GRAD_X) && !cr_tiny(&c, ENG_OUT_GRAD_X, gy * a, w))
      cr_slow(&c, ENG_OUT_GRAD_X);
    return;
  }
  L = cr_logistic(u, WANT(D2Y));
  if (WANT(Y))
    cr_put(&c, ENG_OUT_Y, L.s);
  if (WANT(DY))
    cr_put(&c, ENG_OUT_DY, dde_mul_d(L.ds, a));
  if (WANT(D2Y))
    cr_put(&c, ENG_OUT_D2Y, dde_mul(dde_mul(L.ds, L.q), dde_prod(a, a)));
  if (WANT(DP))
    cr_put(&c, ENG_OUT_DP, dde_mul_d(L.ds, x));
  if (WANT(GRAD_X))
    cr_put_gx(&c, dde_mul_d(L.ds, a));
}

/* -------------------------------------------------------------------- tanh */

/* y = tanh x = sign(x) (1 - t) / (1 + t), y' = sech^2 x = 4 t / (1 + t)^2,
 * y'' = -2 tanh(x) sech^2(x), with t = e^-2|x| and 1 - t = -expm1(-2|x|).
 * Below |x| = 2^-28: tanh x = x (1 - x^2/3 + ...) and the correction x^2/3 < 2^-57
 * is under half an ULP, even below a power of two: y = x, y' = 1, y'' = -2x. */
ENG_KERNEL void eng__tanh_ew(double x, const double *p, unsigned want, double gy, double *out)
{
  struct cr_ctx c = {&eng__exact_tanh, x, gy, p, out};
  double ax = fabs(x);
  struct dde t, r, th, d1;
  if (ax < 0x1p-28) {
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = -2 * x;
    out[ENG_OUT_GRAD_X] = gy;
    return;
  }
  if (ax >= 373) {
    /* t = e^-2|x| < 2^-1076: y = sign(x) to the last bit; y' = 4t (1 + O(t)) and
     * y'' = -8t sign(x) are zeros unless 4t or 8t reaches half the least subnormal */
    out[ENG_OUT_Y] = copysign(1.0, x);
    if (WANT(DY) && !cr_tiny(&c, ENG_OUT_DY, 8, -2 * ax))
      cr_slow(&c, ENG_OUT_DY);
    if (WANT(D2Y) && !cr_tiny(&c, ENG_OUT_D2Y, copysign(16.0, -x), -2 * ax))
      cr_slow(&c, ENG_OUT_D2Y);
    if (WANT(GRAD_X) && !cr_tiny(&c, ENG_OUT_GRAD_X, 8 * gy, -2 * ax))
      cr_slow(&c, ENG_OUT_GRAD_X);
    return;
  }
  t = dde_exp(dde_d(-2 * ax));
  if (t.e == INFINITY) /* e^-2|x| below 2^-960 */
    t = (struct dde){t.hi, t.lo, 0x1p-959};
  r = dde_div(dde_d(1), dde_add_d(t, 1));
  th = dde_mul(dde_neg(dde_expm1(dde_d(-2 * ax))), r);
  if (ax > 20) /* 1 - t = 1 to within 2^-57: expm1's bound would be the absolute one */
    th = dde_mul(dde_sub(dde_d(1), t), r);
  if (x < 0)
    th = dde_neg(th);
  d1 = dde_mul_d(dde_mul(t, dde_mul(r, r)), 4);
  if (WANT(Y))
    cr_put(&c, ENG_OUT_Y, th);
  if (WANT(DY))
    cr_put(&c, ENG_OUT_DY, d1);
  if (WANT(D2Y))
    cr_put(&c, ENG_OUT_D2Y, dde_mul_d(dde_mul(th, d1), -2));
  if (WANT(GRAD_X))
    cr_put_gx(&c, d1);
}

/* ------------------------------------------------------------- log_sigmoid */

/* y = ln sigmoid(x) = -softplus(-x): -log1p(t) for x >= 0, x - log1p(t) below (a
 * sum of two negative terms, no cancellation), t = e^-|x|; y' = sigmoid(-x);
 * y'' = -sigmoid'(x). */
ENG_KERNEL void eng__log_sigmoid_ew(double x, const double *p, unsigned want, double gy,
                                    double *out)
{
  struct cr_ctx c = {&eng__exact_log_sigmoid, x, gy, p, out};
  struct cr_logistic L;
  if (fabs(x) >= 746) { /* t = e^-|x| < 2^-1076: y = min(x, 0) - t, y' = s(-x) */
    double w = -fabs(x);
    if (x > 0)
      out[ENG_OUT_Y] = -0.0;
    else
      out[ENG_OUT_Y] = x; /* x - t rounds to x: t is far below half an ulp of x */
    if (x > 0)
      out[ENG_OUT_DY] = 0;
    else
      out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = -0.0;
    if (WANT(GRAD_X)) {
      if (x < 0)
        out[ENG_OUT_GRAD_X] = gy;
      else if (!cr_tiny(&c, ENG_OUT_GRAD_X, gy, w))
        cr_slow(&c, ENG_OUT_GRAD_X);
    }
    return;
  }
  L = cr_logistic(dde_d(x), 0);
  if (WANT(Y)) {
    struct dde l = dde_neg(dde_log1p(L.t));
    cr_put(&c, ENG_OUT_Y, x >= 0 ? l : dde_add_d(l, x));
  }
  if (WANT(DY))
    cr_put(&c, ENG_OUT_DY, L.sc);
  if (WANT(D2Y))
    cr_put(&c, ENG_OUT_D2Y, dde_neg(L.ds));
  if (WANT(GRAD_X))
    cr_put_gx(&c, L.sc);
}

/* ---------------------------------------------------------------- softplus */

/* y = sp(u) / beta, u = beta x, sp(u) = max(u, 0) + log1p(e^-|u|); y' = s(u),
 * y'' = beta s'(u), dy/dbeta = (u s(u) - sp(u)) / beta^2, where u s(u) - sp(u) is
 * -(u t/(1+t) + log1p(t)) for u > 0 and u t/(1+t) - log1p(t) below: in both, terms
 * of one sign, so it never cancels. */
ENG_KERNEL void eng__softplus_ew(double x, const double *p, unsigned want, double gy,
                                 double *out)
{
  struct cr_ctx c = {&eng__exact_softplus, x, gy, p, out};
  double b = p[0];
  struct dde u = prod_u(b, x), lg, B = dde_d(b);
  struct cr_logistic L;
  if (!isfinite(u.hi)) {
    if (WANT(Y))
      cr_slow(&c, ENG_OUT_Y);
    if (WANT(DY))
      cr_slow(&c, ENG_OUT_DY);
    if (WANT(D2Y))
      cr_slow(&c, ENG_OUT_D2Y);
    if (WANT(DP))
      cr_slow(&c, ENG_OUT_DP);
    if (WANT(GRAD_X))
      cr_slow(&c, ENG_OUT_GRAD_X);
    return;
  }
  if (fabs(u.hi) >= 746) {
    /* t = e^-|u| < 2^-1076: y = max(x, 0) + t / beta (u > 0: x to the last bit),
     * y' = s(u) (1 or +0), y'' = beta s'(u), dy/dbeta = -(|u| + 1) t / beta^2 (about) */
    double w = -fabs(u.hi);
    if (WANT(Y) && !(u.hi > 0 ? (out[ENG_OUT_Y] = x, 1) : cr_tiny(&c, ENG_OUT_Y, 1 / b, w)))
      cr_slow(&c, ENG_OUT_Y);
    out[ENG_OUT_DY] = u.hi > 0 ? 1 : 0;
    if (WANT(D2Y) && !cr_tiny(&c, ENG_OUT_D2Y, b, w))
      cr_slow(&c, ENG_OUT_D2Y);
    if (WANT(DP) && !cr_tiny(&c, ENG_OUT_DP, -(fabs(u.hi) + 1) / b / b * 2, w))
      cr_slow(&c, ENG_OUT_DP);
    if (WANT(GRAD_X)) {
      if (u.hi > 0)
        out[ENG_OUT_GRAD_X] = gy;
      else if (!cr_tiny(&c, ENG_OUT_GRAD_X, gy, w))
        cr_slow(&c, ENG_OUT_GRAD_X);
    }
    return;
  }
  L = cr_logistic(u, 0);
  lg = (WANT(Y) || WANT(DP)) ? dde_log1p(L.t) : dde_d(0);
  if (WANT(Y))
    cr_put(&c, ENG_OUT_Y, dde_div(u.hi > 0 ? dde_add(u, lg) : lg, B));
  if (WANT(DY))
    cr_put(&c, ENG_OUT_DY, L.s);
  if (WANT(D2Y))
    cr_put(&c, ENG_OUT_D2Y, dde_mul_d(L.ds, b));
  if (WANT(DP)) {
    struct dde ut = dde_mul(u, dde_mul(L.t, L.r)), g;
    g = u.hi > 0 ? dde_neg(dde_add(ut, lg)) : dde_sub(ut, lg);
    cr_put(&c, ENG_OUT_DP, dde_div(g, dde_prod(b, b)));
  }
  if (WANT(GRAD_X))
    cr_put_gx(&c, L.s);
}

/* ------------------------------------------------------------------- swish */

/* y = x s(u), u = beta x: y' = s(u) + u s'(u), y'' = beta s'(u) (2 + u (1 - 2 s(u))),
 * dy/dbeta = x^2 s'(u). The sums cancel near the zeros of y' (u = -1.2785) and
 * y'' (u = -2.3994, 2.3994): the bound grows there, and the exact path takes the
 * points it no longer decides. */
void eng__swish_at(double x, struct dde u, struct dde beta, unsigned want,
                   const struct cr_ctx *c)
{
  struct cr_logistic L;
  struct dde dy;
  if (!isfinite(u.hi)) {
    if (WANT(Y))
      cr_slow(c, ENG_OUT_Y);
    if (WANT(DY))
      cr_slow(c, ENG_OUT_DY);
    if (WANT(D2Y))
      cr_slow(c, ENG_OUT_D2Y);
    if (WANT(DP))
      cr_slow(c, ENG_OUT_DP);
    if (WANT(GRAD_X))
      cr_slow(c, ENG_OUT_GRAD_X);
    return;
  }
  if (fabs(u.hi) >= 746) {
    /* t = e^-|u| < 2^-1076: for u > 0, y = x (1 - t), y' = 1 + (u - 1) t... to the
     * last bit x and 1; for u < 0, y = x t, y' = (1 + u) t; y'' = beta t (2 + |u|) and
     * dy/dbeta = x^2 t about, both signs: zeros unless their factors are huge */
    double w = -fabs(u.hi), x2 = x * x;
    if (WANT(Y) && !(u.hi > 0 ? (c->out[ENG_OUT_Y] = x, 1) : cr_tiny(c, ENG_OUT_Y, x, w)))
      cr_slow(c, ENG_OUT_Y);
    if (WANT(DY) && !(u.hi > 0 ? (c->out[ENG_OUT_DY] = 1, 1)
                               : cr_tiny(c, ENG_OUT_DY, 2 * (1 + u.hi), w)))
      cr_slow(c, ENG_OUT_DY);
    if (WANT(D2Y) && !cr_tiny(c, ENG_OUT_D2Y, beta.hi * (u.hi > 0 ? 2 - u.hi : 2 + u.hi) * 2, w))
      cr_slow(c, ENG_OUT_D2Y);
    if (WANT(DP) && !cr_tiny(c, ENG_OUT_DP, 2 * x2, w))
      cr_slow(c, ENG_OUT_DP);
    if (WANT(GRAD_X)) {
      if (u.hi > 0)
        c->out[ENG_OUT_GRAD_X] = c->gy;
      else if (!cr_tiny(c, ENG_OUT_GRAD_X, 2 * c->gy * (1 + u.hi), w))
        cr_slow(c, ENG_OUT_GRAD_X);
    }
    return;
  }
  L = cr_logistic(u, WANT(D2Y));
  dy = dde_add(L.s, dde_mul(u, L.ds));
  if (WANT(Y))
    cr_put(c, ENG_OUT_Y, dde_mul_d(L.s, x));
  if (WANT(DY))
    cr_put(c, ENG_OUT_DY, dy);
  if (WANT(D2Y))
    cr_put(c, ENG_OUT_D2Y, dde_mul(dde_mul(L.ds, dde_add_d(dde_mul(u, L.q), 2)), beta));
  if (WANT(DP))
    cr_put(c, ENG_OUT_DP, dde_mul(L.ds, dde_prod(x, x)));
  if (WANT(GRAD_X))
    cr_put_gx(c, dy);
}

ENG_KERNEL void eng__swish_ew(double x, const double *p, unsigned want, double gy, double *out)
{
  struct cr_ctx c = {&eng__exact_swish, x, gy, p, out};
  eng__swish_at(x, prod_u(p[0], x), dde_d(p[0]), want, &c);
}

/* -------------------------------------------------------------- tanhshrink */

/* y = x - tanh x, y' = tanh^2 x, y'' = 2 tanh(x) sech^2(x).
 * y cancels for small |x|: below 2^-6 the series
 *   x - tanh x = x^3 (1/3 - 2 z/15 + 17 z^2/315 - 62 z^3/2835 + 1382 z^4/155925
 *                     - 21844 z^5/6081075 + 929569 z^6/638512875 - ...), z = x^2,
 * whose next term is below 2^-90 of the sum; above, x - tanh x in double-double. */
ENG_KERNEL void eng__tanhshrink_ew(double x, const double *p, unsigned want, double gy,
                                   double *out)
{
  struct cr_ctx c = {&eng__exact_tanhshrink, x, gy, p, out};
  double ax = fabs(x);
  struct dde t, r, th, s2, y;
  if (ax < 0x1p-340) { /* y = x^3/3 underflows: the exact path rounds it */
    out[ENG_OUT_DY] = 0; /* x^2 < 2^-680 */
    if (WANT(Y))
      cr_slow(&c, ENG_OUT_Y);
    if (WANT(DY))
      cr_slow(&c, ENG_OUT_DY);
    if (WANT(D2Y))
      cr_slow(&c, ENG_OUT_D2Y);
    if (WANT(GRAD_X))
      cr_slow(&c, ENG_OUT_GRAD_X);
    return;
  }
  t = dde_exp(dde_d(-2 * ax));
  if (t.e == INFINITY)
    t = (struct dde){t.hi, t.lo, 0x1p-959};
  r = dde_div(dde_d(1), dde_add_d(t, 1));
  th = ax > 20 ? dde_mul(dde_sub(dde_d(1), t), r) : dde_mul(dde_neg(dde_expm1(dde_d(-2 * ax))), r);
  s2 = dde_mul_d(dde_mul(t, dde_mul(r, r)), 4);
  if (x < 0)
    th = dde_neg(th);
  if (WANT(Y)) {
    if (ax < 0x1p-6) {
      struct dde z = dde_prod(x, x), P;
      double q = 929569.0 / 638512875;
      q = fma(q, z.hi, -21844.0 / 6081075);
      q = fma(q, z.hi, 1382.0 / 155925);
      q = fma(q, z.hi, -62.0 / 2835);
      q = fma(q, z.hi, 17.0 / 315); /* terms from z^2 on: each within 2^-52 of 2^-24 */
      P = dde_mul(z, (struct dde){q, 0, fabs(q) * 0x1p-50});
      P = dde_add(P, (struct dde){-0x1.1111111111111p-3, -0x1.1111111111111p-59, 0x1p-110});
      P = dde_mul(P, z);
      P = dde_add(P, (struct dde){0x1.5555555555555p-2, 0x1.5555555555555p-56, 0x1p-108});
      P.e += fabs(P.hi) * 0x1p-90; /* the truncated series */
      y = dde_mul(dde_mul_d(z, x), P);
    } else {
      y = dde_sub(dde_d(x), th);
    }
    cr_put(&c, ENG_OUT_Y, y);
  }
  if (WANT(DY) || WANT(GRAD_X)) {
    struct dde d1 = dde_mul(th, th);
    if (WANT(DY))
      cr_put(&c, ENG_OUT_DY, d1);
    if (WANT(GRAD_X))
      cr_put_gx(&c, d1);
  }
  if (WANT(D2Y))
    cr_put(&c, ENG_OUT_D2Y, dde_mul_d(dde_mul(th, s2), 2));
}

/* -------------------------------------------------------------- squareplus */

/* y = (x + R) / 2, R = sqrt(x^2 + b); for x < 0, y = b / (2 (R - x)) and
 * y' = b / (2 R (R - x)) (x + R cancels); y' = (R + x) / (2R) for x >= 0;
 * y'' = b / (2 R^3), dy/db = 1 / (4 R). For |x| > 2^500 (x^2 would overflow) the
 * exact path. */
ENG_KERNEL void eng__squareplus_ew(double x, const double *p, unsigned want, double gy,
                                   double *out)
{
  struct cr_ctx c = {&eng__exact_squareplus, x, gy, p, out};
  double b = p[0];
  struct dde R, B = dde_d(b), X = dde_d(x), dy;
  if (fabs(x) > 0x1p500 || b > 0x1p1000 || b < 0x1p-900) {
    for (unsigned o = ENG_OUT_Y; o <= ENG_OUT_DP; o++)
      if (want & (1u << o))
        cr_slow(&c, o);
    if (WANT(GRAD_X))
      cr_slow(&c, ENG_OUT_GRAD_X);
    return;
  }
  R = dde_sqrt(dde_add(dde_of(two_prod(x, x), fabs(x) < 0x1p-500 ? 0x1p-1073 : 0), B));
  if (x >= 0)
    dy = dde_div(dde_add(R, X), dde_mul_d(R, 2));
  else
    dy = dde_div(B, dde_mul(dde_mul_d(R, 2), dde_sub(R, X)));
  if (WANT(Y))
    cr_put(&c, ENG_OUT_Y, x >= 0 ? dde_mul_d(dde_add(X, R), 0.5)
                                 : dde_div(B, dde_mul_d(dde_sub(R, X), 2)));
  if (WANT(DY))
    cr_put(&c, ENG_OUT_DY, dy);
  if (WANT(D2Y))
    cr_put(&c, ENG_OUT_D2Y, dde_div(B, dde_mul_d(dde_mul(dde_mul(R, R), R), 2)));
  if (WANT(DP))
    cr_put(&c, ENG_OUT_DP, dde_div(dde_d(1), dde_mul_d(R, 4)));
  if (WANT(GRAD_X))
    cr_put_gx(&c, dy);
}
