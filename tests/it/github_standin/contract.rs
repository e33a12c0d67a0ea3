//! The stand-in against its contract, `../shared/github-api/github-rest-subset.json` (GitHub's
//! OpenAPI description of the 19 operations), read at test time from `$TAGBUMP_GITHUB_API`
//! (default: that path from the crate root) and never copied into the project.
//! `TAGBUMP_GITHUB_API=off` turns these tests off, for the project's GitHub workflows, which lack
//! the file; a missing file fails them.
//!
//! What is checked, so the hand-written stand-in cannot drift from the spec:
//! - every route is an operation of the spec (operationId, method, path template, path
//!   parameters, docs URL), and every operation of the spec has a route;
//! - every request-body shape equals the spec's request schema: the same properties with the
//!   same types, the same `required` (and `anyOf` of required), enums, nullability, lengths,
//!   `maxProperties`, `minItems`; whether a body is required;
//! - every status a route's own logic answers is documented for the operation, and the ones
//!   GitHub answers although the spec documents none are declared (and really are absent from
//!   the spec); the statuses any route may answer are backed by the spec's general sections;
//! - a scripted flow through all 19 operations (successes and the usual errors, API version
//!   2026-03-10 included) answers only allowed statuses, with bodies valid against the spec's
//!   schema for that status (`schema.rs`) and the documented `Location` and `Link` headers.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::routes::{GENERAL_STATUSES, ROUTES, Route};
use super::schema;
use super::shape::{Field, Ty};
use super::tests::{Api, STANDARD_HEADERS, api_commit, setup};

/// The spec, `None` when turned off. Panics with a hint when it is missing.
fn spec() -> Option<Value> {
    let v = std::env::var("TAGBUMP_GITHUB_API").unwrap_or_default();
    if v == "off" {
        eprintln!("GitHub API contract turned off by TAGBUMP_GITHUB_API=off");
        return None;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let file = if v.is_empty() {
        root.join("../shared/github-api/github-rest-subset.json")
    } else {
        root.join(v)
    };
    assert!(
        file.is_file(),
        "GitHub API contract not found at {}\nhint: set TAGBUMP_GITHUB_API to github-rest-subset.json, or to `off` to skip it",
        file.display()
    );
    let text = fs_err::read_to_string(&file).unwrap();
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display())))
}

fn operations(spec: &Value) -> &Vec<Value> {
    spec["operations"].as_array().expect("the spec lists operations")
}

fn operation<'a>(spec: &'a Value, id: &str) -> &'a Value {
    operations(spec)
        .iter()
        .find(|o| o["operationId"] == id)
        .unwrap_or_else(|| panic!("the spec has no operation {id}"))
}

fn route(id: &str) -> &'static Route {
    ROUTES.iter().find(|r| r.operation_id == id).expect("a route")
}

/// Fail listing every problem at once.
fn report(problems: Vec<String>, what: &str) {
    assert!(
        problems.is_empty(),
        "{} {what}:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_route_is_an_operation_of_the_spec_and_every_operation_has_a_route() {
    let Some(spec) = spec() else { return };
    let mut problems = Vec::new();
    for r in &ROUTES {
        let Some(op) = operations(&spec).iter().find(|o| o["operationId"] == r.operation_id) else {
            problems.push(format!("{}: not an operation of the spec", r.operation_id));
            continue;
        };
        for (field, ours) in [("method", r.method), ("path", r.template), ("docs_url", r.docs_url)] {
            if op[field] != ours {
                problems.push(format!(
                    "{}: {field} is {} in the spec, {ours:?} here",
                    r.operation_id, op[field]
                ));
            }
        }
        let spec_params: BTreeSet<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        let our_params: BTreeSet<&str> = r
            .template
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        if spec_params != our_params {
            problems.push(format!(
                "{}: path parameters {spec_params:?} in the spec, {our_params:?} here",
                r.operation_id
            ));
        }
    }
    for op in operations(&spec) {
        if !ROUTES.iter().any(|r| op["operationId"] == r.operation_id) {
            problems.push(format!(
                "{}: an operation of the spec without a route",
                op["operationId"]
            ));
        }
    }
    report(problems, "route(s) differ from the spec");
}

fn ty_name(ty: &Ty) -> &'static str {
    match ty {
        Ty::Str => "string",
        Ty::Int => "integer",
        Ty::Bool => "boolean",
        Ty::Obj(_) | Ty::FreeObj => "object",
        Ty::Array(_) => "array",
        Ty::OneOf(_) => "oneOf",
    }
}

