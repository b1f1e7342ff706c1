/*
 * check_num.c: the number codec (src/codec/num.c) against the C library: hard cases,
 * the JSON grammar, the output form, and random doubles (NUM_RANDOM of them, default
 * 2,000,000) checked for round trip, shortest length and agreement with strtod.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/num.h"
#include "testutil.h"

/* ================================================================ Helpers */

/* An assertion for hot loops: Check's ck_assert records a checkpoint on every call
 * (a write to its channel in fork mode), which would dominate the random runs. */
#define REQUIRE(cond, ...)                                                       \
  do {                                                                           \
    if (!(cond))                                                                 \
      ck_abort_msg(__VA_ARGS__);                                                 \
  } while (0)

static uint64_t bits(double v)
{
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

static double from_bits(uint64_t b)
{
  double v;
  memcpy(&v, &b, sizeof v);
  return v;
}

/* splitmix64: a fixed-seed generator, so a failure reproduces. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void)
{
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static long random_count(void)
{
  const char *s = getenv("NUM_RANDOM");
  long n = s ? strtol(s, NULL, 10) : 0;
  return n > 0 ? n : 2000000;
}

/* num_format into a NUL-terminated string, checking the length bound and that
 * nothing is stored past dst + NUM_SPACE. */
static size_t fmt(double v, char *out)
{
  char buf[NUM_SPACE + 8];
  memset(buf, 'X', sizeof buf);
  size_t n = num_format(v, buf);
  REQUIRE(n <= NUM_MAX_LEN, "%zu chars", n);
  for (size_t i = NUM_SPACE; i < sizeof buf; i++)
    REQUIRE(buf[i] == 'X', "wrote past dst + NUM_SPACE");
  memcpy(out, buf, n);
  out[n] = '\0';
  return n;
}

/* num_parse over the whole of s; fails unless it consumes every char. */
static double parse_all(const char *s)
{
  double v = -12345.0;
  const char *e = num_parse(s, s + strlen(s), &v);
  REQUIRE(e == s + strlen(s), "num_parse(\"%s\") stopped at %ld", s,
                e ? (long)(e - s) : -1L);
  return v;
}

/* Significant digits of a %.Ne, or of a num_format string, with the decimal exponent
 * of the leading digit: "1.2500e+03" and "1250" both give "125" and 3. */
static void sig_digits(const char *s, char *d, int *exp10)
{
  int n = 0, point = -1, seen_point = 0;
  const char *p = s;
  if (*p == '-')
    p++;
  for (; *p && *p != 'e' && *p != 'E'; p++) {
    if (*p == '.') {
      seen_point = 1;
      continue;
    }
    if (n == 0 && *p == '0') {
      if (seen_point)
        point--;
      continue;
    }
    if (!seen_point)
      point++;
    d[n++] = *p;
  }
  while (n > 1 && d[n - 1] == '0')
    n--;
  d[n] = '\0';
  *exp10 = point + (*p ? atoi(p + 1) : 0);
}

/* The output-form rules of num.h for s = num_format(v): JSON grammar, no '+', no
 * superfluous zeros, plain when -7 < e < 21 and scientific otherwise. */
static void check_form(const char *s, double v)
{
  REQUIRE(strchr(s, '+') == NULL, "%s has a '+'", s);
  REQUIRE((s[0] == '-') == (signbit(v) != 0), "%s: sign", s);
  double back = parse_all(s);
  REQUIRE(bits(back) == bits(v), "%s does not round-trip %a", s, v);
  if (v == 0) {
    REQUIRE(strcmp(s, signbit(v) ? "-0" : "0") == 0, "%s: zero", s);
    return;
  }
  char d[40];
  int e;
  sig_digits(s, d, &e);
  const char *x = strchr(s, 'e');
  const char *dot = strchr(s, '.');
  if (e > -7 && e < 21) {
    REQUIRE(x == NULL, "%s: plain form expected", s);
    if (dot)
      REQUIRE(s[strlen(s) - 1] != '0', "%s: trailing zero", s);
  } else {
    REQUIRE(x != NULL, "%s: scientific form expected", s);
    const char *m = s + (s[0] == '-');
    REQUIRE(m[0] >= '1' && m[0] <= '9', "%s", s);
    REQUIRE(m[1] == 'e' || (m[1] == '.' && x[-1] != '0'), "%s", s);
    REQUIRE(x[1] != '0' && !(x[1] == '-' && x[2] == '0'), "%s: exponent zero", s);
  }
}

/* The correctly rounded decimal of v with p significant digits, as %.{p-1}e gives. */
static int round_trips_at(double v, int p, char *out, size_t cap)
{
  snprintf(out, cap, "%.*e", p - 1, v);
  return strtod(out, NULL) == v;
}

/* The shortest p in 1..17 at which %.{p-1}e round-trips. */
static int shortest_by_search(double v, char *out, size_t cap)
{
  int p = 1;
  while (p < 17 && !round_trips_at(v, p, out, cap))
    p++;
  if (p == 17)
    round_trips_at(v, p, out, cap);
  return p;
}

/* ============================================================== Printing */

static const struct {
  double v;
  const char *s;
} format_cases[] = {
  {0.0, "0"},
  {-0.0, "-0"},
  {1.0, "1"},
  {-1.0, "-1"},
  {100.0, "100"},
  {0.1, "0.1"},
  {0.3, "0.3"},
  {-123.25, "-123.25"},
  {2.0 / 3.0, "0.6666666666666666"},
  {1e-6, "0.000001"},
  {1.5e-6, "0.0000015"},
  {1e-7, "1e-7"},
  {1.5e-7, "1.5e-7"},
  {-1.2345678901234567e-6, "-0.0000012345678901234567"},
  {1e20, "100000000000000000000"},
  {1.2345678901234568e20, "123456789012345680000"},
  {1e21, "1e21"},
  {1.5e21, "1.5e21"},
  {1e22, "1e22"},
  {1e23, "1e23"},
  {1e100, "1e100"},
  {9007199254740992.0, "9007199254740992"},
  {9223372036854775808.0, "9223372036854776000"},
  {4503599627370495.5, "4503599627370495.5"},
  {5e-324, "5e-324"},
  {-5e-324, "-5e-324"},
  {1e-323, "1e-323"},
  {2.2250738585072014e-308, "2.2250738585072014e-308"},
  {2.225073858507201e-308, "2.225073858507201e-308"},
  {-1.7976931348623157e308, "-1.7976931348623157e308"},
  {8.98846567431158e307, "8.98846567431158e307"},
  /* 2^-44: Schubfach's 16 digits round-trip, while the correctly rounded 16 digits
   * (...801) do not; the %.Ne search needs 17. */
  {5.684341886080802e-14, "5.684341886080802e-14"},
  {1.0 / 1024, "0.0009765625"},
  {123456.789, "123456.789"},
};

START_TEST(test_num_format_hard_cases)
{
  char s[64];
  for (size_t i = 0; i < sizeof format_cases / sizeof format_cases[0]; i++) {
    fmt(format_cases[i].v, s);
    ck_assert_msg(strcmp(s, format_cases[i].s) == 0, "case %zu: got %s, want %s", i, s,
                  format_cases[i].s);
    check_form(s, format_cases[i].v);
  }
  ck_assert_int_eq((int)fmt(-1.2345678901234567e-6, s), NUM_MAX_LEN);
  ck_assert_int_eq((int)fmt(NAN, s), 4);
  ck_assert_str_eq(s, "null");
  fmt(-INFINITY, s);
  ck_assert_str_eq(s, "null");
}
END_TEST

/* Every power of two, the neighbours of each, and every power of ten that is a double:
 * round trip, form, and no longer than the %.Ne search (shorter only at powers of two,
 * where the rounding interval is lopsided). */
START_TEST(test_num_format_powers)
{
  char s[64], t[64];
  for (int e = -1074; e <= 1023; e++) {
    double p2 = ldexp(1.0, e);
    double vs[3] = {p2, nextafter(p2, 0), nextafter(p2, INFINITY)};
    for (int j = 0; j < 3; j++) {
      if (!isfinite(vs[j]) || vs[j] == 0)
        continue;
      fmt(vs[j], s);
      check_form(s, vs[j]);
      char d[40];
      int x;
      sig_digits(s, d, &x);
      int p = shortest_by_search(vs[j], t, sizeof t);
      ck_assert_msg((int)strlen(d) <= p, "%a: %s longer than %s", vs[j], s, t);
      if (j > 0 || e <= -1022)
        ck_assert_msg((int)strlen(d) == p, "%a: %s vs %s", vs[j], s, t);
    }
  }
  for (int k = -323; k <= 308; k++) {
    char in[16];
    snprintf(in, sizeof in, "1e%d", k);
    double v = strtod(in, NULL);
    fmt(v, s);
    check_form(s, v);
    char d[40];
    int x;
    sig_digits(s, d, &x);
    ck_assert_msg(strcmp(d, "1") == 0 && x == k, "10^%d printed as %s", k, s);
  }
}
END_TEST

/* ================================================================ Parsing */

static const char *const parse_cases[] = {
  "0", "-0", "0.0", "-0.0e10", "1", "-1", "1E5", "1e+2", "1E-2", "0.1e1", "123.456e-7",
  "1e-400", "-1e-400", "1e999", "-1e999", "1e308", "1.8e308", "1.7976931348623157e308",
  "1.7976931348623158e308", "1.7976931348623159e308", "4.9406564584124654e-324",
  "2.4703282292062327e-324", "2.4703282292062328e-324", "5e-324", "3e-324", "2e-324",
  "2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308",
  "2.225073858507201136057409796709131975934819546351645648e-308",
  "9007199254740993", "9007199254740995", "9007199254740993.0000000000001",
  "18014398509481993", "1e23", "8.98846567431158e307", "8.988465674311579e307",
  "1.00000000000000011102230246251565404236316680908203125",
  "1.00000000000000011102230246251565404236316680908203124",
  "1.00000000000000011102230246251565404236316680908203126",
  "123456789012345678901234567890", "0.000000000000000000000000000001234567890123456789",
  "1234567890123456789", "12345678901234567890", "99999999999999999999e-20",
  "7.2057594037927933e16", "3.0517578125e-5", "1e-320", "9.999999999999999e22",
  "0.30000000000000004", "1448997445238699", "17976931348623157e292",
  "4.4501477170144023e-308", "1e22", "1e-22", "9007199254740992e22", "1e0000000000000001",
  "0e99999999999", "1e-99999999999",
};

START_TEST(test_num_parse_hard_cases)
{
  for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
    const char *s = parse_cases[i];
    double v = parse_all(s);
    double want = strtod(s, NULL);
    ck_assert_msg(bits(v) == bits(want), "%s: %a, strtod %a", s, v, want);
  }
  ck_assert(signbit(parse_all("-0")));
  ck_assert(signbit(parse_all("-1e-400")));
  ck_assert(parse_all("1e999") == INFINITY);
  ck_assert(parse_all("-1e999") == -INFINITY);
  ck_assert(parse_all("9007199254740993") == 9007199254740992.0);
  ck_assert(parse_all("1e23") == 1e23);
  ck_assert(parse_all("5e-324") == from_bits(1));
}
END_TEST

