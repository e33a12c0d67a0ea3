//! A real Kubernetes API server for the agent's tests (scripts/testenv/kube.py supervising
//! etcd, kube-apiserver and kube-controller-manager v1.20.2 on 127.0.0.1).
//!
//! Why real: server-side apply, managed fields, conflicts, RBAC refusals and a server that
//! goes away mid-sync behave in ways a mock only imitates. The price is start-up time
//! (~10 s, ~450 MB RSS), so there are two ways to get one:
//!
//! - [`KubeServer::shared`]: one server per test process, started by the first test that
//!   asks. For tests that only need their own namespaces ([`KubeServer::create_namespace`]).
//!   Never dropped: its processes stop and its directory goes when the test process exits
//!   (the script's stdin closes; see lifeline.py).
//! - [`KubeServer::start`]: a server of the test's own, for a test that disturbs it
//!   ([`KubeServer::restart_apiserver`]) or needs a fresh cluster. Dropping it stops its
//!   processes and removes its directory (kept when the test fails).
//!
//! What it is: v1.20 (server-side apply beta, on; no batch/v1 CronJob, policy/v1 or
//! autoscaling/v2), token auth with two users ([`KubeServer::token`]: `admin`, in
//! `system:masters`; [`KubeServer::agent_token`]: `agent`, allowed nothing until a test
//! grants it rights), RBAC, a controller manager (namespaces are deleted, Deployments get
//! ReplicaSets, service accounts get token secrets), no scheduler or kubelet (Pods stay
//! Pending: a health check is tested by writing a workload's `status`). The kubeconfigs trust
//! the server's self-signed certificate (IP:127.0.0.1) through `certificate-authority-data`,
//! which rustls (kube's client) accepts.
//!
//! ```ignore
//! let kube = KubeServer::shared();
//! let ns = kube.create_namespace("sync");
//! let out = kube.kubectl(&["get", "configmaps", "-n", &ns]);
//! // ... run the agent with KUBECONFIG=kube.agent_kubeconfig(), after granting it its RBAC ...
//!
//! let own = KubeServer::start();
//! own.restart_apiserver(Duration::from_secs(2)); // down ~2 s, then ready again
//! ```
//!
//! Needs kube-apiserver and kube-controller-manager in `$TAGBUMP_TESTENV/kube/bin` (built once
//! by scripts/testenv/install.sh, ~8 min), etcd (Debian etcd-server), openssl, python3, and
//! for [`KubeServer::kubectl`] kubectl; a missing one fails the test with that hint.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde::Deserialize;

use super::process::{self, Server};

const KUBE_HINT: &str = "hint: run scripts/testenv/install.sh; it builds kube-apiserver and \
    kube-controller-manager v1.20.2 once (~8 min on 2 cores, ~2.5 GB of disk while building) into \
    $TAGBUMP_TESTENV/kube/bin (default /tmp/tagbump-testenv) and installs etcd-server";

/// How long kube.py may wait for each of etcd, kube-apiserver and kube-controller-manager.
/// Generous: on a 2-core machine busy compiling, kube-apiserver alone can take 30 s.
const COMPONENT_TIMEOUT_S: u64 = 100;

/// Where kube-build.sh puts the binaries: `$TAGBUMP_TESTENV/kube/bin`.
pub fn kube_bin_dir() -> PathBuf {
    let prefix = std::env::var_os("TAGBUMP_TESTENV")
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "/tmp/tagbump-testenv".into());
    PathBuf::from(prefix).join("kube/bin")
}

/// Panic with [`KUBE_HINT`] unless the binaries kube.py runs are there.
fn require_binaries(bin: &Path) {
    for name in ["kube-apiserver", "kube-controller-manager"] {
        assert!(
            bin.join(name).is_file(),
            "{} not found: the agent's cluster tests run a real Kubernetes API server\n{KUBE_HINT}",
            bin.join(name).display()
        );
    }
    for tool in ["etcd", "openssl"] {
        assert!(
            on_path(tool),
            "`{tool}` not found on PATH: the Kubernetes API server needs it\n{KUBE_HINT}"
        );
    }
}

