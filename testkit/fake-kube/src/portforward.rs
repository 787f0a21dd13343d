//! The kubelet side of a `v4.channel.k8s.io` port-forward: the handshake checks, the channel
//! framing, and the pumps between the WebSocket and one loopback TCP backend per requested port.
//!
//! Behaviour reference (read, not copied), kubernetes/kubernetes staging:
//! `k8s.io/cri-streaming/pkg/streaming/portforward/websocket.go` (the `ports` parameter, the port
//! prefix frames on both channels, one forward per port, the `error forwarding port …` text, and
//! closing once every port is done) and `k8s.io/streaming/pkg/httpstream/wsstream/conn.go` (the
//! first offered subprotocol wins, the channel byte, unknown channels are ignored, and a Close
//! frame followed by closing the connection on teardown). Re-read both when the fake is made to
//! claim a newer Kubernetes version.
//!
//! Known differences from a real kubelet: the `v4.base64.channel.k8s.io` subprotocol is not offered
//! (kube-rs never asks for it), and when a backend closes, the tunnel closes at once, whereas
//! containerd waits up to a second for the other direction before closing.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt, future};
use hyper::StatusCode;
use hyper::header::{self, HeaderMap};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use crate::api::{Reply, bad_request, status};

/// Subprotocols a port-forward accepts, as the kubelet registers them minus the base64 variant.
/// `""` stands for a client that offers none.
const SUPPORTED_PROTOCOLS: [&str; 2] = ["v4.channel.k8s.io", ""];

/// Channel bytes are a `u8` and each port takes two of them.
const MAX_PORTS: usize = 128;

/// Frames buffered between the WebSocket and a backend in each direction.
const FRAME_QUEUE: usize = 16;

/// The kubelet copies with Go's 32 KiB `io.Copy` buffer, so pod output arrives in frames up to that.
const READ_BUFFER: usize = 32 * 1024;

const DIAL_TIMEOUT: Duration = Duration::from_secs(5);

/// One requested port and where its pod port is dialled.
pub(crate) struct Forward {
    pub(crate) port: u16,
    pub(crate) backend: Option<SocketAddr>,
}

/// Whether the headers ask for a WebSocket upgrade.
pub(crate) fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    has_token(headers, header::UPGRADE, "websocket")
}

/// The offered subprotocols, in the client's order; kube sends them as one comma-separated value.
pub(crate) fn offered_protocols(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|protocol| !protocol.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The ports of `?ports=80,443&ports=8080`, in order; repeated and comma-separated both work.
pub(crate) fn parse_ports(query: &str) -> Result<Vec<u16>, String> {
    let mut ports = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if key != "ports" {
            continue;
        }
        if value.is_empty() {
            return Err("query parameter \"ports\" cannot be empty".to_owned());
        }
        for text in value.split(',') {
            let port: u16 = text
                .parse()
                .map_err(|error| format!("unable to parse {text:?} as a port: {error}"))?;
            if port == 0 {
                return Err(format!("port {text:?} must be > 0"));
            }
            ports.push(port);
        }
    }
    if ports.is_empty() {
        return Err("query parameter \"ports\" is required".to_owned());
    }
    if ports.len() > MAX_PORTS {
        return Err(format!(
            "at most {MAX_PORTS} ports can be forwarded at once"
        ));
    }
    Ok(ports)
}

/// An acceptable upgrade request: the subprotocol to echo and the `Sec-WebSocket-Accept` value.
pub(crate) struct Handshake {
    pub(crate) protocol: &'static str,
    pub(crate) accept_key: String,
}

/// Why an upgrade request is refused before the 101.
pub(crate) enum Rejection {
    BadRequest(String),
    /// No offered subprotocol is supported. x/net/websocket answers this with a bare 403; the
    /// fake adds a `Status` that says why.
    UnsupportedProtocol(String),
}

impl Rejection {
    pub(crate) fn into_reply(self) -> Reply {
        match self {
            Rejection::BadRequest(message) => bad_request(&message),
            Rejection::UnsupportedProtocol(message) => {
                status(StatusCode::FORBIDDEN, "Forbidden", message, Value::Null)
            }
        }
    }
}

