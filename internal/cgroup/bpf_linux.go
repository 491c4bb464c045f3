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

	"github.com/cilium/ebpf/asm"
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

// DeviceProgram compiles rules into a BPF_PROG_TYPE_CGROUP_DEVICE program
// with cgroup v1 semantics: a global "a" rule resets the list and sets the
// default (deny a = allowlist, allow a = denylist); later rules win over
// earlier ones, so the program tests them last to first and the first match
// decides. A request matches a rule only if all requested access bits are
// in the rule's access (so a partial rule can never widen access).
func DeviceProgram(rules []DeviceRule) asm.Instructions {
	defAllow := true
	start := 0
	for i, r := range rules {
		if r.Type == 'a' && (r.Access == "rwm" || r.Access == "") {
			defAllow = r.Allow
			start = i + 1
		}
	}
	active := rules[start:]
	insns := asm.Instructions{
		// R2 = device type, R3 = access bits, R4 = major, R5 = minor.
		asm.LoadMem(asm.R2, asm.R1, 0, asm.Word),
		asm.And.Imm32(asm.R2, 0xFFFF),
		asm.LoadMem(asm.R3, asm.R1, 0, asm.Word),
		asm.RSh.Imm32(asm.R3, 16),
		asm.LoadMem(asm.R4, asm.R1, 4, asm.Word),
		asm.LoadMem(asm.R5, asm.R1, 8, asm.Word),
	}
	for i := len(active) - 1; i >= 0; i-- {
		r := active[i]
		next := fmt.Sprintf("rule%d", i)
		var block asm.Instructions
		switch r.Type {
		case 'b':
			block = append(block, asm.JNE.Imm(asm.R2, bpfDevcgDevBlock, next))
		case 'c':
			block = append(block, asm.JNE.Imm(asm.R2, bpfDevcgDevChar, next))
		}
		acc := accessBits(r.Access)
		if acc != bpfDevcgAccMknod|bpfDevcgAccRead|bpfDevcgAccWrite {
			block = append(block,
				asm.Mov.Reg32(asm.R6, asm.R3),
				asm.And.Imm32(asm.R6, int32(^acc&7)),
				asm.JNE.Imm(asm.R6, 0, next),
			)
		}
		if r.Major >= 0 {
			block = append(block, asm.JNE.Imm(asm.R4, int32(r.Major), next))
		}
		if r.Minor >= 0 {
			block = append(block, asm.JNE.Imm(asm.R5, int32(r.Minor), next))
		}
		ret := int32(0)
		if r.Allow {
			ret = 1
		}
		block = append(block, asm.Mov.Imm(asm.R0, ret), asm.Return())
		insns = append(insns, block...)
		// The next instruction carries the label the block jumps to.
		insns = append(insns, asm.Mov.Imm(asm.R0, 0).WithSymbol(next))
	}
	def := int32(0)
	if defAllow {
		def = 1
	}
	insns = append(insns, asm.Mov.Imm(asm.R0, def), asm.Return())
	return insns
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
	insns := DeviceProgram(rules)
	var buf bytes.Buffer
	if err := insns.Marshal(&buf, binary.LittleEndian); err != nil {
		return fmt.Errorf("assemble device program: %w", err)
	}
	code := buf.Bytes()
	license := []byte("Apache-2.0\x00")
	logBuf := make([]byte, 64*1024)
	attr := bpfProgLoadAttr{
		progType: bpfProgTypeCgDevice,
		insnCnt:  uint32(len(code) / asm.InstructionSize),
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
