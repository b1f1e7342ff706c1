/*
 * server.c: the real build/neurond for integration tests (server.h): spawned on a
 * free port, its "listening on port N" line read from a pipe; a libcurl client with
 * timeouts and a bounded response buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "server.h"

extern char **environ;

#define MAX_ARGS 64
#define RESP_MAX ((size_t)512 << 20)

static double mono_now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Splits a copy of s on spaces into argv (at most max - 1 words). */
static int split_words(char *s, char **argv, int max)
{
  int n = 0;
  for (char *tok = strtok(s, " "); tok != NULL && n < max - 1; tok = strtok(NULL, " "))
    argv[n++] = tok;
  return n;
}

int srv_start(struct srv *s, const char *const *extra_args)
{
  const char *bin = getenv("NEUROND_BIN");
  const char *wrap = getenv("NEUROND_WRAP");
  const char *args[MAX_ARGS];
  char *argv[MAX_ARGS], wrapbuf[512], line[256];
  int argc = 0, fds[2];
  size_t have = 0;
  double deadline;
  posix_spawn_file_actions_t fa;

  memset(s, 0, sizeof *s);
  if (bin == NULL || *bin == '\0')
    bin = "build/neurond";
  if (wrap != NULL && *wrap != '\0') {
    snprintf(wrapbuf, sizeof wrapbuf, "%s", wrap);
    argc = split_words(wrapbuf, argv, MAX_ARGS / 2);
    for (int i = 0; i < argc; i++)
      args[i] = argv[i];
  }
  args[argc++] = bin;
  args[argc++] = "--port";
  args[argc++] = "0";
  args[argc++] = "--bind";
  args[argc++] = "127.0.0.1";
  for (size_t i = 0; extra_args != NULL && extra_args[i] != NULL && argc < MAX_ARGS - 1; i++)
    args[argc++] = extra_args[i];
  args[argc] = NULL;
  /* posix_spawn takes char *const[]; the strings are not written to. */
  memcpy(argv, args, sizeof args);

  if (pipe(fds) != 0)
    return -1;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  if (posix_spawnp(&s->pid, argv[0], &fa, NULL, argv, environ) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);

  /* Reads stdout until the line "neurond listening on port N". */
  deadline = mono_now() + (wrap != NULL && *wrap != '\0' ? 120 : 20);
  for (;;) {
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    char *nl, *at;
    ssize_t got;
    int left = (int)((deadline - mono_now()) * 1000);
    if (left <= 0 || poll(&pfd, 1, left) <= 0)
      break;
    got = read(fds[0], line + have, sizeof line - 1 - have);
    if (got <= 0)
      break;
    have += (size_t)got;
    line[have] = '\0';
    nl = strchr(line, '\n');
    if (nl == NULL) {
      if (have == sizeof line - 1)
        break;
      continue;
    }
    at = strstr(line, "listening on port ");
    if (at != NULL && at < nl) {
      s->port = (unsigned)strtoul(at + strlen("listening on port "), NULL, 10);
      snprintf(s->base, sizeof s->base, "http://127.0.0.1:%u", s->port);
      close(fds[0]);
      return s->port > 0 ? 0 : -1;
    }
    /* Another line: drop it. */
    have -= (size_t)(nl + 1 - line);
    memmove(line, nl + 1, have + 1);
  }
  close(fds[0]);
  kill(s->pid, SIGKILL);
  waitpid(s->pid, NULL, 0);
  s->pid = 0;
  return -1;
}

int srv_stop(struct srv *s)
{
  int status = 0;
  double deadline;

  if (s->pid <= 0)
    return -1;
  kill(s->pid, SIGTERM);
  deadline = mono_now() + (getenv("NEUROND_WRAP") != NULL ? 60 : 15);
  for (;;) {
    pid_t r = waitpid(s->pid, &status, WNOHANG);
    if (r == s->pid)
      break;
    if (r < 0 && errno != EINTR)
      return -1;
    if (mono_now() > deadline) {
      kill(s->pid, SIGKILL);
      waitpid(s->pid, NULL, 0);
      s->pid = 0;
      return -1;
    }
    usleep(10000);
  }
  s->pid = 0;
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return -1;
}

/* ================================================================ Client */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
  struct resp *r = userp;
  size_t n = size * nmemb;
  char *p;

  if (r->len + n + 1 > RESP_MAX)
    return 0; /* aborts the transfer */
  p = realloc(r->body, r->len + n + 1);
  if (p == NULL)
    return 0;
  memcpy(p + r->len, data, n);
  r->body = p;
  r->len += n;
  r->body[r->len] = '\0';
  return n;
}

