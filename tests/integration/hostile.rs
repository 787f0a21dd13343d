//! Hostile input, hostile servers and honest errors: answers too large to hold, text that would
//! take over a terminal, servers that are not Dkron (a scripted server, explicitly not Dkron, and
//! the real Restate ingress of the stack), reads that block, secrets that must never be printed,
//! names Dkron or a URL cannot carry, and the one ownership rule. The `live` module runs against
//! the real Dkron of the stack.

use std::time::{Duration, Instant};

use crate::support::{Reply, Scripted, cron, manifest, run, run_json, snapshot};

const WHOM: &[(&str, &str)] = &[("x-whom", "dkron-0")];

/// No byte a terminal would obey: ESC, BEL, other C0/C1 controls, bidi overrides and isolates.
fn assert_terminal_safe(text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| {
            (c.is_control() && *c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
        })
        .collect();
    assert!(bad.is_empty(), "raw {bad:?} reached the terminal:\n{text}");
}

/// A scripted server whose job list is `bytes` of `prefix` then `chunk` repeated, announced as
/// Content-Length or not.
fn flooding(
    status: u16,
    announce: bool,
    bytes: u64,
    prefix: &'static str,
    chunk: &'static str,
) -> Scripted {
    Scripted::start(vec![(
        "GET /v1/jobs",
        Reply::Flood {
            status,
            headers: WHOM,
            announce,
            bytes,
            prefix,
            chunk,
        },
    )])
}

#[test]
fn an_announced_oversized_job_list_is_refused_with_the_limit_and_the_size() {
    let dkron = flooding(200, true, 300 * 1024 * 1024, "", "[");
    let started = Instant::now();
    let (code, envelope) = run_json(&mut cron(&["list", "--base-url", &dkron.url]));
    assert_eq!(code, 1);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_DKRON_ERROR");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "Dkron's job list is 300 MiB, over this tool's limit of 256 MiB for Dkron's job list"
        ),
        "{message}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    let mut command = cron(&["list", "--base-url", &dkron.url]);
    snapshot!(command);
}

#[test]
fn an_unannounced_flood_stops_at_the_limit() {
    // An array that never ends (JSON allows any amount of white space): the parser keeps asking
    // for more, so only the limit stops the read.
    let dkron = flooding(200, false, 400 * 1024 * 1024, "[", "        ");
    let started = Instant::now();
    let (code, envelope) = run_json(&mut cron(&[
        "list",
        "--all",
        "--timeout",
        "120",
        "--base-url",
        &dkron.url,
    ]));
    eprintln!("256 MiB streamed and refused in {:?}", started.elapsed());
    assert_eq!(code, 1);
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(
        message
            .contains("Dkron's job list is more than 256 MiB, over this tool's limit of 256 MiB"),
        "{message}"
    );
}

#[test]
fn a_huge_error_body_is_cut_for_showing() {
    let dkron = flooding(500, true, 200 * 1024 * 1024, "", "panic: ");
    let (code, _, stderr) = run(&mut cron(&["list", "--base-url", &dkron.url]));
    assert_eq!(code, 1);
    assert!(stderr.len() < 16 * 1024, "{} bytes on stderr", stderr.len());
    assert!(
        stderr.contains("… [cut: the first 8 KiB of 200 MiB]"),
        "{}",
        &stderr[stderr.len().saturating_sub(300)..]
    );
}

const ESCAPES: &str =
    "\u{1b}[2J\u{1b}]0;owned\u{7}\u{1b}]8;;http://x/\u{1b}\\link\u{1b}]8;;\u{1b}\\\u{202e}gnp.exe";

fn escaped_jobs() -> String {
    serde_json::json!([{
        "name": format!("evil{ESCAPES}"),
        "displayname": ESCAPES,
        "schedule": format!("@every 1m{ESCAPES}"),
        "timezone": ESCAPES,
        "executor": "http",
        "metadata": {"managed-by": "joelclaw", "set": "tier1", "migrated_from": ESCAPES},
        "next": "2026-11-22T12:30:00Z",
    }])
    .to_string()
}

