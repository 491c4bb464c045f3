//go:build linux && cgo

// Package cplan compiles the container supervisor's C plan decoder
// (../c/plan.c, linked here as a symlink so Go's build cache sees its
// changes) into Go so tests can fuzz it and check that it agrees
// with the Go encoder and decoder of package supervisor. Nothing else
// imports it.
package cplan

/*
#cgo CFLAGS: -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter
#include <stdlib.h>
#include "plan.h"

// decode runs the C decoder; on success the caller reads the plan and
// frees it with plan_free.
static int decode(const unsigned char *b, size_t n, struct plan *p, char *err)
{
	return plan_decode(b, n, p, err, 256);
}

static const struct op *op_at(const struct plan *p, uint32_t i) { return &p->ops[i]; }
static const struct arg *arg_at(const struct op *o, uint32_t i) { return &o->a[i]; }
static const char *schema_of(int t) { return plan_schema(t); }
*/
import "C"

import (
	"errors"
	"unsafe"
)

// Op is one operation as the C decoder sees it.
type Op struct {
	Type  uint16
	Flags uint16
	Args  [][]byte
}

// Constants of plan.h, for the tests to compare with package supervisor.
const (
	PlanMagic   = C.PLAN_MAGIC
	PlanVersion = C.PLAN_VERSION
	SyncMagic   = C.SYNC_MAGIC
	OpMax       = C.OP_MAX
	OpBind      = C.OP_BIND
	OpInit      = C.OP_INIT
	OpfDevNull  = C.OPF_DEVNULL
	SyncWarn    = C.SYNC_WARN
	SyncOK      = C.SYNC_OK
	SyncMapped  = C.SYNC_MAPPED
	SyncNetlink = C.SYNC_NETLINK
	SyncMsgSize = C.sizeof_struct_sync_msg
)

// Schema returns the C decoder's argument kinds of operation t ("" and
// false when it has none).
func Schema(t int) (string, bool) {
	s := C.schema_of(C.int(t))
	if s == nil {
		return "", false
	}
	return C.GoString(s), true
}

// Decode runs the C decoder on b.
func Decode(b []byte) ([]Op, error) {
	cb := C.CBytes(b) // the decoder keeps pointers into it until we copy
	defer C.free(cb)
	var p C.struct_plan
	var errbuf [256]C.char
	if C.decode((*C.uchar)(cb), C.size_t(len(b)), &p, &errbuf[0]) != 0 {
		return nil, errors.New(C.GoString(&errbuf[0]))
	}
	defer C.plan_free(&p)
	out := make([]Op, int(p.nops))
	for i := range out {
		o := C.op_at(&p, C.uint32_t(i))
		out[i] = Op{Type: uint16(o._type), Flags: uint16(o.flags)}
		for j := 0; j < int(o.nargs); j++ {
			a := C.arg_at(o, C.uint32_t(j))
			out[i].Args = append(out[i].Args, C.GoBytes(unsafe.Pointer(a.p), C.int(a.len)))
		}
	}
	return out, nil
}
