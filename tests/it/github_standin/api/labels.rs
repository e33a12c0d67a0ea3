//! `POST /repos/{owner}/{repo}/issues/{issue_number}/labels`: labels are added to the pull
//! request (its issue) and created in the repository on first use with GitHub's default colour;
//! the answer is every label now on the issue. Names match case-insensitively, as on GitHub.

use serde_json::Value;

use super::super::state::pulls::{DEFAULT_LABEL_COLOR, Label};
use super::super::wire::{Reply, field_error};
use super::pulls::label_names;
use super::{Answer, Ctx, render};

pub fn add(ctx: &mut Ctx) -> Answer {
    let n: u64 = ctx.param("issue_number").parse().map_err(|_| ctx.not_found())?;
    let i = ctx
        .repo()
        .pulls
        .iter()
        .position(|p| p.number == n)
        .ok_or_else(|| ctx.not_found())?;
    let names = label_names(&ctx.body);
    if names.iter().any(|n| n.trim().is_empty()) {
        return Err(ctx.validation(vec![field_error("Label", "name", "invalid")]));
    }
    let (repo, counters) = ctx.parts();
    for name in names {
        let existing = repo.labels.iter().find(|l| l.name.eq_ignore_ascii_case(&name));
        let name = match existing {
            Some(l) => l.name.clone(),
            None => {
                repo.labels.push(Label {
                    id: counters.id(),
                    name: name.clone(),
                    color: DEFAULT_LABEL_COLOR.into(),
                    description: String::new(),
                });
                name
            }
        };
        let pull = &mut repo.pulls[i];
        if !pull.labels.contains(&name) {
            pull.labels.push(name);
        }
    }
    let repo = ctx.repo();
    let labels: Vec<Value> = repo.pulls[i]
        .labels
        .iter()
        .filter_map(|n| repo.labels.iter().find(|l| &l.name == n))
        .map(|l| render::label(ctx.base, repo, l))
        .collect();
    Ok(Reply::json(200, Value::Array(labels)))
}
