//! A semver range: branches joined by `||`, each an AND of comparators.
//!
//! The pre-release rule lives here because upstream decides it per branch (v3.4.0,
//! `Constraints.containsPre`): a pre-release version is considered at all only by a branch
//! in which some constraint has a pre-release part, and then every comparator of that branch
//! judges it by plain precedence. So `>=1.2.3-0 <2.0.0` admits `1.5.0-beta`, while
//! `>=1.2.3-0 || >=3.0.0` does not admit `3.1.0-beta`.

use std::fmt;

use super::comparator::Comparator;
use super::error::RangeError;
use super::expand::{expand, has_prerelease};
use super::parse::parse;
use super::rejection::{Refusal, Rejection};
use super::{RangeErrorKind, Version};

/// A parsed range; see the [module docs](super) for the syntax and semantics.
#[derive(Clone, Debug)]
pub struct Range {
    branches: Vec<Branch>,
}

#[derive(Clone, Debug)]
struct Branch {
    comparators: Vec<Comparator>,
    admits_prerelease: bool,
}

impl Branch {
    fn admits(&self, v: &Version) -> bool {
        (self.admits_prerelease || !v.is_prerelease()) && self.comparators.iter().all(|c| c.matches(v))
    }

    fn check(&self, v: &Version) -> Result<(), Refusal> {
        if self.admits(v) {
            Ok(())
        } else if v.is_prerelease() && !self.admits_prerelease {
            Err(Refusal::Prerelease {
                branch: self.to_string(),
            })
        } else {
            Err(Refusal::Outside {
                branch: self.to_string(),
            })
        }
    }
}

impl fmt::Display for Branch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, comparator) in self.comparators.iter().enumerate() {
            if n > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}", comparator.show(self.admits_prerelease))?;
        }
        Ok(())
    }
}

impl Range {
    /// Masterminds `NewConstraint`, expanded; the error names the column and token at fault.
    pub fn parse(text: &str) -> Result<Range, RangeError> {
        let written = parse(text).map_err(|p| RangeError::new(text, p.at, p.kind))?;
        let mut branches = Vec::with_capacity(written.len());
        for constraints in written {
            let admits_prerelease = constraints.iter().any(|w| has_prerelease(&w.version));
            let mut comparators = Vec::with_capacity(constraints.len() * 2);
            for w in &constraints {
                let expanded = expand(w.op, &w.version, &w.token).map_err(|kind| RangeError::new(text, w.at, kind))?;
                comparators.extend(expanded);
            }
            branches.push(Branch {
                comparators,
                admits_prerelease,
            });
        }
        if branches.is_empty() {
            return Err(RangeError::new(text, 0, RangeErrorKind::Empty));
        }
        Ok(Range { branches })
    }

    /// Masterminds `Constraints.Check`.
    pub fn matches(&self, v: &Version) -> bool {
        self.branches.iter().any(|b| b.admits(v))
    }

    /// Like [`matches`](Range::matches), with the reason when the version is outside.
    pub fn check(&self, v: &Version) -> Result<(), Rejection> {
        let mut refusals = Vec::with_capacity(self.branches.len());
        for branch in &self.branches {
            match branch.check(v) {
                Ok(()) => return Ok(()),
                Err(refusal) => refusals.push(refusal),
            }
        }
        Err(Rejection::new(v.original().to_string(), refusals))
    }
}

impl fmt::Display for Range {
    /// The normalised expansion, e.g. `^1.2 || ~2.0.3` is `>=1.2.0 <2.0.0 || >=2.0.3 <2.1.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, branch) in self.branches.iter().enumerate() {
            if n > 0 {
                f.write_str(" || ")?;
            }
            write!(f, "{branch}")?;
        }
        Ok(())
    }
}
