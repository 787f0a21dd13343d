//! The Restate admin API client (port 9070) and everything we know about its wire.
//!
//! This module owns the requests the CLI makes to Restate's admin API — `/health`, `/version`,
//! `/services` (which services and handlers are registered) and the SQL introspection endpoint
//! `POST /query` over `sys_invocation` — and what their answers mean: JSON error bodies
//! `{"message": …}`, the `accept: application/json` header without which `/query` answers in Arrow,
//! columns left out of a row when they are NULL, and Restate's refusal of a whole query when one
//! invocation id in it does not decode. Commands see typed results and a [`RestateError`] phrased
//! for a person. How the admin URL is reached (directly or through a tunnel) is `crate::tunnel`'s
//! business.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::ErrorKind;
use crate::http::{CarrierFailure, Endpoint, Failure, TransportNote, display_path};
use crate::limits;

/// What went wrong talking to Restate's admin API, phrased for a person.
#[derive(Debug, thiserror::Error)]
pub enum RestateError {
    #[error("cannot reach Restate's admin API at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// The connection failed because the tunnel carrying it failed, and said why.
    #[error("cannot reach Restate's admin API at {url}: {}", .failure.message)]
    Carrier {
        url: String,
        failure: CarrierFailure,
    },
    #[error("Restate's admin API answered {status} to {method} {path}: {message}")]
    Status {
        status: StatusCode,
        method: Method,
        path: String,
        message: String,
    },
    #[error("Restate's admin API answer to {method} {path} is not what it documents: {reason}")]
    Decode {
        method: Method,
        path: String,
        reason: String,
    },
}

impl RestateError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Unreachable { .. } => ErrorKind::RestateUnreachable,
            Self::Carrier { failure, .. } => failure.kind,
            _ => ErrorKind::RestateError,
        }
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            Self::Carrier { failure, .. } => failure.hint.as_deref(),
            Self::Unreachable { .. } => Some(
                "check that Restate is running and that --restate-admin-url / RESTATE_ADMIN_URL points at its admin port (9070), or that the tunnel's --restate-service-name is right",
            ),
            Self::Status { status, .. } if *status == StatusCode::NOT_FOUND => Some(
                "the URL may not be Restate's admin API (port 9070); the ingress (8080) is a different port",
            ),
            _ => None,
        }
    }
}

/// `GET /version`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Version {
    pub version: String,
    #[serde(default)]
    pub min_admin_api_version: u32,
    #[serde(default)]
    pub max_admin_api_version: u32,
}

/// One registered service (`GET /services`).
#[derive(Debug, Clone, Deserialize)]
pub struct Service {
    pub name: String,
    #[serde(default)]
    pub handlers: Vec<Handler>,
    /// How long Restate keeps a completed invocation's status (with the ingress's generated
    /// idempotency key, every `/send` has one), e.g. `1d`.
    #[serde(default)]
    pub idempotency_retention: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Handler {
    pub name: String,
}

#[derive(Debug, Deserialize)]
struct Services {
    services: Vec<Service>,
}

/// The registered services, by name.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub services: BTreeMap<String, Service>,
}

/// Whether a job's target is registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Registration {
    Registered,
    /// Restate knows no service of that name.
    UnknownService,
    /// The service exists but has no handler of that name.
    UnknownHandler,
}

impl Registry {
    pub fn check(&self, service: &str, handler: &str) -> Registration {
        match self.services.get(service) {
            None => Registration::UnknownService,
            Some(found) if found.handlers.iter().any(|h| h.name == handler) => {
                Registration::Registered
            }
            Some(_) => Registration::UnknownHandler,
        }
    }
}

/// An invocation as `sys_invocation` describes it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct Invocation {
    pub id: String,
    #[serde(default)]
    pub target: String,
    /// `scheduled`, `pending`, `ready`, `running`, `suspended`, `backing-off`, `paused` or
    /// `completed`.
    pub status: String,
    /// `success` or `failure` once completed.
    #[serde(default)]
    pub completion_result: Option<String>,
    #[serde(default)]
    pub completion_failure: Option<String>,
    #[serde(default)]
    pub retry_count: Option<u64>,
    #[serde(default)]
    pub last_failure: Option<String>,
    #[serde(default)]
    pub last_failure_error_code: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub modified_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
}

impl Invocation {
    pub fn completed(&self) -> bool {
        self.status == "completed"
    }

    pub fn failed(&self) -> bool {
        self.completed() && self.completion_result.as_deref() == Some("failure")
    }

    /// From creation to completion, or to the last change while it is not complete.
    pub fn duration_ms(&self) -> Option<i64> {
        self.completed_at
            .or(self.modified_at)
            .map(|end| (end - self.created_at).num_milliseconds())
    }
}

/// The `sys_invocation` columns the CLI reads, as `Invocation` names them.
const INVOCATION_COLUMNS: &str = "id, target, status, completion_result, completion_failure, \
retry_count, last_failure, last_failure_error_code, created_at, modified_at, completed_at";

