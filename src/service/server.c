/*
 * server.c: the libmicrohttpd daemon: one request state per request, made on the
 * access handler's first call and freed in the completion callback (the one place);
 * the body buffered into one allocation under --max-body-bytes (413 before any body
 * byte when Content-Length is over it); then the router; metrics when the reply is
 * queued, the access log line at completion.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
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
#include "service/metrics.h"
#include "service/routes.h"
#include "service/server.h"

/* Body bytes read and discarded after a 413 is decided, before the connection is cut. */
#define CUTOFF_SLACK ((size_t)1 << 20)

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
};

/* The state of one request, from the first access-handler call to completion. */
struct req {
  struct timespec t0;
  char method[16];
  char *path;           /* copy, for the access log */
  char *body;
  size_t len, cap;
  int too_large;        /* the body passed the limit: 413 once it ends */
  size_t dropped;       /* body bytes discarded after the decision */
  int replied;          /* a response is queued */
  int status;           /* the status sent (0: none) */
  const char *route;    /* route pattern for metrics */
  size_t bytes_out;
  int recorded;         /* counted in the metrics */
  int coded;            /* the body came with a Content-Encoding other than identity */
};

static double seconds_since(const struct timespec *t0)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Queues the context's reply; takes its body. */
static enum MHD_Result send_reply(struct MHD_Connection *conn, struct req *r, struct hctx *c)
{
  struct MHD_Response *resp;
  enum MHD_Result ret;

  resp = MHD_create_response_from_buffer_with_free_callback(c->resp_len, c->resp, &buf_release);
  if (resp == NULL)
    return MHD_NO;
  c->resp = NULL; /* MHD frees it now */
  if (c->resp_type != NULL)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, c->resp_type);
  if (c->allow != NULL)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, c->allow);
  for (unsigned i = 0; i < c->nhdr; i++)
    MHD_add_response_header(resp, c->hdr_name[i], c->hdr_value[i]);
  if (r->coded) /* RFC 9110 section 15.5.16: the codings that would have been accepted */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_ENCODING, "identity");
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
  reply_problem(&c);
  ret = send_reply(conn, r, &c);
  ctx_free(&c);
  return ret;
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
    free(w);
    *socket_context = NULL;
  }
}

/* in_request 1: the headers are complete; 0: the request ended, the next one's
 * header phase begins. */
static void watch_phase(struct server *s, struct MHD_Connection *conn, int in_request)
{
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  struct watch *w = ci != NULL ? ci->socket_context : NULL;
  if (w == NULL)
    return;
  pthread_mutex_lock(&s->lock);
  w->in_request = in_request;
  if (!in_request)
    clock_gettime(CLOCK_MONOTONIC, &w->since);
  pthread_mutex_unlock(&s->lock);
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

/* The route pattern for a path, for metrics before the router has run. */
static const char *route_of(const char *path)
{
  for (const struct route *rt = http_routes; rt->path != NULL; rt++)
    if (strcmp(rt->path, path) == 0)
      return rt->path;
  return "other";
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

  (void)version;
  if (r == NULL) {
    const char *cl;
    struct framing f;
    char detail[160];
    watch_phase(s, conn, 1);
    r = calloc(1, sizeof *r);
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
    *req_cls = r;
    metrics_in_flight_add(1);
    if (read_framing(conn, &f, detail, sizeof detail) != 0) /* the body is dropped */
      return reply_now(conn, s, r, route_of(url), 400, detail);
    cl = f.cl;
    if (cl != NULL) {
      char *end;
      unsigned long long n;
      errno = 0;
      n = strtoull(cl, &end, 10);
      if (errno != 0 || n > s->cfg->max_body_bytes) {
        r->too_large = 1;
        return too_large(conn, s, r, route_of(url));
      }
      r->cap = (size_t)n;
    }
    return MHD_YES;
  }

  if (*upload_data_size != 0) {
    size_t n = *upload_data_size;
    *upload_data_size = 0;
    if (r->replied || r->too_large) {
      /* dropped: the reply is already decided. A body that goes on well past the
       * limit (a chunked stream with no end) is cut off: the connection is closed. */
      r->dropped += n;
      return r->dropped > CUTOFF_SLACK ? MHD_NO : MHD_YES;
    }
    if (n > s->cfg->max_body_bytes - r->len) {
      r->too_large = 1;
      free(r->body);
      r->body = NULL;
      r->len = r->cap = 0;
      if (too_large(conn, s, r, route_of(url)) != MHD_YES)
        r->replied = 0; /* not now: the 413 goes out when the body ends */
      return MHD_YES;
    }
    if (r->body == NULL || r->len + n > r->cap) {
      size_t cap = r->cap > r->len + n ? r->cap : 16384;
      if (cap > s->cfg->max_body_bytes)
        cap = s->cfg->max_body_bytes;
      char *p;
      while (cap < r->len + n)
        cap = cap > s->cfg->max_body_bytes / 2 ? s->cfg->max_body_bytes : cap * 2;
      p = realloc(r->body, cap);
      if (p == NULL)
        return MHD_NO;
      r->body = p;
      r->cap = cap;
    }
    memcpy(r->body + r->len, upload_data, n);
    r->len += n;
    return MHD_YES;
  }

  /* The request is complete. */
  if (r->replied)
    return MHD_YES;
  if (r->too_large)
    return too_large(conn, s, r, route_of(url));
  ctx_init(&c, s->cfg, method, url,
           MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
           r->body, r->len);
  c.body_owned = r->body; /* the context frees it as soon as it is parsed */
  r->body = NULL;
  set_query(conn, &c);
  {
    /* A compressed body (Content-Encoding: gzip) would read as bytes that are not
     * JSON; it is refused as a coding not supported rather than as invalid JSON. */
    const char *ce =
      MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
    if (ce != NULL && ce[0] != '\0' && strcasecmp(ce, "identity") != 0 && r->len > 0) {
      r->coded = 1;
      c.route = route_of(url);
      problem(&c, 415, NULL,
              "Content-Encoding %s is not supported: send the body uncompressed", ce);
      reply_problem(&c);
    } else {
      http_dispatch(&c);
    }
  }
  ret = send_reply(conn, r, &c);
  ctx_free(&c);
  return ret;
}

/* {"method","path","status","bytes" (response body),"bytes_in" (request body),
 *  "microseconds"}, one line, written with one fwrite so lines never interleave. */
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
  watch_phase(s, conn, 0);
  if (r == NULL)
    return;
  *req_cls = NULL;
  secs = seconds_since(&r->t0);
  if (!r->recorded) /* no reply was queued (the client left first) */
    metrics_record(r->route, r->status, secs, r->len, r->bytes_out);
  if (s->cfg->access_log)
    access_log(r, r->len, secs);
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
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->wake);
  free(s);
}

