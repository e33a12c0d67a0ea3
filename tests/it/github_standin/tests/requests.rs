//! The checks every request passes: User-Agent, token, API version, Accept, route, JSON body,
//! body shape; and what every response carries (rate-limit headers, version selected).

use serde_json::json;

use super::super::{GitHubStandIn, StandInOptions};
use super::{Api, STANDARD_HEADERS, setup};

#[test]
fn a_wrong_token_is_401_bad_credentials_and_a_missing_one_401_requires_authentication() {
    let (_gh, api, _) = setup();
    let wrong = api.raw(
        "GET",
        "/repos/acme/config",
        &[STANDARD_HEADERS[0], ("authorization", "Bearer ghs_nope")],
        b"",
    );
    assert_eq!(wrong.status, 401);
    assert_eq!(
        wrong.body,
        json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
    );
    let basic = api.raw(
        "GET",
        "/repos/acme/config",
        &[STANDARD_HEADERS[0], ("authorization", "Basic Z2hzX3Rlc3Q=")],
        b"",
    );
    assert_eq!(basic.status, 401);
    let none = api.raw("GET", "/repos/acme/config", &[STANDARD_HEADERS[0]], b"");
    assert_eq!(none.status, 401);
    assert_eq!(none.body["message"], "Requires authentication");
}

#[test]
fn bearer_and_token_schemes_are_both_accepted() {
    let (_gh, api, _) = setup();
    for auth in ["Bearer ghs_test", "token ghs_test", "bearer ghs_test"] {
        let r = api.raw(
            "GET",
            "/repos/acme/config",
            &[STANDARD_HEADERS[0], ("authorization", auth)],
            b"",
        );
        assert_eq!(r.status, 200, "{auth}: {:#}", r.body);
        assert_eq!(r.body["full_name"], "acme/config");
        assert_eq!(r.body["default_branch"], "main");
        assert_eq!(r.body["permissions"]["push"], true);
    }
}

#[test]
fn a_request_without_user_agent_is_403() {
    let (_gh, api, _) = setup();
    let r = api.raw(
        "GET",
        "/repos/acme/config",
        &[("authorization", "Bearer ghs_test")],
        b"",
    );
    assert_eq!(r.status, 403);
    assert!(
        r.body["message"].as_str().unwrap().contains("User-Agent"),
        "{:#}",
        r.body
    );
}

#[test]
fn api_versions_other_than_the_two_served_are_400() {
    let (_gh, api, _) = setup();
    let with_version = |v: &str| {
        api.raw(
            "GET",
            "/repos/acme/config",
            &[
                STANDARD_HEADERS[0],
                ("authorization", "token ghs_test"),
                ("x-github-api-version", v),
            ],
            b"",
        )
    };
    let bad = with_version("2021-01-01");
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.body["message"],
        "Invalid API version provided: 2021-01-01. Supported versions are: 2022-11-28, 2026-03-10."
    );
    let new = with_version("2026-03-10").expect(200);
    assert_eq!(new.header("x-github-api-version-selected"), Some("2026-03-10"));
    // 2026-03-10 drops two repository fields.
    assert!(new.body.get("has_downloads").is_none());
    let old = api.get("/repos/acme/config").expect(200);
    assert_eq!(old.header("x-github-api-version-selected"), Some("2022-11-28"));
    assert_eq!(old.body["has_downloads"], true);
}

#[test]
fn accept_must_allow_json() {
    let (_gh, api, _) = setup();
    let accept = |a: &str| {
        api.raw(
            "GET",
            "/repos/acme/config",
            &[STANDARD_HEADERS[0], ("authorization", "token ghs_test"), ("accept", a)],
            b"",
        )
        .status
    };
    assert_eq!(accept("application/vnd.github+json"), 200);
    assert_eq!(accept("application/vnd.github.v3+json"), 200);
    assert_eq!(accept("application/json"), 200);
    assert_eq!(accept("*/*"), 200);
    assert_eq!(accept("text/html"), 415);
}

#[test]
fn unknown_routes_and_repositories_are_404_basic_error() {
    let (_gh, api, _) = setup();
    for path in [
        "/repos/acme/config/branches",
        "/repos/acme/nope",
        "/repos/acme/nope/pulls",
        "/user",
    ] {
        let r = api.get(path).expect(404);
        assert_eq!(r.body["message"], "Not Found", "{path}");
        assert!(
            r.body["documentation_url"]
                .as_str()
                .unwrap()
                .starts_with("https://docs.github.com/rest")
        );
    }
    // Owner and repository names are case-insensitive, as on GitHub.
    assert_eq!(
        api.get("/repos/ACME/Config").expect(200).body["full_name"],
        "acme/config"
    );
}

