//! The Kubernetes client: which cluster and identity, and what its failures mean to an operator.
//!
//! The client comes from `--kubeconfig` (or `KUBECONFIG`, or `~/.kube/config`) and `--context`; with no
//! kubeconfig at all and no `--context`, from the in-cluster service account (a CI job running in the
//! cluster). Every apiserver failure the tunnel can meet is turned into a [`CliError`] with its own
//! `error.code` and a hint: 403 names the RBAC verbs the CLI needs, 404 names the missing object and
//! the context, transport failures separate "unreachable" from "TLS".

use std::path::PathBuf;

use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::error::{CliError, ErrorKind};

/// The RBAC the tunnel needs, as a person would grant it.
pub const RBAC_HINT: &str = "the CLI needs, in the Dkron namespace: get+create on pods/portforward, \
get on services, list on endpointslices.discovery.k8s.io, list on pods (and get on statefulsets for `status`)";

/// Which cluster a client talks to, for reports and error messages.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterInfo {
    /// The kubeconfig context, or `in-cluster`.
    pub context: String,
    pub server: String,
}

/// A Kubernetes client and which cluster it talks to; one per command, shared by its tunnels.
#[derive(Clone)]
pub struct Cluster {
    pub client: kube::Client,
    pub info: ClusterInfo,
}

/// Builds a client from the kubeconfig or the in-cluster service account.
pub async fn client(
    kubeconfig: Option<&PathBuf>,
    context: Option<&str>,
) -> Result<Cluster, CliError> {
    let loaded = load_kubeconfig(kubeconfig)?;
    if loaded.is_none() && (context.is_some() || !in_cluster()) {
        return Err(CliError::new(
            ErrorKind::Kubeconfig,
            "no kubeconfig found (--kubeconfig, KUBECONFIG or ~/.kube/config) and not running in a cluster",
        )
        .hint("pass --kubeconfig PATH, set KUBECONFIG, or reach Dkron directly with --base-url"));
    }
    let (config, context_name) = match loaded {
        Some(kubeconfig) => {
            let chosen = context
                .map(str::to_string)
                .or_else(|| kubeconfig.current_context.clone())
                .unwrap_or_default();
            let options = KubeConfigOptions {
                context: context.map(str::to_string),
                ..KubeConfigOptions::default()
            };
            let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|error| {
                    CliError::new(
                        ErrorKind::Kubeconfig,
                        format!("kubeconfig context `{chosen}` is unusable: {error}"),
                    )
                    .hint(
                        "`kubectl config get-contexts` lists the contexts; pick one with --context",
                    )
                })?;
            (config, chosen)
        }
        None => (
            kube::Config::incluster().map_err(|error| {
                CliError::new(
                    ErrorKind::Kubeconfig,
                    format!(
                        "no kubeconfig and the in-cluster service account is unusable: {error}"
                    ),
                )
            })?,
            "in-cluster".to_string(),
        ),
    };
    let server = config.cluster_url.to_string();
    let client = kube::Client::try_from(config).map_err(|error| {
        CliError::new(
            ErrorKind::Kubeconfig,
            format!("cannot build a Kubernetes client for `{context_name}`: {error}"),
        )
    })?;
    Ok(Cluster {
        client,
        info: ClusterInfo {
            context: context_name,
            server: server.trim_end_matches('/').to_string(),
        },
    })
}

/// The kubeconfig: `--kubeconfig` (must exist), else the files of `KUBECONFIG` that exist, merged
/// in order (kubectl skips missing ones), else `~/.kube/config` if it exists; `None` if none does.
fn load_kubeconfig(explicit: Option<&PathBuf>) -> Result<Option<Kubeconfig>, CliError> {
    let unreadable = |path: &std::path::Path, error: kube::config::KubeconfigError| {
        CliError::new(
            ErrorKind::Kubeconfig,
            format!("cannot read kubeconfig {}: {error}", path.display()),
        )
    };
    if let Some(path) = explicit {
        return Kubeconfig::read_from(path)
            .map(Some)
            .map_err(|error| unreadable(path, error));
    }
    let candidates: Vec<PathBuf> = match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(list) => std::env::split_paths(&list).collect(),
        None => std::env::var_os("HOME")
            .map(|home| vec![PathBuf::from(home).join(".kube").join("config")])
            .unwrap_or_default(),
    };
    let mut merged: Option<Kubeconfig> = None;
    for path in candidates.iter().filter(|path| path.is_file()) {
        let config = Kubeconfig::read_from(path).map_err(|error| unreadable(path, error))?;
        merged = Some(match merged {
            None => config,
            Some(earlier) => earlier
                .merge(config)
                .map_err(|error| unreadable(path, error))?,
        });
    }
    Ok(merged)
}

fn in_cluster() -> bool {
    std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
}

/// What a request was trying to do, for the error text ("get service dkron-svc").
pub struct Attempt<'a> {
    pub verb: &'a str,
    pub resource: &'a str,
    pub name: &'a str,
    pub namespace: &'a str,
    pub cluster: &'a ClusterInfo,
}

/// Turns a kube error into an error a person can act on.
pub fn explain(error: kube::Error, attempt: &Attempt<'_>) -> CliError {
    let Attempt {
        verb,
        resource,
        name,
        namespace,
        cluster,
    } = attempt;
    let target = if name.is_empty() {
        format!("{resource} in namespace {namespace}")
    } else {
        format!("{resource} {name} in namespace {namespace}")
    };
    let context = &cluster.context;
    match error {
        kube::Error::Api(status) if status.code == 403 => CliError::new(
            ErrorKind::KubeForbidden,
            format!(
                "Kubernetes (context `{context}`) refused to {verb} {target}: {}",
                status.message
            ),
        )
        .hint(RBAC_HINT),
        kube::Error::Api(status) if status.code == 401 => CliError::new(
            ErrorKind::KubeUnauthorized,
            format!(
                "Kubernetes (context `{context}`) did not accept the credentials: {}",
                status.message
            ),
        )
        .hint("refresh the credentials of the kubeconfig user (log in again)"),
        kube::Error::Api(status) if status.code == 404 => CliError::new(
            ErrorKind::KubeNotFound,
            format!(
                "{target} not found (context `{context}`): {}",
                status.message
            ),
        ),
        kube::Error::Api(status) => CliError::new(
            ErrorKind::KubeError,
            format!(
                "Kubernetes (context `{context}`) answered {} to {verb} {target}: {}",
                status.code, status.message
            ),
        ),
        other => transport(other, cluster),
    }
}

/// A failure below HTTP: the apiserver cannot be reached, or its certificate is not trusted.
pub fn transport(error: kube::Error, cluster: &ClusterInfo) -> CliError {
    let chain = error_chain(&error);
    let tls = [
        "certificate",
        "tls",
        "handshake",
        "UnknownIssuer",
        "NotValidForName",
    ]
    .iter()
    .any(|needle| {
        chain
            .to_ascii_lowercase()
            .contains(&needle.to_ascii_lowercase())
    });
    if tls {
        CliError::new(
            ErrorKind::KubeTls,
            format!(
                "TLS to the Kubernetes apiserver {} (context `{}`) failed: {chain}",
                cluster.server, cluster.context
            ),
        )
        .hint("the kubeconfig's certificate-authority data does not match the apiserver's certificate")
    } else {
        CliError::new(
            ErrorKind::KubeUnreachable,
            format!(
                "cannot reach the Kubernetes apiserver {} (context `{}`): {chain}",
                cluster.server, cluster.context
            ),
        )
        .hint("check the network path to the cluster (VPN, context) or use --base-url")
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
