//! The policy a user names on the command line (`semver:^1.2`, `newest-build`,
//! `alphabetical:desc`, `numerical`, `digest`).
//!
//! Orders mean what they mean in Flux's `ImagePolicy`: `asc` (the default) picks the last
//! tag in ascending order, i.e. the greatest (`z`, `10`, the newest RFC 3339 timestamp);
//! `desc` picks the least.

use std::fmt;

use super::semver::{Range, RangeError};

#[derive(Debug, Clone)]
pub enum Policy {
    /// The highest version in the range.
    Semver(Range),
    /// The tag whose image was built last (the config's `created`, for a platform).
    NewestBuild,
    Alphabetical(Order),
    Numerical(Order),
    /// Keep the tag; pin its current digest.
    Digest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Pick the greatest.
    #[default]
    Asc,
    /// Pick the least.
    Desc,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error(
        "unknown policy {0:?}: expected semver[:RANGE], newest-build, alphabetical[:asc|desc], numerical[:asc|desc] or digest"
    )]
    Unknown(String),
    #[error("invalid order {0:?} in policy {1:?}: expected asc or desc")]
    Order(String, String),
    #[error("policy {0:?} takes no argument")]
    NoArgument(String),
    #[error("invalid semver range in policy {text:?}: {source}")]
    Range {
        text: String,
        #[source]
        source: RangeError,
    },
}

impl Policy {
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let (name, arg) = match text.split_once(':') {
            Some((n, a)) => (n.trim(), Some(a.trim())),
            None => (text.trim(), None),
        };
        let order = |arg: Option<&str>| match arg.map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("asc") => Ok(Order::Asc),
            Some("desc") => Ok(Order::Desc),
            Some(other) => Err(PolicyError::Order(other.to_string(), text.to_string())),
        };
        let bare = |p: Policy| match arg {
            None => Ok(p),
            Some(_) => Err(PolicyError::NoArgument(text.to_string())),
        };
        match name.to_ascii_lowercase().as_str() {
            "semver" => {
                let range = arg.filter(|a| !a.is_empty()).unwrap_or("*");
                Range::parse(range)
                    .map(Policy::Semver)
                    .map_err(|source| PolicyError::Range {
                        text: text.to_string(),
                        source,
                    })
            }
            "newest-build" | "latest" => bare(Policy::NewestBuild),
            "alphabetical" => order(arg).map(Policy::Alphabetical),
            "numerical" => order(arg).map(Policy::Numerical),
            "digest" => bare(Policy::Digest),
            _ => Err(PolicyError::Unknown(text.to_string())),
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ord = |o: &Order| if *o == Order::Asc { "asc" } else { "desc" };
        match self {
            Policy::Semver(r) => write!(f, "semver:{r}"),
            Policy::NewestBuild => f.write_str("newest-build"),
            Policy::Alphabetical(o) => write!(f, "alphabetical:{}", ord(o)),
            Policy::Numerical(o) => write!(f, "numerical:{}", ord(o)),
            Policy::Digest => f.write_str("digest"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_arguments() {
        assert!(matches!(Policy::parse("semver:^1.2").unwrap(), Policy::Semver(_)));
        assert!(matches!(Policy::parse("semver").unwrap(), Policy::Semver(_)));
        assert!(matches!(Policy::parse("newest-build").unwrap(), Policy::NewestBuild));
        assert!(
            matches!(Policy::parse("latest").unwrap(), Policy::NewestBuild),
            "Argo CD's old name"
        );
        assert!(matches!(
            Policy::parse("alphabetical").unwrap(),
            Policy::Alphabetical(Order::Asc)
        ));
        assert!(matches!(
            Policy::parse("Alphabetical:DESC").unwrap(),
            Policy::Alphabetical(Order::Desc)
        ));
        assert!(matches!(
            Policy::parse("numerical:asc").unwrap(),
            Policy::Numerical(Order::Asc)
        ));
        assert!(matches!(Policy::parse("digest").unwrap(), Policy::Digest));
    }

    #[test]
    fn errors_say_what_is_expected() {
        let e = Policy::parse("newest").unwrap_err().to_string();
        assert!(
            e.contains("unknown policy \"newest\"") && e.contains("newest-build"),
            "{e}"
        );
        assert!(
            Policy::parse("numerical:up")
                .unwrap_err()
                .to_string()
                .contains("expected asc or desc")
        );
        assert!(
            Policy::parse("digest:x")
                .unwrap_err()
                .to_string()
                .contains("takes no argument")
        );
        let e = Policy::parse("semver:>=>1").unwrap_err().to_string();
        assert!(e.starts_with("invalid semver range in policy \"semver:>=>1\""), "{e}");
    }
}
