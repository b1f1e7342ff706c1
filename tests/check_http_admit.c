/*
 * check_http_admit.c: admission and what every reply says about itself, against the
 * real build/neurond: the memory budget (503 with Retry-After before a body is read, a
 * chunked body cut off with a reply the client sees), readiness and draining, the
 * connection limit, the replies libmicrohttpd would write itself (problem+json, one
 * status line), request ids and trace context, CORS, --version, build information,
 * --bind with a name and the reason a port cannot be had; and the routes and fields
 * of the catalog of losses, mse, scheme aliases, /init's bias, /neuron/backward's
 * outputs and a number as the bias of a one-neuron layer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/server.h"
#include "testutil.h"

/* ========================================================== raw sockets */

static int raw_connect(const struct srv *s)
{
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)s->port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  return fd;
}

static void raw_send(int fd, const char *p, size_t n)
{
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0)
      return; /* the server may have cut the connection: what it sent is read next */
    p += w;
    n -= (size_t)w;
  }
}

/* Reads until the peer closes or ms pass; NUL-terminated, returns the length. */
static size_t raw_read(int fd, char *buf, size_t cap, int ms)
{
  size_t n = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    long spent;
    ssize_t r;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    spent = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    if (spent >= ms || poll(&p, 1, (int)(ms - spent)) <= 0)
      break;
    r = recv(fd, buf + n, cap - 1 - n, 0);
    if (r <= 0)
      break;
    n += (size_t)r;
    if (n == cap - 1)
      break;
  }
  buf[n] = '\0';
  return n;
}

/* Sends a request on a new connection and reads the reply until the server closes. */
static void raw_exchange(const struct srv *s, const char *req, size_t len, char *buf,
                         size_t cap)
{
  int fd = raw_connect(s);
  raw_send(fd, req, len);
  raw_read(fd, buf, cap, 5000);
  close(fd);
}

/* Occurrences of needle in hay. */
static int count(const char *hay, const char *needle)
{
  int n = 0;
  for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
    n++;
  return n;
}

/* The value of a metric line "name value" in /metrics, or -1. */
static double metric(const struct srv *s, const char *name)
{
  struct resp r;
  char key[128];
  const char *at;
  double v = -1;
  ck_assert_int_eq(http_get(s, "/metrics", &r), 0);
  snprintf(key, sizeof key, "\n%s ", name);
  at = strstr(r.body, key);
  if (at != NULL)
    v = strtod(at + strlen(key), NULL);
  resp_free(&r);
  return v;
}

/* ======================================================== memory budget */

