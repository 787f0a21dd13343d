//! The differential fuzz target: random specs, generated within robfig's grammar and just outside
//! it, through both robfig/cron v3.0.1 (the Go oracle in testkit/cron-oracle, one long-running
//! `serve` process answering JSON lines) and the Rust port, for a bounded time. Every spec must
//! be accepted or refused by both (refused with robfig's words), and an accepted one must fire at
//! the same instants. A disagreement is shrunk to a small spec before it is reported.
//!
//! It needs Go, so it is `#[ignore]`d in plain `cargo test`; `scripts/cron-fuzz [SECONDS]` builds
//! the oracle and runs it (`JOELCLAW_CRON_ORACLE` names the binary, `JOELCLAW_FUZZ_SECONDS` the
//! budget, `JOELCLAW_FUZZ_SEED` replays a run), and `scripts/test` runs it briefly.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

use serde::Deserialize;

use super::oracle::{self, Verdict};

/// Fires compared per spec.
const FIRES: usize = 3;
/// Requests in flight at once: small enough that neither pipe fills while the other is written.
const BATCH: usize = 100;

/// One generated input.
#[derive(Debug, Clone)]
struct Case {
    spec: String,
    from: DateTime<Utc>,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    fires: Vec<String>,
    error: Option<String>,
}

/// The Go side: `cron-oracle serve`.
struct Oracle {
    child: Child,
    requests: BufWriter<ChildStdin>,
    answers: BufReader<ChildStdout>,
}

impl Oracle {
    fn spawn(binary: &str) -> Self {
        let mut child = Command::new(binary)
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start the cron oracle {binary}: {error}"));
        let requests = BufWriter::new(child.stdin.take().expect("piped stdin"));
        let answers = BufReader::new(child.stdout.take().expect("piped stdout"));
        Self {
            child,
            requests,
            answers,
        }
    }

    fn ask(&mut self, cases: &[Case]) -> Vec<Answer> {
        for case in cases {
            let request = serde_json::json!({
                "spec": case.spec,
                "from": case.from.to_rfc3339_opts(SecondsFormat::AutoSi, true),
                "count": FIRES,
            });
            writeln!(self.requests, "{request}").expect("the oracle reads its requests");
        }
        self.requests
            .flush()
            .expect("the oracle reads its requests");
        cases
            .iter()
            .map(|_| {
                let mut line = String::new();
                self.answers
                    .read_line(&mut line)
                    .expect("the oracle answers");
                serde_json::from_str(&line)
                    .unwrap_or_else(|error| panic!("oracle answer {line:?}: {error}"))
            })
            .collect()
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn judge(case: &Case, robfig: &Answer) -> Verdict {
    let answer = match &robfig.error {
        Some(error) => Err(error.as_str()),
        None => Ok(robfig.fires.as_slice()),
    };
    oracle::judge(&case.spec, case.from, answer, FIRES)
}

// ---- the generator ----

const ZONES: &[&str] = &[
    "UTC",
    "Local",
    "",
    "America/Los_Angeles",
    "America/New_York",
    "America/Santiago",
    "America/Havana",
    "America/St_Johns",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Africa/Casablanca",
    "Mars/Olympus",
    "america/new_york",
];

/// Bounds of the six fields, seconds first, and the names two of them take.
const BOUNDS: [(i64, i64, &[&str]); 6] = [
    (0, 59, &[]),
    (0, 59, &[]),
    (0, 23, &[]),
    (1, 31, &[]),
    (1, 12, &["JAN", "feb", "Mar", "DEC", "JANUARY"]),
    (0, 6, &["SUN", "mon", "Fri", "SAT", "SUNDAY"]),
];

/// A number of a field bounded by `min` and `max`; `noisy` adds near misses and odd spellings.
fn number(min: i64, max: i64, noisy: bool) -> BoxedStrategy<String> {
    if !noisy {
        return (min..=max).prop_map(|n| n.to_string()).boxed();
    }
    prop_oneof![
        4 => (min..=max).prop_map(|n| n.to_string()),
        2 => (min - 2..=max + 2).prop_map(|n| n.to_string()),
        1 => prop::sample::select(vec!["007", "+3", "-0", "4294967296", "99999999999999999999"])
            .prop_map(str::to_string),
    ]
    .boxed()
}

fn value(index: usize, noisy: bool) -> BoxedStrategy<String> {
    let (min, max, names) = BOUNDS[index];
    if names.is_empty() {
        return number(min, max, noisy);
    }
    let names: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| noisy || name.len() == 3)
        .collect();
    prop_oneof![
        3 => number(min, max, noisy),
        1 => prop::sample::select(names).prop_map(str::to_string),
    ]
    .boxed()
}

fn step(noisy: bool) -> BoxedStrategy<String> {
    if !noisy {
        return (1i64..=70).prop_map(|n| n.to_string()).boxed();
    }
    prop_oneof![
        4 => (1i64..=70).prop_map(|n| n.to_string()),
        1 => prop::sample::select(vec!["0", "-1", "+2", "x", "", "99999999999"]).prop_map(str::to_string),
    ]
    .boxed()
}

/// One comma-separated part of field `index`.
fn part(index: usize, noisy: bool) -> BoxedStrategy<String> {
    let (min, max, _) = BOUNDS[index];
    // Clean ranges run forwards; noisy ones may not.
    let range = if noisy {
        (value(index, true), value(index, true))
            .prop_map(|(low, high)| format!("{low}-{high}"))
            .boxed()
    } else {
        (min..=max, min..=max)
            .prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b)))
            .boxed()
    };
    let start = prop_oneof![
        2 => Just("*".to_string()),
        1 => Just("?".to_string()),
        4 => value(index, noisy),
        3 => range,
    ];
    let clean = prop_oneof![
        3 => start.clone(),
        1 => (start, step(noisy)).prop_map(|(range, step)| format!("{range}/{step}")),
    ];
    if !noisy {
        return clean.boxed();
    }
    prop_oneof![
        12 => clean,
        1 => prop::sample::select(vec![
            "", "L", "1#2", "~", "*-5", "?x", "1-2-3", "1/2/3", "5L", "W", "-5", "*/", "/5",
        ])
        .prop_map(str::to_string),
    ]
    .boxed()
}

