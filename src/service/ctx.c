/*
 * ctx.c: one request's context (ctx.h): its allocations, freed in one place, and the
 * error found while handling it, recorded as data.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/jdoc.h"
#include "service/admit.h"
#include "service/ctx.h"

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

/* The bytes a parsed document's numbers and arrays take. */
static size_t doc_bytes(const struct jdoc *d)
{
  return d != NULL ? d->capnum * sizeof(double) + d->caparr * sizeof *d->arr : 0;
}

int ctx_charge(struct hctx *c, size_t n)
{
  size_t want, more;

  c->mem_used = n > SIZE_MAX - c->mem_used ? SIZE_MAX : c->mem_used + n;
  if (c->mem_used <= c->mem_held)
    return 0;
  /* at least a mebibyte at a time, so that a request growing in small steps does not
   * touch the shared counter at each */
  want = c->mem_used - c->mem_held;
  more = want < ((size_t)1 << 20) ? (size_t)1 << 20 : want;
  if (admit_take(more) == 0) {
    c->mem_held += more;
  } else if (more != want && admit_take(want) == 0) {
    c->mem_held += want;
  } else {
    admit_refused();
    return problem(c, 503, NULL,
                   "the server's memory budget (%zu bytes, %zu in use) cannot hold this "
                   "request's %zu bytes now; retry later", admit_limit(), admit_in_use(),
                   c->mem_used);
  }
  return 0;
}

void ctx_uncharge(struct hctx *c, size_t n)
{
  c->mem_used -= n < c->mem_used ? n : c->mem_used;
}

int ctx_charge_doc(struct hctx *c)
{
  return ctx_charge(c, doc_bytes(c->doc));
}

void ctx_drop_input(struct hctx *c)
{
  ctx_uncharge(c, doc_bytes(c->doc));
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

static void *alloc(struct hctx *c, size_t size, int zero)
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
  if (ctx_charge(c, size) != 0)
    return NULL;
  p = zero ? calloc(1, size > 0 ? size : 1) : malloc(size > 0 ? size : 1);
  if (p == NULL)
    goto oom;
  c->allocs[c->nallocs++] = p;
  return p;
oom:
  problem(c, 500, NULL, "out of memory");
  return NULL;
}

void *ctx_alloc(struct hctx *c, size_t size)
{
  return alloc(c, size, 1);
}

void *ctx_alloc_raw(struct hctx *c, size_t size)
{
  return alloc(c, size, 0);
}

int ctx_header(struct hctx *c, const char *name, const char *value)
{
  size_t n = strlen(value) + 1;
  char *v;
  if (c->nhdr == CTX_MAX_HEADERS)
    return problem(c, 500, NULL, "too many reply headers");
  if ((v = ctx_alloc(c, n)) == NULL)
    return -1;
  memcpy(v, value, n);
  c->hdr_name[c->nhdr] = name;
  c->hdr_value[c->nhdr++] = v;
  return 0;
}

int vproblem(struct hctx *c, int status, const char *pointer, const char *fmt, va_list ap)
{
  struct perr *e = &c->err;
  char *d = e->detail;
  int n;

  if (e->status != 0)
    return -1;
  e->status = status;
  e->has_pointer = pointer != NULL;
  snprintf(e->pointer, sizeof e->pointer, "%s", pointer != NULL ? pointer : "");
  n = vsnprintf(d, sizeof e->detail, fmt, ap);
  if (n < 0) {
    d[0] = '\0';
  } else if ((size_t)n >= sizeof e->detail) {
    /* Cut: drop a UTF-8 sequence cut in two, so the detail stays valid UTF-8. */
    size_t k = sizeof e->detail - 1;
    while (k > 0 && ((unsigned char)d[k - 1] & 0xC0) == 0x80)
      k--;
    if (k > 0 && ((unsigned char)d[k - 1] & 0x80) != 0)
      k--;
    d[k] = '\0';
  }
  return -1;
}

int problem(struct hctx *c, int status, const char *pointer, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vproblem(c, status, pointer, fmt, ap);
  va_end(ap);
  return -1;
}

/* end of ctx.c */
