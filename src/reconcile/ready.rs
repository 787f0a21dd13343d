//! Where a sync reads and writes, and when Dkron's store can be trusted.
//!
//! Dkron claims Raft leadership before its store has replayed the log (after a restart the job
//! count grows from 0 over hundreds of milliseconds), so a plan made at once calls existing jobs
//! absent and a create then overwrites them. The leader starts its scheduler only after a Raft
//! barrier, once its store has caught up, and publishes that in `/debug/vars` as
//! `scheduler_started = 1`: a sync waits for it. A follower publishes no such signal; there the
//! fallback is a job count that stays the same twice in a row. Followers also serve reads from a
//! lagging copy, so in direct mode a sync at a follower looks for the leader (the member `/v1/leader`
//! names, at the base URL's port) and, when it is not reachable, verifies its writes by reading
//! until the follower has caught up.

use std::time::{Duration, Instant};

use serde::Serialize;
use url::Url;

use crate::dkron::DkronClient;
use crate::error::{CliError, ErrorKind};

/// How long a sync waits for Dkron to finish starting.
const READY_BUDGET: Duration = Duration::from_secs(30);
/// How far apart two job counts must agree on a follower.
const STABLE_INTERVAL: Duration = Duration::from_millis(500);

/// What told the sync Dkron's store was ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Signal {
    /// The leader's scheduler has started (its store replayed the Raft log).
    SchedulerStarted,
    /// A follower's job count stayed the same over half a second.
    StableCount,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    /// The node the sync reads from is the Raft leader.
    pub leader: bool,
    pub signal: Signal,
    pub waited_ms: u64,
    /// In direct mode at a follower: the leader's URL the sync switched to, if it found one.
    pub leader_url: Option<String>,
}

/// Waits until the node behind `client` can be planned against.
pub async fn wait_until_ready(client: &DkronClient) -> anyhow::Result<Readiness> {
    let start = Instant::now();
    let deadline = start + READY_BUDGET;
    let leader = client.is_leader().await?;
    if leader {
        loop {
            if client.process_vars().await?.scheduler_started == 1 {
                break;
            }
            if Instant::now() > deadline {
                return Err(not_ready(
                    "the Raft leader has not started its scheduler, so its store may not have replayed every job yet",
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        return Ok(Readiness {
            leader,
            signal: Signal::SchedulerStarted,
            waited_ms: elapsed_ms(start),
            leader_url: None,
        });
    }
    let mut last = client.count_jobs(&[]).await?;
    loop {
        tokio::time::sleep(STABLE_INTERVAL).await;
        let count = client.count_jobs(&[]).await?;
        if count == last {
            break;
        }
        if Instant::now() > deadline {
            return Err(not_ready(
                "the follower's job count is still changing (it is catching up with the leader)",
            ));
        }
        last = count;
    }
    Ok(Readiness {
        leader,
        signal: Signal::StableCount,
        waited_ms: elapsed_ms(start),
        leader_url: None,
    })
}

fn not_ready(why: &str) -> anyhow::Error {
    CliError::new(
        ErrorKind::DkronNotReady,
        format!(
            "Dkron is not ready to be synced: {why}; planning now could overwrite jobs it has not read back yet"
        ),
    )
    .hint("a restarted Dkron catches up within seconds; run the command again")
    .into()
}

fn elapsed_ms(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// In direct mode at a follower: the leader's HTTP API, if it answers at the follower's port on the
/// address `/v1/leader` names (Dkron does not advertise HTTP addresses; in a cluster every node
/// serves the same port).
pub async fn find_leader(client: &DkronClient, timeout: Duration) -> Option<DkronClient> {
    let leader = client.leader().await.ok()??;
    let base = client.base_url();
    let mut candidate: Url = base.clone();
    candidate.set_host(Some(&leader.addr)).ok()?;
    if candidate == *base {
        return None;
    }
    let probe = DkronClient::new(candidate, timeout.min(Duration::from_secs(3))).ok()?;
    match probe.is_leader().await {
        Ok(true) => DkronClient::new(probe.base_url().clone(), timeout).ok(),
        _ => None,
    }
}
