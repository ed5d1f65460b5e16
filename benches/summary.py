#!/usr/bin/env python3
"""Prints the medians criterion measured (target/criterion) for one size, and the ratios the
README reports: sessionkit's paths against the anchors measured in the same run.

    python3 benches/summary.py [KIB]      (default 16)
"""
import json
import os
import sys

kib = sys.argv[1] if len(sys.argv) > 1 else "16"
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "criterion")
medians = {}
for dirpath, _, files in os.walk(root):
    if "estimates.json" in files and dirpath.endswith(os.path.join("new")):
        parts = os.path.relpath(dirpath, root).split(os.sep)[:-1]
        if parts[-1] != kib:
            continue
        name = "/".join(parts[:-1]).replace("_", "/")
        estimates = json.load(open(os.path.join(dirpath, "estimates.json")))
        medians[name] = estimates["median"]["point_estimate"] / 1000.0  # ns -> µs
for name in sorted(medians):
    print(f"{name:<40} {medians[name]:10.2f} µs")


def ratio(a, b, label):
    if a in medians and b in medians:
        print(f"{label:<60} {medians[a] / medians[b]:6.2f}x")


print()
ratio("client/path/gzip-6", "anchors/path/libdeflate-gzip-6", "client path gzip-6 / libdeflate path gzip-6")
ratio("client/path/gzip-9", "anchors/path/libdeflate-gzip-9", "client path gzip-9 / libdeflate path gzip-9")
ratio("client/encode/gzip-6", "anchors/encode/c-zlib-6", "gzip-6 encode (libdeflate) / C zlib level 6")
ratio("client/encode/gzip-9", "anchors/encode/c-zlib-9", "gzip-9 encode (libdeflate) / C zlib level 9")
ratio("server/decode/gzip", "anchors/decode/libdeflate-gzip", "decode gzip / libdeflate decode")
ratio("server/decode/gzip", "anchors/decode/c-zlib", "decode gzip / C zlib decode")
ratio("server/receive/gzip", "anchors/receive-parts-sum", "receive / sum of its parts alone")
ratio("anchors/encode/zlib-rs-1", "anchors/encode/miniz-oxide-1", "pure-Rust compressors: zlib-rs / miniz_oxide, encode level 1")
ratio("anchors/encode/zlib-rs-6", "anchors/encode/miniz-oxide-6", "pure-Rust compressors: zlib-rs / miniz_oxide, encode level 6")
ratio("server/decode/gzip", "anchors/decode/miniz-oxide", "decode (libdeflate into the bounded buffer) / miniz_oxide decode")
print()
# Issue "receive at the speed of its fastest parts": receive against the fastest decoder, HMAC
# and parser measured back to back in the same run (criterion group `parts`).
ratio("parts/receive/gzip", "parts/fastest-sum", "receive gzip / fastest parts (libdeflate + ring + serde_json)")
ratio("parts/gunzip/sessionkit", "parts/gunzip/libdeflate", "decode stage gunzip / libdeflate alone")
ratio("parts/gunzip/c-zlib", "parts/gunzip/libdeflate", "C zlib streaming (the reference) / libdeflate")
ratio("parts/gunzip/zlib-rs", "parts/gunzip/libdeflate", "zlib-rs / libdeflate")
ratio("parts/gunzip/zune-inflate", "parts/gunzip/libdeflate", "zune-inflate / libdeflate")
ratio("parts/hmac/sha2", "parts/hmac/ring", "HMAC verify: sha2 / ring")
ratio("parts/hmac/aws-lc-rs", "parts/hmac/ring", "HMAC verify: aws-lc-rs / ring")
ratio("parts/hmac/sessionkit", "parts/hmac/ring", "HMAC verify: signature::verify / ring")
