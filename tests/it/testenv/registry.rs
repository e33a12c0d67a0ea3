//! One real registry per test (scripts/testenv/registry.py supervising `docker-registry`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Deserialize;

use super::process::{self, Server};
use super::seed::{Seed, Seeded};

/// The user the Basic and token registries know (it may push; see [`Auth`]).
pub const USER: &str = "testuser";
/// [`USER`]'s password.
pub const PASSWORD: &str = "testpass";
/// Repositories under this prefix are not for anonymous clients of an [`Auth::Token`]
/// registry: the token server grants them no action there, so the registry refuses the
/// anonymous token (pulling needs [`USER`]'s credentials or an identity token).
pub const PRIVATE_PREFIX: &str = "private/";

/// How the registry authenticates clients.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Auth {
    /// Anyone may pull and push.
    #[default]
    None,
    /// htpasswd: every request needs `Authorization: Basic` for [`USER`]/[`PASSWORD`];
    /// without it, 401 with `WWW-Authenticate: Basic realm="test-realm"`.
    Basic,
    /// Bearer tokens: 401 with `WWW-Authenticate: Bearer realm=..,service=..,scope=..`; the
    /// token server (scripts/testenv/token_server.py, service `test-registry`) grants pull
    /// to anonymous clients, except on repositories under [`PRIVATE_PREFIX`], and
    /// everything to [`USER`]/[`PASSWORD`] or an identity token issued to it
    /// ([`Registry::identity_token`]).
    Token,
}

#[derive(Clone, Debug, Default)]
pub struct RegistryOptions {
    pub auth: Auth,
    /// Serve HTTPS with a certificate for IP:127.0.0.1 and DNS:localhost, signed by a CA made
    /// for this registry ([`Registry::ca_file`]); the token server then speaks HTTPS too.
    pub tls: bool,
}

/// A running registry; dropping it stops it and removes its directory.
pub struct Registry {
    server: Option<Server>, // taken in Drop: the processes stop before their directory goes
    workdir: tempfile::TempDir,
    opts: RegistryOptions,
    addr: String,
    registry_pid: u32,
    ca_file: Option<PathBuf>,
    token_realm: Option<String>,
    token_log: Option<PathBuf>,
}

/// One request to the token server, as it logged it (never a password or a token).
#[derive(Clone, Debug, Deserialize)]
pub struct TokenRequest {
    /// `GET` (Basic or anonymous) or `POST` (OAuth2).
    pub method: String,
    /// A POST's `grant_type`: `password` or `refresh_token` (an identity token).
    pub grant_type: Option<String>,
    /// A POST's `client_id`.
    pub client_id: Option<String>,
    pub service: Option<String>,
    /// The `scope` parameters, e.g. `repository:team/app:pull`.
    pub scopes: Vec<String>,
    /// The authenticated user; `None` for anonymous requests and refused ones.
    pub user: Option<String>,
    /// 200 (token issued), 401, or 400 (a POST without `client_id` or with another grant).
    pub status: u16,
    pub user_agent: Option<String>,
}

/// How the user agents of the harness's own token requests (seed_registry.py's, and
/// [`Registry::identity_token`]'s and [`Registry::bearer_token`]'s) start; [`Registry::token_log`]
/// leaves those requests out.
const HARNESS_USER_AGENT: &str = "tagbump-testenv-";
/// The user agent of the token requests made here.
const TOKEN_USER_AGENT: &str = "tagbump-testenv-harness/1";

#[derive(Deserialize)]
struct Ready {
    addr: String,
    pid: u32,
    ca_file: Option<PathBuf>,
    token_realm: Option<String>,
    token_log: Option<PathBuf>,
}

