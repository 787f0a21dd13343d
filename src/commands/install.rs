//! `install`: apply the Dkron deployment with server-side apply, then wait until it serves.
//!
//! Each object is applied with field manager `joelclaw` (the apiserver merges what this tool owns
//! and keeps what others own; `--force-conflicts` takes fields over). `--dry-run` asks the apiserver
//! for the result without storing it and shows, per object, whether it would be created, changed
//! (which fields) or left alone. Otherwise the command waits for the StatefulSet's rollout and then
//! for a Raft leader through the tunnel; a timeout names each pod that is not ready and its last
//! event.

use std::fmt::Debug;
use std::time::{Duration, Instant};

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Context;
use crate::cli::DeploymentArgs;
use crate::error::{CliError, ErrorKind};
use crate::manifests::deploy::{self, Deployment, Object, STATEFUL_SET};
use crate::output::{Report, Styles};
use crate::tunnel::kubernetes::{Attempt, ClusterInfo, explain};
use crate::tunnel::resolve::usable;

/// The field manager of every apply, so ownership of each field is visible in the cluster.
pub const FIELD_MANAGER: &str = "joelclaw";

/// Apply the Dkron deployment (server-side apply) and wait for the rollout and a leader.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    #[command(flatten)]
    pub deployment: DeploymentArgs,

    /// Ask the apiserver what would change and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Take over fields another field manager owns (server-side apply's `force`).
    #[arg(long)]
    pub force_conflicts: bool,

    /// Seconds to wait for the rollout and a Raft leader.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub wait_timeout: u64,

    /// Apply and return without waiting.
    #[arg(long, conflicts_with = "dry_run")]
    pub no_wait: bool,
}

