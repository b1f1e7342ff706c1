/*
 * grade.c: grading in a kernel's own precision (grade.h).
 *
 * The order of the values of a binary format is the order of their bit patterns with
 * the sign taken off: for a finite v >= 0, the pattern of v is the count of the
 * values of the format in [0, v). That count ("ordinal") measures ULP distances:
 * between a and b of one sign it is |ord(a) - ord(b)|, across zero ord(a) + ord(b),
 * +0 and -0 being one value. Every value of float32, float16 and bfloat16 is a normal
 * double, so its ordinal comes from the double's exponent and significand.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "exec/par.h"
#include "service/grade.h"

/* The defaults of torch.testing.assert_close (torch/testing/_comparison.py,
 * _DTYPE_PRECISIONS: (rtol, atol) per dtype) and of JAX's tests
 * (jax/_src/public_test_util.py, _default_tolerance, which
 * JaxTestCase.assertArraysAllClose uses as both atol and rtol). */
const struct dtype dtypes[DT__COUNT] = {
  { "float64", 64, 53, -1022, 1023, 0x1.fffffffffffffp1023, 0x1p-1022, 1e-7, 1e-7, 1e-15 },
  { "float32", 32, 24, -126, 127, 0x1.fffffep127, 0x1p-97, 1.3e-6, 1e-5, 1e-6 },
  { "float16", 16, 11, -14, 15, 0x1.ffcp15, 0x1p28, 1e-3, 1e-5, 1e-3 },
  { "bfloat16", 16, 8, -126, 127, 0x1.fep127, 0x1p-81, 1.6e-2, 1e-5, 1e-2 },
};
const char *const dtype_names[DT__COUNT + 1] = {"float64", "float32", "float16", "bfloat16",
                                                NULL};
const char *const grade_bucket_names[GB__COUNT] = {"0", "1", "2", "3-10", "11-100", ">100",
                                                   "non_finite"};

/* ================================================================ Types */