START_TEST(test_budget)
{
  static const char *const args[] = {"--no-access-log", "--max-memory", "4M", NULL};
  struct srv s;
  struct resp r;
  char buf[8192], *big;
  int fd;
  ck_assert_int_eq(srv_start(&s, args), 0);
  ck_assert(metric(&s, "neurond_memory_budget_bytes") == 4 << 20);

  /* an estimate over the budget: 503 with Retry-After before any body byte is sent */
  raw_exchange(&s, "POST /activate HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n",
               62, buf, sizeof buf);
  ck_assert_msg(strncmp(buf, "HTTP/1.1 503", 12) == 0, "%s", buf);
  ck_assert(strstr(buf, "Retry-After: 1\r\n") != NULL);
  ck_assert(strstr(buf, "application/problem+json") != NULL);
  ck_assert(strstr(buf, "memory budget") != NULL);

  /* a chunked body that grows past the budget: cut off, and the client sees the 503 */
  big = malloc(2 << 20);
  ck_assert_ptr_nonnull(big);
  memset(big, ' ', 2 << 20);
  ck_assert_int_eq(http_req_ex(&s, "POST", "/activate", NULL, big, 2 << 20, 1, &r), 0);
  ck_assert_int_eq(r.status, 503);
  ck_assert_str_eq(r.retry_after, "1");
  ck_assert_str_eq(r.ctype, "application/problem+json");
  resp_free(&r);
  free(big);
  /* what the cut-off request held comes back once the server sees the connection end */
  for (int i = 0; i < 50; i++) {
    double v = metric(&s, "neurond_memory_in_use_bytes"); /* -1: the scrape was refused */
    if (v >= 0 && v <= 65536)
      break;
    usleep(100000);
  }

  /* requests that fit are answered, and give back what they held */
  ck_assert_int_eq(http_post_json(&s, "/activate", "{\"activation\":\"relu\",\"x\":[1,-1]}", &r),
                   0);
  ck_assert_msg(r.status == 200, "%s (in use %.0f)", r.body, metric(&s, "neurond_memory_in_use_bytes"));
  resp_free(&r);
  /* the reply's hold ends when the library frees it, just after the client has it */
  for (int i = 0; i < 50; i++) {
    double v = metric(&s, "neurond_memory_in_use_bytes");
    if (v >= 0 && v <= 65536) /* the scrape's own */
      break;
    ck_assert_msg(i < 49, "%.0f bytes still held", v);
    usleep(100000);
  }
  ck_assert(metric(&s, "neurond_memory_refused_total") >= 2);

  /* readiness: not ready while a request holds most of the budget */
  ck_assert_int_eq(http_get(&s, "/readyz", &r), 0);
  ck_assert_int_eq(r.status, 200);
  resp_free(&r);
  fd = raw_connect(&s);
  raw_send(fd, "POST /activate HTTP/1.1\r\nHost: x\r\nContent-Length: 750000\r\n\r\n{", 62);
  usleep(200000);
  ck_assert_int_eq(http_get(&s, "/readyz", &r), 0);
  ck_assert_int_eq(r.status, 503);
  ck_assert_str_eq(r.retry_after, "1");
  ck_assert_msg(strstr(r.body, "exhausted") != NULL, "%s", r.body);
  resp_free(&r);
  ck_assert(metric(&s, "neurond_ready") == 0);
  close(fd);
  for (int i = 0; i < 50; i++) { /* the held request ends when the server sees the close */
    ck_assert_int_eq(http_get(&s, "/readyz", &r), 0);
    if (r.status == 200)
      break;
    resp_free(&r);
    usleep(100000);
  }
  ck_assert_int_eq(r.status, 200);
  resp_free(&r);
  ck_assert_int_eq(srv_stop(&s), 0);
}
END_TEST

/* A chunked body over --max-body-bytes: libcurl (as curl -H "Transfer-Encoding:
 * chunked" does) gets the 413, not a broken connection. */
START_TEST(test_chunked_over_limit_seen)
{
  static const char *const args[] = {"--no-access-log", "--max-body-bytes", "1000", NULL};
  struct srv s;
  struct resp r;
  static char body[3 << 20];
  memset(body, ' ', sizeof body);
  ck_assert_int_eq(srv_start(&s, args), 0);
  ck_assert_int_eq(http_req_ex(&s, "POST", "/activate", NULL, body, sizeof body, 1, &r), 0);
  ck_assert_int_eq(r.curl_rc, 0);
  ck_assert_int_eq(r.status, 413);
  ck_assert_str_eq(r.ctype, "application/problem+json");
  resp_free(&r);
  ck_assert_int_eq(http_req_ex(&s, "POST", "/activate", NULL, body, 1500, 1, &r), 0);
  ck_assert_int_eq(r.status, 413);
  resp_free(&r);
  ck_assert_int_eq(srv_stop(&s), 0);
}
END_TEST

/* ========================================================= connections */

START_TEST(test_max_connections)
{
  static const char *const args[] = {"--no-access-log", "--max-connections", "2", NULL};
  struct srv s;
  struct resp r;
  char buf[4096];
  int a, b, c;
  ck_assert_int_eq(srv_start(&s, args), 0);
  a = raw_connect(&s);
  b = raw_connect(&s);
  usleep(100000);
  c = raw_connect(&s);
  raw_send(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 34);
  raw_read(c, buf, sizeof buf, 3000);
  close(c);
  ck_assert_msg(strncmp(buf, "HTTP/1.1 503", 12) == 0, "%s", buf);
  ck_assert(strstr(buf, "Connection: close\r\n") != NULL);
  ck_assert(strstr(buf, "Retry-After: 1\r\n") != NULL);
  ck_assert(strstr(buf, "limit of 2 connections") != NULL);
  close(a);
  close(b);
  usleep(200000);
  ck_assert_int_eq(http_get(&s, "/healthz", &r), 0);
  ck_assert_int_eq(r.status, 200);
  resp_free(&r);
  ck_assert_int_eq(srv_stop(&s), 0);
}
END_TEST

