//! Resolve every image of a run, concurrently, before anything is written.
//!
//! All images resolve first so that a registry failure or an unsatisfiable policy stops
//! the run before the config repo is touched. Images given with a fixed tag or digest are
//! not looked up (CI just pushed them; the registry may still be replicating).

use futures_util::future::join_all;

use crate::config::{Config, ImageSpec};
use crate::image::ImageRef;
use crate::registry::Client;
use crate::resolve::{self, Request, Resolution, ResolveError};

/// One image's answer.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Index into [`Config::images`].
    pub index: usize,
    /// The reference to write (the image's name as configured, the chosen tag/digest).
    pub reference: ImageRef,
    /// `None` for a fixed tag (nothing was resolved).
    pub resolution: Option<Resolution>,
    pub request: Option<Request>,
}

#[derive(Debug, thiserror::Error)]
#[error("image `{name}` ({image}): {source}")]
pub struct ImageError {
    pub name: String,
    pub image: String,
    #[source]
    pub source: ResolveError,
}

pub fn request_for(spec: &ImageSpec) -> Option<Request> {
    let policy = spec.policy.clone()?;
    Some(Request {
        image: spec.image.clone(),
        policy,
        filter: spec.filter.clone(),
        ignore: spec.ignore.clone(),
        platform: spec.platform.clone(),
        pin_digest: spec.pin_digest,
        max_builds: spec.max_builds,
    })
}

/// Resolve all images; on failure, every failed image's error (in config order).
pub async fn resolve_all(client: &Client, config: &Config) -> Result<Vec<Resolved>, Vec<ImageError>> {
    let jobs = config.images.iter().enumerate().map(|(index, spec)| async move {
        let Some(req) = request_for(spec) else {
            return Ok(Resolved {
                index,
                reference: spec.image.clone(),
                resolution: None,
                request: None,
            });
        };
        match resolve::resolve(client, &req).await {
            Ok(r) => Ok(Resolved {
                index,
                reference: r.reference.clone(),
                resolution: Some(r),
                request: Some(req),
            }),
            Err(source) => Err(ImageError {
                name: spec.name.clone(),
                image: spec.image.to_string(),
                source,
            }),
        }
    });
    let results = join_all(jobs).await;
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(v) => ok.push(v),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(ok) } else { Err(errors) }
}
