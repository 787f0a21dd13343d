//! Server-side apply: `PATCH` with `Content-Type: application/apply-patch+yaml`.
//!
//! Behaviour reference (read, not copied), kubernetes/kubernetes staging:
//! `k8s.io/apiserver/pkg/endpoints/handlers/patch.go` (the content-type check, `PatchOptions`
//! validation as a 422 `Invalid`, create-on-apply with 201, `checkName`),
//! `k8s.io/apimachinery/pkg/util/managedfields/internal/versioncheck.go` (`invalid object type`),
//! `structuredmerge.go` (`metadata.managedFields must be nil`) and `conflict.go` (the 409 text).
//!
//! What the fake models: field ownership per manager, so a manager's later apply removes the
//! fields it no longer sets and a field another manager owns with a different value is a 409
//! conflict unless `force=true` moves it over; `uid`, `creationTimestamp`, an incrementing
//! `resourceVersion` (unchanged by a no-op apply), `generation` for the kinds whose strategy keeps
//! one (StatefulSet, PodDisruptionBudget, NetworkPolicy: 1 on create, +1 when `spec` changes),
//! `managedFields` with one `Apply` entry per manager, `status` never taken from the body, a few
//! apiserver defaults (Service `type`/`clusterIP`/port `protocol`/`targetPort`…, StatefulSet
//! `replicas`/`podManagementPolicy`/`updateStrategy`…), unknown fields dropped, and `dryRun=All`.
//!
//! Known differences: every list is atomic (a real apply merges associative lists such as
//! `containers` or `ports` by key, so a second manager setting one container would not conflict
//! there but does here), `fieldsV1` lists map keys only, objects seeded into the world have no
//! owners (nothing in them conflicts), the namespace need not exist, `resourceVersion` in the body
//! is not a precondition, and there is no validation beyond the JSON types (a StatefulSet without
//! a selector is stored).

use std::collections::{BTreeMap, HashMap};

use hyper::StatusCode;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Service, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::api::{
    Reply, ResourceType, bad_request, forbidden, is_forbidden, json_reply, name_of, namespace_of,
    status,
};
use crate::{Applied, Shared, World, controller};

/// The media type of a server-side apply patch.
pub(crate) const APPLY_PATCH: &str = "application/apply-patch+yaml";

/// Counters and field ownership behind server-side apply.
#[derive(Debug, Default)]
pub(crate) struct Store {
    resource_versions: u64,
    uids: u64,
    cluster_ips: u32,
    /// `"{apiVersion}/{kind}/{namespace}/{name}"` → manager → what it applied last.
    owners: HashMap<String, Owners>,
}

type Owners = BTreeMap<String, Owner>;

/// The fields one manager owns, as the stripped configuration it applied, and when that last
/// changed.
#[derive(Clone, Debug, PartialEq)]
struct Owner {
    config: Value,
    time: String,
}

impl Store {
    /// A fresh `resourceVersion`, larger than every one handed out before (and than the `"1"` of
    /// the Dkron fixture).
    pub(crate) fn next_resource_version(&mut self) -> String {
        self.resource_versions += 1;
        (1000 + self.resource_versions).to_string()
    }

    fn next_uid(&mut self) -> String {
        self.uids += 1;
        format!("5e1f5a1d-0000-4000-8000-{:012x}", self.uids)
    }

    fn next_cluster_ip(&mut self) -> String {
        let index = self.cluster_ips;
        self.cluster_ips += 1;
        format!("10.96.{}.{}", index / 200, 10 + index % 200)
    }
}

/// How one kind is stored when applied.
pub(crate) struct Applier {
    /// Round-trips an object through its k8s-openapi type: checks the JSON types and drops
    /// unknown fields, as the apiserver's decoding does.
    normalize: fn(Value) -> Result<Value, String>,
    /// Inserts or replaces the object in the world.
    store: fn(&mut World, String, Value),
    /// Whether the kind's strategy keeps `metadata.generation`.
    tracks_generation: bool,
    /// The `status` a freshly created object has.
    initial_status: fn() -> Option<Value>,
    /// The apiserver's defaulting for the kind.
    defaults: fn(&mut Map<String, Value>, &mut Store),
    /// Whether applying this kind runs the StatefulSet controller.
    is_stateful_set: bool,
}

