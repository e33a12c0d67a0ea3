//! Argo CD Image Updater's write-back file, `.argocd-source-<app>.yaml`.
//!
//! Argo CD reads this file next to an application's sources and lays its parameters over
//! them; Image Updater's `git` write-back keeps its results there. A team moving from Image
//! Updater to tagbump has these files in its repository, and they decide what is deployed, so
//! tagbump bumps them in place rather than leaving them to shadow the real values:
//!
//! ```yaml
//! kustomize:
//!   images:
//!   - ghcr.io/acme/app:1.2.3        # `kustomize edit set image` syntax: name[=newName][:tag][@digest]
//! helm:
//!   parameters:
//!   - name: image.name
//!     value: ghcr.io/acme/app
//!     forcestring: true
//!   - name: image.tag
//!     value: 1.2.3
//!     forcestring: true
//! ```
//!
//! Only existing values change. Image Updater sorts and re-marshals the file on every write;
//! tagbump keeps its order, comments and quoting.

use std::path::Path;

use super::Target;
use super::yaml::{Edits, Node, YamlDoc, YamlError};

/// Why the write-back file could not be bumped.
#[derive(Debug, thiserror::Error)]
pub enum ArgocdError {
    #[error("line {line}: {what}: {msg}")]
    Unsupported { line: usize, what: String, msg: String },
}

impl ArgocdError {
    fn yaml(what: String, e: YamlError) -> Self {
        match e {
            YamlError::Unsupported { line, msg } => ArgocdError::Unsupported { line, what, msg },
            YamlError::BlockScalar { line, value } => ArgocdError::Unsupported {
                line,
                what,
                msg: format!("`{value}` is a block scalar (`|` or `>`); tagbump does not rewrite those"),
            },
            other => ArgocdError::Unsupported {
                line: 1,
                what,
                msg: other.to_string(),
            },
        }
    }
}

/// Whether `path` is an Image Updater write-back file: `.argocd-source.yaml` or
/// `.argocd-source-<app>.yaml` (or `.yml`).
pub fn is_writeback_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let Some(stem) = name.strip_suffix(".yaml").or_else(|| name.strip_suffix(".yml")) else {
        return false;
    };
    match stem.strip_prefix(".argocd-source") {
        Some("") => true,
        Some(rest) => rest.strip_prefix('-').is_some_and(|app| !app.is_empty()),
        None => false,
    }
}

/// Bump the targets' images in a write-back file.
///
/// - `kustomize.images`: an entry whose image (the part after `=`, or the whole entry) names a
///   target gets that part rewritten by [`Target::rewrite`]; a `name=` prefix is kept.
/// - `helm.parameters`: for a parameter `X.name` or `X.repository` (with `X.registry` in front
///   when there is one) whose value names a target, the parameter `X.tag` gets the tag and
///   `X.digest`, when present, the digest. As in a values file, a tag written without a digest
///   clears a non-empty `X.digest` (charts prefer the digest), and no parameter is created.
/// - any other parameter whose value is a whole reference with a tag or digest (Image
///   Updater's `image-spec`, `X.spec: app:1.2.3`) is rewritten like a kustomize entry.
pub fn bump(doc: &YamlDoc, targets: &[Target], edits: &mut Edits) -> Result<(), ArgocdError> {
    let mut planned = Edits::default();
    for (d, root) in doc.docs.iter().enumerate() {
        if let Some((i, images)) = child(root, "kustomize").and_then(|(_, k)| child(k, "images")) {
            let base = vec![d, root.entry("kustomize").expect("found"), i];
            kustomize_images(doc, images, &base, targets, &mut planned)?;
        }
        if let Some((i, params)) = child(root, "helm").and_then(|(_, h)| child(h, "parameters")) {
            let base = vec![d, root.entry("helm").expect("found"), i];
            helm_parameters(doc, params, &base, targets, &mut planned)?;
        }
    }
    edits.extend(planned);
    Ok(())
}

/// Index and value of `key` in a mapping.
fn child<'n>(node: &'n Node, key: &str) -> Option<(usize, &'n Node)> {
    let i = node.entry(key)?;
    Some((i, &node.entries()[i].1))
}

