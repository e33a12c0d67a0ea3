//! The pull agent (`tagbump agent`): keeps a cluster equal to the config repo.
//!
//! Built up in stages (issue 6). Present so far: [`config`] (`agent.yaml`, checked with
//! file:line errors), [`source`] (shallow fetch; the commit and
//! the digest of the source's path, to skip unchanged syncs), [`render`] (from a source's
//! path to the objects to apply) and [`subprocess`] (renderers with a time limit). To
//! come: apply (server-side, in stages), the inventory and prune with
//! its safeguards, drift, health, status, metrics, leader election.

pub mod config;
pub mod render;
pub mod source;
pub mod subprocess;
