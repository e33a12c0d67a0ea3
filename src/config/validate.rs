//! From [`RawConfig`] plus [`Overrides`] to a checked [`Config`], collecting every error.

use serde_saphyr::Spanned;

use super::error::{ConfigError, ConfigErrors, Origin};
use super::overrides::Overrides;
use super::raw::{RawConfig, RawImage};
use super::template::Template;
use super::*;
use crate::image::{self, ImageRef, Part};
use crate::policy::{Filter, Ignore, Policy, ignore};
use crate::registry::Platform;

/// Default attempts at a push that loses a race.
pub const DEFAULT_ATTEMPTS: u32 = 10;
const DEFAULT_MAX_BUILDS: usize = 100;

pub fn parse_raw(file: &str, text: &str) -> Result<RawConfig, ConfigError> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
    };
    if text.trim().is_empty() {
        return Ok(RawConfig::default());
    }
    serde_saphyr::from_str_with_options::<RawConfig>(text, options).map_err(|e| {
        let origin = match e.location() {
            Some(loc) => Origin::at(file, loc),
            None => Origin::File {
                file: file.to_string(),
                line: 1,
                column: 1,
            },
        };
        // The message without the snippet and without its own "line X column Y:" prefix.
        let text = e.without_snippet().to_string();
        let message = strip_location(&text).to_string();
        ConfigError::Syntax { origin, message }
    })
}

fn strip_location(text: &str) -> &str {
    let t = text.trim_start_matches("error: ");
    match t.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") && head.contains(" column ") => rest,
        _ => t,
    }
}

/// Collects errors while building.
struct Check<'a> {
    file: &'a str,
    errors: Vec<ConfigError>,
}

impl Check<'_> {
    fn origin<T>(&self, s: &Spanned<T>) -> Origin {
        Origin::at(self.file, s.referenced)
    }

    fn fail(&mut self, origin: Origin, field: impl Into<String>, message: impl std::fmt::Display) {
        self.errors.push(ConfigError::invalid(origin, field, message));
    }

    /// A value from a flag if given, else from the file.
    fn pick(&self, flag: Option<&String>, flag_name: &str, file: Option<&Spanned<String>>) -> Option<(String, Origin)> {
        match (flag, file) {
            (Some(v), _) => Some((v.clone(), Origin::Flag(flag_name.to_string()))),
            (None, Some(s)) => Some((s.value.clone(), self.origin(s))),
            (None, None) => None,
        }
    }

    fn template(&mut self, value: Option<(String, Origin)>, default: &str, field: &str) -> Template {
        match value {
            Some((text, origin)) => match Template::parse(&text) {
                Ok(t) => t,
                Err(e) => {
                    self.fail(origin, field, e);
                    Template::parse(default).expect("default templates parse")
                }
            },
            None => Template::parse(default).expect("default templates parse"),
        }
    }
}

