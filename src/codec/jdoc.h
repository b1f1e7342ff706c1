/*
 * jdoc.h: the parsed request body: a cJSON tree for the structure, with numeric arrays
 * packed into one buffer of doubles. Part of the codec: it knows nothing of HTTP
 * replies; an error comes back as data (struct jdoc_err) for the caller to report.
 */
#ifndef NEUROND_JDOC_H
#define NEUROND_JDOC_H

#include <stddef.h>

#include <cjson/cJSON.h>


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

/* Why a body could not be parsed. */
enum jdoc_fail {
  JDOC_SYNTAX = 1, /* not valid JSON (or not UTF-8, or nested too deep) */
  JDOC_LIMIT,      /* more numbers than the element limit, or too many values */
  JDOC_NOMEM       /* out of memory */
};

struct jdoc_err {
  enum jdoc_fail fail;
  size_t offset;     /* where parsing stopped: byte offset from the start */
  size_t line, col;  /* and as a line and a column (UTF-8 characters), from 1 */
  char msg[160];     /* what was wrong there, in words */
};

/* Parses n bytes at s, counting numbers against max_elements. On success stores the
 * document in *out and returns 0; else fills *err and returns -1. */
int jdoc_parse(const char *s, size_t n, size_t max_elements, struct jdoc **out,
               struct jdoc_err *err);

/* The packed array behind v, or NULL when v is not one. */
const struct jdoc_arr *jdoc_packed(const struct jdoc *d, const cJSON *v);

void jdoc_free(struct jdoc *d);

#endif /* NEUROND_JDOC_H */
