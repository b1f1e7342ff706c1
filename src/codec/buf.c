/*
 * buf.c: the growable reply buffer (buf.h) and the writers of numbers and nested
 * numeric arrays. Numbers go through the codec (num.h); nothing here allocates per
 * element.
 */
#include <malloc.h>
#include <stdio.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/buf.h"
#include "codec/num.h"
#include "exec/par.h"

void buf_init(struct buf *b, size_t cap_hint)
{
  b->p = NULL;
  b->len = 0;
  b->cap = 0;
  b->failed = 0;
  b->nonfinite = 0;
  if (cap_hint > 0)
    buf_reserve(b, cap_hint);
}

/* A large reply's buffer is a mapping of its own from malloc (over 32 MiB); a new one
 * for each reply is faulted in a page at a time (a tenth of the CPU time of a
 * 1,000,000-number reply). One such buffer, the last one sent, is kept for the next
 * large reply instead. */
#define SPARE_MIN ((size_t)32 << 20)
static _Atomic(char *) spare;
static void (*_Atomic release_hook)(size_t bytes);

void buf_set_release_hook(void (*fn)(size_t bytes))
{
  atomic_store(&release_hook, fn);
}

/* A reply's memory is no longer held as a reply: freed, or taken for a new buffer. */
static void released(char *p)
{
  void (*fn)(size_t) = atomic_load(&release_hook);
  if (p != NULL && fn != NULL)
    fn(malloc_usable_size(p));
}

void buf_release(void *p)
{
  if (p != NULL && malloc_usable_size(p) >= SPARE_MIN)
    p = atomic_exchange(&spare, (char *)p);
  released(p);
  free(p);
}

void buf_drop_spare(void)
{
  char *p = atomic_exchange(&spare, NULL);
  released(p);
  free(p);
}

/* The spare buffer if it holds need bytes (else it is freed). */
static char *take_spare(size_t need, size_t *cap)
{
  char *q = atomic_exchange(&spare, NULL);
  size_t have = q != NULL ? malloc_usable_size(q) : 0;
  released(q);
  if (have >= need) {
    *cap = have;
    return q;
  }
  free(q);
  return NULL;
}

int buf_reserve(struct buf *b, size_t extra)
{
  size_t need, cap;
  char *p;

  if (b->failed)
    return -1;
  if (extra > SIZE_MAX - b->len - 1)
    goto fail;
  need = b->len + extra + 1; /* room for a trailing NUL */
  if (need <= b->cap)
    return 0;
  if (b->p == NULL && need >= SPARE_MIN && (p = take_spare(need, &cap)) != NULL) {
    b->p = p;
    b->cap = cap;
    return 0;
  }
  cap = b->cap ? b->cap : 256;
  while (cap < need)
    cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  p = realloc(b->p, cap);
  if (p == NULL)
    goto fail;
  b->p = p;
  b->cap = cap;
  return 0;
fail:
  b->failed = 1;
  return -1;
}

