/*
 * gelu_mills_gen.c: writes the table of src/engine/act_gelu.c (between its "mills
 * table" markers) for
 *
 *   G(a) = e^(a^2/2) Phi(-a) = e^(a^2/2) erfc(a / sqrt 2) / 2,   0 <= a < 40,
 *
 * so that Phi(-a) = e^(-a^2/2) G(a) with G smooth and free of underflow. Each interval
 * [i/2, (i+1)/2) holds the polynomial of degree 12 in z = a - (i/2 + 1/4) through
 * G at the 13 Chebyshev nodes of the interval, computed in MPFR at 320 bits; row i is
 * {c0_hi, c1, ..., c12, c0_lo}, the constant term in two words. The program checks
 * the polynomial (Horner in doubles, as the engine evaluates it) against G on a fine
 * grid and prints the worst relative error to stderr.
 *
 *   cc -O2 tests/gen/gelu_mills_gen.c -lmpfr -lgmp -lm -o /tmp/gelu_mills_gen &&
 *   /tmp/gelu_mills_gen > /tmp/mills.inc
 */
#include <math.h>
#include <stdio.h>

#include <mpfr.h>

#define PREC 320
#define DEG 12
#define NINT 80
#define WIDTH 0.5

static void G(mpfr_t r, const mpfr_t a)
{
  mpfr_t t, u;
  mpfr_inits2(PREC, t, u, (mpfr_ptr)0);
  mpfr_sqrt_ui(t, 2, MPFR_RNDN);
  mpfr_div(t, a, t, MPFR_RNDN);
  mpfr_erfc(t, t, MPFR_RNDN);
  mpfr_sqr(u, a, MPFR_RNDN);
  mpfr_div_2ui(u, u, 1, MPFR_RNDN);
  mpfr_exp(u, u, MPFR_RNDN);
  mpfr_mul(r, t, u, MPFR_RNDN);
  mpfr_div_2ui(r, r, 1, MPFR_RNDN);
  mpfr_clears(t, u, (mpfr_ptr)0);
}

/* cos(pi num / den) */
static void cospi(mpfr_t r, unsigned long num, unsigned long den)
{
  mpfr_const_pi(r, MPFR_RNDN);
  mpfr_mul_ui(r, r, num, MPFR_RNDN);
  mpfr_div_ui(r, r, den, MPFR_RNDN);
  mpfr_cos(r, r, MPFR_RNDN);
}

int main(void)
{
  const int n = DEG;
  mpfr_t f[DEG + 1], cc[DEG + 1], mono[DEG + 1], T0[DEG + 1], T1[DEG + 1], T2[DEG + 1];
  mpfr_t x, v, s;
  double worst = 0;

  for (int i = 0; i <= n; i++) {
    mpfr_inits2(PREC, f[i], cc[i], mono[i], T0[i], T1[i], T2[i], (mpfr_ptr)0);
  }
  mpfr_inits2(PREC, x, v, s, (mpfr_ptr)0);
  printf("static const double mills[%d][%d] = {\n", NINT, DEG + 2);
  for (int iv = 0; iv < NINT; iv++) {
    double c = iv * WIDTH + WIDTH / 2, r = WIDTH / 2, cd[DEG + 2], wl = 0;
    /* values at the Chebyshev nodes c + r cos(pi (2k + 1) / (2n + 2)) */
    for (int k = 0; k <= n; k++) {
      cospi(x, 2 * k + 1, 2 * n + 2);
      mpfr_mul_d(x, x, r, MPFR_RNDN);
      mpfr_add_d(x, x, c, MPFR_RNDN);
      G(f[k], x);
    }
    /* Chebyshev coefficients cc_j = 2 / (n + 1) sum_k f_k T_j(node_k), cc_0 halved */
    for (int j = 0; j <= n; j++) {
      mpfr_set_ui(s, 0, MPFR_RNDN);
      for (int k = 0; k <= n; k++) {
        cospi(x, (unsigned long)j * (2 * k + 1), 2 * n + 2);
        mpfr_mul(x, x, f[k], MPFR_RNDN);
        mpfr_add(s, s, x, MPFR_RNDN);
      }
      mpfr_mul_ui(cc[j], s, 2, MPFR_RNDN);
      mpfr_div_ui(cc[j], cc[j], n + 1, MPFR_RNDN);
    }
    mpfr_div_2ui(cc[0], cc[0], 1, MPFR_RNDN);
    /* to monomials in u = z / r by T_j = 2 u T_(j-1) - T_(j-2) */
    for (int i = 0; i <= n; i++) {
      mpfr_set_ui(T0[i], i == 0, MPFR_RNDN);
      mpfr_set_ui(T1[i], i == 1, MPFR_RNDN);
      mpfr_mul(mono[i], cc[0], T0[i], MPFR_RNDN);
      mpfr_mul(x, cc[1], T1[i], MPFR_RNDN);
      mpfr_add(mono[i], mono[i], x, MPFR_RNDN);
    }
    for (int j = 2; j <= n; j++) {
      for (int i = 0; i <= n; i++) {
        if (i == 0)
          mpfr_set_ui(x, 0, MPFR_RNDN);
        else
          mpfr_mul_2ui(x, T1[i - 1], 1, MPFR_RNDN);
        mpfr_sub(T2[i], x, T0[i], MPFR_RNDN);
      }
      for (int i = 0; i <= n; i++) {
        mpfr_mul(x, cc[j], T2[i], MPFR_RNDN);
        mpfr_add(mono[i], mono[i], x, MPFR_RNDN);
        mpfr_set(T0[i], T1[i], MPFR_RNDN);
        mpfr_set(T1[i], T2[i], MPFR_RNDN);
      }
    }
    /* to z = r u: c_i = mono_i / r^i; c0 in two words */
    for (int i = 0; i <= n; i++) {
      mpfr_set(x, mono[i], MPFR_RNDN);
      for (int k = 0; k < i; k++)
        mpfr_div_d(x, x, r, MPFR_RNDN);
      cd[i] = mpfr_get_d(x, MPFR_RNDN);
    }
    mpfr_sub_d(x, mono[0], cd[0], MPFR_RNDN);
    cd[n + 1] = mpfr_get_d(x, MPFR_RNDN);
    /* the check, evaluated as the engine does */
    for (int q = 0; q <= 1000; q++) {
      double z = -r + 2 * r * q / 1000.0, acc = cd[n], g;
      for (int i = n - 1; i >= 1; i--)
        acc = fma(acc, z, cd[i]);
      g = cd[0] + fma(acc, z, cd[n + 1]);
      mpfr_set_d(x, c, MPFR_RNDN);
      mpfr_add_d(x, x, z, MPFR_RNDN);
      G(v, x);
      mpfr_sub_d(s, v, g, MPFR_RNDN);
      mpfr_div(s, s, v, MPFR_RNDN);
      if (fabs(mpfr_get_d(s, MPFR_RNDN)) > wl)
        wl = fabs(mpfr_get_d(s, MPFR_RNDN));
    }
    if (wl > worst)
      worst = wl;
    printf("  {");
    for (int i = 0; i <= n + 1; i++)
      printf("%a,%s", cd[i], i == n + 1 ? "" : (i % 4 == 3 ? "\n   " : " "));
    printf("}, /* [%g, %g) */\n", c - r, c + r);
  }
  printf("};\n");
  fprintf(stderr, "gelu_mills_gen: worst relative error %.2e (%.2f x 2^-53)\n", worst,
          worst / 0x1p-53);
  return 0;
}
