//! What can go wrong while editing a `.k` file.
//!
//! Every message that is about a place in the file starts with `line L:C:` (1-based line and
//! column, columns counted in characters), so the file editor can prefix the path and the
//! user lands on the spot. An override path that matches nothing has no place to point at;
//! its message says how far the path did get instead.

/// Why a `.k` file was not edited.
#[derive(Debug, thiserror::Error)]
pub enum KclError {
    /// A string literal runs into the end of its line (single-quoted forms) or of the file.
    #[error("line {line}:{column}: unterminated string literal")]
    UnterminatedString { line: usize, column: usize },

    /// A string literal tagbump had to read holds an escape it cannot decode.
    #[error("line {line}:{column}: cannot read string literal: {reason}")]
    InvalidString { line: usize, column: usize, reason: String },

    /// The new value cannot be written in the quote style the file uses at this place.
    #[error(
        "line {line}:{column}: cannot write `{value}` as a {style} literal: {reason}\n\
         hint: change this literal to a plain \"...\" string, then run tagbump again"
    )]
    Unrepresentable {
        line: usize,
        column: usize,
        value: String,
        style: String,
        reason: String,
    },

    /// The override path is not a dotted list of names (`app.image`).
    #[error("override path `{path}` is not a dotted attribute path such as app.image")]
    InvalidPath { path: String },

    /// Nothing in the module is assigned at the override path. tagbump never adds one.
    #[error(
        "override path {path} not found{}\n\
         hint: tagbump replaces a value that is already written and never adds one; \
         assign a string literal at {path} first",
        not_found_detail(.found)
    )]
    PathNotFound { path: String, found: Option<PartialMatch> },

    /// The override path is assigned something other than a plain string literal.
    #[error(
        "line {line}:{column}: override path {path} holds {found}, not a string literal\n\
         hint: tagbump only replaces a string literal; write the image as a plain string \
         there, or bump the literal the value is built from"
    )]
    NotAStringLiteral {
        path: String,
        line: usize,
        column: usize,
        found: String,
    },

    /// An opening bracket the override search had to walk through is never closed.
    #[error("line {line}:{column}: `{bracket}` is never closed")]
    Unclosed { line: usize, column: usize, bracket: char },

    /// A closing bracket that does not match the bracket it would close.
    #[error("line {line}:{column}: unexpected `{bracket}`")]
    Unexpected { line: usize, column: usize, bracket: char },

    /// Two requests (an image target and an override path) ask for different values in the
    /// same literal.
    #[error(
        "line {line}:{column}: two edits disagree about this string literal: \
         `{first}` and `{second}`"
    )]
    Conflict {
        line: usize,
        column: usize,
        first: String,
        second: String,
    },

    /// The edited text is not the original with only the edited literals changed. A bug in
    /// tagbump, never the user's fault; nothing is written.
    #[error(
        "line {line}: internal error: the edit changed more than the image literals \
         ({detail}); nothing was written"
    )]
    Verify { line: usize, detail: String },
}

/// How far an override path got before it stopped matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialMatch {
    /// The longest prefix of the path that was found, such as `app`.
    pub prefix: String,
    /// The line where that prefix is assigned.
    pub line: usize,
    /// What stopped the search there.
    pub reason: String,
}

fn not_found_detail(found: &Option<PartialMatch>) -> String {
    match found {
        None => ": no top-level variable of that name is assigned in this file".to_string(),
        Some(m) => format!(": `{}` is assigned at line {} but {}", m.prefix, m.line, m.reason),
    }
}
