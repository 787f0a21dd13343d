//! The sync service: make Dkron's jobs match a set of job definitions. `sync-tier1`, `create` and
//! `enable-health` are all syncs (of a file, or of one entry), and only this module does it.
//!
//! The story of one sync: find where to read and write (in direct mode at a follower, the leader
//! if it answers) and wait until Dkron's store can be trusted (`ready`); for an apply, take the
//! set's lock (`lock`), so that no other sync of the set changes it meanwhile; read every job once
//! and plan (`plan`); refuse a prune that would empty the set or most of it unless told; apply the
//! writes concurrently and prove them (`apply`); trigger runs if asked; release the lock. Every job
//! gets an outcome, also when the sync stops early. Ownership is the safety rule throughout: only
//! jobs with `managed-by = joelclaw` and this set are changed or pruned without `--force`.

mod apply;
pub mod lock;
mod plan;
pub mod ready;
pub mod report;

use std::time::Duration;

use serde::Serialize;

pub use self::apply::{Applied, JobOutcome, Stopped};
use self::apply::{Bounds, Watch};
use self::lock::{HeldLock, LockInfo, LockPlace};
pub use self::plan::{Action, Live, PlanItem, PlanOptions, plan};
use self::ready::Readiness;
use crate::dkron::{DkronClient, RunWait};
use crate::schedule_file::JobDef;
use crate::tunnel::DkronAccess;

/// How a sync was asked to behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Apply,
    DryRun,
    Check,
}

/// Everything that shapes a sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub mode: Mode,
    /// Consider owned jobs of the set that the definitions no longer list (`sync-tier1`), rather
    /// than only the listed ones (`create`, `enable-health`).
    pub whole_set: bool,
    /// Delete owned jobs of the set that the definitions no longer list.
    pub prune: bool,
    /// Allow a prune that deletes every job of the set, or more than half of a set of more than
    /// [`SMALL_SET`] jobs.
    pub prune_all: bool,
    /// Adopt jobs with a wanted name that this tool does not own (or another set owns).
    pub force: bool,
    /// Trigger each synced, enabled job once after the writes.
    pub run_now: bool,
    /// Writes in flight at once.
    pub concurrency: usize,
    /// The whole command's budget.
    pub deadline: Duration,
    /// How long to wait for another sync of the set to finish.
    pub lock_timeout: Duration,
    /// Budget of each request (for probing a leader).
    pub request_timeout: Duration,
}

impl SyncOptions {
    /// A sync of the listed definitions only (`create`, `enable-health`): no prune, the default
    /// bounds.
    pub fn listed(force: bool, run_now: bool, request_timeout: Duration) -> Self {
        Self {
            mode: Mode::Apply,
            whole_set: false,
            prune: false,
            prune_all: false,
            force,
            run_now,
            concurrency: DEFAULT_CONCURRENCY,
            deadline: Duration::from_secs(600),
            lock_timeout: Duration::from_secs(60),
            request_timeout,
        }
    }
}

/// Writes in flight at once by default: the bench (scripts/bench-sync) finds Dkron's commit rate
/// flat from 16 on, on loopback and on 2 cores; fewer leaves it idle between Raft commits.
pub const DEFAULT_CONCURRENCY: usize = 16;
/// A prune may take at most half of a set larger than this without --prune-all.
pub const SMALL_SET: usize = 3;
/// Transport failures in a row that stop a sync.
const FAILURES_IN_A_ROW: usize = 3;

/// What the caller lets the sync use to report progress and to be told to stop.
pub struct Hooks<'a> {
    pub progress: &'a (dyn Fn(&str) + Sync),
    pub interrupted: tokio_util::sync::CancellationToken,
}

/// Why a prune was refused.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PruneRefusal {
    pub message: String,
    /// The jobs it would have deleted.
    pub would_delete: Vec<String>,
    pub set_size: usize,
}

/// A run triggered after the writes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunOutcome {
    pub ok: bool,
    pub error: Option<String>,
}

