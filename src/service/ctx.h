/*
 * ctx.h: the service's configuration, and one request's context: what arrived, the
 * memory its handling takes (freed in one place), the error found (as data: status,
 * pointer, detail) and the reply set for it.
 *
 * The service knows no mathematics beyond calling the engine (engine.h) and the exec
 * layer (exec/exec.h); it never names an activation, a loss or a scheme: it walks the
 * engine's tables.
 */
#ifndef NEUROND_SERVICE_CTX_H
#define NEUROND_SERVICE_CTX_H

#include <stdarg.h>
#include <stddef.h>

#include "codec/jptr.h"

/* ================================================================= Config */

struct config {
  unsigned port;             /* 8080; 0 picks a free port (printed on stdout) */
  const char *bind;          /* address to bind, NULL for all */
  unsigned threads;          /* worker threads; default the number of cores */
  size_t max_body_bytes;     /* 64 MiB */
  size_t max_elements;       /* numbers in one request, all arrays together */
  unsigned conn_timeout;     /* seconds of inactivity before a connection is closed */
  unsigned max_connections;
  int access_log;            /* 1: one JSON line per request on stderr */
  size_t max_memory;         /* the memory budget across connections (admit.h) */
  unsigned drain_seconds;    /* after SIGTERM: not ready, still serving, this long */
  const char *const *cors_origins; /* NULL-terminated; NULL: no CORS; "*": any origin */
};

/* ================================================================ Problems */

/* An error as data, as every layer below the wire reports it: the HTTP status, the
 * JSON Pointer of the offending field (if there is one) and the detail, in words.
 * The front the request came in on renders it (RFC 9457 problem+json on our routes,
 * {"error": ...} on the Open Inference Protocol's). */
struct perr {
  int status;               /* 0: no error */
  int has_pointer;
  char pointer[JPTR_MAX];
  char detail[2048];        /* UTF-8, never cut inside a character */
};

/* ======================================================= Request context */

struct jdoc;

/* Extra reply headers a route may set (besides Content-Type and Allow). */
#define CTX_MAX_HEADERS 6

/* One request. Everything a handler allocates through ctx_alloc is freed with the
 * context by ctx_free, in one place. */
struct hctx {
  const struct config *cfg;
  const char *method;       /* "GET", "POST", ... */
  const char *path;         /* URL path, no query */
  const char *query;        /* the query string (after '?'), or NULL */
  const char *arg;          /* the first {name} of a templated route, else NULL */
  const char *arg2;         /* the second, else NULL */
  const char *route;        /* the matched route's pattern, for metrics ("other") */
  const char *content_type; /* the request's Content-Type, or NULL */
  const char *(*header)(void *conn, const char *name); /* another request header */
  void *conn;               /* for header() */
  const char *body;         /* request body (not NUL-terminated), may be NULL */
  size_t body_len;
  char *body_owned;         /* when set, body's malloc'd buffer, given to the context:
                               freed once the body is parsed (the parsed document holds
                               all a handler reads), so that a large request's body and
                               its outputs are never held at once; else by ctx_free */

  struct jdoc *doc;         /* the parsed body */
  struct perr err;          /* the first error found */

  /* The reply. */
  int status;
  const char *resp_type;    /* Content-Type of the reply */
  char *resp;               /* malloc'd body, owned by the context until taken */
  size_t resp_len;
  const char *allow;        /* Allow header value (405), or NULL */
  const char *hdr_name[CTX_MAX_HEADERS];
  char *hdr_value[CTX_MAX_HEADERS]; /* ctx_alloc'd */
  unsigned nhdr;

  /* Everything ctx_alloc handed out. */
  void **allocs;
  size_t nallocs, capallocs;

  /* Memory, against the budget (admit.h): what the request holds of the budget, and
   * what it uses now (its body, parsed numbers, allocations and reply estimate). When
   * use passes the holding, the difference is taken from the budget, or the request
   * is a 503. */
  size_t mem_held, mem_used;
};

void ctx_init(struct hctx *c, const struct config *cfg, const char *method,
              const char *path, const char *content_type, const char *body,
              size_t body_len);
void ctx_free(struct hctx *c);
/* Frees the parsed request (its tree and its numbers) before the context ends, for a
 * handler that has read all it needs: what was decoded from it is gone. */
void ctx_drop_input(struct hctx *c);

/* Zero-filled memory that lives as long as the context; NULL on failure (and then
 * the 500 is recorded: the caller just returns). */
void *ctx_alloc(struct hctx *c, size_t size);
/* The same, not zero-filled: for arrays the engine writes whole. */
void *ctx_alloc_raw(struct hctx *c, size_t size);

/* Records an error (the first one wins) and returns -1, so that callers can
 * `return problem(...)`. pointer may be NULL. The detail is cut to fit, never inside
 * a UTF-8 character. */
int problem(struct hctx *c, int status, const char *pointer, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 4, 5)))
#endif
  ;
int vproblem(struct hctx *c, int status, const char *pointer, const char *fmt, va_list ap)
#if defined(__GNUC__)
  __attribute__((format(printf, 4, 0)))
#endif
  ;

/* Counts n more bytes in use by the request, taking from the memory budget what its
 * holding does not cover: 0, or -1 with a 503 recorded (the budget is exhausted). */
int ctx_charge(struct hctx *c, size_t n);
/* Counts n bytes freed. */
void ctx_uncharge(struct hctx *c, size_t n);
/* Charges the parsed document's numbers (once it is parsed). */
int ctx_charge_doc(struct hctx *c);

/* Adds a reply header (name must be static); 0, or -1 with a 500 recorded. */
int ctx_header(struct hctx *c, const char *name, const char *value);

/* =============================================================== Replies */

/* Sets the reply: takes p (malloc'd, n bytes). */
void reply_take(struct hctx *c, int status, const char *type, char *p, size_t n);
/* Sets the reply: takes the bytes of b (a 500 if b failed). */
struct buf;
void reply_buf(struct hctx *c, int status, const char *type, struct buf *b);
/* Sets the reply copying n bytes of p. */
void reply_bytes(struct hctx *c, int status, const char *type, const char *p, size_t n);
/* Sets the reply to the recorded error in the form of the route's protocol: on the
 * Open Inference Protocol's routes (under /v2) {"error": detail} with 422 sent as 400;
 * elsewhere problem details (reply_problem). */
void reply_error(struct hctx *c);
/* Sets the reply to the recorded error as RFC 9457 problem details
 * (application/problem+json): {"type":"about:blank","title":<reason phrase>,
 * "status":...,"detail":...,"pointer":...} (pointer omitted when there is none). */
void reply_problem(struct hctx *c);
/* RFC 9110's reason phrase for a status. */
const char *http_reason(int status);

#endif /* NEUROND_SERVICE_CTX_H */
