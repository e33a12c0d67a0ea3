//! `tagbump agent --once`: one sync per run, against the shared API server.

use super::{Fixture, SOURCE, configmap, deployment};
use crate::testenv::{KubeServer, User};

#[test]
fn first_sync_applies_labels_and_records_the_commit() {
    let f = Fixture::new(KubeServer::shared());
    let sha = f.commit(
        &[
            ("app/web.yaml", &deployment("web", "ghcr.io/acme/web:1.0.0")),
            ("app/settings.yaml", &configmap("settings", "blue")),
            ("README.md", "not a manifest, and outside the path\n"),
        ],
        "initial",
    );
    let out = f.once_ok();
    assert!(out.contains("ok src: applied 2 object(s)"), "{out}");
    assert_eq!(
        f.field("deployment", "web", "{.spec.template.spec.containers[0].image}")
            .as_deref(),
        Some("ghcr.io/acme/web:1.0.0")
    );
    assert_eq!(
        f.field("configmap", "settings", "{.metadata.labels.tagbump\\.dev/source}")
            .as_deref(),
        Some(SOURCE)
    );
    // Applied by server-side apply, as field manager `tagbump`.
    let managers = f
        .field("configmap", "settings", "{.metadata.managedFields[*].manager}")
        .unwrap();
    assert!(managers.split(' ').any(|m| m == "tagbump"), "{managers}");
    assert_eq!(f.status("lastAppliedCommit"), sha);
    assert_eq!(f.status("lastAttemptedCommit"), sha);
    assert_eq!(f.status("inventorySize"), "2");
    assert_eq!(
        f.status("inventory"),
        format!("/ConfigMap/{ns}/settings\napps/Deployment/{ns}/web\n", ns = f.ns)
    );
    let (status, reason, _) = f.condition("Ready").unwrap();
    assert_eq!((status.as_str(), reason.as_str()), ("True", "Synced"));
    // No kubelet (or, on a cluster with one, an image that does not exist): the Deployment
    // is not available, and the status says so.
    let (status, reason, message) = f.condition("Healthy").unwrap();
    assert_eq!(
        (status.as_str(), reason.as_str()),
        ("False", "Progressing"),
        "{message}"
    );
    assert!(
        message.contains(&format!("apps/Deployment/{}/web progressing", f.ns)),
        "{message}"
    );
    assert_eq!(f.event_reasons(), ["Synced"]);
}

#[test]
fn a_new_commit_is_applied_and_an_unchanged_render_is_not() {
    let f = Fixture::new(KubeServer::shared());
    f.commit(&[("app/web.yaml", &deployment("web", "ghcr.io/acme/web:1.0.0"))], "v1");
    f.once_ok();
    let generation = f.field("deployment", "web", "{.metadata.generation}").unwrap();
    let sha = f.commit(
        &[("app/web.yaml", &deployment("web", "ghcr.io/acme/web:1.1.0"))],
        "bump",
    );
    f.once_ok();
    assert_eq!(
        f.field("deployment", "web", "{.spec.template.spec.containers[0].image}")
            .as_deref(),
        Some("ghcr.io/acme/web:1.1.0")
    );
    assert_ne!(
        f.field("deployment", "web", "{.metadata.generation}").unwrap(),
        generation
    );
    assert_eq!(f.status("lastAppliedCommit"), sha);
    // A commit outside the path: the render is the same, the commit is recorded.
    let sha = f.commit(&[("other/notes.txt", "x\n")], "unrelated");
    let out = f.once_ok();
    assert_eq!(f.status("lastAppliedCommit"), sha, "{out}");
}

#[test]
fn a_crd_and_its_custom_resource_apply_in_one_commit() {
    let f = Fixture::new(KubeServer::shared());
    // CRDs are cluster-scoped: a group of this test's own.
    let group = format!("{}.example.com", f.ns);
    let crd = format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.{group}\nspec:\n  group: {group}\n  names: {{kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}}\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          x-kubernetes-preserve-unknown-fields: true\n"
    );
    let cr = format!("apiVersion: {group}/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n");
    // The custom resource sorts first: the stages, not the file order, make it work.
    f.commit(&[("app/a-widget.yaml", &cr), ("app/b-crd.yaml", &crd)], "crd and cr");
    let out = f.once_ok();
    assert!(out.contains("applied 2 object(s)"), "{out}");
    assert_eq!(
        f.field(&format!("widgets.{group}"), "w1", "{.spec.size}").as_deref(),
        Some("3")
    );
    f.kube
        .kubectl_ok(User::Admin, &["delete", "crd", &format!("widgets.{group}")], None);
}

