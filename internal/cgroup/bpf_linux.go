package cgroup

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Device access and type bits of struct bpf_cgroup_dev_ctx (linux/bpf.h).
const (
	bpfDevcgAccMknod = 1
	bpfDevcgAccRead  = 2
	bpfDevcgAccWrite = 4
	bpfDevcgDevBlock = 1
	bpfDevcgDevChar  = 2
)

// bpfInsn is one eBPF instruction (struct bpf_insn): opcode, dst and src
// registers, a 16-bit offset and a 32-bit immediate. A handful of opcodes
// is all a device program needs, so we encode them ourselves rather than
// link an eBPF library (cilium/ebpf/asm alone pulled debug/elf, go/ast and
// more into every tool that starts containers).
type bpfInsn struct {
	op       uint8
	dst, src uint8
	off      int16
	imm      int32
	// label marks this instruction as a jump target; target names the
	// label a conditional jump goes to when its condition holds.
	label, target string
}

// eBPF opcodes used by device programs (linux/bpf.h, bpf_common.h).
const (
	bpfLdxMemW = 0x61 // dst = *(u32 *)(src + off)
	bpfAnd32K  = 0x54 // dst &= imm (32-bit)
	bpfRsh32K  = 0x74 // dst >>= imm (32-bit)
	bpfMov32X  = 0xbc // dst = src (32-bit)
	bpfMov64K  = 0xb7 // dst = imm
	bpfJneK    = 0x55 // if dst != imm goto pc+off
	bpfExit    = 0x95
	regR0      = 0
	regR1      = 1
	regR2      = 2
	regR3      = 3
	regR4      = 4
	regR5      = 5
	regR6      = 6
)

// assemble resolves jump labels and encodes the program little-endian.
func assemble(prog []bpfInsn) ([]byte, error) {
	at := map[string]int{}
	for i, in := range prog {
		if in.label != "" {
			at[in.label] = i
		}
	}
	out := make([]byte, 0, 8*len(prog))
	for i, in := range prog {
		off := in.off
		if in.target != "" {
			t, ok := at[in.target]
			if !ok {
				return nil, fmt.Errorf("device program: no label %q", in.target)
			}
			off = int16(t - i - 1)
		}
		var b [8]byte
		b[0] = in.op
		b[1] = in.src<<4 | in.dst&0xf
		binary.LittleEndian.PutUint16(b[2:], uint16(off))
		binary.LittleEndian.PutUint32(b[4:], uint32(in.imm))
		out = append(out, b[:]...)
	}
	return out, nil
}

// DeviceProgram compiles rules into a BPF_PROG_TYPE_CGROUP_DEVICE program
// with cgroup v1 semantics: a global "a" rule resets the list and sets the
// default (deny a = allowlist, allow a = denylist); later rules win over
// earlier ones, so the program tests them last to first and the first match
// decides. A request matches a rule only if all requested access bits are
// in the rule's access (so a partial rule can never widen access).
func DeviceProgram(rules []DeviceRule) []bpfInsn {
	defAllow := true
	start := 0
	for i, r := range rules {
		if r.Type == 'a' && (r.Access == "rwm" || r.Access == "") {
			defAllow = r.Allow
			start = i + 1
		}
	}
	active := rules[start:]
	// R1 is the context: R2 = device type, R3 = access bits, R4 = major,
	// R5 = minor.
	prog := []bpfInsn{
		{op: bpfLdxMemW, dst: regR2, src: regR1, off: 0},
		{op: bpfAnd32K, dst: regR2, imm: 0xFFFF},
		{op: bpfLdxMemW, dst: regR3, src: regR1, off: 0},
		{op: bpfRsh32K, dst: regR3, imm: 16},
		{op: bpfLdxMemW, dst: regR4, src: regR1, off: 4},
		{op: bpfLdxMemW, dst: regR5, src: regR1, off: 8},
	}
	for i := len(active) - 1; i >= 0; i-- {
		r := active[i]
		next := fmt.Sprintf("rule%d", i)
		switch r.Type {
		case 'b':
			prog = append(prog, bpfInsn{op: bpfJneK, dst: regR2, imm: bpfDevcgDevBlock, target: next})
		case 'c':
			prog = append(prog, bpfInsn{op: bpfJneK, dst: regR2, imm: bpfDevcgDevChar, target: next})
		}
		acc := accessBits(r.Access)
		if acc != bpfDevcgAccMknod|bpfDevcgAccRead|bpfDevcgAccWrite {
			prog = append(prog,
				bpfInsn{op: bpfMov32X, dst: regR6, src: regR3},
				bpfInsn{op: bpfAnd32K, dst: regR6, imm: ^acc & 7},
				bpfInsn{op: bpfJneK, dst: regR6, imm: 0, target: next},
			)
		}
		if r.Major >= 0 {
			prog = append(prog, bpfInsn{op: bpfJneK, dst: regR4, imm: int32(r.Major), target: next})
		}
		if r.Minor >= 0 {
			prog = append(prog, bpfInsn{op: bpfJneK, dst: regR5, imm: int32(r.Minor), target: next})
		}
		ret := int32(0)
		if r.Allow {
			ret = 1
		}
		prog = append(prog, bpfInsn{op: bpfMov64K, dst: regR0, imm: ret}, bpfInsn{op: bpfExit})
		// The next instruction carries the label the block jumps to.
		prog = append(prog, bpfInsn{op: bpfMov64K, dst: regR0, imm: 0, label: next})
	}
	def := int32(0)
	if defAllow {
		def = 1
	}
	return append(prog, bpfInsn{op: bpfMov64K, dst: regR0, imm: def}, bpfInsn{op: bpfExit})
}

