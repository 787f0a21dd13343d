//! The schedule file: `tier1.toml`, the declarative side, and the jobs it describes. ("Manifest"
//! in this codebase means only the Kubernetes YAML of [`crate::deployment`].)
//!
//! Parsing happens in two steps. The wire types mirror the file exactly (serde, unknown keys
//! rejected, every value spanned so errors can name a line); validation turns them into [`JobDef`]s
//! that are known to render into Dkron jobs Dkron will run as meant. Every finding names the file,
//! the line, the job and the field, and all of them are reported at once. Rendering a `JobDef` into
//! a Dkron job lives in [`render`]; schedules in [`crate::schedule`]. The Dkron deployment itself (the
//! Kubernetes objects `manifest` prints and `install` applies) lives in [`crate::deployment`].

pub mod hazards;
pub mod render;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::limits;
use crate::schedule::{self, Schedule};

/// The built-in defaults, used where neither `[defaults]` nor the job says otherwise.
const DEFAULT_SET: &str = "tier1";
const DEFAULT_RETRIES: u32 = 2;
const DEFAULT_TIMEOUT_SECONDS: u32 = 30;

/// A validated job: everything needed to render one Dkron HTTP job that POSTs to Restate.
#[derive(Debug, Clone)]
pub struct JobDef {
    pub name: String,
    pub display_name: String,
    pub schedule: Schedule,
    pub timezone: Tz,
    pub migrated_from: Option<String>,
    pub service: String,
    pub handler: String,
    pub key: Option<String>,
    pub body: Option<serde_json::Value>,
    pub enabled: bool,
    pub retries: u32,
    pub timeout_seconds: u32,
    pub headers: Vec<Header>,
    pub restate_url: Url,
    pub set: String,
}

/// One request header. Values that came from `${env:NAME}` keep the variable's name so every
/// output can show the reference instead of the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: String,
    /// The first `${env:NAME}` the value used.
    pub env: Option<String>,
    /// The values that came from the environment, to be scrubbed from any output.
    pub secrets: Vec<String>,
    /// The value as written, with its `${env:…}` references (no secret in it), when it has any:
    /// recorded on the job so `export` writes the reference back instead of the value.
    pub template: Option<String>,
}

impl Header {
    /// The value as it may be printed: secrets become their `${env:NAME}` reference.
    pub fn display_value(&self) -> String {
        match &self.env {
            Some(_) => redact_env_value(&self.raw_reference()),
            None => self.value.clone(),
        }
    }

    fn raw_reference(&self) -> String {
        format!("${{env:{}}}", self.env.as_deref().unwrap_or_default())
    }
}

fn redact_env_value(reference: &str) -> String {
    format!("<redacted {reference}>")
}

/// A validated manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub path: PathBuf,
    pub set: String,
    pub jobs: Vec<JobDef>,
}

impl Manifest {
    pub fn job(&self, name: &str) -> Option<&JobDef> {
        self.jobs.iter().find(|job| job.name == name)
    }
}

/// One problem in a manifest, located as precisely as the file allows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub file: String,
    pub line: Option<usize>,
    pub job: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        // A field without a job is a `[defaults]` field, except the top-level tables themselves.
        // A job is named by at most 64 characters of its name (a name too long is a finding of
        // its own; JSON keeps it whole).
        let job = self.job.as_ref().map(|job| {
            if job.chars().count() > 64 {
                format!("{}…", job.chars().take(64).collect::<String>())
            } else {
                job.clone()
            }
        });
        let place = match (&job, &self.field) {
            (Some(job), Some(field)) => Some(format!("job `{job}`, field `{field}`")),
            (Some(job), None) => Some(format!("job `{job}`")),
            (None, Some(field)) if TOP_KEYS.contains(&field.as_str()) => {
                Some(format!("field `{field}`"))
            }
            (None, Some(field)) => Some(format!("[defaults], field `{field}`")),
            (None, None) => None,
        };
        match place {
            Some(place) => write!(f, ": {place}: {}", self.message),
            None => write!(f, ": {}", self.message),
        }
    }
}

