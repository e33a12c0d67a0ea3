//! Getting edits onto disk, or onto the screen.
//!
//! - [`atomic`]: each file is replaced by a rename of a fully written temporary file in the
//!   same directory, with the original's permissions, so a reader (or a crash) never sees a
//!   half-written file;
//! - [`diff`]: unified diffs for `--dry-run`.

pub mod atomic;
pub mod diff;
