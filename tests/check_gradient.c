/*
 * check_gradient.c: a second, independent net for every derivative in the table:
 * finite differences of the engine's own y (and y') against its dy_dx, d2y_dx2,
 * dy_dparams, Jacobians and vector-Jacobian products, at smooth points of every row,
 * at default and other parameter settings. It reads the table, so a new row is
 * covered with no change here.
 *
 * Differences are fourth-order central ones, f'(x) ~ (8(f(x+h) - f(x-h)) - (f(x+2h) -
 * f(x-2h))) / 12h, with h = 2^-12 max(1, |x|); points within 8h of a kink (where the
 * one-sided slopes differ) are skipped.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "testutil.h"

static double ew(const struct eng_activation *a, const double *p, double x, int which)
{
  double out[ENG_OUT__COUNT];
  a->ew(x, p, ENG_WANT_Y | ENG_WANT_DY | ENG_WANT_D2Y | ENG_WANT_DP, 0, out);
  return out[which];
}

/* Fourth-order central difference of f(t) at t, f given by a callback. */
typedef double fn1(const struct eng_activation *a, const double *p, double t, int which,
                   int param);

static double at_x(const struct eng_activation *a, const double *p, double t, int which,
                   int param)
{
  (void)param;
  return ew(a, p, t, which);
}

/* y as a function of parameter `param` at x = t's companion (x passed through p[3]). */
static double at_p(const struct eng_activation *a, const double *p, double t, int which,
                   int param)
{
  double q[ENG_MAX_PARAMS + 1];
  memcpy(q, p, sizeof q);
  q[param] = t;
  return ew(a, q, p[ENG_MAX_PARAMS], which);
}

static double diff4(fn1 *f, const struct eng_activation *a, const double *p, double t,
                    double h, int which, int param)
{
  double f1 = f(a, p, t + h, which, param) - f(a, p, t - h, which, param);
  double f2 = f(a, p, t + 2 * h, which, param) - f(a, p, t - 2 * h, which, param);
  return (8 * f1 - f2) / (12 * h);
}

static int close_enough(double got, double fd, double scale)
{
  return fabs(got - fd) <= 1e-6 * fabs(fd) + 1e-8 * (scale > 1 ? scale : 1);
}

START_TEST(test_elementwise_derivatives)
{
  const struct eng_activation *a = eng_activation_at((size_t)_i);
  double settings[3][ENG_MAX_PARAMS + 1];
  int nset = 1, checked = 0;

  if (a->kind != ENG_ELEMENTWISE)
    return; /* the vector rows: test_vector_derivatives */
  eng_params_default(a, settings[0]);
  /* two more settings: each real parameter scaled, where the row accepts it */
  for (int s = 1; s < 3; s++) {
    unsigned bad;
    memcpy(settings[nset], settings[0], sizeof settings[0]);
    for (unsigned j = 0; j < a->nparams; j++)
      if (a->params[j].type == ENG_PARAM_REAL)
        settings[nset][j] = settings[0][j] == 0 ? (s == 1 ? 0.5 : -0.25)
                                                : settings[0][j] * (s == 1 ? 1.7 : 0.6);
      else
        settings[nset][j] = s; /* gelu's other forms */
    if (eng_params_check(a, settings[nset], &bad) == ENG_OK)
      nset++;
  }
  for (int s = 0; s < nset; s++) {
    double *p = settings[s];
    for (double x = -6; x <= 6; x += 0.0625 * 1.01) {
      double h = 0x1p-12 * (fabs(x) > 1 ? fabs(x) : 1);
      double left, right, fd;
      /* a kink nearby shows as one-sided slopes that differ: skip */
      left = (ew(a, p, x - 4 * h, ENG_OUT_Y) - ew(a, p, x - 8 * h, ENG_OUT_Y)) / (4 * h);
      right = (ew(a, p, x + 8 * h, ENG_OUT_Y) - ew(a, p, x + 4 * h, ENG_OUT_Y)) / (4 * h);
      if (fabs(left - right) > 0.05 * (fabs(left) + fabs(right)) + 1e-3 ||
          fabs(ew(a, p, x - 8 * h, ENG_OUT_DY) - ew(a, p, x + 8 * h, ENG_OUT_DY)) >
            100 * h * (1 + fabs(ew(a, p, x, ENG_OUT_D2Y))))
        continue;
      fd = diff4(at_x, a, p, x, h, ENG_OUT_Y, 0);
      ck_assert_msg(close_enough(ew(a, p, x, ENG_OUT_DY), fd, fabs(ew(a, p, x, ENG_OUT_Y))),
                    "%s(setting %d) dy_dx(%.17g) = %.17g, difference %.17g", a->name, s, x,
                    ew(a, p, x, ENG_OUT_DY), fd);
      fd = diff4(at_x, a, p, x, h, ENG_OUT_DY, 0);
      ck_assert_msg(close_enough(ew(a, p, x, ENG_OUT_D2Y), fd, fabs(ew(a, p, x, ENG_OUT_DY))),
                    "%s(setting %d) d2y_dx2(%.17g) = %.17g, difference %.17g", a->name, s, x,
                    ew(a, p, x, ENG_OUT_D2Y), fd);
      for (unsigned j = 0; j < a->nparams; j++) {
        double hp, q[ENG_MAX_PARAMS + 1];
        unsigned bad;
        if (!a->params[j].learnable)
          continue;
        hp = 0x1p-12 * (fabs(p[j]) > 1 ? fabs(p[j]) : 1);
        memcpy(q, p, sizeof q);
        q[j] = p[j] - 2 * hp;
        if (eng_params_check(a, q, &bad) != ENG_OK)
          continue;
        q[j] = p[j] + 2 * hp;
        if (eng_params_check(a, q, &bad) != ENG_OK)
          continue;
        q[j] = p[j];
        q[ENG_MAX_PARAMS] = x;
        fd = diff4(at_p, a, q, p[j], hp, ENG_OUT_Y, (int)j);
        ck_assert_msg(close_enough(ew(a, p, x, ENG_OUT_DP + (int)j), fd,
                                   fabs(ew(a, p, x, ENG_OUT_Y))),
                      "%s dy/d%s at x = %.17g: %.17g, difference %.17g", a->name,
                      a->params[j].name, x, ew(a, p, x, ENG_OUT_DP + (int)j), fd);
      }
      checked++;
    }
  }
  printf("  %-18s %d points in %d settings\n", a->name, checked, nset);
  ck_assert_msg(checked > 100, "%s: only %d smooth points", a->name, checked);
}
END_TEST

