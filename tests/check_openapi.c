/*
 * check_openapi.c: openapi.yaml against the engine's tables and the real server.
 *
 * The activation enum is exactly the table's names and aliases, the loss and scheme
 * enums exactly the engine's; every request example of a POST route is sent to
 * build/neurond and must answer 200 with every field its response schema requires and
 * no field the schema does not list. The document is read with a line parser that
 * knows its layout (two-space indents, flow-style enums and examples).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "engine.h"
#include "lib/server.h"
#include "testutil.h"

#define MAX_LINES 16384

static char *lines[MAX_LINES];
static size_t nlines;

static void load(void)
{
  const char *path = getenv("NEUROND_OPENAPI") != NULL ? getenv("NEUROND_OPENAPI") : "openapi.yaml";
  FILE *f = fopen(path, "r");
  char buf[4096];
  ck_assert_msg(f != NULL, "cannot open %s", path);
  nlines = 0;
  while (fgets(buf, sizeof buf, f) != NULL && nlines < MAX_LINES) {
    buf[strcspn(buf, "\n")] = '\0';
    lines[nlines++] = strdup(buf);
  }
  fclose(f);
}

static void unload(void)
{
  for (size_t i = 0; i < nlines; i++)
    free(lines[i]);
  nlines = 0;
}

static size_t indent(const char *s)
{
  size_t n = 0;
  while (s[n] == ' ')
    n++;
  return n;
}

/* The line index of "<indent spaces>key:" at or after `from`, or nlines. */
static size_t find_key(size_t from, size_t ind, const char *key)
{
  size_t kl = strlen(key);
  for (size_t i = from; i < nlines; i++)
    if (indent(lines[i]) == ind && strncmp(lines[i] + ind, key, kl) == 0 &&
        lines[i][ind + kl] == ':')
      return i;
  return nlines;
}

/* The items of a flow list "[a, b, c]" after "key:" in the block of the schema. */
static size_t flow_list(const char *line, char items[][48], size_t cap)
{
  const char *p = strchr(line, '[');
  size_t n = 0;
  ck_assert_ptr_nonnull(p);
  p++;
  while (*p != '\0' && *p != ']' && n < cap) {
    size_t len;
    while (*p == ' ' || *p == ',')
      p++;
    len = strcspn(p, ",]");
    while (len > 0 && p[len - 1] == ' ')
      len--;
    ck_assert(len < 48);
    memcpy(items[n], p, len);
    items[n][len] = '\0';
    n++;
    p += strcspn(p, ",]");
  }
  return n;
}

/* The enum of the schema `name` (or of its property `prop` when not NULL). */
static size_t schema_enum(const char *name, const char *prop, char items[][48], size_t cap)
{
  size_t s = find_key(find_key(0, 0, "components"), 4, name), end, e;
  ck_assert_msg(s < nlines, "no schema %s", name);
  for (end = s + 1; end < nlines && indent(lines[end]) > 4; end++)
    ;
  if (prop != NULL)
    s = find_key(s, 8, prop);
  e = s;
  while (e < end && strstr(lines[e], "enum: [") == NULL)
    e++;
  ck_assert_msg(e < end, "no enum in %s %s", name, prop ? prop : "");
  return flow_list(lines[e], items, cap);
}

static int in_list(char items[][48], size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(items[i], s) == 0)
      return 1;
  return 0;
}

START_TEST(test_enums_match_engine)
{
  static char items[128][48];
  size_t n, count = 0;
  load();
  n = schema_enum("ActivationName", NULL, items, 128);
  for (size_t i = 0; i < eng_activation_count(); i++) {
    const struct eng_activation *a = eng_activation_at(i);
    ck_assert_msg(in_list(items, n, a->name), "%s missing from the enum", a->name);
    count++;
    for (size_t j = 0; a->aliases[j] != NULL; j++, count++)
      ck_assert_msg(in_list(items, n, a->aliases[j]), "alias %s missing", a->aliases[j]);
  }
  ck_assert_uint_eq(n, count); /* and nothing else */

  n = schema_enum("LossRequest", "loss", items, 128);
  ck_assert_uint_eq(n, ENG_LOSS__COUNT);
  for (int l = 0; l < ENG_LOSS__COUNT; l++)
    ck_assert(in_list(items, n, eng_loss_name((enum eng_loss)l)));
  n = schema_enum("InitRequest", "scheme", items, 128);
  count = ENG_INIT__COUNT;
  for (int s = 0; s < ENG_INIT__COUNT; s++)
    ck_assert(in_list(items, n, eng_init_name((enum eng_init_scheme)s)));
  for (size_t a = 0; eng_init_alias(a, NULL) != NULL; a++, count++)
    ck_assert_msg(in_list(items, n, eng_init_alias(a, NULL)), "scheme alias %s missing",
                  eng_init_alias(a, NULL));
  ck_assert_uint_eq(n, count); /* names and aliases, nothing else */
  /* the gelu choices of Params */
  n = schema_enum("Params", NULL, items, 128);
  {
    const struct eng_activation *g = eng_activation_lookup("gelu");
    for (size_t i = 0; g->params[0].choices[i] != NULL; i++)
      ck_assert(in_list(items, n, g->params[0].choices[i]));
  }
  unload();
}
END_TEST

