//! The registry operations tagbump needs: list tags, resolve a tag to its digest, read a
//! manifest, pick a platform, read an image config.
//!
//! Everything a registry sends is checked before it is believed: manifests and blobs
//! against their digest (a truncated body is retried, never parsed into a wrong answer),
//! tag-list pages for well-formed JSON and a `Link` that stays on the registry.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, LINK};
use reqwest::{Method, StatusCode};

use super::error::{RegistryError, error_body_detail};
use super::image_config::ImageConfig;
use super::keychain::{Anonymous, Keychain};
use super::manifest::{self, Manifest};
use super::platform::Platform;
use super::retry::RetryPolicy;
use super::transport::{Reject, Request, Response, Settings, Transport};
use crate::image::ImageRef;

/// Tags asked for per page. Registries cap it themselves (and say so with `Link`); 1,000 is
/// what go-containerregistry (Flux) asks for and what the strictest registries accept.
const PAGE_SIZE: usize = 1000;
/// A registry that pages forever is broken; stop with an error.
const MAX_PAGES: usize = 10_000;

/// How to reach registries. `Default` is anonymous, HTTPS, 5 attempts, 8 concurrent requests
/// per registry, 30 s per request.
pub struct ClientOptions {
    /// Registries (`host[:port]`, or `host` for every port) that may be reached without TLS
    /// verification or over plain HTTP.
    pub insecure: Vec<String>,
    /// Extra CA certificates (PEM) trusted besides the system's.
    pub ca_file: Option<PathBuf>,
    pub retry: RetryPolicy,
    /// Requests in flight per registry at most.
    pub concurrency: usize,
    /// Per request, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub keychain: Arc<dyn Keychain>,
    /// One stderr line per HTTP exchange.
    pub trace: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            insecure: Vec::new(),
            ca_file: None,
            retry: RetryPolicy::default(),
            concurrency: 8,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            keychain: Arc::new(Anonymous),
            trace: false,
        }
    }
}

/// A repository on a registry: `ghcr.io` + `acme/app`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Repository {
    /// Canonical registry host (`docker.io`, `127.0.0.1:5000`).
    pub registry: String,
    /// Path within it (`library/nginx`).
    pub path: String,
}

impl Repository {
    pub fn of(image: &ImageRef) -> Repository {
        Repository {
            registry: image.registry(),
            path: image.repository(),
        }
    }

    fn scope(&self) -> String {
        format!("repository:{}:pull", self.path)
    }
}

impl std::fmt::Display for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.registry, self.path)
    }
}

/// Requests made so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RequestCounts {
    pub registry: u64,
    pub token: u64,
    /// Waits before a retry (each is followed by one more request).
    pub retries: u64,
}

/// A tag's image for one platform: what newest-build sorts by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    /// The digest the tag points at (an index for multi-platform images).
    pub digest: String,
    /// The platform's image manifest digest (same as `digest` for single-platform images).
    pub platform_digest: String,
    pub config: ImageConfig,
}

pub struct Client {
    t: Transport,
    /// Content-addressed, so never stale: image configs and manifests fetched by digest
    /// (tags that share an image cost one fetch).
    configs: std::sync::Mutex<std::collections::HashMap<String, ImageConfig>>,
    manifests: std::sync::Mutex<std::collections::HashMap<String, Manifest>>,
}