pub fn build(file: &str, raw: RawConfig, o: &Overrides) -> Result<Config, ConfigErrors> {
    let mut c = Check {
        file,
        errors: Vec::new(),
    };

    let images = images(&mut c, &raw, o);
    let files = match o.files.is_empty() {
        false => o
            .files
            .iter()
            .map(|f| (f.clone(), Origin::Flag("--path".into())))
            .collect(),
        true => raw
            .files
            .iter()
            .map(|f| (f.value.clone(), c.origin(f)))
            .collect::<Vec<_>>(),
    };
    for (f, origin) in &files {
        check_path(&mut c, f, origin.clone(), "files");
    }
    let files: Vec<String> = files.into_iter().map(|(f, _)| f).collect();

    let git_raw = raw.git.unwrap_or_default();
    let repository = c.pick(o.repository.as_ref(), "--repo", git_raw.repository.as_ref());
    if let Some((url, origin)) = &repository {
        check_repository(&mut c, url, origin.clone(), "git.repository");
    }
    let branch = c.pick(o.branch.as_ref(), "--branch", git_raw.branch.as_ref());
    if let Some((b, origin)) = &branch {
        check_branch(&mut c, b, origin.clone(), "git.branch");
    }
    let gh_raw = raw.github.unwrap_or_default();
    let gh_repo = c.pick(
        o.github_repository.as_ref(),
        "--github-repository",
        gh_raw.repository.as_ref(),
    );
    if let Some((r, origin)) = &gh_repo {
        check_owner_name(&mut c, r, origin.clone(), "github.repository");
    }

    let w = raw.write.unwrap_or_default();
    let mode = match c.pick(o.mode.as_ref(), "--mode", w.mode.as_ref()) {
        None => Mode::Push,
        Some((m, origin)) => match m.as_str() {
            "push" => Mode::Push,
            "pull-request" | "pr" => Mode::PullRequest,
            other => {
                c.fail(
                    origin,
                    "write.mode",
                    format!("unknown mode `{other}`: expected push or pull-request"),
                );
                Mode::Push
            }
        },
    };
    let via = match c.pick(o.via.as_ref(), "--via", w.via.as_ref()) {
        None => Via::Git,
        Some((v, origin)) => match v.as_str() {
            "git" => Via::Git,
            "api" => Via::Api,
            other => {
                c.fail(
                    origin,
                    "write.via",
                    format!("unknown value `{other}`: expected git or api"),
                );
                Via::Git
            }
        },
    };
    let message = c.template(
        c.pick(o.message.as_ref(), "--message", w.message.as_ref()),
        DEFAULT_MESSAGE,
        "write.message",
    );
    let (name_raw, email_raw) = match &w.author {
        Some(a) => (Some(&a.name), Some(&a.email)),
        None => (None, None),
    };
    let author_name = c.pick(o.author_name.as_ref(), "--author-name", name_raw);
    let author_email = c.pick(o.author_email.as_ref(), "--author-email", email_raw);
    let author = Identity {
        name: author_name.map(|(n, _)| n).unwrap_or_else(|| ACTIONS_BOT_NAME.into()),
        email: match author_email {
            Some((e, origin)) => {
                if e.contains(['<', '>', '\n']) || !e.contains('@') {
                    c.fail(origin, "write.author.email", format!("`{e}` is not an e-mail address"));
                }
                e
            }
            None => ACTIONS_BOT_EMAIL.into(),
        },
    };
    let attempts = o.attempts.or(w.attempts).unwrap_or(DEFAULT_ATTEMPTS);
    if !(1..=100).contains(&attempts) {
        let origin = if o.attempts.is_some() {
            Origin::Flag("--attempts".into())
        } else {
            Origin::File {
                file: file.into(),
                line: 1,
                column: 1,
            }
        };
        c.fail(
            origin,
            "write.attempts",
            format!("{attempts} is out of range (1 to 100)"),
        );
    }

    let p = raw.pull_request.unwrap_or_default();
    let pull_request = PullRequestSpec {
        branch: c.template(
            c.pick(o.work_branch.as_ref(), "--work-branch", p.branch.as_ref()),
            DEFAULT_WORK_BRANCH,
            "pull_request.branch",
        ),
        title: c.template(
            c.pick(o.pr_title.as_ref(), "--pr-title", p.title.as_ref()),
            DEFAULT_PR_TITLE,
            "pull_request.title",
        ),
        body: c.template(
            c.pick(o.pr_body.as_ref(), "--pr-body", p.body.as_ref()),
            DEFAULT_PR_BODY,
            "pull_request.body",
        ),
        labels: if o.labels.is_empty() {
            p.labels
        } else {
            o.labels.clone()
        },
        reviewers: if o.reviewers.is_empty() {
            p.reviewers
        } else {
            o.reviewers.clone()
        },
        team_reviewers: if o.team_reviewers.is_empty() {
            p.team_reviewers
        } else {
            o.team_reviewers.clone()
        },
        draft: o.draft.or(p.draft).unwrap_or(false),
    };

    let d = raw.dispatch.unwrap_or_default();
    let workflow = c.pick(o.dispatch_workflow.as_ref(), "--dispatch-workflow", d.workflow.as_ref());
    let git_ref = c.pick(o.dispatch_ref.as_ref(), "--dispatch-ref", d.git_ref.as_ref());
    let mut inputs: BTreeMap<String, String> = d.inputs.into_iter().map(|(k, v)| (k, v.value)).collect();
    inputs.extend(o.dispatch_inputs.clone());
    let event = c.pick(o.dispatch_event.as_ref(), "--dispatch-event", d.event_type.as_ref());
    let dispatch_repo = c.pick(
        o.dispatch_repository.as_ref(),
        "--dispatch-repository",
        d.repository.as_ref(),
    );
    if let Some((r, origin)) = &dispatch_repo {
        check_owner_name(&mut c, r, origin.clone(), "dispatch.repository");
    }
    if let Some((e, origin)) = &event
        && !(1..=100).contains(&e.chars().count())
    {
        c.fail(
            origin.clone(),
            "dispatch.event_type",
            "must be 1 to 100 characters (GitHub's limit)",
        );
    }
    if inputs.len() > 25 {
        c.fail(
            Origin::Flag("dispatch.inputs".into()),
            "dispatch.inputs",
            format!("{} inputs; GitHub accepts at most 25", inputs.len()),
        );
    }
    if workflow.is_none() && (!inputs.is_empty() || git_ref.is_some()) {
        c.fail(
            git_ref
                .as_ref()
                .map(|(_, o)| o.clone())
                .unwrap_or(Origin::Flag("dispatch.inputs".into())),
            "dispatch",
            "inputs and ref need a workflow to dispatch (dispatch.workflow)",
        );
    }
    let dispatch = DispatchSpec {
        workflow: workflow.map(|(w, _)| WorkflowDispatch {
            workflow: w,
            git_ref: git_ref.map(|(r, _)| r),
            inputs,
        }),
        event: event.map(|(e, _)| RepositoryDispatch { event_type: e }),
        repository: dispatch_repo.map(|(r, _)| r),
    };

    let name = match c.pick(o.name.as_ref(), "--name", raw.name.as_ref()) {
        Some((n, origin)) => {
            if n.is_empty() || n.contains(|ch: char| ch.is_whitespace() || ch == '~' || ch == '^' || ch == ':') {
                c.fail(origin, "name", format!("`{n}` cannot be part of a branch name"));
            }
            n
        }
        None if images.len() == 1 => images[0].name.clone(),
        None => "images".into(),
    };

    if c.errors.is_empty() && images.is_empty() {
        c.errors.push(ConfigError::invalid(
            if file.is_empty() {
                Origin::Flag("--image".into())
            } else {
                Origin::File {
                    file: file.into(),
                    line: 1,
                    column: 1,
                }
            },
            "images",
            "no images to bump: list them under `images:` or pass --image",
        ));
    }
    if !c.errors.is_empty() {
        return Err(ConfigErrors(c.errors));
    }
    Ok(Config {
        name,
        images,
        files,
        git: GitSpec {
            repository: repository.map(|(r, _)| r),
            branch: branch.map(|(b, _)| b),
        },
        github: GitHubSpec {
            repository: gh_repo.map(|(r, _)| r),
        },
        write: WriteSpec {
            mode,
            via,
            message,
            author,
            attempts,
        },
        pull_request,
        dispatch,
    })
}

