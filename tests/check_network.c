/*
 * check_network.c: POST /network/forward and /network/backward against the real
 * build/neurond, and against two independent references:
 *
 * - a naive chain of /neuron/forward and /neuron/backward calls over HTTP, one layer at
 *   a time (grad_x of layer l sent back as grad_a of layer l - 1): every z, a, grad_z,
 *   grad_weights, grad_bias and grad_x must be the same double, bit for bit (the
 *   network calls the same engine layer with the same inputs);
 * - MPFR: each sum of the backward pass from the network's own arrays (z from the
 *   previous a, grad_W, grad_b, grad_a from grad_z), the statistics (norms, mean,
 *   standard deviation, mean |f'(z)|) exactly, and a whole linear network end to end
 *    from its inputs; all within 4 ULP, as the neuron routes.
 *
 * Then: generated layers are /init's weights; SGD steps chain as separate requests do;
 * the vanishing-gradient experiment; the shapes, the `outputs` rule and the statistics'
 * fields; every class of error with its pointer.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <mpfr.h>

#include "engine.h"
#include "lib/server.h"
#include "testutil.h"

#define PREC 2048
#define ULP_BOUND 4
#define MAXV 4096

static struct srv S;

static void setup(void)
{
  static const char *const args[] = {"--no-access-log", NULL};
  ck_assert_int_eq(srv_start(&S, args), 0);
}

static void teardown(void)
{
  ck_assert_int_eq(srv_stop(&S), 0);
}

/* ================================================================= Helpers */

static cJSON *post_on(const struct srv *s, const char *path, const char *json, long status)
{
  struct resp r;
  cJSON *doc;
  ck_assert_int_eq(http_post_json(s, path, json, &r), 0);
  ck_assert_msg(r.status == status, "%s %.300s: status %ld, want %ld: %.600s", path, json,
                r.status, status, r.body);
  ck_assert_str_eq(r.ctype, status == 200 ? "application/json" : "application/problem+json");
  doc = cJSON_Parse(r.body);
  ck_assert_msg(doc != NULL, "not JSON: %s", r.body);
  resp_free(&r);
  return doc;
}

/* JSON text of v with every number as "%.17g", which reads back to the same double
 * (cJSON's own printer settles for 15 digits when they come within an epsilon). */
static void put_exact(const cJSON *v, char **p, size_t *n, size_t *cap)
{
  char tmp[64];
  const char *s = tmp;
  size_t len;
  if (*n + 64 > *cap) {
    *cap = 2 * *cap + 64;
    *p = realloc(*p, *cap);
  }
  if (cJSON_IsNumber(v)) {
    snprintf(tmp, sizeof tmp, "%.17g", v->valuedouble);
  } else if (cJSON_IsString(v)) {
    snprintf(tmp, sizeof tmp, "\"%.56s\"", v->valuestring);
  } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
    int obj = cJSON_IsObject(v);
    (*p)[(*n)++] = obj ? '{' : '[';
    for (const cJSON *it = v->child; it != NULL; it = it->next) {
      if (it != v->child)
        (*p)[(*n)++] = ',';
      if (obj) {
        snprintf(tmp, sizeof tmp, "\"%.56s\":", it->string);
        len = strlen(tmp);
        memcpy(*p + *n, tmp, len);
        *n += len;
      }
      put_exact(it, p, n, cap);
      if (*n + 64 > *cap) {
        *cap = 2 * *cap + 64;
        *p = realloc(*p, *cap);
      }
    }
    (*p)[(*n)++] = obj ? '}' : ']';
    (*p)[*n] = '\0';
    return;
  } else {
    s = cJSON_IsTrue(v) ? "true" : cJSON_IsFalse(v) ? "false" : "null";
  }
  len = strlen(s);
  memcpy(*p + *n, s, len);
  *n += len;
  (*p)[*n] = '\0';
}

static char *print_exact(const cJSON *v)
{
  size_t n = 0, cap = 256;
  char *p = malloc(cap);
  put_exact(v, &p, &n, &cap);
  return p;
}

static cJSON *post(const char *path, const char *json, long status)
{
  return post_on(&S, path, json, status);
}

/* POSTs a cJSON document (which it frees). */
static cJSON *post_doc(const char *path, cJSON *req, long status)
{
  char *s = print_exact(req);
  cJSON *d = post(path, s, status);
  free(s);
  cJSON_Delete(req);
  return d;
}

static void expect_problem_on(const struct srv *s, const char *path, const char *json,
                              long status, const char *pointer, const char *detail_part)
{
  cJSON *d = post_on(s, path, json, status);
  const cJSON *ptr = cJSON_GetObjectItemCaseSensitive(d, "pointer");
  const cJSON *det = cJSON_GetObjectItemCaseSensitive(d, "detail");
  ck_assert(cJSON_IsString(det));
  if (pointer != NULL) {
    ck_assert_msg(cJSON_IsString(ptr), "%s: no pointer in %s", json, det->valuestring);
    ck_assert_msg(strcmp(ptr->valuestring, pointer) == 0, "%s: pointer %s, want %s (%s)", json,
                  ptr->valuestring, pointer, det->valuestring);
  }
  if (detail_part != NULL)
    ck_assert_msg(strstr(det->valuestring, detail_part) != NULL, "detail \"%s\" lacks \"%s\"",
                  det->valuestring, detail_part);
  cJSON_Delete(d);
}

static void expect_problem(const char *path, const char *json, long status,
                           const char *pointer, const char *detail_part)
{
  expect_problem_on(&S, path, json, status, pointer, detail_part);
}

static const cJSON *get(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  ck_assert_msg(v != NULL, "missing field %s", k);
  return v;
}

static const cJSON *layer_of(const cJSON *d, int i)
{
  const cJSON *v = cJSON_GetArrayItem(get(d, "layers"), i);
  ck_assert_msg(v != NULL, "no layers[%d]", i);
  return v;
}

/* Flattens nested numeric arrays into out (cap entries); returns the count. */
static size_t flat(const cJSON *v, double *out, size_t cap, size_t n)
{
  if (cJSON_IsNumber(v)) {
    ck_assert(n < cap);
    out[n++] = v->valuedouble;
    return n;
  }
  ck_assert_msg(cJSON_IsArray(v), "not numbers");
  for (const cJSON *it = v->child; it != NULL; it = it->next)
    n = flat(it, out, cap, n);
  return n;
}

static int same_bits(double a, double b)
{
  return memcmp(&a, &b, sizeof a) == 0;
}

/* Two values bit for bit, numbers and nesting alike. */
static void expect_same(const cJSON *got, const cJSON *want, const char *what)
{
  static double g[MAXV], w[MAXV];
  size_t ng, nw;
  char *sg = cJSON_PrintUnformatted(got), *sw = cJSON_PrintUnformatted(want);
  ng = flat(got, g, MAXV, 0);
  nw = flat(want, w, MAXV, 0);
  ck_assert_msg(ng == nw, "%s: %zu numbers, want %zu", what, ng, nw);
  for (size_t i = 0; i < ng; i++)
    ck_assert_msg(same_bits(g[i], w[i]), "%s[%zu]: %.17g, want %.17g", what, i, g[i], w[i]);
  /* and the same nesting (the numbers already agree) */
  ck_assert_msg(strlen(sg) > 0 && (sg[0] == '[') == (sw[0] == '[') &&
                  (strncmp(sg, "[[", 2) == 0) == (strncmp(sw, "[[", 2) == 0),
                "%s: shape %.80s vs %.80s", what, sg, sw);
  free(sg);
  free(sw);
}

