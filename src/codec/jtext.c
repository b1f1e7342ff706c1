/*
 * jtext.c: values' text in a JSON document already accepted by jdoc_parse (jtext.h).
 * The walk trusts the grammar (it was checked), so it only tells strings, arrays,
 * objects and scalars apart and skips what it does not need. The exact comparison of
 * a number's text with a double is MPFR's.
 */
#include <stdlib.h>
#include <string.h>

#include <mpfr.h>

#include "codec/jtext.h"

/* Room for a decoded object key or pointer token; a longer key matches nothing. */
#define KEY_MAX 256

static size_t skip_ws(const char *s, size_t n, size_t p)
{
  while (p < n && (s[p] == ' ' || s[p] == '\n' || s[p] == '\r' || s[p] == '\t'))
    p++;
  return p;
}

/* Past the string that opens at s[p] ('"'). */
static size_t skip_string(const char *s, size_t n, size_t p)
{
  for (p++; p < n && s[p] != '"'; p++)
    if (s[p] == '\\')
      p++;
  return p < n ? p + 1 : n;
}

/* Past the value that starts at s[p]. */
static size_t skip_value(const char *s, size_t n, size_t p)
{
  size_t depth = 0;

  if (p >= n)
    return n;
  if (s[p] == '"')
    return skip_string(s, n, p);
  if (s[p] != '[' && s[p] != '{') {
    while (p < n && s[p] != ',' && s[p] != ']' && s[p] != '}' && s[p] != ' ' &&
           s[p] != '\n' && s[p] != '\r' && s[p] != '\t')
      p++;
    return p;
  }
  for (; p < n; p++) {
    if (s[p] == '"') {
      p = skip_string(s, n, p) - 1;
    } else if (s[p] == '[' || s[p] == '{') {
      depth++;
    } else if (s[p] == ']' || s[p] == '}') {
      if (--depth == 0)
        return p + 1;
    }
  }
  return n;
}

