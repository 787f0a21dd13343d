//! `manifest`: print the Dkron deployment as multi-document YAML (`k8s/dkron.yaml` is its output
//! for the defaults).

use serde::Serialize;

use super::Context;
use crate::manifests::deploy::{self, DEFAULT_IMAGE, Deployment};
use crate::output::Report;

/// The deployment's shape, shared by `manifest` and `install`.
#[derive(Debug, Clone, clap::Args)]
pub struct DeploymentArgs {
    /// Dkron servers: 1, 3, 5, 7 or 9 (a Raft cluster needs an odd number to keep a quorum
    /// through a failure; with 2, the disruption budget could never allow a drain).
    #[arg(long, default_value_t = 1, value_parser = parse_replicas)]
    pub replicas: i32,

    /// The Dkron image, pinned.
    #[arg(long, default_value = DEFAULT_IMAGE, value_name = "IMAGE:TAG")]
    pub image: String,

    /// StorageClass of the data volumes (default: the cluster's default class).
    #[arg(long, value_name = "CLASS")]
    pub storage_class: Option<String>,

    /// Size of each server's data volume.
    #[arg(long, default_value = "1Gi", value_name = "QUANTITY")]
    pub storage: String,

    /// Add an init container that makes the data volume owned by the Dkron user (65532), for
    /// storage that ignores `fsGroup` (local-path, hostPath).
    ///
    /// It runs the same image as root with only CAP_CHOWN and no privilege escalation, which the
    /// `baseline` Pod Security level admits and `restricted` does not: pass `false` in a namespace
    /// that enforces `restricted` (its storage must then honour `fsGroup`).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub volume_permissions: bool,
}

fn parse_replicas(text: &str) -> Result<i32, String> {
    match text.parse::<i32>() {
        Ok(count @ (1 | 3 | 5 | 7 | 9)) => Ok(count),
        _ => Err(format!("`{text}` is not 1, 3, 5, 7 or 9")),
    }
}

impl DeploymentArgs {
    pub fn deployment(&self, namespace: &str) -> anyhow::Result<Deployment> {
        let DeploymentArgs {
            replicas,
            image,
            storage_class,
            storage,
            volume_permissions,
        } = self.clone();
        // A floating tag is what the reference deployment got wrong: insist on a pinned one. The
        // tag is after the `:` of the last path segment (`registry:5000/dkron` has none).
        let last_segment = image.rsplit('/').next().unwrap_or_default();
        let tag = last_segment
            .split_once(':')
            .map(|(_, tag)| tag)
            .unwrap_or_default();
        if tag.is_empty() || tag == "latest" {
            return Err(crate::error::CliError::new(
                crate::error::ErrorKind::Usage,
                format!("--image `{image}` is not pinned to a version tag"),
            )
            .hint(format!("use e.g. {DEFAULT_IMAGE}"))
            .into());
        }
        Ok(Deployment {
            namespace: namespace.to_string(),
            replicas,
            image,
            storage_class,
            storage,
            volume_permissions,
        })
    }
}

/// Print the Dkron deployment (Services, StatefulSet, PDB, NetworkPolicy, RBAC) as YAML.
///
/// `joelclaw restate cron manifest | kubectl apply -f -` deploys it; `install` applies the same
/// objects with server-side apply and waits for them.
#[derive(Debug, clap::Args)]
pub struct ManifestArgs {
    #[command(flatten)]
    pub deployment: DeploymentArgs,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ManifestResult {
    namespace: String,
    replicas: i32,
    image: String,
    objects: Vec<String>,
    yaml: String,
}

pub async fn run(context: &Context, args: ManifestArgs) -> anyhow::Result<Report> {
    let ManifestArgs { deployment } = args;
    let deployment = deployment.deployment(context.namespace())?;
    let yaml = deploy::to_yaml(&deployment);
    let result = ManifestResult {
        namespace: deployment.namespace.clone(),
        replicas: deployment.replicas,
        image: deployment.image.clone(),
        objects: deploy::objects(&deployment)
            .iter()
            .map(deploy::Object::describe)
            .collect(),
        yaml: yaml.clone(),
    };
    Ok(Report::new(&result, yaml))
}
