//! Table tests with hand-written expectations, checked against the upstream v3.4.0 code paths.

mod differs_from_cargo_semver;
mod errors;
mod ordering;
mod ranges;
mod versions;
