//! `tagbump update`: config + flags → resolve → write back → report.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};

use super::args::{OutputFormat, UpdateArgs};
use super::env;
use super::exit::Failure;
use crate::config::{Config, Overrides};
use crate::git::GitAuth;
use crate::github::GitHubOptions;
use crate::registry::Client;
use crate::registry::secret::Secret;
use crate::resolve::ResolveError;
use crate::update::{self, Outcome, Resolved, WriteOptions, repository};

fn usage(e: impl Into<anyhow::Error>) -> Failure {
    Failure::new(Failure::USAGE, e)
}

/// The flags as config overrides.
pub fn overrides(a: &UpdateArgs) -> Result<Overrides, Failure> {
    let mut inputs = std::collections::BTreeMap::new();
    for kv in &a.dispatch_inputs {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| usage(anyhow!("--dispatch-input `{kv}`: expected KEY=VALUE")))?;
        inputs.insert(k.to_string(), v.to_string());
    }
    Ok(Overrides {
        images: a.images.clone(),
        policy: a.policy.clone(),
        files: a.paths.clone(),
        name: a.name.clone(),
        repository: a.repository.clone(),
        branch: a.branch.clone(),
        github_repository: a.github_repository.clone(),
        mode: a.mode.clone(),
        via: a.via.clone(),
        message: a.message.clone(),
        author_name: a.author_name.clone(),
        author_email: a.author_email.clone(),
        attempts: a.attempts,
        work_branch: a.work_branch.clone(),
        pr_title: a.pr_title.clone(),
        pr_body: a.pr_body.clone(),
        labels: a.labels.clone(),
        reviewers: a.reviewers.clone(),
        team_reviewers: a.team_reviewers.clone(),
        draft: a.draft.then_some(true),
        dispatch_workflow: a.dispatch_workflow.clone(),
        dispatch_ref: a.dispatch_ref.clone(),
        dispatch_inputs: inputs,
        dispatch_event: a.dispatch_event.clone(),
        dispatch_repository: a.dispatch_repository.clone(),
    })
}

/// Where the config comes from.
pub enum ConfigSource {
    /// The file given, or ./tagbump.yaml: where to read it, and its name as the user gave
    /// it (errors and annotations name it so).
    File { path: PathBuf, shown: String },
    /// The config repo's own tagbump.yaml if it has one (the repo owns its layout: which
    /// files hold which image), with the flags on top; else the flags alone.
    Repo,
}

/// The file given, else ./tagbump.yaml when present, else the config repo's.
pub fn config_source(a: &UpdateArgs, cwd: &Path) -> ConfigSource {
    let default = cwd.join("tagbump.yaml");
    match &a.config {
        Some(p) => ConfigSource::File {
            path: cwd.join(p),
            shown: p.display().to_string(),
        },
        None if default.is_file() => ConfigSource::File {
            path: default,
            shown: "tagbump.yaml".into(),
        },
        None => ConfigSource::Repo,
    }
}

/// The config from its source. For [`ConfigSource::Repo`], `repo_text` is the repo's
/// tagbump.yaml (`None`: it has none).
pub fn load_config(source: &ConfigSource, o: &Overrides, repo_text: Option<&str>) -> Result<Config, Failure> {
    match (source, repo_text) {
        (ConfigSource::File { path, shown }, _) => match fs_err::read_to_string(path) {
            Ok(text) => Config::parse(shown, &text, o),
            Err(e) => return Err(usage(anyhow!("cannot read the config file: {e}"))),
        },
        (ConfigSource::Repo, Some(text)) => Config::parse(repository::REPO_CONFIG, text, o),
        (ConfigSource::Repo, None) => Config::from_overrides(o),
    }
    .map_err(usage)
}

/// What `update` takes from its environment: secrets and GitHub's URLs. The CLI reads
/// them from the process environment; the Action from its inputs.
#[derive(Debug, Clone, Default)]
pub struct UpdateEnv {
    /// For git over HTTPS and the GitHub API.
    pub token: Option<Secret>,
    /// `GITHUB_API_URL` (default `https://api.github.com`).
    pub api_url: Option<String>,
    /// `GITHUB_SERVER_URL` (default `https://github.com`).
    pub server_url: Option<String>,
    /// The password for `--registry-username` (else read as the CLI does).
    pub registry_password: Option<Secret>,
    /// Where relative paths and the config file are found.
    pub cwd: Option<std::path::PathBuf>,
}

impl UpdateEnv {
    pub fn from_process() -> UpdateEnv {
        UpdateEnv {
            token: env::var(env::GIT_TOKEN)
                .or_else(|| env::var(env::GITHUB_TOKEN))
                .map(Secret::new),
            api_url: env::var(env::GITHUB_API_URL),
            server_url: env::var(env::GITHUB_SERVER_URL),
            registry_password: None,
            cwd: None,
        }
    }
}

pub fn run_update(a: &UpdateArgs, out: &mut dyn Write) -> Result<u8, Failure> {
    let outcome = update_outcome(a, &UpdateEnv::from_process())?;
    report(a, &outcome, out).map_err(|e| Failure::new(Failure::IO, e))?;
    Ok(0)
}

