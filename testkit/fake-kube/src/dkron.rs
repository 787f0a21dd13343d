//! A ready-made world: a healthy Dkron StatefulSet as a cluster would show it.
//!
//! Objects are written as the JSON an apiserver returns and parsed into k8s-openapi types, so the
//! fixture reads like `kubectl get -o json` and every field keeps its real spelling.

use std::collections::HashMap;
use std::net::SocketAddr;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::World;

const CREATED: &str = "2026-01-01T00:00:00Z";
const NODE: &str = "fake-node";
const IMAGE: &str = "dkron/dkron:4.0.9";

/// A Dkron world in `namespace` with one ready pod per backend, `dkron-i` forwarding port 8080 to
/// `backends[i]`.
///
/// It holds the StatefulSet `dkron`; pods `dkron-0..N-1` (label `app=dkron`, Running and Ready,
/// container `dkron` with port `http` 8080); Service `dkron-svc` (ClusterIP 10.0.0.10, port `http`
/// 8080 to targetPort `http`); headless Service `dkron-peer` (http 8080, serf 8946, rpc 6868); and
/// EndpointSlice `dkron-svc-abc` with one ready endpoint per pod.
pub fn dkron_world(namespace: &str, backends: &[SocketAddr]) -> World {
    let replicas = backends.len();
    let pods: Vec<Value> = (0..replicas).map(|index| pod(namespace, index)).collect();

    let mut stateful_set_metadata = metadata(namespace, "dkron", "statefulset", 0);
    stateful_set_metadata["generation"] = json!(1);
    let stateful_set = json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": stateful_set_metadata,
        "spec": {
            "replicas": replicas,
            "serviceName": "dkron-peer",
            "selector": { "matchLabels": { "app": "dkron" } },
            "template": {
                "metadata": { "labels": { "app": "dkron" } },
                "spec": { "containers": [container()] },
            },
        },
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "readyReplicas": replicas,
            "currentReplicas": replicas,
            "updatedReplicas": replicas,
            "availableReplicas": replicas,
        },
    });

    let service = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(namespace, "dkron-svc", "service", 0),
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "10.0.0.10",
            "clusterIPs": ["10.0.0.10"],
            "selector": { "app": "dkron" },
            "ports": [{ "name": "http", "protocol": "TCP", "port": 8080, "targetPort": "http" }],
            "sessionAffinity": "None",
        },
    });

    let peer_service = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(namespace, "dkron-peer", "service", 1),
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "None",
            "clusterIPs": ["None"],
            "selector": { "app": "dkron" },
            "ports": [
                { "name": "http", "protocol": "TCP", "port": 8080, "targetPort": 8080 },
                { "name": "serf", "protocol": "TCP", "port": 8946, "targetPort": 8946 },
                { "name": "rpc", "protocol": "TCP", "port": 6868, "targetPort": 6868 },
            ],
        },
    });

    let endpoints: Vec<Value> = pods
        .iter()
        .map(|pod| {
            json!({
                "addresses": [pod["status"]["podIP"]],
                "conditions": { "ready": true, "serving": true, "terminating": false },
                "nodeName": NODE,
                "targetRef": {
                    "kind": "Pod",
                    "namespace": namespace,
                    "name": pod["metadata"]["name"],
                    "uid": pod["metadata"]["uid"],
                },
            })
        })
        .collect();
    let mut slice_metadata = metadata(namespace, "dkron-svc-abc", "endpointslice", 0);
    slice_metadata["labels"] = json!({
        "kubernetes.io/service-name": "dkron-svc",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    });
    slice_metadata["ownerReferences"] = json!([{
        "apiVersion": "v1",
        "kind": "Service",
        "name": "dkron-svc",
        "uid": uid("service", 0),
        "controller": true,
        "blockOwnerDeletion": true,
    }]);
    let endpoint_slice = json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": slice_metadata,
        "addressType": "IPv4",
        // The slice port is already the resolved target port, named after the Service port.
        "ports": [{ "name": "http", "protocol": "TCP", "port": 8080 }],
        "endpoints": endpoints,
    });

    let backends = backends
        .iter()
        .enumerate()
        .map(|(index, backend)| {
            (
                (namespace.to_owned(), format!("dkron-{index}"), 8080),
                *backend,
            )
        })
        .collect::<HashMap<_, _>>();

    World {
        services: vec![parse(service), parse(peer_service)],
        endpoint_slices: vec![parse(endpoint_slice)],
        pods: pods.into_iter().map(parse).collect(),
        stateful_sets: vec![parse(stateful_set)],
        backends,
    }
}

fn pod(namespace: &str, index: usize) -> Value {
    let name = format!("dkron-{index}");
    let mut metadata = metadata(namespace, &name, "pod", index);
    metadata["labels"] = json!({
        "app": "dkron",
        "apps.kubernetes.io/pod-index": index.to_string(),
        "statefulset.kubernetes.io/pod-name": name,
    });
    metadata["ownerReferences"] = json!([{
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "name": "dkron",
        "uid": uid("statefulset", 0),
        "controller": true,
        "blockOwnerDeletion": true,
    }]);
    let condition =
        |kind: &str| json!({ "type": kind, "status": "True", "lastTransitionTime": CREATED });
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {
            "containers": [container()],
            "hostname": name,
            "subdomain": "dkron-peer",
            "nodeName": NODE,
            "restartPolicy": "Always",
        },
        "status": {
            "phase": "Running",
            "conditions": [
                condition("PodReadyToStartContainers"),
                condition("Initialized"),
                condition("Ready"),
                condition("ContainersReady"),
                condition("PodScheduled"),
            ],
            "hostIP": "10.1.0.1",
            "podIP": pod_ip(index),
            "podIPs": [{ "ip": pod_ip(index) }],
            "startTime": CREATED,
            "containerStatuses": [{
                "name": "dkron",
                "image": IMAGE,
                "imageID": format!("docker.io/{IMAGE}"),
                "containerID": format!("containerd://{:064x}", index + 1),
                "ready": true,
                "started": true,
                "restartCount": 0,
                "state": { "running": { "startedAt": CREATED } },
            }],
        },
    })
}

fn container() -> Value {
    json!({
        "name": "dkron",
        "image": IMAGE,
        "ports": [{ "name": "http", "containerPort": 8080, "protocol": "TCP" }],
    })
}

fn metadata(namespace: &str, name: &str, kind: &str, index: usize) -> Value {
    json!({
        "name": name,
        "namespace": namespace,
        "uid": uid(kind, index),
        "resourceVersion": "1",
        "creationTimestamp": CREATED,
    })
}

/// Stable, distinct UIDs, so recorded `targetRef`s compare equal across runs.
fn uid(kind: &str, index: usize) -> String {
    let kind_number = kind.bytes().fold(0u32, |sum, byte| {
        sum.wrapping_mul(31).wrapping_add(u32::from(byte))
    }) & 0xffff;
    format!("00000000-0000-4000-{kind_number:04x}-{index:012x}")
}

fn pod_ip(index: usize) -> String {
    format!("10.244.{}.{}", index / 200, 10 + index % 200)
}

fn parse<T: DeserializeOwned>(object: Value) -> T {
    serde_json::from_value(object).expect("the Dkron fixture is valid Kubernetes JSON")
}
