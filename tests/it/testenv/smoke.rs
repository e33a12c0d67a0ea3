//! Smoke tests of the test environment itself: the registry, token server, proxy and seeder
//! behave the way the registry-client tests assume. Raw HTTP (and curl for TLS), so a
//! failure here is the environment's, not the client's.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};

use super::process::{alive, python, script};
use super::*;

/// Every manifest media type; without an OCI type an OCI manifest answers 404.
const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

fn sha256(bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The `tags` of a tag-list response, in the order sent.
fn tags(r: &Response) -> Vec<String> {
    assert_eq!(r.status, 200, "{r:?}");
    let tags = r.json()["tags"].as_array().cloned().unwrap_or_default();
    tags.iter().map(|t| t.as_str().unwrap().to_string()).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// `WWW-Authenticate: Bearer k="v",...` as pairs.
fn challenge_params(header: &str) -> Vec<(String, String)> {
    let rest = header
        .strip_prefix("Bearer ")
        .unwrap_or_else(|| panic!("not a Bearer challenge: {header}"));
    rest.split("\",")
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_string(), v.trim_matches('"').to_string())
        })
        .collect()
}

/// Wait up to 3 s for `pid` to be gone (or a zombie).
pub(super) fn gone(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(3);
    while alive(pid) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

#[test]
fn no_auth_registry_serves_seeded_tags_digests_and_created() {
    let t0 = Instant::now();
    let reg = Registry::start(RegistryOptions::default());
    let started = t0.elapsed();
    let spec = Seed::new()
        .tag("1.0.0", "2024-01-01T00:00:00Z")
        .tag("1.1.0", "2024-02-01T12:30:00Z")
        .tag_without_created("nodate")
        .alias("latest", "1.1.0");
    let t1 = Instant::now();
    let seeded = reg.seed("team/app", &spec);
    eprintln!(
        "registry started in {started:.2?}; 3 tags + 1 alias seeded in {:.2?} ({:.2}s pushing)",
        t1.elapsed(),
        seeded.seconds
    );

    let listed = tags(&get(reg.addr(), "/v2/team/app/tags/list", &[]));
    assert_eq!(sorted(listed), ["1.0.0", "1.1.0", "latest", "nodate"]);
    assert_eq!(seeded.digest("latest"), seeded.digest("1.1.0"));
    assert_ne!(seeded.digest("1.0.0"), seeded.digest("1.1.0"));
    assert!(seeded.platform_digests.is_empty());

    for (tag, created) in [
        ("1.0.0", Some("2024-01-01T00:00:00Z")),
        ("latest", Some("2024-02-01T12:30:00Z")),
        ("nodate", None),
    ] {
        let m = get(
            reg.addr(),
            &format!("/v2/team/app/manifests/{tag}"),
            &[("Accept", ACCEPT)],
        );
        assert_eq!(m.status, 200, "{m:?}");
        assert_eq!(m.header("Docker-Content-Digest"), Some(seeded.digest(tag)));
        assert_eq!(sha256(&m.body), seeded.digest(tag));
        assert_eq!(m.header("Content-Type"), Some(seeded.media_types[tag].as_str()));
        assert_eq!(
            m.header("Content-Type"),
            Some("application/vnd.oci.image.manifest.v1+json")
        );
        let config_digest = m.json()["config"]["digest"].as_str().unwrap().to_string();
        let config = get(reg.addr(), &format!("/v2/team/app/blobs/{config_digest}"), &[]);
        assert_eq!(config.status, 200);
        assert_eq!(config.json()["created"].as_str(), created, "{tag}");
        assert_eq!(config.json()["architecture"], "amd64");
    }
}

#[test]
fn rfc3339_counts_leap_days() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(1_704_067_200 + 86_400 * 60 - 1), "2024-02-29T23:59:59Z");
    assert_eq!(rfc3339(1_704_067_200 + 86_400 * 60), "2024-03-01T00:00:00Z");
    let numbered = Seed::numbered(26);
    assert_eq!(
        numbered.tags[25],
        ("1.0.26".to_string(), Some("2024-01-02T01:00:00Z".to_string()))
    );
}

