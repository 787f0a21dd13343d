//! A test peer for the end-to-end suite: a stand-in for the real Restate `dagOrchestrator`
//! service that records what Dkron's HTTP executor delivered through Restate ingress.
//!
//! Every invocation of `dagOrchestrator/run` appends one JSON line to the file named by
//! `RECORDER_FILE` — invocation id, target, the request headers (names lower-cased) and the
//! JSON input — and answers `{"ok":true,"input":…}`. The append runs inside a journaled step
//! (`ctx.run`), so a retried invocation still writes its line once. Three more handlers give the
//! tests real unhappy invocations: `fail` records and then fails terminally (the invocation
//! completes with a failure), `wait` records and then waits on an awakeable nobody resolves (it
//! stays suspended), and `retry` fails with a retryable error on every attempt (it backs off). The endpoint speaks the
//! Restate service protocol over HTTP/2 on `127.0.0.1:$RECORDER_PORT` only; register it with the
//! Restate admin API (`POST /deployments`) after its port accepts connections.
//! It owns nothing else: starting Restate and Dkron is `scripts/stack.sh`'s job.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use chrono::{SecondsFormat, Utc};
use restate_sdk::prelude::*;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;

const SERVICE: &str = "dagOrchestrator";

/// The recording `dagOrchestrator` stub; holds the path of the record file.
struct Recorder {
    file: PathBuf,
}

#[restate_sdk::service(name = "dagOrchestrator")]
impl Recorder {
    /// Record the invocation, then echo its input. Accepts any JSON value, or no body at all
    /// (`Option` marks the input as not required, so Restate also lets an empty request through).
    #[handler(name = "run")]
    async fn run(
        &self,
        ctx: Context<'_>,
        input: Option<Json<Value>>,
    ) -> HandlerResult<Json<Value>> {
        let input = self.record(&ctx, "run", input).await?;
        Ok(Json(json!({ "ok": true, "input": input })))
    }

    /// Record the invocation, then fail terminally: Restate completes it with a failure.
    #[handler(name = "fail")]
    async fn fail(
        &self,
        ctx: Context<'_>,
        input: Option<Json<Value>>,
    ) -> HandlerResult<Json<Value>> {
        self.record(&ctx, "fail", input).await?;
        Err(TerminalError::new("the recorder's fail handler fails every invocation").into())
    }

    /// Record the invocation, then wait on an awakeable nobody resolves: it stays suspended.
    #[handler(name = "wait")]
    async fn wait(
        &self,
        ctx: Context<'_>,
        input: Option<Json<Value>>,
    ) -> HandlerResult<Json<Value>> {
        self.record(&ctx, "wait", input).await?;
        let (_id, never) = ctx.awakeable::<String>();
        never.await?;
        Ok(Json(json!({ "ok": true })))
    }

    /// Fail with a retryable error on every attempt: Restate keeps backing off.
    #[handler(name = "retry")]
    async fn retry(
        &self,
        _ctx: Context<'_>,
        _input: Option<Json<Value>>,
    ) -> HandlerResult<Json<Value>> {
        Err(std::io::Error::other("the recorder's retry handler fails every attempt").into())
    }
}

impl Recorder {
    /// Appends the invocation's record and returns its input. The clock read and the append live
    /// in the journaled step: on replay the step's recorded result is reused and the line is not
    /// written a second time.
    async fn record(
        &self,
        ctx: &Context<'_>,
        handler: &str,
        input: Option<Json<Value>>,
    ) -> HandlerResult<Value> {
        let input = input.map_or(Value::Null, Json::into_inner);
        let file = self.file.clone();
        let record = json!({
            "invocationId": ctx.invocation_id(),
            "service": SERVICE,
            "handler": handler,
            "headers": headers_json(ctx.headers()),
            "input": input.clone(),
        });
        ctx.run(|| async move { append_record(&file, record).map_err(HandlerError::from) })
            .name("record")
            .await?;
        Ok(input)
    }
}

/// Header map as a JSON object. `http` already stores names lower-cased; repeated headers are
/// joined with ", " as HTTP allows.
fn headers_json(headers: &HeaderMap) -> Value {
    let mut object = Map::new();
    for name in headers.keys() {
        let values: Vec<&str> = headers.get_all(name).iter().map(String::as_str).collect();
        object.insert(
            name.as_str().to_ascii_lowercase(),
            Value::String(values.join(", ")),
        );
    }
    Value::Object(object)
}

/// Stamp `receivedAt` and append the record as one line, in a single `write` so concurrent
/// invocations never interleave within a line.
fn append_record(file: &Path, mut record: Value) -> Result<()> {
    record["receivedAt"] = Value::String(Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true));
    let mut line = serde_json::to_vec(&record).context("serialising the record")?;
    line.push(b'\n');
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .and_then(|mut f| f.write_all(&line))
        .with_context(|| format!("appending to record file {}", file.display()))
}

fn env_var(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| format!("environment variable {name} must be set"))
}

#[tokio::main]
async fn main() -> ExitCode {
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("joelclaw-test-recorder: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<()> {
    let port: u16 = env_var("RECORDER_PORT")?
        .parse()
        .context("RECORDER_PORT must be a port number")?;
    let file = PathBuf::from(env_var("RECORDER_FILE")?);
    // Create the file up front: a bad path fails here, not on the first invocation, and
    // tests can watch the file before anything arrives.
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .with_context(|| format!("opening record file {}", file.display()))?;

    // Loopback only: the recorder is a test peer and must never be reachable from outside.
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .with_context(|| format!("binding 127.0.0.1:{port}"))?;
    let address = listener.local_addr().context("reading the bound address")?;
    eprintln!(
        "joelclaw-test-recorder: serving {SERVICE}/{{run,fail,wait,retry}} on http://{address}, recording to {}",
        file.display()
    );

    HttpServer::new(Endpoint::builder().bind(Recorder { file }).build())
        .serve(listener)
        .await;
    Ok(())
}
