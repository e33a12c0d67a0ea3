//! `tagbump agent` as the long-running daemon: drift, the webhook, the HTTP endpoints, an
//! API server restart, leader election.

use std::time::Duration;

use super::{Fixture, configmap, eventually};
use crate::testenv::{KubeServer, User};

const WAIT: Duration = Duration::from_secs(30);

/// A request to the agent's endpoint: status and body.
fn http(agent: &super::Agent, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let r = crate::testenv::request(&agent.addr, method, path, headers, body)
        .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", agent.output()));
    (r.status, String::from_utf8_lossy(&r.body).into_owned())
}

#[test]
fn drift_is_healed_by_default() {
    let f = Fixture::new(KubeServer::shared());
    f.config("    interval: 1s\n", "");
    f.commit(&[("app/a.yaml", &configmap("a", "blue"))], "one");
    let mut agent = f.spawn();
    agent.wait_for_line("src: applied 1 object(s)", WAIT);
    f.recolor_by_hand("a", "red");
    eventually(
        WAIT,
        "the edited field is healed",
        || f.field("configmap", "a", "{.data.color}").as_deref() == Some("blue"),
        || agent.output(),
    );
    agent.wait_for_line("healed 1 drifted object(s)", WAIT);
    // A deleted object is drift too.
    f.kubectl(&["delete", "configmap", "a"]);
    eventually(
        WAIT,
        "the deleted object is back",
        || f.exists("configmap", "a"),
        || agent.output(),
    );
    assert!(f.event_reasons().contains(&"DriftHealed".to_string()));
    let (status, reason, _) = f.condition("Drifted").unwrap();
    assert_eq!((status.as_str(), reason.as_str()), ("False", "Healed"));
    let (code, metrics) = http(&agent, "GET", "/metrics", &[], b"");
    assert_eq!(code, 200);
    let drifted = metrics
        .lines()
        .find(|l| l.starts_with("tagbump_agent_drifted_objects_total{source=\"src\"}"))
        .unwrap();
    assert!(!drifted.ends_with(" 0"), "{drifted}");
}

