//! `list [NAME…]`: the jobs this tool manages (or every job with `-A`), with when they fire next
//! and how their runs went; narrowed by name globs, `--set` and `-l key=value` over the metadata.

use chrono::{DateTime, Utc};
use clap_complete::ArgValueCompleter;
use serde::Serialize;

use super::Context;
use crate::dkron::{Job, MANAGED_BY_KEY, MANAGED_BY_VALUE, SET_KEY};
use crate::error::{CliError, ErrorKind};
use crate::job_view::{JobRow, JobState, job_row};
use crate::output::{Report, Styles, now, plural, relative, when};
use crate::restate::target::RestateTarget;
use crate::terminal::safe;
use crate::tunnel::AccessInfo;
use crate::watch::{self, Item, Poll};

/// List the jobs managed by joelclaw (every Dkron job with -A).
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only these jobs: names or shell-style globs (`restate-*`, `*-sync`).
    #[arg(value_name = "NAME", add = ArgValueCompleter::new(crate::completion::job_names))]
    pub names: Vec<String>,

    /// List every job in Dkron, not only the ones joelclaw manages.
    #[arg(short = 'A', long)]
    pub all: bool,

    /// Only the managed jobs of this set.
    #[arg(long, value_name = "NAME", value_parser = crate::ownership::set_arg, add = ArgValueCompleter::new(crate::completion::sets))]
    pub set: Option<String>,

    /// Only jobs whose metadata has KEY=VALUE (repeat to require several).
    #[arg(short = 'l', long = "selector", value_name = "KEY=VALUE", value_parser = super::selector_arg)]
    pub selectors: Vec<(String, String)>,

    /// Keep watching: redraw on a terminal, one line per change when piped; Ctrl-C ends it.
    #[arg(short = 'w', long)]
    pub watch: bool,
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

/// What `list` selects: the server filters on metadata, names are matched here.
pub struct Selection {
    pub all: bool,
    pub metadata: Vec<(String, String)>,
    pub patterns: Vec<glob::Pattern>,
}

