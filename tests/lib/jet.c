/*
 * jet.c: Taylor-series arithmetic in MPFR (jet.h).
 */
#include <string.h>

#include "jet.h"

static int N = 3;
static mpfr_prec_t PREC = 256;

void jet_begin(int n, mpfr_prec_t prec)
{
  N = n < 1 ? 1 : n > JET_MAX ? JET_MAX : n;
  PREC = prec;
}

void jet_init(struct jet *j)
{
  j->n = N;
  for (int i = 0; i < N; i++)
    mpfr_init2(j->c[i], PREC);
}

void jet_clear(struct jet *j)
{
  for (int i = 0; i < j->n; i++)
    mpfr_clear(j->c[i]);
}

/* Temporaries: a jet initialised and cleared in one scope. */
#define TMP(name) struct jet name; jet_init(&name)

void jet_const_d(struct jet *r, double v)
{
  mpfr_set_d(r->c[0], v, MPFR_RNDN);
  for (int i = 1; i < N; i++)
    mpfr_set_zero(r->c[i], 1);
}

void jet_const(struct jet *r, const mpfr_t v)
{
  mpfr_set(r->c[0], v, MPFR_RNDN);
  for (int i = 1; i < N; i++)
    mpfr_set_zero(r->c[i], 1);
}

void jet_var_d(struct jet *r, double x0)
{
  jet_const_d(r, x0);
  if (N > 1)
    mpfr_set_ui(r->c[1], 1, MPFR_RNDN);
}

void jet_var(struct jet *r, const mpfr_t x0)
{
  jet_const(r, x0);
  if (N > 1)
    mpfr_set_ui(r->c[1], 1, MPFR_RNDN);
}

void jet_set(struct jet *r, const struct jet *a)
{
  for (int i = 0; i < N; i++)
    mpfr_set(r->c[i], a->c[i], MPFR_RNDN);
}

void jet_add(struct jet *r, const struct jet *a, const struct jet *b)
{
  for (int i = 0; i < N; i++)
    mpfr_add(r->c[i], a->c[i], b->c[i], MPFR_RNDN);
}

void jet_sub(struct jet *r, const struct jet *a, const struct jet *b)
{
  for (int i = 0; i < N; i++)
    mpfr_sub(r->c[i], a->c[i], b->c[i], MPFR_RNDN);
}

void jet_neg(struct jet *r, const struct jet *a)
{
  for (int i = 0; i < N; i++)
    mpfr_neg(r->c[i], a->c[i], MPFR_RNDN);
}

void jet_add_d(struct jet *r, const struct jet *a, double v)
{
  jet_set(r, a);
  mpfr_add_d(r->c[0], a->c[0], v, MPFR_RNDN);
}

void jet_mul_d(struct jet *r, const struct jet *a, double v)
{
  for (int i = 0; i < N; i++)
    mpfr_mul_d(r->c[i], a->c[i], v, MPFR_RNDN);
}

void jet_mul(struct jet *r, const struct jet *a, const struct jet *b)
{
  TMP(t);
  mpfr_t p;
  mpfr_init2(p, PREC);
  for (int n = 0; n < N; n++) {
    mpfr_set_zero(t.c[n], 1);
    for (int k = 0; k <= n; k++) {
      mpfr_mul(p, a->c[k], b->c[n - k], MPFR_RNDN);
      mpfr_add(t.c[n], t.c[n], p, MPFR_RNDN);
    }
  }
  jet_set(r, &t);
  mpfr_clear(p);
  jet_clear(&t);
}

/* q = a / b: q_n = (a_n - sum_{k=1}^n b_k q_{n-k}) / b_0 */
void jet_div(struct jet *r, const struct jet *a, const struct jet *b)
{
  TMP(q);
  mpfr_t p;
  mpfr_init2(p, PREC);
  for (int n = 0; n < N; n++) {
    mpfr_set(q.c[n], a->c[n], MPFR_RNDN);
    for (int k = 1; k <= n; k++) {
      mpfr_mul(p, b->c[k], q.c[n - k], MPFR_RNDN);
      mpfr_sub(q.c[n], q.c[n], p, MPFR_RNDN);
    }
    mpfr_div(q.c[n], q.c[n], b->c[0], MPFR_RNDN);
  }
  jet_set(r, &q);
  mpfr_clear(p);
  jet_clear(&q);
}

/* r' = g a' with g given as a jet (only g_0 .. g_{n-1} are read):
 * r_n = (1/n) sum_{k=1}^n k a_k g_{n-k}, for n >= 1. r_0 is left alone. */
