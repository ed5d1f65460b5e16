//! The rule each kind of refusal checks, as the corpus states it: for each error kind, the
//! level, rule and source most of its wire cases carry (told apart, where the corpus grades
//! them apart, by what the request's headers show, [`Trait`], or by the mistake named), and
//! the other answers its policy allows; for each schema violation, the rule of the body cases
//! that break it in that profile (by its code, its pointer with indices as `*`, and the part of
//! the constraint broken, `sessionkit::Facet`). The corpus generator's table is the one source;
//! the judge derives a captured request's rule from it (`check`, the proxy, `fuzz`), and
//! `check --promote` writes it into the cases.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use sessionkit::corpus::{self, Case, Level, Manifest, Rule, Validity};
use sessionkit::headers::Headers;
use sessionkit::{ErrorKind, Facet, Profile, Violation};

/// The error kind of a refusal, `None` for an acceptance: what the rule tables are keyed by.
type Kind = Option<ErrorKind>;

/// The rule of error kind `kind` (`None` for an accepted request).
pub(crate) fn of_error(kind: Kind) -> Option<&'static Rule> {
    RULES.get(&(kind, None))
}

/// The error kind a corpus case expects (`Some(None)`: accepted); `None` when it has no
/// expectation or names a kind the catalogue does not have.
fn expected_kind(case: &Case) -> Option<Kind> {
    match case.expect.as_ref()?.error.as_deref() {
        None => Some(None),
        Some(code) => ErrorKind::from_code(code).map(Some),
    }
}

/// The rule of a refusal of kind `kind` of a request with `headers`, whose answer names
/// `mistake`: the rule of the corpus's cases of that kind whose headers show the same
/// [`Trait`], where there are some; else of those naming the same mistake; else the kind's.
pub(crate) fn of_refusal(
    kind: Kind,
    mistake: Option<&str>,
    headers: &Headers,
) -> Option<&'static Rule> {
    Trait::of(kind, headers.iter())
        .and_then(|t| TRAIT_RULES.get(&(kind, t)))
        .or_else(|| mistake.and_then(|m| RULES.get(&(kind, Some(m.to_owned())))))
        .or_else(|| of_error(kind))
}

/// What a request's headers show of the rule it checks that neither its error kind nor the
/// mistake its answer names tells: the corpus grades `identity` and an empty coding apart from
/// `br`, and two signature lines or capitals apart from other malformed signatures. Read the
/// same way from the corpus's requests and from the requests `check`, the proxy and `fuzz`
/// judge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Trait {
    /// The `Content-Encoding` lines as one list, trimmed and lowercased (`identity`, `x-gzip`,
    /// the empty value), of a request refused for its coding.
    Coding(String),
    /// More than one `X-HMAC-SIGNATURE` line.
    SignatureLines,
    /// One `X-HMAC-SIGNATURE` of 64 hex digits, some of them capitals.
    UppercaseHex,
}

