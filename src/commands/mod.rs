//! The cron subcommands: one file each, one enum, one exhaustive dispatch.
//!
//! Each command reads like its user story (load, plan, show, apply, report) and returns a
//! [`Report`]; it never prints. [`Context`] carries the printer and opens Dkron access lazily, so
//! commands that fail on their input never touch the network.

mod audit;
pub mod completions;
mod create;
mod dashboard;
mod delete;
mod describe;
mod enable_health;
mod export;
mod history;
mod install;
mod list;
mod manifest;
mod next;
mod pause;
mod run;
mod status;
mod sync_tier1;
mod trace;
mod validate;

use clap::Subcommand;
use tokio::sync::OnceCell;

use crate::cli::GlobalArgs;
use crate::error::{CliError, ErrorKind};
use crate::output::{Printer, Report};
use crate::schedule_file::{self, Manifest, ManifestError, Overrides};
use crate::tunnel::kubernetes::Cluster;
use crate::tunnel::resolve::ServiceRole;
use crate::tunnel::{
    self, AccessSettings, DkronAccess, RestateAccess, RestateSettings, ServiceSpec,
};

#[derive(Debug, Subcommand)]
pub enum CronCommand {
    Status(status::StatusArgs),
    List(list::ListArgs),
    #[command(visible_alias = "get")]
    Describe(describe::DescribeArgs),
    EnableHealth(enable_health::EnableHealthArgs),
    SyncTier1(sync_tier1::SyncTier1Args),
    Create(create::CreateArgs),
    Delete(delete::DeleteArgs),
    Dashboard(dashboard::DashboardArgs),
    Manifest(manifest::ManifestArgs),
    Install(install::InstallArgs),
    Completions(completions::CompletionsArgs),
    Next(next::NextArgs),
    Validate(validate::ValidateArgs),
    Export(export::ExportArgs),
    Run(run::RunArgs),
    Pause(pause::PauseArgs),
    Resume(pause::ResumeArgs),
    History(history::HistoryArgs),
    Trace(trace::TraceArgs),
    Audit(audit::AuditArgs),
}

impl CronCommand {
    /// The subcommand's name as typed, for the envelope's `command`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Status(_) => "status",
            Self::List(_) => "list",
            Self::Describe(_) => "describe",
            Self::EnableHealth(_) => "enable-health",
            Self::SyncTier1(_) => "sync-tier1",
            Self::Create(_) => "create",
            Self::Delete(_) => "delete",
            Self::Dashboard(_) => "dashboard",
            Self::Manifest(_) => "manifest",
            Self::Install(_) => "install",
            Self::Completions(_) => "completions",
            Self::Next(_) => "next",
            Self::Validate(_) => "validate",
            Self::Export(_) => "export",
            Self::Run(_) => "run",
            Self::Pause(_) => "pause",
            Self::Resume(_) => "resume",
            Self::History(_) => "history",
            Self::Trace(_) => "trace",
            Self::Audit(_) => "audit",
        }
    }

    /// Commands that end on a signal by design, rather than being interrupted by one.
    pub fn waits_for_signal(&self) -> bool {
        match self {
            Self::Dashboard(_) => true,
            Self::List(args) => args.watch,
            Self::History(args) => args.watch,
            _ => false,
        }
    }

    /// Commands that, told to stop, stop their writes and report each job's outcome so far
    /// (through [`Context::interrupted`]) instead of being cut off.
    pub fn reports_interruption(&self) -> bool {
        matches!(
            self,
            Self::SyncTier1(_) | Self::Create(_) | Self::EnableHealth(_)
        )
    }
}

