//! The Kubernetes client: which cluster and identity, and what its failures mean to an operator.
//!
//! The client comes from `--kubeconfig` (or `KUBECONFIG`, or `~/.kube/config`) and `--context`; with no
//! kubeconfig at all and no `--context`, from the in-cluster service account (a CI job running in the
//! cluster), with kube's own middleware on a connector that turns Nagle off. Every apiserver failure the tunnel can meet is turned into a [`CliError`] with its own
//! `error.code` and a hint: 403 names the RBAC verbs the CLI needs, 404 names the missing object and
//! the context, transport failures separate "unreachable" from "TLS".

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use hyper::Uri;
use kube::config::{KubeConfigOptions, Kubeconfig};
use tokio::task::JoinHandle;
use tower::{Service, ServiceExt};

use crate::error::{CliError, ErrorKind};

/// The RBAC the tunnel needs, as a person would grant it.
pub const RBAC_HINT: &str = "the CLI needs, in the Dkron namespace: get+create on pods/portforward, \
get on services, list on endpointslices.discovery.k8s.io, list on pods (and get on statefulsets for `status`, \
get+create+update on leases.coordination.k8s.io for a sync's lock)";

/// Which cluster a client talks to, for reports and error messages.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterInfo {
    /// The kubeconfig context, or `in-cluster`.
    pub context: String,
    pub server: String,
}

/// A Kubernetes client and which cluster it talks to; one per command, shared by its tunnels.
#[derive(Clone)]
pub struct Cluster {
    pub client: kube::Client,
    pub info: ClusterInfo,
    /// Connections to the apiserver opened before the requests that will need them.
    pub spares: Spares,
}

/// Builds a client from the kubeconfig or the in-cluster service account.
pub async fn client(
    kubeconfig: Option<&PathBuf>,
    context: Option<&str>,
) -> Result<Cluster, CliError> {
    let loaded = load_kubeconfig(kubeconfig)?;
    if loaded.is_none() && (context.is_some() || !in_cluster()) {
        return Err(CliError::new(
            ErrorKind::Kubeconfig,
            "no kubeconfig found (--kubeconfig, KUBECONFIG or ~/.kube/config) and not running in a cluster",
        )
        .hint("pass --kubeconfig PATH, set KUBECONFIG, or reach Dkron directly with --base-url"));
    }
    let (config, context_name) = match loaded {
        Some(kubeconfig) => {
            let chosen = context
                .map(str::to_string)
                .or_else(|| kubeconfig.current_context.clone())
                .unwrap_or_default();
            let options = KubeConfigOptions {
                context: context.map(str::to_string),
                ..KubeConfigOptions::default()
            };
            let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|error| {
                    CliError::new(
                        ErrorKind::Kubeconfig,
                        format!("kubeconfig context `{chosen}` is unusable: {error}"),
                    )
                    .hint(
                        "`kubectl config get-contexts` lists the contexts; pick one with --context",
                    )
                })?;
            (config, chosen)
        }
        None => (
            kube::Config::incluster().map_err(|error| {
                CliError::new(
                    ErrorKind::Kubeconfig,
                    format!(
                        "no kubeconfig and the in-cluster service account is unusable: {error}"
                    ),
                )
            })?,
            "in-cluster".to_string(),
        ),
    };
    let server = config.cluster_url.to_string();
    let (client, spares) = build(config).map_err(|error| {
        CliError::new(
            ErrorKind::Kubeconfig,
            format!("cannot build a Kubernetes client for `{context_name}`: {error}"),
        )
    })?;
    Ok(Cluster {
        client,
        spares,
        info: ClusterInfo {
            context: context_name,
            server: server.trim_end_matches('/').to_string(),
        },
    })
}

/// kube's client stack (base URI, its retry of 429/503/504, authentication, extra headers) on an
/// HTTP/1.1 connection pool whose TCP connections send at once, with [`Spares`] in front of its
/// connector. kube's own connector leaves Nagle on, and on a fresh connection the TLS Finished and
/// the first request are two small writes: the request could wait for the apiserver's delayed ACK
/// (traced at 40–55 ms on each upgrade that opened a connection of its own). kube's read timeout is off by default and its write timeout (295 s) is not
/// kept; the tunnel bounds its own waits.
fn build(config: kube::Config) -> Result<(kube::Client, Spares), kube::Error> {
    use kube::client::ConfigExt;
    let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
    connector.enforce_http(false);
    connector.set_nodelay(true);
    connector.set_connect_timeout(config.connect_timeout);
    let connector = config.rustls_https_connector_with_connector(connector)?;
    let reserve = Arc::new(Reserve {
        connector: connector.clone(),
        server: config.cluster_url.clone(),
        pending: Mutex::new(Vec::new()),
        released: AtomicBool::new(false),
    });
    let connector = SpareConnector {
        inner: connector,
        reserve: reserve.clone(),
    };
    let pool = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, kube::client::Body>(connector);
    let retry = config
        .default_retry
        .then(|| tower::retry::RetryLayer::new(kube::client::retry::RetryPolicy::server_retry()));
    let service = tower::ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(retry)
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        .map_err(tower::BoxError::from)
        .service(pool);
    Ok((
        kube::Client::new(service, config.default_namespace),
        Spares(reserve),
    ))
}

