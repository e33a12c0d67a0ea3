//! Docker's normalisation: which registry and repository a name denotes.
//!
//! Files spell one image many ways (`nginx`, `library/nginx`, `docker.io/library/nginx`,
//! `index.docker.io/library/nginx`), and a bump for one must find all of them. The rule is
//! Docker's own (`distribution/reference`, `normalize.go`), so tagbump agrees with what the
//! container runtime will pull: the first path component is a registry only if it contains
//! `.` or `:`, is `localhost`, or has an uppercase letter; Docker Hub is the default; and
//! `library/` is added only to a single-component Docker Hub name. The registry host is
//! compared without case (DNS ignores it); the repository path is compared exactly.

use super::ImageRef;

/// Docker Hub, as normalised names spell it.
pub(crate) const DOCKER_HUB: &str = "docker.io";

/// Other hosts that serve Docker Hub.
const DOCKER_HUB_ALIASES: [&str; 2] = ["index.docker.io", "registry-1.docker.io"];

/// Split a bare name into its registry as written (when there is one) and the repository
/// path, with Docker's rule for telling a registry from a first path component.
pub fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':']) || first == "localhost" || first.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

/// The registry host a bare name denotes, lowercased, with Docker Hub's aliases folded
/// into `docker.io`.
fn registry_of(name: &str) -> String {
    split_domain(name)
        .0
        .map_or_else(|| DOCKER_HUB.to_string(), canonical_registry)
}

/// A registry host as compared: lowercased, Docker Hub's aliases folded into `docker.io`.
pub fn canonical_registry(host: &str) -> String {
    let host = host.to_ascii_lowercase();
    if DOCKER_HUB_ALIASES.contains(&host.as_str()) {
        DOCKER_HUB.to_string()
    } else {
        host
    }
}

/// The repository path a bare name denotes (`library/nginx` for `nginx`).
fn repository_of(name: &str) -> String {
    let path = split_domain(name).1;
    if registry_of(name) == DOCKER_HUB && !path.contains('/') {
        format!("library/{path}")
    } else {
        path.to_string()
    }
}

impl ImageRef {
    /// The registry host: `docker.io` for `nginx`, `library/nginx` and `index.docker.io/x`;
    /// `localhost:5000` for `localhost:5000/app`. Lowercased.
    pub fn registry(&self) -> String {
        registry_of(&self.name)
    }

    /// The repository path within the registry: `library/nginx` for `nginx`.
    pub fn repository(&self) -> String {
        repository_of(&self.name)
    }

    /// `registry/repository`, e.g. `docker.io/library/nginx`.
    pub fn canonical_name(&self) -> String {
        canonical_name(&self.name)
    }
}

/// The canonical form of a bare name (no tag or digest): `docker.io/library/nginx` for
/// `nginx`.
pub fn canonical_name(name: &str) -> String {
    format!("{}/{}", registry_of(name), repository_of(name))
}

