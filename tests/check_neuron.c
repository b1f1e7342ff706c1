/*
 * check_neuron.c: the dense layer. Forward z against MPFR (the compensated dot product
 * survives cancellation) and a hand-computed neuron; backward from sigmoid and softmax
 * cross-entropy against MPFR (dL/dz = sigmoid(z) - r and softmax(z) - r to a few ULP,
 * grad_W, grad_b, grad_x exact from grad_z); a finite-difference check of grad_W,
 * grad_b and grad_x over several activations and losses; the SGD step; the statuses.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <mpfr.h>

#include "engine.h"
#include "testutil.h"

#define PREC 4096 /* exp(-2000) beside 1 in the softmax references */
#define ULP_BOUND 4
#define MAXQ 256

static uint64_t mix(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static double unif(uint64_t *s, double lo, double hi)
{
  return lo + (hi - lo) * ((double)(mix(s) >> 11) * 0x1p-53);
}

/* n values uniform in (-1, 1), each times 2^e for e uniform in [-spread/2, spread/2)
 * (spread 0: no scaling). */
static void fill(uint64_t *s, double *v, size_t n, unsigned spread)
{
  for (size_t q = 0; q < n; q++) {
    double u = unif(s, -1, 1);
    v[q] = spread ? u * ldexp(1, (int)(mix(s) % spread) - (int)spread / 2) : u;
  }
}

static void expect_ulp(const char *what, size_t i, double got, mpfr_t want, uint64_t *worst)
{
  double w = mpfr_get_d(want, MPFR_RNDN);
  uint64_t u = ulp_distance(got, w);
  if (u > *worst)
    *worst = u;
  ck_assert_msg(u <= ULP_BOUND, "%s[%zu] = %.17g, want %.17g (%llu ulp)", what, i, got, w,
                (unsigned long long)u);
}

/* A layer with the named activation and its default parameters. */
static struct eng_layer layer(const char *act, double *p, size_t m, size_t d, size_t k,
                              const double *x, const double *w, const double *b)
{
  struct eng_layer l = {m, d, k, x, w, b, eng_activation_lookup(act), p};
  ck_assert_msg(l.act != NULL, "%s is not in the table", act);
  eng_params_default(l.act, p);
  return l;
}

/* ================================================================== Forward */

START_TEST(test_neuron_forward_z_is_compensated)
{
  /* z = 1e16 + 1 - 1e16 + 0.5 = 1.5; a naive left-to-right sum gives 0.5. */
  double x[3] = {1e16, 1, -1e16}, w[3] = {1, 1, 1}, b[1] = {0.5}, z[1], p[ENG_MAX_PARAMS];
  struct eng_layer l = layer("identity", p, 1, 3, 1, x, w, b);
  ck_assert_int_eq(eng_layer_forward(&l, z, NULL), ENG_OK);
  ck_assert_double_eq(z[0], 1.5);
}
END_TEST

START_TEST(test_neuron_forward_z_matches_mpfr)
{
  uint64_t seed = 21, worst = 0;
  double x[MAXQ] = {0}, w[MAXQ] = {0}, b[16] = {0}, z[MAXQ], p[ENG_MAX_PARAMS];
  mpfr_t acc, t;
  mpfr_inits2(PREC, acc, t, (mpfr_ptr)0);
  for (int rep = 0; rep < 40; rep++) {
    /* k from 1 to 12: one neuron at a time, and the layers whose neurons advance
     * together (k >= 4) with and without a remainder past the vector width */
    size_t m = 1 + mix(&seed) % 6, d = 1 + mix(&seed) % 12, k = 1 + mix(&seed) % 12;
    struct eng_layer l = layer("identity", p, m, d, k, x, w, b);
    fill(&seed, x, m * d, 60);
    fill(&seed, w, k * d, 0);
    fill(&seed, b, k, 0);
    ck_assert_int_eq(eng_layer_forward(&l, z, NULL), ENG_OK);
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < k; j++) {
        mpfr_set_d(acc, b[j], MPFR_RNDN);
        for (size_t c = 0; c < d; c++) {
          mpfr_set_d(t, x[i * d + c], MPFR_RNDN);
          mpfr_mul_d(t, t, w[j * d + c], MPFR_RNDN);
          mpfr_add(acc, acc, t, MPFR_RNDN);
        }
        expect_ulp("z", i * k + j, z[i * k + j], acc, &worst);
      }
  }
  printf("check_neuron: z max error %llu ulp\n", (unsigned long long)worst);
  mpfr_clears(acc, t, (mpfr_ptr)0);
}
END_TEST

/* A layer's z is, bit for bit, the z of each of its neurons on its own (a layer
 * advances its k sums together; one neuron sums alone). */
