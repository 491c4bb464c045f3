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
// sub is the part of the key after a family prefix.
type handler struct {
	set func(c *Container, key, sub, value string) error
	get func(c *Container, key, sub string) (string, error)
}

// listStr renders a list the way LXC's getters do: each entry followed by a
// newline.
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

func boolKey(field func(c *Container) *bool) handler {
	return handler{
		set: func(c *Container, _, _, v string) error {
			b, err := parseBool(v)
			if err != nil {
				return err
			}
			*field(c) = b
			return nil
		},
		get: func(c *Container, _, _ string) (string, error) { return boolStr(*field(c)), nil },
	}
}

func intKey(field func(c *Container) *int, unsigned bool) handler {
	return handler{
		set: func(c *Container, _, _, v string) error {
			if unsigned {
				n, err := parseUint(v, 31)
				*field(c) = int(n)
				return err
			}
			n, err := parseInt(v)
			*field(c) = n
			return err
		},
		get: func(c *Container, _, _ string) (string, error) { return strconv.Itoa(*field(c)), nil },
	}
}

func listKey(field func(c *Container) *[]string, split bool) handler {
	return handler{
		set: func(c *Container, _, _, v string) error {
			if v == "" {
				*field(c) = nil
				return nil
			}
			if split {
				*field(c) = append(*field(c), strings.Fields(v)...)
			} else {
				*field(c) = append(*field(c), v)
			}
			return nil
		},
		get: func(c *Container, _, _ string) (string, error) { return listStr(*field(c)), nil },
	}
}

