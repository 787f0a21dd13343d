//! The Dkron deployment, as typed Kubernetes objects (k8s-openapi), and its YAML.
//!
//! What it fixes in the reference deployment: the image is pinned; the pod runs as a non-root user
//! with a read-only root filesystem, no capabilities and no service-account token, and the data
//! volume is made writable for that user through `fsGroup` and, where the storage ignores
//! `fsGroup` (local-path and other hostPath-backed volumes), an init container that hands `/data`
//! to that user with CAP_CHOWN alone (`--volume-permissions`, on by default); N replicas form one Raft cluster through
//! the headless Service (`--bootstrap-expect=N`, `--retry-join` to every peer's stable DNS name);
//! a PodDisruptionBudget keeps quorum through voluntary disruptions; a NetworkPolicy admits Dkron's
//! ports only from Dkron peers (a port-forward reaches the pod from inside its own network
//! namespace, so the tunnel needs no rule); and the ServiceAccount, Role and RoleBinding give the
//! operator/CI identity exactly the requests the CLI makes. No Service is named plain `dkron`, and
//! service links are off, so Kubernetes injects no `DKRON_*` variable that Dkron would read as its
//! own configuration.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EnvVar, EnvVarSource, HTTPGetAction,
    ObjectFieldSelector, PersistentVolumeClaim, PersistentVolumeClaimSpec, PodSecurityContext,
    PodSpec, PodTemplateSpec, Probe, ResourceRequirements, SeccompProfile, SecurityContext,
    Service, ServiceAccount, ServicePort, ServiceSpec, Volume, VolumeMount,
    VolumeResourceRequirements,
};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

/// The pinned upstream image.
pub const DEFAULT_IMAGE: &str = "dkron/dkron:4.0.9";
pub const STATEFUL_SET: &str = "dkron";
pub const PEER_SERVICE: &str = "dkron-peer";
pub const API_SERVICE: &str = "dkron-svc";
/// The identity operators and CI use to run this CLI against the cluster.
pub const OPERATOR_IDENTITY: &str = "joelclaw-cron";
/// A numeric non-root user: the image needs no user of its own, and a number lets
/// `runAsNonRoot` be verified by the kubelet.
pub const RUN_AS: i64 = 65532;

const HTTP_PORT: i32 = 8080;
const SERF_PORT: i32 = 8946;
const RPC_PORT: i32 = 6868;
const DATA_DIR: &str = "/data";
/// The init container that hands the data volume to [`RUN_AS`].
pub const VOLUME_PERMISSIONS: &str = "volume-permissions";

/// What `manifest` and `install` render.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub namespace: String,
    pub replicas: i32,
    pub image: String,
    pub storage_class: Option<String>,
    pub storage: String,
    /// Render the init container that makes the data volume the Dkron user's.
    pub volume_permissions: bool,
}

impl Default for Deployment {
    fn default() -> Self {
        Self {
            namespace: "joelclaw".to_string(),
            replicas: 1,
            image: DEFAULT_IMAGE.to_string(),
            storage_class: None,
            storage: "1Gi".to_string(),
            volume_permissions: true,
        }
    }
}

/// One rendered object, in apply order.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Object {
    ServiceAccount(ServiceAccount),
    Role(Role),
    RoleBinding(RoleBinding),
    Service(Box<Service>),
    StatefulSet(Box<StatefulSet>),
    PodDisruptionBudget(PodDisruptionBudget),
    NetworkPolicy(NetworkPolicy),
}

impl Object {
    /// `Kind/name`, as people say it.
    pub fn describe(&self) -> String {
        let (kind, meta) = match self {
            Self::ServiceAccount(o) => ("ServiceAccount", &o.metadata),
            Self::Role(o) => ("Role", &o.metadata),
            Self::RoleBinding(o) => ("RoleBinding", &o.metadata),
            Self::Service(o) => ("Service", &o.metadata),
            Self::StatefulSet(o) => ("StatefulSet", &o.metadata),
            Self::PodDisruptionBudget(o) => ("PodDisruptionBudget", &o.metadata),
            Self::NetworkPolicy(o) => ("NetworkPolicy", &o.metadata),
        };
        format!("{kind}/{}", meta.name.as_deref().unwrap_or_default())
    }
}

