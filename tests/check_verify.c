/*
 * check_verify.c: POST /verify against the real build/neurond. Graded values whose
 * errors are known: the exact values themselves, the same values moved by exactly k
 * ULP in the dtype (across zero too), NaN, infinities, -0 for +0, a flushed subnormal,
 * for every dtype; the outputs of naive textbook formulas whose errors are computed
 * here in MPFR (the route's histogram and maximum must equal ours); cases where
 * rounding the exact value twice (exact -> double -> dtype) picks the wrong
 * neighbour, found by search in MPFR and kept as data; and every class of error.
 *
 * The expected values here never come from the server: they are the MPFR references
 * (tests/lib/mpref*.c) rounded once to the dtype by mp_round below, and the ULP
 * distances are counted on the dtypes' bit patterns, written here from the formats.
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <mpfr.h>

#include "engine.h"
#include "lib/server.h"
#include "mpref.h"
#include "service/grade.h"
#include "testutil.h"

static struct srv S;

static void setup(void)
{
  static const char *const args[] = {"--no-access-log", NULL};
  ck_assert_int_eq(srv_start(&S, args), 0);
}

static void teardown(void)
{
  ck_assert_int_eq(srv_stop(&S), 0);
}

/* ============================================================ The formats */

/* A binary format: storage bits, significand bits (leading one included), least
 * normal exponent, largest exponent. */
struct fmt {
  const char *name;
  unsigned bits;
  int mant, min_exp, max_exp;
};

static const struct fmt F64 = {"float64", 64, 53, -1022, 1023};
static const struct fmt F32 = {"float32", 32, 24, -126, 127};
static const struct fmt F16 = {"float16", 16, 11, -14, 15};
static const struct fmt BF16 = {"bfloat16", 16, 8, -126, 127};
static const struct fmt *const FMTS[] = {&F64, &F32, &F16, &BF16};

/* The value of a bit pattern. */
static double from_bits(const struct fmt *f, uint64_t b)
{
  int eb = (int)f->bits - f->mant, bias = f->max_exp;
  uint64_t e, m;
  double v;
  if (f->bits == 64) {
    memcpy(&v, &b, sizeof v);
    return v;
  }
  e = (b >> (f->mant - 1)) & ((1u << eb) - 1);
  m = b & (((uint64_t)1 << (f->mant - 1)) - 1);
  if (e == (1u << eb) - 1)
    v = m ? NAN : INFINITY;
  else if (e == 0)
    v = ldexp((double)m, 1 - bias - (f->mant - 1));
  else
    v = ldexp((double)(m | (uint64_t)1 << (f->mant - 1)), (int)e - bias - (f->mant - 1));
  return (b >> (f->bits - 1)) & 1 ? -v : v;
}

/* The bit pattern of v, a finite value of the format (asserted). */
static uint64_t to_bits(const struct fmt *f, double v)
{
  uint64_t b, sign = signbit(v) ? (uint64_t)1 << (f->bits - 1) : 0;
  double a = fabs(v);
  int e;
  if (f->bits == 64) {
    memcpy(&b, &v, sizeof b);
    return b;
  }
  if (a == 0)
    return sign;
  if (isinf(a))
    return sign | (((uint64_t)1 << (f->bits - f->mant)) - 1) << (f->mant - 1);
  e = ilogb(a);
  if (e < f->min_exp) {
    double m = ldexp(a, f->mant - 1 - f->min_exp);
    ck_assert_msg(m == floor(m), "%a is not a %s value", v, f->name);
    b = (uint64_t)m;
  } else {
    double m = ldexp(a, f->mant - 1 - e);
    ck_assert_msg(m == floor(m) && e <= f->max_exp, "%a is not a %s value", v, f->name);
    b = ((uint64_t)(e + f->max_exp) << (f->mant - 1)) | ((uint64_t)m & (((uint64_t)1 << (f->mant - 1)) - 1));
  }
  ck_assert(from_bits(f, sign | b) == v);
  return sign | b;
}

/* The value k steps from v along the format's ordered values, +0 and -0 one step. */
static double step(const struct fmt *f, double v, long k)
{
  uint64_t b = to_bits(f, v), mag = b & ~((uint64_t)1 << (f->bits - 1));
  long long so = signbit(v) ? -(long long)mag : (long long)mag;
  so += k;
  return so < 0 ? from_bits(f, (uint64_t)1 << (f->bits - 1) | (uint64_t)(-so))
                : from_bits(f, (uint64_t)so);
}

/* The number of values of the format from a to b, counting across zero. */
static uint64_t ulps(const struct fmt *f, double a, double b)
{
  uint64_t sb = (uint64_t)1 << (f->bits - 1);
  uint64_t ma = to_bits(f, a) & ~sb, mb = to_bits(f, b) & ~sb;
  if (signbit(a) != signbit(b))
    return ma + mb;
  return ma > mb ? ma - mb : mb - ma;
}

/* An MPFR value rounded once to the format: nearest, ties to even, on the subnormal
 * grid below the least normal number, infinite past the largest finite value. */
static double mp_round(const struct fmt *f, const mpfr_t v)
{
  mpfr_t t;
  double d;
  if (mpfr_zero_p(v))
    return mpfr_signbit(v) ? -0.0 : 0.0;
  mpfr_init2(t, mpfr_get_prec(v) + 8);
  if (mpfr_get_exp(v) - 1 < f->min_exp) {
    /* a multiple of 2^(min_exp - mant + 1): scale, round to an integer, scale back */
    mpfr_mul_2si(t, v, f->mant - 1 - f->min_exp, MPFR_RNDN);
    mpfr_rint(t, t, MPFR_RNDN);
    mpfr_mul_2si(t, t, f->min_exp - f->mant + 1, MPFR_RNDN);
  } else {
    mpfr_set(t, v, MPFR_RNDN);
    mpfr_prec_round(t, f->mant, MPFR_RNDN);
  }
  d = mpfr_get_d(t, MPFR_RNDN);
  mpfr_clear(t);
  if (fabs(d) > ldexp(2 - ldexp(1, 1 - f->mant), f->max_exp))
    d = copysign(INFINITY, d);
  if (d == 0)
    d = mpfr_signbit(v) ? -0.0 : 0.0;
  return d;
}

static double round_double(const struct fmt *f, double d)
{
  mpfr_t t;
  double r;
  mpfr_init2(t, 64);
  mpfr_set_d(t, d, MPFR_RNDN);
  r = mp_round(f, t);
  mpfr_clear(t);
  return r;
}

/* The exact output `which` of activation `name` at x (MPFR reference), rounded once. */
static double exact_in(const struct fmt *f, const char *name, const double *p, double x,
                       unsigned which)
{
  const struct mpref *ref = mpref_find(name);
  mpfr_t out[ENG_OUT__COUNT];
  double r;
  ck_assert_ptr_nonnull(ref);
  for (int i = 0; i < ENG_OUT__COUNT; i++)
    mpfr_init2(out[i], MPREF_PREC);
  ck_assert_int_eq(ref->fn(out, x, p, 1u << which), 0);
  r = mp_round(f, out[which]);
  for (int i = 0; i < ENG_OUT__COUNT; i++)
    mpfr_clear(out[i]);
  return r;
}

/* ============================================================== Requests */

/* A growable JSON text. */
struct txt {
  char *p;
  size_t n, cap;
};

static void put(struct txt *t, const char *fmt, ...)
{
  va_list ap;
  int k;
  for (;;) {
    va_start(ap, fmt);
    k = vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    ck_assert_int_ge(k, 0);
    if ((size_t)k < t->cap - t->n)
      break;
    t->cap = 2 * t->cap + (size_t)k + 64;
    t->p = realloc(t->p, t->cap);
    ck_assert_ptr_nonnull(t->p);
  }
  t->n += (size_t)k;
}

