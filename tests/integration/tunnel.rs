//! Through the Kubernetes tunnel, against the REAL control plane of `scripts/kube.sh` (see
//! [`crate::plane`]): the real binary with a TokenRequest token of the operator ServiceAccount that
//! `manifest` renders, the real kube-apiserver (RBAC, audit log), the real EndpointSlice and
//! StatefulSet controllers and scheduler, kwok serving the kubelet's port-forward, and behind each
//! pod's port 8080 a real Dkron (the stack's, or a real 3-node Raft cluster).
//!
//! What a real apiserver cannot be made to do on demand (answer late, stall) stays with the fake in
//! `faults::kubernetes`.

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cluster::DkronCluster;
use crate::plane::{Namespace, Scene, is_ready, plane, wait_until};
use crate::support::{cron, free_port, repo_root, run, run_json, stack, wait_for};

/// A loopback address where nothing listens.
fn refused_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn shipped() -> String {
    repo_root().join("tier1.toml").to_str().unwrap().to_string()
}

/// `enable-health --run-now` of the shipped file through the tunnel; returns the job's name once
/// its run succeeded.
fn enable_health(namespace: &Namespace, ingress: &str) -> String {
    let shipped = shipped();
    let health = [
        "enable-health",
        "--file",
        &shipped,
        "--restate-url",
        ingress,
        "--run-now",
    ];
    let (code, enabled) = run_json(&mut namespace.cron(&health));
    assert_eq!(code, 0, "{enabled:#}");
    assert_eq!(enabled["result"]["jobs"][0]["run"]["ok"], true);
    enabled["result"]["jobs"][0]["name"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `create` of a disabled job named `name`.
fn create_args<'a>(name: &'a str, ingress: &'a str) -> Vec<&'a str> {
    vec![
        "create",
        "--name",
        name,
        "--schedule",
        "@every 1h",
        "--restate-service",
        "s",
        "--restate-handler",
        "h",
        "--disabled",
        "--restate-url",
        ingress,
    ]
}

/// The operator Role's rules as `manifest` renders them, without those on `resource`.
fn operator_rules_without(resource: &str) -> Value {
    let documents = crate::deploy::manifest_documents(&[]);
    let role = crate::deploy::document(&documents, "Role", "joelclaw-cron");
    let rules: Vec<Value> = role["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|rule| {
            !rule["resources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r == resource)
        })
        .cloned()
        .collect();
    Value::Array(rules)
}

#[test]
fn every_cron_command_works_through_the_real_apiserver_with_the_operator_token() {
    let stack = stack();
    let namespace = plane().namespace("every-command", Scene::dkron(&[stack.dkron_addr()]));
    let shipped = shipped();
    let ingress = stack.restate_ingress.as_str();

    let (code, status) = run_json(&mut namespace.cron(&["status"]));
    assert_eq!(code, 0, "{status:#}");
    let result = &status["result"];
    assert_eq!(result["accessMode"], "tunnel");
    assert_eq!(result["tunnel"]["context"], "kwok");
    assert_eq!(result["tunnel"]["pod"], "dkron-0");
    assert_eq!(result["tunnel"]["podPort"], 8080);
    assert_eq!(result["tunnel"]["servicePort"], "http:8080");
    assert_eq!(result["tunnel"]["via"], "endpointslices");
    assert_eq!(result["kubernetes"]["statefulSet"]["desiredReplicas"], 1);
    assert_eq!(result["kubernetes"]["statefulSet"]["readyReplicas"], 1);
    assert_eq!(result["kubernetes"]["service"]["type"], "ClusterIP");
    assert_eq!(result["kubernetes"]["pods"][0]["phase"], "Running");
    assert_eq!(result["kubernetes"]["pods"][0]["ready"], true);
    assert_eq!(result["healthy"], true);
    // The tunnel's port closes when `status` exits: no URL, the command that holds one instead.
    assert_eq!(result["dashboardUrl"], Value::Null);
    assert_eq!(
        result["dashboardCommand"],
        format!(
            "joelclaw restate cron dashboard --context kwok --namespace {}",
            namespace.name
        )
    );
    let (code, stdout, _) = run(&mut namespace.cron(&["status"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("dashboard  `joelclaw restate cron dashboard --context kwok")
            && !stdout.contains("/ui/"),
        "{stdout}"
    );

    let sync = ["sync-tier1", "--file", &shipped, "--restate-url", ingress];
    let (code, synced) = run_json(&mut namespace.cron(&sync));
    assert_eq!(code, 0, "{synced:#}");
    assert_eq!(synced["result"]["writes"], 5);
    let (code, list) = run_json(&mut namespace.cron(&["list"]));
    assert_eq!(code, 0);
    assert_eq!(list["result"]["jobs"].as_array().unwrap().len(), 5);
    let job = enable_health(&namespace, ingress);
    for args in [
        vec!["run", job.as_str()],
        vec!["pause", job.as_str(), "--reason", "through the tunnel"],
        vec!["resume", job.as_str()],
        vec!["history", job.as_str()],
        vec!["next", job.as_str()],
        vec!["export"],
    ] {
        let (code, envelope) = run_json(&mut namespace.cron(&args));
        assert_eq!(code, 0, "{args:?}: {envelope:#}");
    }
    let (code, created) = run_json(&mut namespace.cron(&create_args("tunnelled", ingress)));
    assert_eq!(code, 0, "{created:#}");
    let (code, deleted) =
        run_json(&mut namespace.cron(&["delete", "tunnelled", "--set", "manual"]));
    assert_eq!(code, 0, "{deleted:#}");
    assert!(stack.job("tunnelled").is_none());
    let (code, check) = run_json(&mut namespace.cron(&[&sync[..], &["--check"]].concat()));
    assert_eq!(code, 0, "{check:#}");

    // Every request reached the real apiserver as the operator and was allowed and answered;
    // every port-forward was upgraded (101) by it and carried to the pod by kwok, but for any the
    // CLI itself abandoned in flight; a sync's lock was looked up (404 before the first) and then
    // created and updated.
    let requests = namespace.operator_requests();
    assert!(!requests.is_empty());
    let failed: Vec<_> = requests
        .iter()
        .filter(|event| !event.as_expected())
        .collect();
    assert!(failed.is_empty(), "failed: {failed:#?}");
    let upgrades: Vec<_> = requests
        .iter()
        .filter(|event| event.resource() == "pods/portforward" && !event.abandoned_by_client())
        .collect();
    assert!(!upgrades.is_empty());
    assert!(
        upgrades.iter().all(|event| event.code() == 101),
        "{upgrades:#?}"
    );
}

/// The bearer token in a kubeconfig the plane wrote.
fn kubeconfig_token(path: &std::path::Path) -> String {
    let kubeconfig: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    kubeconfig["users"][0]["user"]["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The operator's token as a plain HTTP client, to try what the CLI never asks for.
fn as_operator(namespace: &Namespace) -> (reqwest::blocking::Client, String) {
    let token = kubeconfig_token(namespace.kubeconfig.as_ref().unwrap());
    let ca = std::fs::read(std::env::var("JOELCLAW_TEST_KUBE_CA").unwrap()).unwrap();
    let client = reqwest::blocking::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    (client, token)
}

#[test]
fn the_operator_token_can_do_everything_the_cli_needs_and_nothing_more() {
    let stack = stack();
    let namespace = plane().namespace("rbac", Scene::dkron(&[stack.dkron_addr()]));
    let shipped = shipped();
    let ingress = stack.restate_ingress.as_str();
    let sync = ["sync-tier1", "--file", &shipped, "--restate-url", ingress];
    let job = enable_health(&namespace, ingress);
    let job = job.as_str();
    for args in [
        vec!["status"],
        vec!["list", "--all"],
        [&sync[..], &["--prune"]].concat(),
        [&sync[..], &["--check"]].concat(),
        create_args("rbac-probe", ingress),
        vec!["run", job],
        vec!["pause", job],
        vec!["resume", job],
        vec!["history", job],
        vec!["next"],
        vec!["export", "--set", "tier1"],
        vec!["delete", "rbac-probe", "--set", "manual"],
    ] {
        let (code, envelope) = run_json(&mut namespace.cron(&args));
        assert_eq!(code, 0, "{args:?}: {envelope:#}");
    }

    // Everything it needs: the audit log has each of the CLI's requests, every one allowed by the
    // authorizer and none refused (a 500 `context canceled` is an upgrade the CLI gave up on).
    let requests = namespace.operator_requests();
    let refused: Vec<String> = requests
        .iter()
        .filter(|event| !event.as_expected())
        .map(|event| {
            format!(
                "{} {} -> {} {:?}",
                event.verb,
                event.request_uri,
                event.code(),
                event.response_status
            )
        })
        .collect();
    assert!(refused.is_empty(), "refused: {refused:#?}");
    let mut requested: BTreeSet<(String, String)> = requests
        .iter()
        .filter(|event| event.object_ref.is_some())
        .map(|event| (event.resource(), event.verb.clone()))
        .collect();
    // The audit log records a WebSocket port-forward (a GET) as `get`; since 1.35 the apiserver
    // also authorizes it as `create` (a Role with only `get` is refused: see
    // the_real_authorizer_refuses_a_role_without_port_forward_or_services).
    if requested.contains(&("pods/portforward".to_string(), "get".to_string())) {
        requested.insert(("pods/portforward".to_string(), "create".to_string()));
    }
    let granted: BTreeSet<(String, String)> = crate::deploy::role_grants().into_iter().collect();
    assert_eq!(
        requested, granted,
        "the Role in `manifest` must grant exactly what the CLI requests"
    );

    // Nothing more: the real authorizer's own account of the token's rules in the namespace is
    // the Role plus what every authenticated identity may do (as it says for one with no Role).
    let (client, token) = as_operator(&namespace);
    let server = &plane().server;
    let nobody = namespace.identity("nobody", json!([]));
    let nobody_token = kubeconfig_token(&nobody);
    let rules = |token: &str| -> BTreeSet<(String, String)> {
        let review: Value = client
            .post(format!(
                "{server}/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"
            ))
            .bearer_auth(token)
            .json(&json!({"spec": {"namespace": namespace.name}}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let mut rules = BTreeSet::new();
        for rule in review["status"]["resourceRules"].as_array().unwrap() {
            for group in rule["apiGroups"].as_array().unwrap() {
                for resource in rule["resources"].as_array().unwrap() {
                    for verb in rule["verbs"].as_array().unwrap() {
                        let (group, resource) =
                            (group.as_str().unwrap(), resource.as_str().unwrap());
                        let qualified = if group.is_empty() {
                            resource.to_string()
                        } else {
                            format!("{group}/{resource}")
                        };
                        rules.insert((qualified, verb.as_str().unwrap().to_string()));
                    }
                }
            }
        }
        rules
    };
    let everyone = rules(&nobody_token);
    let effective: BTreeSet<_> = rules(&token).difference(&everyone).cloned().collect();
    assert_eq!(effective, granted, "beyond what every identity may do");
    // And near misses are refused, each with its 403 in the audit log.
    let base = format!("{server}/api/v1/namespaces/{}", namespace.name);
    let attempts = [
        ("GET", format!("{base}/secrets")),
        ("GET", format!("{base}/services")),
        ("GET", format!("{base}/pods/dkron-0")),
        ("GET", format!("{base}/pods/dkron-0/log")),
        ("DELETE", format!("{base}/pods/dkron-0")),
        ("POST", format!("{base}/pods")),
        ("GET", format!("{server}/api/v1/namespaces")),
        ("GET", format!("{server}/api/v1/pods")),
        (
            "PATCH",
            format!(
                "{server}/apis/apps/v1/namespaces/{}/statefulsets/dkron",
                namespace.name
            ),
        ),
    ];
    for (method, url) in &attempts {
        let response = client
            .request(method.parse().unwrap(), url)
            .bearer_auth(&token)
            .header("content-type", "application/merge-patch+json")
            .body("{}")
            .send()
            .unwrap();
        assert_eq!(response.status(), 403, "{method} {url}");
    }
    let denied = namespace
        .operator_requests()
        .iter()
        .filter(|event| event.code() == 403)
        .count();
    assert_eq!(denied, attempts.len());
}

#[test]
fn a_named_target_port_resolves_through_slices_and_through_the_selector() {
    let stack = stack();
    let namespace = plane().namespace("named-port", Scene::dkron(&[stack.dkron_addr()]));
    // Service port 80 -> targetPort "http" (container port 8080), as `kubectl edit` would change
    // it. (Not an apply: server-side apply merges `ports` by port and protocol, so a second
    // manager's port 80 would be added next to 8080, and the apiserver refuses the duplicate name.)
    // A JSON merge patch replaces the whole list.
    let edit = json!({"spec": {"ports": [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
    ]}});
    plane()
        .block_on(
            kube::Api::<k8s_openapi::api::core::v1::Service>::namespaced(
                plane().admin.clone(),
                &namespace.name,
            )
            .patch(
                "dkron-svc",
                &kube::api::PatchParams::default(),
                &kube::api::Patch::Merge(&edit),
            ),
        )
        .unwrap();
    let (code, status) = run_json(&mut namespace.cron(&["status", "--service-port", "http"]));
    assert_eq!(code, 0, "{status:#}");
    assert_eq!(status["result"]["tunnel"]["servicePort"], "http:80");
    assert_eq!(status["result"]["tunnel"]["podPort"], 8080);
    assert_eq!(status["result"]["tunnel"]["via"], "endpointslices");

    // An identity that may not list EndpointSlices (a Role from before them): the real
    // authorizer refuses the list and the CLI resolves through the selector, looking the port
    // name up in the pod.
    let kubeconfig = namespace.identity("no-slices", operator_rules_without("endpointslices"));
    let (code, listed) =
        run_json(&mut namespace.cron_with(&kubeconfig, &["list", "--service-port", "80"]));
    assert_eq!(code, 0, "{listed:#}");
    assert_eq!(listed["result"]["tunnel"]["via"], "selector");
    assert_eq!(listed["result"]["tunnel"]["podPort"], 8080);
    let slices_refused = plane().audit().into_iter().any(|event| {
        event
            .user
            .username
            .ends_with(&format!("{}:no-slices", namespace.name))
            && event.resource() == "discovery.k8s.io/endpointslices"
            && event.code() == 403
    });
    assert!(slices_refused, "the apiserver refused the slices list");
}

#[test]
fn pods_that_are_not_ready_are_skipped_on_both_paths() {
    let stack = stack();
    let backends = [refused_addr(), stack.dkron_addr(), refused_addr()];
    let namespace = plane().namespace("not-ready", Scene::dkron(&backends));
    // What a kubelet writes after failing readiness probes; the EndpointSlice controller follows.
    namespace.set_ready("dkron-0", false);
    namespace.set_ready("dkron-2", false);
    namespace.wait_ready(1);

    let (code, listed) = run_json(&mut namespace.cron(&["list"]));
    assert_eq!(code, 0, "{listed:#}");
    assert_eq!(listed["result"]["tunnel"]["pod"], "dkron-1");
    assert_eq!(listed["result"]["tunnel"]["readyPods"], 1);
    assert_eq!(listed["result"]["tunnel"]["via"], "endpointslices");

    let kubeconfig = namespace.identity("no-slices", operator_rules_without("endpointslices"));
    let (code, listed) = run_json(&mut namespace.cron_with(&kubeconfig, &["list"]));
    assert_eq!(code, 0, "{listed:#}");
    assert_eq!(listed["result"]["tunnel"]["via"], "selector");
    assert_eq!(listed["result"]["tunnel"]["pod"], "dkron-1");

    let forwarded: BTreeSet<String> = plane()
        .audit()
        .into_iter()
        .filter(|event| event.resource() == "pods/portforward")
        .filter_map(|event| event.object_ref)
        .filter(|object| object.namespace == namespace.name)
        .map(|object| object.name)
        .collect();
    assert_eq!(forwarded, BTreeSet::from(["dkron-1".to_string()]));
}

#[test]
fn the_real_authorizer_refuses_a_role_without_port_forward_or_services() {
    let stack = stack();
    let namespace = plane().namespace("forbidden", Scene::dkron(&[stack.dkron_addr()]));
    let list_as =
        |kubeconfig: &std::path::Path| run_json(&mut namespace.cron_with(kubeconfig, &["list"]));

    let kubeconfig = namespace.identity(
        "no-port-forward",
        operator_rules_without("pods/portforward"),
    );
    let (code, envelope) = list_as(&kubeconfig);
    assert_eq!(code, 1, "{envelope:#}");
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_KUBE_FORBIDDEN");
    let fix = envelope["fix"].as_str().unwrap();
    for verb in [
        "get+create on pods/portforward",
        "get on services",
        "list on endpointslices",
        "list on pods",
    ] {
        assert!(fix.contains(verb), "{fix}");
    }
    let (code, _, stderr) = run(&mut namespace.cron_with(&kubeconfig, &["list"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("context `kwok`"), "{stderr}");

    // A Role written for Kubernetes before 1.35 grants only `get` on pods/portforward: this
    // apiserver (1.37) also authorizes the WebSocket upgrade as `create`, and refuses it. Its
    // message names no verb (`pods "dkron-0" is forbidden: `), so the hint must.
    let mut get_only = operator_rules_without("pods/portforward");
    get_only
        .as_array_mut()
        .unwrap()
        .push(json!({"apiGroups": [""], "resources": ["pods/portforward"], "verbs": ["get"]}));
    let (code, envelope) = list_as(&namespace.identity("portforward-get-only", get_only));
    assert_eq!(code, 1, "{envelope:#}");
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_KUBE_FORBIDDEN");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("refused to port-forward to pod dkron-0"),
        "{message}"
    );
    assert!(
        envelope["fix"]
            .as_str()
            .unwrap()
            .contains("get+create on pods/portforward")
    );

    let (code, envelope) =
        list_as(&namespace.identity("no-services", operator_rules_without("services")));
    assert_eq!(code, 1);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_KUBE_FORBIDDEN");
    assert!(
        envelope["error"]["message"]
            .as_str()
            .unwrap()
            .contains("get service dkron-svc"),
        "{envelope:#}"
    );
}

#[test]
fn a_missing_service_or_namespace_is_named_with_the_context() {
    let stack = stack();
    let namespace = plane().namespace("missing", Scene::dkron(&[stack.dkron_addr()]));
    let (code, envelope) = run_json(&mut namespace.cron(&["list", "--service-name", "nope"]));
    assert_eq!(code, 1);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_SERVICE_NOT_FOUND");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("service nope")
            && message.contains(&format!("namespace {}", namespace.name))
            && message.contains("`kwok`"),
        "{message}"
    );
    // An identity that may read namespaces learns that the namespace is missing.
    let (code, envelope) = run_json(
        cron(&["list", "--namespace", "elsewhere"]).env("KUBECONFIG", &plane().admin_kubeconfig),
    );
    assert_eq!(code, 1, "{envelope:#}");
    assert_eq!(
        envelope["error"]["code"],
        "RESTATE_CRON_NAMESPACE_NOT_FOUND"
    );
    assert!(
        envelope["error"]["message"]
            .as_str()
            .unwrap()
            .contains("elsewhere")
    );
    // The operator's Role is namespaced: elsewhere, the real authorizer refuses before any
    // lookup, so the operator is told it is forbidden, not that the namespace is missing.
    let operator = namespace.kubeconfig.as_ref().unwrap();
    let (code, envelope) =
        run_json(cron(&["list", "--namespace", "elsewhere"]).env("KUBECONFIG", operator));
    assert_eq!(code, 1, "{envelope:#}");
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_KUBE_FORBIDDEN");
}

#[test]
fn the_kubelets_error_channel_text_reaches_the_user() {
    let _stack = stack();
    let namespace = plane().namespace("error-channel", Scene::dkron(&[refused_addr()]));
    let (code, envelope) = run_json(&mut namespace.cron(&["list"]));
    assert_eq!(code, 1, "{envelope:#}");
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_TUNNEL_FAILED");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("dkron-0") && message.contains("8080"),
        "{message}"
    );
    assert!(
        message.contains("refused"),
        "the node's words are kept: {message}"
    );
}

/// Starts `dashboard` on a free port and waits until it serves; returns it and its envelope.
fn start_dashboard(namespace: &Namespace) -> (Child, u16, Value) {
    let port = free_port();
    let mut dashboard = namespace
        .cron(&["dashboard", "--json", "--local-port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the dashboard tunnel", Duration::from_secs(30), || {
        listening(port).then_some(())
    });
    // The envelope comes first; the command then holds the tunnel until a signal.
    let envelope: Value = serde_json::Deserializer::from_reader(dashboard.stdout.as_mut().unwrap())
        .into_iter()
        .next()
        .expect("dashboard prints its envelope")
        .unwrap();
    (dashboard, port, envelope)
}

fn isleader_through(port: u16) -> u16 {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{port}/v1/isleader"))
        .send()
        .map(|response| response.status().as_u16())
        .unwrap_or(0)
}

/// Port-forward upgrades to `pod` of `namespace` in the audit log, as response codes (without
/// those the CLI abandoned in flight).
fn upgrades_to(namespace: &Namespace, pod: &str) -> Vec<u16> {
    plane()
        .audit()
        .into_iter()
        .filter(|event| {
            event.resource() == "pods/portforward"
                && !event.abandoned_by_client()
                && event
                    .object_ref
                    .as_ref()
                    .is_some_and(|object| object.namespace == namespace.name && object.name == pod)
        })
        .map(|event| event.code())
        .collect()
}

#[test]
fn a_pod_deleted_while_dashboard_runs_is_left_for_a_ready_one_and_the_statefulset_recreates_it() {
    let stack = stack();
    let backend = stack.dkron_addr();
    let namespace = plane().namespace("pod-deleted", Scene::dkron(&[backend, backend, backend]));
    let (mut dashboard, port, envelope) = start_dashboard(&namespace);
    let pod = envelope["result"]["tunnel"]["pod"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(isleader_through(port), 200);

    // Hold the replacement back with a quota, so the test sees the gap a real deletion leaves
    // (in a cluster the scheduler, a pull or a volume attach make it long).
    let quota = json!({
        "apiVersion": "v1", "kind": "ResourceQuota",
        "metadata": {"name": "hold", "namespace": namespace.name},
        "spec": {"hard": {"pods": "2"}},
    });
    let quotas: kube::Api<k8s_openapi::api::core::v1::ResourceQuota> =
        kube::Api::namespaced(plane().admin.clone(), &namespace.name);
    plane()
        .block_on(quotas.patch(
            "hold",
            &kube::api::PatchParams::apply("joelclaw-test"),
            &kube::api::Patch::Apply(&quota),
        ))
        .unwrap();
    wait_until("the quota to count the pods", || {
        plane()
            .block_on(quotas.get("hold"))
            .unwrap()
            .status
            .and_then(|status| status.used)
            .and_then(|used| used.get("pods").cloned())
            .is_some_and(|used| used.0 == "3")
    });
    let uid = namespace.pod(&pod).unwrap().metadata.uid;
    namespace.delete_pod(&pod);
    wait_until("the pod to be gone and its replacement refused", || {
        namespace.pod(&pod).is_none()
            && namespace
                .events("StatefulSet", "dkron")
                .iter()
                .any(|event| event.reason.as_deref() == Some("FailedCreate"))
    });
    // The EndpointSlice controller has taken the pod out of the Service.
    namespace.wait_ready(2);

    // The running command's next connection: the upgrade to the gone pod answers 404, the CLI
    // resolves the Service again and carries the connection to a ready pod.
    let before = upgrades_to(&namespace, &pod).len();
    assert_eq!(isleader_through(port), 200);
    assert_eq!(upgrades_to(&namespace, &pod)[before..], [404]);

    plane()
        .block_on(quotas.delete("hold", &Default::default()))
        .unwrap();
    namespace.wait_ready(3);
    let replacement = namespace.pod(&pod).unwrap();
    assert_ne!(replacement.metadata.uid, uid, "a new pod of the same name");
    assert!(is_ready(&replacement));
    assert_eq!(
        isleader_through(port),
        200,
        "still serving after the recreation"
    );

    Command::new("kill")
        .args(["-TERM", &dashboard.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(dashboard.wait().unwrap().code(), Some(0));
}

#[test]
fn writes_and_read_backs_go_to_the_raft_leader_of_three_pods_even_when_it_is_the_last() {
    let _stack = stack();
    let dkron = DkronCluster::start(3);
    let leader = dkron.leader().unwrap();
    // Pods dkron-0 and dkron-1 forward to the followers, dkron-2 to the leader: a CLI that took
    // the first ready pod would write to a follower.
    let mut backends: Vec<SocketAddr> = (0..3)
        .filter(|index| *index != leader)
        .map(|index| dkron.http[index])
        .collect();
    backends.push(dkron.http[leader]);
    let namespace = plane().namespace("leader-last", Scene::dkron(&backends));
    let shipped = shipped();
    let sync = [
        "sync-tier1",
        "--file",
        &shipped,
        "--restate-url",
        "http://restate:8080",
    ];
    let (code, synced) = run_json(&mut namespace.cron(&sync));
    assert_eq!(code, 0, "{synced:#}");
    let tunnel = &synced["result"]["tunnel"];
    assert_eq!(tunnel["pod"], "dkron-2", "{tunnel:#}");
    assert_eq!(tunnel["readyPods"], 3);
    assert_eq!(tunnel["leaderProbe"]["probed"], 3);
    assert_eq!(tunnel["leaderProbe"]["leader"], "dkron-2");
    assert_eq!(
        synced["result"]["counts"]["failed"], 0,
        "every read-back matched: {synced:#}"
    );
    let on_leader: Value = reqwest::blocking::get(format!("http://{}/v1/jobs", dkron.http[leader]))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(on_leader.as_array().unwrap().len(), 5);
    let (code, again) = run_json(&mut namespace.cron(&sync));
    assert_eq!(code, 0);
    assert_eq!(again["result"]["writes"], 0);
    // The probe reached all three pods through the real apiserver, the writes only the leader.
    for pod in ["dkron-0", "dkron-1"] {
        assert_eq!(
            upgrades_to(&namespace, pod),
            [101, 101],
            "{pod}: one probe per command"
        );
    }
    // The leader's probe carried each command's first connection: one upgrade per command for
    // the probe, more only for the connections a sync's concurrent writes open.
    assert!(upgrades_to(&namespace, "dkron-2").len() >= 2);
}

#[test]
fn a_command_through_three_pods_asks_the_apiserver_five_times_and_upgrades_once_per_pod() {
    let stack = stack();
    let backend = stack.dkron_addr();
    let namespace = plane().namespace("requests", Scene::dkron(&[backend, backend, backend]));
    let (code, listed) = run_json(&mut namespace.cron(&["list", "--all"]));
    assert_eq!(code, 0, "{listed:#}");
    assert_eq!(listed["result"]["tunnel"]["leaderProbe"]["probed"], 3);
    // The Service and its slices (one round trip), one upgrade per pod to ask who leads (one
    // more), and nothing else: the command's requests ride on the leader's probe forward.
    let expected = [
        "get services dkron-svc",
        "list discovery.k8s.io/endpointslices ",
        "pods/portforward dkron-0",
        "pods/portforward dkron-1",
        "pods/portforward dkron-2",
    ];
    let described = || {
        let mut requests: Vec<String> = namespace
            .operator_requests()
            .iter()
            .map(|event| {
                let name = event.object_ref.as_ref().map_or("", |o| o.name.as_str());
                if event.resource() == "pods/portforward" {
                    // Logged as `get` or `create` (authorized as both since 1.35).
                    format!("pods/portforward {name}")
                } else {
                    format!("{} {} {name}", event.verb, event.resource())
                }
            })
            .collect();
        requests.sort();
        requests
    };
    // An upgrade is logged when its WebSocket ends, which may be a moment after the CLI exits.
    wait_until("the audit log to have the command's requests", || {
        described().len() >= expected.len()
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(described(), expected);
}

/// Whether anything accepts connections on a loopback port.
fn listening(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// Child processes of `pid`, from /proc.
fn children_of(pid: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|candidate| {
            std::fs::read_to_string(format!("/proc/{candidate}/stat"))
                .ok()
                .and_then(|stat| {
                    stat.rsplit(')')
                        .next()?
                        .split_whitespace()
                        .nth(1)?
                        .parse::<u32>()
                        .ok()
                })
                == Some(pid)
        })
        .collect()
}

#[test]
fn nothing_is_left_listening_or_running_after_exit_or_ctrl_c() {
    let stack = stack();
    let namespace = plane().namespace("no-trace", Scene::dkron(&[stack.dkron_addr()]));

    // Normal exit: the tunnel's port is closed once the command is done.
    let (code, listed) = run_json(&mut namespace.cron(&["list"]));
    assert_eq!(code, 0);
    let port = listed["result"]["tunnel"]["localPort"].as_u64().unwrap() as u16;
    assert!(!listening(port), "port {port} still listening after exit");

    // Ctrl-C and SIGTERM: `dashboard` holds the tunnel until either, with no child process, and
    // leaves nothing listening.
    for signal in ["-INT", "-TERM"] {
        let port = free_port();
        let mut dashboard = namespace
            .cron(&["dashboard", "--local-port", &port.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for("the dashboard tunnel", Duration::from_secs(20), || {
            listening(port).then_some(())
        });
        let ui = reqwest::blocking::get(format!("http://127.0.0.1:{port}/ui/")).unwrap();
        assert_eq!(ui.status(), 200);
        assert!(
            children_of(dashboard.id()).is_empty(),
            "the CLI spawned a process"
        );
        let status = Command::new("kill")
            .args([signal, &dashboard.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let exit = loop {
            if let Some(exit) = dashboard.try_wait().unwrap() {
                break exit;
            }
            assert!(
                Instant::now() < deadline,
                "dashboard did not exit on {signal}"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(exit.code(), Some(0), "{signal}");
        assert!(
            !listening(port),
            "port {port} still listening after {signal}"
        );
        let mut stdout = String::new();
        std::io::Read::read_to_string(dashboard.stdout.as_mut().unwrap(), &mut stdout).unwrap();
        assert!(
            stdout.contains(&format!("http://127.0.0.1:{port}/ui/")),
            "{stdout}"
        );
    }
}

/// Opt-in: a real cluster from the ambient KUBECONFIG (`cargo test -- --ignored real_cluster`),
/// with Dkron deployed as the README describes. Optional: JOELCLAW_TEST_CONTEXT, JOELCLAW_TEST_NAMESPACE.
#[test]
#[ignore = "needs a real cluster: KUBECONFIG and a deployed Dkron"]
fn real_cluster_list_and_status() {
    let kubeconfig =
        std::env::var("KUBECONFIG").expect("set KUBECONFIG to a real cluster's kubeconfig");
    let mut args = vec!["status".to_string()];
    if let Ok(context) = std::env::var("JOELCLAW_TEST_CONTEXT") {
        args.extend(["--context".to_string(), context]);
    }
    if let Ok(namespace) = std::env::var("JOELCLAW_TEST_NAMESPACE") {
        args.extend(["--namespace".to_string(), namespace]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut status = cron(&args);
    status.env("KUBECONFIG", &kubeconfig);
    let (code, envelope) = run_json(&mut status);
    assert_eq!(code, 0, "{envelope:#}");
    assert_eq!(envelope["result"]["accessMode"], "tunnel");
    let mut list = cron(&[&args[1..], &["list"]].concat());
    list.env("KUBECONFIG", &kubeconfig);
    let (code, envelope) = run_json(&mut list);
    assert_eq!(code, 0, "{envelope:#}");
}

/// The apiserver's own failures, each with its code, from the real apiserver (an untrusted
/// certificate, a rejected token, a kubeconfig list with missing files) or from nothing at all (an
/// unreachable one).
mod errors {
    use super::*;

    fn with_kubeconfig(kubeconfig: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig");
        std::fs::write(&path, kubeconfig).unwrap();
        (dir, path)
    }

    /// A namespace of the real plane with the deployment (its pod forwards to nothing) and the
    /// operator's kubeconfig as text.
    fn real(prefix: &str) -> (Namespace, String) {
        let namespace = plane().namespace(prefix, Scene::dkron(&[refused_addr()]));
        let kubeconfig = std::fs::read_to_string(namespace.kubeconfig.as_ref().unwrap()).unwrap();
        (namespace, kubeconfig)
    }

    #[test]
    fn an_untrusted_certificate_is_a_tls_error() {
        let (namespace, kubeconfig) = real("untrusted");
        // Without the cluster's CA, the real apiserver's certificate is checked against the
        // system's roots.
        let mut config: serde_json::Value = serde_json::from_str(&kubeconfig).unwrap();
        config["clusters"][0]["cluster"]
            .as_object_mut()
            .unwrap()
            .remove("certificate-authority");
        let (_dir, path) = with_kubeconfig(&config.to_string());
        let (code, envelope) = run_json(&mut namespace.cron_with(&path, &["list"]));
        assert_eq!(code, 1, "{envelope:#}");
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_KUBE_TLS");
    }

    #[test]
    fn an_unreachable_apiserver_and_a_rejected_token_have_their_codes() {
        let (namespace, kubeconfig) = real("unauthorized");
        let (_dir, path) = with_kubeconfig(&kubeconfig.replace(
            &plane().server,
            &format!("https://127.0.0.1:{}", free_port()),
        ));
        let (code, envelope) = run_json(&mut namespace.cron_with(&path, &["list"]));
        assert_eq!(code, 1, "{envelope:#}");
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_KUBE_UNREACHABLE");

        let mut config: serde_json::Value = serde_json::from_str(&kubeconfig).unwrap();
        config["users"][0]["user"]["token"] = "not-a-token".into();
        let (_dir, path) = with_kubeconfig(&config.to_string());
        let (code, envelope) = run_json(&mut namespace.cron_with(&path, &["list"]));
        assert_eq!(code, 1, "{envelope:#}");
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_KUBE_UNAUTHORIZED");
    }

    #[test]
    fn missing_files_in_a_kubeconfig_list_are_skipped_like_kubectl_does() {
        let (namespace, _) = real("kubeconfig-list");
        let list = std::env::join_paths([
            std::path::PathBuf::from("/nonexistent/kubeconfig"),
            namespace.kubeconfig.clone().unwrap(),
        ])
        .unwrap();
        let (code, envelope) = run_json(&mut namespace.cron_with(&list, &["list"]));
        // The kubeconfig was found and used: the failure is the (refused) backend behind the pod.
        assert_eq!(code, 1, "{envelope:#}");
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_TUNNEL_FAILED");
    }
}