#[test]
fn basic_auth_registry_wants_credentials() {
    let reg = Registry::start(RegistryOptions {
        auth: Auth::Basic,
        tls: false,
    });
    reg.seed("team/app", &Seed::numbered(2));

    let anonymous = get(reg.addr(), "/v2/team/app/tags/list", &[]);
    assert_eq!(anonymous.status, 401);
    let challenge = anonymous.header("WWW-Authenticate").unwrap();
    assert!(challenge.starts_with("Basic realm="), "{challenge}");

    let basic = Registry::basic_auth_header();
    let authed = get(reg.addr(), "/v2/team/app/tags/list", &[("Authorization", &basic)]);
    assert_eq!(sorted(tags(&authed)), ["1.0.1", "1.0.2"]);

    let wrong = format!("Basic {}", base64_of("testuser:wrong"));
    assert_eq!(
        get(reg.addr(), "/v2/team/app/tags/list", &[("Authorization", &wrong)]).status,
        401
    );
}

fn base64_of(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn token_registry_challenges_and_grants_anonymous_pull_only() {
    let reg = Registry::start(RegistryOptions {
        auth: Auth::Token,
        tls: false,
    });
    reg.seed("team/app", &Seed::numbered(3));
    assert_eq!(reg.token_requests(), 0, "seeding is not counted");

    let r = get(reg.addr(), "/v2/team/app/tags/list", &[]);
    assert_eq!(r.status, 401);
    let params = challenge_params(r.header("WWW-Authenticate").unwrap());
    let param = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap()
    };
    assert_eq!(param("realm"), reg.token_realm().unwrap());
    assert_eq!(param("service"), "test-registry");
    assert_eq!(param("scope"), "repository:team/app:pull");

    // Anonymous: a token, for pull only.
    let realm = param("realm").strip_prefix("http://").unwrap();
    let (token_addr, token_path) = realm.split_once('/').unwrap();
    let query = format!("/{token_path}?service=test-registry&scope=repository:team/app:pull,push");
    let token = get(token_addr, &query, &[]);
    assert_eq!(token.status, 200, "{token:?}");
    let bearer = format!("Bearer {}", token.json()["token"].as_str().unwrap());
    let pulled = get(reg.addr(), "/v2/team/app/tags/list", &[("Authorization", &bearer)]);
    assert_eq!(sorted(tags(&pulled)), ["1.0.1", "1.0.2", "1.0.3"]);
    let push = request(
        reg.addr(),
        "POST",
        "/v2/team/app/blobs/uploads/",
        &[("Authorization", &bearer)],
        b"",
    )
    .unwrap();
    assert_eq!(push.status, 401, "an anonymous token must not push");

    // The user: push too. Wrong password: 401.
    let basic = Registry::basic_auth_header();
    let token = get(token_addr, &query, &[("Authorization", &basic)]);
    let bearer = format!("Bearer {}", token.json()["token"].as_str().unwrap());
    let push = request(
        reg.addr(),
        "POST",
        "/v2/team/app/blobs/uploads/",
        &[("Authorization", &bearer)],
        b"",
    )
    .unwrap();
    assert_eq!(push.status, 202, "{push:?}");
    let wrong = format!("Basic {}", base64_of("testuser:wrong"));
    assert_eq!(get(token_addr, &query, &[("Authorization", &wrong)]).status, 401);

    let log = reg.token_log();
    assert_eq!(reg.token_requests(), 3);
    let users: Vec<_> = log.iter().map(|r| (r.user.as_deref(), r.status)).collect();
    assert_eq!(users, [(None, 200), (Some(USER), 200), (None, 401)]);
    assert_eq!(log[0].scopes, ["repository:team/app:pull,push"]);
    assert_eq!(
        (log[0].method.as_str(), log[0].service.as_deref()),
        ("GET", Some("test-registry"))
    );
}

