/*
 * act_block.c: y and dy/dx (and grad_x = grad_y dy/dx) over a block of elements at
 * once, on vector lanes, each correctly rounded. The loops are free of calls and branches, so the compiler runs
 * them on vector lanes (AVX2, AVX-512); each lane evaluates y and dy/dx to about
 * 2^-70 relative in two words and checks that this decides the rounding (cr.h's test,
 * lane by lane). A lane it does not decide (within 2^-70 of a midpoint, about one in
 * 2^15), or that leaves the ranges written for here (tails, subnormal results, the
 * cancelling neighbourhoods of zeros), is flagged, and the caller gives it to the
 * element kernel (double-double, then the exact path). The piecewise-linear functions
 * are exact in double arithmetic and flag nothing. sigmoid, swish, hard_swish, elu,
 * selu and celu also have kernels written for AVX-512 (act_block512.c);
 * eng__sigmoid_block and the others below choose one at run time, the portable one
 * where the machine lacks AVX-512.
 * No HTTP or JSON here.
 */
#include <math.h>
#include <stdint.h>

#include "exp2w.h"
#include "internal.h"

/* A lane the block form leaves to the element kernel: 1, else 0 (as a double, so that
 * the flags have the width of the data and the loop stays on vector lanes). */
#define REDO(cond) ((cond) ? 1.0 : 0.0)

/* ======================================================= Two-word helpers */

/* (rh, rl) = (ah + al) b, to 2^-104 relative (the result may alias the operands). */
#define MUL_DD_D(ah, al, b, rh, rl)                                               \
  do {                                                                             \
    double a1_ = (ah), a2_ = (al), b2_ = (b), h_;                                  \
    h_ = a1_ * b2_;                                                                \
    rl = fma(a1_, b2_, -h_) + a2_ * b2_;                                           \
    rh = h_;                                                                       \
  } while (0)

/* (rh, rl) = (ah + al)(bh + bl), to 2^-102 relative (the result may alias). */
#define MUL_DD(ah, al, bh, bl, rh, rl)                                            \
  do {                                                                             \
    double a1_ = (ah), a2_ = (al), b1_ = (bh), b2_ = (bl), h_;                     \
    h_ = a1_ * b1_;                                                                \
    rl = fma(a1_, b1_, -h_) + (a1_ * b2_ + a2_ * b1_);                             \
    rh = h_;                                                                       \
  } while (0)

/* ====================================================== Rounding test */

/* The rounding of v = hi + lo known to within err, as in cr.h's cr_round: *out is
 * RN(hi + lo); returns 0 if that is the rounding of every value within err of v
 * (err = 0: v is exact), else 1 (also for inexact results below 2^-1021 and for
 * results that are not finite). hi + lo = s + e exactly (TwoSum). */
ENG_INLINE double lane_round(double hi, double lo, double err, double *out)
{
  double s = hi + lo, bb = s - hi, e = (hi - (s - bb)) + (lo - bb);
  double as = fabs(s), pw = eng__pow2_floor(as);
  double half = pw * 0x1p-53;
  int decided;
  /* below a power of two (towards zero) the doubles are twice as dense */
  half = ((as == pw) & (e * s < 0)) ? half * 0.5 : half;
  decided = ((half - fabs(e)) * (1 - 0x1p-52) > 2 * err) & (as >= 0x1p-1021);
  *out = s;
  return REDO(((decided | (err == 0)) == 0) | !(as <= 0x1.fffffffffffffp1023));
}

/* The same for a value within 2^-69 |v| (ERR below), hi + lo with |lo| <= ulp(hi):
 * then e = lo - (s - hi) is exact (fast TwoSum), 2 err < 2^-67 pw (|v| < 2 pw), and
 * |e| < half - 2 err holds if |e| < pw (2^-53 - 2^-66), or pw (2^-54 - 2^-66) at a
 * power of two. An exact value passes too, unless it is 0 or below 2^-1021. */
ENG_INLINE double lane_round_rel(double hi, double lo, double *out)
{
  double s = hi + lo, e = lo - (s - hi);
  double as = fabs(s), pw = eng__pow2_floor(as);
  double lim = as == pw ? 0x1.ffep-55 : 0x1.fffp-54;
  *out = s;
  return REDO(!(fabs(e) < pw * lim) | !(as >= 0x1p-1021) | !(as <= 0x1.fffffffffffffp1023));
}

/* e^w in two words: exp2w.h (exp_hp). */

/* 1 / (1 + t) for 0 <= t <= 1 in two words, t = th + tl: d = 1 + t = dh + dl exactly
 * (fast TwoSum, then tl), r = 1/dh, and r (1 - r dh - r dl) corrects it to the
 * square of r's error (2^-106). */
#define RECIP1P(th, tl, rh, rl)                                                   \
  do {                                                                             \
    double dh_, dl_;                                                               \
    FAST2SUM(1.0, (th), dh_, dl_);                                                 \
    dl_ += (tl);                                                                   \
    rh = 1 / dh_;                                                                  \
    rl = rh * (fma(-rh, dh_, 1) - rh * dl_);                                       \
  } while (0)

/* The logistic pieces at u + ul, |u| <= 680: t = e^-|u| (and t - 1), s = sigmoid(u),
 * sc = sigmoid(-u), ds = s'(u) = t / (1 + t)^2, each within 2^-71 relative (t's error,
 * not magnified: d(1/(1+t))/dt t/(1/(1+t)) <= 1). */
struct lg {
  double th, tl, mh, ml, sh, sl, ch, cl, dh, dl;
};

ENG_INLINE struct lg logistic_hp(double u, double ul)
{
  struct lg L;
  double rh, rl, qh, ql;
  double w = -fabs(u), wl = u >= 0 ? -ul : ul;
  exp_hp(w, wl, &L.th, &L.tl, &L.mh, &L.ml);
  RECIP1P(L.th, L.tl, rh, rl);
  MUL_DD(L.th, L.tl, rh, rl, qh, ql); /* t / (1 + t) */
  L.sh = u >= 0 ? rh : qh;
  L.sl = u >= 0 ? rl : ql;
  L.ch = u >= 0 ? qh : rh;
  L.cl = u >= 0 ? ql : rl;
  MUL_DD(rh, rl, qh, ql, L.dh, L.dl); /* s (1 - s) = t / (1 + t)^2 */
  return L;
}

/* ln(1 + t) for 0 <= t <= 1, t = th + tl, within 2^-70 relative:
 *   c = 1 + j/64 nearest 1 + t, z = (t - j/64 + tl) / c (t - j/64 exact), |z| < 2^-7,
 *   ln(1 + t) = ln c + z - z^2/2 + z^3 (1/3 - z/4 + ... - z^7/10) (the next term is
 *   below 2^-73 of the sum), ln c from the table in two words, z and z^2/2 in two
 *   words, the rest (below 2^-22) in doubles. */
