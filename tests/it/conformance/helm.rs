//! Argo CD Image Updater's Helm values cases: `helm-set-value` (one key path) and the
//! `helmvalues` write-back (`helm-set-values`, several at once).

use tagbump::edit::helm;
use tagbump::edit::yaml::tree::{self, Node};
use tagbump::edit::yaml::{Edits, YamlDoc};

use super::case::Case;
use super::{compare, data, run_cases};

/// The key/value pairs a case sets.
fn values(case: &Case) -> Vec<(String, String)> {
    match case.op() {
        "helm-set-value" => {
            vec![(
                case.str("key").expect("key").to_string(),
                case.str("value").expect("value").to_string(),
            )]
        }
        _ => Case::string_map(case.node("values").expect("values")),
    }
}

/// Set the case's values in `input`: the new text, or the error (after checking that a
/// refused edit collected nothing).
fn edit(case: &Case, input: &str) -> Result<String, String> {
    let doc = YamlDoc::parse(input).map_err(|e| format!("input does not parse: {e}"))?;
    let mut edits = Edits::default();
    let values = values(case);
    let done = match case.op() {
        "helm-set-value" => helm::set_value(&doc, &values[0].0, &values[0].1, &mut edits),
        _ => helm::set_values(&doc, &values, &mut edits),
    };
    if let Err(e) = done {
        if !edits.is_empty() {
            return Err(format!("the error `{e}` left {} splices behind", edits.splices.len()));
        }
        return Err(e.to_string());
    }
    if edits.is_empty() {
        Ok(input.to_string())
    } else {
        doc.finish(&edits).map_err(|e| format!("refused: {e}"))
    }
}

/// The scalar at a list of literal keys from the root of the first document.
fn lookup<'n>(docs: &'n [Node], path: &[String]) -> Option<&'n Node> {
    path.iter().try_fold(docs.first()?, |node, key| node.get(key))
}

/// Check `assertions:` (`contains`, `not_contains`, `path` with `equals` or `absent`).
fn assertions(case: &Case, got: &str) -> Result<(), String> {
    let list = case.node("assertions").ok_or("no assertions")?;
    let docs = tree::parse(got).map_err(|e| format!("output does not parse: {e}"))?;
    for a in list.items() {
        let s = |k: &str| a.get(k).and_then(Node::scalar);
        if let Some(want) = s("contains") {
            if !got.contains(want) {
                return Err(format!("output lacks `{want}`:\n{got}"));
            }
        }
        if let Some(bad) = s("not_contains") {
            if got.contains(bad) {
                return Err(format!("output contains `{bad}`:\n{got}"));
            }
        }
        if let Some(path) = a.get("path") {
            let path: Vec<String> = path
                .items()
                .iter()
                .filter_map(|k| k.scalar().map(String::from))
                .collect();
            let found = lookup(&docs, &path);
            if let Some(want) = s("equals") {
                if found.and_then(Node::scalar) != Some(want) {
                    return Err(format!(
                        "{path:?} is {:?}, want `{want}`:\n{got}",
                        found.and_then(Node::scalar)
                    ));
                }
            }
            if s("absent") == Some("true") && found.is_some() {
                return Err(format!("{path:?} should be absent:\n{got}"));
            }
        }
    }
    Ok(())
}

fn run(case: &Case) -> Result<(), String> {
    let expect_error = case.node("expect_error").is_some();
    for file in case.strings("files") {
        let input = case.input(&file);
        let got = match (edit(case, &input), expect_error) {
            (Ok(got), false) => got,
            (Ok(got), true) => return Err(format!("expected an error, got:\n{got}")),
            (Err(e), false) => return Err(e),
            // A refused edit writes nothing: the file stays as it was.
            (Err(_), true) => input.clone(),
        };
        if case.format() == "semantic-assertions" {
            assertions(case, &got)?;
            if case.dir.join("out").join(&file).is_file() && data::data(&got) != data::data(&case.output(&file)) {
                return Err(format!("{file} differs from out/ as data:\n{got}"));
            }
        } else {
            compare(case, &file, &got)?;
        }
    }
    Ok(())
}

#[test]
fn argocd_helm_values() {
    run_cases(&["helm-set-value", "helm-set-values"], &run);
}
