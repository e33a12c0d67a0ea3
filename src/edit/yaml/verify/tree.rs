//! The reference check: parse the edited text into a second tree and compare it, node by
//! node, with the original tree after the changes ([`super::expected`]). Simple and slow (a
//! second tree, a copy of the first); [`super::stream`] makes the same comparisons without
//! either, and this one words the error when that one refuses an edit.

use super::VerifyError;
use super::expected::apply;
use crate::edit::yaml::change::Change;
use crate::edit::yaml::scalar::plain_is_string;
use crate::edit::yaml::tree::{self, Kind, Node, Style};

/// Check `updated` against `original` plus `changes` by building and comparing trees.
pub fn by_tree(original: &[Node], updated: &str, changes: &[Change]) -> Result<(), VerifyError> {
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

/// A scalar as both checks compare it.
#[derive(Clone, Copy)]
pub struct ScalarView<'a> {
    pub value: &'a str,
    pub style: Style,
    pub tag: Option<&'a str>,
}

fn scalar_type(s: ScalarView) -> String {
    match s.tag {
        Some(tag) => tag.to_string(),
        None if s.style == Style::Plain && !plain_is_string(s.value) => format!("plain:{}", s.value),
        None => "str".into(),
    }
}

/// Expected scalar `a` and found scalar `b` are the same data: the same text, and the same
/// type (a quoted `"1234"` is a string, a plain `1234` is not). The difference, if not.
pub fn same_scalar(a: ScalarView, b: ScalarView) -> Result<(), String> {
    if a.value != b.value {
        return Err(format!("`{}` became `{}`", a.value, b.value));
    }
    // Same text, style and tag is the same type; only resolve the rest (the hot path of a
    // large bump is almost all untouched scalars).
    if a.style == b.style && a.tag == b.tag {
        return Ok(());
    }
    let (ta, tb) = (scalar_type(a), scalar_type(b));
    if ta != tb {
        return Err(format!("`{}` changed type ({ta} to {tb})", a.value));
    }
    Ok(())
}

fn compare<'a>(a: &'a Node, b: &'a Node) -> Result<(), VerifyError> {
    let bad = |what: String| Err(VerifyError::Mismatch { line: b.line, what });
    if a.anchor != b.anchor {
        return bad("an anchor changed".into());
    }
    match (&a.kind, &b.kind) {
        (Kind::Scalar { value: va, style: sa }, Kind::Scalar { value: vb, style: sb }) => {
            let view = |value, style, tag: &'a Option<String>| ScalarView {
                value,
                style,
                tag: tag.as_deref(),
            };
            if let Err(what) = same_scalar(view(va, *sa, &a.tag), view(vb, *sb, &b.tag)) {
                return bad(what);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::yaml::change::Data;

    fn check(a: &str, b: &str, changes: &[Change]) -> Result<(), VerifyError> {
        by_tree(&tree::parse(a).unwrap(), b, changes)
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