/* Vector rows: J[i][j] against differences of y_i in x_j, and grad_x against J^T g. */
START_TEST(test_vector_derivatives)
{
  const struct eng_activation *a = eng_activation_at((size_t)_i);
  static const double rows[][5] = {
    {0.3, -1.2, 2.5, 0.7, -0.4}, {1.5, 1.1, -2, 0.2, 0.9}, {-3, 4.5, 0.25, -0.75, 2},
  };
  double p[ENG_MAX_PARAMS] = {0};
  int checked = 0;
  if (a->kind != ENG_VECTOR)
    return;
  for (size_t r = 0; r < 3; r++) {
    const size_t k = 5;
    size_t w = eng_activation_width(a, k), am;
    double x[5], y[5], jac[25], g[5], gx[5], yp[5], ym[5], yp2[5], ym2[5];
    struct eng_act_out o = {0};
    memcpy(x, rows[r], sizeof x);
    for (size_t i = 0; i < w; i++)
      g[i] = 0.3 * (double)i - 0.5;
    o.y = y;
    o.jac = jac;
    o.grad_y = g;
    o.grad_x = gx;
    o.argmax = w == 1 ? &am : NULL;
    ck_assert_int_eq(eng_activate(a, p, x, k, k, &o), ENG_OK);
    for (size_t j = 0; j < k; j++) {
      double h = 0x1p-14, xs[5];
      struct eng_act_out oo = {0};
      size_t amm;
      oo.argmax = w == 1 ? &amm : NULL;
#define EVAL(dst, dx)                                                                      \
  do {                                                                                     \
    memcpy(xs, x, sizeof xs);                                                              \
    xs[j] += (dx);                                                                         \
    oo.y = (dst);                                                                          \
    ck_assert_int_eq(eng_activate(a, p, xs, k, k, &oo), ENG_OK);                            \
  } while (0)
      EVAL(yp, h);
      EVAL(ym, -h);
      EVAL(yp2, 2 * h);
      EVAL(ym2, -2 * h);
#undef EVAL
      for (size_t i = 0; i < w; i++) {
        double fd = (8 * (yp[i] - ym[i]) - (yp2[i] - ym2[i])) / (12 * h);
        ck_assert_msg(fabs(jac[i * k + j] - fd) < 1e-7, "%s J[%zu][%zu] = %.17g, diff %.17g",
                      a->name, i, j, jac[i * k + j], fd);
      }
      {
        double vjp = 0;
        for (size_t i = 0; i < w; i++)
          vjp += g[i] * jac[i * k + j];
        ck_assert_msg(fabs(gx[j] - vjp) < 1e-12, "%s grad_x[%zu] = %.17g, J^T g = %.17g",
                      a->name, j, gx[j], vjp);
      }
      checked++;
    }
  }
  printf("  %-18s %d Jacobian columns\n", a->name, checked);
}
END_TEST

static Suite *gradient_suite(void)
{
  Suite *s = suite_create("gradient");
  TCase *tc = tcase_create("fd");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_elementwise_derivatives, 0, (int)eng_activation_count());
  tcase_add_loop_test(tc, test_vector_derivatives, 0, (int)eng_activation_count());
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(gradient_suite)
