//! Drift: does the live object still equal what applying the render would make of it?
//!
//! The comparison is the API server's own: a dry-run server-side apply of the rendered
//! object returns what the object would become, with defaults, admission and every other
//! manager's fields merged in, so a field another controller sets (replicas by an
//! autoscaler, a sidecar's annotation) is not drift, while a field the agent owns that
//! someone edited by hand is. The dry-run answer and the live object are compared without
//! the bookkeeping that differs on every write (`managedFields`, `resourceVersion`,
//! `generation`).

use serde_json::Value;

/// Metadata fields that differ between a dry-run answer and the live object without any
/// real change.
const BOOKKEEPING: [&str; 3] = ["managedFields", "resourceVersion", "generation"];

fn strip(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in BOOKKEEPING {
            meta.remove(k);
        }
    }
    v
}

/// The JSON paths where `live` differs from `dry_run` (at most `limit`, for the status),
/// empty when there is no drift.
pub fn differences(live: &Value, dry_run: &Value, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    diff(&strip(live), &strip(dry_run), &mut String::new(), &mut out, limit);
    out
}

fn diff(a: &Value, b: &Value, path: &mut String, out: &mut Vec<String>, limit: usize) {
    if out.len() >= limit || a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                match (x.get(k), y.get(k)) {
                    (Some(l), Some(r)) => diff(l, r, path, out, limit),
                    _ => {
                        if out.len() < limit {
                            out.push(path.clone());
                        }
                    }
                }
                path.truncate(len);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (l, r)) in x.iter().zip(y).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                diff(l, r, path, out, limit);
                path.truncate(len);
            }
        }
        _ => out.push(if path.is_empty() { ".".into() } else { path.clone() }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::differences;

    #[test]
    fn bookkeeping_is_not_drift() {
        let live = json!({"metadata": {"name": "a", "resourceVersion": "5", "generation": 2, "managedFields": [1]}, "spec": {"replicas": 2}});
        let dry = json!({"metadata": {"name": "a", "resourceVersion": "6", "generation": 3, "managedFields": [2]}, "spec": {"replicas": 2}});
        assert!(differences(&live, &dry, 10).is_empty());
    }

    #[test]
    fn changed_added_and_removed_fields_are_named() {
        let live = json!({"metadata": {"name": "a", "labels": {"x": "1"}}, "spec": {"replicas": 5, "template": {"c": [{"image": "a:2"}]}}});
        let dry = json!({"metadata": {"name": "a"}, "spec": {"replicas": 2, "template": {"c": [{"image": "a:1"}]}}});
        assert_eq!(
            differences(&live, &dry, 10),
            vec![".metadata.labels", ".spec.replicas", ".spec.template.c[0].image"]
        );
        assert_eq!(differences(&live, &dry, 1).len(), 1);
    }
}
