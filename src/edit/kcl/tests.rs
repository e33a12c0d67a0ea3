//! Unit tests of the KCL editor as a whole: `edit` then `apply` then `verify`.

use super::*;
use crate::edit::splice::apply;

fn target(s: &str) -> Target {
    Target::parse(s).unwrap()
}

fn ov(path: &str, value: &str) -> KclOverride {
    KclOverride {
        path: path.into(),
        value: value.into(),
    }
}

/// Edit, apply and verify; the updated text.
fn run(text: &str, targets: &[&str], overrides: &[KclOverride]) -> Result<String, KclError> {
    let targets: Vec<Target> = targets.iter().map(|t| target(t)).collect();
    let splices = edit(text, &targets, overrides)?;
    let updated = apply(text, &splices).unwrap();
    verify(text, &updated, &splices)?;
    Ok(updated)
}

#[test]
fn bumps_the_matching_literal_only() {
    let src = "a = \"ghcr.io/acme/app:1.0\"  # ghcr.io/acme/app:1.0\nb = 'ghcr.io/acme/other:1.0'\n";
    let out = run(src, &["ghcr.io/acme/app:2.0"], &[]).unwrap();
    assert_eq!(
        out,
        "a = \"ghcr.io/acme/app:2.0\"  # ghcr.io/acme/app:1.0\nb = 'ghcr.io/acme/other:1.0'\n"
    );
}

#[test]
fn keeps_quote_style_and_prefix() {
    let src = r#"a = 'ghcr.io/acme/app:1.0'
b = r"ghcr.io/acme/app:1.0"
c = """ghcr.io/acme/app:1.0"""
"#;
    let out = run(src, &["ghcr.io/acme/app:2.0"], &[]).unwrap();
    assert_eq!(out, src.replace("1.0", "2.0"));
}

#[test]
fn skips_interpolations_keys_and_comments() {
    let src = r#"r = "ghcr.io"
a = "${r}/acme/app:1.0"
b = {"ghcr.io/acme/app:1.0": 1}
# c = "ghcr.io/acme/app:1.0"
"#;
    let targets = [target("ghcr.io/acme/app:2.0")];
    assert!(edit(src, &targets, &[]).unwrap().is_empty());
}

#[test]
fn names_without_tag_or_digest_are_not_images() {
    let src = "name = \"nginx\"\nrepository = \"ghcr.io/acme/app\"\nimage = \"nginx:1.25\"\n";
    let out = run(src, &["nginx:1.27", "ghcr.io/acme/app:2"], &[]).unwrap();
    assert_eq!(out, src.replace("nginx:1.25", "nginx:1.27"));
}

#[test]
fn unchanged_value_makes_no_splice() {
    let src = "a = \"ghcr.io/acme/app:2.0\"\n";
    assert!(
        edit(
            src,
            &[target("ghcr.io/acme/app:2.0")],
            &[ov("a", "ghcr.io/acme/app:2.0")]
        )
        .unwrap()
        .is_empty()
    );
}

