//! An image reference as three strings, and the lenient split used on values found in files.
//!
//! The fields keep the text as written (`nginx` stays `nginx`, not
//! `docker.io/library/nginx`), because an editor must write back what the file's author
//! wrote; normalisation is a separate question ([`super::normalize`]). Values found in files
//! are split with kustomize's rule, which never fails: a templated tag such as
//! `{GENERATED_TAG}` or an odd digest is still somebody's image, and refusing to read it would
//! only hide it from the user.

use std::fmt;

/// `name[:tag][@digest]`, each part as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// Registry (when written) and repository path: `nginx`, `localhost:5000/app`,
    /// `ghcr.io/acme/app`.
    pub name: String,
    /// The text after the tag's `:`.
    pub tag: Option<String>,
    /// `algorithm:encoded`, without the `@`.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Split a value found in a file, without judging it.
    ///
    /// The digest is everything after the first `@`. A `:` after the last `/` starts the
    /// tag, so a registry port stays in the name (`foo.com:443/nginx:1.2.3` is
    /// `foo.com:443/nginx` tagged `1.2.3`, and `localhost:5000/app` has no tag). An empty tag
    /// or digest (`nginx:`) is kept as `Some("")`, so that [`Display`](fmt::Display) gives back
    /// the original text.
    pub fn split(s: &str) -> ImageRef {
        let (rest, digest) = match s.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest.to_string())),
            None => (s, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].find(':') {
            Some(i) => {
                let colon = last_slash + i;
                (&rest[..colon], Some(rest[colon + 1..].to_string()))
            }
            None => (rest, None),
        };
        ImageRef {
            name: name.to_string(),
            tag,
            digest,
        }
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> (String, Option<String>, Option<String>) {
        let r = ImageRef::split(s);
        (r.name, r.tag, r.digest)
    }

    fn parts(name: &str, tag: Option<&str>, digest: Option<&str>) -> (String, Option<String>, Option<String>) {
        (name.to_string(), tag.map(Into::into), digest.map(Into::into))
    }

    #[test]
    fn split_plain_names() {
        assert_eq!(split("nginx"), parts("nginx", None, None));
        assert_eq!(split("library/nginx"), parts("library/nginx", None, None));
        assert_eq!(split("ghcr.io/acme/app"), parts("ghcr.io/acme/app", None, None));
    }

    #[test]
    fn split_tag_and_digest() {
        assert_eq!(split("nginx:1.2.3"), parts("nginx", Some("1.2.3"), None));
        assert_eq!(split("nginx@sha256:12345"), parts("nginx", None, Some("sha256:12345")));
        assert_eq!(
            split("nginx:1.2.3@sha256:12345"),
            parts("nginx", Some("1.2.3"), Some("sha256:12345"))
        );
    }

    #[test]
    fn split_registry_port_is_not_a_tag() {
        assert_eq!(split("localhost:5000/app"), parts("localhost:5000/app", None, None));
        assert_eq!(
            split("foo.com:443/nginx:1.2.3"),
            parts("foo.com:443/nginx", Some("1.2.3"), None)
        );
        assert_eq!(
            split("foo.com:443/nginx:1.2.3@sha256:12345"),
            parts("foo.com:443/nginx", Some("1.2.3"), Some("sha256:12345"))
        );
        assert_eq!(split("[::1]:5000/a:v1"), parts("[::1]:5000/a", Some("v1"), None));
    }

    #[test]
    fn split_keeps_templated_and_odd_values() {
        assert_eq!(
            split("my-image:{GENERATED_TAG}"),
            parts("my-image", Some("{GENERATED_TAG}"), None)
        );
        assert_eq!(
            split("nginx@multihash+base58:Qm1"),
            parts("nginx", None, Some("multihash+base58:Qm1"))
        );
        assert_eq!(split("nginx:"), parts("nginx", Some(""), None));
        assert_eq!(split(""), parts("", None, None));
    }

    #[test]
    fn display_round_trips_split() {
        for s in [
            "nginx",
            "nginx:1",
            "nginx@sha256:1",
            "nginx:1@sha256:1",
            "localhost:5000/a/b:c",
            "nginx:",
            "x@",
            "a:{T}",
        ] {
            assert_eq!(ImageRef::split(s).to_string(), s);
        }
    }
}
