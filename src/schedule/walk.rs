//! The one evaluator: robfig/cron v3's `Next`, the fire times of a [`CronSpec`] in a zone. It
//! walks the wall clock of the schedule's zone field by field (month, day, hour, minute, second),
//! moving months and days by calendar (Go's `AddDate`) and hours and smaller units in absolute
//! time. So on the day a zone's clocks jump forward a wall time that does not exist never matches
//! (the job does not fire that day), and on the day they fall back a time in the repeated hour
//! matches twice, once per offset. It also names those skipped and repeated wall times. Parsing is
//! [`super::spec`]'s.
//!
//! Written from robfig's documented behaviour and checked against robfig itself, row by row, by
//! the truth table in testkit/cron-oracle.

use chrono::offset::LocalResult;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::spec::{CronSpec, STAR_BIT};

/// robfig gives up after this many years without a match (and Dkron stores the zero time).
const YEARS_SEARCHED: i32 = 5;

impl CronSpec {
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
