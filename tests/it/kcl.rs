//! The KCL editor on realistic modules, judged by KCL itself.
//!
//! Each edit is snapshotted (the file as tagbump writes it), proved by `kcl::verify`, and
//! then evaluated by KCL's own implementation (`scripts/kcl_eval.py`, PyPI `kcl-lib`): the
//! original and the edited module must evaluate to the same value except at the image
//! fields, which must hold the new image. KCL is required, not optional: without it these
//! tests fail and say how to install it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::Value;
use tagbump::edit::kcl::{self, KclError, KclOverride};
use tagbump::edit::splice::apply;
use tagbump::edit::{Splice, Target};

/// The Python interpreter that has `kcl-lib` installed
/// (default `/tmp/tagbump-testenv/venv/bin/python`).
const KCL_PYTHON_ENV: &str = "TAGBUMP_KCL_PYTHON";
const KCL_PYTHON_DEFAULT: &str = "/tmp/tagbump-testenv/venv/bin/python";

/// A seed-style `main.k`: a schema, an instance holding the image, comments that look like
/// code, every quote style, and a Deployment built from the instance.
const SEED: &str = r##"# Demo app deployed by Argo CD from this repository.
# CI bumps the image below; see .github/workflows/build.yaml ("update config" step).
# Note: 'quotes' in comments and "ghcr.io/acme/app:0.0.1" here are not strings.

schema App:
    """An application and how to run it.

    image: the container image, e.g. "ghcr.io/acme/app:1.0.0" # not a comment
    """
    name: str
    image: str
    replicas: int = 1
    port: int = 8080
    env: {str:str} = {}


app = App {
    name = "demo"
    # image = "ghcr.io/acme/app:1.2.2"  (the previous release)
    image = "ghcr.io/acme/app:1.2.3"  # bumped by tagbump
    replicas = 2

    env = {
        GREETING = 'it\'s "fine" # really'
        LOG_PATTERN = r"^\d+ \w+ #\d"
        BANNER = """
Welcome to the demo!
  # this line is inside a string
"""
    }
}

# The proxy runs next to the app; its image is not ours to bump.
proxy = App {
    name = 'proxy'
    image = 'docker.io/envoyproxy/envoy:v1.30.1'
    port = 9901
}

deployment = {
    apiVersion = "apps/v1"
    kind = "Deployment"
    metadata.name = app.name
    spec = {
        replicas = app.replicas
        selector.matchLabels.app = app.name
        template = {
            metadata.labels.app = app.name
            spec.containers = [
                {name = app.name, image = app.image, ports = [{containerPort = app.port}]}
                {name = proxy.name, image = proxy.image}
            ]
        }
    }
}
"##;

/// The same image in every quote style, next to values that must not change.
const STYLES: &str = r##"registry = "ghcr.io"

images = {
    double = "ghcr.io/acme/app:1.2.3"
    single = 'ghcr.io/acme/app:1.2.3'
    triple = """ghcr.io/acme/app:1.2.3"""
    triple_single = '''ghcr.io/acme/app:1.2.3'''
    raw = r"ghcr.io/acme/app:1.2.3"
    raw_upper = R'ghcr.io/acme/app:1.2.3'
    # Built at run time: not a literal image, left alone.
    templated = "${registry}/acme/app:1.2.3"
    # Another repository of the same owner.
    worker = "ghcr.io/acme/worker:1.2.3"
    # A hash inside a string is not a comment.
    hashed = "#ghcr.io/acme/app:1.2.3"
    repository = "ghcr.io/acme/app"
}

image_list = ["ghcr.io/acme/app:1.2.3", 'nginx:1.25']
"##;

/// Images reached by override paths, whatever their current value.
const OVERRIDE: &str = r##"# The web tier. tagbump writes its images through override paths:
#   config.containers.main.image and web.image
schema Container:
    name: str
    image: str

schema Config:
    containers: {str:Container}

schema Web:
    image: str
    replicas: int = 1

