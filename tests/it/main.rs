//! The one integration-test binary (see `Cargo.toml`): every test that drives the library or
//! the `tagbump` binary lives in a module here, sharing the helpers in `support`.

mod action;
mod agent;
mod cli;
mod conformance;
mod credentials;
mod editors;
mod examples;
mod github_standin;
mod kcl;
mod kustomize_oracle;
mod props;
mod resolve;
mod support;
mod testenv;
mod update;
