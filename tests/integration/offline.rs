//! Usage and input errors: exit 2, enveloped with --json, and nothing sent to Dkron.

use serde_json::Value;

use crate::support::{Scripted, cron, manifest, run, run_json, snapshot};

const BROKEN: &str = r#"[defaults]
restate_url = "http://restate:8080"

[[jobs]]
name = "good"
schedule = "7 * * * *"
service = "dagOrchestrator"
handler = "run"

[[jobs]]
name = "restate-digest"
schedule = "0 61 7 * * *"
timezone = "Mars/Olympus"
service = "dagOrchestrator"
handler = "run"
headers = { "idempotency-key" = "dag:run:1" }
"#;

#[test]
fn a_broken_manifest_names_file_line_job_and_field_and_sends_nothing() {
    let dkron = Scripted::start(vec![]);
    let file = manifest(BROKEN);
    let (code, _, stderr) = run(&mut cron(&[
        "sync-tier1",
        "--file",
        file.arg(),
        "--base-url",
        &dkron.url,
    ]));
    assert_eq!(code, 2);
    for expected in [
        "tier1.toml:12: job `restate-digest`, field `schedule`: minute field value 61 is outside 0-59",
        "tier1.toml:13: job `restate-digest`, field `timezone`: unknown time zone `Mars/Olympus`",
        "tier1.toml:16: job `restate-digest`, field `headers.idempotency-key`: `dag:run:1` contains `:`",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    assert!(dkron.requests().is_empty(), "{:?}", dkron.requests());
    let mut command = cron(&["sync-tier1", "--file", file.arg(), "--base-url", &dkron.url]);
    command.arg("--color=never");
    snapshot!(command);
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingJson {
    file: String,
    line: Option<usize>,
    job: Option<String>,
    field: Option<String>,
    message: String,
}

#[test]
fn manifest_findings_are_structured_in_json() {
    let file = manifest(BROKEN);
    let (code, envelope) = run_json(&mut cron(&[
        "sync-tier1",
        "--file",
        file.arg(),
        "--base-url",
        "http://127.0.0.1:9",
    ]));
    assert_eq!(code, 2);
    assert_eq!(envelope["ok"], false);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_INVALID_MANIFEST");
    let findings: Vec<FindingJson> =
        serde_json::from_value(envelope["result"]["findings"].clone()).unwrap();
    assert_eq!(findings.len(), 3);
    let schedule = &findings[0];
    assert!(schedule.file.ends_with("tier1.toml"));
    assert_eq!(
        (
            schedule.line,
            schedule.job.as_deref(),
            schedule.field.as_deref()
        ),
        (Some(12), Some("restate-digest"), Some("schedule"))
    );
    assert!(schedule.message.contains("outside 0-59"));
}

#[test]
fn unknown_keys_and_type_errors_are_located() {
    let file = manifest(&BROKEN.replace("handler = \"run\"\nheaders", "handlr = \"run\"\nheaders"));
    let (code, _, stderr) = run(&mut cron(&[
        "sync-tier1",
        "--file",
        file.arg(),
        "--base-url",
        "http://127.0.0.1:9",
    ]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "tier1.toml:15: job `restate-digest`, field `handlr`: unknown key `handlr`; did you mean `handler`?"
        ),
        "{stderr}"
    );
    // The unknown key hides nothing: the job's missing handler and its bad minute are there too.
    assert!(
        stderr.contains(
            "tier1.toml:10: job `restate-digest`, field `handler`: missing field `handler`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("tier1.toml:12: job `restate-digest`, field `schedule`"),
        "{stderr}"
    );
    let file = manifest(&BROKEN.replace("name = \"good\"", "name = \"good\"\nretries = \"two\""));
    let (code, _, stderr) = run(&mut cron(&[
        "sync-tier1",
        "--file",
        file.arg(),
        "--base-url",
        "http://127.0.0.1:9",
    ]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("tier1.toml:6: job `good`, field `retries`: invalid type"),
        "{stderr}"
    );
}

#[test]
fn a_missing_manifest_is_an_input_error() {
    let (code, envelope) = run_json(&mut cron(&[
        "sync-tier1",
        "--file",
        "/nonexistent/tier1.toml",
        "--base-url",
        "http://127.0.0.1:9",
    ]));
    assert_eq!(code, 2);
    assert!(
        envelope["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/tier1.toml")
    );
}

#[test]
fn usage_errors_exit_2_and_are_enveloped_in_json() {
    let (code, envelope) = run_json(&mut cron(&["list", "--bogus"]));
    assert_eq!(code, 2);
    assert_eq!(envelope["ok"], false);
    assert_eq!(envelope["command"], "joelclaw restate cron list");
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_USAGE");
    assert!(
        envelope["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--bogus")
    );
    assert!(envelope["fix"].is_string());
    snapshot!(cron(&["list", "--bogus"]));
}

#[test]
fn without_a_url_or_a_kubeconfig_commands_say_how_to_reach_dkron() {
    let (code, envelope) = run_json(&mut cron(&["list"]));
    assert_eq!(code, 2);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_KUBECONFIG");
    assert!(envelope["fix"].as_str().unwrap().contains("--base-url"));
    snapshot!(cron(&["status"]));
}

#[test]
fn create_rejects_bad_flags_before_contacting_dkron() {
    let dkron = Scripted::start(vec![]);
    for (flags, expected) in [
        (vec!["--body", "{not json"], "--body: not valid JSON"),
        (vec!["--header", "authorization=Bearer a:b"], "contains `:`"),
        (vec!["--timezone", "Nowhere/Land"], "unknown time zone"),
    ] {
        let mut args = vec![
            "create",
            "--name",
            "x",
            "--schedule",
            "@every 1m",
            "--restate-service",
            "s",
            "--restate-handler",
            "h",
            "--base-url",
            &dkron.url,
        ];
        args.extend(flags);
        let (code, envelope) = run_json(&mut cron(&args));
        assert_eq!(code, 2, "{envelope}");
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_INVALID_JOB");
        let message = envelope["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{message}");
    }
    assert!(dkron.requests().is_empty());
}

#[test]
fn help_describes_the_commands_and_exit_codes() {
    snapshot!(cron(&["--help"]));
    let (code, stdout, _) = run(&mut cron(&["sync-tier1", "--help"]));
    assert_eq!(code, 0);
    for flag in [
        "--dry-run",
        "--check",
        "--prune",
        "--run-now",
        "--file",
        "--restate-url",
        "--base-url",
        "--json",
    ] {
        assert!(stdout.contains(flag), "{flag} missing from help");
    }
}

#[test]
fn json_output_is_one_document_even_for_errors() {
    let (_, envelope) = run_json(&mut cron(&["status", "--base-url", "http://127.0.0.1:9"]));
    assert!(matches!(envelope, Value::Object(_)));
    let keys: Vec<&String> = envelope.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["ok", "command", "result", "error", "fix", "next_actions"]
    );
}

#[test]
fn input_errors_in_json_are_snapshotted() {
    let file = manifest(BROKEN);
    snapshot!(cron(&[
        "sync-tier1",
        "--file",
        file.arg(),
        "--base-url",
        "http://127.0.0.1:9",
        "--json"
    ]));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let file = manifest(BROKEN);
    let args = [
        "sync-tier1",
        "--file",
        file.arg(),
        "--base-url",
        "http://127.0.0.1:9",
    ];
    let (_, _, piped) = run(&mut cron(&args));
    assert!(
        !piped.contains('\u{1b}'),
        "piped output must be plain: {piped:?}"
    );
    let (_, _, forced) = run(cron(&args).arg("--color=always"));
    assert!(
        forced.contains("\u{1b}["),
        "--color=always must colour: {forced:?}"
    );
    let (_, stdout, _) = run(cron(&args).args(["--color=always", "--json"]));
    assert!(
        !stdout.contains('\u{1b}'),
        "JSON is never coloured: {stdout:?}"
    );
}

#[test]
fn completions_print_the_committed_scripts() {
    for (shell, file) in [
        ("bash", "joelclaw.bash"),
        ("zsh", "_joelclaw"),
        ("fish", "joelclaw.fish"),
    ] {
        let (code, stdout, _) = run(&mut cron(&["completions", shell]));
        assert_eq!(code, 0);
        let committed =
            std::fs::read_to_string(crate::support::repo_root().join("completions").join(file))
                .unwrap();
        assert_eq!(stdout, committed, "{shell}");
    }
    let (code, _, stderr) = run(&mut cron(&["completions", "tcsh"]));
    assert_eq!(code, 2, "{stderr}");
}
