//! Why a resolution failed: the registry failed, or no tag satisfies the policy (with a
//! count of the reasons, so "0 of 412 tags" does not send the user hunting).

use std::collections::BTreeMap;

use crate::policy::select::{Candidate, Verdict};
use crate::registry::RegistryError;

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Registry(#[from] RegistryError),

    #[error("no tag of {repository} satisfies {policy} ({summary})\nhint: run with --explain to see every tag and why")]
    NoTag {
        repository: String,
        policy: String,
        summary: String,
        /// Every tag with its verdict, for `--explain`.
        candidates: Vec<Candidate>,
    },
}

/// `12 tags: 10 outside the range, 2 not semantic versions`.
pub(super) fn summary(candidates: &[Candidate]) -> String {
    if candidates.is_empty() {
        return "the repository has no tags".into();
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in candidates {
        let reason = match &c.verdict {
            Verdict::Ignored(_) => "ignored",
            Verdict::Filtered(_) => "filtered out",
            Verdict::Unusable(why) if why.starts_with("outside the range") => "outside the range",
            Verdict::Unusable(why) if why.starts_with("not a semantic version") => "not semantic versions",
            Verdict::Unusable(why) if why.starts_with("not a number") => "not numbers",
            Verdict::Unusable(why) if why.starts_with("no image for") => "without the platform",
            Verdict::Unusable(_) => "unusable",
            Verdict::NotExamined(_) => "not examined",
            Verdict::Chosen | Verdict::Eligible | Verdict::Beaten(_) => "other",
        };
        *counts.entry(reason).or_default() += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
    let n = candidates.len();
    format!("{n} tag{}: {}", if n == 1 { "" } else { "s" }, parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(tag: &str, verdict: Verdict) -> Candidate {
        Candidate {
            tag: tag.into(),
            key: tag.into(),
            verdict,
        }
    }

    #[test]
    fn summaries_count_reasons() {
        assert_eq!(summary(&[]), "the repository has no tags");
        let list = [
            c("a", Verdict::Unusable("outside the range: x".into())),
            c("b", Verdict::Unusable("outside the range: y".into())),
            c("latest", Verdict::Unusable("not a semantic version: \"latest\"".into())),
            c("x.sig", Verdict::Ignored("*.sig".into())),
        ];
        assert_eq!(
            summary(&list),
            "4 tags: 1 ignored, 1 not semantic versions, 2 outside the range"
        );
    }
}
