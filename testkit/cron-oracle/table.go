package main

// The truth table's cases: schedules × zones × start instants chosen where a port of robfig's
// walk can go wrong (clock changes forward and back, half-hour zones and half-hour changes, the
// Southern hemisphere, a zone that changes at midnight, leap days, year ends, fractions of a
// second), and specs robfig refuses, so the Rust parser's accept/reject is checked too.

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// firesPerRow is how many chained fires each row records.
const firesPerRow = 4

var zones = []string{
	"UTC",
	"America/Los_Angeles", // Northern DST, changes at 02:00 local
	"Europe/London",       // Northern DST, changes at 01:00 UTC
	"Asia/Kolkata",        // a half-hour offset, no DST
	"Australia/Adelaide",  // a half-hour offset with Southern DST
	"Australia/Sydney",    // Southern DST
	"America/Santiago",    // Southern DST, changes at 24:00 (midnight does not exist)
	"America/Havana",      // changes at 00:00 / 01:00
	"Australia/Lord_Howe", // changes by half an hour
}

// Six-field specs, each evaluated in every zone through a `CRON_TZ=` prefix.
var zonedSpecs = []string{
	"0 30 2 * * *",
	"0 30 1 * * *",
	"0 15 2 * * *",
	"0 0 3 * * *",
	"0 0 0 * * *",
	"0 30 0 * * *",
	"0 0 23 * * SAT",
	"0 0 * * * *",
	"0 */15 * * * *",
	"5 4 * * * *",
	"*/20 * 2 * * *",
	"0 0,30 1-3 * * *",
	"0 45 2 * * SUN",
	"0 0 9 * * MON-FRI",
	"0 0 0 * * 1/2",
	"0 0 0 */1 * MON",
	"0 0 0 15 * */2",
	"0 0 0 29 2 1",
	"0 0 12 29 2 *",
	"30 59 23 31 12 *",
	"0 0 0 1 * *",
	"0 0 0,12 1,15 * *",
	"0 0 0 31 * *",
	"0 0 0 ? JAN-MAR SUN-TUE",
	"0 0 0 30 2 *",
	"0 0 0 31 2,4,6,9,11 *",
	"? ? ? ? ? ?",
	"@daily",
	"@hourly",
	"@weekly",
	"@monthly",
	"@yearly",
}

// Specs evaluated as written, in the server's zone (UTC) unless they name one: robfig's own
// prefix forms, `@every`, and field syntax at the edges of the grammar.
var plainSpecs = []string{
	"0 30 2 * * *",
	"TZ=Europe/London 0 30 1 * * *",
	"CRON_TZ=Local 0 30 2 * * *",
	"CRON_TZ= 0 0 12 * * *",
	"CRON_TZ=UTC   0 0 12 * * *",
	"TZ=America/Santiago @daily",
	"@midnight",
	"@annually",
	"@every 1s",
	"@every 90m",
	"@every 1500ms",
	"@every 500ms",
	"@every 0",
	"@every -1s",
	"@every +2s",
	"@every 1h0.5m",
	"@every .5s",
	"@every 36h",
	"*-5 * * * * *",
	"?/20 * * * * *",
	"0 */+7 * * * *",
	"0,,1 0 0 1 * *",
	", * * * * *",
	"0 0 0 * * sun,Mon",
	"0 0 0 1 jan,JUL *",
	"0 0 0 * * 0-6/3",
	"0 5/99999999999 * * * *",
	"0 0 0 1-31/10 * *",
	"00 007 0 1 1 *",
	"0\t0  0 1 1 *",
}

// Specs robfig refuses; the table records its error.
var rejectedSpecs = []string{
	"",
	" ",
	"* * * * *",
	"* * * * * * *",
	"0 0 0 * * 7",
	"0 60 * * * *",
	"60 * * * * *",
	"0 0 24 * * *",
	"0 0 0 0 * *",
	"0 0 0 32 * *",
	"0 0 0 * 0 *",
	"0 0 0 * 13 *",
	"0 0 0 L * *",
	"0 0 0 * * 1#2",
	"0 0 0 * * 5L",
	"0 0 0 1W * *",
	"*/0 * * * * *",
	"0 */-1 * * * *",
	"1-2-3 * * * * *",
	"1/2/3 * * * * *",
	"0 0 0 * * 2-1",
	"0 70/5 * * * *",
	"0 70-80 * * * *",
	"0 -5 * * * *",
	"0 0 0 -0-5 * *",
	"0 ~ * * * *",
	"0 0 0 * * SUNDAY",
	"0 0 0 1 JANUARY *",
	"0 0 0 * JAN-DECX *",
	"0 99999999999999999999 * * * *",
	"@reboot",
	"@DAILY",
	"@daily ",
	" @daily",
	"@minutely",
	"@manually",
	"@at 2027-01-01T00:00:00Z",
	"@every",
	"@every ",
	"@every 1x",
	"@every 1",
	"@every 1s ",
	"@every 1e3s",
	"@every 99999999999999999999h",
	"CRON_TZ=Mars/Olympus 0 0 * * * *",
	"CRON_TZ=america/new_york 0 0 * * * *",
	"TZ=America/New_York",
	"CRON_TZ=UTC",
	"TZ=UTC\t0 0 * * * *",
	"CRON_TZ=UTC 0 0 * * *",
	"CRON_TZ=UTC @reboot",
	"CRON_TZ=UTC CRON_TZ=UTC 0 0 * * * *",
}

