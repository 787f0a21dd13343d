//! Daily use: tables that fit a terminal and read cleanly in a pipe, `-o` formats, `describe`,
//! selection, the pause record, `--watch`, `-q`, suggestions that replay the run's flags, and
//! live completion asked for the way the shells ask.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::{cron, run, run_json};

/// Asks the binary for completions exactly as the bash script does: `COMPLETE=bash joelclaw --
/// <words>` with the index of the word being completed.
fn complete(words: &[&str], env: &[(&str, &str)]) -> Vec<String> {
    let mut command = crate::support::joelclaw();
    command
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
        .env("_CLAP_IFS", "\n")
        .arg("--")
        .args(words);
    for (name, value) in env {
        command.env(name, value);
    }
    let (code, stdout, stderr) = run(&mut command);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.is_empty(),
        "a completion must not write to the shell: {stderr}"
    );
    stdout.lines().map(str::to_string).collect()
}

#[test]
fn completion_offers_subcommands_then_flags_only_after_a_dash_and_no_files_for_times() {
    let top = complete(&["joelclaw", "restate", "cron", ""], &[]);
    for name in ["status", "list", "describe", "sync-tier1", "audit"] {
        assert!(top.contains(&name.to_string()), "{top:?}");
    }
    assert!(!top.iter().any(|word| word == "--namespace"), "{top:?}");
    let dashed = complete(&["joelclaw", "restate", "cron", "list", "--"], &[]);
    assert!(dashed.contains(&"--namespace".to_string()), "{dashed:?}");
    assert!(dashed.contains(&"--selector".to_string()), "{dashed:?}");
    // A time is not a file name.
    let since = complete(
        &["joelclaw", "restate", "cron", "audit", "--since", ""],
        &[],
    );
    assert!(since.is_empty(), "{since:?}");
    // The top-level spelling prints the same script as the old one.
    let (_, top_level, _) = run(crate::support::joelclaw().args(["completions", "bash"]));
    let (_, old, _) = run(&mut cron(&["completions", "bash"]));
    assert_eq!(top_level, old);
    assert!(top_level.contains("COMPLETE=\"bash\""), "{top_level}");
}

#[test]
fn completion_is_silently_empty_when_dkron_does_not_answer() {
    // A loopback port that accepts and never answers: the completion gives up on its deadline.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let started = std::time::Instant::now();
    let words = complete(
        &["joelclaw", "restate", "cron", "run", ""],
        &[("DKRON_URL", &url)],
    );
    eprintln!(
        "completion against a silent Dkron took {:?}",
        started.elapsed()
    );
    assert!(
        words.iter().all(|word| word.starts_with('-')),
        "only the command's own flags: {words:?}"
    );
}

mod live {
    use super::*;
    use crate::support::{Stack, manifest, stack, wait_for};

    /// `count` jobs of set `ux` (names `ux-0000`…), firing the recorder's `run` handler hourly.
    fn jobs(stack: &Stack, count: usize) -> String {
        let mut text = format!(
            "[defaults]\nset = \"ux\"\nrestate_url = \"{}\"\nretries = 0\ntimezone = \"Europe/Berlin\"\n",
            stack.restate_ingress
        );
        for index in 0..count {
            text.push_str(&format!(
                "\n[[jobs]]\nname = \"ux-{index:04}\"\nschedule = \"{} * * * *\"\nservice = \"dagOrchestrator\"\nhandler = \"run\"\nbody = {{ n = {index} }}\nmigrated_from = \"inngest/ux-digest-{index}\"\n",
                index % 60
            ));
        }
        text
    }

    /// Five jobs like the shipped ones, with names of typical length, firing once far ahead.
    fn at_jobs(stack: &Stack) -> String {
        let mut text = format!(
            "[defaults]\nset = \"tier1\"\nrestate_url = \"{}\"\nretries = 0\ntimezone = \"America/Los_Angeles\"\n",
            stack.restate_ingress
        );
        for (index, name) in [
            "restate-health-check",
            "restate-skill-garden",
            "restate-typesense-full-sync",
            "restate-daily-digest",
            "restate-subscription-check-feeds",
        ]
        .iter()
        .enumerate()
        {
            text.push_str(&format!(
                "\n[[jobs]]\nname = \"{name}\"\nschedule = \"@at 2099-0{}-01T00:00:00Z\"\nservice = \"dagOrchestrator\"\nhandler = \"run\"\nbody = {{ pipeline = \"{name}\" }}\nmigrated_from = \"inngest/{name}\"\n",
                index + 1
            ));
        }
        text
    }

