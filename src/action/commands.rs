//! GitHub Actions workflow commands: masks, annotations, log groups.
//!
//! Values are escaped the way the runner unescapes them (`%`, `\r`, `\n`, and in
//! properties also `:` and `,`), so a message with a newline or a file name with a comma
//! cannot break out of its command or inject another one.

fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `::add-mask::VALUE`: the runner replaces VALUE with `***` in every later log line.
pub fn mask(value: &str) -> String {
    format!("::add-mask::{}", escape_data(value))
}

/// Where an annotation points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub file: Option<String>,
    pub line: Option<u64>,
    pub col: Option<u64>,
}

/// `::error file=F,line=L,col=C::MESSAGE`.
pub fn error(place: &Place, message: &str) -> String {
    let mut props = Vec::new();
    if let Some(f) = &place.file {
        props.push(format!("file={}", escape_property(f)));
    }
    if let Some(l) = place.line {
        props.push(format!("line={l}"));
    }
    if let Some(c) = place.col {
        props.push(format!("col={c}"));
    }
    let props = if props.is_empty() {
        String::new()
    } else {
        format!(" {}", props.join(","))
    };
    format!("::error{props}::{}", escape_data(message))
}

pub fn group(title: &str) -> String {
    format!("::group::{}", escape_data(title))
}

pub const END_GROUP: &str = "::endgroup::";

/// Annotations for an error's text: each line that names a place in a file
/// (`tagbump.yaml:3:13: ...` from the config, `path: line 7: ...` from the editors) becomes
/// an annotation there, and each refused input (`input `x`: ...`) one of its own; an error
/// naming neither becomes one annotation without a file.
pub fn annotations(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some((place, message)) = place_of(line) {
            out.push(error(&place, message));
        } else if line.starts_with("input `") {
            out.push(error(&Place::default(), line));
        }
    }
    if out.is_empty() {
        out.push(error(&Place::default(), text.trim()));
    }
    out
}

/// `FILE:LINE:COL: MESSAGE` or `FILE: line LINE: MESSAGE`.
fn place_of(line: &str) -> Option<(Place, &str)> {
    let mut parts = line.splitn(4, ':');
    let (file, l, c, rest) = (parts.next()?, parts.next()?, parts.next()?, parts.next());
    if let (Ok(l), Ok(c), Some(rest)) = (l.trim().parse::<u64>(), c.trim().parse::<u64>(), rest)
        && !file.is_empty()
        && !file.contains(' ')
    {
        let place = Place {
            file: Some(file.to_string()),
            line: Some(l),
            col: Some(c),
        };
        return Some((place, rest.trim()));
    }
    let (file, rest) = line.split_once(": line ")?;
    let (l, message) = rest.split_once(": ")?;
    let l = l.trim().parse::<u64>().ok()?;
    if file.is_empty() || file.contains(' ') {
        return None;
    }
    Some((
        Place {
            file: Some(file.to_string()),
            line: Some(l),
            col: None,
        },
        message,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_commands_whole() {
        assert_eq!(mask("a%b\nc"), "::add-mask::a%25b%0Ac");
        let p = Place {
            file: Some("dir,x/a:b.yaml".into()),
            line: Some(3),
            col: Some(13),
        };
        assert_eq!(
            error(&p, "bad\n::warning::x"),
            "::error file=dir%2Cx/a%3Ab.yaml,line=3,col=13::bad%0A::warning::x"
        );
        assert_eq!(error(&Place::default(), "plain"), "::error::plain");
        assert_eq!(group("a\nb"), "::group::a%0Ab");
    }

    #[test]
    fn places_from_config_and_editor_errors() {
        let a = annotations(
            "tagbump.yaml:3:13: images[0].policy: unknown policy \"x\"\nenvs/prod/k.yaml: line 7: duplicate key `images`\nnothing was written",
        );
        assert_eq!(
            a,
            [
                "::error file=tagbump.yaml,line=3,col=13::images[0].policy: unknown policy \"x\"",
                "::error file=envs/prod/k.yaml,line=7::duplicate key `images`",
            ]
        );
        assert_eq!(
            annotations("GitHub API: POST /x: HTTP 401: Bad credentials"),
            ["::error::GitHub API: POST /x: HTTP 401: Bad credentials"]
        );
    }
}