func signalKey(field func(c *Container) *int) handler {
	return handler{
		set: func(c *Container, _, _, v string) error {
			n, err := ParseSignal(v)
			*field(c) = n
			return err
		},
		get: func(c *Container, _, _ string) (string, error) { return strconv.Itoa(*field(c)), nil },
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

// kvFamily handles lxc.cgroup.*, lxc.cgroup2.*, lxc.sysctl.*, lxc.proc.*.
// replace makes a repeated key replace its earlier value (sysctl, proc?).
func kvFamily(prefix string, field func(c *Container) *[]KV, replace bool) handler {
	return handler{
		set: func(c *Container, key, sub, v string) error {
			list := field(c)
			if v == "" {
				// An empty value clears every entry under that prefix.
				out := (*list)[:0]
				for _, kv := range *list {
					if sub != "" && kv.Key != sub && !strings.HasPrefix(kv.Key, sub+".") {
						out = append(out, kv)
					}
				}
				*list = out
				return nil
			}
			if sub == "" {
				return fmt.Errorf("%s needs a subkey", key)
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
					b.WriteByte('\n')
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
				if v != "" {
					if _, ok := ArchIs64(v); !ok {
						return fmt.Errorf("unsupported personality %q", v)
					}
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
					return fmt.Errorf("hostname %q is too long (max 64)", v)
				}
				c.UTSName = v
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return c.UTSName, nil },
		},
		"lxc.ephemeral":       boolKey(func(c *Container) *bool { return &c.Ephemeral }),
		"lxc.group":           listKey(func(c *Container) *[]string { return &c.Groups }, true),
		"lxc.no_new_privs":    boolKey(func(c *Container) *bool { return &c.NoNewPrivs }),
		"lxc.sched.core":      boolKey(func(c *Container) *bool { return &c.SchedCore }),
		"lxc.keyring.session": boolKey(func(c *Container) *bool { return &c.KeyringSessionDisable }),
		"lxc.environment": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.Environment = nil
					return nil
				}
				if !strings.Contains(v, "=") {
					val, ok := os.LookupEnv(v)
					if !ok {
						return fmt.Errorf("environment variable %q is not set in the caller's environment", v)
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
		"lxc.init.cwd": {
			set: func(c *Container, _, _, v string) error {
				if v != "" && !strings.HasPrefix(v, "/") {
					return fmt.Errorf("init working directory %q must be absolute", v)
				}
				c.InitCwd = v
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return c.InitCwd, nil },
		},
		"lxc.init.uid": {
			set: func(c *Container, _, _, v string) error {
				n, err := parseUint(v, 32)
				c.InitUID = uint32(n)
				return err
			},
			get: func(c *Container, _, _ string) (string, error) { return strconv.FormatUint(uint64(c.InitUID), 10), nil },
		},
		"lxc.init.gid": {
			set: func(c *Container, _, _, v string) error {
				n, err := parseUint(v, 32)
				c.InitGID = uint32(n)
				return err
			},
			get: func(c *Container, _, _ string) (string, error) { return strconv.FormatUint(uint64(c.InitGID), 10), nil },
		},
		"lxc.init.groups": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
					c.InitGroups = nil
					return nil
				}
				for _, g := range strings.Split(v, ",") {
					n, err := strconv.ParseUint(strings.TrimSpace(g), 10, 32)
					if err != nil {
						return fmt.Errorf("invalid group id %q", g)
					}
					c.InitGroups = append(c.InitGroups, uint32(n))
				}
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) {
				var v []string
				for _, g := range c.InitGroups {
					v = append(v, strconv.FormatUint(uint64(g), 10))
				}
				return strings.Join(v, ","), nil
			},
		},
		"lxc.signal.halt":   signalKey(func(c *Container) *int { return &c.SignalHalt }),
		"lxc.signal.reboot": signalKey(func(c *Container) *int { return &c.SignalReboot }),
		"lxc.signal.stop":   signalKey(func(c *Container) *int { return &c.SignalStop }),
		"lxc.monitor.unshare": {
			set: func(c *Container, _, _, v string) error {
				n, err := parseUint(v, 31)
				c.MonitorUnshare = n != 0
				return err
			},
			get: func(c *Container, _, _ string) (string, error) { return boolStr(c.MonitorUnshare), nil },
		},
		"lxc.monitor.signal.pdeath": {
			set: func(c *Container, _, _, v string) error {
				n, err := ParseSignal(v)
				c.MonitorSignalPdeath = n
				c.monitorPdeathWasSet = true
				return err
			},
			get: func(c *Container, _, _ string) (string, error) { return strconv.Itoa(c.MonitorSignalPdeath), nil },
		},
		"lxc.rootfs.path":  strKey(func(c *Container) *string { return &c.RootfsPath }),
		"lxc.rootfs.mount": strKey(func(c *Container) *string { return &c.RootfsMount }),
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
		"lxc.rootfs.managed": boolKey(func(c *Container) *bool { return &c.RootfsManaged }),
		"lxc.mount.fstab": {
			set: func(c *Container, _, _, v string) error {
				if v == "" {
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
				if len(strings.Fields(v)) < 2 {
					return fmt.Errorf("invalid mount entry %q (want fstab syntax)", v)
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
				for _, tok := range strings.Fields(v) {
					if err := m.add(tok); err != nil {
						return err
					}
				}
				c.MountAuto = m
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return c.MountAuto.String(), nil },
		},
		"lxc.autodev": boolKey(func(c *Container) *bool { return &c.Autodev }),
		"lxc.autodev.tmpfs.size": {
			set: func(c *Container, _, _, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil || n <= 0 {
					n = 500000
				}
				c.AutodevTmpfsSize = n
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return strconv.Itoa(c.AutodevTmpfsSize), nil },
		},
		"lxc.tty.max": intKey(func(c *Container) *int { return &c.TTYMax }, true),
		"lxc.tty.dir": {
			set: func(c *Container, _, _, v string) error {
				if strings.Contains(v, "/") || v == "." || v == ".." || len(v) > 255 {
					return fmt.Errorf("invalid tty directory name %q", v)
				}
				c.TTYDir = v
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return c.TTYDir, nil },
		},
		"lxc.pty.max":         intKey(func(c *Container) *int { return &c.PTYMax }, true),
		"lxc.console.path":    strKey(func(c *Container) *string { return &c.ConsolePath }),
		"lxc.console.logfile": strKey(func(c *Container) *string { return &c.ConsoleLogfile }),
		"lxc.console.rotate":  boolKey(func(c *Container) *bool { return &c.ConsoleRotate }),
		"lxc.console.buffer.size": {
			set: func(c *Container, _, _, v string) error {
				n, err := parseSize(v)
				c.ConsoleBufferSize, c.ConsoleBufferSizeRaw = n, v
				return err
			},
			get: func(c *Container, _, _ string) (string, error) {
				return strconv.FormatUint(c.ConsoleBufferSize, 10), nil
			},
		},
		"lxc.console.size": {
			set: func(c *Container, _, _, v string) error {
				n, err := parseSize(v)
				c.ConsoleSize, c.ConsoleSizeRaw = n, v
				return err
			},
			get: func(c *Container, _, _ string) (string, error) { return strconv.FormatUint(c.ConsoleSize, 10), nil },
		},
		"lxc.cgroup.dir":                 strKey(func(c *Container) *string { return &c.CgroupDir }),
		"lxc.cgroup.dir.container":       strKey(func(c *Container) *string { return &c.CgroupDirContainer }),
		"lxc.cgroup.dir.monitor":         strKey(func(c *Container) *string { return &c.CgroupDirMonitor }),
		"lxc.cgroup.dir.monitor.pivot":   strKey(func(c *Container) *string { return &c.CgroupDirMonitorPivot }),
		"lxc.cgroup.dir.container.inner": strKey(func(c *Container) *string { return &c.CgroupDirInner }),
		"lxc.cgroup.relative":            boolKey(func(c *Container) *bool { return &c.CgroupRelative }),
		"lxc.cap.drop": {
			set: func(c *Container, _, _, v string) error { return c.setCaps(&c.CapDrop, v, false) },
			get: func(c *Container, _, _ string) (string, error) { return listStr(c.CapDrop), nil },
		},
		"lxc.cap.keep": {
			set: func(c *Container, _, _, v string) error { return c.setCaps(&c.CapKeep, v, true) },
			get: func(c *Container, _, _ string) (string, error) { return listStr(c.CapKeep), nil },
		},
		"lxc.apparmor.profile":          strKey(func(c *Container) *string { return &c.ApparmorProfile }),
		"lxc.apparmor.allow_incomplete": boolKey(func(c *Container) *bool { return &c.ApparmorAllowIncomplete }),
		"lxc.apparmor.allow_nesting":    boolKey(func(c *Container) *bool { return &c.ApparmorAllowNesting }),
		"lxc.apparmor.raw":              listKey(func(c *Container) *[]string { return &c.ApparmorRaw }, false),
		"lxc.selinux.context":           strKey(func(c *Container) *string { return &c.SELinuxContext }),
		"lxc.selinux.context.keyring":   strKey(func(c *Container) *string { return &c.SELinuxContextKeyring }),
		"lxc.seccomp.profile":           strKey(func(c *Container) *string { return &c.SeccompProfile }),
		"lxc.seccomp.allow_nesting":     boolKey(func(c *Container) *bool { return &c.SeccompAllowNesting }),
		"lxc.seccomp.notify.proxy":      strKey(func(c *Container) *string { return &c.SeccompNotifyProxy }),
		"lxc.seccomp.notify.cookie":     strKey(func(c *Container) *string { return &c.SeccompNotifyCookie }),
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
				ns, err := parseNamespaces(v)
				if err != nil {
					return err
				}
				if v == "" {
					c.NamespaceClone = nil
					return nil
				}
				c.NamespaceClone = append(c.NamespaceClone, ns...)
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return listStr(c.NamespaceClone), nil },
		},
		"lxc.namespace.keep": {
			set: func(c *Container, _, _, v string) error {
				ns, err := parseNamespaces(v)
				if err != nil {
					return err
				}
				if v == "" {
					c.NamespaceKeep = nil
					return nil
				}
				c.NamespaceKeep = append(c.NamespaceKeep, ns...)
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return listStr(c.NamespaceKeep), nil },
		},
		"lxc.namespace.share": {
			set: func(c *Container, key, sub, v string) error {
				if _, ok := NamespaceFlags[sub]; !ok || sub == "" {
					return fmt.Errorf("unknown namespace in %q: %w", key, errUnknownKey)
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
				return c.NamespaceShare[sub], nil
			},
		},
		"lxc.time.offset.boot":      timeOffsetKey(func(c *Container) *string { return &c.TimeOffsetBoot }),
		"lxc.time.offset.monotonic": timeOffsetKey(func(c *Container) *string { return &c.TimeOffsetMonotonic }),
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
						fmt.Fprintf(&b, "lxc.prlimit.%s = %s\n", p.Name, p.Raw)
					} else if p.Name == sub {
						b.WriteString(p.Raw)
					}
				}
				return b.String(), nil
			},
		},
		"lxc.sysctl":  kvFamily("lxc.sysctl", func(c *Container) *[]KV { return &c.Sysctls }, true),
		"lxc.proc":    kvFamily("lxc.proc", func(c *Container) *[]KV { return &c.Proc }, true),
		"lxc.cgroup":  kvFamily("lxc.cgroup", func(c *Container) *[]KV { return &c.Cgroup }, false),
		"lxc.cgroup2": kvFamily("lxc.cgroup2", func(c *Container) *[]KV { return &c.Cgroup2 }, false),
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
						v = append(v, d.Type)
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
				n, err := parseUint(v, 31)
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
					return fmt.Errorf("invalid log level %q", v)
				}
				c.LogLevel = lv
				return nil
			},
			get: func(c *Container, _, _ string) (string, error) { return logLevelName(c.LogLevel), nil },
		},
		"lxc.log.syslog": {
			set: func(c *Container, _, _, v string) error {
				switch v {
				case "", "daemon", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7":
					c.LogSyslog = v
					return nil
				}
				return fmt.Errorf("invalid syslog facility %q", v)
			},
			get: func(c *Container, _, _ string) (string, error) { return c.LogSyslog, nil },
		},
		"lxc.start.auto":  boolKey(func(c *Container) *bool { return &c.StartAuto }),
		"lxc.start.delay": intKey(func(c *Container) *int { return &c.StartDelay }, true),
		"lxc.start.order": intKey(func(c *Container) *int { return &c.StartOrder }, false),
		"lxc.include": {
			set: func(c *Container, _, _, v string) error { return c.include(v, Source{}) },
			get: func(c *Container, _, _ string) (string, error) { return "", errUnknownKey },
		},
	}
	for _, t := range HookTypes {
		keyTable["lxc.hook."+t] = hookKey(t)
	}
}

