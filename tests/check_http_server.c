/*
 * check_http_server.c: what every route shares, against the real build/neurond: the
 * GET routes, 404/405/400/413/415, limits enforced before the body is read, many
 * clients at once, a client that hangs up mid-body, shutdown with a request in flight,
 * the access log and the flags.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "engine.h"
#include "lib/server.h"
#include "testutil.h"

static const char *const quiet[] = {"--no-access-log", NULL};

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
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void raw_send(int fd, const char *s, size_t n)
{
  while (n > 0) {
    ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
    ck_assert_msg(w > 0, "send: %s", strerror(errno));
    s += w;
    n -= (size_t)w;
  }
}

static void raw_sends(int fd, const char *s)
{
  raw_send(fd, s, strlen(s));
}

/* Reads until the peer closes or `ms` pass; returns the bytes read (NUL-terminated). */
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

/* Reads a whole HTTP/1.1 response (headers and a Content-Length body) of any size, for
 * up to `ms`; returns a malloc'd NUL-terminated text and its length in *n. */
static char *raw_read_response(int fd, size_t *n, int ms)
{
  size_t cap = 1 << 16, len = 0, want = (size_t)-1;
  char *p = malloc(cap);
  struct timespec t0, t1;
  ck_assert_ptr_nonnull(p);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  while (len < want) {
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    long spent;
    ssize_t r;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    spent = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    if (spent >= ms || poll(&pf, 1, (int)(ms - spent)) <= 0)
      break;
    if (cap - len < 4096) {
      cap *= 2;
      p = realloc(p, cap);
      ck_assert_ptr_nonnull(p);
    }
    r = recv(fd, p + len, cap - 1 - len, 0);
    if (r <= 0)
      break;
    len += (size_t)r;
    p[len] = '\0';
    if (want == (size_t)-1) {
      const char *end = strstr(p, "\r\n\r\n"), *cl = strstr(p, "Content-Length: ");
      if (end != NULL && cl != NULL && cl < end)
        want = (size_t)(end + 4 - p) + strtoul(cl + 16, NULL, 10);
    }
  }
  p[len] = '\0';
  *n = len;
  return p;
}

/* Whether p[0..n) is well-formed UTF-8 (RFC 3629). */
static int utf8_valid(const unsigned char *p, size_t n)
{
  size_t i = 0;
  while (i < n) {
    unsigned c = p[i], need;
    unsigned long cp;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF)
      need = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
      need = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
      need = 3, cp = c & 0x07;
    else
      return 0;
    if (i + need >= n) /* the sequence runs past the end */
      return 0;
    for (unsigned k = 1; k <= need; k++) {
      if ((p[i + k] & 0xC0) != 0x80)
        return 0;
      cp = cp << 6 | (p[i + k] & 0x3F);
    }
    if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    i += need + 1;
  }
  return 1;
}

/* =============================================================== GETs */

