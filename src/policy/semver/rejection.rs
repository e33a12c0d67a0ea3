//! Why a version is outside a range, for the log line that says why a tag was skipped.
//!
//! A range is an OR of branches, so "why not" is one reason per branch: either the version
//! is a pre-release and the branch admits none (the rule people trip over most), or it is
//! outside the branch's bounds, which are shown expanded (`^1.2` as `>=1.2.0 <2.0.0`) so the
//! reader sees the numbers the check used.

use std::fmt;

/// Why one OR branch of a range refused a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The version is a pre-release and no constraint of the branch has a pre-release part.
    Prerelease { branch: String },
    /// The version fails a bound of the branch; `branch` is the whole expanded branch.
    Outside { branch: String },
}

/// The answer of [`Range::check`](super::Range::check) for a version outside the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    version: String,
    refusals: Vec<Refusal>,
}

impl Rejection {
    pub(super) fn new(version: String, refusals: Vec<Refusal>) -> Rejection {
        Rejection { version, refusals }
    }

    /// The tag as given.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// One reason per OR branch, in the order of the range.
    pub fn refusals(&self) -> &[Refusal] {
        &self.refusals
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.version)?;
        let single = self.refusals.len() == 1;
        for (n, refusal) in self.refusals.iter().enumerate() {
            if n > 0 {
                f.write_str("; ")?;
            }
            match refusal {
                Refusal::Prerelease { .. } if single => {
                    f.write_str("pre-release, and the range has no pre-release part")?;
                }
                Refusal::Prerelease { branch } => write!(f, "pre-release, and `{branch}` has no pre-release part")?,
                Refusal::Outside { branch } => write!(f, "outside {branch}")?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for Rejection {}