/// The whole update, returning what it did.
pub fn update_outcome(a: &UpdateArgs, environment: &UpdateEnv) -> Result<Outcome, Failure> {
    let o = overrides(a)?;
    let cwd = match &environment.cwd {
        Some(d) => d.clone(),
        None => std::env::current_dir()
            .context("reading the current directory")
            .map_err(usage)?,
    };
    let source = config_source(a, &cwd);
    let token = environment.token.clone();
    let server = repository::server_url(environment.server_url.as_deref());
    let locate = |repository: Option<&str>, github: Option<&str>| {
        repository::locate(repository, github, &server, &cwd).map_err(usage)
    };
    let config = match source {
        ConfigSource::Repo => {
            // The config repo owns its layout: read its tagbump.yaml with the flags on top.
            let repo = locate(o.repository.as_deref(), o.github_repository.as_deref())?;
            let auth = token.clone().map(GitAuth::token);
            if auth.is_some() {
                repository::check_token_transport(&repo.url).map_err(usage)?;
            }
            let text = repository::read_repo_config(&repo, o.branch.as_deref(), auth.as_ref()).map_err(|e| {
                Failure::new(
                    Failure::GIT,
                    anyhow!(e).context("reading the config repo's tagbump.yaml; nothing was written"),
                )
            })?;
            load_config(&source, &o, text.as_deref())
                .map_err(|f| Failure::new(f.code, f.error.context(format!("in the config repo {}", repo.url))))?
        }
        ConfigSource::File { .. } => load_config(&source, &o, None)?,
    };
    let repo = locate(config.git.repository.as_deref(), config.github.repository.as_deref())?;
    let api_url = environment
        .api_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "https://api.github.com".into());
    let opts = WriteOptions {
        dry_run: a.dry_run,
        git_auth: token.clone().map(GitAuth::token),
        backoff: None,
        github: token.map(|t| GitHubOptions::new(&api_url, t)),
    };
    let session = update::Session::open(&config, &repo, &opts).map_err(write_failure)?;

    let registries: Vec<String> = config.images.iter().map(|i| i.image.registry()).collect();
    let options =
        super::registry::client_options_with(&a.registry, &registries, environment.registry_password.as_ref())?;
    let client = Client::new(options).map_err(usage)?;
    let runtime = super::registry::runtime()?;
    let resolved = runtime
        .block_on(update::resolve_all(&client, &config))
        .map_err(|errors| {
            let no_tag = errors.iter().all(|e| matches!(e.source, ResolveError::NoTag { .. }));
            let text = errors.iter().map(|e| format!("{e:#}")).collect::<Vec<_>>().join("\n");
            Failure::new(
                if no_tag { Failure::NO_TAG } else { Failure::REGISTRY },
                anyhow!("{text}\nnothing was written"),
            )
        })?;
    if a.dry_run || a.explain {
        explain(&config, &resolved, a.explain);
    }

    session.write(&resolved).map_err(write_failure)
}

/// The exit code and message for a failed write.
fn write_failure(e: update::UpdateError) -> Failure {
    let code = if e.is_usage() {
        Failure::USAGE
    } else if e.is_edit_failure() {
        Failure::EDIT
    } else if e.is_github() {
        Failure::GITHUB
    } else {
        Failure::GIT
    };
    // After the commit, something was written: the message names the commit instead.
    let committed = matches!(e, update::UpdateError::AfterCommit { .. });
    Failure::new(
        code,
        if committed {
            anyhow!(e)
        } else {
            anyhow!(e).context("nothing was written")
        },
    )
}

/// Why each tag was chosen (stderr): one line per image, every candidate with `--explain`.
fn explain(config: &Config, resolved: &[Resolved], full: bool) {
    let mut err = std::io::stderr().lock();
    for r in resolved {
        let spec = &config.images[r.index];
        let why = match (&r.resolution, &r.request) {
            (Some(res), Some(req)) => {
                if full {
                    let _ = crate::resolve::explain::write_text(&mut err, req, &res.candidates, None);
                }
                format!("policy {} chose it among {} tags", req.policy, res.candidates.len())
            }
            _ => "given; no policy".to_string(),
        };
        let _ = writeln!(err, "tagbump: {} → {} ({why})", spec.name, r.reference);
    }
}

pub fn report(a: &UpdateArgs, o: &Outcome, out: &mut dyn Write) -> anyhow::Result<()> {
    match a.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, o)?;
            writeln!(out)?;
        }
        OutputFormat::Text => {
            if o.dry_run {
                write!(out, "{}", o.diff)?;
            }
            for b in &o.bumps {
                let old = if b.old.is_empty() {
                    "(new)".to_string()
                } else {
                    b.old.join(", ")
                };
                writeln!(out, "{}: {} → {} ({})", b.image, old, b.new, b.files.join(", "))?;
            }
            let head = o.parent.as_deref().map(short).unwrap_or_default();
            match (&o.commit, o.changed, o.dry_run) {
                (_, false, _) => writeln!(out, "tagbump: {} is up to date at {head}; nothing to commit", o.branch)?,
                (_, true, true) => writeln!(out, "tagbump: dry run: would commit to {} on top of {head}", o.branch)?,
                (Some(c), true, false) => {
                    let tries = if o.attempts > 1 {
                        format!(" after {} attempts", o.attempts)
                    } else {
                        String::new()
                    };
                    writeln!(out, "tagbump: committed {} to {}{tries}", short(c), o.branch)?;
                }
                (None, true, false) => {}
            }
            if let Some(pr) = &o.pull_request {
                writeln!(out, "tagbump: pull request #{} {}: {}", pr.number, pr.action, pr.url)?;
            }
            if let Some(d) = &o.dispatch {
                if let Some(url) = &d.run_url {
                    writeln!(out, "tagbump: dispatched workflow run {url}")?;
                } else if let Some(w) = &d.workflow {
                    writeln!(out, "tagbump: dispatched workflow {w}")?;
                }
                if let Some(e) = &d.event_type {
                    writeln!(out, "tagbump: sent repository_dispatch `{e}`")?;
                }
            }
        }
    }
    Ok(())
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}
