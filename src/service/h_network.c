/*
 * h_network.c: POST /network/forward and POST /network/backward: a stack of L dense
 * layers in the matrix form of backpropagation,
 *
 *   forward:  z_l = a_(l-1) W_l^T + b_l,  a_l = f_l(z_l),  a_0 = x
 *   backward: grad_W_l = grad_z_l^T a_(l-1),  grad_b_l = sum over samples of grad_z_l,
 *             grad_a_(l-1) = grad_z_l W_l,  grad_z_(l-1) = grad_a_(l-1) * f'(z_(l-1)),
 *
 * each layer one call of the engine's layer (through exec/exec.h), the last layer's
 * loss computed from its z as /neuron/backward does; per-layer statistics
 * (eng_layer_stats); and `steps` full-batch SGD steps.
 *
 * Layers are given (`layers`) or generated (`sizes`, `activation`, `init`, `seed`):
 * layer l (1-based) gets exactly the weights POST /init returns for that scheme and
 * its fields, shape [K_l, d_(l-1)] and seed `seed + l - 1` (h_init.h), and zero bias.
 *
 * Limits: at most NET_MAX_LAYERS layers; every array the request makes (generated
 * weights, z, a and the gradients of every layer, the copies SGD updates) counts
 * toward --max-elements with the request's own numbers (413); and the work, steps x
 * 3 M sum_l K_l d_l multiply-adds (a forward, grad_W and grad_a per layer and step),
 * is at most NET_WORK_MAX (a 422 naming /steps; 413 when one step alone is over it).
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "codec/jdoc.h"
#include "exec/exec.h"
#include "service/h_init.h"
#include "service/h_neuron.h"
#include "service/routes.h"

#define NET_MAX_LAYERS 256
/* Multiply-adds a request may ask for, steps included: about a second and a half of one
 * core for the compensated sums (README, "The network lab"). */
#define NET_WORK_MAX ((double)(1u << 30))
#define NET_STEPS_MAX 1000000000.0

static const char *const reductions[] = {"mean", "sum", NULL}; /* enum eng_reduction */

/* `outputs`: which arrays each layer (and grad_x) answers with. */
static const char *const outputs_bwd[] = {"z", "a", "grad_z", "grad_weights", "grad_bias",
                                          "grad_x", "stats", NULL};
enum { O_Z, O_A, O_GRAD_Z, O_GRAD_W, O_GRAD_B, O_GRAD_X, O_STATS };
#define O(bit) (1u << (bit))
/* Forward knows only the first two and stats: its own list, in the same bit order but
 * for stats, which is bit 2 there. */
static const char *const outputs_fwd[] = {"z", "a", "stats", NULL};

/* One element of `layers`, as given. */
struct layer_req {
  struct req_head head;
  struct tensor_in w, b;
  const struct eng_activation *act;
  double p[ENG_MAX_PARAMS];
};

static const struct field layer_fields[] = {
  { .name = "weights", .kind = FK_TENSOR, .required = 1, .rank = 2, .min_len = 1,
    .off = offsetof(struct layer_req, w) },
  { .name = "bias", .kind = FK_TENSOR, .rank = 1, .off = offsetof(struct layer_req, b) },
  { .name = "activation", .kind = FK_ACTIVATION, .def = "identity",
    .off = offsetof(struct layer_req, act) },
  { .name = "params", .kind = FK_PARAMS, .off = offsetof(struct layer_req, p),
    .dep = offsetof(struct layer_req, act) },
  FIELDS_END,
};

/* A layer, resolved, and what it computed at the given weights. */
struct net_layer {
  size_t k, d, width;               /* W is k x d; a has width entries per sample */
  const struct eng_activation *act;
  double p[ENG_MAX_PARAMS];
  double *w, *b;                    /* the weights in use: SGD updates these copies */
  struct shape zshape, ashape, wshape, bshape;
  /* at the given weights, for the reply */
  double *z, *a, *grad_z, *grad_w, *grad_b;
  struct eng_layer_stats st;
  /* the arrays of the steps after the first, and dL/d(input) (but for layer 0: grad_x) */
  double *zs, *as, *grad_zs, *grad_ws, *grad_bs, *grad_in;
};

struct network_req {
  struct req_head head;
  struct tensor_in x;
  const cJSON *layers, *activation, *init;
  struct tensor_in sizes;
  double seed;
  unsigned outputs;
  struct tensor_in targets, grad_output;
  int loss;                 /* an eng_loss, or -1 */
  int reduction;
  double lr, steps;

