//! Which files a config points at: paths (a file, or a directory and everything under it)
//! and globs (`envs/*/kustomization.yaml`, `apps/**/values*.yaml`), relative to the
//! config repo's root.
//!
//! Globs are matched against the relative path with `/` separators, so a config behaves
//! the same on every runner; `*` stays within one directory, `**` crosses them.

use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

#[derive(Debug, thiserror::Error)]
#[error("invalid glob `{pattern}`: {source}")]
pub struct ScopeError {
    pub pattern: String,
    #[source]
    pub source: globset::Error,
}

/// A set of paths and globs; empty means "everything".
#[derive(Debug, Clone)]
pub struct Scope {
    paths: Vec<PathBuf>,
    globs: Option<GlobSet>,
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

fn normal(p: &Path) -> PathBuf {
    p.components().filter(|c| !matches!(c, Component::CurDir)).collect()
}

impl Scope {
    pub fn new(entries: &[String]) -> Result<Scope, ScopeError> {
        let mut paths = Vec::new();
        let mut set = GlobSetBuilder::new();
        let mut any_glob = false;
        for e in entries {
            if is_glob(e) {
                let glob: Glob = GlobBuilder::new(e.trim_start_matches("./"))
                    .literal_separator(true)
                    .build()
                    .map_err(|source| ScopeError {
                        pattern: e.clone(),
                        source,
                    })?;
                set.add(glob);
                any_glob = true;
            } else {
                paths.push(normal(Path::new(e)));
            }
        }
        let globs = if any_glob {
            Some(set.build().map_err(|source| ScopeError {
                pattern: entries.join(", "),
                source,
            })?)
        } else {
            None
        };
        Ok(Scope { paths, globs })
    }

    pub fn is_everything(&self) -> bool {
        self.paths.is_empty() && self.globs.is_none()
    }

    /// The paths to walk: the plain paths, plus the root when there are globs (their
    /// matches can be anywhere); `["."]` for everything.
    pub fn roots(&self) -> Vec<PathBuf> {
        let mut roots = self.paths.clone();
        if self.globs.is_some() || roots.is_empty() {
            roots.push(PathBuf::from("."));
        }
        roots
    }

    /// Whether the scope names this file itself (a glob matching it, or its exact path), as
    /// opposed to a directory above it.
    pub fn names_file(&self, file: &Path) -> bool {
        let file = normal(file);
        let slashed = file.to_string_lossy().replace('\\', "/");
        self.paths.contains(&file) || self.globs.as_ref().is_some_and(|g| g.is_match(&slashed))
    }

    /// Whether a file (relative to the root) is in scope.
    pub fn contains(&self, file: &Path) -> bool {
        if self.is_everything() {
            return true;
        }
        let file = normal(file);
        if self
            .paths
            .iter()
            .any(|p| p.as_os_str().is_empty() || file.starts_with(p))
        {
            return true;
        }
        let slashed = file.to_string_lossy().replace('\\', "/");
        self.globs.as_ref().is_some_and(|g| g.is_match(&slashed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(e: &[&str]) -> Scope {
        Scope::new(&e.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn paths_and_globs() {
        let s = scope(&[
            "envs/prod/",
            "./base/deploy.yaml",
            "apps/*/values.yaml",
            "charts/**/values-*.yaml",
        ]);
        for yes in [
            "envs/prod/kustomization.yaml",
            "envs/prod/x/y.yaml",
            "base/deploy.yaml",
            "apps/shop/values.yaml",
            "charts/a/b/values-prod.yaml",
        ] {
            assert!(s.contains(Path::new(yes)), "{yes}");
        }
        for no in [
            "envs/production/k.yaml",
            "envs/dev/k.yaml",
            "base/other.yaml",
            "apps/shop/sub/values.yaml",
            "values.yaml",
        ] {
            assert!(!s.contains(Path::new(no)), "{no}");
        }
        assert_eq!(
            s.roots(),
            vec![
                PathBuf::from("envs/prod"),
                PathBuf::from("base/deploy.yaml"),
                PathBuf::from(".")
            ]
        );
    }

    #[test]
    fn empty_is_everything_and_dot_is_root() {
        assert!(scope(&[]).contains(Path::new("a/b.yaml")));
        assert!(scope(&["."]).contains(Path::new("a/b.yaml")));
        assert_eq!(scope(&[]).roots(), vec![PathBuf::from(".")]);
    }

    #[test]
    fn bad_glob_names_the_pattern() {
        let e = Scope::new(&["envs/[prod".to_string()]).unwrap_err();
        assert!(e.to_string().starts_with("invalid glob `envs/[prod`"), "{e}");
    }
}
