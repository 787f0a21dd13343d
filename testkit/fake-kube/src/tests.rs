//! The fake driven by kube-rs itself, the client the CLI uses, so the fake is checked against the
//! same handshake and framing rules the CLI will meet.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Namespace, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::api::{Requirement, parse_label_selector};
use crate::portforward::parse_ports;
use crate::{FakeKube, Options, World, dkron_world};

const NAMESPACE: &str = "joelclaw";

async fn client_with(kubeconfig: &str) -> kube::Client {
    let kubeconfig = Kubeconfig::from_yaml(kubeconfig).expect("the kubeconfig parses as YAML");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("the kubeconfig is complete");
    kube::Client::try_from(config).expect("a client builds")
}

async fn client(fake: &FakeKube) -> kube::Client {
    client_with(&fake.kubeconfig("fake", NAMESPACE)).await
}

/// A backend that echoes every byte until the client closes.
async fn echo_backend() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut reader, mut writer) = socket.split();
                let _ = tokio::io::copy(&mut reader, &mut writer).await;
            });
        }
    });
    address
}

/// A backend that writes `answer` and closes without reading.
async fn answering_backend(answer: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket.write_all(answer).await;
        }
    });
    address
}

/// An address nothing listens on.
fn refused_backend() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn api_code(error: kube::Error) -> (u16, String) {
    match error {
        kube::Error::Api(status) => (status.code, status.message),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn serves_services_endpoint_slices_and_label_filtered_pods() {
    let fake = FakeKube::spawn(
        dkron_world(NAMESPACE, &[refused_backend(), refused_backend()]),
        Options::default(),
    );
    let client = client(&fake).await;

    let service = Api::<Service>::namespaced(client.clone(), NAMESPACE)
        .get("dkron-svc")
        .await
        .unwrap();
    let spec = service.spec.unwrap();
    assert_eq!(spec.cluster_ip.as_deref(), Some("10.0.0.10"));
    assert_eq!(spec.selector.unwrap()["app"], "dkron");

    let slices = Api::<EndpointSlice>::namespaced(client.clone(), NAMESPACE)
        .list(&ListParams::default().labels("kubernetes.io/service-name=dkron-svc"))
        .await
        .unwrap();
    assert_eq!(slices.items.len(), 1);
    let slice = &slices.items[0];
    assert_eq!(slice.ports.as_ref().unwrap()[0].port, Some(8080));
    let targets: Vec<_> = slice
        .endpoints
        .iter()
        .flatten()
        .map(|endpoint| endpoint.target_ref.as_ref().unwrap().name.clone().unwrap())
        .collect();
    assert_eq!(targets, ["dkron-0", "dkron-1"]);

    let pods = Api::<Pod>::namespaced(client.clone(), NAMESPACE);
    let selected = pods
        .list(&ListParams::default().labels("app=dkron,statefulset.kubernetes.io/pod-name=dkron-1"))
        .await
        .unwrap();
    assert_eq!(selected.items.len(), 1);
    assert_eq!(selected.items[0].metadata.name.as_deref(), Some("dkron-1"));
    assert!(
        pods.list(&ListParams::default().labels("app=other"))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Another namespace holds nothing.
    assert!(
        Api::<Pod>::namespaced(client.clone(), "elsewhere")
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    let (code, message) = api_code(pods.get("dkron-9").await.unwrap_err());
    assert_eq!(
        (code, message.as_str()),
        (404, "pods \"dkron-9\" not found")
    );

    let namespaces = Api::<Namespace>::all(client.clone());
    namespaces.get(NAMESPACE).await.unwrap();
    let (code, message) = api_code(namespaces.get("nope").await.unwrap_err());
    assert_eq!(
        (code, message.as_str()),
        (404, "namespaces \"nope\" not found")
    );

    let version = client.apiserver_version().await.unwrap();
    assert_eq!(
        (version.major.as_str(), version.minor.as_str()),
        ("1", "35")
    );

    let recorded = fake.requests();
    let slice_list = recorded
        .iter()
        .find(|request| request.path.ends_with("/endpointslices"))
        .unwrap();
    assert_eq!(
        slice_list.path,
        "/apis/discovery.k8s.io/v1/namespaces/joelclaw/endpointslices"
    );
    assert_eq!(
        slice_list.query.as_deref(),
        Some("&labelSelector=kubernetes.io%2Fservice-name%3Ddkron-svc")
    );
    assert!(!slice_list.websocket_upgrade);
}

#[tokio::test]
async fn port_forward_echoes_through_the_v4_protocol() {
    let fake = FakeKube::spawn(
        dkron_world(NAMESPACE, &[echo_backend().await]),
        Options::default(),
    );
    let pods = Api::<Pod>::namespaced(client(&fake).await, NAMESPACE);

    let mut forwarder = pods.portforward("dkron-0", &[8080]).await.unwrap();
    let stream = forwarder.take_stream(8080).unwrap();
    let error = forwarder.take_error(8080).unwrap();
    let (mut reader, mut writer) = tokio::io::split(stream);

    writer.write_all(b"ping").await.unwrap();
    let mut reply = [0; 4];
    reader.read_exact(&mut reply).await.unwrap();
    assert_eq!(&reply, b"ping");

    // More than kube's 1 MiB duplex buffer, written and read concurrently.
    let payload: Vec<u8> = (0..3 * 1024 * 1024)
        .map(|index| (index % 251) as u8)
        .collect();
    let send = async {
        writer.write_all(&payload).await.unwrap();
        writer
    };
    let receive = async {
        let mut received = vec![0; payload.len()];
        reader.read_exact(&mut received).await.unwrap();
        received
    };
    let (writer, received) = tokio::join!(send, receive);
    assert!(received == payload, "the echoed payload differs");

    // Closing the local stream makes kube-rs send Close; the fake answers it and tears down.
    drop((reader, writer));
    tokio::time::timeout(Duration::from_secs(5), forwarder.join())
        .await
        .expect("the tunnel ends after a client close")
        .expect("a client-initiated close is clean");
    assert_eq!(error.await, None);

    let upgrade = fake
        .requests()
        .into_iter()
        .find(|request| request.websocket_upgrade)
        .unwrap();
    assert_eq!(upgrade.method, "GET");
    assert_eq!(
        upgrade.path,
        "/api/v1/namespaces/joelclaw/pods/dkron-0/portforward"
    );
    assert_eq!(upgrade.query.as_deref(), Some("&ports=8080"));
    assert_eq!(
        upgrade.offered_protocols,
        ["v5.channel.k8s.io", "v4.channel.k8s.io"]
    );
    assert_eq!(
        upgrade.negotiated_protocol.as_deref(),
        Some("v4.channel.k8s.io")
    );
    assert_eq!(upgrade.status, 101);
    assert_eq!(fake.upgrades(), 1);
}

#[tokio::test]
async fn two_ports_use_their_own_channels() {
    let mut world = dkron_world(NAMESPACE, &[echo_backend().await]);
    world.backends.insert(
        (NAMESPACE.to_owned(), "dkron-0".to_owned(), 8946),
        answering_backend(b"serf\n").await,
    );
    let fake = FakeKube::spawn(world, Options::default());
    let pods = Api::<Pod>::namespaced(client(&fake).await, NAMESPACE);

    let mut forwarder = pods.portforward("dkron-0", &[8080, 8946]).await.unwrap();
    let mut serf = forwarder.take_stream(8946).unwrap();
    // v4 has no per-port close: this port's stream ends only when the whole tunnel does.
    let mut serf_answer = [0; 5];
    serf.read_exact(&mut serf_answer).await.unwrap();
    assert_eq!(&serf_answer, b"serf\n");

    let mut http = forwarder.take_stream(8080).unwrap();
    http.write_all(b"still open").await.unwrap();
    let mut reply = [0; 10];
    http.read_exact(&mut reply).await.unwrap();
    assert_eq!(&reply, b"still open");
    assert_eq!(
        fake.requests().last().unwrap().query.as_deref(),
        Some("&ports=8080%2C8946")
    );
}

#[tokio::test]
async fn backend_close_ends_the_stream_with_a_close_frame() {
    let fake = FakeKube::spawn(
        dkron_world(
            NAMESPACE,
            &[answering_backend(b"HTTP/1.1 200 OK\r\n\r\n").await],
        ),
        Options::default(),
    );
    let pods = Api::<Pod>::namespaced(client(&fake).await, NAMESPACE);

    let mut forwarder = pods.portforward("dkron-0", &[8080]).await.unwrap();
    let mut stream = forwarder.take_stream(8080).unwrap();
    let error = forwarder.take_error(8080).unwrap();
    let mut answer = Vec::new();
    // EOF reaches the local stream only because kube-rs got the fake's Close frame.
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("the stream ends when the backend closes")
        .unwrap();
    assert_eq!(answer, b"HTTP/1.1 200 OK\r\n\r\n");
    drop(stream);
    assert_eq!(error.await, None);
    // kube-rs then fails to send its own Close after the server's (fact sheet pitfall 3), so
    // only completion is asserted.
    let _ = tokio::time::timeout(Duration::from_secs(5), forwarder.join())
        .await
        .expect("the tunnel task ends");
}

#[tokio::test]
async fn refused_backend_reports_on_the_error_channel() {
    let fake = FakeKube::spawn(
        dkron_world(NAMESPACE, &[refused_backend()]),
        Options::default(),
    );
    let pods = Api::<Pod>::namespaced(client(&fake).await, NAMESPACE);

    let mut forwarder = pods.portforward("dkron-0", &[8080]).await.unwrap();
    let error = forwarder.take_error(8080).unwrap();
    let text = tokio::time::timeout(Duration::from_secs(5), error)
        .await
        .expect("the error arrives")
        .expect("the error channel carries text");
    assert_eq!(
        text,
        "error forwarding port 8080 to pod dkron-0, uid : failed to connect to backend: \
         connection refused"
    );
    let mut stream = forwarder.take_stream(8080).unwrap();
    let mut nothing = Vec::new();
    stream.read_to_end(&mut nothing).await.unwrap();
    assert!(nothing.is_empty());
}

#[tokio::test]
async fn missing_backend_reads_as_refused() {
    let mut world = dkron_world(NAMESPACE, &[refused_backend()]);
    world.backends.clear();
    let fake = FakeKube::spawn(world, Options::default());
    let pods = Api::<Pod>::namespaced(client(&fake).await, NAMESPACE);

    let mut forwarder = pods.portforward("dkron-0", &[8080]).await.unwrap();
    let text = forwarder.take_error(8080).unwrap().await.unwrap();
    assert!(text.contains("connection refused"), "{text}");
    assert!(
        text.contains("no backend for joelclaw/dkron-0:8080"),
        "{text}"
    );
}

#[tokio::test]
async fn unknown_or_replaced_pod_is_404_on_the_upgrade() {
    let fake = FakeKube::spawn(
        dkron_world(NAMESPACE, &[refused_backend()]),
        Options::default(),
    );
    let pods = Api::<Pod>::namespaced(client(&fake).await, NAMESPACE);

    let Err(error) = pods.portforward("dkron-7", &[8080]).await else {
        panic!("no such pod");
    };
    assert_eq!(api_code(error).0, 404);

    // Pod churn: dkron-0 goes away while the fake runs.
    fake.update(|world| {
        world
            .pods
            .retain(|pod| pod.metadata.name.as_deref() != Some("dkron-0"));
    });
    let Err(error) = pods.portforward("dkron-0", &[8080]).await else {
        panic!("the pod was removed");
    };
    assert_eq!(
        api_code(error),
        (404, "pods \"dkron-0\" not found".to_owned())
    );
}

#[tokio::test]
async fn wrong_token_is_401() {
    let fake = FakeKube::spawn(World::default(), Options::default());
    let mut kubeconfig: serde_json::Value =
        serde_json::from_str(&fake.kubeconfig("fake", NAMESPACE)).unwrap();
    kubeconfig["users"][0]["user"]["token"] = json!("not-the-token");
    let client = client_with(&kubeconfig.to_string()).await;

    let error = Api::<Pod>::namespaced(client, NAMESPACE)
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert_eq!(api_code(error), (401, "Unauthorized".to_owned()));
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let latency = Duration::from_millis(300);
    let fake = FakeKube::spawn(
        dkron_world(NAMESPACE, &[echo_backend().await]),
        Options {
            latency,
            ..Options::default()
        },
    );
    let client = client(&fake).await;

    let started = Instant::now();
    Api::<Service>::namespaced(client.clone(), NAMESPACE)
        .get("dkron-svc")
        .await
        .unwrap();
    assert!(started.elapsed() >= latency, "{:?}", started.elapsed());

    let started = Instant::now();
    let _forwarder = Api::<Pod>::namespaced(client, NAMESPACE)
        .portforward("dkron-0", &[8080])
        .await
        .unwrap();
    assert!(started.elapsed() >= latency, "{:?}", started.elapsed());
}

#[test]
fn label_selectors_are_equality_based() {
    let labels = json!({ "app": "dkron", "tier": "cron" });
    let matches = |selector: &str| {
        parse_label_selector(selector)
            .unwrap()
            .iter()
            .all(|requirement| requirement.matches(&labels))
    };
    assert!(matches("app=dkron"));
    assert!(matches("app==dkron, tier=cron"));
    assert!(matches("app,!missing,tier!=web"));
    assert!(matches(""));
    assert!(!matches("app=dkron,tier=web"));
    assert!(!matches("!app"));
    assert!(!matches("missing"));
    assert_eq!(
        parse_label_selector("a!=b").unwrap(),
        [Requirement::NotEquals("a".to_owned(), "b".to_owned())]
    );
    assert!(parse_label_selector("app in (dkron)").is_err());
    assert!(parse_label_selector("=x").is_err());
}

#[test]
fn ports_may_repeat_and_be_comma_separated() {
    assert_eq!(parse_ports("&ports=8080").unwrap(), [8080]);
    assert_eq!(
        parse_ports("ports=80%2C443&ports=8080").unwrap(),
        [80, 443, 8080]
    );
    assert!(parse_ports("").is_err());
    assert!(parse_ports("ports=0").is_err());
    assert!(parse_ports("ports=70000").is_err());
    assert!(parse_ports("ports=http").is_err());
}

#[test]
fn dkron_world_matches_its_description() {
    let backends = [refused_backend(), refused_backend(), refused_backend()];
    let world = dkron_world(NAMESPACE, &backends);
    let stateful_set = &world.stateful_sets[0];
    assert_eq!(stateful_set.spec.replicas, Some(3));
    assert_eq!(
        stateful_set.status.as_ref().unwrap().ready_replicas,
        Some(3)
    );
    assert_eq!(world.pods.len(), 3);
    for (index, pod) in world.pods.iter().enumerate() {
        let status = pod.status.as_ref().unwrap();
        assert_eq!(status.phase.as_deref(), Some("Running"));
        assert!(
            status
                .conditions
                .iter()
                .flatten()
                .any(|condition| condition.type_ == "Ready" && condition.status == "True")
        );
        let key = (NAMESPACE.to_owned(), format!("dkron-{index}"), 8080);
        assert_eq!(world.backends[&key], backends[index]);
    }
    let peer = world
        .services
        .iter()
        .find(|service| service.metadata.name.as_deref() == Some("dkron-peer"))
        .unwrap();
    assert_eq!(
        peer.spec.as_ref().unwrap().cluster_ip.as_deref(),
        Some("None")
    );
    assert_eq!(
        world.endpoint_slices[0].endpoints.iter().flatten().count(),
        3
    );
}

/// The wire below kube-rs: a plain tungstenite client, so the exact frames can be asserted.
mod raw {
    use std::sync::Arc;

    use futures_util::{SinkExt, StreamExt};
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, ServerName};
    use tokio::net::TcpStream;
    use tokio_rustls::TlsConnector;
    use tokio_rustls::client::TlsStream;
    use tokio_tungstenite::WebSocketStream;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    use tokio_tungstenite::tungstenite::http::HeaderValue;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    use tokio_tungstenite::tungstenite::{self, Message};

    use super::*;

    type Socket = WebSocketStream<TlsStream<TcpStream>>;

    async fn connect(
        fake: &FakeKube,
        pod: &str,
        protocols: Option<&str>,
    ) -> Result<Socket, tungstenite::Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(fake.ca_pem.as_bytes()).unwrap())
            .unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let tcp = TcpStream::connect(fake.addr).await.unwrap();
        let tls = TlsConnector::from(Arc::new(config))
            .connect(ServerName::IpAddress(fake.addr.ip().into()), tcp)
            .await
            .unwrap();

        let url = format!(
            "wss://{}/api/v1/namespaces/{NAMESPACE}/pods/{pod}/portforward?ports=8080",
            fake.addr
        );
        let mut request = url.into_client_request().unwrap();
        let headers = request.headers_mut();
        headers.insert(
            "authorization",
            HeaderValue::from_static("Bearer test-token"),
        );
        if let Some(protocols) = protocols {
            headers.insert(
                "sec-websocket-protocol",
                HeaderValue::from_str(protocols).unwrap(),
            );
        }
        let (socket, _) = tokio_tungstenite::client_async(request, tls).await?;
        Ok(socket)
    }

    async fn next_frame(socket: &mut Socket) -> Message {
        tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a frame arrives")
            .expect("the socket is open")
            .expect("the frame is valid")
    }

    fn binary(bytes: &[u8]) -> Message {
        Message::Binary(bytes.to_vec().into())
    }

    #[tokio::test]
    async fn frames_match_the_kubelet() {
        let fake = FakeKube::spawn(
            dkron_world(NAMESPACE, &[echo_backend().await]),
            Options::default(),
        );
        let mut socket = connect(&fake, "dkron-0", Some("v4.channel.k8s.io"))
            .await
            .unwrap();

        // Port 8080 = 0x1F90, little-endian, first on the data then on the error channel.
        assert_eq!(next_frame(&mut socket).await, binary(&[0, 0x90, 0x1f]));
        assert_eq!(next_frame(&mut socket).await, binary(&[1, 0x90, 0x1f]));

        // Unknown channels and the client-side error channel are ignored, not fatal.
        socket.send(binary(&[6, b'x'])).await.unwrap();
        socket.send(binary(&[1, b'y'])).await.unwrap();
        socket.send(binary(&[0, b'h', b'i'])).await.unwrap();
        assert_eq!(next_frame(&mut socket).await, binary(&[0, b'h', b'i']));

        // A client Close is answered, then the connection ends.
        socket.send(Message::Close(None)).await.unwrap();
        assert!(matches!(next_frame(&mut socket).await, Message::Close(_)));
        let end = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .unwrap();
        assert!(end.is_none(), "{end:?}");
    }

    #[tokio::test]
    async fn backend_eof_sends_close_1000() {
        let fake = FakeKube::spawn(
            dkron_world(NAMESPACE, &[answering_backend(b"bye").await]),
            Options::default(),
        );
        let mut socket = connect(&fake, "dkron-0", Some("v4.channel.k8s.io"))
            .await
            .unwrap();
        next_frame(&mut socket).await;
        next_frame(&mut socket).await;
        assert_eq!(
            next_frame(&mut socket).await,
            binary(&[0, b'b', b'y', b'e'])
        );
        match next_frame(&mut socket).await {
            Message::Close(Some(close)) => assert_eq!(close.code, CloseCode::Normal),
            other => panic!("expected Close(1000), got {other:?}"),
        }
    }

    #[tokio::test]
    async fn refused_backend_writes_error_text_then_closes() {
        let fake = FakeKube::spawn(
            dkron_world(NAMESPACE, &[refused_backend()]),
            Options::default(),
        );
        let mut socket = connect(&fake, "dkron-0", Some("v4.channel.k8s.io"))
            .await
            .unwrap();
        next_frame(&mut socket).await;
        next_frame(&mut socket).await;
        let Message::Binary(error) = next_frame(&mut socket).await else {
            panic!("expected the error frame");
        };
        assert_eq!(error[0], 1);
        assert!(error.ends_with(b"connection refused"));
        assert!(matches!(
            next_frame(&mut socket).await,
            Message::Close(Some(_))
        ));
    }

    #[tokio::test]
    async fn protocol_negotiation_follows_the_offer() {
        let fake = FakeKube::spawn(
            dkron_world(NAMESPACE, &[echo_backend().await]),
            Options::default(),
        );

        // No offer: the kubelet's "" entry applies and no protocol header is echoed.
        let mut socket = connect(&fake, "dkron-0", None).await.unwrap();
        assert_eq!(next_frame(&mut socket).await, binary(&[0, 0x90, 0x1f]));
        assert_eq!(fake.requests()[0].negotiated_protocol.as_deref(), Some(""));

        // v5 is exec/attach only, so an offer of v5 alone is refused.
        let refused = connect(&fake, "dkron-0", Some("v5.channel.k8s.io")).await;
        match refused {
            Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
            other => panic!("expected a 403, got {:?}", other.map(|_| ())),
        }
        assert_eq!(fake.upgrades(), 1);
    }
}