  /* Resolved. */
  struct init_req ir;       /* generated layers: the init spec */
  int backward;
  size_t nl, m;             /* layers, samples */
  int batch;                /* x is M x d0 */
  struct net_layer *l;
  struct eng_targets t;
  double loss_value;
  double *grad_x;           /* dL/dx at the given weights */
  double *losses;           /* the loss before each step */
};

/* ============================================================ Reading layers */

/* The shapes of layer y's z and a for m samples (batch: [M, ...]; one sample: [...]). */
static void layer_shapes(struct net_layer *y, int batch, size_t m)
{
  memset(&y->zshape, 0, sizeof y->zshape);
  if (batch)
    y->zshape.dim[y->zshape.ndim++] = m;
  y->ashape = y->zshape;
  y->zshape.dim[y->zshape.ndim++] = y->k;
  if (!y->act->reduces)
    y->ashape.dim[y->ashape.ndim++] = y->k;
  y->width = eng_activation_width(y->act, y->k);
  y->wshape.ndim = 2;
  y->wshape.dim[0] = y->k;
  y->wshape.dim[1] = y->d;
  y->bshape.ndim = 1;
  y->bshape.dim[0] = y->k;
}

/* The width a layer's d must equal: x's for the first, else the previous layer's. */
static int width_problem(struct hctx *c, const struct network_req *r, size_t i, size_t d,
                         size_t want, const char *ptr)
{
  if (i == 0)
    return problem(c, 422, ptr,
                   "layer 0 takes %zu numbers per sample but x has %zu (d must equal the width "
                   "of x)", d, want);
  if (r->l[i - 1].act->reduces)
    return problem(c, 422, ptr,
                   "layer %zu takes %zu numbers per sample but layer %zu gives 1 (%s reduces "
                   "its row to one number)", i, d, i - 1, r->l[i - 1].act->name);
  return problem(c, 422, ptr,
                 "layer %zu takes %zu numbers per sample but layer %zu has %zu neurons (a "
                 "layer's d must equal the previous layer's K)", i, d, i - 1, r->l[i - 1].k);
}

static int read_layers(struct hctx *c, struct network_req *r, size_t d0)
{
  const cJSON *it;
  size_t i = 0, in = d0;

  if (cJSON_IsArray(r->layers) && jdoc_packed(c->doc, r->layers) != NULL &&
      jdoc_packed(c->doc, r->layers)->dim[0] > 0) /* numbers, not layers */
    return problem(c, 422, "/layers/0", "layers[0] must be a JSON object (a layer)");
  if (!cJSON_IsArray(r->layers) || r->layers->child == NULL)
    return problem(c, 422, "/layers",
                   "layers must be a non-empty array of layers ({\"weights\": K rows of d, "
                   "\"bias\", \"activation\", \"params\"})");
  r->nl = (size_t)cJSON_GetArraySize(r->layers);
  if (r->nl > NET_MAX_LAYERS)
    return problem(c, 422, "/layers", "layers has %zu layers, more than the %d allowed", r->nl,
                   NET_MAX_LAYERS);
  if ((r->l = ctx_alloc(c, r->nl * sizeof *r->l)) == NULL)
    return -1;
  for (it = r->layers->child; it != NULL; it = it->next, i++) {
    struct layer_req q;
    struct net_layer *y = &r->l[i];
    char ptr[JPTR_MAX], wp[JPTR_MAX], bp[JPTR_MAX];
    memset(&q, 0, sizeof q);
    jptr_index(ptr, sizeof ptr, "/layers", i);
    if (req_decode_object(c, layer_fields, it, ptr, &q.head) != 0)
      return -1;
    jptr_key(wp, sizeof wp, ptr, "weights");
    jptr_key(bp, sizeof bp, ptr, "bias");
    if (q.w.shape.ndim != 2)
      return problem(c, 422, wp, "layers[%zu].weights must be K rows of d numbers (one row per "
                     "neuron)", i);
    y->k = q.w.shape.dim[0];
    y->d = q.w.shape.dim[1];
    y->act = q.act;
    memcpy(y->p, q.p, sizeof y->p);
    if (y->d != in)
      return width_problem(c, r, i, y->d, in, wp);
    if (req_given(&q.head, "bias") && (q.b.shape.ndim != 1 || q.b.n != y->k))
      return problem(c, 422, bp, "layers[%zu].bias must be an array of %zu numbers, one per "
                     "row of weights", i, y->k);
    y->w = ctx_alloc(c, y->k * y->d * sizeof(double));
    y->b = ctx_alloc(c, y->k * sizeof(double));
    if (y->w == NULL || y->b == NULL)
      return -1;
    memcpy(y->w, q.w.v, y->k * y->d * sizeof(double));
    if (req_given(&q.head, "bias"))
      memcpy(y->b, q.b.v, y->k * sizeof(double));
    layer_shapes(y, r->batch, r->m);
    in = y->width;
  }
  return 0;
}

