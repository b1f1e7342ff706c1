/*
 * act_block512.c: the block kernels of sigmoid, swish, hard_swish, elu, selu, celu and
 * rrelu (eng_block_fn, as in act_block.c) written for AVX-512: eight lanes per register,
 * thirty-two per step; e^w from a table of 2^(j/16) held in registers and read by
 * permutes (one instruction where a load per lane was), and each rounding decided by
 * the two-sided test (act_block.c's lane_round2). act_block.c calls them where the
 * machine runs AVX-512F and DQ (eng__avx512) and the parameter is in their range;
 * elsewhere its portable kernels run. A lane they do not decide is flagged, and the
 * element kernel computes it: every output is the correctly rounded value either way,
 * so the bits do not depend on the path. Built for x86-64 with GCC (the functions carry
 * their own target; the rest of the engine is built for the baseline), with the
 * scheduler before register allocation, which interleaves the four quarters of a step:
 * their chains of dependent operations are long. No HTTP or JSON here.
 */
#include <math.h>
#include <stdint.h>

#include "internal.h"

#ifdef ENG_AVX512

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,fma")
/* the scheduler before register allocation, which interleaves a step's quarters */
#pragma GCC optimize("schedule-insns", "sched-pressure")

#include <immintrin.h>

/* The machine runs AVX-512F and DQ (its operating system saves the registers). */
int eng__avx512(void)
{
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
}

typedef __m512d V;

#define VINLINE static inline __attribute__((always_inline))
#define K(c) _mm512_set1_pd(c)
#define FMA(a, b, c) _mm512_fmadd_pd(a, b, c)  /* a b + c, one rounding */
#define FMS(a, b, c) _mm512_fmsub_pd(a, b, c)  /* a b - c */
#define FNMA(a, b, c) _mm512_fnmadd_pd(a, b, c) /* c - a b */
#define FNMS(a, b, c) _mm512_fnmsub_pd(a, b, c) /* -a b - c */
#define ABS(a) _mm512_abs_pd(a)
#define CMP(a, b, op) _mm512_cmp_pd_mask(a, b, op)

/* s + e = a + b exactly, for a = 0 or exponent(a) >= exponent(b), or a an integer
 * multiple of ulp(b) (then a + b and s - a are multiples of ulp(b) within 2^53 of
 * them, and the rounding error of s is one ulp(b) or none). */
#define FAST2SUM(a, b, s, e)                                                      \
  do {                                                                             \
    V a_ = (a), b_ = (b);                                                          \
    s = a_ + b_;                                                                   \
    e = b_ - (s - a_);                                                             \
  } while (0)

/* s + e = a + b exactly, in any order (TwoSum). */
#define TWO_SUM(a, b, s, e)                                                       \
  do {                                                                             \
    V a_ = (a), b_ = (b), bb_;                                                     \
    s = a_ + b_;                                                                   \
    bb_ = s - a_;                                                                  \
    e = (a_ - (s - bb_)) + (b_ - bb_);                                             \
  } while (0)

/* ================================================================ e^-(u + ul) */

#define LN2_16_HI 0x1.62e42fefa0000p-5 /* 36 bits: k LN2_16_HI is exact for |k| < 2^17 */
#define LN2_16_LO 0x1.cf79abc9e3b3ap-44
#define INV_LN2_16 0x1.71547652b82fep+4
#define SHIFT 0x1.8p52 /* adding it rounds to an integer in the low bits */

/* selu's scale and scale alpha in two words (as in act_block.c) */
#define SELU_SCALE_HI 0x1.0cfabd6a91132p+0
#define SELU_SCALE_LO 0x1.6fc7d272f2695p-55
#define SELU_SA_HI 0x1.c212cc640f031p+0
#define SELU_SA_LO 0x1.05161b045a1fep-56

/* 2^(j/16), j = 0 .. 15, in two words (the second word within 2^-107 of the rest):
 * eight per register, read by one two-register permute. */
static const double exp16_hi[16] = {
  0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
  0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
  0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
  0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0,
};
static const double exp16_lo[16] = {
  0x0.0p+0,               0x1.8a62e4adc610bp-54,  -0x1.19041b9d78a76p-55, 0x1.9b07eb6c70573p-54,
  0x1.6f46ad23182e4p-55,  0x1.ada0911f09ebcp-55,  0x1.d4397afec42e2p-56,  0x1.6324c054647adp-54,
  -0x1.bdd3413b26456p-54, -0x1.41577ee04992fp-55, 0x1.6e9f156864b27p-54,  0x1.c7c46b071f2bep-56,
  0x1.7a1cd345dcc81p-54,  0x1.11065895048ddp-55,  0x1.2ed02d75b3707p-55,  -0x1.e9c23179c2893p-54,
};

