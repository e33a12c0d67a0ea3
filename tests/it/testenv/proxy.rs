//! scripts/testenv/proxy.py in front of a test registry: OCI tag-list paging (Distribution
//! 2.8 ignores `?n=&last=` and sends no `Link`), faults injected on demand, and a log of the
//! requests it saw, so a client test can assert what the client sent and how it recovered.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::http;
use super::process::Server;

/// Paging of `GET /v2/<name>/tags/list`.
#[derive(Clone, Debug, Default)]
pub struct ProxyOptions {
    /// Page size when the client sends no `n` (0: the whole list in one page).
    pub default_n: usize,
    /// The largest page served whatever `n` asks (0: no limit).
    pub max_n: usize,
}

/// A running proxy; dropping it stops it.
pub struct Proxy {
    server: Option<Server>, // taken in Drop: the proxy stops before the directory of its log goes
    workdir: tempfile::TempDir,
    addr: String,
}

/// What a [`Fault`] does to a request it fires on.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// Answer with this status (and an OCI error body) without asking the registry;
    /// `retry_after` becomes a `Retry-After` header.
    Status { code: u16, retry_after: Option<String> },
    /// Close the connection abortively (TCP RST) without any response.
    Reset,
    /// Forward, then send the status and headers with the true `Content-Length` but only
    /// half the body, and close. (A body-less response has nothing to cut: use it on GETs
    /// of manifests, blobs or tag lists.)
    Truncate,
    /// Wait this long, then forward.
    Delay(Duration),
}

/// One entry of the proxy's fault queue: it fires on the next `times` requests whose
/// path+query matches `path` (a regex, searched) and whose method is `method` (any when
/// `None`); then it is spent and such requests pass through again. A request fires the
/// first unspent fault that matches it.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    pub path: String,
    pub method: Option<String>,
    pub times: u32,
}

impl Fault {
    /// Fires once on any request; narrow it with [`Fault::on`], [`Fault::method`], [`Fault::times`].
    pub fn new(kind: FaultKind) -> Fault {
        Fault {
            kind,
            path: String::new(),
            method: None,
            times: 1,
        }
    }

    /// Answer `code` (e.g. 429, 500, 503).
    pub fn status(code: u16) -> Fault {
        Fault::new(FaultKind::Status {
            code,
            retry_after: None,
        })
    }

    pub fn reset() -> Fault {
        Fault::new(FaultKind::Reset)
    }

    pub fn truncate() -> Fault {
        Fault::new(FaultKind::Truncate)
    }

    pub fn delay(delay: Duration) -> Fault {
        Fault::new(FaultKind::Delay(delay))
    }

    /// Only requests whose path+query matches this regex (searched, not anchored).
    pub fn on(mut self, path_regex: &str) -> Fault {
        self.path = path_regex.to_string();
        self
    }

    pub fn method(mut self, method: &str) -> Fault {
        self.method = Some(method.to_string());
        self
    }

    pub fn times(mut self, times: u32) -> Fault {
        self.times = times;
        self
    }

    /// The `Retry-After` value of a [`FaultKind::Status`] fault (panics on other kinds).
    pub fn retry_after(mut self, value: &str) -> Fault {
        match &mut self.kind {
            FaultKind::Status { retry_after, .. } => *retry_after = Some(value.to_string()),
            other => panic!("Retry-After on a {other:?} fault"),
        }
        self
    }

    /// The JSON proxy.py takes (see its `--help`).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = json!({"match": self.path, "method": self.method, "times": self.times});
        match &self.kind {
            FaultKind::Status { code, retry_after } => {
                v["kind"] = json!(code.to_string());
                v["retry_after"] = json!(retry_after);
            }
            FaultKind::Reset => v["kind"] = json!("reset"),
            FaultKind::Truncate => v["kind"] = json!("truncate"),
            FaultKind::Delay(d) => {
                v["kind"] = json!("delay");
                v["delay"] = json!(d.as_secs_f64());
            }
        }
        v
    }
}

