package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// sides are the table's columns, in order; a measurement is named
// "ROW|SIDE" (hyperfine's --command-name, or metrics.tsv).
var sides = []string{"golxc", "lxc", "crun", "runc", "floor"}

var sideTitle = map[string]string{"golxc": "golxc", "lxc": "LXC 5.0.2", "crun": "crun", "runc": "runc", "floor": "floor"}

// plan is what run.sh declared in metrics.tsv: rows in order with their
// labels, skipped rows with the reason, single-value measurements and
// notes.
type plan struct {
	rows    []string
	label   map[string]string
	skipped map[string]string
	metrics map[string]string // "ROW|SIDE" -> value with unit
	// crunCalls is how many wrapped crun commands one crun run of a row
	// makes (its wrapper cost is subtracted for the ratio).
	crunCalls map[string]int
	mrows     []string
	notes     []string
}

func readPlan(path string) (*plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p := &plan{label: map[string]string{}, skipped: map[string]string{}, metrics: map[string]string{}, crunCalls: map[string]int{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		switch {
		case f[0] == "row" && len(f) == 3:
			p.rows = append(p.rows, f[1])
			p.label[f[1]] = f[2]
		case f[0] == "skip" && len(f) == 3:
			p.skipped[f[1]] = f[2]
		case f[0] == "metricrow" && len(f) == 3:
			p.mrows = append(p.mrows, f[1])
			p.label[f[1]] = f[2]
		case f[0] == "metric" && len(f) == 3:
			p.metrics[f[1]] = f[2]
		case f[0] == "cruncalls" && len(f) == 3:
			var n int
			fmt.Sscan(f[2], &n)
			p.crunCalls[f[1]] = n
		case f[0] == "note" && len(f) == 2:
			p.notes = append(p.notes, f[1])
		}
	}
	return p, sc.Err()
}

// readTimes merges the run times (seconds) of every hyperfine export in
// dir by command name: run.sh runs each benchmark in several alternating
// rounds, one export per round.
func readTimes(dir string) (map[string][]float64, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	times := map[string][]float64{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var export struct {
			Results []struct {
				Command string    `json:"command"`
				Times   []float64 `json:"times"`
			} `json:"results"`
		}
		if err := json.Unmarshal(data, &export); err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		for _, r := range export.Results {
			times[r.Command] = append(times[r.Command], r.Times...)
		}
	}
	return times, nil
}

type stat struct {
	median, p25, p75 float64
	n                int
}

func summarise(ts []float64) (stat, bool) {
	if len(ts) == 0 {
		return stat{}, false
	}
	s := append([]float64(nil), ts...)
	sort.Float64s(s)
	q := func(p float64) float64 {
		x := p * float64(len(s)-1)
		i := int(x)
		if i+1 >= len(s) {
			return s[len(s)-1]
		}
		return s[i] + (x-float64(i))*(s[i+1]-s[i])
	}
	return stat{median: q(0.5), p25: q(0.25), p75: q(0.75), n: len(s)}, true
}

func ms(sec float64) string {
	v := sec * 1000
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func report(args []string) error {
	if len(args) != 2 {
		return errors.New("report DIR OUT")
	}
	dir, out := args[0], args[1]
	p, err := readPlan(filepath.Join(dir, "metrics.tsv"))
	if err != nil {
		return err
	}
	times, err := readTimes(dir)
	if err != nil {
		return err
	}
	machine, _ := os.ReadFile(filepath.Join(dir, "machine.txt"))

	var b strings.Builder
	b.WriteString("# golxc benchmarks\n\n<!-- Written by bench/run.sh (make bench); do not edit. -->\n\n")
	b.WriteString("Wall-clock times in milliseconds: **median** and interquartile range (p25–p75) over all runs\n" +
		"of all alternating rounds (n = runs). Ratios are golxc's median divided by the other's; below 1 = golxc faster.\n\n")
	b.WriteString("| benchmark | " + strings.Join(titles(), " | ") + " | golxc ÷ LXC | golxc ÷ crun (net of wrapper) | golxc ÷ floor |\n")
	b.WriteString("|---" + strings.Repeat("|---", len(sides)+3) + "|\n")
	med := map[string]float64{}
	for _, row := range p.rows {
		if why, ok := p.skipped[row]; ok {
			fmt.Fprintf(&b, "| %s | %s%s |\n", p.label[row], why, strings.Repeat(" | ", len(sides)+2))
			continue
		}
		cells := []string{p.label[row]}
		for _, side := range sides {
			st, ok := summarise(times[row+"|"+side])
			if !ok {
				cells = append(cells, "–")
				continue
			}
			med[row+"|"+side] = st.median
			cells = append(cells, fmt.Sprintf("**%s** (%s–%s, n=%d)", ms(st.median), ms(st.p25), ms(st.p75), st.n))
		}
		for _, other := range []string{"lxc", "crun", "floor"} {
			m := med[row+"|"+other]
			if other == "crun" && m > 0 {
				// crun runs behind a mount-namespace wrapper on hybrid
				// hosts: compare with crun's own time.
				m -= float64(p.crunCalls[row]) * med["crunwrap|crun"]
			}
			cells = append(cells, ratio(med[row+"|golxc"], m))
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	if len(p.mrows) > 0 {
		b.WriteString("\n| measure | " + strings.Join(titles(), " | ") + " |\n|---" + strings.Repeat("|---", len(sides)) + "|\n")
		for _, row := range p.mrows {
			cells := []string{p.label[row]}
			for _, side := range sides {
				v := p.metrics[row+"|"+side]
				if v == "" {
					v = "–"
				}
				cells = append(cells, v)
			}
			b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
		}
	}
	if len(p.notes) > 0 {
		b.WriteString("\nNotes:\n\n")
		for _, n := range p.notes {
			b.WriteString("- " + n + "\n")
		}
	}
	b.WriteString("\n## Headline (for the README)\n\n```\n")
	for _, row := range p.rows {
		if r := med[row+"|golxc"] / med[row+"|lxc"]; med[row+"|lxc"] > 0 && med[row+"|golxc"] > 0 {
			fmt.Fprintf(&b, "%-44s golxc %s ms, LXC %s ms: %s\n", p.label[row]+":", ms(med[row+"|golxc"]), ms(med[row+"|lxc"]), words(r))
		}
	}
	b.WriteString("```\n")
	if len(machine) > 0 {
		b.WriteString("\n## Machine\n\n```\n" + strings.TrimRight(string(machine), "\n") + "\n```\n")
	}
	return os.WriteFile(out, []byte(b.String()), 0o644)
}

func titles() []string {
	var t []string
	for _, s := range sides {
		t = append(t, sideTitle[s])
	}
	return t
}

func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// words says a ratio the way the README should: "1.8× faster" or
// "1.3× slower".
func words(r float64) string {
	if r <= 1 {
		return fmt.Sprintf("%.2f× LXC's time (%.1f× faster)", r, 1/r)
	}
	return fmt.Sprintf("%.2f× LXC's time (%.1f× slower)", r, r)
}
