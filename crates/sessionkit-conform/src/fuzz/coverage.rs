//! The coverage phase, sent before the random cases (as schemathesis runs its coverage phase
//! first): every constraint the request schema of the profile states, and every rule of the
//! contract the mutations reach, probed once on each side of its boundary, deterministically.
//!
//! The constraints are read from the schema files themselves (`schemas/`, with their `$ref`s
//! followed), so a constraint added there is counted and probed without a change here. Each
//! probe is a valid payload with one member changed; which side of the boundary it is on is the
//! oracle's decision (`receive`), never this module's. A constraint is *covered* when its probes
//! include one the contract accepts and one it refuses (a list size, which has no refusing side,
//! when its sizes were sent).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use sessionkit::codec::Encoding;
use sessionkit::{Config, Profile};

use super::generate::{self, Credentials, Input, Mutation, Spelling};
use sessionkit::headers::names;

/// One constraint, where it applies, and the inputs that probe it.
#[derive(Debug, Clone)]
pub struct Constraint {
    /// The member it constrains, as a JSON pointer (`*` for every item of a list).
    pub member: String,
    /// The rule, as the schema states it (`maxLength 64`, `format date`, `required text`).
    pub rule: String,
    /// The inputs that probe it.
    pub(crate) probes: Vec<Input>,
    /// True for a rule with two sides (most); false for list sizes, which have no refusing side.
    two_sided: bool,
}

impl Constraint {
    /// `member: rule`, as reports name it.
    pub fn name(&self) -> String {
        format!("{}: {}", self.member, self.rule)
    }
}

/// The coverage phase of one profile: its constraints and, with the oracle's decisions, which
/// of them the probes cover.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// Every constraint found, the contract's first, then the schema's.
    pub constraints: Vec<Constraint>,
    /// The names of the constraints the probes do not cover.
    pub uncovered: Vec<String>,
}

impl Coverage {
    /// The probes, in order: the phase's cases.
    pub(crate) fn inputs(&self) -> Vec<Input> {
        self.constraints
            .iter()
            .flat_map(|c| c.probes.iter().cloned())
            .collect()
    }

    /// How many constraints the probes cover.
    pub fn covered(&self) -> usize {
        self.constraints.len() - self.uncovered.len()
    }
}

/// The coverage phase for `profile`, from the built-in schema files, judged by `config`'s
/// decisions. `base` is a valid payload every probe starts from.
pub(crate) fn plan(
    profile: Profile,
    base: &Value,
    config: &Config,
    credentials: &Credentials,
) -> Coverage {
    plan_from(
        sessionkit::schema::SCHEMA_FILES,
        profile,
        base,
        config,
        credentials,
    )
}

/// The coverage phase from these schema files (a test passes edited copies).
pub(crate) fn plan_from(
    files: &[(&str, &str)],
    profile: Profile,
    base: &Value,
    config: &Config,
    credentials: &Credentials,
) -> Coverage {
    let schemas: BTreeMap<String, Value> = files
        .iter()
        .filter_map(|(name, text)| Some(((*name).to_owned(), serde_json::from_str(text).ok()?)))
        .collect();
    let main = match profile {
        Profile::Documented => "request.documented.json",
        Profile::Strict => "request.strict.json",
    };
    let mut walk = Walk {
        schemas: &schemas,
        profile,
        constraints: Vec::new(),
    };
    if let Some(root) = schemas.get(main) {
        let node = walk.resolve(main, root);
        walk.node(&node, &mut Vec::new(), Some(base));
    }
    // The contract's rules first (a few cases each, reaching every stage), then the schema's.
    // A schema reached by two paths (a profile's member and the shared definition it refers
    // to) states its constraints once.
    let mut constraints: Vec<Constraint> = contract_constraints(base);
    for constraint in walk.constraints {
        match constraints
            .iter_mut()
            .find(|c| c.name() == constraint.name())
        {
            Some(same) => {
                for probe in constraint.probes {
                    if !same.probes.contains(&probe) {
                        same.probes.push(probe);
                    }
                }
            }
            None => constraints.push(constraint),
        }
    }
    let uncovered = constraints
        .iter()
        .filter(|c| !is_covered(c, config, credentials))
        .map(Constraint::name)
        .collect();
    Coverage {
        constraints,
        uncovered,
    }
}

