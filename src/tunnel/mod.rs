//! Access to Dkron: the one place that decides how its HTTP API is reached.
//!
//! Commands ask the context for a [`DkronAccess`] and get a ready [`DkronClient`] plus a description
//! of how it was reached, which they report. Two ways exist:
//! - **direct**: `--base-url` / `DKRON_URL`;
//! - **tunnel** (the default): an in-process Kubernetes port-forward to the pods behind the Dkron
//!   Service (`--namespace`, `--service-name`, `--service-port`, cluster from `--context` /
//!   `--kubeconfig` / in-cluster). With several ready pods the tunnel targets the Raft leader, so
//!   writes and their read-backs see the same state. The tunnel lives as long as the access value:
//!   nothing is left running when the command ends.

pub mod forward;
pub mod kubernetes;
pub mod leader;
pub mod resolve;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use url::Url;

use self::forward::Forwarder;
use self::kubernetes::ClusterInfo;
use self::leader::LeaderProbe;
use self::resolve::{Backend, PortRef, Resolution, Target};
use crate::dkron::DkronClient;
use crate::error::{CliError, ErrorKind};

/// What the user told us about reaching Dkron.
#[derive(Debug, Clone)]
pub struct AccessSettings {
    pub base_url: Option<Url>,
    pub namespace: String,
    pub service_name: String,
    pub service_port: Option<PortRef>,
    pub context: Option<String>,
    pub kubeconfig: Option<PathBuf>,
    /// Budget of each Dkron request (runs excepted).
    pub timeout: Duration,
    /// Local port of the tunnel's listener; 0 picks a free one.
    pub local_port: u16,
}

/// How Dkron was reached, as reported in results.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessInfo {
    pub access_mode: &'static str,
    pub base_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<TunnelInfo>,
}

/// How a tunnel was made.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TunnelInfo {
    pub context: String,
    pub server: String,
    pub namespace: String,
    pub service: String,
    pub service_port: String,
    /// How the pods were found: `endpointslices`, `selector` or `headless`.
    pub via: &'static str,
    pub pod: String,
    pub pod_port: u16,
    pub local_port: u16,
    pub ready_pods: usize,
    /// Present when several pods were ready and asked who leads.
    pub leader_probe: Option<LeaderProbe>,
}

/// A client for Dkron and how it was reached. Dropping it closes the tunnel, if any.
pub struct DkronAccess {
    pub client: DkronClient,
    pub info: AccessInfo,
    /// The Kubernetes side of a tunnel, for commands that report on it (`status`).
    pub kubernetes: Option<Arc<Resolver>>,
    pub forwarder: Option<Forwarder>,
}

impl std::fmt::Debug for DkronAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DkronAccess")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// Everything needed to (re-)resolve the Service and pick a pod.
pub struct Resolver {
    pub client: kube::Client,
    pub cluster: ClusterInfo,
    pub namespace: String,
    pub service: String,
    pub port: Option<PortRef>,
}

impl Resolver {
    pub async fn resolve(&self) -> Result<Resolution, CliError> {
        resolve::resolve(&Target {
            client: &self.client,
            cluster: &self.cluster,
            namespace: &self.namespace,
            service: &self.service,
            port: self.port.as_ref(),
        })
        .await
    }

    /// Resolves the Service and picks the pod: the only ready one, or the leader among several
    /// (the first ready pod if none claims leadership, so a read still works).
    pub async fn pick(&self) -> Result<(Backend, Option<LeaderProbe>, Resolution), CliError> {
        let resolution = self.resolve().await?;
        if resolution.backends.len() == 1 {
            return Ok((resolution.backends[0].clone(), None, resolution));
        }
        let probe = leader::probe(&self.client, &self.namespace, &resolution.backends).await;
        let backend = probe
            .leader
            .as_ref()
            .and_then(|leader| resolution.backends.iter().find(|b| &b.pod == leader))
            .unwrap_or(&resolution.backends[0])
            .clone();
        Ok((backend, Some(probe), resolution))
    }
}

/// Opens access to Dkron according to the settings.
pub async fn open(settings: &AccessSettings) -> anyhow::Result<DkronAccess> {
    if let Some(base_url) = &settings.base_url {
        let client = DkronClient::new(base_url.clone(), settings.timeout)?;
        return Ok(DkronAccess {
            info: AccessInfo {
                access_mode: "direct",
                base_url: display_base(base_url),
                tunnel: None,
            },
            client,
            kubernetes: None,
            forwarder: None,
        });
    }
    // kube sets no read timeout (an idle port-forward must live), so bound the apiserver work of
    // opening a tunnel here: a stalled apiserver is an error, not a hang.
    let deadline = settings.timeout;
    let opened = tokio::time::timeout(deadline, open_tunnel(settings)).await;
    match opened {
        Ok(access) => access,
        Err(_) => Err(CliError::new(
            ErrorKind::KubeUnreachable,
            format!(
                "the Kubernetes apiserver did not answer within {}s while opening the tunnel",
                deadline.as_secs()
            ),
        )
        .hint("check the cluster's health and the network path, or raise --timeout")
        .into()),
    }
}

async fn open_tunnel(settings: &AccessSettings) -> anyhow::Result<DkronAccess> {
    let (client, cluster) =
        kubernetes::client(settings.kubeconfig.as_ref(), settings.context.as_deref()).await?;
    let resolver = Arc::new(Resolver {
        client,
        cluster,
        namespace: settings.namespace.clone(),
        service: settings.service_name.clone(),
        port: settings.service_port.clone(),
    });
    let (backend, leader_probe, resolution) = resolver.pick().await?;
    let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, settings.local_port));
    let forwarder = Forwarder::start(resolver.clone(), backend.clone(), bind, settings.timeout)
        .await
        .map_err(|error| {
            CliError::new(
                ErrorKind::Tunnel,
                format!("cannot listen on {bind} for the tunnel: {error}"),
            )
        })?;
    let local_port = forwarder.local_addr.port();
    let base_url = Url::parse(&format!("http://127.0.0.1:{local_port}")).expect("valid URL");
    let state = forwarder.state.clone();
    let client = DkronClient::new(base_url.clone(), settings.timeout)?
        .with_transport_note(Arc::new(move || state.last_error()));
    Ok(DkronAccess {
        info: AccessInfo {
            access_mode: "tunnel",
            base_url: display_base(&base_url),
            tunnel: Some(TunnelInfo {
                context: resolver.cluster.context.clone(),
                server: resolver.cluster.server.clone(),
                namespace: resolver.namespace.clone(),
                service: resolver.service.clone(),
                service_port: resolution.service_port.clone(),
                via: resolution.via,
                pod: backend.pod.clone(),
                pod_port: backend.port,
                local_port,
                ready_pods: resolution.backends.len(),
                leader_probe,
            }),
        },
        client,
        kubernetes: Some(resolver),
        forwarder: Some(forwarder),
    })
}

/// The base URL without a trailing slash, as people write it.
pub fn display_base(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

/// Parses `--base-url` / `DKRON_URL`.
pub fn parse_base_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|error| format!("`{text}` is not a URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("`{text}` must be an http:// or https:// URL"));
    }
    Ok(url)
}
