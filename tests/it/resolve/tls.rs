//! HTTPS with a custom CA, and what happens without it.

use super::resolve;
use crate::testenv::{Auth, Registry, RegistryOptions, Seed};

#[test]
fn tls_registry_needs_its_ca() {
    let reg = Registry::start(RegistryOptions {
        auth: Auth::Token,
        tls: true,
    });
    reg.seed("team/app", &Seed::new().tag("1.0.0", "2024-01-01T00:00:00Z"));
    let ca = reg.ca_file().unwrap().to_str().unwrap().to_string();
    for host in [reg.addr().to_string(), reg.addr().replace("127.0.0.1", "localhost")] {
        let image = format!("{host}/team/app");
        let run = resolve(&[&image, "--ca-file", &ca, "--trace-http"], &[]);
        assert_eq!(run.code(0), format!("{image}:1.0.0"));
        assert!(
            run.stderr().contains(&format!("https://{host}/v2/team/app/tags/list")),
            "{}",
            run.stderr()
        );
        assert!(
            !run.stderr().contains("http://"),
            "no plain HTTP once HTTPS works: {}",
            run.stderr()
        );
    }
    let image = format!("{}/team/app", reg.addr());
    // the CA from the environment
    let run = resolve(&[&image], &[("TAGBUMP_CA_FILE", &ca)]);
    assert_eq!(run.code(0), format!("{image}:1.0.0"));
    // without the CA: a certificate error with a hint, not a silent downgrade
    let run = resolve(&[&image], &[]);
    run.code(5);
    assert!(run.stderr().contains("certificate"), "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("hint: pass the registry's CA certificate with --ca-file"),
        "{}",
        run.stderr()
    );
    // declared insecure: not verified
    let run = resolve(&[&image, "--insecure-registry", reg.addr()], &[]);
    assert_eq!(run.code(0), format!("{image}:1.0.0"));
    // a CA file that is not one
    let bad = tempfile::NamedTempFile::new().unwrap();
    fs_err::write(bad.path(), "not a certificate").unwrap();
    let run = resolve(&[&image, "--ca-file", bad.path().to_str().unwrap()], &[]);
    run.code(2);
    assert!(
        run.stderr().contains("no certificates in it") || run.stderr().contains("not PEM"),
        "{}",
        run.stderr()
    );
}
