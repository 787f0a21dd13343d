//! What the CLI knows about Restate: its admin API (`admin`: health, version, registered services,
//! SQL introspection of invocations), the ingress URLs a job fires at (`target`: built for a
//! sync, read back from a live job) and what the ingress answers to a fire (`ingress`). Dkron's side of the pipeline lives in `crate::dkron`.

pub mod admin;
pub mod ingress;
pub mod target;
