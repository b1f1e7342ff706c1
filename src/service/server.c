/*
 * server.c: the libmicrohttpd daemon: one request state per request, made on the
 * access handler's first call and freed in the completion callback (the one place);
 * admission before the body is read (the connection limit, the body's framing and size,
 * and the memory budget of admit.h); the body buffered into one allocation; then the
 * router; metrics when the reply is queued, the access log line at completion.
 *
 * Every reply is problem+json or the route's own, with one status line: the replies
 * that libmicrohttpd 0.9.75 would write itself (a malformed chunked body, a
 * Content-Length that is not a number, a request head over its buffer) are replaced at
 * the two library entry points they pass through (see "The library's own replies"
 * below), and a refusal decided while a body is still arriving (a chunked body past the
 * limit or the budget) is written to the socket at once, since the library queues a
 * reply only before the body or after it.
 */
#define _GNU_SOURCE /* dlsym's RTLD_NEXT */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "codec/buf.h"
#include "exec/par.h"
#include "service/admit.h"
#include "service/metrics.h"
#include "service/routes.h"
#include "service/server.h"

/* Body bytes read and discarded after a refusal is decided, before the connection is
 * cut. */
#define CUTOFF_SLACK ((size_t)1 << 20)
/* Connections past --max-connections that are still accepted, to be answered 503. */
#define OVER_SLACK 64u
/* The longest X-Request-Id taken from a request. */
#define RID_MAX 128
/* A request whose body is at least this large is handled off the connection thread
 * (see "Large requests" below). */
#define OFFLOAD_MIN ((size_t)256 << 10)

struct req;

/* A connection while it waits for the headers of a request. libmicrohttpd's timeout
 * counts idle time only, so a client sending a header byte a second would hold its
 * connection for ever; the watchdog shuts down any connection whose headers are not
 * complete within --conn-timeout of its opening (or of its previous request's end). */
struct watch {
  struct watch *prev, *next;
  int fd;
  struct timespec since; /* the header phase began */
  int in_request;        /* headers complete, a request under way */
  int shut;              /* shut down by the watchdog */
  int over;              /* opened past --max-connections: answered 503 */
  struct req *cur;       /* the request under way, if any */
  char path[96];         /* the path of the request line last read (cut), for a reply
                            the library decides before the request has a state */
};

struct server {
  struct MHD_Daemon *d;
  const struct config *cfg;
  unsigned port;
  pthread_mutex_t lock;  /* guards the watch list; NOTIFY_CLOSED precedes close(fd) */
  pthread_cond_t wake;
  struct watch head;     /* sentinel of the circular list */
  pthread_t watchdog;
  int watching, stopping;
  atomic_uint conns;     /* connections open */
  /* Large requests, handled by their own threads (see "Large requests"). */
  pthread_mutex_t jlock;
  pthread_cond_t jwake;
  struct req *jhead, *jtail; /* waiting, in order */
  pthread_t *jthreads;
  unsigned njthreads;
  int jstop;
};

/* The server whose callbacks run (one per process), for the library's own replies. */
static struct server *the_server;

/* The state of one request, from the first access-handler call to completion. */
struct req {
  struct timespec t0;
  char method[16];
  char *path;           /* copy, for the access log */
  char *body;           /* the allocation; the body's bytes start at body + pad */
  size_t pad;           /* so that the binary tensors after a JSON header of
                           Inference-Header-Content-Length bytes start 8-aligned */
  size_t len, cap;
  int too_large;        /* the body passed the limit: 413 once it ends */
  size_t dropped;       /* body bytes discarded after the decision */
  int replied;          /* a response is queued */
  int raw;              /* a reply was written to the socket directly: close at the end */
  int status;           /* the status sent (0: none) */
  const char *route;    /* route pattern for metrics */
  size_t bytes_out;
  int recorded;         /* counted in the metrics */
  int coded;            /* the body came with a Content-Encoding other than identity */
  int close;            /* the reply asks the client to close the connection */
  size_t held;          /* bytes of the memory budget this request holds */
  char rid[RID_MAX + 1];  /* X-Request-Id: the client's, or one made here */
  char tp[56];          /* the client's traceparent, if well-formed, else "" */
  /* A large request handled off the connection thread: its context, and whether its
   * reply is ready to be queued. */
  struct hctx *job;
  struct MHD_Connection *conn;
  struct req *jnext;
};

static double seconds_since(const struct timespec *t0)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---------------------------------------------------------------- request ids */

/* splitmix64 over a counter from a seed taken at start: ids differ between requests
 * and between runs. */
static atomic_ullong rid_counter;

static void make_rid(char *out)
{
  static const char hex[] = "0123456789abcdef";
  uint64_t z[2];
  for (int k = 0; k < 2; k++) {
    uint64_t x = atomic_fetch_add(&rid_counter, 0x9e3779b97f4a7c15u) + 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    z[k] = x ^ (x >> 31);
  }
  for (int i = 0; i < 32; i++)
    out[i] = hex[(z[i / 16] >> (4 * (i % 16))) & 15];
  out[32] = '\0';
}

/* Whether s is a usable request id: 1 to RID_MAX visible ASCII characters. */
static int rid_ok(const char *s)
{
  size_t n = 0;
  for (; s[n] != '\0'; n++)
    if (n == RID_MAX || s[n] <= 0x20 || s[n] >= 0x7f)
      return 0;
  return n > 0;
}

