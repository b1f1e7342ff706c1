/*
 * taylor.h: Taylor series of an output around one of its zeros, for the narrow
 * windows where the everyday formula cancels (swish' near u = -1.2785, gelu' near
 * -0.7518, mish' near -1.1924, the zeros of second derivatives).
 *
 * f(u0 + h) = sum_{n=1}^{N} c[n-1] h^n, with u0 = u0_hi + u0_lo in two words and the
 * coefficients computed in MPFR (tests/gen/taylor_gen.c writes taylor_data.c). Near
 * u0, h = (u_hi - u0_hi) + (u_lo - u0_lo) is exact (Sterbenz), so the series gives
 * f to full relative precision right down to the double nearest the zero, where the
 * everyday formula has no correct digit left. Internal to the engine.
 */
#ifndef NEUROND_ENGINE_TAYLOR_H
#define NEUROND_ENGINE_TAYLOR_H

#include "dd.h"

#define TAYLOR_MAX_TERMS 40

struct taylor {
  double u0_hi, u0_lo;    /* the zero */
  double radius;          /* the series is used for |u - u0| < radius */
  int n;                  /* terms */
  double c[TAYLOR_MAX_TERMS];
};

/* If |u - u0| < radius, stores the series' value in *out and returns 1; else 0. */
DD_INLINE int taylor_eval(const struct taylor *t, struct dd u, double *out)
{
  double h, acc;
  if (!(fabs(u.hi - t->u0_hi) < t->radius))
    return 0;
  h = (u.hi - t->u0_hi) + (u.lo - t->u0_lo);
  acc = t->c[t->n - 1];
  for (int i = t->n - 2; i >= 0; i--)
    acc = fma(acc, h, t->c[i]);
  *out = acc * h;
  return 1;
}

/* The series (taylor_data.c). */
extern const struct taylor eng__swish_g0;    /* swish'(u) at its zero u = -1.2785 */
extern const struct taylor eng__swish_g1;    /* swish''(u) at u = -2.3994 */
extern const struct taylor eng__swish_g1b;   /* and at u = 2.3994 */
extern const struct taylor eng__gelu_d1;     /* gelu'(x), exact form, at -0.7518 */
extern const struct taylor eng__gelu_tanh_d1;
extern const struct taylor eng__gelu_tanh_d2a; /* gelu''(x), tanh form, negative zero */
extern const struct taylor eng__gelu_tanh_d2b; /* and positive zero */
extern const struct taylor eng__mish_d1;     /* mish'(x) at -1.1924 */
extern const struct taylor eng__mish_d2a;    /* mish''(x), its zeros */
extern const struct taylor eng__mish_d2b;

#endif /* NEUROND_ENGINE_TAYLOR_H */
