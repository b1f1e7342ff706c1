/*
 * act_piecewise.c: piecewise-linear and rational activations.
 * Placeholder kernels: every output is NaN until implemented. No HTTP or JSON here.
 */
#include <math.h>

#include "internal.h"

void eng__identity_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__step_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__hard_sigmoid_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__hard_tanh_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__relu_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__relu6_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__leaky_relu_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__rrelu_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__hard_swish_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__hardshrink_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__softshrink_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__threshold_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__thresholded_relu_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

void eng__softsign_ew(double x, const double *p, unsigned want, double *out)
{
  (void)x;
  (void)p;
  for (unsigned i = 0; i < ENG_OUT__COUNT; i++)
    if (want != 0)
      out[i] = NAN;
}