static void integrate(struct jet *r, const struct jet *a_in, const struct jet *g_in)
{
  mpfr_t p;
  struct jet a, g; /* copies: r may be a or g */
  jet_init(&a);
  jet_init(&g);
  jet_set(&a, a_in);
  jet_set(&g, g_in);
  mpfr_init2(p, PREC);
  for (int n = 1; n < N; n++) {
    mpfr_set_zero(r->c[n], 1);
    for (int k = 1; k <= n; k++) {
      mpfr_mul(p, a.c[k], g.c[n - k], MPFR_RNDN);
      mpfr_mul_ui(p, p, (unsigned long)k, MPFR_RNDN);
      mpfr_add(r->c[n], r->c[n], p, MPFR_RNDN);
    }
    mpfr_div_ui(r->c[n], r->c[n], (unsigned long)n, MPFR_RNDN);
  }
  mpfr_clear(p);
  jet_clear(&a);
  jet_clear(&g);
}

void jet_exp(struct jet *r, const struct jet *a)
{
  /* r' = r a': built term by term (r_n needs r_0 .. r_{n-1} only) */
  TMP(e);
  mpfr_t p;
  mpfr_init2(p, PREC);
  mpfr_exp(e.c[0], a->c[0], MPFR_RNDN);
  for (int n = 1; n < N; n++) {
    mpfr_set_zero(e.c[n], 1);
    for (int k = 1; k <= n; k++) {
      mpfr_mul(p, a->c[k], e.c[n - k], MPFR_RNDN);
      mpfr_mul_ui(p, p, (unsigned long)k, MPFR_RNDN);
      mpfr_add(e.c[n], e.c[n], p, MPFR_RNDN);
    }
    mpfr_div_ui(e.c[n], e.c[n], (unsigned long)n, MPFR_RNDN);
  }
  jet_set(r, &e);
  mpfr_clear(p);
  jet_clear(&e);
}

void jet_expm1(struct jet *r, const struct jet *a)
{
  mpfr_t m;
  mpfr_init2(m, PREC);
  mpfr_expm1(m, a->c[0], MPFR_RNDN);
  jet_exp(r, a);
  mpfr_set(r->c[0], m, MPFR_RNDN);
  mpfr_clear(m);
}

/* ln(1 + a): r' = a' / (1 + a) */
void jet_log1p(struct jet *r, const struct jet *a)
{
  TMP(b);
  TMP(g);
  TMP(one);
  mpfr_t l;
  mpfr_init2(l, PREC);
  mpfr_log1p(l, a->c[0], MPFR_RNDN);
  jet_add_d(&b, a, 1);
  jet_const_d(&one, 1);
  jet_div(&g, &one, &b);
  integrate(r, a, &g);
  mpfr_set(r->c[0], l, MPFR_RNDN);
  mpfr_clear(l);
  jet_clear(&b);
  jet_clear(&g);
  jet_clear(&one);
}

/* sqrt: r_n = (a_n - sum_{k=1}^{n-1} r_k r_{n-k}) / (2 r_0) */
void jet_sqrt(struct jet *r, const struct jet *a)
{
  TMP(s);
  mpfr_t p;
  mpfr_init2(p, PREC);
  mpfr_sqrt(s.c[0], a->c[0], MPFR_RNDN);
  for (int n = 1; n < N; n++) {
    mpfr_set(s.c[n], a->c[n], MPFR_RNDN);
    for (int k = 1; k < n; k++) {
      mpfr_mul(p, s.c[k], s.c[n - k], MPFR_RNDN);
      mpfr_sub(s.c[n], s.c[n], p, MPFR_RNDN);
    }
    mpfr_div(s.c[n], s.c[n], s.c[0], MPFR_RNDN);
    mpfr_div_ui(s.c[n], s.c[n], 2, MPFR_RNDN);
  }
  jet_set(r, &s);
  mpfr_clear(p);
  jet_clear(&s);
}

/* tanh: r' = S a', S = 1 - r^2 with S_0 = sech^2(a_0) computed directly (1 - r_0^2
 * would cancel) and S_n = -(r^2)_n. Built term by term. */
void jet_tanh(struct jet *r, const struct jet *a)
{
  TMP(t);
  TMP(S);
  mpfr_t p;
  mpfr_init2(p, PREC);
  mpfr_tanh(t.c[0], a->c[0], MPFR_RNDN);
  mpfr_sech(S.c[0], a->c[0], MPFR_RNDN);
  mpfr_sqr(S.c[0], S.c[0], MPFR_RNDN);
  for (int n = 1; n < N; n++) {
    mpfr_set_zero(t.c[n], 1);
    for (int k = 1; k <= n; k++) {
      mpfr_mul(p, a->c[k], S.c[n - k], MPFR_RNDN);
      mpfr_mul_ui(p, p, (unsigned long)k, MPFR_RNDN);
      mpfr_add(t.c[n], t.c[n], p, MPFR_RNDN);
    }
    mpfr_div_ui(t.c[n], t.c[n], (unsigned long)n, MPFR_RNDN);
    /* S_n = -sum_{k=0}^n t_k t_{n-k} */
    mpfr_set_zero(S.c[n], 1);
    for (int k = 0; k <= n; k++) {
      mpfr_mul(p, t.c[k], t.c[n - k], MPFR_RNDN);
      mpfr_sub(S.c[n], S.c[n], p, MPFR_RNDN);
    }
  }
  jet_set(r, &t);
  mpfr_clear(p);
  jet_clear(&t);
  jet_clear(&S);
}

