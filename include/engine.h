/*
 * engine.h: the mathematics of the artificial neuron, as a C library.
 *
 * No HTTP or JSON here. Conventions used throughout: x is an input, y an output,
 * dy an upstream gradient (dL/dy), p the resolved parameters of an activation
 * (every parameter, in table order). Arrays are contiguous doubles, row-major.
 * Every function that can fail returns an eng_status: ENG_OK (0) or a negative code.
 * No function here prints, exits, or keeps global mutable state (but one atomic
 * statistic, eng_exact_count): all are thread-safe. Outputs of activations are
 * correctly rounded; the library links MPFR (-lmpfr -lgmp) for its exact path.
 */
#ifndef NEUROND_ENGINE_H
#define NEUROND_ENGINE_H

#include <stddef.h>
#include <stdint.h>

/* ====================================================================== Status */

#define ENG_STATUS_MAP(X)                                                  \
  X(OK, 0, "ok")                                                           \
  X(EINVAL, -1, "invalid argument")                                        \
  X(EPARAM, -2, "parameter out of range")                                  \
  X(ENOTDEF, -3, "output not defined for this activation")                 \
  X(ESHAPE, -4, "shape mismatch")                                          \
  X(ETARGET, -5, "target out of range")                                    \
  X(ELOSS, -6, "loss not defined for this activation")                     \
  X(EDOMAIN, -7, "input outside the domain of the loss")                   \
  X(ENOMEM, -8, "out of memory")

enum eng_status {
#define ENG_STATUS_ENUM(name, code, msg) ENG_##name = code,
  ENG_STATUS_MAP(ENG_STATUS_ENUM)
#undef ENG_STATUS_ENUM
};

/* A static English sentence for a status; "unknown status" for other values. */
const char *eng_strerror(int status);

/* ================================================================ Activations */

#define ENG_MAX_PARAMS 3

enum eng_kind {
  ENG_ELEMENTWISE, /* y_i = f(x_i) */
  ENG_VECTOR       /* y = f(row), per row of the input */
};

enum eng_param_type {
  ENG_PARAM_REAL,  /* a finite double within [lo, hi] (bounds may be open) */
  ENG_PARAM_CHOICE /* one of a list of names; its value is the index */
};

struct eng_param {
  const char *name;
  enum eng_param_type type;
  double def;                 /* default (for a CHOICE, the index of the default) */
  double lo, hi;              /* valid range for REAL; +-DBL_MAX means unbounded */
  unsigned char lo_open;      /* 1 if lo itself is excluded */
  unsigned char hi_open;      /* 1 if hi itself is excluded */
  unsigned char learnable;    /* 1 if dy/dparam is defined and computed */
  const char *const *choices; /* NULL-terminated names, for CHOICE */
  const char *doc;            /* one line: meaning and range, for the catalog */
};

/* Indices into the out[] array of an element-wise kernel, and the matching bits of
 * its `want` mask. out[ENG_OUT_DP + j] is dy/dp_j for the j-th parameter;
 * out[ENG_OUT_GRAD_X] is grad_y f'(x), the exact product rounded once. */
enum {
  ENG_OUT_Y = 0,
  ENG_OUT_DY = 1,
  ENG_OUT_D2Y = 2,
  ENG_OUT_DP = 3,
  ENG_OUT_GRAD_X = ENG_OUT_DP + ENG_MAX_PARAMS,
  ENG_OUT__COUNT
};
#define ENG_WANT_Y (1u << 0)      /* y */
#define ENG_WANT_DY (1u << 1)     /* dy/dx */
#define ENG_WANT_D2Y (1u << 2)    /* d2y/dx2 */
#define ENG_WANT_DP (1u << 3)     /* dy/dp_j for every learnable parameter j */
#define ENG_WANT_GRAD_X (1u << 4) /* grad_y dy/dx */

/* The outputs of a vector activation, for eng_vec_exact_sign: y_i, J[i][j], grad_x_i. */
enum { ENG_VOUT_Y = 0, ENG_VOUT_JAC = 1, ENG_VOUT_GRAD_X = 2 };

