//! Explicit key paths: Argo CD Image Updater's `helm-set-value`, one key at a time, and its
//! `helmvalues` write-back, several keys at once.

use super::HelmError;
use super::create::Creates;
use super::resolve::{Found, resolve};
use crate::edit::yaml::{Edits, Path, YamlDoc};
use crate::image::{canonical_registry, split_domain};

/// Set one values key path to a string, Argo CD Image Updater's semantics (helm-set-value).
///
/// `key` is a dotted path with `[n]` list indexes. A root key spelled exactly like the whole
/// path (`image.tag:`) wins; otherwise the path is followed, through aliases to their
/// anchors, and missing keys are appended at the end of the deepest mapping that exists. An
/// error leaves `edits` as it was.
pub fn set_value(doc: &YamlDoc, key: &str, value: &str, edits: &mut Edits) -> Result<(), HelmError> {
    set_values(doc, &[(key.to_string(), value.to_string())], edits)
}

/// Set several values key paths at once, as Argo CD Image Updater's `helmvalues` write-back
/// does.
///
/// Each key has [`set_value`]'s semantics; on top of them:
/// - an empty value is never written: an existing key keeps its value, a missing one is not
///   created (an image whose tag is unknown must not lose the tag it has);
/// - a name with a registry (`docker.io/bitnami/nginx`) is written in the short form
///   (`bitnami/nginx`) when the file has the short form and a separate `registry:` key next to
///   it, because the chart joins the two; that `registry:` is set too when it names another
///   registry;
/// - a later value for the same key (or for the same anchored node) wins.
///
/// Nothing is added to `edits` unless every key can be set.
pub fn set_values(doc: &YamlDoc, values: &[(String, String)], edits: &mut Edits) -> Result<(), HelmError> {
    let mut sets: Vec<(Path, String, String)> = Vec::new();
    let mut creates = Creates::default();
    for (key, value) in values {
        if value.is_empty() {
            continue;
        }
        match resolve(doc, key)? {
            Found::Existing(path) => {
                for (path, value) in short_form(doc, &path, value) {
                    match sets.iter_mut().find(|(p, _, _)| *p == path) {
                        Some(old) => (old.1, old.2) = (value, key.clone()),
                        None => sets.push((path, value, key.clone())),
                    }
                }
            }
            Found::Missing { map, keys } => {
                let line = doc.at(&map).map_or(1, |n| n.line);
                creates.add(map, &keys, value, key, line)?;
            }
        }
    }
    let mut planned = Edits::default();
    for (path, value, key) in &sets {
        doc.set(path, value, &mut planned)
            .map_err(|e| HelmError::yaml(key, e))?;
    }
    creates.emit(doc, &mut planned)?;
    edits.extend(planned);
    Ok(())
}

/// The writes for `value` at the existing scalar `path`: the value itself, or its short form
/// and the sibling `registry:` (see [`set_values`]).
fn short_form(doc: &YamlDoc, path: &Path, value: &str) -> Vec<(Path, String)> {
    let whole = vec![(path.clone(), value.to_string())];
    let Some((registry, short)) = split_registry_of(value) else {
        return whole;
    };
    let Some(old) = doc.at(path).and_then(|n| n.scalar()) else {
        return whole;
    };
    if old.is_empty() || split_registry_of(old).is_some() {
        return whole;
    }
    let (parent_path, _) = path.split_at(path.len() - 1);
    let Some(parent) = doc.at(parent_path) else {
        return whole;
    };
    let Some(r) = parent.entry("registry") else {
        return whole;
    };
    let mut writes = vec![(path.clone(), short.to_string())];
    let current = parent.entries()[r].1.scalar().unwrap_or_default();
    if !same_registry(current, registry) {
        let mut registry_path = parent_path.to_vec();
        registry_path.push(r);
        writes.push((registry_path, registry.to_string()));
    }
    writes
}

/// `(registry, rest)` when the name starts with a registry host (Docker's rule).
fn split_registry_of(name: &str) -> Option<(&str, &str)> {
    match split_domain(name) {
        (Some(registry), rest) => Some((registry, rest)),
        (None, _) => None,
    }
}

