//! `tagbump.yaml`: what `tagbump update` bumps, where, and how it writes the change.
//!
//! The file is read in two steps: [`raw`] is its shape (serde, spans kept), and
//! [`validate`] turns it into a [`Config`] whose every value is already checked: image
//! references parsed, policies and filters compiled, templates checked. Every error names
//! the file, line and column and the field (`images[1].policy`), and all errors of a file
//! are reported together. Command-line flags and action inputs arrive as [`Overrides`] and
//! go through the same checks, their errors naming the flag.
//!
//! Example:
//!
//! ```yaml
//! images:
//!   - image: ghcr.io/acme/shop
//!     policy: semver:^1.2
//!     files: [envs/]
//! git:
//!   repository: https://github.com/acme/config
//!   branch: main
//! write:
//!   mode: pull-request      # or push
//!   via: api                # or git (default)
//! pull_request:
//!   labels: [deploy]
//! dispatch:
//!   workflow: deploy.yml
//! ```

mod error;
mod overrides;
mod raw;
pub mod template;
mod validate;

use std::collections::BTreeMap;
use std::path::Path;

pub use error::{ConfigError, ConfigErrors, Origin};
pub use overrides::Overrides;
pub use template::Template;
pub use validate::branch_problem;

use crate::image::{ImageRef, Part};
use crate::policy::{Filter, Ignore, Policy};
use crate::registry::Platform;

/// The default commit message.
pub const DEFAULT_MESSAGE: &str = "chore(tagbump): {summary}\n\n{bumps}\n";
/// The default work branch of the pull-request mode.
pub const DEFAULT_WORK_BRANCH: &str = "tagbump/{name}";
/// The default pull-request title.
pub const DEFAULT_PR_TITLE: &str = "chore(tagbump): {summary}";
/// The default pull-request body.
pub const DEFAULT_PR_BODY: &str =
    "tagbump bumps {count} image(s) on `{base}`:\n\n{bumps}\n\nThis pull request is refreshed by every run.\n";
/// The GitHub Actions bot identity, the default author of commits made with `git`.
pub const ACTIONS_BOT_NAME: &str = "github-actions[bot]";
pub const ACTIONS_BOT_EMAIL: &str = "41898282+github-actions[bot]@users.noreply.github.com";

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Names the work branch and messages (default: the single image's name, else
    /// `images`).
    pub name: String,
    pub images: Vec<ImageSpec>,
    /// Paths or globs under the config repo's root (default: the whole repo).
    pub files: Vec<String>,
    pub git: GitSpec,
    pub github: GitHubSpec,
    pub write: WriteSpec,
    pub pull_request: PullRequestSpec,
    pub dispatch: DispatchSpec,
}

/// One image to bump.
#[derive(Debug, Clone)]
pub struct ImageSpec {
    /// The short name (`shop`).
    pub name: String,
    /// The image; with a tag or digest and no policy, deployed as given.
    pub image: ImageRef,
    /// `None`: take the tag/digest of [`ImageSpec::image`] as it is.
    pub policy: Option<Policy>,
    pub filter: Option<Filter>,
    pub ignore: Ignore,
    pub platform: Platform,
    pub pin_digest: bool,
    pub max_builds: usize,
    /// Restrict the image to these paths/globs (empty: the config's `files`).
    pub files: Vec<String>,
    pub helm_keys: Vec<(String, Part)>,
    pub kcl_paths: Vec<String>,
    pub flux_policies: Vec<String>,
    /// Where the image was declared, for messages.
    pub origin: Origin,
}

#[derive(Debug, Clone, Default)]
pub struct GitSpec {
    /// An `https://`/`http://`/`file://` URL or a local path; `None`: the `origin` of the
    /// current directory's repository.
    pub repository: Option<String>,
    /// `None`: the remote's default branch.
    pub branch: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct GitHubSpec {
    /// `OWNER/NAME` on GitHub (default: read from the repository URL when it is on GitHub).
    pub repository: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Commit to the target branch.
    #[default]
    Push,
    /// Commit to a work branch and open (or refresh) a pull request.
    PullRequest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// The `git` command: commit locally, push.
    #[default]
    Git,
    /// GitHub's Git Data API: GitHub signs the commit (Verified).
    Api,
}

#[derive(Debug, Clone)]
pub struct WriteSpec {
    pub mode: Mode,
    pub via: Via,
    pub message: Template,
    pub author: Identity,
    /// Attempts at a push or ref update that loses a race.
    pub attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct PullRequestSpec {
    pub branch: Template,
    pub title: Template,
    pub body: Template,
    pub labels: Vec<String>,
    pub reviewers: Vec<String>,
    pub team_reviewers: Vec<String>,
    pub draft: bool,
}

#[derive(Debug, Clone, Default)]
pub struct DispatchSpec {
    pub workflow: Option<WorkflowDispatch>,
    pub event: Option<RepositoryDispatch>,
    /// `OWNER/NAME` to dispatch to (default: the config repo).
    pub repository: Option<String>,
}

#[derive(Debug, Clone)]
pub struct WorkflowDispatch {
    /// File name (`deploy.yml`) or numeric id.
    pub workflow: String,
    /// `None`: the branch tagbump wrote to.
    pub git_ref: Option<String>,
    pub inputs: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct RepositoryDispatch {
    pub event_type: String,
}

impl Config {
    /// Read and validate a config file, then apply the overrides.
    pub fn load(path: &Path, overrides: &Overrides) -> Result<Config, ConfigErrors> {
        let text = fs_err::read_to_string(path).map_err(|source| {
            ConfigErrors(vec![ConfigError::Read {
                path: path.to_path_buf(),
                source,
            }])
        })?;
        Config::parse(&path.display().to_string(), &text, overrides)
    }

    /// Validate config text (`file` names it in errors), then apply the overrides.
    pub fn parse(file: &str, text: &str, overrides: &Overrides) -> Result<Config, ConfigErrors> {
        let raw = validate::parse_raw(file, text).map_err(|e| ConfigErrors(vec![e]))?;
        validate::build(file, raw, overrides)
    }

    /// The configuration made of overrides alone (no file).
    pub fn from_overrides(overrides: &Overrides) -> Result<Config, ConfigErrors> {
        validate::build("", raw::RawConfig::default(), overrides)
    }
}

#[cfg(test)]
mod tests;