static const double log_tab[65][2] = {
  {0x0.0p+0, 0x0.0p+0},
  {0x1.fc0a8b0fc03e4p-7, -0x1.83092c59642a1p-62},
  {0x1.f829b0e783300p-6, 0x1.33e3f04f1ef23p-60},
  {0x1.77458f632dcfcp-5, 0x1.18d3ca87b9296p-59},
  {0x1.f0a30c01162a6p-5, 0x1.85f325c5bbacdp-59},
  {0x1.341d7961bd1d1p-4, -0x1.b599f227becbbp-58},
  {0x1.6f0d28ae56b4cp-4, -0x1.906d99184b992p-58},
  {0x1.a926d3a4ad563p-4, 0x1.942f48aa70ea9p-58},
  {0x1.e27076e2af2e6p-4, -0x1.61578001e0162p-60},
  {0x1.0d77e7cd08e59p-3, 0x1.9a5dc5e9030acp-57},
  {0x1.29552f81ff523p-3, 0x1.301771c407dbfp-57},
  {0x1.44d2b6ccb7d1ep-3, 0x1.9f4f6543e1f88p-57},
  {0x1.5ff3070a793d4p-3, -0x1.bc60efafc6f6ep-58},
  {0x1.7ab890210d909p-3, 0x1.be36b2d6a0608p-59},
  {0x1.9525a9cf456b4p-3, 0x1.d904c1d4e2e26p-57},
  {0x1.af3c94e80bff3p-3, -0x1.398cff3641985p-58},
  {0x1.c8ff7c79a9a22p-3, -0x1.4f689f8434012p-57},
  {0x1.e27076e2af2e6p-3, -0x1.61578001e0162p-59},
  {0x1.fb9186d5e3e2bp-3, -0x1.caaae64f21acbp-57},
  {0x1.0a324e27390e3p-2, 0x1.7dcfde8061c03p-56},
  {0x1.1675cababa60ep-2, 0x1.ce63eab883717p-61},
  {0x1.22941fbcf7966p-2, -0x1.76f5eb09628afp-56},
  {0x1.2e8e2bae11d31p-2, -0x1.8f4cdb95ebdf9p-56},
  {0x1.3a64c556945eap-2, -0x1.c68651945f97cp-57},
  {0x1.4618bc21c5ec2p-2, 0x1.f42decdeccf1dp-56},
  {0x1.51aad872df82dp-2, 0x1.3927ac19f55e3p-59},
  {0x1.5d1bdbf5809cap-2, 0x1.4236383dc7fe1p-56},
  {0x1.686c81e9b14afp-2, -0x1.ddea0f7f58e3dp-57},
  {0x1.739d7f6bbd007p-2, -0x1.8c76ceb014b04p-56},
  {0x1.7eaf83b82afc3p-2, 0x1.92ce979ed2950p-56},
  {0x1.89a3386c1425bp-2, -0x1.29639dfbbf0fbp-56},
  {0x1.947941c2116fbp-2, -0x1.16cc8bae0bbe4p-56},
  {0x1.9f323ecbf984cp-2, -0x1.a92e513217f5cp-59},
  {0x1.a9cec9a9a084ap-2, -0x1.cadec02b436afp-56},
  {0x1.b44f77bcc8f63p-2, -0x1.cd04495459c78p-56},
  {0x1.beb4d9da71b7cp-2, -0x1.0f3c590a887cap-59},
  {0x1.c8ff7c79a9a22p-2, -0x1.4f689f8434012p-56},
  {0x1.d32fe7e00ebd5p-2, 0x1.877b232fafa37p-56},
  {0x1.dd46a04c1c4a1p-2, -0x1.0467656d8b892p-56},
  {0x1.e744261d68788p-2, -0x1.c825c90c344b9p-58},
  {0x1.f128f5faf06edp-2, -0x1.328df13bb38c3p-56},
  {0x1.faf588f78f31fp-2, -0x1.328260d8abca0p-57},
  {0x1.02552a5a5d0ffp-1, -0x1.cb1cb51408c00p-56},
  {0x1.0723e5c1cdf40p-1, 0x1.395e58e2445bbp-55},
  {0x1.0be72e4252a83p-1, -0x1.259da11330801p-55},
  {0x1.109f39e2d4c97p-1, -0x1.0e09b27a4373ap-60},
  {0x1.154c3d2f4d5eap-1, -0x1.59c33171a6876p-55},
  {0x1.19ee6b467c96fp-1, -0x1.9d1a11443f10cp-56},
  {0x1.1e85f5e7040d0p-1, 0x1.ef62cd2f9f1e3p-56},
  {0x1.23130d7bebf43p-1, -0x1.f48725e374d6ep-55},
  {0x1.2795e1289b11bp-1, -0x1.487c0c246978ep-57},
  {0x1.2c0e9ed448e8cp-1, -0x1.1a158f3917586p-55},
  {0x1.307d7334f10bep-1, 0x1.fb590a1f566dap-57},
  {0x1.34e289d9ce1d3p-1, 0x1.6eb92d885ce4fp-57},
  {0x1.393e0d3562a1ap-1, -0x1.58eef67f2483ap-55},
  {0x1.3d9026a7156fbp-1, -0x1.6fef670bd4b62p-55},
  {0x1.41d8fe84672aep-1, 0x1.9192f30bd1806p-55},
  {0x1.4618bc21c5ec2p-1, 0x1.f42decdeccf1dp-55},
  {0x1.4a4f85db03ebbp-1, 0x1.13dfa3d3761b6p-60},
  {0x1.4e7d811b75bb1p-1, -0x1.8d3d9ea6e9ea9p-55},
  {0x1.52a2d265bc5abp-1, -0x1.1883750ea4d0ap-57},
  {0x1.56bf9d5b3f399p-1, 0x1.0471885cd8ff3p-55},
  {0x1.5ad404c359f2dp-1, -0x1.35955683f7196p-59},
  {0x1.5ee02a9241675p-1, 0x1.c358257f49082p-55},
  {0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56},
};

ENG_INLINE void log1p_hp(double th, double tl, double *lh, double *ll)
{
  double jd = th * 64 + SHIFT; /* j = round(64 t), in the low bits */
  int64_t j = (int64_t)(eng__bits(jd) - eng__bits(SHIFT));
  double c, nh, zh, zl, q, qh, ql, a1, a2, small, s, e, ch, cl, bb;
  jd -= SHIFT;
  c = 1 + jd * 0x1p-6;
  nh = th - jd * 0x1p-6;
  zh = nh / c;
  zl = (fma(-zh, c, nh) + tl) / c;
  ch = log_tab[j][0];
  cl = log_tab[j][1];
  q = -0.1;
  q = fma(q, zh, 1.0 / 9);
  q = fma(q, zh, -0.125);
  q = fma(q, zh, 1.0 / 7);
  q = fma(q, zh, -1.0 / 6);
  q = fma(q, zh, 0.2);
  q = fma(q, zh, -0.25);
  q = fma(q, zh, 0x1.5555555555555p-2);
  qh = zh * (zh * 0.5);
  ql = fma(zh, zh * 0.5, -qh);
  FAST2SUM(zh, -qh, a1, a2);
  small = a2 + ((zl - ql) - zh * zl + (zh * zh) * (zh * q));
  s = ch + a1; /* TwoSum: ln c may be 0 */
  bb = s - ch;
  e = (ch - (s - bb)) + (a1 - bb);
  FAST2SUM(s, e + (cl + small), *lh, *ll);
}

