//! Applying a plan: the writes, concurrently and bounded, then the reads that prove them.
//!
//! Writes go out `concurrency` at a time (Dkron commits each through Raft and handles many at
//! once; one at a time it idles), each a full replacement built from the live job the plan read,
//! so nothing is asked that the plan does not need. A failed job does not stop the others. What
//! stops new writes: the deadline of the whole command, repeated transport failures (a frozen or
//! unreachable Dkron: the jobs not yet sent are reported as not attempted, in seconds, not one
//! request timeout per job), the lock being lost, or a signal (writes in flight get a moment to
//! finish; those still out are reported as unknown). Then one list proves every write; only a job
//! that does not match is read again, and on a follower (whose copy lags the leader) the reads are
//! repeated until they converge or a bound passes — a job Dkron accepted is never called failed
//! for a stale read, but "written, not verified".

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use serde::Serialize;
use tokio::time::Instant;

use super::plan::{Action, PlanItem};
use crate::dkron::{DkronClient, DkronError, Job, MANAGED_BY_KEY, MANAGED_BY_VALUE};

/// How one job fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applied {
    /// Written, and a read shows what was written.
    Written,
    /// Deleted, and a read shows it gone.
    Deleted,
    /// Nothing to write.
    Unchanged,
    /// Left alone by design (a stale job without --prune).
    Kept,
    /// Not written: the name belongs to someone else (a conflict without --force).
    Conflict,
    /// The write (or the read proving it) failed; `error` says why.
    Failed,
    /// Dkron accepted the write, but no read showed it within the bound (a lagging follower).
    Unverified,
    /// Never sent: the sync stopped first (deadline, repeated failures, lost lock, signal).
    NotAttempted,
    /// Sent when the sync stopped, with no answer: it may or may not have been written.
    Unknown,
}

impl Applied {
    /// True when the job is as the plan wanted (or was left alone on purpose).
    pub fn ok(self) -> bool {
        matches!(
            self,
            Self::Written | Self::Deleted | Self::Unchanged | Self::Kept
        )
    }
}

/// One job's outcome.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobOutcome {
    pub applied: Applied,
    pub error: Option<String>,
}

/// Why the sync stopped sending writes before the end of the plan.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub enum Stopped {
    /// The whole command's `--deadline` passed.
    Deadline { seconds: u64 },
    /// Several writes in a row got no answer: Dkron is down, frozen or unreachable.
    RepeatedFailures { count: usize, last: String },
    /// A signal (Ctrl-C, SIGTERM).
    Interrupted,
    /// The set's lock could not be renewed: another sync may hold it now.
    LockLost,
}

/// How applying is bounded.
#[derive(Debug, Clone)]
pub struct Bounds {
    pub concurrency: usize,
    pub deadline: Instant,
    pub deadline_seconds: u64,
    /// Transport failures in a row that stop new writes.
    pub failures_in_a_row: usize,
    /// How long writes in flight may finish after a signal.
    pub drain: Duration,
    /// How long reads of a follower may take to show the writes.
    pub converge: Duration,
}

/// What `apply` reports.
pub struct AppliedPlan {
    pub outcomes: Vec<JobOutcome>,
    /// Write requests Dkron accepted.
    pub writes: usize,
    pub stopped: Option<Stopped>,
    /// Reads made to verify the writes (lists and single jobs).
    pub verification_reads: usize,
}

/// Signals the apply loop watches besides its own deadline.
pub struct Watch {
    pub interrupted: tokio_util::sync::CancellationToken,
    pub lock_lost: Option<Arc<AtomicBool>>,
}

