//! The push mode over git: commit on the target branch, push, and on a lost race fetch the
//! new head, re-apply the edits there, and try again.

use super::edits::{self, Scopes};
use super::message;
use super::outcome::Outcome;
use super::{Repository, Resolved, UpdateError, WriteOptions, backoff};
use crate::bump;
use crate::config::Config;
use crate::git::push::{self, PushOutcome};
use crate::git::{Checkout, Git};
use crate::write::diff;

pub fn run(
    config: &Config,
    repo: &Repository,
    resolved: &[Resolved],
    opts: &WriteOptions,
) -> Result<Outcome, UpdateError> {
    let git = Git::new(&repo.url, opts.git_auth.as_ref());
    let scopes = Scopes::new(config).map_err(edits::PlanError::from)?;
    let mut co = Checkout::open(&git, config.git.branch.as_deref())?;
    let base_delay = opts.backoff.unwrap_or(std::time::Duration::from_millis(250));
    let mut attempt = 1;
    loop {
        let files = edits::edit(co.dir(), config, &scopes, resolved)?;
        let bumps = edits::bumps(config, &scopes, resolved, &files);
        let mut outcome = Outcome {
            changed: !files.is_empty(),
            dry_run: opts.dry_run,
            mode: config.write.mode,
            via: config.write.via,
            repository: git.url().to_string(),
            branch: co.branch.clone(),
            base: co.branch.clone(),
            commit: None,
            parent: Some(co.head.clone()),
            attempts: attempt,
            pull_request: None,
            dispatch: None,
            bumps,
            diff: files
                .iter()
                .map(|f| diff::unified(&f.path.to_string_lossy(), &f.original, &f.updated))
                .collect(),
        };
        if files.is_empty() || opts.dry_run {
            return Ok(outcome);
        }
        bump::write_all(co.dir(), &files).map_err(UpdateError::Io)?;
        let vars = message::variables(&config.name, &outcome.bumps, &co.branch, &co.branch);
        let text = config.write.message.render(&vars);
        let paths: Vec<&std::path::Path> = files.iter().map(|f| f.path.as_path()).collect();
        let author = (config.write.author.name.as_str(), config.write.author.email.as_str());
        let commit = co.commit(&git, &paths, &text, author)?;
        match push::push(&git, co.dir(), &co.branch, None)? {
            PushOutcome::Pushed => {
                outcome.commit = Some(commit);
                return Ok(outcome);
            }
            PushOutcome::LostRace(why) => {
                if attempt >= config.write.attempts {
                    return Err(UpdateError::Contended {
                        url: git.url().to_string(),
                        branch: co.branch.clone(),
                        attempts: attempt,
                        last: why,
                    });
                }
                std::thread::sleep(backoff(base_delay, attempt));
                co.refresh(&git)?;
                attempt += 1;
            }
        }
    }
}
