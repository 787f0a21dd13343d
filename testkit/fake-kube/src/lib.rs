//! A fake Kubernetes API server and kubelet port-forward endpoint, for what a real one cannot be
//! made to do on demand: answer every request late (benchmarks of the tunnel's overhead), or not at
//! all (a stalled apiserver). Everything else is tested against the real control plane of
//! `scripts/kube.sh`.
//!
//! This is a test peer, NOT a Kubernetes. It keeps a [`World`] of Services, EndpointSlices, Pods
//! and StatefulSets in memory and answers the reads a port-forwarding client makes with real JSON
//! shapes and real `Status` errors: `/version`, namespace get, get and label-filtered list of every
//! kind it stores. It accepts the `pods/{name}/portforward` WebSocket upgrade and speaks the
//! kubelet's `v4.channel.k8s.io` framing, dialling a real loopback TCP backend for each pod port.
//! It serves HTTPS on 127.0.0.1 with a freshly generated CA, checks one bearer token, can inject
//! latency, and records every request so tests and benchmarks can count what a client asked for.
//!
//! It has no watch, no writes, no RBAC, no controllers and no admission: the world changes only
//! through [`FakeKube::update`].
//!
//! It runs on its own thread and tokio runtime, so synchronous tests that drive a real CLI binary
//! can use it; dropping the [`FakeKube`] stops it.

mod api;
mod dkron;
mod portforward;
mod tls;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine as _;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use tokio::sync::oneshot;

pub use dkron::dkron_world;

/// The objects the fake serves, and where port-forwards to its pods are dialled.
#[derive(Clone, Debug, Default)]
pub struct World {
    pub services: Vec<Service>,
    pub endpoint_slices: Vec<EndpointSlice>,
    pub pods: Vec<Pod>,
    pub stateful_sets: Vec<StatefulSet>,
    /// Where a port-forward to (namespace, pod, port) is dialled.
    pub backends: HashMap<(String, String, u16), SocketAddr>,
}

/// How the fake authenticates and paces requests.
#[derive(Clone, Debug)]
pub struct Options {
    /// The only bearer token accepted; anything else gets a 401 `Status`.
    pub token: String,
    /// Waited before answering every request, including before a 101 upgrade.
    pub latency: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            token: "test-token".to_owned(),
            latency: Duration::ZERO,
        }
    }
}

/// One request as the fake saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The raw query string, exactly as sent (kube sends `&ports=8080` for port-forwards).
    pub query: Option<String>,
    /// Whether the request asked for a WebSocket upgrade.
    pub websocket_upgrade: bool,
    /// The subprotocols offered in `Sec-WebSocket-Protocol`, in the client's order.
    pub offered_protocols: Vec<String>,
    /// The subprotocol chosen for a 101 reply (`Some("")` when none was offered).
    pub negotiated_protocol: Option<String>,
    /// The HTTP status the fake answered with.
    pub status: u16,
}

/// `(namespace, name)` of every pod in the world.
fn pod_keys(world: &World) -> std::collections::HashSet<(String, String)> {
    world
        .pods
        .iter()
        .filter_map(|pod| {
            let namespace = pod
                .metadata
                .namespace
                .clone()
                .unwrap_or_else(|| "default".to_owned());
            Some((namespace, pod.metadata.name.clone()?))
        })
        .collect()
}

/// State shared between the handle and the server's tasks.
struct Shared {
    world: Mutex<World>,
    options: Options,
    requests: Mutex<Vec<Recorded>>,
    upgrades: AtomicUsize,
    /// The pods that exist, as `(namespace, name)`: a port-forward session ends when its pod
    /// leaves this set, as the kubelet's stream ends when the pod goes away.
    live_pods: tokio::sync::watch::Sender<std::collections::HashSet<(String, String)>>,
}

