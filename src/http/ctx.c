/*
 * ctx.c: the request context (http.h): its allocations, and body access for handlers:
 * objects with known fields, numbers and numeric arrays (packed by jdoc.c), strings,
 * booleans and integers, each failing with a 422 that names the field and points at it.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jdoc.h"
#include "num.h"

/* ================================================================ Context */

void ctx_init(struct hctx *c, const struct config *cfg, const char *method,
              const char *path, const char *content_type, const char *body,
              size_t body_len)
{
  memset(c, 0, sizeof *c);
  c->cfg = cfg;
  c->method = method;
  c->path = path;
  c->route = "other";
  c->content_type = content_type;
  c->body = body;
  c->body_len = body_len;
}

void ctx_drop_input(struct hctx *c)
{
  jdoc_free(c->doc);
  c->doc = NULL;
}

void ctx_free(struct hctx *c)
{
  free(c->body_owned);
  c->body_owned = NULL;
  for (size_t i = 0; i < c->nallocs; i++)
    free(c->allocs[i]);
  free(c->allocs);
  c->allocs = NULL;
  c->nallocs = c->capallocs = 0;
  jdoc_free(c->doc);
  c->doc = NULL;
  free(c->resp);
  c->resp = NULL;
  c->resp_len = 0;
}

void *ctx_alloc(struct hctx *c, size_t size)
{
  void *p;

  if (c->nallocs == c->capallocs) {
    size_t cap = c->capallocs ? c->capallocs * 2 : 8;
    void **q = realloc(c->allocs, cap * sizeof *q);
    if (q == NULL)
      goto oom;
    c->allocs = q;
    c->capallocs = cap;
  }
  p = calloc(1, size > 0 ? size : 1);
  if (p == NULL)
    goto oom;
  c->allocs[c->nallocs++] = p;
  return p;
oom:
  problem(c, 500, NULL, "out of memory");
  return NULL;
}

/* ================================================================= Names */

void ptr_to_name(const char *ptr, char *out, size_t outsz)
{
  size_t k = 0;
  int first = 1;

  if (outsz == 0)
    return;
  if (ptr == NULL || ptr[0] == '\0') {
    snprintf(out, outsz, "the body");
    return;
  }
#define PUT(ch)                  \
  do {                           \
    if (k + 1 < outsz)           \
      out[k++] = (ch);           \
  } while (0)
  while (*ptr == '/') {
    const char *seg = ++ptr;
    size_t n = strcspn(seg, "/");
    int index = n > 0;
    for (size_t i = 0; i < n; i++)
      if (seg[i] < '0' || seg[i] > '9')
        index = 0;
    if (index) {
      PUT('[');
    } else if (!first) {
      PUT('.');
    }
    for (size_t i = 0; i < n; i++) {
      if (seg[i] == '~' && i + 1 < n && (seg[i + 1] == '0' || seg[i + 1] == '1')) {
        PUT(seg[i + 1] == '0' ? '~' : '/');
        i++;
      } else {
        PUT(seg[i]);
      }
    }
    if (index)
      PUT(']');
    first = 0;
    ptr = seg + n;
  }
#undef PUT
  out[k] = '\0';
}

void flat_ptr(char *out, size_t cap, const char *base, const struct shape *s, size_t i)
{
  size_t idx[3], len;
  for (unsigned d = s->ndim; d-- > 0;) {
    idx[d] = i % s->dim[d];
    i /= s->dim[d];
  }
  len = (size_t)snprintf(out, cap, "%s", base);
  for (unsigned d = 0; d < s->ndim && len < cap; d++)
    len += (size_t)snprintf(out + len, cap - len, "/%zu", idx[d]);
}

/* Writes ptr + "/" + key (key escaped as RFC 6901 says) into out. */
static void ptr_key(char *out, size_t outsz, const char *ptr, const char *key)
{
  size_t k = (size_t)snprintf(out, outsz, "%s/", ptr != NULL ? ptr : "");
  for (; *key != '\0' && k + 3 < outsz; key++) {
    if (*key == '~') {
      out[k++] = '~';
      out[k++] = '0';
    } else if (*key == '/') {
      out[k++] = '~';
      out[k++] = '1';
    } else {
      out[k++] = *key;
    }
  }
  if (k < outsz)
    out[k] = '\0';
}

static void ptr_index(char *out, size_t outsz, const char *ptr, size_t i)
{
  snprintf(out, outsz, "%s/%zu", ptr != NULL ? ptr : "", i);
}

#define NAME_MAX_LEN 256
#define PTR_MAX_LEN 512

/* ================================================================ Objects */

static void list_fields(char *out, size_t outsz, const char *const *fields)
{
  size_t k = 0;
  out[0] = '\0';
  for (size_t i = 0; fields[i] != NULL && k < outsz; i++)
    k += (size_t)snprintf(out + k, outsz - k, "%s%s", i > 0 ? ", " : "", fields[i]);
}

int ctx_fields(struct hctx *c, const cJSON *obj, const char *ptr, const char *const *fields,
               const cJSON **vals)
{
  char name[NAME_MAX_LEN], p[PTR_MAX_LEN], list[512];
  size_t nf = 0;

  while (fields[nf] != NULL)
    vals[nf++] = NULL;
  if (!cJSON_IsObject(obj)) {
    ptr_to_name(ptr, name, sizeof name);
    return problem(c, 422, ptr, "%s must be a JSON object", name);
  }
  for (const cJSON *it = obj->child; it != NULL; it = it->next) {
    size_t i = 0;
    while (i < nf && strcmp(fields[i], it->string) != 0)
      i++;
    ptr_key(p, sizeof p, ptr, it->string);
    ptr_to_name(p, name, sizeof name);
    if (i == nf) {
      list_fields(list, sizeof list, fields);
      return problem(c, 422, p, "unknown field \"%s\" (expected one of: %s)", name, list);
    }
    if (vals[i] != NULL)
      return problem(c, 422, p, "duplicate field \"%s\"", name);
    vals[i] = it;
  }
  return 0;
}