/* Element-wise kernel: evaluates the activation at x with parameters p and writes
 * the outputs selected by `want` into out[] (others are left untouched); gy is the
 * upstream gradient, read for ENG_WANT_GRAD_X only. Defined for every finite x; every
 * output is the double nearest its exact value (ties to even). */
typedef void eng_ew_fn(double x, const double *p, unsigned want, double gy, double *out);
/* y[i] and dy[i] for n elements at once (vector lanes), each correctly rounded, and
 * redo[i] = 1 where the element kernel must compute element i instead (0 elsewhere:
 * where the fast evaluation does not decide the rounding); returns the number of
 * those. */
typedef size_t eng_block_fn(const double *x, const double *p, size_t n, double *y,
                            double *dy, double *redo);

/* Vector kernels act on one row x[0..k-1]. The forward writes eng_activation_width(a, k)
 * outputs to y and, for maxout, the index of the first maximum to *argmax (may be NULL
 * otherwise). `work` is scratch of at least 2 k doubles. */
typedef void eng_vec_fwd_fn(const double *x, size_t k, const double *p, double *y,
                            size_t *argmax, double *work);
/* Vector-Jacobian product: gx = J^T gy, where y = fwd(x) is given, without forming J. */
typedef void eng_vec_vjp_fn(const double *x, const double *y, size_t k, const double *p,
                            const double *gy, double *gx, double *work);
/* The Jacobian J[i][j] = dy_i/dx_j, width(k) x k, row-major. */
typedef void eng_vec_jac_fn(const double *x, const double *y, size_t k, const double *p,
                            double *jac, double *work);

/* The exact evaluation behind an activation's correct rounding (internal). */
struct eng__exact;

struct eng_activation {
  const char *name;             /* wire name */
  const char *const *aliases;   /* NULL-terminated, never NULL itself */
  enum eng_kind kind;
  unsigned nparams;
  struct eng_param params[ENG_MAX_PARAMS];
  const char *formula;          /* y, as text */
  const char *derivative;       /* dy/dx (or J for vector functions), as text */
  const char *kinks;            /* the rule at points of non-differentiability, or "" */
  const char *kinks2;           /* the rule for d2y/dx2 where pieces switch, or "" */
  eng_ew_fn *ew;                /* ENG_ELEMENTWISE */
  eng_block_fn *block;          /* y and dy/dx over a block, or NULL (see the typedef) */
  eng_vec_fwd_fn *vfwd;         /* ENG_VECTOR */
  eng_vec_vjp_fn *vjp;          /* ENG_VECTOR */
  eng_vec_jac_fn *jac;          /* ENG_VECTOR */
  /* Constraints between parameters (min_val < max_val, ...). Returns ENG_OK, or
   * ENG_EPARAM with *bad set to the index of the parameter to blame. NULL if none. */
  int (*check)(const double *p, unsigned *bad);
  const char *constraint;       /* text of what check enforces, or NULL */
  double ulp;                   /* accuracy bound of every output, in ULP (0: correctly
                                 * rounded) */
  const struct eng__exact *exact; /* internal: the slow path of correct rounding */
  unsigned char reduces;        /* ENG_VECTOR: one output per row (maxout), with argmax */
};

/* The table, in catalog order (grouped by family). Index 0 .. eng_activation_count()-1. */
size_t eng_activation_count(void);
const struct eng_activation *eng_activation_at(size_t i);
/* Finds an activation by name or alias (case-sensitive); NULL if unknown. */
const struct eng_activation *eng_activation_lookup(const char *name);
/* Index of the parameter called `name`, or -1. */
int eng_param_find(const struct eng_activation *a, const char *name);
/* Index of `name` among a CHOICE parameter's choices, or -1. */
int eng_param_choice(const struct eng_param *prm, const char *name);
/* Fills p[0 .. nparams-1] with the defaults. */
void eng_params_default(const struct eng_activation *a, double *p);
/* Validates p: each value in its range, then the row's check. On ENG_EPARAM *bad is
 * the index of the offending parameter. */