static uint64_t mix(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static double unif(uint64_t *s, double lo, double hi)
{
  return lo + (hi - lo) * ((double)(mix(s) >> 11) * 0x1p-53);
}

/* A matrix of r rows of c uniform numbers in (lo, hi) (one row: a flat array if flat1). */
static cJSON *rand_matrix(uint64_t *s, size_t r, size_t c, double lo, double hi)
{
  cJSON *m = cJSON_CreateArray();
  for (size_t i = 0; i < r; i++) {
    cJSON *row = cJSON_CreateArray();
    for (size_t j = 0; j < c; j++)
      cJSON_AddItemToArray(row, cJSON_CreateNumber(unif(s, lo, hi)));
    cJSON_AddItemToArray(m, row);
  }
  return m;
}

static cJSON *rand_vector(uint64_t *s, size_t n, double lo, double hi)
{
  cJSON *v = cJSON_CreateArray();
  for (size_t j = 0; j < n; j++)
    cJSON_AddItemToArray(v, cJSON_CreateNumber(unif(s, lo, hi)));
  return v;
}

/* A random network: layers of the given sizes and activations, x of m samples. */
static cJSON *rand_network(uint64_t *s, size_t m, const size_t *sizes, size_t nl,
                           const char *const *acts)
{
  cJSON *req = cJSON_CreateObject(), *layers = cJSON_CreateArray();
  cJSON_AddItemToObject(req, "x", rand_matrix(s, m, sizes[0], -2, 2));
  for (size_t i = 0; i < nl; i++) {
    cJSON *l = cJSON_CreateObject();
    cJSON_AddItemToObject(l, "weights", rand_matrix(s, sizes[i + 1], sizes[i], -1, 1));
    cJSON_AddItemToObject(l, "bias", rand_vector(s, sizes[i + 1], -0.5, 0.5));
    cJSON_AddStringToObject(l, "activation", acts[i]);
    cJSON_AddItemToArray(layers, l);
  }
  cJSON_AddItemToObject(req, "layers", layers);
  return req;
}

static uint64_t worst_ulp;

static void expect_ulp(const char *what, size_t i, double got, mpfr_t want)
{
  double w = mpfr_get_d(want, MPFR_RNDN);
  uint64_t u = ulp_distance(got, w);
  if (u > worst_ulp)
    worst_ulp = u;
  ck_assert_msg(u <= ULP_BOUND, "%s[%zu] = %.17g, want %.17g (%llu ulp)", what, i, got, w,
                (unsigned long long)u);
}

/* ========================================================= Contract shapes */

START_TEST(test_network_forward_contract)
{
  /* x one sample: every per-sample array 1-D; relu then identity by default */
  cJSON *d = post("/network/forward",
                  "{\"x\": [1, 2], \"layers\": [{\"weights\": [[0.5, -1], [1, 1], [0, 2]], "
                  "\"activation\": \"relu\"}, {\"weights\": [[1, -1, 0.5]]}]}",
                  200);
  const cJSON *l0 = layer_of(d, 0), *l1 = layer_of(d, 1), *st;
  double v[8];
  ck_assert_int_eq(flat(get(d, "a"), v, 8, 0), 1);
  ck_assert_double_eq(v[0], 0 - 3 + 0.5 * 4); /* a1 = (0, 3, 4): -1 */
  ck_assert_int_eq(flat(get(l0, "z"), v, 8, 0), 3);
  ck_assert(v[0] == -1.5 && v[1] == 3 && v[2] == 4);
  ck_assert(cJSON_IsNumber(cJSON_GetArrayItem(get(l0, "a"), 0))); /* 1-D, not rows */
  st = get(l0, "stats");
  ck_assert_double_eq(get(st, "dead_fraction")->valuedouble, 1.0 / 3);
  ck_assert_double_eq(get(st, "dadz_mean_abs")->valuedouble, 2.0 / 3);
  ck_assert_double_eq(get(st, "a_mean")->valuedouble, 7.0 / 3);
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(st, "grad_weights_norm"));
  ck_assert_ptr_nonnull(get(l1, "z"));
  ck_assert_int_eq(cJSON_GetArraySize(get(d, "layers")), 2);
  cJSON_Delete(d);

  /* outputs on forward: only stats */
  d = post("/network/forward",
           "{\"x\": [[1, 2]], \"layers\": [{\"weights\": [[1, 0]], \"activation\": \"softmax\"}], "
           "\"outputs\": [\"stats\"]}",
           200);
  l0 = layer_of(d, 0);
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(l0, "z"));
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(l0, "a"));
  /* a vector activation: no dadz_mean_abs or dead_fraction */
  st = get(l0, "stats");
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(st, "dadz_mean_abs"));
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(st, "dead_fraction"));
  ck_assert_double_eq(get(st, "a_mean")->valuedouble, 1);
  ck_assert_double_eq(get(st, "a_std")->valuedouble, 0);
  ck_assert_ptr_nonnull(get(d, "a")); /* the last a, always */
  cJSON_Delete(d);
}
END_TEST

START_TEST(test_network_backward_outputs_rule)
{
  static const char body[] =
    "{\"x\": [[1, 2], [0, -1]], \"layers\": [{\"weights\": [[0.5, -1], [1, 1], [0, 2]], "
    "\"bias\": [0, 0.1, -0.1], \"activation\": \"tanh\"}, {\"weights\": [[1, -1, 0.5], "
    "[0.2, 0.3, -0.4]], \"activation\": \"softmax\"}], \"targets\": [1, 0], "
    "\"loss\": \"cross_entropy\"%s}";
  char req[1024];
  cJSON *d;
  const cJSON *l0, *st;
  /* default: everything but z, a and grad_z */
  snprintf(req, sizeof req, body, "");
  d = post("/network/backward", req, 200);
  ck_assert(cJSON_IsNumber(get(d, "loss")));
  ck_assert_int_eq(cJSON_GetArraySize(get(d, "grad_x")), 2);
  l0 = layer_of(d, 0);
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(l0, "z"));
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(l0, "a"));
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(l0, "grad_z"));
  ck_assert_int_eq(cJSON_GetArraySize(get(l0, "grad_weights")), 3);
  ck_assert_int_eq(cJSON_GetArraySize(get(l0, "grad_bias")), 3);
  st = get(l0, "stats");
  for (const char *const *k = (const char *const[]){"grad_weights_norm", "grad_z_norm",
                                                     "a_mean", "a_std", "dadz_mean_abs",
                                                     "dead_fraction", NULL};
       *k != NULL; k++)
    ck_assert(cJSON_IsNumber(get(st, *k)));
  st = get(layer_of(d, 1), "stats"); /* softmax: the two f' statistics left out */
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(st, "dadz_mean_abs"));
  ck_assert_ptr_nonnull(get(st, "grad_z_norm"));
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(d, "losses"));
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(d, "updated"));
  cJSON_Delete(d);

  /* exactly what is asked */
  snprintf(req, sizeof req, body, ", \"outputs\": [\"z\", \"grad_z\"]");
  d = post("/network/backward", req, 200);
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(d, "grad_x"));
  l0 = layer_of(d, 1);
  ck_assert_int_eq(cJSON_GetArraySize(l0), 2);
  ck_assert_ptr_nonnull(get(l0, "z"));
  ck_assert_ptr_nonnull(get(l0, "grad_z"));
  ck_assert(cJSON_IsNumber(get(d, "loss")));
  cJSON_Delete(d);
}
END_TEST

/* ================================================== Against a chain of neurons */

/* A layer's input from the a before it: a row-reducing activation (maxout) answers one
 * number per sample, which the next layer takes as rows of one. */
static cJSON *as_input(const cJSON *a, const cJSON *x)
{
  cJSON *in;
  if (!cJSON_IsArray(x->child) || cJSON_IsArray(a->child))
    return cJSON_Duplicate(a, 1);
  in = cJSON_CreateArray();
  for (const cJSON *it = a->child; it != NULL; it = it->next) {
    cJSON *row = cJSON_CreateArray();
    cJSON_AddItemToArray(row, cJSON_CreateNumber(it->valuedouble));
    cJSON_AddItemToArray(in, row);
  }
  return in;
}

