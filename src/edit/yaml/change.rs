//! What an edit means as data, so the re-parse check knows what to expect.
//!
//! Every YAML splice is paired with a [`Change`] that says, at the data level, what the
//! splice is supposed to do. [`super::verify`] applies the changes to the tree of the original
//! text and requires the tree of the edited text to equal the result.

/// Path to a node: the document index, then for each level the entry index (mappings, to
/// the value) or the item index (sequences).
pub type Path = Vec<usize>;

/// A small piece of data inserted into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    Str(String),
    Map(Vec<(String, Data)>),
    Seq(Vec<Data>),
}

/// One data-level change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The node at `path` becomes the string `value` (it may have been an alias or null).
    Set { path: Path, value: String },
    /// A new entry `key: value` in the mapping at `map`, before original entry index `at`
    /// (`at` = number of entries: appended).
    Insert {
        map: Path,
        at: usize,
        key: String,
        value: Data,
    },
    /// The entry with original index `at` is removed from the mapping at `map`.
    Remove { map: Path, at: usize },
    /// A new item appended to the sequence at `seq`.
    Append { seq: Path, value: Data },
}
