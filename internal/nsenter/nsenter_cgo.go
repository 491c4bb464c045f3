//go:build linux && cgo

package nsenter

// The constructor lives in nsexec.c, the attached process's set-up in
// attach.c (which includes the supervisor's plan decoder and security
// tail), compiled by cgo with this package.

/*
#cgo CFLAGS: -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -O2
#include "nsenter.h"
*/
import "C"

// Available reports whether the constructor is linked into this binary.
const Available = true

// Sizes of the C structs, checked against the Go encoding by the tests.
const (
	cBootSize  = C.sizeof_struct_nsenter_boot
	cReplySize = C.sizeof_struct_nsenter_reply
	cMaxFDs    = C.NSENTER_MAX_FDS
)
