//! The guarantee: an edited YAML text means exactly what the original meant, except where
//! the edit said it would differ.
//!
//! Both texts are parsed; the expected [`Change`]s are applied to the original tree; the two
//! trees must then be equal node by node: same structure, same keys in the same order, same
//! anchors and aliases, same tags, and scalars with the same value and the same *type* (a
//! quoted `"1234"` is a string, a plain `1234` is not). Any difference means a splice broke
//! something, and nothing is written.

use super::change::{Change, Data, Path};
use super::scalar::plain_is_string;
use super::tree::{self, Kind, Node, Style};

/// How an edited text failed the check.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the edited text no longer parses ({0}); nothing was written")]
    Reparse(tree::TreeError),
    #[error("line {line}: the edit would change more than the image value ({what}); nothing was written")]
    Mismatch { line: usize, what: String },
}

/// Check `updated` against `original` plus `changes`.
pub fn verify(original: &[Node], updated: &str, changes: &[Change]) -> Result<(), VerifyError> {
    let new_docs = tree::parse(updated).map_err(VerifyError::Reparse)?;
    let mut expected: Vec<Node> = original.to_vec();
    apply(&mut expected, changes);
    if expected.len() != new_docs.len() {
        return Err(VerifyError::Mismatch {
            line: 1,
            what: format!("{} documents became {}", expected.len(), new_docs.len()),
        });
    }
    for (a, b) in expected.iter().zip(&new_docs) {
        compare(a, b)?;
    }
    Ok(())
}

fn scalar_type(n: &Node) -> String {
    match (&n.kind, &n.tag) {
        (_, Some(tag)) => tag.clone(),
        (
            Kind::Scalar {
                value,
                style: Style::Plain,
            },
            None,
        ) if !plain_is_string(value) => format!("plain:{value}"),
        _ => "str".into(),
    }
}

fn compare(a: &Node, b: &Node) -> Result<(), VerifyError> {
    let bad = |what: String| Err(VerifyError::Mismatch { line: b.line, what });
    if a.anchor != b.anchor {
        return bad("an anchor changed".into());
    }
    match (&a.kind, &b.kind) {
        (Kind::Scalar { value: va, style: sa }, Kind::Scalar { value: vb, style: sb }) => {
            if va != vb {
                return bad(format!("`{va}` became `{vb}`"));
            }
            // Same text, style and tag is the same type; only resolve the rest (the hot path
            // of a large bump is almost all untouched scalars).
            if sa == sb && a.tag == b.tag {
                return Ok(());
            }
            let (ta, tb) = (scalar_type(a), scalar_type(b));
            if ta != tb {
                return bad(format!("`{va}` changed type ({ta} to {tb})"));
            }
        }
        (Kind::Alias(x), Kind::Alias(y)) if x == y => {}
        (Kind::Seq { items: ia, .. }, Kind::Seq { items: ib, .. }) => {
            if ia.len() != ib.len() {
                return bad(format!("a list of {} items now has {}", ia.len(), ib.len()));
            }
            for (x, y) in ia.iter().zip(ib) {
                compare(x, y)?;
            }
        }
        (Kind::Map { entries: ea, .. }, Kind::Map { entries: eb, .. }) => {
            if ea.len() != eb.len() {
                return bad(format!("a mapping of {} keys now has {}", ea.len(), eb.len()));
            }
            for ((ka, va), (kb, vb)) in ea.iter().zip(eb) {
                compare(ka, kb)?;
                compare(va, vb)?;
            }
        }
        _ => return bad("a node changed kind".into()),
    }
    Ok(())
}

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

/// Apply changes to a tree. Structural changes to one mapping use the original indexes, so
/// they are applied together per mapping.
pub fn apply(docs: &mut [Node], changes: &[Change]) {
    for c in changes {
        if let Change::Set { path, value } = c {
            if let Some(n) = node_at(docs, path) {
                // The anchor and a `!!str` tag stay on the rewritten scalar.
                let anchor = n.anchor;
                let tag = n.tag.take().filter(|t| t == super::STR_TAG);
                *n = data_node(&Data::Str(value.clone()));
                n.anchor = anchor;
                n.tag = tag;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: &str, b: &str, changes: &[Change]) -> Result<(), VerifyError> {
        verify(&tree::parse(a).unwrap(), b, changes)
    }

    #[test]
    fn accepts_exactly_the_announced_change() {
        let set = [Change::Set {
            path: vec![0, 0],
            value: "nginx:2".into(),
        }];
        check("image: nginx:1\nn: 3\n", "image: nginx:2\nn: 3\n", &set).unwrap();
        check("image: nginx:1\nn: 3\n", "image: 'nginx:2'\nn: 3\n", &set).unwrap();
    }

    #[test]
    fn refuses_collateral_damage() {
        let set = [Change::Set {
            path: vec![0, 0],
            value: "2".into(),
        }];
        // A plain 2 is a number, not the string "2".
        assert!(check("tag: \"1\"\n", "tag: 2\n", &set).is_err());
        // Anything else that moved is caught.
        let set = [Change::Set {
            path: vec![0, 0],
            value: "b".into(),
        }];
        assert!(check("a: a\nn: 3\n", "a: b\nn: 4\n", &set).is_err());
        assert!(check("a: a\nn: 3\n", "a: b\nn: 3\nx: 1\n", &set).is_err());
    }

    #[test]
    fn structural_changes() {
        let a = "images:\n- name: x\n  digest: sha256:1\n";
        let b = "images:\n- name: x\n  newTag: v2\n";
        let changes = [
            Change::Remove {
                map: vec![0, 0, 0],
                at: 1,
            },
            Change::Insert {
                map: vec![0, 0, 0],
                at: 2,
                key: "newTag".into(),
                value: Data::Str("v2".into()),
            },
        ];
        check(a, b, &changes).unwrap();
        assert!(check(a, "images:\n- name: x\n", &changes).is_err());
    }
}