/* The table, loaded once per block. */
struct tab {
  V h0, h1, l0, l1;
};

VINLINE struct tab tab_load(void)
{
  struct tab t = {_mm512_loadu_pd(exp16_hi), _mm512_loadu_pd(exp16_hi + 8),
                  _mm512_loadu_pd(exp16_lo), _mm512_loadu_pd(exp16_lo + 8)};
  return t;
}

/* e^(w + wl) for |w| <= 680 (|wl| <= 2^-40 |w|), w = -u for exp_neg (NEG = 1) and u
 * for exp_pos (NEG = 0), as eh + el within 2^-69.6 relative (|el| <= 2^-51 |eh|), and
 * the pieces of e^(w + wl) - 1 for the elu family (struct ex):
 *   w + wl = k ln2/16 + rh + rl: k = round(16 w / ln2), rh = w - k LN2_16_HI exact
 *   (k LN2_16_HI is exact, and the fma difference is a multiple of 2^-40, or of
 *   ulp(w) >= 2^-58 where that is smaller, below 2^-5), rl = RN(wl - k LN2_16_LO)
 *   (|rl| < 2^-26.4; LN2_16_HI + LN2_16_LO is ln2/16 within 2^-94, so the reduction
 *   is within 2^-78.6), renormalised by a fast TwoSum (exact: |rh| >= |rl|, or rh is a
 *   nonzero multiple of 2^-58 and ulp(rl) < 2^-79), then |rh| <= R = 0.021662;
 *   e^r - 1 = rh + rh^2/2 + rh^3 P(rh) + rl (1 + rh + rh^2/2), P to rh^6/9! (Taylor:
 *   the rest is below 2^-77.0; the dropped rl rh^3/6 below 2^-77.7): rh^2/2 exact in
 *   two words (TwoProduct), rh + rh^2/2 = m1 + m2 (fast TwoSum); c = rh^3 P(rh) <=
 *   2^-19.2 as RN(rh^2/2) (rh 2P(rh)), within 4.8 2^-53 |c| (three roundings, and P's
 *   last rounding and coefficient) < 2^-69.9, added last to the smaller terms (one
 *   more rounding, 2^-72.2); then e^r - 1 = n1 + n2 (fast TwoSum, |small| < |m1|);
 *   e^(w + wl) = 2^(k>>4) T[k & 15] (1 + n): T (1 + n) from exact products and
 *   fast TwoSums, within 2^-100; 2^(k>>4) by vscalefpd (exact, but for el below 2^-1022,
 *   within 2^-1075: 2^-94 of e^-680 ~ 2^-981).
 * Sum: 2^-69.9 + 2^-72.2 + 2^-77.0 + 2^-77.7 + 2^-78.6 + 2^-100 < 2^-69.6 (the largest
 * error seen against MPFR on 2^21 points of [-680, 680] is 2^-70.7). Where k = 0,
 * e^(w + wl) - 1 = n1 + n2 itself, within 2^-52 |w|^3 + 2^-70 |w| (c's errors, and the
 * series' rest, below 2^-71.6 |w|). */
struct ex {
  V eh, el, n1, n2;
  __mmask8 k0; /* the lanes where k = 0 */
};

