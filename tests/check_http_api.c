/*
 * check_http_api.c: the POST routes of the contract against the real build/neurond on
 * a free port (tests/lib/server.h): /activate, /neuron/forward, /neuron/backward,
 * /loss, /init. Values are checked against exact hand values, MPFR, or the engine
 * called in-process on the same input (bit for bit: the number codec must not change a
 * double on its way out).
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

/* POSTs json to path, expects `status`, returns the parsed body (caller frees). */
static cJSON *post(const char *path, const char *json, long status)
{
  struct resp r;
  cJSON *doc;
  const char *end = NULL;
  ck_assert_int_eq(http_post_json(&S, path, json, &r), 0);
  ck_assert_msg(r.status == status, "%s %s: status %ld, want %ld: %s", path, json, r.status,
                status, r.body);
  if (status == 200)
    ck_assert_str_eq(r.ctype, "application/json");
  else
    ck_assert_str_eq(r.ctype, "application/problem+json");
  doc = cJSON_ParseWithLengthOpts(r.body, r.len + 1, &end, 1); /* the NUL ends it */
  ck_assert_msg(doc != NULL, "response is not JSON: %s", r.body);
  resp_free(&r);
  return doc;
}

/* A problem reply: checks its fields and the pointer. */
static void expect_problem(const char *path, const char *json, long status,
                           const char *pointer, const char *detail_part)
{
  cJSON *doc = post(path, json, status);
  const cJSON *ptr = cJSON_GetObjectItemCaseSensitive(doc, "pointer");
  const cJSON *det = cJSON_GetObjectItemCaseSensitive(doc, "detail");
  ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(doc, "type")->valuestring, "about:blank");
  ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(doc, "status")->valueint, status);
  ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "title")));
  ck_assert(cJSON_IsString(det));
  if (pointer != NULL) {
    ck_assert_msg(cJSON_IsString(ptr), "no pointer in %s", cJSON_PrintUnformatted(doc));
    ck_assert_str_eq(ptr->valuestring, pointer);
  }
  if (detail_part != NULL)
    ck_assert_msg(strstr(det->valuestring, detail_part) != NULL, "detail \"%s\" lacks \"%s\"",
                  det->valuestring, detail_part);
  cJSON_Delete(doc);
}

static const cJSON *get(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  ck_assert_msg(v != NULL, "missing field %s", k);
  return v;
}

/* Flattens a nested numeric array into out (cap entries); returns the count. */
static size_t flat(const cJSON *v, double *out, size_t cap, size_t n)
{
  if (cJSON_IsNumber(v)) {
    ck_assert(n < cap);
    out[n++] = v->valuedouble;
    return n;
  }
  ck_assert(cJSON_IsArray(v));
  for (const cJSON *it = v->child; it != NULL; it = it->next)
    n = flat(it, out, cap, n);
  return n;
}

/* The text of a JSON value, to compare shapes and exact values. */
static void expect_json(const cJSON *v, const char *text)
{
  char *s = cJSON_PrintUnformatted(v);
  cJSON *want = cJSON_Parse(text);
  ck_assert_ptr_nonnull(want);
  ck_assert_msg(cJSON_Compare(v, want, 1), "got %s, want %s", s, text);
  free(s);
  cJSON_Delete(want);
}

static int same_bits(double a, double b)
{
  return memcmp(&a, &b, sizeof a) == 0;
}

/* ============================================================== /activate */

START_TEST(test_activate_contract_example)
{
  cJSON *d = post("/activate",
                  "{\"activation\": \"leaky_relu\", \"params\": {\"alpha\": 0.1},"
                  " \"x\": [[-2, 0.5], [0, 3]], \"outputs\": [\"y\", \"dy_dx\"],"
                  " \"grad_y\": [[1, 1], [1, 1]]}",
                  200);
  expect_json(get(d, "activation"), "\"leaky_relu\"");
  expect_json(get(d, "params"), "{\"alpha\":0.1}");
  expect_json(get(d, "shape"), "[2,2]");
  expect_json(get(d, "y"), "[[-0.2,0.5],[0,3]]");
  expect_json(get(d, "dy_dx"), "[[0.1,1],[0.1,1]]");
  expect_json(get(d, "grad_x"), "[[0.1,1],[0.1,1]]");
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(d, "d2y_dx2"));
  cJSON_Delete(d);
}
END_TEST

/* The contract's accuracy figures, through HTTP. */
START_TEST(test_activate_contract_values)
{
  static const struct {
    const char *act, *field;
    double x, want;
  } cases[] = {
    {"sigmoid", "dy_dx", 40, 4.248354255291589e-18},
    {"tanh", "dy_dx", 20, 1.6993417021166355e-17},
    {"softplus", "y", 30, 30.000000000000092},
    {"gelu", "y", -10, -7.619853024160526e-23},
    {"elu", "y", -1e-10, -9.9999999995e-11},
    {"elu", "y", -1e-20, -1e-20},
    {"sigmoid", "y", -709.8, 5.4673e-309},
  };
  char body[256];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cJSON *d;
    double got;
    snprintf(body, sizeof body, "{\"activation\":\"%s\",\"x\":%.17g}", cases[i].act,
             cases[i].x);
    d = post("/activate", body, 200);
    got = get(d, cases[i].field)->valuedouble;
    /* 4 ULP; the subnormal case against its 5 significant digits */
    if (fabs(cases[i].want) < 2.3e-308)
      ck_assert_msg(fabs(got - cases[i].want) < 1e-312, "%s(%g) = %g", cases[i].act,
                    cases[i].x, got);
    else
      ck_assert_msg(ulp_distance(got, cases[i].want) <= 4, "%s %s(%g) = %.17g, want %.17g",
                    cases[i].act, cases[i].field, cases[i].x, got, cases[i].want);
    cJSON_Delete(d);
  }
}
END_TEST

/* Every element-wise row answers with y and dy_dx shaped like x, bit-identical to the
 * engine's own result for the same input. */
