/*
 * embed.c: the table of files built into the binary (embed.h). Each row names the URL
 * path, the Content-Type and the file; the assembler's .incbin copies the file's bytes
 * into the object at build time (the Makefile rebuilds this object when one of them
 * changes, and names the generated copies of the OpenAPI document).
 */
#include <string.h>

#include "service/embed.h"

#ifndef NEUROND_OPENAPI_PATH
#define NEUROND_OPENAPI_PATH "openapi.yaml"
#endif
#ifndef NEUROND_OPENAPI_JSON_PATH
#define NEUROND_OPENAPI_JSON_PATH "openapi.json"
#endif

#define HTML "text/html; charset=utf-8"
#define JS "text/javascript; charset=utf-8"
#define CSS "text/css; charset=utf-8"

/* id, URL path, Content-Type, file (relative to the directory make runs in). */
#define EMBED_MAP(X)                                                                   \
  X(index_html, "/", HTML, "web/index.html")                                           \
  X(docs_html, "/docs", HTML, "web/docs.html")                                         \
  X(openapi_yaml, "/openapi.yaml", "application/yaml", NEUROND_OPENAPI_PATH)           \
  X(openapi_json, "/openapi.json", "application/json", NEUROND_OPENAPI_JSON_PATH)      \
  X(playground_js, "/static/playground.js", JS, "web/playground.js")                   \
  X(playground_css, "/static/playground.css", CSS, "web/playground.css")               \
  X(docs_js, "/static/docs.js", JS, "web/docs.js")                                     \
  X(uplot_js, "/static/uPlot.iife.min.js", JS, "web/vendor/uplot/uPlot.iife.min.js")   \
  X(uplot_css, "/static/uPlot.min.css", CSS, "web/vendor/uplot/uPlot.min.css")         \
  X(swagger_js, "/static/swagger-ui-bundle.js", JS,                                    \
    "web/vendor/swagger-ui/swagger-ui-bundle.js")                                      \
  X(swagger_css, "/static/swagger-ui.css", CSS, "web/vendor/swagger-ui/swagger-ui.css")

/* Each file between two symbols of its own, NUL-terminated (the NUL is not served). */
#define EMBED_ASM(id, path, type, file)                                                \
  __asm__(".pushsection .rodata\n"                                                     \
          ".globl neurond_embed_" #id "_start\n"                                       \
          ".hidden neurond_embed_" #id "_start\n"                                      \
          ".globl neurond_embed_" #id "_end\n"                                         \
          ".hidden neurond_embed_" #id "_end\n"                                        \
          "neurond_embed_" #id "_start:\n"                                             \
          ".incbin \"" file "\"\n"                                                     \
          "neurond_embed_" #id "_end:\n"                                               \
          ".byte 0\n"                                                                  \
          ".popsection\n");                                                            \
  extern const char neurond_embed_##id##_start[];                                      \
  extern const char neurond_embed_##id##_end[];
EMBED_MAP(EMBED_ASM)
#undef EMBED_ASM

const struct embed_file embed_files[] = {
#define EMBED_ROW(id, path, type, file)                                                \
  { path, type, neurond_embed_##id##_start, neurond_embed_##id##_end },
  EMBED_MAP(EMBED_ROW)
#undef EMBED_ROW
  { NULL, NULL, NULL, NULL },
};

const struct embed_file *embed_find(const char *path)
{
  for (const struct embed_file *f = embed_files; f->path != NULL; f++)
    if (strcmp(f->path, path) == 0)
      return f;
  return NULL;
}

/* end of embed.c */