VINLINE struct ex exp_two(V w, V wl, int NEG, const struct tab *t)
{
  struct ex X;
  V kd, kf, rh, rl, half, qh, ql, m1, m2, p, c, small, th, tl, ph, pl, s, se, lo, e;
  __m512i j;
  if (NEG) { /* w = -u: SHIFT - 16 u / ln2, -u - k LN2_16_HI, -ul - k LN2_16_LO */
    kd = FNMA(w, K(INV_LN2_16), K(SHIFT));
    kf = kd - K(SHIFT);
    rh = FNMS(kf, K(LN2_16_HI), w);
    rl = FNMS(kf, K(LN2_16_LO), wl);
  } else {
    kd = FMA(w, K(INV_LN2_16), K(SHIFT));
    kf = kd - K(SHIFT);
    rh = FNMA(kf, K(LN2_16_HI), w);
    rl = FNMA(kf, K(LN2_16_LO), wl);
  }
  j = _mm512_castpd_si512(kd); /* k in the low bits: the permutes read k & 15 */
  X.k0 = CMP(kf, K(0), _CMP_EQ_OQ);
  FAST2SUM(rh, rl, rh, rl);
  half = rh * K(0.5);
  qh = rh * half;
  ql = FMS(rh, half, qh);
  FAST2SUM(rh, qh, m1, m2);
  /* 2 P(rh), its coefficients 2/k! (exact doublings of 1/k! in doubles) */
  p = FMA(K(0x1.71de3a556c734p-18), rh, K(0x1.a01a01a01a01ap-15)); /* 2/9!, 2/8! */
  p = FMA(p, rh, K(0x1.a01a01a01a01ap-12));                        /* 2/7! */
  p = FMA(p, rh, K(0x1.6c16c16c16c17p-9));                         /* 2/6! */
  p = FMA(p, rh, K(0x1.1111111111111p-6));                         /* 2/5! */
  p = FMA(p, rh, K(0x1.5555555555555p-4));                         /* 2/4! */
  p = FMA(p, rh, K(0x1.5555555555555p-2));                         /* 2/3! */
  c = qh * (rh * p); /* rh^3 P(rh) = (rh^2 / 2) (2 rh P(rh)), qh = RN(rh^2 / 2) */
  small = c + (m2 + (ql + FMA(rl, m1, rl)));
  FAST2SUM(m1, small, X.n1, X.n2);
  th = _mm512_permutex2var_pd(t->h0, j, t->h1);
  tl = _mm512_permutex2var_pd(t->l0, j, t->l1);
  /* T (1 + n1 + n2) = T_hi + T_hi n1 + (T_hi n2 + T_lo (1 + n1)) */
  ph = th * X.n1;
  pl = FMS(th, X.n1, ph);
  FAST2SUM(th, ph, s, se);
  lo = se + (pl + FMA(th, X.n2, FMA(tl, X.n1, tl)));
  e = kf * K(0.0625); /* vscalefpd multiplies by 2^floor(e) = 2^(k>>4) */
  X.eh = _mm512_scalef_pd(s, e);
  X.el = _mm512_scalef_pd(lo, e);
  return X;
}

VINLINE void exp_neg(V u, V ul, const struct tab *t, V *eh, V *el)
{
  struct ex X = exp_two(u, ul, 1, t);
  *eh = X.eh;
  *el = X.el;
}

/* ================================================================== logistic */

/* With E = e^-(u + ul) (two words, relative error d): s = sigmoid(u) = 1 / (1 + E)
 * (1 + E in two words by a fast TwoSum of the larger and the smaller, its reciprocal
 * corrected by one step to 2^-100),
 * F = E s = sigmoid(-u) and G = F s = sigmoid'(u), by two-word products. Each is the
 * function of the computed E, whose relative sensitivity to E is at most 1
 * (E / (1 + E), 1 / (1 + E), |1 - E| / (1 + E)), so each is within d + 2^-98. */
struct lgv {
  V sh, sl, gh, gl;
};

VINLINE struct lgv logistic(V u, V ul, const struct tab *t)
{
  struct lgv L;
  V eh, el, dh, dl, fh, fl;
  exp_neg(u, ul, t, &eh, &el);
  FAST2SUM(_mm512_max_pd(eh, K(1)), _mm512_min_pd(eh, K(1)), dh, dl);
  dl = dl + el;
  L.sh = K(1) / dh;
  L.sl = L.sh * FNMA(L.sh, dl, FNMA(L.sh, dh, K(1))); /* the inner fma is exact */
  fh = eh * L.sh;
  fl = FMS(eh, L.sh, fh) + FMA(eh, L.sl, el * L.sh);
  L.gh = fh * L.sh;
  L.gl = FMS(fh, L.sh, L.gh) + FMA(fh, L.sl, fl * L.sh);
  return L;
}

/* The relative bound of the two-word values: d + 2^-97 < 2^-69.5 (exp_neg), then
 * doubled against slips; it also covers the test's own roundings (2^-53 (|lo| +
 * |err|) < 2^-104 |hi|) and one more two-word product (grad_x, 2^-103). */
#define ERR 0x1p-68

/* The two-sided test of act_block.c's lane_round2: the mask of lanes it does not
 * decide; *out is hi + (lo - err). */
VINLINE __mmask8 round2(V hi, V lo, V err, V *out)
{
  V a = hi + (lo - err), b = hi + (lo + err);
  *out = a;
  return CMP(a, b, _CMP_NEQ_UQ);
}

/* The same for a relative bound, err = |hi| c: lo -+ hi c by one fma each (the sign of
 * hi does not matter: the test is symmetric). */
VINLINE __mmask8 round2_rel(V hi, V lo, V c, V *out)
{
  V a = hi + FNMA(hi, c, lo), b = hi + FMA(hi, c, lo);
  *out = a;
  return CMP(a, b, _CMP_NEQ_UQ);
}

/* Lanes outside |u| in [2^-900, 680] (and NaN): the element kernel (the tails, and
 * the low words that would lose bits to underflow). */
VINLINE __mmask8 out_of_range(V u)
{
  V au = ABS(u);
  return CMP(au, K(680), _CMP_NLE_UQ) | CMP(au, K(0x1p-900), _CMP_LT_OQ);
}

