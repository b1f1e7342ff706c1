/*
 * taylor_gen.c: writes src/engine/taylor_data.c, the Taylor series of taylor.h, from
 * the definitions alone, in MPFR (tests/lib/jet.c):
 *
 *   cc -O2 -Iinclude -Itests/lib tests/gen/taylor_gen.c tests/lib/jet.c -lmpfr -lgmp \
 *      -o /tmp/taylor_gen && /tmp/taylor_gen > src/engine/taylor_data.c
 *
 * For each series: the zero u0 of f^(d) in a bracket, by bisection at 400 bits; then
 * the jet of f at u0 with d + n + 1 terms gives f^(d)(u0 + h) = sum_k a_k h^k with
 * a_k = c_(k+d) (k+d)! / k!. The radius is where the everyday formula stops
 * cancelling; the number of terms makes the truncation below 2^-60 of the result
 * across the window, which the program checks and prints.
 */
#include <stdio.h>
#include <string.h>

#include "jet.h"

#define PREC 400

typedef void fn(struct jet *y, const struct jet *x);

static void const_str(struct jet *r, const char *s)
{
  mpfr_t v;
  mpfr_init2(v, PREC);
  mpfr_set_str(v, s, 10, MPFR_RNDN);
  jet_const(r, v);
  mpfr_clear(v);
}

/* u sigmoid(u) */
static void f_swish(struct jet *y, const struct jet *x)
{
  struct jet s;
  jet_init(&s);
  jet_logistic(&s, NULL, x);
  jet_mul(y, x, &s);
  jet_clear(&s);
}

/* x erfc(-x / sqrt 2) / 2 */
static void f_gelu(struct jet *y, const struct jet *x)
{
  struct jet t, c;
  mpfr_t k;
  jet_init(&t);
  jet_init(&c);
  mpfr_init2(k, PREC);
  mpfr_sqrt_ui(k, 2, MPFR_RNDN);
  mpfr_ui_div(k, 1, k, MPFR_RNDN);
  mpfr_neg(k, k, MPFR_RNDN);
  jet_const(&c, k);
  jet_mul(&t, x, &c);
  jet_erfc(&t, &t);
  jet_mul(y, x, &t);
  jet_mul_d(y, y, 0.5);
  mpfr_clear(k);
  jet_clear(&t);
  jet_clear(&c);
}

/* x sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3)) */
static void f_gelu_tanh(struct jet *y, const struct jet *x)
{
  struct jet w, c;
  mpfr_t k;
  jet_init(&w);
  jet_init(&c);
  mpfr_init2(k, PREC);
  const_str(&c, "0.044715");
  jet_mul(&w, x, x);
  jet_mul(&w, &w, &c);
  jet_add_d(&w, &w, 1);
  jet_mul(&w, &w, x);
  mpfr_const_pi(k, MPFR_RNDN);
  mpfr_ui_div(k, 2, k, MPFR_RNDN);
  mpfr_sqrt(k, k, MPFR_RNDN);
  mpfr_mul_ui(k, k, 2, MPFR_RNDN);
  jet_const(&c, k);
  jet_mul(&w, &w, &c);
  jet_logistic(&w, NULL, &w);
  jet_mul(y, x, &w);
  mpfr_clear(k);
  jet_clear(&w);
  jet_clear(&c);
}

/* x tanh(softplus(x)) */
static void f_mish(struct jet *y, const struct jet *x)
{
  struct jet s;
  jet_init(&s);
  jet_softplus(&s, x);
  jet_tanh(&s, &s);
  jet_mul(y, x, &s);
  jet_clear(&s);
}

/* f^(d)(x) at x, as a number */
static void deriv_at(fn *f, int d, const mpfr_t x, mpfr_t out)
{
  struct jet X, Y;
  jet_begin(d + 1, PREC);
  jet_init(&X);
  jet_init(&Y);
  jet_var(&X, x);
  f(&Y, &X);
  mpfr_set(out, Y.c[d], MPFR_RNDN);
  for (int i = 2; i <= d; i++)
    mpfr_mul_ui(out, out, (unsigned long)i, MPFR_RNDN);
  jet_clear(&X);
  jet_clear(&Y);
}

