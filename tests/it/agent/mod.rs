//! `tagbump agent` end to end: a real kube-apiserver 1.20 with its controller-manager on etcd
//! (`testenv::KubeServer`), a real git server with token auth for the config repo
//! (`testenv::GitServer`), and the `tagbump` binary, either `--once` or running as the
//! daemon with its HTTP endpoint.
//!
//! Most tests share one API server and isolate themselves in a namespace of their own (the
//! source's target namespace and the agent's state namespace at once); the restart test
//! has its own server. There is no kubelet or scheduler: Pods never run, so health is tested
//! by writing the workload's `status` subresource, as a kubelet-driven controller would.
//!
//! With `TAGBUMP_TEST_KUBECONFIG` the same tests run on an existing cluster of a current
//! Kubernetes (.github/workflows/agent-e2e.yml: kind); there Pods run, and the health test
//! waits for them instead ([`KubeServer::has_kubelet`]). The restart test needs a server of
//! its own and is skipped there.

mod daemon;
mod once;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::testenv::{GitOptions, GitServer, KubeServer, User};

/// The source every test's agent.yaml defines.
pub const SOURCE: &str = "src";

/// One test's world: its namespace on a Kubernetes API server, its config repo, its
/// agent.yaml.
pub struct Fixture<'k> {
    pub kube: &'k KubeServer,
    pub git: GitServer,
    pub ns: String,
    pub dir: tempfile::TempDir,
}

impl<'k> Fixture<'k> {
    pub fn new(kube: &'k KubeServer) -> Fixture<'k> {
        let git = GitServer::start(GitOptions::default());
        git.create_repo("config");
        let ns = kube.create_namespace("agent");
        let dir = tempfile::tempdir().unwrap();
        fs_err::write(dir.path().join("token"), format!("{}\n", git.token())).unwrap();
        let f = Fixture { kube, git, ns, dir };
        f.config("", "");
        f
    }

    /// Commit `files` to the config repo's `main` (paths under `app/` are the source's).
    pub fn commit(&self, files: &[(&str, &str)], message: &str) -> String {
        self.git.seed("config", "main", files, message)
    }

    /// Write agent.yaml: one source `src` following `app/` of the config repo into the
    /// test's namespace, with `source` appended to the source and `top` to the file.
    pub fn config(&self, source: &str, top: &str) {
        let yaml = format!(
            "listen: 127.0.0.1:0\nstate_namespace: {ns}\nwork_dir: {work}\nlease_duration: 3s\ncredentials:\n  token_file: {token}\nsources:\n  - name: {SOURCE}\n    repository: {repo}\n    path: app\n    namespace: {ns}\n{source}{top}",
            ns = self.ns,
            work = self.dir.path().join("work").display(),
            token = self.dir.path().join("token").display(),
            repo = self.git.repo_url("config"),
        );
        fs_err::write(self.config_path(), yaml).unwrap();
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("agent.yaml")
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tagbump"));
        self.git.isolate(&mut cmd);
        cmd.env_remove("KUBECONFIG")
            .env_remove("TAGBUMP_GIT_TOKEN")
            .env_remove("TAGBUMP_WEBHOOK_SECRET")
            .args(["agent", "--config"])
            .arg(self.config_path())
            .arg("--kubeconfig")
            .arg(self.kube.kubeconfig());
        cmd
    }

    /// `tagbump agent --once`.
    pub fn once(&self) -> Output {
        self.command().arg("--once").output().unwrap()
    }

    /// `tagbump agent --once`, which must succeed; its stdout.
    #[track_caller]
    pub fn once_ok(&self) -> String {
        let out = self.once();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "agent --once failed ({}):\n{text}", out.status);
        text
    }

    /// The agent as a daemon; stopped when dropped.
    pub fn spawn(&self) -> Agent {
        Agent::spawn(self.command())
    }

    /// `kubectl -n NS ARGS` as admin.
    pub fn kubectl(&self, args: &[&str]) -> String {
        let mut all = vec!["-n", self.ns.as_str()];
        all.extend_from_slice(args);
        self.kube.kubectl_ok(User::Admin, &all, None)
    }

