//! `list`: the jobs this tool manages (or every job with `--all`), with when they fire next and
//! how their runs went.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Context;
use crate::dkron::{MANAGED_BY_KEY, MANAGED_BY_VALUE};
use crate::job_view::{JobRow, job_row};
use crate::output::{Report, Styles, now, relative, table, when};
use crate::terminal::safe;
use crate::tunnel::AccessInfo;

/// List the jobs managed by joelclaw (every Dkron job with --all).
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// List every job in Dkron, not only the ones joelclaw manages.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResult {
    #[serde(flatten)]
    pub access: AccessInfo,
    pub all: bool,
    pub jobs: Vec<JobRow>,
    pub counts: ListCounts,
}

#[derive(Debug, Serialize)]
pub struct ListCounts {
    pub listed: usize,
    pub managed: usize,
    pub enabled: usize,
}

pub async fn run(context: &Context, args: ListArgs) -> anyhow::Result<Report> {
    let ListArgs { all } = args;
    let access = context.dkron().await?;
    let filter: &[(&str, &str)] = if all {
        &[]
    } else {
        &[(MANAGED_BY_KEY, MANAGED_BY_VALUE)]
    };
    let mut jobs = access.client.list_jobs(filter).await?;
    jobs.sort_by(|a, b| a.name.cmp(&b.name));
    let now = now();
    let rows: Vec<JobRow> = jobs.iter().map(job_row).collect();
    let result = ListResult {
        access: access.info.clone(),
        all,
        counts: ListCounts {
            listed: rows.len(),
            managed: rows.iter().filter(|row| row.managed).count(),
            enabled: rows.iter().filter(|row| row.enabled).count(),
        },
        jobs: rows,
    };
    let human = render_human(&result, now, context.printer.styles());
    let mut report = Report::new(&result, human);
    if result.jobs.is_empty() && !all {
        report = report.next(
            "joelclaw restate cron sync-tier1 --dry-run",
            "plan the jobs of tier1.toml",
        );
    }
    Ok(report.next(
        "joelclaw restate cron status",
        "check Dkron's health and leader",
    ))
}

fn render_human(result: &ListResult, now: DateTime<Utc>, styles: Styles) -> String {
    if result.jobs.is_empty() {
        return format!(
            "No {}jobs in Dkron at {}.",
            if result.all { "" } else { "joelclaw-managed " },
            result.access.base_url
        );
    }
    let mut table = table(&[
        "name",
        "schedule",
        "tz",
        "enabled",
        "next fire",
        "ok/err",
        "last success",
        "last error",
        "migrated from",
    ]);
    for row in &result.jobs {
        let name = if row.managed || !result.all {
            safe(&row.name).into_owned()
        } else {
            format!("{} {}", safe(&row.name), styles.dim("(unmanaged)"))
        };
        let enabled = match (&row.paused, row.enabled) {
            (_, true) => styles.good("yes"),
            (Some(pause), false) => styles.warn(&format!("paused {}", safe(pause))),
            (None, false) => styles.warn("no"),
        };
        let counts = if row.error_count > 0 {
            format!(
                "{}/{}",
                row.success_count,
                styles.bad(&row.error_count.to_string())
            )
        } else {
            format!("{}/{}", row.success_count, row.error_count)
        };
        let last_error = match row.last_error {
            Some(time) => styles.bad(&when(Some(time), now)),
            None => when(None, now),
        };
        let next = match row.next {
            Some(time) if row.enabled => when(Some(time), now),
            _ => "-".to_string(),
        };
        table.add_row(vec![
            name,
            safe(&row.schedule).into_owned(),
            if row.timezone.is_empty() {
                styles.dim("(server local)")
            } else {
                safe(&row.timezone).into_owned()
            },
            enabled,
            next,
            counts,
            when(row.last_success, now),
            last_error,
            row.migrated_from
                .as_deref()
                .map_or_else(|| "-".to_string(), |from| safe(from).into_owned()),
        ]);
    }
    let stale_next = result
        .jobs
        .iter()
        .filter(|row| {
            row.enabled
                && row
                    .next
                    .is_some_and(|next| relative(next, now).ends_with("ago"))
        })
        .count();
    let mut text = format!(
        "{table}\n{} jobs, {} enabled, {} managed by joelclaw\n",
        result.counts.listed, result.counts.enabled, result.counts.managed
    );
    if stale_next > 0 {
        text.push_str(&format!(
            "{} {stale_next} enabled job(s) show a next fire time in the past (Dkron computes `next` without the timezone until the first run)\n",
            styles.warn("note:")
        ));
    }
    text
}
