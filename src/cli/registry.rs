//! Registry options on the command line → a [`ClientOptions`], credentials included.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use super::args::RegistryArgs;
use super::env;
use super::exit::Failure;
use crate::registry::ClientOptions;
use crate::registry::credential::Credential;
use crate::registry::credentials::{CredentialEnv, Credentials};
use crate::registry::retry::RetryPolicy;
use crate::registry::secret::Secret;

/// The client options for commands that reach `registries` (canonical hosts of the images
/// on the command line, which explicit credentials apply to).
pub fn client_options(args: &RegistryArgs, registries: &[String]) -> Result<ClientOptions, Failure> {
    client_options_with(args, registries, None)
}

/// [`client_options`] with the password given (the Action's input) instead of read from
/// the environment or stdin.
pub fn client_options_with(
    args: &RegistryArgs,
    registries: &[String],
    password: Option<&Secret>,
) -> Result<ClientOptions, Failure> {
    let explicit = match (&args.registry_username, password) {
        (Some(username), Some(p)) => Some(Credential::Basic {
            username: username.clone(),
            password: p.clone(),
        }),
        _ => explicit_credential(args)?,
    };
    let mut hosts: Vec<&String> = registries.iter().collect();
    hosts.sort();
    hosts.dedup();
    let pairs: Vec<(String, Credential)> = match explicit {
        Some(c) => hosts.into_iter().map(|r| (r.clone(), c.clone())).collect(),
        None => Vec::new(),
    };
    let credentials = Credentials::load(CredentialEnv::from_process(), pairs)
        .context("loading registry credentials")
        .map_err(|e| Failure::new(Failure::USAGE, e))?;
    Ok(ClientOptions {
        insecure: args.insecure.iter().filter(|s| !s.trim().is_empty()).cloned().collect(),
        ca_file: args.ca_file.clone(),
        retry: RetryPolicy {
            attempts: args.retries.saturating_add(1),
            ..RetryPolicy::default()
        },
        concurrency: args.registry_concurrency.max(1),
        timeout: Duration::from_secs(args.timeout.max(1)),
        connect_timeout: Duration::from_secs(args.timeout.clamp(1, 10)),
        keychain: Arc::new(credentials),
        trace: args.trace_http,
    })
}

/// The single-threaded runtime the registry client runs on (requests are I/O-bound; the
/// concurrency is in flight, not in threads).
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
        .map_err(|e| Failure::new(Failure::IO, e))
}

fn explicit_credential(args: &RegistryArgs) -> Result<Option<Credential>, Failure> {
    if let Some(username) = &args.registry_username {
        let password = if args.registry_password_stdin {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the registry password from stdin")
                .map_err(|e| Failure::new(Failure::USAGE, e))?;
            text.trim_end_matches(['\n', '\r']).to_string()
        } else {
            env::var(env::REGISTRY_PASSWORD).ok_or_else(|| {
                Failure::new(
                    Failure::USAGE,
                    anyhow::anyhow!(
                        "--registry-username needs a password: set {} or pass --registry-password-stdin",
                        env::REGISTRY_PASSWORD
                    ),
                )
            })?
        };
        return Ok(Some(Credential::Basic {
            username: username.clone(),
            password: Secret::new(password),
        }));
    }
    Ok(env::var(env::REGISTRY_TOKEN).map(|t| Credential::Bearer(Secret::new(t))))
}
