/*
 * metrics.h: counters of the requests served, for GET /metrics (Prometheus text).
 */
#ifndef NEUROND_SERVICE_METRICS_H
#define NEUROND_SERVICE_METRICS_H

#include <stddef.h>

#include "codec/buf.h"

/* Records one finished request (thread-safe, atomics). route is a route's pattern
 * (or "other"). */
void metrics_record(const char *route, int status, double seconds, size_t bytes_in,
                    size_t bytes_out);
/* Writes the Prometheus text exposition. */
void metrics_write(struct buf *b);

/* Requests being handled now. */
void metrics_in_flight_add(int delta);
long metrics_in_flight(void);

#endif /* NEUROND_SERVICE_METRICS_H */
