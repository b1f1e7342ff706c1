/*
 * act_gelu.c: GELU (exact, tanh and sigmoid forms) and mish.
 *
 * The tails are where the textbook forms fail: gelu(-10) = -7.6e-23 is not 1 + erf,
 * gelu(-30) = -1.5e-197 is lost if -x / sqrt 2 or x^2 is rounded (2 t^2 ULP). The
 * approximations and mish are written in terms of e^-|w|, in double-double with an
 * error bound, and rounded once (cr.h). The exact form is written as
 * Phi(-a) = e^(-a^2/2) G(a) with G tabulated in two words (gelu_table.c, from
 * tests/gen/gelu_table_gen.c). No HTTP or JSON here.
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
  double ax = fabs(x);
  if (ax >= 24) {
    /* |w| > 0.07 |x|^3 >= 980: t = e^-|w| < 2^-1400. For x > 0, y = x (1 - t...) and
     * y' = 1 - O(x^3 t) round to x and 1; the rest are t times a factor below
     * 4 |x|^5 (y'' for either sign, y and y' for x < 0): zeros of known sign */
    double W = 0.0713 * ax * ax * ax, lg = 5 * log2(ax) + 2;
    if (!(W < INFINITY))
      W = 1e300;
    if (x > 0) {
      c->out[ENG_OUT_Y] = x;
      c->out[ENG_OUT_DY] = 1;
      if (WANT(GRAD_X))
        c->out[ENG_OUT_GRAD_X] = c->gy;
    } else {
      if (WANT(Y) && !cr_tiny_log(c, ENG_OUT_Y, -1, lg, -W))
        cr_slow(c, ENG_OUT_Y);
      if (WANT(DY) && !cr_tiny_log(c, ENG_OUT_DY, -1, lg, -W))
        cr_slow(c, ENG_OUT_DY);
      if (WANT(GRAD_X) &&
          !cr_tiny_log(c, ENG_OUT_GRAD_X, -c->gy, lg + log2(fabs(c->gy) + 0x1p-1074), -W))
        cr_slow(c, ENG_OUT_GRAD_X);
    }
    if (WANT(D2Y) && !cr_tiny_log(c, ENG_OUT_D2Y, -1, lg, -W))
      cr_slow(c, ENG_OUT_D2Y);
    return;
  }
  if (x != 0 && ax < 0x1p-900) {
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
    struct dde wpp = dde_mul_d(dde_mul_d(dde_mul(C2, K), 6), x), a, b;
    a = dde_mul(L.ds, dde_add(dde_mul_d(wp, 2), dde_mul(X, wpp)));
    b = dde_mul(dde_mul(dde_mul(L.ds, L.q), dde_mul(wp, wp)), X);
    cr_put(c, ENG_OUT_D2Y, dde_add(a, b));
  }
  if (WANT(GRAD_X))
    cr_put_gx(c, dy);
}

/* G(a) = e^(a^2/2) Phi(-a) for 0 <= a < 40 from its Taylor series at the centre of
 * a's eighth (gelu_table.c), by Horner in double-double: z = a - c in two words
 * (TwoSum), the bound of the operations carried by struct dde, plus 2^-98 |G| for the
 * table (its truncation and the rounding of its coefficients, below 2^-100). */
ENG_INLINE struct dde gelu_G(double a)
{
  int i = (int)(a * 8);
  const double(*row)[2] = eng__gelu_G[i];
  struct dde z = dde_of(two_sum(a, -(i * 0.125 + 0.0625)), 0);
  struct dde acc = {row[ENG_GELU_DEG][0], row[ENG_GELU_DEG][1], 0};
  for (int n = ENG_GELU_DEG - 1; n >= 0; n--)
    acc = dde_add(dde_mul(acc, z), (struct dde){row[n][0], row[n][1], 0});
  acc.e += fabs(acc.hi) * 0x1p-98;
  return acc;
}

/* Exact form: y = x Phi(x), y' = Phi(x) + x phi(x), y'' = phi(x) (2 - x^2), with
 * phi(x) = e^(-x^2/2) / sqrt(2 pi). With a = |x|, E = e^(-a^2/2) (-a^2/2 exact in two
 * words), G = G(a), H = G - a / sqrt(2 pi):
 *   x < 0: y = x E G,        y' = E H,
 *   x > 0: y = x (1 - E G),  y' = 1 - E H   (y'(x) = 1 - y'(-x)),
 * and y'' = E (2 - a^2) / sqrt(2 pi) (even). Beyond |x| = 40, Phi(-a) < 2^-1150: for
 * x >= 40, y = x, y' = 1 to the last bit and y'' = -0 (its magnitude is below the
 * least subnormal); for x <= -40 y, y' and y'' are -0 likewise, and grad_x
 * (grad_y times a tiny y') comes from the exact path. */
