//! `enable-health`: upsert the Restate health-check job from the manifest, with overrides.
//!
//! The definition is the manifest's `restate-health-check` entry, so `enable-health` and
//! `sync-tier1` never fight over it; `--schedule` and `--timezone` override it for this write (a
//! later `sync-tier1` puts the file's values back and says so in its plan).

use super::sync_tier1::{Mode, SyncResult, count, render_human, synced_job};
use super::{Context, load_manifest};
use crate::cli::ManifestArgs;
use crate::error::{CliError, ErrorKind};
use crate::manifests::schedule::{Schedule, parse_zone};
use crate::output::Report;
use crate::reconcile::{self, Live, PlanOptions};

/// The manifest entry this command writes.
pub const HEALTH_JOB: &str = "restate-health-check";

/// Create or update the Restate health-check job (from tier1.toml), optionally run it now.
#[derive(Debug, clap::Args)]
pub struct EnableHealthArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,

    /// Override the schedule (5 fields, 6 fields seconds first, or an @descriptor).
    #[arg(long, value_name = "CRON")]
    pub schedule: Option<String>,

    /// Override the IANA time zone the schedule is evaluated in.
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,

    /// Adopt an existing job of that name that this tool does not own.
    #[arg(long)]
    pub force: bool,

    /// Trigger the job once after writing it (waits for the run to finish).
    #[arg(long)]
    pub run_now: bool,
}

pub async fn run(context: &Context, args: EnableHealthArgs) -> anyhow::Result<Report> {
    let EnableHealthArgs {
        manifest,
        schedule,
        timezone,
        force,
        run_now,
    } = args;
    let manifest = load_manifest(&manifest)?;
    let mut def = manifest.job(HEALTH_JOB).cloned().ok_or_else(|| {
        CliError::new(
            ErrorKind::InvalidManifest,
            format!(
                "{} has no job named `{HEALTH_JOB}`",
                manifest.path.display()
            ),
        )
        .hint("add the health-check entry to the manifest (see the shipped tier1.toml)")
    })?;
    if let Some(schedule) = schedule {
        def.schedule = Schedule::parse(&schedule).map_err(|message| {
            CliError::new(
                ErrorKind::Usage,
                format!("--schedule `{schedule}`: {message}"),
            )
        })?;
    }
    if let Some(zone) = timezone {
        def.timezone = parse_zone(&zone)
            .map_err(|message| CliError::new(ErrorKind::Usage, format!("--timezone: {message}")))?;
    }

    let access = context.dkron().await?;
    let defs = [def];
    let live = Live::fetch(&access.client, &defs).await?;
    let options = PlanOptions {
        set: &manifest.set,
        whole_set: false,
        prune: false,
        force,
    };
    let item = reconcile::plan(&defs, &live, options).remove(0);
    let mut outcome = reconcile::apply(&access.client, &item).await;
    if run_now && outcome.ok {
        outcome.run = Some(reconcile::run_now(&access.client, &defs[0]).await);
    }
    let writes = usize::from(item.action.writes());
    let jobs = vec![synced_job(&item, Some(outcome), Mode::Apply)];
    let result = SyncResult {
        access: access.info.clone(),
        file: manifest.path.display().to_string(),
        set: manifest.set.clone(),
        mode: Mode::Apply,
        prune: false,
        counts: count(&jobs),
        jobs,
        writes,
        run_triggered: run_now,
    };
    let human = render_human(&result, context.printer.styles());
    let job = &result.jobs[0];
    let failure = if job.ok {
        job.run.as_ref().filter(|run| !run.ok).map(|run| {
            CliError::new(
                ErrorKind::RunFailed,
                format!(
                    "{HEALTH_JOB} was written but its run failed: {}",
                    run.error.as_deref().unwrap_or("")
                ),
            )
        })
    } else {
        Some(CliError::new(
            ErrorKind::SyncFailed,
            format!("{HEALTH_JOB}: {}", job.error.as_deref().unwrap_or("failed")),
        ))
    };
    let mut report = Report::new(&result, human).next(
        "joelclaw restate cron list",
        "see the job's next fire time and its success/error counts",
    );
    if let Some(failure) = failure {
        report = report.failed(failure);
    }
    Ok(report)
}
