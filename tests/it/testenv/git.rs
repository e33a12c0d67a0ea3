//! One real git server per test (scripts/testenv/git_http.py: `git http-backend` under
//! lighttpd), and the harness's own view of its repositories.
//!
//! The harness reads and writes the bare repositories directly (`git --git-dir`, fast-import
//! for seeding), never over HTTP, so [`GitServer::access_log`] holds only what the code under
//! test (and [`GitServer::client`]) sent. Every git the harness runs, and every command
//! passed through [`isolate_git`], ignores the machine's and the user's git config: the
//! test process may run inside a git hook (`GIT_DIR` set), under a user with
//! `url.insteadOf` rules or a credential helper, or with `GIT_SSL_CAINFO` pointing at the
//! system bundle (this machine sets it).

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Deserialize;

use super::http;
use super::process::{self, Server};

/// The token the server accepts unless [`GitOptions::token`] says otherwise.
pub const TOKEN: &str = "tagbump-test-token";
/// The Basic-auth user names that go with the token: GitHub's (`x-access-token`, what
/// Actions uses) and GitLab's (`oauth2`). Any other user is refused.
pub const TOKEN_USERS: [&str; 2] = ["x-access-token", "oauth2"];
/// The author and committer of [`GitServer::seed`]'s commits.
pub const SEED_NAME: &str = "Test Seeder";
pub const SEED_EMAIL: &str = "seeder@tagbump.test";
/// The identity of commits made through [`GitServer::client`] (another actor pushing).
pub const CLIENT_NAME: &str = "Test Client";
pub const CLIENT_EMAIL: &str = "client@tagbump.test";

#[derive(Clone, Debug, Default)]
pub struct GitOptions {
    /// The token to accept (default [`TOKEN`]); it must not contain `:`.
    pub token: Option<String>,
    /// Serve HTTPS (HTTP/1.1 and HTTP/2) with a certificate for IP:127.0.0.1 and
    /// DNS:localhost, signed by a CA made for this server ([`GitServer::ca_file`]).
    pub tls: bool,
}

/// A running git server; dropping it stops it and removes its directory (kept, and named on
/// stderr, when the test is failing).
pub struct GitServer {
    server: Option<Server>, // taken in Drop: the processes stop before their directory goes
    workdir: tempfile::TempDir,
    url: String,
    addr: String,
    control_addr: String,
    lighttpd_pid: u32,
    ca_file: Option<PathBuf>,
    token: String,
    syncs: AtomicU64,
}

/// One commit, as `git log` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitInfo {
    pub sha: String,
    /// The first paragraph of the message, lines joined with spaces (`%s`).
    pub subject: String,
    /// The rest of the message, trailing newlines removed (`%b`); empty when there is none.
    pub body: String,
    pub author_name: String,
    pub author_email: String,
    pub committer_name: String,
    pub committer_email: String,
    /// Parent SHAs: none for a root commit, two for a merge.
    pub parents: Vec<String>,
}

/// One request the server answered, from lighttpd's access log. It never holds a password,
/// a token or a header other than `User-Agent`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessEntry {
    pub method: String,
    /// The path without the query, e.g. `/git/app.git/info/refs`.
    pub path: String,
    /// The query string without `?` (`service=git-receive-pack`), empty when none.
    pub query: String,
    pub status: u16,
    /// The authenticated user ([`TOKEN_USERS`]); `None` when the request was refused (401)
    /// or sent no credentials.
    pub user: Option<String>,
    pub user_agent: Option<String>,
    pub duration_us: u64,
}

impl AccessEntry {
    /// `git-upload-pack` (fetch, clone, ls-remote) or `git-receive-pack` (push), for the
    /// ref advertisement (`GET info/refs?service=`) and the POST that follows it.
    pub fn service(&self) -> Option<&str> {
        let post = self.path.rsplit('/').next().filter(|s| s.starts_with("git-"));
        let get = self.query.split('&').find_map(|kv| kv.strip_prefix("service="));
        post.or(get)
    }

    /// The POST that sends a push's pack and ref updates.
    pub fn is_push(&self) -> bool {
        self.method == "POST" && self.path.ends_with("/git-receive-pack")
    }
}

#[derive(Deserialize)]
struct RawEntry {
    method: String,
    path: String,
    query: String,
    status: u16,
    user: String,
    user_agent: String,
    duration_us: u64,
}