/// Whether two bare names denote the same repository once normalised.
///
/// [`canonical_name`] of both, compared without building them: the editors ask this of
/// every image-like value in a tree.
pub fn same_name(a: &str, b: &str) -> bool {
    /// The registry, `None` for Docker Hub (by any of its names), and the repository path
    /// split as `prefix` + `path` (`library/` + `nginx` for Docker Hub's `nginx`).
    fn parts(name: &str) -> (Option<&str>, &'static str, &str) {
        let (host, path) = split_domain(name);
        let host = host.filter(|h| {
            !(h.eq_ignore_ascii_case(DOCKER_HUB) || DOCKER_HUB_ALIASES.iter().any(|a| h.eq_ignore_ascii_case(a)))
        });
        let prefix = if host.is_none() && !path.contains('/') {
            "library/"
        } else {
            ""
        };
        (host, prefix, path)
    }
    if a == b {
        return true;
    }
    let ((ha, pa, ra), (hb, pb, rb)) = (parts(a), parts(b));
    let same_host = match (ha, hb) {
        (None, None) => true,
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    };
    same_host
        && pa.len() + ra.len() == pb.len() + rb.len()
        && pa.bytes().chain(ra.bytes()).eq(pb.bytes().chain(rb.bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(name: &str) -> (String, String) {
        let r = ImageRef {
            name: name.into(),
            tag: None,
            digest: None,
        };
        (r.registry(), r.repository())
    }

    #[test]
    fn docker_hub_names() {
        let hub = ("docker.io".to_string(), "library/nginx".to_string());
        assert_eq!(parts("nginx"), hub);
        assert_eq!(parts("library/nginx"), hub);
        assert_eq!(parts("docker.io/nginx"), hub);
        assert_eq!(parts("docker.io/library/nginx"), hub);
        assert_eq!(parts("index.docker.io/library/nginx"), hub);
        assert_eq!(parts("registry-1.docker.io/nginx"), hub);
        assert_eq!(parts("Docker.IO/nginx"), hub);
        assert_eq!(parts("acme/app"), ("docker.io".into(), "acme/app".into()));
        assert_eq!(parts("index.docker.io/x"), ("docker.io".into(), "library/x".into()));
    }

    #[test]
    fn other_registries() {
        assert_eq!(parts("localhost:5000/app"), ("localhost:5000".into(), "app".into()));
        assert_eq!(parts("localhost/app"), ("localhost".into(), "app".into()));
        assert_eq!(parts("127.0.0.1:5000/a/b"), ("127.0.0.1:5000".into(), "a/b".into()));
        assert_eq!(parts("[::1]:5000/a"), ("[::1]:5000".into(), "a".into()));
        assert_eq!(parts("ghcr.io/acme/app"), ("ghcr.io".into(), "acme/app".into()));
        assert_eq!(parts("GHCR.io/acme/app"), ("ghcr.io".into(), "acme/app".into()));
        // Docker's rule: an uppercase first component can only be a host.
        assert_eq!(parts("Foo/bar"), ("foo".into(), "bar".into()));
        // No `library/` outside Docker Hub.
        assert_eq!(parts("ghcr.io/app"), ("ghcr.io".into(), "app".into()));
    }

    #[test]
    fn canonical_names() {
        assert_eq!(canonical_name("nginx"), "docker.io/library/nginx");
        assert_eq!(canonical_name("docker.io/foo"), "docker.io/library/foo");
        assert_eq!(canonical_name("docker.io/foo/bar"), "docker.io/foo/bar");
        assert_eq!(canonical_name("localhost:5000/app"), "localhost:5000/app");
        let r = ImageRef::split("quay.io/org/app:v1@sha256:0");
        assert_eq!(r.canonical_name(), "quay.io/org/app");
    }

    #[test]
    fn same_name_is_registry_aware() {
        for other in [
            "docker.io/library/nginx",
            "index.docker.io/library/nginx",
            "registry-1.docker.io/library/nginx",
            "library/nginx",
            "docker.io/nginx",
            "DOCKER.IO/nginx",
        ] {
            assert!(same_name("nginx", other), "nginx vs {other}");
            assert!(same_name(other, "nginx"), "{other} vs nginx");
        }
        assert!(same_name("docker.io/foo", "foo"));
        assert!(same_name("GHCR.IO/acme/app", "ghcr.io/acme/app"));
    }

    #[test]
    fn same_name_is_otherwise_exact() {
        assert!(!same_name("nginx", "not_nginx"));
        assert!(!same_name("nginx", "acme/nginx"));
        assert!(!same_name("docker.io/acme/app", "acme/app/x"));
        assert!(!same_name("ghcr.io/acme/app", "docker.io/acme/app"));
        assert!(!same_name("ghcr.io/acme/App", "ghcr.io/acme/app"));
        assert!(!same_name("localhost:5000/app", "localhost/app"));
        assert!(!same_name("ghcr.io/app", "ghcr.io/library/app"));
    }

    /// `same_name` compares canonical names without building them; it must agree with
    /// comparing the built ones.
    #[test]
    fn same_name_is_equality_of_canonical_names() {
        let names = [
            "nginx",
            "library/nginx",
            "docker.io/nginx",
            "Docker.IO/library/nginx",
            "index.docker.io/nginx",
            "registry-1.docker.io/library/nginx",
            "library/library/nginx",
            "docker.io/library/library/nginx",
            "acme/app",
            "docker.io/acme/app",
            "ghcr.io/acme/app",
            "GHCR.io/acme/app",
            "ghcr.io/acme/App",
            "ghcr.io/app",
            "ghcr.io/library/app",
            "localhost/app",
            "localhost:5000/app",
            "LOCALHOST/app",
            "Foo/bar",
            "foo/bar",
            "[::1]:5000/a",
            "a",
            "",
            "/",
            "docker.io/",
            "library/",
        ];
        for a in names {
            for b in names {
                assert_eq!(same_name(a, b), canonical_name(a) == canonical_name(b), "{a} vs {b}");
            }
        }
    }
}
