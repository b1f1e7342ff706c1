/*
 * jdoc.c: a strict JSON scanner (RFC 8259) for request bodies. It checks the grammar,
 * UTF-8 (overlong forms, surrogates, \u escapes) and the nesting depth, counts the
 * numbers against the element limit, and builds the structure as a cJSON tree, except
 * that arrays of numbers and arrays of arrays of numbers go straight into one packed
 * buffer of doubles (jdoc.h). No cJSON parser, and so no cJSON_GetErrorPtr.
 */
#define _GNU_SOURCE /* mremap */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "codec/buf.h"
#include "codec/jdoc.h"
#include "codec/num.h"
#include "exec/par.h"

struct parser {
  const char *s, *p, *end;
  struct jdoc *d;
  size_t max_elements;
  size_t nodes;          /* cJSON nodes made (JDOC_MAX_NODES) */
  struct buf str;        /* the string being decoded */
  int status;            /* 0, or the enum jdoc_fail of the error found */
  const char *at;        /* where the error was found */
  char msg[160];
};

/* ================================================================ Errors */

static void fail(struct parser *P, int status, const char *at, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 4, 5)))
#endif
  ;

static void fail(struct parser *P, int status, const char *at, const char *fmt, ...)
{
  va_list ap;

  if (P->status != 0)
    return;
  P->status = status;
  P->at = at;
  va_start(ap, fmt);
  vsnprintf(P->msg, sizeof P->msg, fmt, ap);
  va_end(ap);
}

static void fail_oom(struct parser *P)
{
  fail(P, JDOC_NOMEM, P->p, "out of memory");
}

/* "expected X" at P->p, or "unexpected end of input" when there is nothing left. */
static void expected(struct parser *P, const char *what)
{
  if (P->p >= P->end)
    fail(P, JDOC_SYNTAX, P->p, "unexpected end of input, expected %s", what);
  else if ((unsigned char)*P->p >= 0x20 && (unsigned char)*P->p < 0x7F)
    fail(P, JDOC_SYNTAX, P->p, "unexpected '%c', expected %s", *P->p, what);
  else
    fail(P, JDOC_SYNTAX, P->p, "unexpected byte 0x%02X, expected %s", (unsigned char)*P->p, what);
}

/* ================================================================= Storage */

/* A packed buffer of 16 MiB or more is a mapping of its own: its pages are given
 * back the moment it is freed (the reply that follows does not find the request's
 * numbers still resident beside it), and it grows by remapping, without a copy. A
 * smaller one is malloc'd. */
#define NUM_MAP_BYTES ((size_t)16 << 20)

static int num_mapped(size_t cap)
{
  return cap * sizeof(double) >= NUM_MAP_BYTES;
}

/* d->num resized to cap numbers (cap > d->capnum), keeping its contents. */
static int num_resize(struct jdoc *d, size_t cap)
{
  void *q;
  if (cap > SIZE_MAX / sizeof(double))
    return -1;
  if (!num_mapped(cap)) {
    q = realloc(d->num, cap * sizeof(double));
  } else if (d->num != NULL && num_mapped(d->capnum)) {
#ifdef MREMAP_MAYMOVE
    q = mremap(d->num, d->capnum * sizeof(double), cap * sizeof(double), MREMAP_MAYMOVE);
#else
    q = mmap(NULL, cap * sizeof(double), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
             -1, 0);
    if (q != MAP_FAILED) {
      memcpy(q, d->num, d->nnum * sizeof(double));
      munmap(d->num, d->capnum * sizeof(double));
    }
#endif
    if (q == MAP_FAILED)
      q = NULL;
  } else {
    q = mmap(NULL, cap * sizeof(double), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
             -1, 0);
    if (q == MAP_FAILED) {
      q = NULL;
    } else if (d->num != NULL) {
      memcpy(q, d->num, d->nnum * sizeof(double));
      free(d->num);
    }
  }
  if (q == NULL)
    return -1;
  d->num = q;
  d->capnum = cap;
  return 0;
}

static void num_release(struct jdoc *d)
{
  if (d->num != NULL && num_mapped(d->capnum))
    munmap(d->num, d->capnum * sizeof(double));
  else
    free(d->num);
  d->num = NULL;
  d->capnum = d->nnum = 0;
}

static int push_num(struct parser *P, double v)
{
  struct jdoc *d = P->d;

  if (d->nnum == d->capnum && num_resize(d, d->capnum ? d->capnum * 2 : 64) != 0)
    goto oom;
  d->num[d->nnum++] = v;
  return 0;
oom:
  fail_oom(P);
  return -1;
}

