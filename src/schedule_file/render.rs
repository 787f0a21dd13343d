//! Rendering a [`JobDef`] into the Dkron HTTP-executor job that POSTs to Restate ingress, and
//! comparing it with what Dkron has stored.
//!
//! The rules the rendered job must follow (a JSON `Content-Type`, `/send` with `expectCode: "202"`,
//! headers as a JSON array in a string) live here; the `/send` URL itself is built by
//! `crate::restate::target`, which also reads it back.
//! The fields this tool controls are exactly those [`Rendered`] holds; everything else on a live job
//! (tags, processors, owner, foreign metadata keys, counters) is kept as Dkron has it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Header, JobDef};
use crate::dkron::{
    ENV_HEADERS_KEY, Job, MANAGED_BY_KEY, MANAGED_BY_VALUE, MIGRATED_FROM_KEY, RESTATE_HANDLER_KEY,
    RESTATE_KEY_KEY, RESTATE_SERVICE_KEY, RUNTIME_KEY, SET_KEY,
};
use crate::restate::target::send_url;

/// The metadata keys this tool writes; any other key on a live job belongs to someone else.
pub const OWNED_METADATA_KEYS: &[&str] = &[
    MANAGED_BY_KEY,
    SET_KEY,
    RUNTIME_KEY,
    MIGRATED_FROM_KEY,
    RESTATE_SERVICE_KEY,
    RESTATE_HANDLER_KEY,
    RESTATE_KEY_KEY,
    ENV_HEADERS_KEY,
];

const CONTENT_TYPE: &str = "Content-Type";
const JSON: &str = "application/json";
/// Restate's `/send` answers 202 Accepted; anything else is a failed fire.
const EXPECT_CODE: &str = "202";

/// Ensures a JSON `Content-Type` header: Dkron sends none of its own and Restate answers 400
/// without one. Headers come out sorted by name, `Content-Type` first, so renders are stable.
pub fn with_content_type(mut headers: Vec<Header>) -> Vec<Header> {
    if !headers
        .iter()
        .any(|header| header.name.eq_ignore_ascii_case(CONTENT_TYPE))
    {
        headers.push(Header {
            name: CONTENT_TYPE.to_string(),
            value: JSON.to_string(),
            env: None,
            secrets: Vec::new(),
            template: None,
        });
    }
    headers.sort_by_key(|header| {
        (
            !header.name.eq_ignore_ascii_case(CONTENT_TYPE),
            header.name.to_ascii_lowercase(),
        )
    });
    headers
}

/// The fields of a Dkron job that this tool controls, as they should be stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rendered {
    pub name: String,
    pub displayname: String,
    pub schedule: String,
    pub timezone: String,
    pub disabled: bool,
    pub retries: u32,
    pub concurrency: String,
    pub executor: String,
    pub executor_config: BTreeMap<String, String>,
    /// Only the keys of [`OWNED_METADATA_KEYS`] that have a value.
    pub metadata: BTreeMap<String, String>,
    /// Headers whose values came from the environment: their values never leave the process.
    #[serde(skip)]
    pub secret_headers: Vec<SecretHeader>,
    /// Headers written literally in the file (name, value): the only header values a diff shows.
    #[serde(skip)]
    pub literal_headers: Vec<(String, String)>,
}

