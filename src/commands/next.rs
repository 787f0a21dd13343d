//! `next`: when jobs fire, computed locally the way Dkron's scheduler computes it (robfig/cron v3
//! behind Dkron's extcron, see `manifests::schedule`), shown in each job's zone and the local one.
//! For live jobs the first fire after now is checked against the `next` Dkron stores, which Dkron
//! computes without the job's timezone whenever a job is written (docs/dkron-observed.md §5).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::Context;
use crate::dkron::{Job, MANAGED_BY_KEY, MANAGED_BY_VALUE};
use crate::error::{CliError, ErrorKind};
use crate::manifests::schedule::{
    DkronKind, DkronSchedule, ZoneSource, format_in, parse_zone, repeated_wall_time,
};
use crate::manifests::{self, Overrides};
use crate::output::{Report, Styles, now, table};
use crate::tunnel::AccessInfo;

/// Show when jobs fire next, computed the way Dkron computes it.
///
/// Fire times follow Dkron's scheduler (robfig/cron v3): six fields with seconds first,
/// descriptors, `@every`, `@at`, and a `CRON_TZ=`/`TZ=` prefix in the schedule. A job's timezone
/// applies, except to `@` descriptors and jobs without one, which Dkron reads in its server's local
/// time. On the day a zone's clocks jump forward, a wall time they skip does not fire; one in the
/// hour they repeat when falling back fires twice. Times are shown in the job's zone and in the
/// local one (TZ, else the system's).
///
/// Without NAME: every job joelclaw manages in Dkron, or with --file every job of that manifest
/// (offline). For live jobs the first fire after now is compared with Dkron's own `next`, and a
/// difference is flagged with its likely reason (exit status stays 0).
#[derive(Debug, clap::Args)]
pub struct NextArgs {
    /// One job (any job in Dkron, or a job of --file).
    pub name: Option<String>,

    /// How many fire times to show for each job.
    #[arg(long, default_value_t = 5, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub count: u16,

    /// Show the fire times after this RFC 3339 time (default: now).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub from: Option<DateTime<Utc>>,

    /// Read the jobs from this manifest instead of Dkron (offline; header secrets are not needed).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// The time zone of Dkron's servers, in which Dkron reads `@` descriptors and jobs without a
    /// timezone (the shipped deployment sets no TZ, so UTC).
    #[arg(long, default_value = "UTC", value_name = "ZONE", value_parser = parse_zone)]
    pub server_timezone: Tz,
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|error| {
            format!("`{text}` is not an RFC 3339 time such as 2026-11-22T12:00:00Z ({error})")
        })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NextResult {
    /// How Dkron was reached (live jobs only).
    #[serde(flatten)]
    pub access: Option<AccessInfo>,
    /// `dkron` (live jobs) or `file` (a manifest, offline).
    pub source: &'static str,
    pub file: Option<String>,
    /// Fire times are those strictly after this.
    pub from: DateTime<Utc>,
    /// The clock the check against Dkron's `next` uses.
    pub now: DateTime<Utc>,
    pub count: usize,
    pub local_zone: String,
    pub server_timezone: String,
    pub jobs: Vec<JobFires>,
    pub counts: NextCounts,
}

#[derive(Debug, Serialize)]
pub struct NextCounts {
    pub jobs: usize,
    pub mismatches: usize,
}

