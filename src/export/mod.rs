//! Export: live Dkron jobs as a `tier1.toml` that adopts them, and the proof that syncing it
//! back is a no-op.
//!
//! Three steps, a file each: [`entry`] expresses each live job as an entry (or says why it cannot
//! be one), [`document`] writes the entries as a TOML document (`toml_edit`), and [`export`] here
//! proves the result before it is handed out: each entry is loaded on its own (so a rejected one
//! names its own job), the whole file is loaded exactly as `sync-tier1` would load it and planned
//! against the very jobs it came from, each job must render the same inside the file as alone, and
//! the file with its comments must load again. So the result says, job by job, whether a sync of
//! the file would change anything (for jobs `sync-tier1` wrote, nothing). The command that prints
//! it is `crate::commands::export`.

mod document;
mod entry;

use std::collections::BTreeMap;

use serde::Serialize;

use self::document::{Defaults, document};
use self::entry::{Entry, express};
use crate::dkron::Job;
use crate::reconcile::{self, Action, Live, PlanOptions};
use crate::schedule_file::render::{FieldChange, Rendered, render};
use crate::schedule_file::{self, Manifest, Overrides};

/// One exported job.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedJob {
    pub name: String,
    pub managed: bool,
    /// The live job's set (managed jobs only).
    pub set: Option<String>,
    /// False when the job belongs to another owner or set: `sync-tier1 --force` adopts it.
    pub owned: bool,
    /// What `sync-tier1` (with `--force` for a job not owned) would do with the exported entry:
    /// `unchanged` or `update`.
    pub action: Action,
    /// The controlled fields a sync of the entry would change (secrets redacted).
    pub changes: Vec<FieldChange>,
    pub notes: Vec<String>,
}

/// A live job that cannot be written as a `tier1.toml` entry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    pub name: String,
    pub executor: String,
    pub reason: String,
}

/// An environment variable the file references instead of a secret header value.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvReference {
    pub variable: String,
    pub job: String,
    pub header: String,
    #[serde(skip)]
    pub(super) value: String,
}

/// What [`export`] produced.
#[derive(Debug)]
pub struct Export {
    pub text: String,
    pub jobs: Vec<ExportedJob>,
    pub skipped: Vec<Skipped>,
    pub environment: Vec<EnvReference>,
}

/// Exports `jobs` (sorted by name) into a `tier1.toml` of `set`; `scope` describes the selection
/// in the file's header comment.
pub fn export(jobs: &[Job], set: &str, scope: &str) -> anyhow::Result<Export> {
    let mut entries: Vec<(Entry, Rendered)> = Vec::new();
    let mut skipped = Vec::new();
    for job in jobs {
        let entry = express(job, set).and_then(|entry| {
            // Each entry on its own first, so a rejected one names its own job.
            let text = document(
                set,
                std::slice::from_ref(&entry),
                &Defaults::default(),
                &[],
                &[],
                "",
            );
            let manifest = load(&text, std::slice::from_ref(&entry))
                .map_err(|findings| findings.join("; "))?;
            Ok((entry, render(&manifest.jobs[0])))
        });
        match entry {
            Ok(entry) => entries.push(entry),
            Err(reason) => skipped.push(Skipped {
                name: job.name.clone(),
                executor: job.executor.clone(),
                reason,
            }),
        }
    }
    let (entries, renders): (Vec<Entry>, Vec<Rendered>) = entries.into_iter().unzip();
    let defaults = Defaults::common(&entries);
    let environment: Vec<EnvReference> = entries
        .iter()
        .flat_map(|entry| entry.secrets.iter().cloned())
        .collect();

    // Load the whole file as a sync would, and plan it against the jobs it came from.
    let plain = document(set, &entries, &defaults, &[], &skipped, scope);
    let manifest = load(&plain, &entries).map_err(|findings| {
        anyhow::anyhow!(
            "the exported file does not load (a bug in export): {}",
            findings.join("; ")
        )
    })?;
    for (def, alone) in manifest.jobs.iter().zip(&renders) {
        anyhow::ensure!(
            render(def) == *alone,
            "job {} renders differently inside the exported file (a bug in export)",
            def.name
        );
    }
    let live = Live {
        managed: jobs
            .iter()
            .filter(|job| job.is_managed())
            .map(|job| (job.name.clone(), job.clone()))
            .collect(),
        foreign: jobs
            .iter()
            .filter(|job| !job.is_managed())
            .map(|job| (job.name.clone(), job.clone()))
            .collect(),
    };
    let options = PlanOptions {
        set,
        whole_set: false,
        prune: false,
        force: true,
    };
    let items = reconcile::plan(&manifest.jobs, &live, options);
    let by_name: BTreeMap<&str, &Job> = jobs.iter().map(|job| (job.name.as_str(), job)).collect();
    let exported: Vec<ExportedJob> = items
        .into_iter()
        .zip(&entries)
        .map(|(item, entry)| {
            let job = by_name[item.name.as_str()];
            let mut notes = entry.notes.clone();
            notes.extend(item.reason.filter(|reason| reason.starts_with("paused")));
            ExportedJob {
                name: item.name,
                managed: job.is_managed(),
                set: job.set().map(str::to_string),
                owned: crate::ownership::Ownership::of(job, set).is_owned(),
                action: item.action,
                changes: item.changes,
                notes,
            }
        })
        .collect();
    let text = document(set, &entries, &defaults, &exported, &skipped, scope);
    let reloaded = load(&text, &entries).map_err(|findings| {
        anyhow::anyhow!(
            "the exported file does not load (a bug in export): {}",
            findings.join("; ")
        )
    })?;
    anyhow::ensure!(
        reloaded.jobs.len() == manifest.jobs.len(),
        "comments changed the exported file (a bug in export)"
    );
    Ok(Export {
        text,
        jobs: exported,
        skipped,
        environment,
    })
}

