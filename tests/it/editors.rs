//! Snapshots of what every editor writes on realistic files (`tests/fixtures/editors/` and the
//! demo repo): the unified diff `--dry-run` prints, so a snapshot shows exactly the lines that
//! change and nothing else. A bump by tag, by digest and by both, as a user would run them.

use std::path::Path;

use crate::support::Test;

const DIGEST: &str = "sha256:9999999999999999999999999999999999999999999999999999999999999999";

/// A temp tree holding a copy of a fixture folder.
fn tree_from(dir: &Path) -> Test {
    let mut t = Test::new();
    for entry in fs_err::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if entry.file_type().unwrap().is_dir() {
            continue;
        }
        t = t.file(&name, fs_err::read(entry.path()).unwrap());
    }
    t
}

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/editors")
}

fn dry_run(image: &str) -> String {
    let t = tree_from(&fixtures()).args(["set", image, "--flux-policy", "flux-system:shop", "--dry-run"]);
    let r = t.run();
    r.code(0);
    r.stdout()
}

#[test]
fn every_editor_bumps_a_tag() {
    insta::assert_snapshot!(dry_run("ghcr.io/acme/shop:1.5.0"));
}

#[test]
fn every_editor_pins_a_digest() {
    insta::assert_snapshot!(dry_run(&format!("ghcr.io/acme/shop@{DIGEST}")));
}

#[test]
fn every_editor_writes_tag_and_digest() {
    insta::assert_snapshot!(dry_run(&format!("ghcr.io/acme/shop:1.5.0@{DIGEST}")));
}

/// The diff cannot show a BOM or CRLF, so the written bytes are checked directly.
#[test]
fn crlf_and_bom_survive_a_write() {
    let t = tree_from(&fixtures()).args(["set", "ghcr.io/acme/shop:1.5.0"]);
    t.run().code(0);
    let before = fs_err::read(fixtures().join("rollout-crlf-bom.yaml")).unwrap();
    let after = fs_err::read(t.root().join("rollout-crlf-bom.yaml")).unwrap();
    let expected = String::from_utf8(before).unwrap().replace("shop:1.4.0", "shop:1.5.0");
    assert_eq!(String::from_utf8(after).unwrap(), expected);
    assert!(expected.starts_with('\u{feff}') && expected.contains("\r\n"));
}

/// The README's quick start, on the bundled demo.
#[test]
fn demo_quick_start() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tagbump"))
        .args(["set", "ghcr.io/acme/shop:1.5.0", "--path", "examples/demo", "--dry-run"])
        .current_dir(demo.parent().unwrap().parent().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}
