/*
 * request.c: decoding a request into a route's typed request (request.h): the body
 * parsed once (codec/jdoc.h), its keys checked against the route's fields, each field
 * read by its kind. Names, defaults and ranges of activations come from the engine's
 * table. Every failure names the field and points at it.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/jdoc.h"
#include "codec/jptr.h"
#include "codec/num.h"
#include "service/request.h"

#define LIST_MAX 512

/* ================================================================= Objects */

static void list_names(char *out, size_t outsz, const char *const *names, size_t n)
{
  size_t k = 0;
  out[0] = '\0';
  for (size_t i = 0; i < n && k < outsz; i++)
    k += (size_t)snprintf(out + k, outsz - k, "%s%s", i > 0 ? ", " : "", names[i]);
}

int req_members(struct hctx *c, const cJSON *obj, const char *ptr, const char *const *names,
                size_t n, const cJSON **vals)
{
  char name[JNAME_MAX], p[JPTR_MAX], list[LIST_MAX];

  for (size_t i = 0; i < n; i++)
    vals[i] = NULL;
  if (!cJSON_IsObject(obj)) {
    jptr_name(ptr, name, sizeof name);
    return problem(c, 422, ptr, "%s must be a JSON object", name);
  }
  for (const cJSON *it = obj->child; it != NULL; it = it->next) {
    size_t i = 0;
    while (i < n && strcmp(names[i], it->string) != 0)
      i++;
    jptr_key(p, sizeof p, ptr, it->string);
    jptr_name(p, name, sizeof name);
    if (i == n) {
      list_names(list, sizeof list, names, n);
      return problem(c, 422, p, "unknown field \"%s\" (expected one of: %s)", name, list);
    }
    if (vals[i] != NULL)
      return problem(c, 422, p, "duplicate field \"%s\"", name);
    vals[i] = it;
  }
  return 0;
}

/* ================================================================= Numbers */

static const char *what_numbers(unsigned max_ndim)
{
  switch (max_ndim) {
  case 0: return "a number";
  case 1: return "a number or an array of numbers";
  default: return "a number, an array of numbers or an array of rows of numbers";
  }
}

/* For an array that is not packed: finds the first element that keeps it from being
 * numbers of at most max_ndim dimensions and records the problem naming it. */
static int bad_array(struct hctx *c, const struct jdoc *d, const cJSON *v, const char *ptr,
                     unsigned max_ndim)
{
  char p[JPTR_MAX], name[JNAME_MAX];
  int rows = max_ndim >= 2 && cJSON_IsArray(v->child);
  size_t i = 0, len0 = 0;

  jptr_name(ptr, name, sizeof name);
  if (max_ndim == 0)
    return problem(c, 422, ptr, "%s must be a number", name);
  for (const cJSON *it = v->child; it != NULL; it = it->next, i++) {
    const struct jdoc_arr *row = jdoc_packed(d, it);
    jptr_index(p, sizeof p, ptr, i);
    jptr_name(p, name, sizeof name);
    if (!rows) {
      if (!cJSON_IsNumber(it))
        return problem(c, 422, p, "%s must be a number", name);
      continue;
    }
    if (cJSON_IsArray(it) && row == NULL)
      return bad_array(c, d, it, p, 1);
    if (row == NULL || row->ndim != 1)
      return problem(c, 422, p, "%s must be an array of numbers", name);
    if (i == 0)
      len0 = row->dim[0];
    else if (row->dim[0] != len0)
      return req_ragged(c, p, row->dim[0], len0);
  }
  jptr_name(ptr, name, sizeof name);
  return problem(c, 422, ptr, "%s must be %s", name, what_numbers(max_ndim));
}

int req_ragged(struct hctx *c, const char *rowptr, size_t got, size_t want)
{
  char name[JNAME_MAX];
  jptr_name(rowptr, name, sizeof name);
  return problem(c, 422, rowptr, "%s has %zu elements, expected %zu (rows must have one length)",
                 name, got, want);
}

