//! Unified diffs of edited files, `git diff` style, for `--dry-run`.

use std::fmt::Write;

use similar::TextDiff;

/// A unified diff of one file with `a/` and `b/` headers and three lines of context.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    let mut out = String::new();
    let _ = write!(
        out,
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(&format!("a/{path}"), &format!("b/{path}"))
    );
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn shows_only_the_changed_line() {
        let d = super::unified("x.yaml", "a: 1\nb: 2\n", "a: 1\nb: 3\n");
        assert!(d.starts_with("--- a/x.yaml\n+++ b/x.yaml\n"), "{d}");
        assert!(d.contains("-b: 2\n+b: 3\n"), "{d}");
    }
}