/// Renders a job definition.
pub fn render(def: &JobDef) -> Rendered {
    let url = send_url(
        &def.restate_url,
        &def.service,
        def.key.as_deref(),
        &def.handler,
    );
    let headers: Vec<String> = def
        .headers
        .iter()
        .map(|header| format!("{}: {}", header.name, header.value))
        .collect();
    let mut executor_config = BTreeMap::from([
        ("method".to_string(), "POST".to_string()),
        ("url".to_string(), url.to_string()),
        (
            "headers".to_string(),
            serde_json::to_string(&headers).expect("strings serialize"),
        ),
        ("timeout".to_string(), def.timeout_seconds.to_string()),
        ("expectCode".to_string(), EXPECT_CODE.to_string()),
    ]);
    if let Some(body) = &def.body {
        executor_config.insert("body".to_string(), body.to_string());
    }
    let mut metadata = BTreeMap::from([
        (MANAGED_BY_KEY.to_string(), MANAGED_BY_VALUE.to_string()),
        (SET_KEY.to_string(), def.set.clone()),
        (RUNTIME_KEY.to_string(), "restate".to_string()),
        (RESTATE_SERVICE_KEY.to_string(), def.service.clone()),
        (RESTATE_HANDLER_KEY.to_string(), def.handler.clone()),
    ]);
    if let Some(from) = &def.migrated_from {
        metadata.insert(MIGRATED_FROM_KEY.to_string(), from.clone());
    }
    if let Some(key) = &def.key {
        metadata.insert(RESTATE_KEY_KEY.to_string(), key.clone());
    }
    // Where each environment-supplied header came from (`${env:…}` as written, never the value),
    // so a reader of the live job — `export` — knows which values are secrets.
    let templates: BTreeMap<&str, &str> = def
        .headers
        .iter()
        .filter_map(|header| Some((header.name.as_str(), header.template.as_deref()?)))
        .collect();
    if !templates.is_empty() {
        metadata.insert(
            ENV_HEADERS_KEY.to_string(),
            serde_json::to_string(&templates).expect("strings serialize"),
        );
    }
    Rendered {
        name: def.name.clone(),
        displayname: def.display_name.clone(),
        schedule: def.schedule.dkron.clone(),
        timezone: def.timezone.name().to_string(),
        disabled: !def.enabled,
        retries: def.retries,
        concurrency: "allow".to_string(),
        executor: "http".to_string(),
        executor_config,
        metadata,
        literal_headers: def
            .headers
            .iter()
            .filter(|header| header.env.is_none())
            .map(|header| (header.name.clone(), header.value.clone()))
            .collect(),
        secret_headers: def
            .headers
            .iter()
            .filter(|header| header.env.is_some())
            .map(|header| SecretHeader {
                name: header.name.clone(),
                values: std::iter::once(header.value.clone())
                    .chain(header.secrets.iter().cloned())
                    .filter(|value| !value.is_empty())
                    .collect(),
                shown: header.display_value(),
            })
            .collect(),
    }
}

impl Rendered {
    /// The job to write: `base` (the live job, or an empty one for a create) with every controlled
    /// field replaced. Foreign metadata keys survive; our keys that no longer apply are removed.
    pub fn onto(&self, base: Option<&Job>) -> Job {
        let mut job = base.cloned().unwrap_or_default();
        job.id = self.name.clone();
        job.name = self.name.clone();
        job.displayname = self.displayname.clone();
        job.schedule = self.schedule.clone();
        job.timezone = self.timezone.clone();
        job.disabled = self.disabled;
        job.retries = self.retries;
        job.concurrency = self.concurrency.clone();
        job.executor = self.executor.clone();
        job.executor_config = self.executor_config.clone();
        job.metadata
            .retain(|key, _| !OWNED_METADATA_KEYS.contains(&key.as_str()));
        job.metadata.extend(self.metadata.clone());
        job
    }