impl Client {
    pub fn new(opts: ClientOptions) -> Result<Client, RegistryError> {
        let ca_certs = match &opts.ca_file {
            None => Vec::new(),
            Some(path) => {
                let pem = fs_err::read(path).map_err(|e| RegistryError::Config(format!("CA bundle: {e}")))?;
                let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                    RegistryError::Config(format!("CA bundle {}: not PEM certificates ({e})", path.display()))
                })?;
                if certs.is_empty() {
                    return Err(RegistryError::Config(format!(
                        "CA bundle {}: no certificates in it",
                        path.display()
                    )));
                }
                certs
            }
        };
        let t = Transport::new(Settings {
            retry: opts.retry,
            concurrency: opts.concurrency,
            timeout: opts.timeout,
            connect_timeout: opts.connect_timeout,
            ca_certs,
            insecure: opts.insecure,
            keychain: opts.keychain,
            trace: opts.trace,
        })?;
        Ok(Client {
            t,
            configs: Default::default(),
            manifests: Default::default(),
        })
    }

    pub fn requests(&self) -> RequestCounts {
        RequestCounts {
            registry: self.t.stats.registry_requests.load(Ordering::Relaxed),
            token: self.t.stats.token_requests.load(Ordering::Relaxed),
            retries: self.t.stats.retries.load(Ordering::Relaxed),
        }
    }

    /// Every tag of a repository, all pages, in the registry's order, without duplicates.
    pub async fn tags(&self, repo: &Repository) -> Result<Vec<String>, RegistryError> {
        let reg = self.t.registry(&repo.registry);
        let host = reg.endpoint.host.clone();
        let mut path = format!("/v2/{}/tags/list?n={PAGE_SIZE}", repo.path);
        let mut visited = HashSet::new();
        let mut seen = HashSet::new();
        let mut tags = Vec::new();
        for _ in 0..MAX_PAGES {
            visited.insert(path.clone());
            let req = Request {
                method: Method::GET,
                path: path.clone(),
                accept: Some("application/json"),
                scope: Some(repo.scope()),
            };
            let (page, next) = self
                .t
                .execute(&reg, &req, |resp| {
                    if resp.status != StatusCode::OK {
                        return Err(not_ok(repo, resp, &format!("repository {}", repo.path)));
                    }
                    tag_page(resp, &host)
                })
                .await?;
            for tag in page {
                if seen.insert(tag.clone()) {
                    tags.push(tag);
                }
            }
            match next {
                None => return Ok(tags),
                Some(next) if visited.contains(&next) => {
                    return Err(RegistryError::Invalid {
                        registry: repo.registry.clone(),
                        what: format!("GET /v2/{}/tags/list", repo.path),
                        detail: format!("the Link header loops back to {next}"),
                        attempts: 1,
                    });
                }
                Some(next) => path = next,
            }
        }
        Err(RegistryError::Invalid {
            registry: repo.registry.clone(),
            what: format!("GET /v2/{}/tags/list", repo.path),
            detail: format!("more than {MAX_PAGES} pages"),
            attempts: 1,
        })
    }

    /// The digest a tag (or digest) currently points at: a `HEAD` where the registry tells,
    /// else the digest of the manifest fetched with `GET`.
    pub async fn digest(&self, repo: &Repository, reference: &str) -> Result<String, RegistryError> {
        let reg = self.t.registry(&repo.registry);
        let req = Request {
            method: Method::HEAD,
            path: format!("/v2/{}/manifests/{reference}", repo.path),
            accept: Some(manifest::ACCEPT),
            scope: Some(repo.scope()),
        };
        let from_head = self
            .t
            .execute(&reg, &req, |resp| match resp.status {
                StatusCode::OK => Ok(content_digest(resp)),
                StatusCode::NOT_FOUND => Err(Reject::Fail(not_found(repo, reference, resp))),
                // some registries do not allow HEAD on manifests
                StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_IMPLEMENTED | StatusCode::BAD_REQUEST => Ok(None),
                _ => Err(not_ok(repo, resp, &manifest_what(repo, reference))),
            })
            .await?;
        match from_head {
            Some(d) => Ok(d),
            None => Ok(self.manifest(repo, reference).await?.digest),
        }
    }

    /// A manifest by tag or digest, its bytes checked against the digest.
    pub async fn manifest(&self, repo: &Repository, reference: &str) -> Result<Manifest, RegistryError> {
        let key = format!("{repo}@{reference}");
        if let Some(m) = lock(&self.manifests).get(&key) {
            return Ok(m.clone());
        }
        let m = self.fetch_manifest(repo, reference).await?;
        if reference.contains(':') {
            lock(&self.manifests).insert(key, m.clone());
        }
        Ok(m)
    }

    async fn fetch_manifest(&self, repo: &Repository, reference: &str) -> Result<Manifest, RegistryError> {
        let reg = self.t.registry(&repo.registry);
        let req = Request {
            method: Method::GET,
            path: format!("/v2/{}/manifests/{reference}", repo.path),
            accept: Some(manifest::ACCEPT),
            scope: Some(repo.scope()),
        };
        let by_digest = reference.contains(':');
        self.t
            .execute(&reg, &req, |resp| {
                match resp.status {
                    StatusCode::OK => {}
                    StatusCode::NOT_FOUND => return Err(Reject::Fail(not_found(repo, reference, resp))),
                    _ => return Err(not_ok(repo, resp, &manifest_what(repo, reference))),
                }
                let expected = if by_digest { Some(reference.to_string()) } else { content_digest(resp) };
                let digest = match &expected {
                    Some(d) => match manifest::verify(&resp.body, d) {
                        Some(true) => d.clone(),
                        Some(false) => {
                            return Err(Reject::Retry(format!(
                                "the manifest received ({} bytes) does not match its digest {d} (truncated or corrupted)",
                                resp.body.len()
                            )));
                        }
                        None => d.clone(),
                    },
                    None => manifest::digest_of(&resp.body, "sha256:"),
                };
                let content_type = resp.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
                Manifest::parse(&resp.body, content_type, digest).map_err(|detail| {
                    let detail = format!("manifest {detail}");
                    if expected.is_some() {
                        // the bytes are the ones the registry meant: retrying will not help
                        Reject::Fail(RegistryError::Invalid {
                            registry: repo.registry.clone(),
                            what: manifest_what(repo, reference),
                            detail,
                            attempts: 1,
                        })
                    } else {
                        Reject::Retry(detail)
                    }
                })
            })
            .await
    }

    /// An image config blob, checked against its digest.
    pub async fn config(&self, repo: &Repository, digest: &str) -> Result<ImageConfig, RegistryError> {
        let key = format!("{repo}@{digest}");
        if let Some(c) = lock(&self.configs).get(&key) {
            return Ok(c.clone());
        }
        let c = self.fetch_config(repo, digest).await?;
        lock(&self.configs).insert(key, c.clone());
        Ok(c)
    }

    async fn fetch_config(&self, repo: &Repository, digest: &str) -> Result<ImageConfig, RegistryError> {
        let reg = self.t.registry(&repo.registry);
        let req = Request {
            method: Method::GET,
            path: format!("/v2/{}/blobs/{digest}", repo.path),
            accept: None,
            scope: Some(repo.scope()),
        };
        self.t
            .execute(&reg, &req, |resp| {
                match resp.status {
                    StatusCode::OK => {}
                    StatusCode::NOT_FOUND => return Err(Reject::Fail(not_found(repo, digest, resp))),
                    _ => return Err(not_ok(repo, resp, &format!("blob {digest} of {}", repo.path))),
                }
                if manifest::verify(&resp.body, digest) == Some(false) {
                    return Err(Reject::Retry(format!(
                        "the config blob received ({} bytes) does not match its digest {digest} (truncated or corrupted)",
                        resp.body.len()
                    )));
                }
                ImageConfig::parse(&resp.body).map_err(|detail| {
                    Reject::Fail(RegistryError::Invalid {
                        registry: repo.registry.clone(),
                        what: format!("blob {digest} of {}", repo.path),
                        detail,
                        attempts: 1,
                    })
                })
            })
            .await
    }

    /// The image a tag gives for a platform, with its config: one manifest request, one more
    /// for an index, one for the config.
    pub async fn build(&self, repo: &Repository, reference: &str, platform: &Platform) -> Result<Build, RegistryError> {
        let top = self.manifest(repo, reference).await?;
        let image = match &top.kind {
            manifest::Kind::Image { .. } => top.clone(),
            manifest::Kind::Index(_) => {
                let entry = top.entry_for(platform).ok_or_else(|| RegistryError::NotFound {
                    registry: repo.registry.clone(),
                    what: format!("platform {platform} in {}:{reference}", repo.path),
                    detail: format!(" (it has {})", or_none(&top.platforms())),
                })?;
                self.manifest(repo, &entry.digest).await?
            }
        };
        let manifest::Kind::Image { config_digest } = &image.kind else {
            return Err(RegistryError::Invalid {
                registry: repo.registry.clone(),
                what: manifest_what(repo, reference),
                detail: "an index entry points at another index".into(),
                attempts: 1,
            });
        };
        let config = self.config(repo, config_digest).await?;
        if let (manifest::Kind::Image { .. }, Some(os), Some(arch)) = (&top.kind, &config.os, &config.architecture) {
            // a single-platform image: it must be the platform asked for
            let offered = Platform::new(os, arch, None);
            if !Platform::new(&platform.os, &platform.architecture, None).satisfied_by(&offered) {
                return Err(RegistryError::NotFound {
                    registry: repo.registry.clone(),
                    what: format!("platform {platform} in {}:{reference}", repo.path),
                    detail: format!(" (it is a single-platform {offered} image)"),
                });
            }
        }
        Ok(Build {
            digest: top.digest,
            platform_digest: image.digest,
            config,
        })
    }
}

