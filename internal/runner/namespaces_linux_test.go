package runner

import (
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/config"
)

func loadConfig(t *testing.T, lines ...string) *config.Container {
	t.Helper()
	c := config.NewContainer()
	if err := c.LoadBytes("test.conf", []byte(strings.Join(lines, "\n")+"\n")); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPlanNamespaces: LXC's resolve_clone_flags with golxc's two rules
// (a mount namespace always, a user namespace with lxc.idmap).
func TestPlanNamespaces(t *testing.T) {
	for _, c := range []struct {
		lines []string
		want  string
	}{
		{nil, "user=kept mnt=new pid=new uts=new ipc=new net=new cgroup=new time=kept"},
		{[]string{"lxc.net.0.type = none"}, "user=kept mnt=new pid=new uts=new ipc=new net=kept cgroup=new time=kept"},
		{[]string{"lxc.net.0.type = none", "lxc.net.1.type = veth"}, "user=kept mnt=new pid=new uts=new ipc=new net=new cgroup=new time=kept"},
		{[]string{"lxc.idmap = u 0 100000 65536", "lxc.idmap = g 0 100000 65536"}, "user=new mnt=new pid=new uts=new ipc=new net=new cgroup=new time=kept"},
		{[]string{"lxc.time.offset.boot = 10s"}, "user=kept mnt=new pid=new uts=new ipc=new net=new cgroup=new time=new"},
		{[]string{"lxc.namespace.keep = net uts"}, "user=kept mnt=new pid=new uts=kept ipc=new net=kept cgroup=new time=kept"},
		{[]string{"lxc.namespace.keep = mnt"}, "user=kept mnt=new pid=new uts=new ipc=new net=new cgroup=new time=kept"},
		{[]string{"lxc.namespace.clone = pid"}, "user=kept mnt=new pid=new uts=kept ipc=kept net=kept cgroup=kept time=kept"},
		{[]string{"lxc.namespace.share.net = a", "lxc.namespace.share.pid = 12"}, "user=kept mnt=new pid=shared uts=new ipc=new net=shared cgroup=new time=kept"},
		{[]string{"lxc.namespace.share.mnt = a"}, "user=kept mnt=shared pid=new uts=new ipc=new net=new cgroup=new time=kept"},
		{[]string{"lxc.idmap = u 0 100000 65536", "lxc.idmap = g 0 100000 65536", "lxc.namespace.share.user = a"}, "user=shared mnt=new pid=new uts=new ipc=new net=new cgroup=new time=kept"},
	} {
		got := planNamespaces(loadConfig(t, c.lines...), true).String()
		if got != c.want {
			t.Errorf("%v:\n got  %s\n want %s", c.lines, got, c.want)
		}
	}
	if got := planNamespaces(loadConfig(t), false)["cgroup"]; got != nsKept {
		t.Errorf("cgroup namespace without kernel support: %s", got)
	}
}

// TestCheckNamespaces: network devices without a network namespace of the
// container's own, and time offsets with a kept time namespace, are
// refused with one line naming both settings.
func TestCheckNamespaces(t *testing.T) {
	for _, c := range []struct {
		lines []string
		want  string // "" = accepted
	}{
		{[]string{"lxc.net.0.type = veth"}, ""},
		{[]string{"lxc.net.0.type = none", "lxc.namespace.keep = net"}, ""},
		{[]string{"lxc.net.0.type = veth", "lxc.namespace.keep = net"}, "test.conf:1: lxc.net.0.type = veth needs a network namespace of the container's own, but lxc.namespace.keep = net keeps the host's: refusing to configure the host's network"},
		{[]string{"lxc.net.0.type = empty", "lxc.namespace.keep = net"}, "lxc.net.0.type = empty needs"},
		{[]string{"lxc.net.0.type = macvlan", "lxc.net.0.link = eth0", "lxc.namespace.clone = mnt pid"}, "lxc.namespace.clone = mnt pid does not include net"},
		{[]string{"lxc.net.0.type = veth", "lxc.namespace.share.net = a"}, ""},
		{[]string{"lxc.time.offset.boot = 1h", "lxc.namespace.keep = time"}, "lxc.time.offset.boot = 1h needs a time namespace of the container's own, but lxc.namespace.keep = time keeps the host's"},
	} {
		cfg := loadConfig(t, c.lines...)
		err := checkNamespaces(cfg, planNamespaces(cfg, true))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: refused: %v", c.lines, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: %v\n want %q", c.lines, err, c.want)
		}
	}
}

func TestNamespaceWarnings(t *testing.T) {
	cfg := loadConfig(t, "lxc.uts.name = x", "lxc.net.0.type = veth", "lxc.namespace.share.net = a", "lxc.namespace.keep = uts",
		"lxc.sysctl.net.ipv4.ip_forward = 1", "lxc.sysctl.kernel.msgmax = 1", "lxc.sysctl.vm.swappiness = 1")
	got := strings.Join(namespaceWarnings(cfg, planNamespaces(cfg, true)), "\n")
	want := `lxc.uts.name = x is not applied: lxc.namespace.keep = uts keeps the host's UTS namespace
lxc.net.0 (veth) is not set up: lxc.namespace.share.net = a joins the network namespace of a
lxc.sysctl.net.ipv4.ip_forward is not applied: lxc.namespace.share.net = a joins the network namespace of a`
	if got != want {
		t.Errorf("warnings:\n%s\nwant\n%s", got, want)
	}
	if s := ownSysctls(cfg, planNamespaces(cfg, true)); len(s) != 2 || s[0][0] != "kernel.msgmax" || s[1][0] != "vm.swappiness" {
		t.Errorf("sysctls written: %v", s)
	}
}

func TestSysctlNamespace(t *testing.T) {
	for key, want := range map[string]string{
		"net.ipv4.ip_forward": "net", "net/core/somaxconn": "net", "kernel.shmmax": "ipc", "fs.mqueue.msg_max": "ipc",
		"kernel.sem": "ipc", "kernel.hostname": "uts", "kernel.domainname": "uts", "user.max_user_namespaces": "user",
		"kernel.ns_last_pid": "pid", "vm.swappiness": "", "kernel.pid_max": "", "fs.file-max": "",
	} {
		if got := sysctlNamespace(key); got != want {
			t.Errorf("sysctlNamespace(%q) = %q, want %q", key, got, want)
		}
	}
}
