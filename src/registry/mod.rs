//! OCI distribution client: tags, manifests, configs, with the auth flows and the
//! robustness (retries, rate limits, concurrency caps) that real registries demand.
//!
//! - [`client`]: the operations (list tags, digest, manifest, platform image, config);
//! - [`transport`]: one request done properly (auth, retries, scheme fallback, caps);
//! - [`auth`], [`challenge`]: the `401` answer, Basic or the bearer-token flow;
//! - [`keychain`], [`credentials`], [`credential`], [`secret`]: where credentials come from
//!   (explicit, docker `config.json` and credential helpers, `GITHUB_TOKEN`), and that they
//!   never get printed;
//! - [`endpoint`]: HTTPS, or HTTP for loopback and insecure registries, as Docker does;
//! - [`manifest`], [`platform`], [`image_config`]: what the registry sends, checked.

mod auth;
pub mod challenge;
pub mod client;
pub mod credential;
mod credential_error;
mod credential_helper;
pub mod credentials;
mod docker_config;
pub mod endpoint;
pub mod error;
pub mod image_config;
pub mod keychain;
pub mod link;
pub mod manifest;
pub mod platform;
pub mod retry;
pub mod secret;
mod transport;

pub use client::{Build, Client, ClientOptions, Repository, RequestCounts};
pub use error::RegistryError;
pub use platform::Platform;
