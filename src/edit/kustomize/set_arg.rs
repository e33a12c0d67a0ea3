//! The arguments of `kustomize edit set image`, and Argo CD Image Updater's variant of them.
//!
//! Users already know this syntax from kustomize, so tagbump reads it the same way rather
//! than inventing its own: `NAME=NEWNAME[:TAG][@DIGEST]` renames (and may retag), while
//! `NAME:TAG`, `NAME@DIGEST` and `NAME:TAG@DIGEST` only retag. `*` in place of a new name, tag
//! or digest keeps the entry's current value, which is a third state next to "set" and "not
//! given" (an entry is replaced as a whole, so a field not given is removed); [`Field`] keeps
//! the three apart so the editor cannot confuse them.
//!
//! The tag starts at a `:` after the last `/`, so a registry port stays in the name
//! (`localhost:5000/my-project/app` has no tag), as in kustomize. Where kustomize would
//! quietly write something unusable (an empty tag, a digest without its algorithm, a second
//! `=`), we refuse the argument and say why: the entry it would write breaks
//! `kustomize build` later, far from the typo. Argo CD Image Updater differs in one rule: a
//! bare `NAME` is accepted and means an entry with only a name.

/// One field of an `images:` entry, as an argument sets it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Field {
    /// Not given: the field is removed from an existing entry.
    #[default]
    Unset,
    /// `*`: keep the existing value, if any (never written as a literal `*`).
    Keep,
    /// The new value.
    Set(String),
}

/// The meaning of one `set image` argument: the entry it writes for `name`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SetImageArg {
    /// The `images[].name` the argument is about.
    pub name: String,
    pub new_name: Field,
    pub new_tag: Field,
    pub digest: Field,
}

const FORMS: &str = "hint: write NAME=NEWNAME[:TAG][@DIGEST], NAME:TAG, NAME@DIGEST or NAME:TAG@DIGEST \
                     (`*` as NEWNAME, TAG or DIGEST keeps the current value)";

/// Why a `set image` argument was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetArgError {
    #[error("empty image argument\n{hint}", hint = FORMS)]
    Empty,

    #[error("image argument `{arg}` contains whitespace")]
    Whitespace { arg: String },

    #[error("image argument `{arg}` gives no new name, tag or digest\n{hint}", hint = FORMS)]
    NothingToSet { arg: String },

    #[error("image argument `{arg}` has more than one `=`\n{hint}", hint = FORMS)]
    TooManyEquals { arg: String },

    #[error("image argument `{arg}` has no image name\n{hint}", hint = FORMS)]
    EmptyName { arg: String },

    #[error("image argument `{arg}`: the image name cannot be `*` (it means \"keep the current value\")")]
    StarName { arg: String },

    #[error(
        "image argument `{arg}` has an empty new name after `=`\n\
         hint: to change only the tag or digest, leave out `=` (NAME:TAG, NAME@DIGEST)"
    )]
    EmptyNewName { arg: String },

    #[error("image argument `{arg}` has an empty tag after `:`")]
    EmptyTag { arg: String },

    #[error("image argument `{arg}`: tag `{tag}` may only contain letters, digits, `.`, `_` and `-`, or be `*`")]
    InvalidTag { arg: String, tag: String },

    #[error("image argument `{arg}` has an empty digest after `@`")]
    EmptyDigest { arg: String },

    #[error(
        "image argument `{arg}`: digest `{digest}` must be `algorithm:hex` (e.g. `sha256:` and 64 hex digits) or `*`"
    )]
    InvalidDigest { arg: String, digest: String },
}

/// Parse an argument of `kustomize edit set image`. A bare name is refused: it sets nothing.
pub fn parse_kustomize(arg: &str) -> Result<SetImageArg, SetArgError> {
    parse(arg, false)
}

/// Parse an Argo CD Image Updater kustomize image override: the same syntax, but a bare
/// `NAME` is accepted as an entry with only a name.
pub fn parse_argocd(arg: &str) -> Result<SetImageArg, SetArgError> {
    parse(arg, true)
}

fn parse(arg: &str, bare_ok: bool) -> Result<SetImageArg, SetArgError> {
    let err_arg = || arg.to_string();
    if arg.is_empty() {
        return Err(SetArgError::Empty);
    }
    if arg.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(SetArgError::Whitespace { arg: err_arg() });
    }
    let parsed = match arg.split_once('=') {
        Some((_, rhs)) if rhs.contains('=') => {
            return Err(SetArgError::TooManyEquals { arg: err_arg() });
        }
        Some((name, rhs)) => {
            let (new_name, new_tag, digest) = split_value(arg, rhs, bare_ok)?;
            let new_name = match new_name {
                "" => return Err(SetArgError::EmptyNewName { arg: err_arg() }),
                "*" => Field::Keep,
                n => Field::Set(n.to_string()),
            };
            SetImageArg {
                name: name.to_string(),
                new_name,
                new_tag,
                digest,
            }
        }
        None => {
            let (name, new_tag, digest) = split_value(arg, arg, bare_ok)?;
            if !bare_ok && new_tag == Field::Unset && digest == Field::Unset {
                return Err(SetArgError::NothingToSet { arg: err_arg() });
            }
            SetImageArg {
                name: name.to_string(),
                new_name: Field::Unset,
                new_tag,
                digest,
            }
        }
    };
    match parsed.name.as_str() {
        "" => Err(SetArgError::EmptyName { arg: err_arg() }),
        "*" => Err(SetArgError::StarName { arg: err_arg() }),
        _ => Ok(parsed),
    }
}

