//! The Dkron deployment: `manifest` output (committed as k8s/dkron.yaml), its agent command line run
//! against the real Dkron binary as a non-root user, the operator RBAC checked against the requests
//! the CLI really makes, and `install` against the fake apiserver.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

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

    /// A data volume as `fsGroup` leaves it: owned by root, group-writable by the pod's group.
    fn fs_group_volume(data: &Path, index: usize) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let data_dir = data.join(format!("node-{index}"));
        std::fs::create_dir_all(&data_dir).unwrap();
        std::os::unix::fs::chown(&data_dir, Some(0), Some(NON_ROOT)).unwrap();
        std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o2775)).unwrap();
        data_dir
    }

    fn start(binary: &Path, data: &Path, args: &[String], serf: &[u16], index: usize) -> Node {
        let data_dir = fs_group_volume(data, index);
        start_on(binary, data, &data_dir, args, serf, index, Stdio::null())
    }

    /// Starts node `index` as the non-root user on `data_dir`, its stderr to `stderr`.
    fn start_on(
        binary: &Path,
        data: &Path,
        data_dir: &Path,
        args: &[String],
        serf: &[u16],
        index: usize,
        stderr: Stdio,
    ) -> Node {
        let http = SocketAddr::from(([127, 0, 0, 1], free_port()));
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
            .stderr(stderr)
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
        let (code, envelope) = run_json(&mut cron(&["status", "--base-url", &base]));
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
        let dir = dir_for_non_root();
        let binary = executable_copy(dir.path());
        let args = rendered_agent_args("3");
        let serf: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let nodes: Vec<Node> = (0..3)
            .map(|index| start(&binary, dir.path(), &args, &serf, index))
            .collect();
        let leaders = wait_for("one leader among three", Duration::from_secs(90), || {
            let leaders: Vec<usize> = nodes
                .iter()
                .enumerate()
                .filter(|(_, node)| {
                    get(node.http, "/v1/isleader").is_some_and(|(status, _)| status == 200)
                })
                .map(|(index, _)| index)
                .collect();
            (leaders.len() == 1).then_some(leaders)
        });
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
    /// The init container as rendered: its command (with the volume's mount path replaced by
    /// `volume`), and `setpriv` flags that give the process exactly the user, capabilities and
    /// no-new-privileges its securityContext asks for (a container runtime sets the bounding,
    /// permitted and effective sets to the added capabilities; for uid 0 an exec keeps them).
    fn rendered_init(volume: &Path) -> Command {
        let documents = manifest_documents(&[]);
        let set = document(&documents, "StatefulSet", "dkron");
        let init = &set["spec"]["template"]["spec"]["initContainers"][0];
        assert_eq!(init["name"], "volume-permissions");
        let mount = init["volumeMounts"][0]["mountPath"].as_str().unwrap();
        let command: Vec<String> = init["command"]
            .as_array()
            .unwrap()
            .iter()
            .map(|part| {
                part.as_str()
                    .unwrap()
                    .replace(mount, volume.to_str().unwrap())
            })
            .collect();
        let security = &init["securityContext"];
        assert_eq!(security["capabilities"]["drop"], json!(["ALL"]));
        let capabilities: String = security["capabilities"]["add"]
            .as_array()
            .unwrap()
            .iter()
            .map(|cap| format!(",+{}", cap.as_str().unwrap().to_lowercase()))
            .collect();
        let mut setpriv = Command::new("setpriv");
        setpriv.args([
            format!("--reuid={}", security["runAsUser"]),
            format!("--regid={}", security["runAsGroup"]),
            "--clear-groups".to_string(),
            "--inh-caps=-all".to_string(),
            format!("--bounding-set=-all{capabilities}"),
        ]);
        if security["allowPrivilegeEscalation"] == false {
            setpriv.arg("--no-new-privs");
        }
        setpriv.args(&command);
        setpriv
    }

    /// Sets a command's user and capabilities by hand (`setpriv` flags before the command).
    fn with_privileges(init: &Command, flags: &[&str]) -> Command {
        let rendered: Vec<_> = init.get_args().collect();
        // The rendered command follows the setpriv flags: `/bin/sh -c SCRIPT`.
        let command = &rendered[rendered.len() - 3..];
        let mut setpriv = Command::new("setpriv");
        setpriv.args(flags).args(command);
        setpriv
    }

    /// What a Dkron that once ran as root leaves on a local-path volume: everything root's.
    fn root_owned_volume(dir: &Path) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let volume = dir.join("volume");
        std::fs::create_dir_all(volume.join("raft/snapshots")).unwrap();
        std::fs::write(volume.join("raft/raft.db"), b"").unwrap();
        std::fs::set_permissions(
            volume.join("raft/raft.db"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        for path in [
            &volume,
            &volume.join("raft"),
            &volume.join("raft/snapshots"),
        ] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        volume
    }

    fn owners(volume: &Path) -> Vec<(String, u32, u32)> {
        use std::os::unix::fs::MetadataExt;
        let mut found = Vec::new();
        let mut pending = vec![volume.to_path_buf()];
        while let Some(path) = pending.pop() {
            let metadata = std::fs::symlink_metadata(&path).unwrap();
            found.push((path.display().to_string(), metadata.uid(), metadata.gid()));
            if metadata.is_dir() {
                pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            }
        }
        found
    }

    #[test]
    fn the_rendered_init_container_hands_a_root_owned_volume_to_the_non_root_agent() {
        let _extra = crate::support::extra_dkron_lock();
        let dir = dir_for_non_root();
        let binary = executable_copy(dir.path());
        let volume = root_owned_volume(dir.path());
        let args = rendered_agent_args("1");
        // Two runs of node 0's command line, each on its own ports.
        let serf = [free_port(), free_port()];

        // Without the init container: the failure of the reference deployment.
        let log = dir.path().join("without-init.log");
        let mut node = start_on(
            &binary,
            dir.path(),
            &volume,
            &args,
            &serf,
            0,
            std::fs::File::create(&log).unwrap().into(),
        );
        let exit = wait_for("the agent to give up", Duration::from_secs(60), || {
            node.child.try_wait().unwrap()
        });
        assert!(!exit.success());
        let said = std::fs::read_to_string(&log).unwrap();
        assert!(said.contains("permission denied"), "{said}");

        let init = rendered_init(&volume);
        // Narrowest privilege: root without CAP_CHOWN cannot do it, and neither can a non-root
        // user granted CAP_CHOWN (a runtime sets no ambient capabilities, so exec drops it).
        let (code, _, stderr) = run(&mut with_privileges(
            &init,
            &[
                "--reuid=0",
                "--regid=0",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--no-new-privs",
            ],
        ));
        assert_ne!(code, 0, "chown needs CAP_CHOWN");
        assert!(stderr.contains("Operation not permitted"), "{stderr}");
        let non_root = format!("--reuid={NON_ROOT}");
        let (code, _, _) = run(&mut with_privileges(
            &init,
            &[
                &non_root,
                "--regid=65532",
                "--clear-groups",
                "--inh-caps=+chown",
                "--bounding-set=-all,+chown",
                "--no-new-privs",
            ],
        ));
        assert_ne!(code, 0, "a non-root user keeps no capability across exec");
        assert!(owners(&volume).iter().all(|(_, uid, _)| *uid == 0));

        // As rendered: uid 0, CAP_CHOWN only, no new privileges.
        let (code, _, stderr) = run(&mut rendered_init(&volume));
        assert_eq!(code, 0, "{stderr}");
        let owned = owners(&volume);
        assert!(
            owned
                .iter()
                .all(|(_, uid, gid)| (*uid, *gid) == (NON_ROOT, NON_ROOT)),
            "{owned:?}"
        );

        // Now the agent runs as the non-root user on that volume, and a restart's init is a no-op.
        let node = start_on(&binary, dir.path(), &volume, &args, &serf, 1, Stdio::null());
        wait_for("the agent to lead", Duration::from_secs(60), || {
            get(node.http, "/v1/isleader").filter(|(status, _)| *status == 200)
        });
        assert_leader_known(&node);
        drop(node);
        assert!(owners(&volume).iter().all(|(_, uid, _)| *uid == NON_ROOT));
        let (code, _, stderr) = run(&mut rendered_init(&volume));
        assert_eq!(code, 0, "the init of a restart: {stderr}");
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