/* Whether s is a W3C traceparent: version-traceid-parentid-flags, lowercase hex of
 * 2, 32, 16 and 2 digits, the ids not all zero, version not ff. */
static int traceparent_ok(const char *s)
{
  static const unsigned len[] = { 2, 32, 16, 2 };
  const char *p = s;
  for (int f = 0; f < 4; f++) {
    int nonzero = 0;
    for (unsigned i = 0; i < len[f]; i++, p++) {
      if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
        return 0;
      nonzero |= *p != '0';
    }
    if ((f == 1 || f == 2) && !nonzero)
      return 0;
    if (*p != (f < 3 ? '-' : '\0'))
      return 0;
    p++;
  }
  return strncmp(s, "ff", 2) != 0;
}

/* The request's id and trace context, from its headers. With no X-Request-Id, the
 * traceparent's trace id is the request id; with neither, one is made. */
static void read_ids(struct MHD_Connection *conn, struct req *r)
{
  const char *rid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
  const char *tp = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "traceparent");

  if (tp != NULL && traceparent_ok(tp))
    snprintf(r->tp, sizeof r->tp, "%s", tp);
  if (rid != NULL && rid_ok(rid))
    snprintf(r->rid, sizeof r->rid, "%s", rid);
  else if (r->tp[0] != '\0')
    snprintf(r->rid, sizeof r->rid, "%.32s", r->tp + 3);
  else
    make_rid(r->rid);
}

/* ------------------------------------------------------------------------ CORS */

/* The Access-Control-Allow-Origin for a request from origin, or NULL (no CORS, no
 * Origin, or an origin not listed). */
static const char *cors_origin(const struct config *cfg, const char *origin)
{
  if (cfg->cors_origins == NULL || origin == NULL)
    return NULL;
  for (const char *const *o = cfg->cors_origins; *o != NULL; o++) {
    if (strcmp(*o, "*") == 0)
      return "*";
    if (strcasecmp(*o, origin) == 0)
      return origin;
  }
  return NULL;
}

#define CORS_EXPOSE "X-Request-Id, traceparent, Retry-After, Allow, Accept-Encoding"

/* --------------------------------------------------------------------- replies */

/* Queues the context's reply; takes its body. The reply holds its own size of the
 * memory budget until libmicrohttpd frees it (buf_release); the request's holding is
 * given back. */
static enum MHD_Result send_reply(struct MHD_Connection *conn, struct server *s, struct req *r,
                                  struct hctx *c)
{
  struct MHD_Response *resp;
  enum MHD_Result ret;
  const char *acao;
  size_t reply_mem = c->resp != NULL ? malloc_usable_size(c->resp) : 0;

  resp = MHD_create_response_from_buffer_with_free_callback(c->resp_len, c->resp, &buf_release);
  if (resp == NULL)
    return MHD_NO;
  c->resp = NULL; /* MHD frees it now */
  admit_force(reply_mem);
  admit_give(r->held);
  r->held = 0;
  if (c->resp_type != NULL)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, c->resp_type);
  if (c->allow != NULL)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, c->allow);
  for (unsigned i = 0; i < c->nhdr; i++)
    MHD_add_response_header(resp, c->hdr_name[i], c->hdr_value[i]);
  if (r->coded) /* RFC 9110 section 15.5.16: the codings that would have been accepted */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_ENCODING, "identity");
  if (c->status == 503)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
  MHD_add_response_header(resp, "X-Request-Id", r->rid);
  if (r->tp[0] != '\0')
    MHD_add_response_header(resp, "traceparent", r->tp);
  acao = cors_origin(s->cfg, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin"));
  if (acao != NULL) {
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", acao);
    MHD_add_response_header(resp, "Access-Control-Expose-Headers", CORS_EXPOSE);
  }
  /* with a list of origins the reply depends on the request's Origin: caches must
   * know, whether this one was allowed or not */
  if (s->cfg->cors_origins != NULL && (acao == NULL || strcmp(acao, "*") != 0))
    MHD_add_response_header(resp, "Vary", "Origin");
  if (r->close || admit_draining())
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
  ret = MHD_queue_response(conn, (unsigned)c->status, resp);
  MHD_destroy_response(resp);
  if (ret == MHD_YES) {
    r->replied = 1;
    r->status = c->status;
    r->bytes_out = c->resp_len;
    if (c->route != NULL)
      r->route = c->route;
    /* Counted now, before the first byte of the reply leaves: a client that reads its
     * reply and then asks GET /metrics always finds its request there. */
    if (!r->recorded) {
      metrics_record(r->route, r->status, seconds_since(&r->t0), r->len, r->bytes_out);
      r->recorded = 1;
    }
  }
  return ret;
}

/* A problem reply queued at once, before the body is read: the rest of the body is
 * dropped. */
static enum MHD_Result reply_now(struct MHD_Connection *conn, struct server *s, struct req *r,
                                 const char *route, int status, const char *detail)
{
  struct hctx c;
  enum MHD_Result ret;

  ctx_init(&c, s->cfg, r->method, r->path, NULL, NULL, 0);
  c.route = route;
  problem(&c, status, NULL, "%s", detail);
  reply_error(&c);
  ret = send_reply(conn, s, r, &c);
  ctx_free(&c);
  return ret;
}

