//! The real Kubernetes control plane of `scripts/kube.sh` (etcd, kube-apiserver,
//! kube-controller-manager, kube-scheduler, and kwok as the kubelet of node `kwok-node`), shared by
//! every test of one run: each test gets a namespace of its own with the Dkron deployment exactly as
//! `manifest` renders it, PersistentVolumes for its claims, kwok `PortForward` objects that carry
//! each pod's port 8080 to a real Dkron on loopback, and a kubeconfig holding a TokenRequest token
//! of the operator ServiceAccount. It also reads the apiserver's audit log, one line per request.
//!
//! It does not start anything: without `scripts/kube.sh up` (which `scripts/test` runs) every test
//! that asks for it fails, saying how to start it. The admin identity here (`system:masters`) only
//! sets the scene; the CLI under test runs with the operator token, or with the admin kubeconfig for
//! `install`, which needs more than the operator Role.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use k8s_openapi::api::authentication::v1::TokenRequest;
use k8s_openapi::api::core::v1::{
    Event, Namespace as KubeNamespace, PersistentVolume, Pod, ServiceAccount,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch,
    PatchParams, PostParams,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::support::{cron, run};

/// The field manager that sets the scene (as opposed to `joelclaw`, the CLI's).
pub const TEST_MANAGER: &str = "joelclaw-test";
/// The operator ServiceAccount that `manifest` renders.
pub const OPERATOR: &str = "joelclaw-cron";

/// The running control plane, from the variables `scripts/kube.sh up` writes.
pub struct Plane {
    runtime: tokio::runtime::Runtime,
    pub admin: kube::Client,
    /// The admin kubeconfig (client certificate of `system:masters`).
    pub admin_kubeconfig: PathBuf,
    pub server: String,
    ca_file: PathBuf,
    audit_log: PathBuf,
}

static PLANE: OnceLock<Plane> = OnceLock::new();
static NAMESPACES: AtomicUsize = AtomicUsize::new(0);

/// The control plane; panics with instructions when `scripts/kube.sh up` has not run.
pub fn plane() -> &'static Plane {
    PLANE.get_or_init(|| {
        let get = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!(
                    "{name} is not set: this test needs the real Kubernetes control plane. Run \
                     `scripts/test` (it builds and starts it), or `scripts/kube.sh up DIR` and \
                     `source DIR/env` before `cargo test`."
                )
            })
        };
        let admin_kubeconfig = PathBuf::from(get("JOELCLAW_TEST_KUBE_ADMIN"));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let admin = runtime.block_on(async {
            let kubeconfig = kube::config::Kubeconfig::read_from(&admin_kubeconfig).unwrap();
            let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
                .await
                .unwrap();
            kube::Client::try_from(config).unwrap()
        });
        Plane {
            runtime,
            admin,
            admin_kubeconfig,
            server: get("JOELCLAW_TEST_KUBE_SERVER"),
            ca_file: PathBuf::from(get("JOELCLAW_TEST_KUBE_CA")),
            audit_log: PathBuf::from(get("JOELCLAW_TEST_KUBE_AUDIT_LOG")),
        }
    })
}

/// What a test namespace holds.
#[derive(Clone, Debug)]
pub struct Scene {
    /// Where pod `dkron-<i>`'s port 8080 is forwarded; the StatefulSet has this many replicas.
    pub backends: Vec<SocketAddr>,
    /// Apply the `manifest` objects (else the namespace is empty but for volumes and forwards).
    pub deploy: bool,
    /// Create the PersistentVolumes the claims bind to (without them the pods cannot schedule).
    pub volumes: bool,
    /// Extra `manifest` flags.
    pub manifest_flags: Vec<String>,
}

impl Scene {
    pub fn dkron(backends: &[SocketAddr]) -> Self {
        Self {
            backends: backends.to_vec(),
            deploy: true,
            volumes: true,
            manifest_flags: Vec::new(),
        }
    }
}

/// One test's namespace, with the operator's kubeconfig.
pub struct Namespace {
    pub name: String,
    /// A kubeconfig (context `kwok`) with a TokenRequest token of the operator ServiceAccount,
    /// or `None` for a scene without the deployment.
    pub kubeconfig: Option<PathBuf>,
    _dir: tempfile::TempDir,
}