/* Digit strings longer than the copy the exact path makes: the dropped tail must still
 * decide halfway cases. 2^-1075 (half the least subnormal) has 751 significant digits;
 * exactly it rounds to 0 (even), a nonzero digit anywhere after it to 5e-324. */
START_TEST(test_num_parse_long_digit_strings)
{
  static const char half_min[] =
    "2.4703282292062327208828439643411068618252990130716238221279284125033775363510437"
    "59326499181808179961898982823477228588654633283551779698981993873980053909390631"
    "50356595155702263922908583924491051844359318028499365361525003193704576782492193"
    "65623669863658480757001585769269903706311928279558551332927834338409351978015531"
    "24659726357957462276646527282722005637400648549997709659947045402082816622623785"
    "73934507363390079677619305775067401763246736009689513405355374585166611342237666"
    "78604162159680461914467291840300530057530849048765391711386591646239524912623653"
    "88187963623937328042389101867234849766823508986338858792562830275599565752445550"
    "72551893136908362547791869486679949683240497058210285131854513962138377228261454"
    "376934125320985913276672363281250e-324";
  char buf[4096];
  ck_assert(parse_all(half_min) == 0);
  /* The same with 1500 zeros and a 1 appended: just above the halfway point. */
  size_t n = strlen(half_min) - 5;
  memcpy(buf, half_min, n);
  memset(buf + n, '0', 1500);
  memcpy(buf + n + 1500, "1e-324", 7);
  ck_assert(parse_all(buf) == from_bits(1));
  ck_assert(bits(parse_all(buf)) == bits(strtod(buf, NULL)));
  /* Only zeros after it: still exactly halfway. */
  memcpy(buf + n + 1500, "0e-324", 7);
  ck_assert(parse_all(buf) == 0);
  /* 1 + 2^-53 (halfway between 1 and its successor, ties to 1) with 2000 more zeros,
   * then a 1: rounds up. */
  strcpy(buf, "1.00000000000000011102230246251565404236316680908203125");
  n = strlen(buf);
  memset(buf + n, '0', 2000);
  strcpy(buf + n + 2000, "1");
  ck_assert(parse_all(buf) == nextafter(1.0, 2.0));
  buf[n + 2000] = '\0';
  ck_assert(parse_all(buf) == 1.0);
  /* A thousand leading zeros. */
  strcpy(buf, "0.");
  memset(buf + 2, '0', 1000);
  strcpy(buf + 1002, "17e1001");
  ck_assert(parse_all(buf) == 1.7);
}
END_TEST

