//! Platforms (`linux/arm64/v8`) and choosing one from an image index.
//!
//! Matching follows containerd's normalisation: `arm64` without a variant is `arm64/v8`,
//! `arm` without a variant is `arm/v7`, and `aarch64`/`x86_64` are the same as
//! `arm64`/`amd64`; a requested variant must match, a missing one matches any.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// `os/arch[/variant]`.
    pub fn parse(text: &str) -> Result<Platform, String> {
        let parts: Vec<&str> = text.trim().split('/').collect();
        let bad = || format!("invalid platform {text:?}: expected OS/ARCH or OS/ARCH/VARIANT, e.g. linux/arm64");
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform::new(os, arch, None)),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Platform::new(os, arch, Some(variant)))
            }
            _ => Err(bad()),
        }
    }

    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Platform {
        Platform {
            os: os.to_ascii_lowercase(),
            architecture: architecture.to_ascii_lowercase(),
            variant: variant.map(str::to_ascii_lowercase),
        }
    }

    /// The default for newest-build and platform-specific lookups.
    pub fn linux_amd64() -> Platform {
        Platform::new("linux", "amd64", None)
    }

    /// Whether an index entry's platform satisfies this requested one.
    pub fn satisfied_by(&self, offered: &Platform) -> bool {
        let (want_arch, want_variant) = normalise(&self.architecture, self.variant.as_deref());
        let (have_arch, have_variant) = normalise(&offered.architecture, offered.variant.as_deref());
        self.os == offered.os && want_arch == have_arch && (self.variant.is_none() || want_variant == have_variant)
    }
}

fn normalise<'a>(arch: &'a str, variant: Option<&'a str>) -> (&'a str, Option<&'a str>) {
    match (arch, variant) {
        ("x86_64" | "x86-64", v) => ("amd64", v),
        ("aarch64" | "arm64", None | Some("v8" | "8")) => ("arm64", Some("v8")),
        ("aarch64", v) => ("arm64", v),
        ("arm", None | Some("v7" | "7")) => ("arm", Some("v7")),
        ("i386" | "386", v) => ("386", v),
        (a, v) => (a, v),
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        Platform::parse(s).unwrap()
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(p("linux/arm64/v8").to_string(), "linux/arm64/v8");
        assert_eq!(p("Linux/AMD64").to_string(), "linux/amd64");
        for bad in ["linux", "linux/", "/amd64", "a/b/c/d", ""] {
            assert!(Platform::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn matching_normalises_like_containerd() {
        assert!(p("linux/arm64").satisfied_by(&p("linux/arm64/v8")));
        assert!(p("linux/arm64/v8").satisfied_by(&p("linux/arm64")));
        assert!(p("linux/arm64/v8").satisfied_by(&p("linux/aarch64")));
        assert!(p("linux/arm/v7").satisfied_by(&p("linux/arm")));
        assert!(!p("linux/arm/v6").satisfied_by(&p("linux/arm")));
        assert!(
            p("linux/arm").satisfied_by(&p("linux/arm/v6")),
            "no requested variant matches any"
        );
        assert!(p("linux/amd64").satisfied_by(&p("linux/x86_64")));
        assert!(!p("linux/amd64").satisfied_by(&p("windows/amd64")));
        assert!(!p("linux/amd64").satisfied_by(&p("linux/arm64")));
    }
}
