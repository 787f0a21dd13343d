//! `run <name>`: trigger a job now.
//!
//! Dkron's run call blocks until the execution has finished on every target node (retries
//! included), and it ignores `concurrency: forbid`. It answers 200 whatever happened, so the
//! outcome is read from the run's executions. `--no-wait` fires, confirms the execution started,
//! and returns (Dkron's handler does not depend on the caller staying connected).

use clap_complete::ArgValueCompleter;
use serde::Serialize;

use super::Context;
use crate::dkron::RunWait;
use crate::error::{CliError, ErrorKind};
use crate::output::Report;
use crate::tunnel::AccessInfo;

/// Trigger a job now (waits for the execution unless --no-wait).
///
/// Dkron runs it even when the job's concurrency is `forbid` and another run is in progress. A
/// disabled job cannot be run (Dkron answers 404; `resume` it first).
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The job's name.
    #[arg(value_parser = crate::names::job_name_arg, add = ArgValueCompleter::new(crate::completion::job_names))]
    pub name: String,

    /// Return once the execution has started instead of waiting for it to finish.
    #[arg(long)]
    pub no_wait: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunResult {
    #[serde(flatten)]
    pub access: AccessInfo,
    pub name: String,
    /// `succeeded`, `failed` or `running` (with --no-wait).
    pub outcome: &'static str,
    pub node: Option<String>,
    pub attempt: Option<u32>,
    pub invocation_id: Option<String>,
    pub output: Option<String>,
}

pub async fn run(context: &Context, args: RunArgs) -> anyhow::Result<Report> {
    let RunArgs { name, no_wait } = args;
    let access = context.dkron().await?;
    let client = &access.client;
    let job = super::require_job(client, &name).await?;
    if job.disabled {
        return Err(CliError::new(
            ErrorKind::RunFailed,
            format!("`{name}` is disabled, and Dkron does not run a disabled job"),
        )
        .hint(format!("`joelclaw restate cron resume {name}` enables it"))
        .into());
    }
    let wait = if no_wait {
        RunWait::Started
    } else {
        RunWait::Finished
    };
    let triggered = client.trigger(&job, wait).await?;
    let (Some(execution), Some(state)) = (triggered.execution, triggered.state) else {
        return Err(CliError::new(
            ErrorKind::RunFailed,
            format!("Dkron accepted the run of `{name}` but recorded no execution for it"),
        )
        .hint("Dkron answers a run for a job whose tags match no node without running it")
        .into());
    };
    let outcome = state.as_str();
    let styles = context.printer.styles();
    let invocation = execution.invocation_id();
    let mut human = format!(
        "{} `{name}` on {} (attempt {}){}\n",
        match outcome {
            "succeeded" => styles.good("Ran"),
            "running" => styles.warn("Started"),
            _ => styles.bad("Failed to run"),
        },
        execution.node_name,
        execution.attempt,
        invocation
            .as_ref()
            .map(|id| format!(": Restate invocation {id}"))
            .unwrap_or_default()
    );
    if outcome == "failed" {
        human.push_str(&format!("{}\n", execution.output.trim()));
    }
    if outcome == "running" {
        human.push_str(&styles.dim(&format!(
            "`joelclaw restate cron history {name}` shows it when it ends\n"
        )));
    }
    let result = RunResult {
        access: access.info.clone(),
        name: name.clone(),
        outcome,
        node: Some(execution.node_name.clone()),
        attempt: Some(execution.attempt),
        invocation_id: invocation,
        output: Some(execution.output.clone()),
    };
    let mut report = Report::new(&result, human).next(
        format!("joelclaw restate cron history {name}"),
        "see this and earlier executions",
    );
    if outcome == "failed" {
        report = report.failed(CliError::new(
            ErrorKind::RunFailed,
            format!(
                "the execution of `{name}` failed on {}: {}",
                execution.node_name,
                execution.output.trim()
            ),
        ));
    }
    Ok(report)
}
