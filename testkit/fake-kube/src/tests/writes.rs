//! Server-side apply, the StatefulSet controller, Events and request attributes, driven by kube-rs
//! the way the CLI's `install` drives a real apiserver.

use std::fmt::Debug;

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Event, Pod, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::*;
use crate::api::{parse_event_field_selector, request_attributes};
use crate::{Applied, Recorded};

const MANAGER: &str = "joelclaw";

fn typed<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("the test object is valid Kubernetes JSON")
}

fn metadata(name: &str) -> Value {
    json!({ "name": name, "namespace": NAMESPACE, "labels": { "app.kubernetes.io/name": "dkron" } })
}

fn service_account() -> ServiceAccount {
    typed(json!({
        "apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": metadata("joelclaw-cron"),
        "automountServiceAccountToken": false,
    }))
}

fn role(verbs: &[&str]) -> Role {
    typed(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": metadata("joelclaw-cron"),
        "rules": [{ "apiGroups": [""], "resources": ["pods"], "verbs": verbs }],
    }))
}

fn role_binding() -> RoleBinding {
    typed(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": metadata("joelclaw-cron"),
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "joelclaw-cron" },
        "subjects": [{ "kind": "ServiceAccount", "name": "joelclaw-cron", "namespace": NAMESPACE }],
    }))
}

fn service(port: i32) -> Service {
    typed(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": metadata("web"),
        "spec": {
            "selector": { "app": "web" },
            "ports": [{ "name": "http", "port": port, "targetPort": "http" }],
        },
    }))
}

fn stateful_set(replicas: i32, image: &str) -> StatefulSet {
    typed(json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": metadata("web"),
        "spec": {
            "replicas": replicas,
            "serviceName": "web",
            "selector": { "matchLabels": { "app": "web" } },
            "template": {
                "metadata": { "labels": { "app": "web" } },
                "spec": { "containers": [{ "name": "web", "image": image }] },
            },
        },
    }))
}

fn pod_disruption_budget(max_unavailable: i32) -> PodDisruptionBudget {
    typed(json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": metadata("web"),
        "spec": { "maxUnavailable": max_unavailable, "selector": { "matchLabels": { "app": "web" } } },
    }))
}

fn network_policy(port: i32) -> NetworkPolicy {
    typed(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": metadata("web"),
        "spec": {
            "podSelector": { "matchLabels": { "app": "web" } },
            "policyTypes": ["Ingress"],
            "ingress": [{ "ports": [{ "port": port, "protocol": "TCP" }] }],
        },
    }))
}

/// A pod of the `web` StatefulSet, Running, with the given readiness.
fn web_pod(index: usize, ready: bool) -> Pod {
    let status = if ready { "True" } else { "False" };
    typed(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": format!("web-{index}"), "namespace": NAMESPACE,
            "labels": { "app": "web" },
        },
        "spec": { "containers": [{ "name": "web", "image": "web:1" }], "nodeName": "fake-node" },
        "status": {
            "phase": "Running",
            "conditions": [{ "type": "Ready", "status": status }],
        },
    }))
}

/// The statuses the fake answered the PATCHes to `path_end` with, in order.
fn patch_statuses(fake: &FakeKube, path_end: &str) -> Vec<u16> {
    fake.requests()
        .iter()
        .filter(|request| request.method == "PATCH" && request.path.ends_with(path_end))
        .map(|request| request.status)
        .collect()
}

/// Applies `first` (created: 201), then `second` (updated: 200), and reads the object back.
async fn create_then_update<K>(fake: &FakeKube, first: &K, second: &K) -> (K, K, K)
where
    K: kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + Debug
        + Serialize
        + DeserializeOwned,
{
    let api: Api<K> = Api::namespaced(client(fake).await, NAMESPACE);
    let name = first.meta().name.clone().unwrap();
    let params = PatchParams::apply(MANAGER);
    assert!(api.get_opt(&name).await.unwrap().is_none());
    let created = api
        .patch(&name, &params, &Patch::Apply(first))
        .await
        .unwrap();
    let updated = api
        .patch(&name, &params, &Patch::Apply(second))
        .await
        .unwrap();
    let read = api.get(&name).await.unwrap();
    let path = format!("/{}/{name}", K::plural(&()));
    assert_eq!(patch_statuses(fake, &path), [201, 200], "{path}");
    (created, updated, read)
}