void buf_put(struct buf *b, const char *s, size_t n)
{
  if (buf_reserve(b, n) != 0)
    return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
  buf_put(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
  buf_put(b, &c, 1);
}

void buf_num(struct buf *b, double v)
{
  if (buf_reserve(b, NUM_SPACE) != 0)
    return;
  b->len += num_format(v, b->p + b->len);
  b->p[b->len] = '\0';
  b->nonfinite += !isfinite(v);
}

void buf_uint(struct buf *b, size_t v)
{
  char t[24];
  size_t k = sizeof t;

  do {
    t[--k] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  buf_put(b, t + k, sizeof t - k);
}

/* The length of the well-formed UTF-8 sequence at u (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), or 0 if the bytes there are not one. */
static size_t utf8_len(const unsigned char *u)
{
  if (u[0] < 0x80)
    return 1;
  if (u[0] >= 0xC2 && u[0] <= 0xDF)
    return (u[1] & 0xC0) == 0x80 ? 2 : 0;
  if (u[0] >= 0xE0 && u[0] <= 0xEF) {
    unsigned lo = u[0] == 0xE0 ? 0xA0 : 0x80, hi = u[0] == 0xED ? 0x9F : 0xBF;
    return u[1] >= lo && u[1] <= hi && (u[2] & 0xC0) == 0x80 ? 3 : 0;
  }
  if (u[0] >= 0xF0 && u[0] <= 0xF4) {
    unsigned lo = u[0] == 0xF0 ? 0x90 : 0x80, hi = u[0] == 0xF4 ? 0x8F : 0xBF;
    return u[1] >= lo && u[1] <= hi && (u[2] & 0xC0) == 0x80 && (u[3] & 0xC0) == 0x80 ? 4
                                                                                        : 0;
  }
  return 0;
}

/* Strings from the request line and headers (a path with %FF in it, a Content-Type)
 * may be any bytes: a byte that does not start a well-formed UTF-8 sequence is written
 * as U+FFFD, so the JSON written is always valid UTF-8. (A NUL ends the string, so the
 * look-ahead of utf8_len stops at it: continuation bytes are never NUL.) */
void buf_jstr(struct buf *b, const char *s)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *u = (const unsigned char *)s;

  buf_putc(b, '"');
  for (; *u != '\0'; u++) {
    if (*u >= 0x80) {
      size_t k = utf8_len(u);
      if (k == 0) {
        buf_put(b, "\xEF\xBF\xBD", 3);
      } else {
        buf_put(b, (const char *)u, k);
        u += k - 1;
      }
      continue;
    }
    switch (*u) {
    case '"': buf_put(b, "\\\"", 2); break;
    case '\\': buf_put(b, "\\\\", 2); break;
    case '\n': buf_put(b, "\\n", 2); break;
    case '\r': buf_put(b, "\\r", 2); break;
    case '\t': buf_put(b, "\\t", 2); break;
    case '\b': buf_put(b, "\\b", 2); break;
    case '\f': buf_put(b, "\\f", 2); break;
    default:
      if (*u < 0x20) {
        char e[6] = { '\\', 'u', '0', '0', hex[*u >> 4], hex[*u & 15] };
        buf_put(b, e, sizeof e);
      } else {
        buf_putc(b, (char)*u);
      }
    }
  }
  buf_putc(b, '"');
}

char *buf_take(struct buf *b, size_t *len)
{
  char *p = b->failed ? NULL : b->p;
  *len = p != NULL ? b->len : 0;
  if (p == NULL)
    free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
  return p;
}

void buf_free(struct buf *b)
{
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

size_t shape_count(const struct shape *s)
{
  size_t n = 1;
  for (unsigned i = 0; i < s->ndim && i < 3; i++)
    n *= s->dim[i];
  return n;
}

int shape_eq(const struct shape *a, const struct shape *b)
{
  if (a->ndim != b->ndim)
    return 0;
  for (unsigned i = 0; i < a->ndim; i++)
    if (a->dim[i] != b->dim[i])
      return 0;
  return 1;
}

const char *shape_text(const struct shape *s, char *out, size_t cap)
{
  size_t len = 0;
  len += (size_t)snprintf(out, cap, "[");
  for (unsigned i = 0; i < s->ndim && len < cap; i++)
    len += (size_t)snprintf(out + len, cap - len, "%s%zu", i ? "," : "", s->dim[i]);
  if (len < cap)
    snprintf(out + len, cap - len, "]");
  return out;
}

/* Writes n numbers of v as "[a,b,...]" into space already reserved; adds to *bad the
 * count of those that are not finite (written as null). */
static char *put_row(char *p, const double *v, size_t n, size_t *bad)
{
  size_t nf = 0;
  *p++ = '[';
  for (size_t i = 0; i < n; i++) {
    if (i > 0)
      *p++ = ',';
    p += num_format(v[i], p);
    nf += !isfinite(v[i]);
  }
  *bad += nf;
  *p++ = ']';
  return p;
}

/* Numbers per part below which a large array is not split across threads. */
#define PAR_GRAIN 4096

/* A large 1-D array (or array of rows) is written in parts on several threads, each
 * straight into the reply, into a region of its own sized for its longest text (with
 * NUM_SPACE to spare); then the texts are moved down in order to close the gaps,
 * with a ',' between. No scratch copy, and the reply's pages are the only ones
 * touched. */
struct nums_job {
  const struct shape *s;
  const double *v;
  size_t cols;       /* numbers per unit: 1 (1-D) or the row length */
  char *base;        /* where part 0's region starts */
  size_t off[64];    /* each part's region, from base */
  size_t len[64];    /* and the length of its text */
  size_t bad[64];    /* and its count of numbers that are not finite */
};

static void nums_part(void *ctx, size_t lo, size_t hi, unsigned part)
{
  struct nums_job *j = ctx;
  char *t = j->base + j->off[part], *p = t;
  const double *v = j->v;
  size_t bad = 0; /* counted here, stored once: the parts' counts share a cache line */
  for (size_t u = lo; u < hi; u++) {
    if (u > lo)
      *p++ = ',';
    if (j->s->ndim == 1) { /* a row of one number is still a row */
      p += num_format(v[u], p);
      bad += !isfinite(v[u]);
    } else {
      p = put_row(p, v + u * j->cols, j->cols, &bad);
    }
  }
  j->len[part] = (size_t)(p - t);
  j->bad[part] = bad;
}

static void nums_parallel(struct buf *b, const struct shape *s, const double *v)
{
  struct nums_job j;
  size_t units = s->dim[0], total = 2, unit_max;
  unsigned parts;
  char *w;

  memset(&j, 0, sizeof j);
  j.s = s;
  j.v = v;
  j.cols = s->ndim == 1 ? 1 : s->dim[1];
  /* the longest text of a unit with its ',': a number, or "[" row "]" */
  unit_max = s->ndim == 1 ? NUM_MAX_LEN + 1 : j.cols * (NUM_MAX_LEN + 1) + 3;
  parts = par_parts(units * j.cols, PAR_GRAIN);
  if (parts > units)
    parts = (unsigned)units;
  for (unsigned i = 0; i < parts; i++) {
    /* the parts par_run makes: [units / parts * i, ...), the last to the end */
    size_t lo = units / parts * i, hi = i + 1 == parts ? units : units / parts * (i + 1);
    j.off[i] = total - 2;
    total += (hi - lo) * unit_max + NUM_SPACE;
  }
  if (buf_reserve(b, total) != 0)
    return;
  w = b->p + b->len;
  *w++ = '[';
  j.base = w;
  par_run(units, parts, nums_part, &j);
  for (unsigned i = 0; i < parts; i++) {
    if (i > 0 && j.len[i] > 0)
      *w++ = ',';
    memmove(w, j.base + j.off[i], j.len[i]); /* down: w never passes a region's start */
    w += j.len[i];
    b->nonfinite += j.bad[i];
  }
  *w++ = ']';
  b->len = (size_t)(w - b->p);
  b->p[b->len] = '\0';
}

void buf_nums(struct buf *b, const struct shape *s, const double *v)
{
  size_t n = shape_count(s), rows, cols, mats, per;
  size_t brackets;
  char *p;

  if (s->ndim == 0) {
    buf_num(b, v[0]);
    return;
  }
  if (s->ndim > 3) {
    b->failed = 1;
    return;
  }
  /* Brackets: one pair per row, per matrix and the outer one. */
  mats = s->ndim == 3 ? s->dim[0] : 1;
  rows = s->ndim >= 2 ? s->dim[s->ndim - 2] : 1;
  cols = s->dim[s->ndim - 1];
  brackets = 2 * (1 + mats + mats * rows);
  if (n > (SIZE_MAX - brackets - NUM_SPACE) / (NUM_MAX_LEN + 1) - 1) {
    b->failed = 1;
    return;
  }
  if (s->ndim <= 2 && n >= 2 * PAR_GRAIN && par_parts(n, PAR_GRAIN) > 1) {
    nums_parallel(b, s, v);
    return;
  }
  if (buf_reserve(b, n * (NUM_MAX_LEN + 1) + brackets + mats * rows + mats + NUM_SPACE) != 0)
    return;
  p = b->p + b->len;
  per = rows * cols;
  if (s->ndim == 1) {
    p = put_row(p, v, cols, &b->nonfinite);
  } else {
    *p++ = '[';
    for (size_t m = 0; m < mats; m++) {
      if (m > 0)
        *p++ = ',';
      if (s->ndim == 3)
        *p++ = '[';
      for (size_t r = 0; r < rows; r++) {
        if (r > 0)
          *p++ = ',';
        p = put_row(p, v + m * per + r * cols, cols, &b->nonfinite);
      }
      if (s->ndim == 3)
        *p++ = ']';
    }
    *p++ = ']';
  }
  b->len = (size_t)(p - b->p);
  b->p[b->len] = '\0';
}

void buf_uints(struct buf *b, const struct shape *s, const size_t *v)
{
  size_t rows = s->ndim >= 2 ? s->dim[0] : 1, cols = s->ndim >= 1 ? s->dim[s->ndim - 1] : 1;
  if (s->ndim == 0) {
    buf_uint(b, v[0]);
    return;
  }
  if (s->ndim >= 2)
    buf_putc(b, '[');
  for (size_t r = 0; r < rows; r++) {
    if (r > 0)
      buf_putc(b, ',');
    buf_putc(b, '[');
    for (size_t i = 0; i < cols; i++) {
      if (i > 0)
        buf_putc(b, ',');
      buf_uint(b, v[r * cols + i]);
    }
    buf_putc(b, ']');
  }
  if (s->ndim >= 2)
    buf_putc(b, ']');
}

void buf_shape(struct buf *b, const struct shape *s)
{
  buf_putc(b, '[');
  for (unsigned i = 0; i < s->ndim && i < 3; i++) {
    if (i > 0)
      buf_putc(b, ',');
    buf_uint(b, s->dim[i]);
  }
  buf_putc(b, ']');
}

/* end of buf.c */
