//! Basic auth, the bearer-token flow, and every credential source, against the real
//! registry and token server. No secret may appear in any output.

use super::{docker_config, resolve, resolve_stdin};
use crate::testenv::{Auth, PASSWORD, Registry, RegistryOptions, Seed, USER};

const T0: &str = "2024-01-01T00:00:00Z";

fn seeded(auth: Auth) -> (Registry, String) {
    let reg = Registry::start(RegistryOptions { auth, tls: false });
    reg.seed("team/app", &Seed::new().tag("1.0.0", T0).tag("1.1.0", T0));
    let image = format!("{}/team/app", reg.addr());
    (reg, image)
}

#[track_caller]
fn no_secret(run: &super::Run, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !run.stdout().contains(s) && !run.stderr().contains(s),
            "{s} leaked:\n{}\n{}",
            run.stdout(),
            run.stderr()
        );
    }
}

/// Exit 5 with `message`, and `secret` nowhere in the output.
#[track_caller]
fn refused(run: &super::Run, message: &str, secret: &str) {
    run.code(5);
    assert!(run.stderr().contains(message), "{}", run.stderr());
    no_secret(run, &[secret]);
}

#[test]
fn basic_auth_from_each_source() {
    let (reg, image) = seeded(Auth::Basic);
    let want = format!("{image}:1.1.0");
    // none: a clear error with a hint
    let run = resolve(&[&image], &[]);
    run.code(5);
    let err = run.stderr();
    assert!(
        err.contains(&format!(
            "{}: requires a username and password, and no credentials were found",
            reg.addr()
        )),
        "{err}"
    );
    assert!(err.contains("hint: run `docker login"), "{err}");
    // explicit: username flag + password from the environment or stdin
    let run = resolve(
        &[&image, "--registry-username", USER, "--trace-http"],
        &[("TAGBUMP_REGISTRY_PASSWORD", PASSWORD)],
    );
    assert_eq!(run.code(0), want);
    no_secret(&run, &[PASSWORD, "dGVzdHVzZXI6dGVzdHBhc3M="]);
    let run = resolve_stdin(
        &[&image, "--registry-username", USER, "--registry-password-stdin"],
        &[],
        Some("testpass\n"),
    );
    assert_eq!(run.code(0), want);
    // docker config.json auths
    let dir = tempfile::tempdir().unwrap();
    let cfg = docker_config(
        dir.path(),
        &format!(
            r#"{{"auths":{{"{}":{{"auth":"dGVzdHVzZXI6dGVzdHBhc3M="}}}}}}"#,
            reg.addr()
        ),
    );
    let run = resolve(&[&image], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(run.code(0), want);
    // a wrong password: refused, the source named, nothing leaked
    let run = resolve(
        &[&image, "--registry-username", USER, "--trace-http"],
        &[("TAGBUMP_REGISTRY_PASSWORD", "wrong-secret-123")],
    );
    refused(
        &run,
        "rejected the credentials from explicit credentials (HTTP 401)",
        "wrong-secret-123",
    );
}

#[test]
fn credential_helper_programs_are_run() {
    let (reg, image) = seeded(Auth::Basic);
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    fs_err::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-testhelper");
    let seen = dir.path().join("asked");
    fs_err::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 3\ncat > '{}'\necho '{{\"ServerURL\":\"x\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}'\n",
            seen.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    fs_err::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let cfg = docker_config(
        dir.path(),
        &format!(r#"{{"credHelpers":{{"{}":"testhelper"}}}}"#, reg.addr()),
    );
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let run = resolve(&[&image, "--trace-http"], &[("DOCKER_CONFIG", &cfg), ("PATH", &path)]);
    assert_eq!(run.code(0), format!("{image}:1.1.0"));
    assert_eq!(
        fs_err::read_to_string(&seen).unwrap(),
        reg.addr(),
        "the helper is asked for the registry host"
    );
    no_secret(&run, &[PASSWORD]);
}

#[test]
fn token_flow_anonymous_and_with_credentials() {
    let (reg, image) = seeded(Auth::Token);
    let run = resolve(&[&image, "--digest"], &[]);
    run.code(0);
    // one token for the repository's pull scope, reused for the tag list and the HEAD
    let log = reg.token_log();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].scopes, ["repository:team/app:pull"]);
    assert_eq!(log[0].service.as_deref(), Some("test-registry"));
    assert_eq!(log[0].user, None);
    // with credentials, the token request carries them
    let run = resolve(
        &[&image, "--registry-username", USER, "--trace-http"],
        &[("TAGBUMP_REGISTRY_PASSWORD", PASSWORD)],
    );
    assert_eq!(run.code(0), format!("{image}:1.1.0"));
    no_secret(&run, &[PASSWORD]);
    let log = reg.token_log();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[1].user.as_deref(), Some(USER));
    // bad credentials are refused by the token server
    let run = resolve(
        &[&image, "--registry-username", USER],
        &[("TAGBUMP_REGISTRY_PASSWORD", "nope-nope")],
    );
    run.code(5);
    assert!(
        run.stderr()
            .contains("rejected the credentials from explicit credentials (HTTP 401)"),
        "{}",
        run.stderr()
    );
    // a static bearer token the registry does not accept
    let run = resolve(&[&image], &[("TAGBUMP_REGISTRY_TOKEN", "not-a-jwt")]);
    refused(&run, "rejected the credentials from explicit credentials", "not-a-jwt");
}

#[test]
fn one_token_serves_every_request_of_a_run() {
    let (reg, image) = seeded(Auth::Token);
    // newest-build lists tags, then reads manifests and configs: all under one pull scope
    let run = resolve(&[&image, "--policy", "newest-build", "--explain"], &[]);
    run.code(0);
    assert!(run.stderr().contains("to its token server"), "{}", run.stderr());
    let log = reg.token_log();
    assert_eq!(
        log.len(),
        1,
        "one token serves the tag list, manifests and configs: {log:?}"
    );
}
