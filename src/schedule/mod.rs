//! Schedules: what an operator writes (`tier1.toml`, `create`, `enable-health`), what Dkron
//! stores, how Dkron's scheduler reads a live job's schedule, and when it fires. Nothing here
//! talks to Dkron; how a job is rendered or synced is not here either.
//!
//! Dkron parses schedules with robfig/cron v3.0.1 behind its `extcron` wrapper. One parser
//! ([`spec`]: six fields seconds first, descriptors, `@every`, robfig's `CRON_TZ=` prefix) and one
//! evaluator ([`walk`]: robfig's `Next`, DST included) serve both directions:
//! - [`Schedule`] is the operator's side. It also takes Inngest's five fields (second 0 keeps
//!   their instants), writes descriptors Dkron would read in its server's zone as six fields so
//!   the job's `timezone` applies, and refuses what Dkron would reject or accept and then misread.
//! - [`LiveSchedule`] reads a stored job as Dkron's scheduler does (`~`, the `CRON_TZ=` prefix it
//!   adds from `timezone`, extcron's `@manually`, `@minutely`, `@at`), and [`stored_next`]
//!   explains where the `next` Dkron stores differs from the scheduler's real next fire.
//!
//! The port is checked against robfig itself: every row of the truth table that
//! testkit/cron-oracle generates with robfig v3.0.1 (`oracle` tests), and random specs through
//! both (`scripts/cron-fuzz`).

mod go;
mod live;
mod spec;
pub mod stored_next;
mod walk;

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod oracle;
#[cfg(test)]
mod tests;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

pub use self::live::LiveSchedule;
pub use self::spec::CronSpec;
pub use self::walk::repeated_wall_time;

/// What a schedule is, once parsed: the one kind enum of both sides.
#[derive(Debug, Clone)]
pub enum Kind {
    /// Calendar fire times, read on the wall clock of some zone.
    Cron(CronSpec),
    /// `@every`: a fixed delay, counted from when the scheduler added the job.
    Every(Duration),
    /// `@manually`: only when run by hand.
    Manually,
    /// `@at`: once.
    At(DateTime<Utc>),
}

impl Kind {
    /// `cron`, `every`, `manually` or `at`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Cron(_) => "cron",
            Self::Every(_) => "every",
            Self::Manually => "manually",
            Self::At(_) => "at",
        }
    }
}

/// Where the wall clock of a live job's schedule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneSource {
    /// The job's `timezone`, which Dkron's scheduler prepends as `CRON_TZ=`.
    Timezone,
    /// A `CRON_TZ=` or `TZ=` prefix written in the schedule itself.
    Schedule,
    /// The Dkron server's local time: an `@` descriptor (Dkron does not apply `timezone` to
    /// those) or a job without `timezone`.
    Server,
}

/// A validated schedule, as an operator wrote it.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// What the operator wrote.
    pub source: String,
    /// What Dkron stores in the job's `schedule`.
    pub dkron: String,
    kind: Kind,
}

impl Schedule {
    /// Parses and validates a schedule as written in the manifest or on the command line.
    pub fn parse(source: &str) -> Result<Self, String> {
        let trimmed = source.trim();
        if trimmed.is_empty() {
            return Err("the schedule is empty".to_string());
        }
        if trimmed.starts_with("CRON_TZ=") || trimmed.starts_with("TZ=") {
            return Err("put the time zone in `timezone`, not in the schedule".to_string());
        }
        if let Some(descriptor) = trimmed.strip_prefix('@') {
            return Self::parse_descriptor(source, descriptor);
        }
        let fields: Vec<&str> = trimmed.split_whitespace().collect();
        let six = match fields.len() {
            // Inngest's five fields; Dkron wants seconds first, and second 0 keeps the instants.
            5 => format!("0 {}", fields.join(" ")),
            6 => fields.join(" "),
            n => {
                return Err(format!(
                    "expected 5 fields (Inngest: minute hour day month weekday) or 6 (Dkron: second first), found {n}"
                ));
            }
        };
        let spec = CronSpec::parse_strict(&six)?;
        Ok(Self {
            source: source.to_string(),
            dkron: six,
            kind: Kind::Cron(spec),
        })
    }