/// One job's fire times.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobFires {
    pub name: String,
    /// As Dkron stores it (for --file, as sync-tier1 would write it).
    pub schedule: String,
    /// What Dkron's scheduler parses: `~` replaced, `CRON_TZ=<timezone>` prepended where it is.
    pub scheduled_as: Option<String>,
    /// The job's `timezone` field (`null` when empty).
    pub timezone: Option<String>,
    pub enabled: bool,
    /// `cron`, `every`, `at` or `manually`; `null` when the schedule cannot be read.
    pub kind: Option<&'static str>,
    /// The zone whose wall clock decides the fire times (calendar schedules only).
    pub evaluated_in: Option<String>,
    /// Where that zone comes from: `timezone`, `schedule` (a `CRON_TZ=` prefix) or `server`.
    pub zone_source: Option<ZoneSource>,
    /// The zone `fires[].zoned` is shown in: `evaluatedIn`, else the job's timezone.
    pub shown_in: String,
    pub cadence: Option<String>,
    pub fires: Vec<Fire>,
    /// Whether `fires` were projected from Dkron's `next` (`@every`).
    pub projected: bool,
    pub notes: Vec<String>,
    /// Live jobs: Dkron's stored `next` against ours.
    pub dkron: Option<DkronCheck>,
    /// Why the schedule could not be read.
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fire {
    pub at: DateTime<Utc>,
    /// RFC 3339 in `shownIn`.
    pub zoned: String,
    /// RFC 3339 in the local zone.
    pub local: String,
    /// `first-of-repeated-hour` / `second-of-repeated-hour`: the wall time happens twice that day
    /// (clocks fall back) and Dkron fires at both.
    pub dst: Option<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DkronCheck {
    /// What Dkron stores (`null` for its zero time).
    pub next: Option<DateTime<Utc>>,
    /// Our first fire strictly after `now`.
    pub computed: Option<DateTime<Utc>>,
    pub status: CheckStatus,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    Match,
    Mismatch,
    NotCompared,
}

/// What the computation needs of a job, live or from a manifest.
struct Input {
    name: String,
    schedule: String,
    timezone: String,
    enabled: bool,
    live: Option<Job>,
}

impl Input {
    fn from_live(job: Job) -> Self {
        Self {
            name: job.name.clone(),
            schedule: job.schedule.clone(),
            timezone: job.timezone.clone(),
            enabled: !job.disabled,
            live: Some(job),
        }
    }
}

pub async fn run(context: &Context, args: NextArgs) -> anyhow::Result<Report> {
    let NextArgs {
        name,
        count,
        from,
        file,
        server_timezone,
    } = args;
    let now = now();
    let from = from.unwrap_or(now);
    let count = usize::from(count);
    let local = LocalZone::detect();

    let (access, inputs) = match &file {
        Some(path) => (None, manifest_inputs(path, name.as_deref())?),
        None => {
            let access = context.dkron().await?;
            let jobs = match &name {
                Some(name) => vec![super::require_job(&access.client, name).await?],
                None => {
                    let mut jobs = access
                        .client
                        .list_jobs(&[(MANAGED_BY_KEY, MANAGED_BY_VALUE)])
                        .await?;
                    jobs.sort_by(|a, b| a.name.cmp(&b.name));
                    jobs
                }
            };
            (
                Some(access.info.clone()),
                jobs.into_iter().map(Input::from_live).collect(),
            )
        }
    };

    let settings = Settings {
        from,
        now,
        count,
        server: server_timezone,
        local: &local,
    };
    let jobs: Vec<JobFires> = inputs
        .iter()
        .map(|input| fires_of(input, &settings))
        .collect();
    let result = NextResult {
        access,
        source: if file.is_some() { "file" } else { "dkron" },
        file: file.as_ref().map(|path| path.display().to_string()),
        from,
        now,
        count,
        local_zone: local.name(),
        server_timezone: server_timezone.name().to_string(),
        counts: NextCounts {
            jobs: jobs.len(),
            mismatches: jobs
                .iter()
                .filter(|job| {
                    job.dkron
                        .as_ref()
                        .is_some_and(|check| check.status == CheckStatus::Mismatch)
                })
                .count(),
        },
        jobs,
    };
    let human = render_human(&result, &local, context.printer.styles());
    let report = Report::new(&result, human);
    Ok(match &file {
        Some(path) => report.next(
            format!(
                "joelclaw restate cron sync-tier1 --dry-run --file {}",
                path.display()
            ),
            "plan these jobs against Dkron",
        ),
        None if result.counts.mismatches > 0 => report.next(
            "joelclaw restate cron list",
            "see the `next` Dkron shows for each job",
        ),
        None => report,
    })
}

/// Reads a manifest for its schedules only: `${env:…}` header values need not be set.
fn manifest_inputs(path: &Path, name: Option<&str>) -> anyhow::Result<Vec<Input>> {
    let file = path.display().to_string();
    let placeholder = |_: &str| Some("unused-by-next".to_string());
    let manifest = manifests::load_with_env(path, &Overrides::default(), &placeholder)
        .map_err(|error| super::manifest_error(&error))?;
    let inputs: Vec<Input> = manifest
        .jobs
        .iter()
        .filter(|job| name.is_none_or(|name| job.name == name))
        .map(|job| Input {
            name: job.name.clone(),
            schedule: job.schedule.dkron.clone(),
            timezone: job.timezone.name().to_string(),
            enabled: job.enabled,
            live: None,
        })
        .collect();
    if let Some(name) = name
        && inputs.is_empty()
    {
        return Err(CliError::new(
            ErrorKind::JobNotFound,
            format!("{file} has no job named `{name}`"),
        )
        .into());
    }
    Ok(inputs)
}

struct Settings<'a> {
    from: DateTime<Utc>,
    now: DateTime<Utc>,
    count: usize,
    server: Tz,
    local: &'a LocalZone,
}

