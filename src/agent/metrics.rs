//! Prometheus metrics of the agent, in the text exposition format (version 0.0.4).
//!
//! A handful of series per source, written by hand: a metrics crate with a registry, global
//! state and an HTTP exporter would be more code than the metrics themselves.
//!
//! - `tagbump_agent_sync_duration_seconds` (histogram, per source)
//! - `tagbump_agent_syncs_total{result="success|failure"}`
//! - `tagbump_agent_last_success_timestamp_seconds`
//! - `tagbump_agent_applied_objects_total`, `_pruned_objects_total`, `_drifted_objects_total`
//! - `tagbump_agent_commit_to_applied_seconds` (gauge: the last applied commit's age when
//!   it was applied, from the commit's own time)
//! - `tagbump_agent_inventory_objects` (gauge), `tagbump_agent_leader` (gauge, 0 or 1)

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

const BUCKETS: [f64; 10] = [0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0];

#[derive(Debug, Default, Clone)]
struct SourceMetrics {
    buckets: [u64; BUCKETS.len()],
    duration_sum: f64,
    duration_count: u64,
    success: u64,
    failure: u64,
    last_success: f64,
    applied: u64,
    pruned: u64,
    drifted: u64,
    commit_to_applied: Option<f64>,
    inventory: usize,
}

/// A per-source series: name, type, help, and its value (none: not exported yet).
type Series = (
    &'static str,
    &'static str,
    &'static str,
    fn(&SourceMetrics) -> Option<f64>,
);

#[derive(Debug, Default)]
pub struct Metrics {
    sources: Mutex<BTreeMap<String, SourceMetrics>>,
    leader: Mutex<bool>,
}

/// What one sync did, for the metrics.
#[derive(Debug, Default, Clone)]
pub struct SyncRecord {
    pub seconds: f64,
    pub success: bool,
    pub applied: u64,
    pub pruned: u64,
    pub drifted: u64,
    pub commit_to_applied: Option<f64>,
    pub inventory: usize,
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

impl Metrics {
    pub fn record(&self, source: &str, r: &SyncRecord) {
        let mut all = self.sources.lock().unwrap_or_else(|p| p.into_inner());
        let m = all.entry(source.to_string()).or_default();
        for (i, le) in BUCKETS.iter().enumerate() {
            if r.seconds <= *le {
                m.buckets[i] += 1;
            }
        }
        m.duration_sum += r.seconds;
        m.duration_count += 1;
        if r.success {
            m.success += 1;
            m.last_success = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
        } else {
            m.failure += 1;
        }
        m.applied += r.applied;
        m.pruned += r.pruned;
        m.drifted += r.drifted;
        if r.commit_to_applied.is_some() {
            m.commit_to_applied = r.commit_to_applied;
        }
        m.inventory = r.inventory;
    }

