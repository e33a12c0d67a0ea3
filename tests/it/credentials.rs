//! Registry credential lookup end to end: a real docker config on disk and real
//! `docker-credential-*` programs (shell scripts speaking the helper protocol) on the PATH
//! given to the lookup. Every helper logs its argument and the exact bytes it read from stdin,
//! so the tests also check what tagbump sent.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use tagbump::registry::credential::{Credential, Source};
use tagbump::registry::credentials::{CredentialEnv, CredentialError, Credentials, HelperFailure};
use tagbump::registry::secret::Secret;

/// Every secret value any test uses; none may appear in a formatted value or error.
const SECRETS: [&str; 10] = [
    "pw-explicit",
    "pw-per-registry",
    "pw-store",
    "pw-auths",
    "gh-token-value",
    "refresh-from-helper",
    "refresh-from-auths",
    "bearer-from-auths",
    "pw-garbled",
    "pw-in-failure",
];

struct Fixture {
    dir: tempfile::TempDir,
    github_token: Option<&'static str>,
    explicit: Vec<(String, Credential)>,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs_err::create_dir_all(dir.path().join("bin")).unwrap();
        fs_err::create_dir_all(dir.path().join("docker")).unwrap();
        Self {
            dir,
            github_token: None,
            explicit: Vec::new(),
        }
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("docker/config.json")
    }

    fn config(self, json: &str) -> Self {
        fs_err::write(self.config_path(), json).unwrap();
        self
    }

    /// A `docker-credential-<name>` script: it logs `<arg>:<stdin>` and then runs `body`.
    fn helper(self, name: &str, body: &str) -> Self {
        let log = self.log_path(name);
        let script = format!(
            "#!/bin/sh\nprintf '%s:' \"$1\" >> '{log}'\ncat >> '{log}'\nprintf '\\n' >> '{log}'\n{body}\n",
            log = log.display()
        );
        let path = self.dir.path().join("bin").join(format!("docker-credential-{name}"));
        fs_err::write(&path, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs_err::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        self
    }

    /// A helper that answers every `get` with these credentials.
    fn answering(self, name: &str, username: &str, secret: &str) -> Self {
        let body = format!(r#"printf '{{"ServerURL":"ignored","Username":"{username}","Secret":"{secret}"}}\n'"#);
        self.helper(name, &body)
    }

    /// A helper that holds nothing, answering as docker's helpers do.
    fn not_found(self, name: &str) -> Self {
        self.helper(name, "echo 'credentials not found in native keychain'; exit 1")
    }

    fn github_token(mut self, token: &'static str) -> Self {
        self.github_token = Some(token);
        self
    }

    fn explicit(mut self, registry: &str, credential: Credential) -> Self {
        self.explicit.push((registry.to_string(), credential));
        self
    }

    fn log_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.log"))
    }

    /// What helper `name` was sent, one `<arg>:<stdin>` line per run.
    fn log(&self, name: &str) -> String {
        fs_err::read_to_string(self.log_path(name)).unwrap_or_default()
    }

    fn env(&self) -> CredentialEnv {
        let path = format!("{}:/usr/bin:/bin", self.dir.path().join("bin").display());
        CredentialEnv {
            docker_config: Some(self.dir.path().join("docker")),
            home: None,
            path: Some(path.into()),
            github_token: self.github_token.map(Secret::new),
            github_actor: None,
        }
    }

    fn load(&self) -> Credentials {
        Credentials::load(self.env(), self.explicit.clone()).unwrap()
    }
}