pub(crate) const SERVICES: Applier = Applier {
    normalize: normalize::<Service>,
    store: |world, _, object| upsert(&mut world.services, object),
    tracks_generation: false,
    initial_status: || Some(json!({ "loadBalancer": {} })),
    defaults: service_defaults,
    is_stateful_set: false,
};

pub(crate) const STATEFUL_SETS: Applier = Applier {
    normalize: normalize::<StatefulSet>,
    store: |world, _, object| upsert(&mut world.stateful_sets, object),
    tracks_generation: true,
    initial_status: || Some(json!({ "replicas": 0, "availableReplicas": 0 })),
    defaults: stateful_set_defaults,
    is_stateful_set: true,
};

pub(crate) const SERVICE_ACCOUNTS: Applier = Applier {
    normalize: normalize::<ServiceAccount>,
    ..UNTYPED
};

pub(crate) const ROLES: Applier = Applier {
    normalize: normalize::<Role>,
    ..UNTYPED
};

pub(crate) const ROLE_BINDINGS: Applier = Applier {
    normalize: normalize::<RoleBinding>,
    ..UNTYPED
};

pub(crate) const POD_DISRUPTION_BUDGETS: Applier = Applier {
    normalize: normalize::<PodDisruptionBudget>,
    tracks_generation: true,
    initial_status: || {
        Some(json!({
            "disruptionsAllowed": 0,
            "currentHealthy": 0,
            "desiredHealthy": 0,
            "expectedPods": 0,
        }))
    },
    ..UNTYPED
};

pub(crate) const NETWORK_POLICIES: Applier = Applier {
    normalize: normalize::<NetworkPolicy>,
    tracks_generation: true,
    ..UNTYPED
};

/// The kinds kept in [`World::applied`].
const UNTYPED: Applier = Applier {
    normalize: Ok,
    store: |world, key, object| {
        world.applied.insert(key, object);
    },
    tracks_generation: false,
    initial_status: || None,
    defaults: |_, _| {},
    is_stateful_set: false,
};

fn normalize<T: DeserializeOwned + serde::Serialize>(object: Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(object).map_err(|error| error.to_string())?;
    Ok(serde_json::to_value(typed).expect("k8s-openapi objects serialize"))
}

/// Insert `object` into `objects`, replacing the one with the same namespace and name.
fn upsert<T>(objects: &mut Vec<T>, object: Value)
where
    T: DeserializeOwned + k8s_openapi::Metadata<Ty = ObjectMeta>,
{
    let object: T = serde_json::from_value(object).expect("the applied object was normalized");
    let key = |object: &T| {
        let metadata = object.metadata();
        (
            metadata
                .namespace
                .clone()
                .unwrap_or_else(|| "default".to_owned()),
            metadata.name.clone(),
        )
    };
    let wanted = key(&object);
    match objects.iter_mut().find(|existing| key(existing) == wanted) {
        Some(existing) => *existing = object,
        None => objects.push(object),
    }
}

/// One `PATCH` to an object of a kind that can be applied.
pub(crate) struct PatchRequest<'a> {
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    pub(crate) content_type: &'a str,
    pub(crate) body: &'a [u8],
}

/// The `PatchOptions` query parameters.
struct PatchOptions {
    field_manager: String,
    force: Result<bool, String>,
    dry_run: Vec<String>,
}

impl PatchOptions {
    fn parse(query: &str) -> PatchOptions {
        let mut options = PatchOptions {
            field_manager: String::new(),
            force: Ok(false),
            dry_run: Vec::new(),
        };
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "fieldManager" => options.field_manager = value.into_owned(),
                // Go's strconv.ParseBool, which decodes the parameter.
                "force" => {
                    options.force = match value.as_ref() {
                        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
                        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
                        other => Err(format!(
                            "strconv.ParseBool: parsing {other:?}: invalid syntax"
                        )),
                    }
                }
                "dryRun" => options.dry_run.push(value.into_owned()),
                _ => {}
            }
        }
        options
    }

    fn is_dry_run(&self) -> bool {
        self.dry_run.iter().any(|value| value == "All")
    }
}

