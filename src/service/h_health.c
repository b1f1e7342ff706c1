/*
 * h_health.c: GET /healthz (liveness), GET /readyz (readiness: the memory budget has
 * room and the server is not draining), GET /metrics and GET /openapi.yaml. The spec is embedded
 * in the binary at build time (the Makefile names the copy to include), so the server
 * needs no source tree at run time.
 */
#include <stddef.h>

#include "codec/buf.h"
#include "service/admit.h"
#include "service/metrics.h"
#include "service/routes.h"

#ifndef NEUROND_OPENAPI_PATH
#define NEUROND_OPENAPI_PATH "openapi.yaml"
#endif

__asm__(".pushsection .rodata\n"
        ".globl neurond_openapi_start\n"
        ".hidden neurond_openapi_start\n"
        ".globl neurond_openapi_end\n"
        ".hidden neurond_openapi_end\n"
        "neurond_openapi_start:\n"
        ".incbin \"" NEUROND_OPENAPI_PATH "\"\n"
        "neurond_openapi_end:\n"
        ".byte 0\n"
        ".popsection\n");

extern const char neurond_openapi_start[];
extern const char neurond_openapi_end[];

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

void h_openapi_get(struct hctx *c)
{
  reply_bytes(c, 200, "application/yaml", neurond_openapi_start,
              (size_t)(neurond_openapi_end - neurond_openapi_start));
}

/* end of h_health.c */
