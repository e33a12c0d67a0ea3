//! Is an applied object healthy? Read from the object's own status, the way `kubectl
//! rollout status` and Argo CD read it: workloads by their generation and replica counts,
//! Jobs by their conditions, PVCs by phase, CRDs by `Established`, anything else by a
//! `Ready` condition when it has one. A pure function of the live object.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Healthy,
    /// Not there yet (a rollout in progress, a PVC pending); why.
    Progressing(String),
    /// Will not get there without help (a failed Job, an exceeded progress deadline); why.
    Degraded(String),
}

fn int(v: &Value, path: &[&str]) -> i64 {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(x) => cur = x,
            None => return 0,
        }
    }
    cur.as_i64().unwrap_or(0)
}

fn condition<'a>(v: &'a Value, kind: &str) -> Option<&'a Value> {
    v.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
}

fn cond_is(c: Option<&Value>, status: &str) -> bool {
    c.and_then(|c| c.get("status")).and_then(Value::as_str) == Some(status)
}

/// The health of `obj` (its `kind` and live `status`).
pub fn health(obj: &Value) -> Health {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let generation = int(obj, &["metadata", "generation"]);
    let observed = int(obj, &["status", "observedGeneration"]);
    let stale = || {
        Health::Progressing(format!(
            "the controller has not seen generation {generation} yet (observed {observed})"
        ))
    };
    match kind {
        "Deployment" => {
            if observed < generation {
                return stale();
            }
            let progressing = condition(obj, "Progressing");
            if progressing.and_then(|c| c.get("reason")).and_then(Value::as_str) == Some("ProgressDeadlineExceeded") {
                return Health::Degraded("progress deadline exceeded".into());
            }
            let want = obj.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
            let updated = int(obj, &["status", "updatedReplicas"]);
            let available = int(obj, &["status", "availableReplicas"]);
            let total = int(obj, &["status", "replicas"]);
            if updated < want {
                Health::Progressing(format!("{updated} of {want} replicas updated"))
            } else if total > updated {
                Health::Progressing(format!("{} old replicas pending termination", total - updated))
            } else if available < want {
                Health::Progressing(format!("{available} of {want} updated replicas available"))
            } else {
                Health::Healthy
            }
        }
        "StatefulSet" => {
            if observed < generation {
                return stale();
            }
            let want = obj.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
            let ready = int(obj, &["status", "readyReplicas"]);
            let updated = int(obj, &["status", "updatedReplicas"]);
            let cur = obj.pointer("/status/currentRevision").and_then(Value::as_str);
            let upd = obj.pointer("/status/updateRevision").and_then(Value::as_str);
            if updated < want || (cur.is_some() && cur != upd) {
                Health::Progressing(format!("{updated} of {want} replicas at the update revision"))
            } else if ready < want {
                Health::Progressing(format!("{ready} of {want} replicas ready"))
            } else {
                Health::Healthy
            }
        }
        "DaemonSet" => {
            if observed < generation {
                return stale();
            }
            let desired = int(obj, &["status", "desiredNumberScheduled"]);
            let updated = int(obj, &["status", "updatedNumberScheduled"]);
            let available = int(obj, &["status", "numberAvailable"]);
            if updated < desired {
                Health::Progressing(format!("{updated} of {desired} pods updated"))
            } else if available < desired {
                Health::Progressing(format!("{available} of {desired} pods available"))
            } else {
                Health::Healthy
            }
        }
        "Job" => {
            if cond_is(condition(obj, "Failed"), "True") {
                let why = condition(obj, "Failed")
                    .and_then(|c| c.get("reason"))
                    .and_then(Value::as_str)
                    .unwrap_or("failed");
                Health::Degraded(format!("the job failed: {why}"))
            } else if cond_is(condition(obj, "Complete"), "True") {
                Health::Healthy
            } else {
                Health::Progressing("the job has not completed".into())
            }
        }
        "PersistentVolumeClaim" => match obj.pointer("/status/phase").and_then(Value::as_str) {
            Some("Bound") => Health::Healthy,
            Some("Lost") => Health::Degraded("the claim lost its volume".into()),
            other => Health::Progressing(format!("the claim is {}", other.unwrap_or("not bound"))),
        },
        "CustomResourceDefinition" => {
            if cond_is(condition(obj, "Established"), "True") {
                Health::Healthy
            } else {
                Health::Progressing("not established yet".into())
            }
        }
        _ => match condition(obj, "Ready") {
            Some(c) if cond_is(Some(c), "True") => Health::Healthy,
            Some(c) => {
                let why = c
                    .get("message")
                    .or_else(|| c.get("reason"))
                    .and_then(Value::as_str)
                    .unwrap_or("not ready");
                Health::Progressing(why.to_string())
            }
            None => Health::Healthy,
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn deploy(generation: i64, status: Value) -> Value {
        json!({"kind": "Deployment", "metadata": {"generation": generation}, "spec": {"replicas": 3}, "status": status})
    }

    #[test]
    fn deployments() {
        let ok = json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3});
        assert_eq!(health(&deploy(2, ok.clone())), Health::Healthy);
        assert!(matches!(health(&deploy(3, ok)), Health::Progressing(w) if w.contains("generation 3")));
        let rolling = json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 3, "availableReplicas": 3});
        assert!(matches!(health(&deploy(2, rolling)), Health::Progressing(w) if w.contains("1 old replicas")));
        let unavailable = json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 1});
        assert!(
            matches!(health(&deploy(2, unavailable)), Health::Progressing(w) if w == "1 of 3 updated replicas available")
        );
        let stuck = json!({"observedGeneration": 2, "updatedReplicas": 1, "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]});
        assert_eq!(
            health(&deploy(2, stuck)),
            Health::Degraded("progress deadline exceeded".into())
        );
        assert!(
            matches!(health(&deploy(1, json!({}))), Health::Progressing(_)),
            "no status yet"
        );
    }

    #[test]
    fn other_kinds() {
        let sts = |ready: i64, cur: &str| json!({"kind": "StatefulSet", "metadata": {"generation": 1}, "spec": {"replicas": 2}, "status": {"observedGeneration": 1, "readyReplicas": ready, "updatedReplicas": 2, "currentRevision": cur, "updateRevision": "r2"}});
        assert_eq!(health(&sts(2, "r2")), Health::Healthy);
        assert!(matches!(health(&sts(2, "r1")), Health::Progressing(_)));
        assert!(matches!(health(&sts(1, "r2")), Health::Progressing(_)));
        let ds = json!({"kind": "DaemonSet", "metadata": {"generation": 1}, "status": {"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 2}});
        assert!(matches!(health(&ds), Health::Progressing(w) if w == "2 of 3 pods available"));
        let job = |t: &str| json!({"kind": "Job", "status": {"conditions": [{"type": t, "status": "True", "reason": "BackoffLimitExceeded"}]}});
        assert_eq!(health(&job("Complete")), Health::Healthy);
        assert_eq!(
            health(&job("Failed")),
            Health::Degraded("the job failed: BackoffLimitExceeded".into())
        );
        assert_eq!(
            health(&json!({"kind": "PersistentVolumeClaim", "status": {"phase": "Bound"}})),
            Health::Healthy
        );
        assert!(matches!(
            health(&json!({"kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}})),
            Health::Progressing(_)
        ));
        let crd = |s: &str| json!({"kind": "CustomResourceDefinition", "status": {"conditions": [{"type": "Established", "status": s}]}});
        assert_eq!(health(&crd("True")), Health::Healthy);
        assert!(matches!(health(&crd("False")), Health::Progressing(_)));
        let cr = |s: &str| json!({"kind": "Certificate", "status": {"conditions": [{"type": "Ready", "status": s, "message": "issuing"}]}});
        assert_eq!(health(&cr("True")), Health::Healthy);
        assert_eq!(health(&cr("False")), Health::Progressing("issuing".into()));
        assert_eq!(health(&json!({"kind": "ConfigMap"})), Health::Healthy);
    }
}