/// The labels every Dkron pod carries; selectors match on them.
fn selector_labels() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/name".to_string(), "dkron".to_string()),
        (
            "app.kubernetes.io/component".to_string(),
            "scheduler".to_string(),
        ),
    ])
}

fn labels() -> BTreeMap<String, String> {
    let mut labels = selector_labels();
    labels.insert(
        "app.kubernetes.io/part-of".to_string(),
        "joelclaw".to_string(),
    );
    labels.insert(
        "app.kubernetes.io/managed-by".to_string(),
        "joelclaw".to_string(),
    );
    labels
}

fn meta(name: &str, namespace: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(namespace.to_string()),
        labels: Some(labels()),
        ..ObjectMeta::default()
    }
}

fn port(name: &str, number: i32, protocol: &str) -> ServicePort {
    ServicePort {
        name: Some(name.to_string()),
        port: number,
        target_port: Some(IntOrString::String(name.to_string())),
        protocol: Some(protocol.to_string()),
        ..ServicePort::default()
    }
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    let strings = |items: &[&str]| items.iter().map(|item| item.to_string()).collect();
    PolicyRule {
        api_groups: Some(strings(groups)),
        resources: Some(strings(resources)),
        verbs: strings(verbs),
        ..PolicyRule::default()
    }
}

/// The RBAC the CLI needs, and nothing more: what `tunnel` and `status` request.
pub fn operator_rules() -> Vec<PolicyRule> {
    vec![
        // kubectl-style WebSocket port-forward: `get`, and `create` since Kubernetes 1.35.
        rule(&[""], &["pods/portforward"], &["get", "create"]),
        rule(&[""], &["services"], &["get"]),
        rule(&["discovery.k8s.io"], &["endpointslices"], &["list"]),
        // The selector fallback of the tunnel and the pod view of `status`.
        rule(&[""], &["pods"], &["list"]),
        rule(&["apps"], &["statefulsets"], &["get"]),
        // A sync's lock of its set (`joelclaw-sync-<set>`): taken, renewed and released with
        // optimistic concurrency. RBAC cannot narrow `create` to names, so this is the namespace's
        // leases.
        rule(
            &["coordination.k8s.io"],
            &["leases"],
            &["get", "create", "update"],
        ),
    ]
}

/// The peers' stable DNS names, for `--retry-join`.
fn peer_addresses(deployment: &Deployment) -> Vec<String> {
    (0..deployment.replicas)
        .map(|ordinal| {
            // `<pod>.<service>.<namespace>.svc` resolves under any cluster domain.
            format!(
                "{STATEFUL_SET}-{ordinal}.{PEER_SERVICE}.{}.svc:{SERF_PORT}",
                deployment.namespace
            )
        })
        .collect()
}

/// The Dkron agent's command line in the pod (after the image's `dkron` entrypoint).
pub fn agent_args(deployment: &Deployment) -> Vec<String> {
    let mut args = vec![
        "agent".to_string(),
        "--server".to_string(),
        format!("--bootstrap-expect={}", deployment.replicas),
        format!("--data-dir={DATA_DIR}"),
        // The node name is the pod name: stable across restarts, so Raft keeps its membership.
        "--node-name=$(POD_NAME)".to_string(),
        // Not 0.0.0.0: Dkron binds its RPC listener to this IP, and the leader recognises itself in
        // the member list by comparing that listener's address with its advertised `rpc_addr`
        // tag. With 0.0.0.0 the two never match and the leader answers `/v1/leader` with `null`.
        format!("--bind-addr=$(POD_IP):{SERF_PORT}"),
        format!("--advertise-addr=$(POD_IP):{SERF_PORT}"),
        format!("--http-addr=:{HTTP_PORT}"),
        format!("--rpc-port={RPC_PORT}"),
        "--disable-usage-stats".to_string(),
        "--log-level=info".to_string(),
    ];
    if deployment.replicas > 1 {
        args.extend(
            peer_addresses(deployment)
                .into_iter()
                .map(|peer| format!("--retry-join={peer}")),
        );
    }
    args
}

fn http_probe(period: i32, failures: i32) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some("/health".to_string()),
            port: IntOrString::String("http".to_string()),
            ..HTTPGetAction::default()
        }),
        period_seconds: Some(period),
        failure_threshold: Some(failures),
        timeout_seconds: Some(2),
        ..Probe::default()
    }
}

