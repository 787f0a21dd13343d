//! `status`: is Dkron healthy, who leads, who is a member, how many jobs, where the dashboard is,
//! and (through a tunnel) the Kubernetes side: the StatefulSet, the Service, each pod, and how the
//! tunnel was made; then Restate's side: its admin API's health and version, and whether every
//! managed job's target service and handler is registered. An unhealthy Dkron (health not 200, no
//! Raft leader, or fewer ready replicas than desired), an unreachable Restate or an unregistered
//! target prints the report and exits 1.

use serde::Serialize;

use super::Context;
use crate::dkron::{Job, MANAGED_BY_KEY, MANAGED_BY_VALUE};
use crate::error::{CliError, ErrorKind};
use crate::output::{Report, Styles, plural};
use crate::restate::admin::Registration;
use crate::restate::target::RestateTarget;
use crate::terminal::safe;
use crate::tunnel::AccessInfo;
use crate::tunnel::workload::{self, KubernetesView};

/// Show Dkron's health, leader and jobs, and Restate's health and registrations.
///
/// Restate's admin API is checked too: its health and version, and for every managed job whether
/// the service and handler it fires are registered. An unregistered target makes the status
/// unhealthy (exit 1) and names the job.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Check Dkron only (do not reach Restate's admin API).
    #[arg(long)]
    pub skip_restate: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusResult {
    #[serde(flatten)]
    pub access: AccessInfo,
    /// Dkron and Restate (unless --skip-restate) are both healthy.
    pub healthy: bool,
    /// Dkron alone: health 200, a Raft leader, the StatefulSet's replicas ready.
    pub dkron_healthy: bool,
    pub health: Health,
    pub node: Option<String>,
    pub version: Option<String>,
    pub leader: Option<String>,
    pub members: Vec<MemberRow>,
    pub jobs: JobCounts,
    /// Dkron's web UI, when it has a URL that outlives this command (direct access).
    pub dashboard_url: Option<String>,
    /// Through a tunnel the UI has no lasting URL (the tunnel closes when `status` exits): the
    /// command that holds one open.
    pub dashboard_command: Option<String>,
    /// Present when Dkron was reached through a tunnel.
    pub kubernetes: Option<KubernetesView>,
    /// Absent with --skip-restate.
    pub restate: Option<RestateStatus>,
}

