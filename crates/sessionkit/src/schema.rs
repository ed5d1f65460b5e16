//! The request and answer schemas: validate a parsed body against the request schema of a profile and report
//! every violation with its JSON pointer, a stable code, the vendor's error code and a message.
//!
//! The schemas are the files in `schemas/`, embedded at build time and compiled once per process.
//! `format` is asserted explicitly (draft 2020-12 only annotates it by default), so `1990-02-30`
//! is rejected as a date. `maxLength` counts Unicode scalar values, as the contract says.

use std::sync::LazyLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Registry, ValidationError, Validator};
use serde_json::Value;

use crate::catalogue::ViolationKind;
use crate::config::Profile;
use crate::error::{Facet, Violation};
use crate::json::{Parsed, Shape, UnknownMembers, escape_segment};

/// Base URI the schema files are registered under. The files carry no `$id`, so that any tool
/// resolves their relative `$ref`s (`request.defs.json#/$defs/...`) against their own location
/// and nothing is ever fetched; here they are registered under this base instead.
pub const SCHEMA_BASE: &str = "https://sessionkit.invalid/schemas/";

/// The schema files, by file name, as shipped in `schemas/`.
pub const SCHEMA_FILES: &[(&str, &str)] = &[
    (
        "request.defs.json",
        include_str!("../schemas/request.defs.json"),
    ),
    (
        "request.documented.json",
        include_str!("../schemas/request.documented.json"),
    ),
    (
        "request.strict.json",
        include_str!("../schemas/request.strict.json"),
    ),
    ("response.json", include_str!("../schemas/response.json")),
    ("error.json", include_str!("../schemas/error.json")),
    ("failure.json", include_str!("../schemas/failure.json")),
    ("decision.json", include_str!("../schemas/decision.json")),
    ("event.json", include_str!("../schemas/event.json")),
];

/// Everything the schema stage found in one body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Violations that make the body invalid.
    pub errors: Vec<Violation>,
    /// Findings that do not (an unknown property in the documented profile).
    pub warnings: Vec<Violation>,
    /// How many errors were found, listed or counted in the last `more_findings` line.
    pub errors_found: usize,
}

impl Report {
    /// True when there are no errors.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// The vendor code of the answer: 1102 when all errors are missing members, else the code
    /// of the first error.
    pub fn vendor_code(&self) -> u16 {
        self.errors.first().map_or(0, |v| v.vendor_code)
    }
}

/// Validates a parsed request body in `profile`.
pub fn validate(body: &Value, profile: Profile) -> Report {
    validate_members(body, &NOTHING_LEFT_OUT, profile)
}

static NOTHING_LEFT_OUT: LazyLock<UnknownMembers> = LazyLock::new(UnknownMembers::new);

/// Validates a request body parsed against [`request_shape`]: the members it left out are
/// unknown properties where the validator finds the first of their object, errors in the strict
/// profile and warnings in the documented one, as if it had found them all.
pub fn validate_parsed(body: &Parsed, profile: Profile) -> Report {
    validate_members(&body.value, &body.unknown, profile)
}

fn validate_members(body: &Value, left_out: &UnknownMembers, profile: Profile) -> Report {
    let compiled = &*COMPILED;
    let main = match profile {
        Profile::Documented => &compiled.documented,
        Profile::Strict => &compiled.strict,
    };
    let mut errors = Findings::new(left_out);
    for error in main.iter_errors(body) {
        errors.add(&error, body);
    }
    let mut warnings = Findings::new(left_out);
    if profile == Profile::Documented {
        // Unknown properties are defined once, by the strict schema's closed objects; the
        // documented profile reports them as warnings.
        for error in compiled.strict.iter_errors(body) {
            if let ValidationErrorKind::UnevaluatedProperties { .. } = error.kind() {
                warnings.add(&error, body);
            }
        }
    }
    Report {
        errors_found: errors.found(),
        errors: errors.listed("errors"),
        warnings: warnings.listed("warnings"),
    }
}