/// Applies the plan's writes and verifies them. `leader` says whether `client` reads from the Raft
/// leader (its reads are authoritative right after a write) or from a follower.
pub async fn apply(
    client: &DkronClient,
    items: &[PlanItem],
    bounds: &Bounds,
    watch: &Watch,
    leader: bool,
    progress: &(dyn Fn(usize, usize, usize) + Sync),
) -> AppliedPlan {
    let mut outcomes: Vec<Option<JobOutcome>> = items
        .iter()
        .map(|item| match item.action {
            Action::Unchanged => Some(done(Applied::Unchanged)),
            Action::Stale => Some(done(Applied::Kept)),
            Action::Conflict => Some(JobOutcome {
                applied: Applied::Conflict,
                error: Some(format!(
                    "not written: {}",
                    item.reason.as_deref().unwrap_or("the name is taken")
                )),
            }),
            Action::Create | Action::Update | Action::Delete => None,
        })
        .collect();
    let to_write: Vec<usize> = (0..items.len())
        .filter(|index| outcomes[*index].is_none())
        .collect();
    let total = to_write.len();
    let mut queue = to_write.iter().copied();
    let mut in_flight = FuturesUnordered::new();
    let mut stopped: Option<Stopped> = None;
    let mut drain_until: Option<Instant> = None;
    let mut failures_in_a_row = 0;
    let mut writes = 0;
    let mut finished = 0;
    // Accepted writes waiting for their proof: index -> what was written.
    let mut accepted: BTreeMap<usize, Option<Job>> = BTreeMap::new();
    let mut sent = vec![false; items.len()];
    loop {
        while stopped.is_none() && in_flight.len() < bounds.concurrency {
            let Some(index) = queue.next() else { break };
            let item = &items[index];
            sent[index] = true;
            in_flight.push(async move { (index, write(client, item).await) });
        }
        if in_flight.is_empty() {
            break;
        }
        let lock_lost = watch
            .lock_lost
            .as_ref()
            .is_some_and(|lost| lost.load(Ordering::SeqCst));
        if lock_lost && stopped.is_none() {
            stopped = Some(Stopped::LockLost);
        }
        let until = drain_until.unwrap_or(bounds.deadline).min(bounds.deadline);
        tokio::select! {
            next = in_flight.next() => {
                let Some((index, result)) = next else { break };
                finished += 1;
                match result {
                    Ok(written) => {
                        writes += 1;
                        failures_in_a_row = 0;
                        accepted.insert(index, written);
                    }
                    Err(error) => {
                        let transport = matches!(
                            error,
                            DkronError::Unreachable { .. } | DkronError::TimedOut { .. } | DkronError::Carrier { .. }
                        );
                        failures_in_a_row = if transport { failures_in_a_row + 1 } else { 0 };
                        let text = redact(&items[index], &error.to_string());
                        if transport && failures_in_a_row >= bounds.failures_in_a_row && stopped.is_none() {
                            stopped = Some(Stopped::RepeatedFailures {
                                count: failures_in_a_row,
                                last: text.clone(),
                            });
                        }
                        outcomes[index] = Some(JobOutcome { applied: Applied::Failed, error: Some(text) });
                    }
                }
                progress(finished, total, writes);
            }
            () = tokio::time::sleep_until(until) => {
                if stopped.is_none() {
                    stopped = Some(Stopped::Deadline { seconds: bounds.deadline_seconds });
                }
                break;
            }
            () = watch.interrupted.cancelled(), if stopped.is_none() => {
                stopped = Some(Stopped::Interrupted);
                drain_until = Some(Instant::now() + bounds.drain);
            }
            // The lock flag is polled, not awaited: look again every second.
            () = tokio::time::sleep(Duration::from_secs(1)), if watch.lock_lost.is_some() => {}
        }
    }
    // What is still out when the loop ends had no answer.
    drop(in_flight);
    for (index, outcome) in outcomes.iter_mut().enumerate() {
        if outcome.is_none() && !accepted.contains_key(&index) {
            *outcome = Some(JobOutcome {
                applied: if sent[index] {
                    Applied::Unknown
                } else {
                    Applied::NotAttempted
                },
                error: Some(match &stopped {
                    Some(Stopped::Deadline { seconds }) => {
                        format!("the {seconds}s deadline passed")
                    }
                    Some(Stopped::RepeatedFailures { count, .. }) => {
                        format!("{count} writes in a row got no answer")
                    }
                    Some(Stopped::Interrupted) => "interrupted".to_string(),
                    Some(Stopped::LockLost) => "the set's lock was lost".to_string(),
                    None => "not sent".to_string(),
                }),
            });
        }
    }
    let (verified, reads) = verify(client, items, &accepted, leader, bounds).await;
    for (index, outcome) in verified {
        outcomes[index] = Some(outcome);
    }
    AppliedPlan {
        outcomes: outcomes
            .into_iter()
            .map(|outcome| outcome.expect("every job has an outcome"))
            .collect(),
        writes,
        stopped,
        verification_reads: reads,
    }
}

fn done(applied: Applied) -> JobOutcome {
    JobOutcome {
        applied,
        error: None,
    }
}

/// Secrets from the environment never reach an error text.
fn redact(item: &PlanItem, text: &str) -> String {
    match &item.rendered {
        Some(rendered) => rendered.redact(text),
        None => text.to_string(),
    }
}

