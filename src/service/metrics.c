/*
 * metrics.c: request counters by route and status, a latency histogram by route,
 * bytes in and out, and the in-flight gauge, all C11 atomics; and the heap in use
 * (glibc's mallinfo2, read at the scrape); written out in the Prometheus text
 * exposition format (version 0.0.4).
 */
#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "service/admit.h"
#include "service/metrics.h"
#include "service/routes.h"
#include "service/version.h"

#define MAX_ROUTES 64
static const int statuses[] = { 200, 204, 400, 404, 405, 413, 414, 415, 422, 431, 500, 503 };
#define NSTATUS (sizeof statuses / sizeof statuses[0])
static const double bounds[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
static const char *const bound_text[] = { "0.0001", "0.00025", "0.0005", "0.001",
                                          "0.0025", "0.005", "0.01", "0.025", "0.05",
                                          "0.1", "0.25", "0.5", "1", "2.5", "5", "10" };
#define NBUCKET (sizeof bounds / sizeof bounds[0])

/* Row MAX_ROUTES - 1 is "other" (unknown paths); a status not listed is counted
 * under column NSTATUS with its own label "other". */
static atomic_ullong requests[MAX_ROUTES][NSTATUS + 1];
static atomic_ullong buckets[MAX_ROUTES][NBUCKET + 1]; /* the last is +Inf */
static atomic_ullong dur_ns[MAX_ROUTES];
static atomic_ullong bytes_in_total, bytes_out_total;
static atomic_long in_flight;

static size_t route_index(const char *route)
{
  size_t i = 0;
  if (route == NULL)
    return MAX_ROUTES - 1;
  for (const struct route *r = http_routes; r->path != NULL && i < MAX_ROUTES - 1; r++, i++)
    if (r->path == route || strcmp(r->path, route) == 0)
      return i;
  return MAX_ROUTES - 1;
}

void metrics_record(const char *route, int status, double seconds, size_t bytes_in,
                    size_t bytes_out)
{
  size_t r = route_index(route), s = 0, b = 0;

  while (s < NSTATUS && statuses[s] != status)
    s++;
  while (b < NBUCKET && seconds > bounds[b])
    b++;
  atomic_fetch_add_explicit(&requests[r][s], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&buckets[r][b], 1, memory_order_relaxed);
  if (seconds > 0)
    atomic_fetch_add_explicit(&dur_ns[r], (unsigned long long)(seconds * 1e9),
                              memory_order_relaxed);
  atomic_fetch_add_explicit(&bytes_in_total, bytes_in, memory_order_relaxed);
  atomic_fetch_add_explicit(&bytes_out_total, bytes_out, memory_order_relaxed);
}

void metrics_in_flight_add(int delta)
{
  atomic_fetch_add_explicit(&in_flight, delta, memory_order_relaxed);
}

long metrics_in_flight(void)
{
  return atomic_load_explicit(&in_flight, memory_order_relaxed);
}

static const char *route_name(size_t i)
{
  return i < MAX_ROUTES - 1 ? http_routes[i].path : "other";
}

static size_t route_count(void)
{
  size_t n = 0;
  while (http_routes[n].path != NULL && n < MAX_ROUTES - 1)
    n++;
  return n;
}

static void put_u64(struct buf *b, unsigned long long v)
{
  buf_uint(b, (size_t)v);
}

static void put_route_label(struct buf *b, size_t r)
{
  buf_puts(b, "route=\"");
  buf_puts(b, route_name(r));
  buf_putc(b, '"');
}

void metrics_write(struct buf *b)
{
  size_t nr = route_count();

  buf_puts(b, "# HELP neurond_requests_total Requests answered, by route and status.\n"
              "# TYPE neurond_requests_total counter\n");
  for (size_t r = 0; r < MAX_ROUTES; r++) {
    if (r >= nr && r != MAX_ROUTES - 1)
      continue;
    for (size_t s = 0; s <= NSTATUS; s++) {
      unsigned long long v = atomic_load_explicit(&requests[r][s], memory_order_relaxed);
      if (v == 0)
        continue;
      buf_puts(b, "neurond_requests_total{");
      put_route_label(b, r);
      buf_puts(b, ",status=\"");
      if (s < NSTATUS)
        buf_uint(b, (size_t)statuses[s]);
      else
        buf_puts(b, "other");
      buf_puts(b, "\"} ");
      put_u64(b, v);
      buf_putc(b, '\n');
    }
  }

  buf_puts(b, "# HELP neurond_request_duration_seconds Time from the request's arrival to "
              "its reply, by route.\n"
              "# TYPE neurond_request_duration_seconds histogram\n");
  for (size_t r = 0; r < MAX_ROUTES; r++) {
    unsigned long long cum = 0, total = 0;
    if (r >= nr && r != MAX_ROUTES - 1)
      continue;
    for (size_t k = 0; k <= NBUCKET; k++)
      total += atomic_load_explicit(&buckets[r][k], memory_order_relaxed);
    if (total == 0)
      continue; /* a route not yet requested */
    for (size_t k = 0; k <= NBUCKET; k++) {
      cum += atomic_load_explicit(&buckets[r][k], memory_order_relaxed);
      buf_puts(b, "neurond_request_duration_seconds_bucket{");
      put_route_label(b, r);
      buf_puts(b, ",le=\"");
      buf_puts(b, k < NBUCKET ? bound_text[k] : "+Inf");
      buf_puts(b, "\"} ");
      put_u64(b, cum);
      buf_putc(b, '\n');
    }
    buf_puts(b, "neurond_request_duration_seconds_sum{");
    put_route_label(b, r);
    buf_puts(b, "} ");
    buf_num(b, (double)atomic_load_explicit(&dur_ns[r], memory_order_relaxed) / 1e9);
    buf_puts(b, "\nneurond_request_duration_seconds_count{");
    put_route_label(b, r);
    buf_puts(b, "} ");
    put_u64(b, cum);
    buf_putc(b, '\n');
  }

  buf_puts(b, "# HELP neurond_request_bytes_total Request body bytes received.\n"
              "# TYPE neurond_request_bytes_total counter\n"
              "neurond_request_bytes_total ");
  put_u64(b, atomic_load_explicit(&bytes_in_total, memory_order_relaxed));
  buf_puts(b, "\n# HELP neurond_response_bytes_total Response body bytes sent.\n"
              "# TYPE neurond_response_bytes_total counter\n"
              "neurond_response_bytes_total ");
  put_u64(b, atomic_load_explicit(&bytes_out_total, memory_order_relaxed));
  buf_puts(b, "\n# HELP neurond_in_flight Requests being handled now.\n"
              "# TYPE neurond_in_flight gauge\n"
              "neurond_in_flight ");
  {
    long v = metrics_in_flight();
    if (v < 0)
      v = 0;
    buf_uint(b, (size_t)v);
  }
  buf_putc(b, '\n');
  buf_puts(b, "# HELP neurond_memory_budget_bytes The memory budget across connections "
              "(--max-memory).\n"
              "# TYPE neurond_memory_budget_bytes gauge\n"
              "neurond_memory_budget_bytes ");
  buf_uint(b, admit_limit());
  buf_puts(b, "\n# HELP neurond_memory_in_use_bytes Bytes of the budget held by requests "
              "and replies now.\n"
              "# TYPE neurond_memory_in_use_bytes gauge\n"
              "neurond_memory_in_use_bytes ");
  buf_uint(b, admit_in_use());
  buf_puts(b, "\n# HELP neurond_memory_refused_total Requests answered 503 for want of "
              "memory.\n"
              "# TYPE neurond_memory_refused_total counter\n"
              "neurond_memory_refused_total ");
  put_u64(b, admit_refused_total());
  buf_puts(b, "\n# HELP neurond_ready Whether /readyz answers 200 (1) or 503 (0).\n"
              "# TYPE neurond_ready gauge\n"
              "neurond_ready ");
  buf_puts(b, admit_draining() || admit_exhausted() ? "0" : "1");
  buf_puts(b, "\n# HELP neurond_build_info The version and commit of this build.\n"
              "# TYPE neurond_build_info gauge\n"
              "neurond_build_info{version=\"" NEUROND_VERSION "\",commit=\"" NEUROND_COMMIT
              "\"} 1\n");
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  {
    /* what is allocated and not freed, from the heap arenas and from mappings of
     * their own; unlike RSS it does not keep the arenas' high-water marks, so it
     * returns to the same value whenever the same requests are in flight */
    struct mallinfo2 mi = mallinfo2();
    buf_puts(b, "# HELP neurond_heap_bytes Heap memory allocated and not yet freed.\n"
                "# TYPE neurond_heap_bytes gauge\n"
                "neurond_heap_bytes ");
    buf_uint(b, mi.uordblks + mi.hblkhd);
    buf_putc(b, '\n');
  }
#endif
}

/* end of metrics.c */
