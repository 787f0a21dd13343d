//! Integration tests: the real `joelclaw` binary against
//! - nothing at all (`offline`: usage and input errors, which must never reach Dkron),
//! - a scripted HTTP server (`faults`: what a real Dkron cannot be made to do on demand),
//! - the real Dkron + Restate + recorder stack of `scripts/stack.sh` (`live`),
//! - that stack's Dkron behind the fake Kubernetes apiserver + kubelet (`tunnel`).
//!
//! One binary, so the crate and its dependencies link once.

mod deploy;
mod export;
mod faults;
mod hostile;
mod live;
mod next;
mod offline;
mod operate;
mod support;
mod truth;
mod tunnel;
mod validate;
