/*
 * loss.c: losses on their own (squared, cross-entropy on probabilities, binary
 * cross-entropy on probabilities, softmax cross-entropy on logits, mean squared error),
 * per sample, reduced,
 * and their gradients. Sums and quotients are carried in double-double so that every
 * output is within a few ULP of the value computed exactly from the given doubles.
 * No HTTP or JSON here.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dd.h"
#include "internal.h"

static const struct {
  const char *name;
  unsigned char rows, layer;
  const char *formula, *gradient, *reduction;
} loss_table[] = {
#define LOSS_ROW(id, name, rows, layer, formula, gradient, reduction) \
  { name, rows, layer, formula, gradient, reduction },
  ENG_LOSS_MAP(LOSS_ROW)
#undef LOSS_ROW
};

/* The activations cross_entropy needs in a layer (eng_layer_backward checks them). */
static const char *const ce_partners[] = { "sigmoid", "softmax", NULL };
static const char *const any_partner[] = { NULL };

const char *eng_loss_name(enum eng_loss l)
{
  return (unsigned)l < ENG_LOSS__COUNT ? loss_table[l].name : NULL;
}

int eng_loss_lookup(const char *name)
{
  for (int i = 0; i < ENG_LOSS__COUNT; i++)
    if (strcmp(loss_table[i].name, name) == 0)
      return i;
  return -1;
}

int eng_loss_rows(enum eng_loss l)
{
  return (unsigned)l < ENG_LOSS__COUNT && loss_table[l].rows;
}

int eng_loss_layer(enum eng_loss l)
{
  return (unsigned)l < ENG_LOSS__COUNT && loss_table[l].layer;
}

const char *eng_loss_formula(enum eng_loss l)
{
  return (unsigned)l < ENG_LOSS__COUNT ? loss_table[l].formula : NULL;
}

const char *eng_loss_gradient(enum eng_loss l)
{
  return (unsigned)l < ENG_LOSS__COUNT ? loss_table[l].gradient : NULL;
}

const char *eng_loss_reduction(enum eng_loss l)
{
  return (unsigned)l < ENG_LOSS__COUNT ? loss_table[l].reduction : NULL;
}

const char *const *eng_loss_partners(enum eng_loss l)
{
  return l == ENG_LOSS_CROSS_ENTROPY ? ce_partners : any_partner;
}

/* The double-double x divided by m (the batch size for MEAN, 1 for SUM), rounded once. */
ENG_INLINE double dd_over(struct dd x, double m)
{
  return m == 1 ? x.hi : dd_div_d(x, m).hi;
}

/* ============================================================== Validation */

/* r_ij: the target value, or 1 / 0 for the class index of row i (already checked). */
ENG_INLINE double target_at(const struct eng_targets *t, size_t i, size_t j, size_t k)
{
  if (t->r != NULL)
    return t->r[i * k + j];
  return (size_t)t->cls[i] == j ? 1.0 : 0.0;
}

/* Class indices must be integers 0 .. k-1; target values finite, and in [0, 1] for
 * the losses on probabilities. */
ENG_INLINE int check_targets(enum eng_loss l, const struct eng_targets *t, size_t m, size_t k,
                         size_t *bad)
{
  if (t->cls != NULL) {
    for (size_t i = 0; i < m; i++) {
      double c = t->cls[i];
      if (!(c >= 0 && c <= (double)(k - 1) && c == floor(c))) {
        *bad = i;
        return ENG_ETARGET;
      }
    }
    return ENG_OK;
  }
  for (size_t i = 0; i < m * k; i++) {
    double r = t->r[i];
    int ok = isfinite(r);
    if (l != ENG_LOSS_SQUARED && l != ENG_LOSS_MSE)
      ok = r >= 0 && r <= 1;
    if (!ok) {
      *bad = i;
      return ENG_ETARGET;
    }
  }
  return ENG_OK;
}

/* Inputs must be finite; probabilities in [0, 1], and not 0 where the target is
 * positive (nor 1 where 1 - target is positive, for the binary loss): the loss would
 * be infinite. */
