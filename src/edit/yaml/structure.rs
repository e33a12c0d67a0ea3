//! Structural edits at the text level: add a key to a mapping, drop a key, append an item to
//! a list. Used by the editors that must create fields (a kustomization `newTag`, a missing
//! Helm key, a new `images:` entry), always in the style the surrounding text already uses:
//! the indentation of the sibling keys, block or flow, the file's line ending.

use super::change::{Change, Data};
use super::scalar::render;
use super::tree::{Kind, Node, Style};
use super::{Edits, YamlDoc, YamlError};
use crate::edit::Splice;

/// Byte offset of the start of the line holding `at`.
fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// Byte offset just past the end of the line holding `at` (after its `\n`, or the text end).
fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// Where the line after a node ending at `end` starts. A block scalar's range runs on over
/// the line breaks after its text, and over the next line's indentation, so when only
/// whitespace follows the last line break, that line break is the node's end.
fn line_after(text: &str, end: usize) -> usize {
    let trimmed = text[..end].trim_end_matches([' ', '\t']);
    if trimmed.ends_with('\n') {
        trimmed.len()
    } else {
        line_end(text, end)
    }
}

/// The last byte of a node's own text (its last scalar, recursively).
fn last_byte(node: &Node) -> usize {
    match &node.kind {
        Kind::Map { entries, flow: false } if !entries.is_empty() => last_byte(&entries[entries.len() - 1].1),
        Kind::Seq { items, flow: false } if !items.is_empty() => last_byte(&items[items.len() - 1]),
        _ => node.range.end,
    }
}

/// Whitespace of the same width as the text between the line start and `at`.
fn indent_to(text: &str, at: usize) -> String {
    let ls = line_start(text, at);
    // A BOM before a first-line key takes no column.
    text[ls..at]
        .chars()
        .filter(|&c| c != '\u{feff}')
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect()
}

/// Render a data value as YAML lines under a key, at indentation `indent`.
fn render_data(value: &Data, indent: &str, eol: &str, out: &mut String) {
    match value {
        Data::Str(s) => {
            out.push(' ');
            out.push_str(&render(s, Style::Plain, false).expect("plain renders"));
            out.push_str(eol);
        }
        Data::Map(entries) => {
            out.push_str(eol);
            let inner = format!("{indent}  ");
            render_entries(entries, &inner, eol, out);
        }
        Data::Seq(items) => {
            out.push_str(eol);
            for item in items {
                out.push_str(indent);
                out.push('-');
                match item {
                    Data::Map(entries) => {
                        // `- k: v` with the following keys aligned under the first.
                        let inner = format!("{indent}  ");
                        let mut first = String::new();
                        render_entries(entries, &inner, eol, &mut first);
                        out.push(' ');
                        out.push_str(first.trim_start_matches(' '));
                    }
                    other => render_data(other, &format!("{indent}  "), eol, out),
                }
            }
        }
    }
}

fn render_entries(entries: &[(String, Data)], indent: &str, eol: &str, out: &mut String) {
    for (k, v) in entries {
        out.push_str(indent);
        out.push_str(&render(k, Style::Plain, false).expect("plain renders"));
        out.push(':');
        render_data(v, indent, eol, out);
    }
}