int eng_params_check(const struct eng_activation *a, const double *p, unsigned *bad);

/* Outputs per row of a vector activation for rows of length k (k, or 1 for one that
 * reduces the row, such as maxout). */
size_t eng_activation_width(const struct eng_activation *a, size_t k);

/* What an activation can give, as a set of bits: ENG_GIVES_Y always; the derivatives
 * of x and of the learnable parameters for element-wise functions; the Jacobian for
 * vector ones; argmax for those that reduce the row. */
#define ENG_GIVES_Y (1u << 0)      /* y */
#define ENG_GIVES_DY (1u << 1)     /* dy/dx (element-wise) */
#define ENG_GIVES_D2Y (1u << 2)    /* d2y/dx2 (element-wise) */
#define ENG_GIVES_DP (1u << 3)     /* dy/dp per learnable parameter (element-wise) */
#define ENG_GIVES_JAC (1u << 4)    /* the Jacobian of a row (vector) */
#define ENG_GIVES_ARGMAX (1u << 5) /* the index a row reduces to (vector, reducing) */
unsigned eng_activation_gives(const struct eng_activation *a);
/* The number of learnable parameters (those with a dy/dp). */
unsigned eng_activation_learnable(const struct eng_activation *a);

/* Where eng_activate() writes. A NULL pointer means "not wanted". For element-wise
 * activations every array has n elements; dp[j] is used for learnable parameters only.
 * For vector activations (rows of k, m = n / k rows): y and grad_x per row as usual
 * (y has m * width entries), jac holds m blocks of width x k, argmax m entries. */
struct eng_act_out {
  double *y;
  double *dy;                  /* element-wise only */
  double *d2y;                 /* element-wise only */
  double *dp[ENG_MAX_PARAMS];  /* element-wise only */
  double *jac;                 /* vector only */
  size_t *argmax;              /* maxout only */
  double *grad_x;              /* needs grad_y */
  const double *grad_y;        /* upstream gradient, shaped like y */
};

/* Applies activation a with parameters p (already checked) to x[0 .. n-1]. For a
 * vector activation the input is n / k rows of k (k >= 1 and n a multiple of k);
 * k is ignored for element-wise ones. Returns ENG_ENOTDEF if dy, d2y or dp is asked
 * of a vector function, or jac/argmax of an element-wise one; ENG_ENOMEM if scratch
 * could not be had. Allocates at most one scratch block per call, none per element. */
int eng_activate(const struct eng_activation *a, const double *p, const double *x,
                 size_t n, size_t k, const struct eng_act_out *out);

/* ========================================================= Correct rounding */

/* Every output of eng_activate is the double nearest the exact value. For an output
 * in a narrower type, rounding that double again is not always the rounding of the
 * exact value: it differs only when the double d is exactly a midpoint of the narrow
 * type, and then the sign of (exact - d) decides. These give that sign.
 *
 * eng_ew_exact_sign: -1, 0 or 1 = sign(exact - d) for element-wise output `which`
 * (ENG_OUT_Y, ENG_OUT_DY, ENG_OUT_D2Y, ENG_OUT_DP + j, or ENG_OUT_GRAD_X, which is
 * grad_y f'(x)) of activation a at x with parameters p (already checked).
 * eng_vec_exact_sign: the same for a vector activation's row xrow[0 .. k-1] (gyrow the
 * row of upstream gradients, width(k) entries, read for ENG_VOUT_GRAD_X): output
 * ENG_VOUT_Y (y_i), ENG_VOUT_JAC (J[i][j]) or ENG_VOUT_GRAD_X (grad_x_i).
 * Both evaluate in MPFR (microseconds); a finite d is expected. */
int eng_ew_exact_sign(const struct eng_activation *a, const double *p, double x,
                      unsigned which, double grad_y, double d);
