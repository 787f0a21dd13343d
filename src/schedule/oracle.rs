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
pub(super) fn evaluate(
    spec: &str,
    from: DateTime<Utc>,
    count: usize,
) -> Result<Vec<DateTime<Utc>>, String> {
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

#[test]
fn every_row_of_robfig_s_truth_table_agrees() {
    let table: Table = serde_json::from_str(TABLE).expect("the truth table is JSON");
    assert_eq!(table.library, "github.com/robfig/cron/v3 v3.0.1");
    let mut disagreements = Vec::new();
    let (mut accepted, mut refused, mut fires) = (0, 0, 0);
    for row in &table.rows {
        let from = row.from.as_deref().map_or(DateTime::UNIX_EPOCH, instant);
        let ours = evaluate(&row.spec, from, table.fires_per_row);
        match (&row.error, &row.fires, ours) {
            (Some(robfig), None, Err(ours)) => {
                refused += 1;
                // A spec robfig panics on is refused here; the words cannot be the same.
                if !robfig.starts_with("panic: ") && *robfig != ours {
                    disagreements.push(format!(
                        "{:?}: robfig says {robfig:?}, we say {ours:?}",
                        row.spec
                    ));
                }
            }
            (None, Some(robfig), Ok(ours)) => {
                accepted += 1;
                fires += robfig.len();
                let robfig: Vec<DateTime<Utc>> = robfig.iter().map(|fire| instant(fire)).collect();
                if robfig != ours {
                    disagreements.push(format!(
                        "{:?} after {from}: robfig fires {robfig:?}, we fire {ours:?}",
                        row.spec
                    ));
                }
            }
            (Some(robfig), None, Ok(_)) => disagreements.push(format!(
                "{:?}: robfig refuses it ({robfig}), we accept it",
                row.spec
            )),
            (None, Some(_), Err(ours)) => disagreements.push(format!(
                "{:?}: robfig accepts it, we refuse it ({ours})",
                row.spec
            )),
            _ => panic!("{:?}: a row has fires or an error, not both", row.spec),
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
