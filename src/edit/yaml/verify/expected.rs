//! What the edited text must mean: the original tree with the announced [`Change`]s applied.
//!
//! A `Set` replaces a node with a double-quoted string that keeps the node's anchor and a
//! `!!str` tag ([`set_node`]); the stream check ([`super::stream`]) builds the same node
//! on the fly instead of copying the tree, so both checks expect exactly the same thing.

use crate::edit::yaml::STR_TAG;
use crate::edit::yaml::change::{Change, Data, Path};
use crate::edit::yaml::tree::{Kind, Node, Style};

fn plain_node(kind: Kind) -> Node {
    Node {
        kind,
        anchor: 0,
        tag: None,
        range: 0..0,
        line: 0,
        in_flow: false,
    }
}

fn data_node(d: &Data) -> Node {
    match d {
        Data::Str(s) => plain_node(Kind::Scalar {
            value: s.clone(),
            style: Style::Double,
        }),
        Data::Map(entries) => plain_node(Kind::Map {
            flow: false,
            entries: entries
                .iter()
                .map(|(k, v)| (data_node(&Data::Str(k.clone())), data_node(v)))
                .collect(),
        }),
        Data::Seq(items) => plain_node(Kind::Seq {
            flow: false,
            items: items.iter().map(data_node).collect(),
        }),
    }
}

/// The tag a node set to a new string keeps: only `!!str` (any other tag was refused
/// before the edit was made).
pub fn kept_tag(old: &Node) -> Option<&str> {
    old.tag.as_deref().filter(|t| *t == STR_TAG)
}

/// The node a `Set` of `old` to `value` leaves: a string, with `old`'s anchor and kept tag.
fn set_node(old: &Node, value: &str) -> Node {
    let mut n = data_node(&Data::Str(value.to_string()));
    n.anchor = old.anchor;
    n.tag = kept_tag(old).map(str::to_string);
    n
}

fn node_at<'a>(docs: &'a mut [Node], path: &Path) -> Option<&'a mut Node> {
    let (first, rest) = path.split_first()?;
    let mut node = docs.get_mut(*first)?;
    for &i in rest {
        node = match &mut node.kind {
            Kind::Map { entries, .. } => &mut entries.get_mut(i)?.1,
            Kind::Seq { items, .. } => items.get_mut(i)?,
            _ => return None,
        };
    }
    Some(node)
}

/// The `Set`s of `changes`, one per path (the last wins, as in [`apply`]), in document
/// order (paths sorted: a depth-first walk visits nodes in lexicographic path order).
pub fn sets(changes: &[Change]) -> Vec<(&[usize], &str)> {
    let mut sets: Vec<(&[usize], &str)> = changes
        .iter()
        .rev()
        .filter_map(|c| match c {
            Change::Set { path, value } => Some((path.as_slice(), value.as_str())),
            _ => None,
        })
        .collect();
    sets.sort_by_key(|s| s.0);
    sets.dedup_by_key(|s| s.0);
    sets
}

/// Apply changes to a tree. Structural changes to one mapping use the original indexes, so
/// they are applied together per mapping.
pub fn apply(docs: &mut [Node], changes: &[Change]) {
    for c in changes {
        if let Change::Set { path, value } = c {
            if let Some(n) = node_at(docs, path) {
                *n = set_node(n, value);
            }
        }
    }
    let mut maps: Vec<&Path> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Insert { map, .. } | Change::Remove { map, .. } => Some(map),
            _ => None,
        })
        .collect();
    maps.sort();
    maps.dedup();
    for map in maps {
        let Some(n) = node_at(docs, map) else {
            continue;
        };
        let Kind::Map { entries, .. } = &mut n.kind else {
            continue;
        };
        let old = std::mem::take(entries);
        let len = old.len();
        let inserts_at = |at: usize| {
            changes.iter().filter_map(move |c| match c {
                Change::Insert {
                    map: m,
                    at: a,
                    key,
                    value,
                } if m == map && *a == at => Some((key, value)),
                _ => None,
            })
        };
        for (i, e) in old.into_iter().enumerate() {
            for (k, v) in inserts_at(i) {
                entries.push((data_node(&Data::Str(k.clone())), data_node(v)));
            }
            let removed = changes
                .iter()
                .any(|c| matches!(c, Change::Remove { map: m, at } if m == map && *at == i));
            if !removed {
                entries.push(e);
            }
        }
        for (k, v) in inserts_at(len) {
            entries.push((data_node(&Data::Str(k.clone())), data_node(v)));
        }
    }
    for c in changes {
        if let Change::Append { seq, value } = c {
            if let Some(Node {
                kind: Kind::Seq { items, .. },
                ..
            }) = node_at(docs, seq)
            {
                items.push(data_node(value));
            }
        }
    }
}

/// Whether a mapping anywhere in `docs` has two keys with the same string value: what the
/// tree builder refuses as a duplicate key.
pub fn has_duplicate_keys(docs: &[Node]) -> bool {
    fn dup(n: &Node) -> bool {
        match &n.kind {
            Kind::Map { entries, .. } => {
                let keys: Vec<&str> = entries.iter().filter_map(|(k, _)| k.scalar()).collect();
                let twice = keys.iter().enumerate().any(|(i, k)| keys[..i].contains(k));
                twice || entries.iter().any(|(k, v)| dup(k) || dup(v))
            }
            Kind::Seq { items, .. } => items.iter().any(dup),
            _ => false,
        }
    }
    docs.iter().any(dup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_sorted_and_the_last_wins() {
        let set = |p: &[usize], v: &str| Change::Set {
            path: p.to_vec(),
            value: v.into(),
        };
        let changes = [
            set(&[0, 2], "a"),
            set(&[0, 1, 0], "b"),
            set(&[0, 2], "c"),
            set(&[0, 1], "d"),
        ];
        let got = sets(&changes);
        assert_eq!(got, vec![(&[0, 1][..], "d"), (&[0, 1, 0][..], "b"), (&[0, 2][..], "c")]);
    }
}
