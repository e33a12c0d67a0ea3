//! The shape of `tagbump.yaml` as written, before validation.
//!
//! Every field that validation can refuse is [`Spanned`], so an error names the line and
//! column of the value the user must fix, not just the field. Unknown fields are refused
//! (`deny_unknown_fields`): a misspelt `polcy:` that silently fell back to a default would
//! deploy the wrong tag.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// A name for this set of bumps: the work branch (`tagbump/<name>`) and messages use it.
    pub name: Option<Spanned<String>>,
    #[serde(default)]
    pub images: Vec<RawImage>,
    /// Paths (files, directories) or globs, relative to the config repo's root.
    #[serde(default, alias = "paths")]
    pub files: Vec<Spanned<String>>,
    pub git: Option<RawGit>,
    pub github: Option<RawGitHub>,
    pub write: Option<RawWrite>,
    pub pull_request: Option<RawPullRequest>,
    pub dispatch: Option<RawDispatch>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawImage {
    /// `NAME[:TAG][@DIGEST]`; a tag (or digest) without a policy is deployed as given.
    pub image: Spanned<String>,
    /// A short name: `--image` selects by it, markers (`# {"$tagbump": "NAME"}`) and
    /// messages use it. Default: the last segment of the repository path.
    pub name: Option<Spanned<String>>,
    pub policy: Option<Spanned<String>>,
    pub filter: Option<Spanned<String>>,
    pub extract: Option<Spanned<String>>,
    #[serde(default)]
    pub ignore: Vec<String>,
    pub default_ignore: Option<bool>,
    pub platform: Option<Spanned<String>>,
    /// Pin the digest of the chosen tag (`tag@sha256:...`).
    pub digest: Option<bool>,
    pub max_builds: Option<usize>,
    /// Restrict this image to these paths or globs (default: the top-level `files`).
    #[serde(default, alias = "paths")]
    pub files: Vec<Spanned<String>>,
    /// Explicit Helm values key paths: `image.tag`, or `KEY=PART` with PART one of tag,
    /// name, digest, full.
    #[serde(default)]
    pub helm_keys: Vec<Spanned<String>>,
    /// KCL override paths (`app.image`) that receive the full reference.
    #[serde(default)]
    pub kcl_paths: Vec<Spanned<String>>,
    /// Flux image policies (`NAMESPACE:NAME`) whose markers stand for this image.
    #[serde(default)]
    pub flux_policies: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGit {
    /// The config repo: an `https://` URL, or `OWNER/NAME` on GitHub.
    pub repository: Option<Spanned<String>>,
    /// The branch to update (default: the remote's default branch).
    pub branch: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGitHub {
    /// `OWNER/NAME` of the config repo on GitHub, when its git URL does not say it.
    pub repository: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWrite {
    pub mode: Option<Spanned<String>>,
    pub via: Option<Spanned<String>>,
    /// Commit message template (see `template.rs` for the variables).
    pub message: Option<Spanned<String>>,
    pub author: Option<RawIdentity>,
    /// How many times to try a push (or an API ref update) that loses a race.
    pub attempts: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdentity {
    pub name: Spanned<String>,
    pub email: Spanned<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPullRequest {
    pub branch: Option<Spanned<String>>,
    pub title: Option<Spanned<String>>,
    pub body: Option<Spanned<String>>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub reviewers: Vec<String>,
    #[serde(default)]
    pub team_reviewers: Vec<String>,
    pub draft: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDispatch {
    /// `workflow_dispatch`: the workflow file name (`deploy.yml`) or numeric id.
    pub workflow: Option<Spanned<String>>,
    /// The ref the workflow runs on (default: the branch tagbump wrote to).
    #[serde(rename = "ref")]
    pub git_ref: Option<Spanned<String>>,
    #[serde(default)]
    pub inputs: BTreeMap<String, Spanned<String>>,
    /// `repository_dispatch`: the event type.
    pub event_type: Option<Spanned<String>>,
    /// `OWNER/NAME` to dispatch to (default: the config repo).
    pub repository: Option<Spanned<String>>,
}
