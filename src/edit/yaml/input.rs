//! The parser's input: a `&str` read by `saphyr-parser`'s own [`StrInput`], which reports a
//! smaller buffer size to the scanner.
//!
//! Why: for every plain scalar (every key, most values) the scanner allocates a string of 32
//! bytes, pushes the first character, then reserves room for a buffer's worth more
//! ([`Input::bufmaxlen`], 128 for `StrInput`), so that every plain scalar costs a second
//! allocation and a copy: a tenth of all the instructions of a bump. Reporting 31 lets the
//! first 32 characters fit the first allocation. For a string input the size is no buffer
//! at all (the whole text is always there, and [`Input::lookahead`] only records how far the
//! scanner may look): it only sets how many characters the scanner takes per step of its
//! plain-scalar loop, and which of two equivalent loops skips a block scalar's indentation,
//! so the events are the same (`tests::same_events_as_str_input` checks them against
//! `StrInput` on every YAML text the tests know).
//!
//! Every other method is `StrInput`'s own (the trait's default methods are slower
//! fallbacks that `StrInput` overrides).

use saphyr_parser::StrInput;
use saphyr_parser::input::{Input, SkipTabs};

/// What [`Input::bufmaxlen`] reports: one less than the scanner's first allocation for a
/// plain scalar, so its first reservation fits (and at least the 4 characters the scanner
/// looks ahead).
const BUFFER_LEN: usize = 31;

/// A `&str` for the parser (see the module docs).
pub struct Text<'a>(StrInput<'a>);

impl<'a> Text<'a> {
    pub fn new(text: &'a str) -> Self {
        Text(StrInput::new(text))
    }
}

