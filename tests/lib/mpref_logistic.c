/*
 * mpref_logistic.c: MPFR references for the logistic family of activations (mpref.h).
 */
#include "mpref.h"

const struct mpref mpref_logistic[] = {
  {.name = NULL},
};
