#!/bin/sh
# make plots: the README's drawings, docs/img/*.svg, made by GET /plot.svg of a neurond
# started here on a free port (the binary given as $1).
set -eu
bin=${1:-build/neurond}
mkdir -p docs/img build
"$bin" --port 0 --bind 127.0.0.1 --no-access-log > build/plots.port &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for i in $(seq 50); do grep -qs "port" build/plots.port && break; sleep 0.1; done
port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' build/plots.port)
while read -r name query; do
  curl -sf "http://127.0.0.1:$port/plot.svg?$query" -o "docs/img/$name.svg"
  echo "  PLOT    docs/img/$name.svg"
done <<'LIST'
gelu-tanh activation=gelu&approximate=tanh&outputs=y,dy_dx,d2y_dx2&from=-5&to=5&points=401
sigmoid activation=sigmoid&outputs=y,dy_dx,d2y_dx2&from=-8&to=8&points=401
swish-beta activation=swish&beta=1.5&outputs=y,dy_dx,dy_dparams&from=-6&to=4&points=401
elu activation=elu&outputs=y,dy_dx,d2y_dx2&from=-4&to=3&points=401
LIST
