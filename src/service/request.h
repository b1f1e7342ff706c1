/*
 * request.h: a route's request as data. A route declares the fields it takes (name,
 * kind, rank, required, default, range) in a table; one decoding pass checks the body
 * against it (unknown and duplicate fields first, in the body's order, then each
 * declared field in the table's order) and fills the route's typed request. Every
 * failure is a problem that names the field and points at it (ctx.h).
 *
 * The typed request of a route is a struct that starts with struct req_head; a field
 * row names where its value goes (offsetof).
 */
#ifndef NEUROND_SERVICE_REQUEST_H
#define NEUROND_SERVICE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "codec/buf.h"
#include "engine.h"
#include "service/ctx.h"

/* A numeric input: a number, an array, or an array of equal-length rows, as doubles
 * (row-major). The doubles live as long as the context (or its parsed body). */
struct tensor_in {
  struct shape shape;
  const double *v;
  size_t n;
};

enum field_kind {
  FK_TENSOR,      /* struct tensor_in: finite numbers, at most `rank` dimensions */
  FK_NUMBER,      /* double: a finite number within [lo, hi] */
  FK_INTEGER,     /* double: an integer within [lo, hi] */
  FK_STRING,      /* const char * */
  FK_CHOICE,      /* int: the index of a name among `choices` */
  FK_ACTIVATION,  /* const struct eng_activation *: a name or an alias */
  FK_PARAMS,      /* double[ENG_MAX_PARAMS]: the parameters of the activation that the
                     field `dep` names, defaults filled in, each checked */
  FK_NAMES,       /* unsigned: a set of names among `choices` (bit i for choice i) */
  FK_LOSS,        /* int: a loss of the engine's table (FF_LAYER: a layer's loss), or -1 */
  FK_SCHEME,      /* int: an initialisation scheme of the engine's table, or -1 */
  FK_JSON         /* const cJSON *: left to the route to read */
};

struct req_head;

struct field {
  const char *name;
  enum field_kind kind;
  unsigned char required;
  unsigned char rank;          /* FK_TENSOR: most dimensions (0, 1 or 2) */
  unsigned char min_len;       /* FK_TENSOR: fewest elements in each dimension */
  unsigned char flags;         /* FF_* */
  double lo, hi;               /* FK_NUMBER, FK_INTEGER: the range */
  const char *const *choices;  /* FK_CHOICE, FK_NAMES: NULL-terminated */
  const char *def;             /* FK_ACTIVATION, FK_CHOICE: the default's name */
  size_t off;                  /* where the value goes in the typed request */
  size_t dep;                  /* FK_PARAMS: the offset of the activation it belongs to */
  /* Checks the decoded value against what the fields before it hold; NULL if none.
   * Returns 0, or -1 with the problem recorded. v is NULL when the field is absent. */
  int (*check)(struct hctx *c, struct req_head *rq, const cJSON *v, const char *ptr);
};
#define FIELDS_END { NULL, FK_JSON, 0, 0, 0, 0, 0, 0, NULL, NULL, 0, 0, NULL }

#define FF_LAYER 1u    /* FK_LOSS: only the losses a layer can end in */
#define FF_LO_OPEN 2u  /* FK_NUMBER: lo itself is excluded */
#define FF_TEXT 4u     /* FK_JSON: the route reads the value's text too, so the body is
                          kept (c->body) while the request is handled */

/* The head of every typed request. */
struct req_head {
  const struct field *fields;
  uint32_t given;              /* bit i: fields[i] was in the request */
  const char *base;            /* the pointer of the object decoded ("" for the body) */
};

/* Whether the field called `name` was given. */
int req_given(const struct req_head *rq, const char *name);

/* Parses the body as a JSON object (400 invalid JSON, saying where it stopped; 413 past
 * the element limit; 422 not an object), checks its keys against fields (422 for an
 * unknown or duplicate one) and decodes every declared field into rq, whose head is
 * set. Returns 0, or -1 with the problem recorded. */