impl Handshake {
    /// Check an upgrade request as RFC 6455 and the kubelet's subprotocol list require.
    pub(crate) fn accept(headers: &HeaderMap) -> Result<Handshake, Rejection> {
        if !is_websocket_upgrade(headers) || !has_token(headers, header::CONNECTION, "upgrade") {
            // The real kubelet would also take SPDY here; kube-rs only ever sends WebSocket.
            return Err(Rejection::BadRequest(
                "the fake apiserver only serves port-forward as a WebSocket upgrade".to_owned(),
            ));
        }
        if headers
            .get(header::SEC_WEBSOCKET_VERSION)
            .is_none_or(|version| version != "13")
        {
            return Err(Rejection::BadRequest(
                "Sec-WebSocket-Version must be 13".to_owned(),
            ));
        }
        let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY) else {
            return Err(Rejection::BadRequest(
                "Sec-WebSocket-Key is missing".to_owned(),
            ));
        };

        let mut offered = offered_protocols(headers);
        if offered.is_empty() {
            offered.push(String::new());
        }
        // conn.go picks the first *offered* protocol it supports, not its own favourite.
        let chosen = offered.iter().find_map(|protocol| {
            SUPPORTED_PROTOCOLS
                .iter()
                .find(|supported| **supported == protocol.as_str())
        });
        let Some(&protocol) = chosen else {
            return Err(Rejection::UnsupportedProtocol(format!(
                "requested protocol(s) are not supported: {offered:?}; supports \
                 {SUPPORTED_PROTOCOLS:?}"
            )));
        };
        Ok(Handshake {
            protocol,
            accept_key: derive_accept_key(key.as_bytes()),
        })
    }
}

fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|value| {
        value.to_str().is_ok_and(|value| {
            value
                .split(',')
                .any(|part| part.trim().eq_ignore_ascii_case(token))
        })
    })
}

fn data_channel(index: usize) -> u8 {
    u8::try_from(2 * index).expect("at most MAX_PORTS ports")
}

fn error_channel(index: usize) -> u8 {
    data_channel(index) + 1
}

fn frame(channel: u8, payload: &[u8]) -> Message {
    let mut bytes = Vec::with_capacity(payload.len() + 1);
    bytes.push(channel);
    bytes.extend_from_slice(payload);
    Message::Binary(bytes.into())
}

/// Serve one upgraded connection until every port is done or the client goes away.
///
/// `pod` names the pod in error text; `label` (`namespace/pod`) names it in the fake's own hints.
pub(crate) async fn run<S>(io: S, pod: String, label: String, forwards: Vec<Forward>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let socket = WebSocketStream::from_raw_socket(io, Role::Server, None).await;
    let (mut sink, mut stream) = socket.split();

    // Every port is announced on both of its channels before anything else; kube-rs rejects a
    // first frame on a channel that is not exactly this little-endian port.
    for (index, forward) in forwards.iter().enumerate() {
        let port = forward.port.to_le_bytes();
        for channel in [data_channel(index), error_channel(index)] {
            if sink.feed(frame(channel, &port)).await.is_err() {
                return;
            }
        }
    }
    if sink.flush().await.is_err() {
        return;
    }

    let (to_client, from_backends) = mpsc::channel(FRAME_QUEUE);
    let mut to_backends = Vec::with_capacity(forwards.len());
    let mut pumps = Vec::with_capacity(forwards.len());
    for (index, forward) in forwards.into_iter().enumerate() {
        let (to_backend, from_client) = mpsc::channel(FRAME_QUEUE);
        to_backends.push(to_backend);
        pumps.push(pump(
            index,
            forward,
            &pod,
            &label,
            from_client,
            to_client.clone(),
        ));
    }
    // Only the pumps hold senders now, so the writer sees the end once every port is done.
    drop(to_client);

    // Reading and writing run concurrently, as the kubelet's goroutines do: a fake that stopped
    // reading while blocked on a write would deadlock kube-rs, which does the same on its side.
    let server_side = async {
        future::join(
            future::join_all(pumps),
            write_frames(&mut sink, from_backends),
        )
        .await;
    };
    tokio::select! {
        () = read_frames(&mut stream, to_backends) => {}
        () = server_side => {}
    }

    // Like Go's websocket `Conn.Close`: after the Close frame, close the connection itself, which
    // over TLS means a close_notify and a FIN.
    if let Ok(socket) = sink.reunite(stream) {
        let mut io = socket.into_inner();
        let _ = tokio::time::timeout(Duration::from_secs(1), io.shutdown()).await;
    }
}