fn kustomize_images(
    doc: &YamlDoc,
    images: &Node,
    base: &[usize],
    targets: &[Target],
    edits: &mut Edits,
) -> Result<(), ArgocdError> {
    for (i, item) in images.items().iter().enumerate() {
        let Some(entry) = item.scalar() else { continue };
        let (prefix, image) = match entry.find('=') {
            Some(eq) => entry.split_at(eq + 1),
            None => ("", entry),
        };
        let Some(new) = targets.iter().find_map(|t| t.rewrite(image)) else {
            continue;
        };
        let mut path = base.to_vec();
        path.push(i);
        let what = format!("kustomize.images[{i}]");
        doc.set(&path, &format!("{prefix}{new}"), edits)
            .map_err(|e| ArgocdError::yaml(what, e))?;
    }
    Ok(())
}

/// One `helm.parameters` item: its index, name, and the index of its `value` entry.
struct Param<'n> {
    index: usize,
    name: &'n str,
    value: Option<(usize, &'n str)>,
}

fn helm_parameters(
    doc: &YamlDoc,
    params: &Node,
    base: &[usize],
    targets: &[Target],
    edits: &mut Edits,
) -> Result<(), ArgocdError> {
    let list: Vec<Param> = params
        .items()
        .iter()
        .enumerate()
        .filter_map(|(index, p)| {
            let name = p.get("name")?.scalar()?;
            let value = p.entry("value").and_then(|v| Some((v, p.entries()[v].1.scalar()?)));
            Some(Param { index, name, value })
        })
        .collect();
    let find = |name: &str| list.iter().find(|p| p.name == name);
    let set = |p: &Param, value: &str, edits: &mut Edits| -> Result<(), ArgocdError> {
        let Some((v, _)) = p.value else { return Ok(()) };
        let mut path = base.to_vec();
        path.extend([p.index, v]);
        let what = format!("helm parameter `{}`", p.name);
        doc.set(&path, value, edits).map_err(|e| ArgocdError::yaml(what, e))
    };
    for p in &list {
        let Some((_, value)) = p.value else { continue };
        let prefix = p
            .name
            .strip_suffix("name")
            .or_else(|| p.name.strip_suffix("repository"));
        let prefix = prefix.filter(|x| x.is_empty() || x.ends_with('.'));
        let Some(prefix) = prefix else {
            let skip = [".tag", ".digest", ".registry"].iter().any(|s| p.name.ends_with(s));
            if !skip && has_tag_or_digest(value) {
                if let Some(new) = targets.iter().find_map(|t| t.rewrite(value)) {
                    set(p, &new, edits)?;
                }
            }
            continue;
        };
        let image = match find(&format!("{prefix}registry"))
            .and_then(|r| r.value)
            .filter(|(_, r)| !r.is_empty())
        {
            Some((_, registry)) => format!("{}/{value}", registry.trim_end_matches('/')),
            None => value.to_string(),
        };
        let Some(t) = targets.iter().find(|t| !value.is_empty() && t.matches_name(&image)) else {
            continue;
        };
        let tag = t.image.tag.as_deref().filter(|t| !t.is_empty());
        if let (Some(tag), Some(tp)) = (tag, find(&format!("{prefix}tag"))) {
            set(tp, tag, edits)?;
        }
        let Some(dp) = find(&format!("{prefix}digest")) else {
            continue;
        };
        let old = dp.value.map(|(_, v)| v).unwrap_or_default();
        match (t.image.digest.as_deref(), tag) {
            (Some(d), _) => set(dp, d, edits)?,
            (None, Some(_)) if !old.is_empty() => set(dp, "", edits)?,
            _ => {}
        }
    }
    Ok(())
}

