//! One sync of a set at a time.
//!
//! Two syncs of the same set that overlap delete each other's jobs (a prune plans against a state
//! the other is changing). So an apply holds a lock named after the set for its whole duration:
//! read, plan, write, verify. Through a tunnel it is a Kubernetes Lease
//! (`coordination.k8s.io/v1`, `joelclaw-sync-<set>` in the Dkron namespace), taken and renewed
//! with the apiserver's optimistic concurrency (a `resourceVersion` conflict means someone else
//! wrote first). In direct mode there is no apiserver, so the lock lives in Dkron: a disabled
//! `@manually` parent job `joelclaw-lock-<set>` and, per contender, a child job whose
//! `parent_job` is that parent. Dkron appends each child to the parent's `dependent_jobs` inside
//! its Raft FSM, which applies one write at a time, so that list is an order every node agrees
//! on: the first live child holds the lock (a queue lock). A child names its holder and an expiry
//! in its metadata and is renewed while held; a contender deletes an expired holder's child, and
//! Dkron refuses to delete the parent while any child exists. Both kinds expire after
//! [`LEASE`] without renewal, so a killed holder never blocks a set for longer than that.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::dkron::{DkronClient, Job};
use crate::error::{CliError, ErrorKind};
use crate::tunnel::kubernetes::{ClusterInfo, LeaseHandle};

/// How long a lock lives without renewal.
pub const LEASE: Duration = Duration::from_secs(30);
/// How often the holder renews it.
const RENEW_EVERY: Duration = Duration::from_secs(10);
/// Metadata key marking a lock job (and naming the set it locks); lock jobs are not managed jobs.
pub const LOCK_KEY: &str = "joelclaw-lock";
const HOLDER_KEY: &str = "lock-holder";
const EXPIRES_KEY: &str = "lock-expires";

/// Where the lock lives.
pub enum LockPlace {
    Lease {
        client: kube::Client,
        namespace: String,
        cluster: ClusterInfo,
    },
    Dkron(DkronClient),
}

/// A lock that is held; release it, or let it expire.
pub struct HeldLock {
    pub info: LockInfo,
    lost: Arc<AtomicBool>,
    renewer: tokio::task::JoinHandle<()>,
    place: Arc<Place>,
}

/// How the lock was taken, for the result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LockInfo {
    /// `lease` or `dkron-job`.
    pub kind: &'static str,
    pub name: String,
    pub holder: String,
    pub waited_ms: u64,
}

enum Place {
    Lease(LeaseHandle),
    Dkron {
        client: DkronClient,
        parent: String,
        child: String,
    },
}

/// Who this process is, as the holder of a lock: user, host and pid.
pub fn holder_identity() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_string());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|host| host.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string());
    format!("{user}@{host} pid {}", std::process::id())
}