#[tokio::test]
async fn every_kind_is_created_then_updated_then_served() {
    let fake = FakeKube::spawn(World::default(), Options::default());

    let (created, _, read) =
        create_then_update(&fake, &service_account(), &service_account()).await;
    assert_eq!(read.automount_service_account_token, Some(false));
    // Applying the same object again changes nothing, so nothing is written.
    assert_eq!(
        read.metadata.resource_version,
        created.metadata.resource_version
    );

    let (_, updated, read) =
        create_then_update(&fake, &role(&["get"]), &role(&["get", "list"])).await;
    assert_eq!(read.rules.as_ref().unwrap()[0].verbs, ["get", "list"]);
    assert_eq!(read, updated);

    let (_, _, read) = create_then_update(&fake, &role_binding(), &role_binding()).await;
    assert_eq!(read.role_ref.name, "joelclaw-cron");

    let (created, _, read) = create_then_update(&fake, &service(8080), &service(9090)).await;
    let spec = read.spec.as_ref().unwrap();
    assert_eq!(spec.ports.as_ref().unwrap()[0].port, 9090);
    // Defaulted and allocated by the apiserver, and kept across applies.
    assert_eq!(spec.type_.as_deref(), Some("ClusterIP"));
    assert_eq!(
        spec.ports.as_ref().unwrap()[0].protocol.as_deref(),
        Some("TCP")
    );
    let cluster_ip = spec.cluster_ip.clone().unwrap();
    assert!(cluster_ip.starts_with("10.96."), "{cluster_ip}");
    assert_eq!(created.spec.unwrap().cluster_ip, Some(cluster_ip));
    assert_eq!(
        read.metadata.generation, None,
        "Services keep no generation"
    );

    let (created, updated, read) =
        create_then_update(&fake, &stateful_set(1, "web:1"), &stateful_set(1, "web:2")).await;
    assert_eq!(created.metadata.generation, Some(1));
    assert_eq!(updated.metadata.generation, Some(2));
    assert_eq!(
        read.spec.pod_management_policy.as_deref(),
        Some("OrderedReady")
    );
    // The apply answer is the object as written; the controller's status comes after it.
    assert_eq!(created.status.as_ref().unwrap().replicas, 0);
    assert_eq!(read.status.as_ref().unwrap().observed_generation, Some(2));

    let (created, updated, read) =
        create_then_update(&fake, &pod_disruption_budget(1), &pod_disruption_budget(2)).await;
    assert_eq!(
        (created.metadata.generation, updated.metadata.generation),
        (Some(1), Some(2))
    );
    assert_eq!(read, updated);

    let (_, updated, read) =
        create_then_update(&fake, &network_policy(8080), &network_policy(8946)).await;
    assert_eq!(updated.metadata.generation, Some(2));
    assert_eq!(read, updated);

    // Server-set metadata.
    let metadata = &read.metadata;
    assert!(metadata.uid.as_deref().is_some_and(|uid| !uid.is_empty()));
    assert!(metadata.creation_timestamp.is_some());
    let managed = metadata.managed_fields.as_ref().unwrap();
    assert_eq!(managed.len(), 1);
    assert_eq!(managed[0].manager.as_deref(), Some(MANAGER));
    assert_eq!(managed[0].operation.as_deref(), Some("Apply"));
    assert_eq!(
        managed[0].api_version.as_deref(),
        Some("networking.k8s.io/v1")
    );

    // Where the objects live in the world.
    let world = fake.world();
    let keys: Vec<&str> = world.applied.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "networking.k8s.io/v1/NetworkPolicy/joelclaw/web",
            "policy/v1/PodDisruptionBudget/joelclaw/web",
            "rbac.authorization.k8s.io/v1/Role/joelclaw/joelclaw-cron",
            "rbac.authorization.k8s.io/v1/RoleBinding/joelclaw/joelclaw-cron",
            "v1/ServiceAccount/joelclaw/joelclaw-cron",
        ]
    );
    assert_eq!(world.services.len(), 1);
    assert_eq!(world.stateful_sets.len(), 1);

    // resourceVersions only grow.
    let versions: Vec<u64> = [
        created.metadata.resource_version.clone(),
        updated.metadata.resource_version.clone(),
    ]
    .into_iter()
    .map(|version| version.unwrap().parse().unwrap())
    .collect();
    assert!(versions[0] < versions[1], "{versions:?}");
}