/* grad_x = gy f'(x) from f'(x) = dh + dl (within err): the two-word product, rounded
 * once; lanes whose product or f'(x) leaves [2^-960, 2^1023] are flagged (below, a
 * second word loses bits to underflow and the bound |gy| err may underflow to 0), but
 * for an exact 0 (gy = 0, or f'(x) = 0 exactly). */
VINLINE __mmask8 grad_x(V dh, V dl, V err, V g, V *out)
{
  V gh = dh * g, gl = FMS(dh, g, gh) + dl * g, ag = ABS(gh);
  __mmask8 f = round2(gh, gl, ABS(g) * err + ag * K(0x1p-102), out);
  __mmask8 zero = CMP(g, K(0), _CMP_EQ_OQ) |
                  (CMP(dh, K(0), _CMP_EQ_OQ) & CMP(dl, K(0), _CMP_EQ_OQ));
  return f | (__mmask8)(~zero & (CMP(ag, K(0x1p-960), _CMP_LT_OQ) |
                                 CMP(ag, K(0x1.fffffffffffffp1023), _CMP_NLE_UQ) |
                                 CMP(ABS(dh), K(0x1p-960), _CMP_LT_OQ)));
}

/* The loop shared by the kernels: thirty-two lanes at a time in four independent
 * quarters (loaded first and stored last, so that nothing in between keeps the
 * scheduler from interleaving them), then eight (the last ones masked). The body,
 * BODY(ONE, xi, yo, dyo, dh, dl, de, f), sets yo, dyo (the rounded outputs), dh, dl,
 * de (f'(x) and its bound, for grad_x) and f (the lanes it does not decide) from the
 * lanes xi; ONE says the parameter is 1. */
#define LANES_STORE(GX, i, m, yo, dyo, dh, dl, de, f)                              \
  do {                                                                             \
    _mm512_mask_storeu_pd(y + (i), m, yo);                                         \
    _mm512_mask_storeu_pd(dy + (i), m, dyo);                                       \
    if (GX) {                                                                      \
      V go;                                                                        \
      f |= grad_x(dh, dl, de, _mm512_maskz_loadu_pd(m, gy + (i)), &go);             \
      _mm512_mask_storeu_pd(gx + (i), m, go);                                      \
    }                                                                              \
    f &= m;                                                                        \
    _mm512_mask_storeu_pd(redo + (i), m, _mm512_maskz_mov_pd(f, K(1)));            \
    any += (size_t)__builtin_popcount(f);                                          \
  } while (0)

#define LANES_RUN(BODY, ONE, GX)                                                   \
  do {                                                                             \
    size_t i = 0;                                                                  \
    for (; i + 32 <= n; i += 32) {                                                 \
      V x0 = _mm512_loadu_pd(x + i), x1 = _mm512_loadu_pd(x + i + 8);              \
      V x2 = _mm512_loadu_pd(x + i + 16), x3 = _mm512_loadu_pd(x + i + 24);        \
      V y0, dy0, dh0, dl0, de0, y1, dy1, dh1, dl1, de1;                            \
      V y2, dy2, dh2, dl2, de2, y3, dy3, dh3, dl3, de3;                            \
      __mmask8 f0, f1, f2, f3;                                                     \
      BODY(ONE, x0, y0, dy0, dh0, dl0, de0, f0);                                   \
      BODY(ONE, x1, y1, dy1, dh1, dl1, de1, f1);                                   \
      BODY(ONE, x2, y2, dy2, dh2, dl2, de2, f2);                                   \
      BODY(ONE, x3, y3, dy3, dh3, dl3, de3, f3);                                   \
      LANES_STORE(GX, i, 0xff, y0, dy0, dh0, dl0, de0, f0);                        \
      LANES_STORE(GX, i + 8, 0xff, y1, dy1, dh1, dl1, de1, f1);                    \
      LANES_STORE(GX, i + 16, 0xff, y2, dy2, dh2, dl2, de2, f2);                   \
      LANES_STORE(GX, i + 24, 0xff, y3, dy3, dh3, dl3, de3, f3);                   \
    }                                                                              \
    for (; i < n; i += 8) {                                                        \
      __mmask8 m = n - i >= 8 ? 0xff : (__mmask8)((1u << (n - i)) - 1), f;         \
      V x0 = _mm512_maskz_loadu_pd(m, x + i), yo, dyo, dh, dl, de;                 \
      BODY(ONE, x0, yo, dyo, dh, dl, de, f);                                       \
      LANES_STORE(GX, i, m, yo, dyo, dh, dl, de, f);                               \
    }                                                                              \
  } while (0)

