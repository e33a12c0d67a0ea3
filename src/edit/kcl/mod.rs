//! The KCL editor: image tags in `.k` files, changed at the token level.
//!
//! KCL's own override (`kcl -O`, `override_file`) parses the module and prints it again:
//! with kcl-lib 0.13, setting `app.image` in a seed `main.k` also drops its blank lines,
//! moves comments' spacing and turns `metadata.name = x` into `metadata: {name = x}`, so the
//! diff a GitOps reviewer reads is not the bump. tagbump instead lexes the module
//! (`lexer`), finds the string literals to change, and replaces exactly their bytes, written
//! in the quote style the file already uses (`string_lit`). Comments, blank lines and layout
//! stay byte for byte.
//!
//! Two ways to find a literal:
//! - by value (`images`): any string literal whose value is an image of a target's
//!   repository, wherever it sits (a schema instance, a dict, a list, a schema default);
//! - by path (`overrides`): the literal assigned at `app.image`, whatever its value, for
//!   modules where the image is not spelled out in one literal elsewhere.
//!
//! [`verify`] then re-lexes the result and refuses it unless only those literals changed.
//! Together with KCL's own evaluation in the tests, that is what keeps the editor honest.

mod error;
mod images;
mod lexer;
mod overrides;
mod string_lit;
mod verify;

use std::collections::BTreeMap;

pub use error::{KclError, PartialMatch};
pub use verify::verify;

use crate::edit::{Splice, Target};

/// Write `value` at the attribute `path` of a module.
///
/// `path` is dotted: its first segment is a top-level variable, the rest are keys through
/// nested config blocks (`app.image`, `config.containers.main.image`). The path must
/// already be assigned a string literal in the file: tagbump replaces it and never inserts a
/// missing attribute (that would mean choosing a block, a schema and an operator for the
/// user), so a path that is not there is an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KclOverride {
    pub path: String,
    pub value: String,
}

/// The splices that bump `targets` and apply `overrides` in the module `text`.
///
/// Every string literal whose value is an image of a target's repository is rewritten by
/// that target ([`Target::rewrite`]); every override replaces the literal at its path. Each
/// new literal keeps the old one's quote style and prefix. Apply the splices with
/// [`crate::edit::splice::apply`] and check the result with [`verify`].
pub fn edit(text: &str, targets: &[Target], overrides: &[KclOverride]) -> Result<Vec<Splice>, KclError> {
    let tokens = lexer::lex(text)?;
    let mut splices = images::splices(text, &tokens, targets)?;
    for ov in overrides {
        splices.extend(overrides::splices(text, &tokens, ov)?);
    }
    merge(text, splices)
}

/// One splice per literal: identical requests merge, different ones are a conflict.
fn merge(text: &str, splices: Vec<Splice>) -> Result<Vec<Splice>, KclError> {
    let mut by_start: BTreeMap<usize, Splice> = BTreeMap::new();
    for s in splices {
        match by_start.get(&s.range.start) {
            Some(prev) if prev.text == s.text => {}
            Some(prev) => {
                let start = s.range.start;
                let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                let column = text[line_start..start].chars().count() + 1;
                return Err(KclError::Conflict {
                    line: s.line,
                    column,
                    first: prev.new.clone(),
                    second: s.new,
                });
            }
            None => {
                by_start.insert(s.range.start, s);
            }
        }
    }
    Ok(by_start.into_values().collect())
}

#[cfg(test)]
mod tests;