#[tokio::test]
async fn applied_services_and_stateful_sets_join_the_typed_world() {
    let fake = FakeKube::spawn(
        dkron_world(NAMESPACE, &[refused_backend()]),
        Options::default(),
    );
    let client = client(&fake).await;
    let services: Api<Service> = Api::namespaced(client.clone(), NAMESPACE);

    // Applying over a seeded Service replaces it in place; its allocated ClusterIP stays.
    let mut dkron_svc = service(8080);
    dkron_svc.metadata.name = Some("dkron-svc".to_owned());
    dkron_svc.spec.as_mut().unwrap().selector = Some([("app".into(), "dkron".into())].into());
    let stored = services
        .patch(
            "dkron-svc",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(&dkron_svc),
        )
        .await
        .unwrap();
    assert_eq!(
        stored.spec.as_ref().unwrap().cluster_ip.as_deref(),
        Some("10.0.0.10")
    );
    assert_eq!(
        stored.metadata.labels.as_ref().unwrap()["app.kubernetes.io/name"],
        "dkron"
    );
    assert_eq!(patch_statuses(&fake, "/services/dkron-svc"), [200]);

    // A new Service and StatefulSet are appended.
    services
        .patch(
            "web",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(service(80)),
        )
        .await
        .unwrap();
    Api::<StatefulSet>::namespaced(client.clone(), NAMESPACE)
        .patch(
            "web",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(stateful_set(2, "web:1")),
        )
        .await
        .unwrap();
    let world = fake.world();
    let names = |names: Vec<Option<String>>| names.into_iter().flatten().collect::<Vec<_>>();
    assert_eq!(
        names(
            world
                .services
                .iter()
                .map(|s| s.metadata.name.clone())
                .collect()
        ),
        ["dkron-svc", "dkron-peer", "web"]
    );
    assert_eq!(
        names(
            world
                .stateful_sets
                .iter()
                .map(|s| s.metadata.name.clone())
                .collect()
        ),
        ["dkron", "web"]
    );
    assert!(world.applied.is_empty());
    let labelled = services
        .list(&ListParams::default().labels("app.kubernetes.io/name=dkron"))
        .await
        .unwrap();
    assert_eq!(labelled.items.len(), 2);

    // The reads a tunnel makes still work against the replaced Service.
    let slices = Api::<EndpointSlice>::namespaced(client.clone(), NAMESPACE)
        .list(&ListParams::default().labels("kubernetes.io/service-name=dkron-svc"))
        .await
        .unwrap();
    assert_eq!(slices.items.len(), 1);
    Api::<Pod>::namespaced(client, NAMESPACE)
        .get("dkron-0")
        .await
        .unwrap();
}