/// The file's images, narrowed and extended by `--image`.
fn images(c: &mut Check, raw: &RawConfig, o: &Overrides) -> Vec<ImageSpec> {
    let mut out: Vec<ImageSpec> = raw
        .images
        .iter()
        .enumerate()
        .filter_map(|(i, r)| image(c, i, r, o))
        .collect();
    if o.images.is_empty() {
        return out;
    }
    let mut selected = vec![false; out.len()];
    let mut added = Vec::new();
    for arg in &o.images {
        let origin = Origin::Flag("--image".into());
        let parsed = match ImageRef::parse(arg) {
            Ok(r) => r,
            Err(e) => {
                c.fail(origin, "images", format!("invalid image `{arg}`: {e}"));
                continue;
            }
        };
        // `shop:1.5.0` names the file's image called `shop`; else match by image name.
        let bare = arg.split(['@']).next().unwrap_or(arg);
        let short = bare
            .rsplit_once(':')
            .filter(|(_, t)| !t.contains('/'))
            .map_or(bare, |(n, _)| n);
        let found = out
            .iter()
            .position(|s| s.name == short)
            .or_else(|| out.iter().position(|s| image::same_name(&s.image.name, &parsed.name)));
        match found {
            Some(i) => {
                selected[i] = true;
                if parsed.tag.is_some() || parsed.digest.is_some() {
                    out[i].image.tag = parsed.tag;
                    out[i].image.digest = parsed.digest;
                    out[i].policy = None;
                }
            }
            None => {
                let policy = match (&o.policy, parsed.tag.is_some() || parsed.digest.is_some()) {
                    (_, true) => None,
                    (Some(p), false) => match Policy::parse(p) {
                        Ok(p) => Some(p),
                        Err(e) => {
                            c.fail(Origin::Flag("--policy".into()), "policy", e);
                            None
                        }
                    },
                    (None, false) => Some(Policy::parse("semver").expect("the default policy parses")),
                };
                added.push(ImageSpec {
                    name: short_name(&parsed),
                    policy,
                    filter: None,
                    ignore: Ignore::new(ignore::DEFAULT.iter().map(|s| s.to_string()).collect()),
                    platform: Platform::parse("linux/amd64").expect("valid platform"),
                    pin_digest: false,
                    max_builds: DEFAULT_MAX_BUILDS,
                    files: Vec::new(),
                    helm_keys: Vec::new(),
                    kcl_paths: Vec::new(),
                    flux_policies: Vec::new(),
                    origin,
                    image: parsed,
                });
            }
        }
    }
    let mut kept: Vec<ImageSpec> = out
        .into_iter()
        .zip(selected)
        .filter(|(_, s)| *s)
        .map(|(i, _)| i)
        .collect();
    kept.extend(added);
    kept
}

