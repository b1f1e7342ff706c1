/*
 * h_neuron.c: POST /neuron/forward and POST /neuron/backward: z = x W^T + b, a = f(z),
 * and the gradients back from grad_a or from targets with a loss, with an optional SGD
 * step.
 *
 * weights: d numbers (one neuron) or K rows of d (a layer); bias: a number or K numbers
 * (default 0); x: one sample of d numbers or M rows. z and a are shaped like the batch
 * (nothing for one sample, [M] for a batch), then [K] for a layer; an activation that
 * reduces the row (maxout) gives one a per sample.
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "http.h"
#include "num.h"

#include "act_common.h"

/* A parsed neuron request. */
struct neuron_req {
  const struct eng_activation *act;
  double p[ENG_MAX_PARAMS];
  struct numview w, b, x;
  int layer;            /* weights is K x d */
  int batch;            /* x is M x d */
  struct eng_layer l;
  struct shape zshape, ashape, bshape;
  double zero_bias;     /* the bias of one neuron when absent */
};

enum {
  F_WEIGHTS, F_BIAS, F_ACT, F_PARAMS, F_X, F_GRAD_A, F_TARGETS, F_LOSS, F_REDUCTION,
  F_LR, F_COUNT
};
static const char *const forward_fields[] = {"weights", "bias", "activation", "params", "x",
                                             NULL};
static const char *const backward_fields[] = {
  "weights", "bias", "activation", "params", "x", "grad_a", "targets", "loss",
  "reduction", "learning_rate", NULL};

/* "[2,3]" into a small buffer for messages. */
static const char *shape_text(const struct shape *s, char *out, size_t cap)
{
  size_t len = 0;
  len += (size_t)snprintf(out, cap, "[");
  for (unsigned i = 0; i < s->ndim && len < cap; i++)
    len += (size_t)snprintf(out + len, cap - len, "%s%zu", i ? "," : "", s->dim[i]);
  if (len < cap)
    snprintf(out + len, cap - len, "]");
  return out;
}

static int same_shape(const struct shape *a, const struct shape *b)
{
  if (a->ndim != b->ndim)
    return 0;
  for (unsigned i = 0; i < a->ndim; i++)
    if (a->dim[i] != b->dim[i])
      return 0;
  return 1;
}

