/*
 * exact.c: the slow path of correct rounding. Every output of every activation is
 * evaluated here in MPFR interval arithmetic: each quantity is an interval [lo, hi]
 * whose end points are rounded outwards (lo towards -inf, hi towards +inf), so the
 * exact value always lies inside. At 128 bits, then 256, 512, ... the interval of
 * the output is rounded to the nearest double at both ends; when the two agree, that
 * double is the correctly rounded result (rounding is monotone). Exact results
 * (0, piecewise-linear values, rationals) end as intervals of width 0 once the
 * precision holds every bit, and a true tie then rounds to even as mpfr_get_d does.
 *
 * The formulas are those of the mathematics (see the table in activation.c), written
 * where it is cheap to avoid cancellation (e^-|u| rather than e^u, expm1, log1p);
 * where a form still cancels, the precision simply grows. The same evaluation, with a
 * different stopping rule, gives the sign of (exact - d) for a given double d
 * (eng_ew_exact_sign). No HTTP or JSON here. This path allocates MPFR's numbers once
 * per call; the kernels reach it on about one output in 2^20 or fewer (the counter
 * eng_exact_count tells how often).
 */
#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mpfr.h>

#include "internal.h"

/* ================================================================ Intervals */

/* Working numbers of one evaluation: NV intervals, allocated once per call. */
#define NV 24
#define PREC0 128
#define PREC_MAX 32768 /* beyond this the point is taken as a true tie (see exact_run) */

struct iv {
  mpfr_t lo, hi;
};

struct ctx {
  mpfr_prec_t prec;
  struct iv v[NV];
  mpfr_t t0, t1, t2, t3;
};

static atomic_ullong exact_count;

unsigned long long eng_exact_count(void)
{
  return atomic_load_explicit(&exact_count, memory_order_relaxed);
}

static void ex_ctx_init(struct ctx *c, mpfr_prec_t prec)
{
  c->prec = prec;
  for (int i = 0; i < NV; i++) {
    mpfr_init2(c->v[i].lo, prec);
    mpfr_init2(c->v[i].hi, prec);
  }
  mpfr_inits2(prec, c->t0, c->t1, c->t2, c->t3, (mpfr_ptr)0);
}

static void ctx_clear(struct ctx *c)
{
  for (int i = 0; i < NV; i++) {
    mpfr_clear(c->v[i].lo);
    mpfr_clear(c->v[i].hi);
  }
  mpfr_clears(c->t0, c->t1, c->t2, c->t3, (mpfr_ptr)0);
}

typedef struct iv *I;

static void iv_d(I r, double v)
{
  mpfr_set_d(r->lo, v, MPFR_RNDD);
  mpfr_set_d(r->hi, v, MPFR_RNDU);
}

static void iv_set(I r, const struct iv *a)
{
  mpfr_set(r->lo, a->lo, MPFR_RNDD);
  mpfr_set(r->hi, a->hi, MPFR_RNDU);
}

/* A decimal constant, as the interval of its two directed roundings. */
static void iv_str(I r, const char *s)
{
  mpfr_set_str(r->lo, s, 10, MPFR_RNDD);
  mpfr_set_str(r->hi, s, 10, MPFR_RNDU);
}

static void iv_add(I r, const struct iv *a, const struct iv *b)
{
  mpfr_add(r->lo, a->lo, b->lo, MPFR_RNDD);
  mpfr_add(r->hi, a->hi, b->hi, MPFR_RNDU);
}

static void iv_add_d(I r, const struct iv *a, double b)
{
  mpfr_add_d(r->lo, a->lo, b, MPFR_RNDD);
  mpfr_add_d(r->hi, a->hi, b, MPFR_RNDU);
}

static void iv_sub(struct ctx *c, I r, const struct iv *a, const struct iv *b)
{
  mpfr_sub(c->t0, a->lo, b->hi, MPFR_RNDD);
  mpfr_sub(r->hi, a->hi, b->lo, MPFR_RNDU);
  mpfr_set(r->lo, c->t0, MPFR_RNDD);
}

static void iv_neg(struct ctx *c, I r, const struct iv *a)
{
  mpfr_neg(c->t0, a->hi, MPFR_RNDD);
  mpfr_neg(r->hi, a->lo, MPFR_RNDU);
  mpfr_set(r->lo, c->t0, MPFR_RNDD);
}

/* The least (want_min) or greatest of the four products of the end points, each
 * rounded in direction rnd, into best (tmp is scratch). */
static void extreme4(mpfr_ptr best, mpfr_ptr tmp, const struct iv *a, const struct iv *b,
                     mpfr_rnd_t rnd, int want_min)
{
  mpfr_srcptr x[2] = {a->lo, a->hi}, y[2] = {b->lo, b->hi};
  mpfr_mul(best, a->lo, b->lo, rnd);
  for (int i = 1; i < 4; i++) {
    mpfr_mul(tmp, x[i >> 1], y[i & 1], rnd);
    if (want_min ? mpfr_less_p(tmp, best) : mpfr_greater_p(tmp, best))
      mpfr_swap(best, tmp);
  }
}

/* [min, max] of the four products, rounded outwards; r may alias a or b. */
static void iv_mul(struct ctx *c, I r, const struct iv *a, const struct iv *b)
{
  extreme4(c->t0, c->t1, a, b, MPFR_RNDD, 1);
  extreme4(c->t2, c->t3, a, b, MPFR_RNDU, 0);
  mpfr_set(r->lo, c->t0, MPFR_RNDD);
  mpfr_set(r->hi, c->t2, MPFR_RNDU);
}

static void iv_mul_d(struct ctx *c, I r, const struct iv *a, double d)
{
  if (d >= 0) {
    mpfr_mul_d(r->lo, a->lo, d, MPFR_RNDD);
    mpfr_mul_d(r->hi, a->hi, d, MPFR_RNDU);
  } else {
    mpfr_mul_d(c->t0, a->hi, d, MPFR_RNDD);
    mpfr_mul_d(r->hi, a->lo, d, MPFR_RNDU);
    mpfr_set(r->lo, c->t0, MPFR_RNDD);
  }
}

/* a / b for b of one sign (never containing 0: the formulas divide by 1 + t, r, ...). */
static void iv_div(struct ctx *c, I r, const struct iv *a, const struct iv *b)
{
  /* 1 / b, then the product: 1/b is decreasing, so [1/b.hi, 1/b.lo] */
  struct iv inv;
  mpfr_init2(inv.lo, c->prec);
  mpfr_init2(inv.hi, c->prec);
  mpfr_ui_div(inv.lo, 1, b->hi, MPFR_RNDD);
  mpfr_ui_div(inv.hi, 1, b->lo, MPFR_RNDU);
  /* a point numerator and denominator: one correctly rounded division each way,
   * which is exact (width 0) when the quotient is representable */
  if (mpfr_equal_p(a->lo, a->hi) && mpfr_equal_p(b->lo, b->hi)) {
    mpfr_div(r->lo, a->lo, b->lo, MPFR_RNDD);
    mpfr_div(r->hi, a->hi, b->hi, MPFR_RNDU);
  } else {
    iv_mul(c, r, a, &inv);
  }
  mpfr_clear(inv.lo);
  mpfr_clear(inv.hi);
}

