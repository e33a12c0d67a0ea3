//! The GitHub Action's runtime: `tagbump action`, which action.yml runs.
//!
//! It reads and checks the inputs ([`inputs`]), masks every secret before anything could
//! print it, runs `tagbump update` inside a log group, then writes the step's outputs
//! (`$GITHUB_OUTPUT`, [`outputs`]) and a summary (`$GITHUB_STEP_SUMMARY`, [`summary`]).
//! Problems in the user's files become `::error file=…,line=…::` annotations
//! ([`commands`]). Everything goes through the same code as the CLI; this module only
//! translates between the runner's conventions and it.

pub mod commands;
pub mod inputs;
pub mod outputs;
pub mod summary;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::cli::{Failure, update_outcome};
use crate::update::Outcome;

/// Run the Action with these environment variables; returns the exit code.
pub fn run(vars: &BTreeMap<String, String>, out: &mut dyn Write) -> u8 {
    match run_inner(vars, out) {
        Ok(()) => 0,
        Err(f) => {
            let text = format!("{:#}", f.error);
            for a in commands::annotations(&text) {
                let _ = writeln!(out, "{a}");
            }
            eprintln!("error: {text}");
            f.code
        }
    }
}

fn run_inner(vars: &BTreeMap<String, String>, out: &mut dyn Write) -> Result<(), Failure> {
    let io = |e: std::io::Error| Failure::new(Failure::IO, e);
    // Masks first: from here on the runner hides these values in every line.
    let inputs = inputs::read(vars).map_err(|errors| {
        Failure::new(
            Failure::USAGE,
            anyhow::anyhow!(
                "{}",
                errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
            ),
        )
    });
    let inputs = match inputs {
        Ok(i) => i,
        Err(f) => {
            // Mask whatever secret inputs were given, even when the inputs are refused.
            for name in ["token", "registry-password"] {
                if let Some(v) = vars.get(&inputs::var_name(name)).filter(|v| !v.trim().is_empty()) {
                    writeln!(out, "{}", commands::mask(v.trim())).map_err(io)?;
                }
            }
            return Err(f);
        }
    };
    for s in &inputs.secrets {
        writeln!(out, "{}", commands::mask(s)).map_err(io)?;
    }
    writeln!(out, "{}", commands::group("tagbump update")).map_err(io)?;
    out.flush().map_err(io)?;
    let result = update_outcome(&inputs.args, &inputs.env);
    if let Ok(o) = &result {
        let mut text = inputs.args.clone();
        text.format = crate::cli::OutputFormat::Text;
        crate::cli::report_update(&text, o, out).map_err(|e| Failure::new(Failure::IO, e))?;
    }
    writeln!(out, "{}", commands::END_GROUP).map_err(io)?;
    let outcome = result?;
    let web = web_url(vars, &outcome);
    if let Some(path) = vars.get("GITHUB_OUTPUT").filter(|p| !p.is_empty()) {
        outputs::write(Path::new(path), &output_values(&outcome)).map_err(io)?;
    }
    if let Some(path) = vars.get("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        let md = summary::markdown(&outcome, web.as_deref());
        let mut f = fs_err::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .map_err(io)?;
        f.write_all(md.as_bytes()).map_err(io)?;
    }
    Ok(())
}

/// The config repo's web URL, when it is on the GitHub server of this run.
fn web_url(vars: &BTreeMap<String, String>, o: &Outcome) -> Option<String> {
    let server = vars
        .get("GITHUB_SERVER_URL")
        .map(|s| s.trim_end_matches('/').to_string())
        .unwrap_or_else(|| "https://github.com".into());
    let repo = o
        .repository
        .strip_prefix(&format!("{server}/"))?
        .trim_end_matches(".git");
    Some(format!("{server}/{repo}"))
}

/// The step outputs action.yml declares.
pub fn output_values(o: &Outcome) -> Vec<(&'static str, String)> {
    let pr = o.pull_request.as_ref();
    let run_url = o.dispatch.as_ref().and_then(|d| d.run_url.clone());
    vec![
        ("changed", o.changed.to_string()),
        (
            "commit-sha",
            if o.dry_run {
                String::new()
            } else {
                o.commit.clone().unwrap_or_default()
            },
        ),
        ("branch", o.branch.clone()),
        ("pr-number", pr.map(|p| p.number.to_string()).unwrap_or_default()),
        ("pr-url", pr.map(|p| p.url.clone()).unwrap_or_default()),
        ("dispatch-run-url", run_url.unwrap_or_default()),
        ("bumps", serde_json::to_string(&o.bumps).unwrap_or_else(|_| "[]".into())),
    ]
}
