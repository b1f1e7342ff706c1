/*
 * http.h: what the HTTP layer's files share: the request context, the response
 * writer, body access for handlers, the route table's handlers.
 *
 * The HTTP layer knows no mathematics beyond calling the engine (engine.h); it never
 * names an activation, a loss or a scheme: it walks the engine's tables.
 */
#ifndef NEUROND_HTTP_H
#define NEUROND_HTTP_H

#include <stdarg.h>
#include <stddef.h>

#include <cjson/cJSON.h>

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
};

/* ================================================================ Buffers */

/* A growable byte buffer. On allocation failure `failed` is set and later writes
 * are dropped; the owner checks `failed` once at the end. */
struct buf {
  char *p;
  size_t len, cap;
  int failed;
  size_t nonfinite; /* numbers written that are not finite (as null) */
};

void buf_init(struct buf *b, size_t cap_hint);
int buf_reserve(struct buf *b, size_t extra);   /* 0, or -1 (and failed set) */
void buf_put(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_num(struct buf *b, double v);          /* shortest round-trip (num.h) */
void buf_uint(struct buf *b, size_t v);
void buf_jstr(struct buf *b, const char *s);    /* "quoted", JSON-escaped */
void buf_free(struct buf *b);
/* Frees a reply's buffer once it is sent; a large one is kept for the next large reply
 * (buf_reserve takes it). buf_drop_spare frees the one kept. */
void buf_release(void *p);
void buf_drop_spare(void);

/* The shape of a numeric value: ndim 0 is a scalar, 1 an array, 2 an array of rows,
 * 3 an array of matrices. */
struct shape {
  unsigned ndim;
  size_t dim[3];
};
size_t shape_count(const struct shape *s);       /* product of dims (1 for a scalar) */
/* Writes v (shape_count(s) doubles, row-major) as nested JSON arrays of that shape. */
void buf_nums(struct buf *b, const struct shape *s, const double *v);
/* Writes "[d0,d1,...]" for a shape (e.g. for the "shape" field). */
void buf_shape(struct buf *b, const struct shape *s);

/* ============================================================ Parallel parts */

/* Work on [lo, hi) of a range, as part `part` of a split. */
typedef void par_fn(void *ctx, size_t lo, size_t hi, unsigned part);
/* Sets how many threads a split may use (the worker count, --threads), and starts
 * the pool of n - 1 threads that run the parts besides the caller's. */
void par_set_threads(unsigned n);
/* Stops and joins the pool (splits then run on the caller alone). */
void par_shutdown(void);
/* How many parts par_for cuts n into at this grain (1 when n < 2 grain). */
unsigned par_parts(size_t n, size_t grain);
/* Runs fn over [0, n) in par_parts(n, grain) equal parts, in parallel; returns when
 * all are done. */
void par_for(size_t n, size_t grain, par_fn *fn, void *ctx);
/* The same with the number of parts given (1 .. 64). */
void par_run(size_t n, unsigned parts, par_fn *fn, void *ctx);

/* ======================================================= Request context */

/* One request, from the router's point of view. Everything a handler allocates
 * through ctx_alloc is freed with the context by ctx_free, in one place. */
struct hctx {
  const struct config *cfg;
  const char *method;       /* "GET", "POST", ... */
  const char *path;         /* URL path, no query */
  const char *arg;          /* the {name} of a templated route, else NULL */
  const char *route;        /* the matched route's pattern, for metrics ("other") */
  const char *content_type; /* the request's Content-Type, or NULL */
  const char *body;         /* request body (not NUL-terminated), may be NULL */
  size_t body_len;
  char *body_owned;         /* when set, body's malloc'd buffer, given to the context:
                               freed once the body is parsed (the parsed document holds
                               all a handler reads), so that a large request's body and
                               its outputs are never held at once; else by ctx_free */

  /* The parsed body (ctx_object). */
  struct jdoc *doc;

  /* The response. */
  int status;
  const char *resp_type;    /* Content-Type of the response */
  char *resp;               /* malloc'd body, owned by the context until taken */
  size_t resp_len;
  const char *allow;        /* Allow header value (405), or NULL */

  /* Everything ctx_alloc handed out. */
  void **allocs;
  size_t nallocs, capallocs;
};

void ctx_init(struct hctx *c, const struct config *cfg, const char *method,
              const char *path, const char *content_type, const char *body,
              size_t body_len);
void ctx_free(struct hctx *c);
/* Frees the parsed request (its tree and its numbers) before the context ends, for a
 * handler that has read all it needs: what ctx_object and ctx_numbers gave is gone. */
void ctx_drop_input(struct hctx *c);

/* Zero-filled memory that lives as long as the context; NULL on failure (and then
 * a 500 is already set: the handler just returns). */
void *ctx_alloc(struct hctx *c, size_t size);

/* =============================================================== Replies */

/* Sets a 2xx/4xx JSON reply; takes the buffer's memory (or, if b->failed, sets 500). */
void reply_json(struct hctx *c, int status, struct buf *b);
/* Sets a reply with a given content type, copying n bytes of p. */
void reply_bytes(struct hctx *c, int status, const char *type, const char *p, size_t n);
/* Sets an RFC 9457 problem reply (application/problem+json):
 * {"type":"about:blank","title":<reason phrase>,"status":status,"detail":...,
 *  "pointer":pointer} (pointer omitted when NULL). The one place that builds errors.
 * Returns -1, so handlers can `return problem(...)`. */
int problem(struct hctx *c, int status, const char *pointer, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 4, 5)))
#endif
  ;

