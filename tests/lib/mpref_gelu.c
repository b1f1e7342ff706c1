/*
 * mpref_gelu.c: MPFR references for the gelu family of activations (mpref.h).
 */
#include "mpref.h"

const struct mpref mpref_gelu[] = {
  {.name = NULL},
};
