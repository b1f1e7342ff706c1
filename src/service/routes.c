/*
 * routes.c: the one route table, and the dispatcher: 404 for an unknown path, 405
 * with Allow for a known path and another method (HEAD is GET), a CORS preflight
 * (OPTIONS, with --cors-origin) answered 204, 415 for an explicit
 * non-JSON Content-Type on a route that takes a body; then our JSON front: the body
 * decoded into the operation's typed request, the operation run, its answer checked
 * for overflow and written as JSON.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "service/routes.h"
#include "service/wire.h"

const struct route http_routes[] = {
  { "POST", "/activate", &op_activate, NULL, RT_BODY },
  { "POST", "/neuron/forward", &op_neuron_forward, NULL, RT_BODY },
  { "POST", "/neuron/backward", &op_neuron_backward, NULL, RT_BODY },
  { "POST", "/network/forward", &op_network_forward, NULL, RT_BODY },
  { "POST", "/network/backward", &op_network_backward, NULL, RT_BODY },
  { "POST", "/loss", &op_loss, NULL, RT_BODY },
  { "POST", "/init", &op_init, NULL, RT_BODY },
  { "POST", "/verify", &op_verify, NULL, RT_BODY },
  { "GET", "/activations", NULL, h_activations_get, 0 },
  { "GET", "/activations/{name}", NULL, h_activation_get, 0 },
  { "GET", "/losses", NULL, h_losses_get, 0 },
  { "GET", "/healthz", NULL, h_healthz_get, 0 },
  { "GET", "/readyz", NULL, h_readyz_get, 0 },
  { "GET", "/metrics", NULL, h_metrics_get, 0 },
  { "GET", "/openapi.yaml", NULL, h_static_get, 0 },
  { "GET", "/openapi.json", NULL, h_static_get, 0 },
  { "GET", "/docs", NULL, h_static_get, 0 },
  { "GET", "/", NULL, h_static_get, 0 },
  { "GET", "/static/{name}", NULL, h_static_get, 0 },
  { "GET", "/plot.svg", NULL, h_plot_get, 0 },
  /* The Open Inference Protocol (v2.c), each model route also under a version. */
  { "GET", "/v2", NULL, v2_server_get, RT_OIP },
  { "GET", "/v2/health/live", NULL, v2_live_get, RT_OIP },
  { "GET", "/v2/health/ready", NULL, v2_ready_get, RT_OIP },
  { "GET", "/v2/models/{model}", NULL, v2_model_get, RT_OIP },
  { "GET", "/v2/models/{model}/versions/{version}", NULL, v2_model_get, RT_OIP },
  { "GET", "/v2/models/{model}/ready", NULL, v2_model_ready_get, RT_OIP },
  { "GET", "/v2/models/{model}/versions/{version}/ready", NULL, v2_model_ready_get, RT_OIP },
  { "POST", "/v2/models/{model}/infer", NULL, v2_infer_post, RT_OIP | RT_BODY | RT_BINARY },
  { "POST", "/v2/models/{model}/versions/{version}/infer", NULL, v2_infer_post,
    RT_OIP | RT_BODY | RT_BINARY },
  { NULL, NULL, NULL, NULL, 0 },
};

/* Whether path matches pattern, segment by segment; a "{name}" segment of the pattern
 * matches one non-empty segment of the path, the first two of them returned in caps
 * (a pointer into path and a length). */
struct cap {
  const char *p;
  size_t n;
};

static int path_match(const char *pattern, const char *path, struct cap caps[2])
{
  unsigned ncap = 0;

  caps[0].p = caps[1].p = NULL;
  caps[0].n = caps[1].n = 0;
  while (*pattern != '\0' && *path != '\0') {
    if (*pattern == '{') {
      size_t n = strcspn(path, "/");
      if (n == 0)
        return 0;
      if (ncap < 2) {
        caps[ncap].p = path;
        caps[ncap++].n = n;
      }
      path += n;
      pattern += strcspn(pattern, "}");
      if (*pattern == '}')
        pattern++;
      continue;
    }
    if (*pattern != *path)
      return 0;
    pattern++;
    path++;
  }
  return *pattern == '\0' && *path == '\0';
}

/* A capture as a string of the context. */
static const char *cap_string(struct hctx *c, const struct cap *k)
{
  char *s;
  if (k->p == NULL)
    return NULL;
  s = ctx_alloc(c, k->n + 1);
  if (s != NULL)
    memcpy(s, k->p, k->n);
  return s;
}

/* Whether a Content-Type is JSON or something a JSON body may arrive as:
 * absent, application/json, application/(anything)+json, text/json,
 * application/x-www-form-urlencoded (curl -d with no -H) or * / *. Parameters
 * (";charset=utf-8") are ignored; case does not matter. */