#define MONO_UP(name, f)                                                           \
  static void name(I r, const struct iv *a)                                        \
  {                                                                                \
    f(r->lo, a->lo, MPFR_RNDD);                                                    \
    f(r->hi, a->hi, MPFR_RNDU);                                                    \
  }
MONO_UP(iv_exp, mpfr_exp)
MONO_UP(iv_expm1, mpfr_expm1)
MONO_UP(iv_log1p, mpfr_log1p)
MONO_UP(iv_tanh, mpfr_tanh)
MONO_UP(iv_sqrt, mpfr_sqrt)

/* erfc is decreasing */
static void iv_erfc(struct ctx *c, I r, const struct iv *a)
{
  mpfr_erfc(c->t0, a->hi, MPFR_RNDD);
  mpfr_erfc(r->hi, a->lo, MPFR_RNDU);
  mpfr_set(r->lo, c->t0, MPFR_RNDD);
}

static void iv_sqr(struct ctx *c, I r, const struct iv *a)
{
  iv_mul(c, r, a, a);
  if (mpfr_sgn(r->lo) < 0) /* a contains 0: the square does not go below it */
    mpfr_set_zero(r->lo, 1);
}

/* ========================================================= The activations */

/* Output `which` of an element-wise activation at x with parameters p, into r;
 * gy is the upstream gradient (for ENG_OUT_GRAD_X = gy f'(x)). */
typedef void exact_ew_fn(struct ctx *c, double x, const double *p, unsigned which, I r);

/* The logistic pieces at a point u (exact): t = e^-|u| and, for the callers,
 * s = sigmoid(u), s' = t / (1 + t)^2, q = 1 - 2 s = -sign(u) (1 - t) / (1 + t). */
struct logi {
  I t, s, ds, q;
};

static void logistic(struct ctx *c, const struct iv *u, int neg, struct logi *L, I w1, I w2)
{
  /* |u|: u is a point */
  if (neg)
    iv_neg(c, w1, u);
  else
    iv_set(w1, u);
  iv_neg(c, w1, w1);
  iv_exp(L->t, w1);           /* t = e^-|u| */
  iv_expm1(w1, w1);           /* t - 1 */
  iv_add_d(w2, L->t, 1);      /* 1 + t */
  iv_div(c, L->q, w1, w2);    /* (t - 1) / (1 + t) = 1 - 2 s for u >= 0 */
  if (neg)
    iv_neg(c, L->q, L->q);
  /* s = 1 / (1 + t) or t / (1 + t) */
  if (neg)
    iv_div(c, L->s, L->t, w2);
  else {
    iv_d(w1, 1);
    iv_div(c, L->s, w1, w2);
  }
  iv_sqr(c, w1, w2);
  iv_div(c, L->ds, L->t, w1); /* t / (1 + t)^2 */
}

#define V(i) (&c->v[i])

/* sigmoid(a x): y = s(u), y' = a s'(u), y'' = a^2 s'(u) (1 - 2 s(u)), dy/da = x s'(u) */
static void ex_sigmoid(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  struct logi L = {V(10), V(11), V(12), V(13)};
  I u = V(0);
  iv_d(u, p[0]);
  iv_mul_d(c, u, u, x);
  logistic(c, u, mpfr_sgn(u->lo) < 0, &L, V(1), V(2));
  switch (which) {
  case ENG_OUT_Y: iv_set(r, L.s); break;
  case ENG_OUT_DY: iv_mul_d(c, r, L.ds, p[0]); break;
  case ENG_OUT_D2Y:
    iv_mul(c, r, L.ds, L.q);
    iv_mul_d(c, r, r, p[0]);
    iv_mul_d(c, r, r, p[0]);
    break;
  default: iv_mul_d(c, r, L.ds, x); break;
  }
}

/* tanh: y = tanh x, y' = 4 t / (1 + t)^2 with t = e^-2|x|, y'' = -2 tanh(x) y' */
static void ex_tanh(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  I t = V(0), w = V(1), th = V(2), d1 = V(3);
  (void)p;
  iv_d(w, fabs(x));
  mpfr_mul_si(t->lo, w->lo, -2, MPFR_RNDD); /* -2|x|, exact */
  mpfr_mul_si(t->hi, w->hi, -2, MPFR_RNDU);
  iv_exp(t, t);
  iv_add_d(w, t, 1);
  iv_sqr(c, w, w);
  iv_div(c, d1, t, w);
  iv_mul_d(c, d1, d1, 4);
  iv_d(th, x);
  iv_tanh(th, th);
  switch (which) {
  case ENG_OUT_Y: iv_set(r, th); break;
  case ENG_OUT_DY: iv_set(r, d1); break;
  default:
    iv_mul(c, r, th, d1);
    iv_mul_d(c, r, r, -2);
    break;
  }
}

/* log_sigmoid: y = -log1p(e^-x) (x >= 0) or x - log1p(e^x); y' = s(-x); y'' = -s'(x) */
static void ex_log_sigmoid(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  struct logi L = {V(10), V(11), V(12), V(13)};
  I u = V(0);
  (void)p;
  iv_d(u, x);
  logistic(c, u, x < 0, &L, V(1), V(2));
  switch (which) {
  case ENG_OUT_Y:
    iv_log1p(r, L.t);
    iv_neg(c, r, r);
    if (x < 0)
      iv_add_d(r, r, x);
    break;
  case ENG_OUT_DY: /* s(-x) = 1 - s(x) */
    iv_d(V(1), 1);
    iv_sub(c, r, V(1), L.s);
    if (x >= 0) { /* t / (1 + t), without the subtraction */
      iv_add_d(V(1), L.t, 1);
      iv_div(c, r, L.t, V(1));
    }
    break;
  default: iv_neg(c, r, L.ds); break;
  }
}

/* softsign: y = x / (1 + |x|), y' = 1 / (1 + |x|)^2, y'' = -2 sign(x) / (1 + |x|)^3, 0 at 0 */
static void ex_softsign(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  I d = V(0), w = V(1);
  (void)p;
  iv_d(d, fabs(x));
  iv_add_d(d, d, 1);
  switch (which) {
  case ENG_OUT_Y:
    iv_d(w, x);
    iv_div(c, r, w, d);
    break;
  case ENG_OUT_DY:
    iv_sqr(c, d, d);
    iv_d(w, 1);
    iv_div(c, r, w, d);
    break;
  default:
    iv_sqr(c, w, d);
    iv_mul(c, d, w, d);
    iv_d(w, x > 0 ? -2 : x < 0 ? 2 : 0);
    iv_div(c, r, w, d);
    break;
  }
}

