/*
 * check_v2.c: the Open Inference Protocol v2 routes of the real build/neurond, through
 * a client written from the protocol's text (the REST API and the binary tensor data
 * extension): requests are built here with cJSON and raw little-endian bytes, replies
 * split at Inference-Header-Content-Length; nothing of the server's own encoder is
 * used. Every route, every kind of model, JSON and binary both ways, FP64 and FP32, the
 * id echo, every class of error; and the same numbers as the JSON routes for the same
 * inputs, bit for bit.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "engine.h"
#include "lib/server.h"
#include "testutil.h"

static struct srv S;

static void setup(void)
{
  static const char *const args[] = {"--no-access-log", "--max-elements", "100000", NULL};
  ck_assert_int_eq(srv_start(&S, args), 0);
}

static void teardown(void)
{
  ck_assert_int_eq(srv_stop(&S), 0);
}

/* ============================================================ The client */

struct reply {
  long status;
  char *body;
  size_t len;
  char ctype[128];
  char allow[128];
  long header_len;  /* Inference-Header-Content-Length, or -1 */
  cJSON *json;      /* the JSON part, parsed */
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
  struct reply *r = userp;
  size_t n = size * nmemb;
  char *p = realloc(r->body, r->len + n + 1);
  if (p == NULL)
    return 0;
  memcpy(p + r->len, data, n);
  r->body = p;
  r->len += n;
  r->body[r->len] = '\0';
  return n;
}

static void header_value(const char *line, size_t n, const char *name, char *dst, size_t cap)
{
  size_t k = strlen(name);
  if (n > k && strncasecmp(line, name, k) == 0 && line[k] == ':') {
    const char *v = line + k + 1;
    size_t m = n - k - 1;
    while (m > 0 && (*v == ' ' || *v == '\t'))
      v++, m--;
    while (m > 0 && (v[m - 1] == '\r' || v[m - 1] == '\n' || v[m - 1] == ' '))
      m--;
    if (m >= cap)
      m = cap - 1;
    memcpy(dst, v, m);
    dst[m] = '\0';
  }
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
  struct reply *r = userp;
  size_t n = size * nmemb;
  char hl[32] = "";
  header_value(data, n, "Content-Type", r->ctype, sizeof r->ctype);
  header_value(data, n, "Allow", r->allow, sizeof r->allow);
  header_value(data, n, "Inference-Header-Content-Length", hl, sizeof hl);
  if (hl[0] != '\0')
    r->header_len = atol(hl);
  return n;
}

/* One request; hlen >= 0 sends Inference-Header-Content-Length: hlen. */
static void request(const char *method, const char *path, const char *ctype, const char *body,
                    size_t len, long hlen, struct reply *r)
{
  CURL *h = curl_easy_init();
  struct curl_slist *hdrs = NULL;
  char url[512], line[128];
  const char *end = NULL;

  memset(r, 0, sizeof *r);
  r->header_len = -1;
  ck_assert_ptr_nonnull(h);
  snprintf(url, sizeof url, "%s%s", S.base, path);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
  hdrs = curl_slist_append(hdrs, "Expect:");
  if (ctype != NULL) {
    snprintf(line, sizeof line, "Content-Type: %s", ctype);
    hdrs = curl_slist_append(hdrs, line);
  }
  if (hlen >= 0) {
    snprintf(line, sizeof line, "Inference-Header-Content-Length: %ld", hlen);
    hdrs = curl_slist_append(hdrs, line);
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  if (body != NULL) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  }
  ck_assert_int_eq(curl_easy_perform(h), CURLE_OK);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(h);
  if (r->body != NULL) {
    size_t jl = r->header_len >= 0 ? (size_t)r->header_len : r->len;
    ck_assert_uint_le(jl, r->len);
    r->json = cJSON_ParseWithLengthOpts(r->body, jl, &end, 0);
  }
}

static void reply_free(struct reply *r)
{
  cJSON_Delete(r->json);
  free(r->body);
}

static void get(const char *path, struct reply *r)
{
  request("GET", path, NULL, NULL, 0, -1, r);
}

/* POSTs a JSON inference request (the cJSON tree is consumed). */
static void infer_json(const char *model, cJSON *req, struct reply *r)
{
  char path[256], *text = cJSON_PrintUnformatted(req);
  snprintf(path, sizeof path, "/v2/models/%s/infer", model);
  request("POST", path, "application/json", text, strlen(text), -1, r);
  cJSON_free(text);
  cJSON_Delete(req);
}

/* POSTs a request with binary tensors: the JSON header, then nbin byte blocks. */
static void infer_binary(const char *model, cJSON *req, const void *const *bins,
                         const size_t *sizes, unsigned nbin, struct reply *r)
{
  char path[256], *text = cJSON_PrintUnformatted(req), *body;
  size_t hl = strlen(text), total = hl;
  for (unsigned i = 0; i < nbin; i++)
    total += sizes[i];
  body = malloc(total + 1);
  ck_assert_ptr_nonnull(body);
  memcpy(body, text, hl);
  total = hl;
  for (unsigned i = 0; i < nbin; i++) {
    memcpy(body + total, bins[i], sizes[i]);
    total += sizes[i];
  }
  snprintf(path, sizeof path, "/v2/models/%s/infer", model);
  request("POST", path, "application/octet-stream", body, total, (long)hl, r);
  free(body);
  cJSON_free(text);
  cJSON_Delete(req);
}

/* An error reply of the protocol: status, a JSON body {"error": <string>} holding part. */
static void expect_error(const struct reply *r, long status, const char *part)
{
  const cJSON *e;
  ck_assert_msg(r->status == status, "status %ld, want %ld: %s", r->status, status,
                r->body != NULL ? r->body : "");
  ck_assert_msg(strncmp(r->ctype, "application/json", 16) == 0, "Content-Type %s", r->ctype);
  ck_assert_ptr_nonnull(r->json);
  e = cJSON_GetObjectItemCaseSensitive(r->json, "error");
  ck_assert_msg(cJSON_IsString(e), "no error string: %s", r->body);
  ck_assert_int_eq(cJSON_GetArraySize(r->json), 1);
  if (part != NULL)
    ck_assert_msg(strstr(e->valuestring, part) != NULL, "error \"%s\" lacks \"%s\"",
                  e->valuestring, part);
}