ENG_INLINE int check_input(enum eng_loss l, const double *x, const struct eng_targets *t,
                       size_t m, size_t k, size_t *bad)
{
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < k; j++) {
      double v = x[i * k + j], r;
      int ok = isfinite(v);
      if (ok && (l == ENG_LOSS_CROSS_ENTROPY || l == ENG_LOSS_BINARY_CROSS_ENTROPY)) {
        r = target_at(t, i, j, k);
        ok = v >= 0 && v <= 1 && !(v == 0 && r > 0);
        if (l == ENG_LOSS_BINARY_CROSS_ENTROPY)
          ok = ok && !(v == 1 && r < 1);
      }
      if (!ok) {
        *bad = i * k + j;
        return ENG_EDOMAIN;
      }
    }
  return ENG_OK;
}

/* ================================================================== Losses */

/* sum_j (x_j - r_j)^2 for row i: each difference exact in two words and squared in two
 * words, so the sum is accurate whatever k; g_j = c (x_j - r_j) / dm (c = 1 or 2: the
 * doubled difference is exact too), rounded once. */
ENG_INLINE struct dd sq_sum_row(const double *x, size_t i, size_t k,
                                const struct eng_targets *t, double c, double dm, double *g)
{
  struct dd acc = dd_of(0);
  for (size_t j = 0; j < k; j++) {
    struct dd d = two_sum(x[j], -target_at(t, i, j, k));
    struct dd sq = two_prod(d.hi, d.hi);
    if (isfinite(sq.hi))
      sq.lo += 2 * d.hi * d.lo;
    acc = dd_add(acc, sq);
    if (g != NULL)
      g[j] = dd_over((struct dd){c * d.hi, c * d.lo}, dm);
  }
  return acc;
}

/* Squared: L = 1/2 sum_j (x_j - r_j)^2, dL/dx_j = x_j - r_j. */
ENG_INLINE struct dd squared_row(const double *x, size_t i, size_t k,
                                 const struct eng_targets *t, double m, double *g)
{
  struct dd acc = sq_sum_row(x, i, k, t, 1, m, g);
  acc.hi *= 0.5;
  acc.lo *= 0.5;
  return acc;
}

/* Mean squared error: L = 1/K sum_j (x_j - r_j)^2, divided by K once; dL/dx_j =
 * 2 (x_j - r_j) / K, divided by K m once (K m is exact below 2^53). */
ENG_INLINE struct dd mse_row(const double *x, size_t i, size_t k, const struct eng_targets *t,
                             double m, double *g)
{
  struct dd acc = sq_sum_row(x, i, k, t, 2, (double)k * m, g);
  return k == 1 ? acc : dd_div_d(acc, (double)k);
}

/* n / (d m) for double-doubles, rounded about once. If n / d overflows while the
 * true quotient after dividing by m is finite, divides n by m first instead. */
ENG_INLINE double quot_over(struct dd n, struct dd d, double m)
{
  struct dd q = dd_div(n, d);
  if (!isfinite(q.hi) && m > 1)
    return dd_div(dd_div_d(n, m), d).hi;
  return dd_over(q, m);
}

/* Cross-entropy on probabilities: L = -sum_j r_j ln p_j, with 0 ln 0 = 0 (a term
 * with r_j = 0 is 0 whatever p_j). Every term is >= 0, so the sum does not cancel.
 * dL/dp_j = -r_j / p_j (0 where r_j = 0). */
ENG_INLINE struct dd cross_entropy_row(const double *p, size_t i, size_t k,
                                   const struct eng_targets *t, double m, double *g)
{
  struct dd acc = dd_of(0);
  for (size_t j = 0; j < k; j++) {
    double r = target_at(t, i, j, k);
    if (r == 0) {
      if (g != NULL)
        g[j] = 0;
      continue;
    }
    acc = dd_add(acc, two_prod(r, -log(p[j])));
    if (g != NULL)
      g[j] = -quot_over(dd_of(r), dd_of(p[j]), m);
  }
  return acc;
}

/* Binary cross-entropy on probabilities:
 *   L = -sum_j [r_j ln p_j + (1 - r_j) ln(1 - p_j)],
 * with ln(1 - p) as log1p(-p), so p = 1e-300 gives L = 690.77... (r = 1) or 1e-300
 * (r = 0) and no clamp is needed; both terms are >= 0. 1 - r is exact in two words.
 *   dL/dp = -r / p + (1 - r) / (1 - p) = (p - r) / (p (1 - p)),
 * with p - r and p (1 - p) in two words, so the quotient is exact to a rounding even
 * where p - r cancels. At p = 0 (then r = 0) it is 1, at p = 1 (then r = 1) it is -1:
 * the general form would be 0 / 0 there. */