/* Sends all of p[0..n) on the non-blocking socket fd, waiting up to a second in all. */
static void send_all(int fd, const char *p, size_t n)
{
  int waited = 0;
  while (n > 0 && waited < 1000) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w > 0) {
      p += w;
      n -= (size_t)w;
    } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      struct pollfd pf = { .fd = fd, .events = POLLOUT };
      poll(&pf, 1, 100);
      waited += 100;
    } else {
      break;
    }
  }
}

/* Writes a whole problem+json reply to the connection's socket, bypassing the
 * library, and ends the sending side: the client reads one reply, then the end of the
 * stream; whatever the library would send after it fails. For refusals decided while
 * the body is arriving, and for the library's own error replies. r may be NULL (no
 * request state yet). Readable bytes are drained first, so that the close that follows
 * is less likely to reset the connection before the client has read the reply. */
static int raw_reply(struct server *s, struct MHD_Connection *conn, struct req *r, int status,
                     const char *detail, const char *path)
{
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
  const char *acao = cors_origin(s->cfg, origin);
  char rid[RID_MAX + 1], drain[4096];
  struct hctx c;
  struct buf b;
  size_t drained = 0;

  if (ci == NULL)
    return -1;
  if (r != NULL)
    snprintf(rid, sizeof rid, "%s", r->rid);
  else
    make_rid(rid);
  ctx_init(&c, s->cfg, r != NULL ? r->method : "", r != NULL ? r->path : path, NULL, NULL, 0);
  problem(&c, status, NULL, "%s", detail);
  reply_error(&c); /* problem+json, or the inference protocol's {"error"} on its routes */
  status = c.status;
  buf_init(&b, 1024);
  buf_puts(&b, "HTTP/1.1 ");
  buf_uint(&b, (size_t)status);
  buf_putc(&b, ' ');
  buf_puts(&b, http_reason(status));
  buf_puts(&b, "\r\nConnection: close\r\nContent-Type: ");
  buf_puts(&b, c.resp_type != NULL ? c.resp_type : "application/problem+json");
  buf_puts(&b, "\r\nX-Request-Id: ");
  buf_puts(&b, rid);
  if (r != NULL && r->tp[0] != '\0') {
    buf_puts(&b, "\r\ntraceparent: ");
    buf_puts(&b, r->tp);
  }
  if (status == 503)
    buf_puts(&b, "\r\nRetry-After: 1");
  if (acao != NULL) {
    buf_puts(&b, "\r\nAccess-Control-Allow-Origin: ");
    buf_put(&b, acao, strcspn(acao, "\r\n"));
    buf_puts(&b, "\r\nAccess-Control-Expose-Headers: " CORS_EXPOSE);
    if (strcmp(acao, "*") != 0)
      buf_puts(&b, "\r\nVary: Origin");
  }
  buf_puts(&b, "\r\nContent-Length: ");
  buf_uint(&b, c.resp_len);
  buf_puts(&b, "\r\n\r\n");
  buf_put(&b, c.resp != NULL ? c.resp : "", c.resp_len);
  while (drained < CUTOFF_SLACK) {
    ssize_t n = recv(ci->connect_fd, drain, sizeof drain, MSG_DONTWAIT);
    if (n <= 0)
      break;
    drained += (size_t)n;
  }
  if (!b.failed)
    send_all(ci->connect_fd, b.p, b.len);
  shutdown(ci->connect_fd, SHUT_WR);
  if (r != NULL) {
    r->raw = 1;
    r->status = status;
    r->bytes_out = c.resp_len;
  }
  if (r == NULL || !r->recorded) {
    metrics_record(r != NULL ? r->route : "other", status, r != NULL ? seconds_since(&r->t0) : 0,
                   r != NULL ? r->len : 0, c.resp_len);
    if (r != NULL)
      r->recorded = 1;
  }
  buf_free(&b);
  ctx_free(&c);
  return 0;
}

/* A 413 for a body over the limit, queued at once. */
static enum MHD_Result too_large(struct MHD_Connection *conn, struct server *s, struct req *r,
                                 const char *route)
{
  char detail[96];
  snprintf(detail, sizeof detail, "the body is larger than the limit of %zu bytes",
           s->cfg->max_body_bytes);
  return reply_now(conn, s, r, route, 413, detail);
}

/* The detail of a 503 for want of memory. */
static void no_room(char *detail, size_t cap, size_t need)
{
  snprintf(detail, cap,
           "the server's memory budget (%zu bytes, %zu in use) cannot hold this request "
           "(an estimated %zu bytes) now; retry later", admit_limit(), admit_in_use(), need);
}

/* The headers that say where a body ends (RFC 9112 section 6). */
struct framing {
  const char *cl;  /* the first Content-Length */
  int cl_conflict; /* a second one with another value */
  const char *te;  /* Transfer-Encoding */
};

static enum MHD_Result on_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
  struct framing *f = cls;
  (void)kind;
  if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
    if (f->cl != NULL && strcmp(f->cl, value) != 0)
      f->cl_conflict = 1;
    else
      f->cl = value;
  } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
    f->te = value;
  }
  return MHD_YES;
}

/* Reads the framing headers into f. A body whose end is ambiguous is refused before
 * it is read (a request smuggled behind it could otherwise be read differently here
 * and by a proxy in front): Content-Length twice with different values, or a
 * Transfer-Encoding that is not exactly chunked (libmicrohttpd would wait for the
 * connection to close). Returns 0, or -1 with the reason in detail. */
