//! The Dkron deployment: `manifest` output (committed as k8s/dkron.yaml); its init container's
//! command and its agent command line run on the real Dkron binary with the rendered user and
//! capabilities; and `install` against the real control plane. The operator RBAC is checked in
//! `tunnel` against the real authorizer.

use std::net::{SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use serde_json::json;

use crate::support::{cron, free_port, repo_root, run, run_json, snapshot, wait_for};

/// The documents `manifest` prints for these flags.
pub fn manifest_documents(flags: &[&str]) -> Vec<Value> {
    let (code, stdout, stderr) = run(&mut cron(&[&["manifest"], flags].concat()));
    assert_eq!(code, 0, "{stderr}");
    serde_saphyr::from_str_multiple(&stdout).expect("manifest prints YAML documents")
}

pub fn document<'a>(documents: &'a [Value], kind: &str, name: &str) -> &'a Value {
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
            crate::support::kill_group(&mut self.child);
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
        // Kept for the failure message: an election that never happens says why only here.
        let log = std::fs::File::create(data.join(format!("node-{index}.log"))).unwrap();
        start_on(binary, data, &data_dir, args, serf, index, Stdio::from(log))
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
            // Its own group, so a kill takes its executor plugins with it.
            .process_group(0)
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
                "no single leader among three after two attempts: {leaders:?}\n{}",
                (0..3)
                    .map(|index| {
                        let log =
                            std::fs::read_to_string(dir.path().join(format!("node-{index}.log")))
                                .unwrap_or_default();
                        let tail: Vec<&str> = log.lines().rev().take(15).collect();
                        format!(
                            "node {index}:\n{}",
                            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
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

/// `install` against the real control plane (`crate::plane`): real server-side apply with its field
/// managers, dry runs and conflicts, the real StatefulSet controller and scheduler placing pods on
/// the kwok node, and the events they write. `install` runs with the admin kubeconfig: it needs
/// more than the operator Role.
mod kube {
    use std::collections::BTreeMap;

    use super::*;
    use crate::plane::{Scene, plane};
    use crate::support::stack;

    /// `object -> action` of an install result.
    fn actions(envelope: &Value) -> BTreeMap<String, String> {
        envelope["result"]["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["object"].as_str().unwrap().to_string(),
                    o["action"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// Whether every field of `wanted` is in `stored` with the same value (the apiserver adds
    /// defaults and metadata; it must not drop or change what was applied).
    fn contains(stored: &Value, wanted: &Value) -> bool {
        match (stored, wanted) {
            (Value::Object(stored), Value::Object(wanted)) => wanted
                .iter()
                .all(|(key, value)| stored.get(key).is_some_and(|s| contains(s, value))),
            (Value::Array(stored), Value::Array(wanted)) => {
                stored.len() == wanted.len()
                    && stored.iter().zip(wanted).all(|(s, w)| contains(s, w))
            }
            _ => stored == wanted,
        }
    }

    fn scene_without_deployment(backends: Vec<SocketAddr>, volumes: bool) -> Scene {
        Scene {
            backends,
            deploy: false,
            volumes,
            manifest_flags: Vec::new(),
        }
    }

    #[test]
    fn a_rollout_that_cannot_schedule_names_the_pod_and_the_schedulers_event() {
        let refused = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        // No PersistentVolume for the claim: the real scheduler cannot place the pod.
        let namespace = plane().namespace(
            "install-unschedulable",
            scene_without_deployment(vec![refused], false),
        );
        let (code, envelope) =
            run_json(&mut namespace.cron_as_admin(&["install", "--wait-timeout", "6"]));
        assert_eq!(code, 1, "{envelope:#}");
        assert_eq!(envelope["error"]["code"], "RESTATE_CRON_INSTALL_TIMEOUT");
        let message = envelope["error"]["message"].as_str().unwrap();
        for expected in [
            "0/1 ready",
            "pod dkron-0 is Pending",
            "FailedScheduling",
            "unbound immediate PersistentVolumeClaims",
        ] {
            assert!(
                message.contains(expected),
                "missing {expected:?} in {message}"
            );
        }
        assert!(
            envelope["result"]["objects"]
                .as_array()
                .unwrap()
                .iter()
                .all(|o| o["error"].is_null()),
            "every object was applied before the wait"
        );
    }

    #[test]
    fn install_dry_runs_applies_scales_and_meets_a_conflicting_field_manager() {
        let stack = stack();
        // Volumes and port-forwards for three pods; nothing deployed yet.
        let namespace = plane().namespace(
            "install",
            scene_without_deployment(vec![stack.dkron_addr(); 3], true),
        );
        let sets = || {
            ::kube::Api::<k8s_openapi::api::apps::v1::StatefulSet>::namespaced(
                plane().admin.clone(),
                &namespace.name,
            )
        };
        let stored_set = || plane().block_on(sets().get_opt("dkron")).unwrap();

        // A dry run against an empty namespace: everything would be created, nothing is.
        let (code, dry) = run_json(&mut namespace.cron_as_admin(&["install", "--dry-run"]));
        assert_eq!(code, 0, "{dry:#}");
        let expected: Vec<String> = [
            "ServiceAccount/joelclaw-cron",
            "Role/joelclaw-cron",
            "RoleBinding/joelclaw-cron",
            "Service/dkron-peer",
            "Service/dkron-svc",
            "StatefulSet/dkron",
            "NetworkPolicy/dkron",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            actions(&dry).into_keys().collect::<Vec<_>>().len(),
            expected.len()
        );
        assert!(
            actions(&dry).values().all(|action| action == "create"),
            "{dry:#}"
        );
        assert!(stored_set().is_none(), "a dry run stores nothing");

        let (code, installed) =
            run_json(&mut namespace.cron_as_admin(&["install", "--wait-timeout", "60"]));
        assert_eq!(code, 0, "{installed:#}");
        assert!(
            actions(&installed)
                .values()
                .all(|action| action == "create")
        );
        assert_eq!(installed["result"]["rollout"]["readyReplicas"], 1);
        assert_eq!(
            installed["result"]["rollout"]["leader"], "stack",
            "Dkron's own node name, via the tunnel"
        );
        // Stored as printed, owned by field manager `joelclaw` through Apply.
        let printed = manifest_documents(&["--namespace", &namespace.name]);
        let set = serde_json::to_value(stored_set().unwrap()).unwrap();
        assert!(
            contains(&set, document(&printed, "StatefulSet", "dkron")),
            "{set:#}"
        );
        let managers: Vec<(String, String)> = set["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| {
                (
                    entry["manager"].as_str().unwrap().to_string(),
                    entry["operation"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert!(
            managers.contains(&("joelclaw".into(), "Apply".into())),
            "{managers:?}"
        );
        let applies: Vec<String> = plane()
            .audit()
            .into_iter()
            .filter(|event| {
                // The scene's own PortForward applies are not install's.
                event.verb == "patch"
                    && event.object_ref.as_ref().is_some_and(|object| {
                        object.namespace == namespace.name && object.api_group != "kwok.x-k8s.io"
                    })
            })
            .map(|event| event.request_uri)
            .collect();
        assert_eq!(applies.len(), 2 * expected.len(), "{applies:#?}");
        assert!(
            applies
                .iter()
                .all(|uri| uri.contains("fieldManager=joelclaw"))
        );
        assert_eq!(
            applies
                .iter()
                .filter(|uri| uri.contains("dryRun=All"))
                .count(),
            expected.len()
        );

        // A second dry run right after: real server-side apply finds nothing to change.
        let (code, again) = run_json(&mut namespace.cron_as_admin(&["install", "--dry-run"]));
        assert_eq!(code, 0, "{again:#}");
        assert!(
            actions(&again).values().all(|action| action == "unchanged"),
            "{again:#}"
        );

        // Three replicas: the StatefulSet would change and a PodDisruptionBudget appear.
        let (code, three) =
            run_json(&mut namespace.cron_as_admin(&["install", "--dry-run", "--replicas", "3"]));
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
        assert_eq!(actions(&three)["PodDisruptionBudget/dkron"], "create");
        assert_eq!(stored_set().unwrap().spec.replicas, Some(1));

        // Someone else takes spec.replicas (an autoscaler, a console): applying our value for it
        // is a conflict the apiserver names, and --force-conflicts takes it back.
        let scale = json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "dkron", "namespace": namespace.name},
            "spec": {"replicas": 3},
        });
        plane()
            .block_on(sets().patch(
                "dkron",
                &::kube::api::PatchParams::apply("ops-console").force(),
                &::kube::api::Patch::Apply(&scale),
            ))
            .unwrap();
        let (code, conflicted) = run_json(&mut namespace.cron_as_admin(&["install", "--no-wait"]));
        assert_eq!(code, 1, "{conflicted:#}");
        assert_eq!(conflicted["error"]["code"], "RESTATE_CRON_INSTALL_FAILED");
        let failed = conflicted["result"]["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["object"] == "StatefulSet/dkron")
            .unwrap();
        assert_eq!(failed["action"], "failed");
        let error = failed["error"].as_str().unwrap();
        assert!(
            error.contains("ops-console") && error.contains(".spec.replicas"),
            "{error}"
        );
        let (code, forced) = run_json(&mut namespace.cron_as_admin(&[
            "install",
            "--force-conflicts",
            "--wait-timeout",
            "60",
        ]));
        assert_eq!(code, 0, "{forced:#}");
        let owners: Vec<String> = serde_json::to_value(stored_set().unwrap()).unwrap()["metadata"]
            ["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|entry| entry["fieldsV1"]["f:spec"]["f:replicas"].is_object())
            .map(|entry| entry["manager"].as_str().unwrap().to_string())
            .collect();
        // (Had the value been the same, the two managers would simply share the field.)
        assert_eq!(
            owners,
            ["joelclaw"],
            "the forced apply took spec.replicas over"
        );

        // A changed replica count, for real: the StatefulSet controller adds two pods, the
        // scheduler binds them to the kwok node, and install waits for all three and a leader.
        let (code, scaled) = run_json(&mut namespace.cron_as_admin(&[
            "install",
            "--replicas",
            "3",
            "--wait-timeout",
            "60",
        ]));
        assert_eq!(code, 0, "{scaled:#}");
        assert_eq!(scaled["result"]["rollout"]["readyReplicas"], 3);
        assert_eq!(actions(&scaled)["StatefulSet/dkron"], "update");
        assert_eq!(actions(&scaled)["PodDisruptionBudget/dkron"], "create");
    }

    /// The pod the StatefulSet would create, as a server-side dry run into a namespace that
    /// enforces `level`: the real PodSecurity admission answers.
    fn admitted_under(level: &str, flags: &[&str]) -> Result<(), String> {
        let namespace = plane().namespace(
            &format!("pod-security-{level}"),
            scene_without_deployment(Vec::new(), false),
        );
        let label = json!({"metadata": {"labels": {"pod-security.kubernetes.io/enforce": level}}});
        plane()
            .block_on(
                ::kube::Api::<k8s_openapi::api::core::v1::Namespace>::all(plane().admin.clone())
                    .patch(
                        &namespace.name,
                        &::kube::api::PatchParams::default(),
                        &::kube::api::Patch::Merge(&label),
                    ),
            )
            .unwrap();
        let documents = manifest_documents(flags);
        let template = &document(&documents, "StatefulSet", "dkron")["spec"]["template"];
        let mut pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "dkron-0", "labels": template["metadata"]["labels"]},
            "spec": template["spec"],
        });
        // The StatefulSet controller adds the claim's volume to each pod it creates.
        pod["spec"]["volumes"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "data", "persistentVolumeClaim": {"claimName": "data-dkron-0"}}));
        let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(pod).unwrap();
        let dry_run = ::kube::api::PostParams {
            dry_run: true,
            ..Default::default()
        };
        plane()
            .block_on(
                ::kube::Api::<k8s_openapi::api::core::v1::Pod>::namespaced(
                    plane().admin.clone(),
                    &namespace.name,
                )
                .create(&dry_run, &pod),
            )
            .map(drop)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn the_pod_meets_pod_security_baseline_and_restricted_only_without_the_init_container() {
        assert_eq!(admitted_under("baseline", &[]), Ok(()));
        let refused = admitted_under("restricted", &[]).unwrap_err();
        assert!(
            refused.contains("violates PodSecurity \"restricted:latest\"")
                && refused.contains("volume-permissions"),
            "{refused}"
        );
        assert_eq!(
            admitted_under("restricted", &["--volume-permissions", "false"]),
            Ok(()),
            "the main container alone meets restricted"
        );
    }
}
