//! Fires: what a job's schedule expected and what Dkron did, matched slot by slot.
//!
//! Dkron records executions, not fires, and nothing at all for a fire it missed. This module groups
//! executions into [`Fire`]s (one per execution group: the trigger, with its retries and the copies
//! on each target node), derives the slots a schedule expected in a window, and matches each fire to
//! the slot it belongs to. Calendar schedules give slots from the robfig-exact evaluator of
//! `schedule_file::schedule`; `@every` schedules have no calendar, so their slots follow the phase Dkron's
//! scheduler keeps: one delay after each fire it made on time, and a new phase after the catch-up
//! fire that ends a stall (robfig runs an overdue entry once and schedules it from then). Judging
//! the fires (failed sends, what Restate did) is `crate::audit`'s business.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::Serialize;

use crate::dkron::Execution;
use crate::schedule::{Kind, LiveSchedule};

/// One trigger of a job: the executions that share an execution group.
#[derive(Debug, Clone)]
pub struct Fire {
    /// Dkron's execution group: the trigger time in Unix nanoseconds.
    pub group: i64,
    /// The trigger time.
    pub at: DateTime<Utc>,
    /// Its executions, by node then attempt.
    pub executions: Vec<Execution>,
}

/// How a fire ended in Dkron.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FireState {
    /// Every target node's last attempt succeeded (for Restate's `/send`: it answered 202).
    Succeeded,
    /// Some node's last attempt failed.
    Failed,
    /// An attempt is still running.
    Running,
}

impl Fire {
    pub fn state(&self) -> FireState {
        if self.executions.iter().any(Execution::running) {
            return FireState::Running;
        }
        let failed = self
            .nodes()
            .iter()
            .any(|node| self.last_attempt(node).is_some_and(|last| !last.success));
        if failed {
            FireState::Failed
        } else {
            FireState::Succeeded
        }
    }

    /// The nodes that executed it (more than one when the job's tags select several).
    pub fn nodes(&self) -> BTreeSet<&str> {
        self.executions
            .iter()
            .map(|execution| execution.node_name.as_str())
            .collect()
    }

    fn last_attempt(&self, node: &str) -> Option<&Execution> {
        self.executions
            .iter()
            .filter(|execution| execution.node_name == node)
            .max_by_key(|execution| (execution.attempt, execution.started_at))
    }

    /// The Restate invocations it produced: one per successful execution whose output names one.
    pub fn invocation_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .executions
            .iter()
            .filter(|execution| execution.success)
            .filter_map(Execution::invocation_id)
            .collect();
        ids.dedup();
        ids
    }

    /// Why a failed fire failed, in one line (Restate's answer, or Dkron's error).
    pub fn failure_text(&self) -> Option<String> {
        self.nodes()
            .iter()
            .filter_map(|node| self.last_attempt(node))
            .find(|last| !last.success)
            .map(|last| crate::restate::ingress::failure_summary(&last.output))
    }
}

/// Groups executions into fires, oldest first.
pub fn group(executions: Vec<Execution>) -> Vec<Fire> {
    let mut fires: Vec<Fire> = Vec::new();
    let mut sorted = executions;
    sorted.sort_by_key(|execution| (group_of(execution), execution.attempt));
    for execution in sorted {
        let group = group_of(&execution);
        match fires.last_mut() {
            Some(fire) if fire.group == group => fire.executions.push(execution),
            _ => fires.push(Fire {
                group,
                at: DateTime::from_timestamp_nanos(group),
                executions: vec![execution],
            }),
        }
    }
    for fire in &mut fires {
        fire.executions.sort_by(|a, b| {
            (a.node_name.as_str(), a.attempt).cmp(&(b.node_name.as_str(), b.attempt))
        });
    }
    fires
}

/// The group, or (for an execution written without one) its start.
fn group_of(execution: &Execution) -> i64 {
    if execution.group != 0 {
        return execution.group;
    }
    execution
        .started_at
        .and_then(|started| started.with_timezone(&Utc).timestamp_nanos_opt())
        .unwrap_or_default()
}

/// A stretch of time, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Window {
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at <= self.to
    }
}

/// One slot the schedule expected, and the fires that belong to it (indexes into the fires).
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub at: DateTime<Utc>,
    /// How far from `at` a fire may start and still belong to it.
    pub tolerance: Duration,
    pub fires: Vec<usize>,
}

