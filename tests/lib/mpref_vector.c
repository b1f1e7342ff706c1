/*
 * mpref_vector.c: MPFR references for the vector activations (softmax, log_softmax,
 * softmin, sparsemax, maxout, hardmax), written from their definitions: y and the
 * Jacobian of one row. Read by tests/check_vector.c and tests/gen/hard_gen.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mpref.h"

void mpref_row(const char *name, const double *x, size_t k, mpfr_t *y, mpfr_t *J)
{
  mpfr_t m, s, t;
  mpfr_prec_t prec = mpfr_get_prec(y[0]) > MPREF_ROW_PREC ? mpfr_get_prec(y[0]) : MPREF_ROW_PREC;
  mpfr_inits2(prec, m, s, t, (mpfr_ptr)0);
  if (strcmp(name, "softmax") == 0 || strcmp(name, "softmin") == 0 ||
      strcmp(name, "log_softmax") == 0) {
    double sg = strcmp(name, "softmin") == 0 ? -1 : 1, mx = -INFINITY;
    for (size_t i = 0; i < k; i++)
      mx = fmax(mx, sg * x[i]);
    mpfr_set_ui(s, 0, MPFR_RNDN);
    for (size_t i = 0; i < k; i++) {
      mpfr_set_d(t, sg * x[i], MPFR_RNDN);
      mpfr_sub_d(t, t, mx, MPFR_RNDN);
      mpfr_exp(y[i], t, MPFR_RNDN);
      mpfr_add(s, s, y[i], MPFR_RNDN);
    }
    for (size_t i = 0; i < k; i++)
      mpfr_div(y[i], y[i], s, MPFR_RNDN); /* the softmax of sg x */
    for (size_t i = 0; i < k; i++)
      for (size_t j = 0; j < k; j++) {
        mpfr_ptr e = J[i * k + j];
        if (strcmp(name, "log_softmax") == 0) {
          mpfr_neg(e, y[j], MPFR_RNDN);
          if (i == j)
            mpfr_add_ui(e, e, 1, MPFR_RNDN);
        } else {
          mpfr_neg(e, y[j], MPFR_RNDN);
          if (i == j)
            mpfr_add_ui(e, e, 1, MPFR_RNDN);
          mpfr_mul(e, e, y[i], MPFR_RNDN);
          if (sg < 0)
            mpfr_neg(e, e, MPFR_RNDN);
        }
      }
    if (strcmp(name, "log_softmax") == 0) {
      mpfr_log(s, s, MPFR_RNDN);
      for (size_t i = 0; i < k; i++) {
        mpfr_set_d(t, x[i], MPFR_RNDN);
        mpfr_sub_d(t, t, mx, MPFR_RNDN);
        mpfr_sub(y[i], t, s, MPFR_RNDN);
      }
    }
  } else if (strcmp(name, "sparsemax") == 0) {
    double *z = malloc(k * sizeof *z);
    size_t sup = 0;
    memcpy(z, x, k * sizeof *z);
    for (size_t i = 1; i < k; i++) /* insertion sort, decreasing */
      for (size_t j = i; j > 0 && z[j] > z[j - 1]; j--) {
        double tmp = z[j];
        z[j] = z[j - 1];
        z[j - 1] = tmp;
      }
    mpfr_set_ui(s, 0, MPFR_RNDN);
    for (size_t r = 1; r <= k; r++) {
      mpfr_add_d(s, s, z[r - 1], MPFR_RNDN);
      mpfr_sub_ui(t, s, 1, MPFR_RNDN);
      mpfr_div_ui(t, t, (unsigned long)r, MPFR_RNDN);
      if (mpfr_cmp_d(t, z[r - 1]) < 0) { /* z_r > (sum - 1) / r */
        sup = r;
        mpfr_set(m, t, MPFR_RNDN); /* tau */
      }
    }
    for (size_t i = 0; i < k; i++) {
      mpfr_set_d(t, x[i], MPFR_RNDN);
      mpfr_sub(y[i], t, m, MPFR_RNDN);
      if (mpfr_sgn(y[i]) < 0)
        mpfr_set_ui(y[i], 0, MPFR_RNDN);
    }
    (void)sup;
    {
      size_t n = 0;
      for (size_t i = 0; i < k; i++)
        n += mpfr_sgn(y[i]) > 0;
      for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
          mpfr_ptr e = J[i * k + j];
          mpfr_set_ui(e, 0, MPFR_RNDN);
          if (mpfr_sgn(y[i]) > 0 && mpfr_sgn(y[j]) > 0) {
            mpfr_set_si(e, -1, MPFR_RNDN);
            mpfr_div_ui(e, e, (unsigned long)n, MPFR_RNDN);
            if (i == j)
              mpfr_add_ui(e, e, 1, MPFR_RNDN);
          }
        }
    }
    free(z);
  } else { /* maxout (one output) and hardmax: first maximum */
    int maxout = strcmp(name, "maxout") == 0;
    size_t am = 0, w = maxout ? 1 : k;
    for (size_t i = 1; i < k; i++)
      if (x[i] > x[am])
        am = i;
    for (size_t i = 0; i < w; i++)
      for (size_t j = 0; j < k; j++)
        mpfr_set_ui(J[i * k + j], maxout && j == am ? 1 : 0, MPFR_RNDN);
    if (maxout)
      mpfr_set_d(y[0], x[am], MPFR_RNDN);
    else
      for (size_t i = 0; i < k; i++)
        mpfr_set_ui(y[i], i == am ? 1 : 0, MPFR_RNDN);
  }
  mpfr_clears(m, s, t, (mpfr_ptr)0);
}