/* A value as a JSON number (17 digits read back to the same double, which is the
 * format's value and so not a tie of it) or, every third one when hex is set, as its
 * bit pattern. */
static void put_val(struct txt *t, const struct fmt *f, double v, int hex)
{
  if (isnan(v))
    put(t, "\"nan\"");
  else if (isinf(v))
    put(t, v < 0 ? "\"-inf\"" : "\"inf\"");
  else if (hex)
    put(t, "\"0x%0*llx\"", (int)(f->bits / 4), (unsigned long long)to_bits(f, v));
  else
    put(t, "%.17g", v);
}

static void put_vals(struct txt *t, const struct fmt *f, const double *v, size_t n, int hex)
{
  put(t, "[");
  for (size_t i = 0; i < n; i++) {
    if (i > 0)
      put(t, ",");
    put_val(t, f, v[i], hex && i % 3 == 1);
  }
  put(t, "]");
}

/* POSTs json to /verify on s, expects `status`; returns the parsed reply. */
static cJSON *post_on(const struct srv *s, const char *json, long status)
{
  struct resp r;
  cJSON *doc;
  ck_assert_int_eq(http_post_json(s, "/verify", json, &r), 0);
  ck_assert_msg(r.status == status, "status %ld, want %ld: %s\nrequest: %.600s", r.status,
                status, r.body, json);
  ck_assert_str_eq(r.ctype, status == 200 ? "application/json" : "application/problem+json");
  doc = cJSON_Parse(r.body);
  ck_assert_msg(doc != NULL, "not JSON: %s", r.body);
  resp_free(&r);
  return doc;
}

static cJSON *post(const char *json, long status)
{
  return post_on(&S, json, status);
}

static const cJSON *get(const cJSON *o, const char *path)
{
  char key[64];
  while (*path != '\0') {
    size_t n = strcspn(path, ".");
    ck_assert(n < sizeof key);
    memcpy(key, path, n);
    key[n] = '\0';
    /* an array's element by its index, an object's member by its name */
    o = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, atoi(key))
                         : cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(o != NULL, "no %s", key);
    path += n + (path[n] == '.');
  }
  return o;
}

static double num(const cJSON *o, const char *path)
{
  const cJSON *v = get(o, path);
  ck_assert_msg(cJSON_IsNumber(v), "%s is not a number", path);
  return v->valuedouble;
}

/* A histogram as it should be: counts for 0, 1, 2, 3-10, 11-100, >100, non-finite. */
struct hist {
  size_t b[7];
};
static const char *const BUCKETS[7] = {"0", "1", "2", "3-10", "11-100", ">100", "non_finite"};

static void hist_add(struct hist *h, uint64_t u, int infinite)
{
  h->b[infinite ? 6 : u <= 2 ? u : u <= 10 ? 3 : u <= 100 ? 4 : 5]++;
}

static void expect_hist(const cJSON *res, const struct hist *h)
{
  const cJSON *hg = get(res, "histogram");
  for (int i = 0; i < 7; i++)
    ck_assert_msg(num(hg, BUCKETS[i]) == (double)h->b[i], "bucket %s: %g, want %zu",
                  BUCKETS[i], num(hg, BUCKETS[i]), h->b[i]);
}

/* ===================================================== Errors known exactly */

/* x on a grid of the format's values, where sigmoid and its derivative span the
 * normal range and (for float16) the subnormals. */
static size_t grid(const struct fmt *f, double *x, size_t cap)
{
  size_t n = 0;
  for (double v = -12; v <= 12 && n < cap; v += 0.375)
    x[n++] = round_double(f, v);
  x[n++] = round_double(f, 0.1);
  x[n++] = round_double(f, -17.3);
  return n;
}

/* The exact values give 0 everywhere; the same values moved by exactly k ULP (up and
 * down in turn) give k everywhere; for every dtype, numbers and hex strings mixed. */
START_TEST(test_known_ulp_moves)
{
  static const long ks[] = {0, 1, 2, 5, 50, 1000};
  const struct fmt *f = FMTS[_i];
  static const double a1[1] = {1};
  double x[128], y[128], dy[128];
  size_t n = grid(f, x, 120);

  for (size_t i = 0; i < n; i++) {
    y[i] = exact_in(f, "sigmoid", a1, x[i], ENG_OUT_Y);
    dy[i] = exact_in(f, "sigmoid", a1, x[i], ENG_OUT_DY);
  }
  for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
    long k = ks[ki];
    double gy_[128], gdy[128];
    struct txt t = {0};
    cJSON *d;
    for (size_t i = 0; i < n; i++) {
      long s = i % 2 ? -k : k;
      /* up from the largest values, so that nothing passes the format's last value */
      gy_[i] = step(f, y[i], y[i] > 0.5 ? -k : s);
      gdy[i] = step(f, dy[i], s);
      ck_assert_uint_eq(ulps(f, gy_[i], y[i]), (uint64_t)k);
      ck_assert_uint_eq(ulps(f, gdy[i], dy[i]), (uint64_t)k);
    }
    put(&t, "{\"activation\":\"sigmoid\",\"dtype\":\"%s\",\"x\":", f->name);
    put_vals(&t, f, x, n, 1);
    put(&t, ",\"got\":{\"y\":");
    put_vals(&t, f, gy_, n, 1);
    put(&t, ",\"dy_dx\":");
    put_vals(&t, f, gdy, n, 0);
    put(&t, "},\"tolerance\":{\"ulp\":5},\"worst\":3}");
    d = post(t.p, 200);
    for (int o = 0; o < 2; o++) {
      const cJSON *res = get(get(d, "results"), o == 0 ? "y" : "dy_dx");
      struct hist h = {{0}};
      const cJSON *worst = get(res, "worst");
      for (size_t i = 0; i < n; i++)
        hist_add(&h, (uint64_t)k, 0);
      expect_hist(res, &h);
      ck_assert_double_eq(num(res, "max_ulp"), (double)k);
      ck_assert_double_eq(num(res, "mean_ulp"), (double)k);
      ck_assert_double_eq(num(res, "count"), (double)n);
      ck_assert_double_eq(num(res, "failed"), k <= 5 ? 0 : (double)n);
      ck_assert(cJSON_IsBool(get(res, "pass")) && cJSON_IsTrue(get(res, "pass")) == (k <= 5));
      /* the worst: 3 of them, equal errors ranked by index */
      ck_assert_int_eq(cJSON_GetArraySize(worst), k == 0 ? 0 : 3);
      for (int w = 0; k > 0 && w < 3; w++) {
        const cJSON *e = cJSON_GetArrayItem(worst, w);
        size_t i = (size_t)cJSON_GetArrayItem(get(e, "index"), 0)->valuedouble;
        ck_assert_uint_eq(i, (size_t)w);
        ck_assert_double_eq(num(e, "ulp"), (double)k);
        ck_assert_double_eq(num(e, "x"), x[i]);
        ck_assert_double_eq(num(e, "got"), o == 0 ? gy_[i] : gdy[i]);
        ck_assert_double_eq(num(e, "expected"), o == 0 ? y[i] : dy[i]);
      }
    }
    ck_assert(cJSON_IsTrue(get(d, "pass")) == (k <= 5));
    cJSON_Delete(d);
    free(t.p);
  }
}
END_TEST

/* Around zero: expected +0, the least subnormals and the least normal number; got
 * moved by k across zero (+0 and -0 are one value), as bit patterns. */
