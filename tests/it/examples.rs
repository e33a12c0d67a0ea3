//! The examples stay true: every tagbump.yaml under examples/ is a valid config, the
//! Kustomize config repo renders and bumps, the KCL one evaluates and bumps, the app repo's
//! workflow passes only inputs action.yml declares, the local demo runs end to end, and the
//! agent's manifests pass a server-side dry run.

use std::path::{Path, PathBuf};
use std::process::Command;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");

fn configs(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs_err::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            configs(&p, out);
        } else if p.file_name().unwrap().to_string_lossy().starts_with("tagbump")
            && p.extension().is_some_and(|x| x == "yaml")
        {
            out.push(p);
        }
    }
}

#[test]
fn every_example_config_is_valid() {
    let mut found = Vec::new();
    configs(Path::new(EXAMPLES), &mut found);
    assert!(found.len() >= 3, "{found:?}");
    for p in found {
        let c =
            tagbump::config::Config::load(&p, &Default::default()).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(!c.images.is_empty(), "{}", p.display());
    }
}

fn set(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tagbump"))
        .arg("set")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn kustomize(dir: &Path) -> String {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl (see kustomize_oracle)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn kustomize_config_repo_renders_and_bumps() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let ok = Command::new("cp")
        .arg("-r")
        .arg(format!("{EXAMPLES}/config-kustomize"))
        .arg(&repo)
        .status()
        .unwrap();
    assert!(ok.success());
    assert!(kustomize(&repo.join("dev")).contains("image: ghcr.io/acme/shop:1.4.0"));
    assert!(kustomize(&repo.join("prod")).contains("image: ghcr.io/acme/shop:1.3.2"));
    set(&repo, &["ghcr.io/acme/shop:1.5.0", "--path", "dev"]);
    assert!(kustomize(&repo.join("dev")).contains("image: ghcr.io/acme/shop:1.5.0"));
    assert!(
        kustomize(&repo.join("prod")).contains("image: ghcr.io/acme/shop:1.3.2"),
        "prod is not in the path"
    );
}

#[test]
fn kcl_config_repo_evaluates_and_bumps() {
    let tmp = tempfile::tempdir().unwrap();
    let main = tmp.path().join("main.k");
    fs_err::copy(format!("{EXAMPLES}/config-kcl/main.k"), &main).unwrap();
    let before = crate::kcl::kcl_eval(&fs_err::read_to_string(&main).unwrap()).unwrap();
    assert_eq!(before["app"]["image"], "ghcr.io/acme/shop:1.4.0");
    set(
        tmp.path(),
        &["ghcr.io/acme/shop:1.5.0", "--path", "main.k", "--kcl-path", "app.image"],
    );
    let after = crate::kcl::kcl_eval(&fs_err::read_to_string(&main).unwrap()).unwrap();
    assert_eq!(after["app"]["image"], "ghcr.io/acme/shop:1.5.0");
    assert_eq!(
        after["deployment"]["spec"]["template"]["spec"]["containers"][0]["image"],
        "ghcr.io/acme/shop:1.5.0"
    );
}

#[test]
fn the_app_workflow_passes_only_declared_inputs() {
    let action: serde_json::Value =
        serde_saphyr::from_str(&fs_err::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml")).unwrap())
            .unwrap();
    let wf: serde_json::Value = serde_saphyr::from_str(
        &fs_err::read_to_string(format!("{EXAMPLES}/app-repo/.github/workflows/release.yml")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for job in wf["jobs"].as_object().unwrap().values() {
        for step in job["steps"].as_array().unwrap() {
            let Some(uses) = step["uses"].as_str() else { continue };
            if uses.contains("/tagbump@") {
                for k in step["with"].as_object().unwrap().keys() {
                    assert!(action["inputs"].get(k).is_some(), "input `{k}` is not in action.yml");
                    checked += 1;
                }
            } else {
                let sha = uses.split('@').nth(1).unwrap_or("");
                assert!(
                    sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                    "{uses}: pin third-party actions by commit SHA"
                );
            }
        }
    }
    assert!(checked >= 4);
}

#[test]
fn the_local_demo_runs() {
    let out = Command::new(format!("{EXAMPLES}/local-demo.sh"))
        .env("TAGBUMP", env!("CARGO_BIN_EXE_tagbump"))
        .env_remove("TAGBUMP_GIT_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("tagbump: committed"), "{stdout}");
    assert!(
        stdout.contains("+    newTag: \"1.5.0\"   # bumped by tagbump"),
        "{stdout}"
    );
    assert!(stdout.contains("main is up to date"), "{stdout}");
    assert!(stderr.contains("1.6.0-rc.1    outside the range"), "{stderr}");
}

/// examples/agent: its agent.yaml (inside the ConfigMap) is a valid agent config, and the
/// API server accepts every manifest (a server-side dry run: schema, RBAC references,
/// Deployment fields), with the requests and the security settings the issue asks for.
#[test]
fn the_agent_manifests_are_accepted_by_the_api_server() {
    use crate::testenv::{KubeServer, User};
    let dir = Path::new(EXAMPLES).join("agent");
    let rendered = kustomize(&dir);
    let docs: Vec<serde_json::Value> = rendered
        .split("\n---\n")
        .map(|d| serde_saphyr::from_str(d).unwrap())
        .collect();
    let config = docs
        .iter()
        .find(|d| d["kind"] == "ConfigMap")
        .and_then(|d| d["data"]["agent.yaml"].as_str())
        .expect("the agent.yaml ConfigMap");
    tagbump::agent::config::AgentConfig::parse("examples/agent/config.yaml", config).unwrap_or_else(|e| panic!("{e}"));
    let deploy = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
    let pod = &deploy["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    assert_eq!(c["resources"]["requests"]["cpu"], "10m");
    assert_eq!(c["resources"]["requests"]["memory"], "32Mi");
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);

    // The namespaces must exist for a dry run of what goes in them.
    let kube = KubeServer::shared();
    for ns in ["tagbump-system", "shop"] {
        let out = kube.kubectl(&["create", "namespace", ns]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() || err.contains("AlreadyExists"), "{err}");
    }
    let out = kube.kubectl_ok(User::Admin, &["apply", "--dry-run=server", "-f", "-"], Some(&rendered));
    let applied: Vec<&str> = out.lines().filter(|l| l.ends_with("(server dry run)")).collect();
    assert_eq!(applied.len(), docs.len(), "{out}");
}
