/*
 * h_activate.c: POST /activate: an activation, its derivatives, parameter gradients,
 * Jacobians and vector-Jacobian products over a number, an array or rows.
 *
 * Request {activation, params?, x, outputs?, grad_y?}; answer {activation, params,
 * shape, <outputs asked>, argmax?, grad_x?}. Names, defaults, ranges, kinds and what
 * each activation gives come from the engine's table; the numbers go from the packed
 * request arrays straight into the engine, and from its arrays to the encoder.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"
#include "service/h_activate.h"
#include "service/routes.h"

/* The outputs a request may name, in the order of ACT_OUT_* bits. */
const char *const act_output_names[] = {"y", "dy_dx", "d2y_dx2", "dy_dparams", "jacobian",
                                        NULL};
static const unsigned act_output_gives[] = {ENG_GIVES_Y, ENG_GIVES_DY, ENG_GIVES_D2Y,
                                            ENG_GIVES_DP, ENG_GIVES_JAC};

/* outputs: each one must be one that the activation gives; default y + dy_dx
 * (element-wise) or y (vector). */
static int check_outputs(struct hctx *c, struct req_head *h, const cJSON *v, const char *ptr)
{
  struct act_req *r = (struct act_req *)h;
  const struct eng_activation *a = r->act;
  unsigned gives = eng_activation_gives(a);
  char p[JPTR_MAX];
  size_t i = 0;

  if (v == NULL) {
    r->outputs = a->kind == ENG_ELEMENTWISE ? ACT_OUT_Y | ACT_OUT_DY : ACT_OUT_Y;
    return 0;
  }
  for (const cJSON *it = v->child; it != NULL; it = it->next, i++) {
    unsigned k = 0;
    while (strcmp(act_output_names[k], it->valuestring) != 0)
      k++;
    if (gives & act_output_gives[k])
      continue;
    jptr_index(p, sizeof p, ptr, i);
    if (a->kind == ENG_VECTOR)
      return problem(c, 422, p,
                     "%s is not defined for the vector activation %s (ask for jacobian, "
                     "or send grad_y for grad_x)", it->valuestring, a->name);
    if (act_output_gives[k] == ENG_GIVES_JAC)
      return problem(c, 422, p,
                     "jacobian is defined for vector activations only; %s is element-wise "
                     "(its Jacobian is diagonal: dy_dx)", a->name);
    return problem(c, 422, p, "%s has no differentiable parameters", a->name);
  }
  return 0;
}

/* x: a vector function acts on rows, so x is one row (1-D) or rows, none empty. */
static int check_x(struct hctx *c, struct req_head *h, const cJSON *v, const char *ptr)
{
  struct act_req *r = (struct act_req *)h;
  (void)v;
  if (r->act->kind != ENG_VECTOR)
    return 0;
  if (r->x.shape.ndim == 0)
    return problem(c, 422, ptr,
                   "x must be an array (one row) or an array of rows for the vector "
                   "activation %s", r->act->name);
  if (r->x.shape.dim[0] == 0)
    return problem(c, 422, ptr, "x must have at least 1 element");
  if (r->x.shape.ndim == 2 && r->x.shape.dim[1] == 0)
    return problem(c, 422, "/x/0", "x[0] must have at least 1 element");
  return 0;
}

/* grad_y has the shape of y. */
static int check_grad_y(struct hctx *c, struct req_head *h, const cJSON *v, const char *ptr)
{
  struct act_req *r = (struct act_req *)h;
  struct shape ys;
  char s1[64], s2[64];
  r->has_grad_y = v != NULL;
  if (v == NULL)
    return 0;
  act_y_shape(r, &ys, NULL, NULL, NULL);
  if (shape_eq(&r->grad_y.shape, &ys))
    return 0;
  return problem(c, 422, ptr, "grad_y has shape %s; it must have the shape of y, %s",
                 shape_text(&r->grad_y.shape, s1, sizeof s1), shape_text(&ys, s2, sizeof s2));
}