    fn sync(stack: &Stack, file: &crate::support::Manifest) {
        let (code, synced) = run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg()]));
        assert_eq!(code, 0, "{synced:#}");
    }

    /// `list` as a terminal of `columns` shows it (`JOELCLAW_TTY=1` is the printer's test hook).
    fn list_on_terminal(stack: &Stack, columns: usize, extra: &[&str]) -> String {
        let mut command = stack.cron(&[&["list"], extra].concat());
        command
            .env("JOELCLAW_TTY", "1")
            .env("COLUMNS", columns.to_string());
        let (code, stdout, stderr) = run(&mut command);
        assert_eq!(code, 0, "{stderr}");
        stdout
    }

    #[test]
    fn list_fits_the_terminal_and_reads_as_plain_columns_in_a_pipe() {
        let stack = stack();
        for count in [5, 50, 1000] {
            stack.delete_all_jobs();
            let file = manifest(&jobs(&stack, count));
            sync(&stack, &file);
            for columns in [80, 100, 200] {
                let text = list_on_terminal(&stack, columns, &[]);
                let lines: Vec<&str> = text.lines().collect();
                // Header, a row per job, a blank line and the summary.
                assert_eq!(lines.len(), count + 3, "{text}");
                for line in &lines {
                    assert!(line.chars().count() <= columns, "{columns}: {line:?}");
                }
            }
            // Piped: no box drawing, no summary, one line per job after the header, and the
            // name in the first field.
            let (code, piped, _) = run(&mut stack.cron(&["list"]));
            assert_eq!(code, 0);
            assert!(!piped.contains(['│', '┆', '─', '…']), "{piped}");
            let lines: Vec<&str> = piped.lines().collect();
            assert_eq!(lines.len(), count + 1);
            assert!(lines[0].starts_with("NAME "), "{}", lines[0]);
            for (index, line) in lines[1..].iter().enumerate() {
                assert_eq!(
                    line.split_whitespace().next(),
                    Some(format!("ux-{index:04}").as_str())
                );
            }
            let (_, bare, _) = run(&mut stack.cron(&["list", "--no-headers"]));
            assert_eq!(bare.lines().count(), count);
            let (_, names, _) = run(&mut stack.cron(&["list", "-o", "name"]));
            let expected: Vec<String> = (0..count).map(|index| format!("ux-{index:04}")).collect();
            assert_eq!(names.lines().collect::<Vec<_>>(), expected);
        }
        // Five typical jobs at fixed widths, on a terminal and piped. `@at` far ahead keeps
        // Dkron's own `next` (real time) the same against the pinned now whatever the date.
        stack.delete_all_jobs();
        let file = manifest(&at_jobs(&stack));
        sync(&stack, &file);
        for columns in ["80", "100", "200"] {
            let mut command = stack.cron(&["list"]);
            command.env("JOELCLAW_TTY", "1").env("COLUMNS", columns);
            crate::support::snapshot!(command);
        }
        let mut piped = stack.cron(&["list"]);
        crate::support::snapshot!(piped);
        // `-o wide` adds every column and cuts nothing, even on a terminal.
        stack.delete_all_jobs();
        let file = manifest(&jobs(&stack, 5));
        sync(&stack, &file);
        let wide = list_on_terminal(&stack, 80, &["-o", "wide"]);
        assert!(
            wide.lines().next().unwrap().contains("MIGRATED FROM"),
            "{wide}"
        );
        assert!(wide.contains("inngest/ux-digest-4"), "{wide}");
        assert!(!wide.contains('…'), "{wide}");
        // `-A` adds the set column; an unmanaged job says so there, not in its name.
        stack.put_job(serde_json::json!({"name": "by-hand", "schedule": "@manually", "executor": "shell", "executor_config": {"command": "true"}}));
        let (_, all, _) = run(&mut stack.cron(&["list", "-A"]));
        let by_hand = all
            .lines()
            .find(|line| line.starts_with("by-hand"))
            .unwrap();
        assert_eq!(
            by_hand.split_whitespace().nth(1),
            Some("(unmanaged)"),
            "{all}"
        );
    }

    #[test]
    fn list_selects_by_glob_set_and_metadata() {
        let stack = stack();
        let file = manifest(&jobs(&stack, 12));
        sync(&stack, &file);
        stack.put_job(serde_json::json!({"name": "ux-foreign", "schedule": "@manually", "executor": "shell", "executor_config": {"command": "true"}, "metadata": {"owner": "ops"}}));
        let names = |args: &[&str]| -> Vec<String> {
            let (code, stdout, stderr) =
                run(&mut stack.cron(&[&["list", "-o", "name"], args].concat()));
            assert_eq!(code, 0, "{stderr}");
            stdout.lines().map(str::to_string).collect()
        };
        assert_eq!(names(&["ux-001?"]), ["ux-0010", "ux-0011"]);
        assert_eq!(names(&["ux-0000", "ux-0003"]), ["ux-0000", "ux-0003"]);
        assert_eq!(names(&["--set", "ux"]).len(), 12);
        assert!(names(&["--set", "other"]).is_empty());
        assert_eq!(names(&["-A", "-l", "owner=ops"]), ["ux-foreign"]);
        assert!(
            names(&["-l", "owner=ops"]).is_empty(),
            "unmanaged without -A"
        );
        // A literal name that matches nothing is an error (the rest is still listed).
        let (code, envelope) = run_json(&mut stack.cron(&["list", "ux-0001", "nope"]));
        assert_eq!(code, 1);
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_JOB_NOT_FOUND");
        assert_eq!(envelope["result"]["jobs"][0]["name"], "ux-0001");
        let (code, _, stderr) = run(&mut stack.cron(&["list", "ux-[", "-o", "name"]));
        assert_eq!(code, 2, "{stderr}");
    }

    #[test]
    fn describe_shows_one_job_in_every_format() {
        let stack = stack();
        let file = manifest(&jobs(&stack, 1));
        sync(&stack, &file);
        let (code, ran) = run_json(&mut stack.cron(&["run", "ux-0000"]));
        assert_eq!(code, 0, "{ran:#}");
        let mut human = stack.cron(&["describe", "ux-0000"]);
        crate::support::snapshot!(human, {
            let mut filters = crate::support::filters();
            // Dkron's clock: its `next` and the execution's start.
            filters.push((
                r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC".into(),
                "[TIME]".into(),
            ));
            filters.push((r"just now".into(), "[REL]".into()));
            filters.push((r" {2,}".into(), " ".into()));
            filters
        });
        let (code, envelope) = run_json(&mut stack.cron(&["get", "ux-0000"]));
        assert_eq!(code, 0);
        let result = &envelope["result"];
        assert_eq!(result["job"]["name"], "ux-0000");
        assert_eq!(result["job"]["timezone"], "Europe/Berlin");
        assert_eq!(result["state"], "enabled");
        assert_eq!(result["target"], "dagOrchestrator/run");
        assert_eq!(result["nextFires"].as_array().unwrap().len(), 5);
        let invocation = result["executions"][0]["invocationId"].as_str().unwrap();
        assert!(invocation.starts_with("inv_"), "{result:#}");
        let (code, yaml, _) = run(&mut stack.cron(&["describe", "ux-0000", "-o", "yaml"]));
        assert_eq!(code, 0);
        let parsed: Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(parsed["result"]["job"], result["job"]);
        let (_, name, _) = run(&mut stack.cron(&["describe", "ux-0000", "-o", "name"]));
        assert_eq!(name, "ux-0000\n");
        let (code, envelope) = run_json(&mut stack.cron(&["describe", "nope"]));
        assert_eq!(code, 1);
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_JOB_NOT_FOUND");
        // A command with no job names refuses `-o name` (exit 2).
        let (code, _, stderr) = run(&mut stack.cron(&["status", "-o", "name"]));
        assert_eq!(code, 2, "{stderr}");
    }

    #[test]
    fn a_pause_is_a_record_that_outlives_a_repause_and_a_toggle_until_resume() {
        let stack = stack();
        let file = manifest(&jobs(&stack, 1));
        sync(&stack, &file);
        let pause = |extra: &[&str]| {
            let (code, envelope) =
                run_json(&mut stack.cron(&[&["pause", "ux-0000", "--set", "ux"], extra].concat()));
            assert_eq!(code, 0, "{envelope:#}");
            envelope["result"].clone()
        };
        let first = pause(&["--reason", "digest rework", "--by", "ana"]);
        assert_eq!(first["changed"], true);
        // Again without a word: the first record stands.
        let again = pause(&[]);
        assert_eq!(again["changed"], false);
        assert_eq!(again["pausedBy"], "ana");
        assert_eq!(again["pausedReason"], "digest rework");
        // Again with --by: replaced, and the result says what it replaced.
        let replaced = pause(&["--by", "ben"]);
        assert_eq!(replaced["changed"], true);
        assert_eq!(replaced["pausedBy"], "ben");
        assert!(
            replaced["previousRecord"]
                .as_str()
                .unwrap()
                .contains("by ana"),
            "{replaced:#}"
        );
        // Dkron's UI toggle re-enables it and leaves the record: `list` says so.
        let response = reqwest::blocking::Client::new()
            .post(format!("{}/v1/jobs/ux-0000/toggle", stack.dkron_url))
            .send()
            .unwrap();
        assert!(response.status().is_success());
        let (_, listed) = run_json(&mut stack.cron(&["list"]));
        assert_eq!(listed["result"]["jobs"][0]["state"], "re-enabled");
        let (_, text, stderr) = run(&mut stack.cron(&["list"]));
        assert!(text.contains("re-enabled"), "{text}");
        assert!(stderr.contains("still carrying a pause record"), "{stderr}");
        // `resume` clears the record even though the job is already enabled.
        let (code, resumed) = run_json(&mut stack.cron(&["resume", "ux-0000", "--set", "ux"]));
        assert_eq!(code, 0, "{resumed:#}");
        assert_eq!(resumed["result"]["changed"], true);
        let (_, listed) = run_json(&mut stack.cron(&["list"]));
        assert_eq!(listed["result"]["jobs"][0]["state"], "enabled");
        assert!(listed["result"]["jobs"][0]["pauseRecord"].is_null());
    }

    #[test]
    fn a_quiet_sync_prints_only_what_changes_and_a_quiet_check_nothing() {
        let stack = stack();
        let file = manifest(&jobs(&stack, 3));
        let (code, stdout, _) = run(&mut stack.cron(&["sync-tier1", "-f", file.arg(), "-q"]));
        assert_eq!(code, 0);
        assert_eq!(
            stdout,
            "created ux-0000\ncreated ux-0001\ncreated ux-0002\n"
        );
        let (code, stdout, _) =
            run(&mut stack.cron(&["sync-tier1", "-f", file.arg(), "--check", "-q"]));
        assert_eq!((code, stdout.as_str()), (0, ""));
        file.rewrite(&jobs(&stack, 3).replace("\"1 * * * *\"", "\"2 * * * *\""));
        let (code, stdout, _) =
            run(&mut stack.cron(&["sync-tier1", "-f", file.arg(), "--check", "-q"]));
        assert_eq!((code, stdout.as_str()), (3, ""));
        let (code, stdout, _) =
            run(&mut stack.cron(&["sync-tier1", "-f", file.arg(), "--dry-run", "-q"]));
        assert_eq!((code, stdout.as_str()), (0, "update ux-0001\n"));
        // A no-op sync of many jobs is a line, not one per job (`-o wide` lists them).
        sync(&stack, &file);
        let (_, stdout, _) = run(&mut stack.cron(&["sync-tier1", "-f", file.arg()]));
        assert!(stdout.contains("All 3 jobs match the file"), "{stdout}");
        assert!(!stdout.contains("ux-0000"), "{stdout}");
        let (_, stdout, _) = run(&mut stack.cron(&["sync-tier1", "-f", file.arg(), "-o", "wide"]));
        assert!(stdout.contains("ux-0000"), "{stdout}");
    }

    /// Splits a suggested command as a shell would and runs it with this build as `joelclaw`,
    /// without the stack's environment: only what the command line says.
    fn run_suggestion(suggestion: &str, extra: &[&str]) -> (i32, Value) {
        let words = shlex::split(suggestion).unwrap();
        assert_eq!(words[0], "joelclaw", "{suggestion}");
        let mut command = crate::support::joelclaw();
        command.args(&words[1..]).args(extra);
        run_json(&mut command)
    }

    #[test]
    fn every_suggestion_replays_the_flags_of_the_run_and_does_what_it_says() {
        let stack = stack();
        // A file in a directory with a space, with a Restate URL that only the flag corrects:
        // a suggestion that dropped --restate-url would plan to repoint every job.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("my jobs.toml");
        let text = jobs(&stack, 2).replace(&stack.restate_ingress, "http://restate:8080");
        std::fs::write(&path, &text).unwrap();
        let flags = [
            "--file",
            path.to_str().unwrap(),
            "--restate-url",
            stack.restate_ingress.as_str(),
            "--base-url",
            stack.dkron_url.as_str(),
        ];
        // No DKRON_URL in the environment: only the flags say where Dkron is.
        let sync =
            |extra: &[&str]| run_json(&mut cron(&[&["sync-tier1"], &flags[..], extra].concat()));
        let (code, applied) = sync(&[]);
        assert_eq!(code, 0, "{applied:#}");
        std::fs::write(&path, text.replace("\"1 * * * *\"", "\"2 * * * *\"")).unwrap();
        let (code, check) = sync(&["--check"]);
        assert_eq!(code, 3);
        let (code, planned) = sync(&["--dry-run"]);
        assert_eq!(code, 0);
        let mut suggestions: Vec<String> = Vec::new();
        for envelope in [&applied, &check, &planned] {
            for action in envelope["next_actions"].as_array().unwrap() {
                suggestions.push(action["command"].as_str().unwrap().to_string());
            }
        }
        let fix = check["fix"].as_str().unwrap();
        let hinted = fix.split('`').nth(1).unwrap().to_string();
        suggestions.push(hinted.clone());
        assert!(hinted.contains("--base-url"), "{hinted}");
        assert!(
            hinted.contains("'"),
            "the path with a space is quoted: {hinted}"
        );
        for suggestion in &suggestions {
            if suggestion.contains(" sync-tier1 ") {
                // Run as a dry run: exactly the one job the file changed, nothing repointed.
                let (code, plan) = run_suggestion(suggestion, &["--dry-run"]);
                assert_eq!(code, 0, "{suggestion}: {plan:#}");
                let counts = &plan["result"]["counts"];
                assert_eq!(
                    (
                        counts["create"].as_u64(),
                        counts["update"].as_u64(),
                        counts["delete"].as_u64()
                    ),
                    (Some(0), Some(1), Some(0)),
                    "{suggestion}: {plan:#}"
                );
                let changes = plan["result"]["jobs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|job| job["changes"].as_array().unwrap().iter())
                    .map(|change| change["field"].as_str().unwrap().to_string())
                    .collect::<Vec<_>>();
                assert_eq!(changes, ["schedule"], "{suggestion}");
            } else {
                let (code, envelope) = run_suggestion(suggestion, &[]);
                assert_eq!(code, 0, "{suggestion}: {envelope:#}");
            }
        }
    }

    /// Starts `args` with `--watch`, piped.
    fn watch(stack: &Stack, args: &[&str]) -> std::process::Child {
        stack
            .cron(args)
            .arg("--watch")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Reads the child's stdout on a thread, into lines shared with the test.
    fn lines_of(child: &mut std::process::Child) -> std::sync::Arc<std::sync::Mutex<Vec<String>>> {
        use std::io::BufRead;
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let shared = lines.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                shared.lock().unwrap().push(line);
            }
        });
        lines
    }

    fn interrupt(child: std::process::Child) -> i32 {
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        child.wait_with_output().unwrap().status.code().unwrap()
    }

    #[test]
    fn watch_prints_each_change_and_ctrl_c_ends_it_with_exit_0() {
        let stack = stack();
        let file = manifest(&jobs(&stack, 2));
        sync(&stack, &file);
        let mut listing = watch(&stack, &["list"]);
        let lines = lines_of(&mut listing);
        wait_for("the first listing", Duration::from_secs(20), || {
            (lines.lock().unwrap().len() >= 2).then_some(())
        });
        let (code, _) = run_json(&mut stack.cron(&["pause", "ux-0001", "--set", "ux"]));
        assert_eq!(code, 0);
        wait_for("the pause as a line", Duration::from_secs(20), || {
            lines
                .lock()
                .unwrap()
                .iter()
                .any(|line| line.contains(" ux-0001 paused "))
                .then_some(())
        });
        assert_eq!(interrupt(listing), 0);

        let mut events = watch(&stack, &["history", "ux-0000", "-o", "json"]);
        let lines = lines_of(&mut events);
        let (code, _) = run_json(&mut stack.cron(&["run", "ux-0000"]));
        assert_eq!(code, 0);
        let event: Value = wait_for("the run as an event", Duration::from_secs(20), || {
            lines
                .lock()
                .unwrap()
                .iter()
                .map(|line| serde_json::from_str::<Value>(line).unwrap())
                .find(|event| event["object"]["state"] == "succeeded")
        });
        assert!(
            ["ADDED", "MODIFIED"].contains(&event["type"].as_str().unwrap()),
            "{event}"
        );
        assert!(
            event["object"]["invocationId"]
                .as_str()
                .unwrap()
                .starts_with("inv_")
        );
        assert_eq!(interrupt(events), 0);
    }
}
