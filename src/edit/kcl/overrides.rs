//! Override paths: the string literal assigned at `app.image` in a module.
//!
//! A path names a top-level variable and then keys through nested config blocks:
//! `config.containers.main.image` finds
//!
//! ```text
//! config = Config {            # or `config = {`, `config: Config = Config {`, `Config(x) {`
//!     containers.main = {      # dotted keys count as their segments
//!         image = "..."        # `image: "..."` and `image += ...` too
//!     }
//! }
//! ```
//!
//! Only what is written in the module is searched: a value inherited from a schema default,
//! built by a function call, or hidden under `if` is not there to replace, and the search
//! says so. Every assignment of the path is replaced, so a module that sets it twice stays
//! consistent.
//!
//! A path that matches nothing is an error; tagbump does not add the attribute, because where
//! and how to add it (which block, which schema, `=` or `:`) is the user's decision.

use std::ops::Range;

use super::KclOverride;
use super::error::{KclError, PartialMatch};
use super::images::replace;
use super::lexer::{Token, TokenKind};
use super::string_lit;
use crate::edit::Splice;

/// The splices that write `ov.value` at `ov.path` (none when it is already there).
pub fn splices(src: &str, tokens: &[Token], ov: &KclOverride) -> Result<Vec<Splice>, KclError> {
    let segments: Vec<&str> = ov.path.split('.').collect();
    if segments.iter().any(|s| s.trim().is_empty() || *s != s.trim()) {
        return Err(KclError::InvalidPath { path: ov.path.clone() });
    }
    let sig: Vec<&Token> = tokens
        .iter()
        .filter(|t| !matches!(t.kind, TokenKind::Comment | TokenKind::Continuation))
        .collect();
    let closing = match_brackets(src, &sig)?;
    let mut search = Search {
        src,
        sig: &sig,
        closing: &closing,
        path: &segments,
        hits: Vec::new(),
        best: None,
    };
    search.module();
    if search.hits.is_empty() {
        let found = search.best.map(|(_, m)| m);
        return Err(KclError::PathNotFound {
            path: ov.path.clone(),
            found,
        });
    }
    let mut out = Vec::new();
    for hit in search.hits {
        // An empty value (`image =` and then nothing) points at its operator.
        let tok = if hit.is_empty() {
            sig[hit.start - 1]
        } else {
            sig[hit.start]
        };
        let style = match classify(src, &sig, &closing, hit.clone()) {
            Value::Str(style) => style,
            Value::Block(..) => return Err(not_a_string(ov, tok, "a config block".into())),
            Value::Expr => return Err(not_a_string(ov, tok, describe(src, &sig, hit))),
        };
        let old = string_lit::decode(style.body(tok.text(src)), style).map_err(|e| KclError::InvalidString {
            line: tok.line,
            column: tok.column,
            reason: e.reason,
        })?;
        if old.contains("${") && style.raw.is_none() {
            return Err(not_a_string(ov, tok, "an interpolated string".into()));
        }
        if old != ov.value {
            out.push(replace(src, tok, style, &old, &ov.value)?);
        }
    }
    Ok(out)
}

fn not_a_string(ov: &KclOverride, tok: &Token, found: String) -> KclError {
    KclError::NotAStringLiteral {
        path: ov.path.clone(),
        line: tok.line,
        column: tok.column,
        found,
    }
}

/// What a value (a range of significant tokens) is.
enum Value {
    /// One string literal.
    Str(string_lit::StrStyle),
    /// A config block, with or without a schema in front: the indices of `{` and `}`.
    Block(usize, usize),
    /// Anything else.
    Expr,
}

