//! Helm values files: setting a key path the way Argo CD Image Updater does, and bumping the
//! `repository`/`tag` pairs that nearly every chart uses for its images.
//!
//! Two ways in, for two kinds of user. [`set_value`] and [`set_values`] take an explicit key
//! path (`image.tag`, `sidecars[1].image.tag`) with Argo CD Image Updater's semantics
//! (`helm-set-value` and its `helmvalues` write-back), so a repository managed by it can move
//! to tagbump without renaming anything; the peer's own tests pin those semantics (see the
//! conformance corpus). [`bump`](fn@bump) needs no key at all: it finds the image mappings by shape and
//! only ever rewrites values that already exist, so it can run on every values file of a
//! repository without creating keys a chart does not read.
//!
//! Both work on the original text only: every path is resolved against the parsed tree, and
//! the changes are collected as splices in [`Edits`](super::yaml::Edits), which
//! [`YamlDoc::finish`](super::yaml::YamlDoc::finish) applies and verifies. Aliases are
//! followed to their anchors, as Argo CD Image Updater follows them, so `tag: *version`
//! changes the anchored `version:` and the alias stays an alias.

mod bump;
mod create;
mod key;
mod resolve;
mod set;

pub use bump::bump;
pub use set::{set_value, set_values};

use super::yaml::YamlError;

/// Why a values key could not be set. Every message names the key path and a line.
#[derive(Debug, thiserror::Error)]
pub enum HelmError {
    #[error("line {line}: key `{key}`: index [{index}] is out of range (list has {})", items(*.len))]
    OutOfRange {
        line: usize,
        key: String,
        index: i64,
        len: usize,
    },
    #[error("line {line}: key `{key}`: `[{index}]` is not a list index\nhint: write a number, as in `{name}[0]`")]
    BadIndex {
        line: usize,
        key: String,
        name: String,
        index: String,
    },
    #[error(
        "line {line}: key `{key}`: `{name}` is a list of {}, so the path must say which one\n\
         hint: write `{name}[0]` for the first item",
        items(*.len)
    )]
    NoIndex {
        line: usize,
        key: String,
        name: String,
        len: usize,
    },
    #[error("line {line}: key `{key}`: `{name}` is {found}, not a list\nhint: drop the `[{index}]`")]
    NotAList {
        line: usize,
        key: String,
        name: String,
        found: String,
        index: String,
    },
    #[error("line {line}: key `{key}`: `{name}` is {found}, so it has no key `{next}`")]
    NotAMapping {
        line: usize,
        key: String,
        name: String,
        found: String,
        next: String,
    },
    #[error("line {line}: key `{key}` is {found}; tagbump only sets strings")]
    NotAString { line: usize, key: String, found: String },
    #[error("line {line}: key `{key}`: the values file is {found}, not a mapping of keys")]
    RootNotMapping { line: usize, key: String, found: String },
    #[error(
        "line 1: key `{key}`: the values file has no content\nhint: write `{{}}` into it, and tagbump will add the key"
    )]
    Empty { key: String },
    #[error(
        "line {line}: key `{key}`: `{name}` does not exist, and tagbump does not create lists\n\
         hint: add the list to the values file first"
    )]
    NoSuchList { line: usize, key: String, name: String },
    #[error(
        "line {line}: key `{key}`: the path has an empty part\n\
         hint: write keys separated by single dots, as in `image.tag`"
    )]
    EmptySegment { line: usize, key: String },
    #[error(
        "line {line}: keys `{key}` and `{other}` cannot both be set: the first is a string, and the second needs a \
         mapping there"
    )]
    Conflict { line: usize, key: String, other: String },
    #[error("line {line}: key `{key}`: {msg}")]
    Unsupported { line: usize, key: String, msg: String },
}

/// `1 item`, `2 items`.
fn items(n: usize) -> String {
    if n == 1 { "1 item".into() } else { format!("{n} items") }
}

impl HelmError {
    /// A refusal of the YAML layer, named after the key it was for.
    fn yaml(key: &str, e: YamlError) -> Self {
        let key = key.to_string();
        match e {
            YamlError::BlockScalar { line, value } => HelmError::Unsupported {
                line,
                key,
                msg: format!("`{value}` is a block scalar (`|` or `>`); tagbump does not rewrite those"),
            },
            YamlError::Unsupported { line, msg } => HelmError::Unsupported { line, key, msg },
            other => HelmError::Unsupported {
                line: 1,
                key,
                msg: other.to_string(),
            },
        }
    }
}
