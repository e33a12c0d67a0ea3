//! The docker CLI's `config.json`, read the way docker reads it.
//!
//! Users log in with `docker login` (or `docker/login-action` in CI), and tagbump should then
//! just work: same file, same keys, same precedence. Only the three settings that decide
//! credentials are modelled (`auths`, `credHelpers`, `credsStore`); everything else in the
//! file is skipped. Field names are matched without case, because docker's Go decoder does
//! (`identityToken` works there, so it must work here).
//!
//! Keys are compared the way tagbump compares registries: a key's scheme and path are dropped
//! (`https://index.docker.io/v1/` is the host `index.docker.io`), the host is lowercased and
//! Docker Hub's aliases are folded into `docker.io`. Where several keys denote one registry,
//! the key docker itself would look up ([`docker_key`]) wins, then the first in the file.
//!
//! Raw values are held as [`Secret`]s from the moment they are read, so no `Debug` of this
//! model can print one; an `auth` value is only decoded when its registry is looked up, so a
//! broken entry for one registry does not stop lookups for the others.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::credential::Credential;
use super::credential_error::CredentialError;
use super::secret::Secret;
use crate::image::canonical_registry;

/// The `auths` key (and helper server URL) docker uses for Docker Hub, for historical reasons.
pub(crate) const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// Base64 as Go's `StdEncoding` reads it, but also accepting values whose padding was lost.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why an `auths` entry's `auth` value cannot be used. Never carries the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthProblem {
    #[error("`auth` is not valid base64")]
    NotBase64,
    #[error("`auth` does not decode to UTF-8 text")]
    NotUtf8,
    #[error("`auth` does not decode to `username:password` (no colon)")]
    NoColon,
    #[error("`auth` decodes to an empty username")]
    EmptyUsername,
}

/// The credential settings of one docker config file.
#[derive(Debug, Default)]
pub(crate) struct DockerConfig {
    pub path: PathBuf,
    /// `auths`, in file order (a key given twice keeps its last value, as in Go).
    auths: Vec<(String, AuthEntry)>,
    /// `credHelpers`: key ⇒ helper name (the part after `docker-credential-`).
    cred_helpers: Vec<(String, String)>,
    /// `credsStore`: the default helper.
    creds_store: Option<String>,
}

/// One `auths` entry. `email` and `serveraddress` are ignored, as docker ignores them for auth.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct AuthEntry {
    auth: Option<Secret>,
    username: Option<String>,
    password: Option<Secret>,
    identity_token: Option<Secret>,
    registry_token: Option<Secret>,
}

/// Where docker looks for its config: `$DOCKER_CONFIG/config.json`, else
/// `$HOME/.docker/config.json`.
pub(crate) fn config_path(docker_config: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    match (docker_config, home) {
        (Some(dir), _) => Some(dir.join("config.json")),
        (None, Some(home)) => Some(home.join(".docker").join("config.json")),
        (None, None) => None,
    }
}

/// The registry an `auths` or `credHelpers` key denotes: scheme and path dropped, then
/// [`canonical_registry`] (`https://index.docker.io/v1/` ⇒ `docker.io`).
pub(crate) fn registry_of_key(key: &str) -> String {
    let rest = key.split_once("://").map_or(key, |(_, rest)| rest);
    canonical_registry(rest.split('/').next().unwrap_or_default())
}

/// The key docker looks up for a canonical registry host, which is also the server URL it
/// gives a credential helper: [`DOCKER_HUB_KEY`] for Docker Hub, the host otherwise.
pub(crate) fn docker_key(registry: &str) -> &str {
    if registry == "docker.io" {
        DOCKER_HUB_KEY
    } else {
        registry
    }
}

