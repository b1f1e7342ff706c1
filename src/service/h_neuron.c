/*
 * h_neuron.c: POST /neuron/forward and POST /neuron/backward: z = x W^T + b, a = f(z),
 * and the gradients back from grad_a or from targets with a loss, with an optional SGD
 * step (h_neuron.h).
 */
#include <float.h>
#include <stddef.h>
#include <string.h>

#include "exec/exec.h"
#include "service/h_neuron.h"
#include "service/routes.h"

static const char *const reductions[] = {"mean", "sum", NULL}; /* enum eng_reduction */

const char *const neuron_output_names[] = {"z", "a", "loss", "grad_z", "grad_weights",
                                           "grad_bias", "grad_x", "updated", NULL};
enum { OUT_Z, OUT_A, OUT_LOSS, OUT_GRAD_Z, OUT_GRAD_W, OUT_GRAD_B, OUT_GRAD_X, OUT_UPDATED };

static int check_weights(struct hctx *c, struct req_head *h, const cJSON *v, const char *ptr)
{
  struct neuron_req *r = (struct neuron_req *)h;
  (void)v;
  if (r->w.shape.ndim == 0)
    return problem(c, 422, ptr,
                   "weights must be an array of d numbers (one neuron) or K rows of d "
                   "(a layer)");
  r->layer = r->w.shape.ndim == 2;
  return 0;
}

static int check_bias(struct hctx *c, struct req_head *h, const cJSON *v, const char *ptr)
{
  struct neuron_req *r = (struct neuron_req *)h;
  size_t k = r->layer ? r->w.shape.dim[0] : 1;
  if (v == NULL) {
    double *zb = ctx_alloc(c, k * sizeof(double));
    if (zb == NULL)
      return -1;
    r->b.v = zb;
    r->b.n = k;
    r->b.shape.ndim = r->layer ? 1 : 0;
    r->b.shape.dim[0] = r->layer ? k : 0;
  } else if (!r->layer && r->b.shape.ndim != 0) {
    return problem(c, 422, ptr, "bias must be a number for a single neuron (weights is 1-D)");
  } else if (r->layer && r->b.shape.ndim == 0 && k != 1) {
    return problem(c, 422, ptr,
                   "bias must be an array of %zu numbers, one per row of weights (a number is "
                   "taken only for a layer of one neuron)", k);
  } else if (r->layer && r->b.shape.ndim != 0 && (r->b.shape.ndim != 1 || r->b.n != k)) {
    return problem(c, 422, ptr, "bias must be an array of %zu numbers, one per row of weights",
                   k);
  }
  r->bshape = r->b.shape;
  return 0;
}

/* x fits the weights; the layer and the shapes of z and a are resolved. */
static int check_x(struct hctx *c, struct req_head *h, const cJSON *v, const char *ptr)
{
  struct neuron_req *r = (struct neuron_req *)h;
  size_t k = r->layer ? r->w.shape.dim[0] : 1, d = r->w.shape.dim[r->w.shape.ndim - 1], m;
  (void)v;
  if (r->x.shape.ndim == 0)
    return problem(c, 422, ptr,
                   "x must be one sample (an array of %zu numbers) or a batch (rows of %zu)",
                   d, d);
  r->batch = r->x.shape.ndim == 2;
  if (r->x.shape.dim[r->x.shape.ndim - 1] != d) {
    if (r->batch)
      return problem(c, 422, "/x/0",
                     "x's rows have %zu numbers but weights has %zu per neuron (d must agree)",
                     r->x.shape.dim[1], d);
    return problem(c, 422, ptr,
                   "x has %zu numbers but weights has %zu per neuron (d must agree)",
                   r->x.shape.dim[0], d);
  }
  m = r->batch ? r->x.shape.dim[0] : 1;
  if (k != 0 && m > c->cfg->max_elements / k)
    return problem(c, 413, ptr, "z would hold %zu x %zu numbers, over the limit of %zu", m, k,
                   c->cfg->max_elements);
  r->l.m = m;
  r->l.d = d;
  r->l.k = k;
  r->l.x = r->x.v;
  r->l.w = r->w.v;
  r->l.b = r->b.v;
  r->l.act = r->act;
  r->l.p = r->p;
  /* z and a: the batch's shape, then K for a layer (none for a row-reducing a) */
  r->zshape.ndim = 0;
  if (r->batch)
    r->zshape.dim[r->zshape.ndim++] = m;
  r->ashape = r->zshape;
  if (r->layer) {
    r->zshape.dim[r->zshape.ndim++] = k;
    if (!r->act->reduces)
      r->ashape.dim[r->ashape.ndim++] = k;
  }
  return 0;
}