#[test]
fn a_kind_the_server_does_not_serve_fails_the_sync_by_name() {
    let f = Fixture::new(KubeServer::shared());
    f.commit(
        &[
            ("app/settings.yaml", &configmap("settings", "blue")),
            (
                "app/cron.yaml",
                "apiVersion: example.invalid/v1\nkind: Gadget\nmetadata:\n  name: g\n",
            ),
        ],
        "unknown kind",
    );
    let out = f.once();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("cron.yaml#1: the API server does not serve Gadget in example.invalid/v1"),
        "{text}"
    );
    let (status, reason, _) = f.condition("Ready").unwrap();
    assert_eq!((status.as_str(), reason.as_str()), ("False", "ApplyFailed"));
}

#[test]
fn a_removed_object_is_pruned() {
    let f = Fixture::new(KubeServer::shared());
    f.commit(
        &[
            ("app/a.yaml", &configmap("a", "blue")),
            ("app/b.yaml", &configmap("b", "blue")),
            ("app/c.yaml", &configmap("c", "blue")),
        ],
        "three",
    );
    f.once_ok();
    f.commit(&[("app/c.yaml", "# gone\n")], "drop c");
    let out = f.once_ok();
    assert!(out.contains("pruned 1"), "{out}");
    assert!(!f.exists("configmap", "c"));
    assert!(f.exists("configmap", "a") && f.exists("configmap", "b"));
    assert_eq!(f.status("pruned"), format!("/ConfigMap/{}/c", f.ns));
    assert_eq!(f.status("inventorySize"), "2");
    assert!(f.event_reasons().contains(&"Pruned".to_string()));
}

/// The inventory keeps no versions: an object of a named API group is found for the prune
/// at the group's preferred version (one listing of the groups for all candidates).
#[test]
fn a_removed_object_of_a_named_group_is_pruned() {
    let f = Fixture::new(KubeServer::shared());
    f.commit(
        &[
            ("app/web.yaml", &deployment("web", "ghcr.io/acme/web:1.0.0")),
            ("app/api.yaml", &deployment("api", "ghcr.io/acme/api:1.0.0")),
            ("app/a.yaml", &configmap("a", "blue")),
        ],
        "three",
    );
    f.once_ok();
    f.commit(&[("app/web.yaml", "\n")], "drop web");
    let out = f.once_ok();
    assert!(out.contains("pruned 1"), "{out}");
    assert!(!f.exists("deployment", "web"));
    assert!(f.exists("deployment", "api") && f.exists("configmap", "a"));
    assert_eq!(f.status("pruned"), format!("apps/Deployment/{}/web", f.ns));
}

#[test]
fn prune_safeguard_a_failed_render_changes_nothing() {
    let f = Fixture::new(KubeServer::shared());
    f.config("    render: command\n    command: [sh, -c, 'cat *.yaml']\n", "");
    let sha = f.commit(&[("app/a.yaml", &configmap("a", "blue"))], "one");
    f.once_ok();
    f.config(
        "    render: command\n    command: [sh, -c, 'echo kustomize exploded >&2; exit 3']\n",
        "",
    );
    let broken = f.commit(&[("app/a.yaml", &configmap("a", "red"))], "two");
    let out = f.once();
    assert_eq!(out.status.code(), Some(1));
    assert!(f.exists("configmap", "a"));
    assert_eq!(f.field("configmap", "a", "{.data.color}").as_deref(), Some("blue"));
    let (status, reason, message) = f.condition("Ready").unwrap();
    assert_eq!((status.as_str(), reason.as_str()), ("False", "RenderFailed"));
    assert!(
        message.contains("kustomize exploded"),
        "the renderer's stderr: {message}"
    );
    assert_eq!(f.status("lastAppliedCommit"), sha);
    assert_eq!(f.status("lastAttemptedCommit"), broken);
    assert_eq!(f.status("inventorySize"), "1");
    assert!(f.event_reasons().contains(&"RenderFailed".to_string()));
}