/// The payload probes start from: every valid example merged into one (a member the first
/// holds is kept), so that a 201 has the most to echo and every object is there to change;
/// the longest example when the merge is not valid in `profile`.
pub(crate) fn base(examples: &[Value], profile: Profile) -> Value {
    fn merge(into: &mut Value, from: &Value) {
        if let (Some(into), Some(from)) = (into.as_object_mut(), from.as_object()) {
            for (key, value) in from {
                match into.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        into.insert(key.clone(), value.clone());
                    }
                }
            }
        }
    }
    let mut merged = json!({"verification": {}});
    for example in examples {
        merge(&mut merged, example);
    }
    if sessionkit::schema::validate(&merged, profile).is_valid() {
        return merged;
    }
    examples
        .iter()
        .max_by_key(|e| e.to_string().len())
        .cloned()
        .unwrap_or(merged)
}

/// Accepted and refused among the probes (or merely sent, for a one-sided rule).
fn is_covered(constraint: &Constraint, config: &Config, credentials: &Credentials) -> bool {
    let (mut accepted, mut refused) = (false, false);
    for input in &constraint.probes {
        let request = generate::build(input, credentials);
        let status = sessionkit::receive(&request.headers, &request.body, config).status();
        accepted |= status == 201;
        refused |= status != 201;
    }
    if constraint.two_sided {
        accepted && refused
    } else {
        !constraint.probes.is_empty()
    }
}

/// One step of a member's path: an object member, or the first item of a list.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Item,
}

fn pointer(path: &[Step]) -> String {
    if path.is_empty() {
        return "(body)".into();
    }
    path.iter()
        .map(|s| match s {
            Step::Key(k) => format!("/{k}"),
            Step::Item => "/*".into(),
        })
        .collect()
}

/// The schema objects that apply at one place: the object itself and every `$ref` it makes
/// (the strict profile's members are a `$ref` to the shared definition plus its own keywords).
type Node = Vec<(String, Value)>;

struct Walk<'a> {
    schemas: &'a BTreeMap<String, Value>,
    profile: Profile,
    constraints: Vec<Constraint>,
}

/// `$ref` chains are short; this bounds a cycle in an edited schema.
const MAX_REFS: usize = 16;

