//! The port-forward itself: a loopback listener whose every accepted connection is carried by its
//! own `pods/portforward` WebSocket (kube-rs serves one TCP connection per upgrade). The first
//! connection rides on the leader probe's port-forward when there is one (its HTTP connection to
//! Dkron is idle, so the local client's requests continue it), the others upgrade anew.
//!
//! The listener binds `127.0.0.1:0` (or the port asked for, for `dashboard`), so no fixed local port
//! can clash. The pod it forwards to can change while it runs: when an upgrade answers 404 (the pod
//! is gone) or the kubelet reports an error on the error channel, the next connection re-resolves the
//! Service first. Error-channel text is kept, so a failed request can say what the kubelet said.
//! Dropping the [`Forwarder`] stops the listener and every connection with it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use super::leader::{ErrorChannel, KeptForward};
use super::resolve::Backend;
use super::{Picked, Resolver};
use crate::error::{CliError, ErrorKind};
use crate::http::CarrierFailure;

/// How long a connection may still wait for the pod's answer after the local side stopped
/// sending. The local EOF is not forwarded: a v4 port-forward has no half-close, so passing it on
/// would tear the stream down and lose a response still on its way.
const DRAIN_AFTER_LOCAL_EOF: Duration = Duration::from_secs(5);

/// How long the end of a stream waits for the error channel: kube resolves it with the kubelet's
/// text, or with nothing as soon as the WebSocket is closed, so this bound is rarely reached.
const ERROR_CHANNEL_GRACE: Duration = Duration::from_secs(1);

/// What the listener and the access layer share.
#[derive(Default)]
pub struct TunnelState {
    backend: Mutex<Option<Backend>>,
    stale: AtomicBool,
    last_error: Mutex<Option<CarrierFailure>>,
    connections: AtomicUsize,
    /// The leader probe's port-forward, waiting for the next connection.
    kept: Mutex<Option<KeptForward>>,
}

impl TunnelState {
    pub fn backend(&self) -> Option<Backend> {
        self.backend.lock().expect("not poisoned").clone()
    }

    /// The last thing the kubelet or apiserver said was wrong with a forwarded connection.
    pub fn last_error(&self) -> Option<CarrierFailure> {
        self.last_error.lock().expect("not poisoned").clone()
    }

    fn clear_error(&self) {
        *self.last_error.lock().expect("not poisoned") = None;
    }

    fn record(&self, error: CliError) {
        *self.last_error.lock().expect("not poisoned") = Some(CarrierFailure {
            kind: error.kind,
            message: error.message,
            hint: error.hint,
        });
    }

    /// Local connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }
}

/// A running listener. Dropping it stops the listener and all its connections.
pub struct Forwarder {
    pub local_addr: SocketAddr,
    pub state: Arc<TunnelState>,
    task: JoinHandle<()>,
}

/// How long an upgrade may take before the connection is given up (kube sets no read timeout).
#[derive(Clone, Copy)]
struct UpgradeTimeout(Duration);

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Forwarder {
    /// Binds `bind` and forwards every connection to `backend` (the first through `kept`, if
    /// given), re-resolving through `resolver` when the pod goes away.
    pub async fn start(
        resolver: Arc<Resolver>,
        backend: Backend,
        kept: Option<KeptForward>,
        bind: SocketAddr,
        upgrade_timeout: Duration,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(bind).await?;
        let local_addr = listener.local_addr()?;
        let state = Arc::new(TunnelState {
            backend: Mutex::new(Some(backend)),
            kept: Mutex::new(kept),
            ..TunnelState::default()
        });
        let task = tokio::spawn(accept_loop(
            listener,
            resolver,
            state.clone(),
            UpgradeTimeout(upgrade_timeout),
        ));
        Ok(Self {
            local_addr,
            state,
            task,
        })
    }
}

