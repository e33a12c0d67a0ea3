//! A splice is the only way tagbump changes a file: replace one byte range with new text.
//!
//! Editors never re-serialise a document. They find the exact bytes of a value, and say what
//! goes there instead; [`apply`] stitches the splices into the original text. Everything the
//! editors did not name stays byte-for-byte as it was, by construction.

use std::ops::Range;

/// One replacement of a byte range of the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    /// Byte range in the original text (may be empty for an insertion).
    pub range: Range<usize>,
    /// The text that replaces the range, exactly as it will appear in the file.
    pub text: String,
    /// 1-based line of the start of `range`, for messages and `--format json`.
    pub line: usize,
    /// The value before the edit, as data (unquoted), for reports.
    pub old: String,
    /// The value after the edit, as data (unquoted), for reports.
    pub new: String,
}

/// Two edits want different text at the same place: two editors (or an image field and a
/// marker on it) disagree about a value, and tagbump will not pick one silently.
#[derive(Debug, thiserror::Error)]
#[error(
    "line {line}: two edits disagree here: one writes `{a}`, the other `{b}`\nhint: a marker comment on an image field must ask for the whole reference, or be removed"
)]
pub struct OverlapError {
    pub line: usize,
    pub a: String,
    pub b: String,
}

/// Apply splices (in any order) to `original`. Identical duplicate splices are merged, which
/// happens when two editors find the same field (a workload image that also carries a marker).
pub fn apply(original: &str, splices: &[Splice]) -> Result<String, OverlapError> {
    let mut sorted: Vec<&Splice> = splices.iter().collect();
    sorted.sort_by_key(|s| (s.range.start, s.range.end));
    sorted.dedup_by(|a, b| a.range == b.range && a.text == b.text);
    let mut out = String::with_capacity(original.len() + 64);
    let mut pos = 0;
    let mut prev: Option<&Splice> = None;
    for s in sorted {
        if let Some(p) = prev {
            // Two insertions at the same point are fine; anything else overlapping is not.
            let overlap = s.range.start < p.range.end
                || (s.range.start == p.range.start && !(s.range.is_empty() && p.range.is_empty()));
            if overlap {
                return Err(OverlapError {
                    line: s.line,
                    a: p.text.clone(),
                    b: s.text.clone(),
                });
            }
        }
        out.push_str(&original[pos..s.range.start]);
        out.push_str(&s.text);
        pos = s.range.end;
        prev = Some(s);
    }
    out.push_str(&original[pos..]);
    Ok(out)
}

/// 1-based line number of byte offset `at` in `text`.
pub fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(r: Range<usize>, t: &str) -> Splice {
        Splice {
            range: r,
            text: t.into(),
            line: 1,
            old: String::new(),
            new: String::new(),
        }
    }

    #[test]
    fn applies_out_of_order_and_dedups() {
        let s = "a: 1\nb: 2\n";
        let out = apply(s, &[sp(8..9, "3"), sp(3..4, "x"), sp(8..9, "3")]).unwrap();
        assert_eq!(out, "a: x\nb: 3\n");
    }

    #[test]
    fn rejects_overlap() {
        assert!(apply("abcdef", &[sp(1..3, "x"), sp(2..4, "y")]).is_err());
    }

    #[test]
    fn line_numbers() {
        assert_eq!(line_of("a\nb\nc", 4), 3);
        assert_eq!(line_of("a\nb\nc", 0), 1);
    }
}