START_TEST(test_num_parse_rejects_non_json)
{
  static const char *const bad[] = {
    "1.", ".5", "+1", "-", "1e", "1e+", "1E-", "NaN", "nan", "Infinity", "-Infinity",
    "inf", "1.e5", "-.5", "--1", "- 1", "", "e5", "x1", "\"1\"",
  };
  double v = 7.0;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *s = bad[i];
    ck_assert_msg(num_parse(s, s + strlen(s), &v) == NULL, "\"%s\" not NULL", s);
  }
  ck_assert(v == 7.0);
  /* A number ends where the grammar ends: the caller sees what follows. */
  static const struct {
    const char *s;
    size_t len;
    double v;
  } stops[] = {
    {"01", 1, 0}, {"-01", 2, -0.0}, {"0x10", 1, 0}, {"1.5e3x", 5, 1500}, {"12,3", 2, 12},
    {"7]", 1, 7}, {"1e5.5", 3, 1e5}, {"00", 1, 0}, {"3 ", 1, 3},
  };
  for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
    const char *s = stops[i].s;
    const char *e = num_parse(s, s + strlen(s), &v);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq((size_t)(e - s), stops[i].len);
    ck_assert(v == stops[i].v);
  }
  /* end bounds the read: "12345" seen as "123", "1.5" as "1." (invalid). */
  ck_assert_ptr_eq(num_parse("12345", "12345" + 3, &v), "12345" + 3);
  ck_assert(v == 123);
  const char *t = "1.5";
  ck_assert_ptr_null(num_parse(t, t + 2, &v));
  t = "2e7";
  ck_assert_ptr_null(num_parse(t, t + 2, &v));
}
END_TEST