START_TEST(test_ulp_across_zero)
{
  const struct fmt *f = FMTS[_i];
  double tiny = from_bits(f, 1), x[8];
  static const long ks[] = {1, 2, 5, 50, 1000};
  size_t n = 0;

  x[n++] = 0;
  x[n++] = tiny;
  x[n++] = -2 * tiny;
  x[n++] = 3 * tiny;
  x[n++] = -ldexp(1, f->min_exp);
  for (size_t ki = 0; ki < 5; ki++) {
    long k = ks[ki];
    double g[8];
    struct txt t = {0};
    cJSON *d;
    const cJSON *res;
    struct hist h = {{0}};
    for (size_t i = 0; i < n; i++) {
      g[i] = step(f, x[i], x[i] > 0 ? -k : k); /* towards zero and past it */
      ck_assert_uint_eq(ulps(f, g[i], x[i]), (uint64_t)k);
      hist_add(&h, (uint64_t)k, 0);
    }
    put(&t, "{\"activation\":\"identity\",\"dtype\":\"%s\",\"x\":", f->name);
    put_vals(&t, f, x, n, 1);
    put(&t, ",\"got\":{\"y\":");
    put_vals(&t, f, g, n, 1);
    put(&t, "},\"worst\":0}");
    d = post(t.p, 200);
    res = get(get(d, "results"), "y");
    expect_hist(res, &h);
    ck_assert_double_eq(num(res, "max_ulp"), (double)k);
    ck_assert_int_eq(cJSON_GetArraySize(get(res, "worst")), 0);
    cJSON_Delete(d);
    free(t.p);
  }
}
END_TEST

/* NaN, +-inf, -0 for +0 and a flushed subnormal, each counted where it belongs; an
 * expected value beyond the format's range is an infinity. */
START_TEST(test_mismatches)
{
  const struct fmt *f = FMTS[_i];
  double tiny = from_bits(f, 1), max = ldexp(2 - ldexp(1, 1 - f->mant), f->max_exp);
  struct txt t = {0};
  cJSON *d;
  const cJSON *res, *mm, *worst;
  struct hist h = {{0}};

  /* identity: expected = x = [1, 2, 0, 5 tiny, -3, 0.5]; got: nan, inf, -0, 0 (flushed),
   * -inf, 0.5 */
  put(&t, "{\"activation\":\"identity\",\"dtype\":\"%s\",\"x\":[1,2,0,\"0x%llx\",-3,0.5],"
          "\"got\":{\"y\":[\"nan\",\"inf\",-0.0,0,\"-inf\",0.5]},\"tolerance\":{\"ulp\":0}}",
      f->name, (unsigned long long)to_bits(f, 5 * tiny));
  d = post(t.p, 200);
  res = get(get(d, "results"), "y");
  mm = get(res, "mismatches");
  ck_assert_double_eq(num(mm, "nan"), 1);
  ck_assert_double_eq(num(mm, "inf"), 2);
  ck_assert_double_eq(num(mm, "signed_zero"), 1);
  ck_assert_double_eq(num(mm, "flushed_subnormal"), 1);
  hist_add(&h, 0, 1);
  hist_add(&h, 0, 1);
  hist_add(&h, 0, 0); /* -0 for +0: no error in ULP, reported apart */
  hist_add(&h, 5, 0);
  hist_add(&h, 0, 1);
  hist_add(&h, 0, 0);
  expect_hist(res, &h);
  ck_assert_str_eq(get(res, "max_ulp")->valuestring, "inf");
  ck_assert_double_eq(num(res, "mean_ulp"), 5.0 / 3);
  ck_assert_double_eq(num(res, "failed"), 4); /* nan, inf, -inf, flushed (5 > 0) */
  ck_assert(cJSON_IsFalse(get(res, "pass")));
  /* worst: the infinite errors by index, then 5 ULP, then the sign of zero */
  worst = get(res, "worst");
  ck_assert_int_eq(cJSON_GetArraySize(worst), 5);
  {
    static const int order[5] = {0, 1, 4, 3, 2};
    for (int w = 0; w < 5; w++) {
      const cJSON *e = cJSON_GetArrayItem(worst, w);
      ck_assert_double_eq(cJSON_GetArrayItem(get(e, "index"), 0)->valuedouble, order[w]);
    }
    ck_assert_str_eq(get(cJSON_GetArrayItem(worst, 0), "got")->valuestring, "nan");
    ck_assert_str_eq(get(cJSON_GetArrayItem(worst, 0), "ulp")->valuestring, "inf");
    ck_assert_str_eq(get(cJSON_GetArrayItem(worst, 0), "abs_err")->valuestring, "nan");
    ck_assert_str_eq(get(cJSON_GetArrayItem(worst, 1), "got")->valuestring, "inf");
    ck_assert_str_eq(get(cJSON_GetArrayItem(worst, 1), "abs_err")->valuestring, "inf");
    ck_assert_str_eq(get(cJSON_GetArrayItem(worst, 2), "got")->valuestring, "-inf");
    ck_assert_double_eq(num(cJSON_GetArrayItem(worst, 3), "ulp"), 5);
    ck_assert_double_eq(num(cJSON_GetArrayItem(worst, 3), "got"), 0);
    ck_assert_double_eq(num(cJSON_GetArrayItem(worst, 3), "expected"), 5 * tiny);
    ck_assert_double_eq(num(cJSON_GetArrayItem(worst, 3), "rel_err"), 1);
    ck_assert_double_eq(num(cJSON_GetArrayItem(worst, 4), "ulp"), 0);
    ck_assert(signbit(num(cJSON_GetArrayItem(worst, 4), "got")));
  }
  cJSON_Delete(d);

  /* every error infinite: the mean of the finite ones is "inf"; no elements: 0 */
  t.n = 0;
  put(&t, "{\"activation\":\"identity\",\"dtype\":\"%s\",\"x\":[1],\"got\":{\"y\":[\"nan\"]}}",
      f->name);
  d = post(t.p, 200);
  ck_assert_str_eq(get(get(get(d, "results"), "y"), "mean_ulp")->valuestring, "inf");
  cJSON_Delete(d);
  t.n = 0;
  put(&t, "{\"activation\":\"identity\",\"dtype\":\"%s\",\"x\":[],\"got\":{\"y\":[]}}",
      f->name);
  d = post(t.p, 200);
  ck_assert_double_eq(num(get(get(d, "results"), "y"), "mean_ulp"), 0);
  ck_assert_double_eq(num(get(get(d, "results"), "y"), "count"), 0);
  ck_assert(cJSON_IsTrue(get(d, "pass")));
  cJSON_Delete(d);

  /* leaky_relu with alpha 1e300 at x = -4: the exact -4e300 is beyond every format but
   * float64, so expected -inf there; the largest finite value is an infinite error,
   * -inf none */
  t.n = 0;
  put(&t, "{\"activation\":\"leaky_relu\",\"params\":{\"alpha\":1e300},\"dtype\":\"%s\","
          "\"x\":[-4,-4],\"got\":{\"y\":[%.17g,\"-inf\"]}}", f->name, -max);
  d = post(t.p, 200);
  res = get(get(d, "results"), "y");
  if (f->bits == 64) {
    ck_assert_double_eq(num(res, "failed"), 2); /* -4e300 is finite: -max and -inf miss */
  } else {
    ck_assert_double_eq(num(get(res, "mismatches"), "inf"), 1);
    ck_assert_double_eq(num(res, "failed"), 1);
    ck_assert_str_eq(get(cJSON_GetArrayItem(get(res, "worst"), 0), "expected")->valuestring,
                     "-inf");
  }
  cJSON_Delete(d);
  free(t.p);
}
END_TEST

/* ================================================== Naive formulas, in MPFR */

/* The naive float64 derivative of the sigmoid, s (1 - s) with s = 1 / (1 + e^-x): its
 * errors computed here in MPFR; the route's histogram, maximum and mean must match. */
