//! `status`: is Dkron healthy, who leads, who is a member, how many jobs, where the dashboard is.
//! An unhealthy Dkron (health not 200, or no Raft leader) prints the report and exits 1.

use serde::Serialize;

use super::Context;
use crate::dkron::{MANAGED_BY_KEY, MANAGED_BY_VALUE};
use crate::error::{CliError, ErrorKind};
use crate::output::{Report, Styles, table};
use crate::tunnel::AccessInfo;

/// Show Dkron's health, leader, members and job counts.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusResult {
    #[serde(flatten)]
    pub access: AccessInfo,
    pub healthy: bool,
    pub health: Health,
    pub node: Option<String>,
    pub version: Option<String>,
    pub leader: Option<String>,
    pub members: Vec<MemberRow>,
    pub jobs: JobCounts,
    pub dashboard_url: String,
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
    let StatusArgs {} = args;
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
    let healthy = status.is_success() && leader_name.is_some();
    let result = StatusResult {
        dashboard_url: format!("{}/ui/", access.info.base_url),
        access: access.info.clone(),
        healthy,
        health: Health {
            status_code: status.as_u16(),
            body: body.trim().to_string(),
        },
        node: Some(agent.agent.name).filter(|name| !name.is_empty()),
        version: Some(agent.agent.version).filter(|version| !version.is_empty()),
        leader: leader_name,
        members,
        jobs: JobCounts { total, managed },
    };
    let human = render_human(&result, context.printer.styles());
    let mut report =
        Report::new(&result, human).next("joelclaw restate cron list", "see the managed jobs");
    if !healthy {
        let why = if result.leader.is_none() {
            "Dkron has no Raft leader".to_string()
        } else {
            format!("Dkron's /health answered {}", result.health.status_code)
        };
        report = report.failed(CliError::new(ErrorKind::Unhealthy, why).hint(
            "a fresh node elects itself within seconds; otherwise check the Dkron pods' logs",
        ));
    }
    Ok(report)
}

fn render_human(result: &StatusResult, styles: Styles) -> String {
    let mut text = format!(
        "Dkron at {} ({})\n  health     {}\n  node       {} {}\n  leader     {}\n  jobs       {} total, {} managed by joelclaw\n  dashboard  {}\n",
        result.access.base_url,
        result.access.access_mode,
        if result.healthy {
            styles.good("healthy")
        } else {
            styles.bad("unhealthy")
        },
        result.node.as_deref().unwrap_or("?"),
        styles.dim(&format!(
            "(version {})",
            result.version.as_deref().unwrap_or("unknown")
        )),
        result.leader.clone().unwrap_or_else(|| styles.bad("none")),
        result.jobs.total,
        result.jobs.managed,
        result.dashboard_url,
    );
    let mut members = table(&["member", "address", "status", "server", "leader"]);
    for member in &result.members {
        members.add_row(vec![
            member.name.clone(),
            member.address.clone(),
            member.status.clone(),
            if member.server { "yes" } else { "no" }.to_string(),
            if member.leader { "yes" } else { "" }.to_string(),
        ]);
    }
    text.push_str(&format!("{members}\n"));
    text
}
