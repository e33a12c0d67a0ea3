//! The `git` command, run the way a CI job needs: no prompts, no inherited repository
//! context, credentials through the environment only ([`auth`]), messages in English so
//! their meaning can be read, and every secret redacted from what it prints.
//!
//! Why the `git` command and not a library: it is on every runner, speaks every transport
//! and auth scheme the user's forge needs, and its behaviour (hooks, `.gitattributes`,
//! shallow clones) is the reference the user expects.

pub mod auth;
mod checkout;
mod error;
pub mod push;

use std::ffi::OsString;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

pub use auth::GitAuth;
pub use checkout::Checkout;
pub use error::GitError;
pub use push::PushOutcome;

/// Runs `git` for one remote.
#[derive(Debug, Clone)]
pub struct Git {
    /// The remote's URL (never with credentials in it).
    url: String,
    env: Vec<(OsString, OsString)>,
    secrets: Vec<String>,
}

/// Variables that would make `git` work on another repository than the one asked for
/// (set when tagbump runs inside a hook, or by a caller's shell).
const REPO_CONTEXT: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
];

impl Git {
    pub fn new(url: &str, auth: Option<&GitAuth>) -> Git {
        let mut env: Vec<(OsString, OsString)> = vec![
            ("GIT_TERMINAL_PROMPT".into(), "0".into()),
            ("GCM_INTERACTIVE".into(), "never".into()),
            ("LC_ALL".into(), "C".into()),
            ("LANGUAGE".into(), "C".into()),
        ];
        let mut secrets = Vec::new();
        if let Some(auth) = auth {
            let existing = std::env::var("GIT_CONFIG_COUNT")
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            env.extend(auth::config_env(auth, url.trim_end_matches('/'), existing));
            secrets = auth.secrets();
        }
        Git {
            url: url.to_string(),
            env,
            secrets,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Replace every secret in `text` with `***`.
    pub fn redact(&self, text: &str) -> String {
        auth::redact(text, &self.secrets)
    }

    fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir).args(args);
        for k in REPO_CONTEXT {
            cmd.env_remove(k);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Run and return the raw output, whatever the exit status (stderr redacted).
    pub fn output(&self, dir: &Path, args: &[&str], stdin: Option<&str>) -> Result<Output, GitError> {
        let mut cmd = self.command(dir, args);
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|source| GitError::Spawn { source })?;
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes())
                .map_err(|source| GitError::Spawn { source })?;
        }
        let mut out = child.wait_with_output().map_err(|source| GitError::Spawn { source })?;
        out.stderr = self.redact(&String::from_utf8_lossy(&out.stderr)).into_bytes();
        out.stdout = self.redact(&String::from_utf8_lossy(&out.stdout)).into_bytes();
        Ok(out)
    }

    /// Run; fail unless it exits 0. Returns stdout.
    pub fn run(&self, dir: &Path, args: &[&str]) -> Result<String, GitError> {
        self.run_with_stdin(dir, args, None)
    }

    pub fn run_with_stdin(&self, dir: &Path, args: &[&str], stdin: Option<&str>) -> Result<String, GitError> {
        let out = self.output(dir, args, stdin)?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        Err(self.failure(dir, args, &out))
    }

    /// The error for a failed command: authentication failures get their own.
    pub(crate) fn failure(&self, dir: &Path, args: &[&str], out: &Output) -> GitError {
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if is_auth_failure(&stderr) {
            return GitError::Auth {
                url: self.url.clone(),
                stderr,
            };
        }
        GitError::Failed {
            args: args.join(" "),
            dir: dir.to_path_buf(),
            stderr: if stderr.is_empty() {
                format!("exit status {}", out.status)
            } else {
                stderr
            },
        }
    }
}

fn is_auth_failure(stderr: &str) -> bool {
    stderr.contains("Authentication failed")
        || stderr.contains("could not read Username")
        || stderr.contains("could not read Password")
        || stderr.contains("The requested URL returned error: 401")
        || stderr.contains("The requested URL returned error: 403")
        || stderr.contains("terminal prompts disabled")
}
