/*
 * act_gelu.c: GELU (exact, tanh and sigmoid forms) and mish.
 *
 * The tails are where the textbook forms fail: gelu(-10) = -7.6e-23 is not 1 + erf,
 * gelu(-30) = -1.5e-197 is lost if -x / sqrt 2 or x^2 is rounded (2 t^2 ULP). The
 * approximations and mish are written in terms of e^-|w|, in double-double with an
 * error bound, and rounded once (cr.h). The exact form (erfc) has no double-double
 * evaluation here: its outputs come from the exact path. No HTTP or JSON here.
 */
#include <math.h>

#include "cr.h"
#include "dd.h"
#include "internal.h"

#define WANT(bit) (want & ENG_WANT_##bit)

#define INV_SQRT_2PI 0x1.9884533d43651p-2     /* 1 / sqrt(2 pi), two words */
#define INV_SQRT_2PI_LO (-0x1.cbc0d30ebfd15p-56)
#define TWO_C_HI 0x1.9884533d43651p+0         /* 2 sqrt(2 / pi), two words */
#define TWO_C_LO (-0x1.cbc0d30ebfd15p-54)
#define K_HI 0x1.6e4e26d4801f7p-5             /* 0.044715, two words */
#define K_LO 0x1.441355475a31ap-59
#define SIG_K_HI 0x1.b3b645a1cac08p+0           /* 1.702, two words */
#define SIG_K_LO 0x1.89374bc6a7efap-55



#define WANT(bit) (want & ENG_WANT_##bit)

ENG_INLINE void all_slow(const struct cr_ctx *c, unsigned want)
{
  for (unsigned o = ENG_OUT_Y; o <= ENG_OUT_D2Y; o++)
    if (want & (1u << o))
      cr_slow(c, o);
  if (WANT(GRAD_X))
    cr_slow(c, ENG_OUT_GRAD_X);
}

/* tanh form: y = (x/2)(1 + tanh(v)), v = sqrt(2/pi)(x + 0.044715 x^3), which is
 * x sigmoid(w), w = 2 v = 2c (x + k x^3), c = sqrt(2/pi), k = 0.044715, so
 *   y' = s + x s' w', y'' = s' (2 w' + x w'') + x s'' w'^2,
 *   w' = 2c (1 + 3k x^2), w'' = 12 c k x, s'' = s' (1 - 2 s),
 * with 2c and k in two words (within 2^-106 of the constants). */
ENG_INLINE void gelu_tanh(double x, unsigned want, const struct cr_ctx *c)
{
  static const struct dde C2 = {TWO_C_HI, TWO_C_LO, 0x1p-104};
  static const struct dde K = {K_HI, K_LO, 0x1p-110};
  struct dde X = dde_d(x), x2, kx2, w, wp, dy;
  struct cr_logistic L;
  if (fabs(x) > 0x1p300 || (x != 0 && fabs(x) < 0x1p-900)) {
    all_slow(c, want);
    return;
  }
  x2 = dde_of(two_prod(x, x), fabs(x) < 0x1p-480 ? 0x1p-1073 : 0);
  kx2 = dde_mul(x2, K);
  w = dde_mul(dde_mul_d(dde_add_d(kx2, 1), x), C2);
  wp = dde_mul(dde_add_d(dde_mul_d(kx2, 3), 1), C2);
  L = cr_logistic(w, WANT(D2Y));
  dy = dde_add(L.s, dde_mul(dde_mul_d(L.ds, x), wp));
  if (WANT(Y))
    cr_put(c, ENG_OUT_Y, dde_mul_d(L.s, x));
  if (WANT(DY))
    cr_put(c, ENG_OUT_DY, dy);
  if (WANT(D2Y)) {
    struct dde wpp = dde_mul_d(dde_mul(C2, K), 6 * x), a, b;
    a = dde_mul(L.ds, dde_add(dde_mul_d(wp, 2), dde_mul(X, wpp)));
    b = dde_mul(dde_mul(dde_mul(L.ds, L.q), dde_mul(wp, wp)), X);
    cr_put(c, ENG_OUT_D2Y, dde_add(a, b));
  }
  if (WANT(GRAD_X))
    cr_put_gx(c, dy);
}

/* y = x Phi(x) exact (the exact path), or the tanh form, or x sigmoid(1.702 x) (the
 * swish kernel at u = 1.702 x, 1.702 in two words): p[0] = 0, 1, 2. */
ENG_KERNEL void eng__gelu_ew(double x, const double *p, unsigned want, double gy, double *out)
{
  struct cr_ctx c = {&eng__exact_gelu, x, gy, p, out};
  if (p[0] == 0) {
    all_slow(&c, want);
  } else if (p[0] == 1) {
    gelu_tanh(x, want, &c);
  } else {
    static const struct dde K17 = {SIG_K_HI, SIG_K_LO, 0x1p-106};
    if (!isfinite(x * SIG_K_HI) || (x != 0 && fabs(x) < 0x1p-900))
      all_slow(&c, want);
    else
      eng__swish_at(x, dde_mul_d(K17, x), K17, want & ~ENG_WANT_DP, &c);
  }
}

/* mish: y = x T, T = tanh(softplus(x)), S = 1 - T^2, s = sigmoid(x):
 *   y' = T + x s S,   y'' = 2 s S + x s' S - 2 x s^2 T S.
 * For x <= 0, with t = e^x: T = n / D, n = t (t + 2), D = n + 2, S = 4 (1 + n) / D^2;
 * for x > 0, with u = e^-x: T = (1 + 2u) / E, E = 1 + 2u + 2u^2,
 * S = 4 u^2 (1 + u)^2 / E^2: no difference of nearly equal terms in T or S. */
ENG_KERNEL void eng__mish_ew(double x, const double *p, unsigned want, double gy, double *out)
{
  struct cr_ctx c = {&eng__exact_mish, x, gy, p, out};
  struct dde X = dde_d(x), T, S, dy;
  struct cr_logistic L = cr_logistic(X, 0);
  (void)p;
  if (x <= 0) {
    struct dde n = dde_mul(L.t, dde_add_d(L.t, 2)), D = dde_add_d(n, 2);
    T = dde_div(n, D);
    S = dde_div(dde_mul_d(dde_add_d(n, 1), 4), dde_mul(D, D));
  } else {
    struct dde u = L.t, n = dde_add_d(dde_mul_d(u, 2), 1);
    struct dde E = dde_add(n, dde_mul_d(dde_mul(u, u), 2)), w = dde_mul(dde_add_d(u, 1), u);
    T = dde_div(n, E);
    S = dde_div(dde_mul_d(dde_mul(w, w), 4), dde_mul(E, E));
  }
  dy = dde_add(T, dde_mul_d(dde_mul(L.s, S), x));
  if (WANT(Y))
    cr_put(&c, ENG_OUT_Y, dde_mul_d(T, x));
  if (WANT(DY))
    cr_put(&c, ENG_OUT_DY, dy);
  if (WANT(D2Y)) {
    struct dde a = dde_mul_d(dde_mul(L.s, S), 2), b = dde_mul_d(dde_mul(L.ds, S), x);
    struct dde d = dde_mul_d(dde_mul(dde_mul(dde_mul(L.s, L.s), T), S), 2 * x);
    cr_put(&c, ENG_OUT_D2Y, dde_sub(dde_add(a, b), d));
  }
  if (WANT(GRAD_X))
    cr_put_gx(&c, dy);
}
