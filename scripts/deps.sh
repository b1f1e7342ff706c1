#!/bin/sh
# Installs what neurond needs to build and test, if anything is missing (as root on a
# fresh Debian 12): the C toolchain and libraries with apt-get (MPFR and GMP: the
# engine's exact path links them); for the browser tests
# (tests/browser) Debian's chromium, Node.js and npm with apt-get and the pinned npm
# packages with npm ci. BROWSER=0 leaves the browser part out (the C build and suites
# need none of it).
set -e
cd "$(dirname "$0")/.."
need="gcc make pkg-config libmicrohttpd-dev libcjson-dev check libcurl4-openssl-dev libmpfr-dev libgmp-dev libyaml-dev
python3 python3-yaml python3-jsonschema curl"
if [ "${BROWSER:-1}" != 0 ]; then
  need="$need chromium"
  command -v node >/dev/null 2>&1 || need="$need nodejs"
  command -v npm >/dev/null 2>&1 || need="$need npm"
fi
missing=""
for p in $need; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "deps: installing$missing"
  if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages and not root; install:$missing" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ "${BROWSER:-1}" != 0 ] && [ ! -d tests/browser/node_modules/playwright-core ]; then
  echo "deps: npm ci in tests/browser"
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
exit 0
