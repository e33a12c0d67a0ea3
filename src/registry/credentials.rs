//! Which credential to show a registry, and where it came from.
//!
//! The chain is docker's, so whatever `docker pull` would use, tagbump uses, with two
//! additions at the ends: explicit credentials (command line, `TAGBUMP_REGISTRY_*`) beat
//! everything, and `GITHUB_TOKEN` is the last resort for `ghcr.io`, so a GitHub Actions
//! workflow can read its own packages without a login step. In order:
//!
//! 1. explicit credentials for the registry;
//! 2. the docker config's helper for the registry: its `credHelpers` entry, else `credsStore`.
//!    As in docker, a configured helper is the only source the config offers: when it holds
//!    nothing, `auths` is not consulted (docker keeps only e-mail addresses there when a
//!    helper is in use, and an entry left there is stale);
//! 3. otherwise the config's `auths` entry (keys are matched by host: scheme and path dropped, case ignored, Docker Hub's aliases folded);
//! 4. for `ghcr.io` only, `GITHUB_TOKEN` (username `$GITHUB_ACTOR`, else `x-access-token`).
//!    Never for another host, not even a subdomain: the token must not leak to a registry
//!    GitHub does not run.
//!
//! Lookups are cached per registry for the life of a [`Credentials`], failures included, so
//! a slow or broken helper runs once per registry, not once per image; concurrent lookups of
//! one registry wait for a single helper run, and lookups of other registries do not wait.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

pub use super::credential_error::CredentialError;
pub use super::credential_helper::HelperFailure;
pub use super::docker_config::AuthProblem;

use super::credential::{Credential, Source};
use super::credential_helper;
use super::docker_config::{DockerConfig, config_path, docker_key, registry_of_key};
use super::secret::Secret;

/// How long a credential helper may take before it is killed.
pub const DEFAULT_HELPER_TIMEOUT: Duration = Duration::from_secs(30);

/// The one registry `GITHUB_TOKEN` is offered to.
const GITHUB_REGISTRY: &str = "ghcr.io";

/// The username sent with `GITHUB_TOKEN` when `GITHUB_ACTOR` is unset (ghcr.io checks only
/// the token).
const GITHUB_DEFAULT_USER: &str = "x-access-token";

/// The environment the lookup reads, gathered once so tests can build it by hand.
#[derive(Debug, Clone, Default)]
pub struct CredentialEnv {
    /// `DOCKER_CONFIG`: the directory holding `config.json`.
    pub docker_config: Option<PathBuf>,
    /// `HOME`: `~/.docker/config.json` is used when `DOCKER_CONFIG` is unset.
    pub home: Option<PathBuf>,
    /// `PATH`: where `docker-credential-*` programs are found; also their own `PATH`.
    pub path: Option<OsString>,
    /// `GITHUB_TOKEN`, offered to `ghcr.io` only.
    pub github_token: Option<Secret>,
    /// `GITHUB_ACTOR`, the username sent with `GITHUB_TOKEN`.
    pub github_actor: Option<String>,
}

impl CredentialEnv {
    /// Read the process environment. Empty variables count as unset, as docker treats them.
    pub fn from_process() -> Self {
        let os = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let text = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        #[cfg(windows)]
        let home = os("USERPROFILE").or_else(|| os("HOME"));
        #[cfg(not(windows))]
        let home = os("HOME");
        Self {
            docker_config: os("DOCKER_CONFIG").map(PathBuf::from),
            home: home.map(PathBuf::from),
            path: os("PATH"),
            github_token: text("GITHUB_TOKEN").map(Secret::new),
            github_actor: text("GITHUB_ACTOR"),
        }
    }
}

/// What a lookup answers: a credential and its source, or none (anonymous access).
type Answer = Result<Option<(Credential, Source)>, CredentialError>;

/// Credential lookup for registry hosts: load once, then [`Credentials::lookup`] from any
/// thread.
#[derive(Debug)]
pub struct Credentials {
    explicit: Vec<(String, Credential)>,
    config: Option<DockerConfig>,
    env: CredentialEnv,
    helper_timeout: Duration,
    cache: Mutex<HashMap<String, Arc<OnceLock<Answer>>>>,
}

impl Credentials {
    /// Read the docker config that `env` points to (a missing file means no credentials) and
    /// take `explicit` credentials, each for one registry host (`docker.io`, `ghcr.io`,
    /// `localhost:5000`; a URL such as `https://index.docker.io/v1/` is read as its host).
    pub fn load(env: CredentialEnv, explicit: Vec<(String, Credential)>) -> Result<Self, CredentialError> {
        let mut seen = Vec::new();
        let explicit = explicit
            .into_iter()
            .map(|(registry, credential)| {
                let registry = registry_of_key(&registry);
                if seen.contains(&registry) {
                    return Err(CredentialError::DuplicateExplicit { registry });
                }
                seen.push(registry.clone());
                Ok((registry, credential))
            })
            .collect::<Result<_, _>>()?;
        let config = match config_path(env.docker_config.as_deref(), env.home.as_deref()) {
            Some(path) => DockerConfig::load(&path)?,
            None => None,
        };
        Ok(Self {
            explicit,
            config,
            env,
            helper_timeout: DEFAULT_HELPER_TIMEOUT,
            cache: Mutex::default(),
        })
    }

    /// Replace [`DEFAULT_HELPER_TIMEOUT`].
    pub fn with_helper_timeout(mut self, timeout: Duration) -> Self {
        self.helper_timeout = timeout;
        self
    }

