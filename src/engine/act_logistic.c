/*
 * act_logistic.c: the logistic family.
 * Placeholder kernels: every output is NaN until implemented. No HTTP or JSON here.
 */
#include <math.h>

#include "internal.h"

void eng__sigmoid_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__tanh_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__log_sigmoid_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__softplus_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__swish_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__tanhshrink_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__squareplus_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

