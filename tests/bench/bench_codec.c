/*
 * bench_codec.c: the number codec alone, beside the C library and cJSON.
 *
 * For 1,000,000 doubles of three kinds (uniform in [-10, 10], random bit patterns,
 * short decimals like 0.25), prints ns per number for
 *   printing: num_format (shortest round-trip) | snprintf "%.17g" | cJSON_PrintUnformatted
 *   parsing:  num_parse | strtod | cJSON_ParseWithLengthOpts (whole array, per number)
 * and the ratios against the C library, plus the share of cJSON's printed numbers that
 * do not parse back to the same double. Best of five passes each, interleaved.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "codec/num.h"

#define N 1000000
#define PASSES 5

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t rng_state = 0x853c49e6748fea9bULL;
static uint64_t rnd(void)
{
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void fill(double *v, int kind)
{
  for (size_t i = 0; i < N; i++) {
    if (kind == 0) {
      v[i] = ((double)(rnd() >> 11) * 0x1p-53 - 0.5) * 20;
    } else if (kind == 1) {
      uint64_t b;
      do {
        b = rnd();
        memcpy(&v[i], &b, sizeof v[i]);
      } while (!isfinite(v[i]));
    } else {
      v[i] = (double)((int64_t)(rnd() % 20001) - 10000) / 4;
    }
  }
}

/* Text of all numbers, comma-separated in one JSON array; offsets of each number. */
static char *print_all(const double *v, size_t *len, size_t *off)
{
  char *s = malloc((size_t)N * (NUM_MAX_LEN + 1) + NUM_SPACE + 3), *p = s;
  *p++ = '[';
  for (size_t i = 0; i < N; i++) {
    if (i > 0)
      *p++ = ',';
    off[i] = (size_t)(p - s);
    p += num_format(v[i], p);
  }
  *p++ = ']';
  *p = '\0';
  *len = (size_t)(p - s);
  return s;
}

static volatile double sink;

int main(void)
{
  static const char *const kinds[] = {"uniform [-10,10]", "random bits", "short decimals"};
  double *v = malloc(N * sizeof *v), *back = malloc(N * sizeof *back);
  size_t *off = malloc(N * sizeof *off);
  char *tmp = malloc((size_t)N * 32);

  printf("number codec, %d doubles per pass, best of %d (ns per number; ratio = libc / ours)\n",
         N, PASSES);
  printf("%-18s %10s %10s %10s %7s | %10s %10s %10s %7s | %s\n", "input", "num_format",
         "%.17g", "cJSON", "ratio", "num_parse", "strtod", "cJSON", "ratio",
         "cJSON round-trip failures");
  for (int kind = 0; kind < 3; kind++) {
    double best[6] = {1e9, 1e9, 1e9, 1e9, 1e9, 1e9};
    size_t len, bad = 0;
    char *text;
    fill(v, kind);
    text = print_all(v, &len, off);

    for (int pass = 0; pass < PASSES; pass++) {
      double t;
      char *p;
      cJSON *arr;

      t = now();
      p = tmp;
      for (size_t i = 0; i < N; i++)
        p += num_format(v[i], p);
      best[0] = fmin(best[0], now() - t);

      t = now();
      p = tmp;
      for (size_t i = 0; i < N; i++)
        p += snprintf(p, 32, "%.17g", v[i]);
      best[1] = fmin(best[1], now() - t);

      arr = cJSON_CreateDoubleArray(v, N);
      t = now();
      p = cJSON_PrintUnformatted(arr);
      best[2] = fmin(best[2], now() - t);
      cJSON_Delete(arr);
      if (pass == 0) { /* cJSON's own text, read back by strtod */
        char *q = p + 1;
        bad = 0;
        for (size_t i = 0; i < N; i++) {
          char *e;
          double d = strtod(q, &e);
          if (memcmp(&d, &v[i], sizeof d) != 0)
            bad++;
          q = e + 1;
        }
      }
      free(p);

      t = now();
      for (size_t i = 0; i < N; i++)
        num_parse(text + off[i], text + len, &back[i]);
      best[3] = fmin(best[3], now() - t);
      for (size_t i = 0; i < N; i++)
        if (memcmp(&back[i], &v[i], sizeof back[i]) != 0) {
          fprintf(stderr, "bench_codec: round trip failed at %zu\n", i);
          return 1;
        }

      t = now();
      for (size_t i = 0; i < N; i++)
        back[i] = strtod(text + off[i], NULL);
      best[4] = fmin(best[4], now() - t);

      t = now();
      {
        const char *endp = NULL;
        cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &endp, 0);
        best[5] = fmin(best[5], now() - t);
        sink = doc != NULL ? cJSON_GetArrayItem(doc, 0)->valuedouble : 0;
        cJSON_Delete(doc);
      }
    }
    printf("%-18s %10.1f %10.1f %10.1f %6.2fx | %10.1f %10.1f %10.1f %6.2fx | %.1f%%\n",
           kinds[kind], best[0] * 1e9 / N, best[1] * 1e9 / N, best[2] * 1e9 / N,
           best[1] / best[0], best[3] * 1e9 / N, best[4] * 1e9 / N, best[5] * 1e9 / N,
           best[4] / best[3], 100.0 * (double)bad / N);
    free(text);
  }
  free(v);
  free(back);
  free(off);
  free(tmp);
  return 0;
}