impl Input for Text<'_> {
    #[inline]
    fn lookahead(&mut self, count: usize) {
        self.0.lookahead(count);
    }

    #[inline]
    fn buflen(&self) -> usize {
        self.0.buflen()
    }

    #[inline]
    fn bufmaxlen(&self) -> usize {
        BUFFER_LEN
    }

    #[inline]
    fn buf_is_empty(&self) -> bool {
        self.0.buf_is_empty()
    }

    #[inline]
    fn raw_read_ch(&mut self) -> char {
        self.0.raw_read_ch()
    }

    #[inline]
    fn raw_read_non_breakz_ch(&mut self) -> Option<char> {
        self.0.raw_read_non_breakz_ch()
    }

    #[inline]
    fn skip(&mut self) {
        self.0.skip();
    }

    #[inline]
    fn skip_n(&mut self, count: usize) {
        self.0.skip_n(count);
    }

    #[inline]
    fn peek(&self) -> char {
        self.0.peek()
    }

    #[inline]
    fn peek_nth(&self, n: usize) -> char {
        self.0.peek_nth(n)
    }

    #[inline]
    fn peek_opt(&self) -> Option<char> {
        self.0.peek_opt()
    }

    #[inline]
    fn look_ch(&mut self) -> char {
        self.0.look_ch()
    }

    #[inline]
    fn next_char_is(&self, c: char) -> bool {
        self.0.next_char_is(c)
    }

    #[inline]
    fn nth_char_is(&self, n: usize, c: char) -> bool {
        self.0.nth_char_is(n, c)
    }

    #[inline]
    fn next_2_are(&self, c1: char, c2: char) -> bool {
        self.0.next_2_are(c1, c2)
    }

    #[inline]
    fn next_3_are(&self, c1: char, c2: char, c3: char) -> bool {
        self.0.next_3_are(c1, c2, c3)
    }

    #[inline]
    fn next_is_document_indicator(&self) -> bool {
        self.0.next_is_document_indicator()
    }

    #[inline]
    fn next_is_document_start(&self) -> bool {
        self.0.next_is_document_start()
    }

    #[inline]
    fn next_is_document_end(&self) -> bool {
        self.0.next_is_document_end()
    }

    #[inline]
    fn skip_ws_to_eol(&mut self, skip_tabs: SkipTabs) -> (usize, Result<SkipTabs, &'static str>) {
        self.0.skip_ws_to_eol(skip_tabs)
    }

    #[inline]
    fn next_can_be_plain_scalar(&self, in_flow: bool) -> bool {
        self.0.next_can_be_plain_scalar(in_flow)
    }

    #[inline]
    fn next_is_blank_or_break(&self) -> bool {
        self.0.next_is_blank_or_break()
    }

    #[inline]
    fn next_is_blank_or_breakz(&self) -> bool {
        self.0.next_is_blank_or_breakz()
    }

    #[inline]
    fn next_is_blank(&self) -> bool {
        self.0.next_is_blank()
    }

    #[inline]
    fn next_is_break(&self) -> bool {
        self.0.next_is_break()
    }

    #[inline]
    fn next_is_breakz(&self) -> bool {
        self.0.next_is_breakz()
    }

    #[inline]
    fn next_is_z(&self) -> bool {
        self.0.next_is_z()
    }

    #[inline]
    fn next_is_flow(&self) -> bool {
        self.0.next_is_flow()
    }

    #[inline]
    fn next_is_digit(&self) -> bool {
        self.0.next_is_digit()
    }

    #[inline]
    fn next_is_alpha(&self) -> bool {
        self.0.next_is_alpha()
    }

    #[inline]
    fn skip_while_non_breakz(&mut self) -> usize {
        self.0.skip_while_non_breakz()
    }

    #[inline]
    fn skip_while_blank(&mut self) -> usize {
        self.0.skip_while_blank()
    }

    #[inline]
    fn fetch_while_is_alpha(&mut self, out: &mut String) -> usize {
        self.0.fetch_while_is_alpha(out)
    }

    #[inline]
    fn fetch_while_is_yaml_non_space(&mut self, out: &mut String) -> usize {
        self.0.fetch_while_is_yaml_non_space(out)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use saphyr_parser::Parser;

    use super::*;

    /// Every event, span and error, in order, up to the first error.
    fn events<T: Input>(mut parser: Parser<'_, T>) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(ev) = parser.next_event() {
            let stop = ev.is_err();
            out.push(format!("{ev:?}"));
            if stop {
                break;
            }
        }
        out
    }

    /// The same events from both inputs; whether the text parsed.
    fn assert_same_events(text: &str, what: &str) -> bool {
        let want = events(Parser::new_from_str(text));
        let got = events(Parser::new(Text::new(text)));
        assert_eq!(got, want, "{what}");
        want.last().is_some_and(|e| e.starts_with("Ok((StreamEnd"))
    }

    fn yaml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = fs_err::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                yaml_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(p);
            }
        }
    }

    /// A block scalar whose content sits `indent` columns in, under nested mappings, in each
    /// style, with blank and more-indented lines: the scanner skips its indentation one way
    /// below the buffer size and another way from there on.
    fn deep_block_scalar(indent: usize, header: &str) -> String {
        let mut t = String::new();
        let mut at = 0;
        while at + 2 <= indent {
            t.push_str(&format!("{}k{at}:\n", " ".repeat(at)));
            at += 2;
        }
        let pad = " ".repeat(at);
        t.push_str(&format!(
            "{pad}text: {header}\n{pad}  one\n\n{pad}    two\n{pad}  three\n  \n{pad}  four\n"
        ));
        t.push_str(&format!("{pad}after: x\nend: y\n"));
        t
    }

    #[test]
    fn same_events_as_str_input() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["tests/fixtures", "examples", "../shared/conformance"] {
            yaml_files(&root.join(dir), &mut files);
        }
        assert!(files.len() > 20, "found only {} YAML files", files.len());
        for f in &files {
            let text = fs_err::read_to_string(f).unwrap();
            let _ = assert_same_events(&text, &f.display().to_string());
        }
        for indent in 0..140 {
            for header in ["|", "|-", "|+", ">", ">-", "|2", ">1-"] {
                let text = deep_block_scalar(indent, header);
                assert!(assert_same_events(&text, &text), "does not parse:\n{text}");
            }
        }
        let long = "x".repeat(200);
        let words = "word ".repeat(60);
        for text in [
            format!("{long}: {long}\n"),
            format!("key: {long}:{long}@{long} # {long}\n"),
            format!("key: {words}\n  {words}\n\n  {words}\nnext: 1\n"),
            format!("- [{long}, {long}]\n- {{{long}: {long}}}\n"),
            format!("a: \"{long}\"\nb: '{long}'\n"),
            format!("{}: é{long}é\n", "é".repeat(40)),
            format!("key: {long}\tx\n"),
            format!("key: {long} #{long}\n  more\n"),
            format!("- {long}\n  - {long}\n"),
        ] {
            let _ = assert_same_events(&text, &text);
        }
    }
}
