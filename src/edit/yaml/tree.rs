//! A YAML document as a tree of nodes that remember the exact bytes they came from.
//!
//! Built from `saphyr-parser`'s event stream. The parser's spans are close but not exact for
//! editing (a quoted scalar's span may run on over a trailing comment, and starts at its
//! anchor or tag), so every scalar's token range is recomputed here from the text; see
//! [`super::scalar::token_range`]. The tree keeps anchors and aliases as the parser numbers
//! them, so two parses of texts that differ only in scalar values give trees that compare
//! equal node by node; that is what [`super::verify`] relies on.

use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

use super::input::Text;
use super::offsets::Offsets;
use super::scalar;

/// Scalar quoting style, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Single,
    Double,
    Literal,
    Folded,
}

/// One node with its source position.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    /// Anchor id as numbered by the parser (0 = none).
    pub anchor: usize,
    /// Explicit tag (`!!str`, `!Foo`), as `handle` + `suffix`.
    pub tag: Option<String>,
    /// Bytes of the whole node (for scalars: the scalar token itself, quotes included,
    /// properties excluded).
    pub range: Range<usize>,
    /// 1-based line of the node's first byte.
    pub line: usize,
    /// True inside a flow collection (`[...]`, `{...}`), where `,` and brackets end a plain scalar.
    pub in_flow: bool,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Scalar {
        value: String,
        style: Style,
    },
    Seq {
        flow: bool,
        items: Vec<Node>,
    },
    Map {
        flow: bool,
        entries: Vec<(Node, Node)>,
    },
    /// An alias `*name` referring to the anchor id.
    Alias(usize),
}

/// Why a YAML text could not be read as a tree.
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    #[error("line {line}, column {col}: invalid YAML: {msg}")]
    Syntax { line: usize, col: usize, msg: String },
    #[error("line {line}: duplicate key `{key}` (first at line {first})")]
    DuplicateKey { line: usize, key: String, first: usize },
}

impl TreeError {
    /// The parser's error, with the line and column it names.
    pub fn syntax(e: &ScanError) -> Self {
        TreeError::Syntax {
            line: e.marker().line(),
            col: e.marker().col() + 1,
            msg: e.info().to_string(),
        }
    }

    pub fn line(&self) -> usize {
        match self {
            TreeError::Syntax { line, .. } | TreeError::DuplicateKey { line, .. } => *line,
        }
    }
}

impl Node {
    pub fn scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub fn style(&self) -> Option<Style> {
        match &self.kind {
            Kind::Scalar { style, .. } => Some(*style),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.kind {
            Kind::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq { items, .. } => items,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map { .. })
    }

    /// The value under a plain string key of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|i| &self.entries()[i].1)
    }

    /// Index of the entry with string key `key`.
    pub fn entry(&self, key: &str) -> Option<usize> {
        self.entries().iter().position(|(k, _)| k.scalar() == Some(key))
    }
}

/// A scalar's style as the parser reports it.
pub fn style_of(style: ScalarStyle) -> Style {
    match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::Single,
        ScalarStyle::DoubleQuoted => Style::Double,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    }
}

/// A node's tag as [`Node::tag`] holds it: `handle` + `suffix`.
pub fn tag_string(tag: &Tag) -> String {
    format!("{}{}", tag.handle, tag.suffix)
}

/// Parse every document of a stream.
pub fn parse(text: &str) -> Result<Vec<Node>, TreeError> {
    let offsets = Offsets::new(text);
    let mut parser = Parser::new(Text::new(text));
    let mut builder = Builder {
        text,
        stack: Vec::new(),
        docs: Vec::new(),
    };
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| TreeError::syntax(&e))?;
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index());
        builder.event(ev, start..end, span.start.line())?;
    }
    Ok(builder.docs)
}

struct Frame {
    node: Node,
    /// For mappings: a key waiting for its value.
    pending_key: Option<Node>,
}

struct Builder<'a> {
    text: &'a str,
    stack: Vec<Frame>,
    docs: Vec<Node>,
}

