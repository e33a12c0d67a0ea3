//! Property tests of the YAML editing path, [`edit_file`] over generated documents.
//!
//! Hand-written cases only cover the layouts someone thought of. Here a generator builds a
//! small tree (mappings, lists, scalars, anchors and aliases, kustomization `images:`
//! entries) and prints it in a random valid layout: block or flow, compact or indented
//! lists, 1 to 4 space indents, plain, single- and double-quoted scalars (with escapes and
//! line folds), block scalars, comments, blank lines, several documents, CRLF, a BOM. The
//! printer records where each scalar's bytes are, and a model computes what the data must
//! be after a bump from the tree alone, so the checks do not take the library's word:
//!
//! - property A: the edit succeeds, touches only the bytes of the values it bumps (and the
//!   lines of a matching kustomization entry, or the entry `--add-entry` adds), reads back
//!   as the model says with every other scalar unchanged in value and type, keeps each
//!   value's quoting style, and a second run changes nothing; where the model says an entry
//!   cannot be added (an empty document, a flow root, a flow `images:` list), it is refused;
//! - property B: arbitrary text, and valid YAML with random damage, gives `Ok` or `Err`,
//!   never a panic, and an edit it makes is stable;
//! - property C: random edits (values set, keys added and removed, items appended), with or
//!   without damage after them, get the same verdict and error from the re-parse check as
//!   from the reference check it replaced (`verify::tree`);
//! - property D: arbitrary and damaged text parses the same (events, spans, errors) through
//!   tagbump's parser input as through `saphyr-parser`'s own `&str` input.
//!
//! Case counts are modest (256 for A, 512 for B, C and D) so the suite stays fast; set
//! `PROPTEST_CASES` for a longer run. Failures are not persisted to a file: each bug found
//! becomes a named regression test at the bottom of this file; while it is open (ignored),
//! the generator steers around it, saying which test lifts the restriction, so the
//! properties keep looking for new bugs.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;
use regex::Regex;

use tagbump::edit::file::{FileEdit, FileOptions, edit_file};
use tagbump::edit::request::ValuesKey;
use tagbump::edit::splice::apply as apply_splices;
use tagbump::edit::yaml::input::Text;
use tagbump::edit::yaml::tree::{self, Kind, Node, Style};
use tagbump::edit::yaml::walk::walk;
use tagbump::edit::yaml::{Change, Data as YamlData, Edits, YamlDoc, verify};
use tagbump::edit::{Request, Splice, Target};
use tagbump::image::Part;

const TARGET_NAME: &str = "ghcr.io/acme/app";

fn config(default_cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------
// The oracle for scalar types, written apart from the library's own.

/// Whether a plain scalar reads back as a string under YAML 1.2 core schema, YAML 1.1
/// (PyYAML's resolvers) and Go's yaml (kustomize, Helm), which drops every `_` and then
/// takes any Go integer literal or float. Anything one of them would read as null, bool,
/// number or timestamp is not a string.
fn plain_is_string(v: &str) -> bool {
    static NOT_STRING: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(concat!(
            r"^(?:",
            // null and bool, 1.1 and 1.2
            r"|~|null|Null|NULL",
            r"|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
            // 1.2 core int and float
            r"|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+",
            r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?",
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
            // 1.1 int
            r"|[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+",
            r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
            // 1.1 float
            r"|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?",
            r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",
            // 1.1 timestamp (Go's takes one-digit months and days), merge, value
            r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}",
            r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?",
            r"(?:[ \t]*Z|[-+][0-9]{1,2}(?::[0-9]{2})?)?",
            r"|<<|=",
            r")$"
        ))
        .unwrap()
    });
    // Go yaml drops every `_` from a scalar that starts like a number, then takes any Go
    // integer literal (base prefixes in either case) or decimal float.
    static GO_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(concat!(
            r"^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+",
            r"|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$"
        ))
        .unwrap()
    });
    let go_number =
        v.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c)) && GO_NUMBER.is_match(&v.replace('_', ""));
    !NOT_STRING.is_match(v) && !go_number
}

/// Whether `v` written plain reads back as exactly `v` (a conservative check: the generator
/// quotes anything doubtful).
fn plain_ok(v: &str, in_flow: bool) -> bool {
    let Some(first) = v.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) || first == ' ' {
        return false;
    }
    if v.ends_with([' ', ':']) || v.contains(": ") || v.contains(" #") || v.contains(['\t']) {
        return false;
    }
    if v.chars().any(|c| c.is_control() || c == '\u{feff}') {
        return false;
    }
    !(in_flow && v.contains([',', '[', ']', '{', '}']))
}

// ---------------------------------------------------------------------------------------
// The tree the generator builds.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Q {
    Plain,
    Single,
    Double,
    Literal,
    LiteralStrip,
    Folded,
    FoldedStrip,
}

impl Q {
    fn is_block(self) -> bool {
        matches!(self, Q::Literal | Q::LiteralStrip | Q::Folded | Q::FoldedStrip)
    }
}

/// An image string from the pools: the name as written, and whether it names the target.
#[derive(Debug, Clone, Copy)]
struct Img {
    name: &'static str,
    matches: bool,
}

#[derive(Debug, Clone)]
struct Scalar {
    value: String,
    img: Option<Img>,
    quote: Q,
    /// `!!str` in front.
    str_tag: bool,
    comment: Option<&'static str>,
    /// Double-quoted: write the char at this index (mod length) as `\uXXXX`.
    escape: Option<usize>,
    /// Break the line at the first space (a folded multi-line scalar).
    fold: bool,
    want_anchor: bool,
    /// Become an alias of an earlier anchor of the document (index mod count).
    want_alias: Option<usize>,
    /// Filled in by [`normalize`].
    id: usize,
    anchor: Option<String>,
    /// Name and scalar id of the anchor this scalar is an alias of.
    alias_of: Option<(String, usize)>,
    image_field: bool,
}

#[derive(Debug, Clone)]
struct Entry {
    key: String,
    key_quote: Q,
    value: Val,
    blank_before: bool,
    comment_line: Option<&'static str>,
    /// A comment after `key:` when the value is a block collection.
    colon_comment: Option<&'static str>,
}

#[derive(Debug, Clone, Copy)]
struct Layout {
    flow: bool,
    multiline: bool,
    trailing_comma: bool,
    indent: usize,
    compact: bool,
    gap: usize,
}

#[derive(Debug, Clone)]
enum Val {
    Scalar(Scalar),
    Map {
        entries: Vec<Entry>,
        layout: Layout,
        /// A kustomization `images:` entry; `Some(true)` when it names the target.
        kentry: Option<bool>,
    },
    Seq {
        items: Vec<Val>,
        layout: Layout,
    },
}

#[derive(Debug, Clone)]
struct Doc {
    root: Option<Val>,
    leading_comment: Option<&'static str>,
    explicit_start: bool,
    start_comment: Option<&'static str>,
    end_marker: bool,
}

#[derive(Debug, Clone)]
struct TargetSpec {
    tag: Option<String>,
    digest: Option<String>,
}

impl TargetSpec {
    fn arg(&self) -> String {
        join(TARGET_NAME, &self.tag, &self.digest)
    }
}

fn join(name: &str, tag: &Option<String>, digest: &Option<String>) -> String {
    let mut s = name.to_string();
    if let Some(t) = tag {
        s = format!("{s}:{t}");
    }
    if let Some(d) = digest {
        s = format!("{s}@{d}");
    }
    s
}

#[derive(Debug, Clone)]
struct File {
    name: &'static str,
    docs: Vec<Doc>,
    crlf: bool,
    bom: bool,
    trailing_newline: bool,
    target: TargetSpec,
    /// `--add-entry`: a kustomization gets an `images:` entry when none names the target.
    add_entries: bool,
}

impl File {
    fn is_kustomization(&self) -> bool {
        matches!(self.name, "kustomization.yaml" | "kustomization.yml" | "Kustomization")
    }
}

// ---------------------------------------------------------------------------------------
// Pools.

