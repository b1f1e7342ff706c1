/*
 * act_piecewise.c: piecewise-linear and rational activations.
 *
 * Every output here is exact (a copy, a product by a parameter, a constant) or one
 * correctly rounded operation, except softsign, whose y, y' and y'' each take two or
 * three roundings. Derivatives at kinks follow the table's kink rules (PyTorch's
 * convention); second derivatives of piecewise-linear functions are 0. No HTTP or JSON.
 */
#include <math.h>

#include "dd.h"
#include "internal.h"

#define WANT(bit) (want & ENG_WANT_##bit)

/* y = x */
ENG_KERNEL void eng__identity_ew(double x, const double *p, unsigned want, double *out)
{
  (void)p;
  (void)want;
  out[ENG_OUT_Y] = x;
  out[ENG_OUT_DY] = 1;
  out[ENG_OUT_D2Y] = 0;
}

/* y = 1 if x > 0 else 0; y' = 0 everywhere (x = 0 included) */
ENG_KERNEL void eng__step_ew(double x, const double *p, unsigned want, double *out)
{
  (void)p;
  (void)want;
  out[ENG_OUT_Y] = x > 0 ? 1 : 0;
  out[ENG_OUT_DY] = 0;
  out[ENG_OUT_D2Y] = 0;
}

/* y = max(min(slope x + offset, 1), 0); inside the ramp y' = slope, dy/dslope = x,
 * dy/doffset = 1; 0 at and beyond the corners. The ramp test uses the fma value, the
 * correctly rounded slope x + offset, so it agrees with the exact comparison. */
ENG_KERNEL void eng__hard_sigmoid_ew(double x, const double *p, unsigned want, double *out)
{
  double t = fma(p[0], x, p[1]);
  int inside = t > 0 && t < 1;
  if (t == 0 || t == 1) {
    /* the rounded value sits on a corner: the exact slope x + offset may be just
     * inside; its residual (TwoProduct, TwoSum) has the sign that decides */
    struct dd pr = two_prod(p[0], x), sm = two_sum(pr.hi, p[1]);
    double res = (sm.hi - t) + (sm.lo + pr.lo);
    inside = t == 0 ? res > 0 : res < 0;
  }
  (void)want;
  out[ENG_OUT_Y] = t <= 0 ? 0 : t >= 1 ? 1 : t;
  out[ENG_OUT_DY] = inside ? p[0] : 0;
  out[ENG_OUT_D2Y] = 0;
  out[ENG_OUT_DP + 0] = inside ? x : 0;
  out[ENG_OUT_DP + 1] = inside ? 1 : 0;
}

/* y = max(min(x, max_val), min_val); y' = 1 strictly inside; dy/dmin_val = 1 where
 * x < min_val, dy/dmax_val = 1 where x > max_val (0 at the corners). */
ENG_KERNEL void eng__hard_tanh_ew(double x, const double *p, unsigned want, double *out)
{
  (void)want;
  out[ENG_OUT_Y] = x < p[0] ? p[0] : x > p[1] ? p[1] : x;
  out[ENG_OUT_DY] = x > p[0] && x < p[1] ? 1 : 0;
  out[ENG_OUT_D2Y] = 0;
  out[ENG_OUT_DP + 0] = x < p[0] ? 1 : 0;
  out[ENG_OUT_DP + 1] = x > p[1] ? 1 : 0;
}

/* y = max(0, x); relu'(0) = 0 */
ENG_KERNEL void eng__relu_ew(double x, const double *p, unsigned want, double *out)
{
  (void)p;
  (void)want;
  out[ENG_OUT_Y] = x > 0 ? x : 0;
  out[ENG_OUT_DY] = x > 0 ? 1 : 0;
  out[ENG_OUT_D2Y] = 0;
}

/* y = min(max(0, x), 6); y' = 1 on (0, 6), 0 at and beyond the corners */
ENG_KERNEL void eng__relu6_ew(double x, const double *p, unsigned want, double *out)
{
  (void)p;
  (void)want;
  out[ENG_OUT_Y] = x > 0 ? (x < 6 ? x : 6) : 0;
  out[ENG_OUT_DY] = x > 0 && x < 6 ? 1 : 0;
  out[ENG_OUT_D2Y] = 0;
}

/* y = x if x > 0 else alpha x; y'(0) = alpha; dy/dalpha = x for x < 0, else 0 */
ENG_KERNEL void eng__leaky_relu_ew(double x, const double *p, unsigned want, double *out)
{
  (void)want;
  out[ENG_OUT_Y] = x > 0 ? x : p[0] * x;
  out[ENG_OUT_DY] = x > 0 ? 1 : p[0];
  out[ENG_OUT_D2Y] = 0;
  out[ENG_OUT_DP + 0] = x < 0 ? x : 0;
}

/* leaky_relu with alpha = (lower + upper) / 2, the inference form;
 * dy/dlower = dy/dupper = x / 2 for x < 0. The mean is formed as lower/2 + upper/2
 * (exact halvings, one rounding, no overflow for bounds near DBL_MAX) unless the
 * halvings would lose subnormal bits. */
