/*
 * check_init.c: the generator and the initialisers. Golden bit patterns computed once
 * from the definitions (splitmix64, xoshiro256**, the polar method with the portable
 * logarithm, transcribed independently in Python) catch any change of algorithm or any
 * dependence on the libm; then sample statistics per scheme, and the EINVAL cases.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "testutil.h"

static uint64_t bits(double v)
{
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  return u;
}

START_TEST(test_rng_golden_outputs)
{
  struct eng_rng r;
  eng_rng_seed(&r, 0);
  ck_assert_uint_eq(eng_rng_next(&r), 0x99ec5f36cb75f2b4u);
  ck_assert_uint_eq(eng_rng_next(&r), 0xbf6e1f784956452au);
  ck_assert_uint_eq(eng_rng_next(&r), 0x1a5f849d4933e6e0u);

  eng_rng_seed(&r, 42);
  ck_assert_uint_eq(bits(eng_rng_uniform(&r)), 0x3fb5780b2e0c2ec0u);
  ck_assert_uint_eq(bits(eng_rng_uniform(&r)), 0x3fd84136619b444eu);
  ck_assert_uint_eq(bits(eng_rng_uniform(&r)), 0x3fe5c2ea66473c93u);

  /* The normal transform uses the portable log: these bits hold on every libc. */
  eng_rng_seed(&r, 42);
  ck_assert_uint_eq(bits(eng_rng_normal(&r)), 0xbfe73d2feb0fb377u); /* -0.7262191382447857 */
  ck_assert_uint_eq(bits(eng_rng_normal(&r)), 0x3fcc5e21f7812a4cu); /* 0.2216227015035933 */
  ck_assert_uint_eq(bits(eng_rng_normal(&r)), 0x3fddb514bfac5b4eu);
  ck_assert_uint_eq(bits(eng_rng_normal(&r)), 0x3ff79eb7c13cfccdu);
}
END_TEST

START_TEST(test_init_golden_weights)
{
  double w[12], sd, bound;
  struct eng_init c = {.scheme = ENG_INIT_HE_NORMAL, .k = 3, .d = 4, .gain = 1, .seed = 7};
  ck_assert_int_eq(eng_init_fill(&c, w, &sd, &bound), ENG_OK);
  ck_assert_uint_eq(bits(w[0]), 0x3fe5d22e389c53ccu);
  ck_assert_uint_eq(bits(w[1]), 0xbfcb82349111a2d9u);
  ck_assert_uint_eq(bits(w[2]), 0x3fcb963ae5504555u);
  ck_assert_double_eq(sd, sqrt(0.5)); /* fan_in defaults to d = 4 */
  ck_assert(isnan(bound));

  c.scheme = ENG_INIT_XAVIER_UNIFORM;
  ck_assert_int_eq(eng_init_fill(&c, w, &sd, &bound), ENG_OK);
  ck_assert_uint_eq(bits(w[0]), 0x3fd7c4f1896c2a08u);
  ck_assert_uint_eq(bits(w[1]), 0xbfda3815988ad5b9u);
  ck_assert_uint_eq(bits(w[2]), 0x3fe41faf7e367a41u);
  ck_assert_double_eq(bound, sqrt(6.0 / 7)); /* fan_in + fan_out = 4 + 3 */
  ck_assert(isnan(sd));
}
END_TEST

START_TEST(test_init_same_seed_same_bits_other_seed_differs)
{
  enum { N = 256 };
  double a[N], b[N], c2[N];
  for (int s = 0; s < ENG_INIT__COUNT; s++) {
    struct eng_init c = {.scheme = (enum eng_init_scheme)s, .k = 16, .d = 16, .std = 1,
                         .high = 1, .gain = 1, .seed = 12345};
    size_t same = 0;
    ck_assert_int_eq(eng_init_fill(&c, a, NULL, NULL), ENG_OK);
    ck_assert_int_eq(eng_init_fill(&c, b, NULL, NULL), ENG_OK);
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    c.seed = 12346;
    ck_assert_int_eq(eng_init_fill(&c, c2, NULL, NULL), ENG_OK);
    for (int i = 0; i < N; i++)
      same += a[i] == c2[i];
    ck_assert_msg(same < 4, "%s: seeds 12345 and 12346 share %zu of %d weights",
                  eng_init_name((enum eng_init_scheme)s), same, N);
  }
}
END_TEST

/* Per scheme: the expected std or bound, and the sample's statistics. */
struct stat_case {
  struct eng_init c;
  double want_mean, want_std, want_bound; /* bound NaN for a normal scheme */
  double low, high;                       /* hard range of a uniform scheme */
};

