//! Ranges that are refused: the column of the offending token and what the message says.

use crate::policy::semver::{Range, RangeErrorKind};

/// (range, 1-based column, fragment of the message).
#[rustfmt::skip]
const REFUSED: &[(&str, usize, &str)] = &[
    ("", 1, "the range is empty"),
    ("   ", 1, "the range is empty"),
    ("latest", 1, "unexpected `latest`: expected an operator"),
    ("BAR >= 1.2.3", 1, "unexpected `BAR`: expected an operator"),
    ("V1.2.3", 1, "unexpected `V1.2.3`"),
    ("ü 1.2", 1, "unexpected `ü`"),
    (">= bar", 4, "unexpected `bar`: expected a version after the operator"),
    ("> = 1.2", 3, "unexpected `=`: expected a version after the operator"),
    (">=", 1, "`>=` needs a version after it"),
    ("^1.2 || ~", 9, "`~` needs a version after it"),
    ("1.2 ||", 5, "there is no constraint on one side of `||`"),
    ("|| 1.2", 1, "there is no constraint on one side of `||`"),
    ("1.2 || || 2", 8, "there is no constraint on one side of `||`"),
    ("1.2 | 2", 5, "`|` on its own is not an operator; write `||`"),
    ("1.2.3.4", 1, "`1.2.3.4` has more than three numeric parts"),
    ("12.3.4.1234", 1, "`12.3.4.1234` has more than three numeric parts"),
    ("1.2.", 5, "expected a number, `x` or `*` after `.`"),
    ("1.2.ü", 5, "unexpected `ü`"),
    ("12.3.34~ 1.2.3", 8, "`~` must be separated from the constraint before it by a space or `,`"),
    (">1<2", 3, "`<2` must be separated"),
    ("1.2.3 abc", 7, "unexpected `abc`: expected an operator"),
    ("1.2.3_4", 6, "unexpected `_4`: expected a space, `,` or `||` after the version"),
    (">=1.2,", 6, "a `,` must be followed by another constraint"),
    (">=1.2 , ", 7, "a `,` must be followed by another constraint"),
    (", >=1.2", 1, "unexpected `,`"),
    ("1x.2", 1, "`1x` is neither a number nor a wildcard"),
    ("1.**", 3, "`**` is neither a number nor a wildcard"),
    ("99999999999999999999.0.0", 1, "`99999999999999999999` is too large for a version number"),
    ("1.2.3-01", 7, "pre-release identifier `01` is a number with a leading zero"),
    ("1.2.3-", 7, "the pre-release has an empty identifier"),
    ("1.2.3-a..b", 9, "the pre-release has an empty identifier"),
    ("1.2.3+", 7, "the build metadata has an empty identifier"),
    (">=1.0 - 2", 1, "a hyphen range takes plain versions, but `>=1.0` has an operator"),
    ("1 - >=2", 5, "a hyphen range takes plain versions, but `>=2` has an operator"),
    ("1.2 -1.4", 5, "a hyphen range needs a space on both sides of `-`"),
    ("1.2 - ", 5, "`-` needs a version after it"),
    ("1 - 2 - 3", 7, "unexpected `-`: expected an operator"),
    ("<=*", 1, "`<=*` puts `<=` before a wildcard major version, which Masterminds/semver reads as `<0.1.0"),
    ("<*", 1, "`<*` puts `<` before a wildcard major version"),
    (">x", 1, "`>x` puts `>` before a wildcard major version"),
    ("!=*", 1, "`!=*` puts `!=` before a wildcard major version"),
    ("1 - *", 5, "`*` puts `<=` before a wildcard major version"),
    ("^18446744073709551615", 1, "`^18446744073709551615` is at the largest version number"),
    (">=1.0.0 >1.18446744073709551615", 9, "`>1.18446744073709551615` is at the largest version number"),
];

#[test]
fn refused_ranges_name_the_column_and_the_problem() {
    let mut wrong = Vec::new();
    for (text, column, fragment) in REFUSED {
        match Range::parse(text) {
            Ok(range) => wrong.push(format!("`{text}` was accepted as `{range}`")),
            Err(e) => {
                let message = e.to_string();
                if e.column() != *column || !message.contains(fragment) {
                    wrong.push(format!(
                        "`{text}`: column {} and `{message}`, want column {column} and `{fragment}`",
                        e.column()
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_message_quotes_the_range_and_the_column() {
    let e = Range::parse(">=1.2,").expect_err("trailing comma");
    assert_eq!(
        e.to_string(),
        "invalid semver range `>=1.2,` at column 6: a `,` must be followed by another constraint"
    );
    assert_eq!(e.kind(), &RangeErrorKind::TrailingComma);
}
