//! The JSON bodies, field for field as the spec's response schemas have them (the required
//! properties at least, with the right JSON types), plus the URL fields clients such as
//! octocrab expect to parse. URLs point at the stand-in: API URLs at `{base}/repos/...`,
//! `html_url`s at `{base}/{owner}/{repo}/...`.

use serde_json::{Value, json};

use super::super::state::actions::{Run, Workflow};
use super::super::state::git::{Commit, Person};
use super::super::state::pulls::{Label, Pull};
use super::super::state::{Repo, iso};

/// A stable id for a login (the Actions bot keeps its real id).
pub fn user_id(login: &str) -> u64 {
    if login == "github-actions[bot]" {
        return 41_898_282;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in login.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    1_000_000 + h % 90_000_000
}

/// `simple-user`.
pub fn user(base: &str, login: &str) -> Value {
    let id = user_id(login);
    let api = format!("{base}/users/{login}");
    json!({
        "login": login,
        "id": id,
        "node_id": format!("U_{id:x}"),
        "avatar_url": format!("{base}/avatars/u/{id}"),
        "gravatar_id": "",
        "url": api,
        "html_url": format!("{base}/{login}"),
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": if login.ends_with("[bot]") { "Bot" } else { "User" },
        "site_admin": false,
    })
}

pub fn repo_api(base: &str, repo: &Repo) -> String {
    format!("{base}/repos/{}/{}", repo.owner, repo.name)
}

pub fn repo_html(base: &str, repo: &Repo) -> String {
    format!("{base}/{}/{}", repo.owner, repo.name)
}

/// `repository` / `minimal-repository` as embedded in pull requests and runs.
pub fn repo_summary(base: &str, repo: &Repo) -> Value {
    let api = repo_api(base, repo);
    json!({
        "id": repo.id,
        "node_id": format!("R_{:x}", repo.id),
        "name": repo.name,
        "full_name": repo.full_name(),
        "owner": user(base, &repo.owner),
        "private": true,
        "html_url": repo_html(base, repo),
        "description": null,
        "fork": false,
        "url": api,
        "pulls_url": format!("{api}/pulls{{/number}}"),
        "default_branch": repo.default_branch,
    })
}

/// `full-repository`; under 2026-03-10 without `has_downloads` and
/// `use_squash_pr_title_as_default`.
pub fn full_repo(base: &str, repo: &Repo, v2026: bool) -> Value {
    let mut v = repo_summary(base, repo);
    let host = base.trim_start_matches("http://");
    let extra = json!({
        "git_url": format!("git://{host}/{}.git", repo.full_name()),
        "ssh_url": format!("git@{host}:{}.git", repo.full_name()),
        "clone_url": format!("{}.git", repo_html(base, repo)),
        "is_template": false,
        "topics": [],
        "has_issues": true,
        "has_projects": false,
        "has_wiki": false,
        "archived": false,
        "disabled": false,
        "visibility": "private",
        "pushed_at": iso(repo.pushed_at),
        "created_at": iso(repo.created_at),
        "updated_at": iso(repo.pushed_at),
        "permissions": {"admin": false, "maintain": false, "push": true, "triage": true, "pull": true},
        "allow_rebase_merge": true,
        "allow_squash_merge": true,
        "allow_auto_merge": false,
        "delete_branch_on_merge": false,
        "allow_merge_commit": true,
        "allow_update_branch": false,
        "allow_forking": false,
    });
    merge(&mut v, extra);
    if !v2026 {
        merge(
            &mut v,
            json!({"has_downloads": true, "use_squash_pr_title_as_default": false}),
        );
    }
    v
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), from) {
        a.extend(b);
    }
}

/// `label`. The description is `""` when none was given: the spec's `label` allows null but
/// the labels inside `pull-request-simple` do not.
pub fn label(base: &str, repo: &Repo, l: &Label) -> Value {
    json!({
        "id": l.id,
        "node_id": format!("LA_{:x}", l.id),
        "url": format!("{}/labels/{}", repo_api(base, repo), url_segment(&l.name)),
        "name": l.name,
        "description": l.description,
        "color": l.color,
        "default": false,
    })
}

