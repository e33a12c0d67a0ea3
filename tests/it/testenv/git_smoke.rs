//! Smoke tests of the git server: real git clients against it, so that the `tagbump update`
//! tests can rely on what they assume (the token in the environment works and leaves no
//! trace, a wrong one is refused, TLS needs the CA through `GIT_SSL_CAINFO`, concurrent
//! pushes from one base let exactly one through, hooks refuse pushes, the access log counts
//! requests without secrets). They also pin the exact messages git prints in each case,
//! which is what tagbump's push retry has to recognise.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::process::{alive, python, script};
use super::smoke::gone;
use super::*;

const KUSTOMIZATION: &str = "images:\n  - name: ghcr.io/acme/shop\n    newTag: \"1.4.0\"\n";

fn output(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("cannot run git")
}

/// Run `cmd`; panic with its stderr unless it succeeds; its stdout.
fn ok(cmd: &mut Command) -> String {
    let out = output(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Run `cmd`; panic unless it fails; its stderr.
fn fails(cmd: &mut Command) -> String {
    let out = output(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{cmd:?} succeeded:\n{stderr}");
    stderr
}

/// A server with repository `app` whose `main` holds a kustomization and a README.
fn server_with_app(opts: GitOptions) -> (GitServer, String) {
    let server = GitServer::start(opts);
    server.create_repo("app");
    let files = [
        ("apps/shop/kustomization.yaml", KUSTOMIZATION),
        ("README.md", "config repo\n"),
    ];
    let base = server.seed("app", "main", &files, "initial config");
    (server, base)
}

/// Clone `app` into `dir/name` as [`GitServer::client`] and commit `file` there.
fn clone_and_commit(server: &GitServer, dir: &Path, name: &str, file: &str) -> std::path::PathBuf {
    ok(server.client(dir).args(["clone", "-q", &server.repo_url("app"), name]));
    let work = dir.join(name);
    fs_err::write(work.join(file), format!("{name}\n")).unwrap();
    ok(server.client(&work).args(["add", file]));
    ok(server
        .client(&work)
        .args(["commit", "-q", "-m", &format!("{name}: add {file}")]));
    work
}

#[test]
fn git_clone_and_push_with_the_token_in_the_environment() {
    let t0 = Instant::now();
    let server = GitServer::start(GitOptions::default());
    let started = t0.elapsed();
    assert!(server.url().starts_with("http://127.0.0.1:"), "{}", server.url());
    assert!(server.url().ends_with("/git"));
    assert_eq!(server.repo_url("app"), format!("{}/app.git", server.url()));
    assert_eq!(server.token(), TOKEN);
    assert!(server.ca_file().is_none());
    server.create_repo("app");
    assert_eq!(server.head("app", "main"), None);
    assert_eq!(server.branches("app"), Vec::<String>::new());
    let t1 = Instant::now();
    let base = server.seed(
        "app",
        "main",
        &[
            ("apps/shop/kustomization.yaml", KUSTOMIZATION),
            ("README.md", "config repo\n"),
        ],
        "initial config\n\nTwo files.",
    );
    let seeded = t1.elapsed();
    let seed_commit = &server.log("app", "main")[0];
    assert_eq!(seed_commit.sha, base);
    assert_eq!(
        (seed_commit.subject.as_str(), seed_commit.body.as_str()),
        ("initial config", "Two files.")
    );
    assert_eq!(
        (seed_commit.author_name.as_str(), seed_commit.author_email.as_str()),
        (SEED_NAME, SEED_EMAIL)
    );
    assert!(seed_commit.parents.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let t2 = Instant::now();
    ok(server
        .client(dir.path())
        .args(["clone", "-q", &server.repo_url("app"), "work"]));
    let cloned = t2.elapsed();
    let work = dir.path().join("work");
    let file = work.join("apps/shop/kustomization.yaml");
    assert_eq!(fs_err::read_to_string(&file).unwrap(), KUSTOMIZATION);
    // The token was only in the environment: not in the clone's config, nor its remote URL.
    let config = fs_err::read_to_string(work.join(".git/config")).unwrap();
    assert!(!config.contains(TOKEN) && !config.contains("Authorization"), "{config}");

    let bumped = KUSTOMIZATION.replace("1.4.0", "1.5.0");
    fs_err::write(&file, &bumped).unwrap();
    ok(server.client(&work).args(["commit", "-q", "-am", "shop: 1.5.0"]));
    let t3 = Instant::now();
    ok(server.client(&work).args(["push", "-q", "origin", "main"]));
    let pushed = t3.elapsed();
    let local = ok(server.client(&work).args(["rev-parse", "HEAD"]));
    eprintln!("git server started in {started:.2?}; seeded in {seeded:.2?}; clone {cloned:.2?}; push {pushed:.2?}");

    assert_eq!(server.head("app", "main").as_deref(), Some(local.trim()));
    assert_eq!(
        server.read_file("app", "main", "apps/shop/kustomization.yaml"),
        Some(bumped)
    );
    assert_eq!(
        server.read_file("app", "main", "README.md").as_deref(),
        Some("config repo\n")
    );
    assert_eq!(server.read_file("app", "main", "missing.yaml"), None);
    assert_eq!(server.read_file("app", "nope", "README.md"), None);
    let log = server.log("app", "main");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].subject, "shop: 1.5.0");
    assert_eq!(log[0].body, "");
    assert_eq!(
        (log[0].author_name.as_str(), log[0].committer_email.as_str()),
        (CLIENT_NAME, CLIENT_EMAIL)
    );
    assert_eq!(log[0].parents, [base]);
    assert_eq!(
        server.changed_files("app", &log[0].sha),
        ["apps/shop/kustomization.yaml"]
    );
    assert_eq!(server.branches("app"), ["main"]);

    // GitLab's user name works with the same token.
    let oauth2 = extra_header_env(&auth_header("oauth2", TOKEN));
    let refs = ok(server
        .client(dir.path())
        .envs(oauth2)
        .args(["ls-remote", &server.repo_url("app")]));
    assert!(refs.contains("refs/heads/main"), "{refs}");

    let entries = server.access_log();
    let summary: Vec<(&str, Option<&str>, u16, Option<&str>)> = entries
        .iter()
        .map(|e| (e.method.as_str(), e.service(), e.status, e.user.as_deref()))
        .collect();
    let (user, upload, receive) = (
        Some("x-access-token"),
        Some("git-upload-pack"),
        Some("git-receive-pack"),
    );
    // Protocol v2 (git >= 2.26) for fetches: capabilities, then ls-refs, then fetch.
    assert_eq!(
        summary,
        [
            ("GET", upload, 200, user),            // clone: capabilities
            ("POST", upload, 200, user),           // clone: ls-refs
            ("POST", upload, 200, user),           // clone: fetch
            ("GET", receive, 200, user),           // push: refs
            ("POST", receive, 200, user),          // push: pack and ref update
            ("GET", upload, 200, Some("oauth2")),  // ls-remote: capabilities
            ("POST", upload, 200, Some("oauth2")), // ls-remote: ls-refs
        ]
    );
    assert_eq!(entries.iter().filter(|e| e.is_push()).count(), 1);
    assert!(entries[0].path.starts_with("/git/app.git/"), "{:?}", entries[0]);
    assert!(entries[0].user_agent.as_deref().unwrap().starts_with("git/"));
    let raw = fs_err::read_to_string(server.workdir().join("access.log")).unwrap();
    let secret = auth_header("x-access-token", TOKEN);
    let encoded = secret.rsplit(' ').next().unwrap();
    assert!(
        !raw.contains(TOKEN) && !raw.contains(encoded),
        "a secret in the access log:\n{raw}"
    );
}

#[test]
fn git_wrong_or_missing_token_is_refused_with_401() {
    let (server, _) = server_with_app(GitOptions {
        token: Some("another-token".into()),
        tls: false,
    });
    assert_eq!(server.token(), "another-token");
    let dir = tempfile::tempdir().unwrap();
    let url = server.repo_url("app");
    let host = server.addr();
    assert!(url.starts_with(&format!("http://{host}/git/")), "{url}");

    // A refused http.extraHeader: git asks for a user name, which it may not prompt for.
    let wrong = extra_header_env(&auth_header("x-access-token", TOKEN));
    let stderr = fails(server.client(dir.path()).envs(wrong).args(["ls-remote", &url]));
    let expected = format!("fatal: could not read Username for 'http://{host}': terminal prompts disabled");
    assert!(stderr.contains(&expected), "{stderr}");
    // No credentials at all: the same.
    let anonymous = || {
        let mut cmd = Command::new("git");
        server.isolate(&mut cmd);
        cmd
    };
    assert!(fails(anonymous().args(["ls-remote", &url])).contains(&expected));
    // Refused credentials in the URL: "Authentication failed", the URL shown without them.
    let in_url = url.replace("http://", "http://x-access-token:wrong@");
    let stderr = fails(anonymous().args(["ls-remote", &in_url]));
    assert!(
        stderr.contains(&format!("fatal: Authentication failed for '{url}/'")),
        "{stderr}"
    );
    // The right token under a user name the server does not know.
    let stranger = extra_header_env(&auth_header("someone", "another-token"));
    assert!(fails(server.client(dir.path()).envs(stranger).args(["ls-remote", &url])).contains(&expected));
    // The token the server knows.
    let right = extra_header_env(&server.auth_header());
    assert!(ok(server.client(dir.path()).envs(right).args(["ls-remote", &url])).contains("refs/heads/main"));

    // Raw HTTP: 401 with a Basic challenge, at once (lighttpd's 1 s delay for wrong passwords is off).
    let target = "/git/app.git/info/refs?service=git-upload-pack";
    let t0 = Instant::now();
    let header = auth_header("x-access-token", "bad");
    let value = header.strip_prefix("Authorization: ").unwrap();
    let r = get(host, target, &[("Authorization", value)]);
    assert_eq!(r.status, 401);
    assert!(t0.elapsed() < Duration::from_millis(500), "401 took {:?}", t0.elapsed());
    assert_eq!(
        r.header("WWW-Authenticate"),
        Some("Basic realm=\"git\", charset=\"UTF-8\"")
    );

    let entries = server.access_log();
    let statuses: Vec<(u16, Option<&str>)> = entries.iter().map(|e| (e.status, e.user.as_deref())).collect();
    let (refused, user) = ((401, None), Some("x-access-token"));
    assert_eq!(
        statuses,
        [
            refused,     // wrong token in http.extraHeader
            refused,     // no credentials
            refused,     // credentials in the URL: git tries without them first,
            refused,     // then with them
            refused,     // unknown user
            (200, user), // the right token: capabilities
            (200, user), // ls-refs
            refused,     // raw GET
        ]
    );
    let raw = fs_err::read_to_string(server.workdir().join("access.log")).unwrap();
    assert!(
        !raw.contains("another-token") && !raw.contains("wrong") && !raw.contains(TOKEN),
        "{raw}"
    );
}

#[test]
fn git_tls_clone_trusts_the_ca_through_git_ssl_cainfo() {
    let t0 = Instant::now();
    let (server, base) = server_with_app(GitOptions { token: None, tls: true });
    eprintln!("TLS git server started and seeded in {:.2?}", t0.elapsed());
    assert!(server.url().starts_with("https://127.0.0.1:"), "{}", server.url());
    let ca = server.ca_file().expect("a CA with TLS");
    let dir = tempfile::tempdir().unwrap();
    let url = server.repo_url("app");

    // client() sets GIT_SSL_CAINFO to the CA.
    ok(server.client(dir.path()).args(["clone", "-q", &url, "work"]));
    let head = ok(server.client(&dir.path().join("work")).args(["rev-parse", "HEAD"]));
    assert_eq!(head.trim(), base);
    // DNS:localhost is in the certificate too.
    let localhost = url.replace("127.0.0.1", "localhost");
    assert!(ok(server.client(dir.path()).args(["ls-remote", &localhost])).contains(&base));

    // GIT_SSL_CAINFO beats -c http.sslCAInfo: with it naming another CA, the right CA in
    // -c does not help.
    let other = dir.path().join("other-ca.pem");
    let key = dir.path().join("other-ca.key");
    let mut openssl = Command::new("openssl");
    openssl.args([
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ]);
    openssl
        .args(["-subj", "/CN=another CA", "-days", "1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&other);
    ok(&mut openssl);
    let mut cmd = server.client(dir.path());
    cmd.env("GIT_SSL_CAINFO", &other)
        .arg("-c")
        .arg(format!("http.sslCAInfo={}", ca.display()))
        .args(["ls-remote", &url]);
    let stderr = fails(&mut cmd);
    // libcurl with GnuTLS (Debian's git) | with OpenSSL.
    let untrusted = ["server certificate verification failed", "SSL certificate problem"];
    assert!(untrusted.iter().any(|m| stderr.contains(m)), "{stderr}");
    // Without the variable, -c http.sslCAInfo works.
    let mut cmd = server.client(dir.path());
    cmd.env_remove("GIT_SSL_CAINFO")
        .arg("-c")
        .arg(format!("http.sslCAInfo={}", ca.display()))
        .args(["ls-remote", &url]);
    assert!(ok(&mut cmd).contains(&base));
    let log = server.access_log();
    assert!(log.iter().all(|e| e.status == 200 && e.user.is_some()), "{log:#?}");
}

/// What a push that lost a race prints, by the moment it lost.
#[derive(Debug, PartialEq)]
enum Lost {
    /// It read the refs after the winner's update: "! [rejected] main -> main (fetch first)".
    FetchFirst,
    /// It read the refs before, and the winner updated the branch while it sent its pack:
    /// "cannot lock ref 'refs/heads/main': is at X but expected Y" and "! [remote rejected]
    /// main -> main (failed to update ref)".
    FailedToUpdateRef,
}

fn lost(stderr: &str) -> Lost {
    if stderr.contains("! [rejected]        main -> main (fetch first)") {
        Lost::FetchFirst
    } else if stderr.contains("! [remote rejected] main -> main (failed to update ref)")
        && stderr.contains("cannot lock ref 'refs/heads/main': is at ")
    {
        Lost::FailedToUpdateRef
    } else {
        panic!("a push failed some other way:\n{stderr}")
    }
}

#[test]
fn git_concurrent_pushes_from_one_base_let_exactly_one_through() {
    let (server, base) = server_with_app(GitOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let a = clone_and_commit(&server, dir.path(), "a", "a.txt");
    let b = clone_and_commit(&server, dir.path(), "b", "b.txt");
    // Both pushes wait in pre-receive until both are there: both read the refs at `base`.
    server.install_hook("app", "pre-receive", &barrier_hook(2));
    let before = server.access_log().len();
    let srv = &server;
    let outputs: Vec<Output> = std::thread::scope(|s| {
        let pushes: Vec<_> = [&a, &b]
            .map(|work| s.spawn(move || output(srv.client(work).args(["push", "origin", "main"]))))
            .into_iter()
            .collect();
        pushes.into_iter().map(|p| p.join().unwrap()).collect()
    });
    let won: Vec<bool> = outputs.iter().map(|o| o.status.success()).collect();
    assert_eq!(won.iter().filter(|&&w| w).count(), 1, "{outputs:?}");
    let (winner, loser) = if won[0] { (&a, &b) } else { (&b, &a) };
    let loser_out = &outputs[usize::from(won[0])];
    assert_eq!(
        lost(&String::from_utf8_lossy(&loser_out.stderr)),
        Lost::FailedToUpdateRef
    );
    let winner_head = ok(server.client(winner).args(["rev-parse", "HEAD"]));
    assert_eq!(server.head("app", "main").as_deref(), Some(winner_head.trim()));
    assert_eq!(server.log("app", "main")[0].parents, [base]);
    let pushes = server.access_log()[before..].iter().filter(|e| e.is_push()).count();
    assert_eq!(
        pushes, 2,
        "both pushes sent their pack (both answered 200: refusals are in the body)"
    );

    // Pushing the same commit again: the refs now say the branch moved.
    let stderr = fails(server.client(loser).args(["push", "origin", "main"]));
    assert_eq!(lost(&stderr), Lost::FetchFirst);
    assert!(stderr.contains("hint: Updates were rejected because the remote contains work that you do not"));
    // After a fetch without a rebase, git knows the remote commit: non-fast-forward.
    ok(server.client(loser).args(["fetch", "-q", "origin"]));
    let stderr = fails(server.client(loser).args(["push", "origin", "main"]));
    assert!(
        stderr.contains("! [rejected]        main -> main (non-fast-forward)"),
        "{stderr}"
    );
    // Rebased onto the winner, it goes through.
    ok(server.client(loser).args(["rebase", "-q", "origin/main"]));
    ok(server.client(loser).args(["push", "-q", "origin", "main"]));
    let log = server.log("app", "main");
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].parents, [winner_head.trim()]);
}

/// 20 clients push from one base at once (the scale of tagbump's `update` race test):
/// exactly one gets through, every other one is refused in one of the two ways a retry has to
/// recognise, and the server answers every request (no 5xx, no hang).
#[test]
fn git_twenty_concurrent_pushes_let_exactly_one_through() {
    const N: usize = 20;
    let (server, base) = server_with_app(GitOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let clones: Vec<_> = (0..N)
        .map(|i| clone_and_commit(&server, dir.path(), &format!("c{i}"), &format!("f{i}.txt")))
        .collect();
    let before = server.access_log().len();
    let srv = &server;
    let t0 = Instant::now();
    let outputs: Vec<Output> = std::thread::scope(|s| {
        let pushes: Vec<_> = clones
            .iter()
            .map(|work| s.spawn(move || output(srv.client(work).args(["push", "origin", "main"]))))
            .collect();
        pushes.into_iter().map(|p| p.join().unwrap()).collect()
    });
    let elapsed = t0.elapsed();
    assert_eq!(outputs.iter().filter(|o| o.status.success()).count(), 1);
    let (mut fetch_first, mut failed_to_update) = (0, 0);
    for o in outputs.iter().filter(|o| !o.status.success()) {
        match lost(&String::from_utf8_lossy(&o.stderr)) {
            Lost::FetchFirst => fetch_first += 1,
            Lost::FailedToUpdateRef => failed_to_update += 1,
        }
    }
    eprintln!(
        "{N} concurrent pushes in {elapsed:.2?}; losers: {fetch_first} fetch first, {failed_to_update} failed to update ref"
    );
    let log = server.log("app", "main");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].parents, [base]);
    let requests = &server.access_log()[before..];
    assert!(requests.iter().all(|e| e.status == 200), "{requests:#?}");
    // Every push that read the refs before the winner's update sent its pack.
    assert_eq!(requests.iter().filter(|e| e.is_push()).count(), N - fetch_first);
}

#[test]
fn git_hooks_refuse_pushes_and_see_the_user() {
    let (server, base) = server_with_app(GitOptions::default());
    // GitHub's message for a protected branch, from a pre-receive hook.
    let hook = r#"#!/bin/sh
echo "user=$REMOTE_USER" >&2
while read -r old new ref; do
  if [ "$ref" = refs/heads/main ]; then
    echo "error: GH006: Protected branch update failed for $ref." >&2
    exit 1
  fi
done
"#;
    server.install_hook("app", "pre-receive", hook);
    let dir = tempfile::tempdir().unwrap();
    let work = clone_and_commit(&server, dir.path(), "work", "x.txt");
    let stderr = fails(server.client(&work).args(["push", "origin", "main"]));
    assert!(stderr.contains("remote: user=x-access-token"), "{stderr}");
    assert!(stderr.contains("remote: error: GH006: Protected branch update failed for refs/heads/main."));
    assert!(stderr.contains("! [remote rejected] main -> main (pre-receive hook declined)"));
    assert_eq!(server.head("app", "main").as_deref(), Some(base.as_str()));
    // Another branch is not protected.
    ok(server
        .client(&work)
        .args(["push", "-q", "origin", "HEAD:refs/heads/tagbump/shop-1.5.0"]));
    assert_eq!(server.branches("app"), ["main", "tagbump/shop-1.5.0"]);
    assert_eq!(
        server.read_file("app", "tagbump/shop-1.5.0", "x.txt").as_deref(),
        Some("work\n")
    );
    // seed() on a branch that exists builds on it.
    let next = server.seed("app", "tagbump/shop-1.5.0", &[("y.txt", "y\n")], "more");
    assert_eq!(server.log("app", "tagbump/shop-1.5.0")[0].sha, next);
    assert_eq!(
        server.read_file("app", "tagbump/shop-1.5.0", "x.txt").as_deref(),
        Some("work\n")
    );
    // git() reaches everything else.
    server.git("app", &["config", "receive.denyNonFastForwards", "true"]);
    assert_eq!(server.git("app", &["config", "receive.denyNonFastForwards"]), "true\n");
}

#[test]
fn git_server_drop_stops_every_process_and_removes_the_workdir() {
    let (server, _) = server_with_app(GitOptions { token: None, tls: true });
    let pids = server.pids();
    let workdir = server.workdir().to_path_buf();
    assert!(pids.iter().all(|&p| alive(p)), "{pids:?}");
    drop(server);
    for pid in pids {
        assert!(gone(pid), "pid {pid} still running");
    }
    assert!(!workdir.exists());
}

/// A test process that dies without dropping the server leaves nothing: here the parent is
/// a shell that exits while the server runs.
#[test]
fn git_server_whose_parent_dies_stops_and_removes_its_workdir() {
    let dir = tempfile::Builder::new()
        .prefix("tagbump-git-orphan-")
        .tempdir()
        .unwrap();
    let (ready, pidfile) = (dir.path().join("ready.json"), dir.path().join("supervisor.pid"));
    let shell = format!(
        "{} {} --workdir {} --remove-if-orphaned >{} 2>/dev/null & echo $! >{}; sleep 1",
        python().display(),
        script("git_http.py").display(),
        dir.path().display(),
        ready.display(),
        pidfile.display()
    );
    let mut sh = Command::new("sh")
        .args(["-c", &shell])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let line = loop {
        let text = fs_err::read_to_string(&ready).unwrap_or_default();
        if text.ends_with('\n') {
            break text;
        }
        assert!(Instant::now() < deadline, "git_http.py did not start");
        std::thread::sleep(Duration::from_millis(20));
    };
    let lighttpd_pid = serde_json::from_str::<serde_json::Value>(&line).unwrap()["pid"]
        .as_u64()
        .unwrap() as u32;
    let supervisor_pid: u32 = fs_err::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    assert!(alive(lighttpd_pid) && alive(supervisor_pid));
    sh.wait().unwrap();
    assert!(gone(supervisor_pid), "git_http.py outlived the process that started it");
    assert!(gone(lighttpd_pid), "lighttpd outlived its supervisor");
    assert!(!dir.path().exists(), "the orphaned server removes its workdir");
}

/// Without lighttpd the tests fail (never skip), saying how to install it.
#[test]
fn git_server_without_lighttpd_fails_with_the_install_hint() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(python())
        .arg(script("git_http.py"))
        .arg("--workdir")
        .arg(dir.path())
        .env("TAGBUMP_TESTENV_LIGHTTPD", "/nonexistent/lighttpd")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no ready line");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("lighttpd not found"), "{stderr}");
    assert!(stderr.contains("hint: run scripts/testenv/install.sh"), "{stderr}");
}