START_TEST(test_neuron_layer_z_is_each_neurons_z)
{
  uint64_t seed = 5;
  double x[8 * 40], w[13 * 40], b[13], z[8 * 13], z1[8], p[ENG_MAX_PARAMS];
  for (int rep = 0; rep < 30; rep++) {
    size_t m = 1 + mix(&seed) % 8, d = 1 + mix(&seed) % 40, k = 4 + mix(&seed) % 10;
    struct eng_layer l = layer("identity", p, m, d, k, x, w, b);
    fill(&seed, x, m * d, 80); /* wide magnitudes: the error terms matter */
    fill(&seed, w, k * d, 20);
    fill(&seed, b, k, 0);
    ck_assert_int_eq(eng_layer_forward(&l, z, NULL), ENG_OK);
    for (size_t j = 0; j < k; j++) {
      struct eng_layer one = layer("identity", p, m, d, 1, x, w + j * d, b + j);
      ck_assert_int_eq(eng_layer_forward(&one, z1, NULL), ENG_OK);
      for (size_t i = 0; i < m; i++)
        ck_assert_msg(memcmp(&z[i * k + j], &z1[i], sizeof(double)) == 0,
                      "k=%zu d=%zu z[%zu][%zu] = %a alone %a", k, d, i, j, z[i * k + j], z1[i]);
    }
  }
}
END_TEST

START_TEST(test_neuron_forward_hand_values)
{
  /* The API's example: w = (0.5, -1, 2), b = 0.1, x = (1, 2, 3) and (0, 0, 1):
   * z = 0.5 - 2 + 6 + 0.1 = 4.6 and 2 + 0.1 = 2.1; a = sigmoid(z). */
  double x[6] = {1, 2, 3, 0, 0, 1}, w[3] = {0.5, -1, 2}, b[1] = {0.1}, z[2], a[2];
  double p[ENG_MAX_PARAMS];
  struct eng_layer l = layer("sigmoid", p, 2, 3, 1, x, w, b);
  ck_assert_int_eq(eng_layer_forward(&l, z, a), ENG_OK);
  ck_assert_double_eq(z[0], 4.6);
  ck_assert_double_eq(z[1], 2.1);
  ck_assert_double_eq_tol(a[0], 0.99004819813309575, 4.5e-16); /* 1 / (1 + e^-4.6) */
  ck_assert_double_eq_tol(a[1], 0.89090317880438707, 4.5e-16);
}
END_TEST

