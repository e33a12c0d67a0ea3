//! Starting the helper scripts of `scripts/testenv/` and stopping them again.
//!
//! A [`Server`] is a script that prints one JSON line when it is ready and then serves. The
//! harness keeps the write end of the script's stdin: dropping the `Server` writes "stop"
//! and closes it, and the script (lifeline.py) stops what it started and exits at once.
//! That needs no signal, which std cannot send except SIGKILL; SIGKILL by PID is the
//! fallback when a script does not exit in time. If the test process dies instead, the
//! pipe closes without "stop": the script stops its processes and removes the test's
//! temporary directory itself.
//!
//! A script may also take commands: [`Server::command`] writes one line on its stdin and
//! waits for the JSON line it answers (kube.py restarts its API server that way).

use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const INSTALL_HINT: &str = "hint: run scripts/testenv/install.sh, or: \
    sudo apt-get install -y --no-install-recommends docker-registry apache2-utils openssl curl python3 \
    lighttpd lighttpd-mod-openssl git";

/// Directories that hold servers (lighttpd) but are not on a Debian user's PATH.
const SBIN: [&str; 3] = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

/// Panic, saying how to install it, unless `tool` is on PATH (or in an sbin directory).
pub fn require(tool: &str, why: &str) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain(SBIN.iter().map(PathBuf::from))
        .any(|dir| dir.join(tool).is_file());
    assert!(found, "`{tool}` not found on PATH; {why}\n{INSTALL_HINT}");
}

/// The Python interpreter itself (not a pyenv shim, which costs ~0.1 s per start), resolved
/// once: `$TAGBUMP_TESTENV_PYTHON`, else `python3` on PATH.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let py = std::env::var("TAGBUMP_TESTENV_PYTHON").unwrap_or_else(|_| "python3".into());
        let probe = "import sys; assert sys.version_info >= (3, 9), sys.version; print(sys.executable)";
        let out = Command::new(&py).args(["-c", probe]).output();
        match out {
            Ok(out) if out.status.success() => PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()),
            Ok(out) => panic!(
                "`{py}` is not a usable Python >= 3.9 for the test servers: {}\n{INSTALL_HINT}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => panic!(
                "cannot run `{py}` ({e}); the test servers are Python scripts (set TAGBUMP_TESTENV_PYTHON \
                 to use another interpreter)\n{INSTALL_HINT}"
            ),
        }
    })
}

/// `scripts/testenv/NAME` in this checkout.
pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/testenv").join(name)
}

/// The last lines of a log file, for panic messages.
pub fn tail(path: &Path) -> String {
    let text = fs_err::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// A running helper script; dropping it stops it.
pub struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    /// The lines of its stdout, read on a thread (see [`Server::spawn`]); in a Mutex only so
    /// that a Server stays `Sync`.
    lines: Mutex<mpsc::Receiver<String>>,
    name: String,
    log: PathBuf,
}

impl Server {
    /// Run `python3 scripts/testenv/SCRIPT ARGS...` with its stderr in `log`, and wait (at
    /// most 30 s) for the JSON line it prints when ready.
    pub fn start(script_name: &str, args: &[&str], log: &Path) -> (Server, serde_json::Value) {
        Server::start_with_env(script_name, args, &[], log)
    }

    /// [`Server::start`] with environment variables for the script (e.g. a secret that
    /// should not be in its argv).
    pub fn start_with_env(
        script_name: &str,
        args: &[&str],
        env: &[(&str, &str)],
        log: &Path,
    ) -> (Server, serde_json::Value) {
        Server::spawn(script_name, args, env, log, Duration::from_secs(30))
    }

    /// [`Server::start_with_env`], waiting at most `ready_timeout` for the JSON line (for a
    /// script that starts slow servers, such as kube.py).
    pub fn spawn(
        script_name: &str,
        args: &[&str],
        env: &[(&str, &str)],
        log: &Path,
        ready_timeout: Duration,
    ) -> (Server, serde_json::Value) {
        let stderr = fs_err::File::create(log).unwrap().into_parts().0;
        let mut child = Command::new(python())
            .arg(script(script_name))
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {script_name}: {e}"));
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        // Read the lines on a thread so that a hung script is a timeout, not a hung test. The
        // thread ends when the script exits (its stdout closes) or the Server is gone.
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            stdin,
            lines: Mutex::new(lines),
            name: script_name.to_string(),
            log: log.to_path_buf(),
        };
        let line = server
            .lines
            .get_mut()
            .unwrap()
            .recv_timeout(ready_timeout)
            .unwrap_or_default();
        match serde_json::from_str(&line) {
            Ok(ready) => (server, ready),
            Err(_) => {
                server.stop();
                panic!(
                    "{script_name} did not start; its log ({}):\n{}",
                    log.display(),
                    tail(log)
                );
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Write `command` as one line on the script's stdin and return the JSON line it answers;
    /// panics, showing its log, when no such line comes within `timeout` (the script exited,
    /// hung, or printed something else).
    pub fn command(&mut self, command: &str, timeout: Duration) -> serde_json::Value {
        assert!(!command.contains('\n'), "one line: {command:?}");
        let stdin = self.stdin.as_mut().expect("the server is running");
        let written = stdin
            .write_all(format!("{command}\n").as_bytes())
            .and_then(|()| stdin.flush());
        let line = match written {
            Ok(()) => self.lines.get_mut().unwrap().recv_timeout(timeout).ok(),
            Err(_) => None, // it exited: its log says why
        };
        match line.as_deref().map(serde_json::from_str) {
            Some(Ok(reply)) => reply,
            _ => panic!(
                "{} did not answer {command:?} within {timeout:?} (got {line:?}); its log ({}):\n{}",
                self.name,
                self.log.display(),
                tail(&self.log)
            ),
        }
    }

    /// Say "stop" on its stdin and close it (the script then stops its children and exits),
    /// wait up to 5 s, then SIGKILL it by PID.
    fn stop(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"stop\n");
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        eprintln!(
            "testenv: {} (pid {}) did not exit in 5 s; killing it",
            self.name,
            self.child.id()
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether process `pid` exists and is not a zombie (Linux `/proc`).
pub fn alive(pid: u32) -> bool {
    match fs_err::read_to_string(format!("/proc/{pid}/stat")) {
        // "PID (COMM) STATE ...": COMM may hold spaces and parentheses, so split after the last ')'.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}
