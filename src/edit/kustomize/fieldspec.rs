//! kustomize field specs (`spec/template/spec/containers[]/image`, optionally limited to a
//! `kind`): the paths kustomize's image transformer visits, and that a kustomization's
//! `configurations:` can extend.

use crate::edit::yaml::Path;
use crate::edit::yaml::tree::{Kind, Node};
use crate::edit::yaml::walk::doc_kind;

/// One field spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// Exact `kind` the spec is limited to (kustomize compares it exactly).
    pub kind: Option<String>,
    /// Slash-separated path; `[]` after a segment is optional, lists are walked either way.
    pub path: String,
}

/// kustomize's default image field specs.
pub fn defaults() -> Vec<FieldSpec> {
    [
        "spec/containers[]/image",
        "spec/initContainers[]/image",
        "spec/template/spec/containers[]/image",
        "spec/template/spec/initContainers[]/image",
        "spec/volumes[]/image/reference",
        "spec/template/spec/volumes[]/image/reference",
    ]
    .iter()
    .map(|p| FieldSpec {
        kind: None,
        path: (*p).to_string(),
    })
    .collect()
}

/// Paths of the scalar (or alias) fields the specs select, document by document, skipping
/// `CustomResourceDefinition`s as kustomize does.
pub fn select(docs: &[Node], specs: &[FieldSpec]) -> Vec<Path> {
    let mut out = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        let kind = doc_kind(doc);
        if kind == Some("CustomResourceDefinition") {
            continue;
        }
        for spec in specs {
            if spec.kind.as_deref().is_some_and(|k| Some(k) != kind) {
                continue;
            }
            let segs: Vec<&str> = spec.path.split('/').map(|s| s.trim_end_matches("[]")).collect();
            descend(doc, &segs, &mut vec![d], &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn descend(node: &Node, segs: &[&str], path: &mut Vec<usize>, out: &mut Vec<Path>) {
    let Some((first, rest)) = segs.split_first() else {
        if matches!(node.kind, Kind::Scalar { .. } | Kind::Alias(_)) {
            out.push(path.clone());
        }
        return;
    };
    if let Kind::Map { entries, .. } = &node.kind {
        {
            if let Some(i) = entries.iter().position(|(k, _)| k.scalar() == Some(first)) {
                path.push(i);
                let child = &entries[i].1;
                if let Kind::Seq { items, .. } = &child.kind {
                    for (j, item) in items.iter().enumerate() {
                        path.push(j);
                        descend(item, rest, path, out);
                        path.pop();
                    }
                } else {
                    descend(child, rest, path, out);
                }
                path.pop();
            }
        }
    }
}
