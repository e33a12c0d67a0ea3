//! Message templates: commit messages, pull-request titles and bodies, work-branch names.
//!
//! Deliberately tiny: `{variable}` substitution and `{{`/`}}` for literal braces, nothing
//! else. Templates are checked when the config is loaded, so an unknown `{variabel}` is an
//! error naming its line before anything is resolved or written, not a commit message with
//! a hole in it.

use std::collections::BTreeMap;

/// The variables a template may use.
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "name",
        "the config's name (default: the single image's name, else `images`)",
    ),
    ("summary", "`bump shop to 1.5.0`, or `bump 3 images` for several"),
    (
        "images",
        "the bumped images and their new tags: `shop 1.5.0, api 2.0.1`",
    ),
    ("bumps", "one line per image: `- ghcr.io/acme/shop: 1.4.0 → 1.5.0`"),
    ("count", "how many images changed"),
    ("branch", "the branch the change is written to"),
    ("base", "the branch the change is for (the target branch)"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unknown variable `{{{0}}}` (known: {known})", known = VARIABLES.iter().map(|(v, _)| format!("{{{v}}}")).collect::<Vec<_>>().join(", "))]
    Unknown(String),
    #[error("unclosed `{{` at byte {0} (write `{{{{` for a literal brace)")]
    Unclosed(usize),
    #[error("unmatched `}}` at byte {0} (write `}}}}` for a literal brace)")]
    Unmatched(usize),
}

impl Template {
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = source.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|(_, c)| *c) == Some('{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek().map(|(_, c)| *c) == Some('}') => {
                    chars.next();
                    text.push('}');
                }
                '{' => {
                    let rest = &source[i + 1..];
                    let end = rest.find('}').ok_or(TemplateError::Unclosed(i))?;
                    let name = rest[..end].trim();
                    if !VARIABLES.iter().any(|(v, _)| *v == name) {
                        return Err(TemplateError::Unknown(name.to_string()));
                    }
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Var(name.to_string()));
                    for _ in 0..=end {
                        chars.next();
                    }
                }
                '}' => return Err(TemplateError::Unmatched(i)),
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Template {
            source: source.to_string(),
            pieces,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Fill in the variables (a variable missing from `vars` renders empty).
    pub fn render(&self, vars: &BTreeMap<&str, String>) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(v) => out.push_str(vars.get(v.as_str()).map(String::as_str).unwrap_or("")),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<&'static str, String> {
        BTreeMap::from([("name", "shop".to_string()), ("count", "2".to_string())])
    }

    #[test]
    fn substitutes_and_escapes() {
        let t = Template::parse("bump {name} ({ count }) {{literal}}").unwrap();
        assert_eq!(t.render(&vars()), "bump shop (2) {literal}");
        assert_eq!(t.source(), "bump {name} ({ count }) {{literal}}");
    }

    #[test]
    fn refuses_unknown_and_unbalanced() {
        let e = Template::parse("bump {nmae}").unwrap_err();
        assert_eq!(e, TemplateError::Unknown("nmae".into()));
        assert!(e.to_string().contains("{name}"), "{e}");
        assert_eq!(Template::parse("a {name").unwrap_err(), TemplateError::Unclosed(2));
        assert_eq!(Template::parse("a } b").unwrap_err(), TemplateError::Unmatched(2));
    }

    #[test]
    fn multibyte_text_survives() {
        let t = Template::parse("→ {name} ✓").unwrap();
        assert_eq!(t.render(&vars()), "→ shop ✓");
    }
}
