//! From `svc/NAME:PORT` to the pods and container port a port-forward must target.
//!
//! This is what `kubectl port-forward svc/...` does, slightly stricter: EndpointSlices first (they
//! are what the Service really routes to: ready endpoints, the slice port matched to the Service
//! port by name, already resolved to a number even for a named `targetPort`), then the Service's
//! selector (Running, Ready pods that are not being deleted, a named `targetPort` looked up in each
//! pod). A headless Service forwards its own port number unchanged.

use k8s_openapi::api::core::v1::{Namespace, Pod, Service, ServicePort as KubeServicePort};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::{Api, ListParams};

use super::kubernetes::{Attempt, ClusterInfo, explain};
use crate::error::{CliError, ErrorKind};

/// The Service port asked for: a number or a port name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortRef {
    Number(i32),
    Name(String),
}

impl std::str::FromStr for PortRef {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.parse::<i32>() {
            Ok(number) if (1..=65535).contains(&number) => Ok(Self::Number(number)),
            Ok(number) => Err(format!("port {number} is outside 1-65535")),
            Err(_) if !text.is_empty() => Ok(Self::Name(text.to_string())),
            Err(_) => Err("the port is empty".to_string()),
        }
    }
}

/// One pod and the container port to forward to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Backend {
    pub pod: String,
    pub port: u16,
}

/// The result of resolving a Service: every ready backend, in a stable order.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    pub service: String,
    pub service_type: String,
    /// The Service port chosen, as `name:number` or `number`.
    pub service_port: String,
    pub backends: Vec<Backend>,
    /// `endpointslices`, `selector` or `headless`.
    pub via: &'static str,
}

/// What a tunnel reaches, for port defaults and for the flags a hint names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceRole {
    /// Dkron's HTTP API: the port named `http`, else 8080.
    Dkron,
    /// Restate's admin API: the port named `admin`, else 9070.
    RestateAdmin,
}

impl ServiceRole {
    /// The Service port used when none is asked for: (name, number).
    pub fn default_port(self) -> (&'static str, i32) {
        match self {
            Self::Dkron => ("http", 8080),
            Self::RestateAdmin => ("admin", 9070),
        }
    }

    pub fn what(self) -> &'static str {
        match self {
            Self::Dkron => "Dkron",
            Self::RestateAdmin => "Restate",
        }
    }

    /// The flags that choose the namespace, Service and port of this role.
    pub fn flags(self) -> [&'static str; 3] {
        match self {
            Self::Dkron => ["--namespace", "--service-name", "--service-port"],
            Self::RestateAdmin => [
                "--restate-namespace",
                "--restate-service-name",
                "--restate-service-port",
            ],
        }
    }

    fn default_service(self) -> &'static str {
        match self {
            Self::Dkron => "dkron-svc",
            Self::RestateAdmin => "restate",
        }
    }
}

/// Where to look, and with which client.
pub struct Target<'a> {
    pub client: &'a kube::Client,
    pub cluster: &'a ClusterInfo,
    pub namespace: &'a str,
    pub service: &'a str,
    pub port: Option<&'a PortRef>,
    pub role: ServiceRole,
}

impl Target<'_> {
    fn attempt<'b>(&'b self, verb: &'b str, resource: &'b str, name: &'b str) -> Attempt<'b> {
        Attempt {
            verb,
            resource,
            name,
            namespace: self.namespace,
            cluster: self.cluster,
        }
    }
}

/// Resolves the Service to its ready backends.
pub async fn resolve(target: &Target<'_>) -> Result<Resolution, CliError> {
    let services: Api<Service> = Api::namespaced(target.client.clone(), target.namespace);
    let slices: Api<EndpointSlice> = Api::namespaced(target.client.clone(), target.namespace);
    let selector = format!("kubernetes.io/service-name={}", target.service);
    let slice_params = ListParams::default().labels(&selector);
    // Both reads are independent: one round trip to the apiserver instead of two.
    let (service, slices) = tokio::join!(services.get(target.service), slices.list(&slice_params));
    let service = match service {
        Ok(service) => service,
        Err(kube::Error::Api(status)) if status.code == 404 => {
            return Err(missing_service(target).await);
        }
        Err(error) => {
            return Err(explain(
                error,
                &target.attempt("get", "service", target.service),
            ));
        }
    };
    let spec = service.spec.clone().unwrap_or_default();
    let ports = spec.ports.clone().unwrap_or_default();
    let [_, _, port_flag] = target.role.flags();
    let port = choose_port(&ports, target.port, target.role.default_port()).map_err(|message| {
        CliError::new(
            ErrorKind::ServiceNotFound,
            format!(
                "service {} in namespace {} (context `{}`): {message}",
                target.service, target.namespace, target.cluster.context
            ),
        )
        .hint(format!("pick the port with {port_flag} NAME|NUMBER"))
    })?;
    let service_port = match &port.name {
        Some(name) if !name.is_empty() => format!("{name}:{}", port.port),
        _ => port.port.to_string(),
    };
    let service_type = spec
        .type_
        .clone()
        .unwrap_or_else(|| "ClusterIP".to_string());
    let headless = spec.cluster_ip.as_deref() == Some("None");

    let mut resolution = Resolution {
        service: target.service.to_string(),
        service_type: if headless {
            "ClusterIP (headless)".to_string()
        } else {
            service_type
        },
        service_port,
        backends: Vec::new(),
        via: "endpointslices",
    };
    resolution.backends = from_endpoint_slices(target, slices, &port, headless)?;
    if resolution.backends.is_empty() {
        resolution.via = "selector";
        resolution.backends = from_selector(target, &service, &port, headless).await?;
    }
    if headless {
        resolution.via = "headless";
    }
    if resolution.backends.is_empty() {
        return Err(CliError::new(
            ErrorKind::NoReadyPod,
            format!(
                "service {} in namespace {} (context `{}`) has no ready pod to forward to",
                target.service, target.namespace, target.cluster.context
            ),
        )
        .hint(format!(
            "check the {} pods (kubectl get pods -n {})",
            target.role.what(),
            target.namespace
        )));
    }
    Ok(resolution)
}