/* ======================================================== Generating layers */

/* `activation` with sizes: one name for every layer, or one per layer. */
static int read_activations(struct hctx *c, struct network_req *r)
{
  const cJSON *v = r->activation;
  size_t i = 0;

  if (v == NULL || cJSON_IsString(v)) {
    const struct eng_activation *a = eng_activation_lookup("identity");
    if (v != NULL && req_activation(c, v, "/activation", &a) != 0)
      return -1;
    for (i = 0; i < r->nl; i++)
      r->l[i].act = a;
  } else if (cJSON_IsArray(v)) {
    if (jdoc_packed(c->doc, v) != NULL && jdoc_packed(c->doc, v)->dim[0] > 0) /* numbers */
      return problem(c, 422, "/activation/0", "activation[0] must be a string (a name)");
    if ((size_t)cJSON_GetArraySize(v) != r->nl)
      return problem(c, 422, "/activation",
                     "activation has %d names; sizes gives %zu layers (one name for every "
                     "layer, or one per layer)", cJSON_GetArraySize(v), r->nl);
    for (const cJSON *it = v->child; it != NULL; it = it->next, i++) {
      char ptr[JPTR_MAX];
      jptr_index(ptr, sizeof ptr, "/activation", i);
      if (req_activation(c, it, ptr, &r->l[i].act) != 0)
        return -1;
    }
  } else {
    return problem(c, 422, "/activation",
                   "activation must be a name, or an array of one name per layer");
  }
  for (i = 0; i < r->nl; i++) {
    eng_params_default(r->l[i].act, r->l[i].p);
    if (r->l[i].act->reduces && i + 1 < r->nl) {
      char ptr[JPTR_MAX];
      if (cJSON_IsArray(v))
        jptr_index(ptr, sizeof ptr, "/activation", i);
      else
        snprintf(ptr, sizeof ptr, "/activation");
      return problem(c, 422, ptr,
                     "%s reduces each row to one number: with sizes it can only be the last "
                     "layer's activation", r->l[i].act->name);
    }
  }
  return 0;
}

/* `init`: a scheme name, or an object of POST /init's fields but shape and seed.
 * Absent: xavier_uniform. */
static int read_init(struct hctx *c, const cJSON *v, struct init_req *ir)
{
  memset(ir, 0, sizeof *ir);
  ir->head.fields = init_spec_fields;
  ir->head.base = "/init";
  if (v == NULL) {
    ir->scheme = ENG_INIT_XAVIER_UNIFORM;
    return 0;
  }
  if (cJSON_IsString(v)) {
    ir->head.given = 1; /* the scheme, field 0 */
    return req_decode_field(c, &init_spec_fields[0], v, "/init", &ir->head);
  }
  if (!cJSON_IsObject(v))
    return problem(c, 422, "/init", "init must be a scheme name (\"he_normal\") or an object "
                   "of /init's fields ({\"scheme\": \"normal\", \"std\": 0.01})");
  return req_decode_object(c, init_spec_fields, v, "/init", &ir->head);
}

