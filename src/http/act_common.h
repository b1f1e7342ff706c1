/*
 * act_common.h: what the handlers that take an activation share (h_activate.c,
 * h_neuron.c): resolving its name and its parameters against the engine's table,
 * and echoing the resolved parameters.
 */
#ifndef NEUROND_ACT_COMMON_H
#define NEUROND_ACT_COMMON_H

#include "engine.h"
#include "http.h"

/* The activation named by v (a name or alias) at ptr; 422 listing every valid name
 * when unknown. */
int act_resolve(struct hctx *c, const cJSON *v, const char *ptr,
                const struct eng_activation **out);

/* Writes every name in the table, each with its aliases: "identity (linear), step
 * (heaviside, binary_step), ..." (NUL-terminated, for a problem's detail). */
void act_put_names(struct buf *b);

/* Fills p with a's parameters: defaults, overridden by the object v (may be NULL) at
 * ptr. 422 naming the parameter for an unknown one, a wrong type, a value out of its
 * range (stating the range) or a broken constraint between parameters. */
int act_params(struct hctx *c, const struct eng_activation *a, const cJSON *v,
               const char *ptr, double *p);

/* Writes {"name": value, ...} with every parameter of a resolved (choices as strings). */
void act_put_params(struct buf *b, const struct eng_activation *a, const double *p);

#endif /* NEUROND_ACT_COMMON_H */
