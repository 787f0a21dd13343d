//! `manifest`: print the Dkron deployment as multi-document YAML (`k8s/dkron.yaml` is its output
//! for the defaults).

use serde::Serialize;

use super::Context;
use crate::manifests::deploy::{self, DEFAULT_IMAGE, Deployment};
use crate::output::Report;

/// The deployment's shape, shared by `manifest` and `install`.
#[derive(Debug, Clone, clap::Args)]
pub struct DeploymentArgs {
    /// Dkron servers (a Raft cluster; use an odd number).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i32).range(1..=9))]
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
}

impl DeploymentArgs {
    pub fn deployment(&self, namespace: &str) -> anyhow::Result<Deployment> {
        let DeploymentArgs {
            replicas,
            image,
            storage_class,
            storage,
        } = self.clone();
        // A floating tag is what the reference deployment got wrong: insist on a pinned one.
        let tag = image
            .rsplit_once(':')
            .map(|(_, tag)| tag)
            .unwrap_or_default();
        if tag.is_empty() || tag == "latest" || image.ends_with('/') {
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