START_TEST(test_naive_sigmoid_derivative_float64)
{
  static const double a1[1] = {1};
  struct txt t = {0};
  struct hist h = {{0}};
  double x[400], got[400], sum = 0;
  uint64_t max = 0;
  size_t n = 0, failed = 0;
  cJSON *d;
  const cJSON *res;

  for (double v = -40; v <= 40; v += 0.25) {
    double s = 1 / (1 + exp(-v)), e;
    uint64_t u;
    x[n] = v;
    got[n] = s * (1 - s);
    e = exact_in(&F64, "sigmoid", a1, v, ENG_OUT_DY);
    u = ulp_distance(got[n], e);
    hist_add(&h, u, 0);
    sum += (double)u;
    failed += u > 2;
    if (u > max)
      max = u;
    n++;
  }
  put(&t, "{\"activation\":\"sigmoid\",\"dtype\":\"float64\",\"x\":");
  put_vals(&t, &F64, x, n, 0);
  put(&t, ",\"got\":{\"dy_dx\":");
  put_vals(&t, &F64, got, n, 0);
  put(&t, "},\"tolerance\":{\"ulp\":2}}");
  d = post(t.p, 200);
  res = get(get(d, "results"), "dy_dx");
  expect_hist(res, &h);
  ck_assert_double_eq(num(res, "max_ulp"), (double)max);
  ck_assert_double_eq_tol(num(res, "mean_ulp"), sum / (double)n, 1e-9 * sum / (double)n);
  ck_assert_double_eq(num(res, "failed"), (double)failed);
  ck_assert_uint_gt(h.b[5], 0); /* the tails: s (1 - s) is 0 where the exact value is not */
  ck_assert_uint_gt(h.b[0], 0);
  printf("verify: naive sigmoid' in float64 on %zu points: max %llu ULP, histogram", n,
         (unsigned long long)max);
  for (int i = 0; i < 7; i++)
    printf(" %s:%zu", BUCKETS[i], h.b[i]);
  printf("\n");
  cJSON_Delete(d);
  free(t.p);
}
END_TEST

/* The naive float32 softplus, logf(1 + expf(x)) in float arithmetic, graded in
 * float32 against the MPFR value rounded once to float32. */
START_TEST(test_naive_softplus_float32)
{
  static const double b1[1] = {1};
  struct txt t = {0};
  struct hist h = {{0}};
  double x[600], got[600], sum = 0;
  uint64_t max = 0;
  size_t n = 0;
  cJSON *d;
  const cJSON *res;

  for (float v = -30; v <= 30; v += 0.125f) {
    float y = logf(1.0f + expf(v));
    double e = exact_in(&F32, "softplus", b1, v, ENG_OUT_Y);
    uint64_t u = ulps(&F32, y, e);
    x[n] = v;
    got[n] = y;
    hist_add(&h, u, 0);
    sum += (double)u;
    if (u > max)
      max = u;
    n++;
  }
  put(&t, "{\"activation\":\"softplus\",\"dtype\":\"float32\",\"x\":");
  put_vals(&t, &F32, x, n, 1);
  put(&t, ",\"got\":{\"y\":");
  put_vals(&t, &F32, got, n, 1);
  put(&t, "}}");
  d = post(t.p, 200);
  res = get(get(d, "results"), "y");
  expect_hist(res, &h);
  ck_assert_double_eq(num(res, "max_ulp"), (double)max);
  ck_assert_double_eq_tol(num(res, "mean_ulp"), sum / (double)n, 1e-9 * sum / (double)n);
  ck_assert_uint_gt(h.b[5], 0); /* log(1 + tiny) = 0 in float */
  printf("verify: naive softplus in float32 on %zu points: max %llu ULP, histogram", n,
         (unsigned long long)max);
  for (int i = 0; i < 7; i++)
    printf(" %s:%zu", BUCKETS[i], h.b[i]);
  printf("\n");
  cJSON_Delete(d);
  free(t.p);
}
END_TEST

/* ============================================================ Rounding twice */

/* leaky_relu(-3) = -3 alpha, with alpha a double chosen (by a search in MPFR) so that
 * the correctly rounded double of the exact product is a midpoint of the dtype while
 * the product is not: rounding that double again (ties to even) gives `twice`, the
 * wrong neighbour; the exact value rounded once is `once`. The same product is grad_x
 * = grad_y alpha at x = -1 with grad_y = -3. */
struct twice_case {
  const struct fmt *f;
  double alpha;      /* the parameter */
  double mid;        /* the correctly rounded double of 3 alpha: a midpoint of f */
  double once;       /* 3 alpha rounded once to f */
  double twice;      /* mid rounded to f: the other neighbour */
};

static const struct twice_case TWICE[] = {
  { &F16, 0x1.55d5555555555p-2, 0x1.006p+0, 0x1.004p+0, 0x1.008p+0 },
  { &BF16, 0x1.56aaaaaaaaaabp-2, 0x1.01p+0, 0x1.02p+0, 0x1p+0 },
  { &BF16, 0x1.5955555555555p-2, 0x1.03p+0, 0x1.02p+0, 0x1.04p+0 },
  { &F32, 0x1.555556aaaaaabp-2, 0x1.000001p+0, 0x1.000002p+0, 0x1p+0 },
};

START_TEST(test_double_rounding_picks_the_wrong_neighbour)
{
  const struct twice_case *c = &TWICE[_i];
  const struct fmt *f = c->f;
  mpfr_t e;
  struct txt t = {0};
  cJSON *d;
  const cJSON *res;
  char body[512];
  struct resp r;

  /* the case is what it claims, in MPFR: 3 alpha exact, its double the midpoint, the
   * exact value off it, and the two roundings apart */
  mpfr_init2(e, 200);
  mpfr_set_d(e, c->alpha, MPFR_RNDN);
  mpfr_mul_ui(e, e, 3, MPFR_RNDN);
  ck_assert(mpfr_get_d(e, MPFR_RNDN) == c->mid);
  ck_assert_int_ne(mpfr_cmp_d(e, c->mid), 0);
  ck_assert(round_double(f, step(&F64, c->mid, 1)) != round_double(f, step(&F64, c->mid, -1)));
  ck_assert(mp_round(f, e) == c->once);
  ck_assert(round_double(f, c->mid) == c->twice);
  ck_assert(c->once != c->twice);
  mpfr_clear(e);

  /* the service's own double is the midpoint: rounding it again would be wrong */
  snprintf(body, sizeof body,
           "{\"activation\":\"leaky_relu\",\"params\":{\"alpha\":%.17g},\"x\":[-3]}", c->alpha);
  ck_assert_int_eq(http_post_json(&S, "/activate", body, &r), 0);
  ck_assert_int_eq(r.status, 200);
  {
    cJSON *a = cJSON_Parse(r.body);
    ck_assert_double_eq(cJSON_GetArrayItem(get(a, "y"), 0)->valuedouble, -c->mid);
    cJSON_Delete(a);
  }
  resp_free(&r);

  /* /verify: once is 0 ULP, twice 1 ULP with once expected; for y = 3 alpha at x = -3
   * and for grad_x = -3 alpha at x = -1 */
  put(&t, "{\"activation\":\"leaky_relu\",\"params\":{\"alpha\":%.17g},\"dtype\":\"%s\","
          "\"x\":[-3,-3,-1,-1],\"grad_y\":[1,1,-3,-3],"
          "\"got\":{\"y\":[%.17g,%.17g,%.17g,%.17g],\"grad_x\":[%.17g,%.17g,%.17g,%.17g]},"
          "\"tolerance\":{\"ulp\":0}}",
      c->alpha, f->name, -c->once, -c->twice, -round_double(f, c->alpha),
      -round_double(f, c->alpha), round_double(f, c->alpha), round_double(f, c->alpha),
      -c->once, -c->twice);
  d = post(t.p, 200);
  res = get(get(d, "results"), "y");
  ck_assert_double_eq(num(res, "max_ulp"), 1);
  ck_assert_double_eq(num(res, "failed"), 1);
  ck_assert_int_eq(cJSON_GetArraySize(get(res, "worst")), 1);
  ck_assert_double_eq(num(cJSON_GetArrayItem(get(res, "worst"), 0), "index.0"), 1);
  ck_assert_double_eq(num(cJSON_GetArrayItem(get(res, "worst"), 0), "got"), -c->twice);
  ck_assert_double_eq(num(cJSON_GetArrayItem(get(res, "worst"), 0), "expected"), -c->once);
  res = get(get(d, "results"), "grad_x");
  ck_assert_double_eq(num(res, "failed"), 1);
  ck_assert_double_eq(num(cJSON_GetArrayItem(get(res, "worst"), 0), "index.0"), 3);
  ck_assert_double_eq(num(cJSON_GetArrayItem(get(res, "worst"), 0), "expected"), -c->once);
  ck_assert_double_eq(num(cJSON_GetArrayItem(get(res, "worst"), 0), "grad_y"), -3);
  printf("verify: %s leaky_relu(-3) with alpha %a: the double %a is a tie; once %a, "
         "twice %a\n", f->name, c->alpha, -c->mid, -c->once, -c->twice);
  cJSON_Delete(d);
  free(t.p);
}
END_TEST