static const struct field fields[] = {
  { .name = "activation", .kind = FK_ACTIVATION, .required = 1,
    .off = offsetof(struct act_req, act) },
  { .name = "params", .kind = FK_PARAMS, .off = offsetof(struct act_req, p),
    .dep = offsetof(struct act_req, act) },
  { .name = "x", .kind = FK_TENSOR, .required = 1, .rank = 2,
    .off = offsetof(struct act_req, x), .check = check_x },
  { .name = "outputs", .kind = FK_NAMES, .choices = act_output_names,
    .off = offsetof(struct act_req, outputs), .check = check_outputs },
  { .name = "grad_y", .kind = FK_TENSOR, .rank = 2, .off = offsetof(struct act_req, grad_y),
    .check = check_grad_y },
  FIELDS_END,
};

int act_check_inputs(struct hctx *c, struct act_req *r, const char *xptr, const char *gptr)
{
  if (check_x(c, &r->head, NULL, xptr) != 0)
    return -1;
  if (!r->has_grad_y)
    return 0;
  return check_grad_y(c, &r->head, (const cJSON *)r, gptr);
}

void act_y_shape(const struct act_req *r, struct shape *ys, size_t *k, size_t *m, size_t *w)
{
  const struct shape *xs = &r->x.shape;
  size_t kk = 1, mm = 1, ww = 1;
  *ys = *xs;
  if (r->act->kind == ENG_VECTOR && xs->ndim > 0) {
    kk = xs->dim[xs->ndim - 1];
    mm = kk > 0 ? r->x.n / kk : 0;
    ww = eng_activation_width(r->act, kk);
    if (r->act->reduces) { /* one value per row: a row gives a number, rows an array */
      ys->ndim = xs->ndim - 1;
      ys->dim[0] = mm;
    } else {
      ys->dim[ys->ndim - 1] = ww;
    }
  }
  if (k != NULL)
    *k = kk;
  if (m != NULL)
    *m = mm;
  if (w != NULL)
    *w = ww;
}

int act_compute(struct hctx *c, const struct act_req *r, struct act_result *res)
{
  const struct eng_activation *a = r->act;
  struct eng_act_out *o = &res->o;
  size_t n = r->x.n, k, m, w, ny;
  int rc;

  /* outputs already placed by the caller (res->o) are written there */
  for (unsigned j = 0; j < a->nparams; j++) /* the inference protocol's name: dy_dalpha */
    snprintf(res->dp_wire[j], sizeof res->dp_wire[j], "dy_d%s", a->params[j].name);
  act_y_shape(r, &res->yshape, &k, &m, &w);
  res->k = k;
  res->m = m;
  res->w = w;
  ny = a->kind == ENG_VECTOR ? m * w : n;
  if (r->has_grad_y) {
    o->grad_y = r->grad_y.v;
    if (o->grad_x == NULL &&
        (o->grad_x = ctx_alloc_raw(c, n * sizeof(double) + 1)) == NULL)
      return -1;
  }
  if ((r->outputs & ACT_OUT_Y) && o->y == NULL &&
      (o->y = ctx_alloc_raw(c, ny * sizeof(double) + 1)) == NULL)
    return -1;
  if ((r->outputs & ACT_OUT_DY) && o->dy == NULL &&
      (o->dy = ctx_alloc_raw(c, n * sizeof(double) + 1)) == NULL)
    return -1;
  if ((r->outputs & ACT_OUT_D2Y) && o->d2y == NULL &&
      (o->d2y = ctx_alloc_raw(c, n * sizeof(double) + 1)) == NULL)
    return -1;
  if (r->outputs & ACT_OUT_DP)
    for (unsigned j = 0; j < a->nparams; j++)
      if (a->params[j].learnable && o->dp[j] == NULL &&
          (o->dp[j] = ctx_alloc_raw(c, n * sizeof(double) + 1)) == NULL)
        return -1;
  if (r->outputs & ACT_OUT_JAC) {
    /* m blocks of w x k: bounded by the element limit like any input. */
    if (k != 0 && m * w > c->cfg->max_elements / k)
      return problem(c, 413, "/outputs",
                     "the jacobian would hold %zu x %zu x %zu numbers, over the limit of %zu",
                     m, w, k, c->cfg->max_elements);
    if (o->jac == NULL && (o->jac = ctx_alloc_raw(c, m * w * k * sizeof(double) + 1)) == NULL)
      return -1;
  }
  if (a->reduces && (o->argmax = ctx_alloc(c, m * sizeof(size_t) + 1)) == NULL)
    return -1;

  rc = exec_activate(a, r->p, r->x.v, n, k, w, o);
  if (rc == ENG_ENOMEM)
    return problem(c, 500, NULL, "out of memory");
  if (rc != ENG_OK)
    return problem(c, 422, NULL, "%s", eng_strerror(rc));
  return 0;
}

