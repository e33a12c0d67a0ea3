//! A real Kubernetes API server for the agent's tests (scripts/testenv/kube.py supervising
//! etcd, kube-apiserver and kube-controller-manager v1.20.2 on 127.0.0.1), or an existing
//! cluster (kind, k3d, ...) named by `TAGBUMP_TEST_KUBECONFIG`.
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
//! An external cluster ([`TEST_KUBECONFIG`] set to the path of an admin kubeconfig; what
//! .github/workflows/agent-e2e.yml does with a kind cluster of a current Kubernetes): then
//! [`KubeServer::shared`] wraps that cluster and starts nothing (no kube-build binaries
//! needed), [`KubeServer::kubeconfig`] is that file, and the `agent` principal is a
//! ServiceAccount the harness creates (`tagbump-test-principals/agent`, no rights until a
//! test grants them) with a token from the TokenRequest API (`kubectl create token`, hence
//! Kubernetes >= 1.24). Bind it with [`KubeServer::agent_subject`], which names the right
//! subject in either mode. Such a cluster has a scheduler and kubelets
//! ([`KubeServer::has_kubelet`]): Pods run, so a test waits for their real status instead of
//! writing it. It cannot be restarted, so [`KubeServer::start`] fails there, and the
//! workflow skips the tests that need it, by name. Namespaces a test hands back
//! ([`KubeServer::drop_namespace`]) are deleted, as the cluster outlives the tests.
//!
//! ```ignore
//! let kube = KubeServer::shared();
//! let ns = kube.create_namespace("sync");
//! let out = kube.kubectl(&["get", "configmaps", "-n", &ns]);
//! // ... run the agent with KUBECONFIG=kube.agent_kubeconfig(), after granting it its RBAC
//! // (subjects: kube.agent_subject().yaml_item()) ...
//!
//! let own = KubeServer::start();
//! own.restart_apiserver(Duration::from_secs(2)); // down ~2 s, then ready again
//! ```
//!
//! Needs kube-apiserver and kube-controller-manager in `$TAGBUMP_TESTENV/kube/bin` (built once
//! by scripts/testenv/install.sh, ~8 min), etcd (Debian etcd-server), openssl, python3, and
//! for [`KubeServer::kubectl`] kubectl; a missing one fails the test with that hint. With an
//! external cluster, only kubectl (>= 1.24).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::process::{self, Server};

const KUBE_HINT: &str = "hint: run scripts/testenv/install.sh; it builds kube-apiserver and \
    kube-controller-manager v1.20.2 once (~8 min on 2 cores, ~2.5 GB of disk while building) into \
    $TAGBUMP_TESTENV/kube/bin (default /tmp/tagbump-testenv) and installs etcd-server";

/// How long kube.py may wait for each of etcd, kube-apiserver and kube-controller-manager.
/// Generous: on a 2-core machine busy compiling, kube-apiserver alone can take 30 s.
const COMPONENT_TIMEOUT_S: u64 = 100;

/// The environment variable naming an existing cluster to test against instead of the local
/// API server: the path of a kubeconfig whose current context may do anything (kind's, k3d's).
/// Unset or empty: the local API server.
pub const TEST_KUBECONFIG: &str = "TAGBUMP_TEST_KUBECONFIG";

/// On an external cluster, the namespace of the harness's principals (the `agent`
/// ServiceAccount); created when missing, left in place for the next run.
pub const PRINCIPALS_NAMESPACE: &str = "tagbump-test-principals";

/// How long the `agent` ServiceAccount's token is valid: longer than any test run.
const AGENT_TOKEN_DURATION: &str = "2h";

/// Where kube-build.sh puts the binaries: `$TAGBUMP_TESTENV/kube/bin`.
pub fn kube_bin_dir() -> PathBuf {
    let prefix = std::env::var_os("TAGBUMP_TESTENV")
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "/tmp/tagbump-testenv".into());
    PathBuf::from(prefix).join("kube/bin")
}

