/*
 * activation.c: the one table of activations, and the batched dispatch over it.
 *
 * Each activation is one row of act_table[]: name, aliases, kind, parameters (default,
 * range, learnable), formula, derivative, kink rule, kernels and accuracy bound. The
 * catalog, request validation, dispatch and tests all read this table. Rows are
 * grouped by family, in the order of the catalog. No HTTP or JSON here.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define NONE ((const char *const[]){NULL})
#define ALIASES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A real parameter: name, default, lo, hi, lo_open, hi_open, learnable, doc. */
#define REAL(n, d, lo_, hi_, lo_open_, hi_open_, learn, text)                    \
  { .name = (n), .type = ENG_PARAM_REAL, .def = (d), .lo = (lo_), .hi = (hi_),    \
    .lo_open = (lo_open_), .hi_open = (hi_open_), .learnable = (learn),           \
    .choices = NULL, .doc = (text) }

/* A real parameter with any finite value. */
#define REAL_ANY(n, d, learn, text) REAL(n, d, -DBL_MAX, DBL_MAX, 0, 0, learn, text)

#define EW(stem) .kind = ENG_ELEMENTWISE, .ew = eng__##stem##_ew, .exact = &eng__exact_##stem
/* ... with a block kernel for y and dy/dx on vector lanes (act_block.c) */
#define EWB(stem) EW(stem), .block = eng__##stem##_block
#define VEC(stem)                                                                 \
  .kind = ENG_VECTOR, .vfwd = eng__##stem##_fwd, .vjp = eng__##stem##_vjp,        \
  .jac = eng__##stem##_jac, .exact = &eng__exact_##stem

static const char *const gelu_forms[] = {"none", "tanh", "sigmoid", NULL};

