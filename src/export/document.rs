//! The exported file as a TOML document (`toml_edit`): a header comment, the skipped jobs,
//! `[defaults]` with what most entries share, then one `[[jobs]]` table per entry with what a sync
//! of it would do as comments. Every value is written from a representation made here — a basic
//! string with every control, bidirectional and line-separator character escaped (`\u202E`) — so
//! the file holds exactly the live values and no character a terminal would obey, and printing it
//! (`export > tier1.toml`) changes nothing. What is written is decided in [`super::entry`]; that
//! it loads and syncs back unchanged is proved in [`super`].

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

use super::entry::Entry;
use super::{EnvReference, ExportedJob, Skipped};

/// What most entries share, written once in `[defaults]`; an entry that differs sets its own.
#[derive(Debug, Default)]
pub(super) struct Defaults {
    restate_url: Option<String>,
    timezone: Option<String>,
    retries: Option<i64>,
    timeout_seconds: Option<i64>,
    headers: Vec<(String, String)>,
}

impl Defaults {
    pub(super) fn common(entries: &[Entry]) -> Self {
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

/// A TOML basic string for `text`, with every character a terminal would obey escaped: the
/// decoded value is `text` exactly.
fn basic(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if crate::terminal::safe(c.encode_utf8(&mut [0; 4])) != c.to_string() => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A key as TOML writes it: bare when it can be, else a basic string.
fn key(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        text.to_string()
    } else {
        basic(text)
    }
}

/// A body value in TOML's inline syntax, strings and keys through [`basic`] and [`key`].
fn inline(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => basic(text),
        toml::Value::Table(table) if table.is_empty() => "{}".to_string(),
        toml::Value::Table(table) => {
            let pairs: Vec<String> = table
                .iter()
                .map(|(name, item)| format!("{} = {}", key(name), inline(item)))
                .collect();
            format!("{{ {} }}", pairs.join(", "))
        }
        toml::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// A value item from a representation this module made (which always parses).
fn item(representation: &str) -> Item {
    let mut value: Value = representation.parse().unwrap_or_else(|error| {
        panic!("export wrote a value TOML does not read ({error}): {representation}")
    });
    value.decor_mut().clear();
    Item::Value(value)
}

fn string(text: &str) -> Item {
    item(&basic(text))
}

fn headers_table(headers: &[&(String, String)]) -> Item {
    let pairs: Vec<String> = headers
        .iter()
        .map(|(name, value)| format!("{} = {}", key(name), basic(value)))
        .collect();
    item(&format!("{{ {} }}", pairs.join(", ")))
}

/// A comment line: one line, whatever the text holds, nothing a terminal would obey.
fn comment(text: &str) -> String {
    format!("# {}\n", crate::terminal::safe(text))
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
pub(super) fn document(
    set: &str,
    entries: &[Entry],
    defaults: &Defaults,
    exported: &[ExportedJob],
    skipped: &[Skipped],
    scope: &str,
) -> String {
    let mut header = String::new();
    if !scope.is_empty() {
        header.push_str(&comment(&format!(
            "tier1.toml exported from Dkron by `joelclaw restate cron export`: {scope}."
        )));
        header.push_str(&comment(
            "Check it with `joelclaw restate cron validate`, then `sync-tier1 --dry-run`; jobs that sync-tier1 wrote sync back unchanged.",
        ));
        let secrets: Vec<&EnvReference> = entries.iter().flat_map(|entry| &entry.secrets).collect();
        if !secrets.is_empty() {
            header.push_str(&comment(
                "Header values from the environment (or that look like secrets) are not written here; set these variables before syncing:",
            ));
            for secret in secrets {
                header.push_str(&comment(&format!(
                    "  {} (job `{}`, header `{}`)",
                    secret.variable, secret.job, secret.header
                )));
            }
        }
        if !skipped.is_empty() {
            header.push_str(&comment(
                "Not exported: these Dkron jobs cannot be written as tier1.toml entries.",
            ));
            for job in skipped {
                header.push_str(&comment(&format!("  `{}`: {}", job.name, job.reason)));
            }
        }
        header.push('\n');
    }
    let mut document = DocumentMut::new();
    let mut table = Table::new();
    table.decor_mut().set_prefix(header);
    table.insert("set", string(set));
    if let Some(url) = &defaults.restate_url {
        table.insert("restate_url", string(url));
    }
    if let Some(zone) = &defaults.timezone {
        table.insert("timezone", string(zone));
    }
    if let Some(retries) = defaults.retries {
        table.insert("retries", item(&retries.to_string()));
    }
    if let Some(timeout) = defaults.timeout_seconds {
        table.insert("timeout_seconds", item(&timeout.to_string()));
    }
    if !defaults.headers.is_empty() {
        let all: Vec<&(String, String)> = defaults.headers.iter().collect();
        table.insert("headers", headers_table(&all));
    }
    document.insert("defaults", Item::Table(table));
    let mut jobs = ArrayOfTables::new();
    for entry in entries {
        let mut notes = String::from("\n");
        let job = exported.iter().find(|job| job.name == entry.name);
        for note in job.map_or(&entry.notes, |job| &job.notes) {
            notes.push_str(&comment(&format!("note: {note}")));
        }
        if let Some(job) = job {
            if !job.owned {
                notes.push_str(&comment(&format!(
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
                notes.push_str(&comment(&format!(
                    "sync-tier1 changes {}: {} -> {}",
                    change.field,
                    shorten(&change.from),
                    shorten(&change.to)
                )));
            }
        }
        let mut table = Table::new();
        table.decor_mut().set_prefix(notes);
        table.insert("name", string(&entry.name));
        if let Some(display) = &entry.display_name {
            table.insert("display_name", string(display));
        }
        table.insert("schedule", string(&entry.schedule));
        if defaults.timezone.as_ref() != Some(&entry.timezone) {
            table.insert("timezone", string(&entry.timezone));
        }
        if let Some(from) = &entry.migrated_from {
            table.insert("migrated_from", string(from));
        }
        table.insert("service", string(&entry.service));
        table.insert("handler", string(&entry.handler));
        if let Some(key) = &entry.key {
            table.insert("key", string(key));
        }
        if let Some(body) = &entry.body {
            table.insert("body", item(&inline(body)));
        }
        if !entry.enabled {
            table.insert("enabled", item("false"));
        }
        if defaults.restate_url.as_ref() != Some(&entry.restate_url) {
            table.insert("restate_url", string(&entry.restate_url));
        }
        if defaults.retries != Some(entry.retries) {
            table.insert("retries", item(&entry.retries.to_string()));
        }
        if defaults.timeout_seconds != Some(entry.timeout_seconds) {
            table.insert("timeout_seconds", item(&entry.timeout_seconds.to_string()));
        }
        let own: Vec<&(String, String)> = entry
            .headers
            .iter()
            .filter(|header| !defaults.headers.contains(header))
            .collect();
        if !own.is_empty() {
            table.insert("headers", headers_table(&own));
        }
        jobs.push(table);
    }
    if !jobs.is_empty() {
        document.insert("jobs", Item::ArrayOfTables(jobs));
    }
    document.to_string()
}