static uint64_t bits64(double v)
{
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

static double from64(uint64_t b)
{
  double v;
  memcpy(&v, &b, sizeof v);
  return v;
}

double dt_round_bits(const struct dtype *t, double d)
{
  uint64_t b = bits64(d), sign = b & (uint64_t)1 << 63, mag = b ^ sign;
  unsigned shift = 53u - (unsigned)t->mant;
  double r;

  if (t->mant == 53)
    return d;
  if (t->mant == 24)
    return (double)(float)d; /* the conversion rounds to nearest, ties to even */
  if (mag >= (uint64_t)0x7ff0000000000000u)
    return d; /* infinities and NaN */
  if ((int)(mag >> 52) - 1023 < t->min_exp) {
    /* below the least normal number: |d| + sub_c is rounded (once, to nearest even)
     * onto the spacing of the subnormals of t; taking sub_c off again is exact */
    r = (from64(mag) + t->sub_c) - t->sub_c;
  } else {
    /* round the significand at bit `shift`, to nearest, ties to even; a carry moves
     * into the exponent, as it should */
    mag += ((uint64_t)1 << (shift - 1)) - 1 + ((mag >> shift) & 1u);
    mag &= ~(((uint64_t)1 << shift) - 1);
    r = from64(mag);
    if (r > t->max)
      r = INFINITY;
  }
  return sign != 0 ? -r : r;
}

double dt_round(const struct dtype *t, double d, int sign)
{
  if (t->mant == 53)
    return d;
  if (sign == 0)
    return dt_round_bits(t, d);
  return eng_round_to(d, sign, t->mant, t->min_exp, t->max_exp);
}

int dt_midpoint(const struct dtype *t, double d)
{
  uint64_t mag = bits64(d) & ~((uint64_t)1 << 63), m;
  int e, k;

  if (t->mant == 53 || mag == 0 || mag >= (uint64_t)0x7ff0000000000000u)
    return 0;
  e = (int)(mag >> 52) - 1023;
  if (e > t->max_exp || e < -1022)
    return 0; /* 2^(max_exp + 1) and beyond round to infinity from either side; no
                 double below 2^-1022 is a midpoint of these types */
  /* |d| = m 2^(e - 52); a midpoint is an odd multiple of half the ULP of t there,
   * 2^(max(e, min_exp) - mant): the lowest set bit of m is at bit k */
  m = (mag & (((uint64_t)1 << 52) - 1)) | (uint64_t)1 << 52;
  k = (e < t->min_exp ? t->min_exp : e) - t->mant - e + 52;
  return k >= 0 && k <= 52 && __builtin_ctzll(m) == k;
}

double dt_from_bits(const struct dtype *t, uint64_t bits)
{
  int ebits = (int)t->bits - t->mant;
  uint64_t emask = ((uint64_t)1 << ebits) - 1, fmask = ((uint64_t)1 << (t->mant - 1)) - 1;
  uint64_t e, f;
  double v;

  if (t->bits == 64)
    return from64(bits);
  e = (bits >> (t->mant - 1)) & emask;
  f = bits & fmask;
  if (e == emask)
    v = f != 0 ? NAN : INFINITY;
  else if (e == 0)
    v = ldexp((double)f, t->min_exp - t->mant + 1);
  else
    v = ldexp((double)(f | (fmask + 1)), (int)e - t->max_exp - t->mant + 1);
  return (bits >> (t->bits - 1)) & 1u ? -v : v;
}

/* The ordinal of |v|, v a finite value of t: the count of values of t in [0, |v|). */
static uint64_t ord(const struct dtype *t, double v)
{
  uint64_t b = bits64(v) & ~((uint64_t)1 << 63), m;
  int e;

  if (t->mant == 53 || b == 0)
    return b;
  e = (int)(b >> 52) - 1023;
  m = (b & (((uint64_t)1 << 52) - 1)) | ((uint64_t)1 << 52);
  if (e >= t->min_exp) /* the binade's index, then the significand's fraction bits */
    return ((uint64_t)(e - t->min_exp + 1) << (t->mant - 1)) +
           ((m >> (53 - t->mant)) - ((uint64_t)1 << (t->mant - 1)));
  /* a subnormal of t: |v| / 2^(min_exp - mant + 1) */
  return m >> (52 - e + t->min_exp - t->mant + 1);
}

uint64_t dt_bits(const struct dtype *t, double v)
{
  int ebits = (int)t->bits - t->mant;
  uint64_t sign, inf;

  if (t->bits == 64)
    return isnan(v) ? (uint64_t)0x7ff8000000000000u : bits64(v);
  sign = signbit(v) ? (uint64_t)1 << (t->bits - 1) : 0;
  inf = (((uint64_t)1 << ebits) - 1) << (t->mant - 1);
  if (isnan(v))
    return inf | (uint64_t)1 << (t->mant - 2);
  if (isinf(v))
    return sign | inf;
  return sign | ord(t, v);
}

double dt_max(const struct dtype *t)
{
  return t->max;
}

int dt_subnormal(const struct dtype *t, double v)
{
  return v != 0 && fabs(v) < ldexp(1, t->min_exp);
}

uint64_t dt_ulps(const struct dtype *t, double a, double b)
{
  uint64_t oa = ord(t, a), ob = ord(t, b);
  if (signbit(a) != signbit(b))
    return oa + ob;
  return oa > ob ? oa - ob : ob - oa;
}

/* =============================================================== Grades */

/* Whether entry a ranks before b among the worst: a larger error, then a smaller
 * index. */
static int worse(const struct grade_entry *a, const struct grade_entry *b)
{
  return a->ulp > b->ulp || (a->ulp == b->ulp && a->index < b->index);
}

/* A bounded heap of the worst entries seen: the root is the one that ranks last, so
 * that a new entry replaces it when it ranks before it. */
struct heap {
  struct grade_entry *e;
  size_t n, cap;
};

static void heap_sift_down(struct heap *h, size_t i)
{
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    struct grade_entry tmp;
    if (l < h->n && worse(&h->e[m], &h->e[l]))
      m = l;
    if (r < h->n && worse(&h->e[m], &h->e[r]))
      m = r;
    if (m == i)
      return;
    tmp = h->e[i];
    h->e[i] = h->e[m];
    h->e[m] = tmp;
    i = m;
  }
}

static void heap_add(struct heap *h, size_t index, uint64_t ulp)
{
  struct grade_entry x = {index, ulp};
  if (h->cap == 0)
    return;
  if (h->n < h->cap) {
    size_t i = h->n++;
    h->e[i] = x;
    while (i > 0 && worse(&h->e[(i - 1) / 2], &h->e[i])) {
      struct grade_entry tmp = h->e[i];
      h->e[i] = h->e[(i - 1) / 2];
      h->e[(i - 1) / 2] = tmp;
      i = (i - 1) / 2;
    }
    return;
  }
  if (!worse(&x, &h->e[0]))
    return;
  h->e[0] = x;
  heap_sift_down(h, 0);
}

static unsigned bucket(uint64_t ulp)
{
  if (ulp == GRADE_INF)
    return GB_INF;
  if (ulp <= 2)
    return (unsigned)ulp;
  if (ulp <= 10)
    return GB_3_10;
  return ulp <= 100 ? GB_11_100 : GB_MORE;
}

