//! The value of a body, built in one pass by `serde_json`'s parser with the contract's two extra
//! rules checked as it goes: no object repeats a key, nothing nests deeper than [`MAX_DEPTH`].
//!
//! One pass, so that a body of many members costs one hash per member (the insert that finds
//! the repeat) and nothing more. Given a [`Shape`], the members a closed object can never know
//! are not built at all: each is listed (the first few) and counted, its value checked for the
//! same two rules and dropped, so that a flood of unknown members costs a hash per member and no
//! tree (issue "hostile traffic": the tree of a megabyte of small members is some 80 times the
//! body). The path to a value is a chain of borrowed segments on the stack, rendered only for a
//! fault or a listed member.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry as Slot;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

use super::{JsonError, MAX_DEPTH, escape_segment};

/// What a schema knows of a value: whether, as an object, it is closed (a member it does not
/// name is unknown), the shapes of the members it names, and the shape of its items.
#[derive(Debug, Default)]
pub struct Shape {
    closed: bool,
    /// Sorted by length, then by name: an object names a few dozen members at most, and a
    /// binary search that mostly compares lengths is cheaper than hashing each member of a
    /// flood.
    members: Vec<(String, Shape)>,
    items: Option<Box<Shape>>,
}

impl Shape {
    /// Marks the object closed: a member not named is unknown.
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// The shape of the member `name`, named from now on.
    pub fn member_mut(&mut self, name: &str) -> &mut Shape {
        let at = match self.find(name) {
            Ok(at) => at,
            Err(at) => {
                self.members.insert(at, (name.to_owned(), Shape::default()));
                at
            }
        };
        &mut self.members[at].1
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.members.binary_search_by(|(n, _)| {
            n.len()
                .cmp(&name.len())
                .then_with(|| n.bytes().cmp(name.bytes()))
        })
    }

    /// The shape of every item, as an array.
    pub fn items_mut(&mut self) -> &mut Shape {
        self.items.get_or_insert_with(Box::default)
    }

    /// What an object of this shape knows of its member `name`: its shape, nothing (an open
    /// object's member not named), or that it is unknown (a closed object's).
    fn member(&self, name: &str) -> Member<'_> {
        match self.find(name) {
            Ok(at) => Member::Named(&self.members[at].1),
            Err(_) if self.closed => Member::Unknown,
            Err(_) => Member::Open,
        }
    }
}

enum Member<'a> {
    Named(&'a Shape),
    Open,
    Unknown,
}

/// The members of one closed object that its shape does not know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unknown {
    /// The first names, in document order. The first of them is kept in the value, as
    /// `null`, so that a validator finds the object unknown members at its own place (the
    /// order of its findings decides an answer's vendor code); the others are left out.
    pub first: Vec<String>,
    /// How many there were, named or not.
    pub count: usize,
}

/// The unknown members of a value, by the pointer of the object that holds them.
pub type UnknownMembers = HashMap<String, Unknown>;

/// Parses `text` into a value, or the first fault in document order. With a `shape`, the
/// members it does not know are left out (but for the first of each object) and returned
/// beside the value, the first `list_at_most` of each object by name.
pub(super) fn build(
    text: &str,
    shape: Option<&Shape>,
    list_at_most: usize,
) -> Result<(Value, UnknownMembers), JsonError> {
    let pass = Pass {
        fault: RefCell::new(None),
        unknown: RefCell::new(UnknownMembers::new()),
        unbuilt: RefCell::new(Unbuilt::new(text.len())),
        objects: Cell::new(0),
        list_at_most,
    };
    let mut parser = serde_json::Deserializer::from_str(text);
    let node = Node {
        depth: 0,
        at: &Path::Root,
        shape,
        keep: true,
        pass: &pass,
    };
    let parsed = node
        .deserialize(&mut parser)
        .and_then(|value| parser.end().map(|()| value));
    match (parsed, pass.fault.into_inner()) {
        (_, Some(fault)) => Err(fault),
        (Ok(value), None) => Ok((value, pass.unknown.into_inner())),
        // serde_json tells this one apart by its message only (its category is `Syntax`).
        (Err(e), None) if e.to_string().starts_with("number out of range") => {
            Err(JsonError::NumberOutOfRange {
                line: e.line(),
                column: e.column(),
            })
        }
        (Err(e), None) => Err(JsonError::Syntax(e.to_string())),
    }
}

/// What one parse shares between its levels.
struct Pass<'de> {
    fault: RefCell<Option<JsonError>>,
    unknown: RefCell<UnknownMembers>,
    unbuilt: RefCell<Unbuilt<'de>>,
    /// How many objects were opened: each one's number tells its members from another's.
    objects: Cell<u32>,
    list_at_most: usize,
}

/// The names of the members not built, across the whole parse, to find their repeats: a table
/// of 4-byte indices into the names, grown once to what the text can hold as soon as the
/// names prove many, so that a flood pays one hash and one probe per member and no rehashing
/// (issue "hostile traffic": the rehashing of a growing set was a third of a flood's cost).
struct Unbuilt<'de> {
    hasher: ahash::RandomState,
    /// Each name with the number of its object.
    names: Vec<(u32, Cow<'de, str>)>,
    slots: HashTable<u32>,
    text_len: usize,
}

impl<'de> Unbuilt<'de> {
    /// Past this many names the table is grown at once to one slot per
    /// [`BYTES_PER_MEMBER`] of the text.
    const MANY: usize = 1024;
    /// `,"k000001":1` is 12 bytes; a table sized for 8 leaves room for shorter names.
    const BYTES_PER_MEMBER: usize = 8;

