//! The command-line surface: `joelclaw restate cron <command>` and the flags every cron command
//! shares. Parsing only; what the flags mean is resolved in `commands::Context`.

use clap::{Args, Parser, Subcommand};
use url::Url;

use crate::commands::CronCommand;
use crate::manifests::deploy::{DEFAULT_IMAGE, Deployment};
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
    /// Exit codes: 0 ok, 1 operation failed, Dkron or Restate unhealthy, or an audit not clean,
    /// 2 usage or input error, 3 drift found by `sync-tier1 --check`.
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

    /// Reach Restate's admin API (port 9070) directly at this URL instead of through a tunnel.
    #[arg(long, global = true, env = "RESTATE_ADMIN_URL", value_name = "URL", value_parser = parse_base_url)]
    pub restate_admin_url: Option<Url>,

    /// Kubernetes namespace of the Restate Service (default: --namespace).
    #[arg(long, global = true, value_name = "NAME")]
    pub restate_namespace: Option<String>,

    /// The Restate Service the admin tunnel forwards to.
    #[arg(long, global = true, default_value = "restate", value_name = "NAME")]
    pub restate_service_name: String,

    /// The Restate Service's admin port (number or name); default: the port named `admin`, else
    /// 9070.
    #[arg(long, global = true, value_name = "PORT")]
    pub restate_service_port: Option<PortRef>,

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

/// A duration as people write it (`24h`, `90m`, `30s`, `1h 30m`).
pub fn parse_duration(text: &str) -> Result<chrono::Duration, String> {
    humantime::parse_duration(text)
        .map_err(|error| format!("`{text}` is not a duration (24h, 90m, 30s): {error}"))
        .and_then(|duration| {
            chrono::Duration::from_std(duration).map_err(|error| error.to_string())
        })
}

/// The same, as a `std` duration (for budgets).
pub fn parse_std_duration(text: &str) -> Result<std::time::Duration, String> {
    parse_duration(text).and_then(|duration| duration.to_std().map_err(|error| error.to_string()))
}

/// An RFC 3339 time.
pub fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|time| time.to_utc())
        .map_err(|error| format!("`{text}` is not an RFC 3339 time: {error}"))
}

pub fn parse_ingress_url(text: &str) -> Result<Url, String> {
    crate::manifests::parse_restate_url(text)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Generated files: `completions/`, `docs/man/` and `docs/cli.md` must match the clap
    /// definitions. `JOELCLAW_REGENERATE=1 cargo test generated_files` rewrites them.
    #[test]
    fn generated_files_match_the_clap_definitions() {
        use clap_complete::Shell;
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut expected: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        for (shell, file) in [
            (Shell::Bash, "joelclaw.bash"),
            (Shell::Zsh, "_joelclaw"),
            (Shell::Fish, "joelclaw.fish"),
            (Shell::PowerShell, "_joelclaw.ps1"),
            (Shell::Elvish, "joelclaw.elv"),
        ] {
            let script = crate::commands::completions::script(shell);
            expected.push((root.join("completions").join(file), script.into_bytes()));
        }
        let pages = tempfile::tempdir().unwrap();
        clap_mangen::generate_to(Cli::command(), pages.path()).unwrap();
        let mut names: Vec<_> = std::fs::read_dir(pages.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        names.sort();
        for name in names {
            let page = std::fs::read(pages.path().join(&name)).unwrap();
            expected.push((root.join("docs/man").join(name), page));
        }
        let markdown = clap_markdown::help_markdown_custom::<Cli>(
            &clap_markdown::MarkdownOptions::new()
                .title("joelclaw command-line reference".to_string())
                .show_footer(false),
        );
        let markdown = format!(
            "<!-- Generated from the clap definitions by `JOELCLAW_REGENERATE=1 cargo test generated_files`; do not edit. Behaviour and results: commands.md. -->\n\n{markdown}"
        );
        expected.push((root.join("docs/cli.md"), markdown.into_bytes()));

        let regenerate = std::env::var_os("JOELCLAW_REGENERATE").is_some();
        let mut stale = Vec::new();
        for (path, content) in expected {
            if std::fs::read(&path).ok().as_deref() != Some(content.as_slice()) {
                if regenerate {
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    std::fs::write(&path, content).unwrap();
                } else {
                    stale.push(path.strip_prefix(root).unwrap().display().to_string());
                }
            }
        }
        assert!(
            stale.is_empty(),
            "generated files drifted from the clap definitions: {stale:?}; run `JOELCLAW_REGENERATE=1 cargo test generated_files`"
        );
    }
}
