/*
 * act_vector.c: activations of a whole row: softmax, log_softmax, softmin,
 * sparsemax, maxout, hardmax.
 *
 * Rows are shifted by their maximum before exp (no overflow for rows of +-1000), sums
 * are compensated (TwoSum), and each vector-Jacobian product is formed without the
 * Jacobian: softmax's grad_x = y (g - <g, y>) takes <g, y> in two words and the
 * difference g - <g, y> before its single rounding. No HTTP or JSON here; no
 * allocation (the `work` scratch holds 2k doubles).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dd.h"
#include "internal.h"

/* First index of the row's maximum. */
ENG_INLINE size_t first_max(const double *x, size_t k)
{
  size_t am = 0;
  for (size_t i = 1; i < k; i++)
    if (x[i] > x[am])
      am = i;
  return am;
}

/* e[i] = exp(sgn x[i] - max) and their sum in two words; returns the argmax. */
ENG_INLINE size_t shifted_exp(const double *x, size_t k, double sgn, double *e, struct dd *sum)
{
  size_t am = 0;
  double mx;
  for (size_t i = 1; i < k; i++)
    if (sgn * x[i] > sgn * x[am])
      am = i;
  mx = sgn * x[am];
  *sum = dd_of(0);
  for (size_t i = 0; i < k; i++) {
    /* sgn x - max rounds when the two are far apart; its error d.lo enters as
     * e^(hi + lo) = e^hi (1 + lo), or it would cost |x - max| ULP */
    struct dd d = two_sum(sgn * x[i], -mx);
    e[i] = exp(d.hi) * (1 + d.lo);
    *sum = dd_add_d(*sum, e[i]);
  }
  return am;
}

/* softmax(sgn x) into y: y_j = e_j / sum. */
ENG_INLINE void softmax_sgn(const double *x, size_t k, double sgn, double *y, double *work)
{
  struct dd sum;
  (void)work;
  shifted_exp(x, k, sgn, y, &sum);
  for (size_t i = 0; i < k; i++)
    y[i] = dd_div(dd_of(y[i]), sum).hi;
}

/* softmax(sgn x) in two words: work[2i], work[2i+1] = e^(sgn x_i - max) by dd_exp (to
 * 2^-95), returned S = their sum. For the products that cancel, where the rounding of
 * y itself would show. */
ENG_INLINE struct dd softmax_dd(const double *x, size_t k, double sgn, double *work)
{
  struct dd S = dd_of(0);
  double mx = sgn * x[0];
  for (size_t i = 1; i < k; i++)
    mx = fmax(mx, sgn * x[i]);
  for (size_t i = 0; i < k; i++) {
    struct dd e = dd_exp(two_sum(sgn * x[i], -mx));
    work[2 * i] = e.hi;
    work[2 * i + 1] = e.lo;
    S = dd_add(S, e);
  }
  return S;
}

/* grad_x = sgn y (g - <g, y>), all in two words from softmax_dd: <g, y> cancels
 * against g_j when the upstream gradient is nearly constant, and the rounding of y
 * would then be all that is left. */
ENG_INLINE void softmax_vjp_sgn(const double *x, size_t k, double sgn, const double *gy,
                            double *gx, double *work)
{
  struct dd S = softmax_dd(x, k, sgn, work), dot = dd_of(0);
  for (size_t i = 0; i < k; i++)
    dot = dd_add(dot, dd_mul_d((struct dd){work[2 * i], work[2 * i + 1]}, gy[i]));
  dot = dd_div(dot, S);
  for (size_t i = 0; i < k; i++) {
    struct dd d = dd_add_d((struct dd){-dot.hi, -dot.lo}, gy[i]);
    struct dd y = dd_div((struct dd){work[2 * i], work[2 * i + 1]}, S);
    gx[i] = sgn * dd_mul(d, y).hi;
  }
}

/* J[i][j] = sgn y_i (delta_ij - y_j). On the diagonal 1 - y_i would cancel when y_i
 * is near 1: it is (sum_{j != i} e_j) / S, from the shifted exponentials (work) and
 * their two-word sum, each rounded once. */
ENG_INLINE void softmax_jac_sgn(const double *x, const double *y, size_t k, double sgn,
                            double *jac, double *work)
{
  struct dd S;
  shifted_exp(x, k, sgn, work, &S);
  for (size_t i = 0; i < k; i++) {
    for (size_t j = 0; j < k; j++)
      jac[i * k + j] = -sgn * y[i] * y[j];
    {
      struct dd others = dd_div(dd_add_d(S, -work[i]), S);
      jac[i * k + i] = sgn * dd_mul_d(others, y[i]).hi;
    }
  }
}