/// Answer a `PATCH` to `resource`/`name` in `namespace`, recording it when it is an apply.
pub(crate) fn patch(
    shared: &Shared,
    resource: &ResourceType,
    applier: &Applier,
    namespace: &str,
    name: &str,
    request: &PatchRequest<'_>,
) -> Reply {
    let media_type = request.content_type.split(';').next().unwrap_or("").trim();
    let is_apply = media_type.eq_ignore_ascii_case(APPLY_PATCH);
    let options = PatchOptions::parse(request.query);
    let body = decode(request.body);
    if is_apply {
        shared.record_apply(Applied {
            path: request.path.to_owned(),
            field_manager: options.field_manager.clone(),
            force: options.force.clone().unwrap_or(false),
            dry_run: options.is_dry_run(),
            content_type: request.content_type.to_owned(),
            body: body.clone().unwrap_or(Value::Null),
        });
    }

    // In the apiserver's order: authorization, then the handler's checks.
    if is_forbidden(shared, resource.plural) {
        return forbidden(resource, "patch", Some(name), namespace);
    }
    if !is_apply {
        // The fake implements only server-side apply, so only that media type is listed.
        return status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types \
                 include: {APPLY_PATCH}"
            ),
            json!({}),
        );
    }
    let force = match options.force {
        Ok(force) => force,
        Err(message) => return bad_request(&message),
    };
    if let Some(reply) = invalid_options(&options) {
        return reply;
    }
    let body = match body {
        Ok(Value::Null) => Value::Object(Map::new()),
        Ok(body @ Value::Object(_)) => body,
        Ok(_) => {
            return bad_request(
                "error decoding YAML: the apply patch is not an object (expected map[string]\
                 interface {})",
            );
        }
        Err(message) => return bad_request(&format!("error decoding YAML: {message}")),
    };
    if let Some(reply) = mismatch(resource, &body, namespace, name) {
        return reply;
    }

    let dry_run = options.is_dry_run();
    let mut world = shared.world();
    let mut store = shared.store();
    let outcome = apply(
        &mut world,
        &mut store,
        resource,
        applier,
        Target { namespace, name },
        ApplyParams {
            manager: &options.field_manager,
            force,
            dry_run,
        },
        &body,
    );
    match outcome {
        Ok((code, object)) => {
            if applier.is_stateful_set && !dry_run {
                controller::reconcile_stateful_sets(&mut world, &mut store);
            }
            json_reply(code, &object)
        }
        Err(ApplyError::Conflicts(conflicts)) => conflict(&conflicts),
        Err(ApplyError::Typed(error)) => bad_request(&format!(
            "failed to create typed patch object ({}, Kind={} {namespace}/{name}): {error}",
            api_version_with_group(&resource.api_version()),
            resource.kind
        )),
    }
}

/// Why an apply that passed the request checks failed.
enum ApplyError {
    /// Fields other managers own with other values, and no `force`.
    Conflicts(Vec<Conflict>),
    /// The merged object does not fit the kind's JSON types.
    Typed(String),
}

/// The body as JSON, or else as YAML (kube-rs sends JSON; kubectl sends YAML).
fn decode(body: &[u8]) -> Result<Value, String> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let text = std::str::from_utf8(body).map_err(|error| error.to_string())?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_saphyr::from_str(text).map_err(|error| error.to_string())
}