static int hexval(char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/* The four hex digits at s[p]. */
static unsigned hex4(const char *s, size_t n, size_t p)
{
  unsigned v = 0;
  for (size_t i = 0; i < 4 && p + i < n; i++)
    v = v << 4 | (unsigned)hexval(s[p + i]);
  return v;
}

static size_t put_utf8(char *out, size_t k, unsigned cp)
{
  if (k + 4 > KEY_MAX)
    return KEY_MAX + 1;
  if (cp < 0x80) {
    out[k++] = (char)cp;
  } else if (cp < 0x800) {
    out[k++] = (char)(0xC0 | (cp >> 6));
    out[k++] = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out[k++] = (char)(0xE0 | (cp >> 12));
    out[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[k++] = (char)(0x80 | (cp & 0x3F));
  } else {
    out[k++] = (char)(0xF0 | (cp >> 18));
    out[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[k++] = (char)(0x80 | (cp & 0x3F));
  }
  return k;
}

/* Decodes the string that opens at s[p] into out (KEY_MAX bytes); returns its length,
 * or KEY_MAX + 1 when it does not fit. */
static size_t decode_key(const char *s, size_t n, size_t p, char *out)
{
  size_t k = 0;

  for (p++; p < n && s[p] != '"' && k <= KEY_MAX; p++) {
    char ch = s[p];
    unsigned cp;
    if (ch != '\\') {
      if (k == KEY_MAX)
        return KEY_MAX + 1;
      out[k++] = ch;
      continue;
    }
    ch = s[++p];
    switch (ch) {
    case 'b': cp = '\b'; break;
    case 'f': cp = '\f'; break;
    case 'n': cp = '\n'; break;
    case 'r': cp = '\r'; break;
    case 't': cp = '\t'; break;
    case 'u':
      cp = hex4(s, n, p + 1);
      p += 4;
      if (cp >= 0xD800 && cp <= 0xDBFF) { /* a high surrogate, then \uDC00 .. \uDFFF */
        cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(s, n, p + 3) - 0xDC00);
        p += 6;
      }
      break;
    default: cp = (unsigned char)ch; break; /* '"', '\\', '/' */
    }
    k = put_utf8(out, k, cp);
  }
  return k;
}

/* The next token of the pointer at *ptr (after its '/'), unescaped ("~1" is '/', "~0"
 * is '~') into out; returns its length (KEY_MAX + 1 when too long). */
static size_t next_token(const char **ptr, char *out)
{
  const char *q = *ptr + 1;
  size_t k = 0;

  while (*q != '\0' && *q != '/') {
    char ch = *q++;
    if (ch == '~' && (*q == '0' || *q == '1'))
      ch = *q++ == '0' ? '~' : '/';
    if (k == KEY_MAX)
      k = KEY_MAX + 1;
    else if (k < KEY_MAX)
      out[k++] = ch;
  }
  *ptr = q;
  return k;
}

size_t jtext_find(const char *s, size_t n, const char *ptr)
{
  size_t p = skip_ws(s, n, 0);
  char tok[KEY_MAX], key[KEY_MAX];

  while (*ptr == '/') {
    size_t tl = next_token(&ptr, tok);
    if (p >= n || tl > KEY_MAX)
      return JTEXT_NONE;
    if (s[p] == '{') {
      int found = 0;
      p = skip_ws(s, n, p + 1);
      while (p < n && s[p] == '"') {
        size_t kl = decode_key(s, n, p, key);
        p = skip_ws(s, n, skip_string(s, n, p));
        p = skip_ws(s, n, p + 1); /* the ':' */
        if (kl == tl && memcmp(key, tok, tl) == 0) {
          found = 1;
          break;
        }
        p = skip_ws(s, n, skip_value(s, n, p));
        if (p < n && s[p] == ',')
          p = skip_ws(s, n, p + 1);
      }
      if (!found)
        return JTEXT_NONE;
    } else if (s[p] == '[') {
      size_t idx = 0;
      if (tl == 0)
        return JTEXT_NONE;
      for (size_t i = 0; i < tl; i++) {
        if (tok[i] < '0' || tok[i] > '9' || idx > (SIZE_MAX - 9) / 10)
          return JTEXT_NONE;
        idx = idx * 10 + (size_t)(tok[i] - '0');
      }
      p = skip_ws(s, n, p + 1);
      for (size_t i = 0; i < idx; i++) {
        if (p >= n || s[p] == ']')
          return JTEXT_NONE;
        p = skip_ws(s, n, skip_value(s, n, p));
        if (p < n && s[p] == ',')
          p = skip_ws(s, n, p + 1);
      }
      if (p >= n || s[p] == ']')
        return JTEXT_NONE;
    } else {
      return JTEXT_NONE;
    }
  }
  return p < n ? p : JTEXT_NONE;
}

/* The walk of jtext_leaves: leaf numbers in *leaf, the next wanted one in *k. */
struct walk {
  const char *s;
  size_t n;
  const size_t *want;
  size_t nwant, k, leaf;
  struct jspan *out;
};

static size_t walk_value(struct walk *w, size_t p)
{
  if (p >= w->n)
    return w->n;
  if (w->s[p] != '[') {
    size_t end = skip_value(w->s, w->n, p);
    if (w->k < w->nwant && w->want[w->k] == w->leaf) {
      w->out[w->k].off = p;
      w->out[w->k].len = end - p;
      w->k++;
    }
    w->leaf++;
    return end;
  }
  p = skip_ws(w->s, w->n, p + 1);
  while (p < w->n && w->s[p] != ']' && w->k < w->nwant) {
    p = skip_ws(w->s, w->n, walk_value(w, p));
    if (p < w->n && w->s[p] == ',')
      p = skip_ws(w->s, w->n, p + 1);
  }
  return w->k < w->nwant ? p + 1 : w->n; /* once every leaf is found, the walk stops */
}

void jtext_leaves(const char *s, size_t n, size_t off, const size_t *want, size_t nwant,
                  struct jspan *out)
{
  struct walk w = {s, n, want, nwant, 0, 0, out};
  for (size_t i = 0; i < nwant; i++)
    out[i].off = out[i].len = 0;
  walk_value(&w, off);
}

int jtext_num_side(const char *t, size_t len, double d, int *side)
{
  /* t is read rounded down to 64 bits: r = RD(t) <= t. Since d has 53 bits, r < d
   * exactly when t < d; r > d means t > d; r = d means t = d, or t > d when r is
   * inexact. */
  char small[64], *z = small;
  mpfr_t r;
  int inexact, cmp;

  if (len + 1 > sizeof small) {
    z = malloc(len + 1);
    if (z == NULL)
      return -1;
  }
  memcpy(z, t, len);
  z[len] = '\0';
  mpfr_init2(r, 64);
  inexact = mpfr_strtofr(r, z, NULL, 10, MPFR_RNDD);
  cmp = mpfr_cmp_d(r, d);
  mpfr_clear(r);
  if (z != small)
    free(z);
  if (cmp != 0)
    *side = cmp < 0 ? -1 : 1;
  else
    *side = inexact != 0 ? 1 : 0;
  return 0;
}

/* end of jtext.c */
