//! The human explanation of a resolution: the chosen tag first, then every other tag in
//! the registry's order with its verdict (`tagbump resolve --explain`, `tagbump update
//! --dry-run --explain`).

use std::io::Write;

use super::Request;
use crate::policy::Policy;
use crate::policy::select::{Candidate, Verdict};
use crate::registry::RequestCounts;

/// The human explanation, on stderr: the chosen tag first, then every other tag in the
/// registry's order with its verdict.
pub fn write_text(
    err: &mut dyn Write,
    req: &Request,
    candidates: &[Candidate],
    requests: Option<RequestCounts>,
) -> std::io::Result<()> {
    writeln!(
        err,
        "{}: policy {}, {} tag{}{}",
        crate::registry::Repository::of(&req.image),
        req.policy,
        candidates.len(),
        if candidates.len() == 1 { "" } else { "s" },
        match &req.policy {
            Policy::NewestBuild => format!(", platform {}", req.platform),
            _ => String::new(),
        }
    )?;
    let width = candidates.iter().map(|c| shown(c).len()).max().unwrap_or(0).min(48);
    let chosen = candidates.iter().filter(|c| c.verdict == Verdict::Chosen);
    let rest = candidates.iter().filter(|c| c.verdict != Verdict::Chosen);
    for c in chosen.chain(rest) {
        writeln!(err, "  {:width$}  {}", shown(c), c.verdict)?;
    }
    if let Some(requests) = requests {
        writeln!(
            err,
            "requests: {} to the registry, {} to its token server, {} retr{}",
            requests.registry,
            requests.token,
            requests.retries,
            if requests.retries == 1 { "y" } else { "ies" }
        )?;
    }
    Ok(())
}

fn shown(c: &Candidate) -> String {
    if c.key == c.tag {
        c.tag.clone()
    } else {
        format!("{} ({})", c.tag, c.key)
    }
}
