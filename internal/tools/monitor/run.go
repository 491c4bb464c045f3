package monitortool

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"syscall"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/lxcpath"
	rand "github.com/golxc/golxc/internal/randbytes"
)

var quit bool

func flags(f *pflag.FlagSet) {
	f.BoolVarP(&quit, "quit", "Q", false, "tell lxc-monitord to quit")
}

type event struct {
	Name  string `json:"name"`
	State string `json:"state"`
	Exit  *int   `json:"exit"`
}

// run prints state changes of the containers of every -P whose name
// matches -n (a POSIX ERE, anchored). golxc needs no lxc-monitord: each
// lxc-monitor registers a datagram socket in the lxcpath's monitor
// directory and container monitors send their events there.
func run(x *cli.Ctx) error {
	if quit {
		return nil // there is no lxc-monitord to stop
	}
	pattern := x.Name
	if pattern == "" {
		pattern = ".*"
	}
	re, err := regexp.CompilePOSIX("^(" + pattern + ")$")
	if err != nil {
		return x.Errorf("Failed to compile the regex")
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return x.Errorf("socket: %v", err)
	}
	defer unix.Close(fd)
	var b [6]byte
	rand.Read(b[:])
	var paths []string
	// One socket, bound once; every other lxcpath gets a link to it.
	for i, p := range x.LXCPaths {
		dir := lxcpath.MonitorDir(p)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return x.Errorf("create %s: %v", dir, err)
		}
		sock := filepath.Join(dir, fmt.Sprintf("%d-%s.sock", os.Getpid(), hex.EncodeToString(b[:])))
		if i == 0 {
			if err := unix.Bind(fd, &unix.SockaddrUnix{Name: sock}); err != nil {
				return x.Errorf("bind %s: %v", sock, err)
			}
		} else if err := os.Link(paths[0], sock); err != nil {
			return x.Errorf("register %s: %v", sock, err)
		}
		paths = append(paths, sock)
	}
	cleanup := func() {
		for _, p := range paths {
			os.Remove(p)
		}
	}
	defer cleanup()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		<-sigs
		cleanup()
		os.Exit(130)
	}()
	buf := make([]byte, 4096)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return x.Errorf("receive: %v", err)
		}
		var ev event
		if json.Unmarshal(buf[:n], &ev) != nil || !re.MatchString(ev.Name) {
			continue
		}
		if ev.Exit != nil {
			fmt.Fprintf(x.Stdout, "'%s' exited with status [%d]\n", ev.Name, *ev.Exit)
		} else {
			fmt.Fprintf(x.Stdout, "'%s' changed state to [%s]\n", ev.Name, ev.State)
		}
	}
}
