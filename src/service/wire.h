/*
 * wire.h: the encoders, one per wire format, that write a route's answer (outs.h).
 * A new wire format is one more encoder here.
 */
#ifndef NEUROND_SERVICE_WIRE_H
#define NEUROND_SERVICE_WIRE_H

#include "codec/buf.h"
#include "service/outs.h"

/* Our JSON: one object, a member per item in order (nested objects for OUT_OPEN ..
 * OUT_CLOSE), numbers in the shortest form that reads back to the same double.
 * Returns the number of tensor entries that are not finite (written as null: the
 * caller then reports the overflow, outs_check, and drops the text). */
size_t wire_json(const struct outs *l, struct buf *b);

/* A size to reserve for wire_json's text of l. */
size_t wire_json_estimate(const struct outs *l);

/* Writes {"name": value, ...} with every parameter of a (choices as strings). */
void wire_json_params(struct buf *b, const struct eng_activation *a, const double *p);

#endif /* NEUROND_SERVICE_WIRE_H */
