/*
 * num.c: the number codec (num.h). Printing finds the shortest round-trip digits by
 * trying precisions 1..17; parsing checks the JSON grammar, then converts with strtod
 * on a bounded copy written without a radix character. No HTTP, no JSON tree here.
 */
#include "num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ============================================================== Printing */

/* Lays out digits d[0..n) (no leading or trailing zeros, n >= 1) with decimal
 * exponent e (value = d0.d1d2... x 10^e) in the form num.h specifies. */
static size_t layout(char *dst, int neg, const char *d, int n, int e)
{
  char *p = dst;
  if (neg)
    *p++ = '-';
  if (e > -7 && e < 21) {
    if (e < 0) {                   /* 0.000ddd */
      *p++ = '0';
      *p++ = '.';
      for (int i = 0; i < -e - 1; i++)
        *p++ = '0';
      memcpy(p, d, (size_t)n);
      p += n;
    } else if (n <= e + 1) {       /* ddd000: an integer */
      memcpy(p, d, (size_t)n);
      p += n;
      for (int i = 0; i < e + 1 - n; i++)
        *p++ = '0';
    } else {                       /* dd.ddd */
      memcpy(p, d, (size_t)(e + 1));
      p += e + 1;
      *p++ = '.';
      memcpy(p, d + e + 1, (size_t)(n - e - 1));
      p += n - e - 1;
    }
  } else {                         /* d.ddde-x */
    *p++ = d[0];
    if (n > 1) {
      *p++ = '.';
      memcpy(p, d + 1, (size_t)(n - 1));
      p += n - 1;
    }
    *p++ = 'e';
    if (e < 0) {
      *p++ = '-';
      e = -e;
    }
    char t[4];
    int k = 0;
    do {
      t[k++] = (char)('0' + e % 10);
      e /= 10;
    } while (e);
    while (k)
      *p++ = t[--k];
  }
  return (size_t)(p - dst);
}

size_t num_format(double v, char *dst)
{
  if (!isfinite(v)) {
    memcpy(dst, "null", 4);
    return 4;
  }
  int neg = signbit(v) != 0;
  if (v == 0)
    return layout(dst, neg, "0", 1, 0);
  double a = fabs(v);
  char s[40];
  for (int prec = 0; prec < 17; prec++) {
    snprintf(s, sizeof s, "%.*e", prec, a);
    if (strtod(s, NULL) == a || prec == 16)
      break;
  }
  /* s is d[.ddd]e[+-]xx in some locale's radix: collect the digits. */
  char d[20];
  int n = 0;
  const char *q = s;
  for (; *q && *q != 'e'; q++)
    if (*q >= '0' && *q <= '9')
      d[n++] = *q;
  int e = atoi(q + 1);
  while (n > 1 && d[n - 1] == '0')
    n--;
  return layout(dst, neg, d, n, e);
}

/* =============================================================== Parsing */

const char *num_parse(const char *s, const char *end, double *out)
{
  const char *p = s;
  int neg = 0;
  if (p < end && *p == '-') {
    neg = 1;
    p++;
  }
  if (p >= end || *p < '0' || *p > '9')
    return NULL;
  const char *int0 = p;
  if (*p == '0')
    p++;
  else
    while (p < end && *p >= '0' && *p <= '9')
      p++;
  const char *int1 = p, *frac0 = p, *frac1 = p;
  if (p < end && *p == '.') {
    p++;
    frac0 = p;
    while (p < end && *p >= '0' && *p <= '9')
      p++;
    frac1 = p;
    if (frac1 == frac0)
      return NULL;
  }
  long exp10 = 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    int eneg = 0;
    if (p < end && (*p == '+' || *p == '-'))
      eneg = *p++ == '-';
    if (p >= end || *p < '0' || *p > '9')
      return NULL;
    while (p < end && *p >= '0' && *p <= '9') {
      if (exp10 < 100000000)
        exp10 = exp10 * 10 + (*p - '0');
      p++;
    }
    if (eneg)
      exp10 = -exp10;
  }

  /* Significant digits: integer then fraction digits, leading zeros dropped. The
   * value is 0.D x 10^(point) with point the count of integer digits. */
  char buf[800];
  int n = 0, sticky = 0;
  long point = (long)(int1 - int0);
  for (const char *q = int0; q < frac1; q++) {
    char c = *q;
    if (c == '.')
      continue;
    if (n == 0 && c == '0') {
      point--;
      continue;
    }
    /* Past 780 digits only whether any later digit is nonzero matters: one sticky
     * nonzero digit keeps strtod's rounding exact. */
    if (n < 780)
      buf[n++] = c;
    else if (c != '0')
      sticky = 1;
  }
  double v;
  if (n == 0) {
    v = 0;
  } else if (point + exp10 > 400) {
    v = HUGE_VAL;
  } else if (point + exp10 < -400) {
    v = 0;
  } else {
    if (sticky)
      buf[n++] = '1';
    long e = point + exp10 - n;    /* value = D x 10^e */
    n += snprintf(buf + n, sizeof buf - (size_t)n, "e%ld", e);
    v = strtod(buf, NULL);
  }
  *out = neg ? -v : v;
  return p;
}
