//! The Dkron v4 REST client and everything we know about its wire quirks.
//!
//! This module owns the job model as Dkron stores it, the request paths (names are percent-encoded,
//! never a trailing slash), the status codes and their meaning, the plain-text or empty error bodies
//! and the `X-Whom` header that names the answering node. Commands see typed results and a
//! [`DkronError`] that already says what happened in words; they never touch HTTP themselves. How the
//! base URL is reached (directly or through a tunnel) is decided in `crate::tunnel`.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Deserializer, Serialize};
use url::Url;

use crate::error::ErrorKind;
use crate::http::{CarrierFailure, Decoded, Endpoint, Failure, TransportNote, display_path};
use crate::limits::{self, Limit, TooLarge};

/// Metadata key and value that mark a job as written (and therefore owned) by this tool.
pub const MANAGED_BY_KEY: &str = "managed-by";
pub const MANAGED_BY_VALUE: &str = "joelclaw";
/// Metadata key holding the ownership scope (`[defaults] set` in tier1.toml).
pub const SET_KEY: &str = "set";
/// Metadata keys of a pause (`pause`/`resume`): who, when (RFC 3339) and why.
pub const PAUSED_BY: &str = "paused-by";
pub const PAUSED_AT: &str = "paused-at";
pub const PAUSED_REASON: &str = "paused-reason";
/// Metadata key of the last pause a `resume` ended: `<paused-at>/<resumed-at>` (an RFC 3339
/// interval), so `audit` can tell a paused stretch from missed fires after the job runs again.
pub const LAST_PAUSE: &str = "last-pause";
/// Metadata keys a sync writes beside ownership: the runtime, the Inngest function a job replaced,
/// and the Restate target (which lets a URL be split back into base, service, key and handler).
pub const RUNTIME_KEY: &str = "runtime";
pub const MIGRATED_FROM_KEY: &str = "migrated_from";
pub const RESTATE_SERVICE_KEY: &str = "restate-service";
pub const RESTATE_HANDLER_KEY: &str = "restate-handler";
pub const RESTATE_KEY_KEY: &str = "restate-key";
/// Metadata key naming the headers whose values came from the environment: a JSON object of
/// header name to the value as written (`"Bearer ${env:TOKEN}"`), never the value itself.
pub const ENV_HEADERS_KEY: &str = "env-headers";

