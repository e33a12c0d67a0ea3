//! The contents API: read a file or directory at a ref, and create or update one file with a
//! commit on a branch (GitHub signs that commit when the request names no author or committer).
//! Updating needs the `sha` of the blob being replaced: missing → 422, stale → 409, which is
//! how GitHub keeps two writers from overwriting each other through this API.

use base64::Engine as _;
use serde_json::{Value, json};

use super::super::state::Repo;
use super::super::state::git::{Entry, Person};
use super::super::state::link::RefError;
use super::super::wire::{Reply, field_error};
use super::{Answer, Ctx, render};

/// The tree entry at `path` under tree `tree`.
fn lookup(repo: &Repo, tree: &str, path: &str) -> Option<Entry> {
    let mut current = Entry {
        name: String::new(),
        mode: "40000".into(),
        sha: tree.to_string(),
    };
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        let entries = repo.odb.tree(&current.sha)?;
        current = entries.iter().find(|e| e.name == seg)?.clone();
    }
    Some(current)
}

fn base64_lines(bytes: &[u8]) -> String {
    let b = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::new();
    for chunk in b.as_bytes().chunks(60) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out
}

/// A `content-*` object for `entry` at `path` (without `content` when `with_content` is false).
fn item(ctx: &Ctx, repo: &Repo, path: &str, entry: &Entry, r: &str, with_content: bool) -> Value {
    let api = render::repo_api(ctx.base, repo);
    let html_base = render::repo_html(ctx.base, repo);
    let kind = match entry.mode.as_str() {
        "40000" => "dir",
        "120000" => "symlink",
        // Directory listings reported submodules as files before 2026-03-10.
        "160000" if ctx.v2026 || with_content => "submodule",
        "160000" => "file",
        _ => "file",
    };
    let name = path.rsplit('/').next().unwrap_or(path);
    let url = format!("{api}/contents/{path}?ref={}", render::url_segment(r));
    let git_url = format!(
        "{api}/git/{}/{}",
        if kind == "dir" { "trees" } else { "blobs" },
        entry.sha
    );
    let html_url = format!("{html_base}/{}/{r}/{path}", if kind == "dir" { "tree" } else { "blob" });
    let blob = repo.odb.blob(&entry.sha);
    let mut v = json!({
        "type": kind,
        "size": blob.map_or(0, <[u8]>::len),
        "name": name,
        "path": path,
        "sha": entry.sha,
        "url": url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": (kind == "file").then(|| format!("{}/raw/{}/{r}/{path}", ctx.base, repo.full_name())),
        "_links": {"self": url, "git": git_url, "html": html_url},
    });
    if with_content {
        match kind {
            "file" => {
                v["encoding"] = json!("base64");
                v["content"] = json!(base64_lines(blob.unwrap_or_default()));
            }
            "symlink" => v["target"] = json!(String::from_utf8_lossy(blob.unwrap_or_default())),
            "submodule" => v["submodule_git_url"] = json!(format!("{}/submodule.git", ctx.base)),
            _ => {}
        }
    }
    v
}

pub fn get(ctx: &mut Ctx) -> Answer {
    let repo = ctx.repo();
    let path = ctx.param("path").trim_matches('/').to_string();
    let r = ctx
        .req
        .query_param("ref")
        .unwrap_or_else(|| repo.default_branch.clone());
    if repo.is_empty() {
        return Err(Reply::error(404, "This repository is empty.", ctx.docs()));
    }
    let commit = repo
        .resolve(&r)
        .ok_or_else(|| Reply::error(404, &format!("No commit found for the ref {r}"), ctx.docs()))?;
    let tree = repo.odb.commit(&commit).expect("refs point at commits").tree.clone();
    let entry = lookup(repo, &tree, &path).ok_or_else(|| ctx.not_found())?;
    if entry.mode == "40000" {
        let entries = repo.odb.tree(&entry.sha).unwrap_or_default();
        let items: Vec<Value> = entries
            .iter()
            .map(|e| item(ctx, repo, &format!("{path}/{}", e.name), e, &r, false))
            .collect();
        return Ok(Reply::json(200, Value::Array(items)));
    }
    Ok(Reply::json(200, item(ctx, repo, &path, &entry, &r, true)))
}

fn person(v: &Value, now: i64) -> Option<Person> {
    Some(Person {
        name: v["name"].as_str()?.to_string(),
        email: v["email"].as_str()?.to_string(),
        time: v["date"]
            .as_str()
            .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
            .map_or(now, |d| d.timestamp()),
    })
}

pub fn put(ctx: &mut Ctx) -> Answer {
    let path = ctx.param("path").trim_matches('/').to_string();
    let repo = ctx.repo();
    let branch = ctx
        .str_field("branch")
        .map_or_else(|| repo.default_branch.clone(), str::to_string);
    let content = ctx.str_field("content").unwrap_or_default().replace(['\n', '\r'], "");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content)
        .map_err(|_| ctx.validation(vec![field_error("Commit", "content", "invalid")]))?;
    let tip = repo.branch(&branch).map(str::to_string);
    if tip.is_none() && !(repo.is_empty() && branch == repo.default_branch) {
        return Err(Reply::error(404, &format!("Branch {branch} not found"), ctx.docs()));
    }
    let existing = tip.as_deref().and_then(|t| {
        let tree = &repo.odb.commit(t)?.tree;
        lookup(repo, tree, &path)
    });
    if let Some(e) = &existing {
        match ctx.str_field("sha") {
            None => return Err(ctx.validation(vec![field_error("Commit", "sha", "missing_field")])),
            Some(s) if s != e.sha => {
                return Err(Reply::error(409, &format!("{path} does not match {s}"), ctx.docs()));
            }
            Some(_) => {}
        }
    }
    let message = ctx.str_field("message").unwrap_or_default().to_string();
    let now = ctx.st.counters.now();
    let author = person(&ctx.body["author"], now);
    let committer = person(&ctx.body["committer"], now);
    let sign = author.is_none() && committer.is_none();
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
        (None, None) => (me, github),
        (Some(a), None) => (a.clone(), a),
        (None, Some(c)) => (c.clone(), c),
        (Some(a), Some(c)) => (a, c),
    };
    let (repo, _) = ctx.parts();
    let changes = [(path.clone(), Some(bytes))];
    let sha = match repo.commit_files_as(&branch, &changes, &message, author, committer, sign) {
        Ok(sha) => sha,
        // A push to a linked repository landed meanwhile: GitHub relays git's refusal.
        Err(RefError::Moved { actual }) => {
            let actual = actual.unwrap_or_else(|| "0".repeat(40));
            let expected = tip.unwrap_or_else(|| "0".repeat(40));
            let message = format!("is at {actual} but expected {expected}");
            return Err(Reply::error(409, &message, ctx.docs()));
        }
        Err(RefError::Link(e)) => return Err(Reply::internal(&e)),
    };
    let repo = ctx.repo();
    let c = repo.odb.commit(&sha).expect("just committed");
    let entry = lookup(repo, &c.tree, &path).expect("just written");
    let mut content = item(ctx, repo, &path, &entry, &branch, false);
    if let Some(o) = content.as_object_mut() {
        o.remove("content");
    }
    let body = json!({"content": content, "commit": render::git_commit(ctx.base, repo, &sha, c)});
    Ok(Reply::json(if existing.is_some() { 200 } else { 201 }, body))
}
