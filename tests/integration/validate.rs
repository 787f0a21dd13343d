//! `validate`: every load finding and every HTTP-job hazard at once, offline; exit 2 on an error,
//! 0 with warnings only.

use serde_json::Value;

use crate::support::{Scripted, cron, manifest, repo_root, run, run_json, snapshot};

/// One of each hazard, plus a load error (the minute 61) and a fixed idempotency key (an error).
const HAZARDS: &str = r#"[defaults]
restate_url = "http://restate:8080"
headers = { "Idempotency-Key" = "nightly" }

[[jobs]]
name = "half-minutes"
schedule = "*/30 * * * *"
service = "dagOrchestrator"
handler = "run"

[[jobs]]
name = "never"
schedule = "0 0 0 31 2 *"
service = "dagOrchestrator"
handler = "run"

[[jobs]]
name = "berlin-interval"
schedule = "@every 10m"
timezone = "Europe/Berlin"
service = "dagOrchestrator"
handler = "run"

[[jobs]]
name = "once-long-ago"
schedule = "@at 2020-01-01T00:00:00Z"
service = "dagOrchestrator"
handler = "run"

[[jobs]]
name = "order-workflow"
schedule = "@daily"
timezone = "Europe/Berlin"
service = "orderWorkflow"
key = "nightly"
handler = "run"
headers = { "X-Trace" = "a", "x-trace" = "b" }

[[jobs]]
name = "bad-minute"
schedule = "61 6 * * *"
service = "dagOrchestrator"
handler = "run"
"#;

/// The same jobs without the errors: warnings only.
fn warnings_only() -> String {
    HAZARDS
        .replace("headers = { \"Idempotency-Key\" = \"nightly\" }\n", "")
        .replace("schedule = \"61 6 * * *\"", "schedule = \"1 6 * * *\"")
}

#[test]
fn errors_and_hazards_are_reported_together_with_file_line_job_and_field() {
    let dkron = Scripted::start(vec![]);
    let file = manifest(HAZARDS);
    let (code, stdout, stderr) = run(&mut cron(&[
        "validate",
        "--file",
        file.arg(),
        "--base-url",
        &dkron.url,
    ]));
    assert_eq!(code, 2, "{stdout}{stderr}");
    for expected in [
        "error: ",
        "tier1.toml:3: [defaults], field `headers.Idempotency-Key`: a fixed `idempotency-key`",
        "tier1.toml:41: job `bad-minute`, field `schedule`: minute field value 61 is outside 0-59",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    assert!(
        dkron.requests().is_empty(),
        "validate contacted Dkron: {:?}",
        dkron.requests()
    );
    snapshot!(cron(&["validate", "--file", file.arg()]));
}

#[test]
fn findings_in_json_carry_a_severity_and_counts() {
    let file = manifest(HAZARDS);
    let (code, envelope) = run_json(&mut cron(&["validate", "--file", file.arg()]));
    assert_eq!(code, 2);
    assert_eq!(envelope["ok"], false);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_INVALID_MANIFEST");
    let result = &envelope["result"];
    assert_eq!(result["valid"], false);
    assert_eq!(
        result["counts"],
        serde_json::json!({"errors": 2, "warnings": 6})
    );
    let findings = result["findings"].as_array().unwrap();
    for finding in findings {
        let keys: Vec<&String> = finding.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["file", "line", "job", "field", "severity", "message"],
            "{finding}"
        );
    }
    let lines: Vec<&Value> = findings.iter().map(|finding| &finding["line"]).collect();
    let mut sorted = lines.clone();
    sorted.sort_by_key(|line| line.as_u64());
    assert_eq!(lines, sorted, "findings are in file order");
    snapshot!(cron(&["validate", "--file", file.arg(), "--json"]));
}

#[test]
fn warnings_alone_do_not_fail() {
    let file = manifest(&warnings_only());
    let (code, envelope) = run_json(&mut cron(&["validate", "--file", file.arg()]));
    assert_eq!(code, 0, "{envelope:#}");
    assert_eq!(envelope["ok"], true);
    assert_eq!(envelope["result"]["valid"], true);
    assert_eq!(
        envelope["result"]["counts"],
        serde_json::json!({"errors": 0, "warnings": 6})
    );
    assert_eq!(envelope["result"]["jobs"], 6);
    snapshot!(cron(&["validate", "--file", file.arg()]));
}

#[test]
fn the_shipped_file_is_clean() {
    let shipped = repo_root().join("tier1.toml");
    let (code, envelope) = run_json(&mut cron(&[
        "validate",
        "--file",
        shipped.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{envelope:#}");
    assert_eq!(envelope["result"]["findings"], serde_json::json!([]));
    assert_eq!(envelope["result"]["set"], "tier1");
    assert_eq!(envelope["result"]["jobs"], 5);
}

#[test]
fn a_missing_file_is_one_error_that_says_how_to_point_at_one() {
    let (code, envelope) = run_json(&mut cron(&[
        "validate",
        "--file",
        "/nonexistent/joelclaw/tier1.toml",
    ]));
    assert_eq!(code, 2);
    let findings = envelope["result"]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["severity"], "error");
    assert!(
        findings[0]["message"].as_str().unwrap().starts_with(
            "the file does not exist; point at a schedule file with --file PATH or the JOELCLAW_TIER1"
        ),
        "{envelope:#}"
    );
}
