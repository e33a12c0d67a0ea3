//! Why a credential lookup failed, said so a user can fix it and never quoting a secret.
//!
//! Every message names the file or helper at fault and, once a lookup is under way, the
//! registry being looked up: "docker-credential-ecr-login (for registry 1234.dkr.ecr...)"
//! tells a user which login to repair. None carries a credential value: JSON errors lose the
//! values serde quotes, base64 errors lose the offending byte, and a helper's own output is
//! only quoted when it failed (a successful answer carries the secret).
//!
//! Errors are `Clone` (I/O errors behind an `Arc`) because a lookup's answer, failure
//! included, is cached and handed to every caller that asks for the same registry.

use std::path::PathBuf;
use std::sync::Arc;

use super::credential_helper::HelperFailure;
use super::docker_config::AuthProblem;

#[derive(Debug, Clone, thiserror::Error)]
pub enum CredentialError {
    /// The docker config exists but cannot be read.
    #[error("cannot read docker config {}", path.display())]
    ConfigRead {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    /// The docker config is not JSON of the expected shape.
    #[error("{}:{line}:{column}: malformed docker config: {message}", path.display())]
    ConfigSyntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// The `auths` entry for the registry cannot be decoded.
    #[error("{}: auths entry {key:?} (for registry {registry}): {problem}", path.display())]
    ConfigAuth {
        path: PathBuf,
        key: String,
        registry: String,
        problem: AuthProblem,
    },
    /// The credential helper configured for the registry failed.
    #[error("docker-credential-{helper} (for registry {registry}): {failure}")]
    Helper {
        helper: String,
        registry: String,
        failure: HelperFailure,
    },
    /// Two explicit credentials name the same registry.
    #[error("explicit credentials are given more than once for registry {registry}")]
    DuplicateExplicit { registry: String },
}