/* Reads weights, bias, activation, params and x, and checks that they fit together. */
static int read_neuron(struct hctx *c, const cJSON **v, struct neuron_req *r)
{
  size_t d, k, m;

  memset(r, 0, sizeof *r);
  if (v[F_ACT] == NULL) {
    r->act = eng_activation_lookup("identity");
    if (r->act == NULL)
      return problem(c, 422, "/activation", "activation is required");
  } else if (act_resolve(c, v[F_ACT], "/activation", &r->act) != 0) {
    return -1;
  }
  if (act_params(c, r->act, v[F_PARAMS], "/params", r->p) != 0)
    return -1;
  if (ctx_numbers(c, v[F_WEIGHTS], "/weights", 2, 1, &r->w) != 0)
    return -1;
  if (r->w.shape.ndim == 0)
    return problem(c, 422, "/weights",
                   "weights must be an array of d numbers (one neuron) or K rows of d "
                   "(a layer)");
  r->layer = r->w.shape.ndim == 2;
  k = r->layer ? r->w.shape.dim[0] : 1;
  d = r->w.shape.dim[r->w.shape.ndim - 1];

  if (v[F_BIAS] == NULL) {
    double *zb = ctx_alloc(c, k * sizeof(double));
    if (zb == NULL)
      return -1;
    r->b.v = zb;
    r->b.n = k;
    r->b.shape.ndim = r->layer ? 1 : 0;
    r->b.shape.dim[0] = r->layer ? k : 0;
  } else {
    if (ctx_numbers(c, v[F_BIAS], "/bias", 1, 0, &r->b) != 0)
      return -1;
    if (!r->layer && r->b.shape.ndim != 0)
      return problem(c, 422, "/bias",
                     "bias must be a number for a single neuron (weights is 1-D)");
    if (r->layer && (r->b.shape.ndim != 1 || r->b.n != k))
      return problem(c, 422, "/bias",
                     "bias must be an array of %zu numbers, one per row of weights", k);
  }
  r->bshape = r->b.shape;

  if (ctx_numbers(c, v[F_X], "/x", 2, 1, &r->x) != 0)
    return -1;
  if (r->x.shape.ndim == 0)
    return problem(c, 422, "/x",
                   "x must be one sample (an array of %zu numbers) or a batch (rows of %zu)",
                   d, d);
  r->batch = r->x.shape.ndim == 2;
  if (r->x.shape.dim[r->x.shape.ndim - 1] != d) {
    if (r->batch)
      return problem(c, 422, "/x/0",
                     "x's rows have %zu numbers but weights has %zu per neuron (d must agree)",
                     r->x.shape.dim[1], d);
    return problem(c, 422, "/x",
                   "x has %zu numbers but weights has %zu per neuron (d must agree)",
                   r->x.shape.dim[0], d);
  }
  m = r->batch ? r->x.shape.dim[0] : 1;
  if (k != 0 && m > c->cfg->max_elements / k)
    return problem(c, 413, "/x", "z would hold %zu x %zu numbers, over the limit of %zu", m,
                   k, c->cfg->max_elements);

  r->l.m = m;
  r->l.d = d;
  r->l.k = k;
  r->l.x = r->x.v;
  r->l.w = r->w.v;
  r->l.b = r->b.v;
  r->l.act = r->act;
  r->l.p = r->p;

  /* Shapes of z and a: the batch's, then K for a layer (K, or nothing when the
   * activation reduces the row). */
  r->zshape.ndim = 0;
  if (r->batch)
    r->zshape.dim[r->zshape.ndim++] = m;
  r->ashape = r->zshape;
  if (r->layer) {
    r->zshape.dim[r->zshape.ndim++] = k;
    /* a row-reducing activation (width 1 for any row) gives one a per sample */
    int reduces = r->act->kind == ENG_VECTOR && eng_activation_width(r->act, 2) == 1;
    if (!reduces)
      r->ashape.dim[r->ashape.ndim++] = k;
  }
  return 0;
}

/* Writes the part of the reply both routes share. */
static void put_head(struct buf *b, const struct neuron_req *r, const double *z,
                     const double *a)
{
  buf_puts(b, "{\"activation\":");
  buf_jstr(b, r->act->name);
  buf_puts(b, ",\"params\":");
  act_put_params(b, r->act, r->p);
  buf_puts(b, ",\"z\":");
  buf_nums(b, &r->zshape, z);
  buf_puts(b, ",\"a\":");
  buf_nums(b, &r->ashape, a);
}

static size_t reply_estimate(const struct neuron_req *r, int backward)
{
  size_t n = 2 * r->l.m * r->l.k;
  if (backward)
    n += r->l.m * r->l.k + 3 * r->l.k * r->l.d + 2 * r->l.k + r->l.m * r->l.d;
  return 256 + n * (NUM_MAX_LEN + 1);
}

/* Multiply-adds per part below which a layer is not split across threads. */
#define LAYER_GRAIN ((size_t)1 << 16)

/* A layer's work split across the worker threads, by samples (forward, grad_x) and by
 * neurons (grad_W, grad_b): every sum stays whole and in its order, so the results
 * are bit for bit those of one call. */
struct layer_job {
  const struct eng_layer *l;
  double *z, *a;                        /* forward */
  const double *grad_z;                 /* backward */
  double *grad_w, *grad_b, *grad_x;
  unsigned parts;
  int rc[64];
};

static void forward_part(void *ctx, size_t lo, size_t hi, unsigned part)
{
  struct layer_job *j = ctx;
  struct eng_layer sub = *j->l;
  size_t width = eng_layer_width(j->l);
  sub.m = hi - lo;
  sub.x = j->l->x + lo * j->l->d;
  j->rc[part] = sub.m == 0 ? ENG_OK
                           : eng_layer_forward(&sub, j->z + lo * j->l->k,
                                               j->a != NULL ? j->a + lo * width : NULL);
}

