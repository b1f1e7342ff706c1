/*
 * h_neuron.h: the typed request of POST /neuron/forward and /neuron/backward, and the
 * computation behind them, shared by the fronts that take a dense layer (our JSON, the
 * inference protocol's model "dense").
 *
 * weights: d numbers (one neuron) or K rows of d (a layer); bias: a number or K numbers
 * (default 0); x: one sample of d numbers or M rows. z and a are shaped like the batch
 * (nothing for one sample, [M] for a batch), then [K] for a layer; an activation that
 * reduces the row (maxout) gives one a per sample.
 */
#ifndef NEUROND_SERVICE_H_NEURON_H
#define NEUROND_SERVICE_H_NEURON_H

#include "engine.h"
#include "service/outs.h"
#include "service/request.h"

struct neuron_req {
  struct req_head head;
  struct tensor_in w, b, x;
  const struct eng_activation *act;
  double p[ENG_MAX_PARAMS];
  struct tensor_in grad_a, targets;
  int loss;                 /* an eng_loss, or -1 when absent */
  int reduction;            /* an eng_reduction */
  double lr;
  int has_lr;               /* learning_rate was given */
  int has_grad_a, has_targets;
  unsigned outputs;         /* backward: bits of neuron_output_names to answer */

  /* Resolved once the fields are read. */
  int layer;                /* weights is K x d */
  int batch;                /* x is M x d */
  struct eng_layer l;
  struct shape zshape, ashape, bshape;
  struct eng_targets t;     /* from targets */
};

/* What a backward pass computes. */
struct neuron_result {
  double *z, *a;
  struct eng_backward_out o;
  double loss;
  double *new_w, *new_b;    /* after one SGD step, when learning_rate is given */
};

/* The outputs /neuron/backward may be asked for (bit i for name i). */
extern const char *const neuron_output_names[];

/* The fields of each route. */
extern const struct field neuron_forward_fields[];
extern const struct field neuron_backward_fields[];

/* The checks of weights, bias (a zero bias when bias_given is 0) and x, done by the
 * fields' hooks on our JSON route, for a front that fills the request itself. */
int neuron_check_inputs(struct hctx *c, struct neuron_req *r, int bias_given);

/* Checks that the fields fit together and fills the resolved part of r (after its
 * fields are decoded); backward also checks grad_a or targets with a loss. */
int neuron_resolve(struct hctx *c, struct neuron_req *r, int backward);
/* Forward (z, a) and, when backward, the gradients and the step. */
int neuron_compute(struct hctx *c, struct neuron_req *r, int backward,
                   struct neuron_result *res);

/* Lists the answer: activation, params, z, a, and when backward loss, grad_z,
 * grad_weights, grad_bias, grad_x and updated {weights, bias}. */
void neuron_outs(const struct neuron_req *r, const struct neuron_result *res, int backward,
                 struct outs *l);

/* Shared with the network routes, whose last layer ends in the same losses. */

/* Reads targets for a layer whose a is shaped ashape and z zshape, over m samples:
 * values shaped like a, or (cross_entropy on a layer, classes_ok) one class index per
 * sample. 422 at /targets otherwise. */
int layer_targets(struct hctx *c, enum eng_loss loss, const struct tensor_in *targets,
                  const struct shape *ashape, const struct shape *zshape, size_t m,
                  int classes_ok, struct eng_targets *t);
/* The problem for an engine status of eng_layer_backward (0 for ENG_OK): the loss that
 * does not fit act, the target out of range (pointing at it), out of memory. */
int layer_backward_problem(struct hctx *c, int rc, const struct eng_activation *act,
                           const struct tensor_in *targets, const struct eng_targets *t,
                           size_t bad);

#endif /* NEUROND_SERVICE_H_NEURON_H */
