/*
 * check_web.c: the GET routes for people, against the real build/neurond: the
 * playground and /docs with their files (served from the binary, right types, nothing
 * that points off the server), /openapi.json as the same document as /openapi.yaml,
 * and /plot.svg: its drawing (one line per output, the engine's values) and every bad
 * query value as a problem naming the parameter.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

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

static void get_ok(const char *path, const char *type, struct resp *r)
{
  ck_assert_int_eq(http_get(&S, path, r), 0);
  ck_assert_msg(r->status == 200, "GET %s: %ld %s", path, r->status, r->body);
  ck_assert_msg(strcmp(r->ctype, type) == 0, "GET %s: type %s, want %s", path, r->ctype, type);
}

static size_t count(const char *s, const char *needle)
{
  size_t n = 0;
  for (const char *p = strstr(s, needle); p != NULL; p = strstr(p + 1, needle))
    n++;
  return n;
}

START_TEST(test_pages_and_files)
{
  static const struct {
    const char *path, *type, *contains;
  } files[] = {
    {"/", "text/html; charset=utf-8", "/static/playground.js"},
    {"/docs", "text/html; charset=utf-8", "/static/swagger-ui-bundle.js"},
    {"/static/playground.js", "text/javascript; charset=utf-8", "/network/backward"},
    {"/static/playground.css", "text/css; charset=utf-8", ".panel"},
    {"/static/docs.js", "text/javascript; charset=utf-8", "/openapi.json"},
    {"/static/uPlot.iife.min.js", "text/javascript; charset=utf-8", "uPlot"},
    {"/static/uPlot.min.css", "text/css; charset=utf-8", ".uplot"},
    {"/static/swagger-ui-bundle.js", "text/javascript; charset=utf-8", "SwaggerUIBundle"},
    {"/static/swagger-ui.css", "text/css; charset=utf-8", ".swagger-ui"},
  };
  struct resp r;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    get_ok(files[i].path, files[i].type, &r);
    ck_assert_msg(strstr(r.body, files[i].contains) != NULL, "%s lacks %s", files[i].path,
                  files[i].contains);
    if (strstr(files[i].type, "html") != NULL) /* every script and style from this server */
      ck_assert_msg(strstr(r.body, "src=\"http") == NULL && strstr(r.body, "href=\"http") == NULL,
                    "%s loads something from elsewhere", files[i].path);
    resp_free(&r);
  }
  ck_assert_int_eq(http_get(&S, "/static/nothing.js", &r), 0);
  ck_assert_int_eq(r.status, 404);
  ck_assert_str_eq(r.ctype, "application/problem+json");
  resp_free(&r);
  ck_assert_int_eq(http_post_json(&S, "/", "{}", &r), 0);
  ck_assert_int_eq(r.status, 405);
  ck_assert_str_eq(r.allow, "GET, HEAD");
  resp_free(&r);
  for (const char *const *p = (const char *const[]){"/", "/docs", "/openapi.json", "/plot.svg?activation=relu",
                                                   "/static/uPlot.min.css", NULL};
       *p != NULL; p++) {
    ck_assert_int_eq(http_req(&S, "HEAD", *p, NULL, NULL, 0, &r), 0);
    ck_assert_msg(r.status == 200 && r.len == 0, "HEAD %s: %ld", *p, r.status);
    resp_free(&r);
  }
}
END_TEST

/* /openapi.json is openapi.yaml: the same paths with the same methods, the same
 * schemas, and the values a YAML reader must type (integers, quoted strings). */
