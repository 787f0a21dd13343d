//! Schedules: from what an operator writes in `tier1.toml` to what Dkron stores, and when it fires.
//!
//! Dkron parses schedules with robfig/cron v3 through its `extcron` wrapper: exactly six fields,
//! seconds first, plus `@` descriptors. Inngest crons are five fields evaluated in UTC. This module
//! accepts both, renders the six-field form, rejects what Dkron would reject (or accept and then
//! misread), and computes fire times locally so a plan can show them. It does not talk to Dkron.
//!
//! Fire times come from our own implementation of robfig/cron v3's documented `Next`: it walks the
//! wall clock of the schedule's zone field by field (month, day, hour, minute, second), moving hours
//! and smaller units in absolute time. So on the day a zone's clocks jump forward a wall time that
//! does not exist never matches (the job does not fire that day), and on the day they fall back a
//! time in the repeated hour matches twice, once per offset. [`DkronSchedule`] adds how Dkron's
//! scheduler feeds a live job to that parser (`~`, the `CRON_TZ=` prefix it adds, its descriptors).

use std::str::FromStr;
use std::time::Duration;

use chrono::offset::LocalResult;
use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde::Serialize;

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
    Cron(CronSpec),
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
        let spec =
            CronSpec::parse(&six).map_err(|error| format!("cannot parse `{six}`: {error}"))?;
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

// ---- robfig/cron v3, as Dkron uses it ----
//
// Written from robfig/cron v3's documented behaviour (and checked against it): a spec is one bit
// per allowed value of each field, and `Next` walks the wall clock of the schedule's zone.

/// robfig marks a field written `*` or `?` (also `*/1`) with this bit. When day of month or day of
/// week carries it, the two combine with AND; when neither does, with OR.
const STAR_BIT: u64 = 1 << 63;

/// robfig gives up after this many years without a match (and Dkron stores the zero time).
const YEARS_SEARCHED: i32 = 5;

/// A six-field spec as robfig/cron v3 holds it: one bit per allowed value of each field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CronSpec {
    second: u64,
    minute: u64,
    hour: u64,
    dom: u64,
    month: u64,
    dow: u64,
}