fn basic(username: &str, password: &str) -> Credential {
    Credential::Basic {
        username: username.into(),
        password: Secret::new(password),
    }
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// Fail if any formatting of `value` shows a secret.
fn assert_no_secret(value: &impl std::fmt::Debug) {
    for text in [format!("{value:?}"), format!("{value:#?}")] {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
}

fn assert_error_has_no_secret(err: &CredentialError) {
    assert_no_secret(err);
    let mut chain = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = source {
        chain += &format!("{e}\n");
        source = e.source();
    }
    for secret in SECRETS {
        assert!(!chain.contains(secret), "{secret} leaked: {chain}");
    }
}

#[test]
fn precedence_explicit_helpers_store_auths_github_token() {
    let f = Fixture::new()
        .config(&format!(
            r#"{{
                "credHelpers": {{"ghcr.io": "per", "plain.io": ""}},
                "credsStore": "store",
                "auths": {{
                    "ghcr.io": {{"auth": "{a}"}},
                    "quay.io": {{"auth": "{a}"}},
                    "plain.io": {{"auth": "{a}"}}
                }}
            }}"#,
            a = b64("auths-user:pw-auths")
        ))
        .answering("per", "per-user", "pw-per-registry")
        .answering("store", "store-user", "pw-store")
        .github_token("gh-token-value")
        .explicit("example.io", basic("explicit-user", "pw-explicit"));
    let creds = f.load();
    let lookup = |r: &str| {
        let found = creds.lookup(r).unwrap();
        assert_no_secret(&found);
        found
    };
    assert_eq!(
        lookup("example.io"),
        Some((basic("explicit-user", "pw-explicit"), Source::Explicit))
    );
    // credHelpers beats credsStore, auths and GITHUB_TOKEN.
    assert_eq!(
        lookup("ghcr.io"),
        Some((basic("per-user", "pw-per-registry"), Source::Helper("per".into())))
    );
    // credsStore beats auths.
    assert_eq!(
        lookup("quay.io"),
        Some((basic("store-user", "pw-store"), Source::Helper("store".into())))
    );
    // An empty credHelpers entry exempts a registry from credsStore: auths is read.
    assert_eq!(
        lookup("plain.io"),
        Some((basic("auths-user", "pw-auths"), Source::DockerConfig(f.config_path())))
    );
    assert_eq!(f.log("per"), "get:ghcr.io\n");
    assert_eq!(f.log("store"), "get:quay.io\n");

    // Explicit beats a configured helper, which then never runs.
    let f = f.explicit("ghcr.io", basic("explicit-user", "pw-explicit"));
    let before = f.log("per");
    assert_eq!(
        f.load().lookup("ghcr.io").unwrap(),
        Some((basic("explicit-user", "pw-explicit"), Source::Explicit))
    );
    assert_eq!(f.log("per"), before);
}

