// Package infotool implements lxc-info.
package infotool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/quote"
)

// opts are the parsed selectors. filterCount follows LXC: -i, -s and -p
// count one each time they are given, -S counts five.
type opts struct {
	keys        []string
	ips         bool
	state       bool
	pid         bool
	stats       bool
	humanize    bool
	filterCount int
}

var o opts

// countFlag is a boolean option that also counts its occurrences, as LXC's
// option parser does for filter_count.
type countFlag struct {
	set *bool
	n   int
}

func (c *countFlag) String() string { return "false" }
func (c *countFlag) Type() string   { return "bool" }
func (c *countFlag) Set(string) error {
	*c.set = true
	o.filterCount += c.n
	return nil
}

type noHumanize struct{}

func (noHumanize) String() string   { return "false" }
func (noHumanize) Type() string     { return "bool" }
func (noHumanize) Set(string) error { o.humanize = false; return nil }

func boolOpt(f *pflag.FlagSet, v pflag.Value, name, short, usage string) {
	fl := f.VarPF(v, name, short, usage)
	fl.NoOptDefVal = "true"
}

// Tool is lxc-info.
var Tool = &cli.Tool{
	Name:  "lxc-info",
	Short: "display information about a container",
	Help: `lxc-info --name=NAME

lxc-info display some information about a container with the identifier NAME

Options :
  -n, --name=NAME       NAME of the container
  -c, --config=KEY      show configuration variable KEY from running container
  -i, --ips             shows the IP addresses
  -p, --pid             shows the process id of the init container
  -S, --stats           shows usage stats
  -H, --no-humanize     shows stats as raw numbers, not humanized
  -s, --state           shows the state of the container
  --rcfile=FILE         Load configuration file FILE
`,
	Flags: func(f *pflag.FlagSet) {
		o = opts{humanize: true}
		f.StringArrayVarP(&o.keys, "config", "c", nil, "show configuration variable KEY from running container")
		boolOpt(f, &countFlag{set: &o.ips, n: 1}, "ips", "i", "shows the IP addresses")
		boolOpt(f, &countFlag{set: &o.state, n: 1}, "state", "s", "shows the state of the container")
		boolOpt(f, &countFlag{set: &o.pid, n: 1}, "pid", "p", "shows the process id of the init container")
		boolOpt(f, &countFlag{set: &o.stats, n: 5}, "stats", "S", "shows usage stats")
		boolOpt(f, noHumanize{}, "no-humanize", "H", "shows stats as raw numbers, not humanized")
	},
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Run:         run,
}

// printer writes LXC's "%-15s %s" lines, dropping the label when -H was
// given with exactly one selector.
type printer struct {
	w           io.Writer
	humanize    bool
	filterCount int
}

func (p printer) msg(label, value string) {
	if !p.humanize && p.filterCount == 1 {
		fmt.Fprintf(p.w, "%s\n", value)
		return
	}
	fmt.Fprintf(p.w, "%-15s %s\n", label, value)
}

func (p printer) line(label, value string) { fmt.Fprintf(p.w, "%-15s %s\n", label, value) }

func run(x *cli.Ctx) error {
	name := x.Name
	cfgPath := lxcpath.ConfigPath(x.LXCPath, name)
	var c *config.Container
	// As lxc_container_new: the container's own config is loaded first
	// when it exists, and a broken one makes the container unusable even
	// with --rcfile.
	if fileExists(cfgPath) {
		cc, err := config.Load(cfgPath)
		if err != nil {
			printLoadError(x, err)
			fmt.Fprintf(x.Stderr, "Failed to load config for %s\n", name)
			fmt.Fprintf(x.Stderr, "Failure to retrieve information on %s:%s\n", x.LXCPath, name)
			return cli.Exit(1)
		}
		c = cc
	}
	if x.RCFile != "" {
		cc, err := config.Load(x.RCFile)
		if err != nil {
			printLoadError(x, err)
			fmt.Fprintf(x.Stderr, "Failed to load rcfile\n")
			return cli.Exit(1)
		}
		c = cc
		cfgPath = x.RCFile
	}
	if c != nil {
		for _, w := range c.Warnings {
			x.Warnf("%s", w)
		}
	}
	running := ctl.IsRunning(x.LXCPath, name)
	if !running && (c == nil || !fileExists(cfgPath)) {
		fmt.Fprintf(x.Stderr, "%s doesn't exist\n", name)
		return cli.Exit(1)
	}
	if c == nil {
		c = config.NewContainer()
	}

	p := printer{w: x.Stdout, humanize: o.humanize, filterCount: o.filterCount}
	state, pid, ips, stats := o.state, o.pid, o.ips, o.stats
	if !state && !pid && !ips && !stats && len(o.keys) == 0 {
		state, pid, ips, stats = true, true, true, true
		p.msg("Name:", name)
	}
	if state {
		p.msg("State:", ctl.State(x.LXCPath, name))
	}
	if running {
		if pid {
			if n, err := ctl.InitPID(x.LXCPath, name); err == nil && n >= 0 {
				p.msg("PID:", strconv.Itoa(n))
			}
		}
		if ips {
			if n, err := ctl.InitPID(x.LXCPath, name); err == nil && n > 0 {
				addrs, err := containerIPs(n)
				if err != nil {
					x.Log.Errorf("Failed to get IP addresses: %v", err)
				}
				for _, a := range addrs {
					p.msg("IP:", a)
				}
			}
		}
	}
	if stats && running {
		printStats(x, p)
		printNetStats(x, p)
	}
	for _, k := range o.keys {
		v, err := c.GetItem(k)
		switch {
		case err != nil:
			fmt.Fprintf(x.Stderr, "%s invalid\n", quote.Inner(k))
		case v == "" && !o.humanize && len(o.keys) == 1:
			fmt.Fprintln(x.Stdout)
		case v == "":
			fmt.Fprintf(x.Stdout, "%s =\n", k)
		case !o.humanize && len(o.keys) == 1:
			fmt.Fprintf(x.Stdout, "%s\n", v)
		default:
			fmt.Fprintf(x.Stdout, "%s = %s\n", k, v)
		}
	}
	return nil
}

