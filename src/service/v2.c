/*
 * v2.c: the Open Inference Protocol v2 (REST) front: server and model metadata, health,
 * and inference with tensors as JSON or as binary data (the binary tensor data
 * extension), both ways.
 *
 * Every activation is a model, by its name and by its aliases; "dense" is the neuron
 * or layer. An inference request is decoded into the typed requests of our JSON routes
 * (h_activate.h, h_neuron.h), computed by the same code, and its answer (outs.h) goes
 * out through the protocol's encoder (wire_oip.c). Errors are {"error": ...}
 * (reply_error), 400 for a bad request, 404 for an unknown model or version.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/jdoc.h"
#include "codec/jptr.h"
#include "service/h_activate.h"
#include "service/h_neuron.h"
#include "service/oip.h"
#include "service/routes.h"
#include "service/version.h"

#define MAX_INPUTS 8
#define MAX_OUTPUTS 16

/* The protocol's own request parameters: accepted everywhere, meaningless here but for
 * binary_data_output. */
static const char *const reserved_params[] = {"binary_data_output", "sequence_id",
                                              "sequence_start", "sequence_end", "priority",
                                              "timeout", NULL};

/* The dense model's inputs, outputs and parameters (besides its activation's). */
static const char *const dense_inputs[] = {"x", "weights", "bias", "grad_a", "targets", NULL};
static const char *const dense_outputs[] = {"z", "a", "loss", "grad_z", "grad_weights",
                                            "grad_bias", "grad_x", "updated_weights",
                                            "updated_bias", NULL};
static const char *const dense_params[] = {"activation", "loss", "reduction", "learning_rate",
                                           NULL};
static const char *const act_inputs[] = {"x", "grad_y", NULL};

/* ================================================================== Models */

struct model {
  const char *name;                 /* as the path names it */
  const struct eng_activation *act; /* NULL for dense */
};

static int model_find(struct hctx *c, struct model *m)
{
  m->name = c->arg != NULL ? c->arg : "";
  m->act = NULL;
  if (c->arg2 != NULL && strcmp(c->arg2, OIP_VERSION) != 0)
    return problem(c, 404, NULL, "model %s has no version \"%.64s\" (its one version is \"%s\")",
                   m->name, c->arg2, OIP_VERSION);
  if (strcmp(m->name, "dense") == 0)
    return 0;
  m->act = eng_activation_lookup(m->name);
  if (m->act != NULL)
    return 0;
  {
    struct buf b;
    buf_init(&b, 1024);
    req_put_activation_names(&b);
    problem(c, 404, NULL, "unknown model \"%.64s\"; the models are dense and every activation: %s",
            m->name, b.failed ? "see GET /activations" : b.p);
    buf_free(&b);
  }
  return -1;
}

/* The outputs a model gives, in their default order, NULL-terminated; for an
 * activation its learnable parameters add dy_d<param>. */
static size_t model_outputs(const struct model *m, const char **names, char (*dp)[24])
{
  size_t n = 0;
  unsigned gives;
  if (m->act == NULL) {
    for (; dense_outputs[n] != NULL; n++)
      names[n] = dense_outputs[n];
    names[n] = NULL;
    return n;
  }
  gives = eng_activation_gives(m->act);
  names[n++] = "y";
  if (gives & ENG_GIVES_ARGMAX)
    names[n++] = "argmax";
  if (gives & ENG_GIVES_DY)
    names[n++] = "dy_dx";
  if (gives & ENG_GIVES_D2Y)
    names[n++] = "d2y_dx2";
  if (gives & ENG_GIVES_DP)
    for (unsigned j = 0; j < m->act->nparams; j++)
      if (m->act->params[j].learnable) {
        snprintf(dp[j], 24, "dy_d%s", m->act->params[j].name);
        names[n++] = dp[j];
      }
  if (gives & ENG_GIVES_JAC)
    names[n++] = "jacobian";
  names[n++] = "grad_x";
  names[n] = NULL;
  return n;
}

static int in_list(const char *const *list, const char *s)
{
  for (size_t i = 0; list[i] != NULL; i++)
    if (strcmp(list[i], s) == 0)
      return 1;
  return 0;
}

static void put_list(struct buf *b, const char *const *list)
{
  for (size_t i = 0; list[i] != NULL; i++) {
    if (i > 0)
      buf_puts(b, ", ");
    buf_puts(b, list[i]);
  }
}

/* ================================================================ Metadata */

void v2_server_get(struct hctx *c)
{
  struct buf b;
  buf_init(&b, 128);
  buf_puts(&b, "{\"name\":\"neurond\",\"version\":\"" NEUROND_VERSION "\","
               "\"extensions\":[\"binary_tensor_data\"]}");
  reply_buf(c, 200, "application/json", &b);
}

void v2_live_get(struct hctx *c)
{
  struct buf b;
  buf_init(&b, 32);
  buf_puts(&b, "{\"live\":true}");
  reply_buf(c, 200, "application/json", &b);
}

void v2_ready_get(struct hctx *c)
{
  struct buf b;
  buf_init(&b, 32);
  buf_puts(&b, "{\"ready\":true}");
  reply_buf(c, 200, "application/json", &b);
}

void v2_model_ready_get(struct hctx *c)
{
  struct model m;
  struct buf b;
  if (model_find(c, &m) != 0)
    return;
  buf_init(&b, 64);
  buf_puts(&b, "{\"name\":");
  buf_jstr(&b, m.name);
  buf_puts(&b, ",\"ready\":true}");
  reply_buf(c, 200, "application/json", &b);
}

static void put_tensor_meta(struct buf *b, const char *name, const char *dtype, int rank)
{
  buf_puts(b, "{\"name\":");
  buf_jstr(b, name);
  buf_puts(b, ",\"datatype\":");
  buf_jstr(b, dtype);
  buf_puts(b, ",\"shape\":[");
  for (int i = 0; i < rank; i++)
    buf_puts(b, i > 0 ? ",-1" : "-1");
  buf_puts(b, "]}");
}

/* Metadata: the inputs and outputs with their datatype (FP64; FP32 is taken too) and
 * shape (-1 for a free dimension), and the parameters with their defaults. */
