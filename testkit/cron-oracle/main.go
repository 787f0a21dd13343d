// Command cron-oracle answers "when does this schedule fire?" with robfig/cron v3.0.1 itself, parsed
// the way Dkron's scheduler parses live schedules: cron.NewParser(Second | Minute | Hour | Dom |
// Month | Dow | Descriptor), with robfig's own `TZ=`/`CRON_TZ=` prefix. It is the independent
// oracle for the Rust port in src/schedule/: it owns no cron logic of its own, only the choice of
// cases and the wire format. Dkron's own additions (`~`, `@minutely`, `@manually`, `@at`, the
// prefix the scheduler adds from a job's timezone) are not robfig's and are not here; the Rust
// side tests them on its own.
//
//	cron-oracle table    print the committed truth table (testkit/cron-oracle/truth-table.json)
//	cron-oracle serve    answer JSON lines on stdin: {"spec", "from", "count"} -> {"fires"} | {"error"}
//
// The server's zone (Go's time.Local, which robfig uses for a spec without a prefix) is UTC, as in
// the shipped Dkron deployment.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/robfig/cron/v3"
)

// The parser options Dkron v4's extcron hands to robfig (seconds first, every field required).
var parser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func main() {
	time.Local = time.UTC
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cron-oracle table | serve")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "table":
		if err := writeTable(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "serve":
		if err := serve(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q: use table or serve\n", os.Args[1])
		os.Exit(2)
	}
}

// answer is one evaluation: the fire times, or why robfig refuses the spec.
type answer struct {
	Fires []string `json:"fires,omitempty"`
	Error string   `json:"error,omitempty"`
}

// evaluate parses spec and chains Next from `from` up to count times, as Dkron's scheduler does
// (each fire found from the one before). A zero time (robfig gave up after five years) ends the
// list. A parser panic is an answer too: Dkron would crash on that spec in the same place.
func evaluate(spec string, from time.Time, count int, zone *time.Location) (result answer) {
	defer func() {
		if recovered := recover(); recovered != nil {
			result = answer{Error: fmt.Sprintf("panic: %v", recovered)}
		}
	}()
	schedule, err := parser.Parse(spec)
	if err != nil {
		return answer{Error: err.Error()}
	}
	fires := []string{}
	cursor := from
	for len(fires) < count {
		next := schedule.Next(cursor)
		if next.IsZero() {
			break
		}
		fires = append(fires, next.In(zone).Format(time.RFC3339))
		cursor = next
	}
	return answer{Fires: fires}
}

type request struct {
	Spec  string `json:"spec"`
	From  string `json:"from"`
	Count int    `json:"count"`
}

// serve is the fuzzing peer: one JSON request per line in, one answer per line out, flushed each
// time so the Rust side can keep a single process busy.
func serve() error {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	encoder := json.NewEncoder(out)
	encoder.SetEscapeHTML(false)
	for in.Scan() {
		var req request
		var reply answer
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			reply = answer{Error: "bad request: " + err.Error()}
		} else if from, err := time.Parse(time.RFC3339Nano, req.From); err != nil {
			reply = answer{Error: "bad request: " + err.Error()}
		} else {
			reply = evaluate(req.Spec, from, req.Count, time.UTC)
		}
		if err := encoder.Encode(reply); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
	}
	return in.Err()
}