impl Walk<'_> {
    /// `schema` (in `file`) and every schema its `$ref`s reach.
    fn resolve(&self, file: &str, schema: &Value) -> Node {
        let mut node = vec![(file.to_owned(), schema.clone())];
        let (mut file, mut at) = (file.to_owned(), schema.clone());
        for _ in 0..MAX_REFS {
            let Some(reference) = at.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let (target_file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
            if !target_file.is_empty() {
                file = target_file.to_owned();
            }
            let Some(target) = self.schemas.get(&file).and_then(|s| s.pointer(fragment)) else {
                break;
            };
            at = target.clone();
            node.push((file.clone(), at.clone()));
        }
        node
    }

    /// The constraints at `path` and below. `base` is a valid payload that has the member at
    /// `path`, `None` when none could be made (the constraints are counted, not probed).
    fn node(&mut self, node: &Node, path: &mut Vec<Step>, base: Option<&Value>) {
        self.keywords(node, path, base);
        // Members, the union over the node's schemas.
        let mut members: BTreeMap<String, Node> = BTreeMap::new();
        for (file, schema) in node {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (name, child) in properties {
                    let entry = members.entry(name.clone()).or_default();
                    for schema in self.resolve(file, child) {
                        if !entry.contains(&schema) {
                            entry.push(schema);
                        }
                    }
                }
            }
        }
        for (name, child) in &members {
            path.push(Step::Key(name.clone()));
            let child_base = base.and_then(|b| self.with_member(b, path, child));
            self.node(child, path, child_base.as_ref());
            path.pop();
        }
        let mut items: Node = Vec::new();
        for (file, schema) in node {
            for item in schema
                .get("items")
                .map(|i| self.resolve(file, i))
                .into_iter()
                .flatten()
            {
                if !items.contains(&item) {
                    items.push(item);
                }
            }
        }
        if !items.is_empty() {
            path.push(Step::Item);
            let item_base = base.and_then(|b| self.with_member(b, path, &items));
            self.node(&items, path, item_base.as_ref());
            path.pop();
        }
    }

    /// `base` with a valid value at `path` (kept when it has one).
    fn with_member(&self, base: &Value, path: &[Step], node: &Node) -> Option<Value> {
        if get(base, path).is_some() {
            return Some(base.clone());
        }
        self.example(base, path, node)
    }

    /// `base` with the first candidate value at `path` that keeps it valid: an object holding
    /// its required members, a list with no item, or a leaf value the schema accepts.
    fn example(&self, base: &Value, path: &[Step], node: &Node) -> Option<Value> {
        let is = |keyword: &str| node.iter().any(|(_, s)| s.get(keyword).is_some());
        let of_type = |t: &str| {
            node.iter().any(|(_, s)| match s.get("type") {
                Some(Value::String(x)) => x == t,
                Some(Value::Array(xs)) => xs.iter().any(|x| x == t),
                _ => false,
            })
        };
        if of_type("object") || is("properties") {
            let mut payload = base.clone();
            place(&mut payload, path, Some(json!({})));
            for name in required(node) {
                let child = self.member(node, &name)?;
                let mut child_path = path.to_vec();
                child_path.push(Step::Key(name));
                payload = self.example(&payload, &child_path, &child)?;
            }
            return self.valid(&payload).then_some(payload);
        }
        if of_type("array") {
            let mut payload = base.clone();
            place(&mut payload, path, Some(json!([])));
            return self.valid(&payload).then_some(payload);
        }
        leaf_candidates(node).into_iter().find_map(|value| {
            let mut payload = base.clone();
            place(&mut payload, path, Some(value));
            self.valid(&payload).then_some(payload)
        })
    }

    /// The schemas of member `name` of `node`.
    fn member(&self, node: &Node, name: &str) -> Option<Node> {
        let child: Node = node
            .iter()
            .filter_map(|(file, s)| Some(self.resolve(file, s.get("properties")?.get(name)?)))
            .flatten()
            .collect();
        (!child.is_empty()).then_some(child)
    }

    fn valid(&self, payload: &Value) -> bool {
        sessionkit::schema::validate(payload, self.profile).is_valid()
    }

    /// One constraint per constraining keyword at `path`.
    fn keywords(&mut self, node: &Node, path: &[Step], base: Option<&Value>) {
        let here = base.and_then(|b| get(b, path)).cloned();
        for (_, schema) in node {
            let Some(schema) = schema.as_object() else {
                continue;
            };
            for (keyword, value) in schema {
                let probes = |values: Vec<Value>| -> Vec<Option<Value>> {
                    here.iter().cloned().chain(values).map(Some).collect()
                };
                let (rule, values, two_sided) = match keyword.as_str() {
                    "type" => (
                        format!("type {}", type_names(value)),
                        probes(wrong_types()),
                        true,
                    ),
                    "maxLength" => {
                        let Some(n) = value.as_u64() else { continue };
                        (format!("maxLength {n}"), probes(lengths(n as usize)), true)
                    }
                    "pattern" => (
                        format!("pattern {}", value.as_str().unwrap_or("?")),
                        probes(pattern_probes()),
                        true,
                    ),
                    "enum" => (
                        "enum".to_owned(),
                        probes(enum_probes(value.as_array().map_or(&[][..], Vec::as_slice))),
                        true,
                    ),
                    "format" => {
                        let format = value.as_str().unwrap_or("?");
                        (
                            format!("format {format}"),
                            probes(format_probes(format)),
                            true,
                        )
                    }
                    "required" => {
                        for name in value.as_array().into_iter().flatten() {
                            let Some(name) = name.as_str() else { continue };
                            self.required_member(path, name, base);
                        }
                        continue;
                    }
                    "then" => {
                        self.conditional(schema, path, base);
                        continue;
                    }
                    "unevaluatedProperties" | "additionalProperties" if value == &json!(false) => {
                        let mut with_other = here.clone().unwrap_or_else(|| json!({}));
                        if let Some(map) = with_other.as_object_mut() {
                            map.insert("sessionkitProbe".into(), json!(1));
                        }
                        (
                            "no other members".to_owned(),
                            probes(vec![with_other]),
                            true,
                        )
                    }
                    "items" => (
                        "list sizes 0, 1, 2, 11, 100".to_owned(),
                        sizes(here.as_ref()),
                        false,
                    ),
                    _ => continue,
                };
                self.push(path, rule, base, values, two_sided);
            }
        }
    }

    /// `required name` at `path`: the member present, and removed.
    fn required_member(&mut self, path: &[Step], name: &str, base: Option<&Value>) {
        let mut member = path.to_vec();
        member.push(Step::Key(name.to_owned()));
        let present = base.and_then(|b| get(b, &member)).cloned();
        let mut values = vec![None];
        values.extend(present.map(Some));
        let mut constraint = self.constraint(&member, format!("required {name}"), true);
        if let Some(base) = base {
            constraint.probes = values
                .into_iter()
                .map(|v| probe(base, &member, v, &constraint.rule, &member))
                .collect();
        }
        self.constraints.push(constraint);
    }

    /// `if` (member values) `then` (required members), as for an approved `eid` consent's
    /// `text`: the condition met without them (refused) and with them (accepted).
    fn conditional(&mut self, schema: &Map<String, Value>, path: &[Step], base: Option<&Value>) {
        let consts: Vec<(String, Value)> = schema
            .get("if")
            .and_then(|i| i.get("properties"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(name, s)| Some((name.clone(), s.get("const")?.clone())))
            .collect();
        let then: Vec<String> = schema
            .get("then")
            .and_then(|t| t.get("required"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect();
        let condition: Vec<String> = consts.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let rule = format!(
            "if {} then required {}",
            condition.join(", "),
            then.join(", ")
        );
        let mut constraint = self.constraint(path, rule, true);
        let here = base.and_then(|b| get(b, path)).cloned();
        if let (Some(base), Some(Value::Object(mut object))) = (base, here) {
            for (name, value) in &consts {
                object.insert(name.clone(), value.clone());
            }
            let mut without = object.clone();
            for name in &then {
                without.remove(name);
                object.insert(name.clone(), json!("I agree to the processing of my data."));
            }
            constraint.probes = [without, object]
                .into_iter()
                .map(|o| probe(base, path, Some(Value::Object(o)), &constraint.rule, path))
                .collect();
        }
        self.constraints.push(constraint);
    }

    fn constraint(&self, path: &[Step], rule: String, two_sided: bool) -> Constraint {
        Constraint {
            member: pointer(path),
            rule,
            probes: Vec::new(),
            two_sided,
        }
    }

    fn push(
        &mut self,
        path: &[Step],
        rule: String,
        base: Option<&Value>,
        values: Vec<Option<Value>>,
        two_sided: bool,
    ) {
        let mut constraint = self.constraint(path, rule, two_sided);
        if let Some(base) = base {
            let mut seen = Vec::new();
            for value in values {
                if seen.contains(&value) {
                    continue;
                }
                seen.push(value.clone());
                constraint
                    .probes
                    .push(probe(base, path, value, &constraint.rule, path));
            }
        }
        self.constraints.push(constraint);
    }
}

/// `base` with `value` at `path` (removed for `None`), as an input named for its constraint.
fn probe(base: &Value, path: &[Step], value: Option<Value>, rule: &str, member: &[Step]) -> Input {
    let mut payload = base.clone();
    place(&mut payload, path, value);
    Input {
        payload,
        encoding: Encoding::Identity,
        mutation: Mutation::Probe(format!("{}: {rule}", pointer(member))),
        spelling: Spelling::Documented,
    }
}

/// The names a node's schemas require.
fn required(node: &Node) -> Vec<String> {
    let mut names: Vec<String> = node
        .iter()
        .filter_map(|(_, s)| s.get("required")?.as_array().cloned())
        .flatten()
        .filter_map(|n| n.as_str().map(str::to_owned))
        .collect();
    names.dedup();
    names
}

fn type_names(value: &Value) -> String {
    match value {
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        other => other.as_str().unwrap_or("?").to_owned(),
    }
}

/// The member at `path` (the first item for `*`).
fn get<'v>(value: &'v Value, path: &[Step]) -> Option<&'v Value> {
    path.iter().try_fold(value, |at, step| match step {
        Step::Key(k) => at.get(k),
        Step::Item => at.get(0),
    })
}

