//! Flux's `filterTags`: a regex a tag must match, and an optional template (`$v`,
//! `${ts}`) built from its groups that becomes the value the policy compares.
//!
//! Flux expands the template with Go's `Regexp.ExpandString`; the `regex` crate's
//! `Captures::expand` has the same syntax (`$name` is the longest run of letters, digits and
//! `_`; `${name}` delimits; `$$` is a dollar), so templates carry over unchanged.

use regex::Regex;

#[derive(Debug, Clone)]
pub struct Filter {
    pattern: Regex,
    extract: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    #[error("invalid --filter regex: {0}")]
    Regex(#[from] regex::Error),
    #[error("--extract {template:?} names group {group:?}, which --filter {pattern:?} does not have")]
    UnknownGroup {
        template: String,
        group: String,
        pattern: String,
    },
}

impl Filter {
    pub fn new(pattern: &str, extract: Option<&str>) -> Result<Filter, FilterError> {
        let regex = Regex::new(pattern)?;
        if let Some(template) = extract {
            for group in template_groups(template) {
                let known = match group.parse::<usize>() {
                    Ok(i) => i < regex.captures_len(),
                    Err(_) => regex.capture_names().flatten().any(|n| n == group),
                };
                if !known {
                    return Err(FilterError::UnknownGroup {
                        template: template.to_string(),
                        group,
                        pattern: pattern.to_string(),
                    });
                }
            }
        }
        Ok(Filter {
            pattern: regex,
            extract: extract.map(str::to_string),
        })
    }

    /// The value to compare for a tag, or `None` when the tag does not match.
    pub fn apply(&self, tag: &str) -> Option<String> {
        let caps = self.pattern.captures(tag)?;
        Some(match &self.extract {
            None => tag.to_string(),
            Some(template) => {
                let mut out = String::new();
                caps.expand(template, &mut out);
                out
            }
        })
    }

    pub fn pattern(&self) -> &str {
        self.pattern.as_str()
    }
}

/// The group names or numbers a template refers to.
fn template_groups(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        rest = &rest[i + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            rest = after;
        } else if let Some(braced) = rest.strip_prefix('{') {
            if let Some(end) = braced.find('}') {
                out.push(braced[..end].to_string());
                rest = &braced[end + 1..];
            }
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if end > 0 {
                out.push(rest[..end].to_string());
            }
            rest = &rest[end..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flux_style_extract() {
        let f = Filter::new(r"^main-[a-f0-9]+-(?P<ts>[0-9]+)$", Some("$ts")).unwrap();
        assert_eq!(f.apply("main-abc123-1700000000").as_deref(), Some("1700000000"));
        assert_eq!(f.apply("feature-abc-1"), None);
        let f = Filter::new(r"^v(?P<v>\d+\.\d+\.\d+)(-alpine)?$", Some("${v}")).unwrap();
        assert_eq!(f.apply("v1.2.3-alpine").as_deref(), Some("1.2.3"));
        let f = Filter::new(r"^(\d+)-(\d+)$", Some("$2.$1 $$")).unwrap();
        assert_eq!(f.apply("7-9").as_deref(), Some("9.7 $"));
        // no extract: the tag itself; unanchored patterns match anywhere, as in Go
        let f = Filter::new("rc", None).unwrap();
        assert_eq!(f.apply("1.0.0-rc.1").as_deref(), Some("1.0.0-rc.1"));
    }

    #[test]
    fn errors() {
        let e = Filter::new("^v(?P<v>.*)$", Some("$ver")).unwrap_err().to_string();
        assert_eq!(
            e,
            r#"--extract "$ver" names group "ver", which --filter "^v(?P<v>.*)$" does not have"#
        );
        assert!(Filter::new("^(\\d+)$", Some("$2")).is_err());
        assert!(
            Filter::new("(", None)
                .unwrap_err()
                .to_string()
                .starts_with("invalid --filter regex")
        );
    }
}