impl Shared {
    fn world(&self) -> MutexGuard<'_, World> {
        // A test's `update` closure may panic; the world stays usable for the assertions after it.
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies a change and ends the sessions of pods it removed.
    fn change(&self, change: impl FnOnce(&mut World)) {
        let mut world = self.world();
        change(&mut world);
        let live = pod_keys(&world);
        drop(world);
        self.live_pods.send_replace(live);
    }

    /// Counts an answered upgrade.
    fn upgraded(&self) {
        self.upgrades.fetch_add(1, Ordering::SeqCst);
    }

    fn record(&self, request: Recorded) {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request);
    }
}

/// A running fake API server; dropping it stops the server and closes every tunnel.
pub struct FakeKube {
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    pub addr: SocketAddr,
    /// The PEM of the CA that signed the server certificate (valid for 127.0.0.1 and localhost).
    pub ca_pem: String,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeKube {
    /// Start serving `world` on 127.0.0.1; returns once the listener is bound. Panics on failure.
    pub fn spawn(world: World, options: Options) -> FakeKube {
        Self::try_spawn(world, options).expect("failed to start the fake Kubernetes API server")
    }

    /// Like [`FakeKube::spawn`], but returns the error instead of panicking.
    pub fn try_spawn(world: World, options: Options) -> anyhow::Result<FakeKube> {
        let identity = tls::Identity::generate().context("failed to generate TLS certificates")?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fake-kube-worker")
            .enable_all()
            .build()
            .context("failed to build the fake's tokio runtime")?;
        // Bind before returning so a client started right after `spawn` never races the listener.
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .context("failed to bind 127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };

        let live = pod_keys(&world);
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            options,
            requests: Mutex::new(Vec::new()),
            upgrades: AtomicUsize::new(0),
            live_pods: tokio::sync::watch::Sender::new(live),
        });
        let (shutdown, shutdown_requested) = oneshot::channel();
        let server = api::serve(
            listener,
            identity.server_config,
            Arc::clone(&shared),
            shutdown_requested,
        );
        let thread = std::thread::Builder::new()
            .name("fake-kube".to_owned())
            .spawn(move || {
                runtime.block_on(server);
                // Dropping the runtime cancels every connection and tunnel task still running.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .context("failed to start the fake's thread")?;

        Ok(FakeKube {
            url: format!("https://{addr}"),
            addr,
            ca_pem: identity.ca_pem,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// A kubeconfig (JSON, which is also YAML) whose current context `context` points at this fake
    /// with `namespace`, trusting its CA and authenticating with its token.
    ///
    /// Cluster and user entries are named after the context so several fakes' kubeconfigs can be
    /// merged through a `KUBECONFIG` list.
    pub fn kubeconfig(&self, context: &str, namespace: &str) -> String {
        let cluster = format!("{context}-cluster");
        let user = format!("{context}-user");
        let ca_data = base64::engine::general_purpose::STANDARD.encode(&self.ca_pem);
        let config = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "clusters": [{
                "name": cluster,
                "cluster": { "server": self.url, "certificate-authority-data": ca_data },
            }],
            "users": [{ "name": user, "user": { "token": self.shared.options.token } }],
            "contexts": [{
                "name": context,
                "context": { "cluster": cluster, "user": user, "namespace": namespace },
            }],
            "current-context": context,
        });
        serde_json::to_string_pretty(&config).expect("a JSON value always serializes")
    }

    /// Change the world while the fake runs, e.g. replace a pod or drop a backend. Port-forward
    /// sessions to pods that no longer exist afterwards are closed.
    pub fn update(&self, change: impl FnOnce(&mut World)) {
        self.shared.change(change);
    }

    /// A snapshot of the world as it is now.
    pub fn world(&self) -> World {
        self.shared.world().clone()
    }

    /// Every request received so far, in arrival order of their answers.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many port-forward upgrades were answered with 101.
    pub fn upgrades(&self) -> usize {
        self.shared.upgrades.load(Ordering::SeqCst)
    }
}

impl Drop for FakeKube {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