/* The network's arrays against /neuron/forward and /neuron/backward, layer by layer. */
static void chain_check(cJSON *req, const char *loss_json)
{
  char *s;
  cJSON *net, *outs = cJSON_CreateStringArray((const char *const[]){"z", "a", "grad_z",
                                               "grad_weights", "grad_bias", "grad_x"}, 6);
  const cJSON *layers = get(req, "layers"), *x = get(req, "x");
  int nl = cJSON_GetArraySize(layers);
  cJSON **fwd = calloc((size_t)nl, sizeof *fwd);
  cJSON *grad_a = NULL;
  char buf[256];

  cJSON_AddItemToObject(req, "outputs", outs);
  s = print_exact(req);
  {
    size_t n = strlen(s);
    char *body = malloc(n + strlen(loss_json) + 4);
    memcpy(body, s, n - 1);
    sprintf(body + n - 1, ",%s}", loss_json);
    net = post("/network/backward", body, 200);
    free(body);
  }
  free(s);

  /* forward, one layer at a time */
  {
    const cJSON *in = x;
    cJSON *inc = cJSON_Duplicate(in, 1);
    for (int i = 0; i < nl; i++) {
      cJSON *nreq = cJSON_Duplicate(cJSON_GetArrayItem(layers, i), 1);
      cJSON_AddItemToObject(nreq, "x", inc);
      fwd[i] = post_doc("/neuron/forward", nreq, 200);
      snprintf(buf, sizeof buf, "layers[%d].z", i);
      expect_same(get(layer_of(net, i), "z"), get(fwd[i], "z"), buf);
      snprintf(buf, sizeof buf, "layers[%d].a", i);
      expect_same(get(layer_of(net, i), "a"), get(fwd[i], "a"), buf);
      inc = as_input(get(fwd[i], "a"), x);
    }
    cJSON_Delete(inc);
  }
  /* backward: the last layer from the loss, each before it from grad_x */
  for (int i = nl - 1; i >= 0; i--) {
    cJSON *nreq = cJSON_Duplicate(cJSON_GetArrayItem(layers, i), 1), *b;
    char *t;
    cJSON_AddItemToObject(nreq, "x", i == 0 ? cJSON_Duplicate(x, 1)
                                            : as_input(get(fwd[i - 1], "a"), x));
    if (grad_a != NULL) {
      cJSON_AddItemToObject(nreq, "grad_a", grad_a);
      b = post_doc("/neuron/backward", nreq, 200);
    } else {
      size_t n;
      char *body;
      /* the network's grad_output is the last neuron's grad_a */
      int go = strncmp(loss_json, "\"grad_output\"", 13) == 0;
      t = print_exact(nreq);
      n = strlen(t);
      body = malloc(n + strlen(loss_json) + 4);
      memcpy(body, t, n - 1);
      sprintf(body + n - 1, go ? ",\"grad_a\"%s}" : ",%s}", go ? loss_json + 13 : loss_json);
      b = post("/neuron/backward", body, 200);
      free(body);
      free(t);
      cJSON_Delete(nreq);
      if (cJSON_GetObjectItemCaseSensitive(b, "loss") != NULL)
        expect_same(get(net, "loss"), get(b, "loss"), "loss");
    }
    snprintf(buf, sizeof buf, "layers[%d].grad_z", i);
    expect_same(get(layer_of(net, i), "grad_z"), get(b, "grad_z"), buf);
    snprintf(buf, sizeof buf, "layers[%d].grad_weights", i);
    expect_same(get(layer_of(net, i), "grad_weights"), get(b, "grad_weights"), buf);
    snprintf(buf, sizeof buf, "layers[%d].grad_bias", i);
    expect_same(get(layer_of(net, i), "grad_bias"), get(b, "grad_bias"), buf);
    if (i == 0)
      expect_same(get(net, "grad_x"), get(b, "grad_x"), "grad_x");
    /* grad_x is shaped like this layer's x; the layer before takes it as its grad_a,
     * shaped like its a (one number per sample after maxout) */
    grad_a = cJSON_Duplicate(get(b, "grad_x"), 1);
    if (i > 0 && !cJSON_IsArray(get(fwd[i - 1], "a")->child) && cJSON_IsArray(grad_a->child)) {
      cJSON *col = cJSON_CreateArray();
      for (const cJSON *it = grad_a->child; it != NULL; it = it->next)
        cJSON_AddItemToArray(col, cJSON_CreateNumber(it->child->valuedouble));
      cJSON_Delete(grad_a);
      grad_a = col;
    }
    cJSON_Delete(b);
  }
  cJSON_Delete(grad_a);
  for (int i = 0; i < nl; i++)
    cJSON_Delete(fwd[i]);
  free(fwd);
  cJSON_Delete(net);
}

START_TEST(test_network_equals_neuron_chain)
{
  static const struct {
    size_t nl, sizes[6];
    const char *acts[5];
    const char *loss;
  } cases[] = {
    {2, {3, 4, 2}, {"tanh", "softmax"}, "\"targets\": [0, 1, 1, 0, 1], \"loss\": \"cross_entropy\""},
    {3, {2, 5, 3, 1}, {"relu", "gelu", "sigmoid"},
     "\"targets\": [[1], [0], [1], [1], [0]], \"loss\": \"cross_entropy\", \"reduction\": \"sum\""},
    {4, {4, 3, 3, 3, 2}, {"elu", "swish", "leaky_relu", "identity"},
     "\"targets\": [[1, 0], [0.5, -1], [2, 2], [0, 0], [-1, 1]], \"loss\": \"squared\""},
    {2, {3, 6, 4}, {"softplus", "sparsemax"},
     "\"grad_output\": [[1, 0, 0, -1], [0.5, 0.5, 0, 0], [0, 0, 1, 0], [2, -1, 0, 0], [0, 0, 0, 1]]"},
  };
  uint64_t seed = 77;
  for (size_t c = 0; c < 4; c++) {
    cJSON *req = rand_network(&seed, 5, cases[c].sizes, cases[c].nl, cases[c].acts);
    chain_check(req, cases[c].loss);
    cJSON_Delete(req);
  }
  /* maxout reduces each row to one number: the next layer takes d = 1 */
  {
    cJSON *req = cJSON_Parse(
      "{\"x\": [[1, 2], [3, -1], [0.5, 0.25]], \"layers\": [{\"weights\": [[1, 0], [0, 1], "
      "[1, 1]], \"activation\": \"maxout\"}, {\"weights\": [[2], [-1]], \"bias\": [0.5, 0], "
      "\"activation\": \"softmax\"}]}");
    chain_check(req, "\"targets\": [1, 0, 1], \"loss\": \"cross_entropy\"");
    cJSON_Delete(req);
  }
}
END_TEST

/* =========================================================== Against MPFR */

/* Every sum of a network's backward pass, from its own arrays, in MPFR: z_l from
 * a_(l-1), grad_W = grad_z^T a_(l-1), grad_b, grad_a = grad_z W; and the statistics. */