/// Sets (or removes, for `None`) the member at `path`, making the objects and the first list
/// item on the way.
fn place(value: &mut Value, path: &[Step], new: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        if let Some(new) = new {
            *value = new;
        }
        return;
    };
    let mut at = value;
    for step in parents {
        at = match step {
            Step::Key(k) => {
                if !at.is_object() {
                    *at = json!({});
                }
                let map = at.as_object_mut().expect("made an object above");
                map.entry(k.clone()).or_insert_with(|| json!({}))
            }
            Step::Item => {
                if at.as_array().is_none_or(|a| a.is_empty()) {
                    *at = json!([{}]);
                }
                &mut at.as_array_mut().expect("made a list above")[0]
            }
        };
    }
    match last {
        Step::Key(k) => {
            if !at.is_object() {
                *at = json!({});
            }
            let map = at.as_object_mut().expect("made an object above");
            match new {
                Some(v) => {
                    map.insert(k.clone(), v);
                }
                None => {
                    map.remove(k);
                }
            }
        }
        Step::Item => match (at.as_array_mut(), new) {
            (Some(items), Some(v)) if !items.is_empty() => items[0] = v,
            (Some(items), Some(v)) => items.push(v),
            (Some(items), None) if !items.is_empty() => {
                items.remove(0);
            }
            (None, Some(v)) => *at = json!([v]),
            _ => {}
        },
    }
}

