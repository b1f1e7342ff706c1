/*
 * yaml2json.c: a build tool: reads a YAML document (openapi.yaml) with libyaml and
 * writes the same document as JSON on stdout, so that GET /openapi.json serves what
 * GET /openapi.yaml says, converted once at build time (the server needs no YAML
 * library at run time).
 *
 * Plain scalars are resolved as YAML 1.2's core schema says: null, booleans, integers
 * and floats; every other scalar (quoted, block, or plain text) is a string. Mapping
 * keys are strings. Aliases are followed. Exit 1 with a message on a YAML error.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

static void put_string(const char *s, size_t n)
{
  putchar('"');
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    switch (ch) {
    case '"': fputs("\\\"", stdout); break;
    case '\\': fputs("\\\\", stdout); break;
    case '\n': fputs("\\n", stdout); break;
    case '\r': fputs("\\r", stdout); break;
    case '\t': fputs("\\t", stdout); break;
    default:
      if (ch < 0x20)
        printf("\\u%04x", ch);
      else
        putchar(ch);
    }
  }
  putchar('"');
}

static int matches(const char *s, const char *const *words)
{
  for (size_t i = 0; words[i] != NULL; i++)
    if (strcmp(s, words[i]) == 0)
      return 1;
  return 0;
}

/* A JSON number token: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int json_number(const char *s)
{
  if (*s == '-')
    s++;
  if (*s == '0')
    s++;
  else if (isdigit((unsigned char)*s))
    while (isdigit((unsigned char)*s))
      s++;
  else
    return 0;
  if (*s == '.') {
    s++;
    if (!isdigit((unsigned char)*s))
      return 0;
    while (isdigit((unsigned char)*s))
      s++;
  }
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-')
      s++;
    if (!isdigit((unsigned char)*s))
      return 0;
    while (isdigit((unsigned char)*s))
      s++;
  }
  return *s == '\0';
}

/* YAML 1.2 core schema numbers: [-+]?[0-9]+ and [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int yaml_number(const char *s)
{
  int digits = 0;
  if (*s == '-' || *s == '+')
    s++;
  while (isdigit((unsigned char)*s))
    s++, digits++;
  if (*s == '.') {
    s++;
    while (isdigit((unsigned char)*s))
      s++, digits++;
  }
  if (digits == 0)
    return 0;
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-')
      s++;
    if (!isdigit((unsigned char)*s))
      return 0;
    while (isdigit((unsigned char)*s))
      s++;
  }
  return *s == '\0';
}

static void put_scalar(const yaml_node_t *n)
{
  static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
  static const char *const trues[] = {"true", "True", "TRUE", NULL};
  static const char *const falses[] = {"false", "False", "FALSE", NULL};
  const char *s = (const char *)n->data.scalar.value;
  size_t len = n->data.scalar.length;

  if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || strlen(s) != len) {
    put_string(s, len);
  } else if (matches(s, nulls)) {
    fputs("null", stdout);
  } else if (matches(s, trues)) {
    fputs("true", stdout);
  } else if (matches(s, falses)) {
    fputs("false", stdout);
  } else if (json_number(s)) {
    fputs(s, stdout);
  } else if (yaml_number(s)) {
    printf("%.17g", strtod(s, NULL)); /* +1, .5, 1.: the same value as JSON */
  } else {
    put_string(s, len);
  }
}

static void put_node(yaml_document_t *doc, const yaml_node_t *n)
{
  switch (n->type) {
  case YAML_SCALAR_NODE:
    put_scalar(n);
    break;
  case YAML_SEQUENCE_NODE:
    putchar('[');
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
      if (it != n->data.sequence.items.start)
        putchar(',');
      put_node(doc, yaml_document_get_node(doc, *it));
    }
    putchar(']');
    break;
  case YAML_MAPPING_NODE:
    putchar('{');
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
         p++) {
      const yaml_node_t *k = yaml_document_get_node(doc, p->key);
      if (p != n->data.mapping.pairs.start)
        putchar(',');
      if (k->type == YAML_SCALAR_NODE)
        put_string((const char *)k->data.scalar.value, k->data.scalar.length);
      else
        put_string("", 0);
      putchar(':');
      put_node(doc, yaml_document_get_node(doc, p->value));
    }
    putchar('}');
    break;
  case YAML_NO_NODE:
    fputs("null", stdout);
    break;
  }
}

int main(int argc, char **argv)
{
  yaml_parser_t parser;
  yaml_document_t doc;
  FILE *f;
  const yaml_node_t *root;

  if (argc != 2) {
    fprintf(stderr, "usage: yaml2json FILE.yaml > FILE.json\n");
    return 2;
  }
  f = fopen(argv[1], "rb");
  if (f == NULL) {
    perror(argv[1]);
    return 1;
  }
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_file(&parser, f);
  if (!yaml_parser_load(&parser, &doc)) {
    fprintf(stderr, "%s:%zu:%zu: %s\n", argv[1], parser.problem_mark.line + 1,
            parser.problem_mark.column + 1, parser.problem != NULL ? parser.problem : "error");
    yaml_parser_delete(&parser);
    fclose(f);
    return 1;
  }
  root = yaml_document_get_root_node(&doc);
  if (root != NULL)
    put_node(&doc, root);
  else
    fputs("null", stdout);
  putchar('\n');
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  fclose(f);
  return 0;
}
