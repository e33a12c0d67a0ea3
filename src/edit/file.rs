//! One file, start to finish: pick the editors that apply to it, collect their splices,
//! apply them and prove the result. Either the whole edit of a file holds, or the file is
//! refused with an error that names it and the line.
//!
//! Editors per file:
//! - every YAML file: image fields by shape ([`super::workload`]), marker comments
//!   ([`super::marker`]), Helm `repository`/`tag` pairs ([`super::helm`]);
//! - kustomizations: their `images:` entries ([`super::kustomize::entries`]);
//! - files the user named with `--path FILE`: the explicit Helm key paths and KCL override
//!   paths (never applied to every file of a directory: a missing key would be created there);
//! - `.argocd-source-<app>.yaml`: Argo CD Image Updater's write-back shape;
//! - `.k` files: KCL string literals and override paths ([`super::kcl`]).

use std::path::{Path, PathBuf};

use super::kcl::{self, KclOverride};
use super::workload::{Walk, image_fields, rewrite_fields};
use super::yaml::{Edits, YamlDoc, YamlError};
use super::{Request, Splice, argocd, helm, kustomize, marker};

/// The kinds of file tagbump edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Yaml,
    Kcl,
}

/// Which kind of file a path is, by name; `None` for files tagbump does not read.
pub fn kind_of(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    if name.ends_with(".yaml") || name.ends_with(".yml") || name == "Kustomization" {
        Some(FileKind::Yaml)
    } else if name.ends_with(".k") {
        Some(FileKind::Kcl)
    } else {
        None
    }
}

/// The edit of one file.
#[derive(Debug, Clone)]
pub struct FileEdit {
    pub path: PathBuf,
    pub original: String,
    pub updated: String,
    pub splices: Vec<Splice>,
}

/// A file that could not be edited. Nothing is written when any file fails.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{}: not UTF-8 text; tagbump only edits UTF-8 files", path.display())]
    NotUtf8 { path: PathBuf },
    /// The file could not be read (permissions, vanished); the `fs_err` message names it.
    #[error("{0}")]
    Read(std::io::Error),
    #[error("{}: {size} bytes is more than the limit of {limit} bytes\nhint: raise it with --max-file-size if this file really holds image references", path.display())]
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    #[error("{}: {cause}", path.display())]
    Yaml { path: PathBuf, cause: YamlError },
    #[error("{}: {cause}", path.display())]
    Helm { path: PathBuf, cause: Box<helm::HelmError> },
    #[error("{}: {cause}", path.display())]
    Argocd { path: PathBuf, cause: argocd::ArgocdError },
    #[error("{}: {cause}", path.display())]
    Kcl { path: PathBuf, cause: kcl::KclError },
}

/// Options that depend on how the file was reached.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileOptions {
    /// Add a kustomization `images:` entry for targets no entry names.
    pub add_entries: bool,
    /// The user named this file itself: explicit key paths and override paths apply to it.
    pub explicit: bool,
}

/// Edit one file's text. `Ok(None)` when nothing changes.
pub fn edit_file(path: &Path, text: &str, req: &Request, opts: FileOptions) -> Result<Option<FileEdit>, FileError> {
    let splices = match kind_of(path) {
        Some(FileKind::Kcl) => edit_kcl(path, text, req, opts)?,
        Some(FileKind::Yaml) | None => {
            let yaml = |cause| FileError::Yaml {
                path: path.to_path_buf(),
                cause,
            };
            // Cheap exit: a file that mentions no target and no marker cannot change.
            let explicit_keys = opts.explicit && !req.values_keys.is_empty();
            if !explicit_keys && !opts.add_entries && !mentions_anything(text, req) {
                return Ok(None);
            }
            let doc = YamlDoc::parse(text).map_err(yaml)?;
            let edits = yaml_edits(path, &doc, req, opts)?;
            if edits.is_empty() {
                return Ok(None);
            }
            let updated = doc.finish(&edits).map_err(yaml)?;
            return Ok(finish(path, text, updated, edits.splices));
        }
    };
    if splices.is_empty() {
        return Ok(None);
    }
    let kcl_err = |cause| FileError::Kcl {
        path: path.to_path_buf(),
        cause,
    };
    let updated = super::splice::apply(text, &splices).map_err(|e| FileError::Yaml {
        path: path.to_path_buf(),
        cause: e.into(),
    })?;
    kcl::verify(text, &updated, &splices).map_err(kcl_err)?;
    Ok(finish(path, text, updated, splices))
}

fn finish(path: &Path, text: &str, updated: String, mut splices: Vec<Splice>) -> Option<FileEdit> {
    if updated == text {
        return None;
    }
    splices.sort_by_key(|s| s.range.start);
    splices.dedup_by(|a, b| a.range == b.range && a.text == b.text);
    Some(FileEdit {
        path: path.to_path_buf(),
        original: text.to_string(),
        updated,
        splices,
    })
}

