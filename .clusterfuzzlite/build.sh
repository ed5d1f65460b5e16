#!/bin/bash -eu
# Builds every cargo-fuzz target and copies it, with its dictionary and seed corpus, to $OUT.
# In the ClusterFuzzLite image $SRC and $OUT are set; run by hand from a checkout, they default to
# the checkout's parent and fuzz/out.
here=$(cd "$(dirname "$0")/.." && pwd)
SRC=${SRC:-$(dirname "$here")}
OUT=${OUT:-$here/fuzz/out}
mkdir -p "$OUT"
cd "$SRC/$(basename "$here")"
# The builder image's default toolchain is nightly; by hand, ask rustup for it.
if cargo --version | grep -q nightly; then cargo fuzz build -O; else cargo +nightly fuzz build -O; fi
release=fuzz/target/x86_64-unknown-linux-gnu/release
for target in decode headers schema receive roundtrip; do
  cp "$release/$target" "$OUT/"
  cp "fuzz/dict/$target.dict" "$OUT/$target.dict"
  (cd corpus && find . -type f ! -name '*.py' | zip -q -@ "$OUT/${target}_seed_corpus.zip") || true
done
echo "built $(ls "$OUT" | grep -vc '\.') targets into $OUT"
