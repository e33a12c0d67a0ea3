//! Semver ranges with the syntax and semantics of Masterminds/semver v3, which Argo CD
//! Image Updater and Flux use (the Rust `semver` crate has Cargo's semantics instead).
//!
//! A user moving an `allow-tags`/`semverRange` from one of those tools to tagbump must get
//! the same tag, so this module follows the latest v3 release, **v3.4.0** (2025-06-27),
//! read from its `version.go`, `constraints.go` and `constraints_test.go`. Where upstream's
//! code and its own documentation disagree, or its answer is clearly an accident, we
//! differ on purpose; those places are listed at the end.
//!
//! # Versions (`version.go`)
//!
//! A tag is a version when `NewVersion` accepts it. Since v3.4.0 `NewVersion` is
//! `coerceNewVersion` (`CoerceNewVersion = true`): the whole tag must match the loose
//! pattern `v?N(.N)?(.N)?(-PRE)?(+BUILD)?`, with ASCII digits for `N` and dot-separated
//! `[0-9A-Za-z-]+` identifiers, then
//! - missing minor/patch are zero (`1` and `v1.2` are `1.0.0` and `1.2.0`); only a lowercase
//!   `v` is allowed; leading zeros are coerced (`01.2.3` is `1.2.3`; v3.3.x refused it);
//! - numbers must fit a `u64` (`strconv.ParseUint`);
//! - `validatePrerelease` refuses a numeric identifier with a leading zero (`1.2.3-01`);
//!   `validateMetadata` allows them (`1.2.3+001`);
//! - so `latest`, `sha-abc123`, `v`, `V1.2.3`, `1.2.3.4`, `1..2`, `1.2.`, `1.2.3-`, `1.2.3-a..b`
//!   and ` 1.2.3` are not versions.
//!
//! Precedence is `Version.Compare` (`comparePrerelease`, `comparePrePart`): semver 2.0, build
//! metadata ignored; an identifier is numeric only if it fits a `u64` (`precedence.rs`).
//!
//! # Ranges (`constraints.go`)
//!
//! `NewConstraint` first rewrites hyphen ranges (`rewriteRange`: `A - B`, spaces required,
//! becomes `>= A, <= B`), splits on `||` (OR), and requires each part to match
//! `validConstraintRegex`: constraints separated by whitespace or a comma (AND), each an
//! optional operator (`=`, `!=`, `>`, `<`, `>=`, `=>`, `<=`, `=<`, `~`, `~>`, `^`), optional
//! whitespace, and a version whose numbers may be `x`, `X` or `*`. An empty range, an empty
//! `||` side, a trailing comma, `1.2.3.4` or `12.3.34~ 1.2.3` are errors.
//!
//! `parseConstraint` fills missing or wildcard parts with zeros and records what was "dirty";
//! each `constraint*` function then reads that. The expansions (`expand.rs`) are:
//!
//! | written | meaning | upstream |
//! |---|---|---|
//! | `1.2.3`, `=1.2.3` | `=1.2.3` (build ignored) | `constraintTildeOrEqual` |
//! | `1.2`, `1.2.x`, `=1.2` | `>=1.2.0 <1.3.0-0` (a dirty `=` is `~`) | `constraintTildeOrEqual` |
//! | `1`, `1.x`, `1.x.x` | `>=1.0.0 <2.0.0-0` | same |
//! | `*`, `x`, `~*`, `~0.0.0` | any (`>=0.0.0`) | `constraintTilde` special case |
//! | `~1.2.3`, `~>1.2.3`, `~1.2` | `>=1.2.3 <1.3.0-0`, `>=1.2.0 <1.3.0-0` | `constraintTilde` |
//! | `~1` | `>=1.0.0 <2.0.0-0` | same |
//! | `^1.2.3`, `^1.2`, `^1.x` | `>=1.2.3 <2.0.0-0`, `>=1.2.0 <2.0.0-0`, `>=1.0.0 <2.0.0-0` | `constraintCaret` |
//! | `^0.2.3`, `^0.2`, `^0.0` | `>=0.2.3 <0.3.0-0`, `>=0.2.0 <0.3.0-0`, `>=0.0.0 <0.1.0-0` | same |
//! | `^0.0.3`, `^0` | `>=0.0.3 <0.0.4-0`, `>=0.0.0 <1.0.0-0` | same |
//! | `>=1.2`, `>=1.x` | `>=1.2.0`, `>=1.0.0` (dirtiness ignored) | `constraintGreaterThanEqual` |
//! | `<1.2`, `<1.2.x` | `<1.2.0` (dirtiness ignored) | `constraintLessThan` |
//! | `>1.2`, `>1` | `>=1.3.0-0`, `>=2.0.0-0` (must exceed the given parts) | `constraintGreaterThan` |
//! | `<=1.2`, `<=1` | `<1.3.0-0`, `<2.0.0-0` (compares the given parts) | `constraintLessThanEqual` |
//! | `!=1.2.3` | `!=1.2.3` | `constraintNotEqual` |
//! | `!=1.x` | not major 1 | same |
//! | `!=1.2`, `!=1.2-rc` | not (1.2.* with exactly that pre-release) | same |
//! | `1.2 - 1.4.5` | `>=1.2.0 <=1.4.5`; `1 - 2` is `>=1.0.0 <3.0.0-0` | `rewriteRange` |
//!
//! The upper bounds are `-0` because upstream compares "same major" (or minor), so
//! `2.0.0-rc.1` is outside `^1.2.3-rc.1`. A dirty `=`/`~`/`^`/`>` keeps the written
//! pre-release (`~1.2.3-beta.2` starts at `1.2.3-beta.2`); `>1.2-rc` and `<=1.x-rc` drop it
//! from their bound but it still counts for the rule below.
//!
//! ## Pre-releases: decided per AND group
//!
//! A pre-release version is considered only by an OR branch in which **some** constraint has
//! a pre-release part (`NewConstraint` sets `containsPre[k]` for the group, `Check` passes it
//! to every function of the group; v3.4.0, #267 "Handle pre-releases on all in an and
//! group"; before v3.4.0 each constraint needed its own). Inside such a branch every
//! comparator uses plain precedence, so pre-releases of any version in range qualify:
//! - `>=1.2.3-0 <2.0.0` admits `1.5.0-beta` (upstream test `>= 1.0.0-0  <= 2.0.0` admits
//!   `1.0.1-beta`), and `^1.x-0` admits `1.9.0-rc.1`; `^1.2.3` and `*` admit none.
//! - It does not cross `||`: `>=1.2.3-0 <2.0.0 || >=3` refuses `3.1.0-beta`.
//! - Hyphen ranges are rewritten first, so `1.2.3-0 - 2` counts as having one.
//! - Quirk kept: `!=1.2` excludes only 1.2.* releases, so `>=1.0.0-0 !=1.2` admits `1.2.5-rc.1`.
//!
//! Upstream's `Constraints.IncludePrerelease` (opt-in for every group) is not modelled:
//! Argo CD Image Updater and Flux do not set it.
//!
//! # Where we deliberately differ
//!
//! - `^*` (`^x`, `^X`): upstream matches only `0.0.0` (the caret code falls through to "patch
//!   equal"; Masterminds/semver#317, open), while its comment says `^* --> (any)`. We match
//!   any version, like `~*`.
//! - `<*`, `<=*`, `>*`, `!=*`: upstream reads them as `<0.0.0`, `<0.1.0` (!), `>0.0.0` and
//!   `!=0.0.0`. We refuse them with an error rather than silently pick odd tags.
//! - A single `|` is an error; upstream's version pattern `[0-9|x|X|\*]` lets a stray `|` in.
//! - A bound that would need a number above `u64::MAX` (`^18446744073709551615`) is an error;
//!   upstream compares majors and never computes it.
//! - Upstream's `Validate` messages are not reproduced; [`Rejection`] names the failing OR
//!   branch(es) in their expanded form instead.

mod comparator;
mod error;
mod expand;
mod parse;
mod precedence;
mod range;
mod rejection;
mod syntax;
mod version;

#[cfg(test)]
mod tests;

pub use error::{RangeError, RangeErrorKind};
pub use range::Range;
pub use rejection::{Refusal, Rejection};
pub use version::Version;