/// Whether the text could hold anything this request edits: the last path component of a
/// target's name, a marker, or an explicit key. Saves parsing most files of a large repo.
fn mentions_anything(text: &str, req: &Request) -> bool {
    // A backslash may be an escape spelling the name differently in a double-quoted value.
    text.contains('\\')
        || marker::may_contain_markers(text)
        || req.targets.iter().any(|t| {
            let last = t.image.name.rsplit('/').next().unwrap_or(&t.image.name);
            mentions_component(text, last)
        })
}

/// Whether `last` occurs in `text` as a whole last path component of an image name: not
/// inside a longer component (`app` in `app-worker`, `myapp`, `app.kubernetes.io`), and not
/// followed by `/` (`app` in `acme/app/cli`, whose last component is `cli`). Without escapes
/// (the caller looks for backslashes) a value's bytes are the file's bytes, and a name's last
/// component ends the name, so it is followed by `:`, `@`, or the end of the value: a quote,
/// a blank, a flow indicator, a line break or the end of the text.
fn mentions_component(text: &str, last: &str) -> bool {
    // Bytes that extend a component or a path; case too, so that `App` is not `app`'s end.
    let extends = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    let b = text.as_bytes();
    text.match_indices(last).any(|(at, _)| {
        let end = at + last.len();
        let clear_before = at == 0 || !extends(b[at - 1]);
        let clear_after = end == b.len() || !(extends(b[end]) || b[end] == b'/');
        clear_before && clear_after
    })
}

fn yaml_edits(path: &Path, doc: &YamlDoc, req: &Request, opts: FileOptions) -> Result<Edits, FileError> {
    let p = || path.to_path_buf();
    let yaml = |cause| FileError::Yaml { path: p(), cause };
    let mut edits = Edits::default();
    let fields = image_fields(&doc.docs, Walk::Anywhere);
    let rewrite = |v: &str| req.targets.iter().find_map(|t| t.rewrite(v));
    rewrite_fields(doc, &fields, &rewrite, &mut edits).map_err(yaml)?;
    marker::apply(doc, &|m| req.resolve_marker(m), &mut edits).map_err(yaml)?;
    if kustomize::is_kustomization(path) {
        kustomize::entries::bump(doc, &req.targets, opts.add_entries, &mut edits).map_err(yaml)?;
    } else if argocd::is_writeback_file(path) {
        argocd::bump(doc, &req.targets, &mut edits).map_err(|cause| FileError::Argocd { path: p(), cause })?;
    } else {
        let helm = |cause| FileError::Helm {
            path: p(),
            cause: Box::new(cause),
        };
        helm::bump(doc, &req.targets, &mut edits).map_err(helm)?;
        if opts.explicit && !req.values_keys.is_empty() {
            // All keys at once, so two keys under one missing parent create it once.
            let pairs: Vec<(String, String)> = req
                .values_keys
                .iter()
                .filter_map(|k| Some((k.path.clone(), req.part(k.target, k.part)?)))
                .collect();
            helm::set_values(doc, &pairs, &mut edits).map_err(helm)?;
        }
    }
    Ok(edits)
}

fn edit_kcl(path: &Path, text: &str, req: &Request, opts: FileOptions) -> Result<Vec<Splice>, FileError> {
    let overrides: Vec<KclOverride> = req
        .kcl_paths
        .iter()
        .filter(|_| opts.explicit)
        .map(|k| KclOverride {
            path: k.path.clone(),
            value: req.targets[k.target].image.to_string(),
        })
        .collect();
    if overrides.is_empty() && !mentions_anything(text, req) {
        return Ok(Vec::new());
    }
    kcl::edit(text, &req.targets, &overrides).map_err(|cause| FileError::Kcl {
        path: path.to_path_buf(),
        cause,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_mentioned_only_as_a_whole_last_component() {
        for text in [
            "image: ghcr.io/acme/app:1",
            "image: ghcr.io/acme/app@sha256:00",
            "repository: acme/app\n",
            "image: \"ghcr.io/acme/app\"",
            "- 'app'",
            "[app, x]",
            "{image: app}",
            "app",
            "newName: ghcr.io/acme/app\r\n",
            "alias=ghcr.io/acme/app:1",
        ] {
            assert!(mentions_component(text, "app"), "{text}");
        }
        for text in [
            "image: ghcr.io/acme/app-worker:1",
            "image: ghcr.io/acme/app/cli:1",
            "app.kubernetes.io/name: x",
            "image: myapp:1",
            "image: ghcr.io/acme/app_2",
            "image: ghcr.io/acme/apps",
            "image: ghcr.io/acme/App",
            "image: x/2app",
        ] {
            assert!(!mentions_component(text, "app"), "{text}");
        }
    }

    #[test]
    fn file_kinds() {
        assert_eq!(kind_of(Path::new("a/kustomization.yml")), Some(FileKind::Yaml));
        assert_eq!(kind_of(Path::new("Kustomization")), Some(FileKind::Yaml));
        assert_eq!(kind_of(Path::new("main.k")), Some(FileKind::Kcl));
        assert_eq!(kind_of(Path::new("README.md")), None);
    }
}
