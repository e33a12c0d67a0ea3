//! Applying a policy to a tag list, keeping the reason for every tag.
//!
//! Users distrust a tool that picks the wrong tag silently; `--explain` answers "why not
//! 1.5.0?" with the verdict recorded here for each tag. Selection is in two steps: a
//! screen (ignore list, then filter and extract) and a choice among what is left. The
//! choice is pure for every policy but newest-build, whose build times the caller fetches
//! (for [`fetch_order`], bounded) and hands to [`choose_newest`].

use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, Utc};

use super::filter::Filter;
use super::ignore::Ignore;
use super::semver::Version;
use super::spec::{Order, Policy};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Candidate {
    pub tag: String,
    /// What the policy compares: the tag, or the filter's extract.
    pub key: String,
    #[serde(flatten)]
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "kebab-case")]
pub enum Verdict {
    Chosen,
    /// Passed the screen; not (yet) compared.
    Eligible,
    /// Eligible, and another tag won; says which and why.
    Beaten(String),
    Ignored(String),
    /// Does not match the filter.
    Filtered(String),
    /// The policy cannot compare it (not a version, not a number); says why.
    Unusable(String),
    /// Newest-build: not looked at, beyond the request bound.
    NotExamined(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Chosen => f.write_str("chosen"),
            Verdict::Eligible => f.write_str("eligible"),
            Verdict::Beaten(why) => write!(f, "not chosen: {why}"),
            Verdict::Ignored(pattern) => write!(f, "ignored: matches {pattern}"),
            Verdict::Filtered(pattern) => write!(f, "filtered out: does not match {pattern}"),
            Verdict::Unusable(why) | Verdict::NotExamined(why) => f.write_str(why),
        }
    }
}

/// The ignore list, then the filter: every tag with its verdict, `Eligible` for those left.
pub fn screen(tags: &[String], filter: Option<&Filter>, ignore: &Ignore) -> Vec<Candidate> {
    tags.iter()
        .map(|tag| {
            let (key, verdict) = if let Some(pattern) = ignore.matching(tag) {
                (tag.clone(), Verdict::Ignored(pattern.to_string()))
            } else {
                match filter {
                    None => (tag.clone(), Verdict::Eligible),
                    Some(f) => match f.apply(tag) {
                        Some(key) => (key, Verdict::Eligible),
                        None => (tag.clone(), Verdict::Filtered(f.pattern().to_string())),
                    },
                }
            };
            Candidate {
                tag: tag.clone(),
                key,
                verdict,
            }
        })
        .collect()
}

/// Chooses among the eligible candidates for every policy that needs no registry data;
/// marks the winner `Chosen` and the others `Beaten` or `Unusable`. Returns the winner.
///
/// # Panics
/// For [`Policy::NewestBuild`] and [`Policy::Digest`], which need the registry.
pub fn choose(policy: &Policy, candidates: &mut [Candidate]) -> Option<usize> {
    match policy {
        Policy::Semver(range) => {
            let mut best: Option<(usize, Version)> = None;
            for (i, c) in candidates.iter_mut().enumerate() {
                if c.verdict != Verdict::Eligible {
                    continue;
                }
                let Some(v) = Version::parse(&c.key) else {
                    c.verdict = Verdict::Unusable(format!("not a semantic version: {:?}", c.key));
                    continue;
                };
                if let Err(why) = range.check(&v) {
                    c.verdict = Verdict::Unusable(format!("outside the range: {why}"));
                    continue;
                }
                if best.as_ref().is_none_or(|(_, b)| v > *b) {
                    best = Some((i, v));
                }
            }
            let (winner, v) = best?;
            finish(candidates, winner, |_| format!("{} is higher", v))
        }
        Policy::Alphabetical(order) => {
            let winner = pick(candidates, *order, |a, b| {
                a.key.as_bytes().cmp(b.key.as_bytes()).then(a.tag.cmp(&b.tag))
            })?;
            let word = if *order == Order::Asc { "after" } else { "before" };
            let key = candidates[winner].key.clone();
            finish(candidates, winner, |_| format!("{key:?} sorts {word} it"))
        }
        Policy::Numerical(order) => {
            for c in candidates.iter_mut().filter(|c| c.verdict == Verdict::Eligible) {
                if number(&c.key).is_none() {
                    c.verdict = Verdict::Unusable(format!("not a number: {:?}", c.key));
                }
            }
            let winner = pick(candidates, *order, |a, b| {
                let (x, y) = (number(&a.key).unwrap_or(f64::NAN), number(&b.key).unwrap_or(f64::NAN));
                x.total_cmp(&y).then(a.tag.cmp(&b.tag))
            })?;
            let word = if *order == Order::Asc { "greater" } else { "smaller" };
            let key = candidates[winner].key.clone();
            finish(candidates, winner, |_| format!("{key} is {word}"))
        }
        Policy::NewestBuild | Policy::Digest => panic!("policy {policy} needs the registry"),
    }
}

