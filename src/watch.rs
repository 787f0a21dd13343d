//! `--watch`: poll, and show what changed, until Ctrl-C (which ends the watch with exit 0).
//!
//! On a terminal each poll redraws the command's whole table (relative times stay fresh). Piped,
//! the first poll prints a line per item and later polls one line per item that appeared,
//! changed or went away, so `… --watch | grep failed` works. With `-o json|yaml` every such
//! change is one compact JSON line `{"type": "ADDED"|"MODIFIED"|"DELETED", "object": …}`, the
//! shape `kubectl get -w -o json` streams.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use serde_json::json;

use crate::output::{Printer, Report};
use crate::signals;

/// How often a watch polls Dkron.
pub const INTERVAL: Duration = Duration::from_secs(2);

/// One thing a watch follows: its key, its line when piped, and its JSON.
pub struct Item {
    pub key: String,
    pub line: String,
    pub object: serde_json::Value,
}

/// What one poll saw: the report a terminal redraws, and the items.
pub struct Poll {
    pub report: Report,
    pub items: Vec<Item>,
}

/// Polls with `poll` every [`INTERVAL`] and prints the changes, until a signal.
pub async fn run<F, Fut>(printer: &Printer, mut poll: F) -> anyhow::Result<Report>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Poll>>,
{
    let mut seen: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let terminal = printer.styles().layout().terminal && !printer.is_envelope();
    loop {
        let Poll { report, items } = poll().await?;
        if terminal {
            printer.redraw(&report.human);
        } else {
            let mut current = BTreeMap::new();
            for item in items {
                let change = match seen.get(&item.key) {
                    None => Some("ADDED"),
                    Some(before) if *before != item.object => Some("MODIFIED"),
                    Some(_) => None,
                };
                if let Some(change) = change {
                    if printer.is_envelope() {
                        printer.stream_json(&json!({"type": change, "object": item.object}));
                    } else {
                        printer.stream(&format!("{}\n", item.line));
                    }
                }
                current.insert(item.key, item.object);
            }
            for (key, object) in &seen {
                if !current.contains_key(key) {
                    if printer.is_envelope() {
                        printer.stream_json(&json!({"type": "DELETED", "object": object}));
                    } else {
                        printer.stream(&format!("{key} deleted\n"));
                    }
                }
            }
            seen = current;
        }
        tokio::select! {
            () = tokio::time::sleep(INTERVAL) => {}
            // Ctrl-C is how a watch ends: not a failure.
            () = signals::terminated() => return Ok(Report::silent()),
        }
    }
}