/// Percent-encode a path segment.
pub fn url_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn branch_side(base: &str, repo: &Repo, branch: &str, sha: &str) -> Value {
    json!({
        "label": format!("{}:{branch}", repo.owner),
        "ref": branch,
        "sha": sha,
        "user": user(base, &repo.owner),
        "repo": repo_summary(base, repo),
    })
}

/// `pull-request-simple`, or `pull-request` when `full` (merge state and counts added). The
/// head SHA is the branch's tip now; once the branch is gone, the last one known (here: none).
pub fn pull(base: &str, repo: &Repo, p: &Pull, full: bool, v2026: bool) -> Value {
    let api = format!("{}/pulls/{}", repo_api(base, repo), p.number);
    let head_sha = repo.branch(&p.head).unwrap_or_default();
    let base_sha = repo.branch(&p.base).unwrap_or_default();
    let labels: Vec<Value> = p
        .labels
        .iter()
        .filter_map(|n| repo.labels.iter().find(|l| &l.name == n))
        .map(|l| label(base, repo, l))
        .collect();
    let mut v = json!({
        "url": api,
        "id": p.id,
        "node_id": format!("PR_{:x}", p.id),
        "html_url": format!("{}/pull/{}", repo_html(base, repo), p.number),
        "number": p.number,
        "state": p.state.as_str(),
        "locked": false,
        "title": p.title,
        "user": user(base, &p.user),
        "body": p.body,
        "labels": labels,
        "created_at": iso(p.created_at),
        "updated_at": iso(p.updated_at),
        "closed_at": p.closed_at.map(iso),
        "merged_at": null,
        "assignees": [],
        "requested_reviewers": p.requested_reviewers.iter().map(|l| user(base, l)).collect::<Vec<_>>(),
        "requested_teams": p.requested_teams.iter().map(|t| team(base, repo, t)).collect::<Vec<_>>(),
        "head": branch_side(base, repo, &p.head, head_sha),
        "base": branch_side(base, repo, &p.base, base_sha),
        "auto_merge": null,
        "draft": p.draft,
    });
    if !v2026 {
        merge(&mut v, json!({"merge_commit_sha": null, "assignee": null}));
    }
    if full {
        let ahead = repo.odb.reachable(head_sha);
        let behind = repo.odb.reachable(base_sha);
        let commits = ahead.difference(&behind).count();
        let changed = changed_files(repo, base_sha, head_sha);
        merge(
            &mut v,
            json!({
                "merged": false,
                "mergeable": null,
                "mergeable_state": "unknown",
                "merged_by": null,
                "maintainer_can_modify": p.maintainer_can_modify,
                "commits": commits,
                "additions": 0,
                "deletions": 0,
                "changed_files": changed,
            }),
        );
    }
    v
}

/// How many paths differ between two commits' trees.
fn changed_files(repo: &Repo, a: &str, b: &str) -> usize {
    let tree = |sha: &str| {
        repo.odb
            .commit(sha)
            .map(|c| repo.odb.flatten(&c.tree))
            .unwrap_or_default()
    };
    let (ta, tb) = (tree(a), tree(b));
    let mut paths: Vec<&String> = ta.keys().chain(tb.keys()).collect();
    paths.sort();
    paths.dedup();
    paths.into_iter().filter(|p| ta.get(*p) != tb.get(*p)).count()
}

fn team(base: &str, repo: &Repo, slug: &str) -> Value {
    let id = user_id(&format!("team:{slug}"));
    json!({
        "id": id,
        "node_id": format!("T_{id:x}"),
        "url": format!("{base}/orgs/{}/teams/{slug}", repo.owner),
        "html_url": format!("{base}/orgs/{}/teams/{slug}", repo.owner),
        "name": slug,
        "slug": slug,
    })
}

