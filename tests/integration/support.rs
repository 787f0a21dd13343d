//! Shared test plumbing: running the real binary, the stack it talks to, snapshot filters, a
//! scripted HTTP server for the failures a real Dkron cannot be made to produce, and the fake
//! apiserver for those a real apiserver cannot (the real control plane is in `plane`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A fixed "now" so plans and relative times are deterministic where they come from our clock.
pub const NOW: &str = "2026-11-22T12:00:00Z";

/// The binary under test with a clean, deterministic environment.
pub fn joelclaw() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_joelclaw"));
    for variable in [
        "DKRON_URL",
        "RESTATE_ADMIN_URL",
        "JOELCLAW_TIER1",
        "RESTATE_INGRESS_URL",
        "NO_COLOR",
        "RUST_BACKTRACE",
        "KUBERNETES_SERVICE_HOST",
    ] {
        command.env_remove(variable);
    }
    // No ambient cluster: a test that wants one points KUBECONFIG at its own file.
    command.env("KUBECONFIG", "/nonexistent/joelclaw-test/kubeconfig");
    command.env("JOELCLAW_NOW", NOW);
    command
}

/// `joelclaw restate cron <args…>`
pub fn cron(args: &[&str]) -> Command {
    let mut command = joelclaw();
    command.args(["restate", "cron"]).args(args);
    command
}

/// Runs a command; returns its exit code, stdout and stderr.
pub fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().expect("the binary runs");
    (
        output.status.code().expect("exited normally"),
        String::from_utf8(output.stdout).expect("utf-8 stdout"),
        String::from_utf8(output.stderr).expect("utf-8 stderr"),
    )
}

/// Runs a `--json` command; returns its exit code and the parsed envelope.
pub fn run_json(command: &mut Command) -> (i32, Value) {
    command.arg("--json");
    let (code, stdout, stderr) = run(command);
    let envelope: Value = serde_json::from_str(&stdout).unwrap_or_else(|error| {
        panic!("stdout is not one JSON document ({error}):\n{stdout}\nstderr:\n{stderr}")
    });
    // Every command's envelope, in every test that reads one, is held to the typed contract.
    let typed: Envelope = serde_json::from_value(envelope.clone())
        .unwrap_or_else(|error| panic!("not the JSON envelope ({error}):\n{stdout}"));
    assert_eq!(
        typed.ok,
        typed.error.is_none(),
        "ok and error disagree:\n{stdout}"
    );
    assert_eq!(
        typed.ok,
        code == 0,
        "ok and the exit code {code} disagree:\n{stdout}"
    );
    assert!(
        typed.command.starts_with("joelclaw restate cron"),
        "{stdout}"
    );
    assert!(
        typed.error.is_some() || typed.fix.is_none(),
        "a fix without an error:\n{stdout}"
    );
    (code, envelope)
}

/// The `--json` envelope as agents read it (docs/commands.md): unknown keys fail. Its fields pin
/// the contract by being there, read or not.
#[allow(dead_code)]
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub ok: bool,
    pub command: String,
    pub result: Value,
    pub error: Option<EnvelopeError>,
    /// Present with an error (null when there is no hint).
    pub fix: Option<String>,
    pub next_actions: Vec<EnvelopeAction>,
}

#[allow(dead_code)]
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeError {
    pub code: String,
    pub message: String,
}

#[allow(dead_code)]
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeAction {
    pub command: String,
    pub description: String,
}

