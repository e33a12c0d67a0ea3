//! KCL string literals: what a literal's bytes mean, and how to write a new value in the
//! same quote style.
//!
//! The rules are KCL's own (its lexer and `str_content_eval`), which follow Python's:
//! an optional `r`/`R` prefix, `'` or `"`, single or tripled. In a plain literal `\\`, `\'`,
//! `\"`, `\a \b \f \n \r \t \v`, octal `\NNN`, `\xNN`, `\uNNNN`, `\UNNNNNNNN` and a backslash
//! before a newline (which joins lines) are escapes; any other backslash is kept as written.
//! In a raw literal every backslash is kept, together with the character after it.
//!
//! Writing keeps the style the file already uses, so a bump never turns `'...'` into
//! `"..."`. Whatever is written is read back with [`decode`] before it is returned: a value
//! that the style cannot carry (a quote in a raw string, a newline in a one-line raw string,
//! a `${` that KCL would read as interpolation) is refused rather than written wrong.

use std::fmt;

/// The quote style of one literal: prefix, quote character, single or tripled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrStyle {
    /// `Some('r')` or `Some('R')` for a raw literal.
    pub raw: Option<char>,
    /// `'` or `"`.
    pub quote: char,
    /// `'''...'''` or `"""..."""`.
    pub triple: bool,
}

impl StrStyle {
    /// Bytes before the content: prefix and opening quote(s).
    pub fn open_len(&self) -> usize {
        usize::from(self.raw.is_some()) + self.close_len()
    }

    /// Bytes after the content: the closing quote(s).
    pub fn close_len(&self) -> usize {
        if self.triple { 3 } else { 1 }
    }

    /// The content of a whole literal token written in this style.
    pub fn body<'a>(&self, literal: &'a str) -> &'a str {
        &literal[self.open_len()..literal.len() - self.close_len()]
    }

    fn quotes(&self) -> String {
        std::iter::repeat_n(self.quote, self.close_len()).collect()
    }
}

impl fmt::Display for StrStyle {
    /// The style as a user would recognise it: `r"..."`, `'''...'''`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = self.quotes();
        match self.raw {
            Some(r) => write!(f, "raw {r}{q}...{q}"),
            None => write!(f, "{q}...{q}"),
        }
    }
}

/// A literal that does not mean anything KCL would accept, or that tagbump cannot read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset in the literal's content where the problem starts.
    pub at: usize,
    pub reason: String,
}

