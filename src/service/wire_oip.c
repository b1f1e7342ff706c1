/*
 * wire_oip.c: the Open Inference Protocol's encoder (oip.h): the inference response as
 * JSON, or as a JSON header followed by binary tensors (the binary tensor data
 * extension: little-endian, row-major, no padding).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/buf.h"
#include "codec/num.h"
#include "service/oip.h"

static const struct {
  const char *name;
  unsigned size;
} dtypes[] = {
#define OIP_DTYPE_ROW(id, name, size) { name, size },
  OIP_DTYPE_MAP(OIP_DTYPE_ROW)
#undef OIP_DTYPE_ROW
};

const char *oip_dtype_name(enum oip_dtype t)
{
  return (unsigned)t < OIP__COUNT ? dtypes[t].name : NULL;
}

unsigned oip_dtype_size(enum oip_dtype t)
{
  return (unsigned)t < OIP__COUNT ? dtypes[t].size : 0;
}

int oip_dtype_lookup(const char *name)
{
  for (int i = 0; i < OIP__COUNT; i++)
    if (strcmp(dtypes[i].name, name) == 0)
      return i;
  return -1;
}

static size_t count(const struct oip_out *o)
{
  return shape_count(&o->o->shape);
}

/* The shortest decimal that reads back (as a float) to f, in the codec's number form:
 * the fewest significant digits, 1 to 9, whose nearest float is f, then written as the
 * double nearest that decimal (num_format prints it in as few digits). */
static void put_float(struct buf *b, float f)
{
  char t[32];
  for (int p = 1; p <= 9; p++) {
    double d;
    snprintf(t, sizeof t, "%.*g", p, (double)f);
    d = strtod(t, NULL);
    if ((float)d == f) {
      char s[NUM_SPACE];
      size_t n = num_format(d, s);
      buf_put(b, s, n);
      return;
    }
  }
  buf_num(b, (double)f);
}

static void put_data(struct buf *b, const struct oip_out *o)
{
  size_t n = count(o);
  struct shape flat = {1, {n, 0, 0}};
  if (o->o->kind == OUT_INDEX) {
    buf_uints(b, &flat, o->o->idx);
  } else if (o->dtype == OIP_FP32) {
    buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
      if (i > 0)
        buf_putc(b, ',');
      put_float(b, o->f32[i]);
    }
    buf_putc(b, ']');
  } else {
    buf_nums(b, &flat, o->o->v);
  }
}

static size_t bytes_of(const struct oip_out *o)
{
  return count(o) * oip_dtype_size(o->dtype);
}

/* The bytes of an output at p: little-endian (the machine's own order here). */
static void put_bytes(char *p, const struct oip_out *o)
{
  size_t n = count(o);
  if (o->o->kind == OUT_INDEX) {
    for (size_t i = 0; i < n; i++) {
      int64_t v = (int64_t)o->o->idx[i];
      memcpy(p + 8 * i, &v, 8);
    }
  } else if (o->dtype == OIP_FP32) {
    memcpy(p, o->f32, n * sizeof(float));
  } else {
    memcpy(p, o->o->v, n * sizeof(double));
  }
}

/* The JSON part of the response, with the data of the outputs that are not binary;
 * padded with spaces to a multiple of 8 bytes when binary outputs follow, so that they
 * start aligned (JSON allows the spaces). Returns the number of bytes of binary data
 * that follow. */
static size_t put_header(struct buf *b, const char *model, const char *id,
                         const struct oip_out *outs, unsigned n)
{
  size_t bin = 0;
  buf_puts(b, "{\"model_name\":");
  buf_jstr(b, model);
  buf_puts(b, ",\"model_version\":\"" OIP_VERSION "\"");
  if (id != NULL) {
    buf_puts(b, ",\"id\":");
    buf_jstr(b, id);
  }
  buf_puts(b, ",\"outputs\":[");
  for (unsigned i = 0; i < n; i++) {
    const struct oip_out *o = &outs[i];
    if (i > 0)
      buf_putc(b, ',');
    buf_puts(b, "{\"name\":");
    buf_jstr(b, o->name);
    buf_puts(b, ",\"datatype\":");
    buf_jstr(b, oip_dtype_name(o->dtype));
    buf_puts(b, ",\"shape\":[");
    for (unsigned d = 0; d < o->shape.ndim; d++) {
      if (d > 0)
        buf_putc(b, ',');
      buf_uint(b, o->shape.dim[d]);
    }
    buf_putc(b, ']');
    if (o->binary) {
      buf_puts(b, ",\"parameters\":{\"binary_data_size\":");
      buf_uint(b, bytes_of(o));
      buf_puts(b, "}}");
      bin += bytes_of(o);
    } else {
      buf_puts(b, ",\"data\":");
      put_data(b, o);
      buf_putc(b, '}');
    }
  }
  buf_puts(b, "]}");
  while (bin > 0 && b->len % 8 != 0)
    buf_putc(b, ' ');
  return bin;
}

size_t wire_oip_layout(const char *model, const char *id, const struct oip_out *outs,
                       unsigned n, size_t *offsets)
{
  struct buf b;
  size_t len, at;
  buf_init(&b, 512);
  put_header(&b, model, id, outs, n);
  len = b.failed ? 0 : b.len;
  buf_free(&b);
  at = len;
  for (unsigned i = 0; i < n; i++)
    if (outs[i].binary) {
      offsets[i] = at;
      at += bytes_of(&outs[i]);
    }
  return len;
}

void wire_oip_into(struct hctx *c, struct buf *b, const char *model, const char *id,
                   const struct oip_out *outs, unsigned n)
{
  size_t est = 256, bin = 0, json_len;
  char len[32];

  for (unsigned i = 0; i < n; i++) {
    if (outs[i].binary)
      bin += bytes_of(&outs[i]);
    else
      est += (NUM_MAX_LEN + 1) * count(&outs[i]);
    est += 128;
  }
  if (b->p == NULL) {
    buf_init(b, est + bin);
    put_header(b, model, id, outs, n);
  } else {
    /* laid out already: the header goes in front of the outputs in place, by a copy
     * (the buffer's writers would end it with a NUL over the first output's byte) */
    struct buf h;
    buf_init(&h, est);
    put_header(&h, model, id, outs, n);
    if (h.failed || h.len > b->cap) {
      buf_free(&h);
      buf_free(b);
      problem(c, 500, NULL, "out of memory");
      return;
    }
    memcpy(b->p, h.p, h.len);
    b->len = h.len;
    buf_free(&h);
  }
  json_len = b->len;
  if (bin == 0) {
    reply_buf(c, 200, "application/json", b);
    return;
  }
  if (buf_reserve(b, bin) == 0) {
    for (unsigned i = 0; i < n; i++)
      if (outs[i].binary) {
        /* an output the engine wrote in place is there already */
        if (outs[i].o->kind != OUT_TENSOR || outs[i].dtype != OIP_FP64 ||
            (const char *)outs[i].o->v != b->p + b->len)
          put_bytes(b->p + b->len, &outs[i]);
        b->len += bytes_of(&outs[i]);
      }
  }
  snprintf(len, sizeof len, "%zu", json_len);
  if (ctx_header(c, "Inference-Header-Content-Length", len) != 0) {
    buf_free(b);
    return;
  }
  reply_buf(c, 200, "application/octet-stream", b);
}

void wire_oip(struct hctx *c, const char *model, const char *id, const struct oip_out *outs,
              unsigned n)
{
  struct buf b = {0};
  wire_oip_into(c, &b, model, id, outs, n);
}

/* end of wire_oip.c */
