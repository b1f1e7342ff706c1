/*
 * neuron.c: a dense layer of k neurons over a batch, forward (z = x W^T + b, a = f(z))
 * and backward (grad_z, grad_W, grad_b, grad_x from an upstream gradient or from a
 * loss computed from z), and the SGD step. Every sum of products is a compensated dot
 * product. No HTTP or JSON here.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dd.h"
#include "internal.h"

/* ============================================================ Dot products */

/* c + sum_{i < n} a[i sa] b[i sb] by Dot2 (Ogita, Rump and Oishi, 2005): each product
 * split exactly by an fma, each sum by TwoSum, errors accumulated apart, so the result
 * is as accurate as if computed in twice the working precision and then rounded. */
#define DOT2_BODY                                                               \
  double s = c, e = 0, r;                                                       \
  for (size_t i = 0; i < n; i++) {                                              \
    double x = a[i * sa], y = b[i * sb];                                        \
    double p = x * y, pe = fma(x, y, -p);                                       \
    double t = s + p, z = t - s;                                                \
    e += ((s - (t - z)) + (p - z)) + pe;                                        \
    s = t;                                                                      \
  }                                                                             \
  r = s + e;                                                                    \
  /* An overflowed partial sum makes the error terms inf - inf: keep the plain sum. */ \
  return isnan(r) ? s : r;

ENG_INLINE double dot2_generic(const double *a, size_t sa, const double *b, size_t sb,
                           size_t n, double c)
{
  DOT2_BODY
}

#if defined(__GNUC__) && defined(__x86_64__)
/* Where the CPU has AVX2 and FMA, the same code with the fma instruction inline
 * instead of a libm call per term; fma is exact either way, so the bits are the same. */
#define HAVE_FMA_CLONES 1
#include <immintrin.h>
__attribute__((target("avx2,fma"))) static double
dot2_fma(const double *a, size_t sa, const double *b, size_t sb, size_t n, double c)
{
  DOT2_BODY
}

