//! Smoke tests of the Kubernetes API server harness, so that the agent's tests can rely on
//! what they assume: kubectl and kube's rustls client work with the kubeconfigs (the
//! server's own CA, no insecure-skip-tls-verify), server-side apply records its field
//! manager, the `agent` user is refused (403) until a test grants it rights, a restarted
//! API server refuses connections while down and serves the same data after (with the
//! controller manager still working), the shared server is started once, and dropping a
//! server stops every process and removes its directory.

use std::thread;
use std::time::{Duration, Instant};

use ::kube::api::{Api, ListParams};
use ::kube::config::{KubeConfigOptions, Kubeconfig};
use k8s_openapi::api::core::v1::ConfigMap;

use super::process::{alive, python, script};
use super::smoke::gone;
use super::*;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A kube client (rustls) from `kubeconfig`, as the agent makes one.
async fn client(kubeconfig: &std::path::Path) -> ::kube::Client {
    let kc = Kubeconfig::read_from(kubeconfig).unwrap();
    let config = ::kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .unwrap();
    assert!(
        !config.accept_invalid_certs,
        "the kubeconfig trusts the server's CA, nothing more"
    );
    ::kube::Client::try_from(config).unwrap()
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn kube_shared_server_serves_kubectl_as_admin() {
    let kube = KubeServer::shared();
    assert!(
        kube.server_url().starts_with("https://127.0.0.1:"),
        "{}",
        kube.server_url()
    );
    assert_eq!(kube.server_url(), format!("https://{}", kube.addr()));
    let config = fs_err::read_to_string(kube.kubeconfig()).unwrap();
    assert!(config.contains("certificate-authority-data: "), "{config}");
    assert!(!config.contains("insecure"), "{config}");
    let out = kube.kubectl(&["get", "namespace", "default", "-o", "name"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "namespace/default\n");
    let whoami = kube.kubectl_ok(User::Admin, &["auth", "can-i", "*", "*"], None);
    assert_eq!(whoami, "yes\n");
}

/// The tokens and the CA file work without a kubeconfig too (curl: OpenSSL, verifying).
#[test]
fn kube_tokens_and_ca_file_work_with_curl() {
    let kube = KubeServer::shared();
    let url = format!("{}/api/v1/namespaces/default/configmaps", kube.server_url());
    let status = |token: &str| {
        let header = format!("Authorization: Bearer {token}");
        let ca = kube.ca_file().to_str().unwrap();
        let args = [
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--cacert",
            ca,
            "-H",
            &header,
            &url,
        ];
        let out = std::process::Command::new("curl")
            .args(args)
            .output()
            .expect("cannot run curl");
        assert!(out.status.success(), "curl: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(status(kube.token()), "200");
    assert_eq!(status(kube.agent_token()), "403");
    assert_eq!(status("not-a-token"), "401");
}

#[test]
fn kube_shared_server_is_started_once() {
    let first = KubeServer::shared();
    let second = KubeServer::shared();
    assert!(std::ptr::eq(first, second));
    assert_eq!(first.server_url(), second.server_url());
    assert!(alive(first.pids().apiserver));
    eprintln!(
        "shared server: started in {:?}, at {}",
        first.startup(),
        first.server_url()
    );
}

#[test]
#[should_panic(expected = "restarting the shared API server would disturb the other tests")]
fn kube_shared_server_cannot_be_restarted() {
    KubeServer::shared().restart_apiserver(Duration::ZERO);
}

#[test]
fn kube_rs_client_trusts_the_kubeconfig_and_gets_403_as_agent() {
    let kube = KubeServer::shared();
    let ns = kube.create_namespace("kube-rs");
    block_on(async {
        let admin = client(kube.kubeconfig()).await;
        let version = admin.apiserver_version().await.unwrap();
        if !kube.is_external() {
            assert_eq!(version.git_version, "v1.20.2");
        }
        let agent = client(kube.agent_kubeconfig()).await;
        let err = Api::<ConfigMap>::namespaced(agent, &ns)
            .list(&ListParams::default())
            .await
            .unwrap_err();
        match err {
            ::kube::Error::Api(status) => {
                assert_eq!(status.code, 403, "{status:?}");
                assert_eq!(status.reason, "Forbidden");
                let user = format!("User \"{}\"", kube.agent_subject().username());
                assert!(status.message.contains(&user), "{}", status.message);
            }
            other => panic!("expected 403, got {other:?}"),
        }
    });
}

#[test]
fn kube_server_side_apply_creates_a_configmap() {
    let kube = KubeServer::shared();
    let ns = kube.create_namespace("ssa");
    let manifest = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: {ns}\n\
         data:\n  image: ghcr.io/acme/shop:1.4.0\n"
    );
    let args = ["apply", "--server-side", "--field-manager", "t", "-f", "-"];
    let out = kube.kubectl_ok(User::Admin, &args, Some(&manifest));
    assert_eq!(out, "configmap/app serverside-applied\n");
    let json = kube.kubectl_ok(
        User::Admin,
        &[
            "get",
            "configmap",
            "app",
            "-n",
            &ns,
            "-o",
            "json",
            "--show-managed-fields",
        ],
        None,
    );
    let cm: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(cm["data"]["image"], "ghcr.io/acme/shop:1.4.0");
    let managers = cm["metadata"]["managedFields"].as_array().unwrap();
    assert_eq!(managers.len(), 1, "{managers:?}");
    assert_eq!(managers[0]["manager"], "t");
    assert_eq!(managers[0]["operation"], "Apply");
    // Another manager setting the same field with another value conflicts.
    let changed = manifest.replace("1.4.0", "1.5.0");
    let args = ["apply", "--server-side", "--field-manager", "other", "-f", "-"];
    let out = kube.kubectl_with_input(User::Admin, &args, &changed);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("conflict"), "{}", stderr(&out));
}

#[test]
fn kube_agent_user_is_forbidden_until_granted() {
    let kube = KubeServer::shared();
    let ns = kube.create_namespace("rbac");
    let list = ["get", "configmaps", "-n", &ns, "-o", "name"];
    let out = kube.kubectl_command(User::Agent).args(list).output().unwrap();
    assert!(!out.status.success());
    let user = kube.agent_subject().username();
    let expected = format!(
        "Error from server (Forbidden): configmaps is forbidden: User \"{user}\" cannot list resource \
         \"configmaps\" in API group \"\" in the namespace \"{ns}\""
    );
    assert_eq!(stderr(&out).trim(), expected);
    let grant = format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: read-configmaps, namespace: {ns}}}\n\
         rules: [{{apiGroups: [\"\"], resources: [configmaps], verbs: [get, list]}}]\n---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: agent, namespace: {ns}}}\n\
         roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-configmaps}}\n\
         subjects: [{subject}]\n",
        subject = kube.agent_subject().flow()
    );
    kube.kubectl_ok(User::Admin, &["apply", "-f", "-"], Some(&grant));
    // RBAC takes effect once the apiserver's informer has seen the binding.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = kube.kubectl_command(User::Agent).args(list).output().unwrap();
        if out.status.success() {
            assert!(String::from_utf8_lossy(&out.stdout).contains("configmap/"));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still refused after the grant: {}",
            stderr(&out)
        );
        thread::sleep(Duration::from_millis(100));
    }
    let out = kube
        .kubectl_command(User::Agent)
        .args(["get", "secrets", "-n", &ns])
        .output()
        .unwrap();
    assert!(stderr(&out).contains("Forbidden"), "{}", stderr(&out));
}

/// One server of its own: restarted twice (SIGKILL, then SIGTERM), it refuses connections
/// while down and then serves what it held; the controller manager still deletes
/// namespaces afterwards; dropped, it leaves no process and no directory.
#[test]
fn kube_restarted_apiserver_refuses_then_serves_the_same_data() {
    let t0 = Instant::now();
    let kube = KubeServer::start();
    eprintln!(
        "own server: started in {:?} ({:?} in kube.py)",
        t0.elapsed(),
        kube.startup()
    );
    let before = kube.pids();
    let ns = kube.create_namespace("restart");
    kube.kubectl_ok(
        User::Admin,
        &["create", "configmap", "kept", "-n", &ns, "--from-literal=a=b"],
        None,
    );
    let get_ns = ["get", "namespace", &ns, "-o", "name", "--request-timeout=5s"];

    for stop in [Stop::Kill, Stop::Term] {
        let restart = thread::scope(|s| {
            let restarting = s.spawn(|| kube.restart_apiserver_with(stop, Duration::from_secs(2)));
            // While it is down, requests fail: refused, or cut when the server went away.
            let deadline = Instant::now() + Duration::from_secs(30);
            let refused = loop {
                let out = kube.kubectl(&get_ns);
                if !out.status.success() {
                    break stderr(&out);
                }
                assert!(Instant::now() < deadline, "kube-apiserver still answers after 30 s");
                thread::sleep(Duration::from_millis(50));
            };
            assert!(
                refused.contains("connection refused")
                    || refused.contains("was refused")
                    || refused.contains("connection reset"),
                "{refused}"
            );
            restarting.join().unwrap()
        });
        eprintln!("restart ({stop:?}): {restart:?}");
        assert_ne!(restart.apiserver_pid, before.apiserver);
        assert!(restart.stopped < Duration::from_secs(6), "{restart:?}");
        assert!(restart.ready > Duration::ZERO, "{restart:?}");
        if stop == Stop::Kill {
            assert!(restart.killed);
        }
        assert_eq!(kube.pids().apiserver, restart.apiserver_pid);
        let out = kube.kubectl(&get_ns);
        assert!(out.status.success(), "after the restart: {}", stderr(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("namespace/{ns}\n"));
    }
    let pids = kube.pids();
    assert!(gone(before.apiserver));
    for pid in [pids.supervisor, pids.etcd, pids.controller_manager, pids.apiserver] {
        assert!(alive(pid), "pid {pid} is gone after the restarts");
    }
    assert_eq!(
        (pids.etcd, pids.controller_manager),
        (before.etcd, before.controller_manager)
    );
    let data = kube.kubectl_ok(
        User::Admin,
        &["get", "configmap", "kept", "-n", &ns, "-o", "jsonpath={.data.a}"],
        None,
    );
    assert_eq!(data, "b");
    // The controller manager reconnected: it finalizes a deleted namespace.
    kube.kubectl_ok(User::Admin, &["delete", "namespace", &ns, "--timeout=60s"], None);

    let workdir = kube.workdir().to_path_buf();
    drop(kube);
    for pid in [pids.supervisor, pids.etcd, pids.controller_manager, pids.apiserver] {
        assert!(gone(pid), "pid {pid} still running");
    }
    assert!(!workdir.exists());
}

/// The shared server is never dropped: when the test process exits, kube.py's stdin closes
/// without "stop", and it must stop everything and remove its directory by itself.
#[test]
fn kube_server_whose_stdin_closes_without_stop_cleans_up() {
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};

    let dir = tempfile::Builder::new()
        .prefix("tagbump-kube-orphan-")
        .tempdir()
        .unwrap()
        .keep();
    let bin = kube_bin_dir();
    let mut child = Command::new(python())
        .arg(script("kube.py"))
        .args(["--workdir".as_ref(), dir.as_os_str(), "--bin".as_ref(), bin.as_os_str()])
        .arg("--remove-if-orphaned")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    let pids: Vec<u32> = ["supervisor", "etcd", "apiserver", "controller_manager"]
        .iter()
        .map(|name| ready["pids"][name].as_u64().unwrap() as u32)
        .collect();
    assert!(pids.iter().all(|&pid| alive(pid)));
    drop(child.stdin.take()); // as when the test process exits
    child.wait().unwrap();
    for pid in pids {
        assert!(gone(pid), "pid {pid} outlived the closed stdin");
    }
    assert!(!dir.exists(), "the orphaned server removes its workdir");
}
