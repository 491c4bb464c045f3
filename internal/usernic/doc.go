// Package usernic tests lxc-user-nic, the setuid-root helper of
// unprivileged networking, whose source is the C program in c/ (built by
// the Makefile into bin/lxc-user-nic and installed as
// $(LIBEXECDIR)/lxc/lxc-user-nic, mode 4755). The program shares no code
// with the rest of golxc; this package only links its parsers through cgo
// so the fuzz tests can reach them, and runs the built program in its
// integration and CVE regression tests.
package usernic