void v2_model_get(struct hctx *c)
{
  struct model m;
  struct buf b;
  const char *outs[MAX_OUTPUTS + 1];
  char dp[ENG_MAX_PARAMS][24];
  size_t nout;

  if (model_find(c, &m) != 0)
    return;
  nout = model_outputs(&m, outs, dp);
  buf_init(&b, 1024);
  buf_puts(&b, "{\"name\":");
  buf_jstr(&b, m.name);
  buf_puts(&b, ",\"versions\":[\"" OIP_VERSION "\"],\"platform\":\"neurond\",\"inputs\":[");
  if (m.act == NULL) {
    put_tensor_meta(&b, "x", "FP64", 2);
    buf_putc(&b, ',');
    put_tensor_meta(&b, "weights", "FP64", 2);
    buf_putc(&b, ',');
    put_tensor_meta(&b, "bias", "FP64", 1);
    buf_putc(&b, ',');
    put_tensor_meta(&b, "grad_a", "FP64", 2);
    buf_putc(&b, ',');
    put_tensor_meta(&b, "targets", "FP64", 2);
  } else {
    int rank = m.act->kind == ENG_VECTOR ? 2 : 1;
    put_tensor_meta(&b, "x", "FP64", rank);
    buf_putc(&b, ',');
    put_tensor_meta(&b, "grad_y", "FP64", rank);
  }
  buf_puts(&b, "],\"outputs\":[");
  for (size_t i = 0; i < nout; i++) {
    const char *o = outs[i];
    int rank = 1;
    if (m.act == NULL)
      rank = strcmp(o, "loss") == 0 ? 0 : strcmp(o, "grad_bias") == 0 ||
                                              strcmp(o, "updated_bias") == 0 ? 1 : 2;
    else if (m.act->kind == ENG_VECTOR)
      rank = strcmp(o, "jacobian") == 0 ? 3 : m.act->reduces && strcmp(o, "grad_x") != 0 ? 1 : 2;
    if (i > 0)
      buf_putc(&b, ',');
    put_tensor_meta(&b, o, strcmp(o, "argmax") == 0 ? "INT64" : "FP64", rank);
  }
  buf_puts(&b, "],\"parameters\":{");
  if (m.act != NULL) {
    for (unsigned j = 0; j < m.act->nparams; j++) {
      const struct eng_param *prm = &m.act->params[j];
      if (j > 0)
        buf_putc(&b, ',');
      buf_jstr(&b, prm->name);
      buf_putc(&b, ':');
      if (prm->type == ENG_PARAM_CHOICE)
        buf_jstr(&b, prm->choices[(size_t)prm->def]);
      else
        buf_num(&b, prm->def);
    }
  } else {
    buf_puts(&b, "\"activation\":\"identity\",\"loss\":\"squared\",\"reduction\":\"mean\"");
  }
  buf_puts(&b, "}}");
  reply_buf(c, 200, "application/json", &b);
}

/* ================================================================= Tensors */

/* One input tensor as it arrives. */
struct tin {
  const char *name;
  char ptr[JPTR_MAX];         /* "/inputs/0" */
  enum oip_dtype dtype;
  struct oip_shape shape;
  size_t n;
  const cJSON *data;          /* JSON data; NULL when binary */
  int binary;
  size_t bin_size;
  const char *bin;            /* its bytes in the body */
  double *v;                  /* decoded */
};

/* A request's state between the steps of decoding. */
struct infer {
  struct model m;
  const char *id;
  struct tin in[MAX_INPUTS];
  unsigned nin;
  const cJSON *params;         /* the request's parameters object, or NULL */
  int binary_all;              /* binary_data_output */
  const char *out_name[MAX_OUTPUTS];
  int out_binary[MAX_OUTPUTS]; /* -1: not said */
  unsigned nout;
  int outputs_given;
  const char *body;            /* the whole body: the JSON header, then the binary part */
  size_t body_len, json_len;
};

static struct tin *input(struct infer *q, const char *name)
{
  for (unsigned i = 0; i < q->nin; i++)
    if (strcmp(q->in[i].name, name) == 0)
      return &q->in[i];
  return NULL;
}

static const char *shape_str(const struct oip_shape *s, char *out, size_t cap)
{
  size_t k = (size_t)snprintf(out, cap, "[");
  for (unsigned i = 0; i < s->ndim && k < cap; i++)
    k += (size_t)snprintf(out + k, cap - k, "%s%zu", i > 0 ? "," : "", s->dim[i]);
  if (k < cap)
    snprintf(out + k, cap - k, "]");
  return out;
}

/* "x[1][2]": element i of t, by its indices in t's shape. */
static void elem_name(const struct tin *t, size_t i, char *out, size_t cap)
{
  size_t idx[OIP_MAX_DIMS], k;
  for (unsigned d = t->shape.ndim; d-- > 0;) {
    idx[d] = t->shape.dim[d] > 0 ? i % t->shape.dim[d] : 0;
    i = t->shape.dim[d] > 0 ? i / t->shape.dim[d] : 0;
  }
  k = (size_t)snprintf(out, cap, "%s", t->name);
  for (unsigned d = 0; d < t->shape.ndim && k < cap; d++)
    k += (size_t)snprintf(out + k, cap - k, "[%zu]", idx[d]);
}

