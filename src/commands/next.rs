//! `next`: when jobs fire, computed locally the way Dkron's scheduler computes it (robfig/cron v3
//! behind Dkron's extcron, see `crate::schedule`), shown in each job's zone and the local one.
//! For live jobs the first fire after now is checked against the `next` Dkron stores
//! (`schedule::stored_next` knows why the two differ). This file only gathers, shows and tells.

use clap_complete::ArgValueCompleter;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::Context;
use crate::dkron::{Job, MANAGED_BY_KEY, MANAGED_BY_VALUE};
use crate::error::{CliError, ErrorKind};
use crate::local_zone::LocalZone;
use crate::output::{Report, Styles, now};
use crate::schedule::stored_next::{self, Check, Status};
use crate::schedule::{Kind, LiveSchedule, ZoneSource, format_in, parse_zone, repeated_wall_time};
use crate::schedule_file::{self, Overrides};
use crate::terminal::safe;
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
    #[arg(value_parser = crate::names::job_name_arg, add = ArgValueCompleter::new(crate::completion::job_names))]
    pub name: Option<String>,

    /// How many fire times to show for each job.
    #[arg(long, default_value_t = 5, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub count: u16,

    /// Show the fire times after this RFC 3339 time (default: now).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub from: Option<DateTime<Utc>>,

    /// Read the jobs from this schedule file instead of Dkron (offline; header secrets are not needed).
    #[arg(short = 'f', long, value_name = "PATH")]
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
    pub dkron: Option<Check>,
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
                        .is_some_and(|check| check.status == Status::Mismatch)
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
    let manifest = schedule_file::load_with_env(path, &Overrides::default(), &placeholder)
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
    let schedule = match LiveSchedule::parse(&input.name, &input.schedule, &input.timezone, server)
    {
        Ok(schedule) => schedule,
        Err(error) => {
            job.error = Some(format!("cannot read this schedule as Dkron does: {error}"));
            return job;
        }
    };
    let shown_in = schedule.zone().or(job_zone).unwrap_or(server);
    job.kind = Some(schedule.kind.name());
    job.scheduled_as = Some(schedule.effective.clone());
    job.shown_in = shown_in.name().to_string();
    job.cadence = schedule.cadence();
    let dkron_next = input.live.as_ref().and_then(|live| live.next);

    // `@every` has no calendar: its times are counted on from the `next` Dkron stored.
    let anchor = dkron_next.filter(|_| input.enabled);
    let times = match schedule.every_fires(anchor, from, count) {
        Some(times) => {
            job.projected = true;
            times
        }
        None => schedule.fires(from, count),
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
    if let Some((zone, source)) = schedule.zone {
        job.evaluated_in = Some(zone.name().to_string());
        job.zone_source = Some(source);
    }
    if let Some(live) = &input.live {
        job.dkron = Some(stored_next::check(live, &schedule, now, server));
    }
    job
}

fn notes(
    input: &Input,
    schedule: &LiveSchedule,
    times: &[DateTime<Utc>],
    settings: &Settings,
) -> Vec<String> {
    let server = settings.server;
    let mut notes = Vec::new();
    match (&schedule.kind, schedule.zone) {
        (Kind::Cron(spec), Some((zone, source))) => {
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
            for skipped in spec.skipped(zone, settings.from, until) {
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
            if times.iter().any(|at| repeated_wall_time(zone, *at).is_some()) {
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
        (Kind::Every(_), _) if times.is_empty() => notes.push(
            "`@every` counts from when Dkron's scheduler added the job (each write restarts it): no calendar times without a live `next`"
                .to_string(),
        ),
        (Kind::Every(_), _) => notes.push(
            "`@every` times are counted on from Dkron's `next` (each write restarts the phase)"
                .to_string(),
        ),
        (Kind::At(at), _) if times.is_empty() => notes.push(format!(
            "the `@at` time ({}) is not after {}: no fire",
            format_in(at),
            format_in(&settings.from)
        )),
        (Kind::At(_) | Kind::Manually | Kind::Cron(_), _) => {}
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
    let mut fires = styles.grid(&[
        "job",
        "schedule",
        "read in",
        "fire (job's zone)",
        &local_header,
        "note",
    ]);
    // The local column repeats the job's own when every job is shown in the local zone.
    let same_clock = result.jobs.iter().all(|job| {
        let zone: Tz = job.shown_in.parse().unwrap_or(Tz::UTC);
        job.fires
            .iter()
            .all(|fire| local.rfc3339(fire.at) == fire.at.with_timezone(&zone).to_rfc3339())
    });
    if same_clock {
        fires = fires.wide(&[&local_header]);
    }
    for job in &result.jobs {
        let read_in = match (&job.evaluated_in, job.zone_source) {
            (Some(zone), Some(ZoneSource::Timezone)) => safe(zone).into_owned(),
            (Some(zone), Some(ZoneSource::Schedule)) => format!("{} (CRON_TZ)", safe(zone)),
            (Some(zone), _) => format!("{} (server)", safe(zone)),
            (None, _) => "-".to_string(),
        };
        let name = if job.enabled {
            safe(&job.name).into_owned()
        } else {
            format!("{} {}", safe(&job.name), styles.warn("(disabled)"))
        };
        let mut first = vec![name, safe(&job.schedule).into_owned(), read_in];
        if let Some(error) = &job.error {
            first.extend([styles.bad(&safe(error)), String::new(), String::new()]);
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
            text.push_str(&format!(
                "{} {}: {}\n",
                styles.dim("note:"),
                safe(&job.name),
                safe(note)
            ));
        }
    }

    let checks: Vec<(&JobFires, &Check)> = result
        .jobs
        .iter()
        .filter_map(|job| job.dkron.as_ref().map(|check| (job, check)))
        .collect();
    if !checks.is_empty() {
        text.push_str(&format!(
            "\nDkron's stored `next` against the first fire after now ({}):\n",
            format_in(&result.now)
        ));
        let mut table = styles.grid(&["job", "Dkron's next", "computed", "check"]);
        let show =
            |time: Option<DateTime<Utc>>| time.map_or("never".to_string(), |t| format_in(&t));
        for (job, check) in &checks {
            let status = match check.status {
                Status::Match => styles.good("ok"),
                Status::Mismatch => styles.bad("MISMATCH"),
                Status::NotCompared => styles.dim("not compared"),
            };
            table.add_row(vec![
                safe(&job.name).into_owned(),
                show(check.next),
                show(check.computed),
                status,
            ]);
        }
        text.push_str(&format!("{table}\n"));
        for (job, check) in &checks {
            if let Some(reason) = &check.reason {
                let label = match check.status {
                    Status::Mismatch => styles.bad("mismatch:"),
                    _ => styles.dim("not compared:"),
                };
                text.push_str(&format!("{label} {}: {}\n", safe(&job.name), safe(reason)));
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