/// Connections (TCP and TLS) to the apiserver opened ahead of time and held back until
/// [`Spares::release`]. kube speaks HTTP/1.1 and an upgrade takes its connection for good, so the
/// leader probe of N pods needs N connections while the reads before it opened only two: without a
/// spare, the third pod's upgrade first waits for a TLS handshake. Held back, because the pool would
/// otherwise hand a spare to the reads themselves.
#[derive(Clone)]
pub struct Spares(Arc<dyn Reserved>);

impl Spares {
    /// Starts opening `count` connections now.
    pub fn open(&self, count: usize) {
        self.0.open(count);
    }

    /// Lets the next new connections be the spares.
    pub fn release(&self) {
        self.0.release();
    }
}

trait Reserved: Send + Sync {
    fn open(&self, count: usize);
    fn release(&self);
}

type Connecting<C> = JoinHandle<Result<<C as Service<Uri>>::Response, <C as Service<Uri>>::Error>>;

struct Reserve<C: Service<Uri>> {
    connector: C,
    server: Uri,
    pending: Mutex<Vec<Connecting<C>>>,
    released: AtomicBool,
}

impl<C> Reserve<C>
where
    C: Service<Uri>,
{
    /// A spare for a connection to `uri`, once released.
    fn take(&self, uri: &Uri) -> Option<Connecting<C>> {
        if !self.released.load(Ordering::Relaxed)
            || uri.scheme() != self.server.scheme()
            || uri.authority() != self.server.authority()
        {
            return None;
        }
        self.pending.lock().expect("not poisoned").pop()
    }
}

impl<C> Reserved for Reserve<C>
where
    C: Service<Uri> + Clone + Send + Sync + 'static,
    C::Future: Send,
    C::Response: Send + 'static,
    C::Error: Send + 'static,
{
    fn open(&self, count: usize) {
        let mut pending = self.pending.lock().expect("not poisoned");
        for _ in 0..count {
            let connector = self.connector.clone();
            let server = self.server.clone();
            pending.push(tokio::spawn(connector.oneshot(server)));
        }
    }

    fn release(&self) {
        self.released.store(true, Ordering::Relaxed);
    }
}

/// The pool's connector: a released spare if there is one, else a new connection.
#[derive(Clone)]
struct SpareConnector<C: Service<Uri>> {
    inner: C,
    reserve: Arc<Reserve<C>>,
}

type Connected<C> = Pin<
    Box<
        dyn Future<Output = Result<<C as Service<Uri>>::Response, <C as Service<Uri>>::Error>>
            + Send,
    >,
>;

impl<C> Service<Uri> for SpareConnector<C>
where
    C: Service<Uri> + Clone + Send + 'static,
    C::Future: Send + 'static,
    C::Response: Send + 'static,
    C::Error: Send + 'static,
{
    type Response = C::Response;
    type Error = C::Error;
    type Future = Connected<C>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let spare = self.reserve.take(&uri);
        // Not polled when the spare serves: connecting starts on the first poll.
        let fresh = self.inner.call(uri);
        Box::pin(async move {
            if let Some(spare) = spare
                && let Ok(Ok(connection)) = spare.await
            {
                return Ok(connection);
            }
            fresh.await
        })
    }
}

