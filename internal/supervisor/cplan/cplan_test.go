//go:build linux && cgo

package cplan

import (
	"bytes"
	"encoding/binary"
	"math/rand"
	"testing"

	sv "github.com/golxc/golxc/internal/supervisor"
)

// The Go side's constants and schemas are plan.h's and plan.c's.
func TestConstantsAgree(t *testing.T) {
	if PlanMagic != sv.PlanMagic || PlanVersion != sv.PlanVersion || SyncMagic != sv.SyncMagic || SyncWarn != sv.SyncWarn || SyncOK != sv.SyncOK ||
		SyncMapped != sv.SyncMapped || SyncNetlink != sv.SyncNetlink {
		t.Fatalf("magic/version/sync constants differ from plan.h")
	}
	if OpMax != len(sv.Schema)+1 || OpBind != int(sv.OpBind) || OpInit != int(sv.OpInit) || OpfDevNull != int(sv.DevNull) {
		t.Fatalf("operation numbering differs from plan.h")
	}
	if SyncMsgSize != 24 {
		t.Fatalf("struct sync_msg is %d bytes, the Go side reads 24", SyncMsgSize)
	}
	for op := 1; op < OpMax; op++ {
		c, ok := Schema(op)
		g, gok := sv.Schema[sv.Op(op)]
		if !ok || !gok || c != g {
			t.Errorf("operation %d: C schema %q, Go schema %q", op, c, g)
		}
	}
}

// samplePlan holds every operation with arguments of every kind.
func samplePlan(r *rand.Rand) *sv.Plan {
	var p sv.Plan
	str := func() string {
		b := make([]byte, r.Intn(40))
		for i := range b {
			b[i] = byte('a' + r.Intn(26))
		}
		return string(b)
	}
	for op := sv.Op(1); int(op) < OpMax; op++ {
		var args []any
		for _, k := range sv.Schema[op] {
			switch k {
			case 'u':
				args = append(args, r.Uint64())
			case 's':
				args = append(args, str())
			case 'l':
				var l sv.List
				for i := r.Intn(4); i > 0; i-- {
					l = append(l, str())
				}
				args = append(args, l)
			case 'b':
				b := make([]byte, r.Intn(64))
				r.Read(b)
				args = append(args, b)
			}
		}
		p.Add(op, uint16(r.Intn(256)), args...)
	}
	return &p
}

// What Go encodes, C decodes to the same operations and arguments.
func TestGoEncodingDecodesInC(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 50; i++ {
		b, err := samplePlan(r).Encode()
		if err != nil {
			t.Fatal(err)
		}
		checkAgree(t, b, true)
	}
}

// Damaged plans are refused as a whole by both decoders.
func TestDamagedPlansRefused(t *testing.T) {
	b, _ := samplePlan(rand.New(rand.NewSource(2))).Encode()
	bad := map[string][]byte{
		"empty":       nil,
		"truncated":   b[:len(b)-1],
		"trailing":    append(append([]byte(nil), b...), 0),
		"bad magic":   append([]byte{0}, b[1:]...),
		"header only": b[:24],
	}
	v := append([]byte(nil), b...)
	binary.NativeEndian.PutUint16(v[4:], sv.PlanVersion+1)
	bad["other version"] = v
	for name, x := range bad {
		if _, err := Decode(x); err == nil {
			t.Errorf("%s: C decoder accepted it", name)
		}
		if _, err := sv.Decode(x); err == nil {
			t.Errorf("%s: Go decoder accepted it", name)
		}
	}
}

// checkAgree decodes b in C and in Go: both accept or both refuse, and
// agree on every operation.
func checkAgree(t *testing.T, b []byte, mustAccept bool) {
	t.Helper()
	cops, cerr := Decode(b)
	gops, gerr := sv.Decode(b)
	if (cerr == nil) != (gerr == nil) {
		t.Fatalf("C decoder: %v, Go decoder: %v", cerr, gerr)
	}
	if mustAccept && cerr != nil {
		t.Fatalf("refused: %v", cerr)
	}
	if cerr != nil {
		return
	}
	if len(cops) != len(gops) {
		t.Fatalf("C: %d operations, Go: %d", len(cops), len(gops))
	}
	for i := range cops {
		if cops[i].Type != uint16(gops[i].Op) || cops[i].Flags != gops[i].Flags || len(cops[i].Args) != len(gops[i].Args) {
			t.Fatalf("operation %d differs: C %+v, Go %+v", i, cops[i], gops[i])
		}
		for j := range cops[i].Args {
			if !bytes.Equal(cops[i].Args[j], gops[i].Args[j]) {
				t.Fatalf("operation %d argument %d differs", i, j)
			}
		}
	}
}

// FuzzDecode feeds arbitrary bytes to the C decoder (it must never read
// out of bounds or accept what the Go decoder refuses) and mutations of
// valid plans. make test-fuzz runs it for a bounded time.
func FuzzDecode(f *testing.F) {
	// One small plan per operation type, so every schema is in the corpus
	// (a few large multi-operation seeds slowed the mutator to a crawl).
	r := rand.New(rand.NewSource(3))
	for op := sv.Op(1); int(op) < OpMax; op++ {
		var p sv.Plan
		var args []any
		for _, k := range sv.Schema[op] {
			switch k {
			case 'u':
				args = append(args, uint64(r.Intn(1000)))
			case 's':
				args = append(args, "a/b")
			case 'l':
				args = append(args, sv.List{"x", "y=1"})
			case 'b':
				args = append(args, []byte{1, 0, 2})
			}
		}
		p.Add(op, uint16(r.Intn(4)), args...)
		b, err := p.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAgree(t, b, false)
	})
}
