//! Tag selection policies: pure functions over tag lists (no network I/O here).

pub mod semver;
