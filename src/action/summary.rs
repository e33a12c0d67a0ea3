//! The step summary (`$GITHUB_STEP_SUMMARY`): what happened, at a glance, on the run's page.

use crate::update::Outcome;

/// Markdown for an outcome. `web` is the GitHub web URL of the config repo
/// (`https://github.com/acme/config`) when known, for links.
pub fn markdown(o: &Outcome, web: Option<&str>) -> String {
    let mut md = String::from("### tagbump\n\n");
    let short = |s: &str| s.chars().take(12).collect::<String>();
    let commit = |sha: &str| match web {
        Some(w) => format!("[`{}`]({w}/commit/{sha})", short(sha)),
        None => format!("`{}`", short(sha)),
    };
    match (o.changed, o.dry_run, &o.commit) {
        (false, _, _) => md.push_str(&format!("Nothing to change: `{}` is up to date.\n", o.base)),
        (true, true, _) => md.push_str(&format!(
            "**Dry run**: nothing was written. The change for `{}`:\n",
            o.base
        )),
        (true, false, Some(c)) if o.unchanged => {
            md.push_str(&format!("`{}` already holds this change at {}.\n", o.branch, commit(c)));
        }
        (true, false, Some(c)) => {
            let tries = if o.attempts > 1 {
                format!(" (after {} attempts: other runs pushed first)", o.attempts)
            } else {
                String::new()
            };
            let verified = if o.verified == Some(true) { ", Verified" } else { "" };
            md.push_str(&format!(
                "Committed {} to `{}`{verified}{tries}.\n",
                commit(c),
                o.branch
            ));
        }
        (true, false, None) => {}
    }
    if !o.bumps.is_empty() {
        md.push_str("\n| Image | Old | New | Files |\n| --- | --- | --- | --- |\n");
        for b in &o.bumps {
            let old = if b.old.is_empty() {
                "(new)".to_string()
            } else {
                b.old.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
            };
            let files = b
                .files
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join("<br>");
            md.push_str(&format!("| `{}` | {old} | `{}` | {files} |\n", b.image, b.new));
        }
    }
    if let Some(pr) = &o.pull_request {
        md.push_str(&format!("\nPull request [#{}]({}) {}.\n", pr.number, pr.url, pr.action));
    }
    if let Some(d) = &o.dispatch {
        match (&d.run_url, &d.workflow) {
            (Some(url), Some(w)) => md.push_str(&format!("\nDispatched `{w}`: [run]({url}).\n")),
            (None, Some(w)) => md.push_str(&format!("\nDispatched `{w}`.\n")),
            _ => {}
        }
        if let Some(e) = &d.event_type {
            md.push_str(&format!("\nSent `repository_dispatch` `{e}`.\n"));
        }
    }
    if o.dry_run && !o.diff.is_empty() {
        md.push_str(&format!(
            "\n<details><summary>Diff</summary>\n\n```diff\n{}```\n\n</details>\n",
            o.diff
        ));
    }
    md
}
