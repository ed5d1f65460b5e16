//! Building the cases of a conformance run for the target's own credentials: every wire-level
//! case of the corpus rebuilt from its recipe (in each profile it applies to), and every
//! body-level case (the documentation's examples and the hand-written bodies) signed and sent in
//! each encoding, expecting its verdict in each profile.

use std::path::PathBuf;

use serde_json::Value;
use sessionkit::Profile;
use sessionkit::SignedRequest;
use sessionkit::codec::Encoding;
use sessionkit::corpus::{self, Manifest, Validity};
use sessionkit::curl_command;
use sessionkit::headers::Headers;

use crate::judge::Expected;
use crate::{Conform, Error};

/// One request to send and what must come back.
pub(crate) struct Case {
    pub name: String,
    /// The stage the case exercises (its corpus folder), or `schema` for a body.
    pub stage: sessionkit::Stage,
    pub profile: Profile,
    pub headers: Headers,
    pub body: Vec<u8>,
    pub body_file: Option<PathBuf>,
    /// What must come back, with the request's payload a 201 echoes.
    pub expect: Expected,
}

impl Case {
    /// A curl command that sends this case's exact bytes to `url`: the corpus file itself, or
    /// the bytes written into `bodies`, this run's own folder.
    pub(crate) fn curl(&self, url: &str, bodies: &BodyDir) -> String {
        let file = self.body_file.clone().unwrap_or_else(|| {
            let path = bodies
                .path()
                .join(format!("{}.bin", self.name.replace(['/', ' '], "_")));
            let _ = std::fs::write(&path, &self.body);
            path
        });
        curl_command(&self.headers, url, &file.display().to_string())
    }
}

/// The folder a run writes the request bodies of its reproductions into: its own, fresh in the
/// temporary directory (a later run never overwrites it), made when the first one is needed.
#[derive(Debug, Default)]
pub(crate) struct BodyDir(std::sync::OnceLock<PathBuf>);

impl BodyDir {
    pub(crate) fn path(&self) -> &PathBuf {
        self.0.get_or_init(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let dir = std::env::temp_dir()
                .join(format!("sessionkit-conform-{}-{nanos}", std::process::id()));
            let _ = std::fs::create_dir_all(&dir);
            dir
        })
    }

    /// The folder, when the run made it.
    pub(crate) fn made(&self) -> Option<&PathBuf> {
        self.0.get()
    }
}

/// The corpus files, embedded at build time (see `build.rs`).
static EMBEDDED: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/corpus.rs"));

/// The corpus built into the crate: every file's path below `corpus/` and its bytes.
pub fn embedded_corpus() -> &'static [(&'static str, &'static [u8])] {
    EMBEDDED
}

/// Where the corpus is read from.
#[derive(Debug, Clone)]
pub(crate) enum Corpus {
    /// A folder with `manifest.json`.
    Dir(PathBuf),
    /// The copy built into this binary.
    Embedded,
}

impl Corpus {
    /// The one named, else `./corpus` when it has a manifest, else the embedded copy.
    pub(crate) fn of(run: &Conform) -> Self {
        if let Some(dir) = &run.corpus {
            return Corpus::Dir(dir.clone());
        }
        let here = PathBuf::from("corpus");
        if here.join("manifest.json").is_file() {
            return Corpus::Dir(here);
        }
        Corpus::Embedded
    }

    fn read(&self, file: &str) -> Result<Vec<u8>, String> {
        match self {
            Corpus::Dir(dir) => std::fs::read(dir.join(file))
                .map_err(|e| format!("cannot read {}: {e}", dir.join(file).display())),
            Corpus::Embedded => EMBEDDED
                .iter()
                .find(|(name, _)| *name == file)
                .map(|(_, bytes)| bytes.to_vec())
                .ok_or_else(|| format!("{file} is not in the corpus built into this binary")),
        }
    }

    /// The file on disk, for a curl command that sends it (`None` for the embedded copy).
    fn path(&self, file: &str) -> Option<PathBuf> {
        match self {
            Corpus::Dir(dir) => Some(dir.join(file)),
            Corpus::Embedded => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Corpus::Dir(dir) => dir.display().to_string(),
            Corpus::Embedded => "the corpus built into this binary".into(),
        }
    }
}

/// The JSON a wire case that must be accepted carries, for checking the 201's echo of endUserId
/// and vendorData like a body-level case's (a fuzz finding about the echo, written as a wire
/// case, then replays as the failure it is). A case whose policy allows another answer too
/// (unsigned, a huge integer) has its echo judged when it is answered 201, as `check` and the
/// proxy judge it. `None` for a case refused, or one that needs the server configured with a
/// secret of its own.
fn sent_json(
    run: &Conform,
    expected: &Expected,
    request: &corpus::WireRequest,
    headers: &Headers,
    bytes: &[u8],
    profile: Profile,
) -> Option<Value> {
    if expected.status != 201 || request.secret.is_some() {
        return None;
    }
    sessionkit::receive(headers, bytes, &run.target.config(profile))
        .result
        .ok()
        .map(|accepted| accepted.body)
}

