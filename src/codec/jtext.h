/*
 * jtext.h: the text of values inside a JSON document that jdoc_parse has accepted:
 * where the value at a JSON Pointer starts, where each leaf of an array lies, and how
 * a number's decimal text compares with a double, exactly. For the reader that needs
 * more than the double nearest a number: one that rounds the number once to a format
 * narrower than double, where the double can lie on a tie of that format that the
 * decimal text does not. Part of the codec: no HTTP here.
 */
#ifndef NEUROND_CODEC_JTEXT_H
#define NEUROND_CODEC_JTEXT_H

#include <stddef.h>
#include <stdint.h>

/* A stretch of the text: s[off, off + len). */
struct jspan {
  size_t off, len;
};

#define JTEXT_NONE SIZE_MAX

/* The offset in s[0, n) of the value at the JSON Pointer ptr ("" is the whole
 * document), or JTEXT_NONE when there is none. Object keys are compared after their
 * escapes are decoded; with a key given twice, the first wins. The text must be valid
 * JSON (jdoc_parse accepted it). */
size_t jtext_find(const char *s, size_t n, const char *ptr);

/* Walks the value at offset off and numbers its leaves (numbers, strings, literals)
 * from 0 in the order of the text, depth first: the flat, row-major index of an
 * element of nested arrays. A value that is not an array is its own leaf 0. For each
 * of the nwant indices want[] (ascending), out[i] is the span of leaf want[i] ({0, 0}
 * when there is no such leaf). */
void jtext_leaves(const char *s, size_t n, size_t off, const size_t *want, size_t nwant,
                  struct jspan *out);

/* Sets *side to the sign of (the exact value of the JSON number t[0, len)) - d: -1, 0
 * or 1, for a finite d. Exact for every length of text (MPFR reads it). Returns 0, or
 * -1 when memory for a long text could not be had. */
int jtext_num_side(const char *t, size_t len, double d, int *side);

#endif /* NEUROND_CODEC_JTEXT_H */