/* Inputs read as a parser of the dtype reads them: a decimal just past a midpoint of
 * the dtype has a double that is the midpoint itself, yet it rounds once to the upper
 * neighbour; the midpoint written exactly is a tie (to even). The same for got. */
START_TEST(test_decimal_read_once)
{
  static const struct {
    const char *name, *above, *tie, *below;
    double up, down;
  } cases[] = {
    {"float16", "1.00048828125000001", "1.00048828125", "1.00048828124999999", 0x1.004p+0, 1},
    {"bfloat16", "1.00390625000000001", "1.00390625", "1.00390624999999999", 0x1.02p+0, 1},
    {"float32", "1.000000059604644775390625000001", "1.000000059604644775390625",
     "1.000000059604644775390624999999", 0x1.000002p+0, 1},
  };
  for (size_t i = 0; i < 3; i++) {
    char body[1024];
    cJSON *d;
    const cJSON *res;
    /* y = x exactly: got [up, down, down, -up] for x [above, tie, below, -above];
     * and got given as the same decimals reads the same */
    snprintf(body, sizeof body,
             "{\"activation\":\"identity\",\"dtype\":\"%s\",\"x\":[%s,%s,%s,-%s],"
             "\"got\":{\"y\":[%.17g,%.17g,%.17g,%.17g],\"dy_dx\":[1,1,1,1]},"
             "\"tolerance\":{\"ulp\":0}}",
             cases[i].name, cases[i].above, cases[i].tie, cases[i].below, cases[i].above,
             cases[i].up, cases[i].down, cases[i].down, -cases[i].up);
    d = post(body, 200);
    res = get(get(d, "results"), "y");
    ck_assert_msg(num(res, "max_ulp") == 0, "%s: %s", cases[i].name, cJSON_Print(res));
    cJSON_Delete(d);
    snprintf(body, sizeof body,
             "{\"activation\":\"identity\",\"dtype\":\"%s\",\"x\":[%.17g,1],"
             "\"got\":{\"y\":[%s,%s]},\"tolerance\":{\"ulp\":0}}",
             cases[i].name, cases[i].up, cases[i].above, cases[i].tie);
    d = post(body, 200);
    ck_assert_double_eq(num(get(get(d, "results"), "y"), "max_ulp"), 0);
    cJSON_Delete(d);
  }
}
END_TEST

/* A true tie of a vector function: sparsemax([0.5 + 2^-11, 0]) = [0.75 + 2^-12,
 * 0.25 - 2^-12] exactly; the first is a float16 midpoint and goes to the even 0.75. */
START_TEST(test_vector_tie_to_even)
{
  cJSON *d = post("{\"activation\":\"sparsemax\",\"dtype\":\"float16\","
                  "\"x\":[0.50048828125,0],\"got\":{\"y\":[0.75,0.249755859375]},"
                  "\"tolerance\":{\"ulp\":0}}", 200);
  ck_assert_double_eq(num(get(get(d, "results"), "y"), "max_ulp"), 0);
  cJSON_Delete(d);
  d = post("{\"activation\":\"sparsemax\",\"dtype\":\"float16\","
           "\"x\":[0.50048828125,0],\"got\":{\"y\":[0.75048828125,0.249755859375]}}", 200);
  ck_assert_double_eq(num(get(get(d, "results"), "y"), "max_ulp"), 1);
  cJSON_Delete(d);
}
END_TEST

/* ============================================================ Other outputs */

/* A vector function in float32: y, the Jacobian and grad_x of softmax rows, graded
 * against the float64 outputs of /activate rounded to float32 here (a float32 midpoint
 * among them would be asserted); shapes as /activate gives them; the worst entry's
 * index and x for a Jacobian entry. */
START_TEST(test_vector_outputs)
{
  const char *req = "{\"activation\":\"softmax\",\"x\":[[1,2,3],[-1,0.5,4]],"
                    "\"outputs\":[\"y\",\"jacobian\"],\"grad_y\":[[1,0,-1],[0.5,0.25,2]]}";
  struct resp r;
  cJSON *a, *d;
  struct txt t = {0};
  const cJSON *res, *e;
  double jac[18];

  ck_assert_int_eq(http_post_json(&S, "/activate", req, &r), 0);
  ck_assert_int_eq(r.status, 200);
  a = cJSON_Parse(r.body);
  resp_free(&r);
  put(&t, "{\"activation\":\"softmax\",\"dtype\":\"float32\",\"x\":[[1,2,3],[-1,0.5,4]],"
          "\"grad_y\":[[1,0,-1],[0.5,0.25,2]],\"got\":{\"y\":[");
  for (int i = 0; i < 2; i++) {
    put(&t, "%s[", i ? "," : "");
    for (int j = 0; j < 3; j++)
      put(&t, "%s%.9g", j ? "," : "",
          (double)(float)cJSON_GetArrayItem(cJSON_GetArrayItem(get(a, "y"), i), j)->valuedouble);
    put(&t, "]");
  }
  put(&t, "],\"jacobian\":[");
  for (int i = 0; i < 18; i++) {
    double v = cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetArrayItem(get(a, "jacobian"),
                                                                          i / 9), i / 3 % 3),
                                  i % 3)->valuedouble;
    jac[i] = (float)v;
    ck_assert(round_double(&F32, step(&F64, v, 1)) == round_double(&F32, step(&F64, v, -1)));
  }
  jac[14] = step(&F32, jac[14], 7); /* row 1, J[1][2] moved by 7 */
  for (int m = 0; m < 2; m++) {
    put(&t, "%s[", m ? "," : "");
    for (int i = 0; i < 3; i++) {
      put(&t, "%s[", i ? "," : "");
      for (int j = 0; j < 3; j++)
        put(&t, "%s%.9g", j ? "," : "", jac[m * 9 + i * 3 + j]);
      put(&t, "]");
    }
    put(&t, "]");
  }
  put(&t, "]}}");
  cJSON_Delete(a);
  d = post(t.p, 200);
  res = get(get(d, "results"), "y");
  ck_assert_double_eq(num(res, "max_ulp"), 0);
  res = get(get(d, "results"), "jacobian");
  ck_assert_double_eq(num(res, "max_ulp"), 7);
  ck_assert_double_eq(num(res, "count"), 18);
  e = cJSON_GetArrayItem(get(res, "worst"), 0);
  ck_assert_int_eq(cJSON_GetArraySize(get(e, "index")), 3);
  ck_assert_double_eq(num(e, "index.0"), 1);
  ck_assert_double_eq(num(e, "index.1"), 1);
  ck_assert_double_eq(num(e, "index.2"), 2);
  ck_assert_double_eq(num(e, "x"), 4); /* dy_1/dx_2 of row 1: x[1][2] */
  ck_assert_int_eq(cJSON_GetArraySize(get(d, "shape")), 2);
  cJSON_Delete(d);
  free(t.p);

  /* grad_x alone, without y; a 1-D x has a 2-D Jacobian */
  d = post("{\"activation\":\"softmax\",\"dtype\":\"float64\",\"x\":[0,0],\"grad_y\":[1,0],"
           "\"got\":{\"grad_x\":[0.25,-0.25],\"jacobian\":[[0.25,-0.25],[-0.25,0.25]]}}", 200);
  ck_assert_double_eq(num(get(get(d, "results"), "grad_x"), "max_ulp"), 0);
  ck_assert_double_eq(num(get(get(d, "results"), "jacobian"), "max_ulp"), 0);
  cJSON_Delete(d);
  /* maxout: one value per row; its worst entry's x is the row's maximum */
  d = post("{\"activation\":\"maxout\",\"dtype\":\"bfloat16\",\"x\":[[1,3,2],[0.5,-1,0]],"
           "\"got\":{\"y\":[3,0.50390625]}}", 200);
  e = cJSON_GetArrayItem(get(get(get(d, "results"), "y"), "worst"), 0);
  ck_assert_double_eq(num(e, "ulp"), 1);
  ck_assert_double_eq(num(e, "x"), 0.5);
  cJSON_Delete(d);
}
END_TEST