/* --------------------------------------------------------------- softmax */

ENG_KERNEL void eng__softmax_fwd(const double *x, size_t k, const double *p, double *y, size_t *argmax,
                      double *work)
{
  (void)p;
  softmax_sgn(x, k, 1, y, work);
  *argmax = first_max(x, k);
}

ENG_KERNEL void eng__softmax_vjp(const double *x, const double *y, size_t k, const double *p,
                      const double *gy, double *gx, double *work)
{
  (void)y;
  (void)p;
  softmax_vjp_sgn(x, k, 1, gy, gx, work);
}

ENG_KERNEL void eng__softmax_jac(const double *x, const double *y, size_t k, const double *p,
                      double *jac, double *work)
{
  (void)p;
  softmax_jac_sgn(x, y, k, 1, jac, work);
}

/* ----------------------------------------------------------- log_softmax */

/* y_j = (x_j - max) - ln(sum), with ln(sum) = log1p(sum - 1) taken from the two-word
 * sum: the largest term is exactly 1, so sum - 1 is the sum of the others, exact. */
ENG_KERNEL void eng__log_softmax_fwd(const double *x, size_t k, const double *p, double *y,
                          size_t *argmax, double *work)
{
  struct dd sum, rest;
  double lse;
  size_t am;
  (void)p;
  am = shifted_exp(x, k, 1, work, &sum);
  rest = dd_add_d(sum, -1);
  lse = log1p(rest.hi + rest.lo);
  for (size_t i = 0; i < k; i++) {
    /* (x_i - max) - lse in two words, rounded once */
    struct dd d = two_sum(x[i], -x[am]);
    y[i] = dd_add_d(d, -lse).hi;
  }
  *argmax = am;
}

/* grad_x = g - softmax(x) sum(g), the softmax in two words from x (softmax_dd). */
ENG_KERNEL void eng__log_softmax_vjp(const double *x, const double *y, size_t k, const double *p,
                          const double *gy, double *gx, double *work)
{
  struct dd gs = dd_of(0), S;
  (void)y;
  (void)p;
  S = softmax_dd(x, k, 1, work);
  for (size_t i = 0; i < k; i++)
    gs = dd_add_d(gs, gy[i]);
  for (size_t i = 0; i < k; i++) {
    struct dd t = dd_mul(gs, dd_div((struct dd){work[2 * i], work[2 * i + 1]}, S));
    gx[i] = dd_add_d((struct dd){-t.hi, -t.lo}, gy[i]).hi;
  }
}

/* J[i][j] = delta_ij - softmax(x)_j; the diagonal 1 - s_i = (sum_{j != i} e_j) / S. */
ENG_KERNEL void eng__log_softmax_jac(const double *x, const double *y, size_t k, const double *p,
                          double *jac, double *work)
{
  struct dd S;
  (void)y;
  (void)p;
  shifted_exp(x, k, 1, work, &S);
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) {
      if (i != j)
        jac[i * k + j] = -dd_div(dd_of(work[j]), S).hi;
      else
        jac[i * k + i] = dd_div(dd_add_d(S, -work[i]), S).hi;
    }
}

/* --------------------------------------------------------------- softmin */

ENG_KERNEL void eng__softmin_fwd(const double *x, size_t k, const double *p, double *y, size_t *argmax,
                      double *work)
{
  (void)p;
  softmax_sgn(x, k, -1, y, work);
  *argmax = first_max(x, k);
}

ENG_KERNEL void eng__softmin_vjp(const double *x, const double *y, size_t k, const double *p,
                      const double *gy, double *gx, double *work)
{
  (void)y;
  (void)p;
  softmax_vjp_sgn(x, k, -1, gy, gx, work);
}

ENG_KERNEL void eng__softmin_jac(const double *x, const double *y, size_t k, const double *p,
                      double *jac, double *work)
{
  (void)p;
  softmax_jac_sgn(x, y, k, -1, jac, work);
}

/* ------------------------------------------------------------- sparsemax */

/* The projection onto the simplex (Martins and Astudillo, 2016): with z = x sorted
 * decreasing (a copy in work), the support is the largest r with
 * z_r > (sum_{j<=r} z_j - 1) / r, and tau = (sum_{j<=r} z_j - 1) / r, here in two
 * words (compensated sums), so that y_j = x_j - tau is rounded once. */
static int cmp_desc(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x < y) - (x > y);
}

