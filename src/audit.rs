//! The audit of one job over a window: its expected slots against what Dkron did and what Restate
//! did with each fire, as counts, findings and a verdict.
//!
//! This is where "clean" is defined. A job is clean when every slot it was due in the window has
//! exactly one fire, every fire was accepted by Restate and completed there without failure (or is
//! still within `--stuck-after` of starting), its target is registered, and the evidence covers the
//! whole window. Evidence that is missing — Restate unreachable, a fire whose invocation Restate no
//! longer keeps, fires older than the 100 executions Dkron retains — is never read as clean. Slots
//! while the job was paused (the pause record `pause` writes, the last pause `resume` leaves behind,
//! a disabled job's stretch after its last fire) or outside its `starts_at`/`expires_at` are not
//! expected. Gathering the evidence is the `audit` and `trace` commands' business; matching fires to
//! slots is `crate::fires`'.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::dkron::{Job, LAST_PAUSE, PAUSED_AT};
use crate::fires::{Fire, FireState, Slot, Timeline, Unscheduled, Window};
use crate::output::plural;
use crate::restate::admin::{Invocation, Registration, Registry, parse_retention};
use crate::restate::target::RestateTarget;

/// A stretch of time, both ends included.
pub type Stretch = (DateTime<Utc>, DateTime<Utc>);

/// Dkron keeps this many executions per job and deletes the oldest beyond it (`MaxExecutions`).
pub const DKRON_RETAINED_EXECUTIONS: usize = 100;

/// What Restate can tell about a job's fires.
pub enum RestateView<'a> {
    Reached {
        registry: &'a Registry,
        invocations: &'a BTreeMap<String, Invocation>,
    },
    /// Restate could not be asked; why, as one line.
    Unreachable(String),
}

/// Everything one job is judged against.
pub struct Judge<'a> {
    pub now: DateTime<Utc>,
    pub window: Window,
    pub tolerance: Duration,
    pub stuck_after: Duration,
    pub restate: &'a RestateView<'a>,
}

/// Kinds of finding, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// The job's schedule cannot be read, so no slot can be expected.
    InvalidSchedule,
    /// Restate has no service or handler of the job's target.
    TargetNotRegistered,
    /// Dkron's execution failed: Restate refused the call (404, 400) or could not be reached.
    FailedSend,
    /// Restate ran the invocation and it completed with a failure.
    PipelineFailed,
    /// The invocation has not completed after `--stuck-after`: running, backing off, suspended,
    /// paused.
    Stuck,
    /// A due slot has no fire.
    Missed,
    /// A slot has more than one trigger, or one trigger ran on several Dkron nodes.
    DoubleFire,
    /// Dkron's output names an invocation that Restate does not have, within its retention.
    InvocationMissing,
    /// The outcome of a fire, or a stretch of the window, could not be seen.
    Unverified,
    /// A fire outside any slot: a run by hand, or the scheduler's catch-up after a stall.
    OffSchedule,
}

impl FindingKind {
    /// True for findings that make a job not clean (an off-schedule fire alone does not).
    pub fn is_problem(self) -> bool {
        self != Self::OffSchedule
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidSchedule => "invalid schedule",
            Self::TargetNotRegistered => "target not registered",
            Self::FailedSend => "failed send",
            Self::PipelineFailed => "pipeline failed",
            Self::Stuck => "stuck",
            Self::Missed => "missed",
            Self::DoubleFire => "double fire",
            Self::InvocationMissing => "invocation missing",
            Self::Unverified => "unverified",
            Self::OffSchedule => "off schedule",
        }
    }
}

/// One thing the audit found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub job: String,
    pub kind: FindingKind,
    /// The slot it concerns.
    pub slot: Option<DateTime<Utc>>,
    /// When the fire it concerns was triggered.
    pub fired_at: Option<DateTime<Utc>>,
    /// Dkron's execution group (the trigger time in Unix nanoseconds), as text.
    pub execution_group: Option<String>,
    pub nodes: Vec<String>,
    pub invocation_id: Option<String>,
    pub detail: String,
}

/// A job's one-word result: the most severe finding, or clean, or paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Clean,
    /// Nothing wrong, and no slot was due: the job was paused (or inactive) the whole window.
    Paused,
    InvalidSchedule,
    Unregistered,
    Failed,
    Stuck,
    Missed,
    Doubled,
    Unverified,
}

impl Verdict {
    pub fn is_clean(self) -> bool {
        matches!(self, Self::Clean | Self::Paused)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clean => "clean",
            Self::Paused => "paused",
            Self::InvalidSchedule => "invalid schedule",
            Self::Unregistered => "unregistered",
            Self::Failed => "failed",
            Self::Stuck => "stuck",
            Self::Missed => "missed",
            Self::Doubled => "doubled",
            Self::Unverified => "unverified",
        }
    }
}

