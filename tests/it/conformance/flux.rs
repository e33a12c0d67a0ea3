//! Flux image-automation-controller cases: `$imagepolicy` markers and the historic
//! replace-everywhere mode.

use tagbump::edit::marker::{self, Family};
use tagbump::edit::workload::{Walk, image_fields, rewrite_fields};
use tagbump::edit::yaml::{Edits, YamlDoc};
use tagbump::image;

use super::case::Case;
use super::{compare, run_cases};

fn policy_parts(case: &Case) -> Vec<(String, image::ImageRef)> {
    let parts = case.node("policy_parts").expect("policy_parts");
    parts
        .entries()
        .iter()
        .map(|(k, v)| {
            let get = |f: &str| {
                v.get(f)
                    .and_then(|n| n.scalar())
                    .filter(|s| !s.is_empty())
                    .map(String::from)
            };
            let r = image::ImageRef {
                name: get("name").unwrap_or_default(),
                tag: get("tag"),
                digest: get("digest"),
            };
            (k.scalar().unwrap().to_string(), r)
        })
        .collect()
}

fn run_flux(case: &Case) -> Result<(), String> {
    let parts = policy_parts(case);
    let only_under = case.str("path").map(|p| p.trim_start_matches("./").to_string());
    for file in case.strings("files") {
        let input = case.input(&file);
        let scanned = file.ends_with(".yaml") || file.ends_with(".yml") || file.ends_with("Kustomization");
        let in_path = only_under.as_ref().is_none_or(|p| file.starts_with(&format!("{p}/")));
        let got = if scanned && in_path && marker::may_contain_markers(&input) {
            let doc = YamlDoc::parse(&input).map_err(|e| e.to_string())?;
            let mut edits = Edits::default();
            let resolve = |m: &marker::Marker| {
                (m.family == Family::Flux).then_some(())?;
                parts.iter().find(|(id, _)| *id == m.id).map(|(_, r)| r.clone())
            };
            marker::apply(&doc, &resolve, &mut edits).map_err(|e| e.to_string())?;
            if edits.is_empty() {
                input.clone()
            } else {
                doc.finish(&edits).map_err(|e| e.to_string())?
            }
        } else {
            input.clone()
        };
        if let Some(expect) = case.str("expect_file_changed") {
            if (expect == "true") != (got != input) {
                return Err(format!("{file}: expect_file_changed={expect}"));
            }
        }
        compare(case, &file, &got)?;
    }
    Ok(())
}

fn run_everywhere(case: &Case) -> Result<(), String> {
    let name = case.str("image_name").unwrap();
    let new_ref = case.str("new_ref").unwrap();
    for file in case.strings("files") {
        let input = case.input(&file);
        let doc = YamlDoc::parse(&input).map_err(|e| e.to_string())?;
        let mut edits = Edits::default();
        let paths = image_fields(&doc.docs, Walk::Legacy);
        let rewrite = |v: &str| image::same_name(&image::ImageRef::split(v).name, name).then(|| new_ref.to_string());
        rewrite_fields(&doc, &paths, &rewrite, &mut edits).map_err(|e| e.to_string())?;
        let got = doc.finish(&edits).map_err(|e| e.to_string())?;
        compare(case, &file, &got)?;
    }
    Ok(())
}

#[test]
fn flux_policy_markers() {
    run_cases(&["flux-policy"], &run_flux);
}

#[test]
fn flux_historic_replace_everywhere() {
    run_cases(&["replace-image-everywhere"], &run_everywhere);
}
