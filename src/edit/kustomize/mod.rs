//! Kustomize: the `images:` list of a kustomization, with kustomize's own semantics, and
//! kustomize's image transformer rules for resources.

pub mod entries;
pub mod fieldspec;
pub mod rule;
pub mod set_arg;

use std::path::Path;

/// Whether a file is a kustomization (the names kustomize itself accepts).
pub fn is_kustomization(path: &Path) -> bool {
    matches!(
        path.file_name().and_then(|n| n.to_str()),
        Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
    )
}
