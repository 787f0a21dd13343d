//! Finding Dkron's Raft leader behind a multi-replica Service, and keeping the way to it open.
//!
//! Dkron applies writes on the leader, and followers serve reads from their own lagging copy, so a
//! write and the read-back that verifies it must both reach the leader. Dkron does not advertise its
//! HTTP address anywhere; the only way to find the leader is to ask each pod `GET /v1/isleader`
//! (200 on the leader, 404 elsewhere), here through one port-forward per ready pod, concurrently.
//! The leader's port-forward is not closed after its answer: its HTTP connection to Dkron is idle
//! and kept alive, so it is handed back as a [`KeptForward`] that the tunnel's first connection
//! rides on, instead of paying for another upgrade (an apiserver round trip and, since the probes
//! used up the pooled apiserver connections, a TLS handshake).

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, Portforwarder};
use tokio::io::DuplexStream;
use tokio::task::JoinSet;

use super::resolve::Backend;

/// How long one probe may take; a pod that does not answer in time is not the leader.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a kept port-forward may wait for its first connection. An idle keep-alive connection
/// can be closed by Dkron or by anything between (a request racing that close is lost), so a
/// stream left unused for longer is dropped and the connection makes its own upgrade.
const KEPT_FRESH_FOR: Duration = Duration::from_secs(5);

/// The outcome of probing every backend.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaderProbe {
    pub probed: usize,
    /// The pod that answered 200, if one did.
    pub leader: Option<String>,
    /// Per pod: `leader`, `follower` or what went wrong.
    pub answers: Vec<(String, String)>,
}

/// The kubelet's error-channel text of a port-forward, when it has any.
pub type ErrorChannel = Pin<Box<dyn Future<Output = Option<String>> + Send>>;

/// A port-forward to the leader whose HTTP connection to Dkron is idle between requests, ready to
/// carry one local connection. Dropping it closes the port-forward.
pub struct KeptForward {
    pub backend: Backend,
    pub stream: DuplexStream,
    pub errors: ErrorChannel,
    pub forwarder: Portforwarder,
    opened: Instant,
}

impl KeptForward {
    /// Whether it may still carry a connection (see [`KEPT_FRESH_FOR`]).
    pub fn fresh(&self) -> bool {
        self.opened.elapsed() < KEPT_FRESH_FOR
    }
}

/// Asks every backend whether it leads; returns the leader (if any), what each said, and the
/// leader's port-forward, kept open.
pub async fn probe(
    client: &kube::Client,
    namespace: &str,
    backends: &[Backend],
) -> (LeaderProbe, Option<KeptForward>) {
    let mut probes = JoinSet::new();
    for backend in backends.iter().cloned() {
        let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
        probes.spawn(async move {
            let answer = tokio::time::timeout(PROBE_TIMEOUT, ask(&pods, &backend))
                .await
                .unwrap_or_else(|_| Err("no answer within 5s".to_string()));
            (backend.pod, answer)
        });
    }
    let mut answers = Vec::new();
    let mut kept = None;
    while let Some(joined) = probes.join_next().await {
        if let Ok((pod, answer)) = joined {
            let said = match answer {
                Ok(Answer::Leader(forward)) => {
                    // Two pods claiming leadership (an election settling) keep the first in name
                    // order, the one the report names; the other forward is dropped.
                    if let Some(forward) = forward
                        && kept.as_ref().is_none_or(|other: &KeptForward| {
                            forward.backend.pod < other.backend.pod
                        })
                    {
                        kept = Some(forward);
                    }
                    Ok(true)
                }
                Ok(Answer::Follower) => Ok(false),
                Err(error) => Err(error),
            };
            answers.push((pod, said));
        }
    }
    answers.sort_by(|a, b| a.0.cmp(&b.0));
    let leader = answers
        .iter()
        .find(|(_, answer)| matches!(answer, Ok(true)))
        .map(|(pod, _)| pod.clone());
    let probe = LeaderProbe {
        probed: backends.len(),
        leader,
        answers: answers
            .into_iter()
            .map(|(pod, answer)| {
                let said = match answer {
                    Ok(true) => "leader".to_string(),
                    Ok(false) => "follower".to_string(),
                    Err(error) => error,
                };
                (pod, said)
            })
            .collect(),
    };
    (probe, kept)
}

/// What a pod said: the leader (with its port-forward, when its connection can carry another
/// request) or a follower.
enum Answer {
    /// It answered 200. Without a kept forward when the connection cannot be reused (a
    /// `Connection: close`, bytes past the answer): the pod still leads, reached by an upgrade.
    Leader(Option<KeptForward>),
    Follower,
}

async fn ask(pods: &Api<Pod>, backend: &Backend) -> Result<Answer, String> {
    let opened = Instant::now();
    let mut forwarder = pods
        .portforward(&backend.pod, &[backend.port])
        .await
        .map_err(|error| format!("port-forward failed: {error}"))?;
    let stream = forwarder
        .take_stream(backend.port)
        .ok_or("port-forward gave no stream")?;
    let errors = forwarder
        .take_error(backend.port)
        .ok_or("port-forward gave no error channel")?;
    let (mut sender, mut connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|error| format!("HTTP handshake failed: {error}"))?;
    let request = hyper::Request::get("/v1/isleader")
        .header("host", "dkron")
        .body(Empty::<Bytes>::new())
        .map_err(|error| error.to_string())?;
    // The answer is read to its end, and the sender dropped, so that the connection is idle and
    // the dispatcher gives the stream back without shutting it down.
    let exchange = async move {
        let response = sender
            .send_request(request)
            .await
            .map_err(|error| format!("GET /v1/isleader failed: {error}"))?;
        let status = response.status();
        let closes = response
            .headers()
            .get(hyper::header::CONNECTION)
            .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"close"));
        response
            .into_body()
            .collect()
            .await
            .map_err(|error| format!("GET /v1/isleader failed: {error}"))?;
        drop(sender);
        Ok::<_, String>((status, closes))
    };
    let drive = std::future::poll_fn(|context| connection.poll_without_shutdown(context));
    let (exchanged, driven) = tokio::join!(exchange, drive);
    let (status, closes) = exchanged?;
    match status.as_u16() {
        200 => {}
        404 => {
            forwarder.abort();
            return Ok(Answer::Follower);
        }
        other => {
            forwarder.abort();
            return Err(format!("GET /v1/isleader answered {other}"));
        }
    }
    let parts = connection.into_parts();
    if closes || driven.is_err() || !parts.read_buf.is_empty() {
        forwarder.abort();
        return Ok(Answer::Leader(None));
    }
    Ok(Answer::Leader(Some(KeptForward {
        backend: backend.clone(),
        stream: parts.io.into_inner(),
        errors: Box::pin(errors),
        forwarder,
        opened,
    })))
}