/// `git-ref` for a full ref name.
pub fn git_ref(base: &str, repo: &Repo, name: &str, sha: &str) -> Value {
    let api = repo_api(base, repo);
    json!({
        "ref": name,
        "node_id": format!("REF_{}", &sha[..12]),
        "url": format!("{api}/git/{name}"),
        "object": {"type": "commit", "sha": sha, "url": format!("{api}/git/commits/{sha}")},
    })
}

fn person(p: &Person) -> Value {
    json!({"name": p.name, "email": p.email, "date": iso(p.time)})
}

/// `verification` as GitHub reports it: `valid` for commits it signed, `unsigned` without a
/// signature, `unknown_key` for a signature it cannot check.
fn verification(c: &Commit, committed: i64) -> Value {
    let reason = match (c.verified, &c.signature) {
        (true, _) => "valid",
        (false, None) => "unsigned",
        (false, Some(_)) => "unknown_key",
    };
    json!({
        "verified": c.verified,
        "reason": reason,
        "signature": c.signature,
        "payload": c.signature.as_ref().map(|_| c.payload.clone()),
        "verified_at": c.verified.then(|| iso(committed)),
    })
}

/// `git-commit`.
pub fn git_commit(base: &str, repo: &Repo, sha: &str, c: &Commit) -> Value {
    let api = repo_api(base, repo);
    let html = repo_html(base, repo);
    json!({
        "sha": sha,
        "node_id": format!("C_{}", &sha[..12]),
        "url": format!("{api}/git/commits/{sha}"),
        "html_url": format!("{html}/commit/{sha}"),
        "author": person(&c.author),
        "committer": person(&c.committer),
        "message": c.message,
        "tree": {"sha": c.tree, "url": format!("{api}/git/trees/{}", c.tree)},
        "parents": c.parents.iter().map(|p| json!({
            "sha": p,
            "url": format!("{api}/git/commits/{p}"),
            "html_url": format!("{html}/commit/{p}"),
        })).collect::<Vec<_>>(),
        "verification": verification(c, c.committer.time),
    })
}

/// `workflow-run`.
pub fn run(base: &str, repo: &Repo, r: &Run, w: &Workflow) -> Value {
    let api = repo_api(base, repo);
    let run_api = format!("{api}/actions/runs/{}", r.id);
    let head_commit = repo.odb.commit(&r.head_sha).map(|c| {
        json!({
            "id": r.head_sha,
            "tree_id": c.tree,
            "message": c.message,
            "timestamp": iso(c.committer.time),
            "author": {"name": c.author.name, "email": c.author.email},
            "committer": {"name": c.committer.name, "email": c.committer.email},
        })
    });
    json!({
        "id": r.id,
        "name": w.name,
        "node_id": format!("WFR_{:x}", r.id),
        "check_suite_id": r.id + 1,
        "check_suite_node_id": format!("CS_{:x}", r.id + 1),
        "head_branch": r.head_branch,
        "head_sha": r.head_sha,
        "path": format!("{}@{}", w.path, r.head_branch),
        "run_number": r.run_number,
        "run_attempt": 1,
        "referenced_workflows": [],
        "event": r.event,
        "status": r.status,
        "conclusion": r.conclusion,
        "workflow_id": w.id,
        "url": run_api,
        "html_url": format!("{}/actions/runs/{}", repo_html(base, repo), r.id),
        "pull_requests": [],
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
        "actor": user(base, &r.actor),
        "triggering_actor": user(base, &r.actor),
        "run_started_at": iso(r.created_at),
        "jobs_url": format!("{run_api}/jobs"),
        "logs_url": format!("{run_api}/logs"),
        "check_suite_url": format!("{api}/check-suites/{}", r.id + 1),
        "artifacts_url": format!("{run_api}/artifacts"),
        "cancel_url": format!("{run_api}/cancel"),
        "rerun_url": format!("{run_api}/rerun"),
        "previous_attempt_url": null,
        "workflow_url": format!("{api}/actions/workflows/{}", w.id),
        "head_commit": head_commit,
        "repository": repo_summary(base, repo),
        "head_repository": repo_summary(base, repo),
        "head_repository_id": repo.id,
        "display_title": w.name,
    })
}
