//! Schedules: from what an operator writes in `tier1.toml` to what Dkron stores, and when it fires.
//!
//! Dkron parses schedules with robfig/cron v3 through its `extcron` wrapper: exactly six fields,
//! seconds first, plus `@` descriptors. Inngest crons are five fields evaluated in UTC. This module
//! accepts both, renders the six-field form, rejects what Dkron would reject (or accept and then
//! misread), and computes fire times locally so a plan can show them. It does not talk to Dkron.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// A validated schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// What the operator wrote.
    pub source: String,
    /// What Dkron stores in the job's `schedule`.
    pub dkron: String,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Cron(Box<Cron>),
    Every(Duration),
    Manually,
    At(DateTime<FixedOffset>),
}

/// Descriptors Dkron evaluates in the server's local time, whatever the job's `timezone` says.
/// We write their six-field equivalents instead, so the job's timezone applies.
const EXPANDED_DESCRIPTORS: &[(&str, &str)] = &[
    ("@yearly", "0 0 0 1 1 *"),
    ("@annually", "0 0 0 1 1 *"),
    ("@monthly", "0 0 0 1 * *"),
    ("@weekly", "0 0 0 * * 0"),
    ("@daily", "0 0 0 * * *"),
    ("@midnight", "0 0 0 * * *"),
    ("@hourly", "0 0 * * * *"),
    ("@minutely", "0 * * * * *"),
];

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    question_mark: bool,
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// robfig/cron v3's bounds; note day-of-week stops at 6 (Sunday is 0 only).
const FIELDS: [Field; 6] = [
    Field {
        name: "second",
        min: 0,
        max: 59,
        names: &[],
        question_mark: false,
    },
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
        question_mark: false,
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
        question_mark: false,
    },
    Field {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
        question_mark: true,
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: MONTHS,
        question_mark: false,
    },
    Field {
        name: "day of week",
        min: 0,
        max: 6,
        names: DAYS,
        question_mark: true,
    },
];

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
        for (text, field) in six.split(' ').zip(FIELDS.iter()) {
            check_field(text, field)?;
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Required)
            .year(Year::Disallowed)
            .build()
            .parse(&robfig_equivalent(&six))
            .map_err(|error| format!("cannot parse `{six}`: {error}"))?;
        Ok(Self {
            source: source.to_string(),
            dkron: six,
            kind: Kind::Cron(Box::new(cron)),
        })
    }

    fn parse_descriptor(source: &str, descriptor: &str) -> Result<Self, String> {
        let (word, argument) = match descriptor.split_once(char::is_whitespace) {
            Some((word, argument)) => (word, argument.trim()),
            None => (descriptor, ""),
        };
        let at_word = format!("@{}", word.to_ascii_lowercase());
        if let Some((_, six)) = EXPANDED_DESCRIPTORS.iter().find(|(d, _)| *d == at_word) {
            if !argument.is_empty() {
                return Err(format!("`{at_word}` takes no argument"));
            }
            let mut schedule = Self::parse(six)?;
            schedule.source = source.to_string();
            return Ok(schedule);
        }
        let kind = match at_word.as_str() {
            "@every" => {
                let every = parse_go_duration(argument)
                    .map_err(|error| format!("`@every {argument}`: {error}"))?;
                if every < Duration::from_secs(1) {
                    return Err(format!(
                        "`@every {argument}` is shorter than Dkron's minimum of 1s"
                    ));
                }
                Kind::Every(every)
            }
            "@manually" if argument.is_empty() => Kind::Manually,
            "@at" => Kind::At(parse_go_rfc3339(argument).map_err(|error| {
                format!(
                    "`@at {argument}` needs an RFC 3339 time such as 2026-12-01T09:00:00Z ({error})"
                )
            })?),
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
        // Fire times are whole seconds; a fractional start would leak into every result.
        let after = after.with_nanosecond(0).unwrap_or(after);
        match &self.kind {
            Kind::Cron(cron) => cron
                .iter_after(after.with_timezone(&zone))
                .take(count)
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

/// Rewrites a valid spec so croner computes the fire times robfig/cron v3 (Dkron) would:
/// - robfig treats `*/1` in a day field as a plain `*` (it keeps the "star" bit, so day of month
///   and day of week combine with AND); croner would OR them;
/// - `N/step` runs to the field's maximum, which for day of week is 6 in robfig and 7 in croner.
fn robfig_equivalent(six: &str) -> String {
    six.split(' ')
        .enumerate()
        .map(|(index, field)| {
            let is_day_field = index == 3 || index == 5;
            field
                .split(',')
                .map(|part| {
                    if is_day_field && part == "*/1" {
                        return "*".to_string();
                    }
                    match part.split_once('/') {
                        Some((start, step))
                            if index == 5 && !start.contains('-') && start != "*" =>
                        {
                            format!("{start}-6/{step}")
                        }
                        _ => part.to_string(),
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_field(text: &str, field: &Field) -> Result<(), String> {
    let fail = |why: String| Err(format!("{} field `{text}`: {why}", field.name));
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (part, None),
        };
        if let Some(step) = step {
            match step.parse::<u32>() {
                Ok(0) | Err(_) => return fail(format!("step `{step}` must be a positive number")),
                Ok(_) => {}
            }
        }
        if range == "*" || (range == "?" && field.question_mark) {
            continue;
        }
        if range.contains('~') {
            return fail("Dkron's hashed `~` value is not supported here; write the value".into());
        }
        let (low, high) = match range.split_once('-') {
            Some((low, high)) => (value(low, field)?, value(high, field)?),
            None => {
                let single = value(range, field)?;
                (single, if step.is_some() { field.max } else { single })
            }
        };
        if low > high {
            return fail(format!("range {low}-{high} runs backwards"));
        }
    }
    Ok(())
}

fn value(text: &str, field: &Field) -> Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    if let Some(index) = field.names.iter().position(|name| *name == upper) {
        // Month names count from 1, day names from 0 (SUN).
        return Ok(index as u32 + field.min);
    }
    match text.parse::<u32>() {
        Ok(number) if (field.min..=field.max).contains(&number) => Ok(number),
        Ok(number) => Err(format!(
            "{} field value {number} is outside {}-{}",
            field.name, field.min, field.max
        )),
        Err(_) => Err(format!(
            "{} field: `{text}` is not a number{}",
            field.name,
            if field.names.is_empty() {
                String::new()
            } else {
                format!(" or one of {}", field.names.join(", "))
            }
        )),
    }
}

/// Parses an RFC 3339 time as strictly as Go's `time.Parse(time.RFC3339, …)`, which Dkron uses:
/// chrono also takes a space or a lower-case `t`/`z`, which Dkron then rejects.
fn parse_go_rfc3339(text: &str) -> Result<DateTime<FixedOffset>, String> {
    if text.as_bytes().get(10) != Some(&b'T') || text.contains(['t', 'z']) {
        return Err(
            "the date and time must be joined by an upper-case `T`, and UTC written `Z`".into(),
        );
    }
    DateTime::parse_from_rfc3339(text).map_err(|error| error.to_string())
}

/// Parses a Go `time.Duration` string (`1s`, `1m30s`, `1.5h`, `500ms`), the syntax of `@every`.
fn parse_go_duration(text: &str) -> Result<Duration, String> {
    if text.is_empty() {
        return Err("missing duration".to_string());
    }
    let mut rest = text;
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("`{text}` lacks a unit (ns, us, ms, s, m, h)"))?;
        let number: f64 = rest[..number_end]
            .parse()
            .map_err(|_| format!("`{text}` is not a Go duration"))?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            unit => return Err(format!("unknown unit `{unit}` in `{text}`")),
        };
        total += number * seconds;
        rest = &rest[unit_end..];
    }
    // Go's Duration is i64 nanoseconds: about 292 years at most.
    const GO_MAX_SECONDS: f64 = 9_223_372_036.854_775;
    if total > GO_MAX_SECONDS {
        return Err(format!(
            "`{text}` is longer than a Go duration can be (about 292 years)"
        ));
    }
    Duration::try_from_secs_f64(total).map_err(|error| format!("`{text}`: {error}"))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn five_fields_gain_a_zero_second_and_keep_inngest_instants() {
        let schedule = Schedule::parse("55 7 * * *").unwrap();
        assert_eq!(schedule.dkron, "0 55 7 * * *");
        let fires = schedule.next_fires(Tz::UTC, at("2026-11-22T08:00:00Z"), 2);
        assert_eq!(fires[0].to_rfc3339(), "2026-11-23T07:55:00+00:00");
        assert_eq!(fires[1].to_rfc3339(), "2026-11-24T07:55:00+00:00");
    }

    #[test]
    fn fire_times_follow_the_zone_across_dst() {
        let schedule = Schedule::parse("0 0 3 * * *").unwrap();
        let zone: Tz = "America/Los_Angeles".parse().unwrap();
        let fires = schedule.next_fires(zone, at("2026-10-30T12:00:00Z"), 2);
        // 03:00 PDT then 03:00 PST: the UTC instants move by an hour.
        assert_eq!(
            fires[0].with_timezone(&Utc).to_rfc3339(),
            "2026-10-31T10:00:00+00:00"
        );
        assert_eq!(
            fires[1].with_timezone(&Utc).to_rfc3339(),
            "2026-11-01T11:00:00+00:00"
        );
    }

    #[test]
    fn weekday_restriction_alone_is_not_ored_with_every_day() {
        let schedule = Schedule::parse("0 0 0 * * MON").unwrap();
        let fires = schedule.next_fires(Tz::UTC, at("2026-11-22T00:00:00Z"), 2);
        assert_eq!(fires[0].to_rfc3339(), "2026-11-23T00:00:00+00:00");
        assert_eq!(fires[1].to_rfc3339(), "2026-11-30T00:00:00+00:00");
    }

    #[test]
    fn descriptors_that_dkron_runs_in_local_time_are_expanded() {
        assert_eq!(Schedule::parse("@daily").unwrap().dkron, "0 0 0 * * *");
        assert_eq!(Schedule::parse("@hourly").unwrap().dkron, "0 0 * * * *");
        assert_eq!(Schedule::parse("@every 1s").unwrap().dkron, "@every 1s");
        assert_eq!(
            Schedule::parse("@every 1m30s").unwrap().dkron,
            "@every 1m30s"
        );
        assert_eq!(Schedule::parse("@manually").unwrap().dkron, "@manually");
    }

    #[test]
    fn what_dkron_rejects_is_rejected() {
        for (schedule, expected) in [
            ("* * * *", "found 4"),
            ("0 0 0 * * 7", "outside 0-6"),
            ("0 60 * * * *", "outside 0-59"),
            ("0 0 0 L * *", "not a number"),
            ("0 0 0 * * 1#2", "not a number"),
            ("0 */0 * * * *", "step"),
            ("0 0 0 ? 1 *", ""),
            ("@every 500ms", "minimum of 1s"),
            ("@every 1x", "unknown unit"),
            ("@reboot", "unknown descriptor"),
            ("CRON_TZ=UTC 0 * * * * *", "timezone"),
            ("0 ~ * * * *", "hashed"),
        ] {
            let result = Schedule::parse(schedule);
            if expected.is_empty() {
                assert!(result.is_ok(), "{schedule}: {result:?}");
            } else {
                let error = result.expect_err(schedule);
                assert!(error.contains(expected), "{schedule}: {error}");
            }
        }
    }

    #[test]
    fn fire_times_follow_robfig_where_croner_differs() {
        // `*/1` keeps the star: Mondays only, not "every day OR Monday".
        let mondays = Schedule::parse("0 0 0 */1 * MON").unwrap();
        let fires = mondays.next_fires(Tz::UTC, at("2026-11-22T00:00:00Z"), 2);
        assert_eq!(fires[0].to_rfc3339(), "2026-11-23T00:00:00+00:00");
        assert_eq!(fires[1].to_rfc3339(), "2026-11-30T00:00:00+00:00");
        // `1/2` in day of week is Mon, Wed, Fri (robfig stops at 6), never Sunday.
        let odd = Schedule::parse("0 0 0 * * 1/2").unwrap();
        let fires = odd.next_fires(Tz::UTC, at("2026-11-27T12:00:00Z"), 2);
        assert_eq!(fires[0].to_rfc3339(), "2026-11-30T00:00:00+00:00");
        assert_eq!(odd.dkron, "0 0 0 * * 1/2", "Dkron stores what was written");
    }

    #[test]
    fn go_strictness_for_at_and_every() {
        assert!(Schedule::parse("@at 2026-12-01T09:00:00Z").is_ok());
        assert!(Schedule::parse("@at 2026-12-01 09:00:00Z").is_err());
        assert!(Schedule::parse("@at 2026-12-01t09:00:00z").is_err());
        let error = Schedule::parse("@every 99999999999999999999h").unwrap_err();
        assert!(error.contains("292 years"), "{error}");
    }

    #[test]
    fn zones_are_checked() {
        assert!(parse_zone("America/New_York").is_ok());
        assert!(
            parse_zone("Mars/Olympus")
                .unwrap_err()
                .contains("unknown time zone")
        );
        assert!(parse_zone("").is_err());
    }
}