/* The exact-value descriptor of an output (out_exact), for a narrower type's rounding. */
static void exact_of(struct out *o, const struct act_req *r, const struct act_result *res,
                     unsigned which)
{
  o->exact.act = r->act;
  o->exact.p = r->p;
  o->exact.x = r->x.v;
  o->exact.grad_y = r->has_grad_y ? r->grad_y.v : NULL;
  o->exact.k = res->k;
  o->exact.which = which;
}

void act_outs(const struct act_req *r, const struct act_result *res, struct outs *l)
{
  const struct eng_activation *a = r->act;
  const struct shape *xs = &r->x.shape;
  int vec = a->kind == ENG_VECTOR;
  struct out *o;

  outs_string(l, "activation", a->name);
  outs_params(l, "params", a, r->p);
  outs_shape(l, "shape", xs);
  if (res->o.y != NULL)
    exact_of(outs_tensor(l, "y", &res->yshape, res->o.y, "/x", xs,
                         res->yshape.ndim == xs->ndim ? MAP_SAME : MAP_ROW),
             r, res, vec ? ENG_VOUT_Y : ENG_OUT_Y);
  if (res->o.argmax != NULL) {
    o = outs_add(l, OUT_INDEX, "argmax");
    o->shape = res->yshape;
    o->idx = res->o.argmax;
  }
  if (res->o.dy != NULL)
    exact_of(outs_tensor(l, "dy_dx", xs, res->o.dy, "/x", xs, MAP_SAME), r, res, ENG_OUT_DY);
  if (res->o.d2y != NULL)
    exact_of(outs_tensor(l, "d2y_dx2", xs, res->o.d2y, "/x", xs, MAP_SAME), r, res,
             ENG_OUT_D2Y);
  if (r->outputs & ACT_OUT_DP) {
    outs_open(l, "dy_dparams");
    for (unsigned j = 0; j < a->nparams; j++)
      if (res->o.dp[j] != NULL) {
        o = outs_tensor(l, a->params[j].name, xs, res->o.dp[j], "/x", xs, MAP_SAME);
        o->wire = res->dp_wire[j];
        exact_of(o, r, res, ENG_OUT_DP + j);
      }
    outs_close(l);
  }
  if (res->o.jac != NULL) {
    /* Per row a w x k matrix; a single row (1-D x) gives one matrix. */
    struct shape js;
    js.ndim = xs->ndim == 1 ? 2 : 3;
    if (js.ndim == 2) {
      js.dim[0] = res->w;
      js.dim[1] = res->k;
    } else {
      js.dim[0] = res->m;
      js.dim[1] = res->w;
      js.dim[2] = res->k;
    }
    exact_of(outs_tensor(l, "jacobian", &js, res->o.jac, "/x", xs, MAP_ROW), r, res,
             ENG_VOUT_JAC);
  }
  if (res->o.grad_x != NULL)
    exact_of(outs_tensor(l, "grad_x", xs, res->o.grad_x, "/x", xs, MAP_SAME), r, res,
             vec ? ENG_VOUT_GRAD_X : ENG_OUT_GRAD_X);
}

static int run(struct hctx *c, struct req_head *h, struct outs *l)
{
  struct act_req *r = (struct act_req *)h;
  struct act_result *res = ctx_alloc(c, sizeof *res);

  if (res == NULL || act_compute(c, r, res) != 0)
    return -1;
  /* the request is read: its numbers go before the reply's text is made */
  ctx_drop_input(c);
  r->x.v = NULL;
  r->grad_y.v = NULL;
  act_outs(r, res, l);
  return 0;
}

const struct op op_activate = { fields, sizeof(struct act_req), run };

/* end of h_activate.c */