/// The values of `entries` whose keys denote `registry`, docker's own key first, then in file
/// order.
fn matching<'a, V>(entries: &'a [(String, V)], registry: &str) -> impl Iterator<Item = (&'a str, &'a V)> + use<'a, V> {
    let exact = docker_key(registry).to_string();
    let registry = registry.to_string();
    let first = entries.iter().filter({
        let exact = exact.clone();
        move |(k, _)| *k == exact
    });
    let rest = entries
        .iter()
        .filter(move |(k, _)| *k != exact && registry_of_key(k) == registry);
    first.chain(rest).map(|(k, v)| (k.as_str(), v))
}

impl DockerConfig {
    /// Read and parse the file; `None` when it does not exist (no credentials, as in docker).
    pub fn load(path: &Path) -> Result<Option<Self>, CredentialError> {
        match fs_err::read_to_string(path) {
            Ok(text) => Self::parse(path, &text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CredentialError::ConfigRead {
                path: path.to_path_buf(),
                source: e.into(),
            }),
        }
    }

    /// Parse a config file's text. An empty file is an empty config, as docker reads it.
    pub fn parse(path: &Path, text: &str) -> Result<Self, CredentialError> {
        if text.trim().is_empty() {
            return Ok(Self {
                path: path.to_path_buf(),
                ..Self::default()
            });
        }
        let mut config: Self = serde_json::from_str(text).map_err(|e| CredentialError::ConfigSyntax {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: describe_json_error(&e),
        })?;
        config.path = path.to_path_buf();
        Ok(config)
    }

    /// The helper configured for `registry`: its `credHelpers` entry, else `credsStore`.
    /// `None` means "read `auths`", which includes a `credHelpers` entry with an empty name
    /// (docker's way to exempt one registry from `credsStore`).
    pub fn helper_for(&self, registry: &str) -> Option<&str> {
        match matching(&self.cred_helpers, registry).next() {
            Some((_, helper)) => Some(helper.as_str()),
            None => self.creds_store.as_deref(),
        }
        .filter(|helper| !helper.is_empty())
    }

    /// The credential `auths` holds for `registry`: the first non-empty matching entry.
    /// An error carries the offending key.
    pub fn auth_for(&self, registry: &str) -> Result<Option<Credential>, (String, AuthProblem)> {
        for (key, entry) in matching(&self.auths, registry) {
            if let Some(credential) = entry.credential().map_err(|problem| (key.to_string(), problem))? {
                return Ok(Some(credential));
            }
        }
        Ok(None)
    }
}

impl AuthEntry {
    /// The credential this entry gives, with docker's precedence: a registry token (sent as
    /// is), then an identity token, then `auth` (which overrides `username`/`password`).
    fn credential(&self) -> Result<Option<Credential>, AuthProblem> {
        let present = |s: &Option<Secret>| s.clone().filter(|s| !s.is_empty());
        if let Some(token) = present(&self.registry_token) {
            return Ok(Some(Credential::Bearer(token)));
        }
        if let Some(token) = present(&self.identity_token) {
            return Ok(Some(Credential::IdentityToken { token }));
        }
        if let Some(auth) = present(&self.auth) {
            let (username, password) = decode_auth(&auth)?;
            return Ok(Some(Credential::Basic { username, password }));
        }
        let username = self.username.clone().unwrap_or_default();
        let password = self.password.clone().unwrap_or_else(|| Secret::new(""));
        Ok((!username.is_empty() || !password.is_empty()).then_some(Credential::Basic { username, password }))
    }
}

/// Decode `base64(username:password)`. Go's decoder skips line breaks, and so does this;
/// trailing NULs in the password are dropped, as docker drops them.
fn decode_auth(auth: &Secret) -> Result<(String, Secret), AuthProblem> {
    let cleaned: String = auth.expose().chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    let bytes = BASE64.decode(cleaned.trim()).map_err(|_| AuthProblem::NotBase64)?;
    let text = String::from_utf8(bytes).map_err(|_| AuthProblem::NotUtf8)?;
    let (username, password) = text.split_once(':').ok_or(AuthProblem::NoColon)?;
    if username.is_empty() {
        return Err(AuthProblem::EmptyUsername);
    }
    Ok((username.to_string(), Secret::new(password.trim_matches('\0'))))
}

