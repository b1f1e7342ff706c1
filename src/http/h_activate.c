/*
 * h_activate.c: POST /activate: an activation, its derivatives, parameter gradients,
 * Jacobians and vector-Jacobian products over a number, an array or rows.
 *
 * Request {activation, params?, x, outputs?, grad_y?}; response {activation, params,
 * shape, <outputs asked>, grad_x?}. Names, defaults, ranges and kinds come from the
 * engine's table; the numbers go from the packed request arrays straight into the
 * engine and from its arrays into one response buffer.
 */
#include <float.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "http.h"
#include "num.h"

#include "act_common.h"

enum { OUT_Y = 1, OUT_DY = 2, OUT_D2Y = 4, OUT_DP = 8, OUT_JAC = 16 };

static const struct {
  const char *name;
  unsigned bit;
} output_names[] = {
  {"y", OUT_Y}, {"dy_dx", OUT_DY}, {"d2y_dx2", OUT_D2Y}, {"dy_dparams", OUT_DP},
  {"jacobian", OUT_JAC},
};
#define NOUTPUTS (sizeof output_names / sizeof output_names[0])

static int has_learnable(const struct eng_activation *a)
{
  for (unsigned j = 0; j < a->nparams; j++)
    if (a->params[j].learnable)
      return 1;
  return 0;
}

/* Reads "outputs" into a bit set; default y + dy_dx (element-wise) or y (vector). */
static int read_outputs(struct hctx *c, const struct eng_activation *a, const cJSON *v,
                        unsigned *bits)
{
  char ptr[32];
  size_t i = 0;

  if (v == NULL) {
    *bits = a->kind == ENG_ELEMENTWISE ? OUT_Y | OUT_DY : OUT_Y;
    return 0;
  }
  if (!cJSON_IsArray(v))
    return problem(c, 422, "/outputs",
                   "outputs must be an array of strings among y, dy_dx, d2y_dx2, "
                   "dy_dparams, jacobian");
  *bits = 0;
  for (const cJSON *it = v->child; it != NULL; it = it->next, i++) {
    size_t k;
    snprintf(ptr, sizeof ptr, "/outputs/%zu", i);
    if (!cJSON_IsString(it))
      return problem(c, 422, ptr, "outputs[%zu] must be a string", i);
    for (k = 0; k < NOUTPUTS; k++)
      if (strcmp(it->valuestring, output_names[k].name) == 0)
        break;
    if (k == NOUTPUTS)
      return problem(c, 422, ptr,
                     "outputs[%zu] \"%.64s\" is not an output (expected one of: y, dy_dx, "
                     "d2y_dx2, dy_dparams, jacobian)", i, it->valuestring);
    if (a->kind == ENG_VECTOR && (output_names[k].bit & (OUT_DY | OUT_D2Y | OUT_DP)))
      return problem(c, 422, ptr,
                     "%s is not defined for the vector activation %s (ask for jacobian, "
                     "or send grad_y for grad_x)", it->valuestring, a->name);
    if (a->kind == ENG_ELEMENTWISE && output_names[k].bit == OUT_JAC)
      return problem(c, 422, ptr,
                     "jacobian is defined for vector activations only; %s is element-wise "
                     "(its Jacobian is diagonal: dy_dx)", a->name);
    if (output_names[k].bit == OUT_DP && !has_learnable(a))
      return problem(c, 422, ptr, "%s has no differentiable parameters", a->name);
    *bits |= output_names[k].bit;
  }
  return 0;
}

/* One part of a large request: eng_activate on units [lo, hi), an element each for an
 * element-wise function, a row each for a vector one; every pointer offset to match. */
struct act_job {
  const struct eng_activation *a;
  const double *p, *x;
  size_t k, w;
  const struct eng_act_out *o;
  int rc[64];
};

static double *off(double *v, size_t i)
{
  return v != NULL ? v + i : NULL;
}

static void act_part(void *ctx, size_t lo, size_t hi, unsigned part)
{
  struct act_job *j = ctx;
  struct eng_act_out o = *j->o;
  size_t in = j->a->kind == ENG_VECTOR ? j->k : 1, outw = j->a->kind == ENG_VECTOR ? j->w : 1;
  o.y = off(o.y, lo * outw);
  o.dy = off(o.dy, lo);
  o.d2y = off(o.d2y, lo);
  for (unsigned q = 0; q < ENG_MAX_PARAMS; q++)
    o.dp[q] = off(o.dp[q], lo);
  o.jac = off(o.jac, lo * j->w * j->k);
  o.argmax = o.argmax != NULL ? o.argmax + lo : NULL;
  o.grad_x = off(o.grad_x, lo * in);
  o.grad_y = o.grad_y != NULL ? o.grad_y + lo * outw : NULL;
  j->rc[part] = eng_activate(j->a, j->p, j->x + lo * in, (hi - lo) * in, j->k, &o);
}

