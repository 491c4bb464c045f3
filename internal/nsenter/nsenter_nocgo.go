//go:build !cgo

package nsenter

// Available reports whether the constructor is linked into this binary:
// not in a CGO_ENABLED=0 build, which therefore cannot attach.
const Available = false
