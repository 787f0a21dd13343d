//! Against the real stack: Dkron fires, Restate ingress accepts, the recorder records.
//!
//! Each test takes the stack's lock and starts from an empty Dkron, so output is deterministic.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Stack, manifest, repo_root, run, run_json, snapshot, stack, wait_for};

/// A manifest whose job fires every second at the stack's Restate.
fn every_second(stack: &Stack, marker: &str) -> String {
    format!(
        r#"[defaults]
set = "e2e"
restate_url = "{ingress}"
retries = 0
timeout_seconds = 5
headers = {{ "x-joelclaw-source" = "dkron" }}

[[jobs]]
name = "e2e-every-second"
display_name = "E2E every second"
schedule = "@every 1s"
migrated_from = "test/every-second"
service = "dagOrchestrator"
handler = "run"
body = {{ pipeline = "e2e", marker = "{marker}", nested = {{ list = [1, 2] }} }}
headers = {{ "x-test-marker" = "{marker}", "authorization" = "Bearer ${{env:E2E_TOKEN}}" }}
"#,
        ingress = stack.restate_ingress
    )
}

#[test]
fn sync_fires_through_restate_and_dkron_records_success() {
    let stack = stack();
    let marker = format!("m{}", std::process::id());
    let file = manifest(&every_second(&stack, &marker));
    let secret = "tok-e2e-not-for-output";
    let (code, envelope) = run_json(
        stack
            .cron(&["sync-tier1", "--file", file.arg()])
            .env("E2E_TOKEN", secret),
    );
    assert_eq!(code, 0, "{envelope:#}");
    assert_eq!(envelope["result"]["jobs"][0]["action"], "create");
    assert_eq!(envelope["result"]["jobs"][0]["ok"], true);
    assert!(
        !envelope.to_string().contains(secret),
        "the secret leaked: {envelope}"
    );

    // Dkron's HTTP executor POSTs to Restate ingress; the invocation reaches the recorder.
    let record = wait_for(
        "an invocation with our marker",
        Duration::from_secs(30),
        || {
            stack
                .recorded()
                .into_iter()
                .find(|record| record["input"]["marker"] == marker.as_str())
        },
    );
    assert_eq!(
        record["input"],
        json!({"pipeline": "e2e", "marker": marker, "nested": {"list": [1, 2]}})
    );
    let headers = &record["headers"];
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["x-test-marker"], marker.as_str());
    assert_eq!(headers["x-joelclaw-source"], "dkron");
    assert_eq!(headers["authorization"], format!("Bearer {secret}"));
    assert_eq!(
        headers["x-restate-ingress-path"],
        "/dagOrchestrator/run/send"
    );

    // Dkron records the execution as successful, and its output names the same invocation.
    let invocation = record["invocationId"].as_str().unwrap().to_string();
    let execution = wait_for("a successful execution", Duration::from_secs(10), || {
        stack
            .dkron_get("/v1/jobs/e2e-every-second/executions")
            .and_then(|executions| {
                executions
                    .as_array()?
                    .iter()
                    .find(|execution| {
                        execution["output"]
                            .as_str()
                            .is_some_and(|output| output.contains(&invocation))
                    })
                    .cloned()
            })
    });
    assert_eq!(execution["success"], true, "{execution:#}");
    let job = stack.job("e2e-every-second").unwrap();
    assert!(job["success_count"].as_i64().unwrap() >= 1, "{job:#}");

    // The invocation is Restate's own record too.
    let query = reqwest::blocking::Client::new()
        .post(format!("{}/query", stack.restate_admin))
        .header("accept", "application/json")
        .json(&json!({"query": format!("SELECT target, status FROM sys_invocation WHERE id = '{invocation}'")}))
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap();
    assert_eq!(
        query["rows"][0]["target"], "dagOrchestrator/run",
        "{query:#}"
    );

    // `list` shows it with its counts, and never the secret.
    let (code, listed) = run_json(&mut stack.cron(&["list"]));
    assert_eq!(code, 0);
    let row = &listed["result"]["jobs"][0];
    assert_eq!(row["name"], "e2e-every-second");
    assert_eq!(row["migratedFrom"], "test/every-second");
    assert!(row["successCount"].as_i64().unwrap() >= 1);
    assert!(!listed.to_string().contains(secret));
}