/// What a sync did.
pub struct Synced {
    pub items: Vec<PlanItem>,
    /// Per item, in apply mode.
    pub outcomes: Option<Vec<JobOutcome>>,
    /// Per item, with `run_now`.
    pub runs: Vec<Option<RunOutcome>>,
    pub writes: usize,
    pub stopped: Option<Stopped>,
    pub refused: Option<PruneRefusal>,
    pub lock: Option<LockInfo>,
    pub readiness: Readiness,
    pub verification_reads: usize,
    /// Where the writes went (the leader's URL in direct mode at a follower, when found).
    pub written_to: String,
    /// Requests sent to Dkron by the sync (readiness, lock, list, writes, proofs, runs).
    pub dkron_requests: usize,
}

/// Runs one sync of `defs` (all of `set`).
pub async fn sync(
    access: &DkronAccess,
    defs: &[JobDef],
    set: &str,
    options: &SyncOptions,
    hooks: &Hooks<'_>,
) -> anyhow::Result<Synced> {
    let started = tokio::time::Instant::now();
    let deadline = started + options.deadline;

    // Where to read and write, and whether its store can be trusted yet.
    let mut client = access.client.clone();
    (hooks.progress)("waiting for Dkron's store to be ready…");
    let mut readiness = ready::wait_until_ready(&client).await?;
    if !readiness.leader
        && access.kubernetes.is_none()
        && let Some(leader) = ready::find_leader(&client, options.request_timeout).await
    {
        client = leader;
        readiness = ready::wait_until_ready(&client).await?;
        readiness.leader_url = Some(crate::tunnel::display_base(client.base_url()));
    }

    // An apply holds the set's lock from before it reads until after it has verified.
    let lock = match options.mode {
        Mode::Apply => Some(take_lock(access, &client, set, options, hooks).await?),
        Mode::DryRun | Mode::Check => None,
    };
    let synced = plan_and_apply(
        &client, defs, set, options, hooks, &lock, deadline, readiness,
    )
    .await;
    let lock_info = lock.as_ref().map(|lock| lock.info.clone());
    if let Some(lock) = lock {
        lock.release().await;
    }
    let mut synced = synced?;
    synced.lock = lock_info;
    // The access's client and, in direct mode at a follower, the leader's share no endpoint.
    synced.dkron_requests = access.client.requests_sent()
        + if client.base_url() == access.client.base_url() {
            0
        } else {
            client.requests_sent()
        };
    Ok(synced)
}

async fn take_lock(
    access: &DkronAccess,
    client: &DkronClient,
    set: &str,
    options: &SyncOptions,
    hooks: &Hooks<'_>,
) -> anyhow::Result<HeldLock> {
    let place = match &access.kubernetes {
        Some(resolver) => LockPlace::Lease {
            client: resolver.client.clone(),
            namespace: resolver.namespace.clone(),
            cluster: resolver.cluster.clone(),
        },
        None => LockPlace::Dkron(client.clone()),
    };
    lock::acquire(place, set, options.lock_timeout, hooks.progress).await
}

#[allow(clippy::too_many_arguments)]
async fn plan_and_apply(
    client: &DkronClient,
    defs: &[JobDef],
    set: &str,
    options: &SyncOptions,
    hooks: &Hooks<'_>,
    lock: &Option<HeldLock>,
    deadline: tokio::time::Instant,
    readiness: Readiness,
) -> anyhow::Result<Synced> {
    (hooks.progress)("reading Dkron's jobs…");
    let live = Live::fetch(client, defs).await?;
    let items = plan(
        defs,
        &live,
        PlanOptions {
            set,
            whole_set: options.whole_set,
            prune: options.prune,
            force: options.force,
        },
    );
    let mut synced = Synced {
        runs: vec![None; items.len()],
        outcomes: None,
        writes: 0,
        stopped: None,
        refused: refuse_prune(&items, defs, set, options),
        lock: None,
        readiness,
        verification_reads: 0,
        written_to: crate::tunnel::display_base(client.base_url()),
        dkron_requests: 0,
        items,
    };
    if options.mode != Mode::Apply || synced.refused.is_some() {
        return Ok(synced);
    }
    let bounds = Bounds {
        concurrency: options.concurrency.max(1),
        deadline,
        deadline_seconds: options.deadline.as_secs(),
        failures_in_a_row: FAILURES_IN_A_ROW,
        drain: Duration::from_secs(5),
        converge: Duration::from_secs(10),
    };
    let watch = Watch {
        interrupted: hooks.interrupted.clone(),
        lock_lost: lock.as_ref().map(HeldLock::lost_flag),
    };
    let progress = |finished: usize, total: usize, writes: usize| {
        (hooks.progress)(&format!("sync {finished}/{total}: {writes} written"));
    };
    let applied = apply::apply(
        client,
        &synced.items,
        &bounds,
        &watch,
        synced.readiness.leader,
        &progress,
    )
    .await;
    synced.writes = applied.writes;
    synced.stopped = applied.stopped;
    synced.verification_reads = applied.verification_reads;
    if options.run_now && synced.stopped.is_none() {
        synced.runs = run_synced(client, &synced.items, &applied.outcomes, hooks).await;
    }
    synced.outcomes = Some(applied.outcomes);
    Ok(synced)
}

