//! The few pieces of Go's standard library whose exact behaviour decides what Dkron accepts:
//! `strconv.Atoi` (cron field numbers), `time.ParseDuration` (`@every`) and
//! `time.Parse(time.RFC3339, …)` (`@at`), each with Go's error text, so a live schedule Dkron
//! would refuse is refused here with the words Dkron would answer. Written from Go's documented
//! behaviour and checked against Go itself through the truth table and the fuzz target.

use std::num::IntErrorKind;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};

/// Go's `strconv.Atoi` on a 64-bit platform: an optional sign, decimal digits, nothing else.
pub fn atoi(text: &str) -> Result<i64, String> {
    text.parse::<i64>().map_err(|error| {
        let why = match error.kind() {
            IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => "value out of range",
            _ => "invalid syntax",
        };
        format!("strconv.Atoi: parsing {}: {why}", strconv_quote(text))
    })
}

/// `strconv.Quote` for the texts that reach it here: printable characters as they are, `"` and
/// `\` escaped, control characters as Go escapes them.
fn strconv_quote(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            '\u{7}' => quoted.push_str("\\a"),
            '\u{8}' => quoted.push_str("\\b"),
            '\u{c}' => quoted.push_str("\\f"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            '\u{b}' => quoted.push_str("\\v"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                quoted.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// The `time` package's own quoting in its errors: bytes outside printable ASCII as `\xNN`.
fn time_quote(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        if !c.is_ascii() || u32::from(c) < 0x20 {
            let mut bytes = [0; 4];
            for byte in c.encode_utf8(&mut bytes).bytes() {
                quoted.push_str(&format!("\\x{byte:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                quoted.push('\\');
            }
            quoted.push(c);
        }
    }
    quoted.push('"');
    quoted
}

/// A Go `time.Duration`: signed nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoDuration(pub i128);

impl GoDuration {
    /// The duration as robfig's `Every` keeps it: at least one second, whole seconds only.
    pub fn every(self) -> Duration {
        Duration::from_secs(u64::try_from(self.0 / 1_000_000_000).unwrap_or(0).max(1))
    }

    /// The duration, if it is not negative.
    pub fn to_std(self) -> Option<Duration> {
        let nanos = u64::try_from(self.0).ok()?;
        Some(Duration::from_nanos(nanos))
    }
}

/// Why Go's `time.ParseDuration` refuses a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// Not a duration at all, or (`overflow`) beyond about 292 years.
    Invalid {
        text: String,
        overflow: bool,
    },
    MissingUnit {
        text: String,
    },
    UnknownUnit {
        unit: String,
        text: String,
    },
}

impl std::fmt::Display for DurationError {
    /// Go's error text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid { text, .. } => write!(f, "time: invalid duration {}", time_quote(text)),
            Self::MissingUnit { text } => {
                write!(f, "time: missing unit in duration {}", time_quote(text))
            }
            Self::UnknownUnit { unit, text } => write!(
                f,
                "time: unknown unit {} in duration {}",
                time_quote(unit),
                time_quote(text)
            ),
        }
    }
}

impl DurationError {
    /// The same refusal for a person writing `tier1.toml`.
    pub fn explain(&self) -> String {
        match self {
            Self::Invalid { text, .. } if text.is_empty() => "missing duration".to_string(),
            Self::Invalid {
                text,
                overflow: true,
            } => format!("`{text}` is longer than a Go duration can be (about 292 years)"),
            Self::Invalid { text, .. } => format!("`{text}` is not a Go duration"),
            Self::MissingUnit { text } => {
                format!("`{text}` lacks a unit (ns, us, ms, s, m, h)")
            }
            Self::UnknownUnit { unit, text } => format!("unknown unit `{unit}` in `{text}`"),
        }
    }
}

/// Go's `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` (units ns, us/µs/μs, ms, s, m,
/// h), or a bare `0`, computed in integer nanoseconds with Go's overflow limits.
pub fn parse_duration(text: &str) -> Result<GoDuration, DurationError> {
    const LIMIT: u128 = 1 << 63;
    let invalid = |overflow| DurationError::Invalid {
        text: text.to_string(),
        overflow,
    };
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(GoDuration(0));
    }
    if rest.is_empty() {
        return Err(invalid(false));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        if !rest.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Err(invalid(false));
        }
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let mut whole: u128 = 0;
        for digit in rest[..digits].bytes() {
            whole = whole * 10 + u128::from(digit - b'0');
            if whole > LIMIT {
                return Err(invalid(true));
            }
        }
        rest = &rest[digits..];
        let (mut fraction, mut scale, mut fraction_digits) = (0u128, 1f64, 0);
        if let Some(after_point) = rest.strip_prefix('.') {
            rest = after_point;
            fraction_digits =
                rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            // Go stops adding digits once they would overflow, but still consumes them.
            let mut overflowed = false;
            for digit in rest[..fraction_digits].bytes() {
                let next = fraction * 10 + u128::from(digit - b'0');
                if overflowed || fraction > (LIMIT - 1) / 10 || next > LIMIT {
                    overflowed = true;
                    continue;
                }
                fraction = next;
                scale *= 10.0;
            }
            rest = &rest[fraction_digits..];
        }
        // Digits are needed before or after the point (".s" has none).
        if digits == 0 && fraction_digits == 0 {
            return Err(invalid(false));
        }
        let unit_length = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        if unit_length == 0 {
            return Err(DurationError::MissingUnit {
                text: text.to_string(),
            });
        }
        let unit = &rest[..unit_length];
        rest = &rest[unit_length..];
        let nanos: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(DurationError::UnknownUnit {
                    unit: unit.to_string(),
                    text: text.to_string(),
                });
            }
        };
        if whole > LIMIT / nanos {
            return Err(invalid(true));
        }
        let mut value = whole * nanos;
        if fraction > 0 {
            // Go computes the fraction in float64, truncating.
            value += (fraction as f64 * (nanos as f64 / scale)) as u128;
            if value > LIMIT {
                return Err(invalid(true));
            }
        }
        total += value;
        if total > LIMIT {
            return Err(invalid(true));
        }
    }
    if negative {
        return Ok(GoDuration(-(total as i128)));
    }
    if total > LIMIT - 1 {
        return Err(invalid(true));
    }
    Ok(GoDuration(total as i128))
}

