//! `trace <job>`: a job's recent fires end to end, newest first — the slot each belongs to, the
//! Dkron executions it made, the Restate invocation Restate's 202 named, and what Restate did with
//! it — with the slots it missed in between.
//!
//! Read the job and its executions, group them into fires (`crate::fires`), match them to the
//! schedule's slots, ask Restate for every invocation in one query, and show each fire's outcome
//! (`crate::audit`). When Restate no longer keeps an invocation, the trace says so; it never
//! invents a state.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use clap_complete::ArgValueCompleter;
use serde::Serialize;

use super::Context;
use crate::audit::{FireOutcome, RestateView, age, fire_outcome, first_line, inactive};
use crate::cli::parse_duration;
use crate::error::CliError;
use crate::evidence;
use crate::fires::{Fire, Unscheduled, Window, timeline};
use crate::output::{Report, Styles, now, plural};
use crate::restate::admin::{Invocation, parse_retention};
use crate::restate::target::RestateTarget;
use crate::schedule::{LiveSchedule, parse_zone};
use crate::terminal::safe;
use crate::tunnel::AccessInfo;

/// Show a job's recent fires end to end: slot, executions, what Restate did.
///
/// Newest first. Each fire is matched to the slot of the job's schedule it belongs to (computed as
/// Dkron's scheduler computes it), or marked off schedule (a run by hand) or as the catch-up Dkron
/// makes after a stall; slots with no fire in between are shown as missed. Each invocation's state
/// comes from Restate's SQL introspection (`sys_invocation`): status, result, failure, retries,
/// times. Restate forgets completed invocations after its retention (1 day by default); the trace
/// says when it no longer has one.
#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// The job's name.
    #[arg(value_parser = crate::names::job_name_arg, add = ArgValueCompleter::new(crate::completion::job_names))]
    pub name: String,

    /// How many fires to show.
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=100))]
    pub last: u16,

    /// How far from its slot a fire may start and still count.
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

