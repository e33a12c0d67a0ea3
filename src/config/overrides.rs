//! Values given on the command line or as action inputs, on top of (or instead of) a file.
//!
//! Plain data with no clap types, so the CLI and the Action runtime fill the same struct.
//! Scalars replace the file's value; lists replace the file's list, except `images`:
//! see [`Overrides::images`].

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `NAME[:TAG][@DIGEST]`. When the file declares images, each names one of them (by
    /// short name or image name) and only those are bumped, with the given tag if any (the
    /// tag CI just pushed); an image the file does not declare is added. Without a file,
    /// these are the images.
    pub images: Vec<String>,
    /// The policy for images given here that carry no tag (and for the file's images that
    /// have none).
    pub policy: Option<String>,
    pub files: Vec<String>,
    pub name: Option<String>,
    pub repository: Option<String>,
    pub branch: Option<String>,
    pub github_repository: Option<String>,
    pub mode: Option<String>,
    pub via: Option<String>,
    pub message: Option<String>,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub attempts: Option<u32>,
    pub work_branch: Option<String>,
    pub pr_title: Option<String>,
    pub pr_body: Option<String>,
    pub labels: Vec<String>,
    pub reviewers: Vec<String>,
    pub team_reviewers: Vec<String>,
    pub draft: Option<bool>,
    pub dispatch_workflow: Option<String>,
    pub dispatch_ref: Option<String>,
    pub dispatch_inputs: BTreeMap<String, String>,
    pub dispatch_event: Option<String>,
    pub dispatch_repository: Option<String>,
}