int req_tensor(struct hctx *c, const cJSON *v, const char *ptr, unsigned max_ndim,
               size_t min_len, struct tensor_in *out)
{
  char name[JNAME_MAX], p[JPTR_MAX];
  const struct jdoc_arr *a;

  memset(out, 0, sizeof *out);
  jptr_name(ptr, name, sizeof name);
  if (v == NULL)
    return problem(c, 422, ptr, "%s is required", name);
  if (cJSON_IsNumber(v)) {
    if (!isfinite(v->valuedouble))
      return problem(c, 422, ptr, "%s must be a finite number", name);
    out->shape.ndim = 0;
    out->v = &v->valuedouble;
    out->n = 1;
    return 0;
  }
  if (!cJSON_IsArray(v))
    return problem(c, 422, ptr, "%s must be %s", name, what_numbers(max_ndim));
  a = jdoc_packed(c->doc, v);
  if (a == NULL)
    return bad_array(c, c->doc, v, ptr, max_ndim);
  if (a->ndim > max_ndim)
    return problem(c, 422, ptr, "%s must be %s", name, what_numbers(max_ndim));
  if (a->ndim == 2 && a->ragged) {
    jptr_index(p, sizeof p, ptr, a->bad_row);
    return req_ragged(c, p, a->bad_len, a->dim[1]);
  }
  if (a->dim[0] < min_len)
    return problem(c, 422, ptr, "%s must have at least %zu element%s", name, min_len,
                   min_len == 1 ? "" : "s");
  if (a->ndim == 2 && a->dim[1] < min_len) {
    jptr_index(p, sizeof p, ptr, 0);
    jptr_name(p, name, sizeof name);
    return problem(c, 422, p, "%s must have at least %zu element%s", name, min_len,
                   min_len == 1 ? "" : "s");
  }
  out->shape.ndim = a->ndim;
  out->shape.dim[0] = a->dim[0];
  out->shape.dim[1] = a->ndim == 2 ? a->dim[1] : 0;
  out->n = a->ndim == 2 ? a->dim[0] * a->dim[1] : a->dim[0];
  /* an empty array may come with no number buffer at all: no pointer arithmetic on NULL */
  out->v = out->n > 0 ? c->doc->num + a->off : NULL;
  for (size_t i = 0; i < out->n; i++) {
    if (!isfinite(out->v[i])) {
      struct shape s = out->shape;
      jptr_flat(p, sizeof p, ptr, &s, i);
      jptr_name(p, name, sizeof name);
      memset(out, 0, sizeof *out);
      return problem(c, 422, p, "%s must be a finite number", name);
    }
  }
  if (out->n == 0)
    out->v = NULL;
  return 0;
}

int req_number(struct hctx *c, const cJSON *v, const char *ptr, double *out)
{
  char name[JNAME_MAX];

  jptr_name(ptr, name, sizeof name);
  if (v == NULL)
    return problem(c, 422, ptr, "%s is required", name);
  if (!cJSON_IsNumber(v))
    return problem(c, 422, ptr, "%s must be a number", name);
  if (!isfinite(v->valuedouble))
    return problem(c, 422, ptr, "%s must be a finite number", name);
  *out = v->valuedouble;
  return 0;
}

int req_string(struct hctx *c, const cJSON *v, const char *ptr, const char **out)
{
  char name[JNAME_MAX];

  jptr_name(ptr, name, sizeof name);
  if (v == NULL)
    return problem(c, 422, ptr, "%s is required", name);
  if (!cJSON_IsString(v) || v->valuestring == NULL)
    return problem(c, 422, ptr, "%s must be a string", name);
  *out = v->valuestring;
  return 0;
}

int req_integer(struct hctx *c, const cJSON *v, const char *ptr, double lo, double hi,
                double *out)
{
  char name[JNAME_MAX], los[NUM_SPACE + 1], his[NUM_SPACE + 1];
  double d;

  jptr_name(ptr, name, sizeof name);
  los[num_format(lo, los)] = '\0';
  his[num_format(hi, his)] = '\0';
  if (v == NULL)
    return problem(c, 422, ptr, "%s is required", name);
  if (!cJSON_IsNumber(v))
    return problem(c, 422, ptr, "%s must be an integer in [%s, %s]", name, los, his);
  d = v->valuedouble;
  if (!isfinite(d) || floor(d) != d || d < lo || d > hi)
    return problem(c, 422, ptr, "%s must be an integer in [%s, %s]", name, los, his);
  *out = d;
  return 0;
}