int eng_vec_exact_sign(const struct eng_activation *a, const double *p, const double *xrow,
                       size_t k, const double *gyrow, unsigned which, size_t i, size_t j,
                       double d);

/* The exact value rounded once to float32, float16 or bfloat16 (nearest, ties to even),
 * returned as a double, from its correctly rounded double d and sign = sign(exact - d)
 * (from eng_*_exact_sign; needed only when d is a midpoint of the narrow type, else
 * ignored). Beyond the type's largest finite value (by half an ULP of it or more) the
 * result is +-inf; subnormals of the type are rounded on their own grid. */
double eng_round_f32(double d, int sign);
double eng_round_f16(double d, int sign);
double eng_round_bf16(double d, int sign);
/* The same for any binary format: mant_bits significand bits (the leading one
 * included: 24 for float32), min_exp the exponent of the least normal number
 * (-126 for float32), max_exp that of the largest finite (127 for float32). */
double eng_round_to(double d, int sign, int mant_bits, int min_exp, int max_exp);

/* A statistic: how many outputs the exact (MPFR) path has computed in this process,
 * summed over threads. The fast paths decide all others. */
unsigned long long eng_exact_count(void);

/* ======================================================================= Losses */

/* id, wire name, rows (1: a 1-D input is one row of classes, not one value per
 * sample), layer (1: a layer's loss in eng_layer_backward), then as text for the
 * catalog: the loss of sample i, its gradient, and what each reduction computes. x is
 * the input (a for a layer), t the targets (a class index c stands for the one-hot row
 * t_ij = [j = c]), K the row's length, M the number of samples. */
#define ENG_LOSS_MAP(X)                                                                   \
  X(SQUARED, "squared", 0, 1,                                                             \
    "L_i = 1/2 sum_j (x_ij - t_ij)^2 (summed over the row's K outputs)",                  \
    "dL_i/dx_ij = x_ij - t_ij",                                                           \
    "mean: sum_i L_i / M, divided by the number of samples M, not of elements; "          \
    "sum: sum_i L_i")                                                                     \
  X(CROSS_ENTROPY, "cross_entropy", 1, 1,                                                 \
    "L_i = -sum_j t_ij ln x_ij on probabilities x (0 ln 0 = 0); in a layer, computed "    \
    "from z: binary after a sigmoid, categorical after a softmax across the layer",       \
    "dL_i/dx_ij = -t_ij / x_ij (in a layer, dL_i/dz_ij = a_ij - t_ij)",                  \
    "mean: sum_i L_i / M; sum: sum_i L_i")                                                \
  X(BINARY_CROSS_ENTROPY, "binary_cross_entropy", 0, 0,                                   \
    "L_i = -sum_j [t_ij ln x_ij + (1 - t_ij) ln(1 - x_ij)] on probabilities x, summed "   \
    "within a row",                                                                        \
    "dL_i/dx_ij = (x_ij - t_ij) / (x_ij (1 - x_ij))",                                     \
    "mean: sum_i L_i / M, divided by the number of samples M, not of elements; "          \
    "sum: sum_i L_i")                                                                     \
  X(SOFTMAX_CROSS_ENTROPY, "softmax_cross_entropy", 1, 0,                                 \
    "L_i = -sum_j t_ij ln softmax(x_i)_j = sum_j t_ij (logsumexp(x_i) - x_ij) on logits x", \
    "dL_i/dx_ij = (sum_k t_ik) softmax(x_i)_j - t_ij",                                    \
    "mean: sum_i L_i / M; sum: sum_i L_i")                                                \
  X(MSE, "mse", 0, 1,                                                                     \
    "L_i = 1/K sum_j (x_ij - t_ij)^2 (the mean over the row's K outputs)",                \
    "dL_i/dx_ij = 2 (x_ij - t_ij) / K",                                                   \
    "mean: sum_i L_i / M, the mean over all M K elements (PyTorch's MSELoss); "           \
    "sum: sum_i L_i (PyTorch's reduction='sum' is K times this)")