/* Marks arr as packed with the given entry. */
static int pack(struct parser *P, cJSON *arr, const struct jdoc_arr *e)
{
  struct jdoc *d = P->d;

  if (d->narr == d->caparr) {
    size_t cap = d->caparr ? d->caparr * 2 : 16;
    struct jdoc_arr *q;
    if (cap > INT32_MAX)
      goto oom;
    q = realloc(d->arr, cap * sizeof *q);
    if (q == NULL)
      goto oom;
    d->arr = q;
    d->caparr = cap;
  }
  d->arr[d->narr] = *e;
  arr->type |= JDOC_PACKED;
  arr->valueint = (int)d->narr;
  d->narr++;
  return 0;
oom:
  fail_oom(P);
  return -1;
}

const struct jdoc_arr *jdoc_packed(const struct jdoc *d, const cJSON *v)
{
  if (d == NULL || v == NULL || (v->type & JDOC_PACKED) == 0)
    return NULL;
  if (v->valueint < 0 || (size_t)v->valueint >= d->narr)
    return NULL;
  return &d->arr[v->valueint];
}

/* ================================================================ Scanner */

static void skip_ws(struct parser *P)
{
  while (P->p < P->end &&
         (*P->p == ' ' || *P->p == '\n' || *P->p == '\r' || *P->p == '\t'))
    P->p++;
}

static int is_num_start(char ch)
{
  return ch == '-' || (ch >= '0' && ch <= '9');
}

static int count_number(struct parser *P)
{
  if (++P->d->count > P->max_elements) {
    fail(P, JDOC_LIMIT, P->p, "the request holds more than %zu numbers (the element limit)",
         P->max_elements);
    return -1;
  }
  return 0;
}

/* Counts one cJSON node against JDOC_MAX_NODES. A node costs some 100 bytes against
 * the 2 to 5 of its text ("[]," or "null,"), so without this bound a body of small
 * values would cost 20 to 40 times its size in memory. */
static int count_node(struct parser *P)
{
  if (++P->nodes > JDOC_MAX_NODES) {
    fail(P, JDOC_LIMIT, P->p,
         "the request holds more than %d JSON values besides arrays of numbers and rows of "
         "numbers",
         JDOC_MAX_NODES);
    return -1;
  }
  return 0;
}

/* Reads a number at P->p into *v. */
static int scan_number(struct parser *P, double *v)
{
  const char *q;

  if (count_number(P) != 0)
    return -1;
  q = num_parse(P->p, P->end, v);
  if (q == NULL) {
    if (P->end - P->p >= 2 && P->p[0] == '-' && P->p[1] == 'I')
      fail(P, JDOC_SYNTAX, P->p, "Infinity is not a JSON number");
    else
      fail(P, JDOC_SYNTAX, P->p, "invalid number");
    return -1;
  }
  P->p = q;
  return 0;
}

