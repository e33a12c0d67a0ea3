//! HTTP to registries: one request, done properly.
//!
//! Why not `oci-client`'s `Client`: it hides the response headers a careful client needs
//! (`Retry-After` on 429, `Link` for tag paging, `Docker-Content-Digest` to check what
//! arrived), has no retry or backoff, no per-registry concurrency cap, and authenticates
//! with a ping and a token fetch before the first real request, which costs round trips
//! that count against rate limits. So this module speaks HTTP with `reqwest` (the same
//! client `oci-client` is built on) and `oci-client` is used for what it serves well: the
//! manifest, index and platform types (see [`super::manifest`]).
//!
//! Each request here:
//! - runs under the registry's concurrency cap (a semaphore held only while on the wire);
//! - carries the credential the registry asked for last time (Basic, or a cached bearer
//!   token for the request's scope), so after the first `401` no request pays for a
//!   challenge again;
//! - answers a `401` by solving the challenge once (see [`super::auth`]) and trying again;
//! - retries transport failures, truncated or invalid bodies and `408/429/5xx` with
//!   backoff and jitter, honouring `Retry-After`, within the [`RetryPolicy`] budget;
//! - on a loopback or insecure registry, falls back from HTTPS to HTTP when the TLS
//!   connection fails (see [`super::endpoint`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use tokio::sync::Semaphore;
use url::Url;

use super::auth::{AuthState, Authorization};
use super::endpoint::{Endpoint, Security};
use super::error::{RegistryError, error_body_detail};
use super::keychain::Keychain;
use super::retry::{RetryPolicy, parse_retry_after, retryable_status};

/// Responses larger than this are refused (a tag list of 100,000 tags is ~3 MB).
const MAX_BODY: usize = 64 << 20;

/// What a request is for, in error messages: `GET /v2/app/tags/list`.
pub(crate) struct Request<'a> {
    pub method: Method,
    /// Path and query on the registry host, starting with `/v2/`.
    pub path: String,
    pub accept: Option<&'a str>,
    /// The token scope the request needs, e.g. `repository:app:pull`.
    pub scope: Option<String>,
}

/// A complete response: the body is read before anyone looks at it, so a truncated body is
/// a transport failure that is retried like any other.
pub(crate) struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
    pub url: Url,
}

/// A validator's verdict on a response it cannot use.
pub(crate) enum Reject {
    /// Corrupt or truncated: try again within the budget (the message says what was wrong).
    Retry(String),
    /// Final: the registry said something definite.
    Fail(RegistryError),
}

/// Why an attempt failed, for [`Transport::next_attempt`].
pub(crate) enum Failed<'a> {
    /// No usable response; `transient` when trying again may help.
    Transport { detail: String, transient: bool },
    /// A status [`retryable_status`] accepts.
    Status(&'a Response),
    /// A complete answer that is corrupt or truncated.
    Invalid(String),
}

/// Request counters, for `--explain` and the benchmark (requests = pages + token round trips).
#[derive(Debug, Default)]
pub struct Stats {
    pub registry_requests: AtomicU64,
    pub token_requests: AtomicU64,
    pub retries: AtomicU64,
}

/// What the transport was asked to be.
pub(crate) struct Settings {
    pub retry: RetryPolicy,
    pub concurrency: usize,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub ca_certs: Vec<reqwest::Certificate>,
    pub insecure: Vec<String>,
    pub keychain: Arc<dyn Keychain>,
    /// Print one line per HTTP exchange on stderr (method, URL without query secrets, status).
    pub trace: bool,
}

pub(crate) struct Transport {
    verified: reqwest::Client,
    /// Built on first use: only registries listed as insecure need it.
    unverified: std::sync::OnceLock<Result<reqwest::Client, String>>,
    pub settings: Settings,
    registries: Mutex<std::collections::HashMap<String, Arc<Registry>>>,
    pub stats: Stats,
}

/// What the transport knows about one registry.
pub(crate) struct Registry {
    pub endpoint: Endpoint,
    scheme: Mutex<Scheme>,
    permits: Semaphore,
    pub auth: tokio::sync::Mutex<AuthState>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    /// Not yet known: HTTPS first, HTTP if the TLS connection fails.
    Probe,
    Https,
    Http,
}