/* The loop for a parameter of 1 (ONE: u = x) and others, without grad_x and with it,
 * each free of branches inside a step. */
#define LANES_LOOP(BODY, one)                                                      \
  do {                                                                             \
    if ((one) && gx == NULL)                                                       \
      LANES_RUN(BODY, 1, 0);                                                       \
    else if (one)                                                                  \
      LANES_RUN(BODY, 1, 1);                                                       \
    else if (gx == NULL)                                                           \
      LANES_RUN(BODY, 0, 0);                                                       \
    else                                                                           \
      LANES_RUN(BODY, 0, 1);                                                       \
  } while (0)

/* y = sigmoid(a x), y' = a G(a x); u = a x exact in two words. For 2^-8 <= |a| <= 2^8
 * (act_block.c checks): then y' lies in [2^-992, 2^7], inside the range where the
 * relative bound holds. */
#define SIGMOID_BODY(ONE, xi, yo, dyo, dh, dl, de, f)                              \
  do {                                                                             \
    V u = xi, ul = K(0);                                                           \
    struct lgv L;                                                                  \
    if (!ONE) {                                                                    \
      u = a * xi;                                                                  \
      ul = FMS(a, xi, u);                                                          \
    }                                                                              \
    L = logistic(u, ul, &t);                                                       \
    f = out_of_range(u);                                                           \
    f |= round2_rel(L.sh, L.sl, K(ERR), &yo);                                      \
    dh = L.gh;                                                                     \
    dl = L.gl;                                                                     \
    if (!ONE) {                                                                    \
      dh = L.gh * a;                                                               \
      dl = FMA(L.gl, a, FMS(L.gh, a, dh));                                         \
    }                                                                              \
    de = ABS(dh) * K(ERR);                                                         \
    f |= round2_rel(dh, dl, K(ERR), &dyo);                                         \
  } while (0)

size_t eng__sigmoid_block512(const double *restrict x, const double *restrict p, size_t n,
                             double *restrict y, double *restrict dy,
                             const double *restrict gy, double *restrict gx,
                             double *restrict redo)
{
  struct tab t = tab_load();
  V a = K(p[0]);
  size_t any = 0;
  LANES_LOOP(SIGMOID_BODY, p[0] == 1);
  return any;
}

/* y = x s(u), y' = s(u) + u G(u), u = beta x exact in two words: the sum cancels near
 * u = -1.2785, so its bound is absolute, from the size of its terms. For 2^-8 <= |beta|
 * <= 2^8 (act_block.c checks): then |y| >= 2^-980 on the lanes taken. */
#define SWISH_BODY(ONE, xi, yo, dyo, dh, dl, de, f)                                \
  do {                                                                             \
    V u = xi, ul = K(0), yh, yl, ph, pl, se;                                       \
    struct lgv L;                                                                  \
    if (!ONE) {                                                                    \
      u = b * xi;                                                                  \
      ul = FMS(b, xi, u);                                                          \
    }                                                                              \
    L = logistic(u, ul, &t);                                                       \
    yh = L.sh * xi;                                                                \
    yl = FMA(L.sl, xi, FMS(L.sh, xi, yh));                                         \
    f = out_of_range(u);                                                           \
    f |= round2_rel(yh, yl, K(ERR), &yo);                                          \
    ph = L.gh * u;                                                                 \
    pl = FMA(L.gl, u, FMS(L.gh, u, ph));                                           \
    if (!ONE)                                                                      \
      pl = FMA(L.gh, ul, pl);                                                      \
    TWO_SUM(L.sh, ph, dh, se);                                                     \
    dl = se + (L.sl + pl);                                                         \
    de = (L.sh + ABS(ph)) * K(ERR);                                                \
    f |= round2(dh, dl, de, &dyo);                                                 \
  } while (0)

size_t eng__swish_block512(const double *restrict x, const double *restrict p, size_t n,
                           double *restrict y, double *restrict dy,
                           const double *restrict gy, double *restrict gx,
                           double *restrict redo)
{
  struct tab t = tab_load();
  V b = K(p[0]);
  size_t any = 0;
  LANES_LOOP(SWISH_BODY, p[0] == 1);
  return any;
}

/* ============================================================= the elu family */

/* M = e^(w + wl) - 1 for w <= 0 from exp_two's pieces, and an absolute bound on its
 * error: where k = 0, n1 + n2 itself (within 2^-52 |w|^3 + 2^-70 |w|); elsewhere
 * E - 1 by a fast TwoSum (|E| < 1) and el, within E's 2^-69.6 E < 2^-69.5 (absolute:
 * near w = -ln2/32 the difference cancels to 0.021), 2^-68 passed. Both bounds also
 * cover a two-word product of M by a double or a two-word constant (2^-102 |M|). */