/* tanhshrink: y = x - tanh x, y' = tanh^2 x, y'' = 2 tanh(x) sech^2(x) */
static void ex_tanhshrink(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  I th = V(5), w = V(6);
  ex_tanh(c, x, p, ENG_OUT_DY, V(7)); /* sech^2 */
  iv_d(th, x);
  iv_tanh(th, th);
  switch (which) {
  case ENG_OUT_Y:
    iv_d(w, x);
    iv_sub(c, r, w, th);
    break;
  case ENG_OUT_DY: iv_sqr(c, r, th); break;
  default:
    iv_mul(c, r, th, V(7));
    iv_mul_d(c, r, r, 2);
    break;
  }
}

/* softplus(beta): u = beta x, sp(u) = max(u, 0) + log1p(e^-|u|); y = sp / beta,
 * y' = s(u), y'' = beta s'(u), dy/dbeta = (u s(u) - sp(u)) / beta^2, where
 * u s - sp = -(u t / (1 + t) + log1p(t)) for u > 0 and u t / (1 + t) - log1p(t) below */
static void ex_softplus(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  struct logi L = {V(10), V(11), V(12), V(13)};
  I u = V(0), lg = V(3), w = V(4);
  int neg;
  iv_d(u, p[0]);
  iv_mul_d(c, u, u, x);
  neg = mpfr_sgn(u->lo) < 0;
  logistic(c, u, neg, &L, V(1), V(2));
  iv_log1p(lg, L.t);
  switch (which) {
  case ENG_OUT_Y:
    if (!neg && !mpfr_zero_p(u->lo))
      iv_add(lg, lg, u);
    iv_d(w, p[0]);
    iv_div(c, r, lg, w);
    break;
  case ENG_OUT_DY: iv_set(r, L.s); break;
  case ENG_OUT_D2Y: iv_mul_d(c, r, L.ds, p[0]); break;
  default:
    iv_add_d(w, L.t, 1);
    iv_div(c, w, L.t, w);
    iv_mul(c, w, w, u); /* u t / (1 + t) */
    if (!neg) {
      iv_add(w, w, lg);
      iv_neg(c, w, w);
    } else {
      iv_sub(c, w, w, lg);
    }
    iv_d(V(5), p[0]);
    iv_sqr(c, V(5), V(5));
    iv_div(c, r, w, V(5));
    break;
  }
}

/* swish(beta): u = beta x, y = x s(u), y' = s(u) + u s'(u),
 * y'' = beta s'(u) (2 + u (1 - 2 s(u))), dy/dbeta = x^2 s'(u). Scratch: slots 1, 2, 4
 * and 10 .. 13; u and beta must lie elsewhere. */
static void swish_at(struct ctx *c, double x, const struct iv *u, const struct iv *beta,
                     unsigned which, I r)
{
  struct logi L = {V(10), V(11), V(12), V(13)};
  I w = V(4);
  logistic(c, u, mpfr_sgn(u->lo) < 0, &L, V(1), V(2));
  switch (which) {
  case ENG_OUT_Y: iv_mul_d(c, r, L.s, x); break;
  case ENG_OUT_DY:
    iv_mul(c, w, u, L.ds);
    iv_add(r, w, L.s);
    break;
  case ENG_OUT_D2Y:
    iv_mul(c, w, u, L.q);
    iv_add_d(w, w, 2);
    iv_mul(c, w, w, L.ds);
    iv_mul(c, r, w, beta);
    break;
  default:
    iv_mul_d(c, w, L.ds, x);
    iv_mul_d(c, r, w, x);
    break;
  }
}

static void ex_swish(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  I u = V(0), b = V(3);
  iv_d(b, p[0]);
  iv_mul_d(c, u, b, x);
  swish_at(c, x, u, b, which, r);
}

/* gelu: p[0] = 0: y = x Phi(x) = (x / 2) erfc(-x / sqrt 2), y' = Phi(x) + x phi(x),
 *   y'' = phi(x) (2 - x^2), phi(x) = e^(-x^2 / 2) / sqrt(2 pi);
 * p[0] = 1: x sigmoid(w), w = 2c (x + k x^3), c = sqrt(2 / pi), k = 0.044715:
 *   y' = s + x s' w', y'' = s' (2 w' + x w'') + x s'' w'^2, s'' = s' (1 - 2 s),
 *   w' = 2c (1 + 3k x^2), w'' = 12 c k x;
 * p[0] = 2: swish at u = 1.702 x. */
static void ex_gelu(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  I X = V(0), w = V(3), k = V(4), cc = V(5), phi = V(6), a = V(7), b = V(8);
  iv_d(X, x);
  if (p[0] == 2) { /* slots apart from swish_at's scratch (1, 2, 4, 10 .. 13) */
    I k2 = V(8), u2 = V(9);
    iv_str(k2, "1.702");
    iv_mul_d(c, u2, k2, x);
    swish_at(c, x, u2, k2, which, r);
    return;
  }
  if (p[0] == 0) {
    iv_sqr(c, a, X);
    mpfr_div_2ui(a->lo, a->lo, 1, MPFR_RNDD);
    mpfr_div_2ui(a->hi, a->hi, 1, MPFR_RNDU);
    iv_neg(c, a, a);
    iv_exp(a, a); /* e^(-x^2/2) */
    mpfr_const_pi(cc->lo, MPFR_RNDD);
    mpfr_const_pi(cc->hi, MPFR_RNDU);
    mpfr_mul_2ui(cc->lo, cc->lo, 1, MPFR_RNDD);
    mpfr_mul_2ui(cc->hi, cc->hi, 1, MPFR_RNDU);
    iv_sqrt(cc, cc);
    iv_div(c, phi, a, cc); /* phi(x) */
    /* Phi(x) = erfc(-x / sqrt 2) / 2 */
    iv_d(b, 2);
    iv_sqrt(b, b);
    iv_neg(c, a, X);
    iv_div(c, a, a, b);
    iv_erfc(c, a, a);
    mpfr_div_2ui(a->lo, a->lo, 1, MPFR_RNDD);
    mpfr_div_2ui(a->hi, a->hi, 1, MPFR_RNDU);
    switch (which) {
    case ENG_OUT_Y: iv_mul(c, r, a, X); break;
    case ENG_OUT_DY:
      iv_mul(c, b, phi, X);
      iv_add(r, a, b);
      break;
    default:
      iv_sqr(c, b, X);
      iv_d(a, 2);
      iv_sub(c, b, a, b);
      iv_mul(c, r, b, phi);
      break;
    }
    return;
  }
  {
    struct logi L = {V(10), V(11), V(12), V(13)};
    I wp = V(14), wpp = V(15), q = V(16);
    iv_str(k, "0.044715");
    mpfr_const_pi(cc->lo, MPFR_RNDU);
    mpfr_const_pi(cc->hi, MPFR_RNDD);
    mpfr_ui_div(cc->lo, 2, cc->lo, MPFR_RNDD);
    mpfr_ui_div(cc->hi, 2, cc->hi, MPFR_RNDU);
    iv_sqrt(cc, cc); /* c */
    iv_sqr(c, a, X);
    iv_mul(c, q, a, k); /* k x^2 */
    iv_add_d(w, q, 1);
    iv_mul(c, w, w, X);
    iv_mul(c, w, w, cc);
    iv_mul_d(c, w, w, 2); /* w */
    logistic(c, w, x < 0, &L, V(1), V(2));
    iv_mul_d(c, wp, q, 3);
    iv_add_d(wp, wp, 1);
    iv_mul(c, wp, wp, cc);
    iv_mul_d(c, wp, wp, 2); /* w' */
    switch (which) {
    case ENG_OUT_Y: iv_mul(c, r, L.s, X); break;
    case ENG_OUT_DY:
      iv_mul(c, a, L.ds, wp);
      iv_mul(c, a, a, X);
      iv_add(r, a, L.s);
      break;
    default:
      iv_mul(c, wpp, k, cc);
      iv_mul(c, wpp, wpp, X);
      iv_mul_d(c, wpp, wpp, 12); /* w'' */
      iv_mul(c, a, wpp, X);
      iv_mul_d(c, b, wp, 2);
      iv_add(a, a, b);
      iv_mul(c, a, a, L.ds); /* s' (2 w' + x w'') */
      iv_sqr(c, b, wp);
      iv_mul(c, b, b, L.ds);
      iv_mul(c, b, b, L.q);
      iv_mul(c, b, b, X); /* x s'' w'^2 */
      iv_add(r, a, b);
      break;
    }
  }
}