/* Reads one entry of "inputs". */
static int read_input(struct hctx *c, struct infer *q, const cJSON *v, size_t i, size_t *total)
{
  static const char *const keys[] = {"name", "shape", "datatype", "parameters", "data"};
  const cJSON *k[5];
  const char *const *names = q->m.act != NULL ? act_inputs : dense_inputs;
  struct tin *t = &q->in[q->nin];
  char ptr[JPTR_MAX], p2[JPTR_MAX], list[128];
  const char *dt;
  struct tensor_in sh;
  int d;

  jptr_index(ptr, sizeof ptr, "/inputs", i);
  if (req_members(c, v, ptr, keys, 5, k) != 0)
    return -1;
  jptr_key(p2, sizeof p2, ptr, "name");
  if (req_string(c, k[0], p2, &t->name) != 0)
    return -1;
  if (!in_list(names, t->name)) {
    struct buf b;
    buf_init(&b, 64);
    put_list(&b, names);
    buf_putc(&b, '\0');
    snprintf(list, sizeof list, "%s", b.failed ? "" : b.p);
    buf_free(&b);
    return problem(c, 400, p2, "unknown input \"%.64s\" (model %s takes: %s)", t->name,
                   q->m.name, list);
  }
  if (input(q, t->name) != NULL)
    return problem(c, 400, p2, "input %s is given twice", t->name);
  if (q->nin == MAX_INPUTS)
    return problem(c, 400, ptr, "too many inputs");
  snprintf(t->ptr, sizeof t->ptr, "%s", ptr);

  /* shape: dimensions, each an integer >= 0 */
  jptr_key(p2, sizeof p2, ptr, "shape");
  if (k[1] == NULL)
    return problem(c, 400, p2, "input %s has no shape", t->name);
  {
    if (!cJSON_IsArray(k[1]) || req_tensor(c, k[1], p2, 1, 0, &sh) != 0 || sh.shape.ndim != 1)
      return problem(c, 400, p2, "the shape of input %s must be an array of sizes", t->name);
    if (sh.n > OIP_MAX_DIMS)
      return problem(c, 400, p2, "input %s has %zu dimensions; at most %d are taken", t->name,
                     sh.n, OIP_MAX_DIMS);
    t->shape.ndim = (unsigned)sh.n;
    for (size_t j = 0; j < sh.n; j++) {
      if (!(sh.v[j] >= 0 && sh.v[j] <= 9007199254740991.0 && floor(sh.v[j]) == sh.v[j]))
        return problem(c, 400, p2, "the shape of input %s must hold integers >= 0", t->name);
      t->shape.dim[j] = (size_t)sh.v[j];
    }
  }
  t->n = 1;
  for (unsigned j = 0; j < t->shape.ndim; j++) {
    if (t->shape.dim[j] != 0 && t->n > SIZE_MAX / t->shape.dim[j]) {
      t->n = SIZE_MAX;
      break;
    }
    t->n *= t->shape.dim[j];
  }
  if (t->n > c->cfg->max_elements || *total + t->n > c->cfg->max_elements)
    return problem(c, 413, p2, "the request holds more than %zu numbers (the element limit)",
                   c->cfg->max_elements);
  *total += t->n;

  /* datatype */
  jptr_key(p2, sizeof p2, ptr, "datatype");
  if (req_string(c, k[2], p2, &dt) != 0)
    return -1;
  d = oip_dtype_lookup(dt);
  if (d < 0)
    return problem(c, 400, p2, "input %s: \"%.32s\" is not a datatype of the protocol", t->name,
                   dt);
  t->dtype = (enum oip_dtype)d;
  if (!(t->dtype == OIP_FP64 || t->dtype == OIP_FP32 ||
        (strcmp(t->name, "targets") == 0 && t->dtype >= OIP_UINT8 && t->dtype <= OIP_INT64)))
    return problem(c, 400, p2, "input %s has datatype %s; it must be FP64 or FP32%s", t->name,
                   dt, strcmp(t->name, "targets") == 0 ? ", or an integer type for class indices"
                                                      : "");

  /* parameters: binary_data_size alone */
  if (k[3] != NULL) {
    static const char *const pkeys[] = {"binary_data_size"};
    const cJSON *pv[1];
    double sz;
    jptr_key(p2, sizeof p2, ptr, "parameters");
    if (req_members(c, k[3], p2, pkeys, 1, pv) != 0)
      return -1;
    if (pv[0] != NULL) {
      jptr_key(p2, sizeof p2, p2, "binary_data_size");
      if (req_integer(c, pv[0], p2, 0, 9007199254740991.0, &sz) != 0)
        return -1;
      t->binary = 1;
      t->bin_size = (size_t)sz;
    }
  }
  jptr_key(p2, sizeof p2, ptr, "data");
  if (t->binary && k[4] != NULL)
    return problem(c, 400, p2, "input %s has both data and binary_data_size", t->name);
  if (!t->binary && k[4] == NULL)
    return problem(c, 400, p2, "input %s has no data (nor binary_data_size)", t->name);
  if (t->binary) {
    unsigned size = oip_dtype_size(t->dtype);
    char s1[96];
    if (t->bin_size % size != 0)
      return problem(c, 400, ptr,
                     "input %s: binary_data_size %zu is not a whole number of %s elements (%u "
                     "bytes each)", t->name, t->bin_size, dt, size);
    if (t->bin_size / size != t->n)
      return problem(c, 400, ptr,
                     "input %s: binary_data_size %zu holds %zu elements, but its shape %s holds "
                     "%zu", t->name, t->bin_size, t->bin_size / size,
                     shape_str(&t->shape, s1, sizeof s1), t->n);
  }
  t->data = k[4];
  q->nin++;
  return 0;
}

/* Collects the numbers of nested JSON arrays (packed rows or single numbers) into v. */
static int collect(struct hctx *c, const struct tin *t, const cJSON *a, double *v, size_t *k,
                   unsigned depth)
{
  const struct jdoc_arr *p = jdoc_packed(c->doc, a);
  if (p != NULL) {
    size_t n = p->ndim == 2 ? p->dim[0] * p->dim[1] : p->dim[0];
    if (p->ndim == 2 && p->ragged)
      return problem(c, 400, t->ptr, "the data of input %s has rows of different lengths",
                     t->name);
    if (n > t->n - *k)
      goto count;
    if (n > 0)
      memcpy(v + *k, c->doc->num + p->off, n * sizeof(double));
    *k += n;
    return 0;
  }
  if (cJSON_IsNumber(a)) {
    if (*k >= t->n)
      goto count;
    v[(*k)++] = a->valuedouble;
    return 0;
  }
  if (!cJSON_IsArray(a) || depth > OIP_MAX_DIMS + 1)
    return problem(c, 400, t->ptr, "the data of input %s must be numbers (flat or nested "
                                   "arrays)", t->name);
  for (const cJSON *it = a->child; it != NULL; it = it->next)
    if (collect(c, t, it, v, k, depth + 1) != 0)
      return -1;
  return 0;
count:
  return problem(c, 400, t->ptr, "the data of input %s holds more elements than its shape "
                                 "(%zu)", t->name, t->n);
}

