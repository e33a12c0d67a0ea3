//! Basic auth, the bearer-token flow, and every credential source, against the real
//! registry and token server. No secret may appear in any output.
//!
//! One test drives the library's [`Client`] instead of the binary: that a second repository
//! on a registry known to want tokens skips the `401` needs two repositories in one client,
//! which one `tagbump resolve` run never has.

use tagbump::image::ImageRef;
use tagbump::registry::{Client, ClientOptions, Repository};

use super::{docker_config, resolve, resolve_stdin};
use crate::testenv::{Auth, PASSWORD, PRIVATE_PREFIX, Proxy, ProxyOptions, Registry, RegistryOptions, Seed, USER};

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

/// A token registry with `private/app` (anonymous clients cannot pull it) and the image name.
fn private_repo() -> (Registry, String, crate::testenv::Seeded) {
    let reg = Registry::start(RegistryOptions {
        auth: Auth::Token,
        tls: false,
    });
    let path = format!("{PRIVATE_PREFIX}app");
    let seeded = reg.seed(&path, &Seed::new().tag("1.0.0", T0).tag("1.1.0", T0));
    let image = format!("{}/{path}", reg.addr());
    (reg, image, seeded)
}

#[test]
fn identity_token_from_docker_config_is_exchanged_at_the_realm() {
    let (reg, image, seeded) = private_repo();
    // anonymous: the registry refuses the anonymous token
    let run = resolve(&[&image], &[]);
    run.code(5);
    assert!(
        run.stderr().contains(&format!(
            "{}: requires a token for repository:{PRIVATE_PREFIX}app:pull, and no credentials were found",
            reg.addr()
        )),
        "{}",
        run.stderr()
    );
    let before = reg.token_log().len();

    // docker login's identitytoken: one OAuth2 refresh-token grant serves the run
    let identity = reg.identity_token();
    let dir = tempfile::tempdir().unwrap();
    let cfg = docker_config(
        dir.path(),
        &format!(r#"{{"auths":{{"{}":{{"identitytoken":"{identity}"}}}}}}"#, reg.addr()),
    );
    let run = resolve(&[&image, "--digest", "--trace-http"], &[("DOCKER_CONFIG", &cfg)]);
    assert_eq!(run.code(0), format!("{image}:1.1.0@{}", seeded.digest("1.1.0")));
    no_secret(&run, &[&identity]);
    let log = reg.token_log();
    let grants: Vec<_> = log[before..]
        .iter()
        .map(|r| {
            (
                r.method.as_str(),
                r.grant_type.as_deref(),
                r.client_id.as_deref(),
                r.user.as_deref(),
                r.status,
            )
        })
        .collect();
    assert_eq!(
        grants,
        [("POST", Some("refresh_token"), Some("tagbump"), Some(USER), 200)],
        "{log:?}"
    );
    assert_eq!(log[before].scopes, [format!("repository:{PRIVATE_PREFIX}app:pull")]);
    assert_eq!(log[before].service.as_deref(), Some("test-registry"));

    // an identity token the token server never issued: refused, naming the config file
    let wrong = "rt-0123456789abcdef-not-issued";
    let cfg = docker_config(
        dir.path(),
        &format!(r#"{{"auths":{{"{}":{{"identitytoken":"{wrong}"}}}}}}"#, reg.addr()),
    );
    let run = resolve(&[&image, "--trace-http"], &[("DOCKER_CONFIG", &cfg)]);
    refused(
        &run,
        &format!(
            "{}: token server {} rejected the credentials from {} (HTTP 401)",
            reg.addr(),
            reg.token_realm().unwrap(),
            dir.path().join("config.json").display()
        ),
        wrong,
    );
    assert_eq!(run.stdout(), "");
    let last = reg.token_log().pop().unwrap();
    assert_eq!((last.grant_type.as_deref(), last.status), (Some("refresh_token"), 401));
}

#[test]
fn a_static_bearer_token_is_sent_as_is() {
    let (reg, image, seeded) = private_repo();
    let token = reg.bearer_token(&format!("repository:{PRIVATE_PREFIX}app:pull"));
    let run = resolve(
        &[&image, "--digest", "--trace-http", "--explain"],
        &[("TAGBUMP_REGISTRY_TOKEN", &token)],
    );
    assert_eq!(run.code(0), format!("{image}:1.1.0@{}", seeded.digest("1.1.0")));
    assert_eq!(reg.token_log().len(), 0, "tagbump asked the token server for nothing");
    // sent from the first request on: no 401 to learn from
    assert!(
        run.stderr()
            .contains("requests: 2 to the registry, 0 to its token server, 0 retries"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains(&format!(
            "http: GET http://{}/v2/{PRIVATE_PREFIX}app/tags/list?n=1000 -> 200",
            reg.addr()
        )),
        "{}",
        run.stderr()
    );
    // the JWT, and each of its parts (the signature alone is a secret too)
    let mut secrets = vec![token.as_str()];
    secrets.extend(token.split('.'));
    no_secret(&run, &secrets);
}

#[test]
fn a_second_repository_gets_its_token_without_a_401() {
    let reg = Registry::start(RegistryOptions {
        auth: Auth::Token,
        tls: false,
    });
    reg.seed("team/a", &Seed::new().tag("1.0.0", T0));
    reg.seed("team/b", &Seed::new().tag("2.0.0", T0));
    let proxy = Proxy::start(reg.addr(), ProxyOptions::default());
    let repo = |path: &str| Repository::of(&ImageRef::parse(&format!("{}/{path}", proxy.addr())).unwrap());
    let client = Client::new(ClientOptions::default()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // the first repository: a 401 teaches the client the registry wants tokens
    assert_eq!(runtime.block_on(client.tags(&repo("team/a"))).unwrap(), ["1.0.0"]);
    let statuses = |stats: crate::testenv::Stats| -> Vec<(Option<u16>, bool)> {
        stats.requests.iter().map(|r| (r.status, r.authorization)).collect()
    };
    assert_eq!(statuses(proxy.stats()), [(Some(401), false), (Some(200), true)]);

    // the second: its token is fetched first, and the registry never answers 401
    proxy.clear_stats();
    assert_eq!(runtime.block_on(client.tags(&repo("team/b"))).unwrap(), ["2.0.0"]);
    assert_eq!(statuses(proxy.stats()), [(Some(200), true)]);
    let scopes: Vec<_> = reg.token_log().into_iter().map(|r| r.scopes).collect();
    assert_eq!(scopes, [["repository:team/a:pull"], ["repository:team/b:pull"]]);
    let counts = client.requests();
    assert_eq!((counts.registry, counts.token, counts.retries), (3, 2, 0));
}
