/*
 * h_verify.c: POST /verify: another implementation's outputs of an activation, graded
 * against the exact values in its own precision (float64, float32, float16, bfloat16).
 *
 * Request {activation, params?, dtype, x, grad_y?, got, tolerance?, worst?}. Every
 * element of x, grad_y and the got arrays is a value of the dtype: a JSON number read
 * as a parser of that type reads it (its decimal text rounded once to the type), or a
 * string: the type's bit pattern in hex, "nan", "inf" or "-inf". The expected values
 * are the engine's (act_compute: the correctly rounded doubles) rounded once more to
 * the dtype; where a double lies exactly halfway between two values of the dtype, the
 * engine tells on which side the exact value lies (eng_*_exact_sign), so the expected
 * value is the exact one rounded once, never twice. Answer {activation, params, dtype,
 * shape, tolerance, pass, results}: per graded output its grade (grade.h) as an object.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec/jdoc.h"
#include "codec/jptr.h"
#include "codec/jtext.h"
#include "codec/num.h"
#include "exec/par.h"
#include "service/grade.h"
#include "service/h_activate.h"
#include "service/routes.h"

/* Values of the dtype read from the request, as the doubles equal to them. */
struct dvals {
  struct shape shape;
  const double *v;          /* row-major; NaN and infinities as they came */
  size_t n;
};

/* The outputs got may hold, in the order of the answer. */
enum { V_Y, V_DY, V_D2Y, V_DP, V_JAC, V_GRAD_X, V__COUNT };
static const char *const got_names[V__COUNT + 1] = {"y", "dy_dx", "d2y_dx2", "dy_dparams",
                                                    "jacobian", "grad_x", NULL};

/* One graded output. */
struct graded {
  const char *name;         /* "y", ..., or under dy_dparams the parameter's name */
  unsigned kind;            /* V_* */
  unsigned param;           /* V_DP: the parameter's index */
  char ptr[64];             /* "/got/y" */
  struct shape shape;       /* what the engine gives */
  struct dvals got;
  const double *expected;   /* rounded once to the dtype */
  struct grade g;
};

#define MAX_GRADED (V__COUNT + ENG_MAX_PARAMS)
#define WORST_DEFAULT 10
#define WORST_MAX 1000

struct verify_req {
  struct req_head head;
  const struct eng_activation *act;
  double p[ENG_MAX_PARAMS];
  int dtype;
  const cJSON *xj, *gyj, *gotj, *tolj;
  double worst;
  /* decoded by the fields' hooks */
  const struct dtype *t;
  struct act_req ar;        /* x, grad_y and the outputs, as /activate takes them */
  struct dvals x, grad_y;
  struct graded out[MAX_GRADED];
  unsigned nout;
  struct tolerance tol;
  size_t elements;          /* of x, grad_y and got, against the element limit */
};

/* ================================================================ Reading */

static const char *what_values(unsigned max_ndim)
{
  switch (max_ndim) {
  case 0: return "a number or a string";
  case 1: return "a number or a string, or an array of them";
  case 2: return "a number or a string, an array of them, or an array of rows of them";
  default: return "a number or a string, or arrays of them nested at most three deep";
  }
}

/* The shape of v at ptr: a number or a string is a scalar; an array holds elements
 * of one kind and one shape, at most max_ndim levels deep. */
static int walk_shape(struct hctx *c, const cJSON *v, const char *ptr, unsigned max_ndim,
                      struct shape *s)
{
  const struct jdoc_arr *a;
  char p[JPTR_MAX], name[JNAME_MAX], s1[64], s2[64];
  struct shape first = {0, {0}}, sub;
  size_t i = 0;

