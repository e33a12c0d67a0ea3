//! The grammar of a range, as Masterminds/semver's `NewConstraint` accepts it.
//!
//! ```text
//! range    = branch *( "||" branch )
//! branch   = ws* item *( ( ws+ / ws* "," ws* ) item ) ws*
//! item     = version ws+ "-" ws+ version          ; hyphen range: >=A <=B
//!          / [ op ] ws* version
//! op       = "!=" / ">=" / "=>" / "<=" / "=<" / "~>" / "=" / ">" / "<" / "~" / "^"
//! ws       = " " / "\t" / "\n" / "\r" / "\f"      ; Go's \s
//! ```
//!
//! Upstream does this with regular expressions (`rewriteRange`, `validConstraintRegex`,
//! `findConstraintRegex`); a hand-written scanner accepts the same inputs and can say which
//! column is wrong. Each constraint keeps its byte offset so that meaning errors found later
//! (in `expand`) can be placed too.

use super::error::RangeErrorKind;
use super::expand::Op;
use super::syntax::{self, Partial, Problem, word_at};

/// One constraint of a branch, as written.
#[derive(Debug)]
pub(super) struct Written {
    pub op: Op,
    pub version: Partial,
    /// Byte offset of the constraint (its operator, or its version).
    pub at: usize,
    /// Its text, operator included.
    pub token: String,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

fn is_op_start(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'>' | b'<' | b'~' | b'^')
}

/// The branches of `text`, each a list of constraints that must all hold.
pub(super) fn parse(text: &str) -> Result<Vec<Vec<Written>>, Problem> {
    if text.bytes().all(is_ws) {
        return Err(Problem {
            at: 0,
            kind: RangeErrorKind::Empty,
        });
    }
    let bytes = text.as_bytes();
    let mut branches = Vec::new();
    let mut start: usize = 0;
    let mut i = 0;
    while i <= bytes.len() {
        let end_of_branch = match bytes.get(i) {
            None => true,
            Some(b'|') if bytes.get(i + 1) == Some(&b'|') => true,
            Some(b'|') => {
                return Err(Problem {
                    at: i,
                    kind: RangeErrorKind::SinglePipe,
                });
            }
            Some(_) => false,
        };
        if end_of_branch {
            // An empty branch is reported at the `||` beside it.
            let pipe = if i < bytes.len() { i } else { start.saturating_sub(2) };
            branches.push(Branch { text, i: start, end: i }.parse(pipe)?);
            i += 2;
            start = i;
        } else {
            i += 1;
        }
    }
    Ok(branches)
}

/// A cursor over one branch, `text[i..end]`.
struct Branch<'t> {
    text: &'t str,
    i: usize,
    end: usize,
}

