/*
 * init.c: weight initialisers over a PRNG of our own, so that a seed gives the same
 * weights bit for bit on every machine and libc: splitmix64 seeds xoshiro256**, and the
 * normal transform uses only +, -, *, / and sqrt (all correctly rounded by IEEE 754)
 * and exact operations (frexp), never the libm's log, exp, sin or cos, whose last bits
 * differ between libraries. No HTTP or JSON here.
 *
 * Reproducibility also needs each operation rounded to double on its own: no x87
 * excess precision (FLT_EVAL_METHOD must be 0) and no fused multiply-add contraction.
 * The build's -std=c11 turns contraction off in GCC; clang contracts only within one
 * expression, so the arithmetic below is written one operation per statement.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

#if FLT_EVAL_METHOD != 0
#error "init.c: bit-reproducible weights need FLT_EVAL_METHOD == 0 (SSE2 doubles)"
#endif

static const char *const init_names[] = {
#define INIT_NAME(id, name, takes) name,
  ENG_INIT_MAP(INIT_NAME)
#undef INIT_NAME
};

static const unsigned init_takes[] = {
#define INIT_TAKES(id, name, takes) takes,
  ENG_INIT_MAP(INIT_TAKES)
#undef INIT_TAKES
};

static const char *const init_field_names[] = {
#define INIT_FIELD_NAME(id, name) name,
  ENG_INIT_FIELD_MAP(INIT_FIELD_NAME)
#undef INIT_FIELD_NAME
};

const char *eng_init_field_name(enum eng_init_field f)
{
  return (unsigned)f < ENG_INIT_F__COUNT ? init_field_names[f] : NULL;
}

unsigned eng_init_takes(enum eng_init_scheme s)
{
  return (unsigned)s < ENG_INIT__COUNT ? init_takes[s] : 0;
}

const char *eng_init_name(enum eng_init_scheme s)
{
  return (unsigned)s < ENG_INIT__COUNT ? init_names[s] : NULL;
}

static const struct {
  const char *alias;
  enum eng_init_scheme scheme;
} init_alias[] = {
#define INIT_ALIAS(alias, id) { alias, ENG_INIT_##id },
  ENG_INIT_ALIAS_MAP(INIT_ALIAS)
#undef INIT_ALIAS
};
#define NALIAS (sizeof init_alias / sizeof init_alias[0])

int eng_init_lookup(const char *name)
{
  for (int i = 0; i < ENG_INIT__COUNT; i++)
    if (strcmp(init_names[i], name) == 0)
      return i;
  for (size_t i = 0; i < NALIAS; i++)
    if (strcmp(init_alias[i].alias, name) == 0)
      return (int)init_alias[i].scheme;
  return -1;
}

const char *eng_init_alias(size_t i, enum eng_init_scheme *s)
{
  if (i >= NALIAS)
    return NULL;
  if (s != NULL)
    *s = init_alias[i].scheme;
  return init_alias[i].alias;
}

/* ============================================================ The generator */

/* splitmix64 (Steele, Lea and Flood; Vigna's public-domain code): one 64-bit output
 * per step of a Weyl sequence. Used only to expand the seed into xoshiro's state; its
 * outputs are distinct for consecutive states, so the state is never all zero. */