#define K 400
#define D 500
static const struct stat_case stat_cases[] = {
  {{.scheme = ENG_INIT_NORMAL, .k = K, .d = D, .mean = 3, .std = 2, .seed = 1},
   3, 2, NAN, 0, 0},
  {{.scheme = ENG_INIT_UNIFORM, .k = K, .d = D, .low = -2, .high = 5, .seed = 2},
   1.5, 7 / 3.4641016151377544, NAN, -2, 5},
  {{.scheme = ENG_INIT_XAVIER_NORMAL, .k = K, .d = D, .gain = 2, .seed = 3},
   0, 0.094280904158206336, NAN, 0, 0}, /* 2 sqrt(2 / 900) */
  {{.scheme = ENG_INIT_XAVIER_UNIFORM, .k = K, .d = D, .gain = 1, .seed = 4},
   0, 0.047140452079103168, 0.081649658092772603, 0, 0}, /* sqrt(6 / 900) */
  {{.scheme = ENG_INIT_LECUN_NORMAL, .k = K, .d = D, .gain = 1, .seed = 5},
   0, 0.044721359549995794, NAN, 0, 0}, /* sqrt(1 / 500) */
  {{.scheme = ENG_INIT_LECUN_UNIFORM, .k = K, .d = D, .gain = 1, .seed = 6},
   0, 0.044721359549995794, 0.077459666924148338, 0, 0}, /* sqrt(3 / 500) */
  {{.scheme = ENG_INIT_HE_NORMAL, .k = K, .d = D, .gain = 1, .seed = 7, .fan_in = 200},
   0, 0.1, NAN, 0, 0}, /* sqrt(2 / 200), fan_in given */
  {{.scheme = ENG_INIT_HE_UNIFORM, .k = K, .d = D, .gain = 1, .seed = 8},
   0, 0.063245553203367587, 0.10954451150103323, 0, 0}, /* sqrt(6 / 500) */
};

START_TEST(test_init_statistics)
{
  const struct stat_case *sc = &stat_cases[_i];
  size_t n = (size_t)K * D, within1 = 0, beyond4 = 0;
  double *w = malloc(n * sizeof *w), sd, bound, sum = 0, sq = 0, mean, std, lo = INFINITY,
         hi = -INFINITY;
  const char *name = eng_init_name(sc->c.scheme);
  ck_assert_ptr_nonnull(w);
  ck_assert_int_eq(eng_init_fill(&sc->c, w, &sd, &bound), ENG_OK);
  for (size_t i = 0; i < n; i++) {
    sum += w[i];
    lo = fmin(lo, w[i]);
    hi = fmax(hi, w[i]);
  }
  mean = sum / (double)n;
  for (size_t i = 0; i < n; i++) {
    double dev = (w[i] - mean) / sc->want_std;
    sq += (w[i] - mean) * (w[i] - mean);
    within1 += fabs(dev) < 1;
    beyond4 += fabs(dev) > 4;
  }
  std = sqrt(sq / (double)(n - 1));
  printf("check_init: %-15s mean %+.5f std %.6f (want %.6f) range [%.4f, %.4f]\n", name,
         mean, std, sc->want_std, lo, hi);
  /* mean within 5 standard errors; std within 1% (its standard error is 0.16%). */
  ck_assert_msg(fabs(mean - sc->want_mean) < 5 * sc->want_std / sqrt((double)n), "%s mean",
                name);
  ck_assert_msg(fabs(std / sc->want_std - 1) < 0.01, "%s std %g", name, std);
  if (isnan(sc->want_bound) && sc->c.scheme != ENG_INIT_UNIFORM) {
    /* Normal: P(|z| < 1) = 0.6827; untruncated, so about 13 of 2e5 beyond 4 sigma. */
    ck_assert_double_eq_tol(sd, sc->want_std, 1e-15);
    ck_assert(isnan(bound));
    ck_assert_double_eq_tol((double)within1 / (double)n, 0.682689, 0.005);
    ck_assert_msg(beyond4 > 0, "%s looks truncated", name);
  } else {
    double blo = sc->c.scheme == ENG_INIT_UNIFORM ? sc->low : -sc->want_bound;
    double bhi = sc->c.scheme == ENG_INIT_UNIFORM ? sc->high : sc->want_bound;
    ck_assert(isnan(sd));
    if (sc->c.scheme == ENG_INIT_UNIFORM)
      ck_assert(isnan(bound));
    else
      ck_assert_double_eq_tol(bound, sc->want_bound, 1e-15);
    ck_assert(lo >= blo && hi <= bhi);
    /* 2e5 draws come within 1e-4 of the width of either end. */
    ck_assert(lo < blo + 1e-4 * (bhi - blo) && hi > bhi - 1e-4 * (bhi - blo));
  }
  free(w);
}
END_TEST