START_TEST(test_neuron_forward_softmax_across_the_layer)
{
  /* k = 3 neurons, w = I, b = 0: z = x and a = softmax(x) across the three. */
  double x[3] = {1, 2, 3}, w[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, z[3], a[3];
  double p[ENG_MAX_PARAMS];
  struct eng_layer l = layer("softmax", p, 1, 3, 3, x, w, NULL);
  ck_assert_int_eq(eng_layer_forward(&l, z, a), ENG_OK);
  ck_assert_double_eq(z[2], 3);
  ck_assert_double_eq_tol(a[0], 0.090030573170380462, 6e-17); /* 4 ULP */
  ck_assert_double_eq_tol(a[1], 0.24472847105479764, 1.2e-16);
  ck_assert_double_eq_tol(a[2], 0.6652409557748219, 4.5e-16);
}
END_TEST

/* ========================================================= Backward vs MPFR */

/* grad_W, grad_b, grad_x against MPFR sums of the layer's own grad_z. */
static void expect_param_grads(const struct eng_layer *l, const struct eng_backward_out *o,
                               uint64_t *worst)
{
  size_t m = l->m, d = l->d, k = l->k;
  mpfr_t acc, t;
  mpfr_inits2(PREC, acc, t, (mpfr_ptr)0);
  for (size_t j = 0; j < k; j++) {
    for (size_t c = 0; c < d; c++) {
      mpfr_set_zero(acc, 1);
      for (size_t i = 0; i < m; i++) {
        mpfr_set_d(t, o->grad_z[i * k + j], MPFR_RNDN);
        mpfr_mul_d(t, t, l->x[i * d + c], MPFR_RNDN);
        mpfr_add(acc, acc, t, MPFR_RNDN);
      }
      expect_ulp("grad_w", j * d + c, o->grad_w[j * d + c], acc, worst);
    }
    mpfr_set_zero(acc, 1);
    for (size_t i = 0; i < m; i++)
      mpfr_add_d(acc, acc, o->grad_z[i * k + j], MPFR_RNDN);
    expect_ulp("grad_b", j, o->grad_b[j], acc, worst);
  }
  for (size_t i = 0; i < m; i++)
    for (size_t c = 0; c < d; c++) {
      mpfr_set_zero(acc, 1);
      for (size_t j = 0; j < k; j++) {
        mpfr_set_d(t, o->grad_z[i * k + j], MPFR_RNDN);
        mpfr_mul_d(t, t, l->w[j * d + c], MPFR_RNDN);
        mpfr_add(acc, acc, t, MPFR_RNDN);
      }
      expect_ulp("grad_x", i * d + c, o->grad_x[i * d + c], acc, worst);
    }
  mpfr_clears(acc, t, (mpfr_ptr)0);
}

START_TEST(test_neuron_sigmoid_cross_entropy_matches_mpfr)
{
  /* L = r softplus(-u) + (1 - r) softplus(u), u = alpha z; dL/dz = alpha (sigmoid(u) - r),
   * over m for MEAN. z from forward, so the references start from the engine's z. */
  uint64_t seed = 22, worst_z = 0, worst_l = 0, worst_p = 0;
  double x[MAXQ] = {0}, w[MAXQ] = {0}, b[8] = {0}, r[MAXQ] = {0}, z[MAXQ], gz[MAXQ];
  double gw[MAXQ], gb[8], gx[MAXQ];
  double losses[64], loss, p[ENG_MAX_PARAMS];
  static const double alphas[] = {1, 1, 2.5, -0.75};
  mpfr_t u, e, s, sp, acc, tot;
  mpfr_inits2(PREC, u, e, s, sp, acc, tot, (mpfr_ptr)0);
  for (int rep = 0; rep < 24; rep++) {
    size_t m = 1 + mix(&seed) % 5, d = 1 + mix(&seed) % 4, k = 1 + mix(&seed) % 3;
    double scale = rep < 8 ? 1 : rep < 16 ? 20 : 150; /* far tails: |u| up to 1500 */
    enum eng_reduction red = rep % 2 ? ENG_REDUCE_SUM : ENG_REDUCE_MEAN;
    struct eng_layer l = layer("sigmoid", p, m, d, k, x, w, b);
    struct eng_targets t = {r, NULL};
    struct eng_backward_out o = {gz, gw, gb, gx, losses, &loss};
    p[0] = alphas[rep % 4];
    for (size_t q = 0; q < m * d; q++)
      x[q] = unif(&seed, -scale, scale);
    fill(&seed, w, k * d, 0);
    fill(&seed, b, k, 0);
    for (size_t q = 0; q < m * k; q++)
      r[q] = mix(&seed) % 3 == 0 ? unif(&seed, 0, 1) : (double)(mix(&seed) & 1);
    ck_assert_int_eq(eng_layer_forward(&l, z, NULL), ENG_OK);
    ck_assert_int_eq(eng_layer_backward(&l, z, NULL, NULL, ENG_LOSS_CROSS_ENTROPY, &t, red,
                                        &o, NULL), ENG_OK);
    mpfr_set_zero(tot, 1);
    for (size_t i = 0; i < m; i++) {
      mpfr_set_zero(acc, 1);
      for (size_t j = 0; j < k; j++) {
        size_t q = i * k + j;
        mpfr_set_d(u, z[q], MPFR_RNDN);
        mpfr_mul_d(u, u, p[0], MPFR_RNDN);
        /* softplus(u) = ln(1 + e^u); softplus(-u) = softplus(u) - u */
        mpfr_exp(e, u, MPFR_RNDN);
        mpfr_log1p(sp, e, MPFR_RNDN);
        mpfr_set_d(s, r[q], MPFR_RNDN);
        mpfr_d_sub(s, 1, s, MPFR_RNDN);
        mpfr_mul(s, s, sp, MPFR_RNDN);
        mpfr_add(acc, acc, s, MPFR_RNDN);
        mpfr_sub(sp, sp, u, MPFR_RNDN);
        mpfr_mul_d(s, sp, r[q], MPFR_RNDN);
        mpfr_add(acc, acc, s, MPFR_RNDN);
        /* sigmoid(u) = e / (1 + e) */
        mpfr_add_ui(s, e, 1, MPFR_RNDN);
        mpfr_div(s, e, s, MPFR_RNDN);
        mpfr_sub_d(s, s, r[q], MPFR_RNDN);
        mpfr_mul_d(s, s, p[0], MPFR_RNDN);
        if (red == ENG_REDUCE_MEAN)
          mpfr_div_ui(s, s, (unsigned long)m, MPFR_RNDN);
        if (r[q] != 0 && r[q] != 1 &&
            fabs(gz[q] - mpfr_get_d(s, MPFR_RNDN)) <=
              0x1p-94 * fabs(p[0]) / (red == ENG_REDUCE_MEAN ? (double)m : 1))
          continue; /* sigmoid(u) - r for a fractional r: sigmoid(u) is carried to about
                     * 2^-95, so a difference cancelled beyond 2^-50 is exact to 2^-94 */
        expect_ulp("grad_z", q, gz[q], s, &worst_z);
      }
      expect_ulp("losses", i, losses[i], acc, &worst_l);
      mpfr_add(tot, tot, acc, MPFR_RNDN);
    }
    if (red == ENG_REDUCE_MEAN)
      mpfr_div_ui(tot, tot, (unsigned long)m, MPFR_RNDN);
    expect_ulp("loss", 0, loss, tot, &worst_l);
    expect_param_grads(&l, &o, &worst_p);
  }
  printf("check_neuron: sigmoid+CE max error: grad_z %llu, loss %llu, grad_w/b/x %llu ulp\n",
         (unsigned long long)worst_z, (unsigned long long)worst_l,
         (unsigned long long)worst_p);
  mpfr_clears(u, e, s, sp, acc, tot, (mpfr_ptr)0);
}
END_TEST

START_TEST(test_neuron_softmax_cross_entropy_grad_is_softmax_minus_r)
{
  /* dL/dz = softmax(z) - r for class indices, exactly to a few ULP, and the same bits
   * as the softmax cross-entropy loss on the logits z; logits up to +-1000. */
  uint64_t seed = 23, worst_z = 0, worst_p = 0;
  double x[MAXQ] = {0}, w[MAXQ] = {0}, cls[16] = {0}, z[MAXQ], gz[MAXQ], gw[MAXQ];
  double gb[8], gx[MAXQ];
  double g2[MAXQ], losses[16], l2[16], loss, loss2, p[ENG_MAX_PARAMS];
  mpfr_t s, e, lse;
  mpfr_inits2(PREC, s, e, lse, (mpfr_ptr)0);
  for (int rep = 0; rep < 24; rep++) {
    size_t m = 1 + mix(&seed) % 6, d = 1 + mix(&seed) % 4, k = 2 + mix(&seed) % 5;
    double scale = rep < 8 ? 1 : rep < 16 ? 30 : 1000;
    enum eng_reduction red = rep % 2 ? ENG_REDUCE_SUM : ENG_REDUCE_MEAN;
    struct eng_layer l = layer("softmax", p, m, d, k, x, w, NULL);
    struct eng_targets t = {NULL, cls};
    struct eng_backward_out o = {gz, gw, gb, gx, losses, &loss};
    for (size_t q = 0; q < m * d; q++)
      x[q] = unif(&seed, -scale, scale);
    fill(&seed, w, k * d, 0);
    for (size_t i = 0; i < m; i++)
      cls[i] = (double)(mix(&seed) % k);
    ck_assert_int_eq(eng_layer_forward(&l, z, NULL), ENG_OK);
    ck_assert_int_eq(eng_layer_backward(&l, z, NULL, NULL, ENG_LOSS_CROSS_ENTROPY, &t, red,
                                        &o, NULL), ENG_OK);
    ck_assert_int_eq(eng_loss_eval(ENG_LOSS_SOFTMAX_CROSS_ENTROPY, z, m, k, &t, red, l2,
                                   &loss2, g2, NULL, NULL), ENG_OK);
    ck_assert_int_eq(memcmp(gz, g2, m * k * sizeof *gz), 0);
    ck_assert_int_eq(memcmp(losses, l2, m * sizeof *l2), 0);
    ck_assert_double_eq(loss, loss2);
    for (size_t i = 0; i < m; i++) {
      mpfr_set_zero(s, 1);
      for (size_t j = 0; j < k; j++) {
        mpfr_set_d(e, z[i * k + j], MPFR_RNDN);
        mpfr_exp(e, e, MPFR_RNDN);
        mpfr_add(s, s, e, MPFR_RNDN);
      }
      mpfr_log(lse, s, MPFR_RNDN);
      for (size_t j = 0; j < k; j++) {
        mpfr_set_d(e, z[i * k + j], MPFR_RNDN);
        mpfr_sub(e, e, lse, MPFR_RNDN);
        mpfr_exp(e, e, MPFR_RNDN);
        mpfr_sub_d(e, e, (size_t)cls[i] == j ? 1 : 0, MPFR_RNDN);
        if (red == ENG_REDUCE_MEAN)
          mpfr_div_ui(e, e, (unsigned long)m, MPFR_RNDN);
        expect_ulp("grad_z", i * k + j, gz[i * k + j], e, &worst_z);
      }
    }
    expect_param_grads(&l, &o, &worst_p);
  }
  printf("check_neuron: softmax+CE max error: grad_z %llu, grad_w/b/x %llu ulp\n",
         (unsigned long long)worst_z, (unsigned long long)worst_p);
  mpfr_clears(s, e, lse, (mpfr_ptr)0);
}
END_TEST

/* Given a, a one-hot row's grad_z is a (the correctly rounded softmax) over M for every
 * class but the target's, digit for digit: grad_z = softmax(z) - r as a learner reads
 * it beside a. With M a power of two the quotient is exact. */
START_TEST(test_neuron_softmax_cross_entropy_grad_is_a_off_target)
{
  uint64_t seed = 29;
  double x[MAXQ] = {0}, w[MAXQ] = {0}, cls[16] = {0}, z[MAXQ], a[MAXQ], gz[MAXQ], gw[MAXQ];
  double gb[8], gx[MAXQ], loss, p[ENG_MAX_PARAMS];
  for (int rep = 0; rep < 24; rep++) {
    size_t m = (size_t)1 << (rep % 4), d = 1 + mix(&seed) % 4, k = 2 + mix(&seed) % 5;
    enum eng_reduction red = rep % 3 ? ENG_REDUCE_MEAN : ENG_REDUCE_SUM;
    struct eng_layer l = layer("softmax", p, m, d, k, x, w, NULL);
    struct eng_targets t = {NULL, cls};
    struct eng_backward_out o = {gz, gw, gb, gx, NULL, &loss};
    for (size_t q = 0; q < m * d; q++)
      x[q] = unif(&seed, -5, 5);
    fill(&seed, w, k * d, 0);
    for (size_t i = 0; i < m; i++)
      cls[i] = (double)(mix(&seed) % k);
    ck_assert_int_eq(eng_layer_forward(&l, z, a), ENG_OK);
    ck_assert_int_eq(eng_layer_backward(&l, z, a, NULL, ENG_LOSS_CROSS_ENTROPY, &t, red, &o,
                                        NULL), ENG_OK);
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < k; j++)
        if ((size_t)cls[i] != j)
          ck_assert_msg(gz[i * k + j] == a[i * k + j] / (red == ENG_REDUCE_MEAN ? (double)m : 1),
                        "grad_z[%zu][%zu] = %a, a = %a", i, j, gz[i * k + j], a[i * k + j]);
  }
}
END_TEST