/// A prune that would empty the set, or take most of a larger one, or come from definitions that
/// list no job at all, is refused unless `--prune-all` says it is meant.
fn refuse_prune(
    items: &[PlanItem],
    defs: &[JobDef],
    set: &str,
    options: &SyncOptions,
) -> Option<PruneRefusal> {
    if !options.prune || options.prune_all {
        return None;
    }
    let would_delete: Vec<String> = items
        .iter()
        .filter(|item| item.action == Action::Delete)
        .map(|item| item.name.clone())
        .collect();
    let set_size = items
        .iter()
        .filter(|item| item.live.as_ref().is_some_and(|job| job.set() == Some(set)))
        .count();
    let message = if defs.is_empty() {
        format!(
            "the file lists no jobs, so --prune would delete every job of set `{set}` ({}); a file with no jobs is refused for --prune (an empty or truncated file looks the same)",
            would_delete.len()
        )
    } else if !would_delete.is_empty() && would_delete.len() == set_size {
        format!(
            "--prune would delete every job of set `{set}` ({}) and keep none",
            would_delete.len()
        )
    } else if would_delete.len() > SMALL_SET && would_delete.len() * 2 > set_size {
        format!(
            "--prune would delete {} of the {set_size} jobs of set `{set}`, more than half",
            would_delete.len()
        )
    } else {
        return None;
    };
    Some(PruneRefusal {
        message,
        would_delete,
        set_size,
    })
}

/// Runs each enabled job that the sync left as the file says (Dkron refuses to run a disabled
/// job), a few at a time: each run blocks until the execution ends.
async fn run_synced(
    client: &DkronClient,
    items: &[PlanItem],
    outcomes: &[JobOutcome],
    hooks: &Hooks<'_>,
) -> Vec<Option<RunOutcome>> {
    use futures::stream::{self, StreamExt};
    let runnable: Vec<usize> = (0..items.len())
        .filter(|index| {
            let item = &items[*index];
            outcomes[*index].applied.ok()
                && item.def.as_ref().is_some_and(|def| def.enabled)
                && item
                    .rendered
                    .as_ref()
                    .is_some_and(|rendered| !rendered.disabled)
        })
        .collect();
    (hooks.progress)(&format!("running {} jobs…", runnable.len()));
    let ran: Vec<(usize, RunOutcome)> = stream::iter(runnable)
        .map(|index| async move {
            let item = &items[index];
            let job = item
                .rendered
                .as_ref()
                .expect("a runnable item is rendered")
                .onto(item.live.as_ref());
            (index, run_one(client, &job).await)
        })
        .buffer_unordered(4)
        .collect()
        .await;
    let mut runs = vec![None; items.len()];
    for (index, outcome) in ran {
        runs[index] = Some(outcome);
    }
    runs
}

async fn run_one(client: &DkronClient, job: &crate::dkron::Job) -> RunOutcome {
    let failed = |error: String| RunOutcome {
        ok: false,
        error: Some(error),
    };
    match client.trigger(job, RunWait::Finished).await {
        Err(error) => {
            let hint = error
                .hint()
                .map(|hint| format!(" ({hint})"))
                .unwrap_or_default();
            failed(format!("{error}{hint}"))
        }
        Ok(triggered) => match triggered.execution {
            None => failed("the run ended but Dkron recorded no execution for it".to_string()),
            Some(last) if last.success => RunOutcome {
                ok: true,
                error: None,
            },
            Some(last) => {
                let output = last.output.trim();
                failed(format!(
                    "the execution failed on {} (attempt {}): {}",
                    last.node_name,
                    last.attempt,
                    if output.is_empty() {
                        "(no output)"
                    } else {
                        output
                    }
                ))
            }
        },
    }
}
