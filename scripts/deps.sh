#!/bin/sh
# Installs the Debian packages neurond needs to build and test, if any is missing
# (libmpfr-dev and libgmp-dev: the engine's exact path links MPFR).
set -e
need="gcc make pkg-config libmicrohttpd-dev libcjson-dev check libcurl4-openssl-dev libmpfr-dev libgmp-dev"
missing=""
for p in $need; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
  echo "deps: missing packages and not root; install:$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
