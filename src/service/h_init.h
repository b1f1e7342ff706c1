/*
 * h_init.h: the typed request of POST /init, and what other routes share with it: a
 * network's layers drawn by `init` get exactly the weights POST /init returns for the
 * same scheme, fields, shape and seed, because both resolve them here.
 */
#ifndef NEUROND_SERVICE_H_INIT_H
#define NEUROND_SERVICE_H_INIT_H

#include <stdint.h>

#include "engine.h"
#include "service/request.h"

/* The largest seed that a JSON number carries exactly: 2^53 - 1. */
#define INIT_SEED_MAX 9007199254740991.0

struct init_req {
  struct req_head head;
  int scheme;
  struct tensor_in shape;
  double seed;
  double f[ENG_INIT_F__COUNT]; /* mean, std, low, high, gain, fan_in, fan_out */
};

/* The fields of an init spec: POST /init's less shape and seed (scheme required, then
 * mean, std, low, high, gain, fan_in, fan_out, each only where the scheme takes it). */
extern const struct field init_spec_fields[];

/* The engine's configuration for r's scheme and fields (defaults as POST /init
 * documents them: mean 0, std 1, low 0, high 1, gain 1, fans d and K), weights of
 * shape k x d drawn with seed. 422 at r's "high" when low >= high. */
int init_config(struct hctx *c, const struct init_req *r, size_t k, size_t d, uint64_t seed,
                struct eng_init *in);

#endif /* NEUROND_SERVICE_H_INIT_H */