#[tokio::test]
async fn dry_run_answers_like_an_apply_and_stores_nothing() {
    let fake = FakeKube::spawn(World::default(), Options::default());
    let roles: Api<Role> = Api::namespaced(client(&fake).await, NAMESPACE);
    let mut dry_run = PatchParams::apply(MANAGER);
    dry_run.dry_run = true;

    let answer = roles
        .patch("joelclaw-cron", &dry_run, &Patch::Apply(role(&["get"])))
        .await
        .unwrap();
    assert_eq!(answer.rules.as_ref().unwrap()[0].verbs, ["get"]);
    assert!(answer.metadata.uid.is_some());
    assert_eq!(
        answer.metadata.resource_version, None,
        "nothing was written"
    );
    assert!(roles.get_opt("joelclaw-cron").await.unwrap().is_none());
    assert!(fake.world().applied.is_empty());

    // A dry-run update answers with the change but keeps what is stored.
    let stored = roles
        .patch(
            "joelclaw-cron",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(role(&["get"])),
        )
        .await
        .unwrap();
    let answer = roles
        .patch("joelclaw-cron", &dry_run, &Patch::Apply(role(&["list"])))
        .await
        .unwrap();
    assert_eq!(answer.rules.as_ref().unwrap()[0].verbs, ["list"]);
    assert_eq!(
        answer.metadata.resource_version,
        stored.metadata.resource_version
    );
    assert_eq!(roles.get("joelclaw-cron").await.unwrap(), stored);
    assert_eq!(
        patch_statuses(&fake, "/roles/joelclaw-cron"),
        [201, 201, 200]
    );

    // A dry-run StatefulSet does not reach the typed world either.
    Api::<StatefulSet>::namespaced(client(&fake).await, NAMESPACE)
        .patch("web", &dry_run, &Patch::Apply(stateful_set(1, "web:1")))
        .await
        .unwrap();
    assert!(fake.world().stateful_sets.is_empty());
}

#[tokio::test]
async fn the_applies_log_keeps_what_each_apply_asked_for() {
    let fake = FakeKube::spawn(World::default(), Options::default());
    let accounts: Api<ServiceAccount> = Api::namespaced(client(&fake).await, NAMESPACE);
    let object = service_account();

    accounts
        .patch(
            "joelclaw-cron",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(&object),
        )
        .await
        .unwrap();
    let mut forced = PatchParams::apply(MANAGER).force();
    forced.dry_run = true;
    accounts
        .patch("joelclaw-cron", &forced, &Patch::Apply(&object))
        .await
        .unwrap();

    let applies = fake.applies();
    let path = "/api/v1/namespaces/joelclaw/serviceaccounts/joelclaw-cron";
    assert_eq!(
        applies[0],
        Applied {
            path: path.to_owned(),
            field_manager: MANAGER.to_owned(),
            force: false,
            dry_run: false,
            content_type: "application/apply-patch+yaml".to_owned(),
            body: serde_json::to_value(&object).unwrap(),
        }
    );
    assert_eq!(
        (
            applies[1].field_manager.as_str(),
            applies[1].force,
            applies[1].dry_run
        ),
        (MANAGER, true, true)
    );
    assert_eq!(applies.len(), 2);
}