fn classify(src: &str, sig: &[&Token], closing: &[Option<usize>], value: Range<usize>) -> Value {
    if value.is_empty() {
        return Value::Expr;
    }
    if value.len() == 1
        && let TokenKind::Str(style) = sig[value.start].kind
    {
        return Value::Str(style);
    }
    // `{...}`, or a schema in front of it: `Name(.Name)*` with optional `(arguments)`.
    let mut i = value.start;
    while i < value.end && sig[i].kind == TokenKind::Ident {
        i += 1;
        if i < value.end && sig[i].is_punct(src, ".") {
            i += 1;
        } else {
            break;
        }
    }
    if i > value.start && i < value.end && sig[i].is_punct(src, "(") {
        i = closing[i].map_or(value.end, |c| c + 1);
    }
    let last = value.end - 1;
    if i < value.end && sig[i].is_punct(src, "{") && closing[i] == Some(last) {
        Value::Block(i, last)
    } else {
        Value::Expr
    }
}

/// For each opening bracket, the index of its closing one. Errors name the first bracket
/// that does not pair up.
fn match_brackets(src: &str, sig: &[&Token]) -> Result<Vec<Option<usize>>, KclError> {
    let mut closing = vec![None; sig.len()];
    let mut stack: Vec<(usize, char)> = Vec::new();
    for (i, t) in sig.iter().enumerate() {
        if t.kind != TokenKind::Punct {
            continue;
        }
        let c = t.text(src).chars().next().unwrap_or(' ');
        match c {
            '(' | '[' | '{' => stack.push((i, c)),
            ')' | ']' | '}' => {
                let want = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match stack.pop() {
                    Some((open, o)) if o == want => closing[open] = Some(i),
                    _ => {
                        return Err(KclError::Unexpected {
                            line: t.line,
                            column: t.column,
                            bracket: c,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(&(open, bracket)) = stack.first() {
        return Err(KclError::Unclosed {
            line: sig[open].line,
            column: sig[open].column,
            bracket,
        });
    }
    Ok(closing)
}

struct Search<'a> {
    src: &'a str,
    sig: &'a [&'a Token],
    closing: &'a [Option<usize>],
    path: &'a [&'a str],
    /// Token ranges of the values assigned at the full path.
    hits: Vec<Range<usize>>,
    /// The deepest partial match, with the number of segments it matched.
    best: Option<(usize, PartialMatch)>,
}

impl Search<'_> {
    fn text(&self, i: usize) -> &str {
        self.sig[i].text(self.src)
    }

    fn is_newline(&self, i: usize) -> bool {
        self.sig[i].kind == TokenKind::Newline
    }

    /// The index after the token at `i`, jumping over a whole bracket group.
    fn skip(&self, i: usize) -> usize {
        self.closing[i].map_or(i + 1, |c| c + 1)
    }

    /// Top-level statements: a name in the first column, at the start of a logical line.
    fn module(&mut self) {
        let mut i = 0;
        let mut line_start = true;
        while i < self.sig.len() {
            let t = self.sig[i];
            if t.kind == TokenKind::Newline {
                line_start = true;
                i += 1;
                continue;
            }
            if line_start
                && t.column == 1
                && t.kind == TokenKind::Ident
                && self.text(i) == self.path[0]
                && let Some(start) = self.assigned_value(i)
            {
                let value = self.value(start);
                self.matched(1, i, value);
            }
            line_start = false;
            i = self.skip(i);
        }
    }

    /// Where the value starts in `name = value` or `name: Type = value` at `i`.
    fn assigned_value(&self, i: usize) -> Option<usize> {
        let next = i + 1;
        if next >= self.sig.len() {
            return None;
        }
        if self.sig[next].is_punct(self.src, "=") {
            return Some(next + 1);
        }
        if !self.sig[next].is_punct(self.src, ":") {
            return None;
        }
        let mut j = next + 1;
        while j < self.sig.len() && !self.is_newline(j) {
            if self.sig[j].is_punct(self.src, "=") {
                return Some(j + 1);
            }
            j = self.skip(j);
        }
        None
    }

    /// The token range of a value starting at `start`: up to a line break, a `,` or the
    /// bracket that closes the enclosing block.
    fn value(&self, start: usize) -> Range<usize> {
        let mut j = start;
        while j < self.sig.len() {
            let t = self.sig[j];
            let text = self.text(j);
            // Bracket groups are jumped over whole, so any closer here ends the enclosing block.
            if t.kind == TokenKind::Newline || (t.kind == TokenKind::Punct && matches!(text, "," | ")" | "]" | "}")) {
                break;
            }
            j = self.skip(j);
        }
        start..j
    }

    /// `depth` segments of the path matched a key at token `key`, whose value is `value`.
    fn matched(&mut self, depth: usize, key: usize, value: Range<usize>) {
        if depth == self.path.len() {
            self.hits.push(value);
            return;
        }
        let line = self.sig[key].line;
        let prefix = self.path[..depth].join(".");
        match classify(self.src, self.sig, self.closing, value.clone()) {
            Value::Block(open, close) => {
                let before = self.hits.len();
                self.block(depth, open, close);
                if self.hits.len() == before {
                    let reason = format!("has no `{}` in its config", self.path[depth]);
                    self.note(depth, PartialMatch { prefix, line, reason });
                }
            }
            _ => {
                let shown = describe(self.src, self.sig, value);
                let reason = format!("its value is not a `{{...}}` config block but {shown}");
                self.note(depth, PartialMatch { prefix, line, reason });
            }
        }
    }

    fn note(&mut self, depth: usize, m: PartialMatch) {
        if self.best.as_ref().is_none_or(|(d, _)| depth > *d) {
            self.best = Some((depth, m));
        }
    }

    /// The entries of the config block between `open` and `close`, where `depth` segments of
    /// the path are already matched.
    fn block(&mut self, depth: usize, open: usize, close: usize) {
        let mut j = open + 1;
        while j < close {
            if self.is_newline(j) || self.sig[j].is_punct(self.src, ",") {
                j += 1;
                continue;
            }
            if self.sig[j].kind == TokenKind::Ident && matches!(self.text(j), "if" | "elif" | "else") {
                j = self.skip_conditional(j, close);
                continue;
            }
            let key_start = j;
            let mut key: Vec<String> = Vec::new();
            while j < close {
                let segment = match self.sig[j].kind {
                    TokenKind::Ident => Some(self.text(j).to_string()),
                    TokenKind::Str(style) => string_lit::decode(style.body(self.text(j)), style).ok(),
                    _ => None,
                };
                let Some(segment) = segment else { break };
                key.push(segment);
                j += 1;
                if j < close && self.sig[j].is_punct(self.src, ".") {
                    j += 1;
                } else {
                    break;
                }
            }
            let is_op = j < close && matches!(self.text(j), ":" | "=" | "+=") && self.sig[j].kind == TokenKind::Punct;
            if key.is_empty() || !is_op {
                // `**base`, a comprehension, or something this search does not follow.
                j = self.value(j.max(key_start)).end.max(j + 1);
                continue;
            }
            let value = self.value(j + 1);
            j = value.end.max(j + 1);
            let rest = &self.path[depth..];
            if key.len() <= rest.len() && key.iter().zip(rest).all(|(k, p)| k == p) {
                self.matched(depth + key.len(), key_start, value);
            }
        }
    }

    /// Skip an `if`/`elif`/`else` entry at `j`: its own line and the lines indented under it.
    fn skip_conditional(&self, j: usize, close: usize) -> usize {
        let column = self.sig[j].column;
        let mut k = j;
        loop {
            while k < close && !self.is_newline(k) {
                k = self.skip(k);
            }
            let mut next = k;
            while next < close && self.is_newline(next) {
                next += 1;
            }
            if next < close && self.sig[next].column > column {
                k = next;
            } else {
                return next;
            }
        }
    }
}

/// A value for a message: "nothing", or "the expression `...`".
fn describe(src: &str, sig: &[&Token], value: Range<usize>) -> String {
    if value.is_empty() {
        return "nothing".to_string();
    }
    let (a, b) = (sig[value.start], sig[value.end - 1]);
    format!("the expression `{}`", snippet(&src[a.span.start..b.span.end]))
}

/// A value's text for a message: one line, at most 60 characters.
fn snippet(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(60) {
        Some((at, _)) => format!("{}...", &one_line[..at]),
        None => one_line,
    }
}
