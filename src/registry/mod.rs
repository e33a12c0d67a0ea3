//! OCI distribution client: tags, manifests, configs, with the auth flows and the
//! robustness (retries, rate limits, concurrency caps) that real registries demand.

pub mod credential;
pub mod secret;
