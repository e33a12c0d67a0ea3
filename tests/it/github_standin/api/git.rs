//! The Git Data API: refs, blobs, trees, commits. This is how `tagbump update` makes a commit
//! GitHub signs (blob → tree on the old tip's tree → commit without author, committer or
//! signature → fast-forward ref update), so the rules that make that flow safe are GitHub's
//! own: objects must exist, a ref update without `force` must be a fast-forward ("Update is
//! not a fast forward" otherwise), a ref can be created only once ("Reference already exists"),
//! and a repository without commits answers 409 "Git Repository is empty.". Refs move by
//! compare-and-swap (`Repo::swap_ref`), which matters in a repository linked to a bare git
//! repository, where a push can land while a request is handled.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Value, json};

use super::super::state::Repo;
use super::super::state::git::{Leaf, Person, is_sha};
use super::super::state::link::RefError;
use super::super::wire::{Reply, field_error};
use super::{Answer, Ctx, render};

/// The full ref name for a `{ref}` path parameter (`heads/main` → `refs/heads/main`).
fn full_ref(r: &str) -> String {
    format!("refs/{}", r.trim_start_matches("refs/"))
}

pub fn get_ref(ctx: &mut Ctx) -> Answer {
    ctx.require_git_data()?;
    let name = full_ref(ctx.param("ref"));
    let repo = ctx.repo();
    let sha = repo.refs.get(&name).ok_or_else(|| ctx.not_found())?;
    Ok(Reply::json(200, render::git_ref(ctx.base, repo, &name, sha)))
}

pub fn create_ref(ctx: &mut Ctx) -> Answer {
    ctx.require_git_data()?;
    let name = ctx.str_field("ref").unwrap_or_default().to_string();
    let sha = ctx.str_field("sha").unwrap_or_default().to_string();
    if !name.starts_with("refs/") || name.matches('/').count() < 2 || name.ends_with('/') {
        return Err(ctx.unprocessable(&format!("{name} is not a valid ref name.")));
    }
    if ctx.repo().odb.get(&sha).is_none() {
        return Err(ctx.unprocessable("Object does not exist"));
    }
    if ctx.repo().refs.contains_key(&name) {
        return Err(ctx.unprocessable("Reference already exists"));
    }
    let (repo, _) = ctx.parts();
    match repo.swap_ref(&name, &sha, None) {
        Ok(()) => {}
        // Pushed over git since this request looked (a linked repository).
        Err(RefError::Moved { actual }) => {
            look_again(repo, &name, actual)?;
            return Err(ctx.unprocessable("Reference already exists"));
        }
        Err(RefError::Link(e)) => return Err(Reply::internal(&e)),
    }
    let body = render::git_ref(ctx.base, ctx.repo(), &name, &sha);
    let location = body["url"].as_str().unwrap_or_default().to_string();
    Ok(Reply::json(201, body).header("location", location))
}

pub fn update_ref(ctx: &mut Ctx) -> Answer {
    ctx.require_git_data()?;
    let name = full_ref(ctx.param("ref"));
    let sha = ctx.str_field("sha").unwrap_or_default().to_string();
    let force = ctx.bool_field("force").unwrap_or(false);
    // In a linked repository a push can land between these checks and the write, which then
    // loses its compare-and-swap: the checks run again against the tip the push left.
    loop {
        let Some(old) = ctx.repo().refs.get(&name).cloned() else {
            return Err(ctx.unprocessable("Reference does not exist"));
        };
        if ctx.repo().odb.commit(&sha).is_none() {
            return Err(ctx.unprocessable("Object does not exist"));
        }
        if !force && !ctx.repo().odb.is_ancestor(&old, &sha) {
            return Err(ctx.unprocessable("Update is not a fast forward"));
        }
        let (repo, counters) = ctx.parts();
        match repo.swap_ref(&name, &sha, Some(&old)) {
            Ok(()) => {
                repo.pushed_at = counters.now();
                break;
            }
            Err(RefError::Moved { actual }) => look_again(repo, &name, actual)?,
            Err(RefError::Link(e)) => return Err(Reply::internal(&e)),
        }
    }
    Ok(Reply::json(200, render::git_ref(ctx.base, ctx.repo(), &name, &sha)))
}

/// After a lost compare-and-swap on ref `name`, which is now at `actual`: import what moved
/// and take the ref where it is (a ref outside `refs/heads/` is not mirrored by a sync).
fn look_again(repo: &mut Repo, name: &str, actual: Option<String>) -> Result<(), Reply> {
    repo.sync().map_err(|e| Reply::internal(&e))?;
    match actual {
        Some(sha) => repo.refs.insert(name.to_string(), sha),
        None => repo.refs.remove(name),
    };
    Ok(())
}