/// A 404 on the Service: say whether the namespace or only the Service is missing.
async fn missing_service(target: &Target<'_>) -> CliError {
    let namespaces: Api<Namespace> = Api::all(target.client.clone());
    let context = &target.cluster.context;
    match namespaces.get(target.namespace).await {
        Err(kube::Error::Api(status)) if status.code == 404 => CliError::new(
            ErrorKind::NamespaceNotFound,
            format!(
                "namespace {} does not exist in context `{context}`",
                target.namespace
            ),
        )
        .hint(format!(
            "pass {}, or --context for another cluster",
            target.role.flags()[0]
        )),
        // A 403 on namespaces is common and says nothing about the Service: report the Service.
        _ => CliError::new(
            ErrorKind::ServiceNotFound,
            format!(
                "service {} not found in namespace {} (context `{context}`)",
                target.service, target.namespace
            ),
        )
        .hint(format!(
            "pass {} (the {} ClusterIP Service, {} by default)",
            target.role.flags()[1],
            target.role.what(),
            target.role.default_service()
        )),
    }
}

/// The Service port: as asked, else the role's default name (`http`), else its number (8080),
/// else the only one.
fn choose_port(
    ports: &[KubeServicePort],
    wanted: Option<&PortRef>,
    (default_name, default_number): (&str, i32),
) -> Result<KubeServicePort, String> {
    let listed = || {
        ports
            .iter()
            .map(|port| match &port.name {
                Some(name) => format!("{name}:{}", port.port),
                None => port.port.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let found = match wanted {
        Some(PortRef::Number(number)) => ports.iter().find(|port| port.port == *number),
        Some(PortRef::Name(name)) => ports
            .iter()
            .find(|port| port.name.as_deref() == Some(name.as_str())),
        None => ports
            .iter()
            .find(|port| port.name.as_deref() == Some(default_name))
            .or_else(|| ports.iter().find(|port| port.port == default_number))
            .or_else(|| (ports.len() == 1).then(|| &ports[0])),
    };
    found.cloned().ok_or_else(|| match wanted {
        Some(PortRef::Number(number)) => format!("has no port {number} (ports: {})", listed()),
        Some(PortRef::Name(name)) => format!("has no port named {name} (ports: {})", listed()),
        None => format!(
            "has no port named {default_name} or numbered {default_number} (ports: {})",
            listed()
        ),
    })
}

fn from_endpoint_slices(
    target: &Target<'_>,
    slices: Result<kube::core::ObjectList<EndpointSlice>, kube::Error>,
    port: &KubeServicePort,
    headless: bool,
) -> Result<Vec<Backend>, CliError> {
    let list = match slices {
        Ok(list) => list,
        // Without list on endpointslices the selector path can still work; say so only if it fails.
        Err(kube::Error::Api(status)) if status.code == 403 || status.code == 404 => {
            return Ok(Vec::new());
        }
        Err(error) => {
            return Err(explain(
                error,
                &target.attempt("list", "endpointslices", ""),
            ));
        }
    };
    let wanted_name = port.name.clone().unwrap_or_default();
    let mut backends = Vec::new();
    for slice in list.items {
        let Some(slice_port) = slice
            .ports
            .unwrap_or_default()
            .into_iter()
            .find(|candidate| candidate.name.clone().unwrap_or_default() == wanted_name)
        else {
            continue;
        };
        let number = if headless {
            port.port
        } else {
            match slice_port.port {
                Some(number) => number,
                None => continue,
            }
        };
        for endpoint in slice.endpoints.into_iter().flatten() {
            let conditions = endpoint.conditions.unwrap_or_default();
            // Kubernetes: a nil `ready` means ready. A Service that publishes not-ready addresses
            // (like the headless `dkron-peer`) marks them ready anyway, so also skip endpoints
            // that say they are not serving or are terminating.
            if conditions.ready == Some(false)
                || conditions.serving == Some(false)
                || conditions.terminating == Some(true)
            {
                continue;
            }
            let Some(pod) = endpoint
                .target_ref
                .filter(|reference| reference.kind.as_deref() == Some("Pod"))
                .and_then(|reference| reference.name)
            else {
                continue;
            };
            if let Ok(number) = u16::try_from(number) {
                backends.push(Backend { pod, port: number });
            }
        }
    }
    backends.sort_by(|a, b| a.pod.cmp(&b.pod));
    backends.dedup();
    Ok(backends)
}

async fn from_selector(
    target: &Target<'_>,
    service: &Service,
    port: &KubeServicePort,
    headless: bool,
) -> Result<Vec<Backend>, CliError> {
    let selector = service
        .spec
        .as_ref()
        .and_then(|spec| spec.selector.clone())
        .unwrap_or_default();
    if selector.is_empty() {
        return Err(CliError::new(
            ErrorKind::NoReadyPod,
            format!(
                "service {} in namespace {} has neither ready EndpointSlice endpoints nor a selector",
                target.service, target.namespace
            ),
        ));
    }
    let labels = selector
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(",");
    let pods: Api<Pod> = Api::namespaced(target.client.clone(), target.namespace);
    let list = pods
        .list(&ListParams::default().labels(&labels))
        .await
        .map_err(|error| explain(error, &target.attempt("list", "pods", "")))?;
    let mut backends: Vec<Backend> = list
        .items
        .iter()
        .filter(|pod| usable(pod))
        .filter_map(|pod| {
            let number = if headless {
                port.port
            } else {
                target_port(port, pod)?
            };
            Some(Backend {
                pod: pod.metadata.name.clone()?,
                port: u16::try_from(number).ok()?,
            })
        })
        .collect();
    backends.sort_by(|a, b| a.pod.cmp(&b.pod));
    Ok(backends)
}

/// Running, Ready and not being deleted.
pub fn usable(pod: &Pod) -> bool {
    let status = pod.status.clone().unwrap_or_default();
    pod.metadata.deletion_timestamp.is_none()
        && status.phase.as_deref() == Some("Running")
        && status
            .conditions
            .unwrap_or_default()
            .iter()
            .any(|condition| condition.type_ == "Ready" && condition.status == "True")
}

/// The container port a Service port reaches in one pod (a named targetPort is per pod).
fn target_port(port: &KubeServicePort, pod: &Pod) -> Option<i32> {
    match &port.target_port {
        Some(IntOrString::Int(number)) if *number != 0 => Some(*number),
        Some(IntOrString::String(name)) => pod
            .spec
            .as_ref()?
            .containers
            .iter()
            .flat_map(|container| container.ports.clone().unwrap_or_default())
            .find(|container_port| container_port.name.as_deref() == Some(name.as_str()))
            .map(|container_port| container_port.container_port),
        _ => Some(port.port),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DKRON: (&str, i32) = ("http", 8080);

    fn port(name: Option<&str>, number: i32) -> KubeServicePort {
        KubeServicePort {
            name: name.map(str::to_string),
            port: number,
            ..KubeServicePort::default()
        }
    }

    #[test]
    fn the_default_port_is_http_then_8080_then_the_only_one() {
        let ports = [port(Some("serf"), 8946), port(Some("http"), 9000)];
        assert_eq!(choose_port(&ports, None, DKRON).unwrap().port, 9000);
        let ports = [port(Some("serf"), 8946), port(None, 8080)];
        assert_eq!(choose_port(&ports, None, DKRON).unwrap().port, 8080);
        let ports = [port(Some("api"), 7000)];
        assert_eq!(choose_port(&ports, None, DKRON).unwrap().port, 7000);
        let ports = [port(Some("a"), 1), port(Some("b"), 2)];
        assert!(
            choose_port(&ports, None, DKRON)
                .unwrap_err()
                .contains("a:1, b:2")
        );
        assert_eq!(
            choose_port(&ports, Some(&PortRef::Name("b".into())), DKRON)
                .unwrap()
                .port,
            2
        );
        assert!(choose_port(&ports, Some(&PortRef::Number(3)), DKRON).is_err());
    }

    #[test]
    fn port_refs_parse() {
        assert_eq!("8080".parse::<PortRef>().unwrap(), PortRef::Number(8080));
        assert_eq!(
            "http".parse::<PortRef>().unwrap(),
            PortRef::Name("http".into())
        );
        assert!("70000".parse::<PortRef>().is_err());
    }
}