/* The sums after grad_z, split by neurons and by samples, are bit for bit those of
 * one eng_layer_backward call; ranges past the layer are refused. */
START_TEST(test_neuron_backward_split_is_whole)
{
  enum { M = 9, D = 13, K = 7 };
  uint64_t seed = 77;
  double x[M * D] = {0}, w[K * D] = {0}, b[K] = {0}, z[M * K], a[M * K], ga[M * K],
         p[ENG_MAX_PARAMS];
  double gz[M * K], gw[K * D], gb[K], gx[M * D], gw2[K * D], gb2[K], gx2[M * D];
  struct eng_layer l = layer("tanh", p, M, D, K, x, w, b);
  struct eng_backward_out o = {gz, gw, gb, gx, NULL, NULL};

  fill(&seed, x, M * D, 40);
  fill(&seed, w, K * D, 0);
  fill(&seed, b, K, 0);
  fill(&seed, ga, M * K, 0);
  ck_assert_int_eq(eng_layer_forward(&l, z, a), ENG_OK);
  ck_assert_int_eq(eng_layer_backward(&l, z, a, ga, ENG_LOSS_SQUARED, NULL, ENG_REDUCE_MEAN,
                                      &o, NULL), ENG_OK);
  for (size_t cut = 0; cut <= K; cut++) {
    memset(gw2, 0xAB, sizeof gw2);
    memset(gb2, 0xAB, sizeof gb2);
    ck_assert_int_eq(eng_layer_grad_params(&l, gz, gw2, gb2, 0, cut), ENG_OK);
    ck_assert_int_eq(eng_layer_grad_params(&l, gz, gw2, gb2, cut, K), ENG_OK);
    ck_assert_msg(memcmp(gw, gw2, sizeof gw) == 0, "grad_w cut at neuron %zu", cut);
    ck_assert_msg(memcmp(gb, gb2, sizeof gb) == 0, "grad_b cut at neuron %zu", cut);
  }
  for (size_t cut = 0; cut <= M; cut++) {
    memset(gx2, 0xAB, sizeof gx2);
    ck_assert_int_eq(eng_layer_grad_x(&l, gz, gx2, 0, cut), ENG_OK);
    ck_assert_int_eq(eng_layer_grad_x(&l, gz, gx2, cut, M), ENG_OK);
    ck_assert_msg(memcmp(gx, gx2, sizeof gx) == 0, "grad_x cut at sample %zu", cut);
  }
  ck_assert_int_eq(eng_layer_grad_params(&l, gz, gw2, gb2, 0, K + 1), ENG_EINVAL);
  ck_assert_int_eq(eng_layer_grad_params(&l, gz, gw2, gb2, 3, 2), ENG_EINVAL);
  ck_assert_int_eq(eng_layer_grad_params(&l, NULL, gw2, gb2, 0, K), ENG_EINVAL);
  ck_assert_int_eq(eng_layer_grad_x(&l, gz, gx2, 0, M + 1), ENG_EINVAL);
  ck_assert_int_eq(eng_layer_grad_x(&l, gz, NULL, 0, M), ENG_EINVAL);
}
END_TEST

