//! `manifest`: print the Dkron deployment as multi-document YAML (`k8s/dkron.yaml` is its output
//! for the defaults).

use serde::Serialize;

use super::Context;
use crate::cli::DeploymentArgs;
use crate::deployment;
use crate::output::Report;

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
    let yaml = deployment::to_yaml(&deployment);
    let result = ManifestResult {
        namespace: deployment.namespace.clone(),
        replicas: deployment.replicas,
        image: deployment.image.clone(),
        objects: deployment::objects(&deployment)
            .iter()
            .map(deployment::Object::describe)
            .collect(),
        yaml: yaml.clone(),
    };
    Ok(Report::new(&result, yaml))
}