/* "in (0, inf)", "in [-1, 1]", "any finite number" for a range; open ends as flagged. */
static void range_text(double lo, double hi, int lo_open, int hi_open, char *out, size_t cap)
{
  char los[NUM_SPACE + 1], his[NUM_SPACE + 1];
  int has_lo = lo > -DBL_MAX, has_hi = hi < DBL_MAX;

  if (!has_lo && !has_hi) {
    snprintf(out, cap, "any finite number");
    return;
  }
  los[num_format(lo, los)] = '\0';
  his[num_format(hi, his)] = '\0';
  if (has_lo && !has_hi)
    snprintf(out, cap, "a finite number %s %.*s", lo_open ? ">" : ">=", NUM_MAX_LEN, los);
  else if (!has_lo)
    snprintf(out, cap, "a finite number %s %.*s", hi_open ? "<" : "<=", NUM_MAX_LEN, his);
  else
    snprintf(out, cap, "in %c%.*s, %.*s%c", lo_open ? '(' : '[', NUM_MAX_LEN, los,
             NUM_MAX_LEN, his, hi_open ? ')' : ']');
}

/* ============================================================= Activations */

void req_put_activation_names(struct buf *b)
{
  size_t n = eng_activation_count();
  for (size_t i = 0; i < n; i++) {
    const struct eng_activation *a = eng_activation_at(i);
    if (i > 0)
      buf_puts(b, ", ");
    buf_puts(b, a->name);
    for (size_t j = 0; a->aliases[j] != NULL; j++) {
      buf_puts(b, j == 0 ? " (" : ", ");
      buf_puts(b, a->aliases[j]);
      if (a->aliases[j + 1] == NULL)
        buf_putc(b, ')');
    }
  }
  buf_putc(b, '\0');
}

int req_activation(struct hctx *c, const cJSON *v, const char *ptr,
                   const struct eng_activation **out)
{
  const char *name;
  struct buf b;

  if (req_string(c, v, ptr, &name) != 0)
    return -1;
  *out = eng_activation_lookup(name);
  if (*out != NULL)
    return 0;
  buf_init(&b, 1024);
  req_put_activation_names(&b);
  problem(c, 422, ptr, "unknown activation \"%.64s\"; valid names: %s", name,
          b.failed ? "see GET /activations" : b.p);
  buf_free(&b);
  return -1;
}

int req_param(struct hctx *c, const struct eng_activation *a, const char *name,
              const cJSON *v, const char *ptr, double *p)
{
  int j = eng_param_find(a, name);
  const struct eng_param *prm;
  char pname[JNAME_MAX];

  if (j < 0)
    return 1;
  prm = &a->params[j];
  jptr_name(ptr, pname, sizeof pname);
  if (prm->type == ENG_PARAM_CHOICE) {
    int idx;
    if (!cJSON_IsString(v) || (idx = eng_param_choice(prm, v->valuestring)) < 0) {
      struct buf b;
      buf_init(&b, 128);
      for (size_t i = 0; prm->choices[i] != NULL; i++) {
        if (i > 0)
          buf_puts(&b, ", ");
        buf_jstr(&b, prm->choices[i]);
      }
      buf_putc(&b, '\0');
      problem(c, 422, ptr, "%s must be one of %s", pname, b.failed ? "" : b.p);
      buf_free(&b);
      return -1;
    }
    p[j] = idx;
  } else {
    if (!cJSON_IsNumber(v))
      return problem(c, 422, ptr, "%s must be a number", pname);
    p[j] = v->valuedouble;
  }
  return 0;
}

int req_params_check(struct hctx *c, const struct eng_activation *a, const double *p,
                     const char *ptr)
{
  char pp[JPTR_MAX], pname[JNAME_MAX], range[96];
  unsigned bad = 0;
  const struct eng_param *prm;
  double val;
  int in_range;

  if (eng_params_check(a, p, &bad) == ENG_OK)
    return 0;
  prm = &a->params[bad];
  val = p[bad];
  in_range = isfinite(val) && (prm->lo_open ? val > prm->lo : val >= prm->lo) &&
             (prm->hi_open ? val < prm->hi : val <= prm->hi);
  jptr_key(pp, sizeof pp, ptr, prm->name);
  jptr_name(pp, pname, sizeof pname);
  if (in_range && a->constraint != NULL)
    return problem(c, 422, pp, "%s's parameters must satisfy %s", a->name, a->constraint);
  range_text(prm->lo, prm->hi, prm->lo_open, prm->hi_open, range, sizeof range);
  return problem(c, 422, pp, "%s must be %s", pname, range);
}