/// Skipped wall times are looked for this far at most (a yearly schedule shown 1000 times).
const SKIP_SCAN_DAYS: i64 = 3660;

fn fires_of(input: &Input, settings: &Settings) -> JobFires {
    let Settings {
        from,
        now,
        count,
        server,
        local,
    } = *settings;
    let timezone = (!input.timezone.is_empty()).then(|| input.timezone.clone());
    let job_zone = parse_zone(&input.timezone).ok();
    let mut job = JobFires {
        name: input.name.clone(),
        schedule: input.schedule.clone(),
        scheduled_as: None,
        timezone,
        enabled: input.enabled,
        kind: None,
        evaluated_in: None,
        zone_source: None,
        shown_in: job_zone.unwrap_or(server).name().to_string(),
        cadence: None,
        fires: Vec::new(),
        projected: false,
        notes: Vec::new(),
        dkron: None,
        error: None,
    };
    let schedule = match DkronSchedule::parse(&input.name, &input.schedule, &input.timezone, server)
    {
        Ok(schedule) => schedule,
        Err(error) => {
            job.error = Some(format!("cannot read this schedule as Dkron does: {error}"));
            return job;
        }
    };
    let shown_in = schedule.zone().or(job_zone).unwrap_or(server);
    job.kind = Some(schedule.kind_name());
    job.scheduled_as = Some(schedule.effective.clone());
    job.shown_in = shown_in.name().to_string();
    job.cadence = schedule.cadence();
    let dkron_next = input.live.as_ref().and_then(|live| live.next);

    let times = match &schedule.kind {
        DkronKind::Every(every) => match (dkron_next, chrono::Duration::from_std(*every)) {
            // The phase is the scheduler's: count on from the next fire it stored.
            (Some(anchor), Ok(every)) if input.enabled && every > chrono::Duration::zero() => {
                job.projected = true;
                let behind = if anchor > from {
                    0
                } else {
                    (from - anchor).num_seconds() / every.num_seconds() + 1
                };
                let first = anchor + every * i32::try_from(behind).unwrap_or(0);
                (0..count)
                    .filter_map(|index| {
                        first.checked_add_signed(every * i32::try_from(index).ok()?)
                    })
                    .filter(|time| *time > from)
                    .collect()
            }
            _ => Vec::new(),
        },
        _ => schedule.fires(from, count),
    };
    job.fires = times
        .iter()
        .map(|at| Fire {
            at: *at,
            zoned: at.with_timezone(&shown_in).to_rfc3339(),
            local: local.rfc3339(*at),
            dst: schedule.zone().and_then(|zone| {
                repeated_wall_time(zone, *at).map(|first| {
                    if first {
                        "first-of-repeated-hour"
                    } else {
                        "second-of-repeated-hour"
                    }
                })
            }),
        })
        .collect();

    job.notes = notes(input, &schedule, &times, settings);
    if let DkronKind::Cron { zone, source, .. } = &schedule.kind {
        job.evaluated_in = Some(zone.name().to_string());
        job.zone_source = Some(*source);
    }
    if let Some(live) = &input.live {
        job.dkron = Some(check(input, live, &schedule, now, server));
    }
    job
}

