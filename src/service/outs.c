/*
 * outs.c: the list of what a route answers (outs.h), and the one overflow check.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "codec/jptr.h"
#include "service/outs.h"

void outs_init(struct outs *l)
{
  l->o = l->fixed;
  l->cap = OUTS_MAX;
  l->n = 0;
  l->overflow = 0;
}

int outs_reserve(struct hctx *c, struct outs *l, unsigned n)
{
  struct out *o;
  if (n <= l->cap)
    return 0;
  o = ctx_alloc(c, (size_t)n * sizeof *o);
  if (o == NULL)
    return -1;
  memcpy(o, l->o, l->n * sizeof *o);
  l->o = o;
  l->cap = n;
  return 0;
}

struct out *outs_add(struct outs *l, enum out_kind kind, const char *name)
{
  static _Thread_local struct out spare;
  struct out *o;
  if (l->n == l->cap) {
    l->overflow = 1;
    o = &spare;
  } else {
    o = &l->o[l->n++];
  }
  memset(o, 0, sizeof *o);
  o->kind = kind;
  o->name = name;
  return o;
}

struct out *outs_tensor(struct outs *l, const char *name, const struct shape *s,
                        const double *v, const char *from, const struct shape *from_shape,
                        enum out_map map)
{
  struct out *o = outs_add(l, OUT_TENSOR, name);
  o->shape = *s;
  o->v = v;
  o->from = from;
  o->from_shape = from_shape;
  o->map = map;
  return o;
}

void outs_string(struct outs *l, const char *name, const char *s)
{
  outs_add(l, OUT_STRING, name)->s = s;
}

void outs_number(struct outs *l, const char *name, double v)
{
  outs_add(l, OUT_NUMBER, name)->num = v;
}

void outs_shape(struct outs *l, const char *name, const struct shape *s)
{
  outs_add(l, OUT_SHAPE, name)->shape = *s;
}

void outs_params(struct outs *l, const char *name, const struct eng_activation *a,
                 const double *p)
{
  struct out *o = outs_add(l, OUT_PARAMS, name);
  o->act = a;
  o->p = p;
}

void outs_open(struct outs *l, const char *name)
{
  outs_add(l, OUT_OPEN, name);
}

void outs_close(struct outs *l)
{
  outs_add(l, OUT_CLOSE, NULL);
}

void outs_list(struct outs *l, const char *name)
{
  outs_add(l, OUT_LIST, name);
}

void outs_end_list(struct outs *l)
{
  outs_add(l, OUT_END_LIST, NULL);
}

void outs_raw(struct outs *l, const char *name, const char *json)
{
  outs_add(l, OUT_RAW, name)->s = json;
}

void outs_pointer(const struct outs *l, const struct out *o, char *ptr, size_t cap)
{
  const struct out *open[OUTS_DEPTH];
  size_t done[OUTS_DEPTH]; /* of an open list: its elements before the current one */
  unsigned depth = 0;
  char tmp[JPTR_MAX];

  for (const struct out *it = l->o; it < o && it < l->o + l->n; it++) {
    if (it->kind == OUT_OPEN || it->kind == OUT_LIST) {
      if (depth < OUTS_DEPTH) {
        open[depth] = it;
        done[depth++] = 0;
      }
      continue;
    }
    if ((it->kind == OUT_CLOSE || it->kind == OUT_END_LIST) && depth > 0)
      depth--;
    /* an element of the list around it is complete: a leaf, or a nested one closed */
    if (depth > 0 && open[depth - 1]->kind == OUT_LIST)
      done[depth - 1]++;
  }
  ptr[0] = '\0';
  for (unsigned i = 0; i <= depth; i++) {
    const struct out *it = i < depth ? open[i] : o;
    if (i > 0 && open[i - 1]->kind == OUT_LIST)
      jptr_index(tmp, sizeof tmp, ptr, done[i - 1]);
    else
      jptr_key(tmp, sizeof tmp, ptr, it->name);
    snprintf(ptr, cap, "%s", tmp);
  }
}

/* The 422 for entry i of o, which is not finite. */
static int overflow(struct hctx *c, const struct outs *l, const struct out *o, size_t i)
{
  char name[JPTR_MAX], ptr[JPTR_MAX], elem[JNAME_MAX], from[JNAME_MAX];
  size_t n = shape_count(&o->shape);

  outs_pointer(l, o, name, sizeof name);
  jptr_flat(ptr, sizeof ptr, name, &o->shape, i);
  jptr_name(ptr, elem, sizeof elem);
  if (o->from == NULL)
    return problem(c, 422, NULL, "%s overflows: its true value is beyond the largest double",
                   elem);
  if (o->map == MAP_SAME)
    jptr_flat(ptr, sizeof ptr, o->from, o->from_shape, i);
  else if (o->from_shape->ndim >= 2 && o->shape.ndim >= 1)
    snprintf(ptr, sizeof ptr, "%s/%zu", o->from, i / (n / o->shape.dim[0]));
  else
    snprintf(ptr, sizeof ptr, "%s", o->from);
  jptr_name(ptr, from, sizeof from);
  return problem(c, 422, ptr,
                 "%s overflows: its true value, from %s, is beyond the largest double", elem,
                 from);
}

int outs_check(struct hctx *c, const struct outs *l)
{
  for (int totals = 0; totals <= 1; totals++)
    for (unsigned k = 0; k < l->n; k++) {
      const struct out *o = &l->o[k];
      size_t n;
      if (o->kind != OUT_TENSOR || o->total != totals)
        continue;
      n = shape_count(&o->shape);
      for (size_t i = 0; i < n; i++)
        if (!isfinite(o->v[i]))
          return overflow(c, l, o, i);
    }
  return 0;
}

/* end of outs.c */
