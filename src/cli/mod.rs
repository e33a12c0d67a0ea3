//! The command-line surface. clap types live here and only here; each command is a function
//! over parsed options and an `impl Write`, so tests and the Action entry point drive the same
//! code as the binary.
//!
//! Exit codes (documented in the README):
//! - 0: success (including "nothing to change");
//! - 1: `--check` found something that would change;
//! - 2: bad usage or input: an invalid image reference, a path that is missing or outside
//!   the tree;
//! - 3: a file could not be edited (invalid YAML, duplicate keys, non-UTF-8, too large, an
//!   edit that failed the re-parse check); nothing was written;
//! - 4: an I/O error while writing;
//! - 5: a registry failed (unreachable, refused the credentials, kept failing after the
//!   retries, sent something invalid);
//! - 6: no tag satisfies the policy;
//! - 7: git failed (the server refused the credentials or the push, the branch is missing,
//!   or every attempt lost the race); nothing was pushed;
//! - 8: the GitHub API failed (after the commit: the pull request or the dispatch);
//! - 9: `tagbump agent` could not start (no cluster configuration, a secret file missing,
//!   the listen address taken). `agent --once` exits 1 when a source failed to sync.

mod agent;
mod args;
mod env;
mod exit;
mod registry;
mod resolve;
mod set;
mod update;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub use agent::run_agent;
pub use args::{AgentArgs, Cli, Command, OutputFormat, RegistryArgs, ResolveArgs, SetArgs, UpdateArgs};
pub use exit::Failure;
pub use resolve::run_resolve;
pub use set::{SetOutcome, run_set};
pub use update::{UpdateEnv, report as report_update, run_update, update_outcome};

/// Parse the process arguments, run, print errors with their causes, return the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The agent prints from its tasks' threads: it must not run under this thread's lock
    // of stdout.
    if let Command::Agent(a) = &cli.command {
        return exit(run_agent(a));
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match cli.command {
        Command::Set(a) => run_set(&a, &mut out).map(|o| o.exit_code(a.check)),
        Command::Resolve(a) => run_resolve(&a, &mut out),
        Command::Update(a) => run_update(&a, &mut out),
        Command::Action => Ok(crate::action::run(&std::env::vars().collect(), &mut out)),
        Command::Agent(_) => unreachable!("handled above"),
    };
    let _ = out.flush();
    exit(result)
}

fn exit(result: Result<u8, Failure>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            // A closed pipe (`tagbump set ... | head`) is not a failure.
            if f.is_broken_pipe() {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}
