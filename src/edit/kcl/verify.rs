//! Proof that an edited module is the original with only the edited literals changed.
//!
//! The splices are the claim; this module checks it three ways before anything is written:
//! the updated text is exactly the original with the splices applied (no other byte moved),
//! both texts lex into the same tokens (so a new literal did not swallow a neighbour or open
//! a comment), and each edited literal keeps its kind and quote style and now reads as the
//! splice's new value while the original read as its old one.

use std::collections::HashMap;

use super::error::KclError;
use super::lexer::{self, Token, TokenKind};
use super::string_lit;
use crate::edit::Splice;
use crate::edit::splice::{apply, line_of};

/// Check `updated` against `original` and the `splices` that were applied to it.
pub fn verify(original: &str, updated: &str, splices: &[Splice]) -> Result<(), KclError> {
    let fail = |line: usize, detail: String| KclError::Verify { line, detail };
    let stitched = apply(original, splices).map_err(|e| fail(e.line, e.to_string()))?;
    if stitched != updated {
        let at = first_difference(&stitched, updated);
        return Err(fail(
            line_of(updated, at),
            "the text differs outside the edited literals".into(),
        ));
    }
    let before = lexer::lex(original)?;
    let after =
        lexer::lex(updated).map_err(|e| fail(line_of(updated, 0), format!("the edited text no longer lexes: {e}")))?;
    if before.len() != after.len() {
        let at = before
            .iter()
            .zip(&after)
            .position(|(a, b)| a.kind != b.kind)
            .unwrap_or(before.len().min(after.len()));
        let line = after.get(at).or(after.last()).map_or(1, |t| t.line);
        return Err(fail(line, format!("{} tokens became {}", before.len(), after.len())));
    }
    let by_start: HashMap<usize, &Splice> = splices.iter().map(|s| (s.range.start, s)).collect();
    let mut edited = 0;
    for (a, b) in before.iter().zip(&after) {
        match by_start.get(&a.span.start).filter(|s| s.range == a.span) {
            Some(splice) => {
                edited += 1;
                check_literal(original, a, updated, b, splice)?;
            }
            None if a.kind != b.kind || a.text(original) != b.text(updated) => {
                return Err(fail(
                    b.line,
                    format!("`{}` became `{}`", a.text(original), b.text(updated)),
                ));
            }
            None => {}
        }
    }
    let distinct: std::collections::HashSet<_> = splices.iter().map(|s| (s.range.start, s.range.end)).collect();
    if edited != distinct.len() {
        let line = splices.iter().map(|s| s.line).min().unwrap_or(1);
        return Err(fail(line, "an edit does not replace exactly one string literal".into()));
    }
    Ok(())
}

/// One edited literal: same style before and after, old value before, new value after.
fn check_literal(original: &str, a: &Token, updated: &str, b: &Token, splice: &Splice) -> Result<(), KclError> {
    let fail = |detail: String| KclError::Verify { line: a.line, detail };
    let (TokenKind::Str(style), TokenKind::Str(new_style)) = (a.kind, b.kind) else {
        return Err(fail(format!("`{}` is not a string literal", a.text(original))));
    };
    if style != new_style {
        return Err(fail(format!("the literal changed style from {style} to {new_style}")));
    }
    let read = |text: &str| string_lit::decode(style.body(text), style).map_err(|e| fail(e.reason));
    let old = read(a.text(original))?;
    let new = read(b.text(updated))?;
    if old != splice.old || new != splice.new {
        return Err(fail(format!(
            "the literal reads `{new}` (was `{old}`), expected `{}`",
            splice.new
        )));
    }
    Ok(())
}

fn first_difference(a: &str, b: &str) -> usize {
    a.bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}