VINLINE void expm1_two(const struct ex *X, V w, V *mh, V *ml, V *err)
{
  V h, l;
  FAST2SUM(K(-1), X->eh, h, l);
  l = l + X->el;
  *mh = _mm512_mask_blend_pd(X->k0, h, X->n1);
  *ml = _mm512_mask_blend_pd(X->k0, l, X->n2);
  *err = _mm512_mask_blend_pd(X->k0, K(0x1p-68),
                              ABS(w) * FMA(w * w, K(0x1p-52), K(0x1p-70)));
}

/* The lanes x <= 0 (NaN too) outside [-680, -2^-900] (and NaN, and 0, whose
 * derivative is the kink rule's): the element kernel (the tail, and the low words
 * that would lose bits to underflow). */
VINLINE __mmask8 neg_out_of_range(V v)
{
  V av = ABS(v);
  return CMP(av, K(680), _CMP_NLE_UQ) | CMP(av, K(0x1p-900), _CMP_LT_OQ);
}

/* elu: x, 1 for x > 0; y = alpha M(x), y' = alpha e^x at and below 0 (the products
 * within 2^-102). For 2^-8 <= |alpha| <= 2^8 (act_block.c checks): then y' >= 2^-989. */
#define ELU_BODY(ONE, xi, yo, dyo, dh, dl, de, f)                                  \
  do {                                                                             \
    __mmask8 pos = CMP(xi, K(0), _CMP_GT_OQ);                                      \
    struct ex X = exp_two(xi, K(0), 0, &t);                                        \
    V mh, ml, em, yh, yl, nh, nl, ya, da;                                          \
    expm1_two(&X, xi, &mh, &ml, &em);                                              \
    yh = mh;                                                                       \
    yl = ml;                                                                       \
    nh = X.eh;                                                                     \
    nl = X.el;                                                                     \
    if (!ONE) {                                                                    \
      yh = a * mh;                                                                 \
      yl = FMA(a, ml, FMS(a, mh, yh));                                             \
      em = em * ABS(a);                                                            \
      nh = a * X.eh;                                                               \
      nl = FMA(a, X.el, FMS(a, X.eh, nh));                                         \
    }                                                                              \
    f = neg_out_of_range(xi);                                                      \
    f |= round2(yh, yl, em, &ya);                                                  \
    f |= round2_rel(nh, nl, K(ERR), &da);                                          \
    f &= (__mmask8)~pos;                                                           \
    yo = _mm512_mask_blend_pd(pos, ya, xi);                                        \
    dyo = _mm512_mask_blend_pd(pos, da, K(1));                                     \
    dh = _mm512_mask_blend_pd(pos, nh, K(1));                                      \
    dl = _mm512_maskz_mov_pd((__mmask8)~pos, nl);                                  \
    de = _mm512_maskz_mov_pd((__mmask8)~pos, ABS(nh) * K(ERR));                    \
  } while (0)

size_t eng__elu_block512(const double *restrict x, const double *restrict p, size_t n,
                         double *restrict y, double *restrict dy, const double *restrict gy,
                         double *restrict gx, double *restrict redo)
{
  struct tab t = tab_load();
  V a = K(p[0]);
  size_t any = 0;
  LANES_LOOP(ELU_BODY, p[0] == 1);
  return any;
}

/* selu: scale x, scale for x > 0 (scale x within 2^-104: for x in [2^-900, 2^1020],
 * else the element kernel); scale alpha M(x), scale alpha e^x at and below 0, the
 * constants in two words (as in act_block.c), the products within 2^-102. */
