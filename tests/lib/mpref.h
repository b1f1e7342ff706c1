/*
 * mpref.h: independent high-precision references for the element-wise activations,
 * computed with MPFR, and the registry that check_accuracy.c walks.
 *
 * A reference is written from the mathematics, not from the engine's double code:
 * each output is computed in MPFR at a working precision large enough that the
 * result is exact to well past 53 bits (raise it with |x| where a form cancels).
 */
#ifndef NEUROND_MPREF_H
#define NEUROND_MPREF_H

#include <stddef.h>

#include <mpfr.h>

#include "engine.h"

/* Precision of the out[] values the harness hands to a reference: at least the
 * working precision of the formulas (384 bits and more; 2,500 for subnormal x), so
 * that a value within 2^-1000 of a midpoint between doubles (elu(x) = x/2 + x^2/4
 * for a subnormal x) is not rounded onto the midpoint before it is compared. */
#define MPREF_PREC 4096

/* Computes the outputs selected by `want` (ENG_WANT_* bits; out[ENG_OUT_*] indices,
 * out[ENG_OUT_DP + j] for learnable parameter j) at x with parameters p. out[] are
 * initialised by the caller at MPREF_PREC bits. Returns 0, or -1 if the point must be
 * skipped (for example, a kink where the kink rule, not calculus, gives the value and
 * the reference does not implement the rule). */
typedef int mpref_fn(mpfr_t *out, double x, const double *p, unsigned want);

/* Extra points for one parameter setting: kinks and their neighbouring doubles,
 * the doubles nearest each zero of the first and second derivative, and so on.
 * Writes at most cap points to pts and returns how many. */
typedef size_t mpref_points_fn(const double *p, double *pts, size_t cap);

struct mpref {
  const char *name;                 /* the activation's name in the engine table */
  mpref_fn *fn;
  size_t npsets;                    /* parameter settings tested besides the defaults */
  const double (*psets)[ENG_MAX_PARAMS];
  mpref_points_fn *points;          /* NULL if none */
};

/* One array per family file (tests/lib/mpref_<family>.c), each ending with a row
 * whose name is NULL. */
extern const struct mpref mpref_piecewise[];
extern const struct mpref mpref_logistic[];
extern const struct mpref mpref_gelu[];
extern const struct mpref mpref_elu[];

/* The reference for an activation name, or NULL. */
const struct mpref *mpref_find(const char *name);

/* The doubles around a point: t itself and n neighbours on each side (nextafter),
 * appended to pts (cap permitting); returns the new count. */
size_t mpref_around(double t, int n, double *pts, size_t count, size_t cap);

/* Finds a root of the reference output `which` (ENG_OUT_*) in [lo, hi] by bisection
 * in MPFR (the output must change sign over the bracket) and returns the nearest
 * double. Useful for the zeros of derivatives. */
double mpref_root(const struct mpref *r, const double *p, int which, double lo, double hi);

/* The vector activations (ENG_VECTOR): y (k entries; maxout's is y[0]) and the
 * Jacobian J[i k + j] = dy_i/dx_j (k rows; maxout's is its first) of row x of k
 * entries, exact: y and J are initialised by the caller at MPREF_ROW_PREC bits or
 * more, which holds a sum of doubles from 2^1000 down to 2^-1074 exactly. */
#define MPREF_ROW_PREC 2200
void mpref_row(const char *name, const double *x, size_t k, mpfr_t *y, mpfr_t *J);

#endif /* NEUROND_MPREF_H */