START_TEST(test_network_sums_match_mpfr)
{
  static const size_t sizes[] = {6, 5, 4, 3};
  static const char *const acts[] = {"relu", "tanh", "identity"};
  uint64_t seed = 901;
  static double x[64], z[3][64], a[3][64], gz[3][64], gw[3][64], gb[3][8], gx[64], w[3][64],
    b[3][8];
  size_t m = 7;
  mpfr_t acc, t, u;
  mpfr_inits2(PREC, acc, t, u, (mpfr_ptr)0);
  worst_ulp = 0;
  for (int rep = 0; rep < 6; rep++) {
    cJSON *req = rand_network(&seed, m, sizes, 3, acts), *d;
    char *s;
    /* spread the magnitudes, so that the sums cancel */
    cJSON *xs = get(req, "x")->child;
    for (cJSON *row = xs; row != NULL; row = row->next)
      for (cJSON *e = row->child; e != NULL; e = e->next)
        cJSON_SetNumberValue(e, e->valuedouble * ldexp(1, (int)(mix(&seed) % 40) - 20));
    flat(get(req, "x"), x, 64, 0);
    for (int l = 0; l < 3; l++) {
      flat(get(cJSON_GetArrayItem(get(req, "layers"), l), "weights"), w[l], 64, 0);
      flat(get(cJSON_GetArrayItem(get(req, "layers"), l), "bias"), b[l], 8, 0);
    }
    cJSON_AddItemToObject(req, "outputs",
                          cJSON_CreateStringArray((const char *const[]){"z", "a", "grad_z",
                                                  "grad_weights", "grad_bias", "grad_x",
                                                  "stats"}, 7));
    cJSON_AddItemToObject(req, "targets", rand_matrix(&seed, m, 3, -1, 1));
    cJSON_AddStringToObject(req, "loss", "squared");
    s = print_exact(req);
    d = post("/network/backward", s, 200);
    free(s);
    for (int l = 0; l < 3; l++) {
      const cJSON *ly = layer_of(d, l), *st = get(ly, "stats");
      size_t k = sizes[l + 1], dd = sizes[l], n;
      const double *in = l == 0 ? x : a[l - 1];
      flat(get(ly, "z"), z[l], 64, 0);
      flat(get(ly, "a"), a[l], 64, 0);
      flat(get(ly, "grad_z"), gz[l], 64, 0);
      flat(get(ly, "grad_weights"), gw[l], 64, 0);
      flat(get(ly, "grad_bias"), gb[l], 8, 0);
      for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < k; j++) { /* z = a_(l-1) W^T + b */
          mpfr_set_d(acc, b[l][j], MPFR_RNDN);
          for (size_t c = 0; c < dd; c++) {
            mpfr_set_d(t, in[i * dd + c], MPFR_RNDN);
            mpfr_mul_d(t, t, w[l][j * dd + c], MPFR_RNDN);
            mpfr_add(acc, acc, t, MPFR_RNDN);
          }
          expect_ulp("z", i * k + j, z[l][i * k + j], acc);
        }
      for (size_t j = 0; j < k; j++) { /* grad_W = grad_z^T a_(l-1), grad_b */
        for (size_t c = 0; c < dd; c++) {
          mpfr_set_zero(acc, 1);
          for (size_t i = 0; i < m; i++) {
            mpfr_set_d(t, gz[l][i * k + j], MPFR_RNDN);
            mpfr_mul_d(t, t, in[i * dd + c], MPFR_RNDN);
            mpfr_add(acc, acc, t, MPFR_RNDN);
          }
          expect_ulp("grad_w", j * dd + c, gw[l][j * dd + c], acc);
        }
        mpfr_set_zero(acc, 1);
        for (size_t i = 0; i < m; i++)
          mpfr_add_d(acc, acc, gz[l][i * k + j], MPFR_RNDN);
        expect_ulp("grad_b", j, gb[l][j], acc);
      }
      /* the statistics: norms, mean and standard deviation, exactly */
      mpfr_set_zero(acc, 1);
      for (size_t q = 0; q < k * dd; q++) {
        mpfr_set_d(t, gw[l][q], MPFR_RNDN);
        mpfr_sqr(t, t, MPFR_RNDN);
        mpfr_add(acc, acc, t, MPFR_RNDN);
      }
      mpfr_sqrt(acc, acc, MPFR_RNDN);
      expect_ulp("grad_weights_norm", (size_t)l, get(st, "grad_weights_norm")->valuedouble, acc);
      mpfr_set_zero(acc, 1);
      for (size_t q = 0; q < m * k; q++) {
        mpfr_set_d(t, gz[l][q], MPFR_RNDN);
        mpfr_sqr(t, t, MPFR_RNDN);
        mpfr_add(acc, acc, t, MPFR_RNDN);
      }
      mpfr_sqrt(acc, acc, MPFR_RNDN);
      expect_ulp("grad_z_norm", (size_t)l, get(st, "grad_z_norm")->valuedouble, acc);
      n = m * k;
      mpfr_set_zero(acc, 1);
      for (size_t q = 0; q < n; q++)
        mpfr_add_d(acc, acc, a[l][q], MPFR_RNDN);
      mpfr_div_ui(acc, acc, n, MPFR_RNDN); /* the mean */
      expect_ulp("a_mean", (size_t)l, get(st, "a_mean")->valuedouble, acc);
      mpfr_set_zero(u, 1);
      for (size_t q = 0; q < n; q++) {
        mpfr_set_d(t, a[l][q], MPFR_RNDN);
        mpfr_sub(t, t, acc, MPFR_RNDN);
        mpfr_sqr(t, t, MPFR_RNDN);
        mpfr_add(u, u, t, MPFR_RNDN);
      }
      mpfr_div_ui(u, u, n, MPFR_RNDN);
      mpfr_sqrt(u, u, MPFR_RNDN);
      expect_ulp("a_std", (size_t)l, get(st, "a_std")->valuedouble, u);
      if (l == 0) { /* relu: f'(z) is 1 or 0, so the mean |f'| is 1 - dead_fraction */
        size_t dead = 0;
        for (size_t q = 0; q < n; q++)
          dead += !(z[l][q] > 0);
        ck_assert_double_eq(get(st, "dead_fraction")->valuedouble, (double)dead / (double)n);
        ck_assert_double_eq(get(st, "dadz_mean_abs")->valuedouble,
                            (double)(n - dead) / (double)n);
      }
      if (l == 1) { /* tanh: mean of 1 - tanh(z)^2 from z in MPFR */
        mpfr_set_zero(acc, 1);
        for (size_t q = 0; q < n; q++) {
          mpfr_set_d(t, z[l][q], MPFR_RNDN);
          mpfr_sech(t, t, MPFR_RNDN);
          mpfr_sqr(t, t, MPFR_RNDN);
          mpfr_add(acc, acc, t, MPFR_RNDN);
        }
        mpfr_div_ui(acc, acc, n, MPFR_RNDN);
        expect_ulp("dadz_mean_abs", 1, get(st, "dadz_mean_abs")->valuedouble, acc);
      }
    }
    /* grad_a of each layer, from the next layer's grad_z: layer 0's is grad_x */
    flat(get(d, "grad_x"), gx, 64, 0);
    for (size_t i = 0; i < m; i++)
      for (size_t c = 0; c < sizes[0]; c++) {
        mpfr_set_zero(acc, 1);
        for (size_t j = 0; j < sizes[1]; j++) {
          mpfr_set_d(t, gz[0][i * sizes[1] + j], MPFR_RNDN);
          mpfr_mul_d(t, t, w[0][j * sizes[0] + c], MPFR_RNDN);
          mpfr_add(acc, acc, t, MPFR_RNDN);
        }
        expect_ulp("grad_x", i * sizes[0] + c, gx[i * sizes[0] + c], acc);
      }
    cJSON_Delete(d);
    cJSON_Delete(req);
  }
  printf("check_network: sums and statistics max error %llu ulp\n",
         (unsigned long long)worst_ulp);
  mpfr_clears(acc, t, u, (mpfr_ptr)0);
}
END_TEST

/* A linear network (identity activations, squared loss, sum reduction) end to end in
 * MPFR from its inputs alone: every output of the chain within a few ULP of the exact
 * value, on inputs that do not cancel badly (each stage rounds once from rounded
 * inputs, so the bound is a small multiple of one stage's). */