// printLoadError names the offending file, line and key, which LXC's
// "Failed to load config" does not.
func printLoadError(x *cli.Ctx, err error) {
	if x.Quiet {
		return
	}
	var pe *config.ParseError
	if errors.As(err, &pe) {
		fmt.Fprintf(x.Stderr, "%s: %v\n", x.Tool.Name, pe)
		return
	}
	fmt.Fprintf(x.Stderr, "%s: %v\n", x.Tool.Name, err)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// cgroupFile reads FILE from the container's cgroup of controller as LXC's
// get_cgroup_item does for lxc-info: only contents shorter than 4096 bytes.
func cgroupFile(paths map[string]string, controller, file string) (string, bool) {
	dir, ok := paths[controller]
	if !ok {
		return "", false
	}
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil || len(b) == 0 || len(b) >= 4096 {
		return "", false
	}
	return string(b), true
}

func printStats(x *cli.Ctx, p printer) {
	resp, err := ctl.Simple(x.LXCPath, x.Name, ctl.Request{Cmd: ctl.CmdCgroupPaths})
	if err != nil || resp == nil {
		return
	}
	paths := resp.Paths
	if v, ok := cgroupFile(paths, "cpuacct", "cpuacct.usage"); ok {
		v = chomp(v)
		if p.humanize {
			p.line("CPU use:", fmt.Sprintf("%.2f seconds", strtof(v)/1000000000.0))
		} else {
			p.line("CPU use:", v)
		}
	}
	if v, ok := cgroupFile(paths, "blkio", "blkio.throttle.io_service_bytes"); ok {
		v = chomp(v)
		last := v
		if i := strings.LastIndexByte(v, '\n'); i >= 0 {
			last = v[i+1:]
		}
		if strings.HasPrefix(last, "Total") {
			s := ""
			if len(last) > 6 {
				s = last[6:]
			}
			s, _ = sizeHumanize(s, p.humanize)
			p.line("BlkIO use:", s)
		}
	}
	for _, st := range []struct{ label, file string }{
		{"Memory use:", "memory.usage_in_bytes"},
		{"KMem use:", "memory.kmem.usage_in_bytes"},
	} {
		if v, ok := cgroupFile(paths, "memory", st.file); ok {
			s, _ := sizeHumanize(chomp(v), p.humanize)
			p.line(st.label, s)
		}
	}
}

func printNetStats(x *cli.Ctx, p printer) {
	resp, err := ctl.Simple(x.LXCPath, x.Name, ctl.Request{Cmd: ctl.CmdNetInfo})
	if err != nil || resp == nil {
		return
	}
	for _, d := range resp.Net {
		ifname := d.Link
		if d.Type == "veth" {
			ifname = d.HostName
		}
		if ifname == "" {
			return
		}
		p.line("Link:", ifname)
		// Host-side counters are the container's reverse: what the host
		// receives is what the container sent.
		var rx, tx uint64
		if b, err := os.ReadFile("/sys/class/net/" + ifname + "/statistics/rx_bytes"); err == nil && len(b) > 0 {
			var s string
			s, rx = sizeHumanize(chomp(string(b)), p.humanize)
			p.line(" TX bytes:", s)
		}
		if b, err := os.ReadFile("/sys/class/net/" + ifname + "/statistics/tx_bytes"); err == nil && len(b) > 0 {
			var s string
			s, tx = sizeHumanize(chomp(string(b)), p.humanize)
			p.line(" RX bytes:", s)
		}
		s, _ := sizeHumanize(strconv.FormatUint(rx+tx, 10), p.humanize)
		p.line(" Total bytes:", s)
	}
}

// chomp removes trailing blanks and newlines (LXC's str_chomp).
func chomp(s string) string { return strings.TrimRight(s, " \t\n") }

// sizeHumanize is LXC's str_size_humanize: the value is read with
// strtoull(..., 0); when humanizing, a value followed by anything but the
// end of the string becomes empty.
func sizeHumanize(s string, humanize bool) (string, uint64) {
	val, rest, _ := config.Strtoull(s, 0)
	if !humanize {
		return s, val
	}
	if rest == "" || rest[0] == '\n' {
		return HumanSize(val), val
	}
	return "", val
}

// HumanSize formats a byte count exactly as lxc-info's size_humanize
// (binary units, two truncated decimals, with its rounding quirks).
func HumanSize(val uint64) string {
	switch {
	case val > 1<<30:
		return fmt.Sprintf("%d.%02d GiB", uint32(val>>30), uint32(val&(1<<30-1))/10737419)
	case val > 1<<20:
		x := uint32(val + 5243)
		return fmt.Sprintf("%d.%02d MiB", x>>20, ((x&(1<<20-1))*100)>>20)
	case val > 1<<10:
		x := uint32(val + 5)
		return fmt.Sprintf("%d.%02d KiB", x>>10, ((x&(1<<10-1))*100)>>10)
	}
	return fmt.Sprintf("%d bytes", uint32(val))
}

// strtof parses the longest decimal prefix as a float32, as C's strtof.
func strtof(s string) float64 {
	s = strings.TrimLeft(s, " \t\n")
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' || (end == 0 && (s[end] == '-' || s[end] == '+'))) {
		end++
	}
	for end > 0 {
		if f, err := strconv.ParseFloat(s[:end], 32); err == nil {
			return float64(float32(f))
		}
		end--
	}
	return 0
}
