//! The one cron parser: robfig/cron v3.0.1's grammar as Dkron configures it (six fields, seconds
//! first, every field required, descriptors), with its `TZ=`/`CRON_TZ=` prefix and `@every`.
//! It owns the field table, the descriptor table and the parse errors, which render either as
//! robfig's own text (what Dkron answers for a live job) or as a message that names the field
//! (what `tier1.toml` validation shows). When a spec fires is [`super::walk`]'s business.
//!
//! Written from robfig's documented behaviour and checked against robfig itself, row by row, by
//! the truth table in testkit/cron-oracle.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::go;
use super::{Kind, ZoneSource};

/// One of the six fields: its bounds and the names it takes.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// Whether the manifest side takes `?` here (robfig takes it anywhere, as `*`).
    question_mark: bool,
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const fn field(
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    question_mark: bool,
) -> Field {
    Field {
        name,
        min,
        max,
        names,
        question_mark,
    }
}

/// robfig/cron v3's bounds; note day-of-week stops at 6 (Sunday is 0 only).
const FIELDS: [Field; 6] = [
    field("second", 0, 59, &[], false),
    field("minute", 0, 59, &[], false),
    field("hour", 0, 23, &[], false),
    field("day of month", 1, 31, &[], true),
    field("month", 1, 12, MONTHS, false),
    field("day of week", 0, 6, DAYS, true),
];

/// Where a descriptor comes from: robfig itself, or Dkron's extcron in front of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    Robfig,
    Dkron,
}

/// Every calendar descriptor, with the six fields that mean the same (robfig builds its
/// descriptors with each field's minimum, which is exactly what these parse to).
pub(super) const DESCRIPTORS: &[(&str, &str, Origin)] = &[
    ("@yearly", "0 0 0 1 1 *", Origin::Robfig),
    ("@annually", "0 0 0 1 1 *", Origin::Robfig),
    ("@monthly", "0 0 0 1 * *", Origin::Robfig),
    ("@weekly", "0 0 0 * * 0", Origin::Robfig),
    ("@daily", "0 0 0 * * *", Origin::Robfig),
    ("@midnight", "0 0 0 * * *", Origin::Robfig),
    ("@hourly", "0 0 * * * *", Origin::Robfig),
    ("@minutely", "0 * * * * *", Origin::Dkron),
];

/// The six fields a descriptor stands for, if `name` is one of `origin`'s (exact, lower case).
pub(super) fn descriptor(name: &str, origin: Origin) -> Option<&'static str> {
    DESCRIPTORS
        .iter()
        .find(|(word, _, from)| *word == name && *from == origin)
        .map(|(_, six, _)| *six)
}

/// robfig marks a field written `*` or `?` (also `*/1`) with this bit. When day of month or day of
/// week carries it, the two combine with AND; when neither does, with OR.
pub(super) const STAR_BIT: u64 = 1 << 63;

/// A six-field spec as robfig/cron v3 holds it: one bit per allowed value of each field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CronSpec {
    pub(super) second: u64,
    pub(super) minute: u64,
    pub(super) hour: u64,
    pub(super) dom: u64,
    pub(super) month: u64,
    pub(super) dow: u64,
}

/// Why robfig refuses six fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecError {
    FieldCount { fields: Vec<String> },
    Field { index: usize, error: FieldError },
}

impl fmt::Display for SpecError {
    /// robfig's error text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FieldCount { fields } => write!(
                f,
                "expected exactly 6 fields, found {}: [{}]",
                fields.len(),
                fields.join(" ")
            ),
            Self::Field { error, .. } => error.fmt(f),
        }
    }
}

/// Why robfig refuses one comma-separated part of a field (`expr`), in the order it checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub expr: String,
    pub problem: Problem,
}