impl Registry {
    fn scheme(&self) -> Scheme {
        *self.scheme.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_scheme(&self, s: Scheme) {
        *self.scheme.lock().unwrap_or_else(|e| e.into_inner()) = s;
    }

    pub fn base(&self) -> String {
        let scheme = match self.scheme() {
            Scheme::Http => "http",
            Scheme::Https | Scheme::Probe => "https",
        };
        format!("{scheme}://{}", self.endpoint.host)
    }
}

impl Transport {
    pub fn new(settings: Settings) -> Result<Transport, RegistryError> {
        let verified = builder(&settings)
            .build()
            .map_err(|e| RegistryError::Config(format!("cannot set up HTTPS: {}", chain(&e))))?;
        Ok(Transport {
            verified,
            unverified: std::sync::OnceLock::new(),
            settings,
            registries: Mutex::new(Default::default()),
            stats: Stats::default(),
        })
    }

    /// The state for a canonical registry host, created on first use.
    pub fn registry(&self, registry: &str) -> Arc<Registry> {
        let mut map = self.registries.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(registry.to_string())
            .or_insert_with(|| {
                let endpoint = Endpoint::new(registry, &self.settings.insecure);
                let scheme = match endpoint.security {
                    Security::Https => Scheme::Https,
                    Security::HttpsThenHttp | Security::Insecure => Scheme::Probe,
                };
                Arc::new(Registry {
                    endpoint,
                    scheme: Mutex::new(scheme),
                    permits: Semaphore::new(self.settings.concurrency.max(1)),
                    auth: tokio::sync::Mutex::new(AuthState::default()),
                })
            })
            .clone()
    }

    pub fn client_for(&self, reg: &Registry) -> Result<&reqwest::Client, RegistryError> {
        if reg.endpoint.security != Security::Insecure {
            return Ok(&self.verified);
        }
        self.unverified
            .get_or_init(|| {
                builder(&self.settings)
                    .tls_danger_accept_invalid_certs(true)
                    .build()
                    .map_err(|e| chain(&e))
            })
            .as_ref()
            .map_err(|e| RegistryError::Config(format!("cannot set up HTTPS: {e}")))
    }