/* How an output's elements map to the input that gives them, for out_nums. */
enum out_map {
  OUT_SAME, /* element for element: the output is shaped as the input */
  OUT_ROW   /* an output's first index is the input's row (sample), if it has rows */
};

/* Writes the numbers v shaped s into b (buf_nums) as the output at `name` (a JSON
 * Pointer into the reply: "/y", "/dy_dparams/alpha").
 * Inputs are finite, yet a true result can lie beyond the largest double (leaky_relu
 * with alpha 1e308 at x = -10): then b is freed and the reply is a 422 naming the first
 * such element ("y[3]"), with the pointer of the input it comes from: `at` shaped at_s,
 * mapped by map, or no pointer if at is NULL. Returns 0, or -1 (reply set). */
int out_nums(struct hctx *c, struct buf *b, const char *name, const struct shape *s,
             const double *v, const char *at, const struct shape *at_s, enum out_map map);
/* The same 422 for the first value of v that is not finite; 0 if they all are. */
int out_finite(struct hctx *c, const char *name, const struct shape *s, const double *v,
               const char *at, const struct shape *at_s, enum out_map map);

/* ========================================================== Body access */

/* Parses the body as a JSON object whose keys are among fields[] (NULL-terminated)
 * and stores each field's value in vals[i] (NULL when absent). Replies and returns -1
 * on: invalid JSON (400, where parsing stopped), nesting too deep (400), invalid
 * UTF-8 (400), not an object (422), an unknown or duplicate key (422 naming it),
 * more numbers than cfg->max_elements (413). Numeric arrays in the body are decoded
 * once, at parse time, by the number codec. */
int ctx_object(struct hctx *c, const char *const *fields, const cJSON **vals);

/* Checks that obj (a JSON object at `ptr`) has only keys among fields[], none twice,
 * and stores values in vals[] as ctx_object does. 422 otherwise. */
int ctx_fields(struct hctx *c, const cJSON *obj, const char *ptr, const char *const *fields,
               const cJSON **vals);

/* A numeric value of the body: its shape and its doubles (row-major). The doubles
 * live as long as the context. */
struct numview {
  struct shape shape;
  const double *v;
  size_t n;
};

/* Reads v (at JSON Pointer `ptr`) as a finite number, an array of finite numbers, or
 * an array of equal-length rows of finite numbers, with at most max_ndim dimensions.
 * 422 (naming the element, e.g. "x[1][3] must be a finite number", pointer "/x/1/3")
 * for a wrong type, a non-finite number (1e999), ragged rows, an empty row or array
 * where min_len > 0 requires elements. */
int ctx_numbers(struct hctx *c, const cJSON *v, const char *ptr, unsigned max_ndim,
                size_t min_len, struct numview *out);

int ctx_number(struct hctx *c, const cJSON *v, const char *ptr, double *out);   /* finite */
int ctx_string(struct hctx *c, const cJSON *v, const char *ptr, const char **out);
int ctx_bool(struct hctx *c, const cJSON *v, const char *ptr, int *out);
/* An integer in [lo, hi] (given as a JSON number with no fraction). */
int ctx_integer(struct hctx *c, const cJSON *v, const char *ptr, double lo, double hi,
                double *out);

/* The JSON Pointer of flat element i of an array shaped s at base: "/x/1/0". */
void flat_ptr(char *out, size_t cap, const char *base, const struct shape *s, size_t i);

/* Human name of a field for messages, from a JSON Pointer: "/x/1/3" -> "x[1][3]". */
void ptr_to_name(const char *ptr, char *out, size_t outsz);

/* ======================================================= Routes, handlers */

typedef void handler_fn(struct hctx *c);

/* The route table (routes.c), ended by a row whose path is NULL. A path ending in
 * "{name}" matches one further segment, passed to the handler as c->arg. */
struct route {
  const char *method;  /* "GET" or "POST" */
  const char *path;    /* "/activate", "/activations/{name}", ... */
  handler_fn *handler;
  int takes_body;      /* 1: the body is JSON (415 rule, size limits apply) */
};
extern const struct route http_routes[];

/* Finds the route for c->method and c->path and runs its handler; sets 404 for an
 * unknown path, 405 (with c->allow) for a known path and wrong method, 415 for an
 * explicit non-JSON Content-Type on a route that takes a body. HEAD is GET. */
void http_dispatch(struct hctx *c);

handler_fn h_activate_post;          /* POST /activate          (h_activate.c) */
handler_fn h_neuron_forward_post;    /* POST /neuron/forward    (h_neuron.c) */
handler_fn h_neuron_backward_post;   /* POST /neuron/backward   (h_neuron.c) */
handler_fn h_loss_post;              /* POST /loss              (h_loss.c) */
handler_fn h_init_post;              /* POST /init              (h_init.c) */
handler_fn h_activations_get;        /* GET /activations        (h_activations.c) */
handler_fn h_activation_get;         /* GET /activations/{name} (h_activations.c) */
handler_fn h_healthz_get;            /* GET /healthz            (h_health.c) */
handler_fn h_metrics_get;            /* GET /metrics            (h_health.c) */
handler_fn h_openapi_get;            /* GET /openapi.yaml       (h_health.c) */

/* ================================================================ Metrics */

/* Records one finished request (thread-safe, atomics). */
void metrics_record(const char *route, int status, double seconds, size_t bytes_in,
                    size_t bytes_out);
/* Writes the Prometheus text exposition. */
void metrics_write(struct buf *b);

#endif /* NEUROND_HTTP_H */