ENG_INLINE struct dd bce_row(const double *p, size_t i, size_t k, const struct eng_targets *t,
                         double m, double *g)
{
  struct dd acc = dd_of(0);
  for (size_t j = 0; j < k; j++) {
    double r = target_at(t, i, j, k), pj = p[j];
    struct dd omr = two_sum(1, -r);
    if (r > 0)
      acc = dd_add(acc, two_prod(r, -log(pj)));
    if (r < 1)
      acc = dd_add(acc, dd_mul_d(omr, -log1p(-pj)));
    if (g == NULL)
      continue;
    if (pj == 0)
      g[j] = 1 / m;
    else if (pj == 1)
      g[j] = -1 / m;
    else
      g[j] = quot_over(two_sum(pj, -r), dd_mul_d(two_sum(1, -pj), pj), m);
  }
  return acc;
}

/* The class of row i when it is one-hot (a class index, or one r_j = 1 and the rest
 * 0), else k. */
ENG_INLINE size_t one_hot_class(const struct eng_targets *t, size_t i, size_t k)
{
  size_t c = k;
  if (t->cls != NULL)
    return (size_t)t->cls[i];
  for (size_t j = 0; j < k; j++) {
    double r = t->r[i * k + j];
    if (r == 1 && c == k)
      c = j;
    else if (r != 0)
      return k;
  }
  return c;
}

/* Softmax cross-entropy on logits z, by log-sum-exp about the row maximum z_c
 * (c its first index), which keeps logits of +-1000 finite:
 *   S' = sum_{j != c} exp(z_j - z_c) in [0, k - 1],  lse = z_c + log1p(S'),
 *   L = sum_j r_j (lse - z_j) = sum_j r_j ((z_c - z_j) + log1p(S')),
 * a sum of terms >= 0, so it does not cancel (log1p keeps L exact when the target
 * class dominates and L is tiny). z_j - z_c is exact in two words d + e, and
 * exp(d + e) = exp(d) (1 + e) to a rounding.
 *   softmax_j = exp(z_j - z_c) / (1 + S'),
 *   dL/dz_j = R softmax_j - r_j, R = sum_j r_j (1 for a class index or a row that
 *   sums to 1, where this is softmax - r). At j = c it is evaluated as
 *   (R - r_c) - R S' / (1 + S'), since softmax_c = 1 - S' / (1 + S') is close to 1
 *   and softmax_c - 1 would cancel. */
ENG_INLINE struct dd softmax_ce_row(const double *z, size_t i, size_t k,
                                const struct eng_targets *t, double m, double *g,
                                double *prob, const double *a)
{
  size_t only = k; /* with a: the target class of a one-hot row, the one g entry evaluated */
  size_t c = 0;
  struct dd sp = dd_of(0), s, lse_rest, acc = dd_of(0), rsum = dd_of(0);
  double l1p;
  int precise = 0;

  for (size_t j = 1; j < k; j++)
    if (z[j] > z[c])
      c = j;
  for (size_t j = 0; j < k; j++) {
    struct dd d;
    double e;
    if (j == c)
      continue;
    d = two_sum(z[j], -z[c]);
    e = exp(d.hi);
    e = fma(e, d.lo, e);
    sp = dd_add_d(sp, e);
  }
  /* log1p(S' + s') = log1p(S') + s' / (1 + S') to first order. */
  l1p = log1p(sp.hi);
  lse_rest = two_sum(l1p, sp.lo / (1 + sp.hi));
  s = dd_add_d(sp, 1);

  for (size_t j = 0; j < k; j++) {
    double r = target_at(t, i, j, k);
    rsum = dd_add_d(rsum, r);
    if (r == 0)
      continue;
    {
      struct dd d = two_sum(z[c], -z[j]); /* z_c - z_j >= 0 */
      struct dd term = dd_add(d, lse_rest);
      acc = dd_add(acc, r == 1 ? term : dd_mul_d(term, r));
    }
  }

  /* A fractional target can match softmax_j to many digits, and R softmax_j - r_j then
   * keeps only the digits that libm's exp got right: for such rows the exponentials
   * are recomputed in double-double. One-hot rows cannot cancel (softmax_j - 1 with
   * softmax_j <= 1/2, or -S' / (1 + S') at the maximum). */
  for (size_t j = 0; j < k && !precise; j++) {
    double r = target_at(t, i, j, k);
    precise = r != 0 && r != 1;
  }
  if (precise) {
    sp = dd_of(0);
    for (size_t j = 0; j < k; j++)
      if (j != c)
        sp = dd_add(sp, dd_exp(two_sum(z[j], -z[c])));
    s = dd_add_d(sp, 1);
  }

  if (a != NULL && prob == NULL)
    only = one_hot_class(t, i, k);
  for (size_t j = 0; j < k; j++) {
    double r = target_at(t, i, j, k);
    struct dd pj, gj;
    if (only < k && j != only) {
      if (g != NULL)
        g[j] = a[j] / m;
      continue;
    }
    if (j == c) {
      struct dd q = dd_div(sp, s); /* 1 - softmax_c */
      pj = dd_add_d(dd_of(1), -q.hi);
      pj = dd_add_d(pj, -q.lo);
      gj = dd_add(dd_add_d(rsum, -r), dd_mul(q, (struct dd){-rsum.hi, -rsum.lo}));
    } else {
      struct dd d = two_sum(z[j], -z[c]), e;
      if (precise) {
        e = dd_exp(d);
      } else {
        double e1 = exp(d.hi);
        e = dd_of(fma(e1, d.lo, e1));
      }
      pj = dd_div(e, s);
      gj = dd_add_d(dd_mul(pj, rsum), -r);
    }
    if (prob != NULL)
      prob[j] = pj.hi;
    if (g != NULL)
      g[j] = dd_over(gj, m);
  }
  return acc;
}

