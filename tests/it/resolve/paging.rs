//! Tag lists across pages (`n`/`last` and `Link`), through the paging proxy.

use super::resolve;
use crate::testenv::{Auth, Proxy, ProxyOptions, Registry, RegistryOptions, Seed};

#[test]
fn every_page_is_read_and_requests_are_pages_plus_tokens() {
    let reg = Registry::start(RegistryOptions::default());
    reg.seed("team/app", &Seed::numbered(25));
    // the proxy caps pages at 10 whatever the client asks: 3 pages
    let proxy = Proxy::start(
        reg.addr(),
        ProxyOptions {
            default_n: 10,
            max_n: 10,
        },
    );
    let image = format!("{}/team/app", proxy.addr());
    let run = resolve(&[&image, "--policy", "semver", "--explain"], &[]);
    assert_eq!(run.code(0), format!("{image}:1.0.25"));
    let stats = proxy.stats();
    let pages: Vec<&str> = stats.requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        pages,
        [
            "/v2/team/app/tags/list?n=1000",
            "/v2/team/app/tags/list?n=10&last=1.0.18",
            "/v2/team/app/tags/list?n=10&last=1.0.4",
        ],
        "tags sort lexically in the proxy"
    );
    assert!(
        run.stderr().contains("team/app: policy semver:>=0.0.0, 25 tags"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("requests: 3 to the registry, 0 to its token server"),
        "{}",
        run.stderr()
    );
}

#[test]
fn paging_with_tokens() {
    let reg = Registry::start(RegistryOptions {
        auth: Auth::Token,
        tls: false,
    });
    reg.seed("team/app", &Seed::numbered(7));
    let proxy = Proxy::start(reg.addr(), ProxyOptions { default_n: 3, max_n: 3 });
    let image = format!("{}/team/app", proxy.addr());
    let run = resolve(&[&image, "--policy", "semver", "--explain"], &[]);
    assert_eq!(run.code(0), format!("{image}:1.0.7"));
    let stats = proxy.stats();
    // one 401, then 3 pages, each with the token
    assert_eq!(stats.total, 4, "{:?}", stats.requests);
    assert_eq!(stats.requests[0].status, Some(401));
    assert!(
        stats.requests[1..]
            .iter()
            .all(|r| r.authorization && r.status == Some(200))
    );
    assert_eq!(reg.token_log().len(), 1);
    assert!(
        run.stderr()
            .contains("requests: 4 to the registry, 1 to its token server"),
        "{}",
        run.stderr()
    );
}
