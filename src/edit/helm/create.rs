//! Creating missing keys, Argo CD Image Updater style: appended at the end of the deepest
//! existing mapping on the path, with nested mappings for the rest.
//!
//! Every path is resolved against the original text, so two values under one missing key
//! (`nginx.image.name` and `nginx.image.tag` in a file without `nginx:`) must become one
//! insertion, or the file would get `nginx:` twice. [`Creates`] gathers them into a tree per
//! existing mapping first, and [`Creates::emit`] writes each tree once.

use super::HelmError;
use crate::edit::Splice;
use crate::edit::splice::line_of;
use crate::edit::yaml::scalar::render;
use crate::edit::yaml::{Change, Data, Edits, Kind, Path, Style, YamlDoc};

/// What to create under one existing mapping.
#[derive(Debug, Default)]
pub(super) struct Creates {
    maps: Vec<(Path, Vec<(String, Tree)>)>,
}

#[derive(Debug)]
enum Tree {
    /// A string, and the key path that asked for it (for messages).
    Leaf { value: String, by: String },
    /// A new mapping, and the first key path that needed it.
    Branch { entries: Vec<(String, Tree)>, by: String },
}

impl Tree {
    fn data(&self) -> Data {
        match self {
            Tree::Leaf { value, .. } => Data::Str(value.clone()),
            Tree::Branch { entries, .. } => Data::Map(entries.iter().map(|(k, t)| (k.clone(), t.data())).collect()),
        }
    }
}

impl Creates {
    /// Plan `keys` (a path of missing keys) under the mapping at `map`, set to `value`; `key`
    /// is the whole key path, `line` where the mapping is. A later value for the same key
    /// replaces an earlier one.
    pub fn add(&mut self, map: Path, keys: &[String], value: &str, key: &str, line: usize) -> Result<(), HelmError> {
        let (last, parents) = keys.split_last().expect("a missing path has a key");
        let i = match self.maps.iter().position(|(m, _)| *m == map) {
            Some(i) => i,
            None => {
                self.maps.push((map, Vec::new()));
                self.maps.len() - 1
            }
        };
        let mut entries = &mut self.maps[i].1;
        for k in parents {
            let j = match entries.iter().position(|(e, _)| e == k) {
                Some(j) => j,
                None => {
                    entries.push((
                        k.clone(),
                        Tree::Branch {
                            entries: Vec::new(),
                            by: key.into(),
                        },
                    ));
                    entries.len() - 1
                }
            };
            entries = match &mut entries[j].1 {
                Tree::Branch { entries, .. } => entries,
                Tree::Leaf { by, .. } => {
                    return Err(HelmError::Conflict {
                        line,
                        key: by.clone(),
                        other: key.into(),
                    });
                }
            };
        }
        let leaf = Tree::Leaf {
            value: value.into(),
            by: key.into(),
        };
        match entries.iter_mut().find(|(e, _)| e == last) {
            None => entries.push((last.clone(), leaf)),
            Some((_, Tree::Branch { by, .. })) => {
                return Err(HelmError::Conflict {
                    line,
                    key: key.into(),
                    other: by.clone(),
                });
            }
            Some((_, old)) => *old = leaf,
        }
        Ok(())
    }

    /// Add the planned keys to `edits`.
    pub fn emit(mut self, doc: &YamlDoc, edits: &mut Edits) -> Result<(), HelmError> {
        // Deeper mappings first: a nested mapping and its parent can end at the same byte, and
        // the nested keys must come before the parent's new keys there.
        self.maps.sort_by_key(|(m, _)| std::cmp::Reverse(m.len()));
        let first = edits.splices.len();
        for (map, entries) in &self.maps {
            let by = match &entries[0].1 {
                Tree::Leaf { by, .. } | Tree::Branch { by, .. } => by.as_str(),
            };
            let data: Vec<(String, Data)> = entries.iter().map(|(k, t)| (k.clone(), t.data())).collect();
            insert_all(doc, map, data, edits).map_err(|e| HelmError::yaml(by, e))?;
        }
        // Insertions at the end of a file without a final newline each start a new line; only
        // the first one needs to.
        let eol = doc.eol();
        let end = doc.text.len();
        if !doc.text.ends_with('\n') {
            let mut seen = false;
            for s in &mut edits.splices[first..] {
                if s.range == (end..end) && s.text.starts_with(eol) {
                    if seen {
                        s.text.drain(..eol.len());
                    }
                    seen = true;
                }
            }
        }
        Ok(())
    }
}

/// Append entries to the mapping at `map`, in the style of the mapping: block keys at the
/// siblings' indentation, or inside the braces of a flow mapping. A document that is only
/// `{}` becomes a block mapping.
fn insert_all(
    doc: &YamlDoc,
    map: &Path,
    data: Vec<(String, Data)>,
    edits: &mut Edits,
) -> Result<(), crate::edit::yaml::YamlError> {
    let node = doc.at(map).expect("creations are planned under mappings that exist");
    let Kind::Map { flow: true, entries } = &node.kind else {
        for (k, v) in data {
            doc.insert(map, &k, v, edits)?;
        }
        return Ok(());
    };
    let text = doc.text;
    let eol = doc.eol();
    let bare_root = map.len() == 1 && entries.is_empty() && text[node.range.clone()].trim() == "{}";
    let (range, new_text, at) = if bare_root {
        let mut out = String::new();
        block(&data, "", eol, &mut out);
        (node.range.clone(), out.trim_end_matches(eol).to_string(), 0)
    } else {
        let items: Vec<String> = data
            .iter()
            .map(|(k, v)| format!("{}: {}", key(k, true), flow(v)))
            .collect();
        match entries.last() {
            Some((_, last)) => (
                last.range.end..last.range.end,
                format!(", {}", items.join(", ")),
                entries.len(),
            ),
            None if text[node.range.start..].starts_with('{') => {
                let at = node.range.start + 1;
                (at..at, items.join(", "), 0)
            }
            None => {
                return Err(crate::edit::yaml::YamlError::Unsupported {
                    line: node.line,
                    msg: "cannot add keys to this empty mapping".into(),
                });
            }
        }
    };
    edits.splices.push(Splice {
        line: line_of(text, range.start),
        range,
        text: new_text,
        old: String::new(),
        new: data.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(", "),
    });
    for (k, value) in data {
        edits.changes.push(Change::Insert {
            map: map.clone(),
            at,
            key: k,
            value,
        });
    }
    Ok(())
}

fn key(k: &str, in_flow: bool) -> String {
    render(k, Style::Plain, in_flow).expect("plain renders")
}

/// Block lines for `entries` at `indent`.
fn block(entries: &[(String, Data)], indent: &str, eol: &str, out: &mut String) {
    for (k, v) in entries {
        out.push_str(indent);
        out.push_str(&key(k, false));
        out.push(':');
        match v {
            Data::Map(inner) => {
                out.push_str(eol);
                block(inner, &format!("{indent}  "), eol, out);
            }
            other => {
                out.push(' ');
                out.push_str(&flow(other));
                out.push_str(eol);
            }
        }
    }
}

/// A value in flow style (`v`, `{k: v}`, `[a, b]`).
fn flow(v: &Data) -> String {
    match v {
        Data::Str(s) => key(s, true),
        Data::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", key(k, true), flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Data::Seq(items) => format!("[{}]", items.iter().map(flow).collect::<Vec<_>>().join(", ")),
    }
}