  memset(s, 0, sizeof *s);
  if (cJSON_IsNumber(v) || cJSON_IsString(v))
    return 0;
  jptr_name(ptr, name, sizeof name);
  if (!cJSON_IsArray(v) || max_ndim == 0)
    return problem(c, 422, ptr, "%s must be %s", name, what_values(max_ndim));
  a = jdoc_packed(c->doc, v);
  if (a != NULL) {
    if (a->ndim > max_ndim)
      return problem(c, 422, ptr, "%s must be %s", name, what_values(max_ndim));
    if (a->ndim == 2 && a->ragged) {
      jptr_index(p, sizeof p, ptr, a->bad_row);
      return req_ragged(c, p, a->bad_len, a->dim[1]);
    }
    s->ndim = a->ndim;
    s->dim[0] = a->dim[0];
    s->dim[1] = a->ndim == 2 ? a->dim[1] : 0;
    return 0;
  }
  for (const cJSON *it = v->child; it != NULL; it = it->next, i++) {
    jptr_index(p, sizeof p, ptr, i);
    if (walk_shape(c, it, p, max_ndim - 1, &sub) != 0)
      return -1;
    if (i == 0) {
      first = sub;
      continue;
    }
    if (shape_eq(&sub, &first))
      continue;
    jptr_name(p, name, sizeof name);
    if (sub.ndim == 1 && first.ndim == 1)
      return req_ragged(c, p, sub.dim[0], first.dim[0]);
    if (sub.ndim == first.ndim)
      return problem(c, 422, p, "%s has shape %s, expected %s (like the elements before it)",
                     name, shape_text(&sub, s1, sizeof s1), shape_text(&first, s2, sizeof s2));
    if (first.ndim == 0)
      return problem(c, 422, p, "%s must be a number or a string, like the elements before it",
                     name);
    return problem(c, 422, p, "%s must be an array, like the elements before it", name);
  }
  s->ndim = 1 + first.ndim;
  s->dim[0] = i;
  for (unsigned d = 0; d < first.ndim; d++)
    s->dim[d + 1] = first.dim[d];
  return 0;
}

/* A string element: the bit pattern in hex ("0x3f80": 0x and at most bits / 4 hex
 * digits), or "nan", "inf", "infinity" with an optional sign, in any case (as Python's
 * float() reads them). */
static int parse_string(const struct dtype *t, const char *s, double *out)
{
  const char *q = s + (s[0] == '+' || s[0] == '-');
  uint64_t bits = 0;
  size_t nd;

  if (strcasecmp(q, "nan") == 0) {
    *out = NAN;
    return 0;
  }
  if (strcasecmp(q, "inf") == 0 || strcasecmp(q, "infinity") == 0) {
    *out = s[0] == '-' ? -INFINITY : INFINITY;
    return 0;
  }
  if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
    return -1;
  nd = strlen(s + 2);
  if (nd == 0 || nd > t->bits / 4)
    return -1;
  for (const char *h = s + 2; *h != '\0'; h++) {
    unsigned d;
    if (*h >= '0' && *h <= '9')
      d = (unsigned)(*h - '0');
    else if (*h >= 'a' && *h <= 'f')
      d = (unsigned)(*h - 'a' + 10);
    else if (*h >= 'A' && *h <= 'F')
      d = (unsigned)(*h - 'A' + 10);
    else
      return -1;
    bits = bits << 4 | d;
  }
  *out = dt_from_bits(t, bits);
  return 0;
}

/* Filling an array of values in flat order. A number whose double is a midpoint of the
 * dtype is left as that double and noted, to be rounded from its text. */
struct fill {
  struct hctx *c;
  const struct dtype *t;
  const char *ptr;          /* of the whole value, for messages */
  const struct shape *shape;
  double *v;
  size_t k;                 /* elements filled */
  size_t *pend;             /* the flat indices of the noted numbers (malloc'd) */
  size_t npend, cappend;
};

static int put_number(struct fill *F, double d)
{
  const struct dtype *t = F->t;
  if (t->mant == 53) {
    F->v[F->k++] = d;
    return 0;
  }
  if (dt_midpoint(t, d)) {
    if (F->npend == F->cappend) {
      size_t cap = F->cappend ? 2 * F->cappend : 16;
      size_t *q = realloc(F->pend, cap * sizeof *q);
      if (q == NULL)
        return problem(F->c, 500, NULL, "out of memory");
      F->pend = q;
      F->cappend = cap;
    }
    F->pend[F->npend++] = F->k;
    F->v[F->k++] = d;
    return 0;
  }
  F->v[F->k++] = dt_round(t, d, 0);
  return 0;
}

static int fill_value(struct fill *F, const cJSON *v)
{
  const struct jdoc_arr *a;

  if (cJSON_IsNumber(v))
    return put_number(F, v->valuedouble);
  if (cJSON_IsString(v)) {
    char p[JPTR_MAX], name[JNAME_MAX];
    uint64_t one;
    if (parse_string(F->t, v->valuestring, &F->v[F->k]) == 0) {
      F->k++;
      return 0;
    }
    jptr_flat(p, sizeof p, F->ptr, F->shape, F->k);
    jptr_name(p, name, sizeof name);
    one = dt_bits(F->t, 1);
    return problem(F->c, 422, p,
                   "%s \"%.40s\" is not a %s value: a string is the bit pattern in hex (0x "
                   "and at most %u hex digits: 1 is \"0x%0*llx\"), \"nan\", \"inf\" or \"-inf\"",
                   name, v->valuestring, F->t->name, F->t->bits / 4, (int)(F->t->bits / 4),
                   (unsigned long long)one);
  }
  a = jdoc_packed(F->c->doc, v);
  if (a != NULL) {
    size_t n = a->ndim == 2 ? a->dim[0] * a->dim[1] : a->dim[0];
    const double *src = F->c->doc->num + a->off;
    for (size_t i = 0; i < n; i++)
      if (put_number(F, src[i]) != 0)
        return -1;
    return 0;
  }
  for (const cJSON *it = v->child; it != NULL; it = it->next)
    if (fill_value(F, it) != 0)
      return -1;
  return 0;
}

