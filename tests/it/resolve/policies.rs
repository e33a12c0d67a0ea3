//! Every policy against a real registry, with results written out.

use super::{resolve, verdict_of};
use crate::testenv::{Media, Registry, RegistryOptions, Seed};

const T0: &str = "2024-01-01T00:00:00Z";

/// Tags whose build order differs from their version order, plus the usual noise.
fn mixed() -> Seed {
    Seed::new()
        .tag("1.1.0", "2024-01-01T00:00:00Z")
        .tag("1.2.0", "2024-01-02T00:00:00Z")
        .tag("v1.4.1", "2024-01-03T00:00:00Z")
        .tag("1.2.5", "2024-01-09T00:00:00Z") // a backport, built last
        .tag("1.5.0-rc.1", "2024-01-04T00:00:00Z")
        .tag("2.0.0", "2024-01-05T00:00:00Z")
        .tag("build-9", "2024-01-06T00:00:00Z")
        .tag("build-10", "2024-01-07T00:00:00Z")
        .tag("sha256-0123abcd.sig", "2024-02-01T00:00:00Z")
        .alias("latest", "2.0.0")
}

#[test]
fn semver_ranges_pick_the_highest_match() {
    let reg = Registry::start(RegistryOptions::default());
    let seeded = reg.seed("team/app", &mixed());
    let image = format!("{}/team/app", reg.addr());
    let pick = |range: &str| resolve(&[&image, "--policy", &format!("semver:{range}")], &[]).code(0);
    assert_eq!(pick("^1.2"), format!("{image}:v1.4.1"));
    assert_eq!(pick("~1.2"), format!("{image}:1.2.5"));
    assert_eq!(pick("1.2.x"), format!("{image}:1.2.5"));
    assert_eq!(pick("<1.2"), format!("{image}:1.1.0"));
    assert_eq!(pick("*"), format!("{image}:2.0.0"));
    assert_eq!(pick(">=1.2, <1.4 || >=2"), format!("{image}:2.0.0"));
    assert_eq!(pick("1.1 - 1.3"), format!("{image}:1.2.5"));
    // a pre-release part in the range admits pre-releases of any version in range
    assert_eq!(pick("^1.x-0"), format!("{image}:1.5.0-rc.1"));
    assert_eq!(pick(">=1.2.3-0"), format!("{image}:2.0.0"));
    // pinned
    let run = resolve(&[&image, "--policy", "semver:~1.2", "--digest"], &[]);
    assert_eq!(run.code(0), format!("{image}:1.2.5@{}", seeded.digest("1.2.5")));
}

