//! The plan: what a sync would do to each job.
//!
//! A plan compares each rendered definition with the live job of the same name and decides one
//! action per job. Ownership is the safety rule: a job is ours only when it carries
//! `managed-by = joelclaw` and our `set`; anything else with a wanted name is a conflict unless the
//! user forces adoption, and pruning only ever considers jobs of our own set. Planning is pure and
//! linear in the number of jobs (names are looked up in maps); applying is `super::apply`'s.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::dkron::{DkronClient, Job};
use crate::ownership::Ownership;
use crate::schedule_file::JobDef;
use crate::schedule_file::render::{FieldChange, Rendered, render};

/// What a plan does with one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Not in Dkron: write it.
    Create,
    /// In Dkron and ours, with a controlled field that differs: rewrite it.
    Update,
    /// In Dkron and ours, matching the file.
    Unchanged,
    /// Ours (this set), gone from the file, and `--prune` was given: delete it.
    Delete,
    /// Ours (this set), gone from the file, no `--prune`: left alone, reported as drift.
    Stale,
    /// The name is taken by a job we do not own (or another set owns): left alone.
    Conflict,
}

impl Action {
    /// True when the live state differs from the file.
    pub fn is_drift(self) -> bool {
        !matches!(self, Self::Unchanged)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Unchanged => "unchanged",
            Self::Delete => "delete",
            Self::Stale => "stale",
            Self::Conflict => "conflict",
        }
    }
}

/// One job's line in a plan.
#[derive(Debug, Clone)]
pub struct PlanItem {
    pub name: String,
    pub action: Action,
    pub changes: Vec<FieldChange>,
    /// Why a job is stale or conflicting.
    pub reason: Option<String>,
    pub rendered: Option<Rendered>,
    pub def: Option<JobDef>,
    pub live: Option<Job>,
}

/// Live jobs relevant to a plan.
#[derive(Debug, Default)]
pub struct Live {
    /// Every job with `managed-by = joelclaw`, by name.
    pub managed: BTreeMap<String, Job>,
    /// Jobs we do not manage whose names the definitions want, by name.
    pub foreign: BTreeMap<String, Job>,
}

impl Live {
    /// Reads what a plan needs in one request: every job (a wanted name may be taken by a job we
    /// do not manage, and the list already says so; no request per name).
    pub async fn fetch(client: &DkronClient, defs: &[JobDef]) -> anyhow::Result<Self> {
        Ok(Self::from_jobs(client.list_jobs(&[]).await?, defs))
    }

    /// Sorts listed jobs into ours and the foreign ones whose names the definitions want.
    pub fn from_jobs(jobs: Vec<Job>, defs: &[JobDef]) -> Self {
        let wanted: BTreeSet<&str> = defs.iter().map(|def| def.name.as_str()).collect();
        let mut live = Self::default();
        for job in jobs {
            if job.is_managed() {
                live.managed.insert(job.name.clone(), job);
            } else if wanted.contains(job.name.as_str()) {
                live.foreign.insert(job.name.clone(), job);
            }
        }
        live
    }
}

/// How a plan treats jobs outside the file.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions<'a> {
    pub set: &'a str,
    /// Consider owned jobs of `set` that the file no longer lists (`sync-tier1`; not `create`).
    pub whole_set: bool,
    pub prune: bool,
    /// Adopt jobs we do not own (or that another set owns) instead of reporting a conflict.
    pub force: bool,
}