/* Rounds the noted numbers from their text: the side of the decimal value from the
 * double decides the tie. */
static int round_noted(struct fill *F)
{
  struct hctx *c = F->c;
  struct jspan *sp;
  size_t off;

  if (F->npend == 0)
    return 0;
  sp = malloc(F->npend * sizeof *sp);
  if (sp == NULL)
    return problem(c, 500, NULL, "out of memory");
  off = c->body != NULL ? jtext_find(c->body, c->body_len, F->ptr) : JTEXT_NONE;
  if (off != JTEXT_NONE)
    jtext_leaves(c->body, c->body_len, off, F->pend, F->npend, sp);
  for (size_t i = 0; i < F->npend; i++) {
    double d = F->v[F->pend[i]];
    int side = 0;
    if (off != JTEXT_NONE && sp[i].len > 0 &&
        jtext_num_side(c->body + sp[i].off, sp[i].len, d, &side) != 0) {
      free(sp);
      return problem(c, 500, NULL, "out of memory");
    }
    F->v[F->pend[i]] = dt_round(F->t, d, side);
  }
  free(sp);
  return 0;
}

/* Reads v at ptr as values of the request's dtype, at most max_ndim deep. With want
 * set, the shape must be *want (422 naming the output `what` otherwise). With finite
 * set, every value must be finite. Counts the elements against the limit. */
static int read_values(struct hctx *c, struct verify_req *r, const cJSON *v, const char *ptr,
                       unsigned max_ndim, const struct shape *want, const char *what,
                       int finite, struct dvals *out)
{
  char name[JNAME_MAX], p[JPTR_MAX], s1[64], s2[64], mx[NUM_SPACE + 1];
  const struct jdoc_arr *a;
  struct fill F;
  size_t n;
  double *vals;
  int rc;

  memset(out, 0, sizeof *out);
  if (walk_shape(c, v, ptr, max_ndim, &out->shape) != 0)
    return -1;
  jptr_name(ptr, name, sizeof name);
  if (want != NULL && !shape_eq(&out->shape, want))
    return problem(c, 422, ptr, "%s has shape %s; it must have the shape of %s, %s", name,
                   shape_text(&out->shape, s1, sizeof s1), what,
                   shape_text(want, s2, sizeof s2));
  n = shape_count(&out->shape);
  if (n > c->cfg->max_elements || r->elements > c->cfg->max_elements - n)
    return problem(c, 413, ptr,
                   "the request holds more than %zu elements in x, grad_y and got together "
                   "(the element limit)", c->cfg->max_elements);
  r->elements += n;
  out->n = n;
  /* float64 numbers are already what the parser packed */
  a = jdoc_packed(c->doc, v);
  if (r->t->mant == 53 && a != NULL) {
    out->v = n > 0 ? c->doc->num + a->off : NULL;
  } else {
    vals = ctx_alloc_raw(c, n * sizeof *vals + 1);
    if (vals == NULL)
      return -1;
    memset(&F, 0, sizeof F);
    F.c = c;
    F.t = r->t;
    F.ptr = ptr;
    F.shape = &out->shape;
    F.v = vals;
    rc = fill_value(&F, v);
    if (rc == 0)
      rc = round_noted(&F);
    free(F.pend);
    if (rc != 0)
      return -1;
    out->v = vals;
  }
  if (!finite)
    return 0;
  for (size_t i = 0; i < n; i++) {
    if (isfinite(out->v[i]))
      continue;
    jptr_flat(p, sizeof p, ptr, &out->shape, i);
    jptr_name(p, name, sizeof name);
    if (isnan(out->v[i]))
      return problem(c, 422, p, "%s must be a finite number, not nan", name);
    mx[num_format(dt_max(r->t), mx)] = '\0';
    return problem(c, 422, p, "%s must be a finite number: as a %s it is %s (the largest "
                   "finite %s is %s)", name, r->t->name, out->v[i] < 0 ? "-inf" : "inf",
                   r->t->name, mx);
  }
  return 0;
}