pub async fn run(context: &Context, command: CronCommand) -> anyhow::Result<Report> {
    match command {
        CronCommand::Status(args) => status::run(context, args).await,
        CronCommand::List(args) => list::run(context, args).await,
        CronCommand::Describe(args) => describe::run(context, args).await,
        CronCommand::EnableHealth(args) => enable_health::run(context, args).await,
        CronCommand::SyncTier1(args) => sync_tier1::run(context, args).await,
        CronCommand::Create(args) => create::run(context, args).await,
        CronCommand::Delete(args) => delete::run(context, args).await,
        CronCommand::Dashboard(args) => dashboard::run(context, args).await,
        CronCommand::Manifest(args) => manifest::run(context, args).await,
        CronCommand::Install(args) => install::run(context, args).await,
        CronCommand::Completions(args) => completions::run(context, args).await,
        CronCommand::Next(args) => next::run(context, args).await,
        CronCommand::Validate(args) => validate::run(context, args).await,
        CronCommand::Export(args) => export::run(context, args).await,
        CronCommand::Run(args) => run::run(context, args).await,
        CronCommand::Pause(args) => pause::pause(context, args).await,
        CronCommand::Resume(args) => pause::resume(context, args).await,
        CronCommand::History(args) => history::run(context, args).await,
        CronCommand::Trace(args) => trace::run(context, args).await,
        CronCommand::Audit(args) => audit::run(context, args).await,
    }
}

/// What every command may need: the printer and (on first use) access to Dkron, to Restate's admin
/// API and to the Kubernetes cluster both tunnels go through.
pub struct Context {
    pub printer: Printer,
    kubeconfig: Option<std::path::PathBuf>,
    kube_context: Option<String>,
    access_settings: AccessSettings,
    restate_settings: RestateSettings,
    cluster: OnceCell<Cluster>,
    access: OnceCell<DkronAccess>,
    restate: OnceCell<RestateAccess>,
    /// Cancelled on Ctrl-C or SIGTERM, for commands that finish their report first (a sync).
    interrupted: tokio_util::sync::CancellationToken,
}

impl Context {
    pub fn new(printer: Printer, global: &GlobalArgs) -> Self {
        let GlobalArgs {
            base_url,
            namespace,
            service_name,
            service_port,
            restate_admin_url,
            restate_namespace,
            restate_service_name,
            restate_service_port,
            context,
            kubeconfig,
            timeout,
            json: _,
            output: _,
            no_headers: _,
            color: _,
        } = global.clone();
        let timeout = std::time::Duration::from_secs(timeout);
        Self {
            printer,
            kubeconfig,
            kube_context: context,
            restate_settings: RestateSettings {
                admin_url: restate_admin_url,
                service: ServiceSpec {
                    namespace: restate_namespace.unwrap_or_else(|| namespace.clone()),
                    service: restate_service_name,
                    port: restate_service_port,
                    role: ServiceRole::RestateAdmin,
                },
                timeout,
            },
            access_settings: AccessSettings {
                base_url,
                service: ServiceSpec {
                    namespace,
                    service: service_name,
                    port: service_port,
                    role: ServiceRole::Dkron,
                },
                timeout,
                local_port: 0,
            },
            cluster: OnceCell::new(),
            access: OnceCell::new(),
            restate: OnceCell::new(),
            interrupted: tokio_util::sync::CancellationToken::new(),
        }
    }

    /// Cancelled when the process is asked to stop (Ctrl-C, SIGTERM).
    pub fn interrupted(&self) -> tokio_util::sync::CancellationToken {
        self.interrupted.clone()
    }

    /// The budget of each Dkron request (`--timeout`).
    pub fn request_timeout(&self) -> std::time::Duration {
        self.access_settings.timeout
    }

    /// The Kubernetes cluster of `--kubeconfig`/`--context`, connected on first use and shared by
    /// every tunnel of the command.
    pub async fn cluster(&self) -> anyhow::Result<&Cluster> {
        Ok(self
            .cluster
            .get_or_try_init(|| {
                tunnel::kubernetes::client(self.kubeconfig.as_ref(), self.kube_context.as_deref())
            })
            .await?)
    }

    /// Access to Dkron, opened on first use and held until the command ends.
    pub async fn dkron(&self) -> anyhow::Result<&DkronAccess> {
        self.access
            .get_or_try_init(|| self.open_dkron(&self.access_settings))
            .await
    }