/// What is wrong with a part, one variant per check robfig makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not a number (nor a name): `text`, with Go's `strconv.Atoi` error; `step` when it was the
    /// step after `/`.
    NotANumber {
        text: String,
        detail: String,
        step: bool,
    },
    /// A negative step (`*/-1`); a `-` elsewhere splits a range.
    Negative {
        number: i64,
        text: String,
    },
    TooManyHyphens,
    TooManySlashes,
    BelowMinimum {
        start: u64,
        min: u32,
    },
    AboveMaximum {
        start: u64,
        end: u64,
        max: u32,
    },
    Backwards {
        start: u64,
        end: u64,
    },
    ZeroStep,
}

impl fmt::Display for FieldError {
    /// robfig's error text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expr = &self.expr;
        match &self.problem {
            Problem::NotANumber { text, detail, .. } => {
                write!(f, "failed to parse int from {text}: {detail}")
            }
            Problem::Negative { number, text } => {
                write!(f, "negative number ({number}) not allowed: {text}")
            }
            Problem::TooManyHyphens => write!(f, "too many hyphens: {expr}"),
            Problem::TooManySlashes => write!(f, "too many slashes: {expr}"),
            Problem::BelowMinimum { start, min } => write!(
                f,
                "beginning of range ({start}) below minimum ({min}): {expr}"
            ),
            Problem::AboveMaximum { end, max, .. } => {
                write!(f, "end of range ({end}) above maximum ({max}): {expr}")
            }
            Problem::Backwards { start, end } => write!(
                f,
                "beginning of range ({start}) beyond end of range ({end}): {expr}"
            ),
            Problem::ZeroStep => write!(f, "step of range should be a positive number: {expr}"),
        }
    }
}

impl FieldError {
    /// The same refusal for a person writing `tier1.toml`: names the field and its bounds.
    fn explain(&self, field: &Field, field_text: &str) -> String {
        let after = |separator: char| {
            self.expr
                .split_once(separator)
                .map_or("", |(_, rest)| rest)
                .to_string()
        };
        let bad_step = |step: String| {
            format!(
                "{} field `{field_text}`: step `{step}` must be a positive number",
                field.name
            )
        };
        match &self.problem {
            Problem::NotANumber { step: true, .. } | Problem::Negative { .. } => {
                bad_step(after('/'))
            }
            Problem::TooManySlashes | Problem::ZeroStep => bad_step(after('/')),
            Problem::NotANumber { text, .. } => not_a_number(field, text),
            Problem::TooManyHyphens => {
                let range = self.expr.split('/').next().unwrap_or_default();
                not_a_number(field, range.split_once('-').map_or("", |(_, high)| high))
            }
            Problem::BelowMinimum { start, .. } => outside(field, *start),
            // robfig checks the end first; the person gets the first value out of bounds.
            Problem::AboveMaximum { start, end, .. } => outside(
                field,
                if *start > u64::from(field.max) {
                    *start
                } else {
                    *end
                },
            ),
            Problem::Backwards { start, .. } if *start > u64::from(field.max) => {
                outside(field, *start)
            }
            Problem::Backwards { start, end } => format!(
                "{} field `{field_text}`: range {start}-{end} runs backwards",
                field.name
            ),
        }
    }
}

fn outside(field: &Field, value: u64) -> String {
    format!(
        "{} field value {value} is outside {}-{}",
        field.name, field.min, field.max
    )
}

fn not_a_number(field: &Field, text: &str) -> String {
    let names = if field.names.is_empty() {
        String::new()
    } else {
        format!(" or one of {}", field.names.join(", "))
    };
    format!("{} field: `{text}` is not a number{names}", field.name)
}

