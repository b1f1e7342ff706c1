/*
 * par.c: splitting one large request's element-wise work (kernels, number text,
 * reading large arrays) across the cores: a range [0, n) cut into equal parts, part 0
 * on the calling thread, the others queued for a pool of threads started once
 * (par_set_threads). The caller does not only wait: it runs any of its own parts that
 * no worker has taken yet, so a split is never slower than doing it all in order when
 * the workers are busy with other requests, and two requests splitting at once share
 * the pool without waiting on each other. Small ranges stay on the caller.
 */
#define _GNU_SOURCE /* sched_getcpu, pthread_setaffinity_np */
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "exec/par.h"

/* How long a worker that ran out of parts keeps looking for more before it sleeps:
 * the splits of one request (reading, the kernels, each output array) come a few
 * hundred microseconds apart, and waking a sleeping thread can take longer. It looks
 * only while some caller holds the pool (par_hold): once the last request that may
 * split again is done, a looking worker would only take a core from the threads that
 * send the reply (and, on a small machine, from its client). */
#define PAR_SPIN_NS 1000000L

struct batch;

struct task {
  par_fn *fn;
  void *ctx;
  size_t lo, hi;
  unsigned part;
  struct batch *batch;
  struct task *next;
};

/* The parts of one par_run still queued or running. */
struct batch {
  unsigned pending;
  pthread_cond_t done;
};

static struct {
  pthread_mutex_t mu;
  pthread_cond_t work;
  struct task *head, *tail;   /* queued tasks, oldest first */
  pthread_t th[PAR_MAX];
  unsigned nth;               /* workers started */
  int stop;
  int steered;                /* the CPU the workers were last kept off, + 1 */
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, {0}, 0, 0, 0 };

static unsigned par_threads = 1;
static unsigned holds;        /* par_hold less par_release, read unlocked by the workers */

/* Takes the oldest queued task (of batch b, or of any batch when b is NULL); called
 * with the lock held. */
static struct task *take(struct batch *b)
{
  struct task **pp = &pool.head, *prev = NULL;
  for (; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
    struct task *t = *pp;
    if (b != NULL && t->batch != b)
      continue;
    __atomic_store_n(pp, t->next, __ATOMIC_RELAXED); /* pool.head is watched unlocked */
    if (pool.tail == t)
      pool.tail = prev;
    return t;
  }
  return NULL;
}

/* Runs t outside the lock, then counts it done; called and returns with the lock held. */
static void run_task(struct task *t)
{
  struct batch *b = t->batch;
  pthread_mutex_unlock(&pool.mu);
  t->fn(t->ctx, t->lo, t->hi, t->part);
  pthread_mutex_lock(&pool.mu);
  /* under the lock: the caller, which may be watching pending without it, takes the
   * lock before it returns, so b outlives this signal */
  if (__atomic_sub_fetch(&b->pending, 1, __ATOMIC_RELEASE) == 0)
    pthread_cond_signal(&b->done);
}