/// A serde_json error's message without its position (reported separately) and without any
/// value it quotes: a type error on a string would otherwise print the string, which may be a
/// password. Syntax errors never quote input, so they are kept whole.
fn describe_json_error(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let message = match full.rsplit_once(" at line ") {
        Some((message, _)) if e.line() > 0 => message,
        _ => &full,
    };
    match e.classify() {
        serde_json::error::Category::Data => match (message.split_once(':'), message.rsplit_once(", expected ")) {
            (Some((head, _)), Some((_, expected))) => format!("{head}, expected {expected}"),
            _ => "a value has the wrong type".to_string(),
        },
        _ => message.to_string(),
    }
}

/// A JSON object's string fields, read by case-insensitive name as Go's decoder reads them;
/// other fields are skipped, `null` is absent.
struct StringFields<const N: usize>([&'static str; N]);

impl<'de, const N: usize> Visitor<'de> for StringFields<N> {
    type Value = [Option<String>; N];

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut values = std::array::from_fn(|_| None);
        while let Some(key) = map.next_key::<String>()? {
            match self.0.iter().position(|name| name.eq_ignore_ascii_case(&key)) {
                Some(i) => values[i] = map.next_value()?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(values)
    }
}

/// Read the fields `names` of a JSON object (see [`StringFields`]).
pub(crate) fn string_fields<'de, D: Deserializer<'de>, const N: usize>(
    d: D,
    names: [&'static str; N],
) -> Result<[Option<String>; N], D::Error> {
    d.deserialize_map(StringFields(names))
}

impl<'de> Deserialize<'de> for AuthEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let [auth, username, password, identity_token, registry_token] =
            string_fields(d, ["auth", "username", "password", "identitytoken", "registrytoken"])?;
        Ok(Self {
            auth: auth.map(Secret::new),
            username,
            password: password.map(Secret::new),
            identity_token: identity_token.map(Secret::new),
            registry_token: registry_token.map(Secret::new),
        })
    }
}

/// A JSON object as `(key, value)` pairs in file order, a repeated key keeping its last value
/// (as in Go); a `null` value is the type's default (Go's zero value).
#[derive(Default)]
struct Entries<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de> + Default> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EntriesVisitor(std::marker::PhantomData))
    }
}

struct EntriesVisitor<V>(std::marker::PhantomData<V>);

impl<'de, V: Deserialize<'de> + Default> Visitor<'de> for EntriesVisitor<V> {
    type Value = Entries<V>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<(String, V)> = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Option<V>>()? {
            entries.retain(|(k, _)| *k != key);
            entries.push((key, value.unwrap_or_default()));
        }
        Ok(Entries(entries))
    }
}

impl<'de> Deserialize<'de> for DockerConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ConfigVisitor)
    }
}

struct ConfigVisitor;

