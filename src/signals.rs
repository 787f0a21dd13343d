//! Process signals: Ctrl-C (SIGINT) and SIGTERM both end a command, so every tunnel is dropped
//! and closed on the way out. When a command cannot be dropped in time (its thread is blocked in
//! a read), a watcher ends the process after [`GRACE`]; [`claim_report`] makes sure exactly one of
//! the two reports the outcome.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long after a signal the command has to end by itself before the watcher ends the process.
pub const GRACE: Duration = Duration::from_millis(500);

/// The same for a command that stops and reports (a sync): its writes in flight get 5 s to drain
/// (`reconcile`'s drain), then it reads back and reports; past this it is stuck, not reporting.
pub const REPORT_GRACE: Duration = Duration::from_secs(15);

static REPORTED: AtomicBool = AtomicBool::new(false);

/// True for the first caller only: the one that prints the command's outcome.
pub fn claim_report() -> bool {
    !REPORTED.swap(true, Ordering::SeqCst)
}

/// Resolves when the process is asked to stop.
pub async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = sigterm.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