/// Slots count slots; the outcome counts (`failed` … `offSchedule`) count fires.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Slots due in the window (not paused, not too recent to judge).
    pub expected: usize,
    /// Due slots with at least one fire.
    pub fired: usize,
    /// Due slots whose every fire was accepted and completed successfully.
    pub ok: usize,
    pub missed: usize,
    pub doubled: usize,
    pub failed: usize,
    pub pipeline_failed: usize,
    pub stuck: usize,
    /// Fires Dkron is still executing, or whose invocation is younger than `--stuck-after`.
    pub in_flight: usize,
    pub unverified: usize,
    pub off_schedule: usize,
    /// Slots not due because the job was paused or outside its active dates.
    pub paused: usize,
}

/// What the evidence for one job covers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    /// Dkron's record of the job's fires starts here (the window's start when nothing was dropped).
    pub dkron_since: DateTime<Utc>,
    pub executions_retained: usize,
    /// Restate keeps completed invocations created after this (its retention for the service).
    pub restate_since: Option<DateTime<Utc>>,
    /// True when both cover the whole window.
    pub complete: bool,
}

/// The audit of one job.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobAudit {
    pub name: String,
    pub set: Option<String>,
    pub schedule: String,
    pub timezone: String,
    pub disabled: bool,
    /// `service/handler` of the Restate target, when the job fires one.
    pub target: Option<String>,
    pub registration: Option<Registration>,
    pub verdict: Verdict,
    pub counts: Counts,
    pub coverage: Coverage,
    /// Things a reader must know to read the counts (a guessed phase, an unknown pause start…).
    pub notes: Vec<String>,
    pub findings: Vec<Finding>,
}

/// How one fire ended, end to end.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "outcome"
)]
pub enum FireOutcome {
    /// Restate completed every invocation of the fire successfully (or, for a job that is not a
    /// Restate call, Dkron's call succeeded).
    Ok,
    FailedSend {
        error: String,
    },
    PipelineFailed {
        invocation_id: String,
        failure: String,
    },
    Stuck {
        invocation_id: String,
        status: String,
        detail: String,
    },
    InFlight {
        detail: String,
    },
    Unverified {
        detail: String,
    },
    InvocationMissing {
        invocation_id: String,
    },
}

impl FireOutcome {
    fn rank(&self) -> u8 {
        match self {
            Self::FailedSend { .. } => 0,
            Self::PipelineFailed { .. } => 1,
            Self::Stuck { .. } => 2,
            Self::InvocationMissing { .. } => 3,
            Self::Unverified { .. } => 4,
            Self::InFlight { .. } => 5,
            Self::Ok => 6,
        }
    }
}

/// Judges one invocation as Restate reports it.
pub fn invocation_outcome(
    invocation: &Invocation,
    now: DateTime<Utc>,
    stuck_after: Duration,
) -> FireOutcome {
    if invocation.failed() {
        return FireOutcome::PipelineFailed {
            invocation_id: invocation.id.clone(),
            failure: invocation
                .completion_failure
                .clone()
                .unwrap_or_else(|| "(no failure message)".to_string()),
        };
    }
    if invocation.completed() {
        return FireOutcome::Ok;
    }
    let mut detail = format!(
        "{} for {}",
        invocation.status,
        age(now - invocation.created_at)
    );
    // Restate counts attempts (1 while the first one runs).
    if let Some(attempts) = invocation.retry_count.filter(|attempts| *attempts > 1) {
        detail.push_str(&format!(", {attempts} attempts"));
    }
    if let Some(failure) = &invocation.last_failure {
        // Restate keeps the handler's whole error, backtraces included: the first line says it.
        detail.push_str(&format!(", last failure: {}", first_line(failure)));
    }
    if now - invocation.created_at > stuck_after {
        FireOutcome::Stuck {
            invocation_id: invocation.id.clone(),
            status: invocation.status.clone(),
            detail,
        }
    } else {
        FireOutcome::InFlight { detail }
    }
}

/// Judges one fire: Dkron's execution, then what Restate did with each invocation it produced.
pub fn fire_outcome(
    fire: &Fire,
    target: Option<&RestateTarget>,
    restate: &RestateView<'_>,
    retention: Option<Duration>,
    now: DateTime<Utc>,
    stuck_after: Duration,
) -> FireOutcome {
    match fire.state() {
        FireState::Running => {
            return FireOutcome::InFlight {
                detail: "Dkron is still executing it".to_string(),
            };
        }
        FireState::Failed => {
            return FireOutcome::FailedSend {
                error: fire
                    .failure_text()
                    .unwrap_or_else(|| "(no output)".to_string()),
            };
        }
        FireState::Succeeded => {}
    }
    if target.is_none() {
        return FireOutcome::Ok;
    }
    let ids = fire.invocation_ids();
    if ids.is_empty() {
        return FireOutcome::Unverified {
            detail: "Dkron's output names no Restate invocation id".to_string(),
        };
    }
    let invocations = match restate {
        RestateView::Unreachable(reason) => {
            return FireOutcome::Unverified {
                detail: format!("Restate could not be asked: {reason}"),
            };
        }
        RestateView::Reached { invocations, .. } => invocations,
    };
    let mut worst = FireOutcome::Ok;
    for id in ids {
        let outcome = match invocations.get(&id) {
            Some(invocation) => invocation_outcome(invocation, now, stuck_after),
            None => match retention {
                // Restate answers 202 once the invocation is in its log; its introspection shows
                // it a moment later (seconds, on a busy node): a young fire is still in flight.
                _ if now - fire.at < stuck_after => FireOutcome::InFlight {
                    detail: format!(
                        "{id} was accepted by Restate's ingress and is not yet in its introspection"
                    ),
                },
                Some(retention) if fire.at < now - retention => FireOutcome::Unverified {
                    detail: format!(
                        "Restate no longer keeps {id}: it keeps completed invocations for {} after they end",
                        age(retention)
                    ),
                },
                _ => FireOutcome::InvocationMissing { invocation_id: id },
            },
        };
        if outcome.rank() < worst.rank() {
            worst = outcome;
        }
    }
    worst
}

