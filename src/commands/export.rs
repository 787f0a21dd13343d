//! `export`: write live Dkron jobs as `tier1.toml` entries, so jobs that already exist can be
//! adopted by the file.
//!
//! Each live job is mapped back to the fields of an entry: the `/send` URL into `restate_url`,
//! `service`, `key` and `handler`; the headers minus the implied `Content-Type: application/json`;
//! the JSON body into a TOML value; the schedule as Dkron stores it (six fields or a descriptor). A
//! job that cannot be an entry (another executor, a URL that is not a Restate `/send` call, a body
//! TOML cannot hold, a value the manifest rejects) is listed with the reason instead, as a comment
//! in the file and in `result.skipped`.
//!
//! Every entry is proved before it is printed: the exported text is loaded like any `tier1.toml`
//! and planned against the very jobs it came from, exactly as `sync-tier1` would plan it. So the
//! result says, job by job, whether a sync of the file would change anything (and what); for jobs
//! `sync-tier1` wrote, nothing. Header values that look like secrets are not written: they become
//! `${env:JOELCLAW_<JOB>_<HEADER>}` references, listed for the operator to set before syncing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Serialize;

use super::Context;
use crate::dkron::{ENV_HEADERS_KEY, Job, MANAGED_BY_KEY, MANAGED_BY_VALUE, MIGRATED_FROM_KEY};
use crate::error::{CliError, ErrorKind};
use crate::manifests::render::{FieldChange, Rendered, render};
use crate::manifests::{self, Manifest, Overrides};
use crate::output::Report;
use crate::reconcile::{self, Action, Live, PlanOptions};
use crate::restate::target::RestateTarget;
use crate::tunnel::AccessInfo;

/// The set written when no managed job names one.
const DEFAULT_SET: &str = "tier1";
/// Dkron's HTTP executor timeout when `timeout` is absent or not whole seconds.
const DKRON_DEFAULT_TIMEOUT: u32 = 30;

/// Write live Dkron jobs as tier1.toml entries, to adopt jobs that already exist.
///
/// By default the jobs joelclaw manages (they must share one set, or pass --set); --set NAME the
/// managed jobs of that set; --all every job, written into the set of --set (or the one set the
/// managed jobs share, else `tier1`). Jobs that cannot be expressed in tier1.toml (not an HTTP job
/// POSTing to a Restate `/send` URL, a body TOML cannot hold) are listed as comments with the
/// reason. Secret-looking header values become ${env:…} references. Exporting jobs sync-tier1
/// wrote and syncing the file back changes nothing.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Export every Dkron job, not only the ones joelclaw manages (jobs of another owner need
    /// `sync-tier1 --force` to be adopted).
    #[arg(long)]
    pub all: bool,

    /// The file's set: export the managed jobs of this set (with --all: every job, into this set).
    #[arg(long, value_name = "NAME", value_parser = crate::ownership::set_arg)]
    pub set: Option<String>,

    /// Write the file here instead of printing it (an existing file is replaced).
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

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
    value: String,
}

#[derive(Debug, Default, Serialize)]
pub struct ExportCounts {
    pub exported: usize,
    pub skipped: usize,
    pub unchanged: usize,
    /// Exported jobs a sync of the file would rewrite.
    pub changed: usize,
    /// Exported jobs another owner or set holds (`sync-tier1 --force` adopts them).
    pub adopt: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    #[serde(flatten)]
    pub access: AccessInfo,
    pub all: bool,
    pub set: String,
    /// Where the file was written; `null` when printed.
    pub output: Option<String>,
    pub counts: ExportCounts,
    pub jobs: Vec<ExportedJob>,
    pub skipped: Vec<Skipped>,
    pub environment: Vec<EnvReference>,
    /// The file's text.
    pub toml: String,
}