impl<'de> Visitor<'de> for ConfigVisitor {
    type Value = DockerConfig;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DockerConfig, A::Error> {
        let mut config = DockerConfig::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.to_ascii_lowercase().as_str() {
                "auths" => config.auths = map.next_value::<Option<Entries<AuthEntry>>>()?.unwrap_or_default().0,
                "credhelpers" => {
                    config.cred_helpers = map.next_value::<Option<Entries<String>>>()?.unwrap_or_default().0;
                }
                "credsstore" => config.creds_store = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> DockerConfig {
        DockerConfig::parse(Path::new("/cfg/config.json"), text).unwrap()
    }

    fn basic(username: &str, password: &str) -> Credential {
        Credential::Basic {
            username: username.into(),
            password: Secret::new(password),
        }
    }

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn config_location() {
        let (dc, home) = (Path::new("/dc"), Path::new("/home/u"));
        assert_eq!(
            config_path(Some(dc), Some(home)),
            Some(PathBuf::from("/dc/config.json"))
        );
        assert_eq!(
            config_path(None, Some(home)),
            Some(PathBuf::from("/home/u/.docker/config.json"))
        );
        assert_eq!(config_path(None, None), None);
    }

    #[test]
    fn keys_normalise_like_docker() {
        for hub in [
            "https://index.docker.io/v1/",
            "index.docker.io",
            "registry-1.docker.io",
            "docker.io",
            "http://Docker.IO/v2/",
            "INDEX.docker.io",
        ] {
            assert_eq!(registry_of_key(hub), "docker.io", "{hub}");
        }
        assert_eq!(registry_of_key("https://ghcr.io"), "ghcr.io");
        assert_eq!(registry_of_key("GHCR.io/acme"), "ghcr.io");
        assert_eq!(registry_of_key("localhost:5000"), "localhost:5000");
        assert_eq!(registry_of_key("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
        assert_eq!(registry_of_key("[::1]:5000"), "[::1]:5000");
        assert_eq!(docker_key("docker.io"), DOCKER_HUB_KEY);
        assert_eq!(docker_key("ghcr.io"), "ghcr.io");
    }

    #[test]
    fn entry_fields_and_precedence() {
        let auth = b64("alice:pa:ss");
        let cfg = parse(&format!(
            r#"{{"auths": {{
                "a.io": {{"auth": "{auth}", "username": "ignored", "password": "ignored", "email": "x@y"}},
                "b.io": {{"username": "bob", "password": "pw"}},
                "c.io": {{"identitytoken": "refresh", "auth": "{auth}"}},
                "d.io": {{"registrytoken": "bearer", "identitytoken": "refresh"}},
                "e.io": {{}},
                "f.io": null,
                "g.io": {{"Username": "gus", "PASSWORD": "pw", "identityToken": ""}}
            }}}}"#
        ));
        let get = |r: &str| cfg.auth_for(r).unwrap();
        assert_eq!(get("a.io"), Some(basic("alice", "pa:ss")));
        assert_eq!(get("b.io"), Some(basic("bob", "pw")));
        assert_eq!(
            get("c.io"),
            Some(Credential::IdentityToken {
                token: Secret::new("refresh")
            })
        );
        assert_eq!(get("d.io"), Some(Credential::Bearer(Secret::new("bearer"))));
        assert_eq!(get("e.io"), None);
        assert_eq!(get("f.io"), None);
        assert_eq!(get("g.io"), Some(basic("gus", "pw")));
        assert_eq!(get("other.io"), None);
    }

    #[test]
    fn auth_decoding() {
        let entry = |auth: &str| AuthEntry {
            auth: Some(Secret::new(auth)),
            ..AuthEntry::default()
        };
        let unpadded = b64("u:p").trim_end_matches('=').to_string();
        assert_eq!(entry(&unpadded).credential(), Ok(Some(basic("u", "p"))));
        let wrapped = format!("{}\n{}", &b64("user:password")[..4], &b64("user:password")[4..]);
        assert_eq!(entry(&wrapped).credential(), Ok(Some(basic("user", "password"))));
        assert_eq!(entry(&b64("u:p\0\0")).credential(), Ok(Some(basic("u", "p"))));
        assert_eq!(entry(&b64("u:")).credential(), Ok(Some(basic("u", ""))));
        assert_eq!(entry("not base64!").credential(), Err(AuthProblem::NotBase64));
        assert_eq!(entry(&b64("nocolon")).credential(), Err(AuthProblem::NoColon));
        assert_eq!(entry(&b64(":p")).credential(), Err(AuthProblem::EmptyUsername));
        let latin1 = base64::engine::general_purpose::STANDARD.encode(b"u:\xff");
        assert_eq!(entry(&latin1).credential(), Err(AuthProblem::NotUtf8));
    }