static int read_framing(struct MHD_Connection *conn, struct framing *f, char *detail,
                        size_t cap)
{
  memset(f, 0, sizeof *f);
  MHD_get_connection_values(conn, MHD_HEADER_KIND, &on_header, f);
  if (f->cl_conflict) {
    snprintf(detail, cap, "Content-Length is given more than once, with different values");
    return -1;
  }
  if (f->te != NULL && strcasecmp(f->te, "chunked") != 0) {
    snprintf(detail, cap,
             "Transfer-Encoding \"%.60s\" is not supported: send the body with "
             "Content-Length or as chunked alone", f->te);
    return -1;
  }
  return 0;
}

/* ---------------------------------------------------------------- header watchdog */

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
  struct server *s = cls;
  struct watch *w = *socket_context;

  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    w = calloc(1, sizeof *w);
    if (w == NULL || ci == NULL) { /* unwatched: the idle timeout still applies */
      free(w);
      return;
    }
    w->fd = ci->connect_fd;
    w->over = atomic_fetch_add(&s->conns, 1) >= s->cfg->max_connections;
    clock_gettime(CLOCK_MONOTONIC, &w->since);
    pthread_mutex_lock(&s->lock);
    w->next = s->head.next;
    w->prev = &s->head;
    w->next->prev = w;
    s->head.next = w;
    pthread_mutex_unlock(&s->lock);
    *socket_context = w;
  } else if (w != NULL) { /* MHD_CONNECTION_NOTIFY_CLOSED: before the socket closes */
    pthread_mutex_lock(&s->lock);
    w->prev->next = w->next;
    w->next->prev = w->prev;
    pthread_mutex_unlock(&s->lock);
    atomic_fetch_sub(&s->conns, 1);
    free(w);
    *socket_context = NULL;
  }
}

/* The request line's URI, as soon as it is read (MHD_OPTION_URI_LOG_CALLBACK): its
 * path is kept in the connection's watch. Returns NULL, the request's first state. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  struct watch *w = ci != NULL ? ci->socket_context : NULL;
  (void)cls;
  if (w != NULL)
    snprintf(w->path, sizeof w->path, "%.*s", (int)strcspn(uri, "?"), uri);
  return NULL;
}

/* in_request 1: the headers are complete (r is the request); 0: the request ended,
 * the next one's header phase begins. Returns the connection's watch, or NULL. */
static struct watch *watch_phase(struct server *s, struct MHD_Connection *conn, int in_request,
                                 struct req *r)
{
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  struct watch *w = ci != NULL ? ci->socket_context : NULL;
  if (w == NULL)
    return NULL;
  pthread_mutex_lock(&s->lock);
  w->in_request = in_request;
  w->cur = r;
  if (!in_request)
    clock_gettime(CLOCK_MONOTONIC, &w->since);
  pthread_mutex_unlock(&s->lock);
  return w;
}

/* Every quarter second: shutdown() (not close: the descriptor stays libmicrohttpd's)
 * on each connection whose header phase has lasted longer than --conn-timeout; the
 * event loop then sees the end of the stream and closes it as usual. */
static void *watchdog(void *arg)
{
  struct server *s = arg;
  pthread_mutex_lock(&s->lock);
  while (!s->stopping) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 250 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&s->wake, &s->lock, &until);
    for (struct watch *w = s->head.next; w != &s->head; w = w->next)
      if (!w->in_request && !w->shut && seconds_since(&w->since) > s->cfg->conn_timeout) {
        shutdown(w->fd, SHUT_RDWR);
        w->shut = 1;
      }
  }
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

/* The query string, rebuilt from the arguments libmicrohttpd has split and decoded
 * (the access handler's url has none): each key and value percent-encoded again but
 * for unreserved characters, "k=v" joined by '&'. */
static enum MHD_Result on_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
  static const char hex[] = "0123456789ABCDEF";
  struct buf *b = cls;
  (void)kind;
  if (b->len > 0)
    buf_putc(b, '&');
  for (int part = 0; part < 2; part++) {
    const unsigned char *p = (const unsigned char *)(part == 0 ? key : value);
    if (part == 1) {
      if (value == NULL)
        break;
      buf_putc(b, '=');
    }
    for (; p != NULL && *p != '\0'; p++) {
      if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '-' || *p == '.' || *p == '_' || *p == '~') {
        buf_putc(b, (char)*p);
      } else {
        buf_putc(b, '%');
        buf_putc(b, hex[*p >> 4]);
        buf_putc(b, hex[*p & 15]);
      }
    }
  }
  return MHD_YES;
}

static void set_query(struct MHD_Connection *conn, struct hctx *c)
{
  struct buf b;
  char *q;
  buf_init(&b, 128);
  MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, &on_arg, &b);
  buf_putc(&b, '\0');
  if (!b.failed && b.len > 1 && (q = ctx_alloc(c, b.len)) != NULL) {
    memcpy(q, b.p, b.len);
    c->query = q;
  }
  buf_free(&b);
}

