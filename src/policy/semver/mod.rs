//! Semver ranges with the syntax and semantics of Masterminds/semver v3, which Argo CD
//! Image Updater and Flux use (the Rust `semver` crate has Cargo's semantics instead).
