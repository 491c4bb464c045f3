package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// handler sets and gets one key (or one key family for prefix entries).
// sub is the part of the key after a family prefix. The getters return
// exactly the text LXC's getters produce (what `lxc-info -c KEY` prints
// after "KEY = "), including their trailing-newline conventions.
type handler struct {
	set func(c *Container, key, sub, value string) error
	get func(c *Container, key, sub string) (string, error)
}

// listStr renders a list the way most LXC list getters do: each entry
// followed by a newline.
func listStr(v []string) string {
	var b strings.Builder
	for _, s := range v {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return b.String()
}

func strKey(field func(c *Container) *string) handler {
	return handler{
		set: func(c *Container, _, _, v string) error { *field(c) = v; return nil },
		get: func(c *Container, _, _ string) (string, error) { return *field(c), nil },
	}
}

// nullStrKey is a string key whose unset value LXC prints as "(null)"
// (it passes a NULL pointer to printf).
func nullStrKey(field func(c *Container) *string) handler {
	return handler{
		set: func(c *Container, _, _, v string) error { *field(c) = v; return nil },
		get: func(c *Container, _, _ string) (string, error) {
			if *field(c) == "" {
				return "(null)", nil
			}
			return *field(c), nil
		},
	}
}

// boolKey is a 0/1 key; an empty value resets it to clear.
func boolKey(field func(c *Container) *bool, clear bool) handler {
	return handler{
		set: func(c *Container, _, _, v string) error {
			if v == "" {
				*field(c) = clear
				return nil
			}
			b, err := parseBoolLXC(v)
			if err != nil {
				return err
			}
			*field(c) = b
			return nil
		},
		get: func(c *Container, _, _ string) (string, error) { return boolStr(*field(c)), nil },
	}
}

// uintKey is lxc_safe_uint; an empty value is 0. signed says LXC prints it
// with %d (else as an unsigned size).
func uintKey(field func(c *Container) *int, signed bool) handler {
	return handler{
		set: func(c *Container, _, _, v string) error {
			if v == "" {
				*field(c) = 0
				return nil
			}
			n, err := safeUint(v)
			if err != nil {
				return fmt.Errorf("invalid unsigned number %q", v)
			}
			*field(c) = int(n)
			return nil
		},
		get: func(c *Container, _, _ string) (string, error) {
			if signed {
				return strconv.Itoa(int(int32(uint32(*field(c))))), nil
			}
			return strconv.Itoa(*field(c)), nil
		},
	}
}

func signalKey(field func(c *Container) *int) handler {
	return handler{
		set: func(c *Container, _, _, v string) error {
			n, err := ParseSignal(v)
			if err != nil {
				return err
			}
			*field(c) = n
			return nil
		},
		get: func(c *Container, _, _ string) (string, error) { return strconv.Itoa(*field(c)), nil },
	}
}

// dirKey is an lxc.cgroup.dir* key: relative, without "..".
func dirKey(field func(c *Container) *string) handler {
	return handler{
		set: func(c *Container, key, _, v string) error {
			switch {
			case v == "":
			case strings.HasPrefix(v, "/"):
				return fmt.Errorf("%s paths may not be absolute", key)
			case strings.Contains(v, ".."):
				return fmt.Errorf("%s paths may not walk upwards via \"../\"", key)
			}
			*field(c) = v
			return nil
		},
		get: nullStrKey(field).get,
	}
}

func hookKey(typ string) handler {
	return handler{
		set: func(c *Container, _, _, v string) error {
			if v == "" {
				delete(c.Hooks, typ)
				return nil
			}
			c.Hooks[typ] = append(c.Hooks[typ], v)
			return nil
		},
		get: func(c *Container, _, _ string) (string, error) { return listStr(c.Hooks[typ]), nil },
	}
}

// kvFamily handles lxc.cgroup.*, lxc.cgroup2.*, lxc.sysctl.* and
// lxc.proc.*. An empty value clears the entries of exactly that subkey (or
// all of them for the bare family key). replace makes a repeated subkey
// replace its value (sysctl); cgroup and proc entries accumulate.
// oneLine is the getter style: for a single subkey, cgroup getters end each
// value with a newline while sysctl/proc print the bare values.
func kvFamily(prefix string, field func(c *Container) *[]KV, replace, valueNewline bool) handler {
	return handler{
		set: func(c *Container, key, sub, v string) error {
			list := field(c)
			if v == "" {
				out := (*list)[:0]
				for _, kv := range *list {
					if sub != "" && kv.Key != sub {
						out = append(out, kv)
					}
				}
				*list = out
				return nil
			}
			if sub == "" {
				return fmt.Errorf("%s needs a subkey (%s.NAME = VALUE)", key, prefix)
			}
			if replace {
				for i := range *list {
					if (*list)[i].Key == sub {
						(*list)[i].Value = v
						return nil
					}
				}
			}
			*list = append(*list, KV{Key: sub, Value: v})
			return nil
		},
		get: func(c *Container, key, sub string) (string, error) {
			var b strings.Builder
			for _, kv := range *field(c) {
				if sub == "" {
					fmt.Fprintf(&b, "%s.%s = %s\n", prefix, kv.Key, kv.Value)
				} else if kv.Key == sub {
					b.WriteString(kv.Value)
					if valueNewline {
						b.WriteByte('\n')
					}
				}
			}
			return b.String(), nil
		},
	}
}

var keyTable map[string]handler

// prefixFamilies are matched by prefix, as in LXC.
var prefixFamilies = []string{"lxc.cgroup2", "lxc.cgroup", "lxc.net", "lxc.namespace.share", "lxc.prlimit", "lxc.sysctl", "lxc.proc"}

func init() {
	keyTable = map[string]handler{
		"lxc.arch": {
			set: func(c *Container, _, _, v string) error {
				// An empty value is an error in LXC too: it is looked
				// up as a personality name.
				if _, ok := ArchIs64(v); !ok {
					return fmt.Errorf("unsupported personality %q", v)
				}
				c.Arch = v
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) {
				if c.Arch == "" {
					return "", nil
				}
				if is64, _ := ArchIs64(c.Arch); is64 {
					return "x86_64", nil
				}
				return "i686", nil
			},
		},
		"lxc.uts.name": {
			set: func(c *Container, _, _, v string) error {
				if len(v) >= 65 {
					return fmt.Errorf("hostname %q is too long (at most 64 characters)", v)
				}
				c.UTSName = v
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return c.UTSName, nil },
		},
		"lxc.ephemeral":    boolKey(func(c *Container) *bool { return &c.Ephemeral }, false),
		"lxc.no_new_privs": boolKey(func(c *Container) *bool { return &c.NoNewPrivs }, false),
		"lxc.sched.core":   boolKey(func(c *Container) *bool { return &c.SchedCore }, false),
		// LXC stores lxc.keyring.session in a "disable" flag: 1 disables the
		// session keyring (the opposite of the man page), and prints the flag.
		"lxc.keyring.session": boolKey(func(c *Container) *bool { return &c.KeyringSessionDisable }, false),
		"lxc.group": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.Groups = nil
					return nil
				}
				c.Groups = append(c.Groups, strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' })...)
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return listStr(c.Groups), nil },
		},
		"lxc.environment": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.Environment = nil
					return nil
				}
				if !strings.Contains(v, "=") {
					val, ok := os.LookupEnv(v)
					if !ok {
						return fmt.Errorf("environment variable %q is not set in the environment of this process", v)
					}
					v = v + "=" + val
				}
				c.Environment = append(c.Environment, v)
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return listStr(c.Environment), nil },
		},
		"lxc.init.cmd":    strKey(func(c *Container) *string { return &c.InitCmd }),
		"lxc.execute.cmd": strKey(func(c *Container) *string { return &c.ExecuteCmd }),
		"lxc.init.cwd":    strKey(func(c *Container) *string { return &c.InitCwd }),
		"lxc.init.uid": {
			set: func(c *Container, _, _, v string) error {
				n, err := parseInitID(v)
				c.InitUID = n
				return err
			},
			get: func(c *Container, _, _ string) (string, error) { return strconv.Itoa(int(int32(c.InitUID))), nil },
		},
		"lxc.init.gid": {
			set: func(c *Container, _, _, v string) error {
				n, err := parseInitID(v)
				c.InitGID = n
				return err
			},
			get: func(c *Container, _, _ string) (string, error) { return strconv.Itoa(int(int32(c.InitGID))), nil },
		},
		"lxc.init.groups": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.InitGroups = nil
					return nil
				}
				var add []uint32
				for _, g := range strings.Split(v, ",") {
					if g == "" {
						continue
					}
					n, err := safeUint(g)
					if err != nil {
						return fmt.Errorf("invalid group id %q", g)
					}
					add = append(add, n)
				}
				if len(add) == 0 {
					return fmt.Errorf("no valid groups in %q", v)
				}
				c.InitGroups = append(c.InitGroups, add...)
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) {
				var v []string
				for _, g := range c.InitGroups {
					v = append(v, strconv.Itoa(int(int32(g))))
				}
				return strings.Join(v, ","), nil
			},
		},
		"lxc.signal.halt":   signalKey(func(c *Container) *int { return &c.SignalHalt }),
		"lxc.signal.reboot": signalKey(func(c *Container) *int { return &c.SignalReboot }),
		"lxc.signal.stop":   signalKey(func(c *Container) *int { return &c.SignalStop }),
		"lxc.monitor.unshare": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.monitorUnshare, c.MonitorUnshare = 0, false
					return nil
				}
				n, err := safeUint(v)
				if err != nil {
					return fmt.Errorf("invalid unsigned number %q", v)
				}
				c.monitorUnshare, c.MonitorUnshare = n, n != 0
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) {
				return strconv.Itoa(int(int32(c.monitorUnshare))), nil
			},
		},
		"lxc.monitor.signal.pdeath": {
			set: func(c *Container, _, _, v string) error {
				n, err := ParseSignal(v)
				if err != nil {
					return err
				}
				c.MonitorSignalPdeath = n
				c.monitorPdeathWasSet = true
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return strconv.Itoa(c.MonitorSignalPdeath), nil },
		},
		"lxc.rootfs.path": {
			set: func(c *Container, _, _, v string) error { c.RootfsPath = v; return nil },
			// LXC splits "TYPE:PATH" at the first ':' and prints the path.
			get: func(c *Container, _, _ string) (string, error) {
				if _, p, ok := strings.Cut(c.RootfsPath, ":"); ok {
					return p, nil
				}
				return c.RootfsPath, nil
			},
		},
		"lxc.rootfs.mount": {
			set: func(c *Container, _, _, v string) error { c.RootfsMount, c.rootfsMountSet = v, true; return nil },
			// LXC prints its compiled-in default until the key is set
			// (an explicit empty value clears it to nothing).
			get: func(c *Container, _, _ string) (string, error) {
				if !c.rootfsMountSet {
					return DefaultRootfsMount, nil
				}
				return c.RootfsMount, nil
			},
		},
		"lxc.rootfs.options": {
			set: func(c *Container, _, _, v string) error {
				for _, o := range strings.Split(v, ",") {
					if o == "optional" || o == "relative" || strings.HasPrefix(o, "create=") {
						return fmt.Errorf("mount option %q is not allowed in lxc.rootfs.options", o)
					}
				}
				c.RootfsOptions = v
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return c.RootfsOptions, nil },
		},
		"lxc.rootfs.managed": boolKey(func(c *Container) *bool { return &c.RootfsManaged }, true),
		"lxc.mount.fstab": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.MountFstab = ""
					return errEmptyNotAllowed
				}
				c.MountFstab = v
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return c.MountFstab, nil },
		},
		"lxc.mount.entry": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.MountEntries, c.MountEntrySrc = nil, nil
					return nil
				}
				c.MountEntries = append(c.MountEntries, v)
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return listStr(c.MountEntries), nil },
		},
		"lxc.mount.auto": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.MountAuto = MountAuto{}
					return nil
				}
				m := c.MountAuto
				for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' }) {
					if err := m.add(tok); err != nil {
						return err
					}
				}
				c.MountAuto = m
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return c.MountAuto.String(), nil },
		},
		"lxc.autodev": boolKey(func(c *Container) *bool { return &c.Autodev }, false),
		"lxc.autodev.tmpfs.size": {
			set: func(c *Container, _, _, v string) error {
				n, err := safeInt(v)
				if v == "" || err != nil {
					n = 500000
				}
				c.AutodevTmpfsSize, c.autodevTmpfsRaw = n, n
				return nil
			},
			// LXC prints the stored value, 0 while the key is unset.
			get: func(c *Container, _, _ string) (string, error) { return strconv.Itoa(c.autodevTmpfsRaw), nil },
		},
		"lxc.tty.max": uintKey(func(c *Container) *int { return &c.TTYMax }, false),
		"lxc.tty.dir": {
			set: func(c *Container, _, _, v string) error {
				if len(v) > 255 {
					return fmt.Errorf("tty directory name %q is too long", v)
				}
				// LXC accepts any name here; golxc refuses values that
				// would leave /dev inside the container.
				if strings.Contains(v, "/") || v == "." || v == ".." {
					return fmt.Errorf("invalid tty directory %q: must be a single directory name", v)
				}
				c.TTYDir = v
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return c.TTYDir, nil },
		},
		"lxc.pty.max":         uintKey(func(c *Container) *int { return &c.PTYMax }, false),
		"lxc.console.path":    strKey(func(c *Container) *string { return &c.ConsolePath }),
		"lxc.console.logfile": strKey(func(c *Container) *string { return &c.ConsoleLogfile }),
		"lxc.console.rotate":  boolKey(func(c *Container) *bool { return &c.ConsoleRotate }, false),
		"lxc.console.buffer.size": {
			set: func(c *Container, _, _, v string) error {
				n, err := parseSize(v)
				if err != nil {
					return err
				}
				c.ConsoleBufferSize, c.ConsoleBufferSizeRaw = n, v
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) {
				return strconv.FormatUint(c.ConsoleBufferSize, 10), nil
			},
		},
		"lxc.console.size": {
			set: func(c *Container, _, _, v string) error {
				n, err := parseSize(v)
				if err != nil {
					return err
				}
				c.ConsoleSize, c.ConsoleSizeRaw = n, v
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return strconv.FormatUint(c.ConsoleSize, 10), nil },
		},
		"lxc.cgroup.dir":               dirKey(func(c *Container) *string { return &c.CgroupDir }),
		"lxc.cgroup.dir.container":     dirKey(func(c *Container) *string { return &c.CgroupDirContainer }),
		"lxc.cgroup.dir.monitor":       dirKey(func(c *Container) *string { return &c.CgroupDirMonitor }),
		"lxc.cgroup.dir.monitor.pivot": dirKey(func(c *Container) *string { return &c.CgroupDirMonitorPivot }),
		"lxc.cgroup.dir.container.inner": {
			set: func(c *Container, _, _, v string) error {
				switch {
				case v == "":
				case strings.HasPrefix(v, "/"):
					return errors.New("lxc.cgroup.dir.container.inner may not be absolute")
				case strings.Contains(v, "/") || v == "." || v == "..":
					return errors.New("lxc.cgroup.dir.container.inner must be a single directory name")
				}
				c.CgroupDirInner = v
				return nil
			},
			get: nullStrKey(func(c *Container) *string { return &c.CgroupDirInner }).get,
		},
		"lxc.cgroup.relative": boolKey(func(c *Container) *bool { return &c.CgroupRelative }, false),
		"lxc.cap.drop": {
			set: func(c *Container, _, _, v string) error { return c.setCaps(v, false) },
			get: func(c *Container, _, _ string) (string, error) { return listStr(c.capList), nil },
		},
		// LXC 5 keeps one capability list with a keep/drop mode, and both
		// getters print it whatever the mode.
		"lxc.cap.keep": {
			set: func(c *Container, _, _, v string) error { return c.setCaps(v, true) },
			get: func(c *Container, _, _ string) (string, error) { return listStr(c.capList), nil },
		},
		"lxc.apparmor.profile":          strKey(func(c *Container) *string { return &c.ApparmorProfile }),
		"lxc.apparmor.allow_incomplete": boolKey(func(c *Container) *bool { return &c.ApparmorAllowIncomplete }, false),
		"lxc.apparmor.allow_nesting":    boolKey(func(c *Container) *bool { return &c.ApparmorAllowNesting }, false),
		"lxc.apparmor.raw": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.ApparmorRaw = nil
					return nil
				}
				c.ApparmorRaw = append(c.ApparmorRaw, v)
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return listStr(c.ApparmorRaw), nil },
		},
		"lxc.selinux.context":         strKey(func(c *Container) *string { return &c.SELinuxContext }),
		"lxc.selinux.context.keyring": strKey(func(c *Container) *string { return &c.SELinuxContextKeyring }),
		"lxc.seccomp.profile":         strKey(func(c *Container) *string { return &c.SeccompProfile }),
		"lxc.seccomp.allow_nesting":   boolKey(func(c *Container) *bool { return &c.SeccompAllowNesting }, false),
		"lxc.seccomp.notify.proxy": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.SeccompNotifyProxy = ""
					return nil
				}
				p, ok := strings.CutPrefix(v, "unix:")
				if !ok || !(strings.HasPrefix(p, "/") || strings.HasPrefix(p, "@")) || len(p) < 2 || len(p) > 107 {
					return fmt.Errorf("invalid seccomp notify proxy %q (want unix:/PATH or unix:@NAME)", v)
				}
				c.SeccompNotifyProxy = v
				return nil
			},
			// LXC prints the socket path: absolute as is, abstract
			// without its leading '@'.
			get: func(c *Container, _, _ string) (string, error) {
				p := strings.TrimPrefix(c.SeccompNotifyProxy, "unix:")
				return strings.TrimPrefix(p, "@"), nil
			},
		},
		"lxc.seccomp.notify.cookie": strKey(func(c *Container) *string { return &c.SeccompNotifyCookie }),
		"lxc.idmap": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.IDMaps = nil
					return nil
				}
				m, err := parseIDMap(v)
				if err != nil {
					return err
				}
				c.IDMaps = append(c.IDMaps, m)
				return nil
			},
			// No newline after the last entry, unlike most list getters.
			get: func(c *Container, _, _ string) (string, error) {
				var v []string
				for _, m := range c.IDMaps {
					v = append(v, m.String())
				}
				return strings.Join(v, "\n"), nil
			},
		},
		"lxc.namespace.clone": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.NamespaceClone = nil
					return nil
				}
				if len(c.NamespaceKeep) > 0 {
					return errors.New(`cannot set both "lxc.namespace.clone" and "lxc.namespace.keep"`)
				}
				ns, err := parseNamespaces(v)
				if err != nil {
					return err
				}
				c.NamespaceClone = mergeNamespaces(c.NamespaceClone, ns)
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return listStr(c.NamespaceClone), nil },
		},
		"lxc.namespace.keep": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.NamespaceKeep = nil
					return nil
				}
				if len(c.NamespaceClone) > 0 {
					return errors.New(`cannot set both "lxc.namespace.clone" and "lxc.namespace.keep"`)
				}
				ns, err := parseNamespaces(v)
				if err != nil {
					return err
				}
				c.NamespaceKeep = mergeNamespaces(c.NamespaceKeep, ns)
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return listStr(c.NamespaceKeep), nil },
		},
		"lxc.namespace.share": {
			set: func(c *Container, key, sub, v string) error {
				if _, ok := NamespaceFlags[sub]; !ok {
					return fmt.Errorf("unknown namespace %q in %s (want one of %s)", sub, key, strings.Join(NamespaceNames, " "))
				}
				if v == "" {
					delete(c.NamespaceShare, sub)
				} else {
					c.NamespaceShare[sub] = v
				}
				return nil
			},
			get: func(c *Container, key, sub string) (string, error) {
				if _, ok := NamespaceFlags[sub]; !ok {
					return "", errUnknownKey
				}
				if v, ok := c.NamespaceShare[sub]; ok {
					return v, nil
				}
				return "(null)", nil
			},
		},
		"lxc.time.offset.boot": {
			set: func(c *Container, _, _, v string) error {
				return setTimeOffset(v, &c.TimeOffsetBoot, &c.TimeOffsetBootSec, &c.TimeOffsetBootNsec)
			},
			get: func(c *Container, _, _ string) (string, error) {
				if c.TimeOffsetBootSec != 0 {
					return fmt.Sprintf("%d s\n", c.TimeOffsetBootSec), nil
				}
				return fmt.Sprintf("%d ns\n", c.TimeOffsetBootNsec), nil
			},
		},
		"lxc.time.offset.monotonic": {
			set: func(c *Container, _, _, v string) error {
				return setTimeOffset(v, &c.TimeOffsetMonotonic, &c.TimeOffsetMonotonicSec, &c.TimeOffsetMonotonicNsec)
			},
			get: func(c *Container, _, _ string) (string, error) {
				if c.TimeOffsetMonotonicSec != 0 {
					return fmt.Sprintf("%ds\n", c.TimeOffsetMonotonicSec), nil
				}
				return fmt.Sprintf("%dns\n", c.TimeOffsetMonotonicNsec), nil
			},
		},
		"lxc.prlimit": {
			set: func(c *Container, key, sub, v string) error {
				if v == "" {
					out := c.Prlimits[:0]
					for _, p := range c.Prlimits {
						if sub != "" && p.Name != sub {
							out = append(out, p)
						}
					}
					c.Prlimits = out
					return nil
				}
				if sub == "" {
					return errors.New("lxc.prlimit needs a resource name (lxc.prlimit.NAME = VALUE)")
				}
				// LXC checks the resource name only when the container
				// starts; so does golxc (see RlimitResources).
				p, err := parsePrlimit(sub, v)
				if err != nil {
					return err
				}
				for i := range c.Prlimits {
					if c.Prlimits[i].Name == sub {
						c.Prlimits[i] = p
						return nil
					}
				}
				c.Prlimits = append(c.Prlimits, p)
				return nil
			},
			get: func(c *Container, key, sub string) (string, error) {
				var b strings.Builder
				for _, p := range c.Prlimits {
					if sub == "" {
						fmt.Fprintf(&b, "lxc.prlimit.%s = %s\n", p.Name, p)
					} else if p.Name == sub {
						b.WriteString(p.String())
					}
				}
				return b.String(), nil
			},
		},
		"lxc.sysctl":  kvFamily("lxc.sysctl", func(c *Container) *[]KV { return &c.Sysctls }, true, false),
		"lxc.proc":    kvFamily("lxc.proc", func(c *Container) *[]KV { return &c.Proc }, false, false),
		"lxc.cgroup":  kvFamily("lxc.cgroup", func(c *Container) *[]KV { return &c.Cgroup }, false, true),
		"lxc.cgroup2": kvFamily("lxc.cgroup2", func(c *Container) *[]KV { return &c.Cgroup2 }, false, true),
		"lxc.net": {
			set: func(c *Container, key, sub, v string) error {
				if sub == "" {
					if v != "" {
						return errors.New("lxc.net must not have a value")
					}
					c.Net = nil
					return nil
				}
				return c.setNet(key, v)
			},
			get: func(c *Container, key, sub string) (string, error) {
				if sub == "" {
					var v []string
					for _, d := range c.Net {
						v = append(v, d.typeName("(invalid)"))
					}
					return listStr(v), nil
				}
				return c.getNet(key)
			},
		},
		"lxc.hook": {
			set: func(c *Container, _, _, v string) error {
				if v != "" {
					return errors.New("lxc.hook must not have a value")
				}
				c.Hooks = map[string][]string{}
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return "", errUnknownKey },
		},
		"lxc.hook.version": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.HookVersion = 0
					return nil
				}
				n, err := safeUint(v)
				if err != nil || n > 1 {
					return fmt.Errorf("invalid hook version %q (want 0 or 1)", v)
				}
				c.HookVersion = int(n)
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return strconv.Itoa(c.HookVersion), nil },
		},
		"lxc.log.file": strKey(func(c *Container) *string { return &c.LogFile }),
		"lxc.log.level": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.LogLevel = -1
					return nil
				}
				lv, ok := parseLogLevel(v)
				if !ok {
					return fmt.Errorf("invalid log level %q (want 0-8 or TRACE, DEBUG, INFO, NOTICE, WARN, ERROR, CRIT, ALERT, FATAL)", v)
				}
				c.LogLevel = lv
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return logLevelName(c.LogLevel), nil },
		},
		"lxc.log.syslog": {
			set: func(c *Container, _, _, v string) error {
				switch strings.ToLower(v) {
				case "", "daemon", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7":
					c.LogSyslog = v
					return nil
				}
				return fmt.Errorf("invalid syslog facility %q (want daemon or local0-local7)", v)
			},
			get: func(c *Container, _, _ string) (string, error) { return c.LogSyslog, nil },
		},
		"lxc.start.auto":  boolKey(func(c *Container) *bool { return &c.StartAuto }, false),
		"lxc.start.delay": uintKey(func(c *Container) *int { return &c.StartDelay }, true),
		"lxc.start.order": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.StartOrder = 0
					return nil
				}
				n, err := safeInt(v)
				if err != nil {
					return fmt.Errorf("invalid number %q", v)
				}
				c.StartOrder = n
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return strconv.Itoa(c.StartOrder), nil },
		},
		"lxc.include": {
			set: func(c *Container, _, _, v string) error { return c.include(v) },
			get: func(c *Container, _, _ string) (string, error) { return "", errUnknownKey },
		},
	}
	for _, t := range HookTypes {
		keyTable["lxc.hook."+t] = hookKey(t)
	}
}