START_TEST(test_activate_every_row_bits)
{
  static const double xs[] = {-3.5, -1, -0.1, 0, 0.25, 1e-300, 2, 7.5};
  char body[512];
  for (size_t r = 0; r < eng_activation_count(); r++) {
    const struct eng_activation *a = eng_activation_at(r);
    double p[ENG_MAX_PARAMS], y[8], dy[8], gy[8], gx[8];
    cJSON *d;
    size_t n;
    eng_params_default(a, p);
    if (a->kind == ENG_ELEMENTWISE) {
      struct eng_act_out o = {0};
      o.y = y;
      o.dy = dy;
      ck_assert_int_eq(eng_activate(a, p, xs, 8, 8, &o), ENG_OK);
      snprintf(body, sizeof body,
               "{\"activation\":\"%s\",\"x\":[-3.5,-1,-0.1,0,0.25,1e-300,2,7.5]}", a->name);
      d = post("/activate", body, 200);
      expect_json(get(d, "shape"), "[8]");
      n = flat(get(d, "y"), gx, 8, 0);
      ck_assert_int_eq(n, 8);
      for (size_t i = 0; i < 8; i++)
        ck_assert_msg(same_bits(gx[i], y[i]), "%s y(%g): %.17g vs %.17g", a->name, xs[i],
                      gx[i], y[i]);
      n = flat(get(d, "dy_dx"), gx, 8, 0);
      for (size_t i = 0; i < n; i++)
        ck_assert_msg(same_bits(gx[i], dy[i]), "%s dy(%g)", a->name, xs[i]);
    } else {
      struct eng_act_out o = {0};
      size_t w = eng_activation_width(a, 4);
      for (size_t i = 0; i < 8; i++)
        gy[i] = 0.5 - 0.125 * (double)i;
      o.y = y;
      o.grad_y = gy;
      o.grad_x = gx;
      ck_assert_int_eq(eng_activate(a, p, xs, 8, 4, &o), ENG_OK);
      snprintf(body, sizeof body,
               "{\"activation\":\"%s\",\"x\":[[-3.5,-1,-0.1,0],[0.25,1e-300,2,7.5]],"
               "\"grad_y\":%s}",
               a->name,
               w == 1 ? "[0.5,0.375]" : "[[0.5,0.375,0.25,0.125],[0,-0.125,-0.25,-0.375]]");
      d = post("/activate", body, 200);
      {
        double got[8];
        n = flat(get(d, "y"), got, 8, 0);
        ck_assert_int_eq(n, 2 * w);
        for (size_t i = 0; i < n; i++)
          ck_assert_msg(same_bits(got[i], y[i]), "%s y[%zu]", a->name, i);
        n = flat(get(d, "grad_x"), got, 8, 0);
        ck_assert_int_eq(n, 8);
        for (size_t i = 0; i < n; i++)
          ck_assert_msg(same_bits(got[i], gx[i]), "%s grad_x[%zu]", a->name, i);
      }
    }
    cJSON_Delete(d);
  }
}
END_TEST

START_TEST(test_activate_shapes_and_aliases)
{
  cJSON *d = post("/activate", "{\"activation\":\"logistic\",\"x\":0}", 200);
  expect_json(get(d, "activation"), "\"sigmoid\"");
  expect_json(get(d, "params"), "{\"a\":1}");
  expect_json(get(d, "shape"), "[]");
  expect_json(get(d, "y"), "0.5");
  expect_json(get(d, "dy_dx"), "0.25");
  cJSON_Delete(d);
  d = post("/activate", "{\"activation\":\"silu\",\"x\":[]}", 200);
  expect_json(get(d, "y"), "[]");
  expect_json(get(d, "shape"), "[0]");
  cJSON_Delete(d);
  d = post("/activate", "{\"activation\":\"heaviside\",\"x\":[[-1,0,1]],\"outputs\":[\"y\"]}", 200);
  expect_json(get(d, "activation"), "\"step\"");
  expect_json(get(d, "y"), "[[0,0,1]]");
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(d, "dy_dx"));
  cJSON_Delete(d);
  d = post("/activate", "{\"activation\":\"binary_step\",\"x\":1}", 200);
  cJSON_Delete(d);
  d = post("/activate", "{\"activation\":\"linear\",\"x\":[2.5],\"outputs\":[\"d2y_dx2\"]}", 200);
  expect_json(get(d, "d2y_dx2"), "[0]");
  cJSON_Delete(d);
}
END_TEST

START_TEST(test_activate_params_and_dparams)
{
  cJSON *d = post("/activate",
                  "{\"activation\":\"prelu\",\"x\":[-2,0,3],\"outputs\":[\"y\",\"dy_dparams\"]}",
                  200);
  expect_json(get(d, "params"), "{\"alpha\":0.25}");
  expect_json(get(d, "y"), "[-0.5,0,3]");
  expect_json(get(d, "dy_dparams"), "{\"alpha\":[-2,0,0]}");
  cJSON_Delete(d);
  d = post("/activate",
           "{\"activation\":\"hard_tanh\",\"params\":{\"max_val\":2},\"x\":[[-3,0],[1,3]],"
           "\"outputs\":[\"dy_dparams\"]}",
           200);
  expect_json(get(d, "params"), "{\"min_val\":-1,\"max_val\":2}");
  expect_json(get(d, "dy_dparams"), "{\"min_val\":[[1,0],[0,0]],\"max_val\":[[0,0],[0,1]]}");
  cJSON_Delete(d);
  d = post("/activate", "{\"activation\":\"gelu\",\"params\":{\"approximate\":\"sigmoid\"},\"x\":0}",
           200);
  expect_json(get(d, "params"), "{\"approximate\":\"sigmoid\"}");
  expect_json(get(d, "dy_dx"), "0.5");
  cJSON_Delete(d);
}
END_TEST

START_TEST(test_activate_vector)
{
  cJSON *d = post("/activate",
                  "{\"activation\":\"softmax\",\"x\":[0,0],\"outputs\":[\"y\",\"jacobian\"]}", 200);
  expect_json(get(d, "y"), "[0.5,0.5]");
  expect_json(get(d, "jacobian"), "[[0.25,-0.25],[-0.25,0.25]]");
  cJSON_Delete(d);
  d = post("/activate",
           "{\"activation\":\"softmax\",\"x\":[[1000,-1000,0]],\"outputs\":[\"y\",\"jacobian\"]}",
           200);
  expect_json(get(d, "y"), "[[1,0,0]]");
  ck_assert_int_eq(cJSON_GetArraySize(get(d, "jacobian")), 1);
  cJSON_Delete(d);
  d = post("/activate", "{\"activation\":\"maxout\",\"x\":[[1,3,3],[0,-1,-2]],\"grad_y\":[1,2]}",
           200);
  expect_json(get(d, "y"), "[3,0]");
  expect_json(get(d, "argmax"), "[1,0]");
  expect_json(get(d, "grad_x"), "[[0,1,0],[2,0,0]]");
  cJSON_Delete(d);
  d = post("/activate", "{\"activation\":\"maxout\",\"x\":[4,7,7],\"outputs\":[\"y\",\"jacobian\"]}",
           200);
  expect_json(get(d, "y"), "7");
  expect_json(get(d, "argmax"), "1");
  expect_json(get(d, "jacobian"), "[[0,1,0]]");
  cJSON_Delete(d);
  d = post("/activate",
           "{\"activation\":\"hardmax\",\"x\":[2,5,5],\"outputs\":[\"y\",\"jacobian\"],\"grad_y\":[1,1,1]}",
           200);
  expect_json(get(d, "y"), "[0,1,0]");
  expect_json(get(d, "jacobian"), "[[0,0,0],[0,0,0],[0,0,0]]");
  expect_json(get(d, "grad_x"), "[0,0,0]");
  cJSON_Delete(d);
  d = post("/activate", "{\"activation\":\"sparsemax\",\"x\":[1,0.5,-3]}", 200);
  expect_json(get(d, "y"), "[0.75,0.25,0]");
  cJSON_Delete(d);
  d = post("/activate", "{\"activation\":\"log_softmax\",\"x\":[[0,0]]}", 200);
  {
    double v[2];
    flat(get(d, "y"), v, 2, 0);
    ck_assert(same_bits(v[0], -M_LN2) && same_bits(v[1], -M_LN2));
  }
  cJSON_Delete(d);
}
END_TEST