/* A request header, for the handlers (hctx.header). */
static const char *conn_header(void *conn, const char *name)
{
  return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* The first call, with the headers: the request's state, then admission, each refusal
 * queued before any body byte is read: the connection limit (503), the framing (400),
 * the declared size (413), the memory budget (503). */
static enum MHD_Result on_headers(struct server *s, struct MHD_Connection *conn,
                                  const char *url, const char *method, const char *version,
                                  void **req_cls)
{
  struct req *r = calloc(1, sizeof *r);
  struct watch *w;
  struct framing f;
  char detail[256];
  size_t cl = 0, need;

  if (r == NULL)
    return MHD_NO;
  clock_gettime(CLOCK_MONOTONIC, &r->t0);
  snprintf(r->method, sizeof r->method, "%s", method);
  r->path = strdup(url);
  if (r->path == NULL) {
    free(r);
    return MHD_NO;
  }
  r->route = "other";
  read_ids(conn, r);
  *req_cls = r;
  w = watch_phase(s, conn, 1, r);
  metrics_in_flight_add(1);
  if (w != NULL && w->over) {
    r->close = 1;
    snprintf(detail, sizeof detail,
             "the server has its limit of %u connections open; retry later",
             s->cfg->max_connections);
    return reply_now(conn, s, r, http_route_of(url), 503, detail);
  }
  if (read_framing(conn, &f, detail, sizeof detail) != 0) /* the body is dropped */
    return reply_now(conn, s, r, http_route_of(url), 400, detail);
  if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
      MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST) == NULL)
    return reply_now(conn, s, r, http_route_of(url), 400,
                     "an HTTP/1.1 request must have a Host header");
  if (f.cl != NULL) {
    char *end;
    unsigned long long n;
    errno = 0;
    n = strtoull(f.cl, &end, 10);
    if (errno != 0 || n > s->cfg->max_body_bytes) {
      r->too_large = 1;
      return too_large(conn, s, r, http_route_of(url));
    }
    r->cap = (size_t)n;
    cl = (size_t)n;
  }
  {
    /* Binary tensors follow a JSON header of this length: they are to start 8-aligned;
     * and since no element takes more than 8 bytes, bytes of them past 8 per allowed
     * element are over the element limit whatever the header says: refused before the
     * body is read. */
    const char *hl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 "Inference-Header-Content-Length");
    if (hl != NULL && hl[0] >= '0' && hl[0] <= '9') {
      unsigned long long h = strtoull(hl, NULL, 10);
      r->pad = (size_t)((8 - h % 8) % 8);
      if (f.cl != NULL && h <= cl && (cl - h) / 8 > s->cfg->max_elements) {
        snprintf(detail, sizeof detail,
                 "the request holds more than %zu numbers (the element limit): its %zu bytes "
                 "of binary tensors are more than 8 bytes per number allowed",
                 s->cfg->max_elements, cl - (size_t)h);
        r->too_large = 1;
        return reply_now(conn, s, r, http_route_of(url), 413, detail);
      }
    }
  }
  need = admit_estimate(cl);
  if (admit_take(need) != 0) {
    admit_refused();
    no_room(detail, sizeof detail, need);
    return reply_now(conn, s, r, http_route_of(url), 503, detail);
  }
  r->held = need;
  return MHD_YES;
}

/* A part of the body: buffered, within the limit and the budget. A chunked body that
 * passes either is refused at once (the reply written to the socket) and cut off. */
static enum MHD_Result on_body(struct server *s, struct MHD_Connection *conn, const char *url,
                               struct req *r, const char *data, size_t n)
{
  size_t need;
  char detail[256];

  if (r->replied || r->too_large || r->raw) {
    /* dropped: the reply is already decided. A body that goes on well past the
     * limit (a chunked stream with no end) is cut off: the connection is closed. */
    r->dropped += n;
    return r->dropped > CUTOFF_SLACK ? MHD_NO : MHD_YES;
  }
  r->route = http_route_of(url);
  if (n > s->cfg->max_body_bytes - r->len) {
    r->too_large = 1;
    free(r->body);
    r->body = NULL;
    r->len = r->cap = 0;
    snprintf(detail, sizeof detail, "the body is larger than the limit of %zu bytes",
             s->cfg->max_body_bytes);
    raw_reply(s, conn, r, 413, detail, NULL);
    return MHD_YES;
  }
  need = admit_estimate(r->len + n);
  if (need > r->held) {
    /* a chunked body: the holding grows with it, a mebibyte of body at a time */
    size_t more = need - r->held, step = admit_estimate((size_t)1 << 20) - ADMIT_BASE;
    if (more < step && admit_take(step) == 0) {
      r->held += step;
    } else if (admit_take(more) == 0) {
      r->held += more;
    } else {
      admit_refused();
      free(r->body);
      r->body = NULL;
      r->len = r->cap = 0;
      no_room(detail, sizeof detail, need);
      raw_reply(s, conn, r, 503, detail, NULL);
      return MHD_YES;
    }
  }
  if (r->body == NULL || r->len + n > r->cap) {
    size_t cap = r->cap > r->len + n ? r->cap : 16384;
    char *p;
    if (cap > s->cfg->max_body_bytes)
      cap = s->cfg->max_body_bytes;
    while (cap < r->len + n)
      cap = cap > s->cfg->max_body_bytes / 2 ? s->cfg->max_body_bytes : cap * 2;
    p = realloc(r->body, cap + r->pad);
    if (p == NULL)
      return MHD_NO;
    r->body = p;
    r->cap = cap;
  }
  memcpy(r->body + r->pad + r->len, data, n);
  r->len += n;
  return MHD_YES;
}

/* The context of a complete request: its body handed over, its memory holding. The
 * strings method and url live as long as the request. */
