//! GitHub's REST API, for what `tagbump update` needs: pull requests, Git Data API commits
//! (Verified), workflow and repository dispatch.
//!
//! Built on octocrab for the HTTP client, auth and base URL handling (GitHub Enterprise
//! Server's `/api/v3` prefix is kept), but requests go through octocrab's raw methods and
//! are decoded here into small structs holding only the fields tagbump reads: octocrab's
//! full models fail on the trimmed bodies some GHES versions and proxies return, and the
//! raw response is needed anyway to read the rate-limit headers, which octocrab's typed
//! methods drop. Every request carries the documented headers: `Accept:
//! application/vnd.github+json` (ours), `X-GitHub-Api-Version: 2022-11-28` and `User-Agent`
//! (octocrab's, which it always sends; adding our own would send each header twice).

mod error;
mod gitdata;
mod pulls;
pub mod ratelimit;
mod workflows;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Method};
use http_body_util::BodyExt as _;
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use error::GitHubError;
pub use gitdata::{RefUpdate, TreeEntry};
pub use pulls::{NewPull, Pull};
pub use workflows::DispatchedRun;

use crate::registry::secret::Secret;

/// The API version tagbump speaks (octocrab sends it as `X-GitHub-Api-Version`).
pub const API_VERSION: &str = "2022-11-28";

#[derive(Debug, Clone)]
pub struct GitHubOptions {
    /// `https://api.github.com` or `https://HOST/api/v3` (`GITHUB_API_URL`).
    pub api_url: String,
    pub token: Secret,
    /// The longest tagbump waits for a rate limit to reset before giving up.
    pub max_rate_wait: Duration,
    /// Base delay between retries of a 5xx or a dropped connection.
    pub retry_delay: Duration,
    /// Retries of a 5xx or a dropped connection.
    pub retries: u32,
}

impl GitHubOptions {
    pub fn new(api_url: &str, token: Secret) -> GitHubOptions {
        GitHubOptions {
            api_url: api_url.trim_end_matches('/').to_string(),
            token,
            max_rate_wait: Duration::from_secs(600),
            retry_delay: Duration::from_secs(1),
            retries: 3,
        }
    }
}

/// A client for one repository.
#[derive(Clone)]
pub struct GitHub {
    octo: Octocrab,
    opts: GitHubOptions,
    /// `OWNER/NAME`.
    pub repo: String,
}

impl std::fmt::Debug for GitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHub")
            .field("api", &self.opts.api_url)
            .field("repo", &self.repo)
            .finish()
    }
}