    /// Access to Restate's admin API, opened on first use and held until the command ends.
    pub async fn restate(&self) -> anyhow::Result<&RestateAccess> {
        self.restate
            .get_or_try_init(|| async {
                let settings = &self.restate_settings;
                let cluster = match settings.admin_url {
                    Some(_) => None,
                    None => Some(self.cluster().await?),
                };
                if cluster.is_some() {
                    self.printer.progress(&format!(
                        "opening a tunnel to svc/{} in {}…",
                        settings.service.service, settings.service.namespace
                    ));
                }
                let opened = tunnel::open_restate(settings, cluster).await;
                self.printer.progress_done();
                opened
            })
            .await
    }

    async fn open_dkron(&self, settings: &AccessSettings) -> anyhow::Result<DkronAccess> {
        let cluster = match settings.base_url {
            Some(_) => None,
            None => Some(self.cluster().await?),
        };
        if cluster.is_some() {
            self.printer.progress(&format!(
                "opening a tunnel to svc/{} in {}…",
                settings.service.service, settings.service.namespace
            ));
        }
        let opened = tunnel::open_dkron(settings, cluster).await;
        self.printer.progress_done();
        opened
    }

    /// The Kubernetes namespace the command works in.
    pub fn namespace(&self) -> &str {
        &self.access_settings.service.namespace
    }

    /// A separate access whose tunnel listens on `local_port` (0: any free port).
    pub async fn open_on(&self, local_port: u16) -> anyhow::Result<DkronAccess> {
        let settings = AccessSettings {
            local_port,
            ..self.access_settings.clone()
        };
        self.open_dkron(&settings).await
    }
}

/// The live job of that name, or the error every command gives for a job Dkron does not have.
pub(super) async fn require_job(
    client: &crate::dkron::DkronClient,
    name: &str,
) -> anyhow::Result<crate::dkron::Job> {
    client.get_job(name).await?.ok_or_else(|| {
        CliError::new(
            ErrorKind::JobNotFound,
            format!("Dkron has no job named `{name}`"),
        )
        .hint("`joelclaw restate cron list --all` shows every job")
        .into()
    })
}

/// Syncs one definition (`create`, `enable-health`) and reports it in the `sync-tier1` shape.
pub(super) async fn sync_one(
    context: &Context,
    def: crate::schedule_file::JobDef,
    source: String,
    force: bool,
    run_now: bool,
) -> anyhow::Result<Report> {
    use crate::reconcile::{self, Hooks, Mode, SyncOptions, report};
    let access = context.dkron().await?;
    let set = def.set.clone();
    let options = SyncOptions::listed(force, run_now, context.request_timeout());
    let progress = |text: &str| context.printer.progress(text);
    let hooks = Hooks {
        progress: &progress,
        interrupted: context.interrupted(),
    };
    let synced = reconcile::sync(access, std::slice::from_ref(&def), &set, &options, &hooks).await;
    context.printer.progress_done();
    let result = report::result(
        access.info.clone(),
        source,
        &set,
        Mode::Apply,
        false,
        run_now,
        synced?,
    );
    let human = report::render_human(&result, context.printer.styles());
    let failure = report::failure(&result, "joelclaw restate cron");
    let mut report = Report::new(&result, human).next(
        "joelclaw restate cron list",
        "see the job, its next fire time and its success/error counts",
    );
    if let Some(failure) = failure {
        report = report.failed(failure);
    }
    Ok(report)
}

/// Loads the manifest named by `--file`, turning findings into an input error (exit 2).
pub fn load_schedule_file(args: &crate::cli::ScheduleFileArgs) -> anyhow::Result<Manifest> {
    let overrides = Overrides {
        restate_url: args.restate_url.clone(),
    };
    schedule_file::load(&args.file, &overrides).map_err(|error| manifest_error(&error).into())
}

pub(super) fn manifest_error(error: &ManifestError) -> CliError {
    CliError::new(ErrorKind::InvalidManifest, error.to_string())
        .hint("fix the file and run the command again; nothing was sent to Dkron")
        .with_result(serde_json::json!({
            "file": error.file,
            "findings": error.findings,
        }))
}

/// A `-l/--selector` value: `KEY=VALUE` over job metadata.
pub(super) fn selector_arg(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}
