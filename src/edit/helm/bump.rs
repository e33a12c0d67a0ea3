//! Bumping by shape: the image mappings charts use, found without a key path.
//!
//! The shapes are the ones `helm create` and the big chart collections write:
//! `repository` + `tag` (optionally `registry`, and `digest`), and `image:` mappings with
//! `name` + `tag`. Only values that exist are rewritten; nothing is created and no tag is
//! ever blanked, so running this over every values file of a repository is safe.

use super::HelmError;
use super::resolve::deref;
use crate::edit::Target;
use crate::edit::yaml::walk::{Visit, walk};
use crate::edit::yaml::{Edits, Kind, Node, Path, YamlDoc};

/// One image mapping found in a values file.
struct Found {
    /// The image name: `registry/repository` when there is a `registry`.
    name: String,
    /// The `tag` scalar (its anchor when it is an alias).
    tag: Path,
    /// The `digest` scalar, when the mapping has one.
    digest: Option<(Path, String)>,
    /// Key path of the mapping, for messages (`sidecars[0].image`).
    key: String,
}

/// Bump image fields of the target repositories in a values file.
///
/// A mapping with `repository` + `tag` (the image name is `registry/repository` when it also
/// has a non-empty `registry`), or an `image:` mapping with `name` + `tag`, whose name matches
/// a target ([`Target::matches_name`]) gets its `tag` set when the target has a tag, and its
/// `digest` set when it has that key and the target has a digest.
///
/// A tag written without a digest clears an existing non-empty `digest` to `""`: charts
/// that have both render `repository@digest` and ignore the tag when a digest is set, so the
/// new tag would never be deployed while the old digest stayed. Keys are never created and a
/// tag is never blanked.
pub fn bump(doc: &YamlDoc, targets: &[Target], edits: &mut Edits) -> Result<(), HelmError> {
    let mut found = Vec::new();
    walk(&doc.docs, &mut |v| found.extend(image_mapping(doc, v)));
    let mut planned = Edits::default();
    for f in found {
        let Some(t) = targets.iter().find(|t| t.matches_name(&f.name)) else {
            continue;
        };
        let tag = t.image.tag.as_deref().filter(|t| !t.is_empty());
        if let Some(tag) = tag {
            doc.set(&f.tag, tag, &mut planned)
                .map_err(|e| HelmError::yaml(&format!("{}.tag", f.key), e))?;
        }
        let Some((path, old)) = &f.digest else {
            continue;
        };
        let digest = match (t.image.digest.as_deref(), tag) {
            (Some(d), _) => d,
            (None, Some(_)) if !old.is_empty() => "",
            _ => continue,
        };
        doc.set(path, digest, &mut planned)
            .map_err(|e| HelmError::yaml(&format!("{}.digest", f.key), e))?;
    }
    edits.extend(planned);
    Ok(())
}

/// The image mapping at a visited node, if it is one.
fn image_mapping(doc: &YamlDoc, v: &Visit) -> Option<Found> {
    let node = v.node;
    let Kind::Map { entries, .. } = &node.kind else {
        return None;
    };
    let field = |key: &str| -> Option<(&Node, Path)> {
        let i = node.entry(key)?;
        let mut path = v.path.to_vec();
        path.push(i);
        let (n, p) = deref(doc, &entries[i].1, path);
        n.scalar().is_some().then_some((n, p))
    };
    let (_, tag) = field("tag")?;
    let (name, _) = field("repository").or_else(|| field("name").filter(|_| v.key == Some("image")))?;
    let name = name.scalar()?;
    if name.is_empty() {
        return None;
    }
    let name = match field("registry")
        .and_then(|(r, _)| r.scalar())
        .filter(|r| !r.is_empty())
    {
        Some(registry) => format!("{}/{name}", registry.trim_end_matches('/')),
        None => name.to_string(),
    };
    let digest = field("digest").map(|(n, p)| (p, n.scalar().unwrap_or_default().to_string()));
    Some(Found {
        name,
        tag,
        digest,
        key: dotted(v),
    })
}