#[test]
fn escapes_in_a_server_s_answer_are_shown_escaped_and_kept_exact_in_json() {
    let dkron = Scripted::start(vec![(
        "GET /v1/jobs",
        Reply::Owned(200, WHOM, escaped_jobs()),
    )]);
    let (code, stdout, stderr) = run(&mut cron(&["list", "--base-url", &dkron.url]));
    assert_eq!(code, 0, "{stderr}");
    assert_terminal_safe(&stdout);
    assert!(
        stdout.contains("evil\\u{1b}[2J\\u{1b}]0;owned\\u{7}"),
        "{stdout}"
    );
    assert!(stdout.contains("\\u{202e}gnp.exe"), "{stdout}");
    // With colour on, only the printer's own SGR sequences reach the terminal.
    let (code, stdout, _) = run(&mut cron(&[
        "list",
        "--color",
        "always",
        "--base-url",
        &dkron.url,
    ]));
    assert_eq!(code, 0);
    assert!(stdout.contains("\u{1b}[32m"), "no colour: {stdout}");
    let mut plain = String::new();
    let mut rest = stdout.as_str();
    while let Some(start) = rest.find("\u{1b}[") {
        plain.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        assert_eq!(
            &after[end..end + 1],
            "m",
            "a non-SGR escape reached the terminal: {stdout}"
        );
        rest = &after[end + 1..];
    }
    plain.push_str(rest);
    assert_terminal_safe(&plain);
    let (_, envelope) = run_json(&mut cron(&["list", "--base-url", &dkron.url]));
    assert_eq!(
        envelope["result"]["jobs"][0]["name"],
        format!("evil{ESCAPES}")
    );
    assert_eq!(envelope["result"]["jobs"][0]["migratedFrom"], ESCAPES);
}

#[test]
fn escapes_in_an_error_body_are_shown_escaped() {
    let dkron = Scripted::start(vec![(
        "GET /v1/jobs",
        Reply::Owned(500, WHOM, format!("boom{ESCAPES}")),
    )]);
    let (code, stdout, stderr) = run(&mut cron(&["list", "--base-url", &dkron.url]));
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert_terminal_safe(&stderr);
    assert!(stderr.contains("boom\\u{1b}[2J"), "{stderr}");
    let (_, envelope) = run_json(&mut cron(&["list", "--base-url", &dkron.url]));
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(message.contains(&format!("boom{ESCAPES}")), "{message:?}");
}

/// The error says the server is not Dkron, and what it looks like.
fn assert_not_dkron(envelope: &serde_json::Value, looks_like: &str) {
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_DKRON_ERROR");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(message.contains("is not Dkron"), "{message}");
    assert!(message.contains(looks_like), "{message}");
}

#[test]
fn restate_s_answer_is_named_as_not_dkron() {
    // What Restate's ingress answers to Dkron's job list (observed; see faults for the stack).
    let restate = Scripted::start(vec![(
        "GET /v1/jobs",
        Reply::Http(
            404,
            &[
                ("content-type", "application/json"),
                ("x-restate-error-source", "ingress"),
            ],
            r#"{"code":404,"message":"service 'v1' not found, make sure to register the service before calling it.","source":"ingress"}"#,
        ),
    )]);
    let (code, envelope) = run_json(&mut cron(&["list", "--base-url", &restate.url]));
    assert_eq!(code, 1);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_DKRON_ERROR");
    assert_not_dkron(&envelope, "looks like Restate");
    assert!(
        envelope["fix"]
            .as_str()
            .unwrap()
            .contains("Dkron's HTTP API")
    );
    let mut command = cron(&["list", "--base-url", &restate.url]);
    snapshot!(command);
}

#[test]
fn an_html_page_is_named_as_not_dkron() {
    let page = Scripted::start(vec![(
        "GET /v1/jobs",
        Reply::Http(
            200,
            &[("content-type", "text/html")],
            "<!DOCTYPE html><html><body>It works!</body></html>",
        ),
    )]);
    let (code, envelope) = run_json(&mut cron(&["list", "--base-url", &page.url]));
    assert_eq!(code, 1);
    assert_not_dkron(&envelope, "an HTML page");
}

#[test]
fn a_url_without_a_scheme_says_to_add_it() {
    let mut command = cron(&["list", "--base-url", "127.0.0.1:8080"]);
    snapshot!(command);
    let (code, envelope) = run_json(&mut cron(&["list", "--base-url", "localhost:8080"]));
    assert_eq!(code, 2);
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("add http:// (http://localhost:8080)"),
        "{message}"
    );
}

#[test]
fn empty_url_variables_mean_unset() {
    // No URL: the command goes for the tunnel, whose kubeconfig the test environment removes.
    for variable in ["DKRON_URL", "RESTATE_ADMIN_URL"] {
        let (code, envelope) = run_json(cron(&["list"]).env(variable, ""));
        assert_eq!(code, 2, "{variable}: {envelope}");
        assert_eq!(
            envelope["error"]["code"], "RESTATE_CRON_KUBECONFIG",
            "{variable}: {envelope}"
        );
    }
}

