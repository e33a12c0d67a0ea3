//! `tagbump resolve`: print the reference a policy chooses, and with `--explain` why.

use std::io::Write;

use anyhow::Context as _;

use super::args::{OutputFormat, ResolveArgs};
use super::exit::Failure;
use crate::image::ImageRef;
use crate::policy::select::Candidate;
use crate::policy::{Filter, Ignore, Policy, ignore};
use crate::registry::{Client, Platform, RequestCounts};
use crate::resolve::{self, Request, Resolution, ResolveError};

fn usage(e: impl Into<anyhow::Error>) -> Failure {
    Failure::new(Failure::USAGE, e)
}

/// The library request for the arguments.
pub fn request(args: &ResolveArgs) -> Result<Request, Failure> {
    let image = ImageRef::parse(&args.image)
        .with_context(|| format!("invalid image {:?}", args.image))
        .map_err(usage)?;
    let policy = Policy::parse(&args.policy).map_err(usage)?;
    let filter = match &args.filter {
        Some(pattern) => Some(Filter::new(pattern, args.extract.as_deref()).map_err(usage)?),
        None => None,
    };
    let mut patterns: Vec<String> = if args.no_default_ignore {
        Vec::new()
    } else {
        ignore::DEFAULT.iter().map(|s| s.to_string()).collect()
    };
    patterns.extend(args.ignore.iter().cloned());
    let platform = Platform::parse(&args.platform).map_err(|e| usage(anyhow::anyhow!(e)))?;
    Ok(Request {
        image,
        policy,
        filter,
        ignore: Ignore::new(patterns),
        platform,
        pin_digest: args.digest,
        max_builds: args.max_builds.max(1),
    })
}

pub fn run_resolve(args: &ResolveArgs, out: &mut dyn Write) -> Result<u8, Failure> {
    let req = request(args)?;
    let options = super::registry::client_options(&args.registry, &[req.image.registry()])?;
    let client = Client::new(options).map_err(usage)?;
    let runtime = super::registry::runtime()?;
    let result = runtime.block_on(resolve::resolve(&client, &req));
    let requests = client.requests();
    match result {
        Ok(resolution) => {
            report(args, &req, &resolution, requests, out).map_err(|e| Failure::new(Failure::IO, e))?;
            Ok(0)
        }
        Err(ResolveError::NoTag { candidates, .. }) if args.explain && args.format == OutputFormat::Text => {
            explain_text(&req, &candidates, requests);
            Err(Failure::new(
                Failure::NO_TAG,
                anyhow::anyhow!(
                    "no tag of {} satisfies {} (see above)",
                    crate::registry::Repository::of(&req.image),
                    req.policy
                ),
            ))
        }
        Err(e @ ResolveError::NoTag { .. }) => Err(Failure::new(Failure::NO_TAG, e)),
        Err(e @ ResolveError::Registry(_)) => Err(Failure::new(Failure::REGISTRY, e)),
    }
}

fn report(
    args: &ResolveArgs,
    req: &Request,
    r: &Resolution,
    requests: RequestCounts,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match args.format {
        OutputFormat::Text => {
            writeln!(out, "{}", r.reference)?;
            if args.explain {
                explain_text(req, &r.candidates, requests);
            }
        }
        OutputFormat::Json => {
            let mut v = serde_json::json!({
                "image": args.image,
                "reference": r.reference.to_string(),
                "name": r.reference.name,
                "tag": r.reference.tag,
                "digest": r.reference.digest,
                "policy": req.policy.to_string(),
                "platform": req.platform.to_string(),
                "created": r.created.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
                "tags": r.candidates.len(),
                "requests": requests,
            });
            if args.explain {
                v["candidates"] = serde_json::to_value(&r.candidates)?;
            }
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// The explanation on stderr.
fn explain_text(req: &Request, candidates: &[Candidate], requests: RequestCounts) {
    let _ = crate::resolve::explain::write_text(&mut std::io::stderr().lock(), req, candidates, Some(requests));
}
