//! Open the pull request for the work branch, or refresh the open one: never two.

use super::UpdateError;
use super::api::Api;
use super::message;
use super::outcome::{Outcome, PullRequestOutcome};
use crate::config::Config;
use crate::github::NewPull;

pub fn ensure(api: &Api, config: &Config, outcome: &Outcome) -> Result<PullRequestOutcome, UpdateError> {
    let gh = &api.gh;
    let vars = message::variables(&config.name, &outcome.bumps, &outcome.branch, &outcome.base);
    let title = config.pull_request.title.render(&vars);
    let body = config.pull_request.body.render(&vars);
    let (pull, action) = match api.block(gh.find_open_pull(&outcome.branch, &outcome.base))? {
        Some(p) if p.title == title && p.body.as_deref().unwrap_or("") == body => (p, "unchanged"),
        Some(p) => (api.block(gh.update_pull(p.number, &title, &body))?, "updated"),
        None => {
            let new = NewPull {
                head: &outcome.branch,
                base: &outcome.base,
                title: &title,
                body: &body,
                draft: config.pull_request.draft,
            };
            let (p, created) = api.block(gh.open_pull(&new))?;
            (p, if created { "created" } else { "updated" })
        }
    };
    // Labels and reviewers are added, never removed: people may have changed them.
    api.block(gh.add_labels(pull.number, &config.pull_request.labels))?;
    if action == "created" {
        api.block(gh.request_reviewers(
            pull.number,
            &config.pull_request.reviewers,
            &config.pull_request.team_reviewers,
        ))?;
    }
    Ok(PullRequestOutcome {
        number: pull.number,
        url: pull.html_url,
        action: action.to_string(),
    })
}