/// Computes the plan: the file's jobs in file order, then jobs of our set the file dropped.
pub fn plan(defs: &[JobDef], live: &Live, options: PlanOptions<'_>) -> Vec<PlanItem> {
    let mut items: Vec<PlanItem> = defs
        .iter()
        .map(|def| {
            let mut rendered = render(def);
            let existing = live.managed.get(&def.name).or(live.foreign.get(&def.name));
            let (action, changes, reason) = match existing {
                None => (Action::Create, Vec::new(), None),
                Some(job) => {
                    let owner = Ownership::of(job, options.set);
                    let ours = owner.is_owned();
                    // A pause outlives syncs: the file's `enabled = true` does not silently undo
                    // it; only `resume` does. The plan says so.
                    let paused = job.pause().filter(|_| ours && !rendered.disabled);
                    if paused.is_some() {
                        rendered.disabled = true;
                    }
                    let paused = paused.map(|pause| {
                        format!(
                            "paused {pause}: kept disabled; `joelclaw restate cron resume {}` re-enables it",
                            def.name
                        )
                    });
                    let changes = rendered.diff(job);
                    if !ours && !options.force {
                        // Nothing will be written, so nothing of the other owner's job is shown.
                        (
                            Action::Conflict,
                            Vec::new(),
                            Some(format!("{owner}; --force adopts it")),
                        )
                    } else if changes.is_empty() {
                        (Action::Unchanged, changes, paused)
                    } else {
                        let reason = (!ours)
                            .then(|| format!("adopting a job {owner}"))
                            .or(paused);
                        (Action::Update, changes, reason)
                    }
                }
            };
            PlanItem {
                name: def.name.clone(),
                action,
                changes,
                reason,
                rendered: Some(rendered),
                def: Some(def.clone()),
                live: existing.cloned(),
            }
        })
        .collect();
    if options.whole_set {
        let listed: BTreeSet<&str> = defs.iter().map(|def| def.name.as_str()).collect();
        for job in live.managed.values() {
            if job.set() == Some(options.set) && !listed.contains(job.name.as_str()) {
                let (action, reason) = if options.prune {
                    (Action::Delete, "gone from the file".to_string())
                } else {
                    (
                        Action::Stale,
                        "gone from the file; --prune deletes it".to_string(),
                    )
                };
                items.push(PlanItem {
                    name: job.name.clone(),
                    action,
                    changes: Vec::new(),
                    reason: Some(reason),
                    rendered: None,
                    def: None,
                    live: Some(job.clone()),
                });
            }
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule_file::{Overrides, parse};
    use std::path::Path;

    fn defs(names: &[&str]) -> Vec<JobDef> {
        let mut source = String::from("[defaults]\nrestate_url = \"http://r:8080\"\n");
        for name in names {
            source.push_str(&format!(
                "[[jobs]]\nname = \"{name}\"\nschedule = \"@every 1m\"\nservice = \"s\"\nhandler = \"h\"\n"
            ));
        }
        parse(&source, Path::new("t.toml"), &Overrides::default(), &|_| {
            None
        })
        .unwrap()
        .jobs
    }

    fn options(prune: bool, force: bool) -> PlanOptions<'static> {
        PlanOptions {
            set: "tier1",
            whole_set: true,
            prune,
            force,
        }
    }

    fn live_from(defs: &[JobDef]) -> Live {
        let mut live = Live::default();
        for def in defs {
            let job = render(def).onto(None);
            live.managed.insert(job.name.clone(), job);
        }
        live
    }

    fn actions(items: &[PlanItem]) -> Vec<(String, Action)> {
        items
            .iter()
            .map(|item| (item.name.clone(), item.action))
            .collect()
    }

    #[test]
    fn an_applied_file_plans_as_unchanged() {
        let wanted = defs(&["a", "b"]);
        let items = plan(&wanted, &live_from(&wanted), options(true, false));
        assert!(items.iter().all(|item| item.action == Action::Unchanged));
    }

    #[test]
    fn dropped_jobs_of_our_set_are_stale_or_pruned_and_others_untouched() {
        let mut live = live_from(&defs(&["a", "gone"]));
        let mut other_set = render(&defs(&["theirs"])[0]).onto(None);
        other_set.metadata.insert("set".into(), "other".into());
        live.managed.insert("theirs".into(), other_set);
        let wanted = defs(&["a", "new"]);
        assert_eq!(
            actions(&plan(&wanted, &live, options(false, false))),
            vec![
                ("a".into(), Action::Unchanged),
                ("new".into(), Action::Create),
                ("gone".into(), Action::Stale)
            ]
        );
        assert_eq!(
            plan(&wanted, &live, options(true, false))[2].action,
            Action::Delete
        );
    }

    #[test]
    fn foreign_jobs_with_a_wanted_name_conflict_unless_forced() {
        let wanted = defs(&["a"]);
        let mut live = Live::default();
        let mut foreign = render(&wanted[0]).onto(None);
        foreign.metadata.clear();
        live.foreign.insert("a".into(), foreign);
        let items = plan(&wanted, &live, options(true, false));
        assert_eq!(items[0].action, Action::Conflict);
        assert!(items[0].reason.as_deref().unwrap().contains("not managed"));
        let items = plan(&wanted, &live, options(true, true));
        assert_eq!(items[0].action, Action::Update);
    }

    #[test]
    fn a_pause_survives_a_sync_and_the_plan_says_so() {
        let wanted = defs(&["a"]);
        let mut live = live_from(&wanted);
        let job = live.managed.get_mut("a").unwrap();
        job.disabled = true;
        job.metadata
            .insert("paused-at".into(), "2026-11-22T12:00:00Z".into());
        job.metadata.insert("paused-by".into(), "ops".into());
        let items = plan(&wanted, &live, options(false, false));
        assert_eq!(items[0].action, Action::Unchanged, "{:?}", items[0].changes);
        assert!(
            items[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("paused by ops")
        );
        assert!(
            items[0].rendered.as_ref().unwrap().disabled,
            "a write keeps it disabled"
        );
        // Resumed (no pause record): the file's `enabled` applies again.
        live.managed
            .get_mut("a")
            .unwrap()
            .metadata
            .remove("paused-at");
        let items = plan(&wanted, &live, options(false, false));
        assert_eq!(items[0].action, Action::Update);
        assert_eq!(items[0].changes[0].field, "disabled");
    }

    #[test]
    fn a_changed_schedule_is_an_update_naming_the_field() {
        let wanted = defs(&["a"]);
        let mut live = live_from(&wanted);
        live.managed.get_mut("a").unwrap().schedule = "@every 5m".into();
        let items = plan(&wanted, &live, options(false, false));
        assert_eq!(items[0].action, Action::Update);
        assert_eq!(items[0].changes[0].field, "schedule");
        assert_eq!(items[0].changes[0].from, "@every 5m");
    }
}