/* =========================================================== The kernels */

#define ERR 0x1p-69 /* the relative bound used for the two-word values above */

/* The loop of a block kernel: the body (the arguments after SETUP) sets yh, yl, ye (y's value and bound), dh, dl, de
 * and bad (1 where the lane is outside the ranges written for). */
/* The same for a value within 2^-98 |v| (two-word quotients and products of exact
 * terms), or exact where lo = 0: the test is only that v is not a midpoint to within
 * 2^-95 of an ulp. */
ENG_INLINE double lane_round_fine(double hi, double lo, double *out)
{
  double s = hi + lo, e = lo - (s - hi);
  double as = fabs(s), pw = eng__pow2_floor(as);
  double lim = as == pw ? 0x1.ffffffffp-55 : 0x1.ffffffffp-54;
  *out = s;
  return REDO(((fabs(e) < pw * lim) & (as >= 0x1p-1021) & (as <= 0x1.fffffffffffffp1023)) == 0
              ? lo != 0 : 0);
}

/* The rounding of v = hi + lo known to within |err| (err of either sign), where |err|
 * also covers 2^-53 (|lo| + |err|), the roundings of lo - err and lo + err: rounding
 * to nearest is monotonic, so if hi + (lo - err) and hi + (lo + err) (each one
 * rounding of an exact sum) round to the same double, so do v and the exact value
 * between them, powers of two and subnormal results included. *out is that double;
 * returns 0, else 1 (a midpoint lies in between, or is too close; NaN also flags).
 * Infinite results pass: the kernels' ranges keep them out where they would be wrong.
 * Five operations where the tests above take a dozen. */
ENG_INLINE double lane_round2(double hi, double lo, double err, double *out)
{
  double a = hi + (lo - err), b = hi + (lo + err);
  *out = a;
  return REDO(a != b);
}

/* grad_x = gy f'(x) near underflow or overflow: flagged (1), else 0. Below 2^-960 the
 * second word of the product, or of f'(x) (which a huge gy brings back to the normal
 * range), loses bits to underflow, and a bound |gy| de underflows to 0 (which the
 * tests read as exact); an exact 0 (gy = 0, or f'(x) = 0 exactly) passes. */
ENG_INLINE double gx_range(double gh, double g, double dh, double dl)
{
  double ag = fabs(gh), zero = g == 0 ? 1.0 : 0.0, out; /* selects of doubles: lanes */
  zero = dh == 0 ? (dl == 0 ? 1.0 : zero) : zero;
  out = ag >= 0x1p-960 ? 0.0 : 1.0;
  out = ag <= 0x1.fffffffffffffp1023 ? out : 1.0;
  out = fabs(dh) >= 0x1p-960 ? out : 1.0;
  return zero != 0 ? 0.0 : out;
}

#define TEST_REL(h, l, e, out) lane_round_rel(h, l, out) /* e = |h| ERR or 0 */
#define TEST_TWO(h, l, e, out) lane_round2(h, l, e, out) /* |e| >= the bound, see above */
#define TEST_FINE(h, l, e, out) lane_round_fine(h, l, out) /* e <= 2^-98 |h|, 0 if l = 0 */
#define TEST_ABS(h, l, e, out) lane_round(h, l, e, out)
#define BLOCK_KERNEL(stem, YTEST, DTEST, SETUP, ...)                                           \
  ENG_BLOCK_KERNEL size_t eng__##stem##_block(                                    \
    const double *restrict x, const double *restrict p, size_t n, double *restrict y, \
    double *restrict dy, const double *restrict gy, double *restrict gx,           \
    double *restrict redo)                                                         \
  {                                                                                \
    uint64_t any = 0; /* a sum of integers: the vectorizer may reorder it */        \
    SETUP;                                                                         \
    if (gx == NULL) {                                                              \
      for (size_t i = 0; i < n; i++) {                                             \
        double xi = x[i], yh, yl, ye, dh, dl, de, bad, f;                          \
        __VA_ARGS__;                                                               \
        (void)ye;                                                                  \
        (void)de;                                                                  \
        f = YTEST(yh, yl, ye, &y[i]);                                              \
        f += DTEST(dh, dl, de, &dy[i]);                                            \
        redo[i] = REDO((f + bad) != 0);                                            \
        any += redo[i] != 0;                                                       \
      }                                                                            \
    } else { /* and grad_x = gy f'(x): the two-word f'(x) times gy, rounded once */ \
      for (size_t i = 0; i < n; i++) {                                             \
        double xi = x[i], yh, yl, ye, dh, dl, de, bad, f, g = gy[i], gh, gl;       \
        __VA_ARGS__;                                                               \
        (void)ye;                                                                  \
        (void)de;                                                                  \
        f = YTEST(yh, yl, ye, &y[i]);                                              \
        f += DTEST(dh, dl, de, &dy[i]);                                            \
        MUL_DD_D(dh, dl, g, gh, gl);                                               \
        f += DTEST(gh, gl, fabs(g) * de, &gx[i]);                                  \
        f += gx_range(gh, g, dh, dl);                                              \
        redo[i] = REDO((f + bad) != 0);                                            \
        any += redo[i] != 0;                                                       \
      }                                                                            \
    }                                                                              \
    return any;                                                                    \
  }

/* y = sigmoid(a x), y' = a s'(a x); u = a x exact in two words. */
BLOCK_KERNEL(sigmoid_portable, TEST_REL, TEST_REL, double a = p[0],
  double u = a * xi; double ul = fma(a, xi, -u); double au = fabs(u);
  bad = REDO(!(au <= 680) | (au < 0x1p-900));
  struct lg L = logistic_hp(bad != 0 ? 0 : u, bad != 0 ? 0 : ul);
  yh = L.sh; yl = L.sl; ye = fabs(yh) * ERR;
  MUL_DD_D(L.dh, L.dl, a, dh, dl); de = fabs(dh) * ERR;)

/* y = x s(u), y' = s(u) + u s'(u), u = beta x: the sum cancels near u = -1.2785, so
 * its bound is absolute, from the size of its terms. */
