/*
 * routes.h: the one route table, what a route does, and the dispatcher.
 *
 * A POST route is an operation: the fields its body takes (request.h), the size of its
 * typed request, and a run function that calls the engine (through exec/exec.h) and
 * lists what it answers (outs.h); the front the request came in on decodes the body
 * and encodes the answer (wire.h). A GET route writes its own document.
 */
#ifndef NEUROND_SERVICE_ROUTES_H
#define NEUROND_SERVICE_ROUTES_H

#include <stddef.h>

#include "service/ctx.h"
#include "service/outs.h"
#include "service/request.h"

struct op {
  const struct field *fields;
  size_t req_size;          /* of the typed request, which starts with struct req_head */
  /* Runs the decoded request; 0 with the answer listed in o, or -1 with a problem
   * recorded. */
  int (*run)(struct hctx *c, struct req_head *rq, struct outs *o);
};

/* A handler that reads the request and sets its reply itself. */
typedef void get_fn(struct hctx *c);

#define RT_BODY 1u    /* takes a body: JSON (415 for another explicit Content-Type) */
#define RT_BINARY 2u  /* ... or raw bytes (application/octet-stream) */
#define RT_OIP 4u     /* the Open Inference Protocol's: errors as {"error": ...} */

/* The route table (routes.c), ended by a row whose path is NULL. A "{name}" segment
 * matches one segment of the path; the first two are passed to the handler as c->arg
 * and c->arg2. */
struct route {
  const char *method;  /* "GET" or "POST" */
  const char *path;    /* "/activate", "/activations/{name}", ... */
  const struct op *op; /* an operation of our JSON front, or NULL */
  get_fn *fn;          /* else the handler */
  unsigned flags;      /* RT_* */
};
extern const struct route http_routes[];

/* Finds the route for c->method and c->path and runs it; records 404 for an unknown
 * path, 405 (with c->allow) for a known path and wrong method, 415 for an explicit
 * non-JSON Content-Type on a route that takes a body; every problem is rendered as
 * problem+json. HEAD is GET. */
void http_dispatch(struct hctx *c);

/* The pattern of the first route whose path matches (any method), or "other". */
const char *http_route_of(const char *path);

/* The operations (h_<resource>.c). */
extern const struct op op_activate;         /* POST /activate */
extern const struct op op_neuron_forward;   /* POST /neuron/forward */
extern const struct op op_neuron_backward;  /* POST /neuron/backward */
extern const struct op op_network_forward;  /* POST /network/forward */
extern const struct op op_network_backward; /* POST /network/backward */
extern const struct op op_loss;             /* POST /loss */
extern const struct op op_init;             /* POST /init */
extern const struct op op_verify;           /* POST /verify (h_verify.c) */

/* The GET handlers. */
get_fn h_activations_get;        /* GET /activations        (h_activations.c) */
get_fn h_activation_get;         /* GET /activations/{name} (h_activations.c) */
get_fn h_losses_get;             /* GET /losses             (h_loss.c) */
get_fn h_healthz_get;            /* GET /healthz            (h_health.c) */
get_fn h_readyz_get;             /* GET /readyz             (h_health.c) */
get_fn h_metrics_get;            /* GET /metrics            (h_health.c) */
get_fn v2_server_get;            /* GET /v2                 (v2.c) */
get_fn v2_live_get;              /* GET /v2/health/live     (v2.c) */
get_fn v2_ready_get;             /* GET /v2/health/ready    (v2.c) */
get_fn v2_model_get;             /* GET /v2/models/{model}  (v2.c) */
get_fn v2_model_ready_get;       /* GET .../{model}/ready   (v2.c) */
get_fn v2_infer_post;            /* POST .../{model}/infer  (v2.c) */
get_fn h_static_get;             /* GET /, /docs, /openapi.yaml, /openapi.json,
                                    /static/{name}           (h_static.c) */
get_fn h_plot_get;               /* GET /plot.svg           (h_plot.c) */

#endif /* NEUROND_SERVICE_ROUTES_H */
