/*
 * neuron.c: a dense layer forward and backward, and the SGD step.
 * Placeholder until implemented. No HTTP or JSON here.
 */
#include "internal.h"

size_t eng_layer_width(const struct eng_layer *l)
{
  return eng_activation_width(l->act, l->k);
}

int eng_layer_forward(const struct eng_layer *l, double *z, double *a)
{
  (void)l;
  (void)z;
  (void)a;
  return ENG_EINVAL;
}

int eng_layer_backward(const struct eng_layer *l, const double *z, const double *a,
                       const double *grad_a, enum eng_loss loss,
                       const struct eng_targets *t, enum eng_reduction red,
                       struct eng_backward_out *o, size_t *bad)
{
  (void)l, (void)z, (void)a, (void)grad_a, (void)loss, (void)t, (void)red, (void)o;
  (void)bad;
  return ENG_EINVAL;
}

void eng_sgd_step(const double *w, const double *g, size_t n, double eta, double *out)
{
  for (size_t i = 0; i < n; i++)
    out[i] = w[i] - eta * g[i];
}