static const struct eng_activation act_table[] = {
  /* ---------------------------------------------------------------- identity, step */
  { .name = "identity", .aliases = ALIASES("linear"), EWB(identity), .nparams = 0,
    .formula = "y = x", .derivative = "dy/dx = 1", .kinks = "", .kinks2 = "", .ulp = 0 },
  { .name = "step", .aliases = ALIASES("heaviside", "binary_step"), EWB(step),
    .nparams = 0,
    .formula = "y = 1 if x > 0 else 0 (the McCulloch-Pitts neuron)",
    .derivative = "dy/dx = 0",
    .kinks = "step'(x) = 0 everywhere, x = 0 included", .kinks2 = "step''(x) = 0 everywhere, x = 0 included", .ulp = 0 },

  /* ------------------------------------------------------------- logistic family */
  { .name = "sigmoid", .aliases = ALIASES("logistic"), EWB(sigmoid), .nparams = 1,
    .params = { REAL_ANY("a", 1, 1, "slope of the logistic curve, any finite value") },
    .formula = "y = 1 / (1 + exp(-a x))",
    .derivative = "dy/dx = a s (1 - s), s = sigmoid(a x), evaluated as a exp(-|a x|) / (1 + exp(-|a x|))^2",
    .kinks = "", .kinks2 = "", .ulp = 0 },
  { .name = "tanh", .aliases = NONE, EWB(tanh), .nparams = 0,
    .formula = "y = tanh x",
    .derivative = "dy/dx = sech^2 x = 4 exp(-2|x|) / (1 + exp(-2|x|))^2",
    .kinks = "", .kinks2 = "", .ulp = 0 },
  { .name = "hard_sigmoid", .aliases = NONE, EWB(hard_sigmoid), .nparams = 2,
    .params = { REAL_ANY("slope", 1.0 / 6.0, 1, "slope of the ramp, any finite value"),
                REAL_ANY("offset", 0.5, 1, "value at x = 0, any finite value") },
    .formula = "y = max(min(slope x + offset, 1), 0)",
    .derivative = "dy/dx = slope where 0 < slope x + offset < 1, else 0",
    .kinks = "hard_sigmoid'(x) = 0 at and beyond the corners (slope x + offset = 0 or 1)", .kinks2 = "hard_sigmoid''(x) = 0 everywhere, the corners included",
    .ulp = 0 },
  { .name = "hard_logistic", .aliases = NONE, EWB(hard_sigmoid), .nparams = 2,
    .params = { REAL_ANY("slope", 0.25, 1, "slope of the ramp (sigmoid'(0) = 1/4), any finite value"),
                REAL_ANY("offset", 0.5, 1, "value at x = 0, any finite value") },
    .formula = "y = max(min(slope x + offset, 1), 0), the first-order Taylor expansion of sigmoid at 0, clipped",
    .derivative = "dy/dx = slope where 0 < slope x + offset < 1, else 0",
    .kinks = "hard_logistic'(x) = 0 at and beyond the corners (slope x + offset = 0 or 1)", .kinks2 = "hard_logistic''(x) = 0 everywhere, the corners included",
    .ulp = 0 },
  { .name = "hard_tanh", .aliases = NONE, EWB(hard_tanh), .nparams = 2,
    .params = { REAL_ANY("min_val", -1, 1, "lower clip, min_val < max_val"),
                REAL_ANY("max_val", 1, 1, "upper clip, max_val > min_val") },
    .formula = "y = max(min(x, max_val), min_val)",
    .derivative = "dy/dx = 1 where min_val < x < max_val, else 0",
    .kinks = "hard_tanh'(x) = 0 at and beyond the corners x = min_val and x = max_val", .kinks2 = "hard_tanh''(x) = 0 everywhere, the corners included",
    .check = eng__check_min_lt_max, .constraint = "min_val < max_val", .ulp = 0 },
  { .name = "log_sigmoid", .aliases = NONE, EWB(log_sigmoid), .nparams = 0,
    .formula = "y = ln sigmoid(x) = -softplus(-x)",
    .derivative = "dy/dx = sigmoid(-x) = 1 - sigmoid(x)",
    .kinks = "", .kinks2 = "", .ulp = 0 },
  { .name = "softsign", .aliases = NONE, EWB(softsign), .nparams = 0,
    .formula = "y = x / (1 + |x|)",
    .derivative = "dy/dx = 1 / (1 + |x|)^2",
    .kinks = "", .kinks2 = "softsign''(0) = 0 (the pieces of |x| switch there)", .ulp = 0 },
  { .name = "tanhshrink", .aliases = NONE, EWB(tanhshrink), .nparams = 0,
    .formula = "y = x - tanh x",
    .derivative = "dy/dx = tanh^2 x",
    .kinks = "", .kinks2 = "", .ulp = 0 },

  /* --------------------------------------------------------------- ReLU family */
  { .name = "relu", .aliases = NONE, EWB(relu), .nparams = 0,
    .formula = "y = max(0, x)",
    .derivative = "dy/dx = 1 if x > 0 else 0",
    .kinks = "relu'(0) = 0", .kinks2 = "relu''(x) = 0 everywhere, x = 0 included", .ulp = 0 },
  { .name = "relu6", .aliases = NONE, EWB(relu6), .nparams = 0,
    .formula = "y = min(max(0, x), 6)",
    .derivative = "dy/dx = 1 if 0 < x < 6 else 0",
    .kinks = "relu6'(x) = 0 at and beyond the corners x = 0 and x = 6", .kinks2 = "relu6''(x) = 0 everywhere, the corners included", .ulp = 0 },
  { .name = "leaky_relu", .aliases = NONE, EWB(leaky_relu), .nparams = 1,
    .params = { REAL_ANY("alpha", 0.01, 1, "slope for x <= 0, any finite value") },
    .formula = "y = x if x > 0 else alpha x",
    .derivative = "dy/dx = 1 if x > 0 else alpha; dy/dalpha = x if x < 0 else 0",
    .kinks = "leaky_relu'(0) = alpha; dy/dalpha = 0 at x = 0", .kinks2 = "leaky_relu''(x) = 0 everywhere, x = 0 included", .ulp = 0 },
  { .name = "prelu", .aliases = NONE, EWB(leaky_relu), .nparams = 1,
    .params = { REAL_ANY("alpha", 0.25, 1, "learnable slope for x <= 0, any finite value") },
    .formula = "y = x if x > 0 else alpha x",
    .derivative = "dy/dx = 1 if x > 0 else alpha; dy/dalpha = x if x < 0 else 0",
    .kinks = "prelu'(0) = alpha; dy/dalpha = 0 at x = 0", .kinks2 = "prelu''(x) = 0 everywhere, x = 0 included", .ulp = 0 },
  { .name = "rrelu", .aliases = NONE, EWB(rrelu), .nparams = 2,
    .params = { REAL_ANY("lower", 1.0 / 8.0, 1, "lower bound of the random slope, lower <= upper"),
                REAL_ANY("upper", 1.0 / 3.0, 1, "upper bound of the random slope, upper >= lower") },
    .formula = "y = x if x > 0 else alpha x, alpha = (lower + upper) / 2 (inference form)",
    .derivative = "dy/dx = 1 if x > 0 else (lower + upper) / 2; dy/dlower = dy/dupper = x / 2 if x < 0 else 0",
    .kinks = "rrelu'(0) = (lower + upper) / 2", .kinks2 = "rrelu''(x) = 0 everywhere, x = 0 included", .check = eng__check_lower_le_upper,
    .constraint = "lower <= upper", .ulp = 0 },
  { .name = "threshold", .aliases = NONE, EWB(threshold), .nparams = 2,
    .params = { REAL_ANY("threshold", 0, 0, "inputs at or below it are replaced"),
                REAL_ANY("value", 0, 1, "the replacement") },
    .formula = "y = x if x > threshold else value",
    .derivative = "dy/dx = 1 if x > threshold else 0; dy/dvalue = 1 if x <= threshold else 0",
    .kinks = "threshold'(threshold) = 0", .kinks2 = "threshold''(x) = 0 everywhere, x = threshold included", .ulp = 0 },
  { .name = "thresholded_relu", .aliases = NONE, EWB(thresholded_relu), .nparams = 1,
    .params = { REAL_ANY("alpha", 1, 0, "inputs at or below it give 0") },
    .formula = "y = x if x > alpha else 0",
    .derivative = "dy/dx = 1 if x > alpha else 0",
    .kinks = "thresholded_relu'(alpha) = 0", .kinks2 = "thresholded_relu''(x) = 0 everywhere, x = alpha included", .ulp = 0 },

  /* ------------------------------------------------ exponential linear units */
  { .name = "elu", .aliases = NONE, EWB(elu), .nparams = 1,
    .params = { REAL_ANY("alpha", 1, 1, "scale of the negative part, any finite value") },
    .formula = "y = x if x > 0 else alpha (exp(x) - 1)",
    .derivative = "dy/dx = 1 if x > 0 else alpha exp(x); dy/dalpha = expm1(x) if x <= 0 else 0",
    .kinks = "elu'(0) = alpha", .kinks2 = "elu''(0) = 0 for every alpha (the pieces switch at 0)", .ulp = 0 },
  { .name = "selu", .aliases = NONE, EWB(selu), .nparams = 0,
    .formula = "y = scale x if x > 0 else scale alpha (exp(x) - 1), alpha = 1.6732632423543772848170429916717, scale = 1.0507009873554804934193349852946",
    .derivative = "dy/dx = scale if x > 0 else scale alpha exp(x)",
    .kinks = "selu'(0) = scale alpha", .kinks2 = "selu''(0) = 0 (the pieces switch at 0)", .ulp = 0 },
  { .name = "celu", .aliases = NONE, EWB(celu), .nparams = 1,
    .params = { REAL_ANY("alpha", 1, 1, "scale, alpha != 0") },
    .formula = "y = max(0, x) + min(0, alpha (exp(x / alpha) - 1))",
    .derivative = "dy/dx = 1 if x > 0 else exp(x / alpha); dy/dalpha = expm1(x / alpha) - (x / alpha) exp(x / alpha) if x < 0 else 0",
    .kinks = "celu'(0) = 1", .kinks2 = "celu''(0) = 0 for every alpha (the pieces switch at 0)", .check = eng__check_nonzero0, .constraint = "alpha != 0",
    .ulp = 0 },

  /* ------------------------------------------------------ smooth rectifiers */
  { .name = "softplus", .aliases = NONE, EWB(softplus), .nparams = 1,
    .params = { REAL("beta", 1, 0, DBL_MAX, 1, 0, 1, "sharpness, beta > 0") },
    .formula = "y = (1 / beta) ln(1 + exp(beta x)), with no threshold",
    .derivative = "dy/dx = sigmoid(beta x)",
    .kinks = "", .kinks2 = "", .ulp = 0 },
  { .name = "swish", .aliases = ALIASES("silu"), EWB(swish), .nparams = 1,
    .params = { REAL_ANY("beta", 1, 1, "sharpness, any finite value (1: SiLU)") },
    .formula = "y = x sigmoid(beta x)",
    .derivative = "dy/dx = sigmoid(beta x) + beta x sigmoid(beta x) (1 - sigmoid(beta x))",
    .kinks = "", .kinks2 = "", .ulp = 0 },
  { .name = "gelu", .aliases = NONE, EWB(gelu), .nparams = 1,
    .params = { { .name = "approximate", .type = ENG_PARAM_CHOICE, .def = 0,
                  .lo = 0, .hi = 2, .learnable = 0, .choices = gelu_forms,
                  .doc = "\"none\" (exact, with erf), \"tanh\" or \"sigmoid\" (x sigmoid(1.702 x))" } },
    .formula = "y = x Phi(x) = (x / 2) erfc(-x / sqrt 2); tanh: (x / 2)(1 + tanh(sqrt(2 / pi)(x + 0.044715 x^3))); sigmoid: x sigmoid(1.702 x)",
    .derivative = "dy/dx = Phi(x) + x phi(x) (exact form; the approximations differentiate their own formula)",
    .kinks = "", .kinks2 = "", .ulp = 0 },
  { .name = "mish", .aliases = NONE, EWB(mish), .nparams = 0,
    .formula = "y = x tanh(softplus(x))",
    .derivative = "dy/dx = tanh(softplus(x)) + x sigmoid(x) sech^2(softplus(x))",
    .kinks = "", .kinks2 = "", .ulp = 0 },
  { .name = "hard_swish", .aliases = NONE, EWB(hard_swish), .nparams = 0,
    .formula = "y = x relu6(x + 3) / 6",
    .derivative = "dy/dx = 0 if x < -3, (2 x + 3) / 6 if -3 <= x < 3, 1 if x >= 3",
    .kinks = "hard_swish'(-3) = 0 and hard_swish'(3) = 1", .kinks2 = "hard_swish''(x) = 1/3 on (-3, 3) and 0 elsewhere, -3 and 3 included", .ulp = 0 },
  { .name = "squareplus", .aliases = NONE, EW(squareplus), .nparams = 1,
    .params = { REAL("b", 4, 0, DBL_MAX, 1, 0, 1, "smoothness, b > 0") },
    .formula = "y = (x + sqrt(x^2 + b)) / 2",
    .derivative = "dy/dx = (1 + x / sqrt(x^2 + b)) / 2; dy/db = 1 / (4 sqrt(x^2 + b))",
    .kinks = "", .kinks2 = "", .ulp = 0 },

  /* -------------------------------------------------------------- shrinkage */
  { .name = "hardshrink", .aliases = NONE, EWB(hardshrink), .nparams = 1,
    .params = { REAL("lambd", 0.5, 0, DBL_MAX, 0, 0, 0, "half-width of the dead zone, lambd >= 0") },
    .formula = "y = x if |x| > lambd else 0",
    .derivative = "dy/dx = 1 if |x| > lambd else 0",
    .kinks = "hardshrink'(+-lambd) = 0", .kinks2 = "hardshrink''(x) = 0 everywhere, x = +-lambd included", .ulp = 0 },
  { .name = "softshrink", .aliases = NONE, EWB(softshrink), .nparams = 1,
    .params = { REAL("lambd", 0.5, 0, DBL_MAX, 0, 0, 1, "half-width of the dead zone, lambd >= 0") },
    .formula = "y = x - lambd if x > lambd, x + lambd if x < -lambd, else 0",
    .derivative = "dy/dx = 1 if |x| > lambd else 0; dy/dlambd = -1 if x > lambd, 1 if x < -lambd, else 0",
    .kinks = "softshrink'(+-lambd) = 0", .kinks2 = "softshrink''(x) = 0 everywhere, x = +-lambd included", .ulp = 0 },

  /* ------------------------------------------------------ vector functions */
  { .name = "softmax", .aliases = NONE, VEC(softmax), .nparams = 0,
    .formula = "y_j = exp(x_j - max x) / sum_k exp(x_k - max x), per row",
    .derivative = "J[i][j] = y_i (delta_ij - y_j); grad_x = y * (grad_y - sum_k grad_y_k y_k)",
    .kinks = "", .kinks2 = "", .ulp = 0 },
  { .name = "log_softmax", .aliases = NONE, VEC(log_softmax), .nparams = 0,
    .formula = "y_j = x_j - max x - ln sum_k exp(x_k - max x), per row",
    .derivative = "J[i][j] = delta_ij - softmax(x)_j; grad_x = grad_y - softmax(x) sum_k grad_y_k",
    .kinks = "", .kinks2 = "", .ulp = 0 },
  { .name = "softmin", .aliases = NONE, VEC(softmin), .nparams = 0,
    .formula = "y = softmax(-x), per row",
    .derivative = "J[i][j] = -y_i (delta_ij - y_j)",
    .kinks = "", .kinks2 = "", .ulp = 0 },
  { .name = "sparsemax", .aliases = NONE, VEC(sparsemax), .nparams = 0,
    .formula = "y = argmin_{p in simplex} |p - x|^2 = max(x - tau, 0), sum y = 1, per row",
    .derivative = "J = diag(s) - s s^T / |S|, s_j = 1 if y_j > 0 (the support S)",
    .kinks = "on the boundary of the support (y_j = 0), j is outside the support", .kinks2 = "", .ulp = 0 },
  { .name = "maxout", .aliases = NONE, VEC(maxout), .nparams = 0,
    .reduces = 1,
    .formula = "y = max_k x_k, one value per row, with argmax the first index of the maximum",
    .derivative = "J[0][j] = 1 if j = argmax else 0",
    .kinks = "ties send the whole gradient to the first maximum", .kinks2 = "", .ulp = 0 },
  { .name = "hardmax", .aliases = NONE, VEC(hardmax), .nparams = 0,
    .formula = "y_j = 1 if j is the first index of the row's maximum, else 0",
    .derivative = "J = 0",
    .kinks = "the Jacobian is 0 everywhere, ties included", .kinks2 = "", .ulp = 0 },
};