ENG_INLINE void swish_lane(double xi, double u, double ul, double *yh, double *yl, double *ye,
                           double *dh, double *dl, double *de, double *bad)
{
  double au = fabs(u), ph, pl, S, bb, Se;
  *bad = REDO(!(au <= 680) | (au < 0x1p-900));
  struct lg L = logistic_hp(*bad != 0 ? 0 : u, *bad != 0 ? 0 : ul);
  MUL_DD_D(L.sh, L.sl, xi, *yh, *yl);
  *ye = fabs(*yh) * ERR;
  MUL_DD(L.dh, L.dl, u, ul, ph, pl);
  S = L.sh + ph;
  bb = S - L.sh;
  Se = (L.sh - (S - bb)) + (ph - bb);
  *dh = S;
  *dl = Se + (L.sl + pl);
  *de = (fabs(L.sh) + fabs(ph)) * ERR;
}

BLOCK_KERNEL(swish_portable, TEST_REL, TEST_ABS, double b = p[0],
  double u = b * xi; double ul = fma(b, xi, -u);
  swish_lane(xi, u, ul, &yh, &yl, &ye, &dh, &dl, &de, &bad);)

/* sigmoid and swish: the AVX-512 kernels (act_block512.c) where the machine runs them
 * and the parameter is in their range, else the portable ones above. */
#ifdef ENG_AVX512
ENG_INLINE int use512(double a)
{
  return fabs(a) >= 0x1p-8 && fabs(a) <= 0x1p8 && eng__avx512();
}
#endif

/* eng__<stem>_block: the AVX-512 kernel where the machine runs it and WHEN (of p)
 * holds, else the portable one. */
#ifdef ENG_AVX512
#define CHOOSE512(stem, WHEN)                                                      \
  size_t eng__##stem##_block(const double *x, const double *p, size_t n, double *y,  \
                             double *dy, const double *gy, double *gx, double *redo) \
  {                                                                                \
    if (WHEN)                                                                      \
      return eng__##stem##_block512(x, p, n, y, dy, gy, gx, redo);                 \
    return eng__##stem##_portable_block(x, p, n, y, dy, gy, gx, redo);            \
  }
#else
#define CHOOSE512(stem, WHEN)                                                      \
  size_t eng__##stem##_block(const double *x, const double *p, size_t n, double *y,  \
                             double *dy, const double *gy, double *gx, double *redo) \
  {                                                                                \
    return eng__##stem##_portable_block(x, p, n, y, dy, gy, gx, redo);            \
  }
#endif

CHOOSE512(sigmoid, use512(p[0]))

CHOOSE512(swish, use512(p[0]))

/* tanh x = sign(x) (1 - t) / (1 + t), tanh' = 4 t / (1 + t)^2, t = e^-2|x|, with
 * 1 - t = -(e^-2|x| - 1) from exp_hp, never a cancelling difference. */
BLOCK_KERNEL(tanh, TEST_REL, TEST_REL, (void)p,
  double ax = fabs(xi); bad = REDO(!(ax <= 340) | (ax < 0x1p-26));
  double th, tl, mh, ml, rh, rl, r2h, r2l;
  exp_hp(bad != 0 ? -1 : -2 * ax, 0, &th, &tl, &mh, &ml);
  RECIP1P(th, tl, rh, rl);
  MUL_DD(-mh, -ml, rh, rl, yh, yl); yh = copysign(yh, xi); yl = xi < 0 ? -yl : yl;
  ye = fabs(yh) * ERR;
  MUL_DD(rh, rl, rh, rl, r2h, r2l);
  MUL_DD(th, tl, r2h, r2l, dh, dl); dh *= 4; dl *= 4; de = fabs(dh) * ERR;)

/* softplus: y = (max(u, 0) + ln(1 + e^-|u|)) / beta, y' = s(u), u = beta x. */
BLOCK_KERNEL(softplus, TEST_REL, TEST_REL, double b = p[0],
  double u = b * xi; double ul = fma(b, xi, -u); double au = fabs(u);
  bad = REDO(!(au <= 680) | (au < 0x1p-900));
  struct lg L = logistic_hp(bad != 0 ? 0 : u, bad != 0 ? 0 : ul);
  double lh, ll, sh, sl, bb, q;
  log1p_hp(L.th, L.tl, &lh, &ll);
  double up = u > 0 ? u : 0, upl = u > 0 ? ul : 0;
  sh = up + lh; bb = sh - up; sl = ((up - (sh - bb)) + (lh - bb)) + (upl + ll);
  q = sh / b; yh = q; yl = (fma(-q, b, sh) + sl) / b; ye = fabs(yh) * ERR;
  dh = L.sh; dl = L.sl; de = fabs(dh) * ERR;)

/* log_sigmoid: y = -ln(1 + e^-|x|) + min(x, 0), y' = sigmoid(-x). */
BLOCK_KERNEL(log_sigmoid, TEST_ABS, TEST_REL, (void)p,
  double ax = fabs(xi); bad = REDO(!(ax <= 680));
  struct lg L = logistic_hp(bad != 0 ? 0 : xi, 0);
  double lh, ll, m = xi < 0 ? xi : 0, bb;
  log1p_hp(L.th, L.tl, &lh, &ll);
  yh = m - lh; bb = yh - m; yl = ((m - (yh - bb)) + (-lh - bb)) - ll;
  ye = (fabs(m) + fabs(lh)) * ERR;
  dh = L.ch; dl = L.cl; de = fabs(dh) * ERR;)

/* elu: x for x > 0, alpha (e^x - 1) otherwise; y' = 1 or alpha e^x. */
BLOCK_KERNEL(elu_portable, TEST_REL, TEST_REL, double a = p[0],
  double th, tl, mh, ml; bad = xi >= -680 ? 0.0 : 1.0; bad = xi == 0 ? 1.0 : bad;
  double pos = xi > 0 ? 1.0 : 0.0, neg = 1 - pos;
  double xe = xi > 0 ? 0 : xi; xe = bad != 0 ? 0 : xe;
  exp_hp(xe, 0, &th, &tl, &mh, &ml);
  MUL_DD_D(mh, ml, a, yh, yl); MUL_DD_D(th, tl, a, dh, dl);
  /* blends by 0/1 factors, exact (one term is 0): selects of pairs stop the vectorizer */
  yh = xi * pos + yh * neg; yl *= neg; ye = 0;
  dh = pos + dh * neg; dl *= neg; de = 0;)

/* selu: scale x, or scale alpha (e^x - 1); y' = scale, or scale alpha e^x; scale and
 * scale alpha in two words (within 2^-107 of the 32-digit constants). */