#define NEURON_FIELDS                                                                    \
  { .name = "weights", .kind = FK_TENSOR, .required = 1, .rank = 2, .min_len = 1,        \
    .off = offsetof(struct neuron_req, w), .check = check_weights },                     \
  { .name = "bias", .kind = FK_TENSOR, .rank = 1, .off = offsetof(struct neuron_req, b), \
    .check = check_bias },                                                               \
  { .name = "activation", .kind = FK_ACTIVATION, .def = "identity",                      \
    .off = offsetof(struct neuron_req, act) },                                           \
  { .name = "params", .kind = FK_PARAMS, .off = offsetof(struct neuron_req, p),          \
    .dep = offsetof(struct neuron_req, act) },                                           \
  { .name = "x", .kind = FK_TENSOR, .required = 1, .rank = 2, .min_len = 1,              \
    .off = offsetof(struct neuron_req, x), .check = check_x }

const struct field neuron_forward_fields[] = {
  NEURON_FIELDS,
  FIELDS_END,
};

const struct field neuron_backward_fields[] = {
  NEURON_FIELDS,
  { .name = "grad_a", .kind = FK_TENSOR, .rank = 2, .off = offsetof(struct neuron_req, grad_a) },
  { .name = "targets", .kind = FK_TENSOR, .rank = 2,
    .off = offsetof(struct neuron_req, targets) },
  { .name = "loss", .kind = FK_LOSS, .flags = FF_LAYER, .off = offsetof(struct neuron_req, loss) },
  { .name = "reduction", .kind = FK_CHOICE, .choices = reductions, .def = "mean",
    .off = offsetof(struct neuron_req, reduction) },
  { .name = "learning_rate", .kind = FK_NUMBER, .lo = 0, .hi = DBL_MAX,
    .off = offsetof(struct neuron_req, lr) },
  { .name = "outputs", .kind = FK_NAMES, .choices = neuron_output_names,
    .off = offsetof(struct neuron_req, outputs) },
  FIELDS_END,
};

int neuron_check_inputs(struct hctx *c, struct neuron_req *r, int bias_given)
{
  if (check_weights(c, &r->head, NULL, "/weights") != 0 ||
      check_bias(c, &r->head, bias_given ? (const cJSON *)r : NULL, "/bias") != 0)
    return -1;
  return check_x(c, &r->head, NULL, "/x");
}

int neuron_resolve(struct hctx *c, struct neuron_req *r, int backward)
{
  int has_grad_a = r->has_grad_a, has_targets = r->has_targets;
  char s1[64], s2[64];

  if (!backward)
    return 0;
  /* outputs: everything unless asked (~0u) */
  if (r->outputs != ~0u && (r->outputs & 1u << OUT_UPDATED) && !r->has_lr)
    return problem(c, 422, "/outputs", "updated needs learning_rate (the step to take)");
  if (r->outputs != ~0u && (r->outputs & 1u << OUT_LOSS) && !has_targets)
    return problem(c, 422, "/outputs", "loss needs targets with a loss (not grad_a)");
  if (has_grad_a == has_targets)
    return problem(c, 422, has_grad_a ? "/targets" : NULL,
                   has_grad_a ? "send grad_a or targets (with loss), not both"
                              : "backward needs grad_a (dL/da), or targets with a loss");
  if (has_grad_a) {
    if (r->loss >= 0)
      return problem(c, 422, "/loss", "loss applies to targets; with grad_a there is no loss");
    if (!shape_eq(&r->grad_a.shape, &r->ashape))
      return problem(c, 422, "/grad_a", "grad_a has shape %s; it must have the shape of a, %s",
                     shape_text(&r->grad_a.shape, s1, sizeof s1),
                     shape_text(&r->ashape, s2, sizeof s2));
    return 0;
  }
  if (r->loss < 0)
    return problem(c, 422, "/loss", "loss is required with targets (\"squared\", "
                                    "\"cross_entropy\" or \"mse\")");
  return layer_targets(c, (enum eng_loss)r->loss, &r->targets, &r->ashape, &r->zshape, r->l.m,
                       r->layer, &r->t);
}