/// The proxy's request log (control requests excluded).
#[derive(Clone, Debug, Deserialize)]
pub struct Stats {
    pub total: usize,
    /// Requests the proxy holds now; they are logged once answered (see [`Proxy::wait_idle`]).
    pub in_flight: usize,
    /// The most requests the proxy held at once since it started or [`Proxy::clear_stats`].
    /// A request counts from when its head arrived until its answer was decided (a delay
    /// fault's wait included), a window inside the client's own wait for it: a client that
    /// never has more than N requests outstanding cannot push this above N (unless it gave
    /// up on one, a timeout, which the proxy still holds).
    pub max_in_flight: usize,
    pub requests: Vec<LoggedRequest>,
}

/// One request the proxy saw. It records whether an `Authorization` header was present,
/// never its value.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct LoggedRequest {
    pub method: String,
    /// Path and query, as the client sent them.
    pub path: String,
    /// The status sent; `None` when no response was (a reset).
    pub status: Option<u16>,
    /// The kind of fault that fired (`"429"`, `"reset"`, `"truncate"`, `"delay"`, ...).
    pub fault: Option<String>,
    pub authorization: bool,
    pub accept: Option<String>,
}

impl Stats {
    /// The requests whose path+query contains `needle`.
    pub fn matching(&self, needle: &str) -> Vec<&LoggedRequest> {
        self.requests.iter().filter(|r| r.path.contains(needle)).collect()
    }
}

impl Proxy {
    /// Start a proxy on a free port of 127.0.0.1 forwarding to `upstream` (`host:port` of a
    /// plain-HTTP registry) (~0.1 s). Token requests do not pass through it: the registry's
    /// challenge names the token server itself.
    pub fn start(upstream: &str, opts: ProxyOptions) -> Proxy {
        let workdir = tempfile::Builder::new().prefix("tagbump-proxy-").tempdir().unwrap();
        let (default_n, max_n) = (opts.default_n.to_string(), opts.max_n.to_string());
        let dir = workdir.path().to_str().expect("temp dir path is UTF-8");
        let args = [
            "--upstream",
            upstream,
            "--default-n",
            &default_n,
            "--max-n",
            &max_n,
            "--remove-if-orphaned",
            dir,
        ];
        let (server, ready) = Server::start("proxy.py", &args, &workdir.path().join("proxy.log"));
        let addr = ready["addr"].as_str().expect("proxy.py's ready line").to_string();
        Proxy {
            server: Some(server),
            workdir,
            addr,
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.server.as_ref().map_or(0, Server::pid)
    }

    /// Replace the fault queue.
    pub fn set_faults(&self, faults: &[Fault]) {
        let body = serde_json::to_vec(&faults.iter().map(Fault::to_json).collect::<Vec<_>>()).unwrap();
        self.control("POST", "/_proxy/faults", &body);
    }

    /// How many faults are not yet spent.
    pub fn faults_left(&self) -> usize {
        self.control("GET", "/_proxy/faults", b"")["faults"]
            .as_array()
            .map_or(0, Vec::len)
    }

    pub fn clear_faults(&self) {
        self.control("DELETE", "/_proxy/faults", b"");
    }

    pub fn stats(&self) -> Stats {
        serde_json::from_value(self.control("GET", "/_proxy/stats", b"")).expect("proxy stats")
    }

    /// Wait (at most 10 s) until the proxy holds no request, and return its stats. A request
    /// is logged when the proxy answers it, so after a client gave up on a held one (a
    /// timeout), the log is complete only once the hold is over.
    pub fn wait_idle(&self) -> Stats {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let stats = self.stats();
            if stats.in_flight == 0 {
                return stats;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the proxy still holds {} requests after 10 s",
                stats.in_flight
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn clear_stats(&self) {
        self.control("DELETE", "/_proxy/stats", b"");
    }

    fn control(&self, method: &str, path: &str, body: &[u8]) -> serde_json::Value {
        let headers = [("Content-Type", "application/json")];
        let r = http::request(&self.addr, method, path, &headers, body)
            .unwrap_or_else(|e| panic!("proxy control {method} {path}: {e}"));
        assert_eq!(r.status, 200, "proxy control {method} {path}: {}", r.text());
        r.json()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        drop(self.server.take());
        if std::thread::panicking() {
            self.workdir.disable_cleanup(true);
            eprintln!(
                "testenv: proxy log kept in {}",
                self.workdir.path().join("proxy.log").display()
            );
        }
    }
}