/// How many ids go into one `IN (…)` list: one query covers a 100-job audit (100 executions each).
const IDS_PER_QUERY: usize = 20_000;

/// The client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RestateAdmin {
    endpoint: Endpoint,
}

/// What the CLI asked of Restate, counted for the benchmark and `--json` consumers.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryStats {
    pub queries: usize,
}

impl RestateAdmin {
    pub fn new(base_url: Url, timeout: Duration) -> anyhow::Result<Self> {
        Ok(Self {
            endpoint: Endpoint::new(base_url, timeout)?,
        })
    }

    pub fn with_transport_note(mut self, note: TransportNote) -> Self {
        self.endpoint = self.endpoint.with_transport_note(note);
        self
    }

    /// Requests sent so far (retries included).
    pub fn requests_sent(&self) -> usize {
        self.endpoint.requests_sent()
    }

    async fn request(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&serde_json::Value>,
    ) -> Result<String, RestateError> {
        let url = self.endpoint.url(segments);
        let path = display_path(&url);
        // Every admin request the CLI makes only reads, `/query` included.
        let answer = self
            .endpoint
            .send(
                method.clone(),
                url,
                body,
                &[("accept", "application/json")],
                self.endpoint.timeout,
                true,
                if segments == ["query"] {
                    limits::QUERY
                } else {
                    limits::ANSWER
                },
            )
            .await
            .map_err(|failure| {
                let url = self.endpoint.base_url.to_string();
                match failure {
                    Failure::Unreachable(reason) => RestateError::Unreachable { url, reason },
                    Failure::TimedOut(after) => RestateError::Unreachable {
                        url,
                        reason: format!("no answer within {}s", after.as_secs()),
                    },
                    Failure::Carrier(failure) => RestateError::Carrier { url, failure },
                    Failure::Body(reason) => RestateError::Decode {
                        method: method.clone(),
                        path: path.clone(),
                        reason,
                    },
                    Failure::TooLarge(error) => RestateError::Decode {
                        method: method.clone(),
                        path: path.clone(),
                        reason: error.to_string(),
                    },
                }
            })?;
        if !answer.status.is_success() {
            return Err(RestateError::Status {
                status: answer.status,
                method,
                path,
                message: error_message(&answer.body),
            });
        }
        Ok(answer.body)
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        segments: &[&str],
    ) -> Result<T, RestateError> {
        let body = self.request(Method::GET, segments, None).await?;
        decode(&body, Method::GET, segments)
    }

    /// `GET /health`: 200 with an empty body when the admin API is up.
    pub async fn health(&self) -> Result<(), RestateError> {
        self.request(Method::GET, &["health"], None).await.map(drop)
    }

    pub async fn version(&self) -> Result<Version, RestateError> {
        self.get(&["version"]).await
    }

    pub async fn registry(&self) -> Result<Registry, RestateError> {
        let services: Services = self.get(&["services"]).await?;
        Ok(Registry {
            services: services
                .services
                .into_iter()
                .map(|service| (service.name.clone(), service))
                .collect(),
        })
    }

