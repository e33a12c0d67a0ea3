//! Real components for the registry-client tests: a CNCF Distribution registry (Debian
//! `docker-registry` 2.8) on 127.0.0.1 with no auth, htpasswd Basic auth or Bearer tokens,
//! optionally over TLS; images seeded with the tags and `created` times a test chooses; and
//! a proxy in front that pages tag lists (that registry does not) and injects faults.
//!
//! Why real components: a client that only ever met a mock passes tests that real
//! registries would fail (media types in `Accept`, the token dance, paging, half-sent
//! bodies). Each [`Registry`] and [`Proxy`] belongs to one test: it starts in ~0.1-0.2 s on
//! free ports, keeps its data in memory, and its `Drop` stops its processes by PID and
//! removes its temporary directory. The servers also exit by themselves when the test
//! process dies (scripts/testenv/lifeline.py), so a crashed run leaves nothing behind.
//!
//! ```ignore
//! let reg = Registry::start(RegistryOptions { auth: Auth::Token, tls: true });
//! let seeded = reg.seed("team/app", &Seed::new().tag("1.0.0", "2024-01-01T00:00:00Z").alias("latest", "1.0.0"));
//! let proxy = Proxy::start(reg.addr(), ProxyOptions { default_n: 2, ..Default::default() });
//! proxy.set_faults(&[Fault::status(429).on("/tags/list").times(2).retry_after("1")]);
//! // ... run the client against proxy.url() (or reg.url() with reg.ca_file()) ...
//! assert_eq!(proxy.stats().total, 5);
//! ```
//!
//! The servers are the Python scripts in `scripts/testenv/` (stdlib only), which also work
//! by hand (each prints its usage with `--help`). Needs `docker-registry`, `python3` (>= 3.9),
//! `openssl`, `htpasswd` and, for the TLS smoke test, `curl`: `scripts/testenv/install.sh`
//! installs them. `TAGBUMP_TESTENV_PYTHON` picks the Python (default: `python3` on PATH).

mod http;
mod process;
mod proxy;
mod registry;
mod seed;
mod smoke;

#[allow(unused_imports)] // the harness's API, used by the client tests as they come
pub use self::{
    http::{Response, get, request},
    proxy::{Fault, FaultKind, LoggedRequest, Proxy, ProxyOptions, Stats},
    registry::{Auth, PASSWORD, PRIVATE_PREFIX, Registry, RegistryOptions, TokenRequest, USER},
    seed::{Media, Seed, Seeded, rfc3339},
};
