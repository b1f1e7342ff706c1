/*
 * exp2w.h: e^w in two words for the kernels (exp_hp, within 2^-72 relative), from a
 * table of 2^(j/64); inlined into each build of its callers (act_block.c's lane
 * kernels, act_vector.c's rows), so that fma is the machine's instruction there.
 */
#ifndef NEUROND_ENGINE_EXP2W_H
#define NEUROND_ENGINE_EXP2W_H

#include <stdint.h>

#include "internal.h"

/* s + e = a + b exactly, for |a| >= |b| (or a = 0). */
#define FAST2SUM(a, b, s, e)                                                      \
  do {                                                                             \
    double a_ = (a), b_ = (b);                                                     \
    s = a_ + b_;                                                                   \
    e = b_ - (s - a_);                                                             \
  } while (0)

#define LN2_64_HI 0x1.62e42fefa0000p-7 /* 36 bits: k LN2_64_HI is exact for |k| < 2^17 */
#define LN2_64_LO 0x1.cf79abc9e3b3ap-46
#define INV_LN2_64 0x1.71547652b82fep+6
#define SHIFT 0x1.8p52 /* adding it rounds to an integer in the low bits */

/* 2^(j/64), j = 0 .. 63, in two words (within 2^-106) */
static const double exp_tab[64][2] = {
{0x1.0000000000000p+0, 0x0.0p+0},
  {0x1.02c9a3e778061p+0, -0x1.19083535b085dp-56},
  {0x1.059b0d3158574p+0, 0x1.d73e2a475b465p-55},
  {0x1.0874518759bc8p+0, 0x1.186be4bb284ffp-57},
  {0x1.0b5586cf9890fp+0, 0x1.8a62e4adc610bp-54},
  {0x1.0e3ec32d3d1a2p+0, 0x1.03a1727c57b53p-59},
  {0x1.11301d0125b51p+0, -0x1.6c51039449b3ap-54},
  {0x1.1429aaea92de0p+0, -0x1.32fbf9af1369ep-54},
  {0x1.172b83c7d517bp+0, -0x1.19041b9d78a76p-55},
  {0x1.1a35beb6fcb75p+0, 0x1.e5b4c7b4968e4p-55},
  {0x1.1d4873168b9aap+0, 0x1.e016e00a2643cp-54},
  {0x1.2063b88628cd6p+0, 0x1.dc775814a8495p-55},
  {0x1.2387a6e756238p+0, 0x1.9b07eb6c70573p-54},
  {0x1.26b4565e27cddp+0, 0x1.2bd339940e9d9p-55},
  {0x1.29e9df51fdee1p+0, 0x1.612e8afad1255p-55},
  {0x1.2d285a6e4030bp+0, 0x1.0024754db41d5p-54},
  {0x1.306fe0a31b715p+0, 0x1.6f46ad23182e4p-55},
  {0x1.33c08b26416ffp+0, 0x1.32721843659a6p-54},
  {0x1.371a7373aa9cbp+0, -0x1.63aeabf42eae2p-54},
  {0x1.3a7db34e59ff7p+0, -0x1.5e436d661f5e3p-56},
  {0x1.3dea64c123422p+0, 0x1.ada0911f09ebcp-55},
  {0x1.4160a21f72e2ap+0, -0x1.ef3691c309278p-58},
  {0x1.44e086061892dp+0, 0x1.89b7a04ef80d0p-59},
  {0x1.486a2b5c13cd0p+0, 0x1.3c1a3b69062f0p-56},
  {0x1.4bfdad5362a27p+0, 0x1.d4397afec42e2p-56},
  {0x1.4f9b2769d2ca7p+0, -0x1.4b309d25957e3p-54},
  {0x1.5342b569d4f82p+0, -0x1.07abe1db13cadp-55},
  {0x1.56f4736b527dap+0, 0x1.9bb2c011d93adp-54},
  {0x1.5ab07dd485429p+0, 0x1.6324c054647adp-54},
  {0x1.5e76f15ad2148p+0, 0x1.ba6f93080e65ep-54},
  {0x1.6247eb03a5585p+0, -0x1.383c17e40b497p-54},
  {0x1.6623882552225p+0, -0x1.bb60987591c34p-54},
  {0x1.6a09e667f3bcdp+0, -0x1.bdd3413b26456p-54},
  {0x1.6dfb23c651a2fp+0, -0x1.bbe3a683c88abp-57},
  {0x1.71f75e8ec5f74p+0, -0x1.16e4786887a99p-55},
  {0x1.75feb564267c9p+0, -0x1.0245957316dd3p-54},
  {0x1.7a11473eb0187p+0, -0x1.41577ee04992fp-55},
  {0x1.7e2f336cf4e62p+0, 0x1.05d02ba15797ep-56},
  {0x1.82589994cce13p+0, -0x1.d4c1dd41532d8p-54},
  {0x1.868d99b4492edp+0, -0x1.fc6f89bd4f6bap-54},
  {0x1.8ace5422aa0dbp+0, 0x1.6e9f156864b27p-54},
  {0x1.8f1ae99157736p+0, 0x1.5cc13a2e3976cp-55},
  {0x1.93737b0cdc5e5p+0, -0x1.75fc781b57ebcp-57},
  {0x1.97d829fde4e50p+0, -0x1.d185b7c1b85d1p-54},
  {0x1.9c49182a3f090p+0, 0x1.c7c46b071f2bep-56},
  {0x1.a0c667b5de565p+0, -0x1.359495d1cd533p-54},
  {0x1.a5503b23e255dp+0, -0x1.d2f6edb8d41e1p-54},
  {0x1.a9e6b5579fdbfp+0, 0x1.0fac90ef7fd31p-54},
  {0x1.ae89f995ad3adp+0, 0x1.7a1cd345dcc81p-54},
  {0x1.b33a2b84f15fbp+0, -0x1.2805e3084d708p-57},
  {0x1.b7f76f2fb5e47p+0, -0x1.5584f7e54ac3bp-56},
  {0x1.bcc1e904bc1d2p+0, 0x1.23dd07a2d9e84p-55},
  {0x1.c199bdd85529cp+0, 0x1.11065895048ddp-55},
  {0x1.c67f12e57d14bp+0, 0x1.2884dff483cadp-54},
  {0x1.cb720dcef9069p+0, 0x1.503cbd1e949dbp-56},
  {0x1.d072d4a07897cp+0, -0x1.cbc3743797a9cp-54},
  {0x1.d5818dcfba487p+0, 0x1.2ed02d75b3707p-55},
  {0x1.da9e603db3285p+0, 0x1.c2300696db532p-54},
  {0x1.dfc97337b9b5fp+0, -0x1.1a5cd4f184b5cp-54},
  {0x1.e502ee78b3ff6p+0, 0x1.39e8980a9cc8fp-55},
  {0x1.ea4afa2a490dap+0, -0x1.e9c23179c2893p-54},
  {0x1.efa1bee615a27p+0, 0x1.dc7f486a4b6b0p-54},
  {0x1.f50765b6e4540p+0, 0x1.9d3e12dd8a18bp-54},
  {0x1.fa7c1819e90d8p+0, 0x1.74853f3a5931ep-55},
};