fn on_path(tool: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| dir.join(tool).is_file())
}

/// Who a kubectl call authenticates as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum User {
    /// `admin`, in group `system:masters`: may do anything.
    Admin,
    /// `agent`, in no group but `system:authenticated`: discovery only, until a test grants
    /// it rights (the agent's example RBAC, bound to user `agent`).
    Agent,
}

/// How [`KubeServer::restart_apiserver_with`] stops kube-apiserver.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stop {
    /// SIGKILL, a crash: every connection resets at once.
    #[default]
    Kill,
    /// SIGTERM, a graceful shutdown as in a rollout: new connections are refused at once,
    /// requests in flight finish; as it would wait 60 s for open watches (the controller
    /// manager's, at least), it gets SIGKILL after 5 s.
    Term,
}

/// The processes of a server.
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct KubePids {
    /// kube.py.
    pub supervisor: u32,
    pub etcd: u32,
    /// The current kube-apiserver (a restart changes it).
    pub apiserver: u32,
    pub controller_manager: u32,
}

/// What a restart of kube-apiserver took.
#[derive(Clone, Copy, Debug)]
pub struct Restart {
    pub apiserver_pid: u32,
    /// From the signal until the old process had exited.
    pub stopped: Duration,
    /// Whether it got SIGKILL ([`Stop::Kill`], or [`Stop::Term`] still draining after 5 s).
    pub killed: bool,
    /// From the new start until /readyz answered 200.
    pub ready: Duration,
}

#[derive(Deserialize)]
struct Ready {
    server: String,
    addr: String,
    kubeconfig: PathBuf,
    agent_kubeconfig: PathBuf,
    token: String,
    agent_token: String,
    ca_file: PathBuf,
    startup_ms: u64,
    pids: KubePids,
}

#[derive(Deserialize)]
struct RestartReply {
    error: Option<String>,
    apiserver_pid: Option<u32>,
    stopped_ms: Option<u64>,
    killed: Option<bool>,
    ready_ms: Option<u64>,
}

/// A running API server (etcd, kube-apiserver, kube-controller-manager).
pub struct KubeServer {
    server: Mutex<Option<Server>>, // taken in Drop: the processes stop before their directory goes
    /// `None` for the shared server, whose directory kube.py removes at exit.
    workdir: Option<tempfile::TempDir>,
    dir: PathBuf,
    ready: Ready,
    pids: Mutex<KubePids>,
    shared: bool,
    namespaces: std::sync::atomic::AtomicU32,
}

impl KubeServer {
    /// Start a server of this test's own on free ports of 127.0.0.1 (~10 s on an idle 2-core
    /// machine, much longer while it compiles). Panics, saying how to install them, when the
    /// binaries, etcd, openssl or python3 are missing, and with the logs when it does not
    /// start.
    pub fn start() -> KubeServer {
        require_binaries(&kube_bin_dir());
        let workdir = tempfile::Builder::new().prefix("tagbump-kube-").tempdir().unwrap();
        let dir = workdir.path().to_path_buf();
        KubeServer::launch(Some(workdir), dir, false)
    }

