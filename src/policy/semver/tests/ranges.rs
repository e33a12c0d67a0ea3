//! Every range form, with the versions it must and must not admit.
//!
//! Expectations are written by hand from the upstream v3.4.0 code paths (`constraints.go`)
//! and, where upstream has a test for the same pair, agree with `constraints_test.go`
//! (marked "upstream"). `shown` is the normalised expansion printed by `Display`.

use crate::policy::semver::{Range, Refusal, Version};

fn v(tag: &str) -> Version {
    Version::parse(tag).unwrap_or_else(|| panic!("`{tag}` should be a version"))
}

struct Case {
    range: &'static str,
    shown: &'static str,
    yes: &'static [&'static str],
    no: &'static [&'static str],
}

const fn case(
    range: &'static str,
    shown: &'static str,
    yes: &'static [&'static str],
    no: &'static [&'static str],
) -> Case {
    Case { range, shown, yes, no }
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Exact versions: `=` or no operator, build metadata ignored.
    case("1.2.3", "=1.2.3", &["1.2.3", "v1.2.3", "1.2.3+build.1"], &["1.2.4", "1.2.2", "1.2.3-rc.1", "1.3.0"]),
    case("=1.2.3", "=1.2.3", &["1.2.3"], &["1.2.4", "2.0.0"]),
    case("v1.2.3", "=1.2.3", &["1.2.3"], &["1.2.4"]),
    case("1.2.3+build.5", "=1.2.3", &["1.2.3", "1.2.3+other"], &["1.2.4"]),
    case("=0", ">=0.0.0 <1.0.0", &["0.5.0", "0.0.0"], &["1", "1.0.0"]),
    // Partial and wildcard versions without an operator mean `~`.
    case("1.2", ">=1.2.0 <1.3.0", &["1.2.0", "1.2.9", "v1.2"], &["1.3.0", "1.1.9", "1.2.5-rc.1"]),
    case("=1.2", ">=1.2.0 <1.3.0", &["1.2.0", "1.2.7"], &["1.3.0"]),
    case("1.2.x", ">=1.2.0 <1.3.0", &["1.2.0", "1.2.99"], &["1.3.0", "1.1.0", "1.2.1-rc.1"]),
    case("1.2.X", ">=1.2.0 <1.3.0", &["1.2.1"], &["1.3.0"]),
    case("1.2.*", ">=1.2.0 <1.3.0", &["1.2.1"], &["1.3.0"]),
    case("01.2", ">=1.2.0 <1.3.0", &["1.2.1"], &["1.3.0"]),
    case("1", ">=1.0.0 <2.0.0", &["1.0.0", "1.9.9"], &["0.9.9", "2.0.0", "1.5.0-rc.1"]),
    case("1.x", ">=1.0.0 <2.0.0", &["1.4", "1.0.0"], &["2.0.0", "0.1.0"]),
    case("1.x.x", ">=1.0.0 <2.0.0", &["1.4.2"], &["2.1.0"]),
    case("2.*", ">=2.0.0 <3.0.0", &["2.1.1"], &["1", "3.4.5"]),
    case("*", ">=0.0.0", &["0.0.0", "1", "4.5.6", "99.0.0"], &["1.2.3-alpha.1", "0.0.0-0"]),
    case("x", ">=0.0.0", &["1.2.3"], &["1.2.3-rc.1"]),
    case("X", ">=0.0.0", &["1.2.3"], &[]),
    case("*.*.*", ">=0.0.0", &["1.2.3"], &[]),
    case("*-0", ">=0.0.0-0", &["1.2.3-alpha.1", "0.0.0-0", "5.0.0"], &[]),
    case("0.0.x", ">=0.0.0 <0.1.0", &["0.0.7"], &["1.2.3", "0.1.0"]),
    case("0.0.0", "=0.0.0", &["0.0.0"], &["1.2.3", "0.0.1"]),
    // Tilde.
    case("~1.2.3", ">=1.2.3 <1.3.0", &["1.2.3", "1.2.4", "1.2.99"], &["1.2.2", "1.3.0", "1.3.4", "1.2.4-rc.1"]),
    case("~>1.2.3", ">=1.2.3 <1.3.0", &["1.2.5"], &["1.3.2", "1.2.2"]),
    case("~> 1.2.3", ">=1.2.3 <1.3.0", &["1.2.5"], &["1.3.2"]),
    case("~1.2", ">=1.2.0 <1.3.0", &["1.2.0", "1.2.4"], &["1.3.4", "1.1.9"]),
    case("~1", ">=1.0.0 <2.0.0", &["1.2.4", "1.4", "1.3.5"], &["2.1.1", "2.0.0", "0.9.0", "1.3.5-beta"]),
    case("~1.x", ">=1.0.0 <2.0.0", &["1.3.5"], &["2.1.1", "1.3.5-beta"]),
    case("~*", ">=0.0.0", &["2.1.1", "0.0.0"], &["2.1.1-rc.1"]),
    case("~0.0.0", ">=0.0.0", &["1.2.3", "0.0.0"], &["1.0.0-rc.1"]),
    case("~0.0", ">=0.0.0 <0.1.0", &["0.0.5"], &["0.1.0"]),
    case("~0.2.3", ">=0.2.3 <0.3.0", &["0.2.5"], &["0.3.5", "0.2.2"]),
    case("~1.2.3-beta.2", ">=1.2.3-beta.2 <1.3.0-0",
        &["1.2.3-beta.2", "1.2.3-beta.4", "1.2.4-beta.2", "1.2.3", "1.2.9"],
        &["1.3.4-beta.2", "1.2.3-beta.1", "1.2.3-alpha", "1.3.0-0", "1.3.0"]),
    case("~1.1-alpha", ">=1.1.0-alpha <1.2.0-0", &["1.1.1-beta", "1.1.0-alpha"], &["1.1.0-0", "1.2.0-alpha"]),
    case("~1.1.1-beta", ">=1.1.1-beta <1.2.0-0", &["1.1.1", "1.1.1-rc"], &["1.1.1-alpha"]),
    // Caret.
    case("^1.2.3", ">=1.2.3 <2.0.0", &["1.2.3", "1.8.9"], &["1.2.1", "2.8.9", "2.0.0", "1.5.0-rc.1"]),
    case("^1.2", ">=1.2.0 <2.0.0", &["1.2.0", "1.8.9"], &["1.1.0", "2.8.9"]),
    case("^1", ">=1.0.0 <2.0.0", &["1.8.9"], &["2.8.9", "0.9.0"]),
    case("^1.x", ">=1.0.0 <2.0.0", &["1.1.1"], &["2.1.1", "1.1.1-beta1", "0.9.0"]),
    case("^2.x", ">=2.0.0 <3.0.0", &["2.0.0"], &["1.1.1"]),
    case("^0.2.3", ">=0.2.3 <0.3.0", &["0.2.3", "0.2.5"], &["0.2.2", "0.3.0", "0.5.6", "1.0.0"]),
    case("^0.2", ">=0.2.0 <0.3.0", &["0.2.5"], &["0.3.0", "0.5.6", "0.1.1"]),
    case("^0.0.3", ">=0.0.3 <0.0.4", &["0.0.3"], &["0.0.4", "0.0.2", "0.1.3", "1.0.3"]),
    case("^0.0", ">=0.0.0 <0.1.0", &["0.0.0", "0.0.3"], &["0.1.4", "1.0.4"]),
    case("^0", ">=0.0.0 <1.0.0", &["0.2.3", "0.0.0"], &["1.0.0", "1.1.4"]),
    case("^0.0.0", ">=0.0.0 <0.0.1", &["0.0.0"], &["0.0.1", "1.2.3"]),
    case("^0.2.3-beta.2", ">=0.2.3-beta.2 <0.3.0-0",
        &["0.2.3-beta.2", "0.2.3-beta.4", "0.2.4-beta.2", "0.2.9"],
        &["0.3.4-beta.2", "0.3.0-rc.1", "0.2.3-beta.1"]),
    case("^1.1.2-alpha", ">=1.1.2-alpha <2.0.0-0", &["1.2.1-beta1", "1.1.2-alpha", "1.1.2"], &["2.0.0-rc.1", "1.1.1", "1.1.2-0"]),
    case("^1.2.0-alpha.2", ">=1.2.0-alpha.2 <2.0.0-0", &["1.2.1-alpha.0"], &["1.2.0-alpha.1"]),
    case("^1.2.x-alpha", ">=1.2.0-alpha <2.0.0-0", &["1.2.0-beta"], &["1.1.1-beta1"]),
    case("^1.x-0", ">=1.0.0-0 <2.0.0-0",
        &["1.9.0-rc.1", "1.0.0-0", "1.0.0", "1.5.0"],
        &["2.0.0-0", "2.0.0-rc.1", "0.9.9", "0.9.9-rc.1"]),
    // Greater than or equal: partial versions are zero-filled.
    case(">=1.2", ">=1.2.0", &["1.2.0", "4.1.0"], &["1.1.9", "4.1.0-beta", "1.2.0-rc.1"]),
    case("=>1.2", ">=1.2.0", &["1.2.0"], &["1.1.0"]),
    case(">= 1.2", ">=1.2.0", &["1.3.0"], &["1.1.0"]),
    case(">=1.x", ">=1.0.0", &["1.0.0", "2.0.0"], &["0.9.0"]),
    case(">=1.2.3", ">=1.2.3", &["1.2.3", "2.0.0"], &["1.2.2", "1.2.3-rc.1", "1.3.0-rc.1"]),
    case(">=0", ">=0.0.0", &["0.0.0"], &["0.0.1-alpha", "0.0.0-alpha"]),
    case(">=0.0-0", ">=0.0.0-0", &["0.0.1-alpha", "0.0.0-alpha"], &[]),
    // Greater than: a partial version must be exceeded in the parts given.
    case(">1.2.3", ">1.2.3", &["1.2.4", "2.0.0"], &["1.2.3", "1.2.3+build", "1.2.4-rc.1"]),
    case(">1.2", ">=1.3.0", &["1.3.0", "2.0.0", "11.2.1"], &["1.2.9", "1.2.0", "1.3.0-rc.1"]),
    case(">11.1", ">=11.2.0", &["11.2.1"], &["11.1.0", "11.1.1"]),
    case(">1", ">=2.0.0", &["2.0.0"], &["1.9.9", "1.0.0"]),
    case(">0", ">=1.0.0", &["1"], &["0", "0.0.1-alpha", "0.9.9"]),
    case(">1.2-0", ">=1.3.0-0", &["1.3.0-0", "1.3.0-alpha", "1.3.0"], &["1.2.9", "1.2.9-rc.1"]),
    case(">0-0", ">=1.0.0-0", &["1.0.0-0", "1.0.0"], &["0.0.1-alpha", "0.0.0-alpha"]),
    case(">0.0.0-0", ">0.0.0-0", &["0.0.0-alpha", "0.0.0"], &["0.0.0-0"]),
    // Less than: dirtiness is ignored, `<1.2` is `<1.2.0`.
    case("<1.2.3", "<1.2.3", &["1.2.2", "0.0.0"], &["1.2.3", "1.2.3-rc.1", "1.3.0"]),
    case("<1.2", "<1.2.0", &["1.1.9"], &["1.2.0", "1.2.1", "1.1.9-rc.1"]),
    case("<1.2.x", "<1.2.0", &["1.1.1"], &["1.2.0"]),
    case("<1.x", "<1.0.0", &["0.1.1"], &["1.1.1", "2.0.0"]),
    case("<11", "<11.0.0", &["0.1.0"], &["11.1.0"]),
    case("<0-z", "<0.0.0-z", &["0.0.0-alpha"], &["0.0.0"]),
    // Less than or equal: a partial version admits everything in its parts.
    case("<=1.2.3", "<=1.2.3", &["1.2.3", "1.2.3+b1", "1.0.0"], &["1.2.4", "1.2.3-rc.1"]),
    case("<=1.2", "<1.3.0", &["1.2.0", "1.2.99", "0.1.0"], &["1.3.0", "0.1.0-alpha"]),
    case("=<1.2", "<1.3.0", &["1.2.5"], &["1.3.0"]),
    case("<=1", "<2.0.0", &["1.9.9"], &["2.0.0"]),
    case("<=1.x", "<2.0.0", &["1.1.0"], &["2.0.0"]),
    case("<=2.x", "<3.0.0", &["2.9.0"], &["3.0.0", "3.1.0"]),
    case("<=1.1-a", "<1.2.0-0", &["0.1.0-alpha", "1.1.9-rc.1", "1.1.5"], &["1.2.0-0", "1.2.0"]),
    // Not equal.
    case("!=1.2.3", "!=1.2.3", &["1.2.4", "1.2.2"], &["1.2.3", "1.2.3+b1", "1.2.4-rc.1"]),
    case("!=1.x", "!=1.x", &["2.0.0", "0.9.0"], &["1.0.0", "1.5.5"]),
    case("!=1", "!=1.x", &["2.0.0"], &["1.0.0"]),
    case("!=1.2", "!=1.2.x", &["1.3.0", "2.2.0", "1.1.0"], &["1.2.0", "1.2.9", "1.2.5-rc.1"]),
    case("!=4.2.x", "!=4.2.x", &["4.1.0"], &["4.2.3"]),
    case("!=4.1-alpha", "!=4.1.x-alpha", &["4.1.0", "4.2.0-alpha", "4.1.1-beta"], &["4.1.0-alpha", "4.1.1-alpha"]),
    case(">=1.0.0-0 !=1.2", ">=1.0.0-0 !=1.2.x", &["1.2.5-rc.1", "1.3.0"], &["1.2.5"]),
    // Hyphen ranges.
    case("1.2 - 1.4.5", ">=1.2.0 <=1.4.5", &["1.2.0", "1.3.9", "1.4.5"], &["1.1.9", "1.4.6", "1.4.5-rc.1", "1.2.0-rc.1"]),
    case("1.2.3 - 2.3", ">=1.2.3 <2.4.0", &["1.2.3", "2.3.9"], &["1.2.2", "2.4.0"]),
    case("1 - 2", ">=1.0.0 <3.0.0", &["1.0.0", "2.9.9"], &["0.9.9", "3.0.0"]),
    case("1.x - 2.x", ">=1.0.0 <3.0.0", &["2.5.0"], &["3.0.0"]),
    case("1.2.3-0 - 2", ">=1.2.3-0 <3.0.0-0", &["1.2.3-0", "1.5.0-beta", "2.9.9-rc.1"], &["1.2.2", "3.0.0-0"]),
    case("1.0.0 - 2.0.0 <=2.0.0", ">=1.0.0 <=2.0.0 <=2.0.0", &["1.5.0"], &["2.0.1"]),
    case("1.1-3", ">=1.1.0-3 <1.2.0-0", &["1.1.0-3", "1.1.0-4", "1.1.5", "1.1.5-rc"], &["4.3.2", "1.1.0-2", "1.2.0"]),
    // AND: whitespace or commas.
    case(">=1.2.3 <2.0.0", ">=1.2.3 <2.0.0", &["1.2.3", "1.5.0"], &["2.0.0", "1.5.0-beta"]),
    case(">=1.2.3, <2.0.0", ">=1.2.3 <2.0.0", &["1.5.0"], &["2.0.0"]),
    case(" >= 1.2.3 ,< 2 ", ">=1.2.3 <2.0.0", &["1.5.0"], &["2.0.0"]),
    case(">1.1 <2", ">=1.2.0 <2.0.0", &["1.2.1"], &["1.1.1", "2.0.0"]),
    case("\t>=1.1\n<2", ">=1.1.0 <2.0.0", &["1.1.0"], &["2.0.0"]),
    case(">=1.1, <2, !=1.2.3", ">=1.1.0 <2.0.0 !=1.2.3", &["1.2.4"], &["1.2.3"]),
    // The pre-release rule is decided for the whole AND group.
    case(">=1.2.3-0 <2.0.0", ">=1.2.3-0 <2.0.0",
        &["1.5.0-beta", "1.2.3-0", "1.9.9", "2.0.0-rc.1"],
        &["2.0.0", "1.2.2", "1.2.2-rc.1"]),
    case(">= 1.0.0  <= 2.0.0-beta", ">=1.0.0 <=2.0.0-beta",
        &["1.0.1-beta", "1.0.1", "2.0.0-alpha", "2.0.0-beta"],
        &["3.0.0", "2.0.0", "2.0.0-rc"]),
    case(">= 1.0.0  <= 2.0.0-beta != 1.0.1-beta", ">=1.0.0 <=2.0.0-beta !=1.0.1-beta", &["1.0.2-beta"], &["1.0.1-beta"]),
    // OR: each branch decides pre-releases for itself.
    case(">= 1.0.0  <= 2.0.0-beta || > 3", ">=1.0.0 <=2.0.0-beta || >=4.0.0",
        &["1.0.1-beta", "4.0.0"],
        &["3.0.1-beta", "3.5.0", "4.0.0-rc.1"]),
    case(">=1.2.3-0 <2.0.0 || >=3", ">=1.2.3-0 <2.0.0 || >=3.0.0", &["1.5.0-beta", "3.1.0"], &["3.1.0-beta", "2.5.0"]),
    case("^1.2 || ^3.0", ">=1.2.0 <2.0.0 || >=3.0.0 <4.0.0", &["1.5.0", "3.2.0"], &["2.5.0", "4.0.0", "1.1.0"]),
    case(">=1.1 <2 !=1.2.3 || > 3", ">=1.1.0 <2.0.0 !=1.2.3 || >=4.0.0", &["4.1.2", "1.2.4"], &["3.1.2", "1.2.3", "3.0.0"]),
    case("1.2.3||2.0.0", "=1.2.3 || =2.0.0", &["1.2.3", "2.0.0"], &["1.2.4"]),
    // Deliberate difference: `^*` means any version, as upstream's comment says.
    case("^*", ">=0.0.0", &["0.0.0", "0.0.1", "1.0.0"], &["1.0.0-rc.1"]),
];

