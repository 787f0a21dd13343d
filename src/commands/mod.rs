//! The cron subcommands: one file each, one enum, one exhaustive dispatch.
//!
//! Each command reads like its user story (load, plan, show, apply, report) and returns a
//! [`Report`]; it never prints. [`Context`] carries the printer and opens Dkron access lazily, so
//! commands that fail on their input never touch the network.

pub mod completions;
mod create;
mod dashboard;
mod delete;
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
mod validate;

use clap::Subcommand;
use tokio::sync::OnceCell;

use crate::cli::GlobalArgs;
use crate::error::{CliError, ErrorKind};
use crate::manifests::{self, Manifest, ManifestError, Overrides};
use crate::output::{Printer, Report};
use crate::tunnel::{self, AccessSettings, DkronAccess};

#[derive(Debug, Subcommand)]
pub enum CronCommand {
    Status(status::StatusArgs),
    List(list::ListArgs),
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
}

impl CronCommand {
    /// The subcommand's name as typed, for the envelope's `command`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Status(_) => "status",
            Self::List(_) => "list",
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
        }
    }

    /// Commands that end on a signal by design, rather than being interrupted by one.
    pub fn waits_for_signal(&self) -> bool {
        matches!(self, Self::Dashboard(_))
    }
}

pub async fn run(context: &Context, command: CronCommand) -> anyhow::Result<Report> {
    match command {
        CronCommand::Status(args) => status::run(context, args).await,
        CronCommand::List(args) => list::run(context, args).await,
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
    }
}

/// What every command may need: the printer and (on first use) access to Dkron.
pub struct Context {
    pub printer: Printer,
    access_settings: AccessSettings,
    access: OnceCell<DkronAccess>,
}

impl Context {
    pub fn new(printer: Printer, global: &GlobalArgs) -> Self {
        let GlobalArgs {
            base_url,
            namespace,
            service_name,
            service_port,
            context,
            kubeconfig,
            timeout,
            json: _,
            color: _,
        } = global.clone();
        Self {
            printer,
            access_settings: AccessSettings {
                base_url,
                namespace,
                service_name,
                service_port,
                context,
                kubeconfig,
                timeout: std::time::Duration::from_secs(timeout),
                local_port: 0,
            },
            access: OnceCell::new(),
        }
    }

    /// Access to Dkron, opened on first use and held until the command ends.
    pub async fn dkron(&self) -> anyhow::Result<&DkronAccess> {
        self.access
            .get_or_try_init(|| async {
                if self.access_settings.base_url.is_none() {
                    self.printer.progress(&format!(
                        "opening a tunnel to svc/{} in {}…",
                        self.access_settings.service_name, self.access_settings.namespace
                    ));
                }
                let opened = tunnel::open(&self.access_settings).await;
                self.printer.progress_done();
                opened
            })
            .await
    }

    /// The Kubernetes namespace the command works in.
    pub fn namespace(&self) -> &str {
        &self.access_settings.namespace
    }

    /// A Kubernetes client for the configured cluster (no tunnel).
    pub async fn kubernetes(
        &self,
    ) -> anyhow::Result<(kube::Client, tunnel::kubernetes::ClusterInfo)> {
        Ok(tunnel::kubernetes::client(
            self.access_settings.kubeconfig.as_ref(),
            self.access_settings.context.as_deref(),
        )
        .await?)
    }

    /// A separate access whose tunnel listens on `local_port` (0: any free port).
    pub async fn open_on(&self, local_port: u16) -> anyhow::Result<DkronAccess> {
        let settings = AccessSettings {
            local_port,
            ..self.access_settings.clone()
        };
        tunnel::open(&settings).await
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

/// Loads the manifest named by `--file`, turning findings into an input error (exit 2).
pub fn load_manifest(args: &crate::cli::ManifestArgs) -> anyhow::Result<Manifest> {
    let overrides = Overrides {
        restate_url: args.restate_url.clone(),
    };
    manifests::load(&args.file, &overrides).map_err(|error| manifest_error(&error).into())
}

pub(super) fn manifest_error(error: &ManifestError) -> CliError {
    CliError::new(ErrorKind::InvalidManifest, error.to_string())
        .hint("fix the file and run the command again; nothing was sent to Dkron")
        .with_result(serde_json::json!({
            "file": error.file,
            "findings": error.findings,
        }))
}