static int generate_layers(struct hctx *c, struct network_req *r, size_t d0)
{
  const struct tensor_in *s = &r->sizes;
  size_t total = 0, have = c->doc != NULL ? c->doc->count : 0;

  if (s->shape.ndim != 1 || s->n < 2)
    return problem(c, 422, "/sizes", "sizes must be [d0, K1, ..., KL]: the width of x, then "
                   "the neurons of each layer (at least one layer)");
  for (size_t i = 0; i < s->n; i++)
    if (!(s->v[i] >= 1 && s->v[i] <= INIT_SEED_MAX && floor(s->v[i]) == s->v[i])) {
      char ptr[JPTR_MAX];
      jptr_index(ptr, sizeof ptr, "/sizes", i);
      return problem(c, 422, ptr, "sizes[%zu] must be a positive integer", i);
    }
  if ((size_t)s->v[0] != d0)
    return problem(c, 422, "/sizes/0", "sizes[0] is %zu but x has %zu numbers per sample",
                   (size_t)s->v[0], d0);
  r->nl = s->n - 1;
  if (r->nl > NET_MAX_LAYERS)
    return problem(c, 422, "/sizes", "sizes gives %zu layers, more than the %d allowed", r->nl,
                   NET_MAX_LAYERS);
  if ((uint64_t)r->seed + (r->nl - 1) > (uint64_t)INIT_SEED_MAX)
    return problem(c, 422, "/seed", "seed + %zu (one seed per layer) must be at most "
                   "9007199254740991", r->nl - 1);
  /* the weights to be drawn count toward the element limit */
  for (size_t i = 1; i < s->n; i++) {
    double kd = s->v[i] * s->v[i - 1];
    if (kd > (double)c->cfg->max_elements || (total += (size_t)kd) > c->cfg->max_elements ||
        have + total > c->cfg->max_elements)
      return problem(c, 413, "/sizes", "the generated weights would hold more numbers than "
                     "the limit of %zu", c->cfg->max_elements);
  }
  if ((r->l = ctx_alloc(c, r->nl * sizeof *r->l)) == NULL)
    return -1;
  if (read_activations(c, r) != 0 || read_init(c, r->init, &r->ir) != 0)
    return -1;
  for (size_t i = 0; i < r->nl; i++) {
    struct net_layer *y = &r->l[i];
    struct eng_init in;
    y->d = (size_t)s->v[i];
    y->k = (size_t)s->v[i + 1];
    if (init_config(c, &r->ir, y->k, y->d, (uint64_t)r->seed + i, &in) != 0)
      return -1;
    layer_shapes(y, r->batch, r->m);
  }
  return 0;
}

/* Draws the generated layers' weights (once the limits are checked); zero bias. */
static int draw_weights(struct hctx *c, struct network_req *r)
{
  for (size_t i = 0; i < r->nl; i++) {
    struct net_layer *y = &r->l[i];
    struct eng_init in;
    double sd, bound;
    int rc;
    y->w = ctx_alloc(c, y->k * y->d * sizeof(double));
    y->b = ctx_alloc(c, y->k * sizeof(double));
    if (y->w == NULL || y->b == NULL)
      return -1;
    if (init_config(c, &r->ir, y->k, y->d, (uint64_t)r->seed + i, &in) != 0)
      return -1;
    rc = eng_init_fill(&in, y->w, &sd, &bound);
    if (rc != ENG_OK)
      return problem(c, 422, "/init", "%s", eng_strerror(rc));
  }
  return 0;
}

/* ================================================================ Resolving */

/* Elements of the arrays the request makes, for the element limit: per layer z, a,
 * grad_z (m k each), grad_W and the weights in use (k d each), grad_b and the bias;
 * twice the per-sample ones when steps need a second set; grad_x. */
static double made_elements(const struct network_req *r, size_t steps)
{
  double n = (double)r->m * (double)r->l[0].d;
  for (size_t i = 0; i < r->nl; i++) {
    const struct net_layer *y = &r->l[i];
    double per = 3.0 * (double)r->m * (double)y->k + 2.0 * (double)y->k * ((double)y->d + 1);
    n += steps > 1 ? 2 * per : per;
  }
  return n;
}

