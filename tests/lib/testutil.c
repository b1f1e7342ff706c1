/*
 * testutil.c: helpers shared by the Check suites.
 */
#include <math.h>
#include <string.h>

#include "testutil.h"

/* Maps a double to an integer that is monotonic in its value: negative doubles
 * are mirrored below zero, so adjacent doubles differ by one. */
static int64_t ordered(double v)
{
  int64_t i;
  memcpy(&i, &v, sizeof i);
  return i < 0 ? INT64_MIN - i : i;
}

uint64_t ulp_distance(double a, double b)
{
  int64_t ia, ib;
  if (isnan(a) || isnan(b))
    return isnan(a) && isnan(b) ? 0 : UINT64_MAX;
  ia = ordered(a);
  ib = ordered(b);
  return ia > ib ? (uint64_t)ia - (uint64_t)ib : (uint64_t)ib - (uint64_t)ia;
}
