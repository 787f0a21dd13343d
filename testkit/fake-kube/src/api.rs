//! The HTTPS listener and the REST surface: routing, authentication, RBAC denials, label and
//! field selectors, request attributes and `Status` errors.
//!
//! The WebSocket session behind a port-forward upgrade lives in [`crate::portforward`]; this
//! module only decides whether an upgrade is answered with 101 and what it carries. Server-side
//! apply lives in [`crate::apply`].

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::header::{self, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::apply::{self, Applier, PatchRequest};
use crate::portforward::{self, Forward};
use crate::{Recorded, Shared, World};

/// The user named in RBAC denials; the fake does not map tokens to identities.
const USER: &str = "system:serviceaccount:default:fake-kube-client";

pub(crate) type Reply = Response<Full<Bytes>>;

/// The apiserver's default limit on a request body (`MaxRequestBodyBytes`).
const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// Accept TLS connections until `shutdown` fires.
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let acceptor = TlsAcceptor::from(tls);
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => accepted,
        };
        let (tcp, _) = match accepted {
            Ok(connection) => connection,
            Err(_) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let service = service_fn(move |request| handle(Arc::clone(&shared), request));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), service)
                .with_upgrades()
                .await;
        });
    }
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<hyper::body::Incoming>,
) -> Result<Reply, Infallible> {
    if !shared.options.latency.is_zero() {
        tokio::time::sleep(shared.options.latency).await;
    }
    let websocket_upgrade = portforward::is_websocket_upgrade(request.headers());
    let offered_protocols = portforward::offered_protocols(request.headers());
    // The body is read only for PATCH; the others' (empty) bodies live until the reply is made.
    let (parts, incoming) = request.into_parts();
    let mut request = Request::from_parts(parts, ());
    let (reply, negotiated_protocol) = if request.method() == Method::PATCH {
        match Limited::new(incoming, MAX_BODY_BYTES).collect().await {
            Ok(body) => respond(&shared, &mut request, &body.to_bytes()),
            Err(_) => (too_large(), None),
        }
    } else {
        let reply = respond(&shared, &mut request, &[]);
        drop(incoming);
        reply
    };
    let query = request.uri().query().unwrap_or("");
    let (verb, resource) = request_attributes(request.method(), request.uri().path(), query);
    // Recorded before the reply leaves, so a client that saw the answer also sees the record.
    shared.record(Recorded {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        websocket_upgrade,
        offered_protocols,
        negotiated_protocol,
        status: reply.status().as_u16(),
        verb,
        resource,
    });
    Ok(reply)
}

/// Answer one request; the second value is the negotiated subprotocol of a 101.
fn respond(shared: &Shared, request: &mut Request<()>, body: &[u8]) -> (Reply, Option<String>) {
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|token| token == shared.options.token);
    if !authorized {
        return (unauthorized(), None);
    }

    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or("").to_owned();
    let route = parse_route(&path);
    if let Route::PortForward { namespace, pod } = route {
        // kube sends GET; the apiserver also routes POST to the same connect handler.
        if request.method() != Method::GET && request.method() != Method::POST {
            return (method_not_allowed(), None);
        }
        return port_forward(shared, request, namespace, pod, &query);
    }
    if request.method() == Method::PATCH {
        let reply = match route {
            Route::Object {
                resource:
                    resource @ ResourceType {
                        apply: Some(applier),
                        ..
                    },
                namespace,
                name,
            } => {
                let content_type = request
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("");
                let patch = PatchRequest {
                    path: &path,
                    query: &query,
                    content_type,
                    body,
                };
                apply::patch(shared, resource, applier, namespace, name, &patch)
            }
            Route::Unknown => not_found_path(),
            _ => method_not_allowed(),
        };
        return (reply, None);
    }
    if request.method() != Method::GET {
        return (method_not_allowed(), None);
    }
    let world = shared.world();
    let reply = match route {
        Route::Version => json_reply(StatusCode::OK, &version()),
        Route::Namespace(namespace) => get_namespace(shared, &world, namespace),
        Route::Collection {
            resource,
            namespace,
        } => list(shared, &world, resource, namespace, &query),
        Route::Object {
            resource,
            namespace,
            name,
        } => get(shared, &world, resource, namespace, name),
        Route::PortForward { .. } | Route::Unknown => not_found_path(),
    };
    (reply, None)
}