int req_params(struct hctx *c, const struct eng_activation *a, const cJSON *v,
               const char *ptr, double *p)
{
  const char *names[ENG_MAX_PARAMS];
  const cJSON *vals[ENG_MAX_PARAMS] = {0};
  char pp[JPTR_MAX];

  eng_params_default(a, p);
  if (v == NULL)
    return 0;
  if (!cJSON_IsObject(v)) {
    if (a->nparams == 0)
      return problem(c, 422, ptr, "params must be an object (%s has no parameters: {})",
                     a->name);
    return problem(c, 422, ptr, "params must be an object of %s's parameters", a->name);
  }
  if (a->nparams == 0 && v->child != NULL) {
    snprintf(pp, sizeof pp, "%s/%.48s", ptr, v->child->string);
    return problem(c, 422, pp, "%s has no parameters; \"%.48s\" is not one", a->name,
                   v->child->string);
  }
  for (unsigned j = 0; j < a->nparams; j++)
    names[j] = a->params[j].name;
  if (req_members(c, v, ptr, names, a->nparams, vals) != 0)
    return -1;
  for (unsigned j = 0; j < a->nparams; j++) {
    if (vals[j] == NULL)
      continue;
    jptr_key(pp, sizeof pp, ptr, a->params[j].name);
    if (req_param(c, a, a->params[j].name, vals[j], pp, p) != 0)
      return -1;
  }
  return req_params_check(c, a, p, ptr);
}

/* =========================================================== Query strings */

static int hexval(char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/* Decodes n bytes at s into a NUL-terminated copy of the context; NULL (400) on a bad
 * escape or an embedded NUL. */
static char *query_decode(struct hctx *c, const char *s, size_t n)
{
  char *out = ctx_alloc(c, n + 1);
  size_t k = 0;
  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%') {
      int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
      int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
        problem(c, 400, NULL, "malformed query string: bad escape at \"%.8s\"", s + i);
        return NULL;
      }
      out[k++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      out[k++] = s[i] == '+' ? ' ' : s[i];
    }
  }
  out[k] = '\0';
  return out;
}

int req_query(struct hctx *c, struct qparam *out, size_t cap, size_t *n)
{
  const char *q = c->query;
  *n = 0;
  while (q != NULL && *q != '\0') {
    size_t len = strcspn(q, "&"), klen = strcspn(q, "=");
    if (len > 0) {
      if (*n == cap)
        return problem(c, 400, NULL, "the query string has more than %zu parameters", cap);
      if (klen > len)
        klen = len;
      out[*n].key = query_decode(c, q, klen);
      out[*n].value = klen < len ? query_decode(c, q + klen + 1, len - klen - 1)
                                 : query_decode(c, q, 0);
      if (out[*n].key == NULL || out[*n].value == NULL)
        return -1;
      (*n)++;
    }
    q += len;
    if (*q == '&')
      q++;
  }
  return 0;
}

/* ================================================================= Fields */

static void *at(struct req_head *rq, size_t off)
{
  return (char *)rq + off;
}

int req_given(const struct req_head *rq, const char *name)
{
  for (unsigned i = 0; rq->fields[i].name != NULL; i++)
    if (strcmp(rq->fields[i].name, name) == 0)
      return (rq->given >> i) & 1u;
  return 0;
}

/* The index of s among choices, or -1. */
static int choice_index(const char *const *choices, const char *s)
{
  for (int i = 0; choices[i] != NULL; i++)
    if (strcmp(choices[i], s) == 0)
      return i;
  return -1;
}

static void choice_list(char *out, size_t cap, const char *const *choices, int quoted)
{
  size_t k = 0, n = 0;
  while (choices[n] != NULL)
    n++;
  out[0] = '\0';
  for (size_t i = 0; i < n && k < cap; i++)
    k += (size_t)snprintf(out + k, cap - k, quoted ? "%s\"%s\"" : "%s%s",
                          i == 0 ? "" : quoted && i + 1 == n ? " or " : ", ", choices[i]);
}