#[test]
fn a_second_sync_is_all_unchanged_with_zero_writes() {
    let stack = stack();
    let shipped = repo_root().join("tier1.toml");
    let args = [
        "sync-tier1",
        "--file",
        shipped.to_str().unwrap(),
        "--restate-url",
        &stack.restate_ingress,
    ];
    let (code, first) = run_json(&mut stack.cron(&args));
    assert_eq!(code, 0, "{first:#}");
    assert_eq!(first["result"]["writes"], 5);
    assert_eq!(first["result"]["counts"]["create"], 5);
    let before = stack.job("restate-daily-digest").unwrap();

    let (code, second) = run_json(&mut stack.cron(&args));
    assert_eq!(code, 0);
    assert_eq!(second["result"]["writes"], 0, "{second:#}");
    assert_eq!(second["result"]["counts"]["unchanged"], 5);
    assert_eq!(stack.job("restate-daily-digest").unwrap(), before);
    snapshot!(stack.cron(&args));

    // The drift gate agrees, then catches an edit made behind our back.
    let (code, _, _) = run(&mut stack.cron(&[&args[..], &["--check"]].concat()));
    assert_eq!(code, 0);
    let mut edited = before.clone();
    edited["schedule"] = json!("0 0 8 * * *");
    stack.put_job(edited);
    let (code, check) = run_json(&mut stack.cron(&[&args[..], &["--check"]].concat()));
    assert_eq!(code, 3, "{check:#}");
    assert_eq!(check["error"]["code"], "RESTATE_CRON_DRIFT");
    let job = check["result"]["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|job| job["name"] == "restate-daily-digest")
        .unwrap();
    assert_eq!(job["action"], "update");
    assert_eq!(
        job["changes"],
        json!([{"field": "schedule", "from": "0 0 8 * * *", "to": "0 55 7 * * *"}])
    );
    snapshot!(stack.cron(&[&args[..], &["--dry-run"]].concat()));
    assert_eq!(
        stack.job("restate-daily-digest").unwrap()["schedule"],
        "0 0 8 * * *"
    );

    // Applying repairs exactly that job.
    let (code, repaired) = run_json(&mut stack.cron(&args));
    assert_eq!(code, 0);
    assert_eq!(repaired["result"]["writes"], 1);
    assert_eq!(
        stack.job("restate-daily-digest").unwrap()["schedule"],
        "0 55 7 * * *"
    );
}

#[test]
fn prune_deletes_only_this_sets_dropped_jobs() {
    let stack = stack();
    let two = format!(
        "[defaults]\nset = \"ours\"\nrestate_url = \"{}\"\n{}{}",
        stack.restate_ingress,
        job_entry("keep-me"),
        job_entry("drop-me")
    );
    let file = manifest(&two);
    let (code, _) = run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg()]));
    assert_eq!(code, 0);

    // A job nobody manages, and one another set manages.
    let foreign = json!({"name": "not-ours", "schedule": "@every 1h", "executor": "http",
        "executor_config": {"method": "GET", "url": "http://127.0.0.1:9/"}, "disabled": true,
        "metadata": {"team": "payments"}});
    stack.put_job(foreign);
    let (code, created) = run_json(&mut stack.cron(&[
        "create",
        "--name",
        "other-set",
        "--schedule",
        "@every 1h",
        "--restate-service",
        "s",
        "--restate-handler",
        "h",
        "--set",
        "other",
        "--disabled",
        "--restate-url",
        &stack.restate_ingress,
    ]));
    assert_eq!(code, 0, "{created:#}");
    let not_ours = stack.job("not-ours").unwrap();
    let other_set = stack.job("other-set").unwrap();

    file.rewrite(&format!(
        "[defaults]\nset = \"ours\"\nrestate_url = \"{}\"\n{}",
        stack.restate_ingress,
        job_entry("keep-me")
    ));
    let (code, stale) = run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg()]));
    assert_eq!(code, 0);
    assert_eq!(stale["result"]["counts"]["stale"], 1);
    assert!(
        stack.job("drop-me").is_some(),
        "without --prune nothing is deleted"
    );

    let (code, pruned) =
        run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg(), "--prune"]));
    assert_eq!(code, 0, "{pruned:#}");
    let actions: Vec<(String, String)> = pruned["result"]["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|job| {
            (
                job["name"].as_str().unwrap().into(),
                job["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("keep-me".into(), "unchanged".into()),
            ("drop-me".into(), "delete".into())
        ]
    );
    assert!(stack.job("drop-me").is_none());
    assert_eq!(stack.job("not-ours").unwrap(), not_ours);
    assert_eq!(stack.job("other-set").unwrap(), other_set);
}

