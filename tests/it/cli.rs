//! The `tagbump set` command end to end: output formats, exit codes, and that bad input is
//! refused with a clear error and no file changed.

use crate::support::Test;

const DEPLOY: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop   # the shop
spec:
  template:
    spec:
      initContainers:
      - name: migrate
        image: \"ghcr.io/acme/shop:1.4.0\"
      containers:
        - name: shop
          image: ghcr.io/acme/shop:1.4.0 # app
        - name: cache
          image: redis:7.2
";

#[test]
fn writes_only_the_image_values() {
    let t = Test::new()
        .file("deploy.yaml", DEPLOY)
        .args(["set", "ghcr.io/acme/shop:1.5.0"]);
    let r = t.run();
    r.code(0);
    assert_eq!(t.read("deploy.yaml"), DEPLOY.replace("shop:1.4.0", "shop:1.5.0"));
    assert!(
        r.stdout()
            .contains("deploy.yaml:10: ghcr.io/acme/shop:1.4.0 -> ghcr.io/acme/shop:1.5.0"),
        "{}",
        r.stdout()
    );
    // Idempotent: a second run changes nothing.
    let r = t.run();
    r.code(0);
    assert!(r.stderr().contains("changed 0 fields"), "{}", r.stderr());
}

#[test]
fn dry_run_prints_a_diff_and_writes_nothing() {
    let t = Test::new()
        .file("deploy.yaml", DEPLOY)
        .args(["set", "ghcr.io/acme/shop:1.5.0", "--dry-run"]);
    let r = t.run();
    r.code(0);
    insta::assert_snapshot!(r.stdout());
    assert_eq!(t.read("deploy.yaml"), DEPLOY);
}

#[test]
fn check_exits_1_when_something_would_change() {
    let t = Test::new()
        .file("deploy.yaml", DEPLOY)
        .args(["set", "ghcr.io/acme/shop:1.5.0", "--check"]);
    t.run().code(1);
    assert_eq!(t.read("deploy.yaml"), DEPLOY);
    let t = Test::new()
        .file("deploy.yaml", DEPLOY)
        .args(["set", "ghcr.io/acme/shop:1.4.0", "--check"]);
    t.run().code(0);
}