/// What the strict schema knows of a request body: its closed objects and the members each may
/// have, read from the schema files (`properties` through `$ref`, `allOf`, `anyOf`, `oneOf` and
/// the conditional branches, so that a member any branch names is kept for the validator to
/// judge). A member no branch names is unknown whatever the rest of the body holds, so the json
/// stage leaves it out of the tree ([`crate::json::parse_shaped`]).
pub fn request_shape() -> &'static Shape {
    static SHAPE: LazyLock<Shape> = LazyLock::new(|| {
        let files: Vec<(&str, Value)> = SCHEMA_FILES
            .iter()
            .map(|(name, _)| (*name, parse_embedded(name)))
            .collect();
        let mut shape = Shape::default();
        let root = &files
            .iter()
            .find(|(n, _)| *n == "request.strict.json")
            .expect("strict")
            .1;
        read_shape(root, "request.strict.json", &files, &mut shape, false, 0);
        shape
    });
    &SHAPE
}

/// Adds what `schema` (in `file`) knows to `shape`. Closedness is read only where the schema
/// applies whatever the value holds (not under `if`, `then`, `else`, `anyOf`, `oneOf`).
fn read_shape(
    schema: &Value,
    file: &str,
    files: &[(&str, Value)],
    shape: &mut Shape,
    conditional: bool,
    depth: usize,
) {
    // The request schemas nest a dozen levels; a `$ref` loop would stop here.
    if depth > 64 {
        return;
    }
    let closes = |key| schema.get(key) == Some(&Value::Bool(false));
    if !conditional && (closes("unevaluatedProperties") || closes("additionalProperties")) {
        shape.close();
    }
    if let Some(Value::Object(properties)) = schema.get("properties") {
        for (name, sub) in properties {
            read_shape(
                sub,
                file,
                files,
                shape.member_mut(name),
                conditional,
                depth + 1,
            );
        }
    }
    if let Some(items) = schema.get("items") {
        read_shape(
            items,
            file,
            files,
            shape.items_mut(),
            conditional,
            depth + 1,
        );
    }
    if let Some(Value::String(reference)) = schema.get("$ref") {
        let (target_file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let target_file = if target_file.is_empty() {
            file
        } else {
            target_file
        };
        let target = files
            .iter()
            .find(|(name, _)| *name == target_file)
            .and_then(|(_, doc)| doc.pointer(pointer));
        if let Some(target) = target {
            read_shape(target, target_file, files, shape, conditional, depth + 1);
        }
    }
    for (key, branch_is_conditional) in [
        ("allOf", false),
        ("anyOf", true),
        ("oneOf", true),
        ("if", true),
        ("then", true),
        ("else", true),
    ] {
        let branches = match schema.get(key) {
            Some(Value::Array(list)) => list.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => Vec::new(),
        };
        for branch in branches {
            let conditional = conditional || branch_is_conditional;
            read_shape(branch, file, files, shape, conditional, depth + 1);
        }
    }
}

/// How many findings of one list a report names one by one; the rest are counted in one
/// `more_findings` line. Every path an unauthenticated body reaches (answers, journals, reports)
/// then costs a few lines, whatever the body holds.
pub const LISTED_AT_MOST: usize = 20;

/// One list of findings as the validator yields them, in linear time, the first
/// [`LISTED_AT_MOST`] kept. A body of unknown members yields one finding per member: those are
/// counted without being worded past the cap, and each object's list once (every closed object of
/// the strict schema has one `unevaluatedProperties`, so one error names all of its unknown
/// members). Other findings are kept once per (pointer, code), as the schema's branches may
/// report the same fault twice. An object whose unknown members the json stage left out of the
/// tree has its first one there: that one stands for all of them.
struct Findings<'a> {
    left_out: &'a UnknownMembers,
    seen: std::collections::HashSet<(String, &'static str)>,
    objects_seen: std::collections::HashSet<String>,
    kept: Vec<Violation>,
    more: usize,
}

impl<'a> Findings<'a> {
    fn new(left_out: &'a UnknownMembers) -> Self {
        Findings {
            left_out,
            seen: Default::default(),
            objects_seen: Default::default(),
            kept: Vec::new(),
            more: 0,
        }
    }

    fn add(&mut self, error: &ValidationError<'_>, body: &Value) {
        match error.kind() {
            ValidationErrorKind::UnevaluatedProperties { unexpected }
            | ValidationErrorKind::AdditionalProperties { unexpected } => {
                let at = error.instance_path().as_str();
                if !self.objects_seen.insert(at.to_owned()) {
                    return;
                }
                let left_out = self.left_out.get(at);
                let mut names: Vec<&String> = Vec::new();
                for name in unexpected {
                    match left_out {
                        Some(all) if all.first.first() == Some(name) => names.extend(&all.first),
                        _ => names.push(name),
                    }
                }
                let total = unexpected.len() + left_out.map_or(0, |all| all.count - 1);
                let room = LISTED_AT_MOST.saturating_sub(self.kept.len());
                for name in names.iter().take(room) {
                    self.kept.push(unknown_property(at, name));
                }
                self.more += total - room.min(names.len());
            }
            _ => {
                let v = classify(error, body);
                let first_time = self.seen.insert((v.pointer.clone(), v.code));
                if first_time && self.kept.len() < LISTED_AT_MOST {
                    self.kept.push(v);
                } else if first_time {
                    self.more += 1;
                }
            }
        }
    }

    fn found(&self) -> usize {
        self.kept.len() + self.more
    }

    fn listed(mut self, what: &str) -> Vec<Violation> {
        if self.more > 0 {
            let message = format!("{} more {what} not listed", self.more);
            self.kept
                .push(Violation::new(ViolationKind::MoreFindings, "", message));
        }
        self.kept
    }
}

/// Checks an answer of any server as docs/contract.md §6 holds it: a 201 against `response.json`,
/// any other against the vendor's `failure.json`, and its `diagnostics`, this project's extension
/// that no other server owes, against `error.json` only when they are present.
pub fn check_answer(body: &Value, status: u16) -> Report {
    if status == 201 {
        return validate_answer(body, AnswerShape::Created);
    }
    let mut report = validate_answer(body, AnswerShape::VendorFailure);
    if body.get("diagnostics").is_some() {
        for v in validate_answer(body, AnswerShape::Failure).errors {
            if !report
                .errors
                .iter()
                .any(|w| w.pointer == v.pointer && w.code == v.code)
            {
                report.errors_found += 1;
                report.errors.push(v);
            }
        }
    }
    report
}

/// The schemas an answer is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerShape {
    /// `response.json`: the 201 answer.
    Created,
    /// `failure.json`: the vendor's failure answer, what any server owes.
    VendorFailure,
    /// `error.json`: the reference server's failure answer with its `diagnostics` extension.
    Failure,
}

