//! The text of one version, full (`v1.2.3-rc.1+b5`) or partial (`1`, `1.2`, `1.x`, `*`).
//!
//! Tags and the versions inside a range share this scanner because upstream shares the
//! grammar: `NewVersion`'s loose pattern is `v?N(.N)?(.N)?(-pre)?(+build)?`, and a constraint's
//! version is the same with `x`, `X` or `*` allowed in place of a number. Leading zeros in
//! the numbers are accepted (upstream coerces `01` to `1`, the default since v3.4.0); a
//! numeric pre-release identifier with a leading zero is not (`validatePrerelease`).
//!
//! The scanner stops at the first byte that cannot continue the version and says where it
//! stopped, so the range parser can decide what may follow and report columns.

use semver::{BuildMetadata, Prerelease};

use super::error::RangeErrorKind;

/// One numeric position of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Number(u64),
    /// `x`, `X` or `*`.
    Wild,
}

/// A version as written, before any operator gives it a meaning.
#[derive(Debug, Clone)]
pub(super) struct Partial {
    pub major: Part,
    pub minor: Option<Part>,
    pub patch: Option<Part>,
    pub pre: Prerelease,
    pub build: BuildMetadata,
}

/// Why scanning stopped with an error, at a byte offset into the scanned text.
#[derive(Debug)]
pub(super) struct Problem {
    pub at: usize,
    pub kind: RangeErrorKind,
}

impl Problem {
    fn new(at: usize, kind: RangeErrorKind) -> Problem {
        Problem { at, kind }
    }
}

fn is_part_byte(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'x' | b'X' | b'*')
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// The token at `at` for an error message: up to the next space, `,` or `|`.
pub(super) fn word_at(text: &str, at: usize) -> String {
    let rest = text.get(at..).unwrap_or("");
    let word: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ',' && *c != '|')
        .collect();
    if word.is_empty() {
        match rest.chars().next() {
            Some(c) => c.to_string(),
            None => "end of text".to_string(),
        }
    } else {
        word
    }
}

/// Scan a version starting at byte `start`; the version and the offset just past it.
pub(super) fn scan(text: &str, start: usize) -> Result<(Partial, usize), Problem> {
    let bytes = text.as_bytes();
    let mut i = start;
    if bytes.get(i) == Some(&b'v') {
        i += 1;
    }

    let mut parts = Vec::with_capacity(3);
    loop {
        let from = i;
        while bytes.get(i).is_some_and(|b| is_part_byte(*b)) {
            i += 1;
        }
        if from == i {
            let expected = if parts.is_empty() {
                "a version number"
            } else {
                "a number, `x` or `*` after `.`"
            };
            let found = word_at(text, from);
            return Err(Problem::new(from, RangeErrorKind::Unexpected { found, expected }));
        }
        parts.push(part(&text[from..i], from)?);
        if bytes.get(i) != Some(&b'.') {
            break;
        }
        if parts.len() == 3 {
            let end = i + bytes[i..]
                .iter()
                .take_while(|b| is_part_byte(**b) || **b == b'.')
                .count();
            let version = text[start..end].to_string();
            return Err(Problem::new(start, RangeErrorKind::TooManyParts { version }));
        }
        i += 1;
    }

    let mut pre = Prerelease::EMPTY;
    if bytes.get(i) == Some(&b'-') {
        let (ident, end) = identifiers(text, i + 1, "pre-release")?;
        pre = Prerelease::new(ident).map_err(|_| {
            let found = ident.to_string();
            Problem::new(
                i + 1,
                RangeErrorKind::Unexpected {
                    found,
                    expected: "a valid pre-release",
                },
            )
        })?;
        i = end;
    }
    let mut build = BuildMetadata::EMPTY;
    if bytes.get(i) == Some(&b'+') {
        let (ident, end) = identifiers(text, i + 1, "build metadata")?;
        build = BuildMetadata::new(ident).map_err(|_| {
            let found = ident.to_string();
            Problem::new(
                i + 1,
                RangeErrorKind::Unexpected {
                    found,
                    expected: "valid build metadata",
                },
            )
        })?;
        i = end;
    }

    let mut parts = parts.into_iter();
    let partial = Partial {
        major: parts.next().unwrap_or(Part::Wild),
        minor: parts.next(),
        patch: parts.next(),
        pre,
        build,
    };
    Ok((partial, i))
}

fn part(token: &str, at: usize) -> Result<Part, Problem> {
    if matches!(token, "x" | "X" | "*") {
        return Ok(Part::Wild);
    }
    if !token.bytes().all(|b| b.is_ascii_digit()) {
        let token = token.to_string();
        return Err(Problem::new(at, RangeErrorKind::BadPart { token }));
    }
    token.parse().map(Part::Number).map_err(|_| {
        let token = token.to_string();
        Problem::new(at, RangeErrorKind::TooLarge { token })
    })
}

/// Dot-separated identifiers from `start`; the text and the offset just past it.
fn identifiers<'t>(text: &'t str, start: usize, what: &'static str) -> Result<(&'t str, usize), Problem> {
    let bytes = text.as_bytes();
    let mut i = start;
    loop {
        let from = i;
        while bytes.get(i).is_some_and(|b| is_ident_byte(*b)) {
            i += 1;
        }
        if from == i {
            return Err(Problem::new(from, RangeErrorKind::EmptyIdentifier { what }));
        }
        let ident = &text[from..i];
        if what == "pre-release"
            && ident.len() > 1
            && ident.starts_with('0')
            && ident.bytes().all(|b| b.is_ascii_digit())
        {
            let ident = ident.to_string();
            return Err(Problem::new(from, RangeErrorKind::LeadingZero { ident }));
        }
        if bytes.get(i) != Some(&b'.') {
            return Ok((&text[start..i], i));
        }
        i += 1;
    }
}
