//! `next`: fire times computed as Dkron's scheduler computes them, from a schedule file (offline) and
//! for live jobs, checked against the `next` the real Dkron stores.

use crate::support::{cron, manifest, run_json, snapshot};

/// A manifest whose schedules cover the cases `next` must get right: plain UTC, the days New York
/// and Berlin change their clocks, a descriptor, a midnight that does not exist, and the
/// schedules without calendar times.
const SCHEDULES: &str = r#"[defaults]
set = "next-demo"
restate_url = "http://restate:8080"
headers = { authorization = "Bearer ${env:NEXT_TEST_TOKEN_NOT_SET}" }

[[jobs]]
name = "hourly-utc"
schedule = "7 * * * *"
service = "dagOrchestrator"
handler = "run"

[[jobs]]
name = "ny-spring-forward"
schedule = "0 30 2 14 3 *"
timezone = "America/New_York"
service = "dagOrchestrator"
handler = "run"

[[jobs]]
name = "ny-fall-back"
schedule = "0 30 1 7 11 *"
timezone = "America/New_York"
service = "dagOrchestrator"
handler = "run"

[[jobs]]
name = "berlin-nightly"
schedule = "0 30 2 * * *"
timezone = "Europe/Berlin"
service = "dagOrchestrator"
handler = "run"

[[jobs]]
name = "berlin-fall-back"
schedule = "0 30 2 31 10 *"
timezone = "Europe/Berlin"
service = "dagOrchestrator"
handler = "run"

[[jobs]]
name = "tokyo-daily"
schedule = "@daily"
timezone = "Asia/Tokyo"
service = "dagOrchestrator"
handler = "run"

[[jobs]]
name = "havana-midnight"
schedule = "0 0 0 * * *"
timezone = "America/Havana"
service = "dagOrchestrator"
handler = "run"

[[jobs]]
name = "every-90m"
schedule = "@every 90m"
service = "dagOrchestrator"
handler = "run"

[[jobs]]
name = "new-year"
schedule = "@at 2028-01-01T00:00:00Z"
service = "dagOrchestrator"
handler = "run"
enabled = false

[[jobs]]
name = "by-hand"
schedule = "@manually"
service = "dagOrchestrator"
handler = "run"
"#;

/// Offline: no Dkron URL and no kubeconfig, so any attempt to reach Dkron would fail the run.
#[test]
fn fire_times_of_a_manifest_are_computed_offline_in_the_job_zone_and_the_local_one() {
    let file = manifest(SCHEDULES);
    snapshot!(
        cron(&[
            "next",
            "--file",
            file.arg(),
            "--count",
            "3",
            "--from",
            "2027-03-12T00:00:00Z",
        ])
        .env("TZ", "Asia/Kolkata")
    );
}

/// `next --json`'s result as agents read it: unknown fields fail, so a field added, renamed or
/// dropped shows here and not only in a snapshot.
// Every field pins the contract by being there (with deny_unknown_fields), read or not.
#[allow(dead_code)]
pub(crate) mod mirror {
    use chrono::{DateTime, Utc};
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct NextResult {
        /// How Dkron was reached (`direct` or `tunnel`); live jobs only.
        pub access_mode: Option<String>,
        pub base_url: Option<String>,
        pub tunnel: Option<serde_json::Value>,
        pub source: Source,
        pub file: Option<String>,
        pub from: DateTime<Utc>,
        pub now: DateTime<Utc>,
        pub count: usize,
        pub local_zone: String,
        pub server_timezone: String,
        pub jobs: Vec<JobFires>,
        pub counts: Counts,
    }

    #[derive(Debug, Deserialize, PartialEq, Eq)]
    #[serde(rename_all = "lowercase")]
    pub enum Source {
        Dkron,
        File,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Counts {
        pub jobs: usize,
        pub mismatches: usize,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct JobFires {
        pub name: String,
        pub schedule: String,
        pub scheduled_as: Option<String>,
        pub timezone: Option<String>,
        pub enabled: bool,
        pub kind: Option<Kind>,
        pub evaluated_in: Option<String>,
        pub zone_source: Option<ZoneSource>,
        pub shown_in: String,
        pub cadence: Option<String>,
        pub fires: Vec<Fire>,
        pub projected: bool,
        pub notes: Vec<String>,
        pub dkron: Option<Check>,
        pub error: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq, Eq)]
    #[serde(rename_all = "lowercase")]
    pub enum Kind {
        Cron,
        Every,
        At,
        Manually,
    }

