//! A sync's result as every command that syncs reports it (`sync-tier1`, `create`,
//! `enable-health`): the JSON result, the plan table with each job's outcome, the field changes, a
//! summary in the right tense, and the failure (with its exit code) that the outcomes call for.

use chrono::Utc;
use serde::Serialize;

use super::lock::LockInfo;
use super::ready::Readiness;
use super::{Action, Applied, Mode, PlanItem, PruneRefusal, RunOutcome, Stopped, Synced};
use crate::error::{CliError, ErrorKind};
use crate::output::{Styles, now, plural};
use crate::schedule::format_in;
use crate::schedule_file::render::FieldChange;
use crate::terminal::safe;
use crate::tunnel::AccessInfo;

/// One job in the sync result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncedJob {
    pub name: String,
    pub action: Action,
    /// What happened to it in an apply (absent in a dry run or check).
    pub applied: Option<Applied>,
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

/// The plan, by action.
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

/// An apply's outcomes, by kind.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Results {
    pub written: usize,
    pub deleted: usize,
    pub unchanged: usize,
    pub kept: usize,
    pub conflict: usize,
    pub failed: usize,
    pub unverified: usize,
    pub not_attempted: usize,
    pub unknown: usize,
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
    /// An apply's outcomes (absent in a dry run or check).
    pub results: Option<Results>,
    /// Write requests Dkron accepted (creates, updates, deletes); 0 for a no-op sync.
    pub writes: usize,
    pub run_triggered: bool,
    /// Where the writes went: the base URL, or the leader's in direct mode at a follower.
    pub written_to: String,
    pub readiness: Readiness,
    /// The set's lock an apply held.
    pub lock: Option<LockInfo>,
    /// Why an apply stopped before the end of its plan.
    pub stopped: Option<Stopped>,
    /// A prune refused for deleting too much.
    pub prune_refused: Option<PruneRefusal>,
    pub verification_reads: usize,
    /// Requests the sync sent to Dkron (readiness, lock, one list, the writes, their proof, runs).
    pub dkron_requests: usize,
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

/// The result of a sync, for printing.
pub fn result(
    access: AccessInfo,
    file: String,
    set: &str,
    mode: Mode,
    prune: bool,
    run_now: bool,
    synced: Synced,
) -> SyncResult {
    let Synced {
        items,
        outcomes,
        runs,
        writes,
        stopped,
        refused,
        lock,
        readiness,
        verification_reads,
        written_to,
        dkron_requests,
    } = synced;
    let results = outcomes.as_ref().map(|outcomes| {
        let mut results = Results::default();
        for outcome in outcomes {
            let count = match outcome.applied {
                Applied::Written => &mut results.written,
                Applied::Deleted => &mut results.deleted,
                Applied::Unchanged => &mut results.unchanged,
                Applied::Kept => &mut results.kept,
                Applied::Conflict => &mut results.conflict,
                Applied::Failed => &mut results.failed,
                Applied::Unverified => &mut results.unverified,
                Applied::NotAttempted => &mut results.not_attempted,
                Applied::Unknown => &mut results.unknown,
            };
            *count += 1;
        }
        results
    });
    let jobs: Vec<SyncedJob> = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            synced_job(
                item,
                outcomes.as_ref().map(|outcomes| &outcomes[index]),
                runs[index].clone(),
            )
        })
        .collect();
    let counts = count(&jobs);
    SyncResult {
        access,
        file,
        set: set.to_string(),
        mode,
        prune,
        jobs,
        counts,
        results,
        writes,
        run_triggered: run_now,
        written_to,
        readiness,
        lock,
        stopped,
        prune_refused: refused,
        verification_reads,
        dkron_requests,
        restate_check: None,
    }
}

