//! Answering a registry's `401`: Basic credentials, or the bearer-token flow.
//!
//! The flow is challenge-driven, as Docker's: the first request goes out bare, the `401`
//! says what the registry wants, and from then on every request to that registry carries
//! it. For token registries the realm and service are remembered, so a request for a new
//! scope (another repository) fetches its token *before* going out instead of collecting
//! another `401`. Tokens are cached per scope until shortly before they expire.
//!
//! Credentials are looked up once per registry, on first use, and are only ever sent to the
//! registry itself or to the token realm it names; never to a plain-HTTP realm off this
//! machine unless the registry was declared insecure.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use url::Url;

use super::challenge::{self, Challenge};
use super::credential::{Credential, Source};
use super::endpoint::{Security, is_loopback};
use super::error::{RegistryError, error_body_detail};
use super::retry::retryable_status;
use super::transport::{Failed, Registry, Response, Transport, transient};

/// Tokens are renewed this long before they expire.
const EXPIRY_MARGIN: Duration = Duration::from_secs(10);
/// What a token lives when the server does not say (the distribution spec's default).
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(60);

#[derive(Default)]
pub(crate) struct AuthState {
    looked_up: bool,
    credential: Option<(Credential, Source)>,
    mode: Mode,
    tokens: HashMap<String, Token>,
    generation: u64,
}

#[derive(Default, Clone)]
enum Mode {
    /// No challenge seen yet.
    #[default]
    Unknown,
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
    },
}

struct Token {
    header: HeaderValue,
    expires: Instant,
    generation: u64,
}

/// What a request carried.
pub(crate) enum Authorization {
    None,
    Header {
        value: HeaderValue,
        /// The token's generation (0 for Basic and static tokens), to tell a stale token
        /// from one that was refused.
        generation: u64,
    },
}

/// The `Authorization` to send for `scope`, fetching a token first when the registry is
/// known to want one.
pub(crate) async fn authorization(
    t: &Transport,
    reg: &Registry,
    scope: Option<&str>,
) -> Result<Authorization, RegistryError> {
    let mut st = reg.auth.lock().await;
    ensure_credential(t, reg, &mut st)?;
    if let Some((Credential::Bearer(token), _)) = &st.credential {
        return Ok(Authorization::Header {
            value: sensitive(&format!("Bearer {}", token.expose()))?,
            generation: 0,
        });
    }
    match st.mode.clone() {
        Mode::Unknown => Ok(Authorization::None),
        Mode::Basic => match &st.credential {
            Some((Credential::Basic { username, password }, _)) => Ok(Authorization::Header {
                value: basic(username, password.expose())?,
                generation: 0,
            }),
            _ => Ok(Authorization::None),
        },
        Mode::Bearer { realm, service } => {
            let key = scope.unwrap_or("").to_string();
            if let Some(tok) = st.tokens.get(&key).filter(|t| t.expires > Instant::now()) {
                return Ok(Authorization::Header {
                    value: tok.header.clone(),
                    generation: tok.generation,
                });
            }
            let tok = fetch_token(t, reg, &mut st, &realm, service.as_deref(), scope).await?;
            Ok(Authorization::Header {
                value: tok.0,
                generation: tok.1,
            })
        }
    }
}

/// Learns from a `401` what the registry wants; the caller then tries again (and
/// [`authorization`] fetches a token if one is needed). Fails when the registry refused what
/// we sent, or wants credentials we do not have.
pub(crate) async fn answer_challenge(
    t: &Transport,
    reg: &Registry,
    values: &[&str],
    scope: Option<&str>,
    sent: &Authorization,
    resp: &Response,
) -> Result<(), RegistryError> {
    let registry = &reg.endpoint.registry;
    let mut st = reg.auth.lock().await;
    ensure_credential(t, reg, &mut st)?;
    if matches!(st.credential, Some((Credential::Bearer(_), _))) {
        return Err(rejected_with(reg, &st, resp));
    }
    let Some(challenge) = challenge::parse(values.iter().copied()) else {
        return Err(RegistryError::Auth {
            registry: registry.clone(),
            detail: format!(
                "answered HTTP 401 without a Basic or Bearer challenge (WWW-Authenticate: {:?})",
                values.join(", ")
            ),
        });
    };
    match challenge {
        Challenge::Basic => match &st.credential {
            Some((Credential::Basic { .. }, _)) => {
                if matches!(st.mode, Mode::Basic) && matches!(sent, Authorization::Header { .. }) {
                    return Err(rejected_with(reg, &st, resp));
                }
                st.mode = Mode::Basic;
                Ok(())
            }
            Some((_, source)) => Err(RegistryError::Auth {
                registry: registry.clone(),
                detail: format!("wants a username and password, but the credential from {source} is a token"),
            }),
            None => Err(needs_credentials(registry, "a username and password")),
        },
        Challenge::Bearer {
            realm,
            service,
            scope: challenge_scope,
        } => {
            let key = scope.or(challenge_scope.as_deref()).unwrap_or("").to_string();
            if let Authorization::Header { generation, .. } = sent
                && *generation != 0
                && st.tokens.get(&key).is_some_and(|t| t.generation == *generation)
            {
                // the token we just fetched for this scope was refused
                return Err(match &st.credential {
                    None => needs_credentials(registry, &format!("a token for {key}")),
                    Some((_, source)) => RegistryError::Auth {
                        registry: registry.clone(),
                        detail: format!(
                            "refused the token issued by {realm} for {key} (credentials from {source}){}",
                            error_body_detail(&resp.body)
                        ),
                    },
                });
            }
            st.tokens.remove(&key);
            st.mode = Mode::Bearer { realm, service };
            Ok(())
        }
    }
}

