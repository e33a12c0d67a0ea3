//! Server-side apply of a render, in stages.
//!
//! Namespaces and CustomResourceDefinitions go first; the agent then waits until every CRD
//! it applied is `Established` and drops its discovery cache, so a custom resource shipped
//! in the same commit as its CRD applies on the first sync (kubectl and early Flux fail
//! that with "no matches for kind"). Everything else follows in render order.
//!
//! Every object gets the ownership label (the prune safeguard looks for it) and, when it
//! is namespaced and names no namespace, the source's namespace. Field manager `tagbump`.
//! A field another manager owns is a conflict ([`Conflicts`]): reported, taken back as
//! drift healing when the source heals, or always taken with `force: true`; never silently. One object failing does not stop the others:
//! every failure is reported, and the caller does not prune after a failed apply.

use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use kube::api::PatchParams;
use serde_json::{Value, json};

use super::cluster::{Cluster, ClusterError, Kind, describe};
use super::health::{Health, health};
use super::inventory::ObjectRef;
use super::prune::OWNER_LABEL;
use super::render::Object;

/// Requests in flight when applying (or reading) the objects of one stage: enough to hide
/// the round trips of a large render, few enough not to crowd the API server's
/// max-in-flight limits (400 by default) or its priority-and-fairness share.
pub const IN_FLIGHT: usize = 8;

/// The field manager of everything the agent applies.
pub const FIELD_MANAGER: &str = "tagbump";

/// An object ready to apply: its kind as the server serves it, its namespace, its body.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub id: ObjectRef,
    pub kind: Kind,
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
    pub body: Value,
    pub origin: String,
}

impl Prepared {
    /// `apps/v1 Deployment shop/api (from apps/deploy.yaml#1)`.
    pub fn describe(&self) -> String {
        let at = if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        };
        format!(
            "{} {} {at} (from {})",
            self.kind.resource.api_version, self.kind.resource.kind, self.origin
        )
    }
}

/// Whether an object belongs to the first stage.
pub fn first_stage(o: &Object) -> bool {
    (o.api_version == "v1" && o.kind == "Namespace")
        || (o.api_version.starts_with("apiextensions.k8s.io/") && o.kind == "CustomResourceDefinition")
}

/// Resolve an object's kind and build the body to apply.
pub async fn prepare(cluster: &Cluster, o: &Object, source: &str, default_namespace: &str) -> Result<Prepared, String> {
    let kind = cluster
        .kind(&o.api_version, &o.kind)
        .await
        .map_err(|e: ClusterError| format!("{}: {e}", o.origin))?;
    let mut body = o.value.clone();
    let namespace = if kind.namespaced {
        o.namespace.clone().unwrap_or_else(|| default_namespace.to_string())
    } else {
        String::new()
    };
    let meta = body
        .as_object_mut()
        .and_then(|b| b.entry("metadata").or_insert_with(|| json!({})).as_object_mut())
        .ok_or_else(|| format!("{}: metadata is not a mapping", o.origin))?;
    if kind.namespaced {
        meta.insert("namespace".into(), Value::String(namespace.clone()));
    } else {
        // kubectl ignores a namespace on a cluster-scoped object; so do we.
        meta.remove("namespace");
    }
    let labels = meta.entry("labels").or_insert_with(|| json!({}));
    if labels.is_null() {
        *labels = json!({});
    }
    labels
        .as_object_mut()
        .ok_or_else(|| format!("{}: metadata.labels is not a mapping", o.origin))?
        .insert(OWNER_LABEL.into(), Value::String(source.to_string()));
    default_protocols(&mut body, o.api_version == "v1" && o.kind == "Service");
    let id = ObjectRef::of(o, kind.namespaced, default_namespace);
    Ok(Prepared {
        id,
        kind,
        namespace,
        name: o.name.clone(),
        body,
        origin: o.origin.clone(),
    })
}