/* An input tensor: name, shape, datatype, and data as a flat JSON array of doubles. */
static cJSON *tensor(const char *name, const size_t *shape, unsigned ndim, const char *dtype,
                     const double *data, size_t n)
{
  cJSON *t = cJSON_CreateObject(), *sh = cJSON_AddArrayToObject(t, "shape");
  cJSON_AddStringToObject(t, "name", name);
  for (unsigned i = 0; i < ndim; i++)
    cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)shape[i]));
  cJSON_AddStringToObject(t, "datatype", dtype);
  if (data != NULL) {
    cJSON *d = cJSON_AddArrayToObject(t, "data");
    for (size_t i = 0; i < n; i++)
      cJSON_AddItemToArray(d, cJSON_CreateNumber(data[i]));
  }
  return t;
}

/* The same tensor announced as binary, bytes bytes. */
static cJSON *tensor_bin(const char *name, const size_t *shape, unsigned ndim, const char *dtype,
                         size_t bytes)
{
  cJSON *t = tensor(name, shape, ndim, dtype, NULL, 0);
  cJSON *p = cJSON_AddObjectToObject(t, "parameters");
  cJSON_AddNumberToObject(p, "binary_data_size", (double)bytes);
  return t;
}

static cJSON *request_with(cJSON *input)
{
  cJSON *req = cJSON_CreateObject();
  cJSON_AddItemToArray(cJSON_AddArrayToObject(req, "inputs"), input);
  return req;
}

static void ask(cJSON *req, const char *name, int binary)
{
  cJSON *outs = cJSON_GetObjectItemCaseSensitive(req, "outputs"), *o = cJSON_CreateObject();
  if (outs == NULL)
    outs = cJSON_AddArrayToObject(req, "outputs");
  cJSON_AddStringToObject(o, "name", name);
  if (binary >= 0)
    cJSON_AddBoolToObject(cJSON_AddObjectToObject(o, "parameters"), "binary_data", binary);
  cJSON_AddItemToArray(outs, o);
}

/* The output called name of an inference response. */
static const cJSON *output(const struct reply *r, const char *name)
{
  const cJSON *outs = cJSON_GetObjectItemCaseSensitive(r->json, "outputs");
  for (const cJSON *o = outs != NULL ? outs->child : NULL; o != NULL; o = o->next)
    if (strcmp(cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring, name) == 0)
      return o;
  ck_assert_msg(0, "no output %s in %s", name, r->body);
  return NULL;
}

/* The values of output name as doubles (JSON data, or binary bytes of its datatype,
 * located by summing the binary_data_size of the outputs before it). */
static size_t values(const struct reply *r, const char *name, double *out, size_t cap)
{
  const cJSON *o = output(r, name), *data = cJSON_GetObjectItemCaseSensitive(o, "data");
  const char *dt = cJSON_GetObjectItemCaseSensitive(o, "datatype")->valuestring;
  size_t n = 0;
  if (data != NULL) {
    for (const cJSON *e = data->child; e != NULL && n < cap; e = e->next)
      out[n++] = e->valuedouble;
    return n;
  }
  {
    const cJSON *outs = cJSON_GetObjectItemCaseSensitive(r->json, "outputs");
    size_t off = (size_t)r->header_len, size;
    for (const cJSON *p = outs->child; p != o; p = p->next) {
      const cJSON *pp = cJSON_GetObjectItemCaseSensitive(p, "parameters");
      if (pp != NULL)
        off += (size_t)cJSON_GetObjectItemCaseSensitive(pp, "binary_data_size")->valuedouble;
    }
    size = (size_t)cJSON_GetObjectItemCaseSensitive(
             cJSON_GetObjectItemCaseSensitive(o, "parameters"), "binary_data_size")->valuedouble;
    ck_assert_uint_le(off + size, r->len);
    if (strcmp(dt, "FP64") == 0) {
      n = size / 8;
      ck_assert_uint_le(n, cap);
      memcpy(out, r->body + off, size);
    } else if (strcmp(dt, "FP32") == 0) {
      n = size / 4;
      ck_assert_uint_le(n, cap);
      for (size_t i = 0; i < n; i++) {
        float f;
        memcpy(&f, r->body + off + 4 * i, 4);
        out[i] = f;
      }
    } else {
      ck_assert_str_eq(dt, "INT64");
      n = size / 8;
      for (size_t i = 0; i < n; i++) {
        int64_t v;
        memcpy(&v, r->body + off + 8 * i, 8);
        out[i] = (double)v;
      }
    }
  }
  return n;
}

/* Flattens the numbers of a JSON value (nested arrays) into out. */
static size_t flatten(const cJSON *v, double *out, size_t cap, size_t n)
{
  if (cJSON_IsNumber(v)) {
    if (n < cap)
      out[n] = v->valuedouble;
    return n + 1;
  }
  for (const cJSON *e = v->child; e != NULL; e = e->next)
    n = flatten(e, out, cap, n);
  return n;
}

static void same_bits(const double *a, const double *b, size_t n, const char *what)
{
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(memcmp(&a[i], &b[i], sizeof(double)) == 0, "%s[%zu]: %.17g vs %.17g", what, i,
                  a[i], b[i]);
}

/* ========================================================= Server routes */

START_TEST(test_server_routes)
{
  struct reply r;
  const cJSON *ext;
  int binary = 0;

  get("/v2", &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(r.json, "name")->valuestring, "neurond");
  ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r.json, "version")));
  ext = cJSON_GetObjectItemCaseSensitive(r.json, "extensions");
  for (const cJSON *e = ext->child; e != NULL; e = e->next)
    binary |= strcmp(e->valuestring, "binary_tensor_data") == 0;
  ck_assert(binary);
  reply_free(&r);

  get("/v2/health/live", &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "live")));
  reply_free(&r);
  get("/v2/health/ready", &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "ready")));
  reply_free(&r);

  /* wrong method: 405 with Allow, in the protocol's error form */
  request("GET", "/v2/models/gelu/infer", NULL, NULL, 0, -1, &r);
  expect_error(&r, 405, NULL);
  ck_assert_str_eq(r.allow, "POST");
  reply_free(&r);
  request("POST", "/v2/health/live", "application/json", "{}", 2, -1, &r);
  expect_error(&r, 405, NULL);
  reply_free(&r);
  get("/v2/nothing", &r);
  expect_error(&r, 404, NULL);
  reply_free(&r);
}
END_TEST