/// Which webhook a payload is: the schemas a received delivery is checked against
/// (`sessionkit::delivery` judges the rest of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryKind {
    /// A decision webhook (`schemas/decision.json`): `status` and `verification`.
    Decision,
    /// An event webhook (`schemas/event.json`): `id`, `code`, `action`.
    Event,
}

impl DeliveryKind {
    /// The schema file it is checked against.
    pub fn schema_file(self) -> &'static str {
        match self {
            DeliveryKind::Decision => "decision.json",
            DeliveryKind::Event => "event.json",
        }
    }
}

/// Validates a received webhook's payload against `decision.json` or `event.json`.
pub fn validate_delivery(body: &Value, kind: DeliveryKind) -> Report {
    let compiled = &*COMPILED;
    let validator = match kind {
        DeliveryKind::Decision => &compiled.decision,
        DeliveryKind::Event => &compiled.event,
    };
    errors_of(validator, body)
}

/// Every error `validator` finds in `body`, listed as the reports list them.
fn errors_of(validator: &Validator, body: &Value) -> Report {
    let mut errors = Findings::new(&NOTHING_LEFT_OUT);
    for error in validator.iter_errors(body) {
        errors.add(&error, body);
    }
    Report {
        errors_found: errors.found(),
        errors: errors.listed("errors"),
        warnings: Vec::new(),
    }
}

/// Validates an answer body against `response.json` (201) or `error.json` (any other status).
pub fn validate_answer(body: &Value, shape: AnswerShape) -> Report {
    let compiled = &*COMPILED;
    let validator = match shape {
        AnswerShape::Created => &compiled.response,
        AnswerShape::VendorFailure => &compiled.failure,
        AnswerShape::Failure => &compiled.error,
    };
    errors_of(validator, body)
}

