//! The deployment's objects through the cluster's API, for `install`: each applied with
//! server-side apply (what would change, or did, as JSON paths), the StatefulSet's rollout
//! waited for, and a rollout that times out explained pod by pod with each pod's last event.
//! Every failure is explained as every Kubernetes error is ([`explain`]).

use std::fmt::Debug;
use std::time::{Duration, Instant};

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::kubernetes::{Attempt, ClusterInfo, explain};
use super::resolve::usable;
use crate::deployment::{Deployment, STATEFUL_SET};
use crate::error::{CliError, ErrorKind};

/// Applies one object; returns what happened (or would) and which fields changed.
pub async fn apply<K>(
    client: &kube::Client,
    cluster: &ClusterInfo,
    deployment: &Deployment,
    object: &K,
    params: &PatchParams,
) -> Result<(&'static str, Vec<String>), CliError>
where
    K: kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + Debug
        + Serialize
        + DeserializeOwned,
{
    let name = object.meta().name.clone().unwrap_or_default();
    let api: Api<K> = Api::namespaced(client.clone(), &deployment.namespace);
    let plural = K::plural(&()).into_owned();
    let attempt = |verb| Attempt {
        verb,
        resource: &plural,
        name: &name,
        namespace: &deployment.namespace,
        cluster,
    };
    let live = api
        .get_opt(&name)
        .await
        .map_err(|error| explain(error, &attempt("get")))?;
    let stored = api
        .patch(&name, params, &Patch::Apply(object))
        .await
        .map_err(|error| explain(error, &attempt("apply")))?;
    let Some(live) = live else {
        return Ok(("create", Vec::new()));
    };
    let changes = changed_paths(
        &comparable(serde_json::to_value(&live).unwrap_or_default()),
        &comparable(serde_json::to_value(&stored).unwrap_or_default()),
    );
    Ok((
        if changes.is_empty() {
            "unchanged"
        } else {
            "update"
        },
        changes,
    ))
}

/// An object without the fields the apiserver changes on every write.
fn comparable(mut value: Value) -> Value {
    if let Some(metadata) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in [
            "managedFields",
            "resourceVersion",
            "generation",
            "uid",
            "creationTimestamp",
        ] {
            metadata.remove(key);
        }
    }
    if let Some(object) = value.as_object_mut() {
        object.remove("status");
    }
    value
}

/// The JSON paths whose values differ, leaves first (`spec.template.spec.containers`).
fn changed_paths(before: &Value, after: &Value) -> Vec<String> {
    let mut paths = Vec::new();
    walk(before, after, String::new(), &mut paths);
    paths
}

fn walk(before: &Value, after: &Value, path: String, paths: &mut Vec<String>) {
    match (before, after) {
        (Value::Object(left), Value::Object(right)) => {
            let keys: std::collections::BTreeSet<&String> =
                left.keys().chain(right.keys()).collect();
            for key in keys {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk(
                    left.get(key).unwrap_or(&Value::Null),
                    right.get(key).unwrap_or(&Value::Null),
                    child,
                    paths,
                );
            }
        }
        _ if before != after => paths.push(path),
        _ => {}
    }
}

/// Waits until the StatefulSet has rolled out every replica, ready and updated; returns the ready
/// count, or past `deadline` the timeout explained pod by pod.
pub async fn wait_ready(
    client: &kube::Client,
    cluster: &ClusterInfo,
    deployment: &Deployment,
    deadline: Instant,
    timeout_seconds: u64,
) -> Result<i32, CliError> {
    let sets: Api<StatefulSet> = Api::namespaced(client.clone(), &deployment.namespace);
    loop {
        let set = sets.get(STATEFUL_SET).await.map_err(|error| {
            explain(
                error,
                &Attempt {
                    verb: "get",
                    resource: "statefulset",
                    name: STATEFUL_SET,
                    namespace: &deployment.namespace,
                    cluster,
                },
            )
        })?;
        let generation = set.metadata.generation.unwrap_or_default();
        let status = set.status.unwrap_or_default();
        let ready = status.ready_replicas.unwrap_or_default();
        let updated = status.updated_replicas.unwrap_or_default();
        if status.observed_generation.unwrap_or_default() >= generation
            && ready >= deployment.replicas
            && updated >= deployment.replicas
        {
            return Ok(ready);
        }
        if Instant::now() >= deadline {
            return Err(rollout_timeout(client, deployment, timeout_seconds, ready).await);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// The timeout error: every pod that is not ready, with its phase and last event.
async fn rollout_timeout(
    client: &kube::Client,
    deployment: &Deployment,
    timeout_seconds: u64,
    ready: i32,
) -> CliError {
    let pods: Api<Pod> = Api::namespaced(client.clone(), &deployment.namespace);
    let events: Api<Event> = Api::namespaced(client.clone(), &deployment.namespace);
    let selector = "app.kubernetes.io/name=dkron";
    let mut details = Vec::new();
    if let Ok(list) = pods.list(&ListParams::default().labels(selector)).await {
        for pod in list.items.iter().filter(|pod| !usable(pod)) {
            let name = pod.metadata.name.clone().unwrap_or_default();
            let phase = pod
                .status
                .as_ref()
                .and_then(|status| status.phase.clone())
                .unwrap_or_else(|| "Unknown".to_string());
            let fields = format!("involvedObject.name={name},involvedObject.kind=Pod");
            let last = events
                .list(&ListParams::default().fields(&fields))
                .await
                .ok()
                .and_then(|list| {
                    list.items.into_iter().max_by_key(|event| {
                        event
                            .last_timestamp
                            .as_ref()
                            .map(|time| time.0)
                            .or_else(|| event.event_time.as_ref().map(|time| time.0))
                    })
                })
                .map(|event| {
                    format!(
                        "{}: {}",
                        event.reason.unwrap_or_default(),
                        event.message.unwrap_or_default().trim()
                    )
                })
                .unwrap_or_else(|| "no events".to_string());
            details.push(format!(
                "pod {name} is {phase}, not ready; last event {last}"
            ));
        }
    }
    if details.is_empty() {
        details.push(if ready >= deployment.replicas {
            // Every pod is ready: the StatefulSet is still replacing old pods with new ones.
            "every existing pod is ready, but the rollout has not updated all of them yet"
                .to_string()
        } else {
            "no Dkron pod exists yet (is the StatefulSet's controller able to create them?)"
                .to_string()
        });
    }
    CliError::new(
        ErrorKind::InstallTimeout,
        format!(
            "the dkron StatefulSet has {ready}/{} ready replicas after {timeout_seconds}s: {}",
            deployment.replicas,
            details.join("; ")
        ),
    )
    .hint("fix what the event says (image pull, scheduling, volume), then run install again")
}