struct server *server_start(const struct config *cfg)
{
  struct server *s = calloc(1, sizeof *s);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC;
  struct sockaddr_in sin;
  struct sockaddr_in6 sin6;
  const struct sockaddr *addr = NULL;
  const union MHD_DaemonInfo *info;
  size_t pool;

  if (s == NULL)
    return NULL;
  s->cfg = cfg;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->wake, NULL);
  s->head.next = s->head.prev = &s->head;
  /* poll, not epoll: with libmicrohttpd 0.9.75's edge-triggered epoll, a client that
   * sends half a body and closes at once is sometimes not seen to close, and its
   * request stays open until the connection timeout */
  flags |= MHD_USE_POLL;
  if (cfg->bind != NULL) {
    memset(&sin, 0, sizeof sin);
    memset(&sin6, 0, sizeof sin6);
    if (inet_pton(AF_INET, cfg->bind, &sin.sin_addr) == 1) {
      sin.sin_family = AF_INET;
      sin.sin_port = htons((uint16_t)cfg->port);
      addr = (const struct sockaddr *)&sin;
    } else if (inet_pton(AF_INET6, cfg->bind, &sin6.sin6_addr) == 1) {
      sin6.sin6_family = AF_INET6;
      sin6.sin6_port = htons((uint16_t)cfg->port);
      addr = (const struct sockaddr *)&sin6;
      flags |= MHD_USE_IPv6;
    } else {
      fprintf(stderr, "neurond: --bind %s is not an IPv4 or IPv6 address\n", cfg->bind);
      server_free(s);
      return NULL;
    }
  }
  /* Two connection threads per thread of --threads: a thread that has just sent a
   * reply is often made to wait for its core by the client it woke, and meanwhile its
   * other connections would wait with it (small requests on a 2-core machine: some
   * 60% of bare libmicrohttpd's rate with one thread per core, 80% with two). No more
   * threads than connections. */
  pool = cfg->threads > 1 ? 2 * cfg->threads : 2;
  if (pool > cfg->max_connections)
    pool = cfg->max_connections > 0 ? cfg->max_connections : 1;
  s->d = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, &on_request, s,
                          MHD_OPTION_NOTIFY_COMPLETED, &on_completed, s,
                          MHD_OPTION_NOTIFY_CONNECTION, &on_connection, s,
                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->conn_timeout,
                          MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_connections,
                          MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)pool,
                          addr != NULL ? MHD_OPTION_SOCK_ADDR : MHD_OPTION_END, addr,
                          MHD_OPTION_END);
  if (s->d == NULL) {
    fprintf(stderr, "neurond: cannot listen on %s port %u\n",
            cfg->bind != NULL ? cfg->bind : "*", cfg->port);
    server_free(s);
    return NULL;
  }
  if (cfg->conn_timeout > 0)
    s->watching = pthread_create(&s->watchdog, NULL, watchdog, s) == 0;
  info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
  s->port = info != NULL && info->port != 0 ? info->port : cfg->port;
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

/* end of server.c */