// row is one line of the table: a spec with its fires from a start, or with robfig's error.
type row struct {
	Spec  string    `json:"spec"`
	From  string    `json:"from,omitempty"`
	Fires *[]string `json:"fires,omitempty"`
	Error string    `json:"error,omitempty"`
}

// starts are the instants a zone's rows begin at: shortly before (1.5 h) and a day before each
// of its clock changes in 2027, before a leap day, at the end of a year (in the zone's own wall
// clock, half a second before midnight), and the tests' fixed now.
func starts(zone *time.Location) []time.Time {
	var instants []time.Time
	for _, change := range clockChanges(zone, 2027) {
		instants = append(instants, change.Add(-26*time.Hour), change.Add(-90*time.Minute))
	}
	return append(instants,
		time.Date(2028, 2, 28, 6, 0, 0, 0, zone),
		time.Date(2027, 12, 31, 23, 59, 59, 500_000_000, zone),
		time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC),
	)
}

// clockChanges finds the instants a zone's UTC offset changes in a year (to the second).
func clockChanges(zone *time.Location, year int) []time.Time {
	var changes []time.Time
	offset := func(t time.Time) int { _, seconds := t.In(zone).Zone(); return seconds }
	end := time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC)
	for t := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); t.Before(end); t = t.Add(time.Hour) {
		next := t.Add(time.Hour)
		if offset(t) == offset(next) {
			continue
		}
		low, high := t, next
		for high.Sub(low) > time.Second {
			middle := low.Add(high.Sub(low) / 2)
			if offset(middle) == offset(low) {
				low = middle
			} else {
				high = middle
			}
		}
		changes = append(changes, high)
	}
	return changes
}

func rows() ([]row, error) {
	var table []row
	var refused error
	add := func(spec string, from time.Time, zone *time.Location) {
		result := evaluate(spec, from, firesPerRow, zone)
		if result.Error != "" {
			refused = fmt.Errorf("robfig refuses %q (%s), listed as accepted", spec, result.Error)
		}
		fires := append([]string{}, result.Fires...)
		table = append(table, row{Spec: spec, From: from.UTC().Format(time.RFC3339Nano), Fires: &fires})
	}
	for _, name := range zones {
		zone, err := time.LoadLocation(name)
		if err != nil {
			return nil, fmt.Errorf("zone %s: %w", name, err)
		}
		for _, spec := range zonedSpecs {
			for _, from := range starts(zone) {
				add("CRON_TZ="+name+" "+spec, from, zone)
			}
		}
	}
	for _, spec := range plainSpecs {
		for _, from := range starts(time.UTC) {
			add(spec, from, time.UTC)
		}
	}
	if refused != nil {
		return nil, refused
	}
	for _, spec := range rejectedSpecs {
		result := evaluate(spec, time.Time{}, firesPerRow, time.UTC)
		if result.Error == "" {
			return nil, fmt.Errorf("robfig accepts %q, listed as rejected", spec)
		}
		table = append(table, row{Spec: spec, Error: result.Error})
	}
	return table, nil
}

// writeTable prints one row per line, so a regeneration's diff names the rows that changed.
func writeTable(out io.Writer) error {
	table, err := rows()
	if err != nil {
		return err
	}
	header := map[string]any{
		"generator":   "testkit/cron-oracle (scripts/cron-oracle regenerates it)",
		"library":     "github.com/robfig/cron/v3 v3.0.1",
		"parser":      "cron.NewParser(Second|Minute|Hour|Dom|Month|Dow|Descriptor), server zone (time.Local) UTC",
		"firesPerRow": firesPerRow,
		"note":        "fires are chained Next calls strictly after `from`, shown in the spec's zone; fewer than firesPerRow means robfig gave up (five years without a match); `error` is robfig's (a parser panic is recorded as `panic: …`)",
	}
	encoded, err := json.Marshal(header)
	if err != nil {
		return err
	}
	// The header's keys then "rows": one object per line.
	if _, err := fmt.Fprintf(out, "%s,\n\"rows\": [\n", encoded[:len(encoded)-1]); err != nil {
		return err
	}
	for index, r := range table {
		line, err := json.Marshal(r)
		if err != nil {
			return err
		}
		separator := ","
		if index == len(table)-1 {
			separator = ""
		}
		if _, err := fmt.Fprintf(out, "%s%s\n", line, separator); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintln(out, "]}")
	return err
}
