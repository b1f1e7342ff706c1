/*
 * h_init.c: POST /init: weights of shape [K, d] (or [d] for one neuron) drawn by a
 * scheme of the engine's table (by name or alias), reproducible by seed on every
 * machine, with a zero bias of the matching shape.
 *
 * The engine's table says which fields each scheme takes: normal mean and std (0, 1);
 * uniform low and high (0, 1); the xavier, lecun and he schemes gain (1) and fan_in /
 * fan_out (d and K). A field that does not belong to the scheme is a 422, so it is never
 * silently ignored.
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "service/h_init.h"
#include "service/routes.h"

/* Every field the request names must be one the scheme takes. */
static int check_scheme(struct hctx *c, struct req_head *h, const cJSON *v, const char *ptr)
{
  struct init_req *r = (struct init_req *)h;
  unsigned takes = eng_init_takes((enum eng_init_scheme)r->scheme);
  (void)v;
  (void)ptr;
  for (int f = 0; f < ENG_INIT_F__COUNT; f++) {
    const char *name = eng_init_field_name((enum eng_init_field)f);
    char p[JPTR_MAX];
    if (req_given(h, name) && !(takes & (1u << f))) {
      jptr_key(p, sizeof p, h->base, name);
      return problem(c, 422, p, "%s does not apply to the scheme %s", name,
                     eng_init_name((enum eng_init_scheme)r->scheme));
    }
  }
  return 0;
}

/* shape: [K, d], or [d] for one neuron, within the element limit. */
static int check_shape(struct hctx *c, struct req_head *h, const cJSON *v, const char *ptr)
{
  struct init_req *r = (struct init_req *)h;
  const struct tensor_in *sh = &r->shape;
  double k, d;
  (void)v;
  if (sh->shape.ndim != 1 || sh->n > 2)
    return problem(c, 422, ptr, "shape must be [K, d] (a layer) or [d] (one neuron)");
  for (size_t i = 0; i < sh->n; i++)
    if (sh->v[i] < 1 || sh->v[i] > INIT_SEED_MAX || floor(sh->v[i]) != sh->v[i]) {
      char p[JPTR_MAX];
      jptr_index(p, sizeof p, ptr, i);
      return problem(c, 422, p, "shape[%zu] must be a positive integer", i);
    }
  k = sh->n == 2 ? sh->v[0] : 1;
  d = sh->n == 2 ? sh->v[1] : sh->v[0];
  if ((size_t)d > c->cfg->max_elements / (size_t)k)
    return problem(c, 413, ptr, "shape asks for %.0f weights, over the limit of %zu", k * d,
                   c->cfg->max_elements);
  return 0;
}