/// Restate's side of the pipeline.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestateStatus {
    pub reachable: bool,
    pub access: Option<AccessInfo>,
    pub version: Option<String>,
    pub error: Option<String>,
    /// Every managed job's target and whether Restate has it.
    pub targets: Vec<TargetCheck>,
    pub unregistered: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetCheck {
    pub job: String,
    /// `service/handler`; absent when the job is not a Restate `/send` call.
    pub target: Option<String>,
    pub service: Option<String>,
    pub handler: Option<String>,
    pub registration: Option<Registration>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub status_code: u16,
    pub body: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRow {
    pub name: String,
    pub address: String,
    pub status: String,
    pub server: bool,
    pub leader: bool,
}

#[derive(Debug, Serialize)]
pub struct JobCounts {
    pub total: u64,
    pub managed: u64,
}

pub async fn run(context: &Context, args: StatusArgs) -> anyhow::Result<Report> {
    let StatusArgs { skip_restate } = args;
    let access = context.dkron().await?;
    let client = &access.client;
    let (status, body) = client.health().await?;
    let agent = client.agent().await?;
    let leader = client.leader().await?;
    let members = client.members().await?;
    let total = client.count_jobs(&[]).await?;
    let managed = client
        .count_jobs(&[(MANAGED_BY_KEY, MANAGED_BY_VALUE)])
        .await?;
    let leader_name = leader.map(|leader| leader.name);
    let members: Vec<MemberRow> = members
        .into_iter()
        .map(|member| MemberRow {
            leader: Some(&member.name) == leader_name.as_ref(),
            server: member.tags.get("server").map(String::as_str) == Some("true"),
            address: format!("{}:{}", member.addr, member.port),
            status: member.status_text,
            name: member.name,
        })
        .collect();
    let kubernetes = match &access.kubernetes {
        Some(resolver) => Some(workload::read(resolver, &access.info).await),
        None => None,
    };
    let replicas_ready = kubernetes.as_ref().is_none_or(|view| {
        !view.stateful_set.exists
            || view.stateful_set.ready_replicas >= view.stateful_set.desired_replicas
    });
    let restate = if skip_restate {
        None
    } else {
        let managed_jobs = client
            .list_jobs(&[(MANAGED_BY_KEY, MANAGED_BY_VALUE)])
            .await?
            .into_iter()
            .filter(Job::is_managed)
            .collect::<Vec<_>>();
        Some(restate_status(context, &managed_jobs).await)
    };
    let dkron_healthy = status.is_success() && leader_name.is_some() && replicas_ready;
    let restate_healthy = restate
        .as_ref()
        .is_none_or(|restate| restate.reachable && restate.unregistered == 0);
    let healthy = dkron_healthy && restate_healthy;
    let result = StatusResult {
        dashboard_url: access
            .info
            .tunnel
            .is_none()
            .then(|| format!("{}/ui/", access.info.base_url)),
        dashboard_command: access.info.tunnel.as_ref().map(|tunnel| {
            // In a pod there is no context to name: the service account is the default.
            let context = match tunnel.context.as_str() {
                "in-cluster" => String::new(),
                context => format!(" --context {context}"),
            };
            format!(
                "joelclaw restate cron dashboard{context} --namespace {}",
                tunnel.namespace
            )
        }),
        access: access.info.clone(),
        healthy,
        dkron_healthy,
        health: Health {
            status_code: status.as_u16(),
            body: body.trim().to_string(),
        },
        node: Some(agent.agent.name).filter(|name| !name.is_empty()),
        version: Some(agent.agent.version).filter(|version| !version.is_empty()),
        leader: leader_name,
        members,
        jobs: JobCounts { total, managed },
        kubernetes,
        restate,
    };
    let human = render_human(&result, context.printer.styles());
    let mut report =
        Report::new(&result, human).next("joelclaw restate cron list", "see the managed jobs");
    if !dkron_healthy {
        let why = if result.leader.is_none() {
            "Dkron has no Raft leader".to_string()
        } else if !replicas_ready {
            "the dkron StatefulSet has fewer ready replicas than desired".to_string()
        } else {
            format!("Dkron's /health answered {}", result.health.status_code)
        };
        report = report.failed(CliError::new(ErrorKind::Unhealthy, why).hint(
            "a fresh node elects itself within seconds; otherwise check the Dkron pods' logs",
        ));
    } else if let Some(restate) = result.restate.as_ref().filter(|restate| !restate.reachable) {
        report = report.failed(
            CliError::new(
                ErrorKind::RestateUnreachable,
                format!(
                    "Restate's admin API cannot be reached: {}",
                    restate.error.as_deref().unwrap_or_default()
                ),
            )
            .hint("pass --restate-admin-url (or RESTATE_ADMIN_URL), or --restate-service-name/--restate-namespace for the tunnel; --skip-restate checks Dkron alone"),
        );
    } else if let Some(restate) = result
        .restate
        .as_ref()
        .filter(|restate| restate.unregistered > 0)
    {
        let missing: Vec<String> = restate
            .targets
            .iter()
            .filter(|check| {
                matches!(
                    check.registration,
                    Some(Registration::UnknownService | Registration::UnknownHandler)
                )
            })
            .map(|check| {
                format!(
                    "{} -> {} ({})",
                    check.job,
                    check.target.as_deref().unwrap_or_default(),
                    match check.registration {
                        Some(Registration::UnknownHandler) => "no such handler",
                        _ => "no such service",
                    }
                )
            })
            .collect();
        report = report.failed(
            CliError::new(
                ErrorKind::TargetNotRegistered,
                format!(
                    "{} {} Restate does not have: {}",
                    plural(missing.len(), "managed job"),
                    if missing.len() == 1 {
                        "fires a target"
                    } else {
                        "fire targets"
                    },
                    missing.join(", ")
                ),
            )
            .hint("register the service's deployment with Restate (`restate deployments register <uri>`), or fix the job's service/handler in tier1.toml; every fire of these jobs fails with 404 until then"),
        );
    }
    Ok(report)
}

/// Restate's health, version and registrations; each failure is reported, not raised.
async fn restate_status(context: &Context, jobs: &[Job]) -> RestateStatus {
    let mut status = RestateStatus {
        reachable: false,
        access: None,
        version: None,
        error: None,
        targets: Vec::new(),
        unregistered: 0,
    };
    let access = match context.restate().await {
        Ok(access) => access,
        Err(error) => {
            status.error = Some(format!("{error:#}"));
            return status;
        }
    };
    status.access = Some(access.info.clone());
    let checked = async {
        access.client.health().await?;
        tokio::try_join!(access.client.version(), access.client.registry())
    };
    let (version, registry) = match checked.await {
        Ok(found) => found,
        Err(error) => {
            status.error = Some(error.to_string());
            return status;
        }
    };
    status.reachable = true;
    status.version = Some(version.version);
    let mut jobs: Vec<&Job> = jobs.iter().collect();
    jobs.sort_by(|a, b| a.name.cmp(&b.name));
    for job in jobs {
        let check = match RestateTarget::of_job(job) {
            Ok(target) => {
                let registration = registry.check(&target.service, &target.handler);
                if registration != Registration::Registered {
                    status.unregistered += 1;
                }
                TargetCheck {
                    job: job.name.clone(),
                    target: Some(target.display()),
                    service: Some(target.service),
                    handler: Some(target.handler),
                    registration: Some(registration),
                    note: None,
                }
            }
            Err(why) => TargetCheck {
                job: job.name.clone(),
                target: None,
                service: None,
                handler: None,
                registration: None,
                note: Some(why),
            },
        };
        status.targets.push(check);
    }
    status
}

fn render_restate(restate: &RestateStatus, styles: Styles) -> String {
    let Some(access) = &restate.access else {
        return format!(
            "\nRestate\n  admin      {}\n",
            styles.bad(&format!(
                "unreachable: {}",
                restate.error.as_deref().unwrap_or_default()
            ))
        );
    };
    let mut text = format!(
        "\nRestate admin at {} ({})\n  health     {}\n",
        access.base_url,
        access.access_mode,
        if restate.reachable {
            styles.good(&format!(
                "healthy (version {})",
                safe(restate.version.as_deref().unwrap_or("unknown"))
            ))
        } else {
            styles.bad(&format!(
                "unreachable: {}",
                restate.error.as_deref().unwrap_or_default()
            ))
        },
    );
    if !restate.reachable {
        return text;
    }
    let registered = restate
        .targets
        .iter()
        .filter(|check| check.registration == Some(Registration::Registered))
        .count();
    text.push_str(&format!(
        "  targets    {}\n",
        if restate.targets.is_empty() {
            "no managed jobs to check".to_string()
        } else if restate.unregistered == 0 {
            styles.good(&format!(
                "{registered} of {} managed jobs fire registered handlers",
                restate.targets.len()
            ))
        } else {
            styles.bad(&format!(
                "{} of {} managed jobs fire handlers Restate does not have",
                restate.unregistered,
                restate.targets.len()
            ))
        }
    ));
    let odd: Vec<&TargetCheck> = restate
        .targets
        .iter()
        .filter(|check| check.registration != Some(Registration::Registered))
        .collect();
    if !odd.is_empty() {
        let mut rows = styles.grid(&["job", "target", "registration"]);
        for check in odd {
            rows.add_row(vec![
                safe(&check.job).into_owned(),
                check
                    .target
                    .as_deref()
                    .map_or_else(|| "-".to_string(), |target| safe(target).into_owned()),
                match (check.registration, &check.note) {
                    (Some(Registration::UnknownService), _) => styles.bad("no such service"),
                    (Some(Registration::UnknownHandler), _) => styles.bad("no such handler"),
                    (_, Some(note)) => safe(note).into_owned(),
                    _ => String::new(),
                },
            ]);
        }
        text.push_str(&format!("{rows}\n"));
    }
    text
}

fn render_human(result: &StatusResult, styles: Styles) -> String {
    let mut text = format!(
        "Dkron at {} ({})\n  health     {}\n  node       {} {}\n  leader     {}\n  jobs       {} total, {} managed by joelclaw\n  dashboard  {}\n",
        result.access.base_url,
        result.access.access_mode,
        if result.dkron_healthy {
            styles.good("healthy")
        } else {
            styles.bad("unhealthy")
        },
        safe(result.node.as_deref().unwrap_or("?")),
        styles.dim(&format!(
            "(version {})",
            safe(result.version.as_deref().unwrap_or("unknown"))
        )),
        result
            .leader
            .as_deref()
            .map_or_else(|| styles.bad("none"), |leader| safe(leader).into_owned()),
        result.jobs.total,
        result.jobs.managed,
        match (&result.dashboard_url, &result.dashboard_command) {
            (Some(url), _) => url.clone(),
            (None, Some(command)) => format!("`{command}` (keeps a tunnel open)"),
            (None, None) => String::new(),
        },
    );
    let mut members = styles.grid(&["member", "address", "status", "server", "leader"]);
    for member in &result.members {
        members.add_row(vec![
            safe(&member.name).into_owned(),
            safe(&member.address).into_owned(),
            safe(&member.status).into_owned(),
            if member.server { "yes" } else { "no" }.to_string(),
            if member.leader { "yes" } else { "" }.to_string(),
        ]);
    }
    text.push_str(&format!("{members}\n"));
    if let Some(view) = &result.kubernetes {
        text.push_str(&render_kubernetes(view, &result.access, styles));
    }
    if let Some(restate) = &result.restate {
        text.push_str(&render_restate(restate, styles));
    }
    text
}

fn render_kubernetes(view: &KubernetesView, access: &AccessInfo, styles: Styles) -> String {
    let set = &view.stateful_set;
    let stateful_set = match &set.error {
        Some(error) => styles.bad(error),
        None if !set.exists => styles.warn("not found"),
        None => {
            let replicas = format!("{}/{} ready", set.ready_replicas, set.desired_replicas);
            if set.ready_replicas >= set.desired_replicas {
                styles.good(&replicas)
            } else {
                styles.bad(&replicas)
            }
        }
    };
    let service = &view.service;
    let ports = service
        .ports
        .iter()
        .map(|port| {
            format!(
                "{}{} -> {}",
                port.name
                    .as_ref()
                    .map(|name| format!("{name} "))
                    .unwrap_or_default(),
                port.port,
                port.target_port
                    .clone()
                    .unwrap_or_else(|| port.port.to_string())
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut text = format!(
        "\nKubernetes (context {}, namespace {})\n  statefulset  {} {}\n  service      {} {} {}\n",
        view.context,
        view.namespace,
        set.name,
        stateful_set,
        service.name,
        service.type_.as_deref().unwrap_or("?"),
        match &service.error {
            Some(error) => styles.bad(error),
            None => format!("[{ports}]"),
        },
    );
    if let Some(tunnel) = &access.tunnel {
        text.push_str(&format!(
            "  tunnel       127.0.0.1:{} -> pod {}:{} (service port {}, via {}{})\n",
            tunnel.local_port,
            tunnel.pod,
            tunnel.pod_port,
            tunnel.service_port,
            tunnel.via,
            match &tunnel.leader_probe {
                Some(probe) => format!(", leader of {} probed", probe.probed),
                None => String::new(),
            }
        ));
    }
    let mut pods = styles.grid(&["pod", "phase", "ready", "restarts", "tunnel"]);
    for pod in &view.pods {
        pods.add_row(vec![
            safe(&pod.name).into_owned(),
            safe(&pod.phase).into_owned(),
            if pod.ready {
                styles.good("yes")
            } else {
                styles.bad("no")
            },
            pod.restarts.to_string(),
            if pod.tunnel {
                "->".to_string()
            } else {
                String::new()
            },
        ]);
    }
    text.push_str(&format!("{pods}\n"));
    if let Some(error) = &view.pods_error {
        text.push_str(&format!("  pods         {}\n", styles.bad(error)));
    }
    text
}
