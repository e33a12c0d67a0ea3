//! Tags that are never candidates: by default the signature, attestation and SBOM tags
//! that cosign and friends push next to images (`sha256-<hex>.sig`), which would otherwise
//! win an alphabetical or newest-build policy.
//!
//! Patterns are globs over the whole tag: `*` any run, `?` one character, as Argo CD Image
//! Updater's `ignore-tags`.

#[derive(Debug, Clone)]
pub struct Ignore {
    patterns: Vec<String>,
}

/// cosign's signature, attestation and SBOM tags.
pub const DEFAULT: [&str; 3] = ["*.sig", "*.att", "*.sbom"];

impl Default for Ignore {
    fn default() -> Self {
        Ignore::new(DEFAULT.iter().map(|s| s.to_string()).collect())
    }
}

impl Ignore {
    pub fn new(patterns: Vec<String>) -> Ignore {
        Ignore { patterns }
    }

    /// The first pattern a tag matches.
    pub fn matching(&self, tag: &str) -> Option<&str> {
        self.patterns
            .iter()
            .find(|p| glob(p.as_bytes(), tag.as_bytes()))
            .map(String::as_str)
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

/// Iterative wildcard match with backtracking to the last `*` (linear in practice).
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_catch_cosign_tags() {
        let i = Ignore::default();
        assert_eq!(i.matching("sha256-0123abcd.sig"), Some("*.sig"));
        assert_eq!(i.matching("sha256-0123abcd.att"), Some("*.att"));
        assert_eq!(i.matching("sha256-0123abcd.sbom"), Some("*.sbom"));
        assert_eq!(i.matching("1.2.3"), None);
        assert_eq!(i.matching("signature"), None);
        assert_eq!(i.matching("x.sig.bak"), None);
    }

    #[test]
    fn globs() {
        assert!(glob(b"*", b""));
        assert!(glob(b"v1.*", b"v1.2.3"));
        assert!(!glob(b"v1.*", b"v2.0"));
        assert!(glob(b"a?c", b"abc"));
        assert!(!glob(b"a?c", b"ac"));
        assert!(glob(b"*-rc*", b"1.0-rc1"));
        assert!(glob(b"**x*", b"aaxbb"));
        assert!(!glob(b"latest", b"latest2"));
        assert!(glob(b"latest", b"latest"));
    }
}
