//! Suggestions that replay the user's context.
//!
//! A suggested command (`next_actions`, a hint's `` `joelclaw restate cron …` ``) is pasted and
//! run as is, by people and literally by agents. A suggestion written without the flags that
//! shaped this run would run somewhere else: against the default namespace, the shipped file, the
//! default Restate URL (which a sync would then write into every job). So every suggestion goes
//! through [`Replay::command`], which adds the flags given on this command line that the
//! suggested subcommand accepts, replacing any value the suggestion wrote for them, shell-quoted.

use clap::ArgMatches;
use clap::parser::ValueSource;

/// The connection flags, which every cron subcommand accepts.
const CONNECTION: &[&str] = &[
    "base_url",
    "namespace",
    "service_name",
    "service_port",
    "restate_admin_url",
    "restate_namespace",
    "restate_service_name",
    "restate_service_port",
    "context",
    "kubeconfig",
    "timeout",
];

/// Flags of the command itself that say which jobs and which file.
const SCOPE: &[&str] = &["file", "restate_url", "set"];

const PREFIX: &str = "joelclaw restate cron";

/// The flags of this run to carry into suggestions: `(long name, value)`.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    flags: Vec<(String, String)>,
}

impl Replay {
    /// The flags given on the command line (not defaults, not the environment, which a pasted
    /// command inherits anyway) of the cron command and its subcommand.
    pub fn from_matches(cron: &ArgMatches) -> Self {
        let mut flags = Vec::new();
        let mut take = |matches: &ArgMatches, ids: &[&str]| {
            for id in ids {
                let given = matches
                    .try_get_raw(id)
                    .ok()
                    .flatten()
                    .filter(|_| matches.value_source(id) == Some(ValueSource::CommandLine));
                if let Some(mut values) = given
                    && let Some(value) = values.next()
                {
                    let flag = id.replace('_', "-");
                    if !flags.iter().any(|(known, _)| *known == flag) {
                        flags.push((flag, value.to_string_lossy().into_owned()));
                    }
                }
            }
        };
        take(cron, CONNECTION);
        if let Some((_, sub)) = cron.subcommand() {
            take(sub, CONNECTION);
            take(sub, SCOPE);
        }
        Self { flags }
    }

    /// `suggestion` with this run's flags that its subcommand accepts, each replacing what the
    /// suggestion said for it. Anything not a `joelclaw restate cron` command is left alone.
    pub fn command(&self, suggestion: &str) -> String {
        let Some(rest) = suggestion.strip_prefix(PREFIX) else {
            return suggestion.to_string();
        };
        let Some(mut words) = shlex::split(rest) else {
            return suggestion.to_string();
        };
        let Some(subcommand) = words.first().cloned() else {
            return suggestion.to_string();
        };
        let accepted = accepted_flags(&subcommand);
        for (flag, value) in &self.flags {
            if !accepted.iter().any(|known| known == flag) {
                continue;
            }
            let long = format!("--{flag}");
            // Drop what the suggestion said for this flag (`--flag v` or `--flag=v`).
            let mut index = 0;
            while index < words.len() {
                if words[index] == long {
                    words.drain(index..(index + 2).min(words.len()));
                } else if words[index].starts_with(&format!("{long}=")) {
                    words.remove(index);
                } else {
                    index += 1;
                }
            }
            words.push(long);
            words.push(value.clone());
        }
        let quoted: Vec<String> = words
            .iter()
            .map(|word| {
                shlex::try_quote(word)
                    .map(|quoted| quoted.into_owned())
                    .unwrap_or_else(|_| word.clone())
            })
            .collect();
        format!("{PREFIX} {}", quoted.join(" "))
    }

    /// Text with every `` `joelclaw restate cron …` `` in backquotes replayed.
    pub fn text(&self, text: &str) -> String {
        if self.flags.is_empty() {
            return text.to_string();
        }
        let mut out = String::new();
        let mut parts = text.split('`');
        if let Some(first) = parts.next() {
            out.push_str(first);
        }
        for (index, part) in parts.enumerate() {
            out.push('`');
            // Odd parts are inside backquotes.
            if index % 2 == 0 && part.starts_with(PREFIX) {
                out.push_str(&self.command(part));
            } else {
                out.push_str(part);
            }
        }
        out
    }
}

/// The long flags `subcommand` accepts, its own and the cron command's global ones.
fn accepted_flags(subcommand: &str) -> Vec<String> {
    let cli = crate::cli::command();
    let Some(cron) = cli
        .find_subcommand("restate")
        .and_then(|restate| restate.find_subcommand("cron"))
    else {
        return Vec::new();
    };
    let Some(sub) = cron.find_subcommand(subcommand) else {
        return Vec::new();
    };
    sub.get_arguments()
        .chain(cron.get_arguments())
        .filter_map(|arg| arg.get_long().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replay(args: &[&str]) -> Replay {
        let matches = crate::cli::command().try_get_matches_from(args).unwrap();
        let cron = matches
            .subcommand_matches("restate")
            .and_then(|restate| restate.subcommand_matches("cron"))
            .unwrap();
        Replay::from_matches(cron)
    }

    #[test]
    fn suggestions_carry_the_flags_that_shaped_the_run() {
        let replay = replay(&[
            "joelclaw",
            "restate",
            "cron",
            "--namespace",
            "ops",
            "sync-tier1",
            "--check",
            "--file",
            "my jobs.toml",
            "--restate-url",
            "http://restate:8080",
            "--context",
            "prod",
        ]);
        assert_eq!(
            replay.command("joelclaw restate cron sync-tier1 --file ./tier1.toml"),
            "joelclaw restate cron sync-tier1 --namespace ops --context prod --file 'my jobs.toml' --restate-url http://restate:8080"
        );
        // `list` takes no --file: only the connection flags follow it.
        assert_eq!(
            replay.command("joelclaw restate cron list"),
            "joelclaw restate cron list --namespace ops --context prod"
        );
        assert_eq!(
            replay.text("run `joelclaw restate cron status` to see"),
            "run `joelclaw restate cron status --namespace ops --context prod` to see"
        );
        assert_eq!(replay.command("kubectl get pods"), "kubectl get pods");
    }

    #[test]
    fn defaults_and_the_environment_are_not_replayed() {
        let replay = replay(&["joelclaw", "restate", "cron", "list"]);
        assert_eq!(
            replay.command("joelclaw restate cron sync-tier1 --file ./tier1.toml"),
            "joelclaw restate cron sync-tier1 --file ./tier1.toml"
        );
    }
}
