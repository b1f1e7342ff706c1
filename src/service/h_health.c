/*
 * h_health.c: GET /healthz (liveness), GET /readyz (readiness: the memory budget has
 * room and the server is not draining) and GET /metrics.
 */
#include <stddef.h>

#include "codec/buf.h"
#include "service/admit.h"
#include "service/metrics.h"
#include "service/routes.h"

void h_healthz_get(struct hctx *c)
{
  struct buf b;
  buf_init(&b, 32);
  buf_puts(&b, "{\"status\":\"ok\"}");
  reply_buf(c, 200, "application/json", &b);
}

void h_readyz_get(struct hctx *c)
{
  struct buf b;
  if (admit_draining()) {
    problem(c, 503, NULL, "not ready: the server is draining (it received SIGTERM)");
    return;
  }
  if (admit_exhausted()) {
    problem(c, 503, NULL,
            "not ready: the memory budget is exhausted (%zu of %zu bytes in use)",
            admit_in_use(), admit_limit());
    return;
  }
  buf_init(&b, 32);
  buf_puts(&b, "{\"status\":\"ready\"}");
  reply_buf(c, 200, "application/json", &b);
}

void h_metrics_get(struct hctx *c)
{
  struct buf b;
  buf_init(&b, 8192);
  metrics_write(&b);
  reply_buf(c, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
}

/* end of h_health.c */