ENG_INLINE void gelu_exact(double x, unsigned want, const struct cr_ctx *c)
{
  static const struct dde K0 = {INV_SQRT_2PI, INV_SQRT_2PI_LO, 0x1p-108};
  double a = fabs(x);
  struct dde E, G, EG, H, dy;
  if (a >= 40) {
    c->out[ENG_OUT_Y] = x > 0 ? x : -0.0;
    c->out[ENG_OUT_DY] = x > 0 ? 1 : -0.0;
    c->out[ENG_OUT_D2Y] = -0.0;
    if (WANT(GRAD_X)) {
      if (x > 0)
        c->out[ENG_OUT_GRAD_X] = c->gy;
      else
        cr_slow(c, ENG_OUT_GRAD_X);
    }
    return;
  }
  {
    struct dd x2 = two_prod(a, a);
    E = dde_exp(dde_of((struct dd){-0.5 * x2.hi, -0.5 * x2.lo}, 0));
    if (E.e == INFINITY) /* e^(-a^2/2) below 2^-960 */
      E = (struct dde){E.hi, E.lo, 0x1p-959};
    G = gelu_G(a);
    EG = dde_mul(E, G);
    H = dde_sub(G, dde_mul_d(K0, a));
    dy = dde_mul(E, H);
    if (x > 0)
      dy = dde_sub(dde_d(1), dy);
    if (WANT(Y))
      cr_put(c, ENG_OUT_Y, x > 0 ? dde_mul_d(dde_sub(dde_d(1), EG), x) : dde_mul_d(EG, x));
    if (WANT(DY))
      cr_put(c, ENG_OUT_DY, dy);
    if (WANT(D2Y)) {
      struct dde d = dde_of(two_sum(2, -x2.hi), 0);
      d = dde_add_d(d, -x2.lo);
      cr_put(c, ENG_OUT_D2Y, dde_mul(dde_mul(E, d), K0));
    }
    if (WANT(GRAD_X))
      cr_put_gx(c, dy);
  }
}

/* y = x Phi(x) exact, or the tanh form, or x sigmoid(1.702 x) (the
 * swish kernel at u = 1.702 x, 1.702 in two words): p[0] = 0, 1, 2. */
ENG_KERNEL void eng__gelu_ew(double x, const double *p, unsigned want, double gy, double *out)
{
  struct cr_ctx c = {&eng__exact_gelu, x, gy, p, out};
  if (p[0] == 0) {
    gelu_exact(x, want, &c);
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
  struct cr_logistic L;
  (void)p;
  if (x <= -746) {
    /* t = e^x < 2^-1076: y = x t (1 + O(t)), y' = (1 + x) t, y'' = (2 + x) t about */
    if (WANT(Y) && !cr_tiny(&c, ENG_OUT_Y, 2 * x, x))
      cr_slow(&c, ENG_OUT_Y);
    if (WANT(DY) && !cr_tiny(&c, ENG_OUT_DY, 2 * (1 + x), x))
      cr_slow(&c, ENG_OUT_DY);
    if (WANT(D2Y) && !cr_tiny(&c, ENG_OUT_D2Y, 2 * (2 + x), x))
      cr_slow(&c, ENG_OUT_D2Y);
    if (WANT(GRAD_X) && !cr_tiny(&c, ENG_OUT_GRAD_X, 2 * gy * (1 + x), x))
      cr_slow(&c, ENG_OUT_GRAD_X);
    return;
  }
  if (x >= 40) {
    /* u = e^-x < 2^-57: y = x (1 - 2u^2 + ...) and y' = 1 + O(x u^2) round to x and 1;
     * y'' = 8 (1 - x) u^2 (1 + O(u)) is computed below, or a zero beyond x = 373 */
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_GRAD_X] = gy;
    if (!WANT(D2Y))
      return;
    if (cr_tiny(&c, ENG_OUT_D2Y, -16 * x, -2 * x))
      return;
    want = ENG_WANT_D2Y;
  }
  L = cr_logistic(X, 0);
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
