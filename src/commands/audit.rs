//! `audit`: is the soak clean? For each job over a window, the slots its schedule expected against
//! what Dkron fired and what Restate did with each fire; exit 0 only when every job is clean.
//!
//! Read the jobs (one list), their executions (one request each) and what Restate has (its services
//! and one SQL query for every invocation), judge each job (`crate::audit`), show one row per job
//! and then the findings. Restate unreachable is never clean.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use clap_complete::ArgValueCompleter;
use serde::Serialize;

use super::Context;
use crate::audit::{Counts, Finding, JobAudit, Judge, RestateView, age, first_line, judge_job};
use crate::cli::{parse_duration, parse_time};
use crate::dkron::{Job, MANAGED_BY_KEY, MANAGED_BY_VALUE};
use crate::error::{CliError, ErrorKind};
use crate::evidence;
use crate::fires::{Window, timeline};
use crate::output::{Report, Styles, now, plural};
use crate::schedule::{LiveSchedule, parse_zone};
use crate::terminal::safe;
use crate::tunnel::AccessInfo;

/// Check the soak: each job's expected fires against what Dkron and Restate did.
///
/// For each job (every job joelclaw manages, or those of --set, or the JOBs named) over the
/// window, count the slots its schedule expected, the fires Dkron made, and what Restate did with
/// each: missed fires, double fires, off-schedule fires (runs by hand), failed sends, pipeline
/// failures, invocations stuck after --stuck-after, unregistered targets. Slots while a job was
/// paused are not expected. The result says what the evidence covers (Dkron keeps 100 executions
/// per job; Restate keeps completed invocations for its retention, 1 day by default).
///
/// Exit 0 only when every job is clean; 1 when anything is wrong or the evidence is missing
/// (Restate unreachable is never clean), so `audit --since 24h` can gate the next migration.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Only these jobs (any job in Dkron, managed or not).
    #[arg(value_parser = crate::names::job_name_arg, add = ArgValueCompleter::new(crate::completion::job_names))]
    pub jobs: Vec<String>,

    /// Start of the window: a duration before now (`24h`, `90m`, `2d`) or an RFC 3339 time.
    #[arg(long, default_value = "24h", value_name = "DURATION|TIME", value_parser = parse_since)]
    pub since: Since,

    /// End of the window (RFC 3339; default: now).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub until: Option<DateTime<Utc>>,

    /// Only the managed jobs of this set.
    #[arg(long, value_name = "SET", conflicts_with = "jobs")]
    pub set: Option<String>,

    /// How far from its slot a fire may start and still count (narrowed to half the gap between
    /// a job's slots).
    #[arg(long, default_value = "30s", value_name = "DURATION", value_parser = parse_duration)]
    pub tolerance: Duration,

    /// An invocation not completed this long after it was created counts as stuck.
    #[arg(long, default_value = "15m", value_name = "DURATION", value_parser = parse_duration)]
    pub stuck_after: Duration,

    /// The time zone of Dkron's servers, in which Dkron reads `@` descriptors and jobs without a
    /// timezone.
    #[arg(long, default_value = "UTC", value_name = "ZONE", value_parser = parse_zone)]
    pub server_timezone: Tz,
}

/// `--since`: a duration back from the window's end, or a fixed time.
#[derive(Debug, Clone)]
pub enum Since {
    Ago(Duration),
    At(DateTime<Utc>),
}

fn parse_since(text: &str) -> Result<Since, String> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(Since::At(time.to_utc()));
    }
    parse_duration(text)
        .map(Since::Ago)
        .map_err(|_| format!("`{text}` is neither a duration (24h, 90m, 2d) nor an RFC 3339 time"))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditResult {
    #[serde(flatten)]
    pub access: AccessInfo,
    pub restate: RestateSide,
    pub window: Window,
    pub now: DateTime<Utc>,
    pub tolerance_seconds: i64,
    pub stuck_after_seconds: i64,
    pub evidence: EvidenceCover,
    /// Requests sent to Dkron: one job list and one executions request per job.
    pub dkron_requests: usize,
    pub clean: bool,
    pub summary: Summary,
    pub jobs: Vec<JobAudit>,
    /// Every job's findings, oldest first.
    pub findings: Vec<Finding>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestateSide {
    pub reachable: bool,
    pub access: Option<AccessInfo>,
    pub version: Option<String>,
    pub error: Option<String>,
    /// SQL queries sent to `/query`.
    pub queries: usize,
    /// Requests sent to Restate's admin API (version, services and the queries).
    pub requests: usize,
}

/// What the evidence covers, in words and times.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceCover {
    /// The earliest time from which Dkron's record is complete for every job.
    pub dkron_since: DateTime<Utc>,
    /// The earliest creation time from which Restate still keeps every completed invocation.
    pub restate_since: Option<DateTime<Utc>>,
    pub complete: bool,
    pub statement: String,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub jobs: usize,
    pub clean: usize,
    pub not_clean: usize,
    pub totals: Counts,
}

