//! Git's object formats read back into the stand-in's objects, for a repository linked to a
//! bare repository (`link.rs`): commits pushed over git become commits the API can show and
//! build on. The stand-in keeps a commit's bytes as they are (its SHA must stay git's) and
//! parses only what the API renders: tree, parents, author, committer, message, signature.
//!
//! A commit counts as Verified when its signature is the stand-in's own over its payload, so
//! a commit the API signed stays Verified after a round trip through git (or when another
//! stand-in links the same repository); anything else pushed over git is unsigned or signed
//! with a key the stand-in does not know, as GitHub would say.

use super::git::{Commit, Entry, Object, Person, placeholder_signature};

/// The object of kind `kind` (`blob`, `tree`, `commit`) whose bytes git stores as `bytes`.
pub fn object(kind: &str, bytes: &[u8]) -> Result<Object, String> {
    match kind {
        "blob" => Ok(Object::Blob(bytes.to_vec())),
        "tree" => tree(bytes).map(Object::Tree),
        "commit" => commit(bytes).map(|c| Object::Commit(Box::new(c))),
        other => Err(format!("a {other} object; the stand-in holds blobs, trees and commits")),
    }
}

/// `MODE NAME\0<20-byte SHA>`, repeated.
fn tree(mut bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    while !bytes.is_empty() {
        let nul = bytes.iter().position(|&b| b == 0).ok_or("a tree entry without NUL")?;
        let head = std::str::from_utf8(&bytes[..nul]).map_err(|_| "a tree entry name that is not UTF-8")?;
        let (mode, name) = head.split_once(' ').ok_or("a tree entry without a mode")?;
        let raw = bytes.get(nul + 1..nul + 21).ok_or("a tree entry cut short")?;
        entries.push(Entry {
            name: name.to_string(),
            mode: mode.to_string(),
            sha: raw.iter().map(|b| format!("{b:02x}")).collect(),
        });
        bytes = &bytes[nul + 21..];
    }
    Ok(entries)
}

/// `Name <email> SECONDS ZONE` (the zone is dropped: the API shows UTC).
fn person(line: &str) -> Result<Person, String> {
    let bad = || format!("an ident line git would not write: {line:?}");
    let (ident, when) = line.rsplit_once("> ").ok_or_else(bad)?;
    let (name, email) = ident.rsplit_once('<').ok_or_else(bad)?;
    let time = when.split(' ').next().and_then(|t| t.parse().ok()).ok_or_else(bad)?;
    Ok(Person {
        name: name.trim_end().to_string(),
        email: email.to_string(),
        time,
    })
}

fn commit(bytes: &[u8]) -> Result<Commit, String> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| "a commit that is not UTF-8 (the stand-in keeps commits as text)")?;
    let (head, message) = text.split_once("\n\n").unwrap_or((text, ""));
    // Headers with their continuation lines (` ` first) folded in.
    let mut headers: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in head.lines() {
        match (line.strip_prefix(' '), headers.last_mut()) {
            (Some(more), Some((_, lines))) => lines.push(more),
            _ => {
                let (key, value) = line.split_once(' ').unwrap_or((line, ""));
                headers.push((key, vec![value]));
            }
        }
    }
    let one = |key: &str| {
        headers
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v[0])
            .ok_or_else(|| format!("a commit without {key}"))
    };
    let signature = headers
        .iter()
        .find(|(k, _)| *k == "gpgsig")
        .map(|(_, lines)| format!("{}\n", lines.join("\n")));
    // What a signature signs: the object without its signature headers.
    let mut payload = String::new();
    let mut in_signature = false;
    for line in head.lines() {
        if !line.starts_with(' ') {
            in_signature = line.starts_with("gpgsig ") || line.starts_with("gpgsig-sha256 ");
        }
        if !in_signature {
            payload.push_str(line);
            payload.push('\n');
        }
    }
    payload.push('\n');
    payload.push_str(message);
    let verified = signature.as_deref() == Some(placeholder_signature(&payload).as_str());
    Ok(Commit {
        tree: one("tree")?.to_string(),
        parents: headers
            .iter()
            .filter(|(k, _)| *k == "parent")
            .map(|(_, v)| v[0].to_string())
            .collect(),
        author: person(one("author")?)?,
        committer: person(one("committer")?)?,
        message: message.to_string(),
        signature,
        verified,
        payload,
        object: text.to_string(),
    })
}