pub fn create_blob(ctx: &mut Ctx) -> Answer {
    ctx.require_git_data()?;
    let content = ctx.str_field("content").unwrap_or_default();
    let bytes = match ctx.str_field("encoding").unwrap_or("utf-8") {
        "utf-8" | "utf8" => content.as_bytes().to_vec(),
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(content.replace(['\n', '\r'], ""))
            .map_err(|_| ctx.validation(vec![field_error("Blob", "content", "invalid")]))?,
        other => {
            let message = format!("encoding must be utf-8 or base64, not {other:?}");
            return Err(ctx.validation(vec![
                json!({"resource": "Blob", "field": "encoding", "code": "invalid", "message": message}),
            ]));
        }
    };
    let (repo, _) = ctx.parts();
    let sha = repo.odb.put_blob(bytes);
    let url = format!("{}/git/blobs/{sha}", render::repo_api(ctx.base, ctx.repo()));
    Ok(Reply::json(201, json!({"url": url, "sha": sha})).header("location", url))
}

/// The git mode for an API mode (`040000` → `40000`).
fn git_mode(api_mode: &str) -> &str {
    api_mode.trim_start_matches('0')
}

pub fn create_tree(ctx: &mut Ctx) -> Answer {
    ctx.require_git_data()?;
    let entries = ctx.body["tree"].as_array().cloned().unwrap_or_default();
    let mut leaves: BTreeMap<String, Leaf> = match ctx.str_field("base_tree") {
        Some(b) => {
            if ctx.repo().odb.tree(b).is_none() {
                return Err(ctx.validation(vec![field_error("Tree", "base_tree", "invalid")]));
            }
            ctx.repo().odb.flatten(b)
        }
        None => BTreeMap::new(),
    };
    for (i, e) in entries.iter().enumerate() {
        let docs = ctx.docs();
        let problem = |field: &str, code: &str| {
            let errors = vec![field_error("Tree", &format!("tree[{i}].{field}"), code)];
            Reply::validation("Validation Failed", errors, docs)
        };
        let bad = |field: &str| problem(field, "invalid");
        let missing = |field: &str| problem(field, "missing_field");
        let path = e["path"].as_str().ok_or_else(|| missing("path"))?;
        if path.is_empty()
            || path.starts_with('/')
            || path.ends_with('/')
            || path.split('/').any(|s| s.is_empty() || s == "." || s == "..")
        {
            return Err(bad("path"));
        }
        let mode = e["mode"].as_str().ok_or_else(|| missing("mode"))?;
        let kind = e["type"].as_str().unwrap_or(match mode {
            "040000" => "tree",
            "160000" => "commit",
            _ => "blob",
        });
        let expected = match mode {
            "040000" => "tree",
            "160000" => "commit",
            _ => "blob",
        };
        if kind != expected {
            return Err(bad("type"));
        }
        let has_content = e.get("content").is_some_and(|c| !c.is_null());
        let sha = match e.get("sha") {
            Some(Value::String(_)) if has_content => {
                return Err(ctx.unprocessable("Must supply either tree.sha or tree.content, not both"));
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) => {
                // `sha: null` deletes the path (a file, or everything under a directory).
                let prefix = format!("{path}/");
                leaves.retain(|p, _| p != path && !p.starts_with(&prefix));
                continue;
            }
            _ => None,
        };
        let sha = match (sha, e["content"].as_str()) {
            (Some(s), _) => s,
            (None, Some(content)) if kind == "blob" => {
                let (repo, _) = ctx.parts();
                repo.odb.put_blob(content.as_bytes().to_vec())
            }
            _ => return Err(missing("sha")),
        };
        let odb = &ctx.repo().odb;
        let exists = match kind {
            "blob" => odb.blob(&sha).is_some(),
            "tree" => odb.tree(&sha).is_some(),
            _ => is_sha(&sha),
        };
        if !exists {
            return Err(ctx.unprocessable(&format!("tree.sha {sha} is not a valid {kind}")));
        }
        let prefix = format!("{path}/");
        leaves.retain(|p, _| p != path && !p.starts_with(&prefix));
        if kind == "tree" {
            for (p, leaf) in odb.flatten(&sha) {
                leaves.insert(format!("{path}/{p}"), leaf);
            }
        } else {
            // A file replaces any file at a parent path ("a" when writing "a/b").
            let parts: Vec<&str> = path.split('/').collect();
            for n in 1..parts.len() {
                leaves.remove(&parts[..n].join("/"));
            }
            let mode = git_mode(mode).to_string();
            leaves.insert(path.to_string(), Leaf { mode, sha });
        }
    }
    let (repo, _) = ctx.parts();
    let sha = repo.odb.build_tree(&leaves);
    let repo = ctx.repo();
    let api = render::repo_api(ctx.base, repo);
    let tree: Vec<Value> = repo
        .odb
        .tree(&sha)
        .unwrap_or_default()
        .iter()
        .map(|e| {
            let kind = e.kind();
            let mut v = json!({
                "path": e.name,
                "mode": if e.mode == "40000" { "040000" } else { e.mode.as_str() },
                "type": kind,
                "sha": e.sha,
                "url": format!("{api}/git/{}s/{}", kind, e.sha),
            });
            if let Some(b) = repo.odb.blob(&e.sha) {
                v["size"] = json!(b.len());
            }
            v
        })
        .collect();
    let url = format!("{api}/git/trees/{sha}");
    let body = json!({"sha": sha, "url": url, "tree": tree, "truncated": false});
    Ok(Reply::json(201, body).header("location", url))
}