/* The value of element i of a binary tensor, as a double. */
static double bin_at(const struct tin *t, size_t i)
{
  const char *p = t->bin + i * oip_dtype_size(t->dtype);
  switch (t->dtype) {
  case OIP_FP64: { double v; memcpy(&v, p, 8); return v; }
  case OIP_FP32: { float v; memcpy(&v, p, 4); return v; }
  case OIP_INT8: { int8_t v; memcpy(&v, p, 1); return v; }
  case OIP_INT16: { int16_t v; memcpy(&v, p, 2); return v; }
  case OIP_INT32: { int32_t v; memcpy(&v, p, 4); return v; }
  case OIP_INT64: { int64_t v; memcpy(&v, p, 8); return (double)v; }
  case OIP_UINT8: { uint8_t v; memcpy(&v, p, 1); return v; }
  case OIP_UINT16: { uint16_t v; memcpy(&v, p, 2); return v; }
  case OIP_UINT32: { uint32_t v; memcpy(&v, p, 4); return v; }
  case OIP_UINT64: { uint64_t v; memcpy(&v, p, 8); return (double)v; }
  case OIP_BOOL: case OIP_FP16: case OIP_BF16: case OIP_BYTES: case OIP__COUNT:
    break;
  }
  return NAN;
}

/* The doubles of t: finite for the float types (an FP32 element as its float), whole
 * numbers for the integer types. */
static int decode(struct hctx *c, struct tin *t)
{
  char name[JNAME_MAX];
  size_t k = 0;

  if (t->binary && t->dtype == OIP_FP64 && (uintptr_t)t->bin % sizeof(double) == 0) {
    /* in place: the body is laid out so that binary tensors start aligned */
    t->v = (double *)(uintptr_t)t->bin;
  } else if ((t->v = ctx_alloc_raw(c, t->n * sizeof(double) + 1)) == NULL) {
    return -1;
  }
  if (t->binary) {
    if (t->dtype != OIP_FP64)
      for (size_t i = 0; i < t->n; i++)
        t->v[i] = bin_at(t, i);
    else if ((const char *)t->v != t->bin)
      memcpy(t->v, t->bin, t->n * sizeof(double));
  } else {
    if (collect(c, t, t->data, t->v, &k, 0) != 0)
      return -1;
    if (k != t->n) {
      char s1[96];
      return problem(c, 400, t->ptr, "the data of input %s holds %zu elements, but its shape %s "
                                     "holds %zu", t->name, k, shape_str(&t->shape, s1, sizeof s1),
                     t->n);
    }
    if (t->dtype == OIP_FP32)
      for (size_t i = 0; i < t->n; i++)
        t->v[i] = (float)t->v[i];
  }
  for (size_t i = 0; i < t->n; i++) {
    double v = t->v[i];
    if (!isfinite(v)) {
      elem_name(t, i, name, sizeof name);
      return problem(c, 400, t->ptr, "%s must be a finite number", name);
    }
    if (t->dtype != OIP_FP64 && t->dtype != OIP_FP32 && !t->binary && floor(v) != v) {
      elem_name(t, i, name, sizeof name);
      return problem(c, 400, t->ptr, "%s must be an integer (datatype %s)", name,
                     oip_dtype_name(t->dtype));
    }
  }
  return 0;
}

/* ================================================================ Requests */

/* Parses the JSON header and reads id, inputs, outputs and parameters' protocol part. */
static int read_request(struct hctx *c, struct infer *q)
{
  static const char *const keys[] = {"id", "parameters", "inputs", "outputs", "model_name",
                                     "model_version"};
  const cJSON *k[6];
  const char *hdr = c->header != NULL ? c->header(c->conn, "Inference-Header-Content-Length")
                                      : NULL;
  struct jdoc_err e;
  size_t total = 0, i = 0, bin = 0;

  q->body = c->body;
  q->body_len = c->body_len;
  q->json_len = c->body_len;
  if (hdr != NULL) {
    char *end;
    unsigned long long n;
    if (hdr[0] < '0' || hdr[0] > '9')
      return problem(c, 400, NULL, "Inference-Header-Content-Length \"%.32s\" is not a length",
                     hdr);
    n = strtoull(hdr, &end, 10);
    if (*end != '\0')
      return problem(c, 400, NULL, "Inference-Header-Content-Length \"%.32s\" is not a length",
                     hdr);
    if (n > c->body_len)
      return problem(c, 400, NULL,
                     "Inference-Header-Content-Length %llu is past the end of the body (%zu "
                     "bytes)", n, c->body_len);
    q->json_len = (size_t)n;
  }
  if (jdoc_parse(q->body, q->json_len, c->cfg->max_elements, &c->doc, &e) != 0) {
    if (e.fail == JDOC_SYNTAX)
      return problem(c, 400, NULL, "invalid JSON at line %zu, column %zu (byte offset %zu): %s",
                     e.line, e.col, e.offset, e.msg);
    return problem(c, e.fail == JDOC_LIMIT ? 413 : 500, NULL, "%s", e.msg);
  }
  if (!cJSON_IsObject(c->doc->root))
    return problem(c, 400, "", "the body must be an inference request (a JSON object)");
  if (req_members(c, c->doc->root, "", keys, 6, k) != 0)
    return -1;
  if (k[0] != NULL && req_string(c, k[0], "/id", &q->id) != 0)
    return -1;
  if (k[4] != NULL && (!cJSON_IsString(k[4]) || strcmp(k[4]->valuestring, q->m.name) != 0))
    return problem(c, 400, "/model_name", "model_name must be the model of the path, \"%s\"",
                   q->m.name);
  if (k[5] != NULL && (!cJSON_IsString(k[5]) || strcmp(k[5]->valuestring, OIP_VERSION) != 0))
    return problem(c, 400, "/model_version", "model_version must be \"%s\"", OIP_VERSION);
  if (k[1] != NULL && !cJSON_IsObject(k[1]))
    return problem(c, 400, "/parameters", "parameters must be an object");
  q->params = k[1];

  if (!cJSON_IsArray(k[2]) || k[2]->child == NULL)
    return problem(c, 400, "/inputs", "inputs must be a non-empty array of tensors");
  for (const cJSON *it = k[2]->child; it != NULL; it = it->next, i++)
    if (read_input(c, q, it, i, &total) != 0)
      return -1;

  /* the binary part: the tensors' bytes in the order of inputs, nothing more */
  for (unsigned j = 0; j < q->nin; j++)
    if (q->in[j].binary) {
      q->in[j].bin = q->body + q->json_len + bin;
      bin += q->in[j].bin_size;
    }
  if (bin != q->body_len - q->json_len)
    return problem(c, 400, NULL,
                   "the binary tensors take %zu bytes, but the body holds %zu after its JSON "
                   "header of %zu%s", bin, q->body_len - q->json_len, q->json_len,
                   hdr == NULL && bin > 0 ? " (binary data needs Inference-Header-Content-Length)"
                                          : "");

  /* outputs */
  for (unsigned j = 0; j < MAX_OUTPUTS; j++)
    q->out_binary[j] = -1;
  if (k[3] != NULL) {
    static const char *const okeys[] = {"name", "parameters"};
    const char *names[MAX_OUTPUTS + 1];
    char dp[ENG_MAX_PARAMS][24], ptr[JPTR_MAX], p2[JPTR_MAX];
    size_t j = 0;
    model_outputs(&q->m, names, dp);
    if (!cJSON_IsArray(k[3]))
      return problem(c, 400, "/outputs", "outputs must be an array");
    q->outputs_given = 1;
    for (const cJSON *it = k[3]->child; it != NULL; it = it->next, j++) {
      const cJSON *ov[2];
      const char *name;
      jptr_index(ptr, sizeof ptr, "/outputs", j);
      if (req_members(c, it, ptr, okeys, 2, ov) != 0)
        return -1;
      jptr_key(p2, sizeof p2, ptr, "name");
      if (req_string(c, ov[0], p2, &name) != 0)
        return -1;
      if (!in_list(names, name)) {
        struct buf b;
        buf_init(&b, 128);
        put_list(&b, names);
        buf_putc(&b, '\0');
        problem(c, 400, p2, "unknown output \"%.64s\" (model %s gives: %s)", name, q->m.name,
                b.failed ? "" : b.p);
        buf_free(&b);
        return -1;
      }
      for (unsigned o = 0; o < q->nout; o++)
        if (strcmp(q->out_name[o], name) == 0)
          return problem(c, 400, p2, "output %s is asked twice", name);
      if (q->nout == MAX_OUTPUTS)
        return problem(c, 400, ptr, "too many outputs");
      if (ov[1] != NULL) {
        static const char *const pkeys[] = {"binary_data"};
        const cJSON *pv[1];
        jptr_key(p2, sizeof p2, ptr, "parameters");
        if (req_members(c, ov[1], p2, pkeys, 1, pv) != 0)
          return -1;
        if (pv[0] != NULL) {
          if (!cJSON_IsBool(pv[0]))
            return problem(c, 400, p2, "outputs[%zu].parameters.binary_data must be true or "
                                       "false", j);
          q->out_binary[q->nout] = cJSON_IsTrue(pv[0]);
        }
      }
      q->out_name[q->nout++] = name;
    }
  }
  return 0;
}

