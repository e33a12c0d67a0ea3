//! Why a semver range was refused, and where.
//!
//! A range is typed by a person into a config file and read back by tagbump much later, in CI,
//! so the message has to stand on its own: it quotes the whole range, names the offending
//! token, gives its column (1-based, in characters), and says what to write instead. The kind
//! is a separate enum so tests and callers can tell the reasons apart without matching text.

/// A range that [`Range::parse`](super::Range::parse) refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid semver range `{text}` at column {column}: {kind}")]
pub struct RangeError {
    text: String,
    column: usize,
    kind: RangeErrorKind,
}

impl RangeError {
    /// `offset` is a byte offset into `text`; it is reported as a character column.
    pub(super) fn new(text: &str, offset: usize, kind: RangeErrorKind) -> RangeError {
        let before = text.get(..offset).unwrap_or(text);
        RangeError {
            text: text.to_string(),
            column: before.chars().count() + 1,
            kind,
        }
    }

    /// The 1-based character column of the offending token.
    pub fn column(&self) -> usize {
        self.column
    }

    pub fn kind(&self) -> &RangeErrorKind {
        &self.kind
    }
}

/// What is wrong with a range; see [`RangeError`] for where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeErrorKind {
    #[error("the range is empty; write a constraint such as `^1.2`, `~1.2.3` or `>=1.0.0 <2.0.0`")]
    Empty,

    #[error("there is no constraint on one side of `||`")]
    EmptyBranch,

    #[error("`|` on its own is not an operator; write `||` for \"or\"")]
    SinglePipe,

    #[error("unexpected `{found}`: expected {expected}")]
    Unexpected { found: String, expected: &'static str },

    #[error("`{op}` needs a version after it, e.g. `{op} 1.2.3`")]
    MissingVersion { op: String },

    #[error("`{token}` is neither a number nor a wildcard (`x`, `X` or `*`)")]
    BadPart { token: String },

    #[error("`{token}` is too large for a version number")]
    TooLarge { token: String },

    #[error("`{version}` has more than three numeric parts; a version is major.minor.patch")]
    TooManyParts { version: String },

    #[error("the {what} has an empty identifier; identifiers are `[0-9A-Za-z-]+`, separated by `.`")]
    EmptyIdentifier { what: &'static str },

    #[error("pre-release identifier `{ident}` is a number with a leading zero, which semver forbids")]
    LeadingZero { ident: String },

    #[error("`{token}` must be separated from the constraint before it by a space or `,`")]
    MissingSeparator { token: String },

    #[error("a `,` must be followed by another constraint")]
    TrailingComma,

    #[error(
        "a hyphen range takes plain versions, but `{token}` has an operator; write `1.2 - 1.4.5` or `>=1.2 <=1.4.5`"
    )]
    HyphenOperator { token: String },

    #[error(
        "a hyphen range needs a space on both sides of `-` (`1.2 - 1.4.5`); \
         a pre-release is written without spaces (`1.2.3-rc.1`)"
    )]
    HyphenSpacing,

    #[error(
        "`{token}` puts `{op}` before a wildcard major version, which Masterminds/semver reads as `{upstream}`; \
         tagbump refuses it: write `*` for any version, or give a major version"
    )]
    WildcardOperator {
        op: &'static str,
        token: String,
        upstream: &'static str,
    },

    #[error("`{token}` is at the largest version number, so the range has no upper bound to compute")]
    Overflow { token: String },
}
