//! Through the Kubernetes tunnel: the real binary, a kubeconfig pointing at the in-process fake
//! apiserver + kubelet (`joelclaw-fake-kube`, TLS and bearer token, the real v4 port-forward
//! protocol), and behind its pods the real Dkron of the stack (or a real 3-node Dkron cluster).

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use joelclaw_fake_kube::{Options, World, dkron_world};
use k8s_openapi::api::core::v1::{Pod, PodCondition};
use serde_json::Value;

use crate::support::{FakeCluster, cron, free_port, repo_root, run, run_json, stack, wait_for};

const NAMESPACE: &str = "joelclaw";

/// A loopback address where nothing listens.
fn refused_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn set_ready(pod: &mut Pod, ready: bool) {
    let status = pod.status.get_or_insert_with(Default::default);
    status.conditions = Some(vec![PodCondition {
        type_: "Ready".into(),
        status: if ready { "True" } else { "False" }.into(),
        ..PodCondition::default()
    }]);
}

#[test]
fn every_cron_command_works_through_the_tunnel() {
    let stack = stack();
    let cluster = FakeCluster::start(
        dkron_world(NAMESPACE, &[stack.dkron_addr()]),
        Options::default(),
    );
    let shipped = repo_root().join("tier1.toml");
    let shipped = shipped.to_str().unwrap();
    let ingress = stack.restate_ingress.as_str();

    let (code, status) = run_json(&mut cluster.cron(&["status"]));
    assert_eq!(code, 0, "{status:#}");
    let result = &status["result"];
    assert_eq!(result["accessMode"], "tunnel");
    assert_eq!(result["tunnel"]["context"], "fake");
    assert_eq!(result["tunnel"]["pod"], "dkron-0");
    assert_eq!(result["tunnel"]["podPort"], 8080);
    assert_eq!(result["tunnel"]["servicePort"], "http:8080");
    assert_eq!(result["tunnel"]["via"], "endpointslices");
    assert_eq!(result["kubernetes"]["statefulSet"]["desiredReplicas"], 1);
    assert_eq!(result["kubernetes"]["statefulSet"]["readyReplicas"], 1);
    assert_eq!(result["kubernetes"]["service"]["type"], "ClusterIP");
    assert_eq!(result["kubernetes"]["pods"][0]["ready"], true);
    assert_eq!(result["healthy"], true);

    let (code, sync) =
        run_json(&mut cluster.cron(&["sync-tier1", "--file", shipped, "--restate-url", ingress]));
    assert_eq!(code, 0, "{sync:#}");
    assert_eq!(sync["result"]["writes"], 5);
    let (code, list) = run_json(&mut cluster.cron(&["list"]));
    assert_eq!(code, 0);
    assert_eq!(list["result"]["jobs"].as_array().unwrap().len(), 5);
    let (code, health) = run_json(&mut cluster.cron(&[
        "enable-health",
        "--file",
        shipped,
        "--restate-url",
        ingress,
        "--run-now",
    ]));
    assert_eq!(code, 0, "{health:#}");
    assert_eq!(health["result"]["jobs"][0]["run"]["ok"], true);
    let (code, created) = run_json(&mut cluster.cron(&[
        "create",
        "--name",
        "tunnelled",
        "--schedule",
        "@every 1h",
        "--service",
        "s",
        "--handler",
        "h",
        "--disabled",
        "--restate-url",
        ingress,
    ]));
    assert_eq!(code, 0, "{created:#}");
    // `create` writes into the set `manual`.
    let (code, deleted) = run_json(&mut cluster.cron(&["delete", "tunnelled", "--set", "manual"]));
    assert_eq!(code, 0, "{deleted:#}");
    assert!(stack.job("tunnelled").is_none());
    let (code, check) = run_json(&mut cluster.cron(&[
        "sync-tier1",
        "--file",
        shipped,
        "--restate-url",
        ingress,
        "--check",
    ]));
    assert_eq!(code, 0, "{check:#}");

    // Every request went through the apiserver with the kubeconfig's token, and each
    // port-forward negotiated v4.
    let requests = cluster.fake.requests();
    assert!(requests.iter().all(|request| request.status != 401));
    let upgrades: Vec<_> = requests
        .iter()
        .filter(|request| request.websocket_upgrade)
        .collect();
    assert!(!upgrades.is_empty());
    assert!(
        upgrades
            .iter()
            .all(|upgrade| upgrade.negotiated_protocol.as_deref() == Some("v4.channel.k8s.io"))
    );
}