/* The request parameters: the protocol's (binary_data_output and the ones that mean
 * nothing here) and the model's. For dense: activation, loss, reduction, learning_rate
 * and the activation's own. */
static int read_params(struct hctx *c, struct infer *q, const struct eng_activation **act,
                       double *p, struct neuron_req *nr)
{
  char ptr[JPTR_MAX];
  const cJSON *v;

  eng_params_default(*act, p);
  if (q->params == NULL)
    return req_params_check(c, *act, p, "/parameters");
  for (v = q->params->child; v != NULL; v = v->next) {
    const char *key = v->string;
    int rc;
    jptr_key(ptr, sizeof ptr, "/parameters", key);
    for (const cJSON *w = v->next; w != NULL; w = w->next)
      if (strcmp(w->string, key) == 0)
        return problem(c, 400, ptr, "parameter %s is given twice", key);
    if (in_list(reserved_params, key)) {
      if (strcmp(key, "binary_data_output") == 0) {
        if (!cJSON_IsBool(v))
          return problem(c, 400, ptr, "parameters.binary_data_output must be true or false");
        q->binary_all = cJSON_IsTrue(v);
      }
      continue;
    }
    if (nr != NULL && in_list(dense_params, key)) {
      if (strcmp(key, "activation") == 0)
        continue; /* read first, by the caller */
      if (strcmp(key, "loss") == 0) {
        static const struct field f = {.name = "loss", .kind = FK_LOSS, .flags = FF_LAYER,
                                       .off = offsetof(struct neuron_req, loss)};
        if (req_decode_field(c, &f, v, ptr, &nr->head) != 0)
          return -1;
      } else if (strcmp(key, "reduction") == 0) {
        static const char *const reductions[] = {"mean", "sum", NULL};
        static const struct field f = {.name = "reduction", .kind = FK_CHOICE,
                                       .choices = reductions,
                                       .off = offsetof(struct neuron_req, reduction)};
        if (req_decode_field(c, &f, v, ptr, &nr->head) != 0)
          return -1;
      } else {
        static const struct field f = {.name = "learning_rate", .kind = FK_NUMBER, .lo = 0,
                                       .hi = DBL_MAX, .off = offsetof(struct neuron_req, lr)};
        if (req_decode_field(c, &f, v, ptr, &nr->head) != 0)
          return -1;
        nr->has_lr = 1;
      }
      continue;
    }
    rc = req_param(c, *act, key, v, ptr, p);
    if (rc < 0)
      return -1;
    if (rc > 0) {
      struct buf b;
      buf_init(&b, 256);
      if (nr != NULL) {
        put_list(&b, dense_params);
        if ((*act)->nparams > 0)
          buf_puts(&b, ", ");
      }
      for (unsigned j = 0; j < (*act)->nparams; j++)
        buf_puts(&b, j > 0 ? ", " : ""), buf_puts(&b, (*act)->params[j].name);
      if (b.len == 0)
        buf_puts(&b, "none");
      buf_puts(&b, "; and the protocol's: ");
      put_list(&b, reserved_params);
      buf_putc(&b, '\0');
      problem(c, 400, ptr, "unknown parameter \"%.64s\" (model %s takes: %s)", key, q->m.name,
              b.failed ? "" : b.p);
      buf_free(&b);
      return -1;
    }
  }
  return req_params_check(c, *act, p, "/parameters");
}

/* ================================================================= Answers */

/* Where an output goes, and its datatype. */
struct sel {
  struct oip_out o[MAX_OUTPUTS];
  unsigned n;
};

/* The tensor of the answer called `name` (its wire name if it has one). */
static const struct out *find_out(const struct outs *l, const char *name)
{
  for (unsigned i = 0; i < l->n; i++) {
    const struct out *o = &l->o[i];
    if ((o->kind == OUT_TENSOR || o->kind == OUT_INDEX) &&
        strcmp(o->wire != NULL ? o->wire : o->name, name) == 0)
      return o;
  }
  return NULL;
}