/* Copies the value of header `name` (case-insensitive) into dst. */
static void grab_header(const char *line, size_t n, const char *name, char *dst, size_t cap)
{
  size_t nl = strlen(name), v;
  if (n <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
    return;
  v = nl + 1;
  while (v < n && (line[v] == ' ' || line[v] == '\t'))
    v++;
  while (n > v && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
    n--;
  if (n - v >= cap)
    n = v + cap - 1;
  memcpy(dst, line + v, n - v);
  dst[n - v] = '\0';
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
  struct resp *r = userp;
  size_t n = size * nmemb;
  grab_header(data, n, "Content-Type", r->ctype, sizeof r->ctype);
  grab_header(data, n, "Allow", r->allow, sizeof r->allow);
  grab_header(data, n, "X-Request-Id", r->rid, sizeof r->rid);
  grab_header(data, n, "Retry-After", r->retry_after, sizeof r->retry_after);
  grab_header(data, n, "Access-Control-Allow-Origin", r->acao, sizeof r->acao);
  grab_header(data, n, "traceparent", r->traceparent, sizeof r->traceparent);
  grab_header(data, n, "Connection", r->connection, sizeof r->connection);
  return n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_setup(void)
{
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The body of a chunked upload, read by libcurl in parts. */
struct upload {
  const char *p;
  size_t left;
};

static size_t on_read(char *dst, size_t size, size_t nmemb, void *userp)
{
  struct upload *u = userp;
  size_t n = size * nmemb;
  if (n > u->left)
    n = u->left;
  if (n > 65536)
    n = 65536;
  memcpy(dst, u->p, n);
  u->p += n;
  u->left -= n;
  return n;
}

int http_req_ex(const struct srv *s, const char *method, const char *path,
                const char *const *headers, const char *body, size_t len, int chunked,
                struct resp *r)
{
  char url[1024];
  struct curl_slist *h = NULL;
  struct upload up = {body, len};
  CURL *cu;
  CURLcode rc;

  memset(r, 0, sizeof *r);
  pthread_once(&curl_once, curl_setup);
  cu = curl_easy_init();
  if (cu == NULL)
    return -1;
  snprintf(url, sizeof url, "%s%s", s->base, path);
  curl_easy_setopt(cu, CURLOPT_URL, url);
  curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(cu, CURLOPT_TIMEOUT, getenv("NEUROND_WRAP") != NULL ? 600L : 120L);
  curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(cu, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(cu, CURLOPT_HEADERDATA, r);
  if (strcmp(method, "HEAD") == 0) {
    curl_easy_setopt(cu, CURLOPT_NOBODY, 1L);
  } else if (chunked) {
    curl_easy_setopt(cu, CURLOPT_POST, 1L);
    curl_easy_setopt(cu, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(cu, CURLOPT_READDATA, &up);
    h = curl_slist_append(h, "Transfer-Encoding: chunked");
    if (strcmp(method, "POST") != 0)
      curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
  } else if (strcmp(method, "GET") != 0 || body != NULL) {
    curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
  }
  if (body != NULL && !chunked) {
    curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  }
  for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
    h = curl_slist_append(h, headers[i]);
  /* no "Expect: 100-continue" pause for large bodies, unless chunked */
  if (!chunked)
    h = curl_slist_append(h, "Expect:");
  curl_easy_setopt(cu, CURLOPT_HTTPHEADER, h);

  rc = curl_easy_perform(cu);
  r->curl_rc = (int)rc;
  curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &r->status);
  curl_slist_free_all(h);
  curl_easy_cleanup(cu);
  if (r->body == NULL) {
    r->body = calloc(1, 1);
    if (r->body == NULL)
      return -1;
  }
  return rc == CURLE_OK ? 0 : -1;
}

int http_req(const struct srv *s, const char *method, const char *path, const char *ctype,
             const char *body, size_t len, struct resp *r)
{
  char hdr[256];
  const char *hs[2] = {hdr, NULL};
  /* No Content-Type unless asked (curl would add x-www-form-urlencoded). */
  if (ctype != NULL)
    snprintf(hdr, sizeof hdr, "Content-Type: %s", ctype);
  else
    snprintf(hdr, sizeof hdr, "Content-Type:");
  return http_req_ex(s, method, path, hs, body, len, 0, r);
}

int http_post_json(const struct srv *s, const char *path, const char *json, struct resp *r)
{
  return http_req(s, "POST", path, "application/json", json, strlen(json), r);
}

int http_get(const struct srv *s, const char *path, struct resp *r)
{
  return http_req(s, "GET", path, NULL, NULL, 0, r);
}

void resp_free(struct resp *r)
{
  free(r->body);
  r->body = NULL;
  r->len = 0;
}

/* end of server.c */

int srv_run(const char *const *argv, char *out, size_t cap)
{
  int pfd[2], status = 0;
  size_t n = 0;
  pid_t pid;
  if (cap == 0 || pipe(pfd) != 0)
    return -1;
  pid = fork();
  if (pid == 0) {
    dup2(pfd[1], 1);
    dup2(pfd[1], 2);
    close(pfd[0]);
    execv(argv[0], (char *const *)(uintptr_t)argv);
    _exit(127);
  }
  close(pfd[1]);
  for (;;) {
    ssize_t r = pid > 0 ? read(pfd[0], out + n, cap - 1 - n) : -1;
    if (r <= 0)
      break;
    n += (size_t)r;
  }
  out[n] = '\0';
  close(pfd[0]);
  if (pid < 0 || waitpid(pid, &status, 0) != pid)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