/// The verdict on one request body as the CLI and the snapshots show it: JSON-stage faults and
/// schema violations alike, each with the line of the body it comes from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BodyReport {
    /// The file name as given (`-` for standard input).
    pub file: String,
    /// True when there are no errors.
    pub valid: bool,
    /// Errors, in the order found.
    pub errors: Vec<Finding>,
    /// Warnings, in the order found.
    pub warnings: Vec<Finding>,
}

/// One located finding of a [`BodyReport`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    /// JSON pointer, or empty for the whole body.
    pub pointer: String,
    /// Stable snake_case code.
    pub code: &'static str,
    /// Lowercase message.
    pub message: String,
    /// 1-based line of the body where the pointed value starts, when it can be located.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// Parses and validates one body, locating every finding in its text.
pub fn check_body(file: &str, bytes: &[u8], profile: Profile) -> BodyReport {
    let text = String::from_utf8_lossy(bytes);
    let locate = |pointer: &str| {
        if pointer.is_empty() {
            None
        } else {
            crate::json::line_of(&text, pointer)
        }
    };
    let finding = |v: &Violation| Finding {
        pointer: v.pointer.clone(),
        code: v.code,
        message: v.message.clone(),
        line: locate(&v.pointer),
    };
    match crate::json::parse_shaped(bytes, request_shape(), LISTED_AT_MOST) {
        Ok(body) => {
            let report = validate_parsed(&body, profile);
            // Document order reads best, whatever order the validator walked the schema in.
            let in_order = |list: &[Violation]| {
                let mut found: Vec<Finding> = list.iter().map(finding).collect();
                found.sort_by_key(|f| (f.line.unwrap_or(usize::MAX), f.pointer.clone()));
                found
            };
            BodyReport {
                file: file.to_owned(),
                valid: report.is_valid(),
                errors: in_order(&report.errors),
                warnings: in_order(&report.warnings),
            }
        }
        Err(error) => BodyReport {
            file: file.to_owned(),
            valid: false,
            errors: vec![Finding {
                pointer: error.pointer().to_owned(),
                code: error.code(),
                message: error.to_string(),
                line: locate(error.pointer()),
            }],
            warnings: Vec::new(),
        },
    }
}

impl BodyReport {
    /// The text rendering: a verdict line, then `FILE:LINE: severity[code] pointer: message`.
    pub fn render(&self, profile: Profile) -> String {
        use std::fmt::Write;
        let name = if self.file == "-" {
            "<stdin>"
        } else {
            &self.file
        };
        let mut out = String::new();
        let n = self.errors.len();
        let _ = if self.valid {
            writeln!(out, "{name}: valid ({profile} profile)")
        } else {
            writeln!(
                out,
                "{name}: invalid ({profile} profile, {n} error{})",
                if n == 1 { "" } else { "s" }
            )
        };
        let errors = self.errors.iter().map(|f| ("error", f));
        for (severity, f) in errors.chain(self.warnings.iter().map(|f| ("warning", f))) {
            let at = f.line.map(|l| format!(":{l}")).unwrap_or_default();
            let pointer = if f.pointer.is_empty() {
                "(body)"
            } else {
                &f.pointer
            };
            let _ = writeln!(
                out,
                "  {name}{at}: {severity}[{}] {pointer}: {}",
                f.code, f.message
            );
        }
        out
    }
}

/// The property names each object of the request model accepts, by schema `$defs` name, read
/// from the shared definitions (used to keep the typed model and the schema in step).
pub fn known_properties() -> Vec<(String, Vec<String>)> {
    let defs: Value = parse_embedded("request.defs.json");
    let mut out = Vec::new();
    if let Some(Value::Object(defs)) = defs.get("$defs") {
        for (name, def) in defs {
            if let Some(Value::Object(props)) = def.get("properties") {
                out.push((name.clone(), props.keys().cloned().collect()));
            }
        }
    }
    out
}