pub async fn run(context: &Context, args: AuditArgs) -> anyhow::Result<Report> {
    let AuditArgs {
        jobs: names,
        since,
        until,
        set,
        tolerance,
        stuck_after,
        server_timezone,
    } = args;
    let now = now();
    let to = until.unwrap_or(now);
    let from = match since {
        Since::Ago(duration) => to - duration,
        Since::At(time) => time,
    };
    if from >= to {
        return Err(CliError::new(
            ErrorKind::Usage,
            format!(
                "the window is empty: --since {} is not before --until {}",
                from.to_rfc3339(),
                to.to_rfc3339()
            ),
        )
        .into());
    }
    let window = Window { from, to };

    // Dkron: the jobs in scope, then their fires.
    let access = context.dkron().await?;
    let jobs = select_jobs(&access.client, &names, set.as_deref()).await?;
    let job_fires = evidence::dkron_fires(&access.client, jobs).await?;

    // Restate: every invocation the fires in the window name, in one query.
    let ids: Vec<String> = job_fires
        .iter()
        .flat_map(|job| job.fires.iter())
        .filter(|fire| window.contains(fire.at))
        .flat_map(|fire| fire.invocation_ids())
        .collect();
    let gathered = match context.restate().await {
        Ok(restate) => evidence::restate(&restate.client, &ids)
            .await
            .map(|found| (restate.info.clone(), found, restate.client.requests_sent())),
        Err(error) => Err(error),
    };
    let (restate_side, restate_failure, evidence_found) = match gathered {
        Ok((info, found, requests)) => (
            RestateSide {
                reachable: true,
                access: Some(info),
                version: Some(found.version.version.clone()),
                error: None,
                queries: found.stats.queries,
                requests,
            },
            None,
            Some(found),
        ),
        Err(error) => {
            let text = format!("{error:#}");
            (
                RestateSide {
                    reachable: false,
                    access: None,
                    version: None,
                    error: Some(text),
                    queries: 0,
                    requests: 0,
                },
                Some(error),
                None,
            )
        }
    };
    let view = match &evidence_found {
        Some(found) => RestateView::Reached {
            registry: &found.registry,
            invocations: &found.invocations,
        },
        None => RestateView::Unreachable(
            restate_side
                .error
                .clone()
                .unwrap_or_else(|| "unreachable".to_string()),
        ),
    };

    // Judge each job.
    let judge = Judge {
        now,
        window,
        tolerance,
        stuck_after,
        restate: &view,
    };
    let audits: Vec<JobAudit> = job_fires
        .iter()
        .map(|job| {
            let line = LiveSchedule::parse(
                &job.job.name,
                &job.job.schedule,
                &job.job.timezone,
                server_timezone,
            )
            .map(|schedule| timeline(&schedule, &job.fires, window, tolerance));
            judge_job(
                &job.job,
                &job.job.schedule,
                line,
                &job.fires,
                job.executions,
                &judge,
            )
        })
        .collect();

    let mut result = result(
        access.info.clone(),
        restate_side,
        window,
        now,
        tolerance,
        stuck_after,
        audits,
    );
    result.dkron_requests = access.client.requests_sent();
    let human = render_human(&result, context.printer.styles());
    let mut report = Report::new(&result, human);
    for job in result.jobs.iter().filter(|job| !job.verdict.is_clean()) {
        report = report.next(
            format!("joelclaw restate cron trace {}", job.name),
            format!(
                "see {}'s recent fires, end to end ({})",
                job.name,
                job.verdict.as_str()
            ),
        );
    }
    let failure = if let Some(error) = restate_failure {
        let (kind, hint) = {
            let diagnosis = crate::diagnosis::diagnose(&error);
            (diagnosis.kind, diagnosis.hint)
        };
        Some(
            CliError::new(
                kind,
                format!(
                    "Restate could not be asked, so no fire's outcome is known: {}",
                    result.restate.error.as_deref().unwrap_or_default()
                ),
            )
            .hint(hint.unwrap_or_else(|| {
                "an audit without Restate is never clean; pass --restate-admin-url or fix the tunnel".to_string()
            })),
        )
    } else if result.summary.not_clean > 0 {
        let problems: Vec<String> = result
            .jobs
            .iter()
            .filter(|job| !job.verdict.is_clean())
            .map(|job| format!("{} ({})", job.name, job.verdict.as_str()))
            .collect();
        let only_unverified = result
            .jobs
            .iter()
            .filter(|job| !job.verdict.is_clean())
            .all(|job| job.verdict == crate::audit::Verdict::Unverified);
        Some(if only_unverified {
            CliError::new(
                ErrorKind::AuditIncomplete,
                format!(
                    "the evidence does not cover the whole window for {} of {} jobs: {}",
                    result.summary.not_clean,
                    result.summary.jobs,
                    problems.join(", ")
                ),
            )
            .hint("nothing wrong was seen, but part of the window could not be seen; narrow --since to what Dkron and Restate still keep")
        } else {
            CliError::new(
                ErrorKind::AuditFailed,
                format!(
                    "{} of {} jobs are not clean: {}",
                    result.summary.not_clean,
                    result.summary.jobs,
                    problems.join(", ")
                ),
            )
            .hint("`joelclaw restate cron trace JOB` shows a job's fires end to end")
        })
    } else {
        None
    };
    if let Some(failure) = failure {
        report = report.failed(failure);
    }
    Ok(report)
}

