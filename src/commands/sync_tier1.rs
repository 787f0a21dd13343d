//! `sync-tier1`: make Dkron's jobs match `tier1.toml`.
//!
//! Load the file, sync it (`crate::reconcile`: wait until Dkron can be trusted, lock the set, read
//! once, plan, refuse a prune that takes too much, write concurrently, prove the writes), show the
//! plan with each job's outcome; a dry run also asks Restate whether it has every target. A failed
//! job does not stop the others; the exit code says whether all of them made it.

use std::time::Duration;

use super::{Context, load_schedule_file};
use crate::cli::{ScheduleFileArgs, parse_std_duration};
use crate::error::{CliError, ErrorKind};
use crate::output::Report;
use crate::reconcile::report::{self, RestateCheck};
use crate::reconcile::{self, Action, Hooks, Mode, PlanItem, SyncOptions};
use crate::restate::admin::Registration;

/// Make Dkron's jobs match tier1.toml: plan, then create, update or prune.
///
/// Only jobs whose metadata says `managed-by = joelclaw` and whose `set` is the file's are ever
/// changed or pruned; a job with a wanted name that something else owns is reported as a conflict
/// (use --force to adopt it). A second run right after a sync writes nothing. An apply takes the
/// set's lock (a Kubernetes Lease through the tunnel, a lock job in Dkron in direct mode), so two
/// syncs of one set never interleave.
#[derive(Debug, clap::Args)]
pub struct SyncTier1Args {
    #[command(flatten)]
    pub manifest: ScheduleFileArgs,

    /// Print the plan and change nothing.
    #[arg(long, conflicts_with = "check")]
    pub dry_run: bool,

    /// Change nothing; exit 3 when Dkron differs from the file (a CI drift gate).
    #[arg(long)]
    pub check: bool,

    /// Delete jobs of this file's set that the file no longer lists.
    #[arg(long)]
    pub prune: bool,

    /// Allow a prune that deletes every job of the set, or more than half of it (refused
    /// otherwise, as is --prune with a file that lists no jobs).
    #[arg(long, requires = "prune")]
    pub prune_all: bool,

    /// Adopt jobs with a wanted name that this tool does not own (or another set owns).
    #[arg(long)]
    pub force: bool,

    /// Trigger each synced, enabled job once after applying (waits for each run to finish).
    #[arg(long, conflicts_with_all = ["dry_run", "check"])]
    pub run_now: bool,

    /// Writes sent to Dkron at once.
    #[arg(long, default_value_t = reconcile::DEFAULT_CONCURRENCY as u64, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub concurrency: u64,

    /// Budget of the whole sync: past it no new write is sent and the rest are reported as not
    /// attempted (--timeout is per request).
    #[arg(long, default_value = "10m", value_name = "DURATION", value_parser = parse_std_duration)]
    pub deadline: Duration,

    /// Print only the jobs that change (`create name`, one a line); with --check, nothing: the
    /// exit code says whether Dkron drifted.
    #[arg(short = 'q', long)]
    pub quiet: bool,

    /// How long to wait for another sync of the same set to finish.
    #[arg(long, default_value = "60s", value_name = "DURATION", value_parser = parse_std_duration)]
    pub lock_timeout: Duration,
}

pub async fn run(context: &Context, args: SyncTier1Args) -> anyhow::Result<Report> {
    let SyncTier1Args {
        manifest,
        dry_run,
        check,
        prune,
        prune_all,
        force,
        run_now,
        concurrency,
        deadline,
        lock_timeout,
        quiet,
    } = args;
    let manifest = load_schedule_file(&manifest)?;
    let access = context.dkron().await?;
    let mode = if check {
        Mode::Check
    } else if dry_run {
        Mode::DryRun
    } else {
        Mode::Apply
    };
    let options = SyncOptions {
        mode,
        whole_set: true,
        prune,
        prune_all,
        force,
        run_now,
        concurrency: usize::try_from(concurrency).unwrap_or(reconcile::DEFAULT_CONCURRENCY),
        deadline,
        lock_timeout,
        request_timeout: context.request_timeout(),
    };
    let progress = |text: &str| context.printer.progress(text);
    let hooks = Hooks {
        progress: &progress,
        interrupted: context.interrupted(),
    };
    let synced = reconcile::sync(access, &manifest.jobs, &manifest.set, &options, &hooks).await;
    context.printer.progress_done();
    let synced = synced?;

    // A dry run also asks Restate whether every job it would write has a target there.
    let restate_check = match mode {
        Mode::DryRun => Some(check_targets(context, &synced.items).await),
        _ => None,
    };
    let file = manifest.path.display().to_string();
    let mut result = report::result(
        access.info.clone(),
        file.clone(),
        &manifest.set,
        mode,
        prune,
        run_now,
        synced,
    );
    result.restate_check = restate_check;
    let human = if quiet {
        report::render_quiet(&result)
    } else {
        report::render_human(&result, context.printer.styles())
    };
    let apply_command = format!(
        "joelclaw restate cron sync-tier1 --file {}",
        shlex::try_quote(&file).unwrap_or_else(|_| file.clone().into())
    );
    let drift = result.jobs.iter().any(|job| job.action.is_drift());
    let mut report = Report::new(&result, human);
    if let Some(check) = &result.restate_check {
        for warning in &check.warnings {
            report = report.warn(warning.clone());
        }
        if let Some(error) = &check.error {
            report = report.warn(format!(
                "Restate's admin API could not be reached, so the targets were not checked: {error}"
            ));
        }
    }
    if let Some(refused) = result
        .prune_refused
        .as_ref()
        .filter(|_| mode != Mode::Apply)
    {
        report = report.warn(format!(
            "an apply of this plan would be refused: {}",
            refused.message
        ));
    }
    report = match mode {
        Mode::Check if drift => report.failed(
            CliError::new(ErrorKind::Drift, "Dkron differs from the file")
                .hint(format!("run `{apply_command}` to apply it")),
        ),
        Mode::Check => report,
        Mode::DryRun => report.next(apply_command.clone(), "apply this plan"),
        Mode::Apply => match report::failure(&result, &apply_command) {
            Some(failure) => report.failed(failure),
            None => report,
        },
    };
    Ok(report.next(
        "joelclaw restate cron list",
        "see the managed jobs and their next fire times",
    ))
}

/// Asks Restate whether it has the target of every job the plan would create or update.
async fn check_targets(context: &Context, items: &[PlanItem]) -> RestateCheck {
    let registry = match context.restate().await {
        Ok(access) => access.client.registry().await.map_err(anyhow::Error::from),
        Err(error) => Err(error),
    };
    let registry = match registry {
        Ok(registry) => registry,
        Err(error) => {
            return RestateCheck {
                reachable: false,
                error: Some(format!("{error:#}")),
                warnings: Vec::new(),
            };
        }
    };
    let warnings = items
        .iter()
        .filter(|item| matches!(item.action, Action::Create | Action::Update))
        .filter_map(|item| {
            let def = item.def.as_ref()?;
            let problem = match registry.check(&def.service, &def.handler) {
                Registration::Registered => return None,
                Registration::UnknownService => format!("Restate has no service `{}`", def.service),
                Registration::UnknownHandler => format!(
                    "Restate's service `{}` has no handler `{}`",
                    def.service, def.handler
                ),
            };
            Some(format!(
                "{} would fire {}/{}, but {problem}: every fire would fail with 404 until it is registered",
                item.name, def.service, def.handler
            ))
        })
        .collect();
    RestateCheck {
        reachable: true,
        error: None,
        warnings,
    }
}