impl CronSpec {
    /// Parses six whitespace-separated fields as robfig's parser does with Dkron's options.
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields.len() != 6 {
            return Err(SpecError::FieldCount {
                fields: fields.iter().map(|field| field.to_string()).collect(),
            });
        }
        let mut bits = [0; 6];
        for (index, (text, field)) in fields.iter().zip(&FIELDS).enumerate() {
            bits[index] =
                parse_field(text, field).map_err(|error| SpecError::Field { index, error })?;
        }
        let [second, minute, hour, dom, month, dow] = bits;
        Ok(Self {
            second,
            minute,
            hour,
            dom,
            month,
            dow,
        })
    }

    /// Six fields as written by a person: robfig's grammar, minus what robfig accepts and then
    /// reads differently from what the text suggests (`?` outside the day fields, an empty list
    /// item, anything after `*` but a step) and Dkron's `~`, with messages that name the field.
    pub(super) fn parse_strict(text: &str) -> Result<Self, String> {
        for (field_text, field) in text.split_whitespace().zip(&FIELDS) {
            check_strict(field_text, field)?;
        }
        Self::parse(text).map_err(|error| match &error {
            SpecError::Field { index, error } => {
                let field_text = text.split_whitespace().nth(*index).unwrap_or_default();
                error.explain(&FIELDS[*index], field_text)
            }
            SpecError::FieldCount { .. } => format!("cannot parse `{text}`: {error}"),
        })
    }
}

/// What [`CronSpec::parse_strict`] refuses before robfig's grammar sees the field.
fn check_strict(text: &str, field: &Field) -> Result<(), String> {
    for part in text.split(',') {
        let range = part.split('/').next().unwrap_or_default();
        if range.contains('~') {
            return Err(format!(
                "{} field `{text}`: Dkron's hashed `~` value is not supported here; write the value",
                field.name
            ));
        }
        let star = range.starts_with('*') || (range.starts_with('?') && field.question_mark);
        if range.is_empty() || (star && range.len() > 1) || (range == "?" && !field.question_mark) {
            return Err(not_a_number(
                field,
                range.split('-').next().unwrap_or_default(),
            ));
        }
    }
    Ok(())
}

/// One comma-separated field, as robfig's `getField` reads it (empty parts are ignored).
fn parse_field(text: &str, field: &Field) -> Result<u64, FieldError> {
    text.split(',')
        .filter(|part| !part.is_empty())
        .try_fold(0, |bits, part| Ok(bits | parse_range(part, field)?))
}

/// `*`, `?`, `N`, `N-M`, each optionally `/step`, as robfig's `getRange` reads them: `N/step`
/// runs to the field's maximum, and a step above 1 drops the star bit (`*/1` keeps it). Anything
/// after a leading `*` or `?` but the step is ignored, as robfig ignores it.
fn parse_range(expr: &str, field: &Field) -> Result<u64, FieldError> {
    let fail = |problem| FieldError {
        expr: expr.to_string(),
        problem,
    };
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_and_high: Vec<&str> = range_and_step[0].split('-').collect();
    let (start, mut end, mut extra) = if low_and_high[0] == "*" || low_and_high[0] == "?" {
        (u64::from(field.min), u64::from(field.max), STAR_BIT)
    } else {
        let start = value(low_and_high[0], field).map_err(fail)?;
        let end = match low_and_high.len() {
            1 => start,
            2 => value(low_and_high[1], field).map_err(fail)?,
            _ => return Err(fail(Problem::TooManyHyphens)),
        };
        (start, end, 0)
    };
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = number(range_and_step[1], true).map_err(fail)?;
            if low_and_high.len() == 1 {
                end = u64::from(field.max);
            }
            if step > 1 {
                extra = 0;
            }
            step
        }
        _ => return Err(fail(Problem::TooManySlashes)),
    };
    if start < u64::from(field.min) {
        return Err(fail(Problem::BelowMinimum {
            start,
            min: field.min,
        }));
    }
    if end > u64::from(field.max) {
        return Err(fail(Problem::AboveMaximum {
            start,
            end,
            max: field.max,
        }));
    }
    if start > end {
        return Err(fail(Problem::Backwards { start, end }));
    }
    if step == 0 {
        return Err(fail(Problem::ZeroStep));
    }
    Ok(range_bits(start, end, step) | extra)
}

fn range_bits(start: u64, end: u64, step: u64) -> u64 {
    (start..=end)
        .step_by(usize::try_from(step).unwrap_or(usize::MAX))
        .fold(0, |bits, value| bits | 1 << value)
}