#define ACT_COUNT (sizeof act_table / sizeof act_table[0])

/* ============================================================== Status text */

const char *eng_strerror(int status)
{
  switch (status) {
#define ENG_STATUS_TEXT(name, code, msg) case code: return msg;
    ENG_STATUS_MAP(ENG_STATUS_TEXT)
#undef ENG_STATUS_TEXT
  default:
    return "unknown status";
  }
}

/* ============================================================ Table access */

size_t eng_activation_count(void)
{
  return ACT_COUNT;
}

const struct eng_activation *eng_activation_at(size_t i)
{
  return i < ACT_COUNT ? &act_table[i] : NULL;
}

const struct eng_activation *eng_activation_lookup(const char *name)
{
  if (name == NULL)
    return NULL;
  for (size_t i = 0; i < ACT_COUNT; i++) {
    const struct eng_activation *a = &act_table[i];
    if (strcmp(a->name, name) == 0)
      return a;
    for (const char *const *al = a->aliases; *al != NULL; al++)
      if (strcmp(*al, name) == 0)
        return a;
  }
  return NULL;
}

int eng_param_find(const struct eng_activation *a, const char *name)
{
  for (unsigned j = 0; j < a->nparams; j++)
    if (strcmp(a->params[j].name, name) == 0)
      return (int)j;
  return -1;
}