/// The kubeconfig: `--kubeconfig` (must exist), else the files of `KUBECONFIG` that exist, merged
/// in order (kubectl skips missing ones), else `~/.kube/config` if it exists; `None` if none does.
fn load_kubeconfig(explicit: Option<&PathBuf>) -> Result<Option<Kubeconfig>, CliError> {
    let unreadable = |path: &std::path::Path, error: kube::config::KubeconfigError| {
        CliError::new(
            ErrorKind::Kubeconfig,
            format!("cannot read kubeconfig {}: {error}", path.display()),
        )
    };
    if let Some(path) = explicit {
        return Kubeconfig::read_from(path)
            .map(Some)
            .map_err(|error| unreadable(path, error));
    }
    let candidates: Vec<PathBuf> = match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(list) => std::env::split_paths(&list).collect(),
        None => std::env::var_os("HOME")
            .map(|home| vec![PathBuf::from(home).join(".kube").join("config")])
            .unwrap_or_default(),
    };
    let mut merged: Option<Kubeconfig> = None;
    for path in candidates.iter().filter(|path| path.is_file()) {
        let config = Kubeconfig::read_from(path).map_err(|error| unreadable(path, error))?;
        merged = Some(match merged {
            None => config,
            Some(earlier) => earlier
                .merge(config)
                .map_err(|error| unreadable(path, error))?,
        });
    }
    Ok(merged)
}

fn in_cluster() -> bool {
    std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
}

/// What a request was trying to do, for the error text ("get service dkron-svc").
pub struct Attempt<'a> {
    pub verb: &'a str,
    pub resource: &'a str,
    pub name: &'a str,
    pub namespace: &'a str,
    pub cluster: &'a ClusterInfo,
}

/// Turns a kube error into an error a person can act on.
pub fn explain(error: kube::Error, attempt: &Attempt<'_>) -> CliError {
    let Attempt {
        verb,
        resource,
        name,
        namespace,
        cluster,
    } = attempt;
    let target = if name.is_empty() {
        format!("{resource} in namespace {namespace}")
    } else {
        format!("{resource} {name} in namespace {namespace}")
    };
    let context = &cluster.context;
    match error {
        kube::Error::Api(status) if status.code == 403 => CliError::new(
            ErrorKind::KubeForbidden,
            format!(
                "Kubernetes (context `{context}`) refused to {verb} {target}: {}",
                status.message
            ),
        )
        .hint(RBAC_HINT),
        kube::Error::Api(status) if status.code == 401 => CliError::new(
            ErrorKind::KubeUnauthorized,
            format!(
                "Kubernetes (context `{context}`) did not accept the credentials: {}",
                status.message
            ),
        )
        .hint("refresh the credentials of the kubeconfig user (log in again)"),
        kube::Error::Api(status) if status.code == 404 => CliError::new(
            ErrorKind::KubeNotFound,
            format!(
                "{target} not found (context `{context}`): {}",
                status.message
            ),
        ),
        kube::Error::Api(status) => CliError::new(
            ErrorKind::KubeError,
            format!(
                "Kubernetes (context `{context}`) answered {} to {verb} {target}: {}",
                status.code, status.message
            ),
        ),
        other => transport(other, cluster),
    }
}

