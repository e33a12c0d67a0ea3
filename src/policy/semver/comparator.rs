//! One test a version must pass, after operators and wildcards have been expanded.
//!
//! Masterminds/semver keeps each constraint as operator + version + "dirty" flags and
//! re-derives the meaning on every check. Expanding once, at parse time, into plain bounds
//! makes the meaning printable (`^1.2` is `>=1.2.0 <2.0.0`), so a rejected tag can be
//! explained in the same terms the check used. Two upstream tests have no bound form, the
//! `!=` of a wildcard version, and keep their own variants.

use std::cmp::Ordering;
use std::fmt;

use semver::Prerelease;

use super::Version;
use super::precedence::{self, Triple};

/// A version a bound is drawn at.
#[derive(Debug, Clone)]
pub(super) struct Point {
    pub triple: Triple,
    pub pre: Prerelease,
    /// The pre-release is a `-0` that expansion added to make the bound exact for
    /// pre-releases (`<2.0.0-0`: below every `2.0.0-…`); not written by the user.
    pub floor: bool,
}

impl Point {
    pub fn new(triple: Triple, pre: Prerelease) -> Point {
        Point {
            triple,
            pre,
            floor: false,
        }
    }

    /// `triple-0`, the lowest version with that major.minor.patch.
    pub fn floor(triple: Triple) -> Point {
        // "0" is a valid pre-release; EMPTY only stands in if that ever changed.
        let pre = Prerelease::new("0").unwrap_or(Prerelease::EMPTY);
        Point {
            triple,
            pre,
            floor: true,
        }
    }

    /// Where `v` stands relative to this point.
    fn locate(&self, v: &Version) -> Ordering {
        precedence::compare(v.triple(), v.prerelease(), self.triple, self.pre.as_str())
    }

    /// Shown without an added `-0` when the branch admits no pre-release: for releases
    /// `<2.0.0-0` and `<2.0.0` are the same test, and the second is what people write.
    fn show(&self, admits_prerelease: bool) -> String {
        let (major, minor, patch) = self.triple;
        if self.pre.is_empty() || (self.floor && !admits_prerelease) {
            format!("{major}.{minor}.{patch}")
        } else {
            format!("{major}.{minor}.{patch}-{}", self.pre)
        }
    }
}

#[derive(Debug, Clone)]
pub(super) enum Comparator {
    Eq(Point),
    Ne(Point),
    Gt(Point),
    Ge(Point),
    Lt(Point),
    Le(Point),
    /// `!=1.x`: excludes every version with this major.
    NotMajor {
        major: u64,
        pre: Prerelease,
    },
    /// `!=1.2.x[-pre]`: excludes the versions with this major.minor whose pre-release is
    /// exactly `pre` (upstream `constraintNotEqual`), so `!=1.2` keeps `1.2.5-rc.1` when its
    /// branch admits pre-releases.
    NotMinor {
        major: u64,
        minor: u64,
        pre: Prerelease,
    },
}

impl Comparator {
    pub fn matches(&self, v: &Version) -> bool {
        match self {
            Comparator::Eq(p) => p.locate(v) == Ordering::Equal,
            Comparator::Ne(p) => p.locate(v) != Ordering::Equal,
            Comparator::Gt(p) => p.locate(v) == Ordering::Greater,
            Comparator::Ge(p) => p.locate(v) != Ordering::Less,
            Comparator::Lt(p) => p.locate(v) == Ordering::Less,
            Comparator::Le(p) => p.locate(v) != Ordering::Greater,
            Comparator::NotMajor { major, .. } => v.major() != *major,
            Comparator::NotMinor { major, minor, pre } => {
                v.major() != *major || v.minor() != *minor || v.prerelease() != pre.as_str()
            }
        }
    }

    /// The comparator as text, for a branch that does or does not admit pre-releases.
    pub fn show(&self, admits_prerelease: bool) -> Shown<'_> {
        Shown {
            comparator: self,
            admits_prerelease,
        }
    }
}

pub(super) struct Shown<'c> {
    comparator: &'c Comparator,
    admits_prerelease: bool,
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pre_suffix = |pre: &Prerelease| {
            if pre.is_empty() {
                String::new()
            } else {
                format!("-{pre}")
            }
        };
        let show = |p: &Point| p.show(self.admits_prerelease);
        match self.comparator {
            Comparator::Eq(p) => write!(f, "={}", show(p)),
            Comparator::Ne(p) => write!(f, "!={}", show(p)),
            Comparator::Gt(p) => write!(f, ">{}", show(p)),
            Comparator::Ge(p) => write!(f, ">={}", show(p)),
            Comparator::Lt(p) => write!(f, "<{}", show(p)),
            Comparator::Le(p) => write!(f, "<={}", show(p)),
            Comparator::NotMajor { major, pre } => write!(f, "!={major}.x{}", pre_suffix(pre)),
            Comparator::NotMinor { major, minor, pre } => write!(f, "!={major}.{minor}.x{}", pre_suffix(pre)),
        }
    }
}
