//! kustomize cases (image transformer, `edit set image`) and Argo CD Image Updater's
//! kustomization write-back, which shares `edit set image`'s argument syntax.

use tagbump::edit::kustomize::entries::set_images;
use tagbump::edit::kustomize::fieldspec::{self, FieldSpec};
use tagbump::edit::kustomize::rule::ImageRule;
use tagbump::edit::kustomize::set_arg::{self, SetImageArg};
use tagbump::edit::workload::{Walk, image_fields, rewrite_fields};
use tagbump::edit::yaml::tree::{self, Node};
use tagbump::edit::yaml::{Edits, YamlDoc};

use super::case::Case;
use super::data::{Value, data};
use super::{compare, run_cases};

fn rule_of(n: &Node) -> ImageRule {
    let get = |f: &str| n.get(f).and_then(Node::scalar).map(String::from);
    ImageRule {
        name: get("name").unwrap_or_default(),
        new_name: get("newName"),
        new_tag: get("newTag"),
        digest: get("digest"),
        tag_suffix: get("tagSuffix"),
    }
}

/// Apply one rule to a resource text: the legacy walk and/or field specs.
fn transform(text: &str, rule: &ImageRule, legacy: bool, specs: &[FieldSpec]) -> Result<String, String> {
    let doc = YamlDoc::parse(text).map_err(|e| e.to_string())?;
    let mut paths = if legacy {
        image_fields(&doc.docs, Walk::Legacy)
    } else {
        Vec::new()
    };
    paths.extend(fieldspec::select(&doc.docs, specs));
    paths.sort();
    paths.dedup();
    let mut edits = Edits::default();
    rewrite_fields(&doc, &paths, &|v| rule.apply(v), &mut edits).map_err(|e| e.to_string())?;
    doc.finish(&edits).map_err(|e| e.to_string())
}

fn specs_of(n: Option<&Node>) -> Vec<FieldSpec> {
    n.map(|n| {
        n.items()
            .iter()
            .map(|i| match i.scalar() {
                Some(p) => FieldSpec {
                    kind: None,
                    path: p.to_string(),
                },
                None => FieldSpec {
                    kind: i.get("kind").and_then(Node::scalar).map(String::from),
                    path: i.get("path").and_then(Node::scalar).unwrap_or_default().to_string(),
                },
            })
            .collect()
    })
    .unwrap_or_default()
}

fn run_transform(case: &Case) -> Result<(), String> {
    let rule = rule_of(case.node("image").unwrap());
    let legacy = case.str("field_specs") == Some("legacy");
    let specs = specs_of(case.node("field_specs"));
    for file in case.strings("files") {
        let got = transform(&case.input(&file), &rule, legacy, &specs)?;
        compare(case, &file, &got)?;
    }
    Ok(())
}

fn run_transformer(case: &Case) -> Result<(), String> {
    let cfg_text = fs_err::read_to_string(case.dir.join(case.str("transformer_config").unwrap())).unwrap();
    let cfg = tree::parse(&cfg_text).unwrap().remove(0);
    let rule = rule_of(cfg.get("imageTag").unwrap());
    let specs = specs_of(cfg.get("fieldSpecs"));
    for file in case.strings("files") {
        let got = transform(&case.input(&file), &rule, true, &specs)?;
        compare(case, &file, &got)?;
    }
    Ok(())
}

