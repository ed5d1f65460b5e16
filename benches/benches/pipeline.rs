//! Criterion benchmarks in pipeline vocabulary: `client` (serialize, sign, encode, and the whole
//! serialize → sign → gzip path), `server` (decode, verify, parse, validate, and the whole
//! receive decision), `anchors` (the same paths on libdeflate and on the C zlib) and `corpus` (the
//! documentation's examples and every wire-level case of `corpus/`).
#![allow(unsafe_code, clippy::unwrap_used, missing_docs)] // FFI to the C zlib anchor; bench code

use std::hint::black_box;
use std::time::Duration;

use benches::{SEED, payload_json};
use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};

use sessionkit::Config;
use sessionkit::EXAMPLE_API_KEY;
use sessionkit::EXAMPLE_SHARED_SECRET;
use sessionkit::Profile;
use sessionkit::SignedRequest;
use sessionkit::codec::DecodeLimit;
use sessionkit::codec::Encoding;
use sessionkit::crypto::Signed;
use sessionkit::model::SessionRequest;

const SECRET: &[u8] = EXAMPLE_SHARED_SECRET.as_bytes();
/// Sizes at which the anchors run, and the client path at every level (for `compare-python`);
/// everything else runs at every size of `benches::SIZES_KIB`.
const ANCHOR_SIZES: [usize; 3] = [1, 16, 64];

fn criterion() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

fn client(c: &mut Criterion) {
    let mut group = c.benchmark_group("client");
    for kib in benches::SIZES_KIB {
        let payload = sessionkit::samples::payload(kib * 1024, SEED);
        let json = payload.to_json_bytes();
        group.throughput(Throughput::Bytes(json.len() as u64));
        group.bench_with_input(BenchmarkId::new("serialize", kib), &payload, |b, p| {
            b.iter(|| p.to_json_bytes())
        });
        group.bench_with_input(BenchmarkId::new("sign", kib), &json, |b, j| {
            b.iter(|| sessionkit::crypto::sign(SECRET, j))
        });
        for (encoding, level) in [
            (Encoding::Gzip, 1),
            (Encoding::Gzip, 6),
            (Encoding::Gzip, 9),
            (Encoding::Deflate, 1),
            (Encoding::Deflate, 6),
            (Encoding::Deflate, 9),
        ] {
            let id = BenchmarkId::new(format!("encode/{encoding}-{level}"), kib);
            group.bench_with_input(id, &json, |b, j| {
                b.iter(|| sessionkit::codec::encode(j, encoding, level))
            });
        }
    }
    for kib in benches::SIZES_KIB {
        let payload = sessionkit::samples::payload(kib * 1024, SEED);
        group.throughput(Throughput::Bytes(payload.to_json_bytes().len() as u64));
        // At the anchor sizes every level, so that `compare-python` can take the lowest one that
        // compresses as well as Python's gzip.compress does.
        let levels: &[u32] = if ANCHOR_SIZES.contains(&kib) {
            &[1, 2, 3, 4, 5, 6, 7, 8, 9]
        } else {
            &[6, 9]
        };
        for &level in levels {
            let id = BenchmarkId::new(format!("path/gzip-{level}"), kib);
            group.bench_with_input(id, &payload, |b, p| {
                b.iter(|| {
                    SignedRequest::from_payload(p, EXAMPLE_API_KEY, SECRET, Encoding::Gzip, level)
                })
            });
        }
    }
    group.finish();
}

