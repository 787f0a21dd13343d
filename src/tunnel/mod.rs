//! Access to Dkron and to Restate's admin API: the one place that decides how each is reached.
//!
//! Commands ask the context for a [`DkronAccess`] or a [`RestateAccess`] and get a ready client plus
//! a description of how it was reached, which they report. Each is reached one of two ways:
//! - **direct**: `--base-url` / `DKRON_URL` for Dkron, `--restate-admin-url` / `RESTATE_ADMIN_URL`
//!   for Restate;
//! - **tunnel** (the default): an in-process Kubernetes port-forward to the pods behind the Service
//!   (`--namespace`, `--service-name`, `--service-port` for Dkron; `--restate-namespace`,
//!   `--restate-service-name`, `--restate-service-port` for Restate), on the cluster of `--context` /
//!   `--kubeconfig` / in-cluster. A command that needs both opens both tunnels from one Kubernetes
//!   client. With several ready Dkron pods the tunnel targets the Raft leader, so writes and their
//!   read-backs see the same state; the port-forward that asked the leader carries the tunnel's
//!   first connection, so finding the leader costs no extra upgrade. A tunnel lives as long as the access value: nothing is left
//!   running when the command ends.

pub mod forward;
pub mod kubernetes;
pub mod leader;
pub mod resolve;
pub mod rollout;
pub mod workload;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use url::Url;

use self::forward::Forwarder;
use self::kubernetes::{Cluster, ClusterInfo, Spares};
use self::leader::{KeptForward, LeaderProbe};
use self::resolve::{Backend, PortRef, Resolution, ServiceRole, Target};
use crate::dkron::DkronClient;
use crate::error::{CliError, ErrorKind};
use crate::restate::admin::RestateAdmin;

/// Which Service a tunnel reaches.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub namespace: String,
    pub service: String,
    pub port: Option<PortRef>,
    pub role: ServiceRole,
}

/// What the user told us about reaching Dkron.
#[derive(Debug, Clone)]
pub struct AccessSettings {
    pub base_url: Option<Url>,
    pub service: ServiceSpec,
    /// Budget of each Dkron request (runs excepted).
    pub timeout: Duration,
    /// Local port of the tunnel's listener; 0 picks a free one.
    pub local_port: u16,
}

/// What the user told us about reaching Restate's admin API.
#[derive(Debug, Clone)]
pub struct RestateSettings {
    pub admin_url: Option<Url>,
    pub service: ServiceSpec,
    pub timeout: Duration,
}

/// How a server was reached, as reported in results.
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
    /// Present when several Dkron pods were ready and asked who leads.
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

/// A client for Restate's admin API and how it was reached. Dropping it closes the tunnel.
pub struct RestateAccess {
    pub client: RestateAdmin,
    pub info: AccessInfo,
    _forwarder: Option<Forwarder>,
}

/// Everything needed to (re-)resolve the Service and pick a pod.
pub struct Resolver {
    pub client: kube::Client,
    /// Held back for the leader probe's upgrades.
    pub spares: Spares,
    pub cluster: ClusterInfo,
    pub namespace: String,
    pub service: String,
    pub port: Option<PortRef>,
    pub role: ServiceRole,
}

impl Resolver {
    pub async fn resolve(&self) -> Result<Resolution, CliError> {
        resolve::resolve(&Target {
            client: &self.client,
            cluster: &self.cluster,
            namespace: &self.namespace,
            service: &self.service,
            port: self.port.as_ref(),
            role: self.role,
        })
        .await
    }

    /// Resolves the Service and picks the pod: the only ready one; among several Dkron pods the
    /// leader (the first ready pod if none claims leadership, so a read still works); for any other
    /// role the first ready pod.
    pub async fn pick(&self) -> Result<Picked, CliError> {
        let resolution = self.resolve().await?;
        if resolution.backends.len() == 1 || self.role != ServiceRole::Dkron {
            return Ok(Picked {
                backend: resolution.backends[0].clone(),
                probe: None,
                kept: None,
                resolution,
            });
        }
        self.spares.release();
        let (probe, kept) =
            leader::probe(&self.client, &self.namespace, &resolution.backends).await;
        let backend = probe
            .leader
            .as_ref()
            .and_then(|leader| resolution.backends.iter().find(|b| &b.pod == leader))
            .unwrap_or(&resolution.backends[0])
            .clone();
        Ok(Picked {
            kept: kept.filter(|kept| kept.backend == backend),
            backend,
            probe: Some(probe),
            resolution,
        })
    }
}

/// The pod a tunnel forwards to, and how it was chosen.
pub struct Picked {
    pub backend: Backend,
    pub probe: Option<LeaderProbe>,
    /// The leader probe's port-forward to `backend`, still open, for the next connection.
    pub kept: Option<KeptForward>,
    pub resolution: Resolution,
}