/* mish: y = x T, T = tanh(sp(x)), S = 1 - T^2 = sech^2(sp(x)), s = sigmoid(x);
 * y' = T + x s S, y'' = 2 s S + x s' S - 2 x s^2 T S. For x <= 0, with t = e^x,
 * T = t (t + 2) / (t^2 + 2t + 2) (no difference); above, with u = e^-x,
 * T = (1 + 2u) / (1 + 2u + 2u^2), S = 4u^2 (1 + u)^2 / E^2... formed as 1 - T^2
 * only through the exact rational 1 - T^2 = (E^2 - (1 + 2u)^2) / E^2. */
static void ex_mish(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  struct logi L = {V(10), V(11), V(12), V(13)};
  I X = V(0), T = V(3), S = V(4), n = V(5), D = V(6), w = V(7);
  (void)p;
  iv_d(X, x);
  logistic(c, X, x < 0, &L, V(1), V(2));
  /* t = e^-|x| */
  if (x <= 0) {
    iv_add_d(n, L.t, 2);
    iv_mul(c, n, n, L.t);  /* t (t + 2) */
    iv_add_d(D, n, 2);     /* t^2 + 2t + 2 */
    iv_div(c, T, n, D);
    /* S = 1 - T^2 = (D^2 - n^2) / D^2 = 4 (1 + n) / D^2, as D - n = 2 */
    iv_add_d(w, n, 1);
    iv_mul_d(c, w, w, 4);
    iv_sqr(c, S, D);
    iv_div(c, S, w, S);
  } else {
    iv_mul_d(c, n, L.t, 2);
    iv_add_d(n, n, 1);     /* 1 + 2u */
    iv_sqr(c, w, L.t);
    iv_mul_d(c, w, w, 2);
    iv_add(D, n, w);       /* E = 1 + 2u + 2u^2 */
    iv_div(c, T, n, D);
    /* E^2 - (1 + 2u)^2 = (E - n)(E + n) = 2u^2 (2 + 4u + 2u^2) = 4 u^2 (1 + u)^2 */
    iv_add_d(w, L.t, 1);
    iv_mul(c, w, w, L.t);
    iv_sqr(c, w, w);
    iv_mul_d(c, w, w, 4);
    iv_sqr(c, S, D);
    iv_div(c, S, w, S);
  }
  switch (which) {
  case ENG_OUT_Y: iv_mul(c, r, T, X); break;
  case ENG_OUT_DY:
    iv_mul(c, w, L.s, S);
    iv_mul(c, w, w, X);
    iv_add(r, w, T);
    break;
  default: {
    I a = V(14), b = V(15);
    iv_mul(c, a, L.s, S);
    iv_mul_d(c, a, a, 2);       /* 2 s S */
    iv_mul(c, b, L.ds, S);
    iv_mul(c, b, b, X);
    iv_add(a, a, b);            /* + x s' S */
    iv_sqr(c, b, L.s);
    iv_mul(c, b, b, T);
    iv_mul(c, b, b, S);
    iv_mul(c, b, b, X);
    iv_mul_d(c, b, b, 2);
    iv_sub(c, r, a, b);         /* - 2 x s^2 T S */
    break;
  }
  }
}

/* elu: x > 0: x, 1, 0, 0; else alpha expm1(x), alpha e^x, alpha e^x (0 at x = 0),
 * dy/dalpha = expm1(x) */
static void ex_elu(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  I X = V(0);
  iv_d(X, x);
  if (x > 0) {
    iv_d(r, which == ENG_OUT_Y ? x : which == ENG_OUT_DY ? 1 : 0);
    return;
  }
  switch (which) {
  case ENG_OUT_Y:
    iv_expm1(r, X);
    iv_mul_d(c, r, r, p[0]);
    break;
  case ENG_OUT_DY:
    iv_exp(r, X);
    iv_mul_d(c, r, r, p[0]);
    break;
  case ENG_OUT_D2Y:
    iv_exp(r, X);
    iv_mul_d(c, r, r, x == 0 ? 0 : p[0]);
    break;
  default: iv_expm1(r, X); break;
  }
}

/* selu: scale x (x > 0), scale alpha expm1(x) otherwise; y' = scale or
 * scale alpha e^x; y'' = 0 or scale alpha e^x (0 at x = 0) */
static void ex_selu(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  I X = V(0), s = V(1), a = V(2);
  (void)p;
  iv_d(X, x);
  iv_str(s, "1.0507009873554804934193349852946");
  iv_str(a, "1.6732632423543772848170429916717");
  if (x > 0) {
    if (which == ENG_OUT_Y)
      iv_mul(c, r, s, X);
    else if (which == ENG_OUT_DY)
      iv_set(r, s);
    else
      iv_d(r, 0);
    return;
  }
  iv_mul(c, s, s, a);
  if (which == ENG_OUT_Y)
    iv_expm1(a, X);
  else
    iv_exp(a, X);
  iv_mul(c, r, s, a);
  if (which == ENG_OUT_D2Y && x == 0)
    iv_d(r, 0);
}