    /// The controlled fields that differ between `live` and this render, values redacted.
    pub fn diff(&self, live: &Job) -> Vec<FieldChange> {
        let mut changes = Vec::new();
        let mut field = |name: &str, from: String, to: String| {
            if from != to {
                // A live header value may be a secret this file never knew (a header since
                // removed, another owner's job): only values written literally here are shown.
                let from = if name == "executor_config.headers" {
                    self.mask_live_headers(&from)
                } else {
                    self.redact(&from)
                };
                changes.push(FieldChange {
                    field: name.to_string(),
                    from,
                    to: self.redact(&to),
                });
            }
        };
        field(
            "displayname",
            live.displayname.clone(),
            self.displayname.clone(),
        );
        field("schedule", live.schedule.clone(), self.schedule.clone());
        field("timezone", live.timezone.clone(), self.timezone.clone());
        field(
            "disabled",
            live.disabled.to_string(),
            self.disabled.to_string(),
        );
        field(
            "retries",
            live.retries.to_string(),
            self.retries.to_string(),
        );
        // Dkron treats an empty concurrency as "allow".
        let live_concurrency = match live.concurrency.as_str() {
            "" => "allow",
            other => other,
        };
        field(
            "concurrency",
            live_concurrency.to_string(),
            self.concurrency.clone(),
        );
        field("executor", live.executor.clone(), self.executor.clone());
        let config_keys: std::collections::BTreeSet<&String> = live
            .executor_config
            .keys()
            .chain(self.executor_config.keys())
            .collect();
        for key in config_keys {
            field(
                &format!("executor_config.{key}"),
                live.executor_config.get(key).cloned().unwrap_or_default(),
                self.executor_config.get(key).cloned().unwrap_or_default(),
            );
        }
        for key in OWNED_METADATA_KEYS {
            field(
                &format!("metadata.{key}"),
                live.metadata.get(*key).cloned().unwrap_or_default(),
                self.metadata.get(*key).cloned().unwrap_or_default(),
            );
        }
        changes
    }

    /// A live `headers` value as it may be printed: entries identical to a literal header of the
    /// file keep their value, every other value is masked.
    fn mask_live_headers(&self, text: &str) -> String {
        if text.is_empty() {
            return String::new();
        }
        let Ok(entries) = serde_json::from_str::<Vec<String>>(text) else {
            return "<redacted: not a JSON list>".to_string();
        };
        let shown: Vec<String> = entries
            .into_iter()
            .map(|entry| {
                let (name, value) = entry.split_once(':').unwrap_or((entry.as_str(), ""));
                let (name, value) = (name.trim(), value.trim());
                let literal = self.literal_headers.iter().any(|(known, known_value)| {
                    known.eq_ignore_ascii_case(name) && known_value == value
                });
                if literal {
                    format!("{name}: {value}")
                } else {
                    format!("{name}: <redacted>")
                }
            })
            .collect();
        serde_json::to_string(&shown).expect("strings serialize")
    }

    /// Makes text printable: environment-sourced header values are replaced by their references,
    /// both as entries of a rendered `headers` array (whatever their live value) and anywhere else
    /// they occur verbatim (an error message quoting a request, say).
    pub fn redact(&self, text: &str) -> String {
        let mut redacted = redact_headers(text, &self.secret_headers);
        for secret in &self.secret_headers {
            // The whole header value first, then the bare environment values inside it.
            for value in &secret.values {
                redacted = redacted.replace(value, &secret.shown);
            }
        }
        redacted
    }

    /// The executor config as it may be printed.
    pub fn display_executor_config(&self) -> BTreeMap<String, String> {
        self.executor_config
            .iter()
            .map(|(key, value)| (key.clone(), self.redact(value)))
            .collect()
    }
}

/// Redacts `Name: value` entries of the named headers in a JSON header array string. Works on the
/// parsed array so that a live job whose secret differs from ours is redacted too.
fn redact_headers(text: &str, secret_headers: &[SecretHeader]) -> String {
    if secret_headers.is_empty() {
        return text.to_string();
    }
    let Ok(entries) = serde_json::from_str::<Vec<String>>(text) else {
        return text.to_string();
    };
    let redacted: Vec<String> = entries
        .into_iter()
        .map(|entry| {
            let name = entry.split(':').next().unwrap_or_default().trim();
            match secret_headers
                .iter()
                .find(|secret| secret.name.eq_ignore_ascii_case(name))
            {
                Some(secret) => format!("{name}: {}", secret.shown),
                None => entry,
            }
        })
        .collect();
    serde_json::to_string(&redacted).expect("strings serialize")
}

/// A header whose value came from the environment.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretHeader {
    pub name: String,
    /// The full value, then each environment value it contains.
    pub values: Vec<String>,
    /// What is printed instead of the value.
    pub shown: String,
}

