//! The image configuration blob: when the image was built, for which platform, its labels.
//!
//! Parsed leniently (only the fields tagbump uses), because build tools disagree on the
//! rest; `created` is what newest-build sorts by.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageConfig {
    pub created: Option<DateTime<Utc>>,
    pub os: Option<String>,
    pub architecture: Option<String>,
    pub labels: BTreeMap<String, String>,
}

impl ImageConfig {
    pub fn parse(body: &[u8]) -> Result<ImageConfig, String> {
        #[derive(serde::Deserialize)]
        struct Raw {
            created: Option<String>,
            os: Option<String>,
            architecture: Option<String>,
            config: Option<Inner>,
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Inner {
            labels: Option<BTreeMap<String, String>>,
        }
        let raw: Raw = serde_json::from_slice(body).map_err(|e| format!("invalid image config JSON ({e})"))?;
        let created = match raw.created.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(text) => Some(
                DateTime::parse_from_rfc3339(text)
                    .map_err(|e| format!("invalid `created` time {text:?} ({e})"))?
                    .with_timezone(&Utc),
            ),
        };
        Ok(ImageConfig {
            created,
            os: raw.os,
            architecture: raw.architecture,
            labels: raw.config.and_then(|c| c.labels).unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_builders_write() {
        let c = ImageConfig::parse(
            br#"{"created":"2024-01-02T03:04:05.123456789+01:00","architecture":"arm64","os":"linux",
                "config":{"Labels":{"org.opencontainers.image.revision":"abc"}},"rootfs":{"type":"layers","diff_ids":[]}}"#,
        )
        .unwrap();
        assert_eq!(c.created.unwrap().to_rfc3339(), "2024-01-02T02:04:05.123456789+00:00");
        assert_eq!(c.labels["org.opencontainers.image.revision"], "abc");
        assert_eq!(c.architecture.as_deref(), Some("arm64"));
        // no created, no config, null labels
        let c = ImageConfig::parse(br#"{"config":{"Labels":null}}"#).unwrap();
        assert_eq!(c, ImageConfig::default());
        assert!(
            ImageConfig::parse(br#"{"created":"yesterday"}"#)
                .unwrap_err()
                .contains("yesterday")
        );
    }
}
