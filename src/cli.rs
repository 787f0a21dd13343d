//! The command-line surface: `joelclaw restate cron <command>` and the flags every cron command
//! shares. Parsing only; what the flags mean is resolved in `commands::Context`.

use clap::{Args, Parser, Subcommand};
use clap_complete::ArgValueCompleter;
use url::Url;

use crate::commands::CronCommand;
use crate::deployment::{DEFAULT_IMAGE, Deployment};
use crate::output::{ColorChoice, OutputFormat};
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
    Restate(Box<RestateArgs>),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish); the same as
    /// `joelclaw restate cron completions`.
    Completions(crate::commands::completions::CompletionsArgs),
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
    #[arg(long, global = true, help_heading = "Connection", env = "DKRON_URL", value_name = "URL", value_parser = parse_base_url)]
    pub base_url: Option<Url>,

    /// Kubernetes namespace of the Dkron Service.
    #[arg(short = 'n', long, global = true, help_heading = "Connection", default_value = "joelclaw", value_name = "NAME", add = ArgValueCompleter::new(crate::completion::namespaces))]
    pub namespace: String,

    /// The Dkron ClusterIP Service the tunnel forwards to.
    #[arg(
        long,
        global = true,
        help_heading = "Connection",
        default_value = "dkron-svc",
        value_name = "NAME"
    )]
    pub service_name: String,

    /// The Service port (number or name); default: the port named `http`, else 8080.
    #[arg(long, global = true, help_heading = "Connection", value_name = "PORT")]
    pub service_port: Option<PortRef>,

    /// Reach Restate's admin API (port 9070) directly at this URL instead of through a tunnel.
    #[arg(long, global = true, help_heading = "Connection", env = "RESTATE_ADMIN_URL", value_name = "URL", value_parser = parse_base_url)]
    pub restate_admin_url: Option<Url>,

    /// Kubernetes namespace of the Restate Service (default: --namespace).
    #[arg(long, global = true, help_heading = "Connection", value_name = "NAME", add = ArgValueCompleter::new(crate::completion::namespaces))]
    pub restate_namespace: Option<String>,

    /// The Restate Service the admin tunnel forwards to.
    #[arg(
        long,
        global = true,
        help_heading = "Connection",
        default_value = "restate",
        value_name = "NAME"
    )]
    pub restate_service_name: String,

    /// The Restate Service's admin port (number or name); default: the port named `admin`, else
    /// 9070.
    #[arg(long, global = true, help_heading = "Connection", value_name = "PORT")]
    pub restate_service_port: Option<PortRef>,

    /// Kubeconfig context to use (default: the current context).
    #[arg(long, global = true, help_heading = "Connection", value_name = "NAME", add = ArgValueCompleter::new(crate::completion::contexts))]
    pub context: Option<String>,

    /// Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config; in a pod without either, the
    /// pod's service account).
    #[arg(long, global = true, help_heading = "Connection", value_name = "PATH")]
    pub kubeconfig: Option<std::path::PathBuf>,

    /// Seconds to wait for each Dkron request (a triggered run waits for the job instead).
    #[arg(long, global = true, help_heading = "Connection", default_value_t = 15, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Print one JSON document (the agent envelope) instead of tables; the same as `-o json`.
    #[arg(
        long,
        global = true,
        help_heading = "Output",
        conflicts_with = "output"
    )]
    pub json: bool,

    /// Output format: table, wide (every column), json (the agent envelope), yaml (the same
    /// envelope as YAML), name (one job name a line).
    #[arg(
        short = 'o',
        long,
        global = true,
        help_heading = "Output",
        value_enum,
        value_name = "FORMAT"
    )]
    pub output: Option<OutputFormat>,

    /// Print tables without their header line.
    #[arg(long, global = true, help_heading = "Output")]
    pub no_headers: bool,

    /// When to use colour; NO_COLOR turns `auto` off.
    #[arg(long, global = true, help_heading = "Output", value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

impl GlobalArgs {
    /// The output format: `--json` is `-o json`; the default is tables.
    pub fn format(&self) -> OutputFormat {
        if self.json {
            OutputFormat::Json
        } else {
            self.output.unwrap_or(OutputFormat::Table)
        }
    }
}

