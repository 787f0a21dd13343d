//! `sync-tier1`: make Dkron's jobs match `tier1.toml`.
//!
//! Load the file, read the live jobs, plan, show the plan; then stop (`--dry-run`), gate on drift
//! (`--check`, exit 3) or apply it job by job, reading each write back, and optionally fire each
//! synced job once (`--run-now`). A failed job does not stop the others; the exit code says whether
//! all of them made it.

use chrono::Utc;
use serde::Serialize;

use super::{Context, load_manifest};
use crate::cli::ManifestArgs;
use crate::error::{CliError, ErrorKind};
use crate::manifests::JobDef;
use crate::manifests::render::FieldChange;
use crate::output::{Report, Styles, now, table};
use crate::reconcile::{self, Action, Live, Outcome, PlanItem, PlanOptions, RunOutcome};
use crate::restate::admin::Registration;
use crate::schedule::format_in;
use crate::terminal::safe;
use crate::tunnel::AccessInfo;

/// Make Dkron's jobs match tier1.toml: plan, then create, update or prune.
///
/// Only jobs whose metadata says `managed-by = joelclaw` and whose `set` is the file's are ever
/// changed or pruned; a job with a wanted name that something else owns is reported as a conflict
/// (use --force to adopt it). A second run right after a sync writes nothing.
#[derive(Debug, clap::Args)]
pub struct SyncTier1Args {
    #[command(flatten)]
    pub manifest: ManifestArgs,

    /// Print the plan and change nothing.
    #[arg(long, conflicts_with = "check")]
    pub dry_run: bool,

    /// Change nothing; exit 3 when Dkron differs from the file (a CI drift gate).
    #[arg(long)]
    pub check: bool,

    /// Delete jobs of this file's set that the file no longer lists.
    #[arg(long)]
    pub prune: bool,

    /// Adopt jobs with a wanted name that this tool does not own (or another set owns).
    #[arg(long)]
    pub force: bool,

    /// Trigger each synced, enabled job once after applying (waits for each run to finish).
    #[arg(long, conflicts_with_all = ["dry_run", "check"])]
    pub run_now: bool,
}

/// How a sync was asked to behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Apply,
    DryRun,
    Check,
}

/// One job in the sync result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncedJob {
    pub name: String,
    pub action: Action,
    pub ok: bool,
    pub error: Option<String>,
    pub reason: Option<String>,
    pub changes: Vec<FieldChange>,
    pub schedule: Option<String>,
    pub timezone: Option<String>,
    pub next_fires: Vec<String>,
    pub cadence: Option<String>,
    pub migrated_from: Option<String>,
    pub url: Option<String>,
    /// The executor config as written (or to be written), secrets redacted.
    pub executor_config: Option<std::collections::BTreeMap<String, String>>,
    pub run: Option<RunOutcome>,
}

#[derive(Debug, Default, Serialize)]
pub struct Counts {
    pub create: usize,
    pub update: usize,
    pub unchanged: usize,
    pub delete: usize,
    pub stale: usize,
    pub conflict: usize,
    pub failed: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncResult {
    #[serde(flatten)]
    pub access: AccessInfo,
    pub file: String,
    pub set: String,
    pub mode: Mode,
    pub prune: bool,
    pub jobs: Vec<SyncedJob>,
    pub counts: Counts,
    /// Write requests sent to Dkron (creates, updates, deletes); 0 for a no-op sync.
    pub writes: usize,
    pub run_triggered: bool,
    /// A dry run's check that Restate has the targets of the jobs it would write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restate_check: Option<RestateCheck>,
}

/// Whether the jobs a dry run would write fire registered Restate handlers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestateCheck {
    pub reachable: bool,
    pub error: Option<String>,
    /// One line per job whose target Restate does not have.
    pub warnings: Vec<String>,
}

