/*
 * act_piecewise.c: piecewise-linear and rational activations.
 *
 * Every output here is exact (a copy, a product by a parameter, a constant) or one
 * correctly rounded double operation, so it is the correctly rounded value with no
 * test, grad_x = grad_y f'(x) included where f'(x) is a double; rrelu (whose slope
 * (lower + upper) / 2 is not always a double), hard_swish and softsign (rational) are
 * evaluated in double-double with an error bound and rounded by cr.h. Derivatives at
 * kinks follow the table's kink rules (PyTorch's convention); second derivatives of
 * piecewise-linear functions are 0. No HTTP or JSON.
 */
#include <math.h>

#include "cr.h"
#include "dd.h"
#include "internal.h"

#define WANT(bit) (want & ENG_WANT_##bit)

/* grad_x = gy f'(x) for a double f'(x): one rounding. */
#define GX(d) (out[ENG_OUT_GRAD_X] = gy * (d))

/* y = x */
ENG_KERNEL void eng__identity_ew(double x, const double *p, unsigned want, double gy,
                                 double *out)
{
  (void)p;
  (void)want;
  out[ENG_OUT_Y] = x;
  out[ENG_OUT_DY] = 1;
  out[ENG_OUT_D2Y] = 0;
  GX(1);
}

/* y = 1 if x > 0 else 0; y' = 0 everywhere (x = 0 included) */
ENG_KERNEL void eng__step_ew(double x, const double *p, unsigned want, double gy, double *out)
{
  (void)p;
  (void)want;
  out[ENG_OUT_Y] = x > 0 ? 1 : 0;
  out[ENG_OUT_DY] = 0;
  out[ENG_OUT_D2Y] = 0;
  GX(0);
}

/* y = max(min(slope x + offset, 1), 0); inside the ramp y' = slope, dy/dslope = x,
 * dy/doffset = 1; 0 at and beyond the corners. The ramp test uses the fma value, the
 * correctly rounded slope x + offset, so it agrees with the exact comparison. */
ENG_KERNEL void eng__hard_sigmoid_ew(double x, const double *p, unsigned want, double gy,
                                     double *out)
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
  GX(inside ? p[0] : 0);
}

/* y = max(min(x, max_val), min_val); y' = 1 strictly inside; dy/dmin_val = 1 where
 * x < min_val, dy/dmax_val = 1 where x > max_val (0 at the corners). */
ENG_KERNEL void eng__hard_tanh_ew(double x, const double *p, unsigned want, double gy,
                                  double *out)
{
  (void)want;
  out[ENG_OUT_Y] = x < p[0] ? p[0] : x > p[1] ? p[1] : x;
  out[ENG_OUT_DY] = x > p[0] && x < p[1] ? 1 : 0;
  out[ENG_OUT_D2Y] = 0;
  out[ENG_OUT_DP + 0] = x < p[0] ? 1 : 0;
  out[ENG_OUT_DP + 1] = x > p[1] ? 1 : 0;
  GX(out[ENG_OUT_DY]);
}

/* y = max(0, x); relu'(0) = 0 */
ENG_KERNEL void eng__relu_ew(double x, const double *p, unsigned want, double gy, double *out)
{
  (void)p;
  (void)want;
  out[ENG_OUT_Y] = x > 0 ? x : 0;
  out[ENG_OUT_DY] = x > 0 ? 1 : 0;
  out[ENG_OUT_D2Y] = 0;
  GX(out[ENG_OUT_DY]);
}

/* y = min(max(0, x), 6); y' = 1 on (0, 6), 0 at and beyond the corners */
ENG_KERNEL void eng__relu6_ew(double x, const double *p, unsigned want, double gy, double *out)
{
  (void)p;
  (void)want;
  out[ENG_OUT_Y] = x > 0 ? (x < 6 ? x : 6) : 0;
  out[ENG_OUT_DY] = x > 0 && x < 6 ? 1 : 0;
  out[ENG_OUT_D2Y] = 0;
  GX(out[ENG_OUT_DY]);
}