    /// `kubectl -n NS ARGS`, which may fail: stdout, or `None`.
    pub fn try_kubectl(&self, args: &[&str]) -> Option<String> {
        let mut all = vec!["-n", self.ns.as_str()];
        all.extend_from_slice(args);
        let out = self.kube.kubectl(&all);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Another field manager (`kubectl patch`, as a person would) sets ConfigMap `name`'s
    /// color: drift, and a conflict for the agent's next apply.
    pub fn recolor_by_hand(&self, name: &str, color: &str) {
        let patch = format!(r#"{{"data":{{"color":"{color}"}}}}"#);
        self.kubectl(&["patch", "configmap", name, "--type=merge", "-p", &patch]);
    }

    /// A field of an object in the namespace (`jsonpath`), `None` when the object is absent.
    pub fn field(&self, kind: &str, name: &str, jsonpath: &str) -> Option<String> {
        self.try_kubectl(&["get", kind, name, "-o", &format!("jsonpath={jsonpath}")])
    }

    pub fn exists(&self, kind: &str, name: &str) -> bool {
        self.field(kind, name, "{.metadata.name}").is_some()
    }

    /// A key of the source's status ConfigMap ("" when absent).
    pub fn status(&self, key: &str) -> String {
        self.field(
            "configmap",
            &format!("tagbump-source-{SOURCE}"),
            &format!("{{.data.{key}}}"),
        )
        .unwrap_or_default()
    }

    /// A condition of the source's status: (status, reason, message).
    pub fn condition(&self, kind: &str) -> Option<(String, String, String)> {
        let all: Vec<Value> = serde_json::from_str(&self.status("conditions")).ok()?;
        let c = all.into_iter().find(|c| c["type"] == kind)?;
        let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
        Some((s("status"), s("reason"), s("message")))
    }

    /// The reasons of the Events recorded on the source's ConfigMap, oldest first.
    pub fn event_reasons(&self) -> Vec<String> {
        let out = self.kubectl(&[
            "get",
            "events",
            "--field-selector",
            &format!("involvedObject.name=tagbump-source-{SOURCE}"),
            "-o",
            "jsonpath={range .items[*]}{.reason}{\"\\n\"}{end}",
        ]);
        out.lines().map(str::to_string).collect()
    }
}

/// An external cluster outlives the tests: the namespace goes (kept when the test failed).
impl Drop for Fixture<'_> {
    fn drop(&mut self) {
        self.kube.drop_namespace(&self.ns);
    }
}

/// A running `tagbump agent`; its output is collected as it comes.
pub struct Agent {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    pub addr: String,
}

impl Agent {
    fn spawn(mut cmd: Command) -> Agent {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let lines = Arc::clone(&lines);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let mut agent = Agent {
            child,
            lines,
            addr: String::new(),
        };
        let line = agent.wait_for_line("listening on ", Duration::from_secs(20));
        agent.addr = line.rsplit("listening on ").next().unwrap().trim().to_string();
        agent
    }

    pub fn output(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// Wait for a line containing `needle`; panics with the output on timeout.
    #[track_caller]
    pub fn wait_for_line(&mut self, needle: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            if let Some(l) = self.lines.lock().unwrap().iter().find(|l| l.contains(needle)) {
                return l.clone();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the agent exited ({status}) before printing {needle:?}:\n{}",
                    self.output()
                );
            }
            assert!(
                start.elapsed() < limit,
                "no line with {needle:?} after {limit:?}; the agent printed:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// How many lines contain `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.lines.lock().unwrap().iter().filter(|l| l.contains(needle)).count()
    }

    /// SIGTERM, then wait for the exit (the agent releases its Lease on the way out).
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(40),
                "the agent did not stop on SIGTERM:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Poll `cond` every 100 ms until it holds; panics with `what` (and `context()`) after
/// `limit`.
#[track_caller]
pub fn eventually(limit: Duration, what: &str, mut cond: impl FnMut() -> bool, context: impl Fn() -> String) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "{what}: not after {limit:?}\n{}", context());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A Deployment named `name` running `image`.
pub fn deployment(name: &str, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: app\n          image: {image}\n"
    )
}

/// A ConfigMap named `name` with `color`.
pub fn configmap(name: &str, color: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  color: {color}\n")
}