/* An FP32 value from a double result d (entry i of output o): the float nearest the
 * true value. d is the double nearest it, so the float nearest d is the float nearest
 * the true value, but when d lies exactly halfway between two floats: then the true
 * value is d itself (ties to even, as the conversion does) or lies to one side, and the
 * engine says which (eng_*_exact_sign, in MPFR). A midpoint of two normal floats has 29
 * trailing bits 1 followed by 28 zeros; the subnormal and overflow ranges are asked
 * of the rounding itself. The dense model's outputs carry the accuracy of /neuron and are
 * rounded from their doubles. */
static float to_f32(const struct out *o, size_t i, double d)
{
  const struct out_exact *e = &o->exact;
  double ad = fabs(d);
  uint64_t bits;
  int sign;

  memcpy(&bits, &d, sizeof bits);
  if (e->act == NULL || e->x == NULL || !isfinite(d) ||
      ((bits & 0x1FFFFFFFu) != 0x10000000u && ad >= 0x1p-126 && ad <= FLT_MAX))
    return (float)d;
  if (eng_round_f32(d, 1) == eng_round_f32(d, -1))
    return (float)eng_round_f32(d, 0);
  if (e->act->kind == ENG_ELEMENTWISE) {
    sign = eng_ew_exact_sign(e->act, e->p, e->x[i], e->which,
                             e->grad_y != NULL ? e->grad_y[i] : 0, d);
  } else {
    size_t k = e->k, w = eng_activation_width(e->act, k), row, a = 0, b = 0;
    if (e->which == ENG_VOUT_JAC) {
      row = i / (w * k);
      a = i % (w * k) / k;
      b = i % k;
    } else if (e->which == ENG_VOUT_GRAD_X) {
      row = i / k;
      a = i % k;
    } else {
      row = i / w;
      a = i % w;
    }
    sign = eng_vec_exact_sign(e->act, e->p, e->x + row * k, k,
                              e->grad_y != NULL ? e->grad_y + row * w : NULL, e->which, a, b,
                              d);
  }
  return (float)eng_round_f32(d, sign);
}

/* Picks and converts the outputs asked for (or the defaults) from the answer l: each
 * with its name, datatype (that of x; argmax INT64) and shape (from shape_of). Checks
 * them for overflow, by the one check, as they go out. */
static int select_outputs(struct hctx *c, struct infer *q, const struct outs *l,
                          const char *const *defaults, enum oip_dtype dtype,
                          void (*shape_of)(const void *ctx, const char *name,
                                           const struct out *o, struct oip_shape *s),
                          const void *ctx, struct sel *sel)
{
  struct outs *chk = ctx_alloc(c, sizeof *chk);
  const char *names[MAX_OUTPUTS];
  unsigned n = 0;

  if (chk == NULL)
    return -1;
  if (q->outputs_given) {
    for (unsigned i = 0; i < q->nout; i++)
      names[n++] = q->out_name[i];
  } else {
    for (size_t i = 0; defaults[i] != NULL && n < MAX_OUTPUTS; i++)
      if (find_out(l, defaults[i]) != NULL)
        names[n++] = defaults[i];
  }
  outs_init(chk);
  sel->n = 0;
  for (unsigned i = 0; i < n; i++) {
    const struct out *o = find_out(l, names[i]);
    struct oip_out *so = &sel->o[sel->n];
    if (o == NULL)
      return problem(c, 400, NULL, "output %s is not computed by this request", names[i]);
    memset(so, 0, sizeof *so);
    so->o = o;
    so->name = names[i];
    so->binary = q->out_binary[i] >= 0 && q->outputs_given ? q->out_binary[i] : q->binary_all;
    so->dtype = o->kind == OUT_INDEX ? OIP_INT64 : dtype;
    shape_of(ctx, names[i], o, &so->shape);
    if (o->kind == OUT_TENSOR) {
      struct out *co = outs_add(chk, OUT_TENSOR, names[i]);
      *co = *o;
      co->name = names[i];
      if (dtype == OIP_FP32) {
        size_t cnt = shape_count(&o->shape);
        float *f = ctx_alloc(c, cnt * sizeof(float) + 1);
        double *back = ctx_alloc(c, cnt * sizeof(double) + 1);
        if (f == NULL || back == NULL)
          return -1;
        for (size_t k = 0; k < cnt; k++) {
          f[k] = to_f32(o, k, o->v[k]);
          back[k] = f[k];
        }
        so->f32 = f;
        co->v = back; /* beyond the largest float is an overflow too */
      }
    }
    sel->n++;
  }
  return outs_check(c, chk);
}

/* ============================================================ Activations */

/* The protocol's shapes of an activation's outputs, from x's shape. */
struct act_shapes {
  const struct act_req *r;
  struct oip_shape x;
};

static void act_shape_of(const void *ctx, const char *name, const struct out *o,
                         struct oip_shape *s)
{
  const struct act_shapes *a = ctx;
  const struct eng_activation *act = a->r->act;
  (void)o;
  *s = a->x;
  if (act->kind != ENG_VECTOR || s->ndim == 0)
    return;
  if (strcmp(name, "y") == 0 || strcmp(name, "argmax") == 0) {
    if (act->reduces)
      s->ndim--;
  } else if (strcmp(name, "jacobian") == 0 && s->ndim < OIP_MAX_DIMS) {
    size_t k = s->dim[s->ndim - 1];
    s->dim[s->ndim - 1] = eng_activation_width(act, k);
    s->dim[s->ndim++] = k;
  }
}

/* A tensor of the protocol as one of our canonical shapes: element-wise inputs are one
 * array; a vector function's rows are the last dimension, every other one a row. */
static void canonical(const struct tin *t, int rows, struct tensor_in *out)
{
  memset(out, 0, sizeof *out);
  out->v = t->v;
  out->n = t->n;
  if (t->shape.ndim == 0) {
    out->shape.ndim = 0;
  } else if (!rows || t->shape.ndim == 1) {
    out->shape.ndim = 1;
    out->shape.dim[0] = t->n;
  } else {
    size_t k = t->shape.dim[t->shape.ndim - 1];
    out->shape.ndim = 2;
    out->shape.dim[0] = k > 0 ? t->n / k : 0;
    out->shape.dim[1] = k;
  }
}