fn field(index: usize, noisy: bool) -> BoxedStrategy<String> {
    let parts = prop_oneof![4 => Just(1usize), 1 => 2usize..=3];
    parts
        .prop_flat_map(move |count| prop::collection::vec(part(index, noisy), count))
        .prop_map(|parts| parts.join(","))
        .boxed()
}

/// Six fields: mostly clean (so most specs are accepted and their fires compared), sometimes one
/// noisy field, a few times all noisy or a field too few or too many.
fn fields() -> BoxedStrategy<String> {
    let shape = 0..20u8;
    (shape, 0..6usize)
        .prop_flat_map(|(shape, noisy_field)| {
            let six = (0..6)
                .map(|index| field(index, shape < 2 || (shape < 8 && index == noisy_field)))
                .collect::<Vec<_>>();
            let separator = prop_oneof![12 => Just(" "), 1 => Just("  "), 1 => Just("\t")];
            (six, separator, Just(shape))
        })
        .prop_map(|(mut fields, separator, shape)| {
            match shape {
                0 => {
                    fields.pop();
                }
                1 => fields.push("*".to_string()),
                _ => {}
            }
            fields.join(separator)
        })
        .boxed()
}

fn duration() -> BoxedStrategy<String> {
    prop_oneof![
        6 => "[+-]?([0-9]{0,3}(\\.[0-9]{0,2})?(ns|us|µs|ms|s|m|h|x|)){1,3}",
        1 => prop::sample::select(vec!["0", "", "1e3s", "99999999999999999999h", "2562048h", "1s "])
            .prop_map(str::to_string),
    ]
    .boxed()
}

fn descriptor() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
            "@DAILY", "@reboot", "@minutely", "@manually", "@daily ", "@every",
        ])
        .prop_map(str::to_string),
        2 => duration().prop_map(|duration| format!("@every {duration}")),
    ]
    .boxed()
}