#define SELU_SCALE_HI 0x1.0cfabd6a91132p+0
#define SELU_SCALE_LO 0x1.6fc7d272f2695p-55
#define SELU_SA_HI 0x1.c212cc640f031p+0
#define SELU_SA_LO 0x1.05161b045a1fep-56
BLOCK_KERNEL(selu_portable, TEST_REL, TEST_REL, (void)p,
  double th, tl, mh, ml, ph, pl; bad = xi >= -680 ? 0.0 : 1.0; bad = xi == 0 ? 1.0 : bad;
  bad = xi <= 0x1p1020 ? bad : 1.0;
  double pos = xi > 0 ? 1.0 : 0.0, neg = 1 - pos;
  double xe = xi > 0 ? 0 : xi; xe = bad != 0 ? 0 : xe;
  double xp = xi > 0 ? xi : 0; xp = bad != 0 ? 0 : xp;
  exp_hp(xe, 0, &th, &tl, &mh, &ml);
  MUL_DD(mh, ml, SELU_SA_HI, SELU_SA_LO, yh, yl); MUL_DD(th, tl, SELU_SA_HI, SELU_SA_LO, dh, dl);
  MUL_DD_D(SELU_SCALE_HI, SELU_SCALE_LO, xp, ph, pl);
  yh = ph * pos + yh * neg; yl = pl * pos + yl * neg; ye = 0;
  /* y' = scale for x > 0: its two words, for grad_x = grad_y scale rounded once */
  dh = SELU_SCALE_HI * pos + dh * neg; dl = SELU_SCALE_LO * pos + dl * neg; de = 0;)

/* celu: x for x >= 0, alpha (e^v - 1) with v = x / alpha (two words) otherwise;
 * y' = 1 or e^v. */
BLOCK_KERNEL(celu_portable, TEST_REL, TEST_REL, double a = p[0],
  double th, tl, mh, ml; double v = xi / a; double vl = fma(-v, a, xi) / a;
  bad = fabs(v) <= 680 ? 0.0 : 1.0; bad = fabs(v) < 0x1p-900 ? 1.0 : bad;
  bad = xi > 0 ? 0.0 : bad;
  double pos = xi > 0 ? 1.0 : 0.0, neg = 1 - pos;
  double ve = xi > 0 ? 0 : v; ve = bad != 0 ? 0 : ve;
  double vle = xi > 0 ? 0 : vl; vle = bad != 0 ? 0 : vle;
  exp_hp(ve, vle, &th, &tl, &mh, &ml);
  MUL_DD_D(mh, ml, a, yh, yl);
  yh = xi * pos + yh * neg; yl *= neg; ye = 0;
  dh = pos + th * neg; dl = tl * neg; de = 0;)

/* elu, selu and celu: the AVX-512 kernels (act_block512.c) where the machine runs
 * them and alpha is in their range (for celu, positive), else the ones above. */
CHOOSE512(elu, use512(p[0]))

CHOOSE512(selu, eng__avx512())

CHOOSE512(celu, p[0] > 0 && use512(p[0])) /* x / alpha <= 0 where x <= 0 */

/* softsign: y = x / (1 + |x|), y' = 1 / (1 + |x|)^2; 1 + |x| exact in two words, its
 * reciprocal corrected to 2^-104. */
BLOCK_KERNEL(softsign, TEST_REL, TEST_REL, (void)p,
  double ax = fabs(xi); bad = REDO(!(ax <= 0x1p500) | (ax < 0x1p-900));
  double s = 1 + ax, bb = s - 1, e = (1 - (s - bb)) + (ax - bb), r, rl;
  r = 1 / s; rl = r * (fma(-r, s, 1) - r * e);
  MUL_DD_D(r, rl, xi, yh, yl); ye = fabs(yh) * 0x1p-98;
  MUL_DD(r, rl, r, rl, dh, dl); de = fabs(dh) * 0x1p-98;)

/* tanhshrink: y = x - tanh x, y' = tanh^2 x. Below |x| = 1/16, where the difference
 * cancels, y = x^3 P(x^2) with
 *   P(z) = 1/3 - 2z/15 + 17z^2/315 - 62z^3/2835 + 1382z^4/155925 - ...
 * (to z^7; the next term is below 2^-75 of 1/3), its first two coefficients in two
 * words, z = x^2 exact in two words; tanh x = x - y there. */
BLOCK_KERNEL(tanhshrink, TEST_ABS, TEST_REL, (void)p,
  double ax = fabs(xi); bad = REDO(!(ax <= 340) | (ax < 0x1p-300));
  int small = ax < 0.0625;
  double th, tl, mh, ml, rh, rl, t2h, t2l, bb;
  double we = small ? -1 : -2 * ax; we = bad != 0 ? -1 : we;
  exp_hp(we, 0, &th, &tl, &mh, &ml);
  RECIP1P(th, tl, rh, rl);
  MUL_DD(-mh, -ml, rh, rl, t2h, t2l); /* tanh |x| */
  /* large: y = |x| - tanh|x| */
  double Yh = ax - t2h; bb = Yh - ax; double Yl = ((ax - (Yh - bb)) + (-t2h - bb)) - t2l;
  /* small: the series */
  double zh = xi * xi, zl = fma(xi, xi, -zh), q, Ah, Al, Ph, Pe, x3h, x3l, sh, sl;
  q = -0.000590027440945586;
  q = fma(q, zh, 0.0014558343870513183);
  q = fma(q, zh, -0.003592128036572481);
  q = fma(q, zh, 0.008863235529902197);
  q = fma(q, zh, -0.021869488536155203);
  q = fma(q, zh, 0.05396825396825397);
  Ah = -0x1.1111111111111p-3 * zh;
  Al = fma(-0x1.1111111111111p-3, zh, -Ah) + (-0x1.1111111111111p-59 * zh - 0x1.1111111111111p-3 * zl);
  FAST2SUM(0x1.5555555555555p-2, Ah, Ph, Pe);
  Pe += 0x1.5555555555555p-56 + Al + (zh * zh) * q;
  MUL_DD_D(zh, zl, xi, x3h, x3l);
  MUL_DD(x3h, x3l, Ph, Pe, sh, sl);
  yh = small ? sh : copysign(Yh, xi); yl = small ? sl : (xi < 0 ? -Yl : Yl);
  ye = small ? fabs(sh) * ERR : fabs(t2h) * ERR;
  /* tanh x: t2 (large), or x - y (small, no cancellation) */
  double Th = small ? xi - sh : t2h, Tl;
  bb = Th - xi; Tl = small ? ((xi - (Th - bb)) + (-sh - bb)) - sl : t2l;
  /* renormalised: sl holds the series past its first terms (up to 2^-19 of sh), and
   * the square below drops Tl^2, which would reach 2^-56 of it */
  FAST2SUM(Th, Tl, Th, Tl);
  MUL_DD(Th, Tl, Th, Tl, dh, dl); de = fabs(dh) * ERR;)

/* mish: y = x T, y' = T + x s S, T = tanh(softplus(x)), S = 1 - T^2, s = sigmoid(x):
 * for x <= 0, t = e^x: T = n / D, n = t (t + 2), D = n + 2, S = 4 (1 + n) / D^2;
 * for x > 0, u = e^-x: T = n / D, n = 1 + 2u, D = n + 2u^2, S = 4 (u (1 + u))^2 / D^2.
 * The sum of y' cancels near x = -1.19: its bound is absolute. */