/// One page of a tag list and the path of the next one.
fn tag_page(resp: &Response, host: &str) -> Result<(Vec<String>, Option<String>), Reject> {
    #[derive(serde::Deserialize)]
    struct Page {
        tags: Option<Vec<String>>,
    }
    let page: Page = serde_json::from_slice(&resp.body)
        .map_err(|e| Reject::Retry(format!("invalid tag list ({} bytes): {e}", resp.body.len())))?;
    let links: Vec<&str> = resp
        .headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let next = match super::link::next(links) {
        None => None,
        Some(target) => {
            let url = resp
                .url
                .join(&target)
                .map_err(|e| Reject::Retry(format!("invalid Link target {target:?}: {e}")))?;
            let same_host = url.host_str().is_some_and(|h| {
                let with_port = match url.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                };
                with_port.eq_ignore_ascii_case(host)
            });
            if !same_host {
                return Err(Reject::Fail(RegistryError::Invalid {
                    registry: host.to_string(),
                    what: "tag list".into(),
                    detail: format!("the Link header points to another host ({url}); not following it"),
                    attempts: 1,
                }));
            }
            Some(match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            })
        }
    };
    Ok((page.tags.unwrap_or_default(), next))
}

fn content_digest(resp: &Response) -> Option<String> {
    resp.headers
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|d| d.split_once(':').is_some_and(|(a, h)| !a.is_empty() && !h.is_empty()))
        .map(str::to_string)
}