fn notes(
    input: &Input,
    schedule: &DkronSchedule,
    times: &[DateTime<Utc>],
    settings: &Settings,
) -> Vec<String> {
    let server = settings.server;
    let mut notes = Vec::new();
    match &schedule.kind {
        DkronKind::Cron {
            spec, zone, source, ..
        } => {
            match source {
                ZoneSource::Server if input.timezone.is_empty() => notes.push(format!(
                    "no timezone: Dkron reads the schedule in its server's local time ({server}, see --server-timezone)"
                )),
                ZoneSource::Server => notes.push(format!(
                    "`{}` is a descriptor: Dkron does not apply timezone {} to it and reads it in its server's local time ({server}, see --server-timezone); write the six fields, or `CRON_TZ={} {}`, to use the zone",
                    input.schedule, input.timezone, input.timezone, input.schedule
                )),
                ZoneSource::Schedule if !input.timezone.is_empty() => notes.push(format!(
                    "the schedule names its own zone ({zone}); Dkron ignores timezone {}",
                    input.timezone
                )),
                _ => {}
            }
            let scan_end = settings.from + chrono::Duration::days(SKIP_SCAN_DAYS);
            let until = times.last().map_or(scan_end, |last| (*last).min(scan_end));
            for skipped in spec.skipped(*zone, settings.from, until) {
                let more = match skipped.more {
                    0 => String::new(),
                    more => format!(" and {more} more of its times"),
                };
                notes.push(format!(
                    "{}{more} does not exist in {zone} (the clocks jump from {} to {}): Dkron does not fire then",
                    skipped.first.format("%Y-%m-%d %H:%M:%S"),
                    skipped.gap_start.format("%H:%M"),
                    skipped.gap_end.format("%H:%M"),
                ));
            }
            if times.iter().any(|at| repeated_wall_time(*zone, *at).is_some()) {
                notes.push(format!(
                    "a fire falls in an hour that {zone} repeats when its clocks fall back: Dkron fires at both"
                ));
            }
            if times.is_empty() {
                notes.push(
                    "no fire time within five years: robfig/cron gives up, and Dkron never runs the job (its `next` is the zero time)"
                        .to_string(),
                );
            } else if times.len() < settings.count {
                notes.push(
                    "no further fire time within five years of the last one shown (robfig/cron's limit)"
                        .to_string(),
                );
            }
        }
        DkronKind::Every(_) if times.is_empty() => notes.push(
            "`@every` counts from when Dkron's scheduler added the job (each write restarts it): no calendar times without a live `next`"
                .to_string(),
        ),
        DkronKind::Every(_) => notes.push(
            "`@every` times are counted on from Dkron's `next` (each write restarts the phase)"
                .to_string(),
        ),
        DkronKind::At(at) if times.is_empty() => notes.push(format!(
            "the `@at` time ({}) is not after {}: no fire",
            format_in(at),
            format_in(&settings.from)
        )),
        DkronKind::At(_) | DkronKind::Manually => {}
    }
    if !input.enabled {
        notes.push("the job is disabled: Dkron does not fire it until it is enabled".to_string());
    }
    if let Some(live) = &input.live {
        if let Some(starts) = live.starts_at.filter(|starts| *starts > settings.from) {
            notes.push(format!(
                "starts_at {}: Dkron skips the fires before it",
                format_in(&starts)
            ));
        }
        if let Some(expires) = live.expires_at {
            notes.push(format!(
                "expires_at {}: Dkron skips the fires after it",
                format_in(&expires)
            ));
        }
    }
    notes
}

/// Compares Dkron's stored `next` with our first fire after now, and explains a difference.
fn check(
    input: &Input,
    live: &Job,
    schedule: &DkronSchedule,
    now: DateTime<Utc>,
    server: Tz,
) -> DkronCheck {
    let dkron = live.next;
    let computed = match &schedule.kind {
        DkronKind::Every(_) => None,
        _ => schedule.next_after(now),
    };
    let not_compared = |reason: &str| DkronCheck {
        next: dkron,
        computed,
        status: CheckStatus::NotCompared,
        reason: Some(reason.to_string()),
    };
    if !input.enabled {
        return not_compared(
            "the job is disabled: Dkron's scheduler has no entry for it, and its `next` is whatever was computed when it was written",
        );
    }
    if let DkronKind::Every(_) = schedule.kind {
        return not_compared(
            "`@every` counts from when Dkron's scheduler added the job; its times are counted on from Dkron's `next`",
        );
    }
    if live.starts_at.is_some_and(|starts| starts > now) {
        return not_compared("starts_at is in the future: Dkron shows it as `next`");
    }
    if dkron == computed {
        return DkronCheck {
            next: dkron,
            computed,
            status: CheckStatus::Match,
            reason: None,
        };
    }
    DkronCheck {
        next: dkron,
        computed,
        status: CheckStatus::Mismatch,
        reason: Some(explain(input, schedule, dkron, computed, now, server)),
    }
}