int eng_param_choice(const struct eng_param *prm, const char *name)
{
  if (prm->type != ENG_PARAM_CHOICE)
    return -1;
  for (int i = 0; prm->choices[i] != NULL; i++)
    if (strcmp(prm->choices[i], name) == 0)
      return i;
  return -1;
}

void eng_params_default(const struct eng_activation *a, double *p)
{
  for (unsigned j = 0; j < a->nparams; j++)
    p[j] = a->params[j].def;
}

int eng_params_check(const struct eng_activation *a, const double *p, unsigned *bad)
{
  for (unsigned j = 0; j < a->nparams; j++) {
    const struct eng_param *prm = &a->params[j];
    double v = p[j];
    int ok = isfinite(v) && (prm->lo_open ? v > prm->lo : v >= prm->lo) &&
             (prm->hi_open ? v < prm->hi : v <= prm->hi);
    if (ok && prm->type == ENG_PARAM_CHOICE)
      ok = v == floor(v);
    if (!ok) {
      *bad = j;
      return ENG_EPARAM;
    }
  }
  return a->check != NULL ? a->check(p, bad) : ENG_OK;
}

int eng__check_min_lt_max(const double *p, unsigned *bad)
{
  if (p[0] < p[1])
    return ENG_OK;
  *bad = 0;
  return ENG_EPARAM;
}