START_TEST(test_init_uniform_extreme_range_is_finite)
{
  double w[64];
  struct eng_init c = {.scheme = ENG_INIT_UNIFORM, .k = 8, .d = 8, .low = -1.5e308,
                       .high = 1.7e308, .seed = 9};
  int neg = 0;
  ck_assert_int_eq(eng_init_fill(&c, w, NULL, NULL), ENG_OK);
  for (int i = 0; i < 64; i++) {
    ck_assert_double_finite(w[i]);
    ck_assert(w[i] >= c.low && w[i] < c.high);
    neg += w[i] < 0;
  }
  ck_assert(neg > 10 && neg < 54);
}
END_TEST

START_TEST(test_init_invalid_configurations)
{
  double w[4];
  struct eng_init ok = {.scheme = ENG_INIT_NORMAL, .k = 2, .d = 2, .std = 1, .gain = 1};
  struct eng_init c;
  ck_assert_int_eq(eng_init_fill(&ok, w, NULL, NULL), ENG_OK);
  ck_assert_int_eq(eng_init_fill(NULL, w, NULL, NULL), ENG_EINVAL);
  ck_assert_int_eq(eng_init_fill(&ok, NULL, NULL, NULL), ENG_EINVAL);
  c = ok; c.std = -1;
  ck_assert_int_eq(eng_init_fill(&c, w, NULL, NULL), ENG_EINVAL);
  c = ok; c.std = NAN;
  ck_assert_int_eq(eng_init_fill(&c, w, NULL, NULL), ENG_EINVAL);
  c = ok; c.mean = INFINITY;
  ck_assert_int_eq(eng_init_fill(&c, w, NULL, NULL), ENG_EINVAL);
  c = ok; c.scheme = ENG_INIT_UNIFORM; c.low = 1; c.high = 1;
  ck_assert_int_eq(eng_init_fill(&c, w, NULL, NULL), ENG_EINVAL);
  c.low = 2;
  ck_assert_int_eq(eng_init_fill(&c, w, NULL, NULL), ENG_EINVAL);
  c = ok; c.scheme = ENG_INIT_HE_NORMAL; c.fan_in = -3;
  ck_assert_int_eq(eng_init_fill(&c, w, NULL, NULL), ENG_EINVAL);
  c = ok; c.scheme = ENG_INIT_XAVIER_UNIFORM; c.fan_out = -1;
  ck_assert_int_eq(eng_init_fill(&c, w, NULL, NULL), ENG_EINVAL);
  c = ok; c.scheme = ENG_INIT_LECUN_UNIFORM; c.gain = NAN;
  ck_assert_int_eq(eng_init_fill(&c, w, NULL, NULL), ENG_EINVAL);
  c = ok; c.k = 0;
  ck_assert_int_eq(eng_init_fill(&c, w, NULL, NULL), ENG_EINVAL);
  c = ok; c.scheme = (enum eng_init_scheme)ENG_INIT__COUNT;
  ck_assert_int_eq(eng_init_fill(&c, w, NULL, NULL), ENG_EINVAL);
}
END_TEST

START_TEST(test_init_names_round_trip)
{
  for (int s = 0; s < ENG_INIT__COUNT; s++)
    ck_assert_int_eq(eng_init_lookup(eng_init_name((enum eng_init_scheme)s)), s);
  ck_assert_int_eq(eng_init_lookup("orthogonal"), -1);
  ck_assert_ptr_null(eng_init_name(ENG_INIT__COUNT));
}
END_TEST

static Suite *init_suite(void)
{
  Suite *s = suite_create("init");
  TCase *tc = tcase_create("init");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_rng_golden_outputs);
  tcase_add_test(tc, test_init_golden_weights);
  tcase_add_test(tc, test_init_same_seed_same_bits_other_seed_differs);
  tcase_add_loop_test(tc, test_init_statistics, 0,
                      (int)(sizeof stat_cases / sizeof stat_cases[0]));
  tcase_add_test(tc, test_init_uniform_extreme_range_is_finite);
  tcase_add_test(tc, test_init_invalid_configurations);
  tcase_add_test(tc, test_init_names_round_trip);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(init_suite)
