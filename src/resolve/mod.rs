//! From an image and a policy to the reference to deploy: list the tags, screen them,
//! choose, and pin the digest when asked.
//!
//! This is the one place where the pure [`crate::policy`] meets the [`crate::registry`]
//! client. It never guesses: a tag whose build time could not be read because the registry
//! failed fails the whole resolution (it might have been the newest), while a tag that
//! simply lacks the platform or a build time is set aside with its reason.

mod error;
pub mod explain;

use chrono::{DateTime, Utc};

pub use error::ResolveError;

use crate::image::ImageRef;
use crate::policy::select::{self, Candidate, Verdict};
use crate::policy::{Filter, Ignore, Policy};
use crate::registry::{Client, Platform, RegistryError, Repository};

/// What to resolve.
#[derive(Debug, Clone)]
pub struct Request {
    /// The image; its tag matters only to the `digest` policy (default `latest`).
    pub image: ImageRef,
    pub policy: Policy,
    pub filter: Option<Filter>,
    pub ignore: Ignore,
    /// For newest-build's build times.
    pub platform: Platform,
    /// Pin the chosen tag's digest (`tag@sha256:...`).
    pub pin_digest: bool,
    /// Newest-build: the most tags whose build time is fetched (each costs 2-3 requests).
    pub max_builds: usize,
}

/// The answer, with the evidence.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// The reference to deploy: the image's name as given, the chosen tag, the digest if
    /// pinned.
    pub reference: ImageRef,
    /// Every tag the registry listed, with its verdict (empty for the digest policy).
    pub candidates: Vec<Candidate>,
    /// The chosen image's build time, when the policy read it.
    pub created: Option<DateTime<Utc>>,
}

pub async fn resolve(client: &Client, req: &Request) -> Result<Resolution, ResolveError> {
    let repo = Repository::of(&req.image);
    let name = req.image.name.clone();
    if let Policy::Digest = req.policy {
        let tag = req.image.tag.clone().unwrap_or_else(|| "latest".into());
        let digest = client.digest(&repo, &tag).await?;
        return Ok(Resolution {
            reference: ImageRef {
                name,
                tag: Some(tag),
                digest: Some(digest),
            },
            candidates: Vec::new(),
            created: None,
        });
    }
    let tags = client.tags(&repo).await?;
    let mut candidates = select::screen(&tags, req.filter.as_ref(), &req.ignore);
    let (winner, digest, created) = match &req.policy {
        Policy::NewestBuild => match newest_build(client, &repo, req, &mut candidates).await? {
            Some((i, digest, created)) => (Some(i), Some(digest), Some(created)),
            None => (None, None, None),
        },
        policy => (select::choose(policy, &mut candidates), None, None),
    };
    let Some(winner) = winner else {
        return Err(ResolveError::NoTag {
            repository: repo.to_string(),
            policy: req.policy.to_string(),
            summary: error::summary(&candidates),
            candidates,
        });
    };
    let tag = candidates[winner].tag.clone();
    let digest = match (req.pin_digest, digest) {
        (false, _) => None,
        (true, Some(d)) => Some(d),
        (true, None) => Some(client.digest(&repo, &tag).await?),
    };
    Ok(Resolution {
        reference: ImageRef {
            name,
            tag: Some(tag),
            digest,
        },
        candidates,
        created,
    })
}

/// Fetches build times for the most recent-looking eligible tags (at most `max_builds`),
/// concurrently under the registry's cap, and chooses the newest.
async fn newest_build(
    client: &Client,
    repo: &Repository,
    req: &Request,
    candidates: &mut [Candidate],
) -> Result<Option<(usize, String, DateTime<Utc>)>, ResolveError> {
    let order = select::fetch_order(candidates);
    let bound = req.max_builds.max(1);
    for &i in order.iter().skip(bound) {
        candidates[i].verdict = Verdict::NotExamined(format!(
            "not examined: only the {bound} most recent-looking tags are fetched (--max-builds)"
        ));
    }
    let examined: Vec<usize> = order.into_iter().take(bound).collect();
    let builds = futures_util::future::join_all(
        examined
            .iter()
            .map(|&i| client.build(repo, &candidates[i].tag, &req.platform)),
    )
    .await;
    let mut times: Vec<Option<DateTime<Utc>>> = vec![None; candidates.len()];
    let mut digests: Vec<Option<String>> = vec![None; candidates.len()];
    for (&i, build) in examined.iter().zip(builds) {
        match build {
            Ok(b) => match b.config.created {
                Some(t) => {
                    times[i] = Some(t);
                    digests[i] = Some(b.digest);
                }
                None => candidates[i].verdict = Verdict::Unusable("its image config has no build time".into()),
            },
            Err(RegistryError::NotFound { what, detail, .. }) if what.starts_with("platform ") => {
                candidates[i].verdict = Verdict::Unusable(format!("no image for {}{detail}", req.platform));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(select::choose_newest(candidates, &times).map(|w| {
        let digest = digests[w].clone().expect("a chosen tag has a build");
        (w, digest, times[w].expect("a chosen tag has a time"))
    }))
}