/// The key path of a visited node, Helm style: `a.b[0].c`.
fn dotted(v: &Visit) -> String {
    let mut s = String::new();
    for (j, k) in v.keys.iter().enumerate() {
        match k {
            Some(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            None => s.push_str(&format!("[{}]", v.path[j + 1])),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bump `text`; `sha256:bbb` in a target stands for a real digest, and reads back as such.
    fn bump_text(text: &str, targets: &[&str]) -> Result<String, String> {
        let digest = format!("sha256:{}", "b".repeat(64));
        let doc = YamlDoc::parse(text).unwrap();
        let targets: Vec<Target> = targets
            .iter()
            .map(|t| Target::parse(&t.replace("sha256:bbb", &digest)).unwrap())
            .collect();
        let mut edits = Edits::default();
        bump(&doc, &targets, &mut edits).map_err(|e| e.to_string())?;
        Ok(doc
            .finish(&edits)
            .map_err(|e| e.to_string())?
            .replace(&digest, "sha256:bbb"))
    }

    #[test]
    fn repository_and_tag() {
        let t = "\
# app
image:
  repository: ghcr.io/acme/app # the app
  tag: \"1.0.0\" # bumped by CI
  pullPolicy: IfNotPresent
";
        assert_eq!(
            bump_text(t, &["ghcr.io/acme/app:1.1.0"]).unwrap(),
            t.replace("1.0.0", "1.1.0")
        );
    }

    #[test]
    fn plain_tags_are_quoted_when_they_would_read_as_numbers() {
        let t = "image:\n  repository: nginx\n  tag: '1.25'\nsidecar:\n  repository: nginx\n  tag: v1\n";
        let want = "image:\n  repository: nginx\n  tag: '1.26'\nsidecar:\n  repository: nginx\n  tag: \"1.26\"\n";
        assert_eq!(bump_text(t, &["docker.io/library/nginx:1.26"]).unwrap(), want);
    }

    #[test]
    fn registry_repository_tag() {
        let t = "\
image:
  registry: docker.io
  repository: bitnami/redis
  tag: 7.0.0
other:
  registry: quay.io
  repository: bitnami/redis
  tag: 7.0.0
";
        let want = t.replacen("tag: 7.0.0", "tag: 7.2.0", 1);
        assert_eq!(bump_text(t, &["bitnami/redis:7.2.0"]).unwrap(), want);
    }

    #[test]
    fn image_name_and_tag() {
        let t = "image:\n  name: ghcr.io/acme/app\n  tag: v1\nuser:\n  name: ghcr.io/acme/app\n  tag: v1\n";
        let want = "image:\n  name: ghcr.io/acme/app\n  tag: v2\nuser:\n  name: ghcr.io/acme/app\n  tag: v1\n";
        assert_eq!(bump_text(t, &["ghcr.io/acme/app:v2"]).unwrap(), want);
    }

    #[test]
    fn digests() {
        let t = "image:\n  repository: acme/app\n  tag: v1\n  digest: sha256:aaa\n";
        // A tag alone clears the digest the chart would otherwise prefer.
        let want = "image:\n  repository: acme/app\n  tag: v2\n  digest: \"\"\n";
        assert_eq!(bump_text(t, &["acme/app:v2"]).unwrap(), want);
        let want = "image:\n  repository: acme/app\n  tag: v2\n  digest: sha256:bbb\n";
        assert_eq!(bump_text(t, &["acme/app:v2@sha256:bbb"]).unwrap(), want);
        // A digest alone keeps the tag.
        let want = "image:\n  repository: acme/app\n  tag: v1\n  digest: sha256:bbb\n";
        assert_eq!(bump_text(t, &["acme/app@sha256:bbb"]).unwrap(), want);
        // No digest key: none is created.
        let t = "image:\n  repository: acme/app\n  tag: v1\n";
        assert_eq!(bump_text(t, &["acme/app@sha256:bbb"]).unwrap(), t);
        // An empty digest stays empty.
        let t = "image:\n  repository: acme/app\n  tag: v1\n  digest: \"\"\n";
        assert_eq!(bump_text(t, &["acme/app:v2"]).unwrap(), t.replace("v1", "v2"));
    }

    #[test]
    fn no_match_is_left_alone() {
        let t = "\
image:
  repository: acme/other
  tag: v1
name: acme/app
tag: v1
list:
- repository: acme/app
";
        assert_eq!(bump_text(t, &["acme/app:v2"]).unwrap(), t);
    }

    #[test]
    fn lists_flow_and_aliases() {
        let t = "v: &v v1\nsidecars:\n- {repository: acme/app, tag: v1}\n- repository: acme/app\n  tag: *v\n";
        let want = "v: &v v2\nsidecars:\n- {repository: acme/app, tag: v2}\n- repository: acme/app\n  tag: *v\n";
        assert_eq!(bump_text(t, &["acme/app:v2"]).unwrap(), want);
    }

    #[test]
    fn errors_name_the_key() {
        let t = "a:\n  b:\n  - image:\n      repository: acme/app\n      tag: !!int 5\n";
        let e = bump_text(t, &["acme/app:v2"]).unwrap_err();
        assert!(e.starts_with("line 5: key `a.b[0].image.tag`: "), "{e}");
    }
}