/// A decoded response.
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl GitHub {
    pub fn new(opts: &GitHubOptions, repo: &str) -> Result<GitHub, GitHubError> {
        let setup = |message: String| GitHubError::Setup {
            api: opts.api_url.clone(),
            message,
        };
        let octo = Octocrab::builder()
            .base_uri(opts.api_url.as_str())
            .map_err(|e| setup(e.to_string()))?
            .personal_token(opts.token.expose().to_string())
            .add_header(http::header::ACCEPT, "application/vnd.github+json".into())
            .build()
            .map_err(|e| setup(e.to_string()))?;
        Ok(GitHub {
            octo,
            opts: opts.clone(),
            repo: repo.to_string(),
        })
    }

    /// For another repository (dispatch to a different repo), same credentials.
    pub fn for_repo(&self, repo: &str) -> GitHub {
        GitHub {
            octo: self.octo.clone(),
            opts: self.opts.clone(),
            repo: repo.to_string(),
        }
    }

    /// `/repos/OWNER/NAME` + `rest`.
    fn path(&self, rest: &str) -> String {
        format!("/repos/{}{rest}", self.repo)
    }

    /// One request, with the rate-limit waits and the retries of transient failures.
    /// Returns any status; [`GitHub::expect`] turns unexpected ones into errors.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Reply, GitHubError> {
        let mut limited = 0u32;
        let mut failures = 0u32;
        let mut waited = Duration::ZERO;
        loop {
            let result = self.send(method.clone(), path, body).await;
            let reply = match result {
                Ok(r) => r,
                Err(e) => {
                    if failures >= self.opts.retries {
                        return Err(e);
                    }
                    failures += 1;
                    tokio::time::sleep(self.opts.retry_delay * (1 << (failures - 1))).await;
                    continue;
                }
            };
            if reply.status >= 500 && failures < self.opts.retries {
                failures += 1;
                tokio::time::sleep(self.opts.retry_delay * (1 << (failures - 1))).await;
                continue;
            }
            let header = |n: &str| {
                reply
                    .headers
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
            };
            let seen = ratelimit::Seen {
                status: reply.status,
                remaining: header("x-ratelimit-remaining"),
                reset_epoch: header("x-ratelimit-reset"),
                retry_after: header("retry-after"),
                message: reply.body.get("message").and_then(Value::as_str).unwrap_or(""),
                now_epoch: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
                previous: limited,
            };
            match ratelimit::classify(&seen) {
                ratelimit::Limit::None => return Ok(reply),
                ratelimit::Limit::Wait(d) => {
                    if waited + d > self.opts.max_rate_wait {
                        return Err(GitHubError::RateLimited {
                            method: method.to_string(),
                            path: path.to_string(),
                            wait_secs: d.as_secs(),
                            max_secs: self.opts.max_rate_wait.as_secs(),
                        });
                    }
                    eprintln!(
                        "tagbump: GitHub rate limit on {method} {path}; waiting {} s",
                        d.as_secs()
                    );
                    tokio::time::sleep(d).await;
                    waited += d;
                    limited += 1;
                }
            }
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Reply, GitHubError> {
        let transport = |message: String| GitHubError::Transport {
            method: method.to_string(),
            path: path.to_string(),
            message,
        };
        let builder = http::Request::builder().method(method.clone()).uri(path);
        let request = self
            .octo
            .build_request(builder, body)
            .map_err(|e| transport(e.to_string()))?;
        let response = self
            .octo
            .execute(request)
            .await
            .map_err(|e| transport(error_chain(&e)))?;
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.map_err(|e| transport(error_chain(&e)))?.to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Ok(Reply {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }

    /// The error for an unexpected status.
    pub fn status_error(method: &Method, path: &str, reply: &Reply) -> GitHubError {
        let mut message = reply
            .body
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| match &reply.body {
                Value::String(s) => s.chars().take(200).collect(),
                _ => String::new(),
            });
        if let Some(errors) = reply.body.get("errors").and_then(Value::as_array) {
            let details: Vec<String> = errors
                .iter()
                .map(|e| match e {
                    Value::String(s) => s.clone(),
                    e => e
                        .get("message")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| {
                            let field = e.get("field").and_then(Value::as_str).unwrap_or("?");
                            let code = e.get("code").and_then(Value::as_str).unwrap_or("?");
                            format!("{field}: {code}")
                        }),
                })
                .collect();
            if !details.is_empty() {
                message = format!("{message}: {}", details.join("; "));
            }
        }
        GitHubError::Status {
            method: method.to_string(),
            path: path.to_string(),
            status: reply.status,
            message,
            hint: error::hint(reply.status).to_string(),
        }
    }

    /// Call and require one of `ok` statuses, decoding the body as `T`.
    pub async fn expect<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        ok: &[u16],
    ) -> Result<T, GitHubError> {
        let reply = self.call(method.clone(), path, body).await?;
        if !ok.contains(&reply.status) {
            return Err(Self::status_error(&method, path, &reply));
        }
        decode(&method, path, reply.body)
    }
}

pub fn decode<T: DeserializeOwned>(method: &Method, path: &str, body: Value) -> Result<T, GitHubError> {
    serde_json::from_value(body).map_err(|e| GitHubError::Invalid {
        method: method.to_string(),
        path: path.to_string(),
        message: e.to_string(),
    })
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
