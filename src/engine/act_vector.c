/*
 * act_vector.c: activations of a whole row: softmax, log_softmax, softmin,
 * sparsemax, maxout, hardmax.
 *
 * Rows are shifted by their maximum before exp (no overflow for rows of +-1000); the
 * shifted exponentials, their sums and every output are formed in double-double with
 * an error bound (cr.h) and rounded once; an entry whose bound does not decide its
 * rounding comes from the exact path (exact.c). Each vector-Jacobian product is formed
 * without the Jacobian: softmax's grad_x = y (g - <g, y>). No HTTP or JSON here; no
 * allocation (the `work` scratch holds 2k doubles).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cr.h"
#include "dd.h"
#include "exp2w.h"
#include "internal.h"

/* Rounds entry (which, i, j) of a vector row from its approximation, or by the exact
 * path. */
ENG_INLINE double vec_out(struct dde v, const struct eng__exact *m, const double *x, size_t k,
                          const double *gy, unsigned which, size_t i, size_t j)
{
  double r;
  if (cr_round(v.hi, v.lo, v.e, &r))
    return r;
  return eng__exact_vec_round(m, x, k, gy, which, i, j);
}

/* The bound of e_i = work[2i] + work[2i+1]: relative, 2^-70 from exp_hp (FAST; dd_exp's
 * is 2^-90), or 2^-959 absolute below 2^-960, where the second word underflows. */
#define EXP_FAST 0x1p-70
ENG_INLINE struct dde e_at(const double *work, size_t i, int fast)
{
  struct dde e = {work[2 * i], work[2 * i + 1], 0};
  e.e = e.hi > 0x1p-960 ? e.hi * (fast ? EXP_FAST : DDE_EXP) : 0x1p-959;
  return e;
}

/* e_i = e^(sg x_i - M), M = max sg x, into work[2i], work[2i+1] (hi, lo), and their sum
 * S; *am = the index of M (its e is exactly 1). sg x_i - M is exact in two words. FAST:
 * exp_hp (exp2w.h, a table and a short series; within 2^-72) down to e^-680, where the
 * outputs are quotients and products of the e_i, decided by the rounding test as
 * before all but about once in 2^15; dd_exp (2^-90) otherwise, for log_softmax, whose
 * log(S) may lose digits to cancellation. */
ENG_INLINE struct dde row_exp(const double *x, size_t k, double sg, double *work, size_t *am,
                              int fast)
{
  struct dde S = dde_d(0);
  size_t a = 0;
  for (size_t i = 1; i < k; i++)
    if (sg * x[i] > sg * x[a])
      a = i;
  for (size_t i = 0; i < k; i++) {
    struct dd w = two_sum(sg * x[i], -sg * x[a]);
    if (fast && w.hi >= -680) {
      double mh, ml;
      exp_hp(w.hi, w.lo, &work[2 * i], &work[2 * i + 1], &mh, &ml);
    } else {
      struct dd e = dd_exp(w);
      work[2 * i] = e.hi;
      work[2 * i + 1] = e.lo;
    }
  }
  for (size_t i = 0; i < k; i++)
    S = dde_add(S, e_at(work, i, fast));
  *am = a;
  return S;
}

/* softmax(sg x) into y: y_i = e_i / S. */
ENG_INLINE void softmax_sgn(const double *x, size_t k, double sg, double *y, double *work,
                            const struct eng__exact *m)
{
  size_t am;
  struct dde S = row_exp(x, k, sg, work, &am, 1);
  for (size_t i = 0; i < k; i++)
    y[i] = vec_out(dde_div(e_at(work, i, 1), S), m, x, k, NULL, ENG_VOUT_Y, i, 0);
}