static int json_type(const char *ct)
{
  static const char *const ok[] = { "application/json", "text/json",
                                    "application/x-www-form-urlencoded", "*/*", NULL };
  const char *end;
  size_t n;

  if (ct == NULL)
    return 1;
  while (*ct == ' ' || *ct == '\t')
    ct++;
  end = ct + strcspn(ct, ";");
  while (end > ct && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  n = (size_t)(end - ct);
  if (n == 0)
    return 1;
  for (size_t i = 0; ok[i] != NULL; i++)
    if (strlen(ok[i]) == n && strncasecmp(ct, ok[i], n) == 0)
      return 1;
  if (n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
      strncasecmp(end - 5, "+json", 5) == 0)
    return 1;
  return 0;
}

const char *http_route_of(const char *path)
{
  struct cap caps[2];
  for (const struct route *r = http_routes; r->path != NULL; r++)
    if (path_match(r->path, path, caps))
      return r->path;
  return "other";
}

/* Whether a Content-Type is raw bytes (a binary tensor body). */
static int binary_type(const char *ct)
{
  static const char octet[] = "application/octet-stream";
  return ct != NULL && strncasecmp(ct, octet, sizeof octet - 1) == 0 &&
         (ct[sizeof octet - 1] == '\0' || ct[sizeof octet - 1] == ';' ||
          ct[sizeof octet - 1] == ' ');
}

/* Our JSON front for an operation. */
static void run_json(struct hctx *c, const struct op *op)
{
  struct req_head *rq = ctx_alloc(c, op->req_size);
  struct outs *l = ctx_alloc(c, sizeof *l);
  struct buf b;
  size_t n;
  char *p;

  if (rq == NULL || l == NULL || req_decode_json(c, op->fields, rq) != 0)
    return;
  outs_init(l);
  if (op->run(c, rq, l) != 0)
    return;
  if (l->overflow) {
    problem(c, 500, NULL, "the answer has more parts than the reply can list");
    return;
  }
  n = wire_json_estimate(l);
  if (ctx_charge(c, n) != 0)
    return;
  buf_init(&b, n);
  if (wire_json(l, &b) > 0) {
    buf_free(&b);
    outs_check(c, l);
    return;
  }
  p = buf_take(&b, &n);
  reply_take(c, 200, "application/json", p, n);
}

/* A CORS preflight (OPTIONS on a known path, with --cors-origin): 204 with the methods
 * the path takes and the request headers a page may send; the server adds
 * Access-Control-Allow-Origin for an origin it allows. */
static void preflight(struct hctx *c, const char *allow)
{
  const char *rh = c->header != NULL ? c->header(c->conn, "Access-Control-Request-Headers")
                                     : NULL;
  size_t n = rh != NULL ? strlen(rh) : 0;

  /* echoed only when it is a plain list of header names */
  if (rh != NULL && (n == 0 || n > 256 ||
                     strspn(rh, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                "-_, ") != n))
    rh = NULL;
  if (ctx_header(c, "Access-Control-Allow-Methods", allow) != 0 ||
      ctx_header(c, "Access-Control-Allow-Headers",
                 rh != NULL ? rh : "Content-Type, X-Request-Id, traceparent") != 0 ||
      ctx_header(c, "Access-Control-Max-Age", "600") != 0)
    return;
  c->allow = allow;
  reply_bytes(c, 204, NULL, "", 0);
}

static void route_run(struct hctx *c, const struct route *r)
{
  if (r->op != NULL)
    run_json(c, r->op);
  else
    r->fn(c);
}

void http_dispatch(struct hctx *c)
{
  const char *method = strcmp(c->method, "HEAD") == 0 ? "GET" : c->method;
  const struct route *hit = NULL;
  char allow[64];
  size_t k = 0;
  int known = 0;

  allow[0] = '\0';
  for (const struct route *r = http_routes; r->path != NULL; r++) {
    struct cap caps[2];
    if (!path_match(r->path, c->path, caps))
      continue;
    if (!known)
      c->route = r->path;
    known = 1;
    if (k + strlen(r->method) + 8 < sizeof allow) {
      if (k > 0) {
        memcpy(allow + k, ", ", 2);
        k += 2;
      }
      memcpy(allow + k, r->method, strlen(r->method));
      k += strlen(r->method);
      if (strcmp(r->method, "GET") == 0) {
        memcpy(allow + k, ", HEAD", 6);
        k += 6;
      }
      allow[k] = '\0';
    }
    if (strcmp(r->method, method) == 0 && hit == NULL) {
      hit = r;
      c->arg = cap_string(c, &caps[0]);
      c->arg2 = cap_string(c, &caps[1]);
    }
  }
  if (known && c->cfg != NULL && c->cfg->cors_origins != NULL && k + 9 < sizeof allow) {
    memcpy(allow + k, ", OPTIONS", 10); /* a preflight is answered on every path */
    k += 9;
  }
  if (!known) {
    problem(c, 404, NULL, "no such path: %s", c->path);
  } else if (strcmp(method, "OPTIONS") == 0 && c->cfg != NULL && c->cfg->cors_origins != NULL) {
    char *a = ctx_alloc(c, k + 1);
    if (a != NULL) {
      memcpy(a, allow, k + 1);
      preflight(c, a);
    }
  } else if (hit == NULL) {
    char *a = ctx_alloc(c, k + 1);
    if (a != NULL) {
      memcpy(a, allow, k + 1);
      c->allow = a;
      problem(c, 405, NULL, "%s is not allowed on %s (allowed: %s)", c->method, c->path,
              c->allow);
    }
  } else {
    c->route = hit->path;
    if ((hit->flags & RT_BODY) && !json_type(c->content_type) &&
        !((hit->flags & RT_BINARY) && binary_type(c->content_type)))
      problem(c, 415, NULL,
              "Content-Type %s is not JSON (send application/json, or no Content-Type)",
              c->content_type);
    else
      route_run(c, hit);
  }
  if (c->err.status == 0 && c->status == 0)
    problem(c, 500, NULL, "the handler set no reply");
  if (c->err.status != 0)
    reply_error(c);
}

/* end of routes.c */