START_TEST(test_neuron_backward_hand_values)
{
  /* Sigmoid neuron, z = 0 (w = 0, b = 0), r = 1, sum: L = ln 2, dL/dz = 1/2 - 1,
   * grad_w = grad_z x, grad_b = grad_z, grad_x = grad_z w = 0. */
  double x[2] = {3, -4}, w[2] = {0, 0}, b[1] = {0}, r[1] = {1}, z[1], gz[1], gw[2], gb[1];
  double gx[2], losses[1], loss, p[ENG_MAX_PARAMS];
  struct eng_layer l = layer("sigmoid", p, 1, 2, 1, x, w, b);
  struct eng_targets t = {r, NULL};
  struct eng_backward_out o = {gz, gw, gb, gx, losses, &loss};
  ck_assert_int_eq(eng_layer_forward(&l, z, NULL), ENG_OK);
  ck_assert_int_eq(eng_layer_backward(&l, z, NULL, NULL, ENG_LOSS_CROSS_ENTROPY, &t,
                                      ENG_REDUCE_SUM, &o, NULL), ENG_OK);
  ck_assert_double_eq(loss, 0.69314718055994531);
  ck_assert_double_eq(gz[0], -0.5);
  ck_assert_double_eq(gw[0], -1.5);
  ck_assert_double_eq(gw[1], 2);
  ck_assert_double_eq(gb[0], -0.5);
  ck_assert_double_eq(gx[0], 0);
  /* Far tail: z = -800, r = 1: L = 800 (not inf), dL/dz = -1 + e^-800 = -1. */
  w[0] = 200;
  ck_assert_int_eq(eng_layer_forward(&l, z, NULL), ENG_OK);
  ck_assert_double_eq(z[0], 600);
  r[0] = 0; /* L = softplus(600) = 600 */
  ck_assert_int_eq(eng_layer_backward(&l, z, NULL, NULL, ENG_LOSS_CROSS_ENTROPY, &t,
                                      ENG_REDUCE_MEAN, &o, NULL), ENG_OK);
  ck_assert_double_eq(loss, 600);
  ck_assert_double_eq(gz[0], 1);
}
END_TEST