async fn accept_loop(
    listener: TcpListener,
    resolver: Arc<Resolver>,
    state: Arc<TunnelState>,
    upgrade_timeout: UpgradeTimeout,
) {
    // Owning the connections here means aborting this task aborts every one of them.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((local, _)) => {
                    let _ = local.set_nodelay(true);
                    state.connections.fetch_add(1, Ordering::Relaxed);
                    connections.spawn(forward(local, resolver.clone(), state.clone(), upgrade_timeout));
                }
                Err(error) => {
                    state.record(CliError::new(
                        ErrorKind::Tunnel,
                        format!("the tunnel's local listener failed: {error}"),
                    ));
                    // A persistent failure (out of file descriptors) must not spin the CPU.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Carries one local connection over one port-forward, re-resolving once if the pod is gone.
async fn forward(
    local: TcpStream,
    resolver: Arc<Resolver>,
    state: Arc<TunnelState>,
    upgrade_timeout: UpgradeTimeout,
) {
    for attempt in 0..2 {
        let backend = match current_backend(&resolver, &state).await {
            Some(backend) => backend,
            None => return,
        };
        if let Some(kept) = take_kept(&state, &backend) {
            state.clear_error();
            let KeptForward {
                stream,
                errors,
                forwarder,
                ..
            } = kept;
            carry(local, stream, errors, &backend.pod, &state).await;
            let _ = forwarder.join().await;
            return;
        }
        let pods: Api<Pod> = Api::namespaced(resolver.client.clone(), &resolver.namespace);
        let upgrade = tokio::time::timeout(
            upgrade_timeout.0,
            pods.portforward(&backend.pod, &[backend.port]),
        )
        .await;
        let Ok(upgrade) = upgrade else {
            state.record(CliError::new(
                ErrorKind::KubeUnreachable,
                format!(
                    "the port-forward upgrade to pod {} got no answer within {}s",
                    backend.pod,
                    upgrade_timeout.0.as_secs()
                ),
            ));
            return;
        };
        let mut forwarder = match upgrade {
            Ok(forwarder) => {
                // This connection works: an earlier failure is no longer the tunnel's state.
                state.clear_error();
                forwarder
            }
            Err(kube::Error::Api(status))
                if attempt == 0 && status.code != 401 && status.code != 403 =>
            {
                // The pod is gone (404), not scheduled or being recreated (400, 5xx): resolve
                // the Service again and retry once. Authorization failures will not change.
                state.record(CliError::new(
                    ErrorKind::Tunnel,
                    format!(
                        "pod {} could not be forwarded to ({}): {}",
                        backend.pod, status.code, status.message
                    ),
                ));
                state.stale.store(true, Ordering::Relaxed);
                continue;
            }
            Err(error) => {
                let explained = super::kubernetes::explain(
                    error,
                    &super::kubernetes::Attempt {
                        verb: "port-forward to",
                        resource: "pod",
                        name: &backend.pod,
                        namespace: &resolver.namespace,
                        cluster: &resolver.cluster,
                    },
                );
                state.record(explained);
                return;
            }
        };
        let (Some(remote), Some(errors)) = (
            forwarder.take_stream(backend.port),
            forwarder.take_error(backend.port),
        ) else {
            return;
        };
        carry(local, remote, Box::pin(errors), &backend.pod, &state).await;
        // A server-side close makes `join` report a send-after-close; it is how a v4
        // port-forward ends, not a failure.
        let _ = forwarder.join().await;
        return;
    }
}

/// The kept port-forward, if it goes to `backend` and is still fresh; a stale one is dropped.
fn take_kept(state: &TunnelState, backend: &Backend) -> Option<KeptForward> {
    let kept = state.kept.lock().expect("not poisoned").take()?;
    (kept.fresh() && &kept.backend == backend).then_some(kept)
}

/// Pumps one local connection through one port-forward stream to `pod`, keeping what the
/// kubelet says on the error channel.
async fn carry<R>(
    local: TcpStream,
    remote: R,
    errors: ErrorChannel,
    pod: &str,
    state: &Arc<TunnelState>,
) where
    R: AsyncRead + AsyncWrite + Unpin,
{
    let pod = pod.to_string();
    let error_state = state.clone();
    // Read before the local side sees the end of the stream, so a request that fails because
    // of it finds the kubelet's words in the tunnel state.
    let before_close = async move {
        if let Ok(Some(text)) = tokio::time::timeout(ERROR_CHANNEL_GRACE, errors).await {
            // The kubelet could not reach the container port (or lost it): the next
            // connection resolves the Service again.
            error_state.record(
                CliError::new(
                    ErrorKind::Tunnel,
                    format!("the port-forward to pod {pod} failed: {text}"),
                )
                .hint("the kubelet could not reach Dkron's port in the pod; check the pod (is Dkron listening?)"),
            );
            error_state.stale.store(true, Ordering::Relaxed);
        }
    };
    pump(local, remote, before_close).await;
}

/// The backend for a new connection: the current one, or a fresh resolution when it went stale.
async fn current_backend(resolver: &Resolver, state: &TunnelState) -> Option<Backend> {
    if !state.stale.swap(false, Ordering::Relaxed)
        && let Some(backend) = state.backend()
    {
        return Some(backend);
    }
    match resolver.pick().await {
        Ok(Picked { backend, kept, .. }) => {
            *state.backend.lock().expect("not poisoned") = Some(backend.clone());
            // A new leader probe's forward carries this very connection.
            *state.kept.lock().expect("not poisoned") = kept;
            Some(backend)
        }
        Err(error) => {
            state.record(error);
            None
        }
    }
}

/// Copies both ways until the pod side ends; a local EOF only starts a short drain.
async fn pump<R>(local: TcpStream, remote: R, before_close: impl std::future::Future<Output = ()>)
where
    R: AsyncRead + AsyncWrite + Unpin,
{
    let (mut local_read, mut local_write) = local.into_split();
    let (mut remote_read, mut remote_write) = tokio::io::split(remote);
    let upstream = tokio::io::copy(&mut local_read, &mut remote_write);
    let downstream = async {
        let _ = tokio::io::copy(&mut remote_read, &mut local_write).await;
        before_close.await;
        let _ = local_write.shutdown().await;
    };
    tokio::pin!(upstream, downstream);
    tokio::select! {
        () = &mut downstream => {}
        _ = &mut upstream => {
            let _ = tokio::time::timeout(DRAIN_AFTER_LOCAL_EOF, downstream).await;
        }
    }
}
