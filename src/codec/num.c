/*
 * num.c: the number codec (num.h). Printing is Schubfach (R. Giulietti, "The Schubfach
 * way to render doubles", 2020): the shortest decimal inside the double's rounding
 * interval, closest to it. Parsing is Clinger's exact fast path, then Eisel-Lemire
 * (D. Lemire, "Number parsing at a gigabyte per second", 2021) with 128-bit powers of
 * ten, then strtod on a bounded radix-free copy for what those cannot decide.
 * Digits are written and read eight at a time in the lanes of a 64-bit word (SWAR),
 * and the choices that depend on the digits of random input are selections, not
 * branches. No HTTP, no JSON tree, no allocation, no locale here.
 */
#include "codec/num.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

static uint64_t bits_of(double v)
{
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

static double double_of(uint64_t b)
{
  double v;
  memcpy(&v, &b, sizeof v);
  return v;
}

/* ================================================================ Tables */

/* pow10_ceil and pow10_floor, 128-bit powers of ten (tests/gen/pow10_gen.c). */
#include "codec/num_pow10.h"

/* ============================================================== Printing */

static const char digits100[] =
  "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
  "8081828384858687888990919293949596979899";

static const uint64_t pow10_u64[20] = {
  1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
  100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
  10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
  100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
};

/* Number of decimal digits of v >= 1: t = floor(bits(v) * log10(2)) is that count
 * minus one or minus two; one comparison settles it. */
static int decimal_length(uint64_t v)
{
  int t = ((64 - __builtin_clzll(v)) * 1233) >> 12;
  return t + (v >= pow10_u64[t]);
}

/* Stores the eight bytes of w at d, its lowest byte first. */
static inline void store8(char *d, uint64_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(d, &w, 8);
#else
  for (int i = 0; i < 8; i++)
    d[i] = (char)(w >> (8 * i));
#endif
}

/* The eight digits of v < 10^8, zero-padded, as ASCII in one word, the first digit in
 * the lowest byte. No table and no chain of divisions: the halves v / 10^4 and
 * v % 10^4 go in 32-bit lanes, each is split by 100 into 16-bit lanes, each of those by
 * 10 into bytes, all lanes at once, with multiply-shift quotients that are exact below
 * these bounds (a / 100 = a 10486 >> 20 for a < 10^4, b / 10 = b 103 >> 10 for
 * b < 100) and products that stay inside their lanes. */
static inline uint64_t digits8(uint32_t v)
{
  uint64_t x = (uint64_t)(v / 10000) | (uint64_t)(v % 10000) << 32;
  uint64_t h = ((x * 10486) >> 20) & 0x0000007F0000007Full;
  x = h | (x - 100 * h) << 16;
  h = ((x * 103) >> 10) & 0x000F000F000F000Full;
  x = h | (x - 10 * h) << 8;
  return x | 0x3030303030303030ull;
}

/* Writes the n digits of d (d < 10^n, 1 <= n <= 17) at t[0, n), in whole words (t
 * has room for 24 bytes; what lies past t + n is left undefined), and returns the word
 * of its first eight bytes. Past eight digits, the 17 zero-padded digits are made as
 * a top digit and sixteen in a 128-bit word, and the leading zeros shifted out there:
 * no branch on the count, which random doubles vary from one to the next. */
__attribute__((always_inline)) static inline uint64_t put_digits(char *t, uint64_t d, int n)
{
  if (n <= 8) {
    uint64_t w = digits8((uint32_t)d) >> (8 * (8 - n));
    store8(t, w);
    return w;
  }
  uint64_t hi = d / 100000000, top = hi / 100000000;
  uint64_t lo = digits8((uint32_t)(d - hi * 100000000));
  u128 u = digits8((uint32_t)(hi - top * 100000000)) | (u128)lo << 64;
  int lz = 17 - n;
  u = lz > 0 ? u >> (8 * (lz - 1)) : (u << 8 | ('0' + top));
  store8(t, (uint64_t)u);
  store8(t + 8, (uint64_t)(u >> 64));
  t[16] = (char)(lo >> 56); /* the 17th digit, when there is one */
  return (uint64_t)u;
}

/* A '.' put after the first m digits (1 <= m <= 7) of the word w of eight: the
 * first eight bytes of the text "digits[0, m) . digits[m, ...)". */
static inline uint64_t dot_after(uint64_t w, int m)
{
  uint64_t keep = (1ull << (8 * m)) - 1;
  return (w & keep) | (uint64_t)'.' << (8 * m) | (w & ~keep) << 8;
}

/* The top 64 bits of the 192-bit product g * cp, with the lowest bit set when any
 * bit below them is set ("round to odd"): a 64-bit value that still tells an exact
 * product from an inexact one, which is all the comparisons below need. */
static uint64_t round_to_odd(const uint64_t g[2], uint64_t cp)
{
  u128 x = (u128)cp * g[1];
  u128 y = (u128)cp * g[0] + (uint64_t)(x >> 64);
  return (uint64_t)(y >> 64) | ((uint64_t)y != 0);
}

/* Schubfach. v = c 2^q (c < 2^53). Its rounding interval R is bounded by the halfway
 * points to the neighbours, c -+ 1/2 (c - 1/4 below when c = 2^52 and the lower gap is
 * half the upper one), both ends included when c is even (ties go to even). With
 * k = floor(log10(2^q)) (of 3/4 2^q for the closer lower end), the scaled values
 * 4 v 10^-k and the ends of R fit 64 bits; s = floor(v 10^-k) has 16 or 17 digits.
 * The shortest decimal in R is s/10 or s/10 + 1 at exponent k + 1 when exactly one
 * of them is in R, else s or s + 1 at exponent k when exactly one is in R, else the
 * one of s, s + 1 nearer v (ties to even). Returns the digits; *kout the exponent. */
static uint64_t schubfach(uint64_t c, int q, int closer, int *kout)
{
  int even = (c & 1) == 0;
  uint64_t cbl = 4 * c - 2 + (uint64_t)closer;
  uint64_t cb = 4 * c;
  uint64_t cbr = 4 * c + 2;
  /* floor(q log10 2) and floor(q log10 2 + log10(3/4)) as fixed point, exact for
   * |q| <= 1500; >> of a negative int is arithmetic on every target we build for. */
  int k = (q * 1262611 - (closer ? 524031 : 0)) >> 22;
  /* h = q + floor(log2(10^-k)) + 1 lies in [1, 4]: cbr << h stays below 2^60. */
  int h = q + ((-k * 1741647) >> 19) + 1;
  const uint64_t *g = pow10_ceil[-k + 292];
  uint64_t vbl = round_to_odd(g, cbl << h);
  uint64_t vb = round_to_odd(g, cb << h);
  uint64_t vbr = round_to_odd(g, cbr << h);
  uint64_t lower = vbl + !even;
  uint64_t upper = vbr - !even;

  /* The three cases are worked out together and one is selected, without branches:
   * which case holds depends on the digits of random input, no pattern a branch
   * predictor could follow. */
  uint64_t s = vb >> 2;
  uint64_t sp = s / 10;
  int up_in = lower <= 40 * sp;
  int wp_in = 40 * sp + 40 <= upper;
  int shorter = (s >= 10) & (up_in != wp_in);
  int u_in = lower <= 4 * s;
  int w_in = 4 * s + 4 <= upper;
  uint64_t mid = 4 * s + 2;
  int up = (vb > mid) | ((vb == mid) & (int)(s & 1));
  uint64_t near = s + (uint64_t)(u_in != w_in ? w_in : up);
  *kout = k + shorter;
  return shorter ? sp + (uint64_t)wp_in : near;
}

size_t num_format(double v, char *dst)
{
  uint64_t b = bits_of(v);
  uint64_t frac = b & ((1ull << 52) - 1);
  int bexp = (int)((b >> 52) & 0x7FF);
  char *p = dst;
  if (bexp == 0x7FF) {
    memcpy(dst, "null", 4);
    return 4;
  }
  if (b >> 63)
    *p++ = '-';
  if (bexp == 0 && frac == 0) {
    *p++ = '0';
    return (size_t)(p - dst);
  }

  uint64_t c, d;
  int q, k, n;
  if (bexp != 0) {
    c = frac | (1ull << 52);
    q = bexp - 1075;
    /* Integers below 2^53 print exactly, as integers, without Schubfach. */
    if (q <= 0 && q > -53 && (c & ((1ull << -q) - 1)) == 0) {
      d = c >> -q;
      n = decimal_length(d);
      put_digits(p, d, n);
      return (size_t)(p + n - dst);
    }
  } else {
    c = frac;
    q = -1074;
  }
  d = schubfach(c, q, frac == 0 && bexp > 1, &k);
  /* trailing zeros off, eight, four, two, one at a time (short decimals have many;
   * most doubles have none, and pay one test) */
  if (d % 10 == 0) {
    if (d % 100000000 == 0) {
      d /= 100000000;
      k += 8;
    }
    if (d % 10000 == 0) {
      d /= 10000;
      k += 4;
    }
    if (d % 100 == 0) {
      d /= 100;
      k += 2;
    }
    if (d % 10 == 0) {
      d /= 10;
      k++;
    }
  }
  n = decimal_length(d);
  int e = k + n - 1;               /* decimal exponent of the leading digit */

  /* Every piece is stored in whole words, from registers (no load of a byte just
   * stored, which would wait on the store): the digits land after the point's place,
   * then the word of the first eight bytes, with the point put in, is stored over
   * them. Stores may run past the text, into the NUM_SPACE the caller gave. */
  if (e > -7 && e < 21) {
    if (e < 0) {                   /* 0.000ddd */
      store8(p, 0x3030303030302E30ull); /* "0.000000" */
      put_digits(p + 1 - e, d, n);
      p += 1 - e + n;
    } else if (n <= e + 1) {       /* ddd000: e + 1 - n <= 20 zeros */
      put_digits(p, d, n);
      store8(p + n, 0x3030303030303030ull);
      store8(p + n + 8, 0x3030303030303030ull);
      store8(p + n + 16, 0x3030303030303030ull);
      p += e + 1;
    } else if (e < 7) {            /* d.ddd, up to ddddddd.ddd */
      uint64_t w = put_digits(p + 1, d, n);
      store8(p, dot_after(w, e + 1));
      p += n + 1;
    } else {                       /* dddddddd.ddd: rare enough for a move */
      put_digits(p, d, n);
      memmove(p + e + 2, p + e + 1, (size_t)(n - e - 1));
      p[e + 1] = '.';
      p += n + 1;
    }
  } else {                         /* d.ddde-x */
    if (n > 1) {
      uint64_t w = put_digits(p + 1, d, n);
      store8(p, dot_after(w, 1));
      p += n + 1;
    } else {
      p[0] = (char)('0' + d);
      p += 1;
    }
    *p++ = 'e';
    if (e < 0) {
      *p++ = '-';
      e = -e;
    }
    if (e >= 100) {
      *p++ = (char)('0' + e / 100);
      e %= 100;
      memcpy(p, digits100 + 2 * e, 2);
      p += 2;
    } else if (e >= 10) {
      memcpy(p, digits100 + 2 * e, 2);
      p += 2;
    } else {
      *p++ = (char)('0' + e);
    }
  }
  return (size_t)(p - dst);
}

/* =============================================================== Parsing */

static const double exact_pow10[23] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Eisel-Lemire: the bits of the double nearest w x 10^q (w != 0), from the 128-bit
 * under-estimate T of 10^q: w T <= w 10^q < w (T + 1) in the same scale. Returns 0
 * when the truncated product cannot decide the rounding (a carry from the bits not
 * computed could change it, or the value is exactly halfway between two doubles) and
 * when the result is subnormal or infinite; the caller then takes the exact path. */
static int eisel_lemire(uint64_t w, long q, uint64_t *out)
{
  if (q < -342) {                  /* w 10^q < 2^64 10^-343 < 2^-1075: rounds to 0 */
    *out = 0;
    return 1;
  }
  if (q > 308) {                   /* w 10^q >= 10^309: overflows */
    *out = 0x7FF0000000000000ull;
    return 1;
  }
  int lz = __builtin_clzll(w);
  w <<= lz;
  const uint64_t *t = pow10_floor[q + 342];
  u128 x = (u128)w * t[0];
  uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
  /* The 9 bits below the 54 kept are all ones and lo + w may carry: the low word of
   * T, ignored so far, may matter. */
  if ((hi & 0x1FF) == 0x1FF && lo + w < w) {
    u128 y = (u128)w * t[1];
    uint64_t yhi = (uint64_t)(y >> 64), ylo = (uint64_t)y;
    uint64_t mlo = lo + yhi;
    uint64_t mhi = hi + (mlo < lo);
    if ((mhi & 0x1FF) == 0x1FF && mlo + 1 == 0 && ylo + w < w)
      return 0;
    hi = mhi;
    lo = mlo;
  }
  unsigned msb = (unsigned)(hi >> 63);
  uint64_t m = hi >> (msb + 9);    /* 54 bits: the 53 of the result and a round bit */
  long e2 = ((217706 * q) >> 16) + 64 + 1023 - lz - (long)(1 ^ msb);
  if (lo == 0 && (hi & 0x1FF) == 0 && (m & 3) == 1)
    return 0;                      /* possibly exactly halfway: ties go to even */
  m += m & 1;
  m >>= 1;
  if (m >> 53) {
    m >>= 1;
    e2++;
  }
  if (e2 <= 0 || e2 >= 0x7FF)
    return 0;
  *out = (uint64_t)e2 << 52 | (m & ((1ull << 52) - 1));
  return 1;
}

/* The exact path for what the fast ones leave: the digits of the mantissa text
 * [m0, m1) (digits and at most one '.') and the explicit exponent x10, rewritten as
 * "D e X" with neither radix character nor sign, for strtod (correctly rounded in
 * glibc and musl; no radix char means no locale). Past 780 significant digits only
 * whether a later digit is nonzero matters (a double needs at most 767 to round
 * right): they become one sticky '1'. */
static double slow_parse(const char *m0, const char *m1, long x10)
{
  char buf[800];
  int n = 0, sticky = 0;
  long point = 0;                  /* value = 0.D x 10^(point + x10) */
  int seen_point = 0;
  for (const char *q = m0; q < m1; q++) {
    char c = *q;
    if (c == '.') {
      seen_point = 1;
      continue;
    }
    if (n == 0 && c == '0') {      /* leading zeros */
      point -= seen_point;
      continue;
    }
    point += !seen_point;
    if (n < 780)
      buf[n++] = c;
    else if (c != '0')
      sticky = 1;
  }
  if (n == 0)
    return 0;
  /* |value| < 10^(point + x10): above 10^400 it overflows, below 10^-400 it is 0. */
  if (point + x10 > 400)
    return HUGE_VAL;
  if (point + x10 < -400)
    return 0;
  if (sticky)
    buf[n++] = '1';
  long e = point + x10 - n;        /* value = D x 10^e */
  buf[n++] = 'e';
  if (e < 0) {
    buf[n++] = '-';
    e = -e;
  }
  char t[8];
  int k = 0;
  do {
    t[k++] = (char)('0' + e % 10);
    e /= 10;
  } while (e);
  while (k)
    buf[n++] = t[--k];
  buf[n] = '\0';
  return strtod(buf, NULL);
}

static int is_digit(const char *p, const char *end)
{
  return p < end && (unsigned)(*p - '0') <= 9;
}

/* The eight bytes at p as a word, the first in the lowest byte. */
static uint64_t load8(const char *p)
{
  uint64_t w;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(&w, p, 8);
#else
  w = 0;
  for (int i = 0; i < 8; i++)
    w |= (uint64_t)(unsigned char)p[i] << (8 * i);
#endif
  return w;
}

/* How many of the eight bytes of w, from the lowest, are ASCII digits before the first
 * that is not: per byte, its high nibble is 3 and adding 6 leaves it 3 only for '0' to
 * '9' (a carry out of a byte can come only from a non-digit, and only changes the
 * bytes after it). */
static inline int digit_run(uint64_t w)
{
  uint64_t t = ((w & 0xF0F0F0F0F0F0F0F0ull) |
                (((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) ^
               0x3333333333333333ull;
  return t == 0 ? 8 : __builtin_ctzll(t) >> 3;
}

/* The value of eight ASCII digits (first in the lowest byte), combined pairwise in
 * the lanes of one word: digit pairs, then groups of four, then the whole. */
static inline uint32_t value8(uint64_t w)
{
  w -= 0x3030303030303030ull;
  w = w * 10 + (w >> 8);
  w = ((w & 0x000000FF000000FFull) * 0x000F424000000064ull +
       ((w >> 16) & 0x000000FF000000FFull) * 0x0000271000000001ull) >> 32;
  return (uint32_t)w;
}

/* The value of the first k digits of w (1 <= k <= 8): they move to the top bytes, '0's
 * fill the bytes below. */
static inline uint32_t value_k(uint64_t w, int k)
{
  if (k == 8)
    return value8(w);
  return value8(w << (8 * (8 - k)) | 0x3030303030303030ull >> (8 * k));
}

/* Takes the run of digits at *pp into w in words of eight, while all of them are
 * significant and the 19 digits of w have room: *nsig and *pp advance, and *dexp goes
 * down by the count when they are fraction digits (frac). Stops at the first run that
 * does not fit, within eight bytes of end, or at the first non-digit. */
static inline void digit_words(const char **pp, const char *end, uint64_t *w, int *nsig,
                               long *dexp, int frac)
{
  const char *p = *pp;
  while (end - p >= 8) {
    uint64_t c8 = load8(p);
    int k = digit_run(c8);
    if (k == 0 || *nsig + k > 19)
      break;
    *w = *w * pow10_u64[k] + value_k(c8, k);
    *nsig += k;
    if (frac)
      *dexp -= k;
    p += k;
    if (k < 8)
      break;
  }
  *pp = p;
}

const char *num_parse(const char *s, const char *end, double *out)
{
  const char *p = s;
  int neg = 0;
  if (p < end && *p == '-') {
    neg = 1;
    p++;
  }
  if (!is_digit(p, end))
    return NULL;
  const char *m0 = p;

  /* w: the first 19 significant digits (< 10^19 < 2^64); value = w x 10^dexp, exactly
   * unless a nonzero digit was dropped (trunc). */
  uint64_t w = 0;
  int nsig = 0, trunc = 0;
  long dexp = 0;
  if (*p == '0') {
    p++;
  } else {
    digit_words(&p, end, &w, &nsig, &dexp, 0);
    while (is_digit(p, end)) {
      unsigned dg = (unsigned)(*p - '0');
      if (nsig < 19) {
        w = w * 10 + dg;
        nsig++;
      } else {
        dexp++;
        trunc |= dg != 0;
      }
      p++;
    }
  }
  if (p < end && *p == '.') {
    p++;
    if (!is_digit(p, end))
      return NULL;
    /* leading zeros one by one (they are not significant), the rest in words */
    if (w == 0)
      while (is_digit(p, end) && *p == '0') {
        dexp--;
        p++;
      }
    digit_words(&p, end, &w, &nsig, &dexp, 1);
    while (is_digit(p, end)) {
      unsigned dg = (unsigned)(*p - '0');
      if (nsig < 19) {
        w = w * 10 + dg;
        nsig += w != 0;
        dexp--;
      } else {
        trunc |= dg != 0;
      }
      p++;
    }
  }
  const char *m1 = p;
  long x10 = 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    int eneg = 0;
    if (p < end && (*p == '+' || *p == '-'))
      eneg = *p++ == '-';
    if (!is_digit(p, end))
      return NULL;
    do {
      if (x10 < 100000000)         /* beyond 10^8 the result is 0 or inf anyway */
        x10 = x10 * 10 + (*p - '0');
      p++;
    } while (is_digit(p, end));
    if (eneg)
      x10 = -x10;
  }
  dexp += x10;

  double v;
  uint64_t b1, b2;
#if FLT_EVAL_METHOD == 0
  /* Clinger: w and 10^|dexp| are exact doubles, so one correctly rounded IEEE
   * multiplication or division gives the correctly rounded result. */
  if (!trunc && w <= (1ull << 53) && dexp >= -22 && dexp <= 22) {
    v = (double)w;
    v = dexp < 0 ? v / exact_pow10[-dexp] : v * exact_pow10[dexp];
    *out = neg ? -v : v;
    return p;
  }
#endif
  if (w == 0) {
    v = 0;
  } else if (eisel_lemire(w, dexp, &b1) &&
             (!trunc || (eisel_lemire(w + 1, dexp, &b2) && b1 == b2))) {
    /* When digits were dropped the value lies in (w, w + 1) x 10^dexp: if both ends
     * round to the same double, so does it. */
    v = double_of(b1);
  } else {
    v = slow_parse(m0, m1, x10);
  }
  *out = neg ? -v : v;
  return p;
}