impl YamlDoc<'_> {
    /// Add `key: value` at the end of the mapping at `map`.
    pub fn insert(&self, map: &[usize], key: &str, value: Data, edits: &mut Edits) -> Result<(), YamlError> {
        let node = self.at(map).expect("editors pass paths they found");
        let Kind::Map { entries, flow } = &node.kind else {
            return Err(YamlError::Unsupported {
                line: node.line,
                msg: format!("cannot add `{key}`: not a mapping"),
            });
        };
        let eol = self.eol();
        if entries.is_empty() && map.len() == 1 && self.text[node.range.clone()].trim() == "{}" {
            // A document that is just `{}`: write it as a block mapping.
            let mut text = String::new();
            text.push_str(&render(key, Style::Plain, false).expect("plain renders"));
            text.push(':');
            render_data(&value, "", eol, &mut text);
            let text = text.trim_end_matches(eol).to_string();
            edits.splices.push(Splice {
                range: node.range.clone(),
                text,
                line: node.line,
                old: String::new(),
                new: format!("{key}: ..."),
            });
            edits.changes.push(Change::Insert {
                map: map.to_vec(),
                at: 0,
                key: key.to_string(),
                value,
            });
            return Ok(());
        }
        let (at, text) = if *flow || entries.is_empty() {
            let Data::Str(s) = &value else {
                return Err(YamlError::Unsupported {
                    line: node.line,
                    msg: format!("cannot add `{key}` to a flow mapping"),
                });
            };
            let k = render(key, Style::Plain, true).expect("plain renders");
            let v = render(s, Style::Plain, true).expect("plain renders");
            match entries.last() {
                Some((_, last)) => (last.range.end, format!(", {k}: {v}")),
                None if self.text[node.range.start..].starts_with('{') => (node.range.start + 1, format!("{k}: {v}")),
                None => {
                    return Err(YamlError::Unsupported {
                        line: node.line,
                        msg: format!("cannot add `{key}` to an empty mapping"),
                    });
                }
            }
        } else {
            let (last_key, last_val) = &entries[entries.len() - 1];
            let indent = indent_to(self.text, last_key.range.start);
            let end = last_byte(last_val).max(last_key.range.end);
            let at = line_after(self.text, end);
            let mut text = String::new();
            if at == self.text.len() && !self.text.ends_with('\n') {
                text.push_str(eol);
            }
            text.push_str(&indent);
            text.push_str(&render(key, Style::Plain, false).expect("plain renders"));
            text.push(':');
            render_data(&value, &indent, eol, &mut text);
            (at, text)
        };
        edits.splices.push(Splice {
            range: at..at,
            text,
            line: super::super::splice::line_of(self.text, at),
            old: String::new(),
            new: match &value {
                Data::Str(s) => s.clone(),
                _ => format!("{key}: ..."),
            },
        });
        edits.changes.push(Change::Insert {
            map: map.to_vec(),
            at: entries.len(),
            key: key.to_string(),
            value,
        });
        Ok(())
    }

    /// Remove entry `i` of the mapping at `map`, with its line when it has one of its own.
    pub fn remove(&self, map: &[usize], i: usize, edits: &mut Edits) -> Result<(), YamlError> {
        let node = self.at(map).expect("editors pass paths they found");
        let Kind::Map { entries, flow } = &node.kind else {
            unreachable!("remove on a mapping")
        };
        let (key, val) = &entries[i];
        let t = self.text;
        let ls = line_start(t, key.range.start);
        let range = if *flow {
            if i > 0 {
                entries[i - 1].1.range.end..val.range.end
            } else if let Some((next, _)) = entries.get(i + 1) {
                key.range.start..next.range.start
            } else {
                key.range.start..val.range.end
            }
        } else if t[ls..key.range.start].trim().is_empty() {
            ls..line_after(t, last_byte(val).max(key.range.end))
        } else if let Some((next, _)) = entries.get(i + 1) {
            key.range.start..next.range.start
        } else {
            return Err(YamlError::Unsupported {
                line: key.line,
                msg: "cannot remove the only key of an item".into(),
            });
        };
        edits.splices.push(Splice {
            range,
            text: String::new(),
            line: key.line,
            old: val.scalar().unwrap_or_default().to_string(),
            new: String::new(),
        });
        edits.changes.push(Change::Remove {
            map: map.to_vec(),
            at: i,
        });
        Ok(())
    }

    /// Append a mapping item (`- k: v` lines) to the block sequence at `seq`, in the style of
    /// its existing items.
    pub fn append_item(&self, seq: &[usize], item: Vec<(String, String)>, edits: &mut Edits) -> Result<(), YamlError> {
        let node = self.at(seq).expect("editors pass paths they found");
        let Kind::Seq { items, flow: false } = &node.kind else {
            return Err(YamlError::Unsupported {
                line: node.line,
                msg: "cannot add an item to a flow or empty list".into(),
            });
        };
        let Some(last) = items.last() else {
            return Err(YamlError::Unsupported {
                line: node.line,
                msg: "cannot add an item to an empty list".into(),
            });
        };
        let t = self.text;
        let eol = self.eol();
        // The `-` of the last item: the indicator before its first byte, perhaps on an
        // earlier line (`-` alone on its line, or a flow mapping opened on the `-` line).
        let first_byte = match &last.kind {
            Kind::Map { entries, flow: false } if !entries.is_empty() => entries[0].0.range.start,
            _ => last.range.start,
        };
        let before = t[..first_byte].trim_end_matches([' ', '\t', '\r', '\n']);
        let Some(dash) = before.strip_suffix('-').map(str::len) else {
            return Err(YamlError::Unsupported {
                line: last.line,
                msg: "cannot find the `-` of the last list item".into(),
            });
        };
        let dash_indent = indent_to(t, dash);
        // Keep the item's own spacing after `-` when its first key is on the `-` line.
        let same_line = !t[dash..first_byte].contains('\n') && matches!(last.kind, Kind::Map { flow: false, .. });
        let gap = if same_line { first_byte - dash - 1 } else { 1 };
        let key_indent = format!("{dash_indent} {}", " ".repeat(gap));
        let at = line_after(t, last_byte(last));
        let mut text = String::new();
        if at == t.len() && !t.ends_with('\n') {
            text.push_str(eol);
        }
        for (n, (k, v)) in item.iter().enumerate() {
            if n == 0 {
                text.push_str(&dash_indent);
                text.push('-');
                text.push_str(&" ".repeat(gap));
            } else {
                text.push_str(&key_indent);
            }
            text.push_str(&render(k, Style::Plain, false).expect("plain renders"));
            text.push_str(": ");
            text.push_str(&render(v, Style::Plain, false).expect("plain renders"));
            text.push_str(eol);
        }
        let value = Data::Map(item.iter().map(|(k, v)| (k.clone(), Data::Str(v.clone()))).collect());
        edits.splices.push(Splice {
            range: at..at,
            text,
            line: super::super::splice::line_of(t, at),
            old: String::new(),
            new: item.first().map(|(_, v)| v.clone()).unwrap_or_default(),
        });
        edits.changes.push(Change::Append {
            seq: seq.to_vec(),
            value,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, f: impl Fn(&YamlDoc, &mut Edits)) -> String {
        let doc = YamlDoc::parse(text).unwrap();
        let mut edits = Edits::default();
        f(&doc, &mut edits);
        doc.finish(&edits).unwrap()
    }

    #[test]
    fn insert_after_siblings_in_their_indentation() {
        let out = run("a:\n   - name: x # c\n     digest: d\nb: 1\n", |d, e| {
            d.insert(&[0, 0, 0], "newTag", Data::Str("1234".into()), e).unwrap()
        });
        assert_eq!(
            out,
            "a:\n   - name: x # c\n     digest: d\n     newTag: \"1234\"\nb: 1\n"
        );
    }

    #[test]
    fn insert_after_a_block_scalar_and_keep_crlf() {
        let out = run("a:\r\n  s: |\r\n    text\r\n  t: 1\r\nz: 2\r\n", |d, e| {
            d.insert(&[0, 0], "u", Data::Str("v".into()), e).unwrap()
        });
        assert_eq!(out, "a:\r\n  s: |\r\n    text\r\n  t: 1\r\n  u: v\r\nz: 2\r\n");
        let out = run("a:\n  s: |\n    text\nz: 2\n", |d, e| {
            d.insert(&[0, 0], "u", Data::Str("v".into()), e).unwrap()
        });
        assert_eq!(out, "a:\n  s: |\n    text\n  u: v\nz: 2\n");
    }

    #[test]
    fn insert_into_flow_mapping_and_at_end_of_text() {
        let out = run("- {name: x, newTag: a}", |d, e| {
            d.insert(&[0, 0], "digest", Data::Str("sha256:1".into()), e).unwrap()
        });
        assert_eq!(out, "- {name: x, newTag: a, digest: sha256:1}");
        let out = run("a:\n  b: 1", |d, e| {
            d.insert(&[0, 0], "c", Data::Str("2".into()), e).unwrap()
        });
        assert_eq!(out, "a:\n  b: 1\n  c: \"2\"\n");
    }

    #[test]
    fn remove_own_line_or_first_key_of_an_item() {
        let out = run("- name: x\n  digest: d # gone\n  other: 1\n", |d, e| {
            d.remove(&[0, 0], 1, e).unwrap()
        });
        assert_eq!(out, "- name: x\n  other: 1\n");
        let out = run("- digest: d\n  name: x\n", |d, e| d.remove(&[0, 0], 0, e).unwrap());
        assert_eq!(out, "- name: x\n");
        let out = run("- {name: x, digest: d}\n", |d, e| d.remove(&[0, 0], 1, e).unwrap());
        assert_eq!(out, "- {name: x}\n");
    }

    #[test]
    fn append_item_in_the_lists_style() {
        let item = || {
            vec![
                ("name".to_string(), "app".to_string()),
                ("newTag".to_string(), "1.0".to_string()),
            ]
        };
        let out = run("images:\n    -   name: x\n        newTag: a\nk: 1\n", |d, e| {
            d.append_item(&[0, 0], item(), e).unwrap()
        });
        assert_eq!(
            out,
            "images:\n    -   name: x\n        newTag: a\n    -   name: app\n        newTag: \"1.0\"\nk: 1\n"
        );
    }

    #[test]
    fn insert_a_list_into_an_empty_document() {
        let items = Data::Seq(vec![Data::Map(vec![("name".into(), Data::Str("x".into()))])]);
        let out = run("{}\n", |d, e| d.insert(&[0], "images", items.clone(), e).unwrap());
        assert_eq!(out, "images:\n- name: x\n");
    }
}