/// `ValidatePatchOptions`: a 422 `Invalid` on `PatchOptions`.
fn invalid_options(options: &PatchOptions) -> Option<Reply> {
    let mut causes = Vec::new();
    if options.field_manager.is_empty() {
        causes.push((
            "FieldValueRequired",
            "Required value: is required for apply patch".to_owned(),
            "fieldManager",
        ));
    } else if options.field_manager.len() > 128 {
        causes.push((
            "FieldValueTooLong",
            "Too long: may not be more than 128 bytes".to_owned(),
            "fieldManager",
        ));
    }
    let unsupported: Vec<&String> = options
        .dry_run
        .iter()
        .filter(|value| *value != "All")
        .collect();
    if !unsupported.is_empty() {
        causes.push((
            "FieldValueNotSupported",
            format!(
                "Unsupported value: []string{{{}}}: supported values: \"All\"",
                options
                    .dry_run
                    .iter()
                    .map(|value| format!("{value:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "dryRun",
        ));
    }
    if causes.is_empty() {
        return None;
    }
    let message = causes
        .iter()
        .map(|(_, message, field)| format!("{field}: {message}"))
        .collect::<Vec<_>>();
    let message = if message.len() == 1 {
        message[0].clone()
    } else {
        format!("[{}]", message.join(", "))
    };
    Some(status(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Invalid",
        format!("PatchOptions.meta.k8s.io \"\" is invalid: {message}"),
        json!({
            "group": "meta.k8s.io",
            "kind": "PatchOptions",
            "causes": causes
                .iter()
                .map(|(reason, message, field)| {
                    json!({ "reason": reason, "message": message, "field": field })
                })
                .collect::<Vec<_>>(),
        }),
    ))
}

/// The checks between the body and the path: the version check, then `checkName`.
fn mismatch(resource: &ResourceType, body: &Value, namespace: &str, name: &str) -> Option<Reply> {
    let api_version = body["apiVersion"].as_str().unwrap_or("");
    let kind = body["kind"].as_str().unwrap_or("");
    if api_version != resource.api_version() || kind != resource.kind {
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        return Some(bad_request(&format!(
            "invalid object type: {group}/{version}, Kind={kind}"
        )));
    }
    if !body["metadata"]["managedFields"].is_null() {
        return Some(bad_request("metadata.managedFields must be nil"));
    }
    let object_name = body["metadata"]["name"].as_str().unwrap_or("");
    if object_name != name {
        return Some(bad_request(&format!(
            "the name of the object ({object_name}) does not match the name on the URL ({name})"
        )));
    }
    let object_namespace = body["metadata"]["namespace"].as_str().unwrap_or("");
    if !object_namespace.is_empty() && object_namespace != namespace {
        return Some(bad_request(&format!(
            "the namespace of the object ({object_namespace}) does not match the namespace on \
             the request ({namespace})"
        )));
    }
    None
}

struct Target<'a> {
    namespace: &'a str,
    name: &'a str,
}

struct ApplyParams<'a> {
    manager: &'a str,
    force: bool,
    dry_run: bool,
}

/// Merge a validated apply into the world; the status code and the object to answer with.
fn apply(
    world: &mut World,
    store: &mut Store,
    resource: &ResourceType,
    applier: &Applier,
    target: Target<'_>,
    params: ApplyParams<'_>,
    body: &Value,
) -> Result<(StatusCode, Value), ApplyError> {
    let Target { namespace, name } = target;
    let api_version = resource.api_version();
    let key = format!("{api_version}/{}/{namespace}/{name}", resource.kind);
    let live = (resource.objects)(world)
        .into_iter()
        .find(|object| namespace_of(object) == namespace && name_of(object) == name);
    if live.is_none() {
        // The object was removed through `update`: what its managers owned went with it.
        store.owners.remove(&key);
    }
    let owners = store.owners.get(&key).cloned().unwrap_or_default();
    let now = now();
    let base = live.clone().unwrap_or_else(|| json!({}));
    let config = owned_config(body);
    let (merged, owners) =
        merge_apply(&base, &owners, &params, config, &now).map_err(ApplyError::Conflicts)?;

    let mut object = merged;
    object["apiVersion"] = json!(api_version);
    object["kind"] = json!(resource.kind);
    object["metadata"]["name"] = json!(name);
    object["metadata"]["namespace"] = json!(namespace);
    if live.is_none() {
        object["metadata"]["uid"] = json!(store.next_uid());
        object["metadata"]["creationTimestamp"] = json!(now);
        match (applier.initial_status)() {
            Some(status) => object["status"] = status,
            None => remove_key(&mut object, "status"),
        }
        if applier.tracks_generation {
            object["metadata"]["generation"] = json!(1);
        }
    }
    object["metadata"]["managedFields"] = managed_fields(&owners, &api_version);
    remove_key(&mut object["metadata"], "resourceVersion");

    let mut object = (applier.normalize)(object).map_err(ApplyError::Typed)?;
    if let Some(fields) = object.as_object_mut() {
        (applier.defaults)(fields, store);
    }
    let mut object = (applier.normalize)(object).map_err(ApplyError::Typed)?;

    let live = live.map(|live| {
        let live = (applier.normalize)(live.clone()).unwrap_or(live);
        let mut without_version = live.clone();
        remove_key(&mut without_version["metadata"], "resourceVersion");
        (live, without_version)
    });
    if let Some((live, live_without_version)) = &live {
        if applier.tracks_generation && live["spec"] != object["spec"] {
            let generation = live["metadata"]["generation"].as_i64().unwrap_or(0);
            object["metadata"]["generation"] = json!(generation + 1);
        }
        if object == *live_without_version {
            // A no-op apply writes nothing, so the resourceVersion stays.
            return Ok((StatusCode::OK, live.clone()));
        }
    }

    let code = if live.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    if params.dry_run {
        // Nothing is written: an update keeps the stored version, a create has none yet.
        if let Some(version) = live
            .as_ref()
            .and_then(|(live, _)| live["metadata"].get("resourceVersion"))
        {
            object["metadata"]["resourceVersion"] = version.clone();
        }
        return Ok((code, object));
    }
    object["metadata"]["resourceVersion"] = json!(store.next_resource_version());
    (applier.store)(world, key.clone(), object.clone());
    store.owners.insert(key, owners);
    Ok((code, object))
}

/// `apps/v1` → `apps/v1`, `v1` → `/v1`, as a GroupVersion prints.
fn api_version_with_group(api_version: &str) -> String {
    if api_version.contains('/') {
        api_version.to_owned()
    } else {
        format!("/{api_version}")
    }
}

/// The current time as metav1.Time prints it, to the second. (jiff's `Timestamp::now` needs its
/// `std` feature, which the library alone does not enable.)
fn now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
    k8s_openapi::jiff::Timestamp::from_second(seconds)
        .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn remove_key(value: &mut Value, key: &str) {
    if let Some(map) = value.as_object_mut() {
        map.remove(key);
    }
}

/// The part of an apply body its manager owns: not the type, not `status` (the main resource
/// ignores it), not the metadata the server sets.
fn owned_config(body: &Value) -> Value {
    let mut config = body.clone();
    let Some(fields) = config.as_object_mut() else {
        return json!({});
    };
    for key in ["apiVersion", "kind", "status"] {
        fields.remove(key);
    }
    if let Some(metadata) = fields.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in [
            "name",
            "namespace",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "selfLink",
            "managedFields",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            metadata.remove(key);
        }
        if metadata.is_empty() {
            fields.remove("metadata");
        }
    }
    config
}

