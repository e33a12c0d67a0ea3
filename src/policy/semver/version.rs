//! An image tag read as a version the way Masterminds/semver's `NewVersion` reads it.
//!
//! Registries hold tags such as `v1.2`, `1.4.0-rc.1` and `latest` side by side; Argo CD Image
//! Updater and Flux keep the ones `NewVersion` accepts and ignore the rest, so a tag that
//! fails here is "not a version", not an error. Partial versions are completed with zeros
//! (`v1.2` is `1.2.0`), which is why two tags can have equal precedence; [`Ord`] then falls
//! back to the tag text, so sorting a tag list is deterministic.

use std::cmp::Ordering;
use std::fmt;

use semver::{BuildMetadata, Prerelease};

use super::precedence::{self, Triple};
use super::syntax::{self, Part};

/// A tag that parses as a version.
#[derive(Clone, Debug)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Prerelease,
    build: BuildMetadata,
    original: String,
}

impl Version {
    /// Masterminds `NewVersion`: `v?MAJOR[.MINOR[.PATCH]][-PRE][+BUILD]`, the whole tag;
    /// `None` when the tag is not a version (`latest`, `sha-abc123`, `1.2.3.4`, `1..2`).
    pub fn parse(tag: &str) -> Option<Version> {
        let (partial, end) = syntax::scan(tag, 0).ok()?;
        if end != tag.len() {
            return None;
        }
        let number = |part: Option<Part>| match part {
            None => Some(0),
            Some(Part::Number(n)) => Some(n),
            Some(Part::Wild) => None,
        };
        Some(Version {
            major: number(Some(partial.major))?,
            minor: number(partial.minor)?,
            patch: number(partial.patch)?,
            pre: partial.pre,
            build: partial.build,
            original: tag.to_string(),
        })
    }

    /// Whether the version has a pre-release part (`1.2.3-rc.1`).
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    /// The tag as given.
    pub fn original(&self) -> &str {
        &self.original
    }

    pub fn major(&self) -> u64 {
        self.major
    }

    pub fn minor(&self) -> u64 {
        self.minor
    }

    pub fn patch(&self) -> u64 {
        self.patch
    }

    /// The pre-release without its `-`; empty for a release.
    pub fn prerelease(&self) -> &str {
        self.pre.as_str()
    }

    /// The build metadata without its `+`; empty when there is none.
    pub fn build(&self) -> &str {
        self.build.as_str()
    }

    /// Semver precedence alone (Masterminds `Compare`): build metadata and the way the tag
    /// was written are ignored, so `v1.2` and `1.2.0+b7` compare equal here.
    pub fn cmp_precedence(&self, other: &Version) -> Ordering {
        precedence::compare(self.triple(), self.prerelease(), other.triple(), other.prerelease())
    }

    pub(super) fn triple(&self) -> Triple {
        (self.major, self.minor, self.patch)
    }
}

impl Ord for Version {
    /// Precedence, then the tag text, so distinct tags never compare equal.
    fn cmp(&self, other: &Version) -> Ordering {
        self.cmp_precedence(other)
            .then_with(|| self.original.cmp(&other.original))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl fmt::Display for Version {
    /// The canonical form: `1.2.0-rc.1+build.5`, without any `v`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build)?;
        }
        Ok(())
    }
}
