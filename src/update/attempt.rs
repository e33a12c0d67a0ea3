//! The write loop shared by every mode: edit the scratch checkout's head, write the change,
//! and after a lost race fetch the new head and do it again, with jittered backoff.

use super::api::Api;
use super::edits::{self, Scopes};
use super::message;
use super::outcome::Outcome;
use super::writers::{self, Target, Written};
use super::{Repository, Resolved, UpdateError, WriteOptions, backoff};
use crate::bump;
use crate::config::{Config, Mode, Via};
use crate::git::{Checkout, Git};
use crate::write::diff;

pub fn run(
    config: &Config,
    repo: &Repository,
    resolved: &[Resolved],
    opts: &WriteOptions,
    api: Option<&Api>,
) -> Result<Outcome, UpdateError> {
    let git = Git::new(&repo.url, opts.git_auth.as_ref());
    let scopes = Scopes::new(config).map_err(edits::PlanError::from)?;
    let mut co = Checkout::open(&git, config.git.branch.as_deref())?;
    let base_delay = opts.backoff.unwrap_or(std::time::Duration::from_millis(250));
    let mut attempt = 1;
    loop {
        let files = edits::edit(co.dir(), config, &scopes, resolved)?;
        let bumps = edits::bumps(config, &scopes, resolved, &files);
        let base = co.branch.clone();
        let branch = match config.write.mode {
            Mode::Push => base.clone(),
            Mode::PullRequest => {
                config
                    .pull_request
                    .branch
                    .render(&message::variables(&config.name, &bumps, "", &base))
            }
        };
        if let Some(problem) = crate::config::branch_problem(&branch) {
            return Err(UpdateError::WorkBranch { branch, problem });
        }
        let mut outcome = Outcome {
            changed: !files.is_empty(),
            dry_run: opts.dry_run,
            mode: config.write.mode,
            via: config.write.via,
            repository: git.url().to_string(),
            branch: branch.clone(),
            base: base.clone(),
            commit: None,
            parent: Some(co.head.clone()),
            verified: None,
            unchanged: false,
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
        let vars = message::variables(&config.name, &outcome.bumps, &branch, &base);
        let text = config.write.message.render(&vars);
        let target = Target {
            branch: &branch,
            work_branch: config.write.mode == Mode::PullRequest,
        };
        let author = (config.write.author.name.as_str(), config.write.author.email.as_str());
        let written = match (config.write.via, api) {
            (Via::Git, _) => writers::by_git(&git, &co, &files, &text, author, &target)?,
            (Via::Api, Some(api)) => writers::by_api(api, &git, &co, &files, &text, &target)?,
            (Via::Api, None) => return Err(UpdateError::NeedsGitHub("write.via: api")),
        };
        match written {
            Written::Done { commit, verified } => {
                outcome.commit = Some(commit);
                outcome.verified = verified;
                return Ok(outcome);
            }
            Written::Unchanged { commit } => {
                outcome.commit = Some(commit);
                outcome.unchanged = true;
                return Ok(outcome);
            }
            Written::LostRace(why) => {
                if attempt >= config.write.attempts {
                    return Err(UpdateError::Contended {
                        url: git.url().to_string(),
                        branch,
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