/// `kustomize build` of a directory, restricted to the images transformer: each `images:`
/// entry in turn, over every resource, with the legacy walk, the default field specs and the
/// kustomization's `configurations:`.
fn run_build(case: &Case) -> Result<(), String> {
    let dir = case.dir.join("in").join(case.str("kustomization_dir").unwrap());
    let k_text = fs_err::read_to_string(dir.join("kustomization.yaml")).unwrap();
    let k = tree::parse(&k_text).unwrap().remove(0);
    let mut specs = fieldspec::defaults();
    for c in k.get("configurations").map(Node::items).unwrap_or_default() {
        let t = fs_err::read_to_string(dir.join(c.scalar().unwrap())).unwrap();
        specs.extend(specs_of(tree::parse(&t).unwrap().remove(0).get("images")));
    }
    let rules: Vec<ImageRule> = k
        .get("images")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .map(rule_of)
        .collect();
    let mut got: Vec<Value> = Vec::new();
    for r in k.get("resources").map(Node::items).unwrap_or_default() {
        let mut text = fs_err::read_to_string(dir.join(r.scalar().unwrap())).unwrap();
        for rule in &rules {
            text = transform(&text, rule, true, &specs)?;
        }
        got.extend(data(&text));
    }
    let want_text = fs_err::read_to_string(case.dir.join(case.str("expected_output").unwrap())).unwrap();
    let mut want = data(&want_text);
    got.sort();
    want.sort();
    if got == want {
        Ok(())
    } else {
        Err(format!("render differs:\n--- want\n{want:#?}\n--- got\n{got:#?}"))
    }
}

fn run_set_image(case: &Case) -> Result<(), String> {
    let argocd = case.dir.parent().unwrap().ends_with("argocd-image-updater");
    let args = case.strings("args");
    let parsed: Result<Vec<SetImageArg>, String> = if args.is_empty() && !argocd {
        Err("no arguments".into())
    } else {
        args.iter()
            .map(|a| {
                if argocd {
                    set_arg::parse_argocd(a).map_err(|e| e.to_string())
                } else {
                    set_arg::parse_kustomize(a).map_err(|e| e.to_string())
                }
            })
            .collect()
    };
    let files = case.strings("files");
    let file = files.first().map_or("kustomization.yaml", String::as_str);
    let input = case.input(file);
    let parsed = match (parsed, case.expect_error()) {
        (Err(_), true) => return compare(case, file, &input),
        (Err(e), false) => return Err(format!("arguments refused: {e}")),
        (Ok(p), _) => p,
    };
    let doc = YamlDoc::parse(&input).map_err(|e| e.to_string())?;
    let mut edits = Edits::default();
    set_images(&doc, &parsed, &mut edits).map_err(|e| e.to_string())?;
    let got = doc.finish(&edits).map_err(|e| e.to_string())?;
    if case.expect_error() {
        return Err("expected an error".into());
    }
    if case.str("check") == Some("contains-fragment") {
        let want = data(&fs_err::read_to_string(case.dir.join("out/kustomization.yaml.fragment")).unwrap());
        let images = |v: &[Value]| -> Option<Value> {
            let Some(Value::Map(m)) = v.first() else {
                return None;
            };
            m.iter()
                .find(|(k, _)| *k == Value::Str("images".into()))
                .map(|(_, v)| v.clone())
        };
        let (g, w) = (images(&data(&got)), images(&want));
        if g != w {
            return Err(format!(
                "images differ:\n--- want\n{w:#?}\n--- got\n{g:#?}\n--- file\n{got}"
            ));
        }
        // Every other top-level key is unchanged as data.
        let others = |v: Vec<Value>| -> Vec<Value> {
            v.into_iter()
                .map(|d| match d {
                    Value::Map(m) => Value::Map(
                        m.into_iter()
                            .filter(|(k, _)| *k != Value::Str("images".into()))
                            .collect(),
                    ),
                    d => d,
                })
                .collect()
        };
        if others(data(&got)) != others(data(&input)) {
            return Err(format!("other keys changed:\n{got}"));
        }
        return Ok(());
    }
    compare(case, file, &got)
}

#[test]
fn kustomize_image_transform() {
    run_cases(&["image-transform"], &run_transform);
}

#[test]
fn kustomize_image_transformer() {
    run_cases(&["kustomize-image-transformer"], &run_transformer);
}

#[test]
fn kustomize_build_images() {
    run_cases(&["kustomize-build-images"], &run_build);
}

#[test]
fn kustomize_and_argocd_set_image() {
    run_cases(&["set-image"], &run_set_image);
}