fn field_env(name: &str, path: &str) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: path.to_string(),
                ..ObjectFieldSelector::default()
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

fn quantities(cpu: &str, memory: &str) -> BTreeMap<String, Quantity> {
    BTreeMap::from([
        ("cpu".to_string(), Quantity(cpu.to_string())),
        ("memory".to_string(), Quantity(memory.to_string())),
    ])
}

fn container_port(name: &str, number: i32, protocol: &str) -> ContainerPort {
    ContainerPort {
        name: Some(name.to_string()),
        container_port: number,
        protocol: Some(protocol.to_string()),
        ..ContainerPort::default()
    }
}

/// The init container's shell script: give the data volume to [`RUN_AS`] unless it already is
/// theirs. `fsGroup` does this on storage whose driver manages ownership; local-path and other
/// hostPath-backed volumes arrive owned by root, and data left there by a Dkron that ran as root
/// (`raft/snapshots/permTest: permission denied`) stays root's. Skipping a volume whose top is
/// already the user's keeps restarts cheap, and matters: without CAP_DAC_READ_SEARCH, root cannot
/// descend into directories Dkron created as that user.
pub fn volume_permissions_script() -> String {
    let owner = format!("{RUN_AS}:{RUN_AS}");
    format!(
        "set -eu; if [ \"$(stat -c %u:%g {DATA_DIR})\" != {owner} ]; then chown -R {owner} {DATA_DIR}; fi"
    )
}

/// The init container for `--volume-permissions`: the same pinned image (its Alpine base has
/// `sh`, `stat` and `chown`), uid 0 and CAP_CHOWN only. Root is needed: a container runtime gives
/// a non-root process no effective capabilities (it sets no ambient ones), so CAP_CHOWN would be
/// lost at exec. CAP_FOWNER is not needed: chown(2) checks CAP_CHOWN alone, and the script changes
/// no mode.
fn volume_permissions_container(deployment: &Deployment) -> Container {
    Container {
        name: VOLUME_PERMISSIONS.to_string(),
        image: Some(deployment.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_string()),
        command: Some(vec![
            "/bin/sh".to_string(),
            "-c".to_string(),
            volume_permissions_script(),
        ]),
        resources: Some(ResourceRequirements {
            requests: Some(quantities("10m", "16Mi")),
            limits: Some(quantities("100m", "64Mi")),
            ..ResourceRequirements::default()
        }),
        security_context: Some(SecurityContext {
            run_as_non_root: Some(false),
            run_as_user: Some(0),
            run_as_group: Some(0),
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".to_string()]),
                add: Some(vec!["CHOWN".to_string()]),
            }),
            ..SecurityContext::default()
        }),
        volume_mounts: Some(vec![VolumeMount {
            name: "data".to_string(),
            mount_path: DATA_DIR.to_string(),
            ..VolumeMount::default()
        }]),
        ..Container::default()
    }
}