/* grad_x = sg y (g - <g, y>), <g, y> = sum g_k e_k / S. */
ENG_INLINE void softmax_vjp_sgn(const double *x, size_t k, double sg, const double *gy,
                                double *gx, double *work, const struct eng__exact *m)
{
  size_t am;
  struct dde S = row_exp(x, k, sg, work, &am, 1), dot = dde_d(0);
  for (size_t i = 0; i < k; i++)
    dot = dde_add(dot, dde_mul_d(e_at(work, i, 1), gy[i]));
  dot = dde_div(dot, S);
  for (size_t i = 0; i < k; i++) {
    struct dde d = dde_sub(dde_d(gy[i]), dot), y = dde_div(e_at(work, i, 1), S);
    gx[i] = vec_out(dde_mul_d(dde_mul(d, y), sg), m, x, k, gy, ENG_VOUT_GRAD_X, i, 0);
  }
}

/* J[i][j] = sg y_i (delta_ij - y_j); the diagonal sg y_i (S - e_i) / S. */
ENG_INLINE void softmax_jac_sgn(const double *x, size_t k, double sg, double *jac, double *work,
                                const struct eng__exact *m)
{
  size_t am;
  struct dde S = row_exp(x, k, sg, work, &am, 1);
  for (size_t i = 0; i < k; i++) {
    struct dde yi = dde_div(e_at(work, i, 1), S);
    for (size_t j = 0; j < k; j++) {
      struct dde v;
      if (i == j)
        v = dde_mul(yi, dde_div(dde_sub(S, e_at(work, i, 1)), S));
      else
        v = dde_neg(dde_mul(yi, dde_div(e_at(work, j, 1), S)));
      jac[i * k + j] = vec_out(dde_mul_d(v, sg), m, x, k, NULL, ENG_VOUT_JAC, i, j);
    }
  }
}

/* --------------------------------------------------------------- softmax */

ENG_KERNEL void eng__softmax_fwd(const double *x, size_t k, const double *p, double *y,
                                 size_t *argmax, double *work)
{
  (void)p;
  softmax_sgn(x, k, 1, y, work, &eng__exact_softmax);
  *argmax = eng__first_max(x, k);
}

ENG_KERNEL void eng__softmax_vjp(const double *x, const double *y, size_t k, const double *p,
                                 const double *gy, double *gx, double *work)
{
  (void)y;
  (void)p;
  softmax_vjp_sgn(x, k, 1, gy, gx, work, &eng__exact_softmax);
}

ENG_KERNEL void eng__softmax_jac(const double *x, const double *y, size_t k, const double *p,
                                 double *jac, double *work)
{
  (void)y;
  (void)p;
  softmax_jac_sgn(x, k, 1, jac, work, &eng__exact_softmax);
}

/* ----------------------------------------------------------- log_softmax */

/* y_i = (x_i - M) - ln S, ln S = log1p(sum_{k != argmax} e_k): the largest term is
 * exactly 1, so S - 1 is a sum of the others, without a difference. */
ENG_KERNEL void eng__log_softmax_fwd(const double *x, size_t k, const double *p, double *y,
                                     size_t *argmax, double *work)
{
  size_t am;
  struct dde rest = dde_d(0), lse;
  (void)p;
  row_exp(x, k, 1, work, &am, 0);
  for (size_t i = 0; i < k; i++)
    if (i != am)
      rest = dde_add(rest, e_at(work, i, 0));
  lse = dde_log1p(rest);
  for (size_t i = 0; i < k; i++) {
    struct dde d = dde_of(two_sum(x[i], -x[am]), 0);
    y[i] = vec_out(dde_sub(d, lse), &eng__exact_log_softmax, x, k, NULL, ENG_VOUT_Y, i, 0);
  }
  *argmax = eng__first_max(x, k);
}

/* grad_x_i = g_i - (e_i / S) sum_k g_k. */
ENG_KERNEL void eng__log_softmax_vjp(const double *x, const double *y, size_t k, const double *p,
                                     const double *gy, double *gx, double *work)
{
  size_t am;
  struct dde S = row_exp(x, k, 1, work, &am, 0), gs = dde_d(0);
  (void)y;
  (void)p;
  for (size_t i = 0; i < k; i++)
    gs = dde_add_d(gs, gy[i]);
  for (size_t i = 0; i < k; i++) {
    struct dde t = dde_mul(gs, dde_div(e_at(work, i, 0), S));
    gx[i] = vec_out(dde_sub(dde_d(gy[i]), t), &eng__exact_log_softmax, x, k, gy,
                    ENG_VOUT_GRAD_X, i, 0);
  }
}

