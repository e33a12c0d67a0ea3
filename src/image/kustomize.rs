//! Which image strings a kustomize `images[].name` applies to.
//!
//! kustomize does not normalise: `nginx` matches `nginx:1.25` but not
//! `docker.io/library/nginx`, and `nginx` never matches `not_nginx`. We follow it exactly,
//! because a kustomization's author reads the list with kustomize's eyes and `kustomize build`
//! is what deploys. One deliberate difference: kustomize builds a regular expression from the
//! name, so a `.` in the name matches any character and a `[` makes the pattern invalid (and
//! then nothing matches). We compare the name literally, which agrees with kustomize on every
//! name a registry can hold and never lets a name act as a pattern.

use std::sync::LazyLock;

use regex::Regex;

/// What may follow the name: `:<tag>` (kustomize's tag charset, which allows the `{}` of
/// templated tags) and/or `@<algorithm>:<encoded>` with any OCI digest algorithm.
static SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?::[a-zA-Z0-9_.{}-]*)?(?:@[a-zA-Z0-9]+(?:[+._-][a-zA-Z0-9]+)*:[a-zA-Z0-9=_.{}-]*)?$")
        .expect("static pattern")
});

/// Whether `value`, an image string from a resource, is named by the kustomize
/// `images[].name` `entry_name`: the same name, then optionally a tag and/or a digest.
/// An empty `entry_name` names nothing.
pub fn kustomize_name_matches(entry_name: &str, value: &str) -> bool {
    !entry_name.is_empty() && value.strip_prefix(entry_name).is_some_and(|rest| SUFFIX.is_match(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_with_optional_tag_and_digest() {
        for value in [
            "nginx",
            "nginx:12345",
            "nginx@sha256:xyz",
            "nginx:12345@sha256:xyz",
            "nginx@sha512:cf83e1357eefb8bd",
            "nginx:12345@sha512:xyz",
            "nginx@multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
            "nginx:{GENERATED_TAG}",
            "nginx:",
        ] {
            assert!(kustomize_name_matches("nginx", value), "{value}");
        }
        assert!(kustomize_name_matches("foo.com:443/nginx", "foo.com:443/nginx:1.2.3"));
        assert!(kustomize_name_matches("my-image", "my-image:{GENERATED_TAG}"));
    }

    #[test]
    fn whole_name_only() {
        for value in [
            "apache:12345",
            "not_nginx",
            "nginx2",
            "nginx/sub:1",
            "docker.io/library/nginx",
            "library/nginx",
            "nginx:1 2",
            "nginx:1/2",
            "nginx@sha256",
            "nginx@:x",
            "nginx@sha256:x@y",
            "",
        ] {
            assert!(!kustomize_name_matches("nginx", value), "{value}");
        }
        assert!(!kustomize_name_matches("docker.io/library/nginx", "nginx"));
    }

    #[test]
    fn names_are_not_patterns() {
        assert!(!kustomize_name_matches("[", "nginx"));
        assert!(kustomize_name_matches("[", "[:1"));
        assert!(!kustomize_name_matches("a.b", "axb"));
        assert!(!kustomize_name_matches("ngin.*", "nginx"));
        assert!(!kustomize_name_matches("", ""));
        assert!(!kustomize_name_matches("", ":1"));
    }
}