static void prepare(struct server *s, struct MHD_Connection *conn, struct req *r,
                    struct hctx *c, const char *method, const char *url)
{
  ctx_init(c, s->cfg, method, url,
           MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
           r->body != NULL ? r->body + r->pad : NULL, r->len);
  c->header = conn_header;
  c->conn = conn;
  c->body_owned = r->body; /* the context frees it as soon as it is parsed */
  set_query(conn, c);
  c->mem_held = r->held;
  c->mem_used = r->len;
  r->held = 0;
  r->body = NULL;
  /* A compressed body (Content-Encoding: gzip) would read as bytes that are not
   * JSON; it is refused as a coding not supported rather than as invalid JSON. */
  {
    const char *ce =
      MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
    r->coded = ce != NULL && ce[0] != '\0' && strcasecmp(ce, "identity") != 0 && r->len > 0;
    if (r->coded)
      c->route = http_route_of(url);
  }
}

/* Routes and runs a prepared request: its reply is set in c. */
static void handle(const struct req *r, struct hctx *c)
{
  if (r->coded) {
    problem(c, 415, NULL, "Content-Encoding %s is not supported: send the body uncompressed",
            c->header(c->conn, MHD_HTTP_HEADER_CONTENT_ENCODING));
    reply_error(c);
  } else {
    http_dispatch(c);
  }
}

/* ---------------------------------------------------------------- Large requests */

/* A connection thread of libmicrohttpd serves all the connections it accepted, one
 * event at a time: while it parses, computes and writes a large request (some 100 ms
 * for 16 MB of numbers), a small request on another of its connections waits. So a
 * request with a large body is handled by threads of its own: its connection is
 * suspended, a large-request thread routes and runs it, and resumes the connection,
 * whose thread then queues the reply. The connection threads go on serving the others.
 * There are --threads large-request threads; a large request still splits its work
 * across the cores (exec). */

static void offload(struct server *s, struct MHD_Connection *conn, struct req *r,
                    struct hctx *c)
{
  r->job = c;
  r->conn = conn;
  r->jnext = NULL;
  MHD_suspend_connection(conn);
  pthread_mutex_lock(&s->jlock);
  if (s->jtail != NULL)
    s->jtail->jnext = r;
  else
    s->jhead = r;
  s->jtail = r;
  pthread_cond_signal(&s->jwake);
  pthread_mutex_unlock(&s->jlock);
}

static void *large_worker(void *arg)
{
  struct server *s = arg;
  pthread_mutex_lock(&s->jlock);
  for (;;) {
    struct req *r;
    while (s->jhead == NULL && !s->jstop)
      pthread_cond_wait(&s->jwake, &s->jlock);
    if (s->jhead == NULL)
      break;
    r = s->jhead;
    s->jhead = r->jnext;
    if (s->jhead == NULL)
      s->jtail = NULL;
    pthread_mutex_unlock(&s->jlock);
    par_hold();
    handle(r, r->job);
    par_release();
    MHD_resume_connection(r->conn);
    pthread_mutex_lock(&s->jlock);
  }
  pthread_mutex_unlock(&s->jlock);
  return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
  struct server *s = cls;
  struct req *r = *req_cls;
  struct hctx c;
  enum MHD_Result ret;

  if (r == NULL)
    return on_headers(s, conn, url, method, version, req_cls);
  if (*upload_data_size != 0) {
    size_t n = *upload_data_size;
    *upload_data_size = 0;
    return on_body(s, conn, url, r, upload_data, n);
  }

  /* The request is complete. */
  if (r->raw)
    return MHD_NO; /* its reply is written: close */
  if (r->replied)
    return MHD_YES;
  if (r->job != NULL) { /* resumed: the reply is ready */
    struct hctx *jc = r->job;
    r->job = NULL;
    r->held = jc->mem_held;
    ret = send_reply(conn, s, r, jc);
    ctx_free(jc);
    free(jc);
    return ret;
  }
  if (r->too_large)
    return too_large(conn, s, r, http_route_of(url));
  if (r->len >= OFFLOAD_MIN && s->njthreads > 0) {
    struct hctx *jc = malloc(sizeof *jc);
    if (jc != NULL) {
      prepare(s, conn, r, jc, method, url);
      offload(s, conn, r, jc);
      return MHD_YES;
    }
  }
  prepare(s, conn, r, &c, method, url);
  handle(r, &c);
  r->held = c.mem_held; /* with what the handling took besides */
  ret = send_reply(conn, s, r, &c);
  ctx_free(&c);
  return ret;
}

/* {"method","path","status","bytes" (response body),"bytes_in" (request body),
 *  "microseconds","request_id","traceparent" (when sent)}, one line, written with one
 *  fwrite so lines never interleave. */
static void access_log(const struct req *r, size_t bytes_in, double secs)
{
  struct buf b;

  buf_init(&b, 256);
  buf_puts(&b, "{\"method\":");
  buf_jstr(&b, r->method);
  buf_puts(&b, ",\"path\":");
  buf_jstr(&b, r->path != NULL ? r->path : "");
  buf_puts(&b, ",\"status\":");
  buf_uint(&b, (size_t)r->status);
  buf_puts(&b, ",\"bytes\":");
  buf_uint(&b, r->bytes_out);
  buf_puts(&b, ",\"bytes_in\":");
  buf_uint(&b, bytes_in);
  buf_puts(&b, ",\"microseconds\":");
  buf_uint(&b, secs > 0 ? (size_t)(secs * 1e6) : 0);
  buf_puts(&b, ",\"request_id\":");
  buf_jstr(&b, r->rid);
  if (r->tp[0] != '\0') {
    buf_puts(&b, ",\"traceparent\":");
    buf_jstr(&b, r->tp);
  }
  buf_puts(&b, "}\n");
  if (!b.failed)
    fwrite(b.p, 1, b.len, stderr);
  buf_free(&b);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
  struct server *s = cls;
  struct req *r = *req_cls;
  double secs;

  (void)toe;
  watch_phase(s, conn, 0, NULL);
  if (r == NULL)
    return;
  *req_cls = NULL;
  secs = seconds_since(&r->t0);
  if (!r->recorded) /* no reply was queued (the client left first) */
    metrics_record(r->route, r->status, secs, r->len, r->bytes_out);
  if (s->cfg->access_log)
    access_log(r, r->len, secs);
  admit_give(r->held);
  if (r->job != NULL) { /* resumed after its client left */
    admit_give(r->job->mem_held);
    ctx_free(r->job);
    free(r->job);
  }
  metrics_in_flight_add(-1);
  free(r->body);
  free(r->path);
  free(r);
}