BLOCK_KERNEL(mish, TEST_REL, TEST_ABS, (void)p,
  double ax = fabs(xi); bad = REDO(!(ax <= 680) | (ax < 0x1p-900));
  struct lg L = logistic_hp(bad != 0 ? 0 : xi, 0);
  double t = L.th, tl = L.tl, nh, nl, Dh, Dl, Th, Tl, Sh, Sl, ah, al, bb, e1, e2;
  /* x <= 0: n = t (t + 2); x > 0: n = 1 + 2u */
  FAST2SUM(2.0, t, ah, al); al += tl;
  MUL_DD(t, tl, ah, al, e1, e2);
  double n2h, n2l; FAST2SUM(1.0, 2 * t, n2h, n2l); n2l += 2 * tl;
  nh = xi <= 0 ? e1 : n2h; nl = xi <= 0 ? e2 : n2l;
  /* D = n + 2 or n + 2u^2 */
  double uu, uul; MUL_DD(t, tl, t, tl, uu, uul);
  double addh = xi <= 0 ? 2 : 2 * uu, addl = xi <= 0 ? 0 : 2 * uul;
  Dh = nh + addh; bb = Dh - nh; Dl = ((nh - (Dh - bb)) + (addh - bb)) + (nl + addl);
  Th = nh / Dh; Tl = (fma(-Th, Dh, nh) + nl - Th * Dl) / Dh;
  /* S numerator: 4 (1 + n) or 4 (u (1 + u))^2 */
  double w1h, w1l; FAST2SUM(1.0, t, w1h, w1l); w1l += tl;
  double w2h, w2l; MUL_DD(t, tl, w1h, w1l, w2h, w2l);
  double w3h, w3l; MUL_DD(w2h, w2l, w2h, w2l, w3h, w3l);
  double n1h, n1l; FAST2SUM(1.0, nh, n1h, n1l); n1l += nl;
  double Nh = 4 * (xi <= 0 ? n1h : w3h), Nl = 4 * (xi <= 0 ? n1l : w3l);
  double D2h, D2l; MUL_DD(Dh, Dl, Dh, Dl, D2h, D2l);
  Sh = Nh / D2h; Sl = (fma(-Sh, D2h, Nh) + Nl - Sh * D2l) / D2h;
  MUL_DD_D(Th, Tl, xi, yh, yl); ye = fabs(yh) * ERR;
  double ph, pl, S, Se;
  MUL_DD(L.sh, L.sl, Sh, Sl, ph, pl); MUL_DD_D(ph, pl, xi, ph, pl);
  S = Th + ph; bb = S - Th; Se = (Th - (S - bb)) + (ph - bb);
  dh = S; dl = Se + (Tl + pl); de = (fabs(Th) + fabs(ph)) * ERR;)

/* hard_swish on (-3, 3) (NaN too, which flags):
 *   y = x (x + 3) / 6: x + 3 = ah + al exactly (fast TwoSum, |x| < 3), P + Pl = x ah +
 *   x al within 2^-105 |P| (TwoProduct, then x al by an fma); q = RN(P C6), C6 =
 *   RN(1/6), leaves an exact residual r = P - 6q (|r| < 9 2^-53 |q|: fma), and
 *   (r + Pl) C6 adds the rest, y within 2^-102 |q| (2^-100 |q| is passed to the test);
 *   y' = 1/2 + x/3: q3 = RN(x C3), C3 = RN(1/3), x - 3 q3 exact (fma), 1/2 + q3 exact
 *   in two words (fast TwoSum, |q3| < 1), the residual over 3 added by one fma: within
 *   2^-104 (absolute: y' passes through 0 at x = -3/2, where the sum cancels; 2^-101
 *   is passed, which also covers grad_x's product with grad_y).
 * 0, 0 at and below -3; x, 1 at and above 3 (exact). Below |x| = 2^-900 the low words
 * would lose bits to underflow: the element kernel. */
#define C6 0x1.5555555555555p-3
#define C3 0x1.5555555555555p-2
BLOCK_KERNEL(hard_swish_portable, TEST_TWO, TEST_TWO, (void)p,
  double mid = xi > -3 ? 1.0 : 0.0; /* 0/1 of the width of the data; NaN: 0, then NaN */
  mid = xi < 3 ? mid : 0.0;
  double ah, al, P, Pl, q, r, c, q3, rem, h, l, top;
  /* on (-3, 3); the other lanes' values are not taken */
  FAST2SUM(3.0, xi, ah, al);
  P = xi * ah;
  Pl = fma(xi, al, fma(xi, ah, -P));
  q = P * C6;
  r = fma(-q, 6, P);
  c = (r + Pl) * C6;
  q3 = xi * C3;
  rem = fma(-q3, 3, xi);
  FAST2SUM(0.5, q3, h, l);
  l = fma(rem, C3, l);
  bad = fabs(xi) < 0x1p-900 ? 1.0 : 0.0; bad = xi == 0 ? 0.0 : bad;
  top = xi >= 3 ? 1.0 : 0.0; /* x, 1 at and above 3 (x = -inf: NaN, which flags) */
  yh = mid != 0 ? q : xi * top; yl = mid != 0 ? c : 0; ye = mid != 0 ? q * 0x1p-100 : 0;
  /* blends by 0/1 factors (selects here stop the vectorizer in the grad_x loop); an
   * infinite x gives NaN, which flags */
  dh = h * mid + top; dl = l * mid; de = 0x1p-101 * mid;)
#undef C6
#undef C3

/* hard_swish: the AVX-512 kernel (act_block512.c) where the machine runs it. */
CHOOSE512(hard_swish, eng__avx512())

/* gelu, tanh form: y = x s(w), y' = s(w) + x s'(w) w', w = 2c (x + k x^3),
 * w' = 2c (1 + 3k x^2), c = sqrt(2/pi), k = 0.044715, both in two words. The sum of
 * y' cancels near x = -0.7525: its bound is absolute. */