/// Why a fire belongs to no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unscheduled {
    /// Not near any slot: a manual run, or a scheduler firing at the wrong time.
    OffSchedule,
    /// The one fire Dkron makes when its scheduler wakes from a stall with a slot overdue; the
    /// missed slots before it are counted as missed.
    CatchUp,
    /// A `@manually` job: every fire is by hand, as intended.
    Manual,
}

/// A schedule's slots in a window, and where each fire went.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub slots: Vec<Slot>,
    /// Fires inside the window that belong to no slot.
    pub unscheduled: Vec<(usize, Unscheduled)>,
    /// True for `@every` schedules without a fire to take the phase from: the slots are spaced
    /// right but their instants are a guess.
    pub phase_unknown: bool,
    /// The delay of an `@every` schedule, whose phase restarts whenever the job is written.
    pub period: Option<Duration>,
}

/// How many slots a window may hold before the evaluator gives up (a `* * * * * *` job audited
/// over a month is 2.6 million slots; nobody reads that).
pub const MAX_SLOTS: usize = 1_000_000;

/// Matches `fires` (oldest first, all the job's retained fires) to the slots `schedule` expects in
/// `window`. A fire belongs to a slot when it starts within the slot's tolerance: `tolerance`,
/// narrowed to half the gap to the neighbouring slots so that a fire never fits two. Slots up to
/// `tolerance` before the window are included too, so that a fire just inside the window is not
/// taken for an off-schedule one when its slot is just outside: callers count only the slots
/// inside the window.
pub fn timeline(
    schedule: &LiveSchedule,
    fires: &[Fire],
    window: Window,
    tolerance: Duration,
) -> Timeline {
    match &schedule.kind {
        Kind::Cron(_) | Kind::At(_) => {
            let mut instants = Vec::new();
            let mut after = window.from - tolerance - Duration::seconds(1);
            while let Some(next) = schedule.next_after(after) {
                if next > window.to || instants.len() >= MAX_SLOTS {
                    break;
                }
                instants.push(next);
                after = next;
            }
            calendar(instants, fires, window, tolerance)
        }
        Kind::Every(every) => {
            // robfig runs a sub-second `@every` once a second.
            let every = Duration::from_std(*every)
                .unwrap_or(Duration::seconds(1))
                .max(Duration::seconds(1));
            periodic(every, fires, window, tolerance)
        }
        Kind::Manually => Timeline {
            unscheduled: in_window(fires, window)
                .map(|index| (index, Unscheduled::Manual))
                .collect(),
            ..Timeline::default()
        },
    }
}

fn in_window(fires: &[Fire], window: Window) -> impl Iterator<Item = usize> + '_ {
    fires
        .iter()
        .enumerate()
        .filter(move |(_, fire)| window.contains(fire.at))
        .map(|(index, _)| index)
}

fn calendar(
    instants: Vec<DateTime<Utc>>,
    fires: &[Fire],
    window: Window,
    tolerance: Duration,
) -> Timeline {
    let mut slots: Vec<Slot> = instants
        .iter()
        .enumerate()
        .map(|(index, at)| {
            let gap_before = index.checked_sub(1).map(|prev| *at - instants[prev]);
            let gap_after = instants.get(index + 1).map(|next| *next - *at);
            let narrowest = [gap_before, gap_after]
                .into_iter()
                .flatten()
                .min()
                .map_or(tolerance, |gap| gap / 2);
            Slot {
                at: *at,
                tolerance: tolerance.min(narrowest),
                fires: Vec::new(),
            }
        })
        .collect();
    let mut unscheduled = Vec::new();
    for (index, fire) in fires.iter().enumerate() {
        // The slot nearest the fire, on either side.
        let after = slots.partition_point(|slot| slot.at < fire.at);
        let nearest = [after.checked_sub(1), Some(after)]
            .into_iter()
            .flatten()
            .filter(|candidate| *candidate < slots.len())
            .min_by_key(|candidate| (slots[*candidate].at - fire.at).abs());
        match nearest {
            Some(slot) if (slots[slot].at - fire.at).abs() <= slots[slot].tolerance => {
                slots[slot].fires.push(index);
            }
            _ if window.contains(fire.at) => unscheduled.push((index, Unscheduled::OffSchedule)),
            _ => {}
        }
    }
    Timeline {
        slots,
        unscheduled,
        ..Timeline::default()
    }
}

