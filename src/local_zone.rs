//! The local zone that times are shown in beside each job's own: `TZ` if it names a zone, else
//! the system's (/etc/localtime). Output concerns only; fire times never depend on it.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::schedule::format_in;

/// The local zone for display: `TZ` if it names a zone, else the system's (/etc/localtime).
pub enum LocalZone {
    Named(Tz),
    /// A `TZ` that is not a zone name (a POSIX rule): the C library's reading of it.
    System(String),
}

impl LocalZone {
    /// Reads `TZ`, else the system's zone.
    pub fn detect() -> Self {
        match std::env::var_os("TZ") {
            Some(value) => Self::from_tz_variable(&value.to_string_lossy()),
            None => Self::system(),
        }
    }

    /// `TZ` as the C library reads it: `:` optional, a path into a zoneinfo tree, or a POSIX rule
    /// (which only the C library can apply, so `chrono::Local` shows those times).
    fn from_tz_variable(value: &str) -> Self {
        let name = value.strip_prefix(':').unwrap_or(value);
        if name.is_empty() {
            return Self::Named(Tz::UTC);
        }
        let name = name.rsplit_once("zoneinfo/").map_or(name, |(_, name)| name);
        name.parse()
            .map_or_else(|_| Self::System(format!("TZ={value}")), Self::Named)
    }

    fn system() -> Self {
        let from_link = std::fs::read_link("/etc/localtime")
            .ok()
            .and_then(|target| {
                let target = target.to_string_lossy().into_owned();
                let (_, name) = target.rsplit_once("zoneinfo/")?;
                name.parse().ok()
            });
        let from_file = || {
            std::fs::read_to_string("/etc/timezone")
                .ok()
                .and_then(|text| text.trim().parse().ok())
        };
        from_link
            .or_else(from_file)
            .map_or_else(|| Self::System("system".to_string()), Self::Named)
    }

    /// The zone's IANA name, or how the C library was told it.
    pub fn name(&self) -> String {
        match self {
            Self::Named(zone) => zone.name().to_string(),
            Self::System(name) => name.clone(),
        }
    }

    /// An instant in this zone, RFC 3339.
    pub fn rfc3339(&self, at: DateTime<Utc>) -> String {
        match self {
            Self::Named(zone) => at.with_timezone(zone).to_rfc3339(),
            Self::System(_) => at.with_timezone(&chrono::Local).to_rfc3339(),
        }
    }

    /// An instant in this zone for a table, with the zone's abbreviation where it has one.
    pub fn text(&self, at: DateTime<Utc>) -> String {
        match self {
            Self::Named(zone) => format_in(&at.with_timezone(zone)),
            Self::System(_) => at
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S %:z")
                .to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tz_names_a_zone_or_a_rule() {
        let name = |value: &str| LocalZone::from_tz_variable(value).name();
        assert_eq!(name(":Europe/Berlin"), "Europe/Berlin");
        assert_eq!(name("/usr/share/zoneinfo/Asia/Kolkata"), "Asia/Kolkata");
        assert_eq!(name(""), "UTC");
        assert_eq!(name(":"), "UTC");
        assert_eq!(name("PST8PDT,M3.2.0,M11.1.0"), "TZ=PST8PDT,M3.2.0,M11.1.0");
        let kolkata = LocalZone::from_tz_variable("Asia/Kolkata");
        let at = DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(kolkata.rfc3339(at), "2026-11-22T17:30:00+05:30");
        assert_eq!(kolkata.text(at), "2026-11-22 17:30:00 IST");
    }
}