int layer_targets(struct hctx *c, enum eng_loss loss, const struct tensor_in *targets,
                  const struct shape *ashape, const struct shape *zshape, size_t m,
                  int classes_ok, struct eng_targets *t)
{
  char s1[64], s2[64];

  memset(t, 0, sizeof *t);
  if (shape_eq(&targets->shape, ashape)) {
    t->r = targets->v;
  } else if (loss == ENG_LOSS_CROSS_ENTROPY && classes_ok &&
             targets->shape.ndim + 1 == zshape->ndim && targets->n == m) {
    t->cls = targets->v; /* class indices, one per sample */
  } else {
    return problem(c, 422, "/targets", "targets has shape %s; it must have the shape of a, %s%s",
                   shape_text(&targets->shape, s1, sizeof s1), shape_text(ashape, s2, sizeof s2),
                   loss == ENG_LOSS_CROSS_ENTROPY && classes_ok
                     ? " (probability rows), or one class index per sample" : "");
  }
  return 0;
}

int layer_backward_problem(struct hctx *c, int rc, const struct eng_activation *act,
                           const struct tensor_in *targets, const struct eng_targets *t,
                           size_t bad)
{
  switch (rc) {
  case ENG_OK:
    return 0;
  case ENG_ELOSS:
    return problem(c, 422, "/loss",
                   "cross_entropy needs the sigmoid activation (binary) or softmax across a "
                   "layer (categorical); %s is neither", act->name);
  case ENG_ETARGET: {
    char ptr[JPTR_MAX], name[JNAME_MAX];
    jptr_flat(ptr, sizeof ptr, "/targets", &targets->shape, bad);
    jptr_name(ptr, name, sizeof name);
    return problem(c, 422, ptr, "%s is out of range: %s", name,
                   t->cls != NULL ? "a class index must be an integer in [0, K)"
                                  : "cross-entropy targets must be in [0, 1]");
  }
  case ENG_ENOMEM:
    return problem(c, 500, NULL, "out of memory");
  default:
    return problem(c, 422, NULL, "%s", eng_strerror(rc));
  }
}

int neuron_compute(struct hctx *c, struct neuron_req *r, int backward,
                   struct neuron_result *res)
{
  size_t m = r->l.m, k = r->l.k, d = r->l.d, bad = 0;
  const double *grad_a = r->has_grad_a ? r->grad_a.v : NULL;
  int rc;

  memset(res, 0, sizeof *res);
  res->z = ctx_alloc_raw(c, m * k * sizeof(double) + 1);
  res->a = res->z != NULL ? ctx_alloc_raw(c, m * k * sizeof(double) + 1) : NULL;
  if (res->a == NULL)
    return -1;
  rc = exec_layer_forward(&r->l, res->z, res->a);
  if (rc == ENG_ENOMEM)
    return problem(c, 500, NULL, "out of memory");
  if (rc != ENG_OK)
    return problem(c, 422, NULL, "%s", eng_strerror(rc));
  if (!backward)
    return 0;
  {
    /* the gradients start from z and a: an overflow there is named first */
    struct outs *l = ctx_alloc(c, sizeof *l);
    if (l == NULL)
      return -1;
    outs_init(l);
    outs_tensor(l, "z", &r->zshape, res->z, "/x", &r->x.shape, MAP_ROW);
    outs_tensor(l, "a", &r->ashape, res->a, "/x", &r->x.shape, MAP_ROW);
    if (outs_check(c, l) != 0)
      return -1;
  }
  res->o.grad_z = ctx_alloc_raw(c, m * k * sizeof(double) + 1);
  res->o.grad_w = ctx_alloc_raw(c, k * d * sizeof(double) + 1);
  res->o.grad_b = ctx_alloc_raw(c, k * sizeof(double) + 1);
  res->o.grad_x = ctx_alloc_raw(c, m * d * sizeof(double) + 1);
  if (res->o.grad_z == NULL || res->o.grad_w == NULL || res->o.grad_b == NULL ||
      res->o.grad_x == NULL)
    return -1;
  if (grad_a == NULL)
    res->o.loss = &res->loss;
  rc = exec_layer_backward(&r->l, res->z, res->a, grad_a,
                           grad_a == NULL ? (enum eng_loss)r->loss : ENG_LOSS_SQUARED,
                           grad_a == NULL ? &r->t : NULL, (enum eng_reduction)r->reduction,
                           &res->o, &bad);
  if (layer_backward_problem(c, rc, r->act, &r->targets, &r->t, bad) != 0)
    return -1;
  if (r->has_lr) {
    res->new_w = ctx_alloc(c, k * d * sizeof(double) + 1);
    res->new_b = ctx_alloc(c, k * sizeof(double) + 1);
    if (res->new_w == NULL || res->new_b == NULL)
      return -1;
    eng_sgd_step(r->w.v, res->o.grad_w, k * d, r->lr, res->new_w);
    eng_sgd_step(r->b.v, res->o.grad_b, k, r->lr, res->new_b);
  }
  return 0;
}