/* Every activation by name and alias, and dense: metadata, ready, versions. */
START_TEST(test_model_metadata)
{
  size_t n = eng_activation_count();
  struct reply r;
  char path[256];

  for (size_t i = 0; i <= n; i++) {
    const struct eng_activation *a = i < n ? eng_activation_at(i) : NULL;
    const char *names[8];
    size_t k = 0;
    names[k++] = a != NULL ? a->name : "dense";
    for (size_t j = 0; a != NULL && a->aliases[j] != NULL && k < 8; j++)
      names[k++] = a->aliases[j];
    for (size_t j = 0; j < k; j++) {
      const cJSON *ins, *outs;
      snprintf(path, sizeof path, "/v2/models/%s", names[j]);
      get(path, &r);
      ck_assert_msg(r.status == 200, "%s: %ld", path, r.status);
      ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(r.json, "name")->valuestring, names[j]);
      ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r.json, "platform")));
      ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(r.json, "versions")->child->valuestring,
                       "1");
      ins = cJSON_GetObjectItemCaseSensitive(r.json, "inputs");
      outs = cJSON_GetObjectItemCaseSensitive(r.json, "outputs");
      ck_assert_str_eq(ins->child->child->valuestring != NULL
                         ? cJSON_GetObjectItemCaseSensitive(ins->child, "name")->valuestring : "",
                       "x");
      for (const cJSON *t = outs->child; t != NULL; t = t->next) {
        const cJSON *sh = cJSON_GetObjectItemCaseSensitive(t, "shape");
        ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t, "datatype")));
        for (const cJSON *d = sh->child; d != NULL; d = d->next)
          ck_assert_int_eq(d->valueint, -1);
      }
      reply_free(&r);
      snprintf(path, sizeof path, "/v2/models/%s/versions/1", names[j]);
      get(path, &r);
      ck_assert_int_eq(r.status, 200);
      reply_free(&r);
      snprintf(path, sizeof path, "/v2/models/%s/ready", names[j]);
      get(path, &r);
      ck_assert_int_eq(r.status, 200);
      ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "ready")));
      ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(r.json, "name")->valuestring, names[j]);
      reply_free(&r);
      snprintf(path, sizeof path, "/v2/models/%s/versions/1/ready", names[j]);
      get(path, &r);
      ck_assert_int_eq(r.status, 200);
      reply_free(&r);
    }
  }
  get("/v2/models/gelu/versions/2", &r);
  expect_error(&r, 404, "version");
  reply_free(&r);
  get("/v2/models/gelu/versions/2/ready", &r);
  expect_error(&r, 404, "version");
  reply_free(&r);
  get("/v2/models/swishy", &r);
  expect_error(&r, 404, "swishy");
  reply_free(&r);
  request("POST", "/v2/models/swishy/infer", "application/json", "{}", 2, -1, &r);
  expect_error(&r, 404, "swishy");
  reply_free(&r);
  request("POST", "/v2/models/gelu/versions/7/infer", "application/json", "{}", 2, -1, &r);
  expect_error(&r, 404, "version");
  reply_free(&r);
}
END_TEST

/* ======================================================== JSON route twin */

/* POST /activate's answer for the same request, parsed. */
static cJSON *activate(const char *json)
{
  struct reply r;
  cJSON *d;
  request("POST", "/activate", "application/json", json, strlen(json), -1, &r);
  ck_assert_msg(r.status == 200, "%s: %s", json, r.body);
  d = r.json;
  r.json = NULL;
  reply_free(&r);
  return d;
}

static const double xs[] = {-40, -7.5, -3, -1, -0.5, -1e-8, 0, 1e-300, 0.25, 1, 2.5, 6, 37, 700};
#define NX (sizeof xs / sizeof xs[0])

/* Every element-wise activation with default parameters: every output through JSON
 * and through binary, equal to /activate's, bit for bit. */