ENG_INLINE struct dd sparsemax_tau_dd(const double *x, size_t k, double *work)
{
  struct dd cum = dd_of(0), best = dd_of(0);
  size_t r = 1;
  memcpy(work, x, k * sizeof *work);
  qsort(work, k, sizeof *work, cmp_desc);
  for (size_t j = 0; j < k; j++) {
    struct dd c2 = dd_add_d(cum, work[j]);
    struct dd t = dd_div_d(dd_add_d(c2, -1), (double)(j + 1));
    if (work[j] > t.hi || (work[j] == t.hi && t.lo < 0)) {
      r = j + 1;
      best = c2;
    }
    cum = c2;
  }
  return dd_div_d(dd_add_d(best, -1), (double)r);
}

ENG_KERNEL void eng__sparsemax_fwd(const double *x, size_t k, const double *p, double *y,
                        size_t *argmax, double *work)
{
  struct dd tau;
  (void)p;
  tau = sparsemax_tau_dd(x, k, work);
  for (size_t i = 0; i < k; i++) {
    struct dd d = dd_add_d((struct dd){-tau.hi, -tau.lo}, x[i]);
    y[i] = d.hi > 0 ? d.hi : 0;
  }
  *argmax = first_max(x, k);
}

/* On the support S (y_j > 0): grad_x_j = g_j - mean_S g; 0 elsewhere. */
ENG_KERNEL void eng__sparsemax_vjp(const double *x, const double *y, size_t k, const double *p,
                        const double *gy, double *gx, double *work)
{
  struct dd s = dd_of(0);
  size_t n = 0;
  (void)x;
  (void)p;
  (void)work;
  for (size_t i = 0; i < k; i++)
    if (y[i] > 0) {
      s = dd_add_d(s, gy[i]);
      n++;
    }
  s = dd_div_d(s, (double)(n > 0 ? n : 1));
  for (size_t i = 0; i < k; i++)
    gx[i] = y[i] > 0 ? dd_add_d((struct dd){-s.hi, -s.lo}, gy[i]).hi : 0;
}

/* J = diag(s) - s s^T / |S| */
ENG_KERNEL void eng__sparsemax_jac(const double *x, const double *y, size_t k, const double *p,
                        double *jac, double *work)
{
  size_t n = 0;
  (void)x;
  (void)p;
  (void)work;
  for (size_t i = 0; i < k; i++)
    n += y[i] > 0;
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) {
      double v = 0;
      if (y[i] > 0 && y[j] > 0)
        v = (i == j ? 1.0 : 0.0) - 1.0 / (double)n;
      jac[i * k + j] = v;
    }
}

/* ---------------------------------------------------------------- maxout */

ENG_KERNEL void eng__maxout_fwd(const double *x, size_t k, const double *p, double *y, size_t *argmax,
                     double *work)
{
  (void)p;
  (void)work;
  *argmax = first_max(x, k);
  y[0] = x[*argmax];
}

/* The whole upstream gradient goes to the first maximum. */
ENG_KERNEL void eng__maxout_vjp(const double *x, const double *y, size_t k, const double *p,
                     const double *gy, double *gx, double *work)
{
  size_t am = first_max(x, k);
  (void)y;
  (void)p;
  (void)work;
  for (size_t i = 0; i < k; i++)
    gx[i] = 0;
  gx[am] = gy[0];
}

ENG_KERNEL void eng__maxout_jac(const double *x, const double *y, size_t k, const double *p,
                     double *jac, double *work)
{
  size_t am = first_max(x, k);
  (void)y;
  (void)p;
  (void)work;
  for (size_t i = 0; i < k; i++)
    jac[i] = i == am ? 1 : 0;
}

/* --------------------------------------------------------------- hardmax */

ENG_KERNEL void eng__hardmax_fwd(const double *x, size_t k, const double *p, double *y, size_t *argmax,
                      double *work)
{
  (void)p;
  (void)work;
  *argmax = first_max(x, k);
  for (size_t i = 0; i < k; i++)
    y[i] = i == *argmax ? 1 : 0;
}

ENG_KERNEL void eng__hardmax_vjp(const double *x, const double *y, size_t k, const double *p,
                      const double *gy, double *gx, double *work)
{
  (void)x;
  (void)y;
  (void)p;
  (void)gy;
  (void)work;
  for (size_t i = 0; i < k; i++)
    gx[i] = 0;
}

ENG_KERNEL void eng__hardmax_jac(const double *x, const double *y, size_t k, const double *p,
                      double *jac, double *work)
{
  (void)x;
  (void)y;
  (void)p;
  (void)work;
  for (size_t i = 0; i < k * k; i++)
    jac[i] = 0;
}