config = Config {
    containers.main = Container {
        name = "main"
        image = "registry.local:5000/app:dev"  # any value: the path decides
    }
    containers.init: Container {name = "init", image = 'busybox:1.36'}
}

web: Web = Web {
    replicas = 3
    image = 'ghcr.io/acme/web:old'  # 'web.image'
}
"##;

const DIGEST: &str = concat!(
    "sha256:",
    "4d2c4e4f8c1e6f5a6b7c8d9e0f1a2b3c",
    "4d5e6f708192a3b4c5d6e7f8091a2b3c"
);

/// The edit of one module: edited, applied and verified.
struct Bump {
    updated: String,
    splices: Vec<Splice>,
}

fn bump(text: &str, targets: &[&str], overrides: &[(&str, &str)]) -> Result<Bump, KclError> {
    let targets: Vec<Target> = targets.iter().map(|t| Target::parse(t).unwrap()).collect();
    let overrides: Vec<KclOverride> = overrides
        .iter()
        .map(|(path, value)| KclOverride {
            path: path.to_string(),
            value: value.to_string(),
        })
        .collect();
    let splices = kcl::edit(text, &targets, &overrides)?;
    let updated = apply(text, &splices).unwrap();
    kcl::verify(text, &updated, &splices)?;
    // Running the same bump on its own output changes nothing.
    let again = kcl::edit(&updated, &targets, &overrides)?;
    assert!(again.is_empty(), "second run is not a no-op: {again:?}");
    Ok(Bump { updated, splices })
}

// ---------------------------------------------------------------------------------------
// The oracle: KCL's own evaluation.

fn kcl_python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let python = std::env::var_os(KCL_PYTHON_ENV).map_or_else(|| PathBuf::from(KCL_PYTHON_DEFAULT), PathBuf::from);
        let works = Command::new(&python)
            .args(["-c", "import kcl_lib.api"])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            works,
            "these tests need KCL's own implementation, and `{} -c 'import kcl_lib.api'` failed\n\
             hint: python3 -m venv /tmp/tagbump-testenv/venv && \
             /tmp/tagbump-testenv/venv/bin/pip install kcl-lib\n\
             hint: or set {KCL_PYTHON_ENV} to a Python that has kcl-lib",
            python.display()
        );
        python
    })
}

/// Run `scripts/kcl_eval.py` on `text` saved as `main.k`: the value, or KCL's message.
pub(crate) fn kcl_eval(text: &str) -> Result<Value, String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("main.k");
    fs_err::write(&file, text).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/kcl_eval.py");
    let out = Command::new(kcl_python()).arg(&script).arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match out.status.code() {
        Some(0) => Ok(serde_json::from_slice(&out.stdout).unwrap()),
        Some(1) => Err(stderr),
        _ => panic!("{} failed: {stderr}", script.display()),
    }
}

/// Every leaf of a JSON value by its JSON pointer.
fn leaves(v: &Value, at: String, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            m.iter().for_each(|(k, v)| leaves(v, format!("{at}/{k}"), out));
        }
        Value::Array(a) if !a.is_empty() => {
            a.iter()
                .enumerate()
                .for_each(|(i, v)| leaves(v, format!("{at}/{i}"), out));
        }
        _ => {
            out.insert(at, v.clone());
        }
    }
}

/// KCL evaluates `original` and `updated` to the same value except at `expected` (JSON
/// pointers), which hold the given strings after the edit.
fn assert_kcl_agrees(original: &str, updated: &str, expected: &[(&str, &str)]) {
    let (mut before, mut after) = (BTreeMap::new(), BTreeMap::new());
    leaves(
        &kcl_eval(original).expect("KCL rejects the original"),
        String::new(),
        &mut before,
    );
    leaves(
        &kcl_eval(updated).expect("KCL rejects the edit"),
        String::new(),
        &mut after,
    );
    let changed: BTreeMap<&String, (Option<&Value>, Option<&Value>)> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| (k, (before.get(k), after.get(k))))
        .collect();
    let want: BTreeMap<String, Value> = expected.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
    let got: BTreeMap<String, Value> = changed
        .iter()
        .map(|(k, (_, new))| (k.to_string(), new.cloned().unwrap_or(Value::Null)))
        .collect();
    assert_eq!(got, want, "KCL's evaluation changed other values: {changed:#?}");
}

