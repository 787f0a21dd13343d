//! Fuzz targets for what reads untrusted text: the `tier1.toml` loader, the cron parser and
//! evaluator (written and live schedules), header parsing and `${env:…}` interpolation.
//!
//! cargo-fuzz needs a nightly toolchain and libFuzzer, which this project does not require, so
//! the targets are proptest strategies run at volume on stable Rust: each target first replays
//! its committed corpus (`testkit/fuzz-corpus/<target>.txt`: seeds and every input that once
//! failed, one JSON string a line), then generates inputs — structured near the grammar and
//! mutated past it — for a bounded time, checking that nothing panics and that the documented
//! invariants hold (every finding has a line; an accepted header is valid HTTP; an interpolated
//! value is registered for redaction). A failing input is printed as a corpus line and the target
//! fails. `scripts/fuzz [SECONDS]` runs each target in a release build and reports executions
//! (`JOELCLAW_FUZZ_SECONDS` per target, `JOELCLAW_FUZZ_SEED` replays a run). Targets are
//! `#[ignore]`d in plain `cargo test`, which replays only the corpora.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::schedule::{LiveSchedule, Schedule, parse_zone};
use crate::schedule_file::{self, Overrides};

/// Runs `check` on every corpus line of `target`, then on generated inputs until the budget is
/// spent; returns the number of executions. Panics (and failed checks) are findings.
fn fuzz(
    target: &str,
    budget: Duration,
    strategy: BoxedStrategy<String>,
    check: impl Fn(&str) -> Result<(), String>,
) -> u64 {
    let corpus_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testkit/fuzz-corpus")
        .join(format!("{target}.txt"));
    let corpus: Vec<String> = std::fs::read_to_string(&corpus_path)
        .unwrap_or_else(|error| panic!("{}: {error}", corpus_path.display()))
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{line}: {error}")))
        .collect();
    let mut findings = Vec::new();
    let mut executions = 0u64;
    let mut run_one = |input: &str, findings: &mut Vec<String>| {
        executions += 1;
        let outcome = catch_unwind(AssertUnwindSafe(|| check(input)));
        let problem = match outcome {
            Ok(Ok(())) => return,
            Ok(Err(problem)) => problem,
            Err(panic) => format!(
                "panicked: {}",
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|text| text.to_string()))
                    .unwrap_or_default()
            ),
        };
        findings.push(format!(
            "{problem}\n  corpus line: {}",
            serde_json::to_string(input).expect("strings serialize")
        ));
    };
    for input in &corpus {
        run_one(input, &mut findings);
    }
    let (mut runner, seed) = seeded_runner();
    let started = Instant::now();
    // The clock is read once per batch: reading it per input costs more than a small input.
    while started.elapsed() < budget && findings.len() < 5 {
        for _ in 0..256 {
            let input = strategy.new_tree(&mut runner).expect("an input").current();
            run_one(&input, &mut findings);
        }
    }
    // Quiet hooks would hide the panic text; the count line is what scripts/fuzz reads.
    println!(
        "fuzz {target}: {executions} executions in {:.1} s ({} corpus), {} findings, seed {seed}",
        started.elapsed().as_secs_f64(),
        corpus.len(),
        findings.len()
    );
    assert!(
        findings.is_empty(),
        "fuzz {target} (replay with JOELCLAW_FUZZ_SEED={seed}):\n{}",
        findings.join("\n")
    );
    executions
}

/// A proptest runner seeded from `JOELCLAW_FUZZ_SEED` (to replay a run), else from the clock;
/// the seed is returned so a run can print it. Shared by every fuzz target of the crate.
pub(crate) fn seeded_runner() -> (TestRunner, u64) {
    let seed: u64 = std::env::var("JOELCLAW_FUZZ_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| {
            Utc::now()
                .timestamp_nanos_opt()
                .unwrap_or_default()
                .unsigned_abs()
        });
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    (runner, seed)
}

fn budget() -> Duration {
    if CORPUS_ONLY.with(std::cell::Cell::get) {
        return Duration::ZERO;
    }
    Duration::from_secs_f64(
        std::env::var("JOELCLAW_FUZZ_SECONDS")
            .ok()
            .and_then(|seconds| seconds.parse().ok())
            .unwrap_or(5.0),
    )
}

/// Text near a grammar: pieces of it, joined, sometimes with a random character or byte-ish
/// noise spliced in.
fn near(pieces: &'static [&'static str], max: usize) -> BoxedStrategy<String> {
    let piece = prop_oneof![
        8 => proptest::sample::select(pieces).prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string()),
        1 => "[\\x00-\\x1f\\x7f\"'\\\\{}\\[\\]=,.#:$\u{202e}\u{ff}]{1,3}",
        1 => "[a-z0-9_-]{1,12}",
    ];
    proptest::collection::vec(piece, 0..max)
        .prop_map(|pieces| pieces.concat())
        .boxed()
}

