/*
 * exec.c: the engine's calls for one request, split across the pool (exec.h).
 */
#include <string.h>

#include "exec/exec.h"
#include "exec/par.h"

/* Elements per part below which an activation is not split. */
#define ACT_GRAIN 16384
/* Multiply-adds per part below which a layer is not split. */
#define LAYER_GRAIN ((size_t)1 << 16)

/* ============================================================= Activations */

/* One part: eng_activate on units [lo, hi), an element each for an element-wise
 * function, a row each for a vector one; every pointer offset to match. */
struct act_job {
  const struct eng_activation *a;
  const double *p, *x;
  size_t k, w;
  const struct eng_act_out *o;
  int rc[PAR_MAX];
};

static double *off(double *v, size_t i)
{
  return v != NULL ? v + i : NULL;
}

static void act_part(void *ctx, size_t lo, size_t hi, unsigned part)
{
  struct act_job *j = ctx;
  struct eng_act_out o = *j->o;
  size_t in = j->a->kind == ENG_VECTOR ? j->k : 1, outw = j->a->kind == ENG_VECTOR ? j->w : 1;
  o.y = off(o.y, lo * outw);
  o.dy = off(o.dy, lo);
  o.d2y = off(o.d2y, lo);
  for (unsigned q = 0; q < ENG_MAX_PARAMS; q++)
    o.dp[q] = off(o.dp[q], lo);
  o.jac = off(o.jac, lo * j->w * j->k);
  o.argmax = o.argmax != NULL ? o.argmax + lo : NULL;
  o.grad_x = off(o.grad_x, lo * in);
  o.grad_y = o.grad_y != NULL ? o.grad_y + lo * outw : NULL;
  j->rc[part] = eng_activate(j->a, j->p, j->x + lo * in, (hi - lo) * in, j->k, &o);
}

int exec_activate(const struct eng_activation *a, const double *p, const double *x, size_t n,
                  size_t k, size_t w, const struct eng_act_out *o)
{
  struct act_job j;
  size_t units = a->kind == ENG_VECTOR ? n / k : n;
  unsigned parts = par_parts(n, ACT_GRAIN);
  if (parts <= 1 || units < parts)
    return eng_activate(a, p, x, n, k, o);
  memset(&j, 0, sizeof j);
  j.a = a;
  j.p = p;
  j.x = x;
  j.k = k;
  j.w = w;
  j.o = o;
  par_run(units, parts, act_part, &j);
  for (unsigned i = 0; i < parts; i++)
    if (j.rc[i] != ENG_OK)
      return j.rc[i];
  return ENG_OK;
}

/* ================================================================== Layers */

struct layer_job {
  const struct eng_layer *l;
  double *z, *a;                        /* forward */
  const double *grad_z;                 /* backward */
  double *grad_w, *grad_b, *grad_x;
  unsigned parts;
  int rc[PAR_MAX];
};

static void forward_part(void *ctx, size_t lo, size_t hi, unsigned part)
{
  struct layer_job *j = ctx;
  struct eng_layer sub = *j->l;
  size_t width = eng_layer_width(j->l);
  sub.m = hi - lo;
  sub.x = j->l->x + lo * j->l->d;
  j->rc[part] = sub.m == 0 ? ENG_OK
                           : eng_layer_forward(&sub, j->z + lo * j->l->k,
                                               j->a != NULL ? j->a + lo * width : NULL);
}

/* Part `part` of j->parts: grad_W and grad_b of the neurons [k part / n, k (part + 1) / n)
 * and grad_x of the samples cut likewise. */
static void backward_part(void *ctx, size_t lo, size_t hi, unsigned part)
{
  struct layer_job *j = ctx;
  const struct eng_layer *l = j->l;
  size_t n = j->parts, j0 = l->k * part / n, j1 = l->k * (part + 1) / n;
  size_t i0 = l->m * part / n, i1 = l->m * (part + 1) / n;
  int rc = ENG_OK;
  (void)lo;
  (void)hi;
  if (j1 > j0 && (j->grad_w != NULL || j->grad_b != NULL))
    rc = eng_layer_grad_params(l, j->grad_z, j->grad_w, j->grad_b, j0, j1);
  if (rc == ENG_OK && i1 > i0 && j->grad_x != NULL)
    rc = eng_layer_grad_x(l, j->grad_z, j->grad_x, i0, i1);
  j->rc[part] = rc;
}

int exec_layer_forward(const struct eng_layer *l, double *z, double *a)
{
  unsigned parts = par_parts(l->m * l->k * l->d, LAYER_GRAIN);
  struct layer_job j;
  int rc = ENG_OK;

  if (parts > l->m)
    parts = (unsigned)l->m;
  if (parts <= 1)
    return eng_layer_forward(l, z, a);
  memset(&j, 0, sizeof j);
  j.l = l;
  j.z = z;
  j.a = a;
  par_run(l->m, parts, forward_part, &j);
  for (unsigned i = 0; i < parts && rc == ENG_OK; i++)
    rc = j.rc[i];
  return rc;
}

int exec_layer_backward(const struct eng_layer *l, const double *z, const double *a,
                        const double *grad_a, enum eng_loss loss, const struct eng_targets *t,
                        enum eng_reduction red, struct eng_backward_out *o, size_t *bad)
{
  unsigned parts = par_parts(l->m * l->k * l->d, LAYER_GRAIN);
  struct eng_backward_out oz = *o;
  struct layer_job j;
  int rc;

  if (parts > 1)
    oz.grad_w = oz.grad_b = oz.grad_x = NULL;
  rc = eng_layer_backward(l, z, a, grad_a, loss, t, red, &oz, bad);
  if (rc != ENG_OK || parts <= 1)
    return rc;
  memset(&j, 0, sizeof j);
  j.l = l;
  j.grad_z = o->grad_z;
  j.grad_w = o->grad_w;
  j.grad_b = o->grad_b;
  j.grad_x = o->grad_x;
  j.parts = parts;
  par_run(parts, parts, backward_part, &j);
  for (unsigned i = 0; i < parts && rc == ENG_OK; i++)
    rc = j.rc[i];
  return rc;
}

/* end of exec.c */