#define TWO_C_HI 0x1.9884533d43651p+0
#define TWO_C_LO (-0x1.cbc0d30ebfd15p-54)
#define K_HI 0x1.6e4e26d4801f7p-5
#define K_LO 0x1.441355475a31ap-59
ENG_INLINE void gelu_tanh_lane(double xi, double *yh, double *yl, double *ye, double *dh,
                               double *dl, double *de, double *bad)
{
  double ax = fabs(xi), x2h = xi * xi, x2l = fma(xi, xi, -x2h), kh, kl, a1, a2, wh, wl, bb;
  double vh, vl, wph, wpl, ph, pl, S, Se;
  *bad = REDO(!(ax <= 20) | (ax < 0x1p-400));
  MUL_DD(x2h, x2l, K_HI, K_LO, kh, kl);
  a1 = 1 + kh; bb = a1 - 1; a2 = ((1 - (a1 - bb)) + (kh - bb)) + kl;
  MUL_DD_D(a1, a2, xi, vh, vl);
  MUL_DD(vh, vl, TWO_C_HI, TWO_C_LO, wh, wl);
  struct lg L = logistic_hp(*bad != 0 ? 0 : wh, *bad != 0 ? 0 : wl);
  MUL_DD_D(L.sh, L.sl, xi, *yh, *yl);
  *ye = fabs(*yh) * ERR;
  {
    double k3 = 3 * kh, k3e = fma(3, kh, -k3); /* 3 k x^2 in two words: 3 kh rounds */
    a1 = 1 + k3;
    bb = a1 - 1;
    a2 = ((1 - (a1 - bb)) + (k3 - bb)) + (k3e + 3 * kl);
  }
  MUL_DD(a1, a2, TWO_C_HI, TWO_C_LO, wph, wpl);
  MUL_DD(L.dh, L.dl, wph, wpl, ph, pl);
  MUL_DD_D(ph, pl, xi, ph, pl);
  S = L.sh + ph; bb = S - L.sh; Se = (L.sh - (S - bb)) + (ph - bb);
  *dh = S;
  *dl = Se + (L.sl + pl);
  *de = (fabs(L.sh) + fabs(ph)) * ERR;
}

/* gelu, exact form, |x| < 36.8 (a^2/2 < 680): with a = |x|, E = e^(-a^2/2) (exp_hp, -a^2/2 exact in
 * two words), G(a) = e^(a^2/2) Phi(-a) from the Taylor series of gelu_table.c at the
 * centre c of a's eighth (z = a - c in two words, |z| <= 1/16; terms to z^20, the
 * next below 2^-80 of G; the terms from z^4 on in doubles, within 2^-72; the first
 * four in two words), H = G - a / sqrt(2 pi):
 *   x < 0: y = x E G, y' = E H;  x >= 0: y = x (1 - E G), y' = 1 - E H.
 * E H cancels near x = -0.7518 (the zero of y'): y''s bound is absolute. */
#define K0_HI 0x1.9884533d43651p-2 /* 1 / sqrt(2 pi), two words */
#define K0_LO (-0x1.cbc0d30ebfd15p-56)
ENG_INLINE void gelu_exact_lane(double xi, double *yh, double *yl, double *ye, double *dh,
                                double *dl, double *de, double *bad)
{
  double a = fabs(xi), am, id, c, zh, zl, bb, q, s3h, s3l, s2h, s2l, s1h, s1l, Gh, Gl, th, tl;
  double x2h, x2l, Eh, El, mh, ml, EGh, EGl, kh, kl, Hh, Hl, EHh, EHl, neg;
  int64_t i;
  *bad = a < 36.8 ? 0.0 : 1.0;
  am = *bad != 0 ? 1.0 : a;
  id = am * 8 - 0.5 + SHIFT; /* floor(8a), or the eighth below at a tie: |z| <= 1/16 */
  i = (int64_t)(eng__bits(id) - eng__bits(SHIFT));
  id -= SHIFT;
  c = id * 0.125 + 0.0625;
  zh = am - c;
  bb = zh - am;
  zl = (am - (zh - bb)) + (-c - bb);
  /* row i starts at 54 i in the flat table; a flat index is what gathers take */
  int64_t r0 = (i << 5) + (i << 4) + (i << 2) + (i << 1);
  const double *tab = &eng__gelu_G[0][0][0];
#define GC(n) tab[r0 + 2 * (n)]      /* coefficient n, high word */
#define GCL(n) tab[r0 + 2 * (n) + 1] /* and low word */
  q = fma(GC(20), zh, GC(19));
  q = fma(q, zh, GC(18));
  q = fma(q, zh, GC(17));
  q = fma(q, zh, GC(16));
  q = fma(q, zh, GC(15));
  q = fma(q, zh, GC(14));
  q = fma(q, zh, GC(13));
  q = fma(q, zh, GC(12));
  q = fma(q, zh, GC(11));
  q = fma(q, zh, GC(10));
  q = fma(q, zh, GC(9));
  q = fma(q, zh, GC(8));
  q = fma(q, zh, GC(7));
  q = fma(q, zh, GC(6));
  q = fma(q, zh, GC(5));
  q = fma(q, zh, GC(4));
  /* c3 + z q, then c2 + z s3, c1 + z s2, c0 + z s1, in two words */
  s3h = GC(3) + zh * q;
  s3l = (GC(3) - s3h) + zh * q + GCL(3);
  MUL_DD(zh, zl, s3h, s3l, th, tl);
  FAST2SUM(GC(2), th, s2h, s2l); s2l += tl + GCL(2);
  MUL_DD(zh, zl, s2h, s2l, th, tl);
  FAST2SUM(GC(1), th, s1h, s1l); s1l += tl + GCL(1);
  MUL_DD(zh, zl, s1h, s1l, th, tl);
  FAST2SUM(GC(0), th, Gh, Gl); Gl += tl + GCL(0);
#undef GC
#undef GCL
  x2h = am * am;
  x2l = fma(am, am, -x2h);
  exp_hp(-0.5 * x2h, -0.5 * x2l, &Eh, &El, &mh, &ml);
  MUL_DD(Eh, El, Gh, Gl, EGh, EGl);
  MUL_DD_D(K0_HI, K0_LO, am, kh, kl);
  Hh = Gh - kh; bb = Hh - Gh; Hl = ((Gh - (Hh - bb)) + (-kh - bb)) + (Gl - kl);
  MUL_DD(Eh, El, Hh, Hl, EHh, EHl);
  neg = xi < 0 ? 1.0 : 0.0;
  /* x < 0: x E G and E H; x >= 0: x (1 - E G) and 1 - E H (blends by 0/1 factors) */
  double omh, oml, y1h, y1l, y2h, y2l, d2h, d2l;
  FAST2SUM(1.0, -EGh, omh, oml); oml -= EGl;
  MUL_DD_D(EGh, EGl, xi, y1h, y1l);
  MUL_DD_D(omh, oml, xi, y2h, y2l);
  *yh = y1h * neg + y2h * (1 - neg);
  *yl = y1l * neg + y2l * (1 - neg);
  *ye = fabs(*yh) * ERR;
  d2h = 1 - EHh; bb = d2h - 1; d2l = ((1 - (d2h - bb)) + (-EHh - bb)) - EHl;
  *dh = EHh * neg + d2h * (1 - neg);
  *dl = EHl * neg + d2l * (1 - neg);
  *de = (Eh * (fabs(Gh) + kh) + (1 - neg)) * ERR;
  *bad = fabs(xi) < 0x1p-500 ? 1.0 : *bad;
}

BLOCK_KERNEL(gelu_exact, TEST_REL, TEST_ABS, (void)p,
  gelu_exact_lane(xi, &yh, &yl, &ye, &dh, &dl, &de, &bad);)
BLOCK_KERNEL(gelu_tanh, TEST_REL, TEST_ABS, (void)p,
  gelu_tanh_lane(xi, &yh, &yl, &ye, &dh, &dl, &de, &bad);)