    /// Sends a request to the registry, with auth, retries and the scheme fallback, and
    /// hands every complete non-401, non-retryable response to `validate`.
    pub async fn execute<T>(
        &self,
        reg: &Registry,
        req: &Request<'_>,
        validate: impl Fn(&Response) -> Result<T, Reject>,
    ) -> Result<T, RegistryError> {
        let what = format!("{} {}", req.method, strip_query(&req.path));
        let registry = reg.endpoint.registry.clone();
        let mut attempt = 0u32; // failed attempts so far
        let mut challenges = 0u32;
        let mut tls_error: Option<String> = None;
        loop {
            let auth = super::auth::authorization(self, reg, req.scope.as_deref()).await?;
            let url = format!("{}{}", reg.base(), req.path);
            let mut headers = HeaderMap::new();
            if let Some(accept) = req.accept {
                headers.insert(ACCEPT, HeaderValue::from_str(accept).expect("media types are ASCII"));
            }
            if let Authorization::Header { value, .. } = &auth {
                headers.insert(AUTHORIZATION, value.clone());
            }
            let outcome = self
                .send(
                    reg,
                    req.method.clone(),
                    &url,
                    headers,
                    None,
                    &self.stats.registry_requests,
                )
                .await;
            let resp = match outcome {
                Err(e) => {
                    let detail = self.failure_detail(&e);
                    if reg.scheme() == Scheme::Probe && e.is_connect() && !is_certificate_error(&detail) {
                        // HTTPS did not connect: this loopback/insecure registry may speak
                        // plain HTTP (neither an attempt nor a request: nothing was asked)
                        self.stats.registry_requests.fetch_sub(1, Ordering::Relaxed);
                        reg.set_scheme(Scheme::Http);
                        tls_error = Some(detail);
                        continue;
                    }
                    let mut detail = detail;
                    if let Some(tls) = tls_error.as_ref().filter(|_| e.is_connect()) {
                        // plain HTTP did not connect either: why HTTPS failed may be the clue
                        // (once HTTP connects, it is noise)
                        detail = format!("{detail}; over HTTPS: {tls}");
                    }
                    if is_certificate_error(&detail) {
                        detail.push_str(
                            "\nhint: pass the registry's CA certificate with --ca-file, or list the registry with --insecure-registry",
                        );
                    }
                    let failed = Failed::Transport {
                        detail,
                        transient: transient(&e),
                    };
                    let wait = self.next_attempt(&registry, &what, &mut attempt, failed)?;
                    self.pause(wait).await;
                    continue;
                }
                Ok(resp) => resp,
            };
            if reg.scheme() == Scheme::Probe {
                reg.set_scheme(Scheme::Https);
            }
            if resp.status == StatusCode::UNAUTHORIZED {
                challenges += 1;
                if challenges > 2 {
                    return Err(super::auth::rejected(reg, &resp));
                }
                let values: Vec<&str> = resp
                    .headers
                    .get_all(WWW_AUTHENTICATE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                super::auth::answer_challenge(self, reg, &values, req.scope.as_deref(), &auth, &resp).await?;
                continue;
            }
            if retryable_status(resp.status.as_u16()) {
                let wait = self.next_attempt(&registry, &what, &mut attempt, Failed::Status(&resp))?;
                self.pause(wait).await;
                continue;
            }
            match validate(&resp) {
                Ok(v) => return Ok(v),
                Err(Reject::Fail(e)) => return Err(e),
                Err(Reject::Retry(detail)) => {
                    let wait = self.next_attempt(&registry, &what, &mut attempt, Failed::Invalid(detail))?;
                    self.pause(wait).await;
                }
            }
        }
    }

    /// Counts a failed attempt and decides what comes next, for registry and token-server
    /// requests alike: the wait before the next attempt (a `Retry-After` when the answer
    /// has one, else the backoff), or the error when the budget is spent, the failure is not
    /// transient, or the registry asks to wait longer than allowed.
    pub fn next_attempt(
        &self,
        registry: &str,
        what: &str,
        attempt: &mut u32,
        failed: Failed<'_>,
    ) -> Result<Duration, RegistryError> {
        let retry = &self.settings.retry;
        *attempt += 1;
        let attempts = *attempt;
        let spent = attempts >= retry.attempts.max(1);
        let (registry, what) = (registry.to_string(), what.to_string());
        match failed {
            Failed::Transport { detail, transient } => {
                if spent || !transient {
                    return Err(RegistryError::Transport {
                        registry,
                        what,
                        detail,
                        attempts,
                    });
                }
                Ok(retry.backoff(attempts - 1))
            }
            Failed::Status(resp) => {
                let after = resp
                    .headers
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, SystemTime::now()));
                if let Some(after) = after.filter(|a| *a > retry.max_retry_after) {
                    return Err(RegistryError::RateLimited {
                        registry,
                        what,
                        retry_after: after,
                        limit: retry.max_retry_after,
                        attempts,
                    });
                }
                if spent {
                    return Err(RegistryError::Status {
                        registry,
                        what,
                        status: resp.status.as_u16(),
                        detail: error_body_detail(&resp.body),
                        attempts,
                    });
                }
                Ok(after.unwrap_or_else(|| retry.backoff(attempts - 1)))
            }
            Failed::Invalid(detail) => {
                if spent {
                    return Err(RegistryError::Invalid {
                        registry,
                        what,
                        detail,
                        attempts,
                    });
                }
                Ok(retry.backoff(attempts - 1))
            }
        }
    }

