//! Scalars at the byte level: where exactly a scalar token starts and ends, and how to write
//! a new value so that it reads back as the same string in the same quoting style.
//!
//! Quote style is kept: a double-quoted value stays double-quoted, a single-quoted one single,
//! a plain one plain as long as the new value is still a *string* when read back as plain
//! YAML 1.1 or 1.2 (Kubernetes tooling mixes both). A tag `1234` or `2024-01-01` written into a
//! plain scalar would turn into a number or a date, so it is double-quoted instead, which is
//! what `kustomize edit set image` does too.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::tree::Style;

/// Skip node properties (`&anchor`, `!tag`) and the whitespace, comments and line breaks
/// after them, from byte `at`.
pub fn skip_properties(text: &str, mut at: usize) -> usize {
    let b = text.as_bytes();
    loop {
        match b.get(at) {
            Some(b'&') | Some(b'!') => {
                while at < b.len() && !matches!(b[at], b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']' | b'{' | b'}')
                {
                    at += 1;
                }
            }
            Some(b' ') | Some(b'\t') | Some(b'\r') | Some(b'\n') => at += 1,
            Some(b'#') if at > 0 && matches!(b[at - 1], b' ' | b'\t' | b'\n') => {
                while at < b.len() && b[at] != b'\n' {
                    at += 1;
                }
            }
            _ => return at,
        }
    }
}

/// The exact bytes of a scalar token, quotes included and properties excluded, given the
/// parser's span (which may start at the properties and, for quoted scalars, run on).
pub fn token_range(text: &str, span: Range<usize>, style: Style) -> Range<usize> {
    let b = text.as_bytes();
    match style {
        Style::Double | Style::Single => {
            let start = skip_properties(text, span.start);
            let quote = if style == Style::Double { b'"' } else { b'\'' };
            if b.get(start) != Some(&quote) {
                return span;
            }
            let mut i = start + 1;
            while i < b.len() {
                match b[i] {
                    b'\\' if style == Style::Double => i += 2,
                    b'\'' if style == Style::Single && b.get(i + 1) == Some(&b'\'') => i += 2,
                    c if c == quote => return start..i + 1,
                    _ => i += 1,
                }
            }
            span
        }
        Style::Plain => {
            if span.is_empty() {
                // An empty value (`key:`): the parser puts it at the `:`; it lives after it,
                // which is where a new value goes and where its line comment starts.
                return if b.get(span.start) == Some(&b':') {
                    span.start + 1..span.start + 1
                } else {
                    span
                };
            }
            let start = skip_properties(text, span.start).min(span.end);
            let mut end = span.end;
            while end > start && matches!(b[end - 1], b' ' | b'\t') {
                end -= 1;
            }
            start..end
        }
        Style::Literal | Style::Folded => span,
    }
}

static NON_STRING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:",
        r"~|null|Null|NULL",
        r"|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
        // Go's strconv (yaml.v3, which kustomize and Helm use) takes 0X, 0B and 0O too.
        r"|[-+]?0[bB][01_]+|[-+]?0[oO]?[0-7_]+|[-+]?0[xX][0-9a-fA-F_]+",
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])*",
        r"|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?",
        r"|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+",
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?",
        r")$"
    ))
    .expect("valid regex")
});

/// What Go's yaml (sigs.k8s.io/yaml, behind kustomize, Helm and kubectl) does with a plain
/// scalar that starts like a number: drop every `_`, then take any Go integer literal or
/// float `strconv` accepts (so `1e_3` is the float 1000).
static GO_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[0-9]+",
        r"|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?",
        r"|0[xX](?:[0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?|\.[0-9a-fA-F]+)[pP][-+]?[0-9]+",
        r"|(?i:inf|infinity|nan))$"
    ))
    .expect("valid regex")
});

/// Whether a plain scalar with this text reads back as a string (not null, bool, number or
/// timestamp) under YAML 1.1 and 1.2 rules and Go's yaml.
pub fn plain_is_string(v: &str) -> bool {
    let go_number =
        v.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c)) && GO_NUMBER.is_match(&v.replace('_', ""));
    !v.is_empty() && !NON_STRING.is_match(v) && !go_number && v != "." && v != "-" && v != "+"
}

/// Whether `v` can be written as a plain scalar and read back as exactly `v`.
pub fn plain_safe(v: &str, in_flow: bool) -> bool {
    let Some(first) = v.chars().next() else {
        return false;
    };
    if !plain_is_string(v) {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) || first.is_whitespace() {
        return false;
    }
    if v.ends_with([' ', '\t', ':']) || v.contains(": ") || v.contains(" #") {
        return false;
    }
    if v.chars().any(|c| c.is_control() || c == '\u{feff}') {
        return false;
    }
    !(in_flow && v.contains([',', '[', ']', '{', '}']))
}

/// Escape for a double-quoted scalar.
pub fn double_quoted(v: &str) -> String {
    let mut s = String::with_capacity(v.len() + 2);
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            c if c.is_control() => s.push_str(&format!("\\u{:04x}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// The text to write for `value` in place of a scalar of style `style`; `None` for block
/// scalars, which tagbump does not rewrite.
pub fn render(value: &str, style: Style, in_flow: bool) -> Option<String> {
    match style {
        Style::Double => Some(double_quoted(value)),
        Style::Single if !value.chars().any(|c| c.is_control()) => Some(format!("'{}'", value.replace('\'', "''"))),
        Style::Single => Some(double_quoted(value)),
        Style::Plain if plain_safe(value, in_flow) => Some(value.to_string()),
        Style::Plain => Some(double_quoted(value)),
        Style::Literal | Style::Folded => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_dates_and_bools_are_not_plain_strings() {
        for v in [
            "1234",
            "3.2e2",
            "1.2",
            "0x1F",
            "yes",
            "off",
            "~",
            "2024-01-01",
            "1_000",
            "12:30",
            ".5",
            "null",
        ] {
            assert!(!plain_is_string(v), "{v}");
        }
        for v in [
            "v1.2.3",
            "1.2.3",
            "nginx:1.2",
            "latest",
            "sha256:abc",
            "1.2.3-rc.1",
            "1e",
            "0.1.0-alpha",
        ] {
            assert!(plain_is_string(v), "{v}");
        }
    }

    #[test]
    fn render_keeps_style_or_quotes_when_needed() {
        assert_eq!(render("1.2.3", Style::Plain, false).unwrap(), "1.2.3");
        assert_eq!(render("1234", Style::Plain, false).unwrap(), "\"1234\"");
        assert_eq!(render("it's", Style::Single, false).unwrap(), "'it''s'");
        assert_eq!(render("a\"b", Style::Double, false).unwrap(), "\"a\\\"b\"");
        assert_eq!(render("a,b", Style::Plain, true).unwrap(), "\"a,b\"");
        assert!(render("x", Style::Literal, false).is_none());
    }

    #[test]
    fn token_range_skips_properties_and_comments() {
        let t = "&a !!str \"x\\\"y\" # c";
        assert_eq!(&t[token_range(t, 0..t.len(), Style::Double)], "\"x\\\"y\"");
        let t = "'a''b' #c";
        assert_eq!(&t[token_range(t, 0..t.len(), Style::Single)], "'a''b'");
    }
}