/// One kind the fake stores, addressed as `/api{s}/{group/}v1/.../{plural}`.
pub(crate) struct ResourceType {
    pub(crate) group: &'static str,
    pub(crate) plural: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) objects: fn(&World) -> Vec<Value>,
    /// How a server-side apply stores the kind; `None` for the kinds that cannot be applied.
    pub(crate) apply: Option<&'static Applier>,
}

const RESOURCES: &[ResourceType] = &[
    ResourceType {
        group: "",
        plural: "services",
        kind: "Service",
        objects: |world| to_values(&world.services),
        apply: Some(&apply::SERVICES),
    },
    ResourceType {
        group: "",
        plural: "pods",
        kind: "Pod",
        objects: |world| to_values(&world.pods),
        apply: None,
    },
    ResourceType {
        group: "discovery.k8s.io",
        plural: "endpointslices",
        kind: "EndpointSlice",
        objects: |world| to_values(&world.endpoint_slices),
        apply: None,
    },
    ResourceType {
        group: "apps",
        plural: "statefulsets",
        kind: "StatefulSet",
        objects: |world| to_values(&world.stateful_sets),
        apply: Some(&apply::STATEFUL_SETS),
    },
    ResourceType {
        group: "",
        plural: "events",
        kind: "Event",
        objects: |world| to_values(&world.events),
        apply: None,
    },
    ResourceType {
        group: "",
        plural: "serviceaccounts",
        kind: "ServiceAccount",
        objects: |world| applied(world, "v1/ServiceAccount/"),
        apply: Some(&apply::SERVICE_ACCOUNTS),
    },
    ResourceType {
        group: "rbac.authorization.k8s.io",
        plural: "roles",
        kind: "Role",
        objects: |world| applied(world, "rbac.authorization.k8s.io/v1/Role/"),
        apply: Some(&apply::ROLES),
    },
    ResourceType {
        group: "rbac.authorization.k8s.io",
        plural: "rolebindings",
        kind: "RoleBinding",
        objects: |world| applied(world, "rbac.authorization.k8s.io/v1/RoleBinding/"),
        apply: Some(&apply::ROLE_BINDINGS),
    },
    ResourceType {
        group: "policy",
        plural: "poddisruptionbudgets",
        kind: "PodDisruptionBudget",
        objects: |world| applied(world, "policy/v1/PodDisruptionBudget/"),
        apply: Some(&apply::POD_DISRUPTION_BUDGETS),
    },
    ResourceType {
        group: "networking.k8s.io",
        plural: "networkpolicies",
        kind: "NetworkPolicy",
        objects: |world| applied(world, "networking.k8s.io/v1/NetworkPolicy/"),
        apply: Some(&apply::NETWORK_POLICIES),
    },
];

/// The objects of one kind in [`World::applied`], whose keys start `"{apiVersion}/{kind}/"`.
fn applied(world: &World, prefix: &str) -> Vec<Value> {
    world
        .applied
        .iter()
        .filter(|(key, _)| key.starts_with(prefix))
        .map(|(_, object)| object.clone())
        .collect()
}

fn resource_type(plural: &str) -> &'static ResourceType {
    RESOURCES
        .iter()
        .find(|resource| resource.plural == plural)
        .expect("a resource the fake serves")
}

impl ResourceType {
    pub(crate) fn api_version(&self) -> String {
        if self.group.is_empty() {
            "v1".to_owned()
        } else {
            format!("{}/v1", self.group)
        }
    }

    /// The name the apiserver uses in messages: `pods`, `statefulsets.apps`.
    fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_owned()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

fn to_values<T: serde::Serialize>(objects: &[T]) -> Vec<Value> {
    objects
        .iter()
        .map(|object| serde_json::to_value(object).expect("k8s-openapi objects serialize"))
        .collect()
}

enum Route<'a> {
    Version,
    Namespace(&'a str),
    Collection {
        resource: &'static ResourceType,
        namespace: Option<&'a str>,
    },
    Object {
        resource: &'static ResourceType,
        namespace: &'a str,
        name: &'a str,
    },
    PortForward {
        namespace: &'a str,
        pod: &'a str,
    },
    Unknown,
}

fn parse_route(path: &str) -> Route<'_> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["version"] => Route::Version,
        ["api", "v1", "namespaces", namespace] => Route::Namespace(namespace),
        [
            "api",
            "v1",
            "namespaces",
            namespace,
            "pods",
            pod,
            "portforward",
        ] => Route::PortForward { namespace, pod },
        ["api", "v1", rest @ ..] => resource_route("", rest),
        ["apis", group, "v1", rest @ ..] => resource_route(group, rest),
        _ => Route::Unknown,
    }
}

