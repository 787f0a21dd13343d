//! A live job's schedule as Dkron v4's scheduler reads it: `~` replaced by a value hashed from the
//! job's name, `CRON_TZ=<timezone>` prepended unless the schedule starts with `@`, `TZ=` or
//! `CRON_TZ=` (so `timezone` does not apply to descriptors), then extcron's own descriptors
//! (`@manually`, `@minutely`, `@at`) in front of robfig's parser ([`super::spec`]). This is the
//! knowledge of Dkron's scheduler; robfig's grammar and walk are not here.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::spec::{self, Origin};
use super::{Kind, ZoneSource, go};

/// A job's schedule as Dkron's scheduler evaluates it.
#[derive(Debug, Clone)]
pub struct LiveSchedule {
    /// The spec the scheduler parses: `~` replaced, and `CRON_TZ=<timezone>` prepended where Dkron
    /// prepends it.
    pub effective: String,
    pub kind: Kind,
    /// Calendar schedules: the zone whose wall clock decides the fire times, and where it comes
    /// from.
    pub zone: Option<(Tz, ZoneSource)>,
}

impl LiveSchedule {
    /// Reads a job's `schedule` and `timezone` as Dkron's scheduler does. `server` is the Dkron
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
        let (kind, zone) = match effective.as_str() {
            "@manually" => (Kind::Manually, None),
            spec if spec.starts_with("@at ") => {
                let date = &spec["@at ".len()..];
                let date = go::parse_rfc3339(date)
                    .map_err(|error| format!("failed to parse date {spec}: {error}"))?;
                (Kind::At(date.to_utc()), None)
            }
            spec => {
                let spec = spec::descriptor(spec, Origin::Dkron).unwrap_or(spec);
                let robfig = spec::parse_robfig(spec, server)?;
                let source = if prefixed {
                    ZoneSource::Timezone
                } else {
                    robfig.zone_source
                };
                let zone = matches!(robfig.kind, Kind::Cron(_)).then_some((robfig.zone, source));
                (robfig.kind, zone)
            }
        };
        Ok(Self {
            effective,
            kind,
            zone,
        })
    }

    /// The zone whose wall clock decides the fire times (calendar schedules only).
    pub fn zone(&self) -> Option<Tz> {
        self.zone.map(|(zone, _)| zone)
    }

    /// The scheduler's next fire strictly after `after` (for `@every`, one delay after it).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match (&self.kind, self.zone) {
            (Kind::Cron(spec), Some((zone, _))) => spec.next_after(zone, after),
            (Kind::Every(every), _) => spec::Robfig {
                kind: Kind::Every(*every),
                zone: Tz::UTC,
                zone_source: ZoneSource::Server,
            }
            .next_after(after),
            (Kind::At(at), _) => (*at > after).then_some(*at),
            (Kind::Cron(_) | Kind::Manually, _) => None,
        }
    }

    /// The next `count` calendar fires after `after`. Empty for `@every` (its phase is only known
    /// to the scheduler) and `@manually`; at most one for `@at`.
    pub fn fires(&self, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        match (&self.kind, self.zone) {
            (Kind::Cron(spec), Some((zone, _))) => spec.fires(zone, after, count),
            (Kind::At(_), _) => self.next_after(after).into_iter().take(count).collect(),
            _ => Vec::new(),
        }
    }

    /// `@every` fires after `from`, counted on from `anchor`, the `next` Dkron stored: the phase
    /// is the scheduler's (it starts when the job is added, and each write restarts it). `None`
    /// for other kinds, or without an anchor.
    pub fn every_fires(
        &self,
        anchor: Option<DateTime<Utc>>,
        from: DateTime<Utc>,
        count: usize,
    ) -> Option<Vec<DateTime<Utc>>> {
        let (Kind::Every(every), Some(anchor)) = (&self.kind, anchor) else {
            return None;
        };
        let every = chrono::Duration::from_std(*every)
            .ok()
            .filter(|every| *every > chrono::Duration::zero())?;
        let behind = if anchor > from {
            0
        } else {
            (from - anchor).num_seconds() / every.num_seconds() + 1
        };
        let first = anchor + every * i32::try_from(behind).unwrap_or(0);
        Some(
            (0..count)
                .filter_map(|index| first.checked_add_signed(every * i32::try_from(index).ok()?))
                .filter(|time| *time > from)
                .collect(),
        )
    }

    /// A short phrase for schedules without calendar fire times.
    pub fn cadence(&self) -> Option<String> {
        match &self.kind {
            Kind::Every(every) => Some(format!(
                "every {}s from when Dkron's scheduler added the job",
                every.as_secs()
            )),
            Kind::Manually => Some("only when run by hand".to_string()),
            _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn every_is_counted_on_from_the_stored_next() {
        let every = LiveSchedule::parse("job", "@every 90m", "", Tz::UTC).unwrap();
        let from = at("2026-11-22T12:00:00Z");
        // An anchor ahead of `from` is the first fire; one behind it is stepped past `from`.
        let ahead = every.every_fires(Some(at("2026-11-22T12:30:00Z")), from, 2);
        assert_eq!(
            ahead,
            Some(vec![at("2026-11-22T12:30:00Z"), at("2026-11-22T14:00:00Z")])
        );
        let behind = every.every_fires(Some(at("2026-11-22T08:00:00Z")), from, 2);
        assert_eq!(
            behind,
            Some(vec![at("2026-11-22T12:30:00Z"), at("2026-11-22T14:00:00Z")])
        );
        assert_eq!(every.every_fires(None, from, 2), None);
        let daily = LiveSchedule::parse("job", "@daily", "", Tz::UTC).unwrap();
        assert_eq!(daily.every_fires(Some(from), from, 2), None);
    }
}
