//! Credentials for `git`, through the environment only.
//!
//! A token must never reach argv (visible in `ps` and CI logs), a URL (echoed in errors,
//! stored in `.git/config`) or `.git/config` (left on disk, uploaded as an artifact). Git
//! reads configuration from `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`, so
//! tagbump passes `http.<url>.extraHeader: Authorization: Basic ...` there, scoped to the
//! config repo's URL so that no other host (a submodule, a redirect) ever receives it.
//! Entries the caller's environment already holds are kept and ours appended after them.

use std::ffi::OsString;

use base64::Engine as _;

use crate::registry::secret::Secret;

/// How tagbump authenticates to the git server.
#[derive(Clone, Debug)]
pub struct GitAuth {
    /// HTTP Basic user: `x-access-token` works for GitHub App, Actions and personal tokens.
    pub username: String,
    pub token: Secret,
}

impl GitAuth {
    pub fn token(token: Secret) -> GitAuth {
        GitAuth {
            username: "x-access-token".into(),
            token,
        }
    }

    /// The `Authorization` header value.
    fn header(&self) -> String {
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", self.username, self.token.expose()));
        format!("Authorization: Basic {basic}")
    }

    /// The strings that must never appear in output: the token and the encoded header.
    pub fn secrets(&self) -> Vec<String> {
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", self.username, self.token.expose()));
        vec![self.token.expose().to_string(), basic]
    }
}

/// The `GIT_CONFIG_*` variables that give `git` the header for URLs under `url_prefix`,
/// after `existing` entries (the value of `GIT_CONFIG_COUNT` in the caller's environment).
pub fn config_env(auth: &GitAuth, url_prefix: &str, existing: usize) -> Vec<(OsString, OsString)> {
    let entries = [
        // Scoped header: sent only to URLs under the config repo's URL.
        (format!("http.{url_prefix}.extraHeader"), auth.header()),
        // No credential helper may answer (or prompt) instead of the header.
        ("credential.helper".to_string(), String::new()),
    ];
    let mut env = Vec::new();
    for (i, (k, v)) in entries.iter().enumerate() {
        env.push((format!("GIT_CONFIG_KEY_{}", existing + i).into(), k.into()));
        env.push((format!("GIT_CONFIG_VALUE_{}", existing + i).into(), v.into()));
    }
    env.push(("GIT_CONFIG_COUNT".into(), (existing + entries.len()).to_string().into()));
    env
}

/// Replace every secret in `text` with `***`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(s.as_str(), "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_appends_after_existing_entries_and_scopes_the_header() {
        let auth = GitAuth::token(Secret::new("tok123"));
        let env = config_env(&auth, "https://git.example/acme/config", 2);
        let get = |k: &str| {
            env.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.to_str().unwrap().to_string())
        };
        assert_eq!(get("GIT_CONFIG_COUNT").unwrap(), "4");
        assert_eq!(
            get("GIT_CONFIG_KEY_2").unwrap(),
            "http.https://git.example/acme/config.extraHeader"
        );
        // base64("x-access-token:tok123")
        assert_eq!(
            get("GIT_CONFIG_VALUE_2").unwrap(),
            "Authorization: Basic eC1hY2Nlc3MtdG9rZW46dG9rMTIz"
        );
        assert_eq!(
            (get("GIT_CONFIG_KEY_3").unwrap(), get("GIT_CONFIG_VALUE_3").unwrap()),
            ("credential.helper".into(), String::new())
        );
        assert!(get("GIT_CONFIG_KEY_0").is_none(), "existing entries are the caller's");
    }

    #[test]
    fn redacts_token_and_header() {
        let auth = GitAuth::token(Secret::new("tok123"));
        let text = "fatal: tok123 and eC1hY2Nlc3MtdG9rZW46dG9rMTIz";
        assert_eq!(redact(text, &auth.secrets()), "fatal: *** and ***");
        assert!(!format!("{auth:?}").contains("tok123"));
    }
}
