//! Leader election through a `coordination.k8s.io/v1` Lease, so that of several replicas
//! exactly one syncs (two agents applying the same source would fight over drift and race
//! on prunes).
//!
//! The rules of client-go's leader election, which every controller in a cluster already
//! follows: a replica takes the Lease when nobody holds it or when its holder has not renewed
//! it for `lease_duration`, measured on the replica's *own* clock from when it last saw the
//! record change (clocks of two Pods need not agree); the holder renews every third of the
//! duration and stops leading when it could not renew for two thirds of it, before anyone
//! else may take over. Writes are compare-and-swap on `resourceVersion`, so two replicas
//! that both see an expired Lease cannot both win. On shutdown the holder gives the Lease
//! up, so the next one takes over at once instead of after a full duration.

use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, PostParams};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::cluster::describe;

pub struct Elector {
    api: Api<Lease>,
    name: String,
    identity: String,
    duration: Duration,
    /// The holder and renew time last seen, and when (this replica's clock).
    observed: Mutex<Option<(String, Instant)>>,
    /// When this replica last renewed successfully.
    renewed: Mutex<Option<Instant>>,
}

fn micro_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Elector {
    pub fn new(client: kube::Client, namespace: &str, name: &str, identity: &str, duration: Duration) -> Elector {
        Elector {
            api: Api::namespaced(client, namespace),
            name: name.to_string(),
            identity: identity.to_string(),
            duration,
            observed: Mutex::new(None),
            renewed: Mutex::new(None),
        }
    }

    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// How often to call [`Elector::try_hold`].
    pub fn retry_period(&self) -> Duration {
        self.duration / 3
    }

    fn spec(&self, transitions: i64, acquired: &str) -> Value {
        json!({
            "holderIdentity": self.identity,
            "leaseDurationSeconds": self.duration.as_secs().max(1),
            "acquireTime": acquired,
            "renewTime": micro_now(),
            "leaseTransitions": transitions,
        })
    }

    /// Take or renew the Lease; whether this replica leads now.
    pub async fn try_hold(&self) -> bool {
        match self.attempt().await {
            Ok(held) => {
                if held {
                    *self.renewed.lock().await = Some(Instant::now());
                }
                held
            }
            Err(e) => {
                // Keep leading only while the last renewal is recent enough that nobody
                // else can have taken over.
                let renewed = *self.renewed.lock().await;
                let still = renewed.is_some_and(|t| t.elapsed() < self.duration * 2 / 3);
                eprintln!(
                    "agent: leader election: {e}{}",
                    if still { "" } else { "; not leading" }
                );
                still
            }
        }
    }

    async fn attempt(&self) -> Result<bool, String> {
        let Some(lease) = self.api.get_opt(&self.name).await.map_err(|e| describe(&e))? else {
            let lease: Lease = serde_json::from_value(json!({
                "metadata": {"name": self.name},
                "spec": self.spec(0, &micro_now()),
            }))
            .map_err(|e| e.to_string())?;
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(true),
                Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
                Err(e) => Err(describe(&e)),
            };
        };
        let spec = serde_json::to_value(&lease.spec).unwrap_or(Value::Null);
        let holder = spec
            .get("holderIdentity")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let renew = spec.get("renewTime").and_then(Value::as_str).unwrap_or("").to_string();
        let transitions = spec.get("leaseTransitions").and_then(Value::as_i64).unwrap_or(0);
        let acquired = spec
            .get("acquireTime")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let record = format!("{holder}@{renew}");
        let expired = {
            let mut observed = self.observed.lock().await;
            match observed.as_ref() {
                Some((seen, at)) if *seen == record => at.elapsed() > self.duration,
                _ => {
                    *observed = Some((record, Instant::now()));
                    false
                }
            }
        };
        let ours = holder == self.identity;
        if !(ours || holder.is_empty() || expired) {
            return Ok(false);
        }
        let (transitions, acquired) = if ours {
            (transitions, acquired)
        } else {
            (transitions + 1, micro_now())
        };
        let mut next: Lease = serde_json::from_value(json!({
            "metadata": {"name": self.name, "resourceVersion": lease.metadata.resource_version},
            "spec": self.spec(transitions, &acquired),
        }))
        .map_err(|e| e.to_string())?;
        next.metadata.labels = lease.metadata.labels.clone();
        match self.api.replace(&self.name, &PostParams::default(), &next).await {
            Ok(_) => Ok(true),
            // Someone else wrote it between our read and write: they won this round.
            Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
            Err(e) => Err(describe(&e)),
        }
    }

    /// Who holds the Lease now, if anyone.
    pub async fn holder(&self) -> Option<String> {
        let lease = self.api.get_opt(&self.name).await.ok()??;
        lease.spec?.holder_identity.filter(|h| !h.is_empty())
    }

    /// Give the Lease up (on shutdown) if this replica holds it.
    pub async fn release(&self) {
        let Ok(Some(lease)) = self.api.get_opt(&self.name).await else {
            return;
        };
        let spec = serde_json::to_value(&lease.spec).unwrap_or(Value::Null);
        if spec.get("holderIdentity").and_then(Value::as_str) != Some(&self.identity) {
            return;
        }
        let next: Result<Lease, _> = serde_json::from_value(json!({
            "metadata": {"name": self.name, "resourceVersion": lease.metadata.resource_version},
            "spec": {
                "holderIdentity": "",
                "leaseDurationSeconds": 1,
                "renewTime": micro_now(),
                "leaseTransitions": spec.get("leaseTransitions").and_then(Value::as_i64).unwrap_or(0),
            },
        }));
        if let Ok(next) = next {
            let _ = self.api.replace(&self.name, &PostParams::default(), &next).await;
        }
    }
}