struct Compiled {
    documented: Validator,
    strict: Validator,
    response: Validator,
    error: Validator,
    failure: Validator,
    decision: Validator,
    event: Validator,
}

fn parse_embedded(name: &str) -> Value {
    let text = SCHEMA_FILES
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, text)| *text)
        .unwrap_or("{}");
    // The embedded schemas are checked by this crate's tests; a broken one fails them all.
    serde_json::from_str(text).expect("embedded schema is valid JSON")
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let resources: Vec<(String, Value)> = SCHEMA_FILES
        .iter()
        .map(|(name, _)| (format!("{SCHEMA_BASE}{name}"), parse_embedded(name)))
        .collect();
    // Invariant: the schema files are valid 2020-12 schemas with resolvable `$ref`s; the tests
    // compile them, so a broken file cannot ship.
    let registry = Registry::new()
        .extend(resources.iter().map(|(uri, value)| (uri.as_str(), value)))
        .and_then(|builder| builder.prepare())
        .expect("embedded schemas form a valid registry");
    let build = |name: &str| {
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .with_base_uri(format!("{SCHEMA_BASE}{name}"))
            .with_registry(&registry)
            .build(&parse_embedded(name))
            .expect("embedded schema compiles")
    };
    Compiled {
        documented: build("request.documented.json"),
        strict: build("request.strict.json"),
        response: build("response.json"),
        error: build("error.json"),
        failure: build("failure.json"),
        decision: build("decision.json"),
        event: build("event.json"),
    }
});

const DATE_FIELDS: &[&str] = &[
    "dateOfBirth",
    "marriageDate",
    "firstIssue",
    "issueDate",
    "expiryDate",
];

/// Turns one `jsonschema` error other than unknown members into a violation with our code and
/// wording. A missing member gets the pointer of that member, not of the object holding it.
fn classify(error: &ValidationError<'_>, body: &Value) -> Violation {
    let at = error.instance_path().as_str().to_owned();
    // The body itself has no field name; its messages call it the body.
    let field = match at.rsplit('/').next() {
        Some("") | None => "body",
        Some(name) => name,
    };
    let value = body.pointer(&at);
    let (kind, message) = match error.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let message = if name == "text" {
                "consent text is required when type is eid and approved is true".into()
            } else {
                format!("required property {name} is missing")
            };
            let pointer = format!("{at}/{}", escape_segment(name));
            return Violation::new(ViolationKind::MissingProperty, pointer, message);
        }
        ValidationErrorKind::MaxLength { limit } => too_long(field, value, *limit),
        ValidationErrorKind::Type { kind } => wrong_type(field, value, kind),
        ValidationErrorKind::Format { format }
        | ValidationErrorKind::Pattern { pattern: format } => not_of_format(field, value, format),
        ValidationErrorKind::Enum { options } => (
            ViolationKind::NotAllowedValue,
            format!("{field} must be one of {options}"),
        ),
        _ => (ViolationKind::Other, error.masked().to_string()),
    };
    Violation::new(kind, at, message).with_facet(facet(kind, value))
}

/// True when `text` is `len` ASCII digits but for `separator` at each of the places `at`.
fn digits_with(text: &str, len: usize, separator: u8, at: [usize; 2]) -> bool {
    text.len() == len
        && text
            .bytes()
            .enumerate()
            .all(|(i, b)| match at.contains(&i) {
                true => b == separator,
                false => b.is_ascii_digit(),
            })
}