/* dy_dparams per parameter, d2y_dx2, 2-D rows with row-major indices in the worst. */
START_TEST(test_parameter_gradients_and_rows)
{
  cJSON *d = post("{\"activation\":\"prelu\",\"params\":{\"alpha\":0.25},\"dtype\":\"float32\","
                  "\"x\":[[-2,3],[-0.5,0]],\"got\":{\"y\":[[-0.5,3],[-0.125,0]],"
                  "\"d2y_dx2\":[[0,0],[0,0]],\"dy_dparams\":{\"alpha\":[[-2,0],[\"0xbf000001\",0]]}},"
                  "\"tolerance\":{\"ulp\":0}}", 200);
  const cJSON *res = get(get(get(d, "results"), "dy_dparams"), "alpha"), *e;
  ck_assert_double_eq(num(res, "max_ulp"), 1);
  e = cJSON_GetArrayItem(get(res, "worst"), 0);
  ck_assert_double_eq(num(e, "index.0"), 1);
  ck_assert_double_eq(num(e, "index.1"), 0);
  ck_assert_double_eq(num(e, "x"), -0.5);
  ck_assert_double_eq(num(get(get(d, "results"), "y"), "max_ulp"), 0);
  ck_assert_double_eq(num(get(get(d, "results"), "d2y_dx2"), "max_ulp"), 0);
  ck_assert(cJSON_IsFalse(get(d, "pass")));
  cJSON_Delete(d);
}
END_TEST

/* The tolerances: presets per dtype (torch.testing.assert_close's, JAX's), rtol and
 * atol, ulp; the resolved tolerance is echoed. */
START_TEST(test_tolerances)
{
  static const struct {
    const char *dtype, *preset;
    double rtol, atol;
  } presets[] = {
    {"float64", "torch", 1e-7, 1e-7}, {"float32", "torch", 1.3e-6, 1e-5},
    {"float16", "torch", 1e-3, 1e-5}, {"bfloat16", "torch", 1.6e-2, 1e-5},
    {"float64", "jax", 1e-15, 1e-15}, {"float32", "jax", 1e-6, 1e-6},
    {"float16", "jax", 1e-3, 1e-3}, {"bfloat16", "jax", 1e-2, 1e-2},
  };
  for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
    const struct fmt *f = NULL;
    double e = 3, g[4], tolr;
    char body[512];
    cJSON *d;
    const cJSON *res, *tol;
    size_t failed = 0;
    for (size_t k = 0; k < 4; k++)
      if (strcmp(FMTS[k]->name, presets[i].dtype) == 0)
        f = FMTS[k];
    tolr = presets[i].atol + presets[i].rtol * e;
    /* the values of f nearest 3 + tol inside and outside, above and below, as the
     * server compares them: |got - expected| <= atol + rtol |expected| in double */
    g[0] = round_double(f, e + tolr);
    while (g[0] - e > tolr)
      g[0] = step(f, g[0], -1);
    while (step(f, g[0], 1) - e <= tolr)
      g[0] = step(f, g[0], 1);
    g[1] = step(f, g[0], 1);
    g[2] = round_double(f, e - tolr);
    while (e - g[2] > tolr)
      g[2] = step(f, g[2], 1);
    while (e - step(f, g[2], -1) <= tolr)
      g[2] = step(f, g[2], -1);
    g[3] = step(f, g[2], -1);
    for (int k = 0; k < 4; k++)
      failed += fabs(g[k] - e) > tolr;
    ck_assert_uint_eq(failed, 2);
    snprintf(body, sizeof body,
             "{\"activation\":\"identity\",\"dtype\":\"%s\",\"x\":[3,3,3,3],"
             "\"got\":{\"y\":[%.17g,%.17g,%.17g,%.17g]},\"tolerance\":{\"preset\":\"%s\"}}",
             f->name, g[0], g[1], g[2], g[3], presets[i].preset);
    d = post(body, 200);
    res = get(get(d, "results"), "y");
    ck_assert_msg(num(res, "failed") == 2, "%s %s: %s", f->name, presets[i].preset,
                  cJSON_PrintUnformatted(res));
    tol = get(d, "tolerance");
    ck_assert_str_eq(get(tol, "preset")->valuestring, presets[i].preset);
    ck_assert_double_eq(num(tol, "rtol"), presets[i].rtol);
    ck_assert_double_eq(num(tol, "atol"), presets[i].atol);
    cJSON_Delete(d);
  }
  {
    /* rtol alone (atol 0): 3.002 passes at 1e-3 and not at 5e-4; infinities pass only
     * when equal, NaN never */
    cJSON *d = post("{\"activation\":\"identity\",\"dtype\":\"float64\",\"x\":[3,3,3],"
                    "\"got\":{\"y\":[3.002,\"inf\",\"nan\"]},\"tolerance\":{\"rtol\":1e-3}}", 200);
    ck_assert_double_eq(num(get(get(d, "results"), "y"), "failed"), 2);
    ck_assert_double_eq(num(get(d, "tolerance"), "atol"), 0);
    cJSON_Delete(d);
    d = post("{\"activation\":\"identity\",\"dtype\":\"float64\",\"x\":[3],"
             "\"got\":{\"y\":[3.002]},\"tolerance\":{\"rtol\":5e-4,\"atol\":0}}", 200);
    ck_assert_double_eq(num(get(get(d, "results"), "y"), "failed"), 1);
    cJSON_Delete(d);
    d = post("{\"activation\":\"identity\",\"dtype\":\"float16\",\"x\":[1],"
             "\"got\":{\"y\":[1.001953125]}}", 200); /* the default: 1 ULP */
    ck_assert_double_eq(num(get(d, "tolerance"), "ulp"), 1);
    ck_assert(cJSON_IsFalse(get(d, "pass")));
    cJSON_Delete(d);
  }
}
END_TEST

/* Many elements: split across the server's threads, the counts and the worst entries
 * are those of one pass. */