/* When every output goes out as raw bytes, the reply is laid out before anything is
 * computed, and the engine writes each FP64 output straight to its place in it: no
 * copy of the outputs, and no second buffer of their size. pre is left empty when the
 * outputs do not allow it (one in JSON, or FP32 ones, which are rounded afterwards). */
static int place_outputs(struct hctx *c, const struct infer *q, const struct act_req *r,
                         struct act_result *res, enum oip_dtype dtype,
                         const struct act_shapes *shp, struct buf *pre)
{
  const struct eng_activation *a = r->act;
  struct out tmp[MAX_OUTPUTS];
  struct oip_out plan[MAX_OUTPUTS];
  double **where[MAX_OUTPUTS];
  size_t off[MAX_OUTPUTS], total, n = r->x.n, k, m, w;
  const char *names[MAX_OUTPUTS];
  unsigned nn = 0;

  if (dtype != OIP_FP64)
    return 0;
  if (q->outputs_given) {
    for (unsigned i = 0; i < q->nout; i++) {
      if (!(q->out_binary[i] >= 0 ? q->out_binary[i] : q->binary_all))
        return 0;
      names[nn++] = q->out_name[i];
    }
  } else {
    if (!q->binary_all)
      return 0;
    names[nn++] = "y";
    if (a->reduces)
      names[nn++] = "argmax";
    if (a->kind == ENG_ELEMENTWISE)
      names[nn++] = "dy_dx";
    if (r->has_grad_y)
      names[nn++] = "grad_x";
  }
  act_y_shape(r, &tmp[0].shape, &k, &m, &w);
  for (unsigned i = 0; i < nn; i++) {
    const char *name = names[i];
    size_t count = n;
    memset(&tmp[i], 0, sizeof tmp[i]);
    memset(&plan[i], 0, sizeof plan[i]);
    tmp[i].kind = OUT_TENSOR;
    where[i] = NULL;
    if (strcmp(name, "y") == 0) {
      count = a->kind == ENG_VECTOR ? m * w : n;
      where[i] = &res->o.y;
    } else if (strcmp(name, "argmax") == 0) {
      count = m;
      tmp[i].kind = OUT_INDEX;
    } else if (strcmp(name, "dy_dx") == 0) {
      where[i] = &res->o.dy;
    } else if (strcmp(name, "d2y_dx2") == 0) {
      where[i] = &res->o.d2y;
    } else if (strcmp(name, "grad_x") == 0) {
      where[i] = &res->o.grad_x;
    } else if (strcmp(name, "jacobian") == 0) {
      if (k != 0 && m * w > c->cfg->max_elements / k)
        return 0; /* act_compute says why */
      count = m * w * k;
      where[i] = &res->o.jac;
    } else {
      for (unsigned j = 0; j < a->nparams; j++)
        if (strcmp(name + 4, a->params[j].name) == 0)
          where[i] = &res->o.dp[j];
    }
    tmp[i].shape.ndim = 1;
    tmp[i].shape.dim[0] = count;
    plan[i].o = &tmp[i];
    plan[i].name = name;
    plan[i].binary = 1;
    plan[i].dtype = tmp[i].kind == OUT_INDEX ? OIP_INT64 : OIP_FP64;
    act_shape_of(shp, name, &tmp[i], &plan[i].shape);
  }
  total = wire_oip_layout(q->m.name, q->id, plan, nn, off);
  for (unsigned i = 0; i < nn; i++)
    if (off[i] + shape_count(&tmp[i].shape) * oip_dtype_size(plan[i].dtype) > total)
      total = off[i] + shape_count(&tmp[i].shape) * oip_dtype_size(plan[i].dtype);
  buf_init(pre, total + 1);
  if (pre->failed)
    return problem(c, 500, NULL, "out of memory");
  for (unsigned i = 0; i < nn; i++)
    if (where[i] != NULL)
      *where[i] = (double *)(void *)(pre->p + off[i]);
  return 0;
}

static int infer_activation(struct hctx *c, struct infer *q)
{
  struct act_req *r = ctx_alloc(c, sizeof *r);
  struct act_result *res = ctx_alloc(c, sizeof *res);
  struct outs *l = ctx_alloc(c, sizeof *l);
  struct sel *sel = ctx_alloc(c, sizeof *sel);
  struct tin *x = input(q, "x"), *gy = input(q, "grad_y");
  struct act_shapes shp;
  const char *defaults[MAX_OUTPUTS + 1];
  size_t nd = 0;
  struct buf pre = {0};

  if (r == NULL || res == NULL || l == NULL || sel == NULL)
    return -1;
  r->act = q->m.act;
  if (read_params(c, q, &r->act, r->p, NULL) != 0)
    return -1;
  if (x == NULL)
    return problem(c, 400, "/inputs", "input x is required");
  canonical(x, r->act->kind == ENG_VECTOR, &r->x);
  shp.r = r;
  shp.x = x->shape;
  if (gy != NULL) {
    struct oip_shape ys;
    char s1[96], s2[96];
    act_shape_of(&shp, "y", NULL, &ys);
    if (gy->shape.ndim != ys.ndim || memcmp(gy->shape.dim, ys.dim, ys.ndim * sizeof ys.dim[0]))
      return problem(c, 400, gy->ptr, "grad_y has shape %s; it must have the shape of y, %s",
                     shape_str(&gy->shape, s1, sizeof s1), shape_str(&ys, s2, sizeof s2));
    r->has_grad_y = 1;
  }
  if (gy != NULL) { /* y's shape (checked above) in the canonical form */
    act_y_shape(r, &r->grad_y.shape, NULL, NULL, NULL);
    r->grad_y.v = gy->v;
    r->grad_y.n = gy->n;
  }
  if (act_check_inputs(c, r, "/inputs/x", "/inputs/grad_y") != 0)
    return -1;

  /* what to compute: the outputs asked for, or y (and argmax) with dy_dx for an
   * element-wise function, and grad_x when grad_y is given */
  if (q->outputs_given) {
    for (unsigned i = 0; i < q->nout; i++) {
      const char *o = q->out_name[i];
      if (strcmp(o, "y") == 0 || strcmp(o, "argmax") == 0)
        r->outputs |= ACT_OUT_Y;
      else if (strcmp(o, "dy_dx") == 0)
        r->outputs |= ACT_OUT_DY;
      else if (strcmp(o, "d2y_dx2") == 0)
        r->outputs |= ACT_OUT_D2Y;
      else if (strcmp(o, "jacobian") == 0)
        r->outputs |= ACT_OUT_JAC;
      else if (strcmp(o, "grad_x") == 0 && gy == NULL)
        return problem(c, 400, "/outputs", "output grad_x needs the input grad_y");
      else if (strncmp(o, "dy_d", 4) == 0)
        r->outputs |= ACT_OUT_DP;
    }
  } else {
    r->outputs = r->act->kind == ENG_ELEMENTWISE ? ACT_OUT_Y | ACT_OUT_DY : ACT_OUT_Y;
  }
  defaults[nd++] = "y";
  defaults[nd++] = "argmax";
  defaults[nd++] = "dy_dx";
  defaults[nd++] = "grad_x";
  defaults[nd] = NULL;

  if (place_outputs(c, q, r, res, x->dtype, &shp, &pre) != 0 || act_compute(c, r, res) != 0)
    return -1;
  outs_init(l);
  act_outs(r, res, l);
  if (select_outputs(c, q, l, defaults, x->dtype, act_shape_of, &shp, sel) != 0) {
    buf_free(&pre);
    return -1;
  }
  wire_oip_into(c, &pre, q->m.name, q->id, sel->o, sel->n);
  return 0;
}