    #[test]
    fn docker_key_wins_then_file_order_then_non_empty() {
        let cfg = parse(&format!(
            r#"{{"auths": {{
                "docker.io": {{"auth": "{}"}},
                "https://index.docker.io/v1/": {{"auth": "{}"}},
                "https://ghcr.io": {{}},
                "ghcr.io/": {{"auth": "{}"}},
                "GHCR.IO": {{"auth": "{}"}}
            }}}}"#,
            b64("alias:1"),
            b64("hub:2"),
            b64("first:3"),
            b64("second:4"),
        ));
        assert_eq!(cfg.auth_for("docker.io").unwrap(), Some(basic("hub", "2")));
        // The empty `https://ghcr.io` entry gives nothing, so the next one is used.
        assert_eq!(cfg.auth_for("ghcr.io").unwrap(), Some(basic("first", "3")));
        let bad = parse(r#"{"auths": {"q.io": {"auth": "%%%"}}}"#);
        assert_eq!(bad.auth_for("q.io"), Err(("q.io".to_string(), AuthProblem::NotBase64)));
    }

    #[test]
    fn repeated_key_keeps_last_value() {
        let cfg = parse(r#"{"auths": {"a.io": {"username": "one"}, "a.io": {"username": "two"}}}"#);
        assert_eq!(cfg.auth_for("a.io").unwrap(), Some(basic("two", "")));
    }

    #[test]
    fn helper_choice() {
        let cfg = parse(
            r#"{"credsStore": "desktop", "credHelpers": {
                "gcr.io": "gcloud", "https://index.docker.io/v1/": "hub", "plain.io": ""
            }, "psFormat": "table", "plugins": {"x": {"y": "z"}}}"#,
        );
        assert_eq!(cfg.helper_for("gcr.io"), Some("gcloud"));
        assert_eq!(cfg.helper_for("docker.io"), Some("hub"));
        assert_eq!(cfg.helper_for("ghcr.io"), Some("desktop"));
        assert_eq!(
            cfg.helper_for("plain.io"),
            None,
            "an empty helper name exempts a registry"
        );
        assert_eq!(parse(r#"{"credsStore": ""}"#).helper_for("a.io"), None);
        assert_eq!(parse(r#"{"CREDSSTORE": "pass"}"#).helper_for("a.io"), Some("pass"));
        assert_eq!(
            parse(r#"{"auths": null, "credHelpers": null}"#).helper_for("a.io"),
            None
        );
    }

    #[test]
    fn empty_file_is_empty_config() {
        let cfg = parse(" \n");
        assert_eq!(cfg.helper_for("docker.io"), None);
        assert_eq!(cfg.auth_for("docker.io").unwrap(), None);
    }

    #[test]
    fn malformed_file_names_path_and_position_but_no_value() {
        let path = Path::new("/cfg/config.json");
        let err = DockerConfig::parse(path, "{\n  \"auths\": {\n    \"a.io\": {},\n  }\n}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/cfg/config.json:4:3: malformed docker config: trailing comma"
        );
        let err = DockerConfig::parse(path, "{\"auths\": {\"a.io\": {\"auth\": \"c2VjcmV0\" \"x\"}}}").unwrap_err();
        assert!(err.to_string().starts_with("/cfg/config.json:1:"), "{err}");
        let err = DockerConfig::parse(path, "{\"auths\": \"hunter2\"}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/cfg/config.json:1:19: malformed docker config: invalid type, expected a JSON object"
        );
        let err = DockerConfig::parse(path, "{\"auths\": {\"a.io\": {\"password\": 12345}}}").unwrap_err();
        assert!(!err.to_string().contains("12345"), "{err}");
        let err = DockerConfig::parse(path, "[]").unwrap_err();
        assert!(err.to_string().contains("expected a JSON object"), "{err}");
    }

    #[test]
    fn debug_never_shows_values() {
        let cfg = parse(&format!(
            r#"{{"auths": {{"a.io": {{"auth": "{}", "password": "pw-123"}}}}}}"#,
            b64("u:pw-456")
        ));
        let debug = format!("{cfg:?}");
        assert!(
            !debug.contains("pw-123") && !debug.contains(&b64("u:pw-456")),
            "{debug}"
        );
    }
}