/// Fill in `protocol: TCP` where a port omits it: in a Service's `spec.ports` and in the
/// `ports` of every container list, wherever a pod template sits. The API server defaults it
/// anyway, but its server-side apply in Kubernetes before 1.22 rejects a port without it
/// ("associative list with keys has an element that omits key field \"protocol\"", the
/// list's key being port and protocol), and later versions still see the defaulted field as
/// a difference on every drift check. Flux does the same normalisation for the same reason.
pub fn default_protocols(body: &mut Value, service: bool) {
    fn fill(ports: &mut Value) {
        for p in ports.as_array_mut().into_iter().flatten() {
            if let Some(p) = p.as_object_mut()
                && !p.contains_key("protocol")
            {
                p.insert("protocol".into(), Value::String("TCP".into()));
            }
        }
    }
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    if matches!(k.as_str(), "containers" | "initContainers" | "ephemeralContainers") {
                        for c in child.as_array_mut().into_iter().flatten() {
                            if let Some(ports) = c.get_mut("ports") {
                                fill(ports);
                            }
                        }
                    } else {
                        walk(child);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    if service && let Some(ports) = body.pointer_mut("/spec/ports") {
        fill(ports);
    }
    if let Some(spec) = body.get_mut("spec") {
        walk(spec);
    }
}

/// The outcome of applying a render.
#[derive(Debug, Default)]
pub struct Applied {
    /// Applied objects and the server's answer (the live object).
    pub objects: Vec<(Prepared, Value)>,
    /// One line per object that failed (prepare or apply).
    pub errors: Vec<String>,
    /// Conflicts overridden under [`Conflicts::Heal`].
    pub taken_over: Vec<String>,
}

/// How to treat fields another field manager owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflicts {
    /// Report them: the object fails to apply (`force: false`, `self_heal: false`).
    Report,
    /// Take them over when the apply conflicts, and say so (`self_heal: true`: a manual
    /// `kubectl edit` or `patch` of a field the render sets is drift, and healing it means
    /// taking the field back).
    Heal,
    /// Always take them over (`force: true`).
    Force,
}

impl Conflicts {
    pub fn of(force: bool, self_heal: bool) -> Conflicts {
        match (force, self_heal) {
            (true, _) => Conflicts::Force,
            (false, true) => Conflicts::Heal,
            (false, false) => Conflicts::Report,
        }
    }
}

/// An applied object: the server's answer and, when fields were taken from another
/// manager, the conflict that was overridden.
pub type Outcome = (Value, Option<String>);

async fn patch(cluster: &Cluster, p: &Prepared, force: bool, dry_run: bool) -> Result<Value, kube::Error> {
    let mut params = PatchParams::apply(FIELD_MANAGER);
    if force {
        params = params.force();
    }
    params.dry_run = dry_run;
    cluster.apply(&p.kind, &p.namespace, &p.name, &p.body, &params).await
}

fn is_conflict(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 409)
}

/// Apply one prepared object; the error is a line for the status.
pub async fn apply_one(
    cluster: &Cluster,
    p: &Prepared,
    conflicts: Conflicts,
    dry_run: bool,
) -> Result<Outcome, String> {
    let fail = |e: &kube::Error| {
        let hint = if is_conflict(e) {
            "\n  hint: another field manager owns these fields; set force: true (or self_heal: true) on the source to take them over"
        } else {
            ""
        };
        format!("{}: {}{hint}", p.describe(), describe(e))
    };
    match patch(cluster, p, conflicts == Conflicts::Force, dry_run).await {
        Ok(v) => Ok((v, None)),
        Err(e) if is_conflict(&e) && conflicts == Conflicts::Heal => {
            let taken = format!("{}: took fields back: {}", p.describe(), describe(&e));
            patch(cluster, p, true, dry_run)
                .await
                .map(|v| (v, Some(taken)))
                .map_err(|e| fail(&e))
        }
        Err(e) => Err(fail(&e)),
    }
}