#[test]
fn auths_beat_github_token_which_comes_last() {
    let f = Fixture::new()
        .config(&format!(
            r#"{{"auths": {{"ghcr.io": {{"auth": "{}"}}}}}}"#,
            b64("me:pw-auths")
        ))
        .github_token("gh-token-value");
    let path = f.config_path();
    assert_eq!(
        f.load().lookup("ghcr.io").unwrap(),
        Some((basic("me", "pw-auths"), Source::DockerConfig(path)))
    );

    let f = Fixture::new()
        .config(r#"{"auths": {"ghcr.io": {}}}"#)
        .github_token("gh-token-value");
    assert_eq!(
        f.load().lookup("ghcr.io").unwrap(),
        Some((basic("x-access-token", "gh-token-value"), Source::GithubToken))
    );
    assert_eq!(
        f.load().lookup("docker.io").unwrap(),
        None,
        "GITHUB_TOKEN is for ghcr.io only"
    );
}

#[test]
fn a_helper_with_nothing_falls_through_to_github_token_but_not_to_auths() {
    let f = Fixture::new()
        .config(&format!(
            r#"{{"credsStore": "desktop", "auths": {{"ghcr.io": {{"auth": "{a}"}}, "quay.io": {{"auth": "{a}"}}}}}}"#,
            a = b64("stale:pw-auths")
        ))
        .not_found("desktop")
        .github_token("gh-token-value");
    let creds = f.load();
    // As in docker: with a helper configured, `auths` holds no credentials.
    assert_eq!(creds.lookup("quay.io").unwrap(), None);
    assert_eq!(
        creds.lookup("ghcr.io").unwrap(),
        Some((basic("x-access-token", "gh-token-value"), Source::GithubToken))
    );
    assert_eq!(f.log("desktop"), "get:quay.io\nget:ghcr.io\n");
}

#[test]
fn docker_hub_key_spellings() {
    for key in [
        "https://index.docker.io/v1/",
        "index.docker.io",
        "registry-1.docker.io",
        "docker.io",
        "https://registry-1.docker.io/v2/",
    ] {
        let f = Fixture::new().config(&format!(
            r#"{{"auths": {{"{key}": {{"auth": "{}"}}}}}}"#,
            b64("hub:pw-auths")
        ));
        let creds = f.load();
        for spelling in ["docker.io", "index.docker.io", "Docker.IO"] {
            assert_eq!(
                creds.lookup(spelling).unwrap(),
                Some((basic("hub", "pw-auths"), Source::DockerConfig(f.config_path()))),
                "key {key}, lookup {spelling}"
            );
        }
        assert_eq!(creds.lookup("ghcr.io").unwrap(), None);
    }
}

#[test]
fn helpers_are_sent_the_server_url_docker_sends() {
    let f = Fixture::new()
        .config(r#"{"credsStore": "store"}"#)
        .answering("store", "u", "pw-store");
    let creds = f.load();
    for registry in ["docker.io", "ghcr.io", "localhost:5000", "127.0.0.1:5000", "GHCR.io"] {
        assert!(creds.lookup(registry).unwrap().is_some(), "{registry}");
    }
    // No newline after the URL; Docker Hub as its historical index URL; one run per registry.
    assert_eq!(
        f.log("store"),
        "get:https://index.docker.io/v1/\nget:ghcr.io\nget:localhost:5000\nget:127.0.0.1:5000\n"
    );
}

#[test]
fn cred_helpers_keys_are_matched_like_auths_keys() {
    let f = Fixture::new()
        .config(r#"{"credHelpers": {"https://index.docker.io/v1/": "hub", "localhost:5000": "local"}}"#)
        .answering("hub", "hub-user", "pw-per-registry")
        .answering("local", "local-user", "pw-per-registry");
    let creds = f.load();
    assert_eq!(
        creds.lookup("docker.io").unwrap().unwrap().1,
        Source::Helper("hub".into())
    );
    assert_eq!(
        creds.lookup("localhost:5000").unwrap().unwrap().1,
        Source::Helper("local".into())
    );
    assert_eq!(creds.lookup("localhost:5001").unwrap(), None, "ports are significant");
    assert_eq!(creds.lookup("localhost").unwrap(), None);
}

#[test]
fn identity_and_registry_tokens() {
    let f = Fixture::new()
        .config(
            r#"{"credHelpers": {"acr.io": "acr"}, "auths": {
                "id.io": {"identitytoken": "refresh-from-auths"},
                "bearer.io": {"registrytoken": "bearer-from-auths"}
            }}"#,
        )
        .answering("acr", "<token>", "refresh-from-helper");
    let creds = f.load();
    let found = creds.lookup("acr.io").unwrap();
    assert_eq!(
        found,
        Some((
            Credential::IdentityToken {
                token: Secret::new("refresh-from-helper")
            },
            Source::Helper("acr".into())
        ))
    );
    assert_no_secret(&found);
    assert_eq!(
        creds.lookup("id.io").unwrap().unwrap().0,
        Credential::IdentityToken {
            token: Secret::new("refresh-from-auths")
        }
    );
    assert_eq!(
        creds.lookup("bearer.io").unwrap().unwrap().0,
        Credential::Bearer(Secret::new("bearer-from-auths"))
    );
}

#[test]
fn not_found_is_no_credential() {
    let f = Fixture::new().config(r#"{"credsStore": "store"}"#).not_found("store");
    assert_eq!(f.load().lookup("ghcr.io").unwrap(), None);
    assert_eq!(f.log("store"), "get:ghcr.io\n");
}

#[test]
fn a_missing_config_file_is_no_credentials() {
    let f = Fixture::new().github_token("gh-token-value");
    let creds = f.load();
    assert_eq!(creds.lookup("docker.io").unwrap(), None);
    assert_eq!(creds.lookup("ghcr.io").unwrap().unwrap().1, Source::GithubToken);
}

#[test]
fn home_is_used_without_docker_config() {
    let f = Fixture::new();
    let home = f.dir.path().join("home");
    fs_err::create_dir_all(home.join(".docker")).unwrap();
    let config = home.join(".docker/config.json");
    fs_err::write(
        &config,
        format!(r#"{{"auths": {{"a.io": {{"auth": "{}"}}}}}}"#, b64("u:pw-auths")),
    )
    .unwrap();
    let env = CredentialEnv {
        docker_config: None,
        home: Some(home),
        ..f.env()
    };
    let creds = Credentials::load(env, Vec::new()).unwrap();
    assert_eq!(
        creds.lookup("a.io").unwrap(),
        Some((basic("u", "pw-auths"), Source::DockerConfig(config)))
    );
}

fn helper_error(f: &Fixture, registry: &str) -> CredentialError {
    let err = f.load().lookup(registry).unwrap_err();
    assert_error_has_no_secret(&err);
    err
}

#[test]
fn a_failing_helper_is_an_error_naming_helper_registry_and_message() {
    let f = Fixture::new()
        .config(r#"{"credHelpers": {"ghcr.io": "broken", "quay.io": "quiet", "gcr.io": "absent"}}"#)
        .helper(
            "broken",
            "echo 'error: keychain is locked'; echo 'second line'; echo 'trace' >&2; exit 3",
        )
        .helper("quiet", "echo 'gcloud: not logged in' >&2; exit 1");
    let err = helper_error(&f, "ghcr.io");
    assert_eq!(
        err.to_string(),
        "docker-credential-broken (for registry ghcr.io): failed (exit status: 3): error: keychain is locked"
    );
    assert!(matches!(
        err,
        CredentialError::Helper {
            failure: HelperFailure::Failed { .. },
            ..
        }
    ));
    assert_eq!(
        helper_error(&f, "quay.io").to_string(),
        "docker-credential-quiet (for registry quay.io): failed (exit status: 1): gcloud: not logged in"
    );
    assert_eq!(
        helper_error(&f, "gcr.io").to_string(),
        "docker-credential-absent (for registry gcr.io): was not found on PATH"
    );
}

#[test]
fn a_successful_but_garbled_answer_is_not_quoted() {
    let f = Fixture::new()
        .config(r#"{"credsStore": "garbled"}"#)
        .helper("garbled", r#"echo 'Username: u, Secret: pw-garbled'"#);
    let err = helper_error(&f, "ghcr.io");
    assert!(
        err.to_string()
            .starts_with("docker-credential-garbled (for registry ghcr.io): answered with"),
        "{err}"
    );
}

#[test]
fn a_failure_message_is_quoted_only_as_one_line() {
    let f = Fixture::new()
        .config(r#"{"credsStore": "leaky"}"#)
        .helper("leaky", "echo 'could not refresh'; echo 'pw-in-failure'; exit 1");
    assert!(helper_error(&f, "ghcr.io").to_string().ends_with(": could not refresh"));
}

#[test]
fn a_hung_helper_is_killed_after_the_timeout() {
    let f = Fixture::new()
        .config(r#"{"credsStore": "slow"}"#)
        .helper("slow", "exec sleep 30");
    let creds = f.load().with_helper_timeout(Duration::from_millis(300));
    let start = Instant::now();
    let err = creds.lookup("ghcr.io").unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    assert!(
        matches!(
            err,
            CredentialError::Helper {
                failure: HelperFailure::Timeout(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "docker-credential-slow (for registry ghcr.io): gave no answer within 300 ms and was killed"
    );
    // The failure is cached: asking again does not wait again.
    let start = Instant::now();
    assert!(creds.lookup("ghcr.io").is_err());
    assert!(start.elapsed() < Duration::from_millis(200));
}

#[test]
fn answers_are_cached_per_registry_across_threads() {
    let f = Fixture::new()
        .config(r#"{"credsStore": "store"}"#)
        .helper("store", r#"sleep 0.2; printf '{"Username":"u","Secret":"pw-store"}'"#);
    let creds = f.load();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for registry in ["ghcr.io", "quay.io"] {
                    assert_eq!(creds.lookup(registry).unwrap().unwrap().0, basic("u", "pw-store"));
                }
            });
        }
    });
    let mut runs: Vec<_> = f.log("store").lines().map(String::from).collect();
    runs.sort();
    assert_eq!(runs, ["get:ghcr.io", "get:quay.io"]);
    assert_no_secret(&creds);
}

#[test]
fn a_malformed_config_names_file_and_line() {
    let f =
        Fixture::new().config("{\n  \"auths\": {\n    \"ghcr.io\": {\"auth\": \"x\"}\n    \"quay.io\": {}\n  }\n}\n");
    let err = Credentials::load(f.env(), Vec::new()).unwrap_err();
    let path = f.config_path();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{}:4:5: malformed docker config", path.display())),
        "{text}"
    );

    let f = Fixture::new().config(r#"{"auths": {"ghcr.io": "pw-auths"}}"#);
    let err = Credentials::load(f.env(), Vec::new()).unwrap_err();
    assert!(matches!(err, CredentialError::ConfigSyntax { line: 1, .. }), "{err:?}");
    assert_error_has_no_secret(&err);
}

#[test]
fn an_undecodable_auth_names_file_key_and_registry() {
    let f = Fixture::new().config(&format!(
        r#"{{"auths": {{"https://ghcr.io": {{"auth": "{}"}}, "quay.io": {{"auth": "{}"}}}}}}"#,
        b64("pw-auths"),
        b64("u:pw-auths")
    ));
    let creds = f.load();
    let err = creds.lookup("ghcr.io").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: auths entry \"https://ghcr.io\" (for registry ghcr.io): `auth` does not decode to `username:password` (no colon)",
            f.config_path().display()
        )
    );
    assert_error_has_no_secret(&err);
    // Other registries are unaffected.
    assert_eq!(creds.lookup("quay.io").unwrap().unwrap().0, basic("u", "pw-auths"));
}

#[test]
fn nothing_formatted_shows_a_secret() {
    let f = Fixture::new()
        .config(&format!(
            r#"{{"credHelpers": {{"h.io": "per"}}, "auths": {{
                "a.io": {{"auth": "{}"}},
                "id.io": {{"identitytoken": "refresh-from-auths"}},
                "b.io": {{"registrytoken": "bearer-from-auths"}}
            }}}}"#,
            b64("u:pw-auths")
        ))
        .answering("per", "<token>", "refresh-from-helper")
        .github_token("gh-token-value")
        .explicit("e.io", basic("u", "pw-explicit"));
    let creds = f.load();
    for registry in ["a.io", "id.io", "b.io", "h.io", "e.io", "ghcr.io"] {
        let (credential, source) = creds.lookup(registry).unwrap().unwrap();
        assert_no_secret(&credential);
        assert_no_secret(&source);
        assert!(SECRETS.iter().all(|s| !source.to_string().contains(s)));
    }
    assert_no_secret(&creds);
    assert_no_secret(&f.env());
}

#[test]
fn source_display_names_the_origin() {
    let path = Path::new("/home/u/.docker/config.json");
    assert_eq!(
        Source::DockerConfig(path.into()).to_string(),
        "/home/u/.docker/config.json"
    );
    assert_eq!(
        Source::Helper("desktop".into()).to_string(),
        "docker-credential-desktop"
    );
}
