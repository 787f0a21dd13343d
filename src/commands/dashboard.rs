//! `dashboard`: hold a tunnel open to Dkron's web UI on 127.0.0.1 until Ctrl-C or SIGTERM.
//!
//! Dkron has no authentication, so its UI has no exposure path but a tunnel that Kubernetes RBAC
//! guards; this is that tunnel, for as long as the operator needs it and not a second longer.

use serde::Serialize;

use super::Context;
use crate::output::Report;
use crate::tunnel::AccessInfo;

/// Open Dkron's web UI through a tunnel on 127.0.0.1 and keep it open until Ctrl-C.
#[derive(Debug, clap::Args)]
pub struct DashboardArgs {
    /// Local port to listen on (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub local_port: u16,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DashboardResult {
    #[serde(flatten)]
    pub access: AccessInfo,
    pub url: String,
    /// False in direct mode: there is no tunnel to hold.
    pub held: bool,
}

pub async fn run(context: &Context, args: DashboardArgs) -> anyhow::Result<Report> {
    let DashboardArgs { local_port } = args;
    let access = context.open_on(local_port).await?;
    // Prove the path works before handing out the URL.
    access.client.health().await?;
    let url = format!("{}/ui/", access.info.base_url);
    let held = access.forwarder.is_some();
    let styles = context.printer.styles();
    let human = if held {
        let tunnel = access.info.tunnel.as_ref().expect("a tunnel has its info");
        format!(
            "Dkron dashboard: {}\n{}\n",
            styles.bold(&url),
            styles.dim(&format!(
                "tunnel to pod {}:{} in {} (context {}); Ctrl-C closes it",
                tunnel.pod, tunnel.pod_port, tunnel.namespace, tunnel.context
            ))
        )
    } else {
        format!("Dkron dashboard: {}\n", styles.bold(&url))
    };
    let result = DashboardResult {
        access: access.info.clone(),
        url,
        held,
    };
    if !held {
        return Ok(Report::new(&result, human));
    }
    // Say where it is now; the command then only ends on a signal.
    context.printer.report(Report::new(&result, human));
    crate::signals::terminated().await;
    let connections = access
        .forwarder
        .as_ref()
        .map_or(0, |forwarder| forwarder.state.connections());
    drop(access);
    context.printer.note(&format!(
        "tunnel closed after {connections} forwarded connection(s)"
    ));
    Ok(Report::silent())
}
