/*
 * jet.h: truncated Taylor series ("jets") in MPFR, for references and series
 * coefficients computed from the mathematics alone.
 *
 * A jet holds c[0..n-1], the Taylor coefficients f^(k)(x0) / k! of a function at a
 * point. Evaluating a formula on the jet (x0, 1, 0, ...) gives y, y' and y''/2 (and
 * further coefficients) to the working precision, by the classical recurrences for
 * products, quotients and the elementary functions: no finite differences, no code of
 * the engine. Where a formula would cancel at c[0] (1 - tanh^2, 1 - sigmoid), the jets
 * carry the complementary value computed directly.
 */
#ifndef NEUROND_JET_H
#define NEUROND_JET_H

#include <mpfr.h>

#define JET_MAX 48

struct jet {
  int n;
  mpfr_t c[JET_MAX];
};

/* All jets of an evaluation share n and the working precision. */
void jet_begin(int n, mpfr_prec_t prec);
void jet_init(struct jet *j);
void jet_clear(struct jet *j);

void jet_const_d(struct jet *r, double v);
void jet_const(struct jet *r, const mpfr_t v);
void jet_var_d(struct jet *r, double x0);          /* x0 + h */
void jet_var(struct jet *r, const mpfr_t x0);
void jet_set(struct jet *r, const struct jet *a);

void jet_add(struct jet *r, const struct jet *a, const struct jet *b);
void jet_sub(struct jet *r, const struct jet *a, const struct jet *b);
void jet_neg(struct jet *r, const struct jet *a);
void jet_mul(struct jet *r, const struct jet *a, const struct jet *b);
void jet_div(struct jet *r, const struct jet *a, const struct jet *b);
void jet_add_d(struct jet *r, const struct jet *a, double v);
void jet_mul_d(struct jet *r, const struct jet *a, double v);
void jet_exp(struct jet *r, const struct jet *a);
void jet_expm1(struct jet *r, const struct jet *a);
void jet_log1p(struct jet *r, const struct jet *a);  /* ln(1 + a) */
void jet_sqrt(struct jet *r, const struct jet *a);
void jet_tanh(struct jet *r, const struct jet *a);
void jet_erfc(struct jet *r, const struct jet *a);
/* s = sigmoid(a) and q = sigmoid(-a) = 1 - s, each with an exact c[0]. */
void jet_logistic(struct jet *s, struct jet *q, const struct jet *a);
/* softplus(a) = ln(1 + e^a), with no overflow for large a. */
void jet_softplus(struct jet *r, const struct jet *a);

#endif /* NEUROND_JET_H */