const IMAGES: &[(&str, &str, bool)] = &[
    ("ghcr.io/acme/app", "ghcr.io/acme/app", true),
    ("ghcr.io/acme/app:1.4.0", "ghcr.io/acme/app", true),
    ("ghcr.io/acme/app:1234", "ghcr.io/acme/app", true),
    (
        "ghcr.io/acme/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "ghcr.io/acme/app",
        true,
    ),
    (
        "ghcr.io/acme/app:1.4.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "ghcr.io/acme/app",
        true,
    ),
    ("GHCR.IO/acme/app:v1", "GHCR.IO/acme/app", true),
    ("ghcr.io/acme/app:${TAG}", "ghcr.io/acme/app", true),
    ("ghcr.io/acme/app:", "ghcr.io/acme/app", true),
    ("ghcr.io/acme/app-worker:1.4.0", "", false),
    ("ghcr.io/acme/application:1", "", false),
    ("ghcr.io/acme/App:1", "", false),
    ("ghcr.io/acme/app/sub:1", "", false),
    ("docker.io/acme/app:1", "", false),
    ("acme/app:1", "", false),
    ("nginx:1.27", "", false),
    ("localhost:5000/acme/app:1", "", false),
    ("ghcr.io:443/acme/app:1", "", false),
    ("ghcr.io/acme:app", "", false),
];

const OTHERS: &[&str] = &[
    "hello",
    "a b c",
    "v1.2.3",
    "1.2.3",
    "1234",
    "0.5",
    "1e3",
    "0x1F",
    "0o17",
    "012",
    "1_000",
    "12:30:00",
    ".inf",
    "-.5",
    "+1",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "yes",
    "No",
    "on",
    "OFF",
    "true",
    "False",
    "null",
    "~",
    "",
    "y",
    "n",
    "http://x.y/z?a=b",
    "a#b",
    "key=value",
    "50%",
    "-dash",
    "what?",
    "it's",
    "say \"hi\"",
    "a: b",
    "#hash",
    "[x]",
    "x,y",
    "tab\there",
    "é ü 日本",
    "back\\slash",
    "  padded  ",
    "trailing:",
    "*star",
    "&amp",
    "!bang",
    "|pipe",
    ">gt",
    "@at",
];

const KEYS: &[&str] = &[
    "image",
    "image",
    "image",
    "name",
    "containers",
    "initContainers",
    "env",
    "args",
    "ports",
    "metadata",
    "labels",
    "annotations",
    "spec",
    "template",
    "note",
    "mirror",
    "version",
    "replicas",
    "date",
    "enabled",
    "x-y",
    "app.kubernetes.io/name",
    "80",
    "on",
    "é",
    "with space",
    "imagePullPolicy",
    "images_",
];

const COMMENTS: &[&str] = &[
    "keep",
    "pinned by CI",
    "image: not this one",
    "x # y",
    "'quoted' \"double\"",
    "{\"tagbump\": \"redis\"}",
    "日本語",
    "",
];

const KINDS: &[&str] = &["Deployment", "Pod", "CronJob", "Rollout", "CustomResourceDefinition"];

const BLOCK_LINES: &[&str] = &["hello", "a: b", "# not a comment", "x, y", "--- not a doc"];

// ---------------------------------------------------------------------------------------
// Strategies.

fn layout_s() -> impl Strategy<Value = Layout> {
    (
        prop::bool::weighted(0.25),
        any::<bool>(),
        prop::bool::weighted(0.2),
        1usize..=4,
        any::<bool>(),
        prop_oneof![4 => Just(1usize), 1 => 2usize..=3],
    )
        .prop_map(|(flow, multiline, trailing_comma, indent, compact, gap)| Layout {
            flow,
            multiline,
            trailing_comma,
            indent,
            compact,
            gap,
        })
}

fn quote_s(block_ok: bool) -> BoxedStrategy<Q> {
    if block_ok {
        prop_oneof![
            4 => Just(Q::Plain),
            2 => Just(Q::Single),
            2 => Just(Q::Double),
            1 => select(vec![Q::Literal, Q::LiteralStrip, Q::Folded, Q::FoldedStrip]),
        ]
        .boxed()
    } else {
        prop_oneof![4 => Just(Q::Plain), 2 => Just(Q::Single), 2 => Just(Q::Double)].boxed()
    }
}

fn scalar(value: String, img: Option<Img>, quote: Q) -> Scalar {
    Scalar {
        value,
        img,
        quote,
        str_tag: false,
        comment: None,
        escape: None,
        fold: false,
        want_anchor: false,
        want_alias: None,
        id: 0,
        anchor: None,
        alias_of: None,
        image_field: false,
    }
}

/// Decorations shared by every scalar: comment, escape, fold, tag, anchor, alias.
fn decorate(s: impl Strategy<Value = Scalar>) -> impl Strategy<Value = Scalar> {
    (
        s,
        prop::option::weighted(0.2, select(COMMENTS)),
        prop::option::weighted(0.2, any::<usize>()),
        prop::bool::weighted(0.5),
        prop::bool::weighted(0.05),
        prop::bool::weighted(0.3),
        prop::option::weighted(0.15, any::<usize>()),
    )
        .prop_map(|(mut s, comment, escape, fold, str_tag, want_anchor, want_alias)| {
            s.comment = comment;
            s.escape = escape;
            s.fold = fold;
            s.str_tag = str_tag;
            s.want_anchor = want_anchor;
            s.want_alias = want_alias;
            s
        })
}

fn image_scalar_s() -> impl Strategy<Value = Scalar> {
    decorate(
        (select(IMAGES), quote_s(false))
            .prop_map(|((text, name, matches), q)| scalar(text.to_string(), Some(Img { name, matches }), q)),
    )
}

fn other_scalar_s() -> impl Strategy<Value = Scalar> {
    decorate(
        (select(OTHERS), quote_s(true), select(BLOCK_LINES), select(BLOCK_LINES)).prop_map(|(text, q, l1, l2)| {
            if q.is_block() {
                // A block scalar's value comes from its lines and chomping.
                scalar(format!("{l1}\n{l2}"), None, q)
            } else {
                scalar(text.to_string(), None, q)
            }
        }),
    )
}

fn block_layout() -> impl Strategy<Value = Layout> {
    layout_s().prop_map(|mut l| {
        l.flow = false;
        l
    })
}

fn entry(key: &str, value: Val) -> Entry {
    Entry {
        key: key.to_string(),
        key_quote: Q::Plain,
        value,
        blank_before: false,
        comment_line: None,
        colon_comment: None,
    }
}

/// Entry decorations: key quoting, blank line, comment line, comment after the colon.
fn entry_s(key: impl Strategy<Value = String>, value: impl Strategy<Value = Val>) -> impl Strategy<Value = Entry> {
    (
        key,
        value,
        prop_oneof![6 => Just(Q::Plain), 1 => Just(Q::Single), 1 => Just(Q::Double)],
        prop::bool::weighted(0.15),
        prop::option::weighted(0.15, select(COMMENTS)),
        prop::option::weighted(0.15, select(COMMENTS)),
    )
        .prop_map(
            |(key, value, key_quote, blank_before, comment_line, colon_comment)| Entry {
                key,
                key_quote,
                value,
                blank_before,
                comment_line,
                colon_comment,
            },
        )
}

/// A container: `name`, `image`, and sometimes more.
fn container_s() -> impl Strategy<Value = Val> {
    (
        entry_s(Just("name".to_string()), other_scalar_s().prop_map(Val::Scalar)),
        entry_s(Just("image".to_string()), image_scalar_s().prop_map(Val::Scalar)),
        prop::option::weighted(
            0.4,
            entry_s(
                Just("args".to_string()),
                (
                    prop::collection::vec(other_scalar_s().prop_map(Val::Scalar), 1..3),
                    layout_s(),
                )
                    .prop_map(|(items, layout)| Val::Seq { items, layout }),
            ),
        ),
        any::<bool>(),
        layout_s(),
    )
        .prop_map(|(name, image, args, image_first, layout)| {
            let mut entries = if image_first {
                vec![image, name]
            } else {
                vec![name, image]
            };
            entries.extend(args);
            Val::Map {
                entries,
                layout,
                kentry: None,
            }
        })
}

fn containers_s() -> impl Strategy<Value = Val> {
    (prop::collection::vec(container_s(), 1..3), layout_s()).prop_map(|(items, layout)| Val::Seq { items, layout })
}

fn val_s() -> impl Strategy<Value = Val> {
    let leaf = prop_oneof![
        4 => other_scalar_s().prop_map(Val::Scalar),
        3 => image_scalar_s().prop_map(Val::Scalar),
        2 => containers_s(),
        1 => layout_s().prop_map(|layout| Val::Seq { items: vec![], layout }),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            (
                prop::collection::vec(entry_s(select(KEYS).prop_map(String::from), inner.clone()), 1..4),
                layout_s()
            )
                .prop_map(|(entries, layout)| Val::Map {
                    entries,
                    layout,
                    kentry: None,
                }),
            (prop::collection::vec(inner, 1..4), layout_s()).prop_map(|(items, layout)| Val::Seq { items, layout }),
        ]
    })
}

