//! What to push to a test registry ([`Seed`]) and what it got ([`Seeded`]), through
//! scripts/testenv/seed_registry.py. Tests assert exact digests, so the seeder reports every
//! digest it pushed; each tag's images are distinct (their config holds the tag and the
//! `created` time), an alias is the same manifest under another tag.

use std::collections::HashMap;
use std::io::Write as _;
use std::process::{Command, Stdio};

use serde::Deserialize;
use serde_json::json;

/// The manifest media types of a seeded repository.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Media {
    /// OCI image manifests (`application/vnd.oci.image.manifest.v1+json`) and indexes.
    #[default]
    Oci,
    /// Docker v2 manifests (`application/vnd.docker.distribution.manifest.v2+json`) and
    /// manifest lists.
    Docker,
}

/// Images to push to one repository; build with the methods:
/// ```ignore
/// Seed::new()
///     .tag("1.0.0", "2024-01-01T00:00:00Z")
///     .platforms(["linux/amd64", "linux/arm64/v8"])
///     .alias("latest", "1.0.0")
/// ```
#[derive(Clone, Debug, Default)]
pub struct Seed {
    /// `(tag, created)`: the image config's `created`, passed through verbatim (any string);
    /// `None` leaves `created` out of the config.
    pub tags: Vec<(String, Option<String>)>,
    pub media: Media,
    /// `os/arch` or `os/arch/variant`. Empty: each tag is one linux/amd64 image. Otherwise
    /// each tag is an index (OCI image index, or Docker manifest list) of one image per
    /// platform, in this order.
    pub platforms: Vec<String>,
    /// `(alias, target)`: the target's manifest (so its digest) under a second tag. The
    /// target must be one of `tags`.
    pub aliases: Vec<(String, String)>,
}

impl Seed {
    pub fn new() -> Seed {
        Seed::default()
    }

    /// Tags `1.0.1` ..= `1.0.COUNT`, created an hour apart from 2024-01-01T00:00:00Z on
    /// (`1.0.1` oldest).
    pub fn numbered(count: usize) -> Seed {
        let start = 1_704_067_200; // 2024-01-01T00:00:00Z
        let mut seed = Seed::new();
        for i in 1..=count {
            seed = seed.tag(&format!("1.0.{i}"), &rfc3339(start + 3600 * (i as i64 - 1)));
        }
        seed
    }

    pub fn tag(mut self, tag: &str, created: &str) -> Seed {
        self.tags.push((tag.to_string(), Some(created.to_string())));
        self
    }

    /// A tag whose image config has no `created`.
    pub fn tag_without_created(mut self, tag: &str) -> Seed {
        self.tags.push((tag.to_string(), None));
        self
    }

    pub fn media(mut self, media: Media) -> Seed {
        self.media = media;
        self
    }

    pub fn platforms<I: IntoIterator<Item = S>, S: Into<String>>(mut self, platforms: I) -> Seed {
        self.platforms = platforms.into_iter().map(Into::into).collect();
        self
    }

    pub fn alias(mut self, alias: &str, target: &str) -> Seed {
        self.aliases.push((alias.to_string(), target.to_string()));
        self
    }

    /// The spec seed_registry.py reads (see its `--help`).
    fn spec(&self, repo: &str) -> serde_json::Value {
        let media = match self.media {
            Media::Oci => "oci",
            Media::Docker => "docker",
        };
        let tags: Vec<_> = self
            .tags
            .iter()
            .map(|(tag, created)| json!({"tag": tag, "created": created}))
            .collect();
        let aliases: Vec<_> = self
            .aliases
            .iter()
            .map(|(a, target)| json!({"alias": a, "target": target}))
            .collect();
        json!({"repo": repo, "media": media, "platforms": self.platforms, "tags": tags, "aliases": aliases})
    }

    /// Run the seeder `cmd` (which reads the spec on stdin) and parse what it pushed.
    pub(super) fn run(&self, repo: &str, mut cmd: Command) -> Seeded {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start seed_registry.py");
        let spec = serde_json::to_vec(&self.spec(repo)).unwrap();
        child.stdin.take().unwrap().write_all(&spec).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "seed_registry.py failed for {repo}: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Report = serde_json::from_slice(&out.stdout).expect("seed_registry.py's JSON");
        Seeded::from(report)
    }
}

/// What [`super::Registry::seed`] pushed. Aliases appear under their own name too.
#[derive(Clone, Debug, Default)]
pub struct Seeded {
    /// Tag -> the digest of its manifest (of its index for multi-platform seeds).
    pub digests: HashMap<String, String>,
    /// (tag, platform as given in [`Seed::platforms`]) -> that platform's image manifest
    /// digest. No entries for a single-platform seed, whose tag digest is the image's.
    pub platform_digests: HashMap<(String, String), String>,
    /// Tag -> the media type of its manifest or index.
    pub media_types: HashMap<String, String>,
    /// How long the pushes took, without the Python start.
    pub seconds: f64,
}

impl Seeded {
    /// The digest of `tag` (panics with the known tags if it was not seeded).
    pub fn digest(&self, tag: &str) -> &str {
        self.digests
            .get(tag)
            .unwrap_or_else(|| panic!("{tag} not seeded; seeded: {:?}", self.digests.keys()))
    }

    /// The digest of `tag`'s image for `platform`.
    pub fn platform_digest(&self, tag: &str, platform: &str) -> &str {
        let key = (tag.to_string(), platform.to_string());
        self.platform_digests
            .get(&key)
            .unwrap_or_else(|| panic!("no {platform} image seeded for {tag}"))
    }
}

#[derive(Deserialize)]
struct Report {
    seconds: f64,
    tags: HashMap<String, ReportTag>,
    aliases: HashMap<String, ReportAlias>,
}

#[derive(Deserialize)]
struct ReportTag {
    digest: String,
    media_type: String,
    platforms: HashMap<String, String>,
}

#[derive(Deserialize)]
struct ReportAlias {
    target: String,
}

impl From<Report> for Seeded {
    fn from(report: Report) -> Seeded {
        let mut seeded = Seeded {
            seconds: report.seconds,
            ..Seeded::default()
        };
        let aliases = report.aliases.iter().map(|(alias, a)| (alias, &report.tags[&a.target]));
        for (tag, info) in report.tags.iter().chain(aliases) {
            seeded.digests.insert(tag.clone(), info.digest.clone());
            seeded.media_types.insert(tag.clone(), info.media_type.clone());
            for (platform, digest) in &info.platforms {
                seeded
                    .platform_digests
                    .insert((tag.clone(), platform.clone()), digest.clone());
            }
        }
        seeded
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch (days to civil date: Howard
/// Hinnant's algorithm).
pub fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}