    /// The credential for a registry host, as [`crate::image::canonical_registry`] gives it
    /// (compared without case; Docker Hub's aliases are folded), and where it came from.
    /// `Ok(None)` means no source has one: access the registry anonymously.
    pub fn lookup(&self, registry: &str) -> Result<Option<(Credential, Source)>, CredentialError> {
        let registry = registry_of_key(registry);
        let cell = {
            let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(cache.entry(registry.clone()).or_default())
        };
        cell.get_or_init(|| self.resolve(&registry)).clone()
    }

    /// The chain described in the module docs, uncached.
    fn resolve(&self, registry: &str) -> Answer {
        if let Some((_, credential)) = self.explicit.iter().find(|(r, _)| r == registry) {
            return Ok(Some((credential.clone(), Source::Explicit)));
        }
        if let Some(found) = self.docker_config_credential(registry)? {
            return Ok(Some(found));
        }
        Ok(self.github_token_credential(registry))
    }

    fn docker_config_credential(&self, registry: &str) -> Answer {
        let Some(config) = &self.config else {
            return Ok(None);
        };
        if let Some(helper) = config.helper_for(registry) {
            let path = self.env.path.as_deref();
            let answer = credential_helper::get(helper, docker_key(registry), path, self.helper_timeout);
            return answer
                .map(|found| found.map(|c| (c, Source::Helper(helper.to_string()))))
                .map_err(|failure| CredentialError::Helper {
                    helper: helper.to_string(),
                    registry: registry.to_string(),
                    failure,
                });
        }
        config
            .auth_for(registry)
            .map(|found| found.map(|c| (c, Source::DockerConfig(config.path.clone()))))
            .map_err(|(key, problem)| CredentialError::ConfigAuth {
                path: config.path.clone(),
                key,
                registry: registry.to_string(),
                problem,
            })
    }

    fn github_token_credential(&self, registry: &str) -> Option<(Credential, Source)> {
        if registry != GITHUB_REGISTRY {
            return None;
        }
        let token = self.env.github_token.clone().filter(|t| !t.is_empty())?;
        let username = self.env.github_actor.as_deref().filter(|a| !a.is_empty());
        let credential = Credential::Basic {
            username: username.unwrap_or(GITHUB_DEFAULT_USER).to_string(),
            password: token,
        };
        Some((credential, Source::GithubToken))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(username: &str, password: &str) -> Credential {
        Credential::Basic {
            username: username.into(),
            password: Secret::new(password),
        }
    }

    fn with_token(actor: Option<&str>) -> Credentials {
        let env = CredentialEnv {
            github_token: Some(Secret::new("gh-token")),
            github_actor: actor.map(String::from),
            ..CredentialEnv::default()
        };
        Credentials::load(env, Vec::new()).unwrap()
    }

    #[test]
    fn github_token_is_for_ghcr_io_alone() {
        let creds = with_token(None);
        let expected = Some((basic("x-access-token", "gh-token"), Source::GithubToken));
        assert_eq!(creds.lookup("ghcr.io").unwrap(), expected);
        assert_eq!(creds.lookup("GHCR.IO").unwrap(), expected);
        for other in [
            "docker.io",
            "foo.ghcr.io",
            "ghcr.io:443",
            "ghcr.io.evil.com",
            "docker.pkg.github.com",
        ] {
            assert_eq!(creds.lookup(other).unwrap(), None, "{other}");
        }
        let creds = with_token(Some("octocat"));
        assert_eq!(
            creds.lookup("ghcr.io").unwrap().unwrap().0,
            basic("octocat", "gh-token")
        );
        let empty = CredentialEnv {
            github_token: Some(Secret::new("")),
            ..CredentialEnv::default()
        };
        assert_eq!(
            Credentials::load(empty, Vec::new()).unwrap().lookup("ghcr.io").unwrap(),
            None
        );
    }

    #[test]
    fn explicit_credentials_are_matched_by_registry() {
        let explicit = vec![
            ("https://index.docker.io/v1/".to_string(), basic("hub", "1")),
            ("Localhost:5000".to_string(), basic("local", "2")),
        ];
        let creds = Credentials::load(CredentialEnv::default(), explicit).unwrap();
        assert_eq!(
            creds.lookup("docker.io").unwrap(),
            Some((basic("hub", "1"), Source::Explicit))
        );
        assert_eq!(
            creds.lookup("localhost:5000").unwrap(),
            Some((basic("local", "2"), Source::Explicit))
        );
        assert_eq!(creds.lookup("localhost").unwrap(), None, "ports are significant");
        assert_eq!(creds.lookup("localhost:5001").unwrap(), None);
    }

    #[test]
    fn explicit_credentials_for_one_registry_twice_are_refused() {
        let explicit = vec![
            ("docker.io".to_string(), basic("a", "1")),
            ("index.docker.io".to_string(), basic("b", "2")),
        ];
        let err = Credentials::load(CredentialEnv::default(), explicit).unwrap_err();
        assert_eq!(
            err.to_string(),
            "explicit credentials are given more than once for registry docker.io"
        );
    }

    #[test]
    fn no_home_and_no_docker_config_means_no_config() {
        let creds = Credentials::load(CredentialEnv::default(), Vec::new()).unwrap();
        assert_eq!(creds.lookup("docker.io").unwrap(), None);
    }
}
