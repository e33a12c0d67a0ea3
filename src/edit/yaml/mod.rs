//! The YAML layer shared by every YAML editor: a span-aware tree ([`tree`]), exact scalar
//! rendering ([`scalar`]), data-level changes ([`change`]) and the re-parse check
//! ([`verify`]). Editors find nodes, call [`YamlDoc::set`] and friends to collect splices with
//! their meaning, and [`YamlDoc::finish`] applies and verifies them in one step.

pub mod change;
pub mod input;
pub mod offsets;
pub mod scalar;
pub mod structure;
pub mod tree;
pub mod verify;
pub mod walk;

pub use change::{Change, Data, Path};
pub use tree::{Kind, Node, Style};

use super::splice::{self, Splice};

/// The core schema's string tag, which a rewritten value may keep.
pub const STR_TAG: &str = "tag:yaml.org,2002:str";

/// A parsed YAML text.
pub struct YamlDoc<'a> {
    pub text: &'a str,
    pub docs: Vec<Node>,
}

/// Splices with their data-level meaning, collected from one or more editors.
#[derive(Debug, Default)]
pub struct Edits {
    pub splices: Vec<Splice>,
    pub changes: Vec<Change>,
}

impl Edits {
    pub fn is_empty(&self) -> bool {
        self.splices.is_empty()
    }

    pub fn extend(&mut self, other: Edits) {
        self.splices.extend(other.splices);
        self.changes.extend(other.changes);
    }
}

/// Why an edit of a YAML text was refused.
#[derive(Debug, thiserror::Error)]
pub enum YamlError {
    #[error(transparent)]
    Parse(#[from] tree::TreeError),
    #[error("line {line}: `{value}` is a block scalar (`|` or `>`); tagbump does not rewrite those")]
    BlockScalar { line: usize, value: String },
    #[error("line {line}: {msg}")]
    Unsupported { line: usize, msg: String },
    #[error(transparent)]
    Overlap(#[from] splice::OverlapError),
    #[error(transparent)]
    Verify(#[from] verify::VerifyError),
}

impl<'a> YamlDoc<'a> {
    pub fn parse(text: &'a str) -> Result<Self, YamlError> {
        Ok(Self {
            text,
            docs: tree::parse(text)?,
        })
    }

    /// The node at a path.
    pub fn at(&self, path: &[usize]) -> Option<&Node> {
        let (first, rest) = path.split_first()?;
        let mut node = self.docs.get(*first)?;
        for &i in rest {
            node = match &node.kind {
                Kind::Map { entries, .. } => &entries.get(i)?.1,
                Kind::Seq { items, .. } => items.get(i)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The line ending the file uses (CRLF files stay CRLF).
    pub fn eol(&self) -> &'static str {
        if self.text.contains("\r\n") { "\r\n" } else { "\n" }
    }

    /// Set the scalar (or alias, or null) node at `path` to the string `value`, keeping its
    /// quoting style. Does nothing when the value is already equal.
    pub fn set(&self, path: &[usize], value: &str, edits: &mut Edits) -> Result<(), YamlError> {
        let node = self.at(path).expect("editors pass paths they found");
        let range = node.range.clone();
        let text = match &node.kind {
            Kind::Scalar { value: old, style } => {
                if node.tag.is_some() && node.tag.as_deref() != Some(STR_TAG) {
                    return Err(YamlError::Unsupported {
                        line: node.line,
                        msg: format!(
                            "`{old}` carries the tag {}; tagbump only rewrites strings",
                            node.tag.as_deref().unwrap_or("")
                        ),
                    });
                }
                // Equal text is only equal data when it reads back as a string: a plain
                // `newTag: 1234` is a number and gets quoted even when the tag is `1234`.
                let is_string = *style != Style::Plain || node.tag.is_some() || scalar::plain_is_string(old);
                if old == value && is_string {
                    return Ok(());
                }
                let rendered = scalar::render(value, *style, node.in_flow).ok_or_else(|| YamlError::BlockScalar {
                    line: node.line,
                    value: old.clone(),
                })?;
                if range.is_empty() {
                    // An empty value (`key:` with nothing after it) needs a space.
                    if self.text[..range.start].ends_with(':') {
                        format!(" {rendered}")
                    } else {
                        rendered
                    }
                } else {
                    rendered
                }
            }
            Kind::Alias(_) => scalar::render(value, Style::Plain, node.in_flow).expect("plain renders"),
            _ => {
                return Err(YamlError::Unsupported {
                    line: node.line,
                    msg: format!("expected a string for `{value}`, found a mapping or list"),
                });
            }
        };
        let old = node.scalar().unwrap_or_default().to_string();
        edits.splices.push(Splice {
            range,
            text,
            line: node.line,
            old,
            new: value.to_string(),
        });
        edits.changes.push(Change::Set {
            path: path.to_vec(),
            value: value.to_string(),
        });
        Ok(())
    }

    /// The text of the comment on the same line after `node`, without the `#`, if any.
    pub fn trailing_comment(&self, node: &Node) -> Option<&'a str> {
        let rest = &self.text[node.range.end..];
        let line = rest.split('\n').next().unwrap_or("");
        let trimmed = line.trim_start_matches([' ', '\t']);
        let trimmed = trimmed.strip_prefix('#')?;
        if line.len() == trimmed.len() + 1 && node.range.end > 0 {
            // `#` glued to the value is part of a plain scalar, not a comment.
            return None;
        }
        Some(trimmed.trim_end_matches('\r'))
    }

    /// Apply the splices and check the result; the edited text, or why it was refused.
    pub fn finish(&self, edits: &Edits) -> Result<String, YamlError> {
        let out = splice::apply(self.text, &edits.splices)?;
        let mut changes = edits.changes.clone();
        changes.dedup();
        verify::verify(&self.docs, &out, &changes)?;
        Ok(out)
    }
}