/// Takes the lock of `set`, waiting up to `timeout` for another holder to finish.
pub async fn acquire(
    place: LockPlace,
    set: &str,
    timeout: Duration,
    waiting: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<HeldLock> {
    let start = Instant::now();
    let holder = holder_identity();
    let (place, kind, name) = match place {
        LockPlace::Lease {
            client,
            namespace,
            cluster,
        } => {
            let name = format!("joelclaw-sync-{set}");
            let lease = LeaseHandle::new(client, &namespace, &name, cluster);
            (Place::Lease(lease), "lease", name)
        }
        LockPlace::Dkron(client) => {
            let parent = format!("joelclaw-lock-{set}");
            let child = format!("{parent}-{:08x}", token());
            (
                Place::Dkron {
                    client,
                    parent,
                    child,
                },
                "dkron-job",
                format!("joelclaw-lock-{set}"),
            )
        }
    };
    let place = Arc::new(place);
    loop {
        match try_take(&place, set, &holder).await? {
            None => break,
            Some(other) => {
                if start.elapsed() >= timeout {
                    release_place(&place, &holder).await;
                    return Err(CliError::new(
                        ErrorKind::SyncLocked,
                        format!(
                            "another sync of set `{set}` holds the lock {name}: {other}; waited {}s",
                            timeout.as_secs()
                        ),
                    )
                    .hint(format!(
                        "wait for it to finish (a lock whose holder died expires after {}s), or raise --lock-timeout",
                        LEASE.as_secs()
                    ))
                    .into());
                }
                waiting(&format!(
                    "waiting for the lock of set `{set}`, held by {other}…"
                ));
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
    let lost = Arc::new(AtomicBool::new(false));
    let renewer = {
        let (place, lost, holder, set) =
            (place.clone(), lost.clone(), holder.clone(), set.to_string());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                match renew(&place, &set, &holder).await {
                    Ok(true) => {}
                    _ => {
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                }
            }
        })
    };
    Ok(HeldLock {
        info: LockInfo {
            kind,
            name,
            holder,
            waited_ms: u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
        },
        lost,
        renewer,
        place,
    })
}

impl HeldLock {
    /// A flag that turns true when the lock is lost, for the apply loop.
    pub fn lost_flag(&self) -> Arc<AtomicBool> {
        self.lost.clone()
    }

    pub async fn release(self) {
        self.renewer.abort();
        release_place(&self.place, &self.info.holder).await;
    }
}

fn token() -> u32 {
    // Unique enough among contenders at one moment: pid and clock.
    let nanos = Utc::now().timestamp_subsec_nanos();
    nanos ^ std::process::id().rotate_left(16)
}

fn expires_at() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(LEASE).expect("a small duration")
}

/// Tries once. `None`: taken; `Some(holder)`: someone else holds it.
async fn try_take(place: &Place, set: &str, holder: &str) -> anyhow::Result<Option<String>> {
    match place {
        Place::Lease(lease) => Ok(lease.try_take(holder, LEASE).await?),
        Place::Dkron {
            client,
            parent,
            child,
        } => {
            // The parent first (a plain upsert: contenders write the same thing, and a rewrite
            // keeps its `dependent_jobs`), then our child at the end of the queue.
            if client.get_job(parent).await?.is_none() {
                client.upsert_job(&lock_parent(parent, set)).await?;
            }
            if client.get_job(child).await?.is_none() {
                match client
                    .upsert_job(&lock_child(parent, child, set, holder))
                    .await
                {
                    Ok(()) => {}
                    // The last holder removed the parent between our two writes: start again.
                    Err(error) if error.status() == Some(reqwest::StatusCode::NOT_FOUND) => {
                        return Ok(Some("(the lock was being released)".to_string()));
                    }
                    Err(error) => return Err(error.into()),
                }
            }
            let queue = client
                .get_job(parent)
                .await?
                .map(|job| job.dependent_jobs)
                .unwrap_or_default();
            for name in queue {
                if &name == child {
                    return Ok(None);
                }
                match client.get_job(&name).await? {
                    Some(other) if !expired(&other) => {
                        return Ok(Some(
                            other
                                .metadata
                                .get(HOLDER_KEY)
                                .cloned()
                                .unwrap_or_else(|| name.clone()),
                        ));
                    }
                    // A holder that stopped renewing (killed): its place goes.
                    Some(_) => {
                        let _ = client.delete_job(&name).await;
                    }
                    None => {}
                }
            }
            // Our child is not in the queue yet (a follower's lagging copy): not taken yet.
            Ok(Some(
                "(our place in the queue is not visible yet)".to_string(),
            ))
        }
    }
}

async fn renew(place: &Place, set: &str, holder: &str) -> anyhow::Result<bool> {
    match place {
        Place::Lease(lease) => Ok(lease.renew(holder, LEASE).await?),
        Place::Dkron {
            client,
            parent,
            child,
        } => {
            client
                .upsert_job(&lock_child(parent, child, set, holder))
                .await?;
            Ok(true)
        }
    }
}

async fn release_place(place: &Place, holder: &str) {
    match place {
        Place::Lease(lease) => {
            let _ = lease.release(holder).await;
        }
        Place::Dkron {
            client,
            parent,
            child,
        } => {
            let _ = client.delete_job(child).await;
            // The parent goes with its last child; Dkron refuses (404) while another contender is
            // queued, which is what a shared lock wants.
            let _ = client.delete_job(parent).await;
        }
    }
}

fn expired(child: &Job) -> bool {
    child
        .metadata
        .get(EXPIRES_KEY)
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .is_none_or(|at| at.to_utc() < Utc::now())
}

fn lock_job(name: &str, set: &str) -> Job {
    Job {
        name: name.to_string(),
        displayname: format!("joelclaw sync lock of set {set}"),
        schedule: "@manually".to_string(),
        disabled: true,
        metadata: [(LOCK_KEY.to_string(), set.to_string())].into(),
        ..Job::default()
    }
}

fn lock_parent(name: &str, set: &str) -> Job {
    lock_job(name, set)
}

fn lock_child(parent: &str, child: &str, set: &str, holder: &str) -> Job {
    let mut job = lock_job(child, set);
    job.schedule = String::new();
    job.parent_job = parent.to_string();
    job.metadata
        .insert(HOLDER_KEY.to_string(), holder.to_string());
    job.metadata.insert(
        EXPIRES_KEY.to_string(),
        expires_at().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    job
}
