//! OCI distribution client: tags, manifests, configs, with the auth flows and the
//! robustness (retries, rate limits, concurrency caps) that real registries demand.

pub mod credential;
mod credential_error;
mod credential_helper;
pub mod credentials;
mod docker_config;
pub mod secret;