static uint64_t splitmix64(uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

void eng_rng_seed(struct eng_rng *r, uint64_t seed)
{
  uint64_t x = seed;
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

/* xoshiro256** 1.0 (Blackman and Vigna, 2018): period 2^256 - 1. */
uint64_t eng_rng_next(struct eng_rng *r)
{
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

/* U = (top 53 bits) 2^-53: every multiple of 2^-53 in [0, 1), equally likely. */
double eng_rng_uniform(struct eng_rng *r)
{
  return (double)(eng_rng_next(r) >> 11) * 0x1p-53;
}

/* 2 U - 1 = (top 53 bits - 2^52) 2^-52, exact: a multiple of 2^-52 in [-1, 1). */
static double uniform_pm1(struct eng_rng *r)
{
  int64_t a = (int64_t)(eng_rng_next(r) >> 11) - ((int64_t)1 << 52);
  return (double)a * 0x1p-52;
}

/* ================================================================ Logarithm */

/* ln s for a positive normal double s, from exact steps and + - * / only.
 *   s = f 2^e with f in [sqrt(1/2), sqrt(2)) (frexp, exact),
 *   ln f = 2 atanh(t) = 2 (t + t^3/3 + t^5/5 + ...), t = (f - 1) / (f + 1), |t| < 0.1716,
 * summed through t^23/23 (the next term is below 2^-60 of the sum), and
 *   ln s = e ln2_hi + (e ln2_lo + ln f),
 * where ln2_hi has its low 21 bits zero so that e ln2_hi is exact for |e| < 2^11.
 * Error: at most 2 ULP (against glibc's log over 10^5 random s); what matters here is
 * that it is the same on every machine. */
static double log_portable(double s)
{
  static const double ln2_hi = 6.93147180369123816490e-01; /* 0x3fe62e42fee00000 */
  static const double ln2_lo = 1.90821492927058770002e-10; /* 0x3dea39ef35793c76 */
  static const double c[11] = {
    1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13,
    1.0 / 15, 1.0 / 17, 1.0 / 19, 1.0 / 21, 1.0 / 23,
  };
  int e;
  double f = frexp(s, &e), num, den, t, t2, poly, lnf, hi, lo;
  if (f < 0.70710678118654752) { /* keeps |t| small: f in [sqrt(1/2), sqrt(2)) */
    f = f * 2;
    e = e - 1;
  }
  num = f - 1; /* exact (Sterbenz) */
  den = f + 1;
  t = num / den;
  t2 = t * t;
  poly = c[10];
  for (int i = 9; i >= 0; i--) {
    poly = poly * t2;
    poly = poly + c[i];
  }
  poly = poly * t2;        /* t^2/3 + t^4/5 + ... */
  lnf = t * poly;
  lnf = lnf + t;           /* atanh t */
  lnf = lnf * 2;
  hi = (double)e * ln2_hi; /* exact */
  lo = (double)e * ln2_lo;
  lo = lo + lnf;
  return hi + lo;
}

/* Standard normal by Marsaglia's polar method: (u, v) uniform in the square
 * [-1, 1)^2, rejected unless 0 < s = u^2 + v^2 < 1 (probability pi/4 of acceptance);
 * then u sqrt(-2 ln s / s) is N(0, 1). The partner v sqrt(-2 ln s / s) is discarded,
 * so each call depends on the generator state alone. The tails are not truncated
 * (PyTorch's convention for normal initialisers). */
double eng_rng_normal(struct eng_rng *r)
{
  for (;;) {
    double u = uniform_pm1(r), v = uniform_pm1(r);
    double uu = u * u, vv = v * v, s = uu + vv, f;
    if (s >= 1 || s == 0)
      continue;
    f = log_portable(s);
    f = f * -2;
    f = f / s;
    f = sqrt(f);
    return u * f;
  }
}

/* ============================================================= Initialisers */

/* w_i = mean + std N_i */
static void fill_normal(struct eng_rng *r, double *w, size_t n, double mean, double std)
{
  for (size_t i = 0; i < n; i++) {
    double z = eng_rng_normal(r);
    z = std * z;
    w[i] = mean + z;
  }
}

/* w_i = b (2 U_i - 1), in [-b, b] */
static void fill_symmetric(struct eng_rng *r, double *w, size_t n, double b)
{
  for (size_t i = 0; i < n; i++)
    w[i] = b * uniform_pm1(r);
}

/* w_i = low + (high - low) U_i, in [low, high). When high - low overflows, the same
 * in halves; a value rounded up to high is moved to the double below it. */
static void fill_uniform(struct eng_rng *r, double *w, size_t n, double low, double high)
{
  double width = high - low, half_low = low * 0.5, half_width = high * 0.5 - half_low;
  for (size_t i = 0; i < n; i++) {
    double u = eng_rng_uniform(r), x;
    if (isfinite(width)) {
      x = width * u;
      x = low + x;
    } else {
      x = half_width * u;
      x = half_low + x;
      x = x * 2;
    }
    w[i] = x < high ? x : nextafter(high, low);
  }
}

static int positive_finite(double v)
{
  return isfinite(v) && v > 0;
}

int eng_init_fill(const struct eng_init *c, double *w, double *std_out, double *bound_out)
{
  struct eng_rng r;
  size_t n;
  double fan_in, fan_out, sd = NAN, bound = NAN;

  if (c == NULL || w == NULL || (unsigned)c->scheme >= ENG_INIT__COUNT)
    return ENG_EINVAL;
  if (c->k == 0 || c->d == 0 || c->k > SIZE_MAX / c->d)
    return ENG_EINVAL;
  n = c->k * c->d;
  /* A fan of 0 means the default: fan_in = d, fan_out = k. */
  fan_in = c->fan_in == 0 ? (double)c->d : c->fan_in;
  fan_out = c->fan_out == 0 ? (double)c->k : c->fan_out;

  switch (c->scheme) {
  case ENG_INIT_NORMAL:
    if (!isfinite(c->mean) || !isfinite(c->std) || c->std < 0)
      return ENG_EINVAL;
    sd = c->std;
    break;
  case ENG_INIT_UNIFORM:
    if (!isfinite(c->low) || !isfinite(c->high) || !(c->low < c->high))
      return ENG_EINVAL;
    break;
  case ENG_INIT_XAVIER_NORMAL:
  case ENG_INIT_XAVIER_UNIFORM:
  case ENG_INIT_LECUN_NORMAL:
  case ENG_INIT_LECUN_UNIFORM:
  case ENG_INIT_HE_NORMAL:
  case ENG_INIT_HE_UNIFORM:
  case ENG_INIT__COUNT:
    if (!positive_finite(fan_in) || !positive_finite(fan_out) || !isfinite(c->gain) ||
        c->gain < 0)
      return ENG_EINVAL;
    break;
  }

  switch (c->scheme) {
  case ENG_INIT_XAVIER_NORMAL: /* std = gain sqrt(2 / (fan_in + fan_out)) */
    sd = c->gain * sqrt(2 / (fan_in + fan_out));
    break;
  case ENG_INIT_XAVIER_UNIFORM: /* bound = gain sqrt(6 / (fan_in + fan_out)) */
    bound = c->gain * sqrt(6 / (fan_in + fan_out));
    break;
  case ENG_INIT_LECUN_NORMAL: /* std = gain sqrt(1 / fan_in) */
    sd = c->gain * sqrt(1 / fan_in);
    break;
  case ENG_INIT_LECUN_UNIFORM: /* bound = gain sqrt(3 / fan_in) */
    bound = c->gain * sqrt(3 / fan_in);
    break;
  case ENG_INIT_HE_NORMAL: /* std = gain sqrt(2 / fan_in) */
    sd = c->gain * sqrt(2 / fan_in);
    break;
  case ENG_INIT_HE_UNIFORM: /* bound = gain sqrt(6 / fan_in) */
    bound = c->gain * sqrt(6 / fan_in);
    break;
  case ENG_INIT_NORMAL:
  case ENG_INIT_UNIFORM:
  case ENG_INIT__COUNT:
    break;
  }
  if (!isnan(bound) && !isfinite(bound))
    return ENG_EINVAL;
  if (!isnan(sd) && !isfinite(sd))
    return ENG_EINVAL;

  eng_rng_seed(&r, c->seed);
  if (c->scheme == ENG_INIT_UNIFORM)
    fill_uniform(&r, w, n, c->low, c->high);
  else if (!isnan(bound))
    fill_symmetric(&r, w, n, bound);
  else
    fill_normal(&r, w, n, c->scheme == ENG_INIT_NORMAL ? c->mean : 0, sd);
  if (std_out != NULL)
    *std_out = sd;
  if (bound_out != NULL)
    *bound_out = bound;
  return ENG_OK;
}