START_TEST(test_activate_errors)
{
  expect_problem("/activate", "{\"activation\":\"nope\",\"x\":1}", 422, "/activation",
                 "swish (silu)");
  expect_problem("/activate", "{\"x\":1}", 422, "/activation", "required");
  expect_problem("/activate", "{\"activation\":\"relu\"}", 422, "/x", "required");
  expect_problem("/activate", "{\"activation\":\"relu\",\"x\":1,\"extra\":2}", 422, "/extra",
                 "extra");
  expect_problem("/activate", "{\"activation\":\"relu\",\"params\":{\"alpha\":1},\"x\":1}", 422,
                 "/params/alpha", NULL);
  expect_problem("/activate", "{\"activation\":\"leaky_relu\",\"params\":{\"beta\":1},\"x\":1}",
                 422, "/params/beta", "alpha");
  expect_problem("/activate", "{\"activation\":\"softplus\",\"params\":{\"beta\":0},\"x\":1}", 422,
                 "/params/beta", "> 0");
  expect_problem("/activate", "{\"activation\":\"celu\",\"params\":{\"alpha\":0},\"x\":1}", 422,
                 "/params/alpha", "alpha != 0");
  expect_problem("/activate", "{\"activation\":\"hard_tanh\",\"params\":{\"min_val\":2},\"x\":1}",
                 422, "/params/min_val", "min_val < max_val");
  expect_problem("/activate", "{\"activation\":\"gelu\",\"params\":{\"approximate\":\"erf\"},\"x\":1}",
                 422, "/params/approximate", "\"tanh\"");
  expect_problem("/activate", "{\"activation\":\"elu\",\"params\":{\"alpha\":\"1\"},\"x\":1}", 422,
                 "/params/alpha", "number");
  expect_problem("/activate", "{\"activation\":\"relu\",\"x\":[[1,2],[3]]}", 422, "/x/1", "x[1]");
  expect_problem("/activate", "{\"activation\":\"relu\",\"x\":[1,1e999]}", 422, "/x/1",
                 "x[1] must be a finite number");
  expect_problem("/activate", "{\"activation\":\"relu\",\"x\":[[1,2],[3,1e999]]}", 422, "/x/1/1",
                 "x[1][1]");
  expect_problem("/activate", "{\"activation\":\"relu\",\"x\":\"1\"}", 422, "/x", NULL);
  expect_problem("/activate", "{\"activation\":\"relu\",\"x\":[true]}", 422, "/x/0", NULL);
  expect_problem("/activate", "{\"activation\":\"relu\",\"x\":[NaN]}", 400, NULL, "NaN");
  expect_problem("/activate", "{\"activation\":\"relu\",\"x\":[1,2],\"grad_y\":[1]}", 422,
                 "/grad_y", "shape");
  expect_problem("/activate", "{\"activation\":\"softmax\",\"x\":[1,2],\"outputs\":[\"dy_dx\"]}", 422,
                 "/outputs/0", "vector");
  expect_problem("/activate", "{\"activation\":\"relu\",\"x\":[1,2],\"outputs\":[\"jacobian\"]}", 422,
                 "/outputs/0", "vector");
  expect_problem("/activate", "{\"activation\":\"relu\",\"x\":1,\"outputs\":[\"dy_dparams\"]}", 422,
                 "/outputs/0", "no differentiable");
  expect_problem("/activate", "{\"activation\":\"relu\",\"x\":1,\"outputs\":[\"z\"]}", 422,
                 "/outputs/0", NULL);
  expect_problem("/activate", "{\"activation\":\"softmax\",\"x\":3}", 422, "/x", NULL);
  expect_problem("/activate", "{\"activation\":\"softmax\",\"x\":[]}", 422, "/x", NULL);
  expect_problem("/activate", "[1,2]", 422, NULL, NULL);
  expect_problem("/activate", "{\"activation\":\"relu\",\"activation\":\"tanh\",\"x\":1}", 422,
                 "/activation", "duplicate");
}
END_TEST

/* Large flat arrays are read in parts on several threads: the same numbers, and the
 * same errors at the same elements, as the reading in order gives. */
static char *big_array_body(size_t n, size_t bad_at, const char *bad, int close,
                            const char *tail)
{
  size_t cap = n * 32 + 256, len = 0;
  char *b = malloc(cap);
  ck_assert_ptr_nonnull(b);
  len += (size_t)sprintf(b, "{\"activation\":\"relu\",\"x\":[");
  for (size_t i = 0; i < n; i++) {
    if (i > 0)
      len += (size_t)sprintf(b + len, i % 7 == 0 ? " ,\n " : ",");
    if (i == bad_at)
      len += (size_t)sprintf(b + len, "%s", bad);
    else
      len += (size_t)sprintf(b + len, "%.17g", (double)i + 0.1234567890123);
  }
  if (close)
    len += (size_t)sprintf(b + len, "]%s}", tail);
  return b;
}