static int resolve(struct hctx *c, struct network_req *r)
{
  const struct req_head *h = &r->head;
  int has_layers = req_given(h, "layers"), has_sizes = req_given(h, "sizes");
  size_t d0, steps;
  double work = 0;
  struct net_layer *last;

  if (r->x.shape.ndim == 0)
    return problem(c, 422, "/x", "x must be one sample (an array of numbers) or a batch (rows "
                   "of numbers)");
  r->batch = r->x.shape.ndim == 2;
  r->m = r->batch ? r->x.shape.dim[0] : 1;
  d0 = r->x.shape.dim[r->x.shape.ndim - 1];
  if (has_layers && has_sizes)
    return problem(c, 422, "/sizes", "send layers, or sizes (with activation, init and seed), "
                   "not both");
  if (!has_layers && !has_sizes)
    return problem(c, 422, NULL, "a network needs layers, or sizes (with activation, init and "
                   "seed)");
  if (has_layers) {
    static const char *const gen_only[] = {"activation", "init", "seed"};
    for (size_t i = 0; i < 3; i++)
      if (req_given(h, gen_only[i])) {
        char ptr[JPTR_MAX];
        jptr_key(ptr, sizeof ptr, "", gen_only[i]);
        return problem(c, 422, ptr, "%s applies to generated layers (sizes); with layers, "
                       "each layer gives its own", gen_only[i]);
      }
    if (read_layers(c, r, d0) != 0)
      return -1;
  } else if (generate_layers(c, r, d0) != 0) {
    return -1;
  }
  last = &r->l[r->nl - 1];

  /* the work and the arrays */
  if (!req_given(h, "steps"))
    r->steps = 1;
  steps = req_given(h, "learning_rate") ? (size_t)r->steps : 1;
  if (req_given(h, "steps") && !req_given(h, "learning_rate"))
    return problem(c, 422, "/steps", "steps needs a learning_rate (SGD steps)");
  for (size_t i = 0; i < r->nl; i++)
    work += (double)r->m * (double)r->l[i].k * (double)r->l[i].d;
  work *= r->backward ? 3 : 1;
  if (work > NET_WORK_MAX)
    return problem(c, 413, has_layers ? "/layers" : "/sizes",
                   "one pass through this network is %.0f multiply-adds, over the budget of "
                   "%.0f", work, NET_WORK_MAX);
  if (work * (double)steps > NET_WORK_MAX)
    return problem(c, 422, "/steps",
                   "%zu steps of %.0f multiply-adds each are over the budget of %.0f: at most "
                   "%.0f step(s) for this network and batch", steps, work, NET_WORK_MAX,
                   floor(NET_WORK_MAX / work));
  if ((c->doc != NULL ? (double)c->doc->count : 0) + made_elements(r, steps) >
      (double)c->cfg->max_elements)
    return problem(c, 413, has_layers ? "/layers" : "/sizes",
                   "the arrays of this network over the batch would hold %.0f numbers, over "
                   "the limit of %zu", made_elements(r, steps), c->cfg->max_elements);
  if (has_sizes && draw_weights(c, r) != 0)
    return -1;
  if (!r->backward)
    return 0;

  /* what the last layer's gradient starts from */
  {
    int has_go = req_given(h, "grad_output"), has_targets = req_given(h, "targets");
    char s1[64], s2[64];
    if (has_go == has_targets)
      return problem(c, 422, has_go ? "/targets" : NULL,
                     has_go ? "send grad_output or targets (with loss), not both"
                            : "backward needs grad_output (dL/da of the last layer), or "
                              "targets with a loss");
    if (has_go) {
      if (r->loss >= 0)
        return problem(c, 422, "/loss",
                       "loss applies to targets; with grad_output there is no loss");
      if (!shape_eq(&r->grad_output.shape, &last->ashape))
        return problem(c, 422, "/grad_output",
                       "grad_output has shape %s; it must have the shape of the last layer's "
                       "a, %s", shape_text(&r->grad_output.shape, s1, sizeof s1),
                       shape_text(&last->ashape, s2, sizeof s2));
      return 0;
    }
    if (r->loss < 0)
      return problem(c, 422, "/loss", "loss is required with targets (\"squared\" or "
                                      "\"cross_entropy\")");
    return layer_targets(c, (enum eng_loss)r->loss, &r->targets, &last->ashape, &last->zshape,
                         r->m, 1, &r->t);
  }
}

/* ================================================================ Computing */

static struct eng_layer layer_at(const struct network_req *r, size_t i, const double *in)
{
  const struct net_layer *y = &r->l[i];
  struct eng_layer e = {r->m, y->d, y->k, in, y->w, y->b, y->act, y->p};
  return e;
}

static int engine_problem(struct hctx *c, int rc)
{
  if (rc == ENG_ENOMEM)
    return problem(c, 500, NULL, "out of memory");
  return problem(c, 422, NULL, "%s", eng_strerror(rc));
}

/* One forward pass into z[i] and a[i] (first: the reply's arrays, else the steps'). */
static int forward_pass(struct hctx *c, struct network_req *r, int first)
{
  const double *in = r->x.v;
  for (size_t i = 0; i < r->nl; i++) {
    struct net_layer *y = &r->l[i];
    struct eng_layer e = layer_at(r, i, in);
    double *z = first ? y->z : y->zs, *a = first ? y->a : y->as;
    int rc = exec_layer_forward(&e, z, a);
    if (rc != ENG_OK)
      return engine_problem(c, rc);
    in = a;
  }
  return 0;
}

/* One backward pass from the last layer's loss (or grad_output) to grad_x; the loss
 * into *loss. */
