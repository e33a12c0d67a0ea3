//! Environment variables tagbump reads outside clap, declared once. Secrets are read here
//! (never taken from the command line, where `ps` and shell history would see them).

/// Password for `--registry-username`.
pub const REGISTRY_PASSWORD: &str = "TAGBUMP_REGISTRY_PASSWORD";
/// A bearer token for the registries of the images on the command line.
pub const REGISTRY_TOKEN: &str = "TAGBUMP_REGISTRY_TOKEN";

/// A variable's value, `None` when unset or empty.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
