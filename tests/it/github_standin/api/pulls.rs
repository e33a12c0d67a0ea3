//! Pull requests: list (with GitHub's filters and paging), create, update, request reviewers.
//! The rules are GitHub's: one open pull request per head and base ("A pull request already
//! exists for acme:bump."), a head branch that exists and has commits the base lacks, a base
//! that exists, reviewers who are collaborators. `head` filters only in the `owner:branch`
//! form; a bare branch name is ignored, as GitHub ignores it (a classic client bug).

use serde_json::Value;

use super::super::state::Repo;
use super::super::state::pulls::{Pull, PullState};
use super::super::wire::{Reply, custom_error, field_error};
use super::{Answer, Ctx, link_header, page_of, paging, render};

pub fn list(ctx: &mut Ctx) -> Answer {
    let req = ctx.req;
    let invalid = |field: &str| ctx.validation(vec![field_error("Search", field, "invalid")]);
    let state = req.query_param("state").unwrap_or_else(|| "open".into());
    if !matches!(state.as_str(), "open" | "closed" | "all") {
        return Err(invalid("state"));
    }
    let sort = req.query_param("sort").unwrap_or_else(|| "created".into());
    if !matches!(sort.as_str(), "created" | "updated" | "popularity" | "long-running") {
        return Err(invalid("sort"));
    }
    let default_direction = if sort == "created" { "desc" } else { "asc" };
    let direction = req.query_param("direction").unwrap_or_else(|| default_direction.into());
    if !matches!(direction.as_str(), "asc" | "desc") {
        return Err(invalid("direction"));
    }
    let repo = ctx.repo();
    let head = req.query_param("head");
    let head = head.as_deref().and_then(|h| h.split_once(':'));
    let base = req.query_param("base");
    let mut pulls: Vec<&Pull> = repo
        .pulls
        .iter()
        .filter(|p| state == "all" || p.state.as_str() == state)
        .filter(|p| head.is_none_or(|(o, b)| o.eq_ignore_ascii_case(&repo.owner) && p.head == b))
        .filter(|p| base.as_deref().is_none_or(|b| p.base == b))
        .collect();
    pulls.sort_by_key(|p| if sort == "updated" { p.updated_at } else { p.created_at });
    if direction == "desc" {
        pulls.reverse();
    }
    let total = pulls.len();
    let (page, per_page) = paging(req);
    let items: Vec<Value> = page_of(pulls, page, per_page)
        .into_iter()
        .map(|p| render::pull(ctx.base, repo, p, false, ctx.v2026))
        .collect();
    let mut reply = Reply::json(200, Value::Array(items));
    if let Some(link) = link_header(ctx.base, req, page, per_page, total) {
        reply = reply.header("link", link);
    }
    Ok(reply)
}

/// The open pull request from `head` to `base`, if any.
fn open_duplicate(repo: &Repo, head: &str, base: &str, except: u64) -> bool {
    repo.pulls
        .iter()
        .any(|p| p.number != except && p.state == PullState::Open && p.head == head && p.base == base)
}

fn already_exists(ctx: &Ctx, head: &str) -> Reply {
    let message = format!("A pull request already exists for {}:{head}.", ctx.repo().owner);
    ctx.validation(vec![custom_error("PullRequest", &message)])
}

pub fn create(ctx: &mut Ctx) -> Answer {
    let invalid = |field: &str| ctx.validation(vec![field_error("PullRequest", field, "invalid")]);
    if ctx.body.get("issue").is_some() {
        // Converting an issue is not modelled: the stand-in has no issues.
        return Err(invalid("issue"));
    }
    let Some(title) = ctx.str_field("title").map(str::to_string) else {
        return Err(ctx.validation(vec![field_error("PullRequest", "title", "missing_field")]));
    };
    let repo = ctx.repo();
    let head_arg = ctx.str_field("head").unwrap_or_default();
    let head = match head_arg.split_once(':') {
        Some((owner, branch)) if owner.eq_ignore_ascii_case(&repo.owner) => branch,
        Some(_) => return Err(invalid("head")),
        None => head_arg,
    }
    .to_string();
    if let Some(hr) = ctx.str_field("head_repo")
        && !hr.eq_ignore_ascii_case(&repo.full_name())
    {
        return Err(invalid("head_repo"));
    }
    let base = ctx.str_field("base").unwrap_or_default().to_string();
    let Some(base_sha) = repo.branch(&base) else {
        return Err(invalid("base"));
    };
    let Some(head_sha) = repo.branch(&head) else {
        return Err(invalid("head"));
    };
    if open_duplicate(repo, &head, &base, 0) {
        return Err(already_exists(ctx, &head));
    }
    if repo.odb.is_ancestor(head_sha, base_sha) {
        let message = format!("No commits between {base} and {head}");
        return Err(ctx.validation(vec![custom_error("PullRequest", &message)]));
    }
    let body = ctx.str_field("body").map(str::to_string);
    let draft = ctx.bool_field("draft").unwrap_or(false);
    let maintainer_can_modify = ctx.bool_field("maintainer_can_modify").unwrap_or(false);
    let user = ctx.login.to_string();
    let (repo, counters) = ctx.parts();
    let now = counters.now();
    repo.last_number += 1;
    let pull = Pull {
        number: repo.last_number,
        id: counters.id(),
        title,
        body,
        head,
        base,
        state: PullState::Open,
        draft,
        maintainer_can_modify,
        labels: Vec::new(),
        requested_reviewers: Vec::new(),
        requested_teams: Vec::new(),
        user,
        created_at: now,
        updated_at: now,
        closed_at: None,
    };
    repo.pulls.push(pull);
    let repo = ctx.repo();
    let body = render::pull(ctx.base, repo, repo.pulls.last().expect("just pushed"), true, ctx.v2026);
    let location = body["url"].as_str().unwrap_or_default().to_string();
    Ok(Reply::json(201, body).header("location", location))
}

