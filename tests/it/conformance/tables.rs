//! Table cases of the conformance corpus: kustomize's own image matching and splitting tests,
//! and Argo CD Image Updater's override parsing, each row asserted against our function.
//!
//! The corpus is read where it lies, at test time, and never copied into the project: it is
//! the peers' data under their licence, and a copy would drift from the corpus the other
//! harnesses use. A missing corpus fails loudly rather than skipping, so a CI job cannot pass
//! by not looking; turning it off is an explicit `TAGBUMP_CONFORMANCE=off`.
//!
//! `case.yaml` is YAML, but its `table:` rows are flow mappings written as JSON, so each row is
//! read with `serde_json` and no YAML reader is needed. A row that is not JSON fails the test
//! with its line number instead of being skipped.

use std::fmt::Debug;
use std::path::PathBuf;

use serde_json::Value;
use tagbump::edit::kustomize::set_arg::{Field, SetImageArg, parse_argocd};
use tagbump::image::{ImageRef, kustomize_name_matches};

/// The rows of one table case, each with its line number in `case.yaml`.
struct Table {
    path: PathBuf,
    rows: Vec<(usize, Value)>,
}

/// Read the table case `case` (e.g. `kustomize/image-ref-match`), checking its `op`.
/// `None` when the conformance tests are turned off.
fn table(case: &str, op: &str) -> Option<Table> {
    let path = super::corpus()?.join(case).join("case.yaml");
    let text = fs_err::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let found_op = text
        .lines()
        .find_map(|l| l.strip_prefix("op:"))
        .map(|v| v.split('#').next().unwrap_or_default().trim());
    assert_eq!(found_op, Some(op), "{}: unexpected `op`", path.display());

    let mut rows = Vec::new();
    let mut in_table = false;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if !in_table {
            in_table = line.split('#').next().is_some_and(|l| l.trim_end() == "table:");
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with([' ', '-']) {
            break; // the next top-level key
        }
        let json = trimmed.strip_prefix("- ").unwrap_or_else(|| {
            panic!(
                "{}:{line_no}: expected a `- {{...}}` table row, found {trimmed:?}",
                path.display()
            )
        });
        let row: Value = serde_json::from_str(json).unwrap_or_else(|e| {
            panic!(
                "{}:{line_no}: the table row is not a JSON flow mapping ({e}): {json}",
                path.display()
            )
        });
        rows.push((line_no, row));
    }
    assert!(!rows.is_empty(), "{}: no `table:` rows found", path.display());
    Some(Table { path, rows })
}

/// Run `check` on every row and fail once, listing every row that failed.
fn check_rows(table: &Table, check: impl Fn(&Value) -> Result<(), String>) {
    let failures: Vec<String> = table
        .rows
        .iter()
        .filter_map(|(line, row)| {
            let label = row.get("test").and_then(Value::as_str).unwrap_or("(unnamed)");
            check(row).err().map(|e| format!("  line {line} ({label}): {e}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows of {} failed:\n{}",
        failures.len(),
        table.rows.len(),
        table.path.display(),
        failures.join("\n")
    );
}

fn text<'r>(row: &'r Value, key: &str) -> Result<&'r str, String> {
    row.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("row has no string `{key}`: {row}"))
}

fn expect_eq<T: PartialEq + Debug>(call: String, got: T, expected: T) -> Result<(), String> {
    if got == expected {
        Ok(())
    } else {
        Err(format!("{call} = {got:?}, expected {expected:?}"))
    }
}

#[test]
fn kustomize_image_ref_match() {
    let Some(table) = table("kustomize/image-ref-match", "image-match") else {
        return;
    };
    check_rows(&table, |row| {
        let (name, value) = (text(row, "name")?, text(row, "value")?);
        let matched = row
            .get("matched")
            .and_then(Value::as_bool)
            .ok_or("row has no boolean `matched`")?;
        expect_eq(
            format!("kustomize_name_matches({name:?}, {value:?})"),
            kustomize_name_matches(name, value),
            matched,
        )
    });
}

#[test]
fn kustomize_image_ref_split() {
    let Some(table) = table("kustomize/image-ref-split", "image-split") else {
        return;
    };
    check_rows(&table, |row| {
        let value = text(row, "value")?;
        let got = ImageRef::split(value);
        // kustomize returns "" for a missing tag or digest.
        let got = (
            got.name.as_str(),
            got.tag.as_deref().unwrap_or(""),
            got.digest.as_deref().unwrap_or(""),
        );
        let expected = (text(row, "name")?, text(row, "tag")?, text(row, "digest")?);
        expect_eq(format!("ImageRef::split({value:?})"), got, expected)
    });
}

#[test]
fn argocd_image_override_parse() {
    let Some(table) = table("argocd-image-updater/image-override-parse", "parse-set-image-arg") else {
        return;
    };
    check_rows(&table, |row| {
        let arg = text(row, "arg")?;
        let fields = row
            .get("expected")
            .and_then(Value::as_object)
            .ok_or("row has no object `expected`")?;
        let mut expected = SetImageArg::default();
        for (key, value) in fields {
            let value = value
                .as_str()
                .ok_or_else(|| format!("`expected.{key}` is not a string"))?
                .to_string();
            match key.as_str() {
                "name" => expected.name = value,
                "newName" => expected.new_name = Field::Set(value),
                "newTag" => expected.new_tag = Field::Set(value),
                "digest" => expected.digest = Field::Set(value),
                other => return Err(format!("unknown key `expected.{other}`")),
            }
        }
        expect_eq(
            format!("parse_argocd({arg:?})"),
            parse_argocd(arg).map_err(|e| e.to_string()),
            Ok(expected),
        )
    });
}