#[test]
fn prune_safeguard_an_empty_render_prunes_nothing() {
    let f = Fixture::new(KubeServer::shared());
    f.commit(
        &[
            ("app/a.yaml", &configmap("a", "blue")),
            ("app/b.yaml", &configmap("b", "blue")),
        ],
        "two",
    );
    f.once_ok();
    f.commit(&[("app/a.yaml", "\n"), ("app/b.yaml", "---\n")], "empty");
    f.once_ok();
    assert!(f.exists("configmap", "a") && f.exists("configmap", "b"));
    let (status, _, message) = f.condition("PruneBlocked").unwrap();
    assert_eq!(status, "True");
    assert!(message.contains("the render is empty"), "{message}");
    // Still owned: a later render may prune them.
    assert_eq!(f.status("inventorySize"), "2");
}

#[test]
fn prune_safeguard_a_render_that_shrank_too_much_prunes_nothing() {
    let f = Fixture::new(KubeServer::shared());
    f.config("    max_shrink: 0.5\n", "");
    let names = ["a", "b", "c", "d"];
    let files: Vec<(String, String)> = names
        .iter()
        .map(|n| (format!("app/{n}.yaml"), configmap(n, "blue")))
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
    f.commit(&refs, "four");
    f.once_ok();
    f.commit(
        &[("app/b.yaml", "\n"), ("app/c.yaml", "\n"), ("app/d.yaml", "\n")],
        "three gone",
    );
    f.once_ok();
    for n in names {
        assert!(f.exists("configmap", n), "{n} was pruned");
    }
    let (status, _, message) = f.condition("PruneBlocked").unwrap();
    assert_eq!(status, "True");
    assert!(message.contains("would remove 3 of 4 objects (75%"), "{message}");
    // Within the ratio, the prune goes ahead.
    f.config("    max_shrink: 0.8\n", "");
    f.once_ok();
    assert!(!f.exists("configmap", "d") && f.exists("configmap", "a"));
}

#[test]
fn prune_safeguard_opted_out_and_foreign_objects_are_kept() {
    let f = Fixture::new(KubeServer::shared());
    let kept = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n  annotations:\n    tagbump.dev/prune: disabled\ndata:\n  x: \"1\"\n";
    f.commit(
        &[
            ("app/keep.yaml", kept),
            ("app/adopted.yaml", &configmap("adopted", "blue")),
            ("app/stay.yaml", &configmap("stay", "blue")),
            ("app/stay2.yaml", &configmap("stay2", "blue")),
        ],
        "four",
    );
    f.once_ok();
    // Someone else takes `adopted` over: it no longer carries the ownership label.
    f.kubectl(&["label", "configmap", "adopted", "tagbump.dev/source-"]);
    f.commit(&[("app/keep.yaml", "\n"), ("app/adopted.yaml", "\n")], "drop two");
    f.once_ok();
    assert!(f.exists("configmap", "keep"), "opted out");
    assert!(f.exists("configmap", "adopted"), "not ours any more");
    let pruned = f.status("pruned");
    assert!(pruned.contains("opted out (tagbump.dev/prune: disabled)"), "{pruned}");
    assert!(
        pruned.contains("no longer carries this source's ownership label"),
        "{pruned}"
    );
    assert_eq!(f.status("inventorySize"), "2", "kept objects leave the inventory");
}

/// What a kubelet would write: the Pods of `app` running and Ready (for the local server,
/// which has no kubelet).
fn make_pods_ready(f: &Fixture, app: &str, want: usize) {
    let selector = format!("app={app}");
    let mut names = Vec::new();
    super::eventually(
        std::time::Duration::from_secs(30),
        "the ReplicaSet controller created the Pods",
        || {
            let out = f.kubectl(&[
                "get",
                "pods",
                "-l",
                &selector,
                "-o",
                "jsonpath={.items[*].metadata.name}",
            ]);
            names = out.split_whitespace().map(str::to_string).collect();
            names.len() == want
        },
        String::new,
    );
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let status = format!(
        r#"{{"status":{{"phase":"Running","conditions":[{{"type":"Ready","status":"True","lastTransitionTime":"{now}"}}]}}}}"#
    );
    for pod in &names {
        f.kubectl(&[
            "patch",
            "pod",
            pod,
            "--subresource=status",
            "--type=merge",
            "-p",
            &status,
        ]);
    }
}

