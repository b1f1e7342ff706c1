/*
 * reply.c: setting a request's reply (ctx.h), and rendering its recorded error as RFC
 * 9457 problem details (application/problem+json).
 */
#include <stdlib.h>
#include <string.h>

#include "codec/buf.h"
#include "service/ctx.h"

const char *http_reason(int status)
{
  switch (status) {
  case 204: return "No Content";
  case 400: return "Bad Request";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 413: return "Content Too Large";
  case 414: return "URI Too Long";
  case 415: return "Unsupported Media Type";
  case 422: return "Unprocessable Content";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 503: return "Service Unavailable";
  default: return status < 500 ? "Bad Request" : "Internal Server Error";
  }
}

/* The fixed reply when even building a reply failed. */
static const char oom_body[] =
  "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,"
  "\"detail\":\"out of memory\"}";

void reply_take(struct hctx *c, int status, const char *type, char *p, size_t n)
{
  free(c->resp);
  c->status = status;
  c->resp_type = type;
  c->resp = p;
  c->resp_len = n;
  if (p == NULL) { /* what was to be sent could not be made */
    p = malloc(sizeof oom_body);
    if (p != NULL)
      memcpy(p, oom_body, sizeof oom_body);
    c->status = 500;
    c->resp_type = "application/problem+json";
    c->resp = p;
    c->resp_len = p != NULL ? sizeof oom_body - 1 : 0;
  }
}

void reply_buf(struct hctx *c, int status, const char *type, struct buf *b)
{
  size_t n;
  char *p = buf_take(b, &n);
  reply_take(c, status, type, p, n);
}

void reply_bytes(struct hctx *c, int status, const char *type, const char *p, size_t n)
{
  char *q = malloc(n > 0 ? n : 1);
  if (q != NULL && n > 0)
    memcpy(q, p, n);
  reply_take(c, status, type, q, n);
}

void reply_problem(struct hctx *c)
{
  const struct perr *e = &c->err;
  struct buf b;
  size_t n;
  char *p;

  buf_init(&b, 256);
  buf_puts(&b, "{\"type\":\"about:blank\",\"title\":");
  buf_jstr(&b, http_reason(e->status));
  buf_puts(&b, ",\"status\":");
  buf_uint(&b, (size_t)e->status);
  buf_puts(&b, ",\"detail\":");
  buf_jstr(&b, e->detail);
  if (e->has_pointer) {
    buf_puts(&b, ",\"pointer\":");
    buf_jstr(&b, e->pointer);
  }
  buf_putc(&b, '}');
  p = buf_take(&b, &n);
  reply_take(c, e->status, "application/problem+json", p, n);
}

/* Whether a path is one of the Open Inference Protocol's: /v2 or below it. */
static int oip_path(const char *path)
{
  return path != NULL && strncmp(path, "/v2", 3) == 0 && (path[3] == '\0' || path[3] == '/');
}

void reply_error(struct hctx *c)
{
  struct buf b;

  if (!oip_path(c->path)) {
    reply_problem(c);
    return;
  }
  buf_init(&b, 128);
  buf_puts(&b, "{\"error\":");
  buf_jstr(&b, c->err.detail);
  buf_putc(&b, '}');
  reply_buf(c, c->err.status == 422 ? 400 : c->err.status, "application/json", &b);
}

/* end of reply.c */
