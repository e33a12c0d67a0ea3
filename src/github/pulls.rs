//! Pull requests: find the open one for a work branch, open one, refresh it, label it,
//! ask for reviews. Never two for one branch: tagbump looks before it opens, and when
//! GitHub says one already exists (another run opened it a moment ago) it takes that one.

use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{GitHub, GitHubError};

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Pull {
    pub number: u64,
    pub html_url: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub draft: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct NewPull<'a> {
    pub head: &'a str,
    pub base: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub draft: bool,
}

impl GitHub {
    fn owner(&self) -> &str {
        self.repo.split('/').next().unwrap_or("")
    }

    /// The open pull request from `head` (a branch of this repo) into `base`.
    pub async fn find_open_pull(&self, head: &str, base: &str) -> Result<Option<Pull>, GitHubError> {
        let q = format!(
            "/pulls?state=open&head={}&base={}&per_page=100",
            urlencode(&format!("{}:{head}", self.owner())),
            urlencode(base)
        );
        let pulls: Vec<Pull> = self.expect(Method::GET, &self.path(&q), None, &[200]).await?;
        Ok(pulls.into_iter().next())
    }

    /// Open a pull request; when GitHub answers that one exists for the branch (a
    /// concurrent run), return that one instead (`created` false).
    pub async fn open_pull(&self, p: &NewPull<'_>) -> Result<(Pull, bool), GitHubError> {
        let body = json!({"title": p.title, "head": p.head, "base": p.base, "body": p.body, "draft": p.draft, "maintainer_can_modify": false});
        let path = self.path("/pulls");
        let reply = self.call(Method::POST, &path, Some(&body)).await?;
        if reply.status == 201 {
            return Ok((super::decode(&Method::POST, &path, reply.body)?, true));
        }
        let err = GitHub::status_error(&Method::POST, &path, &reply);
        if reply.status == 422 && err.message().contains("already exists") {
            if let Some(pull) = self.find_open_pull(p.head, p.base).await? {
                return Ok((pull, false));
            }
        }
        Err(err)
    }

    pub async fn update_pull(&self, number: u64, title: &str, body: &str) -> Result<Pull, GitHubError> {
        let b = json!({"title": title, "body": body});
        self.expect(Method::PATCH, &self.path(&format!("/pulls/{number}")), Some(&b), &[200])
            .await
    }

    pub async fn add_labels(&self, number: u64, labels: &[String]) -> Result<(), GitHubError> {
        if labels.is_empty() {
            return Ok(());
        }
        let b = json!({"labels": labels});
        let _: Value = self
            .expect(
                Method::POST,
                &self.path(&format!("/issues/{number}/labels")),
                Some(&b),
                &[200],
            )
            .await?;
        Ok(())
    }

    pub async fn request_reviewers(&self, number: u64, users: &[String], teams: &[String]) -> Result<(), GitHubError> {
        if users.is_empty() && teams.is_empty() {
            return Ok(());
        }
        let b = json!({"reviewers": users, "team_reviewers": teams});
        let _: Value = self
            .expect(
                Method::POST,
                &self.path(&format!("/pulls/{number}/requested_reviewers")),
                Some(&b),
                &[201],
            )
            .await?;
        Ok(())
    }
}

/// Percent-encode a query value.
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// What tagbump reads of a repository.
#[derive(Debug, Clone, Deserialize)]
pub struct RepoInfo {
    pub full_name: String,
    pub default_branch: String,
}

impl GitHub {
    /// The repository, read before anything is written: a wrong token, a missing repository
    /// or a wrong API URL fails the run while nothing has happened yet.
    pub async fn repository(&self) -> Result<RepoInfo, GitHubError> {
        self.expect(Method::GET, &format!("/repos/{}", self.repo), None, &[200])
            .await
    }
}