#[test]
fn override_forms() {
    let src = "\
schema App:
    image: str = \"default:1\"

app: App = App {
    name = \"a\"  # image = \"no\"
    image = 'old:1'
}
cfg = {
    containers.main.image = \"old:2\"
    sidecars: {log: {image: \"old:3\"}}, other = 1
}
";
    let overrides = [
        ov("app.image", "new:1"),
        ov("cfg.containers.main.image", "new:2"),
        ov("cfg.sidecars.log.image", "new:3"),
    ];
    let out = run(src, &[], &overrides).unwrap();
    assert!(out.contains("image = 'new:1'"), "{out}");
    assert!(out.contains("containers.main.image = \"new:2\""), "{out}");
    assert!(out.contains("{log: {image: \"new:3\"}}, other = 1"), "{out}");
    assert!(out.contains("image: str = \"default:1\""), "{out}");
}

#[test]
fn override_through_schema_arguments_and_skipping_conditionals() {
    let src = "\
app = App(replicas=2) {
    if env == \"prod\":
        image = \"cond:1\"
    image = \"old:1\"
}
";
    let out = run(src, &[], &[ov("app.image", "new:1")]).unwrap();
    assert!(
        out.contains("        image = \"cond:1\"\n    image = \"new:1\""),
        "{out}"
    );
}

#[test]
fn override_not_found_says_how_far_it_got() {
    let src = "app = App {\n    name = \"a\"\n}\n";
    let e = run(src, &[], &[ov("app.image", "x:1")]).unwrap_err();
    assert_eq!(
        e.to_string().lines().next().unwrap(),
        "override path app.image not found: `app` is assigned at line 1 but has no `image` \
         in its config"
    );
    let e = run(src, &[], &[ov("web.image", "x:1")]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("override path web.image not found: no top-level variable"),
        "{e}"
    );
    let e = run("app = make()\n", &[], &[ov("app.image", "x:1")]).unwrap_err();
    assert!(
        e.to_string()
            .contains("not a `{...}` config block but the expression `make()`"),
        "{e}"
    );
}

#[test]
fn override_of_an_expression_names_the_line() {
    let src = "base = \"x\"\napp = {\n    image = base + \":1\"\n}\n";
    let e = run(src, &[], &[ov("app.image", "x:2")]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("line 3:13: override path app.image holds the expression `base + \":1\"`"),
        "{e}"
    );
    let e = run("app = {image = \"${r}/a:1\"}\n", &[], &[ov("app.image", "x:2")]).unwrap_err();
    assert!(e.to_string().contains("holds an interpolated string"), "{e}");
}

#[test]
fn indented_names_are_not_top_level() {
    let src = "schema S:\n    app = {image = \"a:1\"}\n";
    assert!(matches!(
        run(src, &[], &[ov("app.image", "b:1")]),
        Err(KclError::PathNotFound { .. })
    ));
}

#[test]
fn invalid_paths() {
    for p in ["", "app..image", ".app", "app. image"] {
        assert!(
            matches!(run("app = {}\n", &[], &[ov(p, "x")]), Err(KclError::InvalidPath { .. })),
            "{p}"
        );
    }
}

#[test]
fn raw_string_that_cannot_hold_the_value() {
    let e = run("app = {image = r'old:1'}\n", &[], &[ov("app.image", "it's:1")]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("line 1:16: cannot write `it's:1` as a raw r'...' literal"),
        "{e}"
    );
}

#[test]
fn conflicting_requests_for_one_literal() {
    let src = "app = {image = \"ghcr.io/acme/app:1\"}\n";
    let e = edit(
        src,
        &[target("ghcr.io/acme/app:2")],
        &[ov("app.image", "ghcr.io/acme/app:3")],
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            KclError::Conflict {
                line: 1,
                column: 16,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn unbalanced_brackets_are_reported_when_a_path_is_searched() {
    let e = run("app = {\n  image = \"a\"\n", &[], &[ov("app.image", "b")]).unwrap_err();
    assert_eq!(e.to_string(), "line 1:7: `{` is never closed");
    let e = run("app = {image = \"a\")\n", &[], &[ov("app.image", "b")]).unwrap_err();
    assert_eq!(e.to_string(), "line 1:19: unexpected `)`");
}

#[test]
fn verify_refuses_other_changes() {
    let src = "a = \"ghcr.io/acme/app:1\"  # note\n";
    let splices = edit(src, &[target("ghcr.io/acme/app:2")], &[]).unwrap();
    let good = apply(src, &splices).unwrap();
    assert!(verify(src, &good, &splices).is_ok());
    let bad = good.replace("note", "nope");
    assert!(matches!(
        verify(src, &bad, &splices),
        Err(KclError::Verify { line: 1, .. })
    ));
    // A splice whose text does not read as its claimed value.
    let mut lying = splices.clone();
    lying[0].new = "ghcr.io/acme/app:3".into();
    assert!(matches!(verify(src, &good, &lying), Err(KclError::Verify { .. })));
    // A splice that swallows more than one literal.
    let wide = vec![Splice {
        range: 0..src.len(),
        text: src.into(),
        line: 1,
        old: String::new(),
        new: String::new(),
    }];
    assert!(verify(src, src, &wide).is_err());
}

#[test]
fn multi_line_and_crlf_files() {
    let src = concat!(
        "doc = \"\"\"\n# not a comment 'x'\n\"\"\"\r\n",
        "app = {\r\n    image = \"ghcr.io/acme/app:1\" # x\r\n}\r\n"
    );
    let out = run(src, &["ghcr.io/acme/app:2"], &[]).unwrap();
    assert_eq!(out, src.replace("app:1", "app:2"));
}
