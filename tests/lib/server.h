/*
 * server.h: the real build/neurond for integration tests, started on a free port,
 * and a libcurl client with timeouts and bounded buffers.
 */
#ifndef NEUROND_TEST_SERVER_H
#define NEUROND_TEST_SERVER_H

#include <stddef.h>
#include <sys/types.h>

/* A running server process. */
struct srv {
  pid_t pid;
  unsigned port;
  char base[64];        /* "http://127.0.0.1:PORT" */
};

/* Starts $NEUROND_BIN (default build/neurond) with --port 0 --bind 127.0.0.1 and the
 * NULL-terminated extra arguments (may be NULL), waits for its "listening on port N"
 * line on stdout and fills s. With $NEUROND_WRAP set (e.g. "valgrind"), the binary
 * runs under that wrapper. Returns 0, or -1 (the test should fail). */
int srv_start(struct srv *s, const char *const *extra_args);

/* Sends SIGTERM, waits for the exit and returns its exit status (0 expected), or -1. */
int srv_stop(struct srv *s);

/* Runs argv (argv[0] a path, NULL-terminated) to its end, its stdout and stderr into
 * out (at most cap - 1 bytes, NUL-terminated); returns its exit status, or -1. */
int srv_run(const char *const *argv, char *out, size_t cap);

/* A response, body NUL-terminated (len excludes the NUL). */
struct resp {
  long status;
  char *body;
  size_t len;
  char ctype[128];      /* Content-Type header, "" if none */
  char allow[128];      /* Allow header, "" if none */
  char rid[160];        /* X-Request-Id */
  char retry_after[32]; /* Retry-After */
  char acao[160];       /* Access-Control-Allow-Origin */
  char traceparent[64]; /* traceparent */
  char connection[32];  /* Connection */
  int curl_rc;          /* libcurl's result (CURLE_OK is 0) */
};

/* One request. ctype NULL sends no Content-Type header (as curl -d with no -H would
 * send application/x-www-form-urlencoded, pass that string to mimic curl -d exactly).
 * body may be NULL for no body. Returns 0 when a response arrived, -1 otherwise. */
int http_req(const struct srv *s, const char *method, const char *path, const char *ctype,
             const char *body, size_t len, struct resp *r);

/* One request with extra headers (NULL-terminated "Name: value" strings, may be
 * NULL). chunked: the body goes as a chunked stream, after "Expect: 100-continue",
 * as curl -H "Transfer-Encoding: chunked" sends it. */
int http_req_ex(const struct srv *s, const char *method, const char *path,
                const char *const *headers, const char *body, size_t len, int chunked,
                struct resp *r);

/* POST a JSON text (Content-Type: application/json). */
int http_post_json(const struct srv *s, const char *path, const char *json, struct resp *r);
/* GET path. */
int http_get(const struct srv *s, const char *path, struct resp *r);

void resp_free(struct resp *r);

#endif /* NEUROND_TEST_SERVER_H */