type Path = Vec<String>;

/// A field another manager owns with a different value: (manager, path).
type Conflict = (String, Path);

/// The ownership-aware merge of `config` by `params.manager` into `live`.
fn merge_apply(
    live: &Value,
    owners: &Owners,
    params: &ApplyParams<'_>,
    config: Value,
    now: &str,
) -> Result<(Value, Owners), Vec<Conflict>> {
    let manager = params.manager;
    let mut owners = owners.clone();
    let applied = leaves(&config);

    let mut conflicts = Vec::new();
    for (other, owner) in owners.iter().filter(|(other, _)| *other != manager) {
        for path in &applied {
            let value = get(&config, path);
            // Owning an empty map is owning its existence, which nobody disputes.
            if value.is_some_and(|value| value.as_object().is_some_and(Map::is_empty)) {
                continue;
            }
            if get(&owner.config, path).is_some() && get(live, path) != value {
                conflicts.push((other.clone(), path.clone()));
            }
        }
    }
    if !conflicts.is_empty() {
        if !params.force {
            return Err(conflicts);
        }
        for (other, path) in &conflicts {
            if let Some(owner) = owners.get_mut(other) {
                remove(&mut owner.config, path);
            }
        }
        owners.retain(|_, owner| owner.config.as_object().is_none_or(|map| !map.is_empty()));
    }

    let mut object = live.clone();
    if let Some(previous) = owners.get(manager) {
        for path in leaves(&previous.config) {
            let still_applied = get(&config, &path).is_some();
            let owned_elsewhere = owners
                .iter()
                .any(|(other, owner)| other != manager && get(&owner.config, &path).is_some());
            if !still_applied && !owned_elsewhere {
                remove(&mut object, &path);
            }
        }
    }
    merge(&mut object, &config);

    let time = match owners.get(manager) {
        Some(previous) if previous.config == config => previous.time.clone(),
        _ => now.to_owned(),
    };
    if config.as_object().is_some_and(Map::is_empty) {
        owners.remove(manager);
    } else {
        owners.insert(manager.to_owned(), Owner { config, time });
    }
    Ok((object, owners))
}

