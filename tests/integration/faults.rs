//! Failures a real Dkron cannot be made to produce on demand, from a scripted HTTP server (not
//! Dkron) that answers by method and path: a 500 with an empty body, a dropped connection, a
//! request that never gets an answer, and a cluster without a leader.

use crate::support::{Reply, Scripted, cron, run, run_json, snapshot};

const WHOM: &[(&str, &str)] = &[("x-whom", "dkron-0")];

#[test]
fn a_500_with_an_empty_body_is_reported_with_status_node_and_path() {
    let dkron = Scripted::start(vec![("GET /v1/jobs", Reply::Http(500, WHOM, ""))]);
    let (code, envelope) = run_json(&mut cron(&["list", "--base-url", &dkron.url]));
    assert_eq!(code, 1);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_DKRON_ERROR");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(message.contains("500 Internal Server Error"), "{message}");
    assert!(message.contains("(node dkron-0)"), "{message}");
    assert!(message.contains("(empty body)"), "{message}");
    assert!(
        message.contains("/v1/jobs?metadata%5Bmanaged-by%5D=joelclaw"),
        "{message}"
    );
    let mut command = cron(&["list", "--base-url", &dkron.url]);
    snapshot!(command);
    assert_eq!(
        dkron.requests()[0],
        "GET /v1/jobs?metadata%5Bmanaged-by%5D=joelclaw HTTP/1.1"
    );
    assert_eq!(dkron.unscripted(), Vec::<String>::new());
}

#[test]
fn a_dropped_connection_is_unreachable_not_a_crash() {
    let dkron = Scripted::start(vec![("GET /v1/jobs", Reply::Drop)]);
    let (code, envelope) = run_json(&mut cron(&["list", "--base-url", &dkron.url]));
    assert_eq!(code, 1);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_DKRON_UNREACHABLE");
    assert!(envelope["fix"].as_str().unwrap().contains("--base-url"));
}

#[test]
fn a_request_without_an_answer_times_out() {
    let dkron = Scripted::start(vec![("GET /v1/jobs", Reply::Hang)]);
    let (code, envelope) = run_json(&mut cron(&[
        "list",
        "--timeout",
        "1",
        "--base-url",
        &dkron.url,
    ]));
    assert_eq!(code, 1);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_DKRON_UNREACHABLE");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(message.contains("did not answer within 1s"), "{message}");
    assert!(envelope["fix"].as_str().unwrap().contains("--timeout"));
}

#[test]
fn nothing_listening_is_unreachable_in_both_modes() {
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", unused.local_addr().unwrap());
    drop(unused);
    let (code, _, stderr) = run(&mut cron(&["status", "--base-url", &url]));
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot reach Dkron"), "{stderr}");
    let (code, envelope) = run_json(&mut cron(&["status", "--base-url", &url]));
    assert_eq!(code, 1);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_DKRON_UNREACHABLE");
}

#[test]
fn status_without_a_leader_prints_the_report_and_exits_1() {
    // The answers a Dkron node gives before (or without) a Raft leader.
    let dkron = Scripted::start(vec![
        (
            "GET /health",
            Reply::Http(200, &[], r#"{"status":"healthy"}"#),
        ),
        (
            "GET /v1",
            Reply::Http(
                200,
                WHOM,
                r#"{"agent":{"name":"dkron-0","version":"4.0.9"}}"#,
            ),
        ),
        ("GET /v1/leader", Reply::Http(500, WHOM, "null")),
        ("GET /v1/members", Reply::Http(200, WHOM, "[]")),
        (
            "GET /v1/jobs",
            Reply::Http(200, &[("x-total-count", "0")], "[]"),
        ),
    ]);
    let (code, envelope) = run_json(&mut cron(&[
        "status",
        "--skip-restate",
        "--base-url",
        &dkron.url,
    ]));
    assert_eq!(code, 1);
    assert_eq!(envelope["ok"], false);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_UNHEALTHY");
    assert_eq!(envelope["result"]["healthy"], false);
    assert_eq!(envelope["result"]["leader"], serde_json::Value::Null);
    assert_eq!(envelope["result"]["node"], "dkron-0");
    assert_eq!(dkron.unscripted(), Vec::<String>::new());
}

/// What a real apiserver cannot be made to do on demand, from the fake one (`joelclaw-fake-kube`):
/// answer late, or not at all. (TLS, 401, unreachable and the other Kubernetes errors are shown by
/// the real control plane in `tunnel::errors`.)
mod kubernetes {
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    use joelclaw_fake_kube::{Options, dkron_world};

    use crate::support::{FakeCluster, free_port, run_json};

    pub fn refused() -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], free_port()))
    }

    #[test]
    fn a_stalled_apiserver_is_an_error_within_the_timeout() {
        let options = Options {
            latency: Duration::from_secs(60),
            ..Options::default()
        };
        let cluster = FakeCluster::start(dkron_world("joelclaw", &[refused()]), options);
        let started = Instant::now();
        let (code, envelope) = run_json(&mut cluster.cron(&["list", "--timeout", "2"]));
        assert_eq!(code, 1, "{envelope:#}");
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_KUBE_UNREACHABLE");
        assert!(
            envelope["error"]["message"]
                .as_str()
                .unwrap()
                .contains("within 2s")
        );
        // Not a timing assertion on the CLI's speed: only that it did not wait for the fake's 60 s.
        assert!(started.elapsed() < Duration::from_secs(50));
    }

    #[test]
    fn a_signal_while_the_apiserver_stalls_ends_the_command_without_a_trace() {
        let slow = FakeCluster::start(
            dkron_world("joelclaw", &[refused()]),
            Options {
                latency: Duration::from_secs(30),
                ..Options::default()
            },
        );
        let mut list = slow
            .cron(&["list", "--timeout", "60"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The fake answers nothing for 30 s; a second is ample for the CLI to be waiting on it.
        std::thread::sleep(Duration::from_secs(1));
        assert!(
            list.try_wait().unwrap().is_none(),
            "the command is still running"
        );
        std::process::Command::new("kill")
            .args(["-TERM", &list.id().to_string()])
            .status()
            .unwrap();
        let output = list.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));
    }
}