const TOML_PIECES: &[&str] = &[
    "[defaults]\n",
    "[[jobs]]\n",
    "\n",
    "name = ",
    "schedule = ",
    "service = ",
    "handler = ",
    "key = ",
    "timezone = ",
    "restate_url = ",
    "retries = ",
    "timeout_seconds = ",
    "headers = ",
    "body = ",
    "body_file = ",
    "enabled = ",
    "display_name = ",
    "migrated_from = ",
    "set = ",
    "schedul = ",
    "\"j\"",
    "\"a\"",
    "\"dagOrchestrator\"",
    "\"run\"",
    "\"@every 1s\"",
    "\"7 * * * *\"",
    "\"0 0 6 * * *\"",
    "\"@at 2027-01-01T00:00:00Z\"",
    "\"UTC\"",
    "\"Europe/Berlin\"",
    "\"http://restate:8080\"",
    "\"ftp://x\"",
    "2",
    "-1",
    "99999999999999999999",
    "1.5",
    "true",
    "{ a = 1 }",
    "{ x-a = \"b\" }",
    "{ authorization = \"Bearer ${env:T}\" }",
    "\"${env:\"",
    "\"${env:}\"",
    "[1, \"two\"]",
    "[[[[[[",
    "]]]]]]",
    "{",
    "}",
    "'lit'",
    "\"\"\"multi\nline\"\"\"",
    "\"\\u001b[2J\"",
    "\"..\"",
    "\".\"",
    "\"a/b\"",
    "# comment\n",
    "jobs = 1\n",
    "defaults = \"x\"\n",
    "\"/dev/null\"",
];

#[test]
#[ignore = "fuzz target: scripts/fuzz runs it for a bounded time"]
fn fuzz_manifest_loader() {
    let env = |name: &str| (name == "T").then(|| "t0ken-value".to_string());
    let strategy = prop_oneof![
        9 => near(TOML_PIECES, 60),
        1 => any::<String>(),
    ]
    .boxed();
    fuzz(
        "manifest-loader",
        budget(),
        strategy,
        |source| match schedule_file::parse(
            source,
            Path::new("fuzz.toml"),
            &Overrides::default(),
            &env,
        ) {
            Ok(manifest) => {
                for job in &manifest.jobs {
                    schedule_file::check_name(&job.name)?;
                    let _ = schedule_file::render::render(job);
                }
                Ok(())
            }
            Err(error) => {
                if error.findings.is_empty() {
                    return Err("an error without findings".to_string());
                }
                match error.findings.iter().find(|finding| finding.line.is_none()) {
                    Some(finding) => Err(format!("a finding without a line: {finding}")),
                    None => Ok(()),
                }
            }
        },
    );
}

const CRON_PIECES: &[&str] = &[
    "*",
    "?",
    "/",
    "-",
    ",",
    " ",
    "  ",
    "\t",
    "0",
    "1",
    "5",
    "7",
    "12",
    "23",
    "30",
    "31",
    "59",
    "60",
    "61",
    "99999999999999999999",
    "JAN",
    "dec",
    "MON",
    "sun",
    "L",
    "W",
    "#",
    "~",
    "@every ",
    "@daily",
    "@hourly",
    "@yearly",
    "@weekly",
    "@monthly",
    "@midnight",
    "@minutely",
    "@manually",
    "@at ",
    "2027-03-14T02:30:00Z",
    "1s",
    "90m",
    "1h30m",
    "-1s",
    "0",
    "1.5h",
    "CRON_TZ=",
    "TZ=",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Local",
    "Bad/Zone",
    "*/15",
    "1-5",
    "0 0 6 * * *",
    "7 * * * *",
];

#[test]
#[ignore = "fuzz target: scripts/fuzz runs it for a bounded time"]
fn fuzz_cron_parser_and_evaluator() {
    let zones = [
        "UTC",
        "America/New_York",
        "Europe/Berlin",
        "Australia/Lord_Howe",
        "America/Havana",
        "Asia/Kolkata",
        "",
    ];
    let strategy = prop_oneof![
        9 => near(CRON_PIECES, 12),
        1 => any::<String>(),
    ]
    .boxed();
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    fuzz("cron", budget(), strategy, |spec| {
        // The written schedule of tier1.toml, evaluated in several zones from a start that the
        // spec's own length picks (deterministic for a corpus line).
        let offset = chrono::Duration::hours((spec.len() as i64 * 7919) % (24 * 365 * 3));
        let from: DateTime<Utc> = start + offset;
        if let Ok(schedule) = Schedule::parse(spec) {
            let zone = parse_zone(zones[spec.len() % 6]).expect("a known zone");
            let fires = schedule.next_fires(zone, from, 3);
            if fires.windows(2).any(|pair| pair[0] >= pair[1]) {
                return Err(format!("fires out of order: {fires:?}"));
            }
            if fires
                .first()
                .is_some_and(|first| first.with_timezone(&Utc) <= from)
            {
                return Err(format!("a fire at or before the start: {fires:?}"));
            }
        }
        // The live schedule as Dkron stores it, with a job timezone.
        let zone = zones[spec.len() % zones.len()];
        if let Ok(live) = LiveSchedule::parse("fuzz-job", spec, zone, chrono_tz::Tz::UTC) {
            let fires = live.fires(from, 3);
            if fires.windows(2).any(|pair| pair[0] >= pair[1]) {
                return Err(format!("live fires out of order: {fires:?}"));
            }
        }
        Ok(())
    });
}