/// Values tried, in order, for a valid leaf: the formats' and enums' own, then plain ones.
fn leaf_candidates(node: &Node) -> Vec<Value> {
    let mut out = Vec::new();
    for (_, schema) in node {
        if let Some(format) = schema.get("format").and_then(Value::as_str) {
            out.push(json!(match format {
                "date" => "1990-01-01",
                "date-time" => "2026-05-08T10:00:00Z",
                "uri" => "https://example.com/callback",
                "uuid" => "f04bdb47-d3be-4b28-b028-a652feb060b5",
                _ => "x",
            }));
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            out.extend(values.iter().cloned());
        }
        if let Some(value) = schema.get("const") {
            out.push(value.clone());
        }
    }
    out.extend([
        json!("Sample"),
        json!("US"),
        json!("AB123456"),
        json!("123456"),
        json!(1),
        json!(true),
    ]);
    out
}

/// One value of each JSON type.
fn wrong_types() -> Vec<Value> {
    vec![
        json!("text"),
        json!(12345),
        json!(1.5),
        json!(true),
        json!(null),
        json!([]),
        json!({}),
    ]
}

/// Strings at, below and above `n` characters, and of `n` characters that are more than `n`
/// bytes (UTF-8) or UTF-16 units (characters beyond the BMP, decomposed accents).
fn lengths(n: usize) -> Vec<Value> {
    let repeat = |s: &str, k: usize| Value::String(s.repeat(k));
    vec![
        repeat("a", 0),
        repeat("a", n.saturating_sub(1)),
        repeat("a", n),
        repeat("a", n + 1),
        repeat("é", n),
        repeat("中", n),
        repeat("😀", n),
        repeat("😀", n + 1),
        repeat("e\u{301}", n / 2),
        repeat("e\u{301}", n / 2 + 1),
    ]
}