/// Flags of the commands that read `tier1.toml`.
#[derive(Debug, Clone, Args)]
pub struct ScheduleFileArgs {
    /// The schedule file: the jobs to manage (tier1.toml).
    #[arg(
        short = 'f',
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

/// The cron subcommands in the order a person needs them, by what they are for.
pub const GROUPS: &[(&str, &[&str])] = &[
    (
        "Inspect",
        &["status", "list", "describe", "history", "trace", "audit"],
    ),
    (
        "Change",
        &[
            "sync-tier1",
            "create",
            "enable-health",
            "run",
            "pause",
            "resume",
            "delete",
            "export",
        ],
    ),
    ("Schedule maths", &["next", "validate"]),
    ("Deploy", &["manifest", "install", "dashboard"]),
    ("Setup", &["completions"]),
];

/// Two or three examples per cron subcommand, for `--help` and the man pages.
pub const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "status",
        &[
            "joelclaw restate cron status",
            "joelclaw restate cron status -n joelclaw --context prod",
            "joelclaw restate cron status --skip-restate -o json",
        ],
    ),
    (
        "list",
        &[
            "joelclaw restate cron list",
            "joelclaw restate cron list 'restate-*' -o wide",
            "joelclaw restate cron list -A -l owner=ops -o name",
        ],
    ),
    (
        "describe",
        &[
            "joelclaw restate cron describe restate-health-check",
            "joelclaw restate cron get restate-health-check -o yaml",
        ],
    ),
    (
        "history",
        &[
            "joelclaw restate cron history restate-health-check",
            "joelclaw restate cron history restate-health-check --limit 5 --with-output",
            "joelclaw restate cron history restate-health-check --watch",
        ],
    ),
    (
        "trace",
        &[
            "joelclaw restate cron trace restate-daily-digest",
            "joelclaw restate cron trace restate-daily-digest --last 50 -o wide",
        ],
    ),
    (
        "audit",
        &[
            "joelclaw restate cron audit --since 24h",
            "joelclaw restate cron audit --since 7d --set tier1 -o json",
            "joelclaw restate cron audit restate-health-check --since 2026-11-30T00:00:00Z",
        ],
    ),
    (
        "sync-tier1",
        &[
            "joelclaw restate cron sync-tier1 --dry-run",
            "joelclaw restate cron sync-tier1 -f tier1.toml --restate-url http://restate:8080",
            "joelclaw restate cron sync-tier1 --check -q",
        ],
    ),
    (
        "create",
        &[
            "joelclaw restate cron create --name nightly --schedule '0 3 * * *' --restate-service pipeline --restate-handler run",
            "joelclaw restate cron create --name keyed --schedule '@every 1h' --restate-service counter --key a --restate-handler add --replace",
        ],
    ),
    (
        "enable-health",
        &[
            "joelclaw restate cron enable-health",
            "joelclaw restate cron enable-health --run-now",
        ],
    ),
    (
        "run",
        &[
            "joelclaw restate cron run restate-health-check",
            "joelclaw restate cron run restate-daily-digest --no-wait",
        ],
    ),
    (
        "pause",
        &[
            "joelclaw restate cron pause restate-daily-digest --reason 'digest rework'",
            "joelclaw restate cron pause other-job --set manual",
        ],
    ),
    (
        "resume",
        &["joelclaw restate cron resume restate-daily-digest"],
    ),
    (
        "delete",
        &[
            "joelclaw restate cron delete nightly --set manual",
            "joelclaw restate cron delete restate-old --dry-run",
        ],
    ),
    (
        "export",
        &[
            "joelclaw restate cron export --to tier1.toml",
            "joelclaw restate cron export -A --set adopted",
        ],
    ),
    (
        "next",
        &[
            "joelclaw restate cron next",
            "joelclaw restate cron next restate-daily-digest --count 10",
            "joelclaw restate cron next -f tier1.toml --from 2027-03-14T00:00:00Z",
        ],
    ),
    (
        "validate",
        &[
            "joelclaw restate cron validate",
            "joelclaw restate cron validate -f staging.toml -o json",
        ],
    ),
    (
        "manifest",
        &[
            "joelclaw restate cron manifest > dkron.yaml",
            "joelclaw restate cron manifest --replicas 3",
        ],
    ),
    (
        "install",
        &[
            "joelclaw restate cron install --dry-run",
            "joelclaw restate cron install --replicas 3",
        ],
    ),
    (
        "dashboard",
        &[
            "joelclaw restate cron dashboard",
            "joelclaw restate cron dashboard --local-port 8080",
        ],
    ),
    (
        "completions",
        &[
            "joelclaw completions bash > ~/.local/share/bash-completion/completions/joelclaw",
            "joelclaw completions zsh > ~/.zfunc/_joelclaw",
        ],
    ),
];

/// Commands that never connect: their help leaves the connection flags out.
const OFFLINE: &[&str] = &["validate", "manifest", "completions"];