#[derive(Deserialize)]
struct Ready {
    url: String,
    addr: String,
    control_addr: String,
    pid: u32,
    ca_file: Option<PathBuf>,
}

/// Make `cmd` (git, or a program that runs git, such as tagbump) ignore the machine's and the
/// user's git setup: every `GIT_*` variable of the test process is removed (`GIT_DIR` from a
/// hook, `GIT_SSL_CAINFO`, `GIT_ASKPASS`, `GIT_CONFIG_*`), `HOME` and `XDG_CONFIG_HOME` point
/// into `home` (no `~/.gitconfig`), the system config is off, git never prompts, and its
/// messages are in English (`LC_ALL=C`) so tests can match them. It sets no identity: that
/// is the caller's business (the code under test must bring its own).
pub fn isolate_git<'a>(cmd: &'a mut Command, home: &Path) -> &'a mut Command {
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| k.starts_with("GIT_")) {
            cmd.env_remove(key);
        }
    }
    cmd.env_remove("SSH_ASKPASS")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
}

/// `Authorization: Basic base64(USER:TOKEN)`, the value of `http.extraHeader`.
pub fn auth_header(user: &str, token: &str) -> String {
    let creds = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{token}"));
    format!("Authorization: Basic {creds}")
}

/// The environment that hands git the header `http.extraHeader` = `header` without argv, a
/// URL or a config file: `GIT_CONFIG_COUNT=1`, `GIT_CONFIG_KEY_0`, `GIT_CONFIG_VALUE_0`.
pub fn extra_header_env(header: &str) -> [(&'static str, String); 3] {
    [
        ("GIT_CONFIG_COUNT", "1".to_string()),
        ("GIT_CONFIG_KEY_0", "http.extraHeader".to_string()),
        ("GIT_CONFIG_VALUE_0", header.to_string()),
    ]
}

/// A `pre-receive` hook that holds each push until `parties` pushes have reached it (at most
/// 10 s), then lets them all go on. Pushes that all passed the ref advertisement before any
/// of them updated a ref collide deterministically: one updates the branch, the others are
/// refused with "cannot lock ref ... is at X but expected Y" / "[remote rejected] ...
/// (failed to update ref)". One-shot: once `parties` have arrived, later pushes pass at once.
pub fn barrier_hook(parties: usize) -> String {
    format!(
        "#!/bin/sh\n\
         # testenv barrier: wait until {parties} pushes are here (at most 10 s)\n\
         mkdir -p testenv-barrier && : >testenv-barrier/$$\n\
         i=0\n\
         while [ \"$(ls testenv-barrier | wc -l)\" -lt {parties} ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done\n\
         exit 0\n"
    )
}

impl GitServer {
    /// Start a git server on a free port of 127.0.0.1 (~0.15 s, most of it Python starting;
    /// ~0.25 s with TLS, which makes a CA and a certificate). Panics, saying how to install them, when `lighttpd`, `git`,
    /// `htpasswd` or (TLS) `openssl` is missing.
    pub fn start(opts: GitOptions) -> GitServer {
        if std::env::var_os("TAGBUMP_TESTENV_LIGHTTPD").is_none() {
            process::require(
                "lighttpd",
                "the git tests serve repositories with `git http-backend` under lighttpd",
            );
        }
        process::require("git", "the git tests run a real git server and real git clients");
        process::require(
            "htpasswd",
            "it writes the Basic-auth password file (Debian: apache2-utils)",
        );
        if opts.tls {
            process::require("openssl", "it makes the test CA and the server certificate");
        }
        let token = opts.token.clone().unwrap_or_else(|| TOKEN.to_string());
        assert!(
            !token.is_empty() && !token.contains([':', '\n', '\r']),
            "a Basic-auth token must be non-empty and hold no ':' or line break"
        );
        let workdir = tempfile::Builder::new().prefix("tagbump-git-").tempdir().unwrap();
        let dir = workdir.path().to_str().expect("temp dir path is UTF-8");
        let mut args = vec!["--workdir", dir, "--remove-if-orphaned"];
        if opts.tls {
            args.push("--tls");
        }
        // The token goes through the environment: a test may search argv for leaked secrets.
        let env = [("GIT_HTTP_TOKEN", token.as_str())];
        let (server, ready) =
            Server::start_with_env("git_http.py", &args, &env, &workdir.path().join("supervisor.log"));
        let ready: Ready = serde_json::from_value(ready).expect("git_http.py's ready line");
        GitServer {
            server: Some(server),
            workdir,
            url: ready.url,
            addr: ready.addr,
            control_addr: ready.control_addr,
            lighttpd_pid: ready.pid,
            ca_file: ready.ca_file,
            token,
            syncs: AtomicU64::new(0),
        }
    }

    /// The base URL, `http://127.0.0.1:PORT/git` (`https://` with TLS); repositories are at
    /// `URL/NAME.git`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// `URL/NAME.git`.
    pub fn repo_url(&self, name: &str) -> String {
        format!("{}/{name}.git", self.url)
    }

    /// The token the server accepts (with either of [`TOKEN_USERS`]).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// With TLS: the PEM file of the CA that signed the server's certificate. git trusts it
    /// through `GIT_SSL_CAINFO` (which beats `-c http.sslCAInfo`).
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// `Authorization: Basic base64(x-access-token:TOKEN)`.
    pub fn auth_header(&self) -> String {
        auth_header(TOKEN_USERS[0], &self.token)
    }

    /// The directory used as `HOME` by [`GitServer::isolate`] (empty: no user config).
    pub fn home(&self) -> PathBuf {
        self.workdir.path().join("home")
    }

    /// [`isolate_git`] with this server's home, plus `GIT_SSL_CAINFO` = the CA with TLS.
    /// Passes no token: the code under test is given it its own way.
    pub fn isolate<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        isolate_git(cmd, &self.home());
        if let Some(ca) = &self.ca_file {
            cmd.env("GIT_SSL_CAINFO", ca);
        }
        cmd
    }

    /// `git` in `dir` as another actor would run it: isolated ([`GitServer::isolate`]), the
    /// token as `http.extraHeader` through `GIT_CONFIG_COUNT`, identity [`CLIENT_NAME`].
    /// For example a competing push: `server.client(dir).args(["push", "origin", "main"])`.
    pub fn client(&self, dir: &Path) -> Command {
        let mut cmd = Command::new("git");
        self.isolate(&mut cmd)
            .envs(extra_header_env(&self.auth_header()))
            .env("GIT_AUTHOR_NAME", CLIENT_NAME)
            .env("GIT_AUTHOR_EMAIL", CLIENT_EMAIL)
            .env("GIT_COMMITTER_NAME", CLIENT_NAME)
            .env("GIT_COMMITTER_EMAIL", CLIENT_EMAIL)
            .current_dir(dir);
        cmd
    }

    /// The bare repository `NAME.git` on disk.
    pub fn git_dir(&self, name: &str) -> PathBuf {
        self.workdir.path().join("repos").join(format!("{name}.git"))
    }

    /// Create the bare repository `NAME.git` (default branch `main`, pushes allowed over
    /// HTTP); it is served at once. Returns its directory. Panics if it exists.
    pub fn create_repo(&self, name: &str) -> PathBuf {
        let dir = self.git_dir(name);
        assert!(!dir.exists(), "repository {name} exists already");
        let path = dir.to_str().expect("temp dir path is UTF-8");
        self.run_git(None, &["init", "-q", "--bare", "-b", "main", path], None);
        self.git(name, &["config", "http.receivepack", "true"]);
        dir
    }

    /// Commit `files` (path, content) on `branch` of `name`, on top of the branch's tree
    /// (other files stay; a missing branch starts as a root commit holding only `files`), as
    /// [`SEED_NAME`], directly in the bare repository (one `git fast-import`, ~5 ms; nothing
    /// over HTTP). Returns the new commit's SHA.
    pub fn seed(&self, name: &str, branch: &str, files: &[(&str, &str)], message: &str) -> String {
        assert!(self.git_dir(name).is_dir(), "no repository {name}: create_repo first");
        let mut script = Vec::new();
        let data = |out: &mut Vec<u8>, bytes: &[u8]| {
            writeln!(out, "data {}", bytes.len()).unwrap();
            out.extend_from_slice(bytes);
            out.push(b'\n');
        };
        writeln!(script, "commit refs/heads/{branch}").unwrap();
        writeln!(script, "committer {SEED_NAME} <{SEED_EMAIL}> now").unwrap();
        let message = if message.ends_with('\n') {
            message.to_string()
        } else {
            format!("{message}\n")
        };
        data(&mut script, message.as_bytes());
        if let Some(parent) = self.head(name, branch) {
            writeln!(script, "from {parent}").unwrap();
        }
        for (path, content) in files {
            assert!(
                !path.starts_with(['"', '/']) && !path.contains('\n'),
                "seed path {path:?}: relative, no quote first, no line break"
            );
            writeln!(script, "M 100644 inline {path}").unwrap();
            data(&mut script, content.as_bytes());
        }
        script.extend_from_slice(b"done\n");
        let git_dir = self.git_dir(name);
        self.run_git(
            Some(&git_dir),
            &["fast-import", "--quiet", "--done", "--date-format=now"],
            Some(&script),
        );
        self.head(name, branch).expect("the seeded branch")
    }

    /// The content of `path` on `branch`; `None` when the branch or the file does not exist.
    pub fn read_file(&self, name: &str, branch: &str, path: &str) -> Option<String> {
        let spec = format!("refs/heads/{branch}:{path}");
        let out = self.try_git(name, &["cat-file", "blob", &spec]);
        out.status
            .success()
            .then(|| String::from_utf8(out.stdout).expect("file is UTF-8"))
    }

    /// The SHA `branch` points at; `None` when there is no such branch.
    pub fn head(&self, name: &str, branch: &str) -> Option<String> {
        let spec = format!("refs/heads/{branch}");
        let out = self.try_git(name, &["rev-parse", "--verify", "--quiet", &spec]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// The history of `branch`, newest first (empty when there is no such branch).
    pub fn log(&self, name: &str, branch: &str) -> Vec<CommitInfo> {
        let Some(head) = self.head(name, branch) else {
            return Vec::new();
        };
        let format = "--format=%H%x1f%s%x1f%b%x1f%an%x1f%ae%x1f%cn%x1f%ce%x1f%P";
        let out = self.git(name, &["log", "-z", format, &head, "--"]);
        out.split('\0')
            .filter(|record| !record.is_empty())
            .map(|record| {
                let f: Vec<&str> = record.split('\x1f').collect();
                assert_eq!(f.len(), 8, "git log record {record:?}");
                CommitInfo {
                    sha: f[0].to_string(),
                    subject: f[1].to_string(),
                    body: f[2].trim_end_matches('\n').to_string(),
                    author_name: f[3].to_string(),
                    author_email: f[4].to_string(),
                    committer_name: f[5].to_string(),
                    committer_email: f[6].to_string(),
                    parents: f[7].split_whitespace().map(str::to_string).collect(),
                }
            })
            .collect()
    }

    /// The branches of `name`, sorted (`["main"]`).
    pub fn branches(&self, name: &str) -> Vec<String> {
        let out = self.git(name, &["for-each-ref", "--format=%(refname:strip=2)", "refs/heads/"]);
        out.lines().map(str::to_string).collect()
    }

    /// The files commit `sha` added, changed or deleted, against its first parent (all its
    /// files for a root commit).
    pub fn changed_files(&self, name: &str, sha: &str) -> Vec<String> {
        let out = self.git(
            name,
            &["diff-tree", "--no-commit-id", "--name-only", "-r", "-z", "--root", sha],
        );
        out.split('\0').filter(|p| !p.is_empty()).map(str::to_string).collect()
    }

    /// Install hook `hook` (`pre-receive`, `update`, `post-receive`, ...) in `name`: an
    /// executable `script` starting with `#!`. It runs inside the push, in the bare
    /// repository, with `REMOTE_USER` set; what it prints on stderr reaches the client as
    /// `remote: ...`, and a `pre-receive` that exits non-zero refuses the whole push
    /// (`! [remote rejected] main -> main (pre-receive hook declined)`). [`barrier_hook`]
    /// makes concurrent pushes collide; `sleep 1` in a hook widens a race window.
    pub fn install_hook(&self, name: &str, hook: &str, script: &str) {
        assert!(script.starts_with("#!"), "a hook script needs a #! line");
        let path = self.git_dir(name).join("hooks").join(hook);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(&path, script).unwrap();
        fs_err::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Run `git --git-dir NAME.git ARGS...` (isolated) and return its stdout; panics, showing
    /// stderr, when it fails. For whatever the other methods do not cover (config such as
    /// `receive.denyNonFastForwards`, tags, `branch feature main`).
    pub fn git(&self, name: &str, args: &[&str]) -> String {
        let out = self.run_git(Some(&self.git_dir(name)), args, None);
        String::from_utf8(out.stdout).expect("git output is UTF-8")
    }

    /// Every request the server has answered so far, oldest first (the harness's own
    /// requests and HTTP/2 connection prefaces left out; over TLS git speaks HTTP/2). Exact: it asks the server for a marker request and waits until
    /// that is logged, so every request that ended before this call is in the list. To count
    /// the requests of one step: `let n = server.access_log().len(); ...; &server.access_log()[n..]`.
    pub fn access_log(&self) -> Vec<AccessEntry> {
        let target = format!("/_testenv/sync/{}", self.syncs.fetch_add(1, Ordering::Relaxed));
        http::get(&self.control_addr, &target, &[]);
        let marker = format!("\"path\":\"{target}\"");
        let path = self.workdir.path().join("access.log");
        let deadline = Instant::now() + Duration::from_secs(5);
        let text = loop {
            let text = fs_err::read_to_string(&path).unwrap();
            if text.contains(&marker) {
                break text;
            }
            assert!(
                Instant::now() < deadline,
                "the marker request {target} is not in {} after 5 s",
                path.display()
            );
            std::thread::sleep(Duration::from_millis(1));
        };
        // Only whole lines: a request ending right now may be half-written after the marker.
        text.split_inclusive('\n')
            .filter(|line| line.ends_with('\n'))
            .map(|line| serde_json::from_str::<RawEntry>(line).unwrap_or_else(|e| panic!("access log {line:?}: {e}")))
            // The harness's own requests, and HTTP/2 connection prefaces (lighttpd logs
            // `PRI *` with status 100 for each h2 connection, which curl opens over TLS).
            .filter(|e| !e.path.starts_with("/_testenv/") && e.method != "PRI")
            .map(|e| AccessEntry {
                method: e.method,
                path: e.path,
                query: e.query,
                status: e.status,
                user: Some(e.user).filter(|u| u != "-"),
                user_agent: Some(e.user_agent).filter(|u| u != "-"),
                duration_us: e.duration_us,
            })
            .collect()
    }

    /// The directory holding the config, repositories and logs (`lighttpd-error.log`,
    /// `supervisor.log`, `access.log`); removed on drop, unless the test is failing.
    pub fn workdir(&self) -> &Path {
        self.workdir.path()
    }

    /// The supervisor's (git_http.py) and lighttpd's PIDs (to test that they stop).
    pub fn pids(&self) -> [u32; 2] {
        [self.server.as_ref().map_or(0, Server::pid), self.lighttpd_pid]
    }

    /// `git ARGS` (isolated, identity [`SEED_NAME`]) in `git_dir`; its output, whatever the
    /// exit status.
    fn git_output(&self, git_dir: Option<&Path>, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut cmd = Command::new("git");
        isolate_git(&mut cmd, &self.home())
            .env("GIT_AUTHOR_NAME", SEED_NAME)
            .env("GIT_AUTHOR_EMAIL", SEED_EMAIL)
            .env("GIT_COMMITTER_NAME", SEED_NAME)
            .env("GIT_COMMITTER_EMAIL", SEED_EMAIL)
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = git_dir {
            cmd.arg("--git-dir").arg(dir);
        }
        let mut child = cmd.args(args).spawn().expect("cannot run git");
        if let Some(bytes) = stdin {
            child.stdin.take().unwrap().write_all(bytes).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    fn run_git(&self, git_dir: Option<&Path>, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let out = self.git_output(git_dir, args, stdin);
        assert!(
            out.status.success(),
            "git {} failed ({}):\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn try_git(&self, name: &str, args: &[&str]) -> Output {
        self.git_output(Some(&self.git_dir(name)), args, None)
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        // Dropping the Server closes the supervisor's stdin: it kills lighttpd, reaps it and
        // exits; the Server waits for that.
        drop(self.server.take());
        if std::thread::panicking() {
            self.workdir.disable_cleanup(true);
            eprintln!("testenv: git server files kept in {}", self.workdir.path().display());
        }
        let pid = self.lighttpd_pid;
        // Should lighttpd have outlived its supervisor (no setpriv for the kernel to kill
        // it), kill it by PID, after checking the PID is still lighttpd.
        let cmdline = fs_err::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if process::alive(pid) && String::from_utf8_lossy(&cmdline).contains("lighttpd") {
            eprintln!("testenv: lighttpd (pid {pid}) outlived its supervisor; killing it");
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        }
    }
}
