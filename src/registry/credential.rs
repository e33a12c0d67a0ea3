//! What a registry may be shown to prove who we are.
//!
//! Registries accept three kinds of proof, and the token flow treats each differently:
//! a username and password (sent as Basic to the registry or to its token endpoint), an
//! identity token (an OAuth2 refresh token that docker `config.json` stores after
//! `docker login` to some registries, exchanged at the token endpoint), and a ready bearer
//! token (sent as is, never exchanged).

use super::secret::Secret;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// Username and password (or personal access token used as a password).
    Basic { username: String, password: Secret },
    /// An OAuth2 refresh token, exchanged at the token endpoint with
    /// `grant_type=refresh_token` (docker's `identitytoken`, or a credential helper's
    /// answer whose username is `<token>`).
    IdentityToken { token: Secret },
    /// A bearer token sent as is (docker's `registrytoken`, or `--registry-token`).
    Bearer(Secret),
}

/// Where a credential came from, for `--explain` and error messages (never the value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Command-line option or `TAGBUMP_REGISTRY_*` environment variable.
    Explicit,
    /// `auths` in a docker config file.
    DockerConfig(std::path::PathBuf),
    /// A `docker-credential-<name>` program.
    Helper(String),
    /// `GITHUB_TOKEN`, for `ghcr.io`.
    GithubToken,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Explicit => f.write_str("explicit credentials"),
            Self::DockerConfig(p) => write!(f, "{}", p.display()),
            Self::Helper(name) => write!(f, "docker-credential-{name}"),
            Self::GithubToken => f.write_str("GITHUB_TOKEN"),
        }
    }
}
