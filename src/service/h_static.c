/*
 * h_static.c: GET of the files built into the binary (embed.h): the playground at /,
 * the API reference at /docs, the OpenAPI document at /openapi.yaml and /openapi.json,
 * and their scripts and styles under /static/.
 */
#include "service/embed.h"
#include "service/routes.h"

void h_static_get(struct hctx *c)
{
  const struct embed_file *f = embed_find(c->path);
  if (f == NULL) {
    problem(c, 404, NULL, "no such file: %s", c->path);
    return;
  }
  reply_bytes(c, 200, f->type, f->start, (size_t)(f->end - f->start));
}

/* end of h_static.c */
