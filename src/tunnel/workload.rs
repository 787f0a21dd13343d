//! The Kubernetes side of a Dkron deployment as `status` shows it through a tunnel: the
//! StatefulSet, the Service and the pods behind it, read with the tunnel's own client. Each part
//! that cannot be read carries its error (explained as every Kubernetes error is, by
//! [`kubernetes::explain`]) instead of failing the command.

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, ListParams};
use serde::Serialize;

use super::kubernetes::{self, Attempt};
use super::resolve::usable;
use super::{AccessInfo, Resolver};
use crate::deployment::STATEFUL_SET;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesView {
    pub context: String,
    pub namespace: String,
    pub stateful_set: StatefulSetView,
    pub service: ServiceView,
    pub pods: Vec<PodView>,
    /// Why the pods could not be listed, if they could not.
    pub pods_error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatefulSetView {
    pub name: String,
    pub exists: bool,
    pub desired_replicas: i32,
    pub ready_replicas: i32,
    pub error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceView {
    pub name: String,
    pub exists: bool,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub cluster_ip: Option<String>,
    pub ports: Vec<PortView>,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortView {
    pub name: Option<String>,
    pub port: i32,
    pub target_port: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodView {
    pub name: String,
    pub phase: String,
    pub ready: bool,
    pub restarts: i32,
    /// The pod the tunnel forwards to.
    pub tunnel: bool,
}

/// The Kubernetes side of a tunnel; each part reports its own error rather than failing `status`.
pub async fn read(resolver: &Resolver, access: &AccessInfo) -> KubernetesView {
    let namespace = resolver.namespace.as_str();
    let client = resolver.client.clone();
    let mut stateful_set = StatefulSetView {
        name: STATEFUL_SET.to_string(),
        ..StatefulSetView::default()
    };
    match Api::<StatefulSet>::namespaced(client.clone(), namespace)
        .get_opt(STATEFUL_SET)
        .await
    {
        Ok(Some(found)) => {
            stateful_set.exists = true;
            stateful_set.desired_replicas = found.spec.replicas.unwrap_or(1);
            stateful_set.ready_replicas = found
                .status
                .and_then(|status| status.ready_replicas)
                .unwrap_or(0);
        }
        Ok(None) => {}
        Err(error) => {
            stateful_set.error = Some(explained(
                error,
                "get",
                "statefulset",
                STATEFUL_SET,
                resolver,
            ))
        }
    }
    let mut service = ServiceView {
        name: resolver.service.clone(),
        ..ServiceView::default()
    };
    let mut selector = String::new();
    match Api::<Service>::namespaced(client.clone(), namespace)
        .get_opt(&resolver.service)
        .await
    {
        Ok(Some(found)) => {
            let spec = found.spec.unwrap_or_default();
            service.exists = true;
            service.type_ = spec.type_.or(Some("ClusterIP".to_string()));
            service.cluster_ip = spec.cluster_ip;
            service.ports = spec
                .ports
                .unwrap_or_default()
                .into_iter()
                .map(|port| PortView {
                    name: port.name,
                    port: port.port,
                    target_port: port.target_port.map(|target| match target {
                        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n) => {
                            n.to_string()
                        }
                        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s,
                    }),
                })
                .collect();
            selector = spec
                .selector
                .unwrap_or_default()
                .iter()
                .map(|(key, value)| format!("{key}={value}"))
                .collect::<Vec<_>>()
                .join(",");
        }
        Ok(None) => {}
        Err(error) => {
            service.error = Some(explained(
                error,
                "get",
                "service",
                &resolver.service,
                resolver,
            ))
        }
    }
    let tunnel_pod = access.tunnel.as_ref().map(|tunnel| tunnel.pod.as_str());
    let mut pods_error = None;
    let pods = if selector.is_empty() {
        Vec::new()
    } else {
        Api::<Pod>::namespaced(client, namespace)
            .list(&ListParams::default().labels(&selector))
            .await
            .map(|list| {
                let mut pods: Vec<PodView> = list
                    .items
                    .iter()
                    .map(|pod| {
                        let name = pod.metadata.name.clone().unwrap_or_default();
                        let status = pod.status.clone().unwrap_or_default();
                        PodView {
                            tunnel: Some(name.as_str()) == tunnel_pod,
                            name,
                            phase: status.phase.clone().unwrap_or_default(),
                            ready: usable(pod),
                            restarts: status
                                .container_statuses
                                .unwrap_or_default()
                                .iter()
                                .map(|container| container.restart_count)
                                .sum(),
                        }
                    })
                    .collect();
                pods.sort_by(|a, b| a.name.cmp(&b.name));
                pods
            })
            .unwrap_or_else(|error| {
                pods_error = Some(explained(error, "list", "pods", "", resolver));
                Vec::new()
            })
    };
    KubernetesView {
        context: resolver.cluster.context.clone(),
        namespace: namespace.to_string(),
        stateful_set,
        service,
        pods,
        pods_error,
    }
}

/// A read's failure in the words every Kubernetes error gets ([`kubernetes::explain`]).
fn explained(
    error: kube::Error,
    verb: &str,
    resource: &str,
    name: &str,
    resolver: &Resolver,
) -> String {
    kubernetes::explain(
        error,
        &Attempt {
            verb,
            resource,
            name,
            namespace: &resolver.namespace,
            cluster: &resolver.cluster,
        },
    )
    .message
}
