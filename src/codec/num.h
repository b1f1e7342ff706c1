/*
 * num.h: the number codec for JSON arrays of doubles.
 *
 * num_format writes the shortest decimal string that parses back to exactly the same
 * double; num_parse reads a JSON number token to the correctly rounded double. Both
 * are pure functions of their arguments: thread-safe, no allocation, no locale.
 */
#ifndef NEUROND_NUM_H
#define NEUROND_NUM_H

#include <stddef.h>

/* The longest text num_format writes: "-2.2250738585072014e-308" is 24 chars. */
#define NUM_MAX_LEN 25

/* The room num_format needs at dst: it writes in whole words, and may store past the
 * end of its text (never past dst + NUM_SPACE). */
#define NUM_SPACE 48

/* Writes finite v at dst (which has NUM_SPACE bytes) with no NUL, and returns the
 * number of chars written. Form: the shortest round-trip digits; integers print as
 * integers ("3", "-0", "100"), plain decimal when the decimal exponent e of the leading digit satisfies
 * -7 < e < 21 ("0.1", "123.25", "0.000001"), scientific otherwise ("1e21",
 * "1.5e-7", "5e-324"), with no '+' in exponents. NaN and infinities are not JSON: the
 * caller never passes them (num_format writes "null" for them, as a last resort). */
size_t num_format(double v, char *dst);

/* Reads the JSON number that starts at s (s < end) and stops at the first char that
 * cannot continue it. JSON grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
 * On success stores the correctly rounded double (+-inf when the value overflows,
 * +-0 when it underflows) in *out and returns a pointer just past the number; returns
 * NULL when s does not start with a valid JSON number. */
const char *num_parse(const char *s, const char *end, double *out);

#endif /* NEUROND_NUM_H */
