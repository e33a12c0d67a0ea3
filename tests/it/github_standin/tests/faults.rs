//! Injected faults: statuses on chosen requests, primary and secondary rate limits, and a
//! concurrent writer that makes an API commit's ref update lose the race.

use serde_json::json;

use super::super::Fault;
use super::{api_commit, setup};

#[test]
fn a_status_fault_fires_on_the_matching_request_only_as_often_as_asked() {
    let (gh, api, base) = setup();
    let mine = api_commit(&api, &base, "a", "1");
    gh.inject(
        Fault::status(409)
            .on("PATCH", "/repos/acme/config/git/refs/heads/main")
            .times(2),
    );
    api.get("/repos/acme/config").expect(200); // not matched
    for _ in 0..2 {
        let r = api
            .patch("/repos/acme/config/git/refs/heads/main", json!({"sha": mine}))
            .expect(409);
        assert_eq!(r.body["message"], "Conflict");
        assert!(r.header("x-ratelimit-remaining").is_some());
    }
    assert_eq!(gh.branch("acme", "config", "main").unwrap(), base);
    api.patch("/repos/acme/config/git/refs/heads/main", json!({"sha": mine}))
        .expect(200);
    assert_eq!(gh.pending_faults(), 0);
    let log = gh.requests();
    let faulted: Vec<u16> = log.iter().filter(|r| r.fault).map(|r| r.status).collect();
    assert_eq!(faulted, [409, 409]);
}

#[test]
fn status_faults_have_github_bodies_and_prefix_paths_match() {
    let (gh, api, _) = setup();
    gh.inject(Fault::status(401).on("*", "/repos/acme/*"));
    gh.inject(Fault::status(404).on("GET", "/repos/acme/config"));
    gh.inject(
        Fault::status(422)
            .message("Reference update failed")
            .on("GET", "/repos/acme/config"),
    );
    gh.inject(Fault::status(502));
    assert_eq!(
        api.get("/repos/acme/config").expect(401).body["message"],
        "Bad credentials"
    );
    assert_eq!(api.get("/repos/acme/config").expect(404).body["message"], "Not Found");
    let r = api.get("/repos/acme/config").expect(422);
    assert_eq!(r.body["message"], "Reference update failed");
    assert_eq!(r.body["errors"], json!([]));
    api.get("/anything").expect(502);
    api.get("/repos/acme/config").expect(200);
}

#[test]
fn primary_rate_limit_fault_sets_remaining_zero_and_a_reset() {
    let (gh, api, _) = setup();
    gh.inject(Fault::primary_rate_limit().status_code(429).reset_in(2));
    let r = api.get("/repos/acme/config").expect(429);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("API rate limit exceeded")
    );
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(r.header("x-ratelimit-used"), Some("5000"));
    let reset: u64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
    let now = super::super::ratelimit::epoch_now();
    assert!((now + 1..=now + 2).contains(&reset), "reset {reset}, now {now}");
    assert_eq!(r.header("retry-after"), None);
    api.get("/repos/acme/config").expect(200);
}

#[test]
fn secondary_rate_limit_fault_says_so_with_retry_after() {
    let (gh, api, _) = setup();
    gh.inject(
        Fault::secondary_rate_limit()
            .retry_after(3)
            .on("POST", "/repos/acme/config/git/blobs"),
    );
    let r = api
        .post("/repos/acme/config/git/blobs", json!({"content": "x"}))
        .expect(403);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("You have exceeded a secondary rate limit")
    );
    assert_eq!(r.header("retry-after"), Some("3"));
    assert_ne!(r.header("x-ratelimit-remaining"), Some("0"));
    api.post("/repos/acme/config/git/blobs", json!({"content": "x"}))
        .expect(201);
}

#[test]
fn a_concurrent_push_just_before_the_ref_update_makes_it_lose_the_race() {
    let (gh, api, base) = setup();
    let mine = api_commit(&api, &base, "apps/shop/kustomization.yaml", "newTag: 1.1.0\n");
    gh.inject(
        Fault::advance_branch("main", &[("apps/cart/values.yaml", "tag: 9\n")])
            .on("PATCH", "/repos/acme/config/git/refs/heads/main"),
    );
    let r = api
        .patch("/repos/acme/config/git/refs/heads/main", json!({"sha": mine}))
        .expect(422);
    assert_eq!(r.body["message"], "Update is not a fast forward");
    let theirs = gh.branch("acme", "config", "main").unwrap();
    assert_ne!(theirs, base);
    assert_eq!(gh.commit("acme", "config", &theirs).unwrap().parents, [base]);
    // The client's retry: rebuild on the new tip and update again.
    let retried = api_commit(&api, &theirs, "apps/shop/kustomization.yaml", "newTag: 1.1.0\n");
    api.patch("/repos/acme/config/git/refs/heads/main", json!({"sha": retried}))
        .expect(200);
    let files = gh.commit("acme", "config", &retried).unwrap().files;
    assert_eq!(files["apps/cart/values.yaml"], b"tag: 9\n");
    assert_eq!(files["apps/shop/kustomization.yaml"], b"newTag: 1.1.0\n");
}