/* celu: x > 0: x, 1, 0, 0; x = 0: 0, 1, 0, 0; x < 0 with v = x / alpha:
 * alpha expm1(v), e^v, e^v / alpha, dy/dalpha = expm1(v) - v e^v */
static void ex_celu(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  I v = V(0), e = V(1), A = V(2);
  if (x >= 0) {
    iv_d(r, which == ENG_OUT_Y ? x : which == ENG_OUT_DY ? 1 : 0);
    return;
  }
  iv_d(v, x);
  iv_d(A, p[0]);
  iv_div(c, v, v, A);
  switch (which) {
  case ENG_OUT_Y:
    iv_expm1(e, v);
    iv_mul(c, r, e, A);
    break;
  case ENG_OUT_DY: iv_exp(r, v); break;
  case ENG_OUT_D2Y:
    iv_exp(e, v);
    iv_div(c, r, e, A);
    break;
  default:
    iv_exp(e, v);
    iv_mul(c, e, e, v);
    iv_expm1(V(3), v);
    iv_sub(c, r, V(3), e);
    break;
  }
}

/* squareplus(b): R = sqrt(x^2 + b); y = (x + R) / 2 (x >= 0) or b / (2 (R - x));
 * y' = (R + x) / (2R), as b / (2 R (R - x)) for x < 0; y'' = b / (2 R^3);
 * dy/db = 1 / (4R) */
static void ex_squareplus(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  I X = V(0), R = V(1), w = V(2), B = V(3);
  iv_d(X, x);
  iv_d(B, p[0]);
  iv_sqr(c, R, X);
  iv_add(R, R, B);
  iv_sqrt(R, R);
  switch (which) {
  case ENG_OUT_Y:
    if (x >= 0) {
      iv_add(w, X, R);
      iv_mul_d(c, r, w, 0.5);
    } else {
      iv_sub(c, w, R, X);
      iv_mul_d(c, w, w, 2);
      iv_div(c, r, B, w);
    }
    break;
  case ENG_OUT_DY:
    if (x >= 0) {
      iv_add(w, X, R);
    } else {
      iv_sub(c, w, R, X);
      iv_div(c, w, B, w);
    }
    iv_mul_d(c, R, R, 2);
    iv_div(c, r, w, R);
    break;
  case ENG_OUT_D2Y:
    iv_sqr(c, w, R);
    iv_mul(c, w, w, R);
    iv_mul_d(c, w, w, 2);
    iv_div(c, r, B, w);
    break;
  default:
    iv_mul_d(c, w, R, 4);
    iv_d(B, 1);
    iv_div(c, r, B, w);
    break;
  }
}

/* hard_swish: 0 (x <= -3), x (x >= 3), else x (x + 3) / 6, (2x + 3) / 6, 1/3 */
static void ex_hard_swish(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  I X = V(0), w = V(1), six = V(2);
  (void)p;
  iv_d(X, x);
  if (x <= -3 || x >= 3) {
    iv_d(r, which == ENG_OUT_Y ? (x > 0 ? x : 0) : which == ENG_OUT_DY ? (x > 0 ? 1 : 0) : 0);
    return;
  }
  iv_d(six, 6);
  switch (which) {
  case ENG_OUT_Y:
    iv_add_d(w, X, 3);
    iv_mul(c, w, w, X);
    iv_div(c, r, w, six);
    break;
  case ENG_OUT_DY:
    iv_mul_d(c, w, X, 2);
    iv_add_d(w, w, 3);
    iv_div(c, r, w, six);
    break;
  default:
    iv_d(w, 2);
    iv_div(c, r, w, six);
    break;
  }
}

/* rrelu: alpha = (lower + upper) / 2; x > 0: x, 1; else alpha x, alpha;
 * dy/dlower = dy/dupper = x / 2 for x < 0 */
static void ex_rrelu(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  I A = V(0);
  iv_d(A, p[0]);
  iv_add_d(A, A, p[1]);
  iv_mul_d(c, A, A, 0.5);
  if (x > 0) {
    iv_d(r, which == ENG_OUT_Y ? x : which == ENG_OUT_DY ? 1 : 0);
    return;
  }
  switch (which) {
  case ENG_OUT_Y: iv_mul_d(c, r, A, x); break;
  case ENG_OUT_DY: iv_set(r, A); break;
  case ENG_OUT_D2Y: iv_d(r, 0); break;
  default:
    iv_d(V(1), x);
    iv_mul_d(c, r, V(1), 0.5);
    break;
  }
}

/* The piecewise-linear functions: their kernels round each output once in double
 * arithmetic and never come here; eng_ew_exact_sign does, for the exact values. */

/* y = x */
static void ex_identity(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  (void)c;
  (void)p;
  iv_d(r, which == ENG_OUT_Y ? x : which == ENG_OUT_DY ? 1 : 0);
}

static void ex_step(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  (void)c;
  (void)p;
  iv_d(r, which == ENG_OUT_Y && x > 0 ? 1 : 0);
}

/* t = slope x + offset: inside (0, 1): t, slope, 0, x, 1; else 0 or 1, then zeros */
static void ex_hard_sigmoid(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  I t = V(0);
  iv_d(t, p[0]);
  iv_mul_d(c, t, t, x);
  iv_add_d(t, t, p[1]);
  if (mpfr_sgn(t->lo) <= 0 || mpfr_cmp_ui(t->hi, 1) >= 0) { /* t is a point */
    iv_d(r, which == ENG_OUT_Y && mpfr_sgn(t->lo) > 0 ? 1 : 0);
    return;
  }
  switch (which) {
  case ENG_OUT_Y: iv_set(r, t); break;
  case ENG_OUT_DY: iv_d(r, p[0]); break;
  case ENG_OUT_D2Y: iv_d(r, 0); break;
  case ENG_OUT_DP: iv_d(r, x); break;
  default: iv_d(r, 1); break;
  }
}

static void ex_hard_tanh(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  double v[ENG_OUT__COUNT];
  (void)c;
  v[ENG_OUT_Y] = x < p[0] ? p[0] : x > p[1] ? p[1] : x;
  v[ENG_OUT_DY] = x > p[0] && x < p[1] ? 1 : 0;
  v[ENG_OUT_D2Y] = 0;
  v[ENG_OUT_DP] = x < p[0] ? 1 : 0;
  v[ENG_OUT_DP + 1] = x > p[1] ? 1 : 0;
  iv_d(r, v[which]);
}

