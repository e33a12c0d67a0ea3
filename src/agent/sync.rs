//! One sync of one source: fetch -> render -> apply in stages -> health -> prune -> status.
//!
//! A new commit is rendered; a render equal to the last applied one (same digest) is not
//! applied again. An unchanged commit is not even rendered: the agent checks the objects it
//! last applied for drift instead (a dry-run apply compared with the live object), and
//! heals it or only reports it, as the source says. Pruning happens last, only after a
//! successful apply of a new render, and only as [`super::prune::plan`] allows. Every step
//! that fails ends the sync with a `Ready=False` condition whose reason names the step and
//! whose message carries the error (a renderer's stderr, the API server's answer), and
//! leaves the cluster and the inventory as they were.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kube::api::DeleteParams;
use serde_json::Value;

use super::apply::{self, Conflicts, Prepared};
use super::cluster::{Cluster, ClusterError, describe};
use super::config::SourceConfig;
use super::drift;
use super::health::{Health, health};
use super::inventory::{Inventory, ObjectRef};
use super::metrics::{Metrics, SyncRecord};
use super::prune::{self, Decision, Live, OWNER_LABEL, PRUNE_ANNOTATION, PRUNE_DATA_ANNOTATION, Plan};
use super::render;
use super::source::{Revision, Source};
use super::store::{SourceStatus, Store, now};

/// What every source's sync shares.
pub struct Context {
    pub cluster: Arc<Cluster>,
    pub store: Store,
    pub metrics: Arc<Metrics>,
}

/// A source and what the agent remembers of it between syncs.
pub struct SourceSync {
    pub cfg: SourceConfig,
    source: Arc<Source>,
    /// The status as last stored (loaded from the cluster on the first sync).
    status: Option<SourceStatus>,
    /// The objects of the last applied render, as applied (kinds resolved, bodies built),
    /// for the drift check and health.
    applied: Option<Vec<Prepared>>,
}

/// An object read back from the cluster: `None` when it is gone; the API server's error.
type LiveRead = Result<Option<Value>, String>;

/// What a sync ended with, for the caller's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub ok: bool,
    pub line: String,
}

impl SourceSync {
    pub fn new(cfg: SourceConfig, source: Source) -> SourceSync {
        SourceSync {
            cfg,
            source: Arc::new(source),
            status: None,
            applied: None,
        }
    }

    fn conflicts(&self) -> Conflicts {
        Conflicts::of(self.cfg.force, self.cfg.self_heal)
    }

    fn default_namespace(&self) -> &str {
        self.cfg.namespace.as_deref().unwrap_or("default")
    }

    /// Run one sync; never panics on a cluster or source failure, which end in the status.
    pub async fn sync(&mut self, ctx: &Context) -> Summary {
        let started = Instant::now();
        let name = self.cfg.name.clone();
        let mut st = match self.status.take() {
            Some(s) => s,
            None => match ctx.store.load(&name).await {
                Ok(s) => s,
                Err(e) => {
                    ctx.metrics.record(
                        &name,
                        &SyncRecord {
                            seconds: started.elapsed().as_secs_f64(),
                            ..Default::default()
                        },
                    );
                    return Summary {
                        ok: false,
                        line: format!("{name}: {e}"),
                    };
                }
            },
        };
        let mut record = SyncRecord::default();
        let result = self.run(ctx, &mut st, &mut record, started).await;
        st.last_sync_time = now();
        let (ok, line) = match result {
            Ok(line) => (true, line),
            Err((reason, message)) => {
                if st.set("Ready", "False", reason, &message) {
                    ctx.store.event(&name, true, reason, &message).await;
                }
                (false, format!("{reason}: {message}"))
            }
        };
        if ok
            && st.set(
                "Ready",
                "True",
                "Synced",
                &format!("{line} at {}", short(&st.last_applied_commit)),
            )
        {
            ctx.store.event(&name, false, "Synced", &line).await;
        }
        record.seconds = started.elapsed().as_secs_f64();
        record.success = ok;
        record.inventory = st.inventory.len();
        ctx.metrics.record(&name, &record);
        let saved = ctx.store.save(&name, &st).await;
        self.status = Some(st);
        match saved {
            Ok(()) => Summary {
                ok,
                line: format!("{name}: {line}"),
            },
            Err(e) => {
                // The status could not be stored: load it afresh next time.
                self.status = None;
                Summary {
                    ok: false,
                    line: format!("{name}: {line}; {e}"),
                }
            }
        }
    }

