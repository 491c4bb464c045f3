// Package checkconfigtool implements lxc-checkconfig: LXC 5.0.2's report
// on the kernel configuration, line for line, followed by a section LXC
// lacks that probes what the running kernel really allows.
package checkconfigtool

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/kconfig"
)

// Tool is lxc-checkconfig. It parses its own arguments, as LXC's does
// (none: it is configured through the CONFIG and MODNAME variables).
var Tool = &cli.Tool{
	Name:  "lxc-checkconfig",
	Short: "check the kernel and host for LXC support",
	Help: `lxc-checkconfig
Checks the kernel configuration (CONFIG=/path/to/config, default
/proc/config.gz) and probes the running kernel for container support.
`,
	Custom: true,
	Run:    run,
}

// progPath is $0 as the shell script sees it: the path it was run by.
func progPath() string {
	a := "lxc-checkconfig"
	if len(os.Args) > 0 && filepath.Base(os.Args[0]) == "lxc-checkconfig" {
		a = os.Args[0]
	}
	if !strings.Contains(a, "/") {
		if p, err := exec.LookPath(a); err == nil {
			return p
		}
	}
	return a
}

// report writes the script's output; color mimics SETCOLOR_* on a tty.
type report struct {
	w     io.Writer
	color bool
	cfg   *kconfig.Config
	// modules is the content lsmod would grep, nil without /proc/modules.
	modules []string
}

const (
	green  = "\033[1;32m"
	red    = "\033[1;31m"
	yellow = "\033[1;33m"
	normal = "\033[0;39m"
)

func (r *report) printf(format string, a ...any) { fmt.Fprintf(r.w, format, a...) }

func (r *report) colored(c, s string) {
	if r.color {
		r.printf("%s%s%s", c, s, normal)
	} else {
		r.printf("%s", s)
	}
}

// showEnabled is show_enabled: it prints the verdict and returns true when
// enabled.
func (r *report) showEnabled(ok, mandatory bool) bool {
	switch {
	case ok:
		r.colored(green, "enabled")
	case mandatory:
		r.colored(red, "required")
	default:
		r.colored(yellow, "missing")
	}
	return ok
}

func (r *report) isEnabled(opt string, mandatory bool) bool {
	return r.showEnabled(r.cfg.IsSet(opt), mandatory)
}

// isProbed is is_probed: with /proc/modules, ", loaded" when lsmod's output
// mentions the module name.
func (r *report) isProbed(mod string) {
	if r.modules == nil {
		return
	}
	re := regexp.MustCompile(regexp.QuoteMeta(mod))
	for _, l := range r.modules {
		if re.MatchString(l) {
			r.printf(", loaded")
			return
		}
	}
	r.printf(", not loaded")
}

// feature prints "Label: verdict[, loaded]" and the newline.
func (r *report) feature(label, opt, mod string) {
	r.printf("%s: ", label)
	if r.isEnabled(opt, false) && mod != "" {
		r.isProbed(mod)
	}
	r.printf("\n")
}

// lsmodLines renders /proc/modules as lsmod does (name, size, use count,
// users), the text the script greps; nil when /proc/modules is absent.
func lsmodLines() []string {
	f, err := os.Open("/proc/modules")
	if err != nil {
		return nil
	}
	defer f.Close()
	out := []string{"Module                  Size  Used by"}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 4 {
			continue
		}
		users := strings.TrimSuffix(fl[3], ",")
		if users == "-" {
			users = ""
		}
		out = append(out, fmt.Sprintf("%-19s %8s  %s %s", fl[0], fl[1], fl[2], users))
	}
	return out
}

// cgroupMounts is print_cgroups: mount points of fstype in /proc/self/mounts.
func cgroupMounts(fstype string) []string {
	data, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && !strings.Contains(f[0], "#") && f[2] == fstype {
			out = append(out, f[1])
		}
	}
	return out
}

