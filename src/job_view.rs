//! A live job as results show it: the row `list` prints per job and `delete` reports for the job
//! it removed. Dkron's own fields, with its "never" (`null`, Go's zero time) as `None` and this
//! tool's ownership and Restate target read from the metadata.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::dkron::Job;

/// One job as `list` shows it; camelCase for agents.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRow {
    pub name: String,
    pub display_name: String,
    pub schedule: String,
    pub timezone: String,
    pub enabled: bool,
    pub executor: String,
    pub managed: bool,
    pub set: Option<String>,
    pub migrated_from: Option<String>,
    pub target: Option<String>,
    pub next: Option<DateTime<Utc>>,
    pub success_count: i64,
    pub error_count: i64,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<DateTime<Utc>>,
    pub status: String,
    /// "by X at T (reason)" when `pause` disabled the job.
    pub paused: Option<String>,
    /// The pause record whether or not the job is still disabled.
    pub pause_record: Option<String>,
    pub state: JobState,
}

/// Whether Dkron fires the job, and what this tool's pause record says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobState {
    Enabled,
    /// Disabled by `pause` (it carries the record).
    Paused,
    /// Disabled without a pause record (the file says `enabled = false`, or another tool).
    Disabled,
    /// Enabled, yet carrying a pause record: someone re-enabled it outside this tool (Dkron's UI
    /// toggle). `resume` clears the record.
    ReEnabled,
}

impl JobState {
    pub fn of(job: &Job) -> Self {
        match (job.disabled, job.pause_record().is_some()) {
            (false, false) => Self::Enabled,
            (false, true) => Self::ReEnabled,
            (true, true) => Self::Paused,
            (true, false) => Self::Disabled,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "enabled",
            Self::Paused => "paused",
            Self::Disabled => "disabled",
            Self::ReEnabled => "re-enabled",
        }
    }
}

/// The row of one job.
pub fn job_row(job: &Job) -> JobRow {
    JobRow {
        name: job.name.clone(),
        display_name: job.displayname.clone(),
        schedule: job.schedule.clone(),
        timezone: job.timezone.clone(),
        enabled: !job.disabled,
        executor: job.executor.clone(),
        managed: job.is_managed(),
        set: job.set().map(str::to_string),
        migrated_from: job.metadata.get(crate::dkron::MIGRATED_FROM_KEY).cloned(),
        target: job.executor_config.get("url").cloned(),
        next: job.next,
        success_count: job.success_count,
        error_count: job.error_count,
        last_success: job.last_success,
        last_error: job.last_error,
        status: job.status.clone(),
        paused: job.pause(),
        pause_record: job.pause_record(),
        state: JobState::of(job),
    }
}