/* J[i][j] = delta_ij - e_j / S; the diagonal (S - e_i) / S. */
ENG_KERNEL void eng__log_softmax_jac(const double *x, const double *y, size_t k, const double *p,
                                     double *jac, double *work)
{
  size_t am;
  struct dde S = row_exp(x, k, 1, work, &am, 0);
  (void)y;
  (void)p;
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) {
      struct dde v = i == j ? dde_div(dde_sub(S, e_at(work, i, 0)), S)
                            : dde_neg(dde_div(e_at(work, j, 0), S));
      jac[i * k + j] = vec_out(v, &eng__exact_log_softmax, x, k, NULL, ENG_VOUT_JAC, i, j);
    }
}

/* --------------------------------------------------------------- softmin */

ENG_KERNEL void eng__softmin_fwd(const double *x, size_t k, const double *p, double *y,
                                 size_t *argmax, double *work)
{
  (void)p;
  softmax_sgn(x, k, -1, y, work, &eng__exact_softmin);
  *argmax = eng__first_max(x, k);
}

ENG_KERNEL void eng__softmin_vjp(const double *x, const double *y, size_t k, const double *p,
                                 const double *gy, double *gx, double *work)
{
  (void)y;
  (void)p;
  softmax_vjp_sgn(x, k, -1, gy, gx, work, &eng__exact_softmin);
}

ENG_KERNEL void eng__softmin_jac(const double *x, const double *y, size_t k, const double *p,
                                 double *jac, double *work)
{
  (void)y;
  (void)p;
  softmax_jac_sgn(x, k, -1, jac, work, &eng__exact_softmin);
}

/* ------------------------------------------------------------- sparsemax */

/* The projection onto the simplex (Martins and Astudillo, 2016): with z = x sorted
 * decreasing (a copy in work), the support is the largest n with
 * n z_n > sum_{j<=n} z_j - 1, and tau = (sum_{j<=n} z_j - 1) / n. Each comparison is
 * decided from a double-double with its bound; a row where one is not decided (a tie
 * to within the bound) returns 0 and goes to the exact path. */
static int cmp_desc(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x < y) - (x > y);
}

/* The sign of v if its bound decides it (1 or -1), else 0. */
ENG_INLINE int dde_sign(struct dde v)
{
  double s = v.hi + v.lo;
  if (s > 2 * v.e)
    return 1;
  if (s < -2 * v.e)
    return -1;
  return 0;
}

/* tau and the support size; 0 if some comparison is undecided. */
ENG_INLINE int sparsemax_tau(const double *x, size_t k, double *work, struct dde *tau, size_t *n)
{
  struct dde cum = dde_d(0), best = dde_d(0);
  memcpy(work, x, k * sizeof *work);
  qsort(work, k, sizeof *work, cmp_desc);
  *n = 1;
  for (size_t j = 0; j < k; j++) {
    struct dde c2 = dde_add_d(cum, work[j]);
    struct dde t = dde_add_d(dde_sub(dde_prod(work[j], (double)(j + 1)), c2), 1);
    int s = dde_sign(t);
    if (s == 0)
      return 0;
    if (s > 0) {
      *n = j + 1;
      best = c2;
    }
    cum = c2;
  }
  *tau = dde_div(dde_add_d(best, -1), dde_d((double)*n));
  return 1;
}

/* Membership of x_i in the support (x_i > tau): 1, 0, or -1 if undecided. */
ENG_INLINE int in_support(double xi, struct dde tau)
{
  int s = dde_sign(dde_sub(dde_d(xi), tau));
  return s > 0 ? 1 : s < 0 ? 0 : -1;
}