#[test]
fn named_target_ports_resolve_with_and_without_endpoint_slices() {
    let stack = stack();
    let mut world = dkron_world(NAMESPACE, &[stack.dkron_addr()]);
    // The container port is 8080 named "http"; the Service port is 80 -> targetPort "http".
    for service in &mut world.services {
        if let Some(ports) = service.spec.as_mut().and_then(|spec| spec.ports.as_mut()) {
            for port in ports
                .iter_mut()
                .filter(|port| port.name.as_deref() == Some("http"))
            {
                port.port = 80;
            }
        }
    }
    let cluster = FakeCluster::start(world, Options::default());
    let (code, status) = run_json(&mut cluster.cron(&["status", "--service-port", "http"]));
    assert_eq!(code, 0, "{status:#}");
    assert_eq!(status["result"]["tunnel"]["servicePort"], "http:80");
    assert_eq!(status["result"]["tunnel"]["podPort"], 8080);
    assert_eq!(status["result"]["tunnel"]["via"], "endpointslices");

    // Without EndpointSlices: the selector path looks the name up in the pod.
    cluster.fake.update(|world| world.endpoint_slices.clear());
    let (code, status) = run_json(&mut cluster.cron(&["status", "--service-port", "80"]));
    assert_eq!(code, 0, "{status:#}");
    assert_eq!(status["result"]["tunnel"]["via"], "selector");
    assert_eq!(status["result"]["tunnel"]["podPort"], 8080);
}

#[test]
fn pods_that_are_not_ready_are_skipped_on_both_paths() {
    let stack = stack();
    let mut world = dkron_world(NAMESPACE, &[refused_addr(), stack.dkron_addr()]);
    set_ready(&mut world.pods[0], false);
    for slice in &mut world.endpoint_slices {
        for endpoint in slice.endpoints.iter_mut().flatten() {
            let is_first =
                endpoint.target_ref.as_ref().and_then(|r| r.name.as_deref()) == Some("dkron-0");
            if is_first {
                endpoint
                    .conditions
                    .get_or_insert_with(Default::default)
                    .ready = Some(false);
            }
        }
    }
    let cluster = FakeCluster::start(world, Options::default());
    let (code, listed) = run_json(&mut cluster.cron(&["list"]));
    assert_eq!(code, 0, "{listed:#}");
    assert_eq!(listed["result"]["tunnel"]["pod"], "dkron-1");
    assert_eq!(listed["result"]["tunnel"]["readyPods"], 1);
    assert_eq!(cluster.upgrades_to("dkron-0"), 0);

    cluster.fake.update(|world| world.endpoint_slices.clear());
    let (code, listed) = run_json(&mut cluster.cron(&["list"]));
    assert_eq!(code, 0, "{listed:#}");
    assert_eq!(listed["result"]["tunnel"]["via"], "selector");
    assert_eq!(listed["result"]["tunnel"]["pod"], "dkron-1");
}

