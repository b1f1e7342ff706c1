/*
 * jptr.c: JSON Pointers and the names of fields in messages (jptr.h).
 */
#include <stdio.h>
#include <string.h>

#include "codec/jptr.h"

void jptr_name(const char *ptr, char *out, size_t outsz)
{
  size_t k = 0;
  int first = 1;

  if (outsz == 0)
    return;
  if (ptr == NULL || ptr[0] == '\0') {
    snprintf(out, outsz, "the body");
    return;
  }
#define PUT(ch)                  \
  do {                           \
    if (k + 1 < outsz)           \
      out[k++] = (ch);           \
  } while (0)
  while (*ptr == '/') {
    const char *seg = ++ptr;
    size_t n = strcspn(seg, "/");
    int index = n > 0;
    for (size_t i = 0; i < n; i++)
      if (seg[i] < '0' || seg[i] > '9')
        index = 0;
    if (index) {
      PUT('[');
    } else if (!first) {
      PUT('.');
    }
    for (size_t i = 0; i < n; i++) {
      if (seg[i] == '~' && i + 1 < n && (seg[i + 1] == '0' || seg[i + 1] == '1')) {
        PUT(seg[i + 1] == '0' ? '~' : '/');
        i++;
      } else {
        PUT(seg[i]);
      }
    }
    if (index)
      PUT(']');
    first = 0;
    ptr = seg + n;
  }
#undef PUT
  out[k] = '\0';
}

void jptr_key(char *out, size_t outsz, const char *ptr, const char *key)
{
  size_t k = (size_t)snprintf(out, outsz, "%s/", ptr != NULL ? ptr : "");
  for (; *key != '\0' && k + 3 < outsz; key++) {
    if (*key == '~') {
      out[k++] = '~';
      out[k++] = '0';
    } else if (*key == '/') {
      out[k++] = '~';
      out[k++] = '1';
    } else {
      out[k++] = *key;
    }
  }
  if (k < outsz)
    out[k] = '\0';
}

void jptr_index(char *out, size_t outsz, const char *ptr, size_t i)
{
  snprintf(out, outsz, "%s/%zu", ptr != NULL ? ptr : "", i);
}

void jptr_flat(char *out, size_t cap, const char *base, const struct shape *s, size_t i)
{
  size_t idx[SHAPE_MAX_DIMS], len;
  for (unsigned d = s->ndim; d-- > 0;) {
    idx[d] = i % s->dim[d];
    i /= s->dim[d];
  }
  len = (size_t)snprintf(out, cap, "%s", base);
  for (unsigned d = 0; d < s->ndim && len < cap; d++)
    len += (size_t)snprintf(out + len, cap - len, "/%zu", idx[d]);
}

/* end of jptr.c */
