package seccomp

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

const lxcCommon = `2
denylist
reject_force_umount  # comment this to allow umount -f;  not recommended
[all]
kexec_load errno 1
open_by_handle_at errno 1
init_module errno 1
finit_module errno 1
delete_module errno 1
`

func TestParseLXCCommon(t *testing.T) {
	p, err := Parse(lxcCommon)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Denylist || p.DefaultAction != ActAllow || len(p.Rules) != 6 {
		t.Fatalf("%+v", p)
	}
	if r := p.Rules[0]; r.Name != "umount2" || r.Action != ActErrno|13 || len(r.Args) != 1 || r.Args[0].Mask != 1 {
		t.Fatalf("reject_force_umount: %+v", r)
	}
	if r := p.Rules[1]; r.Name != "kexec_load" || r.Action != ActErrno|1 {
		t.Fatalf("%+v", r)
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{"", "3\ndenylist\n", "2\nmaybelist\n", "2\ndenylist\nmount frob\n", "2\ndenylist\nmount kill [9,1,==]\n", "2\ndenylist\nmount kill [1,1,~~]\n"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// vm runs a compiled program on a fake seccomp_data with x/net/bpf's VM.
func run(t *testing.T, prog []bpf.RawInstruction, arch, nr uint32, args ...uint64) uint32 {
	t.Helper()
	insns, ok := bpf.Disassemble(prog)
	if !ok {
		t.Fatal("disassemble")
	}
	vm, err := bpf.NewVM(insns)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 64)
	put := func(off int, v uint32) {
		// seccomp_data is host-endian; the VM loads big-endian, so store
		// big-endian here to model the kernel's native loads.
		data[off], data[off+1], data[off+2], data[off+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	put(0, nr)
	put(4, arch)
	for i, a := range args {
		put(16+8*i, uint32(a))
		put(16+8*i+4, uint32(a>>32))
	}
	out, err := vm.Run(data)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(out)
}

func TestCompileSemantics(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("syscall numbers below are x86_64's")
	}
	p, err := Parse(lxcCommon + "[x86_64]\nmount kill [2,4096,SCMP_CMP_MASKED_EQ,4096]\nsethostname errno 5 [1,64,>]\n")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	// The VM returns the value truncated to 32 bits as the kernel sees it.
	cases := []struct {
		arch, nr uint32
		args     []uint64
		want     Action
	}{
		{auditArchX8664, 246, nil, ActErrno | 1},                   // kexec_load
		{auditArchX8664, 0, nil, ActAllow},                         // read
		{auditArchX8664, 166, []uint64{0, 1}, ActErrno | 13},       // umount2 MNT_FORCE
		{auditArchX8664, 166, []uint64{0, 2}, ActAllow},            // umount2 MNT_DETACH
		{auditArchX8664, 165, []uint64{0, 0, 4096}, ActKillThread}, // mount MS_... bit
		{auditArchX8664, 165, []uint64{0, 0, 1}, ActAllow},
		{auditArchX8664, 170, []uint64{0, 65}, ActErrno | 5}, // sethostname len > 64
		{auditArchX8664, 170, []uint64{0, 8}, ActAllow},
		{auditArchX8664, 170, []uint64{0, 1 << 33}, ActErrno | 5},
		{auditArchI386, 283, nil, ActErrno | 1}, // kexec_load on i386
		{auditArchI386, 21, nil, ActAllow},      // i386 mount: [x86_64] only
		{auditArchX8664, 246 | x32SyscallBit, nil, ActErrno | 1},
		{0x12345678, 0, nil, ActKillProcess}, // unknown ABI
	}
	for _, c := range cases {
		if got := Action(run(t, prog, c.arch, c.nr, c.args...)); got != c.want {
			t.Errorf("arch %#x nr %d args %v: %#x, want %#x", c.arch, c.nr, c.args, got, c.want)
		}
	}
}

// TestLoadedFilterBlocks loads LXC's common profile in a child process and
// checks that kexec_load fails with EPERM (errno 1) there.
func TestLoadedFilterBlocks(t *testing.T) {
	if os.Getenv("GOLXC_SECCOMP_CHILD") == "1" {
		p, _ := Parse(lxcCommon)
		prog, err := Compile(p)
		if err != nil {
			t.Fatal(err)
		}
		runtime.LockOSThread()
		if err := Load(prog); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("/bin/busybox", "sh", "-c", "umount -f /nonexistent-golxc 2>&1; true").CombinedOutput()
		os.Stdout.Write(out)
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Fatal("busybox is not installed (make test-deps)")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadedFilterBlocks$")
	cmd.Env = append(os.Environ(), "GOLXC_SECCOMP_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "ermission denied") {
		t.Errorf("umount -f was not refused by the filter:\n%s", out)
	}
}
