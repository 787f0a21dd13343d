//! Dkron's stored `next` against the scheduler's real next fire, and why they differ. Dkron
//! computes the stored value without the job's timezone whenever a job is written, and a run or a
//! fire only ever moves it later (docs/dkron-observed.md §5); this module knows those rules, so
//! `next` only has to show the verdict. What the real next fire is comes from [`LiveSchedule`].

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::{Kind, LiveSchedule, format_in};
use crate::dkron::Job;

/// Dkron's stored `next` against ours.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// What Dkron stores (`null` for its zero time).
    pub next: Option<DateTime<Utc>>,
    /// Our first fire strictly after `now`.
    pub computed: Option<DateTime<Utc>>,
    pub status: Status,
    pub reason: Option<String>,
}

/// The verdict: the same instant, a difference (explained), or nothing to compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Match,
    Mismatch,
    NotCompared,
}

/// Compares the `next` Dkron stores for `live` with our first fire after now (`schedule` is
/// `live`'s, read as the scheduler reads it), and explains a difference.
pub fn check(live: &Job, schedule: &LiveSchedule, now: DateTime<Utc>, server: Tz) -> Check {
    let dkron = live.next;
    let computed = match &schedule.kind {
        Kind::Every(_) => None,
        _ => schedule.next_after(now),
    };
    let not_compared = |reason: &str| Check {
        next: dkron,
        computed,
        status: Status::NotCompared,
        reason: Some(reason.to_string()),
    };
    if live.disabled {
        return not_compared(
            "the job is disabled: Dkron's scheduler has no entry for it, and its `next` is whatever was computed when it was written",
        );
    }
    if let Kind::Every(_) = schedule.kind {
        return not_compared(
            "`@every` counts from when Dkron's scheduler added the job; its times are counted on from Dkron's `next`",
        );
    }
    if live.starts_at.is_some_and(|starts| starts > now) {
        return not_compared("starts_at is in the future: Dkron shows it as `next`");
    }
    if dkron == computed {
        return Check {
            next: dkron,
            computed,
            status: Status::Match,
            reason: None,
        };
    }
    Check {
        next: dkron,
        computed,
        status: Status::Mismatch,
        reason: Some(explain(live, schedule, dkron, computed, now, server)),
    }
}

