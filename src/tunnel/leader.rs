//! Finding Dkron's Raft leader behind a multi-replica Service.
//!
//! Dkron applies writes on the leader, and followers serve reads from their own lagging copy, so a
//! write and the read-back that verifies it must both reach the leader. Dkron does not advertise its
//! HTTP address anywhere; the only way to find the leader is to ask each pod `GET /v1/isleader`
//! (200 on the leader, 404 elsewhere), here through one port-forward per ready pod, concurrently.

use std::time::Duration;

use http_body_util::Empty;
use hyper::body::Bytes;
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use tokio::task::JoinSet;

use super::resolve::Backend;

/// How long one probe may take; a pod that does not answer in time is not the leader.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

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

/// Asks every backend whether it leads; returns the leader (if any) and what each said.
pub async fn probe(client: &kube::Client, namespace: &str, backends: &[Backend]) -> LeaderProbe {
    let mut probes = JoinSet::new();
    for backend in backends.iter().cloned() {
        let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
        probes.spawn(async move {
            let answer = tokio::time::timeout(PROBE_TIMEOUT, is_leader(&pods, &backend))
                .await
                .unwrap_or_else(|_| Err("no answer within 5s".to_string()));
            (backend.pod, answer)
        });
    }
    let mut answers = Vec::new();
    while let Some(joined) = probes.join_next().await {
        if let Ok((pod, answer)) = joined {
            answers.push((pod, answer));
        }
    }
    answers.sort_by(|a, b| a.0.cmp(&b.0));
    LeaderProbe {
        probed: backends.len(),
        leader: answers
            .iter()
            .find(|(_, answer)| matches!(answer, Ok(true)))
            .map(|(pod, _)| pod.clone()),
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
    }
}

async fn is_leader(pods: &Api<Pod>, backend: &Backend) -> Result<bool, String> {
    let mut forwarder = pods
        .portforward(&backend.pod, &[backend.port])
        .await
        .map_err(|error| format!("port-forward failed: {error}"))?;
    let stream = forwarder
        .take_stream(backend.port)
        .ok_or("port-forward gave no stream")?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|error| format!("HTTP handshake failed: {error}"))?;
    let driver = tokio::spawn(connection);
    let request = hyper::Request::get("/v1/isleader")
        .header("host", "dkron")
        .body(Empty::<Bytes>::new())
        .map_err(|error| error.to_string())?;
    let status = sender
        .send_request(request)
        .await
        .map_err(|error| format!("GET /v1/isleader failed: {error}"))?
        .status();
    drop(sender);
    driver.abort();
    forwarder.abort();
    match status.as_u16() {
        200 => Ok(true),
        404 => Ok(false),
        other => Err(format!("GET /v1/isleader answered {other}")),
    }
}