START_TEST(test_get_routes)
{
  struct srv s;
  struct resp r;
  cJSON *d;
  FILE *f;
  ck_assert_int_eq(srv_start(&s, quiet), 0);

  ck_assert_int_eq(http_get(&s, "/healthz", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(r.body, "{\"status\":\"ok\"}");
  resp_free(&r);

  ck_assert_int_eq(http_get(&s, "/activations", &r), 0);
  ck_assert_int_eq(r.status, 200);
  d = cJSON_Parse(r.body);
  ck_assert_int_eq(cJSON_GetObjectItem(d, "count")->valueint, 34); /* the contract's table */
  ck_assert_int_eq(cJSON_GetObjectItem(d, "count")->valueint, (int)eng_activation_count());
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(d, "activations")),
                   (int)eng_activation_count());
  for (const cJSON *e = cJSON_GetObjectItem(d, "activations")->child; e != NULL; e = e->next) {
    static const char *const keys[] = {"name", "aliases", "kind", "parameters", "formula",
                                       "derivative", "kinks", "outputs", "ulp"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
      ck_assert_msg(cJSON_GetObjectItem(e, keys[k]) != NULL, "catalog entry lacks %s", keys[k]);
    ck_assert(cJSON_GetObjectItem(e, "ulp")->valuedouble <= 9);
    /* every parameter: its default, its valid range, whether it is differentiable */
    for (const cJSON *p = cJSON_GetObjectItem(e, "parameters")->child; p != NULL; p = p->next) {
      ck_assert(cJSON_GetObjectItem(p, "default") != NULL);
      ck_assert(cJSON_IsString(cJSON_GetObjectItem(p, "range")));
      ck_assert(cJSON_IsBool(cJSON_GetObjectItem(p, "differentiable")));
    }
  }
  cJSON_Delete(d);
  resp_free(&r);

  ck_assert_int_eq(http_get(&s, "/activations/silu", &r), 0);
  ck_assert_int_eq(r.status, 200);
  d = cJSON_Parse(r.body);
  ck_assert_str_eq(cJSON_GetObjectItem(d, "name")->valuestring, "swish");
  ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "parameters"), 0),
                                       "name")->valuestring,
                   "beta");
  cJSON_Delete(d);
  resp_free(&r);
  ck_assert_int_eq(http_get(&s, "/activations/softplus", &r), 0);
  ck_assert_msg(strstr(r.body, "\"range\":\"(0, inf)\"") != NULL, "%s", r.body);
  resp_free(&r);
  /* the second derivative's rule where the pieces switch, beside the first's */
  ck_assert_int_eq(http_get(&s, "/activations/elu", &r), 0);
  d = cJSON_Parse(r.body);
  ck_assert_str_eq(cJSON_GetObjectItem(d, "kinks")->valuestring, "elu'(0) = alpha");
  ck_assert_msg(strstr(cJSON_GetObjectItem(d, "kinks2")->valuestring, "elu''(0) = 0") != NULL,
                "%s", r.body);
  ck_assert(cJSON_GetObjectItem(d, "ulp")->valuedouble == 0);
  cJSON_Delete(d);
  resp_free(&r);
  ck_assert_int_eq(http_get(&s, "/activations/nope", &r), 0);
  ck_assert_int_eq(r.status, 404);
  ck_assert_str_eq(r.ctype, "application/problem+json");
  ck_assert(strstr(r.body, "softmax") != NULL);
  ck_assert_msg(strstr(r.body, "swish (silu)") != NULL, "%s", r.body); /* with aliases */
  resp_free(&r);

  ck_assert_int_eq(http_get(&s, "/openapi.yaml", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strncmp(r.ctype, "application/yaml", 16) == 0, "%s", r.ctype);
  f = fopen("openapi.yaml", "rb");
  if (f != NULL) { /* the served document is the repository's */
    static char file[1 << 20];
    size_t n = fread(file, 1, sizeof file, f);
    fclose(f);
    ck_assert_uint_eq(n, r.len);
    ck_assert(memcmp(file, r.body, n) == 0);
  }
  resp_free(&r);

  /* metrics after some traffic */
  ck_assert_int_eq(http_post_json(&s, "/activate", "{\"activation\":\"relu\",\"x\":1}", &r), 0);
  resp_free(&r);
  ck_assert_int_eq(http_post_json(&s, "/activate", "{\"activation\":\"nope\",\"x\":1}", &r), 0);
  resp_free(&r);
  ck_assert_int_eq(http_get(&s, "/metrics", &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strncmp(r.ctype, "text/plain", 10) == 0 && strstr(r.ctype, "version=0.0.4"),
                "%s", r.ctype);
  ck_assert(strstr(r.body, "# TYPE neurond_requests_total counter\n") != NULL);
  ck_assert(strstr(r.body, "# TYPE neurond_request_duration_seconds histogram\n") != NULL);
  ck_assert(strstr(r.body, "neurond_request_duration_seconds_bucket{route=\"/activate\",le=\"") !=
            NULL);
  ck_assert(strstr(r.body, "neurond_request_duration_seconds_count{route=\"/activate\"} 2\n") !=
            NULL);
  ck_assert(strstr(r.body, "neurond_requests_total{route=\"/activations/{name}\",status=\"404\"} 1\n") !=
            NULL);
  ck_assert_msg(strstr(r.body, "neurond_requests_total{route=\"/activate\",status=\"200\"} 1") != NULL,
                "%s", r.body);
  ck_assert(strstr(r.body, "neurond_requests_total{route=\"/activate\",status=\"422\"} 1") != NULL);
  ck_assert(strstr(r.body, "neurond_request_duration_seconds_bucket{route=\"/activate\",le=\"+Inf\"} 2") !=
            NULL);
  {
    /* bytes in: the two POST bodies exactly; bytes out: at least their replies */
    const char *in = strstr(r.body, "\nneurond_request_bytes_total ");
    const char *out = strstr(r.body, "\nneurond_response_bytes_total ");
    ck_assert(in != NULL && out != NULL);
    ck_assert_uint_eq(strtoull(in + 29, NULL, 10),
                      strlen("{\"activation\":\"relu\",\"x\":1}") +
                        strlen("{\"activation\":\"nope\",\"x\":1}"));
    ck_assert_uint_gt(strtoull(out + 30, NULL, 10), 100);
  }
  /* every line is a comment or `name{labels} value` with a number for value */
  for (const char *l = r.body; *l != '\0';) {
    const char *nl = strchr(l, '\n'), *sp;
    char *end;
    ck_assert_ptr_nonnull(nl);
    if (*l != '#') {
      sp = memchr(l, ' ', (size_t)(nl - l));
      while (sp != NULL && memchr(sp + 1, ' ', (size_t)(nl - sp - 1)) != NULL)
        sp = memchr(sp + 1, ' ', (size_t)(nl - sp - 1));
      ck_assert_msg(sp != NULL, "%.*s", (int)(nl - l), l);
      (void)strtod(sp + 1, &end);
      ck_assert_msg(end == nl, "not a sample line: %.*s", (int)(nl - l), l);
    }
    l = nl + 1;
  }
  ck_assert(strstr(r.body, "neurond_in_flight") != NULL);
  {
    /* a count of bytes (0 under ASan, whose allocator glibc does not see) */
    const char *h = strstr(r.body, "\nneurond_heap_bytes ");
    char *end;
    ck_assert_msg(h != NULL, "no heap gauge");
    ck_assert(strtod(h + 20, &end) >= 0 && *end == '\n');
  }
  resp_free(&r);

  /* HEAD: every GET route answers it, with no body */
  {
    static const char *const heads[] = {"/healthz", "/activations", "/activations/relu",
                                        "/metrics", "/openapi.yaml"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
      ck_assert_int_eq(http_req(&s, "HEAD", heads[i], NULL, NULL, 0, &r), 0);
      ck_assert_msg(r.status == 200, "HEAD %s: %ld", heads[i], r.status);
      ck_assert_uint_eq(r.len, 0);
      resp_free(&r);
    }
  }
  ck_assert_int_eq(srv_stop(&s), 0);
}
END_TEST

/* ====================================================== error classes */

static void expect_status(const struct srv *s, const char *method, const char *path,
                          const char *ctype, const char *body, long status, const char *part)
{
  struct resp r;
  ck_assert_int_eq(http_req(s, method, path, ctype, body, body ? strlen(body) : 0, &r), 0);
  ck_assert_msg(r.status == status, "%s %s: %ld, want %ld: %s", method, path, r.status, status,
                r.body);
  if (status >= 400) {
    cJSON *d = cJSON_Parse(r.body);
    ck_assert_str_eq(r.ctype, "application/problem+json");
    ck_assert_msg(d != NULL, "problem is not JSON: %s", r.body);
    ck_assert_int_eq(cJSON_GetObjectItem(d, "status")->valueint, status);
    ck_assert_str_eq(cJSON_GetObjectItem(d, "type")->valuestring, "about:blank");
    ck_assert_str_eq(cJSON_GetObjectItem(d, "title")->valuestring,
                     status == 400   ? "Bad Request"
                     : status == 404 ? "Not Found"
                     : status == 405 ? "Method Not Allowed"
                     : status == 413 ? "Content Too Large"
                     : status == 415 ? "Unsupported Media Type"
                                     : "Unprocessable Content");
    ck_assert(cJSON_IsString(cJSON_GetObjectItem(d, "detail")));
    cJSON_Delete(d);
  }
  if (part != NULL)
    ck_assert_msg(strstr(r.body, part) != NULL, "%s lacks %s", r.body, part);
  resp_free(&r);
}

START_TEST(test_error_classes)
{
  struct srv s;
  struct resp r;
  static char deep[200010];
  const char *ok = "{\"activation\":\"relu\",\"x\":[1]}";
  ck_assert_int_eq(srv_start(&s, quiet), 0);

  expect_status(&s, "GET", "/nope", NULL, NULL, 404, NULL);
  expect_status(&s, "POST", "/activate/extra", "application/json", ok, 404, NULL);
  ck_assert_int_eq(http_req(&s, "GET", "/activate", NULL, NULL, 0, &r), 0);
  ck_assert_int_eq(r.status, 405);
  ck_assert_str_eq(r.allow, "POST");
  resp_free(&r);
  ck_assert_int_eq(http_req(&s, "POST", "/healthz", "application/json", "{}", 2, &r), 0);
  ck_assert_int_eq(r.status, 405);
  ck_assert_str_eq(r.allow, "GET, HEAD");
  ck_assert_str_eq(r.ctype, "application/problem+json");
  resp_free(&r);
  ck_assert_int_eq(http_req(&s, "PUT", "/activations/relu", NULL, NULL, 0, &r), 0);
  ck_assert_int_eq(r.status, 405);
  ck_assert_str_eq(r.allow, "GET, HEAD");
  resp_free(&r);
  expect_status(&s, "DELETE", "/init", NULL, NULL, 405, NULL);
  expect_status(&s, "OPTIONS", "/activate", NULL, NULL, 405, NULL);
  expect_status(&s, "GET", "/activations/relu/extra", NULL, NULL, 404, NULL);
  expect_status(&s, "GET", "/activations/", NULL, NULL, 404, NULL);

  /* bytes that are not UTF-8 in the path or a header still give a valid UTF-8 reply */
  ck_assert_int_eq(http_req(&s, "GET", "/%FF%C0%80x", NULL, NULL, 0, &r), 0);
  ck_assert_int_eq(r.status, 404);
  ck_assert_msg(utf8_valid((const unsigned char *)r.body, r.len), "%s", r.body);
  resp_free(&r);
  {
    char buf[4096], *body;
    int fd = raw_connect(&s);
    cJSON *d;
    raw_sends(fd, "POST /activate HTTP/1.1\r\nHost: x\r\nContent-Type: text/\xff\xfe\r\n"
                  "Content-Length: 2\r\nConnection: close\r\n\r\n{}");
    raw_read(fd, buf, sizeof buf, 3000);
    close(fd);
    ck_assert_msg(strncmp(buf, "HTTP/1.1 415", 12) == 0, "%s", buf);
    body = strstr(buf, "\r\n\r\n");
    ck_assert_ptr_nonnull(body);
    body += 4;
    ck_assert_msg(utf8_valid((const unsigned char *)body, strlen(body)), "%s", body);
    /* the whole body is the one JSON value (the text has a NUL after it: + 1) */
    d = cJSON_ParseWithLengthOpts(body, strlen(body) + 1, NULL, 1);
    ck_assert_ptr_nonnull(d);
    cJSON_Delete(d);
  }

  /* Content-Type: JSON whatever it says, unless explicitly something else */
  expect_status(&s, "POST", "/activate", NULL, ok, 200, NULL);
  expect_status(&s, "POST", "/activate", "application/x-www-form-urlencoded", ok, 200, NULL);
  expect_status(&s, "POST", "/activate", "application/json; charset=utf-8", ok, 200, NULL);
  expect_status(&s, "POST", "/activate", "application/merge-patch+json", ok, 200, NULL);
  expect_status(&s, "POST", "/activate", "text/json", ok, 200, NULL);
  expect_status(&s, "POST", "/activate", "Application/JSON", ok, 200, NULL);
  expect_status(&s, "POST", "/activate", "text/plain; charset=utf-8", ok, 415, "text/plain");
  expect_status(&s, "POST", "/activate", "text/plain", ok, 415, NULL);
  expect_status(&s, "POST", "/activate", "application/xml", ok, 415, NULL);

  /* a compressed body is a coding not supported, not broken JSON */
  {
    char buf[4096];
    int fd = raw_connect(&s);
    raw_sends(fd, "POST /activate HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
                  "Content-Length: 2\r\nConnection: close\r\n\r\n\x1f\x8b");
    raw_read(fd, buf, sizeof buf, 3000);
    close(fd);
    ck_assert_msg(strncmp(buf, "HTTP/1.1 415", 12) == 0, "%s", buf);
    ck_assert(strstr(buf, "Accept-Encoding: identity\r\n") != NULL);
    ck_assert(strstr(buf, "application/problem+json") != NULL);
    ck_assert(strstr(buf, "gzip") != NULL);
  }

  /* invalid JSON: where parsing stopped */
  expect_status(&s, "POST", "/activate", NULL, "{\"activation\":\"relu\",\"x\":[1,]}", 400,
                "line 1, column 29 (byte offset 28)");
  expect_status(&s, "POST", "/activate", NULL, "{\"activation\":\"relu\",\"x\":[NaN]}", 400, "NaN");
  expect_status(&s, "POST", "/activate", NULL, "{\"activation\":\"relu\",\"x\":-Infinity}", 400,
                NULL);
  expect_status(&s, "POST", "/activate", NULL, "{\"activation\":\"relu\",\"x\":[1", 400,
                "end of input");
  expect_status(&s, "POST", "/activate", NULL, "{'activation':'relu'}", 400, "column 2");
  expect_status(&s, "POST", "/activate", NULL, "{\"activation\":\"\\ud800\",\"x\":1}", 400,
                "surrogate");
  expect_status(&s, "POST", "/activate", NULL, "{\"activation\":\"relu\\u0000\",\"x\":1}", 400,
                NULL);
  /* a byte order mark may open the body (RFC 8259 section 8.1) */
  expect_status(&s, "POST", "/activate", NULL, "\xef\xbb\xbf{\"activation\":\"relu\",\"x\":1}", 200,
                NULL);
  expect_status(&s, "POST", "/activate", NULL, "{\"activation\":\"relu\",\n\"x\":[Infinity]}", 400,
                "line 2");
  expect_status(&s, "POST", "/activate", NULL, "", 400, NULL);
  expect_status(&s, "POST", "/activate", NULL, "{\"activation\":\"re\xff\",\"x\":1}", 400, "UTF-8");
  expect_status(&s, "POST", "/activate", NULL, "{\"activation\":\"relu\",\"x\":1} x", 400, NULL);
  memset(deep, '[', 200000);
  deep[200000] = '\0';
  expect_status(&s, "POST", "/activate", NULL, deep, 400, "deep");
  for (size_t i = 0; i + 5 < 200000; i += 5)
    memcpy(deep + i, "{\"a\":", 5);
  expect_status(&s, "POST", "/activate", NULL, deep, 400, "deep");
  expect_status(&s, "POST", "/activate", NULL, "[{\"activation\":\"relu\",\"x\":1}]", 422,
                "object");
  expect_status(&s, "POST", "/activate", NULL, "null", 422, NULL);
  /* arrays of rows that go wrong after some rows: the pointer names the first fault */
  expect_status(&s, "POST", "/activate", NULL,
                "{\"activation\":\"relu\",\"x\":[[1,2],[3],[4,5],\"a\"]}", 422,
                "\"pointer\":\"/x/1\"");
  expect_status(&s, "POST", "/activate", NULL,
                "{\"activation\":\"relu\",\"x\":[[1,2],[3,4],[5,\"a\"]]}", 422,
                "\"pointer\":\"/x/2/1\"");
  expect_status(&s, "POST", "/activate", NULL, "{\"activation\":\"relu\",\"x\":[[1],[2],3]}", 422,
                "\"pointer\":\"/x/2\"");
  expect_status(&s, "POST", "/activate", NULL, "{\"activation\":\"relu\",\"x\":[1,2,[3]]}", 422,
                "\"pointer\":\"/x/2\"");
  expect_status(&s, "POST", "/activate", NULL, " \n\t ", 400, "empty");
  expect_status(&s, "POST", "/activate", NULL, "\"just a string\"", 422, NULL);
  expect_status(&s, "POST", "/loss", NULL, "{\"loss\":\"squared\",\"loss\":\"squared\"}", 422,
                "duplicate");
  expect_status(&s, "POST", "/init", NULL, "{\"scheme\":\"normal\",\"shap\":[1]}", 422,
                "\"pointer\":\"/shap\"");
  expect_status(&s, "POST", "/activate", NULL, "{\"activation\":\"relu\",\"x\":1,\"ouputs\":[]}", 422,
                "ouputs");

  /* A body whose end is ambiguous, or HTTP/1.1 with no Host: a 400 problem before the
   * body, then the connection closes; the same Content-Length twice is one length. */
  {
    static const char *const framing[][2] = {
      {"POST /activate HTTP/1.1\r\nHost: x\r\nContent-Length: 27\r\nContent-Length: 28\r\n\r\n"
       "{\"activation\":\"relu\",\"x\":1} ",
       "Content-Length is given more than once"},
      {"POST /activate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
       "5\r\nabcde\r\n0\r\n\r\n",
       "Transfer-Encoding \\\"gzip, chunked\\\" is not supported"},
      {"POST /activate HTTP/1.1\r\nContent-Length: 27\r\n\r\n{\"activation\":\"relu\",\"x\":1}",
       "an HTTP/1.1 request must have a Host header"},
      {"POST /activate HTTP/1.1\r\nHost: x\r\nContent-Length: 27\r\nContent-Length: 27\r\n\r\n"
       "{\"activation\":\"relu\",\"x\":1}",
       "\"y\":1"},
    };
    size_t bad = 3; /* the first three are refused */
    for (size_t i = 0; i < sizeof framing / sizeof framing[0]; i++) {
      char buf[2048];
      int fd = raw_connect(&s);
      raw_sends(fd, framing[i][0]);
      raw_read(fd, buf, sizeof buf, i < bad ? 3000 : 500); /* refusals close; the last is kept alive */
      close(fd);
      ck_assert_msg(strncmp(buf, i < bad ? "HTTP/1.1 400 " : "HTTP/1.1 200 ", 13) == 0, "%s", buf);
      ck_assert_msg(strstr(buf, framing[i][1]) != NULL, "%s", buf);
      if (i < bad) {
        ck_assert_msg(strstr(buf, "Content-Type: application/problem+json") != NULL, "%s", buf);
        ck_assert_msg(strstr(buf, "Connection: close") != NULL, "%s", buf);
      }
    }
  }
  { /* on the inference protocol's routes, its own error body */
    char buf[2048];
    int fd = raw_connect(&s);
    raw_sends(fd, "GET /v2/health/live HTTP/1.1\r\n\r\n");
    raw_read(fd, buf, sizeof buf, 3000);
    close(fd);
    ck_assert_msg(strncmp(buf, "HTTP/1.1 400 ", 13) == 0, "%s", buf);
    ck_assert_msg(strstr(buf, "\r\n\r\n{\"error\":\"an HTTP/1.1 request must have a Host "
                              "header\"}") != NULL, "%s", buf);
  }
  ck_assert_int_eq(srv_stop(&s), 0);
}
END_TEST

/* Waits (3 s at most) until GET /metrics shows no request in flight but itself. */
static void expect_no_leftovers(const struct srv *s)
{
  struct resp r;
  for (int tries = 0;; tries++) {
    int settled;
    ck_assert_int_eq(http_get(s, "/metrics", &r), 0);
    settled = strstr(r.body, "neurond_in_flight 1\n") != NULL;
    if (!settled && tries == 30)
      ck_assert_msg(0, "requests left in flight: %s", strstr(r.body, "\nneurond_in_flight ") + 1);
    resp_free(&r);
    if (settled)
      break;
    usleep(100000);
  }
}

/* ================================================================ limits */

START_TEST(test_limits)
{
  static const char *const args[] = {"--no-access-log", "--max-body-bytes", "1000",
                                     "--max-elements", "10", NULL};
  struct srv s;
  char buf[4096];
  int fd;
  struct timespec t0, t1;
  ck_assert_int_eq(srv_start(&s, args), 0);

  /* Content-Length over the limit: 413 at once, with no body sent at all */
  fd = raw_connect(&s);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  raw_sends(fd, "POST /activate HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
  raw_read(fd, buf, sizeof buf, 3000);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  close(fd);
  ck_assert_msg(strncmp(buf, "HTTP/1.1 413", 12) == 0, "%s", buf);
  ck_assert(strstr(buf, "application/problem+json") != NULL);
  ck_assert((t1.tv_sec - t0.tv_sec) < 2);

  /* chunked with no end: cut off (413 or a closed connection), not kept waiting */
  fd = raw_connect(&s);
  raw_sends(fd, "POST /activate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < 3000; i++)
    if (send(fd, "190\r\n" /* 400 bytes */
                 "                                                                                "
                 "                                                                                "
                 "                                                                                "
                 "                                                                                "
                 "                                                                                "
                 "\r\n",
             5 + 400 + 2, MSG_NOSIGNAL) < 0)
      break; /* cut off */
  raw_read(fd, buf, sizeof buf, 3000);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  close(fd);
  ck_assert_msg(buf[0] == '\0' || strncmp(buf, "HTTP/1.1 413", 12) == 0, "%s", buf);
  ck_assert((t1.tv_sec - t0.tv_sec) < 3);
  /* a finite chunked body over the limit: 413 */
  fd = raw_connect(&s);
  raw_sends(fd, "POST /activate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 4; i++)
    raw_send(fd, "190\r\n"
                 "                                                                                "
                 "                                                                                "
                 "                                                                                "
                 "                                                                                "
                 "                                                                                "
                 "\r\n",
             5 + 400 + 2);
  raw_sends(fd, "0\r\n\r\n");
  raw_read(fd, buf, sizeof buf, 3000);
  close(fd);
  ck_assert_msg(strncmp(buf, "HTTP/1.1 413", 12) == 0, "%s", buf);

  /* more numbers than --max-elements */
  expect_status(&s, "POST", "/activate", NULL,
                "{\"activation\":\"relu\",\"x\":[1,2,3,4,5,6,7,8,9,10,11]}", 413, NULL);
  expect_status(&s, "POST", "/activate", NULL, "{\"activation\":\"relu\",\"x\":[1,2,3,4,5,6,7,8,9,10]}",
                200, NULL);
  expect_status(&s, "POST", "/init", NULL, "{\"scheme\":\"normal\",\"shape\":[4,4]}", 413, NULL);
  expect_no_leftovers(&s); /* the cut-off and refused requests are all closed */
  ck_assert_int_eq(srv_stop(&s), 0);
}
END_TEST

/* ====================================================== memory per request */

/* The server's peak resident set (VmHWM) in bytes, or 0 where it says nothing useful:
 * under a wrapper (valgrind) or a sanitizer, whose own memory dominates. */
static size_t peak_rss(pid_t pid)
{
  char path[64], line[256];
  size_t kb = 0;
  FILE *f;
#if defined(__SANITIZE_ADDRESS__)
  (void)pid;
  return 0;
#endif
  if (getenv("NEUROND_WRAP") != NULL)
    return 0;
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  f = fopen(path, "r");
  if (f == NULL)
    return 0;
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, "VmHWM:", 6) == 0)
      kb = strtoul(line + 6, NULL, 10);
  fclose(f);
  return kb * 1024;
}

START_TEST(test_memory_bounds)
{
  enum { ROWS = 1000000, NULLS = 2000000 };
  struct srv s;
  struct resp r;
  char *body;
  size_t len = 0, before, after;
  cJSON *d;
  const cJSON *y, *e;
  size_t i;

  ck_assert_int_eq(srv_start(&s, quiet), 0);
  before = peak_rss(s.pid);

  /* 10 MB of nulls: each would be a tree node of some 100 bytes; refused, not built */
  body = malloc((size_t)NULLS * 5 + 64);
  ck_assert_ptr_nonnull(body);
  len = (size_t)sprintf(body, "{\"activation\":\"relu\",\"x\":[");
  for (i = 0; i < NULLS; i++) {
    memcpy(body + len, i > 0 ? ",null" : "null", i > 0 ? 5 : 4);
    len += i > 0 ? 5 : 4;
  }
  len += (size_t)sprintf(body + len, "]}");
  ck_assert_int_eq(http_req(&s, "POST", "/activate", "application/json", body, len, &r), 0);
  ck_assert_int_eq(r.status, 413);
  ck_assert_str_eq(r.ctype, "application/problem+json");
  resp_free(&r);
  after = peak_rss(s.pid);
  if (before > 0)
    ck_assert_msg(after - before < 4 * len, "10 MB of nulls took %zu MB", (after - before) >> 20);

  /* a million rows of one number: no tree node per row */
  len = (size_t)sprintf(body, "{\"activation\":\"relu\",\"outputs\":[\"y\"],\"x\":[");
  for (i = 0; i < ROWS; i++)
    len += (size_t)sprintf(body + len, i > 0 ? ",[%d]" : "[%d]", (int)(i % 7) - 3);
  len += (size_t)sprintf(body + len, "]}");
  before = peak_rss(s.pid);
  ck_assert_int_eq(http_req(&s, "POST", "/activate", "application/json", body, len, &r), 0);
  ck_assert_int_eq(r.status, 200);
  after = peak_rss(s.pid);
  /* request and reply are some 5 MB each; a node per row alone would be 100 MB */
  if (before > 0)
    ck_assert_msg(after - before < 3 * (len + r.len), "a million rows took %zu MB",
                  (after - before) >> 20);
  d = cJSON_ParseWithLengthOpts(r.body, r.len + 1, NULL, 1);
  ck_assert_ptr_nonnull(d);
  y = cJSON_GetObjectItem(d, "y");
  ck_assert_int_eq(cJSON_GetArraySize(y), ROWS);
  for (i = 0, e = y->child; e != NULL; i++, e = e->next) {
    int x = (int)(i % 7) - 3;
    ck_assert_int_eq(cJSON_GetArraySize(e), 1);
    ck_assert(e->child->valuedouble == (x > 0 ? x : 0));
  }
  ck_assert_uint_eq(i, ROWS);
  cJSON_Delete(d);
  resp_free(&r);
  free(body);
  ck_assert_int_eq(srv_stop(&s), 0);
}
END_TEST

/* ===================================================== many clients at once */

static struct srv shared;
static int worker_fail;

static void *worker(void *arg)
{
  long id = (long)arg;
  char body[128], want[64];
  for (int i = 0; i < 50; i++) {
    struct resp r;
    int v = (int)(id * 1000 + i);
    snprintf(body, sizeof body, "{\"activation\":\"relu\",\"x\":[%d,-1],\"outputs\":[\"y\"]}", v);
    snprintf(want, sizeof want, "\"y\":[%d,0]", v);
    if (http_post_json(&shared, "/activate", body, &r) != 0 || r.status != 200 ||
        strstr(r.body, want) == NULL)
      __atomic_add_fetch(&worker_fail, 1, __ATOMIC_RELAXED);
    resp_free(&r);
  }
  return NULL;
}

START_TEST(test_concurrency_and_hangups)
{
  pthread_t th[32];
  struct resp r;
  char buf[4096];
  ck_assert_int_eq(srv_start(&shared, quiet), 0);
  for (long i = 0; i < 32; i++)
    ck_assert_int_eq(pthread_create(&th[i], NULL, worker, (void *)i), 0);
  /* meanwhile: clients that hang up mid-body */
  for (int i = 0; i < 20; i++) {
    int fd = raw_connect(&shared);
    raw_sends(fd, "POST /activate HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"x\":[1,2");
    close(fd);
  }
  for (int i = 0; i < 32; i++)
    pthread_join(th[i], NULL);
  ck_assert_int_eq(worker_fail, 0);
  expect_no_leftovers(&shared);
  /* a half request keeps no one waiting: a keep-alive GET on another connection */
  {
    int fd = raw_connect(&shared);
    raw_sends(fd, "POST /activate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
    ck_assert_int_eq(http_get(&shared, "/healthz", &r), 0);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    close(fd);
  }
  (void)buf;
  ck_assert_int_eq(srv_stop(&shared), 0);
}
END_TEST

/* ===================================================== idle connections */

START_TEST(test_conn_timeout)
{
  /* one thread: a stalled client must not hold up the event loop the others share */
  static const char *const args[] = {"--no-access-log", "--conn-timeout", "1", "--threads",
                                     "1", NULL};
  struct srv s;
  struct resp r;
  char buf[256];
  int fd;
  struct timespec t0, t1, t2;
  ck_assert_int_eq(srv_start(&s, args), 0);
  fd = raw_connect(&s);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  raw_send(fd, "POST /act", 9); /* and then nothing */
  for (int i = 0; i < 5; i++) {
    ck_assert_int_eq(http_get(&s, "/healthz", &r), 0);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
  }
  clock_gettime(CLOCK_MONOTONIC, &t2);
  ck_assert_msg((t2.tv_sec - t0.tv_sec) * 1000 + (t2.tv_nsec - t0.tv_nsec) / 1000000 < 500,
                "others were held up by a stalled client");
  raw_read(fd, buf, sizeof buf, 5000);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  close(fd);
  ck_assert_msg(t1.tv_sec - t0.tv_sec < 4, "an idle client was kept %ld s",
                (long)(t1.tv_sec - t0.tv_sec));

  /* a client that is never idle but never finishes its headers: a byte every 100 ms
   * (the idle timeout alone would keep it for ever); the headers must be complete
   * within the timeout, so the connection ends after about a second */
  {
    static const char trickle[] = "POST /activate HTTP/1.1\r\nHost: x\r\nX-Pad: "
                                  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    size_t sent = 0;
    long ms = 0;
    fd = raw_connect(&s);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (sent < sizeof trickle - 1 && ms < 6000) {
      struct pollfd p = {.fd = fd, .events = POLLIN};
      if (send(fd, trickle + sent, 1, MSG_NOSIGNAL) != 1)
        break;
      sent++;
      if (poll(&p, 1, 100) > 0 && recv(fd, buf, sizeof buf, 0) <= 0)
        break; /* closed by the server */
      clock_gettime(CLOCK_MONOTONIC, &t1);
      ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    close(fd);
    ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    ck_assert_msg(sent < sizeof trickle - 1 && ms < 3000,
                  "a client trickling its headers was kept %ld ms (%zu bytes sent)", ms, sent);
  }
  /* and a keep-alive client that does finish in time is served as usual */
  ck_assert_int_eq(http_get(&s, "/healthz", &r), 0);
  ck_assert_int_eq(r.status, 200);
  resp_free(&r);
  ck_assert_int_eq(srv_stop(&s), 0);
}
END_TEST

/* ================================================ shutdown with work in flight */

START_TEST(test_sigterm_drains)
{
  struct srv s;
  char buf[4096];
  const char *head = "POST /activate HTTP/1.1\r\nHost: x\r\nContent-Length: 41\r\n\r\n";
  const char *body = "{\"activation\":\"relu\",\"x\":[1,2,3,4,5,6,7]}";
  int fd, status;
  ck_assert_int_eq(strlen(body), 41);
  ck_assert_int_eq(srv_start(&s, quiet), 0);
  fd = raw_connect(&s);
  raw_send(fd, head, strlen(head));
  raw_send(fd, body, 20); /* the request is in flight */
  usleep(100000);
  kill(s.pid, SIGTERM);
  usleep(100000);
  /* a new connection is refused (or closed unanswered) while the old one finishes */
  {
    int fd2 = raw_connect(&s);
    if (fd2 >= 0) {
      raw_sends(fd2, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      ck_assert_int_eq(raw_read(fd2, buf, sizeof buf, 1000), 0);
      close(fd2);
    }
  }
  raw_send(fd, body + 20, 21);
  raw_read(fd, buf, sizeof buf, 5000);
  close(fd);
  ck_assert_msg(strncmp(buf, "HTTP/1.1 200", 12) == 0, "%s", buf);
  ck_assert(strstr(buf, "\"y\":[1,2,3,4,5,6,7]") != NULL);
  ck_assert_int_eq(waitpid(s.pid, &status, 0), s.pid);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

/* A large request is in flight when SIGTERM arrives: it is answered in full, then the
 * process exits 0. */
START_TEST(test_sigterm_large_request)
{
  enum { N = 1000000 };
  struct srv s;
  struct {
    char *p;
    size_t len;
  } b; /* the request body */
  char head[160], *resp, *body;
  size_t rlen, half;
  int fd, status;
  cJSON *d, *y, *dy;
  size_t i;
  const cJSON *e, *g;

  /* x_i = (i mod 201) - 100: relu gives max(0, x) and 0 or 1, exactly */
  b.p = malloc((size_t)N * 6 + 64);
  ck_assert_ptr_nonnull(b.p);
  b.len = (size_t)sprintf(b.p, "{\"activation\":\"relu\",\"x\":[");
  for (i = 0; i < N; i++)
    b.len += (size_t)sprintf(b.p + b.len, i > 0 ? ",%d" : "%d", (int)(i % 201) - 100);
  b.len += (size_t)sprintf(b.p + b.len, "]}");
  snprintf(head, sizeof head, "POST /activate HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
           b.len);

  ck_assert_int_eq(srv_start(&s, quiet), 0);
  fd = raw_connect(&s);
  raw_sends(fd, head);
  half = b.len / 2;
  raw_send(fd, b.p, half);
  usleep(50000);
  kill(s.pid, SIGTERM);
  usleep(100000);
  {
    /* no new connection is answered now */
    int fd2 = raw_connect(&s);
    if (fd2 >= 0) {
      char buf[256];
      raw_sends(fd2, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      ck_assert_int_eq(raw_read(fd2, buf, sizeof buf, 1000), 0);
      close(fd2);
    }
  }
  raw_send(fd, b.p + half, b.len - half);
  resp = raw_read_response(fd, &rlen, 30000);
  close(fd);
  free(b.p);
  ck_assert_msg(strncmp(resp, "HTTP/1.1 200", 12) == 0, "%.300s", resp);
  body = strstr(resp, "\r\n\r\n");
  ck_assert_ptr_nonnull(body);
  body += 4;
  d = cJSON_ParseWithLengthOpts(body, rlen - (size_t)(body - resp) + 1, NULL, 1);
  ck_assert_msg(d != NULL, "the reply is cut short (%zu bytes)", rlen);
  y = cJSON_GetObjectItem(d, "y");
  dy = cJSON_GetObjectItem(d, "dy_dx");
  ck_assert_int_eq(cJSON_GetArraySize(y), N);
  ck_assert_int_eq(cJSON_GetArraySize(dy), N);
  for (i = 0, e = y->child, g = dy->child; e != NULL && g != NULL; i++, e = e->next, g = g->next) {
    int x = (int)(i % 201) - 100;
    ck_assert(e->valuedouble == (x > 0 ? x : 0));
    ck_assert(g->valuedouble == (x > 0 ? 1 : 0));
  }
  ck_assert_uint_eq(i, N);
  cJSON_Delete(d);
  free(resp);
  ck_assert_int_eq(waitpid(s.pid, &status, 0), s.pid);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

/* ======================================================== flags and log */


START_TEST(test_flags_and_access_log)
{
  char out[8192];
  const char *bin = getenv("NEUROND_BIN") != NULL ? getenv("NEUROND_BIN") : "build/neurond";
  const char *help[] = {bin, "--help", NULL};
  const char *bad[] = {bin, "--port", "70000", NULL};
  const char *unknown[] = {bin, "--frobnicate", NULL};
  if (getenv("NEUROND_WRAP") != NULL)
    return; /* flags are the binary's own; no need to run them under a wrapper */
  ck_assert_int_eq(srv_run(help, out, sizeof out), 0);
  ck_assert(strstr(out, "--max-body-bytes") != NULL && strstr(out, "NEUROND_PORT") != NULL);
  ck_assert_int_ne(srv_run(bad, out, sizeof out), 0);
  ck_assert(strstr(out, "port") != NULL);
  ck_assert_int_ne(srv_run(unknown, out, sizeof out), 0);

  /* the access log: one JSON line per request on stderr, and nothing else there */
  {
    static const char *const paths[] = {"/activate", "/nope", "/%FFx"};
    const char *post = "{\"activation\":\"relu\",\"x\":1}";
    size_t sent_bytes[3];
    struct srv s;
    struct resp r;
    char logpath[] = "/tmp/neurond-log-XXXXXX";
    int fd = mkstemp(logpath), saved = dup(2);
    FILE *f;
    char line[1024];
    int found[3] = {0, 0, 0};
    ck_assert_int_ge(fd, 0);
    dup2(fd, 2); /* the child inherits it as its stderr */
    ck_assert_int_eq(srv_start(&s, NULL), 0);
    dup2(saved, 2);
    close(saved);
    ck_assert_int_eq(http_post_json(&s, paths[0], post, &r), 0);
    sent_bytes[0] = r.len;
    resp_free(&r);
    for (int i = 1; i < 3; i++) {
      ck_assert_int_eq(http_get(&s, paths[i], &r), 0);
      sent_bytes[i] = r.len;
      resp_free(&r);
    }
    ck_assert_int_eq(srv_stop(&s), 0);
    f = fdopen(fd, "r");
    rewind(f);
    while (fgets(line, sizeof line, f) != NULL) {
      size_t n = strlen(line);
      cJSON *d = cJSON_ParseWithLengthOpts(line, n, NULL, 0);
      const cJSON *path, *method, *status, *bytes, *bytes_in, *us;
      int k;
      ck_assert_msg(n > 0 && line[n - 1] == '\n', "a line is cut: %s", line);
      ck_assert_msg(utf8_valid((const unsigned char *)line, n), "%s", line);
      ck_assert_msg(d != NULL, "not a JSON line: %s", line);
      path = cJSON_GetObjectItem(d, "path");
      method = cJSON_GetObjectItem(d, "method");
      status = cJSON_GetObjectItem(d, "status");
      bytes = cJSON_GetObjectItem(d, "bytes");
      bytes_in = cJSON_GetObjectItem(d, "bytes_in");
      us = cJSON_GetObjectItem(d, "microseconds");
      ck_assert_msg(cJSON_IsString(path) && cJSON_IsString(method) && cJSON_IsNumber(status) &&
                      cJSON_IsNumber(bytes) && cJSON_IsNumber(bytes_in) && cJSON_IsNumber(us),
                    "%s", line);
      ck_assert(us->valuedouble >= 0);
      k = strcmp(path->valuestring, "/activate") == 0 ? 0
          : strcmp(path->valuestring, "/nope") == 0   ? 1
          : strncmp(path->valuestring, "/\xef\xbf\xbd", 4) == 0 ? 2 /* U+FFFD for 0xFF */
                                                                : -1;
      ck_assert_msg(k >= 0, "%s", line);
      ck_assert_str_eq(method->valuestring, k == 0 ? "POST" : "GET");
      ck_assert_int_eq(status->valueint, k == 0 ? 200 : 404);
      ck_assert_uint_eq((size_t)bytes->valuedouble, sent_bytes[k]);
      ck_assert_uint_eq((size_t)bytes_in->valuedouble, k == 0 ? strlen(post) : 0);
      found[k]++;
      cJSON_Delete(d);
    }
    fclose(f);
    unlink(logpath);
    ck_assert_msg(found[0] == 1 && found[1] == 1 && found[2] == 1,
                  "access-log lines: %d POST /activate, %d GET /nope, %d GET /%%FFx", found[0],
                  found[1], found[2]);
  }
  /* NEUROND_* variables set what flags set; a bad one stops the start with its name */
  {
    struct srv s;
    struct resp r;
    const char *plain[] = {bin, "--port", "0", NULL};
    setenv("NEUROND_MAX_ELEMENTS", "3", 1);
    ck_assert_int_eq(srv_start(&s, quiet), 0);
    unsetenv("NEUROND_MAX_ELEMENTS");
    ck_assert_int_eq(http_post_json(&s, "/activate", "{\"activation\":\"relu\",\"x\":[1,2,3,4]}", &r), 0);
    ck_assert_int_eq(r.status, 413);
    resp_free(&r);
    ck_assert_int_eq(srv_stop(&s), 0);

    setenv("NEUROND_MAX_BODY_BYTES", "lots", 1);
    ck_assert_int_ne(srv_run(plain, out, sizeof out), 0);
    unsetenv("NEUROND_MAX_BODY_BYTES");
    ck_assert_msg(strstr(out, "NEUROND_MAX_BODY_BYTES") != NULL, "%s", out);
    setenv("NEUROND_THREADS", "", 1); /* set but empty: as if unset */
    ck_assert_int_eq(srv_run(help, out, sizeof out), 0);
    unsetenv("NEUROND_THREADS");
  }
  /* NEUROND_PORT: the port it serves on */
  {
    struct srv s;
    struct resp r;
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    char port[16], line[256];
    int lfd = socket(AF_INET, SOCK_STREAM, 0), pfd[2];
    size_t n = 0;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
    close(lfd); /* a port that was free a moment ago */
    snprintf(port, sizeof port, "%u", (unsigned)ntohs(a.sin_port));
    ck_assert_int_eq(pipe(pfd), 0);
    setenv("NEUROND_PORT", port, 1);
    s.pid = fork();
    if (s.pid == 0) {
      dup2(pfd[1], 1);
      close(pfd[0]);
      execl(bin, bin, "--bind", "127.0.0.1", "--no-access-log", (char *)NULL);
      _exit(127);
    }
    unsetenv("NEUROND_PORT");
    close(pfd[1]);
    while (n < sizeof line - 1 && memchr(line, '\n', n) == NULL) {
      struct pollfd p = {.fd = pfd[0], .events = POLLIN};
      ssize_t got;
      if (poll(&p, 1, 10000) <= 0)
        break;
      got = read(pfd[0], line + n, sizeof line - 1 - n);
      if (got <= 0)
        break;
      n += (size_t)got;
    }
    line[n] = '\0';
    close(pfd[0]);
    ck_assert_msg(strstr(line, "listening on port ") != NULL &&
                    strtoul(strstr(line, "listening on port ") + 18, NULL, 10) ==
                      strtoul(port, NULL, 10),
                  "NEUROND_PORT=%s: %s", port, line);
    s.port = (unsigned)strtoul(port, NULL, 10);
    snprintf(s.base, sizeof s.base, "http://127.0.0.1:%u", s.port);
    ck_assert_int_eq(http_get(&s, "/healthz", &r), 0);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    ck_assert_int_eq(srv_stop(&s), 0);
  }
}
END_TEST

static Suite *server_suite(void)
{
  Suite *s = suite_create("http_server");
  TCase *tc = tcase_create("server");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_get_routes);
  tcase_add_test(tc, test_error_classes);
  tcase_add_test(tc, test_limits);
  tcase_add_test(tc, test_memory_bounds);
  tcase_add_test(tc, test_concurrency_and_hangups);
  tcase_add_test(tc, test_conn_timeout);
  tcase_add_test(tc, test_sigterm_drains);
  tcase_add_test(tc, test_sigterm_large_request);
  tcase_add_test(tc, test_flags_and_access_log);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(server_suite)