/// The paths of every non-map value and every empty map; lists are atomic.
fn leaves(value: &Value) -> Vec<Path> {
    fn walk(value: &Value, path: &mut Path, out: &mut Vec<Path>) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (key, child) in map {
                    path.push(key.clone());
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ => out.push(path.clone()),
        }
    }
    let mut out = Vec::new();
    if value.as_object().is_some_and(|map| !map.is_empty()) {
        walk(value, &mut Vec::new(), &mut out);
    }
    out
}

fn get<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter()
        .try_fold(value, |value, key| value.as_object()?.get(key))
}

/// Remove the value at `path`, then every map on the way that this left empty.
fn remove(value: &mut Value, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let Some(map) = value.as_object_mut() else {
        return;
    };
    if rest.is_empty() {
        map.remove(first);
        return;
    }
    if let Some(child) = map.get_mut(first) {
        remove(child, rest);
        if child.as_object().is_some_and(Map::is_empty) {
            map.remove(first);
        }
    }
}

/// Maps merge key by key; anything else replaces.
fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                match target.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge(existing, value);
                    }
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

fn path_string(path: &[String]) -> String {
    path.iter().map(|key| format!(".{key}")).collect()
}

/// The 409 of `NewConflictError`.
fn conflict(conflicts: &[Conflict]) -> Reply {
    let message = if let [(manager, path)] = conflicts {
        format!(
            "Apply failed with 1 conflict: conflict with {manager:?}: {}",
            path_string(path)
        )
    } else {
        let mut by_manager: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (manager, path) in conflicts {
            by_manager
                .entry(manager)
                .or_default()
                .push(path_string(path));
        }
        let lines: Vec<String> = by_manager
            .iter()
            .flat_map(|(manager, paths)| {
                std::iter::once(format!("conflicts with {manager:?}:"))
                    .chain(paths.iter().map(|path| format!("- {path}")))
            })
            .collect();
        format!(
            "Apply failed with {} conflicts: {}",
            conflicts.len(),
            lines.join("\n")
        )
    };
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|(manager, path)| {
            json!({
                "reason": "FieldManagerConflict",
                "message": format!("conflict with {manager:?}"),
                "field": path_string(path),
            })
        })
        .collect();
    status(
        StatusCode::CONFLICT,
        "Conflict",
        message,
        json!({ "causes": causes }),
    )
}

/// One `Apply` entry per manager; `fieldsV1` names map keys only (lists are atomic here).
fn managed_fields(owners: &Owners, api_version: &str) -> Value {
    fn fields_v1(config: &Value) -> Value {
        match config {
            Value::Object(map) if !map.is_empty() => Value::Object(
                map.iter()
                    .map(|(key, value)| (format!("f:{key}"), fields_v1(value)))
                    .collect(),
            ),
            _ => json!({}),
        }
    }
    owners
        .iter()
        .map(|(manager, owner)| {
            json!({
                "manager": manager,
                "operation": "Apply",
                "apiVersion": api_version,
                "time": owner.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": fields_v1(&owner.config),
            })
        })
        .collect()
}

fn default_field(map: &mut Map<String, Value>, key: &str, value: Value) {
    map.entry(key).or_insert(value);
}

