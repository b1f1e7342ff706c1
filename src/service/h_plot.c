/*
 * h_plot.c: GET /plot.svg: a drawing of an element-wise activation and its derivatives
 * as a standalone SVG document (axes, ticks, grid, legend, one line per output), every
 * value from the engine.
 *
 *   /plot.svg?activation=gelu&approximate=tanh&outputs=y,dy_dx,d2y_dx2&from=-5&to=5&points=401
 *
 * Query parameters: activation (required; a name or alias), the activation's
 * parameters by name, outputs (comma-separated among y, dy_dx, d2y_dx2, dy_dparams;
 * default y,dy_dx), from and to (default -5 and 5, from < to), points (2 to 10001,
 * default 401), width and height in pixels (default 720 x 420). A bad value is a
 * problem whose pointer names the parameter ("/from"), as if the query were a JSON
 * object. (libmicrohttpd keeps an escape it cannot decode as it is; req_query's 400 for
 * one is for a query string that reaches the route raw, as in the fuzz target.)
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/buf.h"
#include "exec/exec.h"
#include "service/routes.h"

#define PLOT_MAX_POINTS 10001
#define QMAX 32

static const char *const plot_outputs[] = {"y", "dy_dx", "d2y_dx2", "dy_dparams", NULL};
static const char *const colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                      "#ff7f0e", "#8c564b"};

/* A number from a query value: the whole text a finite number. */
static int qnumber(struct hctx *c, const char *key, const char *v, double lo, double hi,
                   int integer, double *out)
{
  char *end, ptr[JPTR_MAX];
  double d = strtod(v, &end);
  jptr_key(ptr, sizeof ptr, "", key);
  if (*v == '\0' || *end != '\0' || !isfinite(d))
    return problem(c, 422, ptr, "%s must be a finite number, not \"%.40s\"", key, v);
  if (d < lo || d > hi || (integer && floor(d) != d))
    return problem(c, 422, ptr, "%s must be %s in [%g, %g]", key,
                   integer ? "an integer" : "a number", lo, hi);
  *out = d;
  return 0;
}

/* "1e-05" -> a short tick label; -0 prints as 0. */
static void tick_label(double v, double step, char *out, size_t cap)
{
  if (fabs(v) < step * 1e-9)
    v = 0;
  snprintf(out, cap, "%.6g", v);
}

