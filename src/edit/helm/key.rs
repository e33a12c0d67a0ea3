//! Key paths as Helm users write them: keys separated by dots, a list item chosen with
//! `[n]` right after its key (`extraContainers.images[0].tag`).
//!
//! The path is only split here; whether an index is a number is judged while the path is
//! followed, as Argo CD Image Updater does, so a bad index on a key that is not a list gets
//! the message about the index.

/// One dotted part of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Segment<'k> {
    /// The mapping key.
    pub name: &'k str,
    /// The text between `[` and `]`, when the part ends with an index.
    pub index: Option<&'k str>,
}

/// Split a key path into its parts. A part ending in `]` is `name[index]`, the index being
/// what follows the last `[`.
pub(super) fn segments(key: &str) -> Vec<Segment<'_>> {
    key.split('.')
        .map(|part| match part.strip_suffix(']').and_then(|p| p.rsplit_once('[')) {
            Some((name, index)) => Segment {
                name,
                index: Some(index),
            },
            None => Segment {
                name: part,
                index: None,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg<'k>(name: &'k str, index: Option<&'k str>) -> Segment<'k> {
        Segment { name, index }
    }

    #[test]
    fn dots_and_indexes() {
        assert_eq!(segments("image.tag"), [seg("image", None), seg("tag", None)]);
        assert_eq!(
            segments("images123[0].tag"),
            [seg("images123", Some("0")), seg("tag", None)]
        );
        assert_eq!(segments("a[x]"), [seg("a", Some("x"))]);
        assert_eq!(segments("a[-1]"), [seg("a", Some("-1"))]);
        assert_eq!(segments("a]"), [seg("a]", None)]);
    }
}