START_TEST(test_large_request)
{
  enum { N = 300000 };
  struct txt t = {0};
  double *x = malloc(N * sizeof *x), *g = malloc(N * sizeof *g);
  struct hist h = {{0}};
  cJSON *d;
  const cJSON *res, *worst;

  ck_assert_ptr_nonnull(x);
  ck_assert_ptr_nonnull(g);
  for (size_t i = 0; i < N; i++) {
    long k = (long)(i % 7 == 0 ? i % 13 : 0);
    x[i] = (double)(float)(((double)i - N / 2) / 1024.0);
    g[i] = step(&F32, x[i], i % 2 ? k : -k);
    hist_add(&h, (uint64_t)k, 0);
  }
  /* the worst, at N - 8 (whose error was 4 ULP), then ties broken by index */
  ck_assert_uint_eq((N - 8) % 7, 0);
  ck_assert_uint_eq((N - 8) % 13, 4);
  g[N - 8] = step(&F32, x[N - 8], 200);
  h.b[3]--;
  h.b[5]++;
  put(&t, "{\"activation\":\"identity\",\"dtype\":\"float32\",\"x\":");
  put_vals(&t, &F32, x, N, 0);
  put(&t, ",\"got\":{\"y\":");
  put_vals(&t, &F32, g, N, 0);
  put(&t, "},\"worst\":4}");
  d = post(t.p, 200);
  res = get(get(d, "results"), "y");
  expect_hist(res, &h);
  ck_assert_double_eq(num(res, "max_ulp"), 200);
  worst = get(res, "worst");
  ck_assert_int_eq(cJSON_GetArraySize(worst), 4);
  ck_assert_double_eq(num(cJSON_GetArrayItem(worst, 0), "index.0"), N - 8);
  /* then 12 ULP, at the first i with i % 7 == 0 and i % 13 == 12: 77, 168, 259 */
  for (int w = 1; w < 4; w++) {
    ck_assert_double_eq(num(cJSON_GetArrayItem(worst, w), "ulp"), 12);
    ck_assert_double_eq(num(cJSON_GetArrayItem(worst, w), "index.0"), 77 + 91 * (w - 1));
  }
  cJSON_Delete(d);
  free(t.p);
  free(x);
  free(g);
}
END_TEST

/* ========================================================= In process */

/* The service's own rounding on bits equals the engine's eng_round_to with no side
 * given, and its midpoint test is the definition (the two sides round apart), on
 * every kind of double: random bits, the neighbourhoods of the largest value, of the
 * least normal and subnormal numbers, of midpoints and of powers of two. Bit patterns,
 * ordinals and ULP distances agree with this file's own. */
START_TEST(test_rounding_on_bits)
{
  const struct dtype *t = &dtypes[_i];
  const struct fmt *f = FMTS[_i];
  uint64_t s = 0x9e3779b97f4a7c15u ^ (uint64_t)_i;
  size_t mids = 0;

  ck_assert_str_eq(t->name, f->name);
  for (long i = 0; i < 400000; i++) {
    double d, base;
    uint64_t b;
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    switch (i % 5) {
    case 0: /* any double */
      memcpy(&d, &s, sizeof d);
      break;
    case 1: /* a value of t, moved a few doubles either way */
      b = s % ((uint64_t)1 << (f->bits - 1));
      base = from_bits(f, b);
      if (!isfinite(base))
        base = t->max;
      d = step(&F64, base, (long)(s >> 60) - 8);
      break;
    case 2: /* a midpoint of t (the halfway point of two neighbours), moved a little */
      b = s % ((uint64_t)1 << (f->bits - 1));
      base = from_bits(f, b);
      if (!isfinite(base) || base == t->max)
        base = 1;
      base = base + (step(f, base, 1) - base) / 2;
      d = step(&F64, base, (long)(s >> 61) - 4);
      break;
    case 3: /* around the least normal and the subnormals */
      d = ldexp((double)(s >> 40), f->min_exp - 24 - (int)(s % 8));
      break;
    default: /* around the largest value and powers of two */
      d = step(&F64, ldexp(1, (int)(s % (uint64_t)(f->max_exp + 1 - f->min_exp + f->mant)) +
                                  f->min_exp - f->mant), (long)(s >> 60) - 8);
      if (s % 7 == 0)
        d = step(&F64, t->max + (t->max - step(f, t->max, -1)) / 2, (long)(s >> 61) - 4);
      break;
    }
    if (s & 1)
      d = -d;
    if (isnan(d))
      continue;
    {
      double r = dt_round_bits(t, d);
      double e = t->bits == 64 ? d : eng_round_to(d, 0, t->mant, t->min_exp, t->max_exp);
      int mid = t->bits != 64 && isfinite(d) &&
                eng_round_to(d, 1, t->mant, t->min_exp, t->max_exp) !=
                  eng_round_to(d, -1, t->mant, t->min_exp, t->max_exp);
      ck_assert_msg(r == e && signbit(r) == signbit(e), "%s: %a rounds to %a, want %a",
                    t->name, d, r, e);
      ck_assert_msg(dt_midpoint(t, d) == mid, "%s: %a midpoint %d, want %d", t->name, d,
                    dt_midpoint(t, d), mid);
      mids += (size_t)mid;
      if (isfinite(r)) {
        ck_assert_uint_eq(dt_bits(t, r), to_bits(f, r));
        ck_assert(dt_from_bits(t, to_bits(f, r)) == r);
        ck_assert_uint_eq(dt_ulps(t, r, 1), ulps(f, r, 1));
        double q = step(f, r, r > 0 ? -3 : 3); /* towards zero: never past the last value */
        ck_assert_uint_eq(dt_ulps(t, -r, q), ulps(f, -r, q));
      }
    }
  }
  ck_assert(t->bits == 64 || mids > 1000);
}
END_TEST

/* ================================================================= Errors */

static void expect_problem(const char *json, long status, const char *pointer,
                           const char *detail_part)
{
  cJSON *d = post(json, status);
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(d, "pointer");
  const char *detail = get(d, "detail")->valuestring;
  if (pointer != NULL) {
    ck_assert_msg(p != NULL, "no pointer: %s", detail);
    ck_assert_str_eq(p->valuestring, pointer);
  }
  ck_assert_msg(strstr(detail, detail_part) != NULL, "detail \"%s\" lacks \"%s\"", detail,
                detail_part);
  cJSON_Delete(d);
}

