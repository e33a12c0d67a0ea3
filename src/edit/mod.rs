//! Format-preserving editors. Each finds image fields in one kind of file and returns
//! [`Splice`]s; none re-serialises a document. [`file::edit_file`] runs the right editors
//! for a file and verifies the result.

pub mod argocd;
pub mod file;
pub mod helm;
pub mod kcl;
pub mod kustomize;
pub mod marker;
pub mod request;
pub mod splice;
pub mod target;
pub mod workload;
pub mod yaml;

pub use file::{FileEdit, FileError, edit_file};
pub use request::Request;
pub use splice::Splice;
pub use target::Target;
