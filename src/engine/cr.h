/*
 * cr.h: correct rounding in the kernels, after Ziv. A kernel evaluates each output as
 * a double-double v = hi + lo together with a bound err on |v - exact|; if no
 * rounding boundary (a midpoint between two doubles) lies within err of v, the double
 * nearest v is the double nearest the exact value, and that is the output. Otherwise
 * the exact path (exact.c, MPFR intervals) decides.
 *
 * The bounds come from running error analysis on struct dde, a double-double with
 * its error bound carried beside it: each operation adds the rounding error of the
 * double-double arithmetic (dd.h) and the propagated errors of its operands, so the
 * bound holds whatever cancellation the formula meets (the bound then grows and the
 * exact path takes over). Internal to the engine; no HTTP or JSON here.
 */
#ifndef NEUROND_ENGINE_CR_H
#define NEUROND_ENGINE_CR_H

#include <math.h>

#include "dd.h"
#include "internal.h"

/* ============================================================ Rounding test */

/* The correctly rounded value of an exact result known as hi + lo to within err:
 * returns 1 and sets *out if it is decided, else 0.
 *   h + l = hi + lo exactly (TwoSum), h = RN(hi + lo). With err = 0 the value is
 *   exact and h is its rounding (ties to even). Otherwise the doubles next to h are
 *   2 half-gaps away: the half-gap is ulp(h) / 2, or ulp(h) / 4 below a power of two
 *   (towards zero); RN(exact) = h if |l| + err is below the half-gap on l's side. The
 *   difference half-gap - |l| is exact when |l| >= half-gap / 2 (Sterbenz) and else
 *   far above err; the factor 1 - 2^-52 covers its rounding. Results below 2^-1021
 *   (where l would lose bits to underflow) and non-finite ones are left undecided,
 *   as is h = 0 with err > 0. err is doubled against small slips of the bounds. */
DD_INLINE int cr_round(double hi, double lo, double err, double *out)
{
  struct dd s = two_sum(hi, lo);
  double ah = fabs(s.hi), pw, half, al = fabs(s.lo);
  if (err == 0) {
    *out = s.hi;
    return isfinite(s.hi);
  }
  if (!(ah >= 0x1p-1021) || !isfinite(ah) || !(err < ah))
    return 0;
  pw = eng__pow2_floor(ah); /* 2^floor(log2 |h|) */
  half = pw * 0x1p-53;
  if (ah == pw && (s.lo < 0) != (s.hi < 0) && s.lo != 0)
    half *= 0.5; /* below a power of two the doubles are twice as dense */
  if ((half - al) * (1 - 0x1p-52) > 2 * err) {
    *out = s.hi;
    return 1;
  }
  return 0;
}

/* ======================================== Double-doubles with an error bound */

/* v = hi + lo approximates an exact value to within e (absolute). */
struct dde {
  double hi, lo, e;
};

/* Rounding error of the double-double operations of dd.h, relative to the size of
 * the operands: sloppy addition 2^-104 (|a| + |b|) (two roundings of second words, each
 * within 2^-53 of at most 2^-52 (|a| + |b|)); multiplication and division below
 * 2^-101 of the result; doubled here. */
#define DDE_ADD 0x1p-103
#define DDE_MUL 0x1p-100
/* Every operation adds DDE_TINY: in the subnormal range the roundings are absolute
 * (within 2^-1075 each, a few per operation), and a relative bound would underflow
 * to 0 and pass for exact. */
#define DDE_TINY 0x1p-1070
/* dd_exp and dd_expm1: relative error below 2^-93 (reduction 2^-99, series and
 * squarings 2^-100, the subtraction of 1 beyond |x| = 0.34); 2^-90 is used. */
#define DDE_EXP 0x1p-90

DD_INLINE struct dde dde_d(double v)
{
  return (struct dde){v, 0, 0};
}

DD_INLINE struct dde dde_of(struct dd v, double e)
{
  return (struct dde){v.hi, v.lo, e};
}

DD_INLINE struct dd dde_dd(struct dde a)
{
  return (struct dd){a.hi, a.lo};
}

/* a b exactly by TwoProduct, or within 2^-1073 where its low word underflows. */
DD_INLINE struct dde dde_prod(double a, double b)
{
  struct dd p = two_prod(a, b);
  return dde_of(p, fabs(p.hi) < 0x1p-960 ? 0x1p-1073 : 0);
}

DD_INLINE struct dde dde_neg(struct dde a)
{
  return (struct dde){-a.hi, -a.lo, a.e};
}