static void ex_relu(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  (void)c;
  (void)p;
  iv_d(r, x > 0 && which <= ENG_OUT_DY ? (which == ENG_OUT_Y ? x : 1) : 0);
}

static void ex_relu6(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  (void)c;
  (void)p;
  if (which == ENG_OUT_Y)
    iv_d(r, x > 0 ? (x < 6 ? x : 6) : 0);
  else
    iv_d(r, which == ENG_OUT_DY && x > 0 && x < 6 ? 1 : 0);
}

/* x > 0: x, 1; else alpha x, alpha; dy/dalpha = x for x < 0 */
static void ex_leaky_relu(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  if (x > 0) {
    iv_d(r, which == ENG_OUT_Y ? x : which == ENG_OUT_DY ? 1 : 0);
  } else if (which == ENG_OUT_Y) {
    iv_d(r, p[0]);
    iv_mul_d(c, r, r, x);
  } else {
    iv_d(r, which == ENG_OUT_DY ? p[0] : which == ENG_OUT_DP ? x : 0);
  }
}

static void ex_threshold(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  int pass = x > p[0];
  (void)c;
  iv_d(r, which == ENG_OUT_Y ? (pass ? x : p[1]) : which == ENG_OUT_DY ? pass
          : which == ENG_OUT_DP + 1 ? !pass : 0);
}

static void ex_thresholded_relu(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  int pass = x > p[0];
  (void)c;
  iv_d(r, which == ENG_OUT_Y ? (pass ? x : 0) : which == ENG_OUT_DY ? pass : 0);
}

static void ex_hardshrink(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  int pass = fabs(x) > p[0];
  (void)c;
  iv_d(r, which == ENG_OUT_Y ? (pass ? x : 0) : which == ENG_OUT_DY ? pass : 0);
}

/* x - lambd, x + lambd or 0; 1 or 0; dy/dlambd = -1, 1 or 0 */
static void ex_softshrink(struct ctx *c, double x, const double *p, unsigned which, I r)
{
  double side = x > p[0] ? 1 : x < -p[0] ? -1 : 0;
  (void)c;
  if (which == ENG_OUT_Y && side != 0) {
    iv_d(r, x);
    iv_add_d(r, r, -side * p[0]);
  } else if (which == ENG_OUT_Y) {
    iv_d(r, 0);
  } else {
    iv_d(r, which == ENG_OUT_DY ? side != 0 : which == ENG_OUT_DP ? -side : 0);
  }
}


/* The exact path of a row: an element-wise formula, or a vector kind. */
enum vkind { VK_NONE, VK_SOFTMAX, VK_LOG_SOFTMAX, VK_SOFTMIN, VK_SPARSEMAX, VK_MAXOUT, VK_HARDMAX };

struct eng__exact {
  exact_ew_fn *fn;
  enum vkind vk;
};

#define EXACT(stem) const struct eng__exact eng__exact_##stem = {ex_##stem, VK_NONE};
EXACT(sigmoid)
EXACT(tanh)
EXACT(log_sigmoid)
EXACT(softsign)
EXACT(tanhshrink)
EXACT(softplus)
EXACT(swish)
EXACT(gelu)
EXACT(mish)
EXACT(elu)
EXACT(selu)
EXACT(celu)
EXACT(squareplus)
EXACT(hard_swish)
EXACT(rrelu)
EXACT(identity)
EXACT(step)
EXACT(hard_sigmoid)
EXACT(hard_tanh)
EXACT(relu)
EXACT(relu6)
EXACT(leaky_relu)
EXACT(threshold)
EXACT(thresholded_relu)
EXACT(hardshrink)
EXACT(softshrink)

/* ============================================================== The drivers */

/* Keeps MPFR's exponent range wide whatever the calling thread had set. */
struct erange {
  mpfr_exp_t emin, emax;
};

static struct erange erange_wide(void)
{
  struct erange e = {mpfr_get_emin(), mpfr_get_emax()};
  mpfr_set_emin(mpfr_get_emin_min());
  mpfr_set_emax(mpfr_get_emax_max());
  return e;
}

/* Restores the exponent range and frees the calling thread's MPFR caches (the
 * constants pi and log 2 at the last precision): a serving thread that exits would
 * otherwise leave them behind, and the exact path is too rare for the cache to pay. */
static void erange_restore(struct erange e)
{
  mpfr_set_emin(e.emin);
  mpfr_set_emax(e.emax);
  mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
}

/* Evaluates output `which` (ENG_OUT_GRAD_X: gy times ENG_OUT_DY) at precision prec. */
static void eval_ew(const struct eng__exact *m, struct ctx *c, double x, const double *p,
                    unsigned which, double gy, I r)
{
  if (which == ENG_OUT_GRAD_X) {
    m->fn(c, x, p, ENG_OUT_DY, V(NV - 1));
    iv_mul_d(c, r, V(NV - 1), gy);
  } else {
    m->fn(c, x, p, which, r);
  }
}

/* The correctly rounded double of an interval, 1; or 0 if it does not decide yet. */
static int decided(const struct iv *r, double *out)
{
  double lo = mpfr_get_d(r->lo, MPFR_RNDN), hi = mpfr_get_d(r->hi, MPFR_RNDN);
  if (mpfr_zero_p(r->lo) && mpfr_zero_p(r->hi)) { /* an exact zero */
    *out = mpfr_signbit(r->lo) && mpfr_signbit(r->hi) ? -0.0 : 0.0;
    return 1;
  }
  if (lo != hi || signbit(lo) != signbit(hi))
    return 0;
  *out = lo;
  return 1;
}

/* An interval still astride a midpoint at PREC_MAX bits (32768): only an exact tie
 * comes that close (a product of an exact rational and a quotient that is not
 * dyadic, grad_y (2x + 3) / 6, reaches the midpoint exactly while the interval of
 * its factors never closes); the two neighbours are the interval's roundings, and
 * the tie goes to the one with the even significand. */
static double tie_to_even(const struct iv *r)
{
  double lo = mpfr_get_d(r->lo, MPFR_RNDN), hi = mpfr_get_d(r->hi, MPFR_RNDN);
  uint64_t b;
  memcpy(&b, &lo, sizeof b);
  return (b & 1) == 0 ? lo : hi;
}

double eng__exact_round(const struct eng__exact *m, double x, const double *p,
                        unsigned which, double gy)
{
  struct erange e = erange_wide();
  struct ctx c;
  double out = 0;
  atomic_fetch_add_explicit(&exact_count, 1, memory_order_relaxed);
  for (mpfr_prec_t prec = PREC0;; prec *= 2) {
    struct iv r;
    int done;
    ex_ctx_init(&c, prec);
    mpfr_init2(r.lo, prec);
    mpfr_init2(r.hi, prec);
    eval_ew(m, &c, x, p, which, gy, &r);
    done = decided(&r, &out);
    if (!done && prec >= PREC_MAX) {
      out = tie_to_even(&r);
      done = 1;
    }
    mpfr_clear(r.lo);
    mpfr_clear(r.hi);
    ctx_clear(&c);
    if (done)
      break;
  }
  erange_restore(e);
  return out;
}