    /// Runs one SQL query and decodes its rows.
    pub async fn query<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
    ) -> Result<Vec<T>, RestateError> {
        #[derive(Deserialize)]
        struct Rows<T> {
            rows: Vec<T>,
        }
        let body = self
            .request(
                Method::POST,
                &["query"],
                Some(&serde_json::json!({ "query": sql })),
            )
            .await?;
        Ok(decode::<Rows<T>>(&body, Method::POST, &["query"])?.rows)
    }

    /// The invocations of these ids that Restate still has (it forgets completed ones after their
    /// retention), in as few queries as the id count allows. Ids that are not Restate invocation
    /// ids are left out: Restate refuses a whole query if one of them does not decode.
    pub async fn invocations(
        &self,
        ids: &[String],
        stats: &mut QueryStats,
    ) -> Result<BTreeMap<String, Invocation>, RestateError> {
        let mut wanted: Vec<&str> = ids
            .iter()
            .map(String::as_str)
            .filter(|id| looks_like_invocation_id(id))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut found = BTreeMap::new();
        let mut batches: Vec<Vec<&str>> =
            wanted.chunks(IDS_PER_QUERY).map(<[&str]>::to_vec).collect();
        while let Some(batch) = batches.pop() {
            let sql = format!(
                "SELECT {INVOCATION_COLUMNS} FROM sys_invocation WHERE id IN ({})",
                batch
                    .iter()
                    .map(|id| format!("'{id}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            stats.queries += 1;
            match self.query::<Invocation>(&sql).await {
                Ok(rows) => found.extend(rows.into_iter().map(|row| (row.id.clone(), row))),
                // One id that passed the shape check but does not decode: split the batch until
                // the bad id stands alone, and drop it. Rare, and bounded by log2(batch) queries.
                Err(RestateError::Status { message, .. })
                    if message.contains("non valid invocation id") && batch.len() > 1 =>
                {
                    let (left, right) = batch.split_at(batch.len() / 2);
                    batches.push(left.to_vec());
                    batches.push(right.to_vec());
                }
                Err(RestateError::Status { message, .. })
                    if message.contains("non valid invocation id") => {}
                Err(error) => return Err(error),
            }
        }
        Ok(found)
    }
}

/// `inv_` and base62 characters: the shape of a Restate invocation id. Checked before an id goes
/// into SQL, so a server-supplied string can never change the query.
pub fn looks_like_invocation_id(id: &str) -> bool {
    id.strip_prefix("inv_").is_some_and(|rest| {
        (20..=64).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

fn decode<T: serde::de::DeserializeOwned>(
    body: &str,
    method: Method,
    segments: &[&str],
) -> Result<T, RestateError> {
    serde_json::from_str(body).map_err(|error| RestateError::Decode {
        method,
        path: format!("/{}", segments.join("/")),
        reason: if body.trim().is_empty() {
            "the body is empty".to_string()
        } else {
            error.to_string()
        },
    })
}

/// Restate's error bodies are `{"message": …}`; anything else is shown as it came.
fn error_message(body: &str) -> String {
    #[derive(Deserialize)]
    struct Message {
        message: String,
    }
    match serde_json::from_str::<Message>(body) {
        Ok(parsed) => parsed.message,
        Err(_) if body.trim().is_empty() => "(empty body)".to_string(),
        Err(_) => body.trim().to_string(),
    }
}

/// Parses Restate's retention texts (`1d`, `12h`, `30m`, `1h 30m`, `PT86400S`).
pub fn parse_retention(text: &str) -> Option<chrono::Duration> {
    if let Some(seconds) = text
        .strip_prefix("PT")
        .and_then(|rest| rest.strip_suffix('S'))
    {
        return seconds
            .parse::<f64>()
            .ok()
            .map(|s| chrono::Duration::milliseconds((s * 1000.0) as i64));
    }
    let mut total = chrono::Duration::zero();
    let mut parsed_any = false;
    for part in text.split_whitespace() {
        let split = part.find(|c: char| !c.is_ascii_digit())?;
        let (number, unit) = part.split_at(split);
        let number: i64 = number.parse().ok()?;
        total += match unit {
            "d" | "day" | "days" => chrono::Duration::days(number),
            "h" | "hr" | "hours" => chrono::Duration::hours(number),
            "m" | "min" | "minutes" => chrono::Duration::minutes(number),
            "s" | "sec" | "seconds" => chrono::Duration::seconds(number),
            "ms" => chrono::Duration::milliseconds(number),
            _ => return None,
        };
        parsed_any = true;
    }
    parsed_any.then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invocation_rows_decode_with_null_columns_left_out() {
        let row: Invocation = serde_json::from_str(
            r#"{"id":"inv_1cbrXaL8JAc75Bn0L108v41wW7JeRtlQ9m","target":"dagOrchestrator/run",
                "status":"completed","completion_result":"failure",
                "completion_failure":"[400] Cannot decode input payload",
                "created_at":"2026-12-01T11:24:32.305Z","modified_at":"2026-12-01T11:24:32.360Z",
                "completed_at":"2026-12-01T11:24:32.360Z"}"#,
        )
        .unwrap();
        assert!(row.failed());
        assert_eq!(row.retry_count, None);
        assert_eq!(row.duration_ms(), Some(55));
    }

    #[test]
    fn only_invocation_shaped_ids_reach_sql() {
        assert!(looks_like_invocation_id(
            "inv_1cbrXaL8JAc75Bn0L108v41wW7JeRtlQ9m"
        ));
        for bad in [
            "inv_1cbrXaL8JAc75Bn0L108v41wW7JeRtlQ9m' OR '1'='1",
            "inv_",
            "dp_13hsG88KPExoIy35j1vQCVH",
            "inv_abc",
        ] {
            assert!(!looks_like_invocation_id(bad), "{bad}");
        }
    }

    #[test]
    fn retention_texts_parse() {
        assert_eq!(parse_retention("1d"), Some(chrono::Duration::days(1)));
        assert_eq!(
            parse_retention("1h 30m"),
            Some(chrono::Duration::minutes(90))
        );
        assert_eq!(parse_retention("PT86400S"), Some(chrono::Duration::days(1)));
        assert_eq!(parse_retention("soon"), None);
    }

    #[test]
    fn error_bodies_show_restates_message() {
        assert_eq!(
            error_message(
                r#"{"message":"The requested service 'nope' does not exist","restate_code":null}"#
            ),
            "The requested service 'nope' does not exist"
        );
        assert_eq!(error_message(""), "(empty body)");
        assert_eq!(error_message("<html>"), "<html>");
    }
}
