//! The peers' conformance corpus (`../shared/conformance`, or `$TAGBUMP_CONFORMANCE`), read at
//! test time and never copied into the project. `TAGBUMP_CONFORMANCE=off` turns it off (for the
//! project's GitHub workflows, which lack the folder); a missing folder fails the tests.

mod case;
mod data;
mod flux;
mod kustomize;
mod tables;

use std::path::PathBuf;

use case::Case;

/// The corpus folder, `None` when turned off. Panics with a hint when it is missing.
pub(crate) fn corpus() -> Option<PathBuf> {
    let v = std::env::var("TAGBUMP_CONFORMANCE").unwrap_or_default();
    if v == "off" {
        eprintln!("conformance corpus turned off by TAGBUMP_CONFORMANCE=off");
        return None;
    }
    // A relative path is taken from the crate root, like the default.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = if v.is_empty() {
        root.join("../shared/conformance")
    } else {
        root.join(v)
    };
    assert!(
        dir.join("INDEX.tsv").is_file(),
        "conformance corpus not found at {}\nhint: set TAGBUMP_CONFORMANCE to the corpus folder, or to `off` to skip it",
        dir.display()
    );
    Some(dir)
}

/// Run every case whose op is in `ops` through `run` and fail listing every failing case.
pub(crate) fn run_cases(ops: &[&str], run: &dyn Fn(&Case) -> Result<(), String>) {
    let Some(dir) = corpus() else { return };
    let index = fs_err::read_to_string(dir.join("INDEX.tsv")).unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 || !ops.contains(&cols[2]) {
            continue;
        }
        let case = Case::load(&dir.join(cols[0]).join(cols[1]));
        count += 1;
        if let Err(e) = run(&case) {
            failures.push(format!("{}: {e}", case.id));
        }
    }
    assert!(count > 0, "no cases with ops {ops:?} in the corpus");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!("{count} cases passed for {ops:?}");
}

/// Compare an output with the expected text per the case's `format`.
pub(crate) fn compare(case: &Case, file: &str, got: &str) -> Result<(), String> {
    let want = case.output(file);
    let ok = match case.format() {
        "byte-exact" => got == want,
        "byte-exact-trimmed" => got.trim() == want.trim(),
        _ => {
            let norm = |t: &str| data::data(t).into_iter().map(data::null_is_empty).collect::<Vec<_>>();
            norm(got) == norm(&want)
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{file} differs ({}):\n--- want\n{want}\n--- got\n{got}",
            case.format()
        ))
    }
}
mod helm;

/// Every op in the corpus has a runner here: a new kind of case cannot go unnoticed.
#[test]
fn every_corpus_op_has_a_runner() {
    const HANDLED: [&str; 11] = [
        "flux-policy",
        "replace-image-everywhere",
        "set-image",
        "image-transform",
        "kustomize-image-transformer",
        "kustomize-build-images",
        "helm-set-value",
        "helm-set-values",
        "image-match",
        "image-split",
        "parse-set-image-arg",
    ];
    let Some(dir) = corpus() else { return };
    let index = fs_err::read_to_string(dir.join("INDEX.tsv")).unwrap();
    let rows: Vec<&str> = index.lines().skip(1).filter(|l| !l.trim().is_empty()).collect();
    let unknown: Vec<&str> = rows
        .iter()
        .filter_map(|l| l.split('\t').nth(2))
        .filter(|op| !HANDLED.contains(op))
        .collect();
    assert!(unknown.is_empty(), "corpus ops without a runner: {unknown:?}");
    assert!(
        rows.len() >= 126,
        "the corpus should hold at least 126 cases, found {}",
        rows.len()
    );
}
