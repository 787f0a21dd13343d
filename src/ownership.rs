//! The one ownership rule every command applies: a job is this tool's to change when it carries
//! `managed-by = joelclaw` **and** belongs to the set in play — the file's `[defaults] set` for
//! `sync-tier1`, `enable-health`, `create` and `export`, `--set` for `delete`, `pause` and
//! `resume` (default: the shipped file's set, `tier1`). Anything else needs `--force`. A job of
//! another set is someone else's file's job: `sync-tier1` of that file would put it back.

use std::fmt;

use crate::dkron::Job;

/// The set of the shipped `tier1.toml`, which commands without a file default to.
pub const DEFAULT_SET: &str = "tier1";

/// Who a live job belongs to, seen from one set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ownership {
    /// Managed by joelclaw, of the set in play.
    Owned,
    /// Managed by joelclaw, of another set.
    OtherSet(String),
    /// Managed by joelclaw without a set (written by hand or by an old version).
    ManagedWithoutSet,
    /// Not managed by joelclaw.
    Foreign,
}

impl Ownership {
    /// The ownership of `job` for the set in play.
    pub fn of(job: &Job, set: &str) -> Self {
        match job.set() {
            Some(own) if own == set => Self::Owned,
            Some(other) => Self::OtherSet(other.to_string()),
            None if job.is_managed() => Self::ManagedWithoutSet,
            None => Self::Foreign,
        }
    }

    pub fn is_owned(&self) -> bool {
        *self == Self::Owned
    }
}

impl fmt::Display for Ownership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Owned => f.write_str("owned by this set"),
            Self::OtherSet(set) => write!(f, "owned by set `{set}`"),
            Self::ManagedWithoutSet => f.write_str("managed by joelclaw without a set"),
            Self::Foreign => f.write_str("not managed by joelclaw"),
        }
    }
}

/// The refusal of a command that changes one job, when the job is not owned.
pub fn refusal(name: &str, ownership: &Ownership, set: &str) -> crate::error::CliError {
    let hint = match ownership {
        Ownership::OtherSet(other) => format!(
            "it belongs to set `{other}`: pass --set {other} if that is the set you mean, or --force"
        ),
        _ => "pass --force to change it anyway".to_string(),
    };
    let name = crate::terminal::safe(name);
    let message = match ownership {
        Ownership::Foreign => format!(
            "`{name}` is not managed by joelclaw (its metadata has no managed-by = joelclaw)"
        ),
        _ => format!("`{name}` is {ownership}, not by set `{set}`"),
    };
    crate::error::CliError::new(crate::error::ErrorKind::NotOwned, message).hint(hint)
}

/// The value parser of `--set`: the manifest's rule for a set name.
pub fn set_arg(text: &str) -> Result<String, String> {
    crate::schedule_file::check_name(text)
        .map(|()| text.to_string())
        .map_err(|_| format!("`{text}` may use only a-z, 0-9, `_` and `-`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(metadata: &[(&str, &str)]) -> Job {
        Job {
            name: "j".to_string(),
            metadata: metadata
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect(),
            ..Job::default()
        }
    }

    #[test]
    fn owned_means_managed_and_of_the_set_in_play() {
        let managed = [("managed-by", "joelclaw"), ("set", "tier1")];
        assert_eq!(Ownership::of(&job(&managed), "tier1"), Ownership::Owned);
        assert_eq!(
            Ownership::of(&job(&managed), "manual"),
            Ownership::OtherSet("tier1".to_string())
        );
        assert_eq!(
            Ownership::of(&job(&[("managed-by", "joelclaw")]), "tier1"),
            Ownership::ManagedWithoutSet
        );
        assert_eq!(
            Ownership::of(&job(&[("set", "tier1")]), "tier1"),
            Ownership::Foreign
        );
    }
}