    /// One HTTP exchange under the registry's concurrency cap, body read in full.
    pub async fn send(
        &self,
        reg: &Registry,
        method: Method,
        url: &str,
        headers: HeaderMap,
        body: Option<(String, &'static str)>,
        counter: &AtomicU64,
    ) -> Result<Response, reqwest::Error> {
        counter.fetch_add(1, Ordering::Relaxed);
        let client = match self.client_for(reg) {
            Ok(c) => c,
            Err(_) => &self.verified,
        };
        let _permit = reg.permits.acquire().await.expect("the semaphore is never closed");
        let started = std::time::Instant::now();
        let mut rb = client.request(method.clone(), url).headers(headers);
        if let Some((text, content_type)) = body {
            rb = rb.header(reqwest::header::CONTENT_TYPE, content_type).body(text);
        }
        let result = async {
            let mut resp = rb.send().await?;
            let status = resp.status();
            let headers = resp.headers().clone();
            let url = resp.url().clone();
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await? {
                if body.len() + chunk.len() > MAX_BODY {
                    break; // handled by the validator: a truncated body does not parse
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Response {
                status,
                headers,
                body: body.into(),
                url,
            })
        }
        .await;
        if self.settings.trace {
            let shown = strip_query_secrets(url);
            match &result {
                Ok(r) => eprintln!(
                    "http: {method} {shown} -> {} ({} ms)",
                    r.status.as_u16(),
                    started.elapsed().as_millis()
                ),
                Err(e) => eprintln!("http: {method} {shown} -> error: {}", chain(e)),
            }
        }
        result
    }

    /// Why a request got no usable response, for error messages. A timeout says which
    /// limit it ran into (reqwest's "operation timed out" says neither that nor which, and
    /// comes after the whole URL); anything else is the error and its causes.
    pub fn failure_detail(&self, e: &reqwest::Error) -> String {
        if !e.is_timeout() {
            return chain(e);
        }
        if e.is_connect() {
            format!("timed out connecting after {}", seconds(self.settings.connect_timeout))
        } else {
            format!("timed out after {}", seconds(self.settings.timeout))
        }
    }

    pub async fn pause(&self, d: Duration) {
        self.stats.retries.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(d).await;
    }
}

fn builder(settings: &Settings) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(concat!("tagbump/", env!("CARGO_PKG_VERSION")))
        .timeout(settings.timeout)
        .connect_timeout(settings.connect_timeout)
        .tls_certs_merge(settings.ca_certs.iter().cloned())
        .pool_max_idle_per_host(settings.concurrency.max(1))
}

/// Whether a failure without a response may go away on its own.
pub(crate) fn transient(e: &reqwest::Error) -> bool {
    e.is_timeout() || e.is_connect() || e.is_request() || e.is_body() || e.is_decode() || !e.is_builder()
}

/// A certificate that does not verify is a configuration problem, not a reason to try
/// plain HTTP or to try again.
fn is_certificate_error(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    d.contains("certificate") || d.contains("unknownissuer") || d.contains("invalid peer")
}

/// An error and its causes on one line (reqwest's own message is often just "error sending
/// request").
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// `30s`, or `1.5s`.
fn seconds(d: Duration) -> String {
    format!("{}s", d.as_secs_f64())
}

fn strip_query(path: &str) -> &str {
    path.split_once('?').map_or(path, |(p, _)| p)
}

/// A URL for a trace line: the query is kept (paging shows in it) except for parameters that
/// could carry a secret.
fn strip_query_secrets(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .map(|(k, v)| {
                    let secret = ["token", "password", "refresh_token", "access_token"].contains(&k.as_ref());
                    (k.into_owned(), if secret { "***".into() } else { v.into_owned() })
                })
                .collect();
            if pairs.is_empty() {
                u.set_query(None);
            } else {
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
            u.set_username("").ok();
            u.set_password(None).ok();
            u.to_string()
        }
        Err(_) => "<unparsable URL>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_urls_hide_secrets() {
        assert_eq!(
            strip_query_secrets("https://u:p@h/token?scope=repository%3Aa%3Apull&password=x"),
            "https://h/token?scope=repository%3Aa%3Apull&password=***"
        );
        assert_eq!(
            strip_query_secrets("http://h/v2/a/tags/list?n=2"),
            "http://h/v2/a/tags/list?n=2"
        );
    }

    #[test]
    fn timeouts_are_shown_in_seconds() {
        assert_eq!(seconds(Duration::from_secs(30)), "30s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn certificate_errors_are_recognised() {
        assert!(is_certificate_error("invalid peer certificate: UnknownIssuer"));
        assert!(!is_certificate_error("connection refused"));
    }
}
