//! Depth-first traversal with paths, shared by the editors that find fields by shape.

use super::tree::{Kind, Node};

/// What a visitor sees at each node.
pub struct Visit<'n> {
    pub node: &'n Node,
    pub path: &'n [usize],
    /// The key this node is the value of, when its parent is a mapping with a string key.
    pub key: Option<&'n str>,
    /// Keys (or `None` for sequence items) from the document root down to this node.
    pub keys: &'n [Option<&'n str>],
}

/// Visit every node of every document, documents first to last, parents before children.
pub fn walk<'n>(docs: &'n [Node], f: &mut dyn FnMut(&Visit<'_>)) {
    let mut path = Vec::new();
    let mut keys = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        path.push(i);
        go(d, None, &mut path, &mut keys, f);
        path.pop();
    }
}

fn go<'n>(
    node: &'n Node,
    key: Option<&'n str>,
    path: &mut Vec<usize>,
    keys: &mut Vec<Option<&'n str>>,
    f: &mut dyn FnMut(&Visit<'_>),
) {
    f(&Visit { node, path, key, keys });
    match &node.kind {
        Kind::Map { entries, .. } => {
            for (i, (k, v)) in entries.iter().enumerate() {
                path.push(i);
                keys.push(k.scalar());
                go(v, k.scalar(), path, keys, f);
                keys.pop();
                path.pop();
            }
        }
        Kind::Seq { items, .. } => {
            for (i, v) in items.iter().enumerate() {
                path.push(i);
                keys.push(None);
                go(v, None, path, keys, f);
                keys.pop();
                path.pop();
            }
        }
        _ => {}
    }
}

/// The `kind:` of a document root, if it is a mapping with a string `kind`.
pub fn doc_kind(doc: &Node) -> Option<&str> {
    doc.get("kind").and_then(Node::scalar)
}