impl Trait {
    /// The trait of a refusal of kind `kind` with these header lines, for the kinds whose
    /// cases the corpus grades apart by one.
    fn of<'a>(kind: Kind, lines: impl Iterator<Item = (&'a str, &'a str)>) -> Option<Trait> {
        let lines: Vec<(&str, &str)> = lines.collect();
        let values = |name: &str| -> Vec<&str> {
            lines
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
                .collect()
        };
        match kind {
            Some(ErrorKind::UnsupportedEncoding) => {
                let codings = values(sessionkit::headers::names::CONTENT_ENCODING);
                Some(Trait::Coding(codings.join(", ").to_ascii_lowercase()))
            }
            Some(ErrorKind::MalformedSignature) => {
                match values(sessionkit::headers::names::SIGNATURE)[..] {
                    [_, _, ..] => Some(Trait::SignatureLines),
                    [one]
                        if one.len() == 64
                            && one.bytes().all(|b| b.is_ascii_hexdigit())
                            && one.bytes().any(|b| b.is_ascii_uppercase()) =>
                    {
                        Some(Trait::UppercaseHex)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// The rule a schema violation checks when the body is refused for it in `profile`, `None`
/// when no body case of the corpus is. By profile: `true` where mxIfe goes breaks a
/// documented type in the documented profile, and the strict profile's reading in the other.
pub(crate) fn of_violation(violation: &Violation, profile: Profile) -> Option<&'static Rule> {
    VIOLATION_RULES
        .refused
        .get(&(profile, ViolationKey::of(violation)))
}

/// The rule of a violation no body case of the corpus breaks: the field's documented
/// constraint (docs/contract.md §4: constraints the seed states are MUST). Not the error
/// kind's rule, whose wire cases are each some particular constraint's.
pub(crate) fn of_documented_constraint() -> Rule {
    Rule {
        level: Level::Must,
        rule: "a body that breaks a documented constraint is refused with 400".into(),
        reference: "seed: the field descriptions".into(),
    }
}

/// The rule of accepting, in the documented profile, a body the strict profile refuses for
/// `violation`; `None` when no body case of the corpus is so accepted.
pub(crate) fn of_accepting(violation: &Violation) -> Option<&'static Rule> {
    VIOLATION_RULES.accepted.get(&ViolationKey::of(violation))
}

/// What tells one violation's rule from another's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ViolationKey {
    code: &'static str,
    /// The pointer with array indices as `*` (`/verification/consents/*/timestamp`), an
    /// unknown member's name as `?`; just `*` for a facet open in every field.
    at: String,
    facet: Option<Facet>,
}

impl ViolationKey {
    fn of(violation: &Violation) -> Self {
        let mut segments: Vec<&str> = violation
            .pointer
            .split('/')
            .map(
                |segment| match segment.bytes().all(|b| b.is_ascii_digit()) {
                    true if !segment.is_empty() => "*",
                    _ => segment,
                },
            )
            .collect();
        // An unknown member's name is whatever was sent: its rule is its object's.
        if violation.kind() == Some(sessionkit::ViolationKind::UnknownProperty) {
            if let Some(name) = segments.last_mut() {
                *name = "?";
            }
        }
        // Year 0000, a leap second and null are open wherever they are (MAY): one case speaks
        // for every date field, every timestamp, every optional member.
        let at = match violation.facet {
            Some(Facet::YearZero | Facet::LeapSecond | Facet::Null) => "*".to_owned(),
            _ => segments.join("/"),
        };
        // Null is one rule whatever type the member has (`wrong_type`, `vendor_data_not_string`).
        let code = match violation.facet {
            Some(Facet::Null) => "",
            _ => violation.code,
        };
        Self {
            code,
            at,
            facet: violation.facet,
        }
    }
}

/// The cases of the corpus built into this binary, its manifest parsed once for every table
/// here (none when it does not parse: every rule then falls back to its default).
fn cases() -> impl Iterator<Item = &'static Case> {
    static MANIFEST: LazyLock<Option<Manifest>> = LazyLock::new(|| {
        let (_, bytes) = crate::embedded_corpus()
            .iter()
            .find(|(name, _)| *name == "manifest.json")?;
        Manifest::from_json(std::str::from_utf8(bytes).ok()?).ok()
    });
    MANIFEST.iter().flat_map(|m| &m.cases)
}

/// The rules of schema violations, read from the corpus's body cases.
struct ViolationRules {
    /// By the profile and the violations of a body refused (its verdict's rule).
    refused: BTreeMap<(Profile, ViolationKey), Rule>,
    /// By the strict profile's violations of a body the documented profile accepts.
    accepted: BTreeMap<ViolationKey, Rule>,
}

/// How many cases carry each rule (level, words, source), by key.
type Counts<K> = BTreeMap<K, BTreeMap<(Level, String, String), usize>>;

/// Each body case of the corpus validated again in each profile it has a verdict for: every
/// violation found gets the case's rule (a body accepted in the documented profile, every
/// violation the strict profile finds). A case that breaks one constraint alone speaks for it
/// before one that breaks several.
static VIOLATION_RULES: LazyLock<ViolationRules> = LazyLock::new(|| {
    let files = crate::embedded_corpus();
    let (mut refused, mut accepted) = (Counts::<(Profile, ViolationKey)>::new(), Counts::new());
    for case in cases() {
        let body = files
            .iter()
            .find(|(name, _)| *name == case.file)
            .and_then(|(_, bytes)| serde_json::from_slice::<serde_json::Value>(bytes).ok());
        let Some(body) = body else { continue };
        for (profile, verdict) in &case.profiles {
            let Some(profile) = Profile::from_name(profile) else {
                continue;
            };
            let refusing = match (verdict.result, profile) {
                (Validity::Invalid, _) => true,
                (Validity::Valid, Profile::Documented) => false,
                _ => continue,
            };
            let validated = if refusing { profile } else { Profile::Strict };
            let errors = sessionkit::schema::validate(&body, validated).errors;
            let weight = if errors.len() == 1 { 1000 } else { 1 };
            let rule = &verdict.rule;
            let rule = (rule.level, rule.rule.clone(), rule.reference.clone());
            for violation in &errors {
                let key = ViolationKey::of(violation);
                let counts = match refusing {
                    true => refused.entry((profile, key)).or_default(),
                    false => accepted.entry(key).or_default(),
                };
                *counts.entry(rule.clone()).or_default() += weight;
            }
        }
    }
    ViolationRules {
        refused: most_common(refused),
        accepted: most_common(accepted),
    }
});

/// For each key, the level its cases carry most (on a tie, the weaker: a false failure costs
/// more than a missed warning), and the rule at that level carried most.
fn most_common<K: Ord>(counts: Counts<K>) -> BTreeMap<K, Rule> {
    counts
        .into_iter()
        .filter_map(|(key, rules)| {
            let mut by_level: BTreeMap<Level, usize> = BTreeMap::new();
            for ((level, _, _), n) in &rules {
                *by_level.entry(*level).or_default() += n;
            }
            // Levels ascend from MUST to MAY, so the last of equal counts is the weaker.
            let (level, _) = by_level.into_iter().max_by_key(|(_, n)| *n)?;
            let ((_, rule, reference), _) = rules
                .into_iter()
                .filter(|((l, _, _), _)| *l == level)
                .max_by_key(|(_, n)| *n)?;
            Some((
                key,
                Rule {
                    level,
                    rule,
                    reference,
                },
            ))
        })
        .collect()
}

/// The rule of a request accepted without a signature (the corpus's case of the
/// `unsigned_request` advisory): accepted as the API accepts it, refusing it a project choice.
pub(crate) fn unsigned_rule() -> Rule {
    static UNSIGNED: LazyLock<Option<Rule>> = LazyLock::new(|| {
        cases()
            .find(|c| {
                c.expect
                    .as_ref()
                    .is_some_and(|e| e.diagnostic.as_deref() == Some("unsigned_request"))
            })
            .map(|c| c.rule.clone())
    });
    UNSIGNED.clone().unwrap_or_else(|| Rule {
        level: sessionkit::corpus::Level::May,
        rule: "a request without X-HMAC-SIGNATURE is accepted, as the API accepts it".into(),
        reference: "the vendor's FAQ".into(),
    })
}

/// The other answers the policy of every corpus case refused with kind `kind` allows (none
/// when its cases allow different ones, or none).
pub(crate) fn allowed_for(kind: ErrorKind) -> &'static [corpus::Allowed] {
    static ALLOWED: LazyLock<BTreeMap<ErrorKind, Vec<corpus::Allowed>>> = LazyLock::new(|| {
        let mut by_kind: BTreeMap<ErrorKind, Vec<corpus::Allowed>> = BTreeMap::new();
        for case in cases().filter(|c| c.faults.is_empty()) {
            let Some(Some(kind)) = expected_kind(case) else {
                continue;
            };
            let shared = by_kind.entry(kind).or_insert_with(|| case.allowed.clone());
            if *shared != case.allowed {
                shared.clear();
            }
        }
        by_kind
    });
    ALLOWED.get(&kind).map_or(&[], Vec::as_slice)
}

