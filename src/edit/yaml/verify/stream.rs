//! The check as one pass over the edited text's events, against the original tree.
//!
//! [`super::tree::by_tree`] builds a second tree for the edited text and a copy of the first
//! to apply the changes to, then compares them. Here the parser's events for the edited text
//! are compared with the expected tree as they arrive: a cursor walks the tree in the
//! parser's order (depth first, keys before values), each event must match the node under
//! the cursor, and a node a `Set` replaces is compared with the node the change makes
//! ([`super::expected`]) instead of the original. Nothing is built for the edited text, so
//! the cost is the parser's own. The comparisons are the reference check's: node kinds,
//! lengths, anchors, aliases, and scalars by [`same_scalar`]; and it accepts exactly what
//! that check accepts, provided the expected tree has no duplicate keys (the caller sees to
//! that).

use saphyr_parser::{Event, Parser};

use crate::edit::yaml::input::Text;
use crate::edit::yaml::tree::{Kind, Node, Style, TreeError, style_of, tag_string};

use super::VerifyError;
use super::expected::kept_tag;
use super::tree::{ScalarView, same_scalar};

/// A collection being compared: its expected node, how many children (keys and values
/// counted apart) have matched so far, and whether it took a step in the path.
struct Frame<'e> {
    node: &'e Node,
    next: usize,
    in_path: bool,
}

/// Compare the events of `updated` with `expected`, where the node at each path of `sets`
/// (sorted, one per path) is replaced by the string it is set to.
pub fn check(expected: &[Node], sets: &[(&[usize], &str)], updated: &str) -> Result<(), VerifyError> {
    let mut parser = Parser::new(Text::new(updated));
    let mut stack: Vec<Frame> = Vec::new();
    // The path of the node under the cursor, as `Change`s spell paths (keys take no step).
    let mut path: Vec<usize> = Vec::new();
    let mut sets = sets.iter().peekable();
    let mut docs = 0;
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| VerifyError::Reparse(TreeError::syntax(&e)))?;
        let line = span.start.line();
        let bad = |what: String| Err(VerifyError::Mismatch { line, what });
        let (anchor, ends_node) = match &ev {
            Event::Scalar(_, _, anchor, _) | Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                (*anchor, false)
            }
            Event::Alias(_) => (0, false),
            Event::SequenceEnd | Event::MappingEnd => (0, true),
            _ => continue,
        };
        if ends_node {
            let f = stack.pop().expect("the parser balances collections");
            let len = match &f.node.kind {
                Kind::Seq { items, .. } => items.len(),
                Kind::Map { entries, .. } => 2 * entries.len(),
                _ => unreachable!("only collections are pushed"),
            };
            if f.next != len {
                return bad(format!("a collection of {len} nodes now has {}", f.next));
            }
            done(&mut stack, &mut path, f.in_path);
            continue;
        }

        // The node the cursor is on, and whether it has a path (keys have none).
        let (node, in_path) = match stack.last() {
            None => {
                let Some(n) = expected.get(docs) else {
                    return bad(format!("{} documents became more", expected.len()));
                };
                path.push(docs);
                docs += 1;
                (n, true)
            }
            Some(&Frame { node: parent, next, .. }) => match &parent.kind {
                Kind::Map { entries, .. } => {
                    let Some((k, v)) = entries.get(next / 2) else {
                        return bad(format!("a mapping of {} keys now has more", entries.len()));
                    };
                    if next % 2 == 0 {
                        (k, false)
                    } else {
                        path.push(next / 2);
                        (v, true)
                    }
                }
                Kind::Seq { items, .. } => {
                    let Some(n) = items.get(next) else {
                        return bad(format!("a list of {} items now has more", items.len()));
                    };
                    path.push(next);
                    (n, true)
                }
                _ => unreachable!("only collections are pushed"),
            },
        };
        // A `Set` of this node: it is expected to be the new string instead.
        let mut set = None;
        if in_path {
            while sets.next_if(|(p, _)| *p < path.as_slice()).is_some() {}
            set = sets.next_if(|(p, _)| *p == path.as_slice()).map(|(_, v)| *v);
        }
        if node.anchor != anchor {
            return bad("an anchor changed".into());
        }
        match (ev, set, &node.kind) {
            (Event::Scalar(value, style, _, tag), set, kind) => {
                let want = match (set, kind) {
                    (Some(v), _) => ScalarView {
                        value: v,
                        style: Style::Double,
                        tag: kept_tag(node),
                    },
                    (None, Kind::Scalar { value, style }) => ScalarView {
                        value,
                        style: *style,
                        tag: node.tag.as_deref(),
                    },
                    _ => return bad("a node changed kind".into()),
                };
                let tag = tag.map(|t| tag_string(&t));
                let found = ScalarView {
                    value: &value,
                    style: style_of(style),
                    tag: tag.as_deref(),
                };
                if let Err(what) = same_scalar(want, found) {
                    return bad(what);
                }
                done(&mut stack, &mut path, in_path);
            }
            (Event::Alias(id), None, Kind::Alias(x)) if id == *x => done(&mut stack, &mut path, in_path),
            (Event::SequenceStart(..), None, Kind::Seq { .. }) | (Event::MappingStart(..), None, Kind::Map { .. }) => {
                stack.push(Frame { node, next: 0, in_path });
            }
            _ => return bad("a node changed kind".into()),
        }
    }
    if docs != expected.len() {
        return Err(VerifyError::Mismatch {
            line: 1,
            what: format!("{} documents became {docs}", expected.len()),
        });
    }
    Ok(())
}

