/*
 * act_elu.c: the exponential linear units.
 * Placeholder kernels: every output is NaN until implemented. No HTTP or JSON here.
 */
#include <math.h>

#include "internal.h"

void eng__elu_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__selu_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__celu_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