void neuron_outs(const struct neuron_req *r, const struct neuron_result *res, int backward,
                 struct outs *l)
{
  static const struct shape scalar = {0, {0}};

  outs_string(l, "activation", r->act->name);
  outs_params(l, "params", r->act, r->p);
  if (!backward || (r->outputs & 1u << OUT_Z))
    outs_tensor(l, "z", &r->zshape, res->z, "/x", &r->x.shape, MAP_ROW);
  if (!backward || (r->outputs & 1u << OUT_A))
    outs_tensor(l, "a", &r->ashape, res->a, "/x", &r->x.shape, MAP_ROW);
  if (!backward)
    return;
  /* its per-sample parts are not listed: named in its place */
  if (res->o.loss != NULL && (r->outputs & 1u << OUT_LOSS))
    outs_tensor(l, "loss", &scalar, res->o.loss, NULL, NULL, MAP_ROW);
  if (r->outputs & 1u << OUT_GRAD_Z)
    outs_tensor(l, "grad_z", &r->zshape, res->o.grad_z, "/x", &r->x.shape, MAP_ROW);
  if (r->outputs & 1u << OUT_GRAD_W)
    outs_tensor(l, "grad_weights", &r->w.shape, res->o.grad_w, NULL, NULL, MAP_ROW);
  if (r->outputs & 1u << OUT_GRAD_B)
    outs_tensor(l, "grad_bias", &r->bshape, res->o.grad_b, NULL, NULL, MAP_ROW);
  if (r->outputs & 1u << OUT_GRAD_X)
    outs_tensor(l, "grad_x", &r->x.shape, res->o.grad_x, "/x", &r->x.shape, MAP_ROW);
  if (res->new_w != NULL && (r->outputs & 1u << OUT_UPDATED)) {
    outs_open(l, "updated");
    outs_tensor(l, "weights", &r->w.shape, res->new_w, NULL, NULL, MAP_ROW)->wire =
      "updated_weights";
    outs_tensor(l, "bias", &r->bshape, res->new_b, NULL, NULL, MAP_ROW)->wire = "updated_bias";
    outs_close(l);
  }
}

static int run(struct hctx *c, struct req_head *h, struct outs *l, int backward)
{
  struct neuron_req *r = (struct neuron_req *)h;
  struct neuron_result *res = ctx_alloc(c, sizeof *res);

  r->has_grad_a = req_given(h, "grad_a");
  r->has_targets = req_given(h, "targets");
  r->has_lr = req_given(h, "learning_rate");
  if (!backward || !req_given(h, "outputs"))
    r->outputs = ~0u;
  if (res == NULL || neuron_resolve(c, r, backward) != 0 ||
      neuron_compute(c, r, backward, res) != 0)
    return -1;
  neuron_outs(r, res, backward, l);
  return 0;
}

static int run_forward(struct hctx *c, struct req_head *h, struct outs *l)
{
  return run(c, h, l, 0);
}

static int run_backward(struct hctx *c, struct req_head *h, struct outs *l)
{
  return run(c, h, l, 1);
}

const struct op op_neuron_forward = { neuron_forward_fields, sizeof(struct neuron_req),
                                      run_forward };
const struct op op_neuron_backward = { neuron_backward_fields, sizeof(struct neuron_req),
                                       run_backward };

/* end of h_neuron.c */
