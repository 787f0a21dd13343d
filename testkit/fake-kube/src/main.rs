//! `fake-kube`: the fake Kubernetes API server as a process, for benchmark scripts.
//!
//! It serves a Dkron world in namespace `joelclaw` whose pods forward to the given backends,
//! prints `ready https://127.0.0.1:PORT` once listening, and runs until SIGTERM or Ctrl-C.

use std::net::{SocketAddr, ToSocketAddrs as _};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use joelclaw_fake_kube::{FakeKube, Options, dkron_world};

const NAMESPACE: &str = "joelclaw";
const CONTEXT: &str = "fake";

const USAGE: &str = "\
usage: fake-kube --backend HOST:PORT [--backend HOST:PORT ...] [--latency-ms N] [--kubeconfig-out PATH]

  --backend HOST:PORT    where pod dkron-i's port 8080 is forwarded (once per pod, in order)
  --latency-ms N         delay before answering every request, including the upgrade
  --kubeconfig-out PATH  write a kubeconfig (context \"fake\", namespace \"joelclaw\") there";

struct Args {
    backends: Vec<SocketAddr>,
    latency: Duration,
    kubeconfig_out: Option<PathBuf>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> anyhow::Result<Args> {
    let mut parsed = Args {
        backends: Vec::new(),
        latency: Duration::ZERO,
        kubeconfig_out: None,
    };
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .with_context(|| format!("{flag} needs a value\n\n{USAGE}"))
        };
        match flag.as_str() {
            "--backend" => {
                let text = value()?;
                let address = text
                    .to_socket_addrs()
                    .with_context(|| format!("--backend {text:?} is not HOST:PORT"))?
                    .next()
                    .with_context(|| format!("--backend {text:?} resolves to no address"))?;
                parsed.backends.push(address);
            }
            "--latency-ms" => {
                let text = value()?;
                let millis: u64 = text
                    .parse()
                    .with_context(|| format!("--latency-ms {text:?} is not a whole number"))?;
                parsed.latency = Duration::from_millis(millis);
            }
            "--kubeconfig-out" => parsed.kubeconfig_out = Some(PathBuf::from(value()?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    if parsed.backends.is_empty() {
        bail!("at least one --backend is needed\n\n{USAGE}");
    }
    Ok(parsed)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args(std::env::args().skip(1))?;
    let fake = FakeKube::try_spawn(
        dkron_world(NAMESPACE, &args.backends),
        Options {
            latency: args.latency,
            ..Options::default()
        },
    )?;
    // The kubeconfig exists before `ready` is printed, so a script may use it right away.
    if let Some(path) = &args.kubeconfig_out {
        std::fs::write(path, fake.kubeconfig(CONTEXT, NAMESPACE))
            .with_context(|| format!("failed to write {}", path.display()))?;
    }
    // stdout is line-buffered, so the line reaches a pipe immediately.
    println!("ready {}", fake.url);

    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async {
            tokio::select! {
                stopped = wait_for_stop_signal() => stopped,
                () = log_requests(&fake) => Ok(()),
            }
        })?;
    drop(fake);
    Ok(())
}

/// Prints one stdout line per answered request (`request METHOD PATH STATUS`), so a benchmark
/// can count what each command asked of the apiserver.
async fn log_requests(fake: &FakeKube) {
    use std::io::Write as _;
    let mut printed = 0;
    loop {
        let requests = fake.requests();
        let mut stdout = std::io::stdout().lock();
        for request in &requests[printed..] {
            let _ = writeln!(
                stdout,
                "request {} {} {}",
                request.method, request.path, request.status
            );
        }
        let _ = stdout.flush();
        printed = requests.len();
        drop(stdout);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn wait_for_stop_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result?,
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    Ok(())
}