/// `YYYY-MM-DD`, whatever the numbers.
fn date_form(text: &str) -> bool {
    digits_with(text, 10, b'-', [4, 7])
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, whatever the numbers.
fn utc_form(text: &str) -> bool {
    let Some((date, time)) = text.split_once('T') else {
        return false;
    };
    let Some(time) = time.strip_suffix('Z') else {
        return false;
    };
    let (clock, fraction) = time.split_once('.').unwrap_or((time, "0"));
    date_form(date)
        && digits_with(clock, 8, b':', [2, 5])
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// The part of its constraint `value` breaks, where the contract grades it apart.
fn facet(kind: ViolationKind, value: Option<&Value>) -> Option<Facet> {
    let text = value.and_then(Value::as_str);
    match kind {
        _ if value.is_some_and(Value::is_null) => Some(Facet::Null),
        ViolationKind::InvalidDate if text.is_some_and(date_form) => {
            Some(match text.and_then(|t| t.get(..4)) {
                Some("0000") => Facet::YearZero,
                _ => Facet::NotOnTheCalendar,
            })
        }
        ViolationKind::InvalidTimestamp if text.is_some_and(|t| t.contains(' ')) => {
            Some(Facet::SpaceForT)
        }
        // The seed's form (`YYYY-MM-DDTHH:MM:SS[.sss]Z`) with second 60, or with a date or
        // time no calendar has.
        ViolationKind::InvalidTimestamp if text.is_some_and(utc_form) => {
            let second = text.and_then(|t| t.get(17..19));
            Some(match second {
                Some("60") => Facet::LeapSecond,
                _ => Facet::NotOnTheCalendar,
            })
        }
        ViolationKind::InvalidDocumentNumber if text == Some("") => Some(Facet::Empty),
        ViolationKind::VendorDataNotString if value.is_some_and(|v| v.is_i64() || v.is_u64()) => {
            Some(Facet::Integer)
        }
        ViolationKind::VendorDataNotString
            if value
                .and_then(Value::as_f64)
                .is_some_and(|f| f.fract() == 0.0) =>
        {
            Some(Facet::IntegralFraction)
        }
        _ => None,
    }
}

fn unknown_property(at: &str, name: &str) -> Violation {
    let pointer = format!("{at}/{}", escape_segment(name));
    let message = format!("unknown property {name}");
    Violation::new(ViolationKind::UnknownProperty, pointer, message)
}

fn too_long(field: &str, value: Option<&Value>, limit: u64) -> (ViolationKind, String) {
    let chars = value
        .and_then(Value::as_str)
        .map_or(0, |s| s.chars().count());
    let kind = match field {
        "vendorData" => ViolationKind::VendorDataTooLong,
        "tag" => ViolationKind::TagTooLong,
        _ => ViolationKind::TooLong,
    };
    let message = format!("{field} is too long ({chars} > {limit} characters)");
    (kind, message)
}

fn wrong_type(field: &str, value: Option<&Value>, kind: &TypeKind) -> (ViolationKind, String) {
    let expected = match kind {
        TypeKind::Single(t) => t.to_string(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" or "),
    };
    let kind = if field == "vendorData" {
        ViolationKind::VendorDataNotString
    } else {
        ViolationKind::WrongType
    };
    let found = value.map_or("nothing", json_type);
    (
        kind,
        format!("{field} must be of type {expected} (found {found})"),
    )
}

/// A value that breaks a `format` or a `pattern`: the violation the field's documented
/// constraint names.
fn not_of_format(field: &str, value: Option<&Value>, format: &str) -> (ViolationKind, String) {
    let shown = value.map(Value::to_string).unwrap_or_default();
    if DATE_FIELDS.contains(&field) {
        let message = format!("{field} is not a real calendar date in YYYY-MM-DD format ({shown})");
        return (ViolationKind::InvalidDate, message);
    }
    let (kind, what) = match field {
        "callback" if format.contains("https") => (ViolationKind::CallbackNotHttps, "an https URL"),
        "callback" | "hostAppLink" => (ViolationKind::InvalidUri, "an absolute URI"),
        "country" => (
            ViolationKind::InvalidCountry,
            "two capital letters (ISO 3166-1 alpha-2)",
        ),
        "number" => (
            ViolationKind::InvalidDocumentNumber,
            "ASCII letters and digits only",
        ),
        "idCardType" => (ViolationKind::InvalidIdCardType, "ASCII letters only"),
        "endUserId" => (ViolationKind::InvalidUuid, "a UUID"),
        "timestamp" => (
            ViolationKind::InvalidTimestamp,
            "an RFC 3339 date-time in UTC (Z)",
        ),
        "mxIne" | "mxIfe" => (ViolationKind::NotDigits, "a string of digits"),
        _ => (ViolationKind::InvalidFormat, "of the documented format"),
    };
    (kind, format!("{field} must be {what} ({shown})"))
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
