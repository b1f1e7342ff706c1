/*
 * problem.c: every reply leaves through here: reply_json, reply_bytes and problem(),
 * the one place that builds RFC 9457 problem details (application/problem+json).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

/* RFC 9110 reason phrases of the statuses this service sends. */
static const char *reason(int status)
{
  switch (status) {
  case 400: return "Bad Request";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 413: return "Content Too Large";
  case 415: return "Unsupported Media Type";
  case 422: return "Unprocessable Content";
  case 500: return "Internal Server Error";
  case 503: return "Service Unavailable";
  default: return status < 500 ? "Bad Request" : "Internal Server Error";
  }
}

/* The fixed reply when even building a reply failed. */
static const char oom_body[] =
  "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,"
  "\"detail\":\"out of memory\"}";

static void set_reply(struct hctx *c, int status, const char *type, char *p, size_t n)
{
  free(c->resp);
  c->status = status;
  c->resp_type = type;
  c->resp = p;
  c->resp_len = n;
}

static void reply_oom(struct hctx *c)
{
  char *p = malloc(sizeof oom_body);
  if (p != NULL)
    memcpy(p, oom_body, sizeof oom_body);
  set_reply(c, 500, "application/problem+json", p, p != NULL ? sizeof oom_body - 1 : 0);
}

void reply_json(struct hctx *c, int status, struct buf *b)
{
  if (b->failed || b->p == NULL) {
    buf_free(b);
    reply_oom(c);
    return;
  }
  set_reply(c, status, "application/json", b->p, b->len);
  b->p = NULL;
  b->len = b->cap = 0;
}

void reply_bytes(struct hctx *c, int status, const char *type, const char *p, size_t n)
{
  char *q = malloc(n > 0 ? n : 1);
  if (q == NULL) {
    reply_oom(c);
    return;
  }
  if (n > 0)
    memcpy(q, p, n);
  set_reply(c, status, type, q, n);
}

int problem(struct hctx *c, int status, const char *pointer, const char *fmt, ...)
{
  char detail[2048];
  struct buf b;
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  if (n < 0) {
    detail[0] = '\0';
  } else if ((size_t)n >= sizeof detail) {
    /* Truncated: drop a UTF-8 sequence cut in two, so the reply stays valid UTF-8. */
    size_t k = sizeof detail - 1;
    while (k > 0 && ((unsigned char)detail[k - 1] & 0xC0) == 0x80)
      k--;
    if (k > 0 && ((unsigned char)detail[k - 1] & 0x80) != 0)
      k--;
    detail[k] = '\0';
  }

  buf_init(&b, 256);
  buf_puts(&b, "{\"type\":\"about:blank\",\"title\":");
  buf_jstr(&b, reason(status));
  buf_puts(&b, ",\"status\":");
  buf_uint(&b, (size_t)status);
  buf_puts(&b, ",\"detail\":");
  buf_jstr(&b, detail);
  if (pointer != NULL) {
    buf_puts(&b, ",\"pointer\":");
    buf_jstr(&b, pointer);
  }
  buf_putc(&b, '}');
  if (b.failed) {
    buf_free(&b);
    reply_oom(c);
    return -1;
  }
  set_reply(c, status, "application/problem+json", b.p, b.len);
  return -1;
}

int out_finite(struct hctx *c, const char *name, const struct shape *s, const double *v,
               const char *at, const struct shape *at_s, enum out_map map)
{
  char elem[160], ptr[160], from[160];
  size_t i = 0, n = shape_count(s);

  while (i < n && isfinite(v[i]))
    i++;
  if (i == n)
    return 0;
  flat_ptr(ptr, sizeof ptr, name, s, i);
  ptr_to_name(ptr, elem, sizeof elem);
  if (at == NULL)
    return problem(c, 422, NULL, "%s overflows: its true value is beyond the largest double",
                   elem);
  if (map == OUT_SAME)
    flat_ptr(ptr, sizeof ptr, at, at_s, i);
  else if (at_s->ndim >= 2 && s->ndim >= 1)
    snprintf(ptr, sizeof ptr, "%s/%zu", at, i / (n / s->dim[0]));
  else
    snprintf(ptr, sizeof ptr, "%s", at);
  ptr_to_name(ptr, from, sizeof from);
  return problem(c, 422, ptr,
                 "%s overflows: its true value, from %s, is beyond the largest double", elem,
                 from);
}

int out_nums(struct hctx *c, struct buf *b, const char *name, const struct shape *s,
             const double *v, const char *at, const struct shape *at_s, enum out_map map)
{
  b->nonfinite = 0;
  buf_nums(b, s, v);
  if (b->nonfinite == 0)
    return 0;
  buf_free(b);
  return out_finite(c, name, s, v, at, at_s, map);
}

/* end of problem.c */