    pub fn set_leader(&self, leader: bool) {
        *self.leader.lock().unwrap_or_else(|p| p.into_inner()) = leader;
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let all = self.sources.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, lines: &mut dyn FnMut(&mut String)| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            lines(&mut out);
        };
        family(
            "tagbump_agent_sync_duration_seconds",
            "histogram",
            "Duration of a source's sync (fetch, render, apply, health, prune).",
            &mut |o| {
                for (s, m) in &all {
                    let s = escape(s);
                    for (i, le) in BUCKETS.iter().enumerate() {
                        let _ = writeln!(
                            o,
                            "tagbump_agent_sync_duration_seconds_bucket{{source=\"{s}\",le=\"{le}\"}} {}",
                            m.buckets[i]
                        );
                    }
                    let _ = writeln!(
                        o,
                        "tagbump_agent_sync_duration_seconds_bucket{{source=\"{s}\",le=\"+Inf\"}} {}",
                        m.duration_count
                    );
                    let _ = writeln!(
                        o,
                        "tagbump_agent_sync_duration_seconds_sum{{source=\"{s}\"}} {}",
                        m.duration_sum
                    );
                    let _ = writeln!(
                        o,
                        "tagbump_agent_sync_duration_seconds_count{{source=\"{s}\"}} {}",
                        m.duration_count
                    );
                }
            },
        );
        family("tagbump_agent_syncs_total", "counter", "Syncs by result.", &mut |o| {
            for (s, m) in &all {
                let s = escape(s);
                let _ = writeln!(
                    o,
                    "tagbump_agent_syncs_total{{source=\"{s}\",result=\"success\"}} {}",
                    m.success
                );
                let _ = writeln!(
                    o,
                    "tagbump_agent_syncs_total{{source=\"{s}\",result=\"failure\"}} {}",
                    m.failure
                );
            }
        });
        let simple: [Series; 6] = [
            (
                "tagbump_agent_last_success_timestamp_seconds",
                "gauge",
                "When the source last synced successfully (Unix time).",
                |m| (m.success > 0).then_some(m.last_success),
            ),
            (
                "tagbump_agent_applied_objects_total",
                "counter",
                "Objects applied (server-side apply).",
                |m| Some(m.applied as f64),
            ),
            (
                "tagbump_agent_pruned_objects_total",
                "counter",
                "Objects deleted because they left the render.",
                |m| Some(m.pruned as f64),
            ),
            (
                "tagbump_agent_drifted_objects_total",
                "counter",
                "Objects found drifted from the render.",
                |m| Some(m.drifted as f64),
            ),
            (
                "tagbump_agent_commit_to_applied_seconds",
                "gauge",
                "Seconds from the last applied commit's time to its apply.",
                |m| m.commit_to_applied,
            ),
            (
                "tagbump_agent_inventory_objects",
                "gauge",
                "Objects the source owns.",
                |m| Some(m.inventory as f64),
            ),
        ];
        for (name, kind, help, get) in simple {
            family(name, kind, help, &mut |o| {
                for (s, m) in &all {
                    if let Some(v) = get(m) {
                        let _ = writeln!(o, "{name}{{source=\"{}\"}} {v}", escape(s));
                    }
                }
            });
        }
        let leader = *self.leader.lock().unwrap_or_else(|p| p.into_inner());
        family(
            "tagbump_agent_leader",
            "gauge",
            "1 when this replica holds the leader Lease and syncs.",
            &mut |o| {
                let _ = writeln!(o, "tagbump_agent_leader {}", u8::from(leader));
            },
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition() {
        let m = Metrics::default();
        m.record(
            "shop",
            &SyncRecord {
                seconds: 0.3,
                success: true,
                applied: 4,
                commit_to_applied: Some(12.5),
                inventory: 4,
                ..Default::default()
            },
        );
        m.record(
            "shop",
            &SyncRecord {
                seconds: 7.0,
                ..Default::default()
            },
        );
        m.set_leader(true);
        let t = m.render();
        for want in [
            "tagbump_agent_sync_duration_seconds_bucket{source=\"shop\",le=\"0.25\"} 0\n",
            "tagbump_agent_sync_duration_seconds_bucket{source=\"shop\",le=\"0.5\"} 1\n",
            "tagbump_agent_sync_duration_seconds_bucket{source=\"shop\",le=\"10\"} 2\n",
            "tagbump_agent_sync_duration_seconds_bucket{source=\"shop\",le=\"+Inf\"} 2\n",
            "tagbump_agent_sync_duration_seconds_count{source=\"shop\"} 2\n",
            "tagbump_agent_syncs_total{source=\"shop\",result=\"failure\"} 1\n",
            "tagbump_agent_applied_objects_total{source=\"shop\"} 4\n",
            "tagbump_agent_commit_to_applied_seconds{source=\"shop\"} 12.5\n",
            "tagbump_agent_leader 1\n",
            "# TYPE tagbump_agent_pruned_objects_total counter\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in\n{t}");
        }
    }
}
