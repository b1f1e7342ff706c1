/*
 * act_common.c: activation names and parameters from a request (act_common.h).
 * Every name, default and range comes from the engine's table.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "act_common.h"
#include "num.h"

void act_put_names(struct buf *b)
{
  size_t n = eng_activation_count();
  for (size_t i = 0; i < n; i++) {
    const struct eng_activation *a = eng_activation_at(i);
    if (i > 0)
      buf_puts(b, ", ");
    buf_puts(b, a->name);
    for (size_t j = 0; a->aliases[j] != NULL; j++) {
      buf_puts(b, j == 0 ? " (" : ", ");
      buf_puts(b, a->aliases[j]);
      if (a->aliases[j + 1] == NULL)
        buf_putc(b, ')');
    }
  }
  buf_putc(b, '\0');
}

int act_resolve(struct hctx *c, const cJSON *v, const char *ptr,
                const struct eng_activation **out)
{
  const char *name;
  struct buf b;

  if (ctx_string(c, v, ptr, &name) != 0)
    return -1;
  *out = eng_activation_lookup(name);
  if (*out != NULL)
    return 0;
  buf_init(&b, 1024);
  act_put_names(&b);
  problem(c, 422, ptr, "unknown activation \"%.64s\"; valid names: %s", name,
          b.failed ? "see GET /activations" : b.p);
  buf_free(&b);
  return -1;
}

/* "in (0, inf)", "in [-1, 1]", "any finite number" for a real parameter. */
static void range_text(const struct eng_param *prm, char *out, size_t cap)
{
  char lo[NUM_SPACE + 1], hi[NUM_SPACE + 1];
  int has_lo = prm->lo > -DBL_MAX, has_hi = prm->hi < DBL_MAX;

  if (!has_lo && !has_hi) {
    snprintf(out, cap, "any finite number");
    return;
  }
  lo[num_format(prm->lo, lo)] = '\0';
  hi[num_format(prm->hi, hi)] = '\0';
  if (has_lo && !has_hi)
    snprintf(out, cap, "a finite number %s %.*s", prm->lo_open ? ">" : ">=", NUM_MAX_LEN, lo);
  else if (!has_lo)
    snprintf(out, cap, "a finite number %s %.*s", prm->hi_open ? "<" : "<=", NUM_MAX_LEN, hi);
  else
    snprintf(out, cap, "in %c%.*s, %.*s%c", prm->lo_open ? '(' : '[', NUM_MAX_LEN, lo,
             NUM_MAX_LEN, hi, prm->hi_open ? ')' : ']');
}

int act_params(struct hctx *c, const struct eng_activation *a, const cJSON *v,
               const char *ptr, double *p)
{
  const char *names[ENG_MAX_PARAMS + 1];
  const cJSON *vals[ENG_MAX_PARAMS + 1] = {0};
  char pp[96], range[96];
  unsigned bad = 0;

  eng_params_default(a, p);
  if (v == NULL)
    return 0;
  if (!cJSON_IsObject(v)) {
    if (a->nparams == 0)
      return problem(c, 422, ptr, "params must be an object (%s has no parameters: {})",
                     a->name);
    return problem(c, 422, ptr, "params must be an object of %s's parameters", a->name);
  }
  for (unsigned j = 0; j < a->nparams; j++)
    names[j] = a->params[j].name;
  names[a->nparams] = NULL;
  if (a->nparams == 0 && v->child != NULL) {
    snprintf(pp, sizeof pp, "%s/%.48s", ptr, v->child->string);
    return problem(c, 422, pp, "%s has no parameters; \"%.48s\" is not one", a->name,
                   v->child->string);
  }
  if (ctx_fields(c, v, ptr, names, vals) != 0)
    return -1;
  for (unsigned j = 0; j < a->nparams; j++) {
    const struct eng_param *prm = &a->params[j];
    if (vals[j] == NULL)
      continue;
    snprintf(pp, sizeof pp, "%s/%s", ptr, prm->name);
    if (prm->type == ENG_PARAM_CHOICE) {
      int idx;
      if (!cJSON_IsString(vals[j]) ||
          (idx = eng_param_choice(prm, vals[j]->valuestring)) < 0) {
        struct buf b;
        buf_init(&b, 128);
        for (size_t i = 0; prm->choices[i] != NULL; i++) {
          if (i > 0)
            buf_puts(&b, ", ");
          buf_jstr(&b, prm->choices[i]);
        }
        buf_putc(&b, '\0');
        problem(c, 422, pp, "params.%s must be one of %s", prm->name, b.failed ? "" : b.p);
        buf_free(&b);
        return -1;
      }
      p[j] = idx;
    } else {
      if (!cJSON_IsNumber(vals[j]))
        return problem(c, 422, pp, "params.%s must be a number", prm->name);
      p[j] = vals[j]->valuedouble;
    }
  }
  if (eng_params_check(a, p, &bad) != ENG_OK) {
    const struct eng_param *prm = &a->params[bad];
    double val = p[bad];
    int in_range = isfinite(val) && (prm->lo_open ? val > prm->lo : val >= prm->lo) &&
                   (prm->hi_open ? val < prm->hi : val <= prm->hi);
    snprintf(pp, sizeof pp, "%s/%s", ptr, prm->name);
    if (in_range && a->constraint != NULL)
      return problem(c, 422, pp, "%s's parameters must satisfy %s", a->name, a->constraint);
    range_text(prm, range, sizeof range);
    return problem(c, 422, pp, "params.%s must be %s", prm->name, range);
  }
  return 0;
}

void act_put_params(struct buf *b, const struct eng_activation *a, const double *p)
{
  buf_putc(b, '{');
  for (unsigned j = 0; j < a->nparams; j++) {
    const struct eng_param *prm = &a->params[j];
    if (j > 0)
      buf_putc(b, ',');
    buf_jstr(b, prm->name);
    buf_putc(b, ':');
    if (prm->type == ENG_PARAM_CHOICE)
      buf_jstr(b, prm->choices[(size_t)p[j]]);
    else
      buf_num(b, p[j]);
  }
  buf_putc(b, '}');
}

/* end of act_common.c */