    async fn run(
        &mut self,
        ctx: &Context,
        st: &mut SourceStatus,
        record: &mut SyncRecord,
        started: Instant,
    ) -> Result<String, (&'static str, String)> {
        let deadline = started + self.cfg.timeout;
        let source = Arc::clone(&self.source);
        let rev: Revision = tokio::task::spawn_blocking(move || source.fetch())
            .await
            .map_err(|e| ("FetchFailed", e.to_string()))?
            .map_err(|e| ("FetchFailed", e.to_string()))?;
        st.last_attempted_commit = rev.commit.clone();

        if rev.commit == st.last_applied_commit && self.applied.is_some() {
            return self.drift(ctx, st, record, deadline).await;
        }

        let renderer = self.cfg.render.clone();
        let dir: PathBuf = self.source.render_dir();
        let limit = self.cfg.timeout;
        let rendered = tokio::task::spawn_blocking(move || render::render(&renderer, &dir, limit))
            .await
            .map_err(|e| ("RenderFailed", e.to_string()))?
            .map_err(|e| ("RenderFailed", e.to_string()))?;

        if rendered.digest == st.last_applied_digest && self.applied.is_some() {
            // Another commit, the same objects: nothing to apply; look for drift instead.
            st.last_applied_commit = rev.commit.clone();
            return self.drift(ctx, st, record, deadline).await;
        }

        let applied = apply::apply_all(
            &ctx.cluster,
            &rendered.objects,
            &self.cfg.name,
            self.default_namespace(),
            self.conflicts(),
            deadline,
        )
        .await;
        record.applied = applied.objects.len() as u64;
        if !applied.taken_over.is_empty() {
            let list = applied.taken_over.join("\n");
            record.drifted = applied.taken_over.len() as u64;
            ctx.store.event(&self.cfg.name, false, "DriftHealed", &list).await;
        }
        let ids: BTreeSet<ObjectRef> = applied.objects.iter().map(|(p, _)| p.id.clone()).collect();
        if !applied.errors.is_empty() {
            // Keep owning what was applied before and what was applied now; prune nothing.
            st.inventory.0.extend(ids);
            return Err((
                "ApplyFailed",
                format!(
                    "{} of {} objects failed; nothing pruned:\n{}",
                    applied.errors.len(),
                    rendered.objects.len(),
                    first_lines(&applied.errors, 10)
                ),
            ));
        }
        st.last_applied_commit = rev.commit.clone();
        st.last_applied_digest = rendered.digest.clone();
        st.drifted.clear();
        st.set("Drifted", "False", "Applied", "the render was just applied");
        if rev.committed_at > 0 {
            let age = chrono::Utc::now().timestamp() - rev.committed_at;
            record.commit_to_applied = Some(age.max(0) as f64);
        }
        let count = applied.objects.len();
        let prepared: Vec<Prepared> = applied.objects.into_iter().map(|(p, _)| p).collect();
        // Read back rather than taking the apply's answers: a CRD's answer predates the wait
        // until it was Established.
        let lives = read_live(&ctx.cluster, &prepared).await;
        self.health(ctx, st, &prepared, lives).await;
        self.applied = Some(prepared);

        let pruned = if self.cfg.prune {
            self.prune(ctx, st, &ids).await
        } else {
            st.inventory = Inventory(ids);
            0
        };
        record.pruned = pruned as u64;
        Ok(format!(
            "applied {count} object(s){}",
            if pruned > 0 {
                format!(", pruned {pruned}")
            } else {
                String::new()
            }
        ))
    }