fn server(c: &mut Criterion) {
    let mut group = c.benchmark_group("server");
    let config = Config::default();
    // A 1 GiB bomb (1,024 gzip members of 1 MiB of zeros, about 1 MiB on the wire) against the
    // default 1 MiB limit: how long until it is refused.
    let bomb = sessionkit::codec::encode(&vec![0u8; 1 << 20], Encoding::Gzip, 9).repeat(1024);
    group.throughput(Throughput::Bytes(bomb.len() as u64));
    group.bench_function("decode/bomb-1gib", |b| {
        b.iter(|| {
            sessionkit::codec::decode(&bomb, Encoding::Gzip, DecodeLimit::default()).unwrap_err()
        })
    });
    for kib in benches::SIZES_KIB {
        let json = payload_json(kib);
        let request = SignedRequest::build(&json, EXAMPLE_API_KEY, SECRET, Encoding::Gzip, 6);
        group.throughput(Throughput::Bytes(json.len() as u64));
        group.bench_with_input(BenchmarkId::new("receive/gzip", kib), &request, |b, r| {
            b.iter(|| sessionkit::receive(&r.headers, &r.body, &config))
        });
        // Each stage function alone, as `receive` calls it (ids kept for benches/summary.py).
        let (max, cost) = (config.limits.max_decoded, config.cost);
        group.bench_with_input(
            BenchmarkId::new("decode/gzip", kib),
            &request.body,
            |b, w| {
                b.iter(|| sessionkit::stage::decode::check(w, Encoding::Gzip, max, &cost).unwrap())
            },
        );
        let signed = Signed::body(&json, &request.body, Encoding::Gzip);
        group.bench_with_input(BenchmarkId::new("verify", kib), &signed, |b, s| {
            b.iter(|| sessionkit::stage::signature::check(&request.headers, *s, &config).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("parse", kib), &json, |b, j| {
            b.iter(|| sessionkit::stage::json::check(j).unwrap())
        });
        let value = sessionkit::stage::json::check(&json).unwrap();
        group.bench_with_input(BenchmarkId::new("validate", kib), &value, |b, v| {
            // The clone outside the measurement: the stage takes the body it accepts.
            b.iter_batched(
                || v.clone(),
                |v| sessionkit::stage::schema::check(v, Profile::Documented).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

/// zlib format through the C zlib's one-shot `compress2`.
fn c_zlib_compress(input: &[u8], level: i32) -> Vec<u8> {
    let mut len = unsafe { libz_sys::compressBound(input.len() as libz_sys::uLong) };
    let mut out = vec![0u8; len as usize];
    let rc = unsafe {
        libz_sys::compress2(
            out.as_mut_ptr(),
            &mut len,
            input.as_ptr(),
            input.len() as libz_sys::uLong,
            level,
        )
    };
    assert_eq!(rc, libz_sys::Z_OK);
    out.truncate(len as usize);
    out
}

fn c_zlib_uncompress(input: &[u8], size: usize) -> Vec<u8> {
    let mut out = vec![0u8; size];
    let mut len = size as libz_sys::uLong;
    let rc = unsafe {
        libz_sys::uncompress(
            out.as_mut_ptr(),
            &mut len,
            input.as_ptr(),
            input.len() as libz_sys::uLong,
        )
    };
    assert_eq!(rc, libz_sys::Z_OK);
    out.truncate(len as usize);
    out
}

fn anchors(c: &mut Criterion) {
    let mut group = c.benchmark_group("anchors");
    for kib in ANCHOR_SIZES {
        let payload = sessionkit::samples::payload(kib * 1024, SEED);
        let json = payload.to_json_bytes();
        group.throughput(Throughput::Bytes(json.len() as u64));
        anchor_encoders(&mut group, kib, &payload, &json);
        anchor_decoders(&mut group, kib, &json);
        receive_parts_sum(&mut group, kib, &json);
    }
    group.finish();
}

/// One benchmark group of this file.
type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// Sign + gzip on libdeflate at every level, and the C zlib, zlib-rs and miniz_oxide encoding.
fn anchor_encoders(group: &mut Group<'_>, kib: usize, payload: &SessionRequest, json: &[u8]) {
    // Every level up to 9: `compare-python` picks the lowest one that compresses as well as
    // Python's gzip.compress does.
    for level in 1..=9 {
        let id = BenchmarkId::new(format!("path/libdeflate-gzip-{level}"), kib);
        group.bench_with_input(id, payload, |b, p| {
            let mut compressor = benches::libdeflate_compressor(level);
            b.iter(|| {
                let json = p.to_json_bytes();
                let sig = sessionkit::crypto::sign(SECRET, &json);
                (sig, benches::libdeflate_gzip(&mut compressor, &json))
            })
        });
    }
    for level in [6, 9] {
        let id = BenchmarkId::new(format!("encode/c-zlib-{level}"), kib);
        group.bench_with_input(id, json, |b, j| b.iter(|| c_zlib_compress(j, level)));
    }
    // The two pure-Rust compressors beside the C zlib.
    for level in [1, 6] {
        let id = BenchmarkId::new(format!("encode/zlib-rs-{level}"), kib);
        group.bench_with_input(id, json, |b, j| {
            let config = zlib_rs::DeflateConfig::new(level);
            b.iter(|| {
                let mut out = vec![0; zlib_rs::compress_bound(j.len())];
                let (written, rc) = zlib_rs::compress_slice(&mut out, j, config);
                assert_eq!(rc, zlib_rs::ReturnCode::Ok);
                written.len()
            })
        });
        let id = BenchmarkId::new(format!("encode/miniz-oxide-{level}"), kib);
        group.bench_with_input(id, json, |b, j| {
            b.iter(|| miniz_oxide::deflate::compress_to_vec_zlib(j, level as u8))
        });
    }
}

/// Gunzip on libdeflate, inflate on the C zlib and miniz_oxide.
fn anchor_decoders(group: &mut Group<'_>, kib: usize, json: &[u8]) {
    use libdeflater::Decompressor;
    let gz = sessionkit::codec::encode(json, Encoding::Gzip, 6);
    group.bench_with_input(
        BenchmarkId::new("decode/libdeflate-gzip", kib),
        &gz,
        |b, g| {
            let mut decompressor = Decompressor::new();
            b.iter(|| {
                let mut out = vec![0; json.len()];
                decompressor.gzip_decompress(g, &mut out).unwrap();
                out
            })
        },
    );
    let z = c_zlib_compress(json, 6);
    group.bench_with_input(BenchmarkId::new("decode/c-zlib", kib), &z, |b, z| {
        b.iter(|| c_zlib_uncompress(z, json.len()))
    });
    group.bench_with_input(BenchmarkId::new("decode/miniz-oxide", kib), &z, |b, z| {
        b.iter(|| miniz_oxide::inflate::decompress_to_vec_zlib(z).unwrap())
    });
}

/// The receive decision's stage functions alone, back to back: what `receive` costs at best.
fn receive_parts_sum(group: &mut Group<'_>, kib: usize, json: &[u8]) {
    let request = SignedRequest::build(json, EXAMPLE_API_KEY, SECRET, Encoding::Gzip, 6);
    let config = Config::default();
    group.bench_with_input(
        BenchmarkId::new("receive-parts-sum", kib),
        &request,
        |b, r| {
            // The receive decision's stage functions run alone, back to back: what `receive`
            // costs at best.
            b.iter(|| {
                let max = config.limits.max_decoded;
                let decoded =
                    sessionkit::stage::decode::check(&r.body, Encoding::Gzip, max, &config.cost)
                        .unwrap();
                let signed = Signed::body(&decoded.bytes, &r.body, Encoding::Gzip);
                sessionkit::stage::signature::check(&r.headers, signed, &config).unwrap();
                let value = sessionkit::stage::json::check(&decoded.bytes).unwrap();
                black_box(sessionkit::stage::schema::check(value, Profile::Documented).unwrap())
            })
        },
    );
}

/// The corpus: the documentation's example payloads through the whole client path and through
/// `receive`, and every wire-level case (nearly all of them refusals) through `receive`.
fn corpus(c: &mut Criterion) {
    let mut group = c.benchmark_group("corpus");
    let manifest = sessionkit_testkit::corpus::manifest();
    let seeds: Vec<Vec<u8>> = manifest
        .cases
        .iter()
        .filter(|case| case.is_seed_example())
        .map(sessionkit_testkit::corpus::bytes)
        .collect();
    let wire: Vec<_> = manifest
        .cases
        .iter()
        .filter(|case| case.request.is_some())
        .map(|case| (case, sessionkit_testkit::corpus::bytes(case)))
        .collect();
    let config = Config::default();
    group.throughput(Throughput::Bytes(
        seeds.iter().map(|s| s.len() as u64).sum(),
    ));
    group.bench_function("client/path/gzip-6/seed-examples", |b| {
        b.iter(|| {
            for json in &seeds {
                black_box(SignedRequest::build(
                    json,
                    EXAMPLE_API_KEY,
                    SECRET,
                    Encoding::Gzip,
                    6,
                ));
            }
        })
    });
    let requests: Vec<SignedRequest> = seeds
        .iter()
        .map(|json| SignedRequest::build(json, EXAMPLE_API_KEY, SECRET, Encoding::Gzip, 6))
        .collect();
    group.bench_function("server/receive/gzip/seed-examples", |b| {
        b.iter(|| {
            requests
                .iter()
                .filter(|r| sessionkit::receive(&r.headers, &r.body, &config).status() == 201)
                .count()
        })
    });
    group.throughput(Throughput::Bytes(
        wire.iter().map(|(_, b)| b.len() as u64).sum(),
    ));
    group.bench_function("server/receive/wire-cases", |b| {
        b.iter(|| {
            wire.iter()
                .filter_map(|(case, bytes)| case.receive(bytes))
                .count()
        })
    });
    group.finish();
}

/// What the signature doctor costs: `receive` on a good 16 KiB gzip request next to the same
/// request signed with an unknown secret, where every hypothesis runs until the budget is spent.
fn doctor(c: &mut Criterion) {
    let mut group = c.benchmark_group("doctor");
    let config = Config::default();
    for kib in [1, 16, 64] {
        let json = payload_json(kib);
        group.throughput(Throughput::Bytes(json.len() as u64));
        let good = SignedRequest::build(&json, EXAMPLE_API_KEY, SECRET, Encoding::Gzip, 6);
        let bad = SignedRequest::build(
            &json,
            EXAMPLE_API_KEY,
            b"nobody's secret",
            Encoding::Gzip,
            6,
        );
        group.bench_with_input(BenchmarkId::new("receive-good", kib), &good, |b, r| {
            b.iter(|| sessionkit::receive(&r.headers, &r.body, &config))
        });
        group.bench_with_input(BenchmarkId::new("receive-diagnosed", kib), &bad, |b, r| {
            b.iter(|| {
                let outcome = sessionkit::receive(&r.headers, &r.body, &config);
                assert_eq!(outcome.status(), 401);
                outcome
            })
        });
    }
    group.finish();
}

/// The parts of `receive` on each candidate library, and `receive` itself, in one run (issue:
/// receive at the speed of its fastest parts): HMAC-SHA256 verify on `sha2`, `ring` and
/// `aws-lc-rs`, and `sessionkit` (what `signature` runs: ring); gunzip on the C zlib through
/// flate2 (the streaming reference decoder), zlib-rs, `zune-inflate`, libdeflate, and
/// `sessionkit` (what `decode` runs: libdeflate into the limit-bounded buffer); JSON parse with
/// serde_json. `fastest-sum` runs the fastest of each back to back; `benches/summary.py` prints
/// `receive` against it.
fn parts(c: &mut Criterion) {
    let mut group = c.benchmark_group("parts");
    let config = Config::default();
    for kib in ANCHOR_SIZES {
        let json = payload_json(kib);
        let gz = sessionkit::codec::encode(&json, Encoding::Gzip, 6);
        let request = SignedRequest::build(&json, EXAMPLE_API_KEY, SECRET, Encoding::Gzip, 6);
        let plain = SignedRequest::build(&json, EXAMPLE_API_KEY, SECRET, Encoding::Identity, 6);
        let tag = sessionkit::crypto::sign(SECRET, &json);
        let tag_bytes = tag.as_bytes().to_vec();
        group.throughput(Throughput::Bytes(json.len() as u64));
        group.bench_with_input(BenchmarkId::new("receive/gzip", kib), &request, |b, r| {
            b.iter(|| sessionkit::receive(&r.headers, &r.body, &config))
        });
        group.bench_with_input(BenchmarkId::new("receive/identity", kib), &plain, |b, r| {
            b.iter(|| sessionkit::receive(&r.headers, &r.body, &config))
        });
        hmac_parts(&mut group, kib, &json);
        gunzip_parts(&mut group, kib, &json, &gz);
        let ring_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET);
        group.bench_with_input(BenchmarkId::new("parse/serde-json", kib), &json, |b, j| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(j).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("fastest-sum", kib), &gz, |b, g| {
            let mut decompressor = libdeflater::Decompressor::new();
            b.iter(|| {
                let mut out = vec![0; json.len()];
                decompressor.gzip_decompress(g, &mut out).unwrap();
                assert!(ring::hmac::verify(&ring_key, &out, &tag_bytes).is_ok());
                serde_json::from_slice::<serde_json::Value>(&out).unwrap()
            })
        });
    }
    group.finish();
}

/// HMAC-SHA256 verify on sha2, sessionkit (ring), ring and aws-lc-rs.
fn hmac_parts(group: &mut Group<'_>, kib: usize, json: &[u8]) {
    let tag = sessionkit::crypto::sign(SECRET, json);
    let tag_bytes = tag.as_bytes().to_vec();
    group.bench_with_input(BenchmarkId::new("hmac/sha2", kib), json, |b, j| {
        use hmac::Mac;
        b.iter(|| {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET).unwrap();
            mac.update(j);
            mac.verify_slice(&tag_bytes).is_ok()
        })
    });
    group.bench_with_input(BenchmarkId::new("hmac/sessionkit", kib), json, |b, j| {
        b.iter(|| sessionkit::crypto::verify(&[SECRET], j, &tag))
    });
    let ring_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET);
    group.bench_with_input(BenchmarkId::new("hmac/ring", kib), json, |b, j| {
        b.iter(|| ring::hmac::verify(&ring_key, j, &tag_bytes).is_ok())
    });
    let lc_key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, SECRET);
    group.bench_with_input(BenchmarkId::new("hmac/aws-lc-rs", kib), json, |b, j| {
        b.iter(|| aws_lc_rs::hmac::verify(&lc_key, j, &tag_bytes).is_ok())
    });
}

/// Gunzip on the C zlib (the streaming reference), zlib-rs, sessionkit, zune-inflate, libdeflate.
fn gunzip_parts(group: &mut Group<'_>, kib: usize, json: &[u8], gz: &[u8]) {
    group.bench_with_input(BenchmarkId::new("gunzip/c-zlib", kib), gz, |b, g| {
        b.iter(|| {
            sessionkit::codec::decode_members_streaming(g, Encoding::Gzip, DecodeLimit::default())
                .unwrap()
        })
    });
    group.bench_with_input(BenchmarkId::new("gunzip/zlib-rs", kib), gz, |b, g| {
        // Window bits 31: a gzip wrapper, zlib's convention.
        let config = zlib_rs::InflateConfig { window_bits: 31 };
        b.iter(|| {
            let mut out = vec![0; json.len()];
            let (read, rc) = zlib_rs::decompress_slice(&mut out, g, config);
            assert_eq!(rc, zlib_rs::ReturnCode::Ok);
            read.len()
        })
    });
    group.bench_with_input(BenchmarkId::new("gunzip/sessionkit", kib), gz, |b, g| {
        b.iter(|| sessionkit::codec::decode(g, Encoding::Gzip, DecodeLimit::default()).unwrap())
    });
    group.bench_with_input(BenchmarkId::new("gunzip/zune-inflate", kib), gz, |b, g| {
        b.iter(|| {
            let options = zune_inflate::DeflateOptions::default().set_limit(1 << 20);
            zune_inflate::DeflateDecoder::new_with_options(g, options)
                .decode_gzip()
                .unwrap()
        })
    });
    group.bench_with_input(BenchmarkId::new("gunzip/libdeflate", kib), gz, |b, g| {
        let mut decompressor = libdeflater::Decompressor::new();
        b.iter(|| {
            let mut out = vec![0; json.len()];
            decompressor.gzip_decompress(g, &mut out).unwrap();
            out
        })
    });
}

/// Hostile bodies against a valid one of the same size, in one run (issue: hostile traffic):
/// `receive` on about 1 MiB of a valid request (consent prose) and on about 1 MiB of unknown
/// members in `verification` (87,000 of them), both signed right and sent uncompressed. The
/// goal is no more than 5 times the valid body. Unknown members are not built into the tree
/// (each costs a hash and a probe of the table that finds repeats), so `serde_json` building
/// the whole tree, measured here too, is slower than the whole `receive` of the flood.
fn hostile(c: &mut Criterion) {
    let mut group = c.benchmark_group("hostile");
    let config = Config::default();
    let valid = payload_json(1000);
    let mut flood = String::from(r#"{"verification":{"callback":"https://example.com/cb""#);
    let mut i = 0;
    while flood.len() < valid.len() - 16 {
        flood.push_str(&format!(r#","k{i:06}":1"#));
        i += 1;
    }
    flood.push_str("}}");
    let flood = flood.into_bytes();
    for (name, json) in [("valid-1mib", &valid), ("unknown-members-1mib", &flood)] {
        let request = SignedRequest::build(json, EXAMPLE_API_KEY, SECRET, Encoding::Identity, 0);
        let status = sessionkit::receive(&request.headers, &request.body, &config).status();
        assert_eq!(status, 201);
        group.throughput(Throughput::Bytes(json.len() as u64));
        group.bench_with_input(BenchmarkId::new("receive", name), &request, |b, r| {
            b.iter(|| sessionkit::receive(&r.headers, &r.body, &config))
        });
    }
    group.bench_with_input(
        BenchmarkId::new("serde_json-tree", "unknown-members-1mib"),
        &flood,
        |b, json| b.iter(|| serde_json::from_slice::<serde_json::Value>(json)),
    );
    group.finish();
}

criterion_group! { name = benches; config = criterion(); targets = client, server, anchors, corpus, doctor, parts, hostile }
criterion_main!(benches);