fn failures(range: &Range, text: &str, case: &Case) -> Vec<String> {
    let mut wrong = Vec::new();
    for tag in case.yes {
        if let Err(why) = range.check(&v(tag)) {
            wrong.push(format!("`{text}` should admit `{tag}`, but: {why}"));
        }
        if !range.matches(&v(tag)) {
            wrong.push(format!("`{text}`.matches(`{tag}`) is false"));
        }
    }
    for tag in case.no {
        if range.check(&v(tag)).is_ok() || range.matches(&v(tag)) {
            wrong.push(format!("`{text}` should refuse `{tag}`"));
        }
    }
    wrong
}

#[test]
fn every_form_admits_and_refuses_as_upstream() {
    let mut wrong = Vec::new();
    for case in CASES {
        match Range::parse(case.range) {
            Ok(range) => {
                if range.to_string() != case.shown {
                    wrong.push(format!("`{}` is shown as `{range}`, want `{}`", case.range, case.shown));
                }
                wrong.extend(failures(&range, case.range, case));
            }
            Err(e) => wrong.push(format!("`{}`: {e}", case.range)),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `Display` is an expansion, not a summary: reading it back gives the same answers.
#[test]
fn the_shown_expansion_reads_back_the_same() {
    let mut wrong = Vec::new();
    for case in CASES {
        match Range::parse(case.shown) {
            Ok(range) => wrong.extend(failures(&range, case.shown, case)),
            Err(e) => wrong.push(format!("`{}` (from `{}`): {e}", case.shown, case.range)),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn rejection_says_prerelease_when_the_range_has_none() {
    let range = Range::parse("^1.2").expect("valid");
    let why = range.check(&v("1.5.0-beta")).expect_err("a pre-release");
    assert_eq!(
        why.to_string(),
        "1.5.0-beta: pre-release, and the range has no pre-release part"
    );
    assert_eq!(
        why.refusals(),
        [Refusal::Prerelease {
            branch: ">=1.2.0 <2.0.0".into()
        }]
    );
    assert_eq!(why.version(), "1.5.0-beta");
}

#[test]
fn rejection_shows_the_expanded_branch() {
    let range = Range::parse("^1.2").expect("valid");
    let why = range.check(&v("v2.1")).expect_err("outside");
    assert_eq!(why.to_string(), "v2.1: outside >=1.2.0 <2.0.0");

    let range = Range::parse("^1.2.3-rc.1").expect("valid");
    let why = range.check(&v("2.0.0-rc.1")).expect_err("outside");
    assert_eq!(why.to_string(), "2.0.0-rc.1: outside >=1.2.3-rc.1 <2.0.0-0");
}

#[test]
fn rejection_gives_one_reason_per_or_branch() {
    let range = Range::parse(">=1.2.3-0 <2.0.0 || >=3").expect("valid");
    let why = range.check(&v("3.1.0-beta")).expect_err("refused by both branches");
    assert_eq!(
        why.to_string(),
        "3.1.0-beta: outside >=1.2.3-0 <2.0.0; pre-release, and `>=3.0.0` has no pre-release part"
    );
    assert_eq!(
        why.refusals(),
        [
            Refusal::Outside {
                branch: ">=1.2.3-0 <2.0.0".into()
            },
            Refusal::Prerelease {
                branch: ">=3.0.0".into()
            },
        ]
    );
}
