/*
 * routes.c: the one route table, and the dispatcher: 404 for an unknown path, 405
 * with Allow for a known path and another method (HEAD is GET), 415 for an explicit
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
  { "POST", "/activate", &op_activate, NULL },
  { "POST", "/neuron/forward", &op_neuron_forward, NULL },
  { "POST", "/neuron/backward", &op_neuron_backward, NULL },
  { "POST", "/network/forward", &op_network_forward, NULL },
  { "POST", "/network/backward", &op_network_backward, NULL },
  { "POST", "/loss", &op_loss, NULL },
  { "POST", "/init", &op_init, NULL },
  { "GET", "/activations", NULL, h_activations_get },
  { "GET", "/activations/{name}", NULL, h_activation_get },
  { "GET", "/healthz", NULL, h_healthz_get },
  { "GET", "/metrics", NULL, h_metrics_get },
  { "GET", "/openapi.yaml", NULL, h_static_get },
  { "GET", "/openapi.json", NULL, h_static_get },
  { "GET", "/docs", NULL, h_static_get },
  { "GET", "/", NULL, h_static_get },
  { "GET", "/static/{name}", NULL, h_static_get },
  { "GET", "/plot.svg", NULL, h_plot_get },
  { NULL, NULL, NULL, NULL },
};

/* Whether path matches pattern; for a pattern ending in "{name}", one non-empty
 * segment in its place, returned in *arg. */
static int path_match(const char *pattern, const char *path, const char **arg)
{
  const char *brace = strchr(pattern, '{');
  size_t n;

  *arg = NULL;
  if (brace == NULL)
    return strcmp(pattern, path) == 0;
  n = (size_t)(brace - pattern);
  if (strncmp(pattern, path, n) != 0)
    return 0;
  path += n;
  if (*path == '\0' || strchr(path, '/') != NULL)
    return 0;
  *arg = path;
  return 1;
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
  buf_init(&b, wire_json_estimate(l));
  if (wire_json(l, &b) > 0) {
    buf_free(&b);
    outs_check(c, l);
    return;
  }
  p = buf_take(&b, &n);
  reply_take(c, 200, "application/json", p, n);
}

static void route_run(struct hctx *c, const struct route *r)
{
  if (r->op != NULL)
    run_json(c, r->op);
  else
    r->get(c);
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
    const char *arg;
    if (!path_match(r->path, c->path, &arg))
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
      c->arg = arg;
    }
  }
  if (!known) {
    problem(c, 404, NULL, "no such path: %s", c->path);
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
    if (hit->op != NULL && !json_type(c->content_type))
      problem(c, 415, NULL,
              "Content-Type %s is not JSON (send application/json, or no Content-Type)",
              c->content_type);
    else
      route_run(c, hit);
  }
  if (c->err.status != 0)
    reply_problem(c);
  else if (c->status == 0)
    problem(c, 500, NULL, "the handler set no reply"), reply_problem(c);
}

/* end of routes.c */