/// Kustomization entry shapes: name, newName, whether the entry names the target.
const KENTRIES: &[(&str, Option<&str>, bool)] = &[
    ("ghcr.io/acme/app", None, true),
    ("app", Some("ghcr.io/acme/app"), true),
    ("shop", Some("GHCR.IO/acme/app"), true),
    ("redis", None, false),
    ("app", None, false),
    ("ghcr.io/acme/app-worker", None, false),
    ("app", Some("ghcr.io/acme/app/sub"), false),
];

fn kentry_s() -> impl Strategy<Value = Val> {
    let value =
        |pool: Vec<&'static str>| (select(pool), quote_s(false)).prop_map(|(v, q)| scalar(v.to_string(), None, q));
    (
        select(KENTRIES),
        value(vec!["ghcr.io/acme/app"]),
        // Plain `1234` and `2024-01-01` read back as a number and a date.
        prop::option::weighted(0.6, value(vec!["1.4.0", "1234", "v2", "2024-01-01", "latest"])),
        prop::option::weighted(
            0.4,
            value(vec![
                "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            ]),
        ),
        prop::collection::vec(
            (
                prop::bool::weighted(0.1),
                prop::option::weighted(0.1, select(COMMENTS)),
                prop::option::weighted(0.15, select(COMMENTS)),
            ),
            4,
        ),
        Just((0..4).collect::<Vec<usize>>()).prop_shuffle(),
        layout_s(),
    )
        .prop_map(|((name, new_name, matches), nn, tag, digest, decos, order, layout)| {
            let mut fields: Vec<(&str, Scalar)> = vec![("name", scalar(name.into(), None, nn.quote))];
            if let Some(n) = new_name {
                fields.push(("newName", scalar(n.into(), None, nn.quote)));
            }
            if let Some(t) = tag {
                fields.push(("newTag", t));
            }
            if let Some(d) = digest {
                fields.push(("digest", d));
            }
            let mut entries: Vec<Entry> = Vec::new();
            for i in order.into_iter().filter(|&i| i < fields.len()) {
                let (k, mut v) = fields[i].clone();
                let (blank, line, comment) = decos[i];
                v.comment = comment;
                let mut e = entry(k, Val::Scalar(v));
                e.blank_before = blank;
                e.comment_line = line;
                entries.push(e);
            }
            Val::Map {
                entries,
                layout,
                kentry: Some(matches),
            }
        })
}

fn doc_s() -> impl Strategy<Value = Doc> {
    (
        prop::option::weighted(0.8, (select(KINDS), quote_s(false))),
        prop::collection::vec(entry_s(select(KEYS).prop_map(String::from), val_s()), 0..5),
        prop::option::weighted(
            0.3,
            (prop::collection::vec(kentry_s(), 1..4), block_layout(), any::<usize>()),
        ),
        prop::bool::weighted(0.05),
        prop::option::weighted(0.1, select(COMMENTS)),
        any::<bool>(),
        prop::option::weighted(0.1, select(COMMENTS)),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(
                kind,
                mut entries,
                images,
                empty,
                leading_comment,
                explicit_start,
                start_comment,
                end_marker,
                flow_root,
            )| {
                if let Some((k, q)) = kind {
                    entries.insert(0, entry("kind", Val::Scalar(scalar(k.into(), None, q))));
                }
                if let Some((items, mut layout, at)) = images {
                    // A flow `images:` list is tried too, but less often.
                    layout.flow = at % 4 == 0;
                    let e = entry("images", Val::Seq { items, layout });
                    let at = at % (entries.len() + 1);
                    entries.insert(at, e);
                }
                let root = (!empty && !entries.is_empty()).then_some(Val::Map {
                    entries,
                    layout: Layout {
                        flow: flow_root,
                        multiline: true,
                        trailing_comma: false,
                        indent: 2,
                        compact: false,
                        gap: 1,
                    },
                    kentry: None,
                });
                Doc {
                    explicit_start: explicit_start || root.is_none(),
                    root,
                    leading_comment,
                    start_comment,
                    end_marker,
                }
            },
        )
}

fn tag_s() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => "[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}",
        1 => select(vec![
            "1234", "20240101", "1.0", "1e3", "1E5", "0x1F", "0o17", "012", "1_000", "2024-01-01",
            "2024-1-1", "yes", "No", "on", "OFF", "y", "n", "null", "NULL", "True", "1.", "0b101", "08",
            "08_", "1_0", "0x_1F", "1.0_1", "_1", "0E_", "0X1F", "0B101", "0O17", "1e_3", "1.5e_1",
            "1.2.3", "v1.2.3", "latest", "1", "0", "1.4.0",
        ])
        .prop_map(String::from),
    ]
}

fn target_s() -> impl Strategy<Value = TargetSpec> {
    (
        prop::option::weighted(0.85, tag_s()),
        prop::option::weighted(0.3, "[0-9a-f]{64}".prop_map(|h| format!("sha256:{h}"))),
    )
        .prop_map(|(tag, digest)| match (tag, digest) {
            (None, None) => TargetSpec {
                tag: Some("1234".into()),
                digest: None,
            },
            (tag, digest) => TargetSpec { tag, digest },
        })
}

fn file_s() -> impl Strategy<Value = File> {
    (
        select(vec![
            "kustomization.yaml",
            "kustomization.yaml",
            "Kustomization",
            "deploy.yaml",
            "values.yml",
        ]),
        prop::collection::vec(doc_s(), 1..4),
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.85),
        target_s(),
        any::<bool>(),
    )
        .prop_map(|(name, docs, crlf, bom, trailing_newline, target, add_entries)| {
            let mut f = File {
                name,
                docs,
                crlf,
                bom,
                trailing_newline,
                target,
                add_entries,
            };
            normalize(&mut f);
            f
        })
}

// ---------------------------------------------------------------------------------------
// Normalisation: make the random tree a valid document and fill in ids and roles.

struct Norm {
    next_id: usize,
    anchors: Vec<(String, usize)>,
    crd: bool,
}

fn normalize(f: &mut File) {
    let mut next_id = 0;
    for d in &mut f.docs {
        let crd = match &d.root {
            Some(Val::Map { entries, .. }) => entries.iter().any(|e| {
                e.key == "kind" && matches!(&e.value, Val::Scalar(s) if s.value == "CustomResourceDefinition")
            }),
            _ => false,
        };
        let mut n = Norm {
            next_id,
            anchors: Vec::new(),
            crd,
        };
        if let Some(root) = &mut d.root {
            let flow = matches!(root, Val::Map { layout, .. } if layout.flow);
            norm_val(root, &mut n, flow, None, true);
        }
        next_id = n.next_id;
    }
}

fn norm_val(v: &mut Val, n: &mut Norm, in_flow: bool, key: Option<&str>, protected: bool) {
    match v {
        Val::Scalar(s) => norm_scalar(s, n, in_flow, key, protected),
        Val::Map {
            entries,
            layout,
            kentry,
        } => {
            let flow = in_flow || layout.flow;
            layout.flow = flow;
            // Unique keys: the library rejects duplicate keys by value.
            let mut seen: Vec<String> = Vec::new();
            for e in entries.iter_mut() {
                let mut k = e.key.clone();
                let mut i = 2;
                while seen.contains(&k) {
                    k = format!("{}{i}", e.key);
                    i += 1;
                }
                e.key = k.clone();
                seen.push(k);
                if e.key_quote.is_block() {
                    e.key_quote = Q::Double;
                }
            }
            let kentry = kentry.is_some();
            for e in entries.iter_mut() {
                // `kind`, and kustomization entries, keep their literal meaning.
                let protect = kentry || e.key == "kind";
                norm_val(&mut e.value, n, flow, Some(&e.key), protect);
            }
        }
        Val::Seq { items, layout } => {
            let flow = in_flow || layout.flow;
            layout.flow = flow;
            for item in items {
                norm_val(item, n, flow, None, protected);
            }
        }
    }
}