/// The error for a third `401` in a row.
pub(crate) fn rejected(reg: &Registry, resp: &Response) -> RegistryError {
    match reg.auth.try_lock() {
        Ok(st) => rejected_with(reg, &st, resp),
        Err(_) => RegistryError::Auth {
            registry: reg.endpoint.registry.clone(),
            detail: format!("keeps answering HTTP 401{}", error_body_detail(&resp.body)),
        },
    }
}

fn rejected_with(reg: &Registry, st: &AuthState, resp: &Response) -> RegistryError {
    let detail = match &st.credential {
        Some((_, source)) => format!(
            "rejected the credentials from {source} (HTTP 401){}",
            error_body_detail(&resp.body)
        ),
        None => format!("answered HTTP 401{}", error_body_detail(&resp.body)),
    };
    RegistryError::Auth {
        registry: reg.endpoint.registry.clone(),
        detail,
    }
}

fn needs_credentials(registry: &str, what: &str) -> RegistryError {
    RegistryError::Auth {
        registry: registry.to_string(),
        detail: format!(
            "requires {what}, and no credentials were found for {registry}\n\
             hint: run `docker login {registry}`, point DOCKER_CONFIG at a config.json that has them, \
             or set TAGBUMP_REGISTRY_USERNAME and TAGBUMP_REGISTRY_PASSWORD"
        ),
    }
}

fn ensure_credential(t: &Transport, reg: &Registry, st: &mut AuthState) -> Result<(), RegistryError> {
    if !st.looked_up {
        st.credential = t
            .settings
            .keychain
            .lookup(&reg.endpoint.registry)
            .map_err(|e| RegistryError::Config(format!("credentials for {}: {e}", reg.endpoint.registry)))?;
        st.looked_up = true;
    }
    Ok(())
}