impl Registry {
    /// Start a registry with in-memory storage on a free port of 127.0.0.1 (~0.1 s; ~0.2 s
    /// with TLS or tokens, which generate keys). Panics, saying how to install them, when
    /// `docker-registry`, `python3`, `openssl` or `htpasswd` is missing.
    pub fn start(opts: RegistryOptions) -> Registry {
        process::require(
            "docker-registry",
            "the registry tests run the real CNCF Distribution registry",
        );
        if opts.tls || opts.auth == Auth::Token {
            process::require("openssl", "it makes the test CA, certificates and token-signing keys");
        }
        if opts.auth == Auth::Basic {
            process::require(
                "htpasswd",
                "it writes the Basic-auth password file (Debian: apache2-utils)",
            );
        }
        let workdir = tempfile::Builder::new().prefix("tagbump-registry-").tempdir().unwrap();
        let dir = workdir.path().to_str().expect("temp dir path is UTF-8");
        let auth = match opts.auth {
            Auth::None => "none",
            Auth::Basic => "basic",
            Auth::Token => "token",
        };
        let mut args = vec!["--workdir", dir, "--auth", auth, "--remove-if-orphaned"];
        if opts.tls {
            args.push("--tls");
        }
        let (server, ready) = Server::start("registry.py", &args, &workdir.path().join("supervisor.log"));
        let ready: Ready = serde_json::from_value(ready).expect("registry.py's ready line");
        Registry {
            server: Some(server),
            workdir,
            opts,
            addr: ready.addr,
            registry_pid: ready.pid,
            ca_file: ready.ca_file,
            token_realm: ready.token_realm,
            token_log: ready.token_log,
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// `http://127.0.0.1:PORT`, or `https://` with TLS.
    pub fn url(&self) -> String {
        let scheme = if self.opts.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// With TLS: the PEM file of the CA that signed the registry's (and the token server's)
    /// certificate, for IP:127.0.0.1 and DNS:localhost.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// With [`Auth::Token`]: the token server's URL (`http[s]://127.0.0.1:PORT/token`).
    pub fn token_realm(&self) -> Option<&str> {
        self.token_realm.as_deref()
    }

    /// `Basic ...` for [`USER`]/[`PASSWORD`].
    pub fn basic_auth_header() -> String {
        let creds = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
        format!("Basic {creds}")
    }

    /// The requests the token server has answered, oldest first, except the harness's own
    /// ([`Registry::seed`], [`Registry::identity_token`], [`Registry::bearer_token`]).
    /// Empty without [`Auth::Token`].
    pub fn token_log(&self) -> Vec<TokenRequest> {
        let Some(path) = &self.token_log else { return Vec::new() };
        fs_err::read_to_string(path)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str::<TokenRequest>(line).expect("token log line"))
            .filter(|r| {
                !r.user_agent
                    .as_deref()
                    .is_some_and(|ua| ua.starts_with(HARNESS_USER_AGENT))
            })
            .collect()
    }

    /// A bearer token for `scope` (e.g. `repository:team/app:pull`), fetched from the token
    /// server with [`USER`]'s Basic credentials, as a client would after a challenge.
    /// Plain-HTTP token servers only (not with `tls: true`).
    pub fn bearer_token(&self, scope: &str) -> String {
        let query = format!("service=test-registry&scope={scope}");
        let basic = Registry::basic_auth_header();
        let answer = self.token_server("GET", &query, &[("Authorization", &basic)], b"");
        answer["token"].as_str().expect("a token in the answer").to_string()
    }

    /// An identity token for [`USER`]: the OAuth2 refresh token the token server issues for a
    /// password grant with `access_type=offline`, which `docker login` keeps as `identitytoken`
    /// in `config.json`. Plain-HTTP token servers only (not with `tls: true`).
    pub fn identity_token(&self) -> String {
        let form = format!(
            "grant_type=password&username={USER}&password={PASSWORD}&client_id=tagbump-testenv\
             &access_type=offline&service=test-registry"
        );
        let content_type = [("Content-Type", "application/x-www-form-urlencoded")];
        let answer = self.token_server("POST", "", &content_type, form.as_bytes());
        answer["refresh_token"]
            .as_str()
            .expect("a refresh token in the answer")
            .to_string()
    }

    /// A request to the token server with the harness's user agent; its JSON answer.
    fn token_server(&self, method: &str, query: &str, headers: &[(&str, &str)], body: &[u8]) -> serde_json::Value {
        let realm = self.token_realm.as_deref().expect("a token registry (Auth::Token)");
        let rest = realm
            .strip_prefix("http://")
            .expect("the harness asks plain-HTTP token servers only");
        let (addr, path) = rest.split_once('/').expect("realm http://HOST:PORT/PATH");
        let target = if query.is_empty() {
            format!("/{path}")
        } else {
            format!("/{path}?{query}")
        };
        let mut all = vec![("User-Agent", TOKEN_USER_AGENT)];
        all.extend_from_slice(headers);
        let r = super::http::request(addr, method, &target, &all, body)
            .unwrap_or_else(|e| panic!("token server {method} {realm}: {e}"));
        assert_eq!(r.status, 200, "token server {method} {realm}: {}", r.text());
        r.json()
    }

    /// How many token requests clients made (`token_log().len()`; seeding not counted).
    pub fn token_requests(&self) -> usize {
        self.token_log().len()
    }

    /// The directory holding the registry's config, keys and logs (`registry.log`,
    /// `supervisor.log`); removed on drop, unless the test is failing.
    pub fn workdir(&self) -> &Path {
        self.workdir.path()
    }

    /// The supervisor's and docker-registry's PIDs (to test that they stop).
    pub fn pids(&self) -> [u32; 2] {
        [self.server.as_ref().map_or(0, Server::pid), self.registry_pid]
    }

    /// Push `spec`'s images to `repo` (as [`USER`] when the registry wants credentials) and
    /// return their digests. A few tags take ~0.2-0.4 s, most of it Python starting.
    pub fn seed(&self, repo: &str, spec: &Seed) -> Seeded {
        let started = Instant::now();
        let mut cmd = Command::new(process::python());
        cmd.arg(process::script("seed_registry.py"))
            .args(["--registry", &self.addr, "--spec", "-"]);
        if self.opts.auth != Auth::None {
            cmd.args(["--user", USER, "--password", PASSWORD]);
        }
        if let Some(ca) = &self.ca_file {
            cmd.arg("--ca").arg(ca);
        }
        let seeded = spec.run(repo, cmd);
        if started.elapsed() > Duration::from_secs(5) {
            eprintln!("testenv: seeding {repo} took {:.1?}", started.elapsed());
        }
        seeded
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        // Dropping the Server closes the supervisor's stdin: it kills docker-registry, reaps
        // it and exits; the Server waits for that.
        drop(self.server.take());
        if std::thread::panicking() {
            // The test failed: keep the config and the logs (registry.log, supervisor.log).
            self.workdir.disable_cleanup(true);
            eprintln!("testenv: registry files kept in {}", self.workdir.path().display());
        }
        let pid = self.registry_pid;
        // Belt and braces: should docker-registry have outlived its supervisor (no setpriv
        // for the kernel to kill it), kill it by PID, after checking the PID is still it.
        let cmdline = fs_err::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if process::alive(pid) && String::from_utf8_lossy(&cmdline).contains("docker-registry") {
            eprintln!("testenv: docker-registry (pid {pid}) outlived its supervisor; killing it");
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        }
    }
}
