/*
 * gelu_table_gen.c: writes src/engine/gelu_table.c, the table behind the exact GELU:
 *
 *   G(a) = e^(a^2/2) Phi(-a) = e^(a^2/2) erfc(a / sqrt 2) / 2,   0 <= a < 40,
 *
 * so that Phi(-a) = e^(-a^2/2) G(a) with G smooth and free of underflow. Interval i
 * is [i/8, (i+1)/8) with centre c = i/8 + 1/16; row i holds the Taylor coefficients
 * g_n = G^(n)(c) / n!, n = 0 .. DEG, each in two words (hi, lo). They follow from
 * G' = a G - 1/sqrt(2 pi):
 *   g_1 = c g_0 - k,  (n + 1) g_(n+1) = c g_n + g_(n-1),  k = 1/sqrt(2 pi),
 * a recurrence that loses bits forwards (G's companion solution e^(a^2/2) grows), so
 * it runs at 1200 bits (about 200 are lost at a = 40) from g_0 = G(c) computed by MPFR.
 * The program checks the
 * truncated series against G at 41 points of each interval, in MPFR, and prints the
 * worst relative error to stderr (it must be below 2^-100: the engine's bound for the
 * table is 2^-98).
 *
 *   cc -O2 tests/gen/gelu_table_gen.c -lmpfr -lgmp -lm -o /tmp/gelu_table_gen &&
 *   /tmp/gelu_table_gen > src/engine/gelu_table.c
 */
#include <math.h>
#include <stdio.h>

#include <mpfr.h>

#define PREC 1200
#define DEG 26
#define NINT 320
#define WIDTH 0.125

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

int main(void)
{
  mpfr_t g[DEG + 1], k, x, v, s, c;
  double worst = 0;
  for (int i = 0; i <= DEG; i++)
    mpfr_init2(g[i], PREC);
  mpfr_inits2(PREC, k, x, v, s, c, (mpfr_ptr)0);
  mpfr_const_pi(k, MPFR_RNDN);
  mpfr_mul_2ui(k, k, 1, MPFR_RNDN);
  mpfr_rec_sqrt(k, k, MPFR_RNDN);
  printf("/* gelu_table.c: written by tests/gen/gelu_table_gen.c (the command is at its top);\n"
         " * see act_gelu.c. Do not edit by hand. */\n#include \"internal.h\"\n\n"
         "/* G(a) = e^(a^2/2) Phi(-a) on [i/8, (i+1)/8): Taylor coefficients at i/8 + 1/16,\n"
         " * each {hi, lo}, n = 0 .. %d */\n"
         "const double eng__gelu_G[%d][%d][2] = {\n", DEG, NINT, DEG + 1);
  for (int iv = 0; iv < NINT; iv++) {
    double cd = iv * WIDTH + WIDTH / 2, wl = 0;
    mpfr_set_d(c, cd, MPFR_RNDN);
    G(g[0], c);
    mpfr_mul(g[1], c, g[0], MPFR_RNDN);
    mpfr_sub(g[1], g[1], k, MPFR_RNDN);
    for (int n = 1; n < DEG; n++) {
      mpfr_mul(x, c, g[n], MPFR_RNDN);
      mpfr_add(x, x, g[n - 1], MPFR_RNDN);
      mpfr_div_ui(g[n + 1], x, (unsigned long)(n + 1), MPFR_RNDN);
    }
    for (int q = 0; q <= 40; q++) {
      double z = -WIDTH / 2 + WIDTH * q / 40.0;
      mpfr_set_ui(s, 0, MPFR_RNDN);
      for (int n = DEG; n >= 0; n--) { /* the two-word coefficients, as stored */
        double hi = mpfr_get_d(g[n], MPFR_RNDN);
        mpfr_sub_d(x, g[n], hi, MPFR_RNDN);
        mpfr_set_d(v, mpfr_get_d(x, MPFR_RNDN), MPFR_RNDN);
        mpfr_add_d(v, v, hi, MPFR_RNDN);
        mpfr_mul_d(s, s, z, MPFR_RNDN);
        mpfr_add(s, s, v, MPFR_RNDN);
      }
      mpfr_add_d(x, c, z, MPFR_RNDN);
      G(v, x);
      mpfr_sub(s, s, v, MPFR_RNDN);
      mpfr_div(s, s, v, MPFR_RNDN);
      if (fabs(mpfr_get_d(s, MPFR_RNDN)) > wl)
        wl = fabs(mpfr_get_d(s, MPFR_RNDN));
    }
    if (wl > worst)
      worst = wl;
    printf("  { /* [%g, %g) */\n", cd - WIDTH / 2, cd + WIDTH / 2);
    for (int n = 0; n <= DEG; n++) {
      double hi = mpfr_get_d(g[n], MPFR_RNDN);
      mpfr_sub_d(x, g[n], hi, MPFR_RNDN);
      printf("   {%a, %a},%s", hi, mpfr_get_d(x, MPFR_RNDN), n % 2 == 1 ? "\n" : "");
    }
    printf("%s  },\n", DEG % 2 == 0 ? "\n" : "");
  }
  printf("};\n");
  fprintf(stderr, "gelu_table_gen: worst relative error of the series %.3e (2^%.1f)\n", worst,
          log2(worst));
  return 0;
}