/// One request as the apiserver's audit log recorded it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// `ResponseComplete`, or `ResponseStarted` for a long-running request (an upgrade) that was
    /// also logged when its response began.
    pub stage: String,
    pub verb: String,
    #[serde(rename = "requestURI")]
    pub request_uri: String,
    pub user: AuditUser,
    #[serde(default)]
    pub object_ref: Option<AuditObject>,
    #[serde(default)]
    pub response_status: Option<AuditStatus>,
    /// `authorization.k8s.io/decision` (`allow` or `forbid`) among others.
    #[serde(default)]
    pub annotations: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct AuditUser {
    pub username: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditObject {
    #[serde(default)]
    pub resource: String,
    #[serde(default)]
    pub subresource: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub api_group: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct AuditStatus {
    pub code: u16,
    #[serde(default)]
    pub message: String,
}

impl AuditEvent {
    /// The RBAC resource: `pods/portforward`, `apps/statefulsets`, `namespaces`.
    pub fn resource(&self) -> String {
        let Some(object) = &self.object_ref else {
            return String::new();
        };
        let mut resource = object.resource.clone();
        if !object.subresource.is_empty() {
            resource = format!("{resource}/{}", object.subresource);
        }
        if !object.api_group.is_empty() {
            resource = format!("{}/{resource}", object.api_group);
        }
        resource
    }

    pub fn code(&self) -> u16 {
        self.response_status
            .as_ref()
            .map_or(0, |status| status.code)
    }

    /// Whether the authorizer allowed the request (whatever became of it afterwards).
    pub fn allowed(&self) -> bool {
        self.annotations
            .get("authorization.k8s.io/decision")
            .is_some_and(|decision| decision == "allow")
    }

    /// A request the client itself gave up on: the apiserver logs it as a 500 `context canceled`.
    /// The CLI does this to a port-forward upgrade still in flight when it no longer needs the
    /// connection (its command is done, or its HTTP client got another one first); under load an
    /// upgrade takes long enough (100 ms and more) for that to happen now and then.
    pub fn abandoned_by_client(&self) -> bool {
        // Seen as `context canceled`, and while the apiserver was still dialing the node's kubelet
        // as `error dialing backend: context canceled` or `error dialing backend: dial tcp …:
        // operation was canceled`: the dial is cancelled because the client went away.
        self.response_status.as_ref().is_some_and(|status| {
            status.code == 500
                && (status.message.ends_with("context canceled")
                    || (status.message.starts_with("error dialing backend")
                        && status.message.ends_with("operation was canceled")))
        })
    }

    /// A sync's first look at its set's lock: `get` of a Lease that does not exist yet (404), an
    /// allowed request with the answer the CLI expects before it creates the Lease.
    pub fn first_look_at_a_lease(&self) -> bool {
        self.verb == "get" && self.resource() == "coordination.k8s.io/leases" && self.code() == 404
    }

    /// Allowed and answered as the CLI expects.
    pub fn as_expected(&self) -> bool {
        self.allowed()
            && (self.code() < 400 || self.abandoned_by_client() || self.first_look_at_a_lease())
    }
}

impl Plane {
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// A fresh namespace `<prefix>-<n>` set up as `scene` says; returns once every pod is
    /// Running and Ready and the Service's EndpointSlice lists them.
    pub fn namespace(&'static self, prefix: &str, scene: Scene) -> Namespace {
        let started = Instant::now();
        let name = format!(
            "{prefix}-{}-{}",
            std::process::id(),
            NAMESPACES.fetch_add(1, Ordering::SeqCst)
        );
        let dir = tempfile::tempdir().unwrap();
        self.block_on(async {
            Api::<KubeNamespace>::all(self.admin.clone())
                .create(
                    &PostParams::default(),
                    &serde_json::from_value(json!({"metadata": {"name": name}})).unwrap(),
                )
                .await
                .unwrap();
        });
        if scene.volumes {
            self.create_volumes(&name, scene.backends.len());
        }
        for (ordinal, backend) in scene.backends.iter().enumerate() {
            self.forward(&name, &format!("dkron-{ordinal}"), *backend);
        }
        let mut namespace = Namespace {
            name,
            kubeconfig: None,
            _dir: dir,
        };
        if scene.deploy {
            let mut flags = vec!["--replicas".to_string(), scene.backends.len().to_string()];
            flags.extend(scene.manifest_flags.iter().cloned());
            self.apply_manifest(&namespace.name, &flags);
            namespace.wait_ready(scene.backends.len());
            let token = self.token(&namespace.name, OPERATOR);
            let path = namespace._dir.path().join("kubeconfig");
            std::fs::write(&path, self.kubeconfig(&namespace.name, &token)).unwrap();
            namespace.kubeconfig = Some(path);
        }
        eprintln!(
            "namespace {} ready in {:.2}s",
            namespace.name,
            started.elapsed().as_secs_f64()
        );
        namespace
    }

    /// PersistentVolumes pre-bound to the claims `data-dkron-<i>` of `namespace` (static
    /// provisioning: there is no provisioner here, and kwok mounts nothing).
    pub fn create_volumes(&self, namespace: &str, count: usize) {
        let volumes: Api<PersistentVolume> = Api::all(self.admin.clone());
        self.block_on(async {
            for ordinal in 0..count {
                let volume = json!({
                    "metadata": {"name": format!("{namespace}-data-dkron-{ordinal}")},
                    "spec": {
                        "capacity": {"storage": "1Gi"},
                        "accessModes": ["ReadWriteOnce"],
                        "persistentVolumeReclaimPolicy": "Retain",
                        "storageClassName": "",
                        "hostPath": {"path": format!("/nonexistent/joelclaw-test/{namespace}/{ordinal}")},
                        "claimRef": {"namespace": namespace, "name": format!("data-dkron-{ordinal}")},
                    },
                });
                volumes
                    .create(
                        &PostParams::default(),
                        &serde_json::from_value(volume).unwrap(),
                    )
                    .await
                    .unwrap();
            }
        });
    }

    /// A kwok `PortForward`: port 8080 of pod `pod` (by name, whichever pod of that name exists)
    /// goes to `backend`. Applied, so it can be pointed elsewhere later.
    pub fn forward(&self, namespace: &str, pod: &str, backend: SocketAddr) {
        let forward = json!({
            "apiVersion": "kwok.x-k8s.io/v1alpha1",
            "kind": "PortForward",
            "metadata": {"name": pod, "namespace": namespace},
            "spec": {"forwards": [{
                "ports": [8080],
                "target": {"address": backend.ip().to_string(), "port": backend.port()},
            }]},
        });
        let resource = ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("kwok.x-k8s.io", "v1alpha1", "PortForward"),
            "portforwards",
        );
        let api: Api<DynamicObject> =
            Api::namespaced_with(self.admin.clone(), namespace, &resource);
        self.block_on(async {
            api.patch(
                pod,
                &PatchParams::apply(TEST_MANAGER).force(),
                &Patch::Apply(&forward),
            )
            .await
            .unwrap();
        });
    }

    /// Server-side applies every document `manifest --namespace NAMESPACE FLAGS` prints.
    pub fn apply_manifest(&self, namespace: &str, flags: &[String]) {
        let mut args = vec!["manifest", "--namespace", namespace];
        args.extend(flags.iter().map(String::as_str));
        let (code, stdout, stderr) = run(&mut cron(&args));
        assert_eq!(code, 0, "{stderr}");
        let documents: Vec<Value> = serde_saphyr::from_str_multiple(&stdout).unwrap();
        self.block_on(async {
            for document in documents {
                let object: DynamicObject = serde_json::from_value(document.clone()).unwrap();
                let types = object.types.clone().unwrap();
                let gvk = GroupVersionKind::try_from(&types).unwrap();
                let (resource, _) = kube::discovery::pinned_kind(&self.admin, &gvk)
                    .await
                    .unwrap();
                let api: Api<DynamicObject> =
                    Api::namespaced_with(self.admin.clone(), namespace, &resource);
                api.patch(
                    &object.metadata.name.clone().unwrap(),
                    &PatchParams::apply(TEST_MANAGER),
                    &Patch::Apply(&document),
                )
                .await
                .unwrap_or_else(|error| panic!("applying {}: {error}", types.kind));
            }
        });
    }

    /// A TokenRequest token of a ServiceAccount (the way `kubectl create token` gets one).
    pub fn token(&self, namespace: &str, account: &str) -> String {
        let accounts: Api<ServiceAccount> = Api::namespaced(self.admin.clone(), namespace);
        let request: TokenRequest =
            serde_json::from_value(json!({"spec": {"audiences": [], "expirationSeconds": 3600}}))
                .unwrap();
        self.block_on(accounts.create_token_request(account, &PostParams::default(), &request))
            .unwrap()
            .status
            .and_then(|status| status.token)
            .expect("the apiserver issued a token")
    }

    /// A kubeconfig for this apiserver with a bearer token, context `kwok`.
    pub fn kubeconfig(&self, namespace: &str, token: &str) -> String {
        serde_json::to_string_pretty(&json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "kwok", "cluster": {"server": self.server, "certificate-authority": self.ca_file}}],
            "users": [{"name": "operator", "user": {"token": token}}],
            "contexts": [{"name": "kwok", "context": {"cluster": "kwok", "user": "operator", "namespace": namespace}}],
            "current-context": "kwok",
        }))
        .unwrap()
    }

    /// Every request in the audit log so far, once each (at its `ResponseComplete` stage).
    pub fn audit(&self) -> Vec<AuditEvent> {
        std::fs::read_to_string(&self.audit_log)
            .unwrap()
            .lines()
            .filter_map(|line| serde_json::from_str::<AuditEvent>(line).ok())
            .filter(|event| event.stage == "ResponseComplete")
            .collect()
    }
}

