//! The printer: one report, two renderings.
//!
//! Commands build a [`Report`] (a JSON-serialisable result, the human text and the next actions)
//! and never print. The printer writes either the human text to stdout, with errors and hints on
//! stderr, or exactly one JSON envelope on stdout, the shape the reference CLI's agents parse:
//! `{ok, command, result, next_actions}` plus `error {code, message}` and `fix` on failure.
//! Colour is decided once here; rendering code asks [`Styles`] and never checks a terminal itself.

use std::io::{IsTerminal, Write};

use chrono::{DateTime, Utc};
use owo_colors::OwoColorize;
use serde::Serialize;

use crate::error::{CliError, ErrorKind, ExitCode};
use crate::grid::{Grid, Layout};
use crate::{redact, terminal};

/// `-o, --output`: how a result is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Tables for people; cut to the terminal's width, plain columns when piped.
    Table,
    /// Tables with every column.
    Wide,
    /// The agent envelope `{ok, command, result, next_actions}` (what `--json` prints).
    Json,
    /// The same envelope as YAML.
    Yaml,
    /// One job name a line (commands that show jobs).
    Name,
}

impl OutputFormat {
    /// Whether this format prints the envelope rather than text for people.
    pub fn is_envelope(self) -> bool {
        matches!(self, Self::Json | Self::Yaml)
    }
}

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

/// How stdout looks: text styles that are plain unless colour is on, and the table layout.
#[derive(Debug, Clone, Copy)]
pub struct Styles {
    enabled: bool,
    layout: Layout,
}

impl Styles {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            layout: Layout::default(),
        }
    }

    pub fn with_layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// A table laid out for stdout (see [`crate::grid`]).
    pub fn grid(&self, headers: &[&str]) -> Grid {
        let bold: Option<fn(&str) -> String> =
            self.enabled.then_some(|text: &str| text.bold().to_string());
        self.layout.grid(headers).header_style(bold)
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
    /// What `-o name` prints, one a line: the jobs the result shows.
    pub names: Option<Vec<String>>,
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
            names: None,
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

    /// The job names `-o name` prints.
    pub fn names(mut self, names: impl IntoIterator<Item = String>) -> Self {
        self.names = Some(names.into_iter().collect());
        self
    }

    pub fn warn(mut self, warning: impl Into<String>) -> Self {
        self.warnings.push(warning.into());
        self
    }
}

/// The agent envelope, in the order agents read it. `error` and `fix` appear only on failure
/// (`fix` then `null` when there is no hint).
#[derive(Serialize)]
struct Envelope<'a> {
    ok: bool,
    command: &'a str,
    result: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<EnvelopeError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<Option<String>>,
    next_actions: &'a [NextAction],
}

#[derive(Serialize)]
struct EnvelopeError {
    code: &'static str,
    message: String,
}

/// Decides how output looks and writes it.
#[derive(Debug, Clone)]
pub struct Printer {
    format: OutputFormat,
    command: String,
    /// The flags every suggested command carries (see [`crate::replay`]).
    replay: std::sync::Arc<crate::replay::Replay>,
    stdout_styles: Styles,
    stderr_styles: Styles,
    /// Progress lines go to stderr only when it is a terminal and the output is for a person.
    progress: bool,
}