/* ========================================================= Finite differences */

enum fd_mode { FD_GRAD_A, FD_SQUARED, FD_CE };

struct fd_case {
  const char *act;
  enum fd_mode mode;
  size_t k;
};

static const struct fd_case fd_cases[] = {
  {"sigmoid", FD_CE, 3},    {"softmax", FD_CE, 4},      {"sigmoid", FD_SQUARED, 2},
  {"tanh", FD_SQUARED, 3},  {"softplus", FD_GRAD_A, 2}, {"gelu", FD_GRAD_A, 3},
  {"swish", FD_SQUARED, 2}, {"elu", FD_GRAD_A, 2},      {"mish", FD_SQUARED, 1},
  {"identity", FD_SQUARED, 3}, {"softmax", FD_SQUARED, 3}, {"softmax", FD_GRAD_A, 4},
  {"log_softmax", FD_GRAD_A, 3},
};

#define FD_M 4
#define FD_D 3

/* The scalar whose gradient backward computes: the loss, or sum(grad_a * a). */
static double fd_loss(const struct fd_case *c, struct eng_layer *l, const double *ga,
                      const struct eng_targets *t)
{
  double z[FD_M * 4], a[FD_M * 4], gz[FD_M * 4], loss = 0;
  size_t n = l->m * eng_layer_width(l);
  ck_assert_int_eq(eng_layer_forward(l, z, a), ENG_OK);
  switch (c->mode) {
  case FD_GRAD_A:
    for (size_t q = 0; q < n; q++)
      loss += ga[q] * a[q];
    return loss;
  case FD_SQUARED:
    ck_assert_int_eq(eng_loss_eval(ENG_LOSS_SQUARED, a, l->m, eng_layer_width(l), t,
                                   ENG_REDUCE_MEAN, NULL, &loss, NULL, NULL, NULL), ENG_OK);
    return loss;
  case FD_CE: {
    struct eng_backward_out o = {gz, NULL, NULL, NULL, NULL, &loss};
    ck_assert_int_eq(eng_layer_backward(l, z, a, NULL, ENG_LOSS_CROSS_ENTROPY, t,
                                        ENG_REDUCE_MEAN, &o, NULL), ENG_OK);
    return loss;
  }
  }
  return NAN;
}

/* Central difference of fd_loss in *v, step h relative to |v|. */
static double fd_at(const struct fd_case *c, struct eng_layer *l, const double *ga,
                    const struct eng_targets *t, double *v)
{
  double keep = *v, h = 1e-6 * fmax(1, fabs(keep)), up, down;
  *v = keep + h;
  up = fd_loss(c, l, ga, t);
  *v = keep - h;
  down = fd_loss(c, l, ga, t);
  *v = keep;
  return (up - down) / (2 * h);
}

static void expect_fd(const char *what, size_t i, double analytic, double fd,
                      const struct fd_case *c)
{
  ck_assert_double_finite(analytic);
  ck_assert_msg(fabs(analytic - fd) <= 1e-6 * fmax(1, fabs(fd)),
                "%s mode %d: %s[%zu] = %.12g, finite difference %.12g", c->act, c->mode,
                what, i, analytic, fd);
}

