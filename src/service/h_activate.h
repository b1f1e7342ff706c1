/*
 * h_activate.h: the typed request of POST /activate, and the computation behind it,
 * shared by the fronts that take an activation request (our JSON, the inference
 * protocol's models).
 */
#ifndef NEUROND_SERVICE_H_ACTIVATE_H
#define NEUROND_SERVICE_H_ACTIVATE_H

#include "engine.h"
#include "service/outs.h"
#include "service/request.h"

/* The outputs a request may ask for (bits of act_req.outputs, in the order of
 * act_output_names). */
enum {
  ACT_OUT_Y = 1u << 0,
  ACT_OUT_DY = 1u << 1,
  ACT_OUT_D2Y = 1u << 2,
  ACT_OUT_DP = 1u << 3,
  ACT_OUT_JAC = 1u << 4
};
extern const char *const act_output_names[];

struct act_req {
  struct req_head head;
  const struct eng_activation *act;
  double p[ENG_MAX_PARAMS];
  struct tensor_in x;
  unsigned outputs;          /* ACT_OUT_* */
  struct tensor_in grad_y;
  int has_grad_y;            /* grad_y was given: grad_x is computed */
};

/* The engine's arrays for a request, and the shapes around them. */
struct act_result {
  struct eng_act_out o;
  struct shape yshape;
  size_t k, m, w;            /* row length, rows, outputs per row (vector functions) */
  char dp_wire[ENG_MAX_PARAMS][24]; /* "dy_d<param>", the names on the inference protocol */
};

/* The shape of y for r's x, and k, m, w as in act_result (any may be NULL). */
void act_y_shape(const struct act_req *r, struct shape *ys, size_t *k, size_t *m, size_t *w);

/* The checks of x and grad_y against the activation (done by the fields' hooks on
 * our JSON route), for a front that fills the request itself; ptr names where each
 * came from. */
int act_check_inputs(struct hctx *c, struct act_req *r, const char *xptr, const char *gptr);

/* Allocates the outputs r asks for (and grad_x when grad_y is given) and runs the
 * engine; 0, or -1 with a problem recorded. */
int act_compute(struct hctx *c, const struct act_req *r, struct act_result *res);

/* Lists the answer: activation, params, shape, then y, argmax, dy_dx, d2y_dx2,
 * dy_dparams {...}, jacobian and grad_x as computed. */
void act_outs(const struct act_req *r, const struct act_result *res, struct outs *l);

#endif /* NEUROND_SERVICE_H_ACTIVATE_H */