START_TEST(test_network_linear_end_to_end_mpfr)
{
  uint64_t seed = 4242;
  size_t m = 4;
  double x[12], w1[12], b1[4], w2[8], b2[2], r[8], got[16];
  mpfr_t z1[16], z2[8], g2[8], g1[16], acc, t;
  cJSON *req, *d;
  char *s;
  mpfr_inits2(PREC, acc, t, (mpfr_ptr)0);
  for (int i = 0; i < 16; i++)
    mpfr_inits2(PREC, z1[i], g1[i], (mpfr_ptr)0);
  for (int i = 0; i < 8; i++)
    mpfr_inits2(PREC, z2[i], g2[i], (mpfr_ptr)0);
  for (size_t i = 0; i < 12; i++)
    x[i] = unif(&seed, 0.5, 2), w1[i] = unif(&seed, 0.25, 1);
  for (size_t i = 0; i < 4; i++)
    b1[i] = unif(&seed, 0, 1);
  for (size_t i = 0; i < 8; i++)
    w2[i] = unif(&seed, 0.25, 1), r[i] = unif(&seed, -3, -1);
  b2[0] = 0.5, b2[1] = 0.25;
  req = cJSON_CreateObject();
  {
    cJSON *xs = cJSON_CreateArray(), *layers = cJSON_CreateArray(), *l1 = cJSON_CreateObject(),
          *l2 = cJSON_CreateObject(), *ws = cJSON_CreateArray(), *ts = cJSON_CreateArray();
    for (size_t i = 0; i < m; i++) {
      cJSON_AddItemToArray(xs, cJSON_CreateDoubleArray(x + 3 * i, 3));
      cJSON_AddItemToArray(ts, cJSON_CreateDoubleArray(r + 2 * i, 2));
    }
    for (size_t j = 0; j < 4; j++)
      cJSON_AddItemToArray(ws, cJSON_CreateDoubleArray(w1 + 3 * j, 3));
    cJSON_AddItemToObject(l1, "weights", ws);
    cJSON_AddItemToObject(l1, "bias", cJSON_CreateDoubleArray(b1, 4));
    ws = cJSON_CreateArray();
    for (size_t j = 0; j < 2; j++)
      cJSON_AddItemToArray(ws, cJSON_CreateDoubleArray(w2 + 4 * j, 4));
    cJSON_AddItemToObject(l2, "weights", ws);
    cJSON_AddItemToObject(l2, "bias", cJSON_CreateDoubleArray(b2, 2));
    cJSON_AddItemToArray(layers, l1);
    cJSON_AddItemToArray(layers, l2);
    cJSON_AddItemToObject(req, "x", xs);
    cJSON_AddItemToObject(req, "layers", layers);
    cJSON_AddItemToObject(req, "targets", ts);
    cJSON_AddStringToObject(req, "loss", "squared");
    cJSON_AddStringToObject(req, "reduction", "sum");
    cJSON_AddItemToObject(req, "outputs", cJSON_CreateStringArray(
      (const char *const[]){"z", "grad_z", "grad_weights", "grad_x"}, 4));
  }
  s = print_exact(req);
  d = post("/network/backward", s, 200);
  free(s);
  /* exact: z1 = x W1^T + b1; z2 = z1 W2^T + b2; g2 = z2 - r; g1 = g2 W2 */
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < 4; j++) {
      mpfr_set_d(z1[i * 4 + j], b1[j], MPFR_RNDN);
      for (size_t c = 0; c < 3; c++) {
        mpfr_set_d(t, x[i * 3 + c], MPFR_RNDN);
        mpfr_mul_d(t, t, w1[j * 3 + c], MPFR_RNDN);
        mpfr_add(z1[i * 4 + j], z1[i * 4 + j], t, MPFR_RNDN);
      }
    }
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < 2; j++) {
      mpfr_set_d(z2[i * 2 + j], b2[j], MPFR_RNDN);
      for (size_t c = 0; c < 4; c++) {
        mpfr_mul_d(t, z1[i * 4 + c], w2[j * 4 + c], MPFR_RNDN);
        mpfr_add(z2[i * 2 + j], z2[i * 2 + j], t, MPFR_RNDN);
      }
      mpfr_sub_d(g2[i * 2 + j], z2[i * 2 + j], r[i * 2 + j], MPFR_RNDN);
    }
  for (size_t i = 0; i < m; i++)
    for (size_t c = 0; c < 4; c++) {
      mpfr_set_zero(g1[i * 4 + c], 1);
      for (size_t j = 0; j < 2; j++) {
        mpfr_mul_d(t, g2[i * 2 + j], w2[j * 4 + c], MPFR_RNDN);
        mpfr_add(g1[i * 4 + c], g1[i * 4 + c], t, MPFR_RNDN);
      }
    }
  worst_ulp = 0;
  flat(get(layer_of(d, 1), "z"), got, 16, 0);
  for (size_t q = 0; q < 8; q++)
    expect_ulp("layers[1].z", q, got[q], z2[q]);
  flat(get(layer_of(d, 1), "grad_z"), got, 16, 0);
  for (size_t q = 0; q < 8; q++)
    expect_ulp("layers[1].grad_z", q, got[q], g2[q]);
  flat(get(layer_of(d, 0), "grad_z"), got, 16, 0);
  for (size_t q = 0; q < 16; q++)
    expect_ulp("layers[0].grad_z", q, got[q], g1[q]);
  flat(get(layer_of(d, 0), "grad_weights"), got, 16, 0);
  for (size_t j = 0; j < 4; j++)
    for (size_t c = 0; c < 3; c++) {
      mpfr_set_zero(acc, 1);
      for (size_t i = 0; i < m; i++) {
        mpfr_mul_d(t, g1[i * 4 + j], x[i * 3 + c], MPFR_RNDN);
        mpfr_add(acc, acc, t, MPFR_RNDN);
      }
      expect_ulp("layers[0].grad_weights", j * 3 + c, got[j * 3 + c], acc);
    }
  flat(get(d, "grad_x"), got, 16, 0);
  for (size_t i = 0; i < m; i++)
    for (size_t c = 0; c < 3; c++) {
      mpfr_set_zero(acc, 1);
      for (size_t j = 0; j < 4; j++) {
        mpfr_mul_d(t, g1[i * 4 + j], w1[j * 3 + c], MPFR_RNDN);
        mpfr_add(acc, acc, t, MPFR_RNDN);
      }
      expect_ulp("grad_x", i * 3 + c, got[i * 3 + c], acc);
    }
  printf("check_network: linear network end to end max error %llu ulp\n",
         (unsigned long long)worst_ulp);
  cJSON_Delete(d);
  cJSON_Delete(req);
  for (int i = 0; i < 16; i++)
    mpfr_clears(z1[i], g1[i], (mpfr_ptr)0);
  for (int i = 0; i < 8; i++)
    mpfr_clears(z2[i], g2[i], (mpfr_ptr)0);
  mpfr_clears(acc, t, (mpfr_ptr)0);
}
END_TEST

/* ======================================================= Generated layers */

/* Layer l's weights are POST /init's for the scheme, its fields, [K_l, d_(l-1)] and
 * seed + l - 1: read back through one SGD step of rate 0 (w - 0 g = w exactly). */