fn resource_route<'a>(group: &str, rest: &[&'a str]) -> Route<'a> {
    let find = |plural: &str| {
        RESOURCES
            .iter()
            .find(|resource| resource.group == group && resource.plural == plural)
    };
    match *rest {
        [plural] => find(plural).map_or(Route::Unknown, |resource| Route::Collection {
            resource,
            namespace: None,
        }),
        ["namespaces", namespace, plural] => {
            find(plural).map_or(Route::Unknown, |resource| Route::Collection {
                resource,
                namespace: Some(namespace),
            })
        }
        ["namespaces", namespace, plural, name] if !name.is_empty() => {
            find(plural).map_or(Route::Unknown, |resource| Route::Object {
                resource,
                namespace,
                name,
            })
        }
        _ => Route::Unknown,
    }
}

pub(crate) fn namespace_of(object: &Value) -> &str {
    object["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default")
}

pub(crate) fn name_of(object: &Value) -> &str {
    object["metadata"]["name"].as_str().unwrap_or("")
}

fn get(
    shared: &Shared,
    world: &World,
    resource: &ResourceType,
    namespace: &str,
    name: &str,
) -> Reply {
    if is_forbidden(shared, resource.plural) {
        return forbidden(resource, "get", Some(name), namespace);
    }
    (resource.objects)(world)
        .into_iter()
        .find(|object| namespace_of(object) == namespace && name_of(object) == name)
        .map_or_else(
            || not_found(resource, name),
            |object| json_reply(StatusCode::OK, &object),
        )
}

fn list(
    shared: &Shared,
    world: &World,
    resource: &ResourceType,
    namespace: Option<&str>,
    query: &str,
) -> Reply {
    if is_forbidden(shared, resource.plural) {
        return forbidden(resource, "list", None, namespace.unwrap_or(""));
    }
    let mut selector = Vec::new();
    let mut fields = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "labelSelector" => match parse_label_selector(&value) {
                Ok(requirements) => selector.extend(requirements),
                Err(message) => return bad_request(&message),
            },
            "fieldSelector" if resource.plural == "events" => {
                match parse_event_field_selector(&value) {
                    Ok(requirements) => fields.extend(requirements),
                    Err(message) => return bad_request(&message),
                }
            }
            // Refuse rather than ignore, so a client relying on these learns the fake lacks them.
            "fieldSelector" if !value.is_empty() => {
                return bad_request("field selectors are not supported by the fake apiserver");
            }
            "watch" if value == "true" || value == "1" => {
                return bad_request("watch is not supported by the fake apiserver");
            }
            _ => {}
        }
    }
    let items: Vec<Value> = (resource.objects)(world)
        .into_iter()
        .filter(|object| namespace.is_none_or(|namespace| namespace_of(object) == namespace))
        .filter(|object| {
            selector
                .iter()
                .all(|requirement| requirement.matches(&object["metadata"]["labels"]))
        })
        .filter(|object| fields.iter().all(|field| field.matches(object)))
        .collect();
    json_reply(
        StatusCode::OK,
        &json!({
            "kind": format!("{}List", resource.kind),
            "apiVersion": resource.api_version(),
            "metadata": { "resourceVersion": "1" },
            "items": items,
        }),
    )
}

fn get_namespace(shared: &Shared, world: &World, namespace: &str) -> Reply {
    if is_forbidden(shared, "namespaces") {
        return status(
            StatusCode::FORBIDDEN,
            "Forbidden",
            format!(
                "namespaces \"{namespace}\" is forbidden: User \"{USER}\" cannot get resource \
                 \"namespaces\" in API group \"\" in the namespace \"{namespace}\""
            ),
            json!({ "name": namespace, "kind": "namespaces" }),
        );
    }
    let exists = namespace == "default"
        || RESOURCES.iter().any(|resource| {
            (resource.objects)(world)
                .iter()
                .any(|object| namespace_of(object) == namespace)
        });
    if !exists {
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("namespaces \"{namespace}\" not found"),
            json!({ "name": namespace, "kind": "namespaces" }),
        );
    }
    json_reply(
        StatusCode::OK,
        &json!({
            "kind": "Namespace",
            "apiVersion": "v1",
            "metadata": {
                "name": namespace,
                "labels": { "kubernetes.io/metadata.name": namespace },
            },
            "spec": { "finalizers": ["kubernetes"] },
            "status": { "phase": "Active" },
        }),
    )
}