#[test]
fn a_forbidden_port_forward_names_the_missing_verbs() {
    let stack = stack();
    let options = Options {
        forbid_portforward: true,
        ..Options::default()
    };
    let cluster = FakeCluster::start(dkron_world(NAMESPACE, &[stack.dkron_addr()]), options);
    let (code, envelope) = run_json(&mut cluster.cron(&["list"]));
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
    let (code, _, stderr) = run(&mut cluster.cron(&["list"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("context `fake`"), "{stderr}");

    let options = Options {
        forbidden_resources: vec!["services".into()],
        ..Options::default()
    };
    let cluster = FakeCluster::start(dkron_world(NAMESPACE, &[stack.dkron_addr()]), options);
    let (code, envelope) = run_json(&mut cluster.cron(&["list"]));
    assert_eq!(code, 1);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_KUBE_FORBIDDEN");
    assert!(
        envelope["error"]["message"]
            .as_str()
            .unwrap()
            .contains("get service dkron-svc")
    );
}

#[test]
fn a_missing_service_or_namespace_is_named_with_the_context() {
    let stack = stack();
    let cluster = FakeCluster::start(
        dkron_world(NAMESPACE, &[stack.dkron_addr()]),
        Options::default(),
    );
    let (code, envelope) = run_json(&mut cluster.cron(&["list", "--service-name", "nope"]));
    assert_eq!(code, 1);
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_SERVICE_NOT_FOUND");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("service nope")
            && message.contains("namespace joelclaw")
            && message.contains("`fake`"),
        "{message}"
    );
    let (code, envelope) = run_json(&mut cluster.cron(&["list", "--namespace", "elsewhere"]));
    assert_eq!(code, 1);
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
}

#[test]
fn the_kubelets_error_channel_text_reaches_the_user() {
    let _stack = stack();
    let cluster = FakeCluster::start(
        dkron_world(NAMESPACE, &[refused_addr()]),
        Options::default(),
    );
    let (code, envelope) = run_json(&mut cluster.cron(&["list"]));
    assert_eq!(code, 1, "{envelope:#}");
    assert_eq!(envelope["error"]["code"], "RESTATE_CRON_TUNNEL_FAILED");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("dkron-0") && message.contains("8080"),
        "{message}"
    );
    assert!(
        message.contains("refused"),
        "the kubelet's words are kept: {message}"
    );
}

#[test]
fn a_pod_replaced_mid_command_is_re_resolved() {
    let stack = stack();
    let backend = stack.dkron_addr();
    let cluster = FakeCluster::start(dkron_world(NAMESPACE, &[backend]), Options::default());
    // Right after the command's first port-forward is up, its pod goes away (the stream closes)
    // and a pod with another name takes its place behind the Service.
    let replacement = rename_pod(dkron_world(NAMESPACE, &[backend]), "dkron-0", "dkron-7");
    cluster
        .fake
        .after_upgrade(1, move |world| *world = replacement);
    let shipped = repo_root().join("tier1.toml");
    let (code, envelope) = run_json(&mut cluster.cron(&[
        "sync-tier1",
        "--file",
        shipped.to_str().unwrap(),
        "--restate-url",
        "http://restate:8080",
    ]));
    assert_eq!(code, 0, "{envelope:#}");
    assert_eq!(envelope["result"]["counts"]["failed"], 0);
    assert_eq!(envelope["result"]["writes"], 5);
    assert_eq!(
        cluster.upgrades_to("dkron-0"),
        2,
        "the first stream, then a 404 for the gone pod"
    );
    assert!(
        cluster.upgrades_to("dkron-7") >= 1,
        "later connections went to the new pod"
    );
    let gone = cluster
        .fake
        .requests()
        .into_iter()
        .filter(|request| request.path.ends_with("/pods/dkron-0/portforward"))
        .map(|request| request.status)
        .collect::<Vec<_>>();
    assert_eq!(gone, [101, 404]);
}

/// The same world with one pod renamed (a Deployment-style replacement).
fn rename_pod(mut world: World, from: &str, to: &str) -> World {
    for pod in &mut world.pods {
        if pod.metadata.name.as_deref() == Some(from) {
            pod.metadata.name = Some(to.to_string());
        }
    }
    for slice in &mut world.endpoint_slices {
        for endpoint in slice.endpoints.iter_mut().flatten() {
            if let Some(reference) = endpoint
                .target_ref
                .as_mut()
                .filter(|r| r.name.as_deref() == Some(from))
            {
                reference.name = Some(to.to_string());
            }
        }
    }
    world.backends = world
        .backends
        .into_iter()
        .map(|((namespace, pod, port), addr)| {
            let pod = if pod == from { to.to_string() } else { pod };
            ((namespace, pod, port), addr)
        })
        .collect::<HashMap<_, _>>();
    world
}

/// A real 3-node Dkron cluster on loopback.
struct DkronCluster {
    nodes: Vec<Child>,
    pub http: Vec<SocketAddr>,
    data: tempfile::TempDir,
}

impl Drop for DkronCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            let _ = node.kill();
            let _ = node.wait();
        }
    }
}