func isRegular(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// colorWanted: colours only on a terminal, and never with NO_COLOR set.
func colorWanted(w io.Writer) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

func run(x *cli.Ctx) error {
	r := &report{w: x.Stdout, color: colorWanted(x.Stdout)}
	if p, err := exec.LookPath("lxc-start"); err == nil {
		out, _ := exec.Command(p, "--version").Output()
		r.printf("LXC version %s\n", strings.TrimRight(string(out), "\n"))
	}
	path := os.Getenv("CONFIG")
	if path == "" {
		path = "/proc/config.gz"
	}
	modname := os.Getenv("MODNAME")
	if modname == "" {
		modname = "configs"
	}
	if !isRegular(path) {
		r.printf("Kernel configuration not found at %s; searching...\n", path)
		var uts unix.Utsname
		unix.Uname(&uts)
		kver := unix.ByteSliceToString(uts.Release[:])
		for _, p := range []string{"/lib/modules/" + kver + "/build/.config", "/boot/config-" + kver} {
			if isRegular(p) {
				path = p
			}
		}
		if !isRegular(path) {
			fmt.Fprintf(x.Stderr, "lxc-checkconfig: unable to retrieve kernel configuration\n\n")
			if modFileExists(kver, modname) {
				fmt.Fprintf(x.Stderr, "Try modprobe %s module, or\n", modname)
			}
			fmt.Fprintf(x.Stderr, "Try recompiling with IKCONFIG_PROC, installing the kernel headers,\n")
			fmt.Fprintf(x.Stderr, "or specifying the kernel configuration path with:\n")
			fmt.Fprintf(x.Stderr, "  CONFIG=<path> lxc-checkconfig\n")
			return cli.Exit(1)
		}
		r.printf("Kernel configuration found at %s\n", path)
	}
	cfg, err := kconfig.Read(path)
	if err != nil {
		fmt.Fprintf(x.Stderr, "lxc-checkconfig: %v\n", err)
		return cli.Exit(1)
	}
	r.cfg = cfg
	r.modules = lsmodLines()
	if !cfg.Known {
		r.printf("WARNING: Unable to detect version from configuration, assuming latest\n\n")
	}
	// The script's numeric tests ([ X -lt N ]) are false when X is not a
	// number.
	const (
		majV = iota
		minV
	)
	val := func(which int) (int, bool) {
		if which == majV {
			return cfg.Major, cfg.MajorOK
		}
		return cfg.Minor, cfg.MinorOK
	}
	test := func(op func(a, b int) bool) func(which, b int) bool {
		return func(which, b int) bool {
			a, ok := val(which)
			return ok && op(a, b)
		}
	}
	lt := test(func(a, b int) bool { return a < b })
	eq := test(func(a, b int) bool { return a == b })
	ge := test(func(a, b int) bool { return a >= b })
	gt := test(func(a, b int) bool { return a > b })
	maj, min := majV, minV

	r.printf("\n--- Namespaces ---\n")
	r.printf("Namespaces: ")
	r.isEnabled("CONFIG_NAMESPACES", true)
	r.printf("\nUtsname namespace: ")
	r.isEnabled("CONFIG_UTS_NS", false)
	r.printf("\nIpc namespace: ")
	r.isEnabled("CONFIG_IPC_NS", true)
	r.printf("\nPid namespace: ")
	r.isEnabled("CONFIG_PID_NS", true)
	r.printf("\nUser namespace: ")
	r.isEnabled("CONFIG_USER_NS", false)
	r.printf("\n")
	if cfg.IsSet("CONFIG_USER_NS") {
		for _, prog := range []string{"newuidmap", "newgidmap"} {
			p, err := exec.LookPath(prog)
			if err != nil {
				r.printf("%s is not installed\n", prog)
				continue
			}
			if st, err := os.Stat(p); err != nil || st.Mode()&os.ModeSetuid == 0 {
				r.printf("Warning: %s is not setuid-root\n", prog)
			}
		}
	}
	r.printf("Network namespace: ")
	r.isEnabled("CONFIG_NET_NS", false)
	r.printf("\n")
	if lt(maj, 4) || (eq(maj, 4) && lt(min, 7)) {
		r.printf("Multiple /dev/pts instances: ")
		r.isEnabled("DEVPTS_MULTIPLE_INSTANCES", false)
		r.printf("\n")
	}
	r.printf("\n--- Control groups ---\n")
	r.printf("Cgroups: ")
	r.isEnabled("CONFIG_CGROUPS", false)
	r.printf("\nCgroup namespace: ")
	r.showEnabled(isRegular("/proc/self/ns/cgroup"), false)
	r.printf("\n")
	v1, v2 := cgroupMounts("cgroup"), cgroupMounts("cgroup2")
	r.printf("Cgroup v1 mount points: \n")
	for _, m := range v1 {
		r.printf(" - %s\n", m)
	}
	r.printf("Cgroup v2 mount points: \n")
	for _, m := range v2 {
		r.printf(" - %s\n", m)
	}
	if strings.Join(v2, "\n") != "/sys/fs/cgroup" {
		has := func(s string) bool {
			for _, m := range v1 {
				if strings.Contains(m, s) {
					return true
				}
			}
			return false
		}
		if !has("/systemd") {
			r.printf("Cgroup v1 systemd controller: ")
			r.colored(red, "missing")
			r.printf("\n")
		}
		if !has("/freezer") {
			r.printf("Cgroup v1 freezer controller: ")
			r.colored(red, "missing")
			r.printf("\n")
		}
		if len(v1) > 0 && isRegular(v1[0]+"/cgroup.clone_children") {
			r.printf("Cgroup v1 clone_children flag: ")
			// The script prints the colour reset after the newline.
			if r.color {
				r.printf("%senabled\n%s", green, normal)
			} else {
				r.printf("enabled\n")
			}
		}
	}
	r.printf("Cgroup device: ")
	r.isEnabled("CONFIG_CGROUP_DEVICE", false)
	r.printf("\nCgroup sched: ")
	r.isEnabled("CONFIG_CGROUP_SCHED", false)
	r.printf("\nCgroup cpu account: ")
	r.isEnabled("CONFIG_CGROUP_CPUACCT", false)
	r.printf("\nCgroup memory controller: ")
	if (ge(maj, 3) && ge(min, 6)) || gt(maj, 3) {
		r.isEnabled("CONFIG_MEMCG", false)
	} else {
		r.isEnabled("CONFIG_CGROUP_MEM_RES_CTLR", false)
	}
	r.printf("\n")
	// "is_set CONFIG_SMP && ... && is_enabled CONFIG_CPUSETS && echo": a
	// missing cpuset swallows its own newline, the blank line after it
	// provides one.
	if cfg.IsSet("CONFIG_SMP") {
		r.printf("Cgroup cpuset: ")
		if r.isEnabled("CONFIG_CPUSETS", false) {
			r.printf("\n")
		}
	}
	r.printf("\n--- Misc ---\n")
	r.feature("Veth pair device", "CONFIG_VETH", "veth")
	r.feature("Macvlan", "CONFIG_MACVLAN", "macvlan")
	r.feature("Vlan", "CONFIG_VLAN_8021Q", "8021q")
	r.feature("Bridges", "CONFIG_BRIDGE", "bridge")
	r.printf("Advanced netfilter: ")
	if r.isEnabled("CONFIG_NETFILTER_ADVANCED", false) {
		r.isProbed("nf_tables")
	}
	if gt(maj, 3) && gt(min, 6) && lt(maj, 5) {
		r.printf("\n")
		r.printf("CONFIG_NF_NAT_IPV4: ")
		if r.isEnabled("CONFIG_NF_NAT_IPV4", false) {
			r.isProbed("nf_nat_ipv4")
		}
		r.printf("\n")
		r.printf("CONFIG_NF_NAT_IPV6: ")
		if r.isEnabled("CONFIG_NF_NAT_IPV6", false) {
			r.isProbed("nf_nat_ipv6")
		}
	}
	r.printf("\n")
	r.feature("CONFIG_IP_NF_TARGET_MASQUERADE", "CONFIG_IP_NF_TARGET_MASQUERADE", "nf_nat_masquerade_ipv4")
	r.feature("CONFIG_IP6_NF_TARGET_MASQUERADE", "CONFIG_IP6_NF_TARGET_MASQUERADE", "nf_nat_masquerade_ipv6")
	r.feature("CONFIG_NETFILTER_XT_TARGET_CHECKSUM", "CONFIG_NETFILTER_XT_TARGET_CHECKSUM", "xt_CHECKSUM")
	r.feature("CONFIG_NETFILTER_XT_MATCH_COMMENT", "CONFIG_NETFILTER_XT_MATCH_COMMENT", "xt_comment")
	r.feature("FUSE (for use with lxcfs)", "CONFIG_FUSE_FS", "fuse")
	r.printf("\n--- Checkpoint/Restore ---\n")
	r.feature("checkpoint restore", "CONFIG_CHECKPOINT_RESTORE", "")
	for _, o := range []string{"CONFIG_FHANDLE", "CONFIG_EVENTFD", "CONFIG_EPOLL", "CONFIG_UNIX_DIAG", "CONFIG_INET_DIAG", "CONFIG_PACKET_DIAG", "CONFIG_NETLINK_DIAG"} {
		r.feature(o, o, "")
	}
	r.printf("File capabilities: ")
	if cfg.Known && eq(maj, 2) && lt(min, 33) {
		r.isEnabled("CONFIG_SECURITY_FILE_CAPABILITIES", false)
		r.printf("\n")
	} else if r.color {
		r.printf("%senabled\n%s", green, normal)
	} else {
		r.printf("enabled\n")
	}

	runtimeProbes(r)

	r.printf("\nNote : Before booting a new kernel, you can check its configuration\n")
	r.printf("usage : CONFIG=/path/to/config %s\n\n", progPath())
	return nil
}

// modFileExists is the script's `modinfo -k KVER -n MODNAME` test.
func modFileExists(kver, mod string) bool {
	found := false
	filepath.WalkDir("/lib/modules/"+kver, func(p string, d os.DirEntry, err error) error {
		if err != nil || found {
			return filepath.SkipDir
		}
		n := d.Name()
		if !d.IsDir() && (n == mod+".ko" || strings.HasPrefix(n, mod+".ko.")) {
			found = true
		}
		return nil
	})
	return found
}