// parseInitID reproduces LXC 5.0.2's lxc.init.uid/gid parsing: a value that
// is not a valid unsigned 32-bit number silently becomes 0, except a
// negative number or one too large for strtoul, which are errors.
func parseInitID(v string) (uint32, error) {
	if v == "" {
		return 0, nil
	}
	t := strings.TrimLeft(v, " \t\n\v\f\r")
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("invalid id %q: negative", v)
	}
	if _, _, _, overflow, _ := cStrtoull(t, 0); overflow {
		return 0, fmt.Errorf("invalid id %q: out of range", v)
	}
	n, err := safeUint(t)
	if err != nil {
		return 0, nil
	}
	return n, nil
}

func setTimeOffset(v string, raw *string, sec, nsec *int64) error {
	if v == "" {
		*raw, *sec, *nsec = "", 0, 0
		return nil
	}
	s, ns, isSec, err := parseTimeOffset(v)
	if err != nil {
		return err
	}
	*raw = v
	if isSec {
		*sec = s
	} else {
		*nsec = ns
	}
	return nil
}

// setCaps implements lxc.cap.drop and lxc.cap.keep: one list with a mode,
// as LXC 5 keeps it. "none" in keep empties the list (dropping everything);
// the two keys are mutually exclusive until the list is cleared.
func (c *Container) setCaps(v string, keep bool) error {
	if v == "" {
		c.capList, c.CapKeepSet = nil, false
		c.syncCaps()
		return nil
	}
	if keep && !c.CapKeepSet && len(c.capList) > 0 || !keep && c.CapKeepSet {
		return errors.New("keeping and dropping capabilities are mutually exclusive")
	}
	for _, name := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' }) {
		if keep && name == "none" {
			c.capList = nil
			continue
		}
		if _, ok := capNumberStrict(name); !ok {
			return fmt.Errorf("unknown capability %q (want a lower-case name without CAP_, e.g. sys_admin)", name)
		}
		c.capList = append(c.capList, name)
	}
	if keep {
		c.CapKeepSet = true
	}
	c.syncCaps()
	return nil
}