/// The command line's definition as people see it: the derived one, with the cron subcommands
/// grouped in its help, examples under each command, and no connection flags on the commands
/// that never connect (they still parse, so a shell alias that always passes them works).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let mut cli = Cli::command();
    cli = cli.mut_subcommand("restate", |restate| {
        restate.mut_subcommand("cron", |mut cron| {
            let groups = grouped_commands(&cron);
            let names: Vec<String> = cron
                .get_subcommands()
                .map(|sub| sub.get_name().to_string())
                .collect();
            let connection: Vec<clap::Arg> = cron
                .get_arguments()
                .filter(|arg| arg.get_help_heading() == Some("Connection"))
                .cloned()
                .collect();
            for name in names {
                cron = cron.mut_subcommand(&name, |mut sub| {
                    if let Some(examples) = examples(&name) {
                        sub = sub.after_help(format!("Examples:\n  {}", examples.join("\n  ")));
                    }
                    if OFFLINE.contains(&name.as_str()) {
                        sub = hide_shared(sub, &connection);
                    }
                    sub
                });
            }
            cron.help_template(format!(
                "{{before-help}}{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{groups}\nOptions (connection and output, for every command):\n{{options}}{{after-help}}"
            ))
        })
    });
    cli.build();
    cli
}

/// `sub` with its own hidden copy of each of these global flags: clap propagates a global flag
/// only to the subcommands that lack it, so the copy keeps parsing (an alias that always passes
/// `--namespace` still works) without being shown.
pub fn hide_shared(mut sub: clap::Command, shared: &[clap::Arg]) -> clap::Command {
    for arg in shared {
        sub = sub.arg(arg.clone().hide(true));
    }
    sub
}

fn examples(name: &str) -> Option<&'static [&'static str]> {
    EXAMPLES
        .iter()
        .find(|(command, _)| *command == name)
        .map(|(_, examples)| *examples)
}