/// Whether two registry hosts are the same once Docker Hub's aliases are folded together. An
/// empty `registry:` is Docker Hub, as charts that write `{{ .registry }}/` only when set mean.
fn same_registry(a: &str, b: &str) -> bool {
    let a = if a.is_empty() { "docker.io" } else { a };
    canonical_registry(a) == canonical_registry(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str, key: &str, value: &str) -> Result<String, String> {
        many(text, &[(key, value)])
    }

    fn many(text: &str, values: &[(&str, &str)]) -> Result<String, String> {
        let doc = YamlDoc::parse(text).unwrap();
        let mut edits = Edits::default();
        let values: Vec<(String, String)> = values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        set_values(&doc, &values, &mut edits).map_err(|e| e.to_string())?;
        doc.finish(&edits).map_err(|e| e.to_string())
    }

    #[test]
    fn nested_literal_and_indexed_keys() {
        assert_eq!(
            set("image:\n  tag: v1 # keep\n", "image.tag", "v2").unwrap(),
            "image:\n  tag: v2 # keep\n"
        );
        assert_eq!(
            set("image.tag: v1\nimage:\n  tag: x\n", "image.tag", "v2").unwrap(),
            "image.tag: v2\nimage:\n  tag: x\n"
        );
        let t = "images:\n- tag: '1'\n- tag: \"1\"\n";
        assert_eq!(
            set(t, "images[1].tag", "2").unwrap(),
            "images:\n- tag: '1'\n- tag: \"2\"\n"
        );
    }

    #[test]
    fn numbers_stay_strings() {
        assert_eq!(
            set("image:\n  tag: v1\n", "image.tag", "1.10").unwrap(),
            "image:\n  tag: \"1.10\"\n"
        );
    }

    #[test]
    fn creates_missing_keys_once_per_parent() {
        let got = many(
            "a: 1\n",
            &[("x.image.name", "nginx"), ("x.image.tag", "v1"), ("b", "2")],
        )
        .unwrap();
        assert_eq!(got, "a: 1\nx:\n  image:\n    name: nginx\n    tag: v1\nb: \"2\"\n");
        let got = many("a: 1", &[("x.w", "1.0.0"), ("z", "v")]).unwrap();
        assert_eq!(got, "a: 1\nx:\n  w: 1.0.0\nz: v\n");
    }

    #[test]
    fn nested_parent_ending_at_the_same_byte() {
        let got = many("image:\n  name: x\n", &[("replicas", "two"), ("image.tag", "v1")]).unwrap();
        assert_eq!(got, "image:\n  name: x\n  tag: v1\nreplicas: two\n");
    }

    #[test]
    fn flow_mappings_and_bare_documents() {
        assert_eq!(set("image: {}\n", "image.tag", "v1").unwrap(), "image: {tag: v1}\n");
        assert_eq!(
            set("image: {name: a}\n", "image.s.tag", "v1").unwrap(),
            "image: {name: a, s: {tag: v1}}\n"
        );
        assert_eq!(
            many("{}\n", &[("a.b", "1.0.0"), ("c", "x")]).unwrap(),
            "a:\n  b: 1.0.0\nc: x\n"
        );
    }

    #[test]
    fn later_value_wins() {
        assert_eq!(many("tag: a\n", &[("tag", "b"), ("tag", "c")]).unwrap(), "tag: c\n");
        assert_eq!(
            many("x: 1\n", &[("t.a", "b"), ("t.a", "c")]).unwrap(),
            "x: 1\nt:\n  a: c\n"
        );
    }

    #[test]
    fn conflicting_creations_are_refused() {
        let want = "line 1: keys `a.b` and `a.b.c` cannot both be set: the first is a string, and the second needs a \
                    mapping there";
        assert_eq!(many("x: 1\n", &[("a.b", "v"), ("a.b.c", "w")]).unwrap_err(), want);
        assert_eq!(many("x: 1\n", &[("a.b.c", "w"), ("a.b", "v")]).unwrap_err(), want);
    }

    #[test]
    fn empty_values_are_skipped() {
        assert_eq!(
            many("image:\n  tag: v1\n", &[("image.tag", ""), ("image.digest", "")]).unwrap(),
            "image:\n  tag: v1\n"
        );
    }

    #[test]
    fn short_form_with_a_registry_key() {
        let t = "image:\n  registry: docker.io\n  name: bitnami/nginx\n";
        assert_eq!(set(t, "image.name", "docker.io/bitnami/nginx").unwrap(), t);
        let got = set(t, "image.name", "ghcr.io/bitnami/nginx").unwrap();
        assert_eq!(got, "image:\n  registry: ghcr.io\n  name: bitnami/nginx\n");
        let t = "image:\n  registry: \"\"\n  name: bitnami/nginx\n";
        assert_eq!(set(t, "image.name", "index.docker.io/bitnami/nginx").unwrap(), t);
        // Without a registry key the name is written as given.
        let got = set("image:\n  name: acme/app\n", "image.name", "ghcr.io/acme/app").unwrap();
        assert_eq!(got, "image:\n  name: ghcr.io/acme/app\n");
    }

    #[test]
    fn aliases_are_followed() {
        let t = "v: &v 1.0.0\nimage:\n  tag: *v\n";
        assert_eq!(
            set(t, "image.tag", "2.0.0").unwrap(),
            "v: &v 2.0.0\nimage:\n  tag: *v\n"
        );
        let t = "base: &b\n  tag: x\nimage: *b\n";
        assert_eq!(set(t, "image.tag", "w").unwrap(), "base: &b\n  tag: w\nimage: *b\n");
    }

    #[test]
    fn errors_name_key_and_line() {
        let t = "a: 1\nimage:\n  tag:\n  - x\n  - y\n";
        let e = set(t, "image.tag[3]", "v").unwrap_err();
        assert_eq!(
            e,
            "line 3: key `image.tag[3]`: index [3] is out of range (list has 2 items)"
        );
        let e = set(t, "image.tag", "v").unwrap_err();
        assert!(
            e.starts_with("line 3: key `image.tag`: `tag` is a list of 2 items"),
            "{e}"
        );
        let e = set(t, "a.b", "v").unwrap_err();
        assert_eq!(e, "line 1: key `a.b`: `a` is the value `1`, so it has no key `b`");
        let e = set(t, "image", "v").unwrap_err();
        assert_eq!(e, "line 2: key `image` is a mapping; tagbump only sets strings");
        let e = set(t, "new[0].tag", "v").unwrap_err();
        assert!(e.starts_with("line 1: key `new[0].tag`: `new` does not exist"), "{e}");
        let e = set("- a\n", "a", "v").unwrap_err();
        assert_eq!(
            e,
            "line 1: key `a`: the values file is a list of 1 item, not a mapping of keys"
        );
        let e = set("tag: |\n  x\n", "tag", "v").unwrap_err();
        assert!(e.contains(": key `tag`: `x\n` is a block scalar"), "{e}");
    }

    #[test]
    fn creates_after_a_block_scalar() {
        let t = "a:\n  s: |\n    x\nc: 1\n";
        assert_eq!(set(t, "a.tag", "v").unwrap(), "a:\n  s: |\n    x\n  tag: v\nc: 1\n");
        let t = "r:\n  a:\n    s: |+\n      x\n\n  c: 1\n";
        assert_eq!(
            set(t, "r.a.tag", "v").unwrap(),
            "r:\n  a:\n    s: |+\n      x\n\n    tag: v\n  c: 1\n"
        );
    }

    #[test]
    fn empty_files_are_refused_with_a_hint() {
        for t in ["", "# only a comment\n", "---\n", "~\n"] {
            let e = set(t, "image.tag", "v").unwrap_err();
            assert!(
                e.starts_with("line 1: key `image.tag`: the values file has no content\nhint: "),
                "{t:?}: {e}"
            );
        }
    }

    #[test]
    fn only_the_first_document_is_read() {
        assert_eq!(set("a: 1\n---\nb: 2\n", "b", "v").unwrap(), "a: 1\nb: v\n---\nb: 2\n");
    }

    #[test]
    fn an_error_adds_nothing() {
        let doc = YamlDoc::parse("a: x\nb: [1]\n").unwrap();
        let mut edits = Edits::default();
        let values = [("a".to_string(), "y".to_string()), ("b.c".to_string(), "z".to_string())];
        assert!(set_values(&doc, &values, &mut edits).is_err());
        assert!(edits.is_empty());
    }
}
