//! Why a strict image reference was refused.
//!
//! One variant per rule of the grammar, so a caller (or a test) can tell the reasons apart
//! without matching on text, and every message names the reference as the user typed it and
//! says what to change. The offending part is carried as data, never as a `#[source]`, so an
//! error chain prints each fact once.

/// An image reference that [`ImageRef::parse`](super::ImageRef::parse) refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("invalid image reference: it is empty")]
    Empty,

    #[error("invalid image reference `{reference}`: it contains whitespace or a control character")]
    Whitespace { reference: String },

    #[error(
        "invalid image reference `{reference}`: an image reference has no URL scheme\n\
         hint: drop the `{scheme}://` prefix: `{without}`"
    )]
    Scheme {
        reference: String,
        scheme: String,
        without: String,
    },

    #[error("invalid image reference `{reference}`: the repository name is empty")]
    EmptyName { reference: String },

    #[error("invalid image reference `{reference}`: the tag after `:` is empty")]
    EmptyTag { reference: String },

    #[error("invalid image reference `{reference}`: the digest after `@` is empty")]
    EmptyDigest { reference: String },

    #[error(
        "invalid image reference `{reference}`: registry `{registry}` is not a valid host[:port] \
         (a DNS name or an IPv6 address in brackets, then optionally `:` and a port number)"
    )]
    InvalidRegistry { reference: String, registry: String },

    #[error("invalid image reference `{reference}`: repository name must be lowercase")]
    Uppercase { reference: String },

    #[error(
        "invalid image reference `{reference}`: the repository path has an empty component \
         (a leading, trailing or doubled `/`)"
    )]
    EmptyComponent { reference: String },

    #[error(
        "invalid image reference `{reference}`: path component `{component}` is invalid: use \
         lowercase letters and digits, joined by a single `.` or `_`, by `__`, or by dashes"
    )]
    InvalidComponent { reference: String, component: String },

    #[error("invalid image reference `{reference}`: the name is {len} characters long; the limit is 255")]
    NameTooLong { reference: String, len: usize },

    #[error(
        "invalid image reference `{reference}`: a 64-character hexadecimal string is an image ID, \
         not a repository name"
    )]
    HexName { reference: String },

    #[error(
        "invalid image reference `{reference}`: tag `{tag}` is invalid: use 1 to 128 letters, \
         digits, `_`, `.` or `-`, not starting with `.` or `-`"
    )]
    InvalidTag { reference: String, tag: String },

    #[error(
        "invalid image reference `{reference}`: digest `{digest}` must be `algorithm:hex`, \
         e.g. `sha256:` and 64 hex digits"
    )]
    DigestFormat { reference: String, digest: String },

    #[error(
        "invalid image reference `{reference}`: digest algorithm `{algorithm}` is invalid: use \
         lowercase letters and digits, joined by `+`, `.`, `_` or `-`"
    )]
    DigestAlgorithm { reference: String, algorithm: String },

    #[error("invalid image reference `{reference}`: digest `{digest}` is malformed: expected {expected}")]
    DigestEncoded {
        reference: String,
        digest: String,
        expected: String,
    },
}