int eng__check_lower_le_upper(const double *p, unsigned *bad)
{
  if (p[0] <= p[1])
    return ENG_OK;
  *bad = 0;
  return ENG_EPARAM;
}

int eng__check_nonzero0(const double *p, unsigned *bad)
{
  if (p[0] != 0)
    return ENG_OK;
  *bad = 0;
  return ENG_EPARAM;
}

size_t eng_activation_width(const struct eng_activation *a, size_t k)
{
  return a->kind == ENG_VECTOR && a->reduces ? 1 : k;
}

unsigned eng_activation_learnable(const struct eng_activation *a)
{
  unsigned n = 0;
  for (unsigned j = 0; j < a->nparams; j++)
    n += a->params[j].learnable != 0;
  return n;
}

unsigned eng_activation_gives(const struct eng_activation *a)
{
  if (a->kind == ENG_VECTOR)
    return ENG_GIVES_Y | (a->jac != NULL ? ENG_GIVES_JAC : 0) |
           (a->reduces ? ENG_GIVES_ARGMAX : 0);
  return ENG_GIVES_Y | ENG_GIVES_DY | ENG_GIVES_D2Y |
         (eng_activation_learnable(a) > 0 ? ENG_GIVES_DP : 0);
}

/* ================================================================ Dispatch */