START_TEST(test_elementwise_same_bits)
{
  size_t na = eng_activation_count();
  double want[NX * 4], got[NX * 4], gy[NX];
  char json[4096];

  for (size_t i = 0; i < NX; i++)
    gy[i] = 0.5 + (double)i;
  for (size_t i = 0; i < na; i++) {
    const struct eng_activation *a = eng_activation_at(i);
    size_t k = 0, shape[1] = {NX};
    cJSON *ref, *req;
    struct reply r;
    static const char *const outs[] = {"y", "dy_dx", "d2y_dx2", "grad_x"};
    if (a->kind != ENG_ELEMENTWISE)
      continue;
    k = (size_t)snprintf(json, sizeof json, "{\"activation\":\"%s\",\"outputs\":[\"y\","
                         "\"dy_dx\",\"d2y_dx2\"],\"x\":[", a->name);
    for (size_t j = 0; j < NX; j++)
      k += (size_t)snprintf(json + k, sizeof json - k, "%s%.17g", j ? "," : "", xs[j]);
    k += (size_t)snprintf(json + k, sizeof json - k, "],\"grad_y\":[");
    for (size_t j = 0; j < NX; j++)
      k += (size_t)snprintf(json + k, sizeof json - k, "%s%.17g", j ? "," : "", gy[j]);
    snprintf(json + k, sizeof json - k, "]}");
    ref = activate(json);

    for (int binary = 0; binary <= 1; binary++) {
      req = cJSON_CreateObject();
      cJSON_AddStringToObject(req, "id", binary ? "bin-1" : "json-1");
      if (binary) {
        const void *bins[2] = {xs, gy};
        size_t sizes[2] = {sizeof xs, sizeof gy};
        cJSON *ins = cJSON_AddArrayToObject(req, "inputs");
        cJSON_AddItemToArray(ins, tensor_bin("x", shape, 1, "FP64", sizeof xs));
        cJSON_AddItemToArray(ins, tensor_bin("grad_y", shape, 1, "FP64", sizeof gy));
        for (size_t o = 0; o < 4; o++)
          ask(req, outs[o], 1);
        infer_binary(a->name, req, bins, sizes, 2, &r);
        ck_assert_str_eq(r.ctype, "application/octet-stream");
        ck_assert_int_ge(r.header_len, 1);
      } else {
        cJSON *ins = cJSON_AddArrayToObject(req, "inputs");
        cJSON_AddItemToArray(ins, tensor("x", shape, 1, "FP64", xs, NX));
        cJSON_AddItemToArray(ins, tensor("grad_y", shape, 1, "FP64", gy, NX));
        for (size_t o = 0; o < 4; o++)
          ask(req, outs[o], -1);
        infer_json(a->name, req, &r);
        ck_assert_str_eq(r.ctype, "application/json");
      }
      ck_assert_msg(r.status == 200, "%s: %s", a->name, r.body);
      ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(r.json, "id")->valuestring,
                       binary ? "bin-1" : "json-1");
      ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(r.json, "model_name")->valuestring,
                       a->name);
      for (size_t o = 0; o < 4; o++) {
        const cJSON *out = output(&r, outs[o]);
        ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "datatype")->valuestring, "FP64");
        ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(out, "shape")), 1);
        ck_assert_uint_eq(values(&r, outs[o], got, NX * 4), NX);
        ck_assert_uint_eq(flatten(cJSON_GetObjectItemCaseSensitive(ref, outs[o]), want, NX * 4, 0),
                          NX);
        same_bits(got, want, NX, outs[o]);
      }
      reply_free(&r);
    }
    cJSON_Delete(ref);
  }
}
END_TEST

/* FP32 in, FP32 out: an FP32 output is the float nearest the true value at the float
 * input, which is the double result (correctly rounded) rounded to float. */
START_TEST(test_fp32)
{
  static const float fx[] = {-9.25f, -1.5f, -0.1f, 0, 0.1f, 0.7f, 3.0f, 12.5f};
  const size_t n = sizeof fx / sizeof fx[0], shape[2] = {2, 4};
  static const char *const models[] = {"sigmoid", "gelu", "tanh", "softplus", "elu", "mish"};
  double want[16], got[16];
  char json[2048];

  for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
    size_t k = (size_t)snprintf(json, sizeof json, "{\"activation\":\"%s\",\"x\":[", models[m]);
    cJSON *ref, *req;
    struct reply r;
    const void *bins[1] = {fx};
    size_t sizes[1] = {sizeof fx};
    for (size_t j = 0; j < n; j++)
      k += (size_t)snprintf(json + k, sizeof json - k, "%s%.17g", j ? "," : "", (double)fx[j]);
    snprintf(json + k, sizeof json - k, "]}");
    ref = activate(json);

    /* binary FP32 in, JSON out */
    req = request_with(tensor_bin("x", shape, 2, "FP32", sizeof fx));
    infer_binary(models[m], req, bins, sizes, 1, &r);
    ck_assert_msg(r.status == 200, "%s", r.body);
    for (int o = 0; o < 2; o++) {
      const char *name = o == 0 ? "y" : "dy_dx";
      const cJSON *out = output(&r, name), *sh = cJSON_GetObjectItemCaseSensitive(out, "shape");
      ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "datatype")->valuestring, "FP32");
      ck_assert_int_eq(sh->child->valueint, 2);
      ck_assert_int_eq(sh->child->next->valueint, 4);
      ck_assert_uint_eq(values(&r, name, got, 16), n);
      flatten(cJSON_GetObjectItemCaseSensitive(ref, name), want, 16, 0);
      for (size_t j = 0; j < n; j++) {
        /* the JSON text of an FP32 value reads back to exactly that float */
        ck_assert_msg((float)got[j] == (float)want[j], "%s %s[%zu]: %.9g vs %.9g", models[m],
                      name, j, got[j], (double)(float)want[j]);
      }
    }
    reply_free(&r);

    /* JSON FP32 in (nested data), binary out */
    req = cJSON_CreateObject();
    {
      cJSON *t = tensor("x", shape, 2, "FP32", NULL, 0), *d = cJSON_AddArrayToObject(t, "data");
      for (size_t i = 0; i < 2; i++) {
        cJSON *row = cJSON_CreateArray();
        for (size_t j = 0; j < 4; j++)
          cJSON_AddItemToArray(row, cJSON_CreateNumber((double)fx[i * 4 + j]));
        cJSON_AddItemToArray(d, row);
      }
      cJSON_AddItemToArray(cJSON_AddArrayToObject(req, "inputs"), t);
      cJSON_AddBoolToObject(cJSON_AddObjectToObject(req, "parameters"), "binary_data_output", 1);
    }
    infer_json(models[m], req, &r);
    ck_assert_msg(r.status == 200, "%s", r.body);
    ck_assert_str_eq(r.ctype, "application/octet-stream");
    ck_assert_uint_eq(values(&r, "y", got, 16), n);
    flatten(cJSON_GetObjectItemCaseSensitive(ref, "y"), want, 16, 0);
    for (size_t j = 0; j < n; j++)
      ck_assert_msg((float)got[j] == (float)want[j] && got[j] == (double)(float)got[j],
                    "%s y[%zu]", models[m], j);
    reply_free(&r);
    cJSON_Delete(ref);
  }
}
END_TEST

/* An FP32 output is the float nearest the true value, not the double result rounded
 * again: leaky_relu(-3) = -3 alpha with alpha = 0x1.555556aaaaaabp-2 (found by a search
 * in MPFR) has the correctly rounded double -0x1.000001p+0, exactly halfway between two
 * floats, while the true value lies beyond it: the float nearest it is -0x1.000002p+0,
 * and rounding the double again (ties to even) would give -1. The same product is
 * grad_x = grad_y alpha at x = -1 with grad_y = -3. */
