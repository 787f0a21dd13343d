//! `enable-health`: upsert the Restate health-check job from the manifest, with overrides.
//!
//! The definition is the manifest's `restate-health-check` entry, so `enable-health` and
//! `sync-tier1` never fight over it; `--schedule` and `--timezone` override it for this write (a
//! later `sync-tier1` puts the file's values back and says so in its plan). The job is always
//! written enabled.

use super::{Context, load_schedule_file};
use crate::cli::ScheduleFileArgs;
use crate::error::{CliError, ErrorKind};
use crate::output::Report;
use crate::schedule::{Schedule, parse_zone};

/// The manifest entry this command writes.
pub const HEALTH_JOB: &str = "restate-health-check";

/// Create or update the Restate health-check job (from tier1.toml), optionally run it now.
#[derive(Debug, clap::Args)]
pub struct EnableHealthArgs {
    #[command(flatten)]
    pub manifest: ScheduleFileArgs,

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
    let manifest = load_schedule_file(&manifest)?;
    let mut def = manifest.job(HEALTH_JOB).cloned().ok_or_else(|| {
        CliError::new(
            ErrorKind::InvalidManifest,
            format!(
                "{} has no job named `{HEALTH_JOB}`",
                manifest.path.display()
            ),
        )
        .hint("add the health-check entry to the schedule file (see the shipped tier1.toml)")
    })?;
    if let Some(schedule) = schedule {
        def.schedule = Schedule::parse(&schedule).map_err(|message| {
            CliError::new(
                ErrorKind::InvalidJob,
                format!("--schedule `{schedule}`: {message}"),
            )
        })?;
    }
    if let Some(zone) = timezone {
        def.timezone = parse_zone(&zone).map_err(|message| {
            CliError::new(ErrorKind::InvalidJob, format!("--timezone: {message}"))
        })?;
    }

    // The command's name is its promise: the job is written enabled, whatever the file says.
    def.enabled = true;
    let source = manifest.path.display().to_string();
    super::sync_one(context, def, source, force, run_now).await
}