fn norm_scalar(s: &mut Scalar, n: &mut Norm, in_flow: bool, key: Option<&str>, protected: bool) {
    s.id = n.next_id;
    n.next_id += 1;
    s.image_field = key == Some("image") && !n.crd;
    if in_flow && s.quote.is_block() {
        s.quote = Q::Double;
        s.value = s.value.replace('\n', " ");
    }
    if s.quote == Q::Plain {
        let ok = plain_ok(&s.value, in_flow) || (s.value.is_empty() && !in_flow);
        if !ok {
            s.quote = Q::Double;
        }
    }
    if s.quote == Q::Plain && s.value.is_empty() {
        // `key:` with nothing after it can carry neither a tag nor an anchor.
        s.str_tag = false;
        s.want_anchor = false;
    }
    if s.quote != Q::Double {
        s.escape = None;
    }
    // Folding needs a single space between two words, in block context.
    let foldable = !in_flow
        && !s.quote.is_block()
        && s.value.matches(' ').count() >= 1
        && !s.value.starts_with(' ')
        && !s.value.ends_with(' ')
        && !s.value.contains("  ")
        && s.escape.is_none();
    s.fold = s.fold && foldable;
    if in_flow {
        s.comment = None;
    }
    if protected {
        s.want_alias = None;
        s.want_anchor = false;
        s.str_tag = false;
        return;
    }
    if let Some(pick) = s.want_alias {
        if !n.anchors.is_empty() && !s.quote.is_block() {
            let (name, id) = n.anchors[pick % n.anchors.len()].clone();
            s.alias_of = Some((name, id));
            s.str_tag = false;
            s.fold = false;
            return;
        }
    }
    if s.want_anchor && s.img.is_some() {
        let name = if s.id % 2 == 0 {
            format!("a{}", s.id)
        } else {
            format!("img.{}-x", s.id)
        };
        s.anchor = Some(name.clone());
        n.anchors.push((name, s.id));
    }
}

// ---------------------------------------------------------------------------------------
// The printer.

#[derive(Default)]
struct Printed {
    text: String,
    /// Byte range of each scalar's token (or alias) by scalar id; block scalars are absent.
    spans: HashMap<usize, Range<usize>>,
    /// Bytes of each kustomization entry that names the target (its lines, for block ones).
    zones: Vec<Range<usize>>,
}

struct Printer {
    out: String,
    eol: &'static str,
    spans: HashMap<usize, Range<usize>>,
    zones: Vec<Range<usize>>,
    last_block_scalar: bool,
}

fn print(f: &File) -> Printed {
    let mut p = Printer {
        out: String::new(),
        eol: if f.crlf { "\r\n" } else { "\n" },
        spans: HashMap::new(),
        zones: Vec::new(),
        last_block_scalar: false,
    };
    if f.bom {
        p.out.push('\u{feff}');
    }
    for (i, d) in f.docs.iter().enumerate() {
        if let Some(c) = d.leading_comment {
            p.comment_line(0, c);
        }
        if i > 0 || d.explicit_start {
            p.out.push_str("---");
            if let Some(c) = d.start_comment {
                p.out.push_str(" # ");
                p.out.push_str(c);
            }
            p.nl();
        }
        match &d.root {
            None => p.comment_line(0, "empty"),
            Some(root @ Val::Map { layout, .. }) if layout.flow => {
                p.inline(root, 0);
                p.nl();
            }
            Some(Val::Map { entries, .. }) => p.block_map(entries, 0, false, None),
            Some(_) => unreachable!("roots are mappings"),
        }
        if d.end_marker {
            p.out.push_str("...");
            p.nl();
        }
    }
    if !f.trailing_newline && !p.last_block_scalar && p.out.ends_with(p.eol) {
        p.out.truncate(p.out.len() - p.eol.len());
    }
    let len = p.out.len();
    Printed {
        spans: p.spans,
        zones: p.zones.into_iter().map(|z| z.start..z.end.min(len)).collect(),
        text: p.out,
    }
}

impl Printer {
    fn sp(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }

    fn nl(&mut self) {
        self.out.push_str(self.eol);
        self.last_block_scalar = false;
    }

    fn comment_line(&mut self, col: usize, c: &str) {
        self.sp(col);
        self.out.push_str("# ");
        self.out.push_str(c);
        self.nl();
    }

    fn trailing_comment(&mut self, c: Option<&str>) {
        if let Some(c) = c {
            self.out.push_str(" # ");
            self.out.push_str(c);
        }
    }

    fn key(&mut self, e: &Entry) {
        match e.key_quote {
            Q::Single => self.out.push_str(&format!("'{}'", e.key.replace('\'', "''"))),
            Q::Double => self.out.push_str(&double_quoted(&e.key, None)),
            _ => self.out.push_str(&e.key),
        }
        self.out.push(':');
    }

    fn is_block_collection(v: &Val) -> bool {
        match v {
            Val::Map { entries, layout, .. } => !layout.flow && !entries.is_empty(),
            Val::Seq { items, layout } => !layout.flow && !items.is_empty(),
            Val::Scalar(_) => false,
        }
    }

    fn is_empty_plain(v: &Val) -> bool {
        matches!(v, Val::Scalar(s) if s.alias_of.is_none() && s.quote == Q::Plain && s.value.is_empty())
    }

    fn block_map(&mut self, entries: &[Entry], col: usize, first_inline: bool, kentry: Option<bool>) {
        let mut zone_start = None;
        for (i, e) in entries.iter().enumerate() {
            let inline = i == 0 && first_inline;
            if !inline {
                if e.blank_before {
                    self.nl();
                }
                if let Some(c) = e.comment_line {
                    self.comment_line(col, c);
                }
                self.sp(col);
            }
            zone_start.get_or_insert(self.out.len());
            self.key(e);
            self.after_key(&e.value, col, e.colon_comment);
        }
        if kentry == Some(true) {
            self.zones.push(zone_start.unwrap_or(0)..self.out.len());
        }
    }

    /// The value of a block mapping entry whose key (at `col`) and `:` are written.
    fn after_key(&mut self, v: &Val, col: usize, colon_comment: Option<&str>) {
        match v {
            Val::Map {
                entries,
                layout,
                kentry,
            } if Self::is_block_collection(v) => {
                self.trailing_comment(colon_comment);
                self.nl();
                self.block_map(entries, col + layout.indent, false, *kentry);
            }
            Val::Seq { items, layout } if Self::is_block_collection(v) => {
                self.trailing_comment(colon_comment);
                self.nl();
                let c = if layout.compact { col } else { col + layout.indent };
                self.block_seq(items, layout, c, false);
            }
            Val::Scalar(s) if s.alias_of.is_none() && s.quote.is_block() => {
                self.out.push(' ');
                self.block_scalar(s, col + 2);
            }
            _ if Self::is_empty_plain(v) => {
                // No span: where an empty value "is" is a convention, not a byte.
                self.trailing_comment(s_comment(v));
                self.nl();
            }
            _ => {
                self.out.push(' ');
                self.inline(v, col);
                self.trailing_comment(s_comment(v));
                self.nl();
            }
        }
    }

    fn block_seq(&mut self, items: &[Val], layout: &Layout, col: usize, first_inline: bool) {
        for (i, item) in items.iter().enumerate() {
            if !(i == 0 && first_inline) {
                self.sp(col);
            }
            self.out.push('-');
            let c = col + 1 + layout.gap;
            match item {
                Val::Map { entries, kentry, .. } if Self::is_block_collection(item) => {
                    self.sp(layout.gap);
                    self.block_map(entries, c, true, *kentry);
                }
                Val::Seq {
                    items: inner,
                    layout: inner_layout,
                } if Self::is_block_collection(item) => {
                    self.sp(layout.gap);
                    self.block_seq(inner, inner_layout, c, true);
                }
                Val::Scalar(s) if s.alias_of.is_none() && s.quote.is_block() => {
                    self.out.push(' ');
                    self.block_scalar(s, c);
                }
                _ if Self::is_empty_plain(item) => {
                    self.trailing_comment(s_comment(item));
                    self.nl();
                }
                _ => {
                    self.sp(layout.gap);
                    self.inline(item, c);
                    self.trailing_comment(s_comment(item));
                    self.nl();
                }
            }
        }
    }

    fn block_scalar(&mut self, s: &Scalar, content_col: usize) {
        self.properties(s);
        self.out.push_str(match s.quote {
            Q::Literal => "|",
            Q::LiteralStrip => "|-",
            Q::Folded => ">",
            _ => ">-",
        });
        self.nl();
        for line in s.value.split('\n') {
            self.sp(content_col);
            self.out.push_str(line);
            self.nl();
        }
        self.last_block_scalar = true;
    }

    fn properties(&mut self, s: &Scalar) {
        if let Some(a) = &s.anchor {
            self.out.push('&');
            self.out.push_str(a);
            self.out.push(' ');
        }
        if s.str_tag {
            self.out.push_str("!!str ");
        }
    }