START_TEST(test_openapi_json_is_the_yaml)
{
  struct resp r;
  cJSON *d;
  const cJSON *paths, *schemas;
  FILE *f = fopen("openapi.yaml", "r");
  char line[4096];
  size_t npaths = 0, nschemas = 0;
  int in_schemas = 0;

  get_ok("/openapi.json", "application/json", &r);
  d = cJSON_Parse(r.body);
  ck_assert_ptr_nonnull(d);
  paths = cJSON_GetObjectItemCaseSensitive(d, "paths");
  schemas = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "components"),
                                             "schemas");
  ck_assert_ptr_nonnull(f);
  while (fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "  /", 3) == 0) { /* a path: in the JSON, with each method */
      const cJSON *item;
      line[strlen(line) - 1] = '\0';
      item = cJSON_GetObjectItemCaseSensitive(paths, line + 2);
      ck_assert_msg(item != NULL, "%s missing from /openapi.json", line + 2);
      npaths++;
    }
    if (strcmp(line, "  schemas:") == 0)
      in_schemas = 1;
    else if (in_schemas && line[0] != '\0' && strncmp(line, "    ", 4) != 0)
      in_schemas = 0;
    if (in_schemas && strncmp(line, "    ", 4) == 0 && line[4] != ' ' && strchr(line, ':')) {
      *strchr(line, ':') = '\0';
      ck_assert_msg(cJSON_GetObjectItemCaseSensitive(schemas, line + 4) != NULL,
                    "schema %s missing", line + 4);
      nschemas++;
    }
  }
  fclose(f);
  ck_assert_int_eq(cJSON_GetArraySize(paths), (int)npaths);
  ck_assert_int_eq(cJSON_GetArraySize(schemas), (int)nschemas);
  /* typed as YAML says: an integer, a quoted status code, a flow-style example */
  {
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(schemas, "InitRequest"),
                                         "properties"), "seed"), "maximum");
    const cJSON *post = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(paths, "/activate"), "post");
    ck_assert(cJSON_IsNumber(seed) && seed->valuedouble == 9007199254740991.0);
    ck_assert(cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(post, "responses"), "422") != NULL);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(d, "openapi")->valuestring, "3.1.0");
  }
  cJSON_Delete(d);
  resp_free(&r);
}
END_TEST

/* The y of the drawing: the polyline's points map back to the engine's values. */
START_TEST(test_plot_svg_draws_the_engine_values)
{
  struct resp r;
  const char *pl;
  get_ok("/plot.svg?activation=gelu&approximate=tanh&outputs=y,dy_dx,d2y_dx2&from=-5&to=5&points=401",
         "image/svg+xml", &r);
  ck_assert(strncmp(r.body, "<?xml", 5) == 0);
  ck_assert(strstr(r.body, "</svg>\n") != NULL);
  ck_assert_uint_eq(count(r.body, "<polyline"), 3);
  ck_assert(strstr(r.body, "<title>gelu (approximate=tanh) on [-5, 5]</title>") != NULL);
  ck_assert(strstr(r.body, ">dy/dx</text>") != NULL);
  /* 401 points in the first line */
  pl = strstr(r.body, "points=\"");
  ck_assert_ptr_nonnull(pl);
  {
    const char *end = strchr(pl + 8, '"');
    size_t pts = 1;
    for (const char *p = pl + 8; p < end; p++)
      pts += *p == ' ';
    ck_assert_uint_eq(pts, 401);
  }
  resp_free(&r);
  /* the one line of y maps back to the engine's values: the frame is 64 + 640 wide
   * and 40 + 336 high in a 720 x 420 drawing, y spans [min, max] padded by 5% */
  get_ok("/plot.svg?activation=gelu&outputs=y&from=-4&to=3&points=101", "image/svg+xml", &r);
  {
    const struct eng_activation *a = eng_activation_lookup("gelu");
    double p[ENG_MAX_PARAMS], x[101], y[101], lo = INFINITY, hi = -INFINITY, pad;
    struct eng_act_out o = {0};
    const char *q = strstr(r.body, "points=\"") + 8;
    eng_params_default(a, p);
    for (int i = 0; i < 101; i++)
      x[i] = i == 100 ? 3 : -4 + 7 * ((double)i / 100);
    o.y = y;
    ck_assert_int_eq(eng_activate(a, p, x, 101, 1, &o), ENG_OK);
    for (int i = 0; i < 101; i++)
      lo = fmin(lo, y[i]), hi = fmax(hi, y[i]);
    pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
    for (int i = 0; i < 101; i++) {
      double px, py;
      int used;
      ck_assert_int_eq(sscanf(q, "%lf,%lf%n", &px, &py, &used), 2);
      q += used + 1;
      ck_assert_msg(fabs(px - (64 + (x[i] + 4) / 7 * 640)) < 0.006, "x of point %d: %g", i, px);
      ck_assert_msg(fabs(py - (40 + (hi - y[i]) / (hi - lo) * 336)) < 0.006,
                    "y of point %d: %g, want %g", i, py, 40 + (hi - y[i]) / (hi - lo) * 336);
    }
  }
  resp_free(&r);
  /* parameters by name, dy_dparams, a one-line plot */
  get_ok("/plot.svg?activation=leaky_relu&alpha=0.2&outputs=y,dy_dparams&from=-2&to=2&points=5",
         "image/svg+xml", &r);
  ck_assert_uint_eq(count(r.body, "<polyline"), 2);
  ck_assert(strstr(r.body, "dy/dalpha") != NULL);
  ck_assert(strstr(r.body, "leaky_relu (alpha=0.2)") != NULL);
  resp_free(&r);
  /* an alias, defaults, width and height */
  get_ok("/plot.svg?activation=silu&width=300&height=200", "image/svg+xml", &r);
  ck_assert(strstr(r.body, "width=\"300\" height=\"200\"") != NULL);
  ck_assert_uint_eq(count(r.body, "<polyline"), 2);
  resp_free(&r);
}
END_TEST

