//! `tagbump set`: write tags and digests into every matching field under the given paths.
//!
//! Two phases, so that a run that cannot finish leaves the tree as it was: first every file
//! is read and edited in memory (and every failure collected and reported, not only the
//! first), then, only if all succeeded, the edited files are written, each atomically.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use serde::Serialize;

use super::args::{OutputFormat, SetArgs};
use super::exit::Failure;
use crate::bump::{self, Planned, TreeError, TreeOptions};
use crate::edit::file::FileEdit;
use crate::edit::request::{KclPath, ValuesKey};
use crate::edit::{Request, Target};
use crate::image::Part;
use crate::write;

/// What a `set` run did.
#[derive(Debug, Default)]
pub struct SetOutcome {
    pub files: Vec<FileEdit>,
}

impl SetOutcome {
    pub fn changed(&self) -> bool {
        !self.files.is_empty()
    }

    /// Exit code: 1 when `--check` finds a change, else 0.
    pub fn exit_code(&self, check: bool) -> u8 {
        u8::from(check && self.changed())
    }
}

/// One edit, as `--format json` prints it.
#[derive(Debug, Serialize)]
struct JsonEdit<'a> {
    file: String,
    line: usize,
    old: &'a str,
    new: &'a str,
}

fn usage(e: impl Into<anyhow::Error>) -> Failure {
    Failure::new(Failure::USAGE, e)
}

/// Pick the target an option refers to: by image name when given, else the only image.
fn pick_target(targets: &[Target], name: Option<&str>, what: &str, sep: char) -> Result<usize, Failure> {
    match name {
        Some(n) => targets
            .iter()
            .position(|t| t.matches_name(n))
            .ok_or_else(|| usage(anyhow!("{what}: `{n}` is not one of the images given"))),
        None if targets.len() == 1 => Ok(0),
        None => Err(usage(anyhow!(
            "{what}: several images are given; say which one with `{sep}IMAGE-NAME`"
        ))),
    }
}

/// Turn the arguments into a request for the editors.
pub fn request(args: &SetArgs) -> Result<Request, Failure> {
    let targets = args
        .images
        .iter()
        .map(|i| Target::parse(i).map_err(usage))
        .collect::<Result<Vec<_>, _>>()?;
    let mut req = Request {
        targets,
        ..Request::default()
    };
    for f in &args.flux_policies {
        let (policy, name) = match f.split_once('=') {
            Some((p, n)) => (p, Some(n)),
            None => (f.as_str(), None),
        };
        if policy.split(':').count() != 2 || policy.split(':').any(str::is_empty) {
            return Err(usage(anyhow!("--flux-policy `{f}`: expected NAMESPACE:NAME[=IMAGE]")));
        }
        let t = pick_target(&req.targets, name, &format!("--flux-policy {f}"), '=')?;
        req.flux_policies.push((policy.to_string(), t));
    }
    // `@IMAGE` names the image an explicit path belongs to (key paths hold no `@`).
    let split_image = |a: &str| -> (String, Option<String>) {
        match a.split_once('@') {
            Some((p, i)) => (p.to_string(), Some(i.to_string())),
            None => (a.to_string(), None),
        }
    };
    for k in &args.values_keys {
        let (spec, image) = split_image(k);
        let (path, part) = match spec.rsplit_once('=') {
            Some((p, "tag")) => (p, Part::Tag),
            Some((p, "name")) => (p, Part::Name),
            Some((p, "digest")) => (p, Part::Digest),
            Some((p, "full")) => (p, Part::Full),
            Some((_, other)) => {
                return Err(usage(anyhow!(
                    "--values-key {k}: unknown part `{other}` (expected tag, name, digest or full)"
                )));
            }
            None => (spec.as_str(), Part::Tag),
        };
        let t = pick_target(&req.targets, image.as_deref(), &format!("--values-key {k}"), '@')?;
        req.values_keys.push(ValuesKey {
            path: path.to_string(),
            part,
            target: t,
        });
    }
    for a in &args.kcl_paths {
        let (p, image) = split_image(a);
        let t = pick_target(&req.targets, image.as_deref(), &format!("--kcl-path {a}"), '@')?;
        req.kcl_paths.push(KclPath { path: p, target: t });
    }
    Ok(req)
}

/// Run `set`: edit in memory, report, and write unless `--dry-run` or `--check`.
pub fn run_set(args: &SetArgs, out: &mut dyn Write) -> Result<SetOutcome, Failure> {
    let req = request(args)?;
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let opts = TreeOptions {
        add_entries: args.add_entry,
        max_file_size: args.max_file_size,
    };
    let files = bump::edit_tree(
        &args.root,
        &paths,
        |c| {
            Some(Planned {
                request: req.clone(),
                explicit: c.explicit,
            })
        },
        opts,
    )
    .map_err(|e| match &e {
        TreeError::Scan(_) if !e.is_io() => usage(e),
        _ if e.is_io() => Failure::new(Failure::IO, e),
        _ => Failure::new(Failure::EDIT, e),
    })?;
    let outcome = SetOutcome { files };

    report(args, &outcome, out).map_err(|e| Failure::new(Failure::IO, e))?;
    if !args.dry_run && !args.check {
        bump::write_all(&args.root, &outcome.files)
            .context("writing the edited files")
            .map_err(|e| Failure::new(Failure::IO, e))?;
    }
    Ok(outcome)
}

fn report(args: &SetArgs, outcome: &SetOutcome, out: &mut dyn Write) -> anyhow::Result<()> {
    // Standard output flushes at every line break; a report of thousands of edits would be
    // as many writes.
    let mut out = BufWriter::new(out);
    let show = |p: &Path| p.display().to_string();
    match args.format {
        OutputFormat::Json => {
            let edits: Vec<JsonEdit> = outcome
                .files
                .iter()
                .flat_map(|f| {
                    f.splices.iter().map(|s| JsonEdit {
                        file: show(&f.path),
                        line: s.line,
                        old: &s.old,
                        new: &s.new,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &edits)?;
            writeln!(out)?;
        }
        OutputFormat::Text if args.dry_run || args.check => {
            for f in &outcome.files {
                write!(out, "{}", write::diff::unified(&show(&f.path), &f.original, &f.updated))?;
            }
        }
        OutputFormat::Text => {
            for f in &outcome.files {
                for s in &f.splices {
                    let path = show(&f.path);
                    if s.text.is_empty() {
                        writeln!(out, "{path}:{}: removed {}", s.line, s.old)?;
                    } else if s.range.is_empty() {
                        writeln!(out, "{path}:{}: added {}", s.line, s.new)?;
                    } else {
                        writeln!(out, "{path}:{}: {} -> {}", s.line, s.old, s.new)?;
                    }
                }
            }
        }
    }
    out.flush()?;
    let n: usize = outcome.files.iter().map(|f| f.splices.len()).sum();
    let verb = if args.dry_run || args.check {
        "would change"
    } else {
        "changed"
    };
    eprintln!(
        "tagbump: {verb} {n} field{} in {} file{}",
        plural(n),
        outcome.files.len(),
        plural(outcome.files.len())
    );
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