/// `f` over `items` with [`IN_FLIGHT`] requests in flight; the results in input order.
/// `f` returns its future boxed as `Send`: a closure returning the future itself trips the
/// compiler's higher-ranked `Send` check where the agent spawns its tasks.
pub async fn in_flight<'a, T, R>(items: &'a [T], f: impl Fn(&'a T) -> BoxFuture<'a, R>) -> Vec<R> {
    let futures: Vec<BoxFuture<'a, R>> = items.iter().map(f).collect();
    futures_util::stream::iter(futures).buffered(IN_FLIGHT).collect().await
}

/// Prepare and apply each of `objects`, independent of each other.
async fn apply_stage(
    cluster: &Cluster,
    objects: &[&Object],
    source: &str,
    default_namespace: &str,
    conflicts: Conflicts,
    out: &mut Applied,
) {
    let results = in_flight(objects, |o| {
        Box::pin(async move {
            let p = prepare(cluster, o, source, default_namespace).await?;
            let outcome = apply_one(cluster, &p, conflicts, false).await?;
            Ok::<_, String>((p, outcome))
        })
    })
    .await;
    for r in results {
        match r {
            Ok((p, (live, taken))) => {
                out.taken_over.extend(taken);
                out.objects.push((p, live));
            }
            Err(e) => out.errors.push(e),
        }
    }
}

/// Apply `objects` in stages (see the module docs). `deadline` bounds the wait for CRDs.
pub async fn apply_all(
    cluster: &Cluster,
    objects: &[Object],
    source: &str,
    default_namespace: &str,
    conflicts: Conflicts,
    deadline: Instant,
) -> Applied {
    let mut out = Applied::default();
    let (first, rest): (Vec<&Object>, Vec<&Object>) = objects.iter().partition(|o| first_stage(o));
    apply_stage(cluster, &first, source, default_namespace, conflicts, &mut out).await;
    let crds: Vec<Prepared> = out
        .objects
        .iter()
        .filter(|(p, _)| p.kind.resource.kind == "CustomResourceDefinition")
        .map(|(p, _)| p.clone())
        .collect();
    if !crds.is_empty() {
        if let Err(e) = wait_established(cluster, &crds, deadline).await {
            out.errors.push(e);
        }
        cluster.forget().await;
    }
    apply_stage(cluster, &rest, source, default_namespace, conflicts, &mut out).await;
    out
}

async fn wait_established(cluster: &Cluster, crds: &[Prepared], deadline: Instant) -> Result<(), String> {
    for crd in crds {
        loop {
            let live = cluster.get(&crd.kind, "", &crd.name).await.map_err(|e| describe(&e))?;
            let h = live.as_ref().map(health);
            if h == Some(Health::Healthy) {
                break;
            }
            if Instant::now() >= deadline {
                let why = match h {
                    Some(Health::Progressing(w) | Health::Degraded(w)) => w,
                    _ => "it is gone".into(),
                };
                return Err(format!(
                    "{}: not Established before the sync's timeout: {why}",
                    crd.describe()
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::default_protocols;

    #[test]
    fn ports_get_their_default_protocol() {
        let mut svc = json!({"spec": {"ports": [{"port": 80}, {"port": 53, "protocol": "UDP"}]}});
        default_protocols(&mut svc, true);
        assert_eq!(svc["spec"]["ports"][0]["protocol"], "TCP");
        assert_eq!(svc["spec"]["ports"][1]["protocol"], "UDP");
        let mut cron = json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {
            "containers": [{"name": "a", "ports": [{"containerPort": 8080}]}],
            "initContainers": [{"name": "b"}]
        }}}}}});
        default_protocols(&mut cron, false);
        assert_eq!(
            cron.pointer("/spec/jobTemplate/spec/template/spec/containers/0/ports/0/protocol"),
            Some(&json!("TCP"))
        );
        // Only ports lists are touched; a custom resource's own `ports` field is not a
        // Service's.
        let mut cr = json!({"spec": {"ports": [{"port": 1}]}});
        default_protocols(&mut cr, false);
        assert_eq!(cr, json!({"spec": {"ports": [{"port": 1}]}}));
    }
}