static int decode_choice(struct hctx *c, const struct field *f, const cJSON *v, const char *ptr,
                         int *out)
{
  char name[JNAME_MAX], list[LIST_MAX];
  const char *s;
  size_t n = 0;

  if (req_string(c, v, ptr, &s) != 0)
    return -1;
  *out = choice_index(f->choices, s);
  if (*out >= 0)
    return 0;
  while (f->choices[n] != NULL)
    n++;
  jptr_name(ptr, name, sizeof name);
  choice_list(list, sizeof list, f->choices, n == 2);
  if (n == 2)
    return problem(c, 422, ptr, "%s must be %s", name, list);
  return problem(c, 422, ptr, "unknown %s \"%.48s\" (expected one of: %s)", name, s, list);
}

static int decode_names(struct hctx *c, const struct field *f, const cJSON *v, const char *ptr,
                        unsigned *out)
{
  char name[JNAME_MAX], p[JPTR_MAX], list[LIST_MAX];
  size_t i = 0;

  jptr_name(ptr, name, sizeof name);
  choice_list(list, sizeof list, f->choices, 0);
  if (!cJSON_IsArray(v))
    return problem(c, 422, ptr, "%s must be an array of strings among %s", name, list);
  *out = 0;
  for (const cJSON *it = v->child; it != NULL; it = it->next, i++) {
    int k;
    jptr_index(p, sizeof p, ptr, i);
    if (!cJSON_IsString(it))
      return problem(c, 422, p, "%s[%zu] must be a string", name, i);
    k = choice_index(f->choices, it->valuestring);
    if (k < 0)
      return problem(c, 422, p, "%s[%zu] \"%.64s\" is not an output (expected one of: %s)",
                     name, i, it->valuestring, list);
    *out |= 1u << k;
  }
  return 0;
}

/* A loss or a scheme by name, from the engine's tables. */
static int decode_table(struct hctx *c, const struct field *f, const cJSON *v, const char *ptr,
                        int *out)
{
  char name[JNAME_MAX], list[LIST_MAX];
  const char *s, *what = f->kind == FK_LOSS ? "loss" : "scheme";
  size_t k = 0;
  int count = f->kind == FK_LOSS ? ENG_LOSS__COUNT : ENG_INIT__COUNT;

  if (req_string(c, v, ptr, &s) != 0)
    return -1;
  *out = f->kind == FK_LOSS ? eng_loss_lookup(s) : eng_init_lookup(s);
  if (*out >= 0 && (f->kind != FK_LOSS || !(f->flags & FF_LAYER) ||
                    eng_loss_layer((enum eng_loss)*out)))
    return 0;
  list[0] = '\0';
  for (int i = 0; i < count && k < sizeof list; i++) {
    if (f->kind == FK_LOSS && (f->flags & FF_LAYER) && !eng_loss_layer((enum eng_loss)i))
      continue;
    k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", k > 0 ? ", " : "",
                          f->kind == FK_LOSS ? eng_loss_name((enum eng_loss)i)
                                             : eng_init_name((enum eng_init_scheme)i));
    if (f->kind == FK_SCHEME) { /* with its aliases: "xavier_normal (glorot_normal)" */
      const char *alias;
      enum eng_init_scheme sc;
      int open = 0;
      for (size_t a = 0; (alias = eng_init_alias(a, &sc)) != NULL && k < sizeof list; a++)
        if ((int)sc == i) {
          k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", open ? ", " : " (", alias);
          open = 1;
        }
      if (open && k < sizeof list)
        k += (size_t)snprintf(list + k, sizeof list - k, ")");
    }
  }
  jptr_name(ptr, name, sizeof name);
  if (f->kind == FK_LOSS && (f->flags & FF_LAYER))
    return problem(c, 422, ptr, "%s \"%.48s\" is not a neuron loss (expected one of: %s)", name,
                   s, list);
  return problem(c, 422, ptr, "unknown %s \"%.48s\" (expected one of: %s)", what, s, list);
}

int req_decode_field(struct hctx *c, const struct field *f, const cJSON *v, const char *ptr,
                     struct req_head *rq)
{
  char name[JNAME_MAX], range[96];
  void *dst = at(rq, f->off);
  double d;