/// A job as Dkron's API returns and accepts it. Every field of Dkron v4 is modelled and any other is
/// kept in `extra`, so a job read and written back loses nothing (writes are full replacements).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Job {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub displayname: String,
    #[serde(default)]
    pub schedule: String,
    #[serde(default)]
    pub timezone: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub owner_email: String,
    #[serde(default)]
    pub success_count: i64,
    #[serde(default)]
    pub error_count: i64,
    #[serde(default, deserialize_with = "zero_time_as_none")]
    pub last_success: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "zero_time_as_none")]
    pub last_error: Option<DateTime<Utc>>,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: BTreeMap<String, String>,
    #[serde(default)]
    pub retries: u32,
    #[serde(default, deserialize_with = "null_as_default")]
    pub dependent_jobs: Vec<String>,
    #[serde(default)]
    pub parent_job: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub processors: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub concurrency: String,
    #[serde(default)]
    pub executor: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub executor_config: BTreeMap<String, String>,
    #[serde(default)]
    pub status: String,
    #[serde(default, deserialize_with = "zero_time_as_none")]
    pub next: Option<DateTime<Utc>>,
    #[serde(default)]
    pub ephemeral: bool,
    #[serde(default, deserialize_with = "zero_time_as_none")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "zero_time_as_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Fields this version does not know (a newer Dkron's), kept so a full-replace write
    /// does not reset them.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Job {
    /// True when this tool wrote the job (it carries `managed-by = joelclaw`).
    pub fn is_managed(&self) -> bool {
        self.metadata.get(MANAGED_BY_KEY).map(String::as_str) == Some(MANAGED_BY_VALUE)
    }

    /// A pause recorded by `pause` on a job that is still disabled: "by X at T (reason)".
    pub fn pause(&self) -> Option<String> {
        self.pause_record().filter(|_| self.disabled)
    }

    /// The pause record this tool left in the metadata, whether or not the job is still disabled
    /// (Dkron's UI toggle re-enables a job and leaves the record behind).
    pub fn pause_record(&self) -> Option<String> {
        let at = self.metadata.get(PAUSED_AT)?;
        let by = self
            .metadata
            .get(PAUSED_BY)
            .map_or("unknown", String::as_str);
        let reason = self
            .metadata
            .get(PAUSED_REASON)
            .map(|reason| format!(" ({reason})"))
            .unwrap_or_default();
        Some(format!("by {by} at {at}{reason}"))
    }

    /// The headers whose values this tool took from the environment when it wrote the job
    /// (metadata `env-headers`): lower-cased header name to the value as written (`${env:…}`).
    pub fn env_headers(&self) -> BTreeMap<String, String> {
        self.metadata
            .get(ENV_HEADERS_KEY)
            .and_then(|text| serde_json::from_str::<BTreeMap<String, String>>(text).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|(name, template)| (name.to_ascii_lowercase(), template))
            .collect()
    }

    /// The ownership scope of a managed job.
    pub fn set(&self) -> Option<&str> {
        self.is_managed()
            .then(|| self.metadata.get(SET_KEY).map(String::as_str))
            .flatten()
    }
}

/// One execution of a job on one node (`GET /v1/jobs/{job}/executions`).
#[derive(Debug, Clone, Deserialize)]
pub struct Execution {
    /// `<started_at unix nanos>-<node>`.
    #[serde(default)]
    pub id: String,
    /// In the job's timezone when it has one.
    #[serde(default, deserialize_with = "zero_time_as_none")]
    pub started_at: Option<DateTime<chrono::FixedOffset>>,
    /// Go's zero time (here `None`) while the execution is still running.
    #[serde(default, deserialize_with = "zero_time_as_none")]
    pub finished_at: Option<DateTime<chrono::FixedOffset>>,
    /// Present (true) when Dkron kept only the end of a long output.
    #[serde(default)]
    pub output_truncated: bool,
    /// The trigger time in Unix nanoseconds, shared by every node and retry of one run.
    #[serde(default)]
    pub group: i64,
    #[serde(default)]
    pub attempt: u32,
    #[serde(default)]
    pub success: bool,
    /// The target's response body (for Restate's `/send`, the invocation id), after any error text.
    #[serde(default)]
    pub output: String,
    #[serde(default)]
    pub node_name: String,
}

/// Where an execution stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExecutionState {
    Running,
    Succeeded,
    Failed,
}

impl ExecutionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }
}

impl Execution {
    /// True while the execution runs: Dkron reports it as unsuccessful with a zero finish time.
    pub fn running(&self) -> bool {
        self.finished_at.is_none() && !self.success
    }

    pub fn state(&self) -> ExecutionState {
        if self.running() {
            ExecutionState::Running
        } else if self.success {
            ExecutionState::Succeeded
        } else {
            ExecutionState::Failed
        }
    }

    /// The Restate invocation id in the output (`/send` answers `{"invocationId":"inv_…"}`),
    /// wherever it stands (Dkron puts error text before the body on failure).
    pub fn invocation_id(&self) -> Option<String> {
        crate::restate::ingress::invocation_id(&self.output)
    }
}

/// How long a triggered run may block Dkron's run call: the job's HTTP timeout (Dkron's default
/// 30 s) for each attempt, plus a margin for scheduling the execution.
pub fn run_budget(job: &Job) -> Duration {
    let timeout: u64 = job
        .executor_config
        .get("timeout")
        .and_then(|timeout| timeout.trim().parse().ok())
        .unwrap_or(30);
    Duration::from_secs(timeout * (u64::from(job.retries) + 1) + 15)
}