/* eng_activate, split across the worker threads when the request is large. */
static int activate_parallel(const struct eng_activation *a, const double *p, const double *x,
                             size_t n, size_t k, size_t w, const struct eng_act_out *o)
{
  struct act_job j;
  size_t units = a->kind == ENG_VECTOR ? n / k : n;
  unsigned parts = par_parts(n, 16384);
  if (parts <= 1 || units < parts)
    return eng_activate(a, p, x, n, k, o);
  memset(&j, 0, sizeof j);
  j.a = a;
  j.p = p;
  j.x = x;
  j.k = k;
  j.w = w;
  j.o = o;
  par_run(units, parts, act_part, &j);
  for (unsigned i = 0; i < parts; i++)
    if (j.rc[i] != ENG_OK)
      return j.rc[i];
  return ENG_OK;
}

void h_activate_post(struct hctx *c)
{
  static const char *const fields[] = {"activation", "params", "x", "outputs", "grad_y",
                                       NULL};
  enum { F_ACT, F_PARAMS, F_X, F_OUTPUTS, F_GRAD_Y };
  const cJSON *v[6] = {0};
  const struct eng_activation *a;
  double p[ENG_MAX_PARAMS];
  struct numview x, gy;
  struct shape yshape, jshape;
  struct eng_act_out o;
  unsigned bits = 0;
  size_t n, k = 1, m = 1, w, ny;
  int rc;
  struct buf b;

  if (ctx_object(c, fields, v) != 0)
    return;
  if (act_resolve(c, v[F_ACT], "/activation", &a) != 0)
    return;
  if (act_params(c, a, v[F_PARAMS], "/params", p) != 0)
    return;
  if (read_outputs(c, a, v[F_OUTPUTS], &bits) != 0)
    return;
  if (ctx_numbers(c, v[F_X], "/x", 2, a->kind == ENG_VECTOR ? 1 : 0, &x) != 0)
    return;
  n = x.n;

  /* The shape of y: x's, or for a vector function one row of width w per row. */
  yshape = x.shape;
  if (a->kind == ENG_VECTOR) {
    if (x.shape.ndim == 0) {
      problem(c, 422, "/x",
              "x must be an array (one row) or an array of rows for the vector activation %s",
              a->name);
      return;
    }
    k = x.shape.dim[x.shape.ndim - 1];
    m = n / k;
    w = eng_activation_width(a, k);
    if (w == 1) { /* one value per row: a row gives a number, rows an array */
      yshape.ndim = x.shape.ndim - 1;
      yshape.dim[0] = m;
    } else {
      yshape.dim[yshape.ndim - 1] = w;
    }
  } else {
    w = 1;
  }
  ny = a->kind == ENG_VECTOR ? m * w : n;

  memset(&o, 0, sizeof o);
  if (v[F_GRAD_Y] != NULL) {
    char name[32];
    if (ctx_numbers(c, v[F_GRAD_Y], "/grad_y", 2, 0, &gy) != 0)
      return;
    if (gy.shape.ndim != yshape.ndim || shape_count(&gy.shape) != shape_count(&yshape) ||
        (yshape.ndim >= 1 && gy.shape.dim[0] != yshape.dim[0]) ||
        (yshape.ndim >= 2 && gy.shape.dim[1] != yshape.dim[1])) {
      struct buf s1, s2;
      buf_init(&s1, 32);
      buf_init(&s2, 32);
      buf_shape(&s1, &gy.shape);
      buf_shape(&s2, &yshape);
      buf_putc(&s1, '\0');
      buf_putc(&s2, '\0');
      snprintf(name, sizeof name, "grad_y");
      problem(c, 422, "/grad_y", "%s has shape %s; it must have the shape of y, %s", name,
              s1.failed ? "?" : s1.p, s2.failed ? "?" : s2.p);
      buf_free(&s1);
      buf_free(&s2);
      return;
    }
    o.grad_y = gy.v;
    if ((o.grad_x = ctx_alloc(c, n * sizeof(double) + 1)) == NULL)
      return;
  }
  if ((bits & OUT_Y) && (o.y = ctx_alloc(c, ny * sizeof(double) + 1)) == NULL)
    return;
  if ((bits & OUT_DY) && (o.dy = ctx_alloc(c, n * sizeof(double) + 1)) == NULL)
    return;
  if ((bits & OUT_D2Y) && (o.d2y = ctx_alloc(c, n * sizeof(double) + 1)) == NULL)
    return;
  if (bits & OUT_DP)
    for (unsigned j = 0; j < a->nparams; j++)
      if (a->params[j].learnable && (o.dp[j] = ctx_alloc(c, n * sizeof(double) + 1)) == NULL)
        return;
  if (bits & OUT_JAC) {
    /* m blocks of w x k: bounded by the element limit like any input. */
    if (k != 0 && m * w > c->cfg->max_elements / k) {
      problem(c, 413, "/outputs",
              "the jacobian would hold %zu x %zu x %zu numbers, over the limit of %zu", m, w,
              k, c->cfg->max_elements);
      return;
    }
    if ((o.jac = ctx_alloc(c, m * w * k * sizeof(double) + 1)) == NULL)
      return;
  }
  if (a->kind == ENG_VECTOR && w == 1 &&
      (o.argmax = ctx_alloc(c, m * sizeof(size_t) + 1)) == NULL)
    return;

  rc = activate_parallel(a, p, x.v, n, k, w, &o);
  if (rc != ENG_OK) {
    if (rc == ENG_ENOMEM)
      problem(c, 500, NULL, "out of memory");
    else
      problem(c, 422, NULL, "%s", eng_strerror(rc));
    return;
  }

  /* the request is read: its numbers go before the reply's text is made */
  ctx_drop_input(c);
  buf_init(&b, 256 + (NUM_MAX_LEN + 1) * (n * (2 + !!o.d2y + !!o.grad_x) +
                                          (o.jac != NULL ? m * w * k : 0)));
  buf_puts(&b, "{\"activation\":");
  buf_jstr(&b, a->name);
  buf_puts(&b, ",\"params\":");
  act_put_params(&b, a, p);
  buf_puts(&b, ",\"shape\":");
  buf_shape(&b, &x.shape);
  if (o.y != NULL) {
    buf_puts(&b, ",\"y\":");
    if (out_nums(c, &b, "/y", &yshape, o.y, "/x", &x.shape,
                 yshape.ndim == x.shape.ndim ? OUT_SAME : OUT_ROW) != 0)
      return;
  }
  if (o.argmax != NULL) {
    buf_puts(&b, ",\"argmax\":");
    if (yshape.ndim == 0) {
      buf_uint(&b, o.argmax[0]);
    } else {
      buf_putc(&b, '[');
      for (size_t r = 0; r < m; r++) {
        if (r > 0)
          buf_putc(&b, ',');
        buf_uint(&b, o.argmax[r]);
      }
      buf_putc(&b, ']');
    }
  }
  if (o.dy != NULL) {
    buf_puts(&b, ",\"dy_dx\":");
    if (out_nums(c, &b, "/dy_dx", &x.shape, o.dy, "/x", &x.shape, OUT_SAME) != 0)
      return;
  }
  if (o.d2y != NULL) {
    buf_puts(&b, ",\"d2y_dx2\":");
    if (out_nums(c, &b, "/d2y_dx2", &x.shape, o.d2y, "/x", &x.shape, OUT_SAME) != 0)
      return;
  }
  if (bits & OUT_DP) {
    int first = 1;
    char name[64];
    buf_puts(&b, ",\"dy_dparams\":{");
    for (unsigned j = 0; j < a->nparams; j++) {
      if (o.dp[j] == NULL)
        continue;
      if (!first)
        buf_putc(&b, ',');
      first = 0;
      buf_jstr(&b, a->params[j].name);
      buf_putc(&b, ':');
      snprintf(name, sizeof name, "/dy_dparams/%s", a->params[j].name);
      if (out_nums(c, &b, name, &x.shape, o.dp[j], "/x", &x.shape, OUT_SAME) != 0)
        return;
    }
    buf_putc(&b, '}');
  }
  if (o.jac != NULL) {
    /* Per row a w x k matrix; a single row (1-D x) gives one matrix. */
    jshape.ndim = x.shape.ndim == 1 ? 2 : 3;
    if (jshape.ndim == 2) {
      jshape.dim[0] = w;
      jshape.dim[1] = k;
    } else {
      jshape.dim[0] = m;
      jshape.dim[1] = w;
      jshape.dim[2] = k;
    }
    buf_puts(&b, ",\"jacobian\":");
    if (out_nums(c, &b, "/jacobian", &jshape, o.jac, "/x", &x.shape, OUT_ROW) != 0)
      return;
  }
  if (o.grad_x != NULL) {
    buf_puts(&b, ",\"grad_x\":");
    if (out_nums(c, &b, "/grad_x", &x.shape, o.grad_x, "/x", &x.shape, OUT_SAME) != 0)
      return;
  }
  buf_putc(&b, '}');
  reply_json(c, 200, &b);
}

/* end of h_activate.c */