pub async fn run(context: &Context, args: ExportArgs) -> anyhow::Result<Report> {
    let ExportArgs { all, set, output } = args;
    let access = context.dkron().await?;
    let mut jobs = if all {
        access.client.list_jobs(&[]).await?
    } else {
        let mut managed = access
            .client
            .list_jobs(&[(MANAGED_BY_KEY, MANAGED_BY_VALUE)])
            .await?;
        managed.retain(|job| {
            job.is_managed() && set.as_deref().is_none_or(|set| job.set() == Some(set))
        });
        managed
    };
    jobs.sort_by(|a, b| a.name.cmp(&b.name));
    let set = match set {
        Some(set) => set,
        None => {
            let sets: BTreeSet<&str> = jobs.iter().filter_map(Job::set).collect();
            match sets.len() {
                0 => DEFAULT_SET.to_string(),
                1 => sets.first().expect("one set").to_string(),
                _ => {
                    let names: Vec<String> = sets.iter().map(|set| format!("`{set}`")).collect();
                    return Err(CliError::new(
                        ErrorKind::Usage,
                        format!(
                            "the managed jobs belong to several sets ({}); a tier1.toml has one",
                            names.join(", ")
                        ),
                    )
                    .hint("pass --set NAME to export one of them")
                    .into());
                }
            }
        }
    };
    let scope = if all {
        format!("every Dkron job, written into set `{set}`")
    } else {
        format!("the jobs of set `{set}`")
    };
    let export = export(&jobs, &set, &scope)?;
    if let Some(path) = &output {
        std::fs::write(path, &export.text).map_err(|error| {
            CliError::new(
                ErrorKind::Failed,
                format!("cannot write {}: {error}", path.display()),
            )
        })?;
    }
    let mut counts = ExportCounts {
        exported: export.jobs.len(),
        skipped: export.skipped.len(),
        ..ExportCounts::default()
    };
    for job in &export.jobs {
        match job.action {
            Action::Unchanged => counts.unchanged += 1,
            _ => counts.changed += 1,
        }
        if !job.owned {
            counts.adopt += 1;
        }
    }
    let result = ExportResult {
        access: access.info.clone(),
        all,
        set,
        output: output.as_ref().map(|path| path.display().to_string()),
        counts,
        jobs: export.jobs,
        skipped: export.skipped,
        environment: export.environment,
        toml: export.text,
    };
    let summary = summary(&result);
    let human = match &result.output {
        // Printed, the file is the output (`export > tier1.toml`); the summary goes to stderr.
        None => {
            context.printer.note(&summary);
            result.toml.clone()
        }
        Some(_) => summary,
    };
    let file = result.output.as_deref().unwrap_or("tier1.toml").to_string();
    Ok(Report::new(&result, human)
        .next(
            format!("joelclaw restate cron validate --file {file}"),
            "check the exported file offline",
        )
        .next(
            format!("joelclaw restate cron sync-tier1 --dry-run --file {file}"),
            "see what a sync of the file would change (nothing, for jobs sync-tier1 wrote)",
        ))
}

fn summary(result: &ExportResult) -> String {
    let counts = &result.counts;
    let mut text = match &result.output {
        Some(path) => format!(
            "Wrote {} job(s) of set `{}` to {path}",
            counts.exported, result.set
        ),
        None => format!(
            "Exported {} job(s) of set `{}`",
            counts.exported, result.set
        ),
    };
    text.push_str(&format!(
        "; {} unchanged by a sync, {} changed, {} to adopt (--force), {} skipped\n",
        counts.unchanged, counts.changed, counts.adopt, counts.skipped
    ));
    for skipped in &result.skipped {
        text.push_str(&format!("  skipped {}: {}\n", skipped.name, skipped.reason));
    }
    for reference in &result.environment {
        text.push_str(&format!(
            "  set {} (job {}, header {}) before syncing\n",
            reference.variable, reference.job, reference.header
        ));
    }
    text
}

/// What [`export`] produced.
#[derive(Debug)]
pub struct Export {
    pub text: String,
    pub jobs: Vec<ExportedJob>,
    pub skipped: Vec<Skipped>,
    pub environment: Vec<EnvReference>,
}

