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

/* s + e = a + b exactly, s = fl(a + b) (Knuth's TwoSum, no ordering needed). */
static inline struct dd two_sum(double a, double b)
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
static inline struct dd two_prod(double a, double b)
{
  struct dd r;
  r.hi = a * b;
  r.lo = isfinite(r.hi) ? fma(a, b, -r.hi) : 0;
  return r;
}

/* Renormalises hi + lo so that hi = fl(hi + lo). */
static inline struct dd dd_norm(double hi, double lo)
{
  struct dd r = two_sum(hi, lo);
  return r;
}

static inline struct dd dd_add(struct dd a, struct dd b)
{
  struct dd s = two_sum(a.hi, b.hi);
  if (!isfinite(s.hi))
    return s;
  return dd_norm(s.hi, s.lo + (a.lo + b.lo));
}

static inline struct dd dd_add_d(struct dd a, double b)
{
  struct dd s = two_sum(a.hi, b);
  if (!isfinite(s.hi))
    return s;
  return dd_norm(s.hi, s.lo + a.lo);
}

static inline struct dd dd_mul_d(struct dd a, double b)
{
  struct dd p = two_prod(a.hi, b);
  if (!isfinite(p.hi))
    return p;
  return dd_norm(p.hi, p.lo + a.lo * b);
}

/* a / b for a double b: q = fl(a.hi / b), then the exact remainder a - q b (fma)
 * gives the second word. */
static inline struct dd dd_div_d(struct dd a, double b)
{
  double q = a.hi / b, r;
  if (!isfinite(q) || q == 0)
    return (struct dd){q, 0};
  r = fma(-q, b, a.hi) + a.lo;
  return dd_norm(q, r / b);
}

/* n / d for double-doubles, about 100 bits. */
static inline struct dd dd_div(struct dd n, struct dd d)
{
  double q = n.hi / d.hi, r;
  if (!isfinite(q) || q == 0)
    return (struct dd){q, 0};
  r = fma(-q, d.hi, n.hi) + n.lo - q * d.lo;
  return dd_norm(q, r / d.hi);
}

static inline struct dd dd_of(double v)
{
  return (struct dd){v, 0};
}

#endif /* NEUROND_ENGINE_DD_H */