/// A value: a name (case-insensitive; months count from 1, days from 0) or a number.
fn value(text: &str, field: &Field) -> Result<u64, Problem> {
    let upper = text.to_ascii_uppercase();
    match field.names.iter().position(|name| *name == upper) {
        Some(index) => Ok(index as u64 + u64::from(field.min)),
        None => number(text, false),
    }
}

/// robfig's `mustParseInt`: Go's `strconv.Atoi`, negative numbers refused.
fn number(text: &str, step: bool) -> Result<u64, Problem> {
    match go::atoi(text) {
        Ok(number) if number < 0 => Err(Problem::Negative {
            number,
            text: text.to_string(),
        }),
        Ok(number) => Ok(number.unsigned_abs()),
        Err(detail) => Err(Problem::NotANumber {
            text: text.to_string(),
            detail,
            step,
        }),
    }
}

/// A schedule as robfig's `Parser.Parse` returns it: calendar fields or a fixed delay, and the
/// zone its calendar is read in.
#[derive(Debug, Clone)]
pub struct Robfig {
    pub kind: Kind,
    pub zone: Tz,
    pub zone_source: ZoneSource,
}

impl Robfig {
    /// robfig's `Schedule.Next`: the first fire strictly after `after`, `None` where robfig
    /// returns its zero time (nothing within five years).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match &self.kind {
            Kind::Cron(spec) => spec.next_after(self.zone, after),
            // robfig's constant delay counts from the start of `after`'s second.
            Kind::Every(every) => DateTime::from_timestamp(after.timestamp(), 0)?
                .checked_add_signed(chrono::Duration::from_std(*every).ok()?),
            Kind::Manually | Kind::At(_) => None,
        }
    }
}

