/*
 * loss.c: losses and their gradients. Placeholder until implemented.
 * No HTTP or JSON here.
 */
#include <string.h>

#include "internal.h"

static const char *const loss_names[] = {
#define LOSS_NAME(id, name) name,
  ENG_LOSS_MAP(LOSS_NAME)
#undef LOSS_NAME
};

const char *eng_loss_name(enum eng_loss l)
{
  return (unsigned)l < ENG_LOSS__COUNT ? loss_names[l] : NULL;
}

int eng_loss_lookup(const char *name)
{
  for (int i = 0; i < ENG_LOSS__COUNT; i++)
    if (strcmp(loss_names[i], name) == 0)
      return i;
  return -1;
}

int eng_loss_eval(enum eng_loss l, const double *input, size_t m, size_t k,
                  const struct eng_targets *t, enum eng_reduction red, double *losses,
                  double *loss, double *grad, double *prob, size_t *bad)
{
  (void)l, (void)input, (void)m, (void)k, (void)t, (void)red, (void)losses, (void)loss;
  (void)grad, (void)prob, (void)bad;
  return ENG_EINVAL;
}