/// How long `RunWait::Started` gives the run call to fail fast (a 404) before it counts as running.
pub const RUN_START_GRACE: Duration = Duration::from_secs(2);

/// What a trigger waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunWait {
    /// The run's end: its last attempt decides.
    Finished,
    /// The run's start: Dkron's handler runs on without the caller.
    Started,
}

/// A triggered run: its execution group's last attempt, or none when Dkron recorded no execution
/// (Dkron answers a run of a job whose tags match no node without running it).
#[derive(Debug, Clone)]
pub struct Triggered {
    pub execution: Option<Execution>,
    pub state: Option<ExecutionState>,
}

/// `/debug/vars`: what Dkron's process publishes about itself.
#[derive(Debug, Clone, Deserialize)]
pub struct ProcessVars {
    /// 1 once this node, as the leader, has started its scheduler: after the Raft barrier, so its
    /// store has replayed the whole log. 0 on followers and before that.
    #[serde(default)]
    pub scheduler_started: i64,
}

/// A serf member as `/v1/members` reports it (capitalised keys, from serf).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Member {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Addr", default)]
    pub addr: String,
    #[serde(rename = "Port", default)]
    pub port: u16,
    #[serde(rename = "Tags", default, deserialize_with = "null_as_default")]
    pub tags: BTreeMap<String, String>,
    #[serde(rename = "statusText", default)]
    pub status_text: String,
}

/// `GET /v1`: who answered and which version it runs.
#[derive(Debug, Clone, Deserialize)]
pub struct AgentInfo {
    pub agent: AgentName,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AgentName {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
}

/// What went wrong talking to Dkron, phrased for a person.
#[derive(Debug, thiserror::Error)]
pub enum DkronError {
    #[error("cannot reach Dkron at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// No answer within the request's budget (`--timeout`, or a run's own budget).
    #[error("Dkron at {url} did not answer within {}s", .after.as_secs())]
    TimedOut { url: String, after: Duration },
    /// The connection failed because what carries it (the tunnel) failed, and said why.
    #[error("cannot reach Dkron at {url}: {}", .failure.message)]
    Carrier {
        url: String,
        failure: CarrierFailure,
    },
    #[error("Dkron answered {status} to {method} {path}{}: {}", whom_suffix(.whom), body_text(.body))]
    Status {
        status: StatusCode,
        method: Method,
        path: String,
        whom: Option<String>,
        body: String,
    },
    #[error("Dkron's answer to {method} {path} is not what its API documents: {reason}")]
    Decode {
        method: Method,
        path: String,
        reason: String,
    },
    /// The answer is larger than this tool reads of its kind.
    #[error("Dkron's answer to {method} {path} is too large: {error}")]
    TooLarge {
        method: Method,
        path: String,
        error: TooLarge,
    },
    /// What answered is not Dkron: every Dkron answer names its node in `X-Whom`.
    #[error("the server at {url} is not Dkron: it answered {status} to {method} {path} without Dkron's X-Whom header{}", .looks_like.map(|what| format!("; it looks like {what}")).unwrap_or_default())]
    NotDkron {
        url: String,
        status: StatusCode,
        method: Method,
        path: String,
        looks_like: Option<&'static str>,
    },
}

impl DkronError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Unreachable { .. } | Self::TimedOut { .. } => ErrorKind::DkronUnreachable,
            Self::Carrier { failure, .. } => failure.kind,
            _ => ErrorKind::DkronError,
        }
    }

    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A hint for the status codes whose meaning Dkron hides behind an empty body.
    pub fn hint(&self) -> Option<&str> {
        match self {
            Self::Carrier { failure, .. } => failure.hint.as_deref(),
            Self::TimedOut { .. } => Some(
                "Dkron is up but not answering (overloaded, stalled, or without a leader); --timeout raises the budget",
            ),
            Self::Unreachable { .. } => Some(
                "check that Dkron is running and that --base-url / DKRON_URL points at its HTTP port",
            ),
            Self::Status {
                status,
                method,
                path,
                ..
            } => {
                if *status == StatusCode::NOT_FOUND && path.ends_with("/run") {
                    Some(
                        "Dkron answers 404 to a run for an unknown job, a disabled job, no matching node or no leader",
                    )
                } else if *status == StatusCode::NOT_FOUND && *method == Method::DELETE {
                    Some(
                        "Dkron answers 404 to a delete for an unknown job, a job with dependent jobs, or when it has no leader",
                    )
                } else if status.is_server_error() {
                    Some("Dkron may have no Raft leader yet; check `joelclaw restate cron status`")
                } else {
                    None
                }
            }
            Self::Decode { .. } => None,
            Self::TooLarge { .. } => Some(
                "check that --base-url / DKRON_URL points at Dkron itself; the limits are in docs/commands.md",
            ),
            Self::NotDkron { .. } => Some(
                "point --base-url / DKRON_URL at Dkron's HTTP API (port 8080 of a Dkron server), not at Restate or a web page",
            ),
        }
    }
}

