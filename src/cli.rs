//! The command-line surface: `joelclaw restate cron <command>` and the flags every cron command
//! shares. Parsing only; what the flags mean is resolved in `commands::Context`.

use clap::{Args, Parser, Subcommand};
use url::Url;

use crate::commands::CronCommand;
use crate::output::ColorChoice;
use crate::tunnel::parse_base_url;
use crate::tunnel::resolve::PortRef;

/// joelclaw: operator tooling for the Dkron -> Restate cron pipeline.
#[derive(Debug, Parser)]
#[command(name = "joelclaw", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: TopCommand,
}

#[derive(Debug, Subcommand)]
pub enum TopCommand {
    /// Restate pipelines and what schedules them.
    Restate(RestateArgs),
}

#[derive(Debug, Args)]
pub struct RestateArgs {
    #[command(subcommand)]
    pub command: RestateCommand,
}

#[derive(Debug, Subcommand)]
pub enum RestateCommand {
    /// Manage the Dkron jobs that fire Restate pipelines on a schedule.
    ///
    /// Dkron decides when; Restate ingress decides how. Every command reaches Dkron through a
    /// short-lived in-process Kubernetes port-forward to the Dkron Service (or directly with
    /// --base-url / DKRON_URL), prints tables on a terminal, and prints one JSON envelope with --json.
    ///
    /// Exit codes: 0 ok, 1 operation failed or Dkron unhealthy, 2 usage or input error,
    /// 3 drift found by `sync-tier1 --check`.
    Cron(CronArgs),
}

#[derive(Debug, Args)]
pub struct CronArgs {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: CronCommand,
}

/// Flags every cron command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Reach Dkron's HTTP API directly at this URL instead of through a Kubernetes tunnel.
    #[arg(long, global = true, env = "DKRON_URL", value_name = "URL", value_parser = parse_base_url)]
    pub base_url: Option<Url>,

    /// Kubernetes namespace of the Dkron Service.
    #[arg(long, global = true, default_value = "joelclaw", value_name = "NAME")]
    pub namespace: String,

    /// The Dkron ClusterIP Service the tunnel forwards to.
    #[arg(long, global = true, default_value = "dkron-svc", value_name = "NAME")]
    pub service_name: String,

    /// The Service port (number or name); default: the port named `http`, else 8080.
    #[arg(long, global = true, value_name = "PORT")]
    pub service_port: Option<PortRef>,

    /// Kubeconfig context to use (default: the current context).
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,

    /// Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the
    /// pod's service account).
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<std::path::PathBuf>,

    /// Seconds to wait for each Dkron request (a triggered run waits for the job instead).
    #[arg(long, global = true, default_value_t = 15, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Print one JSON document (the agent envelope) instead of tables.
    #[arg(long, global = true)]
    pub json: bool,

    /// When to use colour; NO_COLOR turns `auto` off.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// Flags of the commands that read `tier1.toml`.
#[derive(Debug, Clone, Args)]
pub struct ManifestArgs {
    /// The manifest of jobs to manage.
    #[arg(
        long,
        env = "JOELCLAW_TIER1",
        default_value = "./tier1.toml",
        value_name = "PATH"
    )]
    pub file: std::path::PathBuf,

    /// Restate ingress URL as Dkron reaches it; overrides every `restate_url` in the file.
    #[arg(long, value_name = "URL", value_parser = parse_ingress_url)]
    pub restate_url: Option<Url>,
}

pub fn parse_ingress_url(text: &str) -> Result<Url, String> {
    crate::manifests::parse_restate_url(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }
}
