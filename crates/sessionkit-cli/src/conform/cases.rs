//! Building the cases of a conformance run: every wire-level case of the corpus and every seed
//! example in every encoding, signed for the target.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::Value;
use sessionkit::corpus::{Expect, Manifest};
use sessionkit::encoding::Encoding;
use sessionkit::headers::Headers;
use sessionkit::receive::{EXAMPLE_API_KEY, EXAMPLE_SHARED_SECRET};
use sessionkit::request::{SignedRequest, curl_command};
use sessionkit::schema::Profile;

use super::ConformArgs;

/// One request to send and what must come back.
pub(crate) struct Case {
    pub name: String,
    pub stage: String,
    pub profile: Profile,
    pub headers: Headers,
    pub body: Vec<u8>,
    pub body_file: Option<PathBuf>,
    pub expect: Expect,
    /// The request's payload, for checking the echo of endUserId and vendorData.
    pub sent: Option<Value>,
}

pub(crate) fn corpus_dir(args: &ConformArgs) -> PathBuf {
    if let Some(dir) = &args.corpus {
        return dir.clone();
    }
    let here = PathBuf::from("corpus");
    if here.join("manifest.json").is_file() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus")
}

pub(crate) fn load_cases(args: &ConformArgs, dir: &Path) -> anyhow::Result<(Vec<Case>, usize)> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let manifest = Manifest::from_json(&text)
        .with_context(|| format!("{} is not a corpus manifest", path.display()))?;
    let corpus_signatures_hold =
        args.secret == EXAMPLE_SHARED_SECRET && args.api_key == EXAMPLE_API_KEY;
    let mut cases = Vec::new();
    let mut skipped = 0;
    let mut altered = Vec::new();
    for entry in &manifest.cases {
        let file = dir.join(&entry.file);
        let mut read = || -> anyhow::Result<Vec<u8>> {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            if !entry.digest_matches(&bytes) {
                altered.push(entry.file.clone());
            }
            Ok(bytes)
        };
        match (&entry.request, &entry.expect) {
            (Some(request), Some(expect)) => {
                if !corpus_signatures_hold {
                    skipped += 1;
                    continue;
                }
                cases.push(Case {
                    name: format!("{:03} {}", entry.id, entry.file.trim_end_matches(".bin")),
                    stage: entry.stage().to_owned(),
                    profile: request.profile(),
                    headers: request.headers(),
                    sent: None,
                    body: read()?,
                    body_file: Some(file.clone()),
                    expect: expect.clone(),
                })
            }
            _ if entry.is_seed_example() => {
                let json = read()?;
                let stem = entry
                    .file
                    .trim_start_matches("schema/seed/")
                    .trim_end_matches(".json");
                for enc in Encoding::ALL {
                    let built =
                        SignedRequest::build(&json, &args.api_key, args.secret.as_bytes(), enc, 6);
                    cases.push(Case {
                        name: format!("seed/{stem} {}", enc.name()),
                        stage: "seed".into(),
                        profile: Profile::Documented,
                        headers: built.headers,
                        sent: serde_json::from_slice(&json).ok(),
                        body: built.body,
                        body_file: None,
                        expect: Expect {
                            status: 201,
                            code: None,
                            error: None,
                            diagnostic: None,
                        },
                    });
                }
            }
            _ => {}
        }
    }
    // A file that is not the one the manifest describes (edited, or its line endings converted
    // by a checkout) would test something else than its verdict says.
    anyhow::ensure!(
        altered.is_empty(),
        "{} corpus file(s) differ from their SHA-256 in {}: {}",
        altered.len(),
        path.display(),
        altered.join(", ")
    );
    Ok((cases, skipped))
}

impl Case {
    /// A curl command that sends this case's exact bytes to `url`.
    pub(crate) fn curl(&self, url: &str) -> String {
        let file = self.body_file.clone().unwrap_or_else(|| {
            let dir = std::env::temp_dir().join("sessionkit-conform");
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(format!("{}.bin", self.name.replace(['/', ' '], "_")));
            let _ = std::fs::write(&path, &self.body);
            path
        });
        curl_command(&self.headers, url, &file.display().to_string())
    }
}