/// `@every`: Dkron's scheduler (robfig's constant-delay schedule) fires one delay after the whole
/// second at which it last fired the job; a stall (a frozen or busy leader) delays the overdue fire
/// until the scheduler wakes, fires once, and takes its phase from then.
fn periodic(every: Duration, fires: &[Fire], window: Window, tolerance: Duration) -> Timeline {
    let tolerance = tolerance.min(every / 2);
    let mut timeline = Timeline {
        period: Some(every),
        ..Timeline::default()
    };
    let whole_second = |at: DateTime<Utc>| {
        at.duration_trunc(Duration::seconds(1))
            .expect("a second divides any instant")
    };
    let mut slots: Vec<Slot> = Vec::new();
    // Slots outside the window (and its lead-in of one tolerance) only carry the phase.
    let reach = Window {
        from: window.from - tolerance,
        to: window.to,
    };
    let push = |slots: &mut Vec<Slot>, at: DateTime<Utc>, fire: Option<usize>| {
        if reach.contains(at) && slots.len() < MAX_SLOTS {
            slots.push(Slot {
                at,
                tolerance,
                fires: fire.into_iter().collect(),
            });
        }
    };
    let on_grid = |at: DateTime<Utc>, anchor: DateTime<Utc>| {
        let offset = (at - anchor)
            .num_milliseconds()
            .rem_euclid(every.num_milliseconds());
        let offset = Duration::milliseconds(offset);
        offset <= tolerance || every - offset <= tolerance
    };
    let mut next: Option<DateTime<Utc>> = None;
    for (index, fire) in fires.iter().enumerate() {
        let Some(expected) = next else {
            // The first fire on record gives the phase; slots before it in the window were due too
            // (whether the job existed then is for the reader to say: `audit` notes it).
            let first = whole_second(fire.at);
            let mut before = Vec::new();
            let mut slot = first - every;
            while slot >= reach.from && before.len() < MAX_SLOTS {
                before.push(slot);
                slot -= every;
            }
            for slot in before.into_iter().rev() {
                push(&mut slots, slot, None);
            }
            push(&mut slots, first, Some(index));
            next = Some(first + every);
            continue;
        };
        if fire.at < expected - tolerance {
            // Early: a second fire of the slot just made, or a run by hand.
            match slots.last_mut() {
                Some(last) if (fire.at - last.at).abs() <= tolerance => last.fires.push(index),
                _ if window.contains(fire.at) => {
                    timeline.unscheduled.push((index, Unscheduled::OffSchedule))
                }
                _ => {}
            }
            continue;
        }
        // Due slots the fire came after are missed.
        let mut slot = expected;
        while slot < fire.at - tolerance {
            push(&mut slots, slot, None);
            slot += every;
        }
        if slot <= fire.at + tolerance {
            push(&mut slots, slot, Some(index));
            next = Some(whole_second(fire.at) + every);
            continue;
        }
        // Late and off the grid: Dkron's catch-up after a stall, unless the fires after it keep the
        // old phase, which makes it a run by hand.
        let keeps_phase = fires
            .get(index + 1)
            .is_some_and(|following| on_grid(following.at, expected));
        let kind = if keeps_phase {
            next = Some(slot);
            Unscheduled::OffSchedule
        } else {
            next = Some(whole_second(fire.at) + every);
            Unscheduled::CatchUp
        };
        if window.contains(fire.at) {
            timeline.unscheduled.push((index, kind));
        }
    }
    match next {
        Some(mut slot) => {
            while slot <= window.to && slots.len() < MAX_SLOTS {
                push(&mut slots, slot, None);
                slot += every;
            }
        }
        None => {
            timeline.phase_unknown = true;
            let mut slot = window.from;
            while slot <= window.to && slots.len() < MAX_SLOTS {
                push(&mut slots, slot, None);
                slot += every;
            }
        }
    }
    timeline.slots = slots;
    timeline
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono_tz::Tz;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    /// An execution shaped exactly like Dkron's (`GET /v1/jobs/{job}/executions`).
    pub(crate) fn execution(
        group: &str,
        started: &str,
        node: &str,
        attempt: u32,
        success: bool,
        output: &str,
    ) -> Execution {
        let group = at(group).timestamp_nanos_opt().unwrap();
        let started = DateTime::parse_from_rfc3339(started).unwrap();
        serde_json::from_value(serde_json::json!({
            "id": format!("{}-{node}", started.timestamp_nanos_opt().unwrap()),
            "job_name": "job",
            "started_at": started.to_rfc3339(),
            "finished_at": (started + Duration::milliseconds(9)).to_rfc3339(),
            "success": success,
            "output": output,
            "node_name": node,
            "group": group,
            "attempt": attempt,
            "output_truncated": false,
        }))
        .unwrap()
    }

    fn ok(group: &str) -> Execution {
        execution(
            group,
            group,
            "dkron-0",
            1,
            true,
            r#"{"invocationId":"inv_1cbrXaL8JAc75Bn0L108v41wW7JeRtlQ9m","status":"Accepted"}"#,
        )
    }

    fn schedule(spec: &str) -> LiveSchedule {
        LiveSchedule::parse("job", spec, "UTC", Tz::UTC).unwrap()
    }

    fn window(from: &str, to: &str) -> Window {
        Window {
            from: at(from),
            to: at(to),
        }
    }

    #[test]
    fn retries_and_nodes_of_one_trigger_are_one_fire() {
        let fires = group(vec![
            execution(
                "2026-12-01T10:00:00.001Z",
                "2026-12-01T10:00:00.005Z",
                "a",
                1,
                false,
                "refused",
            ),
            execution(
                "2026-12-01T10:00:00.001Z",
                "2026-12-01T10:00:02.005Z",
                "a",
                2,
                true,
                "{}",
            ),
            execution(
                "2026-12-01T10:00:00.001Z",
                "2026-12-01T10:00:00.006Z",
                "b",
                1,
                true,
                "{}",
            ),
            ok("2026-12-01T10:01:00.001Z"),
        ]);
        assert_eq!(fires.len(), 2);
        assert_eq!(fires[0].executions.len(), 3);
        assert_eq!(fires[0].nodes().len(), 2);
        // The retry on `a` succeeded: the fire did not fail.
        assert_eq!(fires[0].state(), FireState::Succeeded);
        assert_eq!(fires[1].invocation_ids().len(), 1);
    }

    #[test]
    fn a_node_whose_last_attempt_failed_fails_the_fire() {
        let fires = group(vec![
            execution(
                "2026-12-01T10:00:00Z",
                "2026-12-01T10:00:00Z",
                "a",
                1,
                true,
                "{}",
            ),
            execution(
                "2026-12-01T10:00:00Z",
                "2026-12-01T10:00:00Z",
                "b",
                1,
                false,
                "404",
            ),
        ]);
        assert_eq!(fires[0].state(), FireState::Failed);
        assert_eq!(fires[0].failure_text().as_deref(), Some("404"));
        assert_eq!(fires[0].nodes().len(), 2);
    }

    #[test]
    fn calendar_slots_match_fires_and_show_the_missed_one() {
        let fires = group(vec![
            ok("2026-12-01T10:00:00.002Z"),
            ok("2026-12-01T10:02:00.004Z"),
            // A run by hand.
            ok("2026-12-01T10:02:31Z"),
        ]);
        let line = timeline(
            &schedule("0 * * * * *"),
            &fires,
            window("2026-12-01T10:00:00Z", "2026-12-01T10:03:00Z"),
            Duration::seconds(10),
        );
        let matched: Vec<usize> = line.slots.iter().map(|slot| slot.fires.len()).collect();
        assert_eq!(matched, [1, 0, 1, 0]);
        assert_eq!(line.unscheduled, [(2, Unscheduled::OffSchedule)]);
    }

    #[test]
    fn two_triggers_in_one_slot_are_both_in_it() {
        let fires = group(vec![
            ok("2026-12-01T10:00:00.002Z"),
            ok("2026-12-01T10:00:01.500Z"),
        ]);
        let line = timeline(
            &schedule("0 * * * * *"),
            &fires,
            window("2026-12-01T10:00:00Z", "2026-12-01T10:00:30Z"),
            Duration::seconds(10),
        );
        assert_eq!(line.slots.len(), 1);
        assert_eq!(line.slots[0].fires, [0, 1]);
    }

    #[test]
    fn tolerance_narrows_to_half_the_gap_between_slots() {
        let line = timeline(
            &schedule("*/2 * * * * *"),
            &[],
            window("2026-12-01T10:00:00Z", "2026-12-01T10:00:04Z"),
            Duration::seconds(30),
        );
        let inside = line
            .slots
            .iter()
            .filter(|slot| slot.at >= at("2026-12-01T10:00:00Z"))
            .count();
        assert_eq!(inside, 3);
        assert!(
            line.slots
                .iter()
                .all(|slot| slot.tolerance == Duration::seconds(1))
        );
        // The lead-in: slots up to one tolerance before the window.
        assert_eq!(line.slots[0].at, at("2026-12-01T09:59:30Z"));
    }

    #[test]
    fn every_follows_the_phase_and_counts_a_stall() {
        // @every 2s, on time until 10:00:04, then the scheduler is frozen until 10:00:13.4 and
        // fires once as it wakes (within the half-period tolerance of the 10:00:14 slot), and keeps
        // the new phase: what a SIGSTOPped Dkron did on loopback.
        let fires = group(
            [
                "2026-12-01T10:00:00.001Z",
                "2026-12-01T10:00:02.001Z",
                "2026-12-01T10:00:04.001Z",
                "2026-12-01T10:00:13.400Z",
                "2026-12-01T10:00:15.001Z",
                "2026-12-01T10:00:17.002Z",
            ]
            .into_iter()
            .map(ok)
            .collect(),
        );
        let line = timeline(
            &schedule("@every 2s"),
            &fires,
            window("2026-12-01T10:00:00Z", "2026-12-01T10:00:17Z"),
            Duration::seconds(30),
        );
        let missed: Vec<String> = line
            .slots
            .iter()
            .filter(|slot| slot.fires.is_empty())
            .map(|slot| slot.at.format("%S").to_string())
            .collect();
        assert_eq!(missed, ["06", "08", "10", "12"]);
        assert!(line.unscheduled.is_empty());
        assert_eq!(line.slots.last().unwrap().at, at("2026-12-01T10:00:17Z"));
        assert!(!line.phase_unknown);
    }

    #[test]
    fn every_marks_the_catch_up_that_moves_its_phase() {
        // @every 10s audited with a 2 s tolerance: the fire that ends the stall is far from the old
        // phase, and the fires after it keep the new one.
        let fires = group(
            [
                "2026-12-01T10:00:00.001Z",
                "2026-12-01T10:00:10.001Z",
                "2026-12-01T10:00:34.500Z",
                "2026-12-01T10:00:44.001Z",
                "2026-12-01T10:00:54.001Z",
            ]
            .into_iter()
            .map(ok)
            .collect(),
        );
        let line = timeline(
            &schedule("@every 10s"),
            &fires,
            window("2026-12-01T10:00:00Z", "2026-12-01T10:00:55Z"),
            Duration::seconds(2),
        );
        let missed: Vec<String> = line
            .slots
            .iter()
            .filter(|slot| slot.fires.is_empty())
            .map(|slot| slot.at.format("%S").to_string())
            .collect();
        assert_eq!(missed, ["20", "30"]);
        assert_eq!(line.unscheduled, [(2, Unscheduled::CatchUp)]);
        let matched: Vec<String> = line
            .slots
            .iter()
            .filter(|slot| !slot.fires.is_empty())
            .map(|slot| slot.at.format("%S").to_string())
            .collect();
        assert_eq!(matched, ["00", "10", "44", "54"]);
    }

    #[test]
    fn every_keeps_its_phase_across_a_run_by_hand() {
        let fires = group(
            [
                "2026-12-01T10:00:00.001Z",
                "2026-12-01T10:00:10.001Z",
                "2026-12-01T10:00:14.500Z",
                "2026-12-01T10:00:20.001Z",
            ]
            .into_iter()
            .map(ok)
            .collect(),
        );
        let line = timeline(
            &schedule("@every 10s"),
            &fires,
            window("2026-12-01T10:00:00Z", "2026-12-01T10:00:20Z"),
            Duration::seconds(2),
        );
        let matched: Vec<usize> = line.slots.iter().map(|slot| slot.fires.len()).collect();
        assert_eq!(matched, [1, 1, 1]);
        assert_eq!(line.unscheduled, [(2, Unscheduled::OffSchedule)]);
    }

    #[test]
    fn every_without_fires_still_expects_its_slots() {
        let line = timeline(
            &schedule("@every 10s"),
            &[],
            window("2026-12-01T10:00:00Z", "2026-12-01T10:00:59Z"),
            Duration::seconds(30),
        );
        assert_eq!(line.slots.len(), 6);
        assert!(line.phase_unknown);
    }

    #[test]
    fn manual_jobs_expect_nothing() {
        let fires = group(vec![ok("2026-12-01T10:00:00Z")]);
        let line = timeline(
            &schedule("@manually"),
            &fires,
            window("2026-12-01T09:00:00Z", "2026-12-01T11:00:00Z"),
            Duration::seconds(30),
        );
        assert!(line.slots.is_empty());
        assert_eq!(line.unscheduled, [(0, Unscheduled::Manual)]);
    }
}