/// Opens access to Dkron: directly, or through a tunnel on `cluster`'s client.
pub async fn open_dkron(
    settings: &AccessSettings,
    cluster: Option<&Cluster>,
) -> anyhow::Result<DkronAccess> {
    if let Some(base_url) = &settings.base_url {
        let client = DkronClient::new(base_url.clone(), settings.timeout)?;
        return Ok(DkronAccess {
            info: direct(base_url),
            client,
            kubernetes: None,
            forwarder: None,
        });
    }
    let cluster = cluster.expect("the caller passes a cluster when there is no base URL");
    let tunnel = open_tunnel(
        cluster,
        &settings.service,
        settings.local_port,
        settings.timeout,
    )
    .await?;
    let state = tunnel.forwarder.state.clone();
    let client = DkronClient::new(tunnel.base_url.clone(), settings.timeout)?
        .with_transport_note(Arc::new(move || state.last_error()));
    Ok(DkronAccess {
        client,
        info: tunnel.info,
        kubernetes: Some(tunnel.resolver),
        forwarder: Some(tunnel.forwarder),
    })
}

/// Opens access to Restate's admin API: directly, or through a tunnel on `cluster`'s client.
pub async fn open_restate(
    settings: &RestateSettings,
    cluster: Option<&Cluster>,
) -> anyhow::Result<RestateAccess> {
    if let Some(admin_url) = &settings.admin_url {
        return Ok(RestateAccess {
            client: RestateAdmin::new(admin_url.clone(), settings.timeout)?,
            info: direct(admin_url),
            _forwarder: None,
        });
    }
    let cluster = cluster.expect("the caller passes a cluster when there is no admin URL");
    let tunnel = open_tunnel(cluster, &settings.service, 0, settings.timeout).await?;
    let state = tunnel.forwarder.state.clone();
    let client = RestateAdmin::new(tunnel.base_url.clone(), settings.timeout)?
        .with_transport_note(Arc::new(move || state.last_error()));
    Ok(RestateAccess {
        client,
        info: tunnel.info,
        _forwarder: Some(tunnel.forwarder),
    })
}

fn direct(url: &Url) -> AccessInfo {
    AccessInfo {
        access_mode: "direct",
        base_url: display_base(url),
        tunnel: None,
    }
}

/// Apiserver connections opened beside a Dkron tunnel's Service reads, for the leader probe.
const SPARE_CONNECTIONS: usize = 1;

/// A running port-forward to one Service.
struct Tunnel {
    base_url: Url,
    info: AccessInfo,
    resolver: Arc<Resolver>,
    forwarder: Forwarder,
}

/// Resolves the Service, picks its pod and starts the local listener. kube sets no read timeout
/// (an idle port-forward must live), so the apiserver work is bounded here: a stalled apiserver is
/// an error, not a hang.
async fn open_tunnel(
    cluster: &Cluster,
    spec: &ServiceSpec,
    local_port: u16,
    timeout: Duration,
) -> anyhow::Result<Tunnel> {
    match tokio::time::timeout(timeout, start_tunnel(cluster, spec, local_port, timeout)).await {
        Ok(tunnel) => tunnel,
        Err(_) => Err(CliError::new(
            ErrorKind::KubeUnreachable,
            format!(
                "the Kubernetes apiserver did not answer within {}s while opening the tunnel to {}",
                timeout.as_secs(),
                spec.role.what()
            ),
        )
        .hint("check the cluster's health and the network path, or raise --timeout")
        .into()),
    }
}

async fn start_tunnel(
    cluster: &Cluster,
    spec: &ServiceSpec,
    local_port: u16,
    timeout: Duration,
) -> anyhow::Result<Tunnel> {
    if spec.role == ServiceRole::Dkron {
        // A Dkron cluster is 3 pods for Raft to survive a loss: their probe takes 3 connections,
        // and the Service reads open 2. With a single pod the spare is closed unused at exit
        // (a handshake made alongside the reads, never an apiserver request).
        cluster.spares.open(SPARE_CONNECTIONS);
    }
    let resolver = Arc::new(Resolver {
        client: cluster.client.clone(),
        spares: cluster.spares.clone(),
        cluster: cluster.info.clone(),
        namespace: spec.namespace.clone(),
        service: spec.service.clone(),
        port: spec.port.clone(),
        role: spec.role,
    });
    let Picked {
        backend,
        probe: leader_probe,
        kept,
        resolution,
    } = resolver.pick().await?;
    let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, local_port));
    let forwarder = Forwarder::start(resolver.clone(), backend.clone(), kept, bind, timeout)
        .await
        .map_err(|error| {
            CliError::new(
                ErrorKind::Tunnel,
                format!("cannot listen on {bind} for the tunnel: {error}"),
            )
        })?;
    let local_port = forwarder.local_addr.port();
    let base_url = Url::parse(&format!("http://127.0.0.1:{local_port}")).expect("valid URL");
    Ok(Tunnel {
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
        base_url,
        resolver,
        forwarder,
    })
}

/// The base URL without a trailing slash, as people write it.
pub fn display_base(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

/// Parses `--base-url` / `DKRON_URL`.
pub fn parse_base_url(text: &str) -> Result<Url, String> {
    crate::names::require_scheme(text)?;
    let url = Url::parse(text).map_err(|error| format!("`{text}` is not a URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("`{text}` must be an http:// or https:// URL"));
    }
    Ok(url)
}
