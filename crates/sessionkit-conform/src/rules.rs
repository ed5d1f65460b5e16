//! The rule each kind of refusal checks, as the corpus states it: for each error kind, the
//! level, rule and source most of its wire cases carry. The corpus generator's table is the one
//! source; `fuzz` grades its findings by it and `check --promote` writes it into the cases.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use sessionkit::corpus::{Manifest, Rule};

/// The rule of error kind `kind` (`""` for an accepted request).
pub(crate) fn of_error(kind: &str) -> Option<&'static Rule> {
    RULES.get(kind)
}

/// The rule of a request accepted without a signature (the corpus's case of the
/// `unsigned_request` advisory): accepted as the API accepts it, refusing it a project choice.
pub(crate) fn unsigned_rule() -> Rule {
    static UNSIGNED: LazyLock<Option<Rule>> = LazyLock::new(|| {
        let manifest = crate::embedded_corpus()
            .iter()
            .find(|(name, _)| *name == "manifest.json")
            .and_then(|(_, bytes)| Manifest::from_json(std::str::from_utf8(bytes).ok()?).ok())?;
        manifest
            .cases
            .iter()
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

static RULES: LazyLock<BTreeMap<String, Rule>> = LazyLock::new(|| {
    let manifest = crate::embedded_corpus()
        .iter()
        .find(|(name, _)| *name == "manifest.json")
        .and_then(|(_, bytes)| Manifest::from_json(std::str::from_utf8(bytes).ok()?).ok());
    let mut counts: BTreeMap<String, BTreeMap<(sessionkit::corpus::Level, String, String), usize>> =
        BTreeMap::new();
    for case in manifest.iter().flat_map(|m| &m.cases) {
        let (Some(expect), true) = (&case.expect, case.faults.is_empty()) else {
            continue;
        };
        let kind = expect.error.clone().unwrap_or_default();
        let rule = (
            case.rule.level,
            case.rule.rule.clone(),
            case.rule.reference.clone(),
        );
        *counts.entry(kind).or_default().entry(rule).or_default() += 1;
    }
    counts
        .into_iter()
        .filter_map(|(kind, rules)| {
            let ((level, rule, reference), _) = rules.into_iter().max_by_key(|(_, n)| *n)?;
            Some((
                kind,
                Rule {
                    level,
                    rule,
                    reference,
                },
            ))
        })
        .collect()
});
