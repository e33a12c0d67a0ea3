//! What the user asked for: an image name and the tag and/or digest it should now carry.
//!
//! One rule decides the new text of every image field, whatever the file format, so that a
//! bump means the same thing in a workload, a kustomization, a Helm values file or KCL. It is
//! kustomize's rule, which GitOps users already know: writing a tag drops a digest, writing a
//! digest drops a tag, and writing both keeps both. The name stays as the file spells it
//! (`nginx` is not rewritten to `docker.io/library/nginx`).

use crate::image::{self, ImageRef};

/// One image to bump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Name as the user wrote it; tag and digest are the values to write.
    pub image: ImageRef,
}

/// The error for a `set` argument that names no tag and no digest.
#[derive(Debug, thiserror::Error)]
#[error(
    "image `{0}` has neither a tag nor a digest to set\nhint: write it as NAME:TAG, NAME@sha256:..., or NAME:TAG@sha256:..."
)]
pub struct NothingToSet(pub String);

impl Target {
    /// Parse a `set` argument, `IMAGE[:TAG][@DIGEST]`, which must carry a tag or a digest.
    pub fn parse(arg: &str) -> Result<Self, TargetError> {
        let image = ImageRef::parse(arg)?;
        if image.tag.is_none() && image.digest.is_none() {
            return Err(NothingToSet(arg.to_string()).into());
        }
        Ok(Self { image })
    }

    /// Whether an image name found in a file names this target's repository
    /// (registry-aware: `nginx` is `docker.io/library/nginx`).
    pub fn matches_name(&self, name: &str) -> bool {
        image::same_name(&self.image.name, name)
    }

    /// The new value for an image string found in a file, or `None` when it is another image.
    /// The name is kept as written; tag and digest follow the rule in the module docs.
    pub fn rewrite(&self, old: &str) -> Option<String> {
        let found = ImageRef::split(old);
        if found.name.is_empty() || !self.matches_name(&found.name) {
            return None;
        }
        Some(join(
            &found.name,
            self.image.tag.as_deref(),
            self.image.digest.as_deref(),
        ))
    }
}

/// `name[:tag][@digest]`.
pub fn join(name: &str, tag: Option<&str>, digest: Option<&str>) -> String {
    let mut s = name.to_string();
    if let Some(t) = tag {
        s.push(':');
        s.push_str(t);
    }
    if let Some(d) = digest {
        s.push('@');
        s.push_str(d);
    }
    s
}

/// Why a `set` argument was refused.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error(transparent)]
    Image(#[from] image::ImageError),
    #[error(transparent)]
    Nothing(#[from] NothingToSet),
}
