#!/bin/sh
# make docker-test: builds the image and proves `docker run` serves, with the shared
# podman-based smoke test; then, when podman-compose or docker-compose is present, runs
# compose.yaml with 2 replicas behind nginx and sends requests through the balancer.
# Says plainly what it skipped and why.
set -eu
cd "$(dirname "$0")/.."
SMOKE=${DOCKER_SMOKE:-../shared/tools/docker-smoke.sh}
STATE=${SMOKE_STATE:-/var/tmp/docker-smoke}

if [ ! -x "$SMOKE" ] && [ ! -f "$SMOKE" ]; then
  echo "docker-test: SKIPPED: no smoke tool at $SMOKE (set DOCKER_SMOKE)"; exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "docker-test: SKIPPED: the podman smoke test needs root"; exit 0
fi

t0=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! bash "$SMOKE" --keep-image docker/Dockerfile 2>&1 | tee "$log"; then
  echo "docker-test: FAILED: image smoke test"; exit 1
fi
tag=$(sed -n 's/.*built \(localhost\/[^ ]*\) (.*/\1/p' "$log" | tail -1)
echo "docker-test: smoke passed in $(( $(date +%s) - t0 )) s; image $tag"

export CONTAINERS_CONF="$STATE/containers.conf"
if command -v podman-compose >/dev/null 2>&1; then
  COMPOSE="podman-compose"
elif command -v docker-compose >/dev/null 2>&1 && [ -n "${DOCKER_HOST:-}" ]; then
  COMPOSE="docker-compose"
else
  echo "docker-test: compose part SKIPPED: neither podman-compose nor docker-compose (with DOCKER_HOST) is installed"
  [ -n "$tag" ] && podman rmi "$tag" >/dev/null 2>&1 || true
  exit 0
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export NEUROND_IMAGE="$tag" LB_PORT="$port"
proj="neurond-test-$$"
down() { $COMPOSE -p "$proj" -f docker/compose.yaml down -t 10 >/dev/null 2>&1 || true; }
trap 'down; rm -f "$log"; [ -n "$tag" ] && podman rmi "$tag" >/dev/null 2>&1 || true' EXIT
# the balancer's image (Debian's nginx on the same local base); neurond's is the one
# the smoke test just built, so compose builds nothing
podman build -q --pull=never --format docker -t neurond-lb:latest -f docker/nginx.Dockerfile docker >/dev/null
echo "docker-test: $COMPOSE up: 2 replicas (deploy.replicas) behind nginx on 127.0.0.1:$port"
$COMPOSE -p "$proj" -f docker/compose.yaml up -d --no-build >/dev/null 2>&1

ok=0
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then ok=1; break; fi
  sleep 1
done
[ "$ok" = 1 ] || { echo "docker-test: FAILED: the balancer never answered /healthz"; exit 1; }
fails=0
for i in $(seq 1 200); do
  out=$(curl -sS -d '{"activation":"sigmoid","x":[0,40]}' "http://127.0.0.1:$port/activate") || fails=$((fails+1))
  case "$out" in *'"y":[0.5,1]'*) ;; *) fails=$((fails+1));; esac
done
served=""
for c in $(podman ps --filter "label=com.docker.compose.project=$proj" --filter "label=com.docker.compose.service=neurond" --format '{{.Names}}'); do
  served="$served $c=$(podman logs "$c" 2>&1 | grep -c '"/activate"')"
done
echo "docker-test: 200 requests through nginx, $fails failed; per replica:$served"
[ "$fails" = 0 ] || exit 1
case "$served" in *=0*|"") echo "docker-test: FAILED: a replica got no requests"; exit 1;; esac
echo "docker-test: passed in $(( $(date +%s) - t0 )) s"
