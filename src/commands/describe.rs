//! `describe JOB` (also `get JOB`): one job in full, the way `kubectl describe` shows an object:
//! what it is and who owns it, when it fires (its next fires from the robfig-exact evaluator
//! beside Dkron's own `next`), what it calls and with what, its pause record, its counters and
//! its last executions with the Restate invocation each produced. `-o json|yaml` gives the job as
//! Dkron stores it (headers that came from the environment masked) with the same extras.

use clap_complete::ArgValueCompleter;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::Context;
use crate::dkron::{ENV_HEADERS_KEY, Execution, Job};
use crate::job_view::JobState;
use crate::output::{Report, Styles, now, relative, when};
use crate::ownership::{DEFAULT_SET, Ownership};
use crate::redact::MASK;
use crate::restate::target::RestateTarget;
use crate::schedule::LiveSchedule;
use crate::terminal::safe;
use crate::tunnel::AccessInfo;

/// How many executions and next fires a description shows.
const SHOWN: usize = 5;

/// Show one job in full: schedule, next fires, target, ownership, pause record, last runs.
///
/// Like `kubectl describe`: the schedule and its next fires by Dkron's rules beside Dkron's own
/// `next`, the target URL, body and headers (values from the environment masked), ownership,
/// the pause record, the counters and the last executions with their Restate invocation ids.
/// `-o json|yaml` gives the job as Dkron stores it.
#[derive(Debug, clap::Args)]
pub struct DescribeArgs {
    /// The job's name.
    #[arg(value_parser = crate::names::job_name_arg, add = ArgValueCompleter::new(crate::completion::job_names))]
    pub name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeResult {
    #[serde(flatten)]
    pub access: AccessInfo,
    /// The job as Dkron stores it, environment-supplied header values masked.
    pub job: Job,
    pub state: JobState,
    /// Relative to the shipped set (`tier1`).
    pub ownership: String,
    pub target: Option<String>,
    /// The next fires by Dkron's own rules (robfig v3), in UTC.
    pub next_fires: Vec<DateTime<Utc>>,
    /// Why `nextFires` is empty when it is (a schedule that never fires, `@manually`).
    pub schedule_note: Option<String>,
    pub pause_record: Option<String>,
    pub executions: Vec<ExecutionSummary>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionSummary {
    pub started_at: Option<DateTime<Utc>>,
    pub node: String,
    pub attempt: u32,
    pub state: &'static str,
    pub invocation_id: Option<String>,
}

pub async fn run(context: &Context, args: DescribeArgs) -> anyhow::Result<Report> {
    let access = context.dkron().await?;
    let mut job = super::require_job(&access.client, &args.name).await?;
    let mut executions = access.client.executions(&args.name).await?;
    executions.sort_by_key(|execution| std::cmp::Reverse(execution.started_at));
    mask_environment_headers(&mut job);
    let now = now();
    let (next_fires, schedule_note) = next_fires(&job, now);
    let result = DescribeResult {
        access: access.info.clone(),
        state: JobState::of(&job),
        ownership: ownership(&job),
        target: job
            .executor_config
            .get("url")
            .and_then(|url| RestateTarget::parse(url, &job.metadata).ok())
            .map(|target| target.display()),
        next_fires,
        schedule_note,
        pause_record: job.pause_record(),
        executions: executions.iter().take(SHOWN).map(summary).collect(),
        job,
    };
    let human = render_human(&result, now, context.printer.styles());
    let name = result.job.name.clone();
    Ok(Report::new(&result, human)
        .names([name.clone()])
        .next(
            format!("joelclaw restate cron trace {name}"),
            "follow its recent fires to their Restate invocations",
        )
        .next(
            format!("joelclaw restate cron history {name}"),
            "see all its executions",
        ))
}

/// Headers this tool wrote from `${env:…}` carry secrets: show the reference, never the value.
fn mask_environment_headers(job: &mut Job) {
    let from_environment = job.env_headers();
    let Some(text) = job.executor_config.get("headers") else {
        return;
    };
    let Ok(entries) = serde_json::from_str::<Vec<String>>(text) else {
        return;
    };
    let masked: Vec<String> = entries
        .into_iter()
        .map(|entry| {
            let name = entry
                .split(':')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            match from_environment.get(&name.to_ascii_lowercase()) {
                Some(template) => format!("{name}: {MASK} {template}"),
                None => entry,
            }
        })
        .collect();
    job.executor_config.insert(
        "headers".to_string(),
        serde_json::to_string(&masked).expect("strings serialize"),
    );
}

fn ownership(job: &Job) -> String {
    match Ownership::of(job, DEFAULT_SET) {
        Ownership::Owned => format!("managed by joelclaw, set `{DEFAULT_SET}`"),
        Ownership::OtherSet(set) => format!("managed by joelclaw, set `{set}`"),
        other => other.to_string(),
    }
}

/// The next fires by Dkron's rules; a job without a zone runs in the server's, shown as UTC.
fn next_fires(job: &Job, now: DateTime<Utc>) -> (Vec<DateTime<Utc>>, Option<String>) {
    match LiveSchedule::parse(&job.name, &job.schedule, &job.timezone, Tz::UTC) {
        Ok(schedule) => {
            let fires = schedule.fires(now, SHOWN);
            let note = if fires.is_empty() {
                Some(
                    schedule
                        .cadence()
                        .unwrap_or_else(|| "never fires".to_string()),
                )
            } else if job.timezone.is_empty() {
                Some("no timezone: Dkron uses its server's zone; shown as UTC".to_string())
            } else {
                None
            };
            (fires, note)
        }
        Err(error) => (Vec::new(), Some(format!("Dkron cannot read it: {error}"))),
    }
}

fn summary(execution: &Execution) -> ExecutionSummary {
    ExecutionSummary {
        started_at: execution.started_at.map(|time| time.with_timezone(&Utc)),
        node: execution.node_name.clone(),
        attempt: execution.attempt,
        state: execution.state().as_str(),
        invocation_id: execution.invocation_id(),
    }
}

fn render_human(result: &DescribeResult, now: DateTime<Utc>, styles: Styles) -> String {
    let job = &result.job;
    let config = |key: &str| job.executor_config.get(key).map(String::as_str);
    let mut text = String::new();
    let mut field = |label: &str, value: &str| {
        text.push_str(&format!("{:<15} {}\n", format!("{label}:"), value));
    };
    field("Name", &safe(&job.name));
    if !job.displayname.is_empty() && job.displayname != job.name {
        field("Display name", &safe(&job.displayname));
    }
    field("Ownership", &safe(&result.ownership));
    let state = match result.state {
        JobState::Enabled => styles.good("enabled"),
        JobState::ReEnabled => styles.bad("re-enabled outside this tool (pause record kept)"),
        JobState::Paused => styles.warn("paused"),
        JobState::Disabled => styles.warn("disabled"),
    };
    field("State", &state);
    if let Some(record) = &result.pause_record {
        field("Pause record", &safe(record));
    }
    field(
        "Schedule",
        &format!(
            "{} ({})",
            safe(&job.schedule),
            if job.timezone.is_empty() {
                "server's zone".to_string()
            } else {
                safe(&job.timezone).into_owned()
            }
        ),
    );
    let next_fires: Vec<String> = result
        .next_fires
        .iter()
        .map(|time| when(Some(*time), now))
        .collect();
    match (&result.schedule_note, next_fires.is_empty()) {
        (Some(note), true) => field("Next fires", &safe(note)),
        _ => field("Next fires", &next_fires.join("\n                ")),
    }
    if let Some(note) = result
        .schedule_note
        .as_ref()
        .filter(|_| !next_fires.is_empty())
    {
        field("", &styles.dim(note));
    }
    field("Dkron's next", &when(job.next, now));
    field("Executor", &safe(&job.executor));
    if let Some(target) = &result.target {
        field("Target", &safe(target));
    }
    if let Some(url) = config("url") {
        field(
            "URL",
            &format!("{} {}", config("method").unwrap_or("GET"), safe(url)),
        );
    }
    if let Some(headers) = config("headers")
        .and_then(|text| serde_json::from_str::<Vec<String>>(text).ok())
        .filter(|headers| !headers.is_empty())
    {
        let shown: Vec<String> = headers
            .iter()
            .map(|header| safe(header).into_owned())
            .collect();
        field("Headers", &shown.join("\n                "));
    }
    if let Some(body) = config("body").filter(|body| !body.is_empty()) {
        field("Body", &safe(body));
    }
    field(
        "Retries",
        &format!(
            "{} (timeout {} s)",
            job.retries,
            config("timeout").map_or_else(|| "Dkron's default, 30".to_string(), str::to_string)
        ),
    );
    field(
        "Runs",
        &format!(
            "{} ok, {} failed; last success {}; last error {}",
            job.success_count,
            job.error_count,
            when(job.last_success, now),
            when(job.last_error, now)
        ),
    );
    let metadata: Vec<String> = job
        .metadata
        .iter()
        .filter(|(key, _)| key.as_str() != ENV_HEADERS_KEY)
        .map(|(key, value)| format!("{}={}", safe(key), safe(value)))
        .collect();
    if !metadata.is_empty() {
        field("Metadata", &metadata.join("\n                "));
    }
    if result.executions.is_empty() {
        text.push_str("\nNo executions yet.\n");
    } else {
        let mut rows = styles.grid(&["started", "node", "attempt", "result", "restate invocation"]);
        for execution in &result.executions {
            rows.add_row(vec![
                execution
                    .started_at
                    .map_or_else(|| "-".to_string(), |time| relative(time, now)),
                safe(&execution.node).into_owned(),
                execution.attempt.to_string(),
                match execution.state {
                    "succeeded" => styles.good("ok"),
                    "running" => styles.warn("running"),
                    _ => styles.bad("failed"),
                },
                execution
                    .invocation_id
                    .as_deref()
                    .map_or_else(|| "-".to_string(), |id| safe(id).into_owned()),
            ]);
        }
        text.push_str(&format!("\nLast executions:\n{rows}"));
    }
    text
}
