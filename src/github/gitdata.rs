//! The Git Data API: blobs, trees, commits and refs, for commits GitHub signs.
//!
//! A commit created without `author`, `committer` and `signature`, with a GitHub App or
//! Actions token, is signed by GitHub and shows as Verified. The branch then moves with a
//! fast-forward-only ref update, a compare-and-swap: if another writer moved it first,
//! GitHub refuses, and the caller re-applies its edits on the new head.

use base64::Engine as _;
use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{GitHub, GitHubError};

/// One file of a new tree.
#[derive(Debug, Clone)]
pub struct TreeEntry {
    pub path: String,
    /// `100644` or `100755`.
    pub mode: String,
    pub blob: String,
}

/// The result of moving a branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefUpdate {
    Moved,
    /// Not a fast-forward: the branch moved since it was read.
    Conflict(String),
}

#[derive(Deserialize)]
struct Sha {
    sha: String,
}

#[derive(Deserialize)]
struct GitRef {
    object: Sha,
}

#[derive(Deserialize)]
pub struct Verification {
    #[serde(default)]
    pub verified: bool,
}

#[derive(Deserialize)]
pub struct CreatedCommit {
    pub sha: String,
    #[serde(default)]
    pub verification: Option<Verification>,
}

impl GitHub {
    /// The commit a branch points at; `None` when the branch does not exist.
    pub async fn branch_head(&self, branch: &str) -> Result<Option<String>, GitHubError> {
        let path = self.path(&format!("/git/ref/heads/{branch}"));
        let reply = self.call(Method::GET, &path, None).await?;
        match reply.status {
            200 => Ok(Some(
                super::decode::<GitRef>(&Method::GET, &path, reply.body)?.object.sha,
            )),
            404 => Ok(None),
            _ => Err(GitHub::status_error(&Method::GET, &path, &reply)),
        }
    }

    pub async fn create_blob(&self, content: &[u8]) -> Result<String, GitHubError> {
        let b = json!({"content": base64::engine::general_purpose::STANDARD.encode(content), "encoding": "base64"});
        let s: Sha = self
            .expect(Method::POST, &self.path("/git/blobs"), Some(&b), &[201])
            .await?;
        Ok(s.sha)
    }

    pub async fn create_tree(&self, base_tree: &str, entries: &[TreeEntry]) -> Result<String, GitHubError> {
        let tree: Vec<Value> = entries
            .iter()
            .map(|e| json!({"path": e.path, "mode": e.mode, "type": "blob", "sha": e.blob}))
            .collect();
        let b = json!({"base_tree": base_tree, "tree": tree});
        let s: Sha = self
            .expect(Method::POST, &self.path("/git/trees"), Some(&b), &[201])
            .await?;
        Ok(s.sha)
    }

    /// A commit with no author, committer or signature: GitHub signs it.
    pub async fn create_commit(&self, message: &str, tree: &str, parent: &str) -> Result<CreatedCommit, GitHubError> {
        let b = json!({"message": message, "tree": tree, "parents": [parent]});
        self.expect(Method::POST, &self.path("/git/commits"), Some(&b), &[201])
            .await
    }

    /// Move a branch to `sha`; fast-forward only unless `force`.
    pub async fn update_branch(&self, branch: &str, sha: &str, force: bool) -> Result<RefUpdate, GitHubError> {
        let path = self.path(&format!("/git/refs/heads/{branch}"));
        let b = json!({"sha": sha, "force": force});
        let reply = self.call(Method::PATCH, &path, Some(&b)).await?;
        match reply.status {
            200 => Ok(RefUpdate::Moved),
            409 | 422 => {
                let err = GitHub::status_error(&Method::PATCH, &path, &reply);
                let m = err.message().to_ascii_lowercase();
                if reply.status == 409 || m.contains("fast forward") || m.contains("fast-forward") {
                    Ok(RefUpdate::Conflict(err.message().to_string()))
                } else {
                    Err(err)
                }
            }
            _ => Err(GitHub::status_error(&Method::PATCH, &path, &reply)),
        }
    }

    /// Create a branch at `sha`; `Conflict` when it already exists.
    pub async fn create_branch(&self, branch: &str, sha: &str) -> Result<RefUpdate, GitHubError> {
        let path = self.path("/git/refs");
        let b = json!({"ref": format!("refs/heads/{branch}"), "sha": sha});
        let reply = self.call(Method::POST, &path, Some(&b)).await?;
        match reply.status {
            201 => Ok(RefUpdate::Moved),
            422 if GitHub::status_error(&Method::POST, &path, &reply)
                .message()
                .contains("already exists") =>
            {
                Ok(RefUpdate::Conflict("reference already exists".into()))
            }
            _ => Err(GitHub::status_error(&Method::POST, &path, &reply)),
        }
    }
}