    /// Compare the last applied objects with the cluster, heal when the source says so, and
    /// read their health from what the check read.
    async fn drift(
        &self,
        ctx: &Context,
        st: &mut SourceStatus,
        record: &mut SyncRecord,
        deadline: Instant,
    ) -> Result<String, (&'static str, String)> {
        let prepared = self.applied.as_deref().unwrap_or_default();
        let cluster = &ctx.cluster;
        let failed = |e| ("DriftCheckFailed", e);
        let mut lives = read_live(cluster, prepared).await;
        for (p, live) in prepared.iter().zip(&lives) {
            if let Err(e) = live {
                return Err(failed(format!("{}: {e}", p.describe())));
            }
        }
        // Per object: what differs (`None`: nothing), several objects in flight.
        let pairs: Vec<(&Prepared, &LiveRead)> = prepared.iter().zip(&lives).collect();
        let checks = apply::in_flight(&pairs, |&(p, live)| {
            Box::pin(async move {
                if Instant::now() > deadline {
                    return Err("the sync's timeout passed during the drift check".to_string());
                }
                let Ok(Some(live)) = live else {
                    return Ok(Some("deleted".to_string()));
                };
                // Forced, so a field a manual edit took over shows as the difference it is
                // (unforced, the dry run would only say "conflict").
                let (dry, _) = apply::apply_one(cluster, p, Conflicts::Force, true).await?;
                let diffs = drift::differences(live, &dry, 5);
                Ok((!diffs.is_empty()).then(|| diffs.join(", ")))
            })
        })
        .await;
        let mut drifted: Vec<(usize, String)> = Vec::new();
        for (i, r) in checks.into_iter().enumerate() {
            if let Some(what) = r.map_err(failed)? {
                drifted.push((i, what));
            }
        }
        record.drifted = drifted.len() as u64;
        st.drifted = drifted
            .iter()
            .map(|(i, w)| format!("{}: {w}", prepared[*i].id))
            .collect();
        if drifted.is_empty() {
            st.set(
                "Drifted",
                "False",
                "NoDrift",
                "the cluster matches the last applied render",
            );
            self.health(ctx, st, prepared, lives).await;
            return Ok("no change".into());
        }
        let list = st.drifted.join("\n");
        if !self.cfg.self_heal {
            if st.set("Drifted", "True", "DriftDetected", &list) {
                ctx.store
                    .event(
                        &self.cfg.name,
                        true,
                        "DriftDetected",
                        &format!("not healed (self_heal: false):\n{list}"),
                    )
                    .await;
            }
            self.health(ctx, st, prepared, lives).await;
            return Ok(format!("{} object(s) drifted (reported, not healed)", drifted.len()));
        }
        let mut errors = Vec::new();
        for (i, _) in &drifted {
            // The healed object is what the apply answered.
            match apply::apply_one(cluster, &prepared[*i], self.conflicts(), false).await {
                Ok((live, _)) => lives[*i] = Ok(Some(live)),
                Err(e) => errors.push(e),
            }
        }
        record.applied = (drifted.len() - errors.len()) as u64;
        if !errors.is_empty() {
            st.set("Drifted", "True", "HealFailed", &errors.join("\n"));
            return Err(("HealFailed", errors.join("\n")));
        }
        st.set("Drifted", "False", "Healed", &list);
        ctx.store.event(&self.cfg.name, false, "DriftHealed", &list).await;
        self.health(ctx, st, prepared, lives).await;
        Ok(format!("healed {} drifted object(s)", drifted.len()))
    }

    /// The health of `prepared`, from `lives` (read back, in the same order), into the status.
    async fn health(&self, ctx: &Context, st: &mut SourceStatus, prepared: &[Prepared], lives: Vec<LiveRead>) {
        let (mut healthy, mut progressing, mut degraded, mut notes) = (0, 0, 0, Vec::new());
        for (p, live) in prepared.iter().zip(lives) {
            match live {
                Ok(Some(live)) => match health(&live) {
                    Health::Healthy => healthy += 1,
                    Health::Progressing(w) => {
                        progressing += 1;
                        notes.push(format!("{} progressing: {w}", p.id));
                    }
                    Health::Degraded(w) => {
                        degraded += 1;
                        notes.push(format!("{} degraded: {w}", p.id));
                    }
                },
                Ok(None) => {
                    degraded += 1;
                    notes.push(format!("{} is missing", p.id));
                }
                Err(e) => {
                    progressing += 1;
                    notes.push(format!("{}: {e}", p.id));
                }
            }
        }
        let mut summary = format!("{healthy} healthy, {progressing} progressing, {degraded} degraded");
        for n in notes.iter().take(10) {
            summary.push('\n');
            summary.push_str(n);
        }
        st.health = summary.clone();
        let (status, reason) = match (degraded, progressing) {
            (0, 0) => ("True", "Healthy"),
            (0, _) => ("False", "Progressing"),
            _ => ("False", "Degraded"),
        };
        if st.set("Healthy", status, reason, &summary) && reason != "Progressing" {
            ctx.store
                .event(&self.cfg.name, reason == "Degraded", reason, &summary)
                .await;
        }
    }

