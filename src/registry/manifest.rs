//! Manifests and image indexes, as the registry sends them, checked against their digest.
//!
//! The four media types go into every `Accept`: without an OCI type, an OCI manifest
//! answers 404 on Distribution; without the Docker list type, a manifest list may be
//! downgraded to schema 1. The wire types are `oci-client`'s.

use oci_client::manifest::{
    IMAGE_MANIFEST_LIST_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE, OCI_IMAGE_MEDIA_TYPE,
    OciImageIndex, OciImageManifest,
};
use sha2::Digest as _;

use super::platform::Platform;

/// The `Accept` header for manifest requests.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The digest of the bytes received (`sha256:...`): what a pin must name.
    pub digest: String,
    pub media_type: String,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// An OCI index or Docker manifest list.
    Index(Vec<Entry>),
    /// A single-platform image.
    Image { config_digest: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub digest: String,
    pub media_type: String,
    pub platform: Option<Platform>,
}

impl Manifest {
    /// Parses a manifest body. `content_type` is the response's `Content-Type`, used when
    /// the body does not say its own media type.
    pub fn parse(body: &[u8], content_type: Option<&str>, digest: String) -> Result<Manifest, String> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Probe {
            schema_version: Option<u32>,
            media_type: Option<String>,
            manifests: Option<serde_json::Value>,
            config: Option<serde_json::Value>,
        }
        let probe: Probe = serde_json::from_slice(body).map_err(|e| format!("invalid manifest JSON ({e})"))?;
        if probe.schema_version == Some(1) {
            return Err(
                "is a schema 1 manifest, which tagbump does not support (push it again with a current client)".into(),
            );
        }
        let content_type = content_type.map(|c| c.split(';').next().unwrap_or(c).trim().to_string());
        let media_type = probe.media_type.clone().or(content_type).unwrap_or_else(|| {
            if probe.manifests.is_some() {
                OCI_IMAGE_INDEX_MEDIA_TYPE
            } else {
                OCI_IMAGE_MEDIA_TYPE
            }
            .into()
        });
        let is_index = match media_type.as_str() {
            OCI_IMAGE_INDEX_MEDIA_TYPE | IMAGE_MANIFEST_LIST_MEDIA_TYPE => true,
            OCI_IMAGE_MEDIA_TYPE | IMAGE_MANIFEST_MEDIA_TYPE => false,
            _ if probe.manifests.is_some() => true,
            _ if probe.config.is_some() => false,
            other => return Err(format!("has unsupported media type {other:?}")),
        };
        let kind = if is_index {
            let index: OciImageIndex =
                serde_json::from_slice(body).map_err(|e| format!("invalid image index ({e})"))?;
            Kind::Index(
                index
                    .manifests
                    .into_iter()
                    .map(|m| Entry {
                        platform: m.platform.map(|p| {
                            Platform::new(&p.os.to_string(), &p.architecture.to_string(), p.variant.as_deref())
                        }),
                        digest: m.digest,
                        media_type: m.media_type,
                    })
                    .collect(),
            )
        } else {
            let image: OciImageManifest =
                serde_json::from_slice(body).map_err(|e| format!("invalid image manifest ({e})"))?;
            Kind::Image {
                config_digest: image.config.digest,
            }
        };
        Ok(Manifest {
            digest,
            media_type,
            kind,
        })
    }

    /// The entry of an index for a platform, skipping attestation manifests (which carry
    /// the `unknown/unknown` platform).
    pub fn entry_for(&self, platform: &Platform) -> Option<&Entry> {
        match &self.kind {
            Kind::Index(entries) => entries
                .iter()
                .find(|e| e.platform.as_ref().is_some_and(|p| platform.satisfied_by(p))),
            Kind::Image { .. } => None,
        }
    }

    /// The platforms an index offers, for error messages.
    pub fn platforms(&self) -> Vec<String> {
        match &self.kind {
            Kind::Index(entries) => entries
                .iter()
                .filter_map(|e| e.platform.as_ref())
                .filter(|p| p.os != "unknown")
                .map(ToString::to_string)
                .collect(),
            Kind::Image { .. } => Vec::new(),
        }
    }
}

/// `sha256:<hex>` (or `sha512:`) of bytes, for the algorithm of `like`.
pub fn digest_of(bytes: &[u8], like: &str) -> String {
    if like.starts_with("sha512:") {
        format!("sha512:{}", hex(&sha2::Sha512::digest(bytes)))
    } else {
        format!("sha256:{}", hex(&sha2::Sha256::digest(bytes)))
    }
}

/// Whether bytes have the given digest; `None` for an algorithm we cannot check.
pub fn verify(bytes: &[u8], digest: &str) -> Option<bool> {
    if digest.starts_with("sha256:") || digest.starts_with("sha512:") {
        Some(digest_of(bytes, digest) == digest)
    } else {
        None
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
        {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aa","size":1,"platform":{"architecture":"amd64","os":"linux"}},
        {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:bb","size":1,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
        {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:cc","size":1,"platform":{"architecture":"unknown","os":"unknown"}}]}"#;

    #[test]
    fn index_and_platforms() {
        let m = Manifest::parse(INDEX.as_bytes(), None, "sha256:idx".into()).unwrap();
        assert_eq!(
            m.entry_for(&Platform::parse("linux/arm64").unwrap()).unwrap().digest,
            "sha256:bb"
        );
        assert_eq!(m.entry_for(&Platform::linux_amd64()).unwrap().digest, "sha256:aa");
        assert!(m.entry_for(&Platform::parse("linux/s390x").unwrap()).is_none());
        assert_eq!(m.platforms(), ["linux/amd64", "linux/arm64/v8"]);
    }

    #[test]
    fn docker_manifest_by_content_type() {
        let body = r#"{"schemaVersion":2,"config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:cfg","size":2},"layers":[]}"#;
        let m = Manifest::parse(
            body.as_bytes(),
            Some("application/vnd.docker.distribution.manifest.v2+json; charset=utf-8"),
            "sha256:m".into(),
        )
        .unwrap();
        assert_eq!(m.media_type, IMAGE_MANIFEST_MEDIA_TYPE);
        assert_eq!(
            m.kind,
            Kind::Image {
                config_digest: "sha256:cfg".into()
            }
        );
    }

    #[test]
    fn refusals() {
        let schema1 = r#"{"schemaVersion":1,"name":"a","tag":"b","fsLayers":[]}"#;
        assert!(
            Manifest::parse(schema1.as_bytes(), None, String::new())
                .unwrap_err()
                .contains("schema 1")
        );
        assert!(
            Manifest::parse(b"{\"schemaVer", None, String::new())
                .unwrap_err()
                .contains("invalid manifest JSON")
        );
        let odd = r#"{"schemaVersion":2,"mediaType":"application/vnd.example+json"}"#;
        assert!(
            Manifest::parse(odd.as_bytes(), None, String::new())
                .unwrap_err()
                .contains("unsupported media type")
        );
    }

    #[test]
    fn digests() {
        assert_eq!(
            digest_of(b"", "sha256:"),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            verify(
                b"",
                "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            Some(true)
        );
        assert_eq!(
            verify(
                b"x",
                "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            Some(false)
        );
        assert_eq!(verify(b"x", "md5:abc"), None);
        assert!(digest_of(b"", "sha512:").starts_with("sha512:cf83e1357eefb8bd"));
    }
}
