/*
 * oip.h: the Open Inference Protocol v2's tensors as the front (v2.c) and its encoder
 * (wire_oip.c) share them: datatypes, shapes of any rank, and the outputs of an
 * answer with the name, datatype and shape they go out with.
 */
#ifndef NEUROND_SERVICE_OIP_H
#define NEUROND_SERVICE_OIP_H

#include <stddef.h>
#include <stdint.h>

#include "codec/buf.h"
#include "service/ctx.h"
#include "service/outs.h"

#define OIP_MAX_DIMS 8
#define OIP_VERSION "1"     /* the one version of every model */

/* The protocol's datatypes; size in bytes (0 for BYTES). */
#define OIP_DTYPE_MAP(X)       \
  X(BOOL, "BOOL", 1)           \
  X(UINT8, "UINT8", 1)         \
  X(UINT16, "UINT16", 2)       \
  X(UINT32, "UINT32", 4)       \
  X(UINT64, "UINT64", 8)       \
  X(INT8, "INT8", 1)           \
  X(INT16, "INT16", 2)         \
  X(INT32, "INT32", 4)         \
  X(INT64, "INT64", 8)         \
  X(FP16, "FP16", 2)           \
  X(FP32, "FP32", 4)           \
  X(FP64, "FP64", 8)           \
  X(BF16, "BF16", 2)           \
  X(BYTES, "BYTES", 0)

enum oip_dtype {
#define OIP_DTYPE_ENUM(id, name, size) OIP_##id,
  OIP_DTYPE_MAP(OIP_DTYPE_ENUM)
#undef OIP_DTYPE_ENUM
  OIP__COUNT
};

const char *oip_dtype_name(enum oip_dtype t);
unsigned oip_dtype_size(enum oip_dtype t);
int oip_dtype_lookup(const char *name);   /* -1 if unknown */

struct oip_shape {
  unsigned ndim;
  size_t dim[OIP_MAX_DIMS];
};

/* One output of an answer as it goes out. */
struct oip_out {
  const struct out *o;      /* the tensor or the indices (OUT_TENSOR, OUT_INDEX) */
  const char *name;
  int binary;               /* as raw bytes after the JSON header */
  enum oip_dtype dtype;     /* FP64, FP32 (then f32 holds the values) or INT64 */
  const float *f32;
  struct oip_shape shape;
};

/* Writes the inference response {model_name, model_version, id?, outputs} and sets
 * it as the reply: JSON alone, or (when an output is binary) the JSON header followed
 * by the outputs' bytes, little-endian, with Inference-Header-Content-Length. */
void wire_oip(struct hctx *c, const char *model, const char *id, const struct oip_out *outs,
              unsigned n);

/* The layout of a response whose outputs are all known by shape (their data may not be
 * computed yet): the length of its JSON part, and where each binary output's bytes
 * start (offsets[i], from the start of the response). */
size_t wire_oip_layout(const char *model, const char *id, const struct oip_out *outs,
                       unsigned n, size_t *offsets);

/* wire_oip into b, a buffer laid out by wire_oip_layout (or empty): an FP64 output the
 * engine already wrote at its offset is not copied. Takes b's memory. */
void wire_oip_into(struct hctx *c, struct buf *b, const char *model, const char *id,
                   const struct oip_out *outs, unsigned n);

#endif /* NEUROND_SERVICE_OIP_H */