START_TEST(test_network_generated_layers_are_init)
{
  static const char *const inits[] = {
    "\"he_normal\"", "{\"scheme\": \"normal\", \"std\": 0.01, \"mean\": 0.5}",
    "{\"scheme\": \"uniform\", \"low\": -2, \"high\": 3}", "{\"scheme\": \"xavier_uniform\", "
    "\"gain\": 2, \"fan_in\": 7}", NULL};
  static const char *const init_tail[] = {
    "\"scheme\": \"he_normal\"", "\"scheme\": \"normal\", \"std\": 0.01, \"mean\": 0.5",
    "\"scheme\": \"uniform\", \"low\": -2, \"high\": 3",
    "\"scheme\": \"xavier_uniform\", \"gain\": 2, \"fan_in\": 7"};
  static const size_t sizes[] = {3, 5, 4, 2};
  char req[1024];
  for (size_t c = 0; inits[c] != NULL; c++) {
    cJSON *d;
    snprintf(req, sizeof req,
             "{\"x\": [[1, 2, 3]], \"sizes\": [3, 5, 4, 2], \"activation\": \"tanh\", \"init\": "
             "%s, \"seed\": 41, \"grad_output\": [[1, 1]], \"learning_rate\": 0}",
             inits[c]);
    d = post("/network/backward", req, 200);
    for (int l = 0; l < 3; l++) {
      const cJSON *u = cJSON_GetArrayItem(get(d, "updated"), l);
      cJSON *w;
      double b[8];
      snprintf(req, sizeof req, "{%s, \"shape\": [%zu, %zu], \"seed\": %d}", init_tail[c],
               sizes[l + 1], sizes[l], 41 + l);
      w = post("/init", req, 200);
      expect_same(get(u, "weights"), get(w, "weights"), "generated weights");
      ck_assert_uint_eq(flat(get(u, "bias"), b, 8, 0), sizes[l + 1]);
      /* 0 - 0 g is +0 (IEEE 754: fma(-0, g, +0) = +0 for g > 0). valgrind's emulation
       * of the fma instruction gives -0 there: a server under it (make valgrind) is
       * held to the value alone. */
      for (size_t j = 0; j < sizes[l + 1]; j++)
        ck_assert_msg(same_bits(b[j], 0.0) || (getenv("NEUROND_WRAP") != NULL && b[j] == 0),
                      "bias %zu: %g", j, b[j]);
      ck_assert_str_eq(get(u, "activation")->valuestring, "tanh");
      cJSON_Delete(w);
    }
    cJSON_Delete(d);
  }
  /* without init: xavier_uniform; per-layer activations */
  {
    cJSON *d = post("/network/backward",
                    "{\"x\": [1, 2], \"sizes\": [2, 3, 1], \"activation\": [\"relu\", \"sigmoid\"],"
                    " \"grad_output\": [1], \"learning_rate\": 0}", 200);
    cJSON *w = post("/init", "{\"scheme\": \"xavier_uniform\", \"shape\": [1, 3], \"seed\": 1}",
                    200);
    const cJSON *u = cJSON_GetArrayItem(get(d, "updated"), 1);
    expect_same(get(u, "weights"), get(w, "weights"), "default init");
    ck_assert_str_eq(get(cJSON_GetArrayItem(get(d, "updated"), 0), "activation")->valuestring,
                     "relu");
    ck_assert_str_eq(get(u, "activation")->valuestring, "sigmoid");
    cJSON_Delete(w);
    cJSON_Delete(d);
  }
}
END_TEST

/* ==================================================================== SGD */

/* steps = 3 is three requests of one step, each from the `updated` of the one before;
 * losses holds the loss before each step; one step is w - eta grad_W, rounded once. */
START_TEST(test_network_steps_chain)
{
  static const char head[] =
    "{\"x\": [[0, 0], [0, 1], [1, 0], [1, 1]], \"targets\": [0, 1, 1, 0], "
    "\"loss\": \"cross_entropy\", \"learning_rate\": 0.5, \"outputs\": [\"grad_weights\"], ";
  char *s, req[4096];
  cJSON *d3, *d, *layers;
  double l3[3], gw[16], w0[16], w1[16];
  snprintf(req, sizeof req, "%s\"steps\": 3, \"sizes\": [2, 4, 2], \"activation\": [\"tanh\", "
           "\"softmax\"], \"init\": \"he_normal\", \"seed\": 3}", head);
  d3 = post("/network/backward", req, 200);
  ck_assert_int_eq(flat(get(d3, "losses"), l3, 3, 0), 3);
  ck_assert(same_bits(l3[0], get(d3, "loss")->valuedouble));
  /* the same start, one step at a time */
  snprintf(req, sizeof req, "%s\"sizes\": [2, 4, 2], \"activation\": [\"tanh\", \"softmax\"], "
           "\"init\": \"he_normal\", \"seed\": 3}", head);
  d = post("/network/backward", req, 200);
  for (int step = 0; step < 3; step++) {
    double l1;
    ck_assert_int_eq(cJSON_GetArraySize(get(d, "losses")), 1);
    flat(get(d, "losses"), &l1, 1, 0);
    ck_assert_msg(same_bits(l1, l3[step]), "loss before step %d: %.17g vs %.17g", step, l1,
                  l3[step]);
    if (step == 0) { /* w1 = w0 - 0.5 grad (fma) on layer 1 */
      cJSON *w = post("/init", "{\"scheme\": \"he_normal\", \"shape\": [2, 4], \"seed\": 4}",
                      200);
      size_t n = flat(get(w, "weights"), w0, 16, 0);
      flat(get(layer_of(d, 1), "grad_weights"), gw, 16, 0);
      flat(get(cJSON_GetArrayItem(get(d, "updated"), 1), "weights"), w1, 16, 0);
      for (size_t q = 0; q < n; q++)
        ck_assert(same_bits(w1[q], fma(-0.5, gw[q], w0[q])));
      cJSON_Delete(w);
    }
    layers = cJSON_Duplicate(get(d, "updated"), 1);
    cJSON_Delete(d);
    {
      cJSON *nreq = cJSON_Parse("{\"x\": [[0, 0], [0, 1], [1, 0], [1, 1]], \"targets\": "
                                "[0, 1, 1, 0], \"loss\": \"cross_entropy\", "
                                "\"learning_rate\": 0.5}");
      cJSON_AddItemToObject(nreq, "layers", layers);
      s = print_exact(nreq);
      cJSON_Delete(nreq);
      d = post("/network/backward", s, 200);
      free(s);
    }
    if (step == 2) { /* d starts from the weights after three steps: its loss is lower */
      double lf = get(d, "loss")->valuedouble;
      ck_assert_msg(lf < l3[0], "loss after 3 steps %g, before %g", lf, l3[0]);
    }
  }
  cJSON_Delete(d);
  /* steps = 3's updated equals three single steps: send d3's updated, get the loss,
   * compare with the fourth-step loss of a steps = 4 request */
  {
    cJSON *nreq = cJSON_Parse("{\"x\": [[0, 0], [0, 1], [1, 0], [1, 1]], \"targets\": "
                              "[0, 1, 1, 0], \"loss\": \"cross_entropy\"}");
    cJSON *d4, *dd;
    double l4[4];
    cJSON_AddItemToObject(nreq, "layers", cJSON_Duplicate(get(d3, "updated"), 1));
    dd = post_doc("/network/backward", nreq, 200);
    snprintf(req, sizeof req, "%s\"steps\": 4, \"sizes\": [2, 4, 2], \"activation\": "
             "[\"tanh\", \"softmax\"], \"init\": \"he_normal\", \"seed\": 3}", head);
    d4 = post("/network/backward", req, 200);
    flat(get(d4, "losses"), l4, 4, 0);
    ck_assert(same_bits(l4[3], get(dd, "loss")->valuedouble));
    cJSON_Delete(d4);
    cJSON_Delete(dd);
  }
  cJSON_Delete(d3);
}
END_TEST

/* A few hundred steps on XOR: the loss falls (the playground's training panel). */
START_TEST(test_network_training_loss_falls)
{
  cJSON *d = post("/network/backward",
                  "{\"x\": [[0, 0], [0, 1], [1, 0], [1, 1]], \"targets\": [0, 1, 1, 0], "
                  "\"loss\": \"cross_entropy\", \"sizes\": [2, 8, 2], \"activation\": "
                  "[\"tanh\", \"softmax\"], \"init\": \"xavier_normal\", \"seed\": 1, "
                  "\"learning_rate\": 0.5, \"steps\": 300, \"outputs\": []}", 200);
  double l[300];
  ck_assert_int_eq(flat(get(d, "losses"), l, 300, 0), 300);
  ck_assert_msg(l[299] < 0.05 && l[0] > 0.5, "loss %g -> %g", l[0], l[299]);
  cJSON_Delete(d);
}
END_TEST

/* ============================================= The vanishing-gradient experiment */