#define SELU_BODY(ONE, xi, yo, dyo, dh, dl, de, f)                                 \
  do {                                                                             \
    __mmask8 pos = CMP(xi, K(0), _CMP_GT_OQ), fp;                                  \
    struct ex X = exp_two(xi, K(0), 0, &t);                                        \
    V mh, ml, em, yh, yl, nh, nl, ph, pl, ya, yp, da;                              \
    (void)ONE;                                                                     \
    expm1_two(&X, xi, &mh, &ml, &em);                                              \
    yh = mh * K(SELU_SA_HI);                                                       \
    yl = FMS(mh, K(SELU_SA_HI), yh) + FMA(mh, K(SELU_SA_LO), ml * K(SELU_SA_HI));  \
    nh = X.eh * K(SELU_SA_HI);                                                     \
    nl = FMS(X.eh, K(SELU_SA_HI), nh) + FMA(X.eh, K(SELU_SA_LO), X.el * K(SELU_SA_HI)); \
    ph = xi * K(SELU_SCALE_HI);                                                    \
    pl = FMA(xi, K(SELU_SCALE_LO), FMS(xi, K(SELU_SCALE_HI), ph));                 \
    f = neg_out_of_range(xi);                                                      \
    f |= round2(yh, yl, em * K(2), &ya); /* 2 > scale alpha */                     \
    f |= round2_rel(nh, nl, K(ERR), &da);                                          \
    fp = round2_rel(ph, pl, K(0x1p-100), &yp);                                     \
    fp |= CMP(xi, K(0x1p1020), _CMP_NLE_UQ) | CMP(xi, K(0x1p-900), _CMP_LT_OQ);    \
    f = (__mmask8)((f & ~pos) | (fp & pos));                                       \
    yo = _mm512_mask_blend_pd(pos, ya, yp);                                        \
    dyo = _mm512_mask_blend_pd(pos, da, K(SELU_SCALE_HI));                         \
    dh = _mm512_mask_blend_pd(pos, nh, K(SELU_SCALE_HI));                          \
    dl = _mm512_mask_blend_pd(pos, nl, K(SELU_SCALE_LO)); /* y' = scale, not its   \
                                                              rounding, for grad_x */ \
    de = _mm512_mask_blend_pd(pos, nh * K(ERR), K(0x1p-106));                      \
  } while (0)

size_t eng__selu_block512(const double *restrict x, const double *restrict p, size_t n,
                          double *restrict y, double *restrict dy, const double *restrict gy,
                          double *restrict gx, double *restrict redo)
{
  struct tab t = tab_load();
  size_t any = 0;
  (void)p;
  LANES_LOOP(SELU_BODY, 0);
  return any;
}

/* celu: x, 1 for x > 0; alpha M(v), e^v at and below 0, v = x / alpha in two words
 * (the quotient and the exact residual x - v alpha, over alpha by a product with
 * RN(1/alpha): within 2^-105 |v|, which moves e^v by less than 2^-95). For
 * 2^-8 <= alpha <= 2^8 (act_block.c checks): v <= 0 where x <= 0. */
#define CELU_BODY(ONE, xi, yo, dyo, dh, dl, de, f)                                 \
  do {                                                                             \
    __mmask8 pos = CMP(xi, K(0), _CMP_GT_OQ);                                      \
    V v = xi, vl = K(0), mh, ml, em, yh, yl, ya, da;                               \
    struct ex X;                                                                   \
    if (!ONE) {                                                                    \
      v = xi / a;                                                                  \
      vl = FNMA(v, a, xi) * ra;                                                    \
    }                                                                              \
    X = exp_two(v, vl, 0, &t);                                                     \
    expm1_two(&X, v, &mh, &ml, &em);                                               \
    yh = mh;                                                                       \
    yl = ml;                                                                       \
    if (!ONE) {                                                                    \
      yh = a * mh;                                                                 \
      yl = FMA(a, ml, FMS(a, mh, yh));                                             \
      em = em * ABS(a);                                                            \
    }                                                                              \
    f = neg_out_of_range(v);                                                       \
    f |= round2(yh, yl, em, &ya);                                                  \
    f |= round2_rel(X.eh, X.el, K(ERR), &da);                                      \
    f &= (__mmask8)~pos;                                                           \
    yo = _mm512_mask_blend_pd(pos, ya, xi);                                        \
    dyo = _mm512_mask_blend_pd(pos, da, K(1));                                     \
    dh = _mm512_mask_blend_pd(pos, X.eh, K(1));                                    \
    dl = _mm512_maskz_mov_pd((__mmask8)~pos, X.el);                                \
    de = _mm512_maskz_mov_pd((__mmask8)~pos, X.eh * K(ERR));                       \
  } while (0)

size_t eng__celu_block512(const double *restrict x, const double *restrict p, size_t n,
                          double *restrict y, double *restrict dy, const double *restrict gy,
                          double *restrict gx, double *restrict redo)
{
  struct tab t = tab_load();
  V a = K(p[0]), ra = K(1 / p[0]);
  size_t any = 0;
  LANES_LOOP(CELU_BODY, p[0] == 1);
  return any;
}

/* hard_swish: act_block.c's portable kernel, on eight lanes at a time: on (-3, 3)
 * (NaN too, which flags), y = q + c with q = RN(P / 6 in C6), c the exact residual
 * P - 6q plus Pl, over 6 (P + Pl = x (x + 3) within 2^-105 |P|), within 2^-102 |q|;
 * y' = 1/2 + x/3 in two words from the exact residual x - 3 RN(x C3), within 2^-104
 * (absolute: it passes through 0 at x = -3/2). 0, 0 at and below -3; x, 1 at and
 * above 3 (exact). Below |x| = 2^-900 the low words would lose bits to underflow. */