fn job_entry(name: &str) -> String {
    format!(
        "[[jobs]]\nname = \"{name}\"\nschedule = \"0 0 3 * * *\"\nservice = \"dagOrchestrator\"\nhandler = \"run\"\nenabled = false\n"
    )
}

#[test]
fn a_name_taken_by_a_foreign_job_fails_that_job_only_and_rerunning_converges() {
    let stack = stack();
    stack.put_job(
        json!({"name": "taken", "schedule": "@every 1h", "executor": "http",
        "executor_config": {"method": "GET", "url": "http://127.0.0.1:9/"}, "disabled": true}),
    );
    let foreign = stack.job("taken").unwrap();
    let file = manifest(&format!(
        "[defaults]\nrestate_url = \"{}\"\n{}{}",
        stack.restate_ingress,
        job_entry("free"),
        job_entry("taken")
    ));
    let (code, envelope) = run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg()]));
    assert_eq!(code, 1, "{envelope:#}");
    assert_eq!(envelope["ok"], false);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_SYNC_FAILED");
    let jobs = envelope["result"]["jobs"].as_array().unwrap();
    assert_eq!(
        (&jobs[0]["name"], &jobs[0]["ok"]),
        (&json!("free"), &json!(true))
    );
    assert_eq!(
        (&jobs[1]["name"], &jobs[1]["ok"], &jobs[1]["action"]),
        (&json!("taken"), &json!(false), &json!("conflict"))
    );
    assert!(
        jobs[1]["error"]
            .as_str()
            .unwrap()
            .contains("not managed by joelclaw")
    );
    assert_eq!(
        stack.job("taken").unwrap(),
        foreign,
        "a foreign job is never modified"
    );
    snapshot!(stack.cron(&["sync-tier1", "--file", file.arg(), "--color", "never"]));

    // --force adopts it; after that, plain runs converge to unchanged.
    let (code, adopted) =
        run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg(), "--force"]));
    assert_eq!(code, 0, "{adopted:#}");
    assert_eq!(adopted["result"]["jobs"][1]["action"], "update");
    let (code, again) = run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg()]));
    assert_eq!(code, 0);
    assert_eq!(again["result"]["writes"], 0);
}

#[test]
fn delete_refuses_what_it_does_not_own_and_explains_a_missing_job() {
    let stack = stack();
    stack.put_job(
        json!({"name": "straße", "schedule": "@every 1h", "executor": "http",
        "executor_config": {"method": "GET", "url": "http://127.0.0.1:9/"}, "disabled": true}),
    );
    let (code, refused) = run_json(&mut stack.cron(&["delete", "straße"]));
    assert_eq!(code, 1);
    assert_eq!(refused["error"]["code"], "RESTATE_CRON_NOT_OWNED");
    assert!(stack.job("stra%C3%9Fe").is_some());

    let (code, dry) = run_json(&mut stack.cron(&["delete", "straße", "--force", "--dry-run"]));
    assert_eq!(code, 0);
    assert_eq!(dry["result"]["deleted"], false);
    assert!(stack.job("stra%C3%9Fe").is_some());

    let (code, deleted) = run_json(&mut stack.cron(&["delete", "straße", "--force"]));
    assert_eq!(code, 0, "{deleted:#}");
    assert!(stack.job("stra%C3%9Fe").is_none());

    let (code, missing) = run_json(&mut stack.cron(&["delete", "straße"]));
    assert_eq!(code, 1);
    assert_eq!(missing["error"]["code"], "RESTATE_CRON_JOB_NOT_FOUND");
    snapshot!(stack.cron(&["delete", "straße"]));
}

