//! The checks every request passes, in the order GitHub makes them, then the operation:
//!
//! 1. no `User-Agent` → 403 (GitHub rejects such requests before anything else);
//! 2. an injected fault that matches fires (it may replace the answer, or move a branch first);
//! 3. `Authorization`: none → 401 "Requires authentication", not `Bearer T`/`token T` with the
//!    configured token → 401 "Bad credentials";
//! 4. the rate-limit budget: spent → 403 "API rate limit exceeded";
//! 5. `X-GitHub-Api-Version`, if sent, is `2022-11-28` or `2026-03-10` → else 400;
//! 6. `Accept`, if sent, allows JSON → else 415;
//! 7. a known (method, path) → else 404; an unknown repository → 404;
//! 8. the body is JSON (400 "Problems parsing JSON") of the operation's shape (422);
//! 9. the operation itself.
//!
//! A repository linked to a bare git repository (`state/link.rs`) is first brought up to date
//! from it, before step 2 (so a fault's concurrent push builds on the real tip), and receives
//! the objects the request made after step 9; when that fails the answer is a 500 saying why.
//!
//! Every answer gets the rate-limit headers, `x-github-api-version-selected` and a request id,
//! and is logged (with the token redacted) for [`super::GitHubStandIn::requests`].

use serde_json::Value;

use super::api::Ctx;
use super::faults::FaultKind;
use super::handle::{Shared, seed_person};
use super::routes;
use super::shape;
use super::state::{Repo, State};
use super::wire::{DOCS, LoggedRequest, Reply, Req};

/// The API versions GitHub serves; the first is the default.
pub const VERSIONS: [&str; 2] = ["2022-11-28", "2026-03-10"];

/// Answer one request and log it.
pub fn handle(shared: &Shared, req: Req) -> Reply {
    let mut guard = shared.state.lock().unwrap_or_else(|e| e.into_inner());
    let st = &mut *guard;
    let found = routes::find(&req.method, &req.path);
    let route = found.as_ref().map(|(r, _)| *r);
    // A linked repository: the bare repository first, for everything that follows (a fault's
    // concurrent push included); the objects the request made into it last.
    let (mut reply, fault) = match on_repo(st, &req.path, |r| r.sync().map(drop)) {
        Ok(()) => answer(shared, st, &req, found),
        Err(e) => (Reply::internal(&e), false),
    };
    if let Err(e) = on_repo(st, &req.path, Repo::flush) {
        reply = Reply::internal(&e);
    }
    if let Some(route) = route
        && !fault
        && !reply.internal
        && !route.allows(reply.status)
    {
        // A bug in the stand-in: make it loud rather than let a test pass on an answer GitHub
        // never gives.
        reply = Reply::error(
            500,
            &format!(
                "stand-in bug: {} answered {} which its route does not declare",
                route.operation_id, reply.status
            ),
            DOCS,
        );
    }
    let version = req.header("x-github-api-version").unwrap_or(VERSIONS[0]);
    let mut headers = st.rate.headers();
    for (k, v) in reply.headers.drain(..) {
        headers.retain(|(h, _)| !h.eq_ignore_ascii_case(&k));
        headers.push((k, v));
    }
    let request_id = format!("0000:{:04X}:STANDIN", st.log.len() + 1);
    headers.push(("x-github-request-id".into(), request_id));
    if VERSIONS.contains(&version) {
        headers.push(("x-github-api-version-selected".into(), version.to_string()));
    }
    headers.push(("x-github-media-type".into(), "github.v3; format=json".into()));
    reply.headers = headers;
    st.log.push(LoggedRequest {
        method: req.method.clone(),
        target: if req.query.is_empty() {
            req.path.clone()
        } else {
            format!("{}?{}", req.path, req.query)
        },
        operation: route.map(|r| r.operation_id),
        headers: redact(&req.headers),
        body: serde_json::from_slice(&req.body).ok(),
        status: reply.status,
        response_headers: reply.headers.clone(),
        response_body: reply.body.clone(),
        fault,
        connection: req.conn,
    });
    reply
}