/// A node is done: step out of its path, and move the cursor of its parent past it.
fn done(stack: &mut [Frame], path: &mut Vec<usize>, in_path: bool) {
    if in_path {
        path.pop();
    }
    if let Some(parent) = stack.last_mut() {
        parent.next += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::super::expected::sets;
    use super::*;
    use crate::edit::yaml::change::Change;
    use crate::edit::yaml::tree;

    fn check_set(a: &str, b: &str, path: &[usize], value: &str) -> Result<(), VerifyError> {
        let changes = [Change::Set {
            path: path.to_vec(),
            value: value.into(),
        }];
        check(&tree::parse(a).unwrap(), &sets(&changes), b)
    }

    #[test]
    fn accepts_the_set_value_in_any_string_spelling() {
        let a = "a: &x [1, {b: c}]\nimage: nginx:1 # c\nn: *x\n---\n- z\n";
        check_set(
            a,
            "a: &x [1, {b: c}]\nimage: nginx:2 # c\nn: *x\n---\n- z\n",
            &[0, 1],
            "nginx:2",
        )
        .unwrap();
        check_set(
            a,
            "a: &x [1, {b: c}]\nimage: \"nginx:2\" # c\nn: *x\n---\n- z\n",
            &[0, 1],
            "nginx:2",
        )
        .unwrap();
        check_set(
            a,
            "a: &x [1, {b: c}]\nimage: 'nginx:2' # c\nn: *x\n---\n- z\n",
            &[0, 1],
            "nginx:2",
        )
        .unwrap();
    }

    #[test]
    fn refuses_anything_else() {
        let a = "a: &x [1, {b: c}]\nimage: nginx:1\nn: *x\n---\n- z\n";
        for b in [
            "a: &x [1, {b: c}]\nimage: nginx:3\nn: *x\n---\n- z\n",
            "a: &x [1, {b: d}]\nimage: nginx:2\nn: *x\n---\n- z\n",
            "a: &x [1, {b: c}, 2]\nimage: nginx:2\nn: *x\n---\n- z\n",
            "a: &x [1]\nimage: nginx:2\nn: *x\n---\n- z\n",
            "a: [1, {b: c}]\nimage: nginx:2\nn: 1\n---\n- z\n",
            "a: &x [1, {b: c}]\nimage: nginx:2\nn: *x\n",
            "a: &x [1, {b: c}]\nimage: nginx:2\nn: *x\n---\n- z\n---\n",
            "a: &x [1, {b: c}]\nimage: nginx:2\nn: *x\nm: 1\n---\n- z\n",
            "a: &x [1, {b: c}]\nimage: [nginx:2]\nn: *x\n---\n- z\n",
            "a: &x [1, {b: c}]\nimage: nginx:2\nn: *x\n---\n- z\n- y\n",
            "a: &x [1, {b: c}]\nimage: nginx:2\nn: *x\n---\n- [z]\n",
            "a: &x [1, {b: c}]\nimage: nginx:2\nn: *x\n---\n- 'z\n",
            "a: &x ['1', {b: c}]\nimage: nginx:2\nn: *x\n---\n- z\n",
        ] {
            assert!(check_set(a, b, &[0, 1], "nginx:2").is_err(), "{b}");
        }
    }

    #[test]
    fn anchors_are_compared_by_number_not_name() {
        // As in the reference check: an anchor's name is not data.
        let a = "a: &x [1]\nimage: nginx:1\nn: *x\n";
        check_set(a, "a: &y [1]\nimage: nginx:2\nn: *y\n", &[0, 1], "nginx:2").unwrap();
    }

    #[test]
    fn a_set_number_must_stay_a_string() {
        assert!(check_set("tag: \"1\"\n", "tag: 2\n", &[0, 0], "2").is_err());
        check_set("tag: \"1\"\n", "tag: \"2\"\n", &[0, 0], "2").unwrap();
        check_set("tag: !!str 1\n", "tag: !!str 2\n", &[0, 0], "2").unwrap();
    }
}
