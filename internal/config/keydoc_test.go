package config

import (
	"strings"
	"testing"
)

// Every key the parser knows is documented, and nothing else is: the man
// pages are generated from these tables.
func TestEveryKeyDocumented(t *testing.T) {
	sections := map[string]bool{}
	for _, s := range KeySections {
		sections[s] = true
	}
	for _, k := range Keys() {
		d, ok := keyDocs[k]
		if !ok {
			t.Errorf("key %s has no entry in keyDocs", k)
			continue
		}
		if !sections[d.Section] || d.Value == "" || len(d.Doc) < 20 || !strings.HasPrefix(d.Key, k) {
			t.Errorf("keyDocs[%s] is incomplete: %+v", k, d)
		}
	}
	for k := range keyDocs {
		if !KnownKey(k) {
			t.Errorf("keyDocs documents %s, which the parser does not know", k)
		}
	}
	for _, s := range netSubs {
		if d, ok := netSubDocs[s]; !ok || d.Value == "" || len(d.Doc) < 10 {
			t.Errorf("lxc.net.N.%s is not documented", s)
		}
	}
	for s := range netSubDocs {
		if !knownNetSub(s) {
			t.Errorf("netSubDocs documents lxc.net.N.%s, which the parser does not know", s)
		}
	}
	for _, k := range SystemKeys {
		if d, ok := systemKeyDocs[k]; !ok || d.Key != k || len(d.Doc) < 20 {
			t.Errorf("system key %s is not documented", k)
		}
	}
	if len(systemKeyDocs) != len(SystemKeys) {
		t.Errorf("systemKeyDocs has %d entries for %d keys", len(systemKeyDocs), len(SystemKeys))
	}
}

func TestDocFor(t *testing.T) {
	for key, want := range map[string]string{
		"lxc.tty.max":               "lxc.tty.max",
		"lxc.cgroup2.memory.max":    "lxc.cgroup2.CONTROLLER.FILE",
		"lxc.net.12.ipv4.address":   "lxc.net.12.ipv4.address",
		"lxc.prlimit.nofile":        "lxc.prlimit.RESOURCE",
		"lxc.namespace.share.net":   "lxc.namespace.share.NS",
		"lxc.cgroup.dir.monitor":    "lxc.cgroup.dir.monitor",
		"lxc.cgroup.devices.allow":  "lxc.cgroup.CONTROLLER.FILE",
		"lxc.sysctl.net.ipv4.ip_fw": "lxc.sysctl.NAME",
	} {
		d, ok := DocFor(key)
		if !ok || d.Key != want {
			t.Errorf("DocFor(%s) = %q, %v; want %q", key, d.Key, ok, want)
		}
	}
	for _, key := range []string{"lxc.bogus", "lxc.net.0.bogus", "lxc.utsname"} {
		if _, ok := DocFor(key); ok {
			t.Errorf("DocFor(%s) found a doc", key)
		}
	}
	n := 0
	for _, d := range KeyDocs() {
		if strings.HasPrefix(d.Key, "lxc.net.N.") {
			n++
		}
	}
	if n != len(netSubs) || len(KeyDocs()) != len(keyDocs)+len(netSubs) {
		t.Errorf("KeyDocs: %d entries, %d network subkeys", len(KeyDocs()), n)
	}
}