enum eng_loss {
#define ENG_LOSS_ENUM(id, name, rows, layer, formula, gradient, reduction) ENG_LOSS_##id,
  ENG_LOSS_MAP(ENG_LOSS_ENUM)
#undef ENG_LOSS_ENUM
  ENG_LOSS__COUNT
};

enum eng_reduction { ENG_REDUCE_MEAN, ENG_REDUCE_SUM };

/* Name of a loss, and the loss called `name` (-1 if unknown). */
const char *eng_loss_name(enum eng_loss l);
int eng_loss_lookup(const char *name);
/* Whether a 1-D input of loss l is one row of classes (else one value per sample). */
int eng_loss_rows(enum eng_loss l);
/* Whether l can be a layer's loss (eng_layer_backward). */
int eng_loss_layer(enum eng_loss l);
/* The catalog's text of l: the loss of one sample, its gradient, the reductions. */
const char *eng_loss_formula(enum eng_loss l);
const char *eng_loss_gradient(enum eng_loss l);
const char *eng_loss_reduction(enum eng_loss l);
/* The activations a layer's loss l needs (NULL-terminated names; empty: any). With
 * CROSS_ENTROPY a layer computes from z: binary CE after a sigmoid, categorical CE
 * after a softmax across the layer. */
const char *const *eng_loss_partners(enum eng_loss l);

/* Targets: either values r (shaped like the input: m x k) or class indices (m of them,
 * each an integer 0 .. k-1, stored as doubles as they arrive). Exactly one is non-NULL. */
struct eng_targets {
  const double *r;
  const double *cls;
};

/* A loss on its own. input is m rows of k (k = 1 for a 1-D input). Writes losses[m]
 * (per sample), *loss (mean over m, or sum), grad[m * k] = dL/dinput under that
 * reduction, and for SOFTMAX_CROSS_ENTROPY prob[m * k] = softmax of each row (prob may
 * be NULL otherwise). Errors: ENG_ETARGET (a class index not an integer in range, a
 * target outside [0, 1] where the loss needs it; *bad is its flat index),
 * ENG_EDOMAIN (a probability outside [0, 1], or 0 where its target is positive, so the
 * loss is infinite; *bad is its flat index). Non-finite inputs are ENG_EDOMAIN and
 * non-finite targets ENG_ETARGET; losses, loss, grad and bad may each be NULL. */
int eng_loss_eval(enum eng_loss l, const double *input, size_t m, size_t k,
                  const struct eng_targets *t, enum eng_reduction red, double *losses,
                  double *loss, double *grad, double *prob, size_t *bad);

/* ===================================================================== Neurons */

/* A dense layer of k neurons over a batch: z = x W^T + b, a = f(z).
 * x is m x d, w is k x d (k = 1 for one neuron), b is k (NULL: zero). */
struct eng_layer {
  size_t m, d, k;
  const double *x;
  const double *w;
  const double *b;
  const struct eng_activation *act;
  const double *p; /* resolved parameters of act */
};

/* Width of a per sample: k, or 1 for a row-reducing activation such as maxout. */
size_t eng_layer_width(const struct eng_layer *l);

/* z[m * k] and a[m * width]. */
int eng_layer_forward(const struct eng_layer *l, double *z, double *a);

struct eng_backward_out {
  double *grad_z;    /* m x k */
  double *grad_w;    /* k x d */
  double *grad_b;    /* k */
  double *grad_x;    /* m x d */
  double *losses;    /* m, when a loss is used (may be NULL) */
  double *loss;      /* 1, when a loss is used */
};

/* Backward from z and a (as eng_layer_forward made them). Either grad_a (m x width,
 * used as given: no reduction) or a loss with targets: SQUARED or MSE (r shaped like
 * a), or
 * CROSS_ENTROPY, which needs a sigmoid (binary CE, targets in [0, 1]) or a softmax
 * across the layer (class indices or probability rows); it is computed from z, so
 * dL/dz = softmax(z) - r (sigmoid(z) - r) exactly. Other activations with
 * CROSS_ENTROPY give ENG_ELOSS. red divides by m (MEAN) or not (SUM).
 * grad_w = grad_z^T x, grad_b = column sums of grad_z, grad_x = grad_z W.
 * o->grad_z is required; the other outputs may be NULL. ENG_ENOMEM if scratch could
 * not be had (a few blocks per call, none per element). */
