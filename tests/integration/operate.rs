//! Day-to-day operation against the real stack: run, pause with a reason and resume, history
//! with the Restate invocation id, and a sync that respects a pause.

mod live {
    use std::time::Duration;

    use crate::support::{NOW, manifest, run_json, stack, wait_for};

    fn one_job(ingress: &str, name: &str, schedule: &str) -> String {
        format!(
            "[defaults]\nset = \"ops\"\nrestate_url = \"{ingress}\"\nretries = 0\ntimeout_seconds = 5\n\n[[jobs]]\nname = \"{name}\"\nschedule = \"{schedule}\"\nservice = \"dagOrchestrator\"\nhandler = \"run\"\nbody = {{ pipeline = \"{name}\" }}\n"
        )
    }

    #[test]
    fn run_reports_the_execution_and_history_shows_its_invocation() {
        let stack = stack();
        let file = manifest(&one_job(
            &stack.restate_ingress,
            "runs-on-demand",
            "@manually",
        ));
        let (code, _) = run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg()]));
        assert_eq!(code, 0);

        let (code, ran) = run_json(&mut stack.cron(&["run", "runs-on-demand"]));
        assert_eq!(code, 0, "{ran:#}");
        assert_eq!(ran["result"]["outcome"], "succeeded");
        let invocation = ran["result"]["invocationId"].as_str().unwrap().to_string();
        assert!(invocation.starts_with("inv_"), "{invocation}");
        // The same invocation reached our Restate service.
        wait_for("the recorder to see it", Duration::from_secs(10), || {
            stack
                .recorded()
                .into_iter()
                .find(|record| record["invocationId"] == invocation.as_str())
        });

        let (code, quick) = run_json(&mut stack.cron(&["run", "runs-on-demand", "--no-wait"]));
        assert_eq!(code, 0, "{quick:#}");
        assert!(["running", "succeeded"].contains(&quick["result"]["outcome"].as_str().unwrap()));

        let (code, history) =
            run_json(&mut stack.cron(&["history", "runs-on-demand", "--with-output"]));
        assert_eq!(code, 0, "{history:#}");
        let executions = history["result"]["executions"].as_array().unwrap();
        assert_eq!(executions.len(), 2, "{history:#}");
        assert!(
            executions[0]["startedAt"].as_str() >= executions[1]["startedAt"].as_str(),
            "newest first"
        );
        let first_run = &executions[1];
        assert_eq!(first_run["state"], "succeeded");
        assert_eq!(first_run["invocationId"], invocation.as_str());
        assert!(first_run["output"].as_str().unwrap().contains(&invocation));
        assert!(first_run["durationMs"].as_i64().is_some());

        let (code, missing) = run_json(&mut stack.cron(&["history", "no-such-job"]));
        assert_eq!(code, 1);
        assert_eq!(missing["error"]["code"], "RESTATE_CRON_JOB_NOT_FOUND");
    }

    #[test]
    fn a_failed_execution_fails_run_with_its_output() {
        let stack = stack();
        let refused = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let file = manifest(&one_job(
            &format!("http://{refused}"),
            "fires-into-nothing",
            "@manually",
        ));
        let (code, _) = run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg()]));
        assert_eq!(code, 0);
        let (code, ran) = run_json(&mut stack.cron(&["run", "fires-into-nothing"]));
        assert_eq!(code, 1, "{ran:#}");
        assert_eq!(ran["error"]["code"], "RESTATE_CRON_RUN_FAILED");
        assert!(
            ran["error"]["message"]
                .as_str()
                .unwrap()
                .contains("connection refused")
        );
        let (_, history) = run_json(&mut stack.cron(&["history", "fires-into-nothing"]));
        assert_eq!(history["result"]["executions"][0]["state"], "failed");
    }

    #[test]
    fn pause_keeps_the_job_and_sync_does_not_undo_it_until_resume() {
        let stack = stack();
        let file = manifest(&one_job(&stack.restate_ingress, "pausable", "0 0 3 * * *"));
        let (code, _) = run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg()]));
        assert_eq!(code, 0);
        let before = stack.job("pausable").unwrap();

        let (code, paused) = run_json(&mut stack.cron(&[
            "pause",
            "pausable",
            "--set",
            "ops",
            "--reason",
            "upstream outage",
            "--by",
            "ops",
        ]));
        assert_eq!(code, 0, "{paused:#}");
        assert_eq!(paused["result"]["changed"], true);
        let stored = stack.job("pausable").unwrap();
        assert_eq!(stored["disabled"], true);
        assert_eq!(stored["metadata"]["paused-reason"], "upstream outage");
        assert_eq!(stored["metadata"]["paused-by"], "ops");
        // Everything else is as it was: a full upsert, not a toggle.
        for field in [
            "schedule",
            "timezone",
            "executor",
            "executor_config",
            "retries",
            "displayname",
        ] {
            assert_eq!(stored[field], before[field], "{field}");
        }

        let (_, listed) = run_json(&mut stack.cron(&["list"]));
        let row = &listed["result"]["jobs"][0];
        assert_eq!(row["enabled"], false);
        assert!(
            row["paused"].as_str().unwrap().contains("by ops")
                && row["paused"].as_str().unwrap().contains("upstream outage")
        );

        // The file says enabled; the sync keeps the pause, says why, and writes nothing.
        let (code, synced) =
            run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg(), "--check"]));
        assert_eq!(code, 0, "a pause is not drift: {synced:#}");
        let job = &synced["result"]["jobs"][0];
        assert_eq!(job["action"], "unchanged");
        assert!(
            job["reason"].as_str().unwrap().contains("resume"),
            "{job:#}"
        );

        // Pausing twice changes nothing; resume restores the job exactly, keeping the stretch it
        // was paused as `last-pause` (for `audit`).
        let (_, again) = run_json(&mut stack.cron(&[
            "pause",
            "pausable",
            "--set",
            "ops",
            "--reason",
            "upstream outage",
            "--by",
            "ops",
        ]));
        assert_eq!(again["result"]["changed"], false);
        let (code, resumed) = run_json(&mut stack.cron(&["resume", "pausable", "--set", "ops"]));
        assert_eq!(code, 0, "{resumed:#}");
        let mut after = stack.job("pausable").unwrap();
        let last_pause = after["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("last-pause")
            .expect("resume records the last pause");
        // `JOELCLAW_NOW` pins both ends of it.
        assert_eq!(last_pause, format!("{NOW}/{NOW}"));
        for field in [
            "disabled",
            "schedule",
            "timezone",
            "executor",
            "executor_config",
            "metadata",
            "retries",
        ] {
            assert_eq!(after[field], before[field], "{field}");
        }
        let (_, synced) = run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg()]));
        assert_eq!(synced["result"]["writes"], 0);
    }

    #[test]
    fn pause_and_resume_refuse_what_the_tool_does_not_own() {
        let stack = stack();
        stack.put_job(serde_json::json!({"name": "someone-elses", "schedule": "@every 1h", "executor": "shell",
            "executor_config": {"command": "true"}, "disabled": false}));
        let (code, refused) = run_json(&mut stack.cron(&["pause", "someone-elses"]));
        assert_eq!(code, 1);
        assert_eq!(refused["error"]["code"], "RESTATE_CRON_NOT_OWNED");
        assert_eq!(stack.job("someone-elses").unwrap()["disabled"], false);
        let (code, _) = run_json(&mut stack.cron(&["pause", "someone-elses", "--force"]));
        assert_eq!(code, 0);
        assert_eq!(stack.job("someone-elses").unwrap()["disabled"], true);
    }
}