/* Part `part` of j->parts: grad_W and grad_b of the neurons [k part / n, k (part + 1) / n)
 * and grad_x of the samples cut likewise. */
static void backward_part(void *ctx, size_t lo, size_t hi, unsigned part)
{
  struct layer_job *j = ctx;
  const struct eng_layer *l = j->l;
  size_t n = j->parts, j0 = l->k * part / n, j1 = l->k * (part + 1) / n;
  size_t i0 = l->m * part / n, i1 = l->m * (part + 1) / n;
  int rc = ENG_OK;
  (void)lo;
  (void)hi;
  if (j1 > j0 && (j->grad_w != NULL || j->grad_b != NULL))
    rc = eng_layer_grad_params(l, j->grad_z, j->grad_w, j->grad_b, j0, j1);
  if (rc == ENG_OK && i1 > i0 && j->grad_x != NULL)
    rc = eng_layer_grad_x(l, j->grad_z, j->grad_x, i0, i1);
  j->rc[part] = rc;
}

static int forward(struct hctx *c, struct neuron_req *r, double **z, double **a)
{
  int rc;
  unsigned parts = par_parts(r->l.m * r->l.k * r->l.d, LAYER_GRAIN);
  *z = ctx_alloc(c, r->l.m * r->l.k * sizeof(double) + 1);
  *a = *z != NULL ? ctx_alloc(c, r->l.m * r->l.k * sizeof(double) + 1) : NULL;
  if (*a == NULL)
    return -1;
  if (parts > r->l.m)
    parts = (unsigned)r->l.m;
  if (parts > 1) {
    struct layer_job j;
    memset(&j, 0, sizeof j);
    j.l = &r->l;
    j.z = *z;
    j.a = *a;
    par_run(r->l.m, parts, forward_part, &j);
    rc = ENG_OK;
    for (unsigned i = 0; i < parts && rc == ENG_OK; i++)
      rc = j.rc[i];
  } else {
    rc = eng_layer_forward(&r->l, *z, *a);
  }
  if (rc == ENG_ENOMEM)
    return problem(c, 500, NULL, "out of memory");
  if (rc != ENG_OK)
    return problem(c, 422, NULL, "%s", eng_strerror(rc));
  if (out_finite(c, "/z", &r->zshape, *z, "/x", &r->x.shape, OUT_ROW) != 0)
    return -1;
  return out_finite(c, "/a", &r->ashape, *a, "/x", &r->x.shape, OUT_ROW);
}

void h_neuron_forward_post(struct hctx *c)
{
  const cJSON *v[F_COUNT] = {0};
  struct neuron_req r;
  double *z, *a;
  struct buf b;

  if (ctx_object(c, forward_fields, v) != 0 || read_neuron(c, v, &r) != 0 ||
      forward(c, &r, &z, &a) != 0)
    return;
  buf_init(&b, reply_estimate(&r, 0));
  put_head(&b, &r, z, a);
  buf_putc(&b, '}');
  reply_json(c, 200, &b);
}

