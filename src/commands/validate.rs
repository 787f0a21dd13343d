//! `validate`: check `tier1.toml` offline, as CI would before a sync.
//!
//! Everything `sync-tier1` checks when it loads the file (every load finding is an error), plus the
//! hazards of Dkron HTTP jobs that a loadable file can still carry ([`crate::schedule_file::hazards`]).
//! Never contacts Dkron. Exit 2 when any finding is an error, 0 when there are only warnings.

use serde::Serialize;

use super::Context;
use crate::cli::ScheduleFileArgs;
use crate::error::{CliError, ErrorKind};
use crate::output::{Report, Styles, now, plural};
use crate::schedule_file::Overrides;
use crate::schedule_file::hazards::{self, Check, Severity};
use crate::terminal::safe;

/// Check tier1.toml offline: everything sync-tier1 checks, plus the hazards of HTTP jobs.
///
/// Errors (exit 2): anything sync-tier1 would reject, and a fixed `idempotency-key` header (Restate
/// would dedupe every later fire for its retention window, a day by default). Warnings (exit 0): a
/// `key` on a `run` handler (a Workflow runs once per key), a non-UTC timezone on `@every`,
/// `@manually` or `@at` (no effect), a 5-field cron with a step in its first field (minutes, not
/// seconds), a schedule that can never fire, a past `@at`, header names that differ only in case.
/// Every finding names file, line, job and field. Dkron is never contacted.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub manifest: ScheduleFileArgs,
}

#[derive(Debug, Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateResult {
    pub file: String,
    /// True when there is no error (warnings allowed).
    pub valid: bool,
    /// The file's set, when it loads.
    pub set: Option<String>,
    /// How many jobs it declares, when it loads.
    pub jobs: Option<usize>,
    pub counts: Counts,
    pub findings: Vec<Check>,
}

pub async fn run(context: &Context, args: ValidateArgs) -> anyhow::Result<Report> {
    let ValidateArgs { manifest } = args;
    let overrides = Overrides {
        restate_url: manifest.restate_url.clone(),
    };
    let validation = hazards::validate(&manifest.file, &overrides, now());
    let counts = Counts {
        errors: validation.count(Severity::Error),
        warnings: validation.count(Severity::Warning),
    };
    let result = ValidateResult {
        file: validation.file.clone(),
        valid: counts.errors == 0,
        set: validation
            .manifest
            .as_ref()
            .map(|manifest| manifest.set.clone()),
        jobs: validation
            .manifest
            .as_ref()
            .map(|manifest| manifest.jobs.len()),
        counts,
        findings: validation.findings,
    };
    let human = render_human(&result, context.printer.styles());
    let file = result.file.clone();
    let report = Report::new(&result, human);
    Ok(if result.valid {
        report.next(
            format!("joelclaw restate cron sync-tier1 --dry-run --file {file}"),
            "plan the sync against Dkron",
        )
    } else {
        let Counts { errors, warnings } = result.counts;
        report.failed(
            CliError::new(
                ErrorKind::InvalidManifest,
                format!(
                    "{file} has {}{}",
                    plural(errors, "error"),
                    if warnings > 0 {
                        format!(" and {}", plural(warnings, "warning"))
                    } else {
                        String::new()
                    }
                ),
            )
            .hint("fix the errors and run `validate` again; warnings alone do not fail"),
        )
    })
}

/// One line per finding (`error: file:line: job `x`, field `y`: message`), then a summary.
fn render_human(result: &ValidateResult, styles: Styles) -> String {
    let mut text = String::new();
    for finding in &result.findings {
        let severity = match finding.severity {
            Severity::Error => styles.bad("error"),
            Severity::Warning => styles.warn("warning"),
        };
        text.push_str(&format!(
            "{severity}: {}\n",
            safe(&finding.location_and_message())
        ));
    }
    if !text.is_empty() {
        text.push('\n');
    }
    let jobs = result
        .jobs
        .map(|jobs| {
            format!(
                " ({} of set `{}`)",
                plural(jobs, "job"),
                result.set.as_deref().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let summary = match (result.counts.errors, result.counts.warnings) {
        (0, 0) => styles.good("no problems found"),
        (0, warnings) => format!("valid, with {}", styles.warn(&plural(warnings, "warning"))),
        (errors, warnings) => format!(
            "{}, {}",
            styles.bad(&plural(errors, "error")),
            plural(warnings, "warning")
        ),
    };
    text.push_str(&format!("{}{jobs}: {summary}\n", safe(&result.file)));
    text
}