/// The jobs in scope: the named ones (any job), else the managed ones (of `--set`), by name.
async fn select_jobs(
    client: &crate::dkron::DkronClient,
    names: &[String],
    set: Option<&str>,
) -> anyhow::Result<Vec<Job>> {
    if names.is_empty() {
        let mut jobs: Vec<Job> = client
            .list_jobs(&[(MANAGED_BY_KEY, MANAGED_BY_VALUE)])
            .await?
            .into_iter()
            .filter(|job| job.is_managed() && set.is_none_or(|set| job.set() == Some(set)))
            .collect();
        jobs.sort_by(|a, b| a.name.cmp(&b.name));
        return Ok(jobs);
    }
    let mut all: std::collections::BTreeMap<String, Job> = client
        .list_jobs(&[])
        .await?
        .into_iter()
        .map(|job| (job.name.clone(), job))
        .collect();
    let mut jobs = Vec::new();
    for name in names {
        match all.remove(name) {
            Some(job) => jobs.push(job),
            None if jobs.iter().any(|job: &Job| &job.name == name) => {}
            None => {
                return Err(CliError::new(
                    ErrorKind::JobNotFound,
                    format!("Dkron has no job named `{name}`"),
                )
                .hint("`joelclaw restate cron list --all` shows every job")
                .into());
            }
        }
    }
    Ok(jobs)
}

fn result(
    access: AccessInfo,
    restate: RestateSide,
    window: Window,
    now: DateTime<Utc>,
    tolerance: Duration,
    stuck_after: Duration,
    jobs: Vec<JobAudit>,
) -> AuditResult {
    let mut summary = Summary {
        jobs: jobs.len(),
        ..Summary::default()
    };
    for job in &jobs {
        if job.verdict.is_clean() {
            summary.clean += 1;
        } else {
            summary.not_clean += 1;
        }
        let totals = &mut summary.totals;
        let counts = &job.counts;
        totals.expected += counts.expected;
        totals.fired += counts.fired;
        totals.ok += counts.ok;
        totals.missed += counts.missed;
        totals.doubled += counts.doubled;
        totals.failed += counts.failed;
        totals.pipeline_failed += counts.pipeline_failed;
        totals.stuck += counts.stuck;
        totals.in_flight += counts.in_flight;
        totals.unverified += counts.unverified;
        totals.off_schedule += counts.off_schedule;
        totals.paused += counts.paused;
    }
    let dkron_since = jobs
        .iter()
        .map(|job| job.coverage.dkron_since)
        .max()
        .unwrap_or(window.from);
    let restate_since = jobs
        .iter()
        .filter_map(|job| job.coverage.restate_since)
        .max();
    let complete = restate.reachable && jobs.iter().all(|job| job.coverage.complete);
    let format = |time: DateTime<Utc>| time.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let statement = format!(
        "Dkron executions since {}{}; {}",
        format(dkron_since),
        if dkron_since > window.from {
            format!(
                " (the window starts {}: earlier fires are beyond Dkron's 100 kept executions)",
                format(window.from)
            )
        } else {
            String::new()
        },
        match (&restate.error, restate_since) {
            (Some(_), _) => "Restate: not reachable, so no fire's outcome is known".to_string(),
            (None, Some(since)) => format!("Restate invocations created since {}", format(since)),
            (None, None) => "Restate: every invocation asked for".to_string(),
        }
    );
    let mut findings: Vec<Finding> = jobs.iter().flat_map(|job| job.findings.clone()).collect();
    findings.sort_by_key(|finding| (finding.slot.or(finding.fired_at), finding.kind));
    AuditResult {
        access,
        clean: summary.not_clean == 0 && restate.reachable,
        restate,
        window,
        now,
        tolerance_seconds: tolerance.num_seconds(),
        stuck_after_seconds: stuck_after.num_seconds(),
        evidence: EvidenceCover {
            dkron_since,
            restate_since,
            complete,
            statement,
        },
        dkron_requests: 0,
        summary,
        jobs,
        findings,
    }
}

