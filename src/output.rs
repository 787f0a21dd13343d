//! The printer: one report, two renderings.
//!
//! Commands build a [`Report`] (a JSON-serialisable result, the human text and the next actions)
//! and never print. The printer writes either the human text to stdout, with errors and hints on
//! stderr, or exactly one JSON envelope on stdout, the shape the reference CLI's agents parse:
//! `{ok, command, result, next_actions}` plus `error {code, message}` and `fix` on failure.
//! Colour is decided once here; rendering code asks [`Styles`] and never checks a terminal itself.

use std::io::{IsTerminal, Write};

use chrono::{DateTime, Utc};
use comfy_table::{ContentArrangement, Table, presets};
use owo_colors::OwoColorize;
use serde::Serialize;
use serde_json::json;

use crate::error::{CliError, ExitCode, classify};
use crate::{redact, terminal};

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when the stream is a terminal and NO_COLOR is unset.
    Auto,
    /// Colour even when piped (never in --json output).
    Always,
    /// Never colour.
    Never,
}

/// Text styles that are plain unless colour is on.
#[derive(Debug, Clone, Copy)]
pub struct Styles {
    enabled: bool,
}

impl Styles {
    pub fn new(enabled: bool) -> Self {
        Self { enabled }
    }

    /// True when these styles write colour (so the printer keeps their SGR sequences).
    pub fn colour(&self) -> bool {
        self.enabled
    }

    fn paint(&self, text: &str, style: owo_colors::Style) -> String {
        if self.enabled {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }

    pub fn good(&self, text: &str) -> String {
        self.paint(text, owo_colors::Style::new().green())
    }

    pub fn warn(&self, text: &str) -> String {
        self.paint(text, owo_colors::Style::new().yellow())
    }

    pub fn bad(&self, text: &str) -> String {
        self.paint(text, owo_colors::Style::new().red().bold())
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(text, owo_colors::Style::new().dimmed())
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(text, owo_colors::Style::new().bold())
    }
}

/// A follow-up command suggested to the reader (and to agents in `next_actions`).
#[derive(Debug, Clone, Serialize)]
pub struct NextAction {
    pub command: String,
    pub description: String,
}

impl NextAction {
    pub fn new(command: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            command: command.into(),
            description: description.into(),
        }
    }
}

/// What a command produced.
#[derive(Debug)]
pub struct Report {
    pub result: serde_json::Value,
    pub human: String,
    pub next_actions: Vec<NextAction>,
    /// Set when the command ran to the end but must exit non-zero (a failed job in a sync,
    /// drift under `--check`, an unhealthy Dkron). The result is still printed.
    pub failure: Option<CliError>,
    /// Already printed by the command itself (`dashboard` reports before it waits).
    pub silent: bool,
    /// Things a person should know that do not fail the command: printed on stderr as
    /// `warning: …` in human mode (a `--json` result carries them itself).
    pub warnings: Vec<String>,
}

impl Report {
    pub fn new(result: impl Serialize, human: String) -> Self {
        Self {
            result: serde_json::to_value(result).expect("results serialize"),
            human,
            next_actions: Vec::new(),
            failure: None,
            silent: false,
            warnings: Vec::new(),
        }
    }

    /// A report with nothing left to print.
    pub fn silent() -> Self {
        Self {
            silent: true,
            ..Self::new(serde_json::Value::Null, String::new())
        }
    }

    pub fn next(mut self, command: impl Into<String>, description: impl Into<String>) -> Self {
        self.next_actions
            .push(NextAction::new(command, description));
        self
    }

    pub fn failed(mut self, error: CliError) -> Self {
        self.failure = Some(error);
        self
    }

    pub fn warn(mut self, warning: impl Into<String>) -> Self {
        self.warnings.push(warning.into());
        self
    }
}

/// Decides how output looks and writes it.
#[derive(Debug, Clone)]
pub struct Printer {
    json: bool,
    command: String,
    stdout_styles: Styles,
    stderr_styles: Styles,
    /// Progress lines go to stderr only when it is a terminal and the output is for a person.
    progress: bool,
}

