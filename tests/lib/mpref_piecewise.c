/*
 * mpref_piecewise.c: MPFR references for the piecewise family of activations (mpref.h).
 */
#include "mpref.h"

const struct mpref mpref_piecewise[] = {
  {.name = NULL},
};