/// What a server that is not Dkron looks like from its answer, when it can be told.
fn looks_like(headers: &reqwest::header::HeaderMap, body: &str) -> Option<&'static str> {
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let trimmed = body.trim_start().to_ascii_lowercase();
    if content_type.starts_with("text/html")
        || trimmed.starts_with("<!doctype html")
        || trimmed.starts_with("<html")
    {
        return Some("an HTML page (a web server or proxy)");
    }
    // Restate's ingress and admin API answer errors as JSON `{"code": …, "message": …}`, which
    // Dkron never does (its error bodies are plain text or empty).
    if let Ok(serde_json::Value::Object(object)) = serde_json::from_str(body)
        && object.contains_key("message")
        && object.contains_key("code")
    {
        return Some("Restate (its ingress or admin API)");
    }
    None
}

fn whom_suffix(whom: &Option<String>) -> String {
    whom.as_ref()
        .map(|node| format!(" (node {node})"))
        .unwrap_or_default()
}

fn body_text(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        "(empty body)".to_string()
    } else {
        trimmed.to_string()
    }
}

/// A raw answer: status, headers (`X-Whom` names the node) and the body text.
struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: String,
}

/// The client. Cheap to clone; all requests go to the endpoint's base URL.
#[derive(Debug, Clone)]
pub struct DkronClient {
    endpoint: Endpoint,
}

impl DkronClient {
    pub fn new(base_url: Url, timeout: Duration) -> anyhow::Result<Self> {
        Ok(Self {
            endpoint: Endpoint::new(base_url, timeout)?,
        })
    }

    /// Lets a transport failure report the carrier's own failure (its code, text and hint).
    pub fn with_transport_note(mut self, note: TransportNote) -> Self {
        self.endpoint = self.endpoint.with_transport_note(note);
        self
    }

    /// Requests sent so far (retries included).
    pub fn requests_sent(&self) -> usize {
        self.endpoint.requests_sent()
    }

    /// Builds `<base>/<segments…>`, percent-encoding each segment (job names may hold any lower-case
    /// letter Dkron accepts, `ß` included).
    fn url(&self, segments: &[&str]) -> Url {
        self.endpoint.url(segments)
    }

    /// Reads and the full-replace job write are idempotent: one retry after a dropped connection
    /// is safe. Deletes and runs are not.
    fn idempotent(method: &Method, url: &Url) -> bool {
        *method == Method::GET || (*method == Method::POST && url.path().ends_with("/v1/jobs"))
    }

