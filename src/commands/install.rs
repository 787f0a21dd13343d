//! `install`: apply the Dkron deployment with server-side apply, then wait until it serves.
//!
//! Each object is applied with field manager `joelclaw` (the apiserver merges what this tool owns
//! and keeps what others own; `--force-conflicts` takes fields over). `--dry-run` asks the apiserver
//! for the result without storing it and shows, per object, whether it would be created, changed
//! (which fields) or left alone. Otherwise the command waits for the StatefulSet's rollout and then
//! for a Raft leader through the tunnel; a timeout names each pod that is not ready and its last
//! event.

use std::time::{Duration, Instant};

use kube::api::PatchParams;
use serde::Serialize;

use super::Context;
use crate::cli::DeploymentArgs;
use crate::deployment::{self, Deployment, Object};
use crate::error::{CliError, ErrorKind};
use crate::output::{Report, Styles};
use crate::tunnel::kubernetes::ClusterInfo;
use crate::tunnel::rollout;

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
    for object in deployment::objects(&deployment) {
        let outcome = match &object {
            Object::ServiceAccount(o) => {
                rollout::apply(&client, &cluster, &deployment, o, &params).await
            }
            Object::Role(o) => rollout::apply(&client, &cluster, &deployment, o, &params).await,
            Object::RoleBinding(o) => {
                rollout::apply(&client, &cluster, &deployment, o, &params).await
            }
            Object::Service(o) => {
                rollout::apply(&client, &cluster, &deployment, o.as_ref(), &params).await
            }
            Object::StatefulSet(o) => {
                rollout::apply(&client, &cluster, &deployment, o.as_ref(), &params).await
            }
            Object::PodDisruptionBudget(o) => {
                rollout::apply(&client, &cluster, &deployment, o, &params).await
            }
            Object::NetworkPolicy(o) => {
                rollout::apply(&client, &cluster, &deployment, o, &params).await
            }
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
    let ready = rollout::wait_ready(client, cluster, deployment, deadline, timeout_seconds).await?;
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
