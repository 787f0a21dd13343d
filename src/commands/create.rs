//! `create`: one HTTP job from flags, validated and owned like the manifest's jobs.
//!
//! It refuses to overwrite an existing job unless `--replace`; the job gets the same ownership
//! metadata as a synced one (set `manual` by default, so `sync-tier1 --prune` never touches it).

use super::Context;
use super::sync_tier1::{Mode, SyncResult, count, render_human, synced_job};
use crate::error::{CliError, ErrorKind};
use crate::manifests::render::with_content_type;
use crate::manifests::schedule::{Schedule, parse_zone};
use crate::manifests::{JobDef, check_name, parse_restate_url, resolve_header};
use crate::output::Report;
use crate::reconcile::{self, Live, PlanOptions};

/// Create one Dkron HTTP job that POSTs to a Restate handler.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// Job name: a-z, 0-9, `_` and `-`.
    #[arg(long)]
    pub name: String,

    /// 5 fields (Inngest), 6 fields (seconds first) or an @descriptor.
    #[arg(long, value_name = "CRON")]
    pub schedule: String,

    /// Restate service to call.
    #[arg(long)]
    pub service: String,

    /// Restate handler to call.
    #[arg(long)]
    pub handler: String,

    /// Key of a Virtual Object or Workflow target.
    #[arg(long)]
    pub key: Option<String>,

    /// JSON request body.
    #[arg(long, value_name = "JSON")]
    pub body: Option<String>,

    /// IANA time zone the schedule is evaluated in.
    #[arg(long, default_value = "UTC", value_name = "ZONE")]
    pub timezone: String,

    /// Extra request header, repeatable; the value may use ${env:NAME} (redacted in output).
    #[arg(long = "header", value_name = "NAME=VALUE")]
    pub headers: Vec<String>,

    /// Create the job disabled.
    #[arg(long)]
    pub disabled: bool,

    /// Label shown in Dkron's UI (default: the name).
    #[arg(long)]
    pub display_name: Option<String>,

    /// Ownership scope recorded in the job's metadata.
    #[arg(long, default_value = "manual", value_name = "SET")]
    pub set: String,

    /// Restate ingress URL as Dkron reaches it.
    #[arg(
        long,
        env = "RESTATE_INGRESS_URL",
        default_value = "http://restate:8080",
        value_name = "URL"
    )]
    pub restate_url: String,

    /// Dkron retries on the same node after a failed fire.
    #[arg(long, default_value_t = 2)]
    pub retries: u32,

    /// Seconds Dkron waits for Restate's answer.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub timeout_seconds: u32,

    /// Overwrite an existing job of that name (even one this tool does not own).
    #[arg(long)]
    pub replace: bool,
}

pub async fn run(context: &Context, args: CreateArgs) -> anyhow::Result<Report> {
    let def = definition(args.clone_for_definition()).map_err(|error| *error)?;
    let replace = args.replace;
    let access = context.dkron().await?;
    let existing = access.client.get_job(&def.name).await?;
    if existing.is_some() && !replace {
        return Err(CliError::new(
            ErrorKind::JobExists,
            format!("a job named `{}` already exists in Dkron", def.name),
        )
        .hint("pass --replace to overwrite it, or pick another --name")
        .into());
    }
    let defs = [def];
    let live = Live::fetch(&access.client, &defs).await?;
    let options = PlanOptions {
        set: &defs[0].set,
        whole_set: false,
        prune: false,
        force: replace,
    };
    let item = reconcile::plan(&defs, &live, options).remove(0);
    let outcome = reconcile::apply(&access.client, &item).await;
    let jobs = vec![synced_job(&item, Some(outcome), Mode::Apply)];
    let result = SyncResult {
        access: access.info.clone(),
        file: "(command line)".to_string(),
        set: defs[0].set.clone(),
        mode: Mode::Apply,
        prune: false,
        counts: count(&jobs),
        writes: usize::from(item.action.writes()),
        jobs,
        run_triggered: false,
    };
    let human = render_human(&result, context.printer.styles());
    let failed = result.jobs[0].error.clone();
    let mut report = Report::new(&result, human).next(
        "joelclaw restate cron list",
        "see the job and its next fire time",
    );
    if let Some(error) = failed {
        report = report.failed(CliError::new(
            ErrorKind::SyncFailed,
            format!("{}: {error}", defs[0].name),
        ));
    }
    Ok(report)
}