/// A tiny image that really runs, on a cluster with a kubelet (the sandbox image of containerd).
const PAUSE_IMAGE: &str = "registry.k8s.io/pause:3.10.1";

#[test]
fn health_follows_the_workload_status() {
    let f = Fixture::new(KubeServer::shared());
    // `stuck` gives up after 1 s: the deployment controller marks it ProgressDeadlineExceeded
    // (its image does not exist, so no Pod of it gets Ready on a cluster with a kubelet either).
    let stuck = deployment("stuck", "ghcr.io/acme/stuck:1.0.0")
        .replace("  replicas: 2\n", "  replicas: 1\n  progressDeadlineSeconds: 1\n");
    f.commit(&[("app/web.yaml", &deployment("web", PAUSE_IMAGE))], "web");
    f.once_ok();
    assert_eq!(f.condition("Healthy").unwrap().1, "Progressing");
    // The controllers of the real API server turn Ready Pods into an available Deployment;
    // the Pods get Ready by a kubelet where there is one, else the test plays kubelet.
    let limit = if f.kube.has_kubelet() {
        std::time::Duration::from_secs(180)
    } else {
        make_pods_ready(&f, "web", 2);
        std::time::Duration::from_secs(30)
    };
    super::eventually(
        limit,
        "the deployment controller counts the Pods available",
        || f.field("deployment", "web", "{.status.availableReplicas}").as_deref() == Some("2"),
        || {
            f.try_kubectl(&["get", "pods", "-l", "app=web", "-o", "wide"])
                .unwrap_or_default()
        },
    );
    f.once_ok();
    let (s, reason, message) = f.condition("Healthy").unwrap();
    assert_eq!((s.as_str(), reason.as_str()), ("True", "Healthy"), "{message}");
    assert!(f.status("health").starts_with("1 healthy, 0 progressing, 0 degraded"));
    assert!(f.event_reasons().contains(&"Healthy".to_string()));

    f.commit(&[("app/stuck.yaml", &stuck)], "stuck");
    f.once_ok();
    super::eventually(
        std::time::Duration::from_secs(30),
        "the deployment controller gives up on `stuck`",
        || {
            f.field(
                "deployment",
                "stuck",
                "{.status.conditions[?(@.type==\"Progressing\")].reason}",
            )
            .as_deref()
                == Some("ProgressDeadlineExceeded")
        },
        String::new,
    );
    f.once_ok();
    let (s, reason, message) = f.condition("Healthy").unwrap();
    assert_eq!((s.as_str(), reason.as_str()), ("False", "Degraded"), "{message}");
    assert!(
        message.contains(&format!(
            "apps/Deployment/{}/stuck degraded: progress deadline exceeded",
            f.ns
        )),
        "{message}"
    );
    assert!(f.event_reasons().contains(&"Degraded".to_string()));
}

#[test]
fn a_conflict_is_reported_unless_healing_or_forced() {
    let f = Fixture::new(KubeServer::shared());
    f.config("    self_heal: false\n", "");
    f.commit(&[("app/a.yaml", &configmap("a", "blue"))], "one");
    f.once_ok();
    // Another manager takes the field.
    f.recolor_by_hand("a", "red");
    f.commit(&[("app/a.yaml", &configmap("a", "green"))], "two");
    let out = f.once();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("409 Conflict"), "{text}");
    assert!(text.contains("conflict with \"kubectl-patch\""), "{text}");
    assert!(text.contains("hint: another field manager owns these fields"), "{text}");
    assert_eq!(f.field("configmap", "a", "{.data.color}").as_deref(), Some("red"));
    f.config("    self_heal: false\n    force: true\n", "");
    f.once_ok();
    assert_eq!(f.field("configmap", "a", "{.data.color}").as_deref(), Some("green"));
}