impl Printer {
    pub fn new(format: OutputFormat, headers: bool, color: ColorChoice, command: String) -> Self {
        let json = format.is_envelope();
        let decide = |is_terminal: bool| match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty()) && is_terminal
            }
        };
        let stdout_terminal = std::io::stdout().is_terminal();
        let layout = Layout::of_stdout(stdout_terminal, format == OutputFormat::Wide, headers);
        Self {
            format,
            command,
            replay: Default::default(),
            stdout_styles: Styles::new(!json && decide(stdout_terminal)).with_layout(layout),
            stderr_styles: Styles::new(decide(std::io::stderr().is_terminal())),
            progress: !json && std::io::stderr().is_terminal(),
        }
    }

    /// Suggestions printed by this printer replay these flags.
    pub fn with_replay(mut self, replay: crate::replay::Replay) -> Self {
        self.replay = std::sync::Arc::new(replay);
        self
    }

    pub fn styles(&self) -> Styles {
        self.stdout_styles
    }

    /// Prints a finished report; returns the exit code.
    pub fn report(&self, mut report: Report) -> ExitCode {
        for action in &mut report.next_actions {
            action.command = self.replay.command(&action.command);
        }
        if let Some(failure) = &mut report.failure {
            failure.hint = failure.hint.as_deref().map(|hint| self.replay.text(hint));
        }
        report.human = self.replay.text(&report.human);
        let exit = report
            .failure
            .as_ref()
            .map_or(ExitCode::Success, |error| error.kind.exit_code());
        if report.silent {
            return exit;
        }
        if self.format == OutputFormat::Name {
            return match &report.names {
                Some(names) => {
                    let text: String = names
                        .iter()
                        .map(|name| format!("{}\n", terminal::safe(name)))
                        .collect();
                    write_stdout(&text);
                    if let Some(error) = &report.failure {
                        self.error_text(&error.message, &[], error.hint.as_deref());
                    }
                    exit
                }
                None => self.error(
                    &CliError::new(
                        ErrorKind::Usage,
                        "this command prints no job names; -o name does not apply",
                    )
                    .hint("use -o table, wide, json or yaml")
                    .into(),
                ),
            };
        }
        if self.format.is_envelope() {
            self.write_envelope(Envelope {
                ok: report.failure.is_none(),
                command: &self.command,
                result: report.result,
                error: report.failure.as_ref().map(|error| EnvelopeError {
                    code: error.kind.code(),
                    message: error.message.clone(),
                }),
                fix: report.failure.as_ref().map(|error| error.hint.clone()),
                next_actions: &report.next_actions,
            });
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
        let diagnosis = crate::diagnosis::diagnose(error);
        let hint = diagnosis.hint.as_deref().map(|hint| self.replay.text(hint));
        if self.format.is_envelope() {
            let mut full = diagnosis.message.clone();
            for cause in &diagnosis.causes {
                full.push_str(": ");
                full.push_str(cause);
            }
            self.write_envelope(Envelope {
                ok: false,
                command: &self.command,
                result: diagnosis.result.cloned().unwrap_or(serde_json::Value::Null),
                error: Some(EnvelopeError {
                    code: diagnosis.kind.code(),
                    message: full,
                }),
                fix: Some(hint),
                next_actions: &[],
            });
        } else {
            self.error_text(&diagnosis.message, &diagnosis.causes, hint.as_deref());
        }
        diagnosis.kind.exit_code()
    }

    /// Whether stdout gets the envelope (`-o json|yaml`) rather than text for people.
    pub fn is_envelope(&self) -> bool {
        self.format.is_envelope()
    }

    /// Text streamed as it happens (`--watch`), through the same redaction and terminal filter
    /// as a report's human text.
    pub fn stream(&self, text: &str) {
        let text = redact::scrub(text);
        write_stdout(&terminal::safe_output(&text, self.stdout_styles.colour()));
    }

    /// One compact, redacted JSON line streamed as it happens (`--watch -o json`).
    pub fn stream_json(&self, value: &serde_json::Value) {
        let mut value = value.clone();
        redact::scrub_json(&mut value);
        write_stdout(&format!("{value}\n"));
    }

    /// Replaces the terminal's screen with `text` (a `--watch` redraw).
    pub fn redraw(&self, text: &str) {
        let text = redact::scrub(text);
        let text = terminal::safe_output(&text, self.stdout_styles.colour());
        write_stdout(&format!("\x1b[H\x1b[2J{}", ensure_newline(&text)));
    }

    /// The one envelope writer: redacted, then JSON (pretty) or YAML.
    fn write_envelope(&self, envelope: Envelope<'_>) {
        let mut envelope = serde_json::to_value(envelope).expect("envelopes serialize");
        redact::scrub_json(&mut envelope);
        let text = match self.format {
            OutputFormat::Yaml => {
                serde_yaml_ng::to_string(&envelope).expect("JSON values are YAML")
            }
            _ => format!("{envelope:#}\n"),
        };
        write_stdout(&text);
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
        if !self.format.is_envelope() {
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
