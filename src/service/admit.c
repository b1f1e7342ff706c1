/*
 * admit.c: the memory budget across connections and the server's readiness (admit.h).
 * The budget is one atomic counter of the bytes taken; a take that would pass the
 * limit fails and takes nothing.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/admit.h"

static size_t limit;
static atomic_size_t in_use;
static atomic_ullong refused;
static atomic_int draining;

size_t admit_estimate(size_t content_length)
{
  if (content_length > (SIZE_MAX - ADMIT_BASE) / ADMIT_FACTOR)
    return SIZE_MAX;
  return ADMIT_BASE + ADMIT_FACTOR * content_length;
}

void admit_init(size_t bytes)
{
  limit = bytes;
}

size_t admit_limit(void)
{
  return limit;
}

size_t admit_in_use(void)
{
  return atomic_load_explicit(&in_use, memory_order_relaxed);
}

int admit_take(size_t n)
{
  size_t cur = atomic_load_explicit(&in_use, memory_order_relaxed);
  do {
    if (limit != 0 && (n > limit || cur > limit - n))
      return -1;
  } while (!atomic_compare_exchange_weak_explicit(&in_use, &cur, cur + n, memory_order_relaxed,
                                                  memory_order_relaxed));
  return 0;
}

void admit_force(size_t n)
{
  atomic_fetch_add_explicit(&in_use, n, memory_order_relaxed);
}

void admit_give(size_t n)
{
  atomic_fetch_sub_explicit(&in_use, n, memory_order_relaxed);
}

void admit_refused(void)
{
  atomic_fetch_add_explicit(&refused, 1, memory_order_relaxed);
}

unsigned long long admit_refused_total(void)
{
  return atomic_load_explicit(&refused, memory_order_relaxed);
}

int admit_exhausted(void)
{
  return limit != 0 && admit_in_use() > limit - limit / 8;
}

void admit_set_draining(int on)
{
  atomic_store(&draining, on);
}

int admit_draining(void)
{
  return atomic_load(&draining);
}

/* ------------------------------------------------------------ the default */

/* The number in a cgroup limit file, or 0 for none ("max", absent, unreadable). */
static size_t read_limit(const char *path)
{
  FILE *f = fopen(path, "r");
  char line[64];
  size_t v = 0;

  if (f == NULL)
    return 0;
  if (fgets(line, sizeof line, f) != NULL && line[0] >= '0' && line[0] <= '9') {
    unsigned long long n = strtoull(line, NULL, 10);
    v = n > SIZE_MAX ? SIZE_MAX : (size_t)n;
  }
  fclose(f);
  return v;
}

/* The smallest limit named `file` in the cgroup directory root + path and in each of
 * its ancestors up to root, or 0 for none. */
static size_t walk_limits(const char *root, const char *path, const char *file)
{
  char dir[512], p[640];
  size_t best = 0;

  snprintf(dir, sizeof dir, "%s", path);
  for (;;) {
    size_t v, n;
    snprintf(p, sizeof p, "%s%s/%s", root, strcmp(dir, "/") == 0 ? "" : dir, file);
    v = read_limit(p);
    if (v != 0 && (best == 0 || v < best))
      best = v;
    n = strlen(dir);
    if (n <= 1)
      break;
    while (n > 1 && dir[n - 1] != '/')
      n--;
    dir[n > 1 ? n - 1 : 1] = '\0';
  }
  return best;
}

/* The memory limit of this process's cgroup, or 0 for none. /proc/self/cgroup names
 * the cgroup: "0::/path" for v2 (mounted at /sys/fs/cgroup, or /sys/fs/cgroup/unified
 * beside v1), "N:memory:/path" for v1's memory controller. */
static size_t cgroup_limit(void)
{
  FILE *f = fopen("/proc/self/cgroup", "r");
  char line[600];
  size_t best = 0;

  if (f == NULL)
    return 0;
  while (fgets(line, sizeof line, f) != NULL) {
    char *c1 = strchr(line, ':'), *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
    size_t v = 0;
    if (c2 == NULL)
      continue;
    c2[strcspn(c2, "\n")] = '\0';
    *c2 = '\0';
    if (c1[1] == '\0') { /* v2 */
      v = walk_limits("/sys/fs/cgroup", c2 + 1, "memory.max");
      if (v == 0)
        v = walk_limits("/sys/fs/cgroup/unified", c2 + 1, "memory.max");
    } else {
      char *ctl = c1 + 1;
      for (char *t = strtok(ctl, ","); t != NULL; t = strtok(NULL, ","))
        if (strcmp(t, "memory") == 0)
          v = walk_limits("/sys/fs/cgroup/memory", c2 + 1, "memory.limit_in_bytes");
    }
    if (v != 0 && (best == 0 || v < best))
      best = v;
  }
  fclose(f);
  return best;
}

size_t admit_default(const char **from)
{
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  size_t phys = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
  size_t cg = cgroup_limit(), base = phys;

  *from = "physical memory";
  /* v1 says "no limit" with a number near 2^63: a limit over physical memory is none */
  if (cg != 0 && (phys == 0 || cg < phys)) {
    base = cg;
    *from = "cgroup";
  }
  return base / ADMIT_SHARE_DEN * ADMIT_SHARE_NUM;
}

/* end of admit.c */