/// One write: the full replacement, or the delete. Returns what was written (for the proof).
async fn write(client: &DkronClient, item: &PlanItem) -> Result<Option<Job>, DkronError> {
    match (item.action, &item.rendered) {
        (Action::Create | Action::Update, Some(rendered)) => {
            let job = rendered.onto(item.live.as_ref());
            client.upsert_job(&job).await?;
            Ok(Some(job))
        }
        (Action::Delete, _) => client.delete_job(&item.name).await.map(|_| None),
        _ => Ok(None),
    }
}

/// Proves the accepted writes with one list (then single reads of what does not match, repeated
/// on a follower until it converges).
async fn verify(
    client: &DkronClient,
    items: &[PlanItem],
    accepted: &BTreeMap<usize, Option<Job>>,
    leader: bool,
    bounds: &Bounds,
) -> (Vec<(usize, JobOutcome)>, usize) {
    if accepted.is_empty() {
        return (Vec::new(), 0);
    }
    let mut reads = 0;
    let mut pending: Vec<usize> = accepted.keys().copied().collect();
    let mut results = Vec::new();
    let give_up = Instant::now() + bounds.converge;
    let mut first = true;
    loop {
        reads += 1;
        // One read of everything on the first round and whenever many remain; single reads
        // when a few do.
        let stored: Result<BTreeMap<String, Job>, DkronError> = if first || pending.len() > 8 {
            client
                .list_jobs(&[(MANAGED_BY_KEY, MANAGED_BY_VALUE)])
                .await
                .map(|jobs| {
                    jobs.into_iter()
                        .map(|job| (job.name.clone(), job))
                        .collect()
                })
        } else {
            let mut found = BTreeMap::new();
            let mut failed = None;
            for index in &pending {
                reads += 1;
                match client.get_job(&items[*index].name).await {
                    Ok(Some(job)) => {
                        found.insert(job.name.clone(), job);
                    }
                    Ok(None) => {}
                    Err(error) => failed = Some(error),
                }
            }
            match failed {
                Some(error) if found.is_empty() => Err(error),
                _ => Ok(found),
            }
        };
        first = false;
        let stored = match stored {
            Ok(stored) => stored,
            Err(error) => {
                if Instant::now() >= give_up {
                    for index in pending.drain(..) {
                        results.push((
                            index,
                            unverified(&items[index], &format!("the read-back failed: {error}")),
                        ));
                    }
                    break;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        let mut still = Vec::new();
        for index in pending {
            let item = &items[index];
            match (item.action, stored.get(&item.name), &item.rendered) {
                (Action::Delete, None, _) => results.push((index, done(Applied::Deleted))),
                (Action::Delete, Some(_), _) => still.push(index),
                (_, Some(job), Some(rendered)) if rendered.diff(job).is_empty() => {
                    results.push((index, done(Applied::Written)));
                }
                _ => still.push(index),
            }
        }
        pending = still;
        if pending.is_empty() {
            break;
        }
        if leader || Instant::now() >= give_up {
            for index in pending.drain(..) {
                let item = &items[index];
                let outcome = if leader {
                    // The leader applied the write before it answered: what it shows now is
                    // what it stored.
                    JobOutcome {
                        applied: Applied::Failed,
                        error: Some(
                            match (item.action, stored.get(&item.name), &item.rendered) {
                                (Action::Delete, Some(_), _) => {
                                    "read-back still finds the job after the delete".to_string()
                                }
                                (_, None, _) => {
                                    "read-back found no job right after the write".to_string()
                                }
                                (_, Some(job), Some(rendered)) => {
                                    let fields: Vec<String> = rendered
                                        .diff(job)
                                        .into_iter()
                                        .map(|change| change.field)
                                        .collect();
                                    format!(
                                        "read-back differs from what was written in {}",
                                        fields.join(", ")
                                    )
                                }
                                _ => "read-back does not show the write".to_string(),
                            },
                        ),
                    }
                } else {
                    unverified(item, "the follower's copy did not show the write in time")
                };
                results.push((index, outcome));
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    (results, reads)
}

fn unverified(item: &PlanItem, why: &str) -> JobOutcome {
    JobOutcome {
        applied: Applied::Unverified,
        error: Some(format!(
            "Dkron accepted the {} but {why}; `sync-tier1 --check` shows whether it is stored",
            if item.action == Action::Delete {
                "delete"
            } else {
                "write"
            }
        )),
    }
}