#[test]
fn a_missing_file_is_reported_as_missing_with_how_to_point_at_one() {
    let mut command = cron(&["validate", "--file", "/nonexistent/tier1.toml"]);
    snapshot!(command);
    let mut command = cron(&[
        "sync-tier1",
        "--dry-run",
        "--base-url",
        "http://127.0.0.1:9",
    ]);
    command.current_dir(std::env::temp_dir());
    let (code, _, stderr) = run(&mut command);
    assert_eq!(code, 2);
    assert!(stderr.contains("./tier1.toml: the file does not exist; point at a schedule file with --file PATH or the JOELCLAW_TIER1 environment variable"), "{stderr}");
    assert!(!stderr.contains("[defaults]"), "{stderr}");
}

#[test]
fn names_dkron_or_a_url_cannot_carry_are_usage_errors() {
    for name in [".", "..", "a/b", "Upper"] {
        let (code, envelope) = run_json(&mut cron(&[
            "delete",
            name,
            "--base-url",
            "http://127.0.0.1:9",
        ]));
        assert_eq!(code, 2, "{name}");
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_USAGE", "{name}");
    }
    let long = "a".repeat(16 * 1024 + 1);
    let (code, envelope) = run_json(&mut cron(&[
        "run",
        &long,
        "--base-url",
        "http://127.0.0.1:9",
    ]));
    assert_eq!(code, 2);
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("over the limit of 16384 bytes"),
        "{message}"
    );
    let file = manifest(&format!(
        "[defaults]\nrestate_url = \"http://r\"\n[[jobs]]\nname = \"{long}\"\nschedule = \"@hourly\"\nservice = \"s\"\nhandler = \"h\"\n"
    ));
    let (code, envelope) = run_json(&mut cron(&["validate", "--file", file.arg()]));
    assert_eq!(code, 2);
    assert_eq!(envelope["result"]["findings"][0]["field"], "name");
    assert_eq!(envelope["result"]["findings"][0]["line"], 4);
}

#[test]
fn header_values_http_refuses_are_refused_before_dkron() {
    let dkron = Scripted::start(vec![]);
    let mut command = cron(&[
        "create",
        "--name",
        "h",
        "--schedule",
        "@hourly",
        "--restate-service",
        "s",
        "--restate-handler",
        "h",
        "--header",
        "x-a=one\ntwo",
        "--base-url",
        &dkron.url,
    ]);
    snapshot!(command);
    let file = manifest(
        "[defaults]\nrestate_url = \"http://r\"\n[[jobs]]\nname = \"j\"\nschedule = \"@hourly\"\nservice = \"s\"\nhandler = \"h\"\nheaders = { x-nul = \"a\\u0000b\", x-del = \"a\\u007fb\" }\n",
    );
    let (code, envelope) = run_json(&mut cron(&["validate", "--file", file.arg()]));
    assert_eq!(code, 2);
    let findings = envelope["result"]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{findings:#?}");
    for finding in findings {
        assert_eq!(finding["line"], 8);
        assert!(finding["message"].as_str().unwrap().contains("RFC 9110"));
    }
    assert_eq!(dkron.requests(), Vec::<String>::new());
}

#[test]
fn every_finding_of_a_file_at_once_with_lines() {
    let mut bytes = b"[defaults]\nrestate_url = \"http://r\"\nretires = 2\n\n[[jobs]]\nname = \"a\"\nschedul = \"@hourly\"\nservice = \"s\"\nhandler = \"h\"\n\n[[jobs]]\nname = \"a\"\nschedule = \"@hourly\"\nservice = \"s\"\nhandler = \"h\"\ntimezone = \"Mars/Olympus\"\nmigrated_from = \"x".to_vec();
    bytes.extend_from_slice(&[0xff, b'"', b'\n']);
    let file = manifest("");
    std::fs::write(&file.path, &bytes).unwrap();
    let mut command = cron(&["validate", "--file", file.arg()]);
    snapshot!(command);
}

/// A `body_file` that blocks (a FIFO no one writes to): SIGTERM and Ctrl-C still end the
/// command, every time, with the documented exit code.
#[cfg(unix)]
#[test]
fn signals_end_a_command_blocked_on_a_body_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("body.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let file = manifest(&format!(
        "[defaults]\nrestate_url = \"http://r\"\n[[jobs]]\nname = \"j\"\nschedule = \"@hourly\"\nservice = \"s\"\nhandler = \"h\"\nbody_file = \"{}\"\n",
        fifo.display()
    ));
    for (round, signal) in ["TERM", "INT"].iter().cycle().take(10).enumerate() {
        let mut child = cron(&["validate", "--file", file.arg()])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Let it reach the blocking open of the FIFO, sometimes before and sometimes after the
        // signal handler is installed.
        std::thread::sleep(Duration::from_millis(50 + 30 * round as u64));
        let sent = Instant::now();
        let killed = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(5);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("round {round}: SIGTERM/SIGINT was ignored for 5 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(sent.elapsed() < Duration::from_secs(2), "round {round}");
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(status.code(), Some(1), "round {round}: {status:?} {stderr}");
        assert!(
            stderr.contains("error: interrupted"),
            "round {round}: {stderr}"
        );
    }
}

