//! The value of a body, built in one pass by `serde_json`'s parser with the contract's two extra
//! rules checked as it goes: no object repeats a key, nothing nests deeper than [`MAX_DEPTH`].
//!
//! One pass, so that a body of many members costs one hash per member (the map insert that
//! finds the repeat) and one allocation for its key, nothing more. A fault is noted in a cell
//! shared by every level and the parse stopped; on the way out each level puts its key or index
//! in front of the fault's pointer, so no path is kept while nothing is wrong.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

use super::{JsonError, MAX_DEPTH, escape_segment};

/// Parses `text` into a value, or the first fault in document order.
pub(super) fn build(text: &str) -> Result<Value, JsonError> {
    let fault = RefCell::new(None);
    let mut parser = serde_json::Deserializer::from_str(text);
    let node = Node {
        depth: 0,
        fault: &fault,
    };
    let parsed = node
        .deserialize(&mut parser)
        .and_then(|value| parser.end().map(|()| value));
    match (parsed, fault.into_inner()) {
        (_, Some(fault)) => Err(fault),
        (Ok(value), None) => Ok(value),
        (Err(e), None) => Err(JsonError::Syntax(e.to_string())),
    }
}

/// One value at `depth` (the number of containers around it).
#[derive(Clone, Copy)]
struct Node<'f> {
    depth: usize,
    fault: &'f RefCell<Option<JsonError>>,
}

impl Node<'_> {
    fn stop<E: de::Error>(&self, fault: JsonError) -> E {
        *self.fault.borrow_mut() = Some(fault);
        E::custom("stopped by the contract's JSON rules")
    }

    /// Puts `segment` in front of the pointer of a fault found inside the value it names.
    fn prefix(&self, segment: &str) {
        if let Some(JsonError::DuplicateKey { pointer } | JsonError::TooDeep { pointer }) =
            self.fault.borrow_mut().as_mut()
        {
            pointer.insert_str(0, &format!("/{}", escape_segment(segment)));
        }
    }

    fn inner(&self) -> Node<'_> {
        Node {
            depth: self.depth + 1,
            fault: self.fault,
        }
    }

    fn enter<E: de::Error>(&self) -> Result<(), E> {
        if self.depth + 1 > MAX_DEPTH {
            let pointer = String::new();
            return Err(self.stop(JsonError::TooDeep { pointer }));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
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
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut out = Vec::new();
        loop {
            match items.next_element_seed(self.inner()) {
                Ok(Some(item)) => out.push(item),
                Ok(None) => return Ok(Value::Array(out)),
                Err(e) => {
                    self.prefix(&out.len().to_string());
                    return Err(e);
                }
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut out = Map::new();
        while let Some(key) = members.next_key::<String>()? {
            let value = match members.next_value_seed(self.inner()) {
                Ok(value) => value,
                Err(e) => {
                    self.prefix(&key);
                    return Err(e);
                }
            };
            match out.entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                Entry::Occupied(slot) => {
                    let pointer = format!("/{}", escape_segment(slot.key()));
                    return Err(self.stop(JsonError::DuplicateKey { pointer }));
                }
            }
        }
        Ok(Value::Object(out))
    }
}