/* Whether got passes against expected under tol, with error ulp. torch.isclose's
 * rule for the relative form: equal values are close (infinities included); else both
 * must be finite and |got - expected| <= atol + rtol |expected|. */
static int passes(const struct tolerance *tol, double got, double expected, uint64_t ulp)
{
  if (tol->kind == TOL_ULP) /* tol->ulp is an integer below 2^53 + 1 */
    return ulp != GRADE_INF && ulp <= (uint64_t)tol->ulp;
  if (got == expected)
    return 1;
  if (!isfinite(got) || !isfinite(expected))
    return 0;
  return fabs(got - expected) <= tol->atol + tol->rtol * fabs(expected);
}

/* One part's work. */
struct part {
  struct grade g;
  struct heap h;
};

struct job {
  const struct dtype *t;
  const struct tolerance *tol;
  const double *got, *expected;
  struct part *parts;
};

static void grade_part(void *ctx, size_t lo, size_t hi, unsigned k)
{
  const struct job *j = ctx;
  struct part *pt = &j->parts[k];
  struct grade *g = &pt->g;

  for (size_t i = lo; i < hi; i++) {
    double got = j->got[i], e = j->expected[i];
    uint64_t ulp;
    int zero_sign = 0;

    if (isnan(got)) {
      g->nan++;
      ulp = GRADE_INF;
    } else if (isinf(got) || isinf(e)) {
      ulp = got == e ? 0 : GRADE_INF;
      g->inf += ulp != 0;
    } else {
      ulp = dt_ulps(j->t, got, e);
      if (got == 0 && e == 0 && signbit(got) != signbit(e)) {
        g->signed_zero++;
        zero_sign = 1;
      }
      if (got == 0 && dt_subnormal(j->t, e))
        g->flushed++;
    }
    g->hist[bucket(ulp)]++;
    if (ulp != GRADE_INF) {
      g->sum_ulp += (double)ulp;
      g->finite++;
      if (ulp > g->max_ulp)
        g->max_ulp = ulp;
    } else {
      g->max_ulp = GRADE_INF;
    }
    g->failed += !passes(j->tol, got, e, ulp);
    if (ulp != 0 || zero_sign)
      heap_add(&pt->h, i, ulp);
  }
  g->count = hi - lo;
}

static int by_rank(const void *a, const void *b)
{
  const struct grade_entry *x = a, *y = b;
  return worse(x, y) ? -1 : worse(y, x) ? 1 : 0;
}

int grade_run(const struct dtype *t, const struct tolerance *tol, const double *got,
              const double *expected, size_t n, size_t nworst, struct grade *g)
{
  unsigned parts = par_parts(n, (size_t)1 << 16);
  struct part *pt = calloc(parts, sizeof *pt);
  struct grade_entry *all = NULL;
  struct job j = {t, tol, got, expected, pt};
  size_t nall = 0;

  memset(g, 0, sizeof *g);
  if (pt == NULL)
    return -1;
  if (nworst > 0 && n > 0) {
    all = malloc(parts * nworst * sizeof *all);
    if (all == NULL) {
      free(pt);
      return -1;
    }
  }
  for (unsigned k = 0; k < parts; k++) {
    pt[k].h.e = all != NULL ? all + (size_t)k * nworst : NULL;
    pt[k].h.cap = all != NULL ? nworst : 0;
  }
  if (n > 0)
    par_run(n, parts, grade_part, &j);
  /* The parts' counts add up; their worst entries, side by side in `all`, are ranked
   * together and the first nworst kept. */
  for (unsigned k = 0; k < parts; k++) {
    const struct grade *p = &pt[k].g;
    g->count += p->count;
    g->failed += p->failed;
    if (p->max_ulp > g->max_ulp)
      g->max_ulp = p->max_ulp;
    g->sum_ulp += p->sum_ulp;
    g->finite += p->finite;
    for (unsigned b = 0; b < GB__COUNT; b++)
      g->hist[b] += p->hist[b];
    g->nan += p->nan;
    g->inf += p->inf;
    g->signed_zero += p->signed_zero;
    g->flushed += p->flushed;
    if (all != NULL) {
      memmove(all + nall, pt[k].h.e, pt[k].h.n * sizeof *all);
      nall += pt[k].h.n;
    }
  }
  free(pt);
  if (all != NULL) {
    qsort(all, nall, sizeof *all, by_rank);
    g->nworst = nall < nworst ? nall : nworst;
    g->worst = all;
  }
  return 0;
}

void grade_free(struct grade *g)
{
  free(g->worst);
  g->worst = NULL;
  g->nworst = 0;
}

/* end of grade.c */
