//! Where the config repo is: its git URL, its `OWNER/NAME` on GitHub, and whether a token
//! may be sent to it.

use std::path::Path;

use crate::git::{Git, GitError};

/// The config repo as tagbump reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// What git fetches from and pushes to (never with credentials in it).
    pub url: String,
    /// `OWNER/NAME` when the repository is on GitHub (or the config says so).
    pub github: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    #[error(
        "no config repository: set `git.repository` in tagbump.yaml or pass --repo, or run inside a clone with an `origin` remote ({0})"
    )]
    NoOrigin(GitError),
    #[error("{url}: refusing to send a token over plain HTTP to a host that is not this machine\nhint: use https://")]
    CleartextToken { url: String },
}

/// The GitHub web host (`GITHUB_SERVER_URL`, default `https://github.com`).
pub fn server_url(env_server: Option<&str>) -> String {
    env_server
        .filter(|s| !s.trim().is_empty())
        .unwrap_or("https://github.com")
        .trim_end_matches('/')
        .to_string()
}

/// Resolve the configured repository (`None`: the `origin` of `cwd`).
pub fn locate(
    configured: Option<&str>,
    github_override: Option<&str>,
    server: &str,
    cwd: &Path,
) -> Result<Repository, RepositoryError> {
    let url = match configured {
        // A local directory (a bare repo, a clone): absolute, since git runs elsewhere.
        Some(r) if !r.contains("://") && cwd.join(r).is_dir() => {
            let p = fs_err::canonicalize(cwd.join(r)).unwrap_or_else(|_| cwd.join(r));
            p.to_string_lossy().into_owned()
        }
        Some(r) if is_owner_name(r) => format!("{server}/{r}.git"),
        Some(r) => r.to_string(),
        None => {
            let git = Git::new("origin", None);
            git.run(cwd, &["remote", "get-url", "origin"])
                .map_err(RepositoryError::NoOrigin)?
                .trim()
                .to_string()
        }
    };
    let github = github_override
        .map(str::to_string)
        .or_else(|| owner_name_on(server, &url));
    Ok(Repository { url, github })
}

fn is_owner_name(s: &str) -> bool {
    !s.contains("://")
        && !s.starts_with(['.', '/', '~'])
        && matches!(s.split('/').collect::<Vec<_>>().as_slice(), [o, n] if !o.is_empty() && !n.is_empty())
}

/// `OWNER/NAME` from a URL on the GitHub server (`https://github.com/acme/config.git`).
fn owner_name_on(server: &str, url: &str) -> Option<String> {
    let rest = url.strip_prefix(server)?.strip_prefix('/')?;
    let rest = rest.trim_end_matches('/').trim_end_matches(".git");
    is_owner_name(rest).then(|| rest.to_string())
}

/// The config repo's own `tagbump.yaml` on `branch` (the default branch when `None`), or
/// `None` when it has none. A shallow fetch into a scratch directory, deleted at once.
pub fn read_repo_config(
    repo: &Repository,
    branch: Option<&str>,
    auth: Option<&crate::git::GitAuth>,
) -> Result<Option<String>, GitError> {
    let git = Git::new(&repo.url, auth);
    let co = crate::git::Checkout::open(&git, branch)?;
    let path = co.dir().join(REPO_CONFIG);
    Ok(fs_err::read_to_string(path).ok())
}

/// The config file a config repo may hold at its root.
pub const REPO_CONFIG: &str = "tagbump.yaml";

/// Whether a token may be sent to `url`: HTTPS anywhere, plain HTTP only to this machine.
pub fn check_token_transport(url: &str) -> Result<(), RepositoryError> {
    let Some(rest) = url.strip_prefix("http://") else {
        return Ok(());
    };
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let loopback =
        host == "localhost" || host == "[::1]" || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(RepositoryError::CleartextToken { url: url.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_name_becomes_a_github_url() {
        let dir = tempfile::tempdir().unwrap();
        let r = locate(Some("acme/config"), None, "https://github.com", dir.path()).unwrap();
        assert_eq!(r.url, "https://github.com/acme/config.git");
        assert_eq!(r.github.as_deref(), Some("acme/config"));
        let r = locate(
            Some("https://ghe.example/acme/config"),
            None,
            "https://ghe.example",
            dir.path(),
        )
        .unwrap();
        assert_eq!(r.github.as_deref(), Some("acme/config"));
        let r = locate(
            Some("http://127.0.0.1:9/git/config.git"),
            Some("acme/config"),
            "https://github.com",
            dir.path(),
        )
        .unwrap();
        assert_eq!(r.github.as_deref(), Some("acme/config"));
        let r = locate(
            Some("https://gitlab.com/acme/config.git"),
            None,
            "https://github.com",
            dir.path(),
        )
        .unwrap();
        assert_eq!(r.github, None);
    }

    #[test]
    fn a_local_directory_is_not_owner_name() {
        let dir = tempfile::tempdir().unwrap();
        fs_err::create_dir_all(dir.path().join("repos/config")).unwrap();
        let r = locate(Some("repos/config"), None, "https://github.com", dir.path()).unwrap();
        let want = fs_err::canonicalize(dir.path().join("repos/config")).unwrap();
        assert_eq!(r.url, want.to_string_lossy());
    }

    #[test]
    fn tokens_travel_over_https_or_loopback_only() {
        assert!(check_token_transport("https://example.com/a.git").is_ok());
        assert!(check_token_transport("http://127.0.0.1:8080/git/a.git").is_ok());
        assert!(check_token_transport("http://localhost/a.git").is_ok());
        let e = check_token_transport("http://example.com/a.git").unwrap_err();
        assert!(e.to_string().contains("plain HTTP"), "{e}");
    }
}
