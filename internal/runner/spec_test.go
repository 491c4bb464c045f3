package runner

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/config"
)

// sampleValues are tried in order until a key accepts one.
var sampleValues = []string{
	"1", "100", "/tmp/golxc-spec-test", "dir:/tmp/golxc-spec-test", "veth", "lo", "SIGUSR1", "proc:mixed sys:ro cgroup:mixed",
	"u 0 100000 65536", "none bind,create=dir 0 0", "sys_module mac_admin", "net", "host", "10", "a", "c 1:3 rwm",
	"00:16:3e:00:00:01", "10.0.3.5/24", "fd00::5/64", "up", "2:3", "x86_64", "foo=bar", "/bin/true",
}

// configWithEveryKey sets each known key to the first sample value it
// accepts, so the configuration holds as many kinds of state as the key
// table has (unexported fields included).
func configWithEveryKey(t *testing.T) *config.Container {
	t.Helper()
	c := config.NewContainer()
	set := 0
	for _, k := range config.Keys() {
		if strings.HasSuffix(k, ".") || k == "lxc.include" || k == "lxc.rootfs.backend" {
			continue
		}
		key := k
		if strings.HasPrefix(k, "lxc.net.") {
			key = strings.Replace(k, "lxc.net.", "lxc.net.0.", 1)
		}
		for _, v := range sampleValues {
			probe := config.NewContainer()
			if probe.Set("lxc.net.0.type", "veth", config.Source{}) != nil {
				t.Fatal("lxc.net.0.type")
			}
			if probe.Set(key, v, config.Source{}) == nil {
				if err := c.Set(key, v, config.Source{File: "test", Line: set + 1}); err == nil {
					set++
				}
				break
			}
		}
	}
	// Keys whose names carry a part of their own.
	for _, kv := range [][2]string{
		{"lxc.cgroup.pids.max", "10"}, {"lxc.cgroup2.memory.max", "100M"}, {"lxc.hook.pre-start", "/bin/true"},
		{"lxc.log.syslog", "daemon"}, {"lxc.prlimit.nofile", "100:200"}, {"lxc.proc.oom_score_adj", "10"},
		{"lxc.sysctl.net.ipv4.ip_forward", "1"}, {"lxc.time.offset.boot", "10s"}, {"lxc.time.offset.monotonic", "-500ms"},
		{"lxc.seccomp.notify.proxy", "unix:/tmp/golxc-spec-test"}, {"lxc.net.1.type", "empty"},
	} {
		if err := c.Set(kv[0], kv[1], config.Source{File: "test"}); err != nil {
			t.Fatalf("%s = %s: %v", kv[0], kv[1], err)
		}
		set++
	}
	if set < len(config.Keys())-6 {
		t.Fatalf("only %d of %d keys took a sample value", set, len(config.Keys()))
	}
	return c
}

// A Spec crosses process boundaries (lxc-start to a Go monitor, a reboot's
// handoff) as JSON; its configuration must come back the same for every
// key, including what lives in unexported fields (lxc.cap.drop,
// lxc.rootfs.mount, lxc.monitor.unshare used to come back empty).
func TestSpecRoundTripKeepsEveryKey(t *testing.T) {
	c := configWithEveryKey(t)
	spec := &Spec{Name: "c1", LXCPath: "/var/lib/lxc", ConfigFile: "/var/lib/lxc/c1/config", Config: c, Command: []string{"/bin/sh"}}
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	var back Spec
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Name != "c1" || back.ConfigFile != spec.ConfigFile || len(back.Command) != 1 || back.Config == nil {
		t.Fatalf("spec fields lost: %+v", back)
	}
	checked := 0
	keys := append(config.Keys(), "lxc.cgroup.pids.max", "lxc.cgroup2.memory.max", "lxc.hook.pre-start",
		"lxc.prlimit.nofile", "lxc.proc.oom_score_adj", "lxc.sysctl.net.ipv4.ip_forward", "lxc.net.1.type")
	for _, k := range keys {
		key := k
		if strings.HasPrefix(k, "lxc.net.") && !strings.HasPrefix(k, "lxc.net.1") && !strings.HasSuffix(k, ".") {
			key = strings.Replace(k, "lxc.net.", "lxc.net.0.", 1)
		}
		want, werr := c.GetItem(key)
		got, gerr := back.Config.GetItem(key)
		if (werr == nil) != (gerr == nil) || want != got {
			t.Errorf("%s: before %q (%v), after the round trip %q (%v)", key, want, werr, got, gerr)
		}
		checked++
	}
	for _, key := range []string{"lxc.cap.drop", "lxc.rootfs.mount", "lxc.monitor.unshare"} {
		if v, _ := back.Config.GetItem(key); v == "" {
			t.Errorf("%s came back empty", key)
		}
	}
	t.Logf("%d keys compared", checked)
}

// A spec without a configuration stays without one.
func TestSpecRoundTripNoConfig(t *testing.T) {
	b, err := json.Marshal(&Spec{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	var back Spec
	if err := json.Unmarshal(b, &back); err != nil || back.Config != nil || back.Name != "x" {
		t.Fatalf("%+v %v", back, err)
	}
}
