//! Running a `docker-credential-<name>` helper, speaking docker's protocol.
//!
//! Keychains, cloud registries (ECR, GCR, ACR) and Docker Desktop hand out credentials only
//! through these programs, so tagbump runs them exactly as the docker CLI does
//! (`docker-credential-helpers`, `client.Get`): the program is run with the argument `get`,
//! the server URL is written to its stdin with no newline, and it answers on stdout with
//! `{"ServerURL": ..., "Username": ..., "Secret": ...}`. A username of `<token>` marks the
//! secret as an identity token. A failing helper prints its message on stdout; the message
//! `credentials not found in native keychain` means "no credential", not an error.
//!
//! Unlike docker, the helper's stderr is captured rather than passed through (tagbump's own
//! output stays clean), a hung helper is killed after a timeout, and the program is found on
//! a PATH given by the caller, so tests can supply their own helpers without touching the
//! process environment.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use serde::de::{Deserialize, Deserializer};

use super::credential::Credential;
use super::docker_config::string_fields;
use super::secret::Secret;

/// The username a helper answers with when the secret is an identity token.
const TOKEN_USERNAME: &str = "<token>";

/// How a helper says it holds nothing for the server. Docker requires the whole message
/// `credentials not found in native keychain`; any message starting with these words is
/// accepted here, since no helper means anything else by them.
const NOT_FOUND: &str = "credentials not found";

/// The most output read from a helper; a credential is a few kilobytes at most.
const OUTPUT_CAP: u64 = 1 << 20;

/// The longest helper message quoted in an error.
const MESSAGE_CAP: usize = 200;

/// Why a helper gave no usable answer. Quotes the helper's output only when it failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HelperFailure {
    /// The configured name would not name a program in a PATH directory.
    #[error("is not a valid helper name")]
    BadName,
    #[error("was not found on PATH")]
    NotFound,
    #[error("could not be run: {0}")]
    Spawn(Arc<std::io::Error>),
    #[error("gave no answer within {} ms and was killed", .0.as_millis())]
    Timeout(Duration),
    #[error("failed ({status}){}", message.as_ref().map(|m| format!(": {m}")).unwrap_or_default())]
    Failed {
        status: ExitStatus,
        message: Option<String>,
    },
    /// Exit status 0 but not the protocol's JSON. The output is not quoted: it may hold the
    /// secret.
    #[error("answered with something other than credentials JSON (line {line}, column {column})")]
    BadAnswer { line: usize, column: usize },
}

/// A helper's answer to `get`.
struct Answer {
    username: String,
    secret: Secret,
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let [username, secret] = string_fields(d, ["username", "secret"])?;
        Ok(Self {
            username: username.unwrap_or_default(),
            secret: Secret::new(secret.unwrap_or_default()),
        })
    }
}

/// Ask helper `name` for the credential of `server_url`; `None` when it has none.
pub(crate) fn get(
    name: &str,
    server_url: &str,
    path: Option<&OsStr>,
    timeout: Duration,
) -> Result<Option<Credential>, HelperFailure> {
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(HelperFailure::BadName);
    }
    let program = find_program(&format!("docker-credential-{name}"), path).ok_or(HelperFailure::NotFound)?;
    let mut command = Command::new(program);
    command
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let child = command.spawn().map_err(|e| HelperFailure::Spawn(e.into()))?;
    let (status, stdout, stderr) = run(child, server_url, timeout)?;
    if !status.success() {
        let stdout = String::from_utf8_lossy(&stdout);
        if stdout.trim().to_ascii_lowercase().starts_with(NOT_FOUND) {
            return Ok(None);
        }
        let message = first_line(&stdout).or_else(|| first_line(&String::from_utf8_lossy(&stderr)));
        return Err(HelperFailure::Failed { status, message });
    }
    let answer: Answer = serde_json::from_slice(&stdout).map_err(|e| HelperFailure::BadAnswer {
        line: e.line(),
        column: e.column(),
    })?;
    Ok(credential(answer))
}

/// The credential an answer gives; an empty answer is none.
fn credential(answer: Answer) -> Option<Credential> {
    match answer {
        Answer { username, secret } if username == TOKEN_USERNAME => {
            (!secret.is_empty()).then_some(Credential::IdentityToken { token: secret })
        }
        Answer { username, secret } if username.is_empty() && secret.is_empty() => None,
        Answer { username, secret } => Some(Credential::Basic {
            username,
            password: secret,
        }),
    }
}

/// The first executable `file` in the absolute directories of `path` (relative entries are
/// skipped, as Go's `exec.LookPath` refuses them).
fn find_program(file: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .filter(|dir| dir.is_absolute())
        .flat_map(|dir| candidates(&dir, file))
        .find(|candidate| is_executable(candidate))
}