fn stateful_set(deployment: &Deployment) -> StatefulSet {
    let namespace = &deployment.namespace;
    let container = Container {
        name: "dkron".to_string(),
        image: Some(deployment.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_string()),
        args: Some(agent_args(deployment)),
        env: Some(vec![
            field_env("POD_NAME", "metadata.name"),
            field_env("POD_IP", "status.podIP"),
        ]),
        ports: Some(vec![
            container_port("http", HTTP_PORT, "TCP"),
            container_port("serf", SERF_PORT, "TCP"),
            container_port("serf-udp", SERF_PORT, "UDP"),
            container_port("rpc", RPC_PORT, "TCP"),
        ]),
        // /health answers as soon as the HTTP listener is up (before a leader exists): fit for
        // liveness; readiness uses it too so a pod without a listener gets no traffic.
        startup_probe: Some(http_probe(2, 60)),
        readiness_probe: Some(http_probe(5, 3)),
        liveness_probe: Some(http_probe(20, 3)),
        resources: Some(ResourceRequirements {
            requests: Some(quantities("50m", "128Mi")),
            limits: Some(quantities("500m", "512Mi")),
            ..ResourceRequirements::default()
        }),
        security_context: Some(SecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(RUN_AS),
            run_as_group: Some(RUN_AS),
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".to_string()]),
                ..Capabilities::default()
            }),
            ..SecurityContext::default()
        }),
        volume_mounts: Some(vec![
            VolumeMount {
                name: "data".to_string(),
                mount_path: DATA_DIR.to_string(),
                ..VolumeMount::default()
            },
            // Dkron's built-in executors run as plugin processes that talk over unix sockets in
            // the temp dir: the one writable path besides the data.
            VolumeMount {
                name: "tmp".to_string(),
                mount_path: "/tmp".to_string(),
                ..VolumeMount::default()
            },
        ]),
        ..Container::default()
    };
    StatefulSet {
        metadata: meta(STATEFUL_SET, namespace),
        spec: StatefulSetSpec {
            service_name: Some(PEER_SERVICE.to_string()),
            replicas: Some(deployment.replicas),
            // Every peer must be up for `--bootstrap-expect` to elect; ordered start would wait on
            // readiness that needs the others.
            pod_management_policy: Some("Parallel".to_string()),
            selector: LabelSelector {
                match_labels: Some(selector_labels()),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels()),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    enable_service_links: Some(false),
                    automount_service_account_token: Some(false),
                    termination_grace_period_seconds: Some(30),
                    security_context: Some(PodSecurityContext {
                        run_as_non_root: Some(true),
                        run_as_user: Some(RUN_AS),
                        run_as_group: Some(RUN_AS),
                        // Makes the data volume group-writable for RUN_AS (the reference's
                        // `permTest: permission denied` when running as non-root).
                        fs_group: Some(RUN_AS),
                        fs_group_change_policy: Some("OnRootMismatch".to_string()),
                        seccomp_profile: Some(SeccompProfile {
                            type_: "RuntimeDefault".to_string(),
                            ..SeccompProfile::default()
                        }),
                        ..PodSecurityContext::default()
                    }),
                    init_containers: deployment
                        .volume_permissions
                        .then(|| vec![volume_permissions_container(deployment)]),
                    containers: vec![container],
                    volumes: Some(vec![Volume {
                        name: "tmp".to_string(),
                        empty_dir: Some(Default::default()),
                        ..Volume::default()
                    }]),
                    ..PodSpec::default()
                }),
            },
            volume_claim_templates: Some(vec![PersistentVolumeClaim {
                metadata: ObjectMeta {
                    name: Some("data".to_string()),
                    ..ObjectMeta::default()
                },
                spec: Some(PersistentVolumeClaimSpec {
                    access_modes: Some(vec!["ReadWriteOnce".to_string()]),
                    storage_class_name: deployment.storage_class.clone(),
                    resources: Some(VolumeResourceRequirements {
                        requests: Some(BTreeMap::from([(
                            "storage".to_string(),
                            Quantity(deployment.storage.clone()),
                        )])),
                        ..VolumeResourceRequirements::default()
                    }),
                    ..PersistentVolumeClaimSpec::default()
                }),
                ..PersistentVolumeClaim::default()
            }]),
            ..StatefulSetSpec::default()
        },
        ..StatefulSet::default()
    }
}

fn network_policy(namespace: &str) -> NetworkPolicy {
    let policy_port = |number: i32, protocol: &str| NetworkPolicyPort {
        port: Some(IntOrString::Int(number)),
        protocol: Some(protocol.to_string()),
        ..NetworkPolicyPort::default()
    };
    NetworkPolicy {
        metadata: meta("dkron", namespace),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(selector_labels()),
                ..LabelSelector::default()
            }),
            policy_types: Some(vec!["Ingress".to_string()]),
            // Only Dkron peers, on Dkron's ports. A port-forward enters the pod from its own
            // network namespace (the kubelet dials localhost there), so no rule is needed for the
            // tunnel, and nothing else in the cluster can reach the unauthenticated API.
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![NetworkPolicyPeer {
                    pod_selector: Some(LabelSelector {
                        match_labels: Some(selector_labels()),
                        ..LabelSelector::default()
                    }),
                    ..NetworkPolicyPeer::default()
                }]),
                ports: Some(vec![
                    policy_port(HTTP_PORT, "TCP"),
                    policy_port(SERF_PORT, "TCP"),
                    policy_port(SERF_PORT, "UDP"),
                    policy_port(RPC_PORT, "TCP"),
                ]),
            }]),
            ..NetworkPolicySpec::default()
        }),
    }
}

