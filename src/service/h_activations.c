/*
 * h_activations.c: GET /activations (the catalog) and GET /activations/{name} (one
 * entry, by name or alias). Everything comes from the engine's table; no activation
 * is named here.
 */
#include <float.h>
#include <string.h>

#include "codec/buf.h"
#include "engine.h"
#include "service/routes.h"

static void put_bool(struct buf *b, int v)
{
  buf_puts(b, v ? "true" : "false");
}

/* The outputs POST /activate accepts for a (what the engine says it gives). */
static void put_outputs(struct buf *b, const struct eng_activation *a)
{
  static const struct {
    unsigned bit;
    const char *name;
  } outputs[] = {
    {ENG_GIVES_Y, "y"}, {ENG_GIVES_DY, "dy_dx"}, {ENG_GIVES_D2Y, "d2y_dx2"},
    {ENG_GIVES_DP, "dy_dparams"}, {ENG_GIVES_JAC, "jacobian"},
  };
  unsigned gives = eng_activation_gives(a);
  int first = 1;
  buf_putc(b, '[');
  for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++)
    if (gives & outputs[i].bit) {
      if (!first)
        buf_putc(b, ',');
      first = 0;
      buf_jstr(b, outputs[i].name);
    }
  buf_putc(b, ']');
}

static void put_param(struct buf *b, const struct eng_param *p)
{
  buf_puts(b, "{\"name\":");
  buf_jstr(b, p->name);
  if (p->type == ENG_PARAM_CHOICE) {
    size_t n = 0;
    buf_puts(b, ",\"type\":\"string\",\"default\":");
    while (p->choices != NULL && p->choices[n] != NULL)
      n++;
    if ((size_t)p->def < n)
      buf_jstr(b, p->choices[(size_t)p->def]);
    else
      buf_puts(b, "null");
    buf_puts(b, ",\"choices\":[");
    for (size_t i = 0; i < n; i++) {
      if (i > 0)
        buf_putc(b, ',');
      buf_jstr(b, p->choices[i]);
    }
    buf_putc(b, ']');
    /* the range in words: the choices */
    buf_puts(b, ",\"range\":\"one of");
    for (size_t i = 0; i < n; i++) {
      buf_puts(b, i > 0 ? ", " : " ");
      buf_puts(b, p->choices[i]); /* engine names: [a-z0-9_] */
    }
    buf_putc(b, '"');
  } else {
    buf_puts(b, ",\"type\":\"number\",\"default\":");
    buf_num(b, p->def);
    /* the range as an interval, "[0, inf)"; minimum/maximum below say it as numbers */
    buf_puts(b, ",\"range\":\"");
    buf_putc(b, p->lo > -DBL_MAX && !p->lo_open ? '[' : '(');
    if (p->lo > -DBL_MAX)
      buf_num(b, p->lo);
    else
      buf_puts(b, "-inf");
    buf_puts(b, ", ");
    if (p->hi < DBL_MAX)
      buf_num(b, p->hi);
    else
      buf_puts(b, "inf");
    buf_putc(b, p->hi < DBL_MAX && !p->hi_open ? ']' : ')');
    buf_putc(b, '"');
    if (p->lo > -DBL_MAX) {
      buf_puts(b, ",\"minimum\":");
      buf_num(b, p->lo);
      buf_puts(b, ",\"exclusive_minimum\":");
      put_bool(b, p->lo_open);
    }
    if (p->hi < DBL_MAX) {
      buf_puts(b, ",\"maximum\":");
      buf_num(b, p->hi);
      buf_puts(b, ",\"exclusive_maximum\":");
      put_bool(b, p->hi_open);
    }
  }
  buf_puts(b, ",\"differentiable\":");
  put_bool(b, p->learnable);
  buf_puts(b, ",\"description\":");
  buf_jstr(b, p->doc != NULL ? p->doc : "");
  buf_putc(b, '}');
}

static void put_entry(struct buf *b, const struct eng_activation *a)
{
  buf_puts(b, "{\"name\":");
  buf_jstr(b, a->name);
  buf_puts(b, ",\"aliases\":[");
  for (size_t i = 0; a->aliases != NULL && a->aliases[i] != NULL; i++) {
    if (i > 0)
      buf_putc(b, ',');
    buf_jstr(b, a->aliases[i]);
  }
  buf_puts(b, "],\"kind\":");
  buf_puts(b, a->kind == ENG_ELEMENTWISE ? "\"elementwise\"" : "\"vector\"");
  buf_puts(b, ",\"parameters\":[");
  for (unsigned j = 0; j < a->nparams; j++) {
    if (j > 0)
      buf_putc(b, ',');
    put_param(b, &a->params[j]);
  }
  buf_putc(b, ']');
  if (a->constraint != NULL) {
    buf_puts(b, ",\"constraint\":");
    buf_jstr(b, a->constraint);
  }
  buf_puts(b, ",\"formula\":");
  buf_jstr(b, a->formula != NULL ? a->formula : "");
  buf_puts(b, ",\"derivative\":");
  buf_jstr(b, a->derivative != NULL ? a->derivative : "");
  buf_puts(b, ",\"kinks\":");
  buf_jstr(b, a->kinks != NULL ? a->kinks : "");
  buf_puts(b, ",\"kinks2\":");
  buf_jstr(b, a->kinks2 != NULL ? a->kinks2 : "");
  buf_puts(b, ",\"outputs\":");
  put_outputs(b, a);
  buf_puts(b, ",\"ulp\":");
  buf_num(b, a->ulp);
  buf_putc(b, '}');
}

void h_activations_get(struct hctx *c)
{
  size_t n = eng_activation_count();
  struct buf b;

  buf_init(&b, 16384);
  buf_puts(&b, "{\"count\":");
  buf_uint(&b, n);
  buf_puts(&b, ",\"activations\":[");
  for (size_t i = 0; i < n; i++) {
    if (i > 0)
      buf_putc(&b, ',');
    put_entry(&b, eng_activation_at(i));
  }
  buf_puts(&b, "]}");
  reply_buf(c, 200, "application/json", &b);
}

void h_activation_get(struct hctx *c)
{
  const struct eng_activation *a = c->arg != NULL ? eng_activation_lookup(c->arg) : NULL;
  struct buf b;

  if (a == NULL) {
    buf_init(&b, 1024);
    req_put_activation_names(&b);
    problem(c, 404, NULL, "unknown activation \"%.100s\"; valid names: %s",
            c->arg != NULL ? c->arg : "", b.failed ? "see GET /activations" : b.p);
    buf_free(&b);
    return;
  }
  buf_init(&b, 1024);
  put_entry(&b, a);
  reply_buf(c, 200, "application/json", &b);
}

/* end of h_activations.c */
