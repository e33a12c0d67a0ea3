//! Where the transport asks for credentials, once per registry and only when it needs them.
//!
//! A trait rather than the docker-config lookup itself, so the transport does not care
//! whether credentials come from `config.json`, a credential helper, the Action's inputs or
//! a test.

use super::credential::{Credential, Source};

pub trait Keychain: Send + Sync {
    /// The credential for a canonical registry host (`docker.io`, `ghcr.io`,
    /// `127.0.0.1:5000`), or `None` for anonymous access. The error text must not contain a
    /// secret.
    fn lookup(&self, registry: &str) -> Result<Option<(Credential, Source)>, String>;
}

/// Anonymous everywhere.
pub struct Anonymous;

impl Keychain for Anonymous {
    fn lookup(&self, _registry: &str) -> Result<Option<(Credential, Source)>, String> {
        Ok(None)
    }
}

/// A fixed list of `(registry, credential)` pairs; anonymous elsewhere.
pub struct Fixed(pub Vec<(String, Credential)>);

impl Keychain for Fixed {
    fn lookup(&self, registry: &str) -> Result<Option<(Credential, Source)>, String> {
        Ok(self
            .0
            .iter()
            .find(|(r, _)| crate::image::canonical_registry(r) == registry)
            .map(|(_, c)| (c.clone(), Source::Explicit)))
    }
}

/// The full chain: explicit credentials, docker's config and helpers, `GITHUB_TOKEN`.
impl Keychain for super::credentials::Credentials {
    fn lookup(&self, registry: &str) -> Result<Option<(Credential, Source)>, String> {
        super::credentials::Credentials::lookup(self, registry).map_err(|e| e.to_string())
    }
}