impl Namespace {
    /// `joelclaw restate cron <args>` as the operator, in this namespace.
    pub fn cron(&self, args: &[&str]) -> Command {
        let kubeconfig = self
            .kubeconfig
            .as_ref()
            .expect("a namespace with the deployment has an operator kubeconfig");
        self.cron_with(kubeconfig, args)
    }

    /// `joelclaw restate cron <args>` with the admin kubeconfig (for `install`).
    pub fn cron_as_admin(&self, args: &[&str]) -> Command {
        self.cron_with(&plane().admin_kubeconfig, args)
    }

    /// `joelclaw restate cron <args>` in this namespace with `kubeconfig` (and the stack's Restate
    /// admin API directly, when the stack runs: Restate is not deployed in the test namespaces).
    pub fn cron_with(&self, kubeconfig: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Command {
        let mut command = cron(args);
        command
            .args(["--namespace", &self.name])
            .env("KUBECONFIG", kubeconfig);
        if let Ok(admin) = std::env::var("JOELCLAW_TEST_RESTATE_ADMIN") {
            command.env("RESTATE_ADMIN_URL", admin);
        }
        command
    }

    /// The operator's requests in the audit log (its ServiceAccount is this namespace's own).
    pub fn operator_requests(&self) -> Vec<AuditEvent> {
        let user = format!("system:serviceaccount:{}:{OPERATOR}", self.name);
        plane()
            .audit()
            .into_iter()
            .filter(|event| event.user.username == user)
            .collect()
    }

    pub fn pods(&self) -> Api<Pod> {
        Api::namespaced(plane().admin.clone(), &self.name)
    }

    pub fn pod(&self, name: &str) -> Option<Pod> {
        plane().block_on(self.pods().get_opt(name)).unwrap()
    }

    /// Waits until `count` pods are Running and Ready, `dkron-svc`'s slices list them ready, and
    /// the StatefulSet's controller has counted them (`status` compares its `readyReplicas`, which
    /// lags the pods by a controller sync).
    pub fn wait_ready(&self, count: usize) {
        let plane = plane();
        let slices: Api<EndpointSlice> = Api::namespaced(plane.admin.clone(), &self.name);
        let sets: Api<k8s_openapi::api::apps::v1::StatefulSet> =
            Api::namespaced(plane.admin.clone(), &self.name);
        wait_until(&format!("{count} ready pods in {}", self.name), || {
            plane.block_on(async {
                let pods = self.pods().list(&ListParams::default()).await.unwrap();
                let ready = pods.items.iter().filter(|pod| is_ready(pod)).count();
                let endpoints = slices
                    .list(&ListParams::default().labels("kubernetes.io/service-name=dkron-svc"))
                    .await
                    .unwrap()
                    .items
                    .iter()
                    .flat_map(|slice| slice.endpoints.clone().unwrap_or_default())
                    .filter(|endpoint| {
                        endpoint.conditions.as_ref().and_then(|c| c.ready) == Some(true)
                    })
                    .count();
                let counted = sets
                    .get_opt("dkron")
                    .await
                    .unwrap()
                    .and_then(|set| set.status)
                    .and_then(|status| status.ready_replicas)
                    .unwrap_or(0);
                ready == count && endpoints == count && counted == count as i32
            })
        });
    }

    /// Writes a pod's Ready condition, as a kubelet does after its readiness probe.
    pub fn set_ready(&self, pod: &str, ready: bool) {
        let status = if ready { "True" } else { "False" };
        let patch = json!({"status": {"conditions": [
            {"type": "Ready", "status": status},
            {"type": "ContainersReady", "status": status},
        ]}});
        plane()
            .block_on(self.pods().patch_status(
                pod,
                &PatchParams::default(),
                &Patch::Strategic(&patch),
            ))
            .unwrap();
    }

    /// Deletes a pod (gracefully, as `kubectl delete pod` does).
    pub fn delete_pod(&self, pod: &str) {
        plane()
            .block_on(self.pods().delete(pod, &DeleteParams::default()))
            .unwrap();
    }

    /// Events about `object` (`kind`/`name`), oldest first.
    pub fn events(&self, kind: &str, name: &str) -> Vec<Event> {
        let fields = format!("involvedObject.kind={kind},involvedObject.name={name}");
        plane()
            .block_on(
                Api::<Event>::namespaced(plane().admin.clone(), &self.name)
                    .list(&ListParams::default().fields(&fields)),
            )
            .unwrap()
            .items
    }

    /// The namespace's directory for files of the test.
    pub fn dir(&self) -> &Path {
        self._dir.path()
    }
}

pub fn is_ready(pod: &Pod) -> bool {
    let status = pod.status.clone().unwrap_or_default();
    pod.metadata.deletion_timestamp.is_none()
        && status.phase.as_deref() == Some("Running")
        && status
            .conditions
            .unwrap_or_default()
            .iter()
            .any(|condition| condition.type_ == "Ready" && condition.status == "True")
}

/// Polls `check` every 50 ms for up to 60 s.
pub fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check() {
        assert!(
            Instant::now() < deadline,
            "timed out after 60s waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Namespace {
    /// Another identity in this namespace: ServiceAccount, Role and RoleBinding `name` with these
    /// rules, and a kubeconfig holding its token (to show what the real authorizer does with a
    /// Role other than the operator's).
    pub fn identity(&self, name: &str, rules: Value) -> PathBuf {
        let plane = plane();
        let meta = json!({"name": name, "namespace": self.name});
        let documents = [
            (
                GroupVersionKind::gvk("", "v1", "ServiceAccount"),
                json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}),
            ),
            (
                GroupVersionKind::gvk("rbac.authorization.k8s.io", "v1", "Role"),
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta, "rules": rules}),
            ),
            (
                GroupVersionKind::gvk("rbac.authorization.k8s.io", "v1", "RoleBinding"),
                json!({
                    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": meta,
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
                    "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": self.name}],
                }),
            ),
        ];
        plane.block_on(async {
            for (gvk, document) in documents {
                let (resource, _) = kube::discovery::pinned_kind(&plane.admin, &gvk)
                    .await
                    .unwrap();
                Api::<DynamicObject>::namespaced_with(plane.admin.clone(), &self.name, &resource)
                    .patch(
                        name,
                        &PatchParams::apply(TEST_MANAGER),
                        &Patch::Apply(&document),
                    )
                    .await
                    .unwrap();
            }
        });
        let token = plane.token(&self.name, name);
        let path = self.dir().join(format!("{name}.kubeconfig"));
        std::fs::write(&path, plane.kubeconfig(&self.name, &token)).unwrap();
        path
    }
}