pub async fn run(context: &Context, args: SyncTier1Args) -> anyhow::Result<Report> {
    let SyncTier1Args {
        manifest,
        dry_run,
        check,
        prune,
        force,
        run_now,
    } = args;
    let manifest = load_manifest(&manifest)?;
    let access = context.dkron().await?;
    let live = Live::fetch(&access.client, &manifest.jobs).await?;
    let options = PlanOptions {
        set: &manifest.set,
        whole_set: true,
        prune,
        force,
    };
    let items = reconcile::plan(&manifest.jobs, &live, options);
    let mode = if check {
        Mode::Check
    } else if dry_run {
        Mode::DryRun
    } else {
        Mode::Apply
    };

    let mut outcomes: Vec<Option<Outcome>> = vec![None; items.len()];
    let mut writes = 0;
    if mode == Mode::Apply {
        let total = items.len();
        for (index, (item, outcome)) in items.iter().zip(outcomes.iter_mut()).enumerate() {
            context.printer.progress(&format!(
                "sync {}/{total}: {} {}",
                index + 1,
                item.action.as_str(),
                item.name
            ));
            let mut applied = reconcile::apply(&access.client, item).await;
            if item.action.writes() && applied.ok {
                writes += 1;
            }
            // Dkron refuses to run a disabled job (404), so those are not triggered at all.
            if let Some(def) = item
                .def
                .as_ref()
                .filter(|def| run_now && applied.ok && def.enabled)
            {
                applied.run = Some(reconcile::run_now(&access.client, def).await);
            }
            *outcome = Some(applied);
        }
        context.printer.progress_done();
    }

    let restate_check = match mode {
        Mode::DryRun => Some(check_targets(context, &items).await),
        _ => None,
    };
    let jobs: Vec<SyncedJob> = items
        .iter()
        .zip(outcomes)
        .map(|(item, outcome)| synced_job(item, outcome))
        .collect();
    let counts = count(&jobs);
    let result = SyncResult {
        access: access.info.clone(),
        file: manifest.path.display().to_string(),
        set: manifest.set.clone(),
        mode,
        prune,
        jobs,
        counts,
        writes,
        run_triggered: run_now,
        restate_check,
    };
    let human = render_human(&result, context.printer.styles());
    let drift = result.jobs.iter().any(|job| job.action.is_drift());
    let failed = result.counts.failed;
    let runs_failed = result
        .jobs
        .iter()
        .filter(|job| job.run.as_ref().is_some_and(|run| !run.ok))
        .count();
    let file = result.file.clone();
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
    report = match mode {
        Mode::Check if drift => report.failed(
            CliError::new(ErrorKind::Drift, "Dkron differs from the file").hint(format!(
                "run `joelclaw restate cron sync-tier1 --file {file}` to apply it"
            )),
        ),
        Mode::Check => report,
        Mode::DryRun => report.next(
            format!("joelclaw restate cron sync-tier1 --file {file}"),
            "apply this plan",
        ),
        Mode::Apply if failed > 0 => report.failed(
            CliError::new(
                ErrorKind::SyncFailed,
                format!("{failed} of {} jobs failed to sync", result.jobs.len()),
            )
            .hint(if result.counts.conflict > 0 {
                "the failed jobs say why; a conflict needs --force (to adopt the job) or another name, other failures converge on a re-run"
            } else {
                "the failed jobs say why; re-running converges"
            }),
        ),
        Mode::Apply if runs_failed > 0 => report.failed(
            CliError::new(
                ErrorKind::RunFailed,
                format!("{runs_failed} triggered runs failed"),
            )
            .hint("the jobs were synced; see each job's run error"),
        ),
        Mode::Apply => report,
    };
    Ok(report.next(
        "joelclaw restate cron list",
        "see the managed jobs and their next fire times",
    ))
}

