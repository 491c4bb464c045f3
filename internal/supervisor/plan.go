// Package supervisor runs golxc's container supervisor: a small static C
// program (c/, built by the Makefile and embedded in the tools that start
// containers) that performs a container's stage-2 from an operation list
// Go prepared. Go decides, C executes: this package encodes the list
// (Plan), speaks the sync channel with the running stage-2 (sync_linux.go)
// and hands out the supervisor's image as a sealed memfd (embed_linux.go).
//
// The encoding is plan.h's: a versioned, length-checked header, then
// typed operations whose arguments follow a fixed schema per type. The C
// decoder refuses anything else; it is fuzzed from package cplan.
package supervisor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Plan wire constants (plan.h; cplan's tests check they agree).
const (
	PlanMagic   = 0x50584c47
	PlanVersion = 1
	headerSize  = 24
	opHeader    = 16
)

// Op is an operation type (plan.h enum).
type Op uint16

// Operations (plan.h says what each argument means).
const (
	OpSetns Op = iota + 1
	OpUnshare
	OpHostname
	OpSetsid
	OpRslave
	OpHook
	OpMountHost
	OpRoot
	OpFsmount
	OpBind
	OpSetattr
	OpMkdir
	OpSymlink
	OpMknod
	OpWrite
	OpCreate
	OpDevpts
	OpPty
	OpReady
	OpPivot
	OpStdio
	OpProcSelf
	OpRlimit
	OpCaps
	OpNNP
	OpSeccomp
	OpSetuser
	OpChdir
	OpExec
	OpInit
	OpAttach
	OpPdeathsig
	OpAttachIn
	OpKeyring
	OpProcAttr
	OpName
	OpPersonality
	OpCtty
	OpCwd
	OpExecvp
	OpMReply
	OpMFreezer
	OpMKill
	OpMCgroup
	OpMSelfCg
	OpMSignals
	OpMNotify
	OpMPidfile
	OpMConsole
	OpMGo
	OpMRmdir
	OpCgjoin
	OpMDellink
	OpMRecord
	OpMGoCmd
	OpMHold
	opMax
)

// Schema gives each operation's argument kinds: 'u' uint64, 's' string
// without NUL, 'l' list of strings, 'b' bytes. It mirrors plan.c.
var Schema = map[Op]string{
	OpSetns: "uu", OpUnshare: "u", OpHostname: "s", OpSetsid: "", OpRslave: "",
	OpHook: "ssll", OpMountHost: "sslus", OpRoot: "ssuu", OpFsmount: "sslusu", OpBind: "ssuuul",
	OpSetattr: "suuu", OpMkdir: "su", OpSymlink: "ss", OpMknod: "suuu", OpWrite: "sbu",
	OpCreate: "sbu", OpDevpts: "sl", OpPty: "luuuu", OpReady: "", OpPivot: "", OpStdio: "u",
	OpProcSelf: "ss", OpRlimit: "uuu", OpCaps: "u", OpNNP: "", OpSeccomp: "b", OpSetuser: "uub",
	OpChdir: "s", OpExec: "lls", OpInit: "lluubs", OpAttach: "us", OpPdeathsig: "u", OpAttachIn: "usu", OpKeyring: "", OpProcAttr: "sss",
	OpName: "ss", OpPersonality: "u", OpCtty: "uuu", OpCwd: "l", OpExecvp: "lls",
	OpMReply: "ss", OpMFreezer: "su", OpMKill: "ss", OpMCgroup: "s", OpMSelfCg: "ss", OpMSignals: "uuu",
	OpMNotify: "ss", OpMPidfile: "s", OpMConsole: "uusuu", OpMGo: "uull", OpMRmdir: "s",
	OpCgjoin: "u", OpMDellink: "s",
	OpMRecord: "ssu", OpMGoCmd: "s", OpMHold: "u",
}

// Flags of an operation (plan.h OPF_*).
const (
	Optional   uint16 = 0x1
	IfExists   uint16 = 0x2
	MustDir    uint16 = 0x4
	NoSymlink  uint16 = 0x8
	Recursive  uint16 = 0x10
	InRoot     uint16 = 0x20
	Quiet      uint16 = 0x40
	DevNull    uint16 = 0x80
	Host       uint16 = 0x100
	Existing   uint16 = 0x200
	KeepGroups uint16 = 0x400
	GoStop     uint16 = 0x800
)

// Target creation (CREATE_*), pty kinds (PTY_*), stdio modes (STDIO_*).
const (
	CreateNone = 0
	CreateDir  = 1
	CreateFile = 2

	PtyConsole = 0
	PtyTTY     = 1

	StdioKeep    = 0
	StdioConsole = 1
	StdioNull    = 2
)

// Mount attributes (MOUNT_ATTR_*), for OpBind/OpSetattr/OpFsmount/OpRoot.
const (
	AttrRdonly      = 0x01
	AttrNosuid      = 0x02
	AttrNodev       = 0x04
	AttrNoexec      = 0x08
	AttrAtime       = 0x70 // MOUNT_ATTR__ATIME: clear it to change the atime mode
	AttrRelatime    = 0x00
	AttrNoatime     = 0x10
	AttrStrictatime = 0x20
	AttrNodiratime  = 0x80
)

// List is an argument of kind 'l' (argv, env, options).
type List []string

// Plan is an operation list being built. The zero value is empty.
type Plan struct {
	ops []byte
	n   uint32
	err error
}

// Add appends an operation; args must follow Schema[op]: uint64 (or int)
// for 'u', string for 's', List for 'l', []byte for 'b'. A mismatch is a
// programming error and makes Encode fail.
func (p *Plan) Add(op Op, flags uint16, args ...any) {
	if p.err != nil {
		return
	}
	schema, ok := Schema[op]
	if !ok || len(schema) != len(args) {
		p.err = fmt.Errorf("plan: operation %d takes %d arguments, got %d", op, len(schema), len(args))
		return
	}
	var body []byte
	for i, a := range args {
		var b []byte
		switch schema[i] {
		case 'u':
			var v uint64
			switch x := a.(type) {
			case uint64:
				v = x
			case int:
				v = uint64(x)
			case uint32:
				v = uint64(x)
			default:
				p.err = fmt.Errorf("plan: operation %d argument %d: want an integer, got %T", op, i, a)
				return
			}
			b = binary.NativeEndian.AppendUint64(nil, v)
		case 's':
			s, ok := a.(string)
			if !ok || strings.IndexByte(s, 0) >= 0 {
				p.err = fmt.Errorf("plan: operation %d argument %d: want a string without NUL, got %q", op, i, a)
				return
			}
			b = []byte(s)
		case 'l':
			l, ok := a.(List)
			if !ok {
				p.err = fmt.Errorf("plan: operation %d argument %d: want a List, got %T", op, i, a)
				return
			}
			for _, s := range l {
				if strings.IndexByte(s, 0) >= 0 {
					p.err = fmt.Errorf("plan: %q contains a NUL byte", s)
					return
				}
				b = append(append(b, s...), 0)
			}
		case 'b':
			bs, ok := a.([]byte)
			if !ok {
				p.err = fmt.Errorf("plan: operation %d argument %d: want bytes, got %T", op, i, a)
				return
			}
			b = bs
		}
		body = binary.NativeEndian.AppendUint32(body, uint32(len(b)))
		body = append(append(body, b...), 0)
	}
	p.ops = binary.NativeEndian.AppendUint16(p.ops, uint16(op))
	p.ops = binary.NativeEndian.AppendUint16(p.ops, flags)
	p.ops = binary.NativeEndian.AppendUint32(p.ops, uint32(len(args)))
	p.ops = binary.NativeEndian.AppendUint64(p.ops, uint64(len(body)))
	p.ops = append(p.ops, body...)
	p.n++
}

// Len is the number of operations added.
func (p *Plan) Len() int { return int(p.n) }

// Encode returns the plan's bytes, or the first error Add met.
func (p *Plan) Encode() ([]byte, error) {
	if p.err != nil {
		return nil, p.err
	}
	out := make([]byte, 0, headerSize+len(p.ops))
	out = binary.NativeEndian.AppendUint32(out, PlanMagic)
	out = binary.NativeEndian.AppendUint16(out, PlanVersion)
	out = binary.NativeEndian.AppendUint16(out, 0)
	out = binary.NativeEndian.AppendUint32(out, p.n)
	out = binary.NativeEndian.AppendUint32(out, 0)
	out = binary.NativeEndian.AppendUint64(out, uint64(headerSize+len(p.ops)))
	return append(out, p.ops...), nil
}

// Decoded is one operation read back by Decode.
type Decoded struct {
	Op    Op
	Flags uint16
	Args  [][]byte
}

// Decode reads an encoded plan back (tests, and the Go side's own view of
// what it sent). It applies the same checks as the C decoder.
func Decode(b []byte) ([]Decoded, error) {
	if len(b) < headerSize {
		return nil, errors.New("short plan")
	}
	ne := binary.NativeEndian
	if ne.Uint32(b) != PlanMagic || ne.Uint16(b[6:]) != 0 || ne.Uint32(b[12:]) != 0 {
		return nil, errors.New("not a plan")
	}
	if ne.Uint16(b[4:]) != PlanVersion {
		return nil, fmt.Errorf("plan version %d", ne.Uint16(b[4:]))
	}
	if ne.Uint64(b[16:]) != uint64(len(b)) {
		return nil, errors.New("plan length mismatch")
	}
	n := ne.Uint32(b[8:])
	var out []Decoded
	rest := b[headerSize:]
	for i := uint32(0); i < n; i++ {
		if len(rest) < opHeader {
			return nil, fmt.Errorf("operation %d: truncated", i)
		}
		d := Decoded{Op: Op(ne.Uint16(rest)), Flags: ne.Uint16(rest[2:])}
		nargs, size := ne.Uint32(rest[4:]), ne.Uint64(rest[8:])
		rest = rest[opHeader:]
		schema, ok := Schema[d.Op]
		if !ok || uint32(len(schema)) != nargs || size > uint64(len(rest)) {
			return nil, fmt.Errorf("operation %d: bad header", i)
		}
		body := rest[:size]
		rest = rest[size:]
		for j := range schema {
			if len(body) < 4 {
				return nil, fmt.Errorf("operation %d: argument %d truncated", i, j)
			}
			l := ne.Uint32(body)
			body = body[4:]
			if uint64(l) >= uint64(len(body)) || body[l] != 0 || !kindOK(schema[j], body[:l]) {
				return nil, fmt.Errorf("operation %d: bad argument %d", i, j)
			}
			d.Args = append(d.Args, body[:l])
			body = body[l+1:]
		}
		if len(body) != 0 {
			return nil, fmt.Errorf("operation %d: stray bytes", i)
		}
		out = append(out, d)
	}
	if len(rest) != 0 {
		return nil, errors.New("bytes after the last operation")
	}
	return out, nil
}

func kindOK(k byte, b []byte) bool {
	switch k {
	case 'u':
		return len(b) == 8
	case 's':
		return strings.IndexByte(string(b), 0) < 0
	case 'l':
		return len(b) == 0 || b[len(b)-1] == 0
	}
	return true
}
