package config

import (
	"fmt"
	"sort"
	"strings"
)

// KeyUse says how golxc honours one configuration key, for the guard
// against keys parsed and never acted on (coverage_test.go): the tests
// that exercise it on real containers, or why golxc warns about it and
// ignores it.
type KeyUse struct {
	// Tests are "DIR:TestName" (DIR relative to the repository); each
	// must set the key (in its body or a helper it calls).
	Tests []string
	// Ignored, when set, says why golxc accepts the key but does not act
	// on it: a start names the key in a warning, and the README's table
	// of ignored keys (IgnoredKeysTable) shows the reason.
	Ignored string
	// Sample is a value that makes the warning appear (ignored keys).
	Sample string
}

const (
	rt = "tests/runtime:"
	cp = "tests/compat:"
	nt = "internal/network:"
)

// KeyCoverage has one entry per key of CoveredKeys.
var KeyCoverage = map[string]KeyUse{
	"lxc.apparmor.allow_incomplete":  {Tests: []string{rt + "TestLSMKeysWithoutLSM"}},
	"lxc.apparmor.allow_nesting":     {Tests: []string{rt + "TestLSMKeysWithoutLSM"}},
	"lxc.apparmor.profile":           {Tests: []string{rt + "TestLSMKeysWithoutLSM", cp + "TestLSMKeysWithoutLSM"}},
	"lxc.apparmor.raw":               {Tests: []string{rt + "TestLSMKeysWithoutLSM"}},
	"lxc.arch":                       {Tests: []string{rt + "TestArch"}},
	"lxc.autodev":                    {Tests: []string{rt + "TestStartIsolatesAndStops"}},
	"lxc.autodev.tmpfs.size":         {Tests: []string{rt + "TestAutodevTmpfsSize"}},
	"lxc.cap.drop":                   {Tests: []string{rt + "TestConfigKeysApplied"}},
	"lxc.cap.keep":                   {Tests: []string{rt + "TestConfigKeysApplied"}},
	"lxc.cgroup":                     {Tests: []string{rt + "TestFreezeCgroupWait", rt + "TestCgroupPlacement"}},
	"lxc.cgroup.dir":                 {Tests: []string{rt + "TestCgroupDirRemoved", cp + "TestCgroupDirLeftovers"}},
	"lxc.cgroup.dir.container":       {Tests: []string{rt + "TestCgroupPlacement"}},
	"lxc.cgroup.dir.container.inner": {Tests: []string{rt + "TestCgroupPlacement"}},
	"lxc.cgroup.dir.monitor":         {Tests: []string{rt + "TestCgroupPlacement"}},
	"lxc.cgroup.dir.monitor.pivot":   {Tests: []string{rt + "TestCgroupPlacement"}},
	"lxc.cgroup.relative":            {Tests: []string{rt + "TestCgroupPlacement"}},
	"lxc.cgroup2":                    {Tests: []string{rt + "TestCgroup2KeysPerKey", cp + "TestCgroup2KeysOnHybridHost"}},
	"lxc.console.buffer.size": {Sample: "64k", Ignored: "LXC keeps the console's output in memory for liblxc's console_log() call, " +
		"which no LXC tool uses and golxc has no library to offer; lxc.console.logfile keeps it on disk"},
	"lxc.console.logfile":       {Tests: []string{rt + "TestConsoleAndTTY", rt + "TestConsoleLogSize"}},
	"lxc.console.path":          {Tests: []string{rt + "TestConsolePath"}},
	"lxc.console.rotate":        {Tests: []string{rt + "TestConsoleLogSize"}},
	"lxc.console.size":          {Tests: []string{rt + "TestConsoleLogSize"}},
	"lxc.environment":           {Tests: []string{rt + "TestConfigKeysApplied", rt + "TestHooks"}},
	"lxc.ephemeral":             {Tests: []string{cp + "TestEphemeralFailedStart"}},
	"lxc.execute.cmd":           {Tests: []string{cp + "TestExecute"}},
	"lxc.group":                 {Tests: []string{rt + "TestAutostart"}},
	"lxc.hook":                  {Tests: []string{rt + "TestInclude"}},
	"lxc.hook.autodev":          {Tests: []string{rt + "TestHooks"}},
	"lxc.hook.clone":            {Tests: []string{cp + "TestToolHookEnvironment"}},
	"lxc.hook.destroy":          {Tests: []string{cp + "TestToolHookEnvironment"}},
	"lxc.hook.mount":            {Tests: []string{rt + "TestHooks", rt + "TestRootfsMount"}},
	"lxc.hook.post-stop":        {Tests: []string{rt + "TestHooks"}},
	"lxc.hook.pre-mount":        {Tests: []string{rt + "TestHooks"}},
	"lxc.hook.pre-start":        {Tests: []string{rt + "TestHooks", rt + "TestMonitorUnshare"}},
	"lxc.hook.start":            {Tests: []string{rt + "TestHooks"}},
	"lxc.hook.start-host":       {Tests: []string{rt + "TestHooks"}},
	"lxc.hook.stop":             {Tests: []string{rt + "TestHooks"}},
	"lxc.hook.version":          {Tests: []string{rt + "TestHooks", cp + "TestHookEnvironment"}},
	"lxc.idmap":                 {Tests: []string{rt + "TestIdmappedContainer", rt + "TestIdmappedBindMount"}},
	"lxc.include":               {Tests: []string{rt + "TestInclude"}},
	"lxc.init.cmd":              {Tests: []string{rt + "TestShutdownRebootWait"}},
	"lxc.init.cwd":              {Tests: []string{rt + "TestConfigKeysApplied"}},
	"lxc.init.gid":              {Tests: []string{rt + "TestConfigKeysApplied"}},
	"lxc.init.groups":           {Tests: []string{rt + "TestInitGroups"}},
	"lxc.init.uid":              {Tests: []string{rt + "TestConfigKeysApplied"}},
	"lxc.keyring.session":       {Tests: []string{rt + "TestSessionKeyring"}},
	"lxc.log.file":              {Tests: []string{rt + "TestLogFile"}},
	"lxc.log.level":             {Tests: []string{rt + "TestLogFile", rt + "TestLogSyslog"}},
	"lxc.log.syslog":            {Tests: []string{rt + "TestLogSyslog"}},
	"lxc.monitor.signal.pdeath": {Tests: []string{rt + "TestMonitorSignalPdeath"}},
	"lxc.monitor.unshare":       {Tests: []string{rt + "TestMonitorUnshare"}},
	"lxc.mount.auto":            {Tests: []string{rt + "TestStartIsolatesAndStops"}},
	"lxc.mount.entry":           {Tests: []string{rt + "TestMountEntriesStayInRoot", rt + "TestIdmappedBindMount"}},
	"lxc.mount.fstab":           {Tests: []string{rt + "TestMountFstab"}},
	"lxc.namespace.clone":       {Tests: []string{rt + "TestNetworkNeverInHostNamespace"}},
	"lxc.namespace.keep":        {Tests: []string{rt + "TestNetworkNeverInHostNamespace", rt + "TestKeptNamespacesUntouched"}},
	"lxc.namespace.share":       {Tests: []string{rt + "TestShareNeverChangesTheSharedNamespace", rt + "TestSharePID", rt + "TestShareMount", rt + "TestShareUser", cp + "TestShareUser"}},
	"lxc.net":                   {Tests: []string{rt + "TestNetworkNeverInHostNamespace"}},
	"lxc.no_new_privs":          {Tests: []string{rt + "TestNoNewPrivs"}},
	"lxc.prlimit":               {Tests: []string{rt + "TestConfigKeysApplied"}},
	"lxc.proc":                  {Tests: []string{rt + "TestConfigKeysApplied"}},
	"lxc.pty.max":               {Tests: []string{rt + "TestConsoleAndTTY"}},
	"lxc.rootfs.managed":        {Tests: []string{"internal/tools/destroy:TestManagedZero"}},
	"lxc.rootfs.mount":          {Tests: []string{rt + "TestRootfsMount"}},
	"lxc.rootfs.options":        {Tests: []string{rt + "TestStartOptions"}},
	"lxc.rootfs.path":           {Tests: []string{rt + "TestStartIsolatesAndStops", rt + "TestLoopContainerLifecycle"}},
	"lxc.sched.core":            {Tests: []string{rt + "TestCoreScheduling"}},
	"lxc.seccomp.allow_nesting": {Tests: []string{rt + "TestSeccompAllowNesting"}},
	"lxc.seccomp.notify.cookie": {Sample: "golxc", Ignored: "seccomp notifications are forwarded to lxc.seccomp.notify.proxy, which golxc does not do (see there)"},
	"lxc.seccomp.notify.proxy": {Sample: "unix:/run/golxc-test.sock", Ignored: "forwarding seccomp notifications to a proxy (LXD's syscall interception) needs " +
		"libseccomp's notify support and LXC's proxy protocol; golxc compiles profiles to BPF itself and refuses notify actions"},
	"lxc.seccomp.profile":         {Tests: []string{rt + "TestSeccompProfile", rt + "TestSeccompAllowNesting"}},
	"lxc.selinux.context":         {Tests: []string{rt + "TestLSMKeysWithoutLSM"}},
	"lxc.selinux.context.keyring": {Tests: []string{rt + "TestLSMKeysWithoutLSM"}},
	"lxc.signal.halt":             {Tests: []string{rt + "TestShutdownRebootWait"}},
	"lxc.signal.reboot":           {Tests: []string{rt + "TestShutdownRebootWait"}},
	"lxc.signal.stop":             {Tests: []string{rt + "TestSignalStop"}},
	"lxc.start.auto":              {Tests: []string{rt + "TestAutostart"}},
	"lxc.start.delay":             {Tests: []string{rt + "TestAutostart"}},
	"lxc.start.order":             {Tests: []string{rt + "TestAutostart"}},
	"lxc.sysctl":                  {Tests: []string{rt + "TestConfigKeysApplied", rt + "TestShareNeverChangesTheSharedNamespace"}},
	"lxc.time.offset.boot":        {Tests: []string{rt + "TestTimeNamespaceOffsets", cp + "TestTimeOffsets"}},
	"lxc.time.offset.monotonic":   {Tests: []string{rt + "TestTimeNamespaceOffsets", cp + "TestTimeOffsets"}},
	"lxc.tty.dir":                 {Tests: []string{rt + "TestStartOptions"}},
	"lxc.tty.max":                 {Tests: []string{rt + "TestStartIsolatesAndStops"}},
	"lxc.uts.name":                {Tests: []string{rt + "TestStartIsolatesAndStops", rt + "TestKeptNamespacesUntouched"}},

	"lxc.net.N.type":                {Tests: []string{rt + "TestNetworkNeverInHostNamespace", nt + "TestVethBridgePing"}},
	"lxc.net.N.flags":               {Tests: []string{nt + "TestVethBridgePing"}},
	"lxc.net.N.link":                {Tests: []string{nt + "TestVethBridgePing", nt + "TestMacvlan"}},
	"lxc.net.N.name":                {Tests: []string{nt + "TestVethBridgePing"}},
	"lxc.net.N.hwaddr":              {Tests: []string{nt + "TestHWAddr"}},
	"lxc.net.N.mtu":                 {Tests: []string{nt + "TestMacvlan"}},
	"lxc.net.N.l2proxy":             {Tests: []string{nt + "TestDifferentialAgainstLXC"}},
	"lxc.net.N.ipv4.address":        {Tests: []string{nt + "TestVethBridgePing"}},
	"lxc.net.N.ipv4.gateway":        {Tests: []string{nt + "TestVethRouter"}},
	"lxc.net.N.ipv6.address":        {Tests: []string{nt + "TestVethBridgePing"}},
	"lxc.net.N.ipv6.gateway":        {Tests: []string{nt + "TestVethRouter"}},
	"lxc.net.N.script.up":           {Tests: []string{nt + "TestScripts"}},
	"lxc.net.N.script.down":         {Tests: []string{nt + "TestScripts"}},
	"lxc.net.N.veth.pair":           {Tests: []string{nt + "TestScripts"}},
	"lxc.net.N.veth.mode":           {Tests: []string{nt + "TestVethRouter"}},
	"lxc.net.N.veth.ipv4.route":     {Tests: []string{nt + "TestVethRouter"}},
	"lxc.net.N.veth.ipv6.route":     {Tests: []string{nt + "TestDifferentialAgainstLXC"}},
	"lxc.net.N.veth.vlan.id":        {Tests: []string{nt + "TestMissingKernelFeatures"}},
	"lxc.net.N.veth.vlan.tagged.id": {Tests: []string{nt + "TestMissingKernelFeatures"}},
	"lxc.net.N.veth.n_rxqueues":     {Tests: []string{nt + "TestDifferentialAgainstLXC"}},
	"lxc.net.N.veth.n_txqueues":     {Tests: []string{nt + "TestDifferentialAgainstLXC"}},
	"lxc.net.N.macvlan.mode":        {Tests: []string{nt + "TestMacvlan"}},
	"lxc.net.N.ipvlan.mode":         {Tests: []string{nt + "TestMissingKernelFeatures"}},
	"lxc.net.N.ipvlan.isolation":    {Tests: []string{nt + "TestMissingKernelFeatures"}},
	"lxc.net.N.vlan.id":             {Tests: []string{nt + "TestMissingKernelFeatures", nt + "TestDifferentialAgainstLXC"}},

	"lxc.default_config":     {Tests: []string{rt + "TestSystemConfigDefaults"}},
	"lxc.lxcpath":            {Tests: []string{rt + "TestSystemConfigDefaults"}},
	"lxc.bdev.lvm.vg":        {Tests: []string{rt + "TestSystemConfigDefaults"}},
	"lxc.bdev.lvm.thin_pool": {Tests: []string{rt + "TestSystemConfigDefaults"}},
	"lxc.bdev.zfs.root":      {Tests: []string{rt + "TestSystemConfigDefaults"}},
	"lxc.cgroup.use":         {Tests: []string{rt + "TestCgroupPlacement"}},
	"lxc.cgroup.pattern":     {Tests: []string{rt + "TestCgroupPlacement"}},
}

