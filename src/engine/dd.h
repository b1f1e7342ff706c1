/*
 * dd.h: double-double arithmetic shared by the loss and layer code: a value hi + lo
 * carried in two doubles (about 106 bits), built on TwoSum and the fma TwoProduct.
 * Every helper passes an overflowed hi through with lo = 0, avoiding inf - inf = NaN in
 * the error terms. Internal to the engine; no HTTP or JSON here.
 */
#ifndef NEUROND_ENGINE_DD_H
#define NEUROND_ENGINE_DD_H

#include <math.h>

/* A value hi + lo, |lo| <= ulp(hi) / 2: about 106 significant bits. */
struct dd {
  double hi, lo;
};

/* Inlined everywhere: the kernels are built for two targets (internal.h), and a call
 * would reach a baseline copy without the FMA instruction. */
#define DD_INLINE static inline __attribute__((always_inline))

/* s + e = a + b exactly, s = fl(a + b) (Knuth's TwoSum, no ordering needed). */
DD_INLINE struct dd two_sum(double a, double b)
{
  struct dd r;
  double bb;
  r.hi = a + b;
  if (!isfinite(r.hi)) { /* avoids inf - inf = NaN in the error term */
    r.lo = 0;
    return r;
  }
  bb = r.hi - a;
  r.lo = (a - (r.hi - bb)) + (b - bb);
  return r;
}

/* p + e = a * b exactly (unless e underflows), p = fl(a b), by one fma. */
DD_INLINE struct dd two_prod(double a, double b)
{
  struct dd r;
  r.hi = a * b;
  r.lo = isfinite(r.hi) ? fma(a, b, -r.hi) : 0;
  return r;
}

/* Renormalises hi + lo so that hi = fl(hi + lo). */
DD_INLINE struct dd dd_norm(double hi, double lo)
{
  struct dd r = two_sum(hi, lo);
  return r;
}

DD_INLINE struct dd dd_add(struct dd a, struct dd b)
{
  struct dd s = two_sum(a.hi, b.hi);
  if (!isfinite(s.hi))
    return s;
  return dd_norm(s.hi, s.lo + (a.lo + b.lo));
}

DD_INLINE struct dd dd_add_d(struct dd a, double b)
{
  struct dd s = two_sum(a.hi, b);
  if (!isfinite(s.hi))
    return s;
  return dd_norm(s.hi, s.lo + a.lo);
}

DD_INLINE struct dd dd_mul_d(struct dd a, double b)
{
  struct dd p = two_prod(a.hi, b);
  if (!isfinite(p.hi))
    return p;
  return dd_norm(p.hi, p.lo + a.lo * b);
}

/* a / b for a double b: q = fl(a.hi / b), then the exact remainder a - q b (fma)
 * gives the second word. */
DD_INLINE struct dd dd_div_d(struct dd a, double b)
{
  double q = a.hi / b, r;
  if (!isfinite(q) || q == 0)
    return (struct dd){q, 0};
  r = fma(-q, b, a.hi) + a.lo;
  return dd_norm(q, r / b);
}

/* n / d for double-doubles, about 100 bits. */
DD_INLINE struct dd dd_div(struct dd n, struct dd d)
{
  double q = n.hi / d.hi, r;
  if (!isfinite(q) || q == 0)
    return (struct dd){q, 0};
  r = fma(-q, d.hi, n.hi) + n.lo - q * d.lo;
  return dd_norm(q, r / d.hi);
}

DD_INLINE struct dd dd_of(double v)
{
  return (struct dd){v, 0};
}