fn synced_job(
    item: &PlanItem,
    outcome: Option<&super::JobOutcome>,
    run: Option<RunOutcome>,
) -> SyncedJob {
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
        applied: outcome.map(|outcome| outcome.applied),
        // Not applied (a dry run or a check): nothing failed; `reason` explains a conflict.
        ok: outcome.is_none_or(|outcome| outcome.applied.ok()),
        error: outcome.and_then(|outcome| outcome.error.clone()),
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

/// The failure an apply's outcomes call for, if any, with the command line that applies it (for
/// the hints). The first that applies wins: a refused prune, a stop, failed jobs, unproven writes,
/// failed runs.
pub fn failure(result: &SyncResult, apply_command: &str) -> Option<CliError> {
    if let Some(refused) = &result.prune_refused {
        return Some(
            CliError::new(ErrorKind::PruneRefused, refused.message.clone()).hint(format!(
                "nothing was deleted; if this is meant, run `{apply_command} --prune --prune-all`"
            )),
        );
    }
    let results = result.results.as_ref()?;
    let failed = results.failed + results.conflict;
    if let Some(stopped) = &result.stopped {
        let left = results.not_attempted + results.unknown;
        let (kind, why) = match stopped {
            Stopped::Deadline { seconds } => (
                ErrorKind::SyncStopped,
                format!("the sync's {seconds}s deadline passed"),
            ),
            Stopped::RepeatedFailures { count, last } => (
                ErrorKind::SyncStopped,
                format!("{count} writes in a row got no answer ({last})"),
            ),
            Stopped::Interrupted => (ErrorKind::Interrupted, "interrupted".to_string()),
            Stopped::LockLost => (
                ErrorKind::SyncLocked,
                "the set's lock could not be renewed".to_string(),
            ),
        };
        return Some(
            CliError::new(
                kind,
                format!(
                    "{why}: {} written, {} not attempted, {} unknown, {} failed",
                    results.written + results.deleted,
                    results.not_attempted,
                    results.unknown,
                    failed
                ),
            )
            .hint(if left > 0 {
                format!("each job says what happened to it; `{apply_command}` again converges")
            } else {
                "each job says what happened to it".to_string()
            }),
        );
    }
    if failed > 0
        && let [job] = result.jobs.as_slice()
    {
        // One job (`create`, `enable-health`): its own error is the message.
        return Some(CliError::new(
            ErrorKind::SyncFailed,
            format!("{}: {}", job.name, job.error.as_deref().unwrap_or("failed")),
        ));
    }
    if failed > 0 {
        return Some(
            CliError::new(
                ErrorKind::SyncFailed,
                format!(
                    "{failed} of {} jobs failed to sync",
                    result.jobs.len()
                ),
            )
            .hint(if results.conflict > 0 {
                "the failed jobs say why; a conflict needs --force (to adopt the job) or another name, other failures converge on a re-run"
            } else {
                "the failed jobs say why; re-running converges"
            }),
        );
    }
    if results.unverified > 0 {
        return Some(
            CliError::new(
                ErrorKind::SyncUnverified,
                format!(
                    "Dkron accepted every write, but {} could not be read back in time",
                    plural(results.unverified, "job")
                ),
            )
            .hint(format!(
                "the node answering reads is behind its leader; `{apply_command} --check` shows whether they are stored"
            )),
        );
    }
    let runs_failed = result
        .jobs
        .iter()
        .filter(|job| job.run.as_ref().is_some_and(|run| !run.ok))
        .count();
    if runs_failed > 0
        && let [job] = result.jobs.as_slice()
    {
        return Some(CliError::new(
            ErrorKind::RunFailed,
            format!(
                "{} was written but its run failed: {}",
                job.name,
                safe(
                    job.run
                        .as_ref()
                        .and_then(|run| run.error.as_deref())
                        .unwrap_or("")
                )
            ),
        ));
    }
    (runs_failed > 0).then(|| {
        CliError::new(
            ErrorKind::RunFailed,
            format!("{} failed", plural(runs_failed, "triggered run")),
        )
        .hint("the jobs were synced; see each job's run error")
    })
}

/// `-q`: the jobs that change, one a line (`create name`; past tense after an apply), and
/// nothing for a drift check, whose exit code is the answer.
pub fn render_quiet(result: &SyncResult) -> String {
    if result.mode == Mode::Check {
        return String::new();
    }
    result
        .jobs
        .iter()
        .filter(|job| shown_by_default(job))
        .map(|job| {
            let what = match (result.mode, job.applied) {
                (Mode::Apply, Some(Applied::Written)) if job.action == Action::Create => "created",
                (Mode::Apply, Some(Applied::Written)) => "updated",
                (Mode::Apply, Some(Applied::Deleted)) => "deleted",
                (Mode::Apply, Some(Applied::Failed | Applied::Conflict)) => "failed",
                (Mode::Apply, Some(Applied::Unverified)) => "unverified",
                (Mode::Apply, Some(Applied::NotAttempted)) => "not-attempted",
                (Mode::Apply, Some(Applied::Unknown)) => "unknown",
                _ => job.action.as_str(),
            };
            format!("{what} {}\n", safe(&job.name))
        })
        .collect()
}

/// Whether a job has a row without `-o wide`: it changes, or something about it needs saying.
fn shown_by_default(job: &SyncedJob) -> bool {
    job.action != Action::Unchanged
        || job.error.is_some()
        || job.run.is_some()
        || job.reason.is_some()
        || job
            .applied
            .is_some_and(|applied| !matches!(applied, Applied::Unchanged | Applied::Kept))
}

/// The plan table, the field changes under it and a summary line. Unchanged jobs are counted,
/// not listed, unless `-o wide` (a no-op sync of 1000 jobs is a line, not a thousand).
pub fn render_human(result: &SyncResult, styles: Styles) -> String {
    let wide = styles.layout().wide;
    let mut table = styles.grid(&["job", "action", "schedule", "next fire", "result"]);
    let mut hidden = 0;
    for job in &result.jobs {
        if !wide && !shown_by_default(job) {
            hidden += 1;
            continue;
        }
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
        let reason = || {
            job.reason
                .as_deref()
                .map_or_else(|| "-".to_string(), |reason| safe(reason).into_owned())
        };
        let outcome = match (job.applied, &job.error) {
            (None, _) => reason(),
            (Some(Applied::Written), _) => styles.good("written"),
            (Some(Applied::Deleted), _) => styles.good("deleted"),
            (Some(Applied::Unchanged | Applied::Kept), _) => match &job.reason {
                Some(reason) => format!("ok; {}", safe(reason)),
                None => "ok".to_string(),
            },
            (Some(Applied::Unverified), _) => styles.warn("written, not verified"),
            (Some(Applied::NotAttempted), _) => styles.warn("not attempted"),
            (Some(Applied::Unknown), _) => styles.warn("unknown (no answer)"),
            (Some(Applied::Failed | Applied::Conflict), error) => {
                styles.bad(&format!("failed: {}", safe(error.as_deref().unwrap_or(""))))
            }
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
    let listed = result.jobs.len() - hidden;
    let mut text = format!(
        "{} {} (set `{}`) against {}\n",
        styles.bold(match result.mode {
            Mode::Apply => "Sync",
            Mode::DryRun => "Plan (dry run)",
            Mode::Check => "Drift check",
        }),
        result.file,
        result.set,
        result.access.base_url,
    );
    if listed > 0 {
        text.push_str(&format!("{table}\n"));
    }
    if hidden > 0 {
        text.push_str(&format!(
            "{} match the file{}\n",
            if listed == 0 {
                format!("All {}", plural(hidden, "job"))
            } else {
                plural(hidden, "other job")
            },
            styles.dim(" (-o wide lists them)")
        ));
    }
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
    if let Some(refused) = &result.prune_refused {
        text.push_str(&format!(
            "\n{} {}; it would delete: {}\n",
            styles.bad("prune refused:"),
            refused.message,
            safe(&refused.would_delete.join(", "))
        ));
    }
    let counts = &result.counts;
    text.push('\n');
    text.push_str(&match &result.results {
        // After an apply: what happened, in the past tense.
        Some(results) => {
            let parts: Vec<String> = [
                (
                    count_of(result, Action::Create, Applied::Written),
                    "created",
                ),
                (
                    count_of(result, Action::Update, Applied::Written),
                    "updated",
                ),
                (results.deleted, "deleted"),
                (results.unchanged, "unchanged"),
                (results.kept, "stale (kept)"),
                (results.conflict, "conflicting"),
            ]
            .into_iter()
            .filter(|(count, _)| *count > 0)
            .map(|(count, what)| format!("{count} {what}"))
            .collect();
            let mut line = format!(
                "{}; {}",
                if parts.is_empty() {
                    "no jobs".to_string()
                } else {
                    parts.join(", ")
                },
                plural(result.writes, "write")
            );
            for (count, what) in [
                (results.failed + results.conflict, "failed"),
                (results.unverified, "not verified"),
                (results.not_attempted, "not attempted"),
                (results.unknown, "unknown"),
            ] {
                if count > 0 {
                    line.push_str(&format!(", {}", styles.bad(&format!("{count} {what}"))));
                }
            }
            line
        }
        None => format!(
            "{} to create, {} to update, {} unchanged, {} to delete, {} stale, {} conflicts",
            counts.create,
            counts.update,
            counts.unchanged,
            counts.delete,
            counts.stale,
            counts.conflict
        ),
    });
    text.push('\n');
    text
}

fn count_of(result: &SyncResult, action: Action, applied: Applied) -> usize {
    result
        .jobs
        .iter()
        .filter(|job| job.action == action && job.applied == Some(applied))
        .count()
}

fn quote(text: &str) -> String {
    if text.is_empty() {
        "(none)".to_string()
    } else {
        format!("{text:?}")
    }
}
