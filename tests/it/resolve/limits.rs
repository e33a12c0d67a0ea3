//! The limits a run keeps to: at most `--registry-concurrency` requests in flight per
//! registry, and `--timeout` per request (a request that outlives it is retried like a
//! reset, and the error says it timed out when the retries run out).

use std::time::Duration;

use super::resolve;
use crate::testenv::{Fault, Proxy, ProxyOptions, Registry, RegistryOptions, Seed};

/// Single-platform images: newest-build costs a manifest and a config blob per tag.
const TAGS: usize = 12;
/// How long the proxy holds each manifest and blob request: long enough that requests
/// started together overlap whatever the machine's load.
const HOLD: Duration = Duration::from_millis(200);
/// How long the proxy holds a request that must time out with `--timeout 1`.
const PAST_TIMEOUT: Duration = Duration::from_secs(3);

fn setup() -> (Registry, Proxy, String) {
    let reg = Registry::start(RegistryOptions::default());
    reg.seed("team/app", &Seed::numbered(TAGS));
    let proxy = Proxy::start(reg.addr(), ProxyOptions::default());
    let image = format!("{}/team/app", proxy.addr());
    (reg, proxy, image)
}

/// newest-build over every tag with each manifest and blob request held for [`HOLD`]:
/// tagbump starts all the builds at once, so only its cap limits what overlaps.
fn newest_build_held(proxy: &Proxy, image: &str, cap: &str) -> super::Run {
    proxy.clear_stats();
    proxy.set_faults(&[Fault::delay(HOLD).on("/manifests/|/blobs/").times(1000)]);
    let run = resolve(&[image, "--policy", "newest-build", "--registry-concurrency", cap], &[]);
    assert_eq!(run.code(0), format!("{image}:1.0.{TAGS}"), "the newest build");
    proxy.clear_faults();
    run
}

#[test]
fn registry_concurrency_caps_requests_in_flight() {
    let (_reg, proxy, image) = setup();
    let run = newest_build_held(&proxy, &image, "2");
    let stats = proxy.stats();
    assert_eq!(
        stats.total,
        1 + 2 * TAGS,
        "a tag list, then a manifest and a blob per tag"
    );
    assert_eq!(stats.max_in_flight, 2, "the cap is used, and never exceeded");
    let least = HOLD * (2 * TAGS as u32) / 2;
    assert!(
        run.elapsed >= least,
        "{} held requests two at a time take at least {least:?}; took {:?}",
        2 * TAGS,
        run.elapsed
    );

    // a higher cap lets more overlap (so the assertion above could fail)
    newest_build_held(&proxy, &image, "8");
    let most = proxy.stats().max_in_flight;
    assert!((3..=8).contains(&most), "with a cap of 8: {most} in flight at most");
}

#[test]
fn a_request_that_times_out_is_retried() {
    let (_reg, proxy, image) = setup();
    // the first tag list is held past the 1 s timeout; the retry gets through
    proxy.set_faults(&[Fault::delay(PAST_TIMEOUT).on("/tags/list").times(1)]);
    let run = resolve(&[&image, "--policy", "semver", "--timeout", "1", "--explain"], &[]);
    assert_eq!(run.code(0), format!("{image}:1.0.{TAGS}"));
    assert!(run.elapsed >= Duration::from_secs(1), "{:?}", run.elapsed);
    assert!(
        run.elapsed < PAST_TIMEOUT,
        "gave up on the held request after the timeout, not when it was answered: {:?}",
        run.elapsed
    );
    let faults: Vec<_> = proxy.wait_idle().requests.iter().map(|r| r.fault.clone()).collect();
    assert_eq!(faults, [None, Some("delay".to_string())], "logged when the hold ends");
    assert!(
        run.stderr()
            .contains("requests: 2 to the registry, 0 to its token server, 1 retry"),
        "{}",
        run.stderr()
    );

    // newest-build: the newest tag's manifest times out once; it still wins (dropping it
    // would pick 1.0.11)
    proxy.clear_stats();
    let newest = format!("/manifests/1.0.{TAGS}");
    proxy.set_faults(&[Fault::delay(PAST_TIMEOUT).on(&format!("{newest}$")).times(1)]);
    let run = resolve(&[&image, "--policy", "newest-build", "--timeout", "1"], &[]);
    assert_eq!(run.code(0), format!("{image}:1.0.{TAGS}"));
    assert_eq!(proxy.wait_idle().matching(&newest).len(), 2);
}

#[test]
fn timing_out_on_every_attempt_fails_saying_so() {
    let (_reg, proxy, image) = setup();
    proxy.set_faults(&[Fault::delay(PAST_TIMEOUT).on("/tags/list").times(100)]);
    let run = resolve(&[&image, "--timeout", "1", "--retries", "1"], &[]);
    assert_eq!(run.stdout(), "", "no tag when the registry never answered");
    run.code(5);
    // the registry, the request, that it timed out and how often; not why HTTPS failed
    // before plain HTTP connected (beside the point)
    assert!(
        run.stderr().contains(&format!(
            "error: {}: GET /v2/team/app/tags/list failed: timed out after 1s (gave up after 2 attempts)",
            proxy.addr()
        )),
        "{}",
        run.stderr()
    );
    assert_eq!(proxy.wait_idle().matching("/tags/list").len(), 2);

    // newest-build: a config blob that always times out fails the run (it might have been
    // the newest), and no tag is printed
    proxy.clear_stats();
    proxy.set_faults(&[Fault::delay(PAST_TIMEOUT).on("/blobs/").times(100)]);
    let run = resolve(
        &[&image, "--policy", "newest-build", "--timeout", "1", "--retries", "1"],
        &[],
    );
    run.code(5);
    assert_eq!(run.stdout(), "");
    let err = run.stderr();
    assert!(err.contains("GET /v2/team/app/blobs/sha256:"), "{err}");
    assert!(err.contains("timed out after 1s"), "{err}");
}