START_TEST(test_plot_svg_errors)
{
  static const struct {
    const char *path;
    long status;
    const char *pointer, *detail;
  } cases[] = {
    {"/plot.svg", 422, "/activation", "required"},
    {"/plot.svg?activation=swishy", 422, "/activation", "valid names"},
    {"/plot.svg?activation=softmax", 422, "/activation", "element-wise"},
    {"/plot.svg?activation=relu&from=x", 422, "/from", "finite number"},
    {"/plot.svg?activation=relu&from=1e999", 422, "/from", "finite number"},
    {"/plot.svg?activation=relu&from=2&to=1", 422, "/to", "greater than from"},
    {"/plot.svg?activation=relu&points=1", 422, "/points", "[2, 10001]"},
    {"/plot.svg?activation=relu&points=10002", 422, "/points", "[2, 10001]"},
    {"/plot.svg?activation=relu&points=2.5", 422, "/points", "integer"},
    {"/plot.svg?activation=relu&width=10", 422, "/width", NULL},
    {"/plot.svg?activation=relu&outputs=y,jacobian", 422, "/outputs", "jacobian"},
    {"/plot.svg?activation=relu&outputs=dy_dparams", 422, "/outputs", "no differentiable"},
    {"/plot.svg?activation=relu&alpha=1", 422, "/alpha", "unknown query parameter"},
    {"/plot.svg?activation=elu&alpha=x", 422, "/alpha", "finite number"},
    {"/plot.svg?activation=softplus&beta=-1", 422, "/beta", "beta must be"},
    {"/plot.svg?activation=gelu&approximate=erf", 422, "/approximate", "one of"},
    {"/plot.svg?activation=relu&from=1&from=2", 422, "/from", "twice"},
    /* libmicrohttpd keeps an escape it cannot read as it is: the value is then no number */
    {"/plot.svg?activation=relu&from=%zz", 422, "/from", "finite number"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct resp r;
    cJSON *d;
    const cJSON *ptr, *det;
    ck_assert_int_eq(http_get(&S, cases[i].path, &r), 0);
    ck_assert_msg(r.status == cases[i].status, "%s: %ld, want %ld: %s", cases[i].path, r.status,
                  cases[i].status, r.body);
    ck_assert_str_eq(r.ctype, "application/problem+json");
    d = cJSON_Parse(r.body);
    ck_assert_ptr_nonnull(d);
    ptr = cJSON_GetObjectItemCaseSensitive(d, "pointer");
    det = cJSON_GetObjectItemCaseSensitive(d, "detail");
    if (cases[i].pointer != NULL)
      ck_assert_msg(cJSON_IsString(ptr) && strcmp(ptr->valuestring, cases[i].pointer) == 0,
                    "%s: pointer %s", cases[i].path, r.body);
    if (cases[i].detail != NULL)
      ck_assert_msg(strstr(det->valuestring, cases[i].detail) != NULL, "%s: %s", cases[i].path,
                    det->valuestring);
    cJSON_Delete(d);
    resp_free(&r);
  }
}
END_TEST

static Suite *web_suite(void)
{
  Suite *s = suite_create("web");
  TCase *tc = tcase_create("web");
  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_pages_and_files);
  tcase_add_test(tc, test_openapi_json_is_the_yaml);
  tcase_add_test(tc, test_plot_svg_draws_the_engine_values);
  tcase_add_test(tc, test_plot_svg_errors);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(web_suite)
