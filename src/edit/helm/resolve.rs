//! Following a key path through the original tree, to the scalar it names or to the mapping
//! where the missing rest of it must be created.
//!
//! The order of the checks is Argo CD Image Updater's, because its tests pin which error a
//! path gets: a root key spelled exactly like the whole path wins first; an index that is
//! not a number is refused before anything else; an alias is followed to its anchor before
//! the node is judged.

use super::HelmError;
use super::key::{Segment, segments};
use crate::edit::yaml::walk::walk;
use crate::edit::yaml::{Kind, Node, Path, YamlDoc};

/// Where a key path leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Found {
    /// An existing scalar (after following aliases).
    Existing(Path),
    /// The mapping at `map` has no key `keys[0]`; `keys` is the rest of the path to create.
    Missing { map: Path, keys: Vec<String> },
}

/// Follow `key` in the first document of `doc`.
pub(super) fn resolve(doc: &YamlDoc, key: &str) -> Result<Found, HelmError> {
    let Some(root) = doc.docs.first() else {
        return Err(HelmError::Empty { key: key.into() });
    };
    let (root, root_path) = deref(doc, root, vec![0]);
    if is_null(root) {
        return Err(HelmError::Empty { key: key.into() });
    }
    if !root.is_map() {
        return Err(HelmError::RootNotMapping {
            line: root.line,
            key: key.into(),
            found: describe(root),
        });
    }
    if let Some(i) = root.entry(key) {
        let (node, path) = deref(doc, &root.entries()[i].1, child(&root_path, i));
        return leaf(node, path, key, root.entries()[i].0.line);
    }
    let segs = segments(key);
    let (mut node, mut path) = (root, root_path);
    for (n, seg) in segs.iter().enumerate() {
        let found = node.entry(seg.name);
        let index = parse_index(seg, found.map_or(node.line, |i| node.entries()[i].0.line), key)?;
        let Some(i) = found else {
            return missing(&segs[n..], node, path, key);
        };
        // Messages point at the key the path names (an alias's anchor may be far away).
        let line = node.entries()[i].0.line;
        let (mut value, mut value_path) = deref(doc, &node.entries()[i].1, child(&path, i));
        match (index, &value.kind) {
            (Some(index), Kind::Seq { items, .. }) => {
                let Some(item) = usize::try_from(index).ok().and_then(|i| items.get(i)) else {
                    return Err(HelmError::OutOfRange {
                        line,
                        key: key.into(),
                        index,
                        len: items.len(),
                    });
                };
                let item_path = child(&value_path, usize::try_from(index).expect("checked"));
                (value, value_path) = deref(doc, item, item_path);
            }
            (Some(_), _) => {
                return Err(HelmError::NotAList {
                    line,
                    key: key.into(),
                    name: seg.name.into(),
                    found: describe(value),
                    index: seg.index.unwrap_or_default().into(),
                });
            }
            (None, Kind::Seq { items, .. }) => {
                return Err(HelmError::NoIndex {
                    line,
                    key: key.into(),
                    name: seg.name.into(),
                    len: items.len(),
                });
            }
            (None, _) => {}
        }
        let Some(next) = segs.get(n + 1) else {
            return leaf(value, value_path, key, line);
        };
        if !value.is_map() {
            return Err(HelmError::NotAMapping {
                line,
                key: key.into(),
                name: seg.name.into(),
                found: describe(value),
                next: next.name.into(),
            });
        }
        (node, path) = (value, value_path);
    }
    unreachable!("a split key has at least one part")
}

/// The final node of a path: it must be a scalar.
fn leaf(node: &Node, path: Path, key: &str, line: usize) -> Result<Found, HelmError> {
    match node.kind {
        Kind::Scalar { .. } => Ok(Found::Existing(path)),
        _ => Err(HelmError::NotAString {
            line,
            key: key.into(),
            found: describe(node),
        }),
    }
}

/// The rest of a path that the mapping `map` lacks: plain keys only (lists are not created).
fn missing(rest: &[Segment], map: &Node, path: Path, key: &str) -> Result<Found, HelmError> {
    let mut keys = Vec::with_capacity(rest.len());
    for seg in rest {
        parse_index(seg, map.line, key)?;
        if seg.index.is_some() {
            return Err(HelmError::NoSuchList {
                line: map.line,
                key: key.into(),
                name: seg.name.into(),
            });
        }
        if seg.name.is_empty() {
            return Err(HelmError::EmptySegment {
                line: map.line,
                key: key.into(),
            });
        }
        keys.push(seg.name.to_string());
    }
    Ok(Found::Missing { map: path, keys })
}

/// The index of a segment as a number, when it has one.
fn parse_index(seg: &Segment, line: usize, key: &str) -> Result<Option<i64>, HelmError> {
    let Some(index) = seg.index else {
        return Ok(None);
    };
    index.trim().parse::<i64>().map(Some).map_err(|_| HelmError::BadIndex {
        line,
        key: key.into(),
        name: seg.name.into(),
        index: index.into(),
    })
}

fn child(path: &[usize], i: usize) -> Path {
    let mut p = path.to_vec();
    p.push(i);
    p
}

/// Follow an alias to the node carrying its anchor, with that node's path.
pub(super) fn deref<'d>(doc: &'d YamlDoc, node: &'d Node, path: Path) -> (&'d Node, Path) {
    if let Kind::Alias(id) = node.kind {
        if let Some(p) = anchor_path(&doc.docs, id, node.range.start) {
            if let Some(anchored) = doc.at(&p) {
                return (anchored, p);
            }
        }
    }
    (node, path)
}

/// Path of the node that defines anchor `id`: the last one before byte `before`.
fn anchor_path(docs: &[Node], id: usize, before: usize) -> Option<Path> {
    let mut found = None;
    walk(docs, &mut |v| {
        if v.node.anchor == id && v.node.range.start <= before {
            found = Some(v.path.to_vec());
        }
    });
    found
}

/// A plain empty or `null` scalar.
pub(super) fn is_null(node: &Node) -> bool {
    node.tag.is_none()
        && matches!(&node.kind, Kind::Scalar { value, style: crate::edit::yaml::Style::Plain }
            if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
}

/// What a node is, for messages.
pub(super) fn describe(node: &Node) -> String {
    match &node.kind {
        Kind::Map { .. } => "a mapping".into(),
        Kind::Seq { items, .. } => format!("a list of {}", super::items(items.len())),
        Kind::Scalar { .. } if is_null(node) => "empty (null)".into(),
        Kind::Scalar { value, .. } => format!("the value `{value}`"),
        Kind::Alias(_) => "an alias".into(),
    }
}
