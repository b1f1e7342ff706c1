/*
 * h_loss.c: POST /loss: a loss on its own, per sample and reduced, with its gradient.
 *
 * squared and binary_cross_entropy take one value per sample (a number or a 1-D
 * input) or rows; cross_entropy (on probabilities) and softmax_cross_entropy (on
 * logits) take one row (1-D) or rows (2-D), with targets shaped like the input or one
 * class index per row. losses has one entry per sample (a number for a single one).
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "http.h"
#include "num.h"

static int same_shape(const struct shape *a, const struct shape *b)
{
  if (a->ndim != b->ndim)
    return 0;
  for (unsigned i = 0; i < a->ndim; i++)
    if (a->dim[i] != b->dim[i])
      return 0;
  return 1;
}

static int unknown_loss(struct hctx *c, const char *name)
{
  char list[256] = "";
  size_t len = 0;
  for (int l = 0; l < ENG_LOSS__COUNT && len < sizeof list; l++)
    len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", l ? ", " : "",
                            eng_loss_name((enum eng_loss)l));
  return problem(c, 422, "/loss", "unknown loss \"%.48s\" (expected one of: %s)", name, list);
}

void h_loss_post(struct hctx *c)
{
  static const char *const fields[] = {"loss", "input", "targets", "reduction", NULL};
  const cJSON *v[5] = {0};
  const char *name, *redname = "mean";
  struct numview in, tg;
  struct eng_targets t = {0};
  struct shape sshape = {0}; /* the shape of losses: one per sample */
  enum eng_reduction red = ENG_REDUCE_MEAN;
  enum eng_loss loss;
  size_t m, k, bad = 0;
  double *losses, *grad, *prob = NULL, total = 0;
  int l, rows, rc;
  char ptr[96], pname[96];
  struct buf b;

  if (ctx_object(c, fields, v) != 0 || ctx_string(c, v[0], "/loss", &name) != 0)
    return;
  if ((l = eng_loss_lookup(name)) < 0) {
    unknown_loss(c, name);
    return;
  }
  loss = (enum eng_loss)l;
  /* Losses over a row of classes read a 1-D input as one row. */
  rows = loss == ENG_LOSS_CROSS_ENTROPY || loss == ENG_LOSS_SOFTMAX_CROSS_ENTROPY;
  if (v[3] != NULL) {
    if (ctx_string(c, v[3], "/reduction", &redname) != 0)
      return;
    if (strcmp(redname, "sum") == 0) {
      red = ENG_REDUCE_SUM;
    } else if (strcmp(redname, "mean") != 0) {
      problem(c, 422, "/reduction", "reduction must be \"mean\" or \"sum\"");
      return;
    }
  }
  if (ctx_numbers(c, v[1], "/input", 2, 1, &in) != 0)
    return;
  if (rows && in.shape.ndim == 0) {
    problem(c, 422, "/input", "input must be a row of %s (1-D) or rows (2-D) for %s",
            loss == ENG_LOSS_SOFTMAX_CROSS_ENTROPY ? "logits" : "probabilities", name);
    return;
  }
  if (in.shape.ndim == 2) {
    m = in.shape.dim[0];
    k = in.shape.dim[1];
    sshape.ndim = 1;
    sshape.dim[0] = m;
  } else if (rows) {
    m = 1;
    k = in.n;
  } else {
    m = in.n;
    k = 1;
    sshape = in.shape;
  }

  if (ctx_numbers(c, v[2], "/targets", 2, 0, &tg) != 0)
    return;
  if (same_shape(&tg.shape, &in.shape)) {
    t.r = tg.v;
  } else if (rows && same_shape(&tg.shape, &sshape)) {
    t.cls = tg.v;
  } else {
    problem(c, 422, "/targets", "targets must have the shape of input%s",
            rows ? ", or hold one class index per row" : "");
    return;
  }

  losses = ctx_alloc(c, m * sizeof(double) + 1);
  grad = ctx_alloc(c, m * k * sizeof(double) + 1);
  if (losses == NULL || grad == NULL)
    return;
  if (loss == ENG_LOSS_SOFTMAX_CROSS_ENTROPY && (prob = ctx_alloc(c, m * k * sizeof(double) + 1)) == NULL)
    return;
  rc = eng_loss_eval(loss, in.v, m, k, &t, red, losses, &total, grad, prob, &bad);
  switch (rc) {
  case ENG_OK:
    break;
  case ENG_ETARGET:
    flat_ptr(ptr, sizeof ptr, "/targets", &tg.shape, bad);
    ptr_to_name(ptr, pname, sizeof pname);
    if (t.cls != NULL)
      problem(c, 422, ptr, "%s must be a class index: an integer in [0, %zu)", pname, k);
    else
      problem(c, 422, ptr, "%s must be in [0, 1] for %s", pname, name);
    return;
  case ENG_EDOMAIN:
    flat_ptr(ptr, sizeof ptr, "/input", &in.shape, bad);
    ptr_to_name(ptr, pname, sizeof pname);
    problem(c, 422, ptr,
            "%s must be a probability in [0, 1], and not 0 where its target is positive "
            "(the loss would be infinite)", pname);
    return;
  case ENG_ENOMEM:
    problem(c, 500, NULL, "out of memory");
    return;
  default:
    problem(c, 422, NULL, "%s", eng_strerror(rc));
    return;
  }

  static const struct shape scalar = {0, {0}};
  enum out_map per = same_shape(&sshape, &in.shape) ? OUT_SAME : OUT_ROW;

  /* a sample's loss before the total it overflows */
  if (out_finite(c, "/losses", &sshape, losses, "/input", &in.shape, per) != 0)
    return;
  buf_init(&b, 128 + (NUM_MAX_LEN + 1) * (m + 2 * m * k));
  buf_puts(&b, "{\"loss\":");
  if (out_nums(c, &b, "/loss", &scalar, &total, NULL, NULL, OUT_ROW) != 0)
    return;
  buf_puts(&b, ",\"losses\":");
  if (out_nums(c, &b, "/losses", &sshape, losses, "/input", &in.shape, per) != 0)
    return;
  buf_puts(&b, ",\"grad_input\":");
  if (out_nums(c, &b, "/grad_input", &in.shape, grad, "/input", &in.shape, OUT_SAME) != 0)
    return;
  if (prob != NULL) {
    buf_puts(&b, ",\"probabilities\":");
    buf_nums(&b, &in.shape, prob);
  }
  buf_puts(&b, ",\"reduction\":");
  buf_jstr(&b, red == ENG_REDUCE_SUM ? "sum" : "mean");
  buf_putc(&b, '}');
  reply_json(c, 200, &b);
}

/* end of h_loss.c */