static int backward_pass(struct hctx *c, struct network_req *r, int first, double *loss)
{
  const double *grad_a = req_given(&r->head, "grad_output") ? r->grad_output.v : NULL;
  for (size_t i = r->nl; i-- > 0;) {
    struct net_layer *y = &r->l[i];
    const double *in = i == 0 ? r->x.v : first ? r->l[i - 1].a : r->l[i - 1].as;
    struct eng_layer e = layer_at(r, i, in);
    struct eng_backward_out o = {0};
    int last = i + 1 == r->nl, rc;
    size_t bad = 0;
    o.grad_z = first ? y->grad_z : y->grad_zs;
    o.grad_w = first ? y->grad_w : y->grad_ws;
    o.grad_b = first ? y->grad_b : y->grad_bs;
    o.grad_x = i > 0 ? y->grad_in : first ? r->grad_x : NULL;
    if (last && grad_a == NULL)
      o.loss = loss;
    rc = exec_layer_backward(&e, first ? y->z : y->zs, first ? y->a : y->as, grad_a,
                             last && grad_a == NULL ? (enum eng_loss)r->loss : ENG_LOSS_SQUARED,
                             last && grad_a == NULL ? &r->t : NULL,
                             (enum eng_reduction)r->reduction, &o, &bad);
    if (rc != ENG_OK)
      return last ? layer_backward_problem(c, rc, y->act, &r->targets, &r->t, bad)
                  : engine_problem(c, rc);
    grad_a = y->grad_in;
  }
  return 0;
}

static int alloc_arrays(struct hctx *c, struct network_req *r, size_t steps)
{
  size_t m = r->m;
#define ALLOC(p, n)                                           \
  do {                                                        \
    if (((p) = ctx_alloc(c, (n) * sizeof(double))) == NULL)   \
      return -1;                                              \
  } while (0)
  for (size_t i = 0; i < r->nl; i++) {
    struct net_layer *y = &r->l[i];
    ALLOC(y->z, m * y->k);
    ALLOC(y->a, m * y->width);
    if (!r->backward)
      continue;
    ALLOC(y->grad_z, m * y->k);
    ALLOC(y->grad_w, y->k * y->d);
    ALLOC(y->grad_b, y->k);
    if (i > 0)
      ALLOC(y->grad_in, m * y->d);
    if (steps > 1) {
      ALLOC(y->zs, m * y->k);
      ALLOC(y->as, m * y->width);
      ALLOC(y->grad_zs, m * y->k);
      ALLOC(y->grad_ws, y->k * y->d);
      ALLOC(y->grad_bs, y->k);
    }
  }
  if (r->backward)
    ALLOC(r->grad_x, m * r->l[0].d);
  if (req_given(&r->head, "learning_rate"))
    ALLOC(r->losses, steps);
#undef ALLOC
  return 0;
}

/* ================================================================= Replying */

/* The statistics of layer i as items (the forward ones only without backward). */
static void list_stats(struct outs *l, const struct net_layer *y, int backward)
{
  static const struct shape scalar = {0, {0}};
  outs_open(l, "stats");
  if (backward) {
    outs_tensor(l, "grad_weights_norm", &scalar, &y->st.grad_weights_norm, NULL, NULL, MAP_ROW);
    outs_tensor(l, "grad_z_norm", &scalar, &y->st.grad_z_norm, NULL, NULL, MAP_ROW);
  }
  outs_tensor(l, "a_mean", &scalar, &y->st.a_mean, NULL, NULL, MAP_ROW);
  outs_tensor(l, "a_std", &scalar, &y->st.a_std, NULL, NULL, MAP_ROW);
  if (y->st.has_dadz) {
    outs_tensor(l, "dadz_mean_abs", &scalar, &y->st.dadz_mean_abs, NULL, NULL, MAP_ROW);
    outs_tensor(l, "dead_fraction", &scalar, &y->st.dead_fraction, NULL, NULL, MAP_ROW);
  }
  outs_close(l);
}

/* The loss, grad_x and the layers as items; want is a set of O_* bits. */
static void list_layers(struct outs *l, struct network_req *r, unsigned want)
{
  static const struct shape scalar = {0, {0}};
  if (r->backward && req_given(&r->head, "targets"))
    outs_tensor(l, "loss", &scalar, &r->loss_value, NULL, NULL, MAP_ROW);
  if (r->backward && (want & O(O_GRAD_X)))
    outs_tensor(l, "grad_x", &r->x.shape, r->grad_x, "/x", &r->x.shape, MAP_ROW);
  outs_list(l, "layers");
  for (size_t i = 0; i < r->nl; i++) {
    struct net_layer *y = &r->l[i];
    outs_open(l, NULL);
    if (want & O(O_Z))
      outs_tensor(l, "z", &y->zshape, y->z, "/x", &r->x.shape, MAP_ROW);
    if (want & O(O_A))
      outs_tensor(l, "a", &y->ashape, y->a, "/x", &r->x.shape, MAP_ROW);
    if (r->backward) {
      if (want & O(O_GRAD_Z))
        outs_tensor(l, "grad_z", &y->zshape, y->grad_z, "/x", &r->x.shape, MAP_ROW);
      if (want & O(O_GRAD_W))
        outs_tensor(l, "grad_weights", &y->wshape, y->grad_w, NULL, NULL, MAP_ROW);
      if (want & O(O_GRAD_B))
        outs_tensor(l, "grad_bias", &y->bshape, y->grad_b, NULL, NULL, MAP_ROW);
    }
    if (want & O(O_STATS))
      list_stats(l, y, r->backward);
    outs_close(l);
  }
  outs_end_list(l);
}