int eng_layer_backward(const struct eng_layer *l, const double *z, const double *a,
                       const double *grad_a, enum eng_loss loss,
                       const struct eng_targets *t, enum eng_reduction red,
                       struct eng_backward_out *o, size_t *bad);

/* The sums of eng_layer_backward after grad_z, for a caller that splits them across
 * threads; bit for bit what eng_layer_backward writes. grad_w and grad_b (either may
 * be NULL) of the neurons [j0, j1), each a sum over the whole batch in order; and
 * grad_x of the samples [i0, i1). ENG_EINVAL for a range past k or m, ENG_ENOMEM if
 * scratch could not be had. */
int eng_layer_grad_params(const struct eng_layer *l, const double *grad_z, double *grad_w,
                          double *grad_b, size_t j0, size_t j1);
int eng_layer_grad_x(const struct eng_layer *l, const double *grad_z, double *grad_x,
                     size_t i0, size_t i1);

/* One SGD step: out[i] = w[i] - eta * g[i]. out may alias w. */
void eng_sgd_step(const double *w, const double *g, size_t n, double eta, double *out);

/* ================================================================= Statistics */

/* The Euclidean norm sqrt(sum v_i^2) of n doubles (the Frobenius norm of a matrix),
 * within about 1 ULP: the squares are summed in double-double after scaling by a power
 * of two, so none overflows or underflows. 0 for n = 0; +inf only when the norm itself
 * is beyond the largest double. */
double eng_norm2(const double *v, size_t n);
/* The mean and the population standard deviation (divided by n) of n doubles, within a
 * few ULP (two passes, double-double sums); both 0 for n = 0. */
void eng_mean_std(const double *v, size_t n, double *mean, double *std);

/* What a dense layer's entries look like (the network lab's per-layer statistics). */
struct eng_layer_stats {
  double a_mean, a_std;      /* over every entry of a (m x width) */
  double dadz_mean_abs;      /* mean of |f'(z)| over z's m x k entries (element-wise f) */
  double dead_fraction;      /* share of z's entries with f'(z) = 0 (element-wise f) */
  int has_dadz;              /* 0 for a vector activation: the two above are not defined */
  double grad_z_norm;        /* Euclidean norm of grad_z (0 when grad_z is NULL) */
  double grad_weights_norm;  /* Frobenius norm of grad_W (0 when grad_w is NULL) */
};

/* The statistics of layer l from its z and a (eng_layer_forward) and, when not NULL,
 * its grad_z and grad_w (eng_layer_backward). ENG_ENOMEM if scratch for f'(z) could not
 * be had (one block per call). */
int eng_layer_stats(const struct eng_layer *l, const double *z, const double *a,
                    const double *grad_z, const double *grad_w, struct eng_layer_stats *st);

/* =============================================================== Initialisers */

/* The fields a scheme takes besides shape and seed (bits of its row's third column). */
#define ENG_INIT_FIELD_MAP(X)                                              \
  X(MEAN, "mean")                                                          \
  X(STD, "std")                                                            \
  X(LOW, "low")                                                            \
  X(HIGH, "high")                                                          \
  X(GAIN, "gain")                                                          \
  X(FAN_IN, "fan_in")                                                      \
  X(FAN_OUT, "fan_out")

