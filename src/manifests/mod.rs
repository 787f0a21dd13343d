//! The declarative side: `tier1.toml` and the jobs it describes.
//!
//! Parsing happens in two steps. The wire types mirror the file exactly (serde, unknown keys
//! rejected, every value spanned so errors can name a line); validation turns them into [`JobDef`]s
//! that are known to render into Dkron jobs Dkron will run as meant. Every finding names the file,
//! the line, the job and the field, and all of them are reported at once. Rendering a `JobDef` into
//! a Dkron job lives in [`render`]; schedules in [`crate::schedule`]. The Dkron deployment itself (the
//! Kubernetes objects `manifest` prints and `install` applies) lives in [`deploy`].

pub mod deploy;
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
        f.write_str(":")?;
        match &self.job {
            Some(job) => write!(f, " job `{job}`")?,
            None => f.write_str(" [defaults]")?,
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestWire {
    #[serde(default)]
    defaults: Option<DefaultsWire>,
    #[serde(default)]
    jobs: Vec<Spanned<JobWire>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultsWire {
    set: Option<Spanned<String>>,
    restate_url: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    retries: Option<Spanned<i64>>,
    timeout_seconds: Option<Spanned<i64>>,
    headers: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobWire {
    name: Spanned<String>,
    display_name: Option<Spanned<String>>,
    schedule: Spanned<String>,
    timezone: Option<Spanned<String>>,
    migrated_from: Option<Spanned<String>>,
    service: Spanned<String>,
    handler: Spanned<String>,
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
    let file = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|error| ManifestError {
        file: file.clone(),
        findings: vec![Finding {
            file: file.clone(),
            line: None,
            job: None,
            field: None,
            message: format!("cannot read the file: {error}"),
        }],
    })?;
    parse(&source, path, overrides, env)
}

/// Parses and validates manifest text; `env` resolves `${env:NAME}` references.
pub fn parse(
    source: &str,
    path: &Path,
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Manifest, ManifestError> {
    let file = path.display().to_string();
    let wire: ManifestWire = toml::from_str(source).map_err(|error| ManifestError {
        file: file.clone(),
        findings: vec![locate_toml_error(source, &file, &error)],
    })?;
    let mut validator = Validator {
        lines: Lines::new(source),
        file: file.clone(),
        base_dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        env,
        override_url: overrides.restate_url.clone(),
        findings: Vec::new(),
    };
    let manifest = validator.manifest(wire, path);
    if validator.findings.is_empty() {
        Ok(manifest)
    } else {
        Err(ManifestError {
            file,
            findings: validator.findings,
        })
    }
}

struct Validator<'a> {
    lines: Lines,
    file: String,
    base_dir: PathBuf,
    env: &'a dyn Fn(&str) -> Option<String>,
    override_url: Option<Url>,
    findings: Vec<Finding>,
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
        let inherited = self.defaults(wire.defaults);
        let mut jobs: Vec<JobDef> = Vec::new();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for job in wire.jobs {
            let job_span = job.span();
            let job = job.into_inner();
            let name = job.name.get_ref().clone();
            if let Some(first_line) = seen.get(&name) {
                let message = format!("duplicate job name (first defined on line {first_line})");
                self.report(job.name.span(), Some(&name), "name", message);
                continue;
            }
            seen.insert(name.clone(), self.line(job_span));
            if let Some(def) = self.job(job, &inherited) {
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

    fn job(&mut self, wire: JobWire, inherited: &Inherited) -> Option<JobDef> {
        let before = self.findings.len();
        let name = wire.name.get_ref().clone();
        let job = Some(name.as_str());
        if let Err(message) = check_name(&name) {
            self.report(wire.name.span(), job, "name", message);
        }
        let schedule = match Schedule::parse(wire.schedule.get_ref()) {
            Ok(schedule) => Some(schedule),
            Err(message) => {
                self.report(wire.schedule.span(), job, "schedule", message);
                None
            }
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
            (None, None, None) => {
                self.report(
                    wire.name.span(),
                    job,
                    "restate_url",
                    "no Restate ingress URL: set `restate_url` in [defaults] or the job, or pass --restate-url"
                        .to_string(),
                );
                None
            }
        };
        let targets = [
            ("service", Some(&wire.service), false),
            ("handler", Some(&wire.handler), false),
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
            .unwrap_or_else(|| name.clone());
        if self.findings.len() > before {
            return None;
        }
        Some(JobDef {
            name,
            display_name,
            schedule: schedule?,
            timezone: timezone?,
            migrated_from: wire.migrated_from.map(Spanned::into_inner),
            service: wire.service.into_inner(),
            handler: wire.handler.into_inner(),
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
                let text = match std::fs::read_to_string(&path) {
                    Ok(text) => text,
                    Err(error) => {
                        let message = format!("cannot read {}: {error}", path.display());
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
            "`{name}` contains `{bad}`; Dkron job names allow only a-z, 0-9, `_` and `-`"
        )),
        None => Ok(()),
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

/// Resolves one header: `${env:NAME}` references are substituted, and the value is checked
/// against what Dkron's HTTP executor mangles.
pub fn resolve_header(
    name: &str,
    value: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Header, String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
    {
        return Err(format!("`{name}` is not a valid HTTP header name"));
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
    if resolved.contains(['\r', '\n']) {
        return Err("the value contains a line break".to_string());
    }
    if name.eq_ignore_ascii_case("content-type") && !resolved.starts_with("application/json") {
        return Err(format!(
            "Restate ingress only accepts application/json bodies, not `{resolved}`"
        ));
    }
    Ok(Header {
        name: name.to_string(),
        value: resolved.trim().to_string(),
        env: env_name,
        secrets,
    })
}

/// Substitutes `${env:NAME}` references; returns the value, the first variable used and the
/// substituted values.
fn substitute_env(
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

fn line_of(source: &str, offset: usize) -> usize {
    Lines::new(source).line(offset)
}

/// Where each line of a file starts, so that the line of any byte offset is a binary search
/// (counting newlines from the top for every finding made validating 10 000 jobs quadratic).
pub(crate) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(source: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(
                source
                    .bytes()
                    .enumerate()
                    .filter(|(_, byte)| *byte == b'\n')
                    .map(|(index, _)| index + 1),
            )
            .collect();
        Self { starts }
    }

    /// The 1-based line holding byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|start| *start <= offset)
    }
}

/// Turns a TOML syntax or shape error into a finding with its line, job and field.
fn locate_toml_error(source: &str, file: &str, error: &toml::de::Error) -> Finding {
    let offset = error.span().map(|span| span.start);
    let message = error.message().trim().to_string();
    let mut finding = Finding {
        file: file.to_string(),
        line: offset.map(|offset| line_of(source, offset)),
        job: None,
        field: quoted_field(&message),
        message,
    };
    let (Some(offset), Ok(root)) = (offset, toml::de::DeTable::parse(source)) else {
        return finding;
    };
    let root = root.into_inner();
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
                    let name = table
                        .iter()
                        .find(|(key, _)| key.get_ref().as_ref() == "name")
                        .and_then(|(_, value)| match value.get_ref() {
                            toml::de::DeValue::String(name) => Some(name.to_string()),
                            _ => None,
                        })
                        .unwrap_or_else(|| format!("#{}", index + 1));
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
