/*
 * buf.h: the growable byte buffer replies are written into, and the writers of JSON
 * strings, numbers and nested numeric arrays (through the number codec, num.h).
 * Part of the codec: no HTTP here.
 */
#ifndef NEUROND_CODEC_BUF_H
#define NEUROND_CODEC_BUF_H

#include <stddef.h>

/* A growable byte buffer. On allocation failure `failed` is set and later writes
 * are dropped; the owner checks `failed` once at the end. */
struct buf {
  char *p;
  size_t len, cap;
  int failed;
  size_t nonfinite; /* numbers written that are not finite (as null) */
};

void buf_init(struct buf *b, size_t cap_hint);
int buf_reserve(struct buf *b, size_t extra);   /* 0, or -1 (and failed set) */
void buf_put(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_num(struct buf *b, double v);          /* shortest round-trip (num.h) */
void buf_uint(struct buf *b, size_t v);
void buf_jstr(struct buf *b, const char *s);    /* "quoted", JSON-escaped */
void buf_free(struct buf *b);
/* Takes the buffer's bytes from b (which is left empty); NULL if b failed. */
char *buf_take(struct buf *b, size_t *len);
/* Frees a reply's buffer once it is sent; a large one is kept for the next large reply
 * (buf_reserve takes it). buf_drop_spare frees the one kept. */
void buf_release(void *p);
void buf_drop_spare(void);
/* fn (may be NULL) is told the usable size of every reply buffer that buf_release, or
 * the end of the spare, gives back, so that the owner of a memory budget can count
 * what replies hold (the spare counts as a reply until it is freed or reused). */
void buf_set_release_hook(void (*fn)(size_t bytes));

/* The shape of a numeric value: ndim 0 is a scalar, 1 an array, 2 an array of rows,
 * 3 an array of matrices. */
#define SHAPE_MAX_DIMS 3
struct shape {
  unsigned ndim;
  size_t dim[SHAPE_MAX_DIMS];
};
size_t shape_count(const struct shape *s);       /* product of dims (1 for a scalar) */
int shape_eq(const struct shape *a, const struct shape *b);
/* "[2,3]" into out (cap bytes, NUL-terminated), for messages. */
const char *shape_text(const struct shape *s, char *out, size_t cap);
/* Writes v (shape_count(s) doubles, row-major) as nested JSON arrays of that shape. */
void buf_nums(struct buf *b, const struct shape *s, const double *v);
/* The same for indices (size_t). */
void buf_uints(struct buf *b, const struct shape *s, const size_t *v);
/* Writes "[d0,d1,...]" for a shape (e.g. for the "shape" field). */
void buf_shape(struct buf *b, const struct shape *s);

#endif /* NEUROND_CODEC_BUF_H */