/* y = x if x > 0 else alpha x; y'(0) = alpha; dy/dalpha = x for x < 0, else 0 */
ENG_KERNEL void eng__leaky_relu_ew(double x, const double *p, unsigned want, double gy,
                                   double *out)
{
  (void)want;
  out[ENG_OUT_Y] = x > 0 ? x : p[0] * x;
  out[ENG_OUT_DY] = x > 0 ? 1 : p[0];
  out[ENG_OUT_D2Y] = 0;
  out[ENG_OUT_DP + 0] = x < 0 ? x : 0;
  GX(out[ENG_OUT_DY]);
}

/* leaky_relu with alpha = (lower + upper) / 2, the inference form;
 * dy/dlower = dy/dupper = x / 2 for x < 0 (one rounding). With the halvings exact
 * (bounds 0 or of magnitude 2^-1021 and up), lower/2 + upper/2 = s_hi + s_lo exactly
 * (TwoSum): alpha = RN(s_hi + s_lo) = s_hi, and alpha x and grad_y alpha are products
 * of a double-double, rounded by cr.h; other bounds go to the exact path. */
ENG_KERNEL void eng__rrelu_ew(double x, const double *p, unsigned want, double gy, double *out)
{
  struct cr_ctx c = {&eng__exact_rrelu, x, gy, p, out};
  double l = p[0], u = p[1];
  int halves = (l == 0 || fabs(l) >= 0x1p-1021) && (u == 0 || fabs(u) >= 0x1p-1021);
  struct dde a = dde_of(two_sum(l / 2, u / 2), 0);
  (void)want;
  out[ENG_OUT_D2Y] = 0;
  out[ENG_OUT_DP + 0] = x < 0 ? x / 2 : 0;
  out[ENG_OUT_DP + 1] = out[ENG_OUT_DP + 0];
  if (x > 0) {
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    GX(1);
    return;
  }
  if (!halves) {
    cr_slow(&c, ENG_OUT_Y);
    cr_slow(&c, ENG_OUT_DY);
    if (want & ENG_WANT_GRAD_X)
      cr_slow(&c, ENG_OUT_GRAD_X);
  } else {
    out[ENG_OUT_DY] = a.hi;
    if (want & ENG_WANT_Y)
      cr_put(&c, ENG_OUT_Y, dde_mul_d(a, x));
    if (want & ENG_WANT_GRAD_X)
      cr_put_gx(&c, a);
  }
  if (x == 0) /* alpha x is a zero with the product's sign: -0 for x = -0, alpha > 0 */
    out[ENG_OUT_Y] = (l / 2 + u / 2) * x;
}

/* y = x relu6(x + 3) / 6:
 *   0 for x <= -3, x (x + 3) / 6 on (-3, 3), x for x >= 3;
 *   y' = 0 for x < -3, (2 x + 3) / 6 on [-3, 3), 1 for x >= 3 (PyTorch's rule);
 *   y'' = 1/3 on (-3, 3), else 0 (0 at +-3, where the pieces switch).
 * On (-3, 3): x^2 + 3x and 2x + 3 in double-double from exact products, divided by 6
 * and rounded by cr.h; 1/3 rounded once. */
ENG_KERNEL void eng__hard_swish_ew(double x, const double *p, unsigned want, double gy,
                                   double *out)
{
  struct cr_ctx c = {&eng__exact_hard_swish, x, gy, p, out};
  if (x <= -3) {
    out[ENG_OUT_Y] = 0;
    out[ENG_OUT_DY] = 0;
    out[ENG_OUT_D2Y] = 0;
    GX(0);
  } else if (x >= 3) {
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = 0;
    GX(1);
  } else {
    struct dde six = dde_d(6);
    struct dde dy = dde_div(dde_of(two_sum(2 * x, 3), 0), six);
    if (want & ENG_WANT_Y) {
      struct dde num = dde_add(dde_prod(x, x), dde_prod(3, x));
      cr_put(&c, ENG_OUT_Y, dde_div(num, six));
    }
    if (want & ENG_WANT_DY)
      cr_put(&c, ENG_OUT_DY, dy);
    out[ENG_OUT_D2Y] = 1.0 / 3.0;
    if (want & ENG_WANT_GRAD_X)
      cr_put_gx(&c, dy);
  }
}