#[tokio::test]
async fn invalid_applies_get_the_apiservers_errors() {
    let fake = FakeKube::spawn(World::default(), Options::default());
    let client = client(&fake).await;
    let roles: Api<Role> = Api::namespaced(client.clone(), NAMESPACE);

    // No field manager: PatchOptions validation, a 422 as from a real apiserver.
    let error = roles
        .patch(
            "joelclaw-cron",
            &PatchParams::default(),
            &Patch::Apply(role(&["get"])),
        )
        .await
        .unwrap_err();
    assert_eq!(
        api_code(error),
        (
            422,
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is \
             required for apply patch"
                .to_owned()
        )
    );
    assert_eq!(fake.applies()[0].field_manager, "");

    // The body must be the kind, version and name the path names.
    let apply = |name: &str, body: Value| {
        let roles = roles.clone();
        let name = name.to_owned();
        async move {
            roles
                .patch(&name, &PatchParams::apply(MANAGER), &Patch::Apply(body))
                .await
                .map(drop)
        }
    };
    let mut body = serde_json::to_value(role(&["get"])).unwrap();
    let error = apply("other-name", body.clone()).await.unwrap_err();
    assert_eq!(
        api_code(error),
        (
            400,
            "the name of the object (joelclaw-cron) does not match the name on the URL \
             (other-name)"
                .to_owned()
        )
    );
    body["kind"] = json!("ClusterRole");
    let error = apply("joelclaw-cron", body.clone()).await.unwrap_err();
    assert_eq!(
        api_code(error),
        (
            400,
            "invalid object type: rbac.authorization.k8s.io/v1, Kind=ClusterRole".to_owned()
        )
    );
    body["kind"] = json!("Role");
    body["apiVersion"] = json!("v1");
    let error = apply("joelclaw-cron", body.clone()).await.unwrap_err();
    assert_eq!(
        api_code(error),
        (400, "invalid object type: /v1, Kind=Role".to_owned())
    );
    body["apiVersion"] = json!("rbac.authorization.k8s.io/v1");
    body["metadata"]["namespace"] = json!("elsewhere");
    let error = apply("joelclaw-cron", body.clone()).await.unwrap_err();
    assert_eq!(api_code(error).0, 400);
    body["metadata"]["namespace"] = json!(NAMESPACE);
    body["rules"] = json!("not a list");
    let error = apply("joelclaw-cron", body).await.unwrap_err();
    let (code, message) = api_code(error);
    assert_eq!(code, 400);
    assert!(
        message.starts_with("failed to create typed patch object"),
        "{message}"
    );
    assert!(roles.get_opt("joelclaw-cron").await.unwrap().is_none());

    // Other patch types are not implemented, and are refused as an apiserver refuses an unknown
    // one; kinds that cannot be applied are not patchable at all.
    let error = roles
        .patch(
            "joelclaw-cron",
            &PatchParams::default(),
            &Patch::Merge(json!({})),
        )
        .await
        .unwrap_err();
    assert_eq!(api_code(error).0, 415);
    let error = Api::<Pod>::namespaced(client, NAMESPACE)
        .patch(
            "dkron-0",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(json!({})),
        )
        .await
        .unwrap_err();
    assert_eq!(api_code(error).0, 405);
    // Every apply to an apply path is logged, whatever the answer; the merge patch and the
    // PATCH of a pod are not applies there.
    assert_eq!(fake.applies().len(), 6);
}

#[tokio::test]
async fn yaml_bodies_are_accepted() {
    let fake = FakeKube::spawn(World::default(), Options::default());
    let client = client(&fake).await;
    let yaml = "\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: from-yaml
  namespace: joelclaw
automountServiceAccountToken: false
";
    let request = hyper::Request::patch(
        "/api/v1/namespaces/joelclaw/serviceaccounts/from-yaml?fieldManager=kubectl&force=true",
    )
    .header(
        "content-type",
        "application/apply-patch+yaml; charset=utf-8",
    )
    .body(yaml.as_bytes().to_vec())
    .unwrap();
    let stored: ServiceAccount = client.request(request).await.unwrap();
    assert_eq!(stored.automount_service_account_token, Some(false));
    let applied = &fake.applies()[0];
    assert_eq!(applied.body["metadata"]["name"], "from-yaml");
    assert_eq!(
        applied.content_type,
        "application/apply-patch+yaml; charset=utf-8"
    );
    assert!(applied.force);
}

#[tokio::test]
async fn ownership_decides_removals_and_conflicts() {
    let fake = FakeKube::spawn(World::default(), Options::default());
    let sets: Api<StatefulSet> = Api::namespaced(client(&fake).await, NAMESPACE);

    let mut annotated = stateful_set(3, "web:1");
    annotated.metadata.annotations = Some([("note".into(), "x".into())].into());
    sets.patch(
        "web",
        &PatchParams::apply(MANAGER),
        &Patch::Apply(&annotated),
    )
    .await
    .unwrap();
    // The same manager no longer applying the annotation removes it.
    let stored = sets
        .patch(
            "web",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(stateful_set(3, "web:1")),
        )
        .await
        .unwrap();
    assert_eq!(stored.metadata.annotations, None);

    // Another manager setting a field joelclaw owns to another value conflicts...
    let scale = json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": { "name": "web", "namespace": NAMESPACE },
        "spec": { "replicas": 5 },
    });
    let error = sets
        .patch("web", &PatchParams::apply("kubectl"), &Patch::Apply(&scale))
        .await
        .unwrap_err();
    assert_eq!(
        api_code(error),
        (
            409,
            "Apply failed with 1 conflict: conflict with \"joelclaw\": .spec.replicas".to_owned()
        )
    );
    // ...unless forced, which moves the field to it.
    let stored = sets
        .patch(
            "web",
            &PatchParams::apply("kubectl").force(),
            &Patch::Apply(&scale),
        )
        .await
        .unwrap();
    assert_eq!(stored.spec.replicas, Some(5));
    let managers: Vec<_> = stored
        .metadata
        .managed_fields
        .unwrap()
        .into_iter()
        .map(|entry| entry.manager.unwrap())
        .collect();
    assert_eq!(managers, ["joelclaw", "kubectl"]);
    // joelclaw applying its 3 again now conflicts with kubectl.
    let error = sets
        .patch(
            "web",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(stateful_set(3, "web:1")),
        )
        .await
        .unwrap_err();
    assert_eq!(api_code(error).0, 409);
}