#define C6 0x1.5555555555555p-3 /* RN(1/6) */
#define C3 0x1.5555555555555p-2 /* RN(1/3) */
#define HARD_SWISH_BODY(ONE, xi, yo, dyo, dh, dl, de, f)                           \
  do {                                                                             \
    __mmask8 mid = CMP(xi, K(-3), _CMP_NLE_UQ) & CMP(xi, K(3), _CMP_NGE_UQ);       \
    __mmask8 top = CMP(xi, K(3), _CMP_GE_OQ);                                      \
    V ah, al, P, Pl, q, c, q3, rem, h, l, ya, da;                                  \
    (void)ONE;                                                                     \
    FAST2SUM(K(3), xi, ah, al); /* exact for |x| < 3 */                            \
    P = xi * ah;                                                                   \
    Pl = FMA(xi, al, FMS(xi, ah, P));                                              \
    q = P * K(C6);                                                                 \
    c = (FNMA(q, K(6), P) + Pl) * K(C6);                                           \
    f = round2_rel(q, c, K(0x1p-100), &ya);                                         \
    q3 = xi * K(C3);                                                               \
    rem = FNMA(q3, K(3), xi);                                                      \
    FAST2SUM(K(0.5), q3, h, l);                                                    \
    l = FMA(rem, K(C3), l);                                                        \
    f |= round2(h, l, K(0x1p-101), &da);                                           \
    f |= CMP(ABS(xi), K(0x1p-900), _CMP_LT_OQ) & CMP(xi, K(0), _CMP_NEQ_UQ);       \
    f &= mid;                                                                      \
    yo = _mm512_mask_blend_pd(mid, _mm512_maskz_mov_pd(top, xi), ya);             \
    dh = _mm512_mask_blend_pd(mid, _mm512_maskz_mov_pd(top, K(1)), h);             \
    dyo = _mm512_mask_blend_pd(mid, dh, da);                                       \
    dl = _mm512_maskz_mov_pd(mid, l);                                              \
    de = _mm512_maskz_mov_pd(mid, K(0x1p-101));                                    \
  } while (0)

size_t eng__hard_swish_block512(const double *restrict x, const double *restrict p, size_t n,
                                double *restrict y, double *restrict dy,
                                const double *restrict gy, double *restrict gx,
                                double *restrict redo)
{
  size_t any = 0;
  (void)p;
  LANES_LOOP(HARD_SWISH_BODY, 0);
  return any;
}
#undef C6
#undef C3

/* rrelu: x, 1 for x > 0; alpha x, alpha at and below 0, alpha = ah + al exactly (the
 * halvings exact, ah in [2^-30, 2^30]: act_block.c checks). ah x + al x in two words
 * (the exact residual of ah x, plus al x, one rounding) within 2^-104 |ah x|, rounded
 * by the two-sided test with a bound of 2^-100; a product below 2^-960 (other than
 * x = 0) loses bits to underflow: the element kernel. At x = +-0, y = x (alpha > 0). */
#define RRELU_BODY(ONE, xi, yo, dyo, dh, dl, de, f)                                \
  do {                                                                             \
    __mmask8 keep = CMP(xi, K(0), _CMP_GE_OQ); /* x > 0, and +-0 */                \
    V ph = xi * rah, pl = FMA(xi, ral, FMS(xi, rah, ph)), ya;                     \
    (void)ONE;                                                                     \
    f = round2_rel(ph, pl, K(0x1p-100), &ya);                                      \
    f |= CMP(ABS(ph), K(0x1p-960), _CMP_LT_OQ);                                    \
    f &= (__mmask8)~keep;                                                          \
    yo = _mm512_mask_blend_pd(keep, ya, xi);                                       \
    __mmask8 gt = CMP(xi, K(0), _CMP_GT_OQ);                                       \
    dyo = _mm512_mask_blend_pd(gt, rah, K(1));                                     \
    dh = dyo;                                                                      \
    dl = _mm512_maskz_mov_pd((__mmask8)~gt, ral); /* grad_x: gy (ah + al) */       \
    de = K(0);                                                                     \
  } while (0)

size_t eng__rrelu_block512(const double *restrict x, const double *restrict p, size_t n,
                           double *restrict y, double *restrict dy,
                           const double *restrict gy, double *restrict gx,
                           double *restrict redo)
{
  size_t any = 0;
  double l = p[0] / 2, u = p[1] / 2, h = l + u, b = h - l;
  V rah = K(h), ral = K((l - (h - b)) + (u - b)); /* TwoSum: alpha = rah + ral exactly */
  LANES_LOOP(RRELU_BODY, 0);
  return any;
}

#pragma GCC pop_options

#endif /* ENG_AVX512 */
