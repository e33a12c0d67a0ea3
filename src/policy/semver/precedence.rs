//! Version precedence exactly as Masterminds/semver's `Version.Compare` computes it.
//!
//! This is semver 2.0 precedence (build metadata ignored; a pre-release sorts before its
//! release; identifiers compared one by one, numbers numerically and below words, words by
//! ASCII, a shorter list first), with one upstream detail kept on purpose: an identifier
//! counts as a number only if it fits in a `u64` (`comparePrePart` uses `strconv.ParseUint`),
//! so a 25-digit identifier sorts as a word. Written out here rather than borrowed from
//! `semver::Prerelease`'s `Ord`, which treats such identifiers as numbers.

use std::cmp::Ordering;

/// `(major, minor, patch)`.
pub(super) type Triple = (u64, u64, u64);

/// Precedence of `a` relative to `b`; pre-releases are given without the leading `-`.
pub(super) fn compare(a: Triple, a_pre: &str, b: Triple, b_pre: &str) -> Ordering {
    a.cmp(&b).then_with(|| match (a_pre.is_empty(), b_pre.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => compare_prerelease(a_pre, b_pre),
    })
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => match compare_identifier(x, y) {
                Ordering::Equal => {}
                other => return other,
            },
        }
    }
}

fn compare_identifier(x: &str, y: &str) -> Ordering {
    if x == y {
        return Ordering::Equal;
    }
    match (number(x), number(y)) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => x.cmp(y),
    }
}

/// An identifier's value when it is all ASCII digits and fits a `u64`.
fn number(ident: &str) -> Option<u64> {
    if ident.bytes().all(|b| b.is_ascii_digit()) {
        ident.parse().ok()
    } else {
        None
    }
}
