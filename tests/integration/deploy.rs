//! The Dkron deployment: `manifest` output (committed as k8s/dkron.yaml), its agent command line run
//! against the real Dkron binary as a non-root user, the operator RBAC checked against the requests
//! the CLI really makes, and `install` against the fake apiserver.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::{FakeCluster, cron, free_port, repo_root, run, run_json, snapshot, wait_for};

/// The documents `manifest` prints for these flags.
fn manifest_documents(flags: &[&str]) -> Vec<Value> {
    let (code, stdout, stderr) = run(&mut cron(&[&["manifest"], flags].concat()));
    assert_eq!(code, 0, "{stderr}");
    serde_saphyr::from_str_multiple(&stdout).expect("manifest prints YAML documents")
}

fn document<'a>(documents: &'a [Value], kind: &str, name: &str) -> &'a Value {
    documents
        .iter()
        .find(|document| document["kind"] == kind && document["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind}/{name}"))
}

#[test]
fn the_committed_manifest_is_the_default_output() {
    let (code, stdout, _) = run(&mut cron(&["manifest"]));
    assert_eq!(code, 0);
    let committed = std::fs::read_to_string(repo_root().join("k8s/dkron.yaml")).unwrap();
    assert!(
        committed == stdout,
        "k8s/dkron.yaml is stale: run `cargo run -q -- restate cron manifest > k8s/dkron.yaml`"
    );
}

#[test]
fn a_three_replica_manifest_is_snapshotted() {
    snapshot!(cron(&[
        "manifest",
        "--replicas",
        "3",
        "--storage-class",
        "local-path",
        "--namespace",
        "ops"
    ]));
}

#[test]
fn unpinned_images_are_refused() {
    for image in ["dkron/dkron:latest", "dkron/dkron"] {
        let (code, envelope) = run_json(&mut cron(&["manifest", "--image", image]));
        assert_eq!(code, 2, "{image}");
        assert!(
            envelope["error"]["message"]
                .as_str()
                .unwrap()
                .contains("pinned")
        );
    }
}

/// The operator Role's rules, as `(apiGroup/resource, verb)` pairs.
pub fn role_grants() -> Vec<(String, String)> {
    let documents = manifest_documents(&[]);
    let role = document(&documents, "Role", "joelclaw-cron");
    let mut grants = Vec::new();
    for rule in role["rules"].as_array().unwrap() {
        for group in rule["apiGroups"].as_array().unwrap() {
            for resource in rule["resources"].as_array().unwrap() {
                for verb in rule["verbs"].as_array().unwrap() {
                    let group = group.as_str().unwrap();
                    let resource = resource.as_str().unwrap();
                    let qualified = if group.is_empty() {
                        resource.to_string()
                    } else {
                        format!("{group}/{resource}")
                    };
                    grants.push((qualified, verb.as_str().unwrap().to_string()));
                }
            }
        }
    }
    grants
}