func accessBits(a string) int32 {
	var b int32
	if strings.Contains(a, "m") {
		b |= bpfDevcgAccMknod
	}
	if strings.Contains(a, "r") {
		b |= bpfDevcgAccRead
	}
	if strings.Contains(a, "w") {
		b |= bpfDevcgAccWrite
	}
	return b
}

// bpf(2) commands and constants not all in x/sys.
const (
	bpfProgLoad         = 5
	bpfProgAttach       = 8
	bpfProgTypeCgDevice = 15
	bpfCgroupDevice     = 6
	bpfFAllowMulti      = 2
)

type bpfProgLoadAttr struct {
	progType    uint32
	insnCnt     uint32
	insns       uint64
	license     uint64
	logLevel    uint32
	logSize     uint32
	logBuf      uint64
	kernVersion uint32
	progFlags   uint32
}

type bpfAttachAttr struct {
	targetFD    uint32
	attachBPFFD uint32
	attachType  uint32
	attachFlags uint32
}

// AttachDevicePolicy compiles rules and attaches the program to the cgroup2
// directory dir. The program stays attached for the cgroup's life (legacy
// attach with BPF_F_ALLOW_MULTI: no pinning, closing our fd keeps it).
func AttachDevicePolicy(dir string, rules []DeviceRule) error {
	code, err := assemble(DeviceProgram(rules))
	if err != nil {
		return err
	}
	license := []byte("Apache-2.0\x00")
	logBuf := make([]byte, 64*1024)
	attr := bpfProgLoadAttr{
		progType: bpfProgTypeCgDevice,
		insnCnt:  uint32(len(code) / 8),
		insns:    uint64(uintptr(unsafe.Pointer(&code[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&license[0]))),
		logLevel: 1,
		logSize:  uint32(len(logBuf)),
		logBuf:   uint64(uintptr(unsafe.Pointer(&logBuf[0]))),
	}
	fd, _, errno := unix.Syscall(unix.SYS_BPF, bpfProgLoad, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	runtime.KeepAlive(code)
	runtime.KeepAlive(license)
	if errno != 0 {
		msg := strings.TrimRight(string(logBuf[:bytes.IndexByte(logBuf, 0)+1]), "\x00\n")
		if msg != "" {
			return fmt.Errorf("load device program: %w (verifier: %s)", errno, msg)
		}
		return fmt.Errorf("load device program: %w (the kernel needs CONFIG_CGROUP_BPF and CONFIG_BPF_SYSCALL)", errno)
	}
	prog := int(fd)
	defer unix.Close(prog)
	dfd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	defer unix.Close(dfd)
	at := bpfAttachAttr{targetFD: uint32(dfd), attachBPFFD: uint32(prog), attachType: bpfCgroupDevice, attachFlags: bpfFAllowMulti}
	if _, _, errno := unix.Syscall(unix.SYS_BPF, bpfProgAttach, uintptr(unsafe.Pointer(&at)), unsafe.Sizeof(at)); errno != 0 {
		return fmt.Errorf("attach device program to %s: %w", dir, errno)
	}
	return nil
}

// ApplyDevicesV1 writes rules to the v1 devices controller in order, as
// LXC does, then checks the kernel's resulting list is not wider than asked
// when the rules start with "deny a".
func (cg *Cgroup) ApplyDevicesV1(rules []DeviceRule) error {
	p := cg.v1Path("devices")
	if p == "" {
		return fmt.Errorf("the v1 devices controller is not mounted")
	}
	for _, r := range rules {
		file := "devices.deny"
		if r.Allow {
			file = "devices.allow"
		}
		if err := writeFile(filepath.Join(p, file), r.String()); err != nil {
			return fmt.Errorf("write %q to %s: %w", r.String(), file, err)
		}
	}
	if len(rules) > 0 && rules[0].Type == 'a' && !rules[0].Allow {
		b, err := os.ReadFile(filepath.Join(p, "devices.list"))
		if err != nil {
			return fmt.Errorf("verify devices.list: %w", err)
		}
		if strings.Contains(string(b), "a *:* rwm") {
			return fmt.Errorf("devices.list still allows everything after \"deny a\"")
		}
	}
	return nil
}

// HasV1Devices reports whether the v1 devices controller is mounted.
func (cg *Cgroup) HasV1Devices() bool { return cg.v1Path("devices") != "" }
