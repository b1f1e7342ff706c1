/*
 * act_vector.c: activations of a whole row.
 * Placeholder kernels: outputs are NaN until implemented. No HTTP or JSON here.
 */
#include <math.h>

#include "internal.h"

void eng__softmax_fwd(const double *x, size_t k, const double *p, double *y, size_t *argmax,
                   double *work)
{
  (void)x;
  (void)p;
  (void)work;
  *argmax = 0;
  for (size_t i = 0; i < k; i++)
    y[i] = NAN;
}

void eng__softmax_vjp(const double *x, const double *y, size_t k, const double *p,
                   const double *gy, double *gx, double *work)
{
  (void)x;
  (void)y;
  (void)p;
  (void)gy;
  (void)work;
  for (size_t i = 0; i < k; i++)
    gx[i] = NAN;
}

void eng__softmax_jac(const double *x, const double *y, size_t k, const double *p, double *jac,
                   double *work)
{
  (void)x;
  (void)y;
  (void)p;
  (void)work;
  for (size_t i = 0; i < k * k; i++)
    jac[i] = NAN;
}

void eng__log_softmax_fwd(const double *x, size_t k, const double *p, double *y, size_t *argmax,
                   double *work)
{
  (void)x;
  (void)p;
  (void)work;
  *argmax = 0;
  for (size_t i = 0; i < k; i++)
    y[i] = NAN;
}

void eng__log_softmax_vjp(const double *x, const double *y, size_t k, const double *p,
                   const double *gy, double *gx, double *work)
{
  (void)x;
  (void)y;
  (void)p;
  (void)gy;
  (void)work;
  for (size_t i = 0; i < k; i++)
    gx[i] = NAN;
}

void eng__log_softmax_jac(const double *x, const double *y, size_t k, const double *p, double *jac,
                   double *work)
{
  (void)x;
  (void)y;
  (void)p;
  (void)work;
  for (size_t i = 0; i < k * k; i++)
    jac[i] = NAN;
}

void eng__softmin_fwd(const double *x, size_t k, const double *p, double *y, size_t *argmax,
                   double *work)
{
  (void)x;
  (void)p;
  (void)work;
  *argmax = 0;
  for (size_t i = 0; i < k; i++)
    y[i] = NAN;
}

void eng__softmin_vjp(const double *x, const double *y, size_t k, const double *p,
                   const double *gy, double *gx, double *work)
{
  (void)x;
  (void)y;
  (void)p;
  (void)gy;
  (void)work;
  for (size_t i = 0; i < k; i++)
    gx[i] = NAN;
}

void eng__softmin_jac(const double *x, const double *y, size_t k, const double *p, double *jac,
                   double *work)
{
  (void)x;
  (void)y;
  (void)p;
  (void)work;
  for (size_t i = 0; i < k * k; i++)
    jac[i] = NAN;
}

void eng__sparsemax_fwd(const double *x, size_t k, const double *p, double *y, size_t *argmax,
                   double *work)
{
  (void)x;
  (void)p;
  (void)work;
  *argmax = 0;
  for (size_t i = 0; i < k; i++)
    y[i] = NAN;
}

void eng__sparsemax_vjp(const double *x, const double *y, size_t k, const double *p,
                   const double *gy, double *gx, double *work)
{
  (void)x;
  (void)y;
  (void)p;
  (void)gy;
  (void)work;
  for (size_t i = 0; i < k; i++)
    gx[i] = NAN;
}

void eng__sparsemax_jac(const double *x, const double *y, size_t k, const double *p, double *jac,
                   double *work)
{
  (void)x;
  (void)y;
  (void)p;
  (void)work;
  for (size_t i = 0; i < k * k; i++)
    jac[i] = NAN;
}

void eng__maxout_fwd(const double *x, size_t k, const double *p, double *y, size_t *argmax,
                   double *work)
{
  (void)k;
  (void)x;
  (void)p;
  (void)work;
  *argmax = 0;
  y[0] = NAN;
}

void eng__maxout_vjp(const double *x, const double *y, size_t k, const double *p,
                   const double *gy, double *gx, double *work)
{
  (void)x;
  (void)y;
  (void)p;
  (void)gy;
  (void)work;
  for (size_t i = 0; i < k; i++)
    gx[i] = NAN;
}

void eng__maxout_jac(const double *x, const double *y, size_t k, const double *p, double *jac,
                   double *work)
{
  (void)x;
  (void)y;
  (void)p;
  (void)work;
  for (size_t i = 0; i < k; i++)
    jac[i] = NAN;
}

void eng__hardmax_fwd(const double *x, size_t k, const double *p, double *y, size_t *argmax,
                   double *work)
{
  (void)x;
  (void)p;
  (void)work;
  *argmax = 0;
  for (size_t i = 0; i < k; i++)
    y[i] = NAN;
}

void eng__hardmax_vjp(const double *x, const double *y, size_t k, const double *p,
                   const double *gy, double *gx, double *work)
{
  (void)x;
  (void)y;
  (void)p;
  (void)gy;
  (void)work;
  for (size_t i = 0; i < k; i++)
    gx[i] = NAN;
}

void eng__hardmax_jac(const double *x, const double *y, size_t k, const double *p, double *jac,
                   double *work)
{
  (void)x;
  (void)y;
  (void)p;
  (void)work;
  for (size_t i = 0; i < k * k; i++)
    jac[i] = NAN;
}