/// The agent's arguments as rendered in the StatefulSet.
fn rendered_agent_args(replicas: &str) -> Vec<String> {
    let documents = manifest_documents(&["--replicas", replicas]);
    let set = document(&documents, "StatefulSet", "dkron");
    set["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|arg| arg.as_str().unwrap().to_string())
        .collect()
}

/// Tests that run the real Dkron binary; they are skipped with the rest of the live tier when
/// Dkron cannot be installed.
mod live {
    use super::*;

    /// One node of the rendered command line with the pod's values filled in: `$(POD_IP)` is
    /// 127.0.0.1, `$(POD_NAME)` is `dkron-<i>`, ports are free ones and the data dir a temp one;
    /// every argument keeps its rendered form (`--bind-addr=$(POD_IP):…`, `--http-addr=:…`).
    struct Node {
        child: Child,
        http: SocketAddr,
    }

    impl Drop for Node {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    const NON_ROOT: u32 = 65532;

    /// A copy of the Dkron binary a non-root user can execute (the cache lives under /root).
    fn executable_copy(dir: &Path) -> PathBuf {
        let source = std::env::var("JOELCLAW_TEST_DKRON_BIN")
            .expect("JOELCLAW_TEST_DKRON_BIN is not set: run scripts/test (it starts the stack)");
        let copy = dir.join("dkron");
        std::fs::copy(source, &copy).unwrap();
        copy
    }

    fn start(binary: &Path, data: &Path, args: &[String], serf: &[u16], index: usize) -> Node {
        use std::os::unix::fs::PermissionsExt;
        let http = SocketAddr::from(([127, 0, 0, 1], free_port()));
        // Like a volume under `fsGroup`: owned by root, group-writable by the pod's group.
        let data_dir = data.join(format!("node-{index}"));
        std::fs::create_dir_all(&data_dir).unwrap();
        std::os::unix::fs::chown(&data_dir, Some(0), Some(NON_ROOT)).unwrap();
        std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o2775)).unwrap();
        // The pod's writable /tmp (an emptyDir): Dkron's executor plugins put their sockets there.
        let tmp = data.join(format!("tmp-{index}"));
        std::fs::create_dir_all(&tmp).unwrap();
        std::os::unix::fs::chown(&tmp, Some(NON_ROOT), Some(NON_ROOT)).unwrap();
        let rpc = free_port();
        let adapted: Vec<String> = args
            .iter()
            .map(|arg| {
                let arg = arg
                    .replace("$(POD_IP)", "127.0.0.1")
                    .replace("$(POD_NAME)", &format!("dkron-{index}"));
                let (flag, value) = arg.split_once('=').unwrap_or((arg.as_str(), ""));
                match flag {
                    "--data-dir" => format!("--data-dir={}", data_dir.display()),
                    "--bind-addr" | "--advertise-addr" => {
                        let host = value.rsplit_once(':').unwrap().0;
                        format!("{flag}={host}:{}", serf[index])
                    }
                    "--http-addr" => {
                        format!(
                            "--http-addr={}",
                            value.replace(":8080", &format!(":{}", http.port()))
                        )
                    }
                    "--rpc-port" => format!("--rpc-port={rpc}"),
                    // Each peer's DNS name becomes its loopback serf address (self included, as
                    // in the pod).
                    "--retry-join" => {
                        let ordinal: usize = value
                            .trim_start_matches("dkron-")
                            .split('.')
                            .next()
                            .unwrap()
                            .parse()
                            .unwrap();
                        format!("--retry-join=127.0.0.1:{}", serf[ordinal])
                    }
                    _ => arg.clone(),
                }
            })
            .collect();
        let child = Command::new("setpriv")
            .args([
                &format!("--reuid={NON_ROOT}"),
                &format!("--regid={NON_ROOT}"),
                "--clear-groups",
            ])
            .arg(binary)
            .args(&adapted)
            .env("HOME", &tmp)
            .env("TMPDIR", &tmp)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("setpriv runs the binary as a non-root user");
        Node { child, http }
    }

    fn get(addr: SocketAddr, path: &str) -> Option<(u16, Value)> {
        let response = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap()
            .get(format!("http://{addr}{path}"))
            .send()
            .ok()?;
        let status = response.status().as_u16();
        Some((status, response.json().unwrap_or(Value::Null)))
    }

    fn dir_for_non_root() -> tempfile::TempDir {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        dir
    }

    /// The leader names itself in `/v1/leader` (a bind address Dkron cannot match against its
    /// advertised one makes the leader answer 500 `null`), and `status` calls the cluster healthy.
    fn assert_leader_known(node: &Node) {
        let (status, leader) = get(node.http, "/v1/leader").unwrap();
        assert_eq!(status, 200, "/v1/leader on the leader: {leader}");
        assert!(
            leader["Name"]
                .as_str()
                .is_some_and(|name| name.starts_with("dkron-")),
            "{leader}"
        );
        let base = format!("http://{}", node.http);
        let (code, envelope) = run_json(&mut cron(&[
            "status",
            "--skip-restate",
            "--base-url",
            &base,
        ]));
        assert_eq!(code, 0, "{envelope:#}");
        assert_eq!(envelope["result"]["healthy"], true);
    }

    #[test]
    fn the_rendered_agent_command_starts_a_leader_as_a_non_root_user() {
        let _extra = crate::support::extra_dkron_lock();
        let dir = dir_for_non_root();
        let binary = executable_copy(dir.path());
        let args = rendered_agent_args("1");
        let node = start(&binary, dir.path(), &args, &[free_port()], 0);
        wait_for("the single node to lead", Duration::from_secs(60), || {
            get(node.http, "/v1/isleader").filter(|(status, _)| *status == 200)
        });
        assert_leader_known(&node);
        use std::os::unix::fs::MetadataExt;
        let written: Vec<u32> = std::fs::read_dir(dir.path().join("node-0"))
            .unwrap()
            .map(|entry| entry.unwrap().metadata().unwrap().uid())
            .collect();
        assert!(!written.is_empty(), "Dkron wrote its data directory");
        assert!(
            written.iter().all(|uid| *uid == NON_ROOT),
            "as the non-root user: {written:?}"
        );
    }

    #[test]
    fn three_rendered_agents_form_one_cluster() {
        let _extra = crate::support::extra_dkron_lock();
        let args = rendered_agent_args("3");
        // Free ports are picked, released and then bound by Dkron, and a node whose first join
        // comes too early waits out Dkron's 30 s retry (docs/dkron-observed.md): a cluster that
        // elects no leader in 75 s is started again, once, on fresh ports and a fresh data dir.
        let mut attempt = 0;
        let (_dir, nodes, leaders) = loop {
            attempt += 1;
            let dir = dir_for_non_root();
            let binary = executable_copy(dir.path());
            let serf: Vec<u16> = (0..3).map(|_| free_port()).collect();
            let nodes: Vec<Node> = (0..3)
                .map(|index| start(&binary, dir.path(), &args, &serf, index))
                .collect();
            let deadline = std::time::Instant::now() + Duration::from_secs(75);
            let leaders = loop {
                let leaders: Vec<usize> = nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, node)| {
                        get(node.http, "/v1/isleader").is_some_and(|(status, _)| status == 200)
                    })
                    .map(|(index, _)| index)
                    .collect();
                if leaders.len() == 1 || std::time::Instant::now() > deadline {
                    break leaders;
                }
                std::thread::sleep(Duration::from_millis(200));
            };
            if leaders.len() == 1 {
                break (dir, nodes, leaders);
            }
            assert!(
                attempt < 2,
                "no single leader among three after two attempts: {leaders:?}"
            );
            eprintln!(
                "no single leader among three within 75 s (attempt {attempt}); starting again"
            );
        };
        assert_leader_known(&nodes[leaders[0]]);
        let (_, members) = get(nodes[leaders[0]].http, "/v1/members").unwrap();
        let alive = members
            .as_array()
            .unwrap()
            .iter()
            .filter(|member| member["statusText"] == "alive")
            .count();
        assert_eq!(alive, 3, "{members:#}");
    }
}