pub fn get_commit(ctx: &mut Ctx) -> Answer {
    ctx.require_git_data()?;
    let sha = ctx.param("commit_sha").to_string();
    let repo = ctx.repo();
    let c = repo.odb.commit(&sha).ok_or_else(|| ctx.not_found())?;
    Ok(Reply::json(200, render::git_commit(ctx.base, repo, &sha, c)))
}

/// A `{name, email, date}` from the body, the date parsed (RFC 3339) or `now`.
fn person(v: &Value, now: i64) -> Result<Option<Person>, &'static str> {
    if v.is_null() {
        return Ok(None);
    }
    let name = v["name"].as_str().ok_or("name")?.to_string();
    let email = v["email"].as_str().ok_or("email")?.to_string();
    let time = match v["date"].as_str() {
        Some(d) => chrono::DateTime::parse_from_rfc3339(d).map_err(|_| "date")?.timestamp(),
        None => now,
    };
    Ok(Some(Person { name, email, time }))
}

pub fn create_commit(ctx: &mut Ctx) -> Answer {
    ctx.require_git_data()?;
    let tree = ctx.str_field("tree").unwrap_or_default().to_string();
    let message = ctx.str_field("message").unwrap_or_default().to_string();
    let parents: Vec<String> = ctx.body["parents"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let signature = ctx.str_field("signature").map(str::to_string);
    if ctx.repo().odb.tree(&tree).is_none() {
        return Err(ctx.unprocessable("Tree SHA does not exist"));
    }
    if parents.iter().any(|p| ctx.repo().odb.commit(p).is_none()) {
        return Err(ctx.unprocessable("Parent SHA does not exist or is not a commit object"));
    }
    let now = ctx.st.counters.now();
    let author = person(&ctx.body["author"], now)
        .map_err(|f| ctx.validation(vec![field_error("Commit", &format!("author.{f}"), "invalid")]))?;
    let committer_given = ctx.body.get("committer").is_some_and(|c| !c.is_null());
    let committer = if committer_given {
        // The spec requires nothing in `committer`; GitHub needs name and email all the same.
        person(&ctx.body["committer"], now)
            .map_err(|f| ctx.validation(vec![field_error("Commit", &format!("committer.{f}"), "missing_field")]))?
    } else {
        None
    };
    // GitHub signs the commit itself only when the request names no author, committer or
    // signature; then the token's user is the author and "GitHub" the committer.
    let sign = author.is_none() && committer.is_none() && signature.is_none();
    let login = ctx.login.to_string();
    let me = Person {
        name: login.clone(),
        email: format!("{}+{login}@users.noreply.github.com", render::user_id(&login)),
        time: now,
    };
    let github = Person {
        name: "GitHub".into(),
        email: "noreply@github.com".into(),
        time: now,
    };
    let (author, committer) = match (author, committer) {
        (None, None) if sign => (me, github),
        (Some(a), None) => (a.clone(), a),
        (None, Some(c)) => (me, c),
        (Some(a), Some(c)) => (a, c),
        (None, None) => (me.clone(), me),
    };
    let (repo, _) = ctx.parts();
    let sha = repo
        .odb
        .put_commit(&tree, &parents, author, committer, &message, signature, sign);
    let repo = ctx.repo();
    let c = repo.odb.commit(&sha).expect("just stored");
    let body = render::git_commit(ctx.base, repo, &sha, c);
    let location = body["url"].as_str().unwrap_or_default().to_string();
    Ok(Reply::json(201, body).header("location", location))
}