/* y and dy/dx only, for a row with a block kernel: blocks of BLOCK elements on vector
 * lanes, the lanes it flags through the element kernel, then the wanted arrays. */
#define BLOCK 256
static int activate_blocks(const struct eng_activation *a, const double *p, const double *x,
                           size_t n, const struct eng_act_out *o, unsigned want)
{
  double ybuf[BLOCK], dybuf[BLOCK], redo[BLOCK], out[ENG_OUT__COUNT];
  for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
    size_t len = n - i0 < BLOCK ? n - i0 : BLOCK;
    /* straight into the wanted arrays where there are both */
    double *y = o->y != NULL && o->dy != NULL ? o->y + i0 : ybuf;
    double *dy = o->y != NULL && o->dy != NULL ? o->dy + i0 : dybuf;
    if (a->block(x + i0, p, len, y, dy, redo) > 0)
      for (size_t g = 0; g < len; g += 8) {
        /* eight flags at a time: they are rare, and the test is one or of their bits */
        size_t end = g + 8 < len ? g + 8 : len;
        uint64_t any = 0, b;
        for (size_t i = g; i < end; i++) {
          memcpy(&b, &redo[i], sizeof b);
          any |= b;
        }
        if (any == 0)
          continue;
        for (size_t i = g; i < end; i++)
          if (redo[i] != 0) {
            a->ew(x[i0 + i], p, want, 0, out);
            y[i] = out[ENG_OUT_Y];
            dy[i] = out[ENG_OUT_DY];
          }
      }
    if (o->y != NULL && y == ybuf)
      memcpy(o->y + i0, y, len * sizeof *y);
    if (o->dy != NULL && dy == dybuf)
      memcpy(o->dy + i0, dy, len * sizeof *dy);
  }
  return ENG_OK;
}