/// Checks in the apiserver's order (authorisation, then the pod, then the kubelet's parameter
/// and handshake checks) and, when all pass, answers 101 and starts the tunnel.
fn port_forward(
    shared: &Shared,
    request: &mut Request<()>,
    namespace: &str,
    pod_name: &str,
    query: &str,
) -> (Reply, Option<String>) {
    if shared.options.forbid_portforward || is_forbidden(shared, "pods/portforward") {
        // Since Kubernetes 1.35 a WebSocket port-forward needs `create` on pods/portforward.
        let reply = status(
            StatusCode::FORBIDDEN,
            "Forbidden",
            format!(
                "pods \"{pod_name}\" is forbidden: User \"{USER}\" cannot create resource \
                 \"pods/portforward\" in API group \"\" in the namespace \"{namespace}\""
            ),
            json!({ "name": pod_name, "kind": "pods" }),
        );
        return (reply, None);
    }

    let (node_name, backends) = {
        let world = shared.world();
        let pod = world.pods.iter().find(|pod| {
            pod.metadata.name.as_deref() == Some(pod_name)
                && pod.metadata.namespace.as_deref().unwrap_or("default") == namespace
        });
        let Some(pod) = pod else {
            return (not_found(resource_type("pods"), pod_name), None);
        };
        let node_name = pod.spec.as_ref().and_then(|spec| spec.node_name.clone());
        (node_name, world.backends.clone())
    };
    if node_name.is_none_or(|node| node.is_empty()) {
        // The apiserver needs a node to proxy to; an unscheduled pod has none.
        let message = format!("pod {pod_name} does not have a host assigned");
        return (bad_request(&message), None);
    }

    let ports = match portforward::parse_ports(query) {
        Ok(ports) => ports,
        Err(message) => return (bad_request(&message), None),
    };
    let handshake = match portforward::Handshake::accept(request.headers()) {
        Ok(handshake) => handshake,
        Err(rejection) => return (rejection.into_reply(), None),
    };

    let forwards = ports
        .iter()
        .map(|&port| Forward {
            port,
            backend: backends
                .get(&(namespace.to_owned(), pod_name.to_owned(), port))
                .copied(),
        })
        .collect();
    let on_upgrade = hyper::upgrade::on(&mut *request);
    let label = format!("{namespace}/{pod_name}");
    let pod = pod_name.to_owned();
    // The session ends when its pod leaves the world, as the kubelet's stream ends with the pod.
    let key = (namespace.to_owned(), pod_name.to_owned());
    let mut live_pods = shared.live_pods.subscribe();
    let pod_gone = async move {
        loop {
            if !live_pods.borrow_and_update().contains(&key) {
                return;
            }
            if live_pods.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
    };
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            tokio::select! {
                () = portforward::run(TokioIo::new(upgraded), pod, label, forwards) => {}
                () = pod_gone => {}
            }
        }
    });

    shared.upgraded();
    let mut reply = Response::new(Full::new(Bytes::new()));
    *reply.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = reply.headers_mut();
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(
        header::SEC_WEBSOCKET_ACCEPT,
        HeaderValue::from_str(&handshake.accept_key).expect("base64 is a valid header value"),
    );
    if !handshake.protocol.is_empty() {
        headers.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(handshake.protocol),
        );
    }
    (reply, Some(handshake.protocol.to_owned()))
}

pub(crate) fn is_forbidden(shared: &Shared, resource: &str) -> bool {
    shared
        .options
        .forbidden_resources
        .iter()
        .any(|forbidden| forbidden == resource)
}

/// One term of an equality-based label selector.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    NotExists(String),
}

impl Requirement {
    pub(crate) fn matches(&self, labels: &Value) -> bool {
        let label = |key: &str| labels.get(key).and_then(Value::as_str);
        match self {
            Requirement::Equals(key, value) => label(key) == Some(value.as_str()),
            // As in Kubernetes, `a!=b` also matches objects without the label.
            Requirement::NotEquals(key, value) => label(key) != Some(value.as_str()),
            Requirement::Exists(key) => label(key).is_some(),
            Requirement::NotExists(key) => label(key).is_none(),
        }
    }
}