static int cpu_has_fma(void)
{
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

ENG_INLINE double dot2(const double *a, size_t sa, const double *b, size_t sb, size_t n,
                   double c)
{
  return cpu_has_fma() ? dot2_fma(a, sa, b, sb, n, c) : dot2_generic(a, sa, b, sb, n, c);
}
#else
#define dot2 dot2_generic
#endif

/* n independent Dot2 sums advanced by one term: s[c] + e[c] += a y[c], with the
 * operations of dot2 in its order, so the results are bit-identical to dot2 over the
 * same terms; the loop over c carries no dependence, so it vectorises. */
#define DOT2_AXPY_BODY                                                          \
  for (size_t c = 0; c < n; c++) {                                              \
    double p = a * y[c], pe = fma(a, y[c], -p);                                 \
    double t = s[c] + p, z = t - s[c];                                          \
    e[c] += ((s[c] - (t - z)) + (p - z)) + pe;                                  \
    s[c] = t;                                                                   \
  }

ENG_INLINE void dot2_axpy_generic(double a, const double *restrict y, size_t n,
                              double *restrict s, double *restrict e)
{
  DOT2_AXPY_BODY
}

#ifdef HAVE_FMA_CLONES
/* One step of DOT2_AXPY_BODY in four lanes, s + e += a y (fmsub is the exact a y - p
 * of the fma there), so the bits are the same. */
#define DOT2_STEP4(s, e, a, y)                                                   \
  do {                                                                           \
    __m256d a_ = (a), y_ = (y);                                                  \
    __m256d p_ = _mm256_mul_pd(a_, y_), pe_ = _mm256_fmsub_pd(a_, y_, p_);       \
    __m256d t_ = _mm256_add_pd(s, p_), z_ = _mm256_sub_pd(t_, s);                \
    __m256d err_ = _mm256_add_pd(_mm256_sub_pd(s, _mm256_sub_pd(t_, z_)),        \
                                 _mm256_sub_pd(p_, z_));                         \
    e = _mm256_add_pd(e, _mm256_add_pd(err_, pe_));                              \
    s = t_;                                                                      \
  } while (0)

/* Four sums at a time with AVX2. */
__attribute__((target("avx2,fma"))) static void
dot2_axpy_fma(double a, const double *restrict y, size_t n, double *restrict s,
              double *restrict e)
{
  __m256d va = _mm256_set1_pd(a);
  size_t c0 = n - n % 4;
  for (size_t c = 0; c < c0; c += 4) {
    __m256d vs = _mm256_loadu_pd(s + c), ve = _mm256_loadu_pd(e + c);
    DOT2_STEP4(vs, ve, va, _mm256_loadu_pd(y + c));
    _mm256_storeu_pd(e + c, ve);
    _mm256_storeu_pd(s + c, vs);
  }
  y += c0;
  s += c0;
  e += c0;
  n -= c0;
  DOT2_AXPY_BODY
}

ENG_INLINE void dot2_axpy(double a, const double *restrict y, size_t n, double *restrict s,
                      double *restrict e)
{
  if (cpu_has_fma())
    dot2_axpy_fma(a, y, n, s, e);
  else
    dot2_axpy_generic(a, y, n, s, e);
}
#else
#define dot2_axpy dot2_axpy_generic
#endif

#ifdef HAVE_FMA_CLONES
/* dot2_finish of four lanes, stored down column j of four rows of z (k apart). */
__attribute__((target("avx2,fma"))) static inline void
dot2_store4(__m256d s, __m256d e, double *z, size_t k)
{
  __m256d r = _mm256_add_pd(s, e);
  double v[4];
  _mm256_storeu_pd(v, _mm256_blendv_pd(r, s, _mm256_cmp_pd(r, r, _CMP_UNORD_Q)));
  for (int q = 0; q < 4; q++)
    z[q * k] = v[q];
}

/* z for four rows of x at once (d columns each; xt holds them column by column, four
 * to a column): lane q is the sum of row q, neuron j, advanced over c with the
 * operations of DOT2_AXPY_BODY in its order, so z is bit for bit the same. Two neurons
 * go side by side, so that two chains of additions overlap. */
__attribute__((target("avx2,fma"))) static void
dot2_rows4(const double *xt, size_t d, const double *w, const double *b, size_t k, double *z)
{
  size_t j = 0;
  for (; j + 2 <= k; j += 2) {
    const double *w0 = w + j * d, *w1 = w0 + d;
    __m256d s0 = _mm256_set1_pd(b != NULL ? b[j] : 0), e0 = _mm256_setzero_pd();
    __m256d s1 = _mm256_set1_pd(b != NULL ? b[j + 1] : 0), e1 = _mm256_setzero_pd();
    for (size_t c = 0; c < d; c++) {
      __m256d a = _mm256_loadu_pd(xt + 4 * c);
      DOT2_STEP4(s0, e0, a, _mm256_set1_pd(w0[c]));
      DOT2_STEP4(s1, e1, a, _mm256_set1_pd(w1[c]));
    }
    dot2_store4(s0, e0, z + j, k);
    dot2_store4(s1, e1, z + j + 1, k);
  }
  for (; j < k; j++) {
    const double *w0 = w + j * d;
    __m256d s0 = _mm256_set1_pd(b != NULL ? b[j] : 0), e0 = _mm256_setzero_pd();
    for (size_t c = 0; c < d; c++)
      DOT2_STEP4(s0, e0, _mm256_loadu_pd(xt + 4 * c), _mm256_set1_pd(w0[c]));
    dot2_store4(s0, e0, z + j, k);
  }
}
#endif

/* Ends n sums of dot2_axpy: s[c] = s[c] + e[c] (the plain sum where that overflowed). */
ENG_INLINE void dot2_finish(double *s, const double *e, size_t n)
{
  for (size_t c = 0; c < n; c++) {
    double r = s[c] + e[c];
    s[c] = isnan(r) ? s[c] : r;
  }
}

/* ================================================================ Checks */

ENG_INLINE int layer_check(const struct eng_layer *l)
{
  unsigned bad;
  if (l == NULL || l->x == NULL || l->w == NULL || l->act == NULL ||
      (l->act->nparams > 0 && l->p == NULL))
    return ENG_EINVAL;
  /* Every array (m d, m k, k d doubles) must be addressable in bytes. */
  if (l->m == 0 || l->d == 0 || l->k == 0 || l->m > SIZE_MAX / sizeof(double) / l->d ||
      l->m > SIZE_MAX / sizeof(double) / l->k || l->k > SIZE_MAX / sizeof(double) / l->d)
    return ENG_ESHAPE;
  if (eng_params_check(l->act, l->p, &bad) != ENG_OK)
    return ENG_EPARAM;
  return ENG_OK;
}

size_t eng_layer_width(const struct eng_layer *l)
{
  return eng_activation_width(l->act, l->k);
}

/* ================================================================ Forward */

ENG_KERNEL int eng_layer_forward(const struct eng_layer *l, double *z, double *a)
{
  struct eng_act_out out = {0};
  int rc = layer_check(l);
  if (rc != ENG_OK)
    return rc;
  if (z == NULL)
    return ENG_EINVAL;
  if (l->k < 4) {
    for (size_t i = 0; i < l->m; i++)
      for (size_t j = 0; j < l->k; j++)
        z[i * l->k + j] = dot2(l->x + i * l->d, 1, l->w + j * l->d, 1, l->d,
                               l->b != NULL ? l->b[j] : 0);
  } else {
    /* The k sums of a row advance together, term by term, over W transposed (d rows
     * of k): k independent chains instead of one at a time, each with the operations
     * of dot2 in its order, so z is bit for bit the same. */
    size_t m = l->m, d = l->d, k = l->k, i = 0;
    double *wt = malloc(d * (k > 4 ? k : 4) * sizeof *wt), *err = malloc(k * sizeof *err);
    if (wt == NULL || err == NULL) {
      free(wt);
      free(err);
      return ENG_ENOMEM;
    }
#ifdef HAVE_FMA_CLONES
    /* With AVX2, four rows at a time (their columns copied into wt first), each lane
     * one row; the rows left over as below. */
    if (cpu_has_fma())
      for (; i + 4 <= m; i += 4) {
        for (size_t c = 0; c < d; c++)
          for (size_t q = 0; q < 4; q++)
            wt[4 * c + q] = l->x[(i + q) * d + c];
        dot2_rows4(wt, d, l->w, l->b, k, z + i * k);
      }
#endif
    for (size_t j = 0; j < k; j++)
      for (size_t c = 0; c < d; c++)
        wt[c * k + j] = l->w[j * d + c];
    for (; i < m; i++) {
      double *zi = z + i * k;
      for (size_t j = 0; j < k; j++)
        zi[j] = l->b != NULL ? l->b[j] : 0;
      memset(err, 0, k * sizeof *err);
      for (size_t c = 0; c < d; c++)
        dot2_axpy(l->x[i * d + c], wt + c * k, k, zi, err);
      dot2_finish(zi, err, k);
    }
    free(wt);
    free(err);
  }
  if (a == NULL)
    return ENG_OK;
  out.y = a;
  return eng_activate(l->act, l->p, z, l->m * l->k, l->k, &out);
}

/* =================================================== Sigmoid cross-entropy */

/* Binary cross-entropy of a = sigmoid(u), u = alpha z, from z:
 *   L = r softplus(-u) + (1 - r) softplus(u),  dL/dz = alpha (sigmoid(u) - r),
 * with softplus(-|u|) = log1p(exp(-|u|)) and softplus(|u|) = |u| + softplus(-|u|), so
 * no log(0) and no overflow at any z. u is exact in two words u + v, and the second
 * word enters to first order: softplus(u + v) = softplus(u) + sigmoid(u) v. Near
 * sigmoid(u) = 1 the gradient is (1 - r) - sigmoid(-u), avoiding the cancellation of
 * sigmoid(u) - 1; for a fractional r, sigmoid(-|u|) is recomputed in double-double.
 * Per sample the loss sums over the k neurons; a class index c stands for the one-hot
 * row (r_c = 1, the other neurons 0). */
ENG_INLINE int sigmoid_ce(const struct eng_layer *l, const double *z,
                      const struct eng_targets *t, enum eng_reduction red,
                      struct eng_backward_out *o, size_t *bad)
{
  size_t m = l->m, k = l->k;
  double alpha = l->p[0], scale = red == ENG_REDUCE_MEAN ? (double)m : 1;
  struct dd total = dd_of(0);

  if (t->cls != NULL) {
    for (size_t i = 0; i < m; i++) {
      double c = t->cls[i];
      if (!(c >= 0 && c <= (double)(k - 1) && c == floor(c))) {
        *bad = i;
        return ENG_ETARGET;
      }
    }
  } else {
    for (size_t q = 0; q < m * k; q++)
      if (!(t->r[q] >= 0 && t->r[q] <= 1)) {
        *bad = q;
        return ENG_ETARGET;
      }
  }

  for (size_t i = 0; i < m; i++) {
    struct dd li = dd_of(0);
    for (size_t j = 0; j < k; j++) {
      size_t q = i * k + j;
      double r = t->r != NULL ? t->r[q] : (size_t)t->cls[i] == j ? 1 : 0;
      struct dd u = two_prod(alpha, z[q]);
      struct dd omr = two_sum(1, -r);
      double au = fabs(u.hi);
      double e = exp(-au);                                /* in (0, 1] */
      double l0 = log1p(e);                               /* softplus(-|u|) */
      struct dd sm = dd_div(dd_of(e), two_sum(1, e));     /* sigmoid(-|u|) */
      double sb = 1 - sm.hi;                              /* sigmoid(|u|), >= 1/2 */
      struct dd sp_pos, sp_neg, g;                        /* softplus(u), softplus(-u) */
      if (u.hi >= 0) {
        sp_neg = two_sum(l0, -sm.hi * u.lo);
        sp_pos = dd_add_d(two_sum(u.hi, l0), sb * u.lo);
        /* sigmoid(u) - r = (1 - r) - sigmoid(-u) */
        g = dd_add_d(dd_add_d(omr, -sm.hi), -sm.lo + sm.hi * sb * u.lo);
      } else {
        sp_pos = two_sum(l0, sm.hi * u.lo);
        sp_neg = dd_add_d(two_sum(-u.hi, l0), -sb * u.lo);
        g = dd_add_d(dd_add_d(sm, -r), sm.hi * sb * u.lo);
      }
      if (r != 0 && r != 1) {
        /* A fractional r can match sigmoid(u) to many digits; then sigmoid(-|u|) is
         * needed beyond libm's exp: exp(-|u|) in double-double, u's second word
         * included exactly. */
        struct dd nu = u.hi >= 0 ? (struct dd){-u.hi, -u.lo} : u;
        struct dd ee = dd_exp(nu);
        sm = dd_div(ee, dd_add_d(ee, 1));
        g = u.hi >= 0 ? dd_add(omr, (struct dd){-sm.hi, -sm.lo}) : dd_add_d(sm, -r);
      }
      if (r > 0)
        li = dd_add(li, r == 1 ? sp_neg : dd_mul_d(sp_neg, r));
      if (r < 1)
        li = dd_add(li, dd_add(dd_mul_d(sp_pos, omr.hi), dd_mul_d(sp_pos, omr.lo)));
      g = dd_mul_d(g, alpha);
      o->grad_z[q] = scale == 1 ? g.hi : dd_div_d(g, scale).hi;
    }
    if (o->losses != NULL)
      o->losses[i] = li.hi;
    total = dd_add(total, li);
  }
  if (o->loss != NULL)
    *o->loss = scale == 1 ? total.hi : dd_div_d(total, scale).hi;
  return ENG_OK;
}

/* =============================================================== Backward */

/* grad_z from the loss and targets; ENG_ELOSS where the loss does not apply. */
ENG_INLINE int grad_z_from_loss(const struct eng_layer *l, const double *z, const double *a,
                            enum eng_loss loss, const struct eng_targets *t,
                            enum eng_reduction red, struct eng_backward_out *o, size_t *bad)
{
  size_t m = l->m, k = l->k, w = eng_layer_width(l);
  const struct eng_activation *act = l->act;
  double *ga;
  struct eng_act_out out = {0};
  int rc;

  if (t == NULL || (t->r == NULL) == (t->cls == NULL))
    return ENG_EINVAL;
  switch (loss) {
  case ENG_LOSS_SQUARED:
  case ENG_LOSS_MSE:
    /* dL/da = a - r, or 2 (a - r) / K (over m for MEAN), then back through f. */
    if (a == NULL)
      return ENG_EINVAL;
    ga = malloc(m * w * sizeof *ga);
    if (ga == NULL)
      return ENG_ENOMEM;
    rc = eng_loss_eval(loss, a, m, w, t, red, o->losses, o->loss, ga, NULL, bad);
    if (rc == ENG_OK) {
      out.grad_y = ga;
      out.grad_x = o->grad_z;
      rc = eng_activate(act, l->p, z, m * k, k, &out);
    }
    free(ga);
    return rc;
  case ENG_LOSS_CROSS_ENTROPY:
    if (act->kind == ENG_ELEMENTWISE && act->ew == eng__sigmoid_ew)
      return sigmoid_ce(l, z, t, red, o, bad);
    if (act->kind == ENG_VECTOR && act->vfwd == eng__softmax_fwd) {
      /* L = -sum r ln softmax(z) = softmax cross-entropy on the logits z. With a
       * one-hot target row, grad_z_j = softmax(z)_j / M for every j but the class: the
       * correctly rounded a_j scaled, rather than the loss's own quotient (within an
       * ULP of it), so that grad_z = softmax(z) - r holds digit for digit beside a.
       * Exact when M is a power of two (1, for one sample, included) and the quotient
       * is normal. */
      return eng__loss_eval(ENG_LOSS_SOFTMAX_CROSS_ENTROPY, z, m, k, t, red, o->losses,
                            o->loss, o->grad_z, NULL, a, bad);
    }
    return ENG_ELOSS;
  case ENG_LOSS_BINARY_CROSS_ENTROPY:
  case ENG_LOSS_SOFTMAX_CROSS_ENTROPY:
  case ENG_LOSS__COUNT:
    break;
  }
  return ENG_ELOSS;
}

ENG_KERNEL int eng_layer_backward(const struct eng_layer *l, const double *z, const double *a,
                       const double *grad_a, enum eng_loss loss,
                       const struct eng_targets *t, enum eng_reduction red,
                       struct eng_backward_out *o, size_t *bad)
{
  size_t bad_local = 0, m, k;
  int rc = layer_check(l);

  if (rc != ENG_OK)
    return rc;
  if (z == NULL || o == NULL || o->grad_z == NULL ||
      (red != ENG_REDUCE_MEAN && red != ENG_REDUCE_SUM))
    return ENG_EINVAL;
  if (bad == NULL)
    bad = &bad_local;
  m = l->m;
  k = l->k;

  if (grad_a != NULL) {
    /* grad_z = f'(z) grad_a element-wise, or the vector-Jacobian product J^T grad_a. */
    struct eng_act_out out = {0};
    out.grad_y = grad_a;
    out.grad_x = o->grad_z;
    rc = eng_activate(l->act, l->p, z, m * k, k, &out);
  } else {
    rc = grad_z_from_loss(l, z, a, loss, t, red, o, bad);
  }
  if (rc != ENG_OK)
    return rc;

  if (o->grad_w != NULL || o->grad_b != NULL) {
    rc = eng_layer_grad_params(l, o->grad_z, o->grad_w, o->grad_b, 0, k);
    if (rc != ENG_OK)
      return rc;
  }
  if (o->grad_x != NULL)
    return eng_layer_grad_x(l, o->grad_z, o->grad_x, 0, m);
  return ENG_OK;
}

ENG_KERNEL int eng_layer_grad_params(const struct eng_layer *l, const double *grad_z,
                                     double *grad_w, double *grad_b, size_t j0, size_t j1)
{
  int rc = layer_check(l);
  size_t m, d, k;

  if (rc != ENG_OK)
    return rc;
  m = l->m;
  d = l->d;
  k = l->k;
  if (grad_z == NULL || j0 > j1 || j1 > k)
    return ENG_EINVAL;
  /* grad_W[j][c] = sum_i grad_z[i][j] x[i][c], accumulated a row of x at a time, in
   * row-wise Dot2 sums whose second words live in err */
  if (grad_w != NULL && j1 > j0) {
    double *err = calloc((j1 - j0) * d, sizeof *err);
    if (err == NULL)
      return ENG_ENOMEM;
    memset(grad_w + j0 * d, 0, (j1 - j0) * d * sizeof *grad_w);
    for (size_t i = 0; i < m; i++)
      for (size_t j = j0; j < j1; j++)
        dot2_axpy(grad_z[i * k + j], l->x + i * d, d, grad_w + j * d, err + (j - j0) * d);
    dot2_finish(grad_w + j0 * d, err, (j1 - j0) * d);
    free(err);
  }
  /* grad_b[j] = sum_i grad_z[i][j] */
  if (grad_b != NULL) {
    static const double one = 1;
    for (size_t j = j0; j < j1; j++)
      grad_b[j] = dot2(grad_z + j, k, &one, 0, m, 0);
  }
  return ENG_OK;
}

ENG_KERNEL int eng_layer_grad_x(const struct eng_layer *l, const double *grad_z,
                                double *grad_x, size_t i0, size_t i1)
{
  int rc = layer_check(l);
  size_t d, k;
  double *err;

  if (rc != ENG_OK)
    return rc;
  d = l->d;
  k = l->k;
  if (grad_z == NULL || grad_x == NULL || i0 > i1 || i1 > l->m)
    return ENG_EINVAL;
  err = malloc(d * sizeof *err);
  if (err == NULL)
    return ENG_ENOMEM;
  /* grad_x[i][c] = sum_j grad_z[i][j] W[j][c], a row of W at a time */
  for (size_t i = i0; i < i1; i++) {
    double *gx = grad_x + i * d;
    memset(gx, 0, d * sizeof *gx);
    memset(err, 0, d * sizeof *err);
    for (size_t j = 0; j < k; j++)
      dot2_axpy(grad_z[i * k + j], l->w + j * d, d, gx, err);
    dot2_finish(gx, err, d);
  }
  free(err);
  return ENG_OK;
}

/* ===================================================================== SGD */

/* out = w - eta g, rounded once (fma). */
ENG_KERNEL void eng_sgd_step(const double *w, const double *g, size_t n, double eta, double *out)
{
  for (size_t i = 0; i < n; i++)
    out[i] = fma(-eta, g[i], w[i]);
}
