//! The HTTP plumbing the Dkron and Restate admin clients share.
//!
//! An [`Endpoint`] is a base URL plus a reqwest client with the CLI's habits: a connect timeout, a
//! per-request budget, no redirects (neither server redirects a request we build correctly, so a
//! redirect is a bug to see), one retry of an idempotent request after a dropped connection, and —
//! when the connection is carried by a tunnel — the tunnel's own explanation of a failure instead of
//! a bare "connection refused". What the answers mean is each client's business.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use url::Url;

use crate::error::ErrorKind;

/// Why the thing that carries connections (the tunnel) failed, as it reported it.
#[derive(Debug, Clone)]
pub struct CarrierFailure {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

/// Asks the carrier for its last failure when a connection breaks.
pub type TransportNote = Arc<dyn Fn() -> Option<CarrierFailure> + Send + Sync>;

/// A raw answer: status, headers and the body text.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    }
}

/// Why no answer came back.
#[derive(Debug)]
pub enum Failure {
    /// The request never got an answer (refused, reset, timed out): the innermost cause.
    Unreachable(String),
    /// The tunnel carrying the connection failed, and said why.
    Carrier(CarrierFailure),
    /// The status line came, but the body could not be read.
    Body(String),
}

/// A server reached at one base URL.
#[derive(Clone)]
pub struct Endpoint {
    http: reqwest::Client,
    pub base_url: Url,
    /// Budget of every request that does not bring its own.
    pub timeout: Duration,
    transport_note: Option<TransportNote>,
    /// Requests sent (retries included), shared by the endpoint's clones: commands report it, so
    /// "a bounded number of requests" is something a reader can check.
    sent: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url.as_str())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    pub fn new(base_url: Url, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("joelclaw/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            base_url,
            timeout,
            transport_note: None,
            sent: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// How many requests this endpoint (and its clones) has sent.
    pub fn requests_sent(&self) -> usize {
        self.sent.load(Ordering::Relaxed)
    }

    /// Lets a transport failure report the carrier's own failure (its code, text and hint).
    pub fn with_transport_note(mut self, note: TransportNote) -> Self {
        self.transport_note = Some(note);
        self
    }

    /// Builds `<base>/<segments…>`, percent-encoding each segment.
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base_url.clone();
        url.path_segments_mut()
            .expect("base URL is http(s)")
            .pop_if_empty()
            .extend(segments);
        url
    }

    /// Sends one request. `idempotent` requests are retried once after a dropped connection (a pod
    /// replaced under a tunnel, a proxy reset), never after a timeout.
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        headers: &[(&str, &str)],
        timeout: Duration,
        idempotent: bool,
    ) -> Result<Answer, Failure> {
        let mut retried = false;
        let response = loop {
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .timeout(timeout);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            self.sent.fetch_add(1, Ordering::Relaxed);
            match request.send().await {
                Ok(response) => break response,
                Err(error) if idempotent && !retried && !error.is_timeout() => retried = true,
                Err(error) => {
                    return Err(match self.transport_note.as_ref().and_then(|note| note()) {
                        Some(failure) => Failure::Carrier(failure),
                        None => Failure::Unreachable(transport_reason(&error)),
                    });
                }
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.map_err(|error| {
            Failure::Body(format!(
                "the body could not be read: {}",
                transport_reason(&error)
            ))
        })?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

/// The path and query of a URL, as error messages show a request.
pub fn display_path(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    }
}

/// The innermost cause of a transport error ("connection refused", "operation timed out").
fn transport_reason(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(next) = source.source() {
        source = next;
    }
    let inner = source.to_string();
    if error.is_timeout() {
        format!("timed out ({inner})")
    } else {
        inner
    }
}