impl Printer {
    pub fn new(json: bool, color: ColorChoice, command: String) -> Self {
        let decide = |is_terminal: bool| match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty()) && is_terminal
            }
        };
        Self {
            json,
            command,
            stdout_styles: Styles::new(!json && decide(std::io::stdout().is_terminal())),
            stderr_styles: Styles::new(decide(std::io::stderr().is_terminal())),
            progress: !json && std::io::stderr().is_terminal(),
        }
    }

    pub fn styles(&self) -> Styles {
        self.stdout_styles
    }

    /// Prints a finished report; returns the exit code.
    pub fn report(&self, report: Report) -> ExitCode {
        let exit = report
            .failure
            .as_ref()
            .map_or(ExitCode::Success, |error| error.kind.exit_code());
        if report.silent {
            return exit;
        }
        if self.json {
            let mut envelope = json!({
                "ok": report.failure.is_none(),
                "command": self.command,
                "result": report.result,
            });
            if let Some(error) = &report.failure {
                envelope["error"] = json!({"code": error.kind.code(), "message": error.message});
                envelope["fix"] = json!(error.hint);
            }
            envelope["next_actions"] = json!(report.next_actions);
            redact::scrub_json(&mut envelope);
            write_stdout(&format!("{:#}\n", envelope));
        } else {
            if !report.human.is_empty() {
                // The last pass over text that may hold what a server or a file supplied.
                let human = redact::scrub(&report.human);
                let human = terminal::safe_output(&human, self.stdout_styles.colour());
                write_stdout(&ensure_newline(&human));
            }
            if !report.warnings.is_empty() {
                let styles = self.stderr_styles;
                let text: String = report
                    .warnings
                    .iter()
                    .map(|warning| {
                        let warning = redact::scrub(warning);
                        let warning = terminal::safe_output(&warning, false);
                        format!("{} {warning}\n", styles.warn("warning:"))
                    })
                    .collect();
                let _ = std::io::stderr().write_all(text.as_bytes());
            }
            if let Some(error) = &report.failure {
                self.error_text(&error.message, &[], error.hint.as_deref());
            }
        }
        exit
    }

    /// Prints a failure; returns the exit code.
    pub fn error(&self, error: &anyhow::Error) -> ExitCode {
        let (kind, cli) = classify(error);
        let message = match cli {
            Some(cli) => cli.message.clone(),
            None => error.to_string(),
        };
        // The chain below the top message, minus repeats (a CliError often wraps its cause's text).
        let causes: Vec<String> = error
            .chain()
            .skip(1)
            .map(ToString::to_string)
            .filter(|cause| *cause != message)
            .collect();
        let hint = cli.and_then(|cli| cli.hint.clone()).or_else(|| {
            error.chain().find_map(|cause| {
                if let Some(dkron) = cause.downcast_ref::<crate::dkron::DkronError>() {
                    return dkron.hint().map(str::to_string);
                }
                cause
                    .downcast_ref::<crate::restate::admin::RestateError>()
                    .and_then(|restate| restate.hint().map(str::to_string))
            })
        });
        if self.json {
            let mut full = message.clone();
            for cause in &causes {
                full.push_str(": ");
                full.push_str(cause);
            }
            let mut envelope = json!({
                "ok": false,
                "command": self.command,
                "result": cli.and_then(|cli| cli.result.as_deref().cloned()),
                "error": {"code": kind.code(), "message": full},
                "fix": hint,
                "next_actions": [],
            });
            redact::scrub_json(&mut envelope);
            write_stdout(&format!("{:#}\n", envelope));
        } else {
            self.error_text(&message, &causes, hint.as_deref());
        }
        kind.exit_code()
    }

    /// A transient progress line on stderr, only when stderr is a terminal and not in `--json`
    /// mode (so pipes, files and agents never see it). Each call replaces the previous line.
    pub fn progress(&self, text: &str) {
        if self.progress {
            let _ = write!(
                std::io::stderr(),
                "\r\x1b[2K{}",
                self.stderr_styles.dim(text)
            );
            let _ = std::io::stderr().flush();
        }
    }

    /// Clears the progress line.
    pub fn progress_done(&self) {
        if self.progress {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            let _ = std::io::stderr().flush();
        }
    }

    /// A line for the person at the terminal, on stderr; nothing in `--json` mode.
    pub fn note(&self, text: &str) {
        if !self.json {
            let text = redact::scrub(text);
            let text = terminal::safe_output(&text, false);
            let _ = writeln!(std::io::stderr(), "{}", self.stderr_styles.dim(&text));
        }
    }

    /// Errors quote servers (a Dkron error body) and files (a finding's text): every part is made
    /// safe for the terminal, line breaks kept; only the `error:`/`hint:` labels are styled.
    fn error_text(&self, message: &str, causes: &[String], hint: Option<&str>) {
        let styles = self.stderr_styles;
        let safe = |text: &str| terminal::safe_output(&redact::scrub(text), false).into_owned();
        let mut text = format!("{} {}\n", styles.bad("error:"), safe(message));
        if !causes.is_empty() {
            text.push_str("\nCaused by:\n");
            for cause in causes {
                text.push_str(&format!("  {}\n", safe(cause)));
            }
        }
        if let Some(hint) = hint {
            text.push_str(&format!("{} {}\n", styles.good("hint:"), safe(hint)));
        }
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
}