int req_decode_json(struct hctx *c, const struct field *fields, struct req_head *rq);

/* The same for a JSON object inside the body (a layer of a network, an init spec)
 * whose pointer is ptr (it must live as long as rq): 422 if obj is not an object, for
 * an unknown or duplicate key, and for each field as above, every pointer under ptr. */
int req_decode_object(struct hctx *c, const struct field *fields, const cJSON *obj,
                      const char *ptr, struct req_head *rq);

/* Decodes one field's value v (NULL: absent) at ptr into rq. */
int req_decode_field(struct hctx *c, const struct field *f, const cJSON *v, const char *ptr,
                     struct req_head *rq);

/* ============================================================ Value readers */

/* Checks that obj (a JSON object at ptr) has only keys among names (n of them), none
 * twice, and stores each name's value in vals[i] (NULL when absent). 422 otherwise. */
int req_members(struct hctx *c, const cJSON *obj, const char *ptr, const char *const *names,
                size_t n, const cJSON **vals);

/* Reads v (at ptr) as a finite number, an array of finite numbers, or an array of
 * equal-length rows of finite numbers, with at most max_ndim dimensions. 422 (naming
 * the element, e.g. "x[1][3] must be a finite number", pointer "/x/1/3") for a wrong
 * type, a non-finite number (1e999), ragged rows, an empty row or array where
 * min_len > 0 requires elements. */
int req_tensor(struct hctx *c, const cJSON *v, const char *ptr, unsigned max_ndim,
               size_t min_len, struct tensor_in *out);
/* 422 for the row at rowptr of `got` elements where the rows before it have `want`. */
int req_ragged(struct hctx *c, const char *rowptr, size_t got, size_t want);
int req_number(struct hctx *c, const cJSON *v, const char *ptr, double *out);   /* finite */
int req_string(struct hctx *c, const cJSON *v, const char *ptr, const char **out);
/* An integer in [lo, hi] (given as a JSON number with no fraction). */
int req_integer(struct hctx *c, const cJSON *v, const char *ptr, double lo, double hi,
                double *out);

/* The activation named by v (a name or alias) at ptr; 422 listing every valid name
 * when unknown. */
int req_activation(struct hctx *c, const cJSON *v, const char *ptr,
                   const struct eng_activation **out);
/* Fills p with a's parameters: defaults, overridden by the object v (may be NULL) at
 * ptr. 422 naming the parameter for an unknown one, a wrong type, a value out of its
 * range (stating the range) or a broken constraint between parameters. */
int req_params(struct hctx *c, const struct eng_activation *a, const cJSON *v,
               const char *ptr, double *p);
/* One parameter of a by name, from v at ptr, into p (which holds a's values so far);
 * 1 if name is not one of a's parameters, 0 when read, -1 on a bad value. */
int req_param(struct hctx *c, const struct eng_activation *a, const char *name,
              const cJSON *v, const char *ptr, double *p);
/* Checks p (every parameter of a) against the ranges and constraints; ptr is where the
 * parameters came from ("/params", "/parameters"). */
int req_params_check(struct hctx *c, const struct eng_activation *a, const double *p,
                     const char *ptr);

/* ============================================================ Query strings */

/* One parameter of a query string, percent-decoded ('+' is a space). */
struct qparam {
  const char *key, *value;   /* value "" for a key with no '=' */
};

/* Splits c->query ("a=1&b=x%2Cy") into at most cap parameters (memory of the context);
 * *n is how many. 400 for a malformed escape ("%zz") or more than cap parameters. */
int req_query(struct hctx *c, struct qparam *out, size_t cap, size_t *n);

/* Writes every activation name, each with its aliases: "identity (linear), step
 * (heaviside, binary_step), ..." (NUL-terminated, for a problem's detail). */
void req_put_activation_names(struct buf *b);

#endif /* NEUROND_SERVICE_REQUEST_H */