START_TEST(test_fp32_rounded_once)
{
  static const double x[] = {-3, -1}, gy[] = {1, -3};
  const size_t shape[1] = {2};
  const double alpha = 0x1.555556aaaaaabp-2;
  double got[4];
  struct reply r;
  cJSON *req, *p;
  char json[256];

  /* the double result is the midpoint */
  snprintf(json, sizeof json, "{\"activation\":\"leaky_relu\",\"params\":{\"alpha\":%.17g},"
           "\"x\":[-3]}", alpha);
  {
    cJSON *ref = activate(json);
    flatten(cJSON_GetObjectItemCaseSensitive(ref, "y"), got, 4, 0);
    ck_assert(got[0] == -0x1.000001p+0);
    cJSON_Delete(ref);
  }
  req = request_with(tensor("x", shape, 1, "FP32", x, 2));
  cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(req, "inputs"),
                       tensor("grad_y", shape, 1, "FP32", gy, 2));
  p = cJSON_AddObjectToObject(req, "parameters");
  cJSON_AddNumberToObject(p, "alpha", alpha);
  ask(req, "y", 1);
  ask(req, "grad_x", -1);
  infer_json("leaky_relu", req, &r);
  ck_assert_msg(r.status == 200, "%s", r.body);
  ck_assert_uint_eq(values(&r, "y", got, 4), 2);
  ck_assert_msg(got[0] == -0x1.000002p+0, "y[0] = %a, want -0x1.000002p+0", got[0]);
  ck_assert_uint_eq(values(&r, "grad_x", got, 4), 2);
  /* JSON: the shortest text that reads back to the float */
  ck_assert_msg((float)got[1] == -0x1.000002p+0f, "grad_x[1] = %a, want -0x1.000002p+0",
                got[1]);
  reply_free(&r);
}
END_TEST

/* Vector functions: rows along the last dimension, any rank; jacobian, argmax, grad_x. */
START_TEST(test_vector_models)
{
  static const double x[] = {1, 2, 3, -1, 0.5, 0.5, 4, -4, 0, 2, 2, 1};
  const size_t shape[3] = {2, 2, 3};
  double want[64], got[64];
  struct reply r;
  cJSON *ref, *req;

  ref = activate("{\"activation\":\"softmax\",\"outputs\":[\"y\",\"jacobian\"],"
                 "\"x\":[[1,2,3],[-1,0.5,0.5],[4,-4,0],[2,2,1]],"
                 "\"grad_y\":[[1,0,0],[0,1,0],[0,0,1],[1,1,1]]}");
  req = request_with(tensor("x", shape, 3, "FP64", x, 12));
  {
    static const double gy[] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1};
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(req, "inputs"),
                         tensor("grad_y", shape, 3, "FP64", gy, 12));
  }
  ask(req, "y", -1);
  ask(req, "jacobian", 1);
  ask(req, "grad_x", -1);
  infer_json("softmax", req, &r);
  ck_assert_msg(r.status == 200, "%s", r.body);
  {
    const cJSON *js = cJSON_GetObjectItemCaseSensitive(output(&r, "jacobian"), "shape");
    int dims[4] = {2, 2, 3, 3}, i = 0;
    for (const cJSON *d = js->child; d != NULL; d = d->next, i++)
      ck_assert_int_eq(d->valueint, dims[i]);
    ck_assert_int_eq(i, 4);
  }
  ck_assert_uint_eq(values(&r, "y", got, 64), 12);
  flatten(cJSON_GetObjectItemCaseSensitive(ref, "y"), want, 64, 0);
  same_bits(got, want, 12, "y");
  ck_assert_uint_eq(values(&r, "jacobian", got, 64), 36);
  flatten(cJSON_GetObjectItemCaseSensitive(ref, "jacobian"), want, 64, 0);
  same_bits(got, want, 36, "jacobian");
  ck_assert_uint_eq(values(&r, "grad_x", got, 64), 12);
  flatten(cJSON_GetObjectItemCaseSensitive(ref, "grad_x"), want, 64, 0);
  same_bits(got, want, 12, "grad_x");
  reply_free(&r);
  cJSON_Delete(ref);

  /* maxout reduces the row: y and argmax drop the last dimension */
  req = request_with(tensor("x", shape, 3, "FP64", x, 12));
  infer_json("maxout", req, &r);
  ck_assert_msg(r.status == 200, "%s", r.body);
  {
    static const double ymax[] = {3, 0.5, 4, 2}, amax[] = {2, 1, 0, 0};
    const cJSON *ys = cJSON_GetObjectItemCaseSensitive(output(&r, "y"), "shape");
    ck_assert_int_eq(cJSON_GetArraySize(ys), 2);
    ck_assert_uint_eq(values(&r, "y", got, 64), 4);
    same_bits(got, ymax, 4, "maxout y");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(output(&r, "argmax"), "datatype")
                       ->valuestring, "INT64");
    ck_assert_uint_eq(values(&r, "argmax", got, 64), 4);
    same_bits(got, amax, 4, "argmax");
  }
  reply_free(&r);

  /* a vector function asked for dy_dx: not one of its outputs */
  req = request_with(tensor("x", shape, 3, "FP64", x, 12));
  ask(req, "dy_dx", -1);
  infer_json("softmax", req, &r);
  expect_error(&r, 400, "dy_dx");
  reply_free(&r);
}
END_TEST

/* Parameters: the activation's own, by name; dy_d<param>; the protocol's reserved ones
 * accepted; any other a 400 naming it. */
