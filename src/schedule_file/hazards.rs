//! What `validate` adds to loading a manifest: the hazards of Dkron HTTP jobs that POST to Restate.
//!
//! A manifest that loads is one Dkron will accept and render as meant, but some valid entries
//! still do something other than what their author probably wanted: a fixed `idempotency-key`
//! dedupes every later fire for a day, a Workflow `run` with a key runs once, a zone on `@every`
//! does nothing, a 5-field cron with a step in its first field steps minutes, a schedule can name a
//! date that never comes. Each hazard is a [`Check`] with a severity and the same location as a
//! load finding (file, line, job, field); load findings are all errors.
//!
//! Some hazards of hand-written Dkron HTTP jobs cannot occur in a manifest at all: the renderer
//! always sets `Content-Type: application/json`, targets `/send` with `expectCode: "202"` and
//! writes `concurrency: allow`, and loading rejects header values with `:` and non-JSON bodies.
//! [`check_rendered`] asserts those invariants on every rendered job anyway (a broken invariant
//! is an error), so a future change to the renderer cannot silently reintroduce them.
//!
//! Line numbers come from the file's own spans (the validated [`super::JobDef`] has none): the
//! document is parsed a second time into `toml`'s spanned tree.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use chrono::{DateTime, Datelike, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use super::render::{Rendered, render};
use super::{Finding, Manifest, Overrides};
use crate::schedule::{Schedule, format_in, parse_zone};

/// How bad a finding is: errors fail `validate` (exit 2), warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

/// One finding of `validate`: a load finding (always an error) or a hazard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub file: String,
    pub line: Option<usize>,
    pub job: Option<String>,
    pub field: Option<String>,
    pub severity: Severity,
    pub message: String,
}

impl Check {
    fn from_finding(finding: Finding, severity: Severity) -> Self {
        let Finding {
            file,
            line,
            job,
            field,
            message,
        } = finding;
        Self {
            file,
            line,
            job,
            field,
            severity,
            message,
        }
    }

    /// The location and message without the severity, as a load finding prints.
    pub fn location_and_message(&self) -> String {
        Finding {
            file: self.file.clone(),
            line: self.line,
            job: self.job.clone(),
            field: self.field.clone(),
            message: self.message.clone(),
        }
        .to_string()
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.severity.as_str(),
            self.location_and_message()
        )
    }
}

/// The outcome of validating one manifest file.
#[derive(Debug)]
pub struct Validation {
    pub file: String,
    /// The validated manifest, when it loads.
    pub manifest: Option<Manifest>,
    /// Every finding, in file order (load findings and hazards together).
    pub findings: Vec<Check>,
}

impl Validation {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|finding| finding.severity == severity)
            .count()
    }
}

/// Loads `path` exactly as `sync-tier1` does (environment included) and adds the hazards.
pub fn validate(path: &Path, overrides: &Overrides, now: DateTime<Utc>) -> Validation {
    let as_errors = |findings: Vec<Finding>| -> Vec<Check> {
        findings
            .into_iter()
            .map(|finding| Check::from_finding(finding, Severity::Error))
            .collect()
    };
    match super::read_source(path) {
        Ok(source) => {
            let mut validation = validate_source(
                &source.text,
                path,
                overrides,
                &|name| std::env::var(name).ok(),
                now,
            );
            if !source.findings.is_empty() {
                let mut findings = as_errors(source.findings);
                findings.append(&mut validation.findings);
                findings.sort_by_key(|finding| finding.line.unwrap_or(0));
                validation.findings = findings;
                validation.manifest = None;
            }
            validation
        }
        // The same "cannot read" finding as `load`.
        Err(error) => Validation {
            file: error.file,
            manifest: None,
            findings: as_errors(error.findings),
        },
    }
}

