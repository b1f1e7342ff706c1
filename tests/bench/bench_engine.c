/*
 * bench_engine.c: throughput of the engine's element-wise kernels. For every
 * element-wise activation in the table (walked, never named) at its default
 * parameters, and for each other choice of a CHOICE parameter (gelu's tanh and sigmoid
 * forms, named gelu_tanh and gelu_sigmoid), y and dy/dx over 1,000,000 doubles uniform
 * in [-10, 10] through eng_activate (correctly rounded), best of several runs, beside a
 * memcpy of the same 8 MB. Prints one Markdown table, and the engine's exact-path count.
 *
 * Usage: bench_engine [TORCH_FILE]. TORCH_FILE holds the lines printed by
 * tests/bench/torch_peer.py ("name forward_elems_per_s forward_backward_elems_per_s",
 * '#' starts a comment); its figures then appear beside ours, with the ratio of our
 * y + dy/dx to PyTorch's forward + backward.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"

#define N 1000000
/* best of at least MIN_RUNS runs, repeated until BUDGET_S seconds are spent (at most
 * MAX_RUNS), as tests/bench/torch_peer.py does: the best of a longer stretch steps over
 * the moments a shared machine gives the core to someone else */
#define MIN_RUNS 5
#define MAX_RUNS 200
#define BUDGET_S 0.25
#define MAX_PEERS 64

struct peer {
  char name[64];
  double fwd, fwdbwd; /* elements per second */
};

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* splitmix64, for the inputs */
static uint64_t mix(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static size_t read_peers(const char *path, struct peer *p, size_t cap)
{
  FILE *f = fopen(path, "r");
  char line[256];
  size_t n = 0;
  if (f == NULL) {
    fprintf(stderr, "bench_engine: cannot read %s\n", path);
    return 0;
  }
  while (n < cap && fgets(line, sizeof line, f) != NULL) {
    if (line[0] == '#')
      continue;
    if (sscanf(line, "%63s %lf %lf", p[n].name, &p[n].fwd, &p[n].fwdbwd) == 3)
      n++;
  }
  fclose(f);
  return n;
}

int main(int argc, char **argv)
{
  double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *dy = malloc(N * sizeof *dy);
  struct peer peers[MAX_PEERS];
  size_t npeers = argc > 1 ? read_peers(argv[1], peers, MAX_PEERS) : 0;
  uint64_t seed = 20261122;
  double best, memcpy_rate;
  volatile double sink = 0;

  if (x == NULL || y == NULL || dy == NULL) {
    fprintf(stderr, "bench_engine: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < N; i++)
    x[i] = -10 + 20 * ((double)(mix(&seed) >> 11) * 0x1p-53);

  best = 1e30;
  for (int r = 0; r < MAX_RUNS; r++) {
    double t0 = now();
    memcpy(y, x, N * sizeof *x);
    sink += y[r];
    t0 = now() - t0;
    if (t0 < best)
      best = t0;
  }
  memcpy_rate = N / best;

  printf("y + dy_dx over %d doubles in [-10, 10], best of %d-%d runs over %g s, one thread\n\n", N,
         MIN_RUNS, MAX_RUNS, BUDGET_S);
  if (npeers > 0) {
    printf("| function | y + dy_dx elem/s | vs memcpy | PyTorch fwd elem/s | "
           "PyTorch fwd+bwd elem/s | ours / PyTorch fwd+bwd |\n");
    printf("|---|---|---|---|---|---|\n");
  } else {
    printf("| function | y + dy_dx elem/s | ns/elem | vs memcpy |\n");
    printf("|---|---|---|---|\n");
  }
  if (npeers > 0)
    printf("| memcpy (8 MB) | %.3g | 1 | | | |\n", memcpy_rate);
  else
    printf("| memcpy (8 MB) | %.3g | %.2f | 1 |\n", memcpy_rate, 1e9 / memcpy_rate);

  for (size_t i = 0; i < eng_activation_count(); i++) {
    const struct eng_activation *a = eng_activation_at(i);
    int nchoice = 1;
    if (a->kind != ENG_ELEMENTWISE)
      continue;
    if (a->nparams > 0 && a->params[0].type == ENG_PARAM_CHOICE)
      nchoice = (int)a->params[0].hi + 1;
    for (int ch = 0; ch < nchoice; ch++) {
      double p[ENG_MAX_PARAMS], spent = 0, rate;
      struct eng_act_out out;
      const struct peer *pr = NULL;
      char name[80];
      int runs = 0;
      eng_params_default(a, p);
      snprintf(name, sizeof name, "%s", a->name);
      if (ch > 0) {
        p[0] = ch;
        snprintf(name, sizeof name, "%s_%s", a->name, a->params[0].choices[ch]);
      }
      memset(&out, 0, sizeof out);
      out.y = y;
      out.dy = dy;
      best = 1e30;
      while (runs < MAX_RUNS && (runs < MIN_RUNS || spent < BUDGET_S)) {
        double t0 = now();
        if (eng_activate(a, p, x, N, 1, &out) != ENG_OK) {
          fprintf(stderr, "bench_engine: %s failed\n", name);
          return 1;
        }
        t0 = now() - t0;
        sink += y[runs] + dy[runs];
        spent += t0;
        if (t0 < best)
          best = t0;
        runs++;
      }
      rate = N / best;
      for (size_t j = 0; j < npeers; j++) {
        int match = strcmp(peers[j].name, name) == 0;
        for (const char *const *al = a->aliases; ch == 0 && !match && *al != NULL; al++)
          match = strcmp(peers[j].name, *al) == 0;
        if (match)
          pr = &peers[j];
      }
      if (npeers == 0)
        printf("| %s | %.3g | %.2f | %.2f |\n", name, rate, 1e9 / rate, rate / memcpy_rate);
      else if (pr == NULL)
        printf("| %s | %.3g | %.2f | | | |\n", name, rate, rate / memcpy_rate);
      else
        printf("| %s | %.3g | %.2f | %.3g | %.3g | %.2f |\n", name, rate, rate / memcpy_rate,
               pr->fwd, pr->fwdbwd, rate / pr->fwdbwd);
    }
  }
  printf("\nexact (MPFR) path taken for %llu outputs in all these runs\n", eng_exact_count());
  if (sink == 12345.678)
    printf("\n");
  free(x);
  free(y);
  free(dy);
  return 0;
}