/// Parses an RFC 3339 time as strictly as Go's `time.Parse(time.RFC3339, …)`, which Dkron uses:
/// chrono also takes a space or a lower-case `t`/`z`, which Dkron then rejects.
pub fn parse_rfc3339(text: &str) -> Result<DateTime<FixedOffset>, String> {
    if text.as_bytes().get(10) != Some(&b'T') || text.contains(['t', 'z']) {
        return Err(
            "the date and time must be joined by an upper-case `T`, and UTC written `Z`".into(),
        );
    }
    DateTime::parse_from_rfc3339(text).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_takes_a_sign_and_reports_like_go() {
        assert_eq!(atoi("+7"), Ok(7));
        assert_eq!(atoi("-0"), Ok(0));
        assert_eq!(atoi("007"), Ok(7));
        assert_eq!(
            atoi("L").unwrap_err(),
            r#"strconv.Atoi: parsing "L": invalid syntax"#
        );
        assert_eq!(
            atoi("99999999999999999999").unwrap_err(),
            r#"strconv.Atoi: parsing "99999999999999999999": value out of range"#
        );
        assert_eq!(
            atoi("\u{1}\"").unwrap_err(),
            r#"strconv.Atoi: parsing "\x01\"": invalid syntax"#
        );
    }

    #[test]
    fn durations_follow_go() {
        let seconds = |text: &str| parse_duration(text).map(|d| d.0 as f64 / 1e9);
        assert_eq!(seconds("1m30s"), Ok(90.0));
        assert_eq!(seconds("1.5h"), Ok(5400.0));
        assert_eq!(seconds(".5s"), Ok(0.5));
        assert_eq!(seconds("1h0.5m"), Ok(3630.0));
        assert_eq!(seconds("0"), Ok(0.0));
        assert_eq!(seconds("-1s"), Ok(-1.0));
        assert_eq!(seconds("+2s"), Ok(2.0));
        assert_eq!(seconds("500µs"), Ok(0.0005));
        for (text, error) in [
            ("", r#"time: invalid duration """#),
            ("1", r#"time: missing unit in duration "1""#),
            ("1x", r#"time: unknown unit "x" in duration "1x""#),
            ("1s ", r#"time: unknown unit "s " in duration "1s ""#),
            (".s", r#"time: invalid duration ".s""#),
            ("-", r#"time: invalid duration "-""#),
            (
                "1é",
                r#"time: unknown unit "\xc3\xa9" in duration "1\xc3\xa9""#,
            ),
            (
                "99999999999999999999h",
                r#"time: invalid duration "99999999999999999999h""#,
            ),
            ("2562048h", r#"time: invalid duration "2562048h""#),
        ] {
            assert_eq!(
                parse_duration(text).unwrap_err().to_string(),
                error,
                "{text}"
            );
        }
        assert!(parse_duration("2562047h").is_ok());
        assert_eq!(parse_duration("1500ms").unwrap().every().as_secs(), 1);
        assert_eq!(parse_duration("-5s").unwrap().every().as_secs(), 1);
    }
}