const HEADER_PIECES: &[&str] = &[
    "x-",
    "a",
    "Z",
    "9",
    "-",
    "_",
    ".",
    "!",
    "#",
    "$",
    "%",
    "&",
    "'",
    "*",
    "+",
    "^",
    "`",
    "|",
    "~",
    ":",
    " ",
    "\t",
    "\r",
    "\n",
    "\0",
    "\u{7f}",
    "\u{1b}",
    "é",
    "\u{202e}",
    "(",
    ")",
    ",",
    "/",
    ";",
    "<",
    "=",
    ">",
    "?",
    "@",
    "[",
    "\\",
    "]",
    "{",
    "}",
    "\"",
    "${env:T}",
    "${env:",
    "${env:}",
    "Bearer ",
    "application/json",
    "content-type",
];

#[test]
#[ignore = "fuzz target: scripts/fuzz runs it for a bounded time"]
fn fuzz_header_parsing() {
    let env = |name: &str| match name {
        "T" => Some("secret-token".to_string()),
        _ => None,
    };
    // One input: name, a NUL-free separator, value.
    let strategy = (near(HEADER_PIECES, 6), near(HEADER_PIECES, 10))
        .prop_map(|(name, value)| format!("{name}\u{1}{value}"))
        .boxed();
    fuzz("header", budget(), strategy, |input| {
        let (name, value) = input.split_once('\u{1}').unwrap_or((input, ""));
        let Ok(header) = schedule_file::resolve_header(name, value, &env) else {
            return Ok(());
        };
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if header.name.is_empty() || !header.name.chars().all(token) {
            return Err(format!("accepted the name {:?}", header.name));
        }
        if header
            .value
            .chars()
            .any(|c| (c.is_ascii_control() && c != '\t') || c == ':')
        {
            return Err(format!("accepted the value {:?}", header.value));
        }
        // The shown value never holds the environment's value.
        if header.display_value().contains("secret-token") {
            return Err(format!("the display value shows the secret: {header:?}"));
        }
        Ok(())
    });
}

#[test]
#[ignore = "fuzz target: scripts/fuzz runs it for a bounded time"]
fn fuzz_env_interpolation() {
    let strategy = near(
        &[
            "${env:",
            "}",
            "A",
            "B",
            "LONG_NAME",
            "${env:A}",
            "${env:B}",
            "${env:MISSING}",
            "${env:}",
            "$",
            "{",
            "env:",
            "x",
            " ",
            "é",
            "\u{202e}",
        ],
        12,
    );
    fuzz("env", budget(), strategy, |template| {
        let env = |name: &str| match name {
            "A" => Some("value-of-a".to_string()),
            "B" => Some("${env:A}".to_string()),
            "LONG_NAME" => Some(String::new()),
            _ => None,
        };
        match schedule_file::substitute_env(template, &env) {
            Ok((resolved, first, secrets)) => {
                if !template.contains("${env:") && resolved != template {
                    return Err(format!(
                        "changed a template without references: {resolved:?}"
                    ));
                }
                if template.contains("${env:") && first.is_none() {
                    return Err("a reference was substituted but none is recorded".to_string());
                }
                // A value is substituted once: `B`'s value is not expanded again.
                if template.contains("${env:B}") && !resolved.contains("${env:A}") {
                    return Err(format!("expanded a value a second time: {resolved:?}"));
                }
                for secret in secrets
                    .iter()
                    .filter(|secret| secret.len() >= crate::redact::MIN_LEN)
                {
                    if crate::redact::scrub(secret) != crate::redact::MASK {
                        return Err(format!("{secret:?} was not registered for redaction"));
                    }
                }
                Ok(())
            }
            Err(message) if message.contains("value-of-a") => {
                Err(format!("an error shows a value: {message}"))
            }
            Err(_) => Ok(()),
        }
    });
}

/// Plain `cargo test` replays every corpus (a regression test), with no generated input.
#[test]
fn the_fuzz_corpora_replay_clean() {
    CORPUS_ONLY.with(|only| only.set(true));
    fuzz_manifest_loader();
    fuzz_cron_parser_and_evaluator();
    fuzz_header_parsing();
    fuzz_env_interpolation();
}

thread_local! {
    /// Set by the replay test: targets run their corpus and generate nothing.
    static CORPUS_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}