/* Stops the watchdog and frees the server (the daemon is stopped or never started). */
static void server_free(struct server *s)
{
  if (s->watching) {
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->watchdog, NULL);
  }
  if (s->njthreads > 0) {
    pthread_mutex_lock(&s->jlock);
    s->jstop = 1;
    pthread_cond_broadcast(&s->jwake);
    pthread_mutex_unlock(&s->jlock);
    for (unsigned i = 0; i < s->njthreads; i++)
      pthread_join(s->jthreads[i], NULL);
  }
  free(s->jthreads);
  pthread_mutex_destroy(&s->jlock);
  pthread_cond_destroy(&s->jwake);
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->wake);
  if (the_server == s)
    the_server = NULL;
  free(s);
}

/* The listening socket: cfg->bind resolved (an IPv4 or IPv6 address, or a name such
 * as localhost; all IPv4 addresses when NULL), bound and listening; -1 with the reason
 * on stderr. The port it got is stored in *port. */
static int open_listener(const struct config *cfg, unsigned *port)
{
  struct addrinfo hints, *res = NULL;
  char service[8], host[NI_MAXHOST];
  int fd = -1, err = 0, rc;

  memset(&hints, 0, sizeof hints);
  hints.ai_family = cfg->bind != NULL ? AF_UNSPEC : AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  snprintf(service, sizeof service, "%u", cfg->port);
  rc = getaddrinfo(cfg->bind, service, &hints, &res);
  if (rc != 0) {
    fprintf(stderr, "neurond: cannot listen on %s port %u: the address does not resolve (%s)\n",
            cfg->bind != NULL ? cfg->bind : "*", cfg->port, gai_strerror(rc));
    return -1;
  }
  for (const struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
    int one = 1;
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (a->ai_family == AF_INET6)
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
      err = errno;
      if (getnameinfo(a->ai_addr, a->ai_addrlen, host, sizeof host, NULL, 0,
                      NI_NUMERICHOST) != 0)
        snprintf(host, sizeof host, "?");
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) {
    const char *why = err == EADDRINUSE       ? "the address is in use (another process listens there)"
                      : err == EACCES         ? "permission denied (ports below 1024 need privileges)"
                      : err == EADDRNOTAVAIL  ? "the address is not one of this machine's"
                                              : strerror(err);
    fprintf(stderr, "neurond: cannot listen on %s port %u: %s\n",
            cfg->bind != NULL ? cfg->bind : "*", cfg->port, why);
    return -1;
  }
  {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    *port = cfg->port;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
      *port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
  }
  return fd;
}

/* The memory a reply buffer gives back, from the budget (buf_release's hook). */
static void reply_freed(size_t bytes)
{
  admit_give(bytes);
}

struct server *server_start(const struct config *cfg)
{
  struct server *s = calloc(1, sizeof *s);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC;
  size_t pool;
  int fd;
  struct timespec now;

  if (s == NULL)
    return NULL;
  s->cfg = cfg;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->wake, NULL);
  pthread_mutex_init(&s->jlock, NULL);
  pthread_cond_init(&s->jwake, NULL);
  s->head.next = s->head.prev = &s->head;
  clock_gettime(CLOCK_REALTIME, &now);
  atomic_store(&rid_counter, (unsigned long long)now.tv_nsec * 0x100000001b3u ^
                               (unsigned long long)now.tv_sec << 20 ^ (unsigned long long)getpid());
  admit_init(cfg->max_memory);
  buf_set_release_hook(reply_freed);
  /* poll, not epoll: with libmicrohttpd 0.9.75's edge-triggered epoll, a client that
   * sends half a body and closes at once is sometimes not seen to close, and its
   * request stays open until the connection timeout */
  flags |= MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME;
  s->jthreads = calloc(cfg->threads > 0 ? cfg->threads : 1, sizeof *s->jthreads);
  for (unsigned i = 0; s->jthreads != NULL && i < (cfg->threads > 0 ? cfg->threads : 1); i++)
    if (pthread_create(&s->jthreads[i], NULL, large_worker, s) == 0)
      s->njthreads++;
  fd = open_listener(cfg, &s->port);
  if (fd < 0) {
    server_free(s);
    return NULL;
  }
  /* Two connection threads per thread of --threads: a thread that has just sent a
   * reply is often made to wait for its core by the client it woke, and meanwhile its
   * other connections would wait with it (small requests on a 2-core machine: some
   * 60% of bare libmicrohttpd's rate with one thread per core, 80% with two). No more
   * threads than connections. */
  pool = cfg->threads > 1 ? 2 * cfg->threads : 2;
  if (pool > cfg->max_connections)
    pool = cfg->max_connections > 0 ? cfg->max_connections : 1;
  the_server = s;
  /* The library accepts OVER_SLACK connections past --max-connections: those are
   * answered 503 and closed (on_headers), instead of waiting unanswered in the
   * kernel's queue. */
  s->d = MHD_start_daemon(flags, 0, NULL, NULL, &on_request, s,
                          MHD_OPTION_LISTEN_SOCKET, fd,
                          MHD_OPTION_NOTIFY_COMPLETED, &on_completed, s,
                          MHD_OPTION_NOTIFY_CONNECTION, &on_connection, s,
                          MHD_OPTION_URI_LOG_CALLBACK, &on_uri, s,
                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->conn_timeout,
                          MHD_OPTION_CONNECTION_LIMIT,
                          (unsigned int)(cfg->max_connections + OVER_SLACK),
                          MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)pool,
                          MHD_OPTION_END);
  if (s->d == NULL) {
    fprintf(stderr, "neurond: cannot start serving on %s port %u (libmicrohttpd refused "
                    "its options)\n", cfg->bind != NULL ? cfg->bind : "*", s->port);
    close(fd);
    server_free(s);
    return NULL;
  }
  if (cfg->conn_timeout > 0)
    s->watching = pthread_create(&s->watchdog, NULL, watchdog, s) == 0;
  return s;
}

