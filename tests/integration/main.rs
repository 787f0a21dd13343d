//! Integration tests: the real `joelclaw` binary against
//! - nothing at all (`offline`: usage and input errors, which must never reach Dkron),
//! - a scripted HTTP server (`faults`: what a real Dkron cannot be made to do on demand),
//! - the real Dkron + Restate + recorder stack of `scripts/stack.sh` (`live`),
//! - that stack's Dkron behind the real Kubernetes control plane of `scripts/kube.sh`, with kwok
//!   as the node's kubelet (`tunnel`, `deploy::install`; see `plane`),
//! - the fake apiserver of `testkit/fake-kube`, only where a real one cannot be made to misbehave
//!   on demand (`faults::kubernetes`).
//!
//! One binary, so the crate and its dependencies link once.

mod cluster;
mod deploy;
mod engine;
mod export;
mod faults;
mod hostile;
mod live;
mod next;
mod offline;
mod operate;
mod plane;
mod support;
mod truth;
mod tunnel;
mod ux;
mod validate;
