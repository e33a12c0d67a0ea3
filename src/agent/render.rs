//! From a source's path to the objects to apply.
//!
//! Four renderers: a plain directory of manifests (recursive, in sorted order, any number
//! of documents per file, `kind: List` flattened), Kustomize (`kustomize build`, or
//! `kubectl kustomize` when only kubectl is installed), KCL (`kcl run`), or any command
//! that prints YAML. Every object must have `apiVersion`, `kind` and `metadata.name`; an
//! object that lacks one is an error naming where it came from, and a render that fails
//! never yields a partial set of objects (the prune safeguards depend on that).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::subprocess::{self, RunError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Renderer {
    Plain,
    Kustomize,
    Kcl,
    /// argv; run in the source's path.
    Command(Vec<String>),
}

/// One object of the render.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub value: Value,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// Where it came from (`apps/deploy.yaml#2`, `kustomize output#5`).
    pub origin: String,
}

#[derive(Debug)]
pub struct Rendered {
    pub objects: Vec<Object>,
    /// SHA-256 of the objects (canonical JSON, in order): equal renders, equal digests.
    pub digest: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub fn render(r: &Renderer, dir: &Path, limit: Duration) -> Result<Rendered, RenderError> {
    let mut objects = Vec::new();
    match r {
        Renderer::Plain => {
            for file in manifest_files(dir)? {
                let text = fs_err::read_to_string(&file).map_err(|source| RenderError::Read {
                    path: file.clone(),
                    source,
                })?;
                let shown = file.strip_prefix(dir).unwrap_or(&file).display().to_string();
                parse_into(&text, &shown, &mut objects)?;
            }
        }
        Renderer::Kustomize => {
            let argv = if which("kustomize") {
                vec!["kustomize".into(), "build".into(), ".".into()]
            } else {
                vec!["kubectl".into(), "kustomize".into(), ".".into()]
            };
            let out = subprocess::run(
                &argv,
                dir,
                limit,
                "install kustomize, or kubectl (which has it built in)",
            )?;
            parse_into(&String::from_utf8_lossy(&out), "kustomize output", &mut objects)?;
        }
        Renderer::Kcl => {
            let argv = vec!["kcl".into(), "run".into()];
            let out = subprocess::run(&argv, dir, limit, "install the KCL command line (https://kcl-lang.io)")?;
            parse_into(&String::from_utf8_lossy(&out), "kcl output", &mut objects)?;
        }
        Renderer::Command(argv) => {
            let out = subprocess::run(argv, dir, limit, "check the source's render command")?;
            parse_into(&String::from_utf8_lossy(&out), "command output", &mut objects)?;
        }
    }
    let mut hasher = Sha256::new();
    for o in &objects {
        hasher.update(serde_json::to_vec(&o.value).unwrap_or_default());
        hasher.update(b"\n");
    }
    let digest = format!("sha256:{}", crate::registry::manifest::hex(&hasher.finalize()));
    Ok(Rendered { objects, digest })
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// The manifest files under `dir`: `.yaml`, `.yml`, `.json`, recursively, sorted by path;
/// hidden files and directories skipped (`.git`, editor files).
fn manifest_files(dir: &Path) -> Result<Vec<PathBuf>, RenderError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = fs_err::read_dir(&d).map_err(|source| RenderError::Read {
            path: d.clone(),
            source,
        })?;
        for e in entries {
            let e = e.map_err(|source| RenderError::Read {
                path: d.clone(),
                source,
            })?;
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let ft = e.file_type().map_err(|source| RenderError::Read {
                path: p.clone(),
                source,
            })?;
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json")) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Parse a YAML stream, appending its objects (empty documents skipped, Lists flattened).
pub fn parse_into(text: &str, origin: &str, out: &mut Vec<Object>) -> Result<(), RenderError> {
    let docs: Vec<Value> = serde_saphyr::from_str_multiple(text).map_err(|e| RenderError::Invalid {
        origin: origin.to_string(),
        message: e.without_snippet().to_string(),
    })?;
    for (i, doc) in docs.into_iter().enumerate() {
        let where_ = format!("{origin}#{}", i + 1);
        if doc.is_null() {
            continue;
        }
        if doc
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"))
            && let Some(items) = doc.get("items").and_then(Value::as_array)
        {
            for (j, item) in items.iter().enumerate() {
                out.push(object(item.clone(), format!("{where_}.items[{j}]"))?);
            }
            continue;
        }
        out.push(object(doc, where_)?);
    }
    Ok(())
}

fn object(value: Value, origin: String) -> Result<Object, RenderError> {
    let invalid = |message: &str| RenderError::Invalid {
        origin: origin.clone(),
        message: message.to_string(),
    };
    if !value.is_object() {
        return Err(invalid(
            "not a Kubernetes object (a mapping with apiVersion, kind, metadata)",
        ));
    }
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let api_version = s(value.get("apiVersion")).ok_or_else(|| invalid("no apiVersion"))?;
    let kind = s(value.get("kind")).ok_or_else(|| invalid("no kind"))?;
    let meta = value.get("metadata");
    let name = s(meta.and_then(|m| m.get("name")))
        .ok_or_else(|| invalid("no metadata.name (generateName cannot be applied)"))?;
    let namespace = s(meta.and_then(|m| m.get("namespace")));
    Ok(Object {
        value,
        api_version,
        kind,
        name,
        namespace,
        origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, path: &str, text: &str) {
        let p = dir.join(path);
        fs_err::create_dir_all(p.parent().unwrap()).unwrap();
        fs_err::write(p, text).unwrap();
    }

    const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: ns}\ndata: {k: v}\n";

    #[test]
    fn plain_directories_are_recursive_sorted_and_multi_document() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            "b/deploy.yaml",
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\n# just a comment\n",
        );
        write(d.path(), "a.yml", CM);
        write(
            d.path(),
            "c.json",
            r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"}}]}"#,
        );
        write(d.path(), "README.md", "not yaml");
        write(d.path(), ".git/x.yaml", "ignored: true");
        let r = render(&Renderer::Plain, d.path(), Duration::from_secs(5)).unwrap();
        let names: Vec<(&str, &str, &str)> = r
            .objects
            .iter()
            .map(|o| (o.kind.as_str(), o.name.as_str(), o.origin.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("ConfigMap", "a", "a.yml#1"),
                ("Deployment", "web", "b/deploy.yaml#1"),
                ("Service", "s", "c.json#1.items[0]")
            ]
        );
        assert_eq!(r.objects[0].namespace.as_deref(), Some("ns"));
        let again = render(&Renderer::Plain, d.path(), Duration::from_secs(5)).unwrap();
        assert_eq!(r.digest, again.digest);
        write(d.path(), "a.yml", &CM.replace("k: v", "k: w"));
        assert_ne!(
            render(&Renderer::Plain, d.path(), Duration::from_secs(5))
                .unwrap()
                .digest,
            r.digest
        );
    }

    #[test]
    fn invalid_objects_name_their_origin() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            "x.yaml",
            &format!("{CM}---\napiVersion: v1\nkind: Secret\nmetadata: {{generateName: s-}}\n"),
        );
        let e = render(&Renderer::Plain, d.path(), Duration::from_secs(5)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.yaml#2: no metadata.name (generateName cannot be applied)"
        );
        write(d.path(), "x.yaml", "a: [\n");
        let e = render(&Renderer::Plain, d.path(), Duration::from_secs(5)).unwrap_err();
        assert!(e.to_string().starts_with("x.yaml: "), "{e}");
    }

    #[test]
    fn commands_and_their_failures() {
        let d = tempfile::tempdir().unwrap();
        let cmd = |s: &str| Renderer::Command(vec!["sh".into(), "-c".into(), s.into()]);
        let r = render(&cmd(&format!("printf '%s' '{CM}'")), d.path(), Duration::from_secs(5)).unwrap();
        assert_eq!(r.objects[0].origin, "command output#1");
        let e = render(
            &cmd("echo 'template error: x' >&2; exit 1"),
            d.path(),
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert!(e.to_string().contains("template error: x"), "{e}");
    }

    /// `kubectl kustomize` (the machine has kubectl 1.32 with kustomize built in).
    #[test]
    fn kustomize_renders_an_overlay() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            "base/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n",
        );
        write(d.path(), "base/kustomization.yaml", "resources: [cm.yaml]\n");
        write(
            d.path(),
            "prod/kustomization.yaml",
            "resources: [../base]\nnamespace: prod\nnamePrefix: prod-\n",
        );
        let r = render(&Renderer::Kustomize, &d.path().join("prod"), Duration::from_secs(30)).unwrap();
        assert_eq!(r.objects.len(), 1);
        assert_eq!(
            (r.objects[0].name.as_str(), r.objects[0].namespace.as_deref()),
            ("prod-a", Some("prod"))
        );
        write(d.path(), "prod/kustomization.yaml", "resources: [../missing]\n");
        let e = render(&Renderer::Kustomize, &d.path().join("prod"), Duration::from_secs(30)).unwrap_err();
        assert!(e.to_string().contains("missing"), "{e}");
    }
}
