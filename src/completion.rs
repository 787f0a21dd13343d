//! Live completion: the candidates a shell gets when it asks the binary (`COMPLETE=<shell>
//! joelclaw …`, see `commands/completions.rs`). Job names and `--set` values come from Dkron
//! through the same access as every command (`DKRON_URL`, else the tunnel with the default
//! namespace and kubeconfig); contexts from the kubeconfig; namespaces from the apiserver. Each
//! has a short deadline, and anything that fails yields nothing: a completion must never hang a
//! shell or print an error into it.

use std::ffi::OsStr;
use std::time::Duration;

use clap::Parser;
use clap_complete::engine::CompletionCandidate;

use crate::cli::{Cli, RestateCommand, TopCommand};
use crate::commands::Context;
use crate::output::{ColorChoice, OutputFormat, Printer};

/// How long a completion may wait for Dkron or the apiserver.
const DEADLINE: Duration = Duration::from_secs(2);

/// Job names in Dkron starting with what was typed.
pub fn job_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy();
    live_jobs()
        .into_iter()
        .filter(|job| job.name.starts_with(prefix.as_ref()))
        .map(|job| {
            let help = (!job.displayname.is_empty()).then(|| job.displayname.clone().into());
            CompletionCandidate::new(job.name).help(help)
        })
        .collect()
}

/// The sets the managed jobs in Dkron belong to.
pub fn sets(current: &OsStr) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy();
    let jobs = live_jobs();
    let mut sets: Vec<String> = jobs
        .iter()
        .filter_map(|job| job.set().map(str::to_string))
        .filter(|set| set.starts_with(prefix.as_ref()))
        .collect();
    sets.sort();
    sets.dedup();
    sets.into_iter().map(CompletionCandidate::new).collect()
}

/// The contexts of the kubeconfig.
pub fn contexts(current: &OsStr) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy();
    crate::tunnel::kubernetes::context_names(None)
        .into_iter()
        .filter(|name| name.starts_with(prefix.as_ref()))
        .map(CompletionCandidate::new)
        .collect()
}

/// The namespaces the apiserver lists (nothing where the user may not list them).
pub fn namespaces(current: &OsStr) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy();
    let names = with_context(|context| async move {
        let cluster = context.cluster().await.ok()?;
        Some(crate::tunnel::kubernetes::namespace_names(cluster).await)
    })
    .unwrap_or_default();
    names
        .into_iter()
        .filter(|name| name.starts_with(prefix.as_ref()))
        .map(CompletionCandidate::new)
        .collect()
}

/// Every job in Dkron, or none when it cannot be reached within the deadline.
fn live_jobs() -> Vec<crate::dkron::Job> {
    with_context(|context| async move {
        let access = context.dkron().await.ok()?;
        access.client.list_jobs(&[]).await.ok()
    })
    .unwrap_or_default()
}

/// Runs `work` with a context built from the environment and the defaults, within the deadline.
fn with_context<T, F, Fut>(work: F) -> Option<T>
where
    F: FnOnce(&'static Context) -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let cli = Cli::try_parse_from(["joelclaw", "restate", "cron", "list"]).ok()?;
    let TopCommand::Restate(restate) = cli.command else {
        return None;
    };
    let RestateCommand::Cron(cron) = restate.command;
    let mut global = cron.global;
    global.timeout = DEADLINE.as_secs();
    // The envelope format keeps every progress line and note off the shell's screen.
    let printer = Printer::new(OutputFormat::Json, true, ColorChoice::Never, String::new());
    // Leaked on purpose: the process ends right after the shell gets its candidates.
    let context: &'static Context = Box::leak(Box::new(Context::new(printer, &global)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime
        .block_on(async { tokio::time::timeout(DEADLINE, work(context)).await })
        .ok()
        .flatten()
}

/// The command a shell completes against. With nothing typed yet, the connection and output
/// flags every command shares are hidden (clap offers a hidden flag only when nothing visible
/// matches), so `run <TAB>` lists job names and the command's own flags rather than a dozen
/// global ones; once the word starts with `-` they are all offered.
pub fn command_for_shell() -> clap::Command {
    use clap::CommandFactory;
    if current_word().is_some_and(|word| word.starts_with('-')) {
        return crate::cli::command();
    }
    let mut cli = crate::cli::Cli::command();
    cli = cli.mut_subcommand("restate", |restate| {
        restate.mut_subcommand("cron", |mut cron| {
            let shared: Vec<clap::Arg> = cron
                .get_arguments()
                .filter(|arg| arg.is_global_set())
                .cloned()
                .collect();
            let names: Vec<String> = cron
                .get_subcommands()
                .map(|sub| sub.get_name().to_string())
                .collect();
            for name in names {
                cron = cron.mut_subcommand(&name, |sub| crate::cli::hide_shared(sub, &shared));
            }
            for arg in &shared {
                cron = cron.mut_arg(arg.get_id(), |arg| arg.hide(true));
            }
            cron
        })
    });
    cli.build();
    cli
}

/// The word being completed: `joelclaw -- joelclaw … WORD`, at `_CLAP_COMPLETE_INDEX` where the
/// shell says (bash, zsh), else the last.
fn current_word() -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let escape = args.iter().position(|arg| arg == "--")?;
    let words = &args[escape + 1..];
    let index = std::env::var("_CLAP_COMPLETE_INDEX")
        .ok()
        .and_then(|index| index.parse::<usize>().ok());
    match index {
        Some(index) => words.get(index).cloned().or_else(|| Some(String::new())),
        None => words.last().cloned(),
    }
}