/// Plans, applies (and optionally runs) a single job, reporting it in the `sync-tier1` shape:
/// `enable-health` and `create` are syncs of one entry.
pub(super) async fn apply_one(
    context: &Context,
    def: JobDef,
    source: String,
    force: bool,
    run_now: bool,
) -> anyhow::Result<Report> {
    let access = context.dkron().await?;
    let name = def.name.clone();
    let set = def.set.clone();
    let defs = [def];
    let live = Live::fetch(&access.client, &defs).await?;
    let options = PlanOptions {
        set: &set,
        whole_set: false,
        prune: false,
        force,
    };
    let item = reconcile::plan(&defs, &live, options).remove(0);
    let mut outcome = reconcile::apply(&access.client, &item).await;
    if run_now && outcome.ok && defs[0].enabled {
        outcome.run = Some(reconcile::run_now(&access.client, &defs[0]).await);
    }
    let writes = usize::from(item.action.writes() && outcome.ok);
    let jobs = vec![synced_job(&item, Some(outcome))];
    let result = SyncResult {
        access: access.info.clone(),
        file: source,
        set,
        mode: Mode::Apply,
        prune: false,
        counts: count(&jobs),
        jobs,
        writes,
        run_triggered: run_now,
        restate_check: None,
    };
    let human = render_human(&result, context.printer.styles());
    let job = &result.jobs[0];
    let failure = if job.ok {
        job.run.as_ref().filter(|run| !run.ok).map(|run| {
            CliError::new(
                ErrorKind::RunFailed,
                format!(
                    "{name} was written but its run failed: {}",
                    safe(run.error.as_deref().unwrap_or(""))
                ),
            )
        })
    } else {
        Some(CliError::new(
            ErrorKind::SyncFailed,
            format!("{name}: {}", job.error.as_deref().unwrap_or("failed")),
        ))
    };
    let mut report = Report::new(&result, human).next(
        "joelclaw restate cron list",
        "see the job, its next fire time and its success/error counts",
    );
    if let Some(failure) = failure {
        report = report.failed(failure);
    }
    Ok(report)
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

fn synced_job(item: &PlanItem, outcome: Option<Outcome>) -> SyncedJob {
    let (ok, error, run) = match outcome {
        Some(outcome) => (outcome.ok, outcome.error, outcome.run),
        // Not applied: a conflict is still a job that cannot be synced as the file says.
        // Not applied (a dry run or a check): nothing failed; `reason` explains a conflict.
        None => (true, None, None),
    };
    let def = item.def.as_ref();
    let next_fires = def
        .map(|def| {
            def.schedule
                .next_fires(def.timezone, now().with_timezone(&Utc), 3)
                .iter()
                .map(|time| time.to_rfc3339())
                .collect()
        })
        .unwrap_or_default();
    SyncedJob {
        name: item.name.clone(),
        action: item.action,
        ok,
        error,
        reason: item.reason.clone(),
        changes: item.changes.clone(),
        schedule: item
            .rendered
            .as_ref()
            .map(|rendered| rendered.schedule.clone())
            .or_else(|| item.live.as_ref().map(|job| job.schedule.clone())),
        timezone: def.map(|def| def.timezone.name().to_string()),
        next_fires,
        cadence: def.and_then(|def| def.schedule.cadence()),
        migrated_from: def.and_then(|def| def.migrated_from.clone()),
        url: item
            .rendered
            .as_ref()
            .map(|rendered| rendered.executor_config["url"].clone()),
        executor_config: item
            .rendered
            .as_ref()
            .map(|rendered| rendered.display_executor_config()),
        run,
    }
}

fn count(jobs: &[SyncedJob]) -> Counts {
    let mut counts = Counts::default();
    for job in jobs {
        match job.action {
            Action::Create => counts.create += 1,
            Action::Update => counts.update += 1,
            Action::Unchanged => counts.unchanged += 1,
            Action::Delete => counts.delete += 1,
            Action::Stale => counts.stale += 1,
            Action::Conflict => counts.conflict += 1,
        }
        if !job.ok {
            counts.failed += 1;
        }
    }
    counts
}

/// The plan table, the field changes under it and a summary line.
pub fn render_human(result: &SyncResult, styles: Styles) -> String {
    let mut table = table(&["job", "action", "schedule", "next fire", "result"]);
    for job in &result.jobs {
        let action = match job.action {
            Action::Unchanged => styles.dim("unchanged"),
            Action::Create | Action::Update => styles.good(job.action.as_str()),
            Action::Delete | Action::Stale | Action::Conflict => styles.warn(job.action.as_str()),
        };
        let schedule = match (&job.schedule, &job.timezone) {
            (Some(schedule), Some(zone)) => format!("{schedule} ({zone})"),
            (Some(schedule), None) => schedule.clone(),
            _ => String::new(),
        };
        let next = job
            .next_fires
            .first()
            .and_then(|time| chrono::DateTime::parse_from_rfc3339(time).ok())
            .map(|time| format_in(&time.with_timezone(&Utc)))
            .or_else(|| job.cadence.clone())
            .unwrap_or_else(|| "-".to_string());
        let outcome = match (result.mode, job.ok, &job.error) {
            (_, false, Some(error)) => styles.bad(&format!("failed: {}", safe(error))),
            (Mode::Apply, true, _) if job.action.writes() => styles.good("done"),
            (Mode::Apply, true, _) => match &job.reason {
                Some(reason) => format!("ok; {}", safe(reason)),
                None => "ok".to_string(),
            },
            (_, _, _) => match &job.reason {
                Some(reason) => safe(reason).into_owned(),
                None => "-".to_string(),
            },
        };
        let outcome = match &job.run {
            Some(run) if run.ok => format!("{outcome}; ran"),
            Some(run) => format!(
                "{outcome}; {}",
                styles.bad(&format!(
                    "run failed: {}",
                    safe(run.error.as_deref().unwrap_or(""))
                ))
            ),
            None => outcome,
        };
        table.add_row(vec![
            safe(&job.name).into_owned(),
            action,
            safe(&schedule).into_owned(),
            next,
            outcome,
        ]);
    }
    let mut text = format!(
        "{} {} (set `{}`) against {}\n{table}\n",
        styles.bold(match result.mode {
            Mode::Apply => "Sync",
            Mode::DryRun => "Plan (dry run)",
            Mode::Check => "Drift check",
        }),
        result.file,
        result.set,
        result.access.base_url,
    );
    for job in result.jobs.iter().filter(|job| !job.changes.is_empty()) {
        text.push_str(&format!("\n{} {}\n", styles.bold("~"), safe(&job.name)));
        for change in &job.changes {
            text.push_str(&format!(
                "    {}: {} -> {}\n",
                change.field,
                styles.bad(&quote(&change.from)),
                styles.good(&quote(&change.to))
            ));
        }
    }
    let counts = &result.counts;
    text.push_str(&format!(
        "\n{} to create, {} to update, {} unchanged, {} to delete, {} stale, {} conflicts; {} writes{}\n",
        counts.create,
        counts.update,
        counts.unchanged,
        counts.delete,
        counts.stale,
        counts.conflict,
        result.writes,
        if counts.failed > 0 {
            format!(", {}", styles.bad(&format!("{} failed", counts.failed)))
        } else {
            String::new()
        }
    ));
    text
}

fn quote(text: &str) -> String {
    if text.is_empty() {
        "(none)".to_string()
    } else {
        format!("{text:?}")
    }
}