    /// Delete what left the render, as [`prune::plan`] allows; the new inventory.
    async fn prune(&self, ctx: &Context, st: &mut SourceStatus, rendered: &BTreeSet<ObjectRef>) -> usize {
        let old = std::mem::take(&mut st.inventory);
        let mut lives: HashMap<ObjectRef, Option<Live>> = HashMap::new();
        let mut apis = HashMap::new();
        let gone: Vec<&ObjectRef> = old.0.iter().filter(|r| !rendered.contains(r)).collect();
        // The groups are listed once for all candidates; without that listing none can be
        // looked up (an unlisted group would pass for one whose CRD went).
        let preferred = if gone.iter().any(|r| !r.group.is_empty()) {
            match ctx.cluster.preferred_versions().await {
                Ok(p) => p,
                Err(e) => return lookup_blocked(st, old, rendered, &[e.to_string()]),
            }
        } else {
            HashMap::new()
        };
        let mut lookup_failed = Vec::new();
        for r in gone {
            let kind = match ctx.cluster.kind_in_group(&preferred, &r.group, &r.kind).await {
                Ok(k) => k,
                // Its kind is not served any more (the CRD went): the object went with it.
                Err(ClusterError::UnknownKind { .. }) => {
                    lives.insert(r.clone(), None);
                    continue;
                }
                Err(e) => {
                    lookup_failed.push(format!("{r}: {e}"));
                    continue;
                }
            };
            match ctx.cluster.get(&kind, &r.namespace, &r.name).await {
                Ok(live) => {
                    lives.insert(r.clone(), live.map(|v| live_of(&v)));
                }
                Err(e) => lookup_failed.push(format!("{r}: {}", describe(&e))),
            }
            apis.insert(r.clone(), kind);
        }
        if !lookup_failed.is_empty() {
            return lookup_blocked(st, old, rendered, &lookup_failed);
        }
        let plan = prune::plan(&self.cfg.name, &old, rendered, self.cfg.max_shrink, |r| {
            lives.get(r).cloned().flatten()
        });
        match plan {
            Plan::Refused(why) => {
                st.inventory = Inventory(old.0.union(rendered).cloned().collect());
                st.prune_refused = why.clone();
                if st.set("PruneBlocked", "True", "Refused", &why) {
                    ctx.store.event(&self.cfg.name, true, "PruneRefused", &why).await;
                }
                0
            }
            Plan::Candidates(candidates) => {
                st.prune_refused.clear();
                st.set("PruneBlocked", "False", "Allowed", "");
                let mut inventory = rendered.clone();
                let mut deleted = Vec::new();
                let mut kept = Vec::new();
                for (r, decision) in candidates {
                    match decision {
                        Decision::Keep(why) => kept.push(format!("kept {r}: {why}")),
                        Decision::Delete => {
                            let api = ctx.cluster.api(&apis[&r], &r.namespace);
                            match api.delete(&r.name, &DeleteParams::background()).await {
                                Ok(_) => deleted.push(r.to_string()),
                                Err(e) if super::cluster::is_not_found(&e) => {}
                                Err(e) => {
                                    kept.push(format!("failed to delete {r}: {}", describe(&e)));
                                    inventory.insert(r);
                                }
                            }
                        }
                    }
                }
                st.inventory = Inventory(inventory);
                let n = deleted.len();
                if n > 0 {
                    ctx.store
                        .event(&self.cfg.name, false, "Pruned", &deleted.join("\n"))
                        .await;
                }
                st.pruned = deleted.into_iter().chain(kept).collect();
                n
            }
        }
    }
}

/// The prune is blocked: what could not be looked up goes into the status, and the source
/// keeps owning the old inventory and the render. Nothing pruned.
fn lookup_blocked(st: &mut SourceStatus, old: Inventory, rendered: &BTreeSet<ObjectRef>, failures: &[String]) -> usize {
    st.inventory = Inventory(old.0.union(rendered).cloned().collect());
    st.prune_refused = format!("could not look up objects to prune:\n{}", failures.join("\n"));
    st.set("PruneBlocked", "True", "LookupFailed", &st.prune_refused.clone());
    0
}

/// Read `prepared` back from the cluster, several at a time, in order.
async fn read_live(cluster: &Cluster, prepared: &[Prepared]) -> Vec<LiveRead> {
    apply::in_flight(prepared, |p| {
        Box::pin(async move {
            cluster
                .get(&p.kind, &p.namespace, &p.name)
                .await
                .map_err(|e| describe(&e))
        })
    })
    .await
}

fn live_of(v: &serde_json::Value) -> Live {
    let s = |p: &str| v.pointer(p).and_then(serde_json::Value::as_str).map(str::to_string);
    let esc = |k: &str| k.replace('~', "~0").replace('/', "~1");
    Live {
        owner: s(&format!("/metadata/labels/{}", esc(OWNER_LABEL))),
        prune: s(&format!("/metadata/annotations/{}", esc(PRUNE_ANNOTATION))),
        prune_data: s(&format!("/metadata/annotations/{}", esc(PRUNE_DATA_ANNOTATION))),
    }
}

/// The first `n` of `lines`, and how many more there are (a render of a thousand objects
/// that all fail the same way must not make a megabyte of status).
fn first_lines(lines: &[String], n: usize) -> String {
    let mut out = lines.iter().take(n).cloned().collect::<Vec<_>>().join("\n");
    if lines.len() > n {
        out.push_str(&format!("\n... and {} more", lines.len() - n));
    }
    out
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// A jittered wait: `interval` plus or minus a tenth, so replicas and sources spread out.
pub fn jittered(interval: Duration) -> Duration {
    let ms = interval.as_millis() as u64;
    let spread = ms / 10;
    Duration::from_millis(ms - spread + fastrand::u64(0..=spread * 2))
}
