//! The guarantee: an edited YAML text means exactly what the original meant, except where
//! the edit said it would differ.
//!
//! The edited text is parsed again and compared with the original tree after the expected
//! [`Change`]s ([`expected`]), node by node: same structure, same keys in the same order,
//! same anchors and aliases, same tags, and scalars with the same value and the same *type*
//! (a quoted `"1234"` is a string, a plain `1234` is not). Any difference means a splice
//! broke something, and nothing is written.
//!
//! Two implementations make the same comparisons. [`stream`] compares the parser's events
//! with the expected tree as they come, building nothing: it decides. [`tree`] builds a
//! second tree and compares the trees, as the check first did; it runs only when the stream
//! check refuses an edit, to word the error (which difference it names first, and whether
//! it calls a duplicate key by its name), and it is the oracle the two are tested against.

pub mod expected;
pub mod stream;
pub mod tree;

use super::change::Change;
use super::tree::{Node, TreeError};

/// How an edited text failed the check.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the edited text no longer parses ({0}); nothing was written")]
    Reparse(TreeError),
    #[error("line {line}: the edit would change more than the image value ({what}); nothing was written")]
    Mismatch { line: usize, what: String },
}

/// Check `updated` against `original` plus `changes`.
pub fn verify(original: &[Node], updated: &str, changes: &[Change]) -> Result<(), VerifyError> {
    let refused = if changes.iter().all(|c| matches!(c, Change::Set { .. })) {
        // A `Set` changes no key, and the original has no duplicate keys (the tree builder
        // refuses them), so an edited text equal to the expected tree has none either.
        stream::check(original, &expected::sets(changes), updated)
    } else {
        let mut want = original.to_vec();
        expected::apply(&mut want, changes);
        if expected::has_duplicate_keys(&want) {
            // Inserted keys collide: whatever the text, the reference check refuses it.
            return tree::by_tree(original, updated, changes);
        }
        stream::check(&want, &[], updated)
    };
    match refused {
        Ok(()) => Ok(()),
        // The reference check words the refusal; it cannot accept what the stream check
        // refused, but if it ever did, the edit stays refused.
        Err(e) => tree::by_tree(original, updated, changes).and(Err(e)),
    }
}
