//! Shrinking a finding to the smallest input that still shows it (same group: stage, expected,
//! got), and writing it out as a corpus case.

use std::path::Path;

use serde_json::Value;
use sessionkit::codec::Encoding;
use sessionkit::corpus::{Case, Expect, Rule, SignRecipe, WireRequest};
use sessionkit::headers::names;

use super::generate::{self, Credentials, Input, Mutation, SignMistake};
use super::oracle::{Finding, Run};
use crate::Error;
use crate::corpus_writer::CorpusFolder;

/// Requests one shrink may send.
const ATTEMPTS: usize = 400;

/// Shrinks `finding` in place: its input becomes the smallest found that still shows its group.
/// No attempt starts after `deadline`: against a server that stalls, each attempt can take the
/// whole answer timeout, and a run must end.
pub(super) fn shrink(run: &Run, finding: &mut Finding, deadline: std::time::Instant) {
    let group = finding.group.clone();
    let mut attempts = 0;
    let mut still = |input: &Input| -> Option<Finding> {
        if attempts >= ATTEMPTS || std::time::Instant::now() >= deadline {
            return None;
        }
        attempts += 1;
        run.judge(finding.case, input).filter(|f| f.group == group)
    };
    let mut best = finding.clone();
    loop {
        let now = generate::weight(&best.input);
        let better = candidates(&best.input)
            .into_iter()
            .filter(|c| generate::weight(c) < now)
            .find_map(|c| still(&c));
        match better {
            Some(found) => best = found,
            None => break,
        }
    }
    best.shrunk_bytes = Some(generate::build(&best.input, &run.credentials).body.len());
    // The shrunk request stands for the one seen, when it was seen.
    (best.case, best.seconds) = (finding.case, finding.seconds);
    *finding = best;
}

/// Simpler inputs than `input`, most promising first.
fn candidates(input: &Input) -> Vec<Input> {
    let mut out = Vec::new();
    let with = |f: &dyn Fn(&mut Input)| {
        let mut c = input.clone();
        f(&mut c);
        c
    };
    if input.encoding != Encoding::Identity {
        out.push(with(&|c| c.encoding = Encoding::Identity));
    }
    if input.spelling != super::generate::Spelling::Documented {
        out.push(with(&|c| {
            c.spelling = super::generate::Spelling::Documented
        }));
    }
    // The mutation's own value: shorter strings, fewer members, smaller sizes.
    match &input.mutation {
        Mutation::Set(pointer, Value::String(s)) => {
            let chars: Vec<char> = s.chars().collect();
            for cut in [chars.len() / 2, chars.len() / 4, chars.len() / 8, 16, 4, 1] {
                if cut == 0 || cut > chars.len() {
                    continue;
                }
                for start in [0, chars.len() - cut] {
                    let shorter: String =
                        chars[..start].iter().chain(&chars[start + cut..]).collect();
                    out.push(with(&|c| {
                        c.mutation = Mutation::Set(pointer.clone(), Value::String(shorter.clone()))
                    }));
                }
            }
        }
        Mutation::Members(n) if *n > 2 => {
            out.push(with(&|c| c.mutation = Mutation::Members(n - 1)))
        }
        Mutation::Size(n) => {
            for smaller in [
                n / 2,
                n * 3 / 4,
                n * 7 / 8,
                n * 15 / 16,
                n * 31 / 32,
                // Halving can bring a size below 1 KiB: wrapped, it would ask for an 18 EB body.
                n.saturating_sub(1024),
            ] {
                out.push(with(&|c| c.mutation = Mutation::Size(smaller)));
            }
        }
        _ => {}
    }
    // The payload: members removed, strings shortened.
    if let Some(verification) = input.payload["verification"].as_object() {
        for key in verification.keys() {
            out.push(with(&|c| {
                if let Some(v) = c.payload["verification"].as_object_mut() {
                    v.remove(key);
                }
            }));
        }
        for (key, value) in verification {
            if let Some(inner) = value.as_object() {
                for inner_key in inner.keys() {
                    out.push(with(&|c| {
                        if let Some(v) = c.payload["verification"][key].as_object_mut() {
                            v.remove(inner_key);
                        }
                    }));
                }
            }
        }
    }
    let mut halved = input.payload.clone();
    if halve_strings(&mut halved) {
        out.push(with(&|c| c.payload = halved.clone()));
    }
    out
}