/// A fake cluster whose pods carry the labels the rendered StatefulSet selects, so the fake's
/// StatefulSet controller counts them once `install` applies it.
mod install {
    use joelclaw_fake_kube::{Options, World, dkron_world};
    use k8s_openapi::api::core::v1::{Event, ObjectReference};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

    use super::*;

    /// `dkron_world` with the pods relabelled to the deployment's selector.
    pub fn world_with_pods(backends: &[SocketAddr], ready: bool) -> World {
        let mut world = dkron_world("joelclaw", backends);
        for pod in &mut world.pods {
            let labels = pod.metadata.labels.get_or_insert_with(Default::default);
            labels.insert("app.kubernetes.io/name".into(), "dkron".into());
            labels.insert("app.kubernetes.io/component".into(), "scheduler".into());
            if !ready {
                let status = pod.status.get_or_insert_with(Default::default);
                status.phase = Some("Pending".into());
                status.conditions = None;
            }
        }
        world
    }

    #[test]
    fn a_rollout_that_never_comes_names_the_pod_and_its_last_event() {
        let refused = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let mut world = world_with_pods(&[refused], false);
        let event = |reason: &str, message: &str, seconds: i64| Event {
            metadata: ObjectMeta {
                name: Some(format!("dkron-0.{reason}")),
                namespace: Some("joelclaw".into()),
                ..ObjectMeta::default()
            },
            involved_object: ObjectReference {
                kind: Some("Pod".into()),
                name: Some("dkron-0".into()),
                namespace: Some("joelclaw".into()),
                ..ObjectReference::default()
            },
            reason: Some(reason.into()),
            message: Some(message.into()),
            last_timestamp: Some(Time(
                k8s_openapi::jiff::Timestamp::from_second(1_795_000_000 + seconds).unwrap(),
            )),
            ..Event::default()
        };
        world.events = vec![
            event("Scheduled", "assigned to node-1", 0),
            event(
                "Failed",
                "Failed to pull image \"dkron/dkron:4.0.9\": not found",
                10,
            ),
        ];
        let cluster = FakeCluster::start(world, Options::default());
        let (code, envelope) = run_json(&mut cluster.cron(&["install", "--wait-timeout", "3"]));
        assert_eq!(code, 1, "{envelope:#}");
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_INSTALL_TIMEOUT");
        let message = envelope["error"]["message"].as_str().unwrap();
        for expected in [
            "0/1 ready",
            "pod dkron-0 is Pending",
            "Failed: Failed to pull image",
        ] {
            assert!(
                message.contains(expected),
                "missing {expected:?} in {message}"
            );
        }
        // Every object was applied before the wait.
        assert!(
            envelope["result"]["objects"]
                .as_array()
                .unwrap()
                .iter()
                .all(|o| o["error"].is_null())
        );
    }

