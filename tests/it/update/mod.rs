//! `tagbump update` end to end against a real git server over smart HTTP with token auth
//! (`testenv::GitServer`), a real registry for the images that resolve by policy, and the
//! GitHub API stand-in for pull requests, API commits and dispatch.
//!
//! Each test drives the binary with a scrubbed environment (no git, docker or GitHub
//! settings of the machine leak in) and checks the repository afterwards: files byte for
//! byte, the commits, the branches.

mod dispatch;
mod pull_request;
mod push;
mod race;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::testenv::GitServer;

/// A finished `tagbump update`.
pub struct Run {
    pub run: crate::support::Run,
}

impl Run {
    pub fn stdout(&self) -> String {
        self.run.stdout()
    }

    pub fn stderr(&self) -> String {
        self.run.stderr()
    }

    /// Everything the run printed.
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout(), self.stderr())
    }

    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        self.run.code(code);
        self
    }

    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.run.out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}{}", self.stdout(), self.stderr()))
    }
}

/// How to run tagbump: the working directory, the environment, extra `PATH` entries.
pub struct Update<'a> {
    pub git: &'a GitServer,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    pub path_prefix: Option<PathBuf>,
    _tmp: tempfile::TempDir,
}

impl<'a> Update<'a> {
    /// In an empty directory, with the git server's token as `TAGBUMP_GIT_TOKEN`.
    pub fn new(git: &'a GitServer) -> Update<'a> {
        let tmp = tempfile::tempdir().unwrap();
        Update {
            git,
            cwd: tmp.path().to_path_buf(),
            env: vec![("TAGBUMP_GIT_TOKEN".into(), git.token().into())],
            path_prefix: None,
            _tmp: tmp,
        }
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.retain(|(n, _)| n != k);
        self.env.push((k.into(), v.into()));
        self
    }

    /// Write `tagbump.yaml` (or another file) into the working directory.
    pub fn file(self, name: &str, text: &str) -> Self {
        let p = self.cwd.join(name);
        fs_err::create_dir_all(p.parent().unwrap()).unwrap();
        fs_err::write(p, text).unwrap();
        self
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tagbump"));
        cmd.arg("update").args(args).current_dir(&self.cwd);
        for (k, _) in std::env::vars() {
            if k.starts_with("TAGBUMP_")
                || k.starts_with("DOCKER_")
                || k.starts_with("GITHUB_")
                || k.starts_with("GIT_")
            {
                cmd.env_remove(k);
            }
        }
        self.git.isolate(&mut cmd);
        cmd.env("DOCKER_CONFIG", self.cwd.join(".docker-empty"));
        if let Some(prefix) = &self.path_prefix {
            let path = std::env::var("PATH").unwrap_or_default();
            cmd.env("PATH", format!("{}:{path}", prefix.display()));
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.command(args).output().unwrap();
        Run {
            run: crate::support::Run { out },
        }
    }
}

/// A `git` wrapper put first on `PATH`: it logs each invocation's argv and whether the
/// token reached it through the environment, then runs the real git.
pub fn git_spy(dir: &Path) -> PathBuf {
    let real = which("git");
    let bin = dir.join("spy-bin");
    fs_err::create_dir_all(&bin).unwrap();
    let log = dir.join("git-argv.log");
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"argv: $*\" >> '{log}'\nprintf '%s\\n' \"env-count: ${{GIT_CONFIG_COUNT:-0}}\" >> '{log}'\nexec '{real}' \"$@\"\n",
        log = log.display(),
        real = real.display()
    );
    let p = bin.join("git");
    fs_err::write(&p, script).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    fs_err::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn which(name: &str) -> PathBuf {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} not on PATH"))
}