/// An entry as it will be written; every field explicit (factoring into `[defaults]` happens when
/// the document is written).
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    display_name: Option<String>,
    schedule: String,
    timezone: String,
    migrated_from: Option<String>,
    service: String,
    handler: String,
    key: Option<String>,
    body: Option<toml::Value>,
    enabled: bool,
    restate_url: String,
    retries: i64,
    timeout_seconds: i64,
    /// (name, value as written: literal or a `${env:…}` reference).
    headers: Vec<(String, String)>,
    secrets: Vec<EnvReference>,
    notes: Vec<String>,
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
    manifests::parse(
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

/// Maps a live job back to an entry, or says why it cannot be one.
fn express(job: &Job, set: &str) -> Result<Entry, String> {
    if job.executor != "http" {
        return Err(if job.executor.is_empty() {
            "no executor: tier1.toml describes HTTP jobs that POST to Restate".to_string()
        } else {
            format!(
                "executor `{}`: tier1.toml describes HTTP jobs that POST to Restate",
                job.executor
            )
        });
    }
    if !job.parent_job.is_empty() {
        return Err(format!(
            "runs after parent job `{}`: tier1.toml cannot express dependent jobs",
            job.parent_job
        ));
    }
    let config = &job.executor_config;
    let mut notes = Vec::new();
    let target = RestateTarget::parse(config.get("url").map_or("", String::as_str), &job.metadata)?;

    let mut headers = Vec::new();
    let mut secrets = Vec::new();
    let env_headers: BTreeMap<String, String> = job
        .metadata
        .get(ENV_HEADERS_KEY)
        .and_then(|text| serde_json::from_str::<BTreeMap<String, String>>(text).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(name, template)| (name.to_ascii_lowercase(), template))
        .collect();
    if let Some(text) = config.get("headers").filter(|text| !text.trim().is_empty()) {
        let entries: Vec<String> = serde_json::from_str(text).map_err(|_| {
            "`executor_config.headers` is not a JSON list of strings (Dkron sends none of them)"
                .to_string()
        })?;
        for entry in entries {
            let mut pieces = entry.split(':');
            let name = pieces.next().unwrap_or_default().trim().to_string();
            let Some(value) = pieces.next() else {
                return Err(format!(
                    "header entry `{name}` has no `:` (Dkron's HTTP executor panics on it)"
                ));
            };
            if pieces.next().is_some() {
                notes.push(format!(
                    "header `{name}`: Dkron sends only the text up to the value's first `:`, which is what is written here"
                ));
            }
            let value = value.trim().to_string();
            // The renderer adds exactly this one to every job.
            if name == "Content-Type" && value == "application/json" {
                continue;
            }
            // A job this tool wrote says which values came from the environment: write the
            // reference back as it was written, whatever the header is called.
            if let Some(template) = env_headers.get(&name.to_ascii_lowercase())
                && let Some(values) = env_values(template, &value)
            {
                for (variable, secret) in values {
                    crate::redact::register(&secret);
                    secrets.push(EnvReference {
                        variable,
                        job: job.name.clone(),
                        header: name.clone(),
                        value: secret,
                    });
                }
                headers.push((name, template.clone()));
                continue;
            }
            if looks_secret(&name) && !value.is_empty() {
                crate::redact::register(&value);
                let variable = env_name(&job.name, &name);
                let (prefix, secret) = match value.split_once(' ') {
                    Some((scheme, rest))
                        if name.to_ascii_lowercase().ends_with("authorization")
                            && scheme.chars().all(|c| c.is_ascii_alphabetic()) =>
                    {
                        (format!("{scheme} "), rest.to_string())
                    }
                    _ => (String::new(), value.clone()),
                };
                headers.push((name.clone(), format!("{prefix}${{env:{variable}}}")));
                secrets.push(EnvReference {
                    variable,
                    job: job.name.clone(),
                    header: name,
                    value: secret,
                });
            } else {
                headers.push((name, value));
            }
        }
    }

    let body = match config.get("body").map(String::as_str) {
        None | Some("") => None,
        Some(text) => {
            let json: serde_json::Value = serde_json::from_str(text).map_err(|_| {
                "the body is not JSON (Restate would accept it and fail the invocation); tier1.toml sends JSON bodies".to_string()
            })?;
            Some(json_to_toml(&json)?)
        }
    };

    // `CRON_TZ=` in the schedule wins over `timezone` in Dkron; the manifest keeps zones apart.
    let (schedule, zone) = match job
        .schedule
        .strip_prefix("CRON_TZ=")
        .or_else(|| job.schedule.strip_prefix("TZ="))
        .and_then(|rest| rest.split_once(char::is_whitespace))
    {
        Some((zone, spec)) => {
            notes.push(format!(
                "the schedule's `CRON_TZ={zone}` prefix is written as `timezone`"
            ));
            (spec.trim().to_string(), zone.to_string())
        }
        None => (job.schedule.clone(), job.timezone.clone()),
    };
    let timezone = if zone.is_empty() {
        notes.push("no timezone in Dkron (the server's local time): written as UTC".to_string());
        "UTC".to_string()
    } else {
        zone
    };
    let timeout_seconds = match config.get("timeout").map(|text| text.trim().parse::<i64>()) {
        Some(Ok(seconds)) => seconds,
        None => i64::from(DKRON_DEFAULT_TIMEOUT),
        Some(Err(_)) => {
            notes.push(format!(
                "timeout `{}` is not whole seconds, so Dkron uses {DKRON_DEFAULT_TIMEOUT}: written as {DKRON_DEFAULT_TIMEOUT}",
                config["timeout"]
            ));
            i64::from(DKRON_DEFAULT_TIMEOUT)
        }
    };
    // A pause (by `pause`) of a job of this set outlives syncs: the entry keeps the job's
    // declared state, enabled, and sync-tier1 keeps it paused until `resume`.
    let paused = job.disabled && job.pause().is_some() && job.set() == Some(set);
    Ok(Entry {
        name: job.name.clone(),
        display_name: Some(job.displayname.clone())
            .filter(|display| !display.is_empty() && *display != job.name),
        schedule,
        timezone,
        migrated_from: job.metadata.get(MIGRATED_FROM_KEY).cloned(),
        service: target.service,
        handler: target.handler,
        key: target.key,
        body,
        enabled: !job.disabled || paused,
        restate_url: target.restate_url,
        retries: i64::from(job.retries),
        timeout_seconds,
        headers,
        secrets,
        notes,
    })
}

/// The environment values a live header value holds, given the value as written (`Bearer
/// ${env:TOKEN}`): each `(variable, value)`, or `None` when the live value does not fit the
/// template or the split is ambiguous (two references side by side, the same one twice).
fn env_values(template: &str, value: &str) -> Option<Vec<(String, String)>> {
    let mut literals = vec![String::new()];
    let mut variables = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${env:") {
        literals.last_mut()?.push_str(&rest[..start]);
        let after = &rest[start + 6..];
        let end = after.find('}')?;
        variables.push(after[..end].to_string());
        literals.push(String::new());
        rest = &after[end + 1..];
    }
    literals.last_mut()?.push_str(rest);
    if variables.is_empty()
        || literals[1..literals.len() - 1].iter().any(String::is_empty)
        || variables.iter().collect::<BTreeSet<_>>().len() != variables.len()
    {
        return None;
    }
    let mut remaining = value.strip_prefix(literals[0].as_str())?;
    let mut values = Vec::new();
    for (index, variable) in variables.iter().enumerate() {
        let next = &literals[index + 1];
        let end = if index + 1 == variables.len() {
            remaining
                .len()
                .checked_sub(next.len())
                .filter(|end| remaining[*end..] == **next)?
        } else {
            remaining.find(next.as_str())?
        };
        values.push((variable.clone(), remaining[..end].to_string()));
        remaining = &remaining[end + next.len()..];
    }
    Some(values)
}

/// Header names whose values are likely credentials: never written into the file.
fn looks_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "authorization" | "proxy-authorization" | "cookie"
    ) || [
        "token",
        "secret",
        "password",
        "passwd",
        "api-key",
        "apikey",
        "api_key",
        "auth",
        "credential",
        "signature",
        "session",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

/// `JOELCLAW_<JOB>_<HEADER>`, upper case, anything else `_`.
fn env_name(job: &str, header: &str) -> String {
    format!("JOELCLAW_{job}_{header}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn json_to_toml(value: &serde_json::Value) -> Result<toml::Value, String> {
    Ok(match value {
        serde_json::Value::Null => {
            return Err(
                "the body holds a JSON null, which TOML cannot express (put the body in a JSON file and point `body_file` at it)"
                    .to_string(),
            );
        }
        serde_json::Value::Bool(flag) => toml::Value::Boolean(*flag),
        serde_json::Value::Number(number) => match (number.as_i64(), number.as_f64()) {
            (Some(integer), _) => toml::Value::Integer(integer),
            (None, Some(_)) if number.is_u64() => {
                return Err(format!(
                    "the body holds {number}, an integer too large for TOML (put the body in a JSON file and point `body_file` at it)"
                ));
            }
            (None, Some(float)) => toml::Value::Float(float),
            (None, None) => {
                return Err(format!(
                    "the body holds {number}, which TOML cannot express"
                ));
            }
        },
        serde_json::Value::String(text) => toml::Value::String(text.clone()),
        serde_json::Value::Array(items) => {
            toml::Value::Array(items.iter().map(json_to_toml).collect::<Result<_, _>>()?)
        }
        serde_json::Value::Object(map) => toml::Value::Table(
            map.iter()
                .map(|(key, value)| Ok((key.clone(), json_to_toml(value)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

/// What most entries share, written once in `[defaults]`; an entry that differs sets its own.
#[derive(Debug, Default)]
struct Defaults {
    restate_url: Option<String>,
    timezone: Option<String>,
    retries: Option<i64>,
    timeout_seconds: Option<i64>,
    headers: Vec<(String, String)>,
}

impl Defaults {
    fn common(entries: &[Entry]) -> Self {
        /// The most common value (the first of equals, in name order); jobs that differ say so.
        fn most_common<T: PartialEq + Clone>(
            entries: &[Entry],
            get: impl Fn(&Entry) -> T,
        ) -> Option<T> {
            let mut counted: Vec<(T, usize)> = Vec::new();
            for entry in entries {
                let value = get(entry);
                match counted.iter_mut().find(|(seen, _)| *seen == value) {
                    Some((_, count)) => *count += 1,
                    None => counted.push((value, 1)),
                }
            }
            let best = counted.iter().map(|(_, count)| *count).max()?;
            counted
                .into_iter()
                .find(|(_, count)| *count == best)
                .map(|(value, _)| value)
        }
        // Headers every entry has with the same value; a job repeating a name in another case
        // keeps all of its own (the merge over [defaults] compares names case-insensitively).
        let headers = match entries.first() {
            Some(first) => first
                .headers
                .iter()
                .filter(|header| {
                    entries.iter().all(|entry| {
                        entry.headers.contains(header)
                            && entry
                                .headers
                                .iter()
                                .filter(|(name, _)| name.eq_ignore_ascii_case(&header.0))
                                .count()
                                == 1
                    })
                })
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        Self {
            restate_url: most_common(entries, |entry| entry.restate_url.clone()),
            timezone: most_common(entries, |entry| entry.timezone.clone()),
            retries: most_common(entries, |entry| entry.retries),
            timeout_seconds: most_common(entries, |entry| entry.timeout_seconds),
            headers,
        }
    }
}

fn string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn headers_table(headers: &[&(String, String)]) -> String {
    let table: toml::Table = headers
        .iter()
        .map(|(name, value)| (name.clone(), toml::Value::String(value.clone())))
        .collect();
    toml::Value::Table(table).to_string()
}

/// A comment line: one line, whatever the text holds.
fn comment(text: &str) -> String {
    format!("# {}\n", text.replace(['\r', '\n'], " "))
}

fn shorten(text: &str) -> String {
    const MAX: usize = 100;
    if text.is_empty() {
        "(none)".to_string()
    } else if text.chars().count() > MAX {
        format!("{:?}…", text.chars().take(MAX).collect::<String>())
    } else {
        format!("{text:?}")
    }
}

/// Writes the file: a header comment, the skipped jobs, `[defaults]`, then one `[[jobs]]` per
/// entry with what a sync of it would do as comments (`exported`, once known).
fn document(
    set: &str,
    entries: &[Entry],
    defaults: &Defaults,
    exported: &[ExportedJob],
    skipped: &[Skipped],
    scope: &str,
) -> String {
    let mut out = String::new();
    if !scope.is_empty() {
        out.push_str(&comment(&format!(
            "tier1.toml exported from Dkron by `joelclaw restate cron export`: {scope}."
        )));
        out.push_str(&comment(
            "Check it with `joelclaw restate cron validate`, then `sync-tier1 --dry-run`; jobs that sync-tier1 wrote sync back unchanged.",
        ));
        let secrets: Vec<&EnvReference> = entries.iter().flat_map(|entry| &entry.secrets).collect();
        if !secrets.is_empty() {
            out.push_str(&comment(
                "Header values that look like secrets are not written here; set these variables before syncing:",
            ));
            for secret in secrets {
                out.push_str(&comment(&format!(
                    "  {} (job `{}`, header `{}`)",
                    secret.variable, secret.job, secret.header
                )));
            }
        }
        if !skipped.is_empty() {
            out.push_str(&comment(
                "Not exported: these Dkron jobs cannot be written as tier1.toml entries.",
            ));
            for job in skipped {
                out.push_str(&comment(&format!("  `{}`: {}", job.name, job.reason)));
            }
        }
        out.push('\n');
    }
    out.push_str("[defaults]\n");
    out.push_str(&format!("set = {}\n", string(set)));
    if let Some(url) = &defaults.restate_url {
        out.push_str(&format!("restate_url = {}\n", string(url)));
    }
    if let Some(zone) = &defaults.timezone {
        out.push_str(&format!("timezone = {}\n", string(zone)));
    }
    if let Some(retries) = defaults.retries {
        out.push_str(&format!("retries = {retries}\n"));
    }
    if let Some(timeout) = defaults.timeout_seconds {
        out.push_str(&format!("timeout_seconds = {timeout}\n"));
    }
    if !defaults.headers.is_empty() {
        let all: Vec<&(String, String)> = defaults.headers.iter().collect();
        out.push_str(&format!("headers = {}\n", headers_table(&all)));
    }
    for entry in entries {
        out.push('\n');
        let job = exported.iter().find(|job| job.name == entry.name);
        for note in job.map_or(&entry.notes, |job| &job.notes) {
            out.push_str(&comment(&format!("note: {note}")));
        }
        if let Some(job) = job {
            if !job.owned {
                out.push_str(&comment(&format!(
                    "note: {}; `sync-tier1 --force` adopts it into set `{set}`",
                    match &job.set {
                        Some(other) => format!("owned by set `{other}`"),
                        None => "not managed by joelclaw".to_string(),
                    }
                )));
            }
            for change in job
                .changes
                .iter()
                .filter(|change| !change.field.starts_with("metadata."))
            {
                out.push_str(&comment(&format!(
                    "sync-tier1 changes {}: {} -> {}",
                    change.field,
                    shorten(&change.from),
                    shorten(&change.to)
                )));
            }
        }
        out.push_str("[[jobs]]\n");
        out.push_str(&format!("name = {}\n", string(&entry.name)));
        if let Some(display) = &entry.display_name {
            out.push_str(&format!("display_name = {}\n", string(display)));
        }
        out.push_str(&format!("schedule = {}\n", string(&entry.schedule)));
        if defaults.timezone.as_ref() != Some(&entry.timezone) {
            out.push_str(&format!("timezone = {}\n", string(&entry.timezone)));
        }
        if let Some(from) = &entry.migrated_from {
            out.push_str(&format!("migrated_from = {}\n", string(from)));
        }
        out.push_str(&format!("service = {}\n", string(&entry.service)));
        out.push_str(&format!("handler = {}\n", string(&entry.handler)));
        if let Some(key) = &entry.key {
            out.push_str(&format!("key = {}\n", string(key)));
        }
        if let Some(body) = &entry.body {
            out.push_str(&format!("body = {body}\n"));
        }
        if !entry.enabled {
            out.push_str("enabled = false\n");
        }
        if defaults.restate_url.as_ref() != Some(&entry.restate_url) {
            out.push_str(&format!("restate_url = {}\n", string(&entry.restate_url)));
        }
        if defaults.retries != Some(entry.retries) {
            out.push_str(&format!("retries = {}\n", entry.retries));
        }
        if defaults.timeout_seconds != Some(entry.timeout_seconds) {
            out.push_str(&format!("timeout_seconds = {}\n", entry.timeout_seconds));
        }
        let own: Vec<&(String, String)> = entry
            .headers
            .iter()
            .filter(|header| !defaults.headers.contains(header))
            .collect();
        if !own.is_empty() {
            out.push_str(&format!("headers = {}\n", headers_table(&own)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifests::parse;
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
        assert!(export.skipped.is_empty(), "{:?}", export.skipped);
        assert_eq!(export.jobs.len(), 5);
        for job in &export.jobs {
            assert_eq!(
                job.action,
                Action::Unchanged,
                "{}: {:?}",
                job.name,
                job.changes
            );
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
        assert_eq!(
            export.jobs[0].action,
            Action::Unchanged,
            "{:?}",
            export.jobs
        );
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
}
