/*
 * outs.h: what a route answers, as data: a list of named items, in order. Most are
 * output tensors (name, shape, element type, data, and the input element each entry
 * comes from); the rest describe the request as it was resolved (the activation, its
 * parameters, a shape, a reduction). An encoder for the wire the request came in on
 * writes the list (wire.h); the overflow check runs once, on the list.
 */
#ifndef NEUROND_SERVICE_OUTS_H
#define NEUROND_SERVICE_OUTS_H

#include <stddef.h>

#include "codec/buf.h"
#include "engine.h"
#include "service/ctx.h"

enum out_kind {
  OUT_TENSOR,   /* doubles, shaped (a scalar when ndim is 0) */
  OUT_INDEX,    /* size_t indices, shaped */
  OUT_STRING,   /* a string */
  OUT_NUMBER,   /* one double that describes the request (a seed, a resolved field) */
  OUT_SHAPE,    /* a shape, written as an array of sizes */
  OUT_PARAMS,   /* an activation's resolved parameters, as an object */
  OUT_OPEN,     /* the start of a nested object */
  OUT_CLOSE,    /* its end */
  OUT_LIST,     /* the start of a nested array; the items in it until its OUT_END_LIST
                   are its elements, in order (their names are not written) */
  OUT_END_LIST, /* its end */
  OUT_RAW       /* a JSON value already written (a report that is not a tensor), in s */
};

/* How an output's entries map to the input element they come from. */
enum out_map {
  MAP_SAME, /* entry for entry: the output is shaped as the input */
  MAP_ROW   /* an output's first index is the input's row (sample), if it has rows */
};

/* How a narrower element type (float32) rounds an output once, from the exact value:
 * the engine is asked for the side of the exact value where the double lies on a
 * midpoint (eng_*_exact_sign). NULL: the output is rounded from its double. */
struct out_exact {
  const struct eng_activation *act;
  const double *p;
  const double *x;          /* the input (rows of k for a vector function) */
  const double *grad_y;     /* for grad_x */
  size_t k;                 /* row length (vector functions) */
  unsigned which;           /* the engine's output index */
};

struct out {
  enum out_kind kind;
  const char *name;         /* the member name (JSON), NULL for OUT_CLOSE */
  const char *wire;         /* the tensor's name on the inference protocol, if not name */
  struct shape shape;       /* OUT_TENSOR, OUT_INDEX, OUT_SHAPE */
  const double *v;          /* OUT_TENSOR */
  const size_t *idx;        /* OUT_INDEX */
  const char *s;            /* OUT_STRING */
  double num;               /* OUT_NUMBER */
  const struct eng_activation *act; /* OUT_PARAMS */
  const double *p;          /* OUT_PARAMS */
  /* Where its entries come from, for the overflow error: the input's pointer ("/x"),
   * its shape and the map; from == NULL when the entries have no one input element
   * (a total, the weights' gradient). */
  const char *from;
  const struct shape *from_shape;
  enum out_map map;
  int total;                /* a sum of other items of the list: its overflow is named
                               after theirs */
  struct out_exact exact;
};

#define OUTS_MAX 40
#define OUTS_DEPTH 8 /* the deepest nesting of objects and lists */

/* The items, in fixed room for OUTS_MAX; a route that lists more (a network of many
 * layers) makes room first with outs_reserve. */
struct outs {
  struct out *o;            /* fixed, or the room outs_reserve made */
  unsigned n, cap;
  int overflow;             /* more items than there was room for were added */
  struct out fixed[OUTS_MAX];
};

void outs_init(struct outs *l);
/* Makes room for n items in all (memory of the context); 0, or -1 with a 500. */
int outs_reserve(struct hctx *c, struct outs *l, unsigned n);
/* Appends an item and returns it (zeroed but for kind and name); a spare one past the
 * end when the list is full (then l->overflow is set). */
struct out *outs_add(struct outs *l, enum out_kind kind, const char *name);
/* The common items. */
struct out *outs_tensor(struct outs *l, const char *name, const struct shape *s,
                        const double *v, const char *from, const struct shape *from_shape,
                        enum out_map map);
void outs_string(struct outs *l, const char *name, const char *s);
void outs_number(struct outs *l, const char *name, double v);
void outs_shape(struct outs *l, const char *name, const struct shape *s);
void outs_params(struct outs *l, const char *name, const struct eng_activation *a,
                 const double *p);
void outs_open(struct outs *l, const char *name);
void outs_close(struct outs *l);
void outs_list(struct outs *l, const char *name);
void outs_end_list(struct outs *l);
/* A JSON value written by the route (NUL-terminated text that lives as long as the
 * list), put in the reply as it is. */
void outs_raw(struct outs *l, const char *name, const char *json);

/* The JSON Pointer of an item in the reply ("/y", "/dy_dparams/alpha",
 * "/layers/2/grad_z"). */
void outs_pointer(const struct outs *l, const struct out *o, char *ptr, size_t cap);

/* Inputs are finite, yet a true result can lie beyond the largest double (leaky_relu
 * with alpha 1e308 at x = -10). Finds the first tensor entry that is not finite, the
 * totals last, and records a 422 naming it ("y[3] overflows") and pointing at the
 * input element it comes from; 0 when every entry is finite. */
int outs_check(struct hctx *c, const struct outs *l);

#endif /* NEUROND_SERVICE_OUTS_H */