/// Filters for snapshots: the checkout, loopback ports, temp dirs, invocation ids and Dkron's own
/// clock (its `next` is real time; ours comes from `JOELCLAW_NOW`).
pub fn filters() -> Vec<(String, String)> {
    vec![
        (regex_escape(env!("CARGO_MANIFEST_DIR")), "[REPO]".into()),
        (r"127\.0\.0\.1:\d+".into(), "127.0.0.1:[PORT]".into()),
        (r"/tmp/[A-Za-z0-9._/-]+/".into(), "[TMP]/".into()),
        (r"inv_[0-9A-Za-z]+".into(), "[INVOCATION]".into()),
        // How long a sync waited for Dkron's store and its lock; who holds the lock.
        (r#""waitedMs": \d+"#.into(), r#""waitedMs": "[MS]""#.into()),
        (r#""holder": "[^"]*""#.into(), r#""holder": "[HOLDER]""#.into()),
        (
            r"\b(in \d+[smhd]( \d+m)?|\d+[smhd]( \d+m)? ago) \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)".into(),
            "[WHEN]".into(),
        ),
        // A table's relative time alone ("in 9d", "5m ago"): from Dkron's real clock too.
        (
            r"\b(in \d+[smhd]( \d+m)?|\d+[smhd]( \d+m)? ago)\b".into(),
            "[REL]".into(),
        ),
    ]
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

/// A whole run as text: the command line, exit code, stdout and stderr.
pub fn transcript(command: &mut Command) -> String {
    let words: Vec<String> = std::iter::once("joelclaw".to_string())
        .chain(
            command
                .get_args()
                .map(|arg| arg.to_string_lossy().into_owned()),
        )
        .collect();
    let (code, stdout, stderr) = run(command);
    format!(
        "$ {}\nexit code: {code}\n----- stdout -----\n{stdout}----- stderr -----\n{stderr}",
        words.join(" ")
    )
}

/// Snapshots a whole run of the binary, filtered. `squeezed` also collapses table padding, for
/// tables whose column widths follow Dkron's real clock.
macro_rules! snapshot {
    ($command:expr) => {
        $crate::support::snapshot!($command, $crate::support::filters())
    };
    ($command:expr, squeezed) => {
        $crate::support::snapshot!($command, {
            let mut filters = $crate::support::filters();
            filters.push((r"[─═]{2,}".into(), "──".into()));
            filters.push((r" {2,}".into(), " ".into()));
            filters
        })
    };
    ($command:expr, $filters:expr) => {{
        let text = $crate::support::transcript(&mut $command);
        let filters: Vec<(String, String)> = $filters;
        let mut settings = insta::Settings::clone_current();
        for (pattern, replacement) in &filters {
            settings.add_filter(pattern, replacement.as_str());
        }
        settings.bind(|| insta::assert_snapshot!(text));
    }};
}
pub(crate) use snapshot;

/// The real servers started by `scripts/stack.sh up`. Tests that need them fail loudly without.
pub struct Stack {
    pub dkron_url: String,
    pub restate_ingress: String,
    pub restate_admin: String,
    pub recorder_file: PathBuf,
    /// Live tests share one Dkron; they hold this lock and start from an empty job list.
    _exclusive: MutexGuard<'static, ()>,
}

static LIVE: Mutex<()> = Mutex::new(());

/// Tests that start Dkron processes of their own (clusters on loopback) take turns: each picks
/// free ports before binding them, and two doing so at once make collisions likelier.
static EXTRA_DKRON: Mutex<()> = Mutex::new(());

pub fn extra_dkron_lock() -> MutexGuard<'static, ()> {
    EXTRA_DKRON
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn stack() -> Stack {
    let get = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!(
                "{name} is not set: this test needs the real Dkron + Restate stack. \
                 Run `scripts/test` (it installs and starts the stack), or `scripts/stack.sh up DIR` \
                 and `source DIR/env` before `cargo test`."
            )
        })
    };
    let stack = Stack {
        dkron_url: get("JOELCLAW_TEST_DKRON_URL"),
        restate_ingress: get("JOELCLAW_TEST_RESTATE_INGRESS"),
        restate_admin: get("JOELCLAW_TEST_RESTATE_ADMIN"),
        recorder_file: PathBuf::from(get("JOELCLAW_TEST_RECORDER_FILE")),
        _exclusive: LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
    };
    stack.delete_all_jobs();
    stack
}

impl Stack {
    pub fn cron(&self, args: &[&str]) -> Command {
        let mut command = cron(args);
        command.env("DKRON_URL", &self.dkron_url);
        command.env("RESTATE_ADMIN_URL", &self.restate_admin);
        command
    }

    /// Dkron's HTTP address, for fake pods to forward to.
    pub fn dkron_addr(&self) -> std::net::SocketAddr {
        self.dkron_url
            .trim_start_matches("http://")
            .parse()
            .unwrap()
    }

    fn http() -> reqwest::blocking::Client {
        reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap()
    }