/// Route client frames to their port's backend until the client closes or the connection fails.
async fn read_frames<S>(
    stream: &mut SplitStream<WebSocketStream<S>>,
    mut to_backends: Vec<mpsc::Sender<Bytes>>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    while let Some(message) = stream.next().await {
        let payload: Bytes = match message {
            Ok(Message::Binary(bytes)) => bytes,
            // Go reads text frames into the same byte slice, channel byte included.
            Ok(Message::Text(text)) => text.into(),
            Ok(Message::Close(_)) => {
                // Tear the ports down (pending pod data is dropped, as the kubelet does). The
                // Close reply tungstenite queued goes out on the next poll, which then ends the
                // stream; without that reply kube-rs sees a reset instead of a closing handshake.
                to_backends.clear();
                continue;
            }
            // Pings are answered by tungstenite itself.
            Ok(_) => continue,
            Err(_) => return,
        };
        let Some((&channel, data)) = payload.split_first() else {
            continue;
        };
        // Error channels are server-to-client only, and frames for unknown channels are dropped,
        // both as conn.go does.
        if data.is_empty() || channel % 2 == 1 {
            continue;
        }
        if let Some(to_backend) = to_backends.get(usize::from(channel / 2)) {
            // A port that has finished dropped its receiver; late data for it is discarded.
            let _ = to_backend.send(payload.slice(1..)).await;
        }
    }
}

/// Send pod output to the client, then Close (1000) once every port is done.
async fn write_frames<S>(
    sink: &mut SplitSink<WebSocketStream<S>, Message>,
    mut from_backends: mpsc::Receiver<Message>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    while let Some(first) = from_backends.recv().await {
        // Flush what is already queued together instead of once per frame.
        let mut next = Some(first);
        while let Some(message) = next {
            if sink.feed(message).await.is_err() {
                return;
            }
            next = from_backends.try_recv().ok();
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
    let close = CloseFrame {
        code: CloseCode::Normal,
        reason: Utf8Bytes::from_static(""),
    };
    let _ = sink.send(Message::Close(Some(close))).await;
}

/// Forward one port: dial its backend, then copy both ways until either side ends.
async fn pump(
    index: usize,
    forward: Forward,
    pod: &str,
    label: &str,
    mut from_client: mpsc::Receiver<Bytes>,
    to_client: mpsc::Sender<Message>,
) {
    let port = forward.port;
    // The kubelet reports failures as text on the port's error channel, never as HTTP: the
    // upgrade has already succeeded by the time the pod port is dialled.
    let report = |reason: String| {
        let text = format!("error forwarding port {port} to pod {pod}, uid : {reason}");
        to_client.send(frame(error_channel(index), text.as_bytes()))
    };

    let dialled = match forward.backend {
        None => Err(format!(
            "connection refused (the fake has no backend for {label}:{port})"
        )),
        Some(address) => {
            match tokio::time::timeout(DIAL_TIMEOUT, TcpStream::connect(address)).await {
                Ok(Ok(connection)) => Ok(connection),
                Ok(Err(error)) => Err(describe(&error)),
                Err(_) => Err("i/o timeout".to_owned()),
            }
        }
    };
    let connection = match dialled {
        Ok(connection) => connection,
        Err(reason) => {
            let _ = report(format!("failed to connect to backend: {reason}")).await;
            return;
        }
    };
    let _ = connection.set_nodelay(true);
    let (mut backend_reader, mut backend_writer) = connection.into_split();

    let upstream = async {
        while let Some(bytes) = from_client.recv().await {
            backend_writer
                .write_all(&bytes)
                .await
                .map_err(|error| format!("write to backend: {}", describe(&error)))?;
        }
        Ok(())
    };
    let downstream = async {
        let mut buffer = vec![0; READ_BUFFER];
        loop {
            let read = backend_reader
                .read(&mut buffer)
                .await
                .map_err(|error| format!("read from backend: {}", describe(&error)))?;
            if read == 0 {
                return Ok(());
            }
            if to_client
                .send(frame(data_channel(index), &buffer[..read]))
                .await
                .is_err()
            {
                return Ok(());
            }
        }
    };
    let outcome: Result<(), String> = tokio::select! {
        outcome = upstream => outcome,
        outcome = downstream => outcome,
    };
    if let Err(reason) = outcome {
        let _ = report(reason).await;
    }
}

/// Go's wording for the socket errors tests provoke, so error text reads like a cluster's.
fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        io::ErrorKind::ConnectionReset => "connection reset by peer".to_owned(),
        io::ErrorKind::BrokenPipe => "broken pipe".to_owned(),
        io::ErrorKind::TimedOut => "i/o timeout".to_owned(),
        _ => error.to_string(),
    }
}
