//! Running a renderer (`kustomize build`, `kcl run`, a user's command) with a time limit.
//!
//! A render that hangs must not stall the sync loop, and a failed render must say why: the
//! child is killed at the deadline (with its process group, so a shell's children go too),
//! and its stderr is kept (the tail, bounded) for the source's status.

use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How much of a failing renderer's stderr the status keeps.
const STDERR_KEEP: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("`{program}` is not installed (or not on PATH): {hint}")]
    Missing { program: String, hint: String },
    #[error("`{command}` failed to start: {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{command}` did not finish within {}s and was stopped", limit.as_secs())]
    Timeout { command: String, limit: Duration },
    #[error("`{command}` exited with {status}: {stderr}")]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
}

/// Run `argv` in `dir`; stdout on success.
pub fn run(argv: &[String], dir: &Path, limit: Duration, hint: &str) -> Result<Vec<u8>, RunError> {
    let shown = argv.join(" ");
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => RunError::Missing {
            program: argv[0].clone(),
            hint: hint.to_string(),
        },
        _ => RunError::Spawn {
            command: shown.clone(),
            source,
        },
    })?;
    // Drain both pipes on threads, so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() >= deadline => {
                kill_group(&child);
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunError::Timeout { command: shown, limit });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(source) => return Err(RunError::Spawn { command: shown, source }),
        }
    };
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    if !status.success() {
        let text = String::from_utf8_lossy(&stderr);
        let text = text.trim();
        let tail = if text.len() > STDERR_KEEP {
            let cut = text.len() - STDERR_KEEP;
            let cut = (cut..text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(cut);
            format!("…{}", &text[cut..])
        } else {
            text.to_string()
        };
        return Err(RunError::Failed {
            command: shown,
            status: status.to_string(),
            stderr: tail,
        });
    }
    Ok(stdout)
}

#[cfg(unix)]
fn kill_group(child: &std::process::Child) {
    // The child leads its own process group (process_group(0)): kill that group, named
    // explicitly with `pkill -g` (never `kill -PID`, which some `kill`s read as a signal
    // or as "every process" when the argument parsing goes wrong).
    let pgid = child.id();
    if pgid > 1 {
        let _ = Command::new("pkill")
            .args(["-KILL", "-g", &pgid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

#[cfg(not(unix))]
fn kill_group(_: &std::process::Child) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    #[test]
    fn output_failure_timeout_missing() {
        let d = tempfile::tempdir().unwrap();
        let ok = run(&sh("echo hi; echo noise >&2"), d.path(), Duration::from_secs(5), "").unwrap();
        assert_eq!(ok, b"hi\n");
        let e = run(
            &sh("echo 'bad input' >&2; exit 3"),
            d.path(),
            Duration::from_secs(5),
            "",
        )
        .unwrap_err();
        assert!(e.to_string().contains("exit status: 3: bad input"), "{e}");
        let started = Instant::now();
        // A shell whose child sleeps on: the whole group goes at the deadline.
        let e = run(
            &sh("sleep 30 & sleep 30; wait"),
            d.path(),
            Duration::from_millis(300),
            "",
        )
        .unwrap_err();
        assert!(matches!(e, RunError::Timeout { .. }), "{e}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let e = run(
            &["no-such-renderer-xyz".to_string()],
            d.path(),
            Duration::from_secs(1),
            "install it",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("`no-such-renderer-xyz` is not installed") && e.to_string().contains("install it"),
            "{e}"
        );
    }

    #[test]
    fn long_stderr_keeps_its_tail() {
        let d = tempfile::tempdir().unwrap();
        let e = run(
            &sh("i=0; while [ $i -lt 2000 ]; do echo line$i >&2; i=$((i+1)); done; echo LAST >&2; exit 1"),
            d.path(),
            Duration::from_secs(10),
            "",
        )
        .unwrap_err();
        let RunError::Failed { stderr, .. } = e else { panic!() };
        assert!(stderr.ends_with("LAST") && stderr.starts_with('…') && stderr.len() < STDERR_KEEP + 8);
    }
}