/// Halves every string longer than 8 characters; false when there was none.
fn halve_strings(value: &mut Value) -> bool {
    match value {
        Value::String(s) if s.chars().count() > 8 => {
            *s = s.chars().take(s.chars().count() / 2).collect();
            true
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |any, v| halve_strings(v) | any),
        Value::Object(map) => map
            .values_mut()
            .fold(false, |any, v| halve_strings(v) | any),
        _ => false,
    }
}

/// Writes the finding as a corpus case below `dir`: `finding-N.bin` (the wire bytes), the signed
/// bytes when they differ, an entry in `dir/manifest.json` (the corpus's format: header lines with
/// the documentation's credentials and a signing recipe, so `conform` rebuilds it for any
/// server) and `finding-N.curl` (the request as sent to the target).
pub(super) fn write(run: &Run, finding: &mut Finding, dir: &Path, n: usize) -> Result<(), Error> {
    let folder = CorpusFolder::create(dir)?;
    let documented = Credentials {
        api_key: sessionkit::EXAMPLE_API_KEY.into(),
        secret: sessionkit::EXAMPLE_SHARED_SECRET.into(),
    };
    let as_documented = generate::build(&finding.input, &documented);
    let as_sent = generate::build(&finding.input, &run.credentials);
    let file = format!("finding-{n}.bin");
    let path = folder.write(&file, &as_sent.body)?;
    let sign = match (&as_documented.signed, &finding.input.mutation) {
        (Some(signed), _) => {
            let signed_file = format!("finding-{n}.signed.bin");
            Some(folder.hmac_recipe(signed, &as_documented.body, &signed_file)?)
        }
        // No X-HMAC-SIGNATURE line: the header lines are the whole story.
        (None, Mutation::Sign(SignMistake::Missing | SignMistake::OtherHeader)) => None,
        // A signature not made as an HMAC of bytes with the secret is recorded as it was sent.
        (None, Mutation::Sign(_)) => as_documented
            .headers
            .get_one(names::SIGNATURE)
            .map(SignRecipe::literal),
        (None, _) => None,
    };
    let expected = &finding.expected;
    let expect = Expect {
        status: expected.status,
        code: expected.codes.first().copied(),
        error: expected.error.map(str::to_owned),
        diagnostic: None,
    };
    let source = format!(
        "sessionkit fuzz --seed {} (case {}, shrunk): {}",
        run.seed, finding.case, finding.what
    );
    // The finding's level and source: the replay grades it as the run did.
    let rule = Rule {
        level: finding.level,
        rule: finding.rule.clone(),
        reference: finding.reference.clone(),
    };
    let request = WireRequest::new(&as_documented.headers, run.config.profile, sign);
    let id = u32::try_from(9000 + n).unwrap_or(u32::MAX);
    let case = Case::wire(id, file, source, &as_sent.body, request, expect, rule);
    let mut manifest = folder.manifest_or_new("findings of sessionkit fuzz, in the corpus format");
    manifest.put(case);
    folder.save(&manifest)?;
    let curl = sessionkit::curl_command(&as_sent.headers, &run.url, &path.display().to_string());
    folder.write(&format!("finding-{n}.curl"), format!("{curl}\n").as_bytes())?;
    finding.curl = Some(curl);
    finding.file = Some(path.display().to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A size halved below 1 KiB is shrunk further, never wrapped around to a huge one.
    #[test]
    fn size_candidates_only_get_smaller() {
        for size in [0, 1, 700, 1024, 1500, 400 * 1024] {
            let input = Input {
                payload: json!({"verification": {}}),
                encoding: Encoding::Identity,
                mutation: Mutation::Size(size),
                spelling: super::generate::Spelling::Documented,
            };
            for candidate in candidates(&input) {
                if let Mutation::Size(smaller) = candidate.mutation {
                    assert!(smaller <= size, "{smaller} from {size}");
                }
            }
        }
    }
}
