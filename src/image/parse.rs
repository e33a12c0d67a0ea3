//! The strict parse of a reference the user typed, with Docker's grammar.
//!
//! A reference given on the command line becomes text in somebody's repository, so it is held
//! to the grammar the container runtime will apply (`distribution/reference`, `regexp.go`)
//! rather than discovered broken at deploy time. The checks run from the outside in (the
//! whole string, then its split into name, tag and digest, then each part) so that the error
//! names the first thing that is wrong with what was typed, not a symptom of it.
//!
//! Digests follow `go-digest` as Docker uses it: `sha256`, `sha384` and `sha512` must have
//! exactly their length of lowercase hex. Other algorithms are accepted when the grammar
//! allows them (at least 32 hex digits), since OCI registries may serve them.

use std::sync::LazyLock;

use regex::Regex;

use super::normalize::split_domain;
use super::{ImageError, ImageRef};

/// The longest name (registry and path) Docker accepts.
const NAME_MAX: usize = 255;

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static pattern")
}

static PATH_COMPONENT: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$"));
static DOMAIN_COMPONENT: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$"));
static IPV6: LazyLock<Regex> = LazyLock::new(|| regex(r"^\[[a-fA-F0-9:]+\]$"));
static TAG: LazyLock<Regex> = LazyLock::new(|| regex(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"));
static ALGORITHM: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*$"));
static IMAGE_ID: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-f0-9]{64}$"));

impl ImageRef {
    /// Parse a reference typed by a user, `[registry[:port]/]path[:tag][@algorithm:hex]`,
    /// refusing anything Docker would refuse, with the reason.
    pub fn parse(s: &str) -> Result<ImageRef, ImageError> {
        let reference = || s.to_string();
        if s.is_empty() {
            return Err(ImageError::Empty);
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ImageError::Whitespace { reference: reference() });
        }
        if let Some((scheme, without)) = s.split_once("://") {
            return Err(ImageError::Scheme {
                reference: reference(),
                scheme: scheme.into(),
                without: without.into(),
            });
        }

        let r = ImageRef::split(s);
        if r.name.is_empty() {
            return Err(ImageError::EmptyName { reference: reference() });
        }
        if r.tag.as_deref() == Some("") {
            return Err(ImageError::EmptyTag { reference: reference() });
        }
        if r.digest.as_deref() == Some("") {
            return Err(ImageError::EmptyDigest { reference: reference() });
        }

        check_name(s, &r.name)?;
        if let Some(tag) = &r.tag {
            if !TAG.is_match(tag) {
                return Err(ImageError::InvalidTag {
                    reference: reference(),
                    tag: tag.clone(),
                });
            }
        }
        if let Some(digest) = &r.digest {
            check_digest(s, digest)?;
        }
        Ok(r)
    }
}

fn check_name(reference: &str, name: &str) -> Result<(), ImageError> {
    let reference = || reference.to_string();
    let (domain, path) = split_domain(name);
    if let Some(domain) = domain {
        if !valid_domain(domain) {
            return Err(ImageError::InvalidRegistry {
                reference: reference(),
                registry: domain.into(),
            });
        }
    }
    for component in path.split('/') {
        if component.is_empty() {
            return Err(ImageError::EmptyComponent { reference: reference() });
        }
        if component.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(ImageError::Uppercase { reference: reference() });
        }
        if !PATH_COMPONENT.is_match(component) {
            return Err(ImageError::InvalidComponent {
                reference: reference(),
                component: component.into(),
            });
        }
    }
    if name.len() > NAME_MAX {
        return Err(ImageError::NameTooLong {
            reference: reference(),
            len: name.len(),
        });
    }
    if domain.is_none() && IMAGE_ID.is_match(path) {
        return Err(ImageError::HexName { reference: reference() });
    }
    Ok(())
}