    /// The server shared by the tests of this process, started by the first caller (the
    /// others wait for it). Use it through namespaces of your own
    /// ([`KubeServer::create_namespace`]); it cannot be restarted.
    pub fn shared() -> &'static KubeServer {
        static SHARED: OnceLock<KubeServer> = OnceLock::new();
        SHARED.get_or_init(|| {
            require_binaries(&kube_bin_dir());
            // Kept: a static is never dropped, so kube.py removes it (--remove-if-orphaned)
            // when the test process exits and its stdin closes.
            let dir = tempfile::Builder::new()
                .prefix("tagbump-kube-shared-")
                .tempdir()
                .unwrap()
                .keep();
            // Should it not start, the directory stays, with the logs the panic points to.
            KubeServer::launch(None, dir, true)
        })
    }

    fn launch(workdir: Option<tempfile::TempDir>, dir: PathBuf, shared: bool) -> KubeServer {
        let bin = kube_bin_dir();
        let timeout = COMPONENT_TIMEOUT_S.to_string();
        let args = [
            "--workdir",
            dir.to_str().expect("temp dir path is UTF-8"),
            "--bin",
            bin.to_str().expect("TAGBUMP_TESTENV is UTF-8"),
            "--timeout",
            &timeout,
            "--remove-if-orphaned",
        ];
        // kube.py reports its own timeouts; this one only catches a hung script.
        let ready_timeout = Duration::from_secs(3 * COMPONENT_TIMEOUT_S + 30);
        let (server, ready) = Server::spawn("kube.py", &args, &[], &dir.join("supervisor.log"), ready_timeout);
        let ready: Ready = serde_json::from_value(ready).expect("kube.py's ready line");
        KubeServer {
            server: Mutex::new(Some(server)),
            workdir,
            dir,
            pids: Mutex::new(ready.pids),
            ready,
            shared,
            namespaces: Default::default(),
        }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn server_url(&self) -> &str {
        &self.ready.server
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        &self.ready.addr
    }

    /// A kubeconfig for [`User::Admin`] (one cluster, one user, one context, current).
    pub fn kubeconfig(&self) -> &Path {
        &self.ready.kubeconfig
    }

    /// A kubeconfig for [`User::Agent`], the agent's identity in RBAC tests.
    pub fn agent_kubeconfig(&self) -> &Path {
        &self.ready.agent_kubeconfig
    }

    /// The kubeconfig of `user`.
    pub fn kubeconfig_of(&self, user: User) -> &Path {
        match user {
            User::Admin => self.kubeconfig(),
            User::Agent => self.agent_kubeconfig(),
        }
    }

    /// [`User::Admin`]'s bearer token.
    pub fn token(&self) -> &str {
        &self.ready.token
    }

    /// [`User::Agent`]'s bearer token.
    pub fn agent_token(&self) -> &str {
        &self.ready.agent_token
    }

    /// The server's certificate followed by the CA that signed it (PEM); the kubeconfigs
    /// hold it as `certificate-authority-data`.
    pub fn ca_file(&self) -> &Path {
        &self.ready.ca_file
    }

    /// How long kube.py took until everything was ready.
    pub fn startup(&self) -> Duration {
        Duration::from_millis(self.ready.startup_ms)
    }

    /// The directory with the kubeconfigs, keys, etcd's data and the logs (`etcd.log`,
    /// `apiserver.log`, `controller-manager.log`, `supervisor.log`).
    pub fn workdir(&self) -> &Path {
        &self.dir
    }

    pub fn pids(&self) -> KubePids {
        *self.pids.lock().unwrap()
    }

    /// Stop kube-apiserver with SIGKILL, keep it down for `down`, start it again on the same
    /// port (same etcd, certificate and tokens) and wait until it is ready. Meanwhile
    /// connections are refused; etcd and the controller manager keep running. Takes `down`
    /// plus ~6 s.
    pub fn restart_apiserver(&self, down: Duration) -> Restart {
        self.restart_apiserver_with(Stop::Kill, down)
    }

    /// [`KubeServer::restart_apiserver`], stopping it as `stop` says.
    pub fn restart_apiserver_with(&self, stop: Stop, down: Duration) -> Restart {
        assert!(
            !self.shared,
            "restarting the shared API server would disturb the other tests: use KubeServer::start()"
        );
        let how = match stop {
            Stop::Kill => "kill",
            Stop::Term => "term",
        };
        let command = format!("restart-apiserver {} {how}", down.as_millis());
        let timeout = down + Duration::from_secs(COMPONENT_TIMEOUT_S + 30);
        let reply = {
            let mut server = self.server.lock().unwrap();
            server.as_mut().expect("running").command(&command, timeout)
        };
        let reply: RestartReply = serde_json::from_value(reply).expect("kube.py's restart reply");
        if let Some(error) = reply.error {
            panic!("restart-apiserver failed: {error}");
        }
        let restart = Restart {
            apiserver_pid: reply.apiserver_pid.expect("apiserver_pid"),
            stopped: Duration::from_millis(reply.stopped_ms.expect("stopped_ms")),
            killed: reply.killed.expect("killed"),
            ready: Duration::from_millis(reply.ready_ms.expect("ready_ms")),
        };
        self.pids.lock().unwrap().apiserver = restart.apiserver_pid;
        restart
    }

    /// A `kubectl` command for `user` (its kubeconfig in `KUBECONFIG`, discovery cached in
    /// the server's directory, stdin null); add the arguments. kubectl 1.32 talks to this
    /// 1.20 server fine for get/apply/delete (only `kubectl version` warns about the skew).
    pub fn kubectl_command(&self, user: User) -> Command {
        assert!(
            on_path("kubectl"),
            "`kubectl` not found on PATH\nhint: install kubectl (https://kubernetes.io/docs/tasks/tools/)"
        );
        let mut cmd = Command::new("kubectl");
        cmd.env("KUBECONFIG", self.kubeconfig_of(user))
            .env("KUBECACHEDIR", self.dir.join("kubectl-cache"))
            .stdin(Stdio::null());
        cmd
    }

    /// `kubectl ARGS` as [`User::Admin`]; its output, whatever the exit status.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_command(User::Admin)
            .args(args)
            .output()
            .expect("cannot run kubectl")
    }

    /// `kubectl ARGS` as `user`, with `input` on stdin (`apply -f -`); its output, whatever
    /// the exit status.
    pub fn kubectl_with_input(&self, user: User, args: &[&str], input: &str) -> Output {
        use std::io::Write as _;
        let mut child = self
            .kubectl_command(user)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot run kubectl");
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    /// `kubectl ARGS` as `user` (and `input` on stdin, when given); panics, showing stderr,
    /// unless it succeeds; its stdout.
    pub fn kubectl_ok(&self, user: User, args: &[&str], input: Option<&str>) -> String {
        let out = match input {
            Some(input) => self.kubectl_with_input(user, args, input),
            None => self
                .kubectl_command(user)
                .args(args)
                .output()
                .expect("cannot run kubectl"),
        };
        assert!(
            out.status.success(),
            "kubectl {} ({user:?}) failed ({}):\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("kubectl output is UTF-8")
    }

    /// Create a namespace of this test's own, `PREFIX-N-RANDOM`, and return its name.
    pub fn create_namespace(&self, prefix: &str) -> String {
        let n = self.namespaces.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("{prefix}-{n}-{:06x}", fastrand::u32(..0x100_0000));
        self.kubectl_ok(User::Admin, &["create", "namespace", &name], None);
        name
    }
}

impl Drop for KubeServer {
    fn drop(&mut self) {
        // Dropping the Server says "stop": kube.py kills its processes, reaps them and exits;
        // the Server waits for that.
        drop(self.server.get_mut().unwrap_or_else(|e| e.into_inner()).take());
        if let (Some(workdir), true) = (&mut self.workdir, std::thread::panicking()) {
            workdir.disable_cleanup(true);
            eprintln!("testenv: Kubernetes API server files kept in {}", self.dir.display());
        }
        // Should one of them have outlived kube.py (no setpriv for the kernel to kill it),
        // kill it by PID, after checking the PID is still that program.
        let pids = *self.pids.get_mut().unwrap_or_else(|e| e.into_inner());
        for (pid, name) in [
            (pids.controller_manager, "kube-controller-manager"),
            (pids.apiserver, "kube-apiserver"),
            (pids.etcd, "etcd"),
        ] {
            let cmdline = fs_err::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if process::alive(pid) && String::from_utf8_lossy(&cmdline).contains(name) {
                eprintln!("testenv: {name} (pid {pid}) outlived kube.py; killing it");
                let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            }
        }
    }
}