/* sign(exact - d): -1, 0 or 1, by the same evaluation. */
static int sign_vs(const struct iv *r, double d, int *s)
{
  if (mpfr_cmp_d(r->lo, d) > 0) {
    *s = 1;
    return 1;
  }
  if (mpfr_cmp_d(r->hi, d) < 0) {
    *s = -1;
    return 1;
  }
  if (mpfr_equal_p(r->lo, r->hi)) {
    *s = 0;
    return 1;
  }
  return 0;
}

int eng__exact_sign(const struct eng__exact *m, double x, const double *p, unsigned which,
                    double gy, double d)
{
  struct erange e = erange_wide();
  struct ctx c;
  int s = 0;
  for (mpfr_prec_t prec = PREC0; prec <= PREC_MAX; prec *= 2) {
    struct iv r;
    int done;
    ex_ctx_init(&c, prec);
    mpfr_init2(r.lo, prec);
    mpfr_init2(r.hi, prec);
    eval_ew(m, &c, x, p, which, gy, &r);
    done = sign_vs(&r, d, &s);
    mpfr_clear(r.lo);
    mpfr_clear(r.hi);
    ctx_clear(&c);
    if (done)
      break;
  }
  erange_restore(e);
  return s;
}

/* ====================================================== The vector activations */

const struct eng__exact eng__exact_softmax = {NULL, VK_SOFTMAX};
const struct eng__exact eng__exact_log_softmax = {NULL, VK_LOG_SOFTMAX};
const struct eng__exact eng__exact_softmin = {NULL, VK_SOFTMIN};
const struct eng__exact eng__exact_sparsemax = {NULL, VK_SPARSEMAX};
const struct eng__exact eng__exact_maxout = {NULL, VK_MAXOUT};
const struct eng__exact eng__exact_hardmax = {NULL, VK_HARDMAX};

#define PREC_SUM 2400 /* sums of up to 2^100 doubles are exact at this precision */

/* softmax (sg = 1), softmin (sg = -1) and log_softmax: with M = max sg x and
 * e_k = e^(sg x_k - M), S = sum e_k:
 *   y_i = e_i / S; J[i][j] = sg y_i (delta_ij - y_j), the diagonal from
 *   sum_{k != i} e_k (no difference); grad_x_i = sg y_i (g_i - sum_k g_k y_k);
 *   log_softmax: y_i = (x_i - M) - log1p(sum_{k != argmax} e_k),
 *   J[i][j] = delta_ij - e_j / S, grad_x_i = g_i - (e_i / S) sum_k g_k. */
static void vec_softmax(struct ctx *c, enum vkind vk, const double *x, size_t k,
                        const double *gy, unsigned which, size_t i, size_t j, I r)
{
  double sg = vk == VK_SOFTMIN ? -1 : 1, M = -INFINITY;
  size_t am = 0;
  struct iv *e = malloc(k * sizeof *e);
  I S = V(0), rest = V(1), w = V(2), yi = V(3), acc = V(4);
  if (e == NULL) {
    iv_d(r, NAN);
    return;
  }
  for (size_t q = 0; q < k; q++)
    if (sg * x[q] > M) {
      M = sg * x[q];
      am = q;
    }
  iv_d(S, 0);
  for (size_t q = 0; q < k; q++) {
    mpfr_init2(e[q].lo, c->prec);
    mpfr_init2(e[q].hi, c->prec);
    iv_d(V(5), sg * x[q]);
    iv_d(V(6), M);
    iv_sub(c, V(5), V(5), V(6));
    iv_exp(&e[q], V(5));
    iv_add(S, S, &e[q]);
  }
  iv_div(c, yi, &e[i], S);
  switch (which) {
  case ENG_VOUT_Y:
    if (vk == VK_LOG_SOFTMAX) {
      iv_d(rest, 0);
      for (size_t q = 0; q < k; q++)
        if (q != am)
          iv_add(rest, rest, &e[q]);
      iv_log1p(rest, rest);
      iv_d(w, x[i]);
      iv_d(V(6), M);
      iv_sub(c, w, w, V(6));
      iv_sub(c, r, w, rest);
    } else {
      iv_set(r, yi);
    }
    break;
  case ENG_VOUT_JAC:
    if (i == j) {
      iv_d(rest, 0);
      for (size_t q = 0; q < k; q++)
        if (q != i)
          iv_add(rest, rest, &e[q]);
      iv_div(c, w, rest, S); /* 1 - y_i */
      if (vk == VK_LOG_SOFTMAX)
        iv_set(r, w);
      else {
        iv_mul(c, r, w, yi);
        iv_mul_d(c, r, r, sg);
      }
    } else {
      iv_div(c, w, &e[j], S);
      if (vk == VK_LOG_SOFTMAX)
        iv_neg(c, r, w);
      else {
        iv_mul(c, r, w, yi);
        iv_mul_d(c, r, r, -sg);
      }
    }
    break;
  default:
    iv_d(acc, 0);
    if (vk == VK_LOG_SOFTMAX) {
      for (size_t q = 0; q < k; q++)
        iv_add_d(acc, acc, gy[q]);
      iv_mul(c, acc, acc, yi);
      iv_d(w, gy[i]);
      iv_sub(c, r, w, acc);
    } else {
      for (size_t q = 0; q < k; q++) {
        iv_div(c, w, &e[q], S);
        iv_mul_d(c, w, w, gy[q]);
        iv_add(acc, acc, w);
      }
      iv_d(w, gy[i]);
      iv_sub(c, w, w, acc);
      iv_mul(c, r, w, yi);
      iv_mul_d(c, r, r, sg);
    }
    break;
  }
  for (size_t q = 0; q < k; q++) {
    mpfr_clear(e[q].lo);
    mpfr_clear(e[q].hi);
  }
  free(e);
}

static int cmp_desc(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x < y) - (x > y);
}

/* sparsemax: with z = x sorted decreasing, cum_j = z_1 + ... + z_j (exact at
 * PREC_SUM bits), the support size n is the largest j with j z_j > cum_j - 1 and
 * tau = (cum_n - 1) / n; y_i = x_i - tau where n x_i > cum_n - 1, else 0;
 * J[i][j] = delta_ij - 1/n on the support, 0 elsewhere; grad_x_i =
 * (n g_i - sum_S g) / n on the support, 0 elsewhere. */
