//! A KCL lexer that keeps every token's byte span, so edits can be spliced into the file.
//!
//! It follows KCL's own lexer where that matters to an editor: where a string literal
//! starts and ends (prefix, quote, tripled, which escapes skip a quote), where a comment
//! starts (`#` outside a string) and ends (the end of the line), and where logical lines
//! end. Within those bounds it is lenient: numbers and operators are split the way KCL splits
//! them closely enough for comparing two token streams, and a character KCL would reject is
//! a token of its own rather than an error, because judging a program is KCL's job. What it
//! does not do: indentation tokens (the column of each token is kept instead), string
//! interpolation (`${...}` stays inside its literal token), and keyword classification.
//!
//! Whitespace is skipped; a backslash line continuation becomes one token that swallows the
//! line break, so that it never reads as the end of a statement.

use std::ops::Range;

use super::error::KclError;
use super::string_lit::StrStyle;

/// What kind of token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A string literal, with its style.
    Str(StrStyle),
    /// `# ...` up to (not including) the end of the line.
    Comment,
    /// A name or keyword (`app`, `schema`, `$if`).
    Ident,
    /// A number with any suffix (`1`, `0x1F`, `1.5e-3`, `2Gi`).
    Number,
    /// An operator or delimiter (`=`, `+=`, `{`, `...`).
    Punct,
    /// The end of a physical line (`\n`).
    Newline,
    /// A backslash that joins this line with the next (`\` then the line break).
    Continuation,
    /// A character KCL does not accept outside strings and comments.
    Unknown,
}

/// One token: its kind, its bytes in the source, and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Range<usize>,
    /// 1-based line of the first byte.
    pub line: usize,
    /// 1-based column of the first byte, in characters.
    pub column: usize,
}

impl Token {
    /// The token's text in `src`.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.span.clone()]
    }

    /// Whether this is the punctuation `p`.
    pub fn is_punct(&self, src: &str, p: &str) -> bool {
        self.kind == TokenKind::Punct && self.text(src) == p
    }
}

/// Operators and delimiters, longest first so that `**=` is not read as `*`, `*`, `=`.
const PUNCTS: &[&str] = &[
    "**=", "//=", "<<=", ">>=", "...", "**", "//", "<<", ">>", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=",
    "&=", "|=", "^=", "->", "+", "-", "*", "/", "%", "&", "|", "^", "~", "<", ">", "=", "!", "@", "(", ")", "[", "]",
    "{", "}", ",", ":", ".", ";", "$", "?",
];

/// Split `src` into tokens. Fails only on a string literal that is never closed.
pub fn lex(src: &str) -> Result<Vec<Token>, KclError> {
    Lexer {
        src,
        pos: 0,
        line: 1,
        line_start: 0,
        tokens: Vec::new(),
    }
    .run()
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
    /// Byte offset where the current line starts, for columns.
    line_start: usize,
    tokens: Vec<Token>,
}