/// [`validate`] on text already read; `env` resolves `${env:NAME}` references.
pub fn validate_source(
    source: &str,
    path: &Path,
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
    now: DateTime<Utc>,
) -> Validation {
    let file = path.display().to_string();
    let mut findings = Vec::new();
    let manifest = match super::parse(source, path, overrides, env) {
        Ok(manifest) => Some(manifest),
        Err(error) => {
            findings.extend(
                error
                    .findings
                    .into_iter()
                    .map(|finding| Check::from_finding(finding, Severity::Error)),
            );
            None
        }
    };
    let mut scanner = Scanner {
        source,
        lines: super::Lines::new(source),
        file: file.clone(),
        now,
        findings: Vec::new(),
        job_lines: BTreeMap::new(),
    };
    scanner.scan();
    findings.append(&mut scanner.findings);
    if let Some(manifest) = &manifest {
        for def in &manifest.jobs {
            for (field, message) in check_rendered(&render(def)) {
                findings.push(Check {
                    file: file.clone(),
                    line: scanner.job_lines.get(&def.name).copied(),
                    job: Some(def.name.clone()),
                    field: Some(field),
                    severity: Severity::Error,
                    message,
                });
            }
        }
    }
    // File order; findings without a line (an unreadable file) first. The sort is stable, so
    // findings on one line keep the order they were found in.
    findings.sort_by_key(|finding| finding.line.unwrap_or(0));
    Validation {
        file,
        manifest,
        findings,
    }
}

/// The invariants every rendered job must hold for Dkron to call Restate as meant. They hold by
/// construction; a broken one is reported as `(field, message)` rather than written to Dkron.
pub fn check_rendered(rendered: &Rendered) -> Vec<(String, String)> {
    let mut broken = Vec::new();
    let mut fail = |field: &str, message: String| {
        broken.push((
            field.to_string(),
            format!("the rendered Dkron job breaks an invariant (a bug in joelclaw): {message}"),
        ));
    };
    if rendered.executor != "http" {
        fail(
            "executor",
            format!("executor is `{}`, not `http`", rendered.executor),
        );
    }
    if rendered.concurrency != "allow" {
        fail(
            "concurrency",
            format!(
                "concurrency is `{}`: `forbid` cannot see a Restate invocation, which outlives the 202",
                rendered.concurrency
            ),
        );
    }
    let config = &rendered.executor_config;
    let get = |key: &str| config.get(key).map(String::as_str);
    if get("method") != Some("POST") {
        fail(
            "executor_config.method",
            format!("method is {:?}, not POST", get("method")),
        );
    }
    match get("url").map(url::Url::parse) {
        Some(Ok(url)) if url.path().ends_with("/send") && url.query().is_none() => {}
        _ => fail(
            "executor_config.url",
            format!(
                "url {:?} is not a Restate `/send` URL (only `/send` answers 202 at once)",
                get("url")
            ),
        ),
    }
    if get("expectCode") != Some("202") {
        fail(
            "executor_config.expectCode",
            format!(
                "expectCode is {:?}: `/send` answers 202, and without expectCode Dkron counts a 4xx or 5xx as success",
                get("expectCode")
            ),
        );
    }
    match get("headers").map(serde_json::from_str::<Vec<String>>) {
        Some(Ok(entries)) => {
            let mut json_content_type = false;
            for entry in &entries {
                let pieces: Vec<&str> = entry.split(':').collect();
                if pieces.len() != 2 {
                    fail(
                        "executor_config.headers",
                        format!(
                            "entry {entry:?} has {} `:`; Dkron splits each entry on `:` and keeps only the second piece (none: its plugin panics)",
                            pieces.len() - 1
                        ),
                    );
                    continue;
                }
                if pieces[0].trim().eq_ignore_ascii_case("content-type") {
                    if pieces[1].trim().starts_with("application/json") {
                        json_content_type = true;
                    } else {
                        fail(
                            "executor_config.headers",
                            format!("{entry:?}: Restate ingress answers 400 to anything but JSON"),
                        );
                    }
                }
            }
            if !json_content_type {
                fail(
                    "executor_config.headers",
                    "no `Content-Type: application/json`: Dkron sends none of its own and Restate answers 400"
                        .to_string(),
                );
            }
        }
        _ => fail(
            "executor_config.headers",
            format!(
                "headers {:?} is not a JSON list of strings: Dkron would send none",
                get("headers")
            ),
        ),
    }
    match get("timeout").map(str::parse::<u32>) {
        Some(Ok(seconds)) if (1..=86_400).contains(&seconds) => {}
        _ => fail(
            "executor_config.timeout",
            format!(
                "timeout {:?} is not whole seconds in 1..=86400 (Dkron falls back to 30)",
                get("timeout")
            ),
        ),
    }
    if let Some(body) = get("body")
        && serde_json::from_str::<serde_json::Value>(body).is_err()
    {
        fail(
            "executor_config.body",
            "the body is not JSON: Restate would accept it with 202 and fail the invocation"
                .to_string(),
        );
    }
    broken
}