// ---------------------------------------------------------------------------------------
// Edits.

#[test]
fn seed_main_k_bumps_only_the_app_image() {
    let b = bump(SEED, &["ghcr.io/acme/app:1.3.0"], &[]).unwrap();
    assert_eq!(b.splices.len(), 1);
    assert_eq!(
        (b.splices[0].line, b.splices[0].old.as_str()),
        (20, "ghcr.io/acme/app:1.2.3")
    );
    insta::assert_snapshot!("seed_main_k", b.updated);
    assert_kcl_agrees(
        SEED,
        &b.updated,
        &[
            ("/app/image", "ghcr.io/acme/app:1.3.0"),
            (
                "/deployment/spec/template/spec/containers/0/image",
                "ghcr.io/acme/app:1.3.0",
            ),
        ],
    );
}

#[test]
fn seed_main_k_with_a_digest() {
    let target = format!("ghcr.io/acme/app:1.3.0@{DIGEST}");
    let b = bump(SEED, &[&target], &[]).unwrap();
    assert_eq!(b.splices.len(), 1);
    assert_kcl_agrees(
        SEED,
        &b.updated,
        &[
            ("/app/image", &target),
            ("/deployment/spec/template/spec/containers/0/image", &target),
        ],
    );
}

#[test]
fn every_quote_style_is_kept() {
    let b = bump(STYLES, &["ghcr.io/acme/app:1.3.0"], &[]).unwrap();
    let lines: Vec<usize> = b.splices.iter().map(|s| s.line).collect();
    assert_eq!(lines, [4, 5, 6, 7, 8, 9, 19]);
    insta::assert_snapshot!("every_quote_style", b.updated);
    let new = "ghcr.io/acme/app:1.3.0";
    assert_kcl_agrees(
        STYLES,
        &b.updated,
        &[
            ("/images/double", new),
            ("/images/single", new),
            ("/images/triple", new),
            ("/images/triple_single", new),
            ("/images/raw", new),
            ("/images/raw_upper", new),
            ("/image_list/0", new),
        ],
    );
}

#[test]
fn several_targets_in_one_pass() {
    let b = bump(STYLES, &["ghcr.io/acme/worker:2.0.0", "nginx:1.27"], &[]).unwrap();
    assert_eq!(b.splices.len(), 2);
    assert_kcl_agrees(
        STYLES,
        &b.updated,
        &[
            ("/images/worker", "ghcr.io/acme/worker:2.0.0"),
            ("/image_list/1", "nginx:1.27"),
        ],
    );
}

#[test]
fn override_paths_replace_whatever_is_there() {
    let overrides = [
        ("config.containers.main.image", "ghcr.io/acme/app:1.3.0"),
        ("web.image", "ghcr.io/acme/web:2.0"),
    ];
    let b = bump(OVERRIDE, &[], &overrides).unwrap();
    let lines: Vec<usize> = b.splices.iter().map(|s| s.line).collect();
    assert_eq!(lines, [17, 24]);
    insta::assert_snapshot!("override_paths", b.updated);
    assert_kcl_agrees(
        OVERRIDE,
        &b.updated,
        &[
            ("/config/containers/main/image", "ghcr.io/acme/app:1.3.0"),
            ("/web/image", "ghcr.io/acme/web:2.0"),
        ],
    );
}

#[test]
fn override_path_in_the_seed_agrees_with_a_target() {
    // The same bump, asked for by path instead of by image: one identical splice.
    let new = "ghcr.io/acme/app:1.3.0";
    let b = bump(SEED, &[new], &[("app.image", new)]).unwrap();
    assert_eq!(b.splices.len(), 1);
    assert_eq!(b.updated, bump(SEED, &[new], &[]).unwrap().updated);
}

