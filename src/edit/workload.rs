//! Image fields of Kubernetes objects, found by shape rather than by a list of kinds.
//!
//! A pod template looks the same in a Deployment, a CronJob, an Argo Rollout or a CR nobody
//! has heard of, so the walk does not look at `kind` (except to leave
//! `CustomResourceDefinition`s alone, whose schemas mention `image` without holding one, as
//! kustomize does). Two walks exist:
//!
//! - [`Walk::Anywhere`] (tagbump's own): every `image:` key holding a string, at any depth
//!   (containers, initContainers, ephemeralContainers, Tekton steps, Helm values' plain
//!   `image: repo:tag`), plus image volumes (`volumes[].image.reference`);
//! - [`Walk::Legacy`]: kustomize's legacy walk, `image` of items of any list named
//!   `containers` or `initContainers`, at any depth.
//!
//! Aliases: an `image: *ref` whose anchor is used only as an image is edited once at the
//! anchor (every alias follows). When the anchor is also used for something else (the
//! kustomize case of `name: &n nginx` reused as the image), only the alias site is replaced by
//! a plain value, so the other uses keep their meaning.

use std::collections::{HashMap, HashSet};

use super::yaml::tree::{Kind, Node};
use super::yaml::walk::{Visit, doc_kind, walk};
use super::yaml::{Edits, Path, YamlDoc, YamlError};

/// Which fields count as images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    Anywhere,
    Legacy,
}

/// Paths of image fields in the documents (scalars or aliases).
pub fn image_fields(docs: &[Node], mode: Walk) -> Vec<Path> {
    let mut out = Vec::new();
    let skip: HashSet<usize> = docs
        .iter()
        .enumerate()
        .filter(|(_, d)| doc_kind(d) == Some("CustomResourceDefinition"))
        .map(|(i, _)| i)
        .collect();
    walk(docs, &mut |v: &Visit| {
        if skip.contains(&v.path[0]) || !matches!(v.node.kind, Kind::Scalar { .. } | Kind::Alias(_)) {
            return;
        }
        let n = v.keys.len();
        let is_image = match mode {
            // `image: x`, or an image volume `volumes: [{image: {reference: x}}]`.
            Walk::Anywhere => {
                v.key == Some("image")
                    || v.keys
                        .ends_with(&[Some("volumes"), None, Some("image"), Some("reference")])
            }
            Walk::Legacy => {
                v.key == Some("image")
                    && n >= 3
                    && v.keys[n - 2].is_none()
                    && matches!(v.keys[n - 3], Some("containers") | Some("initContainers"))
            }
        };
        if is_image {
            out.push(v.path.to_vec());
        }
    });
    out
}

/// Rewrite the image fields at `paths` with `rewrite` (old value -> new value, `None` to leave).
pub fn rewrite_fields(
    doc: &YamlDoc,
    paths: &[Path],
    rewrite: &dyn Fn(&str) -> Option<String>,
    edits: &mut Edits,
) -> Result<(), YamlError> {
    let hits: HashSet<&Path> = paths.iter().collect();
    let mut anchors: HashMap<usize, Path> = HashMap::new();
    let mut alias_sites: HashMap<usize, Vec<Path>> = HashMap::new();
    // The anchor tables are only needed when an image field is an alias; most files have none,
    // and this runs for every file of a bump.
    let any_alias = paths
        .iter()
        .any(|p| doc.at(p).is_some_and(|n| matches!(n.kind, Kind::Alias(_))));
    walk(if any_alias { &doc.docs } else { &[] }, &mut |v: &Visit| {
        if v.node.anchor != 0 {
            anchors.insert(v.node.anchor, v.path.to_vec());
        }
        if let Kind::Alias(id) = v.node.kind {
            alias_sites.entry(id).or_default().push(v.path.to_vec());
        }
    });
    for path in paths {
        let node = doc.at(path).expect("walked path");
        match &node.kind {
            Kind::Scalar { value, .. } => {
                if let Some(new) = rewrite(value) {
                    doc.set(path, &new, edits)?;
                }
            }
            Kind::Alias(id) => {
                let Some(def_path) = anchors.get(id) else {
                    continue;
                };
                let Some(value) = doc.at(def_path).and_then(Node::scalar) else {
                    continue;
                };
                let Some(new) = rewrite(value) else { continue };
                let only_images = alias_sites
                    .get(id)
                    .is_some_and(|sites| sites.iter().all(|s| hits.contains(s)));
                if only_images {
                    doc.set(def_path, &new, edits)?;
                } else {
                    doc.set(path, &new, edits)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::Target;

    fn bump(text: &str, target: &str) -> String {
        let doc = YamlDoc::parse(text).unwrap();
        let t = Target::parse(target).unwrap();
        let mut edits = Edits::default();
        let paths = image_fields(&doc.docs, Walk::Anywhere);
        rewrite_fields(&doc, &paths, &|v| t.rewrite(v), &mut edits).unwrap();
        doc.finish(&edits).unwrap()
    }

    #[test]
    fn finds_containers_by_shape_in_any_kind() {
        let text = "kind: Rollout\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: nginx:1.0 # keep\n      initContainers:\n      - image: \"docker.io/library/nginx:1.0\"\n";
        let out = bump(text, "nginx:1.1");
        assert_eq!(
            out,
            text.replace("nginx:1.0 #", "nginx:1.1 #")
                .replace("nginx:1.0\"", "nginx:1.1\"")
        );
    }

    #[test]
    fn image_volumes() {
        let text =
            "spec:\n  volumes:\n  - name: data\n    image:\n      reference: nginx:1\n      pullPolicy: IfNotPresent\n";
        assert_eq!(bump(text, "nginx:2"), text.replace("nginx:1", "nginx:2"));
    }

    #[test]
    fn leaves_crds_and_other_images_alone() {
        let text = "kind: CustomResourceDefinition\nspec:\n  image: nginx:1\n---\nimage: redis:1\n";
        assert_eq!(bump(text, "nginx:2"), text);
    }

    #[test]
    fn anchor_used_only_as_image_is_edited_once() {
        let text = "x: &img nginx:1\na:\n  image: *img\nb:\n  image: *img\n";
        // The anchor site is not an image field, but every alias is: edit the anchor.
        assert_eq!(
            bump(text, "nginx:2"),
            "x: &img nginx:2\na:\n  image: *img\nb:\n  image: *img\n"
        );
    }

    #[test]
    fn anchor_shared_with_a_name_is_not_edited() {
        let text = "metadata:\n  name: &n nginx\ncontainers:\n- name: *n\n  image: *n\n";
        assert_eq!(
            bump(text, "nginx:2"),
            "metadata:\n  name: &n nginx\ncontainers:\n- name: *n\n  image: nginx:2\n"
        );
    }
}