/* =============================================================== Fields */

static int check_dtype(struct hctx *c, struct req_head *h, const cJSON *v, const char *ptr)
{
  struct verify_req *r = (struct verify_req *)h;
  (void)c;
  (void)v;
  (void)ptr;
  r->t = &dtypes[r->dtype];
  r->ar.act = r->act;
  memcpy(r->ar.p, r->p, sizeof r->p);
  return 0;
}

static void as_tensor(const struct dvals *d, struct tensor_in *t)
{
  t->shape = d->shape;
  t->v = d->v;
  t->n = d->n;
}

static int check_x(struct hctx *c, struct req_head *h, const cJSON *v, const char *ptr)
{
  struct verify_req *r = (struct verify_req *)h;
  if (read_values(c, r, v, ptr, 2, NULL, NULL, 1, &r->x) != 0)
    return -1;
  as_tensor(&r->x, &r->ar.x);
  return act_check_inputs(c, &r->ar, "/x", "/grad_y");
}

static int check_grad_y(struct hctx *c, struct req_head *h, const cJSON *v, const char *ptr)
{
  struct verify_req *r = (struct verify_req *)h;
  if (v == NULL)
    return 0;
  if (read_values(c, r, v, ptr, 2, NULL, NULL, 1, &r->grad_y) != 0)
    return -1;
  as_tensor(&r->grad_y, &r->ar.grad_y);
  r->ar.has_grad_y = 1;
  return act_check_inputs(c, &r->ar, "/x", "/grad_y");
}

/* The shape the engine gives for output kind k. */
static void output_shape(const struct verify_req *r, unsigned k, struct shape *s)
{
  const struct shape *xs = &r->x.shape;
  size_t kk, m, w;

  if (k == V_Y) {
    act_y_shape(&r->ar, s, NULL, NULL, NULL);
    return;
  }
  if (k != V_JAC) {
    *s = *xs;
    return;
  }
  act_y_shape(&r->ar, s, &kk, &m, &w);
  s->ndim = xs->ndim == 1 ? 2 : 3; /* per row a w x k matrix, as /activate gives it */
  if (s->ndim == 2) {
    s->dim[0] = w;
    s->dim[1] = kk;
  } else {
    s->dim[0] = m;
    s->dim[1] = w;
    s->dim[2] = kk;
  }
}

/* Adds output kind k (parameter j for V_DP) read from v. */
static int add_output(struct hctx *c, struct verify_req *r, unsigned k, unsigned j,
                      const cJSON *v)
{
  struct graded *o = &r->out[r->nout];
  const char *what = k == V_DP ? r->act->params[j].name : got_names[k];
  char what_s[64];

  memset(o, 0, sizeof *o);
  o->kind = k;
  o->param = j;
  o->name = what;
  if (k == V_DP)
    snprintf(o->ptr, sizeof o->ptr, "/got/dy_dparams/%s", what);
  else
    snprintf(o->ptr, sizeof o->ptr, "/got/%s", what);
  output_shape(r, k, &o->shape);
  snprintf(what_s, sizeof what_s, k == V_DP ? "dy/d%s" : "%s", what);
  if (read_values(c, r, v, o->ptr, o->shape.ndim < 2 ? 2 : o->shape.ndim, &o->shape, what_s,
                  0, &o->got) != 0)
    return -1;
  r->nout++;
  return 0;
}

/* got: the outputs to grade, each one the activation gives, shaped as /activate gives
 * it. */
