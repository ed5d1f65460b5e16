//! Known-answer tests: RFC 4231's HMAC-SHA256 vectors, and agreement with Python's `hmac` on the
//! seed's examples.
#![allow(clippy::unwrap_used)] // tests panic with the reason

use sessionkit::crypto::sign;
use sessionkit_testkit::corpus;

/// Runs a Python script with `args` and returns what it printed; fails the test if it fails.
fn python(script: &str, args: impl IntoIterator<Item = String>) -> Vec<u8> {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs (CI installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn rfc_4231_test_cases() {
    let long_key = [0xaa; 131];
    let cases: [(&[u8], &[u8], &str); 6] = [
        (&[0x0b; 20], b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (b"Jefe", b"what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (&[0xaa; 20], &[0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        (
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25],
            &[0xcd; 50],
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        ),
        (
            &long_key,
            b"Test Using Larger Than Block-Size Key - Hash Key First",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        ),
        (
            &long_key,
            b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        ),
    ];
    for (i, (key, data, expected)) in cases.iter().enumerate() {
        assert_eq!(
            sign(key, data).to_string(),
            *expected,
            "RFC 4231 case {}",
            i + 1
        );
    }
}

/// The seed examples' signatures agree with what Python's standard `hmac` computes.
#[test]
fn signatures_agree_with_python_hmac() {
    let files: Vec<String> = corpus::manifest()
        .cases
        .iter()
        .filter(|c| c.file.starts_with("schema/seed/"))
        .map(|c| corpus::corpus_dir().join(&c.file).display().to_string())
        .collect();
    assert!(files.len() > 20);
    let script = "import hmac,sys\nfor p in sys.argv[1:]:\n    print(hmac.new(b'your-shared-secret', open(p,'rb').read(), 'sha256').hexdigest())";
    let python: Vec<String> = String::from_utf8(python(script, files.iter().cloned()))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let ours: Vec<String> = files
        .iter()
        .map(|f| sign(b"your-shared-secret", &std::fs::read(f).unwrap()).to_string())
        .collect();
    assert_eq!(ours, python);
}

/// Python's own gzip and zlib read what `encode` writes, at every level.
#[test]
fn python_decompresses_what_sessionkit_compresses() {
    use sessionkit::codec::Encoding;
    use sessionkit::codec::encode;
    let body = std::fs::read(corpus::corpus_dir().join("schema/seed/python-client.json")).unwrap();
    let dir = std::env::temp_dir().join(format!("sessionkit-kat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for level in 0..=sessionkit::codec::MAX_LEVEL {
        for (encoding, module) in [(Encoding::Gzip, "gzip"), (Encoding::Deflate, "zlib")] {
            let path = dir.join(format!("{module}-{level}"));
            std::fs::write(&path, encode(&body, encoding, level)).unwrap();
            files.push((module, path.display().to_string()));
        }
    }
    let script = "import gzip,zlib,sys\nfor m,p in zip(sys.argv[1::2], sys.argv[2::2]):\n    d=open(p,'rb').read()\n    sys.stdout.buffer.write((gzip.decompress(d) if m=='gzip' else zlib.decompress(d)) + b'\\n')";
    let stdout = python(
        script,
        files.iter().flat_map(|(m, p)| [m.to_string(), p.clone()]),
    );
    let mut expected = Vec::new();
    for _ in &files {
        expected.extend_from_slice(&body);
        expected.push(b'\n');
    }
    assert_eq!(stdout, expected);
    std::fs::remove_dir_all(&dir).unwrap();
}