#[test]
fn explain_and_json_say_why_for_every_tag() {
    let reg = Registry::start(RegistryOptions::default());
    reg.seed("team/app", &mixed());
    let image = format!("{}/team/app", reg.addr());
    let run = resolve(&[&image, "--policy", "semver:^1.2", "--explain"], &[]);
    assert_eq!(run.code(0), format!("{image}:v1.4.1"));
    let err = run.stderr();
    for (tag, verdict) in [
        ("v1.4.1", "chosen"),
        ("1.2.5", "not chosen: v1.4.1 wins (1.4.1 is higher)"),
        (
            "1.5.0-rc.1",
            "outside the range: 1.5.0-rc.1: pre-release, and the range has no pre-release part",
        ),
        ("sha256-0123abcd.sig", "ignored: matches *.sig"),
        ("latest", "not a semantic version: \"latest\""),
    ] {
        assert_eq!(verdict_of(&err, tag), verdict, "{err}");
    }
    assert!(verdict_of(&err, "1.1.0").starts_with("outside the range"), "{err}");
    assert!(
        err.lines().nth(1).unwrap().trim_start().starts_with("v1.4.1 "),
        "chosen first: {err}"
    );
    assert!(
        err.contains("requests: 1 to the registry, 0 to its token server, 0 retries"),
        "{err}"
    );

    let run = resolve(
        &[&image, "--policy", "semver:^1.2", "--explain", "--format", "json"],
        &[],
    );
    run.code(0);
    let v = run.json();
    assert_eq!(v["reference"], format!("{image}:v1.4.1"));
    assert_eq!(v["tag"], "v1.4.1");
    assert_eq!(v["digest"], serde_json::Value::Null);
    assert_eq!(v["tags"], 10);
    let verdicts: Vec<(String, String)> = v["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["tag"].as_str().unwrap().to_string(),
                c["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(verdicts.contains(&("v1.4.1".into(), "chosen".into())), "{verdicts:?}");
    assert!(
        verdicts.contains(&("sha256-0123abcd.sig".into(), "ignored".into())),
        "{verdicts:?}"
    );
    assert!(verdicts.contains(&("2.0.0".into(), "unusable".into())), "{verdicts:?}");
}

#[test]
fn newest_build_goes_by_created_not_by_name() {
    let reg = Registry::start(RegistryOptions::default());
    let seeded = reg.seed("team/app", &mixed());
    let image = format!("{}/team/app", reg.addr());
    // the signature is newest of all but ignored; 1.2.5 was built last
    let run = resolve(
        &[&image, "--policy", "newest-build", "--digest", "--format", "json"],
        &[],
    );
    run.code(0);
    let v = run.json();
    assert_eq!(v["reference"], format!("{image}:1.2.5@{}", seeded.digest("1.2.5")));
    assert_eq!(v["created"], "2024-01-09T00:00:00Z");
    // with a filter, only the build-N tags compete
    let run = resolve(&[&image, "--policy", "newest-build", "--filter", "^build-"], &[]);
    assert_eq!(run.code(0), format!("{image}:build-10"));
    // a bound on fetched builds: the most recent-looking tags are examined first
    let run = resolve(
        &[
            &image,
            "--policy",
            "newest-build",
            "--filter",
            "^1\\.",
            "--max-builds",
            "2",
            "--explain",
        ],
        &[],
    );
    // examined: 1.5.0-rc.1 and 1.2.5 (natural order, descending); 1.2.5 is newer
    assert_eq!(run.code(0), format!("{image}:1.2.5"));
    assert!(
        verdict_of(&run.stderr(), "1.1.0").starts_with("not examined: only the 2 most recent-looking tags"),
        "{}",
        run.stderr()
    );
}

#[test]
fn newest_build_per_platform_on_multi_arch_indexes() {
    let reg = Registry::start(RegistryOptions::default());
    let multi = reg.seed(
        "team/multi",
        &Seed::new()
            .tag("1.0.0", "2024-03-01T00:00:00Z")
            .tag("1.1.0", "2024-03-02T00:00:00Z")
            .platforms(["linux/amd64", "linux/arm64/v8"]),
    );
    // an amd64-only image built later must not win for arm64
    let single = reg.seed("team/multi", &Seed::new().tag("1.2.0", "2024-03-03T00:00:00Z"));
    let image = format!("{}/team/multi", reg.addr());
    let run = resolve(
        &[
            &image,
            "--policy",
            "newest-build",
            "--platform",
            "linux/arm64",
            "--digest",
            "--explain",
        ],
        &[],
    );
    assert_eq!(run.code(0), format!("{image}:1.1.0@{}", multi.digest("1.1.0")));
    assert_eq!(
        verdict_of(&run.stderr(), "1.2.0"),
        "no image for linux/arm64 (it is a single-platform linux/amd64 image)"
    );
    let run = resolve(&[&image, "--policy", "newest-build", "--digest"], &[]);
    assert_eq!(run.code(0), format!("{image}:1.2.0@{}", single.digest("1.2.0")));
    // the digest policy pins the index, not a platform's manifest
    let run = resolve(&[&format!("{image}:1.0.0"), "--policy", "digest"], &[]);
    assert_eq!(run.code(0), format!("{image}:1.0.0@{}", multi.digest("1.0.0")));
    let run = resolve(&[&image, "--policy", "newest-build", "--platform", "linux/s390x"], &[]);
    run.code(6);
    assert!(run.stderr().contains("3 without the platform"), "{}", run.stderr());
}

#[test]
fn docker_media_types_and_digest_policy() {
    let reg = Registry::start(RegistryOptions::default());
    let seeded = reg.seed(
        "team/docker",
        &Seed::new()
            .tag("7", T0)
            .tag("8", "2024-01-02T00:00:00Z")
            .media(Media::Docker)
            .platforms(["linux/amd64", "linux/arm64"])
            .alias("latest", "8"),
    );
    let image = format!("{}/team/docker", reg.addr());
    // no tag: latest
    let run = resolve(&[&image, "--policy", "digest"], &[]);
    assert_eq!(run.code(0), format!("{image}:latest@{}", seeded.digest("8")));
    let run = resolve(&[&image, "--policy", "newest-build", "--platform", "linux/arm64"], &[]);
    assert_eq!(
        run.code(0),
        format!("{image}:latest"),
        "ties on time go to the tag that sorts later"
    );
    let run = resolve(&[&image, "--policy", "numerical", "--digest"], &[]);
    assert_eq!(run.code(0), format!("{image}:8@{}", seeded.digest("8")));
}

#[test]
fn alphabetical_and_numerical_with_extract() {
    let reg = Registry::start(RegistryOptions::default());
    reg.seed(
        "team/ts",
        &Seed::new()
            .tag("main-abc-1700000300", T0)
            .tag("main-def-1700000020", T0)
            .tag("main-fff-999", T0)
            .tag("feature-x-1800000000", T0),
    );
    let image = format!("{}/team/ts", reg.addr());
    let filter = r"^main-[a-f0-9]+-(?P<ts>\d+)$";
    let extracted = |policy: &str| {
        resolve(
            &[&image, "--policy", policy, "--filter", filter, "--extract", "$ts"],
            &[],
        )
    };
    assert_eq!(extracted("numerical").code(0), format!("{image}:main-abc-1700000300"));
    assert_eq!(extracted("numerical:desc").code(0), format!("{image}:main-fff-999"));
    // alphabetical compares the extracted text: "999" sorts after "17..."
    assert_eq!(extracted("alphabetical").code(0), format!("{image}:main-fff-999"));
    let run = resolve(&[&image, "--policy", "alphabetical:desc"], &[]);
    assert_eq!(run.code(0), format!("{image}:feature-x-1800000000"));
}

#[test]
fn failures_have_distinct_exit_codes_and_name_the_registry() {
    let reg = Registry::start(RegistryOptions::default());
    reg.seed("team/app", &mixed());
    let image = format!("{}/team/app", reg.addr());
    let run = resolve(&[&image, "--policy", "semver:^3"], &[]);
    run.code(6);
    assert!(
        run.stderr().contains(&format!(
            "no tag of {image} satisfies semver:>=3.0.0 <4.0.0 (10 tags: 1 ignored, 3 not semantic versions, 6 outside the range)"
        )),
        "{}",
        run.stderr()
    );
    let run = resolve(&[&format!("{}/team/nope", reg.addr()), "--policy", "semver"], &[]);
    run.code(5);
    assert!(
        run.stderr()
            .contains(&format!("error: {}: repository team/nope not found", reg.addr())),
        "{}",
        run.stderr()
    );
    let run = resolve(&[&format!("{image}:9.9.9"), "--policy", "digest"], &[]);
    run.code(5);
    assert!(run.stderr().contains("team/app:9.9.9 not found"), "{}", run.stderr());
    for (args, msg) in [
        (
            vec![image.as_str(), "--policy", "semver:>=>1"],
            "invalid semver range in policy",
        ),
        (vec![image.as_str(), "--policy", "newest"], "unknown policy \"newest\""),
        (vec![image.as_str(), "--filter", "("], "invalid --filter regex"),
        (
            vec![image.as_str(), "--platform", "linux"],
            "invalid platform \"linux\"",
        ),
        (vec!["Bad Image!", "--policy", "semver"], "invalid image \"Bad Image!\""),
    ] {
        let run = resolve(&args, &[]);
        run.code(2);
        assert!(run.stderr().contains(msg), "{msg}: {}", run.stderr());
    }
}