#[test]
fn create_refuses_to_overwrite_unless_replace() {
    let stack = stack();
    let args = [
        "create",
        "--name",
        "adhoc",
        "--schedule",
        "30 9 * * 1-5",
        "--timezone",
        "Europe/Berlin",
        "--restate-service",
        "dagOrchestrator",
        "--restate-handler",
        "run",
        "--body",
        r#"{"pipeline":"adhoc"}"#,
        "--restate-url",
        &stack.restate_ingress,
    ];
    let (code, created) = run_json(&mut stack.cron(&args));
    assert_eq!(code, 0, "{created:#}");
    let job = stack.job("adhoc").unwrap();
    assert_eq!(job["schedule"], "0 30 9 * * 1-5");
    assert_eq!(job["timezone"], "Europe/Berlin");
    assert_eq!(job["metadata"]["managed-by"], "joelclaw");
    assert_eq!(job["metadata"]["set"], "manual");
    assert_eq!(job["executor_config"]["expectCode"], "202");

    let (code, exists) = run_json(&mut stack.cron(&args));
    assert_eq!(code, 1);
    assert_eq!(exists["error"]["code"], "RESTATE_CRON_JOB_EXISTS");

    let replaced = [&args[..], &["--replace", "--disabled"]].concat();
    let (code, envelope) = run_json(&mut stack.cron(&replaced));
    assert_eq!(code, 0, "{envelope:#}");
    assert_eq!(
        envelope["result"]["jobs"][0]["changes"][0]["field"],
        "disabled"
    );
    assert_eq!(stack.job("adhoc").unwrap()["disabled"], true);
}