START_TEST(test_neuron_finite_difference)
{
  const struct fd_case *c = &fd_cases[_i];
  uint64_t seed = 100 + (uint64_t)_i;
  double x[FD_M * FD_D] = {0}, w[4 * FD_D] = {0}, b[4] = {0}, ga[FD_M * 4] = {0};
  double r[FD_M * 4] = {0}, cls[FD_M] = {0};
  double z[FD_M * 4], a[FD_M * 4], gz[FD_M * 4], gw[4 * FD_D], gb[4], gx[FD_M * FD_D];
  double loss, p[ENG_MAX_PARAMS];
  size_t k = c->k, wd;
  struct eng_layer l = layer(c->act, p, FD_M, FD_D, k, x, w, b);
  struct eng_targets t = {r, NULL};
  struct eng_backward_out o = {gz, gw, gb, gx, NULL, &loss};
  int rc;

  wd = eng_layer_width(&l);
  for (size_t q = 0; q < FD_M * FD_D; q++)
    x[q] = unif(&seed, -2, 2);
  fill(&seed, w, k * FD_D, 0);
  for (size_t j = 0; j < k; j++)
    b[j] = unif(&seed, -0.5, 0.5);
  for (size_t q = 0; q < FD_M * wd; q++) {
    ga[q] = unif(&seed, -1, 1);
    r[q] = unif(&seed, 0, 1);
  }
  if (c->mode == FD_CE && strcmp(c->act, "softmax") == 0) {
    for (size_t i = 0; i < FD_M; i++)
      cls[i] = (double)(mix(&seed) % k);
    t = (struct eng_targets){NULL, cls};
  }
  ck_assert_int_eq(eng_layer_forward(&l, z, a), ENG_OK);
  if (c->mode == FD_GRAD_A)
    rc = eng_layer_backward(&l, z, a, ga, ENG_LOSS_SQUARED, NULL, ENG_REDUCE_MEAN, &o, NULL);
  else
    rc = eng_layer_backward(&l, z, a, NULL,
                            c->mode == FD_CE ? ENG_LOSS_CROSS_ENTROPY : ENG_LOSS_SQUARED,
                            &t, ENG_REDUCE_MEAN, &o, NULL);
  ck_assert_int_eq(rc, ENG_OK);
  for (size_t q = 0; q < k * FD_D; q++)
    expect_fd("grad_w", q, gw[q], fd_at(c, &l, ga, &t, &w[q]), c);
  for (size_t j = 0; j < k; j++)
    expect_fd("grad_b", j, gb[j], fd_at(c, &l, ga, &t, &b[j]), c);
  for (size_t q = 0; q < FD_M * FD_D; q++)
    expect_fd("grad_x", q, gx[q], fd_at(c, &l, ga, &t, &x[q]), c);
}
END_TEST

START_TEST(test_neuron_cross_entropy_loss_matches_loss_on_a)
{
  /* The loss computed from z equals binary / categorical CE on the probabilities a. */
  double x[6] = {0.3, -1, 2, 0.5, 1.5, -0.2}, w[6] = {1, 0.5, -0.25, 2, -1, 0.75};
  double b[2] = {0.1, -0.3}, z[4], a[4], gz[4], loss, loss2, p[ENG_MAX_PARAMS];
  double r[4] = {1, 0, 0.25, 1}, cls[2] = {1, 0};
  struct eng_backward_out o = {gz, NULL, NULL, NULL, NULL, &loss};
  struct eng_layer l = layer("sigmoid", p, 2, 3, 2, x, w, b);
  struct eng_targets tr = {r, NULL}, tc = {NULL, cls};
  ck_assert_int_eq(eng_layer_forward(&l, z, a), ENG_OK);
  ck_assert_int_eq(eng_layer_backward(&l, z, a, NULL, ENG_LOSS_CROSS_ENTROPY, &tr,
                                      ENG_REDUCE_MEAN, &o, NULL), ENG_OK);
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_BINARY_CROSS_ENTROPY, a, 2, 2, &tr,
                                 ENG_REDUCE_MEAN, NULL, &loss2, NULL, NULL, NULL), ENG_OK);
  ck_assert_double_eq_tol(loss, loss2, 1e-14 * loss2);
  l = layer("softmax", p, 2, 3, 2, x, w, b);
  ck_assert_int_eq(eng_layer_forward(&l, z, a), ENG_OK);
  ck_assert_int_eq(eng_layer_backward(&l, z, a, NULL, ENG_LOSS_CROSS_ENTROPY, &tc,
                                      ENG_REDUCE_SUM, &o, NULL), ENG_OK);
  ck_assert_int_eq(eng_loss_eval(ENG_LOSS_CROSS_ENTROPY, a, 2, 2, &tc, ENG_REDUCE_SUM,
                                 NULL, &loss2, NULL, NULL, NULL), ENG_OK);
  ck_assert_double_eq_tol(loss, loss2, 1e-14 * loss2);
}
END_TEST

/* ====================================================================== SGD */

START_TEST(test_neuron_sgd_step)
{
  /* w - eta g rounded once: 1 - 0.1 * 3 with 0.1 * 3 = 0.30000000000000004 unrounded. */
  double w[3] = {1, -2, 0.5}, g[3] = {3, 0, -1}, out[3];
  mpfr_t t;
  eng_sgd_step(w, g, 3, 0.1, out);
  mpfr_init2(t, 256);
  mpfr_set_d(t, 0.1, MPFR_RNDN);
  mpfr_mul_d(t, t, 3, MPFR_RNDN);
  mpfr_d_sub(t, 1, t, MPFR_RNDN);
  ck_assert_double_eq(out[0], mpfr_get_d(t, MPFR_RNDN));
  mpfr_clear(t);
  ck_assert_double_eq(out[1], -2);
  ck_assert_double_eq(out[2], 0.6);
  eng_sgd_step(w, g, 3, 0.5, w); /* in place */
  ck_assert_double_eq(w[0], -0.5);
  ck_assert_double_eq(w[2], 1);
}
END_TEST

