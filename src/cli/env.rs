//! Environment variables tagbump reads outside clap, declared once. Secrets are read here
//! (never taken from the command line, where `ps` and shell history would see them).

/// Password for `--registry-username`.
pub const REGISTRY_PASSWORD: &str = "TAGBUMP_REGISTRY_PASSWORD";
/// A bearer token for the registries of the images on the command line.
pub const REGISTRY_TOKEN: &str = "TAGBUMP_REGISTRY_TOKEN";

/// A token for the config repo (git over HTTPS and the GitHub API); wins over GITHUB_TOKEN.
pub const GIT_TOKEN: &str = "TAGBUMP_GIT_TOKEN";
/// The Actions token, used for the config repo when TAGBUMP_GIT_TOKEN is unset.
pub const GITHUB_TOKEN: &str = "GITHUB_TOKEN";
/// The GitHub web server (`https://github.com`, or a GitHub Enterprise Server).
pub const GITHUB_SERVER_URL: &str = "GITHUB_SERVER_URL";
/// The GitHub REST API base URL (`https://api.github.com`, `https://HOST/api/v3`).
pub const GITHUB_API_URL: &str = "GITHUB_API_URL";

/// A variable's value, `None` when unset or empty.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