/* A step of 1, 2 or 5 times a power of ten giving about n ticks over [lo, hi]. */
static double nice_step(double lo, double hi, int n)
{
  double raw = (hi - lo) / n, p = pow(10, floor(log10(raw))), f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

struct line {
  const char *name;   /* legend text */
  double *v;
};

static void draw(struct buf *b, const char *title, const double *x, size_t n,
                 const struct line *lines, size_t nlines, double w, double h)
{
  double ml = 64, mr = 16, mt = 40, mb = 44, pw = w - ml - mr, ph = h - mt - mb;
  double ylo = INFINITY, yhi = -INFINITY, xlo = x[0], xhi = x[n - 1], step;
  char s[512], lab[64];

  for (size_t k = 0; k < nlines; k++)
    for (size_t i = 0; i < n; i++)
      if (isfinite(lines[k].v[i])) {
        ylo = fmin(ylo, lines[k].v[i]);
        yhi = fmax(yhi, lines[k].v[i]);
      }
  if (!(ylo <= yhi))
    ylo = -1, yhi = 1;
  if (yhi - ylo < 1e-300 || !isfinite(yhi - ylo)) {
    double mid = ylo;
    ylo = mid - (fabs(mid) > 0 ? fabs(mid) * 0.5 : 1);
    yhi = mid + (fabs(mid) > 0 ? fabs(mid) * 0.5 : 1);
  } else {
    double pad = (yhi - ylo) * 0.05;
    ylo -= pad;
    yhi += pad;
  }
#define SX(xv) (ml + ((xv) - xlo) / (xhi - xlo) * pw)
#define SY(yv) (mt + (yhi - (yv)) / (yhi - ylo) * ph)
  snprintf(s, sizeof s,
           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
           "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Arial, sans-serif\" "
           "font-size=\"12\">\n",
           w, h, w, h);
  buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  buf_puts(b, s);
  buf_puts(b, "<title>");
  buf_puts(b, title);
  buf_puts(b, "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
  snprintf(s, sizeof s, "<text x=\"%.1f\" y=\"22\" font-size=\"14\" font-weight=\"bold\">",
           ml);
  buf_puts(b, s);
  buf_puts(b, title);
  buf_puts(b, "</text>\n<g stroke=\"#e4e4e4\" stroke-width=\"1\">\n");
  /* grid and ticks: x */
  step = nice_step(xlo, xhi, 8);
  {
    struct buf lbl;
    buf_init(&lbl, 1024);
    for (double k = ceil(xlo / step); k * step <= xhi + step * 1e-9; k++) {
      double xv = k * step, px = SX(xv);
      snprintf(s, sizeof s, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", px, mt,
               px, mt + ph);
      buf_puts(b, s);
      tick_label(xv, step, lab, sizeof lab);
      snprintf(s, sizeof s, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">%s</text>\n",
               px, mt + ph + 16, lab);
      buf_puts(&lbl, s);
    }
    step = nice_step(ylo, yhi, 6);
    for (double k = ceil(ylo / step); k * step <= yhi + step * 1e-9; k++) {
      double yv = k * step, py = SY(yv);
      snprintf(s, sizeof s, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", ml, py,
               ml + pw, py);
      buf_puts(b, s);
      tick_label(yv, step, lab, sizeof lab);
      snprintf(s, sizeof s, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">%s</text>\n",
               ml - 6, py + 4, lab);
      buf_puts(&lbl, s);
    }
    buf_puts(b, "</g>\n<g fill=\"#333333\">\n");
    if (!lbl.failed)
      buf_put(b, lbl.p, lbl.len);
    else
      b->failed = 1;
    buf_free(&lbl);
  }
  buf_puts(b, "</g>\n");
  /* axes: the frame, and the lines x = 0 and y = 0 where they fall inside */
  snprintf(s, sizeof s,
           "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
           "stroke=\"#888888\"/>\n", ml, mt, pw, ph);
  buf_puts(b, s);
  if (xlo < 0 && xhi > 0) {
    snprintf(s, sizeof s, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
             "stroke=\"#555555\"/>\n", SX(0), mt, SX(0), mt + ph);
    buf_puts(b, s);
  }
  if (ylo < 0 && yhi > 0) {
    snprintf(s, sizeof s, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
             "stroke=\"#555555\"/>\n", ml, SY(0), ml + pw, SY(0));
    buf_puts(b, s);
  }
  snprintf(s, sizeof s, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" "
           "fill=\"#333333\">x</text>\n", ml + pw / 2, h - 8);
  buf_puts(b, s);
  /* one line per output; a value that is not finite breaks the line */
  for (size_t k = 0; k < nlines; k++) {
    int open = 0;
    for (size_t i = 0; i < n; i++) {
      if (!isfinite(lines[k].v[i])) {
        if (open)
          buf_puts(b, "\"/>\n");
        open = 0;
        continue;
      }
      if (!open) {
        snprintf(s, sizeof s, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                 "stroke-linejoin=\"round\" points=\"", colours[k % 6]);
        buf_puts(b, s);
        open = 1;
      } else {
        buf_putc(b, ' ');
      }
      snprintf(s, sizeof s, "%.2f,%.2f", SX(x[i]), SY(lines[k].v[i]));
      buf_puts(b, s);
    }
    if (open)
      buf_puts(b, "\"/>\n");
  }
  /* the legend, top left inside the frame */
  snprintf(s, sizeof s, "<g font-size=\"12\"><rect x=\"%.2f\" y=\"%.2f\" width=\"118\" "
           "height=\"%.0f\" fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>\n",
           ml + 8, mt + 8, 8 + 18.0 * (double)nlines);
  buf_puts(b, s);
  for (size_t k = 0; k < nlines; k++) {
    double ly = mt + 8 + 13 + 18.0 * (double)k;
    snprintf(s, sizeof s, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
             "stroke-width=\"3\"/><text x=\"%.2f\" y=\"%.2f\">%s</text>\n",
             ml + 14, ly - 4, ml + 38, ly - 4, colours[k % 6], ml + 44, ly, lines[k].name);
    buf_puts(b, s);
  }
  buf_puts(b, "</g>\n</svg>\n");
#undef SX
#undef SY
}

void h_plot_get(struct hctx *c)
{
  struct qparam q[QMAX];
  size_t nq = 0, n, nlines = 0;
  const struct eng_activation *a = NULL;
  double p[ENG_MAX_PARAMS], from = -5, to = 5, points = 401, w = 720, h = 420, *x;
  unsigned want = 1u | 2u; /* y, dy_dx */
  struct line lines[3 + ENG_MAX_PARAMS];
  struct eng_act_out o = {0};
  cJSON *params = NULL;
  char title[256];
  struct buf b;
  size_t tl;
  int rc;

  if (req_query(c, q, QMAX, &nq) != 0)
    return;
  /* each key once; the activation first, as its parameters depend on it */
  for (size_t i = 0; i < nq; i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp(q[i].key, q[j].key) == 0) {
        char ptr[JPTR_MAX];
        jptr_key(ptr, sizeof ptr, "", q[i].key);
        problem(c, 422, ptr, "%.64s is given twice", q[i].key);
        return;
      }
  for (size_t i = 0; i < nq; i++)
    if (strcmp(q[i].key, "activation") == 0) {
      cJSON *v = cJSON_CreateString(q[i].value);
      int bad = v == NULL ? problem(c, 500, NULL, "out of memory")
                          : req_activation(c, v, "/activation", &a);
      cJSON_Delete(v);
      if (bad)
        return;
    }
  if (a == NULL) {
    problem(c, 422, "/activation", "activation is required (/plot.svg?activation=tanh)");
    return;
  }
  if (a->kind != ENG_ELEMENTWISE) {
    problem(c, 422, "/activation", "/plot.svg draws element-wise activations; %s acts on a "
            "whole row", a->name);
    return;
  }
  params = cJSON_CreateObject();
  if (params == NULL) {
    problem(c, 500, NULL, "out of memory");
    return;
  }
  for (size_t i = 0; i < nq; i++) {
    const char *k = q[i].key, *v = q[i].value;
    char ptr[JPTR_MAX];
    int bad = 0;
    jptr_key(ptr, sizeof ptr, "", k);
    if (strcmp(k, "activation") == 0)
      continue;
    if (strcmp(k, "from") == 0)
      bad = qnumber(c, k, v, -1e300, 1e300, 0, &from);
    else if (strcmp(k, "to") == 0)
      bad = qnumber(c, k, v, -1e300, 1e300, 0, &to);
    else if (strcmp(k, "points") == 0)
      bad = qnumber(c, k, v, 2, PLOT_MAX_POINTS, 1, &points);
    else if (strcmp(k, "width") == 0)
      bad = qnumber(c, k, v, 200, 4000, 1, &w);
    else if (strcmp(k, "height") == 0)
      bad = qnumber(c, k, v, 150, 4000, 1, &h);
    else if (strcmp(k, "outputs") == 0) {
      const char *s = v;
      want = 0;
      while (!bad) {
        size_t len = strcspn(s, ","), j = 0;
        while (plot_outputs[j] != NULL &&
               (strlen(plot_outputs[j]) != len || strncmp(plot_outputs[j], s, len) != 0))
          j++;
        if (plot_outputs[j] == NULL)
          bad = problem(c, 422, "/outputs", "outputs: \"%.*s\" is not an output (expected a "
                        "comma-separated list of y, dy_dx, d2y_dx2, dy_dparams)",
                        (int)(len < 40 ? len : 40), s);
        else
          want |= 1u << j;
        if (s[len] == '\0')
          break;
        s += len + 1;
      }
      if (!bad && (want & 8u) && eng_activation_learnable(a) == 0)
        bad = problem(c, 422, "/outputs", "%s has no differentiable parameter (dy_dparams)",
                      a->name);
    } else {
      int j = eng_param_find(a, k);
      cJSON *item;
      char *end;
      double d;
      if (j < 0) {
        bad = problem(c, 422, ptr, "unknown query parameter \"%.48s\" (expected activation, "
                      "outputs, from, to, points, width, height, or a parameter of %s)", k,
                      a->name);
      } else if (a->params[j].type == ENG_PARAM_CHOICE) {
        item = cJSON_AddStringToObject(params, k, v);
        bad = item == NULL ? problem(c, 500, NULL, "out of memory") : 0;
      } else {
        d = strtod(v, &end);
        if (*v == '\0' || *end != '\0' || !isfinite(d))
          bad = problem(c, 422, ptr, "%s must be a finite number, not \"%.40s\"", k, v);
        else if (cJSON_AddNumberToObject(params, k, d) == NULL)
          bad = problem(c, 500, NULL, "out of memory");
      }
    }
    if (bad) {
      cJSON_Delete(params);
      return;
    }
  }
  rc = req_params(c, a, params, "", p);
  cJSON_Delete(params);
  if (rc != 0)
    return;
  if (!(from < to)) {
    problem(c, 422, "/to", "to must be greater than from (%g, %g)", from, to);
    return;
  }
  if (want == 0)
    want = 1u;

  /* the points and the engine's values */
  n = (size_t)points;
  x = ctx_alloc(c, n * sizeof *x);
  if (x == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    x[i] = i + 1 == n ? to : from + (to - from) * ((double)i / (double)(n - 1));
#define LINE(bit, label, field)                                              \
  if (want & (bit)) {                                                        \
    if ((lines[nlines].v = ctx_alloc(c, n * sizeof(double))) == NULL)       \
      return;                                                                \
    lines[nlines].name = (label);                                           \
    o.field = lines[nlines++].v;                                            \
  }
  LINE(1u, "y", y)
  LINE(2u, "dy/dx", dy)
  LINE(4u, "d\xC2\xB2y/dx\xC2\xB2", d2y)
#undef LINE
  if (want & 8u)
    for (unsigned j = 0; j < a->nparams; j++) {
      char *label;
      if (!a->params[j].learnable)
        continue;
      if ((lines[nlines].v = ctx_alloc(c, n * sizeof(double))) == NULL ||
          (label = ctx_alloc(c, 64)) == NULL)
        return;
      snprintf(label, 64, "dy/d%s", a->params[j].name);
      lines[nlines].name = label;
      o.dp[j] = lines[nlines++].v;
    }
  rc = exec_activate(a, p, x, n, 1, 1, &o);
  if (rc != ENG_OK) {
    problem(c, rc == ENG_ENOMEM ? 500 : 422, NULL, "%s", eng_strerror(rc));
    return;
  }

  /* the title: the activation, its parameters, the outputs and the interval */
  tl = (size_t)snprintf(title, sizeof title, "%s", a->name);
  for (unsigned j = 0; j < a->nparams && tl < sizeof title; j++) {
    if (a->params[j].type == ENG_PARAM_CHOICE)
      tl += (size_t)snprintf(title + tl, sizeof title - tl, "%s%s=%s", j ? ", " : " (",
                             a->params[j].name, a->params[j].choices[(size_t)p[j]]);
    else
      tl += (size_t)snprintf(title + tl, sizeof title - tl, "%s%s=%g", j ? ", " : " (",
                             a->params[j].name, p[j]);
    if (j + 1 == a->nparams && tl < sizeof title)
      tl += (size_t)snprintf(title + tl, sizeof title - tl, ")");
  }
  if (tl < sizeof title)
    snprintf(title + tl, sizeof title - tl, " on [%g, %g]", from, to);

  buf_init(&b, 4096 + n * 16 * nlines);
  draw(&b, title, x, n, lines, nlines, w, h);
  reply_buf(c, 200, "image/svg+xml", &b);
}

/* end of h_plot.c */