#[test]
fn a_body_that_is_not_json_is_400_problems_parsing_json() {
    let (_gh, api, _) = setup();
    let mut headers = STANDARD_HEADERS.to_vec();
    headers.push(("authorization", "Bearer ghs_test"));
    let r = api.raw("POST", "/repos/acme/config/git/blobs", &headers, b"{not json");
    assert_eq!(r.status, 400);
    assert_eq!(r.body["message"], "Problems parsing JSON");
}

#[test]
fn missing_fields_wrong_types_and_bad_enums_are_422_with_errors() {
    let (_gh, api, _) = setup();
    let r = api
        .post("/repos/acme/config/git/refs", json!({"ref": "refs/heads/x"}))
        .expect(422);
    assert_eq!(r.body["message"], "Validation Failed");
    assert_eq!(
        r.body["errors"],
        json!([{"resource": "Reference", "field": "sha", "code": "missing_field"}])
    );
    let r = api
        .post("/repos/acme/config/git/refs", json!({"ref": 7, "sha": "x"}))
        .expect(422);
    assert_eq!(
        r.body["errors"],
        json!([{"resource": "Reference", "field": "ref", "code": "invalid", "value": 7}])
    );
    let r = api
        .post(
            "/repos/acme/config/git/trees",
            json!({"tree": [{"path": "a", "mode": "100600", "type": "blob", "content": "x"}]}),
        )
        .expect(422);
    assert_eq!(
        r.body["errors"],
        json!([{"resource": "Tree", "field": "tree[0].mode", "code": "invalid", "value": "100600"}])
    );
    let r = api
        .patch("/repos/acme/config/pulls/1", json!({"state": "merged"}))
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "state");
    // An empty body where one is required: every required field is missing.
    let r = api.call("POST", "/repos/acme/config/git/commits", None).expect(422);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["message", "tree"]);
}

#[test]
fn every_response_carries_rate_limit_headers_and_spends_the_budget() {
    let (gh, api, _) = setup();
    let first = api.get("/repos/acme/config").expect(200);
    let second = api.get("/repos/acme/nope").expect(404);
    assert_eq!(first.header("x-ratelimit-limit"), Some("5000"));
    assert_eq!(first.header("x-ratelimit-remaining"), Some("4999"));
    assert_eq!(first.header("x-ratelimit-used"), Some("1"));
    assert_eq!(first.header("x-ratelimit-resource"), Some("core"));
    assert_eq!(second.header("x-ratelimit-remaining"), Some("4998"));
    let reset: u64 = first.header("x-ratelimit-reset").unwrap().parse().unwrap();
    let now = super::super::ratelimit::epoch_now();
    assert!(reset > now && reset <= now + 3600, "reset {reset}, now {now}");
    assert_eq!(gh.rate_limit_remaining(), 4998);
}

#[test]
fn a_spent_budget_answers_403_with_remaining_zero() {
    let gh = GitHubStandIn::start(StandInOptions {
        rate_limit: 2,
        ..Default::default()
    });
    gh.add_repo("acme", "config", "main");
    let api = Api::new(&gh);
    api.get("/repos/acme/config").expect(200);
    api.get("/repos/acme/config").expect(200);
    let r = api.get("/repos/acme/config").expect(403);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("API rate limit exceeded")
    );
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(r.header("x-ratelimit-used"), Some("2"));
}

#[test]
fn connections_are_kept_alive_and_the_log_hides_the_token() {
    let (gh, api, _) = setup();
    for _ in 0..3 {
        api.get("/repos/acme/config").expect(200);
    }
    let log = gh.requests();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|r| r.connection == log[0].connection), "{log:#?}");
    assert_eq!(log[0].header("authorization"), Some("Bearer ***"));
    assert_eq!(log[0].operation, Some("repos/get"));
    assert_eq!(log[0].target, "/repos/acme/config");
    assert_eq!(log[0].status, 200);
    gh.clear_requests();
    api.post("/repos/acme/config/git/blobs", json!({"content": "x"}))
        .expect(201);
    let log = gh.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].body, Some(json!({"content": "x"})));
    assert_eq!(
        log[0].response_body.as_ref().unwrap()["sha"],
        "c1b0730e0133447badcfd47fd144e254807b06e1"
    );
}