/// Fetches a bearer token from the realm (GET with optional Basic, or the OAuth2 POST for
/// identity tokens), with the same retry rules as registry requests.
async fn fetch_token(
    t: &Transport,
    reg: &Registry,
    st: &mut AuthState,
    realm: &str,
    service: Option<&str>,
    scope: Option<&str>,
) -> Result<(HeaderValue, u64), RegistryError> {
    let registry = reg.endpoint.registry.clone();
    let auth_err = |detail: String| RegistryError::Auth {
        registry: registry.clone(),
        detail,
    };
    let mut url = Url::parse(realm).map_err(|e| auth_err(format!("names an invalid token realm {realm:?}: {e}")))?;
    let realm_host = url.host_str().unwrap_or_default().to_string();
    if url.scheme() == "http"
        && st.credential.is_some()
        && !is_loopback(&realm_host)
        && reg.endpoint.security != Security::Insecure
    {
        return Err(auth_err(format!(
            "names a plain-HTTP token realm ({realm}); refusing to send credentials over it\n\
             hint: list the registry with --insecure-registry if that is intended"
        )));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(auth_err(format!("names a token realm that is not HTTP(S): {realm}")));
    }
    let mut headers = HeaderMap::new();
    let mut form = None;
    match &st.credential {
        Some((Credential::IdentityToken { token }, _)) => {
            let mut body = url::form_urlencoded::Serializer::new(String::new());
            body.append_pair("grant_type", "refresh_token");
            body.append_pair("refresh_token", token.expose());
            body.append_pair("client_id", "tagbump");
            if let Some(s) = service {
                body.append_pair("service", s);
            }
            if let Some(s) = scope {
                body.append_pair("scope", s);
            }
            form = Some(body.finish());
        }
        Some((Credential::Basic { username, password }, _)) => {
            headers.insert(AUTHORIZATION, basic(username, password.expose())?);
        }
        _ => {}
    }
    if form.is_none() {
        let mut q = url.query_pairs_mut();
        if let Some(s) = service {
            q.append_pair("service", s);
        }
        if let Some(s) = scope {
            q.append_pair("scope", s);
        }
    }
    let url = url.to_string();
    let what = format!("token server {}", strip(&url));
    let method = if form.is_some() { Method::POST } else { Method::GET };
    let mut attempt = 0u32;
    loop {
        let body = form.clone().map(|f| (f, "application/x-www-form-urlencoded"));
        let sent = t
            .send(
                reg,
                method.clone(),
                &url,
                headers.clone(),
                body,
                &t.stats.token_requests,
            )
            .await;
        let failed = match sent {
            Err(e) => Failed::Transport {
                detail: t.failure_detail(&e),
                transient: transient(&e),
            },
            Ok(resp) if resp.status == StatusCode::OK => match parse_token(&resp.body) {
                Ok((token, lifetime)) => {
                    st.generation += 1;
                    let header = sensitive(&format!("Bearer {token}"))?;
                    let key = scope.unwrap_or("").to_string();
                    st.tokens.insert(
                        key,
                        Token {
                            header: header.clone(),
                            expires: Instant::now()
                                + lifetime.saturating_sub(EXPIRY_MARGIN).max(Duration::from_secs(1)),
                            generation: st.generation,
                        },
                    );
                    return Ok((header, st.generation));
                }
                Err(detail) => Failed::Invalid(detail),
            },
            Ok(resp) if matches!(resp.status.as_u16(), 401 | 403) => {
                return Err(match &st.credential {
                    None => needs_credentials(&registry, &format!("credentials for {}", scope.unwrap_or("access"))),
                    Some((_, source)) => auth_err(format!(
                        "{what} rejected the credentials from {source} (HTTP {}){}",
                        resp.status.as_u16(),
                        error_body_detail(&resp.body)
                    )),
                });
            }
            Ok(resp) if retryable_status(resp.status.as_u16()) => {
                let wait = t.next_attempt(&registry, &what, &mut attempt, Failed::Status(&resp))?;
                t.pause(wait).await;
                continue;
            }
            Ok(resp) => {
                return Err(RegistryError::Status {
                    registry,
                    what,
                    status: resp.status.as_u16(),
                    detail: error_body_detail(&resp.body),
                    attempts: attempt + 1,
                });
            }
        };
        let wait = t.next_attempt(&registry, &what, &mut attempt, failed)?;
        t.pause(wait).await;
    }
}

/// `token` (or OAuth2's `access_token`) and the lifetime from a token response.
fn parse_token(body: &[u8]) -> Result<(String, Duration), String> {
    #[derive(serde::Deserialize)]
    struct Answer {
        token: Option<String>,
        access_token: Option<String>,
        expires_in: Option<u64>,
    }
    let a: Answer = serde_json::from_slice(body).map_err(|e| format!("answered with invalid JSON ({e})"))?;
    let token = a
        .token
        .filter(|t| !t.is_empty())
        .or(a.access_token.filter(|t| !t.is_empty()))
        .ok_or("answered without a token")?;
    let lifetime = a
        .expires_in
        .filter(|s| *s > 0)
        .map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs);
    Ok((token, lifetime))
}

fn basic(username: &str, password: &str) -> Result<HeaderValue, RegistryError> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    sensitive(&format!("Basic {encoded}"))
}

fn sensitive(value: &str) -> Result<HeaderValue, RegistryError> {
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| RegistryError::Config("a credential contains characters not allowed in an HTTP header".into()))?;
    v.set_sensitive(true);
    Ok(v)
}

fn strip(url: &str) -> &str {
    url.split_once('?').map_or(url, |(u, _)| u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_answers() {
        assert_eq!(
            parse_token(br#"{"token":"abc","expires_in":300}"#),
            Ok(("abc".into(), Duration::from_secs(300)))
        );
        assert_eq!(
            parse_token(br#"{"access_token":"xyz"}"#),
            Ok(("xyz".into(), DEFAULT_TOKEN_LIFETIME))
        );
        assert_eq!(
            parse_token(br#"{"token":"","access_token":"xyz","expires_in":0}"#),
            Ok(("xyz".into(), DEFAULT_TOKEN_LIFETIME))
        );
        assert_eq!(parse_token(br#"{}"#), Err("answered without a token".into()));
        assert!(
            parse_token(b"{\"tok")
                .unwrap_err()
                .starts_with("answered with invalid JSON")
        );
    }

    #[test]
    fn basic_header_is_sensitive() {
        let h = basic("u", "p").unwrap();
        assert!(h.is_sensitive());
        assert_eq!(h.to_str().unwrap(), "Basic dTpw");
        assert!(!format!("{h:?}").contains("dTpw"));
    }
}