impl CronSpec {
    /// Parses six whitespace-separated fields as robfig's parser does with Dkron's options
    /// (seconds first, every field required).
    pub fn parse(text: &str) -> Result<Self, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields.len() != 6 {
            return Err(format!(
                "expected exactly 6 fields, found {}: [{}]",
                fields.len(),
                fields.join(" ")
            ));
        }
        let bits = |index: usize| robfig_field(fields[index], &FIELDS[index]);
        Ok(Self {
            second: bits(0)?,
            minute: bits(1)?,
            hour: bits(2)?,
            dom: bits(3)?,
            month: bits(4)?,
            dow: bits(5)?,
        })
    }

    /// robfig's predefined schedules; it matches their names exactly (lower case).
    fn descriptor(name: &str) -> Option<Self> {
        let all = |index: usize| {
            let field = &FIELDS[index];
            range_bits(field.min, field.max, 1) | STAR_BIT
        };
        // Each is second 0, minute 0; the first value of a field is its minimum.
        let (hour, dom, month, dow) = match name {
            "@yearly" | "@annually" => (1, 1 << 1, 1 << 1, all(5)),
            "@monthly" => (1, 1 << 1, all(4), all(5)),
            "@weekly" => (1, all(3), all(4), 1),
            "@daily" | "@midnight" => (1, all(3), all(4), all(5)),
            "@hourly" => (all(2), all(3), all(4), all(5)),
            _ => return None,
        };
        Some(Self {
            second: 1,
            minute: 1,
            hour,
            dom,
            month,
            dow,
        })
    }

    /// A field that allows no value at all (robfig accepts `,`) never matches.
    fn never_matches(&self) -> bool {
        [
            self.second,
            self.minute,
            self.hour,
            self.dom,
            self.month,
            self.dow,
        ]
        .iter()
        .any(|bits| bits & !STAR_BIT == 0)
    }

    fn day_matches(&self, day: u32, weekday: u32) -> bool {
        let dom = self.dom & (1 << day) != 0;
        let dow = self.dow & (1 << weekday) != 0;
        if self.dom & STAR_BIT != 0 || self.dow & STAR_BIT != 0 {
            dom && dow
        } else {
            dom || dow
        }
    }

    /// Whether a wall-clock time matches every field.
    fn matches_wall(&self, wall: NaiveDateTime) -> bool {
        self.second & (1 << wall.second()) != 0
            && self.minute & (1 << wall.minute()) != 0
            && self.hour & (1 << wall.hour()) != 0
            && self.month & (1 << wall.month()) != 0
            && self.day_matches(wall.day(), wall.weekday().num_days_from_sunday())
    }

    /// robfig's `Next`: the first fire strictly after `after` (its fraction of a second dropped),
    /// the fields read on the wall clock of `zone`. `None` when nothing matches within five years.
    ///
    /// Month and day advance by calendar (Go's `AddDate`); hours, minutes and seconds advance in
    /// absolute time. So a wall time that a spring-forward skips never comes up (no fire that day),
    /// and the hour a fall-back repeats comes up twice (a fire in each).
    pub fn next_after(&self, zone: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.never_matches() {
            return None;
        }
        let mut t = after.timestamp().checked_add(1)?;
        let mut added = false;
        let year_limit = clock(zone, t).year + YEARS_SEARCHED;
        if year_limit > 200_000 {
            return None;
        }
        let bit = |value: u32| 1u64 << value;
        // Every step moves forward but for one reset; a zone whose clocks skip a whole day can
        // still send robfig round in circles (it never returns), so the walk has a budget.
        let mut budget: u32 = 1_000_000;
        let mut tick = || {
            budget = budget.checked_sub(1)?;
            Some(())
        };
        'wrap: loop {
            tick()?;
            let mut c = clock(zone, t);
            if c.year > year_limit {
                return None;
            }
            while self.month & bit(c.month) == 0 {
                tick()?;
                if !added {
                    added = true;
                    t = go_date(zone, c.year, c.month.into(), 1, 0, 0, 0);
                    c = clock(zone, t);
                }
                t = c.add_date(zone, 1, 0);
                c = clock(zone, t);
                if c.month == 1 {
                    continue 'wrap;
                }
            }
            while !self.day_matches(c.day, c.weekday) {
                tick()?;
                if !added {
                    added = true;
                    t = go_date(zone, c.year, c.month.into(), c.day.into(), 0, 0, 0);
                    c = clock(zone, t);
                }
                t = c.add_date(zone, 0, 1);
                c = clock(zone, t);
                // robfig's fix-up for zones whose midnight a clock change skips or repeats.
                if c.hour != 0 {
                    let hour = i64::from(c.hour);
                    t += if hour > 12 { 24 - hour } else { -hour } * 3600;
                    c = clock(zone, t);
                }
                if c.day == 1 {
                    continue 'wrap;
                }
            }
            while self.hour & bit(c.hour) == 0 {
                tick()?;
                if !added {
                    added = true;
                    t = go_date(
                        zone,
                        c.year,
                        c.month.into(),
                        c.day.into(),
                        c.hour.into(),
                        0,
                        0,
                    );
                }
                t += 3600;
                c = clock(zone, t);
                if c.hour == 0 {
                    continue 'wrap;
                }
            }
            while self.minute & bit(c.minute) == 0 {
                tick()?;
                if !added {
                    added = true;
                    t -= t.rem_euclid(60);
                }
                t += 60;
                c = clock(zone, t);
                if c.minute == 0 {
                    continue 'wrap;
                }
            }
            while self.second & bit(c.second) == 0 {
                tick()?;
                added = true;
                t += 1;
                c = clock(zone, t);
                if c.second == 0 {
                    continue 'wrap;
                }
            }
            return DateTime::from_timestamp(t, 0);
        }
    }

    /// The next `count` fires after `after`, each found from the one before (as the scheduler does).
    pub fn fires(&self, zone: Tz, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        let mut fires = Vec::with_capacity(count);
        let mut cursor = after;
        while fires.len() < count {
            let Some(next) = self.next_after(zone, cursor) else {
                break;
            };
            fires.push(next);
            cursor = next;
        }
        fires
    }

    /// The wall times this spec names that `zone` skips (its clocks jump over them) between two
    /// instants: robfig never fires at them. One entry per clock change.
    pub fn skipped(&self, zone: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<SkippedTime> {
        let mut skipped = Vec::new();
        let (mut day_start, end) = (from.timestamp(), to.timestamp());
        while day_start < end {
            let day_end = (day_start + 86_400).min(end);
            let (before, after) = (offset_at(zone, day_start), offset_at(zone, day_end));
            if after > before {
                // The first second with the new offset, by bisection.
                let (mut low, mut high) = (day_start, day_end);
                while high - low > 1 {
                    let middle = low + (high - low) / 2;
                    if offset_at(zone, middle) == before {
                        low = middle;
                    } else {
                        high = middle;
                    }
                }
                let wall = |seconds: i64| {
                    DateTime::from_timestamp(seconds, 0)
                        .unwrap_or_default()
                        .naive_utc()
                };
                let (gap_start, gap_end) = (wall(high + before), wall(high + after));
                let mut matching = (0..after - before)
                    .map(|second| gap_start + chrono::Duration::seconds(second))
                    .filter(|wall| self.matches_wall(*wall));
                if let Some(first) = matching.next() {
                    skipped.push(SkippedTime {
                        first,
                        more: matching.count(),
                        gap_start,
                        gap_end,
                    });
                }
            }
            day_start = day_end;
        }
        skipped
    }
}

