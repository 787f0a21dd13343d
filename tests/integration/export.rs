//! `export`: live Dkron jobs back into `tier1.toml`; what sync-tier1 wrote syncs back with no write.

use crate::support::{cron, run_json};

#[test]
fn a_bad_set_name_is_a_usage_error_before_dkron_is_reached() {
    let (code, envelope) = run_json(&mut cron(&[
        "export",
        "--set",
        "Not A Set",
        "--base-url",
        "http://127.0.0.1:9",
    ]));
    assert_eq!(code, 2, "{envelope:#}");
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_USAGE");
}

mod live {
    use serde_json::{Value, json};

    use crate::support::{Stack, manifest, repo_root, run, run_json, snapshot, stack};

    /// The shipped jobs plus one of each thing an entry can say.
    fn tier1(stack: &Stack) -> String {
        let shipped = std::fs::read_to_string(repo_root().join("tier1.toml")).unwrap();
        format!(
            r#"{shipped}
[[jobs]]
name = "counter-add"
display_name = "Keyed, secret, disabled"
schedule = "@every 90s"
service = "counter"
key = "a b/c"
handler = "add"
body = {{ n = 1.5, list = [1, "two", {{ three = true }}], "odd key" = "x" }}
enabled = false
retries = 0
timeout_seconds = 5
headers = {{ authorization = "Bearer ${{env:EXPORT_TOKEN}}", "x-extra" = "e" }}

[[jobs]]
name = "berlin-morning"
schedule = "0 30 6 * * MON-FRI"
timezone = "Europe/Berlin"
service = "dagOrchestrator"
handler = "run"
restate_url = "{ingress}/"
"#,
            ingress = stack.restate_ingress
        )
    }

    const SECRET: &str = "tok-export-not-for-output";

    fn exported_file_filters() -> Vec<(String, String)> {
        crate::support::filters()
    }

    #[test]
    fn exporting_what_sync_wrote_and_syncing_it_back_writes_nothing() {
        let stack = stack();
        let file = manifest(&tier1(&stack));
        let sync = |path: &str, env: (&str, &str)| {
            run_json(
                stack
                    .cron(&[
                        "sync-tier1",
                        "--file",
                        path,
                        "--restate-url",
                        &stack.restate_ingress,
                    ])
                    .env(env.0, env.1),
            )
        };
        let (code, synced) = sync(file.arg(), ("EXPORT_TOKEN", SECRET));
        assert_eq!(code, 0, "{synced:#}");
        assert_eq!(synced["result"]["writes"], 7);
        // A pause (as `pause` records it) is operational state: the entry stays enabled, and
        // sync-tier1 keeps the job paused.
        let mut paused = stack.job("restate-skill-garden").unwrap();
        paused["disabled"] = json!(true);
        paused["metadata"]["paused-at"] = json!("2026-11-22T11:00:00Z");
        paused["metadata"]["paused-by"] = json!("ops");
        paused["metadata"]["paused-reason"] = json!("upstream outage");
        stack.put_job(paused);

        let exported = manifest("");
        let (code, envelope) = run_json(&mut stack.cron(&["export", "--to", exported.arg()]));
        assert_eq!(code, 0, "{envelope:#}");
        let result = &envelope["result"];
        assert_eq!(result["set"], "tier1");
        assert_eq!(
            result["counts"],
            json!({"exported": 7, "skipped": 0, "unchanged": 7, "changed": 0, "adopt": 0})
        );
        assert_eq!(
            result["environment"],
            // The reference the file was synced with, recorded on the job (`env-headers`).
            json!([{"variable": "EXPORT_TOKEN", "job": "counter-add", "header": "authorization"}])
        );
        let text = std::fs::read_to_string(&exported.path).unwrap();
        assert_eq!(result["toml"], text.as_str());
        assert!(!text.contains(SECRET), "the secret leaked:\n{text}");
        assert!(!envelope.to_string().contains(SECRET));

        // Printed, stdout is exactly the file.
        let (code, stdout, _) = run(&mut stack.cron(&["export"]));
        assert_eq!(code, 0);
        assert_eq!(stdout, text);

        // Syncing the export back: every job unchanged, not one write, no drift.
        let (code, back) = sync(exported.arg(), ("EXPORT_TOKEN", SECRET));
        assert_eq!(code, 0, "{back:#}");
        assert_eq!(back["result"]["writes"], 0, "{back:#}");
        assert_eq!(back["result"]["counts"]["unchanged"], 7, "{back:#}");
        assert_eq!(stack.job("restate-skill-garden").unwrap()["disabled"], true);
        let (code, check) = run_json(
            stack
                .cron(&["sync-tier1", "--check", "--file", exported.arg()])
                .env("EXPORT_TOKEN", SECRET),
        );
        assert_eq!(code, 0, "{check:#}");

        let mut settings = insta::Settings::clone_current();
        for (pattern, replacement) in exported_file_filters() {
            settings.add_filter(&pattern, replacement.as_str());
        }
        settings.bind(|| insta::assert_snapshot!(text));
    }