static int check_got(struct hctx *c, struct req_head *h, const cJSON *v, const char *ptr)
{
  struct verify_req *r = (struct verify_req *)h;
  const struct eng_activation *a = r->act;
  const cJSON *vals[V__COUNT];
  char p[JPTR_MAX];
  int any = 0;

  if (req_members(c, v, ptr, got_names, V__COUNT, vals) != 0)
    return -1;
  for (unsigned k = 0; k < V__COUNT; k++)
    any |= vals[k] != NULL;
  if (!any)
    return problem(c, 422, ptr,
                   "got must hold at least one output to grade: y, dy_dx, d2y_dx2, "
                   "dy_dparams, jacobian or grad_x");
  for (unsigned k = 0; k < V__COUNT; k++) {
    if (vals[k] == NULL)
      continue;
    jptr_key(p, sizeof p, ptr, got_names[k]);
    if (a->kind == ENG_VECTOR && (k == V_DY || k == V_D2Y || k == V_DP))
      return problem(c, 422, p,
                     "%s is not defined for the vector activation %s (grade y, jacobian, or "
                     "grad_x with grad_y)", got_names[k], a->name);
    if (a->kind == ENG_ELEMENTWISE && k == V_JAC)
      return problem(c, 422, p,
                     "jacobian is defined for vector activations only; %s is element-wise "
                     "(its Jacobian is diagonal: grade dy_dx)", a->name);
    if (k == V_GRAD_X && !r->ar.has_grad_y)
      return problem(c, 422, p,
                     "grad_x is grad_y times the derivative: grading it needs grad_y, the "
                     "upstream gradient it was computed from");
    if (k == V_DP) {
      const char *names[ENG_MAX_PARAMS];
      unsigned idx[ENG_MAX_PARAMS], nl = 0;
      const cJSON *pv[ENG_MAX_PARAMS];
      int given = 0;
      for (unsigned j = 0; j < a->nparams; j++)
        if (a->params[j].learnable) {
          idx[nl] = j;
          names[nl++] = a->params[j].name;
        }
      if (nl == 0)
        return problem(c, 422, p, "%s has no differentiable parameters", a->name);
      if (req_members(c, vals[k], p, names, nl, pv) != 0)
        return -1;
      for (unsigned i = 0; i < nl; i++) {
        if (pv[i] == NULL)
          continue;
        given = 1;
        if (add_output(c, r, V_DP, idx[i], pv[i]) != 0)
          return -1;
      }
      if (!given)
        return problem(c, 422, p, "got.dy_dparams must hold at least one parameter of %s",
                       a->name);
      continue;
    }
    if (add_output(c, r, k, 0, vals[k]) != 0)
      return -1;
  }
  return 0;
}

/* tolerance: {"ulp": N}, {"rtol": r, "atol": a} (either alone: the other is 0) or
 * {"preset": "torch" | "jax"}, the preset's rtol and atol for the dtype. */
static int check_tolerance(struct hctx *c, struct req_head *h, const cJSON *v, const char *ptr)
{
  static const char *const names[] = {"ulp", "rtol", "atol", "preset"};
  static const char forms[] =
    "{\"ulp\": N}, {\"rtol\": r, \"atol\": a} or {\"preset\": \"torch\"} (or \"jax\")";
  struct verify_req *r = (struct verify_req *)h;
  struct tolerance *tol = &r->tol;
  const cJSON *vals[4];
  int nforms;

  memset(tol, 0, sizeof *tol);
  tol->kind = TOL_ULP;
  tol->ulp = 1;
  if (v == NULL)
    return 0;
  if (!cJSON_IsObject(v))
    return problem(c, 422, ptr, "tolerance must be an object: %s", forms);
  if (req_members(c, v, ptr, names, 4, vals) != 0)
    return -1;
  nforms = (vals[0] != NULL) + (vals[1] != NULL || vals[2] != NULL) + (vals[3] != NULL);
  if (nforms != 1)
    return problem(c, 422, ptr, "tolerance takes one form: %s", forms);
  if (vals[0] != NULL)
    return req_integer(c, vals[0], "/tolerance/ulp", 0, 9007199254740992.0, &tol->ulp);
  tol->kind = TOL_REL;
  if (vals[3] != NULL) {
    const char *s;
    if (req_string(c, vals[3], "/tolerance/preset", &s) != 0)
      return -1;
    if (strcmp(s, "torch") == 0) {
      tol->preset = "torch";
      tol->rtol = r->t->torch_rtol;
      tol->atol = r->t->torch_atol;
    } else if (strcmp(s, "jax") == 0) {
      tol->preset = "jax";
      tol->rtol = tol->atol = r->t->jax_tol;
    } else {
      return problem(c, 422, "/tolerance/preset",
                     "unknown tolerance.preset \"%.32s\" (expected \"torch\" or \"jax\")", s);
    }
    return 0;
  }
  for (unsigned i = 1; i <= 2; i++) {
    char p[JPTR_MAX];
    double d = 0;
    if (vals[i] == NULL)
      continue;
    jptr_key(p, sizeof p, ptr, names[i]);
    if (req_number(c, vals[i], p, &d) != 0)
      return -1;
    if (d < 0)
      return problem(c, 422, p, "tolerance.%s must be a finite number >= 0", names[i]);
    if (i == 1)
      tol->rtol = d;
    else
      tol->atol = d;
  }
  return 0;
}