/// Wall-clock times a schedule names on a day a zone's clocks jump over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedTime {
    /// The first skipped time the schedule names.
    pub first: NaiveDateTime,
    /// How many more skipped times of that jump it names.
    pub more: usize,
    /// The clocks jump from here…
    pub gap_start: NaiveDateTime,
    /// …to here.
    pub gap_end: NaiveDateTime,
}

/// When a fire falls in an hour that a fall-back repeats: `Some(true)` for the first of the two
/// times that wall clock shows, `Some(false)` for the second. robfig fires at both.
pub fn repeated_wall_time(zone: Tz, at: DateTime<Utc>) -> Option<bool> {
    match zone.from_local_datetime(&at.with_timezone(&zone).naive_local()) {
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc) == at),
        _ => None,
    }
}

/// One comma-separated field, as robfig's `getField` reads it (empty parts are ignored).
fn robfig_field(text: &str, field: &Field) -> Result<u64, String> {
    text.split(',')
        .filter(|part| !part.is_empty())
        .try_fold(0, |bits, part| Ok(bits | robfig_range(part, field)?))
}

/// `*`, `?`, `N`, `N-M`, each optionally `/step`, as robfig's `getRange` reads them: `N/step`
/// runs to the field's maximum, and a step above 1 drops the star bit (`*/1` keeps it).
fn robfig_range(expr: &str, field: &Field) -> Result<u64, String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_and_high: Vec<&str> = range_and_step[0].split('-').collect();
    let (start, mut end, mut extra) = if low_and_high[0] == "*" || low_and_high[0] == "?" {
        (field.min, field.max, STAR_BIT)
    } else {
        let start = robfig_value(low_and_high[0], field)?;
        let end = match low_and_high.len() {
            1 => start,
            2 => robfig_value(low_and_high[1], field)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
        (start, end, 0)
    };
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = robfig_int(range_and_step[1])?;
            if low_and_high.len() == 1 {
                end = field.max;
            }
            if step > 1 {
                extra = 0;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < field.min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            field.min
        ));
    }
    if end > field.max {
        return Err(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            field.max
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    Ok(range_bits(start, end, step) | extra)
}

fn range_bits(start: u32, end: u32, step: u32) -> u64 {
    (start..=end)
        .step_by(step as usize)
        .fold(0, |bits, value| bits | 1 << value)
}

fn robfig_value(text: &str, field: &Field) -> Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    match field.names.iter().position(|name| *name == upper) {
        // Month names count from 1, day names from 0 (SUN).
        Some(index) => Ok(index as u32 + field.min),
        None => robfig_int(text),
    }
}

/// Go's `strconv.Atoi`, negative numbers refused.
fn robfig_int(text: &str) -> Result<u32, String> {
    match text.parse::<i64>() {
        Ok(number) if number < 0 => Err(format!("negative number ({number}) not allowed: {text}")),
        // Anything this large is out of every field's range anyway.
        Ok(number) => Ok(u32::try_from(number).unwrap_or(u32::MAX)),
        Err(_) => Err(format!("failed to parse int from {text}")),
    }
}

/// The wall clock of an instant in a zone, as Go's `time.Time` accessors report it.
#[derive(Debug, Clone, Copy)]
struct Clock {
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    weekday: u32,
}