#[test]
fn token_server_issues_identity_tokens_and_keeps_private_repos_from_anonymous_clients() {
    let reg = Registry::start(RegistryOptions {
        auth: Auth::Token,
        tls: false,
    });
    let private = format!("{PRIVATE_PREFIX}app");
    reg.seed(&private, &Seed::numbered(2));
    let realm = reg.token_realm().unwrap().strip_prefix("http://").unwrap();
    let (token_addr, token_path) = realm.split_once('/').unwrap();
    let token_path = format!("/{token_path}");
    let scope = format!("repository:{private}:pull");
    let list = format!("/v2/{private}/tags/list");
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let post = |body: &str| request(token_addr, "POST", &token_path, &form, body.as_bytes()).unwrap();
    let pull_with = |token: &str| get(reg.addr(), &list, &[("Authorization", &format!("Bearer {token}"))]);

    // anonymous: a token that grants nothing on private/, which the registry refuses
    let anon = get(
        token_addr,
        &format!("{token_path}?service=test-registry&scope={scope}"),
        &[],
    );
    assert_eq!(anon.status, 200);
    assert_eq!(pull_with(anon.json()["token"].as_str().unwrap()).status, 401);

    // the identity token the harness gets, exchanged with the refresh_token grant
    let identity = reg.identity_token();
    let exchanged = post(&format!(
        "grant_type=refresh_token&refresh_token={identity}&client_id=smoke&service=test-registry&scope={scope}"
    ));
    assert_eq!(exchanged.status, 200, "{exchanged:?}");
    assert!(
        exchanged.json().get("refresh_token").is_none(),
        "issued for offline password grants only"
    );
    assert_eq!(
        sorted(tags(&pull_with(exchanged.json()["access_token"].as_str().unwrap()))),
        ["1.0.1", "1.0.2"]
    );
    // and the harness's bearer token for the scope
    assert_eq!(tags(&pull_with(&reg.bearer_token(&scope))).len(), 2);

    // refused: an unknown refresh token (401), no client_id or another grant (400)
    let unknown = post("grant_type=refresh_token&refresh_token=rt-unknown&client_id=smoke&service=test-registry");
    assert_eq!(unknown.status, 401);
    assert_eq!(
        post(&format!("grant_type=refresh_token&refresh_token={identity}")).status,
        400
    );
    assert_eq!(post("grant_type=client_credentials&client_id=smoke").status, 400);

    // logged with the grant and client, never a token; the harness's own requests left out
    let log = reg.token_log();
    let seen: Vec<_> = log
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
        seen,
        [
            ("GET", None, None, None, 200),
            ("POST", Some("refresh_token"), Some("smoke"), Some(USER), 200),
            ("POST", Some("refresh_token"), Some("smoke"), None, 401),
            ("POST", Some("refresh_token"), None, None, 400),
            ("POST", Some("client_credentials"), Some("smoke"), None, 400),
        ]
    );
    let raw = fs_err::read_to_string(reg.workdir().join("token-requests.jsonl")).unwrap();
    assert!(!raw.contains(&identity) && !raw.contains(PASSWORD), "{raw}");
}

