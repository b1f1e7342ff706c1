/*
 * embed.h: files built into the binary (the playground, the docs page and their
 * scripts, the vendored libraries, the OpenAPI document as YAML and as JSON), served
 * by GET as they are: the server needs no files at run time.
 */
#ifndef NEUROND_SERVICE_EMBED_H
#define NEUROND_SERVICE_EMBED_H

#include <stddef.h>

struct embed_file {
  const char *path;   /* the URL path it is served at: "/", "/static/uPlot.min.css" */
  const char *type;   /* its Content-Type */
  const char *start;  /* its bytes, in the binary's read-only data */
  const char *end;
};

/* The file served at path, or NULL. */
const struct embed_file *embed_find(const char *path);
/* The table, ended by a row whose path is NULL. */
extern const struct embed_file embed_files[];

#endif /* NEUROND_SERVICE_EMBED_H */