static void cpu_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static long elapsed_ns(const struct timespec *t0)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long)(t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

/* Looks for queued parts for a while without the lock; returns whether there are any.
 * Called and returns with the lock held. */
static int spin_for_work(void)
{
  struct timespec t0;
  int found = 0;
  pthread_mutex_unlock(&pool.mu);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  while (!found && __atomic_load_n(&holds, __ATOMIC_RELAXED) > 0 &&
         elapsed_ns(&t0) < PAR_SPIN_NS) {
    for (int i = 0; i < 64 && !found; i++) {
      cpu_pause();
      found = __atomic_load_n(&pool.head, __ATOMIC_RELAXED) != NULL ||
              __atomic_load_n(&pool.stop, __ATOMIC_RELAXED);
    }
  }
  pthread_mutex_lock(&pool.mu);
  return found;
}

static void *worker(void *arg)
{
  (void)arg;
  pthread_mutex_lock(&pool.mu);
  for (;;) {
    struct task *t = take(NULL);
    if (t != NULL) {
      run_task(t);
      continue;
    }
    if (pool.stop)
      break;
    if (!spin_for_work())
      pthread_cond_wait(&pool.work, &pool.mu);
  }
  pthread_mutex_unlock(&pool.mu);
  return NULL;
}

/* Keeps the workers off the caller's CPU: a woken thread tends to be put where its
 * waker runs, and there it would only take turns with the caller while another core
 * stays idle. Called with the lock held; a system call only when the caller has
 * moved. */
static void steer_workers(void)
{
#ifdef __linux__
  cpu_set_t all, set;
  int cpu = sched_getcpu();
  if (cpu < 0 || cpu + 1 == pool.steered || pool.nth == 0 ||
      sched_getaffinity(0, sizeof all, &all) != 0 || CPU_COUNT(&all) < 2)
    return;
  set = all;
  CPU_CLR(cpu, &set);
  if (CPU_COUNT(&set) == 0)
    return;
  for (unsigned i = 0; i < pool.nth; i++)
    pthread_setaffinity_np(pool.th[i], sizeof set, &set);
  pool.steered = cpu + 1;
#endif
}

void par_set_threads(unsigned n)
{
  par_threads = n < 1 ? 1 : n > PAR_MAX ? PAR_MAX : n;
  pthread_mutex_lock(&pool.mu);
  /* the caller of a split is one of the threads: n - 1 workers */
  while (pool.nth + 1 < par_threads &&
         pthread_create(&pool.th[pool.nth], NULL, worker, NULL) == 0)
    pool.nth++;
  pthread_mutex_unlock(&pool.mu);
}

void par_shutdown(void)
{
  pthread_mutex_lock(&pool.mu);
  __atomic_store_n(&pool.stop, 1, __ATOMIC_RELAXED);
  pthread_cond_broadcast(&pool.work);
  pthread_mutex_unlock(&pool.mu);
  for (unsigned i = 0; i < pool.nth; i++)
    pthread_join(pool.th[i], NULL);
  pthread_mutex_lock(&pool.mu);
  pool.nth = 0;
  pool.stop = 0;
  par_threads = 1;
  pthread_mutex_unlock(&pool.mu);
}

void par_hold(void)
{
  __atomic_add_fetch(&holds, 1, __ATOMIC_RELAXED);
}

void par_release(void)
{
  __atomic_sub_fetch(&holds, 1, __ATOMIC_RELAXED);
}

unsigned par_parts(size_t n, size_t grain)
{
  size_t parts = grain > 0 ? n / grain : 1;
  if (parts < 1)
    parts = 1;
  return parts < par_threads ? (unsigned)parts : par_threads;
}

void par_for(size_t n, size_t grain, par_fn *fn, void *ctx)
{
  par_run(n, par_parts(n, grain), fn, ctx);
}

void par_run(size_t n, unsigned parts, par_fn *fn, void *ctx)
{
  struct task tasks[PAR_MAX];
  struct batch b;
  struct task *t;

  if (parts < 1)
    parts = 1;
  if (parts > PAR_MAX)
    parts = PAR_MAX;
  for (unsigned i = 0; i < parts; i++) {
    tasks[i].fn = fn;
    tasks[i].ctx = ctx;
    tasks[i].lo = n / parts * i;
    tasks[i].hi = i + 1 == parts ? n : n / parts * (i + 1);
    tasks[i].part = i;
    tasks[i].batch = &b;
    tasks[i].next = i + 1 < parts ? &tasks[i + 1] : NULL;
  }
  if (parts == 1) {
    fn(ctx, tasks[0].lo, tasks[0].hi, 0);
    return;
  }

  b.pending = parts;
  pthread_cond_init(&b.done, NULL);
  pthread_mutex_lock(&pool.mu);
  /* parts 1 .. parts - 1 queued (with no worker, the caller runs them all) */
  if (pool.tail != NULL)
    pool.tail->next = &tasks[1];
  else
    __atomic_store_n(&pool.head, &tasks[1], __ATOMIC_RELAXED);
  pool.tail = &tasks[parts - 1];
  if (pool.nth > 0) {
    steer_workers();
    /* one sleeper woken per queued part (workers spinning take them first) */
    for (unsigned i = 1; i < parts; i++)
      pthread_cond_signal(&pool.work);
  }
  run_task(&tasks[0]);
  while ((t = take(&b)) != NULL)
    run_task(t);
  /* the workers' parts are finishing: waiting for them by sleeping could cost more
   * than they take */
  if (b.pending > 0) {
    struct timespec t0;
    pthread_mutex_unlock(&pool.mu);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (__atomic_load_n(&b.pending, __ATOMIC_ACQUIRE) > 0 && elapsed_ns(&t0) < PAR_SPIN_NS)
      for (int i = 0; i < 64; i++)
        cpu_pause();
    pthread_mutex_lock(&pool.mu);
  }
  while (b.pending > 0)
    pthread_cond_wait(&b.done, &pool.mu);
  pthread_mutex_unlock(&pool.mu);
  pthread_cond_destroy(&b.done);
}

/* end of par.c */
