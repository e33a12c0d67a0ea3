//! One kustomize `images:` entry applied to an image string, as kustomize's image transformer
//! does it.
//!
//! `name` matches the whole repository name as written (no normalisation; that is
//! kustomize's rule, pinned by its own tests), optionally followed by a tag and/or digest.
//! `newName` keeps the tag and digest; `newTag` replaces the tag and drops a digest; `digest`
//! drops the tag; `newTag` plus `digest` writes both; `tagSuffix` appends to the tag.

use crate::edit::target::join;
use crate::image::{ImageRef, kustomize_name_matches};

/// A kustomize `images:` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageRule {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
    pub tag_suffix: Option<String>,
}

impl ImageRule {
    /// The rewritten image string, or `None` when the rule does not apply to `value`.
    pub fn apply(&self, value: &str) -> Option<String> {
        if !kustomize_name_matches(&self.name, value) {
            return None;
        }
        let old = ImageRef::split(value);
        let name = self.new_name.as_deref().unwrap_or(&old.name);
        let suffixed;
        let (tag, digest) = match (&self.new_tag, &self.digest) {
            (Some(t), Some(d)) => (Some(t.as_str()), Some(d.as_str())),
            (Some(t), None) => (Some(t.as_str()), None),
            (None, Some(d)) => (None, Some(d.as_str())),
            (None, None) => match (&self.tag_suffix, &old.tag) {
                (Some(sfx), Some(t)) => {
                    suffixed = format!("{t}{sfx}");
                    (Some(suffixed.as_str()), old.digest.as_deref())
                }
                _ => (old.tag.as_deref(), old.digest.as_deref()),
            },
        };
        Some(join(name, tag, digest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str, new_name: Option<&str>, tag: Option<&str>, digest: Option<&str>) -> ImageRule {
        ImageRule {
            name: name.into(),
            new_name: new_name.map(Into::into),
            new_tag: tag.map(Into::into),
            digest: digest.map(Into::into),
            tag_suffix: None,
        }
    }

    #[test]
    fn kustomize_rules() {
        let r = rule("nginx", None, Some("v2"), None);
        assert_eq!(r.apply("nginx@sha256:1").unwrap(), "nginx:v2");
        assert_eq!(r.apply("nginx").unwrap(), "nginx:v2");
        assert_eq!(r.apply("not_nginx:1"), None);
        let r = rule("nginx", Some("apache"), None, None);
        assert_eq!(r.apply("nginx:1.2@sha256:x").unwrap(), "apache:1.2@sha256:x");
        let r = rule("nginx", None, None, Some("sha256:2"));
        assert_eq!(r.apply("nginx:1").unwrap(), "nginx@sha256:2");
        let r = rule("foo.com:443/nginx", None, Some("2"), Some("sha256:3"));
        assert_eq!(r.apply("foo.com:443/nginx:1").unwrap(), "foo.com:443/nginx:2@sha256:3");
    }
}
