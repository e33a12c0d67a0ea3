//! Tests of the stand-in itself: that it refuses what GitHub refuses, answers what GitHub
//! answers (statuses, bodies, headers), keeps state across a flow, and fires faults. They talk
//! HTTP through reqwest like a client would; each asserts concrete values, so a stand-in that
//! drifted towards leniency fails here before it lets a client bug through.

mod actions;
mod contents;
mod faults;
mod git;
mod linked;
mod pulls;
mod requests;

use serde_json::Value;

use super::{GitHubStandIn, StandInOptions};

/// A synchronous JSON client for the stand-in, with the headers a well-behaved client sends
/// (its own runtime, so the tests stay plain `#[test]`s; one `reqwest::Client`, so connections
/// are reused).
pub struct Api {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
    token: String,
}

/// A response: status, headers (names lower-case), JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Assert the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(self.status, status, "body: {:#}", self.body);
        self
    }
}

pub const STANDARD_HEADERS: [(&str, &str); 3] = [
    ("user-agent", "tagbump-tests"),
    ("accept", "application/vnd.github+json"),
    ("x-github-api-version", "2022-11-28"),
];

impl Api {
    pub fn new(gh: &GitHubStandIn) -> Api {
        Api {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::new(),
            base: gh.url().to_string(),
            token: gh.token().to_string(),
        }
    }

    /// A request with exactly these headers (no defaults) and a raw body.
    pub fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.client.request(method, format!("{}{path}", self.base));
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if !body.is_empty() {
            rb = rb.body(body.to_vec());
        }
        self.rt.block_on(async {
            let r = rb.send().await.unwrap();
            let status = r.status().as_u16();
            let headers = r
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
                .collect();
            let bytes = r.bytes().await.unwrap();
            let body = if bytes.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("not JSON ({e}): {bytes:?}"))
            };
            Resp { status, headers, body }
        })
    }

    /// A request with the standard headers and `Authorization: Bearer <token>`.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let auth = format!("Bearer {}", self.token);
        let mut headers: Vec<(&str, &str)> = STANDARD_HEADERS.to_vec();
        headers.push(("authorization", &auth));
        let bytes = body.map(|b| serde_json::to_vec(&b).unwrap()).unwrap_or_default();
        if !bytes.is_empty() {
            headers.push(("content-type", "application/json"));
        }
        self.raw(method, path, &headers, &bytes)
    }

    pub fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None)
    }

    pub fn post(&self, path: &str, body: Value) -> Resp {
        self.call("POST", path, Some(body))
    }

    pub fn patch(&self, path: &str, body: Value) -> Resp {
        self.call("PATCH", path, Some(body))
    }

    pub fn put(&self, path: &str, body: Value) -> Resp {
        self.call("PUT", path, Some(body))
    }
}

/// A stand-in with `acme/config` (default branch `main`) holding two files, and a client.
pub fn setup() -> (GitHubStandIn, Api, String) {
    let gh = GitHubStandIn::start(StandInOptions::default());
    gh.add_repo("acme", "config", "main");
    let base = gh.seed_commit(
        "acme",
        "config",
        "main",
        &[
            (
                "apps/shop/kustomization.yaml",
                "images:\n  - name: shop\n    newTag: 1.0.0\n",
            ),
            ("README.md", "# config\n"),
        ],
    );
    let api = Api::new(&gh);
    (gh, api, base)
}

/// Push a commit to `branch` through the Git Data API the way `tagbump update` does; returns
/// the commit's SHA (the ref is not moved).
pub fn api_commit(api: &Api, parent: &str, path: &str, content: &str) -> String {
    let base_tree = api
        .get(&format!("/repos/acme/config/git/commits/{parent}"))
        .expect(200)
        .body["tree"]["sha"]
        .as_str()
        .unwrap()
        .to_string();
    let blob = api
        .post(
            "/repos/acme/config/git/blobs",
            serde_json::json!({"content": content, "encoding": "utf-8"}),
        )
        .expect(201);
    let tree = api
        .post(
            "/repos/acme/config/git/trees",
            serde_json::json!({"base_tree": base_tree, "tree": [
                {"path": path, "mode": "100644", "type": "blob", "sha": blob.body["sha"]}
            ]}),
        )
        .expect(201);
    let commit = api
        .post(
            "/repos/acme/config/git/commits",
            serde_json::json!({"message": "bump", "tree": tree.body["sha"], "parents": [parent]}),
        )
        .expect(201);
    commit.body["sha"].as_str().unwrap().to_string()
}
