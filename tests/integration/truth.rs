//! Operational truth against the real stack: `status`'s Restate checks, `trace` of each fire into
//! Restate, and the soak `audit` — missed fires produced by freezing the real Dkron (SIGSTOP),
//! pipeline failures and stuck invocations produced by the recorder's `fail` and `wait` handlers,
//! unregistered targets, pauses, and Restate out of reach. Bad input (`--since`) is offline.

use crate::support::{cron, run};

#[test]
fn an_unparsable_window_is_a_usage_error() {
    for args in [
        vec!["audit", "--since", "yesterday"],
        vec!["audit", "--since", "2026-13-01T00:00:00Z"],
        vec!["audit", "--until", "noon"],
        vec!["audit", "--tolerance", "soon"],
        vec!["trace", "job", "--stuck-after", "-1s"],
    ] {
        let (code, _, stderr) = run(&mut cron(&args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("error:"), "{args:?}: {stderr}");
    }
    // An empty window is refused before anything is asked.
    let (code, _, stderr) = run(&mut cron(&[
        "audit",
        "--since",
        "2026-11-22T12:00:00Z",
        "--until",
        "2026-11-22T11:00:00Z",
        "--base-url",
        "http://127.0.0.1:9",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("the window is empty"), "{stderr}");
}

mod live {
    use std::collections::BTreeMap;
    use std::process::Command;
    use std::time::{Duration, Instant};

    use chrono::{DateTime, Utc};
    use serde::Deserialize;
    use serde_json::Value;

    use crate::support::{Manifest, Stack, manifest, run, run_json, snapshot, stack, wait_for};

    /// Jobs in a set of their own, each `schedule` firing `handler` of the recorder (or of an
    /// unknown service).
    fn jobs(stack: &Stack, set: &str, jobs: &[(&str, &str, &str, &str)]) -> Manifest {
        let mut text = format!(
            "[defaults]\nset = \"{set}\"\nrestate_url = \"{}\"\nretries = 0\ntimeout_seconds = 5\n",
            stack.restate_ingress
        );
        for (name, schedule, service, handler) in jobs {
            text.push_str(&format!(
                "\n[[jobs]]\nname = \"{name}\"\nschedule = \"{schedule}\"\nservice = \"{service}\"\nhandler = \"{handler}\"\nbody = {{ pipeline = \"{name}\" }}\n"
            ));
        }
        manifest(&text)
    }

    fn sync(stack: &Stack, file: &Manifest) {
        let (code, synced) = run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg()]));
        assert_eq!(code, 0, "{synced:#}");
    }

    /// The command with "now" at the real clock: audits and pauses judge Dkron's real times.
    fn real_time(mut command: Command) -> Command {
        command.env("JOELCLAW_NOW", Utc::now().to_rfc3339());
        command
    }

    fn executions(stack: &Stack, job: &str) -> Vec<Value> {
        stack
            .dkron_get(&format!("/v1/jobs/{job}/executions"))
            .and_then(|value| value.as_array().cloned())
            .unwrap_or_default()
    }

    fn wait_for_fires(stack: &Stack, job: &str, count: usize, timeout: Duration) -> Vec<Value> {
        wait_for(&format!("{count} fires of {job}"), timeout, || {
            let found = executions(stack, job);
            (found.len() >= count).then_some(found)
        })
    }

    fn group_time(execution: &Value) -> DateTime<Utc> {
        DateTime::from_timestamp_nanos(execution["group"].as_i64().unwrap())
    }

    /// Filters for runs whose times, ids and ports come from the real clock and servers.
    fn real_filters() -> Vec<(String, String)> {
        let mut filters = crate::support::filters();
        filters.extend([
            (
                r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( UTC|Z|\+00:00)?".to_string(),
                "[TIME]".to_string(),
            ),
            (r"\b\d{19}\b".to_string(), "[GROUP]".to_string()),
            (r"\d+-stack\b".to_string(), "[EXECUTION]-stack".to_string()),
            (r"\(\d+ ms\)".to_string(), "([DURATION])".to_string()),
            (
                r#""durationMs": \d+"#.to_string(),
                r#""durationMs": "[DURATION]""#.to_string(),
            ),
            (
                r"(running|suspended) for \d+s".to_string(),
                "[WAITING] for [AGE]".to_string(),
            ),
            (
                r#""status": "(running|suspended)""#.to_string(),
                r#""status": "[WAITING]""#.to_string(),
            ),
            (r"\d+h \d+m\b".to_string(), "[SPAN]".to_string()),
            (r"[─═]{2,}".to_string(), "──".to_string()),
            (r" {2,}".to_string(), " ".to_string()),
        ]);
        filters
    }

    #[test]
    fn status_names_every_job_whose_target_restate_does_not_have() {
        let stack = stack();
        let file = jobs(
            &stack,
            "registry",
            &[
                (
                    "fires-a-known-handler",
                    "0 0 1 1 *",
                    "dagOrchestrator",
                    "run",
                ),
                ("fires-a-ghost-service", "0 0 1 1 *", "ghost", "run"),
                (
                    "fires-a-ghost-handler",
                    "0 0 1 1 *",
                    "dagOrchestrator",
                    "nope",
                ),
            ],
        );
        // The plan warns before anything is written.
        snapshot!(
            stack.cron(&["sync-tier1", "--file", file.arg(), "--dry-run"]),
            squeezed
        );
        sync(&stack, &file);

        snapshot!(stack.cron(&["status"]), squeezed);
        let (code, status) = run_json(&mut stack.cron(&["status"]));
        assert_eq!(code, 1);
        assert_eq!(
            status["error"]["code"],
            "RESTATE_CRON_TARGET_NOT_REGISTERED"
        );
        let message = status["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("fires-a-ghost-service -> ghost/run (no such service)")
                && message
                    .contains("fires-a-ghost-handler -> dagOrchestrator/nope (no such handler)"),
            "{message}"
        );
        let restate = &status["result"]["restate"];
        assert_eq!(restate["reachable"], true);
        assert_eq!(restate["version"], "1.7.12");
        assert_eq!(restate["unregistered"], 2);
        let registrations: BTreeMap<String, String> = restate["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|check| {
                (
                    check["job"].as_str().unwrap().to_string(),
                    check["registration"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            registrations,
            BTreeMap::from([
                ("fires-a-ghost-handler".into(), "unknown-handler".into()),
                ("fires-a-ghost-service".into(), "unknown-service".into()),
                ("fires-a-known-handler".into(), "registered".into()),
            ])
        );
        // Dkron itself is fine, and says so.
        assert_eq!(status["result"]["dkronHealthy"], true);
        let (code, dkron_only) = run_json(&mut stack.cron(&["status", "--skip-restate"]));
        assert_eq!(code, 0, "{dkron_only:#}");
        assert_eq!(dkron_only["result"]["restate"], Value::Null);
    }

    #[test]
    fn without_restate_status_trace_and_audit_say_so_and_fail() {
        let stack = stack();
        let file = jobs(
            &stack,
            "cut-off",
            &[("cut-off", "@manually", "dagOrchestrator", "run")],
        );
        sync(&stack, &file);
        let (code, ran) = run_json(&mut stack.cron(&["run", "cut-off"]));
        assert_eq!(code, 0, "{ran:#}");
        // A loopback port nothing listens on.
        let refused = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}", listener.local_addr().unwrap())
        };
        let without = |args: &[&str]| {
            let mut command = stack.cron(args);
            command.env("RESTATE_ADMIN_URL", &refused);
            command
        };
        for args in [
            vec!["status"],
            vec!["trace", "cut-off"],
            vec!["audit", "--set", "cut-off"],
        ] {
            let (code, envelope) = run_json(&mut real_time(without(&args)));
            assert_eq!(code, 1, "{args:?}: {envelope:#}");
            assert_eq!(
                envelope["error"]["code"], "RESTATE_CRON_RESTATE_UNREACHABLE",
                "{args:?}: {envelope:#}"
            );
            assert!(
                envelope["fix"]
                    .as_str()
                    .unwrap()
                    .contains("--restate-admin-url")
            );
        }
        // What Dkron knows is still shown; what Restate did is not invented.
        let (_, trace) = run_json(&mut real_time(without(&["trace", "cut-off"])));
        let line = &trace["result"]["lines"][0];
        assert_eq!(line["kind"], "manual");
        assert_eq!(line["invocations"][0]["restate"], Value::Null);
        assert_eq!(line["outcome"]["outcome"], "unverified");
        let (_, audit) = run_json(&mut real_time(without(&["audit", "--set", "cut-off"])));
        assert_eq!(audit["result"]["clean"], false);
        assert_eq!(audit["result"]["jobs"][0]["verdict"], "unverified");
        snapshot!(
            real_time(without(&["audit", "--set", "cut-off"])),
            real_filters()
        );
        // A dry run still plans, and says it could not check.
        let (code, _, stderr) = run(&mut without(&[
            "sync-tier1",
            "--file",
            file.arg(),
            "--dry-run",
        ]));
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.contains(
                "Restate's admin API could not be reached, so the targets were not checked"
            ),
            "{stderr}"
        );
    }

    /// Runs the job by hand and returns the invocation id Restate's 202 named.
    fn run_by_hand(stack: &Stack, job: &str) -> Option<String> {
        let (_, ran) = run_json(&mut stack.cron(&["run", job]));
        ran["result"]["invocationId"].as_str().map(str::to_string)
    }

    #[test]
    fn trace_follows_each_fire_into_restate() {
        let stack = stack();
        let file = jobs(
            &stack,
            "traced",
            &[
                ("traced-ok", "@manually", "dagOrchestrator", "run"),
                ("traced-fails", "@manually", "dagOrchestrator", "fail"),
                ("traced-waits", "@manually", "dagOrchestrator", "wait"),
            ],
        );
        sync(&stack, &file);
        let first = run_by_hand(&stack, "traced-ok").unwrap();
        let second = run_by_hand(&stack, "traced-ok").unwrap();
        let failing = run_by_hand(&stack, "traced-fails").unwrap();
        let waiting = run_by_hand(&stack, "traced-waits").unwrap();
        // Each reached the recorder.
        wait_for(
            "the recorder to see all four",
            Duration::from_secs(10),
            || {
                let seen: Vec<String> = stack
                    .recorded()
                    .iter()
                    .filter_map(|record| record["invocationId"].as_str().map(str::to_string))
                    .collect();
                [&first, &second, &failing, &waiting]
                    .iter()
                    .all(|id| seen.contains(id))
                    .then_some(())
            },
        );
        wait_for(
            "Restate to complete both runs",
            Duration::from_secs(10),
            || {
                let (_, trace) = run_json(&mut real_time(stack.cron(&["trace", "traced-ok"])));
                let lines = trace["result"]["lines"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                (lines.len() == 2 && lines.iter().all(|line| line["outcome"]["outcome"] == "ok"))
                    .then_some(())
            },
        );

        let (code, trace) = run_json(&mut real_time(stack.cron(&["trace", "traced-ok"])));
        assert_eq!(code, 0, "{trace:#}");
        let lines = trace["result"]["lines"].as_array().unwrap();
        // Newest first, each with its invocation as Restate has it.
        assert_eq!(lines[0]["invocations"][0]["id"], second.as_str());
        assert_eq!(lines[1]["invocations"][0]["id"], first.as_str());
        for line in lines {
            assert_eq!(line["kind"], "manual");
            let restate = &line["invocations"][0]["restate"];
            assert_eq!(restate["status"], "completed");
            assert_eq!(restate["completionResult"], "success");
            assert_eq!(restate["target"], "dagOrchestrator/run");
        }
        let (code, last) = run_json(&mut real_time(stack.cron(&[
            "trace",
            "traced-ok",
            "--last",
            "1",
        ])));
        assert_eq!(code, 0);
        assert_eq!(last["result"]["lines"].as_array().unwrap().len(), 1);

        // A pipeline that failed in Restate, though Dkron calls the fire a success.
        wait_for("the failure to complete", Duration::from_secs(10), || {
            let (_, trace) = run_json(&mut real_time(stack.cron(&["trace", "traced-fails"])));
            (trace["result"]["lines"][0]["outcome"]["outcome"] == "pipelineFailed").then_some(())
        });
        let (_, failed) = run_json(&mut real_time(stack.cron(&["trace", "traced-fails"])));
        let line = &failed["result"]["lines"][0];
        assert_eq!(line["executions"][0]["success"], true);
        assert_eq!(line["outcome"]["invocationId"], failing.as_str());
        assert!(
            line["outcome"]["failure"]
                .as_str()
                .unwrap()
                .contains("the recorder's fail handler fails every invocation"),
            "{line:#}"
        );

        // An invocation that never completes is stuck once it is older than --stuck-after.
        std::thread::sleep(Duration::from_millis(1500));
        let (_, stuck) = run_json(&mut real_time(stack.cron(&[
            "trace",
            "traced-waits",
            "--stuck-after",
            "1s",
        ])));
        let outcome = &stuck["result"]["lines"][0]["outcome"];
        assert_eq!(outcome["outcome"], "stuck", "{stuck:#}");
        assert!(["running", "suspended"].contains(&outcome["status"].as_str().unwrap()));

        snapshot!(
            real_time(stack.cron(&["trace", "traced-ok"])),
            real_filters()
        );
        snapshot!(
            real_time(stack.cron(&["trace", "traced-fails", "--json"])),
            real_filters()
        );
        snapshot!(
            real_time(stack.cron(&["trace", "traced-waits", "--stuck-after", "1s"])),
            real_filters()
        );
        let (code, missing) = run_json(&mut stack.cron(&["trace", "no-such-job"]));
        assert_eq!(code, 1);
        assert_eq!(missing["error"]["code"], "RESTATE_CRON_JOB_NOT_FOUND");
    }

    /// The `audit --json` result as agents read it: every field a CI gate or agent relies on.
    #[allow(dead_code)] // deserializing is the check: the fields pin the JSON contract
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct AuditResult {
        access_mode: String,
        base_url: String,
        restate: RestateSide,
        window: Window,
        now: DateTime<Utc>,
        tolerance_seconds: i64,
        stuck_after_seconds: i64,
        evidence: Evidence,
        dkron_requests: usize,
        clean: bool,
        summary: Summary,
        jobs: Vec<JobAudit>,
        findings: Vec<Finding>,
    }

    #[allow(dead_code)] // deserializing is the check: the fields pin the JSON contract
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct RestateSide {
        reachable: bool,
        access: Option<Value>,
        version: Option<String>,
        error: Option<String>,
        queries: usize,
        requests: usize,
    }

    #[allow(dead_code)] // deserializing is the check: the fields pin the JSON contract
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Window {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    }

    #[allow(dead_code)] // deserializing is the check: the fields pin the JSON contract
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Evidence {
        dkron_since: DateTime<Utc>,
        restate_since: Option<DateTime<Utc>>,
        complete: bool,
        statement: String,
    }

    #[allow(dead_code)] // deserializing is the check: the fields pin the JSON contract
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Summary {
        jobs: usize,
        clean: usize,
        not_clean: usize,
        totals: Counts,
    }

    #[allow(dead_code)] // deserializing is the check: the fields pin the JSON contract
    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Counts {
        expected: usize,
        fired: usize,
        ok: usize,
        missed: usize,
        doubled: usize,
        failed: usize,
        pipeline_failed: usize,
        stuck: usize,
        in_flight: usize,
        unverified: usize,
        off_schedule: usize,
        paused: usize,
    }

    #[allow(dead_code)] // deserializing is the check: the fields pin the JSON contract
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct JobAudit {
        name: String,
        set: Option<String>,
        schedule: String,
        timezone: String,
        disabled: bool,
        target: Option<String>,
        registration: Option<String>,
        verdict: String,
        counts: Counts,
        coverage: Coverage,
        notes: Vec<String>,
        findings: Vec<Finding>,
    }

    #[allow(dead_code)] // deserializing is the check: the fields pin the JSON contract
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Coverage {
        dkron_since: DateTime<Utc>,
        executions_retained: usize,
        restate_since: Option<DateTime<Utc>>,
        complete: bool,
    }

    #[allow(dead_code)] // deserializing is the check: the fields pin the JSON contract
    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Finding {
        job: String,
        kind: String,
        slot: Option<DateTime<Utc>>,
        fired_at: Option<DateTime<Utc>>,
        execution_group: Option<String>,
        nodes: Vec<String>,
        invocation_id: Option<String>,
        detail: String,
    }

    fn audit(command: Command) -> (i32, Value, AuditResult) {
        let mut command = real_time(command);
        let (code, envelope) = run_json(&mut command);
        let result: AuditResult = serde_json::from_value(envelope["result"].clone())
            .unwrap_or_else(|error| {
                panic!("the audit result is not the contract: {error}\n{envelope:#}")
            });
        (code, envelope, result)
    }

    #[test]
    fn audit_judges_failed_sends_failed_pipelines_stuck_invocations_and_ghost_targets() {
        let stack = stack();
        let file = jobs(
            &stack,
            "judged",
            &[
                ("judged-ok", "@manually", "dagOrchestrator", "run"),
                ("judged-fails", "@manually", "dagOrchestrator", "fail"),
                ("judged-waits", "@manually", "dagOrchestrator", "wait"),
                ("judged-ghost", "@manually", "ghost", "run"),
            ],
        );
        sync(&stack, &file);
        for job in ["judged-ok", "judged-fails", "judged-waits", "judged-ghost"] {
            run_by_hand(&stack, job);
        }
        wait_for(
            "Restate to finish what it can",
            Duration::from_secs(10),
            || {
                let (_, _, result) =
                    audit(stack.cron(&["audit", "--set", "judged", "--stuck-after", "1h"]));
                let done = result
                    .jobs
                    .iter()
                    .filter(|job| ["judged-ok", "judged-fails"].contains(&job.name.as_str()))
                    .all(|job| job.counts.in_flight == 0);
                done.then_some(())
            },
        );
        std::thread::sleep(Duration::from_millis(1500));

        let (code, envelope, result) =
            audit(stack.cron(&["audit", "--set", "judged", "--stuck-after", "1s"]));
        assert_eq!(code, 1, "{envelope:#}");
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_AUDIT_FAILED");
        assert!(!result.clean);
        assert_eq!((result.summary.jobs, result.summary.clean), (4, 1));
        // Bounded: one job list and one executions request per job; Restate's version, its
        // services and one SQL query for every invocation.
        assert_eq!(result.dkron_requests, 1 + 4);
        assert_eq!(
            result.restate.queries, 1,
            "one SQL query for every invocation"
        );
        assert_eq!(result.restate.requests, 3);
        assert!(result.restate.reachable && result.restate.error.is_none());
        let verdicts: BTreeMap<&str, &str> = result
            .jobs
            .iter()
            .map(|job| (job.name.as_str(), job.verdict.as_str()))
            .collect();
        assert_eq!(
            verdicts,
            BTreeMap::from([
                ("judged-fails", "failed"),
                ("judged-ghost", "unregistered"),
                ("judged-ok", "clean"),
                ("judged-waits", "stuck"),
            ])
        );
        let counts = |name: &str| {
            &result
                .jobs
                .iter()
                .find(|job| job.name == name)
                .unwrap()
                .counts
        };
        assert_eq!(counts("judged-fails").pipeline_failed, 1);
        assert_eq!(counts("judged-ghost").failed, 1);
        assert_eq!(counts("judged-waits").stuck, 1);
        let ghost = result
            .findings
            .iter()
            .find(|f| f.job == "judged-ghost" && f.kind == "failed-send")
            .unwrap();
        assert!(ghost.detail.contains("Restate answered 404"), "{ghost:?}");
        // The agent is pointed at `trace` for every job that is not clean.
        let actions: Vec<&str> = envelope["next_actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|action| action["command"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "joelclaw restate cron trace judged-fails",
                "joelclaw restate cron trace judged-ghost",
                "joelclaw restate cron trace judged-waits",
            ]
        );
        snapshot!(
            real_time(stack.cron(&["audit", "--set", "judged", "--stuck-after", "1s"])),
            real_filters()
        );
        snapshot!(
            real_time(stack.cron(&["audit", "judged-fails", "judged-ok", "--json"])),
            real_filters()
        );
        // Only the clean job: exit 0.
        let (code, envelope, result) = audit(stack.cron(&["audit", "judged-ok"]));
        assert_eq!(code, 0, "{envelope:#}");
        assert!(result.clean && result.evidence.complete);
        let (code, missing) = run_json(&mut stack.cron(&["audit", "no-such-job"]));
        assert_eq!(code, 1);
        assert_eq!(missing["error"]["code"], "RESTATE_CRON_JOB_NOT_FOUND");
    }

    /// SIGSTOP / SIGCONT of the stack's Dkron; continues it again if the test fails midway.
    struct Frozen(u32);

    impl Frozen {
        fn dkron(stack_dir: &str) -> Self {
            let pid: u32 = std::fs::read_to_string(format!("{stack_dir}/dkron.pid"))
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap()
                .parse()
                .unwrap();
            signal("-STOP", pid);
            Self(pid)
        }
    }

    impl Drop for Frozen {
        fn drop(&mut self) {
            signal("-CONT", self.0);
        }
    }

    fn signal(which: &str, pid: u32) {
        let status = Command::new("kill")
            .args([which, &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill {which} {pid}");
    }

    #[test]
    fn audit_counts_the_slots_a_frozen_dkron_missed() {
        let stack = stack();
        let stack_dir = std::env::var("JOELCLAW_TEST_STACK_DIR").expect("scripts/test sets it");
        let file = jobs(
            &stack,
            "frozen",
            &[
                ("frozen-every", "@every 2s", "dagOrchestrator", "run"),
                ("frozen-cron", "*/2 * * * * *", "dagOrchestrator", "run"),
            ],
        );
        sync(&stack, &file);
        let before = wait_for_fires(&stack, "frozen-cron", 3, Duration::from_secs(20));
        wait_for_fires(&stack, "frozen-every", 3, Duration::from_secs(20));
        let since = before.iter().map(group_time).min().unwrap();

        let frozen_at = Utc::now();
        let freeze = Frozen::dkron(&stack_dir);
        std::thread::sleep(Duration::from_secs(10));
        drop(freeze);
        let thawed_at = Utc::now();
        let thawed = Instant::now();
        for job in ["frozen-every", "frozen-cron"] {
            wait_for(
                &format!("{job} to fire again"),
                Duration::from_secs(20),
                || {
                    executions(&stack, job)
                        .iter()
                        .filter(|execution| {
                            group_time(execution) > thawed_at + chrono::Duration::seconds(4)
                        })
                        .count()
                        .ge(&1)
                        .then_some(())
                },
            );
        }
        eprintln!(
            "Dkron frozen for 10 s, firing again {:?} after SIGCONT",
            thawed.elapsed()
        );
        // Stop the fires so the window's end is settled, then audit up to the pause.
        for job in ["frozen-every", "frozen-cron"] {
            let (code, paused) = run_json(&mut real_time(stack.cron(&[
                "pause",
                job,
                "--set",
                "frozen",
                "--reason",
                "audit test",
            ])));
            assert_eq!(code, 0, "{paused:#}");
        }
        let until = Utc::now();
        let (code, envelope, result) = audit(stack.cron(&[
            "audit",
            "--set",
            "frozen",
            "--since",
            &since.to_rfc3339(),
            "--until",
            &until.to_rfc3339(),
        ]));
        assert_eq!(code, 1, "{envelope:#}");
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_AUDIT_FAILED");
        for job in &result.jobs {
            // A 2 s schedule frozen for 10 s: five slots fell in the freeze; the one the scheduler
            // fires as it wakes may still count (within half a period of its slot).
            assert!(
                (4..=6).contains(&job.counts.missed),
                "{}: {} missed\n{envelope:#}",
                job.name,
                job.counts.missed
            );
            assert_eq!(job.verdict, "missed", "{envelope:#}");
            let margin = chrono::Duration::seconds(2);
            for finding in job
                .findings
                .iter()
                .filter(|finding| finding.kind == "missed")
            {
                let slot = finding.slot.unwrap();
                assert!(
                    slot >= frozen_at - margin && slot <= thawed_at + margin,
                    "{}: the missed slot {slot} is outside the freeze {frozen_at}..{thawed_at}",
                    job.name
                );
            }
            assert_eq!(job.counts.expected, job.counts.fired + job.counts.missed);
            // Waking up, Dkron has been seen to fire an `@every 2s` job twice within a second (at
            // the wake and one second later): a real double fire, and only ever at the wake.
            for finding in job
                .findings
                .iter()
                .filter(|finding| finding.kind == "double-fire")
            {
                let slot = finding.slot.unwrap();
                assert!(
                    slot >= thawed_at - margin && slot <= thawed_at + margin * 2,
                    "{}: a double fire at {slot}, not at the wake ({thawed_at})",
                    job.name
                );
            }
            assert!(job.counts.doubled <= 1, "{envelope:#}");
        }
        assert!(
            envelope["next_actions"][0]["command"]
                .as_str()
                .unwrap()
                .starts_with("joelclaw restate cron trace frozen-")
        );
        // The trace shows the same gap.
        let (_, trace) = run_json(&mut real_time(stack.cron(&[
            "trace",
            "frozen-cron",
            "--last",
            "20",
        ])));
        let missed = trace["result"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|line| line["kind"] == "missed")
            .count();
        let audited = result
            .jobs
            .iter()
            .find(|job| job.name == "frozen-cron")
            .unwrap()
            .counts
            .missed;
        assert!(
            missed >= audited,
            "trace shows {missed} missed, audit {audited}"
        );
    }

    #[test]
    fn audit_is_clean_when_every_slot_fired_and_completed_and_respects_a_pause() {
        let stack = stack();
        let file = jobs(
            &stack,
            "steady",
            &[("steady", "*/2 * * * * *", "dagOrchestrator", "run")],
        );
        sync(&stack, &file);
        let fires = wait_for_fires(&stack, "steady", 3, Duration::from_secs(20));
        let since = fires.iter().map(group_time).min().unwrap();
        // Paused for a while, then resumed: its slots in between are not missed.
        let (code, _) =
            run_json(&mut real_time(stack.cron(&[
                "pause", "steady", "--set", "steady", "--reason", "test",
            ])));
        assert_eq!(code, 0);
        std::thread::sleep(Duration::from_secs(5));
        let (code, _) = run_json(&mut real_time(
            stack.cron(&["resume", "steady", "--set", "steady"]),
        ));
        assert_eq!(code, 0);
        let resumed = Utc::now();
        wait_for("fires after the resume", Duration::from_secs(20), || {
            (executions(&stack, "steady")
                .iter()
                .filter(|execution| group_time(execution) > resumed)
                .count()
                >= 2)
                .then_some(())
        });
        // Paused again so the window's end is settled.
        let (code, _) =
            run_json(&mut real_time(stack.cron(&[
                "pause", "steady", "--set", "steady", "--reason", "end",
            ])));
        assert_eq!(code, 0);
        let until = Utc::now().to_rfc3339();
        let steady_audit = || {
            audit(stack.cron(&[
                "audit",
                "steady",
                "--since",
                &since.to_rfc3339(),
                "--until",
                &until,
            ]))
        };
        wait_for(
            "its invocations to complete",
            Duration::from_secs(10),
            || (steady_audit().2.jobs[0].counts.in_flight == 0).then_some(()),
        );
        let (code, envelope, result) = steady_audit();
        let job = &result.jobs[0];
        assert_eq!(code, 0, "{envelope:#}");
        assert!(result.clean && result.evidence.complete);
        assert_eq!(job.verdict, "clean");
        assert_eq!(job.counts.missed, 0, "{envelope:#}");
        assert!(job.counts.paused >= 2, "{envelope:#}");
        assert!(
            job.counts.expected >= 3 && job.counts.ok == job.counts.expected,
            "{envelope:#}"
        );
        assert!(
            result
                .evidence
                .statement
                .starts_with("Dkron executions since")
        );
    }
}