ENG_KERNEL void eng__sparsemax_fwd(const double *x, size_t k, const double *p, double *y,
                                   size_t *argmax, double *work)
{
  struct dde tau;
  size_t n;
  int ok;
  (void)p;
  ok = sparsemax_tau(x, k, work, &tau, &n);
  for (size_t i = 0; i < k; i++) {
    int in = ok ? in_support(x[i], tau) : -1;
    if (in == 0)
      y[i] = 0;
    else if (in == 1)
      y[i] = vec_out(dde_sub(dde_d(x[i]), tau), &eng__exact_sparsemax, x, k, NULL,
                     ENG_VOUT_Y, i, 0);
    else
      y[i] = eng__exact_vec_round(&eng__exact_sparsemax, x, k, NULL, ENG_VOUT_Y, i, 0);
  }
  *argmax = eng__first_max(x, k);
}

/* On the support S: grad_x_j = g_j - mean_S g = (n g_j - sum_S g) / n; 0 elsewhere. */
ENG_KERNEL void eng__sparsemax_vjp(const double *x, const double *y, size_t k, const double *p,
                                   const double *gy, double *gx, double *work)
{
  struct dde tau, s = dde_d(0);
  size_t n;
  int ok;
  (void)y;
  (void)p;
  ok = sparsemax_tau(x, k, work, &tau, &n);
  for (size_t i = 0; ok && i < k; i++) {
    int in = in_support(x[i], tau);
    if (in < 0)
      ok = 0;
    else if (in)
      s = dde_add_d(s, gy[i]);
  }
  for (size_t i = 0; i < k; i++) {
    if (!ok) {
      gx[i] = eng__exact_vec_round(&eng__exact_sparsemax, x, k, gy, ENG_VOUT_GRAD_X, i, 0);
    } else if (in_support(x[i], tau)) {
      struct dde v = dde_sub(dde_prod(gy[i], (double)n), s);
      gx[i] = vec_out(dde_div(v, dde_d((double)n)), &eng__exact_sparsemax, x, k, gy,
                      ENG_VOUT_GRAD_X, i, 0);
    } else {
      gx[i] = 0;
    }
  }
}

/* J = diag(s) - s s^T / n on the support: (n - 1) / n and -1 / n, each one division. */
ENG_KERNEL void eng__sparsemax_jac(const double *x, const double *y, size_t k, const double *p,
                                   double *jac, double *work)
{
  struct dde tau;
  size_t n;
  int ok;
  (void)y;
  (void)p;
  ok = sparsemax_tau(x, k, work, &tau, &n);
  for (size_t i = 0; ok && i < k; i++)
    if (in_support(x[i], tau) < 0)
      ok = 0;
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) {
      double v = 0;
      if (!ok)
        v = eng__exact_vec_round(&eng__exact_sparsemax, x, k, NULL, ENG_VOUT_JAC, i, j);
      else if (in_support(x[i], tau) && in_support(x[j], tau))
        v = (i == j ? (double)n - 1 : -1.0) / (double)n;
      jac[i * k + j] = v;
    }
}

/* ---------------------------------------------------------------- maxout */

ENG_KERNEL void eng__maxout_fwd(const double *x, size_t k, const double *p, double *y,
                                size_t *argmax, double *work)
{
  (void)p;
  (void)work;
  *argmax = eng__first_max(x, k);
  y[0] = x[*argmax];
}

/* The whole upstream gradient goes to the first maximum. */
ENG_KERNEL void eng__maxout_vjp(const double *x, const double *y, size_t k, const double *p,
                                const double *gy, double *gx, double *work)
{
  size_t am = eng__first_max(x, k);
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
  size_t am = eng__first_max(x, k);
  (void)y;
  (void)p;
  (void)work;
  for (size_t i = 0; i < k; i++)
    jac[i] = i == am ? 1 : 0;
}

/* --------------------------------------------------------------- hardmax */

ENG_KERNEL void eng__hardmax_fwd(const double *x, size_t k, const double *p, double *y,
                                 size_t *argmax, double *work)
{
  (void)p;
  (void)work;
  *argmax = eng__first_max(x, k);
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