fn redact(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            if k == "authorization" {
                let scheme = v.split_whitespace().next().unwrap_or("");
                (k.clone(), format!("{scheme} ***"))
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect()
}

/// The answer, and whether a fault produced it.
fn answer(
    shared: &Shared,
    st: &mut State,
    req: &Req,
    route: Option<(&'static routes::Route, Vec<(&'static str, String)>)>,
) -> (Reply, bool) {
    let docs = route.as_ref().map_or(DOCS, |(r, _)| r.docs_url);
    if req.header("user-agent").is_none_or(|ua| ua.trim().is_empty()) {
        let message = "Request forbidden by administrative rules. Please make sure your request has a User-Agent \
                       header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). \
                       Check https://developer.github.com for other possible causes.";
        return (Reply::error(403, message, DOCS), false);
    }

    if let Some(i) = st.faults.iter().position(|f| f.matches(&req.method, &req.path)) {
        let fault = st.faults[i].clone();
        st.faults[i].times -= 1;
        if st.faults[i].times == 0 {
            st.faults.remove(i);
        }
        if let Some(reply) = fault.reply(st.rate.limit) {
            st.rate.take();
            return (reply, true);
        }
        if let FaultKind::AdvanceBranch { branch, files } = &fault.kind
            && let Err(e) = advance_from_path(st, &req.path, branch, files)
        {
            return (Reply::internal(&e), false);
        }
    }

    let token = req.header("authorization").map(|a| {
        let (scheme, rest) = a.split_once(' ').unwrap_or((a, ""));
        (scheme.to_ascii_lowercase(), rest.trim().to_string())
    });
    match token {
        None => return (Reply::error(401, "Requires authentication", DOCS), false),
        Some((scheme, t)) if !(matches!(scheme.as_str(), "bearer" | "token") && t == shared.options.token) => {
            return (Reply::error(401, "Bad credentials", DOCS), false);
        }
        Some(_) => {}
    }

    if !st.rate.take() {
        let reply = Reply::error(403, super::ratelimit::PRIMARY_MESSAGE, super::ratelimit::DOCS_PRIMARY);
        return (reply, false);
    }

    let version = req.header("x-github-api-version");
    if let Some(v) = version
        && !VERSIONS.contains(&v)
    {
        let message = format!(
            "Invalid API version provided: {v}. Supported versions are: {}.",
            VERSIONS.join(", ")
        );
        return (Reply::error(400, &message, DOCS), false);
    }

    if let Some(accept) = req.header("accept")
        && !accepts_json(accept)
    {
        let message = format!("Unsupported 'Accept' header: {accept:?}. Must accept 'application/json'.");
        return (Reply::error(415, &message, DOCS), false);
    }

    let Some((route, params)) = route else {
        return (Reply::not_found(DOCS), false);
    };
    let owner = &params[0].1;
    let repo = &params[1].1;
    if st.repo(owner, repo).is_none() {
        return (Reply::not_found(docs), false);
    }

    let body = match route.body {
        None => Value::Null,
        Some(ty) => {
            let body = if req.body.iter().all(u8::is_ascii_whitespace) {
                if route.body_required {
                    Some(Value::Object(Default::default()))
                } else {
                    None
                }
            } else {
                match serde_json::from_slice::<Value>(&req.body) {
                    Ok(v) => Some(v),
                    Err(_) => return (Reply::error(400, "Problems parsing JSON", docs), false),
                }
            };
            match body {
                None => Value::Null,
                Some(body) => {
                    let errors = shape::check(ty, &body, "");
                    if !errors.is_empty() {
                        return (Reply::validation("Validation Failed", errors, docs), false);
                    }
                    body
                }
            }
        }
    };

    let mut ctx = Ctx {
        req,
        params,
        body,
        st,
        base: &shared.base_url,
        v2026: version == Some(VERSIONS[1]),
        login: &shared.options.login,
        route,
    };
    let reply = match (route.handler)(&mut ctx) {
        Ok(r) | Err(r) => r,
    };
    (reply, false)
}

/// `application/vnd.github+json`, `application/vnd.github.v3+json`, `application/json`,
/// `application/*`, `*/*`: any that lets GitHub answer JSON.
fn accepts_json(accept: &str) -> bool {
    accept.split(',').any(|part| {
        let media = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        media == "*/*"
            || media == "application/*"
            || media == "application/json"
            || (media.starts_with("application/vnd.github") && media.ends_with("json"))
            || media == "application/vnd.github"
    })
}

/// The repository a request path names (`/repos/{owner}/{repo}/...`), if the stand-in has it.
fn repo_of_path<'a>(st: &'a mut State, path: &str) -> Option<&'a mut Repo> {
    let mut segs = path.trim_start_matches('/').split('/');
    let (Some("repos"), Some(owner), Some(name)) = (segs.next(), segs.next(), segs.next()) else {
        return None;
    };
    st.repo_mut(owner, name)
}

/// `f` on the repository `path` names, if any.
fn on_repo(st: &mut State, path: &str, f: impl FnOnce(&mut Repo) -> Result<(), String>) -> Result<(), String> {
    repo_of_path(st, path).map_or(Ok(()), f)
}

/// The [`FaultKind::AdvanceBranch`] action on the repository a request path names.
fn advance_from_path(st: &mut State, path: &str, branch: &str, files: &[(String, Vec<u8>)]) -> Result<(), String> {
    let time = st.counters.now();
    let Some(repo) = repo_of_path(st, path) else {
        return Ok(());
    };
    let changes: Vec<(String, Option<Vec<u8>>)> = files.iter().map(|(p, b)| (p.clone(), Some(b.clone()))).collect();
    repo.commit_files(branch, &changes, "Concurrent change", &seed_person(time))
        .map(drop)
        .map_err(|e| format!("the concurrent push to {branch}: {e}"))
}
