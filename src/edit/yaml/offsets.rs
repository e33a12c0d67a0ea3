//! The YAML parser reports positions in characters; splices need bytes.
//!
//! Most config files are ASCII, where the two agree, so the table is only built when the text
//! holds a multi-byte character (a BOM, a comment in another language).

/// Maps character indexes to byte offsets for one text.
pub struct Offsets {
    /// Byte offset of every char boundary, or empty when the text is ASCII.
    table: Vec<usize>,
    len: usize,
}

impl Offsets {
    pub fn new(text: &str) -> Self {
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i).collect()
        };
        Self { table, len: text.len() }
    }

    /// Byte offset of character index `index` (clamped to the end of the text).
    pub fn byte(&self, index: usize) -> usize {
        if self.table.is_empty() {
            index.min(self.len)
        } else {
            self.table.get(index).copied().unwrap_or(self.len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_and_multibyte() {
        assert_eq!(Offsets::new("abc").byte(2), 2);
        let o = Offsets::new("\u{feff}a: é");
        assert_eq!(o.byte(1), 3);
        assert_eq!(o.byte(4), 6);
        assert_eq!(o.byte(5), 8);
    }
}