fn explain(
    live: &Job,
    schedule: &LiveSchedule,
    dkron: Option<DateTime<Utc>>,
    computed: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    server: Tz,
) -> String {
    let (dkron, computed) = match (dkron, computed) {
        (None, Some(computed)) => {
            return format!(
                "Dkron stores no `next` (its zero time) although the schedule fires at {}; the scheduler still fires then",
                format_in(&computed)
            );
        }
        (Some(dkron), None) => {
            return format!(
                "Dkron expects a fire at {} but the schedule has none after now (was the job changed since Dkron computed it?)",
                format_in(&dkron)
            );
        }
        (Some(dkron), Some(computed)) => (dkron, computed),
        (None, None) => return "no difference".to_string(),
    };
    let zone = schedule.zone().unwrap_or(server);
    let one_second = chrono::Duration::seconds(1);
    let is_fire_of = |other: &LiveSchedule| other.next_after(dkron - one_second) == Some(dkron);
    // What Dkron computes when a job is written: the schedule without its timezone.
    let as_written = LiveSchedule::parse(&live.name, &live.schedule, "", server).ok();
    if let Some(as_written) = as_written.filter(|written| written.zone() != schedule.zone())
        && is_fire_of(&as_written)
    {
        let mut reason = format!(
            "Dkron computed its `next` without the timezone, reading the schedule in its server's local time ({server}) instead of {zone}, as it does whenever a job is created or updated (docs/dkron-observed.md §5)"
        );
        if dkron > computed {
            reason.push_str(
                "; a run or a fire stores the scheduler's time only when it is later than the stored one, so this wrong, later value stays until a fire or run finds the scheduler's next time past it (normally at the job's first scheduled fire). The job still fires at the computed time",
            );
        } else {
            reason.push_str(
                "; the job has not run since it was written (a run stores the scheduler's correct time). The job still fires at the computed time",
            );
        }
        return reason;
    }
    if dkron < now {
        return format!(
            "Dkron's `next` ({}) is in the past: the job has not fired or run since Dkron computed it",
            format_in(&dkron)
        );
    }
    let offset = |at: DateTime<Utc>| zone.offset_from_utc_datetime(&at.naive_utc()).fix();
    if offset(dkron) != offset(computed) {
        return format!(
            "a clock change in {zone} lies between the two times: Dkron's time-zone data or DST handling differ from ours (robfig/cron skips a wall time that does not exist and fires twice in a repeated hour)"
        );
    }
    if is_fire_of(schedule) {
        return "Dkron's `next` is a later fire time of the same schedule: the stored `next` only ever moves later (a run keeps the later of the stored and the scheduler's time)".to_string();
    }
    "Dkron's `next` is not a fire time of this schedule as Dkron's scheduler reads it (was the job changed since?)".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn job(schedule: &str, timezone: &str, next: Option<&str>) -> Job {
        Job {
            name: "job".into(),
            schedule: schedule.into(),
            timezone: timezone.into(),
            next: next.map(at),
            ..Job::default()
        }
    }

    fn verdict(job: &Job, now: &str) -> Check {
        let schedule =
            LiveSchedule::parse(&job.name, &job.schedule, &job.timezone, Tz::UTC).unwrap();
        check(job, &schedule, at(now), Tz::UTC)
    }

    const NOW: &str = "2026-11-22T12:00:00Z";

    #[test]
    fn the_scheduler_s_own_next_matches() {
        let result = verdict(
            &job("0 0 7 * * *", "Asia/Tokyo", Some("2026-11-22T22:00:00Z")),
            NOW,
        );
        assert_eq!(result.status, Status::Match);
        assert_eq!(result.computed, Some(at("2026-11-22T22:00:00Z")));
        assert_eq!(result.reason, None);
    }

    #[test]
    fn a_next_computed_without_the_timezone_is_explained() {
        // Written at NOW: Dkron read 07:00 in UTC, a later instant than 07:00 in Tokyo.
        let later = verdict(
            &job("0 0 7 * * *", "Asia/Tokyo", Some("2026-11-23T07:00:00Z")),
            NOW,
        );
        assert_eq!(later.status, Status::Mismatch);
        let reason = later.reason.unwrap();
        assert!(reason.contains("without the timezone"), "{reason}");
        assert!(reason.contains("only when it is later"), "{reason}");
        // New York is behind UTC: the stored value is earlier and a run repairs it.
        let earlier = verdict(
            &job(
                "0 0 7 * * *",
                "America/New_York",
                Some("2026-11-23T07:00:00Z"),
            ),
            NOW,
        );
        let reason = earlier.reason.unwrap();
        assert!(
            reason.contains("has not run since it was written"),
            "{reason}"
        );
    }

    #[test]
    fn other_differences_name_their_cause() {
        let reason = |job: Job, now: &str| verdict(&job, now).reason.unwrap_or_default();
        assert!(reason(job("0 0 7 * * *", "", None), NOW).contains("stores no `next`"));
        assert!(
            reason(job("0 0 7 * * *", "", Some("2026-11-20T07:00:00Z")), NOW)
                .contains("is in the past")
        );
        assert!(
            reason(job("0 0 7 * * *", "", Some("2026-11-24T07:00:00Z")), NOW)
                .contains("a later fire time of the same schedule")
        );
        assert!(
            reason(job("0 0 7 * * *", "", Some("2026-11-23T07:30:00Z")), NOW)
                .contains("not a fire time of this schedule")
        );
        assert!(
            reason(
                job("@at 2026-01-01T00:00:00Z", "", Some("2026-12-01T00:00:00Z")),
                NOW
            )
            .contains("has none after now")
        );
    }

    #[test]
    fn what_cannot_be_compared_says_why() {
        let mut disabled = job("0 0 7 * * *", "", Some("2026-11-20T07:00:00Z"));
        disabled.disabled = true;
        let result = verdict(&disabled, NOW);
        assert_eq!(result.status, Status::NotCompared);
        assert!(result.reason.unwrap().contains("disabled"));
        let every = verdict(&job("@every 1h", "", Some("2026-11-22T12:30:00Z")), NOW);
        assert_eq!(every.status, Status::NotCompared);
        assert_eq!(every.computed, None);
        let mut later = job("0 0 7 * * *", "", Some("2027-01-01T00:00:00Z"));
        later.starts_at = Some(at("2027-01-01T00:00:00Z"));
        assert_eq!(verdict(&later, NOW).status, Status::NotCompared);
    }
}