/// The index of the pull request `{pull_number}` names (404 when none).
fn find(ctx: &Ctx) -> Result<usize, Reply> {
    let n: u64 = ctx.param("pull_number").parse().map_err(|_| ctx.not_found())?;
    ctx.repo()
        .pulls
        .iter()
        .position(|p| p.number == n)
        .ok_or_else(|| ctx.not_found())
}

pub fn update(ctx: &mut Ctx) -> Answer {
    let i = find(ctx)?;
    let repo = ctx.repo();
    let current = &repo.pulls[i];
    let base = ctx.str_field("base").map(str::to_string);
    if let Some(b) = &base
        && repo.branch(b).is_none()
    {
        return Err(ctx.validation(vec![field_error("PullRequest", "base", "invalid")]));
    }
    let state = match ctx.str_field("state") {
        Some("open") => Some(PullState::Open),
        Some(_) => Some(PullState::Closed),
        None => None,
    };
    let new_base = base.clone().unwrap_or_else(|| current.base.clone());
    let reopening = state == Some(PullState::Open) || (state.is_none() && current.state == PullState::Open);
    if reopening && open_duplicate(repo, &current.head, &new_base, current.number) {
        return Err(already_exists(ctx, &current.head.clone()));
    }
    let title = ctx.str_field("title").map(str::to_string);
    let body = ctx.str_field("body").map(str::to_string);
    let mcm = ctx.bool_field("maintainer_can_modify");
    let (repo, counters) = ctx.parts();
    let now = counters.now();
    let p = &mut repo.pulls[i];
    if let Some(t) = title {
        p.title = t;
    }
    if let Some(b) = body {
        p.body = Some(b);
    }
    if let Some(b) = base {
        p.base = b;
    }
    if let Some(m) = mcm {
        p.maintainer_can_modify = m;
    }
    if let Some(s) = state {
        if s != p.state {
            p.closed_at = (s == PullState::Closed).then_some(now);
        }
        p.state = s;
    }
    p.updated_at = now;
    let repo = ctx.repo();
    Ok(Reply::json(
        200,
        render::pull(ctx.base, repo, &repo.pulls[i], true, ctx.v2026),
    ))
}

pub fn request_reviewers(ctx: &mut Ctx) -> Answer {
    let i = find(ctx)?;
    let strings = |name: &str| -> Vec<String> {
        ctx.body[name]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let reviewers = strings("reviewers");
    let teams = strings("team_reviewers");
    let repo = ctx.repo();
    let author = &repo.pulls[i].user;
    if reviewers.iter().any(|r| r.eq_ignore_ascii_case(author)) {
        return Err(ctx.unprocessable("Review cannot be requested from pull request author."));
    }
    let known = reviewers
        .iter()
        .all(|r| repo.collaborators.iter().any(|c| c.eq_ignore_ascii_case(r)))
        && teams.iter().all(|t| repo.teams.contains(t));
    if !known {
        let message = format!(
            "Reviews may only be requested from collaborators. One or more of the users or teams you specified is \
             not a collaborator of the {} repository.",
            repo.full_name()
        );
        return Err(ctx.unprocessable(&message));
    }
    let (repo, counters) = ctx.parts();
    let now = counters.now();
    let p = &mut repo.pulls[i];
    for r in reviewers {
        if !p.requested_reviewers.contains(&r) {
            p.requested_reviewers.push(r);
        }
    }
    for t in teams {
        if !p.requested_teams.contains(&t) {
            p.requested_teams.push(t);
        }
    }
    p.updated_at = now;
    let repo = ctx.repo();
    let body = render::pull(ctx.base, repo, &repo.pulls[i], false, ctx.v2026);
    Ok(Reply::json(201, body))
}

/// `{"labels": [...]}` or a bare array, each a name or `{name}`: the names.
pub fn label_names(body: &Value) -> Vec<String> {
    let items = match body {
        Value::Array(a) => a.clone(),
        Value::Object(_) => body["labels"].as_array().cloned().unwrap_or_default(),
        _ => Vec::new(),
    };
    items
        .iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            other => other["name"].as_str().map(str::to_string),
        })
        .collect()
}
