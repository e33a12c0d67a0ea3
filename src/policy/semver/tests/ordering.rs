//! Precedence (Masterminds `Compare`, semver 2.0) and the total order used for sorting.

use std::cmp::Ordering;

use crate::policy::semver::Version;

fn v(tag: &str) -> Version {
    Version::parse(tag).unwrap_or_else(|| panic!("`{tag}` should be a version"))
}

#[test]
fn semver_spec_prerelease_chain() {
    let chain = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
    ];
    for pair in chain.windows(2) {
        assert_eq!(
            v(pair[0]).cmp_precedence(&v(pair[1])),
            Ordering::Less,
            "{} < {}",
            pair[0],
            pair[1]
        );
        assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
    }
}

#[test]
fn releases_compare_numerically() {
    let chain = ["0.0.9", "0.1.0", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0", "10.0.0"];
    for pair in chain.windows(2) {
        assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
    }
}

#[test]
fn sorting_a_shuffled_tag_list() {
    let mut tags: Vec<Version> = [
        "1.0.0",
        "1.0.0-rc.1",
        "1.0.0-beta.11",
        "0.9.0",
        "1.0.0-beta.2",
        "1.0.0-alpha",
        "1.1",
    ]
    .iter()
    .map(|t| v(t))
    .collect();
    tags.sort();
    let sorted: Vec<&str> = tags.iter().map(|t| t.original()).collect();
    assert_eq!(
        sorted,
        [
            "0.9.0",
            "1.0.0-alpha",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.1"
        ]
    );
}

#[test]
fn build_metadata_and_spelling_do_not_change_precedence_but_break_ties() {
    let (plain, built, short) = (v("1.2.0"), v("1.2.0+b7"), v("v1.2"));
    assert_eq!(plain.cmp_precedence(&built), Ordering::Equal);
    assert_eq!(plain.cmp_precedence(&short), Ordering::Equal);
    assert_ne!(plain, built);
    // Ties are broken by the tag text, byte-wise: "1.2.0" < "1.2.0+b7" < "v1.2".
    let mut tags = vec![short.clone(), built.clone(), plain.clone()];
    tags.sort();
    assert_eq!(tags, [plain, built, short]);
}

#[test]
fn identifiers_beyond_u64_sort_as_words_like_upstream() {
    // `comparePrePart` parses with strconv.ParseUint; a number that does not fit is a word.
    let huge = v("1.0.0-99999999999999999999");
    assert!(v("1.0.0-2") < huge, "numbers sort before words");
    assert!(huge < v("1.0.0-abc"), "'9' < 'a' byte-wise");
    assert!(v("1.0.0-9") < v("1.0.0-10"), "fitting numbers compare numerically");
}
