/*
 * act_block.c: y and dy/dx over a block of elements at once, for the functions whose
 * per-element kernels are bound by libm's exp and log1p: sigmoid, tanh, softplus and
 * swish. The loops are
 * free of calls and branches, so the compiler runs them on vector lanes; lanes the
 * block form does not cover exactly (a rounded parameter product, the tails where
 * results leave the normal range, the cancelling neighbourhood of swish's zero of
 * dy/dx, tiny tanh arguments) are flagged, and the caller gives them to the
 * element kernel. The results are the element kernels' to within their bound: the
 * accuracy suite checks both paths against MPFR. No HTTP or JSON here.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "taylor.h"

#define LN2_HI 0x1.62e42fefa3800p-1 /* 43 bits: k LN2_HI is exact for |k| < 2^10 */
#define LN2_LO 0x1.ef35793c7673p-45
#define INV_LN2 0x1.71547652b82fep0
#define SHIFT 0x1.8p52              /* adding it rounds to an integer in the low bits */

ENG_INLINE uint64_t bits(double v)
{
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

ENG_INLINE double of_bits(uint64_t b)
{
  double v;
  memcpy(&v, &b, sizeof v);
  return v;
}

/* e^w for -708 <= w <= 0 as hi + lo, within about 2^-54 relative (the rounding of
 * e^r - 1 below; libm's exp rounds once more):
 *   w = k ln 2 + r, |r| <= ln(2) / 2, r = rh + rl with rh exact (k LN2_HI exact);
 *   e^r - 1 = rh + rh^2 q(rh) + rl e^rh, q(r) = sum r^j / (j + 2)!, j <= 12
 *   (the next term is below 2^-60); 1 + that in two words, times 2^k.
 * *m = e^w - 1 to full precision as well (for tanh's 1 - t, which would cancel). */
ENG_INLINE void exp_two(double w, double *hi, double *lo, double *m)
{
  double kd = fma(w, INV_LN2, SHIFT);
  int64_t k = (int64_t)(bits(kd) - bits(SHIFT));
  double rh, rl, q, p, s, e, scale;
  kd -= SHIFT;
  rh = fma(-kd, LN2_HI, w);
  rl = -kd * LN2_LO;
  q = 0x1.93974a8c07c9dp-37;                   /* 1/14! */
  q = fma(q, rh, 0x1.6124613a86d09p-33);       /* 1/13! */
  q = fma(q, rh, 0x1.1eed8eff8d898p-29);       /* 1/12! */
  q = fma(q, rh, 0x1.ae64567f544e4p-26);       /* 1/11! */
  q = fma(q, rh, 0x1.27e4fb7789f5cp-22);       /* 1/10! */
  q = fma(q, rh, 0x1.71de3a556c734p-19);       /* 1/9! */
  q = fma(q, rh, 0x1.a01a01a01a01ap-16);       /* 1/8! */
  q = fma(q, rh, 0x1.a01a01a01a01ap-13);       /* 1/7! */
  q = fma(q, rh, 0x1.6c16c16c16c17p-10);       /* 1/6! */
  q = fma(q, rh, 0x1.1111111111111p-7);        /* 1/5! */
  q = fma(q, rh, 0x1.5555555555555p-5);        /* 1/4! */
  q = fma(q, rh, 0x1.5555555555555p-3);        /* 1/3! */
  q = fma(q, rh, 0.5);                         /* 1/2! */
  p = fma(rh * rh, q, rh);                      /* e^rh - 1, for the rl term */
  p = rh + fma(rh * rh, q, fma(rl, p, rl));     /* + rl e^rh */
  s = 1 + p;
  e = (1 - s) + p; /* |p| < 1: the exact error of 1 + p */
  scale = of_bits((uint64_t)(k + 1023) << 52);
  *hi = s * scale;
  *lo = e * scale;
  *m = fma(scale, p, scale - 1); /* 2^k (1 + p) - 1: 2^k - 1 exact, one rounding */
}

/* The logistic pieces at u from T = e^-|u| in two words, each from its exact residual:
 * d = 1 + T = dh + dl, r = 1 / d, s(u) = r (u >= 0) or T / d, s'(u) = T / d^2
 * (d^2 = Dh + Dl in two words); each result is left as a value and its correction,
 * s = *s + *sl and s' = *ds + *dsl, within about 2^-54 relative (the error of T). */
ENG_INLINE void logistic_two(double u, double th, double tl, double *s, double *sl,
                             double *ds, double *dsl)
{
  double dh = 1 + th, dl = ((1 - dh) + th) + tl; /* th <= 1: exact error of 1 + th */
  double r = 1 / dh, rc, q, qc, Dh, Dl;
  rc = r * (fma(-r, dh, 1) - r * dl);              /* r (1 - r d) */
  q = th * r;                                      /* T / d */
  qc = r * (fma(-q, dh, th) - q * dl + tl);
  *s = u >= 0 ? r : q;
  *sl = u >= 0 ? rc : qc;
  r += rc;
  Dh = dh * dh;
  Dl = fma(dh, dh, -Dh) + 2 * dh * dl;
  q = th * (r * r);                                /* T / d^2, corrected below */
  *ds = q;
  *dsl = r * r * (fma(-q, Dh, th) - q * Dl + tl);
}

/* A lane the block form leaves to the element kernel: 1, else 0 (as a double, so that
 * the flags have the width of the data and the loop stays on vector lanes). */
#define REDO(cond) ((cond) ? 1.0 : 0.0)

ENG_BLOCK_KERNEL size_t eng__sigmoid_block(const double *x, const double *p, size_t n, double *y,
                                     double *dy, double *redo)
{
  double a = p[0], any = 0;
  for (size_t i = 0; i < n; i++) {
    double u = a * x[i], ul = fma(a, x[i], -u), th, tl, m, s, sl, ds, dsl;
    double au = fabs(u);
    int ok = (au <= 700) & (ul == 0); /* NaN and inf fail too */
    exp_two(ok ? -au : 0, &th, &tl, &m);
    logistic_two(u, th, tl, &s, &sl, &ds, &dsl);
    y[i] = s + sl;
    dy[i] = a * (ds + dsl);
    redo[i] = REDO(!ok);
    any += redo[i];
  }
  return (size_t)any;
}

ENG_BLOCK_KERNEL size_t eng__swish_block(const double *x, const double *p, size_t n, double *y,
                                   double *dy, double *redo)
{
  double b = p[0], any = 0;
  for (size_t i = 0; i < n; i++) {
    double u = b * x[i], ul = fma(b, x[i], -u), th, tl, m, s, sl, ds, dsl, P, Pe, S, Se;
    double au = fabs(u);
    /* dy/dx = s + u s' cancels towards its zero u0: summed in two words it keeps its
     * digits down to |u - u0| = 0.08; closer, the element kernel's Taylor series */
    int ok = (au <= 700) & (ul == 0) & (fabs(u - eng__swish_g0.u0_hi) >= 0.08);
    exp_two(ok ? -au : 0, &th, &tl, &m);
    logistic_two(u, th, tl, &s, &sl, &ds, &dsl);
    y[i] = fma(x[i], s, x[i] * sl);
    P = u * ds;
    Pe = fma(u, ds, -P);
    S = s + P;
    Se = (s - (S - (S - s))) + (P - (S - s)); /* TwoSum: s + P = S + Se exactly */
    dy[i] = S + (Se + Pe + fma(u, dsl, sl));
    redo[i] = REDO(!ok);
    any += redo[i];
  }
  return (size_t)any;
}

/* tanh x = sign(x) (1 - t) / (1 + t), tanh' = 4 t / (1 + t)^2, t = e^-2|x|, with
 * 1 - t = -(e^-2|x| - 1) from exp_two, never a cancelling difference. */
ENG_BLOCK_KERNEL size_t eng__tanh_block(const double *x, const double *p, size_t n, double *y,
                                  double *dy, double *redo)
{
  double any = 0;
  (void)p;
  for (size_t i = 0; i < n; i++) {
    double ax = fabs(x[i]), th, tl, m, dh, dl, r;
    int ok = (ax <= 350) & (ax >= 0x1p-27);
    exp_two(ok ? -2 * ax : 0, &th, &tl, &m);
    dh = 1 + th;
    dl = ((1 - dh) + th) + tl;
    r = 1 / dh;
    r = fma(-r * dl, r, r);
    y[i] = copysign(-m * r, x[i]);
    dy[i] = 4 * fma(th, r * r, tl * (r * r));
    redo[i] = REDO(!ok);
    any += redo[i];
  }
  return (size_t)any;
}

/* log1p(T) for 0 <= T <= 1 in two words T = th + tl, within about 1 ULP:
 *   log(1 + T) = 2 atanh(q), q = f / (2 + f), with f = T (T <= sqrt 2 - 1) or
 *   f = (T - 1) / 2 and ln 2 added (1 + T = 2 (1 + f)); |q| <= 0.172, and
 *   2 atanh(q) = 2q + 2q^3 sum q^2k / (2k + 3), k <= 10 (the next term is below
 *   2^-56 of the sum). q is carried in two words: the roundings of 2 + f and of the
 *   quotient would otherwise be the whole error. */
ENG_INLINE double log1p_two(double th, double tl)
{
  static const double ln2_hi = 0x1.62e42fefa39efp-1, ln2_lo = 0x1.abc9e3b39803fp-56;
  int big = th > 0x1.a827999fcef34p-2; /* sqrt 2 - 1 */
  double fh = big ? (th - 1) * 0.5 : th; /* th - 1 exact (Sterbenz), halving exact */
  double fl = big ? tl * 0.5 : tl;
  double den = 2 + fh, de = (2 - den) + fh; /* 2 + fh = den + de exactly */
  double q = fh / den, qc, z, P, L, H, He;
  qc = (fma(-q, den, fh) - q * de + fl * (2 / den)) / den;
  z = q * q;
  P = 0x1.642c8590b2164p-5;            /* 1/23 */
  P = fma(P, z, 0x1.8618618618618p-5); /* 1/21 */
  P = fma(P, z, 0x1.af286bca1af28p-5); /* 1/19 */
  P = fma(P, z, 0x1.e1e1e1e1e1e1ep-5); /* 1/17 */
  P = fma(P, z, 0x1.1111111111111p-4); /* 1/15 */
  P = fma(P, z, 0x1.3b13b13b13b14p-4); /* 1/13 */
  P = fma(P, z, 0x1.745d1745d1746p-4); /* 1/11 */
  P = fma(P, z, 0x1.c71c71c71c71cp-4); /* 1/9 */
  P = fma(P, z, 0x1.2492492492492p-3); /* 1/7 */
  P = fma(P, z, 0x1.999999999999ap-3); /* 1/5 */
  P = fma(P, z, 0x1.5555555555555p-2); /* 1/3 */
  L = fma(2 * q * z, P, 2 * qc);       /* all but 2q */
  H = (big ? ln2_hi : 0) + 2 * q;      /* 2q exact; with ln 2, a TwoSum */
  He = big ? ((ln2_hi - (H - (H - ln2_hi))) + (2 * q - (H - ln2_hi))) + ln2_lo : 0;
  return H + (L + He);
}

/* softplus: y = (max(u, 0) + log1p(e^-|u|)) / beta, y' = s(u), u = beta x. */
ENG_BLOCK_KERNEL size_t eng__softplus_block(const double *x, const double *p, size_t n,
                                            double *y, double *dy, double *redo)
{
  double b = p[0], any = 0;
  for (size_t i = 0; i < n; i++) {
    double u = b * x[i], ul = fma(b, x[i], -u), th, tl, m, s, sl, ds, dsl;
    double au = fabs(u);
    int ok = (au <= 700) & (ul == 0);
    exp_two(ok ? -au : 0, &th, &tl, &m);
    logistic_two(u, th, tl, &s, &sl, &ds, &dsl);
    y[i] = ((u > 0 ? u : 0) + log1p_two(th, tl)) / b;
    dy[i] = s + sl;
    redo[i] = REDO(!ok);
    any += redo[i];
  }
  return (size_t)any;
}