fn manifest_what(repo: &Repository, reference: &str) -> String {
    let sep = if reference.contains(':') { '@' } else { ':' };
    format!("manifest {}{sep}{reference}", repo.path)
}

fn not_found(repo: &Repository, reference: &str, resp: &Response) -> RegistryError {
    let detail = error_body_detail(&resp.body);
    let what = if detail.contains("NAME_UNKNOWN") {
        format!("repository {}", repo.path)
    } else {
        let sep = if reference.contains(':') { '@' } else { ':' };
        format!("{}{sep}{reference}", repo.path)
    };
    RegistryError::NotFound {
        registry: repo.registry.clone(),
        what,
        detail,
    }
}

fn not_ok(repo: &Repository, resp: &Response, what: &str) -> Reject {
    Reject::Fail(match resp.status {
        StatusCode::NOT_FOUND => RegistryError::NotFound {
            registry: repo.registry.clone(),
            what: what.to_string(),
            detail: error_body_detail(&resp.body),
        },
        StatusCode::FORBIDDEN => RegistryError::Auth {
            registry: repo.registry.clone(),
            detail: format!("denied access to {what} (HTTP 403){}", error_body_detail(&resp.body)),
        },
        status => RegistryError::Status {
            registry: repo.registry.clone(),
            what: what.to_string(),
            status: status.as_u16(),
            detail: error_body_detail(&resp.body),
            attempts: 1,
        },
    })
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn or_none(list: &[String]) -> String {
    if list.is_empty() {
        "no platforms".into()
    } else {
        list.join(", ")
    }
}