/// Strings a character-class pattern splits: letters, digits, separators, letters and digits
/// outside ASCII (which `\d` and `\w` match in some engines), and a trailing newline (which `$`
/// matches in Python's `re` and PCRE).
fn pattern_probes() -> Vec<Value> {
    [
        "ABC123",
        "abc",
        "123",
        "US",
        "https://example.com/x",
        "",
        "AB-123",
        "AB 123",
        "ÄB123",
        "Ⅻ",
        "١٢٣",
        "AB123\n",
        "us",
        "USA",
        "http://example.com/x",
    ]
    .into_iter()
    .map(Value::from)
    .collect()
}

/// Each value, its other cases, another word and the empty string.
fn enum_probes(values: &[Value]) -> Vec<Value> {
    let mut out = values.to_vec();
    for value in values.iter().filter_map(Value::as_str) {
        out.push(json!(value.to_lowercase()));
        out.push(json!(value.to_uppercase()));
        out.push(json!(format!(" {value}")));
    }
    out.push(json!("other"));
    out.push(json!(""));
    out
}

/// Values on both sides of a format (RFC 3339 dates and timestamps, URIs, UUIDs).
fn format_probes(format: &str) -> Vec<Value> {
    let values: &[&str] = match format {
        "date" => generate::DATES,
        "date-time" => generate::TIMESTAMPS,
        "uri" => generate::URIS,
        "uuid" => generate::UUIDS,
        _ => &[""],
    };
    values.iter().copied().map(Value::from).collect()
}

/// Lists of 0, 1, 2, 11 and 100 copies of the first item (or of an empty object).
fn sizes(here: Option<&Value>) -> Vec<Option<Value>> {
    let item = here
        .and_then(|h| h.get(0))
        .cloned()
        .unwrap_or_else(|| json!({}));
    [0, 1, 2, 11, 100]
        .into_iter()
        .map(|n| Some(Value::Array(vec![item.clone(); n])))
        .collect()
}

/// The contract's rules outside the schema, each probed with a passing input and the mutations
/// that cross it (each of the random phase's values once).
fn contract_constraints(base: &Value) -> Vec<Constraint> {
    let probes = Probes { base };
    let mut out = wire_rules(&probes);
    out.extend(body_rules(&probes));
    out
}

/// Inputs from the base payload, for the contract's rules.
struct Probes<'a> {
    base: &'a Value,
}

impl Probes<'_> {
    fn input(&self, encoding: Encoding, mutation: Mutation) -> Input {
        Input {
            payload: self.base.clone(),
            encoding,
            mutation,
            spelling: Spelling::Documented,
        }
    }

    fn plain(&self, mutation: Mutation) -> Input {
        self.input(Encoding::Identity, mutation)
    }

    fn gzip(&self, mutation: Mutation) -> Input {
        self.input(Encoding::Gzip, mutation)
    }

    fn deflate(&self, mutation: Mutation) -> Input {
        self.input(Encoding::Deflate, mutation)
    }

    fn valid(&self) -> Input {
        self.plain(Mutation::Valid)
    }

    /// `probes` after the valid request: the accepted side.
    fn with_valid(&self, mut probes: Vec<Input>) -> Vec<Input> {
        probes.insert(0, self.valid());
        probes
    }

    /// The valid request with its header names in each other spelling and order.
    fn spellings(&self) -> impl Iterator<Item = Input> + '_ {
        [
            Spelling::Lower,
            Spelling::Title,
            Spelling::Upper,
            Spelling::Reversed,
        ]
        .into_iter()
        .map(|spelling| Input {
            spelling,
            ..self.valid()
        })
    }
}

fn rule(member: &str, rule: &str, probes: Vec<Input>) -> Constraint {
    Constraint {
        member: member.into(),
        rule: rule.into(),
        probes,
        two_sided: true,
    }
}

