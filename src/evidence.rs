//! Gathering what Dkron and Restate know about jobs' fires, in a bounded number of requests.
//!
//! Dkron: one executions request per job, a few at a time, each output cut to its tail (where the
//! invocation id stands). Restate: the registered services once, and every invocation id in one SQL
//! query over `sys_invocation` (not one per invocation). `trace` and `audit` judge what comes back
//! (`crate::audit`).

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt, TryStreamExt};

use crate::dkron::{DkronClient, Job};
use crate::fires::{Fire, group};
use crate::restate::admin::{Invocation, QueryStats, Registry, RestateAdmin, Version};

/// How many executions requests are in flight at once: enough to hide the round trip, few enough
/// that a Dkron serving a sync at the same time does not notice.
const CONCURRENT_REQUESTS: usize = 8;

/// The tail of each execution's output that is read: Restate's `/send` body is ~80 bytes, after
/// Dkron's error line on a failure.
pub const OUTPUT_TAIL: usize = 2048;

/// One job and its retained fires (oldest first).
pub struct JobFires {
    pub job: Job,
    pub fires: Vec<Fire>,
    /// How many executions Dkron returned (it keeps at most 100).
    pub executions: usize,
}

/// Reads every job's executions.
pub async fn dkron_fires(client: &DkronClient, jobs: Vec<Job>) -> anyhow::Result<Vec<JobFires>> {
    stream::iter(jobs)
        .map(|job| async move {
            let executions = client
                .executions_with_output(&job.name, Some(OUTPUT_TAIL))
                .await?;
            let count = executions.len();
            Ok::<_, anyhow::Error>(JobFires {
                fires: group(executions),
                executions: count,
                job,
            })
        })
        .buffered(CONCURRENT_REQUESTS)
        .try_collect()
        .await
}

/// What Restate said.
pub struct RestateEvidence {
    pub version: Version,
    pub registry: Registry,
    pub invocations: BTreeMap<String, Invocation>,
    pub stats: QueryStats,
}

/// Asks Restate for its version, its services and the invocations of these ids.
pub async fn restate(admin: &RestateAdmin, ids: &[String]) -> anyhow::Result<RestateEvidence> {
    let (version, registry) = tokio::try_join!(admin.version(), admin.registry())?;
    let mut stats = QueryStats::default();
    let invocations = admin.invocations(ids, &mut stats).await?;
    Ok(RestateEvidence {
        version,
        registry,
        invocations,
        stats,
    })
}
