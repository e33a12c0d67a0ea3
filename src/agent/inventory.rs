//! What the agent applied for a source: the identity of every object, kept in the cluster
//! (a ConfigMap per source) so a restarted agent, or the next leader, knows what it owns.
//!
//! An object is identified by API group, kind, namespace and name (not version: the same
//! Deployment served as apps/v1 or apps/v1beta2 is one object). Stored as sorted lines
//! `group/kind/namespace/name` (empty group for the core API, empty namespace for
//! cluster-scoped objects), which diff well and stay under ConfigMap limits for tens of
//! thousands of objects.

use std::collections::BTreeSet;
use std::fmt;

use super::render::Object;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    /// The identity of a rendered object; `default_namespace` fills in a namespaced
    /// object's missing namespace (`namespaced` says whether the kind is namespaced, from
    /// discovery).
    pub fn of(o: &Object, namespaced: bool, default_namespace: &str) -> ObjectRef {
        let group = o.api_version.rsplit_once('/').map_or("", |(g, _)| g).to_string();
        let namespace = match (namespaced, &o.namespace) {
            (false, _) => String::new(),
            (true, Some(ns)) => ns.clone(),
            (true, None) => default_namespace.to_string(),
        };
        ObjectRef {
            group,
            kind: o.kind.clone(),
            namespace,
            name: o.name.clone(),
        }
    }

    pub fn parse(line: &str) -> Option<ObjectRef> {
        let mut p = line.splitn(4, '/');
        let (group, kind, namespace, name) = (p.next()?, p.next()?, p.next()?, p.next()?);
        (!kind.is_empty() && !name.is_empty()).then(|| ObjectRef {
            group: group.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        })
    }

    pub fn is_kind(&self, group: &str, kind: &str) -> bool {
        self.group == group && self.kind == kind
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}/{}", self.group, self.kind, self.namespace, self.name)
    }
}

/// The set of objects a source owns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory(pub BTreeSet<ObjectRef>);

impl Inventory {
    pub fn to_text(&self) -> String {
        self.0.iter().map(|r| format!("{r}\n")).collect()
    }

    /// Lines that do not parse are dropped: an unreadable line can only make the agent
    /// prune less, never more.
    pub fn from_text(text: &str) -> Inventory {
        Inventory(text.lines().filter_map(ObjectRef::parse).collect())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(api: &str, kind: &str, ns: Option<&str>, name: &str) -> Object {
        Object {
            value: serde_json::json!({}),
            api_version: api.into(),
            kind: kind.into(),
            name: name.into(),
            namespace: ns.map(Into::into),
            origin: "t".into(),
        }
    }

    #[test]
    fn identity_and_round_trip() {
        let d = ObjectRef::of(&obj("apps/v1", "Deployment", None, "web"), true, "shop");
        assert_eq!(d.to_string(), "apps/Deployment/shop/web");
        let ns = ObjectRef::of(&obj("v1", "Namespace", Some("ignored"), "shop"), false, "x");
        assert_eq!(ns.to_string(), "/Namespace//shop");
        let inv = Inventory([d.clone(), ns.clone()].into_iter().collect());
        let text = inv.to_text();
        assert_eq!(text, "/Namespace//shop\napps/Deployment/shop/web\n");
        assert_eq!(Inventory::from_text(&format!("{text}garbage\n/x\n")), inv);
        assert!(ns.is_kind("", "Namespace") && d.is_kind("apps", "Deployment"));
    }
}