func timeOffsetKey(field func(c *Container) *string) handler {
	return handler{
		set: func(c *Container, _, _, v string) error {
			if v != "" {
				i := 0
				if v[0] == '-' || v[0] == '+' {
					i = 1
				}
				j := i
				for j < len(v) && v[j] >= '0' && v[j] <= '9' {
					j++
				}
				switch unit := v[j:]; {
				case j == i:
					return fmt.Errorf("invalid time offset %q", v)
				case unit == "h" || unit == "m" || unit == "s" || unit == "ms" || unit == "us" || unit == "ns":
				default:
					return fmt.Errorf("invalid time offset %q (unit h, m, s, ms, us or ns required)", v)
				}
			}
			*field(c) = v
			return nil
		},
		get: func(c *Container, _, _ string) (string, error) { return *field(c), nil },
	}
}

func (c *Container) setCaps(list *[]string, v string, keep bool) error {
	if v == "" {
		*list = nil
		return nil
	}
	for _, name := range strings.Fields(v) {
		if name == "none" {
			if !keep {
				return errors.New(`"none" is not valid in lxc.cap.drop`)
			}
			*list = nil
			continue
		}
		if CapNumber(name) < 0 {
			return fmt.Errorf("unknown capability %q", name)
		}
		*list = append(*list, name)
	}
	if len(c.CapDrop) > 0 && len(c.CapKeep) > 0 {
		return errors.New("keeping and dropping capabilities are mutually exclusive")
	}
	return nil
}

var logLevelNames = []string{"TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "CRIT", "ALERT", "FATAL"}

func parseLogLevel(v string) (int, bool) {
	if n, err := strconv.Atoi(v); err == nil {
		return n, n >= 0 && n <= 8
	}
	u := strings.ToUpper(v)
	for i, n := range logLevelNames {
		if n == u {
			return i, true
		}
	}
	return 0, false
}

func logLevelName(n int) string {
	if n < 0 || n >= len(logLevelNames) {
		return "NOTSET"
	}
	return logLevelNames[n]
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
// `lxc-info -c KEY` shows). Unknown keys give an error.
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