/// The rules of the headers, the size and the encodings.
fn wire_rules(p: &Probes) -> Vec<Constraint> {
    vec![
        rule(
            names::CONTENT_ENCODING,
            "exactly gzip or deflate (contract §1)",
            [p.gzip(Mutation::Valid), p.deflate(Mutation::Valid)]
                .into_iter()
                .chain(
                    generate::ENCODING_VALUES
                        .iter()
                        .map(|v| p.gzip(Mutation::EncodingHeader((*v).into()))),
                )
                .chain([p.gzip(Mutation::DuplicateEncoding)])
                .collect(),
        ),
        rule(
            names::CONTENT_TYPE,
            "application/json (seed)",
            p.with_valid(
                generate::CONTENT_TYPES
                    .iter()
                    .map(|v| p.plain(Mutation::ContentType((*v).into())))
                    .collect(),
            ),
        ),
        rule(
            "header names",
            "case-insensitive, in any order (RFC 9110 §5.1, §5.3)",
            p.with_valid(
                p.spellings()
                    .chain([p.plain(Mutation::ApiKey(None))])
                    .collect(),
            ),
        ),
        rule(
            names::API_KEY,
            "a known API key (seed)",
            p.with_valid(vec![
                p.plain(Mutation::ApiKey(None)),
                p.plain(Mutation::ApiKey(Some("someone-else".into()))),
            ]),
        ),
        rule(
            "body",
            "at most 1 MiB (contract §2)",
            generate::SIZES
                .iter()
                .map(|n| p.plain(Mutation::Size(*n)))
                .collect(),
        ),
        rule(
            "gzip",
            "RFC 1952: members, header fields, checksums, nothing after",
            vec![
                p.gzip(Mutation::Members(3)),
                p.gzip(Mutation::GzipHeader(31, 0)),
                p.gzip(Mutation::Level(0)),
                p.gzip(Mutation::Truncate(1)),
                p.gzip(Mutation::FlipFromEnd(1)),
                p.gzip(Mutation::FlipFromEnd(5)),
                p.gzip(Mutation::Trailing(vec![0])),
            ],
        ),
        rule(
            "deflate",
            "RFC 1950: the zlib format, checksum, nothing after",
            vec![
                p.deflate(Mutation::Level(9)),
                p.deflate(Mutation::RawDeflate),
                p.deflate(Mutation::FlipFromEnd(1)),
                p.deflate(Mutation::Truncate(2)),
                p.deflate(Mutation::Trailing(vec![0])),
            ],
        ),
    ]
}