fn short_name(r: &ImageRef) -> String {
    r.name.rsplit('/').next().unwrap_or(&r.name).to_string()
}

fn image(c: &mut Check, i: usize, r: &RawImage, o: &Overrides) -> Option<ImageSpec> {
    let field = |f: &str| format!("images[{i}].{f}");
    let origin = c.origin(&r.image);
    let image = match ImageRef::parse(&r.image.value) {
        Ok(img) => img,
        Err(e) => {
            c.fail(
                origin,
                field("image"),
                format!("invalid image `{}`: {e}", r.image.value),
            );
            return None;
        }
    };
    let fixed = image.tag.is_some() || image.digest.is_some();
    let policy = match (&r.policy, &o.policy) {
        (Some(p), _) => match Policy::parse(&p.value) {
            Ok(p) => Some(p),
            Err(e) => {
                c.fail(c.origin(p), field("policy"), e);
                None
            }
        },
        (None, Some(p)) if !fixed => match Policy::parse(p) {
            Ok(p) => Some(p),
            Err(e) => {
                c.fail(Origin::Flag("--policy".into()), "policy", e);
                None
            }
        },
        (None, _) if fixed => None,
        (None, _) => Some(Policy::parse("semver").expect("the default policy parses")),
    };
    if let (Some(Policy::Digest), None) = (&policy, &image.tag) {
        c.fail(
            origin.clone(),
            field("policy"),
            "the digest policy pins the digest of a tag: give the image a tag (`image: NAME:TAG`)",
        );
    }
    let filter = match &r.filter {
        Some(f) => match Filter::new(&f.value, r.extract.as_ref().map(|e| e.value.as_str())) {
            Ok(f) => Some(f),
            Err(e) => {
                c.fail(c.origin(f), field("filter"), e);
                None
            }
        },
        None => {
            if let Some(e) = &r.extract {
                c.fail(
                    c.origin(e),
                    field("extract"),
                    "extract needs a filter with the named group it refers to",
                );
            }
            None
        }
    };
    let mut patterns: Vec<String> = if r.default_ignore == Some(false) {
        Vec::new()
    } else {
        ignore::DEFAULT.iter().map(|s| s.to_string()).collect()
    };
    patterns.extend(r.ignore.iter().cloned());
    let platform = match &r.platform {
        Some(p) => match Platform::parse(&p.value) {
            Ok(p) => p,
            Err(e) => {
                c.fail(c.origin(p), field("platform"), e);
                Platform::parse("linux/amd64").expect("valid platform")
            }
        },
        None => Platform::parse("linux/amd64").expect("valid platform"),
    };
    let name = match &r.name {
        Some(n) => {
            if n.value.is_empty() || n.value.contains(char::is_whitespace) {
                c.fail(
                    c.origin(n),
                    field("name"),
                    format!("`{}` is not a valid name (no spaces)", n.value),
                );
            }
            n.value.clone()
        }
        None => short_name(&image),
    };
    for f in &r.files {
        check_path(c, &f.value, c.origin(f), &field("files"));
    }
    let mut helm_keys = Vec::new();
    for k in &r.helm_keys {
        let (path, part) = match k.value.rsplit_once('=') {
            None => (k.value.as_str(), Some(Part::Tag)),
            Some((p, part)) => (
                p,
                match part {
                    "tag" => Some(Part::Tag),
                    "name" => Some(Part::Name),
                    "digest" => Some(Part::Digest),
                    "full" => Some(Part::Full),
                    _ => None,
                },
            ),
        };
        match part {
            Some(part) if !path.is_empty() => helm_keys.push((path.to_string(), part)),
            _ => c.fail(
                c.origin(k),
                field("helm_keys"),
                format!("`{}`: expected KEY.PATH or KEY.PATH=tag|name|digest|full", k.value),
            ),
        }
    }
    for f in &r.flux_policies {
        if f.value.split(':').count() != 2 || f.value.split(':').any(str::is_empty) {
            c.fail(
                c.origin(f),
                field("flux_policies"),
                format!("`{}`: expected NAMESPACE:NAME", f.value),
            );
        }
    }
    if let Some(0) = r.max_builds {
        c.fail(origin.clone(), field("max_builds"), "must be at least 1");
    }
    Some(ImageSpec {
        name,
        image,
        policy,
        filter,
        ignore: Ignore::new(patterns),
        platform,
        pin_digest: r.digest.unwrap_or(false),
        max_builds: r.max_builds.unwrap_or(DEFAULT_MAX_BUILDS).max(1),
        files: r.files.iter().map(|f| f.value.clone()).collect(),
        helm_keys,
        kcl_paths: r.kcl_paths.iter().map(|k| k.value.clone()).collect(),
        flux_policies: r.flux_policies.iter().map(|f| f.value.clone()).collect(),
        origin,
    })
}