/* ================================================================== Dense */

static void dense_shape_of(const void *ctx, const char *name, const struct out *o,
                           struct oip_shape *s)
{
  (void)ctx;
  (void)name;
  s->ndim = o->shape.ndim;
  for (unsigned i = 0; i < o->shape.ndim; i++)
    s->dim[i] = o->shape.dim[i];
}

/* An input of the dense model as one of our tensors of at most `rank` dimensions. */
static int dense_tensor(struct hctx *c, const struct tin *t, unsigned rank, struct tensor_in *out)
{
  memset(out, 0, sizeof *out);
  if (t->shape.ndim > rank)
    return problem(c, 400, t->ptr, "input %s must have at most %u dimensions (it has %u)",
                   t->name, rank, t->shape.ndim);
  out->shape.ndim = t->shape.ndim;
  for (unsigned i = 0; i < t->shape.ndim; i++)
    out->shape.dim[i] = t->shape.dim[i];
  out->v = t->v;
  out->n = t->n;
  return 0;
}

static int infer_dense(struct hctx *c, struct infer *q)
{
  struct neuron_req *r = ctx_alloc(c, sizeof *r);
  struct neuron_result *res = ctx_alloc(c, sizeof *res);
  struct outs *l = ctx_alloc(c, sizeof *l);
  struct sel *sel = ctx_alloc(c, sizeof *sel);
  struct tin *x = input(q, "x"), *w = input(q, "weights"), *b = input(q, "bias");
  struct tin *ga = input(q, "grad_a"), *tg = input(q, "targets");
  const cJSON *av = q->params != NULL ? cJSON_GetObjectItemCaseSensitive(q->params, "activation")
                                      : NULL;
  static const char *const defaults[] = {"z", "a", "loss", "grad_z", "grad_weights",
                                         "grad_bias", "grad_x", "updated_weights",
                                         "updated_bias", NULL};
  int backward;

  if (r == NULL || res == NULL || l == NULL || sel == NULL)
    return -1;
  r->loss = -1;
  r->reduction = ENG_REDUCE_MEAN;
  r->outputs = 0; /* all: every output is computed; the protocol picks them (select_outputs) */
  r->act = eng_activation_lookup("identity");
  if (av != NULL && req_activation(c, av, "/parameters/activation", &r->act) != 0)
    return -1;
  if (read_params(c, q, &r->act, r->p, r) != 0)
    return -1;
  if (x == NULL || w == NULL)
    return problem(c, 400, "/inputs", "the dense model needs the inputs x and weights");
  if (dense_tensor(c, w, 2, &r->w) != 0 || dense_tensor(c, x, 2, &r->x) != 0)
    return -1;
  if (b != NULL) {
    if (dense_tensor(c, b, 1, &r->b) != 0)
      return -1;
    if (r->w.shape.ndim == 1 && r->b.shape.ndim == 1 && r->b.n == 1)
      r->b.shape.ndim = 0; /* [1]: the one neuron's bias */
  }
  if (r->w.shape.dim[0] == 0 || (r->w.shape.ndim == 2 && r->w.shape.dim[1] == 0) ||
      r->x.n == 0)
    return problem(c, 400, "/inputs", "x and weights must not be empty");
  if (neuron_check_inputs(c, r, b != NULL) != 0)
    return -1;
  if (ga != NULL && dense_tensor(c, ga, 2, &r->grad_a) != 0)
    return -1;
  if (tg != NULL && dense_tensor(c, tg, 2, &r->targets) != 0)
    return -1;
  r->has_grad_a = ga != NULL;
  r->has_targets = tg != NULL;
  backward = ga != NULL || tg != NULL;
  if (!backward) {
    if (r->loss >= 0 || r->has_lr)
      return problem(c, 400, "/parameters",
                     "loss and learning_rate apply to a backward pass (send grad_a or targets)");
    for (unsigned i = 0; i < q->nout; i++)
      if (strcmp(q->out_name[i], "z") != 0 && strcmp(q->out_name[i], "a") != 0)
        return problem(c, 400, "/outputs", "output %s needs the input grad_a or targets",
                       q->out_name[i]);
  }
  if (neuron_resolve(c, r, backward) != 0 || neuron_compute(c, r, backward, res) != 0)
    return -1;
  outs_init(l);
  neuron_outs(r, res, backward, l);
  return select_outputs(c, q, l, defaults, x->dtype, dense_shape_of, NULL, sel) != 0
           ? -1
           : (wire_oip(c, q->m.name, q->id, sel->o, sel->n), 0);
}

/* =============================================================== Inference */

void v2_infer_post(struct hctx *c)
{
  struct infer *q = ctx_alloc(c, sizeof *q);

  if (q == NULL || model_find(c, &q->m) != 0 || read_request(c, q) != 0)
    return;
  for (unsigned i = 0; i < q->nin; i++)
    if (decode(c, &q->in[i]) != 0)
      return;
  if (q->m.act != NULL)
    infer_activation(c, q);
  else
    infer_dense(c, q);
}

/* end of v2.c */
