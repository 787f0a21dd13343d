//! Expressing a live Dkron job as a `tier1.toml` entry, or saying why it cannot be one.
//!
//! The `/send` URL is split back into `restate_url`, `service`, `key` and `handler` by
//! `crate::restate::target` (which also builds it, percent-encoding and all); the headers lose the
//! implied `Content-Type: application/json`; the JSON body becomes a TOML value; the schedule is
//! written as Dkron stores it. A header whose value came from the environment — the job's
//! `env-headers` metadata says so, with the value as written — is written as that reference, and
//! of a job without that record, values of secret-looking headers become generated references:
//! either way the value never reaches the file or any output.

use std::collections::BTreeSet;

use super::EnvReference;
use crate::dkron::{Job, MIGRATED_FROM_KEY};
use crate::restate::target::RestateTarget;

/// Dkron's HTTP executor timeout when `timeout` is absent or not whole seconds.
const DKRON_DEFAULT_TIMEOUT: u32 = 30;

/// An entry as it will be written; every field explicit (factoring into `[defaults]` happens when
/// the document is written).
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) name: String,
    pub(super) display_name: Option<String>,
    pub(super) schedule: String,
    pub(super) timezone: String,
    pub(super) migrated_from: Option<String>,
    pub(super) service: String,
    pub(super) handler: String,
    pub(super) key: Option<String>,
    pub(super) body: Option<toml::Value>,
    pub(super) enabled: bool,
    pub(super) restate_url: String,
    pub(super) retries: i64,
    pub(super) timeout_seconds: i64,
    /// (name, value as written: literal or a `${env:…}` reference).
    pub(super) headers: Vec<(String, String)>,
    pub(super) secrets: Vec<EnvReference>,
    pub(super) notes: Vec<String>,
}

/// Maps a live job back to an entry, or says why it cannot be one.
pub(super) fn express(job: &Job, set: &str) -> Result<Entry, String> {
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
    let env_headers = job.env_headers();
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
pub(super) fn env_values(template: &str, value: &str) -> Option<Vec<(String, String)>> {
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