impl DkronCluster {
    /// Starts `size` servers and waits for a leader. Free ports are picked, released and then
    /// bound by Dkron, so another process can take one in between; a cluster that elects no leader
    /// within 75 s is started again on fresh ports (once), and its nodes' logs are shown if the
    /// second attempt fails too.
    fn start(size: usize) -> Self {
        let _extra = crate::support::extra_dkron_lock();
        let mut last_logs = String::new();
        for attempt in 1..=2 {
            let cluster = Self::spawn(size);
            // A node that starts before its peers listen retries its join after Dkron's 30 s.
            let deadline = Instant::now() + Duration::from_secs(75);
            while Instant::now() < deadline {
                if cluster.leader().is_some() {
                    eprintln!("{size}-node Dkron cluster has a leader (attempt {attempt})");
                    return cluster;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            last_logs = cluster.logs();
        }
        panic!("no leader in the {size}-node Dkron cluster after two attempts:\n{last_logs}");
    }

    fn spawn(size: usize) -> Self {
        let binary = std::env::var("JOELCLAW_TEST_DKRON_BIN")
            .expect("JOELCLAW_TEST_DKRON_BIN is not set: run scripts/test (it starts the stack)");
        let data = tempfile::tempdir().unwrap();
        let serf: Vec<u16> = (0..size).map(|_| free_port()).collect();
        let http: Vec<SocketAddr> = (0..size)
            .map(|_| SocketAddr::from(([127, 0, 0, 1], free_port())))
            .collect();
        let mut nodes = Vec::new();
        for index in 0..size {
            let log = std::fs::File::create(data.path().join(format!("{index}.log"))).unwrap();
            let mut command = Command::new(&binary);
            command
                .arg("agent")
                .arg("--server")
                .arg(format!("--bootstrap-expect={size}"))
                .arg(format!("--node-name=dkron-{index}"))
                .arg(format!(
                    "--data-dir={}",
                    data.path().join(index.to_string()).display()
                ))
                .arg(format!("--bind-addr=127.0.0.1:{}", serf[index]))
                .arg(format!("--advertise-addr=127.0.0.1:{}", serf[index]))
                .arg(format!("--http-addr={}", http[index]))
                .arg(format!("--rpc-port={}", free_port()))
                .arg("--disable-usage-stats")
                .stdout(Stdio::null())
                .stderr(log);
            for (peer, port) in serf.iter().enumerate() {
                if peer != index {
                    command.arg(format!("--retry-join=127.0.0.1:{port}"));
                }
            }
            nodes.push(command.spawn().unwrap());
        }
        Self { nodes, http, data }
    }

    /// The last lines each node logged.
    fn logs(&self) -> String {
        (0..self.nodes.len())
            .map(|index| {
                let text = std::fs::read_to_string(self.data.path().join(format!("{index}.log")))
                    .unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(15).collect();
                format!(
                    "--- dkron-{index} ---\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The index of the node that answers 200 to /v1/isleader.
    fn leader(&self) -> Option<usize> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        self.http.iter().position(|addr| {
            client
                .get(format!("http://{addr}/v1/isleader"))
                .send()
                .is_ok_and(|response| response.status() == 200)
        })
    }
}

#[test]
fn writes_and_read_backs_go_to_the_raft_leader_of_three() {
    let _stack = stack();
    let dkron = DkronCluster::start(3);
    let leader = dkron.leader().unwrap();
    let cluster = FakeCluster::start(dkron_world(NAMESPACE, &dkron.http), Options::default());
    let shipped = repo_root().join("tier1.toml");
    let (code, sync) = run_json(&mut cluster.cron(&[
        "sync-tier1",
        "--file",
        shipped.to_str().unwrap(),
        "--restate-url",
        "http://restate:8080",
    ]));
    assert_eq!(code, 0, "{sync:#}");
    let tunnel = &sync["result"]["tunnel"];
    assert_eq!(tunnel["pod"], format!("dkron-{leader}"), "{tunnel:#}");
    assert_eq!(tunnel["leaderProbe"]["probed"], 3);
    assert_eq!(tunnel["leaderProbe"]["leader"], format!("dkron-{leader}"));
    assert_eq!(
        sync["result"]["counts"]["failed"], 0,
        "every read-back matched: {sync:#}"
    );
    // The jobs are on the leader, and the second sync (also through the leader) writes nothing.
    let on_leader: Value = reqwest::blocking::get(format!("http://{}/v1/jobs", dkron.http[leader]))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(on_leader.as_array().unwrap().len(), 5);
    let (code, again) = run_json(&mut cluster.cron(&[
        "sync-tier1",
        "--file",
        shipped.to_str().unwrap(),
        "--restate-url",
        "http://restate:8080",
    ]));
    assert_eq!(code, 0);
    assert_eq!(again["result"]["writes"], 0);
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
    let cluster = FakeCluster::start(
        dkron_world(NAMESPACE, &[stack.dkron_addr()]),
        Options::default(),
    );

    // Normal exit: the tunnel's port is closed once the command is done.
    let (code, listed) = run_json(&mut cluster.cron(&["list"]));
    assert_eq!(code, 0);
    let port = listed["result"]["tunnel"]["localPort"].as_u64().unwrap() as u16;
    assert!(!listening(port), "port {port} still listening after exit");

    // Ctrl-C and SIGTERM: `dashboard` holds the tunnel until either, with no child process, and
    // leaves nothing listening.
    for signal in ["-INT", "-TERM"] {
        let port = free_port();
        let mut dashboard = cluster
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

    // A signal in the middle of an ordinary command ends it (exit 1, "interrupted") without a
    // trace: the fake apiserver stalls the tunnel so the command is still running when it lands.
    let slow = FakeCluster::start(
        dkron_world(NAMESPACE, &[stack.dkron_addr()]),
        Options {
            latency: Duration::from_secs(30),
            ..Options::default()
        },
    );
    let mut list = slow
        .cron(&["list", "--timeout", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The fake answers nothing for 30 s; a second is ample for the CLI to be waiting on it.
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        list.try_wait().unwrap().is_none(),
        "the command is still running"
    );
    Command::new("kill")
        .args(["-TERM", &list.id().to_string()])
        .status()
        .unwrap();
    let output = list.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));
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

#[test]
fn the_operator_role_grants_exactly_what_the_cli_requests() {
    let stack = stack();
    let cluster = FakeCluster::start(
        dkron_world(NAMESPACE, &[stack.dkron_addr()]),
        Options::default(),
    );
    let shipped = repo_root().join("tier1.toml");
    let shipped = shipped.to_str().unwrap();
    let ingress = stack.restate_ingress.as_str();
    for args in [
        vec!["status"],
        vec!["list", "--all"],
        vec![
            "sync-tier1",
            "--file",
            shipped,
            "--restate-url",
            ingress,
            "--prune",
        ],
        vec![
            "enable-health",
            "--file",
            shipped,
            "--restate-url",
            ingress,
            "--run-now",
        ],
        vec![
            "create",
            "--name",
            "rbac-probe",
            "--schedule",
            "@every 1h",
            "--service",
            "s",
            "--handler",
            "h",
        ],
        vec!["delete", "rbac-probe", "--set", "manual"],
    ] {
        let (code, envelope) = run_json(&mut cluster.cron(&args));
        assert_eq!(code, 0, "{args:?}: {envelope:#}");
    }
    // A Service without EndpointSlices exercises the selector fallback (pods list).
    cluster.fake.update(|world| world.endpoint_slices.clear());
    let (code, _) = run_json(&mut cluster.cron(&["list"]));
    assert_eq!(code, 0);

    let mut requested: Vec<(String, String)> = cluster
        .fake
        .requests()
        .iter()
        .filter(|request| !request.resource.is_empty())
        // A WebSocket port-forward is authorized as `create` since Kubernetes 1.35, and as `get`
        // before: the Role grants both, so the request needs both.
        .flat_map(|request| {
            let mut verbs = vec![request.verb.clone()];
            if request.resource == "pods/portforward" {
                verbs.push("get".to_string());
            }
            verbs
                .into_iter()
                .map(|verb| (request.resource.clone(), verb))
                .collect::<Vec<_>>()
        })
        .collect();
    requested.sort();
    requested.dedup();
    let mut granted = crate::deploy::role_grants();
    granted.sort();
    assert_eq!(
        requested, granted,
        "the Role in `manifest` must grant exactly what the CLI requests"
    );
}