/* ========================================================= Random doubles */

/* Uniform random bit patterns (finite, not powers of two): strtod(num_format(v)) == v
 * bitwise; the digits equal those of the %.Ne search's answer. For these doubles the
 * rounding interval is symmetric, so if p digits round-trip, p + 1 do too (the nearer
 * (p+1)-digit decimal is no farther than the p-digit one), and checking that p digits
 * round-trip and p - 1 do not is the search. num_parse agrees with strtod on both the
 * num_format output and %.17g. */
START_TEST(test_num_random_doubles)
{
  long count = random_count();
  char s[64], t[64], u[64], d1[40], d2[40];
  long done = 0;
  while (done < count) {
    uint64_t b = rng();
    if (((b >> 52) & 0x7FF) == 0x7FF || (b & ((1ull << 52) - 1)) == 0)
      continue;
    double v = from_bits(b);
    size_t n = fmt(v, s);
    REQUIRE(bits(strtod(s, NULL)) == b, "%s does not round-trip %a", s, v);
    double pv;
    REQUIRE(num_parse(s, s + n, &pv) == s + n, "num_parse(%s) stopped early", s);
    REQUIRE(bits(pv) == b, "num_parse(%s) = %a, want %a", s, pv, v);

    int e1, e2;
    sig_digits(s, d1, &e1);
    int p = (int)strlen(d1);
    REQUIRE(round_trips_at(v, p, t, sizeof t), "%s: %d digits do not round-trip", s, p);
    sig_digits(t, d2, &e2);
    REQUIRE(strcmp(d1, d2) == 0 && e1 == e2, "%s vs %s", s, t);
    if (p > 1)
      REQUIRE(!round_trips_at(v, p - 1, u, sizeof u), "%s: %s is shorter", s, u);

    snprintf(t, sizeof t, "%.17g", v);
    REQUIRE(num_parse(t, t + strlen(t), &pv) != NULL, "num_parse(%s) failed", t);
    REQUIRE(bits(pv) == bits(strtod(t, NULL)), "num_parse(%s) = %a", t, pv);
    done++;
  }
}
END_TEST

