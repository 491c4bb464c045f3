// Package nsenter lets a child process enter a running container's
// namespaces before the Go runtime starts (architecture study §1.1–1.4).
//
// Importing the package links a small C constructor (nsexec.c) into the
// binary. It does nothing unless the environment variable EnvVar names an
// inherited channel. Then it becomes non-dumpable, waits for a Bootstrap
// (sent by the parent once the child sits in the container's cgroups),
// joins the namespaces, drops every descriptor but 0, 1, 2 and the
// channel, forks the attached process with CLONE_PARENT so it is the
// parent's own child, reports that pid (ReadReply) and exits. The forked
// process returns into the Go runtime inside every namespace and reads the
// rest of its instructions from the same channel.
//
// Only lxc-attach (and the multicall binary, through it) import this
// package; everything else joins nothing.
package nsenter

// EnvVar names the inherited SOCK_SEQPACKET channel (NSENTER_ENV in
// nsenter.h).
const EnvVar = "_GOLXC_NSENTER"
