//! What each operator means for a full, partial or wildcard version: the heart of the
//! Masterminds/semver compatibility, one function per upstream `constraint*` function.
//!
//! Upstream (`parseConstraint`) first turns the written version into a full one by filling
//! missing or wildcard parts with zeros, remembering which parts were "dirty": all of them
//! (`*`), minor and patch (`1`, `1.x`), or patch only (`1.2`, `1.2.x`). The pre-release is
//! kept in all three cases; build metadata only when nothing was dirty. [`Precision`] is that
//! record. Each operator then reads it in its own way; the tables in the comments are the
//! result, proved case by case against the upstream code paths (see the module tests).
//!
//! Upper bounds are drawn at `-0` (`<2.0.0-0`) because upstream tests "same major", not
//! "below 2.0.0", so `2.0.0-rc.1` is outside `^1.2.3-rc.1` even though it is below `2.0.0`.

use semver::Prerelease;

use super::comparator::{Comparator, Point};
use super::error::RangeErrorKind;
use super::syntax::{Part, Partial};

/// The operators of a constraint; aliases (`=>`, `=<`, `~>`) are folded in by the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// No operator, or `=`.
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Tilde,
    Caret,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Tilde => "~",
            Op::Caret => "^",
        }
    }
}

/// Which parts of the written version were given as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Precision {
    /// `*`, `x`, `X` (anything after a wildcard major is ignored, as upstream does).
    Any,
    /// `1`, `1.x`, `1.x.x`.
    Major,
    /// `1.2`, `1.2.x`.
    Minor,
    /// `1.2.3`.
    Exact,
}

/// The comparators a constraint expands to; `token` is its text, for error messages.
pub(super) fn expand(op: Op, version: &Partial, token: &str) -> Result<Vec<Comparator>, RangeErrorKind> {
    let (precision, (major, minor, patch)) = precision(version);
    let con = Point::new((major, minor, patch), version.pre.clone());
    let overflow = || RangeErrorKind::Overflow {
        token: token.to_string(),
    };
    let next_major = || {
        major
            .checked_add(1)
            .map(|m| Point::floor((m, 0, 0)))
            .ok_or_else(overflow)
    };
    let next_minor = || {
        minor
            .checked_add(1)
            .map(|m| Point::floor((major, m, 0)))
            .ok_or_else(overflow)
    };
    let next_patch = || {
        patch
            .checked_add(1)
            .map(|p| Point::floor((major, minor, p)))
            .ok_or_else(overflow)
    };
    let refuse = |upstream| {
        Err(RangeErrorKind::WildcardOperator {
            op: op.symbol(),
            token: token.to_string(),
            upstream,
        })
    };

    use Comparator::{Eq, Ge, Gt, Le, Lt, Ne};
    Ok(match (op, precision) {
        // constraintTildeOrEqual: a dirty version means `~`, a full one means equality.
        (Op::Eq, Precision::Exact) => vec![Eq(con)],
        (Op::Eq | Op::Tilde, _) => tilde(precision, con, next_major, next_minor)?,

        // constraintCaret. Upstream's `^*` falls through to "patch equal" and matches only
        // 0.0.0 (Masterminds/semver#317) although its own comment says "any"; we follow
        // the comment.
        (Op::Caret, Precision::Any) => vec![Ge(con)],
        (Op::Caret, Precision::Major) => vec![Ge(con), Lt(next_major()?)],
        (Op::Caret, _) if major > 0 => vec![Ge(con), Lt(next_major()?)],
        (Op::Caret, Precision::Minor) => vec![Ge(con), Lt(next_minor()?)],
        (Op::Caret, Precision::Exact) if minor > 0 => vec![Ge(con), Lt(next_minor()?)],
        (Op::Caret, Precision::Exact) => vec![Ge(con), Lt(next_patch()?)],

        // constraintGreaterThanEqual and constraintLessThan ignore dirtiness: `<1.2` is
        // `<1.2.0`, `>=1.x` is `>=1.0.0`.
        (Op::Ge, _) => vec![Ge(con)],
        (Op::Lt, Precision::Any) => return refuse("<0.0.0, which no release satisfies"),
        (Op::Lt, _) => vec![Lt(con)],

        // constraintLessThanEqual: a dirty `<=` compares only the given parts, so `<=1.2`
        // admits every 1.2.x.
        (Op::Le, Precision::Exact) => vec![Le(con)],
        (Op::Le, Precision::Minor) => vec![Lt(next_minor()?)],
        (Op::Le, Precision::Major) => vec![Lt(next_major()?)],
        (Op::Le, Precision::Any) => return refuse("<0.1.0, which admits only 0.0.x"),

        // constraintGreaterThan: a dirty `>` must exceed the given parts, so `>1.2` starts
        // at 1.3.0 and `>1` at 2.0.0.
        (Op::Gt, Precision::Exact) => vec![Gt(con)],
        (Op::Gt, Precision::Minor) => vec![Ge(next_minor()?)],
        (Op::Gt, Precision::Major) => vec![Ge(next_major()?)],
        (Op::Gt, Precision::Any) => return refuse(">0.0.0"),

        // constraintNotEqual.
        (Op::Ne, Precision::Exact) => vec![Ne(con)],
        (Op::Ne, Precision::Minor) => vec![Comparator::NotMinor {
            major,
            minor,
            pre: version.pre.clone(),
        }],
        (Op::Ne, Precision::Major) => vec![Comparator::NotMajor {
            major,
            pre: version.pre.clone(),
        }],
        (Op::Ne, Precision::Any) => return refuse("!=0.0.0"),
    })
}

/// constraintTilde: at least the version, same major, and same minor unless the minor was
/// dirty. `~0.0.0` and `~*` are upstream's special case "any version at or above".
fn tilde(
    precision: Precision,
    con: Point,
    next_major: impl FnOnce() -> Result<Point, RangeErrorKind>,
    next_minor: impl FnOnce() -> Result<Point, RangeErrorKind>,
) -> Result<Vec<Comparator>, RangeErrorKind> {
    Ok(match precision {
        Precision::Any => vec![Comparator::Ge(con)],
        Precision::Exact if con.triple == (0, 0, 0) => vec![Comparator::Ge(con)],
        Precision::Major => vec![Comparator::Ge(con), Comparator::Lt(next_major()?)],
        Precision::Minor | Precision::Exact => vec![Comparator::Ge(con), Comparator::Lt(next_minor()?)],
    })
}

/// Upstream's reading of a written version: which parts were dirty, and the zero-filled
/// major.minor.patch.
fn precision(v: &Partial) -> (Precision, (u64, u64, u64)) {
    let Part::Number(major) = v.major else {
        return (Precision::Any, (0, 0, 0));
    };
    let Some(Part::Number(minor)) = v.minor else {
        return (Precision::Major, (major, 0, 0));
    };
    let Some(Part::Number(patch)) = v.patch else {
        return (Precision::Minor, (major, minor, 0));
    };
    (Precision::Exact, (major, minor, patch))
}

/// Whether the written version has a pre-release, which opens its whole AND group to
/// pre-releases (upstream `NewConstraint`, `containsPre`).
pub(super) fn has_prerelease(v: &Partial) -> bool {
    v.pre != Prerelease::EMPTY
}
