/*
 * h_loss.c: POST /loss: a loss on its own, per sample and reduced, with its gradient;
 * GET /losses: the catalog of losses, from the engine's table (each one's formula,
 * gradient and reductions).
 *
 * A loss over a row of classes (the engine's table says which: cross_entropy on
 * probabilities, softmax_cross_entropy on logits) takes one row (1-D) or rows (2-D),
 * with targets shaped like the input or one class index per row; the others take one
 * value per sample (a number or a 1-D input) or rows. losses has one entry per sample
 * (a number for a single one).
 */
#include <stddef.h>

#include "codec/buf.h"
#include "engine.h"
#include "service/routes.h"

static const char *const reductions[] = {"mean", "sum", NULL}; /* enum eng_reduction */

struct loss_req {
  struct req_head head;
  int loss;
  struct tensor_in in, targets;
  int reduction;
};

static const struct field fields[] = {
  { .name = "loss", .kind = FK_LOSS, .required = 1, .off = offsetof(struct loss_req, loss) },
  { .name = "input", .kind = FK_TENSOR, .required = 1, .rank = 2, .min_len = 1,
    .off = offsetof(struct loss_req, in) },
  { .name = "targets", .kind = FK_TENSOR, .required = 1, .rank = 2,
    .off = offsetof(struct loss_req, targets) },
  { .name = "reduction", .kind = FK_CHOICE, .choices = reductions, .def = "mean",
    .off = offsetof(struct loss_req, reduction) },
  FIELDS_END,
};

static int run(struct hctx *c, struct req_head *h, struct outs *l)
{
  struct loss_req *r = (struct loss_req *)h;
  enum eng_loss loss = (enum eng_loss)r->loss;
  const char *name = eng_loss_name(loss);
  int rows = eng_loss_rows(loss);
  struct eng_targets t = {0};
  struct shape *sshape = ctx_alloc(c, sizeof *sshape); /* losses: one per sample */
  static const struct shape scalar = {0, {0}};
  const struct shape *is = &r->in.shape;
  size_t m, k, bad = 0;
  double *losses, *grad, *prob = NULL, *total;
  char ptr[JPTR_MAX], pname[JNAME_MAX];
  enum out_map per;
  int rc;

  if (sshape == NULL)
    return -1;
  if (rows && is->ndim == 0)
    return problem(c, 422, "/input", "input must be a row of %s (1-D) or rows (2-D) for %s",
                   loss == ENG_LOSS_SOFTMAX_CROSS_ENTROPY ? "logits" : "probabilities", name);
  if (is->ndim == 2) {
    m = is->dim[0];
    k = is->dim[1];
    sshape->ndim = 1;
    sshape->dim[0] = m;
  } else if (rows) {
    m = 1;
    k = r->in.n;
  } else {
    m = r->in.n;
    k = 1;
    *sshape = *is;
  }
  if (shape_eq(&r->targets.shape, is))
    t.r = r->targets.v;
  else if (rows && shape_eq(&r->targets.shape, sshape))
    t.cls = r->targets.v;
  else
    return problem(c, 422, "/targets", "targets must have the shape of input%s",
                   rows ? ", or hold one class index per row" : "");

  losses = ctx_alloc(c, m * sizeof(double) + 1);
  grad = ctx_alloc(c, m * k * sizeof(double) + 1);
  total = ctx_alloc(c, sizeof(double));
  if (losses == NULL || grad == NULL || total == NULL)
    return -1;
  if (loss == ENG_LOSS_SOFTMAX_CROSS_ENTROPY &&
      (prob = ctx_alloc(c, m * k * sizeof(double) + 1)) == NULL)
    return -1;
  rc = eng_loss_eval(loss, r->in.v, m, k, &t, (enum eng_reduction)r->reduction, losses, total,
                     grad, prob, &bad);
  switch (rc) {
  case ENG_OK:
    break;
  case ENG_ETARGET:
    jptr_flat(ptr, sizeof ptr, "/targets", &r->targets.shape, bad);
    jptr_name(ptr, pname, sizeof pname);
    if (t.cls != NULL)
      return problem(c, 422, ptr, "%s must be a class index: an integer in [0, %zu)", pname, k);
    return problem(c, 422, ptr, "%s must be in [0, 1] for %s", pname, name);
  case ENG_EDOMAIN:
    jptr_flat(ptr, sizeof ptr, "/input", is, bad);
    jptr_name(ptr, pname, sizeof pname);
    return problem(c, 422, ptr,
                   "%s must be a probability in [0, 1], and not 0 where its target is "
                   "positive (the loss would be infinite)", pname);
  case ENG_ENOMEM:
    return problem(c, 500, NULL, "out of memory");
  default:
    return problem(c, 422, NULL, "%s", eng_strerror(rc));
  }

  per = shape_eq(sshape, is) ? MAP_SAME : MAP_ROW;
  outs_tensor(l, "loss", &scalar, total, NULL, NULL, MAP_ROW)->total = 1;
  outs_tensor(l, "losses", sshape, losses, "/input", is, per);
  outs_tensor(l, "grad_input", is, grad, "/input", is, MAP_SAME);
  if (prob != NULL)
    outs_tensor(l, "probabilities", is, prob, "/input", is, MAP_SAME);
  outs_string(l, "reduction", reductions[r->reduction]);
  return 0;
}

const struct op op_loss = { fields, sizeof(struct loss_req), run };

void h_losses_get(struct hctx *c)
{
  struct buf b;

  buf_init(&b, 4096);
  buf_puts(&b, "{\"count\":");
  buf_uint(&b, ENG_LOSS__COUNT);
  buf_puts(&b, ",\"losses\":[");
  for (int i = 0; i < ENG_LOSS__COUNT; i++) {
    enum eng_loss l = (enum eng_loss)i;
    const char *const *partners = eng_loss_partners(l);
    if (i > 0)
      buf_putc(&b, ',');
    buf_puts(&b, "{\"name\":");
    buf_jstr(&b, eng_loss_name(l));
    buf_puts(&b, ",\"formula\":");
    buf_jstr(&b, eng_loss_formula(l));
    buf_puts(&b, ",\"gradient\":");
    buf_jstr(&b, eng_loss_gradient(l));
    buf_puts(&b, ",\"reduction\":");
    buf_jstr(&b, eng_loss_reduction(l));
    buf_puts(&b, ",\"input_1d\":");
    buf_jstr(&b, eng_loss_rows(l) ? "one row of classes" : "one value per sample");
    buf_puts(&b, ",\"neuron\":");
    buf_puts(&b, eng_loss_layer(l) ? "true" : "false");
    if (eng_loss_layer(l)) {
      buf_puts(&b, ",\"activations\":[");
      for (size_t k = 0; partners[k] != NULL; k++) {
        if (k > 0)
          buf_putc(&b, ',');
        buf_jstr(&b, partners[k]);
      }
      buf_putc(&b, ']');
    }
    buf_putc(&b, '}');
  }
  buf_puts(&b, "]}");
  reply_buf(c, 200, "application/json", &b);
}

/* end of h_loss.c */