/// The value of a literal's content (`body`), read in `style`.
pub fn decode(body: &str, style: StrStyle) -> Result<String, DecodeError> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    let err = |at: usize, reason: &str| DecodeError {
        at,
        reason: reason.to_string(),
    };
    while let Some((at, c)) = chars.next() {
        if !style.triple && (c == '\n' || c == '\r') {
            return Err(err(at, "line break in a one-line string"));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, next)) = chars.next() else {
            return Err(err(at, "backslash at the end of the string"));
        };
        if style.raw.is_some() {
            out.push('\\');
            out.push(next);
            continue;
        }
        match next {
            '\\' | '\'' | '"' => out.push(next),
            '\n' => {}
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut value = next.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek() {
                        Some(&(_, d @ '0'..='7')) => {
                            value = value * 8 + d.to_digit(8).unwrap_or(0);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                out.push(char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            'x' | 'u' | 'U' => {
                let digits = match next {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut value: u32 = 0;
                for _ in 0..digits {
                    let d = chars.next().and_then(|(_, d)| d.to_digit(16));
                    let Some(d) = d else {
                        return Err(err(at, &format!("`\\{next}` needs {digits} hex digits")));
                    };
                    value = value * 16 + d;
                }
                let decoded = match value {
                    0xD800..=0xDFFF => Some(char::REPLACEMENT_CHARACTER),
                    v => char::from_u32(v),
                };
                let Some(decoded) = decoded else {
                    return Err(err(at, &format!("`\\{next}{value:x}` is not a Unicode character")));
                };
                out.push(decoded);
            }
            'N' => {
                // KCL resolves `\N{NAME}` with the Unicode name table; tagbump has none.
                return Err(err(at, "`\\N{...}` named escapes are not supported by tagbump"));
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// Why a value cannot be written in a given style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError(pub String);

/// A whole literal token (prefix and quotes included) in `style` whose value is `value`.
pub fn encode(value: &str, style: StrStyle) -> Result<String, EncodeError> {
    let body = match style.raw {
        Some(_) => raw_body(value, style)?,
        None => plain_body(value, style)?,
    };
    let mut lit = String::with_capacity(body.len() + 8);
    if let Some(r) = style.raw {
        lit.push(r);
    }
    lit.push_str(&style.quotes());
    lit.push_str(&body);
    lit.push_str(&style.quotes());
    // Read it back the way KCL will: one literal token, with exactly this value.
    let back = super::lexer::lex(&lit)
        .ok()
        .filter(|toks| toks.len() == 1 && toks[0].span == (0..lit.len()))
        .and_then(|_| decode(style.body(&lit), style).ok());
    if back.as_deref() != Some(value) {
        return Err(EncodeError(format!("the {style} form cannot hold this value exactly")));
    }
    Ok(lit)
}

fn raw_body(value: &str, style: StrStyle) -> Result<String, EncodeError> {
    if value.contains(style.quote) {
        return Err(EncodeError(format!(
            "it contains `{}`, which a raw string cannot escape",
            style.quote
        )));
    }
    if !style.triple && value.contains(['\n', '\r']) {
        return Err(EncodeError(
            "it contains a line break, which a one-line raw string cannot hold".into(),
        ));
    }
    if value.ends_with('\\') {
        return Err(EncodeError(
            "it ends with a backslash, which would escape the closing quote".into(),
        ));
    }
    Ok(value.to_string())
}

fn plain_body(value: &str, style: StrStyle) -> Result<String, EncodeError> {
    if value.contains("${") {
        return Err(EncodeError(
            "it contains `${`, which KCL reads as string interpolation".into(),
        ));
    }
    let mut body = String::with_capacity(value.len() + 4);
    for c in value.chars() {
        match c {
            '\\' => body.push_str("\\\\"),
            c if c == style.quote => {
                body.push('\\');
                body.push(c);
            }
            '\n' if style.triple => body.push('\n'),
            '\n' => body.push_str("\\n"),
            '\r' => body.push_str("\\r"),
            '\t' => body.push('\t'),
            c if (c as u32) < 0x20 || c == '\x7f' => body.push_str(&format!("\\x{:02x}", c as u32)),
            c => body.push(c),
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DQ: StrStyle = StrStyle {
        raw: None,
        quote: '"',
        triple: false,
    };
    const SQ: StrStyle = StrStyle {
        raw: None,
        quote: '\'',
        triple: false,
    };
    const TDQ: StrStyle = StrStyle {
        raw: None,
        quote: '"',
        triple: true,
    };
    const RDQ: StrStyle = StrStyle {
        raw: Some('r'),
        quote: '"',
        triple: false,
    };
    const RTSQ: StrStyle = StrStyle {
        raw: Some('R'),
        quote: '\'',
        triple: true,
    };

    #[test]
    fn decodes_escapes_like_kcl() {
        // Values checked against kcl-lib 0.13: `"a\0b"` is "a\u0000b", `"\q"` keeps the
        // backslash, `"\x41\u00e9\U0001F600"` is "Aé😀".
        assert_eq!(decode(r"a\0b", DQ).unwrap(), "a\u{0}b");
        assert_eq!(decode(r"a\08", DQ).unwrap(), "a\u{0}8");
        assert_eq!(decode(r"\q", DQ).unwrap(), r"\q");
        assert_eq!(decode(r"\x41\u00e9\U0001F600", DQ).unwrap(), "Aé😀");
        assert_eq!(decode(r#"a\"b"#, DQ).unwrap(), "a\"b");
        assert_eq!(decode("a\\\nb", TDQ).unwrap(), "ab");
        assert_eq!(decode("a\nb", TDQ).unwrap(), "a\nb");
    }

    #[test]
    fn raw_keeps_backslashes() {
        assert_eq!(decode(r#"a\"b"#, RDQ).unwrap(), r#"a\"b"#);
        assert_eq!(decode(r"a\nb", RDQ).unwrap(), r"a\nb");
        assert!(decode("a\\", RDQ).is_err());
    }

    #[test]
    fn rejects_what_kcl_rejects() {
        assert!(decode("a\nb", DQ).is_err());
        assert!(decode(r"\x4g", DQ).is_err());
        assert!(decode(r"\N{EN DASH}", DQ).is_err());
    }

    #[test]
    fn encodes_in_the_same_style() {
        assert_eq!(encode("ghcr.io/a/b:1.2", DQ).unwrap(), r#""ghcr.io/a/b:1.2""#);
        assert_eq!(encode("it's", SQ).unwrap(), r"'it\'s'");
        assert_eq!(encode("a\"b\\c", DQ).unwrap(), r#""a\"b\\c""#);
        assert_eq!(encode("a\nb", DQ).unwrap(), r#""a\nb""#);
        assert_eq!(encode("a\nb\"", TDQ).unwrap(), "\"\"\"a\nb\\\"\"\"\"");
        assert_eq!(encode(r"C:\x", RDQ).unwrap(), r#"r"C:\x""#);
        assert_eq!(
            encode("a'b", RTSQ).unwrap_err().0,
            "it contains `'`, which a raw string cannot escape"
        );
        assert!(encode("a\\", RDQ).is_err());
        assert!(encode("${x}", DQ).is_err());
        assert_eq!(encode("${x}", RDQ).unwrap(), r#"r"${x}""#);
    }

    #[test]
    fn encode_then_decode_is_identity() {
        let styles = [DQ, SQ, TDQ, RDQ, RTSQ];
        let values = [
            "",
            "x",
            "a\"'b",
            "\\",
            "a\\\\",
            "tab\there",
            "\u{1}",
            "é😀",
            "a\r\nb",
            "\"\"\"",
        ];
        for style in styles {
            for v in values {
                if let Ok(lit) = encode(v, style) {
                    assert_eq!(decode(style.body(&lit), style).unwrap(), v, "{style} {lit}");
                }
            }
        }
    }
}
