//! The HTTP plumbing the Dkron and Restate admin clients share.
//!
//! An [`Endpoint`] is a base URL plus a reqwest client with the CLI's habits: a connect timeout, a
//! per-request budget, no redirects (neither server redirects a request we build correctly, so a
//! redirect is a bug to see), one retry of an idempotent request after a dropped connection, and —
//! when the connection is carried by a tunnel — the tunnel's own explanation of a failure instead of
//! a bare "connection refused". Every body is read within a limit of [`crate::limits`] (a
//! success's up to the limit of its kind, refused past it; an error's cut for showing), and JSON
//! answers are read into one buffer and decoded in place (never also copied into a `String`).
//! What the answers mean is each client's business.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::ErrorKind;
use crate::limits::{self, Limit, TooLarge};

/// Why the thing that carries connections (the tunnel) failed, as it reported it.
#[derive(Debug, Clone)]
pub struct CarrierFailure {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

/// Asks the carrier for its last failure when a connection breaks.
pub type TransportNote = Arc<dyn Fn() -> Option<CarrierFailure> + Send + Sync>;

/// A raw answer: status, headers and the body text (an error status's body cut for showing).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

/// What a request that expects a JSON answer got back.
pub enum Decoded<T> {
    /// The expected status and a body that decoded.
    Value(T, Head),
    /// The expected status and no body at all.
    Empty(Head),
    /// The expected status, and a body that is not the JSON expected (the parser's words).
    Invalid(Head, String),
    /// Another status: the whole answer, its body cut for showing.
    Status(Answer),
}

/// The status line and headers of an answer whose body was decoded.
pub struct Head {
    pub status: StatusCode,
    pub headers: HeaderMap,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.headers, name)
    }
}

/// Why no answer came back.
#[derive(Debug)]
pub enum Failure {
    /// The request never got an answer (refused, reset): the innermost cause.
    Unreachable(String),
    /// No answer within the request's budget.
    TimedOut(Duration),
    /// The tunnel carrying the connection failed, and said why.
    Carrier(CarrierFailure),
    /// The status line came, but the body could not be read.
    Body(String),
    /// The body is larger than this tool reads of that kind of answer.
    TooLarge(TooLarge),
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

    /// Sends one request and reads the answer's body: up to `limit` for a success, up to
    /// [`limits::ERROR_BODY`] (then cut, with a note) for any other status. `idempotent` requests
    /// are retried once after a dropped connection (a pod replaced under a tunnel, a proxy reset),
    /// never after a timeout.
    #[allow(clippy::too_many_arguments)]
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        headers: &[(&str, &str)],
        timeout: Duration,
        idempotent: bool,
        limit: Limit,
    ) -> Result<Answer, Failure> {
        let response = self
            .respond(method, url, body, headers, timeout, idempotent)
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = if status.is_success() {
            read_text(response, limit).await?
        } else {
            read_cut(response).await?
        };
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// Sends one request that expects `expect` and a JSON body, and decodes the body (read once,
    /// up to `limit`).
    #[allow(clippy::too_many_arguments)]
    pub async fn send_decoding<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        timeout: Duration,
        idempotent: bool,
        expect: StatusCode,
        limit: Limit,
    ) -> Result<Decoded<T>, Failure> {
        let response = self
            .respond(method, url, body, &[], timeout, idempotent)
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        if status != expect {
            let body = read_cut(response).await?;
            return Ok(Decoded::Status(Answer {
                status,
                headers,
                body,
            }));
        }
        let head = Head { status, headers };
        Ok(match decode_streaming::<T>(response, limit).await? {
            Streamed::Value(value) => Decoded::Value(value, head),
            Streamed::Empty => Decoded::Empty(head),
            Streamed::Invalid(reason) => Decoded::Invalid(head, reason),
        })
    }

    async fn respond(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        headers: &[(&str, &str)],
        timeout: Duration,
        idempotent: bool,
    ) -> Result<reqwest::Response, Failure> {
        let mut retried = false;
        loop {
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
                Ok(response) => return Ok(response),
                Err(error) if idempotent && !retried && !error.is_timeout() => retried = true,
                Err(error) => {
                    return Err(match self.transport_note.as_ref().and_then(|note| note()) {
                        Some(failure) => Failure::Carrier(failure),
                        None if error.is_timeout() => Failure::TimedOut(timeout),
                        None => Failure::Unreachable(transport_reason(&error)),
                    });
                }
            }
        }
    }
}

fn body_failure(error: &reqwest::Error) -> Failure {
    Failure::Body(format!(
        "the body could not be read: {}",
        transport_reason(error)
    ))
}

/// The whole body in one buffer (sized from Content-Length when it is announced), refused past
/// `limit`: before reading when Content-Length says so, else as soon as the chunks pass it.
async fn read_bytes(mut response: reqwest::Response, limit: Limit) -> Result<Vec<u8>, Failure> {
    if let Some(length) = response.content_length() {
        limit.check_announced(length).map_err(Failure::TooLarge)?;
    }
    let mut bytes = Vec::with_capacity(
        response
            .content_length()
            .map_or(0, |length| length as usize),
    );
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| body_failure(&error))?
    {
        if (bytes.len() + chunk.len()) as u64 > limit.bytes {
            return Err(Failure::TooLarge(limit.exceeded()));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The whole body as text, refused past `limit` (before reading when Content-Length says so).
async fn read_text(response: reqwest::Response, limit: Limit) -> Result<String, Failure> {
    let bytes = read_bytes(response, limit).await?;
    // One buffer: valid UTF-8 becomes the String without a copy.
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned()))
}

/// An error body for showing: its first [`limits::ERROR_BODY`] bytes, then a note of how much
/// was left unread. The rest is never read (the connection is dropped).
async fn read_cut(mut response: reqwest::Response) -> Result<String, Failure> {
    let limit = limits::ERROR_BODY.bytes as usize;
    let announced = response.content_length();
    let mut bytes = Vec::new();
    let mut cut = false;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| body_failure(&error))?
    {
        let room = limit - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            cut = true;
            break;
        }
        bytes.extend_from_slice(&chunk);
    }
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if cut {
        // A cut may split a character: the lossy decoding shows it as U+FFFD.
        let total = match announced {
            Some(length) => limits::size(length),
            None => format!("more than {}", limits::size(limit as u64)),
        };
        text.push_str(&format!(
            "… [cut: the first {} of {total}]",
            limits::size(limit as u64)
        ));
    }
    Ok(text)
}

enum Streamed<T> {
    Value(T),
    Empty,
    Invalid(String),
}

/// Decodes a JSON body read into one buffer (never also copied into a `String`), within `limit`:
/// past it the reading stops and the answer is refused.
///
/// Measured against decoding on a blocking thread while the chunks arrive (which never holds
/// the text at all): that thread's allocator arena keeps the decoded jobs' memory after they
/// are freed, so a `--json` list of 100 000 jobs peaked 230 MB higher (1.06 GB against 0.83 GB)
/// and took longer; one buffer decoded in place peaks lower than both.
async fn decode_streaming<T: DeserializeOwned>(
    response: reqwest::Response,
    limit: Limit,
) -> Result<Streamed<T>, Failure> {
    let bytes = read_bytes(response, limit).await?;
    if bytes.is_empty() {
        return Ok(Streamed::Empty);
    }
    Ok(match serde_json::from_slice(&bytes) {
        Ok(value) => Streamed::Value(value),
        Err(error) => Streamed::Invalid(error.to_string()),
    })
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