/* Items per layer in a reply: the layer's object, five arrays, the statistics' object
 * and six numbers, and an updated layer's object with four items. */
#define ITEMS_PER_LAYER 21

/* Checks every array computed at the given weights, as the reply would name them (a
 * value beyond the largest double is a 422 naming it, even when not asked for); with
 * za, only z and a (before the gradients are computed from them). */
static int check_arrays(struct hctx *c, struct network_req *r, int za)
{
  struct outs *chk = ctx_alloc(c, sizeof *chk);
  int backward = r->backward;
  if (chk == NULL)
    return -1;
  outs_init(chk);
  if (outs_reserve(c, chk, (unsigned)(r->nl * ITEMS_PER_LAYER + 8)) != 0)
    return -1;
  if (za)
    r->backward = 0;
  list_layers(chk, r, za ? O(O_Z) | O(O_A)
                         : O(O_Z) | O(O_A) | O(O_GRAD_Z) | O(O_GRAD_W) | O(O_GRAD_B) |
                             O(O_GRAD_X) | O(O_STATS));
  r->backward = backward;
  return outs_check(c, chk);
}

/* The SGD steps: the first from the gradients at the given weights, each later one
 * after its own forward and backward pass; losses[s] is the loss before step s. */
static int train(struct hctx *c, struct network_req *r, size_t steps)
{
  int has_loss = req_given(&r->head, "targets");
  for (size_t s = 0; s < steps; s++) {
    double loss = r->loss_value;
    if (s > 0 && (forward_pass(c, r, 0) != 0 || backward_pass(c, r, 0, &loss) != 0))
      return -1;
    r->losses[s] = loss;
    if (has_loss && !isfinite(loss))
      return problem(c, 422, "/learning_rate", "training diverged: the loss before step %zu "
                     "is beyond the largest double (a smaller learning_rate?)", s);
    for (size_t i = 0; i < r->nl; i++) {
      struct net_layer *y = &r->l[i];
      size_t kd = y->k * y->d;
      eng_sgd_step(y->w, s == 0 ? y->grad_w : y->grad_ws, kd, r->lr, y->w);
      eng_sgd_step(y->b, s == 0 ? y->grad_b : y->grad_bs, y->k, r->lr, y->b);
      for (size_t q = 0; q < kd + y->k; q++)
        if (!isfinite(q < kd ? y->w[q] : y->b[q - kd]))
          return problem(c, 422, "/learning_rate", "training diverged: step %zu takes "
                         "layers[%zu]'s %s beyond the largest double (a smaller "
                         "learning_rate?)", s, i, q < kd ? "weights" : "bias");
    }
  }
  return 0;
}

/* ============================================================ The operation */

