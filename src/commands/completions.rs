//! `completions <shell>` (also `joelclaw completions <shell>`): the script that makes a shell
//! complete `joelclaw` by asking the binary itself (clap_complete's dynamic completion, through
//! the `COMPLETE` environment variable), so job names, `--set` values, Kubernetes contexts and
//! namespaces complete live. The committed files in `completions/` are this output.

use serde::Serialize;

use super::Context;
use crate::output::Report;

/// Print a shell completion script (bash, zsh, fish, powershell, elvish).
///
/// The script asks `joelclaw` for candidates as you type, so job names complete from Dkron
/// (through the same access as every command; nothing when Dkron cannot be reached within a
/// second or two).
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells whose dynamic completion clap_complete supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[cfg(test)]
impl Shell {
    pub const ALL: [Shell; 5] = [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Powershell,
        Shell::Elvish,
    ];
}

impl Shell {
    /// The file name a shell looks the script up by.
    #[cfg(test)]
    pub fn file_name(self) -> &'static str {
        match self {
            Shell::Bash => "joelclaw.bash",
            Shell::Zsh => "_joelclaw",
            Shell::Fish => "joelclaw.fish",
            Shell::Powershell => "_joelclaw.ps1",
            Shell::Elvish => "joelclaw.elv",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Powershell => "powershell",
            Shell::Elvish => "elvish",
        }
    }
}

#[derive(Debug, Serialize)]
struct CompletionsResult {
    shell: String,
    script: String,
}

/// The registration script for `shell`: it calls `joelclaw` (found on `$PATH`) with
/// `COMPLETE=<shell>` for every completion.
pub fn script(shell: Shell) -> String {
    use clap_complete::env::EnvCompleter;
    let completer: &dyn EnvCompleter = match shell {
        Shell::Bash => &clap_complete::env::Bash,
        Shell::Zsh => &clap_complete::env::Zsh,
        Shell::Fish => &clap_complete::env::Fish,
        Shell::Powershell => &clap_complete::env::Powershell,
        Shell::Elvish => &clap_complete::env::Elvish,
    };
    let mut out = Vec::new();
    completer
        .write_registration("COMPLETE", "joelclaw", "joelclaw", "joelclaw", &mut out)
        .expect("writing to memory");
    String::from_utf8(out).expect("completion scripts are UTF-8")
}

pub async fn run(_context: &Context, args: CompletionsArgs) -> anyhow::Result<Report> {
    let CompletionsArgs { shell } = args;
    let script = script(shell);
    let result = CompletionsResult {
        shell: shell.name().to_string(),
        script: script.clone(),
    };
    Ok(Report::new(&result, script))
}
