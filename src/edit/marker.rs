//! Marker comments: a line comment on a scalar that says which image's value belongs there.
//!
//! Flux's setters, `# {"$imagepolicy": "<ns>:<name>"}` with the optional suffixes `:tag`,
//! `:name` and `:digest`, are honoured with Flux's meaning so Flux users can switch without
//! touching their files; tagbump's own `# {"tagbump": "<image>"}` works the same way, with the
//! same suffixes, where `<image>` is an image name (or an image id from `tagbump.yaml`). A
//! marker works on any scalar, not only `image:` fields (a kustomization's `newTag`, a patch
//! target), which is the point of markers.
//!
//! A marker whose policy or image is not being bumped is left alone, silently: markers drive
//! updates, they are not assertions.

use super::yaml::tree::Kind;
use super::yaml::walk::{Visit, walk};
use super::yaml::{Edits, Path, YamlDoc, YamlError};
use crate::image::ImageRef;

/// Which family of marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `$imagepolicy`: the id is `namespace:policy`.
    Flux,
    /// `tagbump`: the id is an image name or id.
    Tagbump,
}

pub use crate::image::Part;

/// A parsed marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub family: Family,
    pub id: String,
    pub part: Part,
}

/// Parse a comment's text (after `#`) as a marker.
pub fn parse(comment: &str) -> Option<Marker> {
    let c = comment.trim();
    if !c.starts_with('{') {
        return None;
    }
    let obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(c).ok()?;
    let (family, value) = if let Some(v) = obj.get("$imagepolicy") {
        (Family::Flux, v.as_str()?)
    } else {
        (Family::Tagbump, obj.get("tagbump")?.as_str()?)
    };
    let (id, part) = match value.rsplit_once(':') {
        Some((id, "tag")) => (id, Part::Tag),
        Some((id, "name")) => (id, Part::Name),
        Some((id, "digest")) => (id, Part::Digest),
        _ => (value, Part::Full),
    };
    Some(Marker {
        family,
        id: id.to_string(),
        part,
    })
}

/// Cheap pre-check so files without markers are not walked (as Flux does).
pub fn may_contain_markers(text: &str) -> bool {
    text.contains("\"$imagepolicy\"") || text.contains("\"tagbump\"")
}

/// Scalars carrying a marker, with their paths.
pub fn find(doc: &YamlDoc) -> Vec<(Path, Marker)> {
    let mut out = Vec::new();
    if !may_contain_markers(doc.text) {
        return out;
    }
    walk(&doc.docs, &mut |v: &Visit| {
        if !matches!(v.node.kind, Kind::Scalar { .. }) || v.path.len() < 2 {
            return;
        }
        if let Some(m) = doc.trailing_comment(v.node).and_then(parse) {
            out.push((v.path.to_vec(), m));
        }
    });
    out
}

/// Apply every marker that `resolve` knows (the reference it stands for).
pub fn apply(doc: &YamlDoc, resolve: &dyn Fn(&Marker) -> Option<ImageRef>, edits: &mut Edits) -> Result<(), YamlError> {
    for (path, marker) in find(doc) {
        let Some(value) = resolve(&marker).and_then(|r| r.part(marker.part)) else {
            continue;
        };
        doc.set(&path, &value, edits)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flux_and_tagbump_markers() {
        let m = parse(r#" {"$imagepolicy": "ns:app:tag"}"#).unwrap();
        assert_eq!((m.family, m.id.as_str(), m.part), (Family::Flux, "ns:app", Part::Tag));
        let m = parse(r#"{"$imagepolicy": "ns:app"}"#).unwrap();
        assert_eq!((m.id.as_str(), m.part), ("ns:app", Part::Full));
        let m = parse(r#"{"tagbump": "localhost:5000/app:digest"}"#).unwrap();
        assert_eq!(
            (m.family, m.id.as_str(), m.part),
            (Family::Tagbump, "localhost:5000/app", Part::Digest)
        );
        assert!(parse("just a comment").is_none());
        assert!(parse(r#"{"other": 1}"#).is_none());
    }

    #[test]
    fn applies_only_known_markers() {
        let text = "a: x:1 # {\"tagbump\": \"app:tag\"}\nb: y:1 # {\"tagbump\": \"other\"}\n";
        let doc = YamlDoc::parse(text).unwrap();
        let mut edits = Edits::default();
        let resolve = |m: &Marker| (m.id == "app").then(|| ImageRef::parse("app:2").unwrap());
        apply(&doc, &resolve, &mut edits).unwrap();
        assert_eq!(
            doc.finish(&edits).unwrap(),
            "a: \"2\" # {\"tagbump\": \"app:tag\"}\nb: y:1 # {\"tagbump\": \"other\"}\n"
        );
    }
}
