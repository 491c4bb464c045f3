package ctl

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/lxcpath"
)

// fakeMonitor listens on the command socket of lxcpath/name, takes one
// request and hands it to answer, then stops listening as an exiting
// monitor does.
func fakeMonitor(t *testing.T, lxcpathDir, name string, answer func(fd int, req Request)) <-chan Request {
	t.Helper()
	lfd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(lfd, &unix.SockaddrUnix{Name: "@" + lxcpath.CommandSocket(lxcpathDir, name)}); err != nil {
		unix.Close(lfd)
		t.Fatal(err)
	}
	if err := unix.Listen(lfd, 4); err != nil {
		unix.Close(lfd)
		t.Fatal(err)
	}
	got := make(chan Request, 1)
	go func() {
		defer unix.Close(lfd)
		fd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
		if err != nil {
			close(got)
			return
		}
		var req Request
		if _, err := Recv(fd, &req); err == nil {
			got <- req
			answer(fd, req)
		}
		close(got)
		unix.Close(fd)
	}()
	return got
}

// TestKillWhenMonitorExitsBeforeAnswering: the monitor kills the
// container and may exit before its answer is sent; lxc-stop -k must
// take the closed connection as done, not fail ("receive: connection
// closed", seen once in 200 start/stop cycles).
func TestKillWhenMonitorExitsBeforeAnswering(t *testing.T) {
	dir := t.TempDir()
	got := fakeMonitor(t, dir, "c", func(int, Request) {})
	if err := Kill(dir, "c"); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if req := <-got; req.Cmd != CmdStop {
		t.Fatalf("monitor got %q, want %q", req.Cmd, CmdStop)
	}
}

func TestShutdownWhenMonitorExitsBeforeAnswering(t *testing.T) {
	dir := t.TempDir()
	got := fakeMonitor(t, dir, "c", func(int, Request) {})
	if err := Shutdown(dir, "c", -1, false); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if req := <-got; req.Cmd != CmdShutdown {
		t.Fatalf("monitor got %q, want %q", req.Cmd, CmdShutdown)
	}
}

// An answer with an error is still an error.
func TestKillReportsMonitorError(t *testing.T) {
	dir := t.TempDir()
	fakeMonitor(t, dir, "c", func(fd int, _ Request) {
		Send(fd, Response{Err: "signal init: operation not permitted"}, nil)
	})
	err := Kill(dir, "c")
	if err == nil || errors.Is(err, ErrClosed) || err.Error() != "stop c: signal init: operation not permitted" {
		t.Fatalf("Kill: %v, want the monitor's error", err)
	}
}

func TestKillNotRunning(t *testing.T) {
	if err := Kill(t.TempDir(), "c"); err != nil {
		t.Fatalf("Kill of a stopped container: %v", err)
	}
}