int eng_loss_eval(enum eng_loss l, const double *input, size_t m, size_t k,
                  const struct eng_targets *t, enum eng_reduction red, double *losses,
                  double *loss, double *grad, double *prob, size_t *bad)
{
  return eng__loss_eval(l, input, m, k, t, red, losses, loss, grad, prob, NULL, bad);
}

ENG_KERNEL int eng__loss_eval(enum eng_loss l, const double *input, size_t m, size_t k,
                              const struct eng_targets *t, enum eng_reduction red,
                              double *losses, double *loss, double *grad, double *prob,
                              const double *a, size_t *bad)
{
  size_t bad_local = 0;
  double scale;
  struct dd total = dd_of(0);
  int rc;

  if ((unsigned)l >= ENG_LOSS__COUNT || input == NULL || t == NULL ||
      (t->r == NULL) == (t->cls == NULL) || (red != ENG_REDUCE_MEAN && red != ENG_REDUCE_SUM))
    return ENG_EINVAL;
  if (m == 0 || k == 0 || k > SIZE_MAX / sizeof(double) / m)
    return ENG_ESHAPE;
  if (bad == NULL)
    bad = &bad_local;
  rc = check_targets(l, t, m, k, bad);
  if (rc == ENG_OK)
    rc = check_input(l, input, t, m, k, bad);
  if (rc != ENG_OK)
    return rc;

  scale = red == ENG_REDUCE_MEAN ? (double)m : 1;
  for (size_t i = 0; i < m; i++) {
    const double *row = input + i * k;
    double *g = grad != NULL ? grad + i * k : NULL;
    struct dd li = dd_of(0);
    switch (l) {
    case ENG_LOSS_SQUARED:
      li = squared_row(row, i, k, t, scale, g);
      break;
    case ENG_LOSS_MSE:
      li = mse_row(row, i, k, t, scale, g);
      break;
    case ENG_LOSS_CROSS_ENTROPY:
      li = cross_entropy_row(row, i, k, t, scale, g);
      break;
    case ENG_LOSS_BINARY_CROSS_ENTROPY:
      li = bce_row(row, i, k, t, scale, g);
      break;
    case ENG_LOSS_SOFTMAX_CROSS_ENTROPY:
      li = softmax_ce_row(row, i, k, t, scale, g, prob != NULL ? prob + i * k : NULL,
                          a != NULL ? a + i * k : NULL);
      break;
    case ENG_LOSS__COUNT:
      return ENG_EINVAL;
    }
    if (losses != NULL)
      losses[i] = li.hi;
    total = dd_add(total, li);
  }
  if (loss != NULL)
    *loss = dd_over(total, scale);
  return ENG_OK;
}