impl Clock {
    /// Go's `AddDate(0, months, days)`: the same wall time that many months and days on.
    fn add_date(&self, zone: Tz, months: i64, days: i64) -> i64 {
        go_date(
            zone,
            self.year,
            i64::from(self.month) + months,
            i64::from(self.day) + days,
            self.hour.into(),
            self.minute.into(),
            self.second.into(),
        )
    }
}

fn offset_at(zone: Tz, unix: i64) -> i64 {
    DateTime::from_timestamp(unix, 0).map_or(0, |utc| {
        i64::from(
            zone.offset_from_utc_datetime(&utc.naive_utc())
                .fix()
                .local_minus_utc(),
        )
    })
}

fn clock(zone: Tz, unix: i64) -> Clock {
    let wall = DateTime::from_timestamp(unix + offset_at(zone, unix), 0)
        .unwrap_or_default()
        .naive_utc();
    Clock {
        year: wall.year(),
        month: wall.month(),
        day: wall.day(),
        hour: wall.hour(),
        minute: wall.minute(),
        second: wall.second(),
        weekday: wall.weekday().num_days_from_sunday(),
    }
}

/// Go's `time.Date(year, month, day, hour, minute, second, 0, zone)` as Unix seconds. Values out
/// of range roll over (month 13 is January of the next year). A wall time the zone skips or
/// repeats gets Go's offset: the one in force at that wall time read as UTC, unless that does not
/// hold at the resulting instant, in which case the one in force there.
fn go_date(zone: Tz, year: i32, month: i64, day: i64, hour: i64, minute: i64, second: i64) -> i64 {
    let months = i64::from(year) * 12 + month - 1;
    let first = i32::try_from(months.div_euclid(12))
        .ok()
        .and_then(|year| NaiveDate::from_ymd_opt(year, (months.rem_euclid(12) + 1) as u32, 1))
        .unwrap_or_default();
    let days = first.signed_duration_since(NaiveDate::default()).num_days() + day - 1;
    let local = days * 86_400 + hour * 3600 + minute * 60 + second;
    let guess = offset_at(zone, local);
    local - offset_at(zone, local - guess)
}

// ---- Dkron's scheduler ----

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

/// What a live schedule is, once Dkron's scheduler has read it.
#[derive(Debug, Clone)]
pub enum DkronKind {
    /// Calendar fire times, read on the wall clock of `zone`.
    Cron {
        spec: CronSpec,
        zone: Tz,
        source: ZoneSource,
    },
    /// `@every`: a fixed delay, counted from when the scheduler added the job.
    Every(Duration),
    /// `@manually`: only when run by hand.
    Manually,
    /// `@at`: once.
    At(DateTime<Utc>),
}

/// A job's schedule as Dkron's scheduler evaluates it.
#[derive(Debug, Clone)]
pub struct DkronSchedule {
    /// The spec the scheduler parses: `~` replaced, and `CRON_TZ=<timezone>` prepended where Dkron
    /// prepends it.
    pub effective: String,
    pub kind: DkronKind,
}

impl DkronSchedule {
    /// Reads a job's `schedule` and `timezone` as Dkron v4's scheduler does: `~` becomes a value
    /// hashed from the name, `CRON_TZ=<timezone>` is prepended unless the schedule starts with
    /// `@`, `TZ=` or `CRON_TZ=` (so `timezone` does not apply to descriptors), then extcron's own
    /// descriptors (`@manually`, `@minutely`, `@at`) and robfig's parser. `server` is the Dkron
    /// server's local zone (Go's `time.Local`), which applies where no zone is named.
    pub fn parse(name: &str, schedule: &str, timezone: &str, server: Tz) -> Result<Self, String> {
        let hashed = hash_schedule(name, schedule);
        let prefixed = !timezone.is_empty()
            && !hashed.starts_with('@')
            && !hashed.starts_with("TZ=")
            && !hashed.starts_with("CRON_TZ=");
        let effective = if prefixed {
            format!("CRON_TZ={timezone} {hashed}")
        } else {
            hashed
        };
        let mut kind = extcron_parse(&effective, server)?;
        if let DkronKind::Cron { source, .. } = &mut kind
            && prefixed
        {
            *source = ZoneSource::Timezone;
        }
        Ok(Self { effective, kind })
    }

