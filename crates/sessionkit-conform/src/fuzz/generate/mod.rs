//! Generation: a valid payload (one of the documentation's examples with random values in its
//! documented fields), then one mutation aimed at one stage, built into the exact request bytes
//! and signed with the target's credentials unless the mutation is about the signature. Every
//! input is a plain value (`Input`), so that a finding can be rebuilt, shrunk and written out.

mod build;
mod mutation;
mod values;

use serde_json::{Value, json};
use sessionkit::codec::Encoding;

pub use build::{Credentials, Request, build, weight};
pub use mutation::{Input, Mutation, SignMistake, Spelling};
use values::FIELDS;
pub(crate) use values::{
    CONTENT_TYPES, DATES, ENCODING_VALUES, NESTINGS, NUMBERS, SIGN_MISTAKES, SIZES, TIMESTAMPS,
    URIS, UUIDS,
};

/// SplitMix64: small, fast, and the same sequence for the same seed on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator of case `index` in a run seeded with `seed`: each case depends on these two
    /// only, so the same seed sends the same requests whatever the concurrency.
    pub fn for_case(seed: u64, index: u64) -> Self {
        let mut rng = Rng(seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        rng.next();
        rng
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// A schema mutation: one documented field at or across its constraint, or a member removed.
pub(super) fn schema_mutation(rng: &mut Rng) -> Mutation {
    if rng.chance(8) {
        let pointers = [
            "/verification",
            "/verification/person",
            "/verification/callback",
        ];
        return Mutation::Remove((*rng.pick(&pointers)).into());
    }
    let (pointer, field) = *rng.pick(&FIELDS);
    Mutation::Set(pointer.into(), field.boundary(rng))
}

/// A new input for case `rng`, from one of the `bases` (valid payloads).
pub fn input(rng: &mut Rng, bases: &[Value]) -> Input {
    let mut payload = rng.pick(bases).clone();
    // Random valid values in a few documented fields: the valid requests vary too.
    for _ in 0..rng.below(4) {
        let (pointer, field) = *rng.pick(&FIELDS);
        let value = field.valid(rng);
        set(&mut payload, pointer, Some(value));
    }
    let encoding = *rng.pick(&Encoding::ALL);
    let mutation = mutation(rng);
    // What varies beside the mutation is drawn last, so that a seed's payloads and mutations
    // stay what they were: header names in other spellings, and several consents.
    let spelling = spelling(rng);
    consents(rng, &mut payload);
    Input {
        payload,
        encoding,
        mutation,
        spelling,
    }
}

/// One mutation of any stage, or none (one case in ten).
fn mutation(rng: &mut Rng) -> Mutation {
    match rng.below(40) {
        0..=3 => Mutation::Valid,
        4 => Mutation::EncodingHeader((*rng.pick(ENCODING_VALUES)).into()),
        5 => Mutation::DuplicateEncoding,
        6 => Mutation::ContentType((*rng.pick(CONTENT_TYPES)).into()),
        7 => Mutation::ApiKey(rng.pick(&[None, Some("someone-else".to_owned())]).clone()),
        8 => {
            // Past half the limit, where a server that reads in two halves goes wrong.
            let past_half = 512 * 1024 + 1 + rng.below(200 * 1024);
            Mutation::Size(if rng.chance(5) {
                past_half
            } else {
                *rng.pick(SIZES)
            })
        }
        9 => Mutation::Level(rng.below(10) as u32),
        10 | 11 => Mutation::Members(2 + rng.below(3)),
        12 => Mutation::GzipHeader(rng.below(32) as u8, rng.next() as u32),
        13 => Mutation::Truncate(1 + rng.below(12)),
        14 => Mutation::FlipFromEnd(1 + rng.below(8)),
        15 => Mutation::Trailing(vec![0; 1 + rng.below(4)]),
        16 => Mutation::RawDeflate,
        17..=20 => Mutation::Sign(rng.pick(SIGN_MISTAKES).clone()),
        21 => {
            if rng.chance(2) {
                Mutation::Pretty
            } else {
                Mutation::Reordered
            }
        }
        22 => Mutation::Escaped,
        23 => Mutation::Nested(*rng.pick(NESTINGS)),
        24 => {
            // A number in an unknown member, or as vendorData, whose echo must keep it as sent.
            let text = (*rng.pick(NUMBERS)).to_owned();
            if rng.chance(2) {
                Mutation::Number(text)
            } else {
                Mutation::VendorNumber(text)
            }
        }
        25 => Mutation::DuplicateKey,
        26 => Mutation::InvalidUtf8,
        27 => Mutation::ByteOrderMark,
        _ => schema_mutation(rng),
    }
}

/// The documented header names one case in two, else another spelling.
fn spelling(rng: &mut Rng) -> Spelling {
    match rng.below(8) {
        0 => Spelling::Lower,
        1 => Spelling::Title,
        2 => Spelling::Upper,
        3 => Spelling::Reversed,
        _ => Spelling::Documented,
    }
}

/// One case in ten: several consents (none, a few, past any plausible limit).
fn consents(rng: &mut Rng, payload: &mut Value) {
    if rng.chance(10) {
        let n = *rng.pick(&[0usize, 2, 5, 11, 40]);
        let consents: Vec<Value> = (0..n)
            .map(|i| {
                json!({"type": "general", "approved": true, "text": format!("consent {i}"),
                       "timestamp": "2026-05-07T08:00:00Z"})
            })
            .collect();
        payload["verification"]["consents"] = Value::Array(consents);
    }
}

/// Sets the member at `pointer` (creating objects on the way, and a valid consent when the
/// pointer goes into `consents`), or removes it.
pub(super) fn set(value: &mut Value, pointer: &str, new: Option<Value>) {
    let has_consent = value["verification"]["consents"]
        .as_array()
        .is_some_and(|a| !a.is_empty());
    if pointer.starts_with("/verification/consents/") && !has_consent {
        value["verification"]["consents"] = json!([{
            "type": "general", "approved": true, "text": "I consent.",
            "timestamp": "2026-05-08T10:00:00Z",
        }]);
    }
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    let (last, path) = parts.split_last().unwrap_or((&"", &[]));
    let mut at = value;
    for part in path {
        let index = part
            .parse::<usize>()
            .ok()
            .filter(|i| at.as_array().is_some_and(|a| *i < a.len()));
        if let Some(i) = index {
            at = &mut at[i];
            continue;
        }
        // Indexing a non-object by key would panic: it becomes an object.
        if !at.is_object() {
            *at = json!({});
        }
        if !at.get(*part).is_some_and(|v| v.is_object() || v.is_array()) {
            at[*part] = json!({});
        }
        at = &mut at[*part];
    }
    if let Some(map) = at.as_object_mut() {
        match new {
            Some(v) => {
                map.insert((*last).to_owned(), v);
            }
            None => {
                map.remove(*last);
            }
        }
    }
}