/// One controlled field whose live value differs from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub from: String,
    pub to: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule_file::{Overrides, parse};
    use std::path::Path;

    fn def(extra: &str) -> JobDef {
        let source = format!(
            r#"
[defaults]
restate_url = "http://restate:8080/"
headers = {{ "x-joelclaw-source" = "dkron", "authorization" = "Bearer ${{env:TOKEN}}" }}
[[jobs]]
name = "restate-health-check"
schedule = "7 * * * *"
service = "dagOrchestrator"
handler = "run"
body = {{ pipeline = "health" }}
{extra}
"#
        );
        let env = |name: &str| (name == "TOKEN").then(|| "s3cret".to_string());
        parse(&source, Path::new("t.toml"), &Overrides::default(), &env)
            .unwrap()
            .jobs
            .remove(0)
    }

    #[test]
    fn renders_an_http_job_that_posts_to_restate_send() {
        let rendered = render(&def(""));
        assert_eq!(rendered.schedule, "0 7 * * * *");
        assert_eq!(rendered.executor, "http");
        let config = &rendered.executor_config;
        assert_eq!(
            config["url"],
            "http://restate:8080/dagOrchestrator/run/send"
        );
        assert_eq!(config["method"], "POST");
        assert_eq!(config["expectCode"], "202");
        assert_eq!(config["timeout"], "30");
        assert_eq!(config["body"], r#"{"pipeline":"health"}"#);
        assert_eq!(
            config["headers"],
            r#"["Content-Type: application/json","authorization: Bearer s3cret","x-joelclaw-source: dkron"]"#
        );
        assert_eq!(rendered.metadata["managed-by"], "joelclaw");
        assert_eq!(rendered.metadata["set"], "tier1");
    }

    #[test]
    fn keyed_targets_put_the_percent_encoded_key_in_the_path() {
        let rendered = render(&def(r#"key = "a b/c""#));
        assert_eq!(
            rendered.executor_config["url"],
            "http://restate:8080/dagOrchestrator/a%20b%2Fc/run/send"
        );
        assert_eq!(rendered.metadata["restate-key"], "a b/c");
    }

    #[test]
    fn secrets_never_appear_in_display_or_diff() {
        let rendered = render(&def(""));
        let shown = rendered.display_executor_config()["headers"].clone();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("${env:TOKEN}"), "{shown}");
        let mut live = rendered.onto(None);
        live.executor_config.insert(
            "headers".into(),
            r#"["Content-Type: application/json","authorization: old-secret","x-removed: gone"]"#
                .into(),
        );
        let diff = rendered.diff(&live);
        let text = serde_json::to_string(&diff).unwrap();
        assert!(
            !text.contains("s3cret") && !text.contains("old-secret"),
            "{text}"
        );
        assert!(
            !text.contains("gone"),
            "a header the file no longer has: {text}"
        );
        assert!(
            text.contains("Content-Type: application/json"),
            "literals stay readable: {text}"
        );
    }

    #[test]
    fn a_written_job_diffs_clean_and_keeps_foreign_fields() {
        let rendered = render(&def(""));
        let mut live = rendered.onto(None);
        live.metadata.insert("paused-by".into(), "ops".into());
        live.metadata.insert("restate-key".into(), "stale".into());
        live.tags.insert("role".into(), "dkron".into());
        live.success_count = 7;
        live.concurrency = String::new();
        let diff = rendered.diff(&live);
        assert_eq!(diff.len(), 1, "{diff:?}");
        assert_eq!(diff[0].field, "metadata.restate-key");
        let rewritten = rendered.onto(Some(&live));
        assert_eq!(
            rewritten.metadata.get("paused-by").map(String::as_str),
            Some("ops")
        );
        assert_eq!(rewritten.metadata.get("restate-key"), None);
        assert_eq!(rewritten.tags.len(), 1);
        assert!(rendered.diff(&rewritten).is_empty());
    }
}