    /// A scalar, alias or flow collection, on the current line. Continuation lines (folds,
    /// multi-line flow collections) are indented deeper than `n`.
    fn inline(&mut self, v: &Val, n: usize) {
        match v {
            Val::Scalar(s) => {
                if let Some((name, _)) = &s.alias_of {
                    let start = self.out.len();
                    self.out.push('*');
                    self.out.push_str(name);
                    self.spans.insert(s.id, start..self.out.len());
                    return;
                }
                self.properties(s);
                let start = self.out.len();
                let fold = format!("{}{}", self.eol, " ".repeat(n + 2));
                let mut text = match s.quote {
                    Q::Single => format!("'{}'", s.value.replace('\'', "''")),
                    Q::Double => double_quoted(&s.value, s.escape),
                    _ => s.value.clone(),
                };
                if s.fold {
                    text = text.replacen(' ', &fold, 1);
                }
                self.out.push_str(&text);
                self.spans.insert(s.id, start..self.out.len());
            }
            Val::Map {
                entries,
                layout,
                kentry,
            } => {
                let start = self.out.len();
                self.out.push('{');
                self.flow_items(entries.len(), layout, n, |p, i| {
                    p.key(&entries[i]);
                    p.out.push(' ');
                    p.inline(&entries[i].value, n);
                });
                self.out.push('}');
                if *kentry == Some(true) {
                    self.zones.push(start..self.out.len());
                }
            }
            Val::Seq { items, layout } => {
                self.out.push('[');
                self.flow_items(items.len(), layout, n, |p, i| p.inline(&items[i], n));
                self.out.push(']');
            }
        }
    }

    fn flow_items(&mut self, len: usize, layout: &Layout, n: usize, mut item: impl FnMut(&mut Self, usize)) {
        let multiline = layout.multiline && len > 0;
        for i in 0..len {
            if i > 0 {
                self.out.push(',');
                if !multiline {
                    self.out.push(' ');
                }
            }
            if multiline {
                self.nl();
                self.sp(n + 2);
            }
            item(self, i);
        }
        if layout.trailing_comma && len > 0 {
            self.out.push(',');
        }
        if multiline {
            self.nl();
            self.sp(n + 1);
        }
    }
}

fn s_comment(v: &Val) -> Option<&'static str> {
    match v {
        Val::Scalar(s) => s.comment,
        _ => None,
    }
}