/* Element-wise: one kernel call per element, results scattered to the wanted arrays. */
static int activate_ew(const struct eng_activation *a, const double *p, const double *x,
                       size_t n, const struct eng_act_out *o)
{
  unsigned want = 0;
  int any_dp = 0;
  double out[ENG_OUT__COUNT];

  if (o->jac != NULL || o->argmax != NULL)
    return ENG_ENOTDEF;
  for (unsigned j = 0; j < a->nparams; j++)
    if (o->dp[j] != NULL) {
      if (!a->params[j].learnable)
        return ENG_ENOTDEF;
      any_dp = 1;
    }
  if (o->y != NULL)
    want |= ENG_WANT_Y;
  if (o->dy != NULL)
    want |= ENG_WANT_DY;
  if (o->d2y != NULL)
    want |= ENG_WANT_D2Y;
  if (any_dp)
    want |= ENG_WANT_DP;
  if (o->grad_x != NULL)
    want |= ENG_WANT_GRAD_X;
  if (o->grad_x != NULL && o->grad_y == NULL)
    return ENG_EINVAL;

  if (a->block != NULL && want != 0 && (want & ~(unsigned)(ENG_WANT_Y | ENG_WANT_DY)) == 0)
    return activate_blocks(a, p, x, n, o, want | ENG_WANT_Y | ENG_WANT_DY);
  for (size_t i = 0; i < n; i++) {
    a->ew(x[i], p, want, o->grad_x != NULL ? o->grad_y[i] : 0, out);
    if (o->y != NULL)
      o->y[i] = out[ENG_OUT_Y];
    if (o->dy != NULL)
      o->dy[i] = out[ENG_OUT_DY];
    if (o->d2y != NULL)
      o->d2y[i] = out[ENG_OUT_D2Y];
    if (o->grad_x != NULL)
      o->grad_x[i] = out[ENG_OUT_GRAD_X];
    if (any_dp)
      for (unsigned j = 0; j < a->nparams; j++)
        if (o->dp[j] != NULL)
          o->dp[j][i] = out[ENG_OUT_DP + j];
  }
  return ENG_OK;
}

/* Vector: per row, forward into y (or scratch when y is not wanted), then the VJP
 * and Jacobian from that row's output. */
static int activate_vec(const struct eng_activation *a, const double *p, const double *x,
                        size_t n, size_t k, const struct eng_act_out *o)
{
  size_t w, m;
  double *work, *yrow_tmp;

  if (o->dy != NULL || o->d2y != NULL)
    return ENG_ENOTDEF;
  for (unsigned j = 0; j < ENG_MAX_PARAMS; j++)
    if (o->dp[j] != NULL)
      return ENG_ENOTDEF;
  if (k == 0 || n % k != 0)
    return ENG_ESHAPE;
  if (o->grad_x != NULL && o->grad_y == NULL)
    return ENG_EINVAL;
  w = eng_activation_width(a, k);
  m = n / k;
  work = malloc((3 * k + w) * sizeof *work);
  if (work == NULL)
    return ENG_ENOMEM;
  yrow_tmp = work + 2 * k;

  for (size_t r = 0; r < m; r++) {
    const double *xr = x + r * k;
    double *yr = o->y != NULL ? o->y + r * w : yrow_tmp;
    size_t am = 0;
    a->vfwd(xr, k, p, yr, &am, work);
    if (o->argmax != NULL)
      o->argmax[r] = am;
    if (o->grad_x != NULL)
      a->vjp(xr, yr, k, p, o->grad_y + r * w, o->grad_x + r * k, work);
    if (o->jac != NULL)
      a->jac(xr, yr, k, p, o->jac + r * w * k, work);
  }
  free(work);
  return ENG_OK;
}

int eng_activate(const struct eng_activation *a, const double *p, const double *x,
                 size_t n, size_t k, const struct eng_act_out *out)
{
  if (a == NULL || out == NULL || (n > 0 && x == NULL))
    return ENG_EINVAL;
  if (a->kind == ENG_ELEMENTWISE)
    return activate_ew(a, p, x, n, out);
  return activate_vec(a, p, x, n, k, out);
}
