//! What the agent keeps in the cluster per source: one ConfigMap,
//! `tagbump-source-<name>` in the agent's own namespace, holding the inventory and the
//! status (last applied and last attempted commit, conditions with reasons, inventory size,
//! health summary, drifted and pruned objects). In the cluster, not on the agent's disk, so
//! a restarted agent or the next leader knows what it owns, and `kubectl get cm -o yaml`
//! shows the state without any tooling.
//!
//! Kubernetes Events go with it, only when a condition changes (a sync every minute that
//! keeps succeeding says nothing), attached to the ConfigMap.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Event};
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::cluster::describe;
use super::inventory::Inventory;

/// The field manager of the agent's own objects (ConfigMaps, the Lease).
pub const STATE_MANAGER: &str = "tagbump-agent";

/// The ConfigMap of source `name`.
pub fn configmap_name(source: &str) -> String {
    format!("tagbump-source-{source}")
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    pub reason: String,
    pub message: String,
    pub last_transition_time: String,
}

/// The status of one source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceStatus {
    pub last_applied_commit: String,
    pub last_attempted_commit: String,
    pub last_sync_time: String,
    /// The digest of the last applied render (render::Rendered::digest).
    pub last_applied_digest: String,
    pub health: String,
    pub conditions: Vec<Condition>,
    pub drifted: Vec<String>,
    pub pruned: Vec<String>,
    pub prune_refused: String,
    pub inventory: Inventory,
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl SourceStatus {
    /// Set condition `kind`; the transition time moves only when the status changes.
    /// Returns whether status or reason changed (worth an Event).
    pub fn set(&mut self, kind: &str, status: &str, reason: &str, message: &str) -> bool {
        let at = now();
        match self.conditions.iter_mut().find(|c| c.kind == kind) {
            Some(c) => {
                let changed = c.status != status || c.reason != reason;
                if c.status != status {
                    c.last_transition_time = at;
                }
                c.status = status.into();
                c.reason = reason.into();
                c.message = message.into();
                changed
            }
            None => {
                self.conditions.push(Condition {
                    kind: kind.into(),
                    status: status.into(),
                    reason: reason.into(),
                    message: message.into(),
                    last_transition_time: at,
                });
                true
            }
        }
    }

    pub fn condition(&self, kind: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.kind == kind)
    }

    fn to_data(&self) -> BTreeMap<String, String> {
        let mut d = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            d.insert(k.to_string(), v);
        };
        put("lastAppliedCommit", self.last_applied_commit.clone());
        put("lastAttemptedCommit", self.last_attempted_commit.clone());
        put("lastSyncTime", self.last_sync_time.clone());
        put("lastAppliedDigest", self.last_applied_digest.clone());
        put("health", self.health.clone());
        put(
            "conditions",
            serde_json::to_string_pretty(&self.conditions).unwrap_or_default(),
        );
        put("drifted", self.drifted.join("\n"));
        put("pruned", self.pruned.join("\n"));
        put("pruneRefused", self.prune_refused.clone());
        put("inventorySize", self.inventory.len().to_string());
        put("inventory", self.inventory.to_text());
        d
    }

    fn from_data(d: &BTreeMap<String, String>) -> SourceStatus {
        let get = |k: &str| d.get(k).cloned().unwrap_or_default();
        let lines = |k: &str| get(k).lines().filter(|l| !l.is_empty()).map(str::to_string).collect();
        SourceStatus {
            last_applied_commit: get("lastAppliedCommit"),
            last_attempted_commit: get("lastAttemptedCommit"),
            last_sync_time: get("lastSyncTime"),
            last_applied_digest: get("lastAppliedDigest"),
            health: get("health"),
            conditions: serde_json::from_str(&get("conditions")).unwrap_or_default(),
            drifted: lines("drifted"),
            pruned: lines("pruned"),
            prune_refused: get("pruneRefused"),
            inventory: Inventory::from_text(&get("inventory")),
        }
    }
}