#[tokio::test]
async fn stateful_set_status_follows_pod_readiness() {
    let fake = FakeKube::spawn(World::default(), Options::default());
    let sets: Api<StatefulSet> = Api::namespaced(client(&fake).await, NAMESPACE);
    let status = || async { sets.get("web").await.unwrap().status.unwrap() };

    sets.patch(
        "web",
        &PatchParams::apply(MANAGER),
        &Patch::Apply(stateful_set(2, "web:1")),
    )
    .await
    .unwrap();
    let now = status().await;
    assert_eq!(
        (
            now.observed_generation,
            now.replicas,
            now.updated_replicas,
            now.current_replicas,
            now.ready_replicas,
            now.available_replicas,
        ),
        (Some(1), 2, Some(2), Some(2), Some(0), Some(0))
    );
    assert_eq!(now.current_revision, now.update_revision);

    // One ready pod, one not ready, one ready pod of another app and one in another namespace.
    fake.update(|world| {
        world.pods.push(web_pod(0, true));
        world.pods.push(web_pod(1, false));
        let mut other = web_pod(9, true);
        other.metadata.labels = Some([("app".into(), "other".into())].into());
        world.pods.push(other);
        let mut elsewhere = web_pod(8, true);
        elsewhere.metadata.namespace = Some("elsewhere".into());
        world.pods.push(elsewhere);
    });
    let before = sets.get("web").await.unwrap();
    assert_eq!(before.status.as_ref().unwrap().ready_replicas, Some(1));
    assert_eq!(before.status.as_ref().unwrap().available_replicas, Some(1));

    fake.update(|world| world.pods[1] = web_pod(1, true));
    let after = sets.get("web").await.unwrap();
    assert_eq!(after.status.as_ref().unwrap().ready_replicas, Some(2));
    assert_ne!(
        after.metadata.resource_version, before.metadata.resource_version,
        "a status change is a write"
    );

    // A new template: generation 2, observed at once (the fake rolls out instantly), and a new
    // revision.
    sets.patch(
        "web",
        &PatchParams::apply(MANAGER),
        &Patch::Apply(stateful_set(2, "web:2")),
    )
    .await
    .unwrap();
    let rolled = sets.get("web").await.unwrap();
    assert_eq!(rolled.metadata.generation, Some(2));
    let rolled_status = rolled.status.unwrap();
    assert_eq!(rolled_status.observed_generation, Some(2));
    assert_ne!(
        rolled_status.update_revision,
        after.status.unwrap().update_revision
    );

    // A pod that stops running is no longer ready.
    fake.update(|world| {
        world.pods[0].status.as_mut().unwrap().phase = Some("Pending".into());
    });
    assert_eq!(status().await.ready_replicas, Some(1));
}

