//! From resolved images to file edits in a tree, and from edits to "bumps" (which image
//! went from what to what, in which files) for messages and outputs.
//!
//! Each file receives exactly the images whose scope covers it (the config's `files`, and
//! the image's own `files` when it has them), so `envs/prod/` can be restricted to one
//! image while `envs/dev/` takes all of them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::resolve_all::Resolved;
use crate::bump::{self, Planned, Scope, ScopeError, TreeError, TreeOptions};
use crate::config::Config;
use crate::edit::file::{FileEdit, FileOptions, edit_file};
use crate::edit::request::{KclPath, ValuesKey};
use crate::edit::{Request, Target};
use crate::image::{self, ImageRef};
use crate::scan::Candidate;

/// One image's change in this run.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Bump {
    /// The image's short name.
    pub name: String,
    /// The image (repository) as configured.
    pub image: String,
    /// The values found before (tags, digests or whole references), distinct, sorted.
    pub old: Vec<String>,
    /// The tag (and `@digest` when pinned) written.
    pub new: String,
    /// The full reference written.
    pub reference: String,
    /// The files it changed, relative to the repo root.
    pub files: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error(transparent)]
    Tree(#[from] TreeError),
}

/// The tree's scopes, compiled once per run.
pub struct Scopes {
    all: Scope,
    images: Vec<Scope>,
}

impl Scopes {
    pub fn new(config: &Config) -> Result<Scopes, ScopeError> {
        Ok(Scopes {
            all: Scope::new(&config.files)?,
            images: config
                .images
                .iter()
                .map(|i| Scope::new(&i.files))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// The request for one file: the images whose scopes cover it.
fn plan_file(
    config: &Config,
    scopes: &Scopes,
    resolved: &[Resolved],
    c: &Candidate,
    only: Option<usize>,
) -> Option<Planned> {
    if !scopes.all.contains(&c.path) {
        return None;
    }
    let mut req = Request::default();
    let mut explicit = c.explicit || scopes.all.names_file(&c.path);
    for r in resolved {
        if only.is_some_and(|o| o != r.index) {
            continue;
        }
        let spec = &config.images[r.index];
        let scope = &scopes.images[r.index];
        if !scope.is_everything() {
            if !scope.contains(&c.path) {
                continue;
            }
            explicit |= scope.names_file(&c.path);
        }
        let t = req.targets.len();
        req.targets.push(Target {
            image: r.reference.clone(),
        });
        for (path, part) in &spec.helm_keys {
            req.values_keys.push(ValuesKey {
                path: path.clone(),
                part: *part,
                target: t,
            });
        }
        for p in &spec.kcl_paths {
            req.kcl_paths.push(KclPath {
                path: p.clone(),
                target: t,
            });
        }
        for f in &spec.flux_policies {
            req.flux_policies.push((f.clone(), t));
        }
    }
    if req.targets.is_empty() {
        return None;
    }
    Some(Planned { request: req, explicit })
}

/// Edit the tree at `root` in memory.
pub fn edit(root: &Path, config: &Config, scopes: &Scopes, resolved: &[Resolved]) -> Result<Vec<FileEdit>, PlanError> {
    let roots: Vec<PathBuf> = scopes.all.roots();
    // A configured path that does not exist in this checkout is an error (a typo would
    // otherwise bump nothing, silently); a glob may match nothing.
    let files = bump::edit_tree(
        root,
        &roots,
        |c| plan_file(config, scopes, resolved, c, None),
        TreeOptions::default(),
    )?;
    Ok(files)
}

/// Which image changed what: each changed file is edited again per image (in memory; only
/// changed files, so cheap), which attributes every splice to its image exactly.
pub fn bumps(config: &Config, scopes: &Scopes, resolved: &[Resolved], files: &[FileEdit]) -> Vec<Bump> {
    let mut out = Vec::new();
    for r in resolved {
        let spec = &config.images[r.index];
        let mut old = BTreeSet::new();
        let mut touched = Vec::new();
        for f in files {
            let c = Candidate {
                path: f.path.clone(),
                explicit: false,
                top_level: false,
            };
            let Some(planned) = plan_file(config, scopes, resolved, &c, Some(r.index)) else {
                continue;
            };
            let opts = FileOptions {
                add_entries: false,
                explicit: planned.explicit,
            };
            let Ok(Some(edit)) = edit_file(&f.path, &f.original, &planned.request, opts) else {
                continue;
            };
            for s in &edit.splices {
                old.insert(old_value(&spec.image, &s.old));
            }
            touched.push(f.path.to_string_lossy().replace('\\', "/"));
        }
        if touched.is_empty() {
            continue;
        }
        old.remove("");
        out.push(Bump {
            name: spec.name.clone(),
            image: spec.image.name.clone(),
            old: old.into_iter().collect(),
            new: version_of(&r.reference),
            reference: r.reference.to_string(),
            files: touched,
        });
    }
    out
}

/// `1.5.0`, `1.5.0@sha256:...`, or `@sha256:...`.
pub fn version_of(r: &ImageRef) -> String {
    match (&r.tag, &r.digest) {
        (Some(t), Some(d)) => format!("{t}@{d}"),
        (Some(t), None) => t.clone(),
        (None, Some(d)) => format!("@{d}"),
        (None, None) => String::new(),
    }
}

/// The old value as a version: a whole reference to this image becomes its tag/digest; a
/// bare tag, digest or name stays as it was.
fn old_value(image: &ImageRef, old: &str) -> String {
    let split = ImageRef::split(old);
    if (old.contains(':') || old.contains('@')) && !split.name.is_empty() && image::same_name(&split.name, &image.name)
    {
        return version_of(&split);
    }
    old.to_string()
}
