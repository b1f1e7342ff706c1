/*
 * mpref_elu.c: MPFR references for the elu family of activations (mpref.h).
 */
#include "mpref.h"

const struct mpref mpref_elu[] = {
  {.name = NULL},
};