    /// The zone whose wall clock decides the fire times (calendar schedules only).
    pub fn zone(&self) -> Option<Tz> {
        match &self.kind {
            DkronKind::Cron { zone, .. } => Some(*zone),
            _ => None,
        }
    }

    /// The scheduler's next fire strictly after `after` (for `@every`, one delay after it).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match &self.kind {
            DkronKind::Cron { spec, zone, .. } => spec.next_after(*zone, after),
            DkronKind::Every(every) => {
                let whole = DateTime::from_timestamp(after.timestamp(), 0)?;
                whole.checked_add_signed(chrono::Duration::from_std(*every).ok()?)
            }
            DkronKind::Manually => None,
            DkronKind::At(at) => (*at > after).then_some(*at),
        }
    }

    /// The next `count` calendar fires after `after`. Empty for `@every` (its phase is only known
    /// to the scheduler) and `@manually`; at most one for `@at`.
    pub fn fires(&self, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        match &self.kind {
            DkronKind::Cron { spec, zone, .. } => spec.fires(*zone, after, count),
            DkronKind::At(_) => self.next_after(after).into_iter().take(count).collect(),
            DkronKind::Every(_) | DkronKind::Manually => Vec::new(),
        }
    }

    /// A short phrase for schedules without calendar fire times.
    pub fn cadence(&self) -> Option<String> {
        match &self.kind {
            DkronKind::Every(every) => Some(format!(
                "every {}s from when Dkron's scheduler added the job",
                every.as_secs()
            )),
            DkronKind::Manually => Some("only when run by hand".to_string()),
            _ => None,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            DkronKind::Cron { .. } => "cron",
            DkronKind::Every(_) => "every",
            DkronKind::Manually => "manually",
            DkronKind::At(_) => "at",
        }
    }
}

/// Dkron's `~`: each field holding it gets a value hashed from the job's name (the sum of its
/// characters, modulo the field's range). Descriptors are left alone.
fn hash_schedule(name: &str, schedule: &str) -> String {
    if !schedule.contains('~') {
        return schedule.to_string();
    }
    let hash: u64 = name.chars().map(|c| u64::from(u32::from(c))).sum();
    let mut parts: Vec<String> = schedule.split(' ').map(str::to_string).collect();
    let mut index = 0;
    for part in &mut parts {
        if part.starts_with('@') {
            return schedule.to_string();
        }
        if part.starts_with("TZ=") || part.starts_with("CRON_TZ=") {
            continue;
        }
        if part.contains('~') {
            let value = match index {
                2 => hash % 24,
                3 => hash % 28 + 1,
                4 => hash % 12 + 1,
                5 => hash % 7,
                _ => hash % 60,
            };
            *part = part.replace('~', &value.to_string());
        }
        index += 1;
    }
    parts.join(" ")
}

