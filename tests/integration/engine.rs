//! The sync engine against real Dkron: concurrent writes proved by one list, a follower's URL, a
//! leader killed mid-sync, a Dkron killed and restarted under a sync, two prunes of one set at
//! once, a frozen Dkron, a prune that would take too much, and Ctrl-C in the middle of a sync.
//! Dkron clusters of their own (`crate::cluster`) where a test kills, freezes or restarts nodes;
//! the stack's Dkron otherwise.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::cluster::DkronCluster;
use crate::support::{Manifest, cron, manifest, run_json, stack, wait_for};

/// `count` jobs named `{prefix}-NNNN` in set `set`, each firing the recorder by hand only.
fn jobs_file(set: &str, prefix: &str, count: usize) -> String {
    let mut text = format!(
        "[defaults]\nset = \"{set}\"\nrestate_url = \"http://restate:8080\"\nretries = 0\n"
    );
    for index in 0..count {
        text.push_str(&format!(
            "\n[[jobs]]\nname = \"{prefix}-{index:04}\"\nschedule = \"@manually\"\nservice = \"dagOrchestrator\"\nhandler = \"run\"\nbody = {{ n = {index} }}\n"
        ));
    }
    text
}

fn sync_at(url: &str, file: &Manifest, extra: &[&str]) -> Command {
    let mut command = cron(&["sync-tier1", "--file", file.arg(), "--base-url", url]);
    command.args(extra);
    command
}

fn jobs_of(url: &str) -> Vec<Value> {
    reqwest::blocking::get(format!("{url}/v1/jobs"))
        .unwrap()
        .json::<Value>()
        .unwrap()
        .as_array()
        .cloned()
        .unwrap()
}