/// The eligible candidates in the order newest-build should look at them: most recent
/// looking first (versions and numbers descending, then natural order descending), so that
/// the request bound cuts off the tags least likely to win.
pub fn fetch_order(candidates: &[Candidate]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].verdict == Verdict::Eligible)
        .collect();
    order.sort_by(|&a, &b| {
        natural(&candidates[b].key, &candidates[a].key).then(candidates[b].tag.cmp(&candidates[a].tag))
    });
    order
}

/// Newest-build's choice: the latest build time; ties go to the tag that sorts later.
/// `times[i]` is candidate `i`'s time, `None` when it was not fetched or has none (its
/// verdict should then already say why).
pub fn choose_newest(candidates: &mut [Candidate], times: &[Option<DateTime<Utc>>]) -> Option<usize> {
    let winner = (0..candidates.len())
        .filter(|&i| candidates[i].verdict == Verdict::Eligible && times.get(i).copied().flatten().is_some())
        .max_by(|&a, &b| {
            times[a]
                .cmp(&times[b])
                .then(natural(&candidates[a].key, &candidates[b].key))
        })?;
    let (tag, when) = (candidates[winner].tag.clone(), times[winner].expect("filtered above"));
    for (i, c) in candidates.iter_mut().enumerate() {
        if i == winner {
            c.verdict = Verdict::Chosen;
        } else if c.verdict == Verdict::Eligible {
            c.verdict = match times.get(i).copied().flatten() {
                Some(t) => Verdict::Beaten(format!(
                    "built {}, {tag} was built later ({})",
                    rfc3339(t),
                    rfc3339(when)
                )),
                None => Verdict::Unusable("its image config has no build time".into()),
            };
        }
    }
    Some(winner)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The winner among eligible candidates: the greatest for `Asc`, the least for `Desc`.
fn pick(candidates: &[Candidate], order: Order, cmp: impl Fn(&Candidate, &Candidate) -> Ordering) -> Option<usize> {
    let eligible = (0..candidates.len()).filter(|&i| candidates[i].verdict == Verdict::Eligible);
    match order {
        Order::Asc => eligible.max_by(|&a, &b| cmp(&candidates[a], &candidates[b])),
        Order::Desc => eligible.min_by(|&a, &b| cmp(&candidates[a], &candidates[b])),
    }
}

fn finish(candidates: &mut [Candidate], winner: usize, why: impl Fn(&Candidate) -> String) -> Option<usize> {
    let reason = why(&candidates[winner]);
    let tag = candidates[winner].tag.clone();
    for (i, c) in candidates.iter_mut().enumerate() {
        if i == winner {
            c.verdict = Verdict::Chosen;
        } else if c.verdict == Verdict::Eligible {
            c.verdict = Verdict::Beaten(format!("{tag} wins ({reason})"));
        }
    }
    Some(winner)
}

/// Flux's numerical policy parses with Go's `strconv.ParseFloat`; infinities and NaN are
/// not build numbers.
fn number(key: &str) -> Option<f64> {
    key.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Natural order: digit runs compare as numbers, the rest bytewise (`build-9 < build-10`).
pub fn natural(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let si = i;
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            let sj = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let (x, y) = (trim_zeros(&a[si..i]), trim_zeros(&b[sj..j]));
            let ord = x.len().cmp(&y.len()).then_with(|| x.cmp(y));
            if ord != Ordering::Equal {
                return ord;
            }
        } else {
            if a[i] != b[j] {
                return a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
    }
    (a.len() - i).cmp(&(b.len() - j))
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let n = d.iter().take_while(|&&c| c == b'0').count();
    &d[n.min(d.len().saturating_sub(1))..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn run(policy: &str, list: &[&str], filter: Option<Filter>) -> (Option<String>, Vec<Candidate>) {
        let mut c = screen(&tags(list), filter.as_ref(), &Ignore::default());
        let w = choose(&Policy::parse(policy).unwrap(), &mut c);
        (w.map(|i| c[i].tag.clone()), c)
    }

    #[test]
    fn semver_picks_highest_in_range_and_says_why_not() {
        let (w, c) = run(
            "semver:^1.2",
            &[
                "1.1.0",
                "1.2.0",
                "v1.4.1",
                "1.5.0-rc.1",
                "2.0.0",
                "latest",
                "sha256-ab.sig",
            ],
            None,
        );
        assert_eq!(w.as_deref(), Some("v1.4.1"));
        let by_tag = |t: &str| c.iter().find(|c| c.tag == t).unwrap().verdict.to_string();
        assert!(by_tag("1.1.0").starts_with("outside the range"), "{}", by_tag("1.1.0"));
        assert_eq!(by_tag("1.2.0"), "not chosen: v1.4.1 wins (1.4.1 is higher)");
        assert!(
            by_tag("1.5.0-rc.1").starts_with("outside the range"),
            "{}",
            by_tag("1.5.0-rc.1")
        );
        assert!(by_tag("2.0.0").starts_with("outside the range"));
        assert_eq!(by_tag("latest"), "not a semantic version: \"latest\"");
        assert_eq!(by_tag("sha256-ab.sig"), "ignored: matches *.sig");
        assert_eq!(by_tag("v1.4.1"), "chosen");
    }

    #[test]
    fn semver_on_extracted_keys() {
        let f = Filter::new(r"^main-(?P<v>\d+\.\d+\.\d+)$", Some("$v")).unwrap();
        let (w, c) = run(
            "semver:>=1.0",
            &["main-1.0.0", "main-1.10.0", "main-1.9.0", "dev-9.0.0"],
            Some(f),
        );
        assert_eq!(w.as_deref(), Some("main-1.10.0"));
        assert_eq!(c[3].verdict, Verdict::Filtered(r"^main-(?P<v>\d+\.\d+\.\d+)$".into()));
    }

    #[test]
    fn alphabetical_and_numerical_orders() {
        let ts = ["2024-01-02T10-00-00Z", "2024-01-10T09-00-00Z", "2023-12-31T23-59-59Z"];
        assert_eq!(
            run("alphabetical", &ts, None).0.as_deref(),
            Some("2024-01-10T09-00-00Z")
        );
        assert_eq!(
            run("alphabetical:desc", &ts, None).0.as_deref(),
            Some("2023-12-31T23-59-59Z")
        );
        // bytewise, as Go's sort: "Z" < "a"
        assert_eq!(run("alphabetical", &["a", "Z", "b"], None).0.as_deref(), Some("b"));
        let nums = ["9", "10", "100.5", "build-7", "1e3", "NaN", "-4"];
        let (w, c) = run("numerical", &nums, None);
        assert_eq!(w.as_deref(), Some("1e3"));
        assert_eq!(c[3].verdict, Verdict::Unusable("not a number: \"build-7\"".into()));
        assert_eq!(c[5].verdict, Verdict::Unusable("not a number: \"NaN\"".into()));
        assert_eq!(run("numerical:desc", &nums, None).0.as_deref(), Some("-4"));
        let f = Filter::new(r"^build-(?P<n>\d+)$", Some("$n")).unwrap();
        assert_eq!(
            run("numerical", &["build-9", "build-10", "build-x"], Some(f))
                .0
                .as_deref(),
            Some("build-10")
        );
    }

    #[test]
    fn nothing_eligible() {
        assert_eq!(run("semver:^3", &["1.0.0", "2.0.0"], None).0, None);
        assert_eq!(run("numerical", &["a", "b"], None).0, None);
        assert_eq!(run("alphabetical", &[], None).0, None);
    }

    #[test]
    fn newest_build_order_and_choice() {
        let mut c = screen(
            &tags(&["build-9", "build-10", "latest", "x.sig", "build-100"]),
            None,
            &Ignore::default(),
        );
        let order: Vec<&str> = fetch_order(&c).iter().map(|&i| c[i].tag.as_str()).collect();
        assert_eq!(order, ["latest", "build-100", "build-10", "build-9"]);
        let t = |s: &str| Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc));
        let times = [
            t("2024-01-01T00:00:00Z"),
            t("2024-03-01T00:00:00Z"),
            t("2024-03-01T00:00:00Z"),
            None,
            None,
        ];
        c[4].verdict = Verdict::NotExamined("beyond the bound".into());
        let w = choose_newest(&mut c, &times).unwrap();
        // a tie on time goes to the tag that sorts later
        assert_eq!(c[w].tag, "latest");
        assert!(
            c[0].verdict
                .to_string()
                .contains("built 2024-01-01T00:00:00Z, latest was built later"),
            "{}",
            c[0].verdict
        );
        assert_eq!(c[3].verdict, Verdict::Ignored("*.sig".into()));
        assert_eq!(c[4].verdict, Verdict::NotExamined("beyond the bound".into()));
    }

    #[test]
    fn natural_order() {
        assert_eq!(natural("build-9", "build-10"), Ordering::Less);
        assert_eq!(natural("v1.10.0", "v1.9.0"), Ordering::Greater);
        assert_eq!(natural("a007", "a7"), Ordering::Equal);
        assert_eq!(natural("abc", "abd"), Ordering::Less);
        assert_eq!(natural("1.0", "1.0.1"), Ordering::Less);
    }
}