/// Every difference between our type and the spec's schema.
fn compare_ty(ty: &Ty, s: &Value, path: &str, out: &mut Vec<String>) {
    if let Ty::OneOf(alternatives) = ty {
        let theirs = s["oneOf"].as_array().cloned().unwrap_or_default();
        if theirs.len() != alternatives.len() {
            out.push(format!(
                "{path}: {} oneOf alternatives here, {} in the spec",
                alternatives.len(),
                theirs.len()
            ));
        }
        for (i, (a, b)) in alternatives.iter().zip(&theirs).enumerate() {
            compare_ty(a, b, &format!("{path}/oneOf[{i}]"), out);
        }
        return;
    }
    let spec_type = s["type"].as_str().unwrap_or("(none)");
    if spec_type != ty_name(ty) {
        out.push(format!("{path}: {} here, {spec_type} in the spec", ty_name(ty)));
        return;
    }
    match ty {
        Ty::Array(item) => compare_ty(item, &s["items"], &format!("{path}[]"), out),
        Ty::FreeObj if s.get("properties").is_some() || s["additionalProperties"] == json!(false) => {
            out.push(format!("{path}: a free-form object here, not in the spec"));
        }
        Ty::Obj(shape) => {
            let empty = serde_json::Map::new();
            let props = s["properties"].as_object().unwrap_or(&empty);
            let ours: BTreeSet<&str> = shape.fields.iter().map(|f| f.name).collect();
            let theirs: BTreeSet<&str> = props.keys().map(String::as_str).collect();
            if ours != theirs {
                out.push(format!("{path}: properties {ours:?} here, {theirs:?} in the spec"));
            }
            let mut req_ours: Vec<&str> = shape.fields.iter().filter(|f| f.required).map(|f| f.name).collect();
            let mut req_theirs: Vec<&str> = s["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            req_ours.sort();
            req_theirs.sort();
            if req_ours != req_theirs {
                out.push(format!(
                    "{path}: required {req_ours:?} here, {req_theirs:?} in the spec"
                ));
            }
            let any_of: Vec<&str> = s["anyOf"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|a| a["required"].as_array().into_iter().flatten().filter_map(Value::as_str))
                .collect();
            if any_of != shape.any_of {
                out.push(format!(
                    "{path}: anyOf required {:?} here, {any_of:?} in the spec",
                    shape.any_of
                ));
            }
            for f in shape.fields {
                if let Some(p) = props.get(f.name) {
                    compare_field(f, p, &format!("{path}.{}", f.name), out);
                }
            }
        }
        _ => {}
    }
}

fn compare_field(f: &Field, s: &Value, path: &str, out: &mut Vec<String>) {
    compare_ty(&f.ty, s, path, out);
    let enumeration: Vec<&str> = s["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if enumeration != f.enumeration {
        out.push(format!(
            "{path}: enum {:?} here, {enumeration:?} in the spec",
            f.enumeration
        ));
    }
    let nullable = s["nullable"] == json!(true);
    if nullable != f.nullable {
        out.push(format!("{path}: nullable {} here, {nullable} in the spec", f.nullable));
    }
    let num = |k: &str| s[k].as_u64().map(|n| n as usize);
    for (k, ours) in [
        ("minLength", f.min_len),
        ("maxLength", f.max_len),
        ("maxProperties", f.max_props),
        ("minItems", f.min_items),
    ] {
        if num(k) != ours {
            out.push(format!("{path}: {k} {ours:?} here, {:?} in the spec", num(k)));
        }
    }
}

#[test]
fn request_body_shapes_equal_the_spec() {
    let Some(spec) = spec() else { return };
    let mut problems = Vec::new();
    for r in &ROUTES {
        let op = operation(&spec, r.operation_id);
        let body = &op["requestBody"];
        match r.body {
            None if body.is_null() => {}
            None => problems.push(format!("{}: the spec documents a request body", r.operation_id)),
            Some(_) if body.is_null() => problems.push(format!("{}: a body here, none in the spec", r.operation_id)),
            Some(ty) => {
                if body["required"] != json!(r.body_required) {
                    problems.push(format!(
                        "{}: body required {} here, {} in the spec",
                        r.operation_id, r.body_required, body["required"]
                    ));
                }
                let schema = &body["content"]["application/json"]["schema"];
                compare_ty(ty, schema, r.operation_id, &mut problems);
            }
        }
    }
    report(problems, "request-body difference(s)");
}

/// An `error_responses` entry's `typical_status` (a string in the spec).
fn typical(e: &Value) -> Option<u16> {
    e["typical_status"].as_str()?.parse().ok()
}

/// Where the spec backs a status that any route may answer; `None` for the one it does not.
fn general_status_source(spec: &Value, status: u16) -> Option<String> {
    let typical = spec["error_responses"]
        .as_object()
        .into_iter()
        .flatten()
        .find(|(_, e)| typical(e) == Some(status))
        .map(|(name, _)| format!("error_responses.{name}"));
    let rate = &spec["conventions"]["rate_limit"];
    match status {
        429 => (rate["primary_exceeded"].as_str().is_some_and(|t| t.contains("429")))
            .then(|| "conventions.rate_limit.primary_exceeded".to_string()),
        404 | 403 => typical.filter(|_| {
            spec["conventions"]["auth_failure"]
                .as_str()
                .is_some_and(|t| t.contains("404 or 403"))
        }),
        _ => typical,
    }
}

/// Statuses the stand-in answers on any route that the spec does not mention at all.
const BEYOND_THE_SPEC: [(u16, &str); 1] = [(
    415,
    "an Accept header that excludes JSON: GitHub answers 415 \"Unsupported 'Accept' header\"",
)];

#[test]
fn every_status_a_route_answers_is_documented_or_declared() {
    let Some(spec) = spec() else { return };
    let mut problems = Vec::new();
    for r in &ROUTES {
        let op = operation(&spec, r.operation_id);
        let documented = |s: u16| op["responses"].get(s.to_string()).is_some();
        for s in r.statuses {
            if !documented(*s) {
                problems.push(format!(
                    "{}: answers {s}, which the spec does not document for it",
                    r.operation_id
                ));
            }
        }
        for (s, why) in r.undocumented {
            if documented(*s) {
                problems.push(format!(
                    "{}: {s} is declared undocumented ({why}) but the spec documents it",
                    r.operation_id
                ));
            }
        }
    }
    for s in GENERAL_STATUSES {
        match (
            general_status_source(&spec, s),
            BEYOND_THE_SPEC.iter().find(|(b, _)| *b == s),
        ) {
            (Some(src), _) => eprintln!("any route may answer {s}: {src}"),
            (None, Some((_, why))) => eprintln!("any route may answer {s}, beyond the spec: {why}"),
            (None, None) => problems.push(format!("{s} is answered on any route but nothing in the spec backs it")),
        }
    }
    report(problems, "undocumented status(es)");
}

/// Apply `x-github-breaking-changes` patches of `version` (JSON Pointer remove/replace).
fn patched(op: &Value, version: &str) -> Value {
    let mut op = op.clone();
    for change in op["x-github-breaking-changes"].as_array().cloned().unwrap_or_default() {
        if change["version"] != version {
            continue;
        }
        for p in change["patch"].as_array().cloned().unwrap_or_default() {
            let path = p["path"].as_str().unwrap_or_default();
            let (parent, last) = path.rsplit_once('/').unwrap_or(("", path));
            let last = last.replace("~1", "/").replace("~0", "~");
            let Some(target) = op.pointer_mut(parent).and_then(Value::as_object_mut) else {
                continue;
            };
            match p["op"].as_str() {
                Some("remove") => {
                    target.remove(&last);
                }
                Some("replace" | "add") => {
                    target.insert(last, p["value"].clone());
                }
                _ => {}
            }
        }
    }
    op
}

/// Calls every operation: the `tagbump update` flow, the usual refusals, and a dispatch under
/// API version 2026-03-10.
fn scripted_flow(api: &Api, gh: &super::GitHubStandIn, base: &str) {
    let r = |p: &str| format!("/repos/acme/config{p}");
    gh.add_collaborator("acme", "config", "alice");
    gh.add_team("acme", "config", "platform");
    let wf = gh.add_workflow("acme", "config", "deploy.yml");
    api.get(&r(""));
    api.get(&r("/git/ref/heads/main"));
    api.get(&r("/git/ref/heads/nope"));
    let commit = api_commit(api, base, "apps/cart/values.yaml", "tag: 2\n");
    api.post(
        &r("/git/trees"),
        json!({"tree": [{"path": "x", "mode": "100644", "type": "blob", "sha": "0".repeat(40)}]}),
    );
    api.post(&r("/git/blobs"), json!({"content": "eA==", "encoding": "base64"}));
    api.post(&r("/git/blobs"), json!({}));
    api.get(&format!("/repos/acme/config/git/commits/{commit}"));
    api.get(&format!("/repos/acme/config/git/commits/{}", "1".repeat(40)));
    api.post(&r("/git/commits"), json!({"message": "m", "tree": "2".repeat(40)}));
    api.patch(&r("/git/refs/heads/main"), json!({"sha": commit}));
    let tip = gh.advance_branch("acme", "config", "main", &[("other", "x")]);
    let bump = api_commit(api, &tip, "apps/shop/kustomization.yaml", "newTag: 1.1.0\n");
    api.post(&r("/git/refs"), json!({"ref": "refs/heads/tagbump/shop", "sha": bump}));
    api.post(&r("/git/refs"), json!({"ref": "refs/heads/tagbump/shop", "sha": bump}));
    api.patch(&r("/git/refs/heads/tagbump/shop"), json!({"sha": base}));
    let pull = json!({"title": "Bump shop", "head": "tagbump/shop", "base": "main", "body": "b"});
    gh.seed_commit("acme", "config", "tagbump/cart", &[("c", "1")]);
    api.post(&r("/pulls"), pull.clone());
    api.post(&r("/pulls"), pull);
    api.post(
        &r("/pulls"),
        json!({"title": "t", "head": "tagbump/cart", "base": "main"}),
    );
    api.get(&r("/pulls?head=acme:tagbump/shop"));
    api.get(&r("/pulls?per_page=1"));
    api.get(&r("/pulls?state=merged"));
    api.patch(&r("/pulls/1"), json!({"title": "Bump shop to 1.1.0", "state": "open"}));
    api.patch(&r("/pulls/1"), json!({"base": "nope"}));
    api.post(
        &r("/issues/1/labels"),
        json!({"labels": ["tagbump", {"name": "deploy"}]}),
    );
    api.post(&r("/issues/1/labels"), json!({"labels": []}));
    api.post(&r("/issues/99/labels"), json!(["x"]));
    api.post(
        &r("/pulls/1/requested_reviewers"),
        json!({"reviewers": ["alice"], "team_reviewers": ["platform"]}),
    );
    api.post(&r("/pulls/1/requested_reviewers"), json!({"reviewers": ["mallory"]}));
    api.get(&r("/pulls"));
    api.get(&r("/contents/apps/shop/kustomization.yaml"));
    api.get(&r("/contents/apps"));
    api.get(&r("/contents/nope"));
    api.put(&r("/contents/new.yaml"), json!({"message": "m", "content": "eDogMQo="}));
    api.put(&r("/contents/new.yaml"), json!({"message": "m", "content": "eDogMgo="}));
    api.put(
        &r("/contents/new.yaml"),
        json!({"message": "m", "content": "eDogMgo=", "sha": "3".repeat(40)}),
    );
    api.post(&r("/actions/workflows/deploy.yml/dispatches"), json!({"ref": "main"}));
    let run = api.post(
        &r(&format!("/actions/workflows/{wf}/dispatches")),
        json!({"ref": "main", "inputs": {"tag": "1.1.0"}, "return_run_details": true}),
    );
    api.post(&r("/actions/workflows/deploy.yml/dispatches"), json!({"ref": "nope"}));
    let mut headers: Vec<(&str, &str)> = STANDARD_HEADERS[..2].to_vec();
    headers.extend([
        ("x-github-api-version", "2026-03-10"),
        ("authorization", "Bearer ghs_test"),
    ]);
    api.raw(
        "POST",
        &r("/actions/workflows/deploy.yml/dispatches"),
        &headers,
        br#"{"ref":"main"}"#,
    );
    api.get(&r("/actions/workflows/deploy.yml/runs"));
    api.get(&r("/actions/workflows/deploy.yml/runs?per_page=1&page=2"));
    api.get(&format!(
        "/repos/acme/config/actions/runs/{}",
        run.body["workflow_run_id"]
    ));
    api.post(
        &r("/dispatches"),
        json!({"event_type": "tagbump", "client_payload": {"tag": "1.1.0"}}),
    );
    api.post(&r("/dispatches"), json!({"event_type": ""}));
}

#[test]
fn every_answer_of_a_scripted_flow_matches_the_spec() {
    let Some(spec) = spec() else { return };
    let (gh, api, base) = setup();
    scripted_flow(&api, &gh, &base);
    let mut problems = Vec::new();
    let mut answered: BTreeSet<(&str, u16)> = BTreeSet::new();
    for req in gh.requests() {
        let Some(id) = req.operation else {
            problems.push(format!("{} {}: not routed", req.method, req.target));
            continue;
        };
        let what = format!("{} {} ({id}) → {}", req.method, req.target, req.status);
        let r = route(id);
        if !r.allows(req.status) {
            problems.push(format!("{what}: a status the route does not declare"));
        }
        answered.insert((id, req.status));
        let version = req.header("x-github-api-version").unwrap_or("2022-11-28");
        let op = patched(operation(&spec, id), version);
        let documented = op["responses"].get(req.status.to_string()).cloned();
        if documented.is_none() && r.statuses.contains(&req.status) {
            problems.push(format!("{what}: not documented under API version {version}"));
        }
        // The general error statuses not listed for an operation use the spec's general shapes.
        let response = documented.or_else(|| {
            spec["error_responses"]
                .as_object()
                .into_iter()
                .flatten()
                .find(|(_, e)| typical(e) == Some(req.status))
                .map(|(_, e)| e.clone())
        });
        let Some(response) = response else { continue };
        match (&response["content"]["application/json"]["schema"], &req.response_body) {
            (Value::Null, None) => {}
            // A success documented without content (204) has no body; an error documented
            // without one (422 of request-reviewers) still gets GitHub's error body.
            (Value::Null, Some(_)) if req.status < 300 => {
                problems.push(format!("{what}: a body where the spec documents none"));
            }
            (Value::Null, Some(_)) => {}
            (_, None) => problems.push(format!("{what}: no body where the spec documents one")),
            (schema, Some(body)) => {
                for e in schema::validate(body, schema) {
                    problems.push(format!("{what}: {e}"));
                }
            }
        }
        if response["headers"].get("Location").is_some() && req.response_header("location").is_none() {
            problems.push(format!("{what}: no Location header"));
        }
        let multi_page = req.target.contains("per_page=1");
        if response["headers"].get("Link").is_some() && multi_page && req.response_header("link").is_none() {
            problems.push(format!("{what}: no Link header on a page of several"));
        }
    }
    for r in &ROUTES {
        if !answered
            .iter()
            .any(|(id, s)| *id == r.operation_id && (200..300).contains(s))
        {
            problems.push(format!("{}: the flow never succeeded on it", r.operation_id));
        }
    }
    eprintln!("{} (operation, status) pairs checked against the spec", answered.len());
    report(problems, "answer(s) that do not match the spec");
}