    #[derive(Debug, Deserialize, PartialEq, Eq)]
    #[serde(rename_all = "kebab-case")]
    pub enum ZoneSource {
        Timezone,
        Schedule,
        Server,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Fire {
        pub at: DateTime<Utc>,
        pub zoned: String,
        pub local: String,
        pub dst: Option<Dst>,
    }

    #[derive(Debug, Deserialize, PartialEq, Eq)]
    #[serde(rename_all = "kebab-case")]
    pub enum Dst {
        FirstOfRepeatedHour,
        SecondOfRepeatedHour,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Check {
        pub next: Option<DateTime<Utc>>,
        pub computed: Option<DateTime<Utc>>,
        pub status: Status,
        pub reason: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq, Eq)]
    #[serde(rename_all = "kebab-case")]
    pub enum Status {
        Match,
        Mismatch,
        NotCompared,
    }

    pub fn parse(envelope: &serde_json::Value) -> NextResult {
        serde_json::from_value(envelope["result"].clone())
            .unwrap_or_else(|error| panic!("next's JSON result: {error}: {envelope:#}"))
    }
}

#[test]
fn fire_times_in_json_are_the_agent_contract() {
    let file = manifest(SCHEDULES);
    let args = [
        "next",
        "--file",
        file.arg(),
        "--count",
        "2",
        "--from",
        "2027-10-30T12:00:00Z",
        "--json",
    ];
    let mut command = cron(&args);
    command.env("TZ", "America/Los_Angeles");
    snapshot!(command);

    // run_json adds `--json` itself.
    let without_json = &args[..args.len() - 1];
    let (code, envelope) = run_json(cron(without_json).env("TZ", "America/Los_Angeles"));
    assert_eq!(code, 0, "{envelope:#}");
    let result = mirror::parse(&envelope);
    assert_eq!(result.source, mirror::Source::File);
    assert_eq!((result.count, result.counts.jobs), (2, 10));
    assert_eq!(result.counts.mismatches, 0);
    assert!(result.access_mode.is_none() && result.base_url.is_none());
    let job = |name: &str| result.jobs.iter().find(|job| job.name == name).unwrap();
    let berlin = job("berlin-fall-back");
    assert_eq!(berlin.kind, Some(mirror::Kind::Cron));
    assert_eq!(berlin.zone_source, Some(mirror::ZoneSource::Timezone));
    let dst: Vec<_> = berlin.fires.iter().map(|fire| fire.dst.as_ref()).collect();
    assert_eq!(
        dst,
        [
            Some(&mirror::Dst::FirstOfRepeatedHour),
            Some(&mirror::Dst::SecondOfRepeatedHour)
        ]
    );
    assert_eq!(job("every-90m").kind, Some(mirror::Kind::Every));
    assert!(job("every-90m").fires.is_empty() && job("every-90m").cadence.is_some());
    assert_eq!(job("by-hand").kind, Some(mirror::Kind::Manually));
    assert!(!job("new-year").enabled);
    assert!(
        result
            .jobs
            .iter()
            .all(|job| job.dkron.is_none() && job.error.is_none())
    );
}

#[test]
fn one_job_of_a_manifest_and_input_errors() {
    let file = manifest(SCHEDULES);
    let (code, envelope) = run_json(
        cron(&[
            "next",
            "berlin-fall-back",
            "--file",
            file.arg(),
            "--count",
            "3",
            "--from",
            "2026-11-22T12:00:00Z",
        ])
        .env("TZ", "UTC"),
    );
    assert_eq!(code, 0, "{envelope:#}");
    let jobs = envelope["result"]["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1);
    let fires: Vec<&str> = jobs[0]["fires"]
        .as_array()
        .unwrap()
        .iter()
        .map(|fire| fire["at"].as_str().unwrap())
        .collect();
    // 02:30 happens twice in Berlin on 2027-10-31 (CEST, then CET): Dkron fires at both.
    assert_eq!(
        fires,
        [
            "2027-10-31T00:30:00Z",
            "2027-10-31T01:30:00Z",
            "2028-10-31T01:30:00Z"
        ]
    );
    assert_eq!(jobs[0]["fires"][0]["dst"], "first-of-repeated-hour");
    assert_eq!(jobs[0]["fires"][1]["dst"], "second-of-repeated-hour");
    assert_eq!(jobs[0]["dkron"], serde_json::Value::Null);

    let (code, envelope) = run_json(&mut cron(&["next", "nosuch", "--file", file.arg()]));
    assert_eq!(code, 1, "{envelope:#}");
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_JOB_NOT_FOUND");

    for bad in [
        ["--from", "2027-03-12 00:00:00"],
        ["--count", "0"],
        ["--server-timezone", "Mars/Olympus"],
    ] {
        let mut args = vec!["next", "--file", file.arg()];
        args.extend(bad);
        let (code, envelope) = run_json(&mut cron(&args));
        assert_eq!(code, 2, "{bad:?}: {envelope:#}");
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_USAGE", "{bad:?}");
    }

    let broken = manifest(
        "[[jobs]]\nname = \"x\"\nschedule = \"0 0 0 * * 7\"\nservice = \"s\"\nhandler = \"h\"\n",
    );
    let (code, envelope) = run_json(&mut cron(&["next", "--file", broken.arg()]));
    assert_eq!(code, 2, "{envelope:#}");
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_INVALID_MANIFEST");
}

mod live {
    use std::time::Duration;

    use chrono::{DateTime, Utc};
    use serde_json::{Value, json};

    use crate::support::{Stack, run, run_json, stack};

    /// One schedule × zone, and what robfig/cron gives after `FACTS_FROM` on the clock change it
    /// is aimed at. The facts are checked every day of the year, against a `next` whose clock is
    /// pinned there (`JOELCLAW_NOW`), and against robfig itself (the Go oracle).
    struct Case {
        name: &'static str,
        schedule: &'static str,
        timezone: &'static str,
        first_fires: &'static [&'static str],
    }

    /// The facts below were written on 2026-11-22 for the clock changes of the following year.
    const FACTS_FROM: &str = "2026-11-08T00:00:00Z";

    const CASES: &[Case] = &[
        // 2027-03-14 02:30 does not exist in New York: the next 02:30 on a 14 March is in 2028.
        Case {
            name: "ny-spring-forward",
            schedule: "0 30 2 14 3 *",
            timezone: "America/New_York",
            first_fires: &["2028-03-14T06:30:00Z"],
        },
        // 2027-11-07 01:30 happens twice in New York (EDT, then EST).
        Case {
            name: "ny-fall-back",
            schedule: "0 30 1 7 11 *",
            timezone: "America/New_York",
            first_fires: &["2027-11-07T05:30:00Z", "2027-11-07T06:30:00Z"],
        },
        Case {
            name: "berlin-spring-forward",
            schedule: "0 30 2 28 3 *",
            timezone: "Europe/Berlin",
            first_fires: &["2028-03-28T00:30:00Z"],
        },
        Case {
            name: "berlin-fall-back",
            schedule: "0 30 2 31 10 *",
            timezone: "Europe/Berlin",
            first_fires: &["2027-10-31T00:30:00Z", "2027-10-31T01:30:00Z"],
        },
        Case {
            name: "sydney-spring-forward",
            schedule: "0 30 2 3 10 *",
            timezone: "Australia/Sydney",
            first_fires: &["2028-10-02T15:30:00Z"],
        },
        Case {
            name: "sydney-fall-back",
            schedule: "0 30 2 4 4 *",
            timezone: "Australia/Sydney",
            first_fires: &["2027-04-03T15:30:00Z", "2027-04-03T16:30:00Z"],
        },
        // Havana's clocks jump from midnight to 01:00: robfig does not fire at midnight that day.
        Case {
            name: "havana-midnight-gap",
            schedule: "0 0 0 14 3 *",
            timezone: "America/Havana",
            first_fires: &["2028-03-14T04:00:00Z"],
        },
        // Lord Howe moves its clocks by half an hour.
        Case {
            name: "lord-howe-half-hour-gap",
            schedule: "0 15 2 3 10 *",
            timezone: "Australia/Lord_Howe",
            first_fires: &["2028-10-02T15:15:00Z"],
        },
        Case {
            name: "ny-daily",
            schedule: "0 0 7 * * *",
            timezone: "America/New_York",
            first_fires: &[],
        },
        Case {
            name: "tokyo-daily",
            schedule: "0 0 7 * * *",
            timezone: "Asia/Tokyo",
            first_fires: &[],
        },
        Case {
            name: "kolkata-daily",
            schedule: "0 0 12 * * *",
            timezone: "Asia/Kolkata",
            first_fires: &[],
        },
        Case {
            name: "st-johns-daily",
            schedule: "0 0 9 * * *",
            timezone: "America/St_Johns",
            first_fires: &[],
        },
        Case {
            name: "utc-daily",
            schedule: "0 15 10 * * *",
            timezone: "UTC",
            first_fires: &[],
        },
        // A descriptor: Dkron ignores the timezone and uses its server's (UTC).
        Case {
            name: "descriptor-ignores-zone",
            schedule: "@daily",
            timezone: "America/New_York",
            first_fires: &[],
        },
        Case {
            name: "no-timezone",
            schedule: "0 0 7 * * *",
            timezone: "",
            first_fires: &[],
        },
        // The workaround: the zone in the schedule, which Dkron's stored `next` does honour.
        Case {
            name: "prefix-berlin-fall-back",
            schedule: "CRON_TZ=Europe/Berlin 0 30 2 31 10 *",
            timezone: "",
            first_fires: &["2027-10-31T00:30:00Z", "2027-10-31T01:30:00Z"],
        },
    ];

    fn http_job(name: &str, schedule: &str, timezone: &str, managed: bool) -> Value {
        let mut job = json!({
            "name": name,
            "schedule": schedule,
            "timezone": timezone,
            "disabled": false,
            "retries": 0,
            "executor": "http",
            "executor_config": {
                "method": "POST",
                "url": "http://127.0.0.1:9/",
                "timeout": "2",
                "expectCode": "202",
            },
        });
        if managed {
            job["metadata"] = json!({"managed-by": "joelclaw", "set": "next-test"});
        }
        job
    }

    /// Triggers a run (it fails harmlessly: nothing listens on port 9). Dkron's run handler
    /// copies its scheduler's next fire into the stored job (docs/dkron-observed.md §5).
    fn trigger(stack: &Stack, name: &str) {
        let response = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap()
            .post(format!("{}/v1/jobs/{name}/run", stack.dkron_url))
            .send()
            .unwrap();
        assert_eq!(response.status(), 200, "run {name}");
    }

    fn stored_next(stack: &Stack, name: &str) -> Option<String> {
        let job = stack.job(name).unwrap();
        job["next"]
            .as_str()
            .filter(|next| !next.starts_with("0001-"))
            .map(|next| {
                DateTime::parse_from_rfc3339(next)
                    .unwrap()
                    .with_timezone(&Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            })
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn rfc3339(at: DateTime<Utc>) -> String {
        at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }

    /// The fires robfig/cron v3.0.1 itself gives `spec` after `from` (the Go oracle of
    /// testkit/cron-oracle, which `scripts/test` builds), in UTC; the error when it refuses it.
    fn robfig(spec: &str, from: DateTime<Utc>, count: usize) -> Result<Vec<String>, String> {
        use std::io::Write;
        let binary = std::env::var("JOELCLAW_CRON_ORACLE").unwrap_or_else(|_| {
            panic!(
                "JOELCLAW_CRON_ORACLE is not set: this test compares with robfig/cron itself. Run \
                 `scripts/test`, or `go build -o DIR/cron-oracle .` in testkit/cron-oracle and \
                 export JOELCLAW_CRON_ORACLE=DIR/cron-oracle."
            )
        });
        let mut child = std::process::Command::new(&binary)
            .arg("serve")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("{binary}: {error}"));
        let request = json!({"spec": spec, "from": rfc3339(from), "count": count});
        writeln!(child.stdin.take().unwrap(), "{request}").unwrap();
        let output = child.wait_with_output().unwrap();
        let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
        if let Some(error) = answer["error"].as_str() {
            return Err(error.to_string());
        }
        Ok(answer["fires"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|fire| rfc3339(at(fire.as_str().unwrap())))
            .collect())
    }

    /// robfig's next fire of `spec` after the instant a command ran at, which lies between
    /// `before` and `after`: exact unless a fire falls in between.
    fn robfig_next_between(
        spec: &str,
        before: DateTime<Utc>,
        after: DateTime<Utc>,
    ) -> Vec<Option<String>> {
        let mut candidates: Vec<Option<String>> = [before, after]
            .iter()
            .map(|from| robfig(spec, *from, 1).unwrap().into_iter().next())
            .collect();
        candidates.dedup();
        candidates
    }

    /// For every case: Dkron's scheduler's own fire time (read from a twin job that names the zone
    /// in its schedule, whose stored `next` Dkron computes with the zone) and robfig's (the Go
    /// oracle) must equal ours; where the job's stored `next` differs from it, the CLI must flag
    /// the mismatch and say why. Then the clock-change facts, with `next`'s clock pinned.
    #[test]
    fn next_agrees_with_dkron_s_scheduler_across_zones_and_clock_changes() {
        let stack = stack();
        let mut disagreements = Vec::new();
        for case in CASES {
            stack.put_job(http_job(case.name, case.schedule, case.timezone, true));
            // Without a prefix added by the scheduler, the stored `next` is the scheduler's own.
            let prefixed = !case.timezone.is_empty()
                && !["@", "TZ=", "CRON_TZ="]
                    .iter()
                    .any(|prefix| case.schedule.starts_with(prefix));
            let effective = if prefixed {
                format!("CRON_TZ={} {}", case.timezone, case.schedule)
            } else {
                case.schedule.to_string()
            };
            let twin = format!("{}-twin", case.name);
            if prefixed {
                stack.put_job(http_job(&twin, &effective, "", false));
            }
            trigger(&stack, case.name);
            let dkron = stored_next(&stack, case.name);
            let scheduler = if prefixed {
                stored_next(&stack, &twin)
            } else {
                dkron.clone()
            };

            let before = Utc::now();
            let (code, envelope) = run_json(
                stack
                    .cron(&["next", case.name, "--count", "3"])
                    .env_remove("JOELCLAW_NOW")
                    .env("TZ", "UTC"),
            );
            let robfig_next = robfig_next_between(&effective, before, Utc::now());
            assert_eq!(code, 0, "{}: {envelope:#}", case.name);
            super::mirror::parse(&envelope);
            let job = &envelope["result"]["jobs"][0];
            let check = &job["dkron"];
            let computed = check["computed"].as_str().map(str::to_string);
            assert_eq!(
                check["next"].as_str().map(str::to_string),
                dkron,
                "{}: {check:#}",
                case.name
            );
            assert_eq!(
                computed, scheduler,
                "{}: our first fire differs from Dkron's scheduler's: {job:#}",
                case.name
            );
            assert!(
                robfig_next.contains(&computed),
                "{}: our first fire {computed:?} is not robfig's ({robfig_next:?})",
                case.name
            );
            assert_eq!(
                job["fires"][0]["at"].as_str().map(str::to_string),
                scheduler,
                "{}: {job:#}",
                case.name
            );
            if dkron == scheduler {
                assert_eq!(check["status"], "match", "{}: {check:#}", case.name);
                assert_eq!(check["reason"], Value::Null);
            } else {
                assert_eq!(check["status"], "mismatch", "{}: {check:#}", case.name);
                let reason = check["reason"].as_str().unwrap();
                assert!(
                    reason.contains("without the timezone"),
                    "{}: unexpected reason: {reason}",
                    case.name
                );
                disagreements.push(format!(
                    "{} `{}` in {}: Dkron {} vs ours {}: {reason}",
                    case.name,
                    case.schedule,
                    case.timezone,
                    dkron.as_deref().unwrap_or("never"),
                    scheduler.as_deref().unwrap_or("never"),
                ));
            }
            match case.name {
                "descriptor-ignores-zone" => {
                    assert_eq!(job["zoneSource"], "server");
                    assert_eq!(job["evaluatedIn"], "UTC");
                    let notes = job["notes"].to_string();
                    assert!(notes.contains("is a descriptor"), "{notes}");
                }
                "no-timezone" => assert_eq!(job["zoneSource"], "server"),
                "prefix-berlin-fall-back" => assert_eq!(job["zoneSource"], "schedule"),
                _ => assert_eq!(job["zoneSource"], "timezone", "{}", case.name),
            }

            // The same live job with `next`'s clock pinned before the clock change it is aimed
            // at: fires from robfig itself, and the facts written down for that change.
            let (code, envelope) = run_json(
                stack
                    .cron(&["next", case.name, "--count", "3"])
                    .env("JOELCLAW_NOW", FACTS_FROM),
            );
            assert_eq!(code, 0, "{}: {envelope:#}", case.name);
            let fires: Vec<String> = envelope["result"]["jobs"][0]["fires"]
                .as_array()
                .unwrap()
                .iter()
                .map(|fire| fire["at"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(
                fires,
                robfig(&effective, at(FACTS_FROM), 3).unwrap(),
                "{}: fires after {FACTS_FROM} differ from robfig's",
                case.name
            );
            assert_eq!(
                &fires[..case.first_fires.len()],
                case.first_fires,
                "{}",
                case.name
            );
        }
        // The list for the closing note of issue 5.
        eprintln!(
            "next vs Dkron: {} disagreement(s) of {} cases on {}:",
            disagreements.len(),
            CASES.len(),
            Utc::now()
        );
        for line in &disagreements {
            eprintln!("  - {line}");
        }
    }

    /// Without a name: the managed jobs only, each checked; the human table flags a mismatch.
    #[test]
    fn every_managed_job_is_listed_and_checked() {
        let stack = stack();
        // Tokyo is ahead of the server's UTC: the `next` Dkron stores at create time is later
        // than the real one, and a run does not move it back (nearly all year round).
        stack.put_job(http_job(
            "tokyo-new-year",
            "0 0 7 1 1 *",
            "Asia/Tokyo",
            true,
        ));
        stack.put_job(http_job("every-hour", "@every 1h", "", true));
        stack.put_job(http_job("foreign", "0 0 7 1 1 *", "Asia/Tokyo", false));
        let created = Utc::now();
        trigger(&stack, "tokyo-new-year");
        let triggered = Utc::now();

        let before = Utc::now();
        let (code, envelope) = run_json(
            stack
                .cron(&["next", "--count", "2"])
                .env_remove("JOELCLAW_NOW"),
        );
        let tokyo_spec = "CRON_TZ=Asia/Tokyo 0 0 7 1 1 *";
        let robfig_next = robfig_next_between(tokyo_spec, before, Utc::now());
        assert_eq!(code, 0, "{envelope:#}");
        let typed = super::mirror::parse(&envelope);
        assert_eq!(typed.source, super::mirror::Source::Dkron);
        assert_eq!(typed.access_mode.as_deref(), Some("direct"));
        let result = &envelope["result"];
        assert_eq!(result["source"], "dkron");
        assert_eq!(result["accessMode"], "direct");
        let names: Vec<&str> = result["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|job| job["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["every-hour", "tokyo-new-year"]);

        // `@every` fires are counted on from the `next` Dkron stores (read from its API here).
        let every = &result["jobs"][0];
        assert_eq!(every["kind"], "every");
        assert_eq!(every["dkron"]["status"], "not-compared");
        assert_eq!(every["projected"], true);
        let every_next = stored_next(&stack, "every-hour").unwrap();
        assert_eq!(every["fires"][0]["at"], every_next.as_str());
        assert_eq!(
            every["fires"][1]["at"],
            rfc3339(at(&every_next) + chrono::Duration::hours(1)).as_str()
        );

        // Expectations from robfig and Dkron's API, not from the output: the scheduler's next is
        // robfig's for the zoned spec; Dkron stored robfig's next of the spec read in UTC when the
        // job was written, and a run keeps the later of that and the scheduler's.
        let tokyo = &result["jobs"][1];
        let check = &tokyo["dkron"];
        let computed = check["computed"].as_str().map(str::to_string);
        assert!(
            robfig_next.contains(&computed),
            "ours {computed:?}, robfig {robfig_next:?}"
        );
        let stored = stored_next(&stack, "tokyo-new-year");
        assert_eq!(check["next"].as_str().map(str::to_string), stored);
        let written_in_utc = robfig("0 0 7 1 1 *", created, 1).unwrap();
        let scheduler_at_run = robfig(tokyo_spec, triggered, 1).unwrap();
        let expected_stored = written_in_utc[0].clone().max(scheduler_at_run[0].clone());
        assert_eq!(stored.as_deref(), Some(expected_stored.as_str()));
        let mismatched = stored != computed;
        assert_eq!(
            check["status"],
            if mismatched { "mismatch" } else { "match" },
            "{check:#}"
        );
        assert_eq!(result["counts"]["mismatches"], u64::from(mismatched));

        let (code, stdout, _) = run(stack.cron(&["next"]).env_remove("JOELCLAW_NOW"));
        assert_eq!(code, 0);
        assert_eq!(stdout.contains("MISMATCH"), mismatched, "{stdout}");
        assert!(stdout.contains("Dkron's stored `next`"), "{stdout}");

        let (code, envelope) = run_json(&mut stack.cron(&["next", "nosuch"]));
        assert_eq!(code, 1, "{envelope:#}");
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_JOB_NOT_FOUND");
    }
}