    fn failure(&self, failure: Failure, method: &Method, path: &str) -> DkronError {
        let url = self.endpoint.base_url.to_string();
        match failure {
            Failure::Unreachable(reason) => DkronError::Unreachable { url, reason },
            Failure::TimedOut(after) => DkronError::TimedOut { url, after },
            Failure::Carrier(failure) => DkronError::Carrier { url, failure },
            Failure::Body(reason) => DkronError::Decode {
                method: method.clone(),
                path: path.to_string(),
                reason,
            },
            Failure::TooLarge(error) => DkronError::TooLarge {
                method: method.clone(),
                path: path.to_string(),
                error,
            },
        }
    }

    /// An unexpected answer as an error: a Dkron status error, or — without `X-Whom` — the news
    /// that the server is not Dkron at all.
    fn unexpected(
        &self,
        method: Method,
        path: String,
        status: StatusCode,
        headers: &reqwest::header::HeaderMap,
        body: String,
    ) -> DkronError {
        let whom = headers
            .get("x-whom")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        if whom.is_none() {
            return DkronError::NotDkron {
                url: self.endpoint.base_url.to_string(),
                status,
                method,
                path,
                looks_like: looks_like(headers, &body),
            };
        }
        DkronError::Status {
            status,
            method,
            path,
            whom,
            body,
        }
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        timeout: Duration,
    ) -> Result<Answer, DkronError> {
        let path = display_path(&url);
        let idempotent = Self::idempotent(&method, &url);
        let answer = self
            .endpoint
            .send(
                method.clone(),
                url,
                body,
                &[],
                timeout,
                idempotent,
                limits::ANSWER,
            )
            .await
            .map_err(|failure| self.failure(failure, &method, &path))?;
        Ok(Answer {
            status: answer.status,
            headers: answer.headers,
            body: answer.body,
        })
    }

