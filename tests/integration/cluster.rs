//! Real Dkron servers of a test's own on loopback: a 1- or 3-node Raft cluster from the stack's
//! binary, with each node's log kept for diagnosis, and nodes that can be killed (SIGKILL),
//! frozen (SIGSTOP) and started again on the same ports and data directory.

use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::free_port;

/// A real Dkron cluster on loopback.
pub struct DkronCluster {
    nodes: Vec<Option<Child>>,
    commands: Vec<Vec<String>>,
    pub http: Vec<SocketAddr>,
    data: tempfile::TempDir,
    binary: String,
}

impl Drop for DkronCluster {
    fn drop(&mut self) {
        for index in 0..self.nodes.len() {
            // A frozen node cannot die of SIGKILL until it is continued.
            self.signal(index, "-CONT");
            if let Some(mut node) = self.nodes[index].take() {
                crate::support::kill_group(&mut node);
            }
        }
    }
}

impl DkronCluster {
    /// Starts `size` servers and waits for a leader. Free ports are picked, released and then
    /// bound by Dkron, so another process can take one in between; a cluster that elects no leader
    /// within 75 s is started again on fresh ports (once), and its nodes' logs are shown if the
    /// second attempt fails too.
    pub fn start(size: usize) -> Self {
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
        let mut commands = Vec::new();
        for index in 0..size {
            let mut args = vec![
                "agent".to_string(),
                "--server".to_string(),
                format!("--bootstrap-expect={size}"),
                format!("--node-name=dkron-{index}"),
                format!(
                    "--data-dir={}",
                    data.path().join(index.to_string()).display()
                ),
                format!("--bind-addr=127.0.0.1:{}", serf[index]),
                format!("--advertise-addr=127.0.0.1:{}", serf[index]),
                format!("--http-addr={}", http[index]),
                format!("--rpc-port={}", free_port()),
                "--disable-usage-stats".to_string(),
            ];
            for (peer, port) in serf.iter().enumerate() {
                if peer != index {
                    args.push(format!("--retry-join=127.0.0.1:{port}"));
                }
            }
            commands.push(args);
        }
        let mut cluster = Self {
            nodes: (0..size).map(|_| None).collect(),
            commands,
            http,
            data,
            binary,
        };
        for index in 0..size {
            cluster.launch(index);
        }
        cluster
    }

    fn launch(&mut self, index: usize) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data.path().join(format!("{index}.log")))
            .unwrap();
        let child = Command::new(&self.binary)
            .args(&self.commands[index])
            .stdout(Stdio::null())
            .stderr(log)
            // Its own group, so a kill takes its executor plugins with it.
            .process_group(0)
            .spawn()
            .unwrap();
        self.nodes[index] = Some(child);
    }

    /// SIGKILL: the node dies with whatever it had not written.
    pub fn kill(&mut self, index: usize) {
        if let Some(mut node) = self.nodes[index].take() {
            crate::support::kill_group(&mut node);
        }
    }

    /// Starts a killed node again, on the same ports and data directory.
    pub fn restart(&mut self, index: usize) {
        assert!(self.nodes[index].is_none(), "kill the node first");
        self.launch(index);
    }

    /// Sends a signal (`-STOP`, `-CONT`) to a node.
    pub fn signal(&self, index: usize, which: &str) {
        if let Some(node) = &self.nodes[index] {
            let _ = Command::new("kill")
                .args([which, &node.id().to_string()])
                .status();
        }
    }

    pub fn url(&self, index: usize) -> String {
        format!("http://{}", self.http[index])
    }

    /// The last lines each node logged.
    pub fn logs(&self) -> String {
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
    pub fn leader(&self) -> Option<usize> {
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