/* e^(w + wl) for -680 <= w <= 709 (|wl| <= 2^-40 |w|) as eh + el, and e^(w + wl) - 1
 * as mh + ml, both within 2^-72 relative (below e^-680 the second word would lose
 * bits to underflow):
 *   w = k ln2/64 + r, |r| <= ln2/128 < 2^-7.5, r = rh + rl (w - k LN2_64_HI exact:
 *   k LN2_64_HI is exact and the fma difference fits in 53 bits; then k LN2_64_LO
 *   added and the pair renormalised, |rl| <= ulp(rh));
 *   e^r - 1 = rh + rh^2/2 + rh^3 q(rh) + rl (1 + rh), q to rh^4/7! (the next term,
 *   rh^8/8!, is below 2^-75 of 1); rh^2/2 exact by TwoProduct, rh + rh^2/2 by a fast
 *   TwoSum, the rest (below 2^-23) in doubles, within 2^-76;
 *   e^w = 2^(k/64) (1 + m), 2^(k/64) = 2^e T[j] from the table, T (1 + m_hi) in two
 *   words from exact products.
 * e^w - 1 is the series itself for k = 0, else 2^e T (1 + m) - 1 by an exact TwoSum
 * (|e^w - 1| > 2^-7 there, so it does not cancel by more than 2^7). */
ENG_INLINE void exp_hp(double w, double wl, double *eh, double *el, double *mh, double *ml)
{
  double kd = fma(w, INV_LN2_64, SHIFT);
  int64_t k = (int64_t)(eng__bits(kd) - eng__bits(SHIFT));
  double rh, rl, q, qh, ql, m1, m2, small, ph, pl, s, se, lo, scale, th, tl;
  int64_t j = k & 63, e = k >> 6;
  kd -= SHIFT;
  rh = fma(-kd, LN2_64_HI, w);
  rl = fma(-kd, LN2_64_LO, wl);
  /* k LN2_64_LO reaches 2^-33: renormalised, so that rl's products with powers of r
   * other than the first are below 2^-75 */
  FAST2SUM(rh, rl, q, ph);
  rh = q;
  rl = ph;
  q = 0x1.a01a01a01a01ap-13;              /* 1/7! */
  q = fma(q, rh, 0x1.6c16c16c16c17p-10);  /* 1/6! */
  q = fma(q, rh, 0x1.1111111111111p-7);   /* 1/5! */
  q = fma(q, rh, 0x1.5555555555555p-5);   /* 1/4! */
  q = fma(q, rh, 0x1.5555555555555p-3);   /* 1/3! */
  qh = rh * (rh * 0.5);
  ql = fma(rh, rh * 0.5, -qh);
  FAST2SUM(rh, qh, m1, m2);               /* rh + rh^2/2 = m1 + m2 */
  small = m2 + (ql + (rh * rh) * (rh * q) + fma(rl, rh, rl));
  th = exp_tab[j][0];
  tl = exp_tab[j][1];
  /* T (1 + m1 + small) = T_hi + T_hi m1 + (T_hi small + T_lo (1 + m)) */
  ph = th * m1;
  pl = fma(th, m1, -ph);
  FAST2SUM(th, ph, s, se);
  lo = se + (pl + fma(th, small, tl * (1 + m1)));
  /* renormalised (lo reaches 2^-25 of s, through rh^3 q): the callers' two-word
   * arithmetic takes |lo| <= ulp(hi) */
  FAST2SUM(s, lo, s, lo);
  scale = eng__of_bits((uint64_t)(e + 1023) << 52);
  *eh = s * scale;
  *el = lo * scale;
  {
    double a = *eh - 1, bb = a - *eh, b, m3, m4; /* TwoSum(eh, -1), in either order */
    b = ((*eh - (a - bb)) + (-1 - bb)) + *el;
    FAST2SUM(m1, small, m3, m4);
    FAST2SUM(a, b, a, b);
    *mh = k == 0 ? m3 : a;
    *ml = k == 0 ? m4 : b;
  }
}

#endif /* NEUROND_ENGINE_EXP2W_H */