#[test]
fn proxy_pages_tag_lists() {
    let reg = Registry::start(RegistryOptions::default());
    reg.seed("team/app", &Seed::numbered(5).tag("latest", "2024-03-01T00:00:00Z"));
    let all = ["1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5", "latest"];
    // The registry itself does not page.
    let unpaged = get(reg.addr(), "/v2/team/app/tags/list?n=2", &[]);
    assert_eq!(tags(&unpaged).len(), 6);
    assert_eq!(unpaged.header("Link"), None);

    let t0 = Instant::now();
    let proxy = Proxy::start(reg.addr(), ProxyOptions::default());
    eprintln!("proxy started in {:.2?}", t0.elapsed());
    assert_eq!(proxy.url(), format!("http://{}", proxy.addr()));
    let first = get(proxy.addr(), "/v2/team/app/tags/list?n=2", &[]);
    assert_eq!(tags(&first), ["1.0.1", "1.0.2"]);
    assert_eq!(
        first.header("Link"),
        Some(r#"</v2/team/app/tags/list?n=2&last=1.0.2>; rel="next""#)
    );
    let mut seen = Vec::new();
    let mut next = Some("/v2/team/app/tags/list?n=2".to_string());
    while let Some(target) = next {
        let page = get(proxy.addr(), &target, &[]);
        seen.extend(tags(&page));
        next = page.header("Link").map(|l| l[1..l.find('>').unwrap()].to_string());
    }
    assert_eq!(seen, all);
    assert_eq!(proxy.stats().total, 4);
    assert_eq!(
        tags(&get(proxy.addr(), "/v2/team/app/tags/list", &[])),
        all,
        "no n, no default: one page"
    );

    let paged = Proxy::start(reg.addr(), ProxyOptions { default_n: 4, max_n: 3 });
    let page = get(paged.addr(), "/v2/team/app/tags/list", &[]);
    assert_eq!(tags(&page), ["1.0.1", "1.0.2", "1.0.3"], "default 4, capped at 3");
    assert!(page.header("Link").unwrap().contains("last=1.0.3"));
    assert_eq!(
        tags(&get(paged.addr(), "/v2/team/app/tags/list?n=2&last=1.0.4", &[])),
        ["1.0.5", "latest"]
    );
}

#[test]
fn proxy_faults_fire_exactly_times_then_pass_through() {
    let reg = Registry::start(RegistryOptions::default());
    reg.seed("team/app", &Seed::numbered(3));
    let proxy = Proxy::start(reg.addr(), ProxyOptions::default());
    let list = "/v2/team/app/tags/list";
    let fetch = || request(proxy.addr(), "GET", list, &[], b"");

    proxy.set_faults(&[
        Fault::status(429).on("/tags/list").times(2).retry_after("1"),
        Fault::status(503).on("/tags/list").method("GET"),
        Fault::status(500).on("/tags/list").method("HEAD"), // never fires: only GETs follow
    ]);
    for _ in 0..2 {
        let r = fetch().unwrap();
        assert_eq!((r.status, r.header("Retry-After")), (429, Some("1")));
        assert_eq!(r.json()["errors"][0]["code"], "TOOMANYREQUESTS");
    }
    assert_eq!(fetch().unwrap().status, 503);
    assert_eq!(fetch().unwrap().status, 200);
    assert_eq!(proxy.faults_left(), 1, "the HEAD fault is still there");

    proxy.set_faults(&[Fault::status(500).on("tags")]);
    assert_eq!(fetch().unwrap().status, 500);
    assert_eq!(fetch().unwrap().status, 200);

    proxy.set_faults(&[Fault::reset().on("/tags/list").times(2)]);
    for _ in 0..2 {
        let err = fetch().expect_err("a reset gives no response");
        assert!(
            matches!(
                err.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::UnexpectedEof
            ),
            "{err:?}"
        );
    }
    assert_eq!(fetch().unwrap().status, 200);

    proxy.set_faults(&[Fault::truncate().on("/manifests/")]);
    let manifest = "/v2/team/app/manifests/1.0.1";
    let cut = request(proxy.addr(), "GET", manifest, &[("Accept", ACCEPT)], b"").unwrap();
    assert_eq!(cut.status, 200);
    assert!(cut.truncated(), "{cut:?}");
    assert!(!cut.body.is_empty());
    let whole = request(proxy.addr(), "GET", manifest, &[("Accept", ACCEPT)], b"").unwrap();
    assert!(!whole.truncated());
    assert_eq!(whole.body.len() / 2, cut.body.len());

    proxy.set_faults(&[Fault::delay(Duration::from_millis(300)).on("/tags/list")]);
    let t0 = Instant::now();
    assert_eq!(fetch().unwrap().status, 200);
    assert!(t0.elapsed() >= Duration::from_millis(300));
    let t1 = Instant::now();
    assert_eq!(fetch().unwrap().status, 200);
    assert!(t1.elapsed() < Duration::from_millis(300));
    assert_eq!(proxy.faults_left(), 0);
    proxy.set_faults(&[Fault::status(500)]);
    proxy.clear_faults();
    assert_eq!(proxy.faults_left(), 0);

    let stats = proxy.stats();
    let faults: Vec<_> = stats.requests.iter().map(|r| (r.fault.as_deref(), r.status)).collect();
    #[rustfmt::skip]
    assert_eq!(faults, [
        (Some("429"), Some(429)), (Some("429"), Some(429)), (Some("503"), Some(503)), (None, Some(200)),
        (Some("500"), Some(500)), (None, Some(200)),
        (Some("reset"), None), (Some("reset"), None), (None, Some(200)),
        (Some("truncate"), Some(200)), (None, Some(200)),
        (Some("delay"), Some(200)), (None, Some(200)),
    ]);
    assert_eq!(stats.total, 13);
    assert_eq!(stats.matching("/manifests/").len(), 2);
    assert!(
        stats.requests.iter().all(|r| !r.path.starts_with("/_proxy")),
        "control requests are not logged"
    );
}

#[test]
fn proxy_stats_never_hold_credentials() {
    let reg = Registry::start(RegistryOptions {
        auth: Auth::Basic,
        tls: false,
    });
    reg.seed("team/app", &Seed::numbered(1));
    let proxy = Proxy::start(reg.addr(), ProxyOptions::default());
    let basic = Registry::basic_auth_header();
    assert_eq!(get(proxy.addr(), "/v2/team/app/tags/list", &[]).status, 401);
    let r = get(
        proxy.addr(),
        "/v2/team/app/tags/list",
        &[("Authorization", &basic), ("Accept", ACCEPT)],
    );
    assert_eq!(tags(&r), ["1.0.1"]);

    let stats = proxy.stats();
    let auth: Vec<_> = stats.requests.iter().map(|r| r.authorization).collect();
    assert_eq!(auth, [false, true]);
    assert_eq!(stats.requests[1].accept.as_deref(), Some(ACCEPT));
    let raw = get(proxy.addr(), "/_proxy/stats", &[]).text();
    let secret = basic.strip_prefix("Basic ").unwrap();
    assert!(
        !raw.contains(secret) && !raw.contains(PASSWORD) && !raw.contains("Basic"),
        "{raw}"
    );
    proxy.clear_stats();
    assert_eq!(proxy.stats().total, 0);
}

#[test]
fn proxy_counts_the_requests_it_holds_at_once() {
    let reg = Registry::start(RegistryOptions::default());
    reg.seed("team/app", &Seed::numbered(1));
    let proxy = Proxy::start(reg.addr(), ProxyOptions::default());
    let list = "/v2/team/app/tags/list";
    assert_eq!(proxy.stats().max_in_flight, 0);
    // one after the other: never more than one
    for _ in 0..3 {
        assert_eq!(get(proxy.addr(), list, &[]).status, 200);
    }
    assert_eq!(proxy.stats().max_in_flight, 1);
    // three at once, each held 0.5 s by a delay: three
    proxy.clear_stats();
    assert_eq!(proxy.stats().max_in_flight, 0);
    proxy.set_faults(&[Fault::delay(Duration::from_millis(500)).on("/tags/list").times(3)]);
    let addr = proxy.addr().to_string();
    let clients: Vec<_> = (0..3)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || get(&addr, list, &[]).status)
        })
        .collect();
    for c in clients {
        assert_eq!(c.join().unwrap(), 200);
    }
    let stats = proxy.stats();
    assert_eq!((stats.total, stats.max_in_flight), (3, 3));
}