#[test]
fn a_file_without_the_image_is_left_alone() {
    let b = bump(OVERRIDE, &["ghcr.io/acme/app:1.3.0"], &[]).unwrap();
    assert!(b.splices.is_empty());
}

// ---------------------------------------------------------------------------------------
// Hostile input: clear errors with the line, in agreement with KCL where KCL has a say.

#[test]
fn unterminated_string_names_the_line_kcl_names() {
    let text = SEED.replace("name = 'proxy'", "name = 'proxy");
    let e = bump(&text, &["ghcr.io/acme/app:1.3.0"], &[]).err().unwrap();
    assert_eq!(e.to_string(), "line 35:12: unterminated string literal");
    let kcl = kcl_eval(&text).unwrap_err();
    assert!(
        kcl.contains("main.k:35:12") && kcl.contains("unterminated string"),
        "{kcl}"
    );
}

#[test]
fn unterminated_triple_quoted_string() {
    let text = SEED.replace("  # this line is inside a string\n\"\"\"", "  # and never closed");
    let e = bump(&text, &["ghcr.io/acme/app:1.3.0"], &[]).err().unwrap();
    assert_eq!(e.to_string(), "line 26:18: unterminated string literal");
    assert!(kcl_eval(&text).is_err());
}

#[test]
fn override_path_that_is_not_there() {
    let e = bump(OVERRIDE, &[], &[("web.containers.main.image", "x:1")])
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "override path web.containers.main.image not found: `web` is assigned at line 22 but \
         has no `containers` in its config\n\
         hint: tagbump replaces a value that is already written and never adds one; assign a \
         string literal at web.containers.main.image first"
    );
    let e = bump(OVERRIDE, &[], &[("api.image", "x:1")]).err().unwrap();
    assert_eq!(
        e.to_string().lines().next().unwrap(),
        "override path api.image not found: no top-level variable of that name is assigned in \
         this file"
    );
}

#[test]
fn override_path_holding_an_expression() {
    let e = bump(SEED, &[], &[("deployment.kind", "x:1")]);
    assert!(e.is_ok(), "a string literal is replaced whatever it holds");
    let e = bump(SEED, &[], &[("deployment.metadata.name", "x:1")]).err().unwrap();
    assert_eq!(
        e.to_string().lines().next().unwrap(),
        "line 43:21: override path deployment.metadata.name holds the expression `app.name`, \
         not a string literal"
    );
}

// ---------------------------------------------------------------------------------------
// Property: whatever the surrounding literals and comments, a bump verifies and changes
// only the lines that hold the image.

/// One line of a module: a comment or an assignment, with or without the image.
fn line_strategy() -> impl Strategy<Value = (String, bool)> {
    let image = "ghcr.io/acme/app:1.2.3";
    prop_oneof![
        "[ -~&&[^\n]]{0,30}".prop_map(|c| (format!("# {c}"), false)),
        Just((format!("a = \"{image}\"  # \"{image}\""), true)),
        Just((format!("a = '{image}' # it's"), true)),
        Just((format!("a = r\"{image}\""), true)),
        Just((format!("a = \"\"\"{image}\"\"\""), true)),
        Just((format!("a = \"#{image}\""), false)),
        Just((format!("a = \"{image} \""), false)),
        Just(("a = 'it\\'s # \"x\"'".to_string(), false)),
        Just(("a = \"\"\"\n# \"inside\" 'x'\n\"\"\"".to_string(), false)),
        Just(("a = {b = [1, 2.5e-3, \"c\"]}".to_string(), false)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn bumps_change_only_image_lines(lines in proptest::collection::vec(line_strategy(), 0..12)) {
        let text: String = lines.iter().map(|(l, _)| format!("{l}\n")).collect();
        let b = bump(&text, &["ghcr.io/acme/app:1.3.0"], &[]).unwrap();
        let expected: String = lines
            .iter()
            .map(|(l, is_image)| match is_image {
                true => format!("{}\n", l.replacen("app:1.2.3", "app:1.3.0", 1)),
                false => format!("{l}\n"),
            })
            .collect();
        prop_assert_eq!(b.updated, expected);
    }
}