  if (v == NULL && f->required) {
    jptr_name(ptr, name, sizeof name);
    return problem(c, 422, ptr, "%s is required", name);
  }
  switch (f->kind) {
  case FK_TENSOR:
    if (v == NULL)
      return 0;
    return req_tensor(c, v, ptr, f->rank, f->min_len, dst);
  case FK_NUMBER:
  case FK_INTEGER:
    if (v == NULL)
      return 0;
    if (f->kind == FK_INTEGER)
      return req_integer(c, v, ptr, f->lo, f->hi, dst);
    if (req_number(c, v, ptr, &d) != 0)
      return -1;
    if (d < f->lo || d > f->hi || ((f->flags & FF_LO_OPEN) && d == f->lo)) {
      jptr_name(ptr, name, sizeof name);
      range_text(f->lo, f->hi, (f->flags & FF_LO_OPEN) != 0, 0, range, sizeof range);
      return problem(c, 422, ptr, "%s must be %s", name, range);
    }
    *(double *)dst = d;
    return 0;
  case FK_STRING:
    return v == NULL ? 0 : req_string(c, v, ptr, dst);
  case FK_CHOICE:
    if (v == NULL) {
      *(int *)dst = f->def != NULL ? choice_index(f->choices, f->def) : -1;
      return 0;
    }
    return decode_choice(c, f, v, ptr, dst);
  case FK_ACTIVATION:
    if (v == NULL) {
      *(const struct eng_activation **)dst = f->def != NULL ? eng_activation_lookup(f->def)
                                                            : NULL;
      return 0;
    }
    return req_activation(c, v, ptr, dst);
  case FK_PARAMS: {
    const struct eng_activation *a = *(const struct eng_activation **)at(rq, f->dep);
    if (a == NULL)
      return 0;
    return req_params(c, a, v, ptr, dst);
  }
  case FK_NAMES:
    return v == NULL ? 0 : decode_names(c, f, v, ptr, dst);
  case FK_LOSS:
  case FK_SCHEME:
    if (v == NULL) {
      *(int *)dst = -1;
      return 0;
    }
    return decode_table(c, f, v, ptr, dst);
  case FK_JSON:
    *(const cJSON **)dst = v;
    return 0;
  }
  return 0;
}

int req_decode_object(struct hctx *c, const struct field *fields, const cJSON *obj,
                      const char *ptr, struct req_head *rq)
{
  const char *names[32];
  const cJSON *vals[32];
  char p[JPTR_MAX], name[JNAME_MAX];
  size_t n = 0;

  rq->fields = fields;
  rq->given = 0;
  rq->base = ptr;
  while (fields[n].name != NULL && n < 32) {
    names[n] = fields[n].name;
    n++;
  }
  if (!cJSON_IsObject(obj)) {
    if (ptr[0] == '\0')
      return problem(c, 422, ptr, "the body must be a JSON object");
    jptr_name(ptr, name, sizeof name);
    return problem(c, 422, ptr, "%s must be a JSON object", name);
  }
  if (req_members(c, obj, ptr, names, n, vals) != 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (vals[i] != NULL)
      rq->given |= 1u << i;
  for (size_t i = 0; i < n; i++) {
    jptr_key(p, sizeof p, ptr, fields[i].name);
    if (req_decode_field(c, &fields[i], vals[i], p, rq) != 0)
      return -1;
    if (fields[i].check != NULL && fields[i].check(c, rq, vals[i], p) != 0)
      return -1;
  }
  return 0;
}

int req_decode_json(struct hctx *c, const struct field *fields, struct req_head *rq)
{
  rq->fields = fields;
  rq->given = 0;
  rq->base = "";
  if (c->doc == NULL) {
    struct jdoc_err e;
    int rc = jdoc_parse(c->body, c->body_len, c->cfg != NULL ? c->cfg->max_elements : SIZE_MAX,
                        &c->doc, &e);
    int keep = 0;
    for (size_t i = 0; fields[i].name != NULL; i++)
      keep |= (fields[i].flags & FF_TEXT) != 0;
    if (rc != 0 || !keep) { /* a kept body stays charged, and the context frees it */
      free(c->body_owned);
      if (c->body_owned != NULL)
        ctx_uncharge(c, c->body_len);
      c->body_owned = NULL;
      c->body = NULL;
      c->body_len = 0;
    }
    if (rc == 0 && ctx_charge_doc(c) != 0)
      return -1;
    if (rc != 0) {
      if (e.fail == JDOC_SYNTAX)
        return problem(c, 400, NULL,
                       "invalid JSON at line %zu, column %zu (byte offset %zu): %s", e.line,
                       e.col, e.offset, e.msg);
      return problem(c, e.fail == JDOC_LIMIT ? 413 : 500, NULL, "%s", e.msg);
    }
  }
  return req_decode_object(c, fields, c->doc->root, "", rq);
}

/* end of request.c */