fn names(url: &str, prefix: &str) -> BTreeSet<String> {
    jobs_of(url)
        .iter()
        .filter_map(|job| job["name"].as_str())
        .filter(|name| name.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

fn results(envelope: &Value) -> &Value {
    &envelope["result"]["results"]
}

#[test]
fn writes_go_out_concurrently_and_one_list_proves_them() {
    let stack = stack();
    let file = manifest(&jobs_file("bulk", "bulk", 300));
    let (code, synced) = run_json(&mut sync_at(&stack.dkron_url, &file, &[]));
    assert_eq!(code, 0, "{synced:#}");
    let result = &synced["result"];
    assert_eq!(results(&synced)["written"], 300);
    assert_eq!(result["writes"], 300);
    assert_eq!(result["verificationReads"], 1, "one list proves all 300");
    assert_eq!(result["readiness"]["leader"], true);
    assert_eq!(result["readiness"]["signal"], "scheduler-started");
    assert_eq!(result["lock"]["kind"], "dkron-job");
    // The requests the plan needs and no more: readiness (2), the lock (take: parent and child
    // looked up and written, the queue read; release: child and parent deleted), one list, the
    // 300 writes, one list to prove them.
    let requests = result["dkronRequests"].as_u64().unwrap();
    assert!(
        (300 + 4..=300 + 4 + 8).contains(&requests),
        "{requests} requests for 300 creates"
    );
    // The lock leaves nothing behind.
    assert!(names(&stack.dkron_url, "joelclaw-lock").is_empty());
    let (code, again) = run_json(&mut sync_at(&stack.dkron_url, &file, &[]));
    assert_eq!(code, 0);
    assert_eq!(again["result"]["writes"], 0);
    assert_eq!(results(&again)["unchanged"], 300);
}

#[test]
fn a_follower_url_syncs_without_failures_and_a_killed_leader_converges_on_rerun() {
    let _stack = stack();
    let mut dkron = DkronCluster::start(3);
    let leader = dkron.leader().unwrap();
    let follower = (0..3).find(|index| *index != leader).unwrap();
    let url = dkron.url(follower);
    let file = manifest(&jobs_file("cluster", "cluster", 150));

    // Creates through a follower: Dkron forwards them to the leader; the follower's copy lags,
    // and the sync reads it until it shows every write.
    let (code, created) = run_json(&mut sync_at(&url, &file, &[]));
    assert_eq!(code, 0, "{created:#}");
    assert_eq!(results(&created)["written"], 150);
    assert_eq!(results(&created)["failed"], 0);
    assert_eq!(results(&created)["unverified"], 0);
    assert_eq!(created["result"]["readiness"]["leader"], false);
    assert_eq!(created["result"]["readiness"]["signal"], "stable-count");
    // Updates too.
    file.rewrite(&jobs_file("cluster", "cluster", 150).replace("restate:8080", "restate:9090"));
    let (code, updated) = run_json(&mut sync_at(&url, &file, &[]));
    assert_eq!(code, 0, "{updated:#}");
    assert_eq!(results(&updated)["written"], 150);
    let (code, check) = run_json(&mut sync_at(&url, &file, &["--check"]));
    assert_eq!(code, 0, "the follower agrees: {check:#}");

    // The leader dies in the middle of a sync: what was not written fails or is unknown, and a
    // re-run once a new leader is elected converges.
    file.rewrite(&jobs_file("cluster", "cluster", 400));
    let child = sync_at(&url, &file, &["--json", "--timeout", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the sync to be under way", Duration::from_secs(30), || {
        (names(&url, "cluster").len() > 160).then_some(())
    });
    dkron.kill(leader);
    let output = child.wait_with_output().unwrap();
    let interrupted: Value = serde_json::from_slice(&output.stdout).unwrap();
    eprintln!(
        "leader killed mid-sync: exit {:?}, {}",
        output.status.code(),
        results(&interrupted)
    );
    wait_for("a new leader", Duration::from_secs(60), || {
        dkron.leader().filter(|new| *new != leader)
    });
    let survivor = dkron.leader().unwrap();
    let (code, rerun) = run_json(&mut sync_at(&dkron.url(survivor), &file, &[]));
    assert_eq!(code, 0, "{rerun:#}");
    let (code, _) = run_json(&mut sync_at(&dkron.url(survivor), &file, &["--check"]));
    assert_eq!(code, 0);
    assert_eq!(names(&dkron.url(survivor), "cluster").len(), 400);
}

#[test]
fn a_sync_the_moment_a_restarted_dkron_leads_overwrites_nothing() {
    let _stack = stack();
    let mut dkron = DkronCluster::start(1);
    let url = dkron.url(0);
    let file = manifest(&jobs_file("restart", "restart", 500));
    let (code, synced) = run_json(&mut sync_at(&url, &file, &[]));
    assert_eq!(code, 0, "{synced:#}");
    // Fields the tool does not control, on some jobs, written behind its back.
    let client = reqwest::blocking::Client::new();
    for index in (0..500).step_by(25) {
        let name = format!("restart-{index:04}");
        let mut job: Value = client
            .get(format!("{url}/v1/jobs/{name}"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        job["tags"] = serde_json::json!({"role": "dkron"});
        job["owner"] = Value::String("ops".into());
        job["processors"] = serde_json::json!({"log": {"forward": "true"}});
        job["metadata"]["team"] = Value::String("data".into());
        let status = client
            .post(format!("{url}/v1/jobs"))
            .json(&job)
            .send()
            .unwrap()
            .status();
        assert_eq!(status, 201);
    }
    dkron.kill(0);
    dkron.restart(0);
    // Sync the moment it claims leadership: its store may still be replaying.
    wait_for(
        "the restarted node to lead",
        Duration::from_secs(60),
        || {
            reqwest::blocking::get(format!("{url}/v1/isleader"))
                .ok()
                .filter(|response| response.status() == 200)
        },
    );
    let (code, after) = run_json(&mut sync_at(&url, &file, &[]));
    assert_eq!(code, 0, "{after:#}");
    assert_eq!(
        after["result"]["counts"]["create"], 0,
        "nothing planned as absent"
    );
    assert_eq!(after["result"]["writes"], 0);
    assert_eq!(after["result"]["readiness"]["signal"], "scheduler-started");
    for index in (0..500).step_by(25) {
        let job: Value = client
            .get(format!("{url}/v1/jobs/restart-{index:04}"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(job["tags"]["role"], "dkron", "{job:#}");
        assert_eq!(job["owner"], "ops");
        assert_eq!(job["processors"]["log"]["forward"], "true");
        assert_eq!(job["metadata"]["team"], "data");
    }
}

#[test]
fn two_prunes_of_one_set_take_turns_and_the_end_state_is_one_file() {
    let stack = stack();
    let first = manifest(&jobs_file("shared", "first", 40));
    let second = manifest(&jobs_file("shared", "second", 40));
    let (code, _) = run_json(&mut sync_at(&stack.dkron_url, &first, &[]));
    assert_eq!(code, 0);
    let spawn = |file: &Manifest| {
        sync_at(
            &stack.dkron_url,
            file,
            &["--prune", "--prune-all", "--json"],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
    };
    for _ in 0..3 {
        let (a, b) = (spawn(&first), spawn(&second));
        let a: Value = serde_json::from_slice(&a.wait_with_output().unwrap().stdout).unwrap();
        let b: Value = serde_json::from_slice(&b.wait_with_output().unwrap().stdout).unwrap();
        assert_eq!(a["ok"], true, "{a:#}");
        assert_eq!(b["ok"], true, "{b:#}");
        // One of them waited for the other's lock, then planned against what it left.
        let waited = [&a, &b]
            .iter()
            .map(|envelope| envelope["result"]["lock"]["waitedMs"].as_u64().unwrap())
            .max()
            .unwrap();
        assert!(waited > 0, "one sync waited");
        let left: BTreeSet<String> = names(&stack.dkron_url, "first")
            .union(&names(&stack.dkron_url, "second"))
            .cloned()
            .collect();
        let only_first: BTreeSet<String> = (0..40).map(|i| format!("first-{i:04}")).collect();
        let only_second: BTreeSet<String> = (0..40).map(|i| format!("second-{i:04}")).collect();
        assert!(
            left == only_first || left == only_second,
            "the set is exactly one file, not a mix: {left:?}"
        );
    }
    // Another holder (a lock child in Dkron's queue, as a running sync leaves it): a sync that
    // will not wait is refused with its own code, naming the holder; once the holder's expiry
    // passes without renewal (it died), the lock is taken over.
    let client = reqwest::blocking::Client::new();
    let put = |job: Value| {
        let status = client
            .post(format!("{}/v1/jobs", stack.dkron_url))
            .json(&job)
            .send()
            .unwrap()
            .status();
        assert_eq!(status, 201, "{job}");
    };
    put(
        serde_json::json!({"name": "joelclaw-lock-shared", "schedule": "@manually",
        "disabled": true, "metadata": {"joelclaw-lock": "shared"}}),
    );
    let expires = (chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339();
    put(
        serde_json::json!({"name": "joelclaw-lock-shared-0000beef", "parent_job": "joelclaw-lock-shared",
        "disabled": true, "metadata": {"joelclaw-lock": "shared", "lock-holder": "ops@elsewhere pid 7",
        "lock-expires": expires}}),
    );
    let (code, refused) = run_json(&mut sync_at(
        &stack.dkron_url,
        &second,
        &["--prune", "--prune-all", "--lock-timeout", "1s"],
    ));
    assert_eq!(code, 1, "{refused:#}");
    assert_eq!(refused["error"]["code"], "RESTATE_CRON_SYNC_LOCKED");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ops@elsewhere pid 7"),
        "{refused:#}"
    );
    let (code, taken) = run_json(&mut sync_at(
        &stack.dkron_url,
        &second,
        &["--prune", "--prune-all", "--lock-timeout", "30s"],
    ));
    assert_eq!(code, 0, "the dead holder's lock expired: {taken:#}");
    assert!(names(&stack.dkron_url, "joelclaw-lock").is_empty());
}

#[test]
fn a_frozen_dkron_stops_the_sync_in_seconds_and_each_job_says_what_happened() {
    let _stack = stack();
    let dkron = DkronCluster::start(1);
    let url = dkron.url(0);
    let file = manifest(&jobs_file("frozen", "frozen", 250));
    let child = sync_at(
        &url,
        &file,
        &["--json", "--timeout", "2", "--concurrency", "4"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    wait_for("the sync to be under way", Duration::from_secs(30), || {
        (names(&url, "frozen").len() >= 20).then_some(())
    });
    dkron.signal(0, "-STOP");
    // A hang detector, not a timing assertion: the sync must end by itself. (Its output is read
    // on the side: a report bigger than a pipe would block it otherwise.)
    let (done, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output().unwrap()));
    let output = ended
        .recv_timeout(Duration::from_secs(120))
        .expect("the sync ends by itself");
    dkron.signal(0, "-CONT");
    let envelope: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{envelope:#}");
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_SYNC_STOPPED");
    assert_eq!(envelope["result"]["stopped"]["reason"], "repeated-failures");
    let results = results(&envelope);
    assert!(results["notAttempted"].as_u64().unwrap() > 100, "{results}");
    let written = results["written"].as_u64().unwrap();
    let total: u64 = ["written", "failed", "notAttempted", "unknown", "unverified"]
        .iter()
        .map(|key| results[*key].as_u64().unwrap())
        .sum();
    assert_eq!(total, 250, "every job has an outcome: {results}");
    // Those Dkron accepted before it froze cannot be read back while it is frozen: written,
    // not verified (never "failed").
    let accepted = written + results["unverified"].as_u64().unwrap();
    assert!(accepted >= 20, "{results}");
}

#[test]
fn a_prune_that_would_empty_the_set_is_refused_unless_meant() {
    let stack = stack();
    let full = manifest(&jobs_file("careful", "careful", 10));
    let (code, _) = run_json(&mut sync_at(&stack.dkron_url, &full, &[]));
    assert_eq!(code, 0);
    // A file that lists no jobs (an empty or truncated file looks the same).
    let empty = manifest("[defaults]\nset = \"careful\"\nrestate_url = \"http://restate:8080\"\n");
    let (code, refused) = run_json(&mut sync_at(&stack.dkron_url, &empty, &["--prune"]));
    assert_eq!(code, 2, "{refused:#}");
    assert_eq!(refused["error"]["code"], "RESTATE_CRON_PRUNE_REFUSED");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("lists no jobs")
    );
    assert_eq!(
        refused["result"]["pruneRefused"]["wouldDelete"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    assert_eq!(
        names(&stack.dkron_url, "careful").len(),
        10,
        "nothing deleted"
    );
    // Most of the set.
    let few = manifest(&jobs_file("careful", "careful", 3));
    let (code, refused) = run_json(&mut sync_at(&stack.dkron_url, &few, &["--prune"]));
    assert_eq!(code, 2);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("7 of the 10")
    );
    // The dry run plans it, and warns.
    let (code, planned) = run_json(&mut sync_at(
        &stack.dkron_url,
        &few,
        &["--prune", "--dry-run"],
    ));
    assert_eq!(code, 0);
    assert_eq!(planned["result"]["counts"]["delete"], 7);
    // Meant.
    let (code, pruned) = run_json(&mut sync_at(
        &stack.dkron_url,
        &few,
        &["--prune", "--prune-all"],
    ));
    assert_eq!(code, 0, "{pruned:#}");
    assert_eq!(results(&pruned)["deleted"], 7);
    assert_eq!(names(&stack.dkron_url, "careful").len(), 3);
}

#[test]
fn ctrl_c_mid_sync_reports_every_jobs_outcome_and_a_rerun_converges() {
    let stack = stack();
    let file = manifest(&jobs_file("stopped", "stopped", 1000));
    let child = sync_at(&stack.dkron_url, &file, &["--json", "--concurrency", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the sync to be under way", Duration::from_secs(30), || {
        (names(&stack.dkron_url, "stopped").len() >= 50).then_some(())
    });
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let envelope: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("one JSON document after Ctrl-C ({error})"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_INTERRUPTED");
    assert_eq!(envelope["result"]["stopped"]["reason"], "interrupted");
    let results = results(&envelope);
    let written = results["written"].as_u64().unwrap();
    assert!(written >= 50, "{results}");
    assert!(results["notAttempted"].as_u64().unwrap() > 0, "{results}");
    // What the report says was written, is.
    let stored = names(&stack.dkron_url, "stopped");
    for job in envelope["result"]["jobs"].as_array().unwrap() {
        if job["applied"] == "written" {
            assert!(stored.contains(job["name"].as_str().unwrap()), "{job:#}");
        }
        if job["applied"] == "not-attempted" {
            assert!(!stored.contains(job["name"].as_str().unwrap()), "{job:#}");
        }
    }
    assert!(
        names(&stack.dkron_url, "joelclaw-lock").is_empty(),
        "the lock was released"
    );
    let (code, rerun) = run_json(&mut sync_at(&stack.dkron_url, &file, &[]));
    assert_eq!(code, 0, "{rerun:#}");
    assert_eq!(names(&stack.dkron_url, "stopped").len(), 1000);
}
