/*
 * wire_json.c: the JSON encoder of our routes (wire.h).
 */
#include <string.h>

#include "codec/num.h"
#include "service/wire.h"

void wire_json_params(struct buf *b, const struct eng_activation *a, const double *p)
{
  buf_putc(b, '{');
  for (unsigned j = 0; j < a->nparams; j++) {
    const struct eng_param *prm = &a->params[j];
    if (j > 0)
      buf_putc(b, ',');
    buf_jstr(b, prm->name);
    buf_putc(b, ':');
    if (prm->type == ENG_PARAM_CHOICE)
      buf_jstr(b, prm->choices[(size_t)p[j]]);
    else
      buf_num(b, p[j]);
  }
  buf_putc(b, '}');
}

size_t wire_json_estimate(const struct outs *l)
{
  size_t n = 256;
  for (unsigned i = 0; i < l->n; i++)
    if (l->o[i].kind == OUT_TENSOR || l->o[i].kind == OUT_INDEX)
      n += (NUM_MAX_LEN + 1) * shape_count(&l->o[i].shape);
    else if (l->o[i].kind == OUT_RAW)
      n += strlen(l->o[i].s);
  return n;
}

size_t wire_json(const struct outs *l, struct buf *b)
{
  unsigned char in_list[OUTS_DEPTH + 1] = {0}; /* per depth: 1 in an array */
  unsigned depth = 0;
  int first = 1;
  b->nonfinite = 0;
  buf_putc(b, '{');
  for (unsigned i = 0; i < l->n; i++) {
    const struct out *o = &l->o[i];
    if (o->kind == OUT_CLOSE || o->kind == OUT_END_LIST) {
      buf_putc(b, o->kind == OUT_CLOSE ? '}' : ']');
      if (depth > 0)
        depth--;
      first = 0;
      continue;
    }
    if (!first)
      buf_putc(b, ',');
    first = 0;
    if (!in_list[depth]) {
      buf_jstr(b, o->name);
      buf_putc(b, ':');
    }
    switch (o->kind) {
    case OUT_TENSOR:
      buf_nums(b, &o->shape, o->v);
      break;
    case OUT_INDEX:
      buf_uints(b, &o->shape, o->idx);
      break;
    case OUT_STRING:
      buf_jstr(b, o->s);
      break;
    case OUT_NUMBER:
      buf_num(b, o->num);
      break;
    case OUT_SHAPE:
      buf_shape(b, &o->shape);
      break;
    case OUT_PARAMS:
      wire_json_params(b, o->act, o->p);
      break;
    case OUT_OPEN:
    case OUT_LIST:
      buf_putc(b, o->kind == OUT_OPEN ? '{' : '[');
      if (depth < OUTS_DEPTH)
        in_list[++depth] = o->kind == OUT_LIST;
      first = 1;
      break;
    case OUT_RAW:
      buf_puts(b, o->s);
      break;
    case OUT_CLOSE:
    case OUT_END_LIST:
      break;
    }
  }
  buf_putc(b, '}');
  return b->nonfinite;
}

/* end of wire_json.c */
