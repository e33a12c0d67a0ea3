//! `tagbump resolve` against a real registry (see `testenv`): policies, auth flows, paging,
//! TLS, injected faults, the concurrency cap and timeouts. Each test starts its own registry
//! and drives the binary, with the environment scrubbed so the machine's docker config and
//! tokens cannot leak in (one auth test drives the library's client, where one run of the
//! binary cannot show what it checks).

mod auth;
mod faults;
mod limits;
mod paging;
mod policies;
mod tls;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A `tagbump resolve` run: the shared [`crate::support::Run`] and how long it took.
pub struct Run {
    pub run: crate::support::Run,
    pub elapsed: Duration,
}

impl Run {
    pub fn stdout(&self) -> String {
        self.run.stdout()
    }

    pub fn stderr(&self) -> String {
        self.run.stderr()
    }

    /// Asserts the exit code; returns stdout trimmed.
    #[track_caller]
    pub fn code(&self, code: i32) -> String {
        self.run.code(code);
        self.stdout().trim().to_string()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.run.out.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout()))
    }
}

/// Runs `tagbump resolve ARGS` with only the given variables from the tagbump/docker/GitHub
/// family set; `DOCKER_CONFIG` points at an empty directory unless given.
pub fn resolve(args: &[&str], env: &[(&str, &str)]) -> Run {
    resolve_stdin(args, env, None)
}

pub fn resolve_stdin(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let empty = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tagbump"));
    cmd.arg("resolve").args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("TAGBUMP_") || k.starts_with("DOCKER_") || k.starts_with("GITHUB_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("DOCKER_CONFIG", empty.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    if let Some(text) = stdin {
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Run {
        run: crate::support::Run { out },
        elapsed: started.elapsed(),
    }
}

/// Writes a docker `config.json` into `dir` and returns the directory as a string.
pub fn docker_config(dir: &Path, json: &str) -> String {
    fs_err::write(dir.join("config.json"), json).unwrap();
    dir.to_str().unwrap().to_string()
}

/// The verdict `--explain` printed for a tag (the text after the tag's column).
#[track_caller]
pub fn verdict_of(explain: &str, tag: &str) -> String {
    explain
        .lines()
        .find_map(|l| {
            l.strip_prefix("  ")
                .and_then(|l| l.strip_prefix(tag))
                .filter(|rest| rest.starts_with("  "))
        })
        .unwrap_or_else(|| panic!("no line for {tag} in:\n{explain}"))
        .trim()
        .to_string()
}