#[tokio::test]
async fn events_are_selected_by_involved_object() {
    let event = |name: &str, kind: &str, object: &str, reason: &str| -> Event {
        typed(json!({
            "metadata": { "name": name, "namespace": NAMESPACE },
            "involvedObject": { "kind": kind, "name": object, "namespace": NAMESPACE },
            "reason": reason,
            "message": format!("{reason} {object}"),
            "type": "Normal",
        }))
    };
    let mut world = World {
        events: vec![
            event("e1", "Pod", "dkron-0", "Scheduled"),
            event("e2", "Pod", "dkron-0", "Pulled"),
            event("e3", "Pod", "dkron-1", "Scheduled"),
            event("e4", "StatefulSet", "dkron-0", "SuccessfulCreate"),
        ],
        ..World::default()
    };
    let mut elsewhere = event("e5", "Pod", "dkron-0", "Scheduled");
    elsewhere.metadata.namespace = Some("elsewhere".into());
    world.events.push(elsewhere);
    let fake = FakeKube::spawn(world, Options::default());
    let client = client(&fake).await;
    let events: Api<Event> = Api::namespaced(client.clone(), NAMESPACE);
    let names = |list: kube::core::ObjectList<Event>| -> Vec<String> {
        list.items
            .into_iter()
            .map(|event| event.metadata.name.unwrap())
            .collect()
    };

    let selected = events
        .list(&ListParams::default().fields("involvedObject.name=dkron-0,involvedObject.kind=Pod"))
        .await
        .unwrap();
    assert_eq!(names(selected), ["e1", "e2"]);
    let selected = events
        .list(&ListParams::default().fields("involvedObject.kind==StatefulSet"))
        .await
        .unwrap();
    assert_eq!(names(selected), ["e4"]);
    assert_eq!(
        names(events.list(&ListParams::default()).await.unwrap()).len(),
        4
    );
    let everywhere = Api::<Event>::all(client.clone())
        .list(&ListParams::default().fields("involvedObject.name=dkron-0"))
        .await
        .unwrap();
    assert_eq!(names(everywhere), ["e1", "e2", "e4", "e5"]);

    let error = events
        .list(&ListParams::default().fields("spec.nodeName=x"))
        .await
        .unwrap_err();
    let (code, message) = api_code(error);
    assert_eq!(code, 400);
    assert!(
        message.starts_with("field label not supported: spec.nodeName"),
        "{message}"
    );
    // Other kinds still refuse field selectors.
    let error = Api::<Pod>::namespaced(client, NAMESPACE)
        .list(&ListParams::default().fields("metadata.name=dkron-0"))
        .await
        .unwrap_err();
    assert_eq!(api_code(error).0, 400);
}

#[test]
fn event_field_selectors_parse_like_the_apiservers() {
    let event = json!({
        "metadata": { "name": "e1" },
        "involvedObject": { "kind": "Pod", "name": "dkron-0" },
        "source": { "component": "kubelet" },
    });
    let matches = |selector: &str| {
        parse_event_field_selector(selector)
            .unwrap()
            .iter()
            .all(|requirement| requirement.matches(&event))
    };
    assert!(matches(
        "involvedObject.name=dkron-0, involvedObject.kind=Pod"
    ));
    assert!(matches("involvedObject.kind!=StatefulSet,source=kubelet"));
    assert!(matches("reason="), "a missing field reads as empty");
    assert!(matches(""));
    assert!(!matches("involvedObject.name=dkron-1"));
    assert!(parse_event_field_selector("involvedObject.name").is_err());
    assert!(parse_event_field_selector("spec.nodeName=x").is_err());
}

#[tokio::test]
async fn forbidden_resources_cover_the_new_kinds_and_patch() {
    let fake = FakeKube::spawn(
        World::default(),
        Options {
            forbidden_resources: vec!["roles".to_owned(), "events".to_owned()],
            ..Options::default()
        },
    );
    let client = client(&fake).await;

    let error = Api::<Role>::namespaced(client.clone(), NAMESPACE)
        .patch(
            "joelclaw-cron",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(role(&["get"])),
        )
        .await
        .unwrap_err();
    assert_eq!(
        api_code(error),
        (
            403,
            "roles.rbac.authorization.k8s.io \"joelclaw-cron\" is forbidden: User \
             \"system:serviceaccount:default:fake-kube-client\" cannot patch resource \"roles\" \
             in API group \"rbac.authorization.k8s.io\" in the namespace \"joelclaw\""
                .to_owned()
        )
    );
    let error = Api::<Event>::namespaced(client.clone(), NAMESPACE)
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert_eq!(api_code(error).0, 403);
    // RoleBindings were not denied.
    Api::<RoleBinding>::namespaced(client, NAMESPACE)
        .patch(
            "joelclaw-cron",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(role_binding()),
        )
        .await
        .unwrap();
    assert!(fake.world().applied.len() == 1);
}