#[cfg(not(windows))]
fn candidates(dir: &Path, file: &str) -> Vec<PathBuf> {
    vec![dir.join(file)]
}

#[cfg(windows)]
fn candidates(dir: &Path, file: &str) -> Vec<PathBuf> {
    ["exe", "cmd", "bat"]
        .iter()
        .map(|ext| dir.join(format!("{file}.{ext}")))
        .collect()
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = fs_err::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    meta.is_file()
}

/// Feed `input` to the child, collect its output and exit status, and kill it if all that
/// takes longer than `timeout`. Output is read on threads so a chatty child cannot block on a
/// full pipe; on timeout those threads are left to finish when the pipes close.
fn run(mut child: Child, input: &str, timeout: Duration) -> Result<(ExitStatus, Vec<u8>, Vec<u8>), HelperFailure> {
    let deadline = Instant::now() + timeout;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading its input is not an error here.
        let _ = stdin.write_all(input.as_bytes());
    }
    let (tx, rx) = mpsc::channel();
    let pipes: [(bool, Option<Box<dyn Read + Send>>); 2] = [
        (true, child.stdout.take().map(|p| Box::new(p) as _)),
        (false, child.stderr.take().map(|p| Box::new(p) as _)),
    ];
    for (is_stdout, pipe) in pipes {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(pipe) = pipe {
                let _ = pipe.take(OUTPUT_CAP).read_to_end(&mut bytes);
            }
            let _ = tx.send((is_stdout, bytes));
        });
    }
    drop(tx);
    let (mut stdout, mut stderr) = (None, None);
    while stdout.is_none() || stderr.is_none() {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((true, bytes)) => stdout = Some(bytes),
            Ok((false, bytes)) => stderr = Some(bytes),
            Err(_) => return Err(kill(child, timeout)),
        }
    }
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok((status, stdout.unwrap_or_default(), stderr.unwrap_or_default())),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => return Err(kill(child, timeout)),
            Err(e) => return Err(HelperFailure::Spawn(e.into())),
        }
    }
}

fn kill(mut child: Child, timeout: Duration) -> HelperFailure {
    let _ = child.kill();
    let _ = child.wait();
    HelperFailure::Timeout(timeout)
}

/// The first non-blank line of a failed helper's output, trimmed and shortened.
fn first_line(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    Some(match line.char_indices().nth(MESSAGE_CAP) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(json: &str) -> Option<Credential> {
        credential(serde_json::from_str(json).unwrap())
    }

    #[test]
    fn answers() {
        assert_eq!(
            answer(r#"{"ServerURL": "ghcr.io", "Username": "u", "Secret": "s"}"#),
            Some(Credential::Basic {
                username: "u".into(),
                password: Secret::new("s")
            })
        );
        assert_eq!(
            answer(r#"{"username": "<token>", "secret": "refresh"}"#),
            Some(Credential::IdentityToken {
                token: Secret::new("refresh")
            })
        );
        assert_eq!(answer(r#"{"ServerURL": "x", "Username": "", "Secret": ""}"#), None);
        assert_eq!(answer(r#"{"Username": "<token>", "Secret": ""}"#), None);
        assert_eq!(answer("{}"), None);
    }

    #[test]
    fn failure_messages_are_one_short_line() {
        assert_eq!(
            first_line("\n  boom: no keychain  \nsecond line"),
            Some("boom: no keychain".into())
        );
        assert_eq!(first_line(" \n "), None);
        let long = "x".repeat(500);
        assert_eq!(first_line(&long).unwrap().chars().count(), MESSAGE_CAP + 1);
    }

    #[test]
    fn names_that_are_paths_are_refused() {
        for name in ["", "../evil", "a/b", "..", "a\\b"] {
            let err = get(name, "ghcr.io", Some(OsStr::new("/usr/bin")), Duration::from_secs(1)).unwrap_err();
            assert!(matches!(err, HelperFailure::BadName), "{name}: {err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn program_lookup_needs_an_absolute_dir_and_the_executable_bit() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (plain, exec) = (dir.path().join("plain"), dir.path().join("exec"));
        fs_err::create_dir(&plain).unwrap();
        fs_err::create_dir(&exec).unwrap();
        fs_err::write(plain.join("docker-credential-x"), "#!/bin/sh\n").unwrap();
        fs_err::write(exec.join("docker-credential-x"), "#!/bin/sh\n").unwrap();
        fs_err::set_permissions(exec.join("docker-credential-x"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = std::env::join_paths([Path::new("relative"), &plain, &exec]).unwrap();
        assert_eq!(
            find_program("docker-credential-x", Some(&path)),
            Some(exec.join("docker-credential-x"))
        );
        let path = std::env::join_paths([&plain]).unwrap();
        assert_eq!(find_program("docker-credential-x", Some(&path)), None);
        assert_eq!(find_program("docker-credential-x", None), None);
    }
}