// CoveredKeys are the keys the guard walks: every name of the key table,
// each lxc.net.N subkey ("lxc.net.N.SUB") and each lxc.conf key.
func CoveredKeys() []string {
	out := Keys()
	for _, s := range netSubs {
		out = append(out, "lxc.net.N."+s)
	}
	return append(out, SystemKeys...)
}

// IgnoredKeys are the keys golxc accepts, warns about and ignores, sorted.
func IgnoredKeys() []string {
	var out []string
	for k, u := range KeyCoverage {
		if u.Ignored != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// IgnoredWarnings are the start's warnings for the ignored keys this
// configuration sets: one line per key, naming it and why.
func (c *Container) IgnoredWarnings() []string {
	var out []string
	for _, k := range IgnoredKeys() {
		for _, it := range c.Items {
			if it.Key == k && it.Value != "" {
				out = append(out, fmt.Sprintf("%s is not supported by golxc and is ignored: %s", k, KeyCoverage[k].Ignored))
				break
			}
		}
	}
	return out
}

// IgnoredKeysTable is the README's table of ignored keys.
func IgnoredKeysTable() string {
	var b strings.Builder
	b.WriteString("| key | why golxc ignores it (a start warns) |\n| --- | --- |\n")
	for _, k := range IgnoredKeys() {
		fmt.Fprintf(&b, "| `%s` | %s |\n", k, strings.ReplaceAll(KeyCoverage[k].Ignored, "|", `\|`))
	}
	return b.String()
}