#[tokio::test]
async fn requests_carry_their_rbac_verb_and_resource() {
    let fake = FakeKube::spawn(
        dkron_world(NAMESPACE, &[echo_backend().await]),
        Options::default(),
    );
    let client = client(&fake).await;

    client.apiserver_version().await.unwrap();
    Api::<Namespace>::all(client.clone())
        .get(NAMESPACE)
        .await
        .unwrap();
    Api::<Service>::namespaced(client.clone(), NAMESPACE)
        .get("dkron-svc")
        .await
        .unwrap();
    Api::<EndpointSlice>::namespaced(client.clone(), NAMESPACE)
        .list(&ListParams::default())
        .await
        .unwrap();
    Api::<StatefulSet>::namespaced(client.clone(), NAMESPACE)
        .get("dkron")
        .await
        .unwrap();
    Api::<Event>::namespaced(client.clone(), NAMESPACE)
        .list(&ListParams::default())
        .await
        .unwrap();
    Api::<Role>::namespaced(client.clone(), NAMESPACE)
        .patch(
            "joelclaw-cron",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(role(&["get"])),
        )
        .await
        .unwrap();
    let pods = Api::<Pod>::namespaced(client, NAMESPACE);
    pods.list(&ListParams::default()).await.unwrap();
    let forwarder = pods.portforward("dkron-0", &[8080]).await.unwrap();
    drop(forwarder);

    let attributes: Vec<(String, String)> = fake
        .requests()
        .into_iter()
        .map(|Recorded { verb, resource, .. }| (verb, resource))
        .collect();
    let expected = [
        ("get", ""),
        ("get", "namespaces"),
        ("get", "services"),
        ("list", "discovery.k8s.io/endpointslices"),
        ("get", "apps/statefulsets"),
        ("list", "events"),
        ("patch", "rbac.authorization.k8s.io/roles"),
        ("list", "pods"),
        ("create", "pods/portforward"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(verb, resource)| ((*verb).to_owned(), (*resource).to_owned()))
        .collect();
    assert_eq!(attributes, expected);
}

#[test]
fn request_attributes_follow_request_info() {
    let attributes = |method: &str, path: &str, query: &str| {
        let method = hyper::Method::from_bytes(method.as_bytes()).unwrap();
        let (verb, resource) = request_attributes(&method, path, query);
        format!("{verb} {resource}")
    };
    assert_eq!(attributes("GET", "/version", ""), "get ");
    assert_eq!(
        attributes("GET", "/api/v1/namespaces", ""),
        "list namespaces"
    );
    assert_eq!(
        attributes("GET", "/api/v1/namespaces/joelclaw/pods", "watch=true"),
        "watch pods"
    );
    assert_eq!(
        attributes(
            "POST",
            "/api/v1/namespaces/joelclaw/pods/dkron-0/portforward",
            ""
        ),
        "create pods/portforward"
    );
    assert_eq!(
        attributes("GET", "/api/v1/namespaces/joelclaw/pods/dkron-0/log", ""),
        "get pods/log"
    );
    assert_eq!(
        attributes(
            "DELETE",
            "/apis/apps/v1/namespaces/joelclaw/statefulsets",
            ""
        ),
        "deletecollection apps/statefulsets"
    );
    assert_eq!(
        attributes(
            "PUT",
            "/apis/apps/v1/namespaces/joelclaw/statefulsets/x/scale",
            ""
        ),
        "update apps/statefulsets/scale"
    );
    assert_eq!(
        attributes("GET", "/api/v1/namespaces/joelclaw/configmaps", ""),
        "list configmaps"
    );
    assert_eq!(attributes("GET", "/apis/apps/v1", ""), "get ");
    assert_eq!(attributes("GET", "/healthz", ""), "get ");
}
