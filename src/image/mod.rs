//! Image references: the strict form a user types and the lenient form found in files.
//!
//! Two readings of one syntax, on purpose. A reference given to tagbump ([`ImageRef::parse`])
//! will be written into somebody's repository, so it must pass Docker's grammar, and a
//! mistake is reported with its reason before any file is touched. A value already in a file
//! ([`ImageRef::split`]) is only taken apart, never judged: it may be templated
//! (`app:{GENERATED_TAG}`) or use a digest Docker does not know, and it is still an image
//! the user may want to find.
//!
//! Names are compared in two ways too. Workloads and Helm values name an image the way the
//! runtime resolves it, so [`same_name`] normalises as Docker does (`nginx` is
//! `docker.io/library/nginx`). A kustomization's `images[].name` is matched as kustomize
//! matches it, literally ([`kustomize_name_matches`]); normalising there would rewrite images
//! that `kustomize build` leaves alone.

mod error;
mod kustomize;
mod normalize;
mod parse;
mod part;
mod reference;

pub use error::ImageError;
pub use kustomize::kustomize_name_matches;
pub use normalize::{canonical_name, canonical_registry, same_name, split_domain};
pub use part::Part;
pub use reference::ImageRef;
