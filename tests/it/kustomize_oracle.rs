//! `kubectl kustomize` as the judge of tagbump's kustomize edits.
//!
//! tagbump claims that bumping an image in a Kustomize tree means what `kustomize edit set
//! image` would mean, without rewriting the file. The real kustomize decides: for each
//! overlay of the fixture tree (`tests/fixtures/kustomize`) and each kind of bump, the tree
//! is rendered before and after `tagbump set`, and the two renders must be equal except
//! for the container images of the bumped image, which must be what kustomize's rule gives
//! (the overlay's `newName`, then the new tag and/or digest). The edited files must differ
//! from the originals only on the lines that hold the values.
//!
//! These tests need `kubectl` (1.32 or later has kustomize built in). Without it they fail
//! and say how to install it: a silent skip would let CI pass with the judge absent.

use std::path::{Path, PathBuf};
use std::process::Command;

use tagbump::edit::yaml::tree::{self, Kind, Node};

use crate::support::Test;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kustomize");
const SHOP: &str = "ghcr.io/acme/shop";
const DIGEST: &str = "sha256:c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff";

/// The bumps every overlay gets: a tag, a digest, both, and a tag YAML would read as a
/// number.
const BUMPS: [(Option<&str>, Option<&str>); 4] = [
    (Some("1.5.0"), None),
    (None, Some(DIGEST)),
    (Some("1.5.0"), Some(DIGEST)),
    (Some("20240101"), None),
];

const KUBECTL_MISSING: &str = "\
kubectl was not found on PATH, and the kustomize oracle tests need it as their judge.
hint: install kubectl 1.32 or later, which has kustomize built in (`kubectl kustomize`):
  - Debian/Ubuntu with the Kubernetes or Google Cloud apt repository: apt-get install kubectl
  - or the release binary: https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl, made
    executable and put on PATH";

#[test]
fn dev_overlay_with_quoted_tag() {
    check_overlay("dev", 3);
}

#[test]
fn prod_overlay_pinned_by_digest_with_a_patch() {
    check_overlay("prod", 4);
}

#[test]
fn flow_style_images_list() {
    check_overlay("flow", 3);
}

#[test]
fn crlf_kustomization() {
    let k = fs_err::read_to_string(format!("{FIXTURES}/overlays/crlf/kustomization.yaml")).unwrap();
    assert!(
        k.contains("\r\n") && !k.replace("\r\n", "").contains('\n'),
        "the crlf fixture lost its CRLF line endings in this checkout\nhint: tests/fixtures/kustomize/.gitattributes \
         marks it -text; check it out again"
    );
    check_overlay("crlf", 3);
}

/// An entry with both a tag and a digest, after another entry, with comments on its lines.
#[test]
fn tag_and_digest_entry_among_others() {
    check_overlay("both", 3);
}

/// Go's YAML (kustomize's) drops every `_` from a scalar that starts like a number and
/// reads any Go integer literal or float, so a plain `0X1F`, `0B101`, `0O17`, `1e_3` or
/// `1.5e_1` is a number there. tagbump quotes only the lowercase prefixes and exponents
/// without `_`, so a plain or newly added `newTag` gets these tags unquoted and `kubectl
/// kustomize` fails ("json: cannot unmarshal number into Go struct field
/// Image.images.newTag of type string"). All are valid Docker tags.
#[test]
fn go_number_tags_are_quoted() {
    let bumps = [
        (Some("0X1F"), None),
        (Some("0B101"), None),
        (Some("0O17"), None),
        (Some("1e_3"), None),
        (Some("1.5e_1"), None),
    ];
    // crlf has a plain newTag, prod gets one added in place of its digest.
    check_overlay_with("crlf", 3, &bumps);
    check_overlay_with("prod", 4, &bumps);
}

/// Bump every way in a fresh copy of the tree, and compare kustomize's renders.
/// `shop_fields` is how many container images of the shop the overlay renders.
fn check_overlay(overlay: &str, shop_fields: usize) {
    check_overlay_with(overlay, shop_fields, &BUMPS);
}

fn check_overlay_with(overlay: &str, shop_fields: usize, bumps: &[(Option<&str>, Option<&str>)]) {
    let dir = format!("overlays/{overlay}");
    let kustomization = format!("{dir}/kustomization.yaml");
    for &(tag, digest) in bumps {
        let arg = reference(SHOP, tag, digest);
        let t = fixture_tree().args(["set", &arg, "--path", &dir, "--path", "base"]);
        let originals = read_tree(t.root());
        let before = kustomize(t.root(), &dir);
        let new_name = new_name(&originals_file(&originals, &kustomization), "shop");
        let expected = reference(&new_name, tag, digest);

        t.run().code(0);
        let after = kustomize(t.root(), &dir);
        let bumped = compare_renders(&before, &after, &expected)
            .unwrap_or_else(|e| panic!("{overlay}, {arg}: {e}\n--- before ---\n{before}\n--- after ---\n{after}"));
        assert_eq!(
            bumped, shop_fields,
            "{overlay}, {arg}: {bumped} shop images changed, expected {shop_fields}\n{after}"
        );

        // Only the value lines changed: the entry's newTag/digest, the pinned image.
        for (path, old) in &originals {
            let new = fs_err::read_to_string(t.root().join(path)).unwrap();
            let allowed: &[&str] = if *path == kustomization {
                &["newTag:", "digest:"]
            } else if path == "base/cronjob.yaml" {
                &["image:"]
            } else {
                &[]
            };
            if let Err(e) = only_lines_with(old, &new, allowed) {
                panic!("{overlay}, {arg}: {path}: {e}\n--- after ---\n{new}");
            }
        }
        let k = t.read(&kustomization);
        if originals_file(&originals, &kustomization).contains("\r\n") {
            assert_eq!(k.matches('\n').count(), k.matches("\r\n").count(), "{k:?}");
        }

        // A second run finds nothing to do.
        let r = t.run();
        r.code(0);
        assert!(
            r.stderr().contains("changed 0 fields"),
            "{overlay}, {arg}: {}",
            r.stderr()
        );
    }
}