#[test]
fn json_lists_file_line_old_new() {
    let t = Test::new().file("deploy.yaml", DEPLOY).args([
        "set",
        "ghcr.io/acme/shop:1.5.0",
        "--format",
        "json",
        "--dry-run",
    ]);
    let r = t.run();
    r.code(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    let edits = v.as_array().unwrap();
    assert_eq!(edits.len(), 2);
    assert_eq!(edits[1]["file"], "deploy.yaml");
    assert_eq!(edits[1]["line"], 13);
    assert_eq!(edits[1]["old"], "ghcr.io/acme/shop:1.4.0");
    assert_eq!(edits[1]["new"], "ghcr.io/acme/shop:1.5.0");
}

#[test]
fn crlf_bom_and_flow_style_are_kept() {
    let text = "\u{feff}kind: Pod\r\nspec:\r\n  containers: [{name: a, image: 'nginx:1'}, {name: b, image: redis}]\r\n";
    let t = Test::new()
        .file("pod.yaml", text)
        .args(["set", "docker.io/library/nginx:1.27"]);
    t.run().code(0);
    assert_eq!(t.read("pod.yaml"), text.replace("'nginx:1'", "'nginx:1.27'"));
}

#[test]
fn kustomization_entry_updated_in_place_and_digest_dropped() {
    let k = "resources:\n- ../base\n\nimages:\n  # the app\n  - name: shop\n    newName: ghcr.io/acme/shop\n    digest: sha256:0000000000000000000000000000000000000000000000000000000000000000\n  - name: redis\n    newTag: \"7\"\n";
    let t = Test::new()
        .file("kustomization.yaml", k)
        .args(["set", "ghcr.io/acme/shop:1234"]);
    let r = t.run();
    r.code(0);
    assert_eq!(
        r.stdout(),
        "kustomization.yaml:8: removed sha256:0000000000000000000000000000000000000000000000000000000000000000\nkustomization.yaml:9: added 1234\n"
    );
    assert_eq!(
        t.read("kustomization.yaml"),
        "resources:\n- ../base\n\nimages:\n  # the app\n  - name: shop\n    newName: ghcr.io/acme/shop\n    newTag: \"1234\"\n  - name: redis\n    newTag: \"7\"\n"
    );
}

#[test]
fn add_entry_appends_in_the_lists_style() {
    let k = "images:\n  - name: redis\n    newTag: \"7\"\n";
    let t = Test::new()
        .file("kustomization.yaml", k)
        .args(["set", "ghcr.io/acme/shop:1.5.0", "--add-entry"]);
    t.run().code(0);
    assert_eq!(
        t.read("kustomization.yaml"),
        format!("{k}  - name: ghcr.io/acme/shop\n    newTag: 1.5.0\n")
    );
}

/// Each hostile input: a clear error naming the file (and line where there is one), the
/// documented exit code, and no file changed, not even the good one beside it.
#[test]
fn hostile_input_is_refused_and_nothing_is_written() {
    let cases: [(&str, &[u8], &str); 4] = [
        ("bad.yaml", b"image: nginx:1\nspec: [1, 2\n", "bad.yaml: line"),
        ("tabs.yaml", b"spec:\n\timage: nginx:1\n", "tabs.yaml: line"),
        (
            "dup.yaml",
            b"image: nginx:1\nimage: nginx:2\n",
            "dup.yaml: line 2: duplicate key `image` (first at line 1)",
        ),
        ("latin1.yaml", b"image: nginx:1 # caf\xe9\n", "latin1.yaml: not UTF-8"),
    ];
    for (name, contents, msg) in cases {
        let t = Test::new()
            .file("good.yaml", "image: nginx:1\n")
            .file(name, contents)
            .args(["set", "nginx:2"]);
        let r = t.run();
        r.code(3);
        assert!(r.stderr().contains(msg), "{name}: {}", r.stderr());
        assert!(r.stderr().contains("nothing was written"), "{}", r.stderr());
        assert_eq!(t.read("good.yaml"), "image: nginx:1\n");
        assert_eq!(fs_err::read(t.root().join(name)).unwrap(), contents);
    }
}

#[test]
fn a_50_mb_file_is_refused() {
    let mut big = String::from("image: nginx:1\nfiller:\n");
    while big.len() < 50 * 1024 * 1024 {
        big.push_str("- 0123456789012345678901234567890123456789012345678901234567890123456789\n");
    }
    let t = Test::new().file("big.yaml", &big).args(["set", "nginx:2"]);
    let r = t.run();
    r.code(3);
    assert!(
        r.stderr().contains("big.yaml: ") && r.stderr().contains("more than the limit"),
        "{}",
        r.stderr()
    );
    assert_eq!(t.read("big.yaml").len(), big.len());
}

#[cfg(unix)]
#[test]
fn symlinks_and_dotdot_cannot_leave_the_tree() {
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.yaml");
    fs_err::write(&victim, "image: nginx:1\n").unwrap();
    let t = Test::new().file("repo/a.yaml", "image: nginx:1\n");
    std::os::unix::fs::symlink(&victim, t.root().join("repo/link.yaml")).unwrap();
    std::os::unix::fs::symlink(outside.path(), t.root().join("repo/linkdir")).unwrap();
    // Walking the tree edits the real file and never the link's target.
    let t = t.args(["set", "nginx:2", "--root", "repo"]);
    t.run().code(0);
    assert_eq!(t.read("repo/a.yaml"), "image: nginx:2\n");
    assert_eq!(fs_err::read_to_string(&victim).unwrap(), "image: nginx:1\n");
    // Naming the link, or a path with `..` out of the root, is refused with exit code 2.
    for p in ["link.yaml", "linkdir", "../"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tagbump"))
            .args(["set", "nginx:2", "--path", p])
            .current_dir(t.root().join("repo"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{p}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("outside the tree"), "{p}");
    }
    assert_eq!(fs_err::read_to_string(&victim).unwrap(), "image: nginx:1\n");
}

#[test]
fn invalid_image_reference_is_a_usage_error() {
    let r = Test::new().args(["set", "Nginx:1"]).run();
    r.code(2);
    assert!(r.stderr().contains("Nginx:1"), "{}", r.stderr());
    let r = Test::new().args(["set", "nginx"]).run();
    r.code(2);
    assert!(r.stderr().contains("neither a tag nor a digest"), "{}", r.stderr());
}

#[test]
fn gitignored_and_hidden_directories_are_not_edited() {
    let t = Test::new()
        .file(".gitignore", "rendered/\n")
        .file("rendered/out.yaml", "image: nginx:1\n")
        .file(".git/x.yaml", "image: nginx:1\n")
        .file("apps/.argocd-source-shop.yaml", "kustomize:\n  images:\n  - nginx:1\n")
        .file("apps/deploy.yaml", "image: nginx:1\n")
        .args(["set", "nginx:2"]);
    t.run().code(0);
    assert_eq!(t.read("rendered/out.yaml"), "image: nginx:1\n");
    assert_eq!(t.read(".git/x.yaml"), "image: nginx:1\n");
    assert_eq!(t.read("apps/deploy.yaml"), "image: nginx:2\n");
    assert_eq!(
        t.read("apps/.argocd-source-shop.yaml"),
        "kustomize:\n  images:\n  - nginx:2\n"
    );
}

#[test]
fn flux_and_tagbump_markers_on_any_scalar() {
    let k = "images:\n- name: shop\n  newName: ghcr.io/acme/shop # {\"$imagepolicy\": \"flux-system:shop:name\"}\n  newTag: 1.4.0 # {\"$imagepolicy\": \"flux-system:shop:tag\"}\npatches:\n- target:\n    image: old # {\"tagbump\": \"ghcr.io/acme/shop\"}\n";
    let t = Test::new().file("overlay/kustomize.yml", k).args([
        "set",
        "ghcr.io/acme/shop:1.5.0",
        "--flux-policy",
        "flux-system:shop",
    ]);
    t.run().code(0);
    assert_eq!(
        t.read("overlay/kustomize.yml"),
        k.replace("newTag: 1.4.0", "newTag: 1.5.0")
            .replace("image: old", "image: ghcr.io/acme/shop:1.5.0")
    );
}

#[test]
fn values_key_applies_to_named_files_only() {
    let v = "# chart values\nimage:\n  repository: ghcr.io/acme/shop\n  tag: \"1.4.0\"\nsidecar:\n  image: {}\n";
    let t = Test::new()
        .file("values.yaml", v)
        .file("other/values.yaml", "foo: 1\n")
        .args([
            "set",
            "ghcr.io/acme/shop:1.5.0",
            "--values-key",
            "sidecar.image.tag",
            "--path",
            "values.yaml",
            "--path",
            "other",
        ]);
    t.run().code(0);
    let got = t.read("values.yaml");
    assert!(
        got.starts_with("# chart values\nimage:\n  repository: ghcr.io/acme/shop\n  tag: \"1.5.0\"\n"),
        "{got}"
    );
    assert!(got.contains("tag: 1.5.0"), "{got}");
    assert_eq!(t.read("other/values.yaml"), "foo: 1\n");
}

#[test]
fn add_entry_creates_the_images_list() {
    let k = "resources:\n- deploy.yaml\n";
    let t = Test::new()
        .file("kustomization.yaml", k)
        .args(["set", "ghcr.io/acme/shop:1.5.0", "--add-entry"]);
    t.run().code(0);
    assert_eq!(
        t.read("kustomization.yaml"),
        format!("{k}images:\n- name: ghcr.io/acme/shop\n  newTag: 1.5.0\n")
    );
}

#[test]
fn two_values_keys_under_one_missing_parent() {
    let t = Test::new().file("values.yaml", "replicas: 2\n").args([
        "set",
        "ghcr.io/acme/shop:1.5.0",
        "--values-key",
        "image.repository=name",
        "--values-key",
        "image.tag",
        "--path",
        "values.yaml",
    ]);
    t.run().code(0);
    assert_eq!(
        t.read("values.yaml"),
        "replicas: 2\nimage:\n  repository: ghcr.io/acme/shop\n  tag: 1.5.0\n"
    );
}

/// Regression (review): with several images, an explicit key path could not say which.
#[test]
fn values_key_names_its_image_when_several_are_given() {
    let t = Test::new().file("values.yaml", "app: {}\ncache: {}\n").args([
        "set",
        "ghcr.io/acme/shop:1.5.0",
        "redis:7.4",
        "--values-key",
        "app.tag@ghcr.io/acme/shop",
        "--values-key",
        "cache.tag=tag@redis",
        "--path",
        "values.yaml",
    ]);
    t.run().code(0);
    assert_eq!(t.read("values.yaml"), "app: {tag: 1.5.0}\ncache: {tag: \"7.4\"}\n");
    let r = Test::new()
        .args(["set", "a/b:1", "c/d:2", "--values-key", "x.tag"])
        .run();
    r.code(2);
    assert!(r.stderr().contains("`@IMAGE-NAME`"), "{}", r.stderr());
}

/// Regression (review): a marker asking for part of an image field, on that field, was an
/// "internal error" with byte offsets; it is a conflict that names the line and both values.
#[test]
fn conflicting_edits_name_the_line_and_both_values() {
    let text = "containers:\n- image: nginx:1 # {\"tagbump\": \"nginx:tag\"}\n";
    let t = Test::new().file("pod.yaml", text).args(["set", "nginx:2"]);
    let r = t.run();
    r.code(3);
    assert!(
        r.stderr().contains("pod.yaml: line 2: two edits disagree here"),
        "{}",
        r.stderr()
    );
    assert!(
        r.stderr().contains("`nginx:2`") && r.stderr().contains("`\"2\"`"),
        "{}",
        r.stderr()
    );
    assert_eq!(t.read("pod.yaml"), text);
}

/// Regression (review): a marker on an empty value was silently ignored.
#[test]
fn marker_on_an_empty_value() {
    let t = Test::new()
        .file("v.yaml", "tag: # {\"tagbump\": \"ghcr.io/a/app:tag\"}\n")
        .args(["set", "ghcr.io/a/app:1.2.3"]);
    t.run().code(0);
    assert_eq!(t.read("v.yaml"), "tag: 1.2.3 # {\"tagbump\": \"ghcr.io/a/app:tag\"}\n");
}

/// `--add-entry` adds to a kustomization named, or at the top of a named directory, never to
/// every kustomization deeper in the tree.
#[test]
fn add_entry_only_at_the_top_of_a_named_directory() {
    let k = "images:\n- name: redis\n  newTag: \"7\"\n";
    let t = Test::new()
        .file("overlays/kustomization.yaml", k)
        .file("overlays/dev/kustomization.yaml", k)
        .args(["set", "ghcr.io/acme/shop:1.5.0", "--add-entry", "--path", "overlays"]);
    t.run().code(0);
    assert_eq!(
        t.read("overlays/kustomization.yaml"),
        format!("{k}- name: ghcr.io/acme/shop\n  newTag: 1.5.0\n")
    );
    assert_eq!(t.read("overlays/dev/kustomization.yaml"), k);
}