/* y = x if |x| > lambd else 0 */
ENG_KERNEL void eng__hardshrink_ew(double x, const double *p, unsigned want, double gy,
                                   double *out)
{
  int pass = fabs(x) > p[0];
  (void)want;
  out[ENG_OUT_Y] = pass ? x : 0;
  out[ENG_OUT_DY] = pass ? 1 : 0;
  out[ENG_OUT_D2Y] = 0;
  GX(out[ENG_OUT_DY]);
}

/* y = x - lambd for x > lambd, x + lambd for x < -lambd, else 0;
 * dy/dlambd = -1, +1, 0 on those pieces (0 at +-lambd). */
ENG_KERNEL void eng__softshrink_ew(double x, const double *p, unsigned want, double gy,
                                   double *out)
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
  GX(out[ENG_OUT_DY]);
}

/* y = x if x > threshold else value; dy/dvalue = 1 where x <= threshold */
ENG_KERNEL void eng__threshold_ew(double x, const double *p, unsigned want, double gy,
                                  double *out)
{
  int pass = x > p[0];
  (void)want;
  out[ENG_OUT_Y] = pass ? x : p[1];
  out[ENG_OUT_DY] = pass ? 1 : 0;
  out[ENG_OUT_D2Y] = 0;
  out[ENG_OUT_DP + 0] = 0;
  out[ENG_OUT_DP + 1] = pass ? 0 : 1;
  GX(out[ENG_OUT_DY]);
}

/* y = x if x > alpha else 0 */
ENG_KERNEL void eng__thresholded_relu_ew(double x, const double *p, unsigned want, double gy,
                                         double *out)
{
  int pass = x > p[0];
  (void)want;
  out[ENG_OUT_Y] = pass ? x : 0;
  out[ENG_OUT_DY] = pass ? 1 : 0;
  out[ENG_OUT_D2Y] = 0;
  GX(out[ENG_OUT_DY]);
}

/* y = x / (1 + |x|), y' = 1 / (1 + |x|)^2, y'' = -2 sign(x) / (1 + |x|)^3, and
 * y''(0) = 0 (the one-sided limits are -2 and 2; PyTorch's double backward gives 0).
 * 1 + |x| = d_hi + d_lo exactly (TwoSum); r = 1 / d in double-double, so nothing
 * overflows for |x| near DBL_MAX; each output is then a short product, rounded by
 * cr.h (results below 2^-1021, for |x| above 2^500, by the exact path). */
ENG_KERNEL void eng__softsign_ew(double x, const double *p, unsigned want, double gy,
                                 double *out)
{
  struct cr_ctx c = {&eng__exact_softsign, x, gy, p, out};
  struct dde d = dde_of(two_sum(1, fabs(x)), 0);
  if (fabs(x) >= 0x1p538) {
    /* 1 / (1 + |x|)^2 < 2^-1076: y' = +0, y'' = -sign(x) 0; y = sign(x) (1 - 1/(1 + |x|))
     * rounds to sign(x), as 1/|x| is below half an ulp of 1 */
    out[ENG_OUT_Y] = copysign(1.0, x);
    out[ENG_OUT_DY] = 0;
    out[ENG_OUT_D2Y] = copysign(0.0, -x);
    if ((want & ENG_WANT_GRAD_X) && !cr_tiny(&c, ENG_OUT_GRAD_X, gy, -2 * 0.6931471805599453 * 538))
      cr_slow(&c, ENG_OUT_GRAD_X);
    return;
  }
  struct dde r = dde_div(dde_d(1), d), r2 = dde_mul(r, r);
  if (want & ENG_WANT_Y)
    cr_put(&c, ENG_OUT_Y, dde_div(dde_d(x), d));
  if (want & ENG_WANT_DY)
    cr_put(&c, ENG_OUT_DY, r2);
  if (want & ENG_WANT_D2Y) {
    if (x == 0)
      out[ENG_OUT_D2Y] = 0;
    else
      cr_put(&c, ENG_OUT_D2Y, dde_mul_d(dde_mul(r2, r), x > 0 ? -2 : 2));
  }
  if (want & ENG_WANT_GRAD_X)
    cr_put_gx(&c, r2);
}
