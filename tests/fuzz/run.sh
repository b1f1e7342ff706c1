#!/bin/sh
# make fuzz: libFuzzer over the real request path (fuzz_request.c), with ASan, UBSan
# and leak detection, for FUZZ_SECONDS (default 60). The corpus grows in
# build/fuzz/corpus, seeded from tests/fuzz/corpus; FUZZ_MERGE=1 merges what it found
# back into tests/fuzz/corpus, minimised. Crashes land in build/fuzz/ as crash-*.
set -eu
cd "$(dirname "$0")/../.."
SECS=${FUZZ_SECONDS:-60}
B=build/fuzz

for p in clang libfuzzer-14-dev libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
make --no-print-directory VARIANT=fuzz CC=clang \
  CFLAGS="-O1 -g $SAN -fsanitize=fuzzer-no-link" $B/libservice.a $B/libengine.a >/dev/null
clang -O1 -g $SAN -fsanitize=fuzzer -Iinclude -Isrc \
  tests/fuzz/fuzz_request.c $B/libservice.a $B/libengine.a \
  $(pkg-config --libs libmicrohttpd libcjson) -lmpfr -lgmp -lm -lpthread -o $B/fuzz_request

mkdir -p $B/corpus
cp -n tests/fuzz/corpus/* $B/corpus/ 2>/dev/null || true
cd $B
./fuzz_request -max_total_time="$SECS" -dict=../../tests/fuzz/json.dict -max_len=8192 \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 corpus
cd ../..
if [ "${FUZZ_MERGE:-0}" = 1 ]; then
  mkdir -p $B/merged
  $B/fuzz_request -merge=1 $B/merged tests/fuzz/corpus $B/corpus
  rm -f tests/fuzz/corpus/*
  cp $B/merged/* tests/fuzz/corpus/
  echo "fuzz: corpus merged into tests/fuzz/corpus ($(ls tests/fuzz/corpus | wc -l) files)"
fi