/// Whether a value reads as a whole image reference: a tag after the last `/`, or a digest.
fn has_tag_or_digest(value: &str) -> bool {
    let last = value.rsplit('/').next().unwrap_or(value);
    value.contains('@') || (last.contains(':') && !value.contains(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bump `text`; `sha256:bbb` in a target stands for a real digest, and reads back as such.
    fn bump_text(text: &str, targets: &[&str]) -> Result<String, String> {
        let digest = format!("sha256:{}", "b".repeat(64));
        let doc = YamlDoc::parse(text).unwrap();
        let targets: Vec<Target> = targets
            .iter()
            .map(|t| Target::parse(&t.replace("sha256:bbb", &digest)).unwrap())
            .collect();
        let mut edits = Edits::default();
        bump(&doc, &targets, &mut edits).map_err(|e| e.to_string())?;
        Ok(doc
            .finish(&edits)
            .map_err(|e| e.to_string())?
            .replace(&digest, "sha256:bbb"))
    }

    #[test]
    fn file_names() {
        for ok in [
            ".argocd-source-app.yaml",
            "envs/prod/.argocd-source-my-app.yml",
            ".argocd-source.yaml",
        ] {
            assert!(is_writeback_file(Path::new(ok)), "{ok}");
        }
        for no in [
            "argocd-source-app.yaml",
            ".argocd-source-.yaml",
            ".argocd-sourcex.yaml",
            ".argocd-source-app.json",
        ] {
            assert!(!is_writeback_file(Path::new(no)), "{no}");
        }
    }

    #[test]
    fn kustomize_images() {
        let t = "\
kustomize:
  images:
  - ghcr.io/acme/app:1.2.3 # ci
  - app=ghcr.io/acme/app@sha256:aaa
  - nginx:1.25
";
        let want = "\
kustomize:
  images:
  - ghcr.io/acme/app:1.3.0 # ci
  - app=ghcr.io/acme/app:1.3.0
  - nginx:1.25
";
        assert_eq!(bump_text(t, &["ghcr.io/acme/app:1.3.0"]).unwrap(), want);
    }

    #[test]
    fn helm_parameters() {
        let t = "\
helm:
  parameters:
  - name: image.name
    value: ghcr.io/acme/app
    forcestring: true
  - name: image.tag
    value: 1.2.3
    forcestring: true
  - name: other.name
    value: ghcr.io/acme/other
  - name: other.tag
    value: 1.2.3
";
        let want = t.replacen("value: 1.2.3", "value: 1.3.0", 1);
        assert_eq!(bump_text(t, &["ghcr.io/acme/app:1.3.0"]).unwrap(), want);
    }

    #[test]
    fn helm_repository_registry_and_digest() {
        let t = "\
helm:
  parameters:
  - name: app.image.tag
    value: '1.0'
  - name: app.image.digest
    value: sha256:aaa
  - name: app.image.registry
    value: ghcr.io
  - name: app.image.repository
    value: acme/app
";
        // A tag alone clears the digest, which charts prefer over the tag.
        let want = t.replace("'1.0'", "'1.1'").replace("sha256:aaa", "\"\"");
        assert_eq!(bump_text(t, &["ghcr.io/acme/app:1.1"]).unwrap(), want);
        let want = t.replace("'1.0'", "'1.1'").replace("sha256:aaa", "sha256:bbb");
        assert_eq!(bump_text(t, &["ghcr.io/acme/app:1.1@sha256:bbb"]).unwrap(), want);
        // Another registry is another image.
        assert_eq!(bump_text(t, &["docker.io/acme/app:1.1"]).unwrap(), t);
    }

    #[test]
    fn image_spec_parameter_and_no_creation() {
        let t = "\
helm:
  parameters:
  - name: image.spec
    value: ghcr.io/acme/app:1.0
  - name: image.name
    value: ghcr.io/acme/app
";
        // `image.spec` is rewritten; `image.tag` does not exist and is not created.
        assert_eq!(
            bump_text(t, &["ghcr.io/acme/app:1.1"]).unwrap(),
            t.replace("app:1.0", "app:1.1")
        );
    }

    #[test]
    fn both_sections_in_one_file() {
        let t = "\
kustomize:
  images:
  - acme/app:v1
helm:
  parameters:
  - name: image.repository
    value: acme/app
  - name: image.tag
    value: v1
";
        assert_eq!(bump_text(t, &["docker.io/acme/app:v2"]).unwrap(), t.replace("v1", "v2"));
    }
}