/// `$TAGBUMP_TEST_KUBECONFIG`, when set: the tests run against that cluster.
pub fn external_kubeconfig() -> Option<PathBuf> {
    std::env::var_os(TEST_KUBECONFIG)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

/// Panic with [`KUBE_HINT`] unless the binaries kube.py runs are there.
fn require_binaries(bin: &Path) {
    for name in ["kube-apiserver", "kube-controller-manager"] {
        assert!(
            bin.join(name).is_file(),
            "{} not found: the agent's cluster tests run a real Kubernetes API server\n{KUBE_HINT}\n\
             hint: or run them against an existing cluster: {TEST_KUBECONFIG}=PATH/TO/ADMIN/KUBECONFIG",
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
    /// `admin`, in group `system:masters`: may do anything. On an external cluster, whoever
    /// [`TEST_KUBECONFIG`] authenticates as.
    Admin,
    /// `agent`, in no group but `system:authenticated`: discovery only, until a test grants
    /// it rights (the agent's example RBAC, bound to [`KubeServer::agent_subject`]). On an
    /// external cluster, the ServiceAccount `tagbump-test-principals/agent`.
    Agent,
}

/// An RBAC subject: whom a RoleBinding grants its role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A user of the API server's token file (the local server).
    User(String),
    /// A ServiceAccount (an external cluster).
    ServiceAccount { namespace: String, name: String },
}

impl Subject {
    /// One item of a block-style `subjects:` list at the top level of a binding
    /// (`  - kind: ...`, each line ending in a newline).
    pub fn yaml_item(&self) -> String {
        match self {
            Subject::User(name) => {
                format!("  - kind: User\n    name: {name}\n    apiGroup: rbac.authorization.k8s.io\n")
            }
            Subject::ServiceAccount { namespace, name } => {
                format!("  - kind: ServiceAccount\n    name: {name}\n    namespace: {namespace}\n")
            }
        }
    }

    /// The same in flow style: `{kind: User, name: agent, apiGroup: rbac.authorization.k8s.io}`.
    pub fn flow(&self) -> String {
        match self {
            Subject::User(name) => format!("{{kind: User, name: {name}, apiGroup: rbac.authorization.k8s.io}}"),
            Subject::ServiceAccount { namespace, name } => {
                format!("{{kind: ServiceAccount, name: {name}, namespace: {namespace}}}")
            }
        }
    }

    /// The user name the API server knows it by, as its 403 messages quote it (`agent`,
    /// `system:serviceaccount:tagbump-test-principals:agent`).
    pub fn username(&self) -> String {
        match self {
            Subject::User(name) => name.clone(),
            Subject::ServiceAccount { namespace, name } => format!("system:serviceaccount:{namespace}:{name}"),
        }
    }
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

/// kube.py's ready line.
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

/// How to reach the server, and as whom.
struct Endpoint {
    server: String,
    addr: String,
    kubeconfig: PathBuf,
    agent_kubeconfig: PathBuf,
    /// `None` on an external cluster (its admin kubeconfig may use a client certificate).
    token: Option<String>,
    agent_token: String,
    /// `None` on an external cluster whose kubeconfig names no CA.
    ca_file: Option<PathBuf>,
    startup: Duration,
    agent: Subject,
}

/// A running API server (etcd, kube-apiserver, kube-controller-manager), or an external
/// cluster.
pub struct KubeServer {
    /// kube.py; `None` on an external cluster. Taken in Drop: the processes stop before
    /// their directory goes.
    server: Mutex<Option<Server>>,
    /// `None` for the shared server, whose directory kube.py removes at exit.
    workdir: Option<tempfile::TempDir>,
    dir: PathBuf,
    endpoint: Endpoint,
    /// kube.py's processes; `None` on an external cluster.
    pids: Option<Mutex<KubePids>>,
    shared: bool,
    namespaces: std::sync::atomic::AtomicU32,
}

impl KubeServer {
    /// Start a server of this test's own on free ports of 127.0.0.1 (~10 s on an idle 2-core
    /// machine, much longer while it compiles). Panics, saying how to install them, when the
    /// binaries, etcd, openssl or python3 are missing, and with the logs when it does not
    /// start. Panics on an external cluster ([`TEST_KUBECONFIG`]), which cannot give a test
    /// a server of its own.
    pub fn start() -> KubeServer {
        if let Some(kubeconfig) = external_kubeconfig() {
            panic!(
                "KubeServer::start(): this test needs a Kubernetes API server of its own (to restart \
                 it, or a fresh cluster), which the external cluster of {TEST_KUBECONFIG}={} cannot be\n\
                 hint: skip this test there (`cargo test -- --skip NAME`, as \
                 .github/workflows/agent-e2e.yml does), or unset {TEST_KUBECONFIG} to run it against \
                 the local API server",
                kubeconfig.display()
            );
        }
        require_binaries(&kube_bin_dir());
        let workdir = tempfile::Builder::new().prefix("tagbump-kube-").tempdir().unwrap();
        let dir = workdir.path().to_path_buf();
        KubeServer::launch(Some(workdir), dir, false)
    }

    /// The server shared by the tests of this process, started by the first caller (the
    /// others wait for it), or the external cluster of [`TEST_KUBECONFIG`]. Use it through
    /// namespaces of your own ([`KubeServer::create_namespace`]); it cannot be restarted.
    pub fn shared() -> &'static KubeServer {
        static SHARED: OnceLock<KubeServer> = OnceLock::new();
        SHARED.get_or_init(|| {
            if let Some(kubeconfig) = external_kubeconfig() {
                return KubeServer::connect(&kubeconfig);
            }
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
        let endpoint = Endpoint {
            server: ready.server,
            addr: ready.addr,
            kubeconfig: ready.kubeconfig,
            agent_kubeconfig: ready.agent_kubeconfig,
            token: Some(ready.token),
            agent_token: ready.agent_token,
            ca_file: Some(ready.ca_file),
            startup: Duration::from_millis(ready.startup_ms),
            agent: Subject::User("agent".into()),
        };
        KubeServer {
            server: Mutex::new(Some(server)),
            workdir,
            dir,
            endpoint,
            pids: Some(Mutex::new(ready.pids)),
            shared,
            namespaces: Default::default(),
        }
    }

    /// Wrap the external cluster of `kubeconfig`: check that it answers, create the `agent`
    /// ServiceAccount (idempotent: `kubectl apply`) and a kubeconfig with a token of it, and
    /// check that it may not do anything yet.
    fn connect(kubeconfig: &Path) -> KubeServer {
        let t0 = Instant::now();
        let hint = format!(
            "hint: {TEST_KUBECONFIG} names the admin kubeconfig of an existing cluster (kind: \
             `kind get kubeconfig`), Kubernetes >= 1.24; unset it to use the local API server"
        );
        let kubeconfig = fs_err::canonicalize(kubeconfig).unwrap_or_else(|e| panic!("{TEST_KUBECONFIG}: {e}\n{hint}"));
        // Never dropped (a static): cargo's directory for integration tests' files holds it.
        let dir = tempfile::Builder::new()
            .prefix("kube-external-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap()
            .keep();
        let cache = dir.join("kubectl-cache");
        let run = |kubeconfig: &Path, args: &[&str], input: Option<&str>| -> Output {
            kubectl_output(kubectl_base(kubeconfig, &cache), args, input)
        };
        let admin = |what: &str, args: &[&str], input: Option<&str>| -> String {
            let out = run(&kubeconfig, args, input);
            assert!(
                out.status.success(),
                "{what}: kubectl {} with {TEST_KUBECONFIG}={} failed ({}):\n{}\n{hint}",
                args.join(" "),
                kubeconfig.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim_end()
            );
            String::from_utf8(out.stdout).expect("kubectl output is UTF-8")
        };
        admin("the external cluster is not ready", &["get", "--raw", "/readyz"], None);

        // The cluster as kubectl sees it, certificates inlined.
        let view = admin(
            "cannot read the kubeconfig",
            &["config", "view", "--raw", "--minify", "--flatten", "-o", "json"],
            None,
        );
        let view: serde_json::Value = serde_json::from_str(&view).expect("kubectl config view -o json");
        let cluster = view["clusters"][0]["cluster"].clone();
        let server = cluster["server"]
            .as_str()
            .unwrap_or_else(|| panic!("no server in {}'s current context\n{hint}", kubeconfig.display()))
            .to_string();
        let addr = server
            .split_once("://")
            .map_or(server.as_str(), |(_, rest)| rest)
            .trim_end_matches('/')
            .to_string();
        let ca_file = cluster["certificate-authority-data"].as_str().map(|data| {
            use base64::Engine as _;
            let pem = base64::engine::general_purpose::STANDARD
                .decode(data)
                .expect("certificate-authority-data is base64");
            let path = dir.join("ca.crt");
            fs_err::write(&path, pem).unwrap();
            path
        });

        // The agent principal: a ServiceAccount with a bound token (TokenRequest API).
        let principal = format!(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {PRINCIPALS_NAMESPACE}\n---\n\
             apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: agent\n  namespace: {PRINCIPALS_NAMESPACE}\n"
        );
        admin(
            "cannot create the agent's ServiceAccount",
            &["apply", "-f", "-"],
            Some(&principal),
        );
        let agent_token = admin(
            "cannot get a token for the agent's ServiceAccount (TokenRequest API, Kubernetes >= 1.24)",
            &[
                "create",
                "token",
                "agent",
                "-n",
                PRINCIPALS_NAMESPACE,
                &format!("--duration={AGENT_TOKEN_DURATION}"),
            ],
            None,
        )
        .trim()
        .to_string();
        // JSON is YAML: kubectl and kube's client read it as a kubeconfig.
        let agent_config = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "external", "cluster": cluster}],
            "users": [{"name": "agent", "user": {"token": agent_token}}],
            "contexts": [{"name": "agent", "context": {"cluster": "external", "user": "agent"}}],
            "current-context": "agent",
        });
        let agent_kubeconfig = dir.join("agent.kubeconfig");
        fs_err::write(&agent_kubeconfig, serde_json::to_string_pretty(&agent_config).unwrap()).unwrap();

        // The RBAC tests need a principal that may do nothing until they grant it rights.
        let can = run(&agent_kubeconfig, &["auth", "can-i", "list", "configmaps", "-A"], None);
        let answer = String::from_utf8_lossy(&can.stdout).trim().to_string();
        assert!(
            answer == "no",
            "the harness's agent principal (ServiceAccount {PRINCIPALS_NAMESPACE}/agent) should have no \
             rights, but `kubectl auth can-i list configmaps -A` as it says {answer:?} ({}): the cluster \
             of {TEST_KUBECONFIG} grants service accounts rights (a permissive binding?)\n{}",
            can.status,
            String::from_utf8_lossy(&can.stderr).trim_end()
        );

        KubeServer {
            server: Mutex::new(None),
            workdir: None,
            dir,
            endpoint: Endpoint {
                server,
                addr,
                kubeconfig,
                agent_kubeconfig,
                token: None,
                agent_token,
                ca_file,
                startup: t0.elapsed(),
                agent: Subject::ServiceAccount {
                    namespace: PRINCIPALS_NAMESPACE.into(),
                    name: "agent".into(),
                },
            },
            pids: None,
            shared: true,
            namespaces: Default::default(),
        }
    }

    /// Whether this is an external cluster ([`TEST_KUBECONFIG`]).
    pub fn is_external(&self) -> bool {
        self.pids.is_none()
    }

    /// Whether Pods run: a scheduler and kubelets (an external cluster), so that workload
    /// status comes from real containers. Without them (the local server), Pods stay Pending
    /// and a test writes their status itself.
    pub fn has_kubelet(&self) -> bool {
        self.is_external()
    }

    /// `https://127.0.0.1:PORT` (an external cluster: its kubeconfig's server).
    pub fn server_url(&self) -> &str {
        &self.endpoint.server
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        &self.endpoint.addr
    }

    /// A kubeconfig for [`User::Admin`] (one cluster, one user, one context, current); on an
    /// external cluster, the file of [`TEST_KUBECONFIG`].
    pub fn kubeconfig(&self) -> &Path {
        &self.endpoint.kubeconfig
    }

    /// A kubeconfig for [`User::Agent`], the agent's identity in RBAC tests.
    pub fn agent_kubeconfig(&self) -> &Path {
        &self.endpoint.agent_kubeconfig
    }

    /// The kubeconfig of `user`.
    pub fn kubeconfig_of(&self, user: User) -> &Path {
        match user {
            User::Admin => self.kubeconfig(),
            User::Agent => self.agent_kubeconfig(),
        }
    }

    /// [`User::Agent`] as an RBAC subject, for the bindings that grant it rights: user
    /// `agent` on the local server, the ServiceAccount `tagbump-test-principals/agent` on an
    /// external cluster.
    pub fn agent_subject(&self) -> &Subject {
        &self.endpoint.agent
    }

    /// [`User::Admin`]'s bearer token. The local server only: an external cluster's admin
    /// kubeconfig may hold a client certificate instead.
    pub fn token(&self) -> &str {
        self.endpoint.token.as_deref().unwrap_or_else(|| {
            panic!("KubeServer::token(): the admin of an external cluster ({TEST_KUBECONFIG}) has no token of the harness's")
        })
    }

    /// [`User::Agent`]'s bearer token.
    pub fn agent_token(&self) -> &str {
        &self.endpoint.agent_token
    }

    /// The server's certificate followed by the CA that signed it (PEM); the kubeconfigs
    /// hold it as `certificate-authority-data`. On an external cluster, its kubeconfig's CA.
    pub fn ca_file(&self) -> &Path {
        self.endpoint.ca_file.as_deref().unwrap_or_else(|| {
            panic!("KubeServer::ca_file(): the kubeconfig of {TEST_KUBECONFIG} names no certificate authority")
        })
    }

    /// How long kube.py took until everything was ready (an external cluster: the harness's
    /// checks and its `agent` principal).
    pub fn startup(&self) -> Duration {
        self.endpoint.startup
    }

    /// The directory with the kubeconfigs, keys, etcd's data and the logs (`etcd.log`,
    /// `apiserver.log`, `controller-manager.log`, `supervisor.log`); on an external cluster,
    /// the agent's kubeconfig and kubectl's cache.
    pub fn workdir(&self) -> &Path {
        &self.dir
    }

    /// kube.py's processes. The local server only.
    pub fn pids(&self) -> KubePids {
        let pids = self.pids.as_ref().unwrap_or_else(|| {
            panic!("KubeServer::pids(): an external cluster ({TEST_KUBECONFIG}) runs no process of the harness's")
        });
        *pids.lock().unwrap()
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
        self.pids.as_ref().expect("a local server").lock().unwrap().apiserver = restart.apiserver_pid;
        restart
    }

    /// A `kubectl` command for `user` (its kubeconfig in `KUBECONFIG`, discovery cached in
    /// the server's directory, stdin null); add the arguments. kubectl 1.32 talks to this
    /// 1.20 server fine for get/apply/delete (only `kubectl version` warns about the skew).
    pub fn kubectl_command(&self, user: User) -> Command {
        kubectl_base(self.kubeconfig_of(user), &self.dir.join("kubectl-cache"))
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
        kubectl_output(self.kubectl_command(user), args, Some(input))
    }

    /// `kubectl ARGS` as `user` (and `input` on stdin, when given); panics, showing stderr,
    /// unless it succeeds; its stdout.
    pub fn kubectl_ok(&self, user: User, args: &[&str], input: Option<&str>) -> String {
        let out = kubectl_output(self.kubectl_command(user), args, input);
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

    /// The test is done with namespace `name` (of [`KubeServer::create_namespace`]). On an
    /// external cluster, which outlives the tests, it is deleted (not waiting for it to go),
    /// unless the test is failing: then it stays for a look, and this says so on stderr. The
    /// local server goes with the test process, namespaces and all: nothing to do.
    pub fn drop_namespace(&self, name: &str) {
        if !self.is_external() {
            return;
        }
        if std::thread::panicking() {
            eprintln!("testenv: namespace {name} kept on the cluster of {TEST_KUBECONFIG} for a look");
            return;
        }
        let out = self.kubectl(&["delete", "namespace", name, "--wait=false"]);
        if !out.status.success() {
            eprintln!(
                "testenv: could not delete namespace {name}: {}",
                String::from_utf8_lossy(&out.stderr).trim_end()
            );
        }
    }
}

/// `kubectl` with `kubeconfig` in `KUBECONFIG`, discovery cached in `cache`, stdin null.
fn kubectl_base(kubeconfig: &Path, cache: &Path) -> Command {
    assert!(
        on_path("kubectl"),
        "`kubectl` not found on PATH\nhint: install kubectl (https://kubernetes.io/docs/tasks/tools/)"
    );
    let mut cmd = Command::new("kubectl");
    cmd.env("KUBECONFIG", kubeconfig)
        .env("KUBECACHEDIR", cache)
        .stdin(Stdio::null());
    cmd
}

/// Run `cmd ARGS` with `input` on stdin, when given; its output, whatever the exit status.
fn kubectl_output(mut cmd: Command, args: &[&str], input: Option<&str>) -> Output {
    use std::io::Write as _;
    cmd.args(args);
    let Some(input) = input else {
        return cmd.output().expect("cannot run kubectl");
    };
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run kubectl");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
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
        let Some(pids) = &mut self.pids else { return };
        let pids = *pids.get_mut().unwrap_or_else(|e| e.into_inner());
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
