//! `delete <name>`: remove one job, but only one this tool owns unless `--force`.

use serde::Serialize;

use super::Context;
use crate::error::{CliError, ErrorKind};
use crate::job_view::{JobRow, job_row};
use crate::output::Report;
use crate::tunnel::AccessInfo;

/// Delete a Dkron job (and its executions). Refuses jobs this tool does not own.
#[derive(Debug, clap::Args)]
pub struct DeleteArgs {
    /// The job's name.
    pub name: String,

    /// Delete even a job that this tool does not own.
    #[arg(long)]
    pub force: bool,

    /// Show what would be deleted and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteResult {
    #[serde(flatten)]
    pub access: AccessInfo,
    pub name: String,
    pub deleted: bool,
    pub dry_run: bool,
    pub managed: bool,
    pub job: JobRow,
}

pub async fn run(context: &Context, args: DeleteArgs) -> anyhow::Result<Report> {
    let DeleteArgs {
        name,
        force,
        dry_run,
    } = args;
    let access = context.dkron().await?;
    let job = super::require_job(&access.client, &name).await?;
    let managed = job.is_managed();
    if !managed && !force {
        return Err(CliError::new(
            ErrorKind::NotOwned,
            format!(
                "`{name}` is not managed by joelclaw (its metadata has no managed-by = joelclaw)"
            ),
        )
        .hint("pass --force to delete it anyway")
        .into());
    }
    if !dry_run {
        access.client.delete_job(&name).await?;
    }
    let styles = context.printer.styles();
    let human = if dry_run {
        format!("Would delete `{name}` ({}); nothing changed.", job.schedule)
    } else {
        format!(
            "{} `{name}` ({}) and its executions.",
            styles.good("Deleted"),
            job.schedule
        )
    };
    let result = DeleteResult {
        access: access.info.clone(),
        name: name.clone(),
        deleted: !dry_run,
        dry_run,
        managed,
        job: job_row(&job),
    };
    let report = Report::new(&result, human);
    Ok(if dry_run {
        report.next(
            format!(
                "joelclaw restate cron delete {name}{}",
                if force { " --force" } else { "" }
            ),
            "delete it",
        )
    } else {
        report.next("joelclaw restate cron list", "see the remaining jobs")
    })
}
