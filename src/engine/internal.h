/*
 * internal.h: helpers and kernels shared inside the engine only.
 *
 * Kernel files group activations by family; the table in activation.c names them.
 * Element-wise kernels are eng__<stem>_ew; vector kernels eng__<stem>_fwd/_vjp/_jac.
 */
#ifndef NEUROND_ENGINE_INTERNAL_H
#define NEUROND_ENGINE_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "dd.h"
#include "engine.h"

/* Kernels are built twice on x86-64 with GCC, for the baseline and for x86-64-v3
 * (AVX2, FMA), and the loader picks one: without FMA in the baseline every fma() is a
 * call into libm. The results are the same bits: fma is exact either way, and ISO C
 * mode does not contract a * b + c by itself. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
  !defined(__SANITIZE_ADDRESS__)
#define ENG_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
/* The block kernels (act_block.c) also for x86-64-v4: AVX-512 doubles their lanes. */
#define ENG_BLOCK_KERNEL \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define ENG_KERNEL
#define ENG_BLOCK_KERNEL
#endif

/* The AVX-512 block kernels of act_block512.c (x86-64, GCC): sigmoid, swish and elu
 * for 2^-8 <= |p[0]| <= 2^8, celu for 2^-8 <= p[0] <= 2^8, hard_swish, selu, and rrelu
 * for exact halvings and alpha in [2^-30, 2^30], where eng__avx512() says the machine runs them; act_block.c's eng__sigmoid_block and the
 * others choose between them and the portable kernels (eng__*_portable_block, also
 * called by the tests). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ENG_AVX512 1
int eng__avx512(void);
eng_block_fn eng__sigmoid_block512, eng__swish_block512, eng__hard_swish_block512,
  eng__elu_block512, eng__selu_block512, eng__celu_block512, eng__rrelu_block512;
#endif

/* A helper of a kernel, inlined into each of its builds (a call would reach the
 * baseline build of the helper, and libm's fma through the PLT). */
#define ENG_INLINE static inline __attribute__((always_inline))

