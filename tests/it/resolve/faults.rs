//! Injected faults between tagbump and a real registry: resolution succeeds within the
//! retry budget, or fails with a clear message and exit 5, never with a wrong tag.

use std::time::Duration;

use super::resolve;
use crate::testenv::{Fault, Proxy, ProxyOptions, Registry, RegistryOptions, Seed};

const T0: &str = "2024-01-01T00:00:00Z";

fn setup() -> (Registry, Proxy, String, crate::testenv::Seeded) {
    let reg = Registry::start(RegistryOptions::default());
    let seeded = reg.seed(
        "team/app",
        &Seed::new()
            .tag("1.0.0", T0)
            .tag("1.1.0", "2024-01-02T00:00:00Z")
            .tag("1.2.0", "2024-01-03T00:00:00Z")
            .platforms(["linux/amd64", "linux/arm64"]),
    );
    let proxy = Proxy::start(reg.addr(), ProxyOptions::default());
    let image = format!("{}/team/app", proxy.addr());
    (reg, proxy, image, seeded)
}

#[test]
fn rate_limits_honour_retry_after() {
    let (_reg, proxy, image, _) = setup();
    proxy.set_faults(&[Fault::status(429).on("/tags/list").times(2).retry_after("1")]);
    let run = resolve(&[&image, "--explain"], &[]);
    assert_eq!(run.code(0), format!("{image}:1.2.0"));
    assert!(
        run.elapsed >= Duration::from_millis(1900),
        "waited {:?}, Retry-After says 2 x 1 s",
        run.elapsed
    );
    let statuses: Vec<Option<u16>> = proxy.stats().requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(429), Some(429), Some(200)]);
    assert!(run.stderr().contains("2 retries"), "{}", run.stderr());
    // a wait beyond the limit fails at once, saying so
    proxy.clear_stats();
    proxy.set_faults(&[Fault::status(429).on("/tags/list").times(1).retry_after("3600")]);
    let run = resolve(&[&image], &[]);
    run.code(5);
    assert!(
        run.stderr().contains(&format!(
            "{}: GET /v2/team/app/tags/list is rate limited (HTTP 429); the registry asks to retry after 3600s, more than the 60s allowed",
            proxy.addr()
        )),
        "{}",
        run.stderr()
    );
    assert_eq!(proxy.stats().total, 1);
}

#[test]
fn server_errors_resets_and_truncation_are_retried() {
    let (_reg, proxy, image, seeded) = setup();
    proxy.set_faults(&[
        Fault::status(503).on("/tags/list").times(2),
        Fault::reset().on("/tags/list").times(1),
        Fault::truncate().on("/manifests/").method("GET").times(2),
        Fault::reset().on("/blobs/").times(1),
        Fault::status(502).on("/blobs/").times(1),
    ]);
    let run = resolve(
        &[
            &image,
            "--policy",
            "newest-build",
            "--digest",
            "--platform",
            "linux/arm64",
        ],
        &[],
    );
    assert_eq!(run.code(0), format!("{image}:1.2.0@{}", seeded.digest("1.2.0")));
    assert_eq!(proxy.faults_left(), 0, "every fault fired");
    // truncated tag lists too
    proxy.clear_stats();
    proxy.set_faults(&[Fault::truncate().on("/tags/list").times(2)]);
    let run = resolve(&[&image, "--policy", "semver"], &[]);
    assert_eq!(run.code(0), format!("{image}:1.2.0"));
    assert_eq!(proxy.stats().total, 3);
}

#[test]
fn giving_up_is_clear_and_never_picks_a_wrong_tag() {
    let (_reg, proxy, image, _) = setup();
    proxy.set_faults(&[Fault::status(503).on("/tags/list").times(100)]);
    let run = resolve(&[&image, "--retries", "2"], &[]);
    assert_eq!(run.stdout(), "", "nothing on stdout when it fails");
    run.code(5);
    assert!(
        run.stderr().contains(&format!(
            "error: {}: GET /v2/team/app/tags/list answered HTTP 503 (SERVICE_UNAVAILABLE",
            proxy.addr()
        )) || run.stderr().contains(&format!(
            "error: {}: GET /v2/team/app/tags/list answered HTTP 503",
            proxy.addr()
        )),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("(gave up after 3 attempts)"), "{}", run.stderr());
    assert_eq!(proxy.stats().total, 3);

    // newest-build: one tag's config keeps failing -> the whole resolution fails (that tag
    // might have been the newest)
    proxy.clear_faults();
    proxy.clear_stats();
    proxy.set_faults(&[Fault::truncate().on("/blobs/").times(100)]);
    let run = resolve(&[&image, "--policy", "newest-build", "--retries", "1"], &[]);
    run.code(5);
    assert_eq!(run.stdout(), "");
    let err = run.stderr();
    assert!(err.contains("GET /v2/team/app/blobs/sha256:"), "{err}");
    assert!(
        err.contains("end of file before message length reached (gave up after 2 attempts)"),
        "{err}"
    );

    // resets on every attempt
    proxy.clear_faults();
    proxy.set_faults(&[Fault::reset().on("/tags/list").times(100)]);
    let run = resolve(&[&image, "--retries", "1"], &[]);
    run.code(5);
    assert!(
        run.stderr().contains("GET /v2/team/app/tags/list failed:"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("(gave up after 2 attempts)"), "{}", run.stderr());
}

#[test]
fn an_unreachable_registry_is_named() {
    // a port nothing listens on
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = resolve(&[&format!("127.0.0.1:{port}/team/app"), "--retries", "1"], &[]);
    run.code(5);
    assert!(
        run.stderr()
            .contains(&format!("error: 127.0.0.1:{port}: GET /v2/team/app/tags/list failed")),
        "{}",
        run.stderr()
    );
}