/* ============================================== the library's own replies */

START_TEST(test_library_replies)
{
  static const char *const quiet[] = {"--no-access-log", NULL};
  static const char *const reqs[] = {
    "POST /activate HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "POST /activate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "POST /activate HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
  };
  static const char *const want[] = {"HTTP/1.1 400 ", "HTTP/1.1 400 ", "HTTP/1.1 413 "};
  struct srv s;
  static char buf[1 << 17], req[1 << 17];
  size_t n;
  ck_assert_int_eq(srv_start(&s, quiet), 0);
  for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
    raw_exchange(&s, reqs[i], strlen(reqs[i]), buf, sizeof buf);
    ck_assert_msg(strncmp(buf, want[i], strlen(want[i])) == 0, "%s", buf);
    ck_assert_msg(count(buf, "HTTP/1.1 ") == 1, "more than one status line: %s", buf);
    ck_assert(strstr(buf, "Content-Type: application/problem+json\r\n") != NULL);
    ck_assert(strstr(buf, "X-Request-Id: ") != NULL);
    ck_assert(strstr(buf, "{\"type\":\"about:blank\"") != NULL);
    ck_assert(strstr(buf, "<html>") == NULL);
  }
  /* a head over the library's buffer: 431, problem+json */
  n = (size_t)snprintf(req, sizeof req, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ");
  memset(req + n, 'a', 80000);
  n += 80000;
  n += (size_t)snprintf(req + n, sizeof req - n, "\r\n\r\n");
  raw_exchange(&s, req, n, buf, sizeof buf);
  ck_assert_msg(strncmp(buf, "HTTP/1.1 431 ", 13) == 0, "%s", buf);
  ck_assert(strstr(buf, "application/problem+json") != NULL);
  ck_assert(count(buf, "HTTP/1.1 ") == 1);
  /* and the server goes on serving */
  raw_exchange(&s, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 53, buf,
               sizeof buf);
  ck_assert_msg(strncmp(buf, "HTTP/1.1 200 ", 13) == 0, "%s", buf);
  ck_assert_int_eq(srv_stop(&s), 0);
}
END_TEST

/* ============================================== request ids and tracing */