/// Every case for the target's credentials, in each of `profiles` it applies to.
pub(crate) fn load_cases(
    run: &Conform,
    corpus: &Corpus,
    profiles: &[Profile],
) -> Result<Vec<Case>, Error> {
    let text = String::from_utf8(corpus.read("manifest.json").map_err(Error)?)
        .map_err(|e| Error(format!("manifest.json is not UTF-8: {e}")))?;
    let manifest = Manifest::from_json(&text)
        .map_err(|e| Error(format!("{}: not a corpus manifest: {e}", corpus.describe())))?;
    let mut cases = Vec::new();
    let mut altered = Vec::new();
    for entry in &manifest.cases {
        let bytes = corpus.read(&entry.file).map_err(Error)?;
        if !entry.digest_matches(&bytes) {
            altered.push(entry.file.clone());
            continue;
        }
        let made = match (&entry.request, &entry.expect) {
            (Some(request), Some(expect)) => {
                wire_cases(run, corpus, entry, request, expect, bytes, profiles)
            }
            _ => Ok(body_cases(run, corpus, entry, &bytes, profiles)),
        };
        match made {
            Ok(made) => cases.extend(made),
            Err(why) => altered.push(format!("{} ({why})", entry.file)),
        }
    }
    // A file that is not the one the manifest describes (edited, or its line endings converted
    // by a checkout) would test something else than its verdict says.
    if !altered.is_empty() {
        return Err(Error(format!(
            "{} corpus file(s) differ from their SHA-256 in {}: {}",
            altered.len(),
            corpus.describe(),
            altered.join(", ")
        )));
    }
    Ok(cases)
}

/// The name a case's results carry: its id and file.
fn case_name(entry: &corpus::Case) -> String {
    format!("{:03} {}", entry.id, entry.file.trim_end_matches(".bin"))
}

/// A wire-level case, its headers rebuilt for the target's credentials, in each profile it applies
/// to; `Err` when its signing recipe cannot be followed.
fn wire_cases(
    run: &Conform,
    corpus: &Corpus,
    entry: &corpus::Case,
    request: &corpus::WireRequest,
    expect: &corpus::Expect,
    bytes: Vec<u8>,
    profiles: &[Profile],
) -> Result<Vec<Case>, String> {
    let read_signed = |file: &str| corpus.read(file);
    let headers = request.headers_for(
        &run.target.api_key,
        run.target.secret.as_bytes(),
        &bytes,
        read_signed,
    )?;
    let expected = Expected {
        status: expect.status,
        vendor_codes: expect.code.into_iter().collect(),
        error: expect
            .error
            .as_deref()
            .and_then(sessionkit::ErrorKind::from_code),
        stage: Some(entry.stage()),
        sent: None,
        // A case that needs the server configured its own way (a hex secret, a labelled one)
        // keeps its status and code against any server; its mistake can be named only by a
        // server so configured.
        mistake: expect
            .diagnostic
            .clone()
            .filter(|_| request.secret.is_none() && request.labelled_secrets.is_empty()),
        also_allowed: entry.allowed.clone(),
        rule: entry.rule.clone(),
        faults: entry.faults.clone(),
    };
    let file = corpus.path(&entry.file);
    Ok(request
        .profiles()
        .into_iter()
        .filter(|profile| profiles.contains(profile))
        .map(|profile| Case {
            name: case_name(entry),
            stage: entry.stage(),
            profile,
            headers: headers.clone(),
            expect: Expected {
                sent: sent_json(run, &expected, request, &headers, &bytes, profile),
                ..expected.clone()
            },
            body: bytes.clone(),
            body_file: file.clone(),
        })
        .collect())
}

/// A body-level case: signed with the target's secret and sent in every encoding, in each
/// profile it has a verdict for.
fn body_cases(
    run: &Conform,
    corpus: &Corpus,
    entry: &corpus::Case,
    bytes: &[u8],
    profiles: &[Profile],
) -> Vec<Case> {
    let sent: Option<Value> = serde_json::from_slice(bytes).ok();
    let file = corpus.path(&entry.file);
    let mut cases = Vec::new();
    for (profile_name, verdict) in &entry.profiles {
        let Some(profile) = Profile::from_name(profile_name).filter(|p| profiles.contains(p))
        else {
            continue;
        };
        let mut vendor_codes: Vec<u16> = verdict
            .errors
            .iter()
            .filter_map(|f| f.vendor_code)
            .collect();
        vendor_codes.sort_unstable();
        vendor_codes.dedup();
        let status = if verdict.result == Validity::Valid {
            201
        } else {
            400
        };
        let expect = Expected {
            vendor_codes,
            stage: Some(sessionkit::Stage::Schema),
            sent: sent.clone(),
            ..Expected::status(status, verdict.rule.clone())
        };
        for encoding in Encoding::ALL {
            let built = SignedRequest::build(
                bytes,
                &run.target.api_key,
                run.target.secret.as_bytes(),
                encoding,
                6,
            );
            cases.push(Case {
                name: format!("{} {}", case_name(entry), encoding.name()),
                stage: sessionkit::Stage::Schema,
                profile,
                headers: built.headers,
                body: built.body,
                body_file: file.clone().filter(|_| encoding == Encoding::Identity),
                expect: expect.clone(),
            });
        }
    }
    cases
}
