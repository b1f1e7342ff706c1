/*
 * jptr.h: JSON Pointers (RFC 6901) into a request or a reply, and the names people
 * read in messages: "/x/1/3" is x[1][3], "/params/alpha" is params.alpha.
 */
#ifndef NEUROND_CODEC_JPTR_H
#define NEUROND_CODEC_JPTR_H

#include <stddef.h>

#include "codec/buf.h"

#define JPTR_MAX 512   /* room for a pointer */
#define JNAME_MAX 256  /* room for a name */

/* Human name of a field for messages, from a JSON Pointer: "/x/1/3" -> "x[1][3]";
 * "" or NULL -> "the body". */
void jptr_name(const char *ptr, char *out, size_t outsz);
/* ptr + "/" + key, the key escaped as RFC 6901 says ('~' -> "~0", '/' -> "~1"). */
void jptr_key(char *out, size_t outsz, const char *ptr, const char *key);
/* ptr + "/" + i. */
void jptr_index(char *out, size_t outsz, const char *ptr, size_t i);
/* The pointer of flat element i of an array shaped s at base: "/x/1/0". */
void jptr_flat(char *out, size_t cap, const char *base, const struct shape *s, size_t i);

#endif /* NEUROND_CODEC_JPTR_H */
