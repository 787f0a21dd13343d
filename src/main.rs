//! `joelclaw`: the operator CLI for the Dkron -> Restate cron pipeline.
//!
//! `main` parses the command line, builds the printer and the command context, runs one command and
//! maps its outcome to the documented exit code. Usage errors are enveloped in `--json` mode too.

mod audit;
mod cli;
mod commands;
mod completion;
mod deployment;
mod diagnosis;
mod dkron;
mod error;
mod evidence;
mod export;
mod fires;
#[cfg(test)]
mod fuzz;
mod grid;
mod http;
mod job_view;
mod limits;
mod local_zone;
mod names;
mod output;
mod ownership;
mod reconcile;
mod redact;
mod replay;
mod restate;
mod schedule;
mod schedule_file;
mod signals;
mod terminal;
mod tunnel;
mod watch;

use clap::error::ErrorKind as ClapErrorKind;

use crate::cli::{Cli, RestateCommand, TopCommand};
use crate::error::{CliError, ErrorKind, ExitCode};
use crate::output::{ColorChoice, OutputFormat, Printer};
use crate::replay::Replay;

/// URL variables that are set but empty mean "not set" (`DKRON_URL= joelclaw …` in a script that
/// clears it), not an empty URL.
const URL_VARIABLES: &[&str] = &["DKRON_URL", "RESTATE_ADMIN_URL", "RESTATE_INGRESS_URL"];

fn main() {
    // A shell asking for completions (`COMPLETE=bash joelclaw …`): answer and exit.
    clap_complete::CompleteEnv::with_factory(completion::command_for_shell).complete();
    for variable in URL_VARIABLES {
        if std::env::var_os(variable).is_some_and(|value| value.is_empty()) {
            // SAFETY: the first thing `main` does, before any other thread exists.
            unsafe { std::env::remove_var(variable) };
        }
    }
    let code = match parse() {
        Ok((cli, replay)) => run(cli, replay),
        Err(error) => usage_error(error),
    };
    std::process::exit(code.code());
}

/// The command line, and the flags of it that suggestions replay.
fn parse() -> Result<(Cli, Replay), clap::Error> {
    use clap::FromArgMatches;
    let mut matches = cli::command().try_get_matches()?;
    let replay = matches
        .subcommand_matches("restate")
        .and_then(|restate| restate.subcommand_matches("cron"))
        .map(Replay::from_matches)
        .unwrap_or_default();
    Ok((Cli::from_arg_matches_mut(&mut matches)?, replay))
}

fn run(cli: Cli, replay: Replay) -> ExitCode {
    let restate = match cli.command {
        TopCommand::Restate(restate) => restate,
        TopCommand::Completions(args) => {
            print!("{}", commands::completions::script(args.shell));
            return ExitCode::Success;
        }
    };
    let RestateCommand::Cron(cron) = restate.command;
    let printer = Printer::new(
        cron.global.format(),
        !cron.global.no_headers,
        cron.global.color,
        format!("joelclaw restate cron {}", cron.command.name()),
    )
    .with_replay(replay);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return printer.error(&error.into()),
    };
    let context = commands::Context::new(printer.clone(), &cron.global);
    let waits_for_signal = cron.command.waits_for_signal();
    if !waits_for_signal {
        // A command can block its thread in a read the runtime cannot interrupt (a FIFO or
        // /dev/stdin named as a `body_file`, a stalled file system): then the select below is
        // never polled again. This watcher runs on a worker thread and ends the process itself
        // if the command has not ended shortly after the signal.
        let printer = printer.clone();
        // A sync told to stop drains its writes in flight and reports each job: give it that long.
        let grace = if cron.command.reports_interruption() {
            signals::REPORT_GRACE
        } else {
            signals::GRACE
        };
        runtime.spawn(async move {
            signals::terminated().await;
            tokio::time::sleep(grace).await;
            if signals::claim_report() {
                let code = printer.error(&interrupted());
                std::process::exit(code.code());
            }
        });
    }
    let outcome = runtime.block_on(async {
        if waits_for_signal {
            return commands::run(&context, cron.command).await;
        }
        if cron.command.reports_interruption() {
            // The first signal asks the sync to stop and report; a second one ends the process.
            let interrupted = context.interrupted();
            tokio::spawn(async move {
                signals::terminated().await;
                interrupted.cancel();
                signals::terminated().await;
                std::process::exit(ExitCode::Failure.code());
            });
            return commands::run(&context, cron.command).await;
        }
        // Ctrl-C or SIGTERM ends the command; its tunnel lives in this process and ends with it.
        tokio::select! {
            outcome = commands::run(&context, cron.command) => outcome,
            () = signals::terminated() => Err(interrupted()),
        }
    });
    if !signals::claim_report() {
        // The watcher is reporting the interruption and ending the process.
        std::thread::park();
    }
    // A blocked read may still hold a worker: do not wait for it on the way out.
    runtime.shutdown_background();
    match outcome {
        Ok(report) => printer.report(report),
        Err(error) => printer.error(&error),
    }
}

fn interrupted() -> anyhow::Error {
    CliError::new(ErrorKind::Interrupted, "interrupted").into()
}

/// Clap's own errors: help and version print as usual; everything else is exit 2, enveloped
/// when `--json` appears anywhere on the command line.
fn usage_error(error: clap::Error) -> ExitCode {
    if matches!(
        error.kind(),
        ClapErrorKind::DisplayHelp
            | ClapErrorKind::DisplayVersion
            | ClapErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = error.print();
        return if error.kind() == ClapErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::Usage
        } else {
            ExitCode::Success
        };
    }
    let Some(format) = envelope_requested(std::env::args().skip(1)) else {
        let _ = error.print();
        return ExitCode::Usage;
    };
    let command = command_words(std::env::args().skip(1));
    // Clap's whole message up to its usage line (a missing-argument error names the argument on
    // the lines after the first).
    let rendered = error.render().to_string();
    let message = rendered
        .lines()
        .take_while(|line| !line.starts_with("Usage:"))
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .trim_start_matches("error: ")
        .to_string();
    let printer = Printer::new(format, true, ColorChoice::Never, command.join(" "));
    printer.error(
        &CliError::new(ErrorKind::Usage, message)
            .hint("see `joelclaw restate cron --help`")
            .into(),
    )
}

/// The envelope format asked for anywhere on a command line clap refused: `--json`, or
/// `-o`/`--output` `json` or `yaml` in any spelling clap accepts.
fn envelope_requested(args: impl Iterator<Item = String>) -> Option<OutputFormat> {
    let args: Vec<String> = args.collect();
    let mut found = None;
    for (index, arg) in args.iter().enumerate() {
        let value = match arg.as_str() {
            "--json" => Some("json"),
            "-o" | "--output" => args.get(index + 1).map(String::as_str),
            other => other
                .strip_prefix("--output=")
                .or_else(|| other.strip_prefix("-o="))
                .or_else(|| other.strip_prefix("-o")),
        };
        match value {
            Some("json") => found = Some(OutputFormat::Json),
            Some("yaml") => found = Some(OutputFormat::Yaml),
            _ => {}
        }
    }
    found
}

/// The command path the user typed (`joelclaw restate cron list`), wherever flags stood.
fn command_words(args: impl Iterator<Item = String>) -> Vec<String> {
    let mut words = vec!["joelclaw".to_string()];
    let mut level = cli::command();
    for arg in args {
        if let Some(sub) = level.find_subcommand(&arg).cloned() {
            words.push(arg);
            level = sub;
        }
    }
    words
}