/// Loads exported text the way `sync-tier1` would, with the secrets of `entries` as the
/// environment; the findings as text on failure.
fn load(text: &str, entries: &[Entry]) -> Result<Manifest, Vec<String>> {
    let secrets: BTreeMap<&str, &str> = entries
        .iter()
        .flat_map(|entry| &entry.secrets)
        .map(|secret| (secret.variable.as_str(), secret.value.as_str()))
        .collect();
    let env = |name: &str| secrets.get(name).map(|value| value.to_string());
    schedule_file::parse(
        text,
        std::path::Path::new("tier1.toml"),
        &Overrides::default(),
        &env,
    )
    .map_err(|error| {
        error
            .findings
            .into_iter()
            .map(|finding| match finding.field {
                Some(field) => format!("`{field}`: {}", finding.message),
                None => finding.message,
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use self::entry::env_values;
    use super::*;
    use crate::schedule_file::parse;
    use std::path::Path;

    /// The jobs `sync-tier1` would write for a manifest, as Dkron stores them.
    fn written(source: &str, env: &dyn Fn(&str) -> Option<String>) -> Vec<Job> {
        let manifest = parse(source, Path::new("t.toml"), &Overrides::default(), env).unwrap();
        manifest
            .jobs
            .iter()
            .map(|def| render(def).onto(None))
            .collect()
    }

    /// Nothing skipped, and a sync of the export would change no job.
    fn assert_all_unchanged(export: &Export) {
        assert!(export.skipped.is_empty(), "{:?}", export.skipped);
        for job in &export.jobs {
            assert_eq!(
                job.action,
                Action::Unchanged,
                "{}: {:?}",
                job.name,
                job.changes
            );
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn shipped() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tier1.toml")).unwrap()
    }

    #[test]
    fn the_shipped_file_exports_into_the_same_jobs_with_shared_defaults() {
        let jobs = written(&shipped(), &no_env);
        let export = export(&jobs, "tier1", "test").unwrap();
        assert_all_unchanged(&export);
        assert_eq!(export.jobs.len(), 5);
        for job in &export.jobs {
            assert!(job.owned && job.notes.is_empty(), "{job:?}");
        }
        let text = &export.text;
        assert!(
            text.contains(
                "[defaults]\nset = \"tier1\"\nrestate_url = \"http://restate:8080\"\ntimezone = \"UTC\"\nretries = 2\ntimeout_seconds = 30\nheaders = { x-joelclaw-source = \"dkron\" }\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "[[jobs]]\nname = \"restate-health-check\"\ndisplay_name = \"Restate health check\"\nschedule = \"0 7 * * * *\"\nmigrated_from = \"check/system-health-signals-schedule\"\nservice = \"dagOrchestrator\"\nhandler = \"run\"\nbody = { pipeline = \"health\" }\n"
            ),
            "{text}"
        );
        // And the export of the export is the same file.
        let again = written(text, &no_env);
        assert_eq!(super::export(&again, "tier1", "test").unwrap().text, *text);
    }

    #[test]
    fn no_jobs_is_a_file_with_only_its_set() {
        let export = export(&[], "tier1", "").unwrap();
        assert_eq!(export.text, "[defaults]\nset = \"tier1\"\n");
        assert!(export.jobs.is_empty() && export.skipped.is_empty());
    }

    #[test]
    fn keys_bodies_secrets_and_overrides_survive_the_round_trip() {
        let source = r#"
[defaults]
set = "ops"
restate_url = "http://restate:8080/prefix"
[[jobs]]
name = "keyed"
schedule = "@every 90s"
timezone = "Europe/Berlin"
service = "counter"
key = "a b/c"
handler = "add"
body = { n = 1.5, list = [1, "two", { three = true }], "odd key" = "x" }
enabled = false
retries = 0
timeout_seconds = 5
headers = { authorization = "Bearer ${env:TOKEN}", "x-api-key" = "${env:KEY}", "x-plain" = "p" }
[[jobs]]
name = "other"
schedule = "@at 2027-01-01T00:00:00Z"
service = "s"
handler = "h"
restate_url = "https://elsewhere.example"
body = "just a string"
"#;
        let env = |name: &str| match name {
            "TOKEN" => Some("tok-123".to_string()),
            "KEY" => Some("k-456".to_string()),
            _ => None,
        };
        let jobs = written(source, &env);
        let export = export(&jobs, "ops", "test").unwrap();
        assert_all_unchanged(&export);
        let text = &export.text;
        assert!(
            !text.contains("tok-123") && !text.contains("k-456"),
            "{text}"
        );
        assert!(
            text.contains(r#"headers = { authorization = "Bearer ${env:TOKEN}", x-api-key = "${env:KEY}", x-plain = "p" }"#),
            "{text}"
        );
        assert!(text.contains("key = \"a b/c\"\n"), "{text}");
        assert!(
            text.contains("restate_url = \"https://elsewhere.example\"\n"),
            "{text}"
        );
        assert!(text.contains("body = \"just a string\"\n"), "{text}");
        let variables: Vec<&str> = export
            .environment
            .iter()
            .map(|reference| reference.variable.as_str())
            .collect();
        assert_eq!(variables, ["TOKEN", "KEY"]);
    }

    #[test]
    fn an_environment_value_is_written_as_its_reference_whatever_the_header_is_called() {
        let source = r#"
[defaults]
restate_url = "http://restate:8080"
[[jobs]]
name = "custom"
schedule = "@hourly"
service = "s"
handler = "h"
headers = { x-custom = "pre-${env:CUSTOM_SECRET}-post", x-two = "${env:A}:${env:B}" }
"#;
        let env = |name: &str| match name {
            "CUSTOM_SECRET" => Some("value-of-the-custom-secret".to_string()),
            _ => None,
        };
        let source = source.replace(", x-two = \"${env:A}:${env:B}\"", "");
        let jobs = written(&source, &env);
        let export = export(&jobs, "tier1", "test").unwrap();
        assert!(
            !export.text.contains("value-of-the-custom-secret"),
            "{}",
            export.text
        );
        assert!(
            export
                .text
                .contains(r#"headers = { x-custom = "pre-${env:CUSTOM_SECRET}-post" }"#),
            "{}",
            export.text
        );
        assert_all_unchanged(&export);
        assert_eq!(
            crate::redact::scrub("x value-of-the-custom-secret"),
            "x <redacted>"
        );
    }

    #[test]
    fn environment_values_are_split_by_their_template() {
        let values = env_values("Bearer ${env:T}", "Bearer abc").unwrap();
        assert_eq!(values, [("T".to_string(), "abc".to_string())]);
        let values = env_values("${env:A}-${env:B}", "x-y-z").unwrap();
        assert_eq!(values[0], ("A".to_string(), "x".to_string()));
        assert_eq!(values[1], ("B".to_string(), "y-z".to_string()));
        assert_eq!(env_values("${env:A}${env:B}", "xy"), None);
        assert_eq!(env_values("Bearer ${env:T}", "Basic abc"), None);
        assert_eq!(env_values("no reference", "no reference"), None);
    }

    fn foreign(name: &str, executor: &str, config: &[(&str, &str)]) -> Job {
        Job {
            id: name.to_string(),
            name: name.to_string(),
            schedule: "@every 1h".to_string(),
            timezone: "UTC".to_string(),
            executor: executor.to_string(),
            executor_config: config
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect(),
            ..Job::default()
        }
    }

    #[test]
    fn what_cannot_be_an_entry_is_skipped_with_the_reason() {
        let send = "http://restate:8080/s/h/send";
        let jobs = [
            foreign("a-shell", "shell", &[("command", "date")]),
            foreign(
                "b-query",
                "http",
                &[("url", "http://restate:8080/s/h/send?delay=1m")],
            ),
            foreign("c-not-send", "http", &[("url", "http://restate:8080/s/h")]),
            foreign(
                "d-null",
                "http",
                &[("url", send), ("body", r#"{"a":null}"#)],
            ),
            foreign("e-text", "http", &[("url", send), ("body", "hello")]),
            foreign(
                "f-header",
                "http",
                &[("url", send), ("headers", r#"["no-colon"]"#)],
            ),
            foreign("g-Upper", "http", &[("url", send)]),
        ];
        let export = export(&jobs, "tier1", "test").unwrap();
        assert!(export.jobs.is_empty(), "{:?}", export.jobs);
        let reasons: Vec<(&str, &str)> = export
            .skipped
            .iter()
            .map(|skipped| (skipped.name.as_str(), skipped.reason.as_str()))
            .collect();
        let expected = [
            ("a-shell", "executor `shell`"),
            ("b-query", "query or fragment"),
            ("c-not-send", "not a Restate"),
            ("d-null", "JSON null"),
            ("e-text", "not JSON"),
            ("f-header", "has no `:`"),
            ("g-Upper", "`name`:"),
        ];
        for ((name, reason), (want_name, want)) in reasons.iter().zip(expected) {
            assert_eq!(*name, want_name);
            assert!(reason.contains(want), "{name}: {reason}");
        }
        assert!(
            export
                .text
                .contains("#   `a-shell`: executor `shell`: tier1.toml describes HTTP jobs"),
            "{}",
            export.text
        );
    }

    #[test]
    fn a_hand_written_http_job_is_exported_with_what_a_sync_would_change() {
        let mut job = foreign(
            "hand-made",
            "http",
            &[
                ("method", "POST"),
                ("url", "http://restate:8080/svc/key1/run/send"),
                ("headers", r#"["content-type: application/json","x-a: 1"]"#),
                ("body", r#"{"b": 1, "a": 2}"#),
                ("timeout", "30s"),
            ],
        );
        job.schedule = "CRON_TZ=Europe/Berlin 0 0 6 * * *".to_string();
        job.timezone = String::new();
        let export = export(std::slice::from_ref(&job), "tier1", "test").unwrap();
        let exported = &export.jobs[0];
        assert!(!exported.owned && !exported.managed);
        assert_eq!(exported.action, Action::Update);
        let fields: Vec<&str> = exported
            .changes
            .iter()
            .map(|change| change.field.as_str())
            .filter(|field| !field.starts_with("metadata."))
            .collect();
        assert_eq!(
            fields,
            [
                "displayname",
                "schedule",
                "timezone",
                "executor_config.body",
                "executor_config.expectCode",
                "executor_config.timeout",
            ]
        );
        let text = &export.text;
        for expected in [
            "# note: the schedule's `CRON_TZ=Europe/Berlin` prefix is written as `timezone`\n",
            "# note: not managed by joelclaw; `sync-tier1 --force` adopts it into set `tier1`\n",
            "# sync-tier1 changes executor_config.expectCode: (none) -> \"202\"\n",
            "timezone = \"Europe/Berlin\"\n",
            "schedule = \"0 0 6 * * *\"\n",
            "service = \"svc\"\nhandler = \"run\"\nkey = \"key1\"\nbody = { a = 2, b = 1 }\n",
            "headers = { content-type = \"application/json\", x-a = \"1\" }\n",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
    }

    #[test]
    fn escapes_are_written_as_toml_escapes_and_read_back_exactly() {
        let tricky = "a\u{1b}]0;t\u{7}\u{202e}\"q\"\\'\u{85}\u{2028}z";
        let source = format!(
            "[defaults]\nrestate_url = \"http://restate:8080\"\n[[jobs]]\nname = \"tricky\"\ndisplay_name = {}\nschedule = \"@hourly\"\nservice = \"s\"\nhandler = \"h\"\nbody = {{ {} = {} }}\n",
            toml::Value::String(tricky.to_string()),
            toml::Value::String(tricky.to_string()),
            toml::Value::String(tricky.to_string()),
        );
        let jobs = written(&source, &no_env);
        let export = export(&jobs, "tier1", "test").unwrap();
        assert_all_unchanged(&export);
        assert_eq!(
            crate::terminal::safe_output(&export.text, false),
            export.text.as_str(),
            "the file holds a character a terminal would obey:\n{}",
            export.text
        );
        assert!(export.text.contains("\\u202E"), "{}", export.text);
        let again = written(&export.text, &no_env);
        assert_eq!(again[0].displayname, tricky);
        assert_eq!(
            again[0].executor_config["body"],
            serde_json::json!({ tricky: tricky }).to_string()
        );
    }
}