    /// GET a Dkron API path; `None` on 404.
    pub fn dkron_get(&self, path: &str) -> Option<Value> {
        let response = Self::http()
            .get(format!("{}{path}", self.dkron_url))
            .send()
            .unwrap();
        if response.status() == 404 {
            return None;
        }
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        Some(response.json().unwrap())
    }

    pub fn job(&self, name: &str) -> Option<Value> {
        self.dkron_get(&format!("/v1/jobs/{name}"))
    }

    /// Writes a job straight through Dkron's API (for jobs this tool must not own).
    pub fn put_job(&self, job: Value) {
        let response = Self::http()
            .post(format!("{}/v1/jobs", self.dkron_url))
            .json(&job)
            .send()
            .unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().unwrap());
    }

    pub fn delete_all_jobs(&self) {
        let jobs = self.dkron_get("/v1/jobs").unwrap();
        for job in jobs.as_array().unwrap() {
            let name = job["name"].as_str().unwrap();
            let mut url = reqwest::Url::parse(&self.dkron_url).unwrap();
            url.path_segments_mut()
                .unwrap()
                .extend(["v1", "jobs", name]);
            Self::http().delete(url).send().unwrap();
        }
    }

    /// Records the recorder has written so far.
    pub fn recorded(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.recorder_file)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

/// A manifest in a temp dir; the dir lives as long as the value.
pub struct Manifest {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

pub fn manifest(text: &str) -> Manifest {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tier1.toml");
    std::fs::write(&path, text).unwrap();
    Manifest { _dir: dir, path }
}

impl Manifest {
    pub fn arg(&self) -> &str {
        self.path.to_str().unwrap()
    }

    pub fn rewrite(&self, text: &str) {
        std::fs::write(&self.path, text).unwrap();
    }
}

/// Polls until `check` returns a value or the deadline passes.
pub fn wait_for<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// What the scripted server answers to a request.
#[derive(Clone)]
pub enum Reply {
    /// Answer with this status, headers and body.
    Http(u16, &'static [(&'static str, &'static str)], &'static str),
    /// Read the request, then close the connection without answering.
    Drop,
    /// Read the request, then say nothing until the client gives up.
    Hang,
    /// Answer with this status and headers, then `bytes` of body made of `chunk` repeated
    /// (announced as Content-Length when `announce`, else delimited by closing), for as long
    /// as the client keeps reading: an answer too large to hold.
    Flood {
        status: u16,
        headers: &'static [(&'static str, &'static str)],
        announce: bool,
        bytes: u64,
        /// Sent once before the repeated chunks.
        prefix: &'static str,
        chunk: &'static str,
    },
    /// Answer with a body built at run time (escapes, generated JSON).
    Owned(u16, &'static [(&'static str, &'static str)], String),
}

/// A scripted HTTP/1.1 server on loopback, for failures a real Dkron cannot produce on demand.
/// It is not Dkron: it answers each request by its method and path (the query ignored), with
/// the reply scripted for that route, every time it is asked, so a test does not depend on the
/// order in which a command makes its requests. A request without a script gets a 404 that names
/// it. It records the request lines it saw.
pub struct Scripted {
    pub url: String,
    /// Each request line, and whether a route was scripted for it.
    requests: std::sync::Arc<Mutex<Vec<(String, bool)>>>,
}

impl Scripted {
    /// `routes`: `("GET /v1/leader", reply)`, …
    pub fn start(routes: Vec<(&'static str, Reply)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = std::sync::Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let request_line = read_request(&mut stream);
                let route = route_of(&request_line);
                let reply = routes
                    .iter()
                    .find(|(scripted, _)| *scripted == route)
                    .map(|(_, reply)| reply.clone());
                seen.lock().unwrap().push((request_line, reply.is_some()));
                match reply {
                    Some(Reply::Http(status, headers, body)) => {
                        answer(&mut stream, status, headers, body);
                    }
                    Some(Reply::Drop) => drop(stream),
                    Some(Reply::Hang) => std::thread::sleep(Duration::from_secs(30)),
                    Some(Reply::Owned(status, headers, body)) => {
                        answer(&mut stream, status, headers, &body);
                    }
                    Some(Reply::Flood {
                        status,
                        headers,
                        announce,
                        bytes,
                        prefix,
                        chunk,
                    }) => {
                        // Served on its own thread, so a flood never blocks other requests.
                        std::thread::spawn(move || {
                            let body = Flood {
                                bytes,
                                prefix,
                                chunk,
                            };
                            flood(&mut stream, status, headers, announce, &body)
                        });
                    }
                    None => answer(&mut stream, 404, &[], "no script for this request"),
                }
            }
        });
        Self { url, requests }
    }