fn explain(
    input: &Input,
    schedule: &DkronSchedule,
    dkron: Option<DateTime<Utc>>,
    computed: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    server: Tz,
) -> String {
    let (dkron, computed) = match (dkron, computed) {
        (None, Some(computed)) => {
            return format!(
                "Dkron stores no `next` (its zero time) although the schedule fires at {}; the scheduler still fires then",
                format_in(&computed)
            );
        }
        (Some(dkron), None) => {
            return format!(
                "Dkron expects a fire at {} but the schedule has none after now (was the job changed since Dkron computed it?)",
                format_in(&dkron)
            );
        }
        (Some(dkron), Some(computed)) => (dkron, computed),
        (None, None) => return "no difference".to_string(),
    };
    let zone = schedule.zone().unwrap_or(server);
    let one_second = chrono::Duration::seconds(1);
    let is_fire_of = |other: &DkronSchedule| other.next_after(dkron - one_second) == Some(dkron);
    // What Dkron computes when a job is written: the schedule without its timezone.
    let as_written = DkronSchedule::parse(&input.name, &input.schedule, "", server).ok();
    if let Some(as_written) = as_written.filter(|written| written.zone() != schedule.zone())
        && is_fire_of(&as_written)
    {
        let mut reason = format!(
            "Dkron computed its `next` without the timezone, reading the schedule in its server's local time ({server}) instead of {zone}, as it does whenever a job is created or updated (docs/dkron-observed.md §5)"
        );
        if dkron > computed {
            reason.push_str(
                "; a run or a fire stores the scheduler's time only when it is later than the stored one, so this wrong, later value stays until a fire or run finds the scheduler's next time past it (normally at the job's first scheduled fire). The job still fires at the computed time",
            );
        } else {
            reason.push_str(
                "; the job has not run since it was written (a run stores the scheduler's correct time). The job still fires at the computed time",
            );
        }
        return reason;
    }
    if dkron < now {
        return format!(
            "Dkron's `next` ({}) is in the past: the job has not fired or run since Dkron computed it",
            format_in(&dkron)
        );
    }
    let offset = |at: DateTime<Utc>| zone.offset_from_utc_datetime(&at.naive_utc()).fix();
    if offset(dkron) != offset(computed) {
        return format!(
            "a clock change in {zone} lies between the two times: Dkron's time-zone data or DST handling differ from ours (robfig/cron skips a wall time that does not exist and fires twice in a repeated hour)"
        );
    }
    if is_fire_of(schedule) {
        return "Dkron's `next` is a later fire time of the same schedule: the stored `next` only ever moves later (a run keeps the later of the stored and the scheduler's time)".to_string();
    }
    "Dkron's `next` is not a fire time of this schedule as Dkron's scheduler reads it (was the job changed since?)".to_string()
}

/// The local zone for display: `TZ` if it names a zone, else the system's (/etc/localtime).
enum LocalZone {
    Named(Tz),
    /// A `TZ` that is not a zone name (a POSIX rule): the C library's reading of it.
    System(String),
}

impl LocalZone {
    fn detect() -> Self {
        if let Some(value) = std::env::var_os("TZ") {
            let value = value.to_string_lossy().into_owned();
            let name = value.strip_prefix(':').unwrap_or(&value);
            if name.is_empty() {
                return Self::Named(Tz::UTC);
            }
            let name = name.rsplit_once("zoneinfo/").map_or(name, |(_, name)| name);
            return name
                .parse()
                .map_or_else(|_| Self::System(format!("TZ={value}")), Self::Named);
        }
        let from_link = std::fs::read_link("/etc/localtime")
            .ok()
            .and_then(|target| {
                let target = target.to_string_lossy().into_owned();
                let (_, name) = target.rsplit_once("zoneinfo/")?;
                name.parse().ok()
            });
        let from_file = || {
            std::fs::read_to_string("/etc/timezone")
                .ok()
                .and_then(|text| text.trim().parse().ok())
        };
        from_link
            .or_else(from_file)
            .map_or_else(|| Self::System("system".to_string()), Self::Named)
    }

    fn name(&self) -> String {
        match self {
            Self::Named(zone) => zone.name().to_string(),
            Self::System(name) => name.clone(),
        }
    }

    fn rfc3339(&self, at: DateTime<Utc>) -> String {
        match self {
            Self::Named(zone) => at.with_timezone(zone).to_rfc3339(),
            Self::System(_) => at.with_timezone(&chrono::Local).to_rfc3339(),
        }
    }

