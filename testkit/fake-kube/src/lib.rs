//! A fake Kubernetes API server and kubelet port-forward endpoint, for tests and benchmarks.
//!
//! This is a test peer, NOT a Kubernetes. It keeps a [`World`] of Services, EndpointSlices, Pods,
//! StatefulSets, Events and server-side-applied objects in memory and answers the calls a
//! port-forwarding and deploying client makes with real JSON shapes and real `Status` errors:
//! `/version`, namespace get, get and label-filtered list of every kind it stores (Events also by
//! `involvedObject` field selector), and server-side apply (`PATCH` with
//! `application/apply-patch+yaml`) of Services, ServiceAccounts, StatefulSets, Roles,
//! RoleBindings, PodDisruptionBudgets and NetworkPolicies. It accepts the
//! `pods/{name}/portforward` WebSocket upgrade and speaks the kubelet's `v4.channel.k8s.io`
//! framing, dialling a real loopback TCP backend for each pod port. It serves HTTPS on 127.0.0.1
//! with a freshly generated CA, checks one bearer token, can inject latency and RBAC denials, and
//! records every request (with its RBAC verb and resource) and every apply so tests can assert on
//! what a client asked for.
//!
//! It has no watch, no create/update/delete verbs, no merge or JSON patches, no validation beyond
//! the JSON types, no admission and no kube-proxy. Its one controller is a minimal StatefulSet
//! status controller (see [`FakeKube::update`]). Otherwise the world changes only through
//! [`FakeKube::update`] and applies.
//!
//! It runs on its own thread and tokio runtime, so synchronous tests that drive a real CLI binary
//! can use it; dropping the [`FakeKube`] stops it.

mod api;
mod apply;
mod controller;
mod dkron;
mod portforward;
mod tls;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine as _;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Event, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use serde_json::Value;
use tokio::sync::oneshot;

pub use dkron::dkron_world;

/// The objects the fake serves, and where port-forwards to its pods are dialled.
#[derive(Clone, Debug, Default)]
pub struct World {
    pub services: Vec<Service>,
    pub endpoint_slices: Vec<EndpointSlice>,
    pub pods: Vec<Pod>,
    pub stateful_sets: Vec<StatefulSet>,
    /// Served at `/api/v1/namespaces/{ns}/events` (and `/api/v1/events`).
    pub events: Vec<Event>,
    /// Server-side-applied objects of the kinds without a typed field above (ServiceAccounts,
    /// Roles, RoleBindings, PodDisruptionBudgets, NetworkPolicies), as the JSON a GET returns,
    /// keyed `"{apiVersion}/{kind}/{namespace}/{name}"`, e.g.
    /// `"rbac.authorization.k8s.io/v1/Role/joelclaw/joelclaw-cron"` or
    /// `"v1/ServiceAccount/joelclaw/joelclaw-cron"`. Applied Services and StatefulSets go to
    /// [`World::services`] and [`World::stateful_sets`] instead. Tests may seed entries here.
    pub applied: BTreeMap<String, Value>,
    /// Where a port-forward to (namespace, pod, port) is dialled.
    pub backends: HashMap<(String, String, u16), SocketAddr>,
}

/// How the fake authenticates, authorises and paces requests.
#[derive(Clone, Debug)]
pub struct Options {
    /// The only bearer token accepted; anything else gets a 401 `Status`.
    pub token: String,
    /// Waited before answering every request, including before a 101 upgrade.
    pub latency: Duration,
    /// Deny `pods/portforward` with a 403 `Status`, as RBAC would.
    pub forbid_portforward: bool,
    /// Resources, by plural name (`services`, `endpointslices`, `pods`, `statefulsets`,
    /// `namespaces`, `serviceaccounts`, `roles`, `rolebindings`, `poddisruptionbudgets`,
    /// `networkpolicies`, `events`, `pods/portforward`), whose get, list and patch (apply) are
    /// denied with a 403 `Status`.
    pub forbidden_resources: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            token: "test-token".to_owned(),
            latency: Duration::ZERO,
            forbid_portforward: false,
            forbidden_resources: Vec::new(),
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
    /// The verb Kubernetes RBAC authorizes this request as, derived from the method and path as
    /// the apiserver's `RequestInfo` does: `get` (one object, or a non-resource path such as
    /// `/version`), `list`, `watch` (a list with `watch=true`), `create` (POST), `update` (PUT),
    /// `patch`, `delete`, `deletecollection`.
    ///
    /// A port-forward upgrade is recorded as `create`: an apiserver authorizes a WebSocket
    /// port-forward (a GET) as `get` on `pods/portforward`, and since Kubernetes 1.35 (the
    /// version this fake claims) additionally as `create`, so `create` is the permission a Role
    /// must grant for it to work on a current cluster. A POST upgrade is `create` anyway.
    pub verb: String,
    /// The RBAC resource: the plural, prefixed with the API group for non-core groups and
    /// followed by the subresource, e.g. `pods`, `namespaces`, `events`, `pods/portforward`,
    /// `apps/statefulsets`, `discovery.k8s.io/endpointslices`,
    /// `rbac.authorization.k8s.io/roles`. Empty for non-resource paths (`/version`). Derived
    /// from the path alone, so it is filled in for paths the fake does not serve too.
    pub resource: String,
}