    pub fn requests(&self) -> Vec<String> {
        let requests = self.requests.lock().unwrap();
        requests.iter().map(|(line, _)| line.clone()).collect()
    }

    /// The requests nothing was scripted for (each got a 404).
    pub fn unscripted(&self) -> Vec<String> {
        let requests = self.requests.lock().unwrap();
        let unscripted = requests.iter().filter(|(_, scripted)| !scripted);
        unscripted.map(|(line, _)| line.clone()).collect()
    }
}

/// `GET /v1/jobs?x=1 HTTP/1.1` → `GET /v1/jobs` (a trailing `/` dropped).
fn route_of(request_line: &str) -> String {
    let mut words = request_line.split(' ');
    let method = words.next().unwrap_or_default();
    let target = words.next().unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default();
    format!("{method} {}", path.strip_suffix('/').unwrap_or(path))
}

fn answer(stream: &mut TcpStream, status: u16, headers: &[(&str, &str)], body: &str) {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let _ = stream.write_all(format!("{head}\r\n{body}").as_bytes());
}

/// The body of a [`Reply::Flood`].
struct Flood {
    bytes: u64,
    prefix: &'static str,
    chunk: &'static str,
}

fn flood(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(&str, &str)],
    announce: bool,
    body: &Flood,
) {
    let Flood {
        bytes,
        prefix,
        chunk,
    } = *body;
    let mut head = format!("HTTP/1.1 {status} X\r\nconnection: close\r\n");
    if announce {
        head.push_str(&format!("content-length: {bytes}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(prefix);
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let block = chunk.repeat((64 * 1024 / chunk.len()).max(1));
    let mut sent = prefix.len() as u64;
    while sent < bytes {
        let take = block.len().min((bytes - sent) as usize);
        // The client stops reading at its limit and closes: that ends the flood.
        if stream.write_all(&block.as_bytes()[..take]).is_err() {
            return;
        }
        sent += take as u64;
    }
}

/// Reads one request (head and body) and returns its request line.
fn read_request(stream: &mut TcpStream) -> String {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    request_line.trim().to_string()
}

/// A free loopback port (bound once and released; good enough for test peers).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The fake Kubernetes apiserver + kubelet with a kubeconfig file for it (context `fake`,
/// namespace `joelclaw`), for the apiserver misbehaviour a real one cannot be made to show; the
/// real control plane is [`crate::plane`].
pub struct FakeCluster {
    /// Serves as long as the value lives.
    _fake: joelclaw_fake_kube::FakeKube,
    _dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

impl FakeCluster {
    pub fn start(world: joelclaw_fake_kube::World, options: joelclaw_fake_kube::Options) -> Self {
        let fake = joelclaw_fake_kube::FakeKube::spawn(world, options);
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(&kubeconfig, fake.kubeconfig("fake", "joelclaw")).unwrap();
        Self {
            _fake: fake,
            _dir: dir,
            kubeconfig,
        }
    }

    /// `joelclaw restate cron <args>` reaching Dkron only through this cluster (and the stack's
    /// Restate admin API directly, when the stack runs).
    pub fn cron(&self, args: &[&str]) -> Command {
        let mut command = cron(args);
        command.env("KUBECONFIG", &self.kubeconfig);
        if let Ok(admin) = std::env::var("JOELCLAW_TEST_RESTATE_ADMIN") {
            command.env("RESTATE_ADMIN_URL", admin);
        }
        command
    }
}

/// The repository root (for the shipped tier1.toml).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Ends a process started in a group of its own (`process_group(0)`) with SIGKILL to the whole
/// group, and reaps it. Dkron runs its executors as plugin processes; killed alone, it leaves them
/// running for good (hundreds after a suite), where a pod's container would take them with it.
pub fn kill_group(child: &mut std::process::Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.kill();
    let _ = child.wait();
}