int ctx_object(struct hctx *c, const char *const *fields, const cJSON **vals)
{
  for (size_t i = 0; fields[i] != NULL; i++)
    vals[i] = NULL;
  if (c->doc == NULL) {
    int rc = jdoc_parse(c, c->body, c->body_len, &c->doc);
    free(c->body_owned);
    c->body_owned = NULL;
    c->body = NULL;
    c->body_len = 0;
    if (rc != 0)
      return -1;
  }
  if (!cJSON_IsObject(c->doc->root))
    return problem(c, 422, "", "the body must be a JSON object");
  return ctx_fields(c, c->doc->root, "", fields, vals);
}

/* ================================================================ Numbers */

static const char *what_numbers(unsigned max_ndim)
{
  switch (max_ndim) {
  case 0: return "a number";
  case 1: return "a number or an array of numbers";
  default: return "a number, an array of numbers or an array of rows of numbers";
  }
}

/* For an array that is not packed: finds the first element that keeps it from being
 * numbers of at most max_ndim dimensions and replies naming it. */
static int bad_array(struct hctx *c, const struct jdoc *d, const cJSON *v, const char *ptr,
                     unsigned max_ndim)
{
  char p[PTR_MAX_LEN], name[NAME_MAX_LEN];
  int rows = max_ndim >= 2 && cJSON_IsArray(v->child);
  size_t i = 0, len0 = 0;

  ptr_to_name(ptr, name, sizeof name);
  if (max_ndim == 0)
    return problem(c, 422, ptr, "%s must be a number", name);
  for (const cJSON *it = v->child; it != NULL; it = it->next, i++) {
    const struct jdoc_arr *row = jdoc_packed(d, it);
    ptr_index(p, sizeof p, ptr, i);
    ptr_to_name(p, name, sizeof name);
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
      return problem(c, 422, p, "%s has %zu elements, expected %zu (rows must have one length)",
                     name, row->dim[0], len0);
  }
  ptr_to_name(ptr, name, sizeof name);
  return problem(c, 422, ptr, "%s must be %s", name, what_numbers(max_ndim));
}

int ctx_numbers(struct hctx *c, const cJSON *v, const char *ptr, unsigned max_ndim,
                size_t min_len, struct numview *out)
{
  char name[NAME_MAX_LEN], p[PTR_MAX_LEN];
  const struct jdoc_arr *a;

  memset(out, 0, sizeof *out);
  ptr_to_name(ptr, name, sizeof name);
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
    ptr_index(p, sizeof p, ptr, a->bad_row);
    ptr_to_name(p, name, sizeof name);
    return problem(c, 422, p, "%s has %zu elements, expected %zu (rows must have one length)",
                   name, a->bad_len, a->dim[1]);
  }
  if (a->dim[0] < min_len)
    return problem(c, 422, ptr, "%s must have at least %zu element%s", name, min_len,
                   min_len == 1 ? "" : "s");
  if (a->ndim == 2 && a->dim[1] < min_len) {
    ptr_index(p, sizeof p, ptr, 0);
    ptr_to_name(p, name, sizeof name);
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
      if (a->ndim == 1)
        snprintf(p, sizeof p, "%s/%zu", ptr, i);
      else
        snprintf(p, sizeof p, "%s/%zu/%zu", ptr, i / a->dim[1], i % a->dim[1]);
      ptr_to_name(p, name, sizeof name);
      memset(out, 0, sizeof *out);
      return problem(c, 422, p, "%s must be a finite number", name);
    }
  }
  if (out->n == 0)
    out->v = NULL;
  return 0;
}

int ctx_number(struct hctx *c, const cJSON *v, const char *ptr, double *out)
{
  char name[NAME_MAX_LEN];

  ptr_to_name(ptr, name, sizeof name);
  if (v == NULL)
    return problem(c, 422, ptr, "%s is required", name);
  if (!cJSON_IsNumber(v))
    return problem(c, 422, ptr, "%s must be a number", name);
  if (!isfinite(v->valuedouble))
    return problem(c, 422, ptr, "%s must be a finite number", name);
  *out = v->valuedouble;
  return 0;
}

int ctx_string(struct hctx *c, const cJSON *v, const char *ptr, const char **out)
{
  char name[NAME_MAX_LEN];

  ptr_to_name(ptr, name, sizeof name);
  if (v == NULL)
    return problem(c, 422, ptr, "%s is required", name);
  if (!cJSON_IsString(v) || v->valuestring == NULL)
    return problem(c, 422, ptr, "%s must be a string", name);
  *out = v->valuestring;
  return 0;
}

int ctx_bool(struct hctx *c, const cJSON *v, const char *ptr, int *out)
{
  char name[NAME_MAX_LEN];

  ptr_to_name(ptr, name, sizeof name);
  if (v == NULL)
    return problem(c, 422, ptr, "%s is required", name);
  if (!cJSON_IsBool(v))
    return problem(c, 422, ptr, "%s must be true or false", name);
  *out = cJSON_IsTrue(v);
  return 0;
}

int ctx_integer(struct hctx *c, const cJSON *v, const char *ptr, double lo, double hi,
                double *out)
{
  char name[NAME_MAX_LEN], los[NUM_SPACE + 1], his[NUM_SPACE + 1];
  double d;

  ptr_to_name(ptr, name, sizeof name);
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

/* end of ctx.c */