/// Parse `a=b,c==d,e!=f,g,!h`; set-based terms (`in`, `notin`) are rejected, not ignored.
pub(crate) fn parse_label_selector(selector: &str) -> Result<Vec<Requirement>, String> {
    if selector.contains('(') {
        return Err(format!(
            "unable to parse requirement: set-based label selectors are not supported by the fake \
             apiserver: {selector:?}"
        ));
    }
    let mut requirements = Vec::new();
    for term in selector.split(',').map(str::trim) {
        if term.is_empty() {
            continue;
        }
        let requirement = if let Some((key, value)) = term.split_once("!=") {
            Requirement::NotEquals(key.trim().to_owned(), value.trim().to_owned())
        } else if let Some((key, value)) = term.split_once("==") {
            Requirement::Equals(key.trim().to_owned(), value.trim().to_owned())
        } else if let Some((key, value)) = term.split_once('=') {
            Requirement::Equals(key.trim().to_owned(), value.trim().to_owned())
        } else if let Some(key) = term.strip_prefix('!') {
            Requirement::NotExists(key.trim().to_owned())
        } else {
            Requirement::Exists(term.to_owned())
        };
        let key = match &requirement {
            Requirement::Equals(key, _)
            | Requirement::NotEquals(key, _)
            | Requirement::Exists(key)
            | Requirement::NotExists(key) => key,
        };
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(format!(
                "unable to parse requirement: invalid label key {key:?}"
            ));
        }
        requirements.push(requirement);
    }
    Ok(requirements)
}

/// One term of an event field selector: `field=value`, `field==value` or `field!=value`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FieldRequirement {
    field: &'static str,
    value: String,
    equal: bool,
}

/// The fields the apiserver lets Events be selected by (`EventToSelectableFields` and the
/// generic `metadata.name`/`metadata.namespace`), and where each lives in the JSON.
const EVENT_FIELDS: &[(&str, &[&str])] = &[
    ("metadata.name", &["metadata", "name"]),
    ("metadata.namespace", &["metadata", "namespace"]),
    ("involvedObject.kind", &["involvedObject", "kind"]),
    ("involvedObject.namespace", &["involvedObject", "namespace"]),
    ("involvedObject.name", &["involvedObject", "name"]),
    ("involvedObject.uid", &["involvedObject", "uid"]),
    (
        "involvedObject.apiVersion",
        &["involvedObject", "apiVersion"],
    ),
    (
        "involvedObject.resourceVersion",
        &["involvedObject", "resourceVersion"],
    ),
    ("involvedObject.fieldPath", &["involvedObject", "fieldPath"]),
    ("reason", &["reason"]),
    ("reportingComponent", &["reportingComponent"]),
    ("source", &["source", "component"]),
    ("type", &["type"]),
];

impl FieldRequirement {
    pub(crate) fn matches(&self, object: &Value) -> bool {
        let (_, path) = EVENT_FIELDS
            .iter()
            .find(|(field, _)| *field == self.field)
            .expect("only known fields are parsed");
        // A missing field reads as "", as in the apiserver's field set.
        let actual = path
            .iter()
            .try_fold(object, |value, key| value.get(key))
            .and_then(Value::as_str)
            .unwrap_or("");
        (actual == self.value) == self.equal
    }
}