#[test]
fn enable_health_runs_now_and_sync_restores_the_files_schedule() {
    let stack = stack();
    let shipped = repo_root().join("tier1.toml");
    let shipped = shipped.to_str().unwrap();
    let (code, envelope) = run_json(&mut stack.cron(&[
        "enable-health",
        "--file",
        shipped,
        "--restate-url",
        &stack.restate_ingress,
        "--schedule",
        "0 */5 * * * *",
        "--timezone",
        "America/Los_Angeles",
        "--run-now",
    ]));
    assert_eq!(code, 0, "{envelope:#}");
    let job = &envelope["result"]["jobs"][0];
    assert_eq!(job["run"]["ok"], true, "{job:#}");
    let stored = stack.job("restate-health-check").unwrap();
    assert_eq!(stored["timezone"], "America/Los_Angeles");
    assert!(
        stored["success_count"].as_i64().unwrap() >= 1,
        "the run was recorded: {stored:#}"
    );
    assert!(
        stack
            .recorded()
            .iter()
            .any(|record| record["input"]["pipeline"] == "health")
    );

    let (code, plan) = run_json(&mut stack.cron(&[
        "sync-tier1",
        "--file",
        shipped,
        "--restate-url",
        &stack.restate_ingress,
        "--dry-run",
    ]));
    assert_eq!(code, 0);
    let health = &plan["result"]["jobs"][0];
    assert_eq!(health["action"], "update");
    let fields: Vec<&str> = health["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["schedule", "timezone"]);
}

#[test]
fn status_and_list_read_the_real_dkron() {
    let stack = stack();
    snapshot!(stack.cron(&["status"]), squeezed);
    let (code, empty) = run_json(&mut stack.cron(&["list"]));
    assert_eq!(code, 0);
    assert_eq!(empty["result"]["jobs"], json!([]));
    let shipped = repo_root().join("tier1.toml");
    let (code, _) = run_json(&mut stack.cron(&[
        "sync-tier1",
        "--file",
        shipped.to_str().unwrap(),
        "--restate-url",
        "http://restate:8080",
    ]));
    assert_eq!(code, 0);
    stack.put_job(
        json!({"name": "unmanaged", "schedule": "@every 1h", "executor": "shell",
        "executor_config": {"command": "true"}, "disabled": true}),
    );
    snapshot!(stack.cron(&["list"]), squeezed);
    let (code, all) = run_json(&mut stack.cron(&["list", "--all"]));
    assert_eq!(code, 0);
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Row {
        name: String,
        schedule: String,
        timezone: String,
        enabled: bool,
        managed: bool,
        migrated_from: Option<String>,
        next: Option<String>,
        success_count: i64,
        error_count: i64,
        last_success: Option<String>,
        last_error: Option<String>,
    }
    let rows: Vec<Row> = serde_json::from_value(all["result"]["jobs"].clone()).unwrap();
    assert_eq!(rows.len(), 6);
    let unmanaged = rows.iter().find(|row| row.name == "unmanaged").unwrap();
    assert!(!unmanaged.managed && !unmanaged.enabled);
    assert_eq!(rows.iter().filter(|row| row.managed).count(), 5);
}

#[test]
fn the_plan_in_json_is_the_agent_contract() {
    let stack = stack();
    let shipped = repo_root().join("tier1.toml");
    snapshot!(stack.cron(&[
        "sync-tier1",
        "--file",
        shipped.to_str().unwrap(),
        "--dry-run",
        "--json"
    ]));
}

#[test]
fn run_now_reports_the_execution_not_just_the_trigger() {
    let stack = stack();
    // One job Restate accepts, one whose target refuses connections, one disabled.
    let refused = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let file = manifest(&format!(
        r#"[defaults]
restate_url = "{ingress}"
retries = 0
timeout_seconds = 5

[[jobs]]
name = "fires-fine"
schedule = "@manually"
service = "dagOrchestrator"
handler = "run"
body = {{ pipeline = "run-now" }}

[[jobs]]
name = "fires-into-nothing"
schedule = "@manually"
service = "dagOrchestrator"
handler = "run"
restate_url = "http://{refused}"

[[jobs]]
name = "switched-off"
schedule = "@manually"
service = "dagOrchestrator"
handler = "run"
enabled = false
"#,
        ingress = stack.restate_ingress
    ));
    let (code, envelope) =
        run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg(), "--run-now"]));
    assert_eq!(code, 1, "{envelope:#}");
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_RUN_FAILED");
    let jobs = envelope["result"]["jobs"].as_array().unwrap();
    assert_eq!(jobs[0]["run"]["ok"], true, "{:#}", jobs[0]);
    assert_eq!(jobs[1]["run"]["ok"], false);
    let error = jobs[1]["run"]["error"].as_str().unwrap();
    assert!(
        error.contains("connection refused"),
        "Dkron's execution output is reported: {error}"
    );
    assert_eq!(
        jobs[2]["run"],
        Value::Null,
        "a disabled job is not triggered"
    );
    assert!(
        jobs.iter().all(|job| job["ok"] == true),
        "every job was written"
    );
}

#[test]
fn secrets_already_in_dkron_never_show_in_a_plan() {
    let stack = stack();
    let with_secret = format!(
        "[defaults]\nrestate_url = \"{}\"\n{}headers = {{ authorization = \"Bearer ${{env:PLAN_TOKEN}}\" }}\n",
        stack.restate_ingress,
        job_entry("holds-a-secret")
    );
    let file = manifest(&with_secret);
    let secret = "hunter2-plan-secret";
    let (code, _) = run_json(
        stack
            .cron(&["sync-tier1", "--file", file.arg()])
            .env("PLAN_TOKEN", secret),
    );
    assert_eq!(code, 0);
    // The header is dropped from the file: the drift gate shows the change, not the secret.
    file.rewrite(&format!(
        "[defaults]\nrestate_url = \"{}\"\n{}",
        stack.restate_ingress,
        job_entry("holds-a-secret")
    ));
    for mode in ["--check", "--dry-run"] {
        let (code, stdout, stderr) =
            run(&mut stack.cron(&["sync-tier1", "--file", file.arg(), mode]));
        assert!(code == 3 || code == 0, "{mode}: {code}");
        assert!(stdout.contains("executor_config.headers"), "{stdout}");
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{mode} leaked the secret:\n{stdout}"
        );
        let (_, envelope) = run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg(), mode]));
        assert!(
            !envelope.to_string().contains(secret),
            "{mode} --json leaked the secret"
        );
    }
}
