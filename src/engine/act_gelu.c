/*
 * act_gelu.c: GELU and mish.
 * Placeholder kernels: every output is NaN until implemented. No HTTP or JSON here.
 */
#include <math.h>

#include "internal.h"

void eng__gelu_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__mish_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