/* ================================================================= Statuses */

START_TEST(test_neuron_statuses)
{
  double x[4] = {1, 2, 3, 4}, w[4] = {1, 0, 0, 1}, r[4] = {0, 1, 1, 0}, cls[2] = {0, 2};
  double z[4], a[4], gz[4], loss, p[ENG_MAX_PARAMS];
  struct eng_backward_out o = {gz, NULL, NULL, NULL, NULL, &loss};
  struct eng_targets tr = {r, NULL}, tc = {NULL, cls};
  struct eng_layer l = layer("relu", p, 2, 2, 2, x, w, NULL);
  size_t bad = 99;

  ck_assert_int_eq(eng_layer_forward(&l, z, NULL), ENG_OK);
  /* cross-entropy needs a sigmoid or a softmax */
  ck_assert_int_eq(eng_layer_backward(&l, z, z, NULL, ENG_LOSS_CROSS_ENTROPY, &tr,
                                      ENG_REDUCE_MEAN, &o, NULL), ENG_ELOSS);
  ck_assert_int_eq(eng_layer_backward(&l, z, z, NULL, ENG_LOSS_BINARY_CROSS_ENTROPY, &tr,
                                      ENG_REDUCE_MEAN, &o, NULL), ENG_ELOSS);
  l = layer("tanh", p, 2, 2, 2, x, w, NULL);
  ck_assert_int_eq(eng_layer_backward(&l, z, z, NULL, ENG_LOSS_CROSS_ENTROPY, &tr,
                                      ENG_REDUCE_MEAN, &o, NULL), ENG_ELOSS);
  /* class index out of range for a softmax of 2 */
  l = layer("softmax", p, 2, 2, 2, x, w, NULL);
  ck_assert_int_eq(eng_layer_forward(&l, z, NULL), ENG_OK);
  ck_assert_int_eq(eng_layer_backward(&l, z, NULL, NULL, ENG_LOSS_CROSS_ENTROPY, &tc,
                                      ENG_REDUCE_MEAN, &o, &bad), ENG_ETARGET);
  ck_assert_uint_eq(bad, 1);
  /* sigmoid targets outside [0, 1] */
  l = layer("sigmoid", p, 2, 2, 2, x, w, NULL);
  r[2] = 1.5;
  ck_assert_int_eq(eng_layer_backward(&l, z, NULL, NULL, ENG_LOSS_CROSS_ENTROPY, &tr,
                                      ENG_REDUCE_MEAN, &o, &bad), ENG_ETARGET);
  ck_assert_uint_eq(bad, 2);
  /* no targets and no grad_a; no grad_z; bad shapes and parameters */
  ck_assert_int_eq(eng_layer_backward(&l, z, a, NULL, ENG_LOSS_SQUARED, NULL,
                                      ENG_REDUCE_MEAN, &o, NULL), ENG_EINVAL);
  o.grad_z = NULL;
  ck_assert_int_eq(eng_layer_backward(&l, z, a, a, ENG_LOSS_SQUARED, NULL,
                                      ENG_REDUCE_MEAN, &o, NULL), ENG_EINVAL);
  l.m = 0;
  ck_assert_int_eq(eng_layer_forward(&l, z, a), ENG_ESHAPE);
  l = layer("softplus", p, 2, 2, 2, x, w, NULL);
  p[0] = -1; /* beta > 0 */
  ck_assert_int_eq(eng_layer_forward(&l, z, a), ENG_EPARAM);
  l.x = NULL;
  ck_assert_int_eq(eng_layer_forward(&l, z, a), ENG_EINVAL);
}
END_TEST

static Suite *neuron_suite(void)
{
  Suite *s = suite_create("neuron");
  TCase *tc = tcase_create("forward");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_neuron_forward_z_is_compensated);
  tcase_add_test(tc, test_neuron_forward_z_matches_mpfr);
  tcase_add_test(tc, test_neuron_layer_z_is_each_neurons_z);
  tcase_add_test(tc, test_neuron_backward_split_is_whole);
  tcase_add_test(tc, test_neuron_forward_hand_values);
  tcase_add_test(tc, test_neuron_forward_softmax_across_the_layer);
  suite_add_tcase(s, tc);
  tc = tcase_create("backward");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_neuron_sigmoid_cross_entropy_matches_mpfr);
  tcase_add_test(tc, test_neuron_softmax_cross_entropy_grad_is_softmax_minus_r);
  tcase_add_test(tc, test_neuron_softmax_cross_entropy_grad_is_a_off_target);
  tcase_add_test(tc, test_neuron_backward_hand_values);
  tcase_add_loop_test(tc, test_neuron_finite_difference, 0,
                      (int)(sizeof fd_cases / sizeof fd_cases[0]));
  tcase_add_test(tc, test_neuron_cross_entropy_loss_matches_loss_on_a);
  tcase_add_test(tc, test_neuron_sgd_step);
  tcase_add_test(tc, test_neuron_statuses);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(neuron_suite)
