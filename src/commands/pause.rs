//! `pause <name>` and `resume <name>`: set a job's `disabled` flag explicitly.
//!
//! Both write the whole job back with `disabled` set (never Dkron's `/toggle`, which flips the
//! flag, so a retried request would undo itself) and keep every other field. A pause records who
//! paused, when and why in the job's metadata (`paused-by`, `paused-at`, `paused-reason`), which
//! `list` shows and `sync-tier1` respects; `resume` removes them and keeps the stretch it ended as
//! `last-pause` (`<paused-at>/<resumed-at>`), which `audit` reads so the paused slots are not
//! counted as missed.
//!
//! A pause is a record, not a flip: pausing a paused job keeps who paused it and why unless
//! `--reason` or `--by` are given (then the new record replaces the old and the result says so).
//! A job re-enabled elsewhere (Dkron's UI toggle) keeps the record; `list` shows it as
//! `re-enabled` and `resume` clears it.

use clap_complete::ArgValueCompleter;
use serde::Serialize;

use super::Context;
use crate::dkron::{Job, LAST_PAUSE, PAUSED_AT, PAUSED_BY, PAUSED_REASON};
use crate::error::{CliError, ErrorKind};
use crate::output::Report;
use crate::ownership::Ownership;
use crate::terminal::safe;
use crate::tunnel::AccessInfo;

/// Pause a job (disable it) and record who paused it and why.
#[derive(Debug, clap::Args)]
pub struct PauseArgs {
    /// The job's name.
    #[arg(value_parser = crate::names::job_name_arg, add = ArgValueCompleter::new(crate::completion::job_names))]
    pub name: String,

    /// Why it is paused (shown by `list`).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    /// Who paused it (default: $USER).
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,

    /// The set whose job it must be (jobs of another set, or not managed by joelclaw, need
    /// --force).
    #[arg(long, value_name = "NAME", default_value = crate::ownership::DEFAULT_SET, value_parser = crate::ownership::set_arg, add = ArgValueCompleter::new(crate::completion::sets))]
    pub set: String,

    /// Also pause a job this tool does not own.
    #[arg(long)]
    pub force: bool,
}

/// Resume a paused job (enable it) and clear its pause record.
#[derive(Debug, clap::Args)]
pub struct ResumeArgs {
    /// The job's name.
    #[arg(value_parser = crate::names::job_name_arg, add = ArgValueCompleter::new(crate::completion::job_names))]
    pub name: String,

    /// The set whose job it must be (jobs of another set, or not managed by joelclaw, need
    /// --force).
    #[arg(long, value_name = "NAME", default_value = crate::ownership::DEFAULT_SET, value_parser = crate::ownership::set_arg, add = ArgValueCompleter::new(crate::completion::sets))]
    pub set: String,

    /// Also resume a job this tool does not own.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PauseResult {
    #[serde(flatten)]
    pub access: AccessInfo,
    pub name: String,
    pub disabled: bool,
    /// False when the job already was in the asked state (nothing was written).
    pub changed: bool,
    pub paused_by: Option<String>,
    pub paused_at: Option<String>,
    pub paused_reason: Option<String>,
    /// The pause record this command replaced (a new `--reason`/`--by`) or cleared (`resume`).
    pub previous_record: Option<String>,
}

pub async fn pause(context: &Context, args: PauseArgs) -> anyhow::Result<Report> {
    let PauseArgs {
        name,
        reason,
        by,
        set: owner,
        force,
    } = args;
    let restated = reason.is_some() || by.is_some();
    let by = by
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".to_string());
    let at = crate::output::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    set(context, &name, &owner, force, move |job| {
        // Already paused with a record, and nothing new said: the first record stands.
        if job.disabled && job.pause_record().is_some() && !restated {
            return;
        }
        job.disabled = true;
        job.metadata.insert(PAUSED_BY.to_string(), by);
        job.metadata.insert(PAUSED_AT.to_string(), at);
        match reason {
            Some(reason) => job.metadata.insert(PAUSED_REASON.to_string(), reason),
            None => job.metadata.remove(PAUSED_REASON),
        };
    })
    .await
}

pub async fn resume(context: &Context, args: ResumeArgs) -> anyhow::Result<Report> {
    let ResumeArgs {
        name,
        set: owner,
        force,
    } = args;
    let at = crate::output::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    set(context, &name, &owner, force, move |job| {
        // The stretch the job was paused stays on record (`last-pause`), so an `audit` after the
        // resume does not count its slots as missed.
        if job.disabled
            && let Some(paused_at) = job.metadata.get(PAUSED_AT).cloned()
        {
            job.metadata
                .insert(LAST_PAUSE.to_string(), format!("{paused_at}/{at}"));
        }
        job.disabled = false;
        for key in [PAUSED_BY, PAUSED_AT, PAUSED_REASON] {
            job.metadata.remove(key);
        }
    })
    .await
}

/// Reads the job, applies `change`, writes the whole job back if it changed, and reads it again.
async fn set(
    context: &Context,
    name: &str,
    owner: &str,
    force: bool,
    change: impl FnOnce(&mut Job),
) -> anyhow::Result<Report> {
    let access = context.dkron().await?;
    let client = &access.client;
    let job = super::require_job(client, name).await?;
    let ownership = Ownership::of(&job, owner);
    if !ownership.is_owned() && !force {
        return Err(crate::ownership::refusal(name, &ownership, owner).into());
    }
    let mut wanted = job.clone();
    change(&mut wanted);
    let changed = wanted != job;
    // The record this write replaces or clears, when there was one.
    let previous = job
        .pause_record()
        .filter(|_| changed && wanted.pause_record() != job.pause_record());
    if changed {
        client.upsert_job(&wanted).await?;
        let stored = client.get_job(name).await?;
        if stored.as_ref().map(|stored| stored.disabled) != Some(wanted.disabled) {
            return Err(CliError::new(
                ErrorKind::DkronError,
                format!("read-back of `{name}` does not show the new state"),
            )
            .into());
        }
    }
    let styles = context.printer.styles();
    let mut human = match (wanted.disabled, changed, job.disabled) {
        (true, true, _) => format!(
            "{} `{name}`: Dkron will not fire it until it is resumed.",
            styles.warn("Paused")
        ),
        (true, false, _) => format!(
            "`{name}` was already paused {}; nothing changed (give --reason or --by to replace the record).",
            safe(&job.pause_record().unwrap_or_default())
        ),
        (false, true, true) => format!(
            "{} `{name}`: it fires on its schedule again.",
            styles.good("Resumed")
        ),
        (false, true, false) => format!(
            "`{name}` was already enabled (re-enabled outside this tool); its pause record is cleared."
        ),
        (false, false, _) => format!("`{name}` was not paused; nothing changed."),
    };
    if let Some(previous) = previous.as_ref().filter(|_| wanted.disabled) {
        human.push_str(&format!(
            "\nIt replaced the pause record {}.",
            safe(previous)
        ));
    }
    let result = PauseResult {
        access: access.info.clone(),
        name: name.to_string(),
        disabled: wanted.disabled,
        changed,
        paused_by: wanted.metadata.get(PAUSED_BY).cloned(),
        paused_at: wanted.metadata.get(PAUSED_AT).cloned(),
        paused_reason: wanted.metadata.get(PAUSED_REASON).cloned(),
        previous_record: previous,
    };
    Ok(Report::new(&result, human).next("joelclaw restate cron list", "see every job's state"))
}