void h_neuron_backward_post(struct hctx *c)
{
  const cJSON *v[F_COUNT] = {0};
  struct neuron_req r;
  struct numview ga, tg;
  struct eng_targets t = {0};
  struct eng_backward_out o = {0};
  enum eng_loss loss = ENG_LOSS_SQUARED;
  enum eng_reduction red = ENG_REDUCE_MEAN;
  double *z, *a, lr = 0, loss_v = 0;
  const double *grad_a = NULL;
  size_t bad = 0, m, k, d;
  char s1[64], s2[64], ptr[96];
  struct buf b;
  int rc;

  if (ctx_object(c, backward_fields, v) != 0 || read_neuron(c, v, &r) != 0)
    return;
  m = r.l.m;
  k = r.l.k;
  d = r.l.d;

  if ((v[F_GRAD_A] != NULL) == (v[F_TARGETS] != NULL)) {
    problem(c, 422, v[F_GRAD_A] != NULL ? "/targets" : NULL,
            v[F_GRAD_A] != NULL ? "send grad_a or targets (with loss), not both"
                                : "backward needs grad_a (dL/da), or targets with a loss");
    return;
  }
  if (v[F_REDUCTION] != NULL) {
    const char *s;
    if (ctx_string(c, v[F_REDUCTION], "/reduction", &s) != 0)
      return;
    if (strcmp(s, "mean") == 0) {
      red = ENG_REDUCE_MEAN;
    } else if (strcmp(s, "sum") == 0) {
      red = ENG_REDUCE_SUM;
    } else {
      problem(c, 422, "/reduction", "reduction must be \"mean\" or \"sum\"");
      return;
    }
  }
  if (v[F_LR] != NULL) {
    if (ctx_number(c, v[F_LR], "/learning_rate", &lr) != 0)
      return;
    if (lr < 0) {
      problem(c, 422, "/learning_rate", "learning_rate must be a finite number >= 0");
      return;
    }
  }

  if (v[F_GRAD_A] != NULL) {
    if (v[F_LOSS] != NULL) {
      problem(c, 422, "/loss", "loss applies to targets; with grad_a there is no loss");
      return;
    }
    if (ctx_numbers(c, v[F_GRAD_A], "/grad_a", 2, 0, &ga) != 0)
      return;
    if (!same_shape(&ga.shape, &r.ashape)) {
      problem(c, 422, "/grad_a", "grad_a has shape %s; it must have the shape of a, %s",
              shape_text(&ga.shape, s1, sizeof s1), shape_text(&r.ashape, s2, sizeof s2));
      return;
    }
    grad_a = ga.v;
  } else {
    const char *name;
    int l;
    if (v[F_LOSS] == NULL) {
      problem(c, 422, "/loss", "loss is required with targets (\"squared\" or "
                               "\"cross_entropy\")");
      return;
    }
    if (ctx_string(c, v[F_LOSS], "/loss", &name) != 0)
      return;
    l = eng_loss_lookup(name);
    if (l != ENG_LOSS_SQUARED && l != ENG_LOSS_CROSS_ENTROPY) {
      problem(c, 422, "/loss", "loss \"%.48s\" is not a neuron loss (expected one of: "
                               "squared, cross_entropy)", name);
      return;
    }
    loss = (enum eng_loss)l;
    if (ctx_numbers(c, v[F_TARGETS], "/targets", 2, 0, &tg) != 0)
      return;
    if (same_shape(&tg.shape, &r.ashape)) {
      t.r = tg.v;
    } else if (loss == ENG_LOSS_CROSS_ENTROPY && r.layer && tg.shape.ndim + 1 == r.zshape.ndim &&
               tg.n == m) {
      t.cls = tg.v; /* class indices, one per sample */
    } else {
      problem(c, 422, "/targets",
              "targets has shape %s; it must have the shape of a, %s%s",
              shape_text(&tg.shape, s1, sizeof s1), shape_text(&r.ashape, s2, sizeof s2),
              loss == ENG_LOSS_CROSS_ENTROPY && r.layer
                ? " (probability rows), or one class index per sample" : "");
      return;
    }
  }

  if (forward(c, &r, &z, &a) != 0)
    return;
  o.grad_z = ctx_alloc(c, m * k * sizeof(double) + 1);
  o.grad_w = ctx_alloc(c, k * d * sizeof(double) + 1);
  o.grad_b = ctx_alloc(c, k * sizeof(double) + 1);
  o.grad_x = ctx_alloc(c, m * d * sizeof(double) + 1);
  if (o.grad_z == NULL || o.grad_w == NULL || o.grad_b == NULL || o.grad_x == NULL)
    return;
  if (grad_a == NULL)
    o.loss = &loss_v;
  {
    /* grad_z (and the loss) in one call; the sums after it split across the threads
     * when the layer is large */
    unsigned parts = par_parts(m * k * d, LAYER_GRAIN);
    struct eng_backward_out oz = o;
    if (parts > 1)
      oz.grad_w = oz.grad_b = oz.grad_x = NULL;
    rc = eng_layer_backward(&r.l, z, a, grad_a, loss, grad_a == NULL ? &t : NULL, red, &oz,
                            &bad);
    if (rc == ENG_OK && parts > 1) {
      struct layer_job j;
      memset(&j, 0, sizeof j);
      j.l = &r.l;
      j.grad_z = o.grad_z;
      j.grad_w = o.grad_w;
      j.grad_b = o.grad_b;
      j.grad_x = o.grad_x;
      j.parts = parts;
      par_run(parts, parts, backward_part, &j);
      for (unsigned i = 0; i < parts && rc == ENG_OK; i++)
        rc = j.rc[i];
    }
  }
  switch (rc) {
  case ENG_OK:
    break;
  case ENG_ELOSS:
    problem(c, 422, "/loss",
            "cross_entropy needs the sigmoid activation (binary) or softmax across a layer "
            "(categorical); %s is neither", r.act->name);
    return;
  case ENG_ETARGET:
    flat_ptr(ptr, sizeof ptr, "/targets", &tg.shape, bad);
    {
      char name[96];
      ptr_to_name(ptr, name, sizeof name);
      problem(c, 422, ptr, "%s is out of range: %s", name,
              t.cls != NULL ? "a class index must be an integer in [0, K)"
                            : "cross-entropy targets must be in [0, 1]");
    }
    return;
  case ENG_ENOMEM:
    problem(c, 500, NULL, "out of memory");
    return;
  default:
    problem(c, 422, NULL, "%s", eng_strerror(rc));
    return;
  }

  buf_init(&b, reply_estimate(&r, 1));
  put_head(&b, &r, z, a);
  if (grad_a == NULL) {
    static const struct shape scalar = {0, {0}};
    buf_puts(&b, ",\"loss\":");
    if (out_nums(c, &b, "/loss", &scalar, &loss_v, NULL, NULL, OUT_ROW) != 0)
      return;
  }
  buf_puts(&b, ",\"grad_z\":");
  if (out_nums(c, &b, "/grad_z", &r.zshape, o.grad_z, "/x", &r.x.shape, OUT_ROW) != 0)
    return;
  buf_puts(&b, ",\"grad_weights\":");
  if (out_nums(c, &b, "/grad_weights", &r.w.shape, o.grad_w, NULL, NULL, OUT_ROW) != 0)
    return;
  buf_puts(&b, ",\"grad_bias\":");
  if (out_nums(c, &b, "/grad_bias", &r.bshape, o.grad_b, NULL, NULL, OUT_ROW) != 0)
    return;
  buf_puts(&b, ",\"grad_x\":");
  if (out_nums(c, &b, "/grad_x", &r.x.shape, o.grad_x, "/x", &r.x.shape, OUT_ROW) != 0)
    return;
  if (v[F_LR] != NULL) {
    double *nw = ctx_alloc(c, k * d * sizeof(double) + 1);
    double *nb = ctx_alloc(c, k * sizeof(double) + 1);
    if (nw == NULL || nb == NULL) {
      buf_free(&b);
      return;
    }
    eng_sgd_step(r.w.v, o.grad_w, k * d, lr, nw);
    eng_sgd_step(r.b.v, o.grad_b, k, lr, nb);
    buf_puts(&b, ",\"updated\":{\"weights\":");
    if (out_nums(c, &b, "/updated/weights", &r.w.shape, nw, NULL, NULL, OUT_ROW) != 0)
      return;
    buf_puts(&b, ",\"bias\":");
    if (out_nums(c, &b, "/updated/bias", &r.bshape, nb, NULL, NULL, OUT_ROW) != 0)
      return;
    buf_putc(&b, '}');
  }
  buf_putc(&b, '}');
  reply_json(c, 200, &b);
}

/* end of h_neuron.c */