/// Parse an Events field selector such as `involvedObject.kind=StatefulSet,involvedObject.name=x`
/// (terms ANDed; `=`, `==` and `!=`); other fields are refused as the apiserver refuses them.
pub(crate) fn parse_event_field_selector(selector: &str) -> Result<Vec<FieldRequirement>, String> {
    let mut requirements = Vec::new();
    for term in selector.split(',').map(str::trim) {
        if term.is_empty() {
            continue;
        }
        let (field, value, equal) = if let Some((field, value)) = term.split_once("!=") {
            (field, value, false)
        } else if let Some((field, value)) = term.split_once("==") {
            (field, value, true)
        } else if let Some((field, value)) = term.split_once('=') {
            (field, value, true)
        } else {
            return Err(format!(
                "invalid selector: '{selector}'; can't understand '{term}'"
            ));
        };
        let field = field.trim();
        let Some((field, _)) = EVENT_FIELDS.iter().find(|(known, _)| *known == field) else {
            return Err(format!(
                "field label not supported: {field} (the fake apiserver selects Events by \
                 {})",
                EVENT_FIELDS
                    .iter()
                    .map(|(field, _)| *field)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        };
        requirements.push(FieldRequirement {
            field,
            value: value.trim().to_owned(),
            equal,
        });
    }
    Ok(requirements)
}

/// The RBAC verb and resource the apiserver's `RequestInfoFactory` derives from a request, with
/// the port-forward upgrade as `create` (see [`Recorded::verb`]).
pub(crate) fn request_attributes(method: &Method, path: &str, query: &str) -> (String, String) {
    let non_resource = || (method.as_str().to_ascii_lowercase(), String::new());
    let segments: Vec<&str> = path
        .trim_start_matches('/')
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let (group, parts) = match segments.as_slice() {
        ["api", _version, parts @ ..] => ("", parts),
        ["apis", group, _version, parts @ ..] => (*group, parts),
        _ => return non_resource(),
    };
    if parts.is_empty() {
        return non_resource();
    }
    // `/namespaces/{ns}/{resource}/...` is relative to the resource; `/namespaces/{ns}` alone is
    // the namespace itself (`finalize` and `status` are namespace subresources).
    let parts = match parts {
        ["namespaces", _, rest @ ..]
            if !rest.is_empty() && !["finalize", "status"].contains(&rest[0]) =>
        {
            rest
        }
        _ => parts,
    };
    let resource = parts[0];
    let name = parts.get(1).copied();
    let subresource = parts.get(2).copied();
    let verb = match *method {
        Method::POST => "create",
        Method::GET | Method::HEAD => "get",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE => "delete",
        _ => "",
    };
    let watch = form_urlencoded::parse(query.as_bytes())
        .any(|(key, value)| key == "watch" && (value == "true" || value == "1"));
    let verb = match (verb, name) {
        (_, Some(_)) if resource == "pods" && subresource == Some("portforward") => "create",
        ("get", None) if watch => "watch",
        ("get", None) => "list",
        ("delete", None) => "deletecollection",
        ("", _) => return non_resource(),
        (verb, _) => verb,
    };
    let mut qualified = String::new();
    if !group.is_empty() {
        qualified.push_str(group);
        qualified.push('/');
    }
    qualified.push_str(resource);
    if let Some(subresource) = subresource {
        qualified.push('/');
        qualified.push_str(subresource);
    }
    (verb.to_owned(), qualified)
}

fn version() -> Value {
    json!({
        "major": "1",
        "minor": "35",
        "emulationMajor": "1",
        "emulationMinor": "35",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "34",
        "gitVersion": "v1.35.0-fake-kube",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.25.5",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

pub(crate) fn json_reply(code: StatusCode, body: &Value) -> Reply {
    let mut reply = Response::new(Full::new(Bytes::from(
        serde_json::to_vec(body).expect("a JSON value always serializes"),
    )));
    *reply.status_mut() = code;
    reply.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    reply
}

/// A `metav1.Status` failure, the body every apiserver error carries.
pub(crate) fn status(code: StatusCode, reason: &str, message: String, details: Value) -> Reply {
    let mut body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code.as_u16(),
    });
    if !details.is_null() {
        body["details"] = details;
    }
    json_reply(code, &body)
}

fn unauthorized() -> Reply {
    status(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "Unauthorized".to_owned(),
        Value::Null,
    )
}

pub(crate) fn forbidden(
    resource: &ResourceType,
    verb: &str,
    name: Option<&str>,
    namespace: &str,
) -> Reply {
    let qualified = resource.qualified();
    let subject = match name {
        Some(name) => format!("{qualified} \"{name}\""),
        None => qualified,
    };
    let scope = if namespace.is_empty() {
        "at the cluster scope".to_owned()
    } else {
        format!("in the namespace \"{namespace}\"")
    };
    status(
        StatusCode::FORBIDDEN,
        "Forbidden",
        format!(
            "{subject} is forbidden: User \"{USER}\" cannot {verb} resource \"{}\" in API group \
             \"{}\" {scope}",
            resource.plural, resource.group
        ),
        details(resource, name),
    )
}

fn not_found(resource: &ResourceType, name: &str) -> Reply {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("{} \"{name}\" not found", resource.qualified()),
        details(resource, Some(name)),
    )
}

fn details(resource: &ResourceType, name: Option<&str>) -> Value {
    let mut details = json!({ "kind": resource.plural });
    if let Some(name) = name {
        details["name"] = json!(name);
    }
    if !resource.group.is_empty() {
        details["group"] = json!(resource.group);
    }
    details
}

fn not_found_path() -> Reply {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        "the server could not find the requested resource".to_owned(),
        json!({}),
    )
}

fn too_large() -> Reply {
    status(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        format!("Request entity too large: limit is {MAX_BODY_BYTES}"),
        json!({}),
    )
}

fn method_not_allowed() -> Reply {
    status(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource".to_owned(),
        json!({}),
    )
}

pub(crate) fn bad_request(message: &str) -> Reply {
    status(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        message.to_owned(),
        Value::Null,
    )
}