ENG_KERNEL void eng__rrelu_ew(double x, const double *p, unsigned want, double *out)
{
  double alpha = fabs(p[0]) < 0x1p-1020 || fabs(p[1]) < 0x1p-1020 ? (p[0] + p[1]) / 2
                                                                    : p[0] / 2 + p[1] / 2;
  (void)want;
  out[ENG_OUT_Y] = x > 0 ? x : alpha * x;
  out[ENG_OUT_DY] = x > 0 ? 1 : alpha;
  out[ENG_OUT_D2Y] = 0;
  out[ENG_OUT_DP + 0] = x < 0 ? x / 2 : 0;
  out[ENG_OUT_DP + 1] = x < 0 ? x / 2 : 0;
}

/* y = x relu6(x + 3) / 6:
 *   0 for x <= -3, x (x + 3) / 6 on (-3, 3), x for x >= 3;
 *   y' = 0 for x < -3, (2 x + 3) / 6 on [-3, 3), 1 for x >= 3 (PyTorch's rule);
 *   y'' = 1/3 on (-3, 3), else 0.
 * x (x + 3) / 6 on (-3, 3): x + 3 is exact for x in [-3, 3] except below 2^-50 in
 * magnitude, where the product is x/2 to within the rounding anyway. */
ENG_KERNEL void eng__hard_swish_ew(double x, const double *p, unsigned want, double *out)
{
  (void)p;
  (void)want;
  if (x <= -3) {
    out[ENG_OUT_Y] = 0;
    out[ENG_OUT_DY] = 0;
    out[ENG_OUT_D2Y] = 0;
  } else if (x >= 3) {
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = 0;
  } else {
    /* x (x + 3) = x^2 + 3x with x^2 in two words (fma), so the numerator is rounded
     * once (x + 3 alone would round for tiny x), then divided once. */
    double sq = x * x, sq_err = fma(x, x, -sq);
    double num = fma(3, x, sq) + sq_err;
    out[ENG_OUT_Y] = num / 6;
    out[ENG_OUT_DY] = fma(2, x, 3) / 6;
    out[ENG_OUT_D2Y] = 1.0 / 3.0;
  }
}

/* y = x if |x| > lambd else 0 */
ENG_KERNEL void eng__hardshrink_ew(double x, const double *p, unsigned want, double *out)
{
  int pass = fabs(x) > p[0];
  (void)want;
  out[ENG_OUT_Y] = pass ? x : 0;
  out[ENG_OUT_DY] = pass ? 1 : 0;
  out[ENG_OUT_D2Y] = 0;
}

/* y = x - lambd for x > lambd, x + lambd for x < -lambd, else 0;
 * dy/dlambd = -1, +1, 0 on those pieces (0 at +-lambd). */
ENG_KERNEL void eng__softshrink_ew(double x, const double *p, unsigned want, double *out)
{
  (void)want;
  if (x > p[0]) {
    out[ENG_OUT_Y] = x - p[0];
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_DP + 0] = -1;
  } else if (x < -p[0]) {
    out[ENG_OUT_Y] = x + p[0];
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_DP + 0] = 1;
  } else {
    out[ENG_OUT_Y] = 0;
    out[ENG_OUT_DY] = 0;
    out[ENG_OUT_DP + 0] = 0;
  }
  out[ENG_OUT_D2Y] = 0;
}

/* y = x if x > threshold else value; dy/dvalue = 1 where x <= threshold */
ENG_KERNEL void eng__threshold_ew(double x, const double *p, unsigned want, double *out)
{
  int pass = x > p[0];
  (void)want;
  out[ENG_OUT_Y] = pass ? x : p[1];
  out[ENG_OUT_DY] = pass ? 1 : 0;
  out[ENG_OUT_D2Y] = 0;
  out[ENG_OUT_DP + 0] = 0;
  out[ENG_OUT_DP + 1] = pass ? 0 : 1;
}

/* y = x if x > alpha else 0 */
ENG_KERNEL void eng__thresholded_relu_ew(double x, const double *p, unsigned want, double *out)
{
  int pass = x > p[0];
  (void)want;
  out[ENG_OUT_Y] = pass ? x : 0;
  out[ENG_OUT_DY] = pass ? 1 : 0;
  out[ENG_OUT_D2Y] = 0;
}

/* y = x / (1 + |x|), y' = 1 / (1 + |x|)^2, y'' = -2 sign(x) / (1 + |x|)^3.
 * With r = 1 / (1 + |x|): y = x r, y' = r^2, y'' = -2 sign(x) r^3; r first, so
 * (1 + |x|)^2 never overflows for |x| near DBL_MAX. For |x| > 2^53, 1 + |x| is |x|
 * and y = sign(x) (1 - 1/|x|), which x r gives to one rounding of r. */
ENG_KERNEL void eng__softsign_ew(double x, const double *p, unsigned want, double *out)
{
  double ax = fabs(x), r;
  /* 1 + |x| = d + e exactly (TwoSum): carrying e, 1 / (1 + |x|) = (1/d)(1 - e/d) to
   * second order, so r is not off by the rounding of the sum. */
  struct dd s = two_sum(1, ax);
  (void)p;
  r = 1 / s.hi;
  r = fma(-r * s.lo, r, r);
  out[ENG_OUT_Y] = want & ENG_WANT_Y ? (ax < 1 ? x * r : copysign(1 - r, x)) : 0;
  out[ENG_OUT_DY] = r * r;
  out[ENG_OUT_D2Y] = -2 * copysign(r * r * r, x);
  if (x == 0)
    out[ENG_OUT_D2Y] = 0; /* the one-sided limits are -2 and 2; 0 by symmetry */
}