/* the sigmoid form: swish at u = 1.702 x, 1.702 in two words (u within 2^-104) */
#define SIG_K_HI 0x1.b3b645a1cac08p+0
#define SIG_K_LO 0x1.89374bc6a7efap-55
BLOCK_KERNEL(gelu_sigmoid, TEST_REL, TEST_ABS, (void)p,
  double u, ul; MUL_DD_D(SIG_K_HI, SIG_K_LO, xi, u, ul);
  swish_lane(xi, u, ul, &yh, &yl, &ye, &dh, &dl, &de, &bad);)

/* gelu: the exact form (p[0] = 0), the tanh form (1) and the sigmoid form (2). */
size_t eng__gelu_block(const double *x, const double *p, size_t n, double *y, double *dy,
                       const double *gy, double *gx, double *redo)
{
  if (p[0] == 0)
    return eng__gelu_exact_block(x, p, n, y, dy, gy, gx, redo);
  if (p[0] == 1)
    return eng__gelu_tanh_block(x, p, n, y, dy, gy, gx, redo);
  return eng__gelu_sigmoid_block(x, p, n, y, dy, gy, gx, redo);
}

/* rrelu: y = x, 1 for x > 0; alpha x, alpha below, alpha = lower/2 + upper/2 = ah + al
 * exactly (TwoSum of exact halvings; other bounds flag every lane x <= 0); grad_x is
 * gy (ah + al), rounded once. The second word of x = -0 is -0, so that y = -0 there,
 * the sign of the product. */
BLOCK_KERNEL(rrelu_portable, TEST_FINE, TEST_FINE,
  double l = p[0]; double uu = p[1];
  double halves = (l == 0 || fabs(l) >= 0x1p-1021) && (uu == 0 || fabs(uu) >= 0x1p-1021);
  double ah = l / 2 + uu / 2; double bb0 = ah - l / 2;
  double al = (l / 2 - (ah - bb0)) + (uu / 2 - bb0),
  double pos = xi > 0 ? 1.0 : 0.0, neg = 1 - pos, ph, pl;
  double xn = xi > 0 ? 0 : xi;
  MUL_DD_D(ah, al, xn, ph, pl);
  pl = xn == 0 ? -0.0 : pl;
  bad = fabs(xn) < 0x1p-900 ? 1.0 : 0.0; bad = xn == 0 ? 0.0 : bad;
  bad = halves != 0 ? bad : neg;
  yh = xi * pos + ph * neg; yl = pl * neg; ye = fabs(ph) * 0x1p-100 * neg;
  dh = pos + ah * neg; dl = al * neg; de = 0;) /* grad_x: gy (ah + al), rounded once */

/* rrelu: the AVX-512 kernel (act_block512.c) where the machine runs it and alpha's
 * halvings are exact, its high word in [2^-30, 2^30]. */
#ifdef ENG_AVX512
ENG_INLINE int rrelu512(const double *p)
{
  double ah = p[0] / 2 + p[1] / 2;
  return (p[0] == 0 || fabs(p[0]) >= 0x1p-1021) && (p[1] == 0 || fabs(p[1]) >= 0x1p-1021) &&
         ah >= 0x1p-30 && ah <= 0x1p30;
}
#endif
CHOOSE512(rrelu, eng__avx512() && rrelu512(p))

/* ------------------------------------------------- exact in double arithmetic */

/* The loop of an exact kernel: the body sets y[i] and dy[i]; nothing is flagged. */
#define EXACT_KERNEL(stem, SETUP, ...)                                           \
  ENG_BLOCK_KERNEL size_t eng__##stem##_block(                                    \
    const double *restrict x, const double *restrict p, size_t n, double *restrict y, \
    double *restrict dy, const double *restrict gy, double *restrict gx,           \
    double *restrict redo)                                                         \
  {                                                                                \
    SETUP;                                                                         \
    for (size_t i = 0; i < n; i++) {                                               \
      double xi = x[i];                                                            \
      __VA_ARGS__;                                                                 \
      redo[i] = 0;                                                                 \
    }                                                                              \
    if (gx != NULL) /* f'(x) is a double: one rounding */                          \
      for (size_t i = 0; i < n; i++)                                               \
        gx[i] = gy[i] * dy[i];                                                     \
    return 0;                                                                      \
  }

EXACT_KERNEL(identity, (void)p, y[i] = xi; dy[i] = 1;)
EXACT_KERNEL(step, (void)p, y[i] = xi > 0 ? 1 : 0; dy[i] = 0;)
EXACT_KERNEL(relu, (void)p, y[i] = xi > 0 ? xi : 0; dy[i] = xi > 0 ? 1 : 0;)
EXACT_KERNEL(relu6, (void)p,
  int in = (xi > 0) & (xi < 6); y[i] = xi > 0 ? (xi < 6 ? xi : 6) : 0; dy[i] = in ? 1 : 0;)
EXACT_KERNEL(leaky_relu, double a = p[0],
  y[i] = xi > 0 ? xi : a * xi; dy[i] = xi > 0 ? 1 : a;)
EXACT_KERNEL(hard_tanh, double lo = p[0]; double hi = p[1],
  y[i] = xi < lo ? lo : xi > hi ? hi : xi; dy[i] = ((xi > lo) & (xi < hi)) ? 1 : 0;)
EXACT_KERNEL(threshold, double th = p[0]; double v = p[1],
  y[i] = xi > th ? xi : v; dy[i] = xi > th ? 1 : 0;)
EXACT_KERNEL(thresholded_relu, double th = p[0],
  y[i] = xi > th ? xi : 0; dy[i] = xi > th ? 1 : 0;)
EXACT_KERNEL(hardshrink, double l = p[0],
  int pass = fabs(xi) > l; y[i] = pass ? xi : 0; dy[i] = pass ? 1 : 0;)
EXACT_KERNEL(softshrink, double l = p[0],
  y[i] = xi > l ? xi - l : xi < -l ? xi + l : 0; dy[i] = fabs(xi) > l ? 1 : 0;)

/* hard_sigmoid: t = RN(slope x + offset) (one fma), clipped to [0, 1]; inside the ramp
 * y' = slope. On a corner (t = 0 or 1) the exact slope x + offset may be just inside:
 * the residual of the fma (TwoProduct, TwoSum) has the sign that decides. */
EXACT_KERNEL(hard_sigmoid, double s = p[0]; double o = p[1],
  double t = fma(s, xi, o); double ph = s * xi; double pl = fma(s, xi, -ph);
  double sm = ph + o; double bb = sm - ph;
  double sl = (ph - (sm - bb)) + (o - bb);
  double res = (sm - t) + (sl + pl);
  int inside = ((t > 0) & (t < 1)) | ((t == 0) & (res > 0)) | ((t == 1) & (res < 0));
  y[i] = t <= 0 ? 0 : t >= 1 ? 1 : t; dy[i] = inside ? s : 0;)