START_TEST(test_errors)
{
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float8\",\"x\":[1],\"got\":{\"y\":[1]}}",
                 422, "/dtype", "unknown dtype \"float8\" (expected one of: float64, float32, "
                 "float16, bfloat16)");
  expect_problem("{\"activation\":\"relu\",\"x\":[1],\"got\":{\"y\":[1]}}", 422, "/dtype",
                 "dtype is required");
  /* non-finite x and grad_y, named */
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1,\"nan\"],"
                 "\"got\":{\"y\":[1,1]}}", 422, "/x/1", "x[1] must be a finite number, not nan");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float16\",\"x\":[[1,2],[3,70000]],"
                 "\"got\":{\"y\":[[1,2],[3,4]]}}", 422, "/x/1/1",
                 "x[1][1] must be a finite number: as a float16 it is inf (the largest "
                 "finite float16 is 65504)");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float64\",\"x\":[1e999],"
                 "\"got\":{\"y\":[1]}}", 422, "/x/0", "x[0] must be a finite number");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"bfloat16\",\"x\":[1],"
                 "\"grad_y\":[\"-inf\"],\"got\":{\"grad_x\":[1]}}", 422, "/grad_y/0",
                 "grad_y[0] must be a finite number");
  /* bad hex: too many digits, not hex, no digits, and not a value at all */
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float16\",\"x\":[\"0x3c000\"],"
                 "\"got\":{\"y\":[1]}}", 422, "/x/0",
                 "x[0] \"0x3c000\" is not a float16 value: a string is the bit pattern in hex "
                 "(0x and at most 4 hex digits: 1 is \"0x3c00\")");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],"
                 "\"got\":{\"y\":[\"0x3f8g0000\"]}}", 422, "/got/y/0",
                 "got.y[0] \"0x3f8g0000\" is not a float32 value");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"bfloat16\",\"x\":[[1,\"0x\"]],"
                 "\"got\":{\"y\":[[1,1]]}}", 422, "/x/0/1", "1 is \"0x3f80\"");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float64\",\"x\":[\"one\"],"
                 "\"got\":{\"y\":[1]}}", 422, "/x/0", "1 is \"0x3ff0000000000000\"");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float64\",\"x\":[true],"
                 "\"got\":{\"y\":[1]}}", 422, "/x/0", "x[0] must be a number or a string");
  /* shapes */
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1,2],"
                 "\"got\":{\"y\":[1,2,3]}}", 422, "/got/y",
                 "got.y has shape [3]; it must have the shape of y, [2]");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[[1,2],[3,4]],"
                 "\"got\":{\"dy_dx\":[[1,2],[3,4],[5,6]]}}", 422, "/got/dy_dx",
                 "got.dy_dx has shape [3,2]; it must have the shape of dy_dx, [2,2]");
  expect_problem("{\"activation\":\"softmax\",\"dtype\":\"float32\",\"x\":[[1,2],[3,4]],"
                 "\"got\":{\"jacobian\":[[1,2],[3,4]]}}", 422, "/got/jacobian",
                 "got.jacobian has shape [2,2]; it must have the shape of jacobian, [2,2,2]");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[[1,2],[3]],"
                 "\"got\":{\"y\":[[1,2],[3,4]]}}", 422, "/x/1",
                 "x[1] has 1 elements, expected 2 (rows must have one length)");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[[1,\"2\"],[3]],"
                 "\"got\":{\"y\":[[1,2],[3,4]]}}", 422, "/x/1",
                 "x[1] has 1 elements, expected 2 (rows must have one length)");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1,2],"
                 "\"grad_y\":[1],\"got\":{\"grad_x\":[1,2]}}", 422, "/grad_y",
                 "grad_y has shape [1]; it must have the shape of y, [2]");
  /* outputs */
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],"
                 "\"got\":{\"grad_x\":[1]}}", 422, "/got/grad_x", "needs grad_y");
  expect_problem("{\"activation\":\"softmax\",\"dtype\":\"float32\",\"x\":[1,2],"
                 "\"got\":{\"dy_dx\":[1,1]}}", 422, "/got/dy_dx",
                 "dy_dx is not defined for the vector activation softmax");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],"
                 "\"got\":{\"jacobian\":[[1]]}}", 422, "/got/jacobian",
                 "jacobian is defined for vector activations only");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],"
                 "\"got\":{\"dy_dparams\":{\"alpha\":[1]}}}", 422, "/got/dy_dparams",
                 "relu has no differentiable parameters");
  expect_problem("{\"activation\":\"prelu\",\"dtype\":\"float32\",\"x\":[1],"
                 "\"got\":{\"dy_dparams\":{\"beta\":[1]}}}", 422, "/got/dy_dparams/beta",
                 "unknown field \"got.dy_dparams.beta\"");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],\"got\":{}}", 422,
                 "/got", "got must hold at least one output");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],"
                 "\"got\":{\"z\":[1]}}", 422, "/got/z", "unknown field \"got.z\"");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],\"got\":[1]}", 422,
                 "/got", "got must be a JSON object");
  /* tolerance */
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],\"got\":{\"y\":[1]},"
                 "\"tolerance\":{\"ulp\":1,\"rtol\":1e-3}}", 422, "/tolerance",
                 "tolerance takes one form");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],\"got\":{\"y\":[1]},"
                 "\"tolerance\":{\"preset\":\"numpy\"}}", 422, "/tolerance/preset",
                 "unknown tolerance.preset \"numpy\"");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],\"got\":{\"y\":[1]},"
                 "\"tolerance\":{\"rtol\":-1}}", 422, "/tolerance/rtol", ">= 0");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],\"got\":{\"y\":[1]},"
                 "\"tolerance\":{\"ulp\":1.5}}", 422, "/tolerance/ulp", "must be an integer");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],\"got\":{\"y\":[1]},"
                 "\"tolerance\":{\"ulps\":1}}", 422, "/tolerance/ulps", "unknown field");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],\"got\":{\"y\":[1]},"
                 "\"tolerance\":2}", 422, "/tolerance", "tolerance must be an object");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],\"got\":{\"y\":[1]},"
                 "\"worst\":1001}", 422, "/worst", "worst must be an integer in [0, 1000]");
  expect_problem("{\"activation\":\"relu\",\"dtype\":\"float32\",\"x\":[1],\"got\":{\"y\":[1]},"
                 "\"extra\":1}", 422, "/extra", "unknown field \"extra\"");
}
END_TEST

/* The element limit counts x, grad_y and every got array, strings included. */
START_TEST(test_element_limit)
{
  static const char *const args[] = {"--no-access-log", "--max-elements", "1000", NULL};
  struct srv s;
  struct txt t = {0};
  cJSON *d;

  ck_assert_int_eq(srv_start(&s, args), 0);
  put(&t, "{\"activation\":\"relu\",\"dtype\":\"bfloat16\",\"x\":[");
  for (int i = 0; i < 600; i++)
    put(&t, "%s1", i ? "," : "");
  put(&t, "],\"got\":{\"y\":[");
  for (int i = 0; i < 600; i++)
    put(&t, "%s\"0x3f80\"", i ? "," : "");
  put(&t, "]}}");
  d = post_on(&s, t.p, 413);
  ck_assert_str_eq(get(d, "pointer")->valuestring, "/got/y");
  ck_assert(strstr(get(d, "detail")->valuestring, "(the element limit)") != NULL);
  cJSON_Delete(d);
  t.n = 0;
  put(&t, "{\"activation\":\"relu\",\"dtype\":\"bfloat16\",\"x\":[");
  for (int i = 0; i < 600; i++)
    put(&t, "%s1", i ? "," : "");
  put(&t, "],\"got\":{\"y\":[");
  for (int i = 0; i < 600; i++)
    put(&t, "%s1", i ? "," : "");
  put(&t, "]}}");
  cJSON_Delete(post_on(&s, t.p, 413));
  free(t.p);
  ck_assert_int_eq(srv_stop(&s), 0);
}
END_TEST

static Suite *verify_suite(void)
{
  Suite *s = suite_create("verify");
  TCase *tc = tcase_create("verify");
  tcase_set_timeout(tc, 120);
  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_add_loop_test(tc, test_rounding_on_bits, 0, 4);
  tcase_add_loop_test(tc, test_known_ulp_moves, 0, 4);
  tcase_add_loop_test(tc, test_ulp_across_zero, 0, 4);
  tcase_add_loop_test(tc, test_mismatches, 0, 4);
  tcase_add_test(tc, test_naive_sigmoid_derivative_float64);
  tcase_add_test(tc, test_naive_softplus_float32);
  tcase_add_loop_test(tc, test_double_rounding_picks_the_wrong_neighbour, 0,
                      (int)(sizeof TWICE / sizeof TWICE[0]));
  tcase_add_test(tc, test_decimal_read_once);
  tcase_add_test(tc, test_vector_tie_to_even);
  tcase_add_test(tc, test_vector_outputs);
  tcase_add_test(tc, test_parameter_gradients_and_rows);
  tcase_add_test(tc, test_tolerances);
  tcase_add_test(tc, test_large_request);
  tcase_add_test(tc, test_errors);
  tcase_add_test(tc, test_element_limit);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(verify_suite)