/// The subcommands under their group headings, each with its one-line about.
fn grouped_commands(cron: &clap::Command) -> String {
    let width = GROUPS
        .iter()
        .flat_map(|(_, names)| names.iter())
        .map(|name| name.len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for (group, names) in GROUPS {
        text.push_str(&format!("{group}:\n"));
        for name in *names {
            let about = cron
                .find_subcommand(name)
                .and_then(|sub| sub.get_about())
                .map(ToString::to_string)
                .unwrap_or_default();
            let alias = cron
                .find_subcommand(name)
                .map(|sub| sub.get_visible_aliases().collect::<Vec<_>>())
                .filter(|aliases| !aliases.is_empty())
                .map(|aliases| format!(" [alias: {}]", aliases.join(", ")))
                .unwrap_or_default();
            text.push_str(&format!("  {name:<width$}  {about}{alias}\n"));
        }
        text.push('\n');
    }
    text.pop();
    text
}

pub fn parse_ingress_url(text: &str) -> Result<Url, String> {
    crate::schedule_file::parse_restate_url(text)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use clap::CommandFactory;

    /// Every man page: clap_mangen's sections, then EXIT STATUS, ENVIRONMENT, EXAMPLES and SEE
    /// ALSO, which clap knows nothing of.
    fn man_pages() -> Vec<(String, Vec<u8>)> {
        fn walk(
            command: &clap::Command,
            path: &str,
            parent: Option<&str>,
            pages: &mut Vec<(String, Vec<u8>)>,
        ) {
            let children: Vec<&clap::Command> = command
                .get_subcommands()
                .filter(|sub| sub.get_name() != "help" && !sub.is_hide_set())
                .collect();
            let child_pages: Vec<String> = children
                .iter()
                .map(|sub| format!("{path}-{}", sub.get_name()))
                .collect();
            let page = command
                .clone()
                .display_name(path.to_string())
                .bin_name(path.replace('-', " "));
            let man = clap_mangen::Man::new(page);
            let mut out = Vec::new();
            man.render_title(&mut out).unwrap();
            man.render_name_section(&mut out).unwrap();
            man.render_synopsis_section(&mut out).unwrap();
            man.render_description_section(&mut out).unwrap();
            if command.get_arguments().any(|arg| !arg.is_hide_set()) {
                man.render_options_section(&mut out).unwrap();
            }
            if !children.is_empty() {
                man.render_subcommands_section(&mut out).unwrap();
            }
            out.extend(extra_sections(command.get_name(), parent, &child_pages).into_bytes());
            man.render_version_section(&mut out).unwrap();
            pages.push((format!("{path}.1"), out));
            for (sub, child) in children.iter().zip(&child_pages) {
                walk(sub, child, Some(path), pages);
            }
        }
        let mut cli = command();
        cli.build();
        let mut pages = Vec::new();
        walk(&cli, "joelclaw", None, &mut pages);
        pages.sort();
        pages
    }

    fn extra_sections(name: &str, parent: Option<&str>, children: &[String]) -> String {
        use roff::{Roff, bold, roman};
        let mut roff = Roff::new();
        roff.control("SH", ["EXIT STATUS"]);
        for (code, meaning) in [
            (
                "0",
                "Success: the command did what it says; status and audit found nothing wrong.",
            ),
            (
                "1",
                "The operation failed, Dkron or Restate is unhealthy, an audit is not clean, or the command was interrupted (Ctrl-C, SIGTERM).",
            ),
            (
                "2",
                "Usage or input error: a bad flag, an invalid tier1.toml, a refused prune. Nothing was changed.",
            ),
            (
                "3",
                "Drift: sync-tier1 --check found differences between the file and Dkron.",
            ),
        ] {
            roff.control("TP", [])
                .text([bold(code)])
                .text([roman(meaning)]);
        }
        roff.control("PP", []);
        roff.text([roman("With -o json the envelope's error.code names the cause (docs/commands.md lists every code).")]);
        roff.control("SH", ["ENVIRONMENT"]);
        for (variable, meaning) in [
            (
                "DKRON_URL",
                "Reach Dkron directly at this URL (as --base-url); empty means unset.",
            ),
            (
                "RESTATE_ADMIN_URL",
                "Reach Restate's admin API directly (as --restate-admin-url).",
            ),
            (
                "RESTATE_INGRESS_URL",
                "The Restate ingress URL create writes into a job.",
            ),
            (
                "JOELCLAW_TIER1",
                "The schedule file (as --file; default ./tier1.toml).",
            ),
            (
                "KUBECONFIG",
                "The kubeconfig files for the tunnel (default ~/.kube/config).",
            ),
            ("NO_COLOR", "Turns colour off when --color is auto."),
            ("COLUMNS", "The width tables are cut to on a terminal."),
            (
                "USER",
                "Who pause records as having paused a job (unless --by).",
            ),
            (
                "COMPLETE",
                "Set by the completion scripts: the shell asking for candidates.",
            ),
        ] {
            roff.control("TP", [])
                .text([bold(variable)])
                .text([roman(meaning)]);
        }
        if let Some(examples) =
            examples(name).filter(|_| parent.is_some_and(|p| p.ends_with("cron")))
        {
            roff.control("SH", ["EXAMPLES"]);
            for example in examples {
                roff.control("PP", []).text([roman(*example)]);
            }
        }
        roff.control("SH", ["SEE ALSO"]);
        let mut see: Vec<String> = parent.map(|p| vec![format!("{p}(1)")]).unwrap_or_default();
        see.extend(children.iter().map(|child| format!("{child}(1)")));
        see.push("kubectl(1)".to_string());
        roff.text([roman(see.join(", "))]);
        roff.to_roff()
    }

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
        command().debug_assert();
    }

    #[test]
    fn every_cron_command_has_one_group_and_examples() {
        let cli = command();
        let cron = cli
            .find_subcommand("restate")
            .and_then(|restate| restate.find_subcommand("cron"))
            .unwrap();
        for sub in cron
            .get_subcommands()
            .filter(|sub| sub.get_name() != "help")
        {
            let name = sub.get_name();
            let groups = GROUPS
                .iter()
                .filter(|(_, names)| names.contains(&name))
                .count();
            assert_eq!(groups, 1, "{name} is in {groups} groups");
            let examples = examples(name).unwrap_or_else(|| panic!("{name} has no examples"));
            assert!((1..=3).contains(&examples.len()), "{name}");
            for example in examples.iter() {
                // What a shell would pass, up to a redirection.
                let words: Vec<String> = shlex::split(example)
                    .unwrap()
                    .into_iter()
                    .take_while(|word| word != ">")
                    .collect();
                if let Err(error) = command().try_get_matches_from(&words) {
                    panic!("{example}: {error}");
                }
            }
        }
        for (_, names) in GROUPS {
            for name in *names {
                assert!(
                    cron.find_subcommand(name).is_some(),
                    "{name} is grouped but not a command"
                );
            }
        }
    }

    /// Generated files: `completions/`, `docs/man/` and `docs/cli.md` must match the clap
    /// definitions. `JOELCLAW_REGENERATE=1 cargo test generated_files` rewrites them.
    #[test]
    fn generated_files_match_the_clap_definitions() {
        use crate::commands::completions::Shell;
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut expected: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        for shell in Shell::ALL {
            let script = crate::commands::completions::script(shell);
            expected.push((
                root.join("completions").join(shell.file_name()),
                script.into_bytes(),
            ));
        }
        for (name, page) in man_pages() {
            expected.push((root.join("docs/man").join(name), page));
        }
        let markdown = clap_markdown::help_markdown_command_custom(
            &command(),
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
