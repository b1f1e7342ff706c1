/*
 * h_init.c: POST /init: weights of shape [K, d] (or [d] for one neuron) drawn by a
 * scheme of the engine's table, reproducible by seed on every machine.
 *
 * normal takes mean and std (0, 1); uniform low and high (0, 1); the xavier, lecun and
 * he schemes take gain (1) and fan_in / fan_out (d and K). A field that does not
 * belong to the scheme is a 422, so it is never silently ignored.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "http.h"
#include "num.h"

/* The largest seed that a JSON number carries exactly: 2^53 - 1. */
#define SEED_MAX 9007199254740991.0

enum { F_SCHEME, F_SHAPE, F_SEED, F_MEAN, F_STD, F_LOW, F_HIGH, F_GAIN, F_FAN_IN,
       F_FAN_OUT, F_COUNT };

void h_init_post(struct hctx *c)
{
  static const char *const fields[] = {"scheme", "shape", "seed", "mean", "std", "low",
                                       "high", "gain", "fan_in", "fan_out", NULL};
  /* Which optional fields each kind of scheme takes. */
  static const unsigned for_normal = 1u << F_MEAN | 1u << F_STD;
  static const unsigned for_uniform = 1u << F_LOW | 1u << F_HIGH;
  static const unsigned for_fan = 1u << F_GAIN | 1u << F_FAN_IN | 1u << F_FAN_OUT;
  const cJSON *v[F_COUNT + 1] = {0};
  const char *name;
  struct eng_init in;
  struct shape wshape = {0};
  struct numview sh;
  double seed = 0, dim0, dim1 = 0, sd = NAN, bound = NAN, *w;
  unsigned takes;
  int s, rc;
  struct buf b;

  if (ctx_object(c, fields, v) != 0 || ctx_string(c, v[F_SCHEME], "/scheme", &name) != 0)
    return;
  if ((s = eng_init_lookup(name)) < 0) {
    char list[256] = "";
    size_t len = 0;
    for (int i = 0; i < ENG_INIT__COUNT && len < sizeof list; i++)
      len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "",
                              eng_init_name((enum eng_init_scheme)i));
    problem(c, 422, "/scheme", "unknown scheme \"%.48s\" (expected one of: %s)", name, list);
    return;
  }
  memset(&in, 0, sizeof in);
  in.scheme = (enum eng_init_scheme)s;
  in.mean = 0;
  in.std = 1;
  in.low = 0;
  in.high = 1;
  in.gain = 1;
  takes = in.scheme == ENG_INIT_NORMAL ? for_normal
          : in.scheme == ENG_INIT_UNIFORM ? for_uniform : for_fan;
  for (int f = F_MEAN; f < F_COUNT; f++)
    if (v[f] != NULL && !(takes & (1u << f))) {
      char ptr[32];
      snprintf(ptr, sizeof ptr, "/%s", fields[f]);
      problem(c, 422, ptr, "%s does not apply to the scheme %s", fields[f], name);
      return;
    }

  /* shape: [K, d], or [d] for one neuron */
  if (v[F_SHAPE] == NULL) {
    problem(c, 422, "/shape", "shape is required: [K, d] or [d]");
    return;
  }
  if (ctx_numbers(c, v[F_SHAPE], "/shape", 1, 1, &sh) != 0)
    return;
  if (sh.shape.ndim != 1 || sh.n > 2) {
    problem(c, 422, "/shape", "shape must be [K, d] (a layer) or [d] (one neuron)");
    return;
  }
  wshape.ndim = (unsigned)sh.n;
  for (size_t i = 0; i < sh.n; i++)
    if (sh.v[i] < 1 || sh.v[i] > SEED_MAX || floor(sh.v[i]) != sh.v[i]) {
      char ptr[16];
      snprintf(ptr, sizeof ptr, "/shape/%zu", i);
      problem(c, 422, ptr, "shape[%zu] must be a positive integer", i);
      return;
    }
  dim0 = sh.v[0];
  dim1 = sh.n == 2 ? sh.v[1] : 0;
  in.k = wshape.ndim == 2 ? (size_t)dim0 : 1;
  in.d = wshape.ndim == 2 ? (size_t)dim1 : (size_t)dim0;
  wshape.dim[0] = (size_t)dim0;
  wshape.dim[1] = (size_t)dim1;
  if (in.d > c->cfg->max_elements / in.k) {
    problem(c, 413, "/shape", "shape asks for %.0f weights, over the limit of %zu",
            (double)in.k * (double)in.d, c->cfg->max_elements);
    return;
  }

  if (v[F_SEED] != NULL && ctx_integer(c, v[F_SEED], "/seed", 0, SEED_MAX, &seed) != 0)
    return;
  in.seed = (uint64_t)seed;
  if ((v[F_MEAN] != NULL && ctx_number(c, v[F_MEAN], "/mean", &in.mean) != 0) ||
      (v[F_STD] != NULL && ctx_number(c, v[F_STD], "/std", &in.std) != 0) ||
      (v[F_LOW] != NULL && ctx_number(c, v[F_LOW], "/low", &in.low) != 0) ||
      (v[F_HIGH] != NULL && ctx_number(c, v[F_HIGH], "/high", &in.high) != 0) ||
      (v[F_GAIN] != NULL && ctx_number(c, v[F_GAIN], "/gain", &in.gain) != 0) ||
      (v[F_FAN_IN] != NULL && ctx_number(c, v[F_FAN_IN], "/fan_in", &in.fan_in) != 0) ||
      (v[F_FAN_OUT] != NULL && ctx_number(c, v[F_FAN_OUT], "/fan_out", &in.fan_out) != 0))
    return;
  if (in.std < 0) {
    problem(c, 422, "/std", "std must be >= 0");
    return;
  }
  if (!(in.low < in.high)) {
    problem(c, 422, "/high", "high must be greater than low");
    return;
  }
  if (in.gain < 0) {
    problem(c, 422, "/gain", "gain must be >= 0");
    return;
  }
  if ((v[F_FAN_IN] != NULL && !(in.fan_in > 0)) || (v[F_FAN_OUT] != NULL && !(in.fan_out > 0))) {
    problem(c, 422, v[F_FAN_IN] != NULL && !(in.fan_in > 0) ? "/fan_in" : "/fan_out",
            "fan_in and fan_out must be > 0");
    return;
  }

  if ((w = ctx_alloc(c, in.k * in.d * sizeof(double) + 1)) == NULL)
    return;
  rc = eng_init_fill(&in, w, &sd, &bound);
  if (rc != ENG_OK) {
    problem(c, 422, NULL, "%s", eng_strerror(rc));
    return;
  }
  buf_init(&b, 256 + (NUM_MAX_LEN + 1) * in.k * in.d);
  buf_puts(&b, "{\"scheme\":");
  buf_jstr(&b, name);
  buf_puts(&b, ",\"shape\":");
  buf_shape(&b, &wshape);
  buf_puts(&b, ",\"seed\":");
  buf_num(&b, seed);
  if (in.scheme == ENG_INIT_NORMAL) {
    buf_puts(&b, ",\"mean\":");
    buf_num(&b, in.mean);
  }
  if (in.scheme == ENG_INIT_UNIFORM) {
    buf_puts(&b, ",\"low\":");
    buf_num(&b, in.low);
    buf_puts(&b, ",\"high\":");
    buf_num(&b, in.high);
  }
  if (takes == for_fan) {
    buf_puts(&b, ",\"gain\":");
    buf_num(&b, in.gain);
    buf_puts(&b, ",\"fan_in\":");
    buf_num(&b, in.fan_in != 0 ? in.fan_in : (double)in.d);
    buf_puts(&b, ",\"fan_out\":");
    buf_num(&b, in.fan_out != 0 ? in.fan_out : (double)in.k);
  }
  if (!isnan(sd)) {
    buf_puts(&b, ",\"std\":");
    buf_num(&b, sd);
  }
  if (!isnan(bound)) {
    buf_puts(&b, ",\"bound\":");
    buf_num(&b, bound);
  }
  buf_puts(&b, ",\"weights\":");
  if (out_nums(c, &b, "/weights", &wshape, w, NULL, NULL, OUT_ROW) != 0)
    return;
  buf_putc(&b, '}');
  reply_json(c, 200, &b);
}

/* end of h_init.c */
