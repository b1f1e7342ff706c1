/*
 * stats.c: statistics of arrays and of a dense layer, for watching a network learn: the
 * Euclidean (Frobenius) norm, the mean and the standard deviation, the mean of |f'(z)|
 * and the share of entries where f'(z) = 0. Every sum is carried in double-double, and
 * arrays are scaled by a power of two before squaring, so that nothing overflows or
 * underflows on the way and each result is within a few ULP of the exact value. No
 * HTTP or JSON here.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "dd.h"
#include "internal.h"

/* sqrt(s) for a double-double s >= 0, to about 1 ULP: r = sqrt(hi), then one Newton
 * step on the exact residual s - r^2 (the fma gives hi - r^2 exactly). */
static double dd_sqrt(struct dd s)
{
  double r;
  if (!(s.hi > 0))
    return 0;
  r = sqrt(s.hi);
  return r + (fma(-r, r, s.hi) + s.lo) / (2 * r);
}

/* The power of two 2^e with max |v| 2^-e in [1, 2) (e = 0 when every v is 0). */
static int scale_exp(const double *v, size_t n, double shift)
{
  double big = 0;
  for (size_t i = 0; i < n; i++) {
    double t = fabs(v[i] - shift);
    if (t > big)
      big = t;
  }
  return big > 0 && isfinite(big) ? ilogb(big) : 0;
}

double eng_norm2(const double *v, size_t n)
{
  int e = scale_exp(v, n, 0);
  struct dd s = dd_of(0);
  for (size_t i = 0; i < n; i++) {
    double t = ldexp(v[i], -e); /* exact but where the square is far below the largest */
    s = dd_add(s, two_prod(t, t));
  }
  return ldexp(dd_sqrt(s), e);
}

/* The mean of n doubles in double-double. */
static struct dd mean_dd(const double *v, size_t n)
{
  struct dd s = dd_of(0);
  for (size_t i = 0; i < n; i++)
    s = dd_add_d(s, v[i]);
  return dd_div_d(s, (double)n);
}

void eng_mean_std(const double *v, size_t n, double *mean, double *std)
{
  struct dd m, s = dd_of(0);
  int e;

  if (n == 0) {
    *mean = *std = 0;
    return;
  }
  m = mean_dd(v, n);
  e = scale_exp(v, n, m.hi);
  /* sum of (v - m)^2 with v - m in two words, scaled by 2^-e */
  for (size_t i = 0; i < n; i++) {
    struct dd d = dd_add_d(two_sum(v[i], -m.hi), -m.lo);
    d.hi = ldexp(d.hi, -e);
    d.lo = ldexp(d.lo, -e);
    s = dd_add(s, dd_mul(d, d));
  }
  *mean = m.hi;
  *std = ldexp(dd_sqrt(dd_div_d(s, (double)n)), e);
}

int eng_layer_stats(const struct eng_layer *l, const double *z, const double *a,
                    const double *grad_z, const double *grad_w, struct eng_layer_stats *st)
{
  size_t nz, na;
  if (l == NULL || z == NULL || a == NULL || st == NULL || l->act == NULL)
    return ENG_EINVAL;
  nz = l->m * l->k;
  na = l->m * eng_layer_width(l);
  eng_mean_std(a, na, &st->a_mean, &st->a_std);
  st->has_dadz = l->act->kind == ENG_ELEMENTWISE;
  st->dadz_mean_abs = st->dead_fraction = 0;
  if (st->has_dadz) {
    /* f'(z) once for the layer: the one scratch block of this call */
    double *dy = malloc(nz * sizeof *dy);
    struct eng_act_out out = {0};
    struct dd s = dd_of(0);
    size_t dead = 0;
    int rc;
    if (dy == NULL)
      return ENG_ENOMEM;
    out.dy = dy;
    rc = eng_activate(l->act, l->p, z, nz, l->k, &out);
    if (rc != ENG_OK) {
      free(dy);
      return rc;
    }
    for (size_t i = 0; i < nz; i++) {
      s = dd_add_d(s, fabs(dy[i]));
      dead += dy[i] == 0;
    }
    free(dy);
    st->dadz_mean_abs = dd_div_d(s, (double)nz).hi;
    st->dead_fraction = (double)dead / (double)nz;
  }
  st->grad_z_norm = grad_z != NULL ? eng_norm2(grad_z, nz) : 0;
  st->grad_weights_norm = grad_w != NULL ? eng_norm2(grad_w, l->k * l->d) : 0;
  return ENG_OK;
}

/* end of stats.c */