START_TEST(test_parameters)
{
  static const double x[] = {-2, -0.5, 0, 3};
  const size_t shape[1] = {4};
  double want[8], got[8];
  struct reply r;
  cJSON *ref, *req, *p;

  ref = activate("{\"activation\":\"prelu\",\"params\":{\"alpha\":0.1},"
                 "\"outputs\":[\"y\",\"dy_dparams\"],\"x\":[-2,-0.5,0,3]}");
  req = request_with(tensor("x", shape, 1, "FP64", x, 4));
  p = cJSON_AddObjectToObject(req, "parameters");
  cJSON_AddNumberToObject(p, "alpha", 0.1);
  cJSON_AddNumberToObject(p, "sequence_id", 7);
  cJSON_AddBoolToObject(p, "sequence_start", 1);
  cJSON_AddBoolToObject(p, "sequence_end", 0);
  cJSON_AddNumberToObject(p, "priority", 1);
  cJSON_AddNumberToObject(p, "timeout", 1000);
  ask(req, "dy_dalpha", -1);
  ask(req, "y", 1);
  infer_json("prelu", req, &r);
  ck_assert_msg(r.status == 200, "%s", r.body);
  ck_assert_uint_eq(values(&r, "dy_dalpha", got, 8), 4);
  flatten(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ref, "dy_dparams"),
                                           "alpha"), want, 8, 0);
  same_bits(got, want, 4, "dy_dalpha");
  ck_assert_uint_eq(values(&r, "y", got, 8), 4);
  flatten(cJSON_GetObjectItemCaseSensitive(ref, "y"), want, 8, 0);
  same_bits(got, want, 4, "y");
  reply_free(&r);
  cJSON_Delete(ref);

  /* a choice parameter by name */
  ref = activate("{\"activation\":\"gelu\",\"params\":{\"approximate\":\"tanh\"},"
                 "\"x\":[-2,-0.5,0,3]}");
  req = request_with(tensor("x", shape, 1, "FP64", x, 4));
  cJSON_AddStringToObject(cJSON_AddObjectToObject(req, "parameters"), "approximate", "tanh");
  infer_json("gelu", req, &r);
  ck_assert_int_eq(r.status, 200);
  values(&r, "dy_dx", got, 8);
  flatten(cJSON_GetObjectItemCaseSensitive(ref, "dy_dx"), want, 8, 0);
  same_bits(got, want, 4, "gelu tanh dy_dx");
  reply_free(&r);
  cJSON_Delete(ref);

  req = request_with(tensor("x", shape, 1, "FP64", x, 4));
  cJSON_AddNumberToObject(cJSON_AddObjectToObject(req, "parameters"), "alpha", 0.1);
  infer_json("relu", req, &r);
  expect_error(&r, 400, "alpha");
  reply_free(&r);
  req = request_with(tensor("x", shape, 1, "FP64", x, 4));
  cJSON_AddNumberToObject(cJSON_AddObjectToObject(req, "parameters"), "beta", -1);
  infer_json("softplus", req, &r);
  expect_error(&r, 400, "beta");
  reply_free(&r);
  req = request_with(tensor("x", shape, 1, "FP64", x, 4));
  cJSON_AddStringToObject(cJSON_AddObjectToObject(req, "parameters"), "binary_data_output", "y");
  infer_json("relu", req, &r);
  expect_error(&r, 400, "binary_data_output");
  reply_free(&r);
}
END_TEST

/* The dense model against /neuron/backward: the same numbers, bit for bit, with
 * targets as INT64 class indices in binary and the SGD step. */
START_TEST(test_dense)
{
  static const double x[] = {1, 2, 3, 0, 0, 1}, w[] = {0.5, -1, 2, 1, 1, 1}, b[] = {0.1, 0.2};
  static const int64_t cls[] = {1, 0};
  const size_t xs2[2] = {2, 3}, ws[2] = {2, 3}, bs[1] = {2}, ts[1] = {2};
  static const char *const outs[] = {"z", "a", "grad_z", "grad_weights", "grad_bias", "grad_x"};
  double want[16], got[16];
  struct reply r;
  cJSON *ref, *req, *ins, *p;

  {
    struct reply rr;
    const char *json = "{\"weights\":[[0.5,-1,2],[1,1,1]],\"bias\":[0.1,0.2],"
                       "\"activation\":\"softmax\",\"x\":[[1,2,3],[0,0,1]],\"targets\":[1,0],"
                       "\"loss\":\"cross_entropy\",\"reduction\":\"sum\",\"learning_rate\":0.5}";
    request("POST", "/neuron/backward", "application/json", json, strlen(json), -1, &rr);
    ck_assert_int_eq(rr.status, 200);
    ref = rr.json;
    rr.json = NULL;
    reply_free(&rr);
  }
  req = cJSON_CreateObject();
  cJSON_AddStringToObject(req, "id", "dense-7");
  ins = cJSON_AddArrayToObject(req, "inputs");
  cJSON_AddItemToArray(ins, tensor_bin("x", xs2, 2, "FP64", sizeof x));
  cJSON_AddItemToArray(ins, tensor_bin("weights", ws, 2, "FP64", sizeof w));
  cJSON_AddItemToArray(ins, tensor("bias", bs, 1, "FP64", b, 2));
  cJSON_AddItemToArray(ins, tensor_bin("targets", ts, 1, "INT64", sizeof cls));
  p = cJSON_AddObjectToObject(req, "parameters");
  cJSON_AddStringToObject(p, "activation", "softmax");
  cJSON_AddStringToObject(p, "loss", "cross_entropy");
  cJSON_AddStringToObject(p, "reduction", "sum");
  cJSON_AddNumberToObject(p, "learning_rate", 0.5);
  cJSON_AddBoolToObject(p, "binary_data_output", 1);
  {
    const void *bins[3] = {x, w, cls};
    size_t sizes[3] = {sizeof x, sizeof w, sizeof cls};
    infer_binary("dense", req, bins, sizes, 3, &r);
  }
  ck_assert_msg(r.status == 200, "%s", r.body);
  ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(r.json, "id")->valuestring, "dense-7");
  for (size_t o = 0; o < sizeof outs / sizeof outs[0]; o++) {
    size_t n = values(&r, outs[o], got, 16);
    ck_assert_uint_eq(flatten(cJSON_GetObjectItemCaseSensitive(ref, outs[o]), want, 16, 0), n);
    same_bits(got, want, n, outs[o]);
  }
  ck_assert_uint_eq(values(&r, "loss", got, 16), 1);
  want[0] = cJSON_GetObjectItemCaseSensitive(ref, "loss")->valuedouble;
  same_bits(got, want, 1, "loss");
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(output(&r, "loss"),
                                                                       "shape")), 0);
  ck_assert_uint_eq(values(&r, "updated_weights", got, 16), 6);
  flatten(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ref, "updated"),
                                           "weights"), want, 16, 0);
  same_bits(got, want, 6, "updated_weights");
  ck_assert_uint_eq(values(&r, "updated_bias", got, 16), 2);
  reply_free(&r);
  cJSON_Delete(ref);

  /* forward only: z and a; one neuron with a bias of shape [1] */
  req = cJSON_CreateObject();
  ins = cJSON_AddArrayToObject(req, "inputs");
  {
    const size_t w1[1] = {3}, b1[1] = {1};
    static const double bias1[] = {0.1};
    cJSON_AddItemToArray(ins, tensor("x", xs2, 2, "FP64", x, 6));
    cJSON_AddItemToArray(ins, tensor("weights", w1, 1, "FP64", w, 3));
    cJSON_AddItemToArray(ins, tensor("bias", b1, 1, "FP64", bias1, 1));
  }
  cJSON_AddStringToObject(cJSON_AddObjectToObject(req, "parameters"), "activation", "sigmoid");
  infer_json("dense", req, &r);
  ck_assert_msg(r.status == 200, "%s", r.body);
  ck_assert_uint_eq(values(&r, "z", got, 16), 2);
  ck_assert(got[0] == 0.5 * 1 - 1 * 2 + 2 * 3 + 0.1);
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "outputs")), 2);
  reply_free(&r);

  /* a backward output without grad_a or targets */
  req = request_with(tensor("x", xs2, 2, "FP64", x, 6));
  cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(req, "inputs"),
                       tensor("weights", ws, 2, "FP64", w, 6));
  ask(req, "grad_z", -1);
  infer_json("dense", req, &r);
  expect_error(&r, 400, "grad_z");
  reply_free(&r);
  /* cross_entropy with an activation it does not pair with */
  req = request_with(tensor("x", xs2, 2, "FP64", x, 6));
  ins = cJSON_GetObjectItemCaseSensitive(req, "inputs");
  cJSON_AddItemToArray(ins, tensor("weights", ws, 2, "FP64", w, 6));
  {
    static const double t2[] = {1, 0};
    cJSON_AddItemToArray(ins, tensor("targets", ts, 1, "FP64", t2, 2));
  }
  p = cJSON_AddObjectToObject(req, "parameters");
  cJSON_AddStringToObject(p, "activation", "relu");
  cJSON_AddStringToObject(p, "loss", "cross_entropy");
  infer_json("dense", req, &r);
  expect_error(&r, 400, "cross_entropy");
  reply_free(&r);
}
END_TEST

