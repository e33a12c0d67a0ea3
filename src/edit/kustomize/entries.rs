//! Editing a kustomization's `images:` entries in place.
//!
//! Unlike `kustomize edit set image`, which rewrites the whole file (sorted list, canonical
//! key order, comments gone), an entry is changed key by key: an existing `newTag` has its
//! value spliced, a missing one is added after the entry's last key in the entry's own
//! indentation, a `digest` that must go loses its line. Other entries, their order and every
//! comment stay.

use super::set_arg::{Field, SetImageArg};
use crate::edit::Target;
use crate::edit::yaml::{Data, Edits, Node, Path, YamlDoc, YamlError};

/// What to do with one key of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Keep,
    Set(String),
    Remove,
}

const KEYS: [&str; 3] = ["newName", "newTag", "digest"];

/// The `images:` sequence of a kustomization document, with its path.
fn images_seq<'d>(doc: &'d YamlDoc, d: usize) -> Option<(Path, &'d Node)> {
    let root = &doc.docs[d];
    let i = root.entry("images")?;
    let seq = &root.entries()[i].1;
    matches!(seq.kind, crate::edit::yaml::Kind::Seq { .. }).then(|| (vec![d, i], seq))
}

fn update_entry(
    doc: &YamlDoc,
    path: &Path,
    entry: &Node,
    ops: &[(&str, Op)],
    edits: &mut Edits,
) -> Result<(), YamlError> {
    for (key, op) in ops {
        let at = entry.entry(key);
        match (op, at) {
            (Op::Keep, _) | (Op::Remove, None) => {}
            (Op::Set(v), Some(i)) => {
                let mut p = path.clone();
                p.push(i);
                doc.set(&p, v, edits)?;
            }
            (Op::Set(v), None) => doc.insert(path, key, Data::Str(v.clone()), edits)?,
            (Op::Remove, Some(i)) => doc.remove(path, i, edits)?,
        }
    }
    Ok(())
}

/// Ops for a tagbump bump: the kustomize rule (a tag write drops a digest and vice versa).
fn bump_ops(target: &Target) -> Vec<(&'static str, Op)> {
    let t = &target.image;
    let tag = t.tag.clone().map_or(Op::Remove, Op::Set);
    let digest = t.digest.clone().map_or(Op::Remove, Op::Set);
    vec![("newName", Op::Keep), ("newTag", tag), ("digest", digest)]
}

/// Bump the entries of `images:` that name a target (by `newName`, or by `name`); with `add`,
/// append an entry for each target no entry names.
pub fn bump(doc: &YamlDoc, targets: &[Target], add: bool, edits: &mut Edits) -> Result<(), YamlError> {
    let mut matched = vec![false; targets.len()];
    for d in 0..doc.docs.len() {
        let Some((seq_path, seq)) = images_seq(doc, d) else {
            continue;
        };
        for (i, entry) in seq.items().iter().enumerate() {
            let name = entry.get("name").and_then(Node::scalar);
            let new_name = entry.get("newName").and_then(Node::scalar);
            let Some(t) = targets
                .iter()
                .position(|t| new_name.is_some_and(|n| t.matches_name(n)) || name.is_some_and(|n| t.matches_name(n)))
            else {
                continue;
            };
            matched[t] = true;
            let mut path = seq_path.clone();
            path.push(i);
            update_entry(doc, &path, entry, &bump_ops(&targets[t]), edits)?;
        }
    }
    if add && !doc.docs.is_empty() {
        let missing: Vec<SetImageArg> = targets
            .iter()
            .zip(&matched)
            .filter(|(_, m)| !**m)
            .map(|(t, _)| SetImageArg {
                name: t.image.name.clone(),
                new_name: Field::Unset,
                new_tag: t.image.tag.clone().map_or(Field::Unset, Field::Set),
                digest: t.image.digest.clone().map_or(Field::Unset, Field::Set),
            })
            .collect();
        append_entries(doc, &missing, edits)?;
    }
    Ok(())
}

/// `kustomize edit set image` semantics: each argument replaces the entry of its name as a
/// whole (fields not given, and not `*`, are removed); new names are appended in order.
pub fn set_images(doc: &YamlDoc, args: &[SetImageArg], edits: &mut Edits) -> Result<(), YamlError> {
    // Later arguments for the same name replace earlier ones; first-seen order is kept.
    let mut merged: Vec<SetImageArg> = Vec::new();
    for a in args {
        match merged.iter_mut().find(|m| m.name == a.name) {
            Some(m) => *m = a.clone(),
            None => merged.push(a.clone()),
        }
    }
    let mut missing = Vec::new();
    for arg in &merged {
        let mut found = false;
        for d in 0..doc.docs.len() {
            let Some((seq_path, seq)) = images_seq(doc, d) else {
                continue;
            };
            for (i, entry) in seq.items().iter().enumerate() {
                if entry.get("name").and_then(Node::scalar) != Some(arg.name.as_str()) {
                    continue;
                }
                found = true;
                let op = |f: &Field| match f {
                    Field::Unset => Op::Remove,
                    Field::Keep => Op::Keep,
                    Field::Set(v) => Op::Set(v.clone()),
                };
                let ops = [
                    (KEYS[0], op(&arg.new_name)),
                    (KEYS[1], op(&arg.new_tag)),
                    (KEYS[2], op(&arg.digest)),
                    ("tagSuffix", Op::Remove),
                ];
                let mut path = seq_path.clone();
                path.push(i);
                update_entry(doc, &path, entry, &ops, edits)?;
            }
        }
        if !found {
            missing.push(arg.clone());
        }
    }
    append_entries(doc, &missing, edits)
}

fn entry_fields(arg: &SetImageArg) -> Vec<(String, String)> {
    let mut item = vec![("name".to_string(), arg.name.clone())];
    for (k, f) in [
        (KEYS[0], &arg.new_name),
        (KEYS[1], &arg.new_tag),
        (KEYS[2], &arg.digest),
    ] {
        if let Field::Set(v) = f {
            item.push((k.to_string(), v.clone()));
        }
    }
    item
}

/// Append new entries to the first document's `images:` (created when absent).
fn append_entries(doc: &YamlDoc, args: &[SetImageArg], edits: &mut Edits) -> Result<(), YamlError> {
    if args.is_empty() {
        return Ok(());
    }
    match images_seq(doc, 0) {
        Some((seq_path, seq))
            if !seq.items().is_empty() && matches!(seq.kind, crate::edit::yaml::Kind::Seq { flow: false, .. }) =>
        {
            for a in args {
                doc.append_item(&seq_path, entry_fields(a), edits)?;
            }
            Ok(())
        }
        Some((_, seq)) => Err(YamlError::Unsupported {
            line: seq.line,
            msg: "cannot add an entry to an empty or flow-style `images:` list; write one entry by hand".into(),
        }),
        None => {
            let items = args
                .iter()
                .map(|a| Data::Map(entry_fields(a).into_iter().map(|(k, v)| (k, Data::Str(v))).collect()))
                .collect();
            doc.insert(&[0], "images", Data::Seq(items), edits)
        }
    }
}