#define INIT_NUM(field_name, id, low, fl)                                             \
  { .name = field_name, .kind = FK_NUMBER, .lo = (low), .hi = DBL_MAX, .flags = (fl), \
    .off = offsetof(struct init_req, f) + sizeof(double) * ENG_INIT_F_##id }

#define INIT_SCHEME                                                                       \
  { .name = "scheme", .kind = FK_SCHEME, .required = 1, .off = offsetof(struct init_req, scheme), \
    .check = check_scheme }
#define INIT_NUMS                                                                         \
  INIT_NUM("mean", MEAN, -DBL_MAX, 0),                                                    \
  INIT_NUM("std", STD, 0, 0),                                                             \
  INIT_NUM("low", LOW, -DBL_MAX, 0),                                                      \
  INIT_NUM("high", HIGH, -DBL_MAX, 0),                                                    \
  INIT_NUM("gain", GAIN, 0, 0),                                                           \
  INIT_NUM("fan_in", FAN_IN, 0, FF_LO_OPEN),                                              \
  INIT_NUM("fan_out", FAN_OUT, 0, FF_LO_OPEN)

const struct field init_spec_fields[] = {
  INIT_SCHEME,
  INIT_NUMS,
  FIELDS_END,
};

static const struct field fields[] = {
  INIT_SCHEME,
  { .name = "shape", .kind = FK_TENSOR, .required = 1, .rank = 1, .min_len = 1,
    .off = offsetof(struct init_req, shape), .check = check_shape },
  { .name = "seed", .kind = FK_INTEGER, .lo = 0, .hi = INIT_SEED_MAX,
    .off = offsetof(struct init_req, seed) },
  INIT_NUMS,
  FIELDS_END,
};

int init_config(struct hctx *c, const struct init_req *r, size_t k, size_t d, uint64_t seed,
                struct eng_init *in)
{
  const struct req_head *h = &r->head;
  char p[JPTR_MAX];

  memset(in, 0, sizeof *in);
  in->scheme = (enum eng_init_scheme)r->scheme;
  in->mean = req_given(h, "mean") ? r->f[ENG_INIT_F_MEAN] : 0;
  in->std = req_given(h, "std") ? r->f[ENG_INIT_F_STD] : 1;
  in->low = req_given(h, "low") ? r->f[ENG_INIT_F_LOW] : 0;
  in->high = req_given(h, "high") ? r->f[ENG_INIT_F_HIGH] : 1;
  in->gain = req_given(h, "gain") ? r->f[ENG_INIT_F_GAIN] : 1;
  in->fan_in = req_given(h, "fan_in") ? r->f[ENG_INIT_F_FAN_IN] : 0;
  in->fan_out = req_given(h, "fan_out") ? r->f[ENG_INIT_F_FAN_OUT] : 0;
  in->k = k;
  in->d = d;
  in->seed = seed;
  if (!(in->low < in->high)) {
    jptr_key(p, sizeof p, h->base, "high");
    return problem(c, 422, p, "high must be greater than low");
  }
  return 0;
}

static int run(struct hctx *c, struct req_head *h, struct outs *l)
{
  struct init_req *r = (struct init_req *)h;
  struct eng_init in;
  struct shape *ws = ctx_alloc(c, sizeof *ws);
  unsigned takes = eng_init_takes((enum eng_init_scheme)r->scheme);
  double sd = NAN, bound = NAN, *w;
  int rc;

  if (ws == NULL)
    return -1;
  ws->ndim = (unsigned)r->shape.n;
  ws->dim[0] = (size_t)r->shape.v[0];
  ws->dim[1] = r->shape.n == 2 ? (size_t)r->shape.v[1] : 0;
  if (init_config(c, r, ws->ndim == 2 ? ws->dim[0] : 1, ws->ndim == 2 ? ws->dim[1] : ws->dim[0],
                  (uint64_t)r->seed, &in) != 0)
    return -1;
  if ((w = ctx_alloc(c, in.k * in.d * sizeof(double) + 1)) == NULL)
    return -1;
  rc = eng_init_fill(&in, w, &sd, &bound);
  if (rc != ENG_OK)
    return problem(c, 422, NULL, "%s", eng_strerror(rc));

  outs_string(l, "scheme", eng_init_name(in.scheme));
  outs_shape(l, "shape", ws);
  outs_number(l, "seed", r->seed);
  /* the fields the scheme took, resolved */
  if (takes & (1u << ENG_INIT_F_MEAN))
    outs_number(l, "mean", in.mean);
  if (takes & (1u << ENG_INIT_F_LOW)) {
    outs_number(l, "low", in.low);
    outs_number(l, "high", in.high);
  }
  if (takes & (1u << ENG_INIT_F_GAIN)) {
    outs_number(l, "gain", in.gain);
    outs_number(l, "fan_in", in.fan_in != 0 ? in.fan_in : (double)in.d);
    outs_number(l, "fan_out", in.fan_out != 0 ? in.fan_out : (double)in.k);
  }
  if (!isnan(sd))
    outs_number(l, "std", sd);
  if (!isnan(bound))
    outs_number(l, "bound", bound);
  outs_tensor(l, "weights", ws, w, NULL, NULL, MAP_ROW);
  /* a zero bias of the shape the neuron routes take with these weights: K numbers for a
   * layer, a number for one neuron */
  {
    struct shape *bs = ctx_alloc(c, sizeof *bs);
    double *b = ctx_alloc(c, in.k * sizeof(double) + 1);
    if (bs == NULL || b == NULL)
      return -1;
    bs->ndim = ws->ndim == 2 ? 1 : 0;
    bs->dim[0] = ws->ndim == 2 ? in.k : 0;
    outs_tensor(l, "bias", bs, b, NULL, NULL, MAP_ROW);
  }
  return 0;
}

const struct op op_init = { fields, sizeof(struct init_req), run };

/* end of h_init.c */
