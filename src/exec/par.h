/*
 * par.h: a pool of threads, started once, that runs the parts of one large piece of
 * work (kernels over a large array, its number text, reading a large array) beside
 * the thread that asked. Knows nothing of HTTP, JSON or the mathematics.
 */
#ifndef NEUROND_EXEC_PAR_H
#define NEUROND_EXEC_PAR_H

#include <stddef.h>

/* The most parts one split is cut into. */
#define PAR_MAX 64

/* Work on [lo, hi) of a range, as part `part` of a split. */
typedef void par_fn(void *ctx, size_t lo, size_t hi, unsigned part);
/* Sets how many threads a split may use (the worker count, --threads), and starts
 * the pool of n - 1 threads that run the parts besides the caller's. */
void par_set_threads(unsigned n);
/* Stops and joins the pool (splits then run on the caller alone). */
void par_shutdown(void);
/* Between par_hold and par_release the caller may split again soon (the parts of one
 * request): workers that run out of parts keep looking for more for a while rather
 * than sleep. With no hold they sleep at once. Holds nest and may overlap across
 * threads. */
void par_hold(void);
void par_release(void);
/* How many parts par_for cuts n into at this grain (1 when n < 2 grain). */
unsigned par_parts(size_t n, size_t grain);
/* Runs fn over [0, n) in par_parts(n, grain) equal parts, in parallel; returns when
 * all are done. */
void par_for(size_t n, size_t grain, par_fn *fn, void *ctx);
/* The same with the number of parts given (1 .. PAR_MAX). Part i covers
 * [n / parts * i, n / parts * (i + 1)), the last part to n. */
void par_run(size_t n, unsigned parts, par_fn *fn, void *ctx);

#endif /* NEUROND_EXEC_PAR_H */