static int check_worst(struct hctx *c, struct req_head *h, const cJSON *v, const char *ptr)
{
  struct verify_req *r = (struct verify_req *)h;
  (void)c;
  (void)ptr;
  if (v == NULL)
    r->worst = WORST_DEFAULT;
  return 0;
}

static const struct field fields[] = {
  { .name = "activation", .kind = FK_ACTIVATION, .required = 1,
    .off = offsetof(struct verify_req, act) },
  { .name = "params", .kind = FK_PARAMS, .off = offsetof(struct verify_req, p),
    .dep = offsetof(struct verify_req, act) },
  { .name = "dtype", .kind = FK_CHOICE, .required = 1, .choices = dtype_names,
    .off = offsetof(struct verify_req, dtype), .check = check_dtype },
  { .name = "x", .kind = FK_JSON, .required = 1, .flags = FF_TEXT,
    .off = offsetof(struct verify_req, xj), .check = check_x },
  { .name = "grad_y", .kind = FK_JSON, .flags = FF_TEXT,
    .off = offsetof(struct verify_req, gyj), .check = check_grad_y },
  { .name = "got", .kind = FK_JSON, .required = 1, .flags = FF_TEXT,
    .off = offsetof(struct verify_req, gotj), .check = check_got },
  { .name = "tolerance", .kind = FK_JSON, .off = offsetof(struct verify_req, tolj),
    .check = check_tolerance },
  { .name = "worst", .kind = FK_INTEGER, .lo = 0, .hi = WORST_MAX,
    .off = offsetof(struct verify_req, worst), .check = check_worst },
  FIELDS_END,
};

/* ============================================================ Expected */

/* Rounding one output's doubles once to the dtype. */
struct round_job {
  const struct verify_req *r;
  const struct act_result *res;
  const struct graded *o;
  const double *src;
  double *dst;
};

/* The side of the exact value of entry i from its double d: sign(exact - d). */
static int exact_side(const struct round_job *j, size_t i, double d)
{
  const struct verify_req *r = j->r;
  const struct eng_activation *a = r->act;
  const double *x = r->x.v, *gy = r->grad_y.v;
  size_t k = j->res->k, w = j->res->w, row;
  static const unsigned ew_which[V__COUNT] = {ENG_OUT_Y, ENG_OUT_DY, ENG_OUT_D2Y, ENG_OUT_DP,
                                              0, ENG_OUT_GRAD_X};

  if (a->kind == ENG_ELEMENTWISE)
    return eng_ew_exact_sign(a, r->p, x[i], ew_which[j->o->kind] + (j->o->kind == V_DP ?
                             j->o->param : 0), gy != NULL ? gy[i] : 0, d);
  switch (j->o->kind) {
  case V_Y:
    row = i / w;
    return eng_vec_exact_sign(a, r->p, x + row * k, k, gy != NULL ? gy + row * w : NULL,
                              ENG_VOUT_Y, i % w, 0, d);
  case V_JAC:
    row = i / (w * k);
    return eng_vec_exact_sign(a, r->p, x + row * k, k, NULL, ENG_VOUT_JAC, i % (w * k) / k,
                              i % k, d);
  default: /* V_GRAD_X */
    row = i / k;
    return eng_vec_exact_sign(a, r->p, x + row * k, k, gy + row * w, ENG_VOUT_GRAD_X, i % k, 0,
                              d);
  }
}

static void round_part(void *ctx, size_t lo, size_t hi, unsigned part)
{
  const struct round_job *j = ctx;
  const struct dtype *t = j->r->t;
  (void)part;
  for (size_t i = lo; i < hi; i++) {
    double d = j->src[i];
    j->dst[i] = dt_round(t, d, dt_midpoint(t, d) ? exact_side(j, i, d) : 0);
  }
}

/* The engine's doubles for output o. */
static const double *exact_of(const struct act_result *res, const struct graded *o)
{
  switch (o->kind) {
  case V_Y: return res->o.y;
  case V_DY: return res->o.dy;
  case V_D2Y: return res->o.d2y;
  case V_DP: return res->o.dp[o->param];
  case V_JAC: return res->o.jac;
  default: return res->o.grad_x;
  }
}

/* ============================================================== Answer */

/* A value: a number, or "nan", "inf", "-inf". */
static void put_value(struct buf *b, double v)
{
  if (isnan(v))
    buf_puts(b, "\"nan\"");
  else if (isinf(v))
    buf_puts(b, v < 0 ? "\"-inf\"" : "\"inf\"");
  else
    buf_num(b, v);
}

