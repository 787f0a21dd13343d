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