/// Reads and writes the ConfigMaps of the sources in `namespace`.
#[derive(Clone)]
pub struct Store {
    maps: Api<ConfigMap>,
    events: Api<Event>,
    namespace: String,
    /// Who reports events (`tagbump-agent` and the Pod's name).
    instance: String,
}

impl Store {
    pub fn new(client: kube::Client, namespace: &str, instance: &str) -> Store {
        Store {
            maps: Api::namespaced(client.clone(), namespace),
            events: Api::namespaced(client, namespace),
            namespace: namespace.to_string(),
            instance: instance.to_string(),
        }
    }

    /// The stored status of `source` (empty when the agent never synced it).
    pub async fn load(&self, source: &str) -> Result<SourceStatus, String> {
        let name = configmap_name(source);
        match self.maps.get_opt(&name).await {
            Ok(Some(cm)) => Ok(SourceStatus::from_data(&cm.data.unwrap_or_default())),
            Ok(None) => Ok(SourceStatus::default()),
            Err(e) => Err(format!("reading ConfigMap {}/{name}: {}", self.namespace, describe(&e))),
        }
    }

    pub async fn save(&self, source: &str, status: &SourceStatus) -> Result<(), String> {
        let name = configmap_name(source);
        let body = json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": name,
                "namespace": self.namespace,
                "labels": {"app.kubernetes.io/managed-by": "tagbump-agent", "tagbump.dev/state-of": source},
            },
            "data": status.to_data(),
        });
        self.maps
            .patch(&name, &PatchParams::apply(STATE_MANAGER).force(), &Patch::Apply(&body))
            .await
            .map(drop)
            .map_err(|e| format!("writing ConfigMap {}/{name}: {}", self.namespace, describe(&e)))
    }

    /// Record an Event on `source`'s ConfigMap. Best effort: a lost Event loses no state.
    pub async fn event(&self, source: &str, warning: bool, reason: &str, message: &str) {
        let cm = configmap_name(source);
        let uid = match self.maps.get_opt(&cm).await {
            Ok(Some(m)) => m.metadata.uid,
            _ => None,
        };
        let at = now();
        let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0);
        let event: Result<Event, _> = serde_json::from_value(json!({
            "metadata": {"name": format!("{cm}.{nanos:x}"), "namespace": self.namespace},
            "involvedObject": {"apiVersion": "v1", "kind": "ConfigMap", "name": cm, "namespace": self.namespace, "uid": uid},
            "reason": reason,
            "message": message.chars().take(1000).collect::<String>(),
            "type": if warning { "Warning" } else { "Normal" },
            "source": {"component": STATE_MANAGER},
            "reportingComponent": STATE_MANAGER,
            "reportingInstance": self.instance,
            "firstTimestamp": at,
            "lastTimestamp": at,
            "count": 1,
        }));
        if let Ok(event) = event
            && let Err(e) = self.events.create(&PostParams::default(), &event).await
        {
            eprintln!("agent: {source}: could not record event {reason}: {}", describe(&e));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::inventory::ObjectRef;

    #[test]
    fn status_survives_the_configmap() {
        let mut s = SourceStatus {
            last_applied_commit: "abc".into(),
            health: "2 healthy".into(),
            drifted: vec!["apps/Deployment/shop/api: .spec.replicas".into()],
            ..Default::default()
        };
        s.inventory
            .0
            .insert(ObjectRef::parse("apps/Deployment/shop/api").unwrap());
        assert!(s.set("Ready", "True", "Synced", "applied 1 object"));
        assert!(
            !s.set("Ready", "True", "Synced", "applied 2 objects"),
            "same status and reason"
        );
        assert!(s.set("Ready", "False", "RenderFailed", "boom"));
        let back = SourceStatus::from_data(&s.to_data());
        assert_eq!(back, s);
        assert_eq!(s.to_data()["inventorySize"], "1");
    }
}