func (c *Container) syncCaps() {
	c.CapDrop, c.CapKeep = nil, nil
	if c.CapKeepSet {
		c.CapKeep = append([]string(nil), c.capList...)
	} else {
		c.CapDrop = append([]string(nil), c.capList...)
	}
}

// lookupKey finds the handler for key and the subkey of family keys.
func lookupKey(key string) (*handler, string) {
	if h, ok := keyTable[key]; ok {
		return &h, ""
	}
	for _, p := range prefixFamilies {
		if strings.HasPrefix(key, p+".") {
			h := keyTable[p]
			return &h, key[len(p)+1:]
		}
	}
	return nil, ""
}

// KnownKey reports whether LXC 5.x knows key.
func KnownKey(key string) bool {
	h, _ := lookupKey(key)
	return h != nil
}

// Keys returns every exact key name of the table, sorted (for completion).
func Keys() []string {
	out := make([]string, 0, len(keyTable))
	for k := range keyTable {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// GetItem returns the value of key as LXC's getter prints it (what
// `lxc-info -c KEY` shows). Unknown keys, and keys whose getter fails in
// LXC (e.g. a network device that does not exist), give an error.
func (c *Container) GetItem(key string) (string, error) {
	h, sub := lookupKey(key)
	if h == nil || h.get == nil {
		return "", errUnknownKey
	}
	return h.get(c, key, sub)
}

// absPath makes p absolute relative to the directory of the file it came from.
func absPath(base, p string) string {
	if filepath.IsAbs(p) || base == "" {
		return p
	}
	return filepath.Join(filepath.Dir(base), p)
}