/// A failure below HTTP: the apiserver cannot be reached, or its certificate is not trusted.
pub fn transport(error: kube::Error, cluster: &ClusterInfo) -> CliError {
    let chain = error_chain(&error);
    let tls = [
        "certificate",
        "tls",
        "handshake",
        "UnknownIssuer",
        "NotValidForName",
    ]
    .iter()
    .any(|needle| {
        chain
            .to_ascii_lowercase()
            .contains(&needle.to_ascii_lowercase())
    });
    if tls {
        CliError::new(
            ErrorKind::KubeTls,
            format!(
                "TLS to the Kubernetes apiserver {} (context `{}`) failed: {chain}",
                cluster.server, cluster.context
            ),
        )
        .hint("the kubeconfig's certificate-authority data does not match the apiserver's certificate")
    } else {
        CliError::new(
            ErrorKind::KubeUnreachable,
            format!(
                "cannot reach the Kubernetes apiserver {} (context `{}`): {chain}",
                cluster.server, cluster.context
            ),
        )
        .hint("check the network path to the cluster (VPN, context) or use --base-url")
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// A `coordination.k8s.io/v1` Lease used as a lock: taken, renewed and released with the
/// apiserver's optimistic concurrency (every write names the `resourceVersion` it read, so two
/// contenders cannot both win).
pub struct LeaseHandle {
    api: kube::Api<k8s_openapi::api::coordination::v1::Lease>,
    name: String,
    namespace: String,
    cluster: ClusterInfo,
}

impl LeaseHandle {
    pub fn new(client: kube::Client, namespace: &str, name: &str, cluster: ClusterInfo) -> Self {
        Self {
            api: kube::Api::namespaced(client, namespace),
            name: name.to_string(),
            namespace: namespace.to_string(),
            cluster,
        }
    }

    fn attempt<'a>(&'a self, verb: &'a str) -> Attempt<'a> {
        Attempt {
            verb,
            resource: "lease",
            name: &self.name,
            namespace: &self.namespace,
            cluster: &self.cluster,
        }
    }

    /// Takes the lease if it is free, expired or ours. `Ok(None)`: taken; `Ok(Some(holder))`:
    /// someone else holds it (a write that lost a race reads as held, and the caller tries again).
    pub async fn try_take(
        &self,
        holder: &str,
        duration: std::time::Duration,
    ) -> Result<Option<String>, CliError> {
        use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
        use kube::api::PostParams;
        let now = micro_now();
        let seconds = i32::try_from(duration.as_secs()).unwrap_or(i32::MAX);
        let existing = self
            .api
            .get_opt(&self.name)
            .await
            .map_err(|error| explain(error, &self.attempt("get")))?;
        let Some(mut lease) = existing else {
            let lease = Lease {
                metadata: kube::api::ObjectMeta {
                    name: Some(self.name.clone()),
                    ..Default::default()
                },
                spec: Some(LeaseSpec {
                    holder_identity: Some(holder.to_string()),
                    lease_duration_seconds: Some(seconds),
                    acquire_time: Some(now.clone()),
                    renew_time: Some(now),
                    lease_transitions: Some(0),
                    ..Default::default()
                }),
            };
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(None),
                Err(kube::Error::Api(status)) if status.code == 409 => Ok(Some(
                    "another process (it created the lease first)".to_string(),
                )),
                Err(error) => Err(explain(error, &self.attempt("create"))),
            };
        };
        let spec = lease.spec.get_or_insert_with(Default::default);
        let current = spec.holder_identity.clone().filter(|held| !held.is_empty());
        let expired = match (&spec.renew_time, spec.lease_duration_seconds) {
            (Some(renewed), Some(lasting)) => {
                renewed.0.as_second() + i64::from(lasting) < now.0.as_second()
            }
            _ => true,
        };
        if let Some(other) = current.as_ref().filter(|held| *held != holder && !expired) {
            return Ok(Some(other.clone()));
        }
        if current.as_deref() != Some(holder) {
            spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
            spec.acquire_time = Some(now.clone());
        }
        spec.holder_identity = Some(holder.to_string());
        spec.lease_duration_seconds = Some(seconds);
        spec.renew_time = Some(now);
        match self
            .api
            .replace(&self.name, &PostParams::default(), &lease)
            .await
        {
            Ok(_) => Ok(None),
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(Some(
                "another process (it wrote the lease first)".to_string(),
            )),
            Err(error) => Err(explain(error, &self.attempt("update"))),
        }
    }

    /// Renews the lease; `Ok(false)` when it is no longer ours.
    pub async fn renew(
        &self,
        holder: &str,
        duration: std::time::Duration,
    ) -> Result<bool, CliError> {
        Ok(self.try_take(holder, duration).await?.is_none())
    }

    /// Gives the lease up, if it is still ours.
    pub async fn release(&self, holder: &str) -> Result<(), CliError> {
        use kube::api::PostParams;
        let Some(mut lease) = self
            .api
            .get_opt(&self.name)
            .await
            .map_err(|error| explain(error, &self.attempt("get")))?
        else {
            return Ok(());
        };
        let spec = lease.spec.get_or_insert_with(Default::default);
        if spec.holder_identity.as_deref() != Some(holder) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.renew_time = None;
        self.api
            .replace(&self.name, &PostParams::default(), &lease)
            .await
            .map(drop)
            .map_err(|error| explain(error, &self.attempt("update")))
    }
}

fn micro_now() -> k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime {
    k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime(k8s_openapi::jiff::Timestamp::now())
}

/// The context names of the kubeconfig (`--kubeconfig`, else `KUBECONFIG`, else
/// `~/.kube/config`), for completion; none when there is no readable kubeconfig.
pub fn context_names(explicit: Option<&PathBuf>) -> Vec<String> {
    load_kubeconfig(explicit)
        .ok()
        .flatten()
        .map(|config| {
            config
                .contexts
                .into_iter()
                .map(|context| context.name)
                .collect()
        })
        .unwrap_or_default()
}

/// The namespaces the cluster lists, for completion; none when the user may not list them.
pub async fn namespace_names(cluster: &Cluster) -> Vec<String> {
    let api: kube::Api<k8s_openapi::api::core::v1::Namespace> =
        kube::Api::all(cluster.client.clone());
    api.list(&Default::default())
        .await
        .map(|list| {
            list.items
                .into_iter()
                .filter_map(|namespace| namespace.metadata.name)
                .collect()
        })
        .unwrap_or_default()
}
