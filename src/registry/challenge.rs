//! `WWW-Authenticate` challenges (RFC 7235), as registries send them.
//!
//! A registry answers an unauthenticated request with `401` and either
//! `Basic realm="..."` (send a password) or `Bearer realm="...",service="...",scope="..."`
//! (fetch a token from `realm` for `service` and `scope`). Parameter values may be quoted
//! strings with escapes or bare tokens, and one header may carry several challenges.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

/// The challenge to answer from the `WWW-Authenticate` header values: Bearer when offered
/// (with a realm), else Basic; `None` when neither is there.
pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Challenge> {
    let mut basic = false;
    for value in values {
        for (scheme, params) in challenges(value) {
            if scheme.eq_ignore_ascii_case("bearer") {
                if let Some(realm) = params.get("realm").filter(|r| !r.is_empty()) {
                    return Some(Challenge::Bearer {
                        realm: realm.clone(),
                        service: params.get("service").cloned(),
                        scope: params.get("scope").cloned(),
                    });
                }
            } else if scheme.eq_ignore_ascii_case("basic") {
                basic = true;
            }
        }
    }
    basic.then_some(Challenge::Basic)
}

/// Splits one header value into `(scheme, params)` challenges. Parameter names are
/// lowercased (they are case-insensitive).
fn challenges(value: &str) -> Vec<(String, HashMap<String, String>)> {
    let mut out: Vec<(String, HashMap<String, String>)> = Vec::new();
    let mut rest = value.trim_start();
    while !rest.is_empty() {
        // a token followed by `=` is a parameter of the current challenge; otherwise it is
        // the next scheme
        let token_end = rest
            .find(|c: char| c == '=' || c == ',' || c.is_whitespace())
            .unwrap_or(rest.len());
        let token = &rest[..token_end];
        let after = rest[token_end..].trim_start();
        if token.is_empty() {
            rest = rest[1..].trim_start();
            continue;
        }
        if let Some(after_eq) = after.strip_prefix('=').filter(|_| !out.is_empty()) {
            let after_eq = after_eq.trim_start();
            let (val, remaining) = if let Some(quoted) = after_eq.strip_prefix('"') {
                quoted_string(quoted)
            } else {
                let end = after_eq.find(',').unwrap_or(after_eq.len());
                (after_eq[..end].trim().to_string(), &after_eq[end..])
            };
            if let Some((_, params)) = out.last_mut() {
                params.insert(token.to_ascii_lowercase(), val);
            }
            rest = remaining.trim_start().trim_start_matches(',').trim_start();
        } else {
            out.push((token.to_string(), HashMap::new()));
            rest = after.trim_start_matches(',').trim_start();
        }
    }
    out
}

/// A quoted string's value (after the opening quote) and what follows its closing quote.
fn quoted_string(s: &str) -> (String, &str) {
    let mut val = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    val.push(escaped);
                }
            }
            '"' => return (val, &s[i + 1..]),
            _ => val.push(c),
        }
    }
    (val, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_bearer() {
        let h = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#;
        assert_eq!(
            parse([h]),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/nginx:pull".into()),
            })
        );
    }

    #[test]
    fn basic_and_odd_spellings() {
        assert_eq!(parse([r#"Basic realm="test-realm""#]), Some(Challenge::Basic));
        assert_eq!(parse(["basic"]), Some(Challenge::Basic));
        // bare tokens, spaces around `=`, escapes, scheme case, several challenges in one value
        let h =
            r#"Basic realm="x", BEARER realm = "http://127.0.0.1:1/token" , service=reg, scope="repository:a\"b:pull""#;
        assert_eq!(
            parse([h]),
            Some(Challenge::Bearer {
                realm: "http://127.0.0.1:1/token".into(),
                service: Some("reg".into()),
                scope: Some("repository:a\"b:pull".into()),
            })
        );
        // Bearer wins over Basic across header values too
        assert!(matches!(
            parse(["Basic realm=\"r\"", "Bearer realm=\"https://t\""]),
            Some(Challenge::Bearer { .. })
        ));
    }

    #[test]
    fn nothing_usable() {
        assert_eq!(parse(["Negotiate"]), None);
        assert_eq!(
            parse(["Bearer service=\"x\""]),
            None,
            "a bearer challenge without realm"
        );
        assert_eq!(parse([""]), None);
        assert_eq!(parse(Vec::<&str>::new()), None);
    }
}
