//! Image literals: string literals whose value is an image of a target's repository.
//!
//! KCL has no image type, so the only sign that a string is an image is its value. A literal
//! is a candidate when its value reads as a full image reference: no whitespace or control
//! characters, and a tag or a digest. The last rule keeps `name = "nginx"` and
//! `repository = "ghcr.io/acme/app"` out of a bump (they name things; turning them into
//! `nginx:1.27` would be wrong); an image written with no tag at all is reached with an
//! override path instead. A literal built at run time (`"${registry}/app:1"` interpolates)
//! has no value in the file and is never a candidate. A literal used as a key
//! (`{"ghcr.io/a/b:1": ...}`, a string followed by `:` or `=`) names an entry rather than
//! holding a value, and is left alone.
//! Comments are never candidates: the lexer keeps them apart from strings.

use super::error::KclError;
use super::lexer::{Token, TokenKind};
use super::string_lit::{self, StrStyle};
use crate::edit::{Splice, Target};
use crate::image::ImageRef;

/// Splices for every literal in `tokens` whose value a target rewrites to something new.
pub fn splices(src: &str, tokens: &[Token], targets: &[Target]) -> Result<Vec<Splice>, KclError> {
    let mut out = Vec::new();
    if targets.is_empty() {
        return Ok(out);
    }
    for (i, tok) in tokens.iter().enumerate() {
        let TokenKind::Str(style) = tok.kind else {
            continue;
        };
        if is_key(src, &tokens[i + 1..]) {
            continue;
        }
        // A literal tagbump cannot read cannot be an image it would rewrite: KCL will judge it.
        let Ok(old) = string_lit::decode(style.body(tok.text(src)), style) else {
            continue;
        };
        if !looks_like_image(&old) {
            continue;
        }
        let Some(new) = targets.iter().find_map(|t| t.rewrite(&old)) else {
            continue;
        };
        if new == old {
            continue;
        }
        out.push(replace(src, tok, style, &old, &new)?);
    }
    Ok(out)
}

/// The splice that writes `new` in place of the literal `tok` (whose value is `old`), in the
/// literal's own style.
pub fn replace(src: &str, tok: &Token, style: StrStyle, old: &str, new: &str) -> Result<Splice, KclError> {
    let text = string_lit::encode(new, style).map_err(|e| KclError::Unrepresentable {
        line: tok.line,
        column: tok.column,
        value: new.to_string(),
        style: style.to_string(),
        reason: e.0,
    })?;
    debug_assert_eq!(crate::edit::splice::line_of(src, tok.span.start), tok.line);
    Ok(Splice {
        range: tok.span.clone(),
        text,
        line: tok.line,
        old: old.to_string(),
        new: new.to_string(),
    })
}

/// Whether a value could be an image reference written out in full, tag or digest included.
fn looks_like_image(value: &str) -> bool {
    if value.contains("${") || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let image = ImageRef::split(value);
    !image.name.is_empty() && (image.tag.is_some() || image.digest.is_some())
}

/// Whether the literal before `rest` is a key: the next token, comments aside, is `:` or `=`.
fn is_key(src: &str, rest: &[Token]) -> bool {
    rest.iter()
        .find(|t| t.kind != TokenKind::Comment)
        .is_some_and(|t| t.is_punct(src, ":") || t.is_punct(src, "="))
}
