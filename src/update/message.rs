//! The words of a change: template variables for commit messages, pull-request titles and
//! bodies, and work-branch names.

use std::collections::BTreeMap;

use super::edits::Bump;

/// A digest shortened for prose (`sha256:0123456789ab`); JSON outputs keep it whole.
fn short(version: &str) -> String {
    match version.split_once("@sha256:") {
        Some((tag, hex)) if hex.len() > 12 => format!("{tag}@sha256:{}", &hex[..12]),
        _ => version.to_string(),
    }
}

/// The variables of [`crate::config::template::VARIABLES`].
pub fn variables<'a>(name: &str, bumps: &[Bump], branch: &str, base: &str) -> BTreeMap<&'a str, String> {
    let summary = match bumps {
        [one] => format!("bump {} to {}", one.name, short(&one.new)),
        many => format!("bump {} images", many.len()),
    };
    let images = bumps
        .iter()
        .map(|b| format!("{} {}", b.name, short(&b.new)))
        .collect::<Vec<_>>()
        .join(", ");
    let lines = bumps
        .iter()
        .map(|b| {
            let old = if b.old.is_empty() {
                "(new)".to_string()
            } else {
                b.old.iter().map(|o| short(o)).collect::<Vec<_>>().join(", ")
            };
            format!("- {}: {} → {}", b.image, old, short(&b.new))
        })
        .collect::<Vec<_>>()
        .join("\n");
    BTreeMap::from([
        ("name", name.to_string()),
        ("summary", summary),
        ("images", images),
        ("bumps", lines),
        ("count", bumps.len().to_string()),
        ("branch", branch.to_string()),
        ("base", base.to_string()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bump(name: &str, old: &[&str], new: &str) -> Bump {
        Bump {
            name: name.into(),
            image: format!("ghcr.io/acme/{name}"),
            old: old.iter().map(|s| s.to_string()).collect(),
            new: new.into(),
            reference: format!("ghcr.io/acme/{name}:{new}"),
            files: vec!["a.yaml".into()],
        }
    }

    #[test]
    fn one_and_many() {
        let v = variables("shop", &[bump("shop", &["1.4.0"], "1.5.0")], "main", "main");
        assert_eq!(v["summary"], "bump shop to 1.5.0");
        assert_eq!(v["bumps"], "- ghcr.io/acme/shop: 1.4.0 → 1.5.0");
        let digest = format!("2.0.0@sha256:{}", "ab".repeat(32));
        let v = variables(
            "x",
            &[bump("shop", &["1.4.0", "1.3.0"], "1.5.0"), bump("api", &[], &digest)],
            "tagbump/x",
            "main",
        );
        assert_eq!(v["summary"], "bump 2 images");
        assert_eq!(v["images"], "shop 1.5.0, api 2.0.0@sha256:abababababab");
        assert_eq!(
            v["bumps"],
            "- ghcr.io/acme/shop: 1.4.0, 1.3.0 → 1.5.0\n- ghcr.io/acme/api: (new) → 2.0.0@sha256:abababababab"
        );
        assert_eq!(
            (v["count"].as_str(), v["branch"].as_str(), v["base"].as_str()),
            ("2", "tagbump/x", "main")
        );
    }
}