impl Selection {
    pub fn new(args: &ListArgs) -> anyhow::Result<Self> {
        let mut metadata = args.selectors.clone();
        if !args.all {
            metadata.push((MANAGED_BY_KEY.to_string(), MANAGED_BY_VALUE.to_string()));
        }
        if let Some(set) = &args.set {
            metadata.push((SET_KEY.to_string(), set.clone()));
        }
        let patterns = args
            .names
            .iter()
            .map(|name| {
                glob::Pattern::new(name).map_err(|error| {
                    CliError::new(
                        ErrorKind::Usage,
                        format!("`{}` is not a name or glob: {error}", safe(name)),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            all: args.all,
            metadata,
            patterns,
        })
    }

    pub async fn jobs(&self, client: &crate::dkron::DkronClient) -> anyhow::Result<Vec<Job>> {
        let filter: Vec<(&str, &str)> = self
            .metadata
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect();
        let mut jobs = client.list_jobs(&filter).await?;
        jobs.retain(|job| {
            self.patterns.is_empty() || self.patterns.iter().any(|p| p.matches(&job.name))
        });
        jobs.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(jobs)
    }

    /// Names asked for literally (no glob characters) that matched no job.
    pub fn missing(&self, jobs: &[Job]) -> Vec<String> {
        self.patterns
            .iter()
            .map(glob::Pattern::as_str)
            .filter(|name| !name.contains(['*', '?', '[']))
            .filter(|name| !jobs.iter().any(|job| job.name == *name))
            .map(str::to_string)
            .collect()
    }
}

pub async fn run(context: &Context, args: ListArgs) -> anyhow::Result<Report> {
    let selection = Selection::new(&args)?;
    let access = context.dkron().await?;
    if args.watch {
        return watch::run(&context.printer, || async {
            let jobs = selection.jobs(&access.client).await?;
            let now = now();
            let items = jobs
                .iter()
                .map(|job| {
                    let row = job_row(job);
                    Item {
                        key: row.name.clone(),
                        line: watch_line(&row, now),
                        object: serde_json::to_value(&row).expect("rows serialize"),
                    }
                })
                .collect();
            let report = report(context, &access.info, &selection, &jobs, now)?;
            Ok(Poll { report, items })
        })
        .await;
    }
    let jobs = selection.jobs(&access.client).await?;
    report(context, &access.info, &selection, &jobs, now())
}

/// A job's line in a piped `--watch`: its state and how its runs went.
fn watch_line(row: &JobRow, now: DateTime<Utc>) -> String {
    format!(
        "{} {} {} next={} last-success={} last-error={} ok/err={}/{}",
        now.format("%H:%M:%S"),
        row.name,
        row.state.as_str(),
        row.next
            .map_or_else(|| "-".to_string(), |time| time.to_rfc3339()),
        row.last_success
            .map_or_else(|| "-".to_string(), |time| time.to_rfc3339()),
        row.last_error
            .map_or_else(|| "-".to_string(), |time| time.to_rfc3339()),
        row.success_count,
        row.error_count
    )
}

/// The report of one listing (also each redraw of `--watch`).
pub fn report(
    context: &Context,
    access: &AccessInfo,
    selection: &Selection,
    jobs: &[Job],
    now: DateTime<Utc>,
) -> anyhow::Result<Report> {
    let rows: Vec<JobRow> = jobs.iter().map(job_row).collect();
    let result = ListResult {
        access: access.clone(),
        all: selection.all,
        counts: ListCounts {
            listed: rows.len(),
            managed: rows.iter().filter(|row| row.managed).count(),
            enabled: rows.iter().filter(|row| row.enabled).count(),
        },
        jobs: rows,
    };
    let human = render_human(&result, now, context.printer.styles());
    let names = result.jobs.iter().map(|row| row.name.clone());
    let mut report = Report::new(&result, human).names(names.collect::<Vec<_>>());
    for note in notes(&result, now) {
        report = report.warn(note);
    }
    let missing = selection.missing(jobs);
    if !missing.is_empty() {
        report = report.failed(
            CliError::new(
                ErrorKind::JobNotFound,
                format!(
                    "no {}job named {}",
                    if selection.all { "" } else { "managed " },
                    missing
                        .iter()
                        .map(|name| format!("`{}`", safe(name)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .hint("`list -A` shows every job in Dkron"),
        );
    }
    if result.jobs.is_empty() && !selection.all {
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

/// The table: what fits 100 columns by default, every field with `-o wide`.
pub fn render_human(result: &ListResult, now: DateTime<Utc>, styles: Styles) -> String {
    if result.jobs.is_empty() {
        return format!(
            "No {}jobs in Dkron at {}.",
            if result.all { "" } else { "joelclaw-managed " },
            result.access.base_url
        );
    }
    let mut headers = vec!["name"];
    if result.all {
        headers.push("set");
    }
    headers.extend([
        "schedule",
        "state",
        "next",
        "last",
        "ok/err",
        "target",
        "next fire",
        "last success",
        "last error",
        "migrated from",
        "pause record",
    ]);
    let mut table = styles.grid(&headers).wide(&[
        "target",
        "next fire",
        "last success",
        "last error",
        "migrated from",
        "pause record",
    ]);
    for row in &result.jobs {
        let mut cells = vec![safe(&row.name).into_owned()];
        if result.all {
            cells.push(match (&row.set, row.managed) {
                (Some(set), _) => safe(set).into_owned(),
                (None, true) => "(none)".to_string(),
                (None, false) => styles.dim("(unmanaged)"),
            });
        }
        let schedule = if row.timezone.is_empty() {
            safe(&row.schedule).into_owned()
        } else {
            format!("{} {}", safe(&row.schedule), safe(&row.timezone))
        };
        let state = match row.state {
            JobState::Enabled => styles.good(row.state.as_str()),
            JobState::Paused | JobState::Disabled => styles.warn(row.state.as_str()),
            JobState::ReEnabled => styles.bad(row.state.as_str()),
        };
        let next = match row.next {
            Some(time) if row.enabled => relative(time, now),
            _ => "-".to_string(),
        };
        let last = match (row.last_success, row.last_error) {
            (Some(ok), Some(error)) if error > ok => {
                styles.bad(&format!("failed {}", relative(error, now)))
            }
            (None, Some(error)) => styles.bad(&format!("failed {}", relative(error, now))),
            (Some(ok), _) => format!("ok {}", relative(ok, now)),
            (None, None) => styles.dim("never"),
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
        let target = row
            .target
            .as_deref()
            .and_then(|url| RestateTarget::parse(url, &Default::default()).ok())
            .map_or_else(
                || {
                    row.target
                        .as_deref()
                        .map(safe)
                        .unwrap_or_default()
                        .into_owned()
                },
                |target| safe(&target.display()).into_owned(),
            );
        cells.extend([
            schedule,
            state,
            next,
            last,
            counts,
            target,
            row.next
                .filter(|_| row.enabled)
                .map(|time| when(Some(time), now))
                .unwrap_or_default(),
            when(row.last_success, now),
            when(row.last_error, now),
            row.migrated_from
                .as_deref()
                .map(|from| safe(from).into_owned())
                .unwrap_or_default(),
            row.pause_record
                .as_deref()
                .map(|record| safe(record).into_owned())
                .unwrap_or_default(),
        ]);
        table.add_row(cells);
    }
    // Piped, the rows alone (what `awk` and `wc -l` count); the summary is for a person.
    if !styles.layout().terminal {
        return table.to_string();
    }
    format!(
        "{table}\n{} jobs, {} enabled, {} managed by joelclaw\n",
        result.counts.listed, result.counts.enabled, result.counts.managed
    )
}

/// What a person should know about the listed jobs, printed as warnings on stderr.
fn notes(result: &ListResult, now: DateTime<Utc>) -> Vec<String> {
    let stale_next = result
        .jobs
        .iter()
        .filter(|row| row.enabled && row.next.is_some_and(|next| next < now))
        .count();
    let re_enabled: Vec<&str> = result
        .jobs
        .iter()
        .filter(|row| row.state == JobState::ReEnabled)
        .map(|row| row.name.as_str())
        .collect();
    let mut notes = Vec::new();
    if !re_enabled.is_empty() {
        notes.push(format!(
            "{} re-enabled outside this tool but still carrying a pause record: {} (`resume` clears it)",
            plural(re_enabled.len(), "job"),
            re_enabled.join(", ")
        ));
    }
    if stale_next > 0 {
        notes.push(format!(
            "{} enabled job(s) show a next fire time in the past (Dkron computes `next` without the timezone until the first run)",
            stale_next
        ));
    }
    notes
}
