//! YAML as data, for the cases a peer only checks at the data level: aliases expanded,
//! mappings compared without regard to key order, scalars by value and type.

use tagbump::edit::yaml::scalar::plain_is_string;
use tagbump::edit::yaml::tree::{self, Kind, Node, Style};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    Null,
    /// A non-string plain scalar, by its text.
    Other(String),
    Str(String),
    Seq(Vec<Value>),
    Map(Vec<(Value, Value)>),
}

fn convert(n: &Node, docs: &[Node]) -> Value {
    match &n.kind {
        Kind::Scalar { value, style } => {
            let plain = *style == Style::Plain && n.tag.is_none();
            if plain && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL") {
                Value::Null
            } else if plain && !plain_is_string(value) {
                Value::Other(value.clone())
            } else {
                Value::Str(value.clone())
            }
        }
        Kind::Alias(id) => tree::find_anchor(docs, *id).map_or(Value::Null, |a| convert(a, docs)),
        Kind::Seq { items, .. } => Value::Seq(items.iter().map(|i| convert(i, docs)).collect()),
        Kind::Map { entries, .. } => {
            let mut m: Vec<(Value, Value)> = entries
                .iter()
                .map(|(k, v)| (convert(k, docs), convert(v, docs)))
                .collect();
            m.sort();
            Value::Map(m)
        }
    }
}

/// Every document of a text as data.
pub fn data(text: &str) -> Vec<Value> {
    let docs = tree::parse(text).unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"));
    docs.iter()
        .map(|d| convert(d, &docs))
        .filter(|v| *v != Value::Null)
        .collect()
}

/// `[]` and null are the same for an empty list kyaml prints (`containers: []`).
pub fn null_is_empty(v: Value) -> Value {
    match v {
        Value::Seq(items) if items.is_empty() => Value::Null,
        Value::Seq(items) => Value::Seq(items.into_iter().map(null_is_empty).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, null_is_empty(v))).collect()),
        v => v,
    }
}
