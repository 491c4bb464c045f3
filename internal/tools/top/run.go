package toptool

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/terminal"
)

var opts struct {
	delay   string
	batch   bool
	sort    string
	reverse bool
}

func flags(f *pflag.FlagSet) {
	f.StringVarP(&opts.delay, "delay", "d", "", "delay in seconds between refreshes (default: 3.0)")
	f.BoolVarP(&opts.batch, "batch", "b", false, "output designed to capture to a file")
	f.StringVarP(&opts.sort, "sort", "s", "n", "sort by [n,c,b,m] (default: n)")
	f.BoolVarP(&opts.reverse, "reverse", "r", false, "sort in reverse (descending) order")
}

type stats struct {
	name                      string
	cpuNanos, cpuSys, cpuUser uint64
	blkBytes, blkIOPS         uint64
	mem, memsw, kmem          uint64
}

func readUint(dir, file string) uint64 {
	b, err := os.ReadFile(dir + "/" + file)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	return n
}

// readTotal returns the "Total N" line of a blkio file.
func readTotal(dir, file string) uint64 {
	b, err := os.ReadFile(dir + "/" + file)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "Total" {
			n, _ := strconv.ParseUint(f[1], 10, 64)
			return n
		}
	}
	return 0
}

func collect(paths []string) []stats {
	var out []stats
	for _, p := range paths {
		for _, n := range ctl.ActiveNames(p) {
			resp, err := ctl.Simple(p, n, ctl.Request{Cmd: ctl.CmdCgroupPaths})
			if err != nil {
				continue
			}
			s := stats{name: n}
			if d := resp.Paths["cpuacct"]; d != "" {
				s.cpuNanos = readUint(d, "cpuacct.usage")
				if b, err := os.ReadFile(d + "/cpuacct.stat"); err == nil {
					for _, l := range strings.Split(string(b), "\n") {
						f := strings.Fields(l)
						if len(f) == 2 {
							v, _ := strconv.ParseUint(f[1], 10, 64)
							if f[0] == "user" {
								s.cpuUser = v
							} else if f[0] == "system" {
								s.cpuSys = v
							}
						}
					}
				}
			}
			if d := resp.Paths["blkio"]; d != "" {
				s.blkBytes = readTotal(d, "blkio.throttle.io_service_bytes")
				s.blkIOPS = readTotal(d, "blkio.throttle.io_serviced")
			}
			if d := resp.Paths["memory"]; d != "" {
				s.mem = readUint(d, "memory.usage_in_bytes")
				s.memsw = readUint(d, "memory.memsw.usage_in_bytes")
				s.kmem = readUint(d, "memory.kmem.usage_in_bytes")
			}
			out = append(out, s)
		}
	}
	key := func(s stats) uint64 {
		switch opts.sort {
		case "c":
			return s.cpuNanos
		case "b":
			return s.blkBytes
		case "m":
			return s.mem
		case "s":
			return s.memsw
		case "k":
			return s.kmem
		}
		return 0
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		less := a.name < b.name
		if opts.sort != "n" && key(a) != key(b) {
			less = key(a) < key(b)
		}
		if opts.reverse {
			return !less
		}
		return less
	})
	return out
}

func human(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// run shows resource use of the running containers; -b prints LXC's CSV.
// Like LXC's lxc-top it wants a terminal on stdin.
func run(x *cli.Ctx) error {
	if !terminal.IsTerminal(os.Stdin) {
		x.Log.Errorf("stdin is not a tty")
		return x.Errorf("Failed to setup terminal")
	}
	if !strings.Contains("ncbmsk", opts.sort) || len(opts.sort) != 1 {
		x.Plainf("%s: could not parse command line", x.Tool.Name)
		return cli.Exit(1)
	}
	delay := 3.0
	if opts.batch {
		delay = 300
	}
	if opts.delay != "" {
		d, err := strconv.ParseFloat(opts.delay, 64)
		if err != nil || d <= 0 {
			x.Plainf("%s: could not parse command line", x.Tool.Name)
			return cli.Exit(1)
		}
		delay = d
	}
	if opts.batch {
		fmt.Fprintln(x.Stdout, "time_ms,container,cpu_nanos,cpu_sys_userhz,cpu_user_userhz,blkio_bytes,blkio_iops,mem_used_bytes,memsw_used_bytes,kernel_mem_used_bytes")
		for {
			now := time.Now().UnixMilli()
			for _, s := range collect(x.LXCPaths) {
				fmt.Fprintf(x.Stdout, "%d,%s,%d,%d,%d,%d,%d,%d,%d,%d\n", now, s.name, s.cpuNanos, s.cpuSys, s.cpuUser, s.blkBytes, s.blkIOPS, s.mem, s.memsw, s.kmem)
			}
			time.Sleep(time.Duration(delay * float64(time.Second)))
		}
	}
	restore, err := terminal.MakeRaw(os.Stdin)
	if err != nil {
		return x.Errorf("Failed to setup terminal")
	}
	defer restore()
	keys := make(chan byte, 8)
	go func() {
		b := make([]byte, 1)
		for {
			if n, err := os.Stdin.Read(b); err != nil || n == 0 {
				close(keys)
				return
			}
			keys <- b[0]
		}
	}()
	for {
		var sb strings.Builder
		sb.WriteString("\x1b[H\x1b[2J")
		fmt.Fprintf(&sb, "%-18s %12s %12s %12s %14s %14s %14s\r\n", "Container", "CPU", "CPU", "CPU", "BlkIO", "Mem", "KMem")
		fmt.Fprintf(&sb, "%-18s %12s %12s %12s %14s %14s %14s\r\n", "Name", "Used", "Sys", "User", "Total(Read/Write)", "Used", "Used")
		var tot stats
		for _, s := range collect(x.LXCPaths) {
			fmt.Fprintf(&sb, "%-18s %12.2f %12.2f %12.2f %14s %14s %14s\r\n", s.name, float64(s.cpuNanos)/1e9, float64(s.cpuSys)/100, float64(s.cpuUser)/100, human(s.blkBytes), human(s.mem), human(s.kmem))
			tot.cpuNanos += s.cpuNanos
			tot.mem += s.mem
			tot.kmem += s.kmem
			tot.blkBytes += s.blkBytes
		}
		fmt.Fprintf(&sb, "%-18s %12.2f %12s %12s %14s %14s %14s\r\n", "TOTAL", float64(tot.cpuNanos)/1e9, "", "", human(tot.blkBytes), human(tot.mem), human(tot.kmem))
		os.Stdout.WriteString(sb.String())
		select {
		case k, ok := <-keys:
			if !ok || k == 'q' {
				return nil
			}
			switch k {
			case 'r':
				opts.reverse = !opts.reverse
			case 'n', 'c', 'b', 'm', 's', 'k':
				if opts.sort == string(k) {
					opts.reverse = !opts.reverse
				}
				opts.sort = string(k)
			}
		case <-time.After(time.Duration(delay * float64(time.Second))):
		}
	}
}