/// The rules of the signature and the JSON.
fn body_rules(p: &Probes) -> Vec<Constraint> {
    vec![
        rule(
            names::SIGNATURE,
            "lowercase hex HMAC-SHA256 of the uncompressed body (seed)",
            p.with_valid(
                generate::SIGN_MISTAKES
                    .iter()
                    .map(|m| p.gzip(Mutation::Sign(m.clone())))
                    .collect(),
            ),
        ),
        rule(
            "JSON",
            "RFC 8259 UTF-8 JSON, nesting at most 64, unique keys (contract §2)",
            p.with_valid(
                [
                    Mutation::Pretty,
                    Mutation::Reordered,
                    Mutation::Escaped,
                    Mutation::DuplicateKey,
                    Mutation::InvalidUtf8,
                    Mutation::ByteOrderMark,
                ]
                .into_iter()
                .chain(generate::NESTINGS.iter().map(|n| Mutation::Nested(*n)))
                .chain(
                    generate::NUMBERS
                        .iter()
                        .map(|n| Mutation::Number((*n).into())),
                )
                .map(|m| p.plain(m))
                .collect(),
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Value {
        json!({"verification": {"callback": "https://example.com/callback",
            "person": {"firstName": "John", "lastName": "Smith"},
            "vendorData": "11111111"}})
    }

    fn credentials() -> Credentials {
        Credentials {
            api_key: "their-key".into(),
            secret: "their-secret".into(),
        }
    }

    fn config(profile: Profile) -> Config {
        Config {
            profile,
            api_keys: vec!["their-key".into()],
            secrets: vec![b"their-secret".to_vec()],
            ..Default::default()
        }
    }

    fn plan_of(profile: Profile) -> Coverage {
        plan(profile, &base(), &config(profile), &credentials())
    }

    /// Every constraint of both profiles' schemas, and every contract rule, is probed on both
    /// sides (as the oracle decides), the documented limits among them.
    #[test]
    fn every_constraint_of_the_schemas_is_covered() {
        for profile in [Profile::Documented, Profile::Strict] {
            let coverage = plan_of(profile);
            assert!(coverage.uncovered.is_empty(), "{:?}", coverage.uncovered);
            let names: Vec<String> = coverage.constraints.iter().map(Constraint::name).collect();
            for expected in [
                "/verification/tag: maxLength 64",
                "/verification/vendorData: maxLength 1000",
                "/verification/document/number: pattern ^[a-zA-Z0-9]+$",
                "/verification/person/dateOfBirth: format date",
                "/verification/consents/*/timestamp: format date-time",
                "/verification/document/type: enum",
                "/verification/consents/*: if type=\"eid\", approved=true then required text",
                "/verification/proofOfAddress/acceptableTypes/*/name: required name",
                "/verification/consents: list sizes 0, 1, 2, 11, 100",
                "/verification: required verification",
                "X-HMAC-SIGNATURE: lowercase hex HMAC-SHA256 of the uncompressed body (seed)",
            ] {
                assert!(
                    names.iter().any(|n| n == expected),
                    "{profile:?}: {expected}"
                );
            }
            // Each name once: a definition reached by two paths is one constraint.
            let mut unique = names.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), names.len());
        }
        // The strict profile's closed objects and string types are its own constraints.
        let strict = plan_of(Profile::Strict);
        let names: Vec<String> = strict.constraints.iter().map(Constraint::name).collect();
        assert!(names.contains(&"/verification/person: no other members".to_owned()));
        assert!(names.contains(&"/verification/vendorData: type string".to_owned()));
        assert!(strict.constraints.len() > plan_of(Profile::Documented).constraints.len());
    }

    /// The constraints are read from the schema files: one more keyword in a schema is one more
    /// constraint, probed and counted (not covered here, since the oracle's schema lacks it).
    #[test]
    fn a_new_constraint_in_the_schema_shows_up() {
        let profile = Profile::Documented;
        let before = plan_of(profile);
        let edited: Vec<(&str, String)> = sessionkit::schema::SCHEMA_FILES
            .iter()
            .map(|(name, text)| {
                let text = if *name == "request.defs.json" {
                    text.replace(
                        r#""firstName": { "type": "string","#,
                        r#""firstName": { "type": "string", "maxLength": 20,"#,
                    )
                } else {
                    (*text).to_owned()
                };
                (*name, text)
            })
            .collect();
        assert_ne!(
            edited[0].1,
            sessionkit::schema::SCHEMA_FILES[0].1,
            "the edit applies"
        );
        let files: Vec<(&str, &str)> = edited.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let after = plan_from(&files, profile, &base(), &config(profile), &credentials());
        assert_eq!(after.constraints.len(), before.constraints.len() + 1);
        let new = "/verification/person/firstName: maxLength 20";
        let probes = after
            .constraints
            .iter()
            .find(|c| c.name() == new)
            .map(|c| c.probes.len());
        assert!(probes.is_some_and(|n| n >= 8), "{probes:?}");
        assert_eq!(after.uncovered, vec![new.to_owned()]);
    }

    /// Probes are valid payloads but for the one member they change: a required member's
    /// removal is refused, its presence accepted.
    #[test]
    fn a_probe_changes_only_its_member() {
        let coverage = plan_of(Profile::Documented);
        let eid = coverage
            .constraints
            .iter()
            .find(|c| c.rule.starts_with("if type="))
            .unwrap();
        let consents: Vec<&Value> = eid
            .probes
            .iter()
            .map(|p| &p.payload["verification"]["consents"][0])
            .collect();
        assert_eq!(consents[0], &json!({"type": "eid", "approved": true}));
        assert_eq!(consents[1]["text"], "I agree to the processing of my data.");
        for probe in &eid.probes {
            assert_eq!(
                probe.payload["verification"]["callback"],
                base()["verification"]["callback"]
            );
        }
    }
}