/// Every object of the deployment, in the order they are applied.
pub fn objects(deployment: &Deployment) -> Vec<Object> {
    let namespace = deployment.namespace.as_str();
    let mut objects = vec![
        // The operator identity may run as a CI pod in the cluster: its token must be mountable.
        Object::ServiceAccount(ServiceAccount {
            metadata: meta(OPERATOR_IDENTITY, namespace),
            ..ServiceAccount::default()
        }),
        Object::Role(Role {
            metadata: meta(OPERATOR_IDENTITY, namespace),
            rules: Some(operator_rules()),
        }),
        Object::RoleBinding(RoleBinding {
            metadata: meta(OPERATOR_IDENTITY, namespace),
            role_ref: RoleRef {
                api_group: Some("rbac.authorization.k8s.io".to_string()),
                kind: "Role".to_string(),
                name: OPERATOR_IDENTITY.to_string(),
            },
            subjects: Some(vec![Subject {
                kind: "ServiceAccount".to_string(),
                name: OPERATOR_IDENTITY.to_string(),
                namespace: Some(namespace.to_string()),
                ..Subject::default()
            }]),
        }),
        Object::Service(Box::new(Service {
            metadata: meta(PEER_SERVICE, namespace),
            spec: Some(ServiceSpec {
                cluster_ip: Some("None".to_string()),
                // Peers must resolve each other before they are ready: readiness needs the cluster.
                publish_not_ready_addresses: Some(true),
                selector: Some(selector_labels()),
                ports: Some(vec![
                    port("http", HTTP_PORT, "TCP"),
                    port("serf", SERF_PORT, "TCP"),
                    port("serf-udp", SERF_PORT, "UDP"),
                    port("rpc", RPC_PORT, "TCP"),
                ]),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        })),
        Object::Service(Box::new(Service {
            metadata: meta(API_SERVICE, namespace),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".to_string()),
                selector: Some(selector_labels()),
                ports: Some(vec![port("http", HTTP_PORT, "TCP")]),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        })),
        Object::StatefulSet(Box::new(stateful_set(deployment))),
    ];
    if deployment.replicas > 1 {
        objects.push(Object::PodDisruptionBudget(PodDisruptionBudget {
            metadata: meta("dkron", namespace),
            spec: Some(PodDisruptionBudgetSpec {
                // Raft keeps a quorum with one of three (or two of five) away.
                max_unavailable: Some(IntOrString::Int((deployment.replicas - 1) / 2)),
                selector: Some(LabelSelector {
                    match_labels: Some(selector_labels()),
                    ..LabelSelector::default()
                }),
                ..PodDisruptionBudgetSpec::default()
            }),
            ..PodDisruptionBudget::default()
        }));
    }
    objects.push(Object::NetworkPolicy(network_policy(namespace)));
    objects
}

/// The deployment as a multi-document YAML stream, with a header naming how it was made.
pub fn to_yaml(deployment: &Deployment) -> String {
    let documents: Vec<serde_json::Value> = objects(deployment)
        .iter()
        .map(|object| serde_json::to_value(object).expect("Kubernetes objects serialize"))
        .collect();
    let body = serde_saphyr::to_string_multiple(&documents).expect("JSON values serialize as YAML");
    format!(
        "# Dkron for joelclaw cron: {} replica(s), image {}, namespace {}.\n# Generated by `joelclaw restate cron manifest`; do not edit by hand.\n{body}",
        deployment.replicas, deployment.image, deployment.namespace
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::serde::de::DeserializeOwned;

    fn documents(deployment: &Deployment) -> Vec<serde_json::Value> {
        serde_saphyr::from_str_multiple(&to_yaml(deployment)).expect("the YAML parses back")
    }

    fn typed<T: DeserializeOwned>(document: &serde_json::Value) -> T {
        serde_json::from_value(document.clone()).expect("the document is its k8s-openapi type")
    }

    #[test]
    fn every_document_parses_back_into_its_kubernetes_type() {
        for replicas in [1, 3] {
            let deployment = Deployment {
                replicas,
                ..Deployment::default()
            };
            let documents = documents(&deployment);
            assert_eq!(documents.len(), objects(&deployment).len());
            for document in &documents {
                match document["kind"].as_str().unwrap() {
                    "ServiceAccount" => drop(typed::<ServiceAccount>(document)),
                    "Role" => drop(typed::<Role>(document)),
                    "RoleBinding" => drop(typed::<RoleBinding>(document)),
                    "Service" => drop(typed::<Service>(document)),
                    "StatefulSet" => drop(typed::<StatefulSet>(document)),
                    "PodDisruptionBudget" => drop(typed::<PodDisruptionBudget>(document)),
                    "NetworkPolicy" => drop(typed::<NetworkPolicy>(document)),
                    other => panic!("unexpected kind {other}"),
                }
            }
            let has_pdb = documents.iter().any(|d| d["kind"] == "PodDisruptionBudget");
            assert_eq!(has_pdb, replicas > 1);
        }
    }

    #[test]
    fn the_pod_runs_as_non_root_with_a_read_only_root_and_no_capabilities() {
        let set = stateful_set(&Deployment::default());
        let pod = set.spec.template.spec.unwrap();
        let security = pod.security_context.unwrap();
        assert_eq!(security.run_as_non_root, Some(true));
        assert_eq!(
            security.fs_group,
            Some(RUN_AS),
            "the data volume is writable"
        );
        assert_eq!(
            pod.enable_service_links,
            Some(false),
            "no DKRON_* variables"
        );
        assert_eq!(pod.automount_service_account_token, Some(false));
        let container = &pod.containers[0];
        assert!(!container.image.as_deref().unwrap().ends_with(":latest"));
        let container_security = container.security_context.clone().unwrap();
        assert_eq!(container_security.read_only_root_filesystem, Some(true));
        assert_eq!(container_security.allow_privilege_escalation, Some(false));
        assert_eq!(
            container_security.capabilities.unwrap().drop,
            Some(vec!["ALL".to_string()])
        );
        assert!(container.readiness_probe.is_some() && container.liveness_probe.is_some());
        assert!(container.startup_probe.is_some() && container.resources.is_some());
    }

    #[test]
    fn the_volume_permissions_init_container_is_root_with_chown_only_and_optional() {
        let set = stateful_set(&Deployment::default());
        let pod = set.spec.template.spec.unwrap();
        let init = &pod.init_containers.expect("on by default")[0];
        assert_eq!(init.name, VOLUME_PERMISSIONS);
        assert_eq!(
            init.image.as_deref(),
            Some(DEFAULT_IMAGE),
            "the same pinned image"
        );
        let security = init.security_context.clone().unwrap();
        assert_eq!(security.run_as_user, Some(0));
        assert_eq!(security.run_as_non_root, Some(false));
        assert_eq!(security.allow_privilege_escalation, Some(false));
        let capabilities = security.capabilities.unwrap();
        assert_eq!(capabilities.drop, Some(vec!["ALL".to_string()]));
        assert_eq!(capabilities.add, Some(vec!["CHOWN".to_string()]));
        assert!(
            init.command.as_ref().unwrap()[2].contains("chown -R 65532:65532 /data"),
            "{:?}",
            init.command
        );
        let without = stateful_set(&Deployment {
            volume_permissions: false,
            ..Deployment::default()
        });
        assert!(
            without
                .spec
                .template
                .spec
                .unwrap()
                .init_containers
                .is_none()
        );
    }

    #[test]
    fn several_replicas_join_through_the_headless_service() {
        let args = agent_args(&Deployment {
            replicas: 3,
            ..Deployment::default()
        });
        assert!(args.contains(&"--bootstrap-expect=3".to_string()));
        let joins: Vec<&String> = args
            .iter()
            .filter(|a| a.starts_with("--retry-join="))
            .collect();
        assert_eq!(joins.len(), 3);
        assert_eq!(
            joins[2],
            "--retry-join=dkron-2.dkron-peer.joelclaw.svc:8946"
        );
        assert!(
            !agent_args(&Deployment::default())
                .iter()
                .any(|a| a.starts_with("--retry-join"))
        );
    }

    #[test]
    fn no_service_is_named_dkron() {
        for object in objects(&Deployment::default()) {
            if let Object::Service(service) = object {
                assert_ne!(service.metadata.name.as_deref(), Some("dkron"));
            }
        }
    }
}
