/*
 * par.c: splitting one large request's element-wise work (kernels, number text)
 * across the cores: a range [0, n) cut into equal parts, part 0 on the calling thread,
 * the others on threads started for the call. Small ranges stay on the caller.
 */
#include <pthread.h>

#include "http.h"

#define PAR_MAX 64

static unsigned par_threads = 1;

void par_set_threads(unsigned n)
{
  par_threads = n < 1 ? 1 : n > PAR_MAX ? PAR_MAX : n;
}

unsigned par_parts(size_t n, size_t grain)
{
  size_t parts = grain > 0 ? n / grain : 1;
  if (parts < 1)
    parts = 1;
  return parts < par_threads ? (unsigned)parts : par_threads;
}

struct job {
  par_fn *fn;
  void *ctx;
  size_t lo, hi;
  unsigned part;
};

static void *run(void *arg)
{
  struct job *j = arg;
  j->fn(j->ctx, j->lo, j->hi, j->part);
  return NULL;
}

void par_for(size_t n, size_t grain, par_fn *fn, void *ctx)
{
  par_run(n, par_parts(n, grain), fn, ctx);
}

void par_run(size_t n, unsigned parts, par_fn *fn, void *ctx)
{
  struct job jobs[PAR_MAX];
  pthread_t th[PAR_MAX];
  int started[PAR_MAX] = {0};

  if (parts < 1)
    parts = 1;
  if (parts > PAR_MAX)
    parts = PAR_MAX;

  for (unsigned i = 0; i < parts; i++) {
    jobs[i].fn = fn;
    jobs[i].ctx = ctx;
    jobs[i].lo = n / parts * i;
    jobs[i].hi = i + 1 == parts ? n : n / parts * (i + 1);
    jobs[i].part = i;
  }
  for (unsigned i = 1; i < parts; i++)
    started[i] = pthread_create(&th[i], NULL, run, &jobs[i]) == 0;
  run(&jobs[0]);
  for (unsigned i = 1; i < parts; i++) {
    if (started[i])
      pthread_join(th[i], NULL);
    else
      run(&jobs[i]); /* no thread to be had: done here */
  }
}
