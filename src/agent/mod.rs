//! The pull agent (`tagbump agent`): keeps a cluster equal to the config repo.
//!
//! Built up in stages (issue 6). Present so far: [`config`] (`agent.yaml`, checked with
//! file:line errors), [`source`] (shallow fetch; the commit and
//! the digest of the source's path, to skip unchanged syncs), [`render`] (from a source's
//! path to the objects to apply), [`subprocess`] (renderers with a time limit),
//! [`health`] (from live status), [`webhook`] (signature check), [`inventory`] (what a
//! source owns) and [`prune`] (what to delete, and when to refuse:
//! empty or shrunk renders, opt-outs, foreign objects, Namespaces/CRDs/PVCs). To come:
//! apply (server-side, in stages, kube-rs), drift, status, metrics, the webhook server,
//! leader election, and the `tagbump agent` command.

pub mod apply;
pub mod cluster;
pub mod config;
pub mod drift;
pub mod health;
pub mod inventory;
pub mod leader;
pub mod metrics;
pub mod prune;
pub mod render;
pub mod run;
pub mod server;
pub mod source;
pub mod store;
pub mod subprocess;
pub mod sync;
pub mod webhook;