/// What happened to one object.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    pub object: String,
    /// `create`, `update`, `unchanged` (with `--dry-run`: what would happen), or `failed`.
    pub action: &'static str,
    /// Changed fields, as JSON paths.
    pub changes: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallResult {
    pub context: String,
    pub namespace: String,
    pub replicas: i32,
    pub image: String,
    pub dry_run: bool,
    pub field_manager: &'static str,
    pub objects: Vec<Applied>,
    pub rollout: Option<Rollout>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rollout {
    pub ready_replicas: i32,
    pub replicas: i32,
    pub leader: Option<String>,
    pub seconds: f64,
}

pub async fn run(context: &Context, args: InstallArgs) -> anyhow::Result<Report> {
    let InstallArgs {
        deployment,
        dry_run,
        force_conflicts,
        wait_timeout,
        no_wait,
    } = args;
    let deployment = deployment.deployment(context.namespace())?;
    let crate::tunnel::kubernetes::Cluster {
        client,
        info: cluster,
        ..
    } = context.cluster().await?.clone();
    let mut params = PatchParams::apply(FIELD_MANAGER);
    params.dry_run = dry_run;
    params.force = force_conflicts;

    let mut applied = Vec::new();
    for object in deploy::objects(&deployment) {
        let outcome = match &object {
            Object::ServiceAccount(o) => apply(&client, &cluster, &deployment, o, &params).await,
            Object::Role(o) => apply(&client, &cluster, &deployment, o, &params).await,
            Object::RoleBinding(o) => apply(&client, &cluster, &deployment, o, &params).await,
            Object::Service(o) => apply(&client, &cluster, &deployment, o.as_ref(), &params).await,
            Object::StatefulSet(o) => {
                apply(&client, &cluster, &deployment, o.as_ref(), &params).await
            }
            Object::PodDisruptionBudget(o) => {
                apply(&client, &cluster, &deployment, o, &params).await
            }
            Object::NetworkPolicy(o) => apply(&client, &cluster, &deployment, o, &params).await,
        };
        let describe = object.describe();
        applied.push(match outcome {
            Ok((action, changes)) => Applied {
                object: describe,
                action,
                changes,
                error: None,
            },
            Err(error) => Applied {
                object: describe,
                action: "failed",
                changes: Vec::new(),
                error: Some(error.message),
            },
        });
    }
    let failed = applied
        .iter()
        .filter(|object| object.error.is_some())
        .count();
    let mut result = InstallResult {
        context: cluster.context.clone(),
        namespace: deployment.namespace.clone(),
        replicas: deployment.replicas,
        image: deployment.image.clone(),
        dry_run,
        field_manager: FIELD_MANAGER,
        objects: applied,
        rollout: None,
    };
    let mut failure = (failed > 0).then(|| {
        CliError::new(
            ErrorKind::InstallFailed,
            format!("{failed} object(s) could not be applied"),
        )
        .hint("each failed object says why; re-running applies the rest again")
    });
    if failure.is_none() && !dry_run && !no_wait {
        match wait(context, &client, &cluster, &deployment, wait_timeout).await {
            Ok(rollout) => result.rollout = Some(rollout),
            Err(error) => failure = Some(error),
        }
    }
    let human = render_human(&result, context.printer.styles());
    let mut report = Report::new(&result, human);
    if let Some(failure) = failure {
        report = report.failed(failure);
    } else if dry_run {
        report = report.next("joelclaw restate cron install", "apply it");
    } else {
        report = report.next(
            "joelclaw restate cron status",
            "see the cluster and the jobs",
        );
    }
    Ok(report)
}

/// Applies one object; returns what happened (or would) and which fields changed.
async fn apply<K>(
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

/// Waits for the StatefulSet's rollout, then for a Raft leader through the tunnel.
async fn wait(
    context: &Context,
    client: &kube::Client,
    cluster: &ClusterInfo,
    deployment: &Deployment,
    timeout_seconds: u64,
) -> Result<Rollout, CliError> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(timeout_seconds);
    let sets: Api<StatefulSet> = Api::namespaced(client.clone(), &deployment.namespace);
    let ready = loop {
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
            break ready;
        }
        if Instant::now() >= deadline {
            return Err(rollout_timeout(client, deployment, timeout_seconds, ready).await);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    // The pods are ready; Dkron still has to elect a leader among them.
    let leader = loop {
        let attempt = async {
            let access = context.open_on(0).await.ok()?;
            access.client.leader().await.ok().flatten()
        };
        if let Some(leader) = attempt.await {
            break leader.name;
        }
        if Instant::now() >= deadline {
            return Err(CliError::new(
                ErrorKind::InstallTimeout,
                format!("the pods are ready but Dkron elected no leader within {timeout_seconds}s"),
            )
            .hint(
                "check the pods' logs: peers must reach each other on serf (8946) and rpc (6868)",
            ));
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    Ok(Rollout {
        ready_replicas: ready,
        replicas: deployment.replicas,
        leader: Some(leader),
        seconds: started.elapsed().as_secs_f64(),
    })
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

fn render_human(result: &InstallResult, styles: Styles) -> String {
    let mut objects = styles.grid(&["object", "action", "changed fields"]);
    for object in &result.objects {
        let action = match object.action {
            "unchanged" => styles.dim("unchanged"),
            "failed" => styles.bad("failed"),
            other => styles.good(other),
        };
        let details = match &object.error {
            Some(error) => styles.bad(error),
            None => object.changes.join(", "),
        };
        objects.add_row(vec![object.object.clone(), action, details]);
    }
    let mut text = format!(
        "{} Dkron {} ({} replica(s)) into namespace {} (context {}), field manager {}\n{objects}\n",
        styles.bold(if result.dry_run {
            "Would install"
        } else {
            "Installed"
        }),
        result.image,
        result.replicas,
        result.namespace,
        result.context,
        result.field_manager,
    );
    if let Some(rollout) = &result.rollout {
        text.push_str(&format!(
            "rollout: {}/{} ready, leader {} (after {:.1}s)\n",
            rollout.ready_replicas,
            rollout.replicas,
            rollout.leader.as_deref().unwrap_or("none"),
            rollout.seconds
        ));
    }
    text
}