/// Split `name[:tag][@digest]` (the whole argument, or the part after `=`) into the name and
/// the tag and digest fields.
/// `lenient` (Argo CD Image Updater) accepts any digest text without `@` or whitespace, as
/// that tool does (its own tests write digests such as `sha12345`).
fn split_value<'a>(arg: &str, value: &'a str, lenient: bool) -> Result<(&'a str, Field, Field), SetArgError> {
    let (rest, digest) = match value.split_once('@') {
        None => (value, Field::Unset),
        Some((_, "")) => return Err(SetArgError::EmptyDigest { arg: arg.into() }),
        Some((rest, "*")) => (rest, Field::Keep),
        Some((rest, d)) => {
            let well_formed = !d.contains('@')
                && !d.contains(char::is_whitespace)
                && (lenient
                    || d.split_once(':')
                        .is_some_and(|(algo, hex)| !algo.is_empty() && !hex.is_empty()));
            if !well_formed {
                return Err(SetArgError::InvalidDigest {
                    arg: arg.into(),
                    digest: d.into(),
                });
            }
            (rest, Field::Set(d.to_string()))
        }
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let Some(colon) = rest[last_slash..].find(':').map(|i| last_slash + i) else {
        return Ok((rest, Field::Unset, digest));
    };
    let tag = match &rest[colon + 1..] {
        "" => return Err(SetArgError::EmptyTag { arg: arg.into() }),
        "*" => Field::Keep,
        t if t
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) =>
        {
            Field::Set(t.to_string())
        }
        t => {
            return Err(SetArgError::InvalidTag {
                arg: arg.into(),
                tag: t.into(),
            });
        }
    };
    Ok((&rest[..colon], tag, digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn set(s: &str) -> Field {
        Field::Set(s.to_string())
    }

    fn arg(name: &str, new_name: Field, new_tag: Field, digest: Field) -> SetImageArg {
        SetImageArg {
            name: name.to_string(),
            new_name,
            new_tag,
            digest,
        }
    }

    fn ok(s: &str) -> SetImageArg {
        parse_kustomize(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn rename_forms() {
        assert_eq!(
            ok("app=registry/app"),
            arg("app", set("registry/app"), Field::Unset, Field::Unset)
        );
        assert_eq!(
            ok("app=registry/app:v2"),
            arg("app", set("registry/app"), set("v2"), Field::Unset)
        );
        assert_eq!(
            ok(&format!("app=registry/app@{D}")),
            arg("app", set("registry/app"), Field::Unset, set(D))
        );
        assert_eq!(
            ok(&format!("app=registry/app:v2@{D}")),
            arg("app", set("registry/app"), set("v2"), set(D))
        );
    }

    #[test]
    fn retag_forms() {
        assert_eq!(ok("app:v2"), arg("app", Field::Unset, set("v2"), Field::Unset));
        assert_eq!(ok(&format!("app@{D}")), arg("app", Field::Unset, Field::Unset, set(D)));
        assert_eq!(ok(&format!("app:v2@{D}")), arg("app", Field::Unset, set("v2"), set(D)));
        assert_eq!(
            ok("ghcr.io:1234/team/app:7"),
            arg("ghcr.io:1234/team/app", Field::Unset, set("7"), Field::Unset)
        );
    }

    #[test]
    fn registry_port_belongs_to_the_name() {
        assert_eq!(
            ok("web=localhost:5000/team/web"),
            arg("web", set("localhost:5000/team/web"), Field::Unset, Field::Unset)
        );
        assert_eq!(
            ok("web=localhost:5000/team/web:dev-2"),
            arg("web", set("localhost:5000/team/web"), set("dev-2"), Field::Unset)
        );
        assert_eq!(
            ok("web=10.0.0.1:8800/web:x"),
            arg("web", set("10.0.0.1:8800/web"), set("x"), Field::Unset)
        );
    }

    #[test]
    fn tags_stay_strings() {
        assert_eq!(ok("app=app:1234").new_tag, set("1234"));
        assert_eq!(ok("app=app:3.2e2").new_tag, set("3.2e2"));
    }

    #[test]
    fn star_keeps_the_current_value() {
        assert_eq!(ok("app=*:v1"), arg("app", Field::Keep, set("v1"), Field::Unset));
        assert_eq!(ok("app=new:*"), arg("app", set("new"), Field::Keep, Field::Unset));
        assert_eq!(ok("app=*:*"), arg("app", Field::Keep, Field::Keep, Field::Unset));
        assert_eq!(ok(&format!("app=*@{D}")), arg("app", Field::Keep, Field::Unset, set(D)));
        assert_eq!(ok("app=new@*"), arg("app", set("new"), Field::Unset, Field::Keep));
        assert_eq!(ok("app=*"), arg("app", Field::Keep, Field::Unset, Field::Unset));
        assert_eq!(ok("app:*@*"), arg("app", Field::Unset, Field::Keep, Field::Keep));
    }

    #[test]
    fn bare_name_is_an_error_for_kustomize_only() {
        assert_eq!(
            parse_kustomize("bad"),
            Err(SetArgError::NothingToSet { arg: "bad".into() })
        );
        assert_eq!(
            parse_kustomize("ghcr.io/acme/app"),
            Err(SetArgError::NothingToSet {
                arg: "ghcr.io/acme/app".into()
            })
        );
        assert_eq!(
            parse_argocd("foo"),
            Ok(arg("foo", Field::Unset, Field::Unset, Field::Unset))
        );
        assert_eq!(
            parse_argocd("localhost:5000/foo"),
            Ok(arg("localhost:5000/foo", Field::Unset, Field::Unset, Field::Unset))
        );
    }

    #[test]
    fn argocd_shares_the_syntax() {
        assert_eq!(
            parse_argocd("ghcr.io:1234/a/b=1234.foo.com:9876/c:123"),
            Ok(arg(
                "ghcr.io:1234/a/b",
                set("1234.foo.com:9876/c"),
                set("123"),
                Field::Unset
            ))
        );
        assert_eq!(
            parse_argocd(&format!("acme/app@{D}")),
            Ok(arg("acme/app", Field::Unset, Field::Unset, set(D)))
        );
    }

    #[test]
    fn malformed_arguments() {
        let a = |s: &str| s.to_string();
        let cases = [
            ("", SetArgError::Empty),
            ("app= x:1", SetArgError::Whitespace { arg: a("app= x:1") }),
            ("a=b=c", SetArgError::TooManyEquals { arg: a("a=b=c") }),
            ("=new:1", SetArgError::EmptyName { arg: a("=new:1") }),
            (":v1", SetArgError::EmptyName { arg: a(":v1") }),
            ("*:v1", SetArgError::StarName { arg: a("*:v1") }),
            ("*=x", SetArgError::StarName { arg: a("*=x") }),
            ("app=", SetArgError::EmptyNewName { arg: a("app=") }),
            ("app=:v1", SetArgError::EmptyNewName { arg: a("app=:v1") }),
            ("app:", SetArgError::EmptyTag { arg: a("app:") }),
            ("app=new:", SetArgError::EmptyTag { arg: a("app=new:") }),
            (
                "app:v{1}",
                SetArgError::InvalidTag {
                    arg: a("app:v{1}"),
                    tag: a("v{1}"),
                },
            ),
            (
                "app:1:2",
                SetArgError::InvalidTag {
                    arg: a("app:1:2"),
                    tag: a("1:2"),
                },
            ),
            ("app@", SetArgError::EmptyDigest { arg: a("app@") }),
            (
                "app@latest",
                SetArgError::InvalidDigest {
                    arg: a("app@latest"),
                    digest: a("latest"),
                },
            ),
            (
                "app@sha256:",
                SetArgError::InvalidDigest {
                    arg: a("app@sha256:"),
                    digest: a("sha256:"),
                },
            ),
            (
                "app@:abc",
                SetArgError::InvalidDigest {
                    arg: a("app@:abc"),
                    digest: a(":abc"),
                },
            ),
            (
                "app@sha256:a@b",
                SetArgError::InvalidDigest {
                    arg: a("app@sha256:a@b"),
                    digest: a("sha256:a@b"),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_kustomize(input), Err(expected.clone()), "kustomize {input:?}");
            // Argo CD Image Updater takes any digest text (its tests use `sha12345`).
            let lenient_ok = matches!(input, "app@latest" | "app@sha256:" | "app@:abc");
            if lenient_ok {
                assert!(parse_argocd(input).is_ok(), "argocd {input:?}");
            } else {
                assert_eq!(parse_argocd(input), Err(expected), "argocd {input:?}");
            }
        }
    }

    #[test]
    fn messages_say_what_to_write() {
        let msg = parse_kustomize("bad").unwrap_err().to_string();
        assert!(
            msg.starts_with("image argument `bad` gives no new name, tag or digest\nhint: write NAME=NEWNAME"),
            "{msg}"
        );
        let msg = parse_kustomize("app:v{1}").unwrap_err().to_string();
        assert!(msg.contains("tag `v{1}` may only contain"), "{msg}");
    }
}