    /// Sends a request and insists on one success status, decoding the JSON body (read once,
    /// within `limit`). `Ok(None)`: the expected status with an empty body.
    async fn call_or_empty<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        expect: StatusCode,
        timeout: Duration,
        limit: Limit,
    ) -> Result<(Option<T>, Option<u64>), DkronError> {
        let path = display_path(&url);
        let idempotent = Self::idempotent(&method, &url);
        let decoded = self
            .endpoint
            .send_decoding::<T>(
                method.clone(),
                url,
                body,
                timeout,
                idempotent,
                expect,
                limit,
            )
            .await
            .map_err(|failure| self.failure(failure, &method, &path))?;
        let total = |head: &crate::http::Head| {
            head.header("x-total-count")
                .and_then(|value| value.parse().ok())
        };
        match decoded {
            Decoded::Value(value, head) => Ok((Some(value), total(&head))),
            Decoded::Empty(head) => Ok((None, total(&head))),
            Decoded::Invalid(head, reason) => {
                if head.header("x-whom").is_none() {
                    return Err(self.unexpected(
                        method,
                        path,
                        head.status,
                        &head.headers,
                        String::new(),
                    ));
                }
                Err(DkronError::Decode {
                    method,
                    path,
                    reason,
                })
            }
            Decoded::Status(answer) => {
                Err(self.unexpected(method, path, answer.status, &answer.headers, answer.body))
            }
        }
    }

    /// Sends a request and insists on one success status and a JSON body (within `limit`);
    /// also returns `X-Total-Count`.
    async fn call<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        expect: StatusCode,
        timeout: Duration,
        limit: Limit,
    ) -> Result<(T, Option<u64>), DkronError> {
        let path = display_path(&url);
        match self
            .call_or_empty(method.clone(), url, body, expect, timeout, limit)
            .await?
        {
            (Some(value), total) => Ok((value, total)),
            (None, _) => Err(DkronError::Decode {
                method,
                path,
                reason: "the body is empty".to_string(),
            }),
        }
    }

    /// `GET /health`: the status code and whatever body came back.
    pub async fn health(&self) -> Result<(StatusCode, String), DkronError> {
        let answer = self
            .send(
                Method::GET,
                self.url(&["health"]),
                None,
                self.endpoint.timeout,
            )
            .await?;
        Ok((answer.status, answer.body))
    }

    /// `GET url`, expecting 200 and a JSON body within `limit`.
    async fn get<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        url: Url,
        limit: Limit,
    ) -> Result<T, DkronError> {
        let (value, _) = self
            .call(
                Method::GET,
                url,
                None,
                StatusCode::OK,
                self.endpoint.timeout,
                limit,
            )
            .await?;
        Ok(value)
    }

    pub async fn agent(&self) -> Result<AgentInfo, DkronError> {
        let url = self.url(&["v1"]);
        self.get(url, limits::ANSWER).await
    }

    pub async fn members(&self) -> Result<Vec<Member>, DkronError> {
        let url = self.url(&["v1", "members"]);
        self.get(url, limits::ANSWER).await
    }

    /// `GET /v1/isleader`: 200 on the Raft leader, 404 on a follower (and before Raft is up).
    pub async fn is_leader(&self) -> Result<bool, DkronError> {
        let url = self.url(&["v1", "isleader"]);
        let path = display_path(&url);
        let answer = self
            .send(Method::GET, url, None, self.endpoint.timeout)
            .await?;
        match answer.status {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            status => Err(self.unexpected(Method::GET, path, status, &answer.headers, answer.body)),
        }
    }

    /// `GET /debug/vars` (expvar), for the scheduler's start on the leader.
    pub async fn process_vars(&self) -> Result<ProcessVars, DkronError> {
        let url = self.url(&["debug", "vars"]);
        self.get(url, limits::ANSWER).await
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &Url {
        &self.endpoint.base_url
    }

    /// `GET /v1/leader`; `None` when the cluster has no leader (Dkron answers 500 `null`).
    pub async fn leader(&self) -> Result<Option<Member>, DkronError> {
        let url = self.url(&["v1", "leader"]);
        match self
            .call::<Option<Member>>(
                Method::GET,
                url,
                None,
                StatusCode::OK,
                self.endpoint.timeout,
                limits::ANSWER,
            )
            .await
        {
            Ok((leader, _)) => Ok(leader),
            Err(DkronError::Status { status, body, .. })
                if status == StatusCode::INTERNAL_SERVER_ERROR && body.trim() == "null" =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// `/v1/jobs` with a server-side metadata filter (exact match, AND across keys).
    fn jobs_url(&self, metadata: &[(&str, &str)], extra: &[(&str, &str)]) -> Url {
        let mut url = self.url(&["v1", "jobs"]);
        let pairs: Vec<(String, &str)> = metadata
            .iter()
            .map(|(key, value)| (format!("metadata[{key}]"), *value))
            .chain(extra.iter().map(|(key, value)| (key.to_string(), *value)))
            .collect();
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        url
    }

    /// Lists jobs, filtered by metadata (read once and decoded in place, up to
    /// [`limits::JOB_LIST`]).
    pub async fn list_jobs(&self, metadata: &[(&str, &str)]) -> Result<Vec<Job>, DkronError> {
        let url = self.jobs_url(metadata, &[]);
        self.get(url, limits::JOB_LIST).await
    }

    /// Counts jobs matching a metadata filter without fetching them: an empty slice still carries
    /// `X-Total-Count` (counted after filtering, before slicing).
    pub async fn count_jobs(&self, metadata: &[(&str, &str)]) -> Result<u64, DkronError> {
        // `_start = _end = 0` is the one slice that is valid for every total, 0 included.
        let url = self.jobs_url(metadata, &[("_start", "0"), ("_end", "0")]);
        let path = display_path(&url);
        let (_, total_count) = self
            .call::<serde_json::Value>(
                Method::GET,
                url,
                None,
                StatusCode::OK,
                self.endpoint.timeout,
                limits::ANSWER,
            )
            .await?;
        total_count.ok_or_else(|| DkronError::Decode {
            method: Method::GET,
            path,
            reason: "the X-Total-Count header is missing".to_string(),
        })
    }

    /// `GET /v1/jobs/{name}`; `None` on 404 (which Dkron sends with an empty body).
    pub async fn get_job(&self, name: &str) -> Result<Option<Job>, DkronError> {
        let url = self.url(&["v1", "jobs", name]);
        match self
            .call(
                Method::GET,
                url,
                None,
                StatusCode::OK,
                self.endpoint.timeout,
                limits::ANSWER,
            )
            .await
        {
            Ok((job, _)) => Ok(Some(job)),
            Err(error) if error.status() == Some(StatusCode::NOT_FOUND) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Creates or fully replaces a job (`POST /v1/jobs`, 201). Dkron's 201 body only echoes the
    /// request, so callers read the job back to see what was stored.
    pub async fn upsert_job(&self, job: &Job) -> Result<(), DkronError> {
        let url = self.url(&["v1", "jobs"]);
        let body = serde_json::to_value(job).expect("a job serializes");
        self.call::<serde_json::Value>(
            Method::POST,
            url,
            Some(&body),
            StatusCode::CREATED,
            self.endpoint.timeout,
            limits::ANSWER,
        )
        .await?;
        Ok(())
    }

    /// Deletes a job and its executions; returns the job as it was.
    pub async fn delete_job(&self, name: &str) -> Result<Job, DkronError> {
        let url = self.url(&["v1", "jobs", name]);
        Ok(self
            .call(
                Method::DELETE,
                url,
                None,
                StatusCode::OK,
                self.endpoint.timeout,
                limits::ANSWER,
            )
            .await?
            .0)
    }

    /// Executions of a job, newest first. Dkron answers a store error with 200 and an empty body;
    /// that reads as no executions.
    pub async fn executions(&self, name: &str) -> Result<Vec<Execution>, DkronError> {
        self.executions_with_output(name, None).await
    }

    /// Executions of a job with each output cut to its last `output_limit` bytes (Dkron keeps the
    /// end, where the target's response body — Restate's invocation id — stands).
    pub async fn executions_with_output(
        &self,
        name: &str,
        output_limit: Option<usize>,
    ) -> Result<Vec<Execution>, DkronError> {
        let mut url = self.url(&["v1", "jobs", name, "executions"]);
        url.query_pairs_mut()
            .append_pair("_sort", "id")
            .append_pair("_order", "DESC");
        if let Some(limit) = output_limit {
            url.query_pairs_mut()
                .append_pair("output_size_limit", &limit.to_string());
        }
        let (executions, _) = self
            .call_or_empty(
                Method::GET,
                url,
                None,
                StatusCode::OK,
                self.endpoint.timeout,
                limits::EXECUTIONS,
            )
            .await?;
        Ok(executions.unwrap_or_default())
    }

    /// Triggers a run and reads its outcome: Dkron's run call blocks until the execution has
    /// finished on every target node (retries included) but answers 200 whatever happened, so the
    /// outcome is the last attempt of the run's own execution group — the group that was not there
    /// before the call (a group is the trigger time on Dkron's clock, so ours can only say which
    /// new one is nearest: a scheduled fire at the same moment is another new group). `wait`
    /// bounds the call; with [`RunWait::Started`] the call's budget running out means the run is
    /// under way.
    pub async fn trigger(&self, job: &Job, wait: RunWait) -> Result<Triggered, DkronError> {
        let before: std::collections::BTreeSet<i64> = self
            .executions(&job.name)
            .await?
            .iter()
            .map(|execution| execution.group)
            .collect();
        let called_at = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let budget = match wait {
            RunWait::Finished => run_budget(job),
            RunWait::Started => RUN_START_GRACE,
        };
        let still_running = match self.run_job(&job.name, budget).await {
            Ok(()) => false,
            Err(DkronError::TimedOut { .. }) if wait == RunWait::Started => true,
            Err(error) => return Err(error),
        };
        // The execution may take a moment to appear once the call returns.
        for _ in 0..20 {
            let executions = self.executions(&job.name).await?;
            let group = executions
                .iter()
                .map(|execution| execution.group)
                .filter(|group| !before.contains(group))
                .min_by_key(|group| (group - called_at).unsigned_abs());
            if let Some(group) = group {
                let last = executions
                    .into_iter()
                    .filter(|execution| execution.group == group)
                    .max_by_key(|execution| (execution.attempt, execution.started_at))
                    .expect("the group has an execution");
                // A run still under way shows as unsuccessful with a zero finish time: running.
                let _ = still_running;
                return Ok(Triggered {
                    state: Some(last.state()),
                    execution: Some(last),
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(Triggered {
            execution: None,
            state: None,
        })
    }

    /// Triggers a run. Dkron's handler blocks until the execution has finished on every target
    /// node (retries included), so the timeout must cover the job's own timeout. Its 200 says
    /// nothing about how the run went: read the executions for that ([`Self::trigger`]).
    pub async fn run_job(&self, name: &str, timeout: Duration) -> Result<(), DkronError> {
        let url = self.url(&["v1", "jobs", name, "run"]);
        let path = display_path(&url);
        let answer = self.send(Method::POST, url, None, timeout).await?;
        // The source sets 202 and then renders 200; accept both so a fix upstream does not break us.
        if answer.status == StatusCode::OK || answer.status == StatusCode::ACCEPTED {
            Ok(())
        } else {
            Err(self.unexpected(
                Method::POST,
                path,
                answer.status,
                &answer.headers,
                answer.body,
            ))
        }
    }
}

/// Dkron renders maps and lists it never set as `null`; treat that as empty.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Dkron renders "never" as `null` or as Go's zero time `0001-01-01T00:00:00Z`.
fn zero_time_as_none<'de, D, Tz>(deserializer: D) -> Result<Option<DateTime<Tz>>, D::Error>
where
    D: Deserializer<'de>,
    Tz: chrono::TimeZone,
    DateTime<Tz>: Deserialize<'de>,
{
    let value = Option::<DateTime<Tz>>::deserialize(deserializer)?;
    Ok(value.filter(|time| time.naive_utc().and_utc().timestamp() > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_from_dkron_normalises_nulls_and_zero_times() {
        let job: Job = serde_json::from_str(
            r#"{"id":"a","name":"a","schedule":"@every 1s","tags":null,"metadata":null,
                "processors":{},"executor_config":null,"dependent_jobs":null,
                "next":"0001-01-01T00:00:00Z","last_success":null,"status":""}"#,
        )
        .unwrap();
        assert!(job.tags.is_empty() && job.metadata.is_empty());
        assert_eq!(job.next, None);
        assert_eq!(job.last_success, None);
        assert!(!job.is_managed());
    }

    #[test]
    fn urls_percent_encode_job_names() {
        let client = DkronClient::new(
            Url::parse("http://127.0.0.1:1/prefix/").unwrap(),
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(
            client.url(&["v1", "jobs", "straße/x", "run"]).as_str(),
            "http://127.0.0.1:1/prefix/v1/jobs/stra%C3%9Fe%2Fx/run"
        );
    }

    #[test]
    fn status_errors_name_the_node_and_say_when_the_body_is_empty() {
        let error = DkronError::Status {
            status: StatusCode::NOT_FOUND,
            method: Method::DELETE,
            path: "/v1/jobs/a".to_string(),
            whom: Some("n1".to_string()),
            body: String::new(),
        };
        assert_eq!(
            error.to_string(),
            "Dkron answered 404 Not Found to DELETE /v1/jobs/a (node n1): (empty body)"
        );
        assert!(error.hint().unwrap().contains("dependent jobs"));
    }
}