    #[test]
    fn export_all_adopts_foreign_http_jobs_and_lists_what_it_cannot_express() {
        let stack = stack();
        let send = format!("{}/dagOrchestrator/run/send", stack.restate_ingress);
        stack.put_job(json!({
            "name": "hand-made", "displayname": "Made by hand", "schedule": "0 0 6 * * *",
            "timezone": "UTC", "executor": "http", "disabled": true,
            "executor_config": {"method": "POST", "url": send, "body": "{\"pipeline\":\"x\"}",
                "headers": "[\"Content-Type: application/json\"]"}
        }));
        stack.put_job(json!({
            "name": "a-shell-job", "schedule": "@manually", "executor": "shell",
            "executor_config": {"command": "date"}
        }));
        stack.put_job(json!({
            "name": "plain-get", "schedule": "@every 1h", "executor": "http", "disabled": true,
            "executor_config": {"method": "GET", "url": "http://127.0.0.1:9/"}
        }));
        let other = manifest(&format!(
            "[defaults]\nset = \"other\"\nrestate_url = \"{}\"\n[[jobs]]\nname = \"other-set\"\nschedule = \"@hourly\"\nservice = \"s\"\nhandler = \"h\"\nenabled = false\n",
            stack.restate_ingress
        ));
        let (code, synced) = run_json(&mut stack.cron(&["sync-tier1", "--file", other.arg()]));
        assert_eq!(code, 0, "{synced:#}");

        let exported = manifest("");
        let (code, envelope) = run_json(&mut stack.cron(&[
            "export",
            "--all",
            "--set",
            "adopted",
            "--to",
            exported.arg(),
        ]));
        assert_eq!(code, 0, "{envelope:#}");
        let result = &envelope["result"];
        assert_eq!(
            result["counts"],
            json!({"exported": 2, "skipped": 2, "unchanged": 0, "changed": 2, "adopt": 2})
        );
        let skipped: Vec<(&Value, &Value)> = result["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|job| (&job["name"], &job["executor"]))
            .collect();
        assert_eq!(
            skipped,
            [
                (&json!("a-shell-job"), &json!("shell")),
                (&json!("plain-get"), &json!("http"))
            ]
        );
        let hand_made = &result["jobs"][0];
        assert_eq!(hand_made["name"], "hand-made");
        assert_eq!(hand_made["owned"], false);
        let fields: Vec<&str> = hand_made["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|change| change["field"].as_str().unwrap())
            .filter(|field| !field.starts_with("metadata."))
            .collect();
        assert_eq!(
            fields,
            ["executor_config.expectCode", "executor_config.timeout"]
        );
        let text = std::fs::read_to_string(&exported.path).unwrap();
        let mut settings = insta::Settings::clone_current();
        for (pattern, replacement) in crate::support::filters() {
            settings.add_filter(&pattern, replacement.as_str());
        }
        settings.bind(|| insta::assert_snapshot!(text));

        // Adopting: the first forced sync rewrites both, the next writes nothing.
        let adopt = ["sync-tier1", "--file", exported.arg(), "--force"];
        let (code, first) = run_json(&mut stack.cron(&adopt));
        assert_eq!(code, 0, "{first:#}");
        assert_eq!(first["result"]["writes"], 2, "{first:#}");
        let (code, second) = run_json(&mut stack.cron(&adopt));
        assert_eq!(code, 0, "{second:#}");
        assert_eq!(second["result"]["writes"], 0, "{second:#}");
        let adopted = stack.job("hand-made").unwrap();
        assert_eq!(adopted["metadata"]["set"], "adopted");
        assert_eq!(adopted["disabled"], true);
        assert_eq!(adopted["executor_config"]["expectCode"], "202");
    }

    #[test]
    fn managed_jobs_of_several_sets_need_a_set() {
        let stack = stack();
        for set in ["one", "two"] {
            let file = manifest(&format!(
                "[defaults]\nset = \"{set}\"\nrestate_url = \"{}\"\n[[jobs]]\nname = \"job-{set}\"\nschedule = \"@hourly\"\nservice = \"s\"\nhandler = \"h\"\nenabled = false\n",
                stack.restate_ingress
            ));
            let (code, synced) = run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg()]));
            assert_eq!(code, 0, "{synced:#}");
        }
        let mut ambiguous = stack.cron(&["export"]);
        ambiguous.arg("--color=never");
        snapshot!(ambiguous);
        let (code, envelope) = run_json(&mut stack.cron(&["export", "--set", "two"]));
        assert_eq!(code, 0, "{envelope:#}");
        let names: Vec<&Value> = envelope["result"]["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|job| &job["name"])
            .collect();
        assert_eq!(names, [&json!("job-two")]);
    }
}