    fn new(text_len: usize) -> Self {
        Self {
            hasher: ahash::RandomState::new(),
            names: Vec::new(),
            slots: HashTable::new(),
            text_len,
        }
    }

    /// Records the member `name` of the object numbered `object`; false if it was there
    /// already.
    fn insert(&mut self, object: u32, name: Cow<'de, str>) -> bool {
        let Self {
            hasher,
            names,
            slots,
            text_len,
        } = self;
        let rehash = |&i: &u32| {
            let (object, name) = &names[i as usize];
            hasher.hash_one((object, &**name))
        };
        if names.len() == Self::MANY {
            slots.reserve(*text_len / Self::BYTES_PER_MEMBER, rehash);
        }
        let hash = hasher.hash_one((object, &*name));
        let same = |&i: &u32| names[i as usize].0 == object && names[i as usize].1 == name;
        match slots.entry(hash, same, rehash) {
            Slot::Occupied(_) => false,
            Slot::Vacant(slot) => {
                // The text holds fewer than one member per 5 bytes, so the index fits for
                // any text under 20 GiB, far past every body limit.
                slot.insert(names.len() as u32);
                names.push((object, name));
                true
            }
        }
    }
}

/// Where a value is: the chain of segments from the body down to it.
enum Path<'a> {
    Root,
    Member(&'a Path<'a>, &'a str),
    Item(&'a Path<'a>, usize),
}

impl Path<'_> {
    /// The JSON pointer (RFC 6901) of the value.
    fn pointer(&self) -> String {
        match self {
            Path::Root => String::new(),
            Path::Member(parent, name) => format!("{}/{}", parent.pointer(), escape_segment(name)),
            Path::Item(parent, index) => format!("{}/{index}", parent.pointer()),
        }
    }
}

/// One value at `depth` (the number of containers around it).
#[derive(Clone, Copy)]
struct Node<'a, 'de> {
    depth: usize,
    at: &'a Path<'a>,
    /// What the schema knows of the value; `None` where it knows nothing (kept as it is).
    shape: Option<&'a Shape>,
    /// False inside an unknown member: its rules are checked, nothing is built.
    keep: bool,
    pass: &'a Pass<'de>,
}

impl<'a, 'de> Node<'a, 'de> {
    fn stop<E: de::Error>(&self, fault: JsonError) -> E {
        *self.pass.fault.borrow_mut() = Some(fault);
        E::custom("stopped by the contract's JSON rules")
    }

    fn child<'b>(&self, at: &'b Path<'b>, shape: Option<&'b Shape>, keep: bool) -> Node<'b, 'de>
    where
        'a: 'b,
    {
        Node {
            depth: self.depth + 1,
            at,
            shape,
            keep,
            pass: self.pass,
        }
    }

    fn enter<E: de::Error>(&self) -> Result<(), E> {
        if self.depth + 1 > MAX_DEPTH {
            let pointer = self.at.pointer();
            return Err(self.stop(JsonError::TooDeep { pointer }));
        }
        Ok(())
    }

    /// The value, or `Null` when nothing is built.
    fn keep(&self, value: impl FnOnce() -> Value) -> Value {
        if self.keep { value() } else { Value::Null }
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_, 'de> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_, 'de> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(self.keep(|| Value::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(self.keep(|| Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        self.enter()?;
        let shape = self.shape.and_then(|s| s.items.as_deref());
        let mut out = Vec::new();
        for index in 0.. {
            let at = Path::Item(self.at, index);
            match items.next_element_seed(self.child(&at, shape, self.keep))? {
                Some(item) if self.keep => out.push(item),
                Some(_) => {}
                None => break,
            }
        }
        Ok(self.keep(|| Value::Array(out)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut out = Map::new();
        // This object's number among the parse's, for the names of its members not built.
        let object = self.pass.objects.get();
        self.pass.objects.set(object.wrapping_add(1));
        let mut unknown = Unknown::default();
        while let Some(key) = members.next_key_seed(Key)? {
            let member = match self.shape {
                Some(shape) if self.keep => shape.member(&key),
                _ => Member::Open,
            };
            let is_unknown = matches!(member, Member::Unknown);
            let built = self.keep && !is_unknown;
            let value = {
                let at = Path::Member(self.at, &key);
                let shape = match member {
                    Member::Named(shape) => Some(shape),
                    _ => None,
                };
                members.next_value_seed(self.child(&at, shape, built))?
            };
            let repeated = if built {
                match out.entry(key.into_owned()) {
                    Entry::Vacant(slot) => {
                        slot.insert(value);
                        None
                    }
                    Entry::Occupied(slot) => Some(slot.key().clone()),
                }
            } else if self.pass.unbuilt.borrow_mut().insert(object, key.clone()) {
                if is_unknown {
                    if unknown.count == 0 {
                        out.insert(key.to_string(), Value::Null);
                    }
                    if unknown.first.len() < self.pass.list_at_most {
                        unknown.first.push(key.into_owned());
                    }
                    unknown.count += 1;
                }
                None
            } else {
                Some(key.into_owned())
            };
            if let Some(name) = repeated {
                let pointer = format!("{}/{}", self.at.pointer(), escape_segment(&name));
                return Err(self.stop(JsonError::DuplicateKey { pointer }));
            }
        }
        if unknown.count > 0 {
            let pointer = self.at.pointer();
            self.pass.unknown.borrow_mut().insert(pointer, unknown);
        }
        Ok(self.keep(|| Value::Object(out)))
    }
}

/// A member's name, borrowed from the text when it holds no escape.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}
