//! Which objects to delete after a sync, and when to refuse.
//!
//! The agent deletes only what it applied before (the inventory) that the render no longer
//! holds, still carries the agent's ownership label, and is not opted out. It refuses to
//! prune at all when the render looks wrong rather than intended: it failed (the caller
//! never gets here), came back empty, or shrank by more than the configured ratio against
//! the inventory. Namespaces, CustomResourceDefinitions and PersistentVolumeClaims are never
//! deleted unless the object opts in, because deleting them deletes data. A pure function,
//! so every rule is tested without a cluster.

use std::collections::BTreeSet;

use super::inventory::{Inventory, ObjectRef};

/// The label the agent puts on what it applies: `<source name>`.
pub const OWNER_LABEL: &str = "tagbump.dev/source";
/// `disabled` on an object: never prune it.
pub const PRUNE_ANNOTATION: &str = "tagbump.dev/prune";
/// `true` on a Namespace, CRD or PVC: it may be pruned.
pub const PRUNE_DATA_ANNOTATION: &str = "tagbump.dev/prune-data";

/// What the cluster says about an object that would be pruned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Live {
    /// Its ownership label's value, if any.
    pub owner: Option<String>,
    /// Its `tagbump.dev/prune` annotation.
    pub prune: Option<String>,
    /// Its `tagbump.dev/prune-data` annotation.
    pub prune_data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Delete,
    /// Kept, and why (reported in the status).
    Keep(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Prune refused for the whole source, and why.
    Refused(String),
    /// Per candidate (in the inventory, not in the render): delete or keep.
    Candidates(Vec<(ObjectRef, Decision)>),
}

fn holds_data(r: &ObjectRef) -> bool {
    r.is_kind("", "Namespace")
        || r.is_kind("apiextensions.k8s.io", "CustomResourceDefinition")
        || r.is_kind("", "PersistentVolumeClaim")
}

/// Plan the prune of `source` from its last inventory and this render. `live` looks up a
/// candidate in the cluster (`None`: it is already gone).
pub fn plan(
    source: &str,
    inventory: &Inventory,
    rendered: &BTreeSet<ObjectRef>,
    max_shrink: f64,
    live: impl Fn(&ObjectRef) -> Option<Live>,
) -> Plan {
    if rendered.is_empty() && !inventory.is_empty() {
        return Plan::Refused(format!(
            "the render is empty but {} object(s) were applied before; not pruning (an empty render is more often a mistake than an intent)",
            inventory.len()
        ));
    }
    let gone: Vec<&ObjectRef> = inventory.0.iter().filter(|r| !rendered.contains(r)).collect();
    if !inventory.is_empty() {
        let shrink = gone.len() as f64 / inventory.len() as f64;
        if shrink > max_shrink {
            return Plan::Refused(format!(
                "the render would remove {} of {} objects ({:.0}%, more than max_shrink {:.0}%); not pruning",
                gone.len(),
                inventory.len(),
                shrink * 100.0,
                max_shrink * 100.0
            ));
        }
    }
    let candidates = gone
        .into_iter()
        .map(|r| {
            let decision = match live(r) {
                None => Decision::Keep("already gone"),
                Some(l) if l.owner.as_deref() != Some(source) => {
                    Decision::Keep("no longer carries this source's ownership label")
                }
                Some(l) if l.prune.as_deref() == Some("disabled") => {
                    Decision::Keep("opted out (tagbump.dev/prune: disabled)")
                }
                Some(l) if holds_data(r) && l.prune_data.as_deref() != Some("true") => {
                    Decision::Keep("holds data (Namespace, CRD or PVC); opt in with tagbump.dev/prune-data: \"true\"")
                }
                Some(_) => Decision::Delete,
            };
            (r.clone(), decision)
        })
        .collect();
    Plan::Candidates(candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> ObjectRef {
        ObjectRef::parse(s).unwrap()
    }

    fn inv(items: &[&str]) -> Inventory {
        Inventory(items.iter().map(|s| r(s)).collect())
    }

    fn set(items: &[&str]) -> BTreeSet<ObjectRef> {
        items.iter().map(|s| r(s)).collect()
    }

    fn owned() -> Option<Live> {
        Some(Live {
            owner: Some("shop".into()),
            ..Live::default()
        })
    }

    const ALL: &[&str] = &[
        "apps/Deployment/shop/web",
        "/Service/shop/web",
        "/ConfigMap/shop/a",
        "/ConfigMap/shop/b",
    ];

    #[test]
    fn deletes_only_owned_removed_objects() {
        let p = plan("shop", &inv(ALL), &set(&ALL[..3]), 0.5, |_| owned());
        assert_eq!(p, Plan::Candidates(vec![(r("/ConfigMap/shop/b"), Decision::Delete)]));
    }

    #[test]
    fn refuses_empty_and_shrunk_renders() {
        let Plan::Refused(why) = plan("shop", &inv(ALL), &set(&[]), 0.5, |_| owned()) else {
            panic!()
        };
        assert!(why.contains("empty"), "{why}");
        let Plan::Refused(why) = plan("shop", &inv(ALL), &set(&ALL[..1]), 0.5, |_| owned()) else {
            panic!()
        };
        assert!(why.contains("3 of 4 objects (75%, more than max_shrink 50%)"), "{why}");
        // Exactly at the ratio is allowed; a first sync (empty inventory) never refuses.
        assert!(matches!(
            plan("shop", &inv(ALL), &set(&ALL[..2]), 0.5, |_| owned()),
            Plan::Candidates(_)
        ));
        assert_eq!(
            plan("shop", &inv(&[]), &set(&[]), 0.5, |_| owned()),
            Plan::Candidates(vec![])
        );
    }

    #[test]
    fn keeps_opted_out_foreign_gone_and_data_objects() {
        let before = inv(&[
            "/ConfigMap/shop/opt",
            "/ConfigMap/shop/foreign",
            "/ConfigMap/shop/gone",
            "/Namespace//shop",
            "/PersistentVolumeClaim/shop/db",
            "apiextensions.k8s.io/CustomResourceDefinition//x.acme.io",
            "/ConfigMap/shop/keep-me-rendered",
        ]);
        let now = set(&["/ConfigMap/shop/keep-me-rendered"]);
        let p = plan("shop", &before, &now, 1.0, |r| match r.name.as_str() {
            "opt" => Some(Live {
                owner: Some("shop".into()),
                prune: Some("disabled".into()),
                ..Live::default()
            }),
            "foreign" => Some(Live {
                owner: Some("other".into()),
                ..Live::default()
            }),
            "gone" => None,
            "db" => Some(Live {
                owner: Some("shop".into()),
                prune_data: Some("true".into()),
                ..Live::default()
            }),
            _ => owned(),
        });
        let Plan::Candidates(c) = p else { panic!() };
        let d = |name: &str| c.iter().find(|(r, _)| r.name == name).map(|(_, d)| d.clone()).unwrap();
        assert!(matches!(d("opt"), Decision::Keep(w) if w.contains("opted out")));
        assert!(matches!(d("foreign"), Decision::Keep(w) if w.contains("ownership label")));
        assert_eq!(d("gone"), Decision::Keep("already gone"));
        assert!(
            matches!(d("shop"), Decision::Keep(w) if w.contains("holds data")),
            "a Namespace"
        );
        assert!(
            matches!(d("x.acme.io"), Decision::Keep(w) if w.contains("holds data")),
            "a CRD"
        );
        assert_eq!(d("db"), Decision::Delete, "a PVC that opted in");
        assert_eq!(c.len(), 6);
    }
}