/// All findings of one manifest; the error of [`load`].
#[derive(Debug, Clone)]
pub struct ManifestError {
    pub file: String,
    pub findings: Vec<Finding>,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.findings.len();
        write!(
            f,
            "{} has {count} problem{}",
            self.file,
            if count == 1 { "" } else { "s" }
        )?;
        for finding in &self.findings {
            write!(f, "\n  {finding}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ManifestError {}

/// Overrides that come from the command line rather than the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--restate-url`: replaces every job's ingress URL.
    pub restate_url: Option<Url>,
}

// ---- wire types: the file as written ----
//
// Unknown keys are not refused by serde (that would stop at the first and hide every other
// finding): [`unknown_keys`] reports each of them against these lists, with a suggestion.

/// The keys of the top level, of `[defaults]` and of a `[[jobs]]` entry.
const TOP_KEYS: &[&str] = &["defaults", "jobs"];
const DEFAULTS_KEYS: &[&str] = &[
    "set",
    "restate_url",
    "timezone",
    "retries",
    "timeout_seconds",
    "headers",
];
const JOB_KEYS: &[&str] = &[
    "name",
    "display_name",
    "schedule",
    "timezone",
    "migrated_from",
    "service",
    "handler",
    "key",
    "body",
    "body_file",
    "enabled",
    "restate_url",
    "retries",
    "timeout_seconds",
    "headers",
];

struct ManifestWire {
    defaults: Option<DefaultsWire>,
    /// False when `[defaults]` is there but could not be read: its jobs then miss what it holds,
    /// and findings that follow only from that are not reported twice.
    defaults_ok: bool,
    jobs: Vec<Spanned<JobWire>>,
}

#[derive(Debug, Deserialize)]
struct DefaultsWire {
    set: Option<Spanned<String>>,
    restate_url: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    retries: Option<Spanned<i64>>,
    timeout_seconds: Option<Spanned<i64>>,
    headers: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
}

#[derive(Debug, Deserialize)]
struct JobWire {
    // The required keys are optional here: a missing one is a finding of its own, and the
    // job's other fields are still checked.
    name: Option<Spanned<String>>,
    display_name: Option<Spanned<String>>,
    schedule: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    migrated_from: Option<Spanned<String>>,
    service: Option<Spanned<String>>,
    handler: Option<Spanned<String>>,
    key: Option<Spanned<String>>,
    body: Option<Spanned<toml::Value>>,
    body_file: Option<Spanned<String>>,
    enabled: Option<Spanned<bool>>,
    restate_url: Option<Spanned<String>>,
    retries: Option<Spanned<i64>>,
    timeout_seconds: Option<Spanned<i64>>,
    headers: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
}

/// Reads, parses and validates a manifest file.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Manifest, ManifestError> {
    load_with_env(path, overrides, &|name| std::env::var(name).ok())
}

/// Like [`load`], with `env` resolving `${env:NAME}` references (a command that only needs the
/// schedules can pass a placeholder).
pub fn load_with_env(
    path: &Path,
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Manifest, ManifestError> {
    let source = read_source(path)?;
    match parse(&source.text, path, overrides, env) {
        Ok(manifest) if source.findings.is_empty() => Ok(manifest),
        Ok(_) => Err(ManifestError {
            file: path.display().to_string(),
            findings: source.findings,
        }),
        Err(mut error) => {
            let mut findings = source.findings;
            findings.append(&mut error.findings);
            error.findings = findings;
            Err(error)
        }
    }
}

/// A manifest's text as read, and what reading it found (bytes that are not UTF-8).
pub struct Source {
    pub text: String,
    pub findings: Vec<Finding>,
}

/// Reads a manifest within [`limits::MANIFEST`]. Text that is not UTF-8 is read with the bad
/// bytes replaced (so every other finding can still be reported), and a finding names the line
/// of the first bad byte. A file that cannot be read is the error, with one finding saying why.
pub fn read_source(path: &Path) -> Result<Source, ManifestError> {
    let file = path.display().to_string();
    let fail = |message: String| ManifestError {
        file: file.clone(),
        findings: vec![Finding {
            file: file.clone(),
            line: None,
            job: None,
            field: None,
            message,
        }],
    };
    let opened = std::fs::File::open(path).and_then(|handle| {
        let metadata = handle.metadata()?;
        Ok((handle, metadata))
    });
    let (handle, metadata) = match opened {
        Ok(opened) => opened,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(fail(
                "the file does not exist; point at a schedule file with --file PATH or the JOELCLAW_TIER1 environment variable (default ./tier1.toml)"
                    .to_string(),
            ));
        }
        Err(error) => return Err(fail(format!("cannot read the file: {error}"))),
    };
    if metadata.is_dir() {
        return Err(fail(
            "this is a directory; point --file (or JOELCLAW_TIER1) at a tier1.toml file"
                .to_string(),
        ));
    }
    if metadata.is_file()
        && let Err(error) = limits::MANIFEST.check_announced(metadata.len())
    {
        return Err(fail(error.to_string()));
    }
    let bytes = limits::read_bounded(handle, limits::MANIFEST)
        .map_err(|error| fail(format!("cannot read the file: {error}")))?;
    let mut findings = Vec::new();
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let bytes = error.into_bytes();
            let bad = std::str::from_utf8(&bytes)
                .err()
                .map_or(0, |error| error.valid_up_to());
            let line = bytes[..bad].iter().filter(|byte| **byte == b'\n').count() + 1;
            let column = bad
                - bytes[..bad]
                    .iter()
                    .rposition(|byte| *byte == b'\n')
                    .map_or(0, |at| at + 1)
                + 1;
            findings.push(Finding {
                file: file.clone(),
                line: Some(line),
                job: None,
                field: None,
                message: format!(
                    "the file is not UTF-8: byte 0x{:02x} at column {column} (byte offset {bad}) does not start a UTF-8 character",
                    bytes[bad]
                ),
            });
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    Ok(Source { text, findings })
}

/// Parses and validates manifest text; `env` resolves `${env:NAME}` references. Every finding
/// of the file is reported at once: syntax errors (all of them), unknown keys, each job's own
/// type errors, then what validation finds.
pub fn parse(
    source: &str,
    path: &Path,
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Manifest, ManifestError> {
    let file = path.display().to_string();
    let lines = Lines::new(source);
    let mut validator = Validator {
        lines: &lines,
        file: file.clone(),
        base_dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        env,
        override_url: overrides.restate_url.clone(),
        findings: Vec::new(),
        defaults_ok: true,
    };
    let manifest = read_wire(source, &lines, &file, &mut validator.findings)
        .map(|wire| validator.manifest(wire, path));
    match manifest {
        Some(manifest) if validator.findings.is_empty() => Ok(manifest),
        _ => {
            validator
                .findings
                .sort_by_key(|finding| finding.line.unwrap_or(0));
            Err(ManifestError {
                file,
                findings: validator.findings,
            })
        }
    }
}

/// The file's shape: syntax, unknown keys and each piece's types, every problem a finding. `None`
/// when the syntax is broken (what was recovered around a syntax error is not trusted).
fn read_wire(
    source: &str,
    lines: &Lines,
    file: &str,
    findings: &mut Vec<Finding>,
) -> Option<ManifestWire> {
    use serde::de::Deserialize as _;
    use toml::de::{DeTable, DeValue, ValueDeserializer};

    let (root, errors) = DeTable::parse_recoverable(source);
    let root = root.into_inner();
    if !errors.is_empty() {
        for error in &errors {
            findings.push(locate_toml_error(source, &root, lines, file, error));
        }
        return None;
    }
    let finding =
        |line: usize, job: Option<String>, field: Option<String>, message: String| Finding {
            file: file.to_string(),
            line: Some(line),
            job,
            field,
            message,
        };
    unknown_keys(&root, TOP_KEYS, lines, |line, key, message| {
        findings.push(finding(
            line,
            None,
            None,
            format!("`{key}` at the top level: {message}"),
        ));
    });
    let mut wire = ManifestWire {
        defaults: None,
        defaults_ok: true,
        jobs: Vec::new(),
    };
    for (key, value) in root.iter() {
        let line = lines.line(value.span().start);
        match (key.get_ref().as_ref(), value.get_ref()) {
            ("defaults", DeValue::Table(table)) => {
                unknown_keys(table, DEFAULTS_KEYS, lines, |line, key, message| {
                    findings.push(finding(line, None, Some(key.to_string()), message));
                });
                match DefaultsWire::deserialize(ValueDeserializer::from(value.clone())) {
                    Ok(defaults) => wire.defaults = Some(defaults),
                    Err(error) => {
                        wire.defaults_ok = false;
                        findings.push(locate_toml_error(source, &root, lines, file, &error));
                    }
                }
            }
            ("defaults", other) => {
                wire.defaults_ok = false;
                findings.push(finding(
                    line,
                    None,
                    Some("defaults".to_string()),
                    format!(
                        "`defaults` must be a table (`[defaults]`), not {}",
                        other.type_str()
                    ),
                ));
            }
            ("jobs", DeValue::Array(jobs)) => {
                for (index, job) in jobs.iter().enumerate() {
                    let line = lines.line(job.span().start);
                    let DeValue::Table(table) = job.get_ref() else {
                        findings.push(finding(
                            line,
                            Some(format!("#{}", index + 1)),
                            None,
                            format!(
                                "each job must be a table (`[[jobs]]`), not {}",
                                job.get_ref().type_str()
                            ),
                        ));
                        continue;
                    };
                    let name = job_name(table).unwrap_or_else(|| format!("#{}", index + 1));
                    unknown_keys(table, JOB_KEYS, lines, |line, key, message| {
                        findings.push(finding(
                            line,
                            Some(name.clone()),
                            Some(key.to_string()),
                            message,
                        ));
                    });
                    let span = job.span();
                    match JobWire::deserialize(ValueDeserializer::from(job.clone())) {
                        Ok(parsed) => wire.jobs.push(Spanned::new(span, parsed)),
                        Err(error) => {
                            let mut located = locate_toml_error(source, &root, lines, file, &error);
                            located.job = Some(name.clone());
                            if located.line.is_none() {
                                located.line = Some(line);
                            }
                            findings.push(located);
                        }
                    }
                }
            }
            ("jobs", other) => findings.push(finding(
                line,
                None,
                Some("jobs".to_string()),
                format!(
                    "`jobs` must be an array of tables (`[[jobs]]`), not {}",
                    other.type_str()
                ),
            )),
            _ => {}
        }
    }
    Some(wire)
}

/// The `name` of a job table, when it is a string.
fn job_name(table: &toml::de::DeTable<'_>) -> Option<String> {
    table
        .iter()
        .find(|(key, _)| key.get_ref().as_ref() == "name")
        .and_then(|(_, value)| match value.get_ref() {
            toml::de::DeValue::String(name) => Some(name.to_string()),
            _ => None,
        })
}

/// Reports every key of `table` that is not in `known`, with its line and, when a known key is
/// close, "did you mean".
fn unknown_keys(
    table: &toml::de::DeTable<'_>,
    known: &[&str],
    lines: &Lines,
    mut report: impl FnMut(usize, &str, String),
) {
    for (key, _) in table.iter() {
        let key_text = key.get_ref().as_ref();
        if known.contains(&key_text) {
            continue;
        }
        let closest = known
            .iter()
            .map(|candidate| (strsim::jaro_winkler(key_text, candidate), *candidate))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let message = match closest {
            Some((_, candidate)) => {
                format!("unknown key `{key_text}`; did you mean `{candidate}`?")
            }
            None => format!(
                "unknown key `{key_text}`; expected one of {}",
                known
                    .iter()
                    .map(|key| format!("`{key}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        report(lines.line(key.span().start), key_text, message);
    }
}

/// Line numbers of byte offsets, from one pass over the text (a finding per job must not rescan
/// the file from its start: a large file would take minutes).
pub(crate) struct Lines {
    starts: Vec<usize>,
    len: usize,
}

impl Lines {
    pub(crate) fn new(source: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Self {
            starts,
            len: source.len(),
        }
    }

    /// The 1-based line of a byte offset.
    pub(crate) fn line(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        self.starts.partition_point(|start| *start <= offset)
    }
}

struct Validator<'a> {
    lines: &'a Lines,
    file: String,
    base_dir: PathBuf,
    env: &'a dyn Fn(&str) -> Option<String>,
    override_url: Option<Url>,
    findings: Vec<Finding>,
    /// False when `[defaults]` could not be read (see [`ManifestWire::defaults_ok`]).
    defaults_ok: bool,
}

/// The settings a job inherits, after `[defaults]` was applied over the built-ins.
struct Inherited {
    set: String,
    restate_url: Option<Url>,
    timezone: Tz,
    retries: u32,
    timeout_seconds: u32,
    headers: Vec<Header>,
}

impl Validator<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        self.lines.line(span.start)
    }

    fn report(&mut self, span: Range<usize>, job: Option<&str>, field: &str, message: String) {
        self.findings.push(Finding {
            file: self.file.clone(),
            line: Some(self.line(span)),
            job: job.map(str::to_string),
            field: Some(field.to_string()),
            message,
        });
    }

    fn manifest(&mut self, wire: ManifestWire, path: &Path) -> Manifest {
        self.defaults_ok = wire.defaults_ok;
        let inherited = self.defaults(wire.defaults);
        let mut jobs: Vec<JobDef> = Vec::new();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (index, job) in wire.jobs.into_iter().enumerate() {
            let job_span = job.span();
            let job = job.into_inner();
            let label = job
                .name
                .as_ref()
                .map_or_else(|| format!("#{}", index + 1), |name| name.get_ref().clone());
            if let Some(name) = &job.name {
                if let Some(first_line) = seen.get(name.get_ref()) {
                    let message =
                        format!("duplicate job name (first defined on line {first_line})");
                    self.report(name.span(), Some(&label), "name", message);
                    // Its other problems are still worth knowing; it is not kept either way.
                    let _ = self.job(job, &inherited, job_span, &label);
                    continue;
                }
                seen.insert(label.clone(), self.line(job_span.clone()));
            }
            if let Some(def) = self.job(job, &inherited, job_span, &label) {
                jobs.push(def);
            }
        }
        Manifest {
            path: path.to_path_buf(),
            set: inherited.set,
            jobs,
        }
    }

    fn defaults(&mut self, wire: Option<DefaultsWire>) -> Inherited {
        let mut inherited = Inherited {
            set: DEFAULT_SET.to_string(),
            restate_url: None,
            timezone: Tz::UTC,
            retries: DEFAULT_RETRIES,
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            headers: Vec::new(),
        };
        if let Some(wire) = wire {
            if let Some(set) = wire.set {
                match check_label(set.get_ref()) {
                    Ok(()) => inherited.set = set.get_ref().clone(),
                    Err(message) => self.report(set.span(), None, "set", message),
                }
            }
            if let Some(url) = wire.restate_url {
                inherited.restate_url = self.restate_url(&url, None);
            }
            if let Some(zone) = wire.timezone {
                inherited.timezone = self.zone(&zone, None).unwrap_or(Tz::UTC);
            }
            if let Some(retries) = wire.retries {
                inherited.retries = self.count(&retries, None, "retries", 0, 100).unwrap_or(0);
            }
            if let Some(timeout) = wire.timeout_seconds {
                inherited.timeout_seconds = self
                    .count(&timeout, None, "timeout_seconds", 1, 86_400)
                    .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
            }
            if let Some(headers) = wire.headers {
                inherited.headers = self.headers(&headers, None, &[]);
            }
        }
        inherited
    }

    fn job(
        &mut self,
        wire: JobWire,
        inherited: &Inherited,
        span: Range<usize>,
        label: &str,
    ) -> Option<JobDef> {
        let before = self.findings.len();
        let job = Some(label);
        for (field, present) in [
            ("name", wire.name.is_some()),
            ("schedule", wire.schedule.is_some()),
            ("service", wire.service.is_some()),
            ("handler", wire.handler.is_some()),
        ] {
            if !present {
                self.report(span.clone(), job, field, format!("missing field `{field}`"));
            }
        }
        let name_span = wire.name.as_ref().map_or(span.clone(), Spanned::span);
        if let Some(name) = &wire.name
            && let Err(message) = check_name(name.get_ref())
        {
            self.report(name.span(), job, "name", message);
        }
        let schedule = match wire
            .schedule
            .as_ref()
            .map(|schedule| (schedule, Schedule::parse(schedule.get_ref())))
        {
            Some((_, Ok(schedule))) => Some(schedule),
            Some((schedule, Err(message))) => {
                self.report(schedule.span(), job, "schedule", message);
                None
            }
            None => None,
        };
        let timezone = match &wire.timezone {
            Some(zone) => self.zone(zone, job),
            None => Some(inherited.timezone),
        };
        let restate_url = match (
            &self.override_url,
            &wire.restate_url,
            &inherited.restate_url,
        ) {
            // --restate-url wins over the file everywhere.
            (Some(url), _, _) => Some(url.clone()),
            (None, Some(url), _) => self.restate_url(url, job),
            (None, None, Some(url)) => Some(url.clone()),
            (None, None, None) if !self.defaults_ok => None,
            (None, None, None) => {
                self.report(
                    name_span,
                    job,
                    "restate_url",
                    "no Restate ingress URL: set `restate_url` in [defaults] or the job, or pass --restate-url"
                        .to_string(),
                );
                None
            }
        };
        let targets = [
            ("service", wire.service.as_ref(), false),
            ("handler", wire.handler.as_ref(), false),
            ("key", wire.key.as_ref(), true),
        ];
        for (field, value, slash_allowed) in targets {
            if let Some(value) = value
                && let Err(message) = check_segment(value.get_ref(), slash_allowed)
            {
                self.report(value.span(), job, field, message);
            }
        }
        let body = self.body(&wire, job);
        let retries = match &wire.retries {
            Some(retries) => self.count(retries, job, "retries", 0, 100),
            None => Some(inherited.retries),
        };
        let timeout_seconds = match &wire.timeout_seconds {
            Some(timeout) => self.count(timeout, job, "timeout_seconds", 1, 86_400),
            None => Some(inherited.timeout_seconds),
        };
        let headers = match &wire.headers {
            Some(headers) => self.headers(headers, job, &inherited.headers),
            None => inherited.headers.clone(),
        };
        let display_name = wire
            .display_name
            .as_ref()
            .map(|display| display.get_ref().clone())
            .unwrap_or_else(|| label.to_string());
        if self.findings.len() > before {
            return None;
        }
        Some(JobDef {
            name: wire.name?.into_inner(),
            display_name,
            schedule: schedule?,
            timezone: timezone?,
            migrated_from: wire.migrated_from.map(Spanned::into_inner),
            service: wire.service?.into_inner(),
            handler: wire.handler?.into_inner(),
            key: wire.key.map(Spanned::into_inner),
            body: body?,
            enabled: wire.enabled.map(Spanned::into_inner).unwrap_or(true),
            retries: retries?,
            timeout_seconds: timeout_seconds?,
            headers: render::with_content_type(headers),
            restate_url: restate_url?,
            set: inherited.set.clone(),
        })
    }

    fn restate_url(&mut self, url: &Spanned<String>, job: Option<&str>) -> Option<Url> {
        match parse_restate_url(url.get_ref()) {
            Ok(parsed) => Some(parsed),
            Err(message) => {
                self.report(url.span(), job, "restate_url", message);
                None
            }
        }
    }

    fn zone(&mut self, zone: &Spanned<String>, job: Option<&str>) -> Option<Tz> {
        match schedule::parse_zone(zone.get_ref()) {
            Ok(tz) => Some(tz),
            Err(message) => {
                self.report(zone.span(), job, "timezone", message);
                None
            }
        }
    }

    fn count(
        &mut self,
        value: &Spanned<i64>,
        job: Option<&str>,
        field: &str,
        min: i64,
        max: i64,
    ) -> Option<u32> {
        let number = *value.get_ref();
        if (min..=max).contains(&number) {
            Some(number as u32)
        } else {
            let message = format!("{number} is outside {min}..={max}");
            self.report(value.span(), job, field, message);
            None
        }
    }

    fn headers(
        &mut self,
        headers: &Spanned<BTreeMap<String, Spanned<String>>>,
        job: Option<&str>,
        inherited: &[Header],
    ) -> Vec<Header> {
        let mut merged: Vec<Header> = inherited.to_vec();
        for (name, value) in headers.get_ref() {
            let field = format!("headers.{name}");
            match resolve_header(name, value.get_ref(), self.env) {
                Ok(header) => {
                    merged.retain(|existing| !existing.name.eq_ignore_ascii_case(&header.name));
                    merged.push(header);
                }
                Err(message) => self.report(value.span(), job, &field, message),
            }
        }
        merged
    }

    fn body(&mut self, wire: &JobWire, job: Option<&str>) -> Option<Option<serde_json::Value>> {
        match (&wire.body, &wire.body_file) {
            (Some(_), Some(file)) => {
                let message = "set `body` or `body_file`, not both".to_string();
                self.report(file.span(), job, "body_file", message);
                None
            }
            (Some(body), None) => match toml_to_json(body.get_ref()) {
                Ok(json) => Some(Some(json)),
                Err(message) => {
                    self.report(body.span(), job, "body", message);
                    None
                }
            },
            (None, Some(file)) => {
                let path = self.base_dir.join(file.get_ref());
                let text = match read_body_file(&path) {
                    Ok(text) => text,
                    Err(message) => {
                        self.report(file.span(), job, "body_file", message);
                        return None;
                    }
                };
                match serde_json::from_str(&text) {
                    Ok(json) => Some(Some(json)),
                    Err(error) => {
                        // Restate would accept it with 202 and fail the invocation later.
                        let message = format!("{} is not valid JSON: {error}", path.display());
                        self.report(file.span(), job, "body_file", message);
                        None
                    }
                }
            }
            (None, None) => Some(None),
        }
    }
}

/// A `body_file`'s text, within [`limits::BODY_FILE`]: a regular file's size is checked before
/// reading; a FIFO, `/dev/stdin` or a device is read only up to the limit (and a signal still ends
/// the command while the read waits: see `crate::signals`).
fn read_body_file(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let handle =
        std::fs::File::open(path).map_err(|error| format!("cannot read {shown}: {error}"))?;
    let metadata = handle
        .metadata()
        .map_err(|error| format!("cannot read {shown}: {error}"))?;
    if metadata.is_dir() {
        return Err(format!("{shown} is a directory, not a JSON file"));
    }
    if metadata.is_file() {
        limits::BODY_FILE
            .check_announced(metadata.len())
            .map_err(|error| format!("{shown}: {error}"))?;
    }
    let bytes = limits::read_bounded(handle, limits::BODY_FILE)
        .map_err(|error| format!("{shown}: {error}"))?;
    String::from_utf8(bytes).map_err(|error| {
        format!(
            "{shown} is not UTF-8 (byte offset {}), so it is not JSON",
            error.utf8_error().valid_up_to()
        )
    })
}

/// Dkron's name rule, narrowed to ASCII as `tier1.toml` documents: `[a-z0-9_-]+`.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".to_string());
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-'))
    {
        Some(bad) => Err(format!(
            "`{}` contains `{}`; Dkron job names allow only a-z, 0-9, `_` and `-`",
            name.chars().take(64).collect::<String>(),
            bad.escape_debug()
        )),
        None => crate::names::check_length(name),
    }
}

/// The ownership set is stored in metadata and matched exactly; it follows the name rule.
fn check_label(label: &str) -> Result<(), String> {
    check_name(label).map_err(|_| format!("`{label}` may use only a-z, 0-9, `_` and `-`"))
}

/// A segment of the Restate target path (service, handler, key). It must not be empty, `.` or
/// `..`: URL normalisation would silently drop those from the path and call another target.
/// Service and handler names cannot contain `/`; a key can (it is percent-encoded).
pub fn check_segment(value: &str, slash_allowed: bool) -> Result<(), String> {
    if value.trim().is_empty() {
        Err("must not be empty".to_string())
    } else if value == "." || value == ".." {
        Err(format!("`{value}` would vanish from the URL path"))
    } else if !slash_allowed && value.contains('/') {
        Err(format!("`{value}` must not contain `/`"))
    } else {
        Ok(())
    }
}

/// Parses an ingress URL: http(s), no query, trailing slash dropped.
pub fn parse_restate_url(text: &str) -> Result<Url, String> {
    crate::names::require_scheme(text)?;
    let url = Url::parse(text.trim_end_matches('/'))
        .map_err(|error| format!("`{text}` is not a URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("`{text}` must be an http:// or https:// URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("`{text}` must not have a query or fragment"));
    }
    Ok(url)
}

/// RFC 9110 §5.5 field syntax: a header value is visible ASCII, spaces, tabs and bytes of
/// 0x80 and above (obs-text); any other control character (NUL, CR, LF, DEL…) makes Go's
/// net/http refuse the request, so every fire of the job would fail inside Dkron with
/// `invalid header field value`. A value from the environment is described, never quoted.
pub fn check_field_value(value: &str, from_env: bool) -> Result<(), String> {
    let Some((at, bad)) = value
        .char_indices()
        .find(|(_, c)| c.is_ascii_control() && *c != '\t')
    else {
        return Ok(());
    };
    let what = match bad {
        '\n' | '\r' => "a line break".to_string(),
        '\0' => "a NUL byte".to_string(),
        other => format!("the control character U+{:04X}", other as u32),
    };
    let whose = if from_env {
        "the value from the environment"
    } else {
        "the value"
    };
    Err(format!(
        "{whose} contains {what} (at byte {at}), which HTTP does not allow in a header (RFC 9110 field syntax); Dkron would fail every fire with `invalid header field value`"
    ))
}

/// Resolves one header: `${env:NAME}` references are substituted, and the value is checked
/// against HTTP's field syntax and what Dkron's HTTP executor mangles.
pub fn resolve_header(
    name: &str,
    value: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Header, String> {
    // RFC 9110 §5.1: a field name is a token (visible ASCII without delimiters).
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
    {
        return Err(format!(
            "`{}` is not a valid HTTP header name (RFC 9110: letters, digits and !#$%&'*+-.^_`|~)",
            name.escape_debug()
        ));
    }
    let (resolved, env_name, secrets) = substitute_env(value, env)?;
    if resolved.contains(':') {
        // Dkron splits each header on `:` and keeps only the second piece.
        let shown = if env_name.is_some() {
            "the value from the environment".to_string()
        } else {
            format!("`{resolved}`")
        };
        return Err(format!(
            "{shown} contains `:`; Dkron's HTTP executor would keep only the text up to the next `:`"
        ));
    }
    check_field_value(&resolved, env_name.is_some())?;
    if name.eq_ignore_ascii_case("content-type") && !resolved.starts_with("application/json") {
        return Err(format!(
            "Restate ingress only accepts application/json bodies, not `{resolved}`"
        ));
    }
    Ok(Header {
        name: name.to_string(),
        value: resolved.trim().to_string(),
        template: env_name.is_some().then(|| value.trim().to_string()),
        env: env_name,
        secrets,
    })
}

/// Substitutes `${env:NAME}` references; returns the value, the first variable used and the
/// substituted values.
pub(crate) fn substitute_env(
    value: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Option<String>, Vec<String>), String> {
    let mut out = String::new();
    let mut rest = value;
    let mut used: Option<String> = None;
    let mut secrets = Vec::new();
    while let Some(start) = rest.find("${env:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 6..];
        let end = after
            .find('}')
            .ok_or_else(|| "unterminated `${env:` reference".to_string())?;
        let variable = &after[..end];
        if variable.is_empty() {
            return Err("`${env:}` names no variable".to_string());
        }
        let resolved =
            env(variable).ok_or_else(|| format!("environment variable `{variable}` is not set"))?;
        // From here on no output of this process shows it.
        crate::redact::register(&resolved);
        out.push_str(&resolved);
        secrets.push(resolved);
        used.get_or_insert_with(|| variable.to_string());
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok((out, used, secrets))
}

/// Converts a TOML body table into the JSON it stands for.
fn toml_to_json(value: &toml::Value) -> Result<serde_json::Value, String> {
    Ok(match value {
        toml::Value::String(text) => serde_json::Value::String(text.clone()),
        toml::Value::Integer(number) => serde_json::Value::from(*number),
        toml::Value::Float(number) => serde_json::Number::from_f64(*number)
            .map(serde_json::Value::Number)
            .ok_or_else(|| format!("{number} has no JSON form"))?,
        toml::Value::Boolean(flag) => serde_json::Value::Bool(*flag),
        toml::Value::Datetime(datetime) => serde_json::Value::String(datetime.to_string()),
        toml::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(toml_to_json).collect::<Result<_, _>>()?)
        }
        toml::Value::Table(table) => serde_json::Value::Object(
            table
                .iter()
                .map(|(key, value)| Ok((key.clone(), toml_to_json(value)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

/// Turns a TOML syntax or shape error into a finding with its line, job and field. An error
/// without a position (none is known to lack one, but the parser does not promise) is put on the
/// last line read, so no finding is without a line.
fn locate_toml_error(
    source: &str,
    root: &toml::de::DeTable<'_>,
    lines: &Lines,
    file: &str,
    error: &toml::de::Error,
) -> Finding {
    let offset = error
        .span()
        .map_or(source.trim_end().len(), |span| span.start);
    let message = error.message().trim().to_string();
    let mut finding = Finding {
        file: file.to_string(),
        line: Some(lines.line(offset)),
        job: None,
        field: quoted_field(&message),
        message,
    };
    // Table headers carry the spans (`[[jobs]]`, `[defaults]`), not their bodies: the table an
    // offset falls in is the last one whose header starts before it.
    let (table_key, table) = root
        .iter()
        .filter(|(_, value)| value.span().start <= offset)
        .max_by_key(|(_, value)| value.span().start)
        .map(|(key, value)| (key.get_ref().as_ref(), value))
        .unzip();
    let located = match (table_key, table.map(|value| value.get_ref())) {
        (Some("jobs"), Some(toml::de::DeValue::Array(jobs))) => jobs
            .iter()
            .enumerate()
            .rfind(|(_, job)| job.span().start <= offset)
            .and_then(|(index, job)| match job.get_ref() {
                toml::de::DeValue::Table(table) => {
                    let name = job_name(table).unwrap_or_else(|| format!("#{}", index + 1));
                    Some((Some(name), key_at(table, offset)))
                }
                _ => None,
            }),
        (Some("defaults"), Some(toml::de::DeValue::Table(table))) => {
            Some((None, key_at(table, offset)))
        }
        _ => None,
    };
    if let Some((job, field)) = located {
        finding.job = job;
        if finding.field.is_none() {
            finding.field = field;
        }
    } else if finding.field.is_none() {
        finding.field = table_key.map(str::to_string);
    }
    finding
}

fn key_at(table: &toml::de::DeTable<'_>, offset: usize) -> Option<String> {
    table
        .iter()
        .find(|(key, value)| key.span().contains(&offset) || value.span().contains(&offset))
        .map(|(key, _)| key.get_ref().to_string())
}

/// serde names the field in backquotes for unknown and missing fields.
fn quoted_field(message: &str) -> Option<String> {
    ["unknown field `", "missing field `"]
        .iter()
        .find_map(|prefix| message.split_once(prefix))
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(field, _)| field.to_string())
}

#[cfg(test)]
mod tests;