fn reference(name: &str, tag: Option<&str>, digest: Option<&str>) -> String {
    let mut s = name.to_string();
    if let Some(t) = tag {
        s = format!("{s}:{t}");
    }
    if let Some(d) = digest {
        s = format!("{s}@{d}");
    }
    s
}

/// A temporary copy of the fixture tree.
fn fixture_tree() -> Test {
    let mut t = Test::new();
    for (path, text) in read_tree(Path::new(FIXTURES)) {
        t = t.file(&path, text);
    }
    t
}

/// Every file under `root` (but dot files), by slash-separated relative path.
fn read_tree(root: &Path) -> Vec<(String, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<PathBuf> = fs_err::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.file_name().unwrap().to_string_lossy().starts_with('.') {
                continue;
            }
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.push((rel, fs_err::read_to_string(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

fn originals_file(files: &[(String, String)], path: &str) -> String {
    files
        .iter()
        .find(|(p, _)| p == path)
        .unwrap_or_else(|| panic!("no fixture {path}"))
        .1
        .clone()
}

/// The `newName` of a kustomization's `images:` entry for `name`.
fn new_name(kustomization: &str, name: &str) -> String {
    let docs = tree::parse(kustomization).unwrap();
    docs[0]
        .get("images")
        .unwrap()
        .items()
        .iter()
        .find(|e| e.get("name").and_then(Node::scalar) == Some(name))
        .and_then(|e| e.get("newName"))
        .and_then(Node::scalar)
        .unwrap_or_else(|| panic!("no newName for {name}"))
        .to_string()
}

fn kustomize(root: &Path, dir: &str) -> String {
    let out = match Command::new("kubectl")
        .args(["kustomize", dir])
        .current_dir(root)
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!("{KUBECTL_MISSING}"),
        Err(e) => panic!("could not run kubectl: {e}\n{KUBECTL_MISSING}"),
    };
    let files = read_tree(root)
        .into_iter()
        .filter(|(p, _)| p.ends_with("kustomization.yaml"))
        .map(|(p, t)| format!("--- {p} ---\n{t}"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        out.status.success(),
        "kubectl kustomize {dir} failed:\n{}\n{files}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The name part of an image reference (kustomize's split: digest after `@`, tag after a
/// `:` past the last `/`).
fn image_name(reference: &str) -> &str {
    let rest = reference.split('@').next().unwrap_or(reference);
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].find(':') {
        Some(i) => &rest[..slash + i],
        None => rest,
    }
}

/// Compare two renders: equal everywhere except `image` fields of the shop, which must be
/// `expected` after. The number of such fields.
fn compare_renders(before: &str, after: &str, expected: &str) -> Result<usize, String> {
    let a = tree::parse(before).map_err(|e| format!("render before: {e}"))?;
    let b = tree::parse(after).map_err(|e| format!("render after: {e}"))?;
    if a.len() != b.len() {
        return Err(format!("{} documents became {}", a.len(), b.len()));
    }
    let mut bumped = 0;
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        compare(x, y, None, expected, &mut format!("doc {i}"), &mut bumped)?;
    }
    Ok(bumped)
}

fn compare(
    a: &Node,
    b: &Node,
    key: Option<&str>,
    expected: &str,
    at: &mut String,
    bumped: &mut usize,
) -> Result<(), String> {
    match (&a.kind, &b.kind) {
        (Kind::Scalar { value: va, .. }, Kind::Scalar { value: vb, .. }) => {
            let want = if key == Some("image") && image_name(va) == SHOP {
                *bumped += 1;
                expected
            } else {
                va.as_str()
            };
            if vb != want {
                return Err(format!("{at}: `{va}` became `{vb}`, expected `{want}`"));
            }
        }
        (Kind::Seq { items: ia, .. }, Kind::Seq { items: ib, .. }) => {
            if ia.len() != ib.len() {
                return Err(format!("{at}: {} items became {}", ia.len(), ib.len()));
            }
            for (i, (x, y)) in ia.iter().zip(ib).enumerate() {
                let len = at.len();
                at.push_str(&format!("[{i}]"));
                compare(x, y, None, expected, at, bumped)?;
                at.truncate(len);
            }
        }
        (Kind::Map { entries: ea, .. }, Kind::Map { entries: eb, .. }) => {
            let keys = |e: &[(Node, Node)]| {
                e.iter()
                    .map(|(k, _)| k.scalar().unwrap_or("?").to_string())
                    .collect::<Vec<_>>()
            };
            if keys(ea) != keys(eb) {
                return Err(format!("{at}: keys {:?} became {:?}", keys(ea), keys(eb)));
            }
            for ((k, x), (_, y)) in ea.iter().zip(eb) {
                let len = at.len();
                at.push('.');
                at.push_str(k.scalar().unwrap_or("?"));
                compare(x, y, k.scalar(), expected, at, bumped)?;
                at.truncate(len);
            }
        }
        _ => return Err(format!("{at}: the node changed kind")),
    }
    Ok(())
}

/// Whether `new` differs from `old` only in lines (removed or added) that contain one of
/// `allowed`.
fn only_lines_with(old: &str, new: &str, allowed: &[&str]) -> Result<(), String> {
    let diff = similar::TextDiff::from_lines(old, new);
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Equal => continue,
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
        };
        let line = change.value();
        if !allowed.iter().any(|a| line.contains(a)) {
            return Err(format!("unexpected change: {sign}{line:?}"));
        }
    }
    Ok(())
}