/// `curl -s -o /dev/null -w %{http_code}` with a clean environment (no CA bundle from it).
fn curl(args: &[&str]) -> (Option<i32>, String) {
    super::process::require("curl", "the TLS smoke test checks the certificate with curl");
    let out = Command::new("curl")
        .args(["-q", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10"])
        .args(args)
        .env_remove("CURL_CA_BUNDLE")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn tls_registry_is_trusted_with_its_ca_only() {
    let t0 = Instant::now();
    let reg = Registry::start(RegistryOptions {
        auth: Auth::None,
        tls: true,
    });
    eprintln!("TLS registry started in {:.2?}", t0.elapsed());
    reg.seed("team/app", &Seed::numbered(1));
    let ca = reg.ca_file().unwrap().to_str().unwrap();
    assert!(reg.url().starts_with("https://127.0.0.1:"));
    let port = reg.addr().rsplit_once(':').unwrap().1;
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("https://{host}:{port}/v2/team/app/tags/list");
        assert_eq!(curl(&["--cacert", ca, &url]), (Some(0), "200".to_string()), "{url}");
        // Without the CA: curl error 60, certificate not trusted.
        assert_eq!(curl(&[&url]).0, Some(60), "{url}");
    }
    assert_eq!(
        curl(&[&format!("http://{}/v2/", reg.addr())]).1,
        "400",
        "plain HTTP to the TLS port"
    );
}

#[test]
fn tls_token_registry_serves_tokens_over_https() {
    let reg = Registry::start(RegistryOptions {
        auth: Auth::Token,
        tls: true,
    });
    reg.seed("team/app", &Seed::numbered(1));
    let ca = reg.ca_file().unwrap().to_str().unwrap();
    let realm = reg.token_realm().unwrap();
    assert!(realm.starts_with("https://127.0.0.1:"), "{realm}");
    let url = format!("{}/v2/team/app/tags/list", reg.url());
    assert_eq!(curl(&["--cacert", ca, &url]).1, "401");
    let token_url = format!("{realm}?service=test-registry&scope=repository:team/app:pull");
    assert_eq!(curl(&["--cacert", ca, &token_url]), (Some(0), "200".to_string()));
    assert_eq!(reg.token_requests(), 1);
}

#[test]
fn multi_arch_seed_matches_the_index() {
    let reg = Registry::start(RegistryOptions::default());
    let platforms = ["linux/amd64", "linux/arm64/v8"];
    for (repo, media, index_type) in [
        ("team/oci", Media::Oci, "application/vnd.oci.image.index.v1+json"),
        (
            "team/docker",
            Media::Docker,
            "application/vnd.docker.distribution.manifest.list.v2+json",
        ),
    ] {
        let spec = Seed::new()
            .tag("2.0.0", "2024-05-01T00:00:00Z")
            .tag("2.1.0", "2024-06-01T00:00:00Z")
            .media(media)
            .platforms(platforms)
            .alias("stable", "2.0.0");
        let t0 = Instant::now();
        let seeded = reg.seed(repo, &spec);
        eprintln!("{repo}: 2 two-platform tags + 1 alias seeded in {:.2?}", t0.elapsed());
        for tag in ["2.0.0", "2.1.0", "stable"] {
            let r = get(
                reg.addr(),
                &format!("/v2/{repo}/manifests/{tag}"),
                &[("Accept", ACCEPT)],
            );
            assert_eq!(r.header("Content-Type"), Some(index_type));
            assert_eq!(r.header("Docker-Content-Digest"), Some(seeded.digest(tag)));
            assert_eq!(sha256(&r.body), seeded.digest(tag));
            let index = r.json();
            let entries = index["manifests"].as_array().unwrap();
            assert_eq!(entries.len(), 2);
            for (entry, platform) in entries.iter().zip(platforms) {
                let p = &entry["platform"];
                let variant = p["variant"].as_str().map(|v| format!("/{v}")).unwrap_or_default();
                assert_eq!(
                    format!(
                        "{}/{}{variant}",
                        p["os"].as_str().unwrap(),
                        p["architecture"].as_str().unwrap()
                    ),
                    platform
                );
                let digest = entry["digest"].as_str().unwrap();
                assert_eq!(digest, seeded.platform_digest(tag, platform));
                let image = get(
                    reg.addr(),
                    &format!("/v2/{repo}/manifests/{digest}"),
                    &[("Accept", ACCEPT)],
                );
                assert_eq!(sha256(&image.body), digest);
            }
        }
        assert_eq!(seeded.digest("stable"), seeded.digest("2.0.0"));
        assert_ne!(
            seeded.platform_digest("2.0.0", "linux/amd64"),
            seeded.platform_digest("2.1.0", "linux/amd64")
        );
    }
}

#[test]
fn dropping_stops_every_process_and_removes_the_workdir() {
    let reg = Registry::start(RegistryOptions {
        auth: Auth::Token,
        tls: false,
    });
    let proxy = Proxy::start(reg.addr(), ProxyOptions::default());
    let pids = [reg.pids()[0], reg.pids()[1], proxy.pid()];
    let workdir = reg.workdir().to_path_buf();
    assert!(pids.iter().all(|&p| alive(p)));
    drop(proxy);
    drop(reg);
    for pid in pids {
        assert!(gone(pid), "pid {pid} still running");
    }
    assert!(!workdir.exists());
}

/// A test process that dies without dropping anything (a crash, SIGKILL) leaves nothing:
/// here the parent is a shell that exits while the registry runs.
#[test]
fn a_registry_whose_parent_dies_stops_and_removes_its_workdir() {
    let dir = tempfile::Builder::new().prefix("tagbump-orphan-").tempdir().unwrap();
    let (ready, pidfile) = (dir.path().join("ready.json"), dir.path().join("supervisor.pid"));
    let shell = format!(
        "{} {} --workdir {} --remove-if-orphaned >{} 2>/dev/null & echo $! >{}; sleep 1",
        python().display(),
        script("registry.py").display(),
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
        assert!(Instant::now() < deadline, "registry.py did not start");
        std::thread::sleep(Duration::from_millis(20));
    };
    let registry_pid = serde_json::from_str::<serde_json::Value>(&line).unwrap()["pid"]
        .as_u64()
        .unwrap() as u32;
    let supervisor_pid: u32 = fs_err::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    assert!(alive(registry_pid) && alive(supervisor_pid));
    sh.wait().unwrap();
    assert!(gone(supervisor_pid), "registry.py outlived the process that started it");
    assert!(gone(registry_pid), "docker-registry outlived its supervisor");
    assert!(!dir.path().exists(), "the orphaned registry removes its workdir");
}