/// Against the real Dkron: names, metadata with escapes, header values, secrets and ownership.
mod live {
    use serde_json::json;

    use super::assert_terminal_safe;
    use crate::support::{manifest, run, run_json, snapshot, stack};

    #[test]
    fn metadata_with_escapes_is_shown_escaped_and_kept_exact() {
        let stack = stack();
        let escapes = "\u{1b}]0;owned\u{7}\u{1b}[31m\u{202e}txt";
        stack.put_job(json!({
            "name": "escaped",
            "displayname": escapes,
            "schedule": "@every 1h",
            "executor": "http",
            "executor_config": {"method": "POST", "url": "http://127.0.0.1:9/s/h/send"},
            "metadata": {"managed-by": "joelclaw", "set": "tier1", "migrated_from": escapes, "paused-at": escapes},
        }));
        // Real Dkron stores them as they are.
        assert_eq!(
            stack.job("escaped").unwrap()["metadata"]["migrated_from"],
            escapes
        );
        for args in [
            &["list"][..],
            &["list", "--all"],
            &["next", "escaped"],
            &["history", "escaped"],
            &["trace", "escaped"],
            &["export"],
        ] {
            let (code, stdout, stderr) = run(&mut stack.cron(args));
            assert!(code == 0 || code == 1, "{args:?}: {code} {stderr}");
            assert_terminal_safe(&stdout);
            assert_terminal_safe(&stderr);
        }
        let (_, envelope) = run_json(&mut stack.cron(&["list"]));
        assert_eq!(envelope["result"]["jobs"][0]["migratedFrom"], escapes);
    }

