/*
 * main.c: options and environment to a config; start the server, print the port,
 * wait for SIGTERM or SIGINT, then stop: no new connections, requests in flight
 * finish (bounded), exit 0.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>
#include <unistd.h>

#include "codec/buf.h"
#include "exec/par.h"
#include "service/server.h"

/* How long SIGTERM waits for requests in flight before stopping anyway. */
#define STOP_GRACE_MS 30000

static const char usage[] =
  "usage: neurond [options]\n"
  "  --port N             TCP port (default 8080; 0 picks a free one)   NEUROND_PORT\n"
  "  --bind ADDR          address to listen on (default: all)           NEUROND_BIND\n"
  "  --threads N          cores to use: 2N connection threads, splits   NEUROND_THREADS\n"
  "                       of large requests into N parts (default: the\n"
  "                       number of cores)\n"
  "  --max-body-bytes N   largest request body (default 67108864)       NEUROND_MAX_BODY_BYTES\n"
  "  --max-elements N     most numbers in one request (default 16777216) NEUROND_MAX_ELEMENTS\n"
  "  --conn-timeout S     idle time, and time for a request's headers (default 30)\n"
  "                                                                     NEUROND_CONN_TIMEOUT\n"
  "  --max-connections N  concurrent connections (default 1024)         NEUROND_MAX_CONNECTIONS\n"
  "  --no-access-log      no JSON line per request on stderr\n"
  "  --help               this text\n"
  "Flags win over the environment.\n";

/* Parses a decimal unsigned integer in [lo, hi]; -1 on anything else. */
static int parse_size(const char *s, unsigned long long lo, unsigned long long hi,
                      unsigned long long *out)
{
  char *end;
  unsigned long long v;

  if (s == NULL || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

struct opt {
  const char *flag, *env;
  unsigned long long lo, hi;
  int kind; /* 0 unsigned, 1 size_t */
  void *dst;
};

static int set_opt(const struct opt *o, const char *val, const char *from)
{
  unsigned long long v;

  if (parse_size(val, o->lo, o->hi, &v) != 0) {
    fprintf(stderr, "neurond: %s: invalid value \"%s\" (an integer in [%llu, %llu])\n",
            from, val != NULL ? val : "", o->lo, o->hi);
    return -1;
  }
  if (o->kind == 0)
    *(unsigned *)o->dst = (unsigned)v;
  else
    *(size_t *)o->dst = (size_t)v;
  return 0;
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
  stop_signal = sig;
}

int main(int argc, char **argv)
{
  static struct config cfg;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  struct server *srv;
  struct sigaction sa;
  sigset_t mask, old;

  cfg.port = 8080;
  cfg.bind = NULL;
  cfg.threads = cores > 0 ? (unsigned)cores : 1;
  cfg.max_body_bytes = (size_t)64 << 20;
  cfg.max_elements = 16777216;
  cfg.conn_timeout = 30;
  cfg.max_connections = 1024;
  cfg.access_log = 1;

  const struct opt opts[] = {
    { "--port", "NEUROND_PORT", 0, 65535, 0, &cfg.port },
    { "--threads", "NEUROND_THREADS", 1, 1024, 0, &cfg.threads },
    { "--max-body-bytes", "NEUROND_MAX_BODY_BYTES", 1, SIZE_MAX / 2, 1, &cfg.max_body_bytes },
    { "--max-elements", "NEUROND_MAX_ELEMENTS", 1, SIZE_MAX / 16, 1, &cfg.max_elements },
    { "--conn-timeout", "NEUROND_CONN_TIMEOUT", 0, 86400, 0, &cfg.conn_timeout },
    { "--max-connections", "NEUROND_MAX_CONNECTIONS", 1, 1000000, 0, &cfg.max_connections },
  };
  const size_t nopts = sizeof opts / sizeof opts[0];

  /* The environment first, so that flags win. A variable set to "" counts as unset
   * (as `NEUROND_PORT=` in a compose file or a shell script means). */
  for (size_t i = 0; i < nopts; i++) {
    const char *v = getenv(opts[i].env);
    if (v != NULL && v[0] != '\0' && set_opt(&opts[i], v, opts[i].env) != 0)
      return 2;
  }
  if (getenv("NEUROND_BIND") != NULL && getenv("NEUROND_BIND")[0] != '\0')
    cfg.bind = getenv("NEUROND_BIND");

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val = NULL, *eq;
    size_t alen;
    int done = 0;

    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage, stdout);
      return 0;
    }
    if (strcmp(a, "--no-access-log") == 0) {
      cfg.access_log = 0;
      continue;
    }
    eq = strchr(a, '=');
    alen = eq != NULL ? (size_t)(eq - a) : strlen(a);
    if (eq != NULL)
      val = eq + 1;
    if (alen == 6 && strncmp(a, "--bind", 6) == 0) {
      if (val == NULL) {
        if (i + 1 >= argc) {
          fprintf(stderr, "neurond: --bind needs a value\n%s", usage);
          return 2;
        }
        val = argv[++i];
      }
      cfg.bind = val[0] != '\0' ? val : NULL;
      continue;
    }
    for (size_t k = 0; k < nopts && !done; k++) {
      if (strlen(opts[k].flag) != alen || strncmp(a, opts[k].flag, alen) != 0)
        continue;
      if (val == NULL) {
        if (i + 1 >= argc) {
          fprintf(stderr, "neurond: %s needs a value\n%s", opts[k].flag, usage);
          return 2;
        }
        val = argv[++i];
      }
      if (set_opt(&opts[k], val, opts[k].flag) != 0)
        return 2;
      done = 1;
    }
    if (!done) {
      fprintf(stderr, "neurond: unknown option %s\n%s", a, usage);
      return 2;
    }
  }

  /* Signals: blocked in every thread (MHD's inherit the mask), waited for here. */
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  pthread_sigmask(SIG_BLOCK, &mask, &old);

#ifdef __GLIBC__
  /* A large request's buffers (its body, its numbers, its outputs: up to 32 MiB each)
   * come from the heap and stay there for the next one, instead of fresh mappings
   * whose every page faults in on first touch (about a microsecond a page here, some
   * 20 ms of a 1,000,000-element request). Up to 256 MiB of freed heap is kept. */
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
  par_set_threads(cfg.threads);
  srv = server_start(&cfg);
  if (srv == NULL)
    return 1;
  printf("neurond listening on port %u\n", server_port(srv));
  fflush(stdout);

  while (!stop_signal)
    sigsuspend(&old);

  server_stop(srv, STOP_GRACE_MS);
  par_shutdown();
  buf_drop_spare();
  return 0;
}

/* end of main.c */
