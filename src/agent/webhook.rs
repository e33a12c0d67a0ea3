//! The webhook's signature check: GitHub signs each delivery with the shared secret
//! (`X-Hub-Signature-256: sha256=HEX`, HMAC-SHA256 of the raw body). A delivery without a
//! valid signature is refused, compared in constant time, so anyone who can reach the
//! endpoint cannot trigger syncs (or learn the secret by timing).

use hmac::{KeyInit as _, Mac as _};
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no X-Hub-Signature-256 header")]
    Missing,
    #[error("X-Hub-Signature-256 is not `sha256=` and 64 hex digits")]
    Malformed,
    #[error("the signature does not match the body and the webhook secret")]
    Mismatch,
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Check `header` (the value of `X-Hub-Signature-256`) against `body` and `secret`.
pub fn verify(secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex = header.trim().strip_prefix("sha256=").ok_or(SignatureError::Malformed)?;
    let sig = unhex(hex).filter(|s| s.len() == 32).ok_or(SignatureError::Malformed)?;
    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&sig).map_err(|_| SignatureError::Mismatch)
}

/// The header value for `body` (for tests and tools that send deliveries).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    format!(
        "sha256={}",
        crate::registry::manifest::hex(&mac.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GitHub's documented example: secret "It's a Secret to Everybody", payload
    /// "Hello, World!".
    #[test]
    fn githubs_documented_example() {
        let want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(sign(b"It's a Secret to Everybody", b"Hello, World!"), want);
        assert_eq!(
            verify(b"It's a Secret to Everybody", b"Hello, World!", Some(want)),
            Ok(())
        );
    }

    #[test]
    fn refusals() {
        let s = sign(b"k", b"body");
        assert_eq!(verify(b"k", b"body!", Some(&s)), Err(SignatureError::Mismatch));
        assert_eq!(verify(b"other", b"body", Some(&s)), Err(SignatureError::Mismatch));
        assert_eq!(verify(b"k", b"body", None), Err(SignatureError::Missing));
        assert_eq!(verify(b"k", b"body", Some("sha1=abcd")), Err(SignatureError::Malformed));
        assert_eq!(verify(b"k", b"body", Some("sha256=zz")), Err(SignatureError::Malformed));
        assert_eq!(verify(b"k", b"body", Some(&s[..40])), Err(SignatureError::Malformed));
    }
}
