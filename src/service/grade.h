/*
 * grade.h: grading a kernel's outputs in its own precision. The element types
 * (float64, float32, float16, bfloat16) as data; a value of a type read from its bit
 * pattern or rounded once from a double; the distance in ULP between two values of a
 * type; and the statistics of a graded output (histogram, mismatches, the worst
 * elements, pass or fail under a tolerance). No HTTP or JSON here: every value of a
 * type is held as the double equal to it (each of these types is a subset of double).
 */
#ifndef NEUROND_SERVICE_GRADE_H
#define NEUROND_SERVICE_GRADE_H

#include <stddef.h>
#include <stdint.h>

/* ================================================================ Types */

struct dtype {
  const char *name;     /* "float32" */
  unsigned bits;        /* storage width: 64, 32 or 16 */
  int mant;             /* significand bits, the leading one included (24 for float32) */
  int min_exp;          /* exponent of the least normal number (-126 for float32) */
  int max_exp;          /* exponent of the largest finite number (127 for float32) */
  double max;           /* the largest finite value */
  double sub_c;         /* 2^(min_exp + 53 - mant): the doubles in [sub_c, 2 sub_c) are
                           spaced as the subnormals of the type */
  double torch_rtol, torch_atol; /* torch.testing.assert_close's defaults */
  double jax_tol;       /* JAX's default test tolerance, used as rtol and as atol */
};

enum { DT_FLOAT64, DT_FLOAT32, DT_FLOAT16, DT_BFLOAT16, DT__COUNT };
extern const struct dtype dtypes[DT__COUNT];
extern const char *const dtype_names[DT__COUNT + 1]; /* NULL-terminated, for a field */

/* The value of t nearest d, ties to even, from the double d and the sign of
 * (exact - d) (see eng_round_to: needed only where d is a midpoint of t). float64: d.
 * With sign 0 this is the rounding of d itself, done on its bits (dt_round_bits);
 * else the engine's eng_round_to. */
double dt_round(const struct dtype *t, double d, int sign);
/* d rounded to the nearest value of t, ties to even: eng_round_to(d, 0, ...) for every
 * double, computed on the bits of d (a hardware conversion for float32). */
double dt_round_bits(const struct dtype *t, double d);
/* Whether the finite d lies exactly halfway between two neighbours of t (then the
 * side of the exact value decides the rounding). Never for float64. */
int dt_midpoint(const struct dtype *t, double d);
/* The value whose bit pattern is bits (t->bits wide); NaN patterns give NaN. */
double dt_from_bits(const struct dtype *t, uint64_t bits);
/* The bit pattern of v, a value of t (NaN: the quiet NaN with the sign clear). */
uint64_t dt_bits(const struct dtype *t, double v);
/* The largest finite value of t. */
double dt_max(const struct dtype *t);
/* Whether v is a subnormal value of t (nonzero, below the least normal number). */
int dt_subnormal(const struct dtype *t, double v);
/* The number of values of t from a to b (finite values of t), counting across zero
 * with +0 and -0 as one value: 0 when equal, 1 for neighbours. */
uint64_t dt_ulps(const struct dtype *t, double a, double b);

/* ============================================================ Tolerance */

enum tol_kind {
  TOL_ULP, /* an element passes when its ULP error is at most ulp */
  TOL_REL  /* ... when |got - expected| <= atol + rtol |expected| (in double) */
};

struct tolerance {
  enum tol_kind kind;
  double ulp;
  double rtol, atol;
  const char *preset;   /* "torch", "jax" or NULL */
};

/* =============================================================== Grades */

/* An infinite error: a NaN, or an infinity where the expected value differs. */
#define GRADE_INF UINT64_MAX

/* Histogram buckets: 0, 1, 2, 3-10, 11-100 and more than 100 ULP, and infinite. */
enum { GB_0, GB_1, GB_2, GB_3_10, GB_11_100, GB_MORE, GB_INF, GB__COUNT };
extern const char *const grade_bucket_names[GB__COUNT];

/* One element among the worst: its flat index and error. */
struct grade_entry {
  size_t index;
  uint64_t ulp;         /* GRADE_INF for an infinite error */
};

struct grade {
  size_t count;         /* elements graded */
  size_t failed;        /* elements outside the tolerance */
  uint64_t max_ulp;     /* GRADE_INF when some error is infinite */
  double sum_ulp;       /* over the elements with a finite error */
  size_t finite;        /* those elements */
  size_t hist[GB__COUNT];
  size_t nan;           /* got is NaN (the expected value never is) */
  size_t inf;           /* got is infinite and differs, or the expected value is infinite
                           and got is finite */
  size_t signed_zero;   /* got and expected are zeros of opposite signs */
  size_t flushed;       /* expected is a subnormal of the type, got is zero */
  struct grade_entry *worst; /* the largest errors (and the differing signs of zero),
                                largest first, then by index; malloc'd */
  size_t nworst;
};

/* Grades got[0 .. n-1] against expected[] (values of t; expected never NaN) under tol,
 * keeping the nworst largest errors, on the pool's threads when n is large. Returns 0,
 * or -1 when memory could not be had. */
int grade_run(const struct dtype *t, const struct tolerance *tol, const double *got,
              const double *expected, size_t n, size_t nworst, struct grade *g);
void grade_free(struct grade *g);

#endif /* NEUROND_SERVICE_GRADE_H */
