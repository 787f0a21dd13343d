//! One diagnosis of a failure: from an error chain to what is reported — the stable code, the
//! message, the causes under it, the hint a person can act on, and any result a command attached.
//!
//! The error vocabulary (`error.rs`) knows nothing of the clients; the clients' errors know their
//! own kind and hint (`DkronError`, `RestateError`). This is the one place that walks a chain and
//! asks them, for the printer and for commands that fold a failure into their own report
//! (`trace`, `audit`).

use crate::error::{CliError, ErrorKind};

/// What a failure is reported as.
pub struct Diagnosis<'a> {
    pub kind: ErrorKind,
    /// The top message: the `CliError`'s, else the error's own text.
    pub message: String,
    /// The chain below the message, minus repeats (a `CliError` often quotes its cause).
    pub causes: Vec<String>,
    pub hint: Option<String>,
    /// The partial result a `CliError` carries (a failed sync's jobs, a file's findings).
    pub result: Option<&'a serde_json::Value>,
}

/// Diagnoses an error chain: a [`CliError`] anywhere in it decides the kind and message, then a
/// Dkron or Restate client error; anything else is a plain failure. The hint is the
/// `CliError`'s, else the first client error's that has one.
pub fn diagnose(error: &anyhow::Error) -> Diagnosis<'_> {
    // `downcast_ref` on the error itself also finds a `CliError` attached with `.context()`,
    // which the chain's own items (anyhow's wrappers) do not.
    let cli = error.downcast_ref::<CliError>().or_else(|| {
        error
            .chain()
            .find_map(|cause| cause.downcast_ref::<CliError>())
    });
    let kind = match cli {
        Some(cli) => cli.kind,
        None => error
            .chain()
            .find_map(client_kind)
            .unwrap_or(ErrorKind::Failed),
    };
    let message = cli.map_or_else(|| error.to_string(), |cli| cli.message.clone());
    let causes = error
        .chain()
        .skip(1)
        .map(ToString::to_string)
        .filter(|cause| *cause != message)
        .collect();
    let hint = cli
        .and_then(|cli| cli.hint.clone())
        .or_else(|| error.chain().find_map(client_hint));
    Diagnosis {
        kind,
        message,
        causes,
        hint,
        result: cli.and_then(|cli| cli.result.as_deref()),
    }
}

fn client_kind(cause: &(dyn std::error::Error + 'static)) -> Option<ErrorKind> {
    if let Some(dkron) = cause.downcast_ref::<crate::dkron::DkronError>() {
        return Some(dkron.kind());
    }
    cause
        .downcast_ref::<crate::restate::admin::RestateError>()
        .map(|restate| restate.kind())
}

fn client_hint(cause: &(dyn std::error::Error + 'static)) -> Option<String> {
    if let Some(dkron) = cause.downcast_ref::<crate::dkron::DkronError>() {
        return dkron.hint().map(str::to_string);
    }
    cause
        .downcast_ref::<crate::restate::admin::RestateError>()
        .and_then(|restate| restate.hint().map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cli_error_anywhere_decides_and_its_cause_is_kept_once() {
        let io = std::io::Error::other("disk full");
        let error = anyhow::Error::new(io)
            .context(CliError::new(ErrorKind::Usage, "cannot write the file").hint("free space"));
        let diagnosis = diagnose(&error);
        assert_eq!(diagnosis.kind, ErrorKind::Usage);
        assert_eq!(diagnosis.message, "cannot write the file");
        assert_eq!(diagnosis.causes, ["disk full"]);
        assert_eq!(diagnosis.hint.as_deref(), Some("free space"));
    }

    #[test]
    fn anything_else_is_a_plain_failure_with_its_own_text() {
        let error = anyhow::anyhow!("something broke");
        let diagnosis = diagnose(&error);
        assert_eq!(diagnosis.kind, ErrorKind::Failed);
        assert_eq!(diagnosis.message, "something broke");
        assert!(diagnosis.causes.is_empty() && diagnosis.hint.is_none());
    }
}