/* a b for double-doubles. */
DD_INLINE struct dd dd_mul(struct dd a, struct dd b)
{
  struct dd p = two_prod(a.hi, b.hi);
  if (!isfinite(p.hi))
    return p;
  return dd_norm(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

/* exp(x) for a double-double x <= 0, relative error below 2^-95 (set by the rounding
 * of the second words in the reduction x - n ln 2) while the result is above 2^-969.
 *   x = n ln 2 + r, |r| <= ln(2) / 2, ln 2 in two words (n ln2_hi exact by TwoProduct);
 *   exp(t) - 1 = t + t^2/2! + ... + t^12/12! with t = r / 32 (|t| < 0.0109, the next
 *   term below 2^-110 of the sum), by Horner with 1/j! in two words; then squared back
 *   five times as (1 + m)^2 - 1 = m (2 + m), keeping the small m to full precision;
 *   exp(x) = 2^n (1 + m).
 * Used where libm's exp, exact only to its last bit, would be cancelled down to a few
 * digits. Below -745.2 the result is below half the least subnormal: 0.
 * dd_exp_red is the reduction: it returns m = e^(x - n ln 2) - 1 and n. */
DD_INLINE struct dd dd_exp_red(struct dd x, double *n_out)
{
  static const double ln2_hi = 0x1.62e42fefa39efp-1, ln2_lo = 0x1.abc9e3b39803fp-56;
  static const double inv_fact[11][2] = {
    {0x1.0000000000000p-1, 0x0.0p+0},                 /* 1/2! */
    {0x1.5555555555555p-3, 0x1.5555555555555p-57},    /* 1/3! */
    {0x1.5555555555555p-5, 0x1.5555555555555p-59},    /* 1/4! */
    {0x1.1111111111111p-7, 0x1.1111111111111p-63},    /* 1/5! */
    {0x1.6c16c16c16c17p-10, -0x1.f49f49f49f49fp-65},  /* 1/6! */
    {0x1.a01a01a01a01ap-13, 0x1.a01a01a01a01ap-73},   /* 1/7! */
    {0x1.a01a01a01a01ap-16, 0x1.a01a01a01a01ap-76},   /* 1/8! */
    {0x1.71de3a556c734p-19, -0x1.c154f8ddc6c00p-73},  /* 1/9! */
    {0x1.27e4fb7789f5cp-22, 0x1.cbbc05b4fa99ap-76},   /* 1/10! */
    {0x1.ae64567f544e4p-26, -0x1.c062e06d1f209p-80},  /* 1/11! */
    {0x1.1eed8eff8d898p-29, -0x1.2aec959e14c06p-83},  /* 1/12! */
  };
  double n;
  struct dd r, m, q;
  n = floor(x.hi * 1.4426950408889634 + 0.5); /* round(x / ln 2) */
  r = dd_add(x, dd_mul_d(dd_of(-n), ln2_hi));
  r = dd_add_d(r, -n * ln2_lo);
  r.hi = ldexp(r.hi, -5);
  r.lo = ldexp(r.lo, -5);
  q = (struct dd){inv_fact[10][0], inv_fact[10][1]};
  for (int j = 9; j >= 0; j--)
    q = dd_add(dd_mul(q, r), (struct dd){inv_fact[j][0], inv_fact[j][1]});
  q = dd_add_d(dd_mul(q, r), 1);
  m = dd_mul(q, r);
  for (int i = 0; i < 5; i++)
    m = dd_mul(m, dd_add_d(m, 2));
  *n_out = n;
  return m;
}

DD_INLINE struct dd dd_exp(struct dd x)
{
  double n;
  struct dd m;
  if (x.hi < -745.2)
    return dd_of(0);
  m = dd_add_d(dd_exp_red(x, &n), 1);
  return (struct dd){ldexp(m.hi, (int)n), ldexp(m.lo, (int)n)};
}

/* e^x - 1 for |x| <= 0.34 (n = 0 above: the reduced exponential is the result, to the
 * same relative precision as dd_exp), or e^x - 1 formed from dd_exp beyond, where
 * |e^x - 1| > 0.28 and the difference cannot cancel. x >= -745. */
DD_INLINE struct dd dd_expm1(struct dd x)
{
  double n;
  struct dd m = dd_exp_red(x, &n);
  if (n == 0)
    return m;
  m = dd_add_d(m, 1);
  return dd_add_d((struct dd){ldexp(m.hi, (int)n), ldexp(m.lo, (int)n)}, -1);
}

/* f e^a for a double-double a, rounded once at the end even when the result is
 * subnormal: exp(a.hi) (1 + a.lo) times f loses nothing while e^a is normal; below
 * e^-700 the exponent is lifted by 2^600 (600 ln 2 added in two words) and the
 * product scaled back by one ldexp, so a large |f| does not multiply the absolute
 * error of a subnormal e^a into many ULP of the result. */
DD_INLINE double exp_mul(struct dd a, double f)
{
  static const double ln2_hi = 0x1.62e42fefa39efp-1, ln2_lo = 0x1.abc9e3b39803fp-56;
  double e;
  if (a.hi > -700 || f == 0) {
    e = exp(a.hi) * (1 + a.lo);
    return e == 0 ? copysign(0.0, f) : f * e; /* e = 0: no 0 inf */
  }
  a = dd_add(a, dd_add_d(dd_mul_d(dd_of(600), ln2_hi), 600 * ln2_lo));
  e = exp(a.hi) * (1 + a.lo);
  if (e == 0)
    return copysign(0.0, f);
  return ldexp(e * f, -600);
}

#endif /* NEUROND_ENGINE_DD_H */
