//go:build linux && cgo

package usernic

// The parsers of lxc-user-nic, compiled from the program's own source.

/*
#cgo CFLAGS: -std=gnu11 -Wall -Wextra -Werror
#include <stdlib.h>
#include "c/usernic.h"
#include "c/parse.c"
*/
import "C"

import "unsafe"

// cbuf copies b into C memory (never NUL-terminated: the parsers take a
// length), and returns it with a release function.
func cbuf(b []byte) (*C.char, C.size_t, func()) {
	if len(b) == 0 {
		p := (*C.char)(C.malloc(1))
		return p, 0, func() { C.free(unsafe.Pointer(p)) }
	}
	p := (*C.char)(C.CBytes(b))
	return p, C.size_t(len(b)), func() { C.free(unsafe.Pointer(p)) }
}

// ValidIfname is un_valid_ifname.
func ValidIfname(s []byte, allowFormat bool) bool {
	p, n, free := cbuf(s)
	defer free()
	return bool(C.un_valid_ifname(p, n, C.bool(allowFormat)))
}

// UsernetEntry is one parsed lxc-usernet line.
type UsernetEntry struct {
	Name, Type, Link string
	Count            int
}

// ParseUsernet is un_parse_usernet.
func ParseUsernet(line []byte) (UsernetEntry, bool) {
	p, n, free := cbuf(line)
	defer free()
	var e C.struct_un_usernet
	if !C.un_parse_usernet(p, n, &e) {
		return UsernetEntry{}, false
	}
	return UsernetEntry{C.GoString(&e.name[0]), C.GoString(&e._type[0]), C.GoString(&e.link[0]), int(e.count)}, true
}

// DBLine is one parsed database line.
type DBLine struct{ Owner, Type, Link, NIC string }

// ParseDB is un_parse_db.
func ParseDB(line []byte) (DBLine, bool) {
	p, n, free := cbuf(line)
	defer free()
	var d C.struct_un_dbline
	if !C.un_parse_db(p, n, &d) {
		return DBLine{}, false
	}
	span := func(s C.struct_un_span) string { return C.GoStringN(s.p, C.int(s.len)) }
	return DBLine{span(d.owner), span(d._type), span(d.link), span(d.nic)}, true
}

// PasswdName is un_passwd_name (un_group_name reads the same format).
func PasswdName(line []byte, id uint32) (string, bool) {
	p, n, free := cbuf(line)
	defer free()
	var out [C.UN_NAME_MAX]C.char
	if !C.un_passwd_name(p, n, C.ulong(id), &out[0], C.UN_NAME_MAX) {
		return "", false
	}
	return C.GoString(&out[0]), true
}

// ParseUint is un_parse_uint.
func ParseUint(s []byte, max uint64) (uint64, bool) {
	p, n, free := cbuf(s)
	defer free()
	var v C.ulong
	if !C.un_parse_uint(p, n, C.ulong(max), &v) {
		return 0, false
	}
	return uint64(v), true
}

// HostNICName is un_host_nic_name.
func HostNICName(uid uint32, rnd []byte) string {
	p, n, free := cbuf(rnd)
	defer free()
	var out [C.UN_IFNAMSIZ]C.char
	C.un_host_nic_name(C.ulong(uid), (*C.uchar)(unsafe.Pointer(p)), n, &out[0])
	return C.GoString(&out[0])
}