static void put_u64(struct buf *b, uint64_t v)
{
  char t[24];
  size_t k = sizeof t;
  do {
    t[--k] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  buf_put(b, t + k, sizeof t - k);
}

/* An error in ULP: an integer, or "inf". */
static void put_ulp(struct buf *b, uint64_t u)
{
  if (u == GRADE_INF)
    buf_puts(b, "\"inf\"");
  else
    put_u64(b, u);
}

/* The flat index i of shape s as [i0, i1, ...]. */
static void put_index(struct buf *b, const struct shape *s, size_t i)
{
  size_t idx[SHAPE_MAX_DIMS];
  for (unsigned d = s->ndim; d-- > 0;) {
    idx[d] = i % s->dim[d];
    i /= s->dim[d];
  }
  buf_putc(b, '[');
  for (unsigned d = 0; d < s->ndim; d++) {
    if (d > 0)
      buf_putc(b, ',');
    buf_uint(b, idx[d]);
  }
  buf_putc(b, ']');
}

/* The input element an output entry comes from: the same position for element-wise
 * functions, y and grad_x; x_j of the row for J[i][j]; the row's first maximum for
 * maxout. */
static size_t x_index(const struct verify_req *r, const struct act_result *res,
                      const struct graded *o, size_t i)
{
  if (r->act->kind == ENG_ELEMENTWISE || o->kind == V_GRAD_X)
    return i;
  if (o->kind == V_JAC)
    return i / (res->w * res->k) * res->k + i % res->k;
  if (r->act->reduces)
    return i * res->k + res->o.argmax[i];
  return i;
}

static void put_grade(struct buf *b, const struct verify_req *r, const struct act_result *res,
                      const struct graded *o)
{
  const struct grade *g = &o->g;

  buf_puts(b, "{\"count\":");
  buf_uint(b, g->count);
  buf_puts(b, g->failed == 0 ? ",\"pass\":true" : ",\"pass\":false");
  buf_puts(b, ",\"failed\":");
  buf_uint(b, g->failed);
  buf_puts(b, ",\"max_ulp\":");
  put_ulp(b, g->max_ulp);
  /* the mean of the finite errors; "inf" when every error is infinite */
  buf_puts(b, ",\"mean_ulp\":");
  if (g->finite > 0)
    buf_num(b, g->sum_ulp / (double)g->finite);
  else if (g->count > 0)
    buf_puts(b, "\"inf\"");
  else
    buf_putc(b, '0');
  buf_puts(b, ",\"histogram\":{");
  for (unsigned k = 0; k < GB__COUNT; k++) {
    if (k > 0)
      buf_putc(b, ',');
    buf_jstr(b, grade_bucket_names[k]);
    buf_putc(b, ':');
    buf_uint(b, g->hist[k]);
  }
  buf_puts(b, "},\"mismatches\":{\"nan\":");
  buf_uint(b, g->nan);
  buf_puts(b, ",\"inf\":");
  buf_uint(b, g->inf);
  buf_puts(b, ",\"signed_zero\":");
  buf_uint(b, g->signed_zero);
  buf_puts(b, ",\"flushed_subnormal\":");
  buf_uint(b, g->flushed);
  buf_puts(b, "},\"worst\":[");
  for (size_t w = 0; w < g->nworst; w++) {
    size_t i = g->worst[w].index;
    double got = o->got.v[i], e = o->expected[i], err = fabs(got - e);
    if (w > 0)
      buf_putc(b, ',');
    buf_puts(b, "{\"index\":");
    put_index(b, &o->shape, i);
    buf_puts(b, ",\"x\":");
    put_value(b, r->x.v[x_index(r, res, o, i)]);
    if (o->kind == V_GRAD_X) {
      buf_puts(b, ",\"grad_y\":");
      put_value(b, r->grad_y.v[r->act->reduces ? i / res->k : i]);
    }
    buf_puts(b, ",\"got\":");
    put_value(b, got);
    buf_puts(b, ",\"expected\":");
    put_value(b, e);
    buf_puts(b, ",\"ulp\":");
    put_ulp(b, g->worst[w].ulp);
    buf_puts(b, ",\"abs_err\":");
    put_value(b, got == e ? 0 : err);
    buf_puts(b, ",\"rel_err\":");
    put_value(b, got == e ? 0 : e == 0 ? INFINITY : err / fabs(e));
    buf_putc(b, '}');
  }
  buf_puts(b, "]}");
}

/* Text of the context from a buffer (NULL with the 500 recorded). */
static const char *ctx_text(struct hctx *c, struct buf *b)
{
  char *s;
  if (b->failed) {
    buf_free(b);
    problem(c, 500, NULL, "out of memory");
    return NULL;
  }
  s = ctx_alloc_raw(c, b->len + 1);
  if (s != NULL) {
    memcpy(s, b->p, b->len);
    s[b->len] = '\0';
  }
  buf_free(b);
  return s;
}

static int run(struct hctx *c, struct req_head *h, struct outs *l)
{
  struct verify_req *r = (struct verify_req *)h;
  struct act_result *res = ctx_alloc(c, sizeof *res);
  const char *tol_text = NULL, *results = NULL;
  struct buf b;
  int pass = 1, dp_open = 0, rc = 0;

  if (res == NULL)
    return -1;
  /* The engine computes the outputs graded, and no others. */
  r->ar.outputs = 0;
  for (unsigned i = 0; i < r->nout; i++) {
    static const unsigned bit[V__COUNT] = {ACT_OUT_Y, ACT_OUT_DY, ACT_OUT_D2Y, ACT_OUT_DP,
                                           ACT_OUT_JAC, 0};
    r->ar.outputs |= bit[r->out[i].kind];
  }
  if (r->ar.has_grad_y) {
    int want_gx = 0;
    for (unsigned i = 0; i < r->nout; i++)
      want_gx |= r->out[i].kind == V_GRAD_X;
    r->ar.has_grad_y = want_gx;
  }
  if (act_compute(c, &r->ar, res) != 0)
    return -1;

  for (unsigned i = 0; i < r->nout; i++) {
    struct graded *o = &r->out[i];
    const double *src = exact_of(res, o);
    if (r->t->mant == 53) {
      o->expected = src;
    } else {
      struct round_job j = {r, res, o, src, NULL};
      j.dst = ctx_alloc_raw(c, o->got.n * sizeof(double) + 1);
      if (j.dst == NULL)
        return -1;
      par_for(o->got.n, (size_t)1 << 14, round_part, &j);
      o->expected = j.dst;
    }
    if (grade_run(r->t, &r->tol, o->got.v, o->expected, o->got.n, (size_t)r->worst, &o->g) != 0) {
      rc = problem(c, 500, NULL, "out of memory");
      break;
    }
    pass &= o->g.failed == 0;
  }

  if (rc == 0) {
    buf_init(&b, 128);
    buf_putc(&b, '{');
    if (r->tol.kind == TOL_ULP) {
      buf_puts(&b, "\"ulp\":");
      buf_num(&b, r->tol.ulp);
    } else {
      if (r->tol.preset != NULL) {
        buf_puts(&b, "\"preset\":");
        buf_jstr(&b, r->tol.preset);
        buf_putc(&b, ',');
      }
      buf_puts(&b, "\"rtol\":");
      buf_num(&b, r->tol.rtol);
      buf_puts(&b, ",\"atol\":");
      buf_num(&b, r->tol.atol);
    }
    buf_putc(&b, '}');
    tol_text = ctx_text(c, &b);

    buf_init(&b, 1024 + 256 * (size_t)r->worst * r->nout);
    buf_putc(&b, '{');
    for (unsigned i = 0; i < r->nout; i++) {
      const struct graded *o = &r->out[i];
      /* the parameters' grades, contiguous in out[], nest under dy_dparams */
      if (o->kind == V_DP && dp_open) {
        buf_putc(&b, ',');
      } else {
        if (dp_open) {
          buf_putc(&b, '}');
          dp_open = 0;
        }
        if (i > 0)
          buf_putc(&b, ',');
        if (o->kind == V_DP) {
          buf_puts(&b, "\"dy_dparams\":{");
          dp_open = 1;
        }
      }
      buf_jstr(&b, o->name);
      buf_putc(&b, ':');
      put_grade(&b, r, res, o);
    }
    if (dp_open)
      buf_putc(&b, '}');
    buf_putc(&b, '}');
    results = ctx_text(c, &b);
    if (tol_text == NULL || results == NULL)
      rc = -1;
  }
  for (unsigned i = 0; i < r->nout; i++)
    grade_free(&r->out[i].g);
  if (rc != 0)
    return -1;

  outs_string(l, "activation", r->act->name);
  outs_params(l, "params", r->act, r->p);
  outs_string(l, "dtype", r->t->name);
  outs_shape(l, "shape", &r->x.shape);
  outs_raw(l, "tolerance", tol_text);
  outs_raw(l, "pass", pass ? "true" : "false");
  outs_raw(l, "results", results);
  return 0;
}

const struct op op_verify = { fields, sizeof(struct verify_req), run };

/* end of h_verify.c */
