/*
 * exec.h: the engine's work on a large request, split across the pool's threads
 * (par.h). Every split keeps each sum whole and in its order, so the results are bit
 * for bit those of one engine call. Below the service, above the engine: no HTTP or
 * JSON here.
 */
#ifndef NEUROND_EXEC_EXEC_H
#define NEUROND_EXEC_EXEC_H

#include <stddef.h>

#include "engine.h"

/* eng_activate over n inputs (rows of k for a vector function, whose outputs are w
 * per row), cut by elements (element-wise) or rows (vector) when the request is large. */
int exec_activate(const struct eng_activation *a, const double *p, const double *x, size_t n,
                  size_t k, size_t w, const struct eng_act_out *o);

/* eng_layer_forward, cut by samples when the layer is large. */
int exec_layer_forward(const struct eng_layer *l, double *z, double *a);

/* eng_layer_backward; when the layer is large, grad_z (and the loss) in one call, then
 * the sums after it cut by neurons (grad_W, grad_b) and by samples (grad_x). */
int exec_layer_backward(const struct eng_layer *l, const double *z, const double *a,
                        const double *grad_a, enum eng_loss loss, const struct eng_targets *t,
                        enum eng_reduction red, struct eng_backward_out *o, size_t *bad);

#endif /* NEUROND_EXEC_EXEC_H */
