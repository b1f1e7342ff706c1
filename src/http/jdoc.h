/*
 * jdoc.h: the parsed request body: a cJSON tree for the structure, with numeric arrays
 * packed into one buffer of doubles. Private to the HTTP layer (jdoc.c, ctx.c).
 */
#ifndef NEUROND_JDOC_H
#define NEUROND_JDOC_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "http.h"

/* Set in cJSON's `type` of an array node whose numbers are packed (cJSON uses the
 * low 10 bits); such a node has no children and its valueint indexes jdoc.arr. */
#define JDOC_PACKED (1 << 12)

#define JDOC_MAX_DEPTH 64

/* The most JSON values a body may hold besides the numbers of numeric arrays and rows
 * (which are packed and bounded by the element limit): objects, strings, literals,
 * arrays that are not numbers. Past it, 413. */
#define JDOC_MAX_NODES 65536

/* One packed array: ndim 1 ([n numbers]) or 2 ([rows of numbers]). */
struct jdoc_arr {
  size_t off;        /* first number in jdoc.num */
  size_t dim[2];     /* [n] or [rows, length of row 0] */
  unsigned ndim;
  int ragged;        /* 2-D only: some row's length differs from row 0's */
  size_t bad_row;    /* the first such row */
  size_t bad_len;    /* and its length */
};

struct jdoc {
  cJSON *root;
  struct jdoc_arr *arr;   /* packed arrays */
  size_t narr, caparr;
  double *num;            /* every packed number, in order */
  size_t nnum, capnum;
  size_t count;           /* numbers seen, packed or not */
};

/* Parses n bytes at s. On success stores the document in *out and returns 0; else
 * replies (400 invalid JSON with where it stopped, 413 past cfg->max_elements, 500 out
 * of memory) and returns -1. */
int jdoc_parse(struct hctx *c, const char *s, size_t n, struct jdoc **out);

/* The packed array behind v, or NULL when v is not one. */
const struct jdoc_arr *jdoc_packed(const struct jdoc *d, const cJSON *v);

void jdoc_free(struct jdoc *d);

#endif /* NEUROND_JDOC_H */
