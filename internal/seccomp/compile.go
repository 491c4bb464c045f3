package seccomp

import (
	"fmt"
	"runtime"
	"sort"

	"golang.org/x/net/bpf"
)

// Audit architecture values (linux/audit.h).
const (
	auditArchX8664   = 0xc000003e
	auditArchI386    = 0x40000003
	auditArchAARCH64 = 0xc00000b7
	auditArchARM     = 0x40000028
	x32SyscallBit    = 0x40000000
)

// seccomp_data offsets.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

type archTable struct {
	audit  uint32
	table  map[string]uint32
	compat bool // the host's 32-bit compat ABI
}

// hostArches returns the ABIs a process on this host can use: the native
// one first, then compat ones (i386 on x86_64, as LXC adds them).
func hostArches() []archTable {
	switch runtime.GOARCH {
	case "amd64":
		return []archTable{{auditArchX8664, syscallsAMD64(), false}, {auditArchI386, syscalls386(), true}}
	case "386":
		return []archTable{{auditArchI386, syscalls386(), false}}
	case "arm64":
		return []archTable{{auditArchAARCH64, syscallsARM64(), false}}
	}
	return nil
}

// Compile turns the profile into a BPF program for the host. Syscall
// names unknown on an architecture are skipped there, as LXC does. Calls
// from an architecture the host does not know are killed.
func Compile(p *Profile) ([]bpf.RawInstruction, error) {
	arches := hostArches()
	if len(arches) == 0 {
		return nil, fmt.Errorf("seccomp: architecture %s is not supported", runtime.GOARCH)
	}
	var prog []bpf.Instruction
	// Dispatch on the architecture; each section is self-contained and
	// ends in a return, so the dispatch can skip over whole sections.
	sections := make([][]bpf.Instruction, len(arches))
	for i, a := range arches {
		sec, err := compileArch(p, a, i == 0 && runtime.GOARCH == "amd64")
		if err != nil {
			return nil, err
		}
		sections[i] = sec
	}
	prog = append(prog, bpf.LoadAbsolute{Off: offArch, Size: 4})
	// Jump table: for arch i, "jeq audit, 0, 1; ja section_i".
	n := len(arches)
	offset := 0
	for i, a := range arches {
		// Instructions remaining in the table after this ja: the rest of
		// the table (3 per arch after i, minus nothing) plus the kill.
		remainingTable := (n-i-1)*2 + 1
		jump := remainingTable + offset
		prog = append(prog, bpf.JumpIf{Cond: bpf.JumpEqual, Val: a.audit, SkipTrue: 0, SkipFalse: 1})
		prog = append(prog, bpf.Jump{Skip: uint32(jump)})
		offset += len(sections[i])
	}
	prog = append(prog, bpf.RetConstant{Val: uint32(ActKillProcess)})
	for _, s := range sections {
		prog = append(prog, s...)
	}
	return bpf.Assemble(prog)
}

// compileArch emits the checks of one ABI: load the number, then for each
// rule "jne nr, next" plus its argument checks and a return.
func compileArch(p *Profile, a archTable, x32 bool) ([]bpf.Instruction, error) {
	type numbered struct {
		nr   uint32
		rule Rule
	}
	var rules []numbered
	for _, r := range p.Rules {
		switch r.Arch {
		case "native":
			if a.compat {
				continue
			}
		case "compat":
			if !a.compat {
				continue
			}
		case "x32":
			if a.compat || !x32 {
				continue
			}
		}
		var nr uint32
		if len(r.Name) > 1 && r.Name[0] == '#' {
			var v uint64
			fmt.Sscanf(r.Name[1:], "%d", &v)
			nr = uint32(v)
		} else {
			v, ok := a.table[r.Name]
			if !ok {
				continue // undefined on this ABI, like LXC
			}
			nr = v
		}
		rules = append(rules, numbered{nr, r})
		if x32 && r.Arch != "native" {
			// The x32 ABI uses the x86_64 numbers with bit 30 set.
			rules = append(rules, numbered{nr | x32SyscallBit, r})
		}
	}
	// Rules with argument checks first for a syscall, then the plain one,
	// keeping file order within each group.
	sort.SliceStable(rules, func(i, j int) bool {
		if rules[i].nr != rules[j].nr {
			return false
		}
		return len(rules[i].rule.Args) > 0 && len(rules[j].rule.Args) == 0
	})
	out := []bpf.Instruction{bpf.LoadAbsolute{Off: offNr, Size: 4}}
	if !x32 {
		// Nothing to do: bit 30 only means x32 on x86_64.
	} else if p.Denylist {
		// Unknown x32 calls fall to the default like any other.
	}
	for _, nr := range rules {
		body := []bpf.Instruction{}
		for _, c := range nr.rule.Args {
			// Each condition jumps to "fail" (the end of this block) when false;
			// fail distances are patched below.
			body = append(body, argCheck(c)...)
		}
		body = append(body, bpf.RetConstant{Val: uint32(nr.rule.Action)})
		// Patch the placeholder skips: a failing check skips to the end of
		// the block, after which the syscall number is reloaded.
		for i, ins := range body {
			if j, ok := ins.(failJump); ok {
				body[i] = j.resolve(len(body) - i - 1)
			}
		}
		reload := len(nr.rule.Args) > 0
		skip := len(body)
		if reload {
			skip++ // the reload of the number after a failed check
		}
		if skip > 255 {
			return nil, fmt.Errorf("seccomp rule for %s is too large", nr.rule.Name)
		}
		out = append(out, bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr.nr, SkipTrue: 0, SkipFalse: uint8(skip)})
		out = append(out, body...)
		if reload {
			out = append(out, bpf.LoadAbsolute{Off: offNr, Size: 4})
		}
	}
	out = append(out, bpf.RetConstant{Val: uint32(p.DefaultAction)})
	return out, nil
}

