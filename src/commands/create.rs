//! `create`: one HTTP job from flags, validated and owned like the manifest's jobs.
//!
//! It refuses to overwrite an existing job unless `--replace`, and a job this tool does not own
//! also needs `--force`. The job gets the same ownership metadata as a synced one (set `manual` by
//! default, so `sync-tier1 --prune` of another set never touches it).

use super::Context;
use crate::error::{CliError, ErrorKind};
use crate::output::Report;
use crate::schedule::{Schedule, parse_zone};
use crate::schedule_file::render::with_content_type;
use crate::schedule_file::{
    Header, JobDef, check_name, check_segment, parse_restate_url, resolve_header,
};

/// Create one Dkron HTTP job that POSTs to a Restate handler.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// Job name: a-z, 0-9, `_` and `-`.
    #[arg(long)]
    pub name: String,

    /// 5 fields (Inngest), 6 fields (seconds first) or an @descriptor.
    #[arg(long, value_name = "CRON")]
    pub schedule: String,

    /// Restate service to call (not the Kubernetes Service: that is --service-name).
    #[arg(long = "restate-service", alias = "service", value_name = "SERVICE")]
    pub service: String,

    /// Restate handler to call.
    #[arg(long = "restate-handler", alias = "handler", value_name = "HANDLER")]
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
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub retries: u32,

    /// Seconds Dkron waits for Restate's answer on each fire (not --timeout, which is this
    /// tool's wait for each Dkron request).
    #[arg(long = "job-timeout", alias = "timeout-seconds", default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub timeout_seconds: u32,

    /// Overwrite an existing job of that name that this tool owns.
    #[arg(long)]
    pub replace: bool,

    /// With --replace, also overwrite (and adopt) a job this tool does not own.
    #[arg(long, requires = "replace")]
    pub force: bool,
}

pub async fn run(context: &Context, args: CreateArgs) -> anyhow::Result<Report> {
    let replace = args.replace;
    let force = args.force;
    let def = definition(args)?;
    let access = context.dkron().await?;
    if let Some(existing) = access.client.get_job(&def.name).await? {
        if !replace {
            return Err(CliError::new(
                ErrorKind::JobExists,
                format!("a job named `{}` already exists in Dkron", def.name),
            )
            .hint("pass --replace to overwrite it, or pick another --name")
            .into());
        }
        if !existing.is_managed() && !force {
            return Err(CliError::new(
                ErrorKind::NotOwned,
                format!("`{}` exists and is not managed by joelclaw", def.name),
            )
            .hint("pass --replace --force to overwrite and adopt it")
            .into());
        }
    }
    // Replacing one of our own jobs of another set is an explicit adoption too.
    super::sync_one(context, def, "(command line)".to_string(), replace, false).await
}

/// The flags, checked with the manifest's own validators.
fn definition(args: CreateArgs) -> anyhow::Result<JobDef> {
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
        force: _,
    } = args;
    let invalid = |flag: &str, message: String| {
        CliError::new(ErrorKind::InvalidJob, format!("--{flag}: {message}"))
    };
    check_name(&name).map_err(|message| invalid("name", message))?;
    check_name(&set).map_err(|message| invalid("set", message))?;
    let schedule = Schedule::parse(&schedule).map_err(|message| invalid("schedule", message))?;
    let timezone = parse_zone(&timezone).map_err(|message| invalid("timezone", message))?;
    check_segment(&service, false).map_err(|message| invalid("service", message))?;
    check_segment(&handler, false).map_err(|message| invalid("handler", message))?;
    if let Some(key) = &key {
        check_segment(key, true).map_err(|message| invalid("key", message))?;
    }
    let body = body
        .as_deref()
        .map(serde_json::from_str::<serde_json::Value>)
        .transpose()
        // Restate would accept malformed JSON with 202 and fail the invocation later.
        .map_err(|error| invalid("body", format!("not valid JSON: {error}")))?;
    let env = |variable: &str| std::env::var(variable).ok();
    let mut resolved: Vec<Header> = Vec::new();
    for header in &headers {
        let (header_name, value) = header
            .split_once('=')
            .ok_or_else(|| invalid("header", format!("`{header}` is not NAME=VALUE")))?;
        let header = resolve_header(header_name.trim(), value, &env)
            .map_err(|message| invalid("header", format!("{}: {message}", header_name.trim())))?;
        resolved.retain(|existing| !existing.name.eq_ignore_ascii_case(&header.name));
        resolved.push(header);
    }
    let restate_url =
        parse_restate_url(&restate_url).map_err(|message| invalid("restate-url", message))?;
    Ok(JobDef {
        display_name: display_name.unwrap_or_else(|| name.clone()),
        name,
        schedule,
        timezone,
        migrated_from: None,
        service,
        handler,
        key,
        body,
        enabled: !disabled,
        retries,
        timeout_seconds,
        headers: with_content_type(resolved),
        restate_url,
        set,
    })
}