fn double_quoted(v: &str, escape: Option<usize>) -> String {
    let n = v.chars().count();
    let esc = escape.filter(|_| n > 0).map(|e| e % n);
    let mut s = String::from("\"");
    for (i, c) in v.chars().enumerate() {
        match c {
            _ if Some(i) == esc => s.push_str(&format!("\\u{:04X}", c as u32)),
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\t' => s.push_str("\\t"),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

// ---------------------------------------------------------------------------------------
// Data, as the model predicts it and as the parser reads it.

#[derive(Debug, Clone, PartialEq)]
enum Data {
    /// A scalar's value, and whether it is a string (not null, bool, number, timestamp).
    S(String, bool),
    L(Vec<Data>),
    M(Vec<(Data, Data)>),
}

/// The data of parsed documents, aliases resolved.
fn read_data(docs: &[Node]) -> Vec<Data> {
    fn go(n: &Node, anchors: &mut HashMap<usize, Data>) -> Data {
        let d = match &n.kind {
            Kind::Scalar { value, style } => {
                let string = match (&n.tag, style) {
                    (Some(t), _) => t.ends_with("str"),
                    (None, Style::Plain) => plain_is_string(value),
                    (None, _) => true,
                };
                Data::S(value.clone(), string)
            }
            Kind::Alias(id) => anchors
                .get(id)
                .cloned()
                .unwrap_or(Data::S(format!("<unknown alias {id}>"), false)),
            Kind::Seq { items, .. } => Data::L(items.iter().map(|i| go(i, anchors)).collect()),
            Kind::Map { entries, .. } => {
                Data::M(entries.iter().map(|(k, v)| (go(k, anchors), go(v, anchors))).collect())
            }
        };
        if n.anchor != 0 {
            anchors.insert(n.anchor, d.clone());
        }
        d
    }
    let mut anchors = HashMap::new();
    docs.iter().map(|d| go(d, &mut anchors)).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Add {
    Nothing,
    Append,
    Insert,
    Refused,
}

/// What the bump must do, computed from the generated tree.
struct Model<'f> {
    file: &'f File,
    /// Every scalar by id.
    scalars: Vec<&'f Scalar>,
    /// Alias sites (scalar ids) of each anchored scalar id.
    sites: HashMap<usize, Vec<usize>>,
}

impl<'f> Model<'f> {
    fn new(file: &'f File) -> Self {
        fn collect<'a>(v: &'a Val, out: &mut Vec<&'a Scalar>) {
            match v {
                Val::Scalar(s) => out.push(s),
                Val::Map { entries, .. } => entries.iter().for_each(|e| collect(&e.value, out)),
                Val::Seq { items, .. } => items.iter().for_each(|i| collect(i, out)),
            }
        }
        let mut scalars = Vec::new();
        for d in &file.docs {
            if let Some(r) = &d.root {
                collect(r, &mut scalars);
            }
        }
        scalars.sort_by_key(|s| s.id);
        let mut sites: HashMap<usize, Vec<usize>> = HashMap::new();
        for s in &scalars {
            if let Some((_, a)) = &s.alias_of {
                sites.entry(*a).or_default().push(s.id);
            }
        }
        Self { file, scalars, sites }
    }

    fn new_image(&self, img: Img) -> String {
        join(img.name, &self.file.target.tag, &self.file.target.digest)
    }

    /// Whether an anchored scalar is rewritten at the anchor, so every alias follows: when it
    /// is an image field itself, or when every use of it is an image field.
    fn anchor_changes(&self, s: &Scalar) -> bool {
        if !s.img.is_some_and(|i| i.matches) {
            return false;
        }
        let sites = self.sites.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
        s.image_field || (!sites.is_empty() && sites.iter().all(|&a| self.scalars[a].image_field))
    }

    /// The scalar's value after the bump, when it changes.
    fn changed(&self, s: &Scalar) -> Option<String> {
        if let Some((_, a)) = &s.alias_of {
            let anchor = self.scalars[*a];
            let img = anchor.img.filter(|i| i.matches)?;
            return (self.anchor_changes(anchor) || s.image_field).then(|| self.new_image(img));
        }
        let img = s.img.filter(|i| i.matches)?;
        let changes = if s.anchor.is_some() {
            self.anchor_changes(s)
        } else {
            s.image_field
        };
        changes.then(|| self.new_image(img))
    }

    fn scalar_data(&self, s: &Scalar, after: bool) -> Data {
        if after {
            if let Some(new) = self.changed(s) {
                return Data::S(new, true);
            }
        }
        let s = match &s.alias_of {
            Some((_, a)) => self.scalars[*a],
            None => s,
        };
        let string = s.str_tag || s.quote != Q::Plain || plain_is_string(&s.value);
        let value = match s.quote {
            Q::Literal => format!("{}\n", s.value),
            Q::Folded => format!("{}\n", s.value.replace('\n', " ")),
            Q::FoldedStrip => s.value.replace('\n', " "),
            _ => s.value.clone(),
        };
        Data::S(value, string)
    }

    fn data(&self, after: bool) -> Vec<Data> {
        let mut docs: Vec<Data> = self
            .file
            .docs
            .iter()
            .map(|d| match &d.root {
                None => Data::S(String::new(), false),
                Some(r) => self.val_data(r, after),
            })
            .collect();
        if after {
            let t = &self.file.target;
            let mut entry = vec![(Data::S("name".into(), true), Data::S(TARGET_NAME.into(), true))];
            for (k, v) in [("newTag", &t.tag), ("digest", &t.digest)] {
                if let Some(v) = v {
                    entry.push((Data::S(k.into(), true), Data::S(v.clone(), true)));
                }
            }
            let entry = Data::M(entry);
            match (self.add(), &mut docs[0]) {
                (Add::Append, Data::M(root)) => {
                    let images = root.iter_mut().find(|(k, _)| *k == Data::S("images".into(), true));
                    if let Some((_, Data::L(items))) = images {
                        items.push(entry);
                    }
                }
                (Add::Insert, Data::M(root)) => {
                    root.push((Data::S("images".into(), true), Data::L(vec![entry])));
                }
                _ => {}
            }
        }
        docs
    }

    /// What `--add-entry` must do: nothing when an entry names the target (or the option is
    /// off); else append to the first document's block `images:` list, or add the list to a
    /// block root mapping; anything else (an empty document, a flow root, a flow list) is
    /// refused.
    fn add(&self) -> Add {
        fn names_target(v: &Val) -> bool {
            match v {
                Val::Scalar(_) => false,
                Val::Map { entries, kentry, .. } => {
                    *kentry == Some(true) || entries.iter().any(|e| names_target(&e.value))
                }
                Val::Seq { items, .. } => items.iter().any(names_target),
            }
        }
        let f = self.file;
        if !f.add_entries || !f.is_kustomization() || f.docs.iter().flat_map(|d| &d.root).any(names_target) {
            return Add::Nothing;
        }
        match &f.docs[0].root {
            Some(Val::Map { entries, layout, .. }) if !layout.flow => {
                match entries.iter().find(|e| e.key == "images") {
                    None => Add::Insert,
                    Some(Entry {
                        value: Val::Seq { layout, items },
                        ..
                    }) if !layout.flow && !items.is_empty() => Add::Append,
                    Some(_) => Add::Refused,
                }
            }
            _ => Add::Refused,
        }
    }

    fn val_data(&self, v: &Val, after: bool) -> Data {
        match v {
            Val::Scalar(s) => self.scalar_data(s, after),
            Val::Seq { items, .. } => Data::L(items.iter().map(|i| self.val_data(i, after)).collect()),
            Val::Map { entries, kentry, .. } => {
                let bump = after && *kentry == Some(true) && self.file.is_kustomization();
                let key = |e: &Entry| Data::S(e.key.clone(), e.key_quote != Q::Plain || plain_is_string(&e.key));
                if !bump {
                    return Data::M(
                        entries
                            .iter()
                            .map(|e| (key(e), self.val_data(&e.value, after)))
                            .collect(),
                    );
                }
                // kustomize's rule: a tag write drops a digest and vice versa; existing keys
                // are set in place, missing ones appended.
                let t = &self.file.target;
                let want = |k: &str| match k {
                    "newTag" => Some(t.tag.clone()),
                    "digest" => Some(t.digest.clone()),
                    _ => None,
                };
                let mut out = Vec::new();
                for e in entries {
                    match want(&e.key) {
                        None => out.push((key(e), self.val_data(&e.value, after))),
                        Some(None) => {}
                        Some(Some(v)) => out.push((key(e), Data::S(v, true))),
                    }
                }
                for k in ["newTag", "digest"] {
                    if let Some(Some(v)) = want(k) {
                        if !entries.iter().any(|e| e.key == k) {
                            out.push((Data::S(k.into(), true), Data::S(v, true)));
                        }
                    }
                }
                Data::M(out)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Property A.

fn request(target: &TargetSpec) -> Request {
    Request {
        targets: vec![Target::parse(&target.arg()).expect("generated targets are valid")],
        ..Request::default()
    }
}

/// The splices applied by hand, to check `updated` against the original bytes.
fn apply_by_hand(text: &str, splices: &[Splice]) -> String {
    let mut sorted: Vec<&Splice> = splices.iter().collect();
    sorted.sort_by_key(|s| (s.range.start, s.range.end));
    let mut out = String::new();
    let mut pos = 0;
    for s in sorted {
        assert!(s.range.start >= pos, "overlapping splices {splices:?}");
        out.push_str(&text[pos..s.range.start]);
        out.push_str(&s.text);
        pos = s.range.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Where byte `at` of the original is in the edited text.
fn shifted(splices: &[Splice], at: usize) -> usize {
    let delta: isize = splices
        .iter()
        .filter(|s| s.range.end <= at && !(s.range.is_empty() && s.range.start == at))
        .map(|s| s.text.len() as isize - s.range.len() as isize)
        .sum();
    (at as isize + delta) as usize
}

fn scalar_nodes(docs: &[Node]) -> HashMap<usize, &Node> {
    fn go<'a>(n: &'a Node, out: &mut HashMap<usize, &'a Node>) {
        match &n.kind {
            Kind::Scalar { .. } | Kind::Alias(_) => {
                out.insert(n.range.start, n);
            }
            Kind::Seq { items, .. } => items.iter().for_each(|i| go(i, out)),
            Kind::Map { entries, .. } => entries.iter().for_each(|(k, v)| {
                go(k, out);
                go(v, out);
            }),
        }
    }
    let mut out = HashMap::new();
    docs.iter().for_each(|d| go(d, &mut out));
    out
}

fn check_bump(f: &File) -> Result<(), String> {
    let printed = print(f);
    let text = printed.text.as_str();
    let model = Model::new(f);

    // The generator, the printer and the parser agree on the input.
    let before = tree::parse(text).map_err(|e| format!("generated YAML does not parse: {e}"))?;
    let read = read_data(&before);
    let meant = model.data(false);
    if read != meant {
        return Err(format!("parser reads\n{read:?}\nbut the generator meant\n{meant:?}"));
    }
    // The tree's scalar ranges are exact (splices rely on them).
    let nodes = scalar_nodes(&before);
    for s in &model.scalars {
        if let Some(span) = printed.spans.get(&s.id) {
            let ok = nodes.get(&span.start).is_some_and(|n| n.range == *span);
            if !ok {
                let got = nodes.get(&span.start).map(|n| n.range.clone());
                return Err(format!(
                    "scalar {:?} is at bytes {span:?} ({:?}), the tree says {got:?}",
                    s.value,
                    &text[span.clone()]
                ));
            }
        }
    }

    let req = request(&f.target);
    let opts = FileOptions {
        add_entries: f.add_entries,
        explicit: false,
    };
    let edit = edit_file(Path::new(f.name), text, &req, opts);
    if model.add() == Add::Refused {
        return match edit {
            Err(e) if e.to_string().contains("cannot add") => Ok(()),
            Err(e) => Err(format!("refused, but not for the entry it cannot add: {e}")),
            Ok(_) => Err("an entry that cannot be added in this layout was not refused".into()),
        };
    }
    let edit = edit.map_err(|e| format!("edit refused: {e}"))?;
    let expected = model.data(true);
    let Some(edit) = edit else {
        if expected != meant {
            return Err(format!("nothing was edited, but expected\n{expected:?}"));
        }
        return Ok(());
    };
    check_edit(f, &printed, &model, &edit, &expected)?;

    // Idempotence.
    match edit_file(Path::new(f.name), &edit.updated, &req, opts) {
        Ok(None) => Ok(()),
        Ok(Some(again)) => Err(format!("a second run changed it again:\n{}", again.updated)),
        Err(e) => Err(format!(
            "a second run was refused: {e}\n--- after first run ---\n{}",
            edit.updated
        )),
    }
}

fn check_edit(f: &File, printed: &Printed, model: &Model, edit: &FileEdit, expected: &[Data]) -> Result<(), String> {
    let text = printed.text.as_str();
    let out = edit.updated.as_str();
    if edit.original != text {
        return Err("FileEdit.original is not the input".into());
    }
    // (2) Outside the splices, the bytes are the input's.
    if apply_by_hand(text, &edit.splices) != out {
        return Err("the output is not the input with the returned splices applied".into());
    }
    // Every splice is an image value, an alias at an image field, the anchor of a changed
    // image, or inside a kustomization entry that names the target.
    let by_span: HashMap<Range<usize>, &Scalar> = model
        .scalars
        .iter()
        .filter_map(|s| printed.spans.get(&s.id).map(|r| (r.clone(), *s)))
        .collect();
    for s in &edit.splices {
        let added = model.add() != Add::Nothing && s.range.is_empty() && s.text.contains("name:");
        let in_zone = added
            || (f.is_kustomization()
                && printed
                    .zones
                    .iter()
                    .any(|z| z.start <= s.range.start && s.range.end <= z.end));
        let scalar = by_span.get(&s.range).copied();
        let allowed = match scalar {
            Some(sc) => model.changed(sc).is_some() || (sc.alias_of.is_some() && sc.image_field),
            None => false,
        };
        if !allowed && !in_zone {
            return Err(format!(
                "splice {:?} -> {:?} touches bytes {:?} ({:?}) that are no bumped value",
                s.range,
                s.text,
                s.range,
                &text[s.range.clone()]
            ));
        }
        if let (Some(sc), false) = (scalar, in_zone) {
            let want = model.changed(sc).unwrap_or_default();
            if s.new != want {
                return Err(format!("splice reports new {:?}, expected {want:?}", s.new));
            }
        }
    }
    // (3) The output reads back as the model says.
    let after = tree::parse(out).map_err(|e| format!("the output does not parse: {e}"))?;
    let got = read_data(&after);
    if got != expected {
        return Err(format!("after the edit the data is\n{got:?}\nexpected\n{expected:?}"));
    }
    // Each rewritten value keeps its quoting style (a plain one is quoted only when it must).
    let out_nodes = scalar_nodes(&after);
    for s in &edit.splices {
        let Some(sc) = by_span.get(&s.range) else {
            continue;
        };
        if sc.alias_of.is_some() {
            continue;
        }
        let at = shifted(&edit.splices, s.range.start);
        let Some(node) = out_nodes.get(&at) else {
            return Err(format!("no scalar at output byte {at} for splice {s:?}"));
        };
        let style = node.style();
        let want = match sc.quote {
            Q::Single => Style::Single,
            Q::Double => Style::Double,
            _ if plain_is_string(&s.new) => Style::Plain,
            _ => Style::Double,
        };
        if style != Some(want) && !(want == Style::Double && style == Some(Style::Single)) {
            return Err(format!(
                "{:?} was {:?} and is now written {:?} ({:?})",
                sc.value, sc.quote, style, s.text
            ));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    /// Property A: a bump changes exactly the values it should, and nothing else.
    #[test]
    fn bump_changes_only_the_bumped_values(f in file_s()) {
        if let Err(msg) = check_bump(&f) {
            let text = print(&f).text;
            prop_assert!(
                false,
                "{msg}\n--- file {} (target {}) ---\n{text}\n--- escaped ---\n{text:?}",
                f.name,
                f.target.arg()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Property B.

/// Text snippets that break YAML in interesting ways.
const DAMAGE: &[&str] = &[
    "\t",
    "'",
    "\"",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "*",
    "&",
    "!",
    "!!int ",
    "!!str ",
    "? ",
    "- ",
    ": ",
    ":",
    "#",
    "\r",
    "\n",
    "\r\n",
    "---\n",
    "...\n",
    "|\n",
    ">-\n",
    "|+2\n",
    "%YAML 1.2\n",
    "%TAG ! tag:x,2000:\n",
    "\u{feff}",
    "\u{85}",
    "\u{2028}",
    "\0",
    "é",
    "\\",
    "\\u",
    "<<: *a\n",
    " ",
    "  ",
    "image: ",
    "newTag: ",
    "images:\n- name: ghcr.io/acme/app\n",
    "# {\"tagbump\": \"ghcr.io/acme/app\"}",
    "# {\"$imagepolicy\": \"ns:p\"}",
    "@",
    "`",
    ",",
];

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, &'static str),
    Delete(usize, usize),
    DupLine(usize),
}

fn mutate(text: &str, muts: &[Mutation]) -> String {
    let mut t = text.to_string();
    let boundary = |t: &str, at: usize| {
        let mut at = at % (t.len() + 1);
        while !t.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    for m in muts {
        match m {
            Mutation::Insert(at, s) => {
                let at = boundary(&t, *at);
                t.insert_str(at, s);
            }
            Mutation::Delete(at, len) => {
                let a = boundary(&t, *at);
                let b = boundary(&t, a + len);
                if b >= a {
                    t.replace_range(a..b, "");
                }
            }
            Mutation::DupLine(at) => {
                let at = boundary(&t, *at);
                let ls = t[..at].rfind('\n').map_or(0, |i| i + 1);
                let le = t[at..].find('\n').map_or(t.len(), |i| at + i + 1);
                let line = t[ls..le].to_string();
                t.insert_str(le, &line);
            }
        }
    }
    t
}

fn mutation_s() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), select(DAMAGE)).prop_map(|(a, s)| Mutation::Insert(a, s)),
        2 => (any::<usize>(), 1usize..6).prop_map(|(a, l)| Mutation::Delete(a, l)),
        1 => any::<usize>().prop_map(Mutation::DupLine),
    ]
}

/// Inputs: random bytes (made UTF-8 the lossy way), random characters, and generated YAML
/// with random damage.
fn hostile_text_s() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..300)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1 => "(?s).{0,200}",
        1 => prop::collection::vec(select(DAMAGE), 0..40).prop_map(|v| v.concat()),
        4 => (file_s(), prop::collection::vec(mutation_s(), 1..6))
            .prop_map(|(f, m)| mutate(&print(&f).text, &m)),
    ]
}

fn hostile_request_s() -> impl Strategy<Value = (Request, FileOptions)> {
    (
        target_s(),
        prop::bool::weighted(0.3),
        prop::option::weighted(
            0.3,
            select(vec!["image.tag", "images[0].tag", "a..b", "x[", "image", "[0]"]),
        ),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(t, second, key, explicit, add_entries)| {
            let mut req = request(&t);
            if second {
                req.targets.push(Target::parse("nginx:1.27").unwrap());
            }
            if let Some(k) = key {
                req.values_keys.push(ValuesKey {
                    path: k.into(),
                    part: Part::Tag,
                    target: 0,
                });
            }
            req.flux_policies.push(("ns:p".into(), 0));
            (req, FileOptions { add_entries, explicit })
        })
}

proptest! {
    #![proptest_config(config(512))]

    /// Property B: whatever the input, `edit_file` answers `Ok` or `Err`; an edit it makes
    /// is stable under a second run.
    #[test]
    fn hostile_input_never_panics(
        text in hostile_text_s(),
        (req, opts) in hostile_request_s(),
        name in select(vec!["deploy.yaml", "kustomization.yaml", "values.yaml", ".argocd-source-app.yaml", "main.k"]),
    ) {
        let path = Path::new(name);
        if let Ok(Some(edit)) = edit_file(path, &text, &req, opts) {
            prop_assert_eq!(&edit.original, &text);
            let again = edit_file(path, &edit.updated, &req, opts);
            prop_assert!(
                matches!(again, Ok(None)),
                "second run: {:?}\n--- input ---\n{:?}\n--- after first run ---\n{:?}",
                again.map(|e| e.map(|e| e.updated)),
                text,
                edit.updated
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Property C.

/// One edit of a generated document, by node index (taken modulo the candidates).
#[derive(Debug, Clone)]
enum Op {
    Set(usize, &'static str),
    Insert(usize, &'static str),
    Remove(usize, usize),
    Append(usize),
}

fn op_s() -> impl Strategy<Value = Op> {
    let values = select(vec![
        "ghcr.io/acme/app:2",
        "1234",
        "",
        "a: b",
        "x #y",
        "'q'",
        "é\"\\",
        "true",
        "*a",
    ]);
    let keys = select(vec!["newTag", "digest", "image", "name", "k"]);
    prop_oneof![
        4 => (any::<usize>(), values).prop_map(|(i, v)| Op::Set(i, v)),
        1 => (any::<usize>(), keys).prop_map(|(i, k)| Op::Insert(i, k)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Op::Remove(i, j)),
        1 => any::<usize>().prop_map(Op::Append),
    ]
}

/// Apply random edits to `text` the way editors do (`YamlDoc::set`, `insert`, `remove`,
/// `append_item`), splice them, and optionally damage the result; give the original tree,
/// the edited text and the changes the edits announced.
fn edited(text: &str, ops: &[Op], muts: &[Mutation]) -> Option<(Vec<Node>, String, Vec<Change>)> {
    let doc = YamlDoc::parse(text).ok()?;
    let (mut leaves, mut maps, mut seqs) = (Vec::new(), Vec::new(), Vec::new());
    walk(&doc.docs, &mut |v| match &v.node.kind {
        Kind::Scalar { .. } | Kind::Alias(_) => leaves.push(v.path.to_vec()),
        Kind::Map { entries, .. } => maps.push((v.path.to_vec(), entries.len())),
        Kind::Seq { .. } => seqs.push(v.path.to_vec()),
    });
    let mut edits = Edits::default();
    for op in ops {
        // An op the document refuses (a block scalar, a flow root) is skipped.
        let _ = match op {
            Op::Set(i, v) if !leaves.is_empty() => doc.set(&leaves[i % leaves.len()], v, &mut edits),
            Op::Insert(i, k) if !maps.is_empty() => {
                doc.insert(&maps[i % maps.len()].0, k, YamlData::Str("v1".into()), &mut edits)
            }
            Op::Remove(i, j) if !maps.is_empty() => {
                let (map, len) = &maps[i % maps.len()];
                if *len == 0 {
                    continue;
                }
                doc.remove(map, j % len, &mut edits)
            }
            Op::Append(i) if !seqs.is_empty() => {
                doc.append_item(&seqs[i % seqs.len()], vec![("name".into(), "x".into())], &mut edits)
            }
            _ => continue,
        };
    }
    let updated = mutate(&apply_splices(text, &edits.splices).ok()?, muts);
    let mut changes = edits.changes.clone();
    changes.dedup();
    Some((doc.docs, updated, changes))
}

proptest! {
    #![proptest_config(config(512))]

    /// Property C: the re-parse check that runs (events of the edited text against the
    /// original tree) accepts exactly what the reference check (a second tree, compared
    /// with the original after the changes) accepts, with the same error when it refuses.
    #[test]
    fn stream_check_agrees_with_tree_check(
        f in file_s(),
        ops in prop::collection::vec(op_s(), 1..4),
        muts in prop::collection::vec(mutation_s(), 0..3),
    ) {
        let text = print(&f).text;
        if let Some((docs, updated, changes)) = edited(&text, &ops, &muts) {
            let fast = verify::verify(&docs, &updated, &changes).map_err(|e| e.to_string());
            let reference = verify::tree::by_tree(&docs, &updated, &changes).map_err(|e| e.to_string());
            prop_assert_eq!(
                &fast,
                &reference,
                "\n--- original ---\n{:?}\n--- edited ---\n{:?}\n--- changes ---\n{:?}",
                text,
                updated,
                changes
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Property D.

/// Every event, span and error of a parse, up to the first error.
fn events<T: saphyr_parser::input::Input>(mut parser: saphyr_parser::Parser<'_, T>) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(ev) = parser.next_event() {
        let stop = ev.is_err();
        out.push(format!("{ev:?}"));
        if stop {
            break;
        }
    }
    out
}

proptest! {
    #![proptest_config(config(512))]

    /// Property D: the parser reads tagbump's input (`yaml::input::Text`, a smaller buffer
    /// size) exactly as it reads a `&str`: the same events, spans and errors.
    #[test]
    fn text_input_parses_like_str_input(text in hostile_text_s()) {
        let want = events(saphyr_parser::Parser::new_from_str(&text));
        let got = events(saphyr_parser::Parser::new(Text::new(&text)));
        prop_assert_eq!(got, want, "{:?}", text);
    }
}

// ---------------------------------------------------------------------------------------
// Regressions: bugs the properties found, one minimal case each.

fn bump_one(name: &str, text: &str, target: &str) -> Result<Option<String>, String> {
    let req = Request {
        targets: vec![Target::parse(target).unwrap()],
        ..Request::default()
    };
    edit_file(Path::new(name), text, &req, FileOptions::default())
        .map(|e| e.map(|e| e.updated))
        .map_err(|e| e.to_string())
}

/// Regression, found by the property tests and fixed; the bug as it was:
/// `YamlDoc::set` accepts a scalar tagged `!!str`, but the re-parse check expects the tag to
/// be gone (`verify::apply` builds the expected node without it), so the edit is refused
/// with "changed type (str to tag:yaml.org,2002:str)".
#[test]
fn str_tagged_image_can_be_bumped() {
    assert_eq!(
        bump_one("deploy.yaml", "image: !!str nginx:1\n", "nginx:2"),
        Ok(Some("image: !!str nginx:2\n".to_string()))
    );
}

/// Regression, found by the property tests and fixed; the bug as it was:
/// An empty value (`newTag:` with nothing after it) has its zero-length range at the `:`
/// (`tree.rs`), so `YamlDoc::set` splices the new value in front of the colon
/// (`newTag1.5.0:`) and the re-parse check refuses the edit. Kustomization entries and Helm
/// `tag:` keys left empty are common placeholders.
#[test]
fn empty_value_can_be_set() {
    assert_eq!(
        bump_one(
            "kustomization.yaml",
            "images:\n- name: ghcr.io/acme/app\n  newTag:\n",
            "ghcr.io/acme/app:1.5.0"
        ),
        Ok(Some("images:\n- name: ghcr.io/acme/app\n  newTag: 1.5.0\n".to_string()))
    );
    assert_eq!(
        bump_one(
            "values.yaml",
            "image:\n  repository: ghcr.io/acme/app\n  tag: # set by CI\n",
            "ghcr.io/acme/app:1.5.0"
        ),
        Ok(Some(
            "image:\n  repository: ghcr.io/acme/app\n  tag: 1.5.0 # set by CI\n".to_string()
        ))
    );
}

/// Regression, found by the property tests and fixed; the bug as it was:
/// A plain `newTag: 1234` reads back as a number (`kubectl kustomize` then fails with "json:
/// cannot unmarshal number into Go struct field Image.images.newTag of type string").
/// Setting the tag to the string `1234` must quote it, as it does for any other old value;
/// `YamlDoc::set` instead sees equal text and writes nothing, so `--check` reports the file
/// up to date. Helm's `tag: 20240101` is the same case (Helm renders the number as
/// `2.0240101e+07`).
#[test]
fn numeric_plain_value_is_quoted_when_set_to_the_same_text() {
    assert_eq!(
        bump_one(
            "kustomization.yaml",
            "images:\n- name: ghcr.io/acme/app\n  newTag: 1234\n",
            "ghcr.io/acme/app:1234"
        ),
        Ok(Some(
            "images:\n- name: ghcr.io/acme/app\n  newTag: \"1234\"\n".to_string()
        ))
    );
    assert_eq!(
        bump_one(
            "values.yaml",
            "image:\n  repository: ghcr.io/acme/app\n  tag: 20240101\n",
            "ghcr.io/acme/app:20240101"
        ),
        Ok(Some(
            "image:\n  repository: ghcr.io/acme/app\n  tag: \"20240101\"\n".to_string()
        ))
    );
}

/// Regression, found by the property tests and fixed; the bug as it was:
/// `edit_file` skips a file whose raw text does not contain the last path component of a
/// target (`mentions_anything`), but a double-quoted value may spell it with escapes, so the
/// image below is never looked at.
#[test]
fn escaped_image_name_is_found() {
    assert_eq!(
        bump_one(
            "deploy.yaml",
            "image: \"ghcr.io/acme/\\u0061pp:1\"\n",
            "ghcr.io/acme/app:2"
        ),
        Ok(Some("image: \"ghcr.io/acme/app:2\"\n".to_string()))
    );
}

/// `edit_file` on a kustomization with `--add-entry` for `ghcr.io/acme/app:1.5.0`.
fn add_app_entry(text: &str) -> Result<Option<String>, String> {
    let req = Request {
        targets: vec![Target::parse("ghcr.io/acme/app:1.5.0").unwrap()],
        ..Request::default()
    };
    let opts = FileOptions {
        add_entries: true,
        explicit: false,
    };
    edit_file(Path::new("kustomization.yaml"), text, &req, opts)
        .map(|e| e.map(|e| e.updated))
        .map_err(|e| e.to_string())
}

/// Regression, found by the property tests and fixed; the bug as it was:
/// `--add-entry` finds the column of the list's `-` on the line of the last item's first
/// key (`append_item`, `structure.rs`). When that key is on a later line (a flow mapping
/// opened on the `-` line, or a `-` alone on its line), the new item is written at the key's
/// column, which is not valid YAML, and the edit is refused as "no longer parses".
#[test]
fn entry_added_after_a_multiline_item() {
    let new = "- name: ghcr.io/acme/app\n  newTag: 1.5.0\n";
    for text in ["images:\n- {\n    name: redis\n  }\n", "images:\n-\n  name: redis\n"] {
        assert_eq!(add_app_entry(text), Ok(Some(format!("{text}{new}"))), "{text:?}");
    }
}

/// Regression, found by the property tests and fixed; the bug as it was:
/// Adding a key to a mapping measures the indentation of its last key with `indent_to`,
/// which counts a BOM before a key on line 1 as a column; the new key is indented by one
/// space and the edit is refused. A kustomization saved by a Windows editor as
/// `<BOM>resources: [deploy.yaml]` cannot get an entry with `--add-entry`.
#[test]
fn key_added_after_a_bom_line() {
    let text = "\u{feff}resources: [deploy.yaml]\n";
    let got = add_app_entry(text);
    assert_eq!(
        got,
        Ok(Some(format!(
            "{text}images:\n- name: ghcr.io/acme/app\n  newTag: 1.5.0\n"
        )))
    );
}

/// Regression, found by the property tests and fixed; the bug as it was:
/// The tree's range of a flow mapping with a trailing comma (`{b: c,}`) ends at the comma,
/// not at the `}` (flow sequences are right). A key added after such a mapping when it
/// spans lines (here by `--add-entry`) goes in before the `}`, and the edit is refused.
#[test]
fn multiline_flow_mapping_with_trailing_comma_is_not_entered() {
    let text = "a: {b: c,}\n";
    let docs = tree::parse(text).unwrap();
    assert_eq!(&text[docs[0].entries()[0].1.range.clone()], "{b: c,}");

    let text = "labels: {\n  app: shop,\n}\n";
    let got = add_app_entry(text);
    assert_eq!(
        got,
        Ok(Some(format!(
            "{text}images:\n- name: ghcr.io/acme/app\n  newTag: 1.5.0\n"
        )))
    );
}
