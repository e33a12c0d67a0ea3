//! The agent's connection to the cluster: a kube client, and discovery of the kinds a
//! render uses.
//!
//! Discovery is lazy and per group-version: a render touches a handful of API groups, so
//! asking `/apis/GROUP/VERSION` for those (one request each, cached) is cheaper than the
//! N+2 requests of a full discovery on every sync, and works on API servers older than the
//! aggregated discovery endpoint. A kind that is not found refreshes its group-version once
//! (a CRD applied a moment ago), and [`Cluster::forget`] drops the cache after the CRD stage.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::ApiResource;
use kube::{Client, Config};
use serde_json::Value;
use tokio::sync::Mutex;

/// A kind as the API server serves it.
#[derive(Debug, Clone)]
pub struct Kind {
    pub resource: ApiResource,
    pub namespaced: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("kubeconfig {path}: {message}")]
    Kubeconfig { path: String, message: String },
    #[error(
        "no cluster configuration: {0}\nhint: run in a Pod with a service account, set KUBECONFIG, or pass --kubeconfig"
    )]
    NoConfig(String),
    #[error("kube client: {0}")]
    Client(String),
    #[error("the API server does not serve {kind} in {api_version}{hint}")]
    UnknownKind {
        api_version: String,
        kind: String,
        hint: &'static str,
    },
    #[error("{0}")]
    Api(String),
}

/// An API server error in one line: code, reason and the server's message (which names the
/// object and, for conflicts, the fields and their managers).
pub fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} {}: {}", s.code, s.reason, s.message),
        other => other.to_string(),
    }
}

/// Whether a kube error is the API server answering 404.
pub fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

pub struct Cluster {
    pub client: Client,
    /// `apiVersion` -> the resources it serves (`None`: the group-version is not served).
    kinds: Mutex<HashMap<String, Option<APIResourceList>>>,
}

impl Cluster {
    /// Connect with `kubeconfig` when given, else as kube does (`KUBECONFIG`, then
    /// `~/.kube/config`, then the Pod's service account).
    pub async fn connect(kubeconfig: Option<&Path>) -> Result<Cluster, ClusterError> {
        let mut config = match kubeconfig {
            Some(path) => {
                let kc = Kubeconfig::read_from(path).map_err(|e| ClusterError::Kubeconfig {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
                Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
                    .await
                    .map_err(|e| ClusterError::Kubeconfig {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })?
            }
            None => Config::infer()
                .await
                .map_err(|e| ClusterError::NoConfig(e.to_string()))?,
        };
        // A hung API server must not hang a sync: every request gets a limit.
        config.connect_timeout = Some(Duration::from_secs(10));
        config.read_timeout = Some(Duration::from_secs(60));
        config.write_timeout = Some(Duration::from_secs(60));
        let client = Client::try_from(config).map_err(|e| ClusterError::Client(e.to_string()))?;
        Ok(Cluster::with_client(client))
    }

    pub fn with_client(client: Client) -> Cluster {
        Cluster {
            client,
            kinds: Mutex::new(HashMap::new()),
        }
    }

    /// Drop what discovery learnt (after CRDs were established, a kind may be new).
    pub async fn forget(&self) {
        self.kinds.lock().await.clear();
    }

    async fn fetch(&self, api_version: &str) -> Result<Option<APIResourceList>, ClusterError> {
        let res = if api_version.contains('/') {
            self.client.list_api_group_resources(api_version).await
        } else {
            self.client.list_core_api_resources(api_version).await
        };
        match res {
            Ok(list) => Ok(Some(list)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(ClusterError::Api(format!(
                "discovery of {api_version}: {}",
                describe(&e)
            ))),
        }
    }

    fn find(list: &Option<APIResourceList>, api_version: &str, kind: &str) -> Option<Kind> {
        let list = list.as_ref()?;
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        list.resources
            .iter()
            .find(|r| r.kind == kind && !r.name.contains('/'))
            .map(|r| Kind {
                resource: ApiResource {
                    group: group.to_string(),
                    version: version.to_string(),
                    api_version: api_version.to_string(),
                    kind: kind.to_string(),
                    plural: r.name.clone(),
                },
                namespaced: r.namespaced,
            })
    }

    /// The kind `kind` of `api_version`, from the cache or the API server.
    pub async fn kind(&self, api_version: &str, kind: &str) -> Result<Kind, ClusterError> {
        let mut kinds = self.kinds.lock().await;
        if let Some(found) = kinds.get(api_version).and_then(|l| Self::find(l, api_version, kind)) {
            return Ok(found);
        }
        // Not cached, or cached before a CRD added the kind: ask once more.
        let list = self.fetch(api_version).await?;
        let found = Self::find(&list, api_version, kind);
        let served = list.is_some();
        kinds.insert(api_version.to_string(), list);
        found.ok_or_else(|| ClusterError::UnknownKind {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            hint: if served {
                ""
            } else {
                " (the API version is not served: a CRD not installed, or an API removed in this Kubernetes version)"
            },
        })
    }

    /// Each served API group's preferred `apiVersion` (one listing), for
    /// [`Cluster::kind_in_group`].
    pub async fn preferred_versions(&self) -> Result<HashMap<String, String>, ClusterError> {
        let groups = self
            .client
            .list_api_groups()
            .await
            .map_err(|e| ClusterError::Api(format!("discovery of API groups: {}", describe(&e))))?;
        Ok(groups
            .groups
            .into_iter()
            .filter_map(|g| {
                let v = g
                    .preferred_version
                    .map(|v| v.group_version)
                    .or_else(|| g.versions.first().map(|v| v.group_version.clone()))?;
                Some((g.name, v))
            })
            .collect())
    }

    /// The kind `kind` of API group `group` at the group's preferred version, from
    /// `preferred` (the inventory keeps no versions: an object is the same whichever version
    /// serves it).
    pub async fn kind_in_group(
        &self,
        preferred: &HashMap<String, String>,
        group: &str,
        kind: &str,
    ) -> Result<Kind, ClusterError> {
        if group.is_empty() {
            return self.kind("v1", kind).await;
        }
        let version = preferred.get(group).ok_or_else(|| ClusterError::UnknownKind {
            api_version: group.to_string(),
            kind: kind.to_string(),
            hint: " (the API group is not served)",
        })?;
        self.kind(version, kind).await
    }

    /// The API for `kind`, in `namespace` when the kind is namespaced.
    pub fn api(&self, kind: &Kind, namespace: &str) -> Api<DynamicObject> {
        if kind.namespaced {
            Api::namespaced_with(self.client.clone(), namespace, &kind.resource)
        } else {
            Api::all_with(self.client.clone(), &kind.resource)
        }
    }

    /// Server-side apply `obj` with `params` (field manager, force, dry run).
    pub async fn apply(
        &self,
        kind: &Kind,
        namespace: &str,
        name: &str,
        obj: &Value,
        params: &PatchParams,
    ) -> Result<Value, kube::Error> {
        let out = self
            .api(kind, namespace)
            .patch(name, params, &Patch::Apply(obj))
            .await?;
        Ok(serde_json::to_value(out).unwrap_or(Value::Null))
    }

    /// The live object, `None` when it does not exist.
    pub async fn get(&self, kind: &Kind, namespace: &str, name: &str) -> Result<Option<Value>, kube::Error> {
        match self.api(kind, namespace).get_opt(name).await? {
            Some(o) => Ok(Some(serde_json::to_value(o).unwrap_or(Value::Null))),
            None => Ok(None),
        }
    }
}