static int hex4(const char *s, unsigned *out)
{
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char ch = s[i];
    v <<= 4;
    if (ch >= '0' && ch <= '9')
      v |= (unsigned)(ch - '0');
    else if (ch >= 'a' && ch <= 'f')
      v |= (unsigned)(ch - 'a' + 10);
    else if (ch >= 'A' && ch <= 'F')
      v |= (unsigned)(ch - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

static void put_utf8(struct buf *b, unsigned cp)
{
  char t[4];
  size_t n;

  if (cp < 0x80) {
    t[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    t[0] = (char)(0xC0 | (cp >> 6));
    t[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    t[0] = (char)(0xE0 | (cp >> 12));
    t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    t[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    t[0] = (char)(0xF0 | (cp >> 18));
    t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    t[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  buf_put(b, t, n);
}

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80), or 0 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, const unsigned char *end)
{
  unsigned char c0 = s[0];
  unsigned char lo = 0x80, hi = 0xBF;
  size_t n;

  if (c0 >= 0xC2 && c0 <= 0xDF) {
    n = 2;
  } else if (c0 >= 0xE0 && c0 <= 0xEF) {
    n = 3;
    if (c0 == 0xE0)
      lo = 0xA0;
    else if (c0 == 0xED)
      hi = 0x9F;
  } else if (c0 >= 0xF0 && c0 <= 0xF4) {
    n = 4;
    if (c0 == 0xF0)
      lo = 0x90;
    else if (c0 == 0xF4)
      hi = 0x8F;
  } else {
    return 0;
  }
  if ((size_t)(end - s) < n)
    return 0;
  if (s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < n; i++)
    if (s[i] < 0x80 || s[i] > 0xBF)
      return 0;
  return n;
}

/* Decodes the string at P->p (at its opening quote) into P->str, NUL-terminated. */
static int scan_string(struct parser *P)
{
  struct buf *b = &P->str;

  b->len = 0;
  b->failed = 0;
  P->p++;
  for (;;) {
    const char *run = P->p;
    while (P->p < P->end && (unsigned char)*P->p >= 0x20 && (unsigned char)*P->p < 0x80 &&
           *P->p != '"' && *P->p != '\\')
      P->p++;
    buf_put(b, run, (size_t)(P->p - run));
    if (P->p >= P->end) {
      fail(P, JDOC_SYNTAX, P->p, "unterminated string");
      return -1;
    }
    unsigned char ch = (unsigned char)*P->p;
    if (ch == '"') {
      P->p++;
      break;
    }
    if (ch < 0x20) {
      fail(P, JDOC_SYNTAX, P->p, "control character 0x%02X in a string (it must be escaped)", ch);
      return -1;
    }
    if (ch >= 0x80) {
      size_t n = utf8_len((const unsigned char *)P->p, (const unsigned char *)P->end);
      if (n == 0) {
        fail(P, JDOC_SYNTAX, P->p, "invalid UTF-8 in a string");
        return -1;
      }
      buf_put(b, P->p, n);
      P->p += n;
      continue;
    }
    /* A backslash escape. */
    const char *esc = P->p;
    if (P->end - P->p < 2) {
      fail(P, JDOC_SYNTAX, P->p, "unterminated string");
      return -1;
    }
    P->p += 2;
    switch (esc[1]) {
    case '"': buf_putc(b, '"'); break;
    case '\\': buf_putc(b, '\\'); break;
    case '/': buf_putc(b, '/'); break;
    case 'b': buf_putc(b, '\b'); break;
    case 'f': buf_putc(b, '\f'); break;
    case 'n': buf_putc(b, '\n'); break;
    case 'r': buf_putc(b, '\r'); break;
    case 't': buf_putc(b, '\t'); break;
    case 'u': {
      unsigned cp, lo;
      if (P->end - P->p < 4 || hex4(P->p, &cp) != 0) {
        fail(P, JDOC_SYNTAX, esc, "invalid \\u escape (four hex digits expected)");
        return -1;
      }
      P->p += 4;
      if (cp >= 0xDC00 && cp <= 0xDFFF) {
        fail(P, JDOC_SYNTAX, esc, "invalid \\u escape: a low surrogate without a high one");
        return -1;
      }
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (P->end - P->p < 6 || P->p[0] != '\\' || P->p[1] != 'u' ||
            hex4(P->p + 2, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) {
          fail(P, JDOC_SYNTAX, esc, "invalid \\u escape: a high surrogate without a low one");
          return -1;
        }
        P->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      }
      if (cp == 0) {
        fail(P, JDOC_SYNTAX, esc, "\\u0000 in a string is not accepted");
        return -1;
      }
      put_utf8(b, cp);
      break;
    }
    default:
      fail(P, JDOC_SYNTAX, esc, "invalid escape sequence in a string");
      return -1;
    }
  }
  buf_putc(b, '\0');
  if (b->failed) {
    fail_oom(P);
    return -1;
  }
  b->len--; /* the NUL is not part of the string */
  return 0;
}

static cJSON *scan_value(struct parser *P, unsigned depth);

/* Appends the numbers num[base .. nnum) to arr as cJSON numbers and drops them from
 * the packed buffer: the array turned out not to be all numbers. */
static int unpack_numbers(struct parser *P, cJSON *arr, size_t base)
{
  for (size_t i = base; i < P->d->nnum; i++) {
    cJSON *it;
    if (count_node(P) != 0)
      return -1;
    it = cJSON_CreateNumber(P->d->num[i]);
    if (it == NULL) {
      fail_oom(P);
      return -1;
    }
    cJSON_AddItemToArray(arr, it);
  }
  P->d->nnum = base;
  return 0;
}

enum arr_mode { ARR_START, ARR_NUMS, ARR_ROWS, ARR_MIXED };

/* The lengths of the rows of an array of rows being read: a row keeps no node of its
 * own (a node per row would cost more than the row's numbers when rows are short),
 * only its length; its numbers follow the previous row's in the packed buffer. While
 * every row has the first row's length, only the count is kept (len is NULL). */
struct row_lens {
  size_t *len;
  size_t n, cap;
  size_t first;     /* the first row's length */
};

static int row_push(struct parser *P, struct row_lens *r, size_t len)
{
  if (r->n == 0)
    r->first = len;
  if (r->len == NULL && len == r->first) {
    r->n++;
    return 0;
  }
  if (r->len == NULL || r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : r->n < 32 ? 64 : 2 * r->n;
    size_t *q = cap <= SIZE_MAX / sizeof *q ? realloc(r->len, cap * sizeof *q) : NULL;
    if (q == NULL) {
      fail_oom(P);
      return -1;
    }
    if (r->len == NULL) /* the first ragged row: the rows before it all had `first` */
      for (size_t i = 0; i < r->n; i++)
        q[i] = r->first;
    r->len = q;
    r->cap = cap;
  }
  r->len[r->n++] = len;
  return 0;
}

/* The array turned out not to be rows of numbers alone: the rows read so far become
 * packed child nodes again, in order, so that errors can point into them. */
static int rows_to_nodes(struct parser *P, cJSON *arr, size_t base, const struct row_lens *r)
{
  size_t off = base;
  for (size_t i = 0; i < r->n; i++) {
    struct jdoc_arr e;
    cJSON *row;
    if (count_node(P) != 0)
      return -1;
    row = cJSON_CreateArray();
    if (row == NULL) {
      fail_oom(P);
      return -1;
    }
    cJSON_AddItemToArray(arr, row);
    memset(&e, 0, sizeof e);
    e.off = off;
    e.ndim = 1;
    e.dim[0] = r->len != NULL ? r->len[i] : r->first;
    if (pack(P, row, &e) != 0)
      return -1;
    off += e.dim[0];
  }
  return 0;
}

/* ============================================= Large arrays, read in parallel */

/* A large array of numbers, or of rows of numbers, is read on several threads: the
 * text from the first element on is cut at about equal byte offsets, each cut moved
 * forward to the next element (past the next ',', or for rows to the '[' after the
 * next "],"), and each part read into its own buffer. Anything else (a string, an
 * object, deeper nesting, a number num_parse refuses, the element limit) makes the
 * whole attempt stand down, and the ordinary scanner reads the array, with its exact
 * error messages; a part that starts after the array's end is simply not used. The
 * parts write straight into the packed buffer, each into a region sized for the most
 * numbers its text could hold (one per two bytes), and are then moved down in order. */
#define BULK_MIN_BYTES ((size_t)256 * 1024)
#define BULK_PART_BYTES ((size_t)128 * 1024)
#define BULK_MAX_PARTS 64

struct bulk_part {
  const char *from;      /* the first element of the part */
  const char *next;      /* the next part's first element (NULL for the last part) */
  double *num;           /* its region of the packed buffer */
  size_t n, cap;
  size_t rows;           /* rows read (arrays of rows) */
  size_t first_len;      /* the length of the part's first row */
  size_t bad_row;        /* the part's first row of another length (rows when none) */
  size_t bad_len;        /* and its length */
  const char *stop;      /* the byte after the array's closing ']', if this part saw it */
  int ok;                /* read to `next` or to the end of the array, and nothing else */
};

struct bulk {
  const char *end;
  int rows;              /* an array of rows of numbers, not of numbers */
  int seen_end[BULK_MAX_PARTS]; /* part i saw the array's end: the parts after it stop */
  struct bulk_part part[BULK_MAX_PARTS];
};

static const char *bulk_ws(const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  return p;
}

static int bulk_push(struct bulk_part *b, double v)
{
  if (b->n == b->cap)
    return -1;
  b->num[b->n++] = v;
  return 0;
}

/* Reads one number at p; returns the byte after it, or NULL. */
static const char *bulk_number(struct bulk_part *b, const char *p, const char *end)
{
  double v;
  const char *q;
  if (p >= end || !is_num_start(*p))
    return NULL;
  q = num_parse(p, end, &v);
  if (q == NULL || bulk_push(b, v) != 0)
    return NULL;
  return q;
}

/* Reads one row "[n, n, ...]" at p into the part; returns the byte after it, or NULL. */
static const char *bulk_row(struct bulk_part *b, const char *p, const char *end)
{
  size_t len = 0;
  if (p >= end || *p != '[')
    return NULL;
  p = bulk_ws(p + 1, end);
  if (p < end && *p == ']')
    p++;
  else
    for (;;) {
      p = bulk_number(b, p, end);
      if (p == NULL)
        return NULL;
      len++;
      p = bulk_ws(p, end);
      if (p < end && *p == ',') {
        p = bulk_ws(p + 1, end);
        continue;
      }
      if (p < end && *p == ']') {
        p++;
        break;
      }
      return NULL;
    }
  if (b->rows == 0) {
    b->first_len = len;
    b->bad_row = SIZE_MAX;
  } else if (len != b->first_len && b->bad_row == SIZE_MAX) {
    b->bad_row = b->rows;
    b->bad_len = len;
  }
  b->rows++;
  return p;
}

/* Whether a part before this one has seen the end of the array (which makes this
 * part's text something after the array, of no use). */
static int bulk_past_end(struct bulk *B, unsigned part)
{
  for (unsigned i = 0; i < part; i++)
    if (__atomic_load_n(&B->seen_end[i], __ATOMIC_RELAXED))
      return 1;
  return 0;
}

static void bulk_read(void *ctx, size_t lo, size_t hi, unsigned part)
{
  struct bulk *B = ctx;
  struct bulk_part *b = &B->part[part];
  const char *p = b->from, *end = B->end;
  unsigned k = 0;
  (void)lo;
  (void)hi;
  for (;;) {
    if (k++ % 256 == 0 && bulk_past_end(B, part))
      return;
    p = B->rows ? bulk_row(b, p, end) : bulk_number(b, p, end);
    if (p == NULL)
      return;
    p = bulk_ws(p, end);
    if (p < end && *p == ',') {
      p = bulk_ws(p + 1, end);
      if (p == b->next) {
        b->ok = 1;
        return;
      }
      if (b->next != NULL && p > b->next)
        return;
      continue;
    }
    if (p < end && *p == ']') {
      b->stop = p + 1;
      b->ok = 1;
      __atomic_store_n(&B->seen_end[part], 1, __ATOMIC_RELAXED);
    }
    return;
  }
}

/* The first element after the next ',' at or after q; NULL when a byte that cannot be
 * in a flat array of numbers comes first. */
static const char *bulk_cut(const char *q, const char *end)
{
  for (; q < end; q++) {
    char ch = *q;
    if (ch == '"' || ch == '{' || ch == '}' || ch == '[' || ch == ']')
      return NULL;
    if (ch == ',')
      return bulk_ws(q + 1, end);
  }
  return NULL;
}

/* The '[' of the row after the next "]," at or after q (in an array of rows of
 * numbers); NULL when a byte that cannot be there comes first. */
static const char *bulk_cut_rows(const char *q, const char *end)
{
  for (; q < end; q++) {
    char ch = *q;
    if (ch == '"' || ch == '{' || ch == '}' || ch == '[')
      return NULL;
    if (ch == ']') {
      q = bulk_ws(q + 1, end);
      if (q >= end || *q != ',')
        return NULL;
      q = bulk_ws(q + 1, end);
      return q < end && *q == '[' ? q : NULL;
    }
  }
  return NULL;
}

/* Tries to read the array whose first element is at P->p (the '[' already passed).
 * Returns 1 with the numbers appended to the packed buffer, *e filled and P->p after
 * the closing ']'; 0 when the ordinary scanner should read it (nothing changed); -1
 * on running out of memory (the error is set). */
static int bulk_array(struct parser *P, unsigned depth, struct jdoc_arr *e)
{
  struct bulk *B;
  size_t avail = (size_t)(P->end - P->p), total = 0, room = 0;
  unsigned parts = par_parts(avail, BULK_PART_BYTES), used = 0;
  int ret = 0;

  /* Only where the element limit cannot be reached (a number takes two bytes at least
   * with its ','): the parts never hold more numbers than the limit allows. */
  /* Only an array that is the body or a field of the body object (depth 1 or 2): the
   * rows of an array of rows never try, nor pay for trying, once each. */
  if (depth > 2 || avail < BULK_MIN_BYTES || parts < 2 ||
      !(is_num_start(*P->p) || *P->p == '[') || P->d->count > P->max_elements ||
      avail / 2 + 1 > P->max_elements - P->d->count)
    return 0;
  /* Rows whose first is short (under 64 bytes of text) are read in order: the parts
   * would save little on them, and take a row's worth of doubles for each of theirs
   * that is moved into place. */
  if (*P->p == '[') {
    size_t look = (size_t)(P->end - P->p) < 64 ? (size_t)(P->end - P->p) : 64;
    if (memchr(P->p, ']', look) != NULL)
      return 0;
  }
  if (parts > BULK_MAX_PARTS)
    parts = BULK_MAX_PARTS;
  B = calloc(1, sizeof *B);
  if (B == NULL)
    return 0;
  B->end = P->end;
  B->rows = *P->p == '[';
  B->part[0].from = P->p;
  for (unsigned i = 1; i < parts; i++) {
    const char *at = P->p + avail / parts * i;
    const char *c = B->rows ? bulk_cut_rows(at, P->end) : bulk_cut(at, P->end);
    if (c == NULL || c <= B->part[i - 1].from) {
      parts = i;
      break;
    }
    B->part[i].from = c;
    B->part[i - 1].next = c;
  }
  /* the regions: at most one number per two bytes of a part's text, and one more */
  for (unsigned i = 0; i < parts; i++) {
    const char *to = B->part[i].next != NULL ? B->part[i].next : P->end;
    B->part[i].cap = (size_t)(to - B->part[i].from) / 2 + 2;
    room += B->part[i].cap;
  }
  if (room > SIZE_MAX / sizeof(double) - P->d->nnum)
    goto out;
  if (P->d->capnum - P->d->nnum < room && num_resize(P->d, P->d->nnum + room) != 0) {
    fail_oom(P);
    ret = -1;
    goto out;
  }
  {
    double *at = P->d->num + P->d->nnum;
    for (unsigned i = 0; i < parts; i++) {
      B->part[i].num = at;
      at += B->part[i].cap;
    }
  }
  par_run(parts, parts, bulk_read, B);
  /* the parts up to the one that saw the closing ']', each read cleanly to the next */
  for (unsigned i = 0; i < parts; i++) {
    struct bulk_part *b = &B->part[i];
    if (!b->ok)
      break;
    total += b->n;
    if (b->stop != NULL) {
      used = i + 1;
      break;
    }
  }
  if (used == 0 || P->d->count + total > P->max_elements)
    goto out;
  /* moved down into one run (a region never starts before the run's end) */
  {
    double *w = P->d->num + P->d->nnum;
    for (unsigned i = 0; i < used; i++) {
      memmove(w, B->part[i].num, B->part[i].n * sizeof *w);
      w += B->part[i].n;
    }
  }
  memset(e, 0, sizeof *e);
  e->off = P->d->nnum;
  e->ndim = 1;
  e->dim[0] = total;
  if (B->rows) {
    /* rows, the length of row 0, and the first row of another length */
    size_t rows = 0;
    e->ndim = 2;
    e->dim[1] = B->part[0].first_len;
    for (unsigned i = 0; i < used; i++) {
      const struct bulk_part *b = &B->part[i];
      if (!e->ragged && b->rows > 0 && b->first_len != e->dim[1]) {
        e->ragged = 1;
        e->bad_row = rows;
        e->bad_len = b->first_len;
      } else if (!e->ragged && b->bad_row != SIZE_MAX) {
        e->ragged = 1;
        e->bad_row = rows + b->bad_row;
        e->bad_len = b->bad_len;
      }
      rows += b->rows;
    }
    e->dim[0] = rows;
  }
  P->d->nnum += total;
  P->d->count += total;
  P->p = B->part[used - 1].stop;
  ret = 1;
out:
  free(B);
  return ret;
}

static cJSON *scan_array(struct parser *P, unsigned depth)
{
  enum arr_mode mode = ARR_START;
  size_t base = P->d->nnum, n = 0;
  struct jdoc_arr e;
  struct row_lens rows = { NULL, 0, 0, 0 };
  cJSON *arr;

  memset(&e, 0, sizeof e);
  if (depth > JDOC_MAX_DEPTH) {
    fail(P, JDOC_SYNTAX, P->p, "nesting deeper than %d levels", JDOC_MAX_DEPTH);
    return NULL;
  }
  arr = cJSON_CreateArray();
  if (arr == NULL) {
    fail_oom(P);
    return NULL;
  }
  P->p++;
  skip_ws(P);
  if (P->p < P->end && *P->p == ']') {
    P->p++;
    e.off = base;
    e.ndim = 1;
    if (pack(P, arr, &e) != 0)
      goto fail;
    return arr;
  }
  switch (bulk_array(P, depth, &e)) {
  case 1:
    if (pack(P, arr, &e) != 0)
      goto fail;
    return arr;
  case -1:
    goto fail;
  default:
    break;
  }
  for (;;) {
    skip_ws(P);
    if (P->p >= P->end) {
      expected(P, "a value");
      goto fail;
    }
    if ((mode == ARR_START || mode == ARR_NUMS) && is_num_start(*P->p)) {
      double v;
      if (scan_number(P, &v) != 0 || push_num(P, v) != 0)
        goto fail;
      mode = ARR_NUMS;
    } else {
      cJSON *child;
      const struct jdoc_arr *row;
      if (mode == ARR_NUMS) {
        if (unpack_numbers(P, arr, base) != 0)
          goto fail;
        mode = ARR_MIXED;
      }
      child = scan_value(P, depth);
      if (child == NULL)
        goto fail;
      row = jdoc_packed(P->d, child);
      if ((mode == ARR_START || mode == ARR_ROWS) && row != NULL && row->ndim == 1) {
        if (mode == ARR_START) {
          e.dim[1] = row->dim[0];
        } else if (row->dim[0] != e.dim[1] && !e.ragged) {
          e.ragged = 1;
          e.bad_row = n;
          e.bad_len = row->dim[0];
        }
        /* the row was the last array packed: keep its length, drop its entry and node */
        if (row_push(P, &rows, row->dim[0]) != 0) {
          cJSON_Delete(child);
          goto fail;
        }
        if ((size_t)child->valueint + 1 == P->d->narr)
          P->d->narr--;
        P->nodes--;
        cJSON_Delete(child);
        mode = ARR_ROWS;
      } else {
        if (mode == ARR_ROWS && rows_to_nodes(P, arr, base, &rows) != 0) {
          cJSON_Delete(child);
          goto fail;
        }
        cJSON_AddItemToArray(arr, child);
        mode = ARR_MIXED;
      }
    }
    n++;
    skip_ws(P);
    if (P->p < P->end && *P->p == ',') {
      P->p++;
      continue;
    }
    if (P->p < P->end && *P->p == ']') {
      P->p++;
      break;
    }
    expected(P, "',' or ']' after an array element");
    goto fail;
  }
  if (mode == ARR_NUMS) {
    e.off = base;
    e.ndim = 1;
    e.dim[0] = n;
    if (pack(P, arr, &e) != 0)
      goto fail;
  } else if (mode == ARR_ROWS) {
    e.off = base;
    e.ndim = 2;
    e.dim[0] = n;
    if (pack(P, arr, &e) != 0)
      goto fail;
  }
  free(rows.len);
  return arr;
fail:
  free(rows.len);
  cJSON_Delete(arr);
  return NULL;
}

static cJSON *scan_object(struct parser *P, unsigned depth)
{
  cJSON *obj;

  if (depth > JDOC_MAX_DEPTH) {
    fail(P, JDOC_SYNTAX, P->p, "nesting deeper than %d levels", JDOC_MAX_DEPTH);
    return NULL;
  }
  obj = cJSON_CreateObject();
  if (obj == NULL) {
    fail_oom(P);
    return NULL;
  }
  P->p++;
  skip_ws(P);
  if (P->p < P->end && *P->p == '}') {
    P->p++;
    return obj;
  }
  for (;;) {
    char *key;
    cJSON *child;

    skip_ws(P);
    if (P->p >= P->end || *P->p != '"') {
      expected(P, "a string (an object key)");
      goto fail;
    }
    if (scan_string(P) != 0)
      goto fail;
    key = malloc(P->str.len + 1);
    if (key == NULL) {
      fail_oom(P);
      goto fail;
    }
    memcpy(key, P->str.p, P->str.len + 1);
    skip_ws(P);
    if (P->p >= P->end || *P->p != ':') {
      free(key);
      expected(P, "':' after an object key");
      goto fail;
    }
    P->p++;
    skip_ws(P);
    child = scan_value(P, depth);
    if (child == NULL) {
      free(key);
      goto fail;
    }
    child->string = key;
    cJSON_AddItemToArray(obj, child);
    skip_ws(P);
    if (P->p < P->end && *P->p == ',') {
      P->p++;
      continue;
    }
    if (P->p < P->end && *P->p == '}') {
      P->p++;
      break;
    }
    expected(P, "',' or '}' after an object member");
    goto fail;
  }
  return obj;
fail:
  cJSON_Delete(obj);
  return NULL;
}

static int literal(struct parser *P, const char *word)
{
  size_t n = strlen(word);
  if ((size_t)(P->end - P->p) >= n && memcmp(P->p, word, n) == 0) {
    P->p += n;
    return 1;
  }
  return 0;
}

static cJSON *scan_value(struct parser *P, unsigned depth)
{
  cJSON *v = NULL;

  if (P->p >= P->end) {
    expected(P, "a value");
    return NULL;
  }
  if (count_node(P) != 0)
    return NULL;
  switch (*P->p) {
  case '{':
    return scan_object(P, depth + 1);
  case '[':
    return scan_array(P, depth + 1);
  case '"':
    if (scan_string(P) != 0)
      return NULL;
    v = cJSON_CreateString(P->str.p);
    break;
  case 't':
    if (literal(P, "true"))
      v = cJSON_CreateTrue();
    else
      goto bad;
    break;
  case 'f':
    if (literal(P, "false"))
      v = cJSON_CreateFalse();
    else
      goto bad;
    break;
  case 'n':
    if (literal(P, "null"))
      v = cJSON_CreateNull();
    else
      goto bad;
    break;
  case 'N':
  case 'I':
    fail(P, JDOC_SYNTAX, P->p, "NaN and Infinity are not JSON numbers");
    return NULL;
  default:
    if (is_num_start(*P->p)) {
      double d;
      if (scan_number(P, &d) != 0)
        return NULL;
      v = cJSON_CreateNumber(d);
      break;
    }
    goto bad;
  }
  if (v == NULL)
    fail_oom(P);
  return v;
bad:
  expected(P, "a value (object, array, string, number, true, false or null)");
  return NULL;
}

/* ================================================================= Entry */

void jdoc_free(struct jdoc *d)
{
  if (d == NULL)
    return;
  cJSON_Delete(d->root);
  free(d->arr);
  num_release(d);
  free(d);
}

int jdoc_parse(const char *s, size_t n, size_t max_elements, struct jdoc **out,
               struct jdoc_err *err)
{
  struct parser P;
  struct jdoc *d;
  cJSON *root = NULL;

  *out = NULL;
  memset(err, 0, sizeof *err);
  if (s == NULL)
    s = "";
  d = calloc(1, sizeof *d);
  if (d == NULL)
    goto oom;
  memset(&P, 0, sizeof P);
  P.s = P.p = s;
  P.end = s + n;
  P.d = d;
  P.max_elements = max_elements;
  buf_init(&P.str, 64);
  /* The packed buffer is sized at once for the most numbers the body could hold (one
   * per two bytes, and the slack of the parts of a large array), within the element
   * limit: its pages are only touched as numbers land, and it is not copied as it
   * fills. */
  {
    size_t most = n / 2 + 1 + 2 * BULK_MAX_PARTS;
    if (most > P.max_elements + 2 * BULK_MAX_PARTS)
      most = P.max_elements + 2 * BULK_MAX_PARTS;
    if (most > 64 && num_resize(d, most) != 0) {
      jdoc_free(d);
      buf_free(&P.str);
      goto oom;
    }
  }

  /* A UTF-8 byte order mark (some Windows tools write one) is skipped, as RFC 8259
   * section 8.1 allows; offsets in messages still count from the first byte. */
  if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
    P.p += 3;
  skip_ws(&P);
  if (P.p >= P.end) {
    fail(&P, JDOC_SYNTAX, P.p, "empty body, expected a JSON value");
  } else {
    root = scan_value(&P, 0);
    if (root != NULL) {
      skip_ws(&P);
      if (P.p < P.end)
        expected(&P, "the end of the input after the JSON value");
    }
  }
  buf_free(&P.str);
  if (P.status == 0) {
    d->root = root;
    *out = d;
    return 0;
  }
  cJSON_Delete(root);
  jdoc_free(d);
  err->fail = (enum jdoc_fail)P.status;
  err->offset = (size_t)(P.at - s);
  err->line = err->col = 1;
  for (const char *q = s; q < P.at; q++) {
    if (*q == '\n') {
      err->line++;
      err->col = 1;
    } else if (((unsigned char)*q & 0xC0) != 0x80) {
      err->col++;
    }
  }
  snprintf(err->msg, sizeof err->msg, "%s", P.msg);
  return -1;
oom:
  err->fail = JDOC_NOMEM;
  snprintf(err->msg, sizeof err->msg, "out of memory");
  return -1;
}

/* end of jdoc.c */