/// By error kind and the [`Trait`] of the case's request.
static TRAIT_RULES: LazyLock<BTreeMap<(Kind, Trait), Rule>> = LazyLock::new(|| {
    let mut counts: Counts<(Kind, Trait)> = BTreeMap::new();
    for case in cases().filter(|c| c.faults.is_empty()) {
        let (Some(kind), Some(request)) = (expected_kind(case), &case.request) else {
            continue;
        };
        let lines = request
            .header_lines
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()));
        let Some(found) = Trait::of(kind, lines) else {
            continue;
        };
        let rule = (
            case.rule.level,
            case.rule.rule.clone(),
            case.rule.reference.clone(),
        );
        *counts
            .entry((kind, found))
            .or_default()
            .entry(rule)
            .or_default() += 1;
    }
    most_common(counts)
});

/// By error kind, and by error kind with the mistake the case's answer names (which tells
/// some refusals of one kind apart: raw DEFLATE among bodies not of their encoding).
static RULES: LazyLock<BTreeMap<(Kind, Option<String>), Rule>> = LazyLock::new(|| {
    let mut counts: Counts<(Kind, Option<String>)> = BTreeMap::new();
    for case in cases().filter(|c| c.faults.is_empty()) {
        let (Some(kind), Some(expect)) = (expected_kind(case), &case.expect) else {
            continue;
        };
        let rule = (
            case.rule.level,
            case.rule.rule.clone(),
            case.rule.reference.clone(),
        );
        let named = expect.diagnostic.clone().map(|m| (kind, Some(m)));
        for key in std::iter::once((kind, None)).chain(named) {
            *counts
                .entry(key)
                .or_default()
                .entry(rule.clone())
                .or_default() += 1;
        }
    }
    most_common(counts)
});
