//! The HTTPS listener and the REST surface: routing, authentication, label selectors and `Status`
//! errors. Reads only: get and list.
//!
//! The WebSocket session behind a port-forward upgrade lives in [`crate::portforward`]; this
//! module only decides whether an upgrade is answered with 101 and what it carries.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::portforward::{self, Forward};
use crate::{Recorded, Shared, World};

pub(crate) type Reply = Response<Full<Bytes>>;

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
    // The (empty) body lives until the reply is made.
    let (parts, incoming) = request.into_parts();
    let mut request = Request::from_parts(parts, ());
    let (reply, negotiated_protocol) = respond(&shared, &mut request);
    drop(incoming);
    // Recorded before the reply leaves, so a client that saw the answer also sees the record.
    shared.record(Recorded {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        websocket_upgrade,
        offered_protocols,
        negotiated_protocol,
        status: reply.status().as_u16(),
    });
    Ok(reply)
}

/// Answer one request; the second value is the negotiated subprotocol of a 101.
fn respond(shared: &Shared, request: &mut Request<()>) -> (Reply, Option<String>) {
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
    if request.method() != Method::GET {
        return (method_not_allowed(), None);
    }
    let world = shared.world();
    let reply = match route {
        Route::Version => json_reply(StatusCode::OK, &version()),
        Route::Namespace(namespace) => get_namespace(&world, namespace),
        Route::Collection {
            resource,
            namespace,
        } => list(&world, resource, namespace, &query),
        Route::Object {
            resource,
            namespace,
            name,
        } => get(&world, resource, namespace, name),
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
}

const RESOURCES: &[ResourceType] = &[
    ResourceType {
        group: "",
        plural: "services",
        kind: "Service",
        objects: |world| to_values(&world.services),
    },
    ResourceType {
        group: "",
        plural: "pods",
        kind: "Pod",
        objects: |world| to_values(&world.pods),
    },
    ResourceType {
        group: "discovery.k8s.io",
        plural: "endpointslices",
        kind: "EndpointSlice",
        objects: |world| to_values(&world.endpoint_slices),
    },
    ResourceType {
        group: "apps",
        plural: "statefulsets",
        kind: "StatefulSet",
        objects: |world| to_values(&world.stateful_sets),
    },
];

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

fn get(world: &World, resource: &ResourceType, namespace: &str, name: &str) -> Reply {
    (resource.objects)(world)
        .into_iter()
        .find(|object| namespace_of(object) == namespace && name_of(object) == name)
        .map_or_else(
            || not_found(resource, name),
            |object| json_reply(StatusCode::OK, &object),
        )
}

fn list(world: &World, resource: &ResourceType, namespace: Option<&str>, query: &str) -> Reply {
    let mut selector = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "labelSelector" => match parse_label_selector(&value) {
                Ok(requirements) => selector.extend(requirements),
                Err(message) => return bad_request(&message),
            },
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

fn get_namespace(world: &World, namespace: &str) -> Reply {
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

/// Checks in the apiserver's order (the pod, then the kubelet's parameter and handshake checks) and, when all pass, answers 101 and starts the tunnel.
fn port_forward(
    shared: &Shared,
    request: &mut Request<()>,
    namespace: &str,
    pod_name: &str,
    query: &str,
) -> (Reply, Option<String>) {
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