impl Lexer<'_> {
    fn run(mut self) -> Result<Vec<Token>, KclError> {
        while let Some(c) = self.peek(0) {
            let start = self.pos;
            let (line, column) = (self.line, self.column(start));
            let kind = match c {
                '\n' => {
                    self.bump();
                    TokenKind::Newline
                }
                c if is_blank(c) => {
                    self.bump();
                    continue;
                }
                '#' => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                    TokenKind::Comment
                }
                'r' | 'R' if matches!(self.peek(1), Some('"' | '\'')) => self.string(line, column)?,
                '"' | '\'' => self.string(line, column)?,
                '$' if self.peek(1).is_some_and(is_ident_start) => {
                    self.bump();
                    self.ident()
                }
                c if is_ident_start(c) => self.ident(),
                '0'..='9' => self.number(),
                '\\' if matches!(self.peek(1), Some('\n') | None) => {
                    self.bump();
                    self.bump();
                    TokenKind::Continuation
                }
                '\\' if self.peek(1) == Some('\r') && self.peek(2) == Some('\n') => {
                    self.bump();
                    self.bump();
                    self.bump();
                    TokenKind::Continuation
                }
                _ => match PUNCTS.iter().find(|p| self.src[self.pos..].starts_with(*p)) {
                    Some(p) => {
                        self.pos += p.len();
                        TokenKind::Punct
                    }
                    None => {
                        self.bump();
                        TokenKind::Unknown
                    }
                },
            };
            self.tokens.push(Token {
                kind,
                span: start..self.pos,
                line,
                column,
            });
        }
        Ok(self.tokens)
    }

    /// A string literal starting at `self.pos` (at its prefix or opening quote).
    fn string(&mut self, line: usize, column: usize) -> Result<TokenKind, KclError> {
        let unterminated = KclError::UnterminatedString { line, column };
        let first = self.bump().unwrap_or('"');
        let (raw, quote) = match first {
            'r' | 'R' => (Some(first), self.bump().unwrap_or('"')),
            q => (None, q),
        };
        let triple = self.peek(0) == Some(quote) && self.peek(1) == Some(quote);
        if triple {
            self.bump();
            self.bump();
        }
        loop {
            let Some(c) = self.bump() else {
                return Err(unterminated);
            };
            match c {
                // A one-line literal ends at the line break: KCL reports it unterminated.
                '\n' | '\r' if !triple => return Err(unterminated),
                // KCL's scanner skips the character after a backslash only when it is a
                // backslash or the quote, in raw literals too.
                '\\' if matches!(self.peek(0), Some(n) if n == '\\' || n == quote) => {
                    self.bump();
                }
                c if c == quote => {
                    if !triple {
                        break;
                    }
                    if self.peek(0) == Some(quote) && self.peek(1) == Some(quote) {
                        self.bump();
                        self.bump();
                        break;
                    }
                }
                _ => {}
            }
        }
        Ok(TokenKind::Str(StrStyle { raw, quote, triple }))
    }

    fn ident(&mut self) -> TokenKind {
        while self.peek(0).is_some_and(is_ident_continue) {
            self.bump();
        }
        TokenKind::Ident
    }

    /// Digits, letters and `_` (bases, suffixes such as `Gi`), a `.` before a digit, and a
    /// sign right after a decimal exponent `e`.
    fn number(&mut self) -> TokenKind {
        let hex = self.src[self.pos..].starts_with("0x") || self.src[self.pos..].starts_with("0X");
        while let Some(c) = self.peek(0) {
            let after_exponent = !hex && matches!(self.prev(), Some('e' | 'E'));
            let take = is_ident_continue(c)
                || (c == '.' && self.peek(1).is_some_and(|d| d.is_ascii_digit()))
                || ((c == '+' || c == '-') && after_exponent && self.peek(1).is_some_and(|d| d.is_ascii_digit()));
            if !take {
                break;
            }
            self.bump();
        }
        TokenKind::Number
    }

    fn peek(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn prev(&self) -> Option<char> {
        self.src[..self.pos].chars().next_back()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.line_start = self.pos;
        }
        Some(c)
    }

    fn column(&self, at: usize) -> usize {
        self.src[self.line_start..at].chars().count() + 1
    }
}

/// Whitespace that separates tokens but ends no line (`\r` of a CRLF included).
fn is_blank(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\r' | '\x0b' | '\x0c' | '\u{85}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
    )
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        lex(src).unwrap().into_iter().map(|t| (t.kind, &src[t.span])).collect()
    }

    fn texts(src: &str) -> Vec<&str> {
        kinds(src).into_iter().map(|(_, t)| t).collect()
    }

    #[test]
    fn hash_in_string_is_not_a_comment() {
        assert_eq!(texts(r#"a = "x#y" # c"#), ["a", "=", r#""x#y""#, "# c"]);
    }

    #[test]
    fn quote_in_comment_is_not_a_string() {
        assert_eq!(
            texts("# it's \"here\"\nb = 'x'"),
            ["# it's \"here\"", "\n", "b", "=", "'x'"]
        );
    }

    #[test]
    fn all_string_forms() {
        let src = r#"a "x\"y" 'it\'s' r"raw\" " R'\d' """t"q"""  '''l
m''' "" '' """""""#;
        assert_eq!(
            texts(src),
            [
                "a",
                r#""x\"y""#,
                r"'it\'s'",
                r#"r"raw\" ""#,
                r"R'\d'",
                r#""""t"q""""#,
                "'''l\nm'''",
                r#""""#,
                "''",
                r#""""""""#
            ]
        );
    }

    #[test]
    fn unterminated_strings_name_their_line() {
        let e = lex("a = 1\nb = \"x\n").unwrap_err();
        assert_eq!(e.to_string(), "line 2:5: unterminated string literal");
        let e = lex("a = '''x\n\n").unwrap_err();
        assert_eq!(e.to_string(), "line 1:5: unterminated string literal");
        // A backslash before the line break does not continue a one-line string in KCL.
        assert!(lex("a = \"x\\\ny\"").is_err());
        assert!(lex("a = \"x\\\"").is_err());
    }

    #[test]
    fn numbers_operators_and_lines() {
        assert_eq!(
            texts("x = 1.5e-3 + 2Gi ** 0x1F\n"),
            ["x", "=", "1.5e-3", "+", "2Gi", "**", "0x1F", "\n"]
        );
        assert_eq!(texts("a.b //= -1"), ["a", ".", "b", "//=", "-", "1"]);
        let cont = kinds("a = 1 + \\\n  2");
        assert_eq!(cont[4], (TokenKind::Continuation, "\\\n"));
    }

    #[test]
    fn positions() {
        let toks = lex("é = 'x'\n  b").unwrap();
        assert_eq!((toks[2].line, toks[2].column, toks[2].span.clone()), (1, 5, 5..8));
        assert_eq!((toks[4].line, toks[4].column), (2, 3));
    }
}
