//! The schedule module's behaviour through its public types: the operator side, robfig's field
//! rules, DST, and live schedules read as Dkron's scheduler reads them.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::walk::SkippedTime;
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
        let found = CronSpec::parse(spec).unwrap_err().to_string();
        assert!(found.contains(error), "{spec}: {found}");
    }
}

#[test]
fn live_schedules_are_read_as_dkron_s_scheduler_reads_them() {
    let parse = |schedule: &str, timezone: &str| {
        LiveSchedule::parse("job", schedule, timezone, Tz::UTC).unwrap()
    };
    let zone_of = |schedule: &LiveSchedule| match schedule.zone {
        Some((zone, source)) => (zone.name().to_string(), source),
        None => panic!("not a cron schedule: {schedule:?}"),
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
        LiveSchedule::parse("job", "@daily", "America/New_York", zone("Europe/Berlin")).unwrap();
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
    assert!(matches!(parse("@manually", "").kind, Kind::Manually));
    assert!(parse("@manually", "").fires(now, 3).is_empty());
    assert!(
        matches!(parse("@every 1500ms", "").kind, Kind::Every(every) if every == Duration::from_secs(1))
    );
    let once = parse("@at 2027-01-01T00:00:00Z", "");
    assert_eq!(once.fires(now, 3).len(), 1);
    assert!(once.fires(at("2027-01-01T00:00:00Z"), 3).is_empty());
    // `~` is a value hashed from the name: "ab" sums to 195, and 195 % 24 = 3.
    let hashed = LiveSchedule::parse("ab", "0 0 ~ * * *", "UTC", Tz::UTC).unwrap();
    assert_eq!(hashed.effective, "CRON_TZ=UTC 0 0 3 * * *");
    for (schedule, error) in [
        ("", "empty spec"),
        ("@reboot", "unrecognized descriptor"),
        ("CRON_TZ=Mars/Olympus 0 0 * * * *", "provided bad location"),
        ("0 0 0 * * 7", "above maximum"),
    ] {
        let found = LiveSchedule::parse("job", schedule, "", Tz::UTC).unwrap_err();
        assert!(found.contains(error), "{schedule}: {found}");
    }
}