START_TEST(test_large_arrays_in_parts)
{
  static const char *const args[] = {"--no-access-log", "--threads", "4", NULL};
  struct srv s4;
  struct resp r;
  const size_t n = 60000; /* some 1.2 MB: over the size read in parts */
  char *body;
  cJSON *d;
  const cJSON *y, *e;
  size_t i;

  ck_assert_int_eq(srv_start(&s4, args), 0);
  /* a good one, followed by fields holding ',' and numbers where a cut could land */
  body = big_array_body(n, (size_t)-1, NULL, 1,
                        ",\"outputs\":[\"y\",\"dy_dx\"],\"params\":{}");
  ck_assert_int_eq(http_post_json(&s4, "/activate", body, &r), 0);
  ck_assert_int_eq(r.status, 200);
  d = cJSON_ParseWithLengthOpts(r.body, r.len + 1, NULL, 1);
  ck_assert_ptr_nonnull(d);
  y = cJSON_GetObjectItem(d, "y");
  ck_assert_int_eq(cJSON_GetArraySize(y), (int)n);
  for (i = 0, e = y->child; e != NULL; i++, e = e->next)
    ck_assert_msg(e->valuedouble == (double)i + 0.1234567890123, "y[%zu] = %.17g", i,
                  e->valuedouble);
  ck_assert_uint_eq(i, n);
  cJSON_Delete(d);
  resp_free(&r);
  free(body);

  {
    static const struct {
      size_t at;
      const char *bad;
      long status;
      const char *pointer, *detail;
    } cases[] = {
      {45000, "true", 422, "/x/45000", NULL},
      {59999, "1e999", 422, "/x/59999", "x[59999] must be a finite number"},
      {30001, "\"7\"", 422, "/x/30001", NULL},
      {52000, "[1]", 422, "/x/52000", "x[52000] must be a number"},
      {40000, "01", 400, NULL, "byte offset"},
      {40001, "1.", 400, NULL, "invalid number"},
      {20000, "-Infinity", 400, NULL, "Infinity"},
      {33333, "", 400, NULL, NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
      const cJSON *ptr;
      body = big_array_body(n, cases[c].at, cases[c].bad, 1, "");
      ck_assert_int_eq(http_post_json(&s4, "/activate", body, &r), 0);
      ck_assert_msg(r.status == cases[c].status, "%s at %zu: %ld %s", cases[c].bad,
                    cases[c].at, r.status, r.body);
      d = cJSON_ParseWithLengthOpts(r.body, r.len + 1, NULL, 1);
      ck_assert_ptr_nonnull(d);
      ptr = cJSON_GetObjectItem(d, "pointer");
      if (cases[c].pointer != NULL)
        ck_assert_msg(cJSON_IsString(ptr) && strcmp(ptr->valuestring, cases[c].pointer) == 0,
                      "%s at %zu: %s", cases[c].bad, cases[c].at, r.body);
      if (cases[c].detail != NULL)
        ck_assert_msg(strstr(cJSON_GetObjectItem(d, "detail")->valuestring, cases[c].detail),
                      "%s at %zu: %s", cases[c].bad, cases[c].at, r.body);
      cJSON_Delete(d);
      resp_free(&r);
      free(body);
    }
  }
  /* no closing bracket: invalid JSON, not a partial array */
  body = big_array_body(n, (size_t)-1, NULL, 0, "");
  ck_assert_int_eq(http_post_json(&s4, "/activate", body, &r), 0);
  ck_assert_int_eq(r.status, 400);
  resp_free(&r);
  free(body);
  ck_assert_int_eq(srv_stop(&s4), 0);
}
END_TEST

/* The value at row i, column j of the rows of big_rows_body. */
static double row_value(size_t i, int j)
{
  switch (j % 4) {
  case 0: return (double)i + 0.25 + j;
  case 1: return -(double)i - 0.123456789 * j;
  case 2: return (double)i * 1e-9 * j;
  default: return 1e300 / ((double)i + j);
  }
}

/* A /neuron/forward body whose x is m rows of 8 numbers (some 3 MB for m = 20000; rows
 * long enough to be read in parts), with the text of row bad_row (when bad_row < m)
 * replaced by bad. The weights are the 8 x 8 identity, so z = x exactly. */
static char *big_rows_body(size_t m, size_t bad_row, const char *bad)
{
  size_t cap = m * 240 + 512, len = 0;
  char *b = malloc(cap);
  ck_assert_ptr_nonnull(b);
  len += (size_t)sprintf(b, "{\"weights\":[");
  for (int j = 0; j < 8; j++)
    len += (size_t)sprintf(b + len, "%s[%d,%d,%d,%d,%d,%d,%d,%d]", j ? "," : "", j == 0,
                           j == 1, j == 2, j == 3, j == 4, j == 5, j == 6, j == 7);
  len += (size_t)sprintf(b + len, "],\"activation\":\"identity\",\"x\":[");
  for (size_t i = 0; i < m; i++) {
    if (i > 0)
      len += (size_t)sprintf(b + len, i % 5 == 0 ? " ,\n " : ",");
    if (i == bad_row) {
      len += (size_t)sprintf(b + len, "%s", bad);
      continue;
    }
    b[len++] = '[';
    for (int j = 0; j < 8; j++)
      len += (size_t)sprintf(b + len, "%s%.17g", j == 0 ? "" : j == 4 ? ", " : ",",
                             row_value(i, j));
    b[len++] = ']';
  }
  len += (size_t)sprintf(b + len, "],\"bias\":[0,0,0,0,0,0,0,0]}");
  ck_assert_uint_lt(len, cap);
  return b;
}

/* Large arrays of rows are read in parts on the cores: the same numbers as in order,
 * and for every malformed input the very reply (status, pointer, message) of a server
 * that reads in order (one thread). */
START_TEST(test_large_rows_in_parts)
{
  static const char *const args1[] = {"--no-access-log", "--threads", "1", NULL};
  static const char *const args4[] = {"--no-access-log", "--threads", "4", NULL};
  static const struct {
    size_t row;
    const char *bad;
    long status;
  } cases[] = {
    {(size_t)-1, "", 200},
    {15000, "[1,2,3,4,5,6,7]", 422},     /* ragged, in a later part */
    {19999, "[1,2,3,4,5,6,7,8,9]", 422}, /* ragged, the last row */
    {1, "[]", 422},                      /* ragged, early */
    {12000, "[1,2,true,4,5,6,7,8]", 422}, /* not a number */
    {9000, "[[1],2,3,4,5,6,7,8]", 422},  /* nested deeper */
    {16000, "[1,2,1e999,4,5,6,7,8]", 422}, /* out of range */
    {11000, "[1,2,3,4,5,6,7,8,]", 400},  /* trailing comma */
    {13000, "[1,2,3 4,5,6,7,8]", 400},   /* missing comma */
    {17000, "\"row\"", 422},             /* not a row */
    {14000, "[1,2,NaN,4,5,6,7,8]", 400},
  };
  const size_t m = 20000;
  struct srv s1, s4;

  ck_assert_int_eq(srv_start(&s1, args1), 0);
  ck_assert_int_eq(srv_start(&s4, args4), 0);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    struct resp r1, r4;
    char *body = big_rows_body(m, cases[c].row, cases[c].bad);
    ck_assert_int_eq(http_post_json(&s1, "/neuron/forward", body, &r1), 0);
    ck_assert_int_eq(http_post_json(&s4, "/neuron/forward", body, &r4), 0);
    ck_assert_msg(r4.status == cases[c].status, "%s at row %zu: %ld %.300s", cases[c].bad,
                  cases[c].row, r4.status, r4.body);
    ck_assert_msg(r1.status == r4.status && r1.len == r4.len &&
                    memcmp(r1.body, r4.body, r1.len) == 0,
                  "%s at row %zu: in order %ld %.300s; in parts %ld %.300s", cases[c].bad,
                  cases[c].row, r1.status, r1.body, r4.status, r4.body);
    if (cases[c].status == 200) {
      cJSON *d = cJSON_ParseWithLengthOpts(r4.body, r4.len + 1, NULL, 1);
      const cJSON *z, *row;
      size_t i = 0;
      ck_assert_ptr_nonnull(d);
      z = cJSON_GetObjectItem(d, "z");
      ck_assert_int_eq(cJSON_GetArraySize(z), (int)m);
      for (row = z->child; row != NULL; row = row->next, i++) {
        const cJSON *e = row->child;
        for (int j = 0; j < 8; j++, e = e->next)
          ck_assert_msg(e != NULL && e->valuedouble == row_value(i, j), "z[%zu][%d]", i, j);
        ck_assert_ptr_null(e);
      }
      ck_assert_uint_eq(i, m);
      cJSON_Delete(d);
    }
    resp_free(&r1);
    resp_free(&r4);
    free(body);
  }
  ck_assert_int_eq(srv_stop(&s4), 0);
  ck_assert_int_eq(srv_stop(&s1), 0);
}
END_TEST