fn render_human(result: &AuditResult, styles: Styles) -> String {
    let format = |time: DateTime<Utc>| time.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let mut text = format!(
        "{} of {} from {} to {} ({})\n{}\n\n",
        styles.bold("Audit"),
        plural(result.summary.jobs, "job"),
        format(result.window.from),
        format(result.window.to),
        age(result.window.to - result.window.from),
        result.evidence.statement,
    );
    if result.jobs.is_empty() {
        text.push_str("No job in scope.\n");
        return text;
    }
    // Short headers: eight numbers and a verdict fit 100 columns beside a long job name.
    let mut rows = styles.grid(&[
        "job", "due", "fired", "ok", "missed", "double", "failed", "stuck", "verdict",
    ]);
    for job in &result.jobs {
        let counts = &job.counts;
        let verdict = job.verdict.as_str();
        rows.add_row(vec![
            safe(&job.name).into_owned(),
            counts.expected.to_string(),
            counts.fired.to_string(),
            counts.ok.to_string(),
            counts.missed.to_string(),
            counts.doubled.to_string(),
            (counts.failed + counts.pipeline_failed).to_string(),
            counts.stuck.to_string(),
            if job.verdict.is_clean() {
                styles.good(verdict)
            } else {
                styles.bad(verdict)
            },
        ]);
    }
    text.push_str(&format!("{rows}\n"));
    let noted: Vec<&JobAudit> = result
        .jobs
        .iter()
        .filter(|job| !job.notes.is_empty())
        .collect();
    if !noted.is_empty() {
        text.push('\n');
        for job in noted {
            for note in &job.notes {
                text.push_str(&format!(
                    "{} {}: {}\n",
                    styles.dim("note"),
                    safe(&job.name),
                    safe(note)
                ));
            }
        }
    }
    if !result.findings.is_empty() {
        text.push_str(&format!("\n{}\n", styles.bold("Findings")));
        for finding in &result.findings {
            let when = finding
                .slot
                .map(|slot| format!("slot {}", format(slot)))
                .or_else(|| finding.fired_at.map(|at| format!("fired {}", format(at))))
                .unwrap_or_default();
            let mut line = format!(
                "  {}  {}",
                safe(&finding.job),
                if finding.kind.is_problem() {
                    styles.bad(finding.kind.as_str())
                } else {
                    styles.warn(finding.kind.as_str())
                }
            );
            if !when.is_empty() {
                line.push_str(&format!("  {when}"));
            }
            if !finding.nodes.is_empty() {
                line.push_str(&format!(" on {}", safe(&finding.nodes.join(", "))));
            }
            if let Some(id) = &finding.invocation_id {
                line.push_str(&format!("  {}", safe(id)));
            }
            line.push_str(&format!("\n      {}\n", safe(&first_line(&finding.detail))));
            text.push_str(&line);
        }
    }
    let totals = &result.summary.totals;
    text.push_str(&format!(
        "\n{}: {} of {} jobs clean; {} slots expected, {} fired, {} ok, {} missed, {} doubled, {} failed sends, {} pipeline failures, {} stuck, {} in flight, {} unverified, {} off schedule\n",
        if result.clean {
            styles.good("clean")
        } else {
            styles.bad("not clean")
        },
        result.summary.clean,
        result.summary.jobs,
        totals.expected,
        totals.fired,
        totals.ok,
        totals.missed,
        totals.doubled,
        totals.failed,
        totals.pipeline_failed,
        totals.stuck,
        totals.in_flight,
        totals.unverified,
        totals.off_schedule,
    ));
    text
}