START_TEST(test_request_ids)
{
  static const char *const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const char *h1[] = {"X-Request-Id: req-42", NULL};
  const char *h2[] = {"traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                      NULL};
  const char *h3[] = {"X-Request-Id: has space", "traceparent: 00-zz-bad", NULL};
  char logpath[] = "/tmp/neurond-rid-XXXXXX", line[2048];
  int fd = mkstemp(logpath), saved = dup(2), seen = 0;
  struct srv s;
  struct resp r;
  FILE *f;
  ck_assert_int_ge(fd, 0);
  dup2(fd, 2);
  ck_assert_int_eq(srv_start(&s, NULL), 0);
  dup2(saved, 2);
  close(saved);

  ck_assert_int_eq(http_req_ex(&s, "GET", "/healthz", h1, NULL, 0, 0, &r), 0);
  ck_assert_str_eq(r.rid, "req-42");
  resp_free(&r);
  ck_assert_int_eq(http_req_ex(&s, "GET", "/healthz", h2, NULL, 0, 0, &r), 0);
  ck_assert_str_eq(r.rid, "0af7651916cd43dd8448eb211c80319c"); /* the trace id */
  ck_assert_str_eq(r.traceparent, tp);
  resp_free(&r);
  ck_assert_int_eq(http_req_ex(&s, "GET", "/nope", h3, NULL, 0, 0, &r), 0);
  ck_assert_int_eq(r.status, 404);
  ck_assert_uint_eq(strlen(r.rid), 32); /* made here: 32 hex digits */
  ck_assert_uint_eq(strspn(r.rid, "0123456789abcdef"), 32);
  ck_assert_str_eq(r.traceparent, "");
  resp_free(&r);
  ck_assert_int_eq(srv_stop(&s), 0);

  f = fdopen(fd, "r");
  rewind(f);
  while (fgets(line, sizeof line, f) != NULL) {
    cJSON *d;
    const cJSON *rid;
    if (strncmp(line, "==", 2) == 0)
      continue; /* a wrapper's own lines (valgrind) */
    d = cJSON_Parse(line);
    rid = cJSON_GetObjectItem(d, "request_id");
    ck_assert_msg(cJSON_IsString(rid), "%s", line);
    if (strcmp(rid->valuestring, "req-42") == 0)
      seen |= 1;
    if (strcmp(rid->valuestring, "0af7651916cd43dd8448eb211c80319c") == 0 &&
        cJSON_IsString(cJSON_GetObjectItem(d, "traceparent")))
      seen |= 2;
    cJSON_Delete(d);
  }
  fclose(f);
  unlink(logpath);
  ck_assert_int_eq(seen, 3);
}
END_TEST

/* ================================================================ CORS */

START_TEST(test_cors)
{
  static const char *const two[] = {"--no-access-log", "--cors-origin", "https://a.example",
                                    "--cors-origin", "https://b.example", NULL};
  static const char *const any[] = {"--no-access-log", "--cors-origin", "*", NULL};
  static const char *const off[] = {"--no-access-log", NULL};
  const char *pre[] = {"Origin: https://a.example", "Access-Control-Request-Method: POST",
                       "Access-Control-Request-Headers: content-type, x-request-id", NULL};
  const char *from_b[] = {"Origin: https://b.example", NULL};
  const char *from_c[] = {"Origin: https://c.example", NULL};
  struct srv s;
  struct resp r;
  char buf[4096], req[512];
  size_t n;

  ck_assert_int_eq(srv_start(&s, off), 0);
  ck_assert_int_eq(http_req_ex(&s, "OPTIONS", "/activate", pre, NULL, 0, 0, &r), 0);
  ck_assert_int_eq(r.status, 405); /* no CORS unless asked for */
  ck_assert_str_eq(r.acao, "");
  resp_free(&r);
  ck_assert_int_eq(srv_stop(&s), 0);

  ck_assert_int_eq(srv_start(&s, two), 0);
  ck_assert_int_eq(http_req_ex(&s, "OPTIONS", "/activate", pre, NULL, 0, 0, &r), 0);
  ck_assert_int_eq(r.status, 204);
  ck_assert_str_eq(r.acao, "https://a.example");
  ck_assert_uint_eq(r.len, 0);
  resp_free(&r);
  ck_assert_int_eq(http_req_ex(&s, "POST", "/activate", from_b,
                               "{\"activation\":\"relu\",\"x\":1}", 27, 0, &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(r.acao, "https://b.example");
  resp_free(&r);
  ck_assert_int_eq(http_req_ex(&s, "GET", "/healthz", from_c, NULL, 0, 0, &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(r.acao, ""); /* an origin not listed */
  resp_free(&r);
  /* and on a reply made before routing */
  n = (size_t)snprintf(req, sizeof req, "POST /activate HTTP/1.1\r\nHost: x\r\n"
                                        "Origin: https://b.example\r\n"
                                        "Content-Length: 999999999999\r\n\r\n");
  raw_exchange(&s, req, n, buf, sizeof buf);
  ck_assert_msg(strncmp(buf, "HTTP/1.1 413", 12) == 0, "%s", buf);
  ck_assert(strstr(buf, "Access-Control-Allow-Origin: https://b.example\r\n") != NULL);
  ck_assert_int_eq(srv_stop(&s), 0);

  ck_assert_int_eq(srv_start(&s, any), 0);
  ck_assert_int_eq(http_req_ex(&s, "GET", "/activations/relu", from_c, NULL, 0, 0, &r), 0);
  ck_assert_str_eq(r.acao, "*");
  resp_free(&r);
  ck_assert_int_eq(srv_stop(&s), 0);
}
END_TEST

/* ======================================================== draining */

START_TEST(test_draining)
{
  static const char *const args[] = {"--no-access-log", "--drain-seconds", "2", NULL};
  struct srv s;
  struct resp r;
  int status = 0;
  ck_assert_int_eq(srv_start(&s, args), 0);
  ck_assert_int_eq(http_get(&s, "/readyz", &r), 0);
  ck_assert_int_eq(r.status, 200);
  resp_free(&r);
  kill(s.pid, SIGTERM);
  usleep(300000);
  /* draining: not ready, still serving, each reply closing its connection */
  ck_assert_int_eq(http_get(&s, "/readyz", &r), 0);
  ck_assert_int_eq(r.status, 503);
  ck_assert_msg(strstr(r.body, "draining") != NULL, "%s", r.body);
  resp_free(&r);
  ck_assert_int_eq(http_post_json(&s, "/activate", "{\"activation\":\"relu\",\"x\":1}", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(r.connection, "close");
  resp_free(&r);
  ck_assert_int_eq(waitpid(s.pid, &status, 0), s.pid);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

/* ============================================ version, listening, metrics */


START_TEST(test_version_and_listening)
{
  const char *bin = getenv("NEUROND_BIN") != NULL ? getenv("NEUROND_BIN") : "build/neurond";
  const char *version[] = {bin, "--version", NULL};
  static const char *const localhost[] = {"--no-access-log", "--bind", "localhost", NULL};
  char out[4096], port[16];
  const char *busy[] = {bin, "--port", port, "--bind", "127.0.0.1", NULL};
  struct srv s;
  struct resp r;
  if (getenv("NEUROND_WRAP") != NULL)
    return;
  ck_assert_int_eq(srv_run(version, out, sizeof out), 0);
  ck_assert_msg(strncmp(out, "neurond ", 8) == 0 && strstr(out, "(commit ") != NULL, "%s", out);

  /* --bind takes a name */
  ck_assert_int_eq(srv_start(&s, localhost), 0);
  ck_assert_int_eq(http_get(&s, "/metrics", &r), 0);
  ck_assert_msg(strstr(r.body, "\nneurond_build_info{version=\"") != NULL, "%s", r.body);
  ck_assert(strstr(r.body, "\",commit=\"") != NULL);
  resp_free(&r);
  /* a port in use: the reason is said */
  snprintf(port, sizeof port, "%u", s.port);
  ck_assert_int_ne(srv_run(busy, out, sizeof out), 0);
  ck_assert_msg(strstr(out, "in use") != NULL, "%s", out);
  ck_assert_int_eq(srv_stop(&s), 0);
}
END_TEST

/* ===================================================== the new fields */

START_TEST(test_losses_and_fields)
{
  static const char *const quiet[] = {"--no-access-log", NULL};
  struct srv s;
  struct resp r;
  cJSON *d;
  ck_assert_int_eq(srv_start(&s, quiet), 0);

  ck_assert_int_eq(http_get(&s, "/losses", &r), 0);
  ck_assert_int_eq(r.status, 200);
  d = cJSON_Parse(r.body);
  ck_assert_int_eq(cJSON_GetObjectItem(d, "count")->valueint, 5);
  for (const cJSON *e = cJSON_GetObjectItem(d, "losses")->child; e != NULL; e = e->next) {
    ck_assert(cJSON_IsString(cJSON_GetObjectItem(e, "formula")));
    ck_assert(cJSON_IsString(cJSON_GetObjectItem(e, "gradient")));
    ck_assert(cJSON_IsString(cJSON_GetObjectItem(e, "reduction")));
  }
  cJSON_Delete(d);
  resp_free(&r);

  /* mse: the mean over elements; squared: 1/2 the row sum, over samples */
  ck_assert_int_eq(http_post_json(&s, "/loss", "{\"loss\":\"mse\",\"input\":[[1,2,3]],"
                                               "\"targets\":[[0,0,0]]}", &r), 0);
  ck_assert_msg(strstr(r.body, "\"loss\":4.666666666666667,") != NULL, "%s", r.body);
  ck_assert(strstr(r.body, "\"grad_input\":[[0.6666666666666666,1.3333333333333333,2]]") !=
            NULL);
  resp_free(&r);
  ck_assert_int_eq(http_post_json(&s, "/loss", "{\"loss\":\"squared\",\"input\":[[1,2,3]],"
                                               "\"targets\":[[0,0,0]]}", &r), 0);
  ck_assert_msg(strstr(r.body, "\"loss\":7,") != NULL, "%s", r.body);
  resp_free(&r);
  /* mse as a neuron's loss: dL/da = 2 (a - t) / K */
  ck_assert_int_eq(http_post_json(&s, "/neuron/backward",
                                  "{\"weights\":[[1,0],[0,1]],\"x\":[3,5],\"targets\":[1,1],"
                                  "\"loss\":\"mse\",\"outputs\":[\"loss\",\"grad_z\"]}", &r), 0);
  ck_assert_msg(strcmp(r.body, "{\"activation\":\"identity\",\"params\":{},\"loss\":10,"
                               "\"grad_z\":[2,4]}") == 0, "%s", r.body);
  resp_free(&r);

  /* scheme aliases, and a zero bias with the weights */
  ck_assert_int_eq(http_post_json(&s, "/init", "{\"scheme\":\"kaiming_uniform\",\"shape\":[2,3],"
                                               "\"seed\":42}", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert(strstr(r.body, "\"scheme\":\"he_uniform\"") != NULL);
  ck_assert(strstr(r.body, "\"weights\":[[-1.1770132602655197,") != NULL); /* he_uniform's */
  ck_assert_msg(strstr(r.body, ",\"bias\":[0,0]}") != NULL, "%s", r.body);
  resp_free(&r);
  ck_assert_int_eq(http_post_json(&s, "/init", "{\"scheme\":\"glorot_normal\",\"shape\":[3]}",
                                  &r), 0);
  ck_assert_msg(strstr(r.body, ",\"bias\":0}") != NULL, "%s", r.body);
  resp_free(&r);

  /* a number as the bias of a layer of one neuron; refused, with the rule, for K > 1 */
  ck_assert_int_eq(http_post_json(&s, "/neuron/forward", "{\"weights\":[[1,2]],\"bias\":0.5,"
                                                         "\"x\":[1,1]}", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strstr(r.body, "\"z\":[3.5]") != NULL, "%s", r.body);
  resp_free(&r);
  ck_assert_int_eq(http_post_json(&s, "/neuron/forward", "{\"weights\":[[1,2],[3,4]],"
                                                         "\"bias\":0.5,\"x\":[1,1]}", &r), 0);
  ck_assert_int_eq(r.status, 422);
  ck_assert(strstr(r.body, "one neuron") != NULL);
  resp_free(&r);

  /* outputs on /neuron/backward: only those asked; outputs needing what was not sent */
  ck_assert_int_eq(http_post_json(&s, "/neuron/backward",
                                  "{\"weights\":[1,2],\"x\":[[1,1],[2,0]],\"targets\":[1,0],"
                                  "\"loss\":\"squared\",\"learning_rate\":0.5,"
                                  "\"outputs\":[\"updated\",\"loss\"]}", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strstr(r.body, "\"grad_x\"") == NULL && strstr(r.body, "\"z\"") == NULL &&
                  strstr(r.body, "\"loss\":") != NULL && strstr(r.body, "\"updated\":") != NULL,
                "%s", r.body);
  resp_free(&r);
  ck_assert_int_eq(http_post_json(&s, "/neuron/backward",
                                  "{\"weights\":[1,2],\"x\":[1,1],\"grad_a\":1,"
                                  "\"outputs\":[\"updated\"]}", &r), 0);
  ck_assert_int_eq(r.status, 422);
  resp_free(&r);
  ck_assert_int_eq(srv_stop(&s), 0);
}
END_TEST

static Suite *admit_suite(void)
{
  Suite *s = suite_create("http_admit");
  TCase *tc = tcase_create("admit");
  tcase_set_timeout(tc, getenv("NEUROND_WRAP") != NULL ? 600 : 60);
  tcase_add_test(tc, test_budget);
  tcase_add_test(tc, test_chunked_over_limit_seen);
  tcase_add_test(tc, test_max_connections);
  tcase_add_test(tc, test_library_replies);
  tcase_add_test(tc, test_request_ids);
  tcase_add_test(tc, test_cors);
  tcase_add_test(tc, test_draining);
  tcase_add_test(tc, test_version_and_listening);
  tcase_add_test(tc, test_losses_and_fields);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(admit_suite)
