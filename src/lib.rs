//! tagbump: keep a GitOps config repository in step with the images CI builds.
//!
//! The library holds every stage as a plain function over plain data, so the CLI, the
//! GitHub Action entry point and the tests all drive the same code:
//!
//! - [`image`]: image references, parsed and normalised the way Docker does;
//! - [`edit`]: format-exact editors that locate image fields and splice new text into them,
//!   then prove (by re-parsing) that nothing else changed;
//! - [`scan`]: which files under a path are candidates, respecting `.gitignore` and never
//!   leaving the tree through a symlink;
//! - [`write`]: atomic writes and unified diffs;
//! - [`registry`]: the OCI distribution client (tags, manifests, configs, auth, retries);
//! - [`policy`]: which tag to deploy, by semver range, build time, order or digest;
//! - [`resolve`]: registry + policy = the reference to deploy;
//! - [`cli`]: the command-line surface (clap types live only there).

pub mod action;
pub mod agent;
pub mod bump;
pub mod cli;
pub mod config;
pub mod edit;
pub mod git;
pub mod github;
pub mod image;
pub mod parallel;
pub mod policy;
pub mod registry;
pub mod resolve;
pub mod scan;
pub mod update;
pub mod write;