/* 20 sigmoid layers with small normal weights against 20 ReLU layers with He weights,
 * one request each: the first layer's gradient vanishes for sigmoid, not for ReLU. */
START_TEST(test_network_vanishing_gradients)
{
  char req[512];
  double sig[20], rel[20];
  for (int c = 0; c < 2; c++) {
    cJSON *d;
    double *out = c == 0 ? sig : rel;
    snprintf(req, sizeof req,
             "{\"x\": [[0.5, -1, 0.25, 2, -0.5, 1, 0, -2]], \"sizes\": [8%s], \"activation\": "
             "\"%s\", \"init\": %s, \"seed\": 5, \"grad_output\": [[1, 1, 1, 1, 1, 1, 1, 1]], "
             "\"outputs\": [\"stats\"]}",
             ", 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8",
             c == 0 ? "sigmoid" : "relu",
             c == 0 ? "{\"scheme\": \"normal\", \"std\": 0.1}" : "\"he_normal\"");
    d = post("/network/backward", req, 200);
    ck_assert_int_eq(cJSON_GetArraySize(get(d, "layers")), 20);
    for (int l = 0; l < 20; l++)
      out[l] = get(get(layer_of(d, l), "stats"), "grad_weights_norm")->valuedouble;
    cJSON_Delete(d);
  }
  /* sigmoid' <= 1/4 and |W| small: the norm shrinks by more than 10 per layer */
  ck_assert_msg(sig[0] < 1e-20 * sig[19] && sig[0] > 0, "sigmoid: %g at layer 0, %g at 19",
                sig[0], sig[19]);
  ck_assert_msg(rel[0] > 1e-3 * rel[19], "relu: %g at layer 0, %g at 19", rel[0], rel[19]);
  printf("check_network: 20 layers, grad_weights_norm layer 0 / layer 19: sigmoid %.3g, "
         "relu + he %.3g\n", sig[0] / sig[19], rel[0] / rel[19]);
}
END_TEST

/* ================================================================= Errors */

#define L2 "\"layers\": [{\"weights\": [[1, 0], [0, 1]]}, {\"weights\": [[1, 1]]}]"

