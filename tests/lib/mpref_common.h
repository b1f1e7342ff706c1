/*
 * mpref_common.h: what the MPFR reference files share: a formula on jets (jet.h)
 * turned into the outputs of mpref.h, and the generic extra points.
 */
#ifndef NEUROND_MPREF_COMMON_H
#define NEUROND_MPREF_COMMON_H

#include "jet.h"
#include "mpref.h"

/* y as a formula of x and the parameters (each a jet: a constant, or the variable
 * when its derivative is wanted). x0 is x's value, for the choice of a piece. */
typedef void formula_fn(struct jet *y, const struct jet *x, struct jet *const *p,
                        double x0, const double *pv);

/* Computes the outputs in want from the formula: y = c0, y' = c1, y'' = 2 c2 of the
 * jet in x; dy/dp_j = c1 of the jet in p_j for each learnable j (mask bit j). The
 * working precision grows with the binary exponents of x and p. */
int mpref_eval(formula_fn *f, unsigned nparams, unsigned learnable, mpfr_t *out, double x,
               const double *p, unsigned want);

/* Points near the zeros of y, y' and y'' in [lo, hi] (sign changes on a grid of step
 * `step`, refined by bisection), each with `around` neighbouring doubles per side,
 * plus the kinks given (and their neighbours). Returns the new count. */
size_t mpref_zero_points(const struct mpref *r, const double *p, double lo, double hi,
                         double step, const double *kinks, size_t nkinks, double *pts,
                         size_t count, size_t cap);

#endif /* NEUROND_MPREF_COMMON_H */
