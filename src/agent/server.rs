//! The agent's HTTP endpoint: the push webhook, `/metrics`, `/healthz`, `/readyz`.
//!
//! - `POST /webhook`: a GitHub (or compatible) push event, signed with the shared secret
//!   (`X-Hub-Signature-256`, checked before the body is even parsed). The sources whose
//!   repository and branch the push names sync at once; a `ping` gets a 200. Without a
//!   configured secret the endpoint answers 404: an unsigned trigger would let anyone make
//!   the agent hammer the git server.
//! - `GET /metrics`: Prometheus text format ([`super::metrics`]).
//! - `GET /healthz`: the process serves (liveness).
//! - `GET /readyz`: the agent reached the API server on its last attempt (readiness).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use super::metrics::Metrics;
use super::webhook;

/// GitHub caps webhook payloads at 25 MB.
const MAX_BODY: usize = 25 * 1024 * 1024;

/// A source as the webhook matches it.
pub struct Target {
    pub name: String,
    pub repository: String,
    pub branch: String,
    pub trigger: Arc<Notify>,
}

pub struct Shared {
    pub metrics: Arc<Metrics>,
    pub secret: Option<Vec<u8>>,
    pub targets: Vec<Target>,
    pub ready: AtomicBool,
}

/// `https://github.com/Acme/Config.git/` and `git@github.com:acme/config` are one repository:
/// host and path, lower case, without `.git`, scheme, user or trailing slash.
pub fn repo_key(url: &str) -> String {
    let u = url.trim().trim_end_matches('/');
    let u = u.strip_suffix(".git").unwrap_or(u);
    let rest = u.split_once("://").map_or(u, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    // scp-like `host:path` (no scheme): the first `:` separates host and path.
    let rest = if url.contains("://") {
        rest.to_string()
    } else {
        rest.replacen(':', "/", 1)
    };
    rest.to_ascii_lowercase()
}

fn reply(status: StatusCode, body: impl Into<String>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.into())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// The sources a push event names (repository URLs in the payload, branch from `ref`).
pub fn matching<'a>(targets: &'a [Target], payload: &Value) -> Vec<&'a Target> {
    let Some(branch) = payload
        .get("ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("refs/heads/"))
    else {
        return Vec::new();
    };
    let repo = payload.get("repository");
    let urls: Vec<String> = ["clone_url", "html_url", "ssh_url", "git_url", "url"]
        .iter()
        .filter_map(|k| repo.and_then(|r| r.get(k)).and_then(Value::as_str))
        .map(repo_key)
        .collect();
    targets
        .iter()
        .filter(|t| t.branch == branch && urls.contains(&repo_key(&t.repository)))
        .collect()
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/healthz") => reply(StatusCode::OK, "ok\n"),
        (&Method::GET, "/readyz") => {
            if shared.ready.load(Ordering::Relaxed) {
                reply(StatusCode::OK, "ok\n")
            } else {
                reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the API server was not reachable on the last attempt\n",
                )
            }
        }
        (&Method::GET, "/metrics") => {
            let mut r = reply(StatusCode::OK, shared.metrics.render());
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            r
        }
        (&Method::POST, "/webhook") => webhook_request(&shared, req).await,
        (_, "/webhook") => reply(StatusCode::METHOD_NOT_ALLOWED, "POST a push event here\n"),
        _ => reply(
            StatusCode::NOT_FOUND,
            "not found: /webhook, /metrics, /healthz, /readyz\n",
        ),
    }
}

async fn webhook_request(shared: &Shared, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let Some(secret) = &shared.secret else {
        return reply(
            StatusCode::NOT_FOUND,
            "the webhook is disabled: the agent has no webhook secret (webhook.secret_file)\n",
        );
    };
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let signature = header("x-hub-signature-256");
    let event = header("x-github-event").unwrap_or_else(|| "push".into());
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return reply(StatusCode::PAYLOAD_TOO_LARGE, "the body is over 25 MB or was cut off\n"),
    };
    if let Err(e) = webhook::verify(secret, &body, signature.as_deref()) {
        return reply(StatusCode::UNAUTHORIZED, format!("{e}\n"));
    }
    if event == "ping" {
        return reply(StatusCode::OK, "pong\n");
    }
    if event != "push" {
        return reply(
            StatusCode::ACCEPTED,
            format!("ignored: event `{event}` (only push triggers a sync)\n"),
        );
    }
    let payload: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return reply(StatusCode::BAD_REQUEST, format!("the body is not JSON: {e}\n")),
    };
    let hits = matching(&shared.targets, &payload);
    for t in &hits {
        t.trigger.notify_one();
    }
    let names: Vec<&str> = hits.iter().map(|t| t.name.as_str()).collect();
    if names.is_empty() {
        reply(StatusCode::ACCEPTED, "no source follows this repository and branch\n")
    } else {
        reply(StatusCode::ACCEPTED, format!("syncing: {}\n", names.join(", ")))
    }
}

/// Bind `addr` (so a taken port fails at start-up, not later).
pub async fn bind(addr: &str) -> Result<TcpListener, String> {
    let addr: SocketAddr = addr
        .parse()
        .map_err(|_| format!("listen address `{addr}` is not HOST:PORT (e.g. 0.0.0.0:8080)"))?;
    TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))
}

/// Serve forever.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let shared = Arc::clone(&shared);
                async move { Ok::<_, std::convert::Infallible>(handle(shared, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn repository_urls_compare_by_host_and_path() {
        let k = repo_key("https://github.com/Acme/Config.git/");
        assert_eq!(k, "github.com/acme/config");
        assert_eq!(repo_key("git@github.com:acme/config.git"), k);
        assert_eq!(repo_key("ssh://git@github.com/acme/config"), k);
        assert_eq!(repo_key("https://x-access-token@github.com/acme/config"), k);
        assert_ne!(repo_key("https://github.com/acme/config2"), k);
    }

    #[test]
    fn a_push_matches_repository_and_branch() {
        let t = |name: &str, repo: &str, branch: &str| Target {
            name: name.into(),
            repository: repo.into(),
            branch: branch.into(),
            trigger: Arc::new(Notify::new()),
        };
        let targets = vec![
            t("prod", "https://github.com/acme/config.git", "main"),
            t("dev", "https://github.com/acme/config.git", "dev"),
            t("other", "https://github.com/acme/other.git", "main"),
        ];
        let push = json!({"ref": "refs/heads/main", "repository": {"clone_url": "https://github.com/acme/config.git", "ssh_url": "git@github.com:acme/config.git"}});
        let names: Vec<&str> = matching(&targets, &push).iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["prod"]);
        let tag = json!({"ref": "refs/tags/v1", "repository": {"clone_url": "https://github.com/acme/config.git"}});
        assert!(matching(&targets, &tag).is_empty());
    }
}
