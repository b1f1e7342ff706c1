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
#include <time.h>
#include <unistd.h>

#include "codec/buf.h"
#include "exec/par.h"
#include "service/admit.h"
#include "service/server.h"
#include "service/version.h"

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
  "  --max-connections N  concurrent connections (default 1024); more are\n"
  "                       answered 503                                 NEUROND_MAX_CONNECTIONS\n"
  "  --max-memory N       memory budget for bodies, parsed numbers and   NEUROND_MAX_MEMORY\n"
  "                       replies across connections; a suffix K, M or G\n"
  "                       (powers of 1024) may follow (default: half the\n"
  "                       cgroup's memory limit, else of physical memory)\n"
  "  --cors-origin O      answer CORS preflights and allow origin O     NEUROND_CORS_ORIGIN\n"
  "                       (repeatable; * for any; the variable takes a\n"
  "                       comma-separated list; default: no CORS)\n"
  "  --drain-seconds S    after SIGTERM, keep serving S seconds with    NEUROND_DRAIN_SECONDS\n"
  "                       /readyz not ready before closing (default 0)\n"
  "  --no-access-log      no JSON line per request on stderr\n"
  "  --version            the version and the commit it was built from\n"
  "  --help               this text\n"
  "Flags win over the environment.\n";

/* The origins of --cors-origin and NEUROND_CORS_ORIGIN. */
#define MAX_ORIGINS 32
static const char *origins[MAX_ORIGINS + 1];
static size_t norigins;

/* Adds the comma-separated origins of s (kept: from argv or the environment, or a
 * copy); -1 past MAX_ORIGINS. */
static int add_origins(const char *s, const char *from)
{
  char *copy = strdup(s), *save = NULL;
  if (copy == NULL)
    return -1;
  for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
    while (*t == ' ')
      t++;
    t[strcspn(t, " ")] = '\0';
    if (*t == '\0')
      continue;
    if (norigins == MAX_ORIGINS) {
      fprintf(stderr, "neurond: %s: more than %d origins\n", from, MAX_ORIGINS);
      return -1;
    }
    origins[norigins++] = t;
  }
  return 0;
}

/* Parses a decimal unsigned integer in [lo, hi], with a binary suffix (K, M, G, each
 * optionally followed by i or iB) where suffix is set; -1 on anything else. */
static int parse_size(const char *s, unsigned long long lo, unsigned long long hi, int suffix,
                      unsigned long long *out)
{
  char *end;
  unsigned long long v, mul = 1;

  if (s == NULL || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (suffix && *end != '\0') {
    const char *units = "KMG", *u = strchr(units, end[0] & ~0x20);
    if (u == NULL)
      return -1;
    for (const char *k = units; k <= u; k++)
      mul *= 1024;
    end++;
    if (*end == 'i')
      end++;
    if (*end == 'B')
      end++;
  }
  if (errno != 0 || *end != '\0' || v > ULLONG_MAX / mul || v * mul < lo || v * mul > hi)
    return -1;
  *out = v * mul;
  return 0;
}

struct opt {
  const char *flag, *env;
  unsigned long long lo, hi;
  int kind; /* 0 unsigned, 1 size_t, 2 size_t with a K, M or G suffix */
  void *dst;
};

static int set_opt(const struct opt *o, const char *val, const char *from)
{
  unsigned long long v;

  if (parse_size(val, o->lo, o->hi, o->kind == 2, &v) != 0) {
    fprintf(stderr, "neurond: %s: invalid value \"%s\" (an integer in [%llu, %llu]%s)\n",
            from, val != NULL ? val : "", o->lo, o->hi,
            o->kind == 2 ? ", with K, M or G for powers of 1024" : "");
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
  cfg.max_memory = 0; /* the default, from the cgroup or physical memory, below */

  const struct opt opts[] = {
    { "--port", "NEUROND_PORT", 0, 65535, 0, &cfg.port },
    { "--threads", "NEUROND_THREADS", 1, 1024, 0, &cfg.threads },
    { "--max-body-bytes", "NEUROND_MAX_BODY_BYTES", 1, SIZE_MAX / 2, 1, &cfg.max_body_bytes },
    { "--max-elements", "NEUROND_MAX_ELEMENTS", 1, SIZE_MAX / 16, 1, &cfg.max_elements },
    { "--conn-timeout", "NEUROND_CONN_TIMEOUT", 0, 86400, 0, &cfg.conn_timeout },
    { "--max-connections", "NEUROND_MAX_CONNECTIONS", 1, 1000000, 0, &cfg.max_connections },
    { "--max-memory", "NEUROND_MAX_MEMORY", 1 << 20, SIZE_MAX / 2, 2, &cfg.max_memory },
    { "--drain-seconds", "NEUROND_DRAIN_SECONDS", 0, 3600, 0, &cfg.drain_seconds },
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
  if (getenv("NEUROND_CORS_ORIGIN") != NULL &&
      add_origins(getenv("NEUROND_CORS_ORIGIN"), "NEUROND_CORS_ORIGIN") != 0)
    return 2;

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val = NULL, *eq;
    size_t alen;
    int done = 0;

    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage, stdout);
      return 0;
    }
    if (strcmp(a, "--version") == 0) {
      printf("neurond %s (commit %s)\n", NEUROND_VERSION, NEUROND_COMMIT);
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
    if (alen == 13 && strncmp(a, "--cors-origin", 13) == 0) {
      if (val == NULL) {
        if (i + 1 >= argc) {
          fprintf(stderr, "neurond: --cors-origin needs a value\n%s", usage);
          return 2;
        }
        val = argv[++i];
      }
      if (add_origins(val, "--cors-origin") != 0)
        return 2;
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

  if (norigins > 0)
    cfg.cors_origins = origins;
  if (cfg.max_memory == 0) {
    const char *from;
    cfg.max_memory = admit_default(&from);
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
   * 20 ms of a 1,000,000-element request). Up to 256 MiB of freed heap is kept, and
   * no more than an eighth of the memory budget: the memory kept is outside it. One
   * arena for all threads: with one per thread (the connection threads, the large-request
   * threads) each would keep its own freed buffers, and a run of large requests served
   * by different threads would hold several times that (small blocks still come from
   * each thread's cache without the arena's lock). */
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, cfg.max_memory / 8 < ((size_t)256 << 20)
                              ? (int)(cfg.max_memory / 8) : 256 << 20);
#endif
  par_set_threads(cfg.threads);
  srv = server_start(&cfg);
  if (srv == NULL)
    return 1;
  printf("neurond listening on port %u\n", server_port(srv));
  fflush(stdout);

  while (!stop_signal)
    sigsuspend(&old);

  /* Draining: /readyz says so, replies close their connections; the listening socket
   * stays open drain_seconds for the balancer to notice, then closes. */
  admit_set_draining(1);
  if (cfg.drain_seconds > 0) {
    struct timespec ts = { (time_t)cfg.drain_seconds, 0 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
      ;
  }
  server_stop(srv, STOP_GRACE_MS);
  par_shutdown();
  buf_drop_spare();
  return 0;
}

/* end of main.c */