/// Walks the spanned document for the hazards; tolerant of anything loading already reports.
struct Scanner<'s> {
    source: &'s str,
    lines: super::Lines,
    file: String,
    now: DateTime<Utc>,
    findings: Vec<Check>,
    /// The line of each job's `[[jobs]]` header, by name.
    job_lines: BTreeMap<String, usize>,
}

type Entry<'t, 'i> = (&'t Spanned<DeString<'i>>, &'t Spanned<DeValue<'i>>);

fn entry<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<Entry<'t, 'i>> {
    table
        .iter()
        .find(|(name, _)| name.get_ref().as_ref() == key)
}

/// A string value and its span.
fn string<'t>(table: &'t DeTable<'_>, key: &str) -> Option<(&'t str, Range<usize>)> {
    entry(table, key)
        .and_then(|(_, value)| value.get_ref().as_str().map(|text| (text, value.span())))
}

impl Scanner<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        self.lines.line(span.start)
    }

    fn warn(&mut self, span: Range<usize>, job: Option<&str>, field: &str, message: String) {
        self.push(span, job, field, Severity::Warning, message);
    }

    fn push(
        &mut self,
        span: Range<usize>,
        job: Option<&str>,
        field: &str,
        severity: Severity,
        message: String,
    ) {
        self.findings.push(Check {
            file: self.file.clone(),
            line: Some(self.line(span)),
            job: job.map(str::to_string),
            field: Some(field.to_string()),
            severity,
            message,
        });
    }

    fn scan(&mut self) {
        // A file that does not parse has its syntax error as a load finding already.
        let Ok(root) = DeTable::parse(self.source) else {
            return;
        };
        let root = root.get_ref();
        let defaults = entry(root, "defaults").and_then(|(_, value)| value.get_ref().as_table());
        if let Some(defaults) = defaults {
            self.headers(defaults, None);
        }
        let default_zone = defaults.and_then(|defaults| string(defaults, "timezone"));
        let Some(jobs) = entry(root, "jobs").and_then(|(_, value)| value.get_ref().as_array())
        else {
            return;
        };
        for (index, job) in jobs.iter().enumerate() {
            let Some(table) = job.get_ref().as_table() else {
                continue;
            };
            let name = string(table, "name")
                .map(|(name, _)| name.to_string())
                .unwrap_or_else(|| format!("#{}", index + 1));
            let line = self.line(job.span());
            self.job_lines.entry(name.clone()).or_insert(line);
            self.headers(table, Some(&name));
            self.schedule(table, &name, default_zone.clone());
            self.workflow_key(table, &name);
        }
    }

    /// Header hazards of one `headers` table (of `[defaults]` when `job` is `None`).
    fn headers(&mut self, table: &DeTable<'_>, job: Option<&str>) {
        let Some(headers) =
            entry(table, "headers").and_then(|(_, value)| value.get_ref().as_table())
        else {
            return;
        };
        let mut by_lower: BTreeMap<String, Vec<(String, Range<usize>)>> = BTreeMap::new();
        for (name, value) in headers.iter() {
            let name_text = name.get_ref().to_string();
            if name_text.eq_ignore_ascii_case("idempotency-key") {
                self.push(
                    value.span(),
                    job,
                    &format!("headers.{name_text}"),
                    Severity::Error,
                    "a fixed `idempotency-key` makes Restate take every later fire for a repeat of the first: each is answered 202 \"PreviouslyAccepted\" and nothing runs until the key expires (Restate's retention, 1 day by default). Dkron cannot vary a header per fire; remove it".to_string(),
                );
            }
            by_lower
                .entry(name_text.to_ascii_lowercase())
                .or_default()
                .push((name_text, name.span()));
        }
        for mut names in by_lower.into_values().filter(|names| names.len() > 1) {
            // Loading merges headers in byte order of their names; the last one wins.
            names.sort_by(|a, b| a.0.cmp(&b.0));
            let (winner, _) = names.pop().expect("more than one");
            for (loser, span) in names {
                self.warn(
                    span,
                    job,
                    &format!("headers.{loser}"),
                    format!(
                        "`{loser}` and `{winner}` name the same header (header names are case-insensitive): only `{winner}` is sent"
                    ),
                );
            }
        }
    }

    fn schedule(
        &mut self,
        table: &DeTable<'_>,
        job: &str,
        default_zone: Option<(&str, Range<usize>)>,
    ) {
        let Some((text, span)) = string(table, "schedule") else {
            return;
        };
        // An unparsable schedule is a load finding already.
        let Ok(schedule) = Schedule::parse(text) else {
            return;
        };
        let own_zone = string(table, "timezone");
        let inherited = own_zone.is_none() && default_zone.is_some();
        let (zone_name, zone_span) = own_zone
            .or(default_zone)
            .map_or(("UTC", span.clone()), |(zone, zone_span)| (zone, zone_span));
        // The zone's own span when the job sets one; else the schedule's line names the job.
        let zone_span = if inherited { span.clone() } else { zone_span };
        let Ok(zone) = parse_zone(zone_name) else {
            return;
        };
        let shown = text.trim();
        if schedule.dkron.starts_with('@') {
            let word = schedule.dkron.split_whitespace().next().unwrap_or_default();
            if !is_utc(zone, self.now) {
                let why = match word {
                    "@every" => {
                        "an `@every` interval counts from each write of the job, in no zone"
                    }
                    "@at" => "`@at` fires at the instant written, whose own offset decides",
                    _ => "`@manually` never fires by itself",
                };
                self.warn(
                    zone_span,
                    Some(job),
                    "timezone",
                    format!(
                        "`timezone = \"{zone_name}\"`{} has no effect on `{shown}`: {why}",
                        if inherited { " (from [defaults])" } else { "" }
                    ),
                );
            }
            if word == "@at" && schedule.next_fires(zone, self.now, 1).is_empty() {
                self.warn(
                    span,
                    Some(job),
                    "schedule",
                    format!(
                        "`{shown}` is in the past (now is {}): Dkron stores the job and never fires it",
                        format_in(&self.now)
                    ),
                );
            }
            return;
        }
        let fields: Vec<&str> = shown.split_whitespace().collect();
        if fields.len() == 5 && fields[0].contains('/') {
            self.warn(
                span.clone(),
                Some(job),
                "schedule",
                format!(
                    "`{shown}` has 5 fields, read as minute hour day-of-month month day-of-week (Inngest), so `{}` steps minutes and Dkron stores `{}`; if seconds were meant, write 6 fields, seconds first (`{shown} *`)",
                    fields[0], schedule.dkron
                ),
            );
        }
        if schedule.next_fires(zone, self.now, 1).is_empty() {
            self.warn(
                span,
                Some(job),
                "schedule",
                format!(
                    "`{shown}` can never fire (no date matches it): Dkron accepts it and never runs the job"
                ),
            );
        }
    }

    /// A key on a `run` handler: a Workflow's `run` executes once per key.
    fn workflow_key(&mut self, table: &DeTable<'_>, job: &str) {
        let (Some((_, key_span)), Some(("run", _))) =
            (string(table, "key"), string(table, "handler"))
        else {
            return;
        };
        let service = string(table, "service").map_or("the service", |(service, _)| service);
        self.warn(
            key_span,
            Some(job),
            "key",
            format!(
                "a `key` with `handler = \"run\"`: if `{service}` is a Workflow, its `run` executes once per key, so every fire after the first is answered \"PreviouslyAccepted\" and does nothing (Dkron cannot vary the key per fire); a Virtual Object handler named `run` is not affected"
            ),
        );
    }
}

