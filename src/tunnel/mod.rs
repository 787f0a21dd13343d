//! Access to Dkron: the one place that decides how its HTTP API is reached.
//!
//! Commands ask the context for a [`DkronAccess`] and get a ready [`DkronClient`] plus a description
//! of how it was reached, which they report (`accessMode`, `baseUrl`). Today the only way is direct:
//! `--base-url` / `DKRON_URL`. The in-process Kubernetes port-forward to the `dkron-svc` Service
//! (namespace and Service from `--namespace` / `--service-name`) belongs here too and will return
//! the same type; until it exists, a command without a URL fails with an error that says so.

use serde::Serialize;
use url::Url;

use crate::dkron::DkronClient;
use crate::error::{CliError, ErrorKind};

/// What the user told us about reaching Dkron.
#[derive(Debug, Clone)]
pub struct AccessSettings {
    pub base_url: Option<Url>,
    pub namespace: String,
    pub service_name: String,
    /// Budget of each Dkron request (runs excepted).
    pub timeout: std::time::Duration,
}

/// How Dkron was reached, as reported in results.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessInfo {
    pub access_mode: &'static str,
    pub base_url: String,
}

/// A client for Dkron and how it was reached. Dropping it releases whatever the access needed.
#[derive(Debug)]
pub struct DkronAccess {
    pub client: DkronClient,
    pub info: AccessInfo,
}

/// Opens access to Dkron according to the settings.
pub async fn open(settings: &AccessSettings) -> anyhow::Result<DkronAccess> {
    let Some(base_url) = &settings.base_url else {
        return Err(CliError::new(
            ErrorKind::NoDkronUrl,
            format!(
                "no Dkron URL: pass --base-url or set DKRON_URL (this build cannot open a Kubernetes tunnel to svc/{} in namespace {} yet)",
                settings.service_name, settings.namespace
            ),
        )
        .hint("kubectl -n joelclaw port-forward svc/dkron-svc 8080:8080, then --base-url http://127.0.0.1:8080")
        .into());
    };
    let client = DkronClient::new(base_url.clone(), settings.timeout)?;
    Ok(DkronAccess {
        info: AccessInfo {
            access_mode: "direct",
            base_url: display_base(base_url),
        },
        client,
    })
}

/// The base URL without a trailing slash, as people write it.
pub fn display_base(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

/// Parses `--base-url` / `DKRON_URL`.
pub fn parse_base_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|error| format!("`{text}` is not a URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("`{text}` must be an http:// or https:// URL"));
    }
    Ok(url)
}
