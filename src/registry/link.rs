//! The `Link` header's `rel="next"` target (RFC 8288), which the distribution spec uses to
//! page tag lists: `Link: </v2/app/tags/list?n=1000&last=v1.9>; rel="next"`.

/// The `rel="next"` URI reference from the `Link` header values, if any.
pub fn next<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<String> {
    for value in values {
        for link in split_links(value) {
            let link = link.trim();
            let Some(rest) = link.strip_prefix('<') else { continue };
            let Some((target, params)) = rest.split_once('>') else {
                continue;
            };
            let is_next = params.split(';').any(|p| {
                let Some((k, v)) = p.split_once('=') else { return false };
                k.trim().eq_ignore_ascii_case("rel")
                    && v.trim()
                        .trim_matches('"')
                        .split_ascii_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
            });
            if is_next {
                return Some(target.trim().to_string());
            }
        }
    }
    None
}

/// Splits a header value into links at commas outside `<...>` and quotes.
fn split_links(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut in_uri, mut in_quote, mut start) = (false, false, 0);
    for (i, c) in value.char_indices() {
        match c {
            '<' if !in_quote => in_uri = true,
            '>' if !in_quote => in_uri = false,
            '"' if !in_uri => in_quote = !in_quote,
            ',' if !in_uri && !in_quote => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links() {
        assert_eq!(
            next([r#"</v2/app/tags/list?n=2&last=b>; rel="next""#]).as_deref(),
            Some("/v2/app/tags/list?n=2&last=b")
        );
        assert_eq!(
            next([r#"<https://r.example/v2/a/tags/list?last=x%2Cy&n=5>; rel=next"#]).as_deref(),
            Some("https://r.example/v2/a/tags/list?last=x%2Cy&n=5")
        );
        // several links, commas inside the URI, rel lists
        assert_eq!(
            next([r#"</p?a=1,2>; rel="prev", </n?a=3,4>; rel="last next""#]).as_deref(),
            Some("/n?a=3,4")
        );
        assert_eq!(next([r#"</v2/x>; rel="prev""#]), None);
        assert_eq!(next(["garbage"]), None);
        assert_eq!(next(Vec::<&str>::new()), None);
    }
}