/* erfc: r' = -(2 / sqrt pi) e^(-a^2) a' */
void jet_erfc(struct jet *r, const struct jet *a)
{
  TMP(a2);
  TMP(g);
  mpfr_t k, e0;
  mpfr_init2(k, PREC);
  mpfr_init2(e0, PREC);
  mpfr_erfc(e0, a->c[0], MPFR_RNDN);
  jet_mul(&a2, a, a);
  jet_neg(&a2, &a2);
  jet_exp(&g, &a2);
  mpfr_const_pi(k, MPFR_RNDN);
  mpfr_sqrt(k, k, MPFR_RNDN);
  mpfr_ui_div(k, 2, k, MPFR_RNDN);
  mpfr_neg(k, k, MPFR_RNDN);
  for (int i = 0; i < N; i++)
    mpfr_mul(g.c[i], g.c[i], k, MPFR_RNDN);
  integrate(r, a, &g);
  mpfr_set(r->c[0], e0, MPFR_RNDN);
  mpfr_clear(k);
  mpfr_clear(e0);
  jet_clear(&a2);
  jet_clear(&g);
}

/* s' = s q a', q' = -s q a'; s_0 = 1/(1 + e^-a0), q_0 = 1/(1 + e^a0), each without
 * a subtraction. */
void jet_logistic(struct jet *s, struct jet *q, const struct jet *a)
{
  TMP(S);
  TMP(Q);
  TMP(SQ);
  mpfr_t p;
  mpfr_init2(p, PREC);
  mpfr_neg(p, a->c[0], MPFR_RNDN);
  mpfr_exp(p, p, MPFR_RNDN);
  mpfr_add_ui(p, p, 1, MPFR_RNDN);
  mpfr_ui_div(S.c[0], 1, p, MPFR_RNDN);
  mpfr_exp(p, a->c[0], MPFR_RNDN);
  mpfr_add_ui(p, p, 1, MPFR_RNDN);
  mpfr_ui_div(Q.c[0], 1, p, MPFR_RNDN);
  for (int n = 1; n < N; n++) {
    /* (S Q)_{n-1} from S, Q up to n-1 */
    int m = n - 1;
    mpfr_set_zero(SQ.c[m], 1);
    for (int k = 0; k <= m; k++) {
      mpfr_mul(p, S.c[k], Q.c[m - k], MPFR_RNDN);
      mpfr_add(SQ.c[m], SQ.c[m], p, MPFR_RNDN);
    }
    mpfr_set_zero(S.c[n], 1);
    for (int k = 1; k <= n; k++) {
      mpfr_mul(p, a->c[k], SQ.c[n - k], MPFR_RNDN);
      mpfr_mul_ui(p, p, (unsigned long)k, MPFR_RNDN);
      mpfr_add(S.c[n], S.c[n], p, MPFR_RNDN);
    }
    mpfr_div_ui(S.c[n], S.c[n], (unsigned long)n, MPFR_RNDN);
    mpfr_neg(Q.c[n], S.c[n], MPFR_RNDN);
  }
  if (s != NULL)
    jet_set(s, &S);
  if (q != NULL)
    jet_set(q, &Q);
  mpfr_clear(p);
  jet_clear(&S);
  jet_clear(&Q);
  jet_clear(&SQ);
}

/* softplus(a) = ln(1 + e^a): r' = sigmoid(a) a'; r_0 = a_0 + log1p(e^-a_0) for
 * a_0 > 0 (e^a_0 may overflow even MPFR's range), log1p(e^a_0) otherwise. */
void jet_softplus(struct jet *r, const struct jet *a)
{
  TMP(s);
  mpfr_t v;
  mpfr_init2(v, PREC);
  jet_logistic(&s, NULL, a);
  if (mpfr_sgn(a->c[0]) > 0) {
    mpfr_neg(v, a->c[0], MPFR_RNDN);
    mpfr_exp(v, v, MPFR_RNDN);
    mpfr_log1p(v, v, MPFR_RNDN);
    mpfr_add(v, v, a->c[0], MPFR_RNDN);
  } else {
    mpfr_exp(v, a->c[0], MPFR_RNDN);
    mpfr_log1p(v, v, MPFR_RNDN);
  }
  integrate(r, a, &s);
  mpfr_set(r->c[0], v, MPFR_RNDN);
  mpfr_clear(v);
  jet_clear(&s);
}