/* ================================================================ Errors */

static void raw_infer(const char *model, const char *ctype, const char *body, size_t len,
                      long hlen, struct reply *r)
{
  char path[256];
  snprintf(path, sizeof path, "/v2/models/%s/infer", model);
  request("POST", path, ctype, body, len, hlen, r);
}

START_TEST(test_errors)
{
  static const struct {
    const char *body;
    long status;
    const char *part;
  } cases[] = {
    {"{", 400, "invalid JSON"},
    {"[]", 400, NULL},
    {"{\"inputs\":[]}", 400, "inputs"},
    {"{\"input\":[]}", 400, "input"},
    {"{\"inputs\":[{\"name\":\"y\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[1]}]}", 400,
     "unknown input \"y\""},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[1]},"
     "{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[1]}]}", 400, "twice"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP16\",\"data\":[1]}]}", 400,
     "input x"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"BF16\",\"data\":[1]}]}", 400,
     "input x"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"INT64\",\"data\":[1]}]}", 400,
     "input x"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FLOAT\",\"data\":[1]}]}", 400,
     "FLOAT"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[3],\"datatype\":\"FP64\",\"data\":[1,2]}]}", 400,
     "shape"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[1,2]}]}", 400,
     "input x"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"FP64\",\"data\":[1,1e999]}]}",
     400, "x[1] must be a finite number"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[1,1e39]}]}",
     400, "x[1] must be a finite number"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[\"a\"]}]}",
     400, "input x"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP64\"}]}", 400, "no data"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[-1],\"datatype\":\"FP64\",\"data\":[1]}]}", 400,
     "shape"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[1],"
     "\"parameters\":{\"classification\":1}}]}", 400, "classification"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[1]}],"
     "\"outputs\":[{\"name\":\"z\"}]}", 400, "unknown output \"z\""},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[1]}],"
     "\"outputs\":[{\"name\":\"y\"},{\"name\":\"y\"}]}", 400, "twice"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[1]}],"
     "\"outputs\":[{\"name\":\"grad_x\"}]}", 400, "grad_y"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[1]}],"
     "\"parameters\":{\"temperature\":1}}", 400, "temperature"},
    {"{\"id\":5,\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[1]}]}",
     400, "id"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"FP64\",\"data\":[1,2]},"
     "{\"name\":\"grad_y\",\"shape\":[3],\"datatype\":\"FP64\",\"data\":[1,2,3]}]}", 400,
     "grad_y"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[-10]}],"
     "\"parameters\":{\"alpha\":1e308}}", 400, "overflows"},
    {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1000,1000],\"datatype\":\"FP64\",\"data\":[1]}]}",
     413, "limit"},
  };
  struct reply r;

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *model = strstr(cases[i].body, "alpha") != NULL ? "leaky_relu" : "gelu";
    raw_infer(model, "application/json", cases[i].body, strlen(cases[i].body), -1, &r);
    expect_error(&r, cases[i].status, cases[i].part);
    reply_free(&r);
  }

  /* Content-Type that is neither JSON nor bytes */
  raw_infer("gelu", "text/plain", "{}", 2, -1, &r);
  expect_error(&r, 415, NULL);
  reply_free(&r);
}
END_TEST

/* The binary part: sizes that disagree with the body, a header length past the end,
 * bytes that are not a whole number of elements, non-finite elements; all decided
 * before anything is computed. */
