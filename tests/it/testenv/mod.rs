//! Real components for the registry-client and git tests: a CNCF Distribution registry
//! (Debian `docker-registry` 2.8) on 127.0.0.1 with no auth, htpasswd Basic auth or Bearer
//! tokens, optionally over TLS; images seeded with the tags and `created` times a test
//! chooses; a proxy in front that pages tag lists (that registry does not) and injects
//! faults; and a git server over smart HTTP (`git http-backend` under lighttpd) with token
//! auth, optionally over TLS, for `tagbump update`; and a Kubernetes API server (etcd,
//! kube-apiserver, kube-controller-manager) for the agent ([`KubeServer`], see kube.rs).
//!
//! Why real components: a client that only ever met a mock passes tests that real
//! registries would fail (media types in `Accept`, the token dance, paging, half-sent
//! bodies), and a push that only ever met a mock never meets a real race. Each
//! [`Registry`], [`Proxy`] and [`GitServer`] belongs to one test: it starts in ~0.05-0.2 s
//! on free ports, and its `Drop` stops its processes by PID and removes its temporary
//! directory. The servers also exit by themselves when the test process dies
//! (scripts/testenv/lifeline.py), so a crashed run leaves nothing behind.
//!
//! ```ignore
//! let reg = Registry::start(RegistryOptions { auth: Auth::Token, tls: true });
//! let seeded = reg.seed("team/app", &Seed::new().tag("1.0.0", "2024-01-01T00:00:00Z").alias("latest", "1.0.0"));
//! let proxy = Proxy::start(reg.addr(), ProxyOptions { default_n: 2, ..Default::default() });
//! proxy.set_faults(&[Fault::status(429).on("/tags/list").times(2).retry_after("1")]);
//! // ... run the client against proxy.url() (or reg.url() with reg.ca_file()) ...
//! assert_eq!(proxy.stats().total, 5);
//! ```
//!
//! The git server: the harness seeds and inspects the bare repositories on disk, so the
//! access log holds only the requests of the code under test. Concurrent pushes from one
//! base let exactly one through; the others fail with "(fetch first)" or, when they read
//! the refs before the winner updated them, "(failed to update ref)" (see git_smoke.rs).
//!
//! ```ignore
//! let git = GitServer::start(GitOptions::default()); // token TOKEN, plain HTTP
//! git.create_repo("config");
//! git.seed("config", "main", &[("apps/shop/kustomization.yaml", "...")], "initial");
//! let mut cmd = Command::new(env!("CARGO_BIN_EXE_tagbump"));
//! git.isolate(&mut cmd); // no user/system git config; GIT_SSL_CAINFO with TLS
//! // ... run `tagbump update` against git.repo_url("config") with git.token() ...
//! assert_eq!(git.read_file("config", "main", "apps/shop/kustomization.yaml").unwrap(), "...");
//! assert_eq!(git.log("config", "main")[0].subject, "...");
//! assert_eq!(git.access_log().iter().filter(|e| e.is_push()).count(), 1);
//! ```
//!
//! The servers are the Python scripts in `scripts/testenv/` (stdlib only), which also work
//! by hand (each prints its usage with `--help`). Needs `docker-registry`, `python3` (>= 3.9),
//! `openssl`, `htpasswd`, for the git server `lighttpd` (with `lighttpd-mod-openssl` for TLS)
//! and `git`, and, for the TLS smoke test, `curl`: `scripts/testenv/install.sh` installs
//! them; a missing one fails the test with that hint. `TAGBUMP_TESTENV_PYTHON` picks the
//! Python (default: `python3` on PATH). The Kubernetes API server also needs kube-apiserver
//! and kube-controller-manager, which install.sh builds once (~8 min) into
//! `$TAGBUMP_TESTENV/kube/bin` (`TAGBUMP_TESTENV`: the test environment's directory, default
//! `/tmp/tagbump-testenv`), and etcd.

mod git;
mod git_smoke;
mod http;
mod kube;
mod kube_smoke;
mod process;
mod proxy;
mod registry;
mod seed;
mod smoke;

#[allow(unused_imports)] // the harness's API, used by the client tests as they come
pub use self::{
    git::{
        AccessEntry, CLIENT_EMAIL, CLIENT_NAME, CommitInfo, GitOptions, GitServer, SEED_EMAIL, SEED_NAME, TOKEN,
        TOKEN_USERS, auth_header, barrier_hook, extra_header_env, isolate_git,
    },
    http::{Response, get, request},
    kube::{KubePids, KubeServer, Restart, Stop, User, kube_bin_dir},
    proxy::{Fault, FaultKind, LoggedRequest, Proxy, ProxyOptions, Stats},
    registry::{Auth, PASSWORD, PRIVATE_PREFIX, Registry, RegistryOptions, TokenRequest, USER},
    seed::{Media, Seed, Seeded, rfc3339},
};