/// One server-side apply request (a `PATCH` with `Content-Type: application/apply-patch+yaml`)
/// to one of the apply paths, as the fake received it, whatever it answered (see
/// [`FakeKube::requests`] for the status).
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// The request path, e.g. `/apis/apps/v1/namespaces/joelclaw/statefulsets/dkron`.
    pub path: String,
    /// The `fieldManager` query parameter; empty when missing (the fake then answers 422).
    pub field_manager: String,
    /// Whether `force=true` was sent.
    pub force: bool,
    /// Whether `dryRun=All` was sent.
    pub dry_run: bool,
    /// The `Content-Type` header exactly as sent.
    pub content_type: String,
    /// The body, parsed as JSON or else YAML; `Value::Null` when it parses as neither.
    pub body: Value,
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
    /// World changes to make right after the N-th upgrade was answered.
    after_upgrade: Mutex<Vec<(usize, WorldChange)>>,
    /// Every apply request, in arrival order.
    applies: Mutex<Vec<Applied>>,
    /// Counters and field ownership behind server-side apply. Locked after `world`, never before.
    store: Mutex<apply::Store>,
}

type WorldChange = Box<dyn FnOnce(&mut World) + Send>;

impl Shared {
    fn world(&self) -> MutexGuard<'_, World> {
        // A test's `update` closure may panic; the world stays usable for the assertions after it.
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn store(&self) -> MutexGuard<'_, apply::Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies a change, runs the StatefulSet controller and ends the sessions of pods it removed.
    fn change(&self, change: impl FnOnce(&mut World)) {
        let mut world = self.world();
        change(&mut world);
        controller::reconcile_stateful_sets(&mut world, &mut self.store());
        let live = pod_keys(&world);
        drop(world);
        self.live_pods.send_replace(live);
    }

    /// Counts an answered upgrade and runs the changes registered for it.
    fn upgraded(&self) {
        let count = self.upgrades.fetch_add(1, Ordering::SeqCst) + 1;
        let due: Vec<WorldChange> = {
            let mut pending = self
                .after_upgrade
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let (due, rest): (Vec<_>, Vec<_>) =
                pending.drain(..).partition(|(after, _)| *after == count);
            *pending = rest;
            due.into_iter().map(|(_, change)| change).collect()
        };
        for change in due {
            self.change(change);
        }
    }

    fn record_apply(&self, apply: Applied) {
        self.applies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(apply);
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
            after_upgrade: Mutex::new(Vec::new()),
            applies: Mutex::new(Vec::new()),
            store: Mutex::new(apply::Store::default()),
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
    ///
    /// Afterwards the StatefulSet controller sets the status of every StatefulSet in the world
    /// (so a status written by `change` itself is overwritten): `observedGeneration` =
    /// `metadata.generation`; `replicas`, `currentReplicas`, `updatedReplicas` = `spec.replicas`
    /// (default 1); `readyReplicas` and `availableReplicas` = the number of pods in the same
    /// namespace whose labels match `spec.selector` (`matchLabels` and `matchExpressions`) and
    /// that are `Running` with condition `Ready=True`; `currentRevision` = `updateRevision` =
    /// `{name}-{hash of spec.template}`. A StatefulSet whose status changes gets a new
    /// `resourceVersion`. The same happens after every StatefulSet apply that is not a dry run,
    /// and after the changes registered with [`FakeKube::after_upgrade`]. It does not run at
    /// [`FakeKube::spawn`], so a world's initial statuses are served as given.
    pub fn update(&self, change: impl FnOnce(&mut World)) {
        self.shared.change(change);
    }

    /// A snapshot of the world as it is now, including what applies and the StatefulSet
    /// controller wrote.
    pub fn world(&self) -> World {
        self.shared.world().clone()
    }

    /// Change the world right after the `upgrade`-th port-forward upgrade is answered (1 = the
    /// first), so a test can replace a pod while a command is using it.
    pub fn after_upgrade(&self, upgrade: usize, change: impl FnOnce(&mut World) + Send + 'static) {
        self.shared
            .after_upgrade
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((upgrade, Box::new(change)));
    }

    /// Every request received so far, in arrival order of their answers.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every server-side apply request received so far, in arrival order, including rejected
    /// ones and dry runs.
    pub fn applies(&self) -> Vec<Applied> {
        self.shared
            .applies
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