START_TEST(test_network_errors)
{
  static const struct {
    const char *path, *body;
    long status;
    const char *pointer, *detail;
  } cases[] = {
    /* bad layers */
    {"/network/forward", "{\"x\": [1, 2], \"layers\": {}}", 422, "/layers", "non-empty array"},
    {"/network/forward", "{\"x\": [1, 2], \"layers\": []}", 422, "/layers", "non-empty array"},
    {"/network/forward", "{\"x\": [1, 2], \"layers\": [3]}", 422, "/layers/0", "JSON object"},
    {"/network/forward", "{\"x\": [1, 2], \"layers\": [{}]}", 422, "/layers/0/weights",
     "required"},
    {"/network/forward", "{\"x\": [1, 2], \"layers\": [{\"weights\": [1, 2]}]}", 422,
     "/layers/0/weights", "K rows of d"},
    {"/network/forward", "{\"x\": [1, 2], \"layers\": [{\"weights\": [[1, 2]], \"bias\": [1, 2]}]}",
     422, "/layers/0/bias", "1 numbers"},
    {"/network/forward", "{\"x\": [1, 2], \"layers\": [{\"weights\": [[1, 2]], \"bais\": [1]}]}",
     422, "/layers/0/bais", "unknown field"},
    {"/network/forward", "{\"x\": [1, 2], \"layers\": [{\"weights\": [[1, 2], [3]]}]}", 422,
     "/layers/0/weights/1", "rows must have one length"},
    {"/network/forward", "{\"x\": [1, 2], \"layers\": [{\"weights\": [[1, 1e999]]}]}", 422,
     "/layers/0/weights/0/1", "finite"},
    /* mismatched widths */
    {"/network/forward", "{\"x\": [1, 2, 3], " L2 "}", 422, "/layers/0/weights", "x has 3"},
    {"/network/forward",
     "{\"x\": [1, 2], \"layers\": [{\"weights\": [[1, 0], [0, 1]]}, {\"weights\": [[1, 1, 1]]}]}",
     422, "/layers/1/weights", "layer 0 has 2 neurons"},
    {"/network/forward",
     "{\"x\": [1, 2], \"layers\": [{\"weights\": [[1, 0], [0, 1]], \"activation\": \"maxout\"}, "
     "{\"weights\": [[1, 1]]}]}",
     422, "/layers/1/weights", "maxout reduces"},
    /* unknown activation of one layer, a bad parameter of another */
    {"/network/forward",
     "{\"x\": [1], \"layers\": [{\"weights\": [[1]]}, {\"weights\": [[1]]}, {\"weights\": [[1]], "
     "\"activation\": \"swishy\"}]}",
     422, "/layers/2/activation", "valid names"},
    {"/network/forward",
     "{\"x\": [1], \"layers\": [{\"weights\": [[1]], \"activation\": \"elu\", \"params\": "
     "{\"alpha\": \"x\"}}]}",
     422, "/layers/0/params/alpha", "number"},
    /* layers and sizes; neither; generated-only fields with layers */
    {"/network/forward", "{\"x\": [1, 2], " L2 ", \"sizes\": [2, 1]}", 422, "/sizes", "not both"},
    {"/network/forward", "{\"x\": [1, 2]}", 422, NULL, "needs layers"},
    {"/network/forward", "{\"x\": [1, 2], " L2 ", \"init\": \"he_normal\"}", 422, "/init",
     "applies to generated layers"},
    {"/network/forward", "{\"x\": [1, 2], " L2 ", \"activation\": \"relu\"}", 422, "/activation",
     "applies to generated layers"},
    /* generated layers */
    {"/network/forward", "{\"x\": [1, 2], \"sizes\": [2]}", 422, "/sizes", "at least one layer"},
    {"/network/forward", "{\"x\": [1, 2], \"sizes\": [2, 0.5]}", 422, "/sizes/1",
     "positive integer"},
    {"/network/forward", "{\"x\": [1, 2], \"sizes\": [3, 2]}", 422, "/sizes/0", "x has 2"},
    {"/network/forward", "{\"x\": [1, 2], \"sizes\": [2, 2, 1], \"activation\": [\"relu\"]}", 422,
     "/activation", "one per layer"},
    {"/network/forward", "{\"x\": [1, 2], \"sizes\": [2, 2, 1], \"activation\": [\"relu\", 7]}",
     422, "/activation/1", "string"},
    {"/network/forward", "{\"x\": [1, 2], \"sizes\": [2, 2, 1], \"activation\": [1, 2]}", 422,
     "/activation/0", "string"},
    {"/network/forward", "{\"x\": [1, 2], \"sizes\": [2, 2, 1], \"activation\": \"maxout\"}", 422,
     "/activation", "last layer"},
    {"/network/forward", "{\"x\": [1, 2], \"sizes\": [2, 1], \"init\": \"he\"}", 422,
     "/init", "unknown scheme"},
    {"/network/forward", "{\"x\": [1, 2], \"sizes\": [2, 1], \"init\": {\"scheme\": "
     "\"he_normal\", \"std\": 2}}", 422, "/init/std", "does not apply"},
    {"/network/forward", "{\"x\": [1, 2], \"sizes\": [2, 1], \"init\": {\"std\": 2}}", 422,
     "/init/scheme", "required"},
    {"/network/forward", "{\"x\": [1, 2], \"sizes\": [2, 1], \"init\": {\"scheme\": \"uniform\", "
     "\"low\": 1, \"high\": 0}}", 422, "/init/high", "greater than low"},
    {"/network/forward", "{\"x\": [1, 2], \"sizes\": [2, 1], \"init\": {\"scheme\": \"normal\", "
     "\"shape\": [1, 2]}}", 422, "/init/shape", "unknown field"},
    {"/network/forward", "{\"x\": [1, 2], \"sizes\": [2, 1], \"init\": 3}", 422, "/init",
     "scheme name"},
    {"/network/forward", "{\"x\": [1, 2], \"sizes\": [2, 1, 1], \"seed\": 9007199254740991}", 422,
     "/seed", "one seed per layer"},
    /* x */
    {"/network/forward", "{\"x\": 1, " L2 "}", 422, "/x", "one sample"},
    {"/network/forward", "{" L2 "}", 422, "/x", "required"},
    /* outputs */
    {"/network/forward", "{\"x\": [1, 2], " L2 ", \"outputs\": [\"grad_z\"]}", 422, "/outputs/0",
     "not an output"},
    {"/network/backward", "{\"x\": [1, 2], " L2 ", \"grad_output\": [1], \"outputs\": [\"y\"]}",
     422, "/outputs/0", "not an output"},
    /* the last layer's gradient */
    {"/network/backward", "{\"x\": [1, 2], " L2 "}", 422, NULL, "needs grad_output"},
    {"/network/backward", "{\"x\": [1, 2], " L2 ", \"grad_output\": [1], \"targets\": [1], "
     "\"loss\": \"squared\"}", 422, "/targets", "not both"},
    {"/network/backward", "{\"x\": [1, 2], " L2 ", \"grad_output\": [1, 2]}", 422, "/grad_output",
     "shape of the last layer"},
    {"/network/backward", "{\"x\": [1, 2], " L2 ", \"targets\": [1]}", 422, "/loss", "required"},
    {"/network/backward", "{\"x\": [1, 2], " L2 ", \"targets\": [1, 2], \"loss\": \"squared\"}",
     422, "/targets", "shape of a"},
    {"/network/backward", "{\"x\": [1, 2], " L2 ", \"targets\": [1], \"loss\": \"cross_entropy\"}",
     422, "/loss", "identity is neither"},
    {"/network/backward", "{\"x\": [1, 2], " L2 ", \"targets\": [1], \"loss\": \"hinge\"}", 422,
     "/loss", "not a neuron loss"},
    {"/network/backward", "{\"x\": [[1, 2]], \"layers\": [{\"weights\": [[1, 0], [0, 1]], "
     "\"activation\": \"softmax\"}], \"targets\": [2], \"loss\": \"cross_entropy\"}", 422,
     "/targets/0", "class index"},
    /* steps */
    {"/network/backward", "{\"x\": [1, 2], " L2 ", \"grad_output\": [1], \"steps\": 2}", 422,
     "/steps", "needs a learning_rate"},
    {"/network/backward", "{\"x\": [1, 2], " L2 ", \"grad_output\": [1], \"steps\": 0, "
     "\"learning_rate\": 0.1}", 422, "/steps", "integer"},
    {"/network/backward", "{\"x\": [1, 2], " L2 ", \"grad_output\": [1], \"steps\": 1000000000, "
     "\"learning_rate\": 0.1}", 422, "/steps", "over the budget"},
    {"/network/backward", "{\"x\": [1, 2], " L2 ", \"grad_output\": [1], \"learning_rate\": -1}",
     422, "/learning_rate", NULL},
    /* a step that diverges */
    {"/network/backward", "{\"x\": [1e150, 1e150], \"layers\": [{\"weights\": [[1, 1]]}], "
     "\"targets\": [0], \"loss\": \"squared\", \"learning_rate\": 1e200, \"steps\": 3}", 422,
     "/learning_rate", "diverged"},
    /* a value beyond the largest double is named, with the sample it comes from */
    {"/network/forward", "{\"x\": [[1, 2], [1e300, 1e300]], \"layers\": [{\"weights\": "
     "[[1e10, 1e10]]}, {\"weights\": [[1]]}]}", 422, "/x/1", "layers[0].z[1][0] overflows"},
    {"/network/forward", "{\"x\": [1, 2], \"layers\": [{\"weights\": [[1, 2]]}], \"extra\": 1}",
     422, "/extra", "unknown field"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    expect_problem(cases[i].path, cases[i].body, cases[i].status, cases[i].pointer,
                   cases[i].detail);
}
END_TEST

/* Work and elements: the arrays of a network count toward --max-elements (413), one
 * pass over the work budget is a 413, steps over it a 422 naming /steps. */
START_TEST(test_network_limits)
{
  struct srv small;
  static const char *const args[] = {"--no-access-log", "--max-elements", "200", NULL};
  char *body = malloc(1 << 16);
  size_t n;
  cJSON *d;

  expect_problem("/network/forward", "{\"x\": [0], \"sizes\": [1, 30000, 30000]}", 413, "/sizes",
                 "generated weights");
  ck_assert_int_eq(srv_start(&small, args), 0);
  /* the parser's limit first: more numbers in the body than 200 */
  n = (size_t)sprintf(body, "{\"x\": [");
  for (int i = 0; i < 201; i++)
    n += (size_t)sprintf(body + n, "%s1", i ? "," : "");
  sprintf(body + n, "], \"sizes\": [201, 1]}");
  expect_problem_on(&small, "/network/forward", body, 413, NULL, "200");
  /* generated weights over the limit */
  expect_problem_on(&small, "/network/forward", "{\"x\": [1, 2], \"sizes\": [2, 50, 3]}", 413,
                    "/sizes", "generated weights");
  /* the arrays made over the batch: 40 samples x 3 layers of z, a, grad_z */
  n = (size_t)sprintf(body, "{\"x\": [");
  for (int i = 0; i < 40; i++)
    n += (size_t)sprintf(body + n, "%s[1]", i ? "," : "");
  sprintf(body + n, "], \"sizes\": [1, 2, 2, 2]}");
  expect_problem_on(&small, "/network/forward", body, 413, "/sizes", "over the limit of 200");
  ck_assert_int_eq(srv_stop(&small), 0);

  /* one pass over the budget of 2^30 multiply-adds: 600 samples x 2e6 weights */
  n = (size_t)sprintf(body, "{\"x\": [");
  for (int i = 0; i < 600; i++)
    n += (size_t)sprintf(body + n, "%s[1]", i ? "," : "");
  sprintf(body + n, "], \"sizes\": [1, 1000, 1000, 1000]}");
  expect_problem("/network/forward", body, 413, "/sizes", "over the budget");
  /* two samples: 3 x 2 x 1002000 multiply-adds a step, so 178 steps fit, 179 do not */
  d = post("/network/backward", "{\"x\": [[1], [2]], \"sizes\": [1, 1000, 1000, 1], "
           "\"activation\": \"tanh\", \"init\": {\"scheme\": \"normal\", \"std\": 0.001}, "
           "\"grad_output\": [[0], [0]], \"learning_rate\": 0, \"steps\": 2, \"outputs\": []}",
           200);
  cJSON_Delete(d);
  expect_problem("/network/backward", "{\"x\": [[1], [2]], \"sizes\": [1, 1000, 1000, 1], "
                 "\"grad_output\": [[0], [0]], \"learning_rate\": 0, \"steps\": 179}", 422,
                 "/steps", "at most 178 step");
  free(body);
}
END_TEST

static Suite *network_suite(void)
{
  Suite *s = suite_create("network");
  TCase *tc = tcase_create("network");
  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_network_forward_contract);
  tcase_add_test(tc, test_network_backward_outputs_rule);
  tcase_add_test(tc, test_network_equals_neuron_chain);
  tcase_add_test(tc, test_network_sums_match_mpfr);
  tcase_add_test(tc, test_network_linear_end_to_end_mpfr);
  tcase_add_test(tc, test_network_generated_layers_are_init);
  tcase_add_test(tc, test_network_steps_chain);
  tcase_add_test(tc, test_network_training_loss_falls);
  tcase_add_test(tc, test_network_vanishing_gradients);
  tcase_add_test(tc, test_network_errors);
  tcase_add_test(tc, test_network_limits);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(network_suite)