/// `host[:port]`, where host is a DNS name, an IPv4 address (a DNS name by this grammar) or
/// an IPv6 address in brackets.
fn valid_domain(domain: &str) -> bool {
    let (host, port) = if domain.starts_with('[') {
        match domain.find(']') {
            Some(end) => match &domain[end + 1..] {
                "" => (&domain[..=end], None),
                rest => match rest.strip_prefix(':') {
                    Some(port) => (&domain[..=end], Some(port)),
                    None => return false,
                },
            },
            None => return false,
        }
    } else {
        match domain.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (domain, None),
        }
    };
    let host_ok = if host.starts_with('[') {
        IPV6.is_match(host)
    } else {
        host.split('.').all(|c| DOMAIN_COMPONENT.is_match(c))
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

fn check_digest(reference: &str, digest: &str) -> Result<(), ImageError> {
    let Some((algorithm, encoded)) = digest.split_once(':').filter(|(a, e)| !a.is_empty() && !e.is_empty()) else {
        return Err(ImageError::DigestFormat {
            reference: reference.into(),
            digest: digest.into(),
        });
    };
    if !ALGORITHM.is_match(algorithm) {
        return Err(ImageError::DigestAlgorithm {
            reference: reference.into(),
            algorithm: algorithm.into(),
        });
    }
    let exact = match algorithm {
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    };
    let ok = match exact {
        Some(len) => encoded.len() == len && encoded.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        None => encoded.len() >= 32 && encoded.bytes().all(|b| b.is_ascii_hexdigit()),
    };
    if ok {
        return Ok(());
    }
    let expected = match exact {
        Some(len) => format!("{len} lowercase hex digits after `{algorithm}:`"),
        None => format!("at least 32 hex digits after `{algorithm}:`"),
    };
    Err(ImageError::DigestEncoded {
        reference: reference.into(),
        digest: digest.into(),
        expected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA256: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn ok(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> ImageError {
        match ImageRef::parse(s) {
            Ok(r) => panic!("{s} parsed as {r:?}"),
            Err(e) => e,
        }
    }

    fn norm(s: &str) -> (String, String, Option<String>, Option<String>) {
        let r = ok(s);
        (r.registry(), r.repository(), r.tag, r.digest)
    }

    #[test]
    fn docker_normalisation() {
        let hub = |repo: &str| ("docker.io".to_string(), repo.to_string(), None, None);
        assert_eq!(norm("nginx"), hub("library/nginx"));
        assert_eq!(norm("library/nginx"), hub("library/nginx"));
        assert_eq!(norm("docker.io/nginx"), hub("library/nginx"));
        assert_eq!(norm("docker.io/library/nginx"), hub("library/nginx"));
        assert_eq!(norm("index.docker.io/library/nginx"), hub("library/nginx"));
        assert_eq!(norm("acme/app"), hub("acme/app"));
        assert_eq!(
            norm("localhost:5000/app"),
            ("localhost:5000".into(), "app".into(), None, None)
        );
        assert_eq!(norm("localhost/app"), ("localhost".into(), "app".into(), None, None));
        assert_eq!(
            norm("127.0.0.1:5000/a/b"),
            ("127.0.0.1:5000".into(), "a/b".into(), None, None)
        );
        assert_eq!(norm("[::1]:5000/a"), ("[::1]:5000".into(), "a".into(), None, None));
        assert_eq!(
            norm("[2001:db8::1]/a"),
            ("[2001:db8::1]".into(), "a".into(), None, None)
        );
        assert_eq!(
            norm("ghcr.io/acme/app"),
            ("ghcr.io".into(), "acme/app".into(), None, None)
        );
        assert_eq!(ok("nginx").canonical_name(), "docker.io/library/nginx");
    }

    #[test]
    fn names_are_kept_as_written() {
        let r = ok("localhost:5000/app:v1");
        assert_eq!(r.name, "localhost:5000/app");
        assert_eq!(r.tag.as_deref(), Some("v1"));
        assert_eq!(ok("nginx").name, "nginx");
        assert_eq!(
            ok("Foo/bar").name,
            "Foo/bar",
            "Docker reads an uppercase first component as a host"
        );
    }

    #[test]
    fn tags_and_digests() {
        let r = ok("nginx:1.25.3-alpine");
        assert_eq!((r.tag.as_deref(), r.digest.as_deref()), (Some("1.25.3-alpine"), None));
        let r = ok(&format!("nginx@{SHA256}"));
        assert_eq!((r.tag.as_deref(), r.digest.as_deref()), (None, Some(SHA256)));
        let r = ok(&format!("ghcr.io/acme/app:v1@{SHA256}"));
        assert_eq!(r.name, "ghcr.io/acme/app");
        assert_eq!((r.tag.as_deref(), r.digest.as_deref()), (Some("v1"), Some(SHA256)));
        assert_eq!(r.to_string(), format!("ghcr.io/acme/app:v1@{SHA256}"));
        let r = ok("localhost:5000/app:5000");
        assert_eq!(
            (r.name.as_str(), r.tag.as_deref()),
            ("localhost:5000/app", Some("5000"))
        );
        // Without a `/`, `localhost:5000` is the Docker Hub image `localhost` tagged `5000`.
        let r = ok("localhost:5000");
        assert_eq!((r.name.as_str(), r.tag.as_deref()), ("localhost", Some("5000")));
        ok(&format!("a@sha512:{}", "0".repeat(128)));
        ok(&format!("a@sha384:{}", "f".repeat(96)));
        ok(&format!("a@blake3:{}", "A".repeat(32)));
        ok(&format!("a:{}", "t".repeat(128)));
        ok("tag-ok:_x");
    }

    #[test]
    fn path_separators() {
        for s in ["a.b", "a_b", "a__b", "a-b", "a---b", "acme/a-b.c_d__e/f-0", "0/1"] {
            ok(s);
        }
    }

    #[test]
    fn name_length_limit() {
        let at_limit = format!("a/{}", "b".repeat(253));
        ok(&at_limit);
        let over = format!("a/{}", "b".repeat(254));
        assert_eq!(
            err(&over),
            ImageError::NameTooLong {
                reference: over.clone(),
                len: 256
            }
        );
    }

    #[test]
    fn malformed_references() {
        let r = |s: &str| s.to_string();
        let cases: Vec<(&str, ImageError)> = vec![
            ("", ImageError::Empty),
            (" nginx", ImageError::Whitespace { reference: r(" nginx") }),
            (
                "nginx:1 ",
                ImageError::Whitespace {
                    reference: r("nginx:1 "),
                },
            ),
            (
                "ngi\tnx",
                ImageError::Whitespace {
                    reference: r("ngi\tnx"),
                },
            ),
            (
                "https://ghcr.io/acme/app",
                ImageError::Scheme {
                    reference: r("https://ghcr.io/acme/app"),
                    scheme: r("https"),
                    without: r("ghcr.io/acme/app"),
                },
            ),
            ("nginx:", ImageError::EmptyTag { reference: r("nginx:") }),
            ("nginx@", ImageError::EmptyDigest { reference: r("nginx@") }),
            (
                "nginx:1@",
                ImageError::EmptyDigest {
                    reference: r("nginx:1@"),
                },
            ),
            (":1", ImageError::EmptyName { reference: r(":1") }),
            (
                "@sha256:0",
                ImageError::EmptyName {
                    reference: r("@sha256:0"),
                },
            ),
            (
                "Nginx:1",
                ImageError::Uppercase {
                    reference: r("Nginx:1"),
                },
            ),
            (
                "ghcr.io/Acme/app",
                ImageError::Uppercase {
                    reference: r("ghcr.io/Acme/app"),
                },
            ),
            (
                "acme/App",
                ImageError::Uppercase {
                    reference: r("acme/App"),
                },
            ),
            ("a//b", ImageError::EmptyComponent { reference: r("a//b") }),
            (
                "ghcr.io/",
                ImageError::EmptyComponent {
                    reference: r("ghcr.io/"),
                },
            ),
            ("/nginx", ImageError::EmptyComponent { reference: r("/nginx") }),
            ("nginx/", ImageError::EmptyComponent { reference: r("nginx/") }),
            (
                "-nginx",
                ImageError::InvalidComponent {
                    reference: r("-nginx"),
                    component: r("-nginx"),
                },
            ),
            (
                "nginx-",
                ImageError::InvalidComponent {
                    reference: r("nginx-"),
                    component: r("nginx-"),
                },
            ),
            (
                "a..b",
                ImageError::InvalidComponent {
                    reference: r("a..b"),
                    component: r("a..b"),
                },
            ),
            (
                "a___b",
                ImageError::InvalidComponent {
                    reference: r("a___b"),
                    component: r("a___b"),
                },
            ),
            (
                "a._b",
                ImageError::InvalidComponent {
                    reference: r("a._b"),
                    component: r("a._b"),
                },
            ),
            (
                "acme/ap!p",
                ImageError::InvalidComponent {
                    reference: r("acme/ap!p"),
                    component: r("ap!p"),
                },
            ),
            (
                "ghcr.io/a/b:1:2",
                ImageError::InvalidTag {
                    reference: r("ghcr.io/a/b:1:2"),
                    tag: r("1:2"),
                },
            ),
            (
                "nginx:.1",
                ImageError::InvalidTag {
                    reference: r("nginx:.1"),
                    tag: r(".1"),
                },
            ),
            (
                "nginx:-1",
                ImageError::InvalidTag {
                    reference: r("nginx:-1"),
                    tag: r("-1"),
                },
            ),
            (
                "nginx:{T}",
                ImageError::InvalidTag {
                    reference: r("nginx:{T}"),
                    tag: r("{T}"),
                },
            ),
            (
                "localhost:/app",
                ImageError::InvalidRegistry {
                    reference: r("localhost:/app"),
                    registry: r("localhost:"),
                },
            ),
            (
                "foo:bar/app",
                ImageError::InvalidRegistry {
                    reference: r("foo:bar/app"),
                    registry: r("foo:bar"),
                },
            ),
            (
                "-ghcr.io/app",
                ImageError::InvalidRegistry {
                    reference: r("-ghcr.io/app"),
                    registry: r("-ghcr.io"),
                },
            ),
            (
                "ghcr..io/app",
                ImageError::InvalidRegistry {
                    reference: r("ghcr..io/app"),
                    registry: r("ghcr..io"),
                },
            ),
            (
                "[::1/app",
                ImageError::InvalidRegistry {
                    reference: r("[::1/app"),
                    registry: r("[::1"),
                },
            ),
            (
                "[::1]x/app",
                ImageError::InvalidRegistry {
                    reference: r("[::1]x/app"),
                    registry: r("[::1]x"),
                },
            ),
            (
                "[zz]:5000/app",
                ImageError::InvalidRegistry {
                    reference: r("[zz]:5000/app"),
                    registry: r("[zz]:5000"),
                },
            ),
            (
                "nginx@sha256",
                ImageError::DigestFormat {
                    reference: r("nginx@sha256"),
                    digest: r("sha256"),
                },
            ),
            (
                "nginx@sha256:",
                ImageError::DigestFormat {
                    reference: r("nginx@sha256:"),
                    digest: r("sha256:"),
                },
            ),
            (
                "nginx@SHA256:0",
                ImageError::DigestAlgorithm {
                    reference: r("nginx@SHA256:0"),
                    algorithm: r("SHA256"),
                },
            ),
            (
                "nginx@sha+:0",
                ImageError::DigestAlgorithm {
                    reference: r("nginx@sha+:0"),
                    algorithm: r("sha+"),
                },
            ),
            (
                "nginx@sha256:abc",
                ImageError::DigestEncoded {
                    reference: r("nginx@sha256:abc"),
                    digest: r("sha256:abc"),
                    expected: r("64 lowercase hex digits after `sha256:`"),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(err(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn malformed_digests() {
        let upper = format!("a@sha256:{}", "A".repeat(64));
        assert!(matches!(err(&upper), ImageError::DigestEncoded { .. }));
        let long = format!("a@sha256:{}", "a".repeat(65));
        assert!(matches!(err(&long), ImageError::DigestEncoded { .. }));
        let short512 = format!("a@sha512:{}", "a".repeat(64));
        assert!(matches!(err(&short512), ImageError::DigestEncoded { .. }));
        let short_other = format!("a@blake3:{}", "a".repeat(31));
        assert!(matches!(err(&short_other), ImageError::DigestEncoded { .. }));
        let base58 = "a@multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8";
        assert!(matches!(err(base58), ImageError::DigestEncoded { .. }));
        let twice = format!("a@{SHA256}@{SHA256}");
        assert!(matches!(err(&twice), ImageError::DigestEncoded { .. }));
    }

    #[test]
    fn other_refusals() {
        let id = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(err(id), ImageError::HexName { reference: id.into() });
        ok(&format!("acme/{id}"));
        let tag = format!("a:{}", "t".repeat(129));
        assert!(matches!(err(&tag), ImageError::InvalidTag { .. }));
    }

    #[test]
    fn messages_name_the_reference_and_the_problem() {
        assert_eq!(
            err("Nginx:1").to_string(),
            "invalid image reference `Nginx:1`: repository name must be lowercase"
        );
        assert_eq!(
            err("nginx:").to_string(),
            "invalid image reference `nginx:`: the tag after `:` is empty"
        );
        let scheme = err("docker://nginx").to_string();
        assert!(
            scheme.contains("hint: drop the `docker://` prefix: `nginx`"),
            "{scheme}"
        );
        let digest = err("nginx@sha256:abc").to_string();
        assert_eq!(
            digest,
            "invalid image reference `nginx@sha256:abc`: digest `sha256:abc` is malformed: expected 64 \
             lowercase hex digits after `sha256:`"
        );
    }
}