    fn parse_descriptor(source: &str, descriptor: &str) -> Result<Self, String> {
        let (word, argument) = match descriptor.split_once(char::is_whitespace) {
            Some((word, argument)) => (word, argument.trim()),
            None => (descriptor, ""),
        };
        let at_word = format!("@{}", word.to_ascii_lowercase());
        // Dkron reads these in its server's zone whatever the job's `timezone` says, so we write
        // their six-field equivalents instead, and the job's timezone applies.
        if let Some((_, six, _)) = spec::DESCRIPTORS.iter().find(|(d, ..)| *d == at_word) {
            if !argument.is_empty() {
                return Err(format!("`{at_word}` takes no argument"));
            }
            let mut schedule = Self::parse(six)?;
            schedule.source = source.to_string();
            return Ok(schedule);
        }
        let kind = match at_word.as_str() {
            "@every" => {
                let every = go::parse_duration(argument)
                    .map_err(|error| format!("`@every {argument}`: {}", error.explain()))?;
                match every.to_std() {
                    Some(every) if every >= Duration::from_secs(1) => Kind::Every(every),
                    _ => {
                        return Err(format!(
                            "`@every {argument}` is shorter than Dkron's minimum of 1s"
                        ));
                    }
                }
            }
            "@manually" if argument.is_empty() => Kind::Manually,
            "@at" => Kind::At(
                go::parse_rfc3339(argument)
                    .map_err(|error| {
                        format!(
                            "`@at {argument}` needs an RFC 3339 time such as 2026-12-01T09:00:00Z ({error})"
                        )
                    })?
                    .to_utc(),
            ),
            _ => {
                return Err(format!(
                    "unknown descriptor `{}`: use @yearly, @monthly, @weekly, @daily, @hourly, @minutely, @every <duration>, @manually or @at <RFC 3339 time>",
                    descriptor.trim()
                ));
            }
        };
        Ok(Self {
            source: source.to_string(),
            dkron: format!("@{} {argument}", word.to_ascii_lowercase())
                .trim_end()
                .to_string(),
            kind,
        })
    }

    /// The next `count` fire instants strictly after `after`, evaluated in `zone`. Empty for
    /// `@manually`, a past `@at`, and `@every` (its phase starts when Dkron stores the job).
    pub fn next_fires(&self, zone: Tz, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Tz>> {
        match &self.kind {
            Kind::Cron(spec) => spec
                .fires(zone, after, count)
                .into_iter()
                .map(|time| time.with_timezone(&zone))
                .collect(),
            Kind::At(at) if *at > after => vec![at.with_timezone(&zone)],
            Kind::At(_) | Kind::Every(_) | Kind::Manually => Vec::new(),
        }
    }

    /// A short phrase for schedules without calendar fire times.
    pub fn cadence(&self) -> Option<String> {
        match &self.kind {
            Kind::Every(every) => Some(format!("every {}s from each write", every.as_secs())),
            Kind::Manually => Some("only when run by hand".to_string()),
            _ => None,
        }
    }
}

/// Parses an IANA zone name the way Dkron's `time.LoadLocation` would accept it.
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    if name.is_empty() {
        return Err("the time zone is empty (Dkron would use the server's local time)".to_string());
    }
    Tz::from_str(name).map_err(|_| {
        format!("unknown time zone `{name}` (use an IANA name such as UTC or America/Los_Angeles)")
    })
}

/// Formats an instant in a zone, with the zone's abbreviation.
pub fn format_in<Z: TimeZone>(time: &DateTime<Z>) -> String
where
    Z::Offset: std::fmt::Display,
{
    time.format("%Y-%m-%d %H:%M:%S %Z").to_string()
}