/// The flags that describe the job, checked like a manifest entry.
struct Flags {
    name: String,
    schedule: String,
    service: String,
    handler: String,
    key: Option<String>,
    body: Option<String>,
    timezone: String,
    headers: Vec<String>,
    disabled: bool,
    display_name: Option<String>,
    set: String,
    restate_url: String,
    retries: u32,
    timeout_seconds: u32,
}

impl CreateArgs {
    fn clone_for_definition(&self) -> Flags {
        let CreateArgs {
            name,
            schedule,
            service,
            handler,
            key,
            body,
            timezone,
            headers,
            disabled,
            display_name,
            set,
            restate_url,
            retries,
            timeout_seconds,
            replace: _,
        } = self;
        Flags {
            name: name.clone(),
            schedule: schedule.clone(),
            service: service.clone(),
            handler: handler.clone(),
            key: key.clone(),
            body: body.clone(),
            timezone: timezone.clone(),
            headers: headers.clone(),
            disabled: *disabled,
            display_name: display_name.clone(),
            set: set.clone(),
            restate_url: restate_url.clone(),
            retries: *retries,
            timeout_seconds: *timeout_seconds,
        }
    }
}

fn definition(flags: Flags) -> Result<JobDef, Box<CliError>> {
    let invalid = |flag: &str, message: String| {
        Box::new(CliError::new(
            ErrorKind::InvalidJob,
            format!("--{flag}: {message}"),
        ))
    };
    check_name(&flags.name).map_err(|message| invalid("name", message))?;
    check_name(&flags.set).map_err(|message| invalid("set", message))?;
    let schedule =
        Schedule::parse(&flags.schedule).map_err(|message| invalid("schedule", message))?;
    let timezone = parse_zone(&flags.timezone).map_err(|message| invalid("timezone", message))?;
    for (flag, value) in [("service", &flags.service), ("handler", &flags.handler)] {
        if value.trim().is_empty() || value.contains('/') {
            return Err(invalid(
                flag,
                format!("`{value}` must be a non-empty name without `/`"),
            ));
        }
    }
    let body = flags
        .body
        .as_deref()
        .map(serde_json::from_str::<serde_json::Value>)
        .transpose()
        // Restate would accept malformed JSON with 202 and fail the invocation later.
        .map_err(|error| invalid("body", format!("not valid JSON: {error}")))?;
    let env = |name: &str| std::env::var(name).ok();
    let mut headers = Vec::new();
    for header in &flags.headers {
        let (name, value) = header
            .split_once('=')
            .ok_or_else(|| invalid("header", format!("`{header}` is not NAME=VALUE")))?;
        let header = resolve_header(name.trim(), value, &env)
            .map_err(|message| invalid("header", format!("{}: {message}", name.trim())))?;
        headers.retain(|existing: &crate::manifests::Header| {
            !existing.name.eq_ignore_ascii_case(&header.name)
        });
        headers.push(header);
    }
    let restate_url =
        parse_restate_url(&flags.restate_url).map_err(|message| invalid("restate-url", message))?;
    Ok(JobDef {
        display_name: flags.display_name.unwrap_or_else(|| flags.name.clone()),
        name: flags.name,
        schedule,
        timezone,
        migrated_from: None,
        service: flags.service,
        handler: flags.handler,
        key: flags.key,
        body,
        enabled: !flags.disabled,
        retries: flags.retries,
        timeout_seconds: flags.timeout_seconds,
        headers: with_content_type(headers),
        restate_url,
        set: flags.set,
    })
}