#[test]
fn drift_is_only_reported_when_self_heal_is_off() {
    let f = Fixture::new(KubeServer::shared());
    f.config("    interval: 1s\n    self_heal: false\n", "");
    f.commit(&[("app/a.yaml", &configmap("a", "blue"))], "one");
    let mut agent = f.spawn();
    agent.wait_for_line("src: applied 1 object(s)", WAIT);
    f.recolor_by_hand("a", "red");
    agent.wait_for_line("1 object(s) drifted (reported, not healed)", WAIT);
    let (status, reason, message) = f.condition("Drifted").unwrap();
    assert_eq!((status.as_str(), reason.as_str()), ("True", "DriftDetected"));
    assert!(
        message.contains(&format!("/ConfigMap/{}/a: .data.color", f.ns)),
        "{message}"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(f.field("configmap", "a", "{.data.color}").as_deref(), Some("red"));
    // One Event for the drift, not one per interval.
    let events = f.event_reasons();
    assert_eq!(events.iter().filter(|r| *r == "DriftDetected").count(), 1, "{events:?}");
}

#[test]
fn a_signed_webhook_syncs_at_once_and_an_unsigned_one_is_refused() {
    let f = Fixture::new(KubeServer::shared());
    let secret = "hook-secret";
    fs_err::write(f.dir.path().join("hook"), secret).unwrap();
    f.config(
        "    interval: 1h\n",
        &format!("webhook:\n  secret_file: {}\n", f.dir.path().join("hook").display()),
    );
    f.commit(&[("app/a.yaml", &configmap("a", "blue"))], "one");
    let mut agent = f.spawn();
    agent.wait_for_line("src: applied 1 object(s)", WAIT);
    let (code, _) = http(&agent, "GET", "/healthz", &[], b"");
    assert_eq!(code, 200);
    eventually(
        WAIT,
        "readyz",
        || http(&agent, "GET", "/readyz", &[], b"").0 == 200,
        || agent.output(),
    );

    let sha = f.commit(&[("app/a.yaml", &configmap("a", "green"))], "two");
    let payload = serde_json::json!({
        "ref": "refs/heads/main",
        "after": sha,
        "repository": {"clone_url": f.git.repo_url("config")},
    })
    .to_string();
    let (code, body) = http(
        &agent,
        "POST",
        "/webhook",
        &[("X-GitHub-Event", "push"), ("X-Hub-Signature-256", "sha256=00")],
        payload.as_bytes(),
    );
    assert_eq!(code, 401, "{body}");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(f.field("configmap", "a", "{.data.color}").as_deref(), Some("blue"));

    let signature = tagbump::agent::webhook::sign(secret.as_bytes(), payload.as_bytes());
    let (code, body) = http(
        &agent,
        "POST",
        "/webhook",
        &[("X-GitHub-Event", "push"), ("X-Hub-Signature-256", &signature)],
        payload.as_bytes(),
    );
    assert_eq!((code, body.as_str()), (202, "syncing: src\n"));
    eventually(
        WAIT,
        "the pushed commit is applied",
        || f.field("configmap", "a", "{.data.color}").as_deref() == Some("green"),
        || agent.output(),
    );
    assert_eq!(f.status("lastAppliedCommit"), sha);
    assert_eq!(agent.count("src: webhook"), 1);
}

#[test]
fn the_agent_recovers_when_the_api_server_restarts() {
    let kube = KubeServer::start();
    let f = Fixture::new(&kube);
    f.config("    interval: 1s\n", "");
    f.commit(&[("app/a.yaml", &configmap("a", "blue"))], "one");
    let mut agent = f.spawn();
    agent.wait_for_line("src: applied 1 object(s)", WAIT);
    // Down for long enough that several syncs fail.
    let restart = kube.restart_apiserver(Duration::from_secs(4));
    assert!(restart.killed, "SIGKILL: a crash, not a graceful stop");
    agent.wait_for_line("FAILED src", WAIT);
    let sha = f.commit(&[("app/a.yaml", &configmap("a", "green"))], "two");
    eventually(
        Duration::from_secs(60),
        "the commit pushed after the restart is applied",
        || f.field("configmap", "a", "{.data.color}").as_deref() == Some("green"),
        || agent.output(),
    );
    eventually(
        WAIT,
        "the status caught up",
        || f.status("lastAppliedCommit") == sha,
        || agent.output(),
    );
    let (status, reason, _) = f.condition("Ready").unwrap();
    assert_eq!((status.as_str(), reason.as_str()), ("True", "Synced"));
}

#[test]
fn of_two_agents_one_leads_and_the_other_takes_over() {
    let f = Fixture::new(KubeServer::shared());
    f.config("    interval: 1s\n", "");
    f.commit(&[("app/a.yaml", &configmap("a", "blue"))], "one");
    let mut first = f.spawn();
    first.wait_for_line("became the leader", WAIT);
    let mut second = f.spawn();
    let leader = |a: &super::Agent| {
        http(a, "GET", "/metrics", &[], b"")
            .1
            .contains("\ntagbump_agent_leader 1\n")
    };
    // The standby serves its endpoint but does not sync.
    std::thread::sleep(Duration::from_secs(3));
    assert!(leader(&first) && !leader(&second));
    assert_eq!(second.count("src:"), 0, "{}", second.output());
    let holder = f.field("lease", "tagbump-agent", "{.spec.holderIdentity}").unwrap();
    assert!(
        first.output().contains(&format!("agent: {holder}: became the leader")),
        "{holder}"
    );
    // A one-off sync would race the leader: refused, naming it.
    let once = f.once();
    let err = String::from_utf8_lossy(&once.stderr);
    assert_eq!(once.status.code(), Some(9), "{err}");
    assert!(
        err.contains(&format!("is held by {holder}, a running agent: --once would race it")),
        "{err}"
    );
    // SIGTERM: the leader gives the Lease up on its way out, and the standby takes over.
    let status = first.terminate();
    assert!(status.success(), "{status}");
    second.wait_for_line("became the leader", WAIT);
    let sha = f.commit(&[("app/a.yaml", &configmap("a", "green"))], "two");
    eventually(
        WAIT,
        "the new leader applies",
        || f.status("lastAppliedCommit") == sha,
        || second.output(),
    );
    assert!(leader(&second));
    let transitions = f.field("lease", "tagbump-agent", "{.spec.leaseTransitions}").unwrap();
    assert_eq!(transitions, "1");
    let _ = f.kube.kubectl_ok(User::Admin, &["-n", &f.ns, "get", "lease"], None);
}