START_TEST(test_binary_errors)
{
  static const double x[] = {1, 2, NAN, 4};
  static const char hdr32[] = "{\"inputs\":[{\"name\":\"x\",\"shape\":[4],\"datatype\":\"FP64\","
                              "\"parameters\":{\"binary_data_size\":32}}]}";
  char body[512];
  size_t hl = strlen(hdr32);
  struct reply r;

  memcpy(body, hdr32, hl);
  memcpy(body + hl, x, sizeof x);
  /* the NaN at element 2 */
  raw_infer("relu", "application/octet-stream", body, hl + 32, (long)hl, &r);
  expect_error(&r, 400, "x[2] must be a finite number");
  reply_free(&r);
  /* fewer bytes than announced */
  raw_infer("relu", "application/octet-stream", body, hl + 24, (long)hl, &r);
  expect_error(&r, 400, "binary");
  reply_free(&r);
  /* more bytes than announced */
  memcpy(body + hl + 32, x, 8);
  raw_infer("relu", "application/octet-stream", body, hl + 40, (long)hl, &r);
  expect_error(&r, 400, "binary");
  reply_free(&r);
  /* a header length past the end of the body */
  raw_infer("relu", "application/octet-stream", body, hl + 32, (long)(hl + 100), &r);
  expect_error(&r, 400, "Inference-Header-Content-Length");
  reply_free(&r);
  /* a header length that cuts the JSON */
  raw_infer("relu", "application/octet-stream", body, hl + 32, (long)(hl - 5), &r);
  expect_error(&r, 400, "JSON");
  reply_free(&r);
  /* binary data with no header length */
  raw_infer("relu", "application/octet-stream", body, hl + 32, -1, &r);
  expect_error(&r, 400, NULL);
  reply_free(&r);
  {
    static const char h31[] = "{\"inputs\":[{\"name\":\"x\",\"shape\":[4],\"datatype\":\"FP64\","
                              "\"parameters\":{\"binary_data_size\":31}}]}";
    size_t l = strlen(h31);
    memcpy(body, h31, l);
    memcpy(body + l, x, 31);
    raw_infer("relu", "application/octet-stream", body, l + 31, (long)l, &r);
    expect_error(&r, 400, "whole number");
    reply_free(&r);
  }
  {
    static const char hboth[] = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP64\","
                                "\"data\":[1],\"parameters\":{\"binary_data_size\":8}}]}";
    size_t l = strlen(hboth);
    memcpy(body, hboth, l);
    memcpy(body + l, x, 8);
    raw_infer("relu", "application/octet-stream", body, l + 8, (long)l, &r);
    expect_error(&r, 400, "both");
    reply_free(&r);
  }
  /* more binary bytes than 8 per allowed element: refused before the body is read,
   * whatever its header says (here a shape the bytes disagree with, which would be a
   * 400 once read) */
  {
    static const char hbig[] = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1000],"
                               "\"datatype\":\"FP64\",\"parameters\":{\"binary_data_size\":"
                               "810000}}]}";
    size_t l = strlen(hbig), total = l + 810000;
    char *big = calloc(1, total);
    ck_assert_ptr_nonnull(big);
    memcpy(big, hbig, l);
    raw_infer("relu", "application/octet-stream", big, total, (long)l, &r);
    expect_error(&r, 413, "element limit");
    reply_free(&r);
    free(big);
  }
  /* elements over the limit, announced in binary: refused from the header alone */
  {
    static const char hbig[] = "{\"inputs\":[{\"name\":\"x\",\"shape\":[200000],"
                               "\"datatype\":\"FP64\",\"parameters\":{\"binary_data_size\":"
                               "1600000}}]}";
    raw_infer("relu", "application/octet-stream", hbig, strlen(hbig), (long)strlen(hbig), &r);
    expect_error(&r, 413, "limit");
    reply_free(&r);
  }
}
END_TEST

/* A larger binary request (split across threads inside): every element bit for bit as
 * the JSON route computes it. */
START_TEST(test_large_binary)
{
  const size_t n = 60000, shape[1] = {n};
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *want = malloc(n * sizeof *want);
  char *json = malloc(n * 26 + 64);
  size_t k;
  struct reply r;
  cJSON *ref, *req;
  const void *bins[1];
  size_t sizes[1] = {n * sizeof(double)};

  for (size_t i = 0; i < n; i++)
    x[i] = -30 + 60.0 * (double)i / (double)n;
  k = (size_t)sprintf(json, "{\"activation\":\"gelu\",\"x\":[");
  for (size_t i = 0; i < n; i++)
    k += (size_t)sprintf(json + k, "%s%.17g", i ? "," : "", x[i]);
  sprintf(json + k, "]}");
  ref = activate(json);
  bins[0] = x;
  req = request_with(tensor_bin("x", shape, 1, "FP64", sizes[0]));
  cJSON_AddBoolToObject(cJSON_AddObjectToObject(req, "parameters"), "binary_data_output", 1);
  infer_binary("gelu", req, bins, sizes, 1, &r);
  ck_assert_msg(r.status == 200, "%s", r.body);
  ck_assert_uint_eq(values(&r, "y", y, n), n);
  ck_assert_uint_eq(flatten(cJSON_GetObjectItemCaseSensitive(ref, "y"), want, n, 0), n);
  same_bits(y, want, n, "y");
  ck_assert_uint_eq(values(&r, "dy_dx", y, n), n);
  flatten(cJSON_GetObjectItemCaseSensitive(ref, "dy_dx"), want, n, 0);
  same_bits(y, want, n, "dy_dx");
  reply_free(&r);
  cJSON_Delete(ref);
  free(x);
  free(y);
  free(want);
  free(json);
}
END_TEST

static Suite *v2_suite(void)
{
  Suite *s = suite_create("v2");
  TCase *tc = tcase_create("oip");
  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_server_routes);
  tcase_add_test(tc, test_model_metadata);
  tcase_add_test(tc, test_elementwise_same_bits);
  tcase_add_test(tc, test_fp32);
  tcase_add_test(tc, test_fp32_rounded_once);
  tcase_add_test(tc, test_vector_models);
  tcase_add_test(tc, test_parameters);
  tcase_add_test(tc, test_dense);
  tcase_add_test(tc, test_errors);
  tcase_add_test(tc, test_binary_errors);
  tcase_add_test(tc, test_large_binary);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(v2_suite)