fn check_path(c: &mut Check, path: &str, origin: Origin, field: &str) {
    if path.is_empty() {
        c.fail(origin, field, "empty path");
    } else if path.starts_with('/') {
        c.fail(
            origin,
            field,
            format!("`{path}` is absolute; paths are relative to the config repo's root"),
        );
    } else if path.split('/').any(|s| s == "..") {
        c.fail(origin, field, format!("`{path}` leaves the config repo (`..`)"));
    }
}

fn check_repository(c: &mut Check, url: &str, origin: Origin, field: &str) {
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority = rest.split('/').next().unwrap_or("");
        if authority.contains('@') {
            c.fail(
                origin,
                field,
                "the URL carries credentials; tagbump never puts a secret in a URL\nhint: give the token through GITHUB_TOKEN (or TAGBUMP_GIT_TOKEN) instead",
            );
        } else if !matches!(scheme, "https" | "http" | "file") {
            c.fail(
                origin,
                field,
                format!("unsupported scheme `{scheme}://`: use https://, http:// (loopback) or file://"),
            );
        }
    } else if url.contains('@') && url.contains(':') {
        c.fail(
            origin,
            field,
            "SSH URLs are not supported: tagbump pushes over HTTPS with a token",
        );
    }
}

fn check_owner_name(c: &mut Check, repo: &str, origin: Origin, field: &str) {
    let ok = matches!(repo.split('/').collect::<Vec<_>>().as_slice(), [o, n] if !o.is_empty() && !n.is_empty()
        && repo.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_./".contains(ch)));
    if !ok {
        c.fail(origin, field, format!("`{repo}`: expected OWNER/NAME"));
    }
}

/// The rules of `git check-ref-format` that a user can plausibly break.
pub fn branch_problem(b: &str) -> Option<&'static str> {
    if b.is_empty() {
        return Some("empty branch name");
    }
    if b.starts_with('-') || b.starts_with('/') || b.ends_with('/') || b.ends_with('.') || b.ends_with(".lock") {
        return Some("a branch name cannot start with `-` or `/`, or end with `/`, `.` or `.lock`");
    }
    if b.contains("..") || b.contains("//") || b.contains("@{") || b == "@" {
        return Some("a branch name cannot contain `..`, `//` or `@{`");
    }
    if b.chars().any(|ch| ch.is_control() || " ~^:?*[\\".contains(ch)) {
        return Some("a branch name cannot contain spaces or any of ~ ^ : ? * [ \\");
    }
    None
}

fn check_branch(c: &mut Check, b: &str, origin: Origin, field: &str) {
    let b = b.strip_prefix("refs/heads/").unwrap_or(b);
    if let Some(problem) = branch_problem(b) {
        c.fail(origin, field, format!("`{b}`: {problem}"));
    }
}
