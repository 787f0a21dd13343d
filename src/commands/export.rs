//! `export`: write live Dkron jobs as `tier1.toml` entries, so jobs that already exist can be
//! adopted by the file. This file is the command (which jobs, where the file goes, the summary);
//! expressing jobs as entries, writing the document and proving that it syncs back unchanged are
//! `crate::export`.

use clap_complete::ArgValueCompleter;
use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Serialize;

use super::Context;
use crate::dkron::{Job, MANAGED_BY_KEY, MANAGED_BY_VALUE};
use crate::error::{CliError, ErrorKind};
use crate::export::{EnvReference, ExportedJob, Skipped, export};
use crate::output::Report;
use crate::reconcile::Action;
use crate::tunnel::AccessInfo;

/// Write live Dkron jobs as tier1.toml entries, to adopt jobs that already exist.
///
/// By default the jobs joelclaw manages (they must share one set, or pass --set); --set NAME the
/// managed jobs of that set; --all every job, written into the set of --set (or the one set the
/// managed jobs share, else `tier1`). Jobs that cannot be expressed in tier1.toml (not an HTTP job
/// POSTing to a Restate `/send` URL, a body TOML cannot hold) are listed as comments with the
/// reason. Header values that came from the environment (or look secret) become ${env:…}
/// references. Exporting jobs sync-tier1
/// wrote and syncing the file back changes nothing.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Export every Dkron job, not only the ones joelclaw manages (jobs of another owner need
    /// `sync-tier1 --force` to be adopted).
    #[arg(short = 'A', long)]
    pub all: bool,

    /// The file's set: export the managed jobs of this set (with --all: every job, into this set).
    #[arg(long, value_name = "NAME", value_parser = crate::ownership::set_arg, add = ArgValueCompleter::new(crate::completion::sets))]
    pub set: Option<String>,

    /// Write the file here instead of printing it (an existing file is replaced).
    #[arg(long, value_name = "PATH")]
    pub to: Option<PathBuf>,
}

#[derive(Debug, Default, Serialize)]
pub struct ExportCounts {
    pub exported: usize,
    pub skipped: usize,
    pub unchanged: usize,
    /// Exported jobs a sync of the file would rewrite.
    pub changed: usize,
    /// Exported jobs another owner or set holds (`sync-tier1 --force` adopts them).
    pub adopt: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    #[serde(flatten)]
    pub access: AccessInfo,
    pub all: bool,
    pub set: String,
    /// Where the file was written; `null` when printed.
    pub output: Option<String>,
    pub counts: ExportCounts,
    pub jobs: Vec<ExportedJob>,
    pub skipped: Vec<Skipped>,
    pub environment: Vec<EnvReference>,
    /// The file's text.
    pub toml: String,
}

pub async fn run(context: &Context, args: ExportArgs) -> anyhow::Result<Report> {
    let ExportArgs {
        all,
        set,
        to: output,
    } = args;
    let access = context.dkron().await?;
    let mut jobs = if all {
        access.client.list_jobs(&[]).await?
    } else {
        let mut managed = access
            .client
            .list_jobs(&[(MANAGED_BY_KEY, MANAGED_BY_VALUE)])
            .await?;
        managed.retain(|job| {
            job.is_managed() && set.as_deref().is_none_or(|set| job.set() == Some(set))
        });
        managed
    };
    jobs.sort_by(|a, b| a.name.cmp(&b.name));
    let set = match set {
        Some(set) => set,
        None => {
            let sets: BTreeSet<&str> = jobs.iter().filter_map(Job::set).collect();
            match sets.len() {
                0 => crate::ownership::DEFAULT_SET.to_string(),
                1 => sets.first().expect("one set").to_string(),
                _ => {
                    let names: Vec<String> = sets.iter().map(|set| format!("`{set}`")).collect();
                    return Err(CliError::new(
                        ErrorKind::Usage,
                        format!(
                            "the managed jobs belong to several sets ({}); a tier1.toml has one",
                            names.join(", ")
                        ),
                    )
                    .hint("pass --set NAME to export one of them")
                    .into());
                }
            }
        }
    };
    let scope = if all {
        format!("every Dkron job, written into set `{set}`")
    } else {
        format!("the jobs of set `{set}`")
    };
    let export = export(&jobs, &set, &scope)?;
    if let Some(path) = &output {
        std::fs::write(path, &export.text).map_err(|error| {
            CliError::new(
                ErrorKind::Failed,
                format!("cannot write {}: {error}", path.display()),
            )
        })?;
    }
    let mut counts = ExportCounts {
        exported: export.jobs.len(),
        skipped: export.skipped.len(),
        ..ExportCounts::default()
    };
    for job in &export.jobs {
        match job.action {
            Action::Unchanged => counts.unchanged += 1,
            _ => counts.changed += 1,
        }
        if !job.owned {
            counts.adopt += 1;
        }
    }
    let result = ExportResult {
        access: access.info.clone(),
        all,
        set,
        output: output.as_ref().map(|path| path.display().to_string()),
        counts,
        jobs: export.jobs,
        skipped: export.skipped,
        environment: export.environment,
        toml: export.text,
    };
    let summary = summary(&result);
    let human = match &result.output {
        // Printed, the file is the output (`export > tier1.toml`); the summary goes to stderr.
        None => {
            context.printer.note(&summary);
            result.toml.clone()
        }
        Some(_) => summary,
    };
    let file = result.output.as_deref().unwrap_or("tier1.toml").to_string();
    Ok(Report::new(&result, human)
        .next(
            format!("joelclaw restate cron validate --file {file}"),
            "check the exported file offline",
        )
        .next(
            format!("joelclaw restate cron sync-tier1 --dry-run --file {file}"),
            "see what a sync of the file would change (nothing, for jobs sync-tier1 wrote)",
        ))
}

fn summary(result: &ExportResult) -> String {
    let counts = &result.counts;
    let mut text = match &result.output {
        Some(path) => format!(
            "Wrote {} job(s) of set `{}` to {path}",
            counts.exported, result.set
        ),
        None => format!(
            "Exported {} job(s) of set `{}`",
            counts.exported, result.set
        ),
    };
    text.push_str(&format!(
        "; {} unchanged by a sync, {} changed, {} to adopt (--force), {} skipped\n",
        counts.unchanged, counts.changed, counts.adopt, counts.skipped
    ));
    for skipped in &result.skipped {
        text.push_str(&format!("  skipped {}: {}\n", skipped.name, skipped.reason));
    }
    for reference in &result.environment {
        text.push_str(&format!(
            "  set {} (job {}, header {}) before syncing\n",
            reference.variable, reference.job, reference.header
        ));
    }
    text
}