/// robfig's `Parser.Parse` with Dkron's options. `server` stands for Go's `time.Local` (the
/// Dkron server's zone), which applies when the spec names none.
pub fn parse_robfig(spec: &str, server: Tz) -> Result<Robfig, String> {
    if spec.is_empty() {
        return Err("empty spec string".to_string());
    }
    let (zone, zone_source, rest) = if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        // robfig cuts the zone at the first space; without one it panics (and so would Dkron).
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
    let kind = if rest.starts_with('@') {
        if let Some(six) = descriptor(rest, Origin::Robfig) {
            Kind::Cron(CronSpec::parse(six).map_err(|error| error.to_string())?)
        } else if let Some(every) = rest.strip_prefix("@every ") {
            let every = go::parse_duration(every)
                .map_err(|error| format!("failed to parse duration {rest}: {error}"))?;
            Kind::Every(every.every())
        } else {
            return Err(format!("unrecognized descriptor: {rest}"));
        }
    } else {
        Kind::Cron(CronSpec::parse(rest).map_err(|error| error.to_string())?)
    };
    Ok(Robfig {
        kind,
        zone,
        zone_source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_are_the_bits_robfig_builds() {
        // robfig's @weekly: second, minute, hour 0; every day of month and month (star); Sunday.
        let weekly = CronSpec::parse(descriptor("@weekly", Origin::Robfig).unwrap()).unwrap();
        assert_eq!((weekly.second, weekly.minute, weekly.hour), (1, 1, 1));
        assert_eq!(weekly.dom, range_bits(1, 31, 1) | STAR_BIT);
        assert_eq!(weekly.dow, 1);
        assert_eq!(descriptor("@minutely", Origin::Robfig), None);
        assert_eq!(descriptor("@minutely", Origin::Dkron), Some("0 * * * * *"));
    }

    #[test]
    fn robfig_errors_keep_robfig_s_words() {
        for (spec, error) in [
            ("0 0 0 * * 7", "end of range (7) above maximum (6): 7"),
            ("0 0 0 0 * *", "beginning of range (0) below minimum (1): 0"),
            (
                "*/0 * * * * *",
                "step of range should be a positive number: */0",
            ),
            ("0 */-1 * * * *", "negative number (-1) not allowed: -1"),
            ("1-2-3 * * * * *", "too many hyphens: 1-2-3"),
            ("1/2/3 * * * * *", "too many slashes: 1/2/3"),
            (
                "0 0 0 * * 2-1",
                "beginning of range (2) beyond end of range (1): 2-1",
            ),
            (
                "0 0 0 L * *",
                r#"failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax"#,
            ),
            (
                "* * * * *",
                "expected exactly 6 fields, found 5: [* * * * *]",
            ),
            (
                "0 5000000000 * * * *",
                "end of range (5000000000) above maximum (59): 5000000000",
            ),
        ] {
            assert_eq!(CronSpec::parse(spec).unwrap_err().to_string(), error);
        }
    }

    #[test]
    fn strict_errors_name_the_field() {
        for (spec, error) in [
            ("0 61 * * * *", "minute field value 61 is outside 0-59"),
            ("0 70-80 * * * *", "minute field value 70 is outside 0-59"),
            ("0 70/5 * * * *", "minute field value 70 is outside 0-59"),
            (
                "0 0 0 * * 2-1",
                "day of week field `2-1`: range 2-1 runs backwards",
            ),
            (
                "0 */0 * * * *",
                "minute field `*/0`: step `0` must be a positive number",
            ),
            (
                "0 1/2/3 * * * *",
                "minute field `1/2/3`: step `2/3` must be a positive number",
            ),
            ("0 1-2-3 * * * *", "minute field: `2-3` is not a number"),
            (
                "0 0 0 * * 1#2",
                "day of week field: `1#2` is not a number or one of SUN, MON, TUE, WED, THU, FRI, SAT",
            ),
            ("? * * * * *", "second field: `?` is not a number"),
            ("0 *-5 * * * *", "minute field: `*` is not a number"),
            ("0 0,,1 * * * *", "minute field: `` is not a number"),
            (
                "0 ~ * * * *",
                "minute field `~`: Dkron's hashed `~` value is not supported here; write the value",
            ),
        ] {
            assert_eq!(CronSpec::parse_strict(spec).unwrap_err(), error, "{spec}");
        }
        assert!(CronSpec::parse_strict("0 0 0 ? * MON-FRI").is_ok());
        assert!(CronSpec::parse("? *-5 * * * *").is_ok());
    }

    #[test]
    fn prefixes_and_descriptors_as_robfig_reads_them() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let read = |spec: &str| parse_robfig(spec, berlin);
        let zone = |spec: &str| {
            let parsed = read(spec).unwrap();
            (parsed.zone.name().to_string(), parsed.zone_source)
        };
        assert_eq!(
            zone("0 0 0 * * *"),
            ("Europe/Berlin".into(), ZoneSource::Server)
        );
        assert_eq!(
            zone("TZ=Asia/Tokyo @daily"),
            ("Asia/Tokyo".into(), ZoneSource::Schedule)
        );
        assert_eq!(
            zone("CRON_TZ= @daily"),
            ("UTC".into(), ZoneSource::Schedule)
        );
        assert_eq!(
            zone("CRON_TZ=Local @daily"),
            ("Europe/Berlin".into(), ZoneSource::Schedule)
        );
        assert!(
            matches!(read("@every -5s").unwrap().kind, Kind::Every(every) if every.as_secs() == 1)
        );
        for (spec, error) in [
            ("", "empty spec string"),
            ("@reboot", "unrecognized descriptor: @reboot"),
            ("@minutely", "unrecognized descriptor: @minutely"),
            (
                "CRON_TZ=Mars/Olympus 0 0 * * * *",
                "provided bad location Mars/Olympus: unknown time zone Mars/Olympus",
            ),
            (
                "@every 1x",
                r#"failed to parse duration @every 1x: time: unknown unit "x" in duration "1x""#,
            ),
        ] {
            assert_eq!(read(spec).unwrap_err(), error, "{spec}");
        }
    }
}
