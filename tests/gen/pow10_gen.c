/*
 * pow10_gen.c: writes src/codec/num_pow10.h, the powers of ten of the number codec:
 *
 *   pow10_ceil[j + 292]  = ceil(10^j / 2^r)  for j in [-292, 324] (Schubfach, printing)
 *   pow10_floor[q + 342] = floor(10^q / 2^r) for q in [-342, 308] (Eisel-Lemire, parsing)
 *
 * with r chosen per power so that the value lies in [2^127, 2^128), as two 64-bit
 * words {high, low}. Exact integer arithmetic (GMP): 10^j / 2^r is 10^j 2^-r for
 * j >= 0 and 2^-r / 10^-j otherwise, rounded up or down once.
 *
 *   cc -O2 tests/gen/pow10_gen.c -lgmp -o /tmp/pow10_gen && /tmp/pow10_gen > src/codec/num_pow10.h
 */
#include <stdio.h>

#include <gmp.h>

/* 10^j / 2^r rounded up (up = 1) or down, r such that the result is in [2^127, 2^128). */
static void scaled(mpz_t out, int j, int up)
{
  mpz_t num, den, q, r;
  long shift;
  mpz_inits(num, den, q, r, NULL);
  mpz_set_ui(num, 1);
  mpz_set_ui(den, 1);
  if (j >= 0)
    mpz_ui_pow_ui(num, 10, (unsigned long)j);
  else
    mpz_ui_pow_ui(den, 10, (unsigned long)-j);
  /* the number of bits of num / den, within one */
  shift = (long)mpz_sizeinbase(num, 2) - (long)mpz_sizeinbase(den, 2) - 128;
  for (;;) {
    mpz_t a, b;
    mpz_inits(a, b, NULL);
    mpz_set(a, num);
    mpz_set(b, den);
    if (shift > 0)
      mpz_mul_2exp(b, b, (unsigned long)shift);
    else
      mpz_mul_2exp(a, a, (unsigned long)-shift);
    if (up)
      mpz_cdiv_qr(q, r, a, b);
    else
      mpz_fdiv_qr(q, r, a, b);
    mpz_clears(a, b, NULL);
    if (mpz_sizeinbase(q, 2) > 128) {
      shift++;
    } else if (mpz_sizeinbase(q, 2) < 128) {
      shift--;
    } else {
      break;
    }
  }
  mpz_set(out, q);
  mpz_clears(num, den, q, r, NULL);
}

static void table(const char *name, int lo, int hi, int up, const char *doc)
{
  mpz_t v, w;
  mpz_inits(v, w, NULL);
  printf("%s", doc);
  printf("static const uint64_t %s[][2] = {\n", name);
  for (int j = lo; j <= hi; j += 2) {
    printf(" ");
    for (int k = j; k <= hi && k < j + 2; k++) {
      unsigned long long hw, lw;
      scaled(v, k, up);
      mpz_tdiv_q_2exp(w, v, 64);
      hw = mpz_get_ui(w);
      mpz_tdiv_r_2exp(w, v, 64);
      lw = mpz_get_ui(w);
      printf(" {0x%016llX, 0x%016llX},", hw, lw);
    }
    printf(" /* %d */\n", j);
  }
  printf("};\n");
  mpz_clears(v, w, NULL);
}

int main(void)
{
  printf("/*\n * num_pow10.h: the powers of ten of the number codec (num.c), written by\n"
         " * tests/gen/pow10_gen.c; do not edit by hand.\n */\n"
         "#ifndef NEUROND_CODEC_NUM_POW10_H\n#define NEUROND_CODEC_NUM_POW10_H\n\n"
         "#include <stdint.h>\n\n");
  table("pow10_ceil", -292, 324, 1,
        "/* pow10_ceil[j + 292] = ceil(10^j / 2^r) for j in [-292, 324], r chosen so that the\n"
        " * value lies in [2^127, 2^128): an over-estimate of 10^j by less than one unit in its\n"
        " * 128th bit, as Schubfach needs. {high word, low word}. */\n");
  printf("\n");
  table("pow10_floor", -342, 308, 0,
        "/* pow10_floor[q + 342] = floor(10^q / 2^r) for q in [-342, 308], r chosen so that the\n"
        " * value lies in [2^127, 2^128): an under-estimate of 10^q by less than one unit in its\n"
        " * 128th bit, as Eisel-Lemire needs. {high word, low word}. */\n");
  printf("\n#endif /* NEUROND_CODEC_NUM_POW10_H */\n");
  return 0;
}
