package ctl

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A message of any size goes through, descriptors and all: long ones in a
// sealed memfd, which the receiver closes.
func TestSendRecvLarge(t *testing.T) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	extra, err := os.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	for _, size := range []int{10, InlineMax - 20, InlineMax + 1, 300 << 10, 12 << 20} {
		in := Response{Value: strings.Repeat("v", size)}
		errc := make(chan error, 1)
		go func() { errc <- Send(pair[0], in, []int{int(extra.Fd())}) }()
		var out Response
		files, err := Recv(pair[1], &out)
		if err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		if err := <-errc; err != nil {
			t.Fatalf("send %d bytes: %v", size, err)
		}
		if out.Value != in.Value {
			t.Errorf("%d bytes: got %d bytes back", size, len(out.Value))
		}
		if len(files) != 1 {
			t.Errorf("%d bytes: %d descriptors, want 1 (the memfd is not passed on)", size, len(files))
		}
		for _, f := range files {
			f.Close()
		}
	}
}

// A packet announcing a large message must come with a sealed memfd of
// exactly its size.
func TestRecvLargeRefusesUnsealed(t *testing.T) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	mem, err := unix.MemfdCreate("x", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(mem)
	unix.Write(mem, []byte(`{"value":"x"}`))
	if err := unix.Sendmsg(pair[0], []byte(largeMark+"13"), unix.UnixRights(mem), nil, 0); err != nil {
		t.Fatal(err)
	}
	var out Response
	if _, err := Recv(pair[1], &out); err == nil || !strings.Contains(err.Error(), "sealed") {
		t.Errorf("unsealed memfd accepted: %v", err)
	}
}
