//! `tagbump agent`: connect, then keep every source in sync until told to stop.
//!
//! One task per source: wait for leadership, sync, then sleep the source's interval (with
//! jitter) or until the webhook names the source. The HTTP endpoint runs on every replica
//! (a standby answers `/healthz` and `/metrics` too), and so does the readiness probe of
//! the API server. On SIGTERM or SIGINT the agent lets running syncs finish (up to 30 s),
//! gives up the Lease and exits 0. `--once` takes the Lease too (so it never races a running
//! agent), syncs each source once, prints the outcome and exits 1 when one failed: the same
//! engine, for CI, bootstrapping and tests.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::cluster::Cluster;
use super::config::AgentConfig;
use super::leader::Elector;
use super::metrics::Metrics;
use super::server::{self, Shared, Target};
use super::source::Source;
use super::store::Store;
use super::sync::{Context, SourceSync, jittered};
use crate::git::GitAuth;
use crate::registry::secret::Secret;

/// The name of the Lease the replicas compete for.
pub const LEASE_NAME: &str = "tagbump-agent";

#[derive(Debug, Clone)]
pub struct Options {
    pub config: AgentConfig,
    pub kubeconfig: Option<PathBuf>,
    pub once: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("{0}")]
    Setup(String),
}

/// A secret from a file (trailing line break dropped) or, without one, an environment
/// variable.
fn secret(file: Option<&PathBuf>, env: &str, what: &str) -> Result<Option<Secret>, AgentError> {
    if let Some(path) = file {
        let text = fs_err::read_to_string(path).map_err(|e| AgentError::Setup(format!("{what}: {e}")))?;
        let value = text.trim_end_matches(['\r', '\n']).to_string();
        if value.is_empty() {
            return Err(AgentError::Setup(format!("{what}: {} is empty", path.display())));
        }
        return Ok(Some(Secret::new(value)));
    }
    Ok(std::env::var(env).ok().filter(|v| !v.is_empty()).map(Secret::new))
}

fn identity() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "tagbump-agent".into());
    format!("{host}_{:08x}", fastrand::u32(..))
}