/// The Service defaulting and ClusterIP allocation a ClusterIP Service gets from the apiserver.
fn service_defaults(object: &mut Map<String, Value>, store: &mut Store) {
    let Some(spec) = object
        .entry("spec")
        .or_insert_with(|| json!({}))
        .as_object_mut()
    else {
        return;
    };
    default_field(spec, "type", json!("ClusterIP"));
    default_field(spec, "sessionAffinity", json!("None"));
    if spec["type"] != "ExternalName" {
        if spec
            .get("clusterIP")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            spec.insert("clusterIP".to_owned(), json!(store.next_cluster_ip()));
        }
        let cluster_ip = spec["clusterIP"].clone();
        default_field(spec, "clusterIPs", json!([cluster_ip]));
        default_field(spec, "ipFamilies", json!(["IPv4"]));
        default_field(spec, "ipFamilyPolicy", json!("SingleStack"));
        default_field(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    for port in spec
        .get_mut("ports")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
    {
        default_field(port, "protocol", json!("TCP"));
        if let Some(number) = port.get("port").cloned() {
            default_field(port, "targetPort", number);
        }
    }
}

/// `SetDefaults_StatefulSet`'s top-level defaults (the pod template's are not modelled).
fn stateful_set_defaults(object: &mut Map<String, Value>, _: &mut Store) {
    let Some(spec) = object
        .entry("spec")
        .or_insert_with(|| json!({}))
        .as_object_mut()
    else {
        return;
    };
    default_field(spec, "replicas", json!(1));
    default_field(spec, "podManagementPolicy", json!("OrderedReady"));
    default_field(spec, "revisionHistoryLimit", json!(10));
    default_field(
        spec,
        "persistentVolumeClaimRetentionPolicy",
        json!({ "whenDeleted": "Retain", "whenScaled": "Retain" }),
    );
    let strategy = spec
        .entry("updateStrategy")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    if let Some(strategy) = strategy {
        default_field(strategy, "type", json!("RollingUpdate"));
        if strategy["type"] == "RollingUpdate" {
            let rolling = strategy
                .entry("rollingUpdate")
                .or_insert_with(|| json!({}))
                .as_object_mut();
            if let Some(rolling) = rolling {
                default_field(rolling, "partition", json!(0));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(manager: &str, force: bool) -> ApplyParams<'_> {
        ApplyParams {
            manager,
            force,
            dry_run: false,
        }
    }

    #[test]
    fn a_manager_removes_what_it_stops_applying_but_not_what_others_own() {
        let live = json!({ "spec": { "a": 1, "seeded": true } });
        let first = json!({ "spec": { "a": 1, "b": 2, "labels": { "x": "1" } } });
        let (object, owners) =
            merge_apply(&live, &Owners::new(), &params("me", false), first, "t1").unwrap();
        assert_eq!(
            object,
            json!({ "spec": { "a": 1, "b": 2, "labels": { "x": "1" }, "seeded": true } })
        );
        let other = json!({ "spec": { "a": 1 } });
        let (object, owners) =
            merge_apply(&object, &owners, &params("other", false), other, "t2").unwrap();
        let second = json!({ "spec": { "c": 3 } });
        let (object, owners) =
            merge_apply(&object, &owners, &params("me", false), second, "t3").unwrap();
        // `a` stays (also owned by `other`), `b` and the emptied `labels` go, `seeded` stays.
        assert_eq!(
            object,
            json!({ "spec": { "a": 1, "c": 3, "seeded": true } })
        );
        assert_eq!(owners["me"].time, "t3");
        assert_eq!(owners["other"].time, "t2");
    }

    #[test]
    fn conflicts_need_force_and_force_moves_ownership() {
        let (object, owners) = merge_apply(
            &json!({}),
            &Owners::new(),
            &params("other", false),
            json!({ "spec": { "replicas": 3, "x": 1 } }),
            "t1",
        )
        .unwrap();
        let mine = json!({ "spec": { "replicas": 1, "x": 1 } });
        let conflicts =
            merge_apply(&object, &owners, &params("me", false), mine.clone(), "t2").unwrap_err();
        // Only the differing value conflicts; applying the same value shares ownership.
        assert_eq!(
            conflicts,
            [(
                "other".to_owned(),
                vec!["spec".to_owned(), "replicas".to_owned()]
            )]
        );
        let (object, owners) =
            merge_apply(&object, &owners, &params("me", true), mine, "t2").unwrap();
        assert_eq!(object["spec"]["replicas"], 1);
        assert_eq!(owners["other"].config, json!({ "spec": { "x": 1 } }));
    }

    #[test]
    fn leaves_treat_lists_as_atomic() {
        let value = json!({ "a": { "b": [1, 2], "c": {} }, "d": null });
        let mut paths: Vec<String> = leaves(&value).iter().map(|p| path_string(p)).collect();
        paths.sort();
        assert_eq!(paths, [".a.b", ".a.c", ".d"]);
    }
}