/* A double's bits and back. */
ENG_INLINE uint64_t eng__bits(double v)
{
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

ENG_INLINE double eng__of_bits(uint64_t b)
{
  double v;
  memcpy(&v, &b, sizeof v);
  return v;
}

/* 2^floor(log2 a) for a normal a >= 0: a with its significand cleared. */
ENG_INLINE double eng__pow2_floor(double a)
{
  return eng__of_bits(eng__bits(a) & 0x7ff0000000000000u);
}

/* First index of the row's maximum (the kernels of act_vector.c, the exact path). */
ENG_INLINE size_t eng__first_max(const double *x, size_t k)
{
  size_t am = 0;
  for (size_t i = 1; i < k; i++)
    if (x[i] > x[am])
      am = i;
  return am;
}

/* act_piecewise.c: piecewise-linear and rational functions. */
eng_ew_fn eng__identity_ew;
eng_ew_fn eng__step_ew;
eng_ew_fn eng__hard_sigmoid_ew;   /* p: slope, offset (hard_sigmoid, hard_logistic) */
eng_ew_fn eng__hard_tanh_ew;      /* p: min_val, max_val */
eng_ew_fn eng__relu_ew;
eng_ew_fn eng__relu6_ew;
eng_ew_fn eng__leaky_relu_ew;     /* p: alpha (leaky_relu, prelu) */
eng_ew_fn eng__rrelu_ew;          /* p: lower, upper */
eng_ew_fn eng__hard_swish_ew;
eng_ew_fn eng__hardshrink_ew;     /* p: lambd */
eng_ew_fn eng__softshrink_ew;     /* p: lambd */
eng_ew_fn eng__threshold_ew;      /* p: threshold, value */
eng_ew_fn eng__thresholded_relu_ew; /* p: alpha */
eng_ew_fn eng__softsign_ew;

/* act_logistic.c: the logistic family. */
eng_ew_fn eng__sigmoid_ew;        /* p: a */
/* act_block.c: y and dy/dx over blocks, on vector lanes. */
eng_block_fn eng__sigmoid_block, eng__tanh_block, eng__softplus_block, eng__swish_block,
  eng__log_sigmoid_block, eng__elu_block, eng__selu_block, eng__celu_block,
  eng__softsign_block, eng__tanhshrink_block, eng__mish_block, eng__hard_swish_block,
  eng__gelu_block, eng__rrelu_block, eng__identity_block, eng__step_block,
  eng__relu_block, eng__relu6_block, eng__leaky_relu_block, eng__hard_tanh_block,
  eng__threshold_block, eng__thresholded_relu_block, eng__hardshrink_block,
  eng__softshrink_block, eng__hard_sigmoid_block, eng__gelu_exact_block,
  eng__gelu_tanh_block, eng__gelu_sigmoid_block, eng__sigmoid_portable_block,
  eng__swish_portable_block, eng__hard_swish_portable_block, eng__elu_portable_block,
  eng__selu_portable_block, eng__celu_portable_block, eng__rrelu_portable_block;
eng_ew_fn eng__tanh_ew;
eng_ew_fn eng__log_sigmoid_ew;
eng_ew_fn eng__softplus_ew;       /* p: beta */
eng_ew_fn eng__swish_ew;          /* p: beta */
/* swish at u = beta x given in two words with an error bound (cr.h), the outputs
 * rounded through c (GELU's sigmoid form passes its 1.702 x) */
struct dde;
struct cr_ctx;
void eng__swish_at(double x, struct dde u, struct dde beta, unsigned want,
                   const struct cr_ctx *c);
eng_ew_fn eng__tanhshrink_ew;
eng_ew_fn eng__squareplus_ew;     /* p: b */

/* act_gelu.c: GELU (three forms) and mish; gelu_table.c: the Taylor coefficients of
 * e^(a^2/2) Phi(-a) on the eighths of [0, 40), in two words (tests/gen/gelu_table_gen.c). */
#define ENG_GELU_DEG 26
extern const double eng__gelu_G[320][ENG_GELU_DEG + 1][2];
eng_ew_fn eng__gelu_ew;           /* p: approximate (0 none, 1 tanh, 2 sigmoid) */
eng_ew_fn eng__mish_ew;

/* act_elu.c: the exponential linear units. */
eng_ew_fn eng__elu_ew;            /* p: alpha */
eng_ew_fn eng__selu_ew;
eng_ew_fn eng__celu_ew;           /* p: alpha */

/* act_vector.c: functions of a whole row. */
eng_vec_fwd_fn eng__softmax_fwd;
eng_vec_vjp_fn eng__softmax_vjp;
eng_vec_jac_fn eng__softmax_jac;
eng_vec_fwd_fn eng__log_softmax_fwd;
eng_vec_vjp_fn eng__log_softmax_vjp;
eng_vec_jac_fn eng__log_softmax_jac;
eng_vec_fwd_fn eng__softmin_fwd;
eng_vec_vjp_fn eng__softmin_vjp;
eng_vec_jac_fn eng__softmin_jac;
eng_vec_fwd_fn eng__sparsemax_fwd;
eng_vec_vjp_fn eng__sparsemax_vjp;
eng_vec_jac_fn eng__sparsemax_jac;
eng_vec_fwd_fn eng__maxout_fwd;
eng_vec_vjp_fn eng__maxout_vjp;
eng_vec_jac_fn eng__maxout_jac;
eng_vec_fwd_fn eng__hardmax_fwd;
eng_vec_vjp_fn eng__hardmax_vjp;
eng_vec_jac_fn eng__hardmax_jac;

/* exact.c: the exact path of each element-wise row (MPFR intervals). */
#define ENG_EXACT_DECL(stem) extern const struct eng__exact eng__exact_##stem;
#define ENG_EXACT_ROWS(X)                                                         \
  X(identity) X(step) X(hard_sigmoid) X(hard_tanh) X(relu) X(relu6) X(leaky_relu) \
  X(rrelu) X(threshold) X(thresholded_relu) X(hard_swish) X(hardshrink)           \
  X(softshrink) X(softsign) X(sigmoid) X(tanh) X(log_sigmoid) X(softplus)         \
  X(swish) X(tanhshrink) X(squareplus) X(gelu) X(mish) X(elu) X(selu) X(celu)
ENG_EXACT_ROWS(ENG_EXACT_DECL)
/* ... and of the vector rows, by kind */
extern const struct eng__exact eng__exact_softmax, eng__exact_log_softmax,
  eng__exact_softmin, eng__exact_sparsemax, eng__exact_maxout, eng__exact_hardmax;

/* The exact path: the correctly rounded value of output `which` of an element-wise
 * row at x (grad_y gy for ENG_OUT_GRAD_X), and sign(exact - d); the same for output
 * `which` (ENG_VOUT_*) of entry i (and j, for J[i][j]) of a vector row. */
double eng__exact_round(const struct eng__exact *m, double x, const double *p,
                        unsigned which, double gy);
int eng__exact_sign(const struct eng__exact *m, double x, const double *p, unsigned which,
                    double gy, double d);
double eng__exact_vec_round(const struct eng__exact *m, const double *x, size_t k,
                            const double *gy, unsigned which, size_t i, size_t j);
int eng__exact_vec_sign(const struct eng__exact *m, const double *x, size_t k,
                        const double *gy, unsigned which, size_t i, size_t j, double d);

/* eng_loss_eval, and for softmax cross-entropy given the softmax a of the logits: on
 * a one-hot row, grad_j = a_j / M (M the batch for MEAN, else 1) for every j but the
 * class, which alone is evaluated. */
int eng__loss_eval(enum eng_loss l, const double *input, size_t m, size_t k,
                   const struct eng_targets *t, enum eng_reduction red, double *losses,
                   double *loss, double *grad, double *prob, const double *a, size_t *bad);

/* Constraint checks named by table rows. */
int eng__check_min_lt_max(const double *p, unsigned *bad);   /* p[0] < p[1] */
int eng__check_lower_le_upper(const double *p, unsigned *bad); /* p[0] <= p[1] */
int eng__check_nonzero0(const double *p, unsigned *bad);     /* p[0] != 0 */

#endif /* NEUROND_ENGINE_INTERNAL_H */