/// One line of the trace: a fire, or a slot that has none.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceLine {
    /// `scheduled`, `missed`, `off-schedule`, `catch-up` or `manual`.
    pub kind: &'static str,
    /// The slot it belongs to.
    pub slot: Option<DateTime<Utc>>,
    pub fired_at: Option<DateTime<Utc>>,
    pub execution_group: Option<String>,
    pub executions: Vec<ExecutionView>,
    pub invocations: Vec<InvocationView>,
    /// The fire's outcome end to end; absent for a missed slot.
    pub outcome: Option<FireOutcome>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionView {
    pub id: String,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub node: String,
    pub attempt: u32,
    pub success: bool,
    pub output: String,
    pub output_truncated: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvocationView {
    pub id: String,
    /// What Restate's `sys_invocation` has; absent when Restate no longer keeps it (or was not
    /// reachable).
    pub restate: Option<Invocation>,
    pub duration_ms: Option<i64>,
    /// Why `restate` is absent.
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceResult {
    #[serde(flatten)]
    pub access: AccessInfo,
    pub name: String,
    pub schedule: String,
    pub timezone: String,
    pub target: Option<String>,
    pub restate_reachable: bool,
    pub restate_error: Option<String>,
    /// Executions Dkron keeps for the job (at most 100).
    pub executions_retained: usize,
    pub lines: Vec<TraceLine>,
}

pub async fn run(context: &Context, args: TraceArgs) -> anyhow::Result<Report> {
    let TraceArgs {
        name,
        last,
        tolerance,
        stuck_after,
        server_timezone,
    } = args;
    let now = now();
    let access = context.dkron().await?;
    let job = super::require_job(&access.client, &name).await?;
    let mut job_fires = evidence::dkron_fires(&access.client, vec![job]).await?;
    let evidence::JobFires {
        job,
        fires,
        executions: retained,
    } = job_fires.remove(0);

    // The fires shown, and the window from the oldest of them to now.
    let shown_from = fires.len().saturating_sub(usize::from(last));
    let window = Window {
        from: fires
            .get(shown_from)
            .map_or(now, |oldest| oldest.at - tolerance),
        to: now,
    };
    let ids: Vec<String> = fires[shown_from..]
        .iter()
        .flat_map(Fire::invocation_ids)
        .collect();
    let target = RestateTarget::of_job(&job).ok();
    let gathered = match context.restate().await {
        Ok(restate) => evidence::restate(&restate.client, &ids).await,
        Err(error) => Err(error),
    };
    let (found, restate_error) = match gathered {
        Ok(found) => (Some(found), None),
        Err(error) => (None, Some(error)),
    };
    let restate_text = restate_error.as_ref().map(|error| format!("{error:#}"));
    let view = match &found {
        Some(found) => RestateView::Reached {
            registry: &found.registry,
            invocations: &found.invocations,
        },
        None => RestateView::Unreachable(restate_text.clone().unwrap_or_default()),
    };
    let retention = match (&target, &found) {
        (Some(target), Some(found)) => found
            .registry
            .services
            .get(&target.service)
            .and_then(|service| service.idempotency_retention.as_deref())
            .and_then(parse_retention),
        _ => None,
    };

    // Each shown fire with its slot, and the slots between them that have none.
    let schedule = LiveSchedule::parse(&job.name, &job.schedule, &job.timezone, server_timezone);
    let line = schedule
        .as_ref()
        .ok()
        .map(|schedule| timeline(schedule, &fires, window, tolerance));
    let mut lines: Vec<(DateTime<Utc>, TraceLine)> = Vec::new();
    let mut placed = vec![false; fires.len()];
    let fire_line = |index: usize, kind: &'static str, slot: Option<DateTime<Utc>>| {
        let fire = &fires[index];
        let outcome = fire_outcome(fire, target.as_ref(), &view, retention, now, stuck_after);
        TraceLine {
            kind,
            slot,
            fired_at: Some(fire.at),
            execution_group: Some(fire.group.to_string()),
            executions: fire.executions.iter().map(execution_view).collect(),
            invocations: fire
                .invocation_ids()
                .into_iter()
                .map(|id| {
                    let age = Window {
                        from: fire.at,
                        to: now,
                    };
                    invocation_view(id, &found, &restate_text, retention, age, stuck_after)
                })
                .collect(),
            outcome: Some(outcome),
        }
    };
    // Missed slots only between the fires shown (and after the newest), not before the oldest,
    // and not while the job was paused.
    let oldest_shown = fires.get(shown_from).map(|fire| fire.at);
    let (paused, _) = inactive(
        &job,
        &fires,
        window,
        tolerance,
        line.as_ref()
            .and_then(|line| line.period)
            .unwrap_or_else(Duration::zero),
    );
    let paused_at = |at: DateTime<Utc>| paused.iter().any(|(from, to)| *from <= at && at <= *to);
    if let Some(line) = &line {
        for slot in &line.slots {
            let too_recent = slot.at > now - slot.tolerance;
            let too_old = oldest_shown.is_some_and(|oldest| slot.at < oldest - slot.tolerance);
            if slot.fires.is_empty() && (too_recent || too_old || paused_at(slot.at)) {
                continue;
            }
            if slot.fires.is_empty() {
                lines.push((
                    slot.at,
                    TraceLine {
                        kind: "missed",
                        slot: Some(slot.at),
                        fired_at: None,
                        execution_group: None,
                        executions: Vec::new(),
                        invocations: Vec::new(),
                        outcome: None,
                    },
                ));
            }
            for index in slot.fires.iter().filter(|index| **index >= shown_from) {
                placed[*index] = true;
                lines.push((
                    fires[*index].at,
                    fire_line(*index, "scheduled", Some(slot.at)),
                ));
            }
        }
        for (index, kind) in line
            .unscheduled
            .iter()
            .filter(|(index, _)| *index >= shown_from)
        {
            placed[*index] = true;
            let kind = match kind {
                Unscheduled::OffSchedule => "off-schedule",
                Unscheduled::CatchUp => "catch-up",
                Unscheduled::Manual => "manual",
            };
            lines.push((fires[*index].at, fire_line(*index, kind, None)));
        }
    }
    // Fires the schedule could not place (an unreadable schedule): shown without a slot.
    for index in (shown_from..fires.len()).filter(|index| !placed[*index]) {
        lines.push((fires[index].at, fire_line(index, "off-schedule", None)));
    }
    lines.sort_by_key(|(at, _)| std::cmp::Reverse(*at));

    let result = TraceResult {
        access: access.info.clone(),
        name: name.clone(),
        schedule: job.schedule.clone(),
        timezone: job.timezone.clone(),
        target: target.as_ref().map(RestateTarget::display),
        restate_reachable: found.is_some(),
        restate_error: restate_text.clone(),
        executions_retained: retained,
        lines: lines.into_iter().map(|(_, line)| line).collect(),
    };
    let human = render_human(&result, &schedule.err(), context.printer.styles());
    let mut report = Report::new(&result, human)
        .next(
            format!("joelclaw restate cron audit {name}"),
            "count its missed, doubled and failed fires over the last 24h",
        )
        .next(
            format!("joelclaw restate cron history {name}"),
            "its raw Dkron executions",
        );
    if let Some(error) = restate_error {
        let (kind, hint) = {
            let diagnosis = crate::diagnosis::diagnose(&error);
            (diagnosis.kind, diagnosis.hint)
        };
        let mut failure = CliError::new(
            kind,
            format!(
                "Restate could not be asked, so the invocations' states are unknown: {}",
                restate_text.unwrap_or_default()
            ),
        );
        if let Some(hint) = hint {
            failure = failure.hint(hint);
        }
        report = report.failed(failure);
    }
    Ok(report)
}

fn execution_view(execution: &crate::dkron::Execution) -> ExecutionView {
    ExecutionView {
        id: execution.id.clone(),
        started_at: execution.started_at.map(|time| time.to_utc()),
        finished_at: execution.finished_at.map(|time| time.to_utc()),
        node: execution.node_name.clone(),
        attempt: execution.attempt,
        success: execution.success,
        output: execution.output.clone(),
        output_truncated: execution.output_truncated,
    }
}

fn invocation_view(
    id: String,
    found: &Option<evidence::RestateEvidence>,
    restate_error: &Option<String>,
    retention: Option<Duration>,
    since_fire: Window,
    stuck_after: Duration,
) -> InvocationView {
    let (fired_at, now) = (since_fire.from, since_fire.to);
    let restate = found
        .as_ref()
        .and_then(|found| found.invocations.get(&id).cloned());
    let note = match (&restate, found, restate_error) {
        (Some(_), _, _) => None,
        (None, None, Some(error)) => Some(format!("Restate could not be asked: {error}")),
        (None, _, _) => Some(match retention {
            _ if now - fired_at < stuck_after => {
                "accepted by Restate's ingress, not yet in its introspection".to_string()
            }
            Some(retention) if fired_at < now - retention => format!(
                "Restate no longer has it: completed invocations are kept {} (this fire is {} old)",
                age(retention),
                age(now - fired_at)
            ),
            _ => "Restate has no invocation with this id".to_string(),
        }),
    };
    InvocationView {
        duration_ms: restate.as_ref().and_then(Invocation::duration_ms),
        restate,
        note,
        id,
    }
}

fn render_human(result: &TraceResult, schedule_error: &Option<String>, styles: Styles) -> String {
    let format = |time: DateTime<Utc>| time.format("%Y-%m-%d %H:%M:%S").to_string();
    let mut text = format!(
        "{} `{}`: schedule `{}`{}{}, newest first\n",
        styles.bold("Trace of"),
        safe(&result.name),
        safe(&result.schedule),
        if result.timezone.is_empty() {
            String::new()
        } else {
            format!(" ({})", safe(&result.timezone))
        },
        result
            .target
            .as_ref()
            .map(|target| format!(" -> {}", safe(target)))
            .unwrap_or_default(),
    );
    if let Some(error) = schedule_error {
        text.push_str(&format!(
            "{}: the schedule cannot be evaluated ({}); fires are shown without slots\n",
            styles.warn("note"),
            safe(error)
        ));
    }
    if result.lines.is_empty() {
        text.push_str("No fire on record.\n");
        return text;
    }
    let mut rows = styles
        .grid(&[
            "slot (UTC)",
            "fired",
            "node",
            "try",
            "dkron",
            "restate",
            "invocation",
        ])
        .wide(&["invocation"]);
    for line in &result.lines {
        let slot = line.slot.map_or_else(|| line.kind.to_string(), format);
        let fired = match (line.fired_at, line.slot) {
            (Some(fired), Some(slot)) => {
                let late = (fired - slot).num_milliseconds();
                format!("{late:+} ms")
            }
            (Some(fired), None) => format(fired),
            (None, _) => "-".to_string(),
        };
        let nodes: Vec<&str> = line.executions.iter().map(|e| e.node.as_str()).collect();
        let mut nodes_unique = nodes.clone();
        nodes_unique.dedup();
        let attempts = line
            .executions
            .iter()
            .map(|execution| execution.attempt)
            .max()
            .map_or_else(|| "-".to_string(), |attempt| attempt.to_string());
        let dkron = if line.executions.is_empty() {
            styles.bad("missed")
        } else if line.executions.iter().any(|execution| execution.success) {
            styles.good("sent")
        } else {
            styles.bad("failed")
        };
        // The state in the default columns; the invocation ids with `-o wide` (and in --json).
        let restate = match &line.outcome {
            None => "-".to_string(),
            Some(FireOutcome::Ok) => {
                let states: Vec<String> = line
                    .invocations
                    .iter()
                    .map(|invocation| match invocation.duration_ms {
                        Some(ms) => format!("ok ({})", age_ms(ms)),
                        None => "ok".to_string(),
                    })
                    .collect();
                styles.good(&states.join(", "))
            }
            Some(FireOutcome::FailedSend { error }) => styles.bad(&safe(&first_line(error))),
            Some(FireOutcome::PipelineFailed { failure, .. }) => {
                styles.bad(&safe(&format!("failed: {}", first_line(failure))))
            }
            Some(FireOutcome::Stuck { detail, .. }) => {
                styles.bad(&safe(&format!("stuck: {detail}")))
            }
            Some(FireOutcome::InFlight { detail }) => styles.warn(&safe(detail)),
            Some(FireOutcome::InvocationMissing { .. }) => {
                styles.bad("Restate has no such invocation")
            }
            Some(FireOutcome::Unverified { detail }) => styles.warn(&safe(detail)),
        };
        let mut invocations: Vec<&str> = line
            .invocations
            .iter()
            .map(|invocation| invocation.id.as_str())
            .collect();
        if let Some(
            FireOutcome::PipelineFailed { invocation_id, .. }
            | FireOutcome::Stuck { invocation_id, .. }
            | FireOutcome::InvocationMissing { invocation_id },
        ) = &line.outcome
            && !invocations.contains(&invocation_id.as_str())
        {
            invocations.push(invocation_id);
        }
        rows.add_row(vec![
            slot,
            fired,
            safe(&nodes_unique.join(",")).into_owned(),
            attempts,
            dkron,
            restate,
            safe(&invocations.join(", ")).into_owned(),
        ]);
    }
    text.push_str(&format!("{rows}\n"));
    text.push_str(&format!(
        "{} shown; Dkron keeps {} of this job{}.\n",
        plural(result.lines.len(), "line"),
        plural(result.executions_retained, "execution"),
        if result.restate_reachable {
            String::new()
        } else {
            "; Restate could not be asked".to_string()
        }
    ));
    text
}

fn age_ms(ms: i64) -> String {
    if ms < 10_000 {
        format!("{ms} ms")
    } else {
        age(Duration::milliseconds(ms))
    }
}