/* Values an API sees: uniform in [-10, 10], small integers, and short decimals; each
 * prints in the form of num.h and parses back exactly; num_parse agrees with strtod
 * on the %.Ng text at every precision. */
START_TEST(test_num_random_typical)
{
  long count = random_count() / 10;
  char s[64], t[64];
  for (long i = 0; i < count; i++) {
    double v;
    switch (i % 3) {
    case 0:
      v = ((double)(rng() >> 11) / 9007199254740992.0) * 20.0 - 10.0;
      break;
    case 1:
      v = (double)((int64_t)(rng() % 2000001) - 1000000);
      break;
    default:
      v = (double)((int64_t)(rng() % 200001) - 100000) / 1000.0;
      break;
    }
    fmt(v, s);
    check_form(s, v);
    snprintf(t, sizeof t, "%.*g", (int)(i % 17) + 1, v);
    double pv;
    REQUIRE(num_parse(t, t + strlen(t), &pv) == t + strlen(t), "num_parse(%s) stopped early", t);
    REQUIRE(bits(pv) == bits(strtod(t, NULL)), "num_parse(%s) = %a", t, pv);
  }
}
END_TEST

/* Random decimal strings of 1 to 40 digits with exponents across the whole range,
 * many near halfway points between doubles (digits taken from %.40e of a double with
 * the tail perturbed): num_parse equals strtod bitwise. */
START_TEST(test_num_random_decimal_strings)
{
  long count = random_count() / 4;
  char s[128];
  for (long i = 0; i < count; i++) {
    uint64_t r = rng();
    int nd = (int)(r % 40) + 1;
    if (i % 2 == 0) {
      /* Digits of the midpoint of a random double and its successor (exact in the
       * 64-bit significand of x86's long double). */
      uint64_t b = rng() & 0x7FEFFFFFFFFFFFFFull;
      long double mid = ((long double)from_bits(b) + (long double)from_bits(b + 1)) / 2;
      snprintf(s, sizeof s, "%.*Le", nd - 1, mid);
      if (!isfinite(strtod(s, NULL)))
        continue;
    } else {
      int n = 0;
      if (r & (1ull << 40))
        s[n++] = '-';
      s[n++] = (char)('1' + rng() % 9);
      if (nd > 1) {
        int dot = (int)(rng() % (uint64_t)nd);
        for (int j = 1; j < nd; j++) {
          if (j == dot)
            s[n++] = '.';
          s[n++] = (char)('0' + rng() % 10);
        }
      }
      n += snprintf(s + n, sizeof s - (size_t)n, "e%d", (int)(rng() % 700) - 350);
    }
    double pv;
    REQUIRE(num_parse(s, s + strlen(s), &pv) == s + strlen(s), "num_parse(%s) stopped early", s);
    REQUIRE(bits(pv) == bits(strtod(s, NULL)), "num_parse(%s) = %a, strtod %a", s, pv,
                  strtod(s, NULL));
  }
}
END_TEST

static Suite *num_suite(void)
{
  Suite *s = suite_create("num");
  TCase *tc = tcase_create("cases");
  tcase_add_test(tc, test_num_format_hard_cases);
  tcase_add_test(tc, test_num_format_powers);
  tcase_add_test(tc, test_num_parse_hard_cases);
  tcase_add_test(tc, test_num_parse_long_digit_strings);
  tcase_add_test(tc, test_num_parse_rejects_non_json);
  suite_add_tcase(s, tc);
  TCase *tr = tcase_create("random");
  tcase_set_timeout(tr, 0);        /* NUM_RANDOM sets the length of these runs */
  tcase_add_test(tr, test_num_random_doubles);
  tcase_add_test(tr, test_num_random_typical);
  tcase_add_test(tr, test_num_random_decimal_strings);
  suite_add_tcase(s, tr);
  return s;
}

CHECK_MAIN(num_suite)
