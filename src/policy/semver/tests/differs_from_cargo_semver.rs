//! Why this module exists: for the same text, the `semver` crate (Cargo's rules) and
//! Masterminds/semver (Argo CD Image Updater, Flux) give different answers. Each test
//! asserts both answers, so a reader sees the difference and a change in either shows up.

use crate::policy::semver::{Range, Version};

fn ours(range: &str, tag: &str) -> bool {
    let range = Range::parse(range).unwrap_or_else(|e| panic!("{e}"));
    let v = Version::parse(tag).unwrap_or_else(|| panic!("`{tag}` should be a version"));
    range.matches(&v)
}

fn cargo(req: &str, version: &str) -> bool {
    let req = semver::VersionReq::parse(req).unwrap_or_else(|e| panic!("cargo refused `{req}`: {e}"));
    let v = semver::Version::parse(version).unwrap_or_else(|e| panic!("cargo refused `{version}`: {e}"));
    req.matches(&v)
}

#[test]
fn a_v_prefix_is_a_version_here_only() {
    assert!(semver::Version::parse("v1.2.3").is_err());
    assert_eq!(
        Version::parse("v1.2.3").map(|v| v.to_string()).as_deref(),
        Some("1.2.3")
    );
}

#[test]
fn partial_tags_are_versions_here_only() {
    assert!(semver::Version::parse("1.2").is_err());
    assert_eq!(Version::parse("1.2").map(|v| v.to_string()).as_deref(), Some("1.2.0"));
}

#[test]
fn leading_zeros_are_coerced_here_only() {
    assert!(semver::Version::parse("01.2.3").is_err());
    assert_eq!(
        Version::parse("01.2.3").map(|v| v.to_string()).as_deref(),
        Some("1.2.3")
    );
}

#[test]
fn a_bare_partial_version_is_a_tilde_here_and_a_caret_in_cargo() {
    // Cargo: `1.2` is `^1.2`, `>=1.2.0 <2.0.0`. Masterminds: `1.2` is `~1.2`.
    assert!(cargo("1.2", "1.9.0"));
    assert!(!ours("1.2", "1.9.0"));
    assert!(cargo("1.2", "1.2.7") && ours("1.2", "1.2.7"));
}

#[test]
fn a_bare_full_version_is_exact_here_and_a_caret_in_cargo() {
    assert!(cargo("1.2.3", "1.5.0"));
    assert!(!ours("1.2.3", "1.5.0"));
}

#[test]
fn a_prerelease_bound_admits_prereleases_of_other_versions_here_only() {
    // Cargo admits a pre-release only when a comparator has the same major.minor.patch.
    assert!(!cargo(">=1.2.3-0", "1.5.0-beta"));
    assert!(ours(">=1.2.3-0", "1.5.0-beta"));
    // Masterminds v3.4.0 decides for the whole AND group, so the upper bound lets it in too.
    assert!(!cargo(">=1.2.3-0, <2.0.0", "1.5.0-beta"));
    assert!(ours(">=1.2.3-0 <2.0.0", "1.5.0-beta"));
    assert!(ours(">=1.2.3-0, <2.0.0", "2.0.0-rc.1"));
    assert!(!cargo(">=1.2.3-0, <2.0.0", "2.0.0-rc.1"));
}

#[test]
fn tilde_prereleases_reach_later_patches_here_only() {
    // Upstream test: "different from npm/js semver handling".
    assert!(!cargo("~1.2.3-beta.2", "1.2.4-beta.2"));
    assert!(ours("~1.2.3-beta.2", "1.2.4-beta.2"));
}

#[test]
fn or_is_syntax_here_only() {
    assert!(semver::VersionReq::parse("^1.2 || ^3").is_err());
    assert!(ours("^1.2 || ^3", "3.4.0"));
}

#[test]
fn whitespace_is_and_here_only() {
    assert!(semver::VersionReq::parse(">=1.2 <2").is_err());
    assert!(ours(">=1.2 <2", "1.5.0"));
}

#[test]
fn hyphen_ranges_are_syntax_here_only() {
    assert!(semver::VersionReq::parse("1.2 - 1.4.5").is_err());
    assert!(ours("1.2 - 1.4.5", "1.4.5"));
    assert!(!ours("1.2 - 1.4.5", "1.4.6"));
}

#[test]
fn wildcards_take_a_prerelease_and_trailing_parts_here_only() {
    // Both read `1.2.x` the same way...
    assert!(cargo("1.2.x", "1.2.9") && ours("1.2.x", "1.2.9"));
    // ...but Cargo refuses a pre-release or a number after a wildcard.
    assert!(semver::VersionReq::parse("1.2.x-0").is_err());
    assert!(ours("1.2.x-0", "1.2.5-rc.1"));
    assert!(semver::VersionReq::parse("1.x.3").is_err());
    assert!(ours("1.x.3", "1.7.0"), "upstream ignores what follows a wildcard");
}

#[test]
fn caret_zero_zero_agrees() {
    // A control: where the two agree, so the differences above are not noise.
    for tag in ["0.0.0", "0.0.9", "0.1.0"] {
        assert_eq!(cargo("^0.0", tag), ours("^0.0", tag), "^0.0 with {tag}");
    }
}
