//! The Rust port against robfig/cron v3.0.1 itself: every row of the truth table that
//! testkit/cron-oracle generates with robfig (scripts/cron-oracle regenerates it, and `--check`
//! proves the committed table is what robfig makes). A row is a spec with robfig's error, or a
//! spec, a start and the fires robfig chains from it.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::spec::parse_robfig;

const TABLE: &str = include_str!("../../testkit/cron-oracle/truth-table.json");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Table {
    library: String,
    fires_per_row: usize,
    rows: Vec<Row>,
}

#[derive(Deserialize)]
struct Row {
    spec: String,
    from: Option<String>,
    fires: Option<Vec<String>>,
    error: Option<String>,
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|error| panic!("{text}: {error}"))
        .to_utc()
}

/// What the port answers for a row, in the table's terms.
fn evaluate(spec: &str, from: DateTime<Utc>, count: usize) -> Result<Vec<DateTime<Utc>>, String> {
    // The oracle runs robfig with time.Local = UTC, Dkron's deployment default.
    let schedule = parse_robfig(spec, Tz::UTC)?;
    let mut fires = Vec::new();
    let mut cursor = from;
    while fires.len() < count {
        let Some(next) = schedule.next_after(cursor) else {
            break;
        };
        fires.push(next);
        cursor = next;
    }
    Ok(fires)
}

/// How the port and robfig answered one spec from one start.
pub(super) enum Verdict {
    Accepted,
    Refused,
    Disagree(String),
}

/// Compares the port with robfig's answer (`Ok(fires)` or `Err(error)`) for `spec` after `from`.
pub(super) fn judge(
    spec: &str,
    from: DateTime<Utc>,
    robfig: Result<&[String], &str>,
    count: usize,
) -> Verdict {
    match (robfig, evaluate(spec, from, count)) {
        (Err(robfig), Err(ours)) => {
            // Words are compared where they can be: robfig panics on some specs (we refuse them),
            // and Go quotes non-ASCII text in its own way.
            let comparable = !robfig.starts_with("panic: ")
                && spec.chars().all(|c| c.is_ascii_graphic() || c == ' ');
            if comparable && robfig != ours {
                Verdict::Disagree(format!("robfig says {robfig:?}, we say {ours:?}"))
            } else {
                Verdict::Refused
            }
        }
        (Ok(robfig), Ok(ours)) => {
            let robfig: Vec<DateTime<Utc>> = robfig.iter().map(|fire| instant(fire)).collect();
            if robfig == ours {
                Verdict::Accepted
            } else {
                Verdict::Disagree(format!("robfig fires {robfig:?}, we fire {ours:?}"))
            }
        }
        (Err(robfig), Ok(_)) => {
            Verdict::Disagree(format!("robfig refuses it ({robfig}), we accept it"))
        }
        (Ok(_), Err(ours)) => {
            Verdict::Disagree(format!("robfig accepts it, we refuse it ({ours})"))
        }
    }
}

#[test]
fn every_row_of_robfig_s_truth_table_agrees() {
    let table: Table = serde_json::from_str(TABLE).expect("the truth table is JSON");
    assert_eq!(table.library, "github.com/robfig/cron/v3 v3.0.1");
    let mut disagreements = Vec::new();
    let (mut accepted, mut refused, mut fires) = (0, 0, 0);
    for row in &table.rows {
        let from = row.from.as_deref().map_or(DateTime::UNIX_EPOCH, instant);
        let robfig = match (&row.fires, &row.error) {
            (Some(fires), None) => Ok(fires.as_slice()),
            (None, Some(error)) => Err(error.as_str()),
            _ => panic!("{:?}: a row has fires or an error, not both", row.spec),
        };
        match judge(&row.spec, from, robfig, table.fires_per_row) {
            Verdict::Accepted => {
                accepted += 1;
                fires += row.fires.as_ref().map_or(0, Vec::len);
            }
            Verdict::Refused => refused += 1,
            Verdict::Disagree(why) => {
                disagreements.push(format!("{:?} after {from}: {why}", row.spec));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} rows disagree with robfig:\n{}",
        disagreements.len(),
        table.rows.len(),
        disagreements.join("\n")
    );
    // A table that lost its rows would pass vacuously.
    assert!(
        accepted > 1500 && refused > 40 && fires > 5000,
        "{accepted} {refused} {fires}"
    );
}