/// Run the agent; `Ok(false)` when `--once` had a failed source.
pub async fn run(opts: Options) -> Result<bool, AgentError> {
    let cfg = &opts.config;
    let token = secret(cfg.token_file.as_ref(), "TAGBUMP_GIT_TOKEN", "credentials.token_file")?;
    let webhook = secret(
        cfg.webhook_secret_file.as_ref(),
        "TAGBUMP_WEBHOOK_SECRET",
        "webhook.secret_file",
    )?;
    let auth = token.map(GitAuth::token);
    let cluster = Cluster::connect(opts.kubeconfig.as_deref())
        .await
        .map_err(|e| AgentError::Setup(e.to_string()))?;
    let cluster = Arc::new(cluster);
    let namespace = cfg
        .state_namespace
        .clone()
        .or_else(|| std::env::var("POD_NAMESPACE").ok().filter(|n| !n.is_empty()))
        .unwrap_or_else(|| "tagbump-system".into());
    let id = identity();
    let metrics = Arc::new(Metrics::default());
    let ctx = Arc::new(Context {
        cluster: Arc::clone(&cluster),
        store: Store::new(cluster.client.clone(), &namespace, &id),
        metrics: Arc::clone(&metrics),
    });
    let mut syncs: Vec<SourceSync> = cfg
        .sources
        .iter()
        .map(|s| {
            let dir = cfg.work_dir.join(&s.name);
            SourceSync::new(
                s.clone(),
                Source::new(&s.repository, &s.branch, &s.path, &dir, auth.as_ref()),
            )
        })
        .collect();

    let elector = cfg.leader_election.then(|| {
        Arc::new(Elector::new(
            cluster.client.clone(),
            &namespace,
            LEASE_NAME,
            &id,
            cfg.lease_duration,
        ))
    });

    if opts.once {
        // A one-off sync beside a running agent would race its applies and prunes: take the
        // Lease like any replica (waiting out a stale holder), and give it back after.
        if let Some(e) = &elector {
            let give_up = tokio::time::Instant::now() + cfg.lease_duration * 2;
            while !e.try_hold().await {
                if tokio::time::Instant::now() >= give_up {
                    let holder = e.holder().await.unwrap_or_else(|| "another agent".into());
                    return Err(AgentError::Setup(format!(
                        "the Lease {namespace}/{LEASE_NAME} is held by {holder}, a running agent: --once would race it\nhint: stop that agent, or sync with it (its webhook), or set leader_election: false if you must"
                    )));
                }
                tokio::time::sleep(e.retry_period()).await;
            }
        }
        let mut all_ok = true;
        for s in &mut syncs {
            let summary = s.sync(&ctx).await;
            println!("{} {}", if summary.ok { "ok" } else { "FAILED" }, summary.line);
            all_ok &= summary.ok;
        }
        if let Some(e) = &elector {
            e.release().await;
        }
        return Ok(all_ok);
    }

    let listener = server::bind(&cfg.listen).await.map_err(AgentError::Setup)?;
    let triggers: Vec<Arc<Notify>> = syncs.iter().map(|_| Arc::new(Notify::new())).collect();
    let shared = Arc::new(Shared {
        metrics: Arc::clone(&metrics),
        secret: webhook.map(|s| s.expose().as_bytes().to_vec()),
        targets: syncs
            .iter()
            .zip(&triggers)
            .map(|(s, t)| Target {
                name: s.cfg.name.clone(),
                repository: s.cfg.repository.clone(),
                branch: s.cfg.branch.clone(),
                trigger: Arc::clone(t),
            })
            .collect(),
        ready: Default::default(),
    });
    eprintln!(
        "agent: {id}: {} source(s), state in namespace {namespace}, listening on {}",
        syncs.len(),
        listener.local_addr().map(|a| a.to_string()).unwrap_or_default()
    );
    tokio::spawn(server::serve(listener, Arc::clone(&shared)));

    // Readiness: can the API server be reached?
    {
        let (cluster, shared) = (Arc::clone(&cluster), Arc::clone(&shared));
        tokio::spawn(async move {
            loop {
                let ok = cluster.client.apiserver_version().await.is_ok();
                shared.ready.store(ok, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_secs(if ok { 10 } else { 2 })).await;
            }
        });
    }

    // Leadership.
    let (leader_tx, leader_rx) = watch::channel(!cfg.leader_election);
    if let Some(elector) = &elector {
        let (elector, metrics) = (Arc::clone(elector), Arc::clone(&metrics));
        tokio::spawn(async move {
            loop {
                let held = elector.try_hold().await;
                if *leader_tx.borrow() != held {
                    eprintln!(
                        "agent: {}: {}",
                        elector.identity(),
                        if held { "became the leader" } else { "is not the leader" }
                    );
                }
                metrics.set_leader(held);
                let _ = leader_tx.send(held);
                tokio::time::sleep(elector.retry_period()).await;
            }
        });
    } else {
        metrics.set_leader(true);
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    for (mut s, trigger) in syncs.into_iter().zip(triggers) {
        let (ctx, mut leader, mut stop) = (Arc::clone(&ctx), leader_rx.clone(), stop_rx.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    r = leader.wait_for(|l| *l) => if r.is_err() { return },
                    _ = stop.wait_for(|s| *s) => return,
                }
                let summary = s.sync(&ctx).await;
                if summary.ok {
                    println!("agent: {}", summary.line);
                } else {
                    eprintln!("agent: FAILED {}", summary.line);
                }
                tokio::select! {
                    _ = tokio::time::sleep(jittered(s.cfg.interval)) => {}
                    _ = trigger.notified() => eprintln!("agent: {}: webhook", s.cfg.name),
                    _ = stop.wait_for(|s| *s) => return,
                }
            }
        }));
    }

    shutdown_signal().await;
    eprintln!("agent: stopping");
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(30), futures_util::future::join_all(tasks)).await;
    if let Some(elector) = &elector {
        elector.release().await;
    }
    Ok(true)
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}