    /// Against the stack's real Dkron behind the fake pods: the leader wait goes through the tunnel.
    mod live {
        use super::*;
        use crate::support::stack;

        #[test]
        fn install_applies_with_server_side_apply_and_waits_for_a_leader() {
            let stack = stack();
            let cluster = FakeCluster::start(
                world_with_pods(&[stack.dkron_addr()], true),
                Options::default(),
            );
            let (code, envelope) =
                run_json(&mut cluster.cron(&["install", "--wait-timeout", "30"]));
            assert_eq!(code, 0, "{envelope:#}");
            let result = &envelope["result"];
            assert_eq!(result["rollout"]["readyReplicas"], 1);
            assert_eq!(
                result["rollout"]["leader"], "stack",
                "Dkron's own node name, via the tunnel"
            );
            let objects: Vec<(String, String)> = result["objects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    (
                        o["object"].as_str().unwrap().into(),
                        o["action"].as_str().unwrap().into(),
                    )
                })
                .collect();
            assert_eq!(objects.len(), 7, "{objects:?}");
            assert!(objects.contains(&("Role/joelclaw-cron".into(), "create".into())));
            // The fixture already had dkron-svc and the StatefulSet: they are updated, not recreated.
            assert!(objects.contains(&("StatefulSet/dkron".into(), "update".into())));
            let applies = cluster.fake.applies();
            assert_eq!(applies.len(), 7);
            for apply in &applies {
                assert_eq!(apply.field_manager, "joelclaw", "{}", apply.path);
                assert!(
                    apply.content_type.starts_with("application/apply-patch"),
                    "{}",
                    apply.content_type
                );
                assert!(!apply.dry_run && !apply.force, "{}", apply.path);
            }
            // Every object applied is the one `manifest` prints.
            let printed = manifest_documents(&[]);
            for apply in &applies {
                let kind = apply.body["kind"].as_str().unwrap();
                let name = apply.body["metadata"]["name"].as_str().unwrap();
                assert_eq!(&apply.body, document(&printed, kind, name), "{kind}/{name}");
            }

            // A dry run right after: nothing would change, and nothing is stored.
            let (code, dry) = run_json(&mut cluster.cron(&["install", "--dry-run"]));
            assert_eq!(code, 0, "{dry:#}");
            assert!(
                dry["result"]["objects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|o| o["action"] == "unchanged"),
                "{dry:#}"
            );
            assert!(
                cluster.fake.applies()[7..]
                    .iter()
                    .all(|apply| apply.dry_run)
            );
            // Three replicas: the StatefulSet changes and a PodDisruptionBudget appears.
            let (code, three) =
                run_json(&mut cluster.cron(&["install", "--dry-run", "--replicas", "3"]));
            assert_eq!(code, 0, "{three:#}");
            let objects = three["result"]["objects"].as_array().unwrap();
            let set = objects
                .iter()
                .find(|o| o["object"] == "StatefulSet/dkron")
                .unwrap();
            assert_eq!(set["action"], "update");
            let changes: Vec<&str> = set["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap())
                .collect();
            assert!(changes.contains(&"spec.replicas"), "{changes:?}");
            let pdb = objects
                .iter()
                .find(|o| o["object"] == "PodDisruptionBudget/dkron")
                .unwrap();
            assert_eq!(pdb["action"], "create");
            let stored = cluster.fake.world();
            assert_eq!(
                stored.stateful_sets[0].spec.replicas,
                Some(1),
                "a dry run stores nothing"
            );
        }
    }
}