static int run(struct hctx *c, struct req_head *h, struct outs *l, int backward)
{
  struct network_req *r = (struct network_req *)h;
  int lr = req_given(h, "learning_rate");
  size_t steps;
  unsigned want;

  r->backward = backward;
  if (resolve(c, r) != 0)
    return -1;
  steps = lr ? (size_t)r->steps : 1;
  if (alloc_arrays(c, r, steps) != 0)
    return -1;
  /* the outputs asked for, as O_* bits (forward's own list has stats at bit 2) */
  if (!req_given(h, "outputs"))
    want = backward ? O(O_GRAD_W) | O(O_GRAD_B) | O(O_GRAD_X) | O(O_STATS)
                    : O(O_Z) | O(O_A) | O(O_STATS);
  else if (backward)
    want = r->outputs;
  else
    want = (r->outputs & 3u) | ((r->outputs & 4u) ? O(O_STATS) : 0);

  /* at the given weights: forward, backward, statistics, every array checked */
  if (forward_pass(c, r, 1) != 0 || check_arrays(c, r, 1) != 0)
    return -1;
  if (backward && backward_pass(c, r, 1, &r->loss_value) != 0)
    return -1;
  for (size_t i = 0; i < r->nl; i++) {
    struct net_layer *y = &r->l[i];
    struct eng_layer e = layer_at(r, i, i == 0 ? r->x.v : r->l[i - 1].a);
    int rc = eng_layer_stats(&e, y->z, y->a, backward ? y->grad_z : NULL,
                             backward ? y->grad_w : NULL, &y->st);
    if (rc != ENG_OK)
      return engine_problem(c, rc);
  }
  if (check_arrays(c, r, 0) != 0)
    return -1;
  if (lr && train(c, r, steps) != 0)
    return -1;

  if (outs_reserve(c, l, (unsigned)(r->nl * ITEMS_PER_LAYER + 8)) != 0)
    return -1;
  if (!backward) {
    struct net_layer *last = &r->l[r->nl - 1];
    outs_tensor(l, "a", &last->ashape, last->a, "/x", &r->x.shape, MAP_ROW);
  }
  list_layers(l, r, want);
  if (lr && req_given(h, "targets")) {
    struct shape *ls = ctx_alloc(c, sizeof *ls);
    if (ls == NULL)
      return -1;
    ls->ndim = 1;
    ls->dim[0] = steps;
    outs_tensor(l, "losses", ls, r->losses, NULL, NULL, MAP_ROW);
  }
  if (lr) {
    outs_list(l, "updated");
    for (size_t i = 0; i < r->nl; i++) {
      struct net_layer *y = &r->l[i];
      outs_open(l, NULL);
      outs_tensor(l, "weights", &y->wshape, y->w, NULL, NULL, MAP_ROW);
      outs_tensor(l, "bias", &y->bshape, y->b, NULL, NULL, MAP_ROW);
      outs_string(l, "activation", y->act->name);
      outs_params(l, "params", y->act, y->p);
      outs_close(l);
    }
    outs_end_list(l);
  }
  return 0;
}

#define NETWORK_FIELDS                                                                    \
  { .name = "x", .kind = FK_TENSOR, .required = 1, .rank = 2, .min_len = 1,               \
    .off = offsetof(struct network_req, x) },                                             \
  { .name = "layers", .kind = FK_JSON, .off = offsetof(struct network_req, layers) },     \
  { .name = "sizes", .kind = FK_TENSOR, .rank = 1, .off = offsetof(struct network_req, sizes) }, \
  { .name = "activation", .kind = FK_JSON, .off = offsetof(struct network_req, activation) }, \
  { .name = "init", .kind = FK_JSON, .off = offsetof(struct network_req, init) },         \
  { .name = "seed", .kind = FK_INTEGER, .lo = 0, .hi = INIT_SEED_MAX,                     \
    .off = offsetof(struct network_req, seed) }

static const struct field forward_fields[] = {
  NETWORK_FIELDS,
  { .name = "outputs", .kind = FK_NAMES, .choices = outputs_fwd,
    .off = offsetof(struct network_req, outputs) },
  FIELDS_END,
};

static const struct field backward_fields[] = {
  NETWORK_FIELDS,
  { .name = "outputs", .kind = FK_NAMES, .choices = outputs_bwd,
    .off = offsetof(struct network_req, outputs) },
  { .name = "targets", .kind = FK_TENSOR, .rank = 2,
    .off = offsetof(struct network_req, targets) },
  { .name = "grad_output", .kind = FK_TENSOR, .rank = 2,
    .off = offsetof(struct network_req, grad_output) },
  { .name = "loss", .kind = FK_LOSS, .flags = FF_LAYER, .off = offsetof(struct network_req, loss) },
  { .name = "reduction", .kind = FK_CHOICE, .choices = reductions, .def = "mean",
    .off = offsetof(struct network_req, reduction) },
  { .name = "learning_rate", .kind = FK_NUMBER, .lo = 0, .hi = DBL_MAX,
    .off = offsetof(struct network_req, lr) },
  { .name = "steps", .kind = FK_INTEGER, .lo = 1, .hi = NET_STEPS_MAX,
    .off = offsetof(struct network_req, steps) },
  FIELDS_END,
};

static int run_forward(struct hctx *c, struct req_head *h, struct outs *l)
{
  return run(c, h, l, 0);
}

static int run_backward(struct hctx *c, struct req_head *h, struct outs *l)
{
  return run(c, h, l, 1);
}

const struct op op_network_forward = { forward_fields, sizeof(struct network_req),
                                       run_forward };
const struct op op_network_backward = { backward_fields, sizeof(struct network_req),
                                        run_backward };

/* end of h_network.c */