DD_INLINE struct dde dde_add(struct dde a, struct dde b)
{
  struct dd s = dd_add(dde_dd(a), dde_dd(b));
  return dde_of(s, a.e + b.e + DDE_ADD * (fabs(a.hi) + fabs(b.hi)) + DDE_TINY);
}

DD_INLINE struct dde dde_sub(struct dde a, struct dde b)
{
  return dde_add(a, dde_neg(b));
}

DD_INLINE struct dde dde_add_d(struct dde a, double b)
{
  return dde_add(a, dde_d(b));
}

/* (a + da)(b + db) - ab = a db + b da + da db */
DD_INLINE struct dde dde_mul(struct dde a, struct dde b)
{
  struct dd p = dd_mul(dde_dd(a), dde_dd(b));
  double aa = fabs(a.hi) * (1 + 0x1p-50), ab = fabs(b.hi) * (1 + 0x1p-50);
  return dde_of(p, DDE_MUL * fabs(p.hi) + aa * b.e + ab * a.e + a.e * b.e + DDE_TINY);
}

DD_INLINE struct dde dde_mul_d(struct dde a, double b)
{
  return dde_mul(a, dde_d(b));
}

/* (a + da) / (b + db) - a / b = (da - q db) / (b + db), |db| < |b| required */
DD_INLINE struct dde dde_div(struct dde a, struct dde b)
{
  struct dd q = dd_div(dde_dd(a), dde_dd(b));
  double den = fabs(b.hi) * (1 - 0x1p-50) - b.e;
  double e = den > 0 ? (a.e + fabs(q.hi) * (1 + 0x1p-50) * b.e) / den : INFINITY;
  return dde_of(q, DDE_MUL * fabs(q.hi) + e * (1 + 0x1p-50) + DDE_TINY);
}

/* e^(a + da) = e^a e^da, |e^da - 1| <= 1.01 |da| for |da| < 2^-7. Results below
 * 2^-960 (dd_exp's second word underflows) get an infinite bound. */
DD_INLINE struct dde dde_exp(struct dde a)
{
  struct dd v = dd_exp(dde_dd(a));
  double e = a.e < 0x1p-7 && v.hi > 0x1p-960 ? v.hi * (DDE_EXP + 1.01 * a.e) : INFINITY;
  return dde_of(v, e + DDE_TINY);
}

/* expm1(a + da) - expm1(a) = e^a (e^da - 1) */
DD_INLINE struct dde dde_expm1(struct dde a)
{
  struct dd v;
  if (a.hi < -700) /* -1 + e^a, 0 < e^a < 2^-1009 */
    return (struct dde){-1, 0, a.e < 0x1p-7 ? 0x1p-1009 : INFINITY};
  v = dd_expm1(dde_dd(a));
  double ea = a.hi < 1 ? 3 : INFINITY; /* e^a for a < 1 */
  double e = a.e < 0x1p-7 && a.hi > -745 && a.hi < 700 ? fabs(v.hi) * DDE_EXP + ea * 1.01 * a.e
                                                        : INFINITY;
  if (a.hi < -700)
    e = INFINITY;
  return dde_of(v, e + DDE_TINY);
}

/* ln(1 + a) for a >= 0: L0 = log1p(a_hi) (libm, within 2^-52 relative), then one
 * Newton step L = L0 + (a - expm1(L0)) / (1 + expm1(L0)), whose error is the square
 * of L0's (2^-104) plus the rounding of the step's double-double operations;
 * propagated: |d log1p| <= da / (1 + a). */
DD_INLINE struct dde dde_log1p(struct dde a)
{
  double l0 = log1p(a.hi);
  struct dd E = dd_expm1(dd_of(l0));
  struct dd num = dd_add(dde_dd(a), (struct dd){-E.hi, -E.lo});
  struct dd L = dd_add_d(dd_div(num, dd_add_d(E, 1)), l0);
  double e = fabs(L.hi) * 0x1p-88 + a.e * (1 + 0x1p-40) / (1 + a.hi - a.e);
  if (!(a.hi >= 0) || !(a.hi < 0x1p500))
    e = INFINITY;
  return dde_of(L, e + DDE_TINY);
}

/* sqrt(a) for a > 0: s = sqrt(a_hi), corrected by (a - s^2) / (2 s) (s^2 by TwoProduct),
 * relative error below 2^-100; propagated: |d sqrt| <= da / (2 sqrt(a - da)). */
DD_INLINE struct dde dde_sqrt(struct dde a)
{
  double s = sqrt(a.hi), e;
  struct dd s2 = two_prod(s, s), res;
  double corr = ((a.hi - s2.hi) - s2.lo + a.lo) / (2 * s);
  res = two_sum(s, corr);
  e = a.hi - a.e > 0 ? a.e / (2 * sqrt(a.hi - a.e)) * (1 + 0x1p-40) : INFINITY;
  return dde_of(res, DDE_MUL * s + e + DDE_TINY);
}