/// The stretches in which a job was not due: paused (current and last pause), before `starts_at`,
/// after `expires_at`. A disabled job without a pause record was disabled at an unknown time after
/// its last fire. `restart` is how long after a write the first fire of an `@every` job comes
/// (Dkron restarts its phase when `resume` writes it): no slot is due in that time either.
pub fn inactive(
    job: &Job,
    fires: &[Fire],
    window: Window,
    tolerance: Duration,
    restart: Duration,
) -> (Vec<Stretch>, Vec<String>) {
    let mut stretches = Vec::new();
    let mut notes = Vec::new();
    let far = DateTime::<Utc>::MAX_UTC;
    let parse = |text: &str| {
        DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(|time| time.to_utc())
    };
    if job.disabled {
        match job.metadata.get(PAUSED_AT).and_then(|at| parse(at)) {
            Some(at) => stretches.push((at, far)),
            None => {
                let from = fires
                    .iter()
                    .map(|fire| fire.at)
                    .filter(|at| *at <= window.to)
                    .max()
                    .map_or(window.from, |last| last + tolerance);
                notes.push(format!(
                    "disabled without a pause record: no slot is expected after its last fire ({})",
                    from.format("%Y-%m-%d %H:%M:%S UTC")
                ));
                stretches.push((from, far));
            }
        }
    }
    if let Some((from, to)) = job
        .metadata
        .get(LAST_PAUSE)
        .and_then(|interval| interval.split_once('/'))
        .and_then(|(from, to)| Some((parse(from)?, parse(to)?)))
    {
        stretches.push((from, to + restart));
    }
    if let Some(starts) = job.starts_at {
        stretches.push((DateTime::<Utc>::MIN_UTC, starts));
    }
    if let Some(expires) = job.expires_at {
        stretches.push((expires, far));
    }
    (stretches, notes)
}

