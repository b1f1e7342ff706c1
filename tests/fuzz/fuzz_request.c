/*
 * fuzz_request.c: a libFuzzer target over the real request path, in-process:
 * method, path, Content-Type and body bytes -> router -> handler -> response bytes.
 *
 * Input layout: "METHOD PATH[?QUERY]\n", optional "Content-Type: TYPE\n" and
 * "Inference-Header-Content-Length: N\n" lines, "\n", then the body (anything that does
 * not fit the layout is sent as a POST /activate body).
 * A failure is a crash or a sanitizer report (ASan, UBSan, leaks), a 5xx, or a
 * response that is not of the documented shape: JSON for JSON routes, a problem
 * object with type, title, status and detail for every 4xx, and no null in the 200
 * reply of a POST (every output is a finite number).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "service/routes.h"

static const struct config fuzz_cfg = {
  .port = 0,
  .threads = 1,
  .max_body_bytes = 1 << 20,
  .max_elements = 1 << 16,
  .conn_timeout = 30,
  .max_connections = 16,
  .access_log = 0,
};

/* 1 if v holds a null anywhere. */
static int has_null(const cJSON *v)
{
  if (cJSON_IsNull(v))
    return 1;
  for (const cJSON *it = v->child; it != NULL; it = it->next)
    if (has_null(it))
      return 1;
  return 0;
}

static void check_response(const struct hctx *c, int post)
{
  cJSON *doc, *st;
  if (c->status < 200 || c->status >= 500)
    abort();
  if (c->resp_type == NULL)
    abort();
  if (strncmp(c->resp_type, "application/octet-stream", 24) == 0)
    return; /* binary tensors after a JSON header */
  if (strncmp(c->resp_type, "application/json", 16) != 0 &&
      strncmp(c->resp_type, "application/problem+json", 24) != 0)
    return; /* /metrics, /openapi.yaml, the pages and /plot.svg are not JSON */
  doc = cJSON_ParseWithLength(c->resp, c->resp_len);
  if (doc == NULL)
    abort();
  if (c->status >= 400 && strncmp(c->path, "/v2", 3) == 0 &&
      (c->path[3] == '\0' || c->path[3] == '/')) {
    /* the inference protocol's error body */
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "error")))
      abort();
  } else if (c->status >= 400) {
    st = cJSON_GetObjectItemCaseSensitive(doc, "status");
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "type")) ||
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "title")) ||
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "detail")) ||
        !cJSON_IsNumber(st) || st->valueint != c->status)
      abort();
  }
  if (post && c->status == 200 && has_null(doc)) /* every output is a finite number */
    abort();
  cJSON_Delete(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char ihcl[32]; /* the Inference-Header-Content-Length of this input, or "" */

static const char *fuzz_header(void *conn, const char *name)
{
  (void)conn;
  if (strcmp(name, "Inference-Header-Content-Length") == 0 && ihcl[0] != '\0')
    return ihcl;
  return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char method[16] = "POST", path[256] = "/activate", ctype[128];
  const char *p = (const char *)data, *end = p + size, *nl, *sp;
  const char *type = NULL;
  struct hctx c;

  ihcl[0] = '\0';
  /* Request line. */
  nl = memchr(p, '\n', size);
  sp = nl != NULL ? memchr(p, ' ', (size_t)(nl - p)) : NULL;
  if (nl != NULL && sp != NULL && (size_t)(sp - p) < sizeof method &&
      (size_t)(nl - sp - 1) < sizeof path) {
    memcpy(method, p, (size_t)(sp - p));
    method[sp - p] = '\0';
    memcpy(path, sp + 1, (size_t)(nl - sp - 1));
    path[nl - sp - 1] = '\0';
    p = nl + 1;
    /* Optional Content-Type and Inference-Header-Content-Length lines, then a blank
     * line. */
    if ((size_t)(end - p) > 14 && memcmp(p, "Content-Type: ", 14) == 0) {
      nl = memchr(p, '\n', (size_t)(end - p));
      if (nl != NULL && (size_t)(nl - p - 14) < sizeof ctype) {
        memcpy(ctype, p + 14, (size_t)(nl - p - 14));
        ctype[nl - p - 14] = '\0';
        type = ctype;
        p = nl + 1;
      }
    }
    if ((size_t)(end - p) > 33 && memcmp(p, "Inference-Header-Content-Length: ", 33) == 0) {
      nl = memchr(p, '\n', (size_t)(end - p));
      if (nl != NULL && (size_t)(nl - p - 33) < sizeof ihcl) {
        memcpy(ihcl, p + 33, (size_t)(nl - p - 33));
        ihcl[nl - p - 33] = '\0';
        p = nl + 1;
      }
    }
    if (p < end && *p == '\n')
      p++;
  } else {
    p = (const char *)data;
  }
  ctx_init(&c, &fuzz_cfg, method, path, type, p, (size_t)(end - p));
  c.header = fuzz_header;
  {
    char *qm = strchr(path, '?'); /* the query string, as the server passes it */
    if (qm != NULL) {
      *qm = '\0';
      c.query = qm + 1;
    }
  }
  http_dispatch(&c);
  check_response(&c, strcmp(method, "POST") == 0);
  ctx_free(&c);
  return 0;
}