unsigned server_port(const struct server *s)
{
  return s->port;
}

void server_stop(struct server *s, unsigned grace_ms)
{
  MHD_socket fd;
  unsigned waited = 0;

  if (s == NULL)
    return;
  fd = MHD_quiesce_daemon(s->d);
  if (fd != MHD_INVALID_SOCKET)
    close(fd);
  while (metrics_in_flight() > 0 && waited < grace_ms) {
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    waited += 10;
  }
  MHD_stop_daemon(s->d);
  server_free(s);
}

/* ---------------------------------------------------- The library's own replies */

/* libmicrohttpd 0.9.75 answers some requests itself, without calling the access
 * handler with a chance to reply: a malformed chunked body (400), a Content-Length that
 * is not a number (400) or too large to read (413), an HTTP/1.1 request with no Host
 * (400), a request head larger than its buffer (431). Each such reply is an HTML page
 * with no Content-Type, and after a bad Content-Length its status line and headers go
 * out twice. It has no option or callback for them, and later versions (1.0.1
 * included) write the same pages. Every one of them is made by transmit_error_response
 * in connection.c, which calls MHD_create_response_from_buffer (this program never
 * calls that function itself) and at once MHD_queue_response, both through the
 * library's procedure linkage table. This program defines both: the first marks the
 * response it returns as the library's own, the second, seeing it queued, writes a
 * problem+json reply with one status line to the socket itself, ends the sending side
 * and refuses the library's page: the library then closes the connection, as it does
 * when it cannot queue its page. Every other call goes straight to the library's
 * function. */

static _Thread_local struct MHD_Response *lib_own;
static _Thread_local const char *lib_text; /* the library's page for it */

typedef struct MHD_Response *create_fn(size_t, void *, enum MHD_ResponseMemoryMode);
typedef enum MHD_Result queue_fn(struct MHD_Connection *, unsigned int, struct MHD_Response *);

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
                                                     enum MHD_ResponseMemoryMode mode)
{
  static create_fn *real;
  struct MHD_Response *resp;
  if (real == NULL)
    *(void **)&real = dlsym(RTLD_NEXT, "MHD_create_response_from_buffer");
  if (real == NULL)
    return NULL;
  resp = real(size, buffer, mode);
  lib_own = resp;
  lib_text = mode == MHD_RESPMEM_PERSISTENT ? buffer : NULL;
  return resp;
}

/* The library's own reply to a request with the status given, in words; text is the
 * page it would have sent, which names the part at fault. */
static const char *lib_detail(unsigned status, const char *text)
{
  switch (status) {
  case 400:
    if (text != NULL && strstr(text, "chunked") != NULL)
      return "the chunked body is malformed (a chunk size in hexadecimal digits, CRLF, "
             "the chunk, CRLF; a last chunk of size 0)";
    if (text != NULL && strstr(text, "Content-Length") != NULL)
      return "Content-Length must be a number of bytes in decimal digits";
    if (text != NULL && strstr(text, "Host") != NULL)
      return "an HTTP/1.1 request needs a Host header";
    return "the request is malformed";
  case 413:
    return "the Content-Length is too large to read";
  case 414:
    return "the request line is too long";
  case 431:
    return "the request's head (its request line and headers) is too large";
  default:
    return "the request could not be read";
  }
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *conn, unsigned int status,
                                   struct MHD_Response *resp)
{
  static queue_fn *real;
  if (real == NULL)
    *(void **)&real = dlsym(RTLD_NEXT, "MHD_queue_response");
  if (real == NULL)
    return MHD_NO;
  if (resp != NULL && resp == lib_own && the_server != NULL) {
    const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct watch *w = ci != NULL ? ci->socket_context : NULL;
    lib_own = NULL;
    if (raw_reply(the_server, conn, w != NULL ? w->cur : NULL, (int)status,
                  lib_detail(status, lib_text), w != NULL ? w->path : "") == 0)
      return MHD_NO;
  }
  return real(conn, status, resp);
}

/* end of server.c */
