package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// startPhases are the trace-log messages of our lxc-start that bound the
// phases of a start, in order.
// Marks starting with "@" are the exact (ns) times at which each of our
// three Go processes reached main, which the trace lines carry in their text.
var startPhases = []struct{ name, msg string }{
	{"exec → lxc-start main (Go start-up)", "@command main"},
	{"→ monitor main (spawned first thing)", "@monitor main"},
	{"→ monitor STARTING (spec received)", "container state is STARTING"},
	{"sealed binary ready", "sealed copy of our binary ready"},
	{"stage-2 cloned", "stage-2 started"},
	{"cgroups created", "cgroups created"},
	{"→ stage-2 main (Go start-up)", "@stage-2 main"},
	{"stage-2 setup received", "stage-2 received its setup"},
	{"rootfs mounted, stage-2 ready", "stage-2 ready"},
	{"RUNNING", "container state is RUNNING"},
}

// mainBegan finds "<process> main began at <RFC 3339 time>" in a message.
var mainBegan = regexp.MustCompile(`(command|monitor|stage-2) main began at ([0-9T:.Z-]+)`)

// phases reads LIST, lines "T0NS T1NS LOGFILE" (the wall clock before
// lxc-start was executed and after it returned, and its -l trace log),
// and prints the median duration of each phase over all runs.
func phases(args []string) error {
	if len(args) != 1 {
		return errors.New("phases LIST")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	durs := make([][]float64, len(startPhases)+2)
	sc := bufio.NewScanner(f)
	runs := 0
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 3 {
			continue
		}
		t0, _ := strconv.ParseInt(fs[0], 10, 64)
		t1, _ := strconv.ParseInt(fs[1], 10, 64)
		marks, err := traceMarks(fs[2])
		if err != nil {
			return err
		}
		prev := float64(t0) / 1e6
		for i, p := range startPhases {
			m, ok := first(marks, p.msg)
			if !ok {
				return fmt.Errorf("%s: no %q line", fs[2], p.msg)
			}
			durs[i] = append(durs[i], m-prev)
			prev = m
		}
		durs[len(startPhases)] = append(durs[len(startPhases)], float64(t1)/1e6-prev)
		durs[len(startPhases)+1] = append(durs[len(startPhases)+1], float64(t1-t0)/1e6)
		runs++
	}
	fmt.Printf("median over %d starts (ms; log timestamps have 1 ms resolution):\n", runs)
	for i, d := range durs {
		name := "lxc-start returns"
		switch {
		case i < len(startPhases):
			name = startPhases[i].name
		case i == len(startPhases)+1:
			name = "total"
		}
		st, _ := summarise(d)
		fmt.Printf("  %-34s %6.1f  (p25 %.1f, p75 %.1f)\n", name, st.median, st.p25, st.p75)
	}
	return sc.Err()
}

type mark struct {
	msg string
	ms  float64
}

// first is the time of the first message starting with prefix.
func first(marks []mark, prefix string) (float64, bool) {
	for _, m := range marks {
		if strings.HasPrefix(m.msg, prefix) {
			return m.ms, true
		}
	}
	return 0, false
}

// traceMarks lists the messages of a trace log with their timestamps in
// milliseconds since the epoch (LXC's format: UTC, YYYYMMDDhhmmss.mmm).
func traceMarks(path string) ([]mark, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mark
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "PROG NAME TIMESTAMP PRIO ..." where NAME may be empty.
		var ts time.Time
		found := false
		for _, f := range strings.Fields(sc.Text()) {
			if t, err := time.Parse("20060102150405.000", f); err == nil {
				ts, found = t, true
				break
			}
		}
		if !found {
			continue
		}
		for _, m := range mainBegan.FindAllStringSubmatch(sc.Text(), -1) {
			if t, err := time.Parse(time.RFC3339Nano, m[2]); err == nil {
				out = append(out, mark{"@" + m[1] + " main", float64(t.UnixNano()) / 1e6})
			}
		}
		_, msg, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		if _, msg, ok = strings.Cut(msg, " - "); !ok {
			continue
		}
		out = append(out, mark{msg, float64(ts.UnixNano()) / 1e6})
	}
	return out, sc.Err()
}