impl Branch<'_> {
    fn peek(&self) -> Option<u8> {
        if self.i < self.end {
            self.text.as_bytes().get(self.i).copied()
        } else {
            None
        }
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        let at = self.i + ahead;
        if at < self.end {
            self.text.as_bytes().get(at).copied()
        } else {
            None
        }
    }

    /// Skip whitespace; whether there was any.
    fn skip_ws(&mut self) -> bool {
        let from = self.i;
        while self.peek().is_some_and(is_ws) {
            self.i += 1;
        }
        self.i > from
    }

    fn fail<T>(&self, at: usize, kind: RangeErrorKind) -> Result<T, Problem> {
        Err(Problem { at, kind })
    }

    fn parse(mut self, pipe: usize) -> Result<Vec<Written>, Problem> {
        self.skip_ws();
        if self.peek().is_none() {
            return self.fail(pipe, RangeErrorKind::EmptyBranch);
        }
        let mut written = Vec::new();
        loop {
            self.item(&mut written)?;
            let spaced = self.skip_ws();
            match self.peek() {
                None => return Ok(written),
                Some(b',') => {
                    let comma = self.i;
                    self.i += 1;
                    self.skip_ws();
                    if self.peek().is_none() {
                        return self.fail(comma, RangeErrorKind::TrailingComma);
                    }
                }
                Some(_) if spaced => {}
                Some(b) => {
                    let token = word_at(self.text, self.i);
                    if is_op_start(b) || b == b'v' || b.is_ascii_digit() {
                        return self.fail(self.i, RangeErrorKind::MissingSeparator { token });
                    }
                    let expected = "a space, `,` or `||` after the version";
                    return self.fail(self.i, RangeErrorKind::Unexpected { found: token, expected });
                }
            }
        }
    }

    fn op(&mut self) -> Option<(Op, &'static str)> {
        let two = (self.peek(), self.peek_at(1));
        let (op, symbol) = match two {
            (Some(b'!'), Some(b'=')) => (Op::Ne, "!="),
            (Some(b'>'), Some(b'=')) => (Op::Ge, ">="),
            (Some(b'='), Some(b'>')) => (Op::Ge, "=>"),
            (Some(b'<'), Some(b'=')) => (Op::Le, "<="),
            (Some(b'='), Some(b'<')) => (Op::Le, "=<"),
            (Some(b'~'), Some(b'>')) => (Op::Tilde, "~>"),
            (Some(b'='), _) => (Op::Eq, "="),
            (Some(b'>'), _) => (Op::Gt, ">"),
            (Some(b'<'), _) => (Op::Lt, "<"),
            (Some(b'~'), _) => (Op::Tilde, "~"),
            (Some(b'^'), _) => (Op::Caret, "^"),
            _ => return None,
        };
        self.i += symbol.len();
        Some((op, symbol))
    }

    fn version(&mut self) -> Result<Partial, Problem> {
        let (version, end) = syntax::scan(&self.text[..self.end], self.i)?;
        self.i = end;
        Ok(version)
    }

    /// One constraint, or the two of a hyphen range.
    fn item(&mut self, written: &mut Vec<Written>) -> Result<(), Problem> {
        let at = self.i;
        let op = self.op();
        self.skip_ws();
        let starts_version = self
            .peek()
            .is_some_and(|b| b == b'v' || b.is_ascii_digit() || b"xX*".contains(&b));
        if !starts_version {
            return match (op, self.peek()) {
                (Some((_, symbol)), None) => self.fail(at, RangeErrorKind::MissingVersion { op: symbol.into() }),
                (Some(_), Some(_)) => {
                    let found = word_at(self.text, self.i);
                    self.fail(
                        self.i,
                        RangeErrorKind::Unexpected {
                            found,
                            expected: "a version after the operator",
                        },
                    )
                }
                (None, _) => {
                    let found = word_at(self.text, self.i);
                    let expected = "an operator (`=`, `!=`, `>`, `>=`, `<`, `<=`, `~`, `^`) or a version";
                    self.fail(self.i, RangeErrorKind::Unexpected { found, expected })
                }
            };
        }
        let version = self.version()?;
        let token = self.text[at..self.i].to_string();

        let before_ws = self.i;
        let spaced = self.skip_ws();
        if !(spaced && self.peek() == Some(b'-')) {
            self.i = before_ws;
            let op = op.map_or(Op::Eq, |(op, _)| op);
            written.push(Written { op, version, at, token });
            return Ok(());
        }

        // A hyphen range.
        let hyphen = self.i;
        match self.peek_at(1) {
            None => return self.fail(hyphen, RangeErrorKind::MissingVersion { op: "-".into() }),
            Some(b) if !is_ws(b) => return self.fail(hyphen, RangeErrorKind::HyphenSpacing),
            Some(_) => {}
        }
        if op.is_some() {
            return self.fail(at, RangeErrorKind::HyphenOperator { token });
        }
        self.i += 1;
        self.skip_ws();
        let upper_at = self.i;
        match self.peek() {
            None => return self.fail(hyphen, RangeErrorKind::MissingVersion { op: "-".into() }),
            Some(b) if is_op_start(b) => {
                let token = word_at(self.text, upper_at);
                return self.fail(upper_at, RangeErrorKind::HyphenOperator { token });
            }
            Some(_) => {}
        }
        let upper = self.version()?;
        let upper_token = self.text[upper_at..self.i].to_string();
        written.push(Written {
            op: Op::Ge,
            version,
            at,
            token,
        });
        written.push(Written {
            op: Op::Le,
            version: upper,
            at: upper_at,
            token: upper_token,
        });
        Ok(())
    }
}
