//! The fake's one controller: a minimal StatefulSet status controller.
//!
//! It creates no pods and rolls nothing out. Tests control readiness through the pods they put in
//! the world; this only derives each StatefulSet's status from its spec and those pods, so a
//! client waiting for a rollout sees it finish (or not) as the test decides.
//!
//! Differences from the real controller: replica counts come from `spec.replicas` rather than
//! from the pods the StatefulSet owns, pods are matched by selector alone (no `ownerReferences`),
//! `minReadySeconds` is ignored (available = ready), and an empty selector selects nothing (the
//! apiserver would have refused such a StatefulSet).

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetStatus};
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::World;
use crate::apply::Store;

/// Set every StatefulSet's status from its spec and the pods it selects; a StatefulSet whose
/// status changes gets a new `resourceVersion`.
pub(crate) fn reconcile_stateful_sets(world: &mut World, store: &mut Store) {
    let World {
        stateful_sets,
        pods,
        ..
    } = world;
    for stateful_set in stateful_sets.iter_mut() {
        let status = desired_status(stateful_set, pods);
        if stateful_set.status.as_ref() != Some(&status) {
            stateful_set.status = Some(status);
            stateful_set.metadata.resource_version = Some(store.next_resource_version());
        }
    }
}

fn desired_status(stateful_set: &StatefulSet, pods: &[Pod]) -> StatefulSetStatus {
    let namespace = stateful_set
        .metadata
        .namespace
        .as_deref()
        .unwrap_or("default");
    let spec = &stateful_set.spec;
    // The apiserver defaults `spec.replicas` to 1.
    let replicas = spec.replicas.unwrap_or(1);
    let ready = pods
        .iter()
        .filter(|pod| pod.metadata.namespace.as_deref().unwrap_or("default") == namespace)
        .filter(|pod| selects(&spec.selector, pod))
        .filter(|pod| is_running_and_ready(pod))
        .count();
    let ready = i32::try_from(ready).unwrap_or(i32::MAX);
    let name = stateful_set.metadata.name.as_deref().unwrap_or_default();
    let revision = Some(format!("{name}-{}", template_hash(&spec.template)));
    StatefulSetStatus {
        observed_generation: stateful_set.metadata.generation,
        replicas,
        current_replicas: Some(replicas),
        updated_replicas: Some(replicas),
        ready_replicas: Some(ready),
        available_replicas: Some(ready),
        current_revision: revision.clone(),
        update_revision: revision,
        // Kept as they were: the fake has no hash collisions and sets no conditions.
        ..stateful_set.status.clone().unwrap_or_default()
    }
}

/// Whether `selector` selects `pod`; an empty selector selects nothing.
pub(crate) fn selects(selector: &LabelSelector, pod: &Pod) -> bool {
    let match_labels = selector.match_labels.as_ref();
    let match_expressions = selector.match_expressions.as_deref().unwrap_or_default();
    if match_labels.is_none_or(|labels| labels.is_empty()) && match_expressions.is_empty() {
        return false;
    }
    let labels = pod.metadata.labels.as_ref();
    let label = |key: &str| labels.and_then(|labels| labels.get(key));
    let labels_match = match_labels
        .into_iter()
        .flatten()
        .all(|(key, value)| label(key) == Some(value));
    let expressions_match = match_expressions.iter().all(|requirement| {
        let values = requirement.values.as_deref().unwrap_or_default();
        let value = label(&requirement.key);
        match requirement.operator.as_str() {
            "In" => value.is_some_and(|value| values.contains(value)),
            "NotIn" => value.is_none_or(|value| !values.contains(value)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            // The apiserver refuses unknown operators; match nothing rather than guess.
            _ => false,
        }
    });
    labels_match && expressions_match
}

/// `Running` with condition `Ready=True`.
pub(crate) fn is_running_and_ready(pod: &Pod) -> bool {
    let Some(status) = pod.status.as_ref() else {
        return false;
    };
    status.phase.as_deref() == Some("Running")
        && status
            .conditions
            .iter()
            .flatten()
            .any(|condition| condition.type_ == "Ready" && condition.status == "True")
}

/// A revision suffix in the style of the controller's: FNV-1a of the template, its decimal digits
/// spelled with the apiserver's vowel-free alphabet (`rand.SafeEncodeString`).
fn template_hash(template: &PodTemplateSpec) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let json = serde_json::to_vec(template).expect("a pod template serializes");
    let hash = json.iter().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193)
    });
    hash.to_string()
        .bytes()
        .map(|digit| char::from(ALPHABET[usize::from(digit) % ALPHABET.len()]))
        .collect()
}
