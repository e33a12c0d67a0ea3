//! Step outputs through `$GITHUB_OUTPUT`, in the runner's multi-line form
//! (`name<<DELIMITER`, the value, `DELIMITER`) with a random delimiter that the value does
//! not contain, so a value (a commit message, JSON with newlines) can never end early and
//! smuggle in another output.

use std::io::Write as _;
use std::path::Path;

/// Append `outputs` to the file at `path`.
pub fn write(path: &Path, outputs: &[(&str, String)]) -> std::io::Result<()> {
    let mut text = String::new();
    for (name, value) in outputs {
        let delimiter = loop {
            let d = format!("ghadelimiter_{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
            if !value.contains(&d) {
                break d;
            }
        };
        text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
    }
    let mut f = fs_err::OpenOptions::new().append(true).create(true).open(path)?;
    f.write_all(text.as_bytes())
}

/// Read a `$GITHUB_OUTPUT` file back (both forms), for tests and the self-test.
pub fn parse(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delimiter {
                    break;
                }
                value.push(l);
            }
            out.push((name.to_string(), value.join("\n")));
        } else if let Some((name, value)) = line.split_once('=') {
            out.push((name.to_string(), value.to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiline_values_round_trip_and_delimiters_differ() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out");
        fs_err::write(&p, "earlier=1\n").unwrap();
        write(&p, &[("changed", "true".into()), ("bumps", "[\n{\"a\": 1}\n]".into())]).unwrap();
        let text = fs_err::read_to_string(&p).unwrap();
        assert_eq!(
            parse(&text),
            [
                ("earlier".into(), "1".into()),
                ("changed".into(), "true".into()),
                ("bumps".into(), "[\n{\"a\": 1}\n]".into())
            ]
        );
        let delims: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_once("<<").map(|(_, d)| d))
            .collect();
        assert_eq!(delims.len(), 2);
        assert_ne!(delims[0], delims[1]);
        assert!(delims[0].starts_with("ghadelimiter_") && delims[0].len() > 40);
    }
}