impl Builder<'_> {
    /// Inside a flow collection. Only the innermost needs a look: nothing inside a flow
    /// collection can be block style.
    fn in_flow(&self) -> bool {
        self.stack
            .last()
            .is_some_and(|f| matches!(f.node.kind, Kind::Seq { flow: true, .. } | Kind::Map { flow: true, .. }))
    }

    fn event(&mut self, ev: Event<'_>, span: Range<usize>, line: usize) -> Result<(), TreeError> {
        let is_map = matches!(ev, Event::MappingStart(..));
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                let style = style_of(style);
                let in_flow = self.in_flow();
                let range = scalar::token_range(self.text, span.clone(), style);
                // `line` is the parser's, for the span start; count only the few line breaks
                // between there and the point the user sees (counting from the top of the
                // file for every scalar made large files quadratic).
                let breaks = |a: usize, b: usize| self.text[a..b].bytes().filter(|&c| c == b'\n').count();
                let line = match style {
                    // A block scalar's span starts at its text; the user sees its `|` line.
                    Style::Literal | Style::Folded => self.text[..span.start]
                        .rfind(['|', '>'])
                        .map_or(line, |at| line - breaks(at, span.start)),
                    _ => line + breaks(span.start, range.start.max(span.start)),
                };
                let node = Node {
                    kind: Kind::Scalar {
                        value: value.into_owned(),
                        style,
                    },
                    anchor,
                    tag: tag.map(|t| tag_string(&t)),
                    range,
                    line,
                    in_flow,
                };
                self.add(node)?;
            }
            Event::Alias(id) => {
                let in_flow = self.in_flow();
                let node = Node {
                    kind: Kind::Alias(id),
                    anchor: 0,
                    tag: None,
                    range: span,
                    line,
                    in_flow,
                };
                self.add(node)?;
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                let at = scalar::skip_properties(self.text, span.start);
                let first = self.text.as_bytes().get(at).copied();
                let flow = if is_map {
                    first == Some(b'{')
                } else {
                    first == Some(b'[')
                };
                let in_flow = self.in_flow();
                let kind = if is_map {
                    Kind::Map {
                        flow,
                        entries: Vec::new(),
                    }
                } else {
                    Kind::Seq {
                        flow,
                        items: Vec::new(),
                    }
                };
                let node = Node {
                    kind,
                    anchor,
                    tag: tag.map(|t| tag_string(&t)),
                    range: at..at,
                    line,
                    in_flow,
                };
                self.stack.push(Frame {
                    node,
                    pending_key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let mut frame = self.stack.pop().expect("parser balances collections");
                let mut end = span.end.max(frame.node.range.start);
                // A flow collection ends at its bracket; after a trailing comma (`{b: c,}`)
                // the parser's span stops short of it.
                let close = match frame.node.kind {
                    Kind::Map { flow: true, .. } => Some('}'),
                    Kind::Seq { flow: true, .. } => Some(']'),
                    _ => None,
                };
                if let Some(c) = close.filter(|&c| !self.text[..end].ends_with(c)) {
                    end = closing_bracket(self.text, end, c).unwrap_or(end);
                }
                frame.node.range.end = end;
                self.add(frame.node)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn add(&mut self, node: Node) -> Result<(), TreeError> {
        let Some(frame) = self.stack.last_mut() else {
            self.docs.push(node);
            return Ok(());
        };
        match &mut frame.node.kind {
            Kind::Seq { items, .. } => items.push(node),
            Kind::Map { entries, .. } => match frame.pending_key.take() {
                None => frame.pending_key = Some(node),
                Some(key) => {
                    if let Some(k) = key.scalar() {
                        if let Some((first, _)) = entries.iter().find(|(e, _)| e.scalar() == Some(k)) {
                            return Err(TreeError::DuplicateKey {
                                line: key.line,
                                key: k.to_string(),
                                first: first.line,
                            });
                        }
                    }
                    entries.push((key, node));
                }
            },
            _ => unreachable!("only collections are pushed"),
        }
        Ok(())
    }
}

/// Just past the bracket `c` that closes a flow collection, from `at`, skipping only what may
/// stand before it: whitespace, commas and comments.
fn closing_bracket(text: &str, mut at: usize, c: char) -> Option<usize> {
    let b = text.as_bytes();
    while at < b.len() {
        match b[at] {
            x if x == c as u8 => return Some(at + 1),
            b' ' | b'\t' | b'\r' | b'\n' | b',' => at += 1,
            b'#' => at += text[at..].find('\n').unwrap_or(text.len() - at),
            _ => return None,
        }
    }
    None
}

/// Find the node an alias refers to: the last node before it carrying that anchor id.
pub fn find_anchor(docs: &[Node], id: usize) -> Option<&Node> {
    fn walk<'a>(n: &'a Node, id: usize, found: &mut Option<&'a Node>) {
        if n.anchor == id {
            *found = Some(n);
        }
        match &n.kind {
            Kind::Seq { items, .. } => items.iter().for_each(|i| walk(i, id, found)),
            Kind::Map { entries, .. } => entries.iter().for_each(|(k, v)| {
                walk(k, id, found);
                walk(v, id, found);
            }),
            _ => {}
        }
    }
    let mut found = None;
    docs.iter().for_each(|d| walk(d, id, &mut found));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Node {
        parse(text).unwrap().remove(0)
    }

    #[test]
    fn scalar_ranges_are_exact() {
        let t = "a: &x \"v:1\"   # c\nb: 'q''r' # d\nc: plain  \nd: [ \"f\", g ]\n";
        let d = doc(t);
        let r = |k: &str| &t[d.get(k).unwrap().range.clone()];
        assert_eq!(r("a"), "\"v:1\"");
        assert_eq!(r("b"), "'q''r'");
        assert_eq!(r("c"), "plain");
        let items = d.get("d").unwrap().items();
        assert_eq!(&t[items[0].range.clone()], "\"f\"");
        assert!(items[1].in_flow);
    }

    #[test]
    fn bom_and_crlf_offsets() {
        let t = "\u{feff}a: \"é\"\r\nb: x\r\n";
        let d = doc(t);
        assert_eq!(&t[d.get("a").unwrap().range.clone()], "\"é\"");
        assert_eq!(&t[d.get("b").unwrap().range.clone()], "x");
        assert_eq!(d.get("b").unwrap().line, 2);
    }

    #[test]
    fn block_scalar_line_is_its_header_line() {
        let d = doc("a: 1\nb: |\n  text\n");
        assert_eq!(d.get("b").unwrap().line, 2);
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.to_string(), "line 3: duplicate key `a` (first at line 1)");
    }

    #[test]
    fn syntax_error_names_line() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.to_string().starts_with("line "), "{e}");
    }
}