    #[test]
    fn a_name_at_the_length_limit_works_end_to_end() {
        let stack = stack();
        let name = "n".repeat(16 * 1024);
        let file = manifest(&format!(
            "[defaults]\nrestate_url = \"{}\"\n[[jobs]]\nname = \"{name}\"\nschedule = \"@hourly\"\nservice = \"dagOrchestrator\"\nhandler = \"run\"\n",
            stack.restate_ingress
        ));
        let (code, envelope) = run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg()]));
        assert_eq!(code, 0, "{envelope}");
        assert!(stack.job(&name).is_some());
        let (code, _) = run_json(&mut stack.cron(&["delete", &name]));
        assert_eq!(code, 0);
        assert!(stack.job(&name).is_none());
    }

    #[test]
    fn a_header_value_with_a_line_break_never_reaches_dkron() {
        let stack = stack();
        let (code, envelope) = run_json(&mut stack.cron(&[
            "create",
            "--name",
            "broken-header",
            "--schedule",
            "@hourly",
            "--restate-service",
            "dagOrchestrator",
            "--restate-handler",
            "run",
            "--header",
            "x-a=one\ntwo",
        ]));
        assert_eq!(code, 2, "{envelope}");
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_INVALID_JOB");
        assert!(stack.job("broken-header").is_none());
    }

    #[test]
    fn delete_pause_and_resume_own_only_the_set_in_play() {
        let stack = stack();
        let file = manifest(&format!(
            "[defaults]\nset = \"other\"\nrestate_url = \"{}\"\n[[jobs]]\nname = \"other-set-job\"\nschedule = \"@hourly\"\nservice = \"dagOrchestrator\"\nhandler = \"run\"\n",
            stack.restate_ingress
        ));
        let (code, _) = run_json(&mut stack.cron(&["sync-tier1", "--file", file.arg()]));
        assert_eq!(code, 0);
        for args in [
            &["delete", "other-set-job"][..],
            &["pause", "other-set-job"],
            &["resume", "other-set-job"],
        ] {
            let (code, envelope) = run_json(&mut stack.cron(args));
            assert_eq!(code, 1, "{args:?}");
            assert_eq!(
                envelope["error"]["code"], "RESTATE_CRON_NOT_OWNED",
                "{args:?}"
            );
            assert!(envelope["fix"].as_str().unwrap().contains("--set other"));
        }
        let mut command = stack.cron(&["delete", "other-set-job"]);
        snapshot!(command);
        let (code, _) = run_json(&mut stack.cron(&["pause", "other-set-job", "--set", "other"]));
        assert_eq!(code, 0);
        let (code, _) = run_json(&mut stack.cron(&["delete", "other-set-job", "--set", "other"]));
        assert_eq!(code, 0);
        assert!(stack.job("other-set-job").is_none());
    }

    #[test]
    fn restate_s_ingress_as_base_url_is_named() {
        let stack = stack();
        let (code, envelope) = run_json(&mut crate::support::cron(&[
            "list",
            "--base-url",
            &stack.restate_ingress,
        ]));
        assert_eq!(code, 1);
        super::assert_not_dkron(&envelope, "looks like Restate");
    }

    /// The secret of an `${env:}` header under a name that does not look secret, through every
    /// command, human and JSON: it is never printed.
    #[test]
    fn an_environment_secret_is_never_printed_by_any_command() {
        let stack = stack();
        const SECRET: &str = "hardening-secret-4711-value";
        let file = manifest(&format!(
            "[defaults]\nrestate_url = \"{}\"\n[[jobs]]\nname = \"secretive\"\nschedule = \"@every 1h\"\nservice = \"dagOrchestrator\"\nhandler = \"run\"\nheaders = {{ x-custom = \"${{env:HARDENING_SECRET}}\", authorization = \"Bearer ${{env:HARDENING_SECRET}}\" }}\n",
            stack.restate_ingress
        ));
        let with_secret = |args: &[&str]| {
            let mut command = stack.cron(args);
            command.env("HARDENING_SECRET", SECRET);
            command
        };
        let (code, envelope) = run_json(&mut with_secret(&["sync-tier1", "--file", file.arg()]));
        assert_eq!(code, 0, "{envelope}");
        let stored = stack.job("secretive").unwrap();
        assert!(
            stored.to_string().contains(SECRET),
            "the secret must reach Dkron"
        );
        let commands: Vec<Vec<&str>> = vec![
            vec!["sync-tier1", "--file", file.arg()],
            vec!["sync-tier1", "--dry-run", "--file", file.arg()],
            vec!["sync-tier1", "--check", "--file", file.arg()],
            vec!["validate", "--file", file.arg()],
            vec!["next", "--file", file.arg()],
            vec!["list"],
            vec!["list", "--all"],
            vec!["status"],
            vec!["next"],
            vec!["next", "secretive"],
            vec!["history", "secretive", "--with-output"],
            vec!["trace", "secretive"],
            vec!["audit", "--since", "1h"],
            vec!["export"],
            vec!["export", "--all"],
            vec!["export", "--set", "tier1"],
            vec!["pause", "secretive"],
            vec!["resume", "secretive"],
            vec!["run", "secretive"],
            vec!["delete", "secretive", "--dry-run"],
            vec![
                "create",
                "--name",
                "secretive-too",
                "--schedule",
                "@hourly",
                "--restate-service",
                "dagOrchestrator",
                "--restate-handler",
                "run",
                "--header",
                "x-other=${env:HARDENING_SECRET}",
                "--restate-url",
                &stack.restate_ingress,
            ],
            vec!["enable-health", "--file", file.arg()],
        ];
        for args in &commands {
            let (_, stdout, stderr) = run(&mut with_secret(args));
            assert!(
                !stdout.contains(SECRET) && !stderr.contains(SECRET),
                "{args:?} printed the secret:\n{stdout}\n{stderr}"
            );
            let mut command = with_secret(args);
            command.arg("--json");
            let (_, stdout, stderr) = run(&mut command);
            assert!(
                !stdout.contains(SECRET) && !stderr.contains(SECRET),
                "{args:?} --json printed the secret:\n{stdout}\n{stderr}"
            );
        }
        // Export writes the reference back, and syncing it back is a no-op.
        let (_, envelope) = run_json(&mut with_secret(&["export", "--set", "tier1"]));
        let toml = envelope["result"]["toml"].as_str().unwrap();
        assert!(
            toml.contains("x-custom = \"${env:HARDENING_SECRET}\""),
            "{toml}"
        );
        let exported = manifest(toml);
        let (code, envelope) = run_json(&mut with_secret(&[
            "sync-tier1",
            "--check",
            "--file",
            exported.arg(),
        ]));
        assert_eq!(code, 0, "{envelope}");
    }
}
