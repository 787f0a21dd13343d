//! The error and exit-code vocabulary of the CLI.
//!
//! Every failure a command can report is a [`CliError`]: a stable machine code for `--json` consumers,
//! a message, an optional hint a person can act on, and the [`ExitCode`] class it maps to. Anything
//! that is not a `CliError` (an unexpected I/O error, say) surfaces as an operation failure.

use std::fmt;

/// Process exit codes; the table in the README mirrors this enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything asked for was done, and Dkron is healthy.
    Success = 0,
    /// An operation failed (a Dkron error, a failed job in a sync, an unhealthy Dkron).
    Failure = 1,
    /// Bad flags or bad input (an invalid `tier1.toml`, a bad `--body`).
    Usage = 2,
    /// `sync-tier1 --check` found live jobs that differ from the file.
    Drift = 3,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// The kinds of failure, each with its stable `error.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Usage,
    InvalidManifest,
    InvalidJob,
    DkronUnreachable,
    DkronError,
    JobNotFound,
    NotOwned,
    JobExists,
    SyncFailed,
    Drift,
    Unhealthy,
    RunFailed,
    Failed,
    Kubeconfig,
    KubeForbidden,
    KubeUnauthorized,
    KubeNotFound,
    NamespaceNotFound,
    ServiceNotFound,
    NoReadyPod,
    KubeUnreachable,
    KubeTls,
    KubeError,
    Tunnel,
    InstallFailed,
    InstallTimeout,
    RestateUnreachable,
    RestateError,
    TargetNotRegistered,
    AuditFailed,
    AuditIncomplete,
    DkronNotReady,
    SyncLocked,
    PruneRefused,
    SyncStopped,
    SyncUnverified,
    Interrupted,
}

impl ErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Usage => "RESTATE_CRON_USAGE",
            Self::InvalidManifest => "RESTATE_CRON_INVALID_MANIFEST",
            Self::InvalidJob => "RESTATE_CRON_INVALID_JOB",
            Self::DkronUnreachable => "RESTATE_CRON_DKRON_UNREACHABLE",
            Self::DkronError => "RESTATE_CRON_DKRON_ERROR",
            Self::JobNotFound => "RESTATE_CRON_JOB_NOT_FOUND",
            Self::NotOwned => "RESTATE_CRON_NOT_OWNED",
            Self::JobExists => "RESTATE_CRON_JOB_EXISTS",
            Self::SyncFailed => "RESTATE_CRON_SYNC_FAILED",
            Self::Drift => "RESTATE_CRON_DRIFT",
            Self::Unhealthy => "RESTATE_CRON_UNHEALTHY",
            Self::RunFailed => "RESTATE_CRON_RUN_FAILED",
            Self::Failed => "RESTATE_CRON_FAILED",
            Self::Kubeconfig => "RESTATE_CRON_KUBECONFIG",
            Self::KubeForbidden => "RESTATE_CRON_KUBE_FORBIDDEN",
            Self::KubeUnauthorized => "RESTATE_CRON_KUBE_UNAUTHORIZED",
            Self::KubeNotFound => "RESTATE_CRON_KUBE_NOT_FOUND",
            Self::NamespaceNotFound => "RESTATE_CRON_NAMESPACE_NOT_FOUND",
            Self::ServiceNotFound => "RESTATE_CRON_SERVICE_NOT_FOUND",
            Self::NoReadyPod => "RESTATE_CRON_NO_READY_POD",
            Self::KubeUnreachable => "RESTATE_CRON_KUBE_UNREACHABLE",
            Self::KubeTls => "RESTATE_CRON_KUBE_TLS",
            Self::KubeError => "RESTATE_CRON_KUBE_ERROR",
            Self::Tunnel => "RESTATE_CRON_TUNNEL_FAILED",
            Self::InstallFailed => "RESTATE_CRON_INSTALL_FAILED",
            Self::InstallTimeout => "RESTATE_CRON_INSTALL_TIMEOUT",
            Self::RestateUnreachable => "RESTATE_CRON_RESTATE_UNREACHABLE",
            Self::RestateError => "RESTATE_CRON_RESTATE_ERROR",
            Self::TargetNotRegistered => "RESTATE_CRON_TARGET_NOT_REGISTERED",
            Self::AuditFailed => "RESTATE_CRON_AUDIT_FAILED",
            Self::AuditIncomplete => "RESTATE_CRON_AUDIT_INCOMPLETE",
            Self::DkronNotReady => "RESTATE_CRON_DKRON_NOT_READY",
            Self::SyncLocked => "RESTATE_CRON_SYNC_LOCKED",
            Self::PruneRefused => "RESTATE_CRON_PRUNE_REFUSED",
            Self::SyncStopped => "RESTATE_CRON_SYNC_STOPPED",
            Self::SyncUnverified => "RESTATE_CRON_SYNC_UNVERIFIED",
            Self::Interrupted => "RESTATE_CRON_INTERRUPTED",
        }
    }

    pub fn exit_code(self) -> ExitCode {
        match self {
            Self::Usage
            | Self::InvalidManifest
            | Self::InvalidJob
            | Self::Kubeconfig
            | Self::PruneRefused => ExitCode::Usage,
            Self::Drift => ExitCode::Drift,
            _ => ExitCode::Failure,
        }
    }
}

/// A failure with everything the printer needs to report it in either output mode.
#[derive(Debug)]
pub struct CliError {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
    /// The result document to print beside the error (e.g. a sync report whose jobs partly failed).
    pub result: Option<Box<serde_json::Value>>,
}

impl CliError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            hint: None,
            result: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_result(mut self, result: serde_json::Value) -> Self {
        self.result = Some(Box::new(result));
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}
