//! Tag selection policies: pure functions over tag lists (no network I/O here).
//!
//! - [`spec`]: the policy as named (`semver:^1.2`, `newest-build`, `numerical:desc`, ...);
//! - [`semver`]: Masterminds-compatible versions and ranges;
//! - [`filter`], [`ignore`]: which tags are candidates, and what is compared;
//! - [`select`]: the choice, with a verdict for every tag (`--explain`).

pub mod filter;
pub mod ignore;
pub mod select;
pub mod semver;
pub mod spec;

pub use filter::{Filter, FilterError};
pub use ignore::Ignore;
pub use spec::{Order, Policy, PolicyError};