// failJump is a conditional jump whose false branch goes to the end of the
// rule's block (resolved once the block length is known).
type failJump struct {
	cond     bpf.JumpTest
	val      uint32
	negate   bool // jump to fail when the condition is TRUE
	resolved bpf.Instruction
}

func (f failJump) Assemble() (bpf.RawInstruction, error) {
	return bpf.RawInstruction{}, fmt.Errorf("unresolved seccomp jump")
}

func (f failJump) resolve(toEnd int) bpf.Instruction {
	// toEnd counts instructions after this one up to and including the
	// block's return; the fail target is just past it.
	if f.negate {
		return bpf.JumpIf{Cond: f.cond, Val: f.val, SkipTrue: uint8(toEnd), SkipFalse: 0}
	}
	return bpf.JumpIf{Cond: f.cond, Val: f.val, SkipTrue: 0, SkipFalse: uint8(toEnd)}
}

// argCheck loads argument c.Index (low and high 32-bit halves, little
// endian) and tests it. Only what LXC profiles use in practice needs to be
// exact: EQ, NE and MASKED_EQ on the full 64 bits; the ordered comparisons
// on the full 64 bits via the high word first.
func argCheck(c ArgCmp) []bpf.Instruction {
	lo := uint32(offArgs + 8*c.Index)
	hi := lo + 4
	vlo, vhi := uint32(c.Value), uint32(c.Value>>32)
	mlo, mhi := uint32(c.Mask), uint32(c.Mask>>32)
	switch c.Op {
	case OpEQ:
		return []bpf.Instruction{
			bpf.LoadAbsolute{Off: hi, Size: 4}, failJump{cond: bpf.JumpEqual, val: vhi},
			bpf.LoadAbsolute{Off: lo, Size: 4}, failJump{cond: bpf.JumpEqual, val: vlo},
		}
	case OpMaskedEQ:
		return []bpf.Instruction{
			bpf.LoadAbsolute{Off: hi, Size: 4}, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: mhi}, failJump{cond: bpf.JumpEqual, val: vhi},
			bpf.LoadAbsolute{Off: lo, Size: 4}, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: mlo}, failJump{cond: bpf.JumpEqual, val: vlo},
		}
	case OpNE:
		// True when either half differs: if the high halves are equal the
		// low halves decide.
		return []bpf.Instruction{
			bpf.LoadAbsolute{Off: hi, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: vhi, SkipTrue: 0, SkipFalse: 2},
			bpf.LoadAbsolute{Off: lo, Size: 4}, failJump{cond: bpf.JumpEqual, val: vlo, negate: true},
		}
	default:
		// Ordered comparisons: decide on the high word unless equal, then
		// on the low word (unsigned, as libseccomp).
		var hiCond, loCond bpf.JumpTest
		switch c.Op {
		case OpGT:
			hiCond, loCond = bpf.JumpGreaterThan, bpf.JumpGreaterThan
		case OpGE:
			hiCond, loCond = bpf.JumpGreaterThan, bpf.JumpGreaterOrEqual
		case OpLT:
			hiCond, loCond = bpf.JumpLessThan, bpf.JumpLessThan
		case OpLE:
			hiCond, loCond = bpf.JumpLessThan, bpf.JumpLessOrEqual
		}
		return []bpf.Instruction{
			bpf.LoadAbsolute{Off: hi, Size: 4},
			// high word strictly satisfies: condition true, skip the rest.
			bpf.JumpIf{Cond: hiCond, Val: vhi, SkipTrue: 3, SkipFalse: 0},
			// high words differ (and not in our favour): fail.
			failJump{cond: bpf.JumpEqual, val: vhi},
			bpf.LoadAbsolute{Off: lo, Size: 4},
			failJump{cond: loCond, val: vlo},
		}
	}
}