/// Dkron's extcron parser, then robfig's (with its `TZ=`/`CRON_TZ=` prefix and descriptors).
fn extcron_parse(spec: &str, server: Tz) -> Result<DkronKind, String> {
    let spec = match spec {
        "@manually" => return Ok(DkronKind::Manually),
        "@minutely" => "0 * * * * *",
        other => other,
    };
    if let Some(date) = spec.strip_prefix("@at ") {
        return parse_go_rfc3339(date)
            .map(|date| DkronKind::At(date.with_timezone(&Utc)))
            .map_err(|error| format!("failed to parse date {spec}: {error}"));
    }
    if spec.is_empty() {
        return Err("empty spec string".to_string());
    }
    let (zone, source, rest) = if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        let (prefix, rest) = spec
            .split_once(' ')
            .ok_or_else(|| format!("nothing follows the time zone in `{spec}`"))?;
        let name = prefix.split_once('=').map_or("", |(_, name)| name);
        let zone = match name {
            "" | "UTC" => Tz::UTC,
            "Local" => server,
            name => Tz::from_str(name)
                .map_err(|_| format!("provided bad location {name}: unknown time zone {name}"))?,
        };
        (zone, ZoneSource::Schedule, rest.trim())
    } else {
        (server, ZoneSource::Server, spec)
    };
    if rest.starts_with('@') {
        if let Some(spec) = CronSpec::descriptor(rest) {
            return Ok(DkronKind::Cron { spec, zone, source });
        }
        if let Some(every) = rest.strip_prefix("@every ") {
            let every = parse_go_duration(every)
                .map_err(|error| format!("failed to parse duration {rest}: {error}"))?;
            // robfig: at least one second, fractions of a second dropped.
            return Ok(DkronKind::Every(Duration::from_secs(
                every.as_secs().max(1),
            )));
        }
        return Err(format!("unrecognized descriptor: {rest}"));
    }
    Ok(DkronKind::Cron {
        spec: CronSpec::parse(rest)?,
        zone,
        source,
    })
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
    fn fire_times_follow_robfig_where_common_cron_libraries_differ() {
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

    fn utc(fires: &[DateTime<Tz>]) -> Vec<String> {
        fires
            .iter()
            .map(|fire| fire.with_timezone(&Utc).to_rfc3339())
            .collect()
    }

    fn zone(name: &str) -> Tz {
        name.parse().unwrap()
    }

    // The expected instants below were checked against robfig/cron v3.0.1 itself.

    #[test]
    fn spring_forward_skips_a_wall_time_that_does_not_exist() {
        let schedule = Schedule::parse("0 30 2 * * *").unwrap();
        // New York, 2027-03-14: 02:00 EST jumps to 03:00 EDT, so there is no 02:30 that day.
        let fires = schedule.next_fires(zone("America/New_York"), at("2027-03-13T00:00:00Z"), 3);
        assert_eq!(
            utc(&fires),
            [
                "2027-03-13T07:30:00+00:00",
                "2027-03-15T06:30:00+00:00",
                "2027-03-16T06:30:00+00:00"
            ]
        );
        // Berlin, 2027-03-28: 02:00 CET jumps to 03:00 CEST.
        let fires = schedule.next_fires(zone("Europe/Berlin"), at("2027-03-27T00:00:00Z"), 2);
        assert_eq!(
            utc(&fires),
            ["2027-03-27T01:30:00+00:00", "2027-03-29T00:30:00+00:00"]
        );
        // A yearly schedule on that day waits a year.
        let yearly = Schedule::parse("0 30 2 14 3 *").unwrap();
        let fires = yearly.next_fires(zone("America/New_York"), at("2026-11-22T12:00:00Z"), 1);
        assert_eq!(utc(&fires), ["2028-03-14T06:30:00+00:00"]);
    }

    #[test]
    fn fall_back_fires_twice_in_the_repeated_hour() {
        // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice.
        let ny = zone("America/New_York");
        let fires =
            Schedule::parse("0 30 1 * * *")
                .unwrap()
                .next_fires(ny, at("2026-10-31T12:00:00Z"), 3);
        assert_eq!(
            utc(&fires),
            [
                "2026-11-01T05:30:00+00:00",
                "2026-11-01T06:30:00+00:00",
                "2026-11-02T06:30:00+00:00"
            ]
        );
        assert_eq!(
            repeated_wall_time(ny, fires[0].with_timezone(&Utc)),
            Some(true)
        );
        assert_eq!(
            repeated_wall_time(ny, fires[1].with_timezone(&Utc)),
            Some(false)
        );
        assert_eq!(repeated_wall_time(ny, fires[2].with_timezone(&Utc)), None);
        // 02:30 is not repeated in New York (the clocks go back from 02:00): once, in EST.
        let fires =
            Schedule::parse("0 30 2 * * *")
                .unwrap()
                .next_fires(ny, at("2026-10-31T12:00:00Z"), 1);
        assert_eq!(utc(&fires), ["2026-11-01T07:30:00+00:00"]);
        // Berlin, 2027-10-31: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice.
        let fires = Schedule::parse("0 30 2 * * *").unwrap().next_fires(
            zone("Europe/Berlin"),
            at("2027-10-30T12:00:00Z"),
            3,
        );
        assert_eq!(
            utc(&fires),
            [
                "2027-10-31T00:30:00+00:00",
                "2027-10-31T01:30:00+00:00",
                "2027-11-01T01:30:00+00:00"
            ]
        );
        let fires = Schedule::parse("0 */30 2 * * *").unwrap().next_fires(
            zone("Europe/Berlin"),
            at("2027-10-31T00:00:00Z"),
            4,
        );
        assert_eq!(
            utc(&fires),
            [
                "2027-10-31T00:30:00+00:00",
                "2027-10-31T01:00:00+00:00",
                "2027-10-31T01:30:00+00:00",
                "2027-11-01T01:00:00+00:00"
            ]
        );
    }

    #[test]
    fn midnight_and_half_hour_clock_changes_follow_robfig() {
        // Havana, 2027-03-14: midnight jumps to 01:00; robfig does not fire that day.
        let fires = Schedule::parse("0 0 0 * * *").unwrap().next_fires(
            zone("America/Havana"),
            at("2027-03-12T12:00:00Z"),
            3,
        );
        assert_eq!(
            utc(&fires),
            [
                "2027-03-13T05:00:00+00:00",
                "2027-03-15T04:00:00+00:00",
                "2027-03-16T04:00:00+00:00"
            ]
        );
        // Lord Howe, 2027-10-03: 02:00 jumps to 02:30.
        let fires = Schedule::parse("0 15 2 * * *").unwrap().next_fires(
            zone("Australia/Lord_Howe"),
            at("2027-10-02T00:00:00Z"),
            2,
        );
        assert_eq!(
            utc(&fires),
            ["2027-10-03T15:15:00+00:00", "2027-10-04T15:15:00+00:00"]
        );
    }

    #[test]
    fn skipped_wall_times_are_named() {
        let spec = CronSpec::parse("0 30 2 * * *").unwrap();
        let skipped = spec.skipped(
            zone("America/New_York"),
            at("2027-01-01T00:00:00Z"),
            at("2027-12-31T00:00:00Z"),
        );
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        let wall = |text: &str| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(
            skipped[0],
            SkippedTime {
                first: wall("2027-03-14 02:30"),
                more: 0,
                gap_start: wall("2027-03-14 02:00"),
                gap_end: wall("2027-03-14 03:00"),
            }
        );
        let every_minute = CronSpec::parse("0 * * * * *").unwrap();
        let skipped = every_minute.skipped(
            zone("Europe/Berlin"),
            at("2027-03-27T00:00:00Z"),
            at("2027-03-29T00:00:00Z"),
        );
        assert_eq!(skipped[0].first, wall("2027-03-28 02:00"));
        assert_eq!(skipped[0].more, 59);
        // Nothing is skipped in UTC, nor where the schedule names no time in the gap.
        assert!(
            spec.skipped(
                Tz::UTC,
                at("2027-01-01T00:00:00Z"),
                at("2028-01-01T00:00:00Z")
            )
            .is_empty()
        );
        let noon = CronSpec::parse("0 0 12 * * *").unwrap();
        assert!(
            noon.skipped(
                zone("America/New_York"),
                at("2027-01-01T00:00:00Z"),
                at("2028-01-01T00:00:00Z")
            )
            .is_empty()
        );
    }

    #[test]
    fn robfig_field_rules() {
        let from = at("2026-11-22T12:00:00Z");
        let fires = |spec: &str, count| {
            CronSpec::parse(spec)
                .unwrap()
                .fires(Tz::UTC, from, count)
                .iter()
                .map(|fire| fire.to_rfc3339())
                .collect::<Vec<_>>()
        };
        // `*/2` drops the star bit, so day of month OR day of week.
        assert_eq!(
            fires("0 0 0 15 * */2", 4),
            [
                "2026-11-24T00:00:00+00:00",
                "2026-11-26T00:00:00+00:00",
                "2026-11-28T00:00:00+00:00",
                "2026-11-29T00:00:00+00:00"
            ]
        );
        assert_eq!(fires("? ? ? ? ? ?", 1), ["2026-11-22T12:00:01+00:00"]);
        assert_eq!(
            fires("0 0 0 * JAN-MAR SUN-TUE", 2),
            ["2027-01-03T00:00:00+00:00", "2027-01-04T00:00:00+00:00"]
        );
        // Never within five years: robfig gives up, and so do we.
        assert!(fires("0 0 0 31 2,4,6,9,11 *", 1).is_empty());
        assert!(fires("0 0 0 ,, * *", 1).is_empty());
        for (spec, error) in [
            ("0 0 0 * * 7", "above maximum (6)"),
            ("0 0 0 0 * *", "below minimum (1)"),
            ("*/0 * * * * *", "positive"),
            ("1-2-3 * * * * *", "too many hyphens"),
            ("0 0 0 * * 2-1", "beyond end"),
            ("0 0 0 L * *", "failed to parse int"),
            ("* * * * *", "expected exactly 6 fields, found 5"),
        ] {
            let found = CronSpec::parse(spec).unwrap_err();
            assert!(found.contains(error), "{spec}: {found}");
        }
    }

    #[test]
    fn live_schedules_are_read_as_dkron_s_scheduler_reads_them() {
        let parse = |schedule: &str, timezone: &str| {
            DkronSchedule::parse("job", schedule, timezone, Tz::UTC).unwrap()
        };
        let zone_of = |schedule: &DkronSchedule| match &schedule.kind {
            DkronKind::Cron { zone, source, .. } => (zone.name().to_string(), *source),
            other => panic!("not a cron schedule: {other:?}"),
        };
        // The scheduler prepends the timezone; Dkron's stored `next` is computed without it.
        let ny = parse("0 0 7 * * *", "America/New_York");
        assert_eq!(ny.effective, "CRON_TZ=America/New_York 0 0 7 * * *");
        assert_eq!(
            zone_of(&ny),
            ("America/New_York".to_string(), ZoneSource::Timezone)
        );
        let now = at("2026-11-22T14:28:00Z");
        assert_eq!(
            ny.next_after(now).unwrap().to_rfc3339(),
            "2026-11-23T12:00:00+00:00"
        );
        let as_written = parse("0 0 7 * * *", "");
        assert_eq!(
            as_written.next_after(now).unwrap().to_rfc3339(),
            "2026-11-23T07:00:00+00:00"
        );
        // Descriptors: no prefix, so the server's zone.
        let daily = parse("@daily", "America/New_York");
        assert_eq!(daily.effective, "@daily");
        assert_eq!(zone_of(&daily), ("UTC".to_string(), ZoneSource::Server));
        let berlin_server =
            DkronSchedule::parse("job", "@daily", "America/New_York", zone("Europe/Berlin"))
                .unwrap();
        assert_eq!(berlin_server.zone(), Some(zone("Europe/Berlin")));
        // A prefix in the schedule wins, descriptors included.
        let tokyo = parse("CRON_TZ=Asia/Tokyo 0 0 7 * * *", "Europe/Berlin");
        assert_eq!(tokyo.effective, "CRON_TZ=Asia/Tokyo 0 0 7 * * *");
        assert_eq!(
            zone_of(&tokyo),
            ("Asia/Tokyo".to_string(), ZoneSource::Schedule)
        );
        assert_eq!(
            tokyo.next_after(now).unwrap().to_rfc3339(),
            "2026-11-22T22:00:00+00:00"
        );
        assert_eq!(
            zone_of(&parse("TZ=Asia/Tokyo @daily", "")),
            ("Asia/Tokyo".to_string(), ZoneSource::Schedule)
        );
        // extcron's own descriptors.
        assert_eq!(
            parse("@minutely", "Asia/Tokyo")
                .next_after(now)
                .unwrap()
                .to_rfc3339(),
            "2026-11-22T14:29:00+00:00"
        );
        assert!(matches!(parse("@manually", "").kind, DkronKind::Manually));
        assert!(parse("@manually", "").fires(now, 3).is_empty());
        assert!(
            matches!(parse("@every 1500ms", "").kind, DkronKind::Every(every) if every == Duration::from_secs(1))
        );
        let once = parse("@at 2027-01-01T00:00:00Z", "");
        assert_eq!(once.fires(now, 3).len(), 1);
        assert!(once.fires(at("2027-01-01T00:00:00Z"), 3).is_empty());
        // `~` is a value hashed from the name: "ab" sums to 195, and 195 % 24 = 3.
        let hashed = DkronSchedule::parse("ab", "0 0 ~ * * *", "UTC", Tz::UTC).unwrap();
        assert_eq!(hashed.effective, "CRON_TZ=UTC 0 0 3 * * *");
        for (schedule, error) in [
            ("", "empty spec"),
            ("@reboot", "unrecognized descriptor"),
            ("CRON_TZ=Mars/Olympus 0 0 * * * *", "provided bad location"),
            ("0 0 0 * * 7", "above maximum"),
        ] {
            let found = DkronSchedule::parse("job", schedule, "", Tz::UTC).unwrap_err();
            assert!(found.contains(error), "{schedule}: {found}");
        }
    }
}