static void emit(const char *name, const char *what, fn *f, int d, double lo, double hi,
                 double radius, int nterms)
{
  mpfr_t a, b, m, fa, fm, lo_w, t;
  struct jet X, Y;
  double u0hi, u0lo, coef[64], worst = 0;

  mpfr_inits2(PREC, a, b, m, fa, fm, lo_w, t, (mpfr_ptr)0);
  mpfr_set_d(a, lo, MPFR_RNDN);
  mpfr_set_d(b, hi, MPFR_RNDN);
  deriv_at(f, d, a, fa);
  for (int it = 0; it < 380; it++) {
    mpfr_add(m, a, b, MPFR_RNDN);
    mpfr_div_2ui(m, m, 1, MPFR_RNDN);
    deriv_at(f, d, m, fm);
    if (mpfr_sgn(fm) == mpfr_sgn(fa)) {
      mpfr_set(a, m, MPFR_RNDN);
      mpfr_set(fa, fm, MPFR_RNDN);
    } else {
      mpfr_set(b, m, MPFR_RNDN);
    }
  }
  u0hi = mpfr_get_d(a, MPFR_RNDN);
  mpfr_sub_d(t, a, u0hi, MPFR_RNDN);
  u0lo = mpfr_get_d(t, MPFR_RNDN);

  /* the jet at u0: a_k = c_(k+d) (k+d)! / k! */
  jet_begin(d + nterms + 1, PREC);
  jet_init(&X);
  jet_init(&Y);
  jet_var(&X, a);
  f(&Y, &X);
  for (int k = 1; k <= nterms; k++) {
    mpfr_set(t, Y.c[k + d], MPFR_RNDN);
    for (int i = k + 1; i <= k + d; i++)
      mpfr_mul_ui(t, t, (unsigned long)i, MPFR_RNDN);
    coef[k - 1] = mpfr_get_d(t, MPFR_RNDN);
  }
  /* the last term against the sum at the window's edges */
  for (int side = -1; side <= 1; side += 2) {
    double h = side * radius, sum = 0, p = 1, last;
    for (int k = 1; k <= nterms; k++) {
      p *= h;
      sum += coef[k - 1] * p;
    }
    last = coef[nterms - 1] * p;
    if (last / sum > worst || -last / sum > worst)
      worst = last / sum < 0 ? -last / sum : last / sum;
  }
  printf("\n/* %s: zero at %.17g, |h| < %g, %d terms; last term / sum at the edges: %.1e */\n",
         what, u0hi, radius, nterms, worst);
  printf("const struct taylor %s = {\n  %a, %a, %g, %d,\n  {", name, u0hi, u0lo, radius,
         nterms);
  for (int k = 0; k < nterms; k++)
    printf("%s%a,", k % 3 == 0 ? "\n   " : " ", coef[k]);
  printf("\n  },\n};\n");
  fprintf(stderr, "%s: u0 = %.17g, tail %.1e\n", name, u0hi, worst);
  jet_clear(&X);
  jet_clear(&Y);
  mpfr_clears(a, b, m, fa, fm, lo_w, t, (mpfr_ptr)0);
}

/* Lists the sign changes of f^(d) on [lo, hi] (for choosing brackets). */
static void scan(const char *what, fn *f, int d, double lo, double hi)
{
  mpfr_t x, v;
  int prev = 0;
  mpfr_inits2(PREC, x, v, (mpfr_ptr)0);
  for (double u = lo; u <= hi; u += 0.01) {
    int s;
    mpfr_set_d(x, u, MPFR_RNDN);
    deriv_at(f, d, x, v);
    s = mpfr_sgn(v);
    if (prev != 0 && s != 0 && s != prev)
      fprintf(stderr, "scan %s d%d: sign change near %.2f\n", what, d, u);
    prev = s;
  }
  mpfr_clears(x, v, (mpfr_ptr)0);
}

int main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "--scan") == 0) {
    scan("swish", f_swish, 1, -8, 8);
    scan("swish", f_swish, 2, -8, 8);
    scan("gelu", f_gelu, 1, -8, 8);
    scan("gelu", f_gelu, 2, -8, 8);
    scan("gelu_tanh", f_gelu_tanh, 1, -8, 8);
    scan("gelu_tanh", f_gelu_tanh, 2, -8, 8);
    scan("mish", f_mish, 1, -8, 8);
    scan("mish", f_mish, 2, -8, 8);
    return 0;
  }
  printf("/* taylor_data.c: written by tests/gen/taylor_gen.c (the command is at its top);\n"
         " * see taylor.h. Do not edit by hand. */\n#include \"taylor.h\"\n");
  emit("eng__swish_g0", "swish'(u)", f_swish, 1, -1.4, -1.2, 0.45, 34);
  emit("eng__swish_g1", "swish''(u)", f_swish, 2, -2.5, -2.3, 1.0, 40);
  emit("eng__swish_g1b", "swish''(u)", f_swish, 2, 2.3, 2.5, 1.0, 40);
  emit("eng__gelu_d1", "gelu'(x), exact form", f_gelu, 1, -0.8, -0.7, 0.7, 40);
  emit("eng__gelu_tanh_d1", "gelu'(x), tanh form", f_gelu_tanh, 1, -0.8, -0.7, 0.6, 40);
  emit("eng__gelu_tanh_d2a", "gelu''(x), tanh form", f_gelu_tanh, 2, -1.5, -1.3, 0.8, 40);
  emit("eng__gelu_tanh_d2b", "gelu''(x), tanh form", f_gelu_tanh, 2, 1.3, 1.5, 0.5, 40);
  emit("eng__mish_d1", "mish'(x)", f_mish, 1, -1.3, -1.1, 0.9, 40);
  emit("eng__mish_d2a", "mish''(x)", f_mish, 2, -2.35, -2.15, 0.8, 40);
  emit("eng__mish_d2b", "mish''(x)", f_mish, 2, 1.4, 1.6, 0.6, 40);
  return 0;
}