static void vec_sparsemax(const double *x, size_t k, const double *gy,
                          unsigned which, size_t i, size_t j, I r)
{
  double *z = malloc(k * sizeof *z);
  mpfr_t cum, best, t;
  size_t n = 1;
  int in_i, in_j;
  if (z == NULL) {
    iv_d(r, NAN);
    return;
  }
  mpfr_inits2(PREC_SUM, cum, best, t, (mpfr_ptr)0);
  memcpy(z, x, k * sizeof *z);
  qsort(z, k, sizeof *z, cmp_desc);
  mpfr_set_ui(cum, 0, MPFR_RNDN);
  for (size_t q = 0; q < k; q++) {
    mpfr_add_d(cum, cum, z[q], MPFR_RNDN);
    mpfr_mul_d(t, cum, 1, MPFR_RNDN);
    mpfr_sub_ui(t, t, 1, MPFR_RNDN);
    mpfr_div_ui(t, t, (unsigned long)(q + 1), MPFR_RNDN); /* a comparison only */
    {
      mpfr_t lhs;
      mpfr_init2(lhs, PREC_SUM);
      mpfr_set_d(lhs, z[q], MPFR_RNDN);
      mpfr_mul_ui(lhs, lhs, (unsigned long)(q + 1), MPFR_RNDN);
      mpfr_sub(lhs, lhs, cum, MPFR_RNDN);
      mpfr_add_ui(lhs, lhs, 1, MPFR_RNDN); /* (q + 1) z_q - cum + 1, exact */
      if (mpfr_sgn(lhs) > 0) {
        n = q + 1;
        mpfr_sub_ui(best, cum, 1, MPFR_RNDN); /* cum_n - 1, exact */
      }
      mpfr_clear(lhs);
    }
  }
  /* i in the support: n x_i > cum_n - 1 */
  mpfr_set_d(t, x[i], MPFR_RNDN);
  mpfr_mul_ui(t, t, (unsigned long)n, MPFR_RNDN);
  in_i = mpfr_greater_p(t, best);
  mpfr_set_d(t, x[j < k ? j : 0], MPFR_RNDN);
  mpfr_mul_ui(t, t, (unsigned long)n, MPFR_RNDN);
  in_j = mpfr_greater_p(t, best);
  if (which == ENG_VOUT_Y) {
    if (!in_i) {
      iv_d(r, 0);
    } else { /* (n x_i - (cum_n - 1)) / n, numerator exact */
      mpfr_set_d(t, x[i], MPFR_RNDN);
      mpfr_mul_ui(t, t, (unsigned long)n, MPFR_RNDN);
      mpfr_sub(t, t, best, MPFR_RNDN);
      mpfr_div_ui(r->lo, t, (unsigned long)n, MPFR_RNDD);
      mpfr_div_ui(r->hi, t, (unsigned long)n, MPFR_RNDU);
    }
  } else if (which == ENG_VOUT_JAC) {
    if (!in_i || !in_j) {
      iv_d(r, 0);
    } else {
      mpfr_set_si(t, i == j ? (long)n - 1 : -1, MPFR_RNDN);
      mpfr_div_ui(r->lo, t, (unsigned long)n, MPFR_RNDD);
      mpfr_div_ui(r->hi, t, (unsigned long)n, MPFR_RNDU);
    }
  } else if (!in_i) {
    iv_d(r, 0);
  } else {
    size_t m = 0;
    mpfr_set_ui(cum, 0, MPFR_RNDN);
    for (size_t q = 0; q < k; q++) {
      mpfr_set_d(t, x[q], MPFR_RNDN);
      mpfr_mul_ui(t, t, (unsigned long)n, MPFR_RNDN);
      if (mpfr_greater_p(t, best)) {
        mpfr_sub_d(cum, cum, gy[q], MPFR_RNDN);
        m++;
      }
    }
    mpfr_set_d(t, gy[i], MPFR_RNDN);
    mpfr_mul_ui(t, t, (unsigned long)m, MPFR_RNDN);
    mpfr_add(t, t, cum, MPFR_RNDN);
    mpfr_div_ui(r->lo, t, (unsigned long)m, MPFR_RNDD);
    mpfr_div_ui(r->hi, t, (unsigned long)m, MPFR_RNDU);
  }
  mpfr_clears(cum, best, t, (mpfr_ptr)0);
  free(z);
}

static void eval_vec(const struct eng__exact *m, struct ctx *c, const double *x, size_t k,
                     const double *gy, unsigned which, size_t i, size_t j, I r)
{
  size_t am = eng__first_max(x, k);
  switch (m->vk) {
  case VK_SOFTMAX:
  case VK_LOG_SOFTMAX:
  case VK_SOFTMIN: vec_softmax(c, m->vk, x, k, gy, which, i, j, r); break;
  case VK_SPARSEMAX: vec_sparsemax(x, k, gy, which, i, j, r); break;
  case VK_MAXOUT:
    iv_d(r, which == ENG_VOUT_Y ? x[am] : which == ENG_VOUT_JAC ? (j == am) : i == am ? gy[0] : 0);
    break;
  case VK_HARDMAX:
  case VK_NONE:
    iv_d(r, which == ENG_VOUT_Y ? (i == am) : 0);
    break;
  }
}

double eng__exact_vec_round(const struct eng__exact *m, const double *x, size_t k,
                            const double *gy, unsigned which, size_t i, size_t j)
{
  struct erange e = erange_wide();
  struct ctx c;
  double out = 0;
  atomic_fetch_add_explicit(&exact_count, 1, memory_order_relaxed);
  for (mpfr_prec_t prec = PREC0;; prec *= 2) {
    struct iv r;
    int done;
    ex_ctx_init(&c, prec);
    mpfr_init2(r.lo, prec);
    mpfr_init2(r.hi, prec);
    eval_vec(m, &c, x, k, gy, which, i, j, &r);
    done = decided(&r, &out);
    if (!done && prec >= PREC_MAX) {
      out = tie_to_even(&r);
      done = 1;
    }
    mpfr_clear(r.lo);
    mpfr_clear(r.hi);
    ctx_clear(&c);
    if (done)
      break;
  }
  erange_restore(e);
  return out;
}

int eng__exact_vec_sign(const struct eng__exact *m, const double *x, size_t k,
                        const double *gy, unsigned which, size_t i, size_t j, double d)
{
  struct erange e = erange_wide();
  struct ctx c;
  int s = 0;
  for (mpfr_prec_t prec = PREC0; prec <= PREC_MAX; prec *= 2) {
    struct iv r;
    int done;
    ex_ctx_init(&c, prec);
    mpfr_init2(r.lo, prec);
    mpfr_init2(r.hi, prec);
    eval_vec(m, &c, x, k, gy, which, i, j, &r);
    done = sign_vs(&r, d, &s);
    mpfr_clear(r.lo);
    mpfr_clear(r.hi);
    ctx_clear(&c);
    if (done)
      break;
  }
  erange_restore(e);
  return s;
}