/// True when the zone's offset is zero all year (UTC and its aliases, Africa/Abidjan, …).
fn is_utc(zone: Tz, now: DateTime<Utc>) -> bool {
    [1, 7].iter().all(|month| {
        Utc.with_ymd_and_hms(now.year(), *month, 1, 0, 0, 0)
            .single()
            .is_none_or(|instant| {
                zone.offset_from_utc_datetime(&instant.naive_utc())
                    .fix()
                    .local_minus_utc()
                    == 0
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-11-22T12:00:00Z";

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(NOW).unwrap().to_utc()
    }

    fn check(source: &str) -> Validation {
        let env = |name: &str| (name == "TOKEN").then(|| "s3cret".to_string());
        validate_source(
            source,
            Path::new("t.toml"),
            &Overrides::default(),
            &env,
            now(),
        )
    }

    fn lines(validation: &Validation) -> Vec<String> {
        validation
            .findings
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const HEAD: &str = "[defaults]\nrestate_url = \"http://restate:8080\"\n";

    fn job(extra: &str) -> String {
        format!("{HEAD}[[jobs]]\nname = \"j\"\nservice = \"s\"\nhandler = \"h\"\n{extra}\n")
    }

    #[test]
    fn a_clean_manifest_has_no_findings() {
        let validation = check(&job("schedule = \"0 7 * * *\"\nbody = { a = 1 }"));
        assert!(validation.findings.is_empty(), "{:?}", lines(&validation));
        assert!(validation.manifest.is_some());
    }

    #[test]
    fn a_static_idempotency_key_is_an_error_at_its_line() {
        let validation = check(&job(
            "schedule = \"0 7 * * *\"\nheaders = { \"Idempotency-Key\" = \"once\" }",
        ));
        assert_eq!(
            lines(&validation),
            [
                "error: t.toml:8: job `j`, field `headers.Idempotency-Key`: a fixed `idempotency-key` makes Restate take every later fire for a repeat of the first: each is answered 202 \"PreviouslyAccepted\" and nothing runs until the key expires (Restate's retention, 1 day by default). Dkron cannot vary a header per fire; remove it"
            ]
        );
        // In [defaults] it names no job.
        let validation = check(&format!(
            "{HEAD}headers = {{ idempotency-key = \"x\" }}\n[[jobs]]\nname = \"j\"\nschedule = \"@hourly\"\nservice = \"s\"\nhandler = \"h\"\n"
        ));
        assert_eq!(validation.findings[0].job, None);
        assert_eq!(validation.findings[0].line, Some(3));
    }

    #[test]
    fn schedule_hazards_are_warnings() {
        for (extra, field, expected) in [
            ("schedule = \"*/30 * * * *\"", "schedule", "steps minutes"),
            ("schedule = \"0 0 0 31 2 *\"", "schedule", "can never fire"),
            (
                "schedule = \"@at 2020-01-01T00:00:00Z\"",
                "schedule",
                "in the past",
            ),
            (
                "schedule = \"@every 1h\"\ntimezone = \"Europe/Berlin\"",
                "timezone",
                "no effect on `@every 1h`",
            ),
            (
                "schedule = \"@manually\"\ntimezone = \"America/Los_Angeles\"",
                "timezone",
                "never fires by itself",
            ),
        ] {
            let validation = check(&job(extra));
            assert_eq!(
                validation.findings.len(),
                1,
                "{extra}: {:?}",
                lines(&validation)
            );
            let finding = &validation.findings[0];
            assert_eq!(finding.severity, Severity::Warning, "{extra}");
            assert_eq!(finding.field.as_deref(), Some(field), "{extra}");
            assert!(
                finding.message.contains(expected),
                "{extra}: {}",
                finding.message
            );
        }
    }

    #[test]
    fn what_is_not_a_hazard_is_not_reported() {
        for extra in [
            // Descriptors are expanded to 6 fields, so the zone applies.
            "schedule = \"@daily\"\ntimezone = \"Europe/Berlin\"",
            // Six fields with a seconds step mean what they say.
            "schedule = \"*/30 * * * * *\"",
            "schedule = \"@at 2027-01-01T00:00:00Z\"",
            "schedule = \"@every 1h\"\ntimezone = \"Etc/UTC\"",
            "schedule = \"0 0 0 29 2 *\"",
        ] {
            let validation = check(&job(extra));
            assert!(
                validation.findings.is_empty(),
                "{extra}: {:?}",
                lines(&validation)
            );
        }
    }

    #[test]
    fn an_inherited_zone_on_every_points_at_the_schedule() {
        let validation = check(&format!(
            "{HEAD}timezone = \"Europe/Berlin\"\n[[jobs]]\nname = \"j\"\nschedule = \"@every 5m\"\nservice = \"s\"\nhandler = \"h\"\n"
        ));
        assert_eq!(validation.findings.len(), 1, "{:?}", lines(&validation));
        assert_eq!(validation.findings[0].line, Some(6));
        assert!(validation.findings[0].message.contains("(from [defaults])"));
    }

    #[test]
    fn a_key_on_a_run_handler_and_case_duplicated_headers_are_warnings() {
        let source = format!(
            "{HEAD}[[jobs]]\nname = \"w\"\nschedule = \"@hourly\"\nservice = \"orderWorkflow\"\nhandler = \"run\"\nkey = \"k1\"\nheaders = {{ \"X-Trace\" = \"a\", \"x-trace\" = \"b\" }}\n"
        );
        let validation = check(&source);
        assert!(validation.manifest.is_some());
        let found: Vec<_> = validation
            .findings
            .iter()
            .map(|finding| {
                (
                    finding.line,
                    finding.field.clone().unwrap(),
                    finding.severity,
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (Some(8), "key".to_string(), Severity::Warning),
                (Some(9), "headers.X-Trace".to_string(), Severity::Warning),
            ]
        );
        assert!(
            validation.findings[1]
                .message
                .contains("only `x-trace` is sent")
        );
    }

    #[test]
    fn load_findings_are_errors_and_hazards_still_show_beside_them() {
        let validation = check(&job(
            "schedule = \"0 61 * * *\"\nheaders = { idempotency-key = \"k\" }\ntimezone = \"Mars/Olympus\"",
        ));
        assert!(validation.manifest.is_none());
        let fields: Vec<_> = validation
            .findings
            .iter()
            .map(|finding| finding.field.clone().unwrap())
            .collect();
        assert_eq!(fields, ["schedule", "headers.idempotency-key", "timezone"]);
        assert_eq!(validation.count(Severity::Error), 3);
    }

    #[test]
    fn every_invariant_of_a_rendered_job_is_checked() {
        let validation = check(&job("schedule = \"@hourly\"\nbody = { a = 1 }"));
        let good = render(&validation.manifest.unwrap().jobs[0]);
        assert!(check_rendered(&good).is_empty());
        let mut bad = good.clone();
        bad.executor = "shell".into();
        bad.concurrency = "forbid".into();
        for (key, value) in [
            ("method", "GET"),
            ("url", "http://restate:8080/s/h"),
            ("expectCode", "200"),
            ("headers", r#"["x-a: b:c","Content-Type: text/plain"]"#),
            ("timeout", "30s"),
            ("body", "{not json"),
        ] {
            bad.executor_config.insert(key.into(), value.into());
        }
        let fields: Vec<String> = check_rendered(&bad)
            .into_iter()
            .map(|(field, _)| field)
            .collect();
        assert_eq!(
            fields,
            [
                "executor",
                "concurrency",
                "executor_config.method",
                "executor_config.url",
                "executor_config.expectCode",
                "executor_config.headers",
                "executor_config.headers",
                "executor_config.headers",
                "executor_config.timeout",
                "executor_config.body",
            ]
        );
        bad.executor_config.remove("headers");
        assert!(
            check_rendered(&bad)
                .iter()
                .any(|(field, message)| field == "executor_config.headers"
                    && message.contains("not a JSON list"))
        );
    }
}