#[test]
fn the_example_rbac_is_enough_and_no_more() {
    let kube = KubeServer::shared();
    let f = Fixture::new(kube);
    // The example binds the service account tagbump-agent of tagbump-system; the test
    // binds the same roles to the harness's agent principal, in this test's namespace.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/agent");
    let rbac = fs_err::read_to_string(root.join("rbac.yaml"))
        .unwrap()
        .replace("namespace: tagbump-system", &format!("namespace: {}", f.ns))
        .replace("namespace: shop", &format!("namespace: {}", f.ns))
        .replace("name: tagbump-agent-deployer\n", &format!("name: {}-deployer\n", f.ns))
        .replace(
            &format!(
                "  - kind: ServiceAccount\n    name: tagbump-agent\n    namespace: {}\n",
                f.ns
            ),
            &kube.agent_subject().yaml_item(),
        );
    assert!(
        !rbac.contains("name: tagbump-agent\n"),
        "a subject left unreplaced:\n{rbac}"
    );
    kube.kubectl_ok(User::Admin, &["apply", "-f", "-"], Some(&rbac));
    // RBAC takes effect once each API server's informer has seen the bindings.
    super::eventually(
        std::time::Duration::from_secs(30),
        "the agent principal may patch Deployments",
        || {
            let can = ["auth", "can-i", "patch", "deployments.apps", "-n", &f.ns];
            let out = kube.kubectl_command(User::Agent).args(can).output().unwrap();
            String::from_utf8_lossy(&out.stdout).trim() == "yes"
        },
        String::new,
    );
    f.commit(
        &[
            ("app/web.yaml", &deployment("web", "ghcr.io/acme/web:1.0.0")),
            ("app/a.yaml", &configmap("a", "blue")),
        ],
        "app",
    );
    let as_agent = |f: &Fixture| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tagbump"));
        f.git.isolate(&mut cmd);
        cmd.args(["agent", "--once", "--config"])
            .arg(f.config_path())
            .arg("--kubeconfig")
            .arg(f.kube.kubeconfig_of(User::Agent))
            .output()
            .unwrap()
    };
    let out = as_agent(&f);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(f.exists("deployment", "web"));
    f.commit(&[("app/a.yaml", "\n")], "drop a");
    assert!(as_agent(&f).status.success());
    assert!(!f.exists("configmap", "a"), "pruned with the example's delete verb");
    // A kind the example does not grant: the API server's 403, by object.
    f.commit(
        &[(
            "app/role.yaml",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\nrules: []\n",
        )],
        "a role",
    );
    let out = as_agent(&f);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("Role") && text.contains("403 Forbidden"), "{text}");
    kube.kubectl_ok(
        User::Admin,
        &["delete", "clusterrole", &format!("{}-deployer", f.ns)],
        None,
    );
}

/// Regression (bench/agent): server-side apply before Kubernetes 1.22 refuses a port without
/// `protocol` ("associative list with keys has an element that omits key field"); the agent
/// fills in the default, so plain manifests apply, and a second sync finds no drift.
#[test]
fn ports_without_a_protocol_apply() {
    let kube = KubeServer::shared();
    let f = Fixture::new(kube);
    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n    - port: 80\n      targetPort: 8080\n";
    let web = deployment("web", "ghcr.io/acme/web:1.0.0").replace(
        "          image: ghcr.io/acme/web:1.0.0\n",
        "          image: ghcr.io/acme/web:1.0.0\n          ports:\n            - containerPort: 8080\n",
    );
    f.commit(&[("app/svc.yaml", service), ("app/web.yaml", &web)], "service");
    let out = f.once_ok();
    assert!(out.contains("applied 2 object(s)"), "{out}");
    assert_eq!(
        f.field("service", "web", "{.spec.ports[0].protocol}").as_deref(),
        Some("TCP")
    );
    assert_eq!(
        f.field(
            "deployment",
            "web",
            "{.spec.template.spec.containers[0].ports[0].protocol}"
        )
        .as_deref(),
        Some("TCP")
    );
}