/// Judges one job. `fires` are all its retained fires, oldest first; `timeline` matches them to
/// the window's slots.
#[allow(clippy::too_many_arguments)]
pub fn judge_job(
    job: &Job,
    schedule: &str,
    timeline: Result<Timeline, String>,
    fires: &[Fire],
    executions_retained: usize,
    judge: &Judge<'_>,
) -> JobAudit {
    let Judge {
        now,
        window,
        tolerance,
        stuck_after,
        restate,
    } = judge;
    let (now, window, tolerance, stuck_after) = (*now, *window, *tolerance, *stuck_after);
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    let mut counts = Counts::default();
    let finding = |kind: FindingKind,
                   slot: Option<DateTime<Utc>>,
                   fire: Option<&Fire>,
                   invocation_id: Option<String>,
                   detail: String| Finding {
        job: job.name.clone(),
        kind,
        slot,
        fired_at: fire.map(|fire| fire.at),
        execution_group: fire.map(|fire| fire.group.to_string()),
        nodes: fire
            .map(|fire| fire.nodes().into_iter().map(str::to_string).collect())
            .unwrap_or_default(),
        invocation_id,
        detail,
    };

    // The target, and whether Restate knows it.
    let target = RestateTarget::of_job(job).ok();
    let registration = match (&target, restate) {
        (Some(target), RestateView::Reached { registry, .. }) => {
            Some(registry.check(&target.service, &target.handler))
        }
        _ => None,
    };
    match (&target, registration) {
        (None, _) => notes.push(
            "not a Restate `/send` job: a fire is judged by Dkron's execution alone".to_string(),
        ),
        (Some(target), Some(Registration::UnknownService)) => findings.push(finding(
            FindingKind::TargetNotRegistered,
            None,
            None,
            None,
            format!(
                "Restate has no service `{}` (the job fires {})",
                target.service,
                target.display()
            ),
        )),
        (Some(target), Some(Registration::UnknownHandler)) => findings.push(finding(
            FindingKind::TargetNotRegistered,
            None,
            None,
            None,
            format!(
                "Restate's service `{}` has no handler `{}`",
                target.service, target.handler
            ),
        )),
        (Some(_), None) => {
            if let RestateView::Unreachable(reason) = restate {
                findings.push(finding(
                    FindingKind::Unverified,
                    None,
                    None,
                    None,
                    format!("whether the target is registered is unknown: {reason}"),
                ));
            }
        }
        (Some(_), Some(Registration::Registered)) => {}
    }
    let retention = match (&target, restate) {
        (Some(target), RestateView::Reached { registry, .. }) => registry
            .services
            .get(&target.service)
            .and_then(|service| service.idempotency_retention.as_deref())
            .and_then(parse_retention),
        _ => None,
    };

    // Dkron's record: complete unless it is at its cap, then only from its oldest fire.
    let capped = executions_retained >= DKRON_RETAINED_EXECUTIONS;
    let dkron_since = match fires.first() {
        Some(oldest) if capped => oldest.at.max(window.from),
        _ => window.from,
    };
    let restate_since = retention.map(|retention| now - retention);
    let mut coverage = Coverage {
        dkron_since,
        executions_retained,
        restate_since,
        complete: dkron_since <= window.from,
    };

    let timeline = match timeline {
        Ok(timeline) => timeline,
        Err(error) => {
            findings.push(finding(
                FindingKind::InvalidSchedule,
                None,
                None,
                None,
                format!("schedule `{schedule}` cannot be evaluated: {error}"),
            ));
            return finish(
                job,
                schedule,
                target,
                registration,
                counts,
                coverage,
                notes,
                findings,
            );
        }
    };
    if timeline.phase_unknown {
        notes.push(
            "no fire on record to take the `@every` phase from: the expected slots are evenly spaced from the window's start".to_string(),
        );
    }
    let restart = timeline.period.unwrap_or_else(Duration::zero);
    let (stretches, pause_notes) = inactive(job, fires, window, tolerance, restart);
    notes.extend(pause_notes);
    let paused = |at: DateTime<Utc>| stretches.iter().any(|(from, to)| *from <= at && at <= *to);

    let outcome_of =
        |fire: &Fire| fire_outcome(fire, target.as_ref(), restate, retention, now, stuck_after);
    let record = |outcome: &FireOutcome,
                  slot: Option<DateTime<Utc>>,
                  fire: &Fire,
                  counts: &mut Counts,
                  findings: &mut Vec<Finding>| {
        let (kind, id, detail) = match outcome {
            FireOutcome::Ok => return,
            FireOutcome::InFlight { .. } => {
                counts.in_flight += 1;
                return;
            }
            FireOutcome::FailedSend { error } => {
                counts.failed += 1;
                (FindingKind::FailedSend, None, error.clone())
            }
            FireOutcome::PipelineFailed {
                invocation_id,
                failure,
            } => {
                counts.pipeline_failed += 1;
                (
                    FindingKind::PipelineFailed,
                    Some(invocation_id.clone()),
                    failure.clone(),
                )
            }
            FireOutcome::Stuck {
                invocation_id,
                detail,
                ..
            } => {
                counts.stuck += 1;
                (
                    FindingKind::Stuck,
                    Some(invocation_id.clone()),
                    detail.clone(),
                )
            }
            FireOutcome::InvocationMissing { invocation_id } => {
                counts.unverified += 1;
                (
                    FindingKind::InvocationMissing,
                    Some(invocation_id.clone()),
                    "Dkron's output names this invocation but Restate does not have it, though it is within Restate's retention".to_string(),
                )
            }
            FireOutcome::Unverified { detail } => {
                counts.unverified += 1;
                (
                    FindingKind::Unverified,
                    fire.invocation_ids().first().cloned(),
                    detail.clone(),
                )
            }
        };
        findings.push(finding(kind, slot, Some(fire), id, detail));
    };

    let mut uncovered = 0;
    let mut first_missed: Vec<DateTime<Utc>> = Vec::new();
    for Slot {
        at,
        fires: matched,
        tolerance: slot_tolerance,
    } in &timeline.slots
    {
        if *at < window.from {
            // The lead-in before the window: it only keeps a fire near the start matched.
            continue;
        }
        // A slot with a fire was not paused, whatever the pause record (kept to the second) says.
        if paused(*at) && matched.is_empty() {
            counts.paused += 1;
            continue;
        }
        if *at > now - *slot_tolerance && matched.is_empty() {
            // Too recent to have its fire on record yet.
            continue;
        }
        if *at < dkron_since {
            uncovered += 1;
            continue;
        }
        counts.expected += 1;
        if matched.is_empty() {
            counts.missed += 1;
            first_missed.push(*at);
            findings.push(finding(
                FindingKind::Missed,
                Some(*at),
                None,
                None,
                "no execution within the tolerance of the slot".to_string(),
            ));
            continue;
        }
        counts.fired += 1;
        let slot_fires: Vec<&Fire> = matched.iter().map(|index| &fires[*index]).collect();
        let fanned_out = slot_fires
            .iter()
            .find(|fire| fire.nodes().len() > 1 && fire.state() != FireState::Failed);
        if slot_fires.len() > 1 {
            counts.doubled += 1;
            findings.push(finding(
                FindingKind::DoubleFire,
                Some(*at),
                Some(slot_fires[1]),
                None,
                format!(
                    "{} triggers in one slot (execution groups {})",
                    slot_fires.len(),
                    slot_fires
                        .iter()
                        .map(|fire| fire.group.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        } else if let Some(fire) = fanned_out {
            counts.doubled += 1;
            findings.push(finding(
                FindingKind::DoubleFire,
                Some(*at),
                Some(fire),
                None,
                format!(
                    "one trigger ran on {} Dkron nodes, each a separate call to Restate (the job's tags select every server; a tag such as `server: true:1` picks one)",
                    fire.nodes().len()
                ),
            ));
        }
        let mut all_ok = true;
        for fire in slot_fires {
            let outcome = outcome_of(fire);
            all_ok &= outcome == FireOutcome::Ok;
            record(&outcome, Some(*at), fire, &mut counts, &mut findings);
        }
        if all_ok {
            counts.ok += 1;
        }
    }
    for (index, kind) in &timeline.unscheduled {
        let fire = &fires[*index];
        if *kind != Unscheduled::Manual {
            counts.off_schedule += 1;
            findings.push(finding(
                FindingKind::OffSchedule,
                None,
                Some(fire),
                None,
                match kind {
                    Unscheduled::CatchUp => "Dkron's catch-up fire after a stall (the slots before it were missed)".to_string(),
                    _ => "not within the tolerance of any slot: a run by hand, or the scheduler firing at the wrong time".to_string(),
                },
            ));
        }
        let outcome = outcome_of(fire);
        record(&outcome, None, fire, &mut counts, &mut findings);
    }
    if uncovered > 0 {
        coverage.complete = false;
        findings.push(finding(
            FindingKind::Unverified,
            None,
            None,
            None,
            format!(
                "{} before {} {} beyond Dkron's record (it keeps the last {DKRON_RETAINED_EXECUTIONS} executions of a job)",
                plural(uncovered, "slot"),
                dkron_since.format("%Y-%m-%d %H:%M:%S UTC"),
                if uncovered == 1 { "is" } else { "are" }
            ),
        ));
    }
    if let Some(restate_since) = restate_since
        && restate_since > window.from
        && target.is_some()
    {
        coverage.complete = false;
    }
    // Missed slots before the first fire Dkron has at all: perhaps the job did not exist yet.
    if let Some(first) = fires.first()
        && !capped
        && first.at > window.from
    {
        let before = first_missed.iter().filter(|slot| **slot < first.at).count();
        if before > 0 {
            notes.push(format!(
                "{before} of the missed slots precede the first execution Dkron has on record ({}); if the job was created then, audit from there (--since {})",
                first.at.format("%Y-%m-%d %H:%M:%S UTC"),
                first.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
    } else if fires.is_empty() && counts.missed > 0 {
        notes.push("Dkron has no execution of this job on record at all".to_string());
    }
    findings.sort_by_key(|finding| (finding.slot.or(finding.fired_at), finding.kind));
    finish(
        job,
        schedule,
        target,
        registration,
        counts,
        coverage,
        notes,
        findings,
    )
}

#[allow(clippy::too_many_arguments)]
fn finish(
    job: &Job,
    schedule: &str,
    target: Option<RestateTarget>,
    registration: Option<Registration>,
    counts: Counts,
    coverage: Coverage,
    notes: Vec<String>,
    findings: Vec<Finding>,
) -> JobAudit {
    let worst = findings
        .iter()
        .map(|finding| finding.kind)
        .filter(|kind| kind.is_problem())
        .min();
    let verdict = match worst {
        Some(FindingKind::InvalidSchedule) => Verdict::InvalidSchedule,
        Some(FindingKind::TargetNotRegistered) => Verdict::Unregistered,
        Some(FindingKind::FailedSend | FindingKind::PipelineFailed) => Verdict::Failed,
        Some(FindingKind::Stuck) => Verdict::Stuck,
        Some(FindingKind::Missed) => Verdict::Missed,
        Some(FindingKind::DoubleFire) => Verdict::Doubled,
        Some(FindingKind::InvocationMissing | FindingKind::Unverified) => Verdict::Unverified,
        Some(FindingKind::OffSchedule) | None if !coverage.complete => Verdict::Unverified,
        Some(FindingKind::OffSchedule) | None if counts.expected == 0 && counts.paused > 0 => {
            Verdict::Paused
        }
        Some(FindingKind::OffSchedule) | None => Verdict::Clean,
    };
    JobAudit {
        name: job.name.clone(),
        set: job.set().map(str::to_string),
        schedule: schedule.to_string(),
        timezone: job.timezone.clone(),
        disabled: job.disabled,
        target: target.map(|target| target.display()),
        registration,
        verdict,
        counts,
        coverage,
        notes,
        findings,
    }
}

/// The first non-empty line of a server's text, at most [`LINE_CHARACTERS`] characters.
pub fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    if line.chars().count() > LINE_CHARACTERS {
        let cut: String = line.chars().take(LINE_CHARACTERS - 1).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    }
}

/// How much of a server's text one line of human output shows (JSON keeps all of it).
pub const LINE_CHARACTERS: usize = 200;

/// "3s", "4m 10s", "2h 5m", "1d".
pub fn age(duration: Duration) -> String {
    let seconds = duration.num_seconds().max(0);
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m {}s", seconds / 60, seconds % 60),
        3600..86_400 => format!("{}h {}m", seconds / 3600, (seconds % 3600) / 60),
        _ if seconds % 86_400 == 0 => format!("{}d", seconds / 86_400),
        _ => format!("{}d {}h", seconds / 86_400, (seconds % 86_400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::Tz;

    use super::*;
    use crate::fires::tests::execution;
    use crate::fires::{group, timeline};
    use crate::restate::admin::{Handler, Service};
    use crate::schedule::LiveSchedule;

    const ID_A: &str = "inv_1cbrXaL8JAc75Bn0L108v41wW7JeRtlQ9m";
    const ID_B: &str = "inv_1f9twCDiAQFu3SbyXWpmo8QoC67N8seZaW";

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn accepted(id: &str) -> String {
        format!(r#"{{"invocationId":"{id}","status":"Accepted"}}"#)
    }

    fn job(schedule: &str) -> Job {
        serde_json::from_value(serde_json::json!({
            "name": "job",
            "schedule": schedule,
            "timezone": "UTC",
            "executor": "http",
            "executor_config": {"url": "http://restate:8080/dagOrchestrator/run/send"},
            "metadata": {"managed-by": "joelclaw", "set": "tier1",
                         "restate-service": "dagOrchestrator", "restate-handler": "run"},
        }))
        .unwrap()
    }

    fn registry() -> Registry {
        Registry {
            services: BTreeMap::from([(
                "dagOrchestrator".to_string(),
                Service {
                    name: "dagOrchestrator".to_string(),
                    handlers: vec![Handler {
                        name: "run".to_string(),
                    }],
                    idempotency_retention: Some("1d".to_string()),
                },
            )]),
        }
    }

    fn invocation(id: &str, created: &str, status: &str, result: Option<&str>) -> Invocation {
        Invocation {
            id: id.to_string(),
            target: "dagOrchestrator/run".to_string(),
            status: status.to_string(),
            completion_result: result.map(str::to_string),
            completion_failure: (result == Some("failure")).then(|| "[500] boom".to_string()),
            retry_count: None,
            last_failure: None,
            last_failure_error_code: None,
            created_at: at(created),
            modified_at: None,
            completed_at: None,
        }
    }

    /// Audits an hourly job over 10:00–12:00 (three slots) at 12:30.
    fn audit(
        job: &Job,
        executions: Vec<crate::dkron::Execution>,
        invocations: &[Invocation],
        restate_up: bool,
    ) -> JobAudit {
        let registry = registry();
        let invocations: BTreeMap<String, Invocation> = invocations
            .iter()
            .map(|invocation| (invocation.id.clone(), invocation.clone()))
            .collect();
        let view = if restate_up {
            RestateView::Reached {
                registry: &registry,
                invocations: &invocations,
            }
        } else {
            RestateView::Unreachable("connection refused".to_string())
        };
        let window = Window {
            from: at("2026-12-01T10:00:00Z"),
            to: at("2026-12-01T12:00:00Z"),
        };
        let judge = Judge {
            now: at("2026-12-01T12:30:00Z"),
            window,
            tolerance: Duration::seconds(30),
            stuck_after: Duration::minutes(15),
            restate: &view,
        };
        let count = executions.len();
        let fires = group(executions);
        let schedule = LiveSchedule::parse("job", &job.schedule, &job.timezone, Tz::UTC)
            .map(|schedule| timeline(&schedule, &fires, window, judge.tolerance));
        judge_job(job, &job.schedule.clone(), schedule, &fires, count, &judge)
    }

    fn fire(group: &str, node: &str, id: &str) -> crate::dkron::Execution {
        execution(group, group, node, 1, true, &accepted(id))
    }

    fn kinds(audit: &JobAudit) -> Vec<FindingKind> {
        audit.findings.iter().map(|finding| finding.kind).collect()
    }

    #[test]
    fn every_slot_fired_and_completed_is_clean() {
        let hourly = job("0 0 * * * *");
        let executions = vec![
            fire("2026-12-01T10:00:00.002Z", "dkron-0", ID_A),
            fire("2026-12-01T11:00:00.002Z", "dkron-0", ID_B),
            fire(
                "2026-12-01T12:00:00.002Z",
                "dkron-0",
                "inv_1aCy9bBnSNoI127tS21eCdI63qgmuu61u2",
            ),
        ];
        let invocations = [
            invocation(
                ID_A,
                "2026-12-01T10:00:00.01Z",
                "completed",
                Some("success"),
            ),
            invocation(
                ID_B,
                "2026-12-01T11:00:00.01Z",
                "completed",
                Some("success"),
            ),
            invocation(
                "inv_1aCy9bBnSNoI127tS21eCdI63qgmuu61u2",
                "2026-12-01T12:00:00.01Z",
                "completed",
                Some("success"),
            ),
        ];
        let audit = audit(&hourly, executions, &invocations, true);
        assert_eq!(audit.verdict, Verdict::Clean, "{:#?}", audit.findings);
        assert_eq!(
            audit.counts,
            Counts {
                expected: 3,
                fired: 3,
                ok: 3,
                ..Counts::default()
            }
        );
        assert!(audit.coverage.complete);
    }

    #[test]
    fn two_execution_groups_in_one_slot_are_a_double_fire_but_retries_are_not() {
        let hourly = job("0 0 * * * *");
        let executions = vec![
            // 10:00: a failed attempt and its successful retry (one group): not a double.
            execution(
                "2026-12-01T10:00:00.002Z",
                "2026-12-01T10:00:00.004Z",
                "dkron-0",
                1,
                false,
                "connection refused",
            ),
            execution(
                "2026-12-01T10:00:00.002Z",
                "2026-12-01T10:00:02.004Z",
                "dkron-0",
                2,
                true,
                &accepted(ID_A),
            ),
            // 11:00: the old leader and the new one both fired (two groups).
            fire("2026-12-01T11:00:00.002Z", "dkron-0", ID_B),
            fire(
                "2026-12-01T11:00:00.950Z",
                "dkron-1",
                "inv_1aCy9bBnSNoI127tS21eCdI63qgmuu61u2",
            ),
        ];
        let invocations = [
            invocation(
                ID_A,
                "2026-12-01T10:00:02.01Z",
                "completed",
                Some("success"),
            ),
            invocation(
                ID_B,
                "2026-12-01T11:00:00.01Z",
                "completed",
                Some("success"),
            ),
            invocation(
                "inv_1aCy9bBnSNoI127tS21eCdI63qgmuu61u2",
                "2026-12-01T11:00:01Z",
                "completed",
                Some("success"),
            ),
        ];
        let audit = audit(&hourly, executions, &invocations, true);
        assert_eq!(audit.counts.doubled, 1);
        assert_eq!(audit.counts.missed, 1, "12:00 has no fire");
        assert_eq!(audit.counts.failed, 0, "the retry succeeded");
        let double = audit
            .findings
            .iter()
            .find(|finding| finding.kind == FindingKind::DoubleFire)
            .unwrap();
        assert_eq!(double.slot, Some(at("2026-12-01T11:00:00Z")));
        assert_eq!(audit.verdict, Verdict::Missed);
    }

    #[test]
    fn one_trigger_on_several_nodes_is_a_double_fire() {
        let hourly = job("0 0 10 * * *");
        let executions = vec![
            fire("2026-12-01T10:00:00.002Z", "dkron-0", ID_A),
            fire("2026-12-01T10:00:00.002Z", "dkron-1", ID_B),
        ];
        let invocations = [
            invocation(
                ID_A,
                "2026-12-01T10:00:00.01Z",
                "completed",
                Some("success"),
            ),
            invocation(
                ID_B,
                "2026-12-01T10:00:00.01Z",
                "completed",
                Some("success"),
            ),
        ];
        let audit = audit(&hourly, executions, &invocations, true);
        assert_eq!(audit.counts.doubled, 1);
        assert_eq!(audit.verdict, Verdict::Doubled);
        assert!(audit.findings[0].detail.contains("2 Dkron nodes"));
    }

    #[test]
    fn failed_sends_pipeline_failures_and_stuck_invocations_are_findings() {
        let hourly = job("0 0 * * * *");
        let executions = vec![
            execution(
                "2026-12-01T10:00:00.002Z",
                "2026-12-01T10:00:00.004Z",
                "dkron-0",
                1,
                false,
                "received response code does not match the expected code\n{\"code\":404,\"message\":\"service 'x' not found\",\"source\":\"ingress\"}",
            ),
            fire("2026-12-01T11:00:00.002Z", "dkron-0", ID_A),
            fire("2026-12-01T12:00:00.002Z", "dkron-0", ID_B),
        ];
        let invocations = [
            invocation(
                ID_A,
                "2026-12-01T11:00:00.01Z",
                "completed",
                Some("failure"),
            ),
            invocation(ID_B, "2026-12-01T12:00:00.01Z", "backing-off", None),
        ];
        let audit = audit(&hourly, executions, &invocations, true);
        assert_eq!(
            kinds(&audit),
            [
                FindingKind::FailedSend,
                FindingKind::PipelineFailed,
                FindingKind::Stuck
            ]
        );
        assert_eq!(
            audit.findings[0].detail,
            "Restate answered 404: service 'x' not found"
        );
        assert_eq!(audit.counts.ok, 0);
        assert_eq!(audit.verdict, Verdict::Failed);
    }

    #[test]
    fn a_young_invocation_is_in_flight_not_stuck() {
        let hourly = job("0 0 12 * * *");
        let executions = vec![fire("2026-12-01T12:00:00.002Z", "dkron-0", ID_A)];
        let invocations = [invocation(ID_A, "2026-12-01T12:20:00Z", "running", None)];
        let audit = audit(&hourly, executions, &invocations, true);
        assert_eq!(audit.counts.in_flight, 1);
        assert_eq!(audit.verdict, Verdict::Clean);
    }

    #[test]
    fn an_invocation_restate_forgot_is_unverified_and_one_it_never_had_is_missing() {
        let hourly = job("0 0 * * * *");
        let executions = vec![fire("2026-12-01T11:00:00.002Z", "dkron-0", ID_A)];
        let audit_fresh = audit(&hourly, executions, &[], true);
        assert!(kinds(&audit_fresh).contains(&FindingKind::InvocationMissing));
        // The same fire two days later: beyond the 1-day retention, so only unverified.
        let fire = group(vec![fire("2026-12-01T11:00:00.002Z", "dkron-0", ID_A)]);
        let registry = registry();
        let invocations = BTreeMap::new();
        let view = RestateView::Reached {
            registry: &registry,
            invocations: &invocations,
        };
        let outcome = fire_outcome(
            &fire[0],
            RestateTarget::of_job(&hourly).ok().as_ref(),
            &view,
            Some(Duration::days(1)),
            at("2026-12-03T12:00:00Z"),
            Duration::minutes(15),
        );
        assert!(
            matches!(outcome, FireOutcome::Unverified { .. }),
            "{outcome:?}"
        );
    }

    #[test]
    fn restate_unreachable_is_never_clean() {
        let hourly = job("0 0 10 * * *");
        let executions = vec![fire("2026-12-01T10:00:00.002Z", "dkron-0", ID_A)];
        let audit = audit(&hourly, executions, &[], false);
        assert_eq!(audit.verdict, Verdict::Unverified);
        assert_eq!(audit.counts.unverified, 1);
    }

    #[test]
    fn an_unregistered_target_is_a_finding() {
        let mut other = job("0 0 10 * * *");
        other
            .metadata
            .insert("restate-service".into(), "nope".into());
        other
            .executor_config
            .insert("url".into(), "http://restate:8080/nope/run/send".into());
        let audit = audit(&other, Vec::new(), &[], true);
        assert_eq!(audit.verdict, Verdict::Unregistered);
    }

    #[test]
    fn paused_slots_are_not_expected() {
        let mut paused = job("0 0 * * * *");
        paused.disabled = true;
        paused
            .metadata
            .insert(PAUSED_AT.into(), "2026-12-01T10:30:00Z".into());
        let executions = vec![fire("2026-12-01T10:00:00.002Z", "dkron-0", ID_A)];
        let invocations = [invocation(
            ID_A,
            "2026-12-01T10:00:00.01Z",
            "completed",
            Some("success"),
        )];
        let first = audit(&paused, executions, &invocations, true);
        assert_eq!(first.counts.expected, 1);
        assert_eq!(first.counts.paused, 2);
        assert_eq!(first.verdict, Verdict::Clean);

        // After `resume`, the last pause still excuses its slots.
        let mut resumed = job("0 0 * * * *");
        resumed.metadata.insert(
            LAST_PAUSE.into(),
            "2026-12-01T10:30:00Z/2026-12-01T11:30:00Z".into(),
        );
        let executions = vec![
            fire("2026-12-01T10:00:00.002Z", "dkron-0", ID_A),
            fire("2026-12-01T12:00:00.002Z", "dkron-0", ID_B),
        ];
        let invocations = [
            invocation(
                ID_A,
                "2026-12-01T10:00:00.01Z",
                "completed",
                Some("success"),
            ),
            invocation(
                ID_B,
                "2026-12-01T12:00:00.01Z",
                "completed",
                Some("success"),
            ),
        ];
        let audit = audit(&resumed, executions, &invocations, true);
        assert_eq!((audit.counts.expected, audit.counts.paused), (2, 1));
        assert_eq!(audit.verdict, Verdict::Clean);
    }

    #[test]
    fn fires_older_than_dkrons_record_make_the_audit_incomplete() {
        // 100 executions every 10 s from 11:50: Dkron dropped everything before.
        let frequent = job("*/10 * * * * *");
        let executions: Vec<_> = (0..100)
            .map(|index| {
                let at = at("2026-12-01T11:50:00.002Z") + Duration::seconds(10 * index);
                let text = at.to_rfc3339();
                execution(&text, &text, "dkron-0", 1, false, "refused")
            })
            .collect();
        let audit = audit(&frequent, executions, &[], true);
        assert!(!audit.coverage.complete);
        assert_eq!(audit.coverage.dkron_since, at("2026-12-01T11:50:00.002Z"));
        assert!(kinds(&audit).contains(&FindingKind::Unverified));
    }

    #[test]
    fn manual_jobs_are_clean_with_runs_by_hand() {
        let manual = job("@manually");
        let executions = vec![fire("2026-12-01T10:17:00Z", "dkron-0", ID_A)];
        let invocations = [invocation(
            ID_A,
            "2026-12-01T10:17:00.01Z",
            "completed",
            Some("success"),
        )];
        let audit = audit(&manual, executions, &invocations, true);
        assert_eq!(audit.verdict, Verdict::Clean);
        assert_eq!(audit.counts.off_schedule, 0);
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age(Duration::seconds(42)), "42s");
        assert_eq!(age(Duration::seconds(250)), "4m 10s");
        assert_eq!(age(Duration::days(1)), "1d");
    }
}
