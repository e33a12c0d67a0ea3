//! Which tags are versions (Masterminds `NewVersion`, v3.4.0 with `CoerceNewVersion`), and
//! their canonical form.

use crate::policy::semver::Version;

/// (tag, canonical form); every expectation written by hand from `coerceNewVersion`.
const ACCEPTED: &[(&str, &str)] = &[
    ("1.2.3", "1.2.3"),
    ("v1.2.3", "1.2.3"),
    ("0.0.0", "0.0.0"),
    ("1", "1.0.0"),
    ("v1", "1.0.0"),
    ("1.2", "1.2.0"),
    ("v1.2", "1.2.0"),
    ("1.2-rc.1", "1.2.0-rc.1"),
    ("1-2", "1.0.0-2"),
    ("1.2.0-rc.1", "1.2.0-rc.1"),
    ("01.2.3", "1.2.3"),
    ("1.02.003", "1.2.3"),
    ("1.2.3-0", "1.2.3-0"),
    ("1.2.3-alpha-1.beta--x", "1.2.3-alpha-1.beta--x"),
    ("1.0.0-x.7.z.92", "1.0.0-x.7.z.92"),
    ("1.2.3-rc.1+build.5", "1.2.3-rc.1+build.5"),
    ("1.2.3+001", "1.2.3+001"),
    ("1.2+meta", "1.2.0+meta"),
    ("v2.3.5-20161202202307-sha.e8fc5e5", "2.3.5-20161202202307-sha.e8fc5e5"),
    ("18446744073709551615.0.0", "18446744073709551615.0.0"),
];

const REJECTED: &[&str] = &[
    "",
    "latest",
    "main",
    "sha-abc123",
    "main-1.2.3",
    "v",
    "vv1.2.3",
    "V1.2.3",
    "1.2.3.4",
    "1..2",
    ".1.2",
    "1.2.",
    " 1.2.3",
    "1.2.3 ",
    "1.2.3\n",
    "1.x",
    "*",
    "1.2.3x",
    "1.2.3_4",
    "1.2.3-",
    "1.2.3+",
    "1.2.3-01",
    "1.2.3-rc.01",
    "1.2.3-a..b",
    "1.2.3-beta!",
    "1.2.3-ü",
    "18446744073709551616.0.0",
    "1.2.3+b+c",
];

#[test]
fn accepted_tags_and_their_canonical_form() {
    let mut wrong = Vec::new();
    for (tag, canonical) in ACCEPTED {
        match Version::parse(tag) {
            Some(v) if v.to_string() == *canonical && v.original() == *tag => {}
            Some(v) => wrong.push(format!("`{tag}`: {v} (original `{}`), want {canonical}", v.original())),
            None => wrong.push(format!("`{tag}`: refused, want {canonical}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn rejected_tags() {
    let accepted: Vec<String> = REJECTED
        .iter()
        .filter_map(|tag| Version::parse(tag).map(|v| format!("`{tag}` -> {v}")))
        .collect();
    assert!(accepted.is_empty(), "should not be versions:\n{}", accepted.join("\n"));
}

#[test]
fn parts_and_prerelease_flag() {
    let v = Version::parse("v1.2-rc.1+b7").expect("a version");
    assert_eq!((v.major(), v.minor(), v.patch()), (1, 2, 0));
    assert_eq!(v.prerelease(), "rc.1");
    assert_eq!(v.build(), "b7");
    assert!(v.is_prerelease());
    assert_eq!(v.original(), "v1.2-rc.1+b7");

    let release = Version::parse("1.2.3+rc.1").expect("a version");
    assert!(!release.is_prerelease(), "build metadata is not a pre-release");
}