enum eng_init_field {
#define ENG_INIT_FIELD_ENUM(id, name) ENG_INIT_F_##id,
  ENG_INIT_FIELD_MAP(ENG_INIT_FIELD_ENUM)
#undef ENG_INIT_FIELD_ENUM
  ENG_INIT_F__COUNT
};
#define ENG_INIT_TAKES_NORMAL (1u << ENG_INIT_F_MEAN | 1u << ENG_INIT_F_STD)
#define ENG_INIT_TAKES_UNIFORM (1u << ENG_INIT_F_LOW | 1u << ENG_INIT_F_HIGH)
#define ENG_INIT_TAKES_FAN (1u << ENG_INIT_F_GAIN | 1u << ENG_INIT_F_FAN_IN | 1u << ENG_INIT_F_FAN_OUT)

/* id, wire name, the fields it takes. */
#define ENG_INIT_MAP(X)                                                    \
  X(NORMAL, "normal", ENG_INIT_TAKES_NORMAL)                               \
  X(UNIFORM, "uniform", ENG_INIT_TAKES_UNIFORM)                            \
  X(XAVIER_NORMAL, "xavier_normal", ENG_INIT_TAKES_FAN)                    \
  X(XAVIER_UNIFORM, "xavier_uniform", ENG_INIT_TAKES_FAN)                  \
  X(LECUN_NORMAL, "lecun_normal", ENG_INIT_TAKES_FAN)                      \
  X(LECUN_UNIFORM, "lecun_uniform", ENG_INIT_TAKES_FAN)                    \
  X(HE_NORMAL, "he_normal", ENG_INIT_TAKES_FAN)                            \
  X(HE_UNIFORM, "he_uniform", ENG_INIT_TAKES_FAN)

/* Other names people use for the same schemes: alias, scheme id. */
#define ENG_INIT_ALIAS_MAP(X)                                              \
  X("glorot_normal", XAVIER_NORMAL)                                        \
  X("glorot_uniform", XAVIER_UNIFORM)                                      \
  X("kaiming_normal", HE_NORMAL)                                           \
  X("kaiming_uniform", HE_UNIFORM)

enum eng_init_scheme {
#define ENG_INIT_ENUM(id, name, takes) ENG_INIT_##id,
  ENG_INIT_MAP(ENG_INIT_ENUM)
#undef ENG_INIT_ENUM
  ENG_INIT__COUNT
};

const char *eng_init_name(enum eng_init_scheme s);
/* The scheme called name, or by one of its aliases; -1 if unknown. */
int eng_init_lookup(const char *name);
/* The i-th alias of the table (from 0) and, in *s (may be NULL), its scheme; NULL past
 * the last. */
const char *eng_init_alias(size_t i, enum eng_init_scheme *s);
/* The name of a field (ENG_INIT_F_*), and the set of fields scheme s takes (bit f for
 * field f). */
const char *eng_init_field_name(enum eng_init_field f);
unsigned eng_init_takes(enum eng_init_scheme s);

struct eng_init {
  enum eng_init_scheme scheme;
  size_t k, d;            /* shape of the weights: k x d */
  double fan_in, fan_out; /* 0 means the default: d and k */
  double mean, std;       /* NORMAL (defaults 0, 1) */
  double low, high;       /* UNIFORM (defaults 0, 1), low < high */
  double gain;            /* scales xavier/lecun/he (default 1) */
  uint64_t seed;
};

/* Fills w[k * d]. *std_out is the standard deviation of a normal scheme, *bound_out
 * the half-width of a symmetric uniform one (the other is set to NaN; for UNIFORM,
 * both NaN). Bit-identical for the same seed on every machine. ENG_EINVAL for a bad
 * configuration (std < 0, low >= high, fan <= 0). */
int eng_init_fill(const struct eng_init *c, double *w, double *std_out, double *bound_out);

/* The generator behind eng_init_fill: splitmix64 seeds xoshiro256**. */
struct eng_rng { uint64_t s[4]; };
void eng_rng_seed(struct eng_rng *r, uint64_t seed);
uint64_t eng_rng_next(struct eng_rng *r);
double eng_rng_uniform(struct eng_rng *r);  /* [0, 1), 53 random bits */
double eng_rng_normal(struct eng_rng *r);   /* standard normal */

#endif /* NEUROND_ENGINE_H */
