//! `delete <name>`: remove one job, but only one this tool owns unless `--force`.

use clap_complete::ArgValueCompleter;
use serde::Serialize;

use super::Context;
use crate::job_view::{JobRow, job_row};
use crate::output::Report;
use crate::ownership::Ownership;
use crate::tunnel::AccessInfo;

/// Delete a Dkron job (and its executions). Refuses jobs this tool does not own.
#[derive(Debug, clap::Args)]
pub struct DeleteArgs {
    /// The job's name.
    #[arg(value_parser = crate::names::job_name_arg, add = ArgValueCompleter::new(crate::completion::job_names))]
    pub name: String,

    /// The set whose job it must be (jobs of another set, or not managed by joelclaw, need
    /// --force).
    #[arg(long, value_name = "NAME", default_value = crate::ownership::DEFAULT_SET, value_parser = crate::ownership::set_arg, add = ArgValueCompleter::new(crate::completion::sets))]
    pub set: String,

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
        set,
        force,
        dry_run,
    } = args;
    let access = context.dkron().await?;
    let job = super::require_job(&access.client, &name).await?;
    let managed = job.is_managed();
    let ownership = Ownership::of(&job, &set);
    if !ownership.is_owned() && !force {
        return Err(crate::ownership::refusal(&name, &ownership, &set).into());
    }
    if !dry_run {
        access.client.delete_job(&name).await?;
    }
    let styles = context.printer.styles();
    let human = if dry_run {
        format!(
            "Would delete `{name}` ({}); nothing changed.",
            crate::terminal::safe(&job.schedule)
        )
    } else {
        format!(
            "{} `{name}` ({}) and its executions.",
            styles.good("Deleted"),
            crate::terminal::safe(&job.schedule)
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
                "joelclaw restate cron delete {name} --set {set}{}",
                if force { " --force" } else { "" }
            ),
            "delete it",
        )
    } else {
        report.next("joelclaw restate cron list", "see the remaining jobs")
    })
}