fn ensure_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

/// Writes to stdout. A closed pipe (`| head`) is not an error worth a word, and the command's
/// own exit code still stands (so `set -o pipefail` sees a drift or a failure).
fn write_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        && error.kind() != std::io::ErrorKind::BrokenPipe
    {
        let _ = writeln!(std::io::stderr(), "error: cannot write to stdout: {error}");
    }
}

/// A table in the house style: no wrapping (so piped output keeps one row per line).
pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().copied());
    table
}

/// "1 job", "2 jobs".
pub fn plural(count: usize, noun: &str) -> String {
    format!("{count} {noun}{}", if count == 1 { "" } else { "s" })
}

/// The current time, or `JOELCLAW_NOW` (RFC 3339) so output can be made deterministic in tests.
pub fn now() -> DateTime<Utc> {
    std::env::var("JOELCLAW_NOW")
        .ok()
        .and_then(|text| DateTime::parse_from_rfc3339(&text).ok())
        .map_or_else(Utc::now, |time| time.with_timezone(&Utc))
}

/// "in 5m (2026-11-22 15:07 UTC)" / "3h ago (…)" / "never".
pub fn when(time: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match time {
        None => "never".to_string(),
        Some(time) => format!(
            "{} ({})",
            relative(time, now),
            time.format("%Y-%m-%d %H:%M:%S UTC")
        ),
    }
}

/// A compact relative time: "in 42s", "5m ago", "in 3h 12m", "2d ago".
pub fn relative(time: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (time - now).num_seconds();
    if seconds == 0 {
        return "just now".to_string();
    }
    let magnitude = seconds.unsigned_abs();
    let text = match magnitude {
        0..60 => format!("{magnitude}s"),
        60..3600 => format!("{}m", magnitude / 60),
        3600..86_400 => {
            let minutes = (magnitude % 3600) / 60;
            if minutes == 0 {
                format!("{}h", magnitude / 3600)
            } else {
                format!("{}h {minutes}m", magnitude / 3600)
            }
        }
        _ => format!("{}d", magnitude / 86_400),
    };
    if seconds >= 0 {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_read_naturally() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
            .unwrap()
            .to_utc();
        let at = |offset: i64| now + chrono::Duration::seconds(offset);
        assert_eq!(relative(at(42), now), "in 42s");
        assert_eq!(relative(at(-300), now), "5m ago");
        assert_eq!(relative(at(3 * 3600 + 720), now), "in 3h 12m");
        assert_eq!(relative(at(-2 * 86_400), now), "2d ago");
        assert_eq!(when(None, now), "never");
        assert_eq!(when(Some(at(60)), now), "in 1m (2026-11-22 12:01:00 UTC)");
    }

    #[test]
    fn styles_are_plain_when_colour_is_off() {
        assert_eq!(Styles::new(false).bad("x"), "x");
        assert_ne!(Styles::new(true).bad("x"), "x");
    }
}
