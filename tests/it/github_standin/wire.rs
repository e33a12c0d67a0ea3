//! Requests and answers as the stand-in sees them, apart from HTTP plumbing: a [`Req`] is
//! fully read (headers lower-cased, body collected) before any check runs, and a [`Reply`] is a
//! status, headers and an optional JSON body. GitHub's error bodies are built here so every
//! error has the documented shape: `basic-error` `{message, documentation_url, status}` and
//! `validation-error` `{message, documentation_url, errors[]}`.

use serde_json::{Value, json};

/// Where GitHub's error bodies point when no operation's page fits.
pub const DOCS: &str = "https://docs.github.com/rest";

/// A request as received.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: String,
    /// The path, percent-encoded as sent, without the query.
    pub path: String,
    /// The query string as sent (without `?`), possibly empty.
    pub query: String,
    /// Header names lower-cased, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Which TCP connection it came on (1, 2, ...), to see keep-alive at work.
    pub conn: u64,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Query parameters, percent-decoded, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// An answer: status, headers (besides the ones every response gets) and a JSON body.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    /// The stand-in itself failed (its linked repository): a 500 no route declares, which
    /// `dispatch` lets through with its message instead of calling it a route bug.
    pub internal: bool,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Some(body),
            internal: false,
        }
    }

    /// A response without a body (204).
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: None,
            internal: false,
        }
    }

    /// `basic-error`: `{"message", "documentation_url", "status"}`.
    pub fn error(status: u16, message: &str, docs: &str) -> Reply {
        Reply::json(
            status,
            json!({"message": message, "documentation_url": docs, "status": status.to_string()}),
        )
    }

    /// A 500 for a failure of the stand-in itself, `message` saying what failed.
    pub fn internal(message: &str) -> Reply {
        let mut reply = Reply::error(500, &format!("stand-in: {message}"), DOCS);
        reply.internal = true;
        reply
    }

    pub fn not_found(docs: &str) -> Reply {
        Reply::error(404, "Not Found", docs)
    }

    /// `validation-error` with `errors[]` (422).
    pub fn validation(message: &str, errors: Vec<Value>, docs: &str) -> Reply {
        Reply::json(
            422,
            json!({"message": message, "errors": errors, "documentation_url": docs, "status": "422"}),
        )
    }

    /// A 422 whose body is only a message, as GitHub answers for refs ("Reference already
    /// exists", "Update is not a fast forward") and other rule checks.
    pub fn unprocessable(message: &str, docs: &str) -> Reply {
        Reply::error(422, message, docs)
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// One entry of the `errors` array of a `validation-error`.
pub fn field_error(resource: &str, field: &str, code: &str) -> Value {
    json!({"resource": resource, "field": field, "code": code})
}

/// An `errors` entry with code `custom` and a message, as GitHub writes rule violations
/// ("A pull request already exists for acme:bump.").
pub fn custom_error(resource: &str, message: &str) -> Value {
    json!({"resource": resource, "code": "custom", "message": message})
}

/// A request the stand-in answered, as [`super::GitHubStandIn::requests`] reports it.
#[derive(Clone, Debug)]
pub struct LoggedRequest {
    pub method: String,
    /// The path and query as sent.
    pub target: String,
    /// The operation the request was routed to (`git/update-ref`), when it was.
    pub operation: Option<&'static str>,
    /// Request headers, names lower-cased; the token in `authorization` is replaced by `***`.
    pub headers: Vec<(String, String)>,
    /// The request body when it was JSON.
    pub body: Option<Value>,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<Value>,
    /// Whether an injected [`super::Fault`] produced the answer.
    pub fault: bool,
    /// The TCP connection it came on (1, 2, ...): requests on one connection were kept alive.
    pub connection: u64,
}

impl LoggedRequest {
    /// A request header (name lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn response_header(&self, name: &str) -> Option<&str> {
        self.response_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Decode `%XX` escapes (path segments; `+` stays `+`).
pub fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
