//! One part of an image reference, as marker comments and explicit key paths ask for it
//! (Flux's `:tag`, `:name`, `:digest` suffixes; `--values-key image.tag=tag`).

use super::ImageRef;

/// Which part of a reference a field receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `name[:tag][@digest]`.
    Full,
    Name,
    Tag,
    Digest,
}

impl ImageRef {
    /// The text of one part, `None` when the reference has no such part.
    pub fn part(&self, part: Part) -> Option<String> {
        match part {
            Part::Full => Some(self.to_string()),
            Part::Name => Some(self.name.clone()),
            Part::Tag => self.tag.clone(),
            Part::Digest => self.digest.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts() {
        let r =
            ImageRef::parse("ghcr.io/a/b:1@sha256:0000000000000000000000000000000000000000000000000000000000000000")
                .unwrap();
        assert_eq!(r.part(Part::Name).unwrap(), "ghcr.io/a/b");
        assert_eq!(r.part(Part::Tag).unwrap(), "1");
        assert!(r.part(Part::Digest).unwrap().starts_with("sha256:"));
        assert_eq!(r.part(Part::Full).unwrap(), r.to_string());
        assert_eq!(ImageRef::parse("a:1").unwrap().part(Part::Digest), None);
    }
}