/* The logistic pieces at u, from t = e^-|u|:
 *   s = sigmoid(u) (1 / (1 + t) for u >= 0, t / (1 + t) below), sc = sigmoid(-u),
 *   ds = sigmoid'(u) = t / (1 + t)^2, q = 1 - 2 s = -sign(u) (1 - t) / (1 + t),
 * with 1 - t = -expm1(-|u|), so q keeps its digits near u = 0. Below e^-665 the
 * exponential is known only to within 2^-960 (absolute): s and sc then still round,
 * the products with t go to the exact path. */
struct cr_logistic {
  struct dde t, r, s, sc, ds, q;
};

DD_INLINE struct cr_logistic cr_logistic(struct dde u, int need_q)
{
  struct cr_logistic L;
  struct dde nu = u.hi < 0 ? u : dde_neg(u);
  L.t = dde_exp(nu);
  if (L.t.e == INFINITY && u.e < 0x1p-7) /* below 2^-960 */
    L.t = (struct dde){L.t.hi, L.t.lo, 0x1p-959};
  L.r = dde_div(dde_d(1), dde_add_d(L.t, 1));
  if (u.hi >= 0) {
    L.s = L.r;
    L.sc = dde_mul(L.t, L.r);
  } else {
    L.s = dde_mul(L.t, L.r);
    L.sc = L.r;
  }
  L.ds = dde_mul(L.t, dde_mul(L.r, L.r));
  if (need_q) {
    struct dde omt = dde_neg(dde_expm1(nu)); /* 1 - t */
    L.q = dde_mul(omt, L.r);
    if (u.hi >= 0)
      L.q = dde_neg(L.q);
  }
  return L;
}

/* ================================================================ Outputs */

/* Writes output `which` from its approximation v: the rounding v decides, or the
 * exact path's. */
DD_INLINE double cr_out(struct dde v, const struct eng__exact *m, double x, const double *p,
                        unsigned which, double gy)
{
  double r;
  if (cr_round(v.hi, v.lo, v.e, &r))
    return r;
  return eng__exact_round(m, x, p, which, gy);
}

/* The outputs of an element-wise kernel at one point. */
struct cr_ctx {
  const struct eng__exact *m;
  double x, gy;
  const double *p;
  double *out;
};

DD_INLINE void cr_put(const struct cr_ctx *c, unsigned which, struct dde v)
{
  c->out[which] = cr_out(v, c->m, c->x, c->p, which, c->gy);
}

/* grad_x = gy f'(x), from f'(x) to within its bound: the product rounded once. */
DD_INLINE void cr_put_gx(const struct cr_ctx *c, struct dde dy)
{
  c->out[ENG_OUT_GRAD_X] = cr_out(dde_mul_d(dy, c->gy), c->m, c->x, c->p, ENG_OUT_GRAD_X, c->gy);
}

/* A far tail: an output c e^w (times a factor between 0 and 1) with w <= -745, where
 * e^w < 2^-1075. If |c| e^w < 2^-1076, below half the least subnormal, the correctly
 * rounded value is a zero with the sign of c: writes it and returns 1; else 0 (the
 * caller takes another path). log2|c| < e for frexp's e. */
DD_INLINE int cr_tiny(const struct cr_ctx *c, unsigned which, double coef, double w)
{
  int e;
  if (!isfinite(coef) || !(w <= -745))
    return 0;
  if (coef == 0) {
    c->out[which] = coef;
    return 1;
  }
  frexp(coef, &e);
  if ((double)e + w * 1.4426950408889634 * (1 - 0x1p-40) < -1076) {
    c->out[which] = copysign(0.0, coef);
    return 1;
  }
  return 0;
}

/* The same with the factor given by its sign and log2 of a bound on its magnitude
 * (for factors that would overflow as doubles). */
DD_INLINE int cr_tiny_log(const struct cr_ctx *c, unsigned which, double sign, double log2c,
                          double w)
{
  if (!(w <= -745) || !(log2c + w * 1.4426950408889634 * (1 - 0x1p-40) < -1076))
    return 0;
  c->out[which] = copysign(0.0, sign);
  return 1;
}

/* The exact path for one output, when the kernel has no approximation for it. */
DD_INLINE void cr_slow(const struct cr_ctx *c, unsigned which)
{
  c->out[which] = eng__exact_round(c->m, c->x, c->p, which, c->gy);
}

#endif /* NEUROND_ENGINE_CR_H */
