//! `completions <shell>`: the shell completion script for the whole `joelclaw` command, generated
//! from the clap definitions (the committed files in `completions/` are this output).

use clap::CommandFactory;
use serde::Serialize;

use super::Context;
use crate::cli::Cli;
use crate::output::Report;

/// Print a shell completion script (bash, zsh, fish, powershell, elvish).
///
/// For example: `joelclaw restate cron completions bash > ~/.local/share/bash-completion/completions/joelclaw`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Serialize)]
struct CompletionsResult {
    shell: String,
    script: String,
}

/// The completion script for `shell`.
pub fn script(shell: clap_complete::Shell) -> String {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "joelclaw", &mut out);
    String::from_utf8(out).expect("completion scripts are UTF-8")
}

pub async fn run(_context: &Context, args: CompletionsArgs) -> anyhow::Result<Report> {
    let CompletionsArgs { shell } = args;
    let script = script(shell);
    let result = CompletionsResult {
        shell: shell.to_string(),
        script: script.clone(),
    };
    Ok(Report::new(&result, script))
}
