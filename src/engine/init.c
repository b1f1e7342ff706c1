/*
 * init.c: weight initialisers over a PRNG of our own. Placeholder until implemented.
 * No HTTP or JSON here.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

static const char *const init_names[] = {
#define INIT_NAME(id, name) name,
  ENG_INIT_MAP(INIT_NAME)
#undef INIT_NAME
};

const char *eng_init_name(enum eng_init_scheme s)
{
  return (unsigned)s < ENG_INIT__COUNT ? init_names[s] : NULL;
}

int eng_init_lookup(const char *name)
{
  for (int i = 0; i < ENG_INIT__COUNT; i++)
    if (strcmp(init_names[i], name) == 0)
      return i;
  return -1;
}

void eng_rng_seed(struct eng_rng *r, uint64_t seed)
{
  memset(r, 0, sizeof *r);
  r->s[0] = seed;
}

uint64_t eng_rng_next(struct eng_rng *r)
{
  return r->s[0]++;
}

double eng_rng_uniform(struct eng_rng *r)
{
  return (double)(eng_rng_next(r) >> 11) * 0x1p-53;
}

double eng_rng_normal(struct eng_rng *r)
{
  return eng_rng_uniform(r);
}

int eng_init_fill(const struct eng_init *c, double *w, double *std_out, double *bound_out)
{
  (void)c, (void)w, (void)std_out, (void)bound_out;
  return ENG_EINVAL;
}