/* splitmix64: seeded test data */
static uint64_t mix(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/* A layer large enough to be split across threads (by samples and by neurons) gives
 * the very bytes of a server that computes it in one call (--threads 1). */
START_TEST(test_large_layer_split_is_whole)
{
  static const char *const args1[] = {"--no-access-log", "--threads", "1", NULL};
  static const char *const args4[] = {"--no-access-log", "--threads", "4", NULL};
  enum { M = 400, D = 64, K = 10 };
  static const char *const tails[] = {
    "\"activation\":\"softmax\",\"loss\":\"cross_entropy\",\"learning_rate\":0.1,"
    "\"targets\":[",
    "\"activation\":\"tanh\",\"grad_a\":[",
    "\"activation\":\"maxout\"",
  };
  struct srv s1, s4;
  uint64_t seed = 99;
  size_t cap = (size_t)M * (D + K) * 32 + 4096;
  char *body = malloc(cap), *tail = malloc((size_t)M * K * 32 + 256), *list = malloc((size_t)M * K * 32);

  ck_assert_ptr_nonnull(body);
  ck_assert_ptr_nonnull(tail);
  ck_assert_ptr_nonnull(list);
  ck_assert_int_eq(srv_start(&s1, args1), 0);
  ck_assert_int_eq(srv_start(&s4, args4), 0);
  for (size_t c = 0; c < sizeof tails / sizeof tails[0]; c++) {
    const char *path = c == 2 ? "/neuron/forward" : "/neuron/backward";
    struct resp r1, r4;
    size_t len = 0, ll = 0;
    len += (size_t)sprintf(body, "{\"weights\":[");
    for (size_t j = 0; j < K; j++)
      for (size_t q = 0; q < D; q++)
        len += (size_t)sprintf(body + len, "%s%.17g%s", q == 0 ? (j ? ",[" : "[") : ",",
                               ((double)(mix(&seed) >> 11) * 0x1p-53 - 0.5) / 4,
                               q + 1 == D ? "]" : "");
    len += (size_t)sprintf(body + len, "],\"x\":[");
    for (size_t i = 0; i < M; i++)
      for (size_t q = 0; q < D; q++)
        len += (size_t)sprintf(body + len, "%s%.17g%s", q == 0 ? (i ? ",[" : "[") : ",",
                               ((double)(mix(&seed) >> 11) * 0x1p-53 - 0.5) * 6,
                               q + 1 == D ? "]" : "");
    if (c == 0)
      for (size_t i = 0; i < M; i++)
        ll += (size_t)sprintf(list + ll, "%s%d", i ? "," : "", (int)(mix(&seed) % K));
    else
      for (size_t i = 0; i < M; i++)
        for (size_t q = 0; q < K; q++)
          ll += (size_t)sprintf(list + ll, "%s%.17g%s", q == 0 ? (i ? ",[" : "[") : ",",
                                (double)(mix(&seed) >> 11) * 0x1p-53 - 0.5,
                                q + 1 == K ? "]" : "");
    list[ll] = '\0';
    if (c < 2)
      sprintf(tail, "%s%s]", tails[c], list);
    else
      sprintf(tail, "%s", tails[c]);
    len += (size_t)sprintf(body + len, "],%s}", tail);
    ck_assert_uint_lt(len, cap);
    ck_assert_int_eq(http_post_json(&s1, path, body, &r1), 0);
    ck_assert_int_eq(http_post_json(&s4, path, body, &r4), 0);
    ck_assert_msg(r1.status == 200, "%s: %ld %.300s", path, r1.status, r1.body);
    ck_assert_msg(r4.len == r1.len && memcmp(r1.body, r4.body, r1.len) == 0,
                  "case %zu: split and whole differ", c);
    resp_free(&r1);
    resp_free(&r4);
  }
  ck_assert_int_eq(srv_stop(&s4), 0);
  ck_assert_int_eq(srv_stop(&s1), 0);
  free(body);
  free(tail);
  free(list);
}
END_TEST

/* Shortest round trip: doubles come back in their shortest form. */
START_TEST(test_activate_number_form)
{
  struct resp r;
  ck_assert_int_eq(http_post_json(&S, "/activate",
                                  "{\"activation\":\"identity\",\"x\":[0.1,3,1e21,1e-7,-0,"
                                  "5e-324,1.7976931348623157e308,123456789012345680000],"
                                  "\"outputs\":[\"y\"]}",
                                  &r),
                   0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(strstr(r.body, "\"y\":[0.1,3,1e21,1e-7,-0,5e-324,1.7976931348623157e308,"
                               "123456789012345680000]") != NULL,
                "%s", r.body);
  resp_free(&r);
}
END_TEST

/* ======================================================= /neuron/forward, backward */

START_TEST(test_neuron_forward_contract)
{
  cJSON *d = post("/neuron/forward",
                  "{\"weights\": [0.5, -1, 2], \"bias\": 0.1, \"activation\": \"sigmoid\","
                  " \"x\": [[1, 2, 3], [0, 0, 1]]}",
                  200);
  double z[2], a[2];
  mpfr_t t;
  ck_assert_int_eq(flat(get(d, "z"), z, 2, 0), 2);
  ck_assert_int_eq(flat(get(d, "a"), a, 2, 0), 2);
  /* z = 0.5 - 2 + 6 + 0.1 and 2 + 0.1, each rounded once */
  ck_assert(same_bits(z[0], 4.5 + 0.1) && same_bits(z[1], 2 + 0.1));
  mpfr_init2(t, 256);
  for (int i = 0; i < 2; i++) { /* sigmoid(z) in MPFR */
    mpfr_set_d(t, -z[i], MPFR_RNDN);
    mpfr_exp(t, t, MPFR_RNDN);
    mpfr_add_ui(t, t, 1, MPFR_RNDN);
    mpfr_ui_div(t, 1, t, MPFR_RNDN);
    ck_assert(ulp_distance(a[i], mpfr_get_d(t, MPFR_RNDN)) <= 4);
  }
  mpfr_clear(t);
  cJSON_Delete(d);

  d = post("/neuron/forward", "{\"weights\":[1,2],\"x\":[3,4]}", 200);
  expect_json(get(d, "activation"), "\"identity\"");
  expect_json(get(d, "z"), "11");
  expect_json(get(d, "a"), "11");
  cJSON_Delete(d);
  d = post("/neuron/forward",
           "{\"weights\":[[1,0],[0,1],[1,1]],\"bias\":[0,0,-1],\"activation\":\"relu\",\"x\":[2,-3]}",
           200);
  expect_json(get(d, "z"), "[2,-3,-2]");
  expect_json(get(d, "a"), "[2,0,0]");
  cJSON_Delete(d);
  d = post("/neuron/forward",
           "{\"weights\":[[1,0],[0,1]],\"activation\":\"maxout\",\"x\":[[2,-3],[1,5]]}", 200);
  expect_json(get(d, "z"), "[[2,-3],[1,5]]");
  expect_json(get(d, "a"), "[2,5]");
  cJSON_Delete(d);
}
END_TEST

/* Backward with the squared loss against a central difference of the forward route's
 * loss, and the SGD step. */
START_TEST(test_neuron_backward_squared)
{
  cJSON *d = post("/neuron/backward",
                  "{\"weights\":[0.5,-1,2],\"bias\":0.1,\"activation\":\"tanh\","
                  "\"x\":[[1,2,3],[0,0,1]],\"targets\":[0.5,-0.25],\"loss\":\"squared\","
                  "\"learning_rate\":0.1}",
                  200);
  double gw[3], gb, w[3] = {0.5, -1, 2}, upd[3];
  const double x[2][3] = {{1, 2, 3}, {0, 0, 1}}, r[2] = {0.5, -0.25};
  ck_assert_int_eq(flat(get(d, "grad_weights"), gw, 3, 0), 3);
  gb = get(d, "grad_bias")->valuedouble;
  /* L(w) = (1/M) sum 1/2 (tanh(w.x + b) - r)^2, central difference in each w_j */
  for (int j = 0; j <= 3; j++) {
    double h = 1e-6, lp = 0, lm = 0;
    for (int s = -1; s <= 1; s += 2) {
      double L = 0;
      for (int i = 0; i < 2; i++) {
        double z = 0.1 + (j == 3 ? s * h : 0);
        for (int c = 0; c < 3; c++)
          z += (w[c] + (c == j ? s * h : 0)) * x[i][c];
        L += 0.5 * (tanh(z) - r[i]) * (tanh(z) - r[i]);
      }
      L /= 2;
      if (s < 0)
        lm = L;
      else
        lp = L;
    }
    double fd = (lp - lm) / (2 * h), got = j == 3 ? gb : gw[j];
    ck_assert_msg(fabs(fd - got) < 1e-7, "dL/dp%d: %.17g vs fd %.17g", j, got, fd);
  }
  ck_assert_int_eq(flat(get(get(d, "updated"), "weights"), upd, 3, 0), 3);
  for (int c = 0; c < 3; c++)
    ck_assert(same_bits(upd[c], w[c] - 0.1 * gw[c]));
  ck_assert(same_bits(get(get(d, "updated"), "bias")->valuedouble, 0.1 - 0.1 * gb));
  ck_assert(cJSON_IsNumber(get(d, "loss")));
  cJSON_Delete(d);
}
END_TEST

START_TEST(test_neuron_backward_softmax_ce)
{
  /* z rows: [1,2,3] and [0,-1,-1]; grad_z = softmax(z) - onehot, summed (reduction sum) */
  cJSON *d = post("/neuron/backward",
                  "{\"weights\":[[1,0],[0,1],[1,1]],\"bias\":[0,0,0],\"activation\":\"softmax\","
                  "\"x\":[[1,2],[0,-1]],\"targets\":[2,0],\"loss\":\"cross_entropy\","
                  "\"reduction\":\"sum\"}",
                  200);
  double gz[6], a[6];
  ck_assert_int_eq(flat(get(d, "grad_z"), gz, 6, 0), 6);
  ck_assert_int_eq(flat(get(d, "a"), a, 6, 0), 6);
  for (int i = 0; i < 6; i++) {
    double want = a[i] - ((i == 2 || i == 3) ? 1 : 0);
    ck_assert_msg(fabs(gz[i] - want) <= 4 * 2.3e-16, "grad_z[%d] %.17g vs %.17g", i, gz[i],
                  want);
  }
  cJSON_Delete(d);
  d = post("/neuron/backward",
           "{\"weights\":[1,-1],\"activation\":\"relu\",\"x\":[2,1],\"grad_a\":1}", 200);
  expect_json(get(d, "grad_z"), "1");
  expect_json(get(d, "grad_weights"), "[2,1]");
  expect_json(get(d, "grad_bias"), "1");
  expect_json(get(d, "grad_x"), "[1,-1]");
  ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(d, "loss"));
  cJSON_Delete(d);
}
END_TEST

START_TEST(test_neuron_errors)
{
  expect_problem("/neuron/forward", "{\"weights\":[1,2],\"x\":[1,2,3]}", 422, "/x", "d must agree");
  expect_problem("/neuron/forward", "{\"weights\":[[1,2]],\"bias\":[1,2],\"x\":[1,2]}", 422, "/bias",
                 NULL);
  expect_problem("/neuron/forward", "{\"weights\":[1,2],\"bias\":[1],\"x\":[1,2]}", 422, "/bias",
                 NULL);
  expect_problem("/neuron/forward", "{\"weights\":1,\"x\":[1]}", 422, "/weights", NULL);
  expect_problem("/neuron/forward", "{\"weights\":[1],\"x\":[1],\"grad_a\":1}", 422, "/grad_a",
                 NULL);
  expect_problem("/neuron/backward", "{\"weights\":[1],\"x\":[1]}", 422, NULL, "grad_a");
  expect_problem("/neuron/backward", "{\"weights\":[1],\"x\":[1],\"grad_a\":1,\"targets\":1,"
                                     "\"loss\":\"squared\"}",
                 422, "/targets", "not both");
  expect_problem("/neuron/backward", "{\"weights\":[1],\"x\":[1],\"targets\":1}", 422, "/loss", NULL);
  expect_problem("/neuron/backward",
                 "{\"weights\":[1],\"x\":[1],\"targets\":1,\"loss\":\"hinge\"}", 422, "/loss",
                 "squared");
  expect_problem("/neuron/backward",
                 "{\"weights\":[1],\"activation\":\"relu\",\"x\":[1],\"targets\":1,"
                 "\"loss\":\"cross_entropy\"}",
                 422, "/loss", "sigmoid");
  expect_problem("/neuron/backward",
                 "{\"weights\":[[1],[2]],\"activation\":\"softmax\",\"x\":[[1]],\"targets\":[2],"
                 "\"loss\":\"cross_entropy\"}",
                 422, "/targets/0", "class index");
  expect_problem("/neuron/backward", "{\"weights\":[1],\"x\":[[1],[2]],\"grad_a\":[1]}", 422,
                 "/grad_a", "shape");
  expect_problem("/neuron/backward",
                 "{\"weights\":[1],\"x\":[1],\"targets\":1,\"loss\":\"squared\",\"reduction\":\"avg\"}",
                 422, "/reduction", NULL);
}
END_TEST

/* ================================================================ /loss */

START_TEST(test_loss_routes)
{
  cJSON *d = post("/loss",
                  "{\"loss\": \"softmax_cross_entropy\", \"input\": [[2, 1, 0.1]],"
                  " \"targets\": [0], \"reduction\": \"mean\"}",
                  200);
  mpfr_t s, t;
  double g[3], p[3];
  mpfr_inits2(256, s, t, (mpfr_ptr)0);
  /* loss = log(e^2 + e^1 + e^0.1) - 2 */
  mpfr_set_ui(s, 0, MPFR_RNDN);
  for (int i = 0; i < 3; i++) {
    mpfr_set_d(t, i == 0 ? 2 : i == 1 ? 1 : 0.1, MPFR_RNDN);
    mpfr_exp(t, t, MPFR_RNDN);
    mpfr_add(s, s, t, MPFR_RNDN);
  }
  mpfr_log(s, s, MPFR_RNDN);
  mpfr_sub_ui(s, s, 2, MPFR_RNDN);
  ck_assert(ulp_distance(get(d, "loss")->valuedouble, mpfr_get_d(s, MPFR_RNDN)) <= 4);
  ck_assert_int_eq(flat(get(d, "grad_input"), g, 3, 0), 3);
  ck_assert_int_eq(flat(get(d, "probabilities"), p, 3, 0), 3);
  ck_assert(fabs(g[0] - (p[0] - 1)) < 1e-16 && same_bits(g[1], p[1]) && same_bits(g[2], p[2]));
  expect_json(get(d, "reduction"), "\"mean\"");
  ck_assert_int_eq(cJSON_GetArraySize(get(d, "losses")), 1);
  mpfr_clears(s, t, (mpfr_ptr)0);
  cJSON_Delete(d);

  d = post("/loss", "{\"loss\":\"binary_cross_entropy\",\"input\":[1e-300,0.5],\"targets\":[1,0]}",
           200);
  {
    double l[2];
    ck_assert_int_eq(flat(get(d, "losses"), l, 2, 0), 2);
    ck_assert(ulp_distance(l[0], 690.77552789821368) <= 4); /* -ln(1e-300) */
    ck_assert(ulp_distance(l[1], M_LN2) <= 4);
  }
  cJSON_Delete(d);
  d = post("/loss", "{\"loss\":\"softmax_cross_entropy\",\"input\":[1000,-1000],\"targets\":1}", 200);
  expect_json(get(d, "loss"), "2000");
  expect_json(get(d, "grad_input"), "[1,-1]");
  cJSON_Delete(d);
  d = post("/loss",
           "{\"loss\":\"squared\",\"input\":[[1,2],[3,4]],\"targets\":[[1,1],[1,1]],\"reduction\":\"sum\"}",
           200);
  expect_json(get(d, "losses"), "[0.5,6.5]");
  expect_json(get(d, "loss"), "7");
  expect_json(get(d, "grad_input"), "[[0,1],[2,3]]");
  cJSON_Delete(d);
  expect_problem("/loss", "{\"loss\":\"hinge\",\"input\":[1],\"targets\":[1]}", 422, "/loss",
                 "softmax_cross_entropy");
  expect_problem("/loss", "{\"loss\":\"binary_cross_entropy\",\"input\":[1.5],\"targets\":[1]}", 422,
                 "/input/0", NULL);
  expect_problem("/loss", "{\"loss\":\"squared\",\"input\":[1,2],\"targets\":[1]}", 422, "/targets",
                 NULL);
  expect_problem("/loss", "{\"loss\":\"softmax_cross_entropy\",\"input\":[[1,2]],\"targets\":[5]}",
                 422, "/targets/0", NULL);
}
END_TEST

/* ================================================================ /init */

START_TEST(test_init_routes)
{
  struct resp r1, r2, r3;
  const char *req = "{\"scheme\":\"xavier_uniform\",\"shape\":[4,3],\"seed\":42}";
  cJSON *d;
  double w[12], bound;
  ck_assert_int_eq(http_post_json(&S, "/init", req, &r1), 0);
  ck_assert_int_eq(http_post_json(&S, "/init", req, &r2), 0);
  ck_assert_int_eq(http_post_json(&S, "/init",
                                  "{\"scheme\":\"xavier_uniform\",\"shape\":[4,3],\"seed\":43}",
                                  &r3),
                   0);
  ck_assert_int_eq(r1.status, 200);
  ck_assert_str_eq(r1.body, r2.body); /* same seed, same bytes */
  ck_assert_str_ne(r1.body, r3.body);
  d = cJSON_Parse(r1.body);
  bound = get(d, "bound")->valuedouble;
  ck_assert(ulp_distance(bound, sqrt(6.0 / 7.0)) <= 1);
  ck_assert_int_eq(flat(get(d, "weights"), w, 12, 0), 12);
  ck_assert_int_eq(cJSON_GetArraySize(get(d, "weights")), 4);
  for (int i = 0; i < 12; i++)
    ck_assert(fabs(w[i]) <= bound);
  expect_json(get(d, "shape"), "[4,3]");
  cJSON_Delete(d);
  resp_free(&r1);
  resp_free(&r2);
  resp_free(&r3);

  d = post("/init", "{\"scheme\":\"he_normal\",\"shape\":[5]}", 200);
  ck_assert(ulp_distance(get(d, "std")->valuedouble, sqrt(2.0 / 5)) <= 1);
  ck_assert_int_eq(cJSON_GetArraySize(get(d, "weights")), 5);
  expect_json(get(d, "seed"), "0");
  cJSON_Delete(d);
  d = post("/init", "{\"scheme\":\"uniform\",\"shape\":[2,2],\"low\":-3,\"high\":-2,\"seed\":1}", 200);
  flat(get(d, "weights"), w, 4, 0);
  for (int i = 0; i < 4; i++)
    ck_assert(w[i] >= -3 && w[i] < -2);
  cJSON_Delete(d);
  expect_problem("/init", "{\"scheme\":\"orthogonal\",\"shape\":[2,2]}", 422, "/scheme", "he_uniform");
  expect_problem("/init", "{\"scheme\":\"normal\",\"shape\":[2,0]}", 422, "/shape/1", NULL);
  expect_problem("/init", "{\"scheme\":\"normal\",\"shape\":[2,2,2]}", 422, "/shape", NULL);
  expect_problem("/init", "{\"scheme\":\"normal\",\"shape\":[2],\"low\":1}", 422, "/low", "normal");
  expect_problem("/init", "{\"scheme\":\"uniform\",\"shape\":[2],\"low\":1,\"high\":1}", 422, "/high",
                 NULL);
  expect_problem("/init", "{\"scheme\":\"normal\",\"shape\":[2],\"seed\":-1}", 422, "/seed", NULL);
  expect_problem("/init", "{\"scheme\":\"normal\",\"shape\":[100000,100000]}", 413, "/shape", NULL);
}
END_TEST

/* Every input finite, but a true result beyond the largest double: a 422 that names the
 * output element and points at the input it comes from; never a null in a 200. */
START_TEST(test_overflow_is_named)
{
  enum { N = 20000 };
  char *big = malloc(64 + 3 * N);
  size_t len;
  cJSON *d;

  expect_problem("/activate",
                 "{\"activation\":\"leaky_relu\",\"params\":{\"alpha\":1e308},\"x\":[-10]}", 422,
                 "/x/0", "y[0] overflows");
  expect_problem("/activate",
                 "{\"activation\":\"celu\",\"params\":{\"alpha\":-1.5},\"x\":[1,-1e150],"
                 "\"outputs\":[\"dy_dparams\"]}",
                 422, "/x/1", "dy_dparams.alpha[1] overflows");
  expect_problem("/activate",
                 "{\"activation\":\"celu\",\"params\":{\"alpha\":-1.5},\"x\":[[1,-1e150]]}", 422,
                 "/x/0/1", "y[0][1] overflows");
  expect_problem("/activate", "{\"activation\":\"log_softmax\",\"x\":[[0,0],[-1.7e308,1.7e308]]}",
                 422, "/x/1/0", "y[1][0]");
  /* a large array, written in parts: the element is still found */
  ck_assert_ptr_nonnull(big);
  len = (size_t)sprintf(big, "{\"activation\":\"leaky_relu\",\"params\":{\"alpha\":1e308},\"x\":[");
  for (int i = 0; i < N; i++)
    len += (size_t)sprintf(big + len, i == 0 ? "%d" : ",%d", i == 17001 ? -9 : 1);
  strcpy(big + len, "]}");
  expect_problem("/activate", big, 422, "/x/17001", "y[17001] overflows");
  free(big);

  expect_problem("/neuron/forward", "{\"weights\":[1e308,1e308],\"x\":[1e308,1e308]}", 422, "/x",
                 "z overflows");
  expect_problem("/neuron/forward", "{\"weights\":[1e308,1e308],\"x\":[[1,1],[1e308,1e308]]}", 422,
                 "/x/0", "z[0] overflows");
  expect_problem("/neuron/backward",
                 "{\"weights\":[1e200],\"x\":[1e100],\"targets\":-1e308,\"loss\":\"squared\"}", 422,
                 NULL, "loss overflows");
  expect_problem("/neuron/backward", "{\"weights\":[1e200],\"x\":[1e100],\"grad_a\":1e300}", 422,
                 NULL, "grad_weights[0] overflows");
  expect_problem("/loss", "{\"loss\":\"squared\",\"input\":[1,1e308],\"targets\":[1,-1e308]}", 422,
                 "/input/1", "losses[1] overflows");
  expect_problem("/loss",
                 "{\"loss\":\"squared\",\"input\":[[1,1],[1e308,1]],\"targets\":[[1,1],[-1e308,1]]}",
                 422, "/input/1", "losses[1] overflows");
  expect_problem("/init",
                 "{\"scheme\":\"normal\",\"mean\":1e308,\"std\":1e308,\"shape\":[2,2],\"seed\":1}",
                 422, NULL, "overflows");
  /* right below the edge: finite, written */
  d = post("/activate",
           "{\"activation\":\"leaky_relu\",\"params\":{\"alpha\":1e307},\"x\":[-10]}", 200);
  ck_assert(get(d, "y")->child->valuedouble == -1e308);
  cJSON_Delete(d);
}
END_TEST

/* A probability row that does not sum to 1 is taken as given: the exact gradient of
 * L = -sum r log softmax(z), (sum r) softmax(z) - r. */
START_TEST(test_softmax_ce_row_taken_as_given)
{
  double g[2], p[2], e = exp(1.0), R = 0.5 + 0.6;
  cJSON *d = post("/loss",
                  "{\"loss\":\"softmax_cross_entropy\",\"input\":[[1,2]],\"targets\":[[0.5,0.6]]}",
                  200);
  ck_assert_int_eq(flat(get(d, "grad_input"), g, 2, 0), 2);
  ck_assert_int_eq(flat(get(d, "probabilities"), p, 2, 0), 2);
  ck_assert(fabs(p[0] - 1 / (1 + e)) <= 1e-16 && fabs(p[1] - e / (1 + e)) <= 1e-16);
  ck_assert_msg(fabs(g[0] - (R / (1 + e) - 0.5)) <= 1e-15, "grad %.17g", g[0]);
  ck_assert_msg(fabs(g[1] - (R * e / (1 + e) - 0.6)) <= 1e-15, "grad %.17g", g[1]);
  cJSON_Delete(d);
}
END_TEST

/* Replies over 32 MiB (by their reserved size) write into the buffer the last one was
 * sent from: a shorter reply after a longer one is whole and holds nothing of it. */
START_TEST(test_large_replies_in_turn)
{
  enum { N = 480000 }; /* y, dy_dx and d2y_dx2: some 36 MB reserved */
  char *body = malloc((size_t)N * 6 + 128);
  ck_assert_ptr_nonnull(body);
  for (int round = 0; round < 3; round++) {
    struct resp r;
    cJSON *d;
    size_t len = (size_t)sprintf(body, "{\"activation\":\"relu\",\"outputs\":[\"y\",\"dy_dx\","
                                       "\"d2y_dx2\"],\"x\":[");
    /* rounds 0 and 2: x in [-100, 100]; round 1: x <= 0, all outputs 0 (shorter) */
    for (size_t i = 0; i < N; i++) {
      int x = round == 1 ? -(int)(i % 7) : (int)((i * (size_t)(round + 1)) % 201) - 100;
      len += (size_t)sprintf(body + len, i > 0 ? ",%d" : "%d", x);
    }
    strcpy(body + len, "]}");
    ck_assert_int_eq(http_post_json(&S, "/activate", body, &r), 0);
    ck_assert_int_eq(r.status, 200);
    d = cJSON_ParseWithLengthOpts(r.body, r.len + 1, NULL, 1);
    ck_assert_msg(d != NULL, "round %d: the reply is not JSON", round);
    {
      const cJSON *y = get(d, "y")->child, *dy = get(d, "dy_dx")->child,
                  *d2 = get(d, "d2y_dx2")->child;
      size_t i = 0;
      for (; y != NULL && dy != NULL && d2 != NULL;
           i++, y = y->next, dy = dy->next, d2 = d2->next) {
        int x = round == 1 ? -(int)(i % 7) : (int)((i * (size_t)(round + 1)) % 201) - 100;
        ck_assert_msg(y->valuedouble == (x > 0 ? x : 0) && dy->valuedouble == (x > 0) &&
                          d2->valuedouble == 0,
                      "round %d, element %zu", round, i);
      }
      ck_assert_uint_eq(i, N);
      ck_assert(y == NULL && dy == NULL && d2 == NULL);
    }
    cJSON_Delete(d);
    resp_free(&r);
  }
  free(body);
}
END_TEST

static Suite *api_suite(void)
{
  Suite *s = suite_create("http_api");
  TCase *tc = tcase_create("api");
  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_activate_contract_example);
  tcase_add_test(tc, test_large_arrays_in_parts);
  tcase_add_test(tc, test_large_rows_in_parts);
  tcase_add_test(tc, test_large_layer_split_is_whole);
  tcase_add_test(tc, test_large_replies_in_turn);
  tcase_add_test(tc, test_activate_contract_values);
  tcase_add_test(tc, test_activate_every_row_bits);
  tcase_add_test(tc, test_activate_shapes_and_aliases);
  tcase_add_test(tc, test_activate_params_and_dparams);
  tcase_add_test(tc, test_activate_vector);
  tcase_add_test(tc, test_activate_errors);
  tcase_add_test(tc, test_activate_number_form);
  tcase_add_test(tc, test_neuron_forward_contract);
  tcase_add_test(tc, test_neuron_backward_squared);
  tcase_add_test(tc, test_neuron_backward_softmax_ce);
  tcase_add_test(tc, test_neuron_errors);
  tcase_add_test(tc, test_loss_routes);
  tcase_add_test(tc, test_init_routes);
  tcase_add_test(tc, test_overflow_is_named);
  tcase_add_test(tc, test_softmax_ce_row_taken_as_given);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(api_suite)