fn spec() -> BoxedStrategy<String> {
    let zone = prop::sample::select(ZONES.to_vec());
    let prefix = prop_oneof![
        5 => Just(String::new()),
        4 => zone.clone().prop_map(|zone| format!("CRON_TZ={zone} ")),
        1 => zone.prop_map(|zone| format!("TZ={zone} ")),
    ];
    let body = prop_oneof![6 => fields(), 1 => descriptor()];
    (prefix, body)
        .prop_map(|(prefix, body)| format!("{prefix}{body}"))
        .boxed()
}

fn case() -> BoxedStrategy<Case> {
    // 2026 to 2045: across the year zoneinfo files stop listing transitions (2037).
    let seconds = 1_767_225_600i64..2_366_841_600;
    let nanos = prop_oneof![3 => Just(0u32), 1 => 0u32..1_000_000_000];
    (spec(), seconds, nanos)
        .prop_map(|(spec, seconds, nanos)| Case {
            spec,
            from: DateTime::from_timestamp(seconds, nanos).expect("in range"),
        })
        .boxed()
}

/// Shrinks a disagreeing case as proptest would: simplify while it still disagrees.
fn shrink(oracle: &mut Oracle, mut tree: impl ValueTree<Value = Case>) -> (Case, String) {
    let disagreement = |oracle: &mut Oracle, case: &Case| {
        let answer = oracle.ask(std::slice::from_ref(case));
        match judge(case, &answer[0]) {
            Verdict::Disagree(why) => Some(why),
            _ => None,
        }
    };
    let mut smallest = tree.current();
    let mut why = disagreement(oracle, &smallest).unwrap_or_default();
    for _ in 0..2_000 {
        let simpler = if tree.simplify() {
            tree.current()
        } else {
            break;
        };
        match disagreement(oracle, &simpler) {
            Some(reason) => (smallest, why) = (simpler, reason),
            None if !tree.complicate() => break,
            None => {}
        }
    }
    (smallest, why)
}

#[test]
#[ignore = "needs Go: run scripts/cron-fuzz"]
fn random_specs_agree_with_robfig() {
    let binary = std::env::var("JOELCLAW_CRON_ORACLE").expect(
        "JOELCLAW_CRON_ORACLE is not set: run scripts/cron-fuzz, which builds the Go oracle",
    );
    let budget = Duration::from_secs(
        std::env::var("JOELCLAW_FUZZ_SECONDS")
            .ok()
            .and_then(|seconds| seconds.parse().ok())
            .unwrap_or(10),
    );
    let (mut runner, seed) = crate::fuzz::seeded_runner();
    let mut oracle = Oracle::spawn(&binary);
    let strategy = case();
    let started = Instant::now();
    let (mut executions, mut accepted, mut refused) = (0u64, 0u64, 0u64);
    let mut fires = 0usize;
    let mut disagreements = Vec::new();
    while started.elapsed() < budget && disagreements.len() < 5 {
        let trees: Vec<_> = (0..BATCH)
            .map(|_| strategy.new_tree(&mut runner).expect("a case"))
            .collect();
        let cases: Vec<Case> = trees.iter().map(ValueTree::current).collect();
        let answers = oracle.ask(&cases);
        for ((tree, case), answer) in trees.into_iter().zip(&cases).zip(&answers) {
            executions += 1;
            match judge(case, answer) {
                Verdict::Accepted => {
                    accepted += 1;
                    fires += answer.fires.len();
                }
                Verdict::Refused => refused += 1,
                Verdict::Disagree(_) => {
                    let (smallest, why) = shrink(&mut oracle, tree);
                    disagreements.push(format!(
                        "{:?} after {}: {why}",
                        smallest.spec,
                        smallest.from.to_rfc3339_opts(SecondsFormat::AutoSi, true)
                    ));
                }
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "cron fuzz: {executions} specs in {seconds:.1} s ({:.0}/s, seed {seed}): {accepted} accepted by both ({fires} fires compared), {refused} refused by both, {} disagreement(s)",
        executions as f64 / seconds,
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "the Rust port disagrees with robfig (replay with JOELCLAW_FUZZ_SEED={seed}):\n{}",
        disagreements.join("\n")
    );
    assert!(
        accepted > 0 && refused > 0,
        "the generator covers both sides"
    );
}