/* Required and listed properties of a schema. */
static void schema_fields(const char *name, char req[][48], size_t *nreq, char props[][48],
                          size_t *nprops)
{
  size_t s = find_key(find_key(0, 0, "components"), 4, name), i;
  ck_assert_msg(s < nlines, "no schema %s", name);
  *nreq = 0;
  *nprops = 0;
  for (i = s + 1; i < nlines && indent(lines[i]) > 4; i++) {
    if (indent(lines[i]) == 6 && strncmp(lines[i] + 6, "required: [", 11) == 0)
      *nreq = flow_list(lines[i], req, 32);
    if (indent(lines[i]) == 6 && strcmp(lines[i] + 6, "properties:") == 0) {
      for (size_t j = i + 1; j < nlines && indent(lines[j]) >= 8; j++)
        if (indent(lines[j]) == 8) {
          size_t len = strcspn(lines[j] + 8, ":");
          ck_assert(len < 48 && *nprops < 32);
          memcpy(props[*nprops], lines[j] + 8, len);
          props[*nprops][len] = '\0';
          (*nprops)++;
        }
    }
  }
}

START_TEST(test_examples_are_real_requests)
{
  struct srv srv;
  static const char *const quiet[] = {"--no-access-log", NULL};
  const char *path = NULL;
  char schema[64] = "", example[64] = "";
  size_t sent = 0;
  load();
  ck_assert_int_eq(srv_start(&srv, quiet), 0);
  for (size_t i = 0; i < nlines; i++) {
    const char *l = lines[i];
    if (indent(l) == 2 && l[2] == '/') {
      path = l + 2;
      schema[0] = '\0';
      /* the 200 response's schema of this path */
      for (size_t j = i + 1; j < nlines && !(indent(lines[j]) == 2 && lines[j][2] == '/'); j++) {
        if (strstr(lines[j], "'200':") != NULL) {
          for (size_t k = j + 1; k < nlines && k < j + 24; k++) {
            const char *ref = strstr(lines[k], "#/components/schemas/");
            if (ref != NULL) {
              size_t len = strcspn(ref + 21, "'\"");
              memcpy(schema, ref + 21, len);
              schema[len] = '\0';
              break;
            }
          }
          break;
        }
      }
      continue;
    }
    if (path != NULL && indent(l) == 14 && l[strlen(l) - 1] == ':') {
      size_t len = strcspn(l + 14, ":");
      if (len < sizeof example) {
        memcpy(example, l + 14, len);
        example[len] = '\0';
      }
    }
    if (path != NULL && indent(l) >= 16 && strncmp(l + indent(l), "value: {", 8) == 0) {
      char p[256], req[32][48], props[32][48];
      size_t nreq, nprops, pk = 0;
      const char *json = l + indent(l) + 7;
      struct resp r;
      cJSON *d;
      size_t plen = strcspn(path, ":");
      /* a path's {model} is the example's name; {version} is 1 */
      for (size_t j = 0; j < plen && pk + 64 < sizeof p; j++) {
        if (strncmp(path + j, "{model}", 7) == 0) {
          pk += (size_t)snprintf(p + pk, sizeof p - pk, "%s", example);
          j += 6;
        } else if (strncmp(path + j, "{version}", 9) == 0) {
          p[pk++] = '1';
          j += 8;
        } else {
          p[pk++] = path[j];
        }
      }
      p[pk] = '\0';
      ck_assert_msg(schema[0] != '\0', "%s: no 200 schema", p);
      schema_fields(schema, req, &nreq, props, &nprops);
      ck_assert_int_eq(http_post_json(&srv, p, json, &r), 0);
      ck_assert_msg(r.status == 200, "example for %s: %ld %s", p, r.status, r.body);
      d = cJSON_Parse(r.body);
      ck_assert_ptr_nonnull(d);
      for (size_t k = 0; k < nreq; k++)
        ck_assert_msg(cJSON_GetObjectItemCaseSensitive(d, req[k]) != NULL,
                      "%s: %s lacks required %s", p, json, req[k]);
      for (const cJSON *it = d->child; it != NULL; it = it->next)
        ck_assert_msg(in_list(props, nprops, it->string), "%s answers %s, not in %s", p,
                      it->string, schema);
      cJSON_Delete(d);
      resp_free(&r);
      sent++;
    }
  }
  ck_assert_int_eq(srv_stop(&srv), 0);
  ck_assert_msg(sent >= 10, "only %zu examples found", sent);
  printf("openapi: %zu request examples sent, all answered as their schemas say\n", sent);
  unload();
}
END_TEST

static Suite *openapi_suite(void)
{
  Suite *s = suite_create("openapi");
  TCase *tc = tcase_create("spec");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_enums_match_engine);
  tcase_add_test(tc, test_examples_are_real_requests);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(openapi_suite)
