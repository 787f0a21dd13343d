//! `history <name>`: a job's executions, newest first, with the Restate invocation each produced.

use chrono::{DateTime, Utc};
use clap_complete::ArgValueCompleter;
use serde::Serialize;

use super::Context;
use crate::output::{Report, Styles, now, relative, when};
use crate::terminal::{safe, safe_lines};
use crate::tunnel::AccessInfo;
use crate::watch::{self, Item, Poll};

/// Show a job's executions, newest first (Dkron keeps the last 100).
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// The job's name.
    #[arg(value_parser = crate::names::job_name_arg, add = ArgValueCompleter::new(crate::completion::job_names))]
    pub name: String,

    /// How many executions to show.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,

    /// Include each execution's full output (the target's response body, after any error text).
    #[arg(long)]
    pub with_output: bool,

    /// Keep watching: redraw on a terminal, one line per new or finished execution when piped;
    /// Ctrl-C ends it.
    #[arg(short = 'w', long)]
    pub watch: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionRow {
    pub id: String,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub node: String,
    pub attempt: u32,
    /// `succeeded`, `failed` or `running`.
    pub state: &'static str,
    pub invocation_id: Option<String>,
    pub output: Option<String>,
    pub output_truncated: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryResult {
    #[serde(flatten)]
    pub access: AccessInfo,
    pub name: String,
    pub executions: Vec<ExecutionRow>,
}

pub async fn run(context: &Context, args: HistoryArgs) -> anyhow::Result<Report> {
    let HistoryArgs {
        name,
        limit,
        with_output: output,
        watch,
    } = args;
    let access = context.dkron().await?;
    super::require_job(&access.client, &name).await?;
    if watch {
        return watch::run(&context.printer, || async {
            let (report, rows) = history(context, access, &name, limit, output).await?;
            let items = rows
                .iter()
                .map(|row| Item {
                    key: row.id.clone(),
                    line: watch_line(&name, row),
                    object: serde_json::to_value(row).expect("rows serialize"),
                })
                .collect();
            Ok(Poll { report, items })
        })
        .await;
    }
    Ok(history(context, access, &name, limit, output).await?.0)
}

/// One execution's line in a piped `--watch`.
fn watch_line(name: &str, row: &ExecutionRow) -> String {
    format!(
        "{} {name} {} attempt={} node={} invocation={}",
        row.started_at
            .map_or_else(|| "-".to_string(), |time| time.to_rfc3339()),
        row.state,
        row.attempt,
        row.node,
        row.invocation_id.as_deref().unwrap_or("-")
    )
}

async fn history(
    context: &Context,
    access: &crate::tunnel::DkronAccess,
    name: &str,
    limit: usize,
    output: bool,
) -> anyhow::Result<(Report, Vec<ExecutionRow>)> {
    let mut executions = access.client.executions(name).await?;
    // Newest first by start; Dkron's own order is by id, which is the start in nanoseconds.
    executions.sort_by_key(|execution| std::cmp::Reverse(execution.started_at));
    let rows: Vec<ExecutionRow> = executions
        .iter()
        .take(limit)
        .map(|execution| {
            let started_at = execution.started_at.map(|time| time.with_timezone(&Utc));
            let finished_at = execution.finished_at.map(|time| time.with_timezone(&Utc));
            ExecutionRow {
                id: execution.id.clone(),
                started_at,
                finished_at,
                duration_ms: started_at
                    .zip(finished_at)
                    .map(|(start, end)| (end - start).num_milliseconds()),
                node: execution.node_name.clone(),
                attempt: execution.attempt,
                state: execution.state().as_str(),
                invocation_id: execution.invocation_id(),
                output: output.then(|| execution.output.clone()),
                output_truncated: execution.output_truncated,
            }
        })
        .collect();
    let result = HistoryResult {
        access: access.info.clone(),
        name: name.to_string(),
        executions: rows,
    };
    let human = render_human(&result, context.printer.styles());
    let report = Report::new(&result, human).next(
        format!("joelclaw restate cron run {name}"),
        "trigger it now",
    );
    Ok((report, result.executions))
}

fn render_human(result: &HistoryResult, styles: Styles) -> String {
    if result.executions.is_empty() {
        return format!("`{}` has no executions yet.\n", safe(&result.name));
    }
    let now = now();
    let mut rows = styles
        .grid(&[
            "started",
            "duration",
            "node",
            "attempt",
            "result",
            "restate invocation",
            "started at",
            "execution",
        ])
        .wide(&["started at", "execution"]);
    for row in &result.executions {
        rows.add_row(vec![
            row.started_at
                .map_or_else(|| "-".to_string(), |time| relative(time, now)),
            match row.duration_ms {
                Some(ms) if ms < 10_000 => format!("{ms} ms"),
                Some(ms) => format!("{:.1} s", ms as f64 / 1000.0),
                None => "-".to_string(),
            },
            safe(&row.node).into_owned(),
            row.attempt.to_string(),
            match row.state {
                "succeeded" => styles.good("ok"),
                "running" => styles.warn("running"),
                _ => styles.bad("failed"),
            },
            row.invocation_id
                .as_deref()
                .map_or_else(|| "-".to_string(), |id| safe(id).into_owned()),
            when(row.started_at, now),
            safe(&row.id).into_owned(),
        ]);
    }
    let mut text = format!("{rows}\n");
    for row in result.executions.iter().filter(|row| row.output.is_some()) {
        text.push_str(&format!(
            "\n{} {}{}\n{}\n",
            styles.bold("output of"),
            safe(&row.id),
            if row.output_truncated {
                " (truncated by Dkron)"
            } else {
                ""
            },
            safe_lines(row.output.as_deref().unwrap_or_default().trim_end())
        ));
    }
    text
}
