/*
 * bench_exec.c: the engine's own time for the service's large workloads, with no
 * HTTP, JSON or copies around it: through the same split calls the service makes
 * (exec/exec.h), on one thread and on every thread of the pool. The figure the
 * service's time is held against.
 *
 *   (b) gelu, y and dy/dx over 1,000,000 doubles uniform in [-10, 10]
 *   (c) a softmax layer backward with cross-entropy: M = 1024, d = 64, K = 10
 *
 * Usage: bench_exec [THREADS]  (default: the number of cores). Prints milliseconds per
 * call, best of several runs, one line per workload and thread count.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "exec/exec.h"
#include "exec/par.h"

#define RUNS 15

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t mix(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static double uniform(uint64_t *s, double lo, double hi)
{
  return lo + (hi - lo) * (double)(mix(s) >> 11) * 0x1p-53;
}

static double time_b(const double *x, double *y, double *dy, size_t n)
{
  const struct eng_activation *a = eng_activation_lookup("gelu");
  double p[ENG_MAX_PARAMS], best = 1e9;
  struct eng_act_out o = {0};
  eng_params_default(a, p);
  o.y = y;
  o.dy = dy;
  for (int r = 0; r < RUNS; r++) {
    double t0 = now();
    if (exec_activate(a, p, x, n, 1, 1, &o) != ENG_OK)
      abort();
    if (now() - t0 < best)
      best = now() - t0;
  }
  return best;
}

static double time_c(const struct eng_layer *l, const double *cls, double *buf)
{
  size_t m = l->m, k = l->k, d = l->d;
  double *z = buf, *a = z + m * k, best = 1e9, loss;
  struct eng_targets t = {NULL, cls};
  struct eng_backward_out o = {a + m * k, a + 2 * m * k, a + 2 * m * k + k * d,
                               a + 2 * m * k + k * d + k, NULL, &loss};
  size_t bad;
  for (int r = 0; r < RUNS; r++) {
    double t0 = now();
    if (exec_layer_forward(l, z, a) != ENG_OK ||
        exec_layer_backward(l, z, a, NULL, ENG_LOSS_CROSS_ENTROPY, &t, ENG_REDUCE_MEAN, &o,
                            &bad) != ENG_OK)
      abort();
    if (now() - t0 < best)
      best = now() - t0;
  }
  return best;
}

int main(int argc, char **argv)
{
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  unsigned threads = argc > 1 ? (unsigned)atoi(argv[1]) : (unsigned)(cores > 0 ? cores : 1);
  const size_t n = 1000000, M = 1024, D = 64, K = 10;
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *dy = malloc(n * sizeof *dy);
  double *lx = malloc(M * D * sizeof *lx), *lw = malloc(K * D * sizeof *lw);
  double *cls = malloc(M * sizeof *cls), *buf = malloc((3 * M * K + K * D + K + M * D) * sizeof *buf);
  double pz[ENG_MAX_PARAMS];
  struct eng_layer l = {M, D, K, NULL, NULL, NULL, NULL, NULL};
  uint64_t s = 7;

  if (x == NULL || y == NULL || dy == NULL || lx == NULL || lw == NULL || cls == NULL ||
      buf == NULL)
    return 1;
  for (size_t i = 0; i < n; i++)
    x[i] = uniform(&s, -10, 10);
  for (size_t i = 0; i < M * D; i++)
    lx[i] = uniform(&s, -2, 2);
  for (size_t i = 0; i < K * D; i++)
    lw[i] = uniform(&s, -0.2, 0.2);
  for (size_t i = 0; i < M; i++)
    cls[i] = (double)(mix(&s) % K);
  l.x = lx;
  l.w = lw;
  l.act = eng_activation_lookup("softmax");
  eng_params_default(l.act, pz);
  l.p = pz;

  for (unsigned t = 1; t <= threads; t = t == threads ? threads + 1 : threads) {
    par_set_threads(t);
    par_hold(); /* the workers stay awake between runs: the engine at its best */
    printf("engine (b) gelu x1M y+dy_dx, %u thread%s: %.2f ms\n", t, t > 1 ? "s" : "",
           1e3 * time_b(x, y, dy, n));
    printf("engine (c) softmax+CE backward M=1024 d=64 K=10, %u thread%s: %.3f ms\n", t,
           t > 1 ? "s" : "", 1e3 * time_c(&l, cls, buf));
    par_release();
    par_shutdown();
  }
  free(x);
  free(y);
  free(dy);
  free(lx);
  free(lw);
  free(cls);
  free(buf);
  return 0;
}