    fn text(&self, at: DateTime<Utc>) -> String {
        match self {
            Self::Named(zone) => format_in(&at.with_timezone(zone)),
            Self::System(_) => at
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S %:z")
                .to_string(),
        }
    }
}

fn render_human(result: &NextResult, local: &LocalZone, styles: Styles) -> String {
    let source = match &result.file {
        Some(file) => format!("jobs of {file}"),
        None => "joelclaw-managed jobs in Dkron".to_string(),
    };
    if result.jobs.is_empty() {
        return format!("No {source}.");
    }
    let mut text = format!(
        "Next {} fire times after {}, as Dkron's scheduler (robfig/cron v3) computes them; local time is {}.\n",
        result.count,
        format_in(&result.from),
        result.local_zone
    );
    let local_header = format!("local ({})", result.local_zone);
    let mut fires = table(&[
        "job",
        "schedule",
        "read in",
        "fire (job's zone)",
        &local_header,
        "note",
    ]);
    for job in &result.jobs {
        let read_in = match (&job.evaluated_in, job.zone_source) {
            (Some(zone), Some(ZoneSource::Timezone)) => zone.clone(),
            (Some(zone), Some(ZoneSource::Schedule)) => format!("{zone} (CRON_TZ)"),
            (Some(zone), _) => format!("{zone} (server)"),
            (None, _) => "-".to_string(),
        };
        let name = if job.enabled {
            job.name.clone()
        } else {
            format!("{} {}", job.name, styles.warn("(disabled)"))
        };
        let mut first = vec![name, job.schedule.clone(), read_in];
        if let Some(error) = &job.error {
            first.extend([styles.bad(error), String::new(), String::new()]);
            fires.add_row(first);
            continue;
        }
        if job.fires.is_empty() {
            let what = job.cadence.clone().unwrap_or_else(|| "never".to_string());
            first.extend([styles.dim(&what), String::new(), String::new()]);
            fires.add_row(first);
            continue;
        }
        let zone: Tz = job.shown_in.parse().unwrap_or(Tz::UTC);
        for (index, fire) in job.fires.iter().enumerate() {
            let mut row = if index == 0 {
                std::mem::take(&mut first)
            } else {
                vec![String::new(), String::new(), String::new()]
            };
            let note = match fire.dst {
                Some("first-of-repeated-hour") => styles.warn("repeated hour, 1st"),
                Some(_) => styles.warn("repeated hour, 2nd"),
                None if job.projected => styles.dim("from Dkron's next"),
                None => String::new(),
            };
            row.extend([
                format_in(&fire.at.with_timezone(&zone)),
                local.text(fire.at),
                note,
            ]);
            fires.add_row(row);
        }
    }
    text.push_str(&format!("{fires}\n"));
    for job in &result.jobs {
        for note in &job.notes {
            text.push_str(&format!("{} {}: {note}\n", styles.dim("note:"), job.name));
        }
    }

    let checks: Vec<(&JobFires, &DkronCheck)> = result
        .jobs
        .iter()
        .filter_map(|job| job.dkron.as_ref().map(|check| (job, check)))
        .collect();
    if !checks.is_empty() {
        text.push_str(&format!(
            "\nDkron's stored `next` against the first fire after now ({}):\n",
            format_in(&result.now)
        ));
        let mut table = table(&["job", "Dkron's next", "computed", "check"]);
        let show =
            |time: Option<DateTime<Utc>>| time.map_or("never".to_string(), |t| format_in(&t));
        for (job, check) in &checks {
            let status = match check.status {
                CheckStatus::Match => styles.good("ok"),
                CheckStatus::Mismatch => styles.bad("MISMATCH"),
                CheckStatus::NotCompared => styles.dim("not compared"),
            };
            table.add_row(vec![
                job.name.clone(),
                show(check.next),
                show(check.computed),
                status,
            ]);
        }
        text.push_str(&format!("{table}\n"));
        for (job, check) in &checks {
            if let Some(reason) = &check.reason {
                let label = match check.status {
                    CheckStatus::Mismatch => styles.bad("mismatch:"),
                    _ => styles.dim("not compared:"),
                };
                text.push_str(&format!("{label} {}: {reason}\n", job.name));
            }
        }
    }
    text.push_str(&format!(
        "{} job(s){}\n",
        result.counts.jobs,
        if checks.is_empty() {
            String::new()
        } else {
            format!(
                ", {} mismatch(es) with Dkron's `next`",
                result.counts.mismatches
            )
        }
    ));
    text
}
